"""lib.present.maps: county polygons coloured by rate, the legend, community points, the deck."""

from __future__ import annotations

import json

from lib.access.auth import Actor
from lib.domain import regions
from lib.figures import metrics
from lib.office import fmt
from lib.present import maps


def test_map_features_legend_and_points(demo_store):
    s = metrics.summary(demo_store, 1, "630200", by="county")
    fc = maps.county_features(s["children"], "start_rate", "households")
    assert len(fc["features"]) == len(regions.counties_in("630200"))
    for feat, c in zip(fc["features"], s["children"]):
        rate = c["totals"]["households"]["start_rate"]
        assert feat["properties"]["fill"][:3] == maps._rgba(maps.COLOURS[maps.rate_class(rate)])[:3]
        assert fmt.pct(rate) in feat["properties"]["line1"]
    assert [c for _, c in maps.legend()] == [*maps.COLOURS, maps.NO_DATA]
    reg = metrics.register_table(demo_store, 1, region="630200", viewer=Actor.system())
    pts = maps.community_points(reg)
    assert len(pts) == len(reg) and pts["lon"].between(100, 104).all()
    deck = maps.deck(fc, pts)
    spec = json.loads(deck.to_json())
    assert spec["mapStyle"] == maps.BLANK_STYLE and "\n" not in deck.to_json()
    assert maps.selected_adcode({"objects": {"counties": [{"properties": {"adcode": "630202"}}]}}) == "630202"
    assert maps.selected_adcode({"objects": {}}) is None
