"""Spreadsheets district staff really send, built in memory, with what the
reader must make of them.

Every entry is made by code (openpyxl, csv, hand-written XML, a hand-written
OLE2/BIFF8 writer for .xls) so the corpus needs no binary fixtures.  Names are
real-looking Qinghai places: 西宁市 城东区/城中区/城西区/城北区, 海西州 格尔木市.
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import struct
import zipfile
from dataclasses import dataclass, field
from typing import Any, Callable

import openpyxl
from openpyxl.styles import Font

D = dt.date


@dataclass
class IssueSpec:
    """An issue the reader must report: every substring in ``contains`` must be
    in the message; sheet/row/column (substring) checked when given."""

    contains: tuple[str, ...]
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    file_level: bool = False  # sheet is None


@dataclass
class Expected:
    ok: bool = True  # no error issues at all
    kind: str | None = None
    file_format: str | None = None
    encoding: str | None = None
    header_row: int | None = None
    header_rows: int = 1
    report_date: dt.date | None = None
    n_rows: int | None = None
    values: dict[int, dict[str, Any]] = field(default_factory=dict)  # Excel row -> subset of values
    errors: list[IssueSpec] = field(default_factory=list)
    warnings: list[IssueSpec] = field(default_factory=list)
    read_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class CorpusEntry:
    name: str
    data: bytes
    filename: str
    expected: Expected


# --------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------


def xlsx(*sheets: dict[str, Any]) -> bytes:
    """sheets: {"title", "rows": [[...]], "merges": ["A1:F1"], "hidden": bool,
    "formats": {"G4": "0%"}, "start_row": 1}"""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for spec in sheets:
        ws = wb.create_sheet(spec.get("title", "Sheet1"))
        start = spec.get("start_row", 1)
        for i, row in enumerate(spec.get("rows", [])):
            for j, v in enumerate(row):
                if v is not None:
                    ws.cell(row=start + i, column=j + 1, value=v)
        for rng in spec.get("merges", []):
            ws.merge_cells(rng)
        for ref, fmt in spec.get("formats", {}).items():
            ws[ref].number_format = fmt
        if spec.get("bold_row"):
            for c in ws[spec["bold_row"]]:
                c.font = Font(bold=True)
        if spec.get("hidden"):
            ws.sheet_state = "hidden"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def rezip(data: bytes, edit: Callable[[str, bytes], bytes], extra: dict[str, bytes] | None = None) -> bytes:
    """Rewrite members of an xlsx zip (for what openpyxl cannot write)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, edit(info.filename, src.read(info.filename)))
        for name, payload in (extra or {}).items():
            dst.writestr(name, payload)
    return out.getvalue()


def with_cached_values(data: bytes, cached: dict[str, Any], sheet: str = "xl/worksheets/sheet1.xml") -> bytes:
    """openpyxl writes formulas as <f>..</f><v></v>; put Excel's cached result
    into <v> for the given cells (as if Excel had saved the file)."""

    def edit(name: str, payload: bytes) -> bytes:
        if name != sheet:
            return payload
        text = payload.decode()
        for ref, value in cached.items():
            pattern = re.compile(r'(<c r="%s"[^>]*>)(<f>.*?</f>)<v\s*/?>(?:</v>)?' % ref)
            assert pattern.search(text), ref
            text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}<v>{value}</v>", text)
        return text.encode()

    return rezip(data, edit)


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8", bom: bool = False) -> bytes:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in rows:
        w.writerow(["" if v is None else v for v in r])
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


# -- a minimal OLE2 / Compound File writer (no olefile needed) -------------

_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD


