"""County and prefecture rankings, traffic-light bands and the bulletin's lists.

Pure functions over `lib.metrics` (no Streamlit): the dashboard's ranking
screen, the weekly dispatch (周调度) and the monthly bulletin (月通报) all
import them, so a county is "behind" in exactly one way everywhere.

Bands (default: relative to the calendar pace, `metrics.expected_share`):

* ``ahead``  – rate ≥ expected × `Bands.ahead`  (快于序时进度, praised)
* ``watch``  – between the two                (略慢于序时进度)
* ``behind`` – rate < expected × `Bands.behind` (明显滞后, named in the bulletin)

Before the construction season opens (expected = 0) every region is ``ahead``
of a pace that has not started. For ``completion_rate`` the pace reference is
the completion rate of the whole region being ranked (the documents set no
calendar for completions), so bands say "faster or slower than the average".
`Bands(absolute=True)` turns `ahead`/`behind` into plain rate thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from lib.domain import vocabulary
from lib.figures import metrics
from lib.store.engine import Store

STATS = ("start_rate", "completion_rate")
BAND_ORDER = vocabulary.BAND_CODES  # best first; names in vocabulary.BANDS
RANKING_COLUMNS = (
    "rank", "adcode", "name", "short_name", "target", "registered", "started", "completed", "rate",
    "expected", "gap", "band", "rank_prev_week", "rank_change_week", "rank_prev_month", "rank_change_month",
    "delta_week", "reported", "registered_communities", "source",
)


@dataclass(frozen=True)
class Bands:
    """Traffic-light thresholds. Relative: multiples of the pace; absolute: rates."""

    ahead: float = 1.0
    behind: float = 0.85
    absolute: bool = False
    # A region is never "behind" by less than this many rate points (early in the
    # season a pace of 0.4% is not a reason to name anyone).
    slack: float = 0.02

    def classify(self, rate: float | None, expected: float | None) -> str | None:
        if rate is None or pd.isna(rate):
            return None
        if self.absolute:
            hi, lo = self.ahead, self.behind
        else:
            if not expected:
                return "ahead"
            hi, lo = expected * self.ahead, expected * self.behind
        if rate >= hi - 1e-9:
            return "ahead"
        if rate < lo - 1e-9 and (self.absolute or (expected or 0) - rate > self.slack):
            return "behind"
        return "watch"


DEFAULT_BANDS = Bands()


def _dates(store: Store, programme_id: int, as_of: date) -> tuple[date | None, date | None, date | None]:
    """(last week's report date, the report date about 4 weeks earlier, 2 weeks earlier) before as_of."""
    days = [d for d in metrics.report_dates(store, programme_id) if d < as_of]

    def at_or_before(d: date) -> date | None:
        older = [x for x in days if x <= d]
        return older[-1] if older else None

    prev = days[-1] if days else None
    return prev, at_or_before(as_of - timedelta(days=28)), at_or_before(as_of - timedelta(days=14))


def _frame(s: dict, metric: str, stat: str) -> pd.DataFrame:
    df = metrics.summary_frame(s, metric)
    if df.empty:
        return df
    df["rate"] = df[stat].astype("float64")
    df["reported"] = [c["totals"]["reported_this_week"] for c in s["children"]]
    df["registered_communities"] = [c["totals"]["communities"]["registered"] for c in s["children"]]
    return df


def _ranks(rate: pd.Series) -> pd.Series:
    # competition ranking ("1224"): equal rates share a rank; regions without a target are unranked
    return rate.rank(ascending=False, method="min").astype("Int64")


def ranking(store: Store, programme: int | str, region: str | None = None, as_of: str | date | None = None,
            metric: str = "households", stat: str = "start_rate", by: str | None = None,
            bands: Bands = DEFAULT_BANDS) -> pd.DataFrame:
    """Regions inside `region` ranked by `stat` of `metric`, best first.

    metric: "households" | "communities"; stat: "start_rate" | "completion_rate";
    by: None (one level down), "prefecture" or "county" (as `metrics.summary`).
    Columns RANKING_COLUMNS: rank (1 = best, ties share a rank), rate, expected
    (the pace reference for the band), gap (rate − expected), band
    (ahead/watch/behind), rank_prev_week / rank_change_week and rank_prev_month /
    rank_change_month (positive = moved up; NA when there is no earlier week),
    delta_week (change of `started`/`completed` since last week), reported
    (communities that reported on the as-of date), source (where the region's
    figures come from: register, reported (its own totals table), both, none). Empty frame if there are no
    child regions. `df.attrs` holds as_of, prev_week, prev_month, expected_share.
    """
    if stat not in STATS:
        raise ValueError(f"stat must be one of {STATS}")
    prog = metrics.get_programme(store, programme)
    s = metrics.summary(store, prog.id, region=region, as_of=as_of, by=by)
    day = date.fromisoformat(s["as_of"])
    prev, month, _ = _dates(store, prog.id, day)
    df = _frame(s, metric, stat)
    if df.empty:
        out = pd.DataFrame(columns=list(RANKING_COLUMNS))
        out.attrs.update(as_of=day, prev_week=prev, prev_month=month, expected_share=s["expected_share"])
        return out
    if stat == "start_rate":
        expected = s["expected_share"]
    else:
        expected = s["totals"][metric]["completion_rate"] or 0.0
    df["expected"] = expected
    df["gap"] = df["rate"] - expected
    df["band"] = [bands.classify(r, expected) for r in df["rate"]]
    df["rank"] = _ranks(df["rate"])
    count_col = "started" if stat == "start_rate" else "completed"
    for label, when in (("week", prev), ("month", month)):
        if when is None:
            df[f"rank_prev_{label}"] = pd.array([pd.NA] * len(df), dtype="Int64")
            if label == "week":
                df["delta_week"] = pd.array([pd.NA] * len(df), dtype="Int64")
            continue
        old = _frame(metrics.summary(store, prog.id, region=region, as_of=when, by=by), metric, stat)
        old["rank_old"] = _ranks(old["rate"])
        merged = df[["adcode"]].merge(old[["adcode", "rank_old", count_col]], on="adcode", how="left")
        df[f"rank_prev_{label}"] = merged["rank_old"].astype("Int64").values
        if label == "week":
            df["delta_week"] = (df[count_col].astype("float64") - merged[count_col].astype("float64").values)
    df["rank_change_week"] = (df["rank_prev_week"] - df["rank"]).astype("Int64")
    df["rank_change_month"] = (df["rank_prev_month"] - df["rank"]).astype("Int64")
    df = df.sort_values(["rank", "adcode"], na_position="last").reset_index(drop=True)
    out = df[list(RANKING_COLUMNS)]
    out.attrs.update(as_of=day, prev_week=prev, prev_month=month, expected_share=s["expected_share"],
                     stat=stat, metric=metric)
    return out


def pace_lists(store: Store, programme: int | str, region: str | None = None, as_of: str | date | None = None,
               metric: str = "households", by: str | None = None,
               bands: Bands = DEFAULT_BANDS, ranked: pd.DataFrame | None = None) -> dict[str, list[dict]]:
    """The lists the dispatch and the bulletin name, by start rate against the pace.

    Returns {"ahead": [...], "behind": [...], "no_movement": [...], "not_reported": [...]};
    each entry is a dict with adcode, name, short_name, rate, expected, started,
    completed, target. ``ahead``/``behind`` are the bands of `ranking`
    (best first / worst first); ``no_movement``: neither starts nor completions
    changed over the last two reporting weeks while communities remain to be
    started (started < registered); ``not_reported``: registered communities
    but none reported on the as-of date. `ranked`: the start-rate `ranking` of the same arguments, when
    the caller has it already (three summaries not computed again).
    """
    df = ranked if ranked is not None else ranking(store, programme, region, as_of, metric=metric,
                                                   stat="start_rate", by=by, bands=bands)
    out: dict[str, list[dict]] = {"ahead": [], "behind": [], "no_movement": [], "not_reported": []}
    if df.empty:
        return out
    keep = ["adcode", "name", "short_name", "rate", "expected", "started", "completed", "target"]

    def rows(frame: pd.DataFrame) -> list[dict]:
        return [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in frame[keep].to_dict("records")]

    out["ahead"] = rows(df[df["band"] == "ahead"])
    out["behind"] = rows(df[df["band"] == "behind"].sort_values("rate"))
    out["not_reported"] = rows(df[(df["reported"] == 0) & (df["registered_communities"] > 0)])
    prog = metrics.get_programme(store, programme)
    _, _, two = _dates(store, prog.id, df.attrs["as_of"])
    if two is not None:
        old = metrics.summary_frame(metrics.summary(store, prog.id, region=region, as_of=two, by=by), metric)
        m = df.merge(old[["adcode", "started", "completed"]], on="adcode", suffixes=("", "_old"))
        still = ((m["started"] == m["started_old"]) & (m["completed"] == m["completed_old"])
                 & (m["started"] < m["registered"]))
        out["no_movement"] = rows(m[still])
    return out


def board(store: Store, programme: int | str, region: str | None = None, as_of: str | date | None = None,
          metric: str = "households", stat: str = "start_rate", by: str | None = None,
          bands: Bands = DEFAULT_BANDS) -> dict:
    """What the rankings screen shows, computed together: {"ranking": `ranking(...)`, "lists":
    `pace_lists(...)`}. The lists are by start rate; with `stat` the start rate they reuse the ranking."""
    df = ranking(store, programme, region, as_of, metric=metric, stat=stat, by=by, bands=bands)
    lists = pace_lists(store, programme, region, as_of, metric=metric, by=by, bands=bands,
                       ranked=df if stat == "start_rate" else None)
    return {"ranking": df, "lists": lists}
