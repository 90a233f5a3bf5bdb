"""Tables with one row per region, as offices publish them: 分县/分市 plans and progress.

Two kinds share this reader:

* a **plan** (目标任务分解表): 县(市、区) | 项目数量 | 小区数 | 楼栋数 | 户数 | 建筑面积 | 投资 —
  `lib.uploads.targets` turns it into targets;
* a **progress table** (Hunan's layout): 市州 | 计划完成数 | 累计开工数 | 开工率 | 计划投资额 |
  累计完成投资额 — `lib.uploads.aggregate` stores it as the regions' weekly figures.

Published tables come with title rows, a one- or two-row header (小区数 over 计划任务数 | 开工数),
a 序号 column, numbering in the names ("其中:1.历下区"), 合计/小计/全市/全省 rows and units in
the header or a title line ("单位：万元", 建筑面积(万m²)). The region column is the one whose
cells name regions of the programme (by header 县(市、区)/城市/市州/地区 or, failing that, by
what it holds); a metric column is known by its header words; a unit by the header, else the
title lines, else the table's default. Stated subtotals are kept to be checked against their rows.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import opencc

from lib.domain import regions
from lib.domain.errors import UserError
from lib.uploads import files, values

HEADER_SCAN = 15
MAX_ROWS = 5_000  # a region table: every county of China is 2,900 rows

# Column meanings: (key, words that name it). Order matters: the first match wins, so
# specific phrases ("累计完成投资") come before general ones ("投资").
PROGRESS_COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("invest_rate", ("投资完成率", "投资完成比例")),
    ("start_rate", ("开工率", "开工比例", "开工进度")),
    ("completion_rate", ("完工率", "竣工率", "完成率")),
    ("invested", ("累计完成投资", "完成投资", "已完成投资", "累计投资", "完成投资额")),
    ("started", ("累计开工", "开工数", "已开工", "开工", "新开工")),
    ("completed", ("累计完工", "完工数", "已完工", "完工", "竣工")),
    ("planned", ("计划完成", "计划任务", "年度任务", "目标任务", "计划数", "任务数", "计划改造", "计划")),
)
QUANTITIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("projects", ("项目数量", "项目数", "项目个数", "项目（个）", "项目")),
    ("pilots", ("试点",)),
    ("lifts", ("加装电梯", "电梯")),
    ("communities", ("小区数", "小区个数", "小区数量", "改造小区", "小区")),
    ("buildings", ("楼栋数", "栋数", "楼栋", "幢数")),
    ("households", ("户数", "住户", "居民户", "惠及居民", "户")),
    ("floor_area_wan_m2", ("建筑面积", "改造面积", "面积")),
    ("investment_wan", ("投资", "资金", "总投资", "估算")),
)
REGION_HEADERS = ("县(市、区)", "县（市、区）", "县市区", "区县", "县区", "县(市区)", "区(市)", "区（市）", "市州",
                  "市(州)", "市（州）", "城市", "地区", "地市", "市别", "区域", "行政区", "单位", "省份", "省(区、市)",
                  "省（区、市）", "省区市", "地方", "县(市)", "县（市）", "市、县", "市县")
ALL_DONE = ("全部开工", "全部完工", "已全部开工", "已全部完工", "全部完成")
SKIP_HEADERS = ("序号", "编号", "备注", "说明", "排名", "名次")
TOTAL_WORDS = ("合计", "总计", "全市", "全省", "全区", "全州", "全县", "全国", "小计", "总数", "汇总")
_PREFIX = re.compile(r"^\s*(?:其中\s*[:：]?\s*)?(?:[(（]?[0-9一二三四五六七八九十]+[)）.．、,，:：]\s*)?"
                     r"|^\s*[①-⑳]\s*")
_UNIT_IN_HEADER = re.compile(r"[(（]\s*([^()（）]{1,8})\s*[)）]")
_UNIT_LINE = re.compile(r"单\s*位\s*[:：]\s*([^\s,，;；]+)")


@dataclass
class Column:
    index: int            # 1-based
    header: str           # the header text as combined from its rows
    key: str              # metric key, or "region"
    kind: str = "plan"    # plan | progress
    measure: str | None = None  # progress tables: planned | started | start_rate | ...
    unit: str | None = None     # as written: 万元, 亿元, 元, 万m², m², 个, 户, %


@dataclass
class Row:
    sheet: str
    row: int               # Excel row number
    label: str             # the region cell as written
    name: str              # cleaned (prefix stripped)
    is_total: bool
    region: str | None = None   # adcode once resolved
    values: dict[str, float | None] = field(default_factory=dict)   # column key -> value (normalised unit)
    texts: dict[str, str] = field(default_factory=dict)             # column key -> text as written
    decimals: dict[str, float] = field(default_factory=dict)  # half the last shown digit (the rounding)
    context: str | None = None  # a second name column on the row (城市 beside 县(市、区)): the group it opens


@dataclass
class Problem:
    sheet: str | None
    row: int | None
    column: str | None
    value: Any
    message: str

    def as_dict(self) -> dict:
        return {"sheet": self.sheet, "row": self.row, "column": self.column,
                "value": None if self.value is None else str(self.value)[:60], "message": self.message}


@dataclass
class RegionTable:
    sheet: str
    title: list[str]
    header_rows: list[int]
    region_column: Column
    columns: list[Column]
    rows: list[Row]
    report_date: date | None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """progress if any column counts starts, completions or investment done; else plan."""
        return "progress" if any(c.measure not in (None, "planned") for c in self.columns) else "plan"


# --- reading --------------------------------------------------------------------------------

_T2S = None
_VARIANTS = str.maketrans({"陜": "陕", "峯": "峰", "塲": "场", "﹙": "(", "﹚": ")"})


def simplify(text: str) -> str:
    """Traditional characters and common variants to simplified (龍子湖區 → 龙子湖区, 陜西 → 陕西)."""
    global _T2S
    if not text or text.isascii():
        return text
    if _T2S is None:
        _T2S = opencc.OpenCC("t2s")
    return _T2S.convert(text.translate(_VARIANTS))


def _norm(text: Any) -> str:
    s = simplify(unicodedata.normalize("NFKC", values.cell_text(text) or ""))
    return re.sub(r"\s+", "", s)


def clean_name(label: str) -> str:
    """ "其中:1.历下区" → 历下区; "（一）德城区" → 德城区; "①" prefixes; spaces. """
    s = simplify(unicodedata.normalize("NFKC", str(label or ""))).strip()
    prev = None
    while prev != s:
        prev = s
        s = _PREFIX.sub("", s, count=1).strip()
    return re.sub(r"\s+", "", s).rstrip(":：")


def is_total_label(name: str) -> bool:
    n = clean_name(name)
    return any(w in n for w in TOTAL_WORDS) and len(n) <= 12


def _unit(header: str, default: str | None) -> str | None:
    m = _UNIT_IN_HEADER.search(header)
    if m:
        return m.group(1).replace("平方米", "m²").replace("平米", "m²").replace("m2", "m²").replace("㎡", "m²")
    for u in ("亿元", "万元", "万m²", "万平方米", "万平米", "万㎡", "平方米", "m²", "㎡", "万户"):
        if header.endswith(u):
            return u.replace("万平方米", "万m²").replace("万平米", "万m²").replace("万㎡", "万m²") \
                .replace("平方米", "m²").replace("㎡", "m²")
    return default


def _match_column(header: str) -> tuple[str | None, str, str | None]:
    """(metric key, plan|progress, measure) from a combined header text."""
    h = header
    measure = None
    for key, words in PROGRESS_COLUMNS:
        if any(w in h for w in words):
            measure = key
            break
    metric = None
    for key, words in QUANTITIES:
        if any(w in h for w in words):
            metric = key
            break
    if measure in ("invested",):
        metric = "investment_wan"
    if measure is None:
        return metric, "plan", None
    if measure == "planned" and metric == "investment_wan":
        return "investment_wan", "progress", "planned"
    return metric, "progress" if measure != "planned" else "progress", measure


def _header_text(raw: files.RawSheet, rows: list[int], c: int) -> str:
    parts = []
    for r in rows:
        v = _norm(raw.get_filled(r, c))
        if v and (not parts or parts[-1] != v):
            parts.append(v)
    return "|".join(parts)


def _looks_like_region_header(h: str) -> bool:
    h = h.replace("|", "")
    return any(w in h for w in REGION_HEADERS) or h in ("县", "市", "区", "省", "名称", "地区名称")


def _resolves(text: Any, within: str) -> bool:
    name = clean_name(_norm(text))
    if not name or is_total_label(name):
        return False
    try:
        lookup(name, within)
        return True
    except UserError:
        return False


def _child_level(within: str) -> str | None:
    if within == regions.COUNTRY:
        return "province"
    kids = regions.children(within)
    return kids[0].level if kids else None


def lookup(name: str, within: str):
    """A row's region inside the programme's: one level down first (北京 in a national table is the
    province 110000, not the city 110100; 河南 the province, not 河南蒙古族自治县), then any level."""
    fn = getattr(regions, "lookup", None) or regions.resolve
    level = _child_level(within)
    if level:
        try:
            return fn(name, within=within, level=level)
        except UserError:
            pass
    return fn(name, within=within)


def _find_header(raw: files.RawSheet, within: str) -> tuple[list[int], int, list[Column], list[int]] | None:
    """The header rows, the region column and the metric columns; None if this is no region table."""
    rows = sorted(raw.rows)[: HEADER_SCAN + 5]
    best = None
    for i, r in enumerate(rows[:HEADER_SCAN]):
        for depth in (1, 2, 3):
            hrows = rows[i:i + depth]
            if len(hrows) < depth or hrows[-1] - hrows[0] != depth - 1 or any(_is_title(raw, x) for x in hrows):
                continue
            width = raw.width()
            texts = {c: _header_text(raw, hrows, c) for c in range(1, width + 1)}
            cols = []
            region_cands = []
            for c, h in texts.items():
                if not h:
                    continue
                if _looks_like_region_header(h):
                    region_cands.append(c)
                    continue
                if any(h.startswith(w) for w in SKIP_HEADERS):
                    continue
                metric, kind, measure = _match_column(h.split("|")[-1])
                if depth > 1:
                    metric_f, kind_f, measure_f = _match_column(h)
                    metric = metric or metric_f
                    if measure is None:
                        measure = measure_f
                    kind = "plan" if measure is None else "progress"
                if metric is None and measure is None:
                    continue
                cols.append(Column(c, h, metric or "", kind, measure))
            if not cols:
                continue
            data_rows = [x for x in sorted(raw.rows) if x > hrows[-1]][:60]
            region_col = None
            if len(region_cands) == 1:
                region_col = region_cands[0]
            else:  # by what it holds: the column whose cells name regions
                scores = {}
                for c in region_cands or range(1, min(width, 6) + 1):
                    if any(col.index == c for col in cols):
                        continue
                    cells = [raw.get(x, c) for x in data_rows if values.cell_text(raw.get(x, c))]
                    if cells:
                        hits = sum(_resolves(v, within) for v in cells)
                        scores[c] = (hits, hits / len(cells))
                if scores:  # the most cells naming regions (城市 printed once loses to 县(市、区))
                    c, (hits, share) = max(scores.items(), key=lambda kv: kv[1])
                    if share >= 0.5 or (region_cands and hits > 0):
                        region_col = c
            if region_col is None:
                continue
            score = len(cols) + (0.5 if depth > 1 and any(c.measure for c in cols) else 0)
            # a deeper header wins only if it explains more columns
            if best is None or score > best[0]:
                best = (score, hrows, region_col, cols)
    if best is None:
        return None
    _, hrows, region_col, cols = best
    return hrows, region_col, cols, [c for c in range(1, raw.width() + 1)
                                     if c != region_col and _looks_like_region_header(_header_text(raw, hrows, c))]


def _is_title(raw: files.RawSheet, r: int) -> bool:
    """Not a header line: a title or note (one text across the row, merged or not; a 单位：/截至
    line) or a row of figures (two or more numbers: the first data row, not a header)."""
    cells = [values.cell_text(v) for v in raw.rows.get(r, [])]
    filled = [c for c in cells if c]
    text = "".join(filled)
    numbers = sum(1 for v in raw.rows.get(r, []) if isinstance(v, (int, float)) and not isinstance(v, bool)
                  or (isinstance(v, str) and re.fullmatch(r"\s*[\d.,]+\s*%?\s*", v)))
    return len(set(filled)) <= 1 or bool(_UNIT_LINE.search(unicodedata.normalize("NFKC", text))) \
        or (len(filled) <= 2 and bool(re.search(r"截至|截止|填报", text))) or numbers >= 2


def _decimals(v: Any) -> int:
    if isinstance(v, float):
        text = repr(v)
    else:
        text = str(v)
    m = re.search(r"\.(\d+)", text)
    return len(m.group(1)) if m else 0


def _scale(unit: str | None, metric: str) -> float:
    if metric == "investment_wan":
        return {"亿元": 10_000.0, "元": 1e-4, "千元": 0.1}.get(unit or "万元", 1.0)
    if metric == "floor_area_wan_m2":
        return {"m²": 1e-4, "平方米": 1e-4, "千m²": 0.1}.get(unit or "万m²", 1.0)
    if metric == "households":
        return 10_000.0 if unit == "万户" else 1.0
    return 1.0


def read_region_table(data: bytes, filename: str, within: str, *, default_units: dict | None = None
                      ) -> RegionTable:
    """Read the first sheet holding a region table. Raises UserError if there is none."""
    try:
        fmt = files.detect_format(data, filename)
        sheets, _ = files.load(data, fmt, filename, MAX_ROWS)
    except files.FileProblem as e:
        raise UserError(str(e), "The file cannot be read.") from None
    indicator = None
    for raw in sheets:
        if raw.hidden or not raw.rows:
            continue
        found = _find_header(raw, within)
        if found is None:
            indicator = indicator or _find_indicators(raw)
            continue
        return _read_rows(raw, *found, within=within, default_units=default_units or {})
    if indicator is not None:
        return _read_indicators(*indicator, within=within, filename=filename)
    raise UserError(f"在文件“{filename}”中没有找到分地区的表：需要一列地区名称（如 县(市、区)、市州、城市）"
                    "和至少一列数字（如 小区数、户数、投资、开工数）。请核对表头，或在前15行内放表头。",
                    "No table with one row per region was found.")


def _read_rows(raw: files.RawSheet, hrows: list[int], region_col: int, cols: list[Column], other_names: list[int],
               *, within: str, default_units: dict) -> RegionTable:
    title = [" ".join(str(v) for v in raw.rows[r] if values.cell_text(v)) for r in sorted(raw.rows) if r < hrows[0]]
    unit_line = None
    for line in title:
        m = _UNIT_LINE.search(unicodedata.normalize("NFKC", line))
        if m:
            unit_line = m.group(1)
    report_date = None
    for line in title:
        report_date = report_date or values.extract_report_date(line)
    region_column = Column(region_col, _header_text(raw, hrows, region_col), "region")
    if not any(c.measure not in (None, "planned") for c in cols):  # a plan: "计划投资" is just 投资
        for c in cols:
            c.kind, c.measure = "plan", None
    cols = [c for c in cols if c.key or c.measure]
    for col in cols:
        default = default_units.get(col.key)
        if unit_line and col.key in ("investment_wan",) and "元" in unit_line:
            default = unit_line
        if unit_line and col.key == "floor_area_wan_m2" and ("m" in unit_line or "米" in unit_line):
            default = unit_line
        col.unit = _unit(col.header.split("|")[-1], None) or _unit(col.header, None) or default
        if col.measure in ("start_rate", "completion_rate", "invest_rate"):
            col.unit = "%"
    table = RegionTable(raw.name, title, hrows, region_column, cols, [], report_date)
    for r in sorted(raw.rows):
        if r <= hrows[-1]:
            continue
        label = values.cell_text(raw.get_filled(r, region_col)) or ""
        cells = {col.index: raw.get(r, col.index) for col in cols}
        if not label and not any(values.cell_text(v) for v in cells.values()):
            continue
        if not label:
            # a row of figures with no region: a total row whose label sits in the 序号 or 城市 column
            label = next((values.cell_text(raw.get(r, c)) for c in [*other_names, *range(1, region_col)]
                          if values.cell_text(raw.get(r, c)) and not str(raw.get(r, c)).strip().isdigit()), "") or ""
        name = clean_name(label)
        if not name:
            continue
        if name.startswith(("注", "备注", "说明", "数据来源", "资料来源", "来源", "填报", "制表", "审核", "附")) \
                or not any(values.cell_text(v) for v in cells.values()):
            continue  # a note under the table, or a line with no figures
        row = Row(raw.name, r, label, name, is_total_label(name))
        row.context = next((clean_name(values.cell_text(raw.get(r, c)) or "") for c in other_names
                            if values.cell_text(raw.get(r, c)) and clean_name(values.cell_text(raw.get(r, c)))
                            != name), None)
        for col in cols:
            v = cells[col.index]
            text = values.cell_text(v)
            key = _col_key(col)
            if text is None:
                row.values[key] = None
                continue
            row.texts[key] = simplify(text)
            if col.unit == "%":
                if simplify(text) in ALL_DONE:
                    row.values[key] = 100.0
                    continue
                try:
                    pct, _ = values.parse_percent(v, percent_format=(r, col.index) in raw.percent_cells)
                except values.ValueParseError:
                    table.errors.append(Problem(raw.name, r, _letter(col.index), text,
                                                f"第 {r} 行“{name}”的“{col.header.replace('|', ' ')}”列：“{text}”不是百分比，"
                                                "请填写如 74.00% 的数，或“全部开工”。"))
                    continue
                row.values[key] = pct
                continue
            try:
                num, unit = values.parse_quantity(v)
            except values.ValueParseError as e:
                if simplify(text) in ("全部开工", "全部完工", "已全部开工", "已全部完工") \
                        and col.measure in ("start_rate", "completion_rate"):
                    row.values[key] = 100.0
                    continue
                table.errors.append(Problem(raw.name, r, _letter(col.index), text,
                                            f"第 {r} 行“{name}”的“{col.header.replace('|', ' ')}”列：“{text}”{e.args[0] if e.args else '不是数字'}，"
                                            "请填写数字。"))
                continue
            if num is None:
                row.values[key] = None
                continue
            if num < 0 or not math.isfinite(num):
                table.errors.append(Problem(raw.name, r, _letter(col.index), text,
                                            f"第 {r} 行“{name}”的“{col.header.replace('|', ' ')}”为负数 {text}，请改正。"))
                continue
            scale = _scale(unit or col.unit, col.key)
            row.values[key] = num * scale
            d = _decimals(v)
            row.decimals[key] = 0.5 * 10 ** -d * scale if (d > 0 or scale != 1) else 0.0
        table.rows.append(row)
    return table


# --- indicator tables: one row per 指标, the region in the title ----------------------------------
#
# 民生实事 tables (芙蓉区: 指标名称 | 全年任务目标(个) | 实际完成(个) | 完成进度; 岳阳楼区: 序号 | 考核指标
# (two columns: the item and its indicator) | 单位 | 工作目标 | 已完成数 | 占比 | 备注) have no region
# column: the whole table is the region its title names, and each row is an indicator of some
# programme. What a row's "done" figure counts is said by its indicator, not by a header:
# 开工改造城镇老旧小区 → communities started; 完工/竣工 → completed. Only the programme's rows
# (the indicator names 老旧小区) are read; an indicator of it that says neither is refused.

INDICATOR_HEADERS = ("指标名称", "考核指标", "绩效指标", "指标")
INDICATOR_TARGET = ("任务目标", "工作目标", "目标任务", "年度目标", "全年目标", "年度任务", "计划任务", "目标", "计划数")
INDICATOR_DONE = ("实际完成", "已完成", "完成数", "累计完成", "完成情况")
INDICATOR_RATE = ("完成进度", "占比", "完成率", "完成比例", "进度")
INDICATOR_UNIT = ("单位", "计量单位")
PROGRAMME_WORDS = ("老旧小区",)
_PLACE_END = "省市区县州旗盟"


def _find_indicators(raw: files.RawSheet) -> tuple | None:
    """(sheet, header row, indicator columns, {role: column}) for an indicator table, else None."""
    for r in sorted(raw.rows)[:HEADER_SCAN]:
        texts = {c: _norm(raw.get(r, c)) for c in range(1, raw.width() + 1)}
        first = next((c for c, h in texts.items() if h and any(h.startswith(w) for w in INDICATOR_HEADERS)), None)
        if first is None:
            continue
        roles: dict[str, int] = {}
        for c, h in texts.items():
            if not h or c == first:
                continue
            for role, words in (("rate", INDICATOR_RATE), ("done", INDICATOR_DONE), ("target", INDICATOR_TARGET),
                                ("unit", INDICATOR_UNIT)):
                if role not in roles and (h in words if role == "unit" else any(w in h for w in words)):
                    roles[role] = c
                    break
        if "target" not in roles or "done" not in roles:
            continue
        # the indicator header spans the empty header cells to its right (考核指标 over item | indicator)
        span = [first]
        while span[-1] + 1 <= raw.width() and not texts.get(span[-1] + 1):
            span.append(span[-1] + 1)
        return raw, r, span, roles
    return None


def _title_region(title: list[str], within: str):
    """The one region the title lines name (芙蓉区, 岳阳楼区), inside the programme's area."""
    found = {}
    for line in title:
        text = simplify(unicodedata.normalize("NFKC", line))
        for end, ch in enumerate(text):
            if ch not in _PLACE_END:
                continue
            for start in range(max(0, end - 8), end - 1):
                name = text[start:end + 1]
                if "小区" in name or not re.fullmatch(r"[\u4e00-\u9fff]+", name):
                    continue
                try:
                    region = lookup(name, within)
                except UserError:
                    continue
                found[region.adcode] = region
                break
    return next(iter(found.values())) if len(found) == 1 else None


