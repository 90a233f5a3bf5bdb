"""The big screen (大屏) and projector mode in a real browser at the meeting room's 1920×1080.

Text sizes are measured on the element that holds each text node (a TreeWalker over text
nodes): a container can be large while the text inside it is small (field-notes). Screenshots
go to tests/_artifacts/screenshots/ (the shared `SHOTS` of test_browser.py).
"""

from __future__ import annotations

import pytest

from tests.browser.test_browser import SHOTS, app_server, browser, settle  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser

MEETING = {"width": 1920, "height": 1080}
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Mobile/15E148 Safari/604.1")

# the drawn size of every text node under the elements matching a selector: [[text, px], ...]
TEXT_SIZES = """sel => { const out = [];
  for (const el of document.querySelectorAll(sel)) {
    const w = document.createTreeWalker(el, NodeFilter.SHOW_TEXT); let n;
    while ((n = w.nextNode())) { if (!n.textContent.trim()) continue;
      out.push([n.textContent.trim(), parseFloat(getComputedStyle(n.parentElement).fontSize)]); } }
  return out; }"""


def sizes(page, selector: str) -> list[tuple[str, float]]:
    return [(text, px) for text, px in page.evaluate(TEXT_SIZES, selector)]


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.fixture
def meeting(browser):  # noqa: F811 - the fixture imported above
    ctx = browser.new_context(viewport=MEETING, locale="zh-CN")
    page = ctx.new_page()
    yield page
    ctx.close()


def pick_view(page, name: str) -> None:
    page.get_by_role("radio", name=name).first.click()


def test_big_screen_reads_from_the_back_of_the_room(meeting, app_server):  # noqa: F811
    page = meeting
    page.goto(f"{app_server}/bigscreen?pause=1")
    settle(page, '[data-testid="bs-card"]')
    figures = sizes(page, ".bs-figure")
    labels = sizes(page, ".bs-label")
    assert len(figures) >= 6 and len(labels) >= 6
    assert min(px for _, px in figures) >= 56, figures
    assert min(px for _, px in labels) >= 24, labels
    stamp = page.locator('[data-testid="bs-stamp"]').inner_text()
    assert stamp.startswith("数据截至 ") and "第" in stamp and "周" in stamp
    # no sidebar, no header: the whole 16:9 is the meeting's
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    shot(page, "bigscreen_overview_1920")

    pick_view(page, "地图")
    settle(page, '[data-testid="stDeckGlJsonChart"]')
    page.wait_for_timeout(1500)  # WebGL draws after the element appears
    legend = page.locator('[data-testid="map-legend"]').inner_text()
    assert "序时进度" in legend and "已完成目标" in legend
    assert min(px for _, px in sizes(page, '[data-testid="map-legend"]')) >= 18
    shot(page, "bigscreen_map_1920")

    pick_view(page, "排名")
    settle(page, '[data-testid="stPlotlyChart"]')
    page.wait_for_timeout(800)
    charts = page.locator('[data-testid="stPlotlyChart"]')
    assert charts.count() == 2  # 45 counties in two columns
    bottom = page.evaluate("""() => Math.max(...[...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
                               .map(e => e.getBoundingClientRect().bottom))""")
    assert bottom <= MEETING["height"], bottom  # the whole ranking without scrolling
    tick_px = page.evaluate("""() => Math.min(...[...document.querySelectorAll('[data-testid="stPlotlyChart"] .ytick text')]
                                .map(e => parseFloat(getComputedStyle(e).fontSize)))""")
    assert tick_px >= 16, tick_px
    shot(page, "bigscreen_ranking_1920")

    pick_view(page, "本周变化")
    settle(page, '[data-testid="bs-card"]')
    body = page.locator('[data-testid="stMain"]').inner_text()
    for heading in ("新开工", "排名变化", "本周未按时填报", "待办督办事项"):
        assert heading in body
    shot(page, "bigscreen_week_1920")


@pytest.mark.parametrize("size", [(1920, 1080), (1366, 768)])
def test_every_view_fills_the_screen_without_scrolling(browser, app_server, size):  # noqa: F811
    """The projector and a laptop: each view's chart or map reaches down to the foot of the screen (no
    empty half at 1920×1080) and nothing runs below it (no scrolling at 1366×768); every county of the
    ranking is named, none thinned out by a short screen."""
    w, h = size
    ctx = browser.new_context(viewport={"width": w, "height": h}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{app_server}/bigscreen?pause=1")
    settle(page, '[data-testid="bs-card"]')
    for view, element in (("总览", "stPlotlyChart"), ("地图", "stDeckGlJsonChart"), ("排名", "stPlotlyChart")):
        pick_view(page, view)
        settle(page, f'[data-testid="{element}"]')
        page.wait_for_timeout(800)
        assert page.evaluate("document.documentElement.scrollHeight <= innerHeight + 1"), (view, size)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), (view, size)
        bottom = page.evaluate(f"""() => Math.max(...[...document.querySelectorAll('[data-testid="{element}"]')]
                                   .map(e => e.getBoundingClientRect().bottom))""")
        assert h * 0.85 <= bottom <= h, (view, size, bottom)
        if view == "排名":
            named = page.evaluate("""() => [...document.querySelectorAll('[data-testid="stPlotlyChart"] .ytick text')]
                                      .map(e => e.textContent).filter(t => t.trim())""")
            assert len(named) == 45, named  # all of Qinghai's county-level units
            shot(page, f"bigscreen_ranking_{w}")
    ctx.close()


