"""The county choropleth and community points, as a pydeck Deck (no Streamlit).

Offline by default (field-notes): `map_provider=None` and the blank MapLibre
style served by Streamlit's static serving (`static/blank.json`), so no
request leaves the server. `BASEMAP_STYLE_URL` swaps in a real tile basemap.
Colours: classes of the rate against a reference (the calendar pace for starts, the
region's own rate for completions), diverging around it, orange behind and blue ahead
(the rankings' band colours, colour-blind safe), darkest blue once the target is reached,
grey for "no target"; no class is pale enough to vanish into the background. The classes
show differences at any week: at week 47 the counties at 74% and at 100% differ, where five
equal classes of the rate painted the whole province one colour. The legend is built from
the same breaks, each with the rates it means at this week.
County names are drawn on the map (TextLayer, "auto" character set: the CJK glyphs come from
the browser's own fonts, nothing is downloaded).
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
BACKGROUND = "#f3f5f7"  # static/blank.json's background
# Classes of rate / reference (the pace). Lower bounds; 0.85 and 1.0 are the rankings' bands
# (lib.figures.rankings.DEFAULT_BANDS: behind below 0.85 of the pace, ahead from 1.0).
PACE_BREAKS = (0.0, 0.7, 0.85, 1.0, 1.15)
PACE_KEYS = ("far_behind", "behind", "watch", "on_pace", "ahead", "done")
COLOURS = ("#b35806", "#e69f00", "#e3c47a", "#8fbfe0", "#3a87c2", "#0b3f80")  # one per PACE_KEYS
NO_DATA = "#a9a9a9"
DONE = 1.0 - 1e-9  # the target reached: its own class whatever the pace
LABEL_COLOUR = [30, 30, 30, 255]
LABEL_HALO = [255, 255, 255, 235]
LABEL_FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
POINT_RADIUS_PX = (6, 14)  # a unit drawn as a point: its circle's smallest and largest size on screen
OUTLINE = [90, 90, 90, 200]
STAGE_COLOURS = {  # community points: orange before start, blues after (Okabe-Ito)
    "before": "#E69F00", "started": "#56B4E9", "finished": "#0072B2", "accepted": "#009E73",
}


def _rgba(hex_colour: str, alpha: int = 220) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[i:i + 2], 16) for i in (0, 2, 4)] + [alpha]


def rate_class(rate: float | None, reference: float | None) -> int | None:
    """Index into PACE_KEYS / COLOURS of a rate against its reference (None: no target)."""
    if rate is None or (isinstance(rate, float) and math.isnan(rate)):
        return None
    if rate >= DONE:
        return len(PACE_KEYS) - 1
    if reference is None or reference <= 1e-9:  # before the season: any start is ahead
        ratio = math.inf if rate > 0 else 1.0
    else:
        ratio = rate / reference
    k = 0
    for i, b in enumerate(PACE_BREAKS):
        if ratio >= b - 1e-9:
            k = i
    return k


def _pct(v: float) -> str:
    return f"{v * 100:.1f}%"


def legend(lang: str = "zh", reference: float | None = None, stat: str = "start_rate") -> list[tuple[str, str]]:
    """(label, colour) per class, the no-target class last; each label says the share of the reference
    and, when the reference is known, the rates that means at this week (the breaks explained)."""
    ref_word = t(f"map.ref.{stat}", lang)
    out = []
    for i, key in enumerate(PACE_KEYS):
        if key == "done":
            out.append((t("map.class.done", lang), COLOURS[i]))
            continue
        lo = PACE_BREAKS[i]
        hi = PACE_BREAKS[i + 1] if i + 1 < len(PACE_BREAKS) else None
        if i == 0:
            share = t("map.share.below", lang, hi=f"{hi * 100:.0f}%", ref=ref_word)
        elif hi is None:
            share = t("map.share.above", lang, lo=f"{lo * 100:.0f}%", ref=ref_word)
        else:
            share = t("map.share.between", lang, lo=f"{lo * 100:.0f}%", hi=f"{hi * 100:.0f}%", ref=ref_word)
        label = t(f"map.class.{key}", lang) + t("map.class.sep", lang) + share
        if reference is not None and reference > 1e-9:
            a, b = lo * reference, (min(hi * reference, 1.0) if hi is not None else 1.0)
            if a >= 1.0 - 1e-9:
                rates = None  # a pace near 100%: nobody can be this far ahead short of the target
            elif i == 0:
                rates = t("map.rates.below", lang, hi=_pct(b))
            else:
                rates = t("map.rates.between", lang, lo=_pct(a), hi=_pct(b))
            if rates:
                label += t("map.rates.wrap", lang, rates=rates)
        out.append((label, COLOURS[i]))
    out.append((t("map.no_target", lang), NO_DATA))
    return out


def reference_line(lang: str, reference: float | None, stat: str, region_name: str = "") -> str:
    """What the classes are measured against, for the legend's heading."""
    if reference is None:
        return ""
    return t(f"map.reference.{stat}", lang, pace=fmt.pct(reference), region=region_name)


