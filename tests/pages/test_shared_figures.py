"""The public screens build a figure once per view and data version and hand it to every session.

Counted at the builders (lib.present.charts / lib.present.maps), with several AppTest sessions in one
process, as several browsers on one server: a second viewer of the same week's overview, ranking or map
costs no figure; another language, another week or a new upload gets its own, and what is served is what
a fresh build gives.
"""

from __future__ import annotations

import json
import time

import pytest

from lib.present import charts, maps
from lib.store.engine import open_store
from pages._ui import store as ui_store
from tests.support.screens import go


@pytest.fixture
def built(monkeypatch):
    """Calls of each figure builder the screens use, counted."""
    calls = {"children_rates": 0, "ranking_bars": 0, "deck": 0}

    def counting(module, name):
        real = getattr(module, name)

        def wrapper(*a, **k):
            calls[name] += 1
            return real(*a, **k)
        monkeypatch.setattr(module, name, wrapper)

    counting(charts, "children_rates")
    counting(charts, "ranking_bars")
    counting(maps, "deck")
    ui_store._shared.clear()
    yield calls
    ui_store._shared.clear()


def _spec(at, kind: str) -> str:
    el = at.get(kind)
    assert el, kind
    return el[0].proto.spec if kind == "plotly_chart" else el[0].proto.json


def test_second_viewer_of_the_overview_builds_no_figure(app, built):
    first = app()
    assert built["children_rates"] == 1
    second = app()
    assert built["children_rates"] == 1, "a second viewer of the same overview built the figure again"
    assert _spec(second, "plotly_chart") == _spec(first, "plotly_chart")

    english = app(lang="en")  # another language: its own figure, in English
    assert built["children_rates"] == 2
    title = json.loads(_spec(english, "plotly_chart"))["layout"]["title"]["text"]
    assert "against the pace" in title and "prefecture" in title.lower(), title

    ui_store._shared.clear()  # what was served is what a fresh build gives
    fresh = app()
    assert built["children_rates"] == 3
    assert _spec(fresh, "plotly_chart") == _spec(first, "plotly_chart")


def test_an_upload_gives_new_figures(app, built):
    app()
    assert built["children_rates"] == 1
    with open_store(app.url).write():
        pass  # any accepted write moves the data version
    time.sleep(ui_store.VERSION_FRESH_SECONDS + 0.2)
    app()
    assert built["children_rates"] == 2, "a figure outlived the data it was drawn from"


def test_ranking_and_map_are_built_once_for_many_viewers(app, built):
    specs = {"plotly_chart": set(), "deck_gl_json_chart": set()}
    for _ in range(3):
        at = go(app(), "rankings")
        specs["plotly_chart"].add(_spec(at, "plotly_chart"))
        at = go(at, "map")
        specs["deck_gl_json_chart"].add(_spec(at, "deck_gl_json_chart"))
    assert built["ranking_bars"] == 1 and built["deck"] == 1, built
    assert all(len(v) == 1 for v in specs.values())
    deck = json.loads(specs["deck_gl_json_chart"].pop())
    layers = {layer["id"]: layer for layer in deck["layers"]}
    assert len(layers["counties"]["data"]["features"]) >= 7, "the shared deck lost its counties"
    assert layers["communities"]["data"], "the shared deck lost its community points"

    at = go(app(week="2021-11-19"), "map")  # another week: another deck
    assert built["deck"] == 2
    assert _spec(at, "deck_gl_json_chart") not in specs["deck_gl_json_chart"]
