"""County rollups: the as-of figures of every reporting week, computed once at write time.

Why: the dashboard asks "each county as of week W" all the time (overview,
ranking, weekly trend). Answering from the raw history costs one index probe
per community per request (≈0.5 s at 300,000 communities on SQLite, and a
trend needs one per week). `county_rollup` keeps, for every (programme,
reporting week, county), exactly what `lib.metrics.county_figures` returns for
that date, so a request reads ~3,000 rows instead of probing 300,000.

The raw history (`progress_report`, `project`) stays the source of truth; the
rollup is derived data that `rebuild()` can always recreate and `check()`
compares with the raw query.

Semantics (identical to metrics.county_figures): at week W a county holds its
communities registered on or before W, each at its latest active report dated
on or before W (highest id wins within a date). Reporting weeks are the dates
that have at least one active report in the programme (== metrics.report_dates).
An as-of date between reporting weeks is answered from the previous week D
plus the communities registered in (D, as_of] (the raw query on those few),
with `reported` = 0 because nobody reported that day.

WRITER CONTRACT (uploads, rollbacks, register edits, loaders):
    Any transaction that inserts progress reports, changes `active`, or changes
    a register row's county / registered_on / households / buildings / area /
    investment / lifts must, before it commits, inside the same session, call

        rollups.refresh(session, programme_id, county_adcodes, from_date)

    with every county whose communities it touched (for a moved community: the
    old and the new county) and the earliest report_date (or registered_on) it
    touched, e.g. the upload's week on import, the rolled-back upload's
    earliest report_date on rollback. Only those counties from that week on are
    recomputed (a weekly upload of 10,000 communities: well under a second).
    `county_adcodes=None` means all counties, `from_date=None` the beginning.
    A programme that has no rollup yet is built in full by its first refresh.

Safety net: triggers (migration 0002) mark a programme's rollup dirty whenever
those rows change; refresh() clears the mark. A dirty rollup is never read:
metrics falls back to the raw history, slower but right. So a writer that
forgets to refresh makes the dashboard slow, not wrong, until the next
refresh or `python -m lib.cli rollups --programme ID --rebuild`. (A later
refresh of *other* counties clears the mark too; `rollups --check` finds that.)

Concurrency: refresh() locks the programme's rollup_state row (PostgreSQL:
SELECT ... FOR UPDATE; SQLite writes are serialised by BEGIN IMMEDIATE), so two
uploads of the same programme commit one after the other.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Iterable

import pandas as pd
from sqlalchemy import delete, func, insert, literal, select
from sqlalchemy.orm import Session

from .models import CountyRollup, ProgressReport, Project, Region, RollupState

INT_SUMS = ("reg_communities", "reg_households", "reg_buildings", "reg_lifts",
            "started_communities", "started_households", "started_buildings",
            "completed_communities", "completed_households", "completed_buildings",
            "lifts_added", "reported")
FLOAT_SUMS = ("reg_floor_area_wan_m2", "reg_investment_wan", "started_floor_area_wan_m2",
              "completed_floor_area_wan_m2", "invested_wan", "paid_wan")
_IN_CHUNK = 500  # counties per IN (...) list


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _sum_columns() -> tuple[str, ...]:
    from .metrics import SUM_COLUMNS

    return SUM_COLUMNS


# --- reading ------------------------------------------------------------------------------

def usable(s: Session, programme_id: int) -> bool:
    """True when the programme has a rollup that no write has invalidated."""
    dirty = s.scalar(select(RollupState.dirty).where(RollupState.programme_id == programme_id))
    return dirty is not None and not dirty


def weeks(s: Session, programme_id: int) -> list[date]:
    """The reporting weeks the rollup holds (== metrics.report_dates when clean)."""
    return list(s.scalars(select(CountyRollup.report_date).distinct()
                          .where(CountyRollup.programme_id == programme_id)
                          .order_by(CountyRollup.report_date)).all())


def region_filter(column, region: str | None):
    """`column` (a county adcode) lies inside `region` (province, prefecture or county)."""
    from sqlalchemy import or_, true

    from .regions import COUNTRY

    if not region or region == COUNTRY:
        return true()
    return column.in_(select(Region.adcode).where(or_(Region.adcode == region, Region.province_adcode == region,
                                                      Region.prefecture_adcode == region)))


def _frame(rows) -> pd.DataFrame:
    cols = ["adcode", *_sum_columns()]
    df = pd.DataFrame(rows, columns=cols).set_index("adcode")
    if df.empty:
        return df
    df = df.fillna(0)
    for c in INT_SUMS:
        df[c] = df[c].astype("int64")
    for c in FLOAT_SUMS:
        df[c] = df[c].astype("float64")
    return df


def county_figures(s: Session, programme_id: int, as_of: date, region: str | None = None) -> pd.DataFrame | None:
    """metrics.county_figures from the rollup, or None when the rollup cannot answer."""
    if not usable(s, programme_id):
        return None
    r = CountyRollup
    week = s.scalar(select(func.max(r.report_date))
                    .where(r.programme_id == programme_id, r.report_date <= as_of))
    if week is None:
        return None  # before the first report: the raw query finds no reports and is cheap enough
    cols = [r.county_adcode.label("adcode"), *[getattr(r, c) for c in _sum_columns()]]
    q = (select(*cols).where(r.programme_id == programme_id, r.report_date == week, r.reg_communities > 0)
         .order_by(r.county_adcode))
    if region:
        q = q.where(region_filter(r.county_adcode, region))
    df = _frame(s.execute(q).all())
    if week == as_of:
        return df
    # Between reporting weeks: nobody reported on as_of; add communities registered since `week`.
    df["reported"] = 0
    from .metrics import county_figures_query

    q = county_figures_query(programme_id, as_of, region).where(Project.registered_on > week)
    late = _frame(s.execute(q).mappings().all())
    if not late.empty:
        df = df.add(late, fill_value=0).sort_index()
        for c in INT_SUMS:
            df[c] = df[c].astype("int64")
    return df


def series(s: Session, programme_id: int, region: str | None = None,
           counties: Iterable[str] | None = None) -> pd.DataFrame | None:
    """Every reporting week's sums over a region (or a list of counties): one row per week.

    Columns: report_date + metrics.SUM_COLUMNS. None when the rollup cannot answer.
    """
    if not usable(s, programme_id):
        return None
    r = CountyRollup
    q = (select(r.report_date, *[func.sum(getattr(r, c)).label(c) for c in _sum_columns()])
         .where(r.programme_id == programme_id).group_by(r.report_date).order_by(r.report_date))
    if region:
        q = q.where(region_filter(r.county_adcode, region))
    if counties is not None:
        q = q.where(r.county_adcode.in_(list(counties)))
    return pd.DataFrame(s.execute(q).all(), columns=["report_date", *_sum_columns()])


# --- writing ------------------------------------------------------------------------------

def _lock_state(s: Session, programme_id: int) -> RollupState | None:
    q = select(RollupState).where(RollupState.programme_id == programme_id)
    if s.get_bind().dialect.name == "postgresql":
        q = q.with_for_update()
    return s.scalars(q).first()


def _chunks(items: list[str]):
    for i in range(0, len(items), _IN_CHUNK):
        yield items[i:i + _IN_CHUNK]


def _report_counts(s: Session, programme_id: int, counties: list[str] | None, start: date | None) -> dict:
    """{(county, date): active report rows dated exactly then} for the given counties."""
    r = ProgressReport
    out: dict[tuple[str, date], int] = {}
    for part in ([None] if counties is None else list(_chunks(counties))):
        q = (select(Project.county_adcode, r.report_date, func.count())
             .join(Project, Project.id == r.project_id)
             .where(Project.programme_id == programme_id, r.active.is_(True))
             .group_by(Project.county_adcode, r.report_date))
        if part is not None:
            q = q.where(Project.county_adcode.in_(part))
        if start is not None:
            q = q.where(r.report_date >= start)
        for c, d, n in s.execute(q).all():
            out[(c, d)] = n
    return out


def _compute(s: Session, programme_id: int, week: date, counties: list[str] | None,
             extra_where=None) -> list[dict]:
    """The raw as-of query at `week` for some counties (None: all), as rows."""
    from .metrics import county_figures_query

    rows = []
    for part in ([None] if counties is None else list(_chunks(counties))):
        q = county_figures_query(programme_id, week)
        if part is not None:
            q = q.where(Project.county_adcode.in_(part))
        if extra_where is not None:
            q = q.where(extra_where)
        rows += [dict(m) for m in s.execute(q).mappings().all()]
    return rows


def _row(programme_id: int, week: date, adcode: str, n_reports: int, figs: dict | None) -> dict:
    row = {"programme_id": programme_id, "report_date": week, "county_adcode": adcode, "n_reports": n_reports}
    for c in INT_SUMS:
        row[c] = int(figs.get(c) or 0) if figs else 0
    for c in FLOAT_SUMS:
        row[c] = float(figs.get(c) or 0.0) if figs else 0.0
    return row


def refresh(s: Session, programme_id: int, county_adcodes: Iterable[str] | None = None,
            from_date: date | None = None) -> dict:
    """Recompute the rollup of some counties from a week on, inside the writer's transaction.

    See the module docstring for when to call it. Returns what it did (counts).
    """
    state = _lock_state(s, programme_id)
    if state is None:  # first refresh of this programme: build it all
        county_adcodes, from_date = None, None
    s.flush()
    r = CountyRollup
    all_counties = county_adcodes is None
    if all_counties:
        touched: list[str] | None = None
        s.execute(delete(r).where(r.programme_id == programme_id,
                                  *([r.report_date >= from_date] if from_date else [])))
    else:
        touched = sorted(set(county_adcodes))
        for part in _chunks(touched):
            s.execute(delete(r).where(r.programme_id == programme_id, r.county_adcode.in_(part),
                                      *([r.report_date >= from_date] if from_date else [])))

    # Weeks from `from_date` on: those other counties still report in, plus the touched counties' own.
    counts = _report_counts(s, programme_id, touched, from_date)
    q = select(r.report_date, func.sum(r.n_reports)).where(r.programme_id == programme_id).group_by(r.report_date)
    if from_date:
        q = q.where(r.report_date >= from_date)
    before = dict(s.execute(q).all())  # untouched counties only: the touched ones were just deleted
    valid = sorted({d for d, n in before.items() if n} | {d for _, d in counts})
    gone = [d for d in before if d not in set(valid)]
    new = [d for d in valid if d not in before]
    if gone:
        s.execute(delete(r).where(r.programme_id == programme_id, r.report_date.in_(gone)))

    written = 0
    # Untouched counties at a week that did not exist before: carry their previous week forward,
    # except counties where communities were registered since (computed from the raw history).
    if not all_counties and new:
        existing = sorted(set(s.scalars(select(r.report_date).distinct()
                                        .where(r.programme_id == programme_id)).all()) - set(new))
        for week in new:
            prev = max((d for d in existing if d < week), default=None)
            if prev is None:
                late_counties = None
                fresh = _compute(s, programme_id, week, None, Project.county_adcode.notin_(touched))
            else:
                late_counties = sorted(set(s.scalars(
                    select(Project.county_adcode).distinct()
                    .where(Project.programme_id == programme_id, Project.registered_on > prev,
                           Project.registered_on <= week)).all()) - set(touched))
                fresh = _compute(s, programme_id, week, late_counties) if late_counties else []
                skip = set(touched) | set(late_counties)
                carried = s.execute(select(*r.__table__.columns)
                                    .where(r.programme_id == programme_id, r.report_date == prev)).mappings()
                rows = [{**old, "report_date": week, "n_reports": 0, "reported": 0}
                        for old in carried if old["county_adcode"] not in skip]
                if rows:
                    s.execute(insert(r), rows)
                    written += len(rows)
            rows = [_row(programme_id, week, f["adcode"], 0, f) for f in fresh]
            if rows:
                s.execute(insert(r), rows)
                written += len(rows)
            existing = sorted(set(existing) | {week})

    # The touched counties (or all) at every valid week from `from_date` on.
    for week in valid:
        figs = {f["adcode"]: f for f in _compute(s, programme_id, week, touched)}
        here = set(figs) | {c for (c, d) in counts if d == week}
        rows = [_row(programme_id, week, c, counts.get((c, week), 0), figs.get(c)) for c in sorted(here)]
        if rows:
            s.execute(insert(r), rows)
            written += len(rows)

    if state is None:
        s.add(RollupState(programme_id=programme_id, dirty=False, refreshed_at=_now()))
    else:
        state.dirty = False
        state.refreshed_at = _now()
    s.flush()
    return {"programme_id": programme_id, "counties": "all" if touched is None else len(touched),
            "from": from_date, "weeks": len(valid), "weeks_added": len(new), "weeks_removed": len(gone),
            "rows_written": written}


def rebuild(s: Session, programme_id: int) -> dict:
    """Recompute the whole rollup of a programme from the raw history."""
    return refresh(s, programme_id, None, None)


def drop(s: Session, programme_id: int) -> None:
    """Forget a programme's rollup: every read goes to the raw history until the next refresh."""
    s.execute(delete(CountyRollup).where(CountyRollup.programme_id == programme_id))
    s.execute(delete(RollupState).where(RollupState.programme_id == programme_id))


