"""Every figure the dashboard, the CLI and the bulletin show comes from here.

The unit of work is `county_figures`: for one programme and an as-of date, the
register and the latest progress of each community summed per county-level
division. Everything above a county (prefecture, province, the whole
programme) is a sum of counties, so the numbers agree at every level.

"As of" a date means: communities registered on or before it, each at its
latest active report with report_date on or before it (a correction made later
for the same week wins, a rolled-back upload does not count).
"""

from __future__ import annotations

import weakref

from dataclasses import dataclass
from datetime import date
from typing import Iterable

import pandas as pd
from sqlalchemy import case, func, select

from lib.domain import clock
from lib.domain import fields
from lib.domain import vocabulary
from lib.domain import regions
from lib.domain.errors import NotFound, UserError
from lib.store.models import AggregateReport, Programme, ProgressReport, Project, Target
from lib.figures import reported as reported_figures
from lib.figures import asof
from lib.figures import rollups
from lib.figures.asof import (REGISTER_FIELDS, SUM_COLUMNS, communities_of, county_figures_query, latest_report_id,
                              region_filter, report_dates_query)
from lib.store.engine import Store
from lib.access import auth, programmes
from lib.access.auth import Actor

# --- programmes -----------------------------------------------------------------------

def get_programme(store: Store, programme_id: int | str) -> Programme:
    try:
        pid = int(programme_id)
    except (TypeError, ValueError):
        pid = None
    with store.session() as s:
        prog = s.get(Programme, pid) if pid is not None else None
        if prog is None:
            prog = s.scalar(select(Programme).where(Programme.code == str(programme_id)))
    if prog is None:
        raise NotFound(f"找不到编号为 {programme_id} 的改造计划，请用 programmes 命令查看已有计划。",
                       f"No programme {programme_id}; list them with `programmes`.")
    return prog


# store -> {programme: (data version, targets)}; kept with the Store object (two in-memory stores share a URL)
_TARGETS_MEMO: "weakref.WeakKeyDictionary[Store, dict[int, tuple[int, dict]]]" = weakref.WeakKeyDictionary()


def explicit_targets(store: Store, programme_id: int) -> dict[tuple[str, str], float]:
    """{(adcode, metric): value} of the targets set for the programme (a fresh dict: callers add to it).

    Read once per data version and process: a national programme has ~10,000 target rows and one
    rankings screen asks for them in eight summaries. The version is read before the rows, so a write
    committed in between can only make the memo miss later, never serve old targets as new."""
    memo = _TARGETS_MEMO.setdefault(store, {})
    version = store.data_version()
    hit = memo.get(int(programme_id))
    if hit is not None and hit[0] == version:
        return dict(hit[1])
    with store.session() as s:
        rows = s.execute(select(Target.region_adcode, Target.metric, Target.value)
                         .where(Target.programme_id == programme_id)).all()
    targets = {(a, m): v for a, m, v in rows}
    memo[int(programme_id)] = (version, targets)
    return dict(targets)


def list_programmes(store: Store) -> list[dict]:
    """Programmes with their settings, scope region, years and own (top-level) targets; archived last."""
    with store.session() as s:
        progs = s.scalars(select(Programme).order_by(Programme.id)).all()
        trows = s.execute(select(Target.programme_id, Target.region_adcode, Target.metric, Target.value)).all()
        out = []
        for p in progs:
            targets = {m.key: _num(v) for pid, a, m_key, v in trows for m in [vocabulary.METRIC_BY_KEY.get(m_key)]
                       if pid == p.id and a == p.region_adcode and m is not None}
            out.append({**programmes.describe(p), "targets": targets})
    return sorted(out, key=lambda d: (d["status"] == "archived", d["id"]))


