"""lib.uploads.files: calamine reads the cells, openpyxl stays where calamine does not fit.

The two readers must give the same sheets for every xlsx of the corpus (values, percent
cells, error values, formulas without a result, merges, hidden sheets, the date epoch), so
switching the fast one in changed nothing a clerk sees.
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from lib.uploads import files
from lib.uploads.reader import read_workbook
from lib.uploads.values import ExcelError
from tests.support.corpus import CORPUS

XLSX = [e for e in CORPUS if e.filename.endswith((".xlsx", ".xlsm")) and e.data[:2] == b"PK"]


def _same(v):
    """openpyxl gives datetime(2021, 4, 1, 0, 0) where calamine gives date(2021, 4, 1): one cell.
    Numbers must agree in type too (236, not 236.0): other readers of RawSheet test for digits."""
    if isinstance(v, ExcelError):
        return ("#", v.text)
    if isinstance(v, dt.datetime) and v.time() == dt.time(0):
        return v.date()
    return (type(v).__name__, v) if isinstance(v, (int, float)) else v


def _sheets(data: bytes, engine: str):
    sheets = files._load_xlsx(data, 100_000, engine)
    return [(s.name, s.hidden, s.epoch, s.percent_cells, s.formula_no_cache, s.merged,
             {r: [_same(v) for v in vs] for r, vs in s.rows.items()}) for s in sheets]


@pytest.mark.parametrize("entry", XLSX, ids=[e.name for e in XLSX])
def test_calamine_and_openpyxl_give_the_same_sheets(entry):
    try:
        files.detect_format(entry.data, entry.filename)
    except files.FileProblem:
        pytest.skip("not a workbook")
    try:
        files._load_xlsx_calamine(entry.data, 100_000)
    except files._UseOpenpyxl:
        pytest.fail(f"{entry.name}: calamine did not read it")
    assert _sheets(entry.data, "calamine") == _sheets(entry.data, "openpyxl")


def _book(edit) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "进度"
    ws.append(["小区名称", "所属县区", "当前阶段", "开工日期", "形象进度（%）"])
    edit(wb, ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_the_1904_date_system_is_kept():
    def edit(wb, ws):
        wb.epoch = CALENDAR_MAC_1904
        ws.append(["幸福路1号院", "城东区", "开工", dt.datetime(2022, 3, 31), 30])
        ws.append(["和平小区", "城东区", "开工", 43554, 30])  # a bare serial: 1904-01-01 + 43554 days

    data = _book(edit)
    [raw] = files._load_xlsx_calamine(data, 1000)
    assert raw.epoch == dt.date(1904, 1, 1)
    result = read_workbook(data, "进度.xlsx")
    assert [r.values["started_on"] for r in result.rows] == [dt.date(2022, 3, 31), dt.date(2023, 3, 31)]


def test_custom_percent_formats_are_seen_and_quoted_percent_signs_are_not():
    def edit(wb, ws):
        for i, (v, fmt) in enumerate([(0.35, "0.0%"), (0.5, '0"%"'), (45, "General")], start=2):
            ws.append([f"小区{i}", "城东区", "开工", None, v])
            ws.cell(i, 5).number_format = fmt

    [raw] = files._load_xlsx_calamine(_book(edit), 1000)
    assert raw.percent_cells == {(2, 5)}


def test_a_stray_cell_far_below_is_read_by_openpyxl_not_a_huge_grid():
    def edit(wb, ws):
        ws.append(["幸福路1号院", "城东区", "开工", None, 30])
        ws.cell(900_000, 1, "x")

    data = _book(edit)
    with pytest.raises(files._UseOpenpyxl):
        files._load_xlsx_calamine(data, 51_000)
    result = read_workbook(data, "进度.xlsx")
    assert [r.values["name"] for r in result.rows] == ["幸福路1号院", "x"]


def test_a_file_calamine_refuses_goes_to_openpyxl_and_a_corrupt_one_is_refused_in_chinese():
    good = _book(lambda wb, ws: ws.append(["幸福路1号院", "城东区", "开工", None, 30]))
    broken = good[: len(good) // 2]
    result = read_workbook(broken, "进度.xlsx")
    assert result.rows == []
    assert any("文件已损坏" in i.message for i in result.errors)
