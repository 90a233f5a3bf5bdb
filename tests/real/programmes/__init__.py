"""Real published tables of 城镇老旧小区改造 targets and progress, transcribed with their layout.

Each module is one table (see README.md for the sources):

* ``SOURCE``: title, publisher, url, published, retrieved, notes.
* ``TITLE_ROWS`` (lines above the table), ``HEADER`` (one list per header row, merged cells left
  blank), ``ROWS`` (as published: text as strings, figures as numbers, ``""`` for a blank cell,
  ``None`` for a cell the stored copy lost), ``FOOTER_ROWS`` (lines under the table).
* ``COLUMNS``: one flat name per column (``"upper/lower"`` under a two-row header); the keys of
  ``STATED`` and ``GAPS``. ``NAME_COL``: the column naming the region or project.
* ``MERGES``: ``(part, first_row, first_col, last_row, last_col)``, zero-based inside ``"header"``
  or ``"rows"``; ``build_xlsx`` merges them (titles and footers always span the width).
* ``STATED``: figures the source states, by row name (a name in ``ROWS``, or a key such as
  ``"全市(正文)"`` for a total stated only in the text). ``TOTAL_KEY`` is the whole-table total;
  ``SUBTOTALS`` the row names that are totals, not regions.
* ``GAPS``: where the source's own total differs from its rows (stated and rows_sum, with the cause).
* ``PARTIAL``: why the stored copy is incomplete, or ``None``.
* ``REGION_LEVEL`` (the programme's level: "nation", "province", "prefecture", "county"),
  ``ROW_LEVEL``, ``KIND`` ("plan", "progress", "projects"), ``PROGRAMME`` (name, region adcode,
  years), ``AS_OF`` (the date a progress table is as of), ``LAYOUT`` ("table", or "list" where the
  source gave the figures as a list and the header is made of its own words), ``ZONES`` (row names
  that are not divisions), ``CODES`` (row name -> adcode and official name, hand-written).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tests.real.programmes import (
    bengbu_2018_plan,
    dezhou_2022_plan,
    hunan_2021_08_progress,
    jinan_2023_plan,
    mohurd_2022_12_progress,
    mohurd_2023_06_progress,
    mohurd_2023_09_progress,
    qingdao_2024_plan,
    shucheng_2022_projects,
)

ALL = [
    dezhou_2022_plan,
    jinan_2023_plan,
    qingdao_2024_plan,
    bengbu_2018_plan,
    hunan_2021_08_progress,
    mohurd_2022_12_progress,
    mohurd_2023_06_progress,
    mohurd_2023_09_progress,
    shucheng_2022_projects,
]


def slug(mod) -> str:
    return mod.__name__.rsplit(".", 1)[-1]


def width(mod) -> int:
    return len(mod.COLUMNS)


def row_name(mod, row) -> str:
    """The row's region or project name as published (a total's label may sit left of NAME_COL)."""
    cell = row[mod.NAME_COL]
    if isinstance(cell, str) and cell.strip():
        return cell
    for cell in row[: mod.NAME_COL]:
        if isinstance(cell, str) and cell.strip():
            return cell
    return ""


def row_by_name(mod, name: str):
    for row in mod.ROWS:
        if row_name(mod, row) == name:
            return row
    return None


def value(mod, name: str, column: str):
    row = row_by_name(mod, name)
    return None if row is None else row[mod.COLUMNS.index(column)]


def detail_rows(mod) -> list:
    """The rows that are regions or projects, not the table's totals."""
    return [r for r in mod.ROWS if row_name(mod, r) not in mod.SUBTOTALS]


def rows_sum(mod, column: str) -> Decimal:
    """Exact sum (as the figures are written) of a column over the detail rows."""
    i = mod.COLUMNS.index(column)
    return sum((Decimal(str(r[i])) for r in detail_rows(mod)
                if isinstance(r[i], (int, float)) and not isinstance(r[i], bool)), Decimal(0))


def sheet_rows(mod) -> list[list]:
    """Every line of the sheet top to bottom, padded to the table's width."""
    w = width(mod)
    out = [[t] + [""] * (w - 1) for t in mod.TITLE_ROWS]
    out += [list(h) for h in mod.HEADER]
    out += [["" if c is None else c for c in r] for r in mod.ROWS]
    out += [[t] + [""] * (w - 1) for t in mod.FOOTER_ROWS]
    return out


def _offset(mod, part: str) -> int:
    if part == "header":
        return len(mod.TITLE_ROWS)
    if part == "rows":
        return len(mod.TITLE_ROWS) + len(mod.HEADER)
    raise ValueError(part)


def build_xlsx(mod) -> bytes:
    """The table as an office would hold it: titles merged across the width, the header rows,
    the rows, the footers, and the published merges."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    w = width(mod)
    for r, line in enumerate(sheet_rows(mod), start=1):
        for c, v in enumerate(line, start=1):
            if v != "":
                ws.cell(row=r, column=c, value=v)
    last = get_column_letter(w)
    for i, _ in enumerate(mod.TITLE_ROWS, start=1):
        if w > 1:
            ws.merge_cells(f"A{i}:{last}{i}")
        ws.cell(row=i, column=1).font = Font(bold=True, size=14 if i == len(mod.TITLE_ROWS) else 11)
        ws.cell(row=i, column=1).alignment = Alignment(horizontal="center")
    first_footer = len(mod.TITLE_ROWS) + len(mod.HEADER) + len(mod.ROWS) + 1
    for i, _ in enumerate(mod.FOOTER_ROWS, start=first_footer):
        if w > 1:
            ws.merge_cells(f"A{i}:{last}{i}")
    for part, r0, c0, r1, c1 in mod.MERGES:
        off = _offset(mod, part)
        ws.merge_cells(start_row=off + r0 + 1, start_column=c0 + 1, end_row=off + r1 + 1, end_column=c1 + 1)
    for i in range(len(mod.HEADER)):
        for c in range(1, w + 1):
            cell = ws.cell(row=len(mod.TITLE_ROWS) + i + 1, column=c)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for c in range(1, w + 1):
        ws.column_dimensions[get_column_letter(c)].width = 16 if c - 1 == mod.NAME_COL else 12
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _text(v) -> str:
    if v is None:
        return ""
    return str(v)


def build_csv_gbk(mod) -> bytes:
    """The table as Excel on a Chinese Windows saves it as CSV: GBK, CRLF, a merged title in its
    first cell with the rest of the line empty."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    for line in sheet_rows(mod):
        writer.writerow([_text(v) for v in line])
    return buf.getvalue().encode("gbk")