def _indicator_measure(label: str) -> str | None:
    if "开工" in label:
        return "started"
    if any(w in label for w in ("完工", "竣工")):
        return "completed"
    return None


def _read_indicators(raw: files.RawSheet, hrow: int, span: list[int], roles: dict[str, int], *, within: str,
                     filename: str) -> RegionTable:
    title = [" ".join(str(v) for v in raw.rows[r] if values.cell_text(v)) for r in sorted(raw.rows) if r < hrow]

    def header(c: int) -> str:
        return _norm(raw.get(hrow, c))

    region = _title_region(title, within)
    if region is None:
        raise UserError(f"文件“{filename}”是一张指标表（{header(span[0])}），没有地区列，标题也没有写明是哪个地区的。"
                        "请在标题中写明地区（如“2021年芙蓉区重点民生实事……”），或改用每个地区一行的表。",
                        "An indicator table whose title names no region.")
    report_date = None
    for line in title:
        report_date = report_date or values.extract_report_date(line)
    indicator_col = Column(span[0], header(span[0]), "indicator")
    table = RegionTable(raw.name, title, [hrow], indicator_col, [], [], report_date)
    table.notes.append(f"指标表：没有地区列，按标题中的地区“{region.name}”（{region.adcode}）读取；"
                       f"只读名称含“{'、'.join(PROGRAMME_WORDS)}”的指标行。")
    columns: dict[str, Column] = {}
    merged: Row | None = None
    for r in sorted(raw.rows):
        if r <= hrow:
            continue
        parts = [simplify(values.cell_text(raw.get(r, c)) or "") for c in span]
        label = "|".join(p for p in parts if p)
        if not label or not any(w in label for w in PROGRAMME_WORDS):
            continue  # another programme's indicator (学位, 筛查, 低保 …) or a note
        measure = _indicator_measure(label)
        unit_text = _norm(raw.get(r, roles["unit"])) if "unit" in roles else ""
        unit = _unit(header(roles["done"]), None) or _unit(header(roles["target"]), None) or unit_text or None
        metric = "households" if unit == "户" or "户数" in label else "communities"
        if measure is None:
            table.errors.append(Problem(raw.name, r, _letter(span[0]), label,
                                        f"第 {r} 行指标“{label.replace('|', ' ')}”没有说明是开工还是完工，无法判断"
                                        f"“{header(roles['done'])}”数的是什么。请把指标写成如“开工改造城镇老旧小区”或"
                                        "“完工城镇老旧小区”。"))
            continue
        row = merged or Row(raw.name, r, label, label, False, region.adcode)
        rate_key = "start_rate" if measure == "started" else "completion_rate"
        rate_key = rate_key if metric == "communities" else f"{rate_key}_{metric}"
        for role, key, col_measure in (("target", f"planned_{metric}", "planned"),
                                       ("done", f"{measure}_{metric}", measure),
                                       ("rate", rate_key, rate_key.split("_rate")[0] + "_rate")):
            if role not in roles:
                continue
            c = roles[role]
            if key not in columns:
                columns[key] = Column(c, header(c), metric, "progress", col_measure, "%" if role == "rate" else unit)
            v = raw.get(r, c)
            text = values.cell_text(v)
            if text is None:
                continue
            try:
                if role == "rate":
                    num, _ = values.parse_percent(v, percent_format=(r, c) in raw.percent_cells)
                else:
                    num, _ = values.parse_quantity(v)
            except values.ValueParseError:
                table.errors.append(Problem(raw.name, r, _letter(c), text,
                                            f"第 {r} 行指标“{label.replace('|', ' ')}”的“{header(c)}”：“{text}”不是数字。"))
                continue
            if key in row.values and row.values[key] is not None and num is not None and row.values[key] != num:
                table.errors.append(Problem(raw.name, r, _letter(c), text,
                                            f"第 {r} 行与第 {row.row} 行都是老旧小区改造的指标，但“{header(c)}”不同"
                                            f"（{_fmt(row.values[key])} 与 {_fmt(num)}）。请核对。"))
                continue
            row.values[key] = num
            row.texts[key] = simplify(text)
        if merged is None:
            merged = row
            table.rows.append(row)
    table.columns = list(columns.values())
    return table


