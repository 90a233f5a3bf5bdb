"""Every screen runs through the entry point, app.py, even as a fresh server's first request.

The Streamlit behaviour this works around (measured on 1.67): with a `pages/` folder beside
the entry script, a fresh server starts in the legacy pages-folder mode
(`PagesManager.uses_pages_directory`; the script runner's `_mpa_v1` globs pages/*.py) until
some session calls `st.navigation`. In that mode a deep link as the first request (/admin,
/map?pref=630200&week=24) runs pages/<name>.py by itself, without app.py, its page list and
its access rules.

So app.py marks the run it drives (`entry_point()` around `st.navigation(...).run()`), and a
screen that finds itself running without the mark (`enter()`, the first thing
`filters.sidebar_filters()` does) runs app.py and stops. app.py's public `st.navigation`
then resolves the URL's page against this session's page list (the URL and its query string
are kept; a page the session may not see lands on the overview) and takes the whole process
out of the legacy mode, so later requests go through app.py directly. Moving the screens to
a subfolder would avoid the legacy mode too, but Streamlit then shows a blocking
"Page not found" dialog on the first deep link; `pages/` also keeps its name by design.
"""

from __future__ import annotations

import contextvars
import runpy
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import streamlit as st

APP = Path(__file__).resolve().parents[2] / "app.py"

_through_app: contextvars.ContextVar[bool] = contextvars.ContextVar("through_app", default=False)


@contextmanager
def entry_point() -> Iterator[None]:
    """Mark the screen that app.py's navigation runs (app.py wraps `st.navigation(...).run()` in it)."""
    token = _through_app.set(True)
    try:
        yield
    finally:
        _through_app.reset(token)


def enter() -> None:
    """Run app.py instead of this screen if the screen was started without it (see the module text)."""
    if _through_app.get():
        return
    runpy.run_path(str(APP), run_name="__main__")
    st.stop()
