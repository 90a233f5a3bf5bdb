"""Register: every community with its latest stage and figures; pick one to open its page."""

from __future__ import annotations

import streamlit as st

from lib.domain import vocabulary
from lib.present import exports
from lib.domain.errors import UserError
from lib.figures import metrics
from lib.present.i18n import t
from lib.figures.metrics import REGISTER_COLUMNS
from pages import _shared as ui

f = ui.sidebar_filters()
L = f.lang
try:
    s = ui.summary(f.programme, f.region, f.as_of)
    reg = ui.cached(metrics.register_table, f.programme, s["as_of"], f.region, viewer=f.viewer)
except UserError as e:
    ui.show_user_error(e)
    st.stop()

ui.page_header(f"{t('nav.register', L)} · {s['name']}", s, L)

c1, c2 = st.columns([2, 3])
query = c1.text_input(t("register.search", L), key="q", bind="query-params").strip()
stage_names = [x.zh for x in vocabulary.STAGES]
stages = c2.multiselect(t("register.stage", L), stage_names, key="stages",
                        placeholder="全部阶段" if L == "zh" else "All stages",
                        format_func=lambda z: z if L == "zh" else next(x.en for x in vocabulary.STAGES if x.zh == z))

view = reg
if query:
    hay = (view["code"].fillna("") + " " + view["name"].fillna("") + " " + view["street"].fillna("") + " "
           + view["community"].fillna("") + " " + view["address"].fillna("") + " " + view["county"].fillna(""))
    view = view[hay.str.contains(query, case=False, regex=False)]
if stages:
    view = view[view["stage"].isin(stages)]

st.caption(t("register.count", L, n=len(view)))
if view.empty:
    st.info(t("register.empty", L))
    st.stop()

cols = ["code", "name", "prefecture", "county", "street", "community", "households", "buildings", "year_built",
        "stage", "progress_pct", "report_date", "invested_wan", "paid_wan", "lifts_added", "plan_years", "pilot"]
if not f.public:
    cols.append("problems")
shown = view[cols].rename(columns={**REGISTER_COLUMNS, "problems": "存在问题"} if L == "zh" else {})
event = st.dataframe(shown, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                     key="register_table", height=560,
                     column_config={REGISTER_COLUMNS["progress_pct"] if L == "zh" else "progress_pct":
                                    st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f%%")})
st.caption(t("register.open", L))
ui.download_table(exports.register_for_export(view, viewer=f.viewer), f"register_{f.region}_{s['as_of']}",
                  "register_dl", L)
rows = getattr(getattr(event, "selection", None), "rows", None) or []
if rows:
    st.session_state["community"] = int(view["id"].iloc[rows[0]])
    st.switch_page("pages/community.py", query_params={"c": str(int(view["id"].iloc[rows[0]]))})