def _col_key(col: Column) -> str:
    """One key per column: the metric for a plan; measure/metric for a progress table."""
    if col.kind == "plan" or col.measure is None:
        return col.key
    if col.measure in ("start_rate", "completion_rate", "invest_rate"):
        # 开工率 under 小区数 and again under 户数: one key each
        return col.measure if col.key in ("", "communities", "investment_wan") else f"{col.measure}_{col.key}"
    if col.measure == "invested":
        return "invested_wan"
    if col.key == "investment_wan" and col.measure == "planned":
        return "planned_investment_wan"
    return f"{col.measure}_{col.key or 'communities'}"


def column_keys(table: RegionTable) -> list[tuple[str, Column]]:
    return [(_col_key(c), c) for c in table.columns]


def _letter(c: int) -> str:
    return files.column_letter(c)


# --- resolving and checking --------------------------------------------------------------------

def resolve_rows(table: RegionTable, within: str) -> None:
    """Give every non-total row its region code, or an error that lists the closest names.

    A province's table lists each city and then its districts: a name two cities share
    (市中区 in 济南 and 枣庄) is the one inside the city row above it.
    """
    group = None  # the last row that named a region with regions of its own under it
    for row in table.rows:
        if row.region is not None and not row.is_total:  # an indicator table: the title's region
            continue
        if row.context:  # "济南市 | 全市小计:": the rows below are 济南's
            try:
                ctx = lookup(row.context, within)
            except UserError:
                ctx = None
            if ctx is not None and regions.children(ctx.adcode):
                group = ctx.adcode
                if row.is_total:
                    row.region = ctx.adcode
                    continue
        if not row.is_total and group:
            try:
                region = lookup(row.name, group)
            except UserError:
                region = None
            if region is not None:
                row.region = region.adcode
                continue
        if row.is_total:
            # "德城区小计" / "市辖区小计": a subtotal that names its region
            head = re.sub("|".join(TOTAL_WORDS), "", row.name)
            if head and head not in ("市辖", "县", "区"):
                try:
                    row.region = lookup(head, within).adcode
                except UserError:
                    row.region = None
            continue
        try:
            row.region = lookup(row.name, within).adcode
            if row.region == within:  # "济南市" in a 济南 table: the whole, i.e. a total row
                row.is_total = True
            elif regions.children(row.region):
                group = row.region
        except UserError as e:
            table.errors.append(Problem(row.sheet, row.row, _letter(table.region_column.index), row.label,
                                        f"第 {row.row} 行：{e.zh} 若这是开发区、新区等不属于行政区划的单位，请先在"
                                        "“系统管理 → 改造计划 → 功能区”中登记它（命令：zone add --name 名称 --parent 上级代码）。"))


