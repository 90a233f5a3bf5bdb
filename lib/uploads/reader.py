"""Tolerant reader for the ledgers (台账) district staff upload every week: `read_workbook`.

Pure: bytes in, a ``ReadResult`` out; no database, no Streamlit.  Staff send
what they really keep, so the reader maps columns by header text (synonyms and
units, never by position) and by what the columns hold (lib.uploads.columns: a
column of stage words is the stage column whatever its header says), finds the
header under title rows, copes with two-row merged headers, full-width digits,
numbers typed as text, three ways of writing a percentage, the words offices write
for a stage and many ways of writing a date.  Anything it cannot read
with certainty becomes an ``Issue`` naming sheet, Excel row, column and value;
bad files come back as file-level error issues, never as exceptions.

The reader is built in layers, each a module of its own: lib.uploads.files (what
format a file is, its sheets as raw cells), lib.uploads.values (one cell's number,
percentage, date or yes/no), lib.uploads.headers (which column is which field by its
header, where the header is, which kind of sheet), lib.uploads.columns (the columns no
header named, known by their values), and this module (each data row of a sheet, and the
whole file). The fields themselves, with their synonyms and types, are lib.domain.fields;
the stage words, lib.domain.vocabulary.

What the result tells beyond rows: ``notes`` say which evidence decided a column
found by its content (「建设情况」列按内容识别为当前阶段); ``SheetTable.decided_by`` gives it
per field; ``SheetTable.probable`` names, for a required field no column was given,
the column that probably meant it (also a warning: 未找到改造户数列；「受益群众」是否为改造户数？).
``RawRow.values["stage"]`` is the domain's stage (开工), ``RawRow.raw["stage"]`` the
office's word (在建); ``values["communities"]`` the communities a 片区 project row covers.

Ambiguous cases and the rules chosen (also in the function docstrings):

* Percentages (``progress_pct``): a cell written with ``%`` (text ``75%`` or an
  Excel cell formatted as percent) is taken as written.  A number without ``%``
  is multiplied by 100 only when *every* non-empty value of that column is
  <= 1 (the column was clearly kept as fractions); a column-level warning says
  so.  Otherwise numbers are kept, and a value strictly between 0 and 1 in such
  a column gets a cell warning (it was read as e.g. 0.5%).
* Money columns without a unit in the header (or in a ``单位：万元`` note
  above the table) are read as 万元 with a column warning; ``元`` is divided by
  10000 and ``亿元`` multiplied by 10000.  Area without a unit is read as
  万平方米 with a warning; ``平方米``/``m²`` is divided by 10000.  Where every number
  of such a column is at least 1,000 (area) or 1,000,000 (money), it cannot be in
  万 (no community has 1,000万m², no project costs 100亿元): it is read as 平方米 /
  元, and the warning says so.  A unit typed in the cell (``35000元``) wins over
  the header's.
* Dates: a year-and-month only (``2021年6月``) is accepted for planned dates
  as the 1st of that month (one column warning), and is an error for actual
  dates (开工/完工/验收), because weekly counts need the day.  Two-digit years and
  numbers outside 1950-2100 are errors.  Excel numbers in a date column are
  serials of the 1900 system (or the workbook's own epoch), ``20210618`` is
  yyyymmdd.  The phrases offices write stand for one day each (``3月底`` the
  month's last day, ``上旬/中旬/下旬`` the 10th/20th/last day, ``6月25日前`` that
  day, ``年底`` December 31; lib.uploads.values.parse_date); uncertain ones
  (``年底前后``, ``待定``, ``6月初``, ranges) are errors, never guessed.  A date
  without a year takes the sheet title's year, else ``read_workbook(year=)``
  (the programme's), else the file name's; with none it is an error.  A title's
  ``截至2022年5月底`` is the report date (2022-05-31).
* A register's 开工时间 / 完工时间 are its plan (计划开工/计划完工时间) when the
  sheet has no column for the plan.
* Stage cells: the words offices write (在建, 施工中, 主体完工, 竣工, 交付 …, the table
  in lib.domain.vocabulary) are read as the domain's stage; a word that names none
  (基本完工) is an error listing the accepted words.
* A cell holding only ``-``, ``—``, ``/`` or ``无`` counts as empty.
* Two columns that mean the same field: an error, and neither is used.
* Merged cells over several data rows: text fields (县区, 街道 ...) are filled
  down; numeric fields keep the value on the first row only, with a warning on
  the others, so nothing is counted twice. ``RawRow.merged`` keeps, per field, a
  sentence naming the merged range (D5:D10) and what was read, and every error
  about such a cell says it (here and in lib.uploads.checks), rather than "empty".
* Bounds (lib.uploads.files: size inflated, cells, columns, characters, time): a file
  past one is refused with a sentence naming it; an ``Issue`` never holds more than an
  excerpt of a cell (value, sheet and column names, quoted texts in its message).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Literal

from lib.domain import fields, vocabulary
from lib.domain.fields import KIND_LABELS_ZH, KINDS, PROGRESS_FIELDS, REGISTER_FIELDS, FieldType
from lib.uploads.columns import data_rows, find_header_by_content, infer as infer_columns
from lib.uploads.files import Budget, FileProblem, RawSheet, column_letter, detect_format, load
from lib.uploads.headers import (HEADER_SCAN_ROWS, PROGRESS_MARKERS, REGISTER_MARKERS, SEQ_FIELD, ColumnMap, Header,
                                 detect_kind, find_header, is_instruction_sheet, match_header, normalize_header,
                                 table_money_unit, title_report_date, title_year)
from lib.uploads.values import (AREA_UNITS, MONEY_UNITS, NEEDS_NORMALIZING, UNIT_TOKENS, ExcelError, PlannedDate,
                                ValueParseError, cell_text,
                                extract_report_date, format_number, is_month_only, normalize_text, parse_bool,
                                parse_date, parse_int, parse_number, parse_percent, parse_quantity,
                                resolve_percent_column, year_in_title)

__all__ = [
    "REGISTER_FIELDS",
    "PROGRESS_FIELDS",
    "FIELD_LABELS_ZH",
    "FIELD_SYNONYMS",
    "FIELD_TYPES",
    "Issue",
    "RawRow",
    "SheetTable",
    "ReadResult",
    "ValueParseError",
    "read_workbook",
    "normalize_header",
    "match_header",
    "normalize_text",
    "parse_quantity",
    "parse_number",
    "parse_int",
    "parse_percent",
    "resolve_percent_column",
    "parse_date",
    "parse_bool",
    "extract_report_date",
]

# The fields a sheet can carry, from lib.domain.fields (other modules and the tests use these names).
FIELD_LABELS_ZH: dict[str, str] = {f.key: f.zh for f in fields.UPLOAD_FIELDS}  # our template's headers
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {f.key: f.synonyms for f in fields.UPLOAD_FIELDS}
FIELD_TYPES: dict[str, FieldType] = {f.key: f.type for f in fields.UPLOAD_FIELDS}

_TOTAL_WORDS = ("合计", "小计", "总计", "总合计")
# A column without a unit whose every number is at least this is not in 万 (no community has
# 1,000万m² of floor area, no project costs 100亿元): read as 平方米 / 元, with a warning.
_SQUARE_METRES_FROM = 1_000
_YUAN_FROM = 1_000_000
_REQUIRED_ANY = fields.required("register") | fields.required("progress")
_ALL_FIELDS = {f.key for f in fields.UPLOAD_FIELDS}
_NOTE_PREFIXES = ("填表人", "填报人", "审核人", "负责人", "单位负责人", "联系人", "联系电话", "制表人", "制表",
                  "统计人", "填表说明", "说明：", "说明:", "备注：", "备注:", "注：", "注:")

_NOTE_PREFIXES_NFKC = tuple(unicodedata.normalize("NFKC", p) for p in _NOTE_PREFIXES)


@contextlib.contextmanager
def gc_paused():
    """No cyclic garbage collection inside: reading and checking 50,000 rows make millions of
    objects that live until the upload is done, and CPython's collector would walk them again
    and again (a third of the time of read + check, bench/RESULTS.md). Nothing here makes
    reference cycles; the collector runs again as soon as the block ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def merge_note(raw: RawSheet, r: int, c: int, filled: bool) -> str:
    """What a message about a cell merged with a row above adds: the range, and what was read."""
    top = raw.merged[(r, c)][0]
    ref = raw.merge_ref(r, c) or f"{column_letter(c)}{top}"
    if filled:
        return (f"（该格在合并单元格 {ref} 中，按第{top}行的内容「{_short(cell_text(raw.get(*raw.merged[(r, c)])), 20)}」"
                f"读取；如各行不同，请取消合并后逐行填写）")
    return f"（该格在合并单元格 {ref} 中，数值只计入第{top}行；请取消合并后逐行填写）"


