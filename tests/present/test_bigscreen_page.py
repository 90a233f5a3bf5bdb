"""The big screen (pages/bigscreen.py) in both languages through app.py, as tests/pages/test_languages.py
checks every other screen: no text of the other language outside data, for each view of the carousel."""

from __future__ import annotations

import pytest

from tests.pages.test_languages import (cjk_outside_data, data_strings, demo_copy, english_outside_data,  # noqa: F401
                                        render, visible_texts)

VIEWS = ("overview", "map", "ranking", "week")


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_big_screen_views_speak_one_language(demo_copy, view, lang, monkeypatch):  # noqa: F811
    url, store = demo_copy
    at = render(url, store, "overview", lang, monkeypatch)
    at.query_params["pause"] = "1"
    at.query_params["view"] = view
    at.switch_page("pages/bigscreen.py").run()
    assert not at.exception, [e.value for e in at.exception]
    texts = visible_texts(at)
    assert len(texts) > 5
    data = data_strings(store)
    bad = cjk_outside_data(texts, data) if lang == "en" else english_outside_data(texts, data)
    assert bad == []
    shown = " ".join(texts)
    expected = {"overview": ("年度目标", "Target"), "map": ("序时进度", "the pace"),
                "ranking": ("排名", "ranking"), "week": ("本周未按时填报", "Not reported on time")}[view]
    assert expected[0 if lang == "zh" else 1] in shown