def check(s: Session, programme_id: int, *, tolerance: float = 1e-6) -> dict:
    """Compare the rollup with the raw-history query at every reporting week.

    Returns {"ok": bool, "weeks": n, "problems": [...]}: a missing or extra week,
    a county present on one side only, or a figure that differs.
    """
    from .metrics import county_figures_query

    problems: list[dict] = []
    state = s.get(RollupState, programme_id)
    if state is None:
        return {"ok": False, "weeks": 0, "problems": [{"kind": "missing", "detail": "no rollup for this programme"}]}
    if state.dirty:
        problems.append({"kind": "dirty", "detail": "the history changed after the last refresh"})
    raw_weeks = list(s.scalars(select(ProgressReport.report_date).distinct()
                               .join(Project, Project.id == ProgressReport.project_id)
                               .where(Project.programme_id == programme_id, ProgressReport.active.is_(True))
                               .order_by(ProgressReport.report_date)).all())
    have = weeks(s, programme_id)
    for d in sorted(set(raw_weeks) ^ set(have)):
        problems.append({"kind": "week", "date": d.isoformat(),
                         "detail": "in the history, not in the rollup" if d in raw_weeks else "in the rollup only"})
    r = CountyRollup
    cols = list(_sum_columns())
    for week in raw_weeks:
        raw = _frame(s.execute(county_figures_query(programme_id, week)).mappings().all())
        roll = _frame(s.execute(select(r.county_adcode.label("adcode"), *[getattr(r, c) for c in cols])
                                .where(r.programme_id == programme_id, r.report_date == week,
                                       r.reg_communities > 0)).all())
        for c in sorted(set(raw.index) ^ set(roll.index)):
            problems.append({"kind": "county", "date": week.isoformat(), "adcode": c,
                             "detail": "raw only" if c in raw.index else "rollup only"})
        both = sorted(set(raw.index) & set(roll.index))
        diff = (raw.loc[both, cols] - roll.loc[both, cols]).abs()
        bad = diff > tolerance * (1 + raw.loc[both, cols].abs())
        for adcode, col in zip(*[list(x) for x in bad.to_numpy().nonzero()]):
            a, c = both[adcode], cols[col]
            problems.append({"kind": "value", "date": week.isoformat(), "adcode": a, "column": c,
                             "raw": float(raw.at[a, c]), "rollup": float(roll.at[a, c])})
    return {"ok": not problems, "weeks": len(raw_weeks), "problems": problems[:100],
            "problem_count": len(problems)}


__all__ = ["refresh", "rebuild", "check", "drop", "usable", "county_figures", "series", "weeks", "region_filter"]
