"""One community: its register record, its weekly history and the uploads that touched it."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.domain import vocabulary
from lib.domain.errors import UserError
from lib.figures import trends
from lib.office import fmt
from lib.present import charts
from lib.present.i18n import plain, stage_name, t
from pages._ui import widgets
from pages._ui.filters import sidebar_filters
from pages._ui.store import cached

f = sidebar_filters()
L = f.lang
cid = st.query_params.get("c") or st.session_state.get("community")
if not cid or not str(cid).isdigit():
    st.info(t("community.pick", L))
    st.page_link("pages/register.py", label=t("community.back", L), icon=":material/table_view:")
    st.stop()
try:
    d = cached(trends.community_detail, int(cid), viewer=f.viewer)
except UserError as e:
    widgets.show_user_error(e)
    st.stop()
st.session_state["community"] = int(cid)
rec, hist, ups = d["record"], d["history"], d["uploads"]
# A shared link may point outside the current filters: the community is shown anyway.

st.page_link("pages/register.py", label=t("community.back", L), icon=":material/arrow_back:")
st.title(plain(rec["name"]))
st.caption(plain(f"{rec['path']} · {rec['code']}"))

latest = hist[hist["active"]] if not hist.empty else hist
last = latest.iloc[-1] if not latest.empty else None
c = st.columns(5)
c[0].metric(t("community.stage", L), stage_name(last["stage_zh"] if last is not None else
                                                vocabulary.STAGE_BY_CODE["plan"].zh, L))
c[1].metric(t("community.progress", L), f"{last['progress_pct']:.0f}%" if last is not None and
            pd.notna(last["progress_pct"]) else "—")
c[2].metric(t("community.households", L), fmt.exact(rec["households"]))
c[3].metric(t("kpi.invested", L), fmt.money_wan(last["invested_wan"], L) if last is not None else "—")
c[4].metric(t("kpi.paid", L), fmt.money_wan(last["paid_wan"], L) if last is not None else "—")

st.subheader(t("community.history", L))
widgets.chart(charts.community_history(latest, L), "history", png_name=f"community_{rec['code']}")

st.subheader(t("community.record", L))
content = [t(f"content.item.{code}", L) for code in (rec["content"] or "").split(",")
           if code in vocabulary.CONTENT_BY_CODE]
fields = [("code", rec["code"]),
          ("street_community", f"{rec['street'] or '—'} / {rec['community'] or '—'}"),
          ("address", rec["address"] or "—"), ("year_built", rec["year_built"] or "—"),
          ("buildings", rec["buildings"] or "—"), ("floor_area", rec["floor_area_wan_m2"] or "—"),
          ("planned_investment", fmt.money_wan(rec["planned_investment_wan"], L)),
          ("content", t("list.separator", L).join(content) or "—"),
          ("lifts_planned", rec["lifts_planned"] or 0), ("implementing_body", rec["implementing_body"] or "—"),
          ("planned_dates", f"{rec['planned_start'] or '—'} / {rec['planned_finish'] or '—'}"),
          ("pilot", t("yes" if rec["pilot"] else "no", L))]
if not f.public and rec.get("remarks"):
    fields.append(("remarks", rec["remarks"]))
st.dataframe(pd.DataFrame({t("community.field", L): [t(f"community.record.{k}", L) for k, _ in fields],
                           t("community.value", L): [str(v) for _, v in fields]}),
             hide_index=True, width="stretch")

st.subheader(t("community.history_detail", L))
history = hist.assign(stage=[stage_name(z, L) for z in hist["stage_zh"]],
                      is_correction=hist["is_correction"].map(lambda v: t("yes" if v else "no", L)),
                      active=hist["active"].map(lambda v: t("yes" if v else "no", L)))
table = widgets.labelled(history, {c: f"community.col.{c}" for c in (
    "report_date", "stage", "progress_pct", "invested_wan", "paid_wan", "lifts_added", "started_on", "finished_on",
    "accepted_on", "problems", "is_correction", "active", "reported_by")}, L).iloc[::-1]
st.dataframe(table, hide_index=True, width="stretch")
widgets.download_table(table, f"community_{rec['code']}", "community_dl", L)

st.subheader(t("community.uploads", L))
if ups.empty:
    st.caption(t("community.no_uploads", L))
else:
    ups = ups.assign(kind=[t(f"upload.kind.{k}", L) for k in ups["kind"]],
                     status=[t(f"upload.status.{s}", L) for s in ups["status"]])
    st.dataframe(widgets.labelled(ups, {c: f"upload.hist.{c}" for c in ups.columns}, L), hide_index=True,
                 width="stretch")
