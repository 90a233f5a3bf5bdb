"""lib.present.maps: county polygons coloured by rate, the legend, community points, the deck."""

from __future__ import annotations

import json

import pandas as pd
import pydeck as pdk

from lib.access.auth import Actor
from lib.domain import regions
from lib.figures import metrics
from lib.present import maps


def test_map_features_legend_and_points(demo_store):
    s = metrics.summary(demo_store, 1, "630200", by="county")
    fc = maps.county_features(s["children"], "start_rate", "households", reference=s["expected_share"])
    assert len(fc["features"]) == len(regions.counties_in("630200"))
    # each county's class follows its rate against the pace; a county at 100% has reached its target
    for feat in fc["features"]:
        p = feat["properties"]
        k = maps.rate_class(p["rate"], s["expected_share"])
        assert p["fill"][:3] == maps._rgba(maps.COLOURS[k])[:3] and p["class"] == maps.PACE_KEYS[k]
        assert p["line1"].startswith("开工率 ") and maps.PACE_KEYS[k] in maps.PACE_KEYS
        assert (p["class"] == "done") == (p["rate"] >= 1.0)
    assert len({f["properties"]["class"] for f in fc["features"]}) >= 2  # Haidong's counties differ at week 47
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
        # no reference given: classed against 100%, so 90% is "slightly behind"
        assert zone["properties"]["class"] == "watch" and "无边界" in zone["properties"]["line1"]
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


# --- classes against the pace, names on the map, a view that fits the screen ------------------------------

def test_classes_are_read_against_the_pace():
    pace = 0.6
    cases = {None: None, 0.0: "far_behind", 0.41: "far_behind", 0.42: "behind", 0.5: "behind",
             0.51: "watch", 0.59: "watch", 0.6: "on_pace", 0.68: "on_pace", 0.69: "ahead", 0.99: "ahead",
             1.0: "done"}
    got = {r: (None if maps.rate_class(r, pace) is None else maps.PACE_KEYS[maps.rate_class(r, pace)]) for r in cases}
    assert got == cases
    # the same rate is ahead early in the season and behind late in it
    assert maps.PACE_KEYS[maps.rate_class(0.5, 0.3)] == "ahead"
    assert maps.PACE_KEYS[maps.rate_class(0.5, 0.95)] == "far_behind"
    assert maps.PACE_KEYS[maps.rate_class(0.0, 0.0)] == "on_pace"  # before the season nobody is behind
    assert maps.PACE_KEYS[maps.rate_class(0.01, 0.0)] == "ahead"


def _luminance(hex_colour: str) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def test_every_class_stands_out_from_the_background_and_from_its_neighbours():
    """The palest class of the old scale (#deebf7) was nearly the background (#f3f5f7)."""
    background = _luminance(maps.BACKGROUND)
    for colour in (*maps.COLOURS, maps.NO_DATA):
        lum = _luminance(colour)
        assert (background + 0.05) / (lum + 0.05) >= 1.4, colour  # WCAG contrast against the background
    assert len(set(maps.COLOURS)) == len(maps.PACE_KEYS)
    # the old scale's palest class fails the same check: the test can tell
    assert (background + 0.05) / (_luminance("#deebf7") + 0.05) < 1.4


def test_the_legend_explains_each_break_at_this_weeks_pace():
    zh = maps.legend("zh", 0.612)
    assert [c for _, c in zh] == [*maps.COLOURS, maps.NO_DATA]
    assert zh[0][0] == "严重滞后：不到序时进度的70%，即低于42.8%"
    assert zh[2][0] == "略慢于序时：序时进度的85%–100%，即52.0%–61.2%"
    assert zh[-2][0] == "已完成目标（100%）" and zh[-1][0] == "无目标"
    en = maps.legend("en", 0.612)
    assert en[3][0] == "on pace: 100%–115% of the pace, i.e. 61.2%–70.4%"
    assert maps.reference_line("zh", 0.612, "start_rate") == "对照序时进度 61.2%（按施工季）"
    assert maps.reference_line("en", 0.5, "completion_rate", "Xining") == "Against Xining's completion rate, 50.0%"


