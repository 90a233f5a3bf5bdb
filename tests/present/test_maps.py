"""lib.present.maps: county polygons coloured by rate, the legend, community points, the deck."""

from __future__ import annotations

import json

from lib.access.auth import Actor
from lib.domain import regions
from lib.figures import metrics
from lib.present import maps


def test_map_features_legend_and_points(demo_store):
    s = metrics.summary(demo_store, 1, "630200", by="county")
    fc = maps.county_features(s["children"], "start_rate", "households")
    assert len(fc["features"]) == len(regions.counties_in("630200"))
    # Haidong's start rates on 2021-11-26: 100% except 民和 80.39% (still the top class, >= 80%) and
    # 循化 74.46% (60-80%). Top class #08519c = rgb(8, 81, 156); 60-80% #3182bd = rgb(49, 130, 189).
    shown = {f["properties"]["adcode"]: (f["properties"]["fill"][:3], f["properties"]["line1"])
             for f in fc["features"]}
    assert shown == {
        "630202": ([8, 81, 156], "开工率 100.0%"), "630203": ([8, 81, 156], "开工率 100.0%"),
        "630222": ([8, 81, 156], "开工率 80.4%"), "630223": ([8, 81, 156], "开工率 100.0%"),
        "630224": ([8, 81, 156], "开工率 100.0%"), "630225": ([49, 130, 189], "开工率 74.5%"),
    }
    assert [maps.rate_class(r) for r in (None, 0.0, 0.1999, 0.2, 0.5, 0.7999, 0.8, 1.0)] == [None, 0, 0, 1, 2, 3, 4, 4]
    assert maps.legend() == [("0%–20%", "#deebf7"), ("20%–40%", "#9ecae1"), ("40%–60%", "#6baed6"),
                             ("60%–80%", "#3182bd"), ("≥ 80%", "#08519c"), ("无目标", "#d9d9d9")]
    reg = metrics.register_table(demo_store, 1, region="630200", viewer=Actor.system())
    pts = maps.community_points(reg)
    assert len(pts) == len(reg) and pts["lon"].between(100, 104).all()
    deck = maps.deck(fc, pts)
    spec = json.loads(deck.to_json())
    assert spec["mapStyle"] == "app/static/blank.json" and "\n" not in deck.to_json()
    assert maps.selected_adcode({"objects": {"counties": [{"properties": {"adcode": "630202"}}]}}) == "630202"
    assert maps.selected_adcode({"objects": {}}) is None
