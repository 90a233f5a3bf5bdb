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


def test_pilots_are_counted_from_the_register_flag_against_the_programmes_target(empty_store):
    """四川 2020 (seed 002, 川办发 draft §(三)): 4,000 communities, 46万户 and 40 provincial pilots (试点示范).

    A programme that counts 试点 gets a pilots figure: its target, and the register's rows
    flagged 是否试点 (a 片区 row counts each of its communities), started as of the week.
    """
    from lib.access import admin, programmes as progs
    from lib.access.auth import Actor
    from lib.uploads import ingest
    from tests.support.uploads import xlsx

    store = empty_store
    boss = Actor("admin", "admin")
    p = progs.create(store, boss, name="四川省2020年城镇老旧小区改造", region="四川省", years="2020",
                               metrics="communities,households,pilots")
    for metric, value in (("communities", 4000), ("households", 460_000), ("pilots", 40)):
        admin.set_target(store, boss, p["id"], "510000", metric, value)
    data = xlsx([["小区名称", "所属县区", "改造户数（户）", "是否试点", "涉及小区数"],
                 ["玉双路片区", "锦江区", 1200, "是", 3],
                 ["水井坊社区", "锦江区", 300, "是", 1],
                 ["东风路小区", "锦江区", 150, "否", 1],
                 ["涪城路小区", "涪城区", 220, "是", 1]], sheet="台账")
    pv = ingest.commit(store, data, "台账.xlsx", p["id"], actor=boss, kind="register", as_of="2020-09-01")
    assert pv.status == "committed", [e.message for e in pv.errors]
    data = xlsx([["小区名称", "所属县区", "当前阶段"], ["玉双路片区", "锦江区", "已开工"], ["水井坊社区", "锦江区", "前期"],
                 ["东风路小区", "锦江区", "已开工"], ["涪城路小区", "涪城区", "完工"]], sheet="进度")
    pv = ingest.commit(store, data, "周报.xlsx", p["id"], actor=boss, kind="progress", as_of="2020-09-30")
    assert pv.status == "committed", [e.message for e in pv.errors]
    s = metrics.summary(store, p["id"], as_of="2020-09-30", by="prefecture")
    assert s["totals"]["pilots"] == {"target": 40, "registered": 5, "started": 4, "completed": 1,
                                     "start_rate": 0.1, "completion_rate": 0.025}
    kids = {c["adcode"]: c["totals"]["pilots"] for c in s["children"]}
    assert (kids["510100"]["registered"], kids["510700"]["registered"]) == (4, 1)  # 成都, 绵阳


def test_targets_read_once_per_data_version_follow_every_write(fresh_demo_store, tmp_path):
    """explicit_targets is kept per store and data version: a changed target shows in the next summary, a
    summary's own additions never leak into the next one, and another store is never answered from it."""
    from sqlalchemy import update

    from lib.store.models import Target

    store = fresh_demo_store
    s = metrics.summary(store, 1, by="county")
    county = s["children"][0]["adcode"]
    before = s["children"][0]["totals"]["households"]["target"]
    first = metrics.explicit_targets(store, 1)
    first[("999999", "households")] = 1.0  # a caller adding to its copy (summary does, for reported plans)
    assert ("999999", "households") not in metrics.explicit_targets(store, 1)

    with store.write() as w:
        w.execute(update(Target).where(Target.programme_id == 1, Target.region_adcode == county,
                                       Target.metric == "households").values(value=before + 7))
    after = metrics.summary(store, 1, by="county")
    assert next(c for c in after["children"] if c["adcode"] == county)["totals"]["households"]["target"] == before + 7

    other = open_store(f"sqlite:///{tmp_path}/other.db", read_only=False)  # another store: nothing from this memo
    other.migrate()
    assert metrics.explicit_targets(other, 1) == {}