def check_totals(table: RegionTable, top: str) -> list[dict]:
    """Each stated 合计/小计 against its rows; returns the gaps, adds errors beyond rounding.

    A 小计 covers the rows since the previous subtotal; a 合计/全市/全省 covers every region row.
    The tolerance is the source's own rounding: half a unit of the last decimal it shows,
    times the rows added (752,393.73 stated, rows adding up to 752,393.76, is a warning).
    """
    gaps = []
    since_sub: list[Row] = []
    region_rows = [r for r in table.rows if not r.is_total]
    for row in table.rows:
        if not row.is_total:
            since_sub.append(row)
            continue
        grand = not row.name.endswith("小计") or any(w in row.name for w in ("合计", "总计", "全市", "全省", "全国"))
        members = list(region_rows if grand else since_sub)
        if not grand and row.region:  # "德城区小计": its own region's rows
            members = [r for r in region_rows if r.region and regions.contains(row.region, r.region)
                       and r.region != row.region] or members
        since_sub = []
        if grand and row.region is None:
            row.region = top
        for key, col in column_keys(table):
            stated = row.values.get(key)
            if stated is None or key.endswith("_rate"):
                continue
            parts = [r.values.get(key) for r in members if r.values.get(key) is not None]
            if not parts:
                continue
            total = sum(parts)
            tol = row.decimals.get(key, 0.0) + sum(r.decimals.get(key, 0.0) for r in members)
            diff = stated - total
            if abs(diff) <= 1e-9 * max(1.0, abs(stated)):
                continue
            gap = {"sheet": row.sheet, "row": row.row, "label": row.label, "column": col.header.replace("|", " "),
                   "stated": round(stated, 6), "rows_sum": round(total, 6), "difference": round(diff, 6),
                   "rows": len(parts), "within_rounding": abs(diff) <= tol + 1e-9}
            gaps.append(gap)
            where = f"第 {row.row} 行“{row.label}”的“{gap['column']}”"
            if gap["within_rounding"]:
                table.warnings.append(Problem(row.sheet, row.row, _letter(col.index), row.texts.get(key),
                                              f"{where}为 {_fmt(stated)}，各行相加为 {_fmt(total)}，相差 {_fmt(diff)}，"
                                              "在原表四舍五入的范围内，已按各行数据导入。"))
            else:
                table.errors.append(Problem(row.sheet, row.row, _letter(col.index), row.texts.get(key),
                                            f"{where}为 {_fmt(stated)}，但 {len(parts)} 行相加为 {_fmt(total)}，"
                                            f"相差 {_fmt(diff)}。请核对是否漏填了某个县区（或开发区等功能区），或合计是否有误。"))
    return gaps


