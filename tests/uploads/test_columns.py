"""lib.uploads.columns: columns known by what they hold as well as by their header.

Every header below is checked first to be in NO synonym list (``match_header`` gives
nothing), so what maps it is the value and similarity evidence, not a list; the headers are
invented in the way offices word them, the values are what such a column holds.
"""

from __future__ import annotations

import datetime as dt

import pytest

from lib.uploads.columns import header_evidence
from lib.uploads.headers import match_header
from lib.uploads.reader import read_workbook
from tests.support.corpus import xlsx

NAMES = ["幸福路1号院", "和平小区", "建设巷家属院", "南门小区"]


def unseen(header: str) -> str:
    assert match_header(header)[0] is None, f"{header} is a synonym: the test would not test inference"
    return header


def read(header: list[str], rows: list[list], **kw):
    return read_workbook(xlsx({"title": "表", "rows": [header] + rows}), "表.xlsx", **kw)


@pytest.mark.parametrize("stage_header", ["建设情况", "推进情况", "实施进展", "目前进度", "工程动态", "项目现状",
                                          "本周进展", "建设进度情况", "施工情况"])
def test_a_column_of_stage_words_is_the_stage_column_whatever_its_header(stage_header):
    h = unseen(stage_header)
    words = ["在建", "已完工", "未开工", "施工中"]
    result = read(["序号", "小区名称", "所属县区", h, "形象进度（%）"],
                  [[i + 1, n, "城东区", w, p] for i, (n, w, p) in enumerate(zip(NAMES, words, [50, 100, 0, 20]))])
    assert result.errors == [], [i.message for i in result.errors]
    sheet = result.sheets[0]
    assert sheet.columns["stage"] == (h, "D")
    assert [r.values["stage"] for r in result.rows] == ["开工", "完工", "计划", "开工"]
    # the note says what decided: the words alone, or the words with a header that half says it
    # (工程动态 is close to 工程状态)
    how = {"values": "按内容", "header+values": "按表头和内容"}[sheet.decided_by["stage"]]
    assert any(f"「{h}」列{how}识别为当前阶段" in n for n in result.notes), result.notes
    if h in ("建设情况", "推进情况", "目前进度"):  # headers that say nothing of a stage
        assert sheet.decided_by["stage"] == "values"


def test_a_stage_header_alone_with_the_name_is_a_progress_report():
    h = unseen("推进情况")
    result = read(["小区名称", h, "备注说明"], [[n, w, None] for n, w in zip(NAMES, ["在建", "竣工", "在建", "前期"])])
    assert result.kind == "progress" and result.errors == []
    assert [r.values["stage"] for r in result.rows] == ["开工", "完工", "开工", "前期"]


def test_a_synonym_header_over_stage_words_gives_way_to_the_words():
    result = read(["小区名称", "所属县区", "进度", "累计完成投资（万元）"],
                  [[n, "城东区", w, 10] for n, w in zip(NAMES, ["在建", "已完工", "在建", "交付"])])
    assert result.errors == []
    assert result.sheets[0].columns["stage"] == ("进度", "C")
    assert "progress_pct" not in result.sheets[0].columns
    assert [r.values["stage"] for r in result.rows] == ["开工", "完工", "开工", "验收"]
    assert any("「进度」列填的是阶段" in n and "不是形象进度" in n for n in result.notes)


def test_free_text_under_a_progress_like_header_is_not_a_stage():
    h = unseen("工作进展")
    result = read(["小区名称", "所属县区", "当前阶段", h, "形象进度（%）"],
                  [[n, "城东区", "开工", t, 30] for n, t in zip(NAMES, ["外墙保温完成", "正常推进", "管网开挖", "停水协调"])])
    assert result.sheets[0].columns["stage"] == ("当前阶段", "C")
    assert h not in {c[0] for c in result.sheets[0].columns.values()}
    assert any(h in i.message and "未能识别" in i.message for i in result.warnings)


@pytest.mark.parametrize("header, field, by", [
    ("居住户数（户）", "households", "header"),
    ("涉及群众(户)", "households", "header"),
    ("楼栋(栋)", "buildings", "header"),
    ("楼房栋数", "buildings", "header"),
    ("小区总数(个)", "communities", "header"),
    ("项目估算总额（万元）", "planned_investment_wan", "header"),
    ("是否纳入省级试点", "pilot", "header+values"),
    ("所在区", "county", "header+values"),
])
def test_register_columns_by_header_similarity_and_values(header, field, by):
    h = unseen(header)
    values = {"households": [236, 148, 320, 96], "buildings": [6, 4, 9, 3], "communities": [1, 3, 6, 2],
              "planned_investment_wan": [520, 315.5, 780, 160], "pilot": ["是", "否", "否", "是"],
              "county": ["城东区", "城中区", "城西区", "城北区"]}[field]
    base = ["小区名称", "改造户数（户）", "改造栋数（栋）", "计划总投资（万元）"]
    base_rows = [[n, 100 + i, 3, 200] for i, n in enumerate(NAMES)]
    keep = [i for i, b in enumerate(base) if match_header(b)[0] != field]
    header_row = [base[i] for i in keep] + [h]
    rows = [[r[i] for i in keep] + [v] for r, v in zip(base_rows, values)]
    result = read(header_row, rows)
    assert result.kind == "register"
    sheet = result.sheets[0]
    assert sheet.columns[field][0] == h, sheet.columns
    assert sheet.decided_by[field] == by
    expected = [True, False, False, True] if field == "pilot" else values
    assert [r.values[field] for r in result.rows] == expected


