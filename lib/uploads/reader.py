"""Tolerant reader for the ledgers (台账) district staff upload every week.

Pure: bytes in, a ``ReadResult`` out; no database, no Streamlit.  Staff send
what they really keep, so the reader maps columns by header text (synonyms and
units, never by position), finds the header under title rows, copes with
two-row merged headers, full-width digits, numbers typed as text, three ways of
writing a percentage and many ways of writing a date.  Anything it cannot read
with certainty becomes an ``Issue`` naming sheet, Excel row, column and value;
bad files come back as file-level error issues, never as exceptions.

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
  万平方米 with a warning; ``平方米``/``m²`` is divided by 10000.  A unit typed in
  the cell (``35000元``) wins over the header's.
* Dates: a year-and-month only (``2021年6月``) is accepted for planned dates
  as the 1st of that month (one column warning), and is an error for actual
  dates (开工/完工/验收), because weekly counts need the day.  Two-digit years and
  numbers outside 1950-2100 are errors.  Excel numbers in a date column are
  serials of the 1900 system (or the workbook's own epoch), ``20210618`` is
  yyyymmdd.
* A cell holding only ``-``, ``—``, ``/`` or ``无`` counts as empty.
* Two columns that mean the same field: an error, and neither is used.
* Merged cells over several data rows: text fields (县区, 街道 ...) are filled
  down; numeric fields keep the value on the first row only, with a warning on
  the others, so nothing is counted twice.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import math
import re
import unicodedata
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable, Literal

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

# --------------------------------------------------------------------------
# Canonical fields (other modules depend on these exact names)
# --------------------------------------------------------------------------

REGISTER_FIELDS: tuple[str, ...] = (
    "code", "name", "prefecture", "county", "street", "community", "address",
    "lon", "lat", "year_built", "households", "buildings", "floor_area_wan_m2",
    "planned_investment_wan", "fund_central", "fund_provincial", "fund_local",
    "fund_bonds", "fund_residents", "fund_utilities", "fund_owner_units",
    "fund_social", "fund_loans", "content", "lifts_planned",
    "implementing_body", "planned_start", "planned_finish", "plan_years",
    "pilot", "remarks",
)

PROGRESS_FIELDS: tuple[str, ...] = (
    "code", "name", "prefecture", "county", "stage", "started_on",
    "finished_on", "accepted_on", "progress_pct", "invested_wan", "paid_wan",
    "lifts_added", "problems", "measures", "correction", "report_date", "remarks",
)

KINDS = ("register", "progress")
KIND_LABELS_ZH = {"register": "项目台账", "progress": "进度填报表"}

# Header texts (with unit) of our own template.
FIELD_LABELS_ZH: dict[str, str] = {
    "code": "项目编号",
    "name": "小区名称",
    "prefecture": "所属市州",
    "county": "所属县区",
    "street": "街道",
    "community": "社区",
    "address": "详细地址",
    "lon": "经度",
    "lat": "纬度",
    "year_built": "建成年代（年）",
    "households": "改造户数（户）",
    "buildings": "改造栋数（栋）",
    "floor_area_wan_m2": "建筑面积（万平方米）",
    "planned_investment_wan": "计划总投资（万元）",
    "fund_central": "中央补助资金（万元）",
    "fund_provincial": "省级补助资金（万元）",
    "fund_local": "市县财政资金（万元）",
    "fund_bonds": "专项债券（万元）",
    "fund_residents": "居民出资（万元）",
    "fund_utilities": "专营单位出资（万元）",
    "fund_owner_units": "原产权单位出资（万元）",
    "fund_social": "社会资本（万元）",
    "fund_loans": "银行贷款（万元）",
    "content": "改造内容",
    "lifts_planned": "计划加装电梯（部）",
    "implementing_body": "实施主体",
    "planned_start": "计划开工时间",
    "planned_finish": "计划完工时间",
    "plan_years": "改造年度",
    "pilot": "是否试点",
    "remarks": "备注",
    "stage": "当前阶段",
    "started_on": "开工日期",
    "finished_on": "完工日期",
    "accepted_on": "验收日期",
    "progress_pct": "形象进度（%）",
    "invested_wan": "累计完成投资（万元）",
    "paid_wan": "累计支付资金（万元）",
    "lifts_added": "已加装电梯（部）",
    "problems": "存在问题",
    "measures": "整改措施",
    "correction": "是否更正",
    "report_date": "填报日期",
}

# Header synonyms, compared after normalize_header() and after units in
# brackets are removed.  One synonym belongs to exactly one field.
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("项目编号", "小区编号", "编码", "项目编码", "小区编码", "编号", "项目代码", "小区代码"),
    "name": ("小区名称", "项目名称", "名称", "小区名", "老旧小区名称", "改造小区名称",
             "小区(项目)名称", "项目(小区)名称", "小区名称(项目名称)", "项目名称(小区名称)"),
    "prefecture": ("所属市州", "市州", "市(州)", "所属市(州)", "地市", "所在市州", "州市", "市", "所属市"),
    "county": ("所属县区", "县(市、区)", "县(市,区)", "区县", "县区", "县(市区)", "所属县(市、区)",
               "所在县区", "县市区", "县(区)", "区(县)", "所属区县", "县(市、区、行委)", "县(区、市)"),
    "street": ("街道", "所属街道", "街道(乡镇)", "乡镇(街道)", "街道办事处", "所在街道", "街道(镇)"),
    "community": ("社区", "所属社区", "社区(村)", "所在社区", "社区居委会"),
    "address": ("地址", "详细地址", "小区地址", "具体位置", "位置", "坐落位置", "所在位置"),
    "lon": ("经度", "lon", "lng", "longitude"),
    "lat": ("纬度", "lat", "latitude"),
    "year_built": ("建成年代", "建成年份", "建设年代", "建成时间", "建成年限", "竣工年代", "建成年度", "建造年代"),
    "households": ("户数", "改造户数", "涉及户数", "居民户数", "总户数", "住户数", "小区户数", "惠及户数",
                   "受益户数", "涉及居民户数"),
    "buildings": ("栋数", "幢数", "楼栋数", "改造栋数", "楼栋数量", "栋(幢)数", "幢(栋)数", "楼幢数",
                  "涉及栋数", "涉及楼栋数", "建筑栋数", "改造楼栋数"),
    "floor_area_wan_m2": ("建筑面积", "改造面积", "总建筑面积", "改造建筑面积", "涉及建筑面积", "面积",
                          "住宅建筑面积", "改造总面积"),
    "planned_investment_wan": ("计划投资", "总投资", "估算投资", "概算投资", "计划总投资", "项目总投资",
                               "投资估算", "预计投资", "投资额", "估算总投资", "计划投资额"),
    "fund_central": ("中央补助", "中央补助资金", "中央资金", "中央财政补助", "中央财政补助资金", "中央财政资金"),
    "fund_provincial": ("省级补助", "省级补助资金", "省级资金", "省级财政补助", "省补资金", "省级财政资金",
                        "省级财政补助资金"),
    "fund_local": ("市县配套", "市县财政", "地方配套", "地方财政", "市县资金", "市县配套资金", "地方财政资金",
                   "市县财政资金", "市县级财政", "地方政府配套", "市县财政配套"),
    "fund_bonds": ("专项债", "专项债券", "地方政府专项债券", "专项债资金", "政府专项债券", "专项债券资金"),
    "fund_residents": ("居民出资", "居民自筹", "群众出资", "居民筹资", "业主出资", "居民出资(含维修资金)"),
    "fund_utilities": ("专营单位出资", "专营单位", "管线单位出资", "专业经营单位出资", "专营单位投资"),
    "fund_owner_units": ("原产权单位出资", "原产权单位", "产权单位出资", "原产权单位投资"),
    "fund_social": ("社会资本", "社会资本出资", "社会资金", "社会力量出资"),
    "fund_loans": ("银行贷款", "贷款", "金融贷款", "信贷资金"),
    "content": ("改造内容", "主要改造内容", "建设内容", "改造项目", "改造内容及规模", "主要建设内容",
                "建设内容及规模"),
    "lifts_planned": ("加装电梯", "加装电梯数", "计划加装电梯", "拟加装电梯", "计划加装电梯数",
                      "拟加装电梯数"),
    "implementing_body": ("实施主体", "实施单位", "建设单位", "项目实施单位", "责任单位", "项目业主", "业主单位"),
    "planned_start": ("计划开工时间", "计划开工日期", "拟开工时间", "计划开工", "预计开工时间"),
    "planned_finish": ("计划完工时间", "计划竣工时间", "计划完工日期", "拟完工时间", "计划完工",
                       "预计完工时间", "计划竣工日期"),
    "plan_years": ("改造年度", "计划年度", "实施年度", "改造年份", "计划改造年度", "年度", "改造时序",
                   "实施年份"),
    "pilot": ("是否试点", "试点", "是否为试点", "试点项目", "是否试点项目", "是否省级试点"),
    "remarks": ("备注", "其他说明", "说明"),
    "stage": ("当前阶段", "阶段", "项目阶段", "进展阶段", "工程状态", "项目状态", "当前状态", "进展状态",
              "建设状态", "所处阶段"),
    "started_on": ("开工日期", "开工时间", "实际开工时间", "实际开工日期"),
    "finished_on": ("完工日期", "完工时间", "竣工日期", "竣工时间", "实际完工时间", "实际完工日期",
                    "实际竣工时间", "实际竣工日期"),
    "accepted_on": ("验收日期", "验收时间", "竣工验收时间", "竣工验收日期", "完成验收时间"),
    "progress_pct": ("形象进度", "完成比例", "工程进度", "进度", "完成进度", "工程形象进度", "施工进度",
                     "形象进度比例"),
    "invested_wan": ("完成投资", "累计完成投资", "已完成投资", "完成投资额", "累计完成投资额", "累计投资",
                     "已完成投资额", "实际完成投资", "累计完成投资金额", "完成投资金额"),
    "paid_wan": ("资金支付", "已支付资金", "累计支付", "资金拨付", "已拨付资金", "累计支付资金", "支付金额",
                 "累计拨付资金", "已支付金额", "累计支付金额"),
    "lifts_added": ("已加装电梯", "完成加装电梯", "累计加装电梯", "已加装电梯数", "已完成加装电梯",
                    "累计加装电梯数"),
    "problems": ("存在问题", "存在的问题", "问题", "主要问题", "困难问题", "存在困难和问题", "存在问题及困难"),
    "measures": ("整改措施", "整改情况", "下步措施", "解决措施", "整改落实情况"),
    # A yes/no flag: the row knowingly lowers a cumulative figure (更正), kept as a correction.
    "correction": ("是否更正", "更正", "数据更正", "更正标记", "是否为更正", "更正数据"),
    "report_date": ("填报日期", "统计日期", "报送日期", "截止日期", "统计截止日期"),
}

# 序号: recognised only to spot 合计 rows; never returned.
SEQ_FIELD = "_seq"
_SEQ_SYNONYMS = ("序号", "排序", "no", "no.")

FieldType = Literal["text", "int", "float", "money", "area", "pct", "date", "bool"]
FIELD_TYPES: dict[str, FieldType] = {f: "text" for f in FIELD_LABELS_ZH}
FIELD_TYPES.update({
    "lon": "float", "lat": "float",
    "year_built": "int", "households": "int", "buildings": "int",
    "lifts_planned": "int", "lifts_added": "int",
    "floor_area_wan_m2": "area",
    "planned_investment_wan": "money", "invested_wan": "money", "paid_wan": "money",
    "progress_pct": "pct",
    "planned_start": "date", "planned_finish": "date", "started_on": "date",
    "finished_on": "date", "accepted_on": "date", "report_date": "date",
    "pilot": "bool", "correction": "bool",
})
for _f in REGISTER_FIELDS:
    if _f.startswith("fund_"):
        FIELD_TYPES[_f] = "money"

_PLANNED_DATE_FIELDS = {"planned_start", "planned_finish"}
# Text fields that may be merged over several data rows and are then filled down.
_FILL_DOWN_FIELDS = {"prefecture", "county", "street", "community", "implementing_body",
                     "plan_years", "stage", "content", "remarks", "address"}

# Columns whose presence makes a sheet a progress report (进度填报).
_PROGRESS_MARKERS = ("stage", "progress_pct", "invested_wan", "paid_wan", "started_on",
                     "finished_on", "accepted_on", "lifts_added")
_PROGRESS_DECISIVE = ("stage", "progress_pct", "invested_wan")
_REGISTER_MARKERS = ("households", "buildings", "floor_area_wan_m2", "planned_investment_wan",
                     "year_built", "content", "lifts_planned", "plan_years", "fund_central",
                     "fund_provincial", "fund_local", "fund_bonds", "fund_residents",
                     "planned_start", "planned_finish", "implementing_body")

HEADER_SCAN_ROWS = 15
MAX_COLUMNS = 256

# Parent header texts of a two-row header under which a child header may be
# read on its own ("资金来源（万元）" over "中央补助").  A parent such as "已完成"
# changes the child's meaning, so it is not in this list.
_GROUP_PARENT_WORDS = ("资金来源", "资金构成", "资金筹措", "筹资", "基本情况", "基本信息", "概况", "规模",
                       "计划投资", "总投资", "项目信息", "小区信息", "所在地", "位置", "区位", "行政区划",
                       "建设内容", "改造内容", "时间", "日期", "工期", "进度情况", "当前进度", "投资构成")
# Child texts that only qualify the parent ("累计完成投资" over "金额（万元）").
_GENERIC_CHILD_WORDS = ("金额", "数额", "数量", "数值", "投资额", "资金")

_INSTRUCTION_SHEET_WORDS = ("填表说明", "填报说明", "使用说明", "说明", "instruction", "readme", "示例",
                            "样例", "example")

_TOTAL_WORDS = ("合计", "小计", "总计", "总合计")
_NOTE_PREFIXES = ("填表人", "填报人", "审核人", "负责人", "单位负责人", "联系人", "联系电话", "制表人", "制表",
                  "统计人", "填表说明", "说明：", "说明:", "备注：", "备注:", "注：", "注:")

_EMPTY_MARKERS = {"-", "--", "—", "——", "/", "\\", "无", "－", "─"}

# --------------------------------------------------------------------------
# Data classes
# --------------------------------------------------------------------------


@dataclass
class Issue:
    """A problem found while reading; row is the Excel row number users see."""

    severity: Literal["error", "warning"]
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str

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


class ValueParseError(ValueError):
    """A cell value that cannot be read with certainty.

    ``reason`` and ``hint`` are Chinese phrases used to build the message.
    """

    def __init__(self, reason: str, hint: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


class _ExcelError:
    """A cached Excel error value such as #DIV/0!."""

    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text


