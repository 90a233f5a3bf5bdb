"""The field table: every list of fields elsewhere is read from it, so its facts are pinned here."""

from __future__ import annotations

from lib.domain import fields, vocabulary
from lib.figures import metrics
from lib.uploads import headers, reader, templates


def test_template_headers_carry_their_units():
    assert fields.get("households").zh == "改造户数（户）"
    assert fields.get("floor_area_wan_m2").zh == "建筑面积（万平方米）"
    assert fields.get("progress_pct").zh == "形象进度（%）"
    assert fields.get("fund_central").zh == "中央补助资金（万元）"
    assert fields.get("name").zh == "小区名称"
    assert fields.get("year_built").zh == "建成年代（年）"


def test_screen_labels_in_both_languages():
    assert fields.label("households") == "户数（户）"
    assert fields.label("households", "en") == "Households"
    assert fields.label("prefecture") == "市（州）"
    assert fields.label("paid_wan") == "累计资金支付（万元）"
    assert fields.label("paid_wan", "en") == "Paid (10k yuan)"
    assert fields.label("floor_area_wan_m2", "en") == "Floor area (10k m²)"
    assert fields.label("report_date") == "最近填报日期"
    assert fields.label("code") == "项目编号"
    # every field has an English label without Chinese in it
    for f in fields.FIELDS:
        assert f.en and not any("\u4e00" <= ch <= "\u9fff" for ch in f.en), f.key


def test_kinds_and_templates():
    assert fields.PROGRESS_FIELDS == (
        "code", "name", "prefecture", "county", "stage", "started_on", "finished_on", "accepted_on",
        "progress_pct", "invested_wan", "paid_wan", "lifts_added", "problems", "measures", "correction",
        "report_date", "remarks")
    assert len(fields.REGISTER_FIELDS) == 32 and "communities" in fields.REGISTER_FIELDS  # + 涉及小区数 (project rows)
    assert fields.REGISTER_FIELDS[:4] == ("code", "name", "prefecture", "county")
    assert fields.REGISTER_FIELDS[-3:] == ("plan_years", "pilot", "remarks")
    assert templates.PROGRESS_COLUMNS == (
        "code", "name", "county", "stage", "started_on", "finished_on", "accepted_on", "progress_pct",
        "invested_wan", "paid_wan", "lifts_added", "problems", "correction")
    assert "prefecture" not in templates.REGISTER_COLUMNS and "remarks" in templates.REGISTER_COLUMNS
    assert templates.REQUIRED == {"progress": {"name", "stage"}, "register": {"name", "county", "households"}}
    assert fields.FUND_FIELDS == tuple(f"fund_{s.key}" for s in vocabulary.FUNDING_SOURCES)


def test_internal_fields():
    assert fields.INTERNAL == ("problems", "measures", "remarks")


def test_derived_lists_read_the_table():
    assert reader.FIELD_LABELS_ZH["paid_wan"] == "累计支付资金（万元）"
    assert reader.FIELD_TYPES["fund_loans"] == "money"
    assert reader.FIELD_TYPES["pilot"] == "bool"
    assert "累计完成投资" in reader.FIELD_SYNONYMS["invested_wan"]
    assert headers.PROGRESS_DECISIVE == {"stage", "progress_pct", "invested_wan"}
    assert metrics.REGISTER_COLUMNS["households"] == "户数（户）"
    assert metrics.REGISTER_COLUMNS["id"] == "内部编号"
    assert list(metrics.REGISTER_COLUMNS)[:4] == ["code", "name", "prefecture", "county"]


def test_amounts_are_counts_areas_and_money():
    amounts = {f.key for f in fields.FIELDS if f.is_amount}
    assert {"households", "buildings", "lifts_planned", "lifts_added", "floor_area_wan_m2",
            "planned_investment_wan", "invested_wan", "paid_wan", "fund_social"} <= amounts
    assert not amounts & {"year_built", "lon", "lat", "progress_pct", "id"}