def check_duplicates(table: RegionTable) -> None:
    seen: dict[str, Row] = {}
    keep = []
    for row in table.rows:
        if row.is_total or not row.region:
            keep.append(row)
            continue
        prev = seen.get(row.region)
        if prev is None:
            seen[row.region] = row
            keep.append(row)
            continue
        if prev.values == row.values:
            table.warnings.append(Problem(row.sheet, row.row, _letter(table.region_column.index), row.label,
                                          f"第 {row.row} 行“{row.label}”与第 {prev.row} 行重复（数字相同），只计一次。"))
            continue
        table.errors.append(Problem(row.sheet, row.row, _letter(table.region_column.index), row.label,
                                    f"第 {row.row} 行“{row.label}”与第 {prev.row} 行是同一地区"
                                    f"（{regions.describe(row.region)}），但数字不同。请删去其中一行或合并后再上传。"))
    table.rows = keep


def _fmt(v: float) -> str:
    return f"{v:,.4f}".rstrip("0").rstrip(".")


def sniff(data: bytes, filename: str, within: str) -> RegionTable | None:
    """The region table in a file, or None if it holds none (e.g. a per-community register)."""
    try:
        table = read_region_table(data, filename, within)
    except UserError:
        return None
    if table.region_column.key == "indicator":  # 民生实事 indicators: the region is the title's
        return table if table.rows and all(r.region for r in table.rows) else None
    named = [r for r in table.rows if not r.is_total]
    if not named:
        return None
    seen = [(r.context, r.name) for r in named]
    if len(set(seen)) < len(seen):  # a region on several rows: one row per community (a county's own weekly
        return None                 # report or register with its 所属县区 column), not one row per region
    hits = sum(_resolves(r.name, within) for r in named[:60])
    return table if hits / min(len(named), 60) >= 0.6 else None
