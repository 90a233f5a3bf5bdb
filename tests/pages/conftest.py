"""Fixtures for the screen tests: app.py under AppTest on a private SQLite copy of the demo."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.screens import APP


@pytest.fixture
def app(sqlite_demo_url, monkeypatch):
    """An AppTest of app.py on a private copy of the demo (public by default: nobody signed in)."""
    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_LANG", "zh")
    monkeypatch.delenv("DASHBOARD_PUBLIC", raising=False)

    def make(**params) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=90)
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    make.url = sqlite_demo_url
    return make