def _first_value(values: list[Any]) -> Any:
    """A row's first non-empty cell value (None for none)."""
    for v in values:
        if v is None:
            continue
        if type(v) is str:
            if v.strip() and cell_text(v) is not None:
                return v
        elif cell_text(v) is not None:
            return v
    return None


@dataclass
class Issue:
    """A problem found while reading; row is the Excel row number users see."""

    severity: Literal["error", "warning"]
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str

    def __post_init__(self) -> None:
        # A message or a preview never echoes more than a short excerpt of what the file holds
        # (a 400 MB cell once came back in an 838 MB JSON): the value, the sheet and column
        # names, and every quoted text in the message are cut to an excerpt.
        self.value = _short(self.value, VALUE_EXCERPT) if isinstance(self.value, str) else self.value
        self.sheet = _short(self.sheet, VALUE_EXCERPT) if isinstance(self.sheet, str) else self.sheet
        self.column = _short(self.column, VALUE_EXCERPT) if isinstance(self.column, str) else self.column
        self.message = excerpted(self.message)

    def to_dict(self) -> dict[str, Any]:
        return {"severity": self.severity, "sheet": self.sheet, "row": self.row,
                "column": self.column, "value": self.value, "message": self.message}


@dataclass
class RawRow:
    """One data row: parsed values and the original cell text per field.

    A value that could not be read is None in ``values``, listed in
    ``invalid_fields`` and has an error Issue; ``raw`` keeps what was typed.
    """

    sheet: str
    row_number: int
    values: dict[str, Any]
    raw: dict[str, str | None]
    invalid_fields: list[str] = field(default_factory=list)
    # field -> a sentence saying its cell lies in a range merged with a row above (messages append it)
    merged: dict[str, str] = field(default_factory=dict)


