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
    recomputed; when that week is the newest (a weekly upload, its correction or
    its rollback), the week is updated by difference instead: the week before it
    plus, for the communities that reported (or were registered) since, their
    figures now minus their figures then. Its cost is that of those communities,
    not of the touched counties' whole history.
    A register change needs no care about the date: migration 0007's triggers
    record the earliest registration it affects (`rollup_since`), and refresh
    starts from there if that is earlier than `from_date`.
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
from sqlalchemy import Integer, any_, bindparam, delete, func, insert, literal, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from lib.domain import clock
from lib.domain import vocabulary
from lib.figures.asof import (COMMUNITY_FIELDS, communities_of, community_rows_query, community_sums, FLOAT_SUMS,
                              INT_SUMS, REPORT_FIELDS, SUM_COLUMNS, county_figures_query, region_filter,
                              report_dates_query)
from lib.store import bulk
from lib.store.models import CountyRollup, ProgressReport, Project, Region, RollupState
from lib.store.models_search import RollupSince

_IN_CHUNK = 500  # counties per IN (...) list


def _now() -> datetime:
    return clock.utcnow()


def _mark_clean(s: Session, programme_id: int, state: RollupState | None) -> None:
    """The rollup now equals the raw history: record that (and when) inside the writer's transaction."""
    if state is None:
        s.add(RollupState(programme_id=programme_id, dirty=False, refreshed_at=_now()))
    else:
        state.dirty = False
        state.refreshed_at = _now()
    s.flush()


# --- reading ------------------------------------------------------------------------------

def usable(s: Session, programme_id: int) -> bool:
    """True when the programme has a rollup that no write has invalidated."""
    dirty = s.scalar(select(RollupState.dirty).where(RollupState.programme_id == programme_id))
    return dirty is not None and not dirty


def weeks(s: Session, programme_id: int) -> list[date]:
    """The reporting weeks the rollup holds (== metrics.report_dates when clean).

    One primary-key probe per week (a loose index scan: the next date after the last one found),
    not a DISTINCT over every (week, county) row: 52 probes instead of reading 150,000 rows at
    national scale, on every screen's rerun.
    """
    rows = s.execute(_WEEKS_SQL, {"p": programme_id}).scalars().all()
    return [date.fromisoformat(d) if isinstance(d, str) else d for d in rows]


_WEEKS_SQL = text("""
    WITH RECURSIVE w(d) AS (
      SELECT min(report_date) FROM county_rollup WHERE programme_id = :p
      UNION ALL
      SELECT (SELECT min(report_date) FROM county_rollup WHERE programme_id = :p AND report_date > w.d)
      FROM w WHERE w.d IS NOT NULL)
    SELECT d FROM w WHERE d IS NOT NULL""")


def latest_week(s: Session, programme_id: int) -> date | None:
    return s.scalar(select(func.max(CountyRollup.report_date)).where(CountyRollup.programme_id == programme_id))


def _frame(rows) -> pd.DataFrame:
    cols = ["adcode", *SUM_COLUMNS]
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
    cols = [r.county_adcode.label("adcode"), *[getattr(r, c) for c in SUM_COLUMNS]]
    q = (select(*cols).where(r.programme_id == programme_id, r.report_date == week, r.reg_communities > 0)
         .order_by(r.county_adcode))
    if region:
        q = q.where(region_filter(r.county_adcode, region))
    df = _frame(s.execute(q).all())
    if week == as_of:
        return df
    # Between reporting weeks: nobody reported on as_of; add communities registered since `week`.
    df["reported"] = 0
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
    q = (select(r.report_date, *[func.sum(getattr(r, c)).label(c) for c in SUM_COLUMNS])
         .where(r.programme_id == programme_id).group_by(r.report_date).order_by(r.report_date))
    if region:
        q = q.where(region_filter(r.county_adcode, region))
    if counties is not None:
        q = q.where(r.county_adcode.in_(list(counties)))
    return pd.DataFrame(s.execute(q).all(), columns=["report_date", *SUM_COLUMNS])


