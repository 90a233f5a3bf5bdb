"""lib.figures.metrics: targets, summaries by level and date, the same on both stores."""

from __future__ import annotations

import json

import pytest

from lib.domain.errors import NotFound, UserError
from lib.figures import metrics
from lib.store.engine import open_store


def test_qinghai_targets_add_up_by_county(demo_store):
    s = metrics.summary(demo_store, 1, by="county")
    assert len(s["children"]) == 45
    assert s["totals"]["communities"]["target"] == 489
    assert s["totals"]["households"]["target"] == 51_500
    assert sum(c["totals"]["communities"]["target"] for c in s["children"]) == 489
    assert sum(c["totals"]["households"]["target"] for c in s["children"]) == 51_500
    assert sum(c["totals"]["households"]["registered"] for c in s["children"]) == 51_500
    assert metrics.target_checks(demo_store, 1) == []


def test_children_sum_to_parent(demo_store):
    s = metrics.summary(demo_store, 1, as_of="2021-07-30", by="prefecture")
    assert len(s["children"]) == 8
    for key in ("started", "completed"):
        assert sum(c["totals"]["households"][key] for c in s["children"]) == s["totals"]["households"][key]
    inv = sum(c["totals"]["investment_wan"]["invested"] for c in s["children"])
    assert inv == pytest.approx(s["totals"]["investment_wan"]["invested"], abs=0.05)


def test_counties_differ_and_figures_move_over_time(demo_store):
    june = metrics.summary(demo_store, 1, as_of="2021-06-30", by="county")
    nov = metrics.summary(demo_store, 1, as_of="2021-11-26", by="county")
    rates = [c["totals"]["households"]["start_rate"] for c in june["children"]]
    assert max(rates) - min(rates) > 0.5  # real differences between counties
    assert june["totals"]["communities"]["started"] < nov["totals"]["communities"]["started"] <= 489
    assert 0 < june["expected_share"] < 1 and nov["expected_share"] == 1.0


def test_before_any_report_nothing_has_started(demo_store):
    s = metrics.summary(demo_store, 1, as_of="2021-03-31")
    assert s["totals"]["communities"]["registered"] == 489
    assert s["totals"]["communities"]["started"] == 0
    assert s["expected_share"] == 0.0


def test_qingtian_real_rows_and_disagreements_shown(demo_store):
    s = metrics.summary(demo_store, 2)
    t = s["totals"]
    assert t["communities"]["registered"] == 14 and t["communities"]["target"] == 14
    assert t["households"]["registered"] == 9460 and t["households"]["target"] == 9460
    assert t["buildings"]["registered"] == 364 and t["buildings"]["target"] == 395
    assert t["floor_area_wan_m2"]["registered"] == pytest.approx(96.95)
    assert t["communities"]["started"] == 0  # no invented progress
    kinds = {(c["metric"], c["expected"], c["actual"]) for c in metrics.target_checks(demo_store, 2)}
    assert ("buildings", 395, 364) in kinds and ("floor_area_wan_m2", 96.6, 96.95) in kinds


def test_summary_identical_on_both_stores(_demo_templates, request):
    from sqlalchemy.engine import make_url
    from tests.conftest import PG_ADMIN_URL

    request.getfixturevalue("pg_admin")
    a = metrics.summary(open_store(f"sqlite:///{_demo_templates('sqlite')}", read_only=False), 1, by="county")
    pg = make_url(PG_ADMIN_URL).set(database=_demo_templates("postgresql")).render_as_string(hide_password=False)
    b = metrics.summary(open_store(pg, read_only=False), 1, by="county")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_unknown_programme_and_bad_date(demo_store):
    with pytest.raises(NotFound):
        metrics.summary(demo_store, 99)
    with pytest.raises(UserError):
        metrics.summary(demo_store, 1, as_of="2021-02-30")
    with pytest.raises(NotFound):
        metrics.summary(demo_store, 1, region="110000")