@dataclass
class SheetTable:
    """A sheet that had a recognisable header.

    ``header_row`` is the first header row (1-based); ``header_rows`` is 1 or 2
    (two-row merged header).  ``columns`` maps field -> (header text, letter).
    """

    name: str
    header_row: int
    columns: dict[str, tuple[str, str]]
    rows: list[RawRow]
    header_rows: int = 1
    kind: str | None = None
    # field -> what decided its column: "header", "values" (its content alone) or "header+values"
    decided_by: dict[str, str] = field(default_factory=dict)
    # a required field no column was given -> (header, letter) of the column that probably means it
    probable: dict[str, tuple[str, str]] = field(default_factory=dict)


@dataclass
class ReadResult:
    kind: str | None
    sheets: list[SheetTable]
    issues: list[Issue]
    report_date: dt.date | None
    file_format: str | None
    encoding: str | None
    notes: list[str] = field(default_factory=list)  # informational, in Chinese

    @property
    def rows(self) -> list[RawRow]:
        return [r for s in self.sheets for r in s.rows]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


VALUE_EXCERPT = 60  # characters of a cell a message or a preview shows at most
_QUOTED_RE = re.compile(r"([“「\"])([^”」\"]{%d,})([”」\"])" % (VALUE_EXCERPT + 1))


def excerpted(message: str) -> str:
    """A message with every quoted text (「…」 “…” "…") cut to an excerpt of VALUE_EXCERPT characters."""
    if len(message) <= 2 * VALUE_EXCERPT:
        return message
    return _QUOTED_RE.sub(lambda m: m[1] + _short(m[2], VALUE_EXCERPT) + m[3], message)


def _short(text: str | None, limit: int = 60) -> str:
    if text is None:
        return ""
    return text if len(text) <= limit else text[:limit] + "…"


