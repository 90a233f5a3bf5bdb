"""lib.uploads.reader: the tolerant reader against the corpus of real-looking uploads."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from lib.uploads.reader import (
    FIELD_LABELS_ZH,
    FIELD_SYNONYMS,
    FIELD_TYPES,
    PROGRESS_FIELDS,
    REGISTER_FIELDS,
    Issue,
    ReadResult,
    ValueParseError,
    extract_report_date,
    match_header,
    normalize_header,
    normalize_text,
    parse_bool,
    parse_date,
    parse_int,
    parse_number,
    parse_percent,
    parse_quantity,
    read_workbook,
    resolve_percent_column,
)
from tests.support.corpus import CORPUS, CorpusEntry, IssueSpec

D = dt.date
BY_NAME = {e.name: e for e in CORPUS}


def read(entry: CorpusEntry) -> ReadResult:
    return read_workbook(entry.data, entry.filename, **entry.expected.read_kwargs)


def _matches(issue: Issue, spec: IssueSpec) -> bool:
    if not all(s in issue.message for s in spec.contains):
        return False
    if spec.file_level and issue.sheet is not None:
        return False
    if spec.sheet is not None and issue.sheet != spec.sheet:
        return False
    if spec.row is not None and issue.row != spec.row:
        return False
    if spec.column is not None and (issue.column is None or spec.column not in issue.column):
        return False
    return True


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 30
    assert len({e.name for e in CORPUS}) == len(CORPUS)
    assert sum(e.expected.ok for e in CORPUS) >= 25


@pytest.mark.parametrize("entry", CORPUS, ids=[e.name for e in CORPUS])
def test_corpus_entry(entry: CorpusEntry):
    exp = entry.expected
    result = read(entry)
    messages = [i.message for i in result.issues]
    if exp.ok:
        assert result.errors == [], messages
    else:
        assert result.errors, messages
    for spec in exp.errors:
        assert any(_matches(i, spec) for i in result.errors), (spec, messages)
    for spec in exp.warnings:
        assert any(_matches(i, spec) for i in result.warnings), (spec, messages)
    if exp.kind is not None:
        assert result.kind == exp.kind
    if exp.file_format is not None:
        assert result.file_format == exp.file_format
    if exp.encoding is not None:
        assert result.encoding == exp.encoding
    if exp.header_row is not None:
        assert result.sheets[0].header_row == exp.header_row
        assert result.sheets[0].header_rows == exp.header_rows
    assert result.report_date == exp.report_date
    if exp.n_rows is not None:
        assert len(result.rows) == exp.n_rows, [(r.row_number, r.values.get("name")) for r in result.rows]
    by_row = {r.row_number: r for r in (result.sheets[0].rows if result.sheets else [])}
    for row_number, values in exp.values.items():
        assert row_number in by_row, (row_number, sorted(by_row))
        got = {k: by_row[row_number].values.get(k, "<missing column>") for k in values}
        assert got == values
    for issue in result.issues:
        assert issue.severity in ("error", "warning")
        assert issue.message.endswith("。"), issue.message


def test_bad_files_have_no_rows_and_only_file_level_errors():
    for name in ("pdf", "png", "random_bytes", "empty_file", "docx", "html_saved_as_xls", "csv_unknown_encoding",
                 "oversized", "too_many_rows", "password_protected_handmade", "mixed_kinds", "empty_sheet"):
        result = read(BY_NAME[name])
        assert result.rows == [] and result.sheets == [], name
        assert all(i.sheet is None and i.row is None for i in result.errors), name


# --------------------------------------------------------------------------
# Specific expectations on good files
# --------------------------------------------------------------------------


def test_template_columns_and_raw_text():
    result = read(BY_NAME["template_register"])
    sheet = result.sheets[0]
    assert sheet.name == "项目台账"
    assert sheet.columns["households"] == ("改造户数（户）", "I")
    assert sheet.columns["name"] == ("小区名称", "C")
    assert "_seq" not in sheet.columns
    row = sheet.rows[0]
    assert row.sheet == "项目台账" and row.row_number == 2
    assert row.raw["households"] == "236"
    assert row.raw["planned_start"] == "2021-04-01"
    assert row.invalid_fields == []
    assert any("已识别为项目台账" in n for n in result.notes)
    assert set(row.values) <= set(REGISTER_FIELDS)


def test_progress_rows_only_have_progress_fields():
    result = read(BY_NAME["template_progress"])
    for row in result.rows:
        assert set(row.values) <= set(PROGRESS_FIELDS)
    assert any("已识别为进度填报表" in n for n in result.notes)


def test_two_row_header_names_parent_and_child():
    sheet = read(BY_NAME["two_row_header_investment"]).sheets[0]
    assert sheet.columns["invested_wan"] == ("累计完成投资/金额（万元）", "E")
    assert sheet.columns["progress_pct"] == ("形象进度（%）", "D")
    funds = read(BY_NAME["two_row_header_funds"]).sheets[0]
    assert funds.columns["fund_central"] == ("资金来源（万元）/中央补助", "D")


def test_unmerged_group_parent_applies_to_the_children_on_its_right():
    data = ("小区名称,所属县区,户数,资金来源（元）,,\n"
            ",,,中央补助,省级补助,市县配套\n"
            "南山小区,格尔木市,320,2600000,900000,4000000\n").encode()
    result = read_workbook(data, "t.csv")
    assert result.errors == [] and result.sheets[0].header_rows == 2
    assert {k: result.rows[0].values[k] for k in ("fund_central", "fund_provincial", "fund_local")} == {
        "fund_central": 260.0, "fund_provincial": 90.0, "fund_local": 400.0}
    assert result.sheets[0].columns["fund_local"] == ("资金来源（元）/市县配套", "F")


def test_money_header_without_unit_warns_but_table_unit_note_is_used():
    shuffled = read(BY_NAME["subtitle_jiezhi_and_unit_note"])
    assert not any("没有注明金额单位" in w.message for w in shuffled.warnings)
    two_sheets = read(BY_NAME["template_register"])
    assert not any("没有注明" in w.message for w in two_sheets.warnings)


def test_units_row_replaces_missing_header_units():
    result = read(BY_NAME["units_row_under_header"])
    assert not any("没有注明" in w.message for w in result.warnings)
    assert [r.row_number for r in result.rows] == [3]


def test_money_without_any_unit_is_read_as_wan_with_a_warning():
    data = "小区名称,所属县区,户数,计划投资\n建国路1号院,城东区,236,520\n".encode()
    result = read_workbook(data, "t.csv")
    assert result.rows[0].values["planned_investment_wan"] == 520.0
    [w] = result.warnings
    assert "「计划投资」（D列）表头没有注明金额单位，已按“万元”读取" in w.message


def test_totals_and_notes_are_skipped():
    result = read(BY_NAME["totals_blanks_notes"])
    names = [r.values["name"] for r in result.rows]
    assert names == ["建国路1号院", "八一路家属院", "南山小区"]
    assert any("跳过了2个合计/小计行" in n for n in result.notes)


def test_hidden_and_instruction_sheets_are_not_read():
    result = read(BY_NAME["instructions_and_hidden_sheets"])
    assert [s.name for s in result.sheets] == ["城西区"]
    assert any("说明页" in n for n in result.notes)
    assert any("隐藏的工作表「下拉选项」" in n for n in result.notes)
    xls = read(BY_NAME["xls_legacy"])
    assert [s.name for s in xls.sheets] == ["进度"]


def test_two_sheets_rows_keep_their_sheet():
    result = read(BY_NAME["two_county_sheets"])
    assert [(r.sheet, r.row_number, r.values["name"]) for r in result.rows] == [
        ("城东区", 2, "建国路1号院"), ("城北区", 2, "北山小区"), ("城北区", 3, "小桥大街小区")]


def test_bad_cells_keep_raw_text_and_row():
    result = read(BY_NAME["bad_cell_values"])
    row = result.rows[0]
    assert row.raw["started_on"] == "2021年6月"
    assert row.raw["progress_pct"] == "约60%"
    assert set(row.invalid_fields) == {"started_on", "progress_pct", "invested_wan", "lifts_added"}
    issue = next(i for i in result.errors if i.row == 2 and i.column.startswith("开工日期"))
    assert issue.to_dict() == {
        "severity": "error", "sheet": "进度", "row": 2, "column": "开工日期（D列）", "value": "2021年6月",
        "message": "工作表「进度」第2行「开工日期」（D列）的值「2021年6月」只有年月，没有具体日期，"
                   "请填写到日，如 2021年6月18日。"}


def test_csv_issue_names_the_file():
    data = "小区名称,所属县区,当前阶段,形象进度（%）\n建国路1号院,城东区,开工,很快\n".encode()
    result = read_workbook(data, "城东区.csv")
    [issue] = result.errors
    assert issue.message.startswith("文件「城东区.csv」第2行「形象进度（%）」（D列）的值「很快」")


def test_planned_month_only_is_first_of_month_with_warning():
    data = ("小区名称,所属县区,户数,计划开工时间,计划完工时间\n"
            "建国路1号院,城东区,236,2021年4月,2021.10\n").encode()
    result = read_workbook(data, "台账.csv")
    assert result.errors == []
    assert result.rows[0].values["planned_start"] == D(2021, 4, 1)
    assert result.rows[0].values["planned_finish"] == D(2021, 10, 1)
    assert sum("只填写到月" in w.message for w in result.warnings) == 2


def test_merged_numeric_cell_over_rows_is_counted_once():
    from tests.support.corpus import xlsx

    data = xlsx({"title": "台账", "rows": [["小区名称", "所属县区", "户数", "计划总投资（万元）"],
                                          ["建国路1号院", "城东区", 236, 900],
                                          ["建国路2号院", "城东区", 100, None]],
                 "merges": ["D2:D3"]})
    result = read_workbook(data, "t.xlsx")
    assert [r.values["planned_investment_wan"] for r in result.rows] == [900.0, None]
    [w] = [w for w in result.warnings if w.row == 3]
    assert "与第2行合并，数值只计入第2行" in w.message


def test_progress_file_with_bare_lift_column_reads_lifts_added():
    data = "小区名称,当前阶段,形象进度,加装电梯（部）\n建国路1号院,开工,30,2\n".encode()
    result = read_workbook(data, "p.csv")
    assert result.kind == "progress"
    assert result.rows[0].values["lifts_added"] == 2


def test_forced_kind_is_respected():
    entry = BY_NAME["template_progress"]
    result = read_workbook(entry.data, entry.filename, kind="progress")
    assert result.kind == "progress" and not result.errors
    with pytest.raises(ValueError):
        read_workbook(entry.data, entry.filename, kind="plan")


def test_row_limit_counts_data_rows_only():
    entry = BY_NAME["too_many_rows"]
    assert not read_workbook(entry.data, entry.filename, max_rows=40).errors


def test_fuzz_never_raises():
    rng = random.Random(2021)
    good = BY_NAME["template_register"].data
    for i in range(40):
        blob = bytearray(good)
        for _ in range(rng.randint(1, 20)):
            blob[rng.randrange(len(blob))] = rng.randrange(256)
        result = read_workbook(bytes(blob[: rng.randint(0, len(blob))]), "x.xlsx")
        assert isinstance(result, ReadResult)
    for ext in ("csv", "xls", "xlsx", ""):
        assert read_workbook(rng.randbytes(500), "x." + ext).errors


# --------------------------------------------------------------------------
# Value parsing
# --------------------------------------------------------------------------


@pytest.mark.parametrize("value, expected", [
    ("120", 120.0), (120, 120.0), (3.5, 3.5), ("１２０", 120.0), ("３．５", 3.5), ("1,234", 1234.0),
    ("1，234", 1234.0), ("12,345,678.9", 12345678.9), ("120户", 120.0), ("3.5万元", 3.5), (" 88 ", 88.0),
    ("", None), (None, None), ("-", None), ("—", None), ("/", None), ("无", None), ("１，２３４．５", 1234.5),
    ("-12.5", -12.5), ("1.2E+3", 1200.0), ("¥500", 500.0), ('="630102001"', 630102001.0),
])
def test_parse_number(value, expected):
    assert parse_number(value) == expected


@pytest.mark.parametrize("value", ["约120", "120余", "1,23", "12,34,567", "100-120", "abc", "1.2.3", True,
                                   D(2021, 1, 1), float("nan")])
def test_parse_number_rejects(value):
    with pytest.raises(ValueParseError):
        parse_number(value)


def test_parse_quantity_keeps_unit():
    assert parse_quantity("35000元") == (35000.0, "元")
    assert parse_quantity("2.6万m²") == (2.6, "万m2")
    assert parse_quantity("26000㎡") == (26000.0, "m2")
    assert parse_quantity("75%") == (75.0, "%")


def test_parse_int():
    assert parse_int("148户") == 148
    assert parse_int(236.0) == 236
    assert parse_int(None) is None
    with pytest.raises(ValueParseError, match="不是整数"):
        parse_int("12.5")


def test_parse_percent_and_column_rule():
    assert parse_percent("75%") == (75.0, True)
    assert parse_percent("７５％") == (75.0, True)
    assert parse_percent(75) == (75.0, False)
    assert parse_percent(0.75) == (0.75, False)
    assert parse_percent(0.75, percent_format=True) == (75.0, True)
    assert parse_percent("") == (None, False)
    with pytest.raises(ValueParseError):
        parse_percent("120户")
    # all <= 1: fractions
    assert resolve_percent_column([(0.75, False), (1.0, False), (None, False)]) == ([75.0, 100.0, None], True)
    # any value > 1: keep numbers as written
    assert resolve_percent_column([(0.75, False), (80.0, False)]) == ([0.75, 80.0], False)
    # written with %: kept even in a column of fractions
    assert resolve_percent_column([(0.5, True), (0.75, False)]) == ([0.5, 75.0], True)
    assert resolve_percent_column([(50.0, True), (0.75, False)]) == ([50.0, 0.75], False)
    assert resolve_percent_column([]) == ([], False)


@pytest.mark.parametrize("value", [
    "2021.06.18", "2021/6/18", "2021-06-18", "2021年6月18日", "2021年6月18号", "20210618", 20210618, 44365,
    44365.5, "44365", dt.datetime(2021, 6, 18, 9, 30), D(2021, 6, 18), "2021-06-18 00:00:00", "２０２１．６．１８",
    " 2021 年 6 月 18 日 ",
])
def test_parse_date(value):
    assert parse_date(value) == D(2021, 6, 18)


@pytest.mark.parametrize("value, reason", [
    ("21.6.18", "两位"), ("2021年6月", "只有年月"), ("2021-02-30", "不是存在的日期"), ("6月18日", "没有写年份"),
    (2021.1, "1月还是10月"), (123, "无法识别"), ("1900-01-01", "年份"), ("下月", "无法识别"),
])
def test_parse_date_rejects(value, reason):
    with pytest.raises(ValueParseError) as exc:
        parse_date(value)
    assert reason in exc.value.reason


def test_parse_date_month_and_epoch():
    assert parse_date("2021年6月", allow_month=True) == D(2021, 6, 1)
    assert parse_date(2021.06, allow_month=True) == D(2021, 6, 1)
    assert parse_date(42903, epoch=D(1904, 1, 1)) == D(2021, 6, 18)
    assert parse_date(None) is None and parse_date("") is None and parse_date("/") is None


@pytest.mark.parametrize("value, expected", [
    ("是", True), ("否", False), ("Y", True), ("n", False), ("√", True), ("×", False), (1, True), (0, False),
    ("TRUE", True), ("false", False), (True, True), ("", None), (None, None), ("１", True),
])
def test_parse_bool(value, expected):
    assert parse_bool(value) is expected


def test_parse_bool_rejects():
    with pytest.raises(ValueParseError, match="是.*否"):
        parse_bool("是的吧")


def test_normalize_text():
    assert normalize_text("\u3000建国路１号院 ") == "建国路1号院"
    assert normalize_text("八一路   家属院") == "八一路 家属院"
    assert normalize_text("ＡＢＣ小区（一期）") == "ABC小区（一期）"
    assert normalize_text("  ") is None
    assert normalize_text(630102001.0) == "630102001"


@pytest.mark.parametrize("header, expected", [
    ("改造户数（户）", ("households", "户")), ("户数", ("households", None)), ("涉及户数", ("households", None)),
    ("居民户数\n（户）", ("households", "户")), ("完成投资（万元）", ("invested_wan", "万元")),
    ("累计完成投资", ("invested_wan", None)), ("已完成投资", ("invested_wan", None)),
    ("形象进度", ("progress_pct", None)), ("完成比例", ("progress_pct", None)), ("工程进度（%）", ("progress_pct", "%")),
    ("小区名称", ("name", None)), ("项目名称", ("name", None)), ("*小区名称", ("name", None)),
    ("※项目编号", ("code", None)), ("编码", ("code", None)), ("所属县区", ("county", None)),
    ("县（市、区）", ("county", None)), ("区县", ("county", None)), ("所属市州", ("prefecture", None)),
    ("市州", ("prefecture", None)), ("建筑面积（m²）", ("floor_area_wan_m2", "m2")),
    ("建筑面积(万平方米)", ("floor_area_wan_m2", "万平方米")), ("总投资（元）", ("planned_investment_wan", "元")),
    ("开工时间（年/月/日）", ("started_on", None)), ("当前阶段", ("stage", None)), ("序号", ("_seq", None)),
    ("累计完成投资占比", (None, None)), ("联系人", (None, None)),
])
def test_match_header(header, expected):
    assert match_header(header) == expected


def test_normalize_header():
    assert normalize_header(" 形象进度\n（％） ") == "形象进度(%)"
    assert normalize_header("建筑面积【㎡】") == "建筑面积(m2)"


def test_extract_report_date():
    assert extract_report_date("填报单位：城东区住建局    填报日期：2021年6月18日") == D(2021, 6, 18)
    assert extract_report_date("（截至2021年6月18日）") == D(2021, 6, 18)
    assert extract_report_date("统计截止日期:2021-06-18") == D(2021, 6, 18)
    assert extract_report_date("西宁市城东区2021年城镇老旧小区改造项目台账") is None
    assert extract_report_date("截至6月18日") is None


def test_shared_constants_cover_all_fields():
    all_fields = set(REGISTER_FIELDS) | set(PROGRESS_FIELDS)
    assert set(FIELD_LABELS_ZH) == all_fields
    assert set(FIELD_TYPES) == all_fields
    assert set(FIELD_SYNONYMS) == all_fields
    # every template label is read back as its own field
    for fld, label in FIELD_LABELS_ZH.items():
        assert match_header(label)[0] == fld, label
