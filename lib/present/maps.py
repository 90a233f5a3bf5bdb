"""The county choropleth and community points, as a pydeck Deck (no Streamlit).

Offline by default (field-notes): `map_provider=None` and the blank MapLibre
style served by Streamlit's static serving (`static/blank.json`), so no
request leaves the server. `BASEMAP_STYLE_URL` swaps in a real tile basemap.
Colours: a sequential blue scale in five classes of the rate (colour-blind
safe), grey for "no target"; the legend is built from the same breaks.
A unit without a boundary (a zone such as 德州经济技术开发区, a division newer than the
boundary data such as 白杨市) is drawn as a point in the same layer when it has lon/lat,
and otherwise listed in `fc["unplaced"]` for the caption (`unplaced_note`).
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pydeck as pdk
from shapely.geometry import mapping

from lib.domain import regions
from lib.domain import vocabulary
from lib.domain.text import Text
from lib.office import fmt
from lib.present.i18n import stage_name, t

BLANK_STYLE = "app/static/blank.json"
BREAKS = (0.0, 0.2, 0.4, 0.6, 0.8)  # lower bounds of the five classes; the last is "80% and above"
COLOURS = ("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c")
NO_DATA = "#d9d9d9"
POINT_RADIUS_PX = (6, 14)  # a unit drawn as a point: its circle's smallest and largest size on screen
OUTLINE = [90, 90, 90, 200]
STAGE_COLOURS = {  # community points: orange before start, blues after (Okabe-Ito)
    "before": "#E69F00", "started": "#56B4E9", "finished": "#0072B2", "accepted": "#009E73",
}


def _rgba(hex_colour: str, alpha: int = 220) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[i:i + 2], 16) for i in (0, 2, 4)] + [alpha]


def rate_class(rate: float | None) -> int | None:
    """Index into COLOURS for a rate (None: no target)."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return None
    k = 0
    for i, b in enumerate(BREAKS):
        if rate >= b - 1e-9:
            k = i
    return k


def legend(lang: str = "zh") -> list[tuple[str, str]]:
    """(label, colour) per class, the no-target class last."""
    out = []
    for i, b in enumerate(BREAKS):
        hi = BREAKS[i + 1] if i + 1 < len(BREAKS) else None
        label = f"{b * 100:.0f}%–{hi * 100:.0f}%" if hi is not None else (f"≥ {b * 100:.0f}%")
        out.append((label, COLOURS[i]))
    out.append((t("map.no_target", lang), NO_DATA))
    return out


def point_legend(lang: str = "zh") -> list[tuple[str, str]]:
    """(label, colour) of the community points, by stage."""
    return [(t(f"map.dot.{key}", lang), colour) for key, colour in STAGE_COLOURS.items()]


def county_features(rows: list[dict], stat: str, metric: str, lang: str = "zh",
                    tolerance: float = 0.01) -> dict:
    """A GeoJSON FeatureCollection of county boundaries with precomputed fill and tooltip text.

    rows: summary blocks ({"adcode", "name", "totals"}) as `metrics.summary` returns them.
    """
    unit = t(f"figure.unit.{metric}", lang)
    stat_label = t(f"chart.rate.{stat}", lang)
    feats, unplaced = [], []
    for r in rows:
        m = r["totals"][metric]
        rate = m[stat]
        k = rate_class(rate)
        colour = NO_DATA if k is None else COLOURS[k]
        props = {
            "adcode": r["adcode"], "name": r["name"], "rate": rate, "fill": _rgba(colour),
            "line1": f"{stat_label} {fmt.pct(rate)}",
            "line2": t("map.tooltip_line2", lang, target=fmt.exact(m["target"]), started=fmt.exact(m["started"]),
                       completed=fmt.exact(m["completed"]), unit=unit),
        }
        region = regions.get(r["adcode"])
        if region.has_boundary:
            geometry = _rounded(regions.boundary(r["adcode"], tolerance))
        elif regions.point(r["adcode"]) is not None:
            geometry = {"type": "Point", "coordinates": [round(v, 4) for v in regions.point(r["adcode"])]}
            props["line1"] += NO_BOUNDARY_TIP.pick(lang)
        else:
            unplaced.append(props)
            continue
        feats.append({"type": "Feature", "geometry": geometry, "properties": props})
    return {"type": "FeatureCollection", "features": feats, "unplaced": unplaced}


NO_BOUNDARY_TIP = Text("（无边界，以点标出）", " (no boundary: shown as a point)")
_UNPLACED = Text("无边界、未标位置，不在图上：{names}", "No boundary or position, not on the map: {names}")
_LIST_SEP = Text("、", ", ")
_CLAUSE_SEP = Text("；", "; ")
_POINTS = Text("圆点为无边界的功能区或新设区划：{names}", "Dots are zones or new divisions without a boundary: {names}")


def unplaced_note(features: dict, lang: str = "zh") -> str | None:
    """A caption naming the units drawn as points and those not on the map at all (None: every unit has a shape)."""
    sep = _LIST_SEP.pick(lang)
    points = [f["properties"]["name"] for f in features.get("features", []) if f["geometry"]["type"] == "Point"]
    missing = [p["name"] for p in features.get("unplaced", [])]
    parts = []
    if points:
        parts.append(_POINTS.format(lang, names=sep.join(points)))
    if missing:
        parts.append(_UNPLACED.format(lang, names=sep.join(missing)))
    return _CLAUSE_SEP.pick(lang).join(parts) or None


def _stage_key(stage_zh: str) -> str:
    s = next((x for x in vocabulary.STAGES if x.zh == stage_zh), None)
    if s is None or s.rank < vocabulary.STARTED:
        return "before"
    if s.rank == vocabulary.STARTED:
        return "started"
    if s.rank == vocabulary.FINISHED:
        return "finished"
    return "accepted"


