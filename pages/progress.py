"""Progress over time: cumulative starts and completions per week against target and the season's pace."""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib.domain import regions
from lib.domain.errors import UserError
from lib.figures import trends
from lib.present import charts
from lib.present.i18n import t
from pages._ui import store, widgets
from pages._ui.filters import sidebar_filters

f = sidebar_filters()
L = f.lang
try:
    s = store.summary(f.programme, f.region, f.as_of)
    series = store.cached(trends.weekly_series, f.programme, f.region)
except UserError as e:
    widgets.show_user_error(e)
    st.stop()

widgets.page_header(t("progress.title", L, region=s["name"]), s, L, t(f"metric.{f.metric}", L))
if series.empty:
    st.info(t("progress.no_reports", L))
    st.stop()

day = date.fromisoformat(s["as_of"])
one = trends.with_rates(series, f.metric)
one = one[one["week"] <= day]
widgets.chart(charts.pace(one, f.metric, L, large=f.projector), "pace", png_name=f"progress_{f.region}_{s['as_of']}",
              png_title=t("figure.titled_as_of", L, title=t("progress.title", L, region=s["name"]), day=s["as_of"]))

has_children = bool(regions.children(f.region))
if has_children and st.toggle(t("progress.compare", L), key="compare", bind="query-params"):
    kids = trends.with_rates(store.cached(trends.weekly_series, f.programme, f.region, by="children"), f.metric)
    kids = kids[kids["week"] <= day]
    widgets.chart(charts.children_rates(kids, f.stat, L, large=f.projector), "children",
                  png_name=f"progress_children_{f.region}_{s['as_of']}")

st.subheader(t("progress.table", L))
table = widgets.labelled(one, {
    "week": "filter.as_of", "target": "col.target", "expected": "kpi.expected", "started": "col.started",
    "completed": "col.completed", "start_rate": "kpi.start_rate", "completion_rate": "kpi.completion_rate",
    "invested_wan": "col.invested", "paid_wan": "col.paid", "reported": "col.reported"}, L).iloc[::-1]
table[t("kpi.expected", L)] = table[t("kpi.expected", L)].round(0)
# one format per kind of number, every row alike: counts with thousands separators, rates to one decimal
# of a percent, money (万元) to one decimal
counts = [t(k, L) for k in ("col.target", "kpi.expected", "col.started", "col.completed", "col.reported")]
rates = [t(k, L) for k in ("kpi.start_rate", "kpi.completion_rate")]
money = [t(k, L) for k in ("col.invested", "col.paid")]
shown = table.copy()
for c in rates:
    shown[c] = (shown[c].astype("float64") * 100).round(1)
for c in money:
    shown[c] = shown[c].astype("float64").round(1)
widgets.table(shown, "progress_table", [t("filter.as_of", L), t("col.started", L), t("kpi.start_rate", L)],
              hide_index=True, width="stretch", column_config={
    **{c: st.column_config.NumberColumn(format="localized") for c in counts},
    **{c: st.column_config.NumberColumn(format="%.1f%%") for c in rates},
    **{c: st.column_config.NumberColumn(format="%.1f") for c in money}})
widgets.download_table(table, f"progress_{f.region}_{s['as_of']}", "progress_dl", L)
