"""Content and funding: what is being renovated, where the money comes from, the programme's subsidy standard."""

from __future__ import annotations

import streamlit as st

from lib.domain.errors import UserError
from lib.figures import content
from lib.figures import sourcedoc
from lib.office import fmt
from lib.present import charts
from lib.present.i18n import t
from pages._ui import store, widgets
from pages._ui.filters import sidebar_filters

f = sidebar_filters()
L = f.lang
try:
    s = store.summary(f.programme, f.region, f.as_of)
    items = store.cached(content.content_table, f.programme, f.region, s["as_of"])
    lifts = store.cached(content.lifts, f.programme, f.region, s["as_of"])
    funds = store.cached(content.funding_table, f.programme, f.region, s["as_of"])
    subsidy = store.cached(content.subsidy_check, f.programme, f.region, s["as_of"])
except UserError as e:
    widgets.show_user_error(e)
    st.stop()

widgets.page_header(f"{t('nav.content', L)} · {s['name']}", s, L)

# --- what is being renovated ---------------------------------------------------------------------
st.subheader(t("content.title", L))
if items.empty:
    st.info(t("content.empty", L))
else:
    widgets.chart(charts.content_bars(items, L, large=f.projector), "content",
                  png_name=f"content_{f.region}_{s['as_of']}")
    named = items.assign(category=[t(f"content.category.{c}", L) for c in items["category"]],
                         item=[t(f"content.item.{c}", L) for c in items["code"]])
    table = widgets.labelled(named, {
        "category": "content.col.category", "item": "content.col.item", "communities": "content.col.communities",
        "households": "content.col.households", "started": "content.col.started",
        "completed": "content.col.completed", "share": "content.col.share"}, L)
    with st.expander(t("content.table", L)):
        st.dataframe(table, hide_index=True, width="stretch")
        widgets.download_table(table, f"content_{f.region}_{s['as_of']}", "content_dl", L)

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
widgets.chart(charts.funding_bars(funds, L, large=f.projector), "funding",
              png_name=f"funding_{f.region}_{s['as_of']}")
ftable = widgets.labelled(funds.assign(source=[t(f"funding.{k}", L) for k in funds["key"]]), {
    "source": "content.col.source", "planned_wan": "content.col.planned_wan", "share": "content.col.funding_share"}, L)
widgets.download_table(ftable, f"funding_{f.region}", "funding_dl", L)

# --- the programme's own subsidy standard (Qinghai's document: 1.5万元/户, 15万元/部) ---------------------
st.subheader(t("content.subsidy", L))
if not subsidy["applies"]:
    st.caption(t("content.no_subsidy", L))
else:
    std = subsidy["standard"]
    st.caption(t("content.subsidy_rule", L, per_household=f"{std.get('per_household_wan', 0):g}",
                 per_lift=f"{std.get('per_lift_wan', 0):g}"))
    if subsidy["ok"]:
        st.success(t("content.subsidy_ok", L, n=fmt.exact(s["totals"]["communities"]["registered"]),
                     required=fmt.money_wan(subsidy["required_wan"], L),
                     planned=fmt.money_wan(subsidy["planned_wan"], L)), icon=":material/check_circle:")
    else:
        st.warning(t("content.subsidy_short", L, k=len(subsidy["short"]), required=fmt.money_wan(subsidy["required_wan"], L),
                     planned=fmt.money_wan(subsidy["planned_wan"], L)), icon=":material/warning:")
        short = widgets.labelled(subsidy["short"], {
            "code": "field.code", "name": "field.name", "county": "field.county", "households": "field.households",
            "lifts": "content.col.lifts", "required_wan": "content.col.required_wan",
            "planned_wan": "content.col.subsidy_planned_wan", "shortfall_wan": "content.col.shortfall_wan"}, L)
        st.dataframe(short, hide_index=True, width="stretch")
        widgets.download_table(short, f"subsidy_short_{f.region}", "subsidy_dl", L)

# --- where the programme's own document disagrees with itself (Qingtian: 395 vs 364 buildings) -----------
disagree = store.cached(sourcedoc.document_disagreements, f.programme)
if disagree:
    st.subheader(t("content.document_check", L))
    for d in disagree:
        st.warning(d["message"].pick(L), icon=":material/rule:")
