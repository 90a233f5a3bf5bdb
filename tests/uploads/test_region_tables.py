"""Real published 分县/分市 tables (tests/real/programmes, sources in its README): targets import and
per-region progress reports, with the figures their sources state, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lib.access import programmes, zones
from lib.access.auth import Actor
from lib.figures import metrics
from lib.store.models import AggregateReport, AuditLog, Target, Upload
from lib.uploads import aggregate, targets
from tests.real import programmes as real
from tests.real.programmes import (bengbu_2018_plan, dezhou_2022_plan, hunan_2021_08_progress, jinan_2023_plan,
                                   mohurd_2023_09_progress, qingdao_2024_plan)

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor(username="boss", role="admin")


def _programme(store, mod) -> int:
    p = mod.PROGRAMME
    return programmes.create(store, ADMIN, name=p["name"], region=p["region"],
                             years="-".join(str(y) for y in p["years"]))["id"]


def _targets(store, pid) -> dict[tuple[str, str], float]:
    with store.session() as s:
        return {(a, m): v for a, m, v in s.execute(select(Target.region_adcode, Target.metric, Target.value)
                                                   .where(Target.programme_id == pid)).all()}


def _counts(store) -> tuple:
    with store.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (Target, Upload, AggregateReport, AuditLog))


def _cli(store, *args):
    url = store.engine.url.render_as_string(hide_password=False)
    r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, *args], capture_output=True, text=True,
                       cwd=ROOT, timeout=180, env={**os.environ})
    return r.returncode, (json.loads(r.stdout) if r.stdout.strip() else None), r.stderr


def test_dezhou_plan_needs_its_development_zone_then_every_figure_is_the_sources(empty_store, tmp_path):
    """德州 2022: 11 divisions and a 开发区 carrying 3,793 households that belong to no division."""
    store = empty_store
    pid = _programme(store, dezhou_2022_plan)
    f = tmp_path / "德州市2022年老旧小区改造计划.xlsx"
    f.write_bytes(real.build_xlsx(dezhou_2022_plan))
    before = _counts(store)
    code, out, err = _cli(store, "targets", "import", str(f), "--programme", str(pid))
    assert code == 1 and out["status"] == "rejected" and _counts(store) == before
    [e] = out["errors"]  # only the zone: its figures still count towards the 全市小计 check
    assert e["value"] == "开发区" and e["column"] == "A" and "zone add" in e["message"] and "找不到地名“开发区”" in e["message"]
    assert "数据库未做任何修改" in err
    zone = zones.add_zone(store, ADMIN, "开发区", "371400", programme=pid)
    code, out, err = _cli(store, "targets", "import", str(f), "--programme", str(pid), "--dry-run")
    assert code == 0 and out["status"] == "dry-run" and _counts(store)[:3] == before[:3]
    code, out, err = _cli(store, "targets", "import", str(f), "--programme", str(pid))
    assert code == 0 and out["status"] == "committed" and out["gaps"] == [], err
    got = _targets(store, pid)
    stated = dezhou_2022_plan.STATED
    city = stated["全市小计:"]
    assert got[("371400", "projects")] == city["项目数量"] == 313
    assert got[("371400", "communities")] == city["小区数"]
    assert got[("371400", "buildings")] == city["楼栋数"]
    assert got[("371400", "households")] == city["户数"] == 35305
    assert got[("371400", "floor_area_wan_m2")] == pytest.approx(city["建筑面积"])
    assert got[("371403", "households")] == stated["陵城区"]["户数"] == 546  # 陵城区
    assert got[(zone["adcode"], "households")] == stated["开发区"]["户数"] == 3793
    # the zone is one of the city's children, and the children add up to the city
    s = metrics.summary(store, pid)
    kids = {c["adcode"]: c["totals"]["households"]["target"] for c in s["children"]}
    assert zone["adcode"] in kids and sum(v for v in kids.values() if v) == 35305
    assert s["totals"]["households"]["target"] == 35305
    with store.session() as ss:
        assert ss.scalar(select(AuditLog.action).where(AuditLog.action == "targets.import")) == "targets.import"


def test_a_partial_copy_is_refused_naming_each_gap(empty_store):
    """济南 2023 as stored online stops inside row 8: its 全市小计 cannot be the sum of what is left."""
    store = empty_store
    pid = _programme(store, jinan_2023_plan)
    before = _counts(store)
    out = targets.import_targets(store, real.build_xlsx(jinan_2023_plan), "jinan.xlsx", pid, actor=ADMIN)
    assert out["status"] == "rejected" and _counts(store) == before
    by_col = {e["column"]: e["message"] for e in out["errors"]}
    stated = jinan_2023_plan.STATED["全市小计:"]
    assert f"为 {stated['小区数(个)']}，但 8 行相加为 453，相差 72" in by_col["D"]
    assert "户数(户)" in by_col["F"] and "7 行相加为 90,644" in by_col["F"]


def test_traditional_names_aliases_and_zones_of_bengbu_and_qingdao(empty_store):
    store = empty_store
    pid = _programme(store, qingdao_2024_plan)
    zones.add_alias(store, ADMIN, "西海岸新区", "370211")  # 青岛西海岸新区 is 黄岛区
    out = targets.import_targets(store, real.build_xlsx(qingdao_2024_plan), "qd.xlsx", pid, actor=ADMIN)
    assert out["status"] == "committed", out["errors"]
    got = _targets(store, pid)
    west = qingdao_2024_plan.STATED["5.西海岸新區"]
    assert got[("370211", "communities")] == west["共改造小區(個)"] == 72
    assert got[("370211", "households")] == west["戶數(戶)"] == 15050
    assert got[("370212", "communities")] == 9  # 4.嶗山區 in traditional characters
    text = qingdao_2024_plan.STATED["全市(正文)"]  # the total the text states: the rows add up to it
    assert sum(v for (a, m), v in got.items() if m == "communities" and a != "370200") == text["共改造小區(個)"]

    pid = _programme(store, bengbu_2018_plan)
    for name in ("经开区", "三县"):
        zones.add_zone(store, ADMIN, name, "340300", programme=pid)
    out = targets.import_targets(store, real.build_xlsx(bengbu_2018_plan), "bb.xlsx", pid, actor=ADMIN)
    assert out["status"] == "committed", out["errors"]
    got = _targets(store, pid)
    assert got[("340302", "communities")] == bengbu_2018_plan.STATED["龍子湖區"]["小區數(個)"] == 25
    assert got[("340302", "households")] == bengbu_2018_plan.STATED["龍子湖區"]["涉及居民(戶)"] == 6618
    assert sum(v for (a, m), v in got.items() if m == "communities") == bengbu_2018_plan.STATED["全市(正文)"]["小區數(個)"]


def test_hunan_progress_is_an_aggregate_upload_with_its_74_percent(empty_store, tmp_path):
    """湖南 to 2021-08-31: 1,110 of 1,500 communities started (74.00%), its 计划投资额 off by its own rounding."""
    store = empty_store
    pid = _programme(store, hunan_2021_08_progress)
    f = tmp_path / "湖南进度.xlsx"
    f.write_bytes(real.build_xlsx(hunan_2021_08_progress))
    code, out, err = _cli(store, "import", str(f), "--programme", str(pid), "--user", "")
    assert code == 0 and out["kind"] == "aggregate" and out["status"] == "committed", (out, err)
    assert out["report_date"] == "2021-08-31" and out["accepted"] == 15  # 14 市州 and 全省
    [gap] = out["gaps"]
    src = hunan_2021_08_progress.GAPS[0]
    assert (gap["stated"], gap["rows_sum"], gap["within_rounding"]) == (src["stated"], pytest.approx(src["rows_sum"]), True)
    assert any("四舍五入" in w["message"] for w in out["warnings"])
    s = metrics.summary(store, pid)
    prov = hunan_2021_08_progress.STATED["全省"]
    assert s["as_of"] == "2021-08-31" and s["source"] == "reported"
    assert [d.isoformat() for d in metrics.report_dates(store, pid)] == ["2021-08-31"]  # the week selector has it
    c = s["totals"]["communities"]
    assert (c["target"], c["started"]) == (prov["计划完成数"], prov["累计开工数"]) == (1500, 1110)
    assert f"{c['start_rate']:.2%}" == prov["开工率"] == "74.00%"
    assert s["totals"]["investment_wan"]["invested"] == pytest.approx(prov["累计完成投资额(万元)"])
    kids = {k["name"]: k for k in s["children"]}
    assert kids["张家界市"]["totals"]["communities"]["start_rate"] == 1.0
    assert kids["湘西土家族苗族自治州"]["reported"]["texts"]["start_rate"] == "35.29%"
    # the same file again changes nothing
    code, out, err = _cli(store, "import", str(f), "--programme", str(pid))
    assert code == 0 and out["status"] == "unchanged"
    # a rollback takes its figures out
    aggregate.rollback(store, out["upload_id"], actor=ADMIN)
    assert metrics.summary(store, pid, as_of="2021-08-31")["totals"]["communities"]["started"] == 0


def test_the_ministry_table_of_provinces_with_the_corps(empty_store):
    """住建部 to 2023-09-30: 51,294 communities started nationally, 兵团 among the rows."""
    store = empty_store
    pid = _programme(store, mohurd_2023_09_progress)
    data = real.build_xlsx(mohurd_2023_09_progress)
    out = aggregate.import_aggregate(store, data, "mohurd.xlsx", pid, actor=ADMIN)
    assert out["status"] == "rejected" and any(e["value"] == "兵团" for e in out["errors"])
    zones.add_zone(store, ADMIN, "兵团", "100000", code="660000", programme=pid)  # reports beside 新疆, not in it
    out = aggregate.import_aggregate(store, data, "mohurd.xlsx", pid, actor=ADMIN)
    assert out["status"] == "committed", out["errors"]
    assert out["report_date"].isoformat() == mohurd_2023_09_progress.AS_OF
    total = mohurd_2023_09_progress.STATED["合计"]
    s = metrics.summary(store, pid)
    assert s["totals"]["communities"]["started"] == total["新开工小区数(个)"] == 51294
    hunan = next(c for c in s["children"] if c["adcode"] == "430000")
    assert hunan["totals"]["communities"]["started"] == mohurd_2023_09_progress.STATED["湖南"]["新开工小区数(个)"]
    assert hunan["reported"]["texts"]["start_rate"] == "全部开工"


def test_bad_tables_are_refused_with_one_sentence_each_and_nothing_stored(empty_store, tmp_path):
    import openpyxl
    store = empty_store
    pid = _programme(store, dezhou_2022_plan)

    def book(rows):
        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append(r)
        f = tmp_path / "t.xlsx"
        wb.save(f)
        return f.read_bytes()

    before = _counts(store)
    cases = [
        ([["名称", "说明"], ["甲", "乙"]], "没有找到分地区的表"),
        ([["县(市、区)", "户数"], ["德城区", 10], ["德城区", 12]], "是同一地区"),
        ([["县(市、区)", "户数"], ["城东区", 10]], "找不到地名“城东区”"),  # 西宁's, not 德州's
        ([["县(市、区)", "户数"], ["德城区", 10], ["陵城区", 5], ["合计", 20]], "相差 5"),
        ([["县(市、区)", "户数"], ["德城区", "约10"]], "不是有效的数字"),
    ]
    for rows, needle in cases:
        out = targets.import_targets(store, book(rows), "t.xlsx", pid, actor=ADMIN)
        assert out["status"] == "rejected" and any(needle in e["message"] for e in out["errors"]), (needle, out["errors"])
    assert _counts(store) == before
    with pytest.raises(Exception):
        targets.import_targets(store, book(cases[1][0]), "t.xlsx", pid, actor=Actor(username="x", role="leader"))


def test_the_upload_screen_takes_a_totals_table(tmp_path, monkeypatch):
    """湖南's table dropped on 数据上传: detected as per-region totals, previewed, confirmed (AppTest)."""
    from streamlit.testing.v1 import AppTest

    from lib.access import auth
    from lib.store.engine import open_store

    url = f"sqlite:///{tmp_path / 'hunan.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "0")
    monkeypatch.setenv("DASHBOARD_DEMO", "0")
    store = open_store(url, read_only=False, migrate=True)
    pid = _programme(store, hunan_2021_08_progress)
    auth.create_user(store, Actor.system("test"), "boss", "admin", "a long enough secret")
    data = real.build_xlsx(hunan_2021_08_progress)
    looks = aggregate.looks_like(data, "hunan.xlsx", "430000")
    assert looks is not None and looks.kind == "progress"
    assert aggregate.looks_like(b"not a table", "x.csv", "430000") is None
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["_auth_actor"] = auth.load_actor(store, "boss", via="password")
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception
    assert pid == 1


def test_a_countys_own_weekly_report_is_not_taken_for_a_totals_table(demo_store):
    """The product's own progress template names its county on every row (所属县区): a region named on
    several rows is a per-community file, never one row per region. Before, the upload screen and the CLI
    routed 城东区's filled-in template to the totals reader, which refused every row as 'not a number'."""
    from lib.uploads import templates

    for county in ("630102", "632801"):
        data = templates.template(demo_store, 1, county, kind="progress", viewer=ADMIN)
        assert aggregate.looks_like(data, f"{county}.xlsx", "630000") is None
    # a real published totals table is still one (湖南省, by prefecture)
    data = real.build_xlsx(hunan_2021_08_progress)
    assert aggregate.looks_like(data, "hunan.xlsx", "430000") is not None
