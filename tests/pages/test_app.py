"""app.py, the entry point: which screens each session gets, by deployment mode and role."""

from __future__ import annotations

import pytest

from lib.access import auth
from lib.access.auth import Actor
from lib.domain import settings
from lib.store.engine import open_store
from tests.support import CD, ROOT

PROBE = """
import streamlit as st
from pages._ui import access as ui
st.write("|".join(sorted(p.url_path or "overview" for p in ui.page_list())))
"""


def _page_list(url: str, public: bool, actor: Actor | None, tmp_path, monkeypatch) -> set[str]:
    """The pages `pages._ui.access.page_list()` gives one session (a probe app beside the real pages)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "1" if public else "0")
    settings.reset()  # settings are resolved once per process: this probe changes the deployment mode
    app = tmp_path / "probe"
    app.mkdir(exist_ok=True)
    if not (app / "pages").exists():
        (app / "pages").symlink_to(ROOT / "pages")
    (app / "probe.py").write_text(PROBE, encoding="utf-8")
    at = AppTest.from_file(str(app / "probe.py"), default_timeout=60)
    if actor is not None:
        at.session_state["_auth_actor"] = actor
    at.run()
    assert not at.exception, at.exception
    return set(at.markdown[0].value.split("|"))


PUBLIC_PAGES = {"overview", "map", "rankings", "progress", "content", "register", "community", "bigscreen"}


def test_page_lists_by_mode_and_role(sqlite_demo_url, tmp_path, monkeypatch):
    store = open_store(sqlite_demo_url, read_only=False)
    for name, role, scope in (("cd_clerk", "district", CD), ("lead", "leader", None), ("boss", "admin", None)):
        auth.create_user(store, Actor.system(), name, role, "long enough pw", scope_adcode=scope)
    me = {n: auth.load_actor(store, n, via="password") for n in ("cd_clerk", "lead", "boss")}

    assert _page_list(sqlite_demo_url, True, None, tmp_path, monkeypatch) == PUBLIC_PAGES
    # even a signed-in session state means nothing on the public deployment
    assert _page_list(sqlite_demo_url, True, me["boss"], tmp_path, monkeypatch) == PUBLIC_PAGES
    assert _page_list(sqlite_demo_url, False, None, tmp_path, monkeypatch) == PUBLIC_PAGES | {"login"}
    clerk = _page_list(sqlite_demo_url, False, me["cd_clerk"], tmp_path, monkeypatch)
    assert "upload" in clerk and "admin" not in clerk
    leader = _page_list(sqlite_demo_url, False, me["lead"], tmp_path, monkeypatch)
    assert "upload" not in leader and "admin" not in leader and "dispatch" in leader and "review" in leader
    boss = _page_list(sqlite_demo_url, False, me["boss"], tmp_path, monkeypatch)
    assert {"upload", "review", "admin", "dispatch", "bulletin", "login"} <= boss
    # a disabled account loses its pages on the next run
    auth.disable_user(store, Actor.system(), "boss")
    assert _page_list(sqlite_demo_url, False, me["boss"], tmp_path, monkeypatch) == PUBLIC_PAGES | {"login"}


def test_public_app_offers_no_write_path(sqlite_demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert any("公众版" in c.value for c in at.caption)  # the banner with the data's as-of date
    for page in ("pages/login.py", "pages/admin.py", "pages/upload.py", "pages/review.py", "pages/dispatch.py",
                 "pages/bulletin.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at.switch_page("pages/register.py").run()
    assert not at.exception
    assert not at.get("file_uploader") and not at.text_area
