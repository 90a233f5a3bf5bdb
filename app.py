"""Entry point: page config, the page list, public or staff mode. Nothing else.

The shared filters (programme, region, week, metric, language) are drawn by
`pages._ui.filters.sidebar_filters()` at the top of every screen, bound to the URL.
"""

from __future__ import annotations

import streamlit as st

from lib.present.i18n import t
from pages._ui import access, entry, store

st.set_page_config(page_title=t("app.title", store.lang()), page_icon="🏘️", layout="wide")
store.store()  # open (and on first start, fill) the store before any screen runs

with entry.entry_point():  # a screen run under this mark came through app.py (see pages/_ui/entry.py)
    st.navigation(access.page_list()).run()
