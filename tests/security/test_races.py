"""Uploads at the same moment (issue 13, defect 3), with real threads on both stores.

On SQLite every write begins with BEGIN IMMEDIATE, so a commit checks against whatever committed
before it. On PostgreSQL the check-and-commit holds an advisory lock for the programme and county,
so the two stores give the same answer:

* two clerks confirming conflicting figures for the same county and week: the second is checked
  against the first (the lower figure refused as a step back, never both silently accepted);
* the same file sent twice at once: stored once, the other attempt "unchanged" (never a raw
  IntegrityError on upload_blob_pkey, never two identical uploads);
* two different counties still commit side by side.

Before the lock, PostgreSQL committed both conflicting files and kept the lower figure as the latest
(the forced interleaving below made it happen every time); the same file twice gave an
IntegrityError or two uploads.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lib.store.models import ProgressReport, Upload
from lib.uploads import checks, ingest
from tests.support import CD, CZ, WEEK
from tests.support.uploads import (
    county_projects,
    district,
    first_started_not_finished,
    latest,
    progress_rows,
    xlsx,
)


def _run_together(*calls):
    """Start every call in its own thread at the same moment; (results, exceptions) by position."""
    start = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = [None] * len(calls)

    def go(i, call):
        try:
            start.wait()
            results[i] = call()
        except BaseException as e:  # noqa: BLE001 - reported by the test
            errors[i] = e

    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads), "an upload never finished (deadlock?)"
    return results, errors


def _upload(store, data, who, as_of=WEEK, county=CD):
    return lambda: ingest.commit(store, data, f"{who}.xlsx", 1, actor=district(who, county), county=county,
                                 as_of=as_of)


def _committed(store) -> list[Upload]:
    with store.session() as s:
        return s.scalars(select(Upload).where(Upload.status == "committed").order_by(Upload.id)).all()


@pytest.fixture
def interleaved(monkeypatch):
    """Make both checks finish before either commit writes, when the store lets them run side by side.

    Each upload, once checked, waits (up to 3 s) for the other to be checked too; the higher figure's
    upload then writes at once and the lower one 0.3 s later. Without a lock around the check both
    pass this point together and the lower figure lands last; with one, the second upload cannot be
    checking while the first holds the lock, the wait times out and the second is checked afterwards.
    """
    meet = threading.Barrier(2)
    late = threading.local()
    real = checks.validate

    def validate(s, prog, pv, read, act, county, as_of):
        real(s, prog, pv, read, act, county, as_of)
        try:
            meet.wait(timeout=3)
        except threading.BrokenBarrierError:
            return
        if getattr(late, "lower", False):
            time.sleep(0.3)

    monkeypatch.setattr(ingest, "validate", validate)
    return late


def test_conflicting_figures_at_once_behave_as_one_after_the_other(fresh_demo_store, interleaved):
    store = fresh_demo_store
    i = first_started_not_finished(store)
    code = county_projects(store)[i].code
    base = latest(store, code)["progress_pct"] or 0
    high = xlsx(progress_rows(store, {i: {"形象进度（%）": base + 10}}))
    low = xlsx(progress_rows(store, {i: {"形象进度（%）": base + 5}}))
    before = len(_committed(store))

    def lower():
        interleaved.lower = True
        return _upload(store, low, "clerk_b")()

    (hi, lo), errors = _run_together(_upload(store, high, "clerk_a"), lower)
    assert errors == [None, None]
    assert hi.status == "committed", [e.message for e in hi.errors]
    # one after the other: either the lower came first (both stored, the higher last) or it is refused
    if lo.status == "committed":
        assert lo.upload_id < hi.upload_id
    else:
        assert lo.status == "rejected"
        assert any("形象进度从" in e.message and "是否更正" in e.message for e in lo.errors), \
            [e.message for e in lo.errors]
    assert latest(store, code)["progress_pct"] == pytest.approx(base + 10)
    assert len(_committed(store)) == before + (2 if lo.status == "committed" else 1)


@pytest.mark.parametrize("rounds", [4])
def test_conflicting_figures_raced_without_help(fresh_demo_store, rounds):
    """The same race with nothing forcing the order, over several weeks: the latest is always the highest."""
    store = fresh_demo_store
    i = first_started_not_finished(store)
    code = county_projects(store)[i].code
    base = latest(store, code)["progress_pct"] or 0
    for k in range(rounds):
        week = WEEK + timedelta(days=7 * k)
        hi_pct, lo_pct = base + 2 * k + 2, base + 2 * k + 1
        high = xlsx(progress_rows(store, {i: {"形象进度（%）": hi_pct}}))
        low = xlsx(progress_rows(store, {i: {"形象进度（%）": lo_pct}}))
        (hi, lo), errors = _run_together(_upload(store, high, "clerk_a", week), _upload(store, low, "clerk_b", week))
        assert errors == [None, None]
        assert hi.status == "committed"
        assert lo.status == "rejected" or lo.upload_id < hi.upload_id, (k, lo.status)
        assert latest(store, code, week)["progress_pct"] == pytest.approx(hi_pct), k


def test_the_same_file_twice_at_once_is_stored_once(fresh_demo_store):
    store = fresh_demo_store
    i = first_started_not_finished(store)
    code = county_projects(store)[i].code
    data = xlsx(progress_rows(store, {i: {"形象进度（%）": (latest(store, code)["progress_pct"] or 0) + 3}}))
    before = len(_committed(store))
    results, errors = _run_together(*(_upload(store, data, "cd_clerk") for _ in range(4)))
    assert errors == [None] * 4, errors
    statuses = sorted(r.status for r in results)
    assert statuses == ["committed", "unchanged", "unchanged", "unchanged"], statuses
    (stored,) = [r.upload_id for r in results if r.status == "committed"]
    assert {r.upload_id for r in results} == {stored}  # "unchanged" names the upload that holds the file
    assert len(_committed(store)) == before + 1
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(ProgressReport)
                        .where(ProgressReport.upload_id == stored)) == len(county_projects(store))


def test_two_counties_still_commit_side_by_side(fresh_demo_store):
    store = fresh_demo_store
    files = {c: xlsx(progress_rows(store, adcode=c)) for c in (CD, CZ)}
    # each county's file as last reported: nothing changed, so edit one figure per county
    for c in (CD, CZ):
        j = first_started_not_finished(store, c)
        code = county_projects(store, c)[j].code
        files[c] = xlsx(progress_rows(store, {j: {"形象进度（%）": (latest(store, code)["progress_pct"] or 0) + 1}},
                                      adcode=c))
    (a, b), errors = _run_together(_upload(store, files[CD], "cd_clerk", county=CD),
                                   _upload(store, files[CZ], "cz_clerk", county=CZ))
    assert errors == [None, None]
    assert (a.status, b.status) == ("committed", "committed"), [e.message for e in a.errors + b.errors]


def test_the_same_totals_table_four_times_at_once_is_stored_once(empty_store):
    """A per-region totals table (湖南's 市州 progress) sent four times at once: one upload, three 'unchanged',
    never a raw IntegrityError on the file's blob (aggregate imports take the programme's lock too)."""
    import threading

    from lib.access import programmes
    from lib.access.auth import Actor
    from lib.uploads import aggregate
    from tests.real import programmes as real
    from tests.real.programmes import hunan_2021_08_progress as mod

    store = empty_store
    boss = Actor("admin", "admin")
    pid = programmes.create(store, boss, name=mod.PROGRAMME["name"], region="430000", years="2021")["id"]
    data = real.build_xlsx(mod)
    out, errors = [], []
    gate = threading.Barrier(4)

    def send():
        gate.wait()
        try:
            out.append(aggregate.import_aggregate(store, data, "湖南.xlsx", pid, actor=boss)["status"])
        except Exception as e:  # noqa: BLE001 - the test reports any exception
            errors.append(repr(e))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and sorted(out) == ["committed", "unchanged", "unchanged", "unchanged"]