class _SheetReader:
    """One sheet below its header: the columns kept, then each data row parsed, with issues and notes."""

    def __init__(self, raw: RawSheet, header: Header, kind: str, issues: list[Issue], notes: list[str],
                 table_money_unit: str | None, year: int | None = None, budget: Budget | None = None):
        self.raw = raw
        self.budget = budget or Budget()
        self.year = year  # for dates written without one (3月底, 6月25日前)
        self.header = header
        self.kind = kind
        self.issues = issues
        self.notes = notes
        self.table_money_unit = table_money_unit
        self.columns: list[ColumnMap] = []
        self.month_only_cols: set[str] = set()
        self._total_cols: list[ColumnMap] | None = None

    # -- issues -------------------------------------------------------------
    def cell_issue(self, severity: str, row: int, cm: ColumnMap, text: str | None, reason: str, hint: str) -> None:
        msg = f"{self.raw.where()}第{row}行{cm.quoted}"
        msg += f"的值「{_short(text)}」{reason}" if text is not None else reason
        msg += f"，{hint}。" if hint else "。"
        src = self.raw.merged.get((row, cm.col)) if self.raw.merged else None
        if severity == "error" and src is not None and src[0] < row:
            msg += merge_note(self.raw, row, cm.col, FIELD_TYPES[cm.field] == "text")
        self.issues.append(Issue(severity, self.raw.name, row, cm.label, text, msg))  # type: ignore[arg-type]

    def sheet_issue(self, severity: str, message: str, cm: ColumnMap | None = None, row: int | None = None) -> None:
        column = cm.label if cm else None
        self.issues.append(Issue(severity, self.raw.name, row, column, None, message))  # type: ignore[arg-type]

    # -- columns ------------------------------------------------------------
    def resolve_columns(self, unit_row: int | None = None) -> None:
        allowed = set(REGISTER_FIELDS if self.kind == "register" else PROGRESS_FIELDS) | {SEQ_FIELD}
        cols = list(self.header.columns)
        fields_present = {c.field for c in cols}
        if self.kind == "progress" and "lifts_planned" in fields_present and "lifts_added" not in fields_present:
            # a bare "加装电梯" column in a progress report means lifts added so far
            for c in cols:
                if c.field == "lifts_planned":
                    c.field = "lifts_added"
        if self.kind == "register":
            # a register's 开工时间 / 完工时间 are the plan (舒城县: "2022年3月底", "2022年6月25日前")
            for actual, planned in (("started_on", "planned_start"), ("finished_on", "planned_finish")):
                if actual in fields_present and planned not in fields_present:
                    for c in cols:
                        if c.field == actual:
                            c.field = planned
        by_field: dict[str, list[ColumnMap]] = {}
        for c in cols:
            by_field.setdefault(c.field, []).append(c)
        ignored = []
        for fld, group in by_field.items():
            if fld not in allowed:
                ignored.extend(group)
                continue
            if len(group) > 1 and fld != SEQ_FIELD:
                names = "和".join(g.quoted for g in group)
                self.sheet_issue(
                    "error",
                    f"{self.raw.where()}中{names}都表示“{FIELD_LABELS_ZH[fld]}”，无法确定使用哪一列，"
                    f"这些列都没有读取。请删除多余的列，或把表头改成不同的含义后重新上传。",
                    group[0])
                continue
            self.columns.append(group[0])
        self.columns.sort(key=lambda c: c.col)
        if ignored:
            names = "、".join(f"「{g.header}」" for g in sorted(ignored, key=lambda g: g.col))
            self.sheet_issue("warning", f"{self.raw.where()}按{KIND_LABELS_ZH[self.kind]}读取，"
                                        f"{names}列不属于{KIND_LABELS_ZH[self.kind]}，已忽略。")
        skip_words = {"序号"}
        unmapped = [h for _, h in self.header.unmapped if normalize_header(h) not in skip_words]
        if unmapped:
            self.sheet_issue("warning", f"{self.raw.where()}中以下列未能识别，已忽略："
                                        f"{'、'.join('「' + _short(h, 30) + '」' for h in unmapped)}。"
                                        f"如需导入，请使用模板中的表头名称。")
        if unit_row in self.raw.rows:
            self.apply_unit_row(unit_row)
        for c in self.columns:
            ftype = FIELD_TYPES.get(c.field)
            if ftype == "money" and c.unit not in MONEY_UNITS:
                if self.table_money_unit:
                    c.unit = self.table_money_unit
                elif self.smallest_value(c) >= _YUAN_FROM:
                    self.sheet_issue("warning", f"{self.raw.where()}{c.quoted}表头没有注明金额单位，"
                                                f"数值都在{_YUAN_FROM:,.0f}以上，不可能是万元，已按“元”读取；"
                                                f"请把表头改为「{c.header}（元）」后重新上传。", c)
                    c.unit = "元"
                else:
                    self.sheet_issue("warning", f"{self.raw.where()}{c.quoted}"
                                                f"表头没有注明金额单位，已按“万元”读取；如果填的是元，"
                                                f"请把表头改为「{c.header}（元）」后重新上传。", c)
                    c.unit = "万元"
            if ftype == "area" and c.unit not in AREA_UNITS:
                if self.smallest_value(c) >= _SQUARE_METRES_FROM:
                    self.sheet_issue("warning", f"{self.raw.where()}{c.quoted}表头没有注明面积单位，"
                                                f"数值都在{_SQUARE_METRES_FROM:,.0f}以上，不可能是万平方米，已按“平方米”读取；"
                                                f"请把表头改为「{c.header}（平方米）」后重新上传。", c)
                    c.unit = "平方米"
                else:
                    self.sheet_issue("warning", f"{self.raw.where()}{c.quoted}"
                                                f"表头没有注明面积单位，已按“万平方米”读取；如果填的是平方米，"
                                                f"请把表头改为「{c.header}（平方米）」后重新上传。", c)
                    c.unit = "万平方米"

    def smallest_value(self, cm: ColumnMap) -> float:
        """The smallest number among the column's first data rows written without a unit (inf for none)."""
        smallest = float("inf")
        for r in data_rows(self.raw, self.header):
            try:
                num, unit = parse_quantity(self.raw.get(r, cm.col))
            except ValueParseError:
                continue
            if num is not None and unit is None:
                smallest = min(smallest, num)
        return smallest

    # -- rows -----------------------------------------------------------------
    def is_total_row(self, r: int, first: Any = None) -> bool:
        """合计/小计 in the name, 序号, code or region column, or leading the row. `first`: the row's
        first non-empty value, when the caller has it."""
        values = self.raw.rows[r]
        for cm in self._total_columns():
            v = values[cm.col - 1] if cm.col <= len(values) else None
            if not (isinstance(v, str) and ("计" in v)):
                continue
            t = normalize_text(v)
            if t:
                t = re.sub(r"\s+", "", t)
                if t.startswith(_TOTAL_WORDS) or (cm.field != "name" and t.endswith(_TOTAL_WORDS)) \
                        or (cm.field == "name" and t.endswith(("合计", "小计")) and len(t) <= 8):
                    return True
        if first is None:
            first = _first_value(values)
        if not (isinstance(first, str) and "计" in first):
            return False
        t = re.sub(r"\s+", "", normalize_text(first) or "")
        return t.startswith(_TOTAL_WORDS)

    def _total_columns(self) -> list[ColumnMap]:
        if self._total_cols is None:
            self._total_cols = [cm for cm in self.columns if cm.field in ("name", SEQ_FIELD, "code", "county",
                                                                          "prefecture")]
        return self._total_cols

    def is_note_row(self, r: int, first: Any = None) -> bool:
        if first is None:
            first = _first_value(self.raw.rows[r])
        if not isinstance(first, str) or first.lstrip()[:1] not in "填审负联制统说备注单":
            return False
        t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", first))
        if t.startswith(_NOTE_PREFIXES_NFKC):
            return True
        return bool(re.match(r"^注\d*[:.、)]", t)) or t == "注"

    def is_column_number_row(self, r: int) -> bool:
        vals = [v for v in self.raw.rows[r] if cell_text(v) is not None]
        try:
            nums = [int(float(cell_text(v) or "")) for v in vals]
        except ValueError:
            return False
        return len(nums) >= 3 and nums == list(range(nums[0], nums[0] + len(nums))) and nums[0] in (0, 1)

    def apply_unit_row(self, r: int) -> bool:
        """A row of units only under the header ("（户）｜（万元）"): take the
        units for columns whose header had none, and skip the row."""
        units: dict[int, str] = {}
        for c, v in enumerate(self.raw.rows[r], start=1):
            t = cell_text(v)
            if t is None:
                continue
            norm = normalize_header(t)
            m = re.fullmatch(r"\(?(?:单位:)?([^()]*)\)?", norm)
            token = m.group(1) if m else None
            if token not in UNIT_TOKENS:
                return False
            units[c] = token
        if not units:
            return False
        for cm in self.columns:
            if cm.unit is None and cm.col in units:
                cm.unit = units[cm.col]
        return True

    def read_rows(self, budget: int) -> list[RawRow] | None:
        """Rows below the header; None when more than ``budget`` data rows."""
        rows: list[RawRow] = []
        first_data = self.header.row + self.header.nrows
        skipped_totals = 0
        numeric_merge_warned: set[tuple[int, int]] = set()
        pct_cells: dict[str, list[tuple[RawRow, float | None, bool]]] = {}
        # what each kept column needs, worked out once and not for each of 50,000 rows
        cols = [(cm, cm.col - 1, cm.field, FIELD_TYPES[cm.field]) for cm in self.columns if cm.field != SEQ_FIELD]
        merged = self.raw.merged if any(k[0] > first_data for k in self.raw.merged) else None
        sheet_name = self.raw.name
        formulas = bool(self.raw.formula_no_cache)
        stage_words: dict[str, Any] = {}
        percent_cells = self.raw.percent_cells
        factor = {cm.field: (MONEY_UNITS if ftype == "money" else AREA_UNITS)[
            cm.unit or ("万元" if ftype == "money" else "万平方米")]
            for cm, _, _, ftype in cols if ftype in ("money", "area")}
        for r in sorted(self.raw.rows):
            if r < first_data:
                continue
            if r == first_data and (self.is_column_number_row(r) or self.apply_unit_row(r)):
                continue
            if not r & 1023:
                self.budget.check()
            values = self.raw.rows[r]
            first = _first_value(values)
            if isinstance(first, str):
                if self.is_note_row(r, first):
                    continue
            if self._total_columns() or isinstance(first, str):
                if self.is_total_row(r, first):
                    skipped_totals += 1
                    continue
            row = RawRow(sheet=sheet_name, row_number=r, values={}, raw={})
            raw_text = row.raw
            any_value = False
            width = len(values)
            for cm, idx, fld, ftype in cols:
                value = values[idx] if idx < width else None
                if merged is not None:
                    src = merged.get((r, cm.col))
                    if src is not None and src[0] < r and src[0] >= first_data:
                        row.merged[fld] = merge_note(self.raw, r, cm.col, ftype == "text")
                        if ftype == "text":  # names and places: filled down
                            value = self.raw.get(*src)
                        elif self.raw.get(*src) is not None and (src, cm.col) not in numeric_merge_warned:
                            self.cell_issue("warning", r, cm, None,
                                            f"与第{src[0]}行合并，数值只计入第{src[0]}行",
                                            "如果每个小区的数值不同，请取消合并并分别填写")
                if value is None:
                    raw_text[fld] = row.values[fld] = None
                    continue
                tv = type(value)
                if (tv is float or tv is int) and not formulas and value - value == 0:  # finite
                    # a number cell: the common case of a 50,000-row upload, read here without the
                    # general path (same results as parse_cell)
                    any_value = True
                    raw_text[fld] = str(int(value)) if value == int(value) and abs(value) < 1e15 else repr(value)
                    if ftype == "money" or ftype == "area":
                        row.values[fld] = round(value * factor[fld], 6)
                        continue
                    if ftype == "pct":
                        pct = (round(float(value) * 100, 10), True) if (r, cm.col) in percent_cells \
                            else (float(value), False)
                        row.values[fld] = pct[0]
                        pct_cells.setdefault(fld, []).append((row, *pct))
                        continue
                    if ftype == "float":
                        row.values[fld] = float(value)
                        continue
                    if ftype == "int" and fld != "year_built" and value == int(value):
                        row.values[fld] = int(value)
                        continue
                elif tv is str and ftype == "text" and value and not NEEDS_NORMALIZING.search(value):
                    # text with nothing to tidy: as typed (what cell_text and normalize_text would give)
                    any_value = True
                    raw_text[fld] = value
                    if fld == "stage":
                        stage = stage_words.get(value)
                        if stage is None:
                            stage = stage_words[value] = vocabulary.stage_from_text(value)
                        if stage is not None:
                            row.values[fld] = stage.zh
                            continue
                    else:
                        row.values[fld] = value
                        continue
                elif (tv is dt.date or tv is dt.datetime) and ftype == "date" and 1950 <= value.year <= 2100:
                    any_value = True
                    raw_text[fld] = cell_text(value)
                    row.values[fld] = value if tv is dt.date else value.date()
                    continue
                value_text = cell_text(value)
                if value_text is not None:
                    any_value = True
                raw_text[fld] = value_text
                pct = self.parse_cell(row, cm, value, value_text)
                if pct is not None:
                    pct_cells.setdefault(fld, []).append((row, *pct))
            if not any_value:
                continue
            rows.append(row)
            if len(rows) > budget:
                return None
        for fld, cells in pct_cells.items():
            self.finish_percent_column(fld, cells)
        for fld in sorted(self.month_only_cols):
            cm = next(c for c in self.columns if c.field == fld)
            self.sheet_issue("warning", f"{self.raw.where()}{cm.quoted}有的日期"
                                        f"只填写到月，已按当月1日记录。", cm)
        if skipped_totals:
            self.notes.append(f"{self.raw.where()}跳过了{skipped_totals}个合计/小计行。")
        return rows

    def parse_cell(self, row: RawRow, cm: ColumnMap, value: Any, text: str | None
                   ) -> tuple[float | None, bool] | None:
        fld = cm.field
        ftype = FIELD_TYPES[fld]
        r = row.row_number
        if self.raw.formula_no_cache and (r, cm.col) in self.raw.formula_no_cache:
            row.values[fld] = None
            row.invalid_fields.append(fld)
            row.raw[fld] = None
            self.cell_issue("error", r, cm, None, "是公式，但文件里没有保存计算结果",
                            "请用Excel打开该文件，确认公式已计算后保存，再重新上传")
            return (None, False) if ftype == "pct" else None
        try:
            if ftype == "text":
                if isinstance(value, ExcelError):
                    raise ValueParseError(f"是Excel错误值 {value.text}", "请检查该单元格的公式")
                parsed: Any = normalize_text(value)
                if fld == "stage" and parsed is not None:  # the office's word -> the domain's stage
                    stage = vocabulary.stage_from_text(parsed)
                    if stage is None:
                        raise ValueParseError("无法识别为阶段", vocabulary.stage_hint())
                    parsed = stage.zh
            elif ftype == "int":
                if fld == "year_built" and isinstance(value, (dt.date, dt.datetime)):
                    parsed = value.year
                else:
                    parsed = parse_int(value)
                    if fld == "year_built" and parsed is not None and not (1900 <= parsed <= 2100):
                        raise ValueParseError("不是有效的年份", "请填写四位年份，如 1995")
            elif ftype == "float":
                parsed = parse_number(value)
            elif ftype in ("money", "area"):
                parsed = self.parse_measure(value, cm)
            elif ftype == "pct":
                pct = parse_percent(value, percent_format=(r, cm.col) in self.raw.percent_cells)
                row.values[fld] = pct[0]
                return pct
            elif ftype == "date":
                allow_month = fields.get(fld).allow_month
                parsed = parse_date(value, allow_month=allow_month, epoch=self.raw.epoch, year=self.year)
                if allow_month and parsed is not None and text and is_month_only(text):
                    self.month_only_cols.add(fld)
            elif ftype == "bool":
                parsed = parse_bool(value)
            else:  # pragma: no cover - FIELD_TYPES is exhaustive
                raise AssertionError(ftype)
        except PlannedDate as exc:  # 预计10月份完工: what the office expects, not a date that happened
            row.values[fld] = None
            self.cell_issue("warning", r, cm, text, exc.reason + "，该格未导入", exc.hint)
            return None
        except ValueParseError as exc:
            row.values[fld] = None
            row.invalid_fields.append(fld)
            self.cell_issue("error", r, cm, text, exc.reason, exc.hint)
            return (None, False) if ftype == "pct" else None
        row.values[fld] = parsed
        return None

    def parse_measure(self, value: Any, cm: ColumnMap) -> float | None:
        num, cell_unit = parse_quantity(value)
        if num is None:
            return None
        units = MONEY_UNITS if FIELD_TYPES[cm.field] == "money" else AREA_UNITS
        if cell_unit == "万":
            cell_unit = "万元" if units is MONEY_UNITS else "万m2"
        if cell_unit is not None and cell_unit not in units:
            raise ValueParseError(f"的单位“{cell_unit}”与本列不符",
                                  "请只填写数字" + ("（万元）" if units is MONEY_UNITS else "（万平方米）"))
        factor = units[cell_unit or cm.unit or next(iter(units))]
        return round(num * factor, 6)

    def finish_percent_column(self, fld: str, cells: list[tuple[RawRow, float | None, bool]]) -> None:
        values, scaled = resolve_percent_column([(v, pct) for _, v, pct in cells])
        cm = next(c for c in self.columns if c.field == fld)
        for (row, v, pct), new in zip(cells, values):
            if fld in row.invalid_fields:
                continue
            row.values[fld] = new
            if not scaled and not pct and v is not None and 0 < v < 1:
                self.cell_issue("warning", row.row_number, cm, row.raw.get(fld),
                                f"小于1，已按{format_number(v)}%读取",
                                f"如果实际是{format_number(round(v * 100, 6))}%，请填写{format_number(round(v * 100, 6))}")
        if scaled:
            self.sheet_issue("warning", f"{self.raw.where()}{cm.quoted}的数值都不大于1，"
                                        f"已按小数比例换算为百分数（如0.75读作75%）。如不是这个意思，请填写0到100之间的数字。",
                             cm)


