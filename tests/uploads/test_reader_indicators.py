"""Indicator tables (民生实事 进度表): no region column, the region in the title, one row per indicator.

The published layouts are in tests/real/ledgers (changsha_furong_2021_indicator,
yueyang_yueyanglou_2022_oct_indicators); these tests hold the refusals: a table whose title names
no region, and a 老旧小区 indicator that does not say whether it counts starts or completions.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from lib.access import programmes
from lib.access.auth import Actor
from lib.domain.errors import UserError
from lib.figures import metrics
from lib.uploads import aggregate, regiontables
from tests.real.ledgers import build_xlsx
from tests.real.ledgers import changsha_furong_2021_indicator as furong


def _xlsx(rows: list[list]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEADER = ["指标名称", "全年任务目标(个)", "实际完成(个)", "完成进度"]


def test_indicator_table_reads_the_programme_row_for_the_region_in_its_title():
    data = _xlsx([["2021年芙蓉区重点民生实事项目情况公示"], HEADER,
                  ["新增公办幼儿园学位", 900, 900, "100%"],
                  ["完工城镇老旧小区", 12, 9, "75%"]])
    table = regiontables.read_region_table(data, "t.xlsx", "430100")
    assert [r.region for r in table.rows] == ["430102"]
    assert table.rows[0].values == {"planned_communities": 12.0, "completed_communities": 9.0,
                                    "completion_rate": 75.0}
    assert table.kind == "progress" and table.errors == []
    assert "芙蓉区" in table.notes[0]


def test_indicator_table_whose_title_names_no_region_is_refused():
    data = _xlsx([["2021年重点民生实事项目情况公示"], HEADER, ["开工建设城镇老旧小区", 15, 15, "100%"]])
    with pytest.raises(UserError) as refused:
        regiontables.read_region_table(data, "t.xlsx", "430100")
    assert "标题也没有写明是哪个地区" in refused.value.zh


def test_indicator_that_says_neither_start_nor_completion_is_refused_not_guessed():
    data = _xlsx([["2021年芙蓉区重点民生实事项目情况公示"], HEADER, ["城镇老旧小区改造", 15, 15, "100%"]])
    table = regiontables.read_region_table(data, "t.xlsx", "430100")
    assert table.rows == []
    assert len(table.errors) == 1 and "没有说明是开工还是完工" in table.errors[0].message


def test_furong_indicator_table_is_an_aggregate_upload_with_its_15_of_15(empty_store):
    """芙蓉区's 公示 as published goes in as the district's reported figures: 15 to start, 15 started."""
    admin = Actor(username="boss", role="admin")
    pid = programmes.create(empty_store, admin, name="芙蓉区2021年重点民生实事", region=furong.WITHIN,
                            years="2021-2021")["id"]
    data = build_xlsx(furong)
    assert aggregate.looks_like(data, "芙蓉区.xlsx", furong.WITHIN) is not None  # the upload page routes it here
    out = aggregate.import_aggregate(empty_store, data, "芙蓉区.xlsx", pid, actor=admin, as_of="2021-12-15")
    assert out["status"] == "committed", out
    assert out["regions"] == [furong.WITHIN]
    c = metrics.summary(empty_store, pid)["totals"]["communities"]
    assert (c["target"], c["started"], c["start_rate"]) == (15, 15, 1.0)
