"""Columns known by what they hold as well as by their header.

lib.uploads.headers maps a column when its header is one of the field's synonyms. Offices
write headers nobody listed (建设情况, 推进情况, 实施进展, 目前进度, 居民(户) ...), so after that
every column's values are profiled (the first SAMPLE_ROWS data rows: stage words, dates and
date phrases, percentages, numbers with money, area or count units, integers, years,
coordinates, region names, yes/no, other text) and the two kinds of evidence are combined:

* **Header evidence** ``H`` (0-1): the header against each field's synonyms by shared
  character pairs, each pair weighted by how few fields use it (``户数`` says households,
  ``投资`` says one of three money fields, ``情况`` says little), the best synonym counting
  (a Dice coefficient). A unit in the header (``(户)``, ``(万元)``, ``(%)``) rules out the
  fields measured otherwise and adds to the field it names.
* **Value evidence** ``V`` (0-1): how well the column's values fit the field. Some kinds of
  value say the field by themselves: stage words can only be a stage, ``是/否`` a yes/no
  field, numbers with ``%`` a percentage; others only say the type (integers fit any count).
  Values that do not fit the field's type rule it out.

A column is given a field when ``0.55·H + 0.45·V`` reaches ACCEPT and no other field comes
within MARGIN of it; a column whose values are overwhelmingly (STAGE_SHARE) stage words is
the stage column whatever its header says, even one whose header looked like another field
(``进度`` over 在建/已完工); a column no header named, mostly (STAGE_SHARE_UNNAMED) stage words, is
the stage column when there is none, and its other cells are refused one by one. Header matches stay first: inference only fills fields no header
names. The notes of the result say which evidence decided each inferred column; a required
field that nothing decided names the column that probably meant it (``未找到户数列；
「受益群众」是否为户数？``), so the message says where to look.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lib.domain import fields, vocabulary
from lib.uploads.files import RawSheet
from lib.uploads.headers import SEQ_FIELD, ColumnMap, Header, header_candidates, normalize_header, split_unit
from lib.uploads.values import (AREA_UNITS, COUNT_UNITS, EMPTY_MARKERS, MONEY_UNITS, ExcelError, ValueParseError,
                                normalize_text, parse_bool, parse_date, parse_quantity)

SAMPLE_ROWS = 200
STAGE_SHARE = 0.8   # "overwhelmingly": at least this share of a column's values
# A column no header named, mostly (this share) stage words, is the stage column when there is
# none: its other cells ("主体完工，正在进行附属工程") are then refused one by one, naming the words to write.
STAGE_SHARE_UNNAMED = 0.6
TYPE_SHARE = 0.8    # values of one type needed for the type to count as the column's
ACCEPT = 0.55
MARGIN = 0.08
PROBABLE = 0.3

# Units a header may carry, by the measure they belong to: "money" (万元, 元 ...), "area",
# "%", and each count unit (户, 栋, 个, 部, 年) for the counts measured in it.
def _measure(f: fields.Field) -> str | None:
    if f.type in ("money", "area"):
        return f.type
    if f.type == "pct":
        return "%"
    return f.unit if f.type == "int" else None


_UNIT_FIELDS: dict[str, frozenset[str]] = {}
for _f in fields.UPLOAD_FIELDS:
    if _measure(_f):
        _UNIT_FIELDS[_measure(_f)] = _UNIT_FIELDS.get(_measure(_f), frozenset()) | {_f.key}
_UNIT_ALIASES = {"幢": "栋", "栋/幢": "栋", "幢/栋": "栋", "台": "部", "座": "个", "处": "个"}


def _unit_family(unit: str | None) -> str | None:
    if unit is None:
        return None
    if unit in MONEY_UNITS:
        return "money"
    if unit in AREA_UNITS:
        return "area"
    return _UNIT_ALIASES.get(unit, unit)


# --- header evidence ---------------------------------------------------------------------

def _base(text: str) -> str:
    return re.sub(r"[^\w]", "", split_unit(normalize_header(text))[0])


def _grams(base: str) -> set[str]:
    return {base[i:i + 2] for i in range(len(base) - 1)} if len(base) > 1 else ({base} if base else set())


_SYNONYMS = {f.key: [b for b in {_base(s) for s in (f.name_zh, *f.synonyms)} if b] for f in fields.UPLOAD_FIELDS}
_GRAMS = {k: [(_grams(b), set(b)) for b in bases] for k, bases in _SYNONYMS.items()}
_DF = Counter(g for entries in _GRAMS.values() for g in set().union(*(gs for gs, _ in entries)))
_DF_CHARS = Counter(ch for entries in _GRAMS.values() for ch in set().union(*(cs for _, cs in entries)))
_N = len(_SYNONYMS)
_SAME_CHARS = 0.85  # the same characters in another order (投资完成额 / 完成投资额) count a little less


def _weight(gram: str) -> float:
    if gram in _DF:
        return math.log((_N + 1) / (_DF[gram] + 0.5))
    return math.log(_N + 1) * 0.6  # a pair no field uses: it is something else


def _char_weight(ch: str) -> float:
    if ch in _DF_CHARS:
        return math.log((_N + 1) / (_DF_CHARS[ch] + 0.5))
    return math.log(_N + 1) * 0.6


def _dice(mine: set[str], theirs: set[str], weight) -> float:
    common = mine & theirs
    if not common:
        return 0.0
    return 2 * sum(weight(g) for g in common) / (sum(weight(g) for g in mine) + sum(weight(g) for g in theirs))


def header_evidence(text: str) -> dict[str, float]:
    """For each field, how much the header text alone says it (0-1): the best synonym's
    weighted Dice coefficient over character pairs."""
    base = _base(text)
    grams, chars = _grams(base), set(base)
    if not grams:
        return {}
    out = {}
    for key, entries in _GRAMS.items():
        best = 0.0
        for syn_grams, syn_chars in entries:
            best = max(best, _dice(grams, syn_grams, _weight), _SAME_CHARS * _dice(chars, syn_chars, _char_weight))
        if best:
            out[key] = min(1.0, best)
    return out


# --- value evidence ----------------------------------------------------------------------

_COUNTY_RE = re.compile(r"^[\u4e00-\u9fff]{1,12}(县|自治县|区|旗|自治旗|新区|开发区|管委会|行委|市)$")
_PREFECTURE_RE = re.compile(r"^[\u4e00-\u9fff]{1,12}(市|地区|自治州|州|盟)$")
_PLACE_WORDS = ("小区", "院", "苑", "园", "楼", "宿舍", "家属", "片区", "社区", "村", "路", "街", "巷", "公寓", "大厦",
                "项目", "新村", "里", "坊", "城", "居", "庄", "府", "区")
_DATE_TEXT_RE = re.compile(r"[年月日号旬底末]|^\d{4}[-/.]\d{1,2}([-/.]\d{1,2})?$|^\d{8}$")


@dataclass
class Profile:
    """What a column's sampled values are: counts by kind of value."""

    n: int = 0             # non-empty values
    stage: int = 0         # words naming a stage
    date: int = 0          # date cells, dates and date phrases in text
    pct: int = 0           # numbers written with %, or formatted as percent
    number: int = 0        # numbers (cells or text, with or without a unit)
    integer: int = 0       # ... of them whole
    money_unit: int = 0    # numbers typed with 万元/元/亿元
    area_unit: int = 0     # numbers typed with 平方米/m²/万平方米
    count_units: Counter = field(default_factory=Counter)  # 户, 栋, 个 ... typed in the cell
    yes_no: int = 0
    region: int = 0        # names of a county-level division (…县, …区, …旗, …市)
    prefecture: int = 0    # names of a prefecture (…市, …州, …地区, …盟)
    place: int = 0         # text that names a place (…小区, …院, …路)
    text: int = 0          # any other text
    years: int = 0         # whole numbers 1900-2100
    lon: int = 0
    lat: int = 0
    pct_range: int = 0     # numbers in 0..100
    small: int = 0         # numbers in 0..1
    distinct: set = field(default_factory=set)
    examples: list = field(default_factory=list)

    def share(self, count: int) -> float:
        return count / self.n if self.n else 0.0


