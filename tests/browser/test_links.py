"""Links that are the view (issue: the meeting and the phone): the address bar always holds the current
filters by code, readable and shareable, across page switches and changes; a link's language holds."""

from __future__ import annotations

import subprocess
import sys
import time
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.test_browser import ROOT, app_server, browser, browser_page, settle  # noqa: F401 (fixtures)
from tests.support.streamlit_server import streamlit_server

pytestmark = pytest.mark.browser


def _params(page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_the_address_bar_holds_the_view_by_code(browser_page, app_server):  # noqa: F811
    page = browser_page
    page.goto(f"{app_server}/map?pref=630200&week=24")
    settle(page, '[data-testid="stDeckGlJsonChart"]')
    page.wait_for_function("() => location.search.includes('pref=630200')", timeout=15_000)
    assert _params(page) == {"pref": "630200", "week": "2021-06-18"}
    page.locator('[data-testid="stSidebarNav"] a', has_text="排名").click()
    settle(page, '[data-testid="stPlotlyChart"]')
    page.wait_for_function("() => location.pathname.endsWith('/rankings') && location.search.includes('pref')",
                           timeout=15_000)
    assert _params(page) == {"pref": "630200", "week": "2021-06-18"}
    page.get_by_role("radio", name="小区数").click()  # segmented control options are radios
    settle(page)
    page.wait_for_function("() => location.search.includes('metric=')", timeout=15_000)
    assert _params(page) == {"pref": "630200", "week": "2021-06-18", "metric": "communities"}
    assert "%" not in page.url  # codes, not percent-encoded labels
    shared = page.url
    page.goto(shared)  # the link opens exactly that view
    settle(page, '[data-testid="stPlotlyChart"]')
    assert "海东市" in page.locator("h1").first.inner_text()


def test_an_english_link_shows_an_english_menu(browser_page, app_server):  # noqa: F811
    page = browser_page
    page.goto(f"{app_server}/?lang=en")
    settle(page, '[data-testid="stMetric"]')
    nav = page.inner_text('[data-testid="stSidebarNav"]')
    assert "Overview" in nav and "Rankings" in nav and "总览" not in nav
    assert _params(page).get("lang") == "en"
    page.locator('[data-testid="stSidebarNav"] a', has_text="Map").click()
    settle(page, '[data-testid="stDeckGlJsonChart"]')
    assert "Overview" in page.inner_text('[data-testid="stSidebarNav"]')


def test_a_fresh_servers_first_visitor_sees_the_menu_in_their_language(browser, tmp_path):  # noqa: F811
    """The first session after a (re)start used to get Streamlit's legacy list of file names
    ("app, admin, bigscreen …") until app.py's st.navigation replaced it: every state of the menu
    from the first paint on is checked, not only the settled one."""
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, "demo"], cwd=ROOT, check=True, capture_output=True)
    with streamlit_server(url, tmp_path / "streamlit.log") as base:
        ctx = browser.new_context(viewport={"width": 1366, "height": 768})
        page = ctx.new_page()
        page.goto(f"{base}/?lang=en", wait_until="commit")
        seen, t0 = [], time.monotonic()
        while time.monotonic() - t0 < 20 and not (seen and "Rankings" in seen[-1]):
            nav = page.locator('[data-testid="stSidebarNav"]')
            if nav.count():
                text = nav.first.inner_text(timeout=2_000)
                if not seen or seen[-1] != text:
                    seen.append(text)
            page.wait_for_timeout(40)
        ctx.close()
    assert seen and "Rankings" in seen[-1], seen
    for state in seen:
        assert "bigscreen" not in state and "总览" not in state, seen  # no file names, no Chinese
