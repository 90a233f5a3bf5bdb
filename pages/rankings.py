"""Rankings: prefectures or counties by the chosen rate, rank changes, pace bands, the bulletin's lists."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lib.domain import regions
from lib.domain.errors import UserError
from lib.figures import asof
from lib.figures import rankings
from lib.office import fmt
from lib.present import charts
from lib.present.i18n import plain, t, week_label
from pages._ui import store, widgets
from pages._ui.filters import drill_to, sidebar_filters

f = sidebar_filters()
L = f.lang
here = regions.get(f.region)
scope, highlight = f.region, None
top = next(p["region"]["adcode"] for p in store.programmes() if p["id"] == f.programme)
if here.is_county and here.parent and here.level == "county" and f.region != top:
    scope, highlight = here.parent, f.region  # a county: its place among its neighbours

head = st.container()  # the title goes above the controls, once the figures are known
by = None
if regions.get(scope).level == "province":
    by = st.segmented_control(t("rank.by", L), ["prefecture", "county"], default="prefecture", required=True,
                              key="rank_by", bind="query-params",
                              format_func=lambda v: t(f"level.{v}", L)) or "prefecture"
level = by or "county"

with st.expander(t("rank.thresholds", L)):
    c1, c2 = st.columns(2)
    ahead = c1.number_input(t("rank.ahead_ratio", L), 0.5, 2.0, rankings.DEFAULT_BANDS.ahead, 0.05, key="band_ahead")
    behind = c2.number_input(t("rank.behind_ratio", L), 0.1, 1.5, rankings.DEFAULT_BANDS.behind, 0.05,
                             key="band_behind")
bands = rankings.Bands(ahead=ahead, behind=min(behind, ahead))

try:
    shown = store.cached(rankings.board, f.programme, scope, f.as_of, metric=f.metric, stat=f.stat, by=by,
                         bands=bands)  # the ranking and the bulletin's lists in one pass
    df, lists = shown["ranking"], shown["lists"]
    s = store.summary(f.programme, scope, f.as_of)
except UserError as e:
    widgets.show_user_error(e)
    st.stop()

stat_label = t(f"kpi.{f.stat}", L)
ref = df["expected"].iloc[0] if not df.empty else s["expected_share"]
with head:
    if df.empty:  # a county's own programme: nothing below it to rank
        st.title(t("rank.title_alone", L, region=plain(s["name"]), stat=stat_label))
    else:
        st.title(t("rank.title", L, region=plain(s["name"]), level=t(f"level.{level}", L), stat=stat_label))
    widgets.demo_banner(s["demo"], L)
    note = (t("rank.reference_start", L, pace=fmt.pct(ref)) if f.stat == "start_rate" else
            t("rank.reference_completion", L, region=s["name"], pace=fmt.pct(ref)))
    st.caption(t("dash.as_of", L, week=week_label(s["as_of"], L)) + " · " + t(f"metric.{f.metric}", L)
               + " · " + note)
    if highlight:
        st.info(t("rank.county_selected", L, parent=plain(s["name"])))


def arrow(v) -> str:
    if v is None or pd.isna(v):
        return "—"
    v = int(v)
    return f"▲{v}" if v > 0 else f"▼{-v}" if v < 0 else t("rank.unchanged", L)


if df.empty:
    st.info(t("overview.no_children", L))
    st.stop()

table = pd.DataFrame({
    t("col.rank", L): df["rank"],
    t("col.region", L): [("👉 " if a == highlight else "") + n for a, n in zip(df["adcode"], df["name"])],
    t("col.rate", L): [fmt.pct(v) if pd.notna(v) else "—" for v in df["rate"]],
    t("col.band", L): [charts.pace_class_label(r, e, L) for r, e in zip(df["rate"], df["expected"])],
    t("col.change_week", L): [arrow(v) for v in df["rank_change_week"]],
    t("col.change_month", L): [arrow(v) for v in df["rank_change_month"]],
    t("col.target", L): df["target"],
    t("col.started" if f.stat == "start_rate" else "col.completed", L):
        df["started" if f.stat == "start_rate" else "completed"],
    t("col.delta_week", L): df["delta_week"],
    t("col.reported", L): df["reported"],
})
if (df["source"].isin(["reported", "both"])).any():  # a region's own totals table stands in for its register
    table[t("col.source", L)] = [t(f"source.{v}", L) for v in df["source"]]
fig = store.shared("rankings.bars", (f.programme, scope, f.as_of, f.metric, f.stat, by, bands.ahead, bands.behind,
                                    L, f.projector), lambda: charts.freeze(charts.ranking_bars(df, L, large=f.projector)))
ev = widgets.chart(fig, f"rank_bars_{scope}_{by}_{f.stat}", png_name=f"ranking_{scope}_{s['as_of']}", on_select="rerun")
pts = (getattr(getattr(ev, "selection", None), "points", None) or []) if ev is not None else []
if pts:
    cd = pts[0].get("customdata")
    pick = (cd[0] if isinstance(cd, (list, tuple)) else cd) if cd else None
    if pick and pick != f.region:
        drill_to(pick)

event = widgets.table(table, f"rank_table_{scope}_{by}_{f.stat}",
                      [t("col.region", L), t("col.rate", L), t("col.band", L)],
                      hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                      height=min(35 * (len(table) + 1) + 3, 820))
st.caption(t("rank.click", L))
rows = getattr(getattr(event, "selection", None), "rows", None) or []
if rows:
    pick = df["adcode"].iloc[rows[0]]
    if pick != f.region:
        drill_to(pick)
export = df.drop(columns=["registered_communities"]).copy()
export.insert(3, "band_label", [charts.pace_class_label(r, e, L) for r, e in zip(df["rate"], df["expected"])])
widgets.download_table(export, f"ranking_{scope}_{level}_{f.stat}_{s['as_of']}", "rank_dl", L)

# --- the lists the dispatch and the bulletin name --------------------------------------------------
closed = store.cached(asof.closed_week, f.programme)  # once per data version, not once per week asked
week_closed = f.as_of is None or (closed is not None and date.fromisoformat(f.as_of) <= closed)
cols = st.columns(4)
for col, key in zip(cols, ("ahead", "behind", "no_movement", "not_reported")):
    with col:
        st.markdown(t("rank.list_heading", L, name=t("rank." + key, L), n=len(lists[key]) if week_closed or
                      key != "not_reported" else "…"))
        if key == "not_reported" and not week_closed:  # nobody is named late for a week still being reported
            st.caption(t("rank.week_open", L))
        elif lists[key]:
            st.markdown("\n".join(f"- {plain(r['name'])} · {fmt.pct(r['rate'])}" for r in lists[key]))
        else:
            st.caption(t("rank.none", L))
