"""Every public screen, in both languages, at the three sizes the issue names (the meeting room's 1920×1080,
a clerk's 1366×768, a resident's 390×844 phone), in a real browser.

What the reader sees is `document.body.innerText` after the screen has rendered. It is checked with the
rules of tests/pages/test_languages.py (which checks the same screens through AppTest, element by element):

* English (`?lang=en`): no CJK character once the data is taken out (place and community names, the
  programmes, what people wrote: `data_strings` of the demo store).
* Chinese (`?lang=zh`): no English word once the data is taken out, except units, file types and codes.

and no screen is wider than the window (`document.documentElement.scrollWidth <= innerWidth`).

One browser, one page per size, one screenshot per screen, language and size:
`shot(page, f"{name}_{lang}_{width}")` (docs/screenshots/ with UPDATE_SCREENSHOTS=1, listed in docs/SCREENS.md).
"""

from __future__ import annotations

import pytest

from lib.store.engine import forget_stores, open_store
from tests.browser.test_browser import SCREENS as BROWSER_SCREENS, app_server, browser, settle, shot  # noqa: F401 (fixtures)
from tests.pages.test_languages import cjk_outside_data, data_strings, english_outside_data

pytestmark = pytest.mark.browser

SIZES = {1920: {"width": 1920, "height": 1080}, 1366: {"width": 1366, "height": 768},
         390: {"width": 390, "height": 844}}

SCREENS = [*BROWSER_SCREENS,  # the screens test_browser renders, and two more
           ("community?c=1", '[data-testid="stDataFrame"]', "community"),
           ("bigscreen?pause=1", '[data-testid="bs-card"]', "bigscreen")]

# The text a reader sees, and whether the page is wider than the window. Material icons are drawn from
# ligatures ("trending_up" is a glyph, not a word) and Streamlit's own keyboard link "Skip to main content"
# (off-screen until focused, not ours to translate) are hidden while the text is read, in one synchronous step.
NOT_TEXT = '[data-testid="stIconMaterial"], [data-testid="stAlertDynamicIcon"], [data-testid="stSkipToContent"]'
READ = """sel => {
  const hidden = [...document.querySelectorAll(sel)].map(el => [el, el.style.display]);
  hidden.forEach(([el]) => { el.style.display = 'none'; });
  const text = document.body.innerText;
  hidden.forEach(([el, display]) => { el.style.display = display; });
  return {text, page: document.documentElement.scrollWidth, inner: innerWidth};
}"""


@pytest.fixture(scope="module")
def demo_data(_demo_templates):
    """The data a screen may show in either language: the same seeded demo the server runs on."""
    store = open_store(f"sqlite:///{_demo_templates('sqlite')}", read_only=True)
    try:
        yield data_strings(store)
    finally:
        forget_stores()


def language_leaks(text: str, lang: str, data: list[str]) -> list[str]:
    """The lines of the page's text that hold the other language outside data."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if lang == "en":
        return cjk_outside_data(lines, data)
    return english_outside_data(lines, data)


@pytest.mark.parametrize("width", list(SIZES))
def test_every_screen_in_both_languages(browser, app_server, demo_data, width):  # noqa: F811
    phone = width == 390
    ctx = browser.new_context(viewport=SIZES[width], locale="zh-CN", is_mobile=phone, has_touch=phone,
                              device_scale_factor=2 if phone else 1)
    page = ctx.new_page()
    problems: list[str] = []
    try:
        for path, selector, name in SCREENS:
            for lang in ("zh", "en"):
                where = f"{name} {lang} {width}"
                sep = "&" if "?" in path else "?"
                page.goto(f"{app_server}/{path}{sep}lang={lang}")
                settle(page, selector + " >> visible=true", timeout=60_000)
                if name == "map":
                    page.wait_for_timeout(800)  # deck.gl draws after the element appears
                if page.locator('[data-testid="stException"]').count():
                    problems.append(f"{where}: an exception is shown")
                got = page.evaluate(READ, NOT_TEXT)
                if got["page"] > got["inner"]:
                    problems.append(f"{where}: the page is {got['page']} px wide in {got['inner']} px")
                problems += [f"{where}: {leak}" for leak in language_leaks(got["text"], lang, demo_data)]
                shot(page, f"{name}_{lang}_{width}")
    finally:
        ctx.close()
    assert problems == [], "\n".join(problems)


def test_the_page_text_check_finds_the_other_language():
    """The check reads lines of page text: a stray word of the other language is found, data is not."""
    data = ["海东市", "Boss"]
    assert language_leaks("Started in 海东市\nTarget 年度目标\n", "en", data) == ["Target 年度目标"]
    assert language_leaks("海东市 已开工\n开工率 Start rate\n下载 Excel\n", "zh", data) == \
        ["'开工率 Start rate' -> ['Start', 'rate']"]