def main_metric(store: Store, programme_id: int) -> str:
    """The metric a programme's screens open on: households, unless it has no household figure at all.

    Hunan's table of 市州 reports communities only (计划完成数, 累计开工数): opened on households it
    would show a dash and 0户. Any household target, reported household figure or register
    households keeps households.
    """
    with store.session() as s:
        if s.scalar(select(func.count()).select_from(Target).where(
                Target.programme_id == programme_id, Target.metric == "households")):
            return "households"
        if s.scalar(select(func.count()).select_from(AggregateReport).where(
                AggregateReport.programme_id == programme_id, AggregateReport.active.is_(True),
                AggregateReport.metric.like("%households"))):
            return "households"
        if s.scalar(select(func.coalesce(func.sum(Project.households), 0)).where(Project.programme_id == programme_id)):
            return "households"
        has_communities = s.scalar(select(func.count()).select_from(Target).where(
            Target.programme_id == programme_id, Target.metric == "communities")) or s.scalar(
            select(func.count()).select_from(AggregateReport).where(
                AggregateReport.programme_id == programme_id, AggregateReport.active.is_(True),
                AggregateReport.metric.like("%communities")))
    return "communities" if has_communities else "households"


def report_dates(store: Store, programme_id: int) -> list[date]:
    """Every date for which the programme has active reports (per community or per region), oldest first."""
    with store.session() as s:
        if rollups.usable(s, programme_id):  # the same dates, without scanning the history
            rows = list(rollups.weeks(s, programme_id))
        else:
            rows = list(s.scalars(report_dates_query(programme_id)).all())
        agg = s.scalars(select(AggregateReport.report_date).distinct()
                        .where(AggregateReport.programme_id == programme_id, AggregateReport.active.is_(True))).all()
    return sorted(set(rows) | set(agg)) if agg else rows


def default_as_of(store: Store, programme: Programme) -> date:
    """The week screens, the CLI and documents open on: the latest week that has closed
    (`asof.default_as_of`: one county uploading early moves nobody's default)."""
    return asof.default_as_of(store, programme)


