"""pages/register.py (AppTest): search, and no internal columns for a visitor who is not signed in."""

from __future__ import annotations

from tests.support.screens import go, text_of


def test_register_search_and_public_mode(app):
    at = go(app(), "register")
    cols = list(at.dataframe[0].value.columns)
    assert "存在问题" not in cols and "备注" not in cols  # nobody signed in: public view
    at.text_input(key="q").set_value("QH2021-630102-005").run()
    assert len(at.dataframe[0].value) == 1
    assert "共 1 个小区" in text_of(at)
