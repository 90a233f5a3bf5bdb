"""The screens and who may see them, in one table: navigation and access both derive from it.

Each screen names the lib.access.auth action it needs: "read" is everyone (the public
included); "login" is the sign-in screen (every staff deployment, never the public one).
A screen that names nothing needs "read_internal", so a new screen is never public by
mistake; on the public deployment only "read" screens exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

import streamlit as st

from lib.access import auth
from lib.access.auth import Actor
from lib.present.i18n import t
from pages._ui.session import current_actor
from pages._ui.store import lang, settings


@dataclass(frozen=True)
class Screen:
    script: str               # path from the app's folder: pages/<name>.py
    title: str                # i18n key of the title in the navigation
    icon: str
    need: str = "read_internal"  # lib.access.auth action; "login": the sign-in screen
    hidden: bool = False      # reached by a link, not listed in the navigation
    default: bool = False     # the landing screen
    title_signed_in: str | None = None  # i18n key once a staff member is signed in

    @property
    def url_path(self) -> str:
        return PurePosixPath(self.script).stem


SCREENS: tuple[Screen, ...] = (
    Screen("pages/overview.py", "nav.overview", ":material/dashboard:", "read", default=True),
    Screen("pages/map.py", "nav.map", ":material/map:", "read"),
    Screen("pages/rankings.py", "nav.rankings", ":material/leaderboard:", "read"),
    Screen("pages/bigscreen.py", "nav.bigscreen", ":material/tv:", "read"),
    Screen("pages/progress.py", "nav.progress", ":material/trending_up:", "read"),
    Screen("pages/content.py", "nav.content", ":material/construction:", "read"),
    Screen("pages/register.py", "nav.register", ":material/table_view:", "read"),
    Screen("pages/community.py", "nav.community", ":material/home:", "read", hidden=True),
    Screen("pages/upload.py", "nav.upload", ":material/upload_file:", "upload"),
    Screen("pages/review.py", "nav.review", ":material/fact_check:"),
    Screen("pages/dispatch.py", "nav.dispatch", ":material/event_note:"),
    Screen("pages/bulletin.py", "nav.bulletin", ":material/description:"),
    Screen("pages/admin.py", "nav.admin", ":material/admin_panel_settings:", "audit"),
    Screen("pages/login.py", "nav.login", ":material/person:", "login", title_signed_in="nav.account"),
)
SCREEN_BY_PATH = {s.url_path: s for s in SCREENS}


def may_see(url_path: str, actor: Actor) -> bool:
    """May this actor see the screen at `url_path` ("" is the landing screen)?"""
    screen = SCREEN_BY_PATH.get(url_path) or (next(s for s in SCREENS if s.default) if not url_path else None)
    need = screen.need if screen else "read_internal"
    public = settings().public
    if need == "login":
        return not public
    return auth.can(actor, need) and (need == "read" or not public)


def page_list() -> list:
    """The st.Page list of the screens this session may see, in the order the navigation shows them."""
    actor = current_actor()
    L = lang()
    return [st.Page(s.script, title=t(s.title_signed_in if s.title_signed_in and actor.is_staff else s.title, L),
                    icon=s.icon, default=s.default, visibility="hidden" if s.hidden else "visible")
            for s in SCREENS if may_see(s.url_path, actor)]
