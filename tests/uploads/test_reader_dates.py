"""The reader's year for dates written without one: the sheet's title, then the caller's `year`
(the programme's), then the file name; none of them -> the cell is refused, never guessed."""

from __future__ import annotations

import datetime as dt

from lib.uploads.reader import read_workbook
from tests.support.corpus import xlsx


def _file(title: str | None) -> bytes:
    rows = ([[title]] if title else []) + [
        ["小区名称", "所属县区", "当前阶段", "开工日期", "形象进度（%）"],
        ["幸福路1号院", "城东区", "在建", "3月底", 30],
        ["和平小区", "城东区", "在建", "6月中旬", 10],
    ]
    return xlsx({"title": "进度", "rows": rows})


def _starts(result):
    return [r.values["started_on"] for r in result.rows]


def test_the_title_gives_the_year():
    result = read_workbook(_file("城东区2022年老旧小区改造进度表"), "进度.xlsx", year=2021)
    assert result.errors == []
    assert _starts(result) == [dt.date(2022, 3, 31), dt.date(2022, 6, 20)]


def test_the_callers_year_where_the_title_has_none():
    result = read_workbook(_file("城东区老旧小区改造进度表"), "进度.xlsx", year=2021)
    assert _starts(result) == [dt.date(2021, 3, 31), dt.date(2021, 6, 20)]


def test_the_file_names_year_last():
    result = read_workbook(_file(None), "城东区2023年第10周进度.xlsx")
    assert _starts(result) == [dt.date(2023, 3, 31), dt.date(2023, 6, 20)]


def test_no_year_anywhere_is_refused_naming_the_cell():
    result = read_workbook(_file(None), "进度.xlsx")
    assert _starts(result) == [None, None]
    errors = [(i.row, i.column, i.value) for i in result.errors]
    assert errors == [(2, "开工日期（D列）", "3月底"), (3, "开工日期（D列）", "6月中旬")]
    assert all("没有写年份" in i.message and "请写明年份" in i.message for i in result.errors)


def test_a_title_report_date_without_a_year_takes_the_callers_year():
    data = xlsx({"title": "进度", "rows": [["城东区老旧小区改造进度（截至6月18日）"],
                                            ["小区名称", "所属县区", "当前阶段", "形象进度（%）"],
                                            ["幸福路1号院", "城东区", "在建", 30]]})
    assert read_workbook(data, "进度.xlsx", year=2022).report_date == dt.date(2022, 6, 18)
    assert read_workbook(data, "进度.xlsx").report_date is None  # not guessed
