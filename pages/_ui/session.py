"""Who is signed in to this browser session: the Streamlit side of `lib.access.auth`.

A password sign-in lives in the session (a reload signs out); an OIDC sign-in (`st.login`,
when `[auth]` is configured in secrets.toml) lives in Streamlit's identity cookie and is
mapped to an `app_user` account by email or user name. Either way the account is re-read on
every run, so disabling it takes effect at once, and the session ends after
SESSION_TTL_MINUTES.
"""

from __future__ import annotations

import importlib.util

import streamlit as st

from lib.access import auth
from lib.domain.errors import PermissionDenied
from pages._ui.store import settings, store

KEY = "_auth_actor"  # session state: the signed-in Actor
_EXPIRED = "_auth_expired"


def current_actor() -> auth.Actor:
    """Who is using this session: a signed-in account, or the anonymous public."""
    if settings().public:
        return auth.Actor.public()
    actor = st.session_state.get(KEY)
    if actor is None:
        actor = _oidc_actor()
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
    st.session_state.pop(_EXPIRED, None)
    return actor


def sign_out() -> None:
    actor = st.session_state.get(KEY)
    _forget()
    if actor is not None and actor.via == "oidc" and oidc_configured():
        st.logout()


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
