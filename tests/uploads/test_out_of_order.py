"""A report for a week before a community's latest accepted one (issue 13, defect 5).

The backwards check used to compare a row with the report before it only, so the order of
uploads decided what was accepted: week 12-10 (+3) then week 12-03 (+10) were both stored,
a history 43.1 → 53.1 → 46.1 with no correction flag, while the normal order refused the
same figures. A week before the latest accepted one is now checked against both neighbours,
on both stores: refused when it lies above the next report, stored when consistent, and
stored with a warning when it is marked as a correction.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.support import WEEK
from tests.support.uploads import LAST, commit, county_projects, dump, latest, progress_rows, snapshot, xlsx

NEXT_WEEK = WEEK + timedelta(days=7)  # 2021-12-10
PCT = "形象进度（%）"


def _in_progress(store) -> tuple[int, str, float]:
    """A community under way with room for ten more points: (its index in the county, code, progress)."""
    snap = snapshot(store, LAST)
    for i, p in enumerate(county_projects(store)):
        cur = snap[p.code]
        if cur["stage"] == "开工" and cur["progress_pct"] is not None and 5 <= cur["progress_pct"] <= 80:
            return i, p.code, float(cur["progress_pct"])
    raise AssertionError("the demo has no community under way below 80%")


def _upload(store, i: int, pct: float, day: date, correction: bool = False):
    edit = {PCT: round(pct, 1)}
    if correction:
        edit["是否更正"] = "是"
    return commit(store, xlsx(progress_rows(store, {i: edit})), as_of=day)


def test_an_earlier_week_above_the_next_report_is_refused(fresh_demo_store):
    store = fresh_demo_store
    i, code, base = _in_progress(store)
    assert _upload(store, i, base + 3, NEXT_WEEK).status == "committed"
    before = dump(store)
    pv = _upload(store, i, base + 10, WEEK)
    assert pv.status == "rejected", "week 12-03 above the stored week 12-10 was accepted"
    text = " ".join(e.message for e in pv.errors)
    assert str(NEXT_WEEK) in text and "形象进度" in text and "是否更正" in text
    assert dump(store) == before
    assert latest(store, code, NEXT_WEEK)["progress_pct"] == pytest.approx(base + 3)


def test_the_normal_order_is_refused_too(fresh_demo_store):
    """The same figures the other way round: refused by the check against the report before."""
    store = fresh_demo_store
    i, _, base = _in_progress(store)
    assert _upload(store, i, base + 10, WEEK).status == "committed"
    assert _upload(store, i, base + 3, NEXT_WEEK).status == "rejected"


def test_an_earlier_week_between_its_neighbours_is_stored(fresh_demo_store):
    store = fresh_demo_store
    i, code, base = _in_progress(store)
    assert _upload(store, i, base + 3, NEXT_WEEK).status == "committed"
    pv = _upload(store, i, base + 1, WEEK)
    assert pv.status == "committed", [e.message for e in pv.errors]
    assert [latest(store, code, d)["progress_pct"] for d in (LAST, WEEK, NEXT_WEEK)] == \
        pytest.approx([base, base + 1, base + 3])


def test_an_earlier_week_marked_as_a_correction_is_stored_with_a_warning(fresh_demo_store):
    store = fresh_demo_store
    i, code, base = _in_progress(store)
    assert _upload(store, i, base + 3, NEXT_WEEK).status == "committed"
    pv = _upload(store, i, base + 10, WEEK, correction=True)
    assert pv.status == "committed", [e.message for e in pv.errors]
    assert any(str(NEXT_WEEK) in w.message and "更正" in w.message for w in pv.warnings)
    assert latest(store, code, WEEK)["progress_pct"] == pytest.approx(base + 10)
    assert latest(store, code, NEXT_WEEK)["progress_pct"] == pytest.approx(base + 3)


def test_a_stage_ahead_of_the_next_report_is_refused(fresh_demo_store):
    store = fresh_demo_store
    i, _, base = _in_progress(store)
    assert _upload(store, i, base + 3, NEXT_WEEK).status == "committed"
    before = dump(store)
    pv = commit(store, xlsx(progress_rows(store, {i: {"当前阶段": "完工", "完工日期": WEEK, PCT: 100}})), as_of=WEEK)
    assert pv.status == "rejected"
    assert any("阶段" in e.message and str(NEXT_WEEK) in e.message for e in pv.errors)
    assert dump(store) == before
