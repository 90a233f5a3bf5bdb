"""lib.uploads.values: the dates offices write, and the report date a title gives.

Every expected day below is worked out by hand from the rule the phrase follows
(月底/月末 = the month's last day; 上旬 = the 10th, 中旬 = the 20th, 下旬 = the last day;
"前" = that day; 年底 = December 31), not taken from the code.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lib.uploads.values import ValueParseError, extract_report_date, is_month_only, parse_date, year_in_title

D = dt.date


@pytest.mark.parametrize("text, year, expected", [
    ("2022年3月底", None, D(2022, 3, 31)),
    ("2022年2月底", None, D(2022, 2, 28)),
    ("2024年2月末", None, D(2024, 2, 29)),       # a leap year's February
    ("3月底", 2022, D(2022, 3, 31)),
    ("4月末", 2022, D(2022, 4, 30)),
    ("2022年6月25日前", None, D(2022, 6, 25)),
    ("6月25日前", 2022, D(2022, 6, 25)),
    ("6月25日之前", 2022, D(2022, 6, 25)),
    ("6月25日以前完成", 2022, D(2022, 6, 25)),
    ("2022.6.25前", None, D(2022, 6, 25)),
    ("6月底前", 2022, D(2022, 6, 30)),
    ("2022年6月底以前", None, D(2022, 6, 30)),
    ("6月上旬", 2022, D(2022, 6, 10)),
    ("6月中旬", 2022, D(2022, 6, 20)),
    ("6月下旬", 2022, D(2022, 6, 30)),
    ("2022年2月下旬", None, D(2022, 2, 28)),
    ("2022年底", None, D(2022, 12, 31)),
    ("年底", 2022, D(2022, 12, 31)),
    ("年底前", 2023, D(2023, 12, 31)),
    ("6月25日", 2022, D(2022, 6, 25)),
    ("6月25号", 2022, D(2022, 6, 25)),
    ("２０２２年３月底", None, D(2022, 3, 31)),   # full-width digits
    (" 2022 年 3 月 底 ", None, D(2022, 3, 31)),
    ("2022/6月底", None, D(2022, 6, 30)),
    # the phrase's own year wins over the hint
    ("2021年3月底", 2022, D(2021, 3, 31)),
])
def test_date_phrases(text, year, expected):
    assert parse_date(text, year=year) == expected


@pytest.mark.parametrize("text, year, reason", [
    ("年底前后", 2022, "不确定"),
    ("2022年底前后", None, "不确定"),
    ("待定", 2022, "不确定"),
    ("6月左右", 2022, "不确定"),
    ("预计6月底", 2022, "预计"),     # expected, not a fact: the reader warns and leaves the cell out
    ("6月初", 2022, "不确定"),       # 初: no rule says which day
    ("3月-6月", 2022, "不确定"),     # a range
    ("5月至6月", 2022, "不确定"),
    ("上半年", 2022, "不确定"),
    ("3月底", None, "没有写年份"),    # no year in the cell and none given
    ("6月25日前", None, "没有写年份"),
    ("13月底", 2022, "不是存在的日期"),
    ("2022年6月31日前", None, "不是存在的日期"),
    ("2022年5月", None, "只有年月"),  # a month only, where the day is needed
])
def test_uncertain_phrases_are_refused_not_guessed(text, year, reason):
    with pytest.raises(ValueParseError) as exc:
        parse_date(text, year=year)
    assert reason in exc.value.reason
    assert exc.value.hint  # and says what to write


def test_a_date_inside_a_sentence_and_an_expected_date():
    """舒城县's briefing: "一期于3月底全面开工" holds one date phrase (3月底 of the programme's year);
    "预计10月份完工" is what the office expects, a PlannedDate (the reader warns, never stores it)."""
    from lib.uploads.values import PlannedDate
    assert parse_date("一期于3月底全面开工", year=2022) == D(2022, 3, 31)
    assert parse_date("于2022年6月25日全面开工", year=None) == D(2022, 6, 25)
    for text in ("预计10月份完工", "预计于2022年6月25日前全面开工建设", "计划年底前完工"):
        with pytest.raises(PlannedDate):
            parse_date(text, year=2022)
    with pytest.raises(ValueParseError, match="无法识别"):
        parse_date("一期3月底开工、二期5月底开工", year=2022)  # two dates: which one is not guessed


def test_months_as_offices_write_them():
    assert parse_date("2022年5月", allow_month=True) == D(2022, 5, 1)
    assert parse_date("2022.6", allow_month=True) == D(2022, 6, 1)
    assert parse_date(2022.6, allow_month=True) == D(2022, 6, 1)
    assert parse_date("6月", allow_month=True, year=2022) == D(2022, 6, 1)
    assert is_month_only("2022年5月") and is_month_only("6月") and not is_month_only("6月底")
    with pytest.raises(ValueParseError):
        parse_date(2022.1, allow_month=True)  # 1月 or 10月?


@pytest.mark.parametrize("title, year, expected", [
    ("截至2022年5月底", None, D(2022, 5, 31)),
    ("舒城县老旧小区改造项目进展情况（截至2022年5月底）", None, D(2022, 5, 31)),
    ("（截至5月末）", 2022, D(2022, 5, 31)),
    ("截至6月18日", 2022, D(2022, 6, 18)),
    ("数据截止到2022.5.27", None, D(2022, 5, 27)),
    ("填报时间：2022年6月10日", None, D(2022, 6, 10)),
    ("填报日期：2021年6月18日", 2022, D(2021, 6, 18)),
    ("截至6月18日", None, None),             # no year anywhere: not guessed
    ("截至2022年5月", None, None),           # a month is not a day
    ("截至年底前后", 2022, None),
    ("截至2022年5月27日前后", None, None),
    ("西宁市城东区2021年城镇老旧小区改造项目台账", 2021, None),
])
def test_report_date_from_a_title(title, year, expected):
    assert extract_report_date(title, year=year) == expected


@pytest.mark.parametrize("title, expected", [
    ("舒城县2022年城镇老旧小区改造项目计划表", 2022),
    ("2022年度老旧小区改造", 2022),
    ("截至2022.5.27", 2022),
    ("2021-2022年改造计划", None),  # two years: which?
    ("老旧小区改造项目表", None),
    ("联系电话：13912345678", None),
])
def test_year_in_title(title, expected):
    assert year_in_title(title) == expected
