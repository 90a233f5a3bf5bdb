"""Entry point: page config, the page list, public or staff mode. Nothing else.

The shared filters (programme, region, week, metric, language) are drawn by
`pages._ui.filters.sidebar_filters()` at the top of every screen, bound to the URL.

`streamlit run app.py` finds `app = st.App(...)` below and serves Streamlit with the one route of
the dashboard's own (pages/_ui/server.py: the HttpOnly session cookie); the server imports this
file as the module `app`, while every browser session runs it as the script `__main__`.
"""

from __future__ import annotations

import streamlit as st

if __name__ != "__main__":  # imported by the server: Streamlit plus the session-cookie route
    from pages._ui import server

    app = st.App("app.py", routes=server.routes())
else:  # a browser session's run
    from lib.present.i18n import t
    from pages._ui import access, entry, session, store

    st.set_page_config(page_title=t("app.title", store.lang()), page_icon="🏘️", layout="wide")
    store.store()  # open (and on first start, fill) the store before any screen runs
    session.sync_cookie()  # a sign-in or sign-out just now: the page sets or clears the cookie

    with entry.entry_point():  # a screen run under this mark came through app.py (see pages/_ui/entry.py)
        st.navigation(access.page_list(), expanded=True).run()  # every screen listed, none behind "View more"
