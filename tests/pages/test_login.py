"""pages/login.py (AppTest): lockout message, sign-in, and the screens a signed-in clerk reaches."""

from __future__ import annotations

from lib.access import auth
from lib.access.auth import Actor
from tests.support import ROOT

CD, CZ, XINING, HAIDONG = "630102", "630103", "630100", "630200"  # 城东区, 城中区, 西宁市, 海东市
SYSTEM = Actor.system("test")


def test_sign_in_page_locks_out_and_signs_in(sqlite_demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from lib.store.engine import open_store

    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "0")
    store = open_store(sqlite_demo_url, read_only=False)
    auth.create_user(store, SYSTEM, "cd_clerk", "district", "correct horse", scope_adcode=CD)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/login.py").run()
    at.text_input(key="login_user").input("cd_clerk")
    at.text_input(key="login_password").input("wrong horse")
    at.button[0].click().run()
    assert at.error and "用户名或密码不正确" in at.error[0].value
    at.text_input(key="login_password").input("correct horse")
    at.button[0].click().run()
    assert not at.exception
    assert at.success and "cd_clerk" in at.success[0].value
    at.switch_page("pages/upload.py").run()
    assert not at.exception and not at.info  # the upload screen itself, not "please sign in"
