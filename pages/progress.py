"""Progress over time: cumulative starts and completions per week against target and the season's pace."""

from __future__ import annotations

from datetime import date

import streamlit as st

from lib.present import charts
from lib.domain import regions
from lib.figures import trends
from lib.domain.errors import UserError
from lib.present.i18n import t
from pages import _shared as ui

f = ui.sidebar_filters()
L = f.lang
try:
    s = ui.summary(f.programme, f.region, f.as_of)
    series = ui.cached(trends.weekly_series, f.programme, f.region)
except UserError as e:
    ui.show_user_error(e)
    st.stop()

ui.page_header(t("progress.title", L, region=s["name"]), s, L, t(f"metric.{f.metric}", L))
if series.empty:
    st.info(t("progress.no_reports", L))
    st.stop()

day = date.fromisoformat(s["as_of"])
one = trends.with_rates(series, f.metric)
one = one[one["week"] <= day]
ui.chart(charts.pace(one, f.metric, L, large=f.projector), "pace", png_name=f"progress_{f.region}_{s['as_of']}",
         png_title=f"{t('progress.title', L, region=s['name'])}（{s['as_of']}）")

has_children = bool(regions.children(f.region))
if has_children and st.toggle(t("progress.compare", L), key="compare", bind="query-params"):
    kids = trends.with_rates(ui.cached(trends.weekly_series, f.programme, f.region, by="children"), f.metric)
    kids = kids[kids["week"] <= day]
    ui.chart(charts.children_rates(kids, f.stat, L, large=f.projector), "children",
             png_name=f"progress_children_{f.region}_{s['as_of']}")

st.subheader(t("progress.table", L))
table = one[["week", "target", "expected", "started", "completed", "start_rate", "completion_rate",
             "invested_wan", "paid_wan", "reported"]].rename(columns={
    "week": t("filter.as_of", L), "target": t("col.target", L), "expected": t("kpi.expected", L),
    "started": t("col.started", L), "completed": t("col.completed", L), "start_rate": t("kpi.start_rate", L),
    "completion_rate": t("kpi.completion_rate", L), "invested_wan": t("col.invested", L),
    "paid_wan": t("col.paid", L), "reported": t("col.reported", L)}).iloc[::-1]
table[t("kpi.expected", L)] = table[t("kpi.expected", L)].round(0)
st.dataframe(table, hide_index=True, width="stretch", column_config={
    t("kpi.start_rate", L): st.column_config.NumberColumn(format="percent"),
    t("kpi.completion_rate", L): st.column_config.NumberColumn(format="percent")})
ui.download_table(table, f"progress_{f.region}_{s['as_of']}", "progress_dl", L)
