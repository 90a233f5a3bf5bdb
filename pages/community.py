"""One community: its register record, its weekly history and the uploads that touched it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.present import charts
from lib.office import fmt
from lib.domain.errors import UserError
from lib.figures import trends
from lib.present.i18n import t
from pages import _shared as ui

f = ui.sidebar_filters()
L = f.lang
cid = st.query_params.get("c") or st.session_state.get("community")
if not cid or not str(cid).isdigit():
    st.info(t("community.pick", L))
    st.page_link("pages/register.py", label=t("community.back", L), icon=":material/table_view:")
    st.stop()
try:
    d = ui.cached(trends.community_detail, int(cid), viewer=f.viewer)
except UserError as e:
    ui.show_user_error(e)
    st.stop()
st.session_state["community"] = int(cid)
rec, hist, ups = d["record"], d["history"], d["uploads"]
# A shared link may point outside the current filters: the community is shown anyway.

st.page_link("pages/register.py", label=t("community.back", L), icon=":material/arrow_back:")
st.title(rec["name"])
st.caption(f"{rec['path']} · {rec['code']}")

latest = hist[hist["active"]] if not hist.empty else hist
last = latest.iloc[-1] if not latest.empty else None
c = st.columns(5)
c[0].metric("当前阶段" if L == "zh" else "Stage",
            (last["stage_zh"] if L == "zh" else last["stage_en"]) if last is not None else ("计划" if L == "zh" else "Planned"))
c[1].metric("形象进度" if L == "zh" else "Progress", f"{last['progress_pct']:.0f}%" if last is not None and
            pd.notna(last["progress_pct"]) else "—")
c[2].metric("户数" if L == "zh" else "Households", fmt.exact(rec["households"]))
c[3].metric(t("kpi.invested", L), fmt.money_wan(last["invested_wan"], L) if last is not None else "—")
c[4].metric(t("kpi.paid", L), fmt.money_wan(last["paid_wan"], L) if last is not None else "—")

st.subheader(t("community.history", L))
ui.chart(charts.community_history(latest, L), "history", png_name=f"community_{rec['code']}")

st.subheader(t("community.record", L))
fields = [("项目编号", "Code", rec["code"]), ("街道 / 社区", "Street / community", f"{rec['street'] or '—'} / {rec['community'] or '—'}"),
          ("地址", "Address", rec["address"] or "—"), ("建成年份", "Built", rec["year_built"] or "—"),
          ("楼栋数", "Buildings", rec["buildings"] or "—"), ("建筑面积（万m²）", "Floor area (10k m²)", rec["floor_area_wan_m2"] or "—"),
          ("计划投资", "Planned investment", fmt.money_wan(rec["planned_investment_wan"], L)),
          ("改造内容", "Content", rec["content_zh"] or "—"), ("计划加装电梯（部）", "Lifts planned", rec["lifts_planned"] or 0),
          ("实施主体", "Implementing body", rec["implementing_body"] or "—"),
          ("计划开工 / 完工", "Planned start / finish", f"{rec['planned_start'] or '—'} / {rec['planned_finish'] or '—'}"),
          ("试点", "Pilot", ("是" if L == "zh" else "yes") if rec["pilot"] else ("否" if L == "zh" else "no"))]
if not f.public and rec.get("remarks"):
    fields.append(("备注", "Remarks", rec["remarks"]))
st.dataframe(pd.DataFrame({"项目" if L == "zh" else "Field": [a if L == "zh" else b for a, b, _ in fields],
                           "内容" if L == "zh" else "Value": [str(v) for _, _, v in fields]}),
             hide_index=True, width="stretch")

st.subheader(t("community.history", L) + ("（明细）" if L == "zh" else " (detail)"))
HISTORY_COLUMNS = {
    "report_date": ("填报日期", "report date"), "stage_zh": ("阶段", None), "stage_en": (None, "stage"),
    "progress_pct": ("形象进度（%）", "progress (%)"), "invested_wan": ("累计完成投资（万元）", "invested (10k yuan)"),
    "paid_wan": ("累计资金支付（万元）", "paid (10k yuan)"), "lifts_added": ("已加装电梯（部）", "lifts added"),
    "started_on": ("开工日期", "started on"), "finished_on": ("完工日期", "finished on"),
    "accepted_on": ("验收日期", "accepted on"), "problems": ("存在问题", "problems"),
    "is_correction": ("更正", "correction"), "active": ("有效", "active"), "reported_by": ("填报人", "reported by"),
}
i = 0 if L == "zh" else 1
names = {k: v[i] for k, v in HISTORY_COLUMNS.items() if k in hist.columns and v[i]}
table = hist[list(names)].rename(columns=names).iloc[::-1]
st.dataframe(table, hide_index=True, width="stretch")
ui.download_table(table, f"community_{rec['code']}", "community_dl", L)

st.subheader(t("community.uploads", L))
if ups.empty:
    st.caption(t("community.no_uploads", L))
else:
    st.dataframe(ups, hide_index=True, width="stretch")
