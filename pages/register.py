"""Register: every community with its latest stage and figures; pick one to open its page."""

from __future__ import annotations

import streamlit as st

from lib.domain import vocabulary
from lib.domain.errors import UserError
from lib.figures import metrics, search
from lib.present import exports
from lib.present.i18n import stage_name, t
from pages._ui import store, widgets
from pages._ui.filters import sidebar_filters

f = sidebar_filters()
L = f.lang
try:
    s = store.summary(f.programme, f.region, f.as_of)
    reg = store.cached(metrics.register_table, f.programme, s["as_of"], f.region, viewer=f.viewer)
except UserError as e:
    widgets.show_user_error(e)
    st.stop()

widgets.page_header(f"{t('nav.register', L)} · {s['name']}", s, L)

c1, c2 = st.columns([2, 3])
query = c1.text_input(t("register.search", L), key="q", bind="query-params").strip()
stages = c2.multiselect(t("register.stage", L), [x.zh for x in vocabulary.STAGES], key="stages",
                        placeholder=t("register.all_stages", L), format_func=lambda z: stage_name(z, L))

view = reg
if query:  # code, name, street, community or address through the bigram index; or the county's name
    hits = store.cached(search.find_ids, f.programme, query)
    view = view[view["id"].isin(hits) | view["county"].fillna("").str.contains(query, case=False, regex=False)]
if stages:
    view = view[view["stage"].isin(stages)]

st.caption(t("register.count", L, n=len(view)))
if view.empty:
    st.info(t("register.empty", L))
    st.stop()

# On screen the columns a register is read by, so that it fits a 1920-px desk without scrolling sideways
# (prefecture, community, buildings, lifts and plan years are in the download and on each community's page)
cols = ["code", "name", "county", "street", "households", "year_built", "stage", "progress_pct", "report_date",
        "invested_wan", "paid_wan"] + (["pilot"] if view["pilot"].any() else [])
if not f.public:
    cols.append("problems")
shown = widgets.labelled(view.assign(stage=view["stage"].map(lambda z: stage_name(z, L)),
                                     pilot=view["pilot"].map(lambda v: t("yes", L) if v else "")),
                         {c: f"field.{c}" for c in cols}, L)
event = widgets.table(shown, "register_table", [t(f"field.{c}", L) for c in ("name", "stage")],
                      hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row", height=560,
                     column_config={t("field.progress_pct", L):
                                    st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%")})
st.caption(t("register.open", L))
widgets.download_table(exports.register_for_export(view, viewer=f.viewer), f"register_{f.region}_{s['as_of']}",
                       "register_dl", L)
rows = getattr(getattr(event, "selection", None), "rows", None) or []
if rows:
    st.session_state["community"] = int(view["id"].iloc[rows[0]])
    st.switch_page("pages/community.py", query_params={"c": str(int(view["id"].iloc[rows[0]]))})