def _classify(p: Profile, value: Any, percent_format: bool, year: int | None) -> None:
    if value is None or isinstance(value, ExcelError):
        return
    if isinstance(value, str):
        text = normalize_text(value)
        if text is None or text in EMPTY_MARKERS:
            return
    p.n += 1
    if len(p.examples) < 3:
        p.examples.append(value if not isinstance(value, str) else normalize_text(value))
    if isinstance(value, bool):
        p.yes_no += 1
        return
    if hasattr(value, "year") and hasattr(value, "month"):
        p.date += 1
        return
    if isinstance(value, (int, float)):
        _number(p, float(value), None, percent_format)
        return
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    if len(p.distinct) < 1000:
        p.distinct.add(text)
    if vocabulary.stage_from_text(text) is not None:
        p.stage += 1
        return
    if _DATE_TEXT_RE.search(text) and not re.search(r"[\u4e00-\u9fff]{4,}", text):
        try:
            if parse_date(text, allow_month=True, year=year or 2000) is not None:
                p.date += 1
                return
        except ValueParseError:
            pass
    if text in ("是", "否", "√", "×", "✓", "✗", "Y", "N", "y", "n", "有", "无"):
        try:
            parse_bool(text)
            p.yes_no += 1
            return
        except ValueParseError:
            pass
    try:
        num, unit = parse_quantity(text)
    except ValueParseError:
        num = None
        unit = None
    if num is not None:
        _number(p, num, unit, False)
        return
    if _COUNTY_RE.match(text):
        p.region += 1
    if _PREFECTURE_RE.match(text):
        p.prefecture += 1
    if any(w in text for w in _PLACE_WORDS):
        p.place += 1
    p.text += 1


