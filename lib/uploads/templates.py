"""Spreadsheets out to the districts: fill-in templates and annotated error reports.

A template is generated from the store for one programme and county: the
county's communities pre-filled (progress: with their last reported figures,
so staff only change what moved), Chinese headers with units, drop-down lists
for stages and yes/no fields, an instructions sheet and a frozen header row.
A template filled in correctly always imports cleanly (tested).
"""

from __future__ import annotations

import io
import re
from datetime import date

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from lib.access.auth import Actor
from lib.domain import fields
from lib.domain import regions
from lib.domain import vocabulary
from lib.domain.errors import UserError
from lib.figures.metrics import get_programme, register_table
from lib.office.sheets import neutralise
from lib.store.engine import Store
from lib.uploads.reader import Issue, read_workbook

# The template's columns and its required (*) cells, from the field table.
PROGRESS_COLUMNS = fields.template_columns("progress")
REGISTER_COLUMNS = fields.template_columns("register")
REQUIRED = {kind: fields.required(kind) for kind in fields.KINDS}
HEADER_ROW = 3  # row 1: title; row 2: 填报单位 / 填报日期; row 3: headers

_HEAD_FILL = PatternFill("solid", fgColor="DCE6F1")
_LOCKED_FILL = PatternFill("solid", fgColor="F2F2F2")
_ERR_FILL = PatternFill("solid", fgColor="FFC7CE")
_WARN_FILL = PatternFill("solid", fgColor="FFEB9C")
_THIN = Side(style="thin", color="A6A6A6")

INSTRUCTIONS = {
    "progress": [
        "1. 每周填报一次，一个文件只填一周：请在第2行“填报日期”后填写本周填报日期（如 2021年6月18日），或上传时选择日期。",
        "2. 项目编号、小区名称、所属县区已按台账预填，请勿修改；新增小区请先上传项目台账。",
        "3. “当前阶段”请从下拉列表选择：储备、计划、前期、开工、完工、验收、长效管理。",
        "4. 形象进度填 0–100 的数字（如 75 表示 75%）；金额单位为万元；日期写成 2021-06-18 或 2021年6月18日。",
        "5. 累计完成投资、累计支付资金、已加装电梯为累计数，不能小于上次填报；确需更正时，在“是否更正”列选“是”。",
        "6. 表中预填的是上次填报的数值，只需修改本周有变化的小区。",
        "7. 上传后系统先预览检查，全部无误才会入库；有错误的行会标红并附说明，可下载标注文件修改后重传。",
    ],
    "register": [
        "1. 每行一个小区（项目）。项目编号可留空，系统将自动编号；已有小区请保留原编号。",
        "2. 所属县区填写县（市、区）名称，如“城东区”“格尔木市”。",
        "3. 户数、栋数为整数；建筑面积单位为万平方米；投资与各渠道资金单位为万元。",
        "4. 改造内容用顿号分隔，如：供水、排水、道路、屋面外墙、加装电梯。",
        "5. 改造年度写成 2021 或 2021-2022；是否试点从下拉列表选择。",
        "6. 建成年代晚于2000年的小区按政策可按比例纳入，系统会提示确认。",
    ],
}