def point_legend(lang: str = "zh") -> list[tuple[str, str]]:
    """(label, colour) of the community points, by stage."""
    return [(t(f"map.dot.{key}", lang), colour) for key, colour in STAGE_COLOURS.items()]


def county_features(rows: list[dict], stat: str, metric: str, lang: str = "zh",
                    tolerance: float = 0.01, reference: float | None = None) -> dict:
    """A GeoJSON FeatureCollection of county boundaries with precomputed fill and tooltip text.

    rows: summary blocks ({"adcode", "name", "totals"}) as `metrics.summary` returns them;
    reference: what each rate is classed against (the pace for starts; None: classes by the
    rate alone, as if the pace were 100%).
    Each feature also carries `label` (the county's short name) and `label_at` (a point inside
    it) for the names drawn on the map.
    """
    unit = t(f"figure.unit.{metric}", lang)
    stat_label = t(f"chart.rate.{stat}", lang)
    feats, unplaced = [], []
    for r in rows:
        m = r["totals"][metric]
        rate = m[stat]
        k = rate_class(rate, 1.0 if reference is None else reference)
        colour = NO_DATA if k is None else COLOURS[k]
        props = {
            "adcode": r["adcode"], "name": r["name"], "rate": rate, "fill": _rgba(colour),
            "label": regions.short_name(r["name"], r["adcode"]),
            "class": None if k is None else PACE_KEYS[k],
            "line1": f"{stat_label} {fmt.pct(rate)}" + ("" if k is None else
                                                        " · " + t(f"map.class.{PACE_KEYS[k]}", lang)),
            "line2": t("map.tooltip_line2", lang, target=fmt.exact(m["target"]), started=fmt.exact(m["started"]),
                       completed=fmt.exact(m["completed"]), unit=unit),
        }
        region = regions.get(r["adcode"])
        if region.has_boundary:
            shape = regions.boundary(r["adcode"], tolerance)
            geometry = _rounded(shape)
            inside = shape.representative_point()  # inside the county, also for a crescent or a multipolygon
            props["label_at"] = [round(inside.x, 4), round(inside.y, 4)]
        elif regions.point(r["adcode"]) is not None:
            geometry = {"type": "Point", "coordinates": [round(v, 4) for v in regions.point(r["adcode"])]}
            props["label_at"] = geometry["coordinates"]
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


PHONE_WIDTH, TABLET_WIDTH = 340, 700  # the map's width in px on a 390-px phone and on a tablet


def map_width(user_agent: str | None, wide: int = 1000) -> int:
    """The width the map will be drawn at, from the browser's User-Agent: the server does not see the
    viewport, and a view fitted to a desktop width crops a phone's (Xining and Haidong off-screen)."""
    ua = (user_agent or "").lower()
    if "ipad" in ua or ("android" in ua and "mobile" not in ua) or "tablet" in ua:
        return min(wide, TABLET_WIDTH)
    if any(k in ua for k in ("iphone", "mobile", "mobi", "android")):
        return min(wide, PHONE_WIDTH)
    return wide


def view_for(adcodes: list[str], width_px: int = 1000, height_px: int = 620) -> pdk.ViewState:
    """A view that fits the regions' bounds into a map of `width_px` × `height_px`."""
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

    _frozen: str | None = None

    def to_json(self) -> str:
        if self._frozen is not None:
            return self._frozen
        return json.dumps(json.loads(super().to_json()), separators=(",", ":"), ensure_ascii=False)

    def freeze(self) -> "CompactDeck":
        """Take the JSON once (while the layers' data is alive: pydeck holds a DataFrame by weak
        reference) and answer every later `to_json` with it: a deck shared by every viewer of the same
        map (pages/_ui/store.shared) is encoded once, not per session. Read-only after this."""
        encoded = self.to_json()  # before the attribute exists: pydeck encodes the instance's attributes
        self._frozen = encoded
        return self