def parse_date(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise UserError(f"日期“{value}”格式不正确，请写成 YYYY-MM-DD（如 2021-06-30）。",
                        f"Bad date {value!r}: use YYYY-MM-DD.") from None


def expected_share(programme: Programme, as_of: date) -> float:
    """Share of the programme's target the construction calendar expects by `as_of`."""
    years = range(programme.year_start, programme.year_end + 1)
    shares = [vocabulary.expected_share(as_of, y, programme.season_start, programme.season_end) for y in years]
    return sum(shares) / len(shares)


def county_figures(store: Store, programme_id: int, as_of: date, region: str | None = None) -> pd.DataFrame:
    """Per county: register sums and the as-of progress sums (columns SUM_COLUMNS).

    Read from the county rollup (lib.rollups) when it is clean and covers the
    date; otherwise from the raw history. Both give the same figures.
    """
    with store.session() as s:
        df = rollups.county_figures(s, programme_id, as_of, region)
        if df is not None:
            return df
        rows = s.execute(county_figures_query(programme_id, as_of, region)).mappings().all()
    df = pd.DataFrame(rows, columns=["adcode", *SUM_COLUMNS])
    if df.empty:
        return df.set_index("adcode")
    return df.set_index("adcode").fillna(0)


def pilot_figures(store: Store, programme_id: int, as_of: date, region: str | None = None) -> pd.DataFrame:
    """Per county: pilot (试点) communities registered, started and completed as of a date.

    The same as-of rule as `county_figures`, over the register rows flagged 是否试点 (a
    province's provincial pilots, e.g. Sichuan's 40). Index adcode; columns reg_pilots,
    started_pilots, completed_pilots.
    """
    r = ProgressReport
    n = communities_of(Project)
    q = (select(Project.county_adcode.label("adcode"), func.sum(n).label("reg_pilots"),
                func.sum(case((r.stage >= vocabulary.STARTED, n), else_=0)).label("started_pilots"),
                func.sum(case((r.stage >= vocabulary.FINISHED, n), else_=0)).label("completed_pilots"))
         .select_from(Project).outerjoin(r, r.id == latest_report_id(as_of))
         .where(Project.programme_id == programme_id, Project.pilot.is_(True), Project.registered_on <= as_of,
                region_filter(Project.county_adcode, region))
         .group_by(Project.county_adcode))
    with store.session() as s:
        rows = s.execute(q).mappings().all()
    cols = ["reg_pilots", "started_pilots", "completed_pilots"]
    return pd.DataFrame(rows, columns=["adcode", *cols]).set_index("adcode").fillna(0)


# --- summaries ---------------------------------------------------------------------------

@dataclass
class _Targets:
    explicit: dict[tuple[str, str], float]

    def __post_init__(self):
        self._memo: dict[tuple[str, str], float | None] = {}

    def value(self, adcode: str, metric: str) -> float | None:
        """The region's own target, else the sum of its children's (None if nobody has one)."""
        key = (adcode, metric)
        if key in self.explicit:
            return self.explicit[key]
        if key not in self._memo:
            vals = [self.value(c.adcode, metric) for c in regions.children(adcode)]
            vals = [v for v in vals if v is not None]
            self._memo[key] = sum(vals) if vals else None
        return self._memo[key]


def _num(v):
    if v is None:
        return None
    f = float(v)
    return int(f) if f.is_integer() else round(f, 2)


def _rate(part, whole):
    return round(float(part) / float(whole), 4) if whole else None


def _totals(sums: pd.Series, targets: _Targets, adcode: str) -> dict:
    def counted(metric: str) -> dict:
        t = targets.value(adcode, metric)
        started, completed = sums[f"started_{metric}"], sums[f"completed_{metric}"]
        return {"target": _num(t), "registered": _num(sums[f"reg_{metric}"]),
                "started": _num(started), "completed": _num(completed),
                "start_rate": _rate(started, t), "completion_rate": _rate(completed, t)}

    t_inv = targets.value(adcode, "investment_wan")
    t_lifts = targets.value(adcode, "lifts")
    return {
        "communities": counted("communities"),
        "households": counted("households"),
        "buildings": counted("buildings"),
        "floor_area_wan_m2": counted("floor_area_wan_m2"),
        "investment_wan": {"target": _num(t_inv), "registered": _num(sums["reg_investment_wan"]),
                           "invested": _num(sums["invested_wan"]), "paid": _num(sums["paid_wan"]),
                           "invest_rate": _rate(sums["invested_wan"], sums["reg_investment_wan"]),
                           "pay_rate": _rate(sums["paid_wan"], sums["invested_wan"])},
        "lifts": {"target": _num(t_lifts), "registered": _num(sums["reg_lifts"]),
                  "added": _num(sums["lifts_added"]), "rate": _rate(sums["lifts_added"], t_lifts)},
        "reported_this_week": _num(sums["reported"]),
    }


def _sum_counties(figs: pd.DataFrame, counties: Iterable[str]) -> dict:
    # numpy rows by position, not figs.loc per region: a national summary by county sums
    # 2,875 regions, and .loc cost ~3 ms each (8 s in all); this costs a few µs.
    cached = figs.attrs.get("_sum_rows")
    if cached is None or cached[0] is not figs.index:
        arr = figs[list(SUM_COLUMNS)].to_numpy(dtype="float64") if len(figs) else None
        cached = (figs.index, {a: i for i, a in enumerate(figs.index)}, arr)
        figs.attrs["_sum_rows"] = cached
    _, pos_of, arr = cached
    pos = [pos_of[c] for c in counties if c in pos_of]
    if not pos:
        return dict.fromkeys(SUM_COLUMNS, 0.0)
    total = arr[pos[0]] if len(pos) == 1 else arr[pos].sum(axis=0)
    return dict(zip(SUM_COLUMNS, total.tolist()))


def child_regions(adcode: str, by: str | None) -> list[regions.Region]:
    """The regions a summary is broken down by: one level down, or every prefecture/county inside."""
    if by is None:
        return regions.children(adcode)
    if by == "county":
        return [c for c in regions.counties_in(adcode) if c.adcode != adcode]
    if by == "prefecture":
        r = regions.get(adcode)
        if r.level == "province":
            return regions.children(adcode)
        return []
    raise UserError(f"分组方式“{by}”无效，请使用 prefecture 或 county。", "--by must be prefecture or county.")


def summary(store: Store, programme_id: int | str, region: str | None = None,
            as_of: str | date | None = None, by: str | None = None) -> dict:
    """Targets against register, starts, completions and money, for a region and its children."""
    prog = get_programme(store, programme_id)
    region = region or prog.region_adcode
    reg = regions.get(region)
    if not regions.contains(prog.region_adcode, region) and not regions.contains(region, prog.region_adcode):
        raise NotFound(f"{regions.describe(region)}不在计划“{prog.name}”的范围（{regions.describe(prog.region_adcode)}）内。",
                       f"{region} is outside the programme's scope.")
    day = parse_date(as_of) or default_as_of(store, prog)
    figs = county_figures(store, prog.id, day, region if region != prog.region_adcode else None)
    with store.session() as s:
        rep = reported_figures.reported(s, prog.id, day)
    explicit = explicit_targets(store, prog.id)
    for adcode, vals in rep.values.items():  # a reported plan (计划完成数) stands where no target was set
        for k, metric in reported_figures.AS_TARGETS.items():
            if vals.get(k) is not None and (adcode, metric) not in explicit:
                explicit[(adcode, metric)] = vals[k]
    targets = _Targets(explicit)
    leaves = rep.leaves() if rep else set()
    counts_pilots = "pilots" in (prog.metrics or ()) or any(m == "pilots" for _, m in explicit)
    pilots = pilot_figures(store, prog.id, day, region if region != prog.region_adcode else None) \
        if counts_pilots else None

    def block(r: regions.Region) -> dict:
        sums = _sum_counties(figs, [c.adcode for c in regions.counties_in(r.adcode)])
        has_register = sums["reg_communities"] > 0 or sums["reported"] > 0
        used = []
        for leaf in sorted(leaves):
            if leaf == r.adcode or regions.contains(r.adcode, leaf):
                own = _sum_counties(figs, [c.adcode for c in regions.counties_in(leaf)])
                if own["reg_communities"] > 0:
                    continue  # the register counts; the report is shown beside it, never added
                for col, v in rep.sums(leaf).items():
                    sums[col] += v
                used.append(leaf)
        out = {"adcode": r.adcode, "name": r.name, "short_name": r.short_name, "level": r.level,
               "totals": _totals(sums, targets, r.adcode),
               "source": "both" if has_register and (used or r.adcode in rep.values) else "reported" if used else
               "register" if has_register else "none"}
        if pilots is not None:
            inside = [c.adcode for c in regions.counties_in(r.adcode) if c.adcode in pilots.index]
            got = pilots.loc[inside].sum() if inside else pd.Series(0, index=pilots.columns)
            t = targets.value(r.adcode, "pilots")
            out["totals"]["pilots"] = {
                "target": _num(t), "registered": _num(got["reg_pilots"]), "started": _num(got["started_pilots"]),
                "completed": _num(got["completed_pilots"]), "start_rate": _rate(got["started_pilots"], t),
                "completion_rate": _rate(got["completed_pilots"], t)}
        if r.adcode in rep.values:
            own_rep = {k: _num(v) for k, v in rep.values[r.adcode].items()}
            out["reported"] = {"values": own_rep, "texts": rep.texts.get(r.adcode, {}),
                               "date": rep.dates[r.adcode].isoformat()}
            if has_register:
                reg_sums = _sum_counties(figs, [c.adcode for c in regions.counties_in(r.adcode)])
                shared = [k for k in reported_figures.AS_SUMS if rep.values[r.adcode].get(k) is not None]
                out["reported"]["register"] = {k: _num(reg_sums[reported_figures.AS_SUMS[k]]) for k in shared}
                out["reported"]["difference"] = {
                    k: _num(reg_sums[reported_figures.AS_SUMS[k]] - float(rep.values[r.adcode][k])) for k in shared}
        return out

    top = block(reg)
    return {"programme": prog.id, "programme_name": prog.name, "as_of": day.isoformat(),
            "expected_share": round(expected_share(prog, day), 4), "demo": prog.is_demo,
            **{k: top[k] for k in ("adcode", "name", "short_name", "level", "source")}, "totals": top["totals"],
            **({"reported": top["reported"]} if "reported" in top else {}),
            "children": [block(c) for c in child_regions(region, by)]}


def reported_beside_register(summary_dict: dict) -> list[dict]:
    """Where a region's own totals table and its register both speak: one row per figure.

    Rows (the summary's region first, then its children) for every region that has a
    reported table and a register: adcode, name, date (of the report), metric (a key of
    `reported.AS_SUMS`), reported, register and difference (register − reported). The two
    are never added together (the register counts); this is where the gap is shown.
    """
    rows = []
    for blk in [summary_dict] + list(summary_dict.get("children", [])):
        rep = blk.get("reported") or {}
        for k, diff in (rep.get("difference") or {}).items():
            rows.append({"adcode": blk["adcode"], "name": blk["name"], "date": rep["date"], "metric": k,
                         "reported": rep["values"].get(k), "register": rep["register"].get(k),
                         "difference": diff})
    return rows


def sources(summary_dict: dict) -> dict[str, str]:
    """Where each region's figures come from: {adcode: "register"|"reported"|"both"|"none"}."""
    return {b["adcode"]: b["source"] for b in [summary_dict] + list(summary_dict.get("children", []))}


def summary_frame(summary_dict: dict, metric: str = "households") -> pd.DataFrame:
    """The children of a summary as a flat table (one row per region) for charts and rankings."""
    rows = []
    for c in summary_dict["children"]:
        t = c["totals"][metric]
        rows.append({"adcode": c["adcode"], "name": c["name"], "short_name": c["short_name"],
                     "target": t["target"], "registered": t["registered"], "started": t["started"],
                     "completed": t["completed"], "start_rate": t["start_rate"],
                     "completion_rate": t["completion_rate"],
                     "invested_wan": c["totals"]["investment_wan"]["invested"],
                     "paid_wan": c["totals"]["investment_wan"]["paid"], "source": c["source"]})
    return pd.DataFrame(rows)


# --- consistency -------------------------------------------------------------------------

def target_checks(store: Store, programme_id: int | str, as_of: str | date | None = None) -> list[dict]:
    """Where targets do not add up across levels, or the register disagrees with them.

    Real data disagrees with itself (the Qingtian plan's text says ≈395
    buildings, its table adds up to 364): these are shown, never hidden.
    """
    prog = get_programme(store, programme_id)
    explicit = explicit_targets(store, prog.id)
    targets = _Targets(explicit)
    issues: list[dict] = []
    for (adcode, metric), value in sorted(explicit.items()):
        kids = [c for c in regions.children(adcode) if targets.value(c.adcode, metric) is not None]
        if kids:
            total = sum(targets.value(c.adcode, metric) for c in kids)
            if abs(total - value) > 1e-6:
                issues.append({"kind": "split", "adcode": adcode, "name": regions.get(adcode).name,
                               "metric": metric, "expected": _num(value), "actual": _num(total),
                               "message": f"{regions.get(adcode).name}{vocabulary.METRIC_BY_KEY[metric].zh}目标 {_num(value)}，"
                                          f"下级目标合计 {_num(total)}，相差 {_num(total - value)}。"})
    day = parse_date(as_of) or date(prog.year_end, 12, 31)
    figs = county_figures(store, prog.id, max(day, date(prog.year_end, 12, 31)))
    for (adcode, metric), value in sorted(explicit.items()):
        if metric not in REGISTER_FIELDS:
            continue
        sums = _sum_counties(figs, [c.adcode for c in regions.counties_in(adcode)])
        reg = float(sums[f"reg_{metric}"])
        if figs.empty or abs(reg - value) <= 1e-6 or (metric == "investment_wan" and reg == 0):
            continue
        m = vocabulary.METRIC_BY_KEY[metric]
        issues.append({"kind": "register", "adcode": adcode, "name": regions.get(adcode).name,
                       "metric": metric, "expected": _num(value), "actual": _num(reg),
                       "message": f"{regions.get(adcode).name}{m.zh}目标 {_num(value)}{m.unit_zh}，"
                                  f"台账合计 {_num(reg)}{m.unit_zh}，相差 {_num(reg - value)}{m.unit_zh}。"})
    return issues


# --- the register with its status ----------------------------------------------------------

# The register table's columns and their Chinese headers, in the order officials read it.
REGISTER_COLUMNS = fields.labels(fields.REGISTER_TABLE)


def register_table(store: Store, programme_id: int | str, as_of: str | date | None = None,
                   region: str | None = None, *, viewer: Actor, located_only: bool = False) -> pd.DataFrame:
    """One row per community with its latest status as of the date.

    `located_only`: only communities with coordinates (what a map draws): at national scale most
    have none, and probing every community's latest report for nothing cost the map seconds.

    A viewer who may not see internal data (`auth.sees_internal`) gets no remarks or problems; a
    district account sees them for its own county or prefecture only (`auth.sees_internal_in`).
    """
    public = not auth.sees_internal(viewer)
    prog = get_programme(store, programme_id)
    day = parse_date(as_of) or default_as_of(store, prog)
    r = ProgressReport
    q = (select(Project.id, Project.code, Project.name, Project.county_adcode, Project.street,
                Project.community, Project.address, Project.year_built, Project.households,
                Project.buildings, Project.floor_area_wan_m2, Project.planned_investment_wan,
                Project.lifts_planned, Project.pilot, Project.plan_year_start, Project.plan_year_end,
                Project.lon, Project.lat, Project.remarks,
                r.stage, r.report_date, r.progress_pct, r.invested_wan, r.paid_wan, r.lifts_added,
                r.started_on, r.finished_on, r.problems)
         .select_from(Project).outerjoin(r, r.id == latest_report_id(day))
         .where(Project.programme_id == prog.id, Project.registered_on <= day)
         .order_by(Project.county_adcode, Project.code))
    if region and region != prog.region_adcode:
        q = q.where(region_filter(Project.county_adcode, region))
    if located_only:
        q = q.where(Project.lon.isnot(None), Project.lat.isnot(None))
    with store.session() as s:
        df = pd.DataFrame(s.execute(q).mappings().all())
    if df.empty:
        return pd.DataFrame(columns=list(REGISTER_COLUMNS))
    all_r = regions.all_regions()
    df["county"] = df["county_adcode"].map(lambda a: all_r[a].name)
    df["prefecture"] = df["county_adcode"].map(
        lambda a: all_r[all_r[a].prefecture].short_name if all_r[a].prefecture else "")
    df["stage"] = df["stage"].map(lambda v: vocabulary.STAGE_BY_RANK[int(v)].zh if pd.notna(v) else "计划")
    df["plan_years"] = [_years(a, b) for a, b in zip(df["plan_year_start"], df["plan_year_end"])]
    df["pilot"] = df["pilot"].map(lambda v: "是" if v else "")
    internal = [c for c in fields.INTERNAL if c in df.columns]
    if not public and getattr(viewer, "role", None) == "district":
        others = ~df["county_adcode"].map(lambda a: auth.sees_internal_in(viewer, a))
        df.loc[others, internal] = None  # another county's remarks and problems are not this clerk's
    drop = ["plan_year_start", "plan_year_end"] + (internal if public else [])
    return df.drop(columns=drop)


def _years(a, b) -> str:
    if pd.isna(a):
        return ""
    return f"{int(a)}" if pd.isna(b) or int(a) == int(b) else f"{int(a)}-{int(b)}"
