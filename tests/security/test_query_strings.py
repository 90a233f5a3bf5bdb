"""Any value in any query-string parameter, on every screen: never a traceback (issue 13, defect 7).

Before: `/community?c=99999999999999999999` showed an OverflowError with server paths to anonymous
visitors, and `?week=²` (a digit to str.isdigit, not to int) a ValueError on every screen.
Every URL parameter a screen reads is set to the same hostile value at once: huge, negative,
unicode digits, SQL, markdown, 20,000 characters, a NUL byte, an emoji.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.access import auth
from lib.access.auth import Actor
from lib.store.engine import open_store
from tests.support.screens import APP

# every parameter a screen binds or reads (pages/_ui/filters.py, register, rankings, progress, community)
PARAMS = ("lang", "programme", "pref", "county", "week", "metric", "stat", "proj", "q", "rank_by", "compare", "c")
HOSTILE = ("9" * 30, "-1", "²", "１２３", "2147483648", "' OR 1=1 --", "![](http://127.0.0.1:9/t.png)",
           "a" * 20000, "\x00", "😀")
PUBLIC_PAGES = ("overview", "map", "rankings", "progress", "content", "register", "community")
STAFF_PAGES = ("dispatch", "bulletin", "upload", "admin", "login", "community")


def _visit(page: str, value: str, actor: Actor | None) -> list[str]:
    at = AppTest.from_file(APP, default_timeout=120)
    if actor is not None:
        at.session_state["_auth_actor"] = actor
    for k in PARAMS:
        at.query_params[k] = value
    at.run()
    if page != "overview" and not at.exception:
        at.switch_page(f"pages/{page}.py").run()
    return [e.value[:300] for e in at.exception]


@pytest.mark.parametrize("public,pages,actor", [
    (True, PUBLIC_PAGES, None),
    (False, STAFF_PAGES, Actor(username="boss", role="admin")),
], ids=["public", "staff"])
def test_every_screen_takes_any_query_string(sqlite_demo_url, monkeypatch, public, pages, actor):
    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "1" if public else "0")
    monkeypatch.setenv("DASHBOARD_LANG", "zh")
    if actor is not None:
        auth.create_user(open_store(sqlite_demo_url, read_only=False), Actor.system(), actor.username, actor.role,
                         "long enough pw")
    failures = {(page, value[:12]): exc for page in pages for value in HOSTILE
                if (exc := _visit(page, value, actor))}
    assert failures == {}


def test_a_name_written_as_markdown_is_shown_as_written(sqlite_demo_url, monkeypatch):
    """A community uploaded as `![x](http://…) **粗**` is a name, not an image to fetch or bold text: the
    community screen's title shows every character as written (markdown escaped, lib.present.i18n.plain)."""
    from streamlit.testing.v1 import AppTest

    from lib.store.engine import open_store
    from lib.store.models import Project
    from tests.support import ROOT
    evil = "![x](http://127.0.0.1:9/track.png) **粗** <img src=x>"
    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)

    def community_title() -> str:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.query_params["c"] = "1"
        at.run()
        at.switch_page("pages/community.py").run()
        assert not at.exception
        return at.title[0].value

    shown = community_title()
    store = open_store(sqlite_demo_url, read_only=False)
    with store.write() as s:
        for p in s.query(Project).filter(Project.name == shown):
            p.name = evil
    title = community_title()
    assert title == r"\!\[x\]\(http\://127\.0\.0\.1\:9/track\.png\) \*\*粗\*\* \<img src=x\>"
