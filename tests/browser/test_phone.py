"""A resident's phone (390×844) in a real browser: no screen scrolls sideways, no table is wider than its
column, and no chart's title, legend and toolbar overlap (issue: the meeting and the phone).

Each visible table is Streamlit's data grid; its scroller's scrollWidth must not exceed its clientWidth
(field-notes). The wide table of each screen has a narrow twin shown below 640 px.
"""

from __future__ import annotations

import pytest

from tests.browser.test_browser import SCREENS, app_server, browser, settle, shot  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}

OVERFLOW = """() => {
  const visible = el => el.offsetParent !== null && el.getBoundingClientRect().width > 0;
  const tables = [...document.querySelectorAll('[data-testid="stDataFrame"]')].filter(visible).map(el => {
    const sc = el.querySelector('.dvn-scroller');
    return sc ? {sw: sc.scrollWidth, cw: sc.clientWidth} : null;
  }).filter(Boolean);
  return {page: document.documentElement.scrollWidth, inner: innerWidth, tables};
}"""

CHROME = """() => {
  const box = el => { const r = el.getBoundingClientRect(); return r.width && r.height ? r : null; };
  const hit = (a, b) => a && b && a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1
                        && b.top < a.bottom - 1;
  const out = [];
  document.querySelectorAll('[data-testid="stPlotlyChart"]').forEach((chart, i) => {
    const title = box(chart.querySelector('.gtitle') || document.createElement('x'));
    const legend = box(chart.querySelector('.legend') || document.createElement('x'));
    const bar = box(chart.querySelector('.modebar') || document.createElement('x'));
    if (hit(title, legend)) out.push(`chart ${i}: title over legend`);
    const groups = [...chart.querySelectorAll('.modebar-group')];
    if (bar && groups.some(g => getComputedStyle(g).opacity !== '0')) {  // a toolbar shown only on hover is not in the way
      if (hit(title, bar)) out.push(`chart ${i}: title under the toolbar`);
      if (hit(legend, bar)) out.push(`chart ${i}: legend under the toolbar`);
    }
  });
  return out;
}"""


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_no_screen_scrolls_sideways_on_a_phone(browser, app_server, lang):  # noqa: F811
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN" if lang == "zh" else "en-US", device_scale_factor=2,
                              is_mobile=True, has_touch=True)
    page = ctx.new_page()
    problems = []
    try:
        for path, selector, name in SCREENS:
            page.goto(f"{app_server}/{path}?lang={lang}")
            settle(page, selector + " >> visible=true", timeout=60_000)
            got = page.evaluate(OVERFLOW)
            if got["page"] > got["inner"]:
                problems.append(f"{name}: the page is {got['page']} px wide in {got['inner']} px")
            for i, tb in enumerate(got["tables"]):
                if tb["sw"] > tb["cw"] + 1:
                    problems.append(f"{name}: table {i} is {tb['sw']} px wide in {tb['cw']} px")
            problems += [f"{name}: {p}" for p in page.evaluate(CHROME)]
            shot(page, f"phone_{name}_{lang}")
    finally:
        ctx.close()
    assert problems == [], "\n".join(problems)