def template(store: Store, programme: int | str, county: str, kind: str = "progress",
             as_of: date | None = None, *, viewer: Actor) -> bytes:
    """The .xlsx template for a county (adcode or name), filled with what `viewer` may see."""

    if kind not in ("progress", "register"):
        raise UserError("表格类型只能是 progress（进度填报）或 register（项目台账）。", "kind: progress or register")
    prog = get_programme(store, programme)
    c = regions.resolve(county, within=prog.region_adcode)
    df = register_table(store, prog.id, as_of=as_of or date(prog.year_end, 12, 31), region=c.adcode,
                        viewer=viewer)
    cols = PROGRESS_COLUMNS if kind == "progress" else REGISTER_COLUMNS
    wb = Workbook()
    ws = wb.active
    ws.title = "进度填报" if kind == "progress" else "项目台账"
    title = f"{prog.name} {fields.KIND_LABELS_ZH[kind]}"
    ws.cell(1, 1, title).font = Font(bold=True, size=14)
    ws.cell(2, 1, f"填报单位：{c.name}住房和城乡建设局")
    ws.cell(2, 4, "填报日期：")
    ws.cell(2, 4).alignment = Alignment(horizontal="right")
    for j, fld in enumerate(cols, start=1):
        cell = ws.cell(HEADER_ROW, j, fields.get(fld).zh + ("*" if fld in REQUIRED[kind] else ""))
        cell.font = Font(bold=True)
        cell.fill = _HEAD_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = Border(top=_THIN, bottom=_THIN, left=_THIN, right=_THIN)
        ws.column_dimensions[get_column_letter(j)].width = 24 if fld in ("name", "problems", "content", "address") else 14
    ws.row_dimensions[HEADER_ROW].height = 32
    n = 0
    for n, rec in enumerate(df.to_dict("records"), start=1):
        r = HEADER_ROW + n
        for j, fld in enumerate(cols, start=1):
            ws.cell(r, j, neutralise(_prefill(rec, fld, kind)))
            if fld in ("code", "name", "county") and kind == "progress":
                ws.cell(r, j).fill = _LOCKED_FILL
    last = HEADER_ROW + max(n, 1) + 200  # room for rows staff add
    _validations(ws, cols, last)
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 3)
    notes = wb.create_sheet("填表说明")
    notes.column_dimensions["A"].width = 110
    notes.cell(1, 1, f"{title} · 填表说明").font = Font(bold=True, size=13)
    for i, line in enumerate(INSTRUCTIONS[kind], start=3):
        notes.cell(i, 1, line).alignment = Alignment(wrap_text=True)
    notes.cell(len(INSTRUCTIONS[kind]) + 4, 1, "带 * 的列为必填。")
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _prefill(rec: dict, fld: str, kind: str):
    """The value a template row starts with: the register and the last reported figures."""
    if fld == "correction":
        return None
    if fld == "pilot":
        return "是" if rec.get("pilot") == "是" else "否"
    v = rec.get(fld)
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def _validations(ws, cols, last_row: int) -> None:
    first = HEADER_ROW + 1
    for j, fld in enumerate(cols, start=1):
        letter = get_column_letter(j)
        rng = f"{letter}{first}:{letter}{last_row}"
        f = fields.get(fld)
        if fld == "stage":
            dv = DataValidation(type="list", formula1='"' + ",".join(s.zh for s in vocabulary.STAGES) + '"',
                                allow_blank=True, showErrorMessage=True, errorTitle="阶段",
                                error="请从下拉列表选择阶段。")
        elif f.type == "bool":
            dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True,
                                error="请选择“是”或“否”。")
        elif f.type == "pct":
            dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="100",
                                allow_blank=True, showErrorMessage=True, error="形象进度请填 0–100 之间的数字。")
        elif f.is_amount:
            dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                                showErrorMessage=True, error="请填写不小于 0 的数字。")
        else:
            continue
        ws.add_data_validation(dv)
        dv.add(rng)


def annotate(data: bytes, filename: str, issues: list[Issue]) -> bytes:
    """The user's own workbook with every error cell marked red (warnings yellow) and a comment on each.

    For CSV and .xls uploads (which cannot carry comments) a new .xlsx holds
    the list of problems instead.
    """
    sheets_cols = _letters_by_header(data, filename)
    if filename.lower().endswith((".xlsx", ".xlsm")) and sheets_cols is not None:
        wb = load_workbook(io.BytesIO(data))
        for issue in issues:
            if issue.sheet not in wb.sheetnames or not issue.row:
                continue
            ws = wb[issue.sheet]
            letter = _letter(issue, sheets_cols.get(issue.sheet, {}))
            target = ws[f"{letter}{issue.row}"] if letter else ws.cell(issue.row, 1)
            target.fill = _ERR_FILL if issue.severity == "error" else _WARN_FILL
            text = ("错误：" if issue.severity == "error" else "提示：") + issue.message
            if target.comment is not None:
                text = target.comment.text + "\n" + text
            target.comment = Comment(text[:2000], "系统校验")
        _summary_sheet(wb, issues)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    wb = Workbook()
    wb.remove(wb.active)
    _summary_sheet(wb, issues)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _summary_sheet(wb, issues: list[Issue]) -> None:
    ws = wb.create_sheet("校验结果", 0)
    heads = ("类型", "工作表", "行", "列", "填写的值", "说明")
    for j, h in enumerate(heads, start=1):
        ws.cell(1, j, h).font = Font(bold=True)
        ws.cell(1, j).fill = _HEAD_FILL
    for i, it in enumerate(issues, start=2):
        vals = ("错误" if it.severity == "error" else "提示", it.sheet, it.row, it.column,
                neutralise(it.value), neutralise(it.message))
        for j, v in enumerate(vals, start=1):
            ws.cell(i, j, v)
            if it.severity == "error":
                ws.cell(i, j).fill = _ERR_FILL
    for letter, width in zip("ABCDEF", (8, 14, 6, 18, 20, 90)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = "A2"


def _letters_by_header(data: bytes, filename: str) -> dict[str, dict[str, str]] | None:
    """Header text → column letter per sheet, as the reader saw them."""

    try:
        read = read_workbook(data, filename)
    except Exception:  # noqa: BLE001 - annotation is best effort over an already-read file
        return None
    out: dict[str, dict[str, str]] = {}
    for sh in read.sheets:
        out[sh.name] = {}
        for fld, (header, letter) in sh.columns.items():
            out[sh.name][header] = letter
            out[sh.name][fields.get(fld).zh] = letter
    return out


def _letter(issue: Issue, by_header: dict[str, str]) -> str | None:
    if not issue.column:
        return None
    m = re.search(r"（([A-Z]{1,3})列）", issue.column)
    if m:
        return m.group(1)
    return by_header.get(issue.column)
