"""Who is signed in to this browser session: the Streamlit side of `lib.access.auth`.

A password sign-in lives in the session and in a signed HttpOnly cookie (lib.access.web_session,
set through pages/_ui/server.py), so a reload (F5 on the projector) keeps it; an OIDC sign-in
(`st.login`, when `[auth]` is configured in secrets.toml) lives in Streamlit's identity cookie and
is mapped to an `app_user` account by email or user name. Either way the account is re-read on
every run, so disabling it takes effect at once, and the session ends after
SESSION_TTL_MINUTES; signing out revokes the cookie on every replica.
"""

from __future__ import annotations

import importlib.util
import json

import streamlit as st

from lib.access import auth, web_session
from lib.domain.clock import utcnow
from lib.domain.errors import PermissionDenied
from pages._ui import server
from pages._ui.store import settings, store

KEY = "_auth_actor"  # session state: the signed-in Actor
_EXPIRED = "_auth_expired"
_COOKIE = "_auth_cookie"  # this session's cookie value (to revoke it on sign-out)
_TICKET = "_auth_cookie_ticket"  # a ticket the page still has to exchange for the cookie
_CLEAR = "_auth_cookie_clear"  # the page has to clear the cookie (signed out)
_SIGNED_OUT = "_auth_signed_out"  # signed out in this session: the cookie sent at its start is void


def current_actor() -> auth.Actor:
    """Who is using this session: a signed-in account, or the anonymous public."""
    if settings().public:
        return auth.Actor.public()
    actor = st.session_state.get(KEY)
    if actor is None:
        actor = _cookie_actor() or _oidc_actor()
        if actor is None:
            return auth.Actor.public()
    if actor.expired():
        _forget(expired=True)
        return auth.Actor.public()
    fresh = auth.refresh(store(), actor)
    if fresh.role == "public":  # disabled or deleted since sign-in
        _forget()
        return fresh
    st.session_state[KEY] = fresh
    return fresh


def sign_in(username: str, password: str) -> auth.Actor:
    """Check the password (lockout counted in lib.access.auth); remember the actor for this session."""
    if settings().public:
        raise PermissionDenied("公众版不能登录。", "No sign-in on the public edition.")
    actor = auth.authenticate(store(), username, password)
    st.session_state[KEY] = actor
    for k in (_EXPIRED, _SIGNED_OUT, _CLEAR):
        st.session_state.pop(k, None)
    value = web_session.issue(store(), actor)
    st.session_state[_COOKIE] = value
    max_age = max(1, int((actor.expires_at - utcnow()).total_seconds()))
    st.session_state[_TICKET] = server.ticket_for(value, max_age)
    return actor


def sign_out() -> None:
    actor = st.session_state.get(KEY)
    for value in {st.session_state.get(_COOKIE), _sent_cookie()} - {None}:
        web_session.revoke(store(), value)
    _forget()
    st.session_state[_SIGNED_OUT] = True
    st.session_state[_CLEAR] = True
    st.session_state.pop(_TICKET, None)
    if actor is not None and actor.via == "oidc" and oidc_configured():
        st.logout()


def sync_cookie() -> None:
    """Run by app.py on every run: the page exchanges a fresh sign-in's ticket for the HttpOnly
    cookie, or clears the cookie after a sign-out (a script in the page, no visible element)."""
    ticket, clear = st.session_state.pop(_TICKET, None), st.session_state.pop(_CLEAR, None)
    if ticket:
        js = f"fetch('/api/session', {{method: 'POST', body: {json.dumps(ticket)}, credentials: 'same-origin'}});"
    elif clear:
        js = "fetch('/api/session', {method: 'DELETE', credentials: 'same-origin'});"
    else:
        return
    with st.sidebar:
        st.html(f"<script>{js}</script>", unsafe_allow_javascript=True, width=1)


def _sent_cookie() -> str | None:
    """The session cookie the browser sent when this session began (None without one)."""
    try:
        return st.context.cookies.get(web_session.COOKIE)
    except Exception:  # noqa: BLE001 - no request behind this run (AppTest)
        return None


def _cookie_actor() -> auth.Actor | None:
    """A reload: the account of a valid session cookie, unless this session signed out."""
    if st.session_state.get(_SIGNED_OUT) or st.session_state.get(_EXPIRED):
        return None
    value = _sent_cookie()
    if not value:
        return None
    actor = web_session.verify(store(), value)
    if actor is not None:
        st.session_state[KEY] = actor
        st.session_state[_COOKIE] = value
    return actor



def _forget(expired: bool = False) -> None:
    st.session_state.pop(KEY, None)
    if expired:
        st.session_state[_EXPIRED] = True


def just_expired() -> bool:
    return bool(st.session_state.get(_EXPIRED))


# --- OIDC ------------------------------------------------------------------------------------

def oidc_providers() -> list[str | None]:
    """Providers configured under [auth] in secrets.toml ([None] = the single default one); []: none."""
    if settings().public or importlib.util.find_spec("authlib") is None:
        return []
    try:
        conf = st.secrets.get("auth") if "auth" in st.secrets else None
    except Exception:  # noqa: BLE001 - no secrets.toml at all
        return []
    if not conf:
        return []
    named = [k for k, v in conf.items() if hasattr(v, "keys")]
    if named:
        return named
    return [None] if "client_id" in conf or "server_metadata_url" in conf else []


def oidc_configured() -> bool:
    return bool(oidc_providers())


def oidc_identity() -> str | None:
    try:
        if oidc_configured() and st.user.is_logged_in:
            return st.user.get("email") or st.user.get("preferred_username") or st.user.get("name")
    except Exception:  # noqa: BLE001
        return None
    return None


def _oidc_actor() -> auth.Actor | None:
    if st.session_state.get(_EXPIRED) or not oidc_configured():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        names = [st.user.get("email"), st.user.get("preferred_username")]
    except Exception:  # noqa: BLE001
        return None
    actor = auth.actor_for_identity(store(), names, via="oidc")
    if actor is not None:
        st.session_state[KEY] = actor
    return actor
