"""F5 on the meeting room's projector keeps the leader signed in; signing out still signs out.

In Debian's Chromium against `streamlit run app.py` (which serves the dashboard's /api/session route
beside Streamlit's own): the sign-in leaves an HttpOnly, SameSite=Strict cookie that the page's
scripts cannot read and no URL carries; a reload opens a new Streamlit session that is signed in
from it; signing out clears it and revokes it, so a copy kept from before is refused. Expiry of
the cookie is tested in tests/access/test_web_session.py.
"""

from __future__ import annotations

import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from tests.browser.test_browser import ROOT, browser, settle, wait_text  # noqa: F401 - fixture
from tests.support.streamlit_server import require_chromium, streamlit_server

pytestmark = pytest.mark.browser
PASSWORD = "a long enough secret"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    require_chromium()
    url = f"sqlite:///{tmp_path_factory.mktemp('signin') / 'demo.db'}"
    subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, "demo"], cwd=ROOT, check=True, capture_output=True)
    r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, "user", "add", "wang", "--role", "leader"],
                       input=PASSWORD + "\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    with streamlit_server(url, tmp_path_factory.mktemp("log") / "streamlit.log") as base:
        yield base


def _signed_in(page) -> bool:
    page.goto(page.url.split("?")[0].rsplit("/", 1)[0] + "/login")
    settle(page)
    return "已登录" in page.inner_text("body")


def test_a_reload_keeps_the_sign_in_and_sign_out_ends_it(browser, server):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(server + "/login")
    settle(page, 'input[type="password"]')
    page.get_by_label("用户名", exact=True).fill("wang")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    wait_text(page, "已登录")
    for _ in range(50):  # the page exchanges its one-time ticket for the cookie
        cookie = {c["name"]: c for c in ctx.cookies()}.get("renovation_session")
        if cookie:
            break
        page.wait_for_timeout(200)
    assert cookie, "no session cookie after signing in"
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/"
    assert "renovation_session" not in page.evaluate("document.cookie")  # out of the page's scripts' reach
    assert cookie["value"] not in page.url

    # F5 on the overview: a new Streamlit session, still signed in (the staff-only screens are in the menu).
    page.goto(server + "/")
    settle(page, '[data-testid="stMetric"]')
    page.reload()
    settle(page, '[data-testid="stMetric"]')
    assert "系统管理" not in page.inner_text('[data-testid="stSidebarNav"]')  # a leader, not an admin
    assert "周调度" in page.inner_text('[data-testid="stSidebarNav"]')
    assert _signed_in(page)
    page.reload()
    settle(page)
    assert "已登录" in page.inner_text("body")

    # Sign out: the cookie goes, and a copy of it kept from before is refused.
    page.get_by_role("button", name="退出登录").click()
    settle(page, 'input[type="password"]')
    for _ in range(50):
        if "renovation_session" not in {c["name"] for c in ctx.cookies()}:
            break
        page.wait_for_timeout(200)
    assert "renovation_session" not in {c["name"] for c in ctx.cookies()}
    page.reload()
    settle(page, 'input[type="password"]')
    assert "已登录" not in page.inner_text("body")
    ctx.add_cookies([{k: cookie[k] for k in ("name", "value", "domain", "path", "httpOnly", "sameSite")}])
    page.reload()
    settle(page, 'input[type="password"]')
    assert "已登录" not in page.inner_text("body")
    ctx.close()


def test_the_cookie_route_refuses_what_it_did_not_issue(server):
    req = urllib.request.Request(server + "/api/session", data=b"made-up-ticket", method="POST")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=10)
    assert e.value.code == 400 and "set-cookie" not in {k.lower() for k in e.value.headers.keys()}
    with urllib.request.urlopen(server + "/api/session", timeout=10) as r:  # a GET is Streamlit's page
        assert "set-cookie" not in {k.lower() for k in r.headers.keys()}
