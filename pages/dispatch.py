"""Weekly dispatch (周调度): the week's movement, who lags, who did not report, follow-up actions."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from lib.review import actions
from lib.figures import discipline
from lib.review import dispatch
from lib.office import fmt
from lib.figures import forecast
from lib.figures import metrics
from lib.domain import regions
from lib.domain.errors import UserError
from lib.present.i18n import t
from pages import _shared as ui
from pages._auth import current_actor

f = ui.sidebar_filters()
L = f.lang
if not f.as_of:
    st.info(t("review.no_weeks", L))
    st.stop()
store = ui.store()
week = date.fromisoformat(f.as_of)
try:
    pack = dispatch.weekly_dispatch(store, f.programme, week, region=f.region, viewer=f.viewer)
except UserError as e:
    ui.show_user_error(e)
    st.stop()

st.title(f"{t('nav.dispatch', L)} · {pack['region_name']} · {pack['week']}")
if pack["demo"]:
    ui.demo_banner(True, L)
h = pack["headline"]
cols = st.columns(4)
cols[0].metric(t("review.new_started", L), fmt.count(h["new_started_households"], "户", L),
               help=f"{fmt.exact(h['new_started_communities'])} 个小区")
cols[1].metric(t("review.new_completed", L), fmt.count(h["new_completed_households"], "户", L),
               help=f"{fmt.exact(h['new_completed_communities'])} 个小区")
cols[2].metric(t("kpi.start_rate", L), fmt.pct(h["households"]["start_rate"]),
               delta=f"{((h['households']['start_rate'] or 0) - h['expected_share']) * 100:+.1f} pt",
               help=f"{t('kpi.expected', L)} {fmt.pct(h['expected_share'])}")
cols[3].metric(t("review.new_invested", L), fmt.money_wan(h["new_invested_wan"], L))
c1, c2 = st.columns(2)
c1.download_button(t("review.download_xlsx", L), dispatch.dispatch_xlsx(pack), f"周调度-{pack['week']}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
c2.download_button(t("review.download_docx", L), dispatch.dispatch_docx(pack), f"周调度-{pack['week']}.docx",
                   mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document")

tabs = st.tabs([t("review.counties", L), t("review.attention", L), t("review.discipline", L),
                t("review.actions", L), t("review.forecast", L)])
with tabs[0]:
    st.dataframe(dispatch.county_sheet(pack), hide_index=True, width="stretch")
with tabs[1]:
    st.subheader(t("review.behind", L))
    st.dataframe(dispatch._list_frame(pack["behind"]), hide_index=True)
    st.subheader(t("review.no_movement", L))
    st.dataframe(dispatch._list_frame(pack["no_movement_counties"]), hide_index=True)
    st.subheader(t("review.stalled", L))
    st.dataframe(dispatch.stalled_sheet(pack), hide_index=True)
    if not f.public:
        st.subheader(t("review.problems", L))
        st.dataframe(dispatch.problems_sheet(pack), hide_index=True)
with tabs[2]:
    prog = metrics.get_programme(store, f.programme)
    st.caption(f"{t('review.calendar', L)}：{discipline.calendar_text(prog)}。"
               "未经上传、由系统生成的填报（演示数据）视为按时报送。")
    st.subheader(t("review.not_reported", L))
    st.dataframe(dispatch.reporting_sheet(pack), hide_index=True)
    st.subheader(t("review.record", L))
    rec = discipline.county_record(store, f.programme, week, region=f.region)
    st.dataframe(rec.rename(columns={"prefecture": "市（州）", "name": "县（市、区）", "weeks": "应报周数",
                                     "on_time": "按时", "late": "逾期", "missing": "未报", "timeliness": "及时率",
                                     "completeness": "平均完整率", "last_missing": "最近未报"})
                 .drop(columns=["adcode"]), hide_index=True,
                 column_config={"及时率": st.column_config.NumberColumn(format="percent"),
                                "平均完整率": st.column_config.NumberColumn(format="percent")})
with tabs[3]:
    st.dataframe(dispatch.actions_sheet(pack), hide_index=True)
    actor = current_actor()
    if f.public or not actor.is_staff:
        st.caption(t("review.sign_in_to_act", L))
    else:
        counties = [c.adcode for c in regions.counties_in(f.region)]
        with st.form("new_action", clear_on_submit=True):
            st.markdown(f"**{t('review.action_new', L)}**")
            title = st.text_input(t("review.action_title", L), key="action_title")
            region = st.selectbox(t("review.action_region", L), ["", *counties], key="action_region",
                                  format_func=lambda a: "—" if not a else regions.get(a).name)
            owner = st.text_input(t("review.action_owner", L), key="action_owner")
            due = st.date_input(t("review.action_deadline", L), value=week + timedelta(days=7), key="action_due")
            if st.form_submit_button(t("review.action_save", L)):
                try:
                    actions.add(store, f.programme, week=week, title=title, actor=actor, region=region or None,
                                owner=owner, deadline=due)
                    st.success(t("review.action_saved", L))
                    st.rerun()
                except UserError as e:
                    ui.show_user_error(e)
        open_ids = [a["id"] for a in pack["actions"]]
        if open_ids:
            c1, c2 = st.columns([3, 1])
            pick = c1.selectbox(t("review.action_close", L), open_ids, key="action_close_id",
                                format_func=lambda i: next(f"{a['id']}. {a['title']}" for a in pack["actions"] if a["id"] == i))
            if c2.button(t("review.action_close", L), key="action_close_btn"):
                try:
                    actions.close(store, pick, actor=actor)
                    st.success(t("review.action_closed", L))
                    st.rerun()
                except UserError as e:
                    ui.show_user_error(e)
with tabs[4]:
    fc = forecast.forecast(store, f.programme, as_of=week)
    if fc["region"]:
        r = fc["region"]
        st.metric(t("review.forecast", L), fmt.pct(r["projected_start_rate"]),
                  help=f"{fmt.exact(r['started_low'])}–{fmt.exact(r['started_high'])} 户")
    st.caption(fc.get("method", ""))
    import pandas as pd

    df = pd.DataFrame(fc["counties"])
    if len(df):
        st.subheader(t("review.will_miss", L))
        show = df[["name", "target", "started", "projected_started", "started_low", "started_high",
                   "target_met_on", "will_miss"]].rename(columns={
            "name": "县（市、区）", "target": "目标（户）", "started": "已开工（户）", "projected_started": "预计年底开工（户）",
            "started_low": "区间下限", "started_high": "区间上限", "target_met_on": "预计完成目标日期", "will_miss": "预警"})
        st.dataframe(show, hide_index=True)