_EXCEL_ERRORS = {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
                 "#SPILL!", "#CALC!"}

# --------------------------------------------------------------------------
# Text and header normalisation
# --------------------------------------------------------------------------

_FULLWIDTH_ALNUM = {c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)}
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)})
_FULLWIDTH_ALNUM.update({c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)})
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"), None)
_SPACES_RE = re.compile(r"[\s\u3000\xa0]+")


def _format_number(v: float | int) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v) if isinstance(v, float) else str(v)


def _cell_text(value: Any) -> str | None:
    """What the user sees in the cell, as text (None for empty)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return _format_number(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).translate(_INVISIBLE)
    return text if text.strip() else None


_NEEDS_NORMALIZING = re.compile(r"[\t\n\r\f\v\u3000\xa0\u200b-\u200d\u2060\ufeff\uff10-\uff5a]| {2}|^ | $")


def normalize_text(value: Any) -> str | None:
    """Trim a name or free text: full-width spaces, repeated spaces, full-width
    letters/digits (``１号院`` -> ``1号院``); Chinese punctuation is kept."""
    if isinstance(value, str) and value and not _NEEDS_NORMALIZING.search(value):
        return value  # the common case, kept fast for 50,000-row uploads
    text = _cell_text(value)
    if text is None:
        return None
    text = text.translate(_INVISIBLE).translate(_FULLWIDTH_ALNUM)
    lines = [_SPACES_RE.sub(" ", ln).strip() for ln in text.replace("\r", "\n").split("\n")]
    text = "\n".join(ln for ln in lines if ln)
    return text or None


def normalize_header(text: Any) -> str:
    """Header text for matching: NFKC (full-width brackets, ％, ㎡ -> m2),
    no whitespace, no required markers (* ※ ★), lower case."""
    s = _cell_text(text) or ""
    s = unicodedata.normalize("NFKC", s)
    s = s.replace("【", "(").replace("】", ")").replace("[", "(").replace("]", ")")
    s = s.replace("m²", "m2").replace("M²", "m2")
    s = re.sub(r"[\s*※★☆]+", "", s)
    return s.rstrip(":").lower()


_MONEY_UNITS = {"万元": 1.0, "元": 1e-4, "亿元": 1e4, "千元": 0.1}
_AREA_UNITS = {"万m2": 1.0, "万平方米": 1.0, "万平米": 1.0, "万㎡": 1.0,
               "m2": 1e-4, "平方米": 1e-4, "平米": 1e-4, "㎡": 1e-4}
_COUNT_UNITS = {"户", "个", "栋", "幢", "栋/幢", "幢/栋", "部", "台", "处", "年", "座"}
_PCT_UNITS = {"%"}
_DATE_HINT_RE = re.compile(r"^[年月日/.\-ymdx]+$|^(格式|如)")
_HEADER_UNIT_TOKENS = set(_MONEY_UNITS) | set(_AREA_UNITS) | _COUNT_UNITS | _PCT_UNITS


def _split_unit(norm: str) -> tuple[str, str | None]:
    """Remove bracketed units / format hints from a normalised header."""
    unit = None

    def repl(m: re.Match[str]) -> str:
        nonlocal unit
        inner = m.group(1)
        inner = re.sub(r"^(单位|计量单位)[:：]?", "", inner)
        if inner in _HEADER_UNIT_TOKENS:
            unit = unit or inner
            return ""
        if inner and _DATE_HINT_RE.match(inner):
            return ""
        return m.group(0)

    base = re.sub(r"\(([^()]*)\)", repl, norm)
    if unit is None:
        for token in sorted(_HEADER_UNIT_TOKENS, key=len, reverse=True):
            if base.endswith("/" + token):
                return base[: -len(token) - 1], token
    return base, unit


def _build_synonym_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for fld, names in FIELD_SYNONYMS.items():
        for n in names:
            key = normalize_header(n)
            if key in index and index[key] != fld:
                raise AssertionError(f"synonym {n} used for {index[key]} and {fld}")
            index[key] = fld
    for n in _SEQ_SYNONYMS:
        index[normalize_header(n)] = SEQ_FIELD
    return index


_SYNONYM_INDEX = _build_synonym_index()


def _lookup(base: str) -> str | None:
    if not base:
        return None
    hit = _SYNONYM_INDEX.get(base)
    if hit:
        return hit
    # "完成投资万元" / "户数户": unit glued to the end without brackets
    for token in sorted(_HEADER_UNIT_TOKENS, key=len, reverse=True):
        if base.endswith(token) and len(base) > len(token):
            hit = _SYNONYM_INDEX.get(base[: -len(token)])
            if hit:
                return hit
    return None


def _unit_in_base(base: str) -> str | None:
    for token in sorted(_HEADER_UNIT_TOKENS, key=len, reverse=True):
        if base.endswith(token) and len(base) > len(token) and _SYNONYM_INDEX.get(base[: -len(token)]):
            return token
    return None


def match_header(text: Any) -> tuple[str | None, str | None]:
    """Map one header text to (field, unit).  ``"改造户数（户）"`` ->
    ``("households", "户")``; unknown -> ``(None, unit or None)``."""
    base, unit = _split_unit(normalize_header(text))
    fld = _lookup(base)
    if fld and unit is None:
        unit = _unit_in_base(base)
    return fld, unit


def _match_two_rows(parent: str | None, child: str | None) -> tuple[str | None, str | None]:
    """Map a column of a two-row header (parent row merged over child row)."""
    if not child or child == parent:
        return match_header(parent) if parent else (None, None)
    if not parent:
        return match_header(child)
    p_base, p_unit = _split_unit(normalize_header(parent))
    c_base, c_unit = _split_unit(normalize_header(child))
    unit = c_unit or p_unit
    fld = _lookup(p_base + c_base)
    if fld:
        return fld, unit
    if c_base in _GENERIC_CHILD_WORDS:
        fld = _lookup(p_base)
        if fld:
            return fld, unit
    if any(w in p_base for w in _GROUP_PARENT_WORDS):
        fld = _lookup(c_base)
        if fld:
            return fld, unit or _unit_in_base(c_base)
    return None, unit


# --------------------------------------------------------------------------
# Value parsing (public, unit-tested)
# --------------------------------------------------------------------------

_QTY_UNITS = sorted(set(_MONEY_UNITS) | set(_AREA_UNITS) | _COUNT_UNITS | {"%", "万", "米", "°"},
                    key=len, reverse=True)
_NUM_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")


def _prep_numeric_text(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).strip()
    s = s.replace("m²", "m2")
    # Excel's ="00123" trick for keeping text in CSV
    m = re.fullmatch(r'="(.*)"', s)
    if m:
        s = m.group(1)
    s = s.lstrip("¥￥").strip()
    return s


def parse_quantity(value: Any) -> tuple[float | None, str | None]:
    """Read a number and an optional trailing unit: ``"１，２３４.5万元"`` ->
    ``(1234.5, "万元")``; ``"120户"`` -> ``(120.0, "户")``; empty, ``-``, ``/``
    or ``无`` -> ``(None, None)``.  Raises ValueParseError when unsure
    (``"约120"``, ``"1,23"``, ``"100-120"``)."""
    if value is None:
        return None, None
    if isinstance(value, bool):
        raise ValueParseError("是逻辑值，不是数字", "请填写数字")
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueParseError("不是有效的数字", "请填写数字")
        return float(value), None
    if isinstance(value, _ExcelError):
        raise ValueParseError(f"是Excel错误值 {value.text}", "请检查该单元格的公式")
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        raise ValueParseError("是日期，不是数字", "请把单元格格式改为“常规”或“数值”后填写数字")
    s = _prep_numeric_text(str(value))
    if not s or s in _EMPTY_MARKERS:
        return None, None
    unit = None
    for token in _QTY_UNITS:
        if s.endswith(token) and len(s) > len(token):
            unit = token
            s = s[: -len(token)].strip()
            break
    s = s.replace(" ", "") if re.fullmatch(r"[+-]?\s*[\d.,]+", s) else s
    if "," in s:
        if not _THOUSANDS_RE.match(s):
            raise ValueParseError("的千分位逗号位置不对，无法确定数值", "请去掉逗号后填写数字，如 1234.5")
        s = s.replace(",", "")
    if not _NUM_RE.match(s):
        raise ValueParseError("不是有效的数字", "请只填写数字（可带单位），如 120 或 3.5万元")
    return float(s), unit


def parse_number(value: Any) -> float | None:
    """Number from a cell, any trailing unit dropped (see parse_quantity)."""
    return parse_quantity(value)[0]


def parse_int(value: Any) -> int | None:
    """Whole number (户数, 栋数, 电梯部数): ``"120户"`` -> 120; ``12.5`` is an error."""
    num, _ = parse_quantity(value)
    if num is None:
        return None
    if not float(num).is_integer():
        raise ValueParseError("不是整数", "请填写整数")
    return int(num)


def parse_percent(value: Any, *, percent_format: bool = False) -> tuple[float | None, bool]:
    """Return (number as written, had_percent_sign).

    ``"75%"`` -> (75.0, True); ``"75"`` -> (75.0, False); ``0.75`` -> (0.75, False);
    an Excel cell formatted as percent holding 0.75 (``percent_format=True``)
    -> (75.0, True).  Column-level scaling is resolve_percent_column()."""
    if percent_format and isinstance(value, (int, float)) and not isinstance(value, bool):
        return round(float(value) * 100, 10), True
    num, unit = parse_quantity(value)
    if num is None:
        return None, False
    if unit not in (None, "%"):
        raise ValueParseError("不是百分比", "请填写 0 到 100 之间的数字，如 75 或 75%")
    return num, unit == "%"


def resolve_percent_column(cells: list[tuple[float | None, bool]]) -> tuple[list[float | None], bool]:
    """Apply the percentage rule to one column.

    Cells written with % are kept.  Numbers without % are multiplied by 100
    only if ALL non-empty values of the column (as written) are <= 1.
    Returns (values, scaled)."""
    present = [v for v, _ in cells if v is not None]
    scale = bool(present) and all(v <= 1 for v in present) and any(not pct for v, pct in cells if v is not None)
    out: list[float | None] = []
    for v, pct in cells:
        if v is None or pct or not scale:
            out.append(v)
        else:
            out.append(round(v * 100, 10))
    return out, scale


_EXCEL_EPOCH_1900 = dt.date(1899, 12, 30)
_MIN_YEAR, _MAX_YEAR = 1950, 2100
_DATE_FULL_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_DATE_MONTH_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(份)?$")
_DATE_COMPACT_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_TIME_SUFFIX_RE = re.compile(r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$")


def _make_date(y: int, m: int, d: int) -> dt.date:
    if not (_MIN_YEAR <= y <= _MAX_YEAR):
        raise ValueParseError(f"的年份 {y} 不在 {_MIN_YEAR}-{_MAX_YEAR} 之间", "请检查日期")
    try:
        return dt.date(y, m, d)
    except ValueError:
        raise ValueParseError("不是存在的日期", "请检查月份和日期，如 2021年6月18日") from None


def _serial_to_date(serial: float, epoch: dt.date) -> dt.date:
    day = epoch + dt.timedelta(days=int(math.floor(serial)))
    if not (_MIN_YEAR <= day.year <= _MAX_YEAR):
        raise ValueParseError("无法识别为日期", "请填写日期，如 2021年6月18日")
    return day


def parse_date(value: Any, *, allow_month: bool = False, epoch: dt.date = _EXCEL_EPOCH_1900) -> dt.date | None:
    """Read a date: ``2021.06.18``, ``2021/6/18``, ``2021-06-18``,
    ``2021年6月18日``, ``20210618``, an Excel serial (1900 system unless
    ``epoch`` says otherwise), a datetime cell.  Year-month only
    (``2021年6月``) gives the 1st of the month when ``allow_month`` else an
    error.  Two-digit years, years outside 1950-2100 -> ValueParseError."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return _make_date(value.year, value.month, value.day)
    if isinstance(value, dt.date):
        return _make_date(value.year, value.month, value.day)
    if isinstance(value, bool) or isinstance(value, _ExcelError) or isinstance(value, dt.time):
        raise ValueParseError("无法识别为日期", "请填写日期，如 2021年6月18日")
    if isinstance(value, (int, float)):
        if float(value).is_integer() and 19000101 <= value <= 21001231:
            return parse_date(str(int(value)), allow_month=allow_month)
        if 1 <= value < 2958466 and value >= 10000:
            return _serial_to_date(value, epoch)
        text = _format_number(value)
        if re.fullmatch(r"\d{4}\.1", text):
            raise ValueParseError("无法确定是1月还是10月", "请按“2021年10月18日”的格式填写完整日期")
        return parse_date(text, allow_month=allow_month, epoch=epoch)
    s = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE).strip()
    if not s or s in _EMPTY_MARKERS:
        return None
    s = _TIME_SUFFIX_RE.sub("", s).strip()
    m = _DATE_FULL_RE.match(s) or _DATE_COMPACT_RE.match(s)
    if m:
        return _make_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = _DATE_MONTH_RE.match(s)
    if m:
        if not allow_month:
            raise ValueParseError("只有年月，没有具体日期", "请填写到日，如 2021年6月18日")
        return _make_date(int(m.group(1)), int(m.group(2)), 1)
    if re.fullmatch(r"\d{5}(\.\d+)?", s):
        return _serial_to_date(float(s), epoch)
    if re.fullmatch(r"\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?", s):
        raise ValueParseError("的年份只有两位，无法确定", "请写四位年份，如 2021年6月18日")
    raise ValueParseError("无法识别为日期", "请填写日期，如 2021年6月18日 或 2021-06-18")