def _markers(kind: str) -> frozenset[str]:
    return PROGRESS_MARKERS if kind == "progress" else REGISTER_MARKERS


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.3g}"


class _Stop(Exception):
    """Reading ends here: what stopped it is already an issue of the result."""


def _fail(result: ReadResult, message: str) -> None:
    result.issues.append(Issue("error", None, None, None, None, message))
    raise _Stop


def read_workbook(data: bytes, filename: str, *, max_bytes: int = 20 * 1024 * 1024, max_rows: int = 50_000,
                  kind: str | None = None, year: int | None = None, engine: str = "calamine") -> ReadResult:
    """Read an uploaded ledger (xlsx/xlsm/xls/csv) into rows of canonical fields.

    ``kind`` forces "register" (项目台账) or "progress" (进度填报); None detects
    it.  Never raises for a bad file: file-level problems are error issues
    with ``sheet=None``.  ``year`` is the year of dates written without one
    (``3月底``, ``6月25日前``, a title's ``截至5月末``) when the sheet's title names
    none: the programme's year (a title's own year wins; then the file name's).  ``engine`` reads xlsx cells with "calamine" (the default)
    or "openpyxl" (bench/upload.py compares the two).
    """
    if kind not in (None, *KINDS):
        raise ValueError(f"kind must be None, 'register' or 'progress', not {kind!r}")
    result = ReadResult(kind=None, sheets=[], issues=[], report_date=None, file_format=None, encoding=None)
    with gc_paused():
        _read_workbook(result, data, filename, max_bytes, max_rows, kind, year, engine)
    return result


