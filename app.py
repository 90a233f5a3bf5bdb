"""Entry point: page config, the page list, public or staff mode. Nothing else.

The shared filters (programme, region, week, metric, language) are drawn by
`pages/_shared.sidebar_filters()` at the top of every page, bound to the URL.
"""

from __future__ import annotations

import streamlit as st

from lib.present.i18n import t
from pages import _shared as ui

st.set_page_config(page_title=t("app.title", ui.lang()), page_icon="🏘️", layout="wide")
ui.store()  # open (and on first start, fill) the store before any page runs

st.navigation(ui.page_list()).run()
