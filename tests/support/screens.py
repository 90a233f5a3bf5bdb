"""Driving app.py with Streamlit's AppTest: switch screens, read the cards and the text shown."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.support import ROOT

APP = str(ROOT / "app.py")
PAGES = ("overview", "map", "rankings", "progress", "content", "register")


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, (page, [e.value for e in at.exception])
    return at


def metrics_shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def text_of(at: AppTest) -> str:
    parts = [x.value for x in (*at.title, *at.caption, *at.markdown, *at.info, *at.warning, *at.success)]
    return "\n".join(str(p) for p in parts)
