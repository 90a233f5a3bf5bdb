"""Every public screen under the same filters (AppTest on a private SQLite copy of the demo): the
province, one county, a programme without reports, an empty programme.
"""

from __future__ import annotations

import pytest

from lib.store.engine import audit, open_store
from lib.store.models import Programme
from tests.support.screens import PAGES, go, metrics_shown, text_of


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_for_the_province(app, page):
    at = go(app(), page)
    assert at.title and "青海省" in at.title[0].value
    if page == "map":
        assert at.get("deck_gl_json_chart")
    if page in ("rankings", "register", "map", "progress"):
        assert at.dataframe
    if page in ("overview", "rankings", "progress", "content"):
        assert at.get("plotly_chart")


def test_pages_with_a_county_selected(app):
    at = app(pref="630200", county="630202")
    assert at.title[0].value.endswith("乐都区")
    assert "已选到县" in text_of(at)  # no sub-regions to draw
    go(at, "map")
    assert at.title[0].value == "乐都区开工率" and at.get("deck_gl_json_chart")
    go(at, "rankings")
    assert "海东市" in at.title[0].value and "已选县" in text_of(at)
    assert any("👉 乐都区" == v for v in at.dataframe[0].value["地区"])
    for page in ("progress", "content", "register"):
        go(at, page)
        assert "乐都区" in at.title[0].value
    assert all(at.dataframe[0].value["县（市、区）"] == "乐都区")


def test_a_programme_without_reports(app):
    at = app(programme="2")
    assert "青田县" in at.title[0].value
    assert any("尚无进度填报" in i.value for i in at.info)
    assert metrics_shown(at)["年度目标"] == "9,460户"
    go(at, "progress")
    assert any("尚无进度填报" in i.value for i in at.info)
    go(at, "rankings")
    assert any("没有下级地区" in i.value for i in at.info)
    for page in ("map", "content", "register"):
        go(at, page)
        assert "青田" in at.title[0].value
    assert len(at.dataframe[0].value) == 14


def test_an_empty_programme(app):
    store = open_store(app.url)
    with store.write() as s:
        prog = Programme(code="empty-2022", name="空计划（测试）", region_adcode="630000", year_start=2022, year_end=2022)
        s.add(prog)
        s.flush()
        audit(s, "test", "programme.create", "programme", prog.id, programme_id=prog.id)
        pid = prog.id
    at = app(programme=str(pid))
    assert "空计划" in at.title[0].value
    assert metrics_shown(at)["年度目标"] == "—"
    assert any("尚无进度填报，暂不评价进度" in i.value for i in at.info)
    for page in PAGES[1:]:
        go(at, page)
        assert at.title or at.info
    assert any("没有符合条件" in i.value for i in at.info)  # the register is empty


def test_qingtian_is_shown_as_what_it_is(app):
    """Qingtian (programme 2): a real register from its document and no progress. The banner says the register is
    real, the overview gives no pace verdict, the rankings title is not '青田县县（市、区）', the content screen applies
    no other province's subsidy rule and shows the document's own disagreement (正文约395栋, 表中合计364栋)."""
    from tests.support.screens import go, text_of
    at = app(programme="2")
    text = text_of(at)
    assert "台账为计划文件所列的真实小区" in text and "系统生成" not in text
    assert "尚无进度填报，暂不评价进度。" in text and "滞后" not in text
    at = go(app(programme="2"), "rankings")
    assert not any("县县" in h.value for h in at.title)
    at = go(app(programme="2"), "content")
    text = text_of(at)
    assert "青海" not in text and "未设定补助标准" in text
    assert "395" in text and "364" in text


def test_a_zone_added_elsewhere_is_known_without_a_restart(app):
    """Another replica (here: the library, as the CLI would) adds a zone while this server runs: the next
    visitor's region filter lists it, because a moved data version re-reads the store's zones."""
    from lib.access import zones
    from lib.access.auth import Actor
    at = app()
    assert "海东工业园区" not in str(at.selectbox(key="pref").options)
    store = open_store(app.url, read_only=False)
    zones.add_zone(store, Actor("admin", "admin"), "海东工业园区", "630000", programme=1)
    from lib.domain import regions
    regions.set_local([], {})  # this process forgets it, as another replica's process never knew it
    at = app()
    assert "海东工业园区" in str(at.selectbox(key="pref").options)
    regions.set_local([], {})  # leave the registry as other tests expect it