def community_points(register: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Communities with coordinates: lon, lat, name, line1, line2, colour (for a ScatterplotLayer)."""
    if register.empty or "lon" not in register:
        return pd.DataFrame(columns=["lon", "lat", "name", "line1", "line2", "colour", "id"])
    df = register.dropna(subset=["lon", "lat"])
    out = pd.DataFrame({
        "id": df["id"], "lon": df["lon"].astype(float), "lat": df["lat"].astype(float),
        "name": df["name"],
        "line1": [t("map.point_line1", lang, county=c, stage=stage_name(s, lang))
                  for c, s in zip(df["county"], df["stage"])],
        "line2": [t("map.households", lang, n=fmt.exact(h)) for h in df["households"]],
        "colour": [_rgba(STAGE_COLOURS[_stage_key(s)], 235) for s in df["stage"]],
    })
    return out.reset_index(drop=True)


def view_for(adcodes: list[str], width_px: int = 1000, height_px: int = 620) -> pdk.ViewState:
    """A view that fits the regions' bounds."""
    xs0, ys0, xs1, ys1 = [], [], [], []
    for a in adcodes:
        if regions.has_boundary(a):
            b = regions.boundary(a).bounds
        elif regions.point(a) is not None:
            lon, lat = regions.point(a)
            b = (lon, lat, lon, lat)
        else:
            continue
        xs0.append(b[0]), ys0.append(b[1]), xs1.append(b[2]), ys1.append(b[3])
    if not xs0:
        return pdk.ViewState(latitude=35.5, longitude=96.0, zoom=4.5)
    return view_for_bounds(min(xs0), min(ys0), max(xs1), max(ys1), width_px, height_px)


def view_for_points(points: pd.DataFrame, width_px: int = 1000, height_px: int = 620,
                    pad: float = 0.02) -> pdk.ViewState:
    """A view that fits community points (a county's compounds cluster around its seat)."""
    return view_for_bounds(points["lon"].min() - pad, points["lat"].min() - pad, points["lon"].max() + pad,
                           points["lat"].max() + pad, width_px, height_px)


def view_for_bounds(x0: float, y0: float, x1: float, y1: float, width_px: int = 1000,
                    height_px: int = 620) -> pdk.ViewState:
    lat = (y0 + y1) / 2
    span_x = max(x1 - x0, 0.05)
    span_y = max((y1 - y0) / math.cos(math.radians(lat)), 0.05)
    zoom = min(math.log2(width_px * 360 / (512 * span_x)), math.log2(height_px * 360 / (512 * span_y))) - 0.15
    return pdk.ViewState(latitude=lat, longitude=(x0 + x1) / 2, zoom=round(zoom, 2), pitch=0, bearing=0)


class CompactDeck(pdk.Deck):
    """A Deck whose JSON has no indentation: pydeck indents every coordinate on its own
    line, which makes Qinghai's map ≈ 0.7 MB instead of ≈ 0.15 MB on the wire."""

    def to_json(self) -> str:
        return json.dumps(json.loads(super().to_json()), separators=(",", ":"), ensure_ascii=False)


def _rounded(geom, digits: int = 4) -> dict:
    """GeoJSON geometry with coordinates rounded (≈ 10 m at 4 decimals: plenty for a county map)."""
    def walk(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(v), digits) for v in c]
        return [walk(x) for x in c]

    m = mapping(geom)
    return {"type": m["type"], "coordinates": walk(m["coordinates"])}


def deck(features: dict, points: pd.DataFrame | None = None, *, basemap_style_url: str = "",
         view: pdk.ViewState | None = None) -> pdk.Deck:
    """The map: county choropleth (layer id "counties", pickable; units without a boundary as circles in it)
    and community points ("communities")."""
    data = {"type": "FeatureCollection", "features": features.get("features", [])}  # not the "unplaced" list
    layers = [pdk.Layer("GeoJsonLayer", id="counties", data=data, pickable=True, stroked=True, filled=True,
                        get_fill_color="properties.fill", get_line_color=OUTLINE, line_width_min_pixels=1,
                        # pointType is deck.gl's default "circle": pydeck would turn the string into an accessor
                        get_point_radius=2000, point_radius_min_pixels=POINT_RADIUS_PX[0],
                        point_radius_max_pixels=POINT_RADIUS_PX[1],
                        auto_highlight=True, highlight_color=[230, 159, 0, 120])]
    if points is not None and not points.empty:
        layers.append(pdk.Layer("ScatterplotLayer", id="communities", data=points, pickable=True,
                                get_position=["lon", "lat"], get_fill_color="colour", get_radius=400,
                                radius_min_pixels=3, radius_max_pixels=9, stroked=True,
                                get_line_color=[255, 255, 255, 255], line_width_min_pixels=1))
    return CompactDeck(layers=layers, initial_view_state=view or pdk.ViewState(latitude=35.5, longitude=96, zoom=4.5),
                       map_provider=None,  # Streamlit draws the MapLibre style itself, whatever the provider
                       map_style=basemap_style_url or BLANK_STYLE,
                       tooltip={"html": "<b>{name}</b><br/>{line1}<br/>{line2}",
                                "style": {"fontSize": "14px", "fontFamily": "Noto Sans CJK SC, sans-serif"}})


def selected_adcode(selection: dict | None) -> str | None:
    """The county adcode a pydeck selection event points at, if any."""
    if not selection:
        return None
    objs = (selection.get("objects") or {}).get("counties") or []
    for o in objs:
        props = o.get("properties", o) if isinstance(o, dict) else {}
        if props.get("adcode"):
            return str(props["adcode"])
    return None