_TRUE_WORDS = {"是", "y", "yes", "√", "✓", "✔", "1", "true", "有", "对"}
_FALSE_WORDS = {"否", "n", "no", "×", "✗", "✘", "x", "0", "false", "不是"}


def parse_bool(value: Any) -> bool | None:
    """是/否, Y/N, √/×, 1/0, TRUE/FALSE -> bool; empty -> None; else error."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    s = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE).strip().lower()
    if not s or s in _EMPTY_MARKERS - {"无"}:
        return None
    if s in _TRUE_WORDS:
        return True
    if s in _FALSE_WORDS or s == "无":
        return False
    raise ValueParseError("无法识别为“是”或“否”", "请填写“是”或“否”")


_REPORT_DATE_RE = re.compile(
    r"(填报日期|统计截止日期|截止日期|截至日期|统计日期|报送日期|数据截至|截止时间|截至时间|截至|截止)"
    r"\s*[:：]?\s*(\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?|\d{8})")


def extract_report_date(text: Any) -> dt.date | None:
    """Find a 填报日期/截至 date in a title line: ``"填报单位：城东区住建局
    填报日期：2021年6月18日"`` or ``"（截至2021年6月18日）"`` -> date."""
    s = _cell_text(text)
    if not s:
        return None
    s = unicodedata.normalize("NFKC", s)
    m = _REPORT_DATE_RE.search(s)
    if not m:
        return None
    try:
        return parse_date(m.group(2))
    except ValueParseError:
        return None


