"""The words offices write for a community's stage, and how the reader takes them.

The expected stage of each word is written here by hand from the domain's stages
(储备 → 计划 → 前期 → 开工 → 完工 → 验收 → 长效管理) and the rules in the table of
lib.domain.vocabulary, not read from that table.
"""

from __future__ import annotations

import pytest

from lib.domain import vocabulary
from lib.uploads.reader import read_workbook
from tests.support.corpus import xlsx

WORDS = {
    "储备": "储备", "项目储备": "储备", "入库": "储备",
    "计划": "计划", "列入计划": "计划", "未开工": "计划", "尚未开工": "计划", "待开工": "计划",
    "前期": "前期", "前期手续": "前期", "前期工作": "前期", "方案设计": "前期", "招投标": "前期", "立项": "前期",
    "开工": "开工", "已开工": "开工", "新开工": "开工", "在建": "开工", "施工中": "开工", "正在施工": "开工",
    "建设中": "开工", "进场施工": "开工",
    "完工": "完工", "主体完工": "完工", "已完工": "完工", "竣工": "完工", "已竣工": "完工", "完成": "完工",
    "已完成": "完工", "待验收": "完工",
    "验收": "验收", "已验收": "验收", "竣工验收": "验收", "通过验收": "验收", "交付": "验收", "交付使用": "验收",
    "长效管理": "长效管理", "物业管理": "长效管理", "已移交": "长效管理", "长效管护": "长效管理",
}


@pytest.mark.parametrize("word, stage", sorted(WORDS.items()))
def test_office_words_name_their_stage(word, stage):
    assert vocabulary.stage_from_text(word).zh == stage


@pytest.mark.parametrize("written, stage", [
    (" 在 建 ", "开工"), ("已完工。", "完工"), ("工程已开工", "开工"), ("项目已竣工", "完工"), ("施工阶段", "开工"),
    ("前期阶段", "前期"), ("Started", "开工"), ("ＳＴＡＲＴＥＤ", "开工"), ("finished", "完工"), ("已验收；", "验收"),
])
def test_written_variants(written, stage):
    assert vocabulary.stage_from_text(written).zh == stage


@pytest.mark.parametrize("word", ["基本完工", "部分完工", "停工", "待定", "主体完工，正在进行附属工程", "60%", "项目",
                                  "阶段", "", None])
def test_words_that_name_no_stage(word):
    assert vocabulary.stage_from_text(word) is None


def test_every_accepted_word_is_in_the_table_and_means_one_stage():
    words = vocabulary.stage_words()
    assert len(words) == len(set(words))
    doc = open(vocabulary.__file__, encoding="utf-8").read()
    table = doc[doc.index("# | stage"):doc.index("STAGES: tuple")]
    for w in words:
        assert w in table, f"{w} is accepted but not documented"
    for w in WORDS:
        assert w in words


def test_refusal_lists_the_stages_and_common_words():
    msg = vocabulary.stage_refusal("基本完工")
    assert "基本完工" in msg
    for s in ("储备", "计划", "前期", "开工", "完工", "验收", "长效管理", "在建", "已完工", "竣工"):
        assert s in msg


def test_not_started_words_read_as_plan():
    for w in vocabulary.NOT_STARTED_WORDS:
        assert vocabulary.stage_from_text(w).code == "plan"


def _progress(stages: list[str]) -> bytes:
    rows = [["小区名称", "所属县区", "当前阶段", "形象进度（%）"]]
    rows += [[f"幸福路{i}号院", "城东区", s, 50] for i, s in enumerate(stages)]
    return xlsx({"title": "进度", "rows": rows})


def test_reader_keeps_the_office_word_in_raw_and_the_stage_in_values():
    result = read_workbook(_progress(["在建", "主体完工", "交付"]), "进度.xlsx")
    assert result.errors == []
    assert [r.values["stage"] for r in result.rows] == ["开工", "完工", "验收"]
    assert [r.raw["stage"] for r in result.rows] == ["在建", "主体完工", "交付"]


def test_reader_refuses_an_unknown_stage_word_naming_the_cell_and_the_accepted_words():
    result = read_workbook(_progress(["在建", "基本完工"]), "进度.xlsx")
    [err] = result.errors
    assert err.row == 3 and err.column == "当前阶段（C列）" and err.value == "基本完工"
    assert "「基本完工」" in err.message and "储备、计划、前期、开工、完工、验收、长效管理" in err.message
    bad = result.rows[1]
    assert "stage" in bad.invalid_fields and bad.values["stage"] is None