def _number(p: Profile, num: float, unit: str | None, percent_format: bool) -> None:
    p.number += 1
    if percent_format or unit == "%":
        p.pct += 1
        return
    if unit in MONEY_UNITS or unit == "万":
        p.money_unit += 1
    elif unit in AREA_UNITS:
        p.area_unit += 1
    elif unit in COUNT_UNITS:
        p.count_units[_UNIT_ALIASES.get(unit, unit)] += 1
    if float(num).is_integer():
        p.integer += 1
        if 1900 <= num <= 2100:
            p.years += 1
    if 0 <= num <= 100:
        p.pct_range += 1
    if 0 <= num <= 1:
        p.small += 1
    if 73 <= num <= 135.5:
        p.lon += 1
    if 18 <= num <= 53.6:
        p.lat += 1


def profile_column(raw: RawSheet, col: int, rows: list[int], year: int | None = None) -> Profile:
    p = Profile()
    for r in rows:
        _classify(p, raw.get_filled(r, col), (r, col) in raw.percent_cells, year)
    return p


def value_evidence(p: Profile, key: str) -> float:
    """How well the profiled values fit field `key` (0-1); 0 rules the field out."""
    if p.n == 0:
        return 0.0
    f = fields.get(key)
    stage_share = p.share(p.stage)
    if key == "stage":
        return 1.0 if stage_share >= STAGE_SHARE else stage_share if stage_share >= STAGE_SHARE_UNNAMED else 0.0
    if stage_share >= STAGE_SHARE:
        return 0.0  # stage words are nothing else
    if f.type == "date":
        return 1.0 if p.share(p.date) >= TYPE_SHARE else 0.0
    if p.share(p.date) >= TYPE_SHARE:
        return 0.0
    numeric = p.share(p.number)
    if f.type == "pct":
        if p.share(p.pct) >= TYPE_SHARE:
            return 1.0
        return 0.5 if numeric >= TYPE_SHARE and p.share(p.pct_range) >= TYPE_SHARE else 0.0
    if p.share(p.pct) >= 0.5:
        return 0.0  # percentages are not amounts
    if f.type == "money":
        if numeric < TYPE_SHARE:
            return 0.0
        return 1.0 if p.share(p.money_unit) >= TYPE_SHARE else 0.5
    if f.type == "area":
        if numeric < TYPE_SHARE:
            return 0.0
        return 1.0 if p.share(p.area_unit) >= TYPE_SHARE else 0.5
    if f.type == "int":
        if numeric < TYPE_SHARE or p.share(p.integer) < TYPE_SHARE:
            return 0.0
        if key == "year_built":
            return 1.0 if p.share(p.years) >= TYPE_SHARE else 0.0
        if p.share(p.years) >= TYPE_SHARE and len(p.distinct) != 1:
            return 0.3  # 1992, 1988 ... look like years, not counts
        if f.unit and p.share(p.count_units.get(f.unit, 0)) >= TYPE_SHARE:
            return 1.0
        if p.money_unit or p.area_unit or any(u != f.unit for u in p.count_units):
            return 0.0
        return 0.5
    if f.type == "float":  # lon, lat
        if numeric < TYPE_SHARE:
            return 0.0
        return 1.0 if p.share(getattr(p, key, 0)) >= TYPE_SHARE else 0.0
    if f.type == "bool":
        return 1.0 if p.share(p.yes_no) >= TYPE_SHARE else 0.0
    # text fields
    texty = p.share(p.text)
    if texty < TYPE_SHARE:
        return 0.0
    if key == "county":
        return 1.0 if p.share(p.region) >= TYPE_SHARE and p.share(p.prefecture) < 0.5 else \
            0.7 if p.share(p.region) >= TYPE_SHARE else 0.2
    if key == "prefecture":
        return 1.0 if p.share(p.prefecture) >= TYPE_SHARE and p.share(p.region) < 0.5 else \
            0.7 if p.share(p.prefecture) >= TYPE_SHARE else 0.2
    if key == "name":
        return 0.8 if p.share(p.place) >= 0.5 else 0.5
    return 0.5


