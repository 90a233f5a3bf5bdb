"""Weekly dispatch (周调度): the week's movement, who lags, who did not report, follow-up actions.

The pack and its Word and Excel files are Chinese official documents (lib.review.dispatch); the
screen shows the same figures with headers and labels in the interface language.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import streamlit as st

from lib.domain import regions
from lib.domain import vocabulary
from lib.domain.errors import UserError
from lib.figures import discipline
from lib.figures import forecast
from lib.figures import metrics
from lib.office import fmt
from lib.present import charts
from lib.present.i18n import stage_name, t
from lib.review import actions
from lib.review import dispatch
from pages._ui import widgets
from pages._ui.filters import sidebar_filters
from pages._ui.store import store as open_store

f = sidebar_filters()
L = f.lang
if not f.as_of:
    st.info(t("review.no_weeks", L))
    st.stop()
store = open_store()
week = date.fromisoformat(f.as_of)
try:
    pack = dispatch.weekly_dispatch(store, f.programme, week, region=f.region, viewer=f.viewer)
except UserError as e:
    widgets.show_user_error(e)
    st.stop()


def table(df: pd.DataFrame, labels: dict[str, str], **kw) -> None:
    st.dataframe(widgets.labelled(df, labels, L), hide_index=True, **kw)


def pcts(df: pd.DataFrame, *cols: str) -> pd.DataFrame:
    return df.assign(**{c: df[c].map(fmt.pct) for c in cols if c in df})


st.title(f"{t('nav.dispatch', L)} · {pack['region_name']} · {pack['week']}")
if pack["demo"]:
    widgets.demo_banner(True, L)
if not pack.get("closed", True) and pack.get("week_reporting") is not None:
    st.info(t("review.week_open", L, text=pack["week_reporting"].text(L)))
h = pack["headline"]
hh = t("figure.unit.households", L)
cols = st.columns(4)
cols[0].metric(t("review.new_started", L), fmt.count(h["new_started_households"], hh, L),
               help=t("review.n_communities", L, n=fmt.exact(h["new_started_communities"])))
cols[1].metric(t("review.new_completed", L), fmt.count(h["new_completed_households"], hh, L),
               help=t("review.n_communities", L, n=fmt.exact(h["new_completed_communities"])))
cols[2].metric(t("kpi.start_rate", L), fmt.pct(h["households"]["start_rate"]),
               delta=t("review.points", L, points=((h["households"]["start_rate"] or 0) - h["expected_share"]) * 100),
               help=f"{t('kpi.expected', L)} {fmt.pct(h['expected_share'])}")
cols[3].metric(t("review.new_invested", L), fmt.money_wan(h["new_invested_wan"], L))
# the meeting's files are Chinese documents whatever the screen's language; each is built when its
# button is clicked (a deferred download), not on every rerun (1.8-2.8 s for both at national scale)
c1, c2 = st.columns(2)
c1.download_button(t("review.download_xlsx", L), lambda: dispatch.dispatch_xlsx(pack),
                   dispatch.dispatch_filename(pack, ".xlsx"), mime=widgets.XLSX, on_click="ignore")
c2.download_button(t("review.download_docx", L), lambda: dispatch.dispatch_docx(pack),
                   dispatch.dispatch_filename(pack, ".docx"), mime=widgets.DOCX, on_click="ignore")

COUNTY_LIST = {"name": "review.col.county", "rate": "review.col.start_rate", "expected": "review.col.pace",
               "started": "review.col.started_households", "target": "review.col.target_households"}

tabs = st.tabs([t("review.counties", L), t("review.attention", L), t("review.discipline", L),
                t("review.actions", L), t("review.forecast", L)])
with tabs[0]:
    counties = pack["counties"]
    if not counties.empty:
        status = pack["reporting"].set_index("adcode")["status"] if not pack["reporting"].empty else pd.Series()
        counties = pcts(counties, "start_rate", "expected", "completion_rate").assign(
            gap=(counties["gap"] * 100).round(1), band=[charts.band_label(b, L) for b in counties["band"]],
            reported=[t(f"discipline.status.{status[a]}", L) if a in status else "—" for a in counties["adcode"]])
    table(counties, {
        "rank": "col.rank", "prefecture": "review.col.prefecture", "name": "review.col.county",
        "target_households": "review.col.target_households", "started_households": "review.col.started_households",
        "new_started_households": "review.col.new_started_households", "start_rate": "review.col.start_rate",
        "expected": "review.col.pace", "gap": "review.col.gap", "band": "col.band",
        "target_communities": "review.col.target_communities",
        "started_communities": "review.col.started_communities",
        "completed_households": "review.col.completed_households", "completion_rate": "kpi.completion_rate",
        "reported": "review.col.reported"}, width="stretch")
with tabs[1]:
    st.subheader(t("review.behind", L))
    table(pcts(pd.DataFrame(pack["behind"], columns=list(COUNTY_LIST)), "rate", "expected"), COUNTY_LIST)
    st.subheader(t("review.no_movement", L))
    table(pcts(pd.DataFrame(pack["no_movement_counties"], columns=list(COUNTY_LIST)), "rate", "expected"),
          COUNTY_LIST)
    st.subheader(t("review.stalled", L))
    stalled = pack["stalled_communities"]
    table(stalled.assign(stage=[t(vocabulary.STAGE_BY_RANK[int(r)], L) for r in stalled["stage"]],
                         reason=[t("review.reason.under_way" if int(r) >= vocabulary.STARTED else "review.reason.overdue",
                                   L) for r in stalled["stage"]]), {
        "prefecture": "review.col.prefecture", "county": "review.col.county", "name": "field.name",
        "stage": "field.stage", "progress_pct": "field.progress_pct", "since": "review.col.since",
        "weeks": "review.col.weeks", "reason": "review.col.reason"})
    if not f.public and pack["problems"] is not None:
        st.subheader(t("review.problems", L))
        problems = pack["problems"]
        table(problems.assign(stage=[stage_name(z, L) for z in problems["stage"]]), {
            "prefecture": "review.col.prefecture", "county": "review.col.county", "name": "field.name",
            "stage": "field.stage", "report_date": "community.col.report_date", "problems": "field.problems"})
with tabs[2]:
    prog = metrics.get_programme(store, f.programme)
    st.caption(t("review.calendar_rule", L, weekday=t(f"weekday.{prog.report_weekday}", L),
                 time=prog.report_deadline))
    st.subheader(t("review.not_reported", L))
    late = pack["not_reported"]
    table(pcts(late, "completeness").assign(status=[t(f"discipline.status.{s}", L) for s in late["status"]]), {
        "prefecture": "review.col.prefecture", "name": "review.col.county", "status": "review.col.status",
        "registered": "review.col.registered", "reported": "review.col.reported_communities",
        "completeness": "review.col.completeness"})
    st.subheader(t("review.record", L))
    rec = discipline.county_record(store, f.programme, week, region=f.region)
    table(rec, {"prefecture": "review.col.prefecture", "name": "review.col.county", "weeks": "review.col.weeks_due",
                "on_time": "review.col.on_time", "late": "review.col.late", "missing": "review.col.missing",
                "timeliness": "review.col.timeliness", "completeness": "review.col.mean_completeness",
                "last_missing": "review.col.last_missing"},
          column_config={t("review.col.timeliness", L): st.column_config.NumberColumn(format="percent"),
                         t("review.col.mean_completeness", L): st.column_config.NumberColumn(format="percent")})
with tabs[3]:
    open_actions = (pack["actions"] or []) + (pack["actions_closed"] or [])
    table(pd.DataFrame([{**a, "status": t(f"review.action_status.{a['status']}", L)} for a in open_actions],
                       columns=["id", "week_label", "title", "region_name", "project_name", "owner", "deadline",
                                "status"]), {
        "id": "review.col.action_id", "week_label": "review.col.action_week", "title": "review.action_title",
        "region_name": "review.col.region", "project_name": "field.name", "owner": "review.action_owner",
        "deadline": "review.action_deadline", "status": "review.col.status"})
    actor = f.viewer
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
                    widgets.show_user_error(e)
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
                    widgets.show_user_error(e)
with tabs[4]:
    fc = forecast.forecast(store, f.programme, as_of=week)
    if fc["region"]:
        r = fc["region"]
        st.metric(t("review.forecast", L), fmt.pct(r["projected_start_rate"]),
                  help=t("review.range_households", L, low=fmt.exact(r["started_low"]), high=fmt.exact(r["started_high"])))
    st.caption(t("review.forecast_method", L, weeks=forecast.RECENT_WEEKS,
                 share=int(forecast.MIN_SEASON_SHARE * 100)))
    df = pd.DataFrame(fc["counties"])
    if len(df):
        st.subheader(t("review.will_miss", L))
        table(df.assign(will_miss=df["will_miss"].map(lambda v: t("yes" if v else "no", L))), {
            "name": "review.col.county", "target": "review.col.target_households",
            "started": "review.col.started_households", "projected_started": "review.col.projected_started",
            "started_low": "review.col.low", "started_high": "review.col.high",
            "target_met_on": "review.col.target_met_on", "will_miss": "review.col.will_miss"})
