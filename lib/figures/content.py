"""What is being renovated and where the money comes from, against plan.

* `content_table`: per renovation item (基础类/完善类/提升类, `vocabulary.CONTENT_ITEMS`)
  how many communities and households plan it, and how many of those had
  started and finished works as of the date.
* `funding_table`: the register's planned funding by source (`Project.fund_*`,
  `vocabulary.FUNDING_SOURCES`).
* `subsidy_check`: the subsidy standard the programme's own document sets
  (Programme.subsidy; Qinghai's 青政办〔2021〕13号: central + provincial ≥ 1.5万元
  per household, provincial ≥ 15万元 per added lift), community by community.
  A programme whose document sets none is not checked.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import select

from lib.domain import vocabulary
from lib.figures import asof
from lib.figures import metrics
from lib.domain import regions
from lib.store.models import FUND_COLUMNS, ProgressReport, Project
from lib.store.engine import Store



def _projects(store: Store, programme_id: int, region: str | None, as_of: date) -> pd.DataFrame:
    r = ProgressReport
    q = (select(Project.id, Project.code, Project.name, Project.county_adcode, Project.households,
                Project.content, Project.lifts_planned, Project.planned_investment_wan,
                *[getattr(Project, c) for c in FUND_COLUMNS],
                r.stage, r.lifts_added)
         .select_from(Project).outerjoin(r, r.id == asof.latest_report_id(as_of))
         .where(Project.programme_id == programme_id, Project.registered_on <= as_of))
    prog_region = metrics.get_programme(store, programme_id).region_adcode
    if region and region != prog_region:
        q = q.where(asof.region_filter(Project.county_adcode, region))
    with store.session() as s:
        return pd.DataFrame(s.execute(q).mappings().all(),
                            columns=["id", "code", "name", "county_adcode", "households", "content", "lifts_planned",
                                     "planned_investment_wan", *FUND_COLUMNS, "stage", "lifts_added"])


def _day(store: Store, programme: int | str, as_of) -> tuple[int, date]:
    prog = metrics.get_programme(store, programme)
    return prog.id, metrics.parse_date(as_of) or metrics.default_as_of(store, prog)


def content_table(store: Store, programme: int | str, region: str | None = None,
                  as_of: str | date | None = None) -> pd.DataFrame:
    """One row per renovation item planned anywhere in the region.

    Columns: code, category (basic/improvement/enhancement), zh, en_category,
    communities, households (planning the item), started, completed
    (communities among those at 开工 / 完工 or later), share (of the region's
    registered communities). Ordered by category, then by communities.
    """
    pid, day = _day(store, programme, as_of)
    df = _projects(store, pid, region, day)
    cols = ["code", "category", "zh", "communities", "households", "started", "completed", "share"]
    if df.empty:
        return pd.DataFrame(columns=cols)
    total = len(df)
    stage = df["stage"].fillna(vocabulary.STAGE_BY_CODE["plan"].rank)
    rows: dict[str, dict] = {}
    for items, hh, st in zip(df["content"].fillna(""), df["households"].fillna(0), stage):
        for code in {c.strip() for c in items.split(",") if c.strip()}:
            item = vocabulary.CONTENT_BY_CODE.get(code)
            if item is None:
                continue
            r = rows.setdefault(code, {"code": code, "category": item.category, "zh": item.zh, "communities": 0,
                                       "households": 0, "started": 0, "completed": 0})
            r["communities"] += 1
            r["households"] += int(hh)
            r["started"] += int(st >= vocabulary.STARTED)
            r["completed"] += int(st >= vocabulary.FINISHED)
    out = pd.DataFrame(list(rows.values()), columns=cols[:-1])
    if out.empty:
        return pd.DataFrame(columns=cols)
    out["share"] = (out["communities"] / total).round(4)
    order = {c: i for i, c in enumerate(vocabulary.CONTENT_CATEGORIES)}
    out["_o"] = out["category"].map(order)
    return out.sort_values(["_o", "communities"], ascending=[True, False]).drop(columns="_o").reset_index(drop=True)


def lifts(store: Store, programme: int | str, region: str | None = None, as_of: str | date | None = None) -> dict:
    """Lifts planned in the register and added as of the date (加装电梯, 部)."""
    pid, day = _day(store, programme, as_of)
    df = _projects(store, pid, region, day)
    return {"planned": int(df["lifts_planned"].fillna(0).sum()) if not df.empty else 0,
            "added": int(df["lifts_added"].fillna(0).sum()) if not df.empty else 0,
            "communities": int((df["lifts_planned"].fillna(0) > 0).sum()) if not df.empty else 0}


def funding_table(store: Store, programme: int | str, region: str | None = None,
                  as_of: str | date | None = None) -> pd.DataFrame:
    """Planned funding by source: key, zh, en, planned_wan, share (of all planned funding).

    Sources nobody plans are kept with 0 so that the table always has the nine rows
    of `vocabulary.FUNDING_SOURCES`; `df.attrs["planned_investment_wan"]` is the register's
    total planned investment (it may differ from the sum of sources: shown, not hidden).
    """
    pid, day = _day(store, programme, as_of)
    df = _projects(store, pid, region, day)
    rows = []
    for src in vocabulary.FUNDING_SOURCES:
        col = f"fund_{src.key}"
        rows.append({"key": src.key, "zh": src.zh, "en": src.en,
                     "planned_wan": round(float(df[col].fillna(0).sum()), 1) if not df.empty else 0.0})
    out = pd.DataFrame(rows)
    total = out["planned_wan"].sum()
    out["share"] = (out["planned_wan"] / total).round(4) if total else 0.0
    out.attrs["planned_investment_wan"] = round(float(df["planned_investment_wan"].fillna(0).sum()), 1) \
        if not df.empty else 0.0
    out.attrs["funding_total_wan"] = round(float(total), 1)
    return out


def subsidy_standard(store: Store, programme: int | str) -> dict | None:
    """The subsidy standard the programme's own document sets (Programme.subsidy), or None.

    Only a programme that states one is checked: Qinghai's 青政办〔2021〕13号 is the
    demonstration programme's, not a rule for every programme inside 630000.
    """
    prog = metrics.get_programme(store, programme)
    std = prog.subsidy or {}
    if not std.get("per_household_wan") and not std.get("per_lift_wan"):
        return None
    return {"per_household_wan": float(std.get("per_household_wan") or 0.0),
            "per_lift_wan": float(std.get("per_lift_wan") or 0.0)}


def subsidy_applies(store: Store, programme: int | str) -> bool:
    return subsidy_standard(store, programme) is not None


def subsidy_check(store: Store, programme: int | str, region: str | None = None,
                  as_of: str | date | None = None) -> dict:
    """Planned central + provincial subsidy against the programme's own standard (Programme.subsidy).

    Standard per community (Qinghai's document: 1.5万元/户, 15万元/部): central + provincial ≥
    per_household_wan × households + per_lift_wan × lifts planned, of which provincial ≥
    per_lift_wan × lifts planned. Returns {"applies", "standard", "households", "lifts", "required_wan", "planned_wan",
    "required_lift_wan", "planned_provincial_wan", "ok", "short": DataFrame of
    communities below the standard (code, name, county, households, lifts,
    required_wan, planned_wan, shortfall_wan)}.
    """
    std = subsidy_standard(store, programme)
    applies = std is not None
    pid, day = _day(store, programme, as_of)
    df = _projects(store, pid, region, day) if applies else pd.DataFrame()
    short_cols = ["code", "name", "county", "households", "lifts", "required_wan", "planned_wan", "shortfall_wan"]
    if not applies or df.empty:
        return {"applies": applies, "standard": std, "households": 0, "lifts": 0, "required_wan": 0.0, "planned_wan": 0.0,
                "required_lift_wan": 0.0, "planned_provincial_wan": 0.0, "ok": True,
                "short": pd.DataFrame(columns=short_cols)}
    hh = df["households"].fillna(0).astype("float64")
    lifts_n = df["lifts_planned"].fillna(0).astype("float64")
    required = hh * std["per_household_wan"] + lifts_n * std["per_lift_wan"]
    planned = df["fund_central"].fillna(0) + df["fund_provincial"].fillna(0)
    lift_req = lifts_n * std["per_lift_wan"]
    bad = (planned + 0.05 < required) | (df["fund_provincial"].fillna(0) + 0.05 < lift_req)
    all_r = regions.all_regions()
    short = pd.DataFrame({
        "code": df["code"], "name": df["name"], "county": df["county_adcode"].map(lambda a: all_r[a].name),
        "households": hh.astype("int64"), "lifts": lifts_n.astype("int64"), "required_wan": required.round(1),
        "planned_wan": planned.round(1), "shortfall_wan": (required - planned).clip(lower=0).round(1)})[bad]
    return {"applies": True, "standard": std, "households": int(hh.sum()), "lifts": int(lifts_n.sum()),
            "required_wan": round(float(required.sum()), 1), "planned_wan": round(float(planned.sum()), 1),
            "required_lift_wan": round(float(lift_req.sum()), 1),
            "planned_provincial_wan": round(float(df["fund_provincial"].fillna(0).sum()), 1),
            "ok": bool(not bad.any()), "short": short.reset_index(drop=True)}