# --- combining them ----------------------------------------------------------------------

@dataclass
class Guess:
    key: str
    score: float
    header: float
    values: float

    @property
    def by(self) -> str:
        """What decided: distinctive values alone, the header alone (values merely fit), or both."""
        if self.values >= 0.8 or (self.key == "stage" and self.values > 0):
            return "values" if self.header < 0.5 else "header+values"
        return "header"


def guesses(header_text: str, unit: str | None, p: Profile, allowed: set[str]) -> list[Guess]:
    """Every allowed field the column could be, best first."""
    h = header_evidence(header_text)
    family = _unit_family(unit)
    out = []
    for key in allowed:
        f = fields.get(key)
        if family is not None:
            unit_fields = _UNIT_FIELDS.get(family, frozenset())
            if key not in unit_fields:
                continue  # the header's unit says another measure
        hv = h.get(key, 0.0)
        if family is not None and key in _UNIT_FIELDS.get(family, frozenset()) and family not in ("money", "area"):
            hv = min(1.0, hv + 0.25)  # 户, 栋, 部, 个, % name the measure
        vv = value_evidence(p, key) if p.n else 0.3
        if p.n and vv == 0.0:
            continue
        if f.type == "text" and key not in ("name", "county", "prefecture", "stage") and hv < 0.7:
            continue  # free text fits any text column: only a header can say which
        out.append(Guess(key, 0.55 * hv + 0.45 * vv, hv, vv))
    out.sort(key=lambda g: -g.score)
    return out


@dataclass
class Inference:
    notes: list[str] = field(default_factory=list)
    # required field -> (column, its header) that probably means it, when nothing decided it
    probable: dict[str, ColumnMap] = field(default_factory=dict)


def _label(key: str) -> str:
    return fields.get(key).name_zh


def data_rows(raw: RawSheet, header: Header, limit: int = SAMPLE_ROWS) -> list[int]:
    """The first `limit` rows under the header that are not totals or notes."""
    first = header.row + header.nrows
    out = []
    for r in sorted(raw.rows):
        if r < first:
            continue
        lead = next((v for v in raw.rows[r] if v is not None and str(v).strip()), None)
        if isinstance(lead, str) and re.match(r"^\s*(合\s*计|小\s*计|总\s*计|注|说明|填表|审核|备注[:：])", lead):
            continue
        out.append(r)
        if len(out) >= limit:
            break
    return out