def test_dates_percentages_and_money_by_header_and_values():
    h_start, h_pct, h_inv = unseen("实际开工"), unseen("完成率"), unseen("投资完成额（万元）")
    result = read(["小区名称", "所属县区", "当前阶段", h_start, h_pct, h_inv],
                  [["幸福路1号院", "城东区", "开工", "2022年3月底", "45%", "1,234.5"],
                   ["和平小区", "城东区", "完工", dt.datetime(2022, 4, 2), "100%", 820]])
    assert result.errors == [], [i.message for i in result.errors]
    sheet = result.sheets[0]
    assert sheet.columns["started_on"][0] == h_start and sheet.decided_by["started_on"] == "header+values"
    assert sheet.columns["progress_pct"][0] == h_pct and sheet.decided_by["progress_pct"] == "values"  # the % signs
    assert sheet.columns["invested_wan"][0] == h_inv
    r1, r2 = result.rows
    assert (r1.values["started_on"], r1.values["progress_pct"], r1.values["invested_wan"]) == \
        (dt.date(2022, 3, 31), 45.0, 1234.5)
    assert (r2.values["started_on"], r2.values["progress_pct"], r2.values["invested_wan"]) == \
        (dt.date(2022, 4, 2), 100.0, 820.0)


def test_a_ratio_of_something_else_is_not_the_progress():
    h = unseen("资金拨付率")
    result = read(["小区名称", "所属县区", "当前阶段", h], [[n, "城东区", "开工", "30%"] for n in NAMES])
    assert "progress_pct" not in result.sheets[0].columns


def test_columns_that_say_nothing_stay_unread():
    result = read(["小区名称", "所属县区", "改造户数（户）", "改造栋数（栋）", unseen("联系人"), unseen("施工单位"),
                   unseen("监理单位")],
                  [[n, "城东区", 100, 3, "张三", "某建工集团", "某监理公司"] for n in NAMES])
    assert set(result.sheets[0].columns) == {"name", "county", "households", "buildings"}
    warning = next(i.message for i in result.warnings if "未能识别" in i.message)
    for h in ("联系人", "施工单位", "监理单位"):
        assert h in warning


def test_a_unit_rules_out_fields_measured_otherwise():
    # 居民 is in 居民户数 (households) and 居民出资 (residents' money): the unit 户 says which.
    h = unseen("居民(户)")
    result = read(["小区名称", "所属县区", "改造栋数（栋）", h], [[n, "城东区", 3, 100 + i] for i, n in enumerate(NAMES)])
    assert result.sheets[0].columns["households"][0] == h
    assert "fund_residents" not in result.sheets[0].columns


def test_a_weak_required_column_is_named_in_the_message_not_taken():
    h = unseen("受益群众")
    result = read(["小区名称", "所属县区", "改造栋数（栋）", "计划总投资（万元）", h],
                  [[n, "城东区", 3, 200, 100 + i] for i, n in enumerate(NAMES)])
    sheet = result.sheets[0]
    assert "households" not in sheet.columns
    assert sheet.probable == {"households": (h, "E")}
    [w] = [i for i in result.warnings if "未找到改造户数列" in i.message]
    assert "「受益群众」（E列）是否为改造户数" in w.message and "改造户数（户）" in w.message


def test_two_unseen_columns_of_counts_do_not_both_become_households():
    a, b = unseen("涉及群众(户)"), unseen("居民(户)")
    result = read(["小区名称", "所属县区", "改造栋数（栋）", a, b], [[n, "城东区", 3, 100, 90] for n in NAMES])
    assert list(result.sheets[0].columns).count("households") == 1


@pytest.mark.parametrize("header, field", [
    ("涉及住户", "households"), ("楼栋", "buildings"), ("所属区", "county"), ("小区个数", "communities"),
    ("投资完成额", "invested_wan"), ("目前状态", "stage"), ("建成年份", "year_built"), ("已拨付", "paid_wan"),
])
def test_header_evidence_points_at_the_field(header, field):
    scores = header_evidence(header)
    assert max(scores, key=scores.get) == field, sorted(scores.items(), key=lambda x: -x[1])[:3]


def test_a_column_mostly_of_stage_words_is_the_stage_column_and_its_sentences_are_refused():
    h = unseen("建设情况")
    words = ["在建", "已完工", "主体完工，正在进行附属工程", "施工中", "竣工"]
    result = read(["小区名称", "所属县区", h, "形象进度（%）"],
                  [[f"小区{i}", "城东区", w, 50] for i, w in enumerate(words)])
    assert result.sheets[0].columns["stage"] == (h, "C")
    assert [r.values["stage"] for r in result.rows] == ["开工", "完工", None, "开工", "完工"]
    [err] = result.errors
    assert err.row == 4 and "无法识别为阶段" in err.message and "长效管理" in err.message
