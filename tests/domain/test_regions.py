"""lib.domain.regions: the national code table, loose names, boundaries."""

from __future__ import annotations

import pytest

from lib.domain import regions
from lib.domain.errors import AmbiguousName, NotFound


def test_qinghai_has_8_prefectures_and_45_counties():
    assert len(regions.children("630000")) == 8
    counties = regions.counties_in("630000")
    assert len(counties) == 45
    assert {c.province for c in counties} == {"630000"}


@pytest.mark.parametrize("name,within,adcode", [
    ("格尔木", None, "632801"), ("格尔木市", None, "632801"), ("海西州", None, "632800"),
    ("城东区", "630100", "630102"), ("西宁市城东区", None, "630102"), ("大通县", None, "630121"),
    ("青田县", None, "331121"), ("茌平区", None, "371503"), ("宿州市", None, "341300"),
    ("630102", None, "630102"), ("  格尔木 ", None, "632801"),
])
def test_loose_names_resolve(name, within, adcode):
    assert regions.resolve(name, within).adcode == adcode


def test_ambiguous_name_lists_candidates():
    with pytest.raises(AmbiguousName) as e:
        regions.resolve("河南")
    assert {"410000", "632324"} <= set(e.value.candidates)
    assert "河南省" in str(e.value) and "河南蒙古族自治县" in str(e.value)


def test_unknown_name_suggests_closest():
    with pytest.raises(NotFound) as e:
        regions.resolve("格尔目")
    assert "格尔木市" in str(e.value)


def test_name_outside_scope_is_refused():
    with pytest.raises(NotFound):
        regions.resolve("朝阳区", within="630000")


def test_duplicate_level_adcodes_are_one_region():
    dg = regions.get("441900")  # 东莞: a prefecture that is its own county
    assert dg.level == "prefecture" and dg.is_county
    assert [c.adcode for c in regions.counties_in("441900")] == ["441900"]


def test_boundary_is_simplified_and_valid():
    g = regions.boundary("630102")
    assert g.is_valid and not g.is_empty
    assert 101.5 < g.centroid.x < 102.0 and 36.4 < g.centroid.y < 36.8


@pytest.mark.parametrize("text,adcode", [
    ("龍子湖區", "340302"),  # 蚌埠市龙子湖区 in traditional characters
    ("蚌埠市龍子湖區", "340302"),
    ("乾縣", "610424"), ("乾县", "610424"), ("乾安縣", "220723"),  # t2s alone would write 干县
    ("其中:1.历下区", "370102"), ("其中：历下区", "370102"), ("1、历下区", "370102"), ("1.历下区", "370102"),
    ("（一）历下区", "370102"), ("(1)历下区", "370102"), ("①历下区", "370102"), ("一、历下区", "370102"),
    ("１．历下区", "370102"), ("历下区 ", "370102"), ("６３０１０２", "630102"),
    # names that begin like numbering or a label stay whole
    ("三元区", "350404"), ("七台河市", "230900"), ("含山县", "340522"), ("十堰市", "420300"),
])
def test_traditional_full_width_and_numbered_names(text, adcode):
    assert regions.resolve(text).adcode == adcode


@pytest.mark.parametrize("old,adcode", [
    ("茌平县", "371503"), ("湟中县", "630106"), ("同仁县", "632301"), ("莱城区", "370116"), ("祁阳县", "431181"),
    ("沙縣", "350405"), ("江干区", "330102"),
])
def test_former_names_give_todays_division(old, adcode):
    assert regions.resolve(old).adcode == adcode


def test_lookup_takes_a_code_or_a_name():
    r = regions.get("630102")
    assert regions.lookup("630102") is r and regions.lookup(630102) is r and regions.lookup("城东区", "630100") is r
    assert regions.lookup("青海省西宁市城东区（630102）") is r  # what describe() writes
    assert regions.lookup(regions.describe("630102")) is r
    with pytest.raises(NotFound) as e:
        regions.lookup("龍子胡區")
    assert "龙子湖区" in str(e.value)


def test_old_codes_resolve_to_todays_code():
    assert regions.get("371523").adcode == "371503"
    assert regions.resolve("431121", within="431100").adcode == "431181"
    with pytest.raises(NotFound):
        regions.resolve("431121", within="630000")
