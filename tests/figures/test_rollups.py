"""lib.figures.rollups: county rollups equal to the raw history, kept fresh by refresh and triggers.

Small N keeps these fast; bench/ measures the big sizes.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update

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


# --- the newest week by difference (issue 14: a 10,000-report upload without recomputing history) ---

def _rollup_rows(store, pid) -> list[tuple]:
    from lib.store.models import CountyRollup as R
    cols = [c for c in R.__table__.columns]
    with store.session() as s:
        rows = s.execute(select(*cols).where(R.programme_id == pid)
                         .order_by(R.report_date, R.county_adcode)).all()
    return [tuple(round(v, 4) if isinstance(v, float) else v for v in r) for r in rows]


def _equals_rebuild(store, pid=QINGHAI) -> bool:
    """The refreshed rollup, row for row, is what a full rebuild from the raw history writes."""
    mine = _rollup_rows(store, pid)
    with store.write() as s:
        rollups.rebuild(s, pid)
    assert mine == _rollup_rows(store, pid)
    with store.session() as s:
        assert rollups.check(s, pid)["ok"]
    return True


def _report(store, county, day, stage, n=4, invested=42.0):
    with store.write() as s:
        pids = s.scalars(select(Project.id).where(Project.programme_id == QINGHAI, Project.county_adcode == county)
                         .order_by(Project.id)).all()[:n]
        s.add_all([ProgressReport(project_id=p, report_date=day, stage=stage, invested_wan=invested, paid_wan=1.5,
                                  lifts_added=1) for p in pids])
        s.flush()
        return rollups.refresh(s, QINGHAI, [county], day), pids


def test_newest_week_by_difference_equals_rebuild(fresh_demo_store):
    store = fresh_demo_store
    last = metrics.report_dates(store, QINGHAI)[-1]
    new = date(2021, 12, 3)
    assert new > last
    # a new week from two counties: the other counties carried, the two by difference
    out, _ = _report(store, "630102", new, 4)
    assert out["method"] == "newest week by difference" and out["weeks_added"] == 1
    out, pids = _report(store, "632801", new, 3, n=3)
    assert out["method"] == "newest week by difference" and out["weeks_added"] == 0
    assert _equals_rebuild(store)
    # a correction inside the newest week (a later row for the same date wins)
    with store.write() as s:
        s.add(ProgressReport(project_id=pids[0], report_date=new, stage=5, invested_wan=7.0, is_correction=True))
        s.flush()
        assert rollups.refresh(s, QINGHAI, ["632801"], new)["method"] == "newest week by difference"
    assert _equals_rebuild(store)
    # a community registered since the previous week counts from the new week on
    with store.write() as s:
        base = s.scalars(select(Project).where(Project.county_adcode == "630103")).first()
        s.add(Project(programme_id=QINGHAI, code="LATE-1", name="新登记小区", county_adcode="630103", households=77,
                      buildings=2, registered_on=new - timedelta(days=2)))
        s.flush()
        late = s.scalar(select(Project.id).where(Project.code == "LATE-1"))
        s.add(ProgressReport(project_id=late, report_date=new, stage=3, invested_wan=5.0))
        s.flush()
        out = rollups.refresh(s, QINGHAI, ["630103"], new - timedelta(days=2))
        assert out["method"] == "newest week by difference"
    assert _equals_rebuild(store)
    assert_same(store, QINGHAI, [last, new, new + timedelta(days=3)], [None, "630100", "632800"])
    # the rollback of one county's part of the newest week: the week stays (others reported it)
    with store.write() as s:
        s.execute(update(ProgressReport).where(ProgressReport.report_date == new,
                                               ProgressReport.project_id.in_(pids)).values(active=False))
        assert rollups.refresh(s, QINGHAI, ["632801"], new)["method"] == "newest week by difference"
    assert _equals_rebuild(store)
    # the rollback of the whole newest week: the week goes, nothing recomputed
    with store.write() as s:
        s.execute(update(ProgressReport).where(ProgressReport.report_date == new).values(active=False))
        out = rollups.refresh(s, QINGHAI, None, new)
        assert out["weeks_removed"] == 1 and out["rows_written"] == 0
    with store.session() as s:
        assert rollups.weeks(s, QINGHAI)[-1] == last
    assert _equals_rebuild(store)
    assert_same(store, QINGHAI, [last, new], [None, "630102"])


def test_older_week_and_register_changes_take_the_full_path(fresh_demo_store):
    store = fresh_demo_store
    new = date(2021, 12, 3)
    _report(store, "630102", new, 4)
    # a correction of an older week: the touched county recomputed from that week on
    with store.write() as s:
        pid = s.scalar(select(Project.id).where(Project.county_adcode == "632801").limit(1))
        s.add(ProgressReport(project_id=pid, report_date=date(2021, 6, 4), stage=5, invested_wan=1.0,
                             is_correction=True))
        s.flush()
        out = rollups.refresh(s, QINGHAI, ["632801"], date(2021, 6, 4))
        assert "method" not in out and out["weeks"] > 1
    assert _equals_rebuild(store)
    # a register change refreshed with the newest week as its date: migration 0007's trigger records the
    # community's registration, so refresh goes back to it instead of differencing a stale week
    with store.write() as s:
        p = s.scalars(select(Project).where(Project.county_adcode == "630102").order_by(Project.id)).first()
        p.households += 1000
        s.flush()
        out = rollups.refresh(s, QINGHAI, ["630102"], new)
        assert "method" not in out and out["from"] <= p.registered_on
    assert _equals_rebuild(store)
    assert_same(store, QINGHAI, [date(2021, 6, 4), new], [None, "630100"])


def test_community_sums_equal_the_raw_query_over_the_same_communities(fresh_demo_store):
    """The per-community form the refresh by difference uses (asof.community_sums over the rows of
    asof.community_rows_query) gives county_figures_query's sums over the same communities, at a week,
    between weeks, before any report, and with register rows whose optional figures are empty."""
    import pandas as pd

    from lib.figures.asof import (COMMUNITY_FIELDS, REPORT_FIELDS, SUM_COLUMNS, community_rows_query,
                                  community_sums, county_figures_query)

    store = fresh_demo_store
    weeks = metrics.report_dates(store, QINGHAI)
    with store.write() as s:  # empty optional figures, a multi-community row, one reporting before its registration
        some = s.scalars(select(Project).where(Project.programme_id == QINGHAI).order_by(Project.id)).all()
        some[0].buildings, some[0].floor_area_wan_m2 = None, None
        some[1].communities = 3
        some[2].planned_investment_wan, some[2].lifts_planned = None, None
        early = s.scalar(select(func.count()).where(ProgressReport.project_id == some[3].id,
                                                    ProgressReport.report_date <= weeks[-1] - timedelta(days=3)))
        assert early  # its reports before the new registration date must not count then
        some[3].registered_on = weeks[-1] - timedelta(days=3)
        ids = [p.id for p in some[::7]] + [p.id for p in some[:4]]
        dialect = s.get_bind().dialect.name
    for day in (weeks[0] - timedelta(days=30), weeks[0], weeks[len(weeks) // 2] + timedelta(days=2), weeks[-2],
                weeks[-1]):
        with store.session() as s:
            raw = rollups._frame(s.execute(county_figures_query(QINGHAI, day).where(Project.id.in_(ids)))
                                 .mappings().all()).astype("float64")
            rows = s.execute(community_rows_query(QINGHAI, day, dialect).where(Project.id.in_(ids))).all()
        frame = pd.DataFrame([tuple(r) for r in rows], columns=[*COMMUNITY_FIELDS, *REPORT_FIELDS]).set_index("id")
        got = community_sums(frame[list(COMMUNITY_FIELDS[1:])],
                             frame[list(REPORT_FIELDS)].dropna(subset=["report_date"]), day)
        got = got[(got["reg_communities"] > 0)]  # the raw query has no row for a county with nobody registered
        assert len(raw) > 0 or day < weeks[0]
        assert sorted(got.index) == sorted(raw.index), day
        if raw.empty:
            continue
        pd.testing.assert_frame_equal(got.loc[raw.index, list(SUM_COLUMNS)], raw[list(SUM_COLUMNS)],
                                      check_names=False, rtol=1e-9)
