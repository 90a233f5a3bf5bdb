"""lib.access.programmes: an office sets up its own programme at any level, changes it, archives it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from lib.access import programmes
from lib.access.auth import Actor
from lib.domain.errors import NotFound, PermissionDenied, UserError
from lib.figures import content, metrics
from lib.store.models import AuditLog, Programme, Project

ADMIN = Actor(username="boss", role="admin")
LEADER = Actor(username="lead", role="leader")


@pytest.mark.parametrize("region,years,adcode,expect_years", [
    ("100000", "2023", "100000", [2023, 2023]),           # the nation
    ("山东省", "2022-2024", "370000", [2022, 2024]),       # a province by name
    ("德州市", "2022", "371400", [2022, 2022]),             # a prefecture by name
    ("341523", "2022至2023年", "341523", [2022, 2023]),     # a county (舒城县) by code
])
def test_a_programme_at_every_level(empty_store, region, years, adcode, expect_years):
    out = programmes.create(empty_store, ADMIN, name="测试计划", region=region, years=years, source="某某文件")
    assert out["region"]["adcode"] == adcode and out["years"] == expect_years and out["status"] == "active"
    listed = {p["id"]: p for p in metrics.list_programmes(empty_store)}
    assert listed[out["id"]]["region"]["adcode"] == adcode and listed[out["id"]]["source"] == "某某文件"
    # the summary of an empty programme works at its level, the nation included
    summary = metrics.summary(empty_store, out["id"])
    assert summary is not None


def test_settings_are_validated_and_audited(empty_store):
    p = programmes.create(empty_store, ADMIN, name="茌平区2021年老旧小区改造", region="371503", years="2021",
                          eligibility_year=2005, season=("03-01", "11-30"), report_weekday=2,
                          report_deadline="17:00", subsidy={"per_household_wan": 0.8}, metrics=["communities", "试点"])
    assert p["eligibility_year"] == 2005 and p["season"] == ["03-01", "11-30"]
    assert p["report_weekday"] == 2 and p["report_deadline"] == "17:00"
    assert p["subsidy"] == {"per_household_wan": 0.8} and p["metrics"] == ["communities", "pilots"]
    for bad, needle in [({"season": ("11-30", "03-01")}, "应早于结束"), ({"report_deadline": "25:00"}, "HH:MM"),
                        ({"years": "2024-2022"}, "不晚于结束年份"), ({"metrics": "电梯数"}, "统计指标“电梯数”无效"),
                        ({"subsidy": "per_floor=3"}, "补助标准“per_floor”无效"), ({"eligibility_year": "两千年"}, "四位年份"),
                        ({"region": "火星"}, "找不到地名“火星”")]:
        with pytest.raises(UserError) as e:
            programmes.update(empty_store, ADMIN, p["id"], **bad)
        assert needle in e.value.zh, e.value.zh
    out = programmes.update(empty_store, ADMIN, p["id"], years="2021-2022", name="茌平区老旧小区改造（2021-2022）")
    assert out["years"] == [2021, 2022]
    with empty_store.session() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.entity == "programme").order_by(AuditLog.id)).all()
    assert [r.action for r in rows] == ["programme.create", "programme.update"]
    assert rows[1].before == {"name": "茌平区2021年老旧小区改造", "years": [2021, 2021]}
    assert rows[1].after == {"name": "茌平区老旧小区改造（2021-2022）", "years": [2021, 2022]}
    with pytest.raises(PermissionDenied):
        programmes.update(empty_store, LEADER, p["id"], name="x")
    for written in ("03-01 至 11-30", "03-01 to 11-30", "03-01~11-30"):  # as the screen writes it in either language
        assert programmes.update(empty_store, ADMIN, p["id"], season=written)["season"] == ["03-01", "11-30"]


def test_a_demo_programme_can_be_deleted_a_real_one_with_data_is_archived(fresh_demo_store):
    store = fresh_demo_store
    with store.session() as s:
        n_before = s.scalar(select(func.count()).select_from(Project))
        qingtian = s.scalar(select(func.count()).select_from(Project).where(Project.programme_id == 2))
    out = programmes.delete_programme(store, ADMIN, 2)
    assert out["rows"]["project"] == qingtian > 0
    with store.session() as s:
        assert s.get(Programme, 2) is None
        assert s.scalar(select(func.count()).select_from(Project)) == n_before - qingtian
        assert s.scalar(select(AuditLog.action).where(AuditLog.action == "programme.delete")) is not None
    # a real programme holding a register is archived, never deleted
    with store.write() as s:
        s.get(Programme, 1).is_demo = False
    with pytest.raises(UserError, match="不能删除；请改为归档"):
        programmes.delete_programme(store, ADMIN, 1)
    assert programmes.archive(store, ADMIN, 1)["status"] == "archived"
    assert metrics.list_programmes(store)[-1]["status"] == "archived"
    assert programmes.archive(store, ADMIN, 1, restore=True)["status"] == "active"
    with pytest.raises(NotFound):
        programmes.archive(store, ADMIN, 99)


def test_an_empty_real_programme_can_be_deleted(empty_store):
    p = programmes.create(empty_store, ADMIN, name="打错了", region="630000", years="2023")
    assert programmes.delete_programme(empty_store, ADMIN, p["id"])["deleted"]
    assert metrics.list_programmes(empty_store) == []


def test_the_subsidy_standard_is_the_programmes_own(fresh_demo_store):
    """Qinghai's 1.5万元/户 belongs to the demo's document, not to every programme inside 630000."""
    other = programmes.create(fresh_demo_store, ADMIN, name="西宁市2023年老旧小区改造", region="630100", years="2023")
    assert not content.subsidy_check(fresh_demo_store, other["id"])["applies"]
    assert content.subsidy_check(fresh_demo_store, 1)["applies"]
    programmes.update(fresh_demo_store, ADMIN, other["id"], subsidy="per_household_wan=2")
    assert content.subsidy_check(fresh_demo_store, other["id"])["applies"]


def test_the_closing_rule_is_a_programme_setting(fresh_demo_store, tmp_path):
    """After 城东区 alone reports week 2021-12-03, the default rule (half the expected reporters) keeps the demo on
    2021-11-26; a programme that closes a week at 1 reporter in 45 (2%) opens on 2021-12-03. Bad rules are refused."""
    from datetime import date

    from lib.figures import asof
    from tests.review.early_upload import upload_week_early
    store = fresh_demo_store
    upload_week_early(store)
    assert asof.default_as_of(store, 1) == date(2021, 11, 26)
    out = programmes.update(store, ADMIN, 1, closing="2%")
    assert out["closing"] == {"min_share": 0.02, "hours_after_deadline": None}
    assert asof.default_as_of(store, 1) == date(2021, 12, 3)
    with pytest.raises(UserError, match="填报截止规则"):
        programmes.update(store, ADMIN, 1, closing="大约一半")
    programmes.update(store, ADMIN, 1, closing="")
    assert asof.default_as_of(store, 1) == date(2021, 11, 26)
