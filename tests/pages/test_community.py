"""pages/community.py (AppTest): one community's record and history, public view."""

from __future__ import annotations

from lib.access.auth import Actor
from lib.figures import trends
from lib.store.engine import open_store
from tests.support.screens import go, text_of


def test_community_page_shows_record_and_history(app, monkeypatch):
    at = app()
    at.session_state["community"] = 5
    go(at, "community")
    assert at.title[0].value == "柴达木巷住宅小区"
    history = at.dataframe[1].value
    detail = trends.community_detail(open_store(app.url), 5, viewer=Actor.system())["history"]
    assert len(history) == len(detail) > 20
    assert "存在问题" not in history.columns and "填报人" not in history.columns  # public view
    assert list(history["填报日期"])[0] == detail["report_date"].max()
    assert "暂无上传记录" in text_of(at)