def _read_workbook(result: ReadResult, data: bytes, filename: str, max_bytes: int, max_rows: int,
                   kind: str | None, year: int | None, engine: str) -> None:
    budget = Budget()  # the whole read, from the bytes to the last row, within MAX_READ_SECONDS
    try:
        year_hint = year if year is not None else year_in_title(filename)
        raws = _open(result, data, filename, max_bytes, max_rows, engine, budget)
        found = _tables(result, raws, kind, year_hint, result.encoding)
        _decide_kind(result, found, kind)
        _read_tables(result, found, max_rows, year_hint, budget)
    except FileProblem as exc:  # a bound passed while reading the rows: nothing of the file is used
        result.issues = [i for i in result.issues if i.sheet is None]
        result.issues.append(Issue("error", None, None, None, None, str(exc)))
        result.sheets = []
    except _Stop:
        result.sheets = []
    result.notes = [excerpted(n) for n in result.notes]  # a header or sheet name is the file's text too


def _open(result: ReadResult, data: bytes, filename: str, max_bytes: int, max_rows: int,
          engine: str = "calamine", budget: Budget | None = None) -> list[RawSheet]:
    """The file's sheets; notes on its format, extension and encoding."""
    if not data:
        _fail(result, "文件是空的（0字节），请检查后重新上传。")
    if len(data) > max_bytes:
        _fail(result, f"文件大小为 {_mb(len(data))} MB，超过上限 {_mb(max_bytes)} MB。"
                      f"请删除无关的工作表、图片，或分批上传。")
    try:
        fmt = result.file_format = detect_format(data, filename)
        row_cap = max_rows + 1000  # enough to tell "too many rows" without reading everything
        raws, result.encoding = load(data, fmt, filename, row_cap, engine, budget)
    except FileProblem as exc:
        _fail(result, str(exc))

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if fmt == "xlsm":
        result.issues.append(Issue("warning", None, None, None, None,
                                   "文件包含宏（启用宏的工作簿），系统只读取数据，宏已被忽略，不会运行。"))
    if ext and ext != fmt and not (ext in ("xlsx", "xlsm") and fmt in ("xlsx", "xlsm")) \
            and not (fmt == "csv" and ext in ("txt", "tsv")):
        result.notes.append(f"文件扩展名是.{ext}，但内容是{fmt.upper()}格式，已按{fmt.upper()}读取。")
    if result.encoding == "big5":
        result.notes.append("CSV文件编码识别为 Big5（繁体中文），已转换为简体中文读取。")
    elif result.encoding:
        result.notes.append(f"CSV文件编码识别为 {result.encoding.upper()}。")
    return raws