def test_classes_differ_at_the_last_week_and_early_in_the_season(demo_store):
    """Five equal classes of the rate painted the province one colour at week 47."""
    weeks = metrics.report_dates(demo_store, 1)
    for day in (weeks[len(weeks) // 3], weeks[-1]):
        s = metrics.summary(demo_store, 1, "630000", as_of=day.isoformat(), by="county")
        fc = maps.county_features(s["children"], "start_rate", "households", reference=s["expected_share"])
        classes = {f["properties"]["class"] for f in fc["features"]}
        assert len(classes) >= 2, (day, classes)


def test_county_names_are_drawn_without_overlap(demo_store):
    s = metrics.summary(demo_store, 1, "630000", by="county")
    fc = maps.county_features(s["children"], "start_rate", "households", reference=s["expected_share"])
    view = maps.view_for([r["adcode"] for r in s["children"]], 1400, 800)
    spec = json.loads(maps.deck(fc, view=view, label_px=18).to_json())
    names = next(layer for layer in spec["layers"] if layer["id"] == "names")
    assert names["@@type"] == "TextLayer" and names["characterSet"] == "auto" and "Noto Sans CJK SC" in names["fontFamily"]
    assert {k for k, v in names.items() if isinstance(v, str) and v.startswith("@@=")} == {"getPosition", "getText"}
    drawn = {row["label"] for row in names["data"]}
    assert {"格尔木市", "大柴旦行委", "玉树市", "甘德县"} <= drawn and len(drawn) >= 30
    # boxes of the names drawn do not overlap at that view
    boxes = []
    for row in names["data"]:
        x, y = maps._to_px(*row["at"], view)
        w = maps._text_px(row["label"], 18) / 2
        boxes.append((x - w, y - 9, x + w, y + 9))
    assert not any(a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
                   for i, a in enumerate(boxes) for b in boxes[i + 1:])
    # every county keeps a place for its name inside itself (a zoom-in shows the rest)
    assert all(f["properties"]["label_at"] for f in fc["features"])
    assert maps.label_rows(fc) and len(maps.label_rows(fc)) == len(fc["features"])


def test_a_name_never_lies_on_a_communitys_dot():
    """城东区 drilled into: its name stood among its communities' dots. A dot wins; names clear of dots stay."""
    fc = {"features": [{"properties": {"label": "城东区", "label_at": [101.80, 36.60]}, "geometry": None},
                       {"properties": {"label": "城中区", "label_at": [101.70, 36.55]}, "geometry": None}]}
    view = pdk.ViewState(longitude=101.8, latitude=36.6, zoom=11)
    dots = pd.DataFrame({"lon": [101.8001, 101.81], "lat": [36.6001, 36.61]})
    assert [r["label"] for r in maps.label_rows(fc, view, 13)] == ["城东区", "城中区"]
    assert [r["label"] for r in maps.label_rows(fc, view, 13, dots)] == ["城中区"]
    spec = json.loads(maps.deck(fc, dots.assign(colour=[[0, 0, 0, 255]] * 2), view=view).to_json())
    assert [r["label"] for r in next(x for x in spec["layers"] if x["id"] == "names")["data"]] == ["城中区"]


def _visible(view, width: int, height: int, lon: float, lat: float) -> bool:
    x, y = maps._to_px(lon, lat, view)
    return abs(x) <= width / 2 and abs(y) <= height / 2


def test_a_phone_sees_xining_and_haidong():
    phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148 Safari/604.1"
    desktop = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
    assert maps.map_width(phone) == maps.PHONE_WIDTH and maps.map_width(desktop) == 1000
    assert maps.map_width("Mozilla/5.0 (iPad; CPU OS 17_0)") == maps.TABLET_WIDTH
    counties = [c.adcode for c in regions.counties_in("630000")]
    corners = []
    for a in ("630100", "630200"):  # Xining and Haidong: every corner of their bounds
        x0, y0, x1, y1 = regions.boundary(a).bounds
        corners += [(x0, y0), (x0, y1), (x1, y0), (x1, y1)]
    fitted = maps.view_for(counties, maps.PHONE_WIDTH, 460)
    assert all(_visible(fitted, maps.PHONE_WIDTH, 460, *c) for c in corners)
    # the desktop view shown on a phone cropped them (the defect): the check can fail
    wide = maps.view_for(counties, 1000, 460)
    assert not all(_visible(wide, maps.PHONE_WIDTH, 460, *c) for c in corners)


def test_a_frozen_deck_keeps_its_json_after_its_points_are_gone(demo_store):
    """A deck shared by every viewer is encoded once; pydeck holds a layer's DataFrame by weak reference,
    so the JSON is taken while the points are alive and outlives them."""
    import gc

    s = metrics.summary(demo_store, 1, "630200", by="county")
    fc = maps.county_features(s["children"], "start_rate", "households", reference=s["expected_share"])
    pts = maps.community_points(metrics.register_table(demo_store, 1, region="630200", viewer=Actor.system()))
    n = len(pts)
    deck = maps.deck(fc, pts)
    before = deck.to_json()
    frozen = maps.deck(fc, pts).freeze()
    assert frozen.to_json() == before
    del pts
    gc.collect()
    spec = json.loads(frozen.to_json())
    points = next(layer for layer in spec["layers"] if layer["id"] == "communities")
    assert len(points["data"]) == n > 0
    assert "_frozen" not in before and "frozen" not in json.loads(before)
