"""Map: county choropleth of the chosen rate, community points on top; click a county to drill down."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.domain import regions
from lib.domain.errors import UserError
from lib.figures import metrics
from lib.office import fmt
from lib.present import maps
from lib.present.i18n import plain, t
from pages._ui import store, widgets
from pages._ui.filters import drill_to, sidebar_filters

f = sidebar_filters()
L = f.lang
try:
    s = store.summary(f.programme, f.region, f.as_of, by="county")
except UserError as e:
    widgets.show_user_error(e)
    st.stop()

stat_label = t(f"kpi.{f.stat}", L)
widgets.page_header(t("map.title" if s["children"] else "map.title_county", L, region=s["name"], stat=stat_label),
                    s, L, t(f"metric.{f.metric}", L))
if s["totals"]["reported_this_week"] == 0 and s["totals"]["communities"]["registered"] and \
        store.report_dates(f.programme):
    st.warning(t("dash.no_reports_week", L, region=plain(s["name"]), week=s["as_of"]))

# A county is drawn on its own; a larger region as its counties.
rows = s["children"] or [{"adcode": s["adcode"], "name": s["name"], "totals": s["totals"]}]


# the classes are measured against the pace (starts) or the region's own rate (completions)
reference = s["expected_share"] if f.stat == "start_rate" else s["totals"][f.metric]["completion_rate"]


cfg = store.settings()
# a county: zoom to its communities (they cluster around the county seat); larger regions: fit the counties
# fitted to the width the map is drawn at (a phone sees the whole province, Xining and Haidong included)
HEIGHT = 640
# the map column is about 700 px on a 1366-px laptop beside the legend: fit to that on every desktop, so
# the whole region is in view there (a 1920-px projector shows it a little smaller than it could)
width = maps.map_width(st.context.headers.get("User-Agent"), wide=700)
height = min(HEIGHT, 460) if width <= maps.PHONE_WIDTH else HEIGHT
label_px = 16 if f.projector else (11 if width <= maps.PHONE_WIDTH else 13)
viewer_key = (f.viewer.role, f.viewer.scope_adcode, f.viewer.username)  # the points a viewer may see
map_key = (f.programme, f.region, s["as_of"], f.stat, f.metric, L, reference)


def _features() -> dict:
    return maps.county_features(rows, f.stat, f.metric, L, reference=reference)


def _points():
    register = store.cached(metrics.register_table, f.programme, s["as_of"], f.region, viewer=f.viewer,
                            located_only=True)  # the points: communities with coordinates only
    return maps.community_points(register, L)


features = store.shared("map.features", map_key, _features)
points = store.shared("map.points", (*map_key[:3], L, viewer_key), _points)


def _deck():
    view = maps.view_for_points(points, width, height) if not s["children"] and not points.empty else \
        maps.view_for([r["adcode"] for r in rows], width, height)
    return maps.deck(features, points, basemap_style_url=cfg.basemap_style_url, view=view,
                     label_px=label_px).freeze()


# one deck, its JSON taken once, for every viewer of the same map at the same size
deck = store.shared("map.deck", (*map_key, viewer_key, width, height, label_px, cfg.basemap_style_url), _deck)


def swatch_list(items: list[tuple[str, str]], shape: str, testid: str = "") -> str:
    rows_ = "".join(f'<div style="display:flex;align-items:center;gap:.5em;margin:.25em 0">'
                    f'<span style="display:inline-block;{shape};background:{colour}"></span>'
                    f'<span>{label}</span></div>' for label, colour in items)
    return f'<div data-testid="{testid}">{rows_}</div>' if testid else rows_


left, right = st.columns([4, 1.4])
with left:
    event = st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", height=height,
                            key=f"map_{f.region}")  # same widget across metric changes: no WebGL re-init
    picked = maps.selected_adcode(getattr(event, "selection", None))
    if picked and picked != f.region and regions.get(picked).is_county:
        drill_to(picked)
with right:
    st.markdown(f"**{t('map.legend', L, stat=stat_label)}**")
    st.caption(maps.reference_line(L, reference, f.stat, s["name"]))
    st.markdown(swatch_list(maps.legend(L, reference, f.stat), "flex:none;width:1.6em;height:1.1em;"
                            "border:1px solid #777", "map-legend"), unsafe_allow_html=True)
    st.markdown("&nbsp;")
    st.markdown(swatch_list(maps.point_legend(L), "width:.8em;height:.8em;border-radius:50%"),
                unsafe_allow_html=True)
st.caption(t("map.hint", L))
unplaced = maps.unplaced_note(features, L)  # zones and new divisions without a boundary
if unplaced:
    st.caption(unplaced)
if points.empty:
    st.caption(t("map.no_coords", L))
if not cfg.basemap_style_url:
    st.caption(t("map.offline", L))

# --- the figures behind the colours ---------------------------------------------------------
st.subheader(t("map.table", L))
table = pd.DataFrame([{
    t("col.region", L): r["name"],
    t("col.target", L): r["totals"][f.metric]["target"],
    t("col.started", L): r["totals"][f.metric]["started"],
    t("col.completed", L): r["totals"][f.metric]["completed"],
    t("kpi.start_rate", L): r["totals"][f.metric]["start_rate"],
    t("kpi.completion_rate", L): r["totals"][f.metric]["completion_rate"],
    t("col.reported", L): r["totals"]["reported_this_week"],
} for r in rows])
shown = table.copy()
for col in (t("kpi.start_rate", L), t("kpi.completion_rate", L)):
    shown[col] = shown[col].map(fmt.pct)
widgets.table(shown, "map_table_view", [t("col.region", L), t("kpi.start_rate", L), t("col.started", L)],
              hide_index=True, width="stretch")
widgets.download_table(table, f"map_{f.region}_{s['as_of']}", "map_table", L)
