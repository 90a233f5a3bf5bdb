"""The reporting calendar as data (lib.workflow.calendar, lib.figures.discipline): holidays move a deadline
to the next working day, a stop (the winter stop) expects no report, who is expected is data; every
change is an administrator's, checked, audited, all or nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lib.access import auth
from lib.access.auth import Actor
from lib.domain.errors import UserError
from lib.figures import discipline
from lib.figures.metrics import get_programme
from lib.store.models import AuditLog
from lib.store.models_schedule import CalendarPeriod
from lib.workflow import calendar, remind

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor.system("admin_test")
CLERK = auth.Actor(username="cd_clerk", role="district", scope_adcode="630102")


def _audits(store, action: str) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action))


def test_a_deadline_on_a_holiday_moves_to_the_next_working_day(fresh_demo_store):
    store = fresh_demo_store
    prog = get_programme(store, 1)
    assert discipline.deadline(prog, date(2021, 10, 1), discipline.load_calendar(store, prog)) == datetime(2021, 10, 1, 12)
    calendar.add_period(store, 1, kind="holiday", first="2021-10-01", last="2021-10-07", name="国庆节", actor=ADMIN)
    calendar.add_period(store, 1, kind="holiday", first="2021-06-18", name="测试假日", actor=ADMIN)
    cal = discipline.load_calendar(store, prog)
    # 国庆: Friday 10-01 is a holiday, so are 10-04..07; Saturday 10-02 and Sunday 10-03 are no working days
    assert discipline.deadline(prog, date(2021, 10, 1), cal) == datetime(2021, 10, 8, 12)
    # one Friday off: the next working day is Monday
    assert discipline.deadline(prog, date(2021, 6, 18), cal) == datetime(2021, 6, 21, 12)
    assert discipline.deadline(prog, date(2021, 6, 25), cal) == datetime(2021, 6, 25, 12)
    # the discipline judges W24 against the moved deadline
    st = discipline.week_status(store, 1, "2021-W24")
    assert set(st["deadline"]) == {datetime(2021, 6, 21, 12)}
    up = {w["week"]: w for w in calendar.upcoming(store, 1, date(2021, 9, 27), 2)}
    assert up["2021-W39"]["moved"] and up["2021-W39"]["note"] == "国庆节，截止顺延"
    assert _audits(store, "calendar.period_add") == 2


def test_the_winter_stop_expects_no_report(fresh_demo_store):
    store = fresh_demo_store
    prog = get_programme(store, 1)
    before = discipline.reporting_weeks(store, prog, date(2021, 12, 31))
    assert date(2021, 11, 26) in before and remind.pending(store, 1, "2021-W47")  # someone is missing then
    calendar.add_period(store, 1, kind="stop", first="2021-11-20", last="2022-03-15", name="冬季停工", actor=ADMIN)
    after = discipline.reporting_weeks(store, prog, date(2021, 12, 31))
    assert [w for w in before if w not in after] == [w for w in before if w >= date(2021, 11, 20)]
    assert remind.pending(store, 1, "2021-W47") == []
    h = discipline.history(store, 1, date(2021, 12, 31))
    assert h["week"].max() < date(2021, 11, 20)


def test_expected_reporters_are_data(fresh_demo_store):
    store = fresh_demo_store
    prog = get_programme(store, 1)
    assert len(discipline.expected_reporters(store, prog)) == 45  # every county with a target or register
    out = calendar.set_expected(store, 1, ["城东区", "630223"], actor=ADMIN)
    assert out["expected"] == ["630102", "630223"]
    assert [p["adcode"] for p in remind.pending(store, 1, "2021-W24")] == ["630223"]
    assert set(discipline.week_status(store, 1, "2021-W24")["adcode"]) == {"630102", "630223"}
    with pytest.raises(UserError, match="不是县级单位"):
        calendar.set_expected(store, 1, ["西宁市"], actor=ADMIN)
    calendar.set_expected(store, 1, None, actor=ADMIN)
    assert len(discipline.expected_reporters(store, prog)) == 45
    assert _audits(store, "calendar.expected") == 2


def test_bad_input_and_the_wrong_account_change_nothing(fresh_demo_store):
    store = fresh_demo_store
    calendar.add_period(store, 1, kind="holiday", first="2021-10-01", last="2021-10-07", name="国庆节", actor=ADMIN)
    cases = [
        (dict(kind="holiday", first="2021-10-05", last="2021-10-09", name="重叠"), "重叠"),
        (dict(kind="holiday", first="2021-10-09", last="2021-10-08", name="倒置"), "早于开始日期"),
        (dict(kind="holiday", first="2021/13/01", name="坏日期"), "格式不正确"),
        (dict(kind="holiday", first="2021-01-01", last="2021-12-31", name="太长"), "超过 200 天"),
        (dict(kind="vacation", first="2021-01-01", name="类型"), "holiday"),
        (dict(kind="holiday", first="2021-01-01", name=""), "名称"),
    ]
    for kw, words in cases:
        with pytest.raises(UserError, match=words):
            calendar.add_period(store, 1, actor=ADMIN, **kw)
    with pytest.raises(auth.PermissionDenied):
        calendar.add_period(store, 1, kind="holiday", first="2021-05-01", name="劳动节", actor=CLERK)
    with pytest.raises(UserError, match="1 至 168"):
        calendar.set_reminders(store, 1, before_hours=[0], escalate_hours=2, actor=ADMIN)
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(CalendarPeriod)) == 1
    assert _audits(store, "calendar.period_add") == 1
    out = calendar.set_reminders(store, 1, before_hours=["2", "48"], escalate_hours=4, actor=ADMIN)
    assert out["remind_hours"] == [48, 2]
    assert discipline.load_calendar(store, 1).remind_hours == (48, 2)


def test_cli_schedule(sqlite_demo_url):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, *args],
                              capture_output=True, text=True, timeout=300, cwd=ROOT)

    r = cli("schedule", "holiday", "--programme", "1", "--name", "国庆节", "--dates", "2021-10-01..2021-10-07")
    assert r.returncode == 0, r.stderr
    assert "国庆节" in r.stderr and json.loads(r.stdout)["last"] == "2021-10-07"
    r = cli("schedule", "stop", "--programme", "1", "--name", "冬季停工", "--dates", "2021-11-20..2022-03-15")
    assert r.returncode == 0, r.stderr
    show = cli("schedule", "show", "--programme", "1", "--start", "2021-09-27", "--weeks", "2")
    out = json.loads(show.stdout)
    assert [h["name"] for h in out["holidays"]] == ["国庆节"] and [s["name"] for s in out["stops"]] == ["冬季停工"]
    assert out["upcoming"][0]["deadline"] == "2021-10-08T12:00" and out["expected_default"] is True
    bad = cli("schedule", "holiday", "--programme", "1", "--name", "坏", "--dates", "10月1日")
    assert bad.returncode == 1 and "格式不正确" in bad.stderr
    r = cli("schedule", "remove", "--programme", "1", "--period", str(out["holidays"][0]["id"]))
    assert r.returncode == 0 and "已删除" in r.stderr


def _form_app():
    import streamlit as st

    from lib.access.auth import Actor
    from lib.store.engine import open_store
    from pages._ui.schedule_admin import calendar_form

    calendar_form(open_store(st.session_state["url"], read_only=False), Actor.system("admin_test"), 1,
                  st.session_state["L"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_admin_form_adds_a_holiday_and_speaks_one_language(sqlite_demo_url, lang):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_form_app, default_timeout=120)
    at.session_state["url"], at.session_state["L"] = sqlite_demo_url, lang
    at.run()
    assert not at.exception
    heads = [h.value for h in at.subheader]
    assert heads == (["报送日历", "报送单位联系人", "定时推送"] if lang == "zh"
                     else ["Reporting calendar", "Contacts of reporting units", "Scheduled delivery"])
    at.text_input[0].input("劳动节")
    at.date_input[0].set_value(date(2021, 5, 1))
    at.date_input[1].set_value(date(2021, 5, 5))
    at.button[0].click().run()
    assert not at.exception
    from lib.store.engine import open_store

    store = open_store(sqlite_demo_url, read_only=False)
    assert [p["name"] for p in calendar.show(store, 1)["holidays"]] == ["劳动节"]
    # a refused entry shows its sentence and adds nothing
    at.text_input[0].input("")
    at.date_input[0].set_value(date(2021, 6, 1))
    at.button[0].click().run()
    assert [e.value for e in at.error] == [("请填写节假日名称（不超过 64 个字），如“国庆节”“冬季停工”。" if lang == "zh"
                                            else "Give the period a name of at most 64 characters.")]
    assert len(calendar.show(store, 1)["holidays"]) == 1