def _rounded(geom, digits: int = 4) -> dict:
    """GeoJSON geometry with coordinates rounded (≈ 10 m at 4 decimals: plenty for a county map)."""
    def walk(c):
        if isinstance(c, (list, tuple)) and c and isinstance(c[0], (int, float)):
            return [round(float(v), digits) for v in c]
        return [walk(x) for x in c]

    m = mapping(geom)
    return {"type": m["type"], "coordinates": walk(m["coordinates"])}


def _text_px(text: str, size: float) -> float:
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in text)


def _to_px(lon: float, lat: float, view: pdk.ViewState) -> tuple[float, float]:
    """Web Mercator pixels relative to the view's centre at its zoom."""
    scale = 512 * 2 ** view.zoom / 360

    def y(la: float) -> float:
        return math.degrees(math.log(math.tan(math.pi / 4 + math.radians(la) / 2)))

    return (lon - view.longitude) * scale, -(y(lat) - y(view.latitude)) * scale


def label_rows(features: dict, view: pdk.ViewState | None = None, label_px: int = 13,
               points: pd.DataFrame | None = None) -> list[dict]:
    """The county names to draw: {"label", "at"} per feature that has a place for it.

    With a view, names that would overlap are left out, largest county first (at a province's
    scale the four districts of Xining share a thumbnail; their names stay in the tooltip), so
    every name drawn is readable; so is a name that would lie on a community's dot (`points`,
    lon/lat): the dot is what the reader came to see, the name stays in the tooltip and the title."""
    rows = [(f["properties"]["label"], f["properties"]["label_at"], f.get("geometry") or {})
            for f in features.get("features", []) if f["properties"].get("label_at")]
    if view is None:
        return [{"label": name, "at": at} for name, at, _ in rows]

    def extent(geom: dict) -> float:  # the county's size in degrees², to place the big ones first
        xs, ys = [], []

        def walk(c):
            if c and isinstance(c[0], (int, float)):
                xs.append(c[0]), ys.append(c[1])
            else:
                for x in c:
                    walk(x)
        walk(geom.get("coordinates") or [])
        return (max(xs) - min(xs)) * (max(ys) - min(ys)) if xs else 0.0

    placed: list[tuple[float, float, float, float]] = []
    if points is not None and not points.empty:
        r = POINT_RADIUS_PX[0] + 3  # a dot drawn at its smallest, with its white ring
        for lon, lat in zip(points["lon"], points["lat"]):
            px, py = _to_px(float(lon), float(lat), view)
            placed.append((px - r, py - r, px + r, py + r))
    out = []
    for name, at, geom in sorted(rows, key=lambda r: -extent(r[2])):
        x, y = _to_px(at[0], at[1], view)
        w, h = _text_px(name, label_px) / 2 + 3, label_px * 0.65 + 2
        box = (x - w, y - h, x + w, y + h)
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in placed):
            continue
        placed.append(box)
        out.append({"label": name, "at": at})
    return out


def deck(features: dict, points: pd.DataFrame | None = None, *, basemap_style_url: str = "",
         view: pdk.ViewState | None = None, label_px: int = 13) -> pdk.Deck:
    """The map: county choropleth (layer id "counties", pickable; units without a boundary as circles in it),
    community points ("communities") and county names ("names", `label_px` high; 0: none)."""
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
    names = label_rows(features, view, label_px, points) if label_px else []
    if names:
        # quoted strings stay plain values (pydeck makes any other string a JavaScript accessor);
        # "auto": deck.gl builds the glyph atlas from the names themselves, in the browser's CJK font
        layers.append(pdk.Layer("TextLayer", id="names", data=names, pickable=False, get_position="at",
                                get_text="label", get_size=label_px, size_units='"pixels"',
                                get_color=LABEL_COLOUR, font_family=f'"{LABEL_FONT}"', character_set='"auto"',
                                font_weight=600, get_text_anchor='"middle"', get_alignment_baseline='"center"',
                                font_settings={"sdf": True, "fontSize": 64, "buffer": 6},
                                outline_width=4, outline_color=LABEL_HALO))
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
