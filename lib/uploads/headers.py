"""Headers: which column is which field, where the header row is, and what kind of sheet it is.

Columns are mapped by their header text, never by position: the text is normalised
(full-width brackets, ``*`` required markers, spaces), a unit in brackets or glued to the
end is taken off (``改造户数（户）``, ``完成投资万元``, ``计划总投资/万元``) and what is left
is looked up among the synonyms of lib.domain.fields. The header is the row (or the pair
of rows, a parent merged over its children: ``资金来源（万元）`` over ``中央补助``) in the
first HEADER_SCAN_ROWS rows that maps the name column and at least two others, the most
fields winning (a row that is only the lower half of cells merged down from the row above
loses a tie to the pair). Under a parent that names no field and does not change the
child's meaning (项目推进情况 over 形象进度（%）; unlike 本周完成 over 投资), a child is read on
its own. The kind (register or progress report) follows from the fields found. Columns no
header names are left to lib.uploads.columns, which knows them by their values.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Iterator

from lib.domain import fields
from lib.uploads.files import RawSheet, column_letter
from lib.uploads.values import (UNIT_TOKENS, UNIT_TOKENS_LONGEST_FIRST, ValueParseError, cell_text,
                                extract_report_date, normalize_text, parse_date, year_in_title)

HEADER_SCAN_ROWS = 15

# 序号: recognised only to spot 合计 rows; never returned.
SEQ_FIELD = "_seq"
_SEQ_SYNONYMS = ("序号", "排序", "no", "no.")

# Columns whose presence tells a sheet's kind (lib.domain.fields, Field.marker).
PROGRESS_DECISIVE = frozenset(f.key for f in fields.FIELDS if f.marker == "decisive")
PROGRESS_MARKERS = frozenset(f.key for f in fields.FIELDS if f.marker in ("progress", "decisive"))
REGISTER_MARKERS = frozenset(f.key for f in fields.FIELDS if f.marker == "register")

# Parent header texts of a two-row header under which a child header may be
# read on its own ("资金来源（万元）" over "中央补助").  A parent such as "已完成"
# changes the child's meaning, so it is not in this list.
_GROUP_PARENT_WORDS = ("资金来源", "资金构成", "资金筹措", "筹资", "基本情况", "基本信息", "概况", "规模",
                       "计划投资", "总投资", "项目信息", "小区信息", "所在地", "位置", "区位", "行政区划",
                       "建设内容", "改造内容", "时间", "日期", "工期", "进度情况", "当前进度", "投资构成")
# Parent words that change what the child under them means ("本周完成" over "投资" is not the
# running total): under a parent with one of these, a child is never read on its own. Under any
# other parent that names no field itself ("项目推进情况" over "形象进度（%）"), it is.
_MODIFIER_PARENT_WORDS = ("已", "完成", "累计", "本周", "本月", "上周", "上月", "本年", "当年", "年度", "新增", "计划",
                          "实际", "剩余", "未", "下达", "到位", "拨付", "支付", "比上", "同比", "环比", "目标", "任务")
# Child texts that only qualify the parent ("累计完成投资" over "金额（万元）").
_GENERIC_CHILD_WORDS = ("金额", "数额", "数量", "数值", "投资额", "资金")

_INSTRUCTION_SHEET_WORDS = ("填表说明", "填报说明", "使用说明", "说明", "instruction", "readme", "示例",
                            "样例", "example")

_DATE_HINT_RE = re.compile(r"^[年月日/.\-ymdx]+$|^(格式|如)")
_REPORT_DATE_LABEL_RE = re.compile(r"(填报日期|统计截止日期|截止日期|截至日期|统计日期|报送日期|截至|截止)[:：]?")
_MONEY_UNIT_NOTE_RE = re.compile(r"(?:金额)?单位[:：]\s*(万元|元|亿元)")


# --- one header text ---------------------------------------------------------------------

def normalize_header(text: Any) -> str:
    """Header text for matching: NFKC (full-width brackets, ％, ㎡ -> m2),
    no whitespace, no required markers (* ※ ★), lower case."""
    s = cell_text(text) or ""
    s = unicodedata.normalize("NFKC", s)
    s = s.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    s = s.replace("m²", "m2").replace("M²", "m2")
    s = re.sub(r"[\s*※★☆]+", "", s)
    return s.rstrip(":").lower()


def split_unit(norm: str) -> tuple[str, str | None]:
    """Remove bracketed units / format hints from a normalised header."""
    unit = None

    def repl(m: re.Match[str]) -> str:
        nonlocal unit
        inner = m.group(1)
        inner = re.sub(r"^(单位|计量单位)[:：]?", "", inner)
        if inner in UNIT_TOKENS:
            unit = unit or inner
            return ""
        if inner and _DATE_HINT_RE.match(inner):
            return ""
        return m.group(0)

    base = re.sub(r"\(([^()]*)\)", repl, norm)
    if unit is None:
        for token in UNIT_TOKENS_LONGEST_FIRST:
            if base.endswith("/" + token):
                return base[: -len(token) - 1], token
    return base, unit


def _build_synonym_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in fields.UPLOAD_FIELDS:
        for n in f.synonyms:
            key = normalize_header(n)
            if key in index and index[key] != f.key:
                raise AssertionError(f"synonym {n} used for {index[key]} and {f.key}")
            index[key] = f.key
    for n in _SEQ_SYNONYMS:
        index[normalize_header(n)] = SEQ_FIELD
    return index


_SYNONYM_INDEX = _build_synonym_index()


def _glued_unit(base: str) -> tuple[str | None, str | None]:
    """(field, unit) of a header with its unit glued to the end: "完成投资万元", "户数户"."""
    for token in UNIT_TOKENS_LONGEST_FIRST:
        if base.endswith(token) and len(base) > len(token):
            hit = _SYNONYM_INDEX.get(base[: -len(token)])
            if hit:
                return hit, token
    return None, None


def _lookup(base: str) -> str | None:
    if not base:
        return None
    return _SYNONYM_INDEX.get(base) or _glued_unit(base)[0]


def match_header(text: Any) -> tuple[str | None, str | None]:
    """Map one header text to (field, unit).  ``"改造户数（户）"`` ->
    ``("households", "户")``; unknown -> ``(None, unit or None)``."""
    base, unit = split_unit(normalize_header(text))
    fld = _lookup(base)
    if fld and unit is None:
        unit = _glued_unit(base)[1]
    return fld, unit


def _match_two_rows(parent: str | None, child: str | None) -> tuple[str | None, str | None]:
    """Map a column of a two-row header (parent row merged over child row)."""
    if not child or child == parent:
        return match_header(parent) if parent else (None, None)
    if not parent:
        return match_header(child)
    p_base, p_unit = split_unit(normalize_header(parent))
    c_base, c_unit = split_unit(normalize_header(child))
    unit = c_unit or p_unit
    fld = _lookup(p_base + c_base)
    if fld:
        return fld, unit
    if c_base in _GENERIC_CHILD_WORDS:
        fld = _lookup(p_base)
        if fld:
            return fld, unit
    if any(w in p_base for w in _GROUP_PARENT_WORDS) or (
            not any(w in p_base for w in _MODIFIER_PARENT_WORDS) and _lookup(p_base) is None):
        fld = _lookup(c_base)
        if fld:
            return fld, unit or _glued_unit(c_base)[1]
    return None, unit


# --- the header of a sheet ---------------------------------------------------------------

@dataclass
class ColumnMap:
    field: str
    col: int
    header: str  # user's header text (parent/child for two-row headers)
    unit: str | None
    by: str = "header"  # what decided the field: "header", "values" or "header+values" (lib.uploads.columns)

    @property
    def label(self) -> str:
        """How issues name the column: 改造户数（户）（C列）."""
        return f"{self.header}（{column_letter(self.col)}列）"

    @property
    def quoted(self) -> str:
        """How messages name the column: 「改造户数（户）」（C列）."""
        return f"「{self.header}」（{column_letter(self.col)}列）"


@dataclass
class Header:
    row: int
    nrows: int
    columns: list[ColumnMap]
    unmapped: list[tuple[int, str]]
    # a required field no column was given -> the column that probably means it (lib.uploads.columns)
    probable: dict[str, ColumnMap] = field(default_factory=dict)
    # the row is the lower half of cells merged down from the row above (a two-row header's second row)
    continues_above: bool = False

    @property
    def fields(self) -> set[str]:
        return {c.field for c in self.columns if c.field != SEQ_FIELD}

    def score(self) -> tuple[int, int, int, int, int]:
        units = sum(1 for c in self.columns if c.unit)
        return (len(self.fields), units, -int(self.continues_above), -self.nrows, -self.row)


def _display(value: Any) -> str:
    t = normalize_text(value) or ""
    return re.sub(r"\s+", "", t) if len(t) < 40 else t


def _map_header(raw: RawSheet, r: int, two_rows: bool) -> Header:
    width = raw.width()
    cols: list[ColumnMap] = []
    unmapped: list[tuple[int, str]] = []
    prev_parent = None
    for c in range(1, width + 1):
        top = cell_text(raw.get_filled(r, c))
        if two_rows:
            child = cell_text(raw.get_filled(r + 1, c))
            if top is None and child is not None and prev_parent \
                    and any(w in normalize_header(prev_parent) for w in _GROUP_PARENT_WORDS):
                # "资金来源（万元）" typed once above several children, without merging
                top = prev_parent
            fld, unit = _match_two_rows(top, child)
            if top and child and _display(top) != _display(child):
                header = f"{_display(top)}/{_display(child)}"
            else:
                header = _display(top or child)
            prev_parent = top if child is not None else None
        else:
            fld, unit = match_header(top) if top else (None, None)
            header = _display(top)
        if fld:
            cols.append(ColumnMap(fld, c, header, unit))
        elif header:
            unmapped.append((c, header))
    continues = any(src[0] < r for (mr, _), src in raw.merged.items() if mr == r)
    return Header(row=r, nrows=2 if two_rows else 1, columns=cols, unmapped=unmapped, continues_above=continues)


def header_candidates(raw: RawSheet) -> Iterator[Header]:
    """Each row of the first HEADER_SCAN_ROWS read as a header, alone and with the row under it."""
    for r in sorted(raw.rows):
        if r > HEADER_SCAN_ROWS:
            break
        yield _map_header(raw, r, False)
        if r + 1 in raw.rows or any((r + 1, c) in raw.merged for c in range(1, raw.width() + 1)):
            yield _map_header(raw, r, True)


def find_header(raw: RawSheet) -> tuple[Header | None, Header | None]:
    """Return (header, best candidate without the name column)."""
    best: Header | None = None
    best_nameless: Header | None = None
    for h in header_candidates(raw):
        ok = "name" in h.fields and len(h.fields - {"name"}) >= 2
        if ok and (best is None or h.score() > best.score()):
            best = h
        if not ok and len(h.fields) >= 3 and (best_nameless is None or h.score() > best_nameless.score()):
            best_nameless = h
    return best, best_nameless


def detect_kind(found: set[str]) -> str | None:
    """"progress" or "register" from the fields a header maps; None when nothing tells."""
    if found & PROGRESS_DECISIVE:
        return "progress"
    if found & REGISTER_MARKERS:
        return "register"
    if found & PROGRESS_MARKERS:
        return "progress"
    return None


def is_instruction_sheet(name: str) -> bool:
    n = normalize_header(name)
    return any(w in n for w in _INSTRUCTION_SHEET_WORDS)


# --- the title rows above the header ------------------------------------------------------

def _title_rows(raw: RawSheet, header: Header) -> Iterator[list[Any]]:
    for r in sorted(raw.rows):
        if r >= header.row:
            break
        yield raw.rows[r]


def table_money_unit(raw: RawSheet, header: Header) -> str | None:
    """The money unit a note above the table gives (单位：万元), if any."""
    for values in _title_rows(raw, header):
        for v in values:
            m = _MONEY_UNIT_NOTE_RE.search(unicodedata.normalize("NFKC", cell_text(v) or ""))
            if m:
                return m.group(1)
    return None


def title_year(raw: RawSheet, header: Header) -> int | None:
    """The one year the rows above the header name (舒城县2022年…项目表); None for none or several."""
    years = {y for values in _title_rows(raw, header) for v in values if (y := year_in_title(v)) is not None}
    return years.pop() if len(years) == 1 else None


def title_report_date(raw: RawSheet, header: Header, year: int | None = None) -> dt.date | None:
    """The report date a title row gives: 填报日期：2021年6月18日, 截至2022年5月底 (the month's last day),
    截至6月18日 with the year from `year`, or 填报日期 in one cell and the date in the next."""
    for values in _title_rows(raw, header):
        for i, v in enumerate(values):
            d = extract_report_date(v, year=year)
            if d:
                return d
            label = re.sub(r"\s+", "", unicodedata.normalize("NFKC", cell_text(v) or ""))
            if _REPORT_DATE_LABEL_RE.fullmatch(label):
                nxt = next((x for x in values[i + 1:] if cell_text(x) is not None), None)
                try:
                    d = parse_date(nxt, epoch=raw.epoch, year=year)
                except ValueParseError:
                    d = None
                if d:
                    return d
    return None