def test_the_carousel_turns_by_itself_and_pauses(meeting, app_server):  # noqa: F811
    page = meeting
    page.goto(f"{app_server}/bigscreen?every=5")
    settle(page, '[data-testid="bs-card"]')
    assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 0
    # no click, no reload: the fragment's timer turns to the map
    page.wait_for_selector('[data-testid="stDeckGlJsonChart"]', timeout=20_000)
    page.get_by_text("暂停轮播").click()
    page.wait_for_function("""() => document.querySelector('[data-testid="bs-stamp"]')?.innerText.includes('轮播已暂停')""")
    settle(page)
    paused_on = current_view(page)
    page.wait_for_timeout(12_000)  # more than two turns
    assert current_view(page) == paused_on and paused_on in ("地图", "排名", "本周变化")


def current_view(page) -> str:
    views = page.evaluate("""() => [...document.querySelectorAll('[role=radio][aria-checked=true]')]
                              .map(e => e.innerText.trim())""")
    return next(v for v in views if v in ("总览", "地图", "排名", "本周变化"))


def test_big_screen_in_english(meeting, app_server):  # noqa: F811
    page = meeting
    page.goto(f"{app_server}/bigscreen?pause=1&lang=en")
    settle(page, '[data-testid="bs-card"]')
    assert page.locator('[data-testid="bs-stamp"]').inner_text().startswith("Data as of ")
    assert "Start rate" in page.locator('[data-testid="stMain"]').inner_text()
    shot(page, "bigscreen_overview_1920_en")


def test_projector_mode_makes_the_figures_bigger(meeting, app_server):  # noqa: F811
    """Before: the figures were drawn at 19.2 px with projector mode on and 36 px off."""
    page = meeting
    measured = {}
    for proj in ("false", "true"):
        page.goto(f"{app_server}/?proj={proj}")
        settle(page, '[data-testid="stMetric"]')
        measured[proj] = (min(px for _, px in sizes(page, '[data-testid="stMetricValue"]')),
                          min(px for _, px in sizes(page, '[data-testid="stMetricLabel"]')),
                          min(px for _, px in sizes(page, "h1")))
    off, on = measured["false"], measured["true"]
    assert on[0] > off[0] and on[0] >= 56, measured  # figures
    assert on[1] > off[1], measured  # their labels
    assert on[2] > off[2], measured  # the title grows too
    shot(page, "overview_projector_1920")


def test_phone_sees_the_whole_province_on_the_map(browser, app_server):  # noqa: F811
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=PHONE_UA, is_mobile=True,
                              has_touch=True, locale="zh-CN")
    page = ctx.new_page()
    try:
        page.goto(f"{app_server}/map")
        settle(page, '[data-testid="stDeckGlJsonChart"]')
        page.wait_for_timeout(1500)
        shot(page, "map_390")
        page.goto(f"{app_server}/bigscreen?pause=1")
        settle(page, '[data-testid="bs-card"]')
        shot(page, "bigscreen_overview_390")
    finally:
        ctx.close()


GANDE = "632623"  # 甘德县: did not report the demo's last week


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """A dashboard of its own (this test writes to its store)."""
    import subprocess
    import sys

    from tests.browser.test_browser import ROOT
    from tests.support.streamlit_server import require_chromium, streamlit_server

    require_chromium()
    url = f"sqlite:///{tmp_path_factory.mktemp('bs_upload') / 'demo.db'}"
    subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, "demo"], cwd=ROOT, check=True, capture_output=True)
    with streamlit_server(url, tmp_path_factory.mktemp("log") / "streamlit.log") as base:
        yield base, url


def test_an_upload_appears_on_the_paused_big_screen_without_a_reload(browser, own_server):  # noqa: F811
    from lib.store.engine import open_store
    from tests.support import uploads

    base, url = own_server
    ctx = browser.new_context(viewport=MEETING, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{base}/bigscreen?pause=1&view=week&every=5")
    settle(page, '[data-testid="bs-card"]')
    missing = """() => [...document.querySelectorAll('.bs-card')].filter(c => c.innerText.startsWith('本周未按时填报'))
                       .map(c => c.innerText).join('')"""
    assert "甘德县" in page.evaluate(missing) and "逾期" not in page.evaluate(missing)
    page.evaluate("window.__no_reload = 1")  # gone if the page reloads

    store = open_store(url, read_only=False)
    pv = uploads.commit(store, uploads.xlsx(uploads.progress_rows(store, adcode=GANDE)), county=GANDE,
                        as_of=uploads.LAST, actor=uploads.district("gd_clerk", GANDE))
    assert pv.status == "committed", pv.errors

    # it reported, after the deadline: named as late now, no longer as missing
    page.wait_for_function(f"() => ({missing})().includes('甘德县（逾期报送）')", timeout=45_000)
    assert "门源回族自治县" in page.evaluate(missing) and "门源回族自治县（" not in page.evaluate(missing)
    assert page.evaluate("window.__no_reload") == 1
    assert page.get_by_role("radio", name="本周变化").first.is_checked()  # paused: still on its view
    ctx.close()
