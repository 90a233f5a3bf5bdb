"""pages/admin.py (AppTest): an administrator sets a target through the form; a leader never sees the screen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from lib.access import admin, auth
from lib.access.auth import Actor
from lib.store.models import Target
from tests.support import ROOT

CD, CZ, XINING, HAIDONG = "630102", "630103", "630100", "630200"  # 城东区, 城中区, 西宁市, 海东市
SYSTEM = Actor.system("test")
ADMIN = Actor(username="boss", role="admin")


def _target(store, region, metric, programme=1):
    with store.session() as s:
        return s.scalar(select(Target.value).where(Target.programme_id == programme, Target.region_adcode == region,
                                                    Target.metric == metric))


def test_admin_screen_sets_a_target_and_refuses_non_admins(sqlite_demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from lib.store.engine import open_store

    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "0")
    store = open_store(sqlite_demo_url, read_only=False)
    auth.create_user(store, SYSTEM, "boss", "admin", "correct horse")
    auth.create_user(store, SYSTEM, "lead", "leader", "correct horse")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["_auth_actor"] = auth.load_actor(store, "lead", via="password")
    at.run()
    with pytest.raises(ValueError):  # not in a leader's page list
        at.switch_page("pages/admin.py")
    at.session_state["_auth_actor"] = auth.load_actor(store, "boss", via="password")
    at.run()
    at.switch_page("pages/admin.py").run()
    assert not at.exception and [tab.label for tab in at.tabs] == ["用户", "目标任务", "改造计划", "操作日志"]
    old = _target(store, CD, "households")
    region = next(w for w in at.text_input if w.label.startswith("地区"))
    region.set_value(CD)
    next(w for w in at.selectbox if w.label == "指标").set_value("households")
    next(w for w in at.number_input if w.label == "目标值").set_value(old + 5)
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _target(store, CD, "households") == old + 5
    assert admin.audit_entries(store, ADMIN, action="target.set")[0]["actor"] == "boss"


def test_admin_screen_sets_the_reporting_deadline(sqlite_demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from lib.store.engine import open_store
    from lib.store.models import Programme

    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "0")
    store = open_store(sqlite_demo_url, read_only=False)
    auth.create_user(store, SYSTEM, "boss", "admin", "correct horse")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["_auth_actor"] = auth.load_actor(store, "boss", via="password")
    at.run()
    at.switch_page("pages/admin.py").run()
    # the edit form says which programme it changes, and holds its reporting day and deadline
    assert any("以下修改只作用于：青海省2021年城镇老旧小区改造" in c.value for c in at.caption)
    next(w for w in reversed(at.selectbox) if w.label == "报送日").set_value(3)
    deadline = next(w for w in reversed(at.text_input) if w.label == "截止时间（HH:MM）")
    assert deadline.value == "12:00"
    deadline.set_value("25:00")
    form_buttons = [b for b in at.button if b.label == "保存" and b.form_id == "edit_programme_1"]
    form_buttons[-1].click().run()  # the edit form's 保存 (the reporting calendar below has its own)
    assert [e.value for e in at.error] == ["截止时间“25:00”应写作 HH:MM，例如 12:00。"]
    with store.session() as s:
        assert (s.get(Programme, 1).report_weekday, s.get(Programme, 1).report_deadline) == (4, "12:00")
    next(w for w in reversed(at.text_input) if w.label == "截止时间（HH:MM）").set_value("17:30")
    [b for b in at.button if b.label == "保存" and b.form_id == "edit_programme_1"][-1].click().run()
    assert not at.exception and not at.error
    with store.session() as s:
        assert (s.get(Programme, 1).report_weekday, s.get(Programme, 1).report_deadline) == (3, "17:30")
    entry = admin.audit_entries(store, ADMIN, action="programme.update")[0]
    assert entry["actor"] == "boss" and entry["after"] == {"report_weekday": 3, "report_deadline": "17:30"}