# --------------------------------------------------------------------------
# Raw sheets: one shape for xlsx, xls and csv
# --------------------------------------------------------------------------


@dataclass
class _RawSheet:
    name: str
    rows: dict[int, list[Any]]  # 1-based row number -> values (non-blank rows only)
    hidden: bool = False
    percent_cells: set[tuple[int, int]] = field(default_factory=set)  # (row, col) 1-based
    formula_no_cache: set[tuple[int, int]] = field(default_factory=set)
    merged: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # covered -> top-left
    epoch: dt.date = _EXCEL_EPOCH_1900
    is_csv: bool = False

    def get(self, r: int, c: int) -> Any:
        row = self.rows.get(r)
        if row is None or c - 1 >= len(row):
            return None
        return row[c - 1]

    def get_filled(self, r: int, c: int) -> Any:
        src = self.merged.get((r, c))
        return self.get(*src) if src else self.get(r, c)

    def width(self) -> int:
        return max((len(v) for v in self.rows.values()), default=0)


class _FileProblem(Exception):
    """A file-level problem with a Chinese message (caught in read_workbook)."""


def _trim(values: list[Any]) -> list[Any]:
    while values and (values[-1] is None or (isinstance(values[-1], str) and not values[-1].strip())):
        values.pop()
    return values


def _is_blank(values: list[Any]) -> bool:
    return all(_cell_text(v) is None for v in values)


