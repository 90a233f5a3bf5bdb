"""Year-end forecast (年底预测): where starts and completions will end at the current pace.

For each county (and the programme's region as a whole), as of a reporting
week, from the weekly cumulative series (`trends.weekly_series`):

* two paces: the *season pace* (everything started so far over the season
  weeks elapsed) and the *recent pace* (the last `RECENT_WEEKS` weeks);
* the projection at the season's end: what is done plus the mean of the two
  paces times the season weeks left; the interval runs from the slower to the
  faster pace, widened by the week-to-week noise of the recent increments
  (±1.28 σ √weeks, an 80 % band); all bounded by what is registered (a
  county cannot start more than its register holds) and by what is done;
* the date the target is met at the mean pace, if within this season;
* a flag ``will_miss``: even the upper end of the interval stays below the
  target — the county misses unless it speeds up. No flag is raised before
  `MIN_SEASON_SHARE` of the season has passed (the first weeks carry no
  information about the pace).

Construction stops outside the season, so no progress is projected after it.
`backtest` replays the forecast week by week on what was known then.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import select

from lib.domain import vocabulary
from lib.figures import metrics
from lib.domain import regions
from lib.figures import trends
from lib.store.models import Project
from lib.store.engine import Store

RECENT_WEEKS = 4
MIN_SEASON_SHARE = 0.15
Z80 = 1.2816


def _season_end(prog, year: int) -> date:
    return vocabulary.season_bounds(year, prog.season_start, prog.season_end)[1]


def _registered(store: Store, prog, by_county: bool) -> pd.DataFrame:
    with store.session() as s:
        rows = s.execute(select(Project.county_adcode, Project.registered_on, Project.households)
                         .where(Project.programme_id == prog.id)).all()
    df = pd.DataFrame(rows, columns=["adcode", "registered_on", "households"])
    if not by_county:
        df["adcode"] = prog.region_adcode
    return df


def _one(g: pd.DataFrame, as_of: date, season_start: date, season_end: date, target: float | None,
         registered: float, col: str, events: str | None = None, unit: float = 1.0) -> dict:
    """Project one region's cumulative `col` (rows = weeks up to as_of, oldest first).

    `events`: the column counting whole communities behind `col` (started or
    completed communities) and `unit` the households per community still to
    come; the upper end then also allows for the chance of the pace, as with
    any count of events: a county that started 0 of its 2 communities in five
    weeks is not yet proof that it will miss (Poisson upper bound, 80 %).
    """
    g = g[g["week"] <= as_of]
    now = float(g[col].iloc[-1]) if len(g) else 0.0
    elapsed = max(0.0, (min(as_of, season_end) - season_start).days / 7)
    left = max(0.0, (season_end - max(as_of, season_start)).days / 7)
    base = g[g["week"] <= season_start]
    start_level = float(base[col].iloc[-1]) if len(base) else 0.0
    season_pace = (now - start_level) / elapsed if elapsed >= 1 else 0.0
    recent = g.tail(RECENT_WEEKS + 1)
    if len(recent) >= 2:
        span = max(1.0, (recent["week"].iloc[-1] - recent["week"].iloc[0]).days / 7)
        recent_pace = (float(recent[col].iloc[-1]) - float(recent[col].iloc[0])) / span
        steps = recent[col].diff().dropna().astype(float)
        sigma = float(steps.std(ddof=1)) if len(steps) >= 2 else 0.0
    else:
        recent_pace, sigma = season_pace, 0.0
    slow, fast = sorted((season_pace, recent_pace))
    mean_pace = (slow + fast) / 2
    if events is not None and elapsed >= 1:
        k = float(g[events].iloc[-1]) - (float(base[events].iloc[-1]) if len(base) else 0.0)
        upper = (k + Z80 * math.sqrt(k) + Z80 ** 2) / elapsed * unit
        fast = max(fast, upper)
    cap = max(registered, now)
    spread = Z80 * sigma * math.sqrt(left) if left else 0.0

    def bound(x: float) -> float:
        return float(min(cap, max(now, x)))

    central, low, high = bound(now + mean_pace * left), bound(now + slow * left - spread), \
        bound(now + fast * left + spread)
    met_on = None
    if target:
        if now >= target:
            hit = g[g[col] >= target]
            met_on = hit["week"].iloc[0] if len(hit) else as_of
        elif mean_pace > 0 and central >= target:
            met_on = as_of + timedelta(days=math.ceil((target - now) / mean_pace * 7))
            met_on = min(met_on, season_end)
    return {"current": now, "season_pace": round(season_pace, 2), "recent_pace": round(recent_pace, 2),
            "projected": round(central), "low": round(low), "high": round(high),
            "projected_rate": round(central / target, 4) if target else None,
            "target_met_on": met_on, "weeks_left": round(left, 1)}


def _forecast_frame(series: pd.DataFrame, reg: pd.DataFrame, prog, as_of: date, metric: str,
                    season_share: float) -> pd.DataFrame:
    ss, se = vocabulary.season_bounds(as_of.year, prog.season_start, prog.season_end)
    rows = []
    for adcode, g in series.groupby("adcode", sort=True):
        g = g.sort_values("week")
        target = g[f"target_{metric}"].iloc[-1]
        target = None if target is None or pd.isna(target) else float(target)
        r = reg[(reg["adcode"] == adcode) & (reg["registered_on"] <= as_of)]
        registered = float(len(r) if metric == "communities" else r["households"].sum())
        last = g.iloc[-1]
        left_hh = max(0.0, registered - float(last["started_households"]))
        left_n = max(1.0, len(r) - float(last["started_communities"]))
        unit = 1.0 if metric == "communities" else (left_hh / left_n if left_hh else 0.0)
        start = _one(g, as_of, ss, se, target, registered, f"started_{metric}", "started_communities", unit)
        done = _one(g, as_of, ss, se, target, registered, f"completed_{metric}")
        will_miss = bool(target and season_share >= MIN_SEASON_SHARE and start["high"] < target)
        at_risk = bool(target and season_share >= MIN_SEASON_SHARE and start["projected"] < target)
        rows.append({"adcode": adcode, "name": g["name"].iloc[0], "target": target, "registered": registered,
                     "started": start["current"], "start_rate": round(start["current"] / target, 4) if target else None,
                     "projected_started": start["projected"], "started_low": start["low"],
                     "started_high": start["high"], "projected_start_rate": start["projected_rate"],
                     "season_pace": start["season_pace"], "recent_pace": start["recent_pace"],
                     "target_met_on": start["target_met_on"],
                     "completed": done["current"], "projected_completed": done["projected"],
                     "completed_low": done["low"], "completed_high": done["high"],
                     "projected_completion_rate": done["projected_rate"],
                     "weeks_left": start["weeks_left"], "will_miss": will_miss, "at_risk": at_risk})
    return pd.DataFrame(rows)


def forecast(store: Store, programme_id: int | str, as_of: str | date | None = None,
             metric: str = "households") -> dict:
    """Year-end projection per county and for the programme's region, as of a reporting week."""
    prog = metrics.get_programme(store, programme_id)
    day = metrics.parse_date(as_of) or metrics.default_as_of(store, prog)
    weeks = [w for w in metrics.report_dates(store, prog.id) if w <= day]
    share = metrics.expected_share(prog, day)
    if not weeks:
        return {"programme": prog.id, "as_of": day.isoformat(), "metric": metric, "expected_share": share,
                "region": None, "counties": []}
    counties = trends.weekly_series(store, prog.id, by="county", weeks=weeks)
    whole = trends.weekly_series(store, prog.id, weeks=weeks)
    c = _forecast_frame(counties, _registered(store, prog, True), prog, weeks[-1], metric, share)
    top = _forecast_frame(whole, _registered(store, prog, False), prog, weeks[-1], metric, share)

    def rows(df):
        out = []
        for r in df.to_dict("records"):
            out.append({k: (v.isoformat() if isinstance(v, date) else
                            (None if v is None or (isinstance(v, float) and np.isnan(v)) else v)) for k, v in r.items()})
        return out

    c = c.sort_values(["will_miss", "at_risk", "projected_start_rate"], ascending=[False, False, True])
    return {"programme": prog.id, "as_of": weeks[-1].isoformat(), "metric": metric,
            "expected_share": round(share, 4), "season_end": _season_end(prog, weeks[-1].year).isoformat(),
            "method": (f"按施工季累计进度与最近{RECENT_WEEKS}周进度两种速度的平均值外推至施工季结束，"
                       f"区间为两种速度之间并计入周度波动（80%），以台账规模为上限；"
                       f"施工季过去{int(MIN_SEASON_SHARE * 100)}%之后，区间上限仍低于目标的县予以预警。"),
            "region": rows(top)[0] if len(top) else None, "counties": rows(c)}


