"""lib.access.zones and Store.ensure_regions on both backends: zones, aliases, today's codes in the store."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from lib.access import zones
from lib.access.auth import Actor, create_user
from lib.domain import regions
from lib.domain.errors import PermissionDenied, UserError
from lib.store.models import AuditLog, Programme, Project, Region, Target

ADMIN = Actor.system("admin-test")


@pytest.fixture(autouse=True)
def _empty_registry():
    yield
    regions.set_local([], {})


def _count(store, where=None) -> int:
    with store.session() as s:
        q = select(func.count()).select_from(Region)
        return s.scalar(q if where is None else q.where(where))


def test_add_zone_with_its_statistical_code(empty_store):
    out = zones.add_zone(empty_store, ADMIN, "德州经济技术开发区", "371400", code="371471", lon=116.36, lat=37.45)
    assert out["adcode"] == "371471" and out["parent"] == "371400"
    assert "371471" in [c.adcode for c in regions.children("371400")]
    assert regions.resolve("德州经济技术开发区").adcode == "371471"
    assert regions.contains("370000", "371471")
    with empty_store.session() as s:
        row = s.get(Region, "371471")
        assert (row.kind, row.is_county, row.parent_adcode, row.province_adcode, row.prefecture_adcode) == \
            ("zone", True, "371400", "370000", "371400")
        assert (row.lon, row.lat) == (116.36, 37.45)
        assert s.scalar(select(AuditLog.actor).where(AuditLog.action == "zone.add",
                                                     AuditLog.entity_id == "371471")) == "admin-test"
    # the store hands its zones to the registry again after a reset (as when it opens)
    regions.set_local([], {})
    assert "371471" not in regions.all_regions()
    empty_store.load_local_regions()
    assert regions.get("371471").name == "德州经济技术开发区"


def test_a_zone_code_never_clashes(empty_store):
    a = zones.add_zone(empty_store, ADMIN, "德州高新技术产业开发区", "德州市")
    b = zones.add_zone(empty_store, ADMIN, "德州运河经济开发区", "371400")
    for z in (a, b):
        code = z["adcode"]
        assert code[:4] == "3714" and code not in regions.cnmaps_regions() and code not in regions.divisions_today()
        assert code not in regions.old_codes()
    assert a["adcode"] != b["adcode"]
    bad = [("371402", "371400", "行政区划"),  # 德城区
           ("371523", "371500", "已撤销或已改码"),  # 茌平县's old code
           (a["adcode"], "371400", "已被功能区"),
           ("370299", "371400", "前缀 3714"),
           ("37147", "371400", "6位数字")]
    for code, parent, words in bad:
        with pytest.raises(UserError) as e:
            zones.add_zone(empty_store, ADMIN, f"测试区{code}", parent, code=code)
        assert words in str(e.value), str(e.value)
    assert _count(empty_store, Region.kind == "zone") == 2


@pytest.mark.parametrize("kwargs,words", [
    (dict(name="黄岛区", parent="370200"), "zone alias"),  # a division's name
    (dict(name="", parent="371400"), "名称为空"),
    (dict(name="某开发区", parent="100000", code="371471"), "两位数字＋0000"),
    (dict(name="某开发区", parent="不存在的市"), "找不到"),
    (dict(name="某开发区", parent="371400", lon=200, lat=37), "经度"),
    (dict(name="某开发区", parent="371400", lon=116.3), "同时填写"),
    (dict(name="某开发区", parent="371400", programme="no-such"), "找不到改造计划"),
])
def test_bad_zone_input_is_refused_in_chinese(empty_store, kwargs, words):
    with pytest.raises(UserError) as e:
        zones.add_zone(empty_store, ADMIN, **kwargs)
    assert words in str(e.value)
    assert _count(empty_store, Region.kind == "zone") == 0


def test_only_administrators_define_zones(empty_store):
    leader = Actor(username="lead", role="leader")
    with pytest.raises(PermissionDenied):
        zones.add_zone(empty_store, leader, "某开发区", "371400")
    with pytest.raises(PermissionDenied):
        zones.add_alias(empty_store, leader, "西海岸新区", "370211")


def test_alias_resolves_and_lists(empty_store):
    out = zones.add_alias(empty_store, ADMIN, "西海岸新区", "黄岛区")
    assert out["adcode"] == "370211"
    assert regions.resolve("西海岸新区").adcode == "370211"
    assert regions.lookup("西海岸新区", within="370200", level="county").adcode == "370211"
    with pytest.raises(UserError):
        zones.add_alias(empty_store, ADMIN, "西海岸新区", "370212")
    with pytest.raises(UserError):
        zones.add_alias(empty_store, ADMIN, "黄岛", "370211")  # already a name of 黄岛区
    listed = zones.list_zones(empty_store)
    assert listed["aliases"] == [{"name": "西海岸新区", "adcode": "370211", "region": "山东省青岛市黄岛区（370211）",
                                  "programme_id": None, "created_by": "admin-test"}]
    zones.remove(empty_store, ADMIN, "西海岸新区")
    with pytest.raises(UserError):
        regions.resolve("西海岸新区")


def test_a_zone_in_use_is_not_removed(empty_store):
    z = zones.add_zone(empty_store, ADMIN, "德州经济技术开发区", "371400", code="371471")
    with empty_store.write() as s:
        prog = Programme(code="dz", name="德州市2022年城镇老旧小区改造", region_adcode="371400", year_start=2022,
                         year_end=2022)
        s.add(prog)
        s.flush()
        s.add(Project(programme_id=prog.id, code="P1", name="某小区", county_adcode=z["adcode"], households=10,
                      registered_on=date(2022, 3, 1)))
    with pytest.raises(UserError) as e:
        zones.remove(empty_store, ADMIN, "371471")
    assert "1个项目" in str(e.value)
    assert "371471" in regions.all_regions()
    with empty_store.write() as s:
        s.query(Project).delete()
    out = zones.remove(empty_store, ADMIN, "德州经济技术开发区")
    assert out["removed"] == "zone" and "371471" not in regions.all_regions()
    assert _count(empty_store, Region.kind == "zone") == 0


def test_ensure_regions_has_todays_codes_and_the_country(empty_store):
    n = _count(empty_store)
    assert n == len(regions.divisions_today())
    with empty_store.session() as s:
        assert s.get(Region, "100000").name == "全国"
        assert s.get(Region, "431181").name == "祁阳市" and s.get(Region, "431121") is None
        assert s.get(Region, "659011").parent_adcode == "650000"
    assert empty_store.ensure_regions() == 0 and _count(empty_store) == n


def test_ensure_regions_updates_an_older_store(empty_store):
    """A store filled before the changes: old codes in the table and in its rows, no 全国."""
    zones.add_zone(empty_store, ADMIN, "德州经济技术开发区", "371400", code="371471")
    raw = regions.cnmaps_regions()
    with empty_store.write() as s:
        for code in ("431121", "500105", "500112"):
            r = raw[code]
            s.add(Region(adcode=code, name=r.name, level=r.level, parent_adcode=r.parent, province_adcode=r.province,
                         prefecture_adcode=r.prefecture, is_county=True, kind="division"))
        s.flush()
        for code in ("431181", "500157", "100000"):
            s.delete(s.get(Region, code))
        hn = Programme(code="hn", name="湖南", region_adcode="430000", year_start=2021, year_end=2021)
        cq = Programme(code="cq", name="重庆", region_adcode="500000", year_start=2021, year_end=2021)
        s.add_all([hn, cq])
        s.flush()
        s.add_all([Project(programme_id=hn.id, code="Q1", name="祁阳某小区", county_adcode="431121", households=30,
                           registered_on=date(2021, 4, 1)),
                   Target(programme_id=hn.id, region_adcode="431121", metric="households", value=300),
                   Target(programme_id=cq.id, region_adcode="500105", metric="households", value=120),
                   Target(programme_id=cq.id, region_adcode="500112", metric="households", value=80)])
    assert "100000" not in _codes(empty_store)

    changed = empty_store.ensure_regions()
    assert changed == 3 + 3  # 431181, 500157, 100000 added; 431121, 500105, 500112 retired
    with empty_store.session() as s:
        assert s.scalar(select(Project.county_adcode).where(Project.code == "Q1")) == "431181"
        assert s.scalars(select(Target.region_adcode).where(Target.programme_id == hn.id)).all() == ["431181"]
        cq_targets = s.execute(select(Target.region_adcode, Target.value).where(Target.programme_id == cq.id)).all()
        assert [tuple(t) for t in cq_targets] == [("500157", 200.0)]  # 江北 120 + 渝北 80
        assert s.get(Region, "371471").kind == "zone"  # zones are left alone
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "recode")) == 3
    codes = _codes(empty_store)
    assert {"100000", "431181", "500157"} <= codes and not {"431121", "500105", "500112"} & codes
    n = _count(empty_store)
    assert n == len(regions.divisions_today()) + 1  # and the zone
    assert empty_store.ensure_regions() == 0 and _count(empty_store) == n  # idempotent
    assert "371471" in regions.all_regions()  # the registry was reloaded


def _codes(store) -> set[str]:
    with store.session() as s:
        return set(s.scalars(select(Region.adcode)).all())


def test_district_account_scoped_to_a_new_code(empty_store):
    out = create_user(empty_store, ADMIN, "qiyang", "district", "long-enough-password-1", scope_adcode="431181")
    assert out["scope_adcode"] == "431181"
    old = create_user(empty_store, ADMIN, "qiyang2", "district", "long-enough-password-1", scope_adcode="431121")
    assert old["scope_adcode"] == "431181"  # the old code is stored as today's


def test_a_unit_beside_the_provinces(empty_store):
    """新疆生产建设兵团 reports beside 新疆 in the Ministry's national tables (NBS code 660000)."""
    out = zones.add_zone(empty_store, ADMIN, "新疆生产建设兵团", "100000", code="660000")
    corps = regions.get("660000")
    assert (out["parent"], corps.level, corps.is_county, corps.province, corps.prefecture) == \
        ("100000", "province", True, "660000", None)
    assert corps in regions.children("100000") and len(regions.children("100000")) == 35
    assert corps in regions.counties_in("100000") and regions.counties_in("660000") == [corps]
    assert regions.contains("100000", "660000") and not regions.contains("650000", "660000")
    assert regions.path_names("660000") == ["新疆生产建设兵团"]
    assert regions.resolve("新疆生产建设兵团") is corps
    for code in ("650000", "661000", "100001"):
        with pytest.raises(UserError):
            zones.add_zone(empty_store, ADMIN, f"测试{code}", "100000", code=code)
    assert zones.add_zone(empty_store, ADMIN, "某全国性单位", "全国")["adcode"] == "990000"
    with empty_store.session() as s:
        row = s.get(Region, "660000")
        assert (row.level, row.parent_adcode, row.province_adcode) == ("province", "100000", "660000")
    empty_store.ensure_regions()  # leaves zones alone and reloads them
    assert regions.get("660000").level == "province"
