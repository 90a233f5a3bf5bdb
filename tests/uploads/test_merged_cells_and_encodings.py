"""Merged cells in data rows are reported as such; UTF-16 and Big5 CSV files (issue 13, defects 6 and 8).

A stage cell merged over five rows used to set an accepted community back a stage with a refusal
that did not mention the merge, and a household count merged over three rows gave "改造户数为空"
for the rows below its first. A UTF-16 CSV (Excel's "Unicode 文本") was "不是表格文件"; Big5 was
"编码识别为 GB18030" then "没有找到表头".
"""

from __future__ import annotations

import codecs
import io
from datetime import date

import openpyxl

from lib.uploads.reader import read_workbook
from tests.support.uploads import (LAST, commit, county_projects, dump, progress_rows, register_sheet, snapshot)


def _book(rows: list[list], merge: str, sheet: str = "进度") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    ws.merge_cells(merge)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_merged_stage_cell_that_sets_a_community_back_is_refused_naming_the_merge(fresh_demo_store):
    store = fresh_demo_store
    snap = snapshot(store, LAST)
    projects = county_projects(store)
    done = next(k for k, p in enumerate(projects) if k >= 4 and snap[p.code]["stage"] in ("完工", "验收"))
    rows = progress_rows(store)
    col = rows[0].index("当前阶段") + 1
    first = done - 4 + 2  # Excel rows: the header is row 1, community k is row k + 2
    for k in range(done - 4, done + 1):
        rows[k + 1][col - 1] = "开工" if k == done - 4 else None
    ref = f"{openpyxl.utils.get_column_letter(col)}{first}:{openpyxl.utils.get_column_letter(col)}{first + 4}"
    before = dump(store)
    pv = commit(store, _book(rows, ref))
    assert pv.status == "rejected"
    back = [e.message for e in pv.errors if "退回" in e.message]
    assert back and all(f"合并单元格 {ref}" in m for m in back), [e.message for e in pv.errors]
    assert dump(store) == before


def test_a_merged_household_count_is_reported_as_merged_not_as_empty(fresh_demo_store):
    store = fresh_demo_store
    wb = openpyxl.load_workbook(io.BytesIO(register_sheet("新建小区甲", "新建小区乙", "新建小区丙")))
    ws = wb.active
    ws["D3"] = ws["D4"] = None
    ws.merge_cells("D2:D4")
    buf = io.BytesIO()
    wb.save(buf)
    before = dump(store)
    pv = commit(store, buf.getvalue(), "台账.xlsx", kind="register", as_of=date(2021, 6, 1))
    assert pv.status == "rejected"
    empty = [e for e in pv.errors if "改造户数" in e.message]
    assert [e.row for e in empty] == [3, 4]
    assert all("合并单元格 D2:D4" in e.message and "只计入第2行" in e.message for e in empty), \
        [e.message for e in empty]
    assert dump(store) == before


_ROWS = [["项目编号", "小区名称", "所属县区", "改造户数（户）", "改造栋数（栋）"],
         ["", "南山小区", "城东区", "320", "9"], ["", "幸福路小区", "城东区", "48", "2"]]


def _text(rows: list[list], sep: str = "\t") -> str:
    return "\r\n".join(sep.join(r) for r in rows) + "\r\n"


def test_utf16_csv_with_and_without_a_byte_order_mark_is_read():
    text = _text(_ROWS)
    for data in (codecs.BOM_UTF16_LE + text.encode("utf-16-le"), text.encode("utf-16-le"),
                 codecs.BOM_UTF16_BE + text.encode("utf-16-be"), text.encode("utf-16-be")):
        result = read_workbook(data, "台账.txt")
        assert result.errors == [], [e.message for e in result.errors]
        assert result.encoding == "utf-16" and result.kind == "register"
        assert [(r.values["name"], r.values["households"]) for r in result.rows] == [("南山小区", 320), ("幸福路小区", 48)]


def test_big5_is_recognised_named_and_read_in_simplified_characters():
    trad = [["項目編號", "小區名稱", "所屬縣區", "改造戶數（戶）", "改造棟數（棟）"],
            ["", "南山小區", "城東區", "320", "9"], ["", "幸福路小區", "城東區", "48", "2"]]
    result = read_workbook(_text(trad, ",").encode("cp950"), "台账.csv")
    assert result.errors == [], [e.message for e in result.errors]
    assert result.encoding == "big5"
    assert any("Big5" in n for n in result.notes) and not any("GB18030" in n for n in result.notes)
    assert [(r.values["name"], r.values["county"]) for r in result.rows] == [("南山小区", "城东区"),
                                                                          ("幸福路小区", "城东区")]


def test_gbk_stays_gbk():
    result = read_workbook(_text(_ROWS, ",").encode("gbk"), "台账.csv")
    assert result.encoding == "gb18030" and result.errors == []
    assert [r.values["name"] for r in result.rows] == ["南山小区", "幸福路小区"]
