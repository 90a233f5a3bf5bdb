"""Dates that make sense for the programme's years, and the uploading county given by name (issue 11).

A register loaded for a past year is dated by the file or the programme, never by the server
clock: with no date anywhere, a programme whose years are over registers its communities on
1 January of its first year, and the preview says which rule it used. A date after the
programme's years is a warning. A county given by name is resolved once, and its code is
what the checks and the store get: a dry run and a commit agree. Both stores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date

import pytest
from sqlalchemy import select

from lib.access import admin, auth
from lib.access.auth import Actor
from lib.domain import clock
from lib.domain.errors import UserError
from lib.figures import metrics
from lib.store.models import Project, Upload
from lib.uploads import ingest
from tests.support import CD, ROOT, WEEK
from tests.support.uploads import commit, district, dump, progress_rows, text_xlsx, xlsx

SHUCHENG, LUAN = "341523", "341500"  # 舒城县, 六安市 (Anhui)
PASSWORD = "Shucheng-2022-renovation"


def _register(*names: str, county: str | None = "城东区", title: list[list] | None = None) -> bytes:
    head = ["小区名称", "所属县区", "改造户数（户）", "改造栋数（栋）"] if county else ["小区名称", "改造户数（户）", "改造栋数（栋）"]
    rows = (title or []) + [head]
    for i, n in enumerate(names):
        rows.append([n, county, 40 + i, 2] if county else [n, 40 + i, 2])
    return text_xlsx(rows)


def _registered(store, name: str) -> date:
    with store.session() as s:
        return s.scalar(select(Project.registered_on).where(Project.name == name))


def _communities(store, as_of, region=CD, programme=1) -> int:
    return metrics.summary(store, programme, region=region, as_of=as_of)["totals"]["communities"]["registered"]


# --- the demo programme (青海省 2021): its year is over -------------------------------------------

def test_past_programme_without_a_date_registers_on_its_first_day(fresh_demo_store):
    store = fresh_demo_store
    mid_year = date(2021, 6, 30)
    before = _communities(store, mid_year)
    pv = commit(store, _register("甲家属院", "乙家属院"), "台账.xlsx", kind="register", as_of=None)
    assert pv.status == "committed", [e.message for e in pv.errors]
    assert pv.registered_on == date(2021, 1, 1)
    assert any(n.startswith("登记日期按本计划的起始日 2021-01-01") for n in pv.notes)
    assert _registered(store, "甲家属院") == date(2021, 1, 1)
    assert _communities(store, mid_year) == before + 2  # in the programme's own year's figures


def test_a_chosen_date_wins(fresh_demo_store):
    store = fresh_demo_store
    pv = commit(store, _register("丙家属院"), "台账.xlsx", kind="register", as_of=date(2021, 5, 14))
    assert pv.registered_on == date(2021, 5, 14) and _registered(store, "丙家属院") == date(2021, 5, 14)
    assert any(n.startswith("登记日期按上传时选择的日期 2021-05-14") for n in pv.notes)
    assert not pv.warnings


def test_the_title_date_is_the_registration_date(fresh_demo_store):
    store = fresh_demo_store
    data = _register("丁家属院", title=[["城东区老旧小区改造项目台账"], ["填报单位：城东区住建局", None, "填报日期：2021年8月6日"]])
    pv = commit(store, data, "台账.xlsx", kind="register", as_of=None)
    assert pv.status == "committed", [e.message for e in pv.errors]
    assert _registered(store, "丁家属院") == date(2021, 8, 6)
    assert any(n.startswith("登记日期按表格标题中的日期 2021-08-06") for n in pv.notes)


def test_a_date_after_the_programme_is_a_warning(fresh_demo_store):
    store = fresh_demo_store
    year_end = date(2021, 12, 31)
    before = _communities(store, year_end)
    pv = commit(store, _register("戊家属院"), "台账.xlsx", kind="register", as_of=date(2022, 3, 4))
    assert pv.status == "committed"
    assert any("晚于本计划的年度（2021年）" in w.message for w in pv.warnings)
    assert _registered(store, "戊家属院") == date(2022, 3, 4)
    assert _communities(store, year_end) == before  # as the warning says


def test_a_progress_report_after_the_programme_is_a_warning(fresh_demo_store):
    store = fresh_demo_store
    pv = ingest.check(store, xlsx(progress_rows(store)), "周报.xlsx", 1, actor=district(), county=CD,
                      as_of=date(2022, 1, 7))
    assert pv.status == "ok"
    assert [w.message for w in pv.warnings if w.row is None] == \
        ["填报日期 2022-01-07 晚于本计划的年度（2021年）：请确认选择的计划和日期无误。"]
    within = ingest.check(store, xlsx(progress_rows(store)), "周报.xlsx", 1, actor=district(), county=CD, as_of=WEEK)
    assert not [w for w in within.warnings if "本计划的年度" in w.message]


def test_only_an_update_needs_no_date_rule(fresh_demo_store):
    store = fresh_demo_store
    with store.session() as s:
        p = s.scalar(select(Project).where(Project.county_adcode == CD).order_by(Project.code).limit(1))
    rows = [["项目编号", "小区名称", "所属县区", "改造户数（户）"], [p.code, p.name, "城东区", p.households + 1]]
    pv = commit(store, text_xlsx(rows), "台账.xlsx", kind="register", as_of=None)
    assert pv.status == "committed" and pv.registered_on is None
    assert not any(n.startswith("登记日期") for n in pv.notes)
    assert _registered(store, p.name) == p.registered_on


def test_a_current_programme_without_a_date_registers_today(fresh_demo_store):
    store = fresh_demo_store
    year = clock.today().year
    prog = admin.create_programme(store, Actor.system(), f"QH{year}", f"青海省{year}年城镇老旧小区改造", "630000", year)
    pv = ingest.commit(store, _register("己家属院"), "台账.xlsx", prog["id"], actor=district(), county=CD,
                       kind="register")
    assert pv.status == "committed", [e.message for e in pv.errors]
    assert pv.registered_on == clock.today() == _registered(store, "己家属院")
    assert any(n.startswith(f"登记日期按今天 {clock.today()}") for n in pv.notes)


# --- 舒城县's 2022 register, the county given by name -----------------------------------------------

@pytest.fixture
def luan(empty_store):
    """六安市's 2022 programme on an empty store, an administrator and 舒城县's clerk."""
    store = empty_store
    prog = admin.create_programme(store, Actor.system(), "LA2022", "六安市2022年城镇老旧小区改造", LUAN, 2022)
    auth.create_user(store, Actor.system(), "la_admin", "admin", PASSWORD)
    auth.create_user(store, Actor.system(), "sc_clerk", "district", PASSWORD, scope_adcode=SHUCHENG)
    return store, prog["id"]


@pytest.mark.parametrize("who", ["la_admin", "sc_clerk"])
def test_county_by_name_dry_run_and_commit_agree_and_the_code_is_stored(luan, who):
    store, pid = luan
    act = auth.load_actor(store, who)
    data = _register("城关镇片区", "梅河片区", county=None)
    dry = ingest.check(store, data, "舒城县台账.xlsx", pid, actor=act, county="舒城县", kind="register")
    assert dry.status == "ok", [e.message for e in dry.errors]
    assert dry.counties == [SHUCHENG] and dry.change_counts == {"new": 2}
    assert dry.registered_on == date(2022, 1, 1)  # the programme's year is over, no date given
    done = ingest.commit(store, data, "舒城县台账.xlsx", pid, actor=act, county="舒城县", kind="register")
    assert done.status == "committed", [e.message for e in done.errors]
    assert (done.change_counts, done.registered_on) == (dry.change_counts, dry.registered_on)
    with store.session() as s:
        assert s.get(Upload, done.upload_id).county_adcode == SHUCHENG
        assert set(s.scalars(select(Project.county_adcode).where(Project.programme_id == pid)).all()) == {SHUCHENG}
    assert _communities(store, date(2022, 12, 31), region=SHUCHENG, programme=pid) == 2


def test_county_outside_the_programme_refused_alike_store_unchanged(luan):
    store, pid = luan
    act = auth.load_actor(store, "la_admin")
    data = _register("城关镇片区", county=None)
    before = dump(store)
    messages = []
    for fn in (ingest.check, ingest.commit):
        with pytest.raises(UserError) as e:
            fn(store, data, "台账.xlsx", pid, actor=act, county="城东区", kind="register")
        messages.append(e.value.zh)
    assert messages[0] == messages[1] and "城东区" in messages[0]
    assert dump(store) == before


def test_clerk_of_another_county_refused_alike(luan):
    """Dry run and commit refuse a district clerk the same way for a county outside their scope."""
    store, pid = luan
    auth.create_user(store, Actor.system(), "jz_clerk", "district", PASSWORD, scope_adcode="341502")  # 金安区
    act = auth.load_actor(store, "jz_clerk")
    data = _register("城关镇片区", county=None)
    before = dump(store)
    messages = []
    for fn in (ingest.check, ingest.commit):
        with pytest.raises(UserError) as e:
            fn(store, data, "台账.xlsx", pid, actor=act, county="舒城县", kind="register")
        messages.append(e.value.zh)
    assert messages[0] == messages[1] and "舒城县" in messages[0]
    assert dump(store) == before


def test_cli_county_by_name_dry_run_then_commit(luan, tmp_path):
    store, pid = luan
    path = tmp_path / "舒城县2022年老旧小区改造项目台账.xlsx"
    path.write_bytes(_register("城关镇片区", "梅河片区", county=None))

    def run(*extra):
        r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", store.url, "import", str(path),
                            "--programme", str(pid), "--county", "舒城县", "--kind", "register",
                            "--user", "la_admin", *extra], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    dry = run("--dry-run")
    assert dry["status"] == "dry-run" and dry["change_counts"] == {"new": 2}
    assert dry["registered_on"] == "2022-01-01"
    done = run()
    assert done["status"] == "committed"
    with store.session() as s:
        assert s.get(Upload, done["upload_id"]).county_adcode == SHUCHENG
    assert run("--dry-run")["status"] == "unchanged"  # the same file again, said before any commit


def test_shucheng_register_in_its_published_layout_goes_in_with_18_communities(empty_store):
    """舒城县's 2022 projects as its briefing lists them (tests/real/programmes/shucheng_2022_projects.py:
    two 片区 project rows covering 6 and 12 communities, 涉及住户, 投资金额, dates as the office writes them),
    for the county's own 2022 programme, given by name, with no date: 18 communities in 2022's figures."""
    store = empty_store
    prog = admin.create_programme(store, Actor.system(), "SC2022", "舒城县2022年城镇老旧小区整治改造", "舒城县", 2022)
    rows = [["【老旧小区改造】舒城县2022年第二季度城镇老旧小区整治改造项目实施情况简报"],
            ["批次", "项目名称", "涉及小区数(个)", "建筑面积(万平方米)", "涉及住户(户)", "投资金额(万元)", "开工时间"],
            ["第一批次", "舒怡社区连片老旧小区改造项目", 6, 6.89, 946, 3785, "2022年3月底"],
            ["第二批次", "龙祥社区、新城社区、东苑社区连片改造项目", 12, 7.433, 725, 4100, "2022年6月25日前"]]
    data = text_xlsx(rows)
    dry = ingest.check(store, data, "舒城县2022年项目.xlsx", prog["id"], actor=Actor.system(), county="舒城县")
    assert dry.status == "ok" and dry.kind == "register", [e.message for e in dry.errors]
    assert dry.change_counts == {"new": 2} and dry.registered_on == date(2022, 1, 1)
    done = ingest.commit(store, data, "舒城县2022年项目.xlsx", prog["id"], actor=Actor.system(), county="舒城县")
    assert done.status == "committed"
    with store.session() as s:
        got = {p.name: (p.communities, p.households, p.planned_investment_wan, p.registered_on, p.county_adcode)
               for p in s.scalars(select(Project).where(Project.programme_id == prog["id"]))}
    assert got == {"舒怡社区连片老旧小区改造项目": (6, 946, 3785, date(2022, 1, 1), SHUCHENG),
                   "龙祥社区、新城社区、东苑社区连片改造项目": (12, 725, 4100, date(2022, 1, 1), SHUCHENG)}
    assert _communities(store, date(2022, 12, 31), region=SHUCHENG, programme=prog["id"]) == 6 + 12
    assert _communities(store, date(2021, 12, 31), region=SHUCHENG, programme=prog["id"]) == 0


def test_shucheng_as_transcribed_from_its_briefing_goes_in_with_18_communities(empty_store):
    """The briefing's own words in the date columns (tests/real/programmes/shucheng_2022_projects.py):
    "一期于3月底全面开工" is 2022-03-31; "预计10月份完工" and "预计于2022年6月25日前全面开工建设" are what the
    office expects, left out with a warning each; the file goes in, 6 + 12 = 18 communities."""
    from tests.real import programmes as real
    from tests.real.programmes import shucheng_2022_projects as mod
    store = empty_store
    prog = admin.create_programme(store, Actor.system(), "SC2022", mod.PROGRAMME["name"], "舒城县", 2022)
    done = ingest.commit(store, real.build_xlsx(mod), "舒城县简报.xlsx", prog["id"], actor=Actor.system(),
                         county="舒城县")
    assert done.status == "committed", [e.message for e in done.errors]
    expected = [w.message for w in done.warnings if "预计的时间" in w.message]
    assert len(expected) == 2 and any("预计10月份完工" in m for m in expected)
    with store.session() as s:
        got = {p.name: (p.communities, p.households) for p in
               s.scalars(select(Project).where(Project.programme_id == prog["id"]))}
    assert got == {"舒怡社区连片老旧小区改造项目": (6, 946), "龙祥社区、新城社区、东苑社区连片改造项目": (12, 725)}
    assert sum(c for c, _ in got.values()) == mod.STATED["全县(正文)"]["涉及小区数(个)"] == 18