def _column_letter(idx: int) -> str:
    letters = ""
    while idx:
        idx, rem = divmod(idx - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xlsx_merges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """Merged ranges (min_col, min_row, max_col, max_row) from a sheet's XML:
    read-only openpyxl does not expose them."""
    from openpyxl.utils.cell import range_boundaries

    out = []
    for ref in re.findall(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', xml):
        try:
            out.append(range_boundaries(ref.decode()))
        except ValueError:
            continue
    return out


def _load_xlsx(data: bytes, row_cap: int) -> list[_RawSheet]:
    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    def open_book(data_only: bool) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_vba=False)

    def cells(ws: Any) -> Iterable[tuple[int, list[Any]]]:
        """(row number, cells) of non-empty rows, at most row_cap of them."""
        n = 0
        ws.reset_dimensions()  # some generators write a wrong <dimension ref="A1"/>; read what is there
        for row in ws.iter_rows():
            r = next((c.row for c in row if getattr(c, "row", None)), None)
            if r is None:
                continue
            yield r, list(row[:MAX_COLUMNS])
            n += 1
            if n > row_cap:
                return

    # Everything openpyxl does (it parses lazily, while iterating) stays inside
    # this try; what we do with the values stays outside, so our own bugs raise.
    try:
        wb = open_book(True)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            sheet_xml = {ws.title: zf.read(ws._worksheet_path) if getattr(ws, "_worksheet_path", None) in
                         zf.namelist() else b"" for ws in wb.worksheets}
        formula_cells: dict[str, set[tuple[int, int]]] = {}
        if any(re.search(rb"<(?:\w+:)?f[ >/]", x) for x in sheet_xml.values()):
            # Only now pay for a second pass, to tell "formula without a saved
            # result" apart from an empty cell.
            wbf = open_book(False)
            for ws in wbf.worksheets:
                formula_cells[ws.title] = {(c.row, c.column) for _, row in cells(ws) for c in row
                                           if getattr(c, "data_type", None) == "f"}
            wbf.close()
        epoch = dt.date(1904, 1, 1) if wb.epoch == CALENDAR_MAC_1904 else _EXCEL_EPOCH_1900
        books = []
        for ws in wb.worksheets:
            grid = [(r, [(getattr(c, "value", None), getattr(c, "data_type", None),
                          getattr(c, "number_format", None)) for c in row]) for r, row in cells(ws)]
            books.append((ws.title, ws.sheet_state != "visible", grid))
        wb.close()
    except Exception as exc:  # corrupt files raise anything from zipfile/xml/openpyxl
        raise _FileProblem("文件已损坏，无法作为Excel文件打开。请用Excel打开后“另存为”.xlsx格式再上传。") from exc

    sheets = []
    for title, hidden, grid in books:
        raw = _RawSheet(name=title, rows={}, hidden=hidden, epoch=epoch)
        for min_col, min_row, max_col, max_row in _xlsx_merges(sheet_xml.get(title, b"")):
            for r in range(min_row, max_row + 1):
                for c in range(min_col, min(max_col, MAX_COLUMNS) + 1):
                    if (r, c) != (min_row, min_col):
                        raw.merged[(r, c)] = (min_row, min_col)
        fcells = formula_cells.get(title, set())
        for r, row in grid:
            values = []
            for col, (v, data_type, number_format) in enumerate(row, start=1):
                if data_type == "e" and isinstance(v, str):
                    v = _ExcelError(v)
                elif isinstance(v, str) and v.strip() in _EXCEL_ERRORS:
                    v = _ExcelError(v.strip())
                if v is None and (r, col) in fcells:
                    raw.formula_no_cache.add((r, col))
                    v = _ExcelError("")
                if isinstance(v, (int, float)) and not isinstance(v, bool) and "%" in (number_format or ""):
                    raw.percent_cells.add((r, col))
                values.append(v)
            values = _trim(values)
            if values and not _is_blank(values):
                raw.rows[r] = values
        sheets.append(raw)
    return sheets


def _load_xls(data: bytes, row_cap: int) -> list[_RawSheet]:
    import xlrd

    try:
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=io.StringIO())
        except NotImplementedError:
            book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO())
    except xlrd.biffh.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise _FileProblem("文件设置了密码保护，请取消密码后重新上传。") from exc
        raise _FileProblem("文件已损坏，无法作为.xls文件打开。请用Excel打开后“另存为”.xlsx格式再上传。") from exc
    except Exception as exc:
        raise _FileProblem("文件已损坏，无法作为.xls文件打开。请用Excel打开后“另存为”.xlsx格式再上传。") from exc

    epoch = dt.date(1904, 1, 1) if book.datemode == 1 else _EXCEL_EPOCH_1900
    sheets = []
    for sh in book.sheets():
        raw = _RawSheet(name=sh.name, rows={}, hidden=bool(sh.visibility), epoch=epoch)
        for rlo, rhi, clo, chi in getattr(sh, "merged_cells", []) or []:
            for r in range(rlo, rhi):
                for c in range(clo, min(chi, MAX_COLUMNS)):
                    if (r, c) != (rlo, clo):
                        raw.merged[(r + 1, c + 1)] = (rlo + 1, clo + 1)
        for rx in range(sh.nrows):
            values = []
            for cx in range(min(sh.ncols, MAX_COLUMNS)):
                cell = sh.cell(rx, cx)
                t, v = cell.ctype, cell.value
                if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    v = None
                elif t == xlrd.XL_CELL_DATE:
                    try:
                        v = xlrd.xldate.xldate_as_datetime(v, book.datemode)
                    except Exception:
                        pass  # left as a number; parse_date decides
                elif t == xlrd.XL_CELL_BOOLEAN:
                    v = bool(v)
                elif t == xlrd.XL_CELL_ERROR:
                    v = _ExcelError(xlrd.error_text_from_code.get(v, "#ERROR"))
                elif t == xlrd.XL_CELL_NUMBER and book.formatting_info:
                    try:
                        xf = book.xf_list[cell.xf_index]
                        fmt = book.format_map[xf.format_key].format_str
                        if "%" in fmt:
                            raw.percent_cells.add((rx + 1, cx + 1))
                    except (IndexError, KeyError, AttributeError):
                        pass
                values.append(v)
            values = _trim(values)
            if values and not _is_blank(values):
                raw.rows[rx + 1] = values
                if len(raw.rows) > row_cap:
                    break
        sheets.append(raw)
    return sheets


def _decode_text(data: bytes) -> tuple[str, str]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        label = enc
        if enc == "utf-8-sig" and not data.startswith(codecs.BOM_UTF8):
            label = "utf-8"
        return text, label
    raise _FileProblem("无法识别CSV文件的文字编码（既不是UTF-8也不是GBK/GB18030）。"
                       "请用Excel打开后“另存为”.xlsx格式，或另存为“CSV UTF-8”后再上传。")


def _load_csv(data: bytes, filename: str, row_cap: int) -> tuple[list[_RawSheet], str]:
    text, encoding = _decode_text(data)
    if "\x00" in text:
        raise _FileProblem("文件内容不是表格（包含二进制数据）。请上传Excel（.xlsx/.xls）或CSV文件。")
    head = text[:20000].splitlines()[:HEADER_SCAN_ROWS + 5]
    delimiter = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in head))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    raw = _RawSheet(name=filename, rows={}, is_csv=True)
    try:
        for i, rec in enumerate(reader, start=1):
            values = _trim([v if v.strip() else None for v in rec[:MAX_COLUMNS]])
            if values and not _is_blank(values):
                raw.rows[i] = values
                if len(raw.rows) > row_cap:
                    break
    except csv.Error as exc:
        raise _FileProblem(f"CSV文件格式有误（{exc}）。请用Excel打开后另存为.xlsx再上传。") from exc
    return [raw], encoding


# --------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------

_NOT_SPREADSHEET = "请上传Excel（.xlsx、.xlsm、.xls）或CSV文件。"


def _ole_stream_names(data: bytes) -> set[str]:
    try:
        from xlrd import compdoc

        doc = compdoc.CompDoc(data, logfile=io.StringIO())
        return {d.name for d in doc.dirlist}
    except Exception:
        names = set()
        for n in ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book", "WordDocument"):
            if n.encode("utf-16-le") in data:
                names.add(n)
        return names


