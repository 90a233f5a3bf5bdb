"""lib.figures.rollups: county rollups equal to the raw history, kept fresh by refresh and triggers.

Small N keeps these fast; bench/ measures the big sizes.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from lib.figures import metrics, rollups
from lib.store.models import ProgressReport, Project, RollupState
from tests.support.rollups import DATES, QINGHAI, assert_same


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