def _tables(result: ReadResult, raws: list[RawSheet], kind: str | None = None, year: int | None = None,
            encoding: str | None = None) -> list[tuple[RawSheet, Header]]:
    """The sheets with a header, their columns known by header and by content (lib.uploads.columns);
    hidden sheets, instruction sheets and sheets without a header are said so."""
    found: list[tuple[RawSheet, Header]] = []
    empty_sheets: list[str] = []
    no_header: list[tuple[RawSheet, Header | None]] = []
    for raw in raws:
        if raw.hidden:
            result.notes.append(f"隐藏的工作表「{raw.name}」未读取。")
            continue
        if not raw.is_csv and is_instruction_sheet(raw.name):
            result.notes.append(f"工作表「{raw.name}」是说明页，未读取。")
            continue
        if not raw.rows:
            empty_sheets.append(raw.name)
            continue
        header, nameless = find_header(raw)
        if header is None:
            by_content = find_header_by_content(raw, set(fields.keys(kind)) if kind else _ALL_FIELDS,
                                                _REQUIRED_ANY, year)
            if by_content is not None:
                header, inferred = by_content
                result.notes.extend(inferred.notes)
                header.probable = inferred.probable
                found.append((raw, header))
            else:
                no_header.append((raw, nameless))
        else:
            sheet_kind = kind or detect_kind(header.fields)
            allowed = set(fields.keys(sheet_kind)) if sheet_kind else _ALL_FIELDS
            inferred = infer_columns(raw, header, allowed, _REQUIRED_ANY, title_year(raw, header) or year)
            result.notes.extend(inferred.notes)
            header.probable = inferred.probable
            found.append((raw, header))

    if not found:
        if no_header:
            for raw, nameless in no_header:
                if nameless is not None:
                    result.issues.append(Issue(
                        "error", raw.name, nameless.row, None, None,
                        f"{raw.where()}第{nameless.row}行像是表头，但没有「小区名称」列。"
                        f"请增加一列「小区名称」（也可写作「项目名称」）后重新上传。"))
                else:
                    result.issues.append(Issue(
                        "error", raw.name, None, None, None,
                        f"{raw.where()}前{HEADER_SCAN_ROWS}行中没有找到表头：至少需要「小区名称」列和另外两列"
                        f"可识别的列（如「改造户数（户）」「累计完成投资（万元）」「形象进度（%）」）。"
                        f"请使用模板的表头，并确认表头在前{HEADER_SCAN_ROWS}行内。"))
            raise _Stop
        if empty_sheets:
            which = "、".join(f"「{n}」" for n in empty_sheets)
            _fail(result, f"工作表{which}是空的，文件中没有可读取的数据。请填写后重新上传。")
        _fail(result, "文件中没有可读取的工作表（只有隐藏的工作表或说明页）。请把数据放在可见的工作表中。")
    for raw, nameless in no_header:
        result.issues.append(Issue("warning", raw.name, None, None, None,
                                   f"{raw.where()}中没有找到表头（需要「小区名称」等列），已跳过该表。"))
    return found