def county_series(s: Session, programme_id: int, region: str | None = None) -> pd.DataFrame | None:
    """Every reporting week × county inside `region`: columns report_date, adcode + metrics.SUM_COLUMNS.

    For trends grouped by prefecture/county (group the adcodes yourself). None when the rollup cannot answer.
    """
    if not usable(s, programme_id):
        return None
    r = CountyRollup
    q = (select(r.report_date, r.county_adcode.label("adcode"), *[getattr(r, c) for c in SUM_COLUMNS])
         .where(r.programme_id == programme_id, r.reg_communities > 0)
         .order_by(r.report_date, r.county_adcode))
    if region:
        q = q.where(region_filter(r.county_adcode, region))
    return pd.DataFrame(s.execute(q).all(), columns=["report_date", "adcode", *SUM_COLUMNS])


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


def _take_since(s: Session, programme_id: int) -> date | None:
    """The earliest date a register change affected since the last refresh (migration 0007's triggers); cleared."""
    since = s.scalar(select(RollupSince.since).where(RollupSince.programme_id == programme_id))
    if since is not None:
        s.execute(delete(RollupSince).where(RollupSince.programme_id == programme_id))
    return since


def _ids_in_chunks(ids: list[int], size: int = 5_000):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _moved_sums(s: Session, programme_id: int, prev: date, week: date, ids: list[int],
                since: list) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The changed communities' sums per county at `week` and at `prev` (county_figures_query's rule).

    Each community is read once, with its report as of `prev` (one index probe); its report as of
    `week` is its latest among the reports since `prev` (`since`, just read), else that same report.
    Reading them through county_figures_query twice cost twice the probes and the register reads."""
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":  # one array parameter, not thousands of literals
        some = [Project.id == any_(bindparam(f"ids_{i}", chunk, type_=ARRAY(Integer)))
                for i, chunk in enumerate(_ids_in_chunks(ids, 50_000))]
    else:
        some = [Project.id.in_(chunk) for chunk in _ids_in_chunks(ids)]
    cols = list(COMMUNITY_FIELDS) + list(REPORT_FIELDS)
    conn = s.connection()  # Core rows as plain tuples: the ORM's row loading cost more than the query
    read = [tuple(row) for cond in some
            for row in conn.execute(community_rows_query(programme_id, prev, dialect).where(cond)).all()]
    frame = pd.DataFrame.from_records(read, columns=cols).set_index("id")
    then = frame[list(REPORT_FIELDS)].dropna(subset=["report_date"])
    # each community's newest (date, id) report since `prev`, up to `week`
    later = {}
    for row in sorted((r for r in since if r.report_date <= week), key=lambda r: (r.report_date, r.id)):
        later[row.project_id] = tuple(getattr(row, f) for f in REPORT_FIELDS)
    now = then.drop(index=[i for i in later if i in then.index])
    if later:
        now = pd.concat([now, pd.DataFrame.from_dict(later, orient="index", columns=list(REPORT_FIELDS))])
    communities = frame[list(COMMUNITY_FIELDS[1:])]
    return community_sums(communities, now, week), community_sums(communities, then, prev)


def _newest_by_difference(s: Session, programme_id: int, from_date: date) -> dict | None:
    """Refresh when the write touched only the newest week (a new week's upload, its correction or
    its rollback): that week = the week before it, plus, for the communities that reported since
    (or were registered since), their figures now minus their figures then.

    A week W's figures differ from the previous week P's only through the communities with an
    active report dated in (P, W] or registered in (P, W]; every other community holds the same
    latest report at both dates and reported nothing at W. So the cost is that of those
    communities, not of the touched counties' whole history. None when this does not apply (an
    older week changed, or no week before): the caller recomputes the touched counties.

    At 300,000 communities a 10,000-report week costs one read of the reports since the week before
    (which weeks they make, who moved, who reported: once, not three times), one probe per changed
    community for its report as of the week before (its report as of the new week is among those just
    read), and a bulk write of the week's ~3,000 county rows.
    """
    r, rep = CountyRollup, ProgressReport
    have = weeks(s, programme_id)
    prev = max((d for d in have if d < from_date), default=None)
    if prev is None or len([d for d in have if d >= from_date]) > 1:
        return None
    # The reports since the week before, read once: which weeks they make, who moved, who reported.
    # `+ 0`: the programme's register is not the way in (SQLite chose it, then probed 300,000
    # communities' reports); the new week's few reports are, through ix_report_date_project.
    since = s.connection().execute(
        select(rep.project_id, rep.report_date, Project.county_adcode, rep.id, rep.stage, rep.invested_wan,
               rep.paid_wan, rep.lifts_added)
        .join(Project, Project.id == rep.project_id)
        .where(rep.report_date > prev, rep.active.is_(True), (Project.programme_id + 0) == programme_id)).all()
    raw = sorted({row.report_date for row in since if row.report_date >= from_date})
    later = sorted(set(raw) | {d for d in have if d >= from_date})
    if len(later) > 1:
        return None
    removed = [d for d in have if d >= from_date and d not in raw]
    if removed:
        s.execute(delete(r).where(r.programme_id == programme_id, r.report_date.in_(removed)))
    base = {"programme_id": programme_id, "counties": "all", "from": from_date, "weeks": len(raw),
            "weeks_added": 0, "weeks_removed": len(removed), "rows_written": 0, "method": "newest week by difference"}
    if not raw:
        return base
    week = raw[0]
    s.execute(delete(r).where(r.programme_id == programme_id, r.report_date == week))
    moved = {row.project_id for row in since if row.report_date <= week}
    moved |= set(s.connection().scalars(select(Project.id).where(Project.programme_id == programme_id,
                                                             Project.registered_on > prev,
                                                             Project.registered_on <= week)).all())
    counts: dict[str, int] = {}
    for row in since:
        if row.report_date == week:
            counts[row.county_adcode] = counts.get(row.county_adcode, 0) + 1
    ids = sorted(moved)
    total = s.scalar(select(func.count()).select_from(Project).where(Project.programme_id == programme_id)) or 0
    if 2 * len(ids) > total:  # most communities reported: the week itself is cheaper than two differences
        figs = {f["adcode"]: f for f in _compute(s, programme_id, week, None)}
        rows = [_row(programme_id, week, c, counts.get(c, 0), figs.get(c)) for c in sorted(set(figs) | set(counts))]
        base["method"] = "newest week recomputed"
    else:
        cols = list(SUM_COLUMNS)
        then = _frame(s.connection().execute(
            select(r.county_adcode.label("adcode"), *[getattr(r, c) for c in cols])
            .where(r.programme_id == programme_id, r.report_date == prev)).all())
        then = then.astype("float64") if not then.empty else pd.DataFrame(columns=cols, dtype="float64")
        now_s, prev_s = _moved_sums(s, programme_id, prev, week, ids, since)
        out = then.add(now_s, fill_value=0).sub(prev_s, fill_value=0)
        out["reported"] = now_s["reported"].reindex(out.index).fillna(0) if not now_s.empty else 0.0
        rows = []
        by_county = out[cols].to_dict("index")
        for c in sorted(set(out.index) | set(counts)):
            v = by_county.get(c)
            figs = None if v is None else {k: (round(float(v[k])) if k in INT_SUMS else round(float(v[k]), 6))
                                           for k in cols}
            if (figs is None or figs["reg_communities"] <= 0) and not counts.get(c):
                continue
            rows.append(_row(programme_id, week, c, counts.get(c, 0), figs))
        base["communities_changed"] = len(ids)
    bulk.insert_rows(s, r.__table__, rows)
    base["rows_written"] = len(rows)
    base["weeks_added"] = int(week not in have)
    return base


def refresh(s: Session, programme_id: int, county_adcodes: Iterable[str] | None = None,
            from_date: date | None = None) -> dict:
    """Recompute the rollup of some counties from a week on, inside the writer's transaction.

    See the module docstring for when to call it. Returns what it did (counts).
    """
    state = _lock_state(s, programme_id)
    if state is None or (county_adcodes is None and from_date is None):
        return rebuild(s, programme_id)  # first refresh of this programme, or everything: build it all
    s.flush()
    since = _take_since(s, programme_id)
    if since is not None and from_date is not None and since < from_date:
        from_date = since  # a register change counts from the community's registration on
    if from_date is not None:
        done = _newest_by_difference(s, programme_id, from_date)
        if done is not None:
            _mark_clean(s, programme_id, state)
            return done
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

    _mark_clean(s, programme_id, state)
    return {"programme_id": programme_id, "counties": "all" if touched is None else len(touched),
            "from": from_date, "weeks": len(valid), "weeks_added": len(new), "weeks_removed": len(gone),
            "rows_written": written}


def rebuild(s: Session, programme_id: int) -> dict:
    """Recompute the whole rollup of a programme from the raw history.

    One pass over the history in blocks of communities (numpy interval sums),
    not one as-of query per week: at 300,000 communities × 52 weeks the
    per-week queries take minutes on PostgreSQL, this pass well under that.
    `check()` compares the result with the raw as-of query.
    """
    import numpy as np

    t_lock = _lock_state(s, programme_id)
    s.flush()
    conn = s.connection()
    r = CountyRollup
    s.execute(delete(r).where(r.programme_id == programme_id))
    s.execute(delete(RollupSince).where(RollupSince.programme_id == programme_id))
    proj = conn.execute(select(Project.id, Project.county_adcode, Project.registered_on, Project.households,
                               func.coalesce(Project.buildings, 0), func.coalesce(Project.floor_area_wan_m2, 0.0),
                               func.coalesce(Project.planned_investment_wan, 0.0),
                               func.coalesce(Project.lifts_planned, 0), communities_of(Project))
                        .where(Project.programme_id == programme_id).order_by(Project.id)).all()
    weeks_ = list(conn.execute(report_dates_query(programme_id)).scalars().all())
    nw = len(weeks_)
    counties = sorted({p[1] for p in proj})
    cidx = {c: i for i, c in enumerate(counties)}
    nc = len(counties)
    acc = {c: np.zeros((nc, nw + 1)) for c in (*INT_SUMS, *FLOAT_SUMS, "n_reports")}
    if proj and nw:
        pid = np.array([p[0] for p in proj], dtype=np.int64)
        pc = np.array([cidx[p[1]] for p in proj], dtype=np.int64)
        wk = np.array([np.datetime64(w, "D") for w in weeks_])
        preg = np.searchsorted(wk, np.array([np.datetime64(p[2], "D") for p in proj]), side="left")
        hh = np.array([p[3] for p in proj], dtype=np.float64)
        bld = np.array([p[4] for p in proj], dtype=np.float64)
        area = np.array([p[5] for p in proj], dtype=np.float64)
        inv = np.array([p[6] for p in proj], dtype=np.float64)
        lifts = np.array([p[7] for p in proj], dtype=np.float64)
        ncom = np.array([p[8] for p in proj], dtype=np.float64)
        # register side: counted from the first week on or after registration
        for name, v in (("reg_communities", ncom), ("reg_households", hh), ("reg_buildings", bld),
                        ("reg_floor_area_wan_m2", area), ("reg_investment_wan", inv), ("reg_lifts", lifts)):
            np.add.at(acc[name], (pc, preg), v)
        step = 20_000
        for lo in range(0, len(pid), step):
            block = pid[lo:lo + step]
            rows = conn.exec_driver_sql(
                "SELECT project_id, report_date, id, stage, coalesce(invested_wan, 0.0), coalesce(paid_wan, 0.0), "
                "coalesce(lifts_added, 0) FROM progress_report WHERE project_id >= %s AND project_id <= %s "
                "AND active" % (int(block[0]), int(block[-1]))).fetchall()
            if not rows:
                continue
            cols = list(zip(*rows))
            a = np.array(cols[0], dtype=np.int64)
            keep = np.isin(a, block)
            d = np.searchsorted(wk, np.array(cols[1], dtype="datetime64[D]"))
            rid = np.array(cols[2], dtype=np.int64)
            stage = np.array(cols[3], dtype=np.int64)
            vals = np.array(cols[4:7], dtype=np.float64).T
            a, d, rid, stage, vals = a[keep], d[keep], rid[keep], stage[keep], vals[keep]
            k = np.searchsorted(pid, a)  # row of the register
            np.add.at(acc["n_reports"], (pc[k], d), 1)
            # the winner of each (community, week): the highest id
            order = np.lexsort((rid, d, k))
            k, d, stage, vals = k[order], d[order], stage[order], vals[order]
            last = np.ones(len(k), dtype=bool)
            last[:-1] = (k[1:] != k[:-1]) | (d[1:] != d[:-1])
            k, d, stage, vals = k[last], d[last], stage[last], vals[last]
            # each report holds from its week until the community's next report
            nxt = np.full(len(k), nw)
            same = k[1:] == k[:-1]
            nxt[:-1][same] = d[1:][same]
            start = np.maximum(d, preg[k])
            ok = start < nxt
            k, d, stage, vals, start, nxt = k[ok], d[ok], stage[ok], vals[ok], start[ok], nxt[ok]
            c = pc[k]
            began = stage >= vocabulary.STARTED
            done = stage >= vocabulary.FINISHED
            for name, v in (("started_communities", began * ncom[k]), ("started_households", began * hh[k]),
                            ("started_buildings", began * bld[k]), ("started_floor_area_wan_m2", began * area[k]),
                            ("completed_communities", done * ncom[k]), ("completed_households", done * hh[k]),
                            ("completed_buildings", done * bld[k]), ("completed_floor_area_wan_m2", done * area[k]),
                            ("invested_wan", vals[:, 0]), ("paid_wan", vals[:, 1]), ("lifts_added", vals[:, 2])):
                np.add.at(acc[name], (c, start), v)
                np.add.at(acc[name], (c, nxt), -v)
            exact = start == d  # reported that very week (and registered by then)
            np.add.at(acc["reported"], (c[exact], d[exact]), 1)
    cum = {n: np.cumsum(v, axis=1)[:, :nw] for n, v in acc.items() if n not in ("reported", "n_reports")}
    cum["reported"] = acc["reported"][:, :nw]
    cum["n_reports"] = acc["n_reports"][:, :nw]
    present = (cum["reg_communities"] > 0.5) | (cum["n_reports"] > 0.5)  # (county, week)
    ci, wi = np.nonzero(present)
    out = pd.DataFrame({"programme_id": programme_id,
                        "report_date": np.array(weeks_, dtype="datetime64[D]")[wi] if nw else [],
                        "county_adcode": np.array(counties, dtype=object)[ci] if nc else []})
    for n in (*INT_SUMS, "n_reports"):
        out[n] = np.rint(cum[n][ci, wi]).astype(np.int64)
    for n in FLOAT_SUMS:
        out[n] = np.round(cum[n][ci, wi], 6)
    bulk.insert_frame(s, CountyRollup.__table__, out)  # COPY on PostgreSQL
    written = len(out)
    _mark_clean(s, programme_id, t_lock)
    return {"programme_id": programme_id, "counties": "all", "from": None, "weeks": nw, "weeks_added": nw,
            "weeks_removed": 0, "rows_written": written}


def drop(s: Session, programme_id: int) -> None:
    """Forget a programme's rollup: every read goes to the raw history until the next refresh."""
    s.execute(delete(CountyRollup).where(CountyRollup.programme_id == programme_id))
    s.execute(delete(RollupState).where(RollupState.programme_id == programme_id))


def check(s: Session, programme_id: int, *, tolerance: float = 1e-6) -> dict:
    """Compare the rollup with the raw-history query at every reporting week.

    Returns {"ok": bool, "weeks": n, "problems": [...]}: a missing or extra week,
    a county present on one side only, or a figure that differs.
    """
    problems: list[dict] = []
    state = s.get(RollupState, programme_id)
    if state is None:
        return {"ok": False, "weeks": 0, "problems": [{"kind": "missing", "detail": "no rollup for this programme"}]}
    if state.dirty:
        problems.append({"kind": "dirty", "detail": "the history changed after the last refresh"})
    raw_weeks = list(s.scalars(report_dates_query(programme_id)).all())
    have = weeks(s, programme_id)
    for d in sorted(set(raw_weeks) ^ set(have)):
        problems.append({"kind": "week", "date": d.isoformat(),
                         "detail": "in the history, not in the rollup" if d in raw_weeks else "in the rollup only"})
    r = CountyRollup
    cols = list(SUM_COLUMNS)
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


__all__ = ["refresh", "rebuild", "check", "drop", "usable", "county_figures", "series", "county_series", "weeks",
           "latest_week"]
