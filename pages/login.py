"""Sign in (user name and password, or the organisation's identity provider) and sign out."""

from __future__ import annotations

import streamlit as st

from lib.access import auth
from lib.domain.errors import UserError
from lib.domain.text import Text
from lib.present.i18n import t
from pages._ui import session
from pages._ui.filters import sidebar_filters
from pages._ui.store import settings, store

f = sidebar_filters(need_programme=False)
L = f.lang
st.title(t("login.title", L))

if settings().public:
    st.info(t("login.public_mode", L))
    st.stop()

actor = f.viewer
if actor.role != "public":
    st.success(t("login.signed_in", L, who=actor.describe(L)))
    if actor.expires_at:
        st.caption(t("login.expires", L, at=actor.expires_at.strftime("%Y-%m-%d %H:%M")))
    st.markdown(t("login.can", L))
    st.markdown("\n".join(f"- {t(Text(zh, en), L)}" for action, (roles, zh, en) in auth.PERMISSIONS.items()
                          if auth.can(actor, action)))
    if st.button(t("login.logout", L), key="logout", icon=":material/logout:"):
        session.sign_out()
        st.rerun()
    st.stop()

if session.just_expired():
    st.warning(t("login.expired", L))
who = session.oidc_identity()
if who:  # signed in at the identity provider, but no account here
    st.warning(t("login.oidc_unmapped", L, who=who))
    if st.button(t("login.logout", L), key="oidc_logout"):
        st.logout()

if not auth.has_admin(store()):
    st.info(t("login.first_admin", L))
    st.code("python -m lib.cli user add 管理员用户名 --role admin", language="bash")
    st.caption(t("login.first_admin_then", L))
st.caption(t("login.intro", L))
with st.form("login", clear_on_submit=False):
    username = st.text_input(t("login.username", L), key="login_user", max_chars=64, autocomplete="username")
    password = st.text_input(t("login.password", L), key="login_password", type="password", max_chars=256,
                             autocomplete="current-password")
    submitted = st.form_submit_button(t("login.submit", L), type="primary")
if submitted:
    try:
        session.sign_in(username, password)
    except UserError as e:
        st.error(e.message(L))
    else:
        st.rerun()
st.caption(t("login.reload_note", L))

for provider in session.oidc_providers():
    label = t("login.oidc", L, provider=provider or "OIDC")
    if st.button(label, key=f"oidc_{provider or 'default'}", icon=":material/login:"):
        st.login(provider) if provider else st.login()
