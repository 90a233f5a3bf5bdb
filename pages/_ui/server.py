"""The two HTTP routes the dashboard adds to Streamlit's server: set and clear the session cookie.

A Streamlit script cannot set an HttpOnly cookie (it answers over a websocket), so a sign-in hands
the browser a one-time ticket, good for a minute, and the page posts it to `/api/session`; the
route answers with `Set-Cookie: renovation_session=…; HttpOnly; SameSite=Strict`. The ticket is
in a request body, never in a URL; the cookie's value never reaches the page's scripts.
Sticky sessions (deploy/nginx.conf) keep the post on the replica that issued the ticket.
"""

from __future__ import annotations

import secrets
import threading
import time

from starlette.requests import Request
from streamlit.runtime.pages_manager import PagesManager
from starlette.responses import Response
from starlette.routing import Route

from lib.access import web_session

# The dashboard's screens are an st.navigation list (app.py) from the first session on. With a pages/
# folder beside app.py, Streamlit would serve a fresh server's first session its legacy page list (the
# file names: "app, admin, bigscreen …", in no language) until some session has called st.navigation;
# this module is imported once by the server before any session, so the legacy mode never starts.
# (The one use of Streamlit's internal runtime in the screens: tests/architecture/test_imports.py.)
PagesManager.uses_pages_directory = False

TICKET_SECONDS = 60
_tickets: dict[str, tuple[str, float, int]] = {}  # ticket -> (cookie value, issued at, max-age)
_lock = threading.Lock()


def ticket_for(cookie_value: str, max_age: int) -> str:
    """A one-time ticket the browser exchanges for the cookie (pages/_ui/session.py)."""
    now = time.monotonic()
    ticket = secrets.token_urlsafe(24)
    with _lock:
        for k in [k for k, (_, at, _) in _tickets.items() if now - at > TICKET_SECONDS]:
            del _tickets[k]
        _tickets[ticket] = (cookie_value, now, max_age)
    return ticket


def _redeem(ticket: str) -> tuple[str, int] | None:
    with _lock:
        got = _tickets.pop(ticket, None)
    if got is None or time.monotonic() - got[1] > TICKET_SECONDS:
        return None
    return got[0], got[2]


async def session_cookie(request: Request) -> Response:
    secure = request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"
    if request.method == "DELETE":
        resp = Response(status_code=204)
        resp.delete_cookie(web_session.COOKIE, path="/", httponly=True, samesite="strict", secure=secure)
        return resp
    body = (await request.body())[:256].decode("ascii", "replace").strip()
    got = _redeem(body)
    if got is None:
        return Response("ticket unknown or expired", status_code=400)
    value, max_age = got
    resp = Response(status_code=204)
    resp.set_cookie(web_session.COOKIE, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                    secure=secure)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def routes() -> list[Route]:
    return [Route("/api/session", session_cookie, methods=["POST", "DELETE"])]
