"""A deep link as a fresh server's very first request, in a real Chromium (public and staff deployments).

Its own module: each case starts its own server and Playwright, which cannot run while the
module-scoped browser of test_browser.py holds Playwright's event loop.
"""

from __future__ import annotations

import pytest

from tests.support.streamlit_server import CHROMIUM, CHROMIUM_ARGS, require_chromium, streamlit_server


@pytest.mark.browser
@pytest.mark.parametrize("public", [True, False], ids=["public", "staff"])
def test_deep_link_to_a_staff_screen_on_a_fresh_server(sqlite_demo_url, tmp_path, public):
    """Streamlit starts in its old pages-folder mode, where /admin as the first request would run
    the page script without app.py's page list. It must land on the overview instead."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with streamlit_server(sqlite_demo_url, tmp_path / "streamlit.log",
                          DASHBOARD_PUBLIC="1" if public else "0") as base, sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in ("admin", "dispatch", "upload"):  # each as the very first request of a session
            page = b.new_page()
            page.goto(f"{base}/{path}")
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
            page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)  # the overview's figures
            nav = " ".join(page.locator('[data-testid="stSidebarNav"] a').all_inner_texts())
            assert "系统管理" not in nav and "上传" not in nav and "_auth" not in nav and "auth\n" not in nav
            assert page.url.rstrip("/") == base, page.url
            assert not page.get_by_text("系统管理").count()
            page.close()
        b.close()