def _detect_format(data: bytes, filename: str) -> str:
    """Return 'xlsx', 'xlsm', 'xls' or 'csv'; raise _FileProblem otherwise."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                ctypes = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
                mimetype = zf.read("mimetype") if "mimetype" in names else b""
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise _FileProblem("文件已损坏（压缩包不完整），无法打开。请用Excel打开后另存为.xlsx再上传。") from exc
        if "xl/workbook.xml" in names or any(n.endswith("workbook.xml") and n.startswith("xl/") for n in names):
            if "xl/vbaProject.bin" in names or b"macroEnabled" in ctypes or ext == "xlsm":
                return "xlsm"
            return "xlsx"
        if b"opendocument.spreadsheet" in mimetype:
            raise _FileProblem("这是WPS/LibreOffice的.ods表格，系统不能直接读取。请另存为.xlsx格式后再上传。")
        if "word/document.xml" in names:
            raise _FileProblem("这是Word文档（.docx），不是表格。" + _NOT_SPREADSHEET)
        if any(n.startswith("ppt/") for n in names):
            raise _FileProblem("这是PowerPoint文件，不是表格。" + _NOT_SPREADSHEET)
        raise _FileProblem("这是一个压缩包（.zip），不是Excel表格。" + _NOT_SPREADSHEET)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        streams = _ole_stream_names(data)
        if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
            raise _FileProblem("文件设置了密码保护，请取消密码后重新上传。")
        if "Workbook" in streams or "Book" in streams:
            return "xls"
        if "WordDocument" in streams:
            raise _FileProblem("这是Word文档（.doc），不是表格。" + _NOT_SPREADSHEET)
        raise _FileProblem("这是Office文件，但不是Excel表格。" + _NOT_SPREADSHEET)
    if head.startswith(b"%PDF"):
        raise _FileProblem("这是PDF文件，系统无法从PDF中读取表格。" + _NOT_SPREADSHEET)
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head[:4] in (b"GIF8", b"RIFF") \
            or head.startswith(b"BM"):
        raise _FileProblem("这是图片文件，系统无法从图片中读取表格。" + _NOT_SPREADSHEET)
    sample = data[:4096].lstrip(codecs.BOM_UTF8).lstrip().lower()
    if sample.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise _FileProblem("这个文件实际上是网页（HTML/XML）格式，只是扩展名像Excel。"
                           "请用Excel打开后“另存为”.xlsx格式再上传。")
    if b"\x00" in data[:4096]:
        raise _FileProblem("文件内容无法识别，不是表格文件。" + _NOT_SPREADSHEET)
    return "csv"


# --------------------------------------------------------------------------
# Header detection
# --------------------------------------------------------------------------


@dataclass
class _ColumnMap:
    field: str
    col: int
    header: str  # user's header text (parent/child for two-row headers)
    unit: str | None


@dataclass
class _Header:
    row: int
    nrows: int
    columns: list[_ColumnMap]
    unmapped: list[tuple[int, str]]

    @property
    def fields(self) -> set[str]:
        return {c.field for c in self.columns if c.field != SEQ_FIELD}

    def score(self) -> tuple[int, int, int, int]:
        units = sum(1 for c in self.columns if c.unit)
        return (len(self.fields), units, -self.nrows, -self.row)


def _display(value: Any) -> str:
    t = normalize_text(value) or ""
    return re.sub(r"\s+", "", t) if len(t) < 40 else t


def _map_header(raw: _RawSheet, r: int, two_rows: bool) -> _Header:
    width = raw.width()
    cols: list[_ColumnMap] = []
    unmapped: list[tuple[int, str]] = []
    prev_parent = None
    for c in range(1, width + 1):
        top = _cell_text(raw.get_filled(r, c))
        if two_rows:
            child = _cell_text(raw.get_filled(r + 1, c))
            if top is None and child is not None and prev_parent \
                    and any(w in normalize_header(prev_parent) for w in _GROUP_PARENT_WORDS):
                # "资金来源（万元）" typed once above several children, without merging
                top = prev_parent
            parent_raw = top
            fld, unit = _match_two_rows(top, child)
            if parent_raw and child and _display(parent_raw) != _display(child):
                header = f"{_display(parent_raw)}/{_display(child)}"
            else:
                header = _display(parent_raw or child)
            prev_parent = top if child is not None else None
        else:
            fld, unit = match_header(top) if top else (None, None)
            header = _display(top)
        if fld:
            cols.append(_ColumnMap(fld, c, header, unit))
        elif header:
            unmapped.append((c, header))
    return _Header(row=r, nrows=2 if two_rows else 1, columns=cols, unmapped=unmapped)


def _find_header(raw: _RawSheet) -> tuple[_Header | None, _Header | None]:
    """Return (header, best candidate without the name column)."""
    best: _Header | None = None
    best_nameless: _Header | None = None
    for r in sorted(raw.rows):
        if r > HEADER_SCAN_ROWS:
            break
        options = [_map_header(raw, r, False)]
        if r + 1 in raw.rows or any((r + 1, c) in raw.merged for c in range(1, raw.width() + 1)):
            options.append(_map_header(raw, r, True))
        for h in options:
            ok = "name" in h.fields and len(h.fields - {"name"}) >= 2
            if ok and (best is None or h.score() > best.score()):
                best = h
            if not ok and len(h.fields) >= 3 and (best_nameless is None or h.score() > best_nameless.score()):
                best_nameless = h
    return best, best_nameless


def _detect_kind(fields: set[str]) -> str | None:
    if fields & set(_PROGRESS_DECISIVE):
        return "progress"
    if fields & set(_REGISTER_MARKERS):
        return "register"
    if fields & set(_PROGRESS_MARKERS):
        return "progress"
    return None


def _is_instruction_sheet(name: str) -> bool:
    n = normalize_header(name)
    return any(w in n for w in _INSTRUCTION_SHEET_WORDS)


# --------------------------------------------------------------------------
# Reading data rows
# --------------------------------------------------------------------------


def _where(raw: _RawSheet) -> str:
    return f"文件「{raw.name}」" if raw.is_csv else f"工作表「{raw.name}」"


def _short(text: str | None, limit: int = 60) -> str:
    if text is None:
        return ""
    return text if len(text) <= limit else text[:limit] + "…"


class _SheetReader:
    def __init__(self, raw: _RawSheet, header: _Header, kind: str, issues: list[Issue], notes: list[str],
                 table_money_unit: str | None):
        self.raw = raw
        self.header = header
        self.kind = kind
        self.issues = issues
        self.notes = notes
        self.table_money_unit = table_money_unit
        self.columns: list[_ColumnMap] = []
        self.month_only_cols: set[str] = set()

    # -- issues -------------------------------------------------------------
    def col_label(self, cm: _ColumnMap) -> str:
        return f"{cm.header}（{_column_letter(cm.col)}列）"

    def cell_issue(self, severity: str, row: int, cm: _ColumnMap, text: str | None, reason: str, hint: str) -> None:
        msg = f"{_where(self.raw)}第{row}行「{cm.header}」（{_column_letter(cm.col)}列）"
        msg += f"的值「{_short(text)}」{reason}" if text is not None else reason
        msg += f"，{hint}。" if hint else "。"
        self.issues.append(Issue(severity, self.raw.name, row, self.col_label(cm), text, msg))  # type: ignore[arg-type]

    def sheet_issue(self, severity: str, message: str, cm: _ColumnMap | None = None, row: int | None = None) -> None:
        column = self.col_label(cm) if cm else None
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
        by_field: dict[str, list[_ColumnMap]] = {}
        for c in cols:
            by_field.setdefault(c.field, []).append(c)
        ignored = []
        for fld, group in by_field.items():
            if fld not in allowed:
                ignored.extend(group)
                continue
            if len(group) > 1 and fld != SEQ_FIELD:
                names = "和".join(f"「{g.header}」（{_column_letter(g.col)}列）" for g in group)
                self.sheet_issue(
                    "error",
                    f"{_where(self.raw)}中{names}都表示“{FIELD_LABELS_ZH[fld]}”，无法确定使用哪一列，"
                    f"这些列都没有读取。请删除多余的列，或把表头改成不同的含义后重新上传。",
                    group[0])
                continue
            self.columns.append(group[0])
        self.columns.sort(key=lambda c: c.col)
        if ignored:
            names = "、".join(f"「{g.header}」" for g in sorted(ignored, key=lambda g: g.col))
            self.sheet_issue("warning", f"{_where(self.raw)}按{KIND_LABELS_ZH[self.kind]}读取，"
                                        f"{names}列不属于{KIND_LABELS_ZH[self.kind]}，已忽略。")
        skip_words = {"序号"}
        unmapped = [h for _, h in self.header.unmapped if normalize_header(h) not in skip_words]
        if unmapped:
            self.sheet_issue("warning", f"{_where(self.raw)}中以下列未能识别，已忽略："
                                        f"{'、'.join('「' + _short(h, 30) + '」' for h in unmapped)}。"
                                        f"如需导入，请使用模板中的表头名称。")
        if unit_row in self.raw.rows:
            self.apply_unit_row(unit_row)
        for c in self.columns:
            ftype = FIELD_TYPES.get(c.field)
            if ftype == "money" and c.unit not in _MONEY_UNITS:
                if self.table_money_unit:
                    c.unit = self.table_money_unit
                else:
                    self.sheet_issue("warning", f"{_where(self.raw)}「{c.header}」（{_column_letter(c.col)}列）"
                                                f"表头没有注明金额单位，已按“万元”读取；如果填的是元，"
                                                f"请把表头改为「{c.header}（元）」后重新上传。", c)
                    c.unit = "万元"
            if ftype == "area" and c.unit not in _AREA_UNITS:
                self.sheet_issue("warning", f"{_where(self.raw)}「{c.header}」（{_column_letter(c.col)}列）"
                                            f"表头没有注明面积单位，已按“万平方米”读取；如果填的是平方米，"
                                            f"请把表头改为「{c.header}（平方米）」后重新上传。", c)
                c.unit = "万平方米"

    # -- rows -----------------------------------------------------------------
    def text_of(self, r: int, c: int) -> str | None:
        return normalize_text(self.raw.get(r, c))

    def is_total_row(self, r: int) -> bool:
        for cm in self.columns:
            if cm.field in ("name", SEQ_FIELD, "code", "county", "prefecture"):
                v = self.raw.get(r, cm.col)
                if not (isinstance(v, str) and ("计" in v)):
                    continue
                t = normalize_text(v)
                if t:
                    t = re.sub(r"\s+", "", t)
                    if t.startswith(_TOTAL_WORDS) or (cm.field != "name" and t.endswith(_TOTAL_WORDS)) \
                            or (cm.field == "name" and t.endswith(("合计", "小计")) and len(t) <= 8):
                        return True
        first = next((v for v in self.raw.rows[r] if _cell_text(v) is not None), None)
        if not (isinstance(first, str) and "计" in first):
            return False
        t = re.sub(r"\s+", "", normalize_text(first) or "")
        return t.startswith(_TOTAL_WORDS)

    def is_note_row(self, r: int) -> bool:
        first = next((v for v in self.raw.rows[r] if _cell_text(v) is not None), None)
        if not isinstance(first, str) or first.lstrip()[:1] not in "填审负联制统说备注单":
            return False
        t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", first))
        if t.startswith(tuple(unicodedata.normalize("NFKC", p) for p in _NOTE_PREFIXES)):
            return True
        return bool(re.match(r"^注\d*[:.、)]", t)) or t == "注"

    def is_column_number_row(self, r: int) -> bool:
        vals = [v for v in self.raw.rows[r] if _cell_text(v) is not None]
        try:
            nums = [int(float(_cell_text(v) or "")) for v in vals]
        except ValueError:
            return False
        return len(nums) >= 3 and nums == list(range(nums[0], nums[0] + len(nums))) and nums[0] in (0, 1)

    def apply_unit_row(self, r: int) -> bool:
        """A row of units only under the header ("（户）｜（万元）"): take the
        units for columns whose header had none, and skip the row."""
        units: dict[int, str] = {}
        for c, v in enumerate(self.raw.rows[r], start=1):
            t = _cell_text(v)
            if t is None:
                continue
            norm = normalize_header(t)
            m = re.fullmatch(r"\(?(?:单位:)?([^()]*)\)?", norm)
            token = m.group(1) if m else None
            if token not in _HEADER_UNIT_TOKENS:
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
        for r in sorted(self.raw.rows):
            if r < first_data:
                continue
            if r == first_data and (self.is_column_number_row(r) or self.apply_unit_row(r)):
                continue
            if self.is_note_row(r):
                continue
            if self.is_total_row(r):
                skipped_totals += 1
                continue
            row = RawRow(sheet=self.raw.name, row_number=r, values={}, raw={})
            any_value = False
            for cm in self.columns:
                if cm.field == SEQ_FIELD:
                    continue
                value = self.raw.get(r, cm.col)
                src = self.raw.merged.get((r, cm.col))
                if src is not None and src[0] < r and src[0] >= first_data:
                    if cm.field in _FILL_DOWN_FIELDS or FIELD_TYPES[cm.field] == "text":
                        value = self.raw.get(*src)
                    elif self.raw.get(*src) is not None and (src, cm.col) not in numeric_merge_warned:
                        self.cell_issue("warning", r, cm, None,
                                        f"与第{src[0]}行合并，数值只计入第{src[0]}行",
                                        "如果每个小区的数值不同，请取消合并并分别填写")
                value_text = _cell_text(value)
                if value_text is not None:
                    any_value = True
                row.raw[cm.field] = value_text
                pct = self.parse_cell(row, cm, value, value_text)
                if pct is not None:
                    pct_cells.setdefault(cm.field, []).append((row, *pct))
            if not any_value:
                continue
            rows.append(row)
            if len(rows) > budget:
                return None
        for fld, cells in pct_cells.items():
            self.finish_percent_column(fld, cells)
        for fld in sorted(self.month_only_cols):
            cm = next(c for c in self.columns if c.field == fld)
            self.sheet_issue("warning", f"{_where(self.raw)}「{cm.header}」（{_column_letter(cm.col)}列）有的日期"
                                        f"只填写到月，已按当月1日记录。", cm)
        if skipped_totals:
            self.notes.append(f"{_where(self.raw)}跳过了{skipped_totals}个合计/小计行。")
        return rows

    def parse_cell(self, row: RawRow, cm: _ColumnMap, value: Any, text: str | None
                   ) -> tuple[float | None, bool] | None:
        fld = cm.field
        ftype = FIELD_TYPES[fld]
        r = row.row_number
        if (r, cm.col) in self.raw.formula_no_cache:
            row.values[fld] = None
            row.invalid_fields.append(fld)
            row.raw[fld] = None
            self.cell_issue("error", r, cm, None, "是公式，但文件里没有保存计算结果",
                            "请用Excel打开该文件，确认公式已计算后保存，再重新上传")
            return (None, False) if ftype == "pct" else None
        try:
            if ftype == "text":
                if isinstance(value, _ExcelError):
                    raise ValueParseError(f"是Excel错误值 {value.text}", "请检查该单元格的公式")
                parsed: Any = normalize_text(value)
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
                allow_month = fld in _PLANNED_DATE_FIELDS
                parsed = parse_date(value, allow_month=allow_month, epoch=self.raw.epoch)
                if allow_month and parsed is not None and text and _DATE_MONTH_RE.match(
                        unicodedata.normalize("NFKC", text).strip()):
                    self.month_only_cols.add(fld)
            elif ftype == "bool":
                parsed = parse_bool(value)
            else:  # pragma: no cover - FIELD_TYPES is exhaustive
                raise AssertionError(ftype)
        except ValueParseError as exc:
            row.values[fld] = None
            row.invalid_fields.append(fld)
            self.cell_issue("error", r, cm, text, exc.reason, exc.hint)
            return (None, False) if ftype == "pct" else None
        row.values[fld] = parsed
        return None

    def parse_measure(self, value: Any, cm: _ColumnMap) -> float | None:
        num, cell_unit = parse_quantity(value)
        if num is None:
            return None
        units = _MONEY_UNITS if FIELD_TYPES[cm.field] == "money" else _AREA_UNITS
        if cell_unit == "万":
            cell_unit = "万元" if units is _MONEY_UNITS else "万m2"
        if cell_unit is not None and cell_unit not in units:
            raise ValueParseError(f"的单位“{cell_unit}”与本列不符",
                                  "请只填写数字" + ("（万元）" if units is _MONEY_UNITS else "（万平方米）"))
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
                                f"小于1，已按{_format_number(v)}%读取",
                                f"如果实际是{_format_number(round(v * 100, 6))}%，请填写{_format_number(round(v * 100, 6))}")
        if scaled:
            self.sheet_issue("warning", f"{_where(self.raw)}「{cm.header}」（{_column_letter(cm.col)}列）的数值都不大于1，"
                                        f"已按小数比例换算为百分数（如0.75读作75%）。如不是这个意思，请填写0到100之间的数字。",
                             cm)


def _table_money_unit(raw: _RawSheet, header: _Header) -> str | None:
    for r in sorted(raw.rows):
        if r >= header.row:
            break
        for v in raw.rows[r]:
            t = unicodedata.normalize("NFKC", _cell_text(v) or "")
            m = re.search(r"(?:金额)?单位[:：]\s*(万元|元|亿元)", t)
            if m:
                return m.group(1)
    return None


def _title_report_date(raw: _RawSheet, header: _Header) -> dt.date | None:
    for r in sorted(raw.rows):
        if r >= header.row:
            break
        values = raw.rows[r]
        for i, v in enumerate(values):
            d = extract_report_date(v)
            if d:
                return d
            label = re.sub(r"\s+", "", unicodedata.normalize("NFKC", _cell_text(v) or ""))
            if re.fullmatch(r"(填报日期|统计截止日期|截止日期|截至日期|统计日期|报送日期|截至|截止)[:：]?", label):
                nxt = next((x for x in values[i + 1:] if _cell_text(x) is not None), None)
                try:
                    d = parse_date(nxt, epoch=raw.epoch)
                except ValueParseError:
                    d = None
                if d:
                    return d
    return None


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.3g}"


def read_workbook(data: bytes, filename: str, *, max_bytes: int = 20 * 1024 * 1024, max_rows: int = 50_000,
                  kind: str | None = None) -> ReadResult:
    """Read an uploaded ledger (xlsx/xlsm/xls/csv) into rows of canonical fields.

    ``kind`` forces "register" (项目台账) or "progress" (进度填报); None detects
    it.  Never raises for a bad file: file-level problems are error issues
    with ``sheet=None``.
    """
    if kind not in (None, *KINDS):
        raise ValueError(f"kind must be None, 'register' or 'progress', not {kind!r}")
    result = ReadResult(kind=None, sheets=[], issues=[], report_date=None, file_format=None, encoding=None)

    def fail(message: str) -> ReadResult:
        result.issues.append(Issue("error", None, None, None, None, message))
        result.sheets = []
        return result

    if not data:
        return fail("文件是空的（0字节），请检查后重新上传。")
    if len(data) > max_bytes:
        return fail(f"文件大小为 {_mb(len(data))} MB，超过上限 {_mb(max_bytes)} MB。"
                    f"请删除无关的工作表、图片，或分批上传。")
    try:
        fmt = _detect_format(data, filename)
        result.file_format = fmt
        row_cap = max_rows + 1000  # enough to tell "too many rows" without reading everything
        if fmt in ("xlsx", "xlsm"):
            raws = _load_xlsx(data, row_cap)
        elif fmt == "xls":
            raws = _load_xls(data, row_cap)
        else:
            raws, result.encoding = _load_csv(data, filename, row_cap)
    except _FileProblem as exc:
        return fail(str(exc))

    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if fmt == "xlsm":
        result.issues.append(Issue("warning", None, None, None, None,
                                   "文件包含宏（启用宏的工作簿），系统只读取数据，宏已被忽略，不会运行。"))
    if ext and ext != fmt and not (ext in ("xlsx", "xlsm") and fmt in ("xlsx", "xlsm")) \
            and not (fmt == "csv" and ext in ("txt", "tsv")):
        result.notes.append(f"文件扩展名是.{ext}，但内容是{fmt.upper()}格式，已按{fmt.upper()}读取。")
    if result.encoding:
        result.notes.append(f"CSV文件编码识别为 {result.encoding.upper()}。")

    found: list[tuple[_RawSheet, _Header]] = []
    empty_sheets: list[str] = []
    no_header: list[tuple[_RawSheet, _Header | None]] = []
    for raw in raws:
        if raw.hidden:
            result.notes.append(f"隐藏的工作表「{raw.name}」未读取。")
            continue
        if not raw.is_csv and _is_instruction_sheet(raw.name):
            result.notes.append(f"工作表「{raw.name}」是说明页，未读取。")
            continue
        if not raw.rows:
            empty_sheets.append(raw.name)
            continue
        header, nameless = _find_header(raw)
        if header is None:
            no_header.append((raw, nameless))
        else:
            found.append((raw, header))

    if not found:
        if no_header:
            for raw, nameless in no_header:
                if nameless is not None:
                    result.issues.append(Issue(
                        "error", raw.name, nameless.row, None, None,
                        f"{_where(raw)}第{nameless.row}行像是表头，但没有「小区名称」列。"
                        f"请增加一列「小区名称」（也可写作「项目名称」）后重新上传。"))
                else:
                    result.issues.append(Issue(
                        "error", raw.name, None, None, None,
                        f"{_where(raw)}前{HEADER_SCAN_ROWS}行中没有找到表头：至少需要「小区名称」列和另外两列"
                        f"可识别的列（如「改造户数（户）」「累计完成投资（万元）」「形象进度（%）」）。"
                        f"请使用模板的表头，并确认表头在前{HEADER_SCAN_ROWS}行内。"))
            return result
        if empty_sheets:
            which = "、".join(f"「{n}」" for n in empty_sheets)
            return fail(f"工作表{which}是空的，文件中没有可读取的数据。请填写后重新上传。")
        return fail("文件中没有可读取的工作表（只有隐藏的工作表或说明页）。请把数据放在可见的工作表中。")
    for raw, nameless in no_header:
        result.issues.append(Issue("warning", raw.name, None, None, None,
                                   f"{_where(raw)}中没有找到表头（需要「小区名称」等列），已跳过该表。"))

    # kind: forced, or detected from the recognised columns
    kinds = {id(raw): (kind or _detect_kind(h.fields)) for raw, h in found}
    detected = {k for k in kinds.values() if k}
    if kind is None:
        if len(detected) > 1:
            parts = "；".join(f"「{raw.name}」是{KIND_LABELS_ZH[kinds[id(raw)]]}" for raw, _ in found
                             if kinds[id(raw)])
            return fail(f"同一个文件中既有项目台账又有进度填报表（{parts}）。请把两类表分成两个文件分别上传。")
        if not detected:
            return fail("无法判断这是项目台账还是进度填报表：表头里既没有户数、栋数、面积、计划投资，"
                        "也没有当前阶段、形象进度、完成投资。请使用模板的表头。")
        result.kind = detected.pop()
        reason_fields = sorted(set().union(*(h.fields for _, h in found)) &
                               set(_PROGRESS_MARKERS if result.kind == "progress" else _REGISTER_MARKERS),
                               key=lambda f: list(FIELD_LABELS_ZH).index(f))
        result.notes.append(f"已识别为{KIND_LABELS_ZH[result.kind]}（依据："
                            f"{'、'.join(FIELD_LABELS_ZH[f] for f in reason_fields[:4])}等列）。")
    else:
        result.kind = kind
        for raw, h in found:
            own = _detect_kind(h.fields)
            if own and own != kind and not (h.fields & set(_PROGRESS_MARKERS if kind == "progress"
                                                            else _REGISTER_MARKERS)):
                result.issues.append(Issue(
                    "error", raw.name, h.row, None, None,
                    f"{_where(raw)}看起来是{KIND_LABELS_ZH[own]}，不是{KIND_LABELS_ZH[kind]}。"
                    f"请确认上传的是{KIND_LABELS_ZH[kind]}，或换到对应的上传入口。"))
        if result.errors:
            return result

    budget = max_rows
    for raw, header in found:
        reader = _SheetReader(raw, header, result.kind, result.issues, result.notes,
                              _table_money_unit(raw, header))
        reader.resolve_columns(unit_row=header.row + header.nrows)
        rows = reader.read_rows(budget)
        if rows is None:
            # nothing of this file will be used, so cell-level findings would only distract
            result.issues = [i for i in result.issues if i.sheet is None]
            return fail(f"数据行数超过上限：每次最多上传 {max_rows} 行，本文件超过了这个数量。请分批上传。")
        budget -= len(rows)
        if not rows:
            result.issues.append(Issue("warning" if len(found) > 1 else "error", raw.name, None, None, None,
                                       f"{_where(raw)}在表头（第{header.row}行）下面没有数据行。"
                                       f"请在表头下方逐行填写小区数据后重新上传。"))
        table = SheetTable(name=raw.name, header_row=header.row,
                           columns={c.field: (c.header, _column_letter(c.col)) for c in reader.columns
                                    if c.field != SEQ_FIELD},
                           rows=rows, header_rows=header.nrows, kind=result.kind)
        result.sheets.append(table)
        d = _title_report_date(raw, header)
        if d and result.report_date is None:
            result.report_date = d
        elif d and d != result.report_date:
            result.issues.append(Issue("warning", raw.name, None, None, d.isoformat(),
                                       f"{_where(raw)}的填报日期{d.isoformat()}与其他工作表的"
                                       f"{result.report_date.isoformat()}不同，已采用{result.report_date.isoformat()}。"))
    return result