def _decide_kind(result: ReadResult, found: list[tuple[RawSheet, Header]], kind: str | None) -> None:
    """The file's kind: forced (and every sheet checked against it), or detected from the recognised columns."""
    if kind is not None:
        result.kind = kind
        for raw, h in found:
            own = detect_kind(h.fields)
            if own and own != kind and not (h.fields & _markers(kind)):
                result.issues.append(Issue(
                    "error", raw.name, h.row, None, None,
                    f"{raw.where()}看起来是{KIND_LABELS_ZH[own]}，不是{KIND_LABELS_ZH[kind]}。"
                    f"请确认上传的是{KIND_LABELS_ZH[kind]}，或换到对应的上传入口。"))
        if result.errors:
            raise _Stop
        return
    kinds = {id(raw): detect_kind(h.fields) for raw, h in found}
    detected = {k for k in kinds.values() if k}
    if len(detected) > 1:
        parts = "；".join(f"「{raw.name}」是{KIND_LABELS_ZH[kinds[id(raw)]]}" for raw, _ in found
                         if kinds[id(raw)])
        _fail(result, f"同一个文件中既有项目台账又有进度填报表（{parts}）。请把两类表分成两个文件分别上传。")
    if not detected:
        _fail(result, "无法判断这是项目台账还是进度填报表：表头里既没有户数、栋数、面积、计划投资，"
                      "也没有当前阶段、形象进度、完成投资。请使用模板的表头。")
    result.kind = detected.pop()
    reason_fields = sorted(set().union(*(h.fields for _, h in found)) & _markers(result.kind),
                           key=lambda f: list(FIELD_LABELS_ZH).index(f))
    result.notes.append(f"已识别为{KIND_LABELS_ZH[result.kind]}（依据："
                        f"{'、'.join(FIELD_LABELS_ZH[f] for f in reason_fields[:4])}等列）。")


def _read_tables(result: ReadResult, found: list[tuple[RawSheet, Header]], max_rows: int,
                 year: int | None = None, clock: Budget | None = None) -> None:
    """Every data row of every sheet, at most `max_rows` in all; the report date from the title rows.
    `year`: for dates written without one, where the sheet's title names no year."""
    budget = max_rows
    for raw, header in found:
        sheet_year = title_year(raw, header) or year
        reader = _SheetReader(raw, header, result.kind, result.issues, result.notes,
                              table_money_unit(raw, header), sheet_year, clock)
        reader.resolve_columns(unit_row=header.row + header.nrows)
        kept = {c.field for c in reader.columns}
        probable = {}
        for fld, cm in header.probable.items():
            if fld in fields.required(result.kind) and fld not in kept:
                probable[fld] = (cm.header, column_letter(cm.col))
                label = fields.get(fld)
                result.issues.append(Issue(
                    "warning", raw.name, header.row, cm.label, None,
                    f"{raw.where()}未找到{label.name_zh}列；{cm.quoted}是否为{label.name_zh}？"
                    f"如是，请把表头改为「{label.zh}」后重新上传。"))
        rows = reader.read_rows(budget)
        if rows is None:
            # nothing of this file will be used, so cell-level findings would only distract
            result.issues = [i for i in result.issues if i.sheet is None]
            _fail(result, f"数据行数超过上限：每次最多上传 {max_rows} 行，本文件超过了这个数量。请分批上传。")
        budget -= len(rows)
        if not rows:
            result.issues.append(Issue("warning" if len(found) > 1 else "error", raw.name, None, None, None,
                                       f"{raw.where()}在表头（第{header.row}行）下面没有数据行。"
                                       f"请在表头下方逐行填写小区数据后重新上传。"))
        table = SheetTable(name=raw.name, header_row=header.row,
                           columns={c.field: (c.header, column_letter(c.col)) for c in reader.columns
                                    if c.field != SEQ_FIELD},
                           rows=rows, header_rows=header.nrows, kind=result.kind,
                           decided_by={c.field: c.by for c in reader.columns if c.field != SEQ_FIELD},
                           probable=probable)
        result.sheets.append(table)
        d = title_report_date(raw, header, sheet_year)
        if d and result.report_date is None:
            result.report_date = d
        elif d and d != result.report_date:
            result.issues.append(Issue("warning", raw.name, None, None, d.isoformat(),
                                       f"{raw.where()}的填报日期{d.isoformat()}与其他工作表的"
                                       f"{result.report_date.isoformat()}不同，已采用{result.report_date.isoformat()}。"))