def infer(raw: RawSheet, header: Header, allowed: set[str], required: set[str], year: int | None = None
          ) -> Inference:
    """Give fields to the columns no header named, and take the stage column back from a header
    that misnamed it; `header` is changed in place. `allowed`: the fields this sheet may carry."""
    result = Inference()
    rows = data_rows(raw, header)
    where = raw.where()
    profiles: dict[int, Profile] = {}

    def profile(col: int) -> Profile:
        if col not in profiles:
            profiles[col] = profile_column(raw, col, rows, year)
        return profiles[col]

    taken = {c.field for c in header.columns}
    # 1. a header that names another field over a column of stage words: the stage column.
    if "stage" in allowed:
        stage_cols = [c for c in header.columns if c.field == "stage"]
        holds_stage = any(profile(c.col).share(profile(c.col).stage) >= STAGE_SHARE for c in stage_cols)
        if not holds_stage:
            for c in header.columns:
                if c.field in ("stage", SEQ_FIELD, "name"):
                    continue
                p = profile(c.col)
                if p.n and p.share(p.stage) >= STAGE_SHARE:
                    old = c.field
                    for s in stage_cols:  # a stage header over no stage words gives way
                        header.columns.remove(s)
                        header.unmapped.append((s.col, s.header))
                    c.field, c.by = "stage", "values"
                    taken = {x.field for x in header.columns}
                    result.notes.append(f"{where}「{c.header}」列填的是阶段（如“{_example(p)}”），"
                                        f"按内容识别为当前阶段，不是{_label(old)}。")
                    break

    # 2. the columns no header named.
    candidates = []
    for col, text in header.unmapped:
        if not text:
            continue
        unit = _header_unit(text)
        p = profile(col)
        options = guesses(text, unit, p, allowed - taken - {SEQ_FIELD})
        candidates.append((col, text, unit, p, options))
    # best evidence first, so two columns that look alike do not both take a field
    candidates.sort(key=lambda x: -(x[4][0].score if x[4] else 0))
    kept_unmapped = []
    for col, text, unit, p, options in candidates:
        options = [g for g in options if g.key not in taken]
        best = options[0] if options else None
        second = options[1].score if len(options) > 1 else 0.0
        decided = best is not None and p.n > 0 and (
            (best.key == "stage" and best.values >= STAGE_SHARE_UNNAMED)
            or (best.score >= ACCEPT and best.score - second >= MARGIN))
        if decided:
            header.columns.append(ColumnMap(best.key, col, text, unit, by=best.by))
            taken.add(best.key)
            how = {"values": "按内容", "header": "按表头", "header+values": "按表头和内容"}[best.by]
            result.notes.append(f"{where}「{text}」列{how}识别为{_label(best.key)}"
                                + (f"（如“{_example(p)}”）" if best.by != "header" else "") + "。")
        else:
            kept_unmapped.append((col, text))
            for g in options:
                if g.key in required and g.score >= PROBABLE and g.key not in result.probable:
                    result.probable[g.key] = ColumnMap(g.key, col, text, unit, by="probable")
    header.unmapped = sorted(kept_unmapped)
    header.columns.sort(key=lambda c: c.col)
    for key in list(result.probable):
        if key in taken:
            del result.probable[key]
    return result


def find_header_by_content(raw: RawSheet, allowed: set[str], required: set[str], year: int | None = None
                           ) -> tuple[Header, Inference] | None:
    """Where no row's headers name the name column and two more fields, the row whose headers
    name the name column and whose columns, known by header or content, give at least two more
    (or the stage, known by its words: a report of names and stages is a progress report)."""
    best: tuple[Header, Inference] | None = None
    for h in header_candidates(raw):
        if "name" not in h.fields or len(h.fields) >= 3 or not h.unmapped:
            continue
        inferred = infer(raw, h, allowed, required, year)
        others = h.fields - {"name"}
        stage_by_values = any(c.field == "stage" and c.by != "header" for c in h.columns)
        if (len(others) >= 2 or stage_by_values) and (best is None or h.score() > best[0].score()):
            best = (h, inferred)
    return best


def _example(p: Profile) -> str:
    return "、".join(str(x) for x in p.examples[:2])


def _header_unit(text: str) -> str | None:
    """The unit a (possibly two-row, "parent/child") header names."""
    for part in reversed(text.split("/")):
        unit = split_unit(normalize_header(part))[1]
        if unit:
            return unit
    return split_unit(normalize_header(text))[1]
