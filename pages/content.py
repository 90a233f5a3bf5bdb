"""Content and funding: what is being renovated, where the money comes from, Qinghai's subsidy standard."""

from __future__ import annotations

import streamlit as st

from lib.present import charts
from lib.office import fmt
from lib.domain.errors import UserError
from lib.figures import content
from lib.present.i18n import t
from pages import _shared as ui

f = ui.sidebar_filters()
L = f.lang
try:
    s = ui.summary(f.programme, f.region, f.as_of)
    items = ui.cached(content.content_table, f.programme, f.region, s["as_of"])
    lifts = ui.cached(content.lifts, f.programme, f.region, s["as_of"])
    funds = ui.cached(content.funding_table, f.programme, f.region, s["as_of"])
    subsidy = ui.cached(content.subsidy_check, f.programme, f.region, s["as_of"])
except UserError as e:
    ui.show_user_error(e)
    st.stop()

ui.page_header(f"{t('nav.content', L)} · {s['name']}", s, L)

# --- what is being renovated ---------------------------------------------------------------------
st.subheader(t("content.title", L))
if items.empty:
    st.info(t("content.empty", L))
else:
    ui.chart(charts.content_bars(items, L, large=f.projector), "content", png_name=f"content_{f.region}_{s['as_of']}")
    cat = {"basic": "基础类", "improvement": "完善类", "enhancement": "提升类"} if L == "zh" else \
        {"basic": "basic", "improvement": "improvement", "enhancement": "enhancement"}
    table = items.assign(category=items["category"].map(cat)).rename(columns={
        "code": "code", "category": "类别" if L == "zh" else "category", "zh": "改造内容" if L == "zh" else "item",
        "communities": "计划小区（个）" if L == "zh" else "communities",
        "households": "涉及户数（户）" if L == "zh" else "households",
        "started": "已开工小区（个）" if L == "zh" else "started", "completed": "已完工小区（个）" if L == "zh" else "completed",
        "share": "占台账小区比例" if L == "zh" else "share of register"})
    with st.expander("表格" if L == "zh" else "Table"):
        st.dataframe(table, hide_index=True, width="stretch")
        ui.download_table(table, f"content_{f.region}_{s['as_of']}", "content_dl", L)

st.subheader(t("content.lifts", L))
c = st.columns(3)
c[0].metric(t("content.lifts_planned", L), fmt.exact(lifts["planned"]))
c[1].metric(t("content.lifts_added", L), fmt.exact(lifts["added"]),
            help=fmt.pct(lifts["added"] / lifts["planned"]) if lifts["planned"] else None)
c[2].metric(t("content.lift_communities", L), fmt.exact(lifts["communities"]))

# --- where the money comes from -----------------------------------------------------------------------
st.subheader(t("content.funding", L))
inv = s["totals"]["investment_wan"]
planned, sources = funds.attrs.get("planned_investment_wan", 0.0), funds.attrs.get("funding_total_wan", 0.0)
st.markdown(t("content.funding_vs", L, planned=fmt.money_wan(planned, L), sources=fmt.money_wan(sources, L),
              invested=fmt.money_wan(inv["invested"], L), paid=fmt.money_wan(inv["paid"], L)))
if planned and sources and abs(planned - sources) > 0.5:
    st.warning(t("content.funding_mismatch", L, diff=fmt.money_wan(abs(planned - sources), L)))
ui.chart(charts.funding_bars(funds, L, large=f.projector), "funding", png_name=f"funding_{f.region}_{s['as_of']}")
ftable = funds.rename(columns={"zh": "资金来源" if L == "zh" else "source", "planned_wan": "计划（万元）" if L == "zh" else
                               "planned (10k yuan)", "share": "占比" if L == "zh" else "share"}).drop(columns=["key", "en"])
ui.download_table(ftable, f"funding_{f.region}", "funding_dl", L)

# --- Qinghai's subsidy standard ------------------------------------------------------------------------
st.subheader(t("content.subsidy", L))
if not subsidy["applies"]:
    st.caption(t("content.no_subsidy", L))
else:
    st.caption(t("content.subsidy_rule", L))
    if subsidy["ok"]:
        st.success(t("content.subsidy_ok", L, n=fmt.exact(s["totals"]["communities"]["registered"]),
                     required=fmt.money_wan(subsidy["required_wan"], L),
                     planned=fmt.money_wan(subsidy["planned_wan"], L)), icon=":material/check_circle:")
    else:
        st.warning(t("content.subsidy_short", L, k=len(subsidy["short"]), required=fmt.money_wan(subsidy["required_wan"], L),
                     planned=fmt.money_wan(subsidy["planned_wan"], L)), icon=":material/warning:")
        st.dataframe(subsidy["short"], hide_index=True, width="stretch")
        ui.download_table(subsidy["short"], f"subsidy_short_{f.region}", "subsidy_dl", L)