def ole2(streams: dict[str, bytes]) -> bytes:
    """Compound File v3 (512-byte sectors) holding the given streams.  Streams
    are padded to 4096 bytes so no mini-stream is needed."""
    names = list(streams)
    bodies = []
    for n in names:
        b = streams[n]
        if len(b) < 4096:
            b = b + b"\x00" * (4096 - len(b))
        bodies.append(b)
    sectors: list[bytes] = []
    fat: list[int] = []
    starts = []
    for b in bodies:
        n = -(-len(b) // 512)
        starts.append(len(sectors))
        for i in range(n):
            sectors.append(b[i * 512:(i + 1) * 512].ljust(512, b"\x00"))
            fat.append(len(sectors) if i < n - 1 else _END)
    # directory: root + one entry per stream, 4 entries per sector
    entries = 1 + len(names)
    dir_sectors = -(-entries // 4)
    dir_start = len(sectors)
    for i in range(dir_sectors):
        fat.append(dir_start + i + 1 if i < dir_sectors - 1 else _END)

    def entry(name: str, etype: int, left: int, right: int, child: int, start: int, size: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        return (raw.ljust(64, b"\x00") + struct.pack("<HBB", len(raw), etype, 1)
                + struct.pack("<III", left, right, child) + b"\x00" * 16 + b"\x00" * 4 + b"\x00" * 16
                + struct.pack("<II", start, size) + b"\x00" * 4)

    dir_bytes = entry("Root Entry", 5, _FREE, _FREE, 1 if names else _FREE, _END, 0)
    for i, n in enumerate(names):
        right = i + 2 if i + 1 < len(names) else _FREE  # a right-leaning chain of siblings
        dir_bytes += entry(n, 2, _FREE, right, _FREE, starts[i], len(streams[n]) if len(streams[n]) >= 4096
                           else len(bodies[i]))
    empty = b"\x00" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", _FREE, _FREE, _FREE) + b"\x00" * 52
    while len(dir_bytes) < dir_sectors * 512:
        dir_bytes += empty
    for i in range(dir_sectors):
        sectors.append(dir_bytes[i * 512:(i + 1) * 512])
    # FAT sectors (128 entries each), themselves marked in the FAT
    n_fat = 1
    while len(fat) + n_fat > n_fat * 128:
        n_fat += 1
    fat_start = len(sectors)
    fat.extend([_FATSECT] * n_fat)
    fat.extend([_FREE] * (n_fat * 128 - len(fat)))
    fat_bytes = struct.pack("<%dI" % len(fat), *fat)
    for i in range(n_fat):
        sectors.append(fat_bytes[i * 512:(i + 1) * 512])
    assert n_fat <= 109
    difat = [fat_start + i for i in range(n_fat)] + [_FREE] * (109 - n_fat)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16
              + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIII", 0, n_fat, dir_start, 0)
              + struct.pack("<IIIII", 4096, _END, 0, _END, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == 512
    return header + b"".join(sectors)


# -- a minimal BIFF8 (.xls) writer ------------------------------------------
# xlwt is unmaintained and no maintained writer of .xls exists on PyPI, so the
# corpus writes the few records xlrd needs by hand.

def _rec(rtype: int, payload: bytes) -> bytes:
    return struct.pack("<HH", rtype, len(payload)) + payload


def _xl_unicode(text: str, lenlen: int) -> bytes:
    raw = text.encode("utf-16-le")
    return struct.pack("<B" if lenlen == 1 else "<H", len(text)) + b"\x01" + raw


XLS_XF_GENERAL, XLS_XF_DATE, XLS_XF_PERCENT = 16, 17, 18


def xls(sheets: list[dict[str, Any]]) -> bytes:
    """sheets: {"title", "rows": [[...]], "merges": [(r1, r2, c1, c2)] 0-based
    inclusive, "hidden": bool, "percent_cols": {col}}.  Dates -> date XF."""

    def bof(dtype: int) -> bytes:
        return _rec(0x0809, struct.pack("<HHHHII", 0x0600, dtype, 0x0DBB, 0x07CC, 0, 0x06))

    glob = bof(0x0005) + _rec(0x0042, struct.pack("<H", 1200)) + _rec(0x0022, struct.pack("<H", 0))
    font = struct.pack("<HHHHHBBBB", 220, 0, 0x7FFF, 400, 0, 0, 0, 134, 0) + _xl_unicode("宋体", 1)
    glob += _rec(0x0031, font) * 5

    def xf(fmt: int, style: bool) -> bytes:
        type_par = 0xFFF5 if style else 0x0000
        return _rec(0x00E0, struct.pack("<HHHBBBBIIH", 0, fmt, type_par, 0x20, 0, 0, 0, 0, 0, 0x20C0))

    glob += b"".join(xf(0, True) for _ in range(16)) + xf(0, False) + xf(14, False) + xf(9, False)
    glob += _rec(0x0293, struct.pack("<HBB", 0x8000, 0, 0xFF))  # STYLE "Normal"

    sheet_streams = []
    for spec in sheets:
        body = bof(0x0010)
        rows = spec["rows"]
        ncols = max((len(r) for r in rows), default=0)
        body += _rec(0x0200, struct.pack("<IIHHH", 0, len(rows), 0, ncols, 0))
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, (dt.date, dt.datetime)):
                    serial = (dt.date(v.year, v.month, v.day) - dt.date(1899, 12, 30)).days
                    body += _rec(0x0203, struct.pack("<HHHd", r, c, XLS_XF_DATE, float(serial)))
                elif isinstance(v, (int, float)):
                    x = XLS_XF_PERCENT if c in spec.get("percent_cols", ()) else XLS_XF_GENERAL
                    body += _rec(0x0203, struct.pack("<HHHd", r, c, x, float(v)))
                else:
                    body += _rec(0x0204, struct.pack("<HHH", r, c, XLS_XF_GENERAL) + _xl_unicode(str(v), 2))
        merges = spec.get("merges", [])
        if merges:
            body += _rec(0x00E5, struct.pack("<H", len(merges)) + b"".join(struct.pack("<HHHH", *m) for m in merges))
        body += _rec(0x000A, b"")
        sheet_streams.append(body)

    def boundsheet(pos: int, spec: dict[str, Any]) -> bytes:
        return _rec(0x0085, struct.pack("<IBB", pos, 1 if spec.get("hidden") else 0, 0)
                    + _xl_unicode(spec["title"], 1))

    placeholder = b"".join(boundsheet(0, s) for s in sheets)
    offset = len(glob) + len(placeholder) + 4  # + EOF
    bs = b""
    for s, body in zip(sheets, sheet_streams):
        bs += boundsheet(offset, s)
        offset += len(body)
    workbook = glob + bs + _rec(0x000A, b"") + b"".join(sheet_streams)
    return ole2({"Workbook": workbook})


# --------------------------------------------------------------------------
# Realistic content
# --------------------------------------------------------------------------

REGISTER_TEMPLATE_HEADER = [
    "序号", "项目编号", "小区名称", "所属市州", "所属县区", "街道", "社区", "建成年代（年）", "改造户数（户）",
    "改造栋数（栋）", "建筑面积（万平方米）", "计划总投资（万元）", "中央补助资金（万元）", "省级补助资金（万元）",
    "改造内容", "计划加装电梯（部）", "实施主体", "计划开工时间", "计划完工时间", "改造年度", "是否试点", "备注",
]
REGISTER_ROWS = [
    [1, "630102001", "建国路1号院", "西宁市", "城东区", "东关大街街道", "建国路社区", 1992, 236, 6, 1.85, 520, 180, 60,
     "屋面防水、外墙保温、雨污分流、加装电梯", 2, "城东区住房和城乡建设局", dt.datetime(2021, 4, 1),
     dt.datetime(2021, 10, 31), "2021", "否", None],
    [2, "630103002", "八一路家属院", "西宁市", "城中区", "人民街街道", "八一路社区", 1988, 148, 4, 1.02, 315.5, 110, 35,
     "供水管网改造、道路硬化、绿化", 0, "城中区住房和城乡建设局", dt.datetime(2021, 5, 10), dt.datetime(2021, 9, 30),
     "2021", "是", "省级试点"],
    [3, "632801003", "南山小区", "海西州", "格尔木市", "河西街道", "南山社区", 1996, 320, 9, 2.6, 780, 260, 90,
     "供暖管网、外墙保温、停车场", 0, "格尔木市住房和城乡建设局", dt.datetime(2021, 4, 15), dt.datetime(2021, 10, 15),
     "2021-2022", "否", None],
]
REGISTER_VALUES = {
    2: {"code": "630102001", "name": "建国路1号院", "prefecture": "西宁市", "county": "城东区", "street": "东关大街街道",
        "community": "建国路社区", "year_built": 1992, "households": 236, "buildings": 6, "floor_area_wan_m2": 1.85,
        "planned_investment_wan": 520.0, "fund_central": 180.0, "fund_provincial": 60.0,
        "content": "屋面防水、外墙保温、雨污分流、加装电梯", "lifts_planned": 2,
        "implementing_body": "城东区住房和城乡建设局", "planned_start": D(2021, 4, 1),
        "planned_finish": D(2021, 10, 31), "plan_years": "2021", "pilot": False, "remarks": None},
    3: {"name": "八一路家属院", "county": "城中区", "households": 148, "planned_investment_wan": 315.5,
        "pilot": True, "remarks": "省级试点", "lifts_planned": 0},
    4: {"name": "南山小区", "prefecture": "海西州", "county": "格尔木市", "plan_years": "2021-2022",
        "floor_area_wan_m2": 2.6},
}

PROGRESS_TEMPLATE_HEADER = [
    "序号", "项目编号", "小区名称", "所属县区", "当前阶段", "开工日期", "完工日期", "形象进度（%）", "累计完成投资（万元）",
    "累计支付资金（万元）", "已加装电梯（部）", "存在问题", "整改措施",
]
PROGRESS_ROWS = [
    [1, "630102001", "建国路1号院", "城东区", "开工", dt.datetime(2021, 5, 6), None, 65, 312.4, 200, 1,
     "电梯加装意见未统一", "社区入户协调"],
    [2, "630103002", "八一路家属院", "城中区", "完工", dt.datetime(2021, 4, 20), dt.datetime(2021, 6, 10), 100, 315.5,
     280, 0, None, None],
    [3, "632801003", "南山小区", "格尔木市", "前期", None, None, 0, 0, 0, 0, "设计方案待审批", None],
]
PROGRESS_VALUES_ROW0 = {"code": "630102001", "name": "建国路1号院", "county": "城东区", "stage": "开工",
                        "started_on": D(2021, 5, 6), "finished_on": None, "progress_pct": 65.0,
                        "invested_wan": 312.4, "paid_wan": 200.0, "lifts_added": 1,
                        "problems": "电梯加装意见未统一", "measures": "社区入户协调"}


def _progress_sheet(pct_values: list[Any], *, extra: dict[str, Any] | None = None) -> bytes:
    header = ["小区名称", "所属县区", "当前阶段", "形象进度（%）", "累计完成投资（万元）"]
    names = [("建国路1号院", "城东区"), ("八一路家属院", "城中区"), ("南山小区", "格尔木市"), ("七一路东小区", "城西区")]
    rows = [header] + [[n, c, "开工", p, 100] for (n, c), p in zip(names, pct_values)]
    spec = {"title": "进度", "rows": rows}
    spec.update(extra or {})
    return xlsx(spec)


def _date_sheet(value: Any, fmt: str | None = None) -> bytes:
    rows = [["小区名称", "所属县区", "当前阶段", "开工日期", "形象进度（%）"],
            ["建国路1号院", "城东区", "开工", value, 30]]
    spec: dict[str, Any] = {"title": "进度", "rows": rows}
    if fmt:
        spec["formats"] = {"D2": fmt}
    return xlsx(spec)


def _minimal_progress_rows(n: int) -> list[list[Any]]:
    rows: list[list[Any]] = [["小区名称", "所属县区", "当前阶段", "形象进度（%）"]]
    for i in range(n):
        rows.append([f"南山小区{i + 1}号楼", "城北区", "开工", 50])
    return rows


# --------------------------------------------------------------------------
# The corpus
# --------------------------------------------------------------------------


def build_corpus() -> list[CorpusEntry]:
    E = CorpusEntry
    out: list[CorpusEntry] = []
    add = out.append

    # 1. our template, register
    add(E("template_register", xlsx({"title": "项目台账", "rows": [REGISTER_TEMPLATE_HEADER] + REGISTER_ROWS}),
          "城东区台账.xlsx",
          Expected(kind="register", file_format="xlsx", header_row=1, n_rows=3, values=REGISTER_VALUES)))

    # 2. our template, progress
    add(E("template_progress", xlsx({"title": "进度填报", "rows": [PROGRESS_TEMPLATE_HEADER] + PROGRESS_ROWS}),
          "进度.xlsx",
          Expected(kind="progress", file_format="xlsx", header_row=1, n_rows=3,
                   values={2: PROGRESS_VALUES_ROW0,
                           3: {"stage": "完工", "finished_on": D(2021, 6, 10), "progress_pct": 100.0},
                           4: {"name": "南山小区", "stage": "前期", "progress_pct": 0.0, "invested_wan": 0.0,
                               "started_on": None}})))

    # 3. title + subtitle with 填报日期 above the header
    add(E("title_subtitle_report_date", xlsx({
        "title": "6月第3周",
        "rows": [["西宁市城东区2021年城镇老旧小区改造项目进度表"] + [None] * 12,
                 ["填报单位：城东区住建局    填报日期：2021年6月18日"],
                 PROGRESS_TEMPLATE_HEADER] + PROGRESS_ROWS,
        "merges": ["A1:M1", "A2:M2"]}), "城东区进度.xlsx",
        Expected(kind="progress", header_row=3, report_date=D(2021, 6, 18), n_rows=3,
                 values={4: PROGRESS_VALUES_ROW0})))

    # 4. "（截至2021年6月18日）" subtitle, register, with unit note 单位：万元
    add(E("subtitle_jiezhi_and_unit_note", xlsx({
        "title": "Sheet1",
        "rows": [["城中区老旧小区改造项目台账"],
                 ["（截至2021年6月18日）", None, None, None, "单位：万元、户"],
                 ["小区名称", "县区", "户数", "栋数", "计划投资"],
                 ["八一路家属院", "城中区", 148, 4, 315.5]]}), "城中区.xlsx",
        Expected(kind="register", header_row=3, report_date=D(2021, 6, 18), n_rows=1,
                 values={4: {"name": "八一路家属院", "county": "城中区", "households": 148, "buildings": 4,
                             "planned_investment_wan": 315.5}})))

    # 5. label "填报日期：" in one cell, the date as a date cell next to it
    add(E("report_date_next_cell", xlsx({
        "title": "进度",
        "rows": [["城西区老旧小区改造进度"], ["填报日期：", dt.datetime(2021, 6, 25)],
                 ["小区名称", "区县", "阶段", "完成比例", "已完成投资（万元）"],
                 ["七一路东小区", "城西区", "开工", "40%", 88]]}), "城西区.xlsx",
        Expected(kind="progress", header_row=3, report_date=D(2021, 6, 25), n_rows=1,
                 values={4: {"name": "七一路东小区", "county": "城西区", "progress_pct": 40.0, "invested_wan": 88.0}})))

    # 6. two-row header: 累计完成投资 merged over 金额（万元）/占比
    add(E("two_row_header_investment", xlsx({
        "title": "进度",
        "rows": [["城北区老旧小区改造进度统计表"],
                 ["统计截止日期：2021-06-18"],
                 ["序号", "小区名称", "所属县区", "形象进度（%）", "累计完成投资", None, "当前阶段"],
                 [None, None, None, None, "金额（万元）", "占比", None],
                 [1, "建国路1号院", "城北区", 55, 210.5, "40%", "开工"],
                 [2, "八一路家属院", "城北区", 20, 60, "19%", "开工"]],
        "merges": ["A1:G1", "A3:A4", "B3:B4", "C3:C4", "D3:D4", "E3:F3", "G3:G4"]}), "城北区.xlsx",
        Expected(kind="progress", header_row=3, header_rows=2, report_date=D(2021, 6, 18), n_rows=2,
                 values={5: {"name": "建国路1号院", "progress_pct": 55.0, "invested_wan": 210.5, "stage": "开工"},
                         6: {"invested_wan": 60.0}},
                 warnings=[IssueSpec(("未能识别", "累计完成投资/占比"))])))

    # 7. two-row header: 资金来源（万元） over 中央补助|省级补助|市县配套|居民出资
    add(E("two_row_header_funds", xlsx({
        "title": "台账",
        "rows": [["小区名称", "所属县区", "改造户数（户）", "资金来源（万元）", None, None, None, "计划总投资（元）"],
                 [None, None, None, "中央补助", "省级补助", "市县配套", "居民出资", None],
                 ["南山小区", "格尔木市", 320, 260, 90, 400, 30, 7800000]],
        "merges": ["A1:A2", "B1:B2", "C1:C2", "D1:G1", "H1:H2"]}), "格尔木.xlsx",
        Expected(kind="register", header_row=1, header_rows=2, n_rows=1,
                 values={3: {"name": "南山小区", "households": 320, "fund_central": 260.0, "fund_provincial": 90.0,
                             "fund_local": 400.0, "fund_residents": 30.0, "planned_investment_wan": 780.0}})))

    # 8. shuffled columns, synonym headers, units 元 and m²
    add(E("shuffled_synonyms_units", xlsx({
        "title": "Sheet1",
        "rows": [["涉及栋数", "总投资（元）", "县（市、区）", "居民户数", "项目名称", "建筑面积（m²）", "所属市州",
                  "*项目编号"],
                 [6, 5200000, "城东区", 236, "建国路1号院", 18500, "西宁市", 630102001],
                 [9, "7,800,000", "格尔木市", 320, "南山小区", "26000㎡", "海西州", "632801003"]]}), "台账2021.xlsx",
        Expected(kind="register", header_row=1, n_rows=2,
                 values={2: {"name": "建国路1号院", "buildings": 6, "planned_investment_wan": 520.0,
                             "county": "城东区", "households": 236, "floor_area_wan_m2": 1.85,
                             "prefecture": "西宁市", "code": "630102001"},
                         3: {"planned_investment_wan": 780.0, "floor_area_wan_m2": 2.6, "code": "632801003"}})))

    # 9-11. CSV in three encodings
    csv_rows = [["小区名称", "所属县区", "当前阶段", "形象进度（%）", "累计完成投资（万元）", "开工日期"],
                ["建国路1号院", "城东区", "开工", "65%", "312.4", "2021/5/6"],
                ["八一路家属院", "城中区", "完工", "100", "315.5", "2021-04-20"]]
    csv_values = {2: {"name": "建国路1号院", "county": "城东区", "progress_pct": 65.0, "invested_wan": 312.4,
                      "started_on": D(2021, 5, 6)},
                  3: {"name": "八一路家属院", "progress_pct": 100.0, "started_on": D(2021, 4, 20)}}
    add(E("csv_gbk", csv_bytes(csv_rows, "gbk"), "进度.csv",
          Expected(kind="progress", file_format="csv", encoding="gb18030", header_row=1, n_rows=2,
                   values=csv_values)))
    add(E("csv_utf8_bom", csv_bytes(csv_rows, "utf-8", bom=True), "进度.csv",
          Expected(kind="progress", file_format="csv", encoding="utf-8-sig", header_row=1, n_rows=2,
                   values=csv_values)))
    add(E("csv_utf8_no_bom", csv_bytes(csv_rows, "utf-8"), "进度.csv",
          Expected(kind="progress", file_format="csv", encoding="utf-8", header_row=1, n_rows=2,
                   values=csv_values)))

    # 12. full-width digits and names with full-width spaces
    add(E("fullwidth_digits", xlsx({
        "title": "台账",
        "rows": [["小区名称", "所属县区", "改造户数（户）", "改造栋数（栋）", "计划总投资（万元）"],
                 ["　建国路１号院　 ", "城东区", "２３６", "６", "５２０．５"],
                 ["八一路  家属院", " 城中区", "１４８户", "４栋", "３１５万元"]]}), "全角.xlsx",
        Expected(kind="register", header_row=1, n_rows=2,
                 values={2: {"name": "建国路1号院", "households": 236, "buildings": 6,
                             "planned_investment_wan": 520.5},
                         3: {"name": "八一路 家属院", "county": "城中区", "households": 148, "buildings": 4,
                             "planned_investment_wan": 315.0}})))

    # 13. thousands separators, ASCII and full-width commas
    add(E("thousands_separators", xlsx({
        "title": "台账",
        "rows": [["小区名称", "所属县区", "改造户数（户）", "计划总投资（元）", "建筑面积（平方米）"],
                 ["南山小区", "格尔木市", "1,234", "12,345,678", "26，000.5"]]}), "千分位.xlsx",
        Expected(kind="register", header_row=1, n_rows=1,
                 values={2: {"households": 1234, "planned_investment_wan": 1234.5678,
                             "floor_area_wan_m2": 2.60005}})))

    # 14. numbers stored as text, with trailing units, cell unit overriding header
    add(E("numbers_as_text", xlsx({
        "title": "台账",
        "rows": [["小区名称", "所属县区", "改造户数（户）", "计划总投资（万元）", "中央补助资金（万元）", "加装电梯"],
                 ["建国路1号院", "城东区", "236", "520", "1800000元", "2部"],
                 ["八一路家属院", "城中区", "148户", "3.5万元", "-", "无"]]}), "文本数字.xlsx",
        Expected(kind="register", header_row=1, n_rows=2,
                 values={2: {"households": 236, "planned_investment_wan": 520.0, "fund_central": 180.0,
                             "lifts_planned": 2},
                         3: {"households": 148, "planned_investment_wan": 3.5, "fund_central": None,
                             "lifts_planned": None}})))

    # 15-19. percentages
    add(E("percent_with_sign", _progress_sheet(["75%", "100%", "0%", "12.5%"]), "p1.xlsx",
          Expected(kind="progress", header_row=1, n_rows=4,
                   values={2: {"progress_pct": 75.0}, 3: {"progress_pct": 100.0}, 4: {"progress_pct": 0.0},
                           5: {"progress_pct": 12.5}})))
    add(E("percent_plain_numbers", _progress_sheet([75, "100", 0, 30]), "p2.xlsx",
          Expected(kind="progress", header_row=1, n_rows=4,
                   values={2: {"progress_pct": 75.0}, 3: {"progress_pct": 100.0}, 5: {"progress_pct": 30.0}})))
    add(E("percent_fractions", _progress_sheet([0.75, 1, 0, 0.3]), "p3.xlsx",
          Expected(kind="progress", header_row=1, n_rows=4,
                   values={2: {"progress_pct": 75.0}, 3: {"progress_pct": 100.0}, 4: {"progress_pct": 0.0},
                           5: {"progress_pct": 30.0}},
                   warnings=[IssueSpec(("都不大于1", "0.75读作75%"), sheet="进度", column="形象进度（%）（D列）")])))
    add(E("percent_excel_format", _progress_sheet([0.75, 1, 0.5, 80],
                                                  extra={"formats": {"D2": "0%", "D3": "0%", "D4": "0.0%"}}),
          "p4.xlsx",
          Expected(kind="progress", header_row=1, n_rows=4,
                   values={2: {"progress_pct": 75.0}, 3: {"progress_pct": 100.0}, 4: {"progress_pct": 50.0},
                           5: {"progress_pct": 80.0}})))
    add(E("percent_mixed_ambiguous", _progress_sheet([80, 0.5, 100, "60%"]), "p5.xlsx",
          Expected(kind="progress", header_row=1, n_rows=4,
                   values={2: {"progress_pct": 80.0}, 3: {"progress_pct": 0.5}, 5: {"progress_pct": 60.0}},
                   warnings=[IssueSpec(("第3行", "形象进度（%）", "「0.5」", "0.5%", "请填写50"), sheet="进度", row=3,
                                       column="形象进度（%）（D列）")])))

    # 20-26. each date style
    for name, value, fmt in [
        ("date_dots", "2021.06.18", None), ("date_slashes", "2021/6/18", None), ("date_dashes", "2021-06-18", None),
        ("date_chinese", "2021年6月18日", None), ("date_compact", "20210618", None),
        ("date_serial", 44365, None), ("date_cell", dt.datetime(2021, 6, 18), "yyyy/m/d"),
        ("date_compact_number", 20210618, None),
    ]:
        add(E(name, _date_sheet(value, fmt), f"{name}.xlsx",
              Expected(kind="progress", header_row=1, n_rows=1, values={2: {"started_on": D(2021, 6, 18)}})))

    # 27. 合计 / 小计 rows, blank rows in the middle, trailing notes
    add(E("totals_blanks_notes", xlsx({
        "title": "台账",
        "rows": [["序号", "小区名称", "所属县区", "改造户数（户）", "改造栋数（栋）", "计划总投资（万元）"],
                 [1, "建国路1号院", "城东区", 236, 6, 520],
                 [2, "八一路家属院", "城东区", 148, 4, 315.5],
                 [None, "城东区小计", None, 384, 10, 835.5],
                 [],
                 [],
                 [3, "南山小区", "格尔木市", 320, 9, 780],
                 ["合  计", None, None, 704, 19, 1615.5],
                 ["注：1.户数以实际入户调查为准；2.投资为估算数。"],
                 ["填表人：张三", None, "审核人：李四", None, "联系电话：0971-1234567"]]}), "合计.xlsx",
        Expected(kind="register", header_row=1, n_rows=3,
                 values={2: {"name": "建国路1号院"}, 3: {"name": "八一路家属院"}, 7: {"name": "南山小区",
                                                                                  "households": 320}})))

    # 28. formulas with cached values (as Excel saves them)
    formula_book = xlsx({"title": "台账", "rows": [
        ["小区名称", "所属县区", "中央补助资金（万元）", "省级补助资金（万元）", "计划总投资（万元）", "改造户数（户）"],
        ["建国路1号院", "城东区", 180, 60, "=C2+D2", 236],
        ["八一路家属院", "城中区", 110, 35, "=C3+D3", 148]]})
    add(E("formulas_cached", with_cached_values(formula_book, {"E2": 240, "E3": 145}), "公式.xlsx",
          Expected(kind="register", header_row=1, n_rows=2,
                   values={2: {"planned_investment_wan": 240.0}, 3: {"planned_investment_wan": 145.0}})))

    # 29. formula without a cached value (file written by a program, never opened in Excel)
    add(E("formula_without_cache", with_cached_values(formula_book, {"E2": 240}), "公式2.xlsx",
          Expected(ok=False, kind="register", header_row=1, n_rows=2,
                   values={2: {"planned_investment_wan": 240.0}, 3: {"planned_investment_wan": None}},
                   errors=[IssueSpec(("第3行「计划总投资（万元）」（E列）是公式", "没有保存计算结果", "用Excel打开"),
                                     sheet="台账", row=3, column="（E列）")])))

    # 30. macro-enabled workbook
    plain = xlsx({"title": "进度", "rows": [PROGRESS_TEMPLATE_HEADER] + PROGRESS_ROWS})

    def make_xlsm(name: str, payload: bytes) -> bytes:
        if name == "[Content_Types].xml":
            return payload.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                                   b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
        return payload

    add(E("xlsm_macros", rezip(plain, make_xlsm, {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 not run"}), "进度.xlsm",
          Expected(kind="progress", file_format="xlsm", header_row=1, n_rows=3, values={2: PROGRESS_VALUES_ROW0},
                   warnings=[IssueSpec(("宏", "忽略", "不会运行"), file_level=True)])))

    # 31. legacy .xls (hand-written BIFF8), with merged title, a date cell, a percent cell, a hidden sheet
    add(E("xls_legacy", xls([
        {"title": "进度", "rows": [["城东区老旧小区改造进度（截至2021年6月18日）"],
                                   ["小区名称", "所属县区", "开工日期", "形象进度", "累计完成投资（万元）"],
                                   ["建国路1号院", "城东区", D(2021, 5, 6), 0.65, 312.4],
                                   ["八一路家属院", "城中区", "2021.04.20", 1, 315.5]],
         "merges": [(0, 0, 0, 4)], "percent_cols": {3}},
        {"title": "旧数据", "hidden": True, "rows": [["小区名称", "所属县区", "当前阶段"], ["x", "y", "z"]]},
    ]), "城东区进度.xls",
        Expected(kind="progress", file_format="xls", header_row=2, report_date=D(2021, 6, 18), n_rows=2,
                 values={3: {"name": "建国路1号院", "started_on": D(2021, 5, 6), "progress_pct": 65.0,
                             "invested_wan": 312.4},
                         4: {"started_on": D(2021, 4, 20), "progress_pct": 100.0}})))

    # 32. instructions sheet first, hidden sheet, then the data
    add(E("instructions_and_hidden_sheets", xlsx(
        {"title": "填表说明", "rows": [["填表说明"], ["1. 小区名称必填"], ["小区名称", "户数", "栋数", "计划投资"]]},
        {"title": "下拉选项", "hidden": True, "rows": [["小区名称", "户数", "栋数", "阶段"], ["a", 1, 2, "开工"]]},
        {"title": "城西区", "rows": [["小区名称", "所属县区", "户数", "栋数"], ["胜利路22号院", "城西区", 96, 3]]}),
        "城西区.xlsx",
        Expected(kind="register", header_row=1, n_rows=1, values={2: {"name": "胜利路22号院", "households": 96}})))

    # 33. county merged down several rows; a column-number row (1 2 3 ...) under the header
    add(E("merged_county_and_column_numbers", xlsx({
        "title": "台账",
        "rows": [["所属县区", "小区名称", "改造户数（户）", "改造栋数（栋）", "计划总投资（万元）"],
                 [1, 2, 3, 4, 5],
                 ["城东区", "建国路1号院", 236, 6, 520],
                 [None, "八一路家属院", 148, 4, 315.5],
                 [None, "昆仑路小区", 88, 2, 160],
                 ["格尔木市", "南山小区", 320, 9, 780]],
        "merges": ["A3:A5"]}), "合并.xlsx",
        Expected(kind="register", header_row=1, n_rows=4,
                 values={3: {"county": "城东区"}, 4: {"county": "城东区", "name": "八一路家属院"},
                         5: {"county": "城东区", "households": 88}, 6: {"county": "格尔木市"}})))

    # 33b. a row of units under the header instead of units in the header
    add(E("units_row_under_header", xlsx({
        "title": "台账",
        "rows": [["小区名称", "所属县区", "户数", "计划投资", "建筑面积", "经度", "纬度"],
                 [None, None, "（户）", "（元）", "(平方米)", None, None],
                 ["昆仑路小区", "城西区", 88, 1600000, 9800, "101.75°", 36.62]]}), "单位行.xlsx",
        Expected(kind="register", header_row=1, header_rows=2, n_rows=1,
                 values={3: {"households": 88, "planned_investment_wan": 160.0, "floor_area_wan_m2": 0.98,
                             "lon": 101.75, "lat": 36.62}})))

    # 33c. a program-written file whose <dimension> claims only A1 is used
    add(E("wrong_dimension_tag", rezip(xlsx({"title": "项目台账", "rows": [REGISTER_TEMPLATE_HEADER] + REGISTER_ROWS}),
                                       lambda n, p: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', p)
                                       if n.startswith("xl/worksheets/") else p),
          "导出.xlsx", Expected(kind="register", header_row=1, n_rows=3, values=REGISTER_VALUES)))

    # 34. two visible data sheets (one per county)
    add(E("two_county_sheets", xlsx(
        {"title": "城东区", "rows": [["小区名称", "所属县区", "户数", "栋数"], ["建国路1号院", "城东区", 236, 6]]},
        {"title": "城北区", "rows": [["小区名称", "所属县区", "户数", "栋数"], ["北山小区", "城北区", 120, 3],
                                     ["小桥大街小区", "城北区", 210, 5]]}),
        "西宁.xlsx", Expected(kind="register", header_row=1, n_rows=3)))

    # 35. cell-level problems: the rows still come back, each bad cell is an error
    add(E("bad_cell_values", xlsx({
        "title": "进度",
        "rows": [["小区名称", "所属县区", "当前阶段", "开工日期", "形象进度（%）", "累计完成投资（万元）", "已加装电梯（部）"],
                 ["建国路1号院", "城东区", "开工", "2021年6月", "约60%", "1,23", 1.5],
                 ["八一路家属院", "城中区", "开工", "21.6.18", 50, "#DIV/0!", 0],
                 ["南山小区", "格尔木市", "开工", "2021-02-30", 40, "100-120", 1]]}), "有错.xlsx",
        Expected(ok=False, kind="progress", header_row=1, n_rows=3,
                 values={2: {"name": "建国路1号院", "started_on": None, "progress_pct": None}},
                 errors=[IssueSpec(("第2行", "「开工日期」（D列）", "「2021年6月」", "只有年月"), sheet="进度", row=2,
                                   column="开工日期（D列）"),
                         IssueSpec(("第2行", "「约60%」", "不是有效的数字"), row=2, column="形象进度（%）（E列）"),
                         IssueSpec(("第2行", "「1,23」", "千分位"), row=2, column="（F列）"),
                         IssueSpec(("第2行", "「1.5」", "不是整数"), row=2, column="（G列）"),
                         IssueSpec(("第3行", "「21.6.18」", "两位"), row=3),
                         IssueSpec(("第3行", "#DIV/0!"), row=3, column="（F列）"),
                         IssueSpec(("第4行", "「2021-02-30」", "不是存在的日期"), row=4),
                         IssueSpec(("第4行", "「100-120」", "不是有效的数字"), row=4)])))

    # 36. duplicated header meaning: 户数 and 改造户数（户）
    add(E("duplicate_header_meaning", xlsx({
        "title": "台账",
        "rows": [["小区名称", "所属县区", "户数", "栋数", "改造户数（户）"],
                 ["建国路1号院", "城东区", 236, 6, 230]]}), "重复.xlsx",
        Expected(ok=False, kind="register", header_row=1, n_rows=1, values={2: {"name": "建国路1号院"}},
                 errors=[IssueSpec(("「户数」（C列）", "「改造户数（户）」（E列）", "无法确定使用哪一列", "删除多余的列"),
                                   sheet="台账")])))

    # 37. password protected: a hand-made OLE2 container with an EncryptionInfo stream
    add(E("password_protected_handmade", ole2({"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x00" * 60,
                                                "EncryptedPackage": b"\x00" * 4096}), "加密.xlsx",
          Expected(ok=False, errors=[IssueSpec(("密码保护", "取消密码"), file_level=True)])))

    # 38-45. not spreadsheets, empty, garbage
    png = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))
    add(E("pdf", b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF", "台账.pdf",
          Expected(ok=False, errors=[IssueSpec(("PDF", "请上传Excel"), file_level=True)])))
    add(E("png", png, "截图.xlsx", Expected(ok=False, errors=[IssueSpec(("图片",), file_level=True)])))
    add(E("random_bytes", b"\x07\x01" + random.Random(7).randbytes(3000), "data.xlsx",
          Expected(ok=False, errors=[IssueSpec(("不是表格文件",), file_level=True)])))
    add(E("empty_file", b"", "空.xlsx", Expected(ok=False, errors=[IssueSpec(("空的", "0字节"), file_level=True)])))
    add(E("empty_sheet", xlsx({"title": "Sheet1", "rows": []}), "空表.xlsx",
          Expected(ok=False, errors=[IssueSpec(("「Sheet1」是空的",), file_level=True)])))
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    add(E("docx", docx.getvalue(), "报告.docx",
          Expected(ok=False, errors=[IssueSpec(("Word文档",), file_level=True)])))
    add(E("html_saved_as_xls", "<html><body><table><tr><td>小区名称</td></tr></table></body></html>".encode(),
          "导出.xls", Expected(ok=False, errors=[IssueSpec(("网页", "另存为"), file_level=True)])))
    add(E("csv_unknown_encoding", b"\x80\x80\xff\xfe,\xff\x80\r\n\x80\xff,\xff\xff\r\n", "进度.csv",
          Expected(ok=False, errors=[IssueSpec(("编码", "CSV UTF-8"), file_level=True)])))
    # Big5 (traditional characters) is told from GBK, named, and read in simplified characters (issue 13)
    add(E("csv_big5", csv_bytes([["小區名稱", "戶數", "棟數"], ["南山小區", "320", "9"]], "big5"),
          "台账.csv", Expected(kind="register", encoding="big5", n_rows=1,
                             values={2: {"name": "南山小区", "households": 320, "buildings": 9}})))

    # 46-47. limits (small limits passed by the test)
    big = xlsx({"title": "进度", "rows": _minimal_progress_rows(40)})
    add(E("oversized", big, "大文件.xlsx",
          Expected(ok=False, read_kwargs={"max_bytes": 2048},
                   errors=[IssueSpec(("超过上限 0.00195 MB",), file_level=True)])))
    add(E("too_many_rows", big, "多行.xlsx",
          Expected(ok=False, read_kwargs={"max_rows": 25},
                   errors=[IssueSpec(("最多上传 25 行", "分批上传"), file_level=True)])))

    # 48. a header without a name column
    add(E("no_name_column", xlsx({"title": "汇总", "rows": [["所属县区", "改造户数（户）", "改造栋数（栋）"],
                                                          ["城东区", 384, 10]]}), "汇总.xlsx",
          Expected(ok=False, errors=[IssueSpec(("第1行像是表头", "没有「小区名称」列"), sheet="汇总", row=1)])))

    # 49. register and progress in one workbook
    add(E("mixed_kinds", xlsx(
        {"title": "台账", "rows": [["小区名称", "所属县区", "户数", "栋数"], ["建国路1号院", "城东区", 236, 6]]},
        {"title": "进度", "rows": [["小区名称", "所属县区", "当前阶段", "形象进度"], ["建国路1号院", "城东区", "开工", 30]]}),
        "混合.xlsx",
        Expected(ok=False, errors=[IssueSpec(("既有项目台账又有进度填报表", "「台账」是项目台账", "分成两个文件"),
                                             file_level=True)])))

    # 50. a register uploaded where a progress report was expected
    add(E("forced_kind_mismatch", xlsx({"title": "台账", "rows": [REGISTER_TEMPLATE_HEADER] + REGISTER_ROWS}),
          "台账.xlsx",
          Expected(ok=False, read_kwargs={"kind": "progress"},
                   errors=[IssueSpec(("看起来是项目台账", "不是进度填报表"), sheet="台账", row=1)])))

    # 51. a real encrypted xlsx, when the test-only msoffcrypto-tool is installed
    try:
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        pass
    else:
        enc = io.BytesIO()
        OOXMLFile(io.BytesIO(plain)).encrypt("qinghai2021", enc)
        add(E("password_protected_msoffcrypto", enc.getvalue(), "进度.xlsx",
              Expected(ok=False, errors=[IssueSpec(("文件设置了密码保护，请取消密码后重新上传",), file_level=True)])))
    # 52-53. a weekly report as county offices send it: two title rows (the date in the second,
    # 截至…), a two-row merged header whose stage column is headed 「项目推进情况/建设情况」 (a
    # header the synonym lists never saw), full-width digits and thousands separators typed as
    # text, and a 合计 row; the same table saved as a GBK CSV (no merges: the parent typed once).
    weekly_header = [["序号", "项目名称", "所属县区", "项目推进情况", None, "累计完成投资（万元）", "资金拨付（万元）",
                      "存在问题"],
                     [None, None, None, "建设情况", "形象进度（%）", None, None, None]]
    weekly_rows = [
        [1, "幸福路1号院", "城东区", "在建", "６５", "１,２３４.５", "８００", "外墙保温施工中"],
        ["２", "和平小区", "城东区", "已完工", "１００%", "2,100", "1，500", None],
        [3, "建设巷家属院", "城东区", "未开工", 0, 0, 0, "设计方案待审批"],
        [4, "南门小区", "城东区", "施工中", "30", "456.78", "200", None],
        ["合计", None, None, None, None, "3,791.28", "2,500", None],
    ]
    weekly_values = {
        5: {"name": "幸福路1号院", "county": "城东区", "stage": "开工", "progress_pct": 65.0, "invested_wan": 1234.5,
            "paid_wan": 800.0, "problems": "外墙保温施工中"},
        6: {"name": "和平小区", "stage": "完工", "progress_pct": 100.0, "invested_wan": 2100.0, "paid_wan": 1500.0},
        7: {"name": "建设巷家属院", "stage": "计划", "progress_pct": 0.0, "invested_wan": 0.0, "paid_wan": 0.0},
        8: {"name": "南门小区", "stage": "开工", "progress_pct": 30.0, "invested_wan": 456.78, "paid_wan": 200.0},
    }
    weekly_title = [["城东区2022年城镇老旧小区改造项目推进情况周报表"] + [None] * 7,
                    ["填报单位：城东区住房和城乡建设局", None, None, None, None, "截至2022年5月27日", None, None]]
    add(E("weekly_report_unseen_stage_header", xlsx({
        "title": "第21周", "rows": weekly_title + weekly_header + weekly_rows,
        "merges": ["A1:H1", "A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:F4", "G3:G4", "H3:H4"]}), "城东区周报.xlsx",
        Expected(kind="progress", header_row=3, header_rows=2, report_date=D(2022, 5, 27), n_rows=4,
                 values=weekly_values)))
    add(E("weekly_report_unseen_stage_header_gbk_csv", csv_bytes(weekly_title + weekly_header + weekly_rows, "gbk"),
          "城东区周报.csv",
          Expected(kind="progress", file_format="csv", encoding="gb18030", header_row=3, header_rows=2,
                   report_date=D(2022, 5, 27), n_rows=4, values=weekly_values)))

    # 54. 舒城县's 2022 register in the layout its office published (tests/real/programmes/
    # shucheng_2022_projects.py; figures from the county's 2022 Q2 briefing, the 改造内容 words
    # illustrative): two 连片 project rows covering 6 and 12 communities, start and finish written
    # as phrases, a 合计 row.
    add(E("shucheng_2022_register", xlsx({
        "title": "项目表",
        "rows": [["舒城县2022年城镇老旧小区整治改造项目表"],
                 ["序号", "项目名称", "涉及小区数", "涉及住户(户)", "建筑面积(万平方米)", "投资金额(万元)", "开工时间",
                  "完工时间", "改造内容"],
                 [1, "舒怡社区连片老旧小区改造项目", 6, 946, 6.89, 3785, "2022年3月底", "2022年10月",
                  "雨污分流、道路、绿化、照明"],
                 [2, "龙祥社区、新城社区、东苑社区连片改造项目", 12, 725, 7.433, 4100, "2022年6月25日前", None,
                  "屋面外墙、雨污分流、停车"],
                 ["合计", None, 18, 1671, 14.323, 7885, None, None, None]]}), "舒城县2022年改造项目.xlsx",
        Expected(kind="register", header_row=2, n_rows=2,
                 values={3: {"name": "舒怡社区连片老旧小区改造项目", "communities": 6, "households": 946,
                             "floor_area_wan_m2": 6.89, "planned_investment_wan": 3785.0,
                             "planned_start": D(2022, 3, 31), "planned_finish": D(2022, 10, 1)},
                         4: {"communities": 12, "households": 725, "floor_area_wan_m2": 7.433,
                             "planned_investment_wan": 4100.0, "planned_start": D(2022, 6, 25),
                             "planned_finish": None}},
                 warnings=[IssueSpec(("「完工时间」", "只填写到月", "1日"), sheet="项目表")])))

    # 55. a title that says 截至5月末 and dates without a year: the year is the title's (2022).
    add(E("title_month_end_dates_without_year", xlsx({
        "title": "进度",
        "rows": [["2022年城镇老旧小区改造进度（截至5月末）"],
                 ["小区名称", "所属县区", "当前阶段", "开工日期", "完工日期", "形象进度（%）"],
                 ["幸福路1号院", "城东区", "已完工", "3月底", "5月中旬", 100],
                 ["和平小区", "城东区", "在建", "4月上旬", None, 40],
                 ["南门小区", "城东区", "在建", "5月25日前", None, 10]]}), "进度.xlsx",
        Expected(kind="progress", header_row=2, report_date=D(2022, 5, 31), n_rows=3,
                 values={3: {"stage": "完工", "started_on": D(2022, 3, 31), "finished_on": D(2022, 5, 20)},
                         4: {"stage": "开工", "started_on": D(2022, 4, 10)},
                         5: {"started_on": D(2022, 5, 25)}})))

    # 56. 「进度」 (a 形象进度 synonym) over stage words, 形象进度 given as 完成比例: the words decide.
    add(E("progress_header_over_stage_words", xlsx({
        "title": "进度",
        "rows": [["小区名称", "所属县区", "进度", "完成比例", "累计完成投资（万元）"],
                 ["幸福路1号院", "城东区", "在建", "45%", 300],
                 ["和平小区", "城东区", "竣工验收", "100%", 820],
                 ["南门小区", "城东区", "前期手续", "0%", 0]]}), "进度.xlsx",
        Expected(kind="progress", header_row=1, n_rows=3,
                 values={2: {"stage": "开工", "progress_pct": 45.0, "invested_wan": 300.0},
                         3: {"stage": "验收", "progress_pct": 100.0},
                         4: {"stage": "前期", "progress_pct": 0.0}})))

    # 57. words and phrases that say no stage or no day: refused with the cell, never guessed.
    add(E("unknown_stage_word_and_vague_date", xlsx({
        "title": "进度",
        "rows": [["小区名称", "所属县区", "当前阶段", "完工日期", "形象进度（%）"],
                 ["幸福路1号院", "城东区", "基本完工", "2022年底前后", 95],
                 ["和平小区", "城东区", "已完工", "2022年5月下旬", 100]]}), "进度.xlsx",
        Expected(ok=False, kind="progress", header_row=1, n_rows=2,
                 values={2: {"stage": None, "finished_on": None}, 3: {"stage": "完工", "finished_on": D(2022, 5, 31)}},
                 errors=[IssueSpec(("「基本完工」", "无法识别为阶段", "储备、计划、前期、开工、完工、验收、长效管理"),
                                   sheet="进度", row=2, column="当前阶段（C列）"),
                         IssueSpec(("「2022年底前后」", "不确定的时间"), sheet="进度", row=2, column="完工日期（D列）")])))

    # 58. a register whose households column is headed 「受益群众」: not decided (it could be the
    # residents' money), so the message names it as the probable households column.
    add(E("probable_households_column", xlsx({
        "title": "台账",
        "rows": [["小区名称", "所属县区", "受益群众", "楼栋数", "计划总投资（万元）"],
                 ["幸福路1号院", "城东区", 236, 6, 520],
                 ["和平小区", "城东区", 148, 4, 315]]}), "台账.xlsx",
        Expected(kind="register", header_row=1, n_rows=2,
                 values={2: {"buildings": 6, "planned_investment_wan": 520.0, "households": "<missing column>"}},
                 warnings=[IssueSpec(("未找到改造户数列", "「受益群众」（C列）是否为改造户数"), sheet="台账")])))

    # 59. an area column without a unit whose values are square metres (18,500 is no community's 万m²).
    add(E("area_in_square_metres_without_unit", xlsx({
        "title": "台账",
        "rows": [["小区名称", "所属县区", "户数", "建筑面积"],
                 ["幸福路1号院", "城东区", 236, 18500],
                 ["和平小区", "城东区", 148, "10,200"]]}), "台账.xlsx",
        Expected(kind="register", header_row=1, n_rows=2,
                 values={2: {"floor_area_wan_m2": 1.85}, 3: {"floor_area_wan_m2": 1.02}},
                 warnings=[IssueSpec(("「建筑面积」（D列）", "不可能是万平方米", "已按“平方米”读取"), sheet="台账")])))
    # 60. 舒城县's progress to the end of May 2022 as a table (the same briefing): the title's
    # 截至2022年5月底 is the report date (the month's last day); the stage column is headed
    # 建设情况; the first batch had 3100万元 done and 40%, the second its preparation done (前期).
    add(E("shucheng_2022_progress_title_date", xlsx({
        "title": "进展",
        "rows": [["舒城县2022年城镇老旧小区整治改造项目进展情况（截至2022年5月底）"],
                 ["序号", "项目名称", "建设情况", "完成投资(万元)", "形象进度"],
                 [1, "舒怡社区连片老旧小区改造项目", "在建", 3100, "40%"],
                 [2, "龙祥社区、新城社区、东苑社区连片改造项目", "前期工作", None, None]]}), "舒城县进展.xlsx",
        Expected(kind="progress", header_row=2, report_date=D(2022, 5, 31), n_rows=2,
                 values={3: {"stage": "开工", "invested_wan": 3100.0, "progress_pct": 40.0},
                         4: {"stage": "前期", "invested_wan": None, "progress_pct": None}})))
    return out


CORPUS = build_corpus()
