"""The dashboard in a real browser: Debian's Chromium driven by Playwright against `streamlit run`.

`app_server` (module scope) builds a scratch SQLite copy of the demo with the
CLI, starts Streamlit on a free port and yields its base URL; other areas may
reuse it (and `browser_page`). Render timings after a filter change go to
bench/out/browser_timings.json (ignored).

Screenshots go to tests/_artifacts/screenshots/ (ignored), so a test run leaves the
clone clean. UPDATE_SCREENSHOTS=1 writes them to docs/screenshots/ instead, where the
README shows them: `UPDATE_SCREENSHOTS=1 python3 -m pytest -m browser tests/browser`,
then commit the pictures that changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support import ROOT
from tests.support.streamlit_server import CHROMIUM, CHROMIUM_ARGS, require_chromium, streamlit_server

try:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
except ImportError:  # collected without playwright: the browser tests skip
    PlaywrightTimeout = TimeoutError

# UPDATE_SCREENSHOTS=1 refreshes the README's pictures in docs/screenshots/; any other run writes them
# to tests/_artifacts/screenshots/ (ignored by git), so running the suite leaves the clone clean.
UPDATE_SCREENSHOTS = os.environ.get("UPDATE_SCREENSHOTS") == "1"
SHOTS = ROOT / ("docs/screenshots" if UPDATE_SCREENSHOTS else "tests/_artifacts/screenshots")
TIMINGS = ROOT / "bench" / "out" / "browser_timings.json"
VIEWPORT = {"width": 1600, "height": 1000}
SHOT_WEEK = "2021-07-16"

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """A running dashboard on a scratch SQLite copy of the demo; yields the base URL."""
    require_chromium()
    db = tmp_path_factory.mktemp("browser") / "demo.db"
    url = f"sqlite:///{db}"
    subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, "demo"], cwd=ROOT, check=True,
                   capture_output=True)
    with streamlit_server(url, tmp_path_factory.mktemp("log") / "streamlit.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def browser_page(browser, app_server):
    ctx = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
    page = ctx.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.external_requests = lambda: [u for u in requests if not u.startswith(app_server) and
                                      not u.startswith(("data:", "blob:"))]
    yield page
    ctx.close()


# --- waiting the way field-notes says -------------------------------------------------------------

def settle(page, selector: str | None = None, timeout: float = 30_000) -> None:
    """Script finished, the expected element is there, the network is quiet."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    if selector:
        page.wait_for_selector(selector, timeout=timeout, state="visible")
    try:
        page.wait_for_load_state("networkidle", timeout=8_000)
    except PlaywrightTimeout:
        pass  # deck.gl keeps one blob: request open forever; the element and script state suffice
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)


def wait_text(page, text: str, timeout: float = 30_000) -> None:
    page.wait_for_function(
        """t => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')
               === 'notRunning' && document.body.innerText.includes(t)""", arg=text, timeout=timeout)


def title(page) -> str:
    return page.locator("h1").first.inner_text()


