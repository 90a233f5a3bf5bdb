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


def test_units_without_a_boundary_are_points_or_named_in_the_caption():
    z = regions.make_zone("371471", "德州经济技术开发区", "371400", lon=116.36, lat=37.45)
    regions.set_local([z], {})
    try:
        def row(adcode, name, rate):
            return {"adcode": adcode, "name": name,
                    "totals": {"households": {"start_rate": rate, "target": 100, "started": (rate or 0) * 100, "completed": 0}}}

        rows = [row("431181", "祁阳市", 0.5), row("371471", "德州经济技术开发区", 0.9), row("659011", "新星市", None),
                row("659012", "白杨市", 0.1)]
        fc = maps.county_features(rows, "start_rate", "households")
        kinds = {f["properties"]["adcode"]: f["geometry"]["type"] for f in fc["features"]}
        assert kinds == {"431181": "Polygon", "371471": "Point", "659012": "Point"}
        points = {f["properties"]["adcode"]: f["geometry"]["coordinates"] for f in fc["features"]
                  if f["geometry"]["type"] == "Point"}
        assert points == {"371471": [116.36, 37.45], "659012": [82.896, 46.7246]}
        zone = next(f for f in fc["features"] if f["properties"]["adcode"] == "371471")
        assert zone["properties"]["fill"][:3] == [8, 81, 156] and "无边界" in zone["properties"]["line1"]  # >= 80%
        assert [p["adcode"] for p in fc["unplaced"]] == ["659011"]
        assert maps.unplaced_note(fc) == ("圆点为无边界的功能区或新设区划：德州经济技术开发区、白杨市；"
                                          "无边界、未标位置，不在图上：新星市")
        assert "not on the map: 新星市" in maps.unplaced_note(fc, "en")
        spec = json.loads(maps.deck(fc).to_json())
        layer = spec["layers"][0]
        assert layer["id"] == "counties" and len(layer["data"]["features"]) == 3 and "unplaced" not in layer["data"]
        view = maps.view_for([r["adcode"] for r in rows])
        assert 80 < view.longitude < 117 and 26 < view.latitude < 47
        assert maps.view_for(["659011"]).zoom == 4.5  # nothing to fit: the default view
        assert maps.selected_adcode({"objects": {"counties": [{"properties": {"adcode": "371471"}}]}}) == "371471"
    finally:
        regions.set_local([], {})


def test_every_feature_has_a_shape_when_all_units_have_boundaries(demo_store):
    s = metrics.summary(demo_store, 1, "630000", by="county")
    fc = maps.county_features(s["children"], "start_rate", "households")
    assert fc["unplaced"] == [] and maps.unplaced_note(fc) is None
    assert {f["geometry"]["type"] for f in fc["features"]} <= {"Polygon", "MultiPolygon"}


def test_only_accessors_are_expressions_in_the_layer():
    """pydeck turns any string prop into a JavaScript expression ("@@=…"): a plain option such as
    point_type="circle" became an accessor and the whole county layer stopped drawing."""
    import json

    from lib.domain import regions as regs

    rows = [{"adcode": c.adcode, "name": c.name,
             "totals": {"households": {"start_rate": 0.5, "target": 1, "started": 1, "completed": 0}}}
            for c in regs.counties_in("630200")]
    layer = json.loads(maps.deck(maps.county_features(rows, "start_rate", "households")).to_json())["layers"][0]
    expressions = {k for k, v in layer.items() if isinstance(v, str) and v.startswith("@@=")}
    assert expressions == {"getFillColor"}
