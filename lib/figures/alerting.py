"""预警 (alerts) by rule, computed from the history as of a reporting week.

Alerts are *computed*: each rule reads the kept history (figures as of any week, the reporting
record, the forecast), so an alert is the same on every screen, in the dispatch pack and on a
read-only public store, for any past week, and it is closed the moment its cause goes (the
next week's figures no longer meet the rule). lib/workflow/alerts.py additionally records when
the system first saw each alert open and closed (`alert_record`), so a channel announces an
alert once and the admin can see its life.

Rules (each alert says why, and since which week the cause holds):

* ``pace``      — a county in the band 明显滞后 (behind the construction-season pace) two reporting
                  weeks running; since the first week of the run.
* ``stalled``   — in the construction season, a county with communities still to start whose
                  started and completed counts did not change over the last two reporting weeks;
                  since the last week that moved.
* ``decrease``  — a county's cumulative figure (started or completed households, investment,
                  funds paid) below its value of an earlier week: a correction, a rollback or a
                  returned submission took it back (an upload that would lower it without being a
                  correction is refused and changes nothing). Closed once the figure is back.
* ``missed``    — a county that missed the last two deadlines (late or not reported) of weeks
                  whose deadline has passed; since the first missed week of the run.
* ``forecast``  — the year-end forecast (lib/figures/forecast.py) says even its upper bound stays
                  below the target (`will_miss`), for a county or the programme's region.
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from lib.domain import clock
from lib.domain import regions
from lib.domain import vocabulary
from lib.figures import discipline
from lib.figures import forecast as fc
from lib.figures import metrics
from lib.figures import rankings
from lib.store.engine import Store

RULES = {
    "pace": "连续两周明显滞后于序时进度",
    "stalled": "施工季连续两周无进展",
    "decrease": "累计数倒退",
    "missed": "连续两次未按时报送",
    "forecast": "年底预计完不成目标",
}
RULES_EN = {
    "pace": "behind the pace two weeks running",
    "stalled": "no movement for two weeks in the season",
    "decrease": "a cumulative figure went down",
    "missed": "missed two deadlines",
    "forecast": "year-end forecast below target",
}
DECREASE_EN = {"started": "Households started", "completed": "Households completed",
               "invested_wan": "Investment completed (10k yuan)", "paid_wan": "Funds paid (10k yuan)"}
LOOKBACK = 9  # reporting weeks read back to say "since when"
FORECAST_LOOKBACK = 3  # forecasts are dearer: at most this many weeks back ("since at least")
DECREASE_FIELDS = (("started", "已开工户数", "户"), ("completed", "已完工户数", "户"),
                   ("invested_wan", "累计完成投资", "万元"), ("paid_wan", "累计资金支付", "万元"))


def _label(d: date) -> str:
    return vocabulary.iso_week_label(d)


def _alert(rule: str, adcode: str, since: date, reason: str, week: date, reason_en: str = "") -> dict:
    r = regions.all_regions().get(adcode)
    pref = regions.all_regions().get(r.prefecture) if r is not None and r.prefecture else None
    return {"rule": rule, "rule_zh": RULES[rule], "rule_en": RULES_EN[rule], "adcode": adcode,
            "name": r.name if r else adcode, "prefecture": pref.short_name if pref else "",
            "since": since.isoformat(), "since_week": _label(since), "week": _label(week), "reason": reason,
            "reason_en": reason_en or f"{RULES_EN[rule]} since {_label(since)}."}


def _frames(store: Store, prog, weeks: list[date]) -> dict[date, tuple[pd.DataFrame, float]]:
    out = {}
    for w in weeks:
        s = metrics.summary(store, prog.id, as_of=w, by="county")
        out[w] = (metrics.summary_frame(s).set_index("adcode"), s["expected_share"])
    return out


def _pace(frames, weeks, week) -> list[dict]:
    out = []
    bands = rankings.DEFAULT_BANDS
    if len(weeks) < 2:
        return out
    now, exp = frames[weeks[-1]]
    for adcode, row in now.iterrows():
        run = []
        for w in reversed(weeks):
            df, e = frames[w]
            if adcode not in df.index or pd.isna(df.at[adcode, "start_rate"]) or not df.at[adcode, "target"]:
                break
            if bands.classify(df.at[adcode, "start_rate"], e) != "behind":
                break
            run.append(w)
        if len(run) >= 2:
            out.append(_alert("pace", adcode, run[-1],
                              f"户数开工率{row['start_rate']:.1%}，序时进度{exp:.1%}，已连续{len(run)}周明显滞后"
                              f"（自{_label(run[-1])}{'（至少）' if len(run) == len(weeks) else ''}起）。", week,
                              f"Start rate {row['start_rate']:.1%} against a pace of {exp:.1%}: behind for "
                              f"{len(run)} weeks running (since {_label(run[-1])})."))
    return out


def _stalled(frames, weeks, week, prog) -> list[dict]:
    out = []
    start, end = vocabulary.season_bounds(week.year, prog.season_start, prog.season_end)
    if len(weeks) < 3 or not (start <= weeks[-3] and week <= end):
        return out
    now, _ = frames[weeks[-1]]
    for adcode, row in now.iterrows():
        if not row["registered"] or row["started"] >= row["registered"]:
            continue
        same = 0
        since = None
        for later, earlier in zip(reversed(weeks), list(reversed(weeks))[1:]):
            a, b = frames[later][0], frames[earlier][0]
            if adcode not in b.index or (a.at[adcode, "started"], a.at[adcode, "completed"]) != \
                    (b.at[adcode, "started"], b.at[adcode, "completed"]):
                break
            same += 1
            since = earlier
        if same >= 2:
            out.append(_alert("stalled", adcode, since,
                              f"施工季内已连续{same}周无新开工、无新完工（已开工{int(row['started'])}户，"
                              f"台账{int(row['registered'])}户），最近一次变化在{_label(since)}。", week,
                              f"No new starts or completions for {same} weeks in the season "
                              f"({int(row['started'])} of {int(row['registered'])} households started); "
                              f"last change in {_label(since)}."))
    return out


def _decrease(frames, weeks, week) -> list[dict]:
    out = []
    now, _ = frames[weeks[-1]]
    for adcode, row in now.iterrows():
        for col, zh, unit in DECREASE_FIELDS:
            cur = row[col]
            if pd.isna(cur):
                continue
            peak, peak_week = None, None
            for w in weeks[:-1]:
                df = frames[w][0]
                if adcode in df.index and not pd.isna(df.at[adcode, col]) and (peak is None or df.at[adcode, col] > peak):
                    peak, peak_week = df.at[adcode, col], w
            if peak is None or cur >= peak - 1e-9:
                continue
            drop = next(w for w in weeks if w > peak_week)
            out.append(_alert("decrease", adcode, drop,
                              f"{zh}从{_label(peak_week)}的{peak:g}{unit}降至{cur:g}{unit}（{_label(drop)}起），"
                              f"系更正、撤销或退回所致，请核实。", week,
                              f"{DECREASE_EN[col]} went down from {peak:g} ({_label(peak_week)}) to {cur:g} "
                              f"(since {_label(drop)}): a correction, rollback or return; please check."))
            break
    return out


def _missed(store, prog, week, now: datetime | None) -> list[dict]:
    h = discipline.history(store, prog.id, week, weeks=LOOKBACK)
    if h.empty:
        return []
    if now is not None:
        h = h[h["deadline"] < now]
    out = []
    for adcode, g in h.sort_values("week").groupby("adcode"):
        run = []
        for _, r in g.iloc[::-1].iterrows():
            if r["status"] == "on_time":
                break
            run.append(r)
        if len(run) >= 2:
            words = "、".join(f"{_label(r['week'])}{r['status_zh']}" for r in reversed(run))
            words_en = ", ".join(f"{_label(r['week'])} {r['status']}" for r in reversed(run))
            out.append(_alert("missed", adcode, run[-1]["week"], f"连续{len(run)}次未按时报送：{words}。", week,
                              f"Missed {len(run)} deadlines running: {words_en}."))
    return out


def _forecast(store, prog, weeks, week) -> list[dict]:
    flagged: list[dict[str, dict]] = []
    for w in reversed(weeks[-FORECAST_LOOKBACK:]):
        f = fc.forecast(store, prog.id, w)
        rows = [r for r in f["counties"] + ([f["region"]] if f["region"] else []) if r.get("will_miss")]
        flagged.append({r["adcode"]: r for r in rows})
        if not rows:
            break
    if not flagged or not flagged[0]:
        return []
    out = []
    tail = list(reversed(weeks[-FORECAST_LOOKBACK:]))
    for adcode, r in flagged[0].items():
        n = 0
        while n < len(flagged) and adcode in flagged[n]:
            n += 1
        since = tail[n - 1]
        more = "（至少）" if n == FORECAST_LOOKBACK else ""
        out.append(_alert("forecast", adcode, since,
                          f"按目前进度预计年底开工{r['projected_started']:g}户（区间上限{r['started_high']:g}户），"
                          f"低于目标{r['target']:g}户，自{_label(since)}{more}起预计完不成。", week,
                          f"Projected {r['projected_started']:g} households started by year end (at most "
                          f"{r['started_high']:g}) against a target of {r['target']:g}, since {_label(since)}."))
    return out


def evaluate(store: Store, programme_id: int | str, week: str | date | None = None, *,
             now: datetime | None = None, region: str | None = None) -> list[dict]:
    """The alerts open as of the reporting week `week` (default: the week that has closed), worst rule
    first. `now` (Beijing, naive): deadlines after it are not yet missed (default: the clock)."""
    prog = metrics.get_programme(store, programme_id)
    wk = discipline.parse_week(week, prog) if week else metrics.default_as_of(store, prog)
    weeks = [w for w in metrics.report_dates(store, prog.id) if w <= wk][-LOOKBACK:]
    if not weeks:
        return []
    if now is None:
        now = clock.now().replace(tzinfo=None)
    frames = _frames(store, prog, weeks)
    alerts = (_pace(frames, weeks, wk) + _stalled(frames, weeks, wk, prog) + _decrease(frames, weeks, wk)
              + _missed(store, prog, wk, now) + _forecast(store, prog, weeks, wk))
    if region and region != prog.region_adcode:
        alerts = [a for a in alerts if a["adcode"] == region or regions.contains(region, a["adcode"])]
    order = list(RULES)
    return sorted(alerts, key=lambda a: (order.index(a["rule"]), a["adcode"]))
