"""The admin screen's reporting-calendar form: holidays and stops, who is expected to report, reminder
times, contacts of reporting units, and the state of scheduled deliveries (failures shown, never
silent). Every write goes through lib.workflow (checked, audited, all or nothing).

    calendar_form(store, actor, programme_id, L)

is called by pages/admin.py inside its programme tab, after the programme's own settings.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from lib.domain import clock
from lib.domain.errors import UserError
from lib.domain.text import Text
from lib.domain import regions
from lib.figures import discipline
from lib.figures.metrics import get_programme
from lib.workflow import calendar
from lib.workflow import channels
from lib.workflow import contacts
from lib.workflow import deliver

T = {
    "title": Text("报送日历", "Reporting calendar"),
    "rule": Text("截止日遇节假日顺延至其后第一个工作日（非节假日、非周六周日），时间不变；停报期（如冬季停工）内不要求报送。",
                 "A deadline on a holiday moves to the next working day (not a holiday, Saturday or Sunday), "
                 "same time; no report is expected during a stop such as the winter stop."),
    "deadline": Text("报送时限", "Deadline"),
    "upcoming": Text("近期报送日", "Next reporting days"),
    "periods": Text("节假日和停报期", "Holidays and stops"),
    "none": Text("暂无。", "None."),
    "kind": Text("类型", "Kind"),
    "holiday": Text("节假日", "Holiday"),
    "stop": Text("停报期", "Stop"),
    "name": Text("假期或停工名称", "Holiday or stop"),
    "first": Text("开始日期", "First day"),
    "last": Text("结束日期", "Last day"),
    "add": Text("添加", "Add"),
    "remove": Text("删除", "Remove"),
    "period_pick": Text("要删除的节假日或停报期", "Holiday or stop to remove"),
    "expected": Text("应报单位", "Expected reporters"),
    "expected_default": Text("默认：有目标或台账的全部县级单位", "Default: every county-level unit with a target or register"),
    "expected_custom": Text("指定名单", "A list"),
    "save": Text("保存", "Save"),
    "reminders": Text("催报时间", "Reminder times"),
    "before": Text("截止前（小时，逗号分隔）", "Hours before the deadline (comma-separated)"),
    "escalate": Text("截止后报市（州）（小时）", "Hours after the deadline, to the prefecture"),
    "contacts": Text("报送单位联系人", "Contacts of reporting units"),
    "unit": Text("单位（县、区或市州）", "Unit (county, zone or prefecture)"),
    "person": Text("联系人", "Contact"),
    "phone": Text("电话", "Phone"),
    "email": Text("邮箱", "Email"),
    "webhook": Text("群机器人地址", "Group robot URL"),
    "robot": Text("群机器人类型", "Robot kind"),
    "deliveries": Text("定时推送", "Scheduled delivery"),
    "no_deliveries": Text("暂无推送记录。", "Nothing delivered yet."),
    "problems": Text("未成功的推送：{n} 条（邮件服务器或群机器人不可用时自动重试；用 deliver retry 重发已放弃的）。",
                     "Not delivered: {n} (retried automatically; `deliver retry` resends a given-up one)."),
    "done": Text("已保存。", "Saved."),
    "week": Text("周次", "Week"),
    "reporting_day": Text("报送日", "Reporting day"),
    "note": Text("说明", "Note"),
    "status": Text("状态", "Status"),
    "period": Text("期次", "Period"),
    "what": Text("内容", "Content"),
    "channel": Text("渠道", "Channel"),
    "to": Text("发送至", "To"),
    "attempts": Text("尝试次数", "Attempts"),
    "error": Text("原因", "Reason"),
    "next": Text("下次重试", "Next attempt"),
    "yes": Text("要求报送", "expected"),
    "no": Text("不要求报送", "not expected"),
}
STATUS = {"sent": Text("已发送", "sent"), "failed": Text("失败，待重试", "failed, will retry"),
          "gave_up": Text("已放弃", "given up"), "sending": Text("发送中", "sending"),
          "unknown": Text("结果未知", "unknown")}
WHAT = {"dispatch": Text("周调度材料", "dispatch pack"), "bulletin": Text("月通报草稿", "bulletin draft"),
        "county": Text("本县进度摘要", "county summary"), "alerts": Text("预警", "alerts")}
CHANNEL = {"email": Text("电子邮件", "email"), "wecom": Text("企业微信", "WeCom"), "dingtalk": Text("钉钉", "DingTalk")}


def _do(L: str, fn, *args, **kwargs):
    try:
        out = fn(*args, **kwargs)
    except UserError as e:
        st.error(e.message(L))
        return None
    st.success(T["done"].pick(L))
    return out


def _table(df: pd.DataFrame) -> None:
    st.dataframe(df, hide_index=True, width="stretch")


def calendar_form(store, actor, programme_id: int, L: str) -> None:
    """The reporting calendar of one programme, editable by an administrator; contacts; deliveries."""
    key = f"sched_{programme_id}"
    cal = calendar.show(store, programme_id)
    st.subheader(T["title"].pick(L))
    st.caption(T["rule"].pick(L))
    wd = Text(discipline.WEEKDAY_ZH[cal["report_weekday"]],
              ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[cal["report_weekday"]]).pick(L)
    st.markdown(f"**{T['deadline'].pick(L)}**{Text('：', ': ').pick(L)}{wd} {cal['report_deadline']}")

    up = calendar.upcoming(store, programme_id, clock.today() - timedelta(days=7), 6)
    st.markdown(f"**{T['upcoming'].pick(L)}**")
    _table(pd.DataFrame([{T["week"].pick(L): u["week"], T["reporting_day"].pick(L): u["reporting_day"],
                          T["deadline"].pick(L): u["deadline"].replace("T", " "),
                          T["status"].pick(L): (T["yes"] if u["expected"] else T["no"]).pick(L),
                          T["note"].pick(L): Text(u["note"], u["note_en"]).pick(L)} for u in up]))

    st.markdown(f"**{T['periods'].pick(L)}**")
    periods = cal["holidays"] + cal["stops"]
    if periods:
        _table(pd.DataFrame([{T["kind"].pick(L): T[p["kind"]].pick(L), T["name"].pick(L): p["name"],
                              T["first"].pick(L): p["first"], T["last"].pick(L): p["last"]} for p in periods]))
    else:
        st.caption(T["none"].pick(L))
    with st.form(f"{key}_period", clear_on_submit=True):
        c1, c2, c3, c4 = st.columns([1, 2, 2, 2])
        kind = c1.selectbox(T["kind"].pick(L), ["holiday", "stop"], format_func=lambda k: T[k].pick(L))
        name = c2.text_input(T["name"].pick(L), max_chars=64)
        first = c3.date_input(T["first"].pick(L), value=None)
        last = c4.date_input(T["last"].pick(L), value=None)
        if st.form_submit_button(T["add"].pick(L)):
            if _do(L, calendar.add_period, store, programme_id, kind=kind, first=first or "", last=last,
                   name=name, actor=actor):
                st.rerun()
    if periods:
        c1, c2 = st.columns([3, 1])
        pick = c1.selectbox(T["period_pick"].pick(L), periods, key=f"{key}_pick",
                            format_func=lambda p: f"{p['name']}（{p['first']} – {p['last']}）")
        if c2.button(T["remove"].pick(L), key=f"{key}_remove"):
            if _do(L, calendar.remove_period, store, programme_id, pick["id"], actor=actor):
                st.rerun()

    st.markdown(f"**{T['expected'].pick(L)}**")
    with st.form(f"{key}_expected"):
        mode = st.radio(T["expected"].pick(L), ["default", "custom"], horizontal=True, label_visibility="collapsed",
                        index=0 if cal["expected_default"] else 1,
                        format_func=lambda m: T[f"expected_{m}"].pick(L))
        default_units = {c["adcode"]: c["name"] for c in cal["expected"]}
        from_default = discipline.default_reporters(store, get_programme(store, programme_id))
        options = sorted(set(from_default) | set(default_units))
        names = {**{c: regions.get(c).name for c in options if regions.exists(c)}, **default_units}
        chosen = st.multiselect(T["expected_custom"].pick(L), options, default=list(default_units),
                                format_func=lambda c: names.get(c, c))
        if st.form_submit_button(T["save"].pick(L)):
            if _do(L, calendar.set_expected, store, programme_id, None if mode == "default" else chosen, actor=actor):
                st.rerun()

    st.markdown(f"**{T['reminders'].pick(L)}**")
    with st.form(f"{key}_reminders"):
        c1, c2 = st.columns(2)
        before = c1.text_input(T["before"].pick(L), value=",".join(str(h) for h in cal["remind_hours"]), max_chars=40)
        esc = c2.number_input(T["escalate"].pick(L), min_value=0, max_value=168, value=int(cal["escalate_hours"]))
        if st.form_submit_button(T["save"].pick(L)):
            hours = [h for h in before.replace("，", ",").split(",") if h.strip()]
            if _do(L, calendar.set_reminders, store, programme_id, before_hours=hours, escalate_hours=int(esc),
                   actor=actor):
                st.rerun()

    st.subheader(T["contacts"].pick(L))
    people = contacts.list_contacts(store, viewer=actor)
    if people:
        _table(pd.DataFrame([{T["unit"].pick(L): p["region"], T["person"].pick(L): p["name"],
                              T["phone"].pick(L): p["phone"] or "", T["email"].pick(L): p["email"] or "",
                              T["webhook"].pick(L): p["webhook"] or ""} for p in people]))
    else:
        st.caption(T["none"].pick(L))
    with st.form(f"{key}_contact", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        unit = c1.text_input(T["unit"].pick(L), max_chars=64)
        person = c2.text_input(T["person"].pick(L), max_chars=64)
        phone = c3.text_input(T["phone"].pick(L), max_chars=32)
        c1, c2, c3 = st.columns([2, 3, 1])
        mail = c1.text_input(T["email"].pick(L), max_chars=200)
        hook = c2.text_input(T["webhook"].pick(L), max_chars=500)
        robot = c3.selectbox(T["robot"].pick(L), list(channels.WEBHOOK_CHANNELS), format_func=lambda c: CHANNEL[c].pick(L))
        if st.form_submit_button(T["add"].pick(L)):
            if _do(L, contacts.add, store, adcode=unit, name=person, phone=phone, email=mail, webhook=hook,
                   webhook_kind=robot if hook.strip() else None, actor=actor):
                st.rerun()
    if people:
        c1, c2 = st.columns([3, 1])
        gone = c1.selectbox(T["person"].pick(L), people, key=f"{key}_contact_pick",
                            format_func=lambda p: f"{p['name']}（{p['region']}）")
        if c2.button(T["remove"].pick(L), key=f"{key}_contact_remove"):
            if _do(L, contacts.remove, store, gone["id"], actor=actor):
                st.rerun()

    st.subheader(T["deliveries"].pick(L))
    rows = deliver.status(store, viewer=actor, limit=100)
    if not rows:
        st.caption(T["no_deliveries"].pick(L))
        return
    bad = [r for r in rows if r["status"] != "sent"]
    if bad:
        st.warning(T["problems"].pick(L).format(n=len(bad)))
    _table(pd.DataFrame([{T["period"].pick(L): r["period"], T["what"].pick(L): WHAT[r["what"]].pick(L),
                          T["channel"].pick(L): CHANNEL[r["channel"]].pick(L), T["to"].pick(L): r["to"],
                          T["status"].pick(L): STATUS[r["status"]].pick(L), T["attempts"].pick(L): r["attempts"],
                          T["error"].pick(L): r["error"] or "", T["next"].pick(L): r["next_attempt"] or ""}
                         for r in rows]))

