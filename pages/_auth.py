"""The signed-in user of this browser session: the Streamlit side of `lib.auth`.

A password sign-in lives in the session (a reload signs out); an OIDC sign-in
(`st.login`, when `[auth]` is configured in secrets.toml) lives in Streamlit's
identity cookie and is mapped to an `app_user` account by email or user name.
Either way the account is re-read on every run, so disabling it takes effect at
once, and the session ends after SESSION_TTL_MINUTES.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import streamlit as st

from lib.access import auth
from lib.domain.settings import load_config

_KEY = "_auth_actor"
_EXPIRED = "_auth_expired"


def _store():
    from pages import _shared

    return _shared.store()


def _through_the_entry_point(actor: auth.Actor) -> None:
    """A page run without app.py obeys the same page list.

    Measured on Streamlit 1.67: a `pages/` folder beside app.py puts a fresh server in the old
    pages-folder mode until app.py has run once; a deep link such as /admin or /dispatch as the
    first request runs that page script directly, without app.py and its page list, and the
    sidebar lists every file. Leave that mode for the whole process (as st.navigation does) and,
    if this session may not see the page, send it to the entry point.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    if not PagesManager.uses_pages_directory:
        return
    PagesManager.uses_pages_directory = False
    ctx = get_script_run_ctx()
    if ctx is None:
        return
    main = Path(ctx.pages_manager.main_script_path).resolve()
    info = ctx.pages_manager.get_pages().get(ctx.page_script_hash, {})
    script = Path(str(info.get("script_path") or main)).resolve()
    if script == main:
        return
    from pages import _shared

    if not _shared.may_see(script.stem, actor):
        st.switch_page(main.name)


def current_actor() -> auth.Actor:
    """Who is using this session: a signed-in account, or the anonymous public."""
    actor = _session_actor()
    _through_the_entry_point(actor)
    return actor


def _session_actor() -> auth.Actor:
    if load_config().public:
        return auth.Actor.public()
    actor = st.session_state.get(_KEY)
    if actor is None:
        actor = _oidc_actor()
        if actor is None:
            return auth.Actor.public()
    if actor.expired():
        _forget(expired=True)
        return auth.Actor.public()
    fresh = auth.refresh(_store(), actor)
    if fresh.role == "public":  # disabled or deleted since sign-in
        _forget()
        return fresh
    st.session_state[_KEY] = fresh
    return fresh


def sign_in(username: str, password: str) -> auth.Actor:
    """Check the password (lockout counted in lib.auth); remember the actor for this session."""
    if load_config().public:
        from lib.domain.errors import PermissionDenied

        raise PermissionDenied("公众版不能登录。", "No sign-in on the public edition.")
    actor = auth.authenticate(_store(), username, password)
    st.session_state[_KEY] = actor
    st.session_state.pop(_EXPIRED, None)
    return actor


def sign_out() -> None:
    actor = st.session_state.get(_KEY)
    _forget()
    if actor is not None and actor.via == "oidc" and oidc_configured():
        st.logout()


def _forget(expired: bool = False) -> None:
    st.session_state.pop(_KEY, None)
    if expired:
        st.session_state[_EXPIRED] = True


def just_expired() -> bool:
    return bool(st.session_state.get(_EXPIRED))


# --- OIDC ------------------------------------------------------------------------------------

def oidc_providers() -> list[str | None]:
    """Providers configured under [auth] in secrets.toml ([None] = the single default one); []: none."""
    if load_config().public or importlib.util.find_spec("authlib") is None:
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
    actor = auth.actor_for_identity(_store(), names, via="oidc")
    if actor is not None:
        st.session_state[_KEY] = actor
    return actor