def shot(page, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


SCREENS = [  # (url path, element that proves it rendered, screenshot name)
    ("", '[data-testid="stMetric"]', "overview"),
    ("map", '[data-testid="stDeckGlJsonChart"]', "map"),
    ("rankings", '[data-testid="stPlotlyChart"]', "rankings"),
    ("progress", '[data-testid="stPlotlyChart"]', "progress"),
    ("content", '[data-testid="stPlotlyChart"]', "content"),
    ("register", '[data-testid="stDataFrame"]', "register"),
]


def test_every_screen_renders_offline(browser_page, app_server):
    page = browser_page
    for path, selector, name in SCREENS:
        page.goto(f"{app_server}/{path}?week={SHOT_WEEK}")  # mid-season: the colours and lists say something
        settle(page, selector)
        if name == "map":
            page.wait_for_timeout(1200)  # deck.gl draws after the element appears
        assert page.locator('[data-testid="stException"]').count() == 0, name
        assert title(page), name
        shot(page, name)
    assert "青海省" in page.inner_text("body")
    # no request left the server: the map has no basemap, fonts and scripts are local
    assert page.external_requests() == []


def test_link_opens_exactly_the_filters(browser_page, app_server):
    page = browser_page
    page.goto(f"{app_server}/?pref=630200&week=2021-06-18&metric=households&stat=start_rate")
    settle(page, '[data-testid="stMetric"]')
    assert "海东市" in title(page)
    assert "2021-06-18" in page.inner_text("body")


def test_click_a_county_on_the_map_drills_down(browser_page, app_server):
    page = browser_page
    page.goto(f"{app_server}/map?pref=630200&week={SHOT_WEEK}")
    settle(page, '[data-testid="stDeckGlJsonChart"]')
    page.wait_for_timeout(1500)
    before = title(page)
    box = page.locator('[data-testid="stDeckGlJsonChart"] canvas').first.bounding_box()
    # the middle of Haidong's counties lies inside one of them
    page.mouse.click(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    page.wait_for_function("b => document.querySelector('h1')?.innerText !== b", arg=before, timeout=20_000)
    settle(page, '[data-testid="stDeckGlJsonChart"]')
    after = title(page)
    assert "各县" not in after and after != before
    page.wait_for_timeout(1200)
    shot(page, "map_county")


def test_click_a_bar_in_the_ranking_drills_down(browser_page, app_server):
    page = browser_page
    page.goto(f"{app_server}/rankings")
    settle(page, '[data-testid="stPlotlyChart"]')
    assert "市（州）" in title(page)
    # plotly draws the best (first-ranked) bar last, at the top; its drag layer takes the click
    box = page.locator('[data-testid="stPlotlyChart"] g.point path').last.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => !document.querySelector('h1')?.innerText.startsWith('青海省')", timeout=20_000)
    settle(page, '[data-testid="stPlotlyChart"]')
    assert "县（市、区）" in title(page)


def test_switch_language(browser_page, app_server):
    page = browser_page
    page.goto(f"{app_server}/?week={SHOT_WEEK}")
    settle(page, '[data-testid="stMetric"]')
    page.get_by_role("radio", name="English").click()
    wait_text(page, "Target")
    settle(page, '[data-testid="stMetric"]')
    assert "Start rate" in page.inner_text("body")
    shot(page, "overview_en")


def test_projector_mode(browser_page, app_server):
    page = browser_page
    page.goto(f"{app_server}/rankings?proj=true&week={SHOT_WEEK}")
    settle(page, '[data-testid="stPlotlyChart"]')
    size = page.locator("h1").first.evaluate("e => getComputedStyle(e).fontSize")
    assert float(size.removesuffix("px")) >= 40
    shot(page, "rankings_projector")


COUNT_RUNS = """() => {
    if (window.__runs !== undefined) return;
    window.__runs = 0;
    const el = document.querySelector('[data-testid="stApp"]');
    let last = el.getAttribute('data-test-script-state');
    new MutationObserver(() => {
        const now = el.getAttribute('data-test-script-state');
        if (last === 'running' && now === 'notRunning') window.__runs++;
        last = now;
    }).observe(el, {attributes: true});
}"""


def timed_change(page, action, selector: str) -> float:
    """Seconds from a filter change to the rerun finished and the screen's element drawn."""
    page.evaluate(COUNT_RUNS)
    n = page.evaluate("window.__runs")
    t0 = time.perf_counter()
    action()
    page.wait_for_function("n => window.__runs > n", arg=n, timeout=30_000)
    page.wait_for_selector(selector, state="visible", timeout=30_000)
    took = time.perf_counter() - t0
    settle(page, selector)  # let any follow-up rerun finish before the next change
    return took


def test_render_time_after_a_filter_change(browser_page, app_server):
    """Seconds from changing a filter to the screen drawn again (goal < 2 s on the Qinghai demo)."""
    page = browser_page
    timings = {}
    for path, selector, name in SCREENS[:3]:
        page.goto(f"{app_server}/{path}")
        settle(page, selector)
        runs = []
        for label in ("小区数", "完工", "户数", "开工"):  # metric and measure, there and back
            radio = page.get_by_role("radio", name=label)
            assert radio.get_attribute("aria-checked") != "true", label  # a click that changes something
            runs.append(timed_change(page, radio.click, selector))
        timings[name] = {"changes": ["metric→小区数", "stat→完工", "metric→户数", "stat→开工"],
                         "runs_s": [round(r, 3) for r in runs], "max_s": round(max(runs), 3)}
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps(timings, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps(timings, ensure_ascii=False))
    for name, v in timings.items():
        assert v["max_s"] < 6, (name, v)  # the goal is 2 s; fail only on a clear regression

