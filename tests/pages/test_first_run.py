"""A real office's first run: an empty store without the demo (DASHBOARD_DEMO=0) is not a locked door."""

from __future__ import annotations

import io
import subprocess
import sys

import openpyxl
import pytest

from lib.access import auth
from lib.access.auth import Actor
from lib.figures import metrics
from lib.store.engine import open_store
from tests.support import ROOT


@pytest.fixture
def empty_url(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'office.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "0")
    monkeypatch.setenv("DASHBOARD_DEMO", "0")
    return url


def test_the_first_administrator_is_told_how_to_begin_and_sets_up_a_programme(empty_url):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    assert not at.exception
    # the landing screen says what to do instead of stopping everyone
    assert any("尚无改造计划" in i.value and "programme create" in i.value for i in at.info)
    at.switch_page("pages/login.py").run()
    assert not at.exception
    assert any("还没有管理员账号" in i.value for i in at.info)
    assert any("user add" in c.value and "--role admin" in c.value for c in at.code)
    assert [w.label for w in at.text_input][:2] == ["用户名", "密码"]

    # the command the screen gives, run as the screen gives it (password on stdin)
    r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", empty_url, "user", "add", "zhang", "--role", "admin"],
                       input="a long enough secret\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    at.run()
    assert not any("还没有管理员账号" in i.value for i in at.info)
    next(w for w in at.text_input if w.label == "用户名").set_value("zhang")
    next(w for w in at.text_input if w.label == "密码").set_value("a long enough secret")
    next(b for b in at.button if b.label == "登录").click().run()
    assert not at.exception and not at.error

    at.switch_page("pages/admin.py").run()
    assert not at.exception
    assert any("还没有改造计划" in i.value for i in at.info)  # the targets tab points to the programmes tab
    next(w for w in at.text_input if w.label == "计划名称").set_value("德州市2022年城镇老旧小区改造")
    next(w for w in at.text_input if w.label == "地区（名称或6位代码）").set_value("德州市")
    next(w for w in at.text_input if w.label == "年度（如 2022 或 2022-2024）").set_value("2022")
    next(b for b in at.button if b.label == "创建" and "new_programme" in str(b.form_id)).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    store = open_store(empty_url)
    [prog] = metrics.list_programmes(store)
    assert (prog["name"], prog["region"]["adcode"], prog["years"], prog["status"]) == \
        ("德州市2022年城镇老旧小区改造", "371400", [2022, 2022], "active")
    # with a programme, the landing screen shows it
    at.switch_page("pages/overview.py").run()
    assert not at.exception and not any("尚无改造计划" in i.value for i in at.info)


def test_a_second_programme_form_never_edits_the_sidebar_programme_silently(empty_url):
    from lib.access import programmes

    store = open_store(empty_url, read_only=False, migrate=True)
    admin = Actor(username="root", role="admin")
    a = programmes.create(store, admin, name="甲计划", region="630000", years="2021")
    b = programmes.create(store, admin, name="乙计划", region="371400", years="2022")
    auth.create_user(store, Actor.system("test"), "root", "admin", "a long enough secret")
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["_auth_actor"] = auth.load_actor(store, "root", via="password")
    at.run()
    at.switch_page("pages/admin.py").run()
    editing = [w for w in at.selectbox if w.label == "正在编辑的计划"]
    assert len(editing) == 2 and all(w.value == a["id"] for w in editing)  # the sidebar's, shown by name
    assert any("以下修改只作用于：甲计划" in c.value for c in at.caption)
    editing[-1].set_value(b["id"]).run()
    assert any("以下修改只作用于：乙计划" in c.value for c in at.caption)