def backtest(store: Store, programme_id: int | str, final: str | date | None = None,
             metric: str = "households") -> dict:
    """Replay the forecast each reporting week; compare its flags with who actually ended behind.

    "Ended behind": start rate < 1 at `final` (default: the last reported week).
    Returns, per county that ended behind, the first week flagged and the first
    week from which the flag never dropped; and the false alarms (flags on
    counties that ended at or above target), as county-weeks and counties.
    """
    prog = metrics.get_programme(store, programme_id)
    all_weeks = metrics.report_dates(store, prog.id)
    end = metrics.parse_date(final) or all_weeks[-1]
    weeks = [w for w in all_weeks if w <= end]
    series = trends.weekly_series(store, prog.id, by="county", weeks=weeks)
    reg = _registered(store, prog, True)
    last = series[series["week"] == weeks[-1]].set_index("adcode")
    tgt = last[f"target_{metric}"].astype(float)
    behind = sorted(last.index[(last[f"started_{metric}"] / tgt) < 1 - 1e-9])
    flagged: dict[date, set[str]] = {}
    for w in weeks:
        fc = _forecast_frame(series[series["week"] <= w], reg, prog, w, metric, metrics.expected_share(prog, w))
        flagged[w] = set(fc.loc[fc["will_miss"], "adcode"])
    per_county = []
    for a in behind:
        hits = [w for w in weeks if a in flagged[w]]
        stay = None
        for i, w in enumerate(weeks):
            if all(a in flagged[x] for x in weeks[i:]):
                stay = w
                break
        per_county.append({"adcode": a, "name": regions.get(a).name,
                           "final_rate": round(float(last.at[a, f"started_{metric}"] / tgt[a]), 4),
                           "first_flagged": hits[0].isoformat() if hits else None,
                           "first_week": vocabulary.iso_week_label(hits[0]) if hits else None,
                           "flagged_from": stay.isoformat() if stay else None,
                           "weeks_flagged": len(hits)})
    false_weeks = [(w, a) for w in weeks for a in flagged[w] if a not in behind]
    false_counties = sorted({a for _, a in false_weeks})
    return {"programme": prog.id, "final": weeks[-1].isoformat(), "metric": metric, "weeks": len(weeks),
            "behind": per_county, "missed": [r["name"] for r in per_county if r["first_flagged"] is None],
            "false_alarm_weeks": len(false_weeks),
            "false_alarm_counties": [{"adcode": a, "name": regions.get(a).name,
                                      "weeks": sum(1 for _, x in false_weeks if x == a),
                                      "last": max(w for w, x in false_weeks if x == a).isoformat()}
                                     for a in false_counties],
            "flagged_per_week": {w.isoformat(): len(flagged[w]) for w in weeks}}
