"""The foundation: store, geography, targets, metrics and the demo, on both stores."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from lib.samples import demo
from lib.figures import metrics
from lib.domain import regions
from lib.domain.errors import AmbiguousName, NotFound, StoreUnavailable, UserError
from lib.store.models import AuditLog, ProgressReport, Project
from lib.store.engine import open_store


# --- geography --------------------------------------------------------------------------

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


# --- store ----------------------------------------------------------------------------------

def test_init_is_idempotent(empty_store):
    empty_store.migrate()
    empty_store.migrate()
    with empty_store.session() as s:
        assert s.scalar(select(func.count()).select_from(regions_table())) == len(regions.all_regions())


def regions_table():
    from lib.store.models import Region

    return Region


def test_bad_urls_give_one_sentence():
    for url in ("nonsense://x", "postgresql+psycopg://u:topsecret@127.0.0.1:1/x", "sqlite://"):
        with pytest.raises(StoreUnavailable) as e:
            open_store(url, read_only=False)
        assert "topsecret" not in str(e.value)
        assert "\n" not in str(e.value)


def test_sqlite_pragmas(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/p.db", read_only=False, migrate=True)
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_write_is_all_or_nothing(fresh_demo_store):
    store = fresh_demo_store
    before = store.data_version()
    with store.session() as s:
        n = s.scalar(select(func.count()).select_from(Project))
    with pytest.raises(RuntimeError):
        with store.write() as s:
            s.add(Project(programme_id=1, code="X-1", name="半途", county_adcode="630102", households=1,
                          registered_on=__import__("datetime").date(2021, 3, 1)))
            s.flush()
            raise RuntimeError("boom")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Project)) == n
    assert store.data_version() == before


# --- demo and metrics ---------------------------------------------------------------------------

def test_demo_is_idempotent(fresh_demo_store):
    with fresh_demo_store.session() as s:
        n_reports = s.scalar(select(func.count()).select_from(ProgressReport))
    assert demo.load_demo(fresh_demo_store) == {}
    with fresh_demo_store.session() as s:
        assert s.scalar(select(func.count()).select_from(ProgressReport)) == n_reports


def test_qinghai_targets_add_up_by_county(demo_store):
    s = metrics.summary(demo_store, 1, by="county")
    assert len(s["children"]) == 45
    assert s["totals"]["communities"]["target"] == 489
    assert s["totals"]["households"]["target"] == 51_500
    assert sum(c["totals"]["communities"]["target"] for c in s["children"]) == 489
    assert sum(c["totals"]["households"]["target"] for c in s["children"]) == 51_500
    assert sum(c["totals"]["households"]["registered"] for c in s["children"]) == 51_500
    assert metrics.target_checks(demo_store, 1) == []


def test_children_sum_to_parent(demo_store):
    s = metrics.summary(demo_store, 1, as_of="2021-07-30", by="prefecture")
    assert len(s["children"]) == 8
    for key in ("started", "completed"):
        assert sum(c["totals"]["households"][key] for c in s["children"]) == s["totals"]["households"][key]
    inv = sum(c["totals"]["investment_wan"]["invested"] for c in s["children"])
    assert inv == pytest.approx(s["totals"]["investment_wan"]["invested"], abs=0.05)


def test_counties_differ_and_figures_move_over_time(demo_store):
    june = metrics.summary(demo_store, 1, as_of="2021-06-30", by="county")
    nov = metrics.summary(demo_store, 1, as_of="2021-11-26", by="county")
    rates = [c["totals"]["households"]["start_rate"] for c in june["children"]]
    assert max(rates) - min(rates) > 0.5  # real differences between counties
    assert june["totals"]["communities"]["started"] < nov["totals"]["communities"]["started"] <= 489
    assert 0 < june["expected_share"] < 1 and nov["expected_share"] == 1.0


def test_before_any_report_nothing_has_started(demo_store):
    s = metrics.summary(demo_store, 1, as_of="2021-03-31")
    assert s["totals"]["communities"]["registered"] == 489
    assert s["totals"]["communities"]["started"] == 0
    assert s["expected_share"] == 0.0


def test_qingtian_real_rows_and_disagreements_shown(demo_store):
    s = metrics.summary(demo_store, 2)
    t = s["totals"]
    assert t["communities"]["registered"] == 14 and t["communities"]["target"] == 14
    assert t["households"]["registered"] == 9460 and t["households"]["target"] == 9460
    assert t["buildings"]["registered"] == 364 and t["buildings"]["target"] == 395
    assert t["floor_area_wan_m2"]["registered"] == pytest.approx(96.95)
    assert t["communities"]["started"] == 0  # no invented progress
    kinds = {(c["metric"], c["expected"], c["actual"]) for c in metrics.target_checks(demo_store, 2)}
    assert ("buildings", 395, 364) in kinds and ("floor_area_wan_m2", 96.6, 96.95) in kinds


def test_summary_identical_on_both_stores(_demo_templates, request):
    from sqlalchemy.engine import make_url
    from tests.conftest import PG_ADMIN_URL

    request.getfixturevalue("pg_admin")
    a = metrics.summary(open_store(f"sqlite:///{_demo_templates('sqlite')}", read_only=False), 1, by="county")
    pg = make_url(PG_ADMIN_URL).set(database=_demo_templates("postgresql")).render_as_string(hide_password=False)
    b = metrics.summary(open_store(pg, read_only=False), 1, by="county")
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_demo_load_is_audited(demo_store):
    with demo_store.session() as s:
        actions = s.scalars(select(AuditLog.action)).all()
    assert actions.count("demo.load") == 2


def test_unknown_programme_and_bad_date(demo_store):
    with pytest.raises(NotFound):
        metrics.summary(demo_store, 99)
    with pytest.raises(UserError):
        metrics.summary(demo_store, 1, as_of="2021-02-30")
    with pytest.raises(NotFound):
        metrics.summary(demo_store, 1, region="110000")


# --- CLI --------------------------------------------------------------------------------------------

def cli(*args, db: str | None = None):
    cmd = [sys.executable, "-m", "lib.cli"] + (["--db", db] if db else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_cli_summary_matches_library(sqlite_demo_url):
    r = cli("summary", "--programme", "1", "--by", "county", db=sqlite_demo_url)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out == json.loads(json.dumps(metrics.summary(open_store(sqlite_demo_url, read_only=False), 1, by="county")))
    assert len(out["children"]) == 45


def test_cli_programmes_shape(sqlite_demo_url):
    out = json.loads(cli("programmes", db=sqlite_demo_url).stdout)
    qh = out[0]
    assert qh["region"] == {"adcode": "630000", "name": "青海省"}
    assert qh["years"] == [2021, 2021]
    assert qh["targets"] == {"communities": 489, "households": 51500}


@pytest.mark.parametrize("args,code,needle", [
    (("summary", "--programme", "42"), 1, "找不到编号为 42"),
    (("summary", "--programme", "1", "--as-of", "2021-13-40"), 1, "YYYY-MM-DD"),
    (("summary", "--programme", "1", "--region", "999999"), 1, "999999"),
    (("summary",), 2, "用法错误"),
    (("frobnicate",), 2, "用法错误"),
])
def test_cli_refusals(sqlite_demo_url, args, code, needle):
    r = cli(*args, db=sqlite_demo_url)
    assert r.returncode == code
    assert needle in r.stderr
    assert "Traceback" not in r.stderr


def test_cli_bad_database_url_hides_password():
    r = cli("programmes", db="postgresql+psycopg://admin:hunter2@127.0.0.1:1/nope")
    assert r.returncode == 1
    assert "hunter2" not in r.stderr and "Traceback" not in r.stderr
    assert "无法连接数据库" in r.stderr


def test_cli_init_demo_twice(tmp_path):
    db = f"sqlite:///{tmp_path}/x.db"
    assert cli("init", db=db).returncode == 0
    first = json.loads(cli("demo", db=db).stdout)
    second = json.loads(cli("demo", db=db).stdout)
    assert first["status"] == "loaded" and first["added"]["qinghai-2021"]["communities"] == 489
    assert second == {"status": "unchanged", "added": {}}


def test_cli_export_xlsx_and_csv(sqlite_demo_url, tmp_path):
    import pandas as pd

    r = cli("export", "--programme", "2", "--out", str(tmp_path / "qt.xlsx"), db=sqlite_demo_url)
    assert r.returncode == 0, r.stderr
    df = pd.read_excel(tmp_path / "qt.xlsx")
    assert len(df) == 14 and df["户数（户）"].sum() == 9460
    r = cli("export", "--programme", "1", "--as-of", "2021-06-30", "--out", str(tmp_path / "qh.csv"),
            db=sqlite_demo_url)
    assert r.returncode == 0
    df = pd.read_csv(tmp_path / "qh.csv", encoding="utf-8-sig")
    started = metrics.summary(open_store(sqlite_demo_url, read_only=False), 1, as_of="2021-06-30")
    assert (df["当前阶段"].isin(["开工", "完工", "验收", "长效管理"])).sum() == started["totals"]["communities"]["started"]
    assert cli("export", "--programme", "1", "--out", str(tmp_path / "x.pdf"), db=sqlite_demo_url).returncode == 1
