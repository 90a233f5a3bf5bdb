"""Scale: synthetic national data, county rollups equal to the raw history, the rollups CLI.

Small N keeps these fast; bench/ measures the big sizes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta

import pandas as pd
import pytest
from sqlalchemy import select, update

from lib.figures import metrics
from lib.figures import rollups
from lib.samples import synth
from lib.store.models import CountyRollup, ProgressReport, Project, RollupState

QINGHAI = 1
# Reporting Fridays, a month end, a Tuesday, before the first report, before registration, after the last.
DATES = [date(2021, 4, 2), date(2021, 5, 31), date(2021, 6, 29), date(2021, 7, 2), date(2021, 11, 26),
         date(2021, 3, 25), date(2021, 3, 1), date(2022, 1, 15)]
REGIONS = [None, "630100", "632800", "630102"]


def raw_figures(store, pid, day, region=None) -> pd.DataFrame:
    with store.session() as s:
        rows = s.execute(metrics.county_figures_query(pid, day, region)).mappings().all()
    return pd.DataFrame(rows, columns=["adcode", *metrics.SUM_COLUMNS]).set_index("adcode").fillna(0)


def assert_same(store, pid, days=DATES, regions_=REGIONS):
    for day in days:
        for region in regions_:
            got = metrics.county_figures(store, pid, day, region).sort_index()
            want = raw_figures(store, pid, day, region).sort_index()
            assert list(got.index) == list(want.index), (day, region)
            if want.empty:
                continue
            pd.testing.assert_frame_equal(got.astype("float64"), want.astype("float64"), rtol=1e-9,
                                          check_exact=False, obj=f"{day} {region}")


def rollup_answers(store, pid, day) -> bool:
    with store.session() as s:
        return rollups.county_figures(s, pid, day) is not None


def test_demo_has_clean_rollups_equal_to_raw(fresh_demo_store):
    demo_store = fresh_demo_store
    with demo_store.session() as s:
        assert rollups.usable(s, QINGHAI)
        assert rollups.weeks(s, QINGHAI) == metrics.report_dates(demo_store, QINGHAI)
        assert rollups.check(s, QINGHAI)["ok"]
    assert rollup_answers(demo_store, QINGHAI, date(2021, 6, 30))
    assert not rollup_answers(demo_store, QINGHAI, date(2021, 3, 25))  # before the first report: raw
    assert_same(demo_store, QINGHAI)
    # the summary every page shows is unchanged, to the last digit
    for day in ("2021-06-30", "2021-07-02"):
        s1 = metrics.summary(demo_store, QINGHAI, as_of=day, by="county")
        with demo_store.write() as s:
            s.execute(update(RollupState).values(dirty=True))  # force the raw path
        try:
            s2 = metrics.summary(demo_store, QINGHAI, as_of=day, by="county")
        finally:
            with demo_store.write() as s:
                s.execute(update(RollupState).values(dirty=False))
        assert s1 == s2


def _new_week(store, county="630102", day=date(2021, 12, 3), stage=4):
    with store.write() as s:
        pids = s.scalars(select(Project.id).where(Project.programme_id == QINGHAI,
                                                  Project.county_adcode == county)).all()[:5]
        s.add_all([ProgressReport(project_id=p, report_date=day, stage=stage, invested_wan=99.0, paid_wan=50.0,
                                  lifts_added=1) for p in pids])
        s.flush()
        rollups.refresh(s, QINGHAI, [county], day)
    return pids


def test_refresh_after_inserts_and_deactivation(fresh_demo_store):
    store = fresh_demo_store
    # a new week reported by one county only: every other county is carried forward
    _new_week(store)
    with store.session() as s:
        assert rollups.usable(s, QINGHAI) and rollups.check(s, QINGHAI)["ok"]
        assert date(2021, 12, 3) in rollups.weeks(s, QINGHAI)
    assert_same(store, QINGHAI, DATES + [date(2021, 12, 3), date(2021, 12, 10)], [None, "630100"])

    # a correction inside an old week (a later row for the same date wins)
    with store.write() as s:
        pid = s.scalar(select(Project.id).where(Project.county_adcode == "632801").limit(1))
        s.add(ProgressReport(project_id=pid, report_date=date(2021, 6, 4), stage=5, invested_wan=1.0,
                             is_correction=True))
        s.flush()
        rollups.refresh(s, QINGHAI, ["632801"], date(2021, 6, 4))
    # deactivate (roll back) a county's reports of two weeks, one of them the lone new week
    with store.write() as s:
        ids = s.scalars(select(ProgressReport.id).join(Project, Project.id == ProgressReport.project_id)
                        .where(Project.county_adcode == "630102",
                               ProgressReport.report_date.in_([date(2021, 7, 2), date(2021, 12, 3)]))).all()
        s.execute(update(ProgressReport).where(ProgressReport.id.in_(ids)).values(active=False))
        rollups.refresh(s, QINGHAI, ["630102"], date(2021, 7, 2))
    with store.session() as s:
        assert rollups.check(s, QINGHAI)["ok"]
        assert date(2021, 12, 3) not in rollups.weeks(s, QINGHAI)
    assert_same(store, QINGHAI, DATES + [date(2021, 6, 4), date(2021, 12, 3)], [None, "632800", "630102"])


def test_registered_between_weeks(fresh_demo_store):
    """Communities registered between two reporting weeks count from that day (the non-reporting-day path)."""
    store = fresh_demo_store
    with store.write() as s:
        pids = s.scalars(select(Project.id).where(Project.county_adcode.in_(["630103", "632521"]))).all()[:6]
        s.execute(update(Project).where(Project.id.in_(pids)).values(registered_on=date(2021, 6, 29)))
        rollups.refresh(s, QINGHAI, ["630103", "632521"], date(2021, 3, 1))
    with store.session() as s:
        assert rollups.check(s, QINGHAI)["ok"]
    assert_same(store, QINGHAI, [date(2021, 6, 25), date(2021, 6, 29), date(2021, 6, 30), date(2021, 7, 2)])


def test_write_without_refresh_is_slow_not_wrong(fresh_demo_store):
    store = fresh_demo_store
    with store.write() as s:
        pid = s.scalar(select(Project.id).where(Project.county_adcode == "630104").limit(1))
        s.add(ProgressReport(project_id=pid, report_date=date(2021, 6, 4), stage=5, invested_wan=7.0))
    with store.session() as s:
        assert not rollups.usable(s, QINGHAI)  # the trigger marked it dirty
        assert rollups.check(s, QINGHAI)["ok"] is False
    assert not rollup_answers(store, QINGHAI, date(2021, 6, 4))
    assert_same(store, QINGHAI, [date(2021, 6, 4)], [None])
    with store.write() as s:
        rollups.rebuild(s, QINGHAI)
    with store.session() as s:
        assert rollups.usable(s, QINGHAI) and rollups.check(s, QINGHAI)["ok"]
    assert_same(store, QINGHAI, [date(2021, 6, 4), date(2021, 6, 5)], [None])


def test_rollups_cli_exit_codes(sqlite_demo_url):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, "rollups", *args],
                              capture_output=True, text=True)

    ok = run("--programme", "1", "--check")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    from lib.store.engine import forget_stores, open_store

    store = open_store(sqlite_demo_url, read_only=False)
    with store.write() as s:  # tamper with one figure behind the triggers' back
        s.execute(update(CountyRollup).where(CountyRollup.county_adcode == "630102",
                                             CountyRollup.report_date == date(2021, 7, 2))
                  .values(started_households=CountyRollup.started_households + 1))
    forget_stores()
    bad = run("--programme", "1", "--check")
    assert bad.returncode == 1
    assert "不一致" in bad.stderr and "--rebuild" in bad.stderr
    assert json.loads(bad.stdout)["problems"][0]["column"] == "started_households"
    fixed = run("--programme", "1", "--rebuild")
    assert fixed.returncode == 0, fixed.stderr
    assert run("--programme", "1", "--check").returncode == 0
    assert run("--programme", "1").returncode == 2  # neither --check nor --rebuild


def test_synth_is_deterministic_and_rollups_match(empty_store, tmp_path):
    a = synth.load(empty_store, 300, 6, seed=7, log=lambda *_: None)
    b = synth.load(empty_store, 300, 6, seed=8, log=lambda *_: None)
    assert a["reports"] > 300 * 5 and a["rows_per_second"] > 0
    assert synth.load(empty_store, 300, 6, seed=7)["status"] == "unchanged"
    pid = a["programme_id"]
    with empty_store.session() as s:
        assert rollups.check(s, pid)["ok"]
    weeks = synth.weeks_of(6)
    assert metrics.report_dates(empty_store, pid) == weeks
    assert_same(empty_store, pid, [weeks[0], weeks[3], weeks[3] + timedelta(days=3), weeks[-1],
                                   weeks[0] - timedelta(days=1)], [None, "440000"])
    summ = metrics.summary(empty_store, pid, as_of="2022-12-31", by=None)  # after every late registration
    assert summ["totals"]["communities"]["registered"] == 300 and len(summ["children"]) == 34

    # same seed on another store: the same checksum; another seed: a different one
    from lib.store.engine import open_store

    other = open_store(f"sqlite:///{tmp_path / 'other.db'}", read_only=False, migrate=True)
    c = synth.load(other, 300, 6, seed=7, log=lambda *_: None)
    assert synth.checksum(other, c["programme_id"]) == synth.checksum(empty_store, pid)
    assert synth.checksum(empty_store, b["programme_id"]) != synth.checksum(empty_store, pid)


def test_synth_cli(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    p = subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, "synth", "--communities", "200",
                        "--weeks", "4", "--seed", "3"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["status"] == "loaded" and out["communities"] == 200 and "行/秒" in p.stderr
