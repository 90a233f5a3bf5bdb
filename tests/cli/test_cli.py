"""python -m lib.cli: every command as a subprocess or through main(), its exit codes and messages."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import openpyxl
import pytest
from sqlalchemy import update

from lib.access import auth
from lib.access.auth import Actor
from lib.figures import metrics
from lib.store.engine import open_store
from lib.store.models import CountyRollup
from tests.support import CD, CZ, ROOT
from tests.support.uploads import register_sheet

SYSTEM = Actor.system("test")


def cli(*args, db: str | None = None):
    cmd = [sys.executable, "-m", "lib.cli"] + (["--db", db] if db else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def _cli(url, *args, stdin: str | None = None, env=None):
    return subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env={**os.environ, **(env or {})})


# --- reading ------------------------------------------------------------------------------------

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


def test_cli_review_commands(sqlite_demo_url, tmp_path, capsys):
    from lib.cli import main

    out = tmp_path / "w24.xlsx"
    assert main(["--db", sqlite_demo_url, "dispatch", "--programme", "1", "--week", "2021-W24", "--out", str(out)]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["not_reported"] == ["互助土族自治县", "同德县", "玛沁县"] and out.exists()
    docx = tmp_path / "b.docx"
    assert main(["--db", sqlite_demo_url, "bulletin", "--programme", "1", "--month", "2021-06", "--out", str(docx),
                 "--no-charts"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["cutoff"] == "2021-06-25" and res["prefectures"] == 8 and res["counties"] == 45
    assert main(["--db", sqlite_demo_url, "discipline", "--programme", "1", "--week", "2021-W24"]) == 0
    assert json.loads(capsys.readouterr().out)["missing"] == 3
    assert main(["--db", sqlite_demo_url, "forecast", "--programme", "1", "--as-of", "2021-06-25"]) == 0
    assert len(json.loads(capsys.readouterr().out)["counties"]) == 45
    assert main(["--db", sqlite_demo_url, "dispatch", "--programme", "1", "--week", "2021-W24",
                 "--out", str(tmp_path / "x.pdf")]) == 1
    assert "xlsx" in capsys.readouterr().err


# --- accounts and imports -------------------------------------------------------------------------

def test_cli_user_commands(sqlite_demo_url, tmp_path):
    r = _cli(sqlite_demo_url, "user", "add", "cd_clerk", "--role", "district", "--scope", CD, stdin="correct horse\n")
    assert r.returncode == 0, r.stderr
    pw = tmp_path / "pw.txt"
    pw.write_text("another good one\n", encoding="utf-8")
    r = _cli(sqlite_demo_url, "user", "add", "boss", "--role", "admin", "--password-file", str(pw))
    assert r.returncode == 0, r.stderr
    r = _cli(sqlite_demo_url, "user", "list")
    assert r.returncode == 0 and "cd_clerk" in r.stdout and "argon2" not in r.stdout
    # a password is never an argument: it would show in `ps` and the shell history
    r = _cli(sqlite_demo_url, "user", "add", "x", "--role", "admin", "--password", "correct horse")
    assert r.returncode == 2
    r = _cli(sqlite_demo_url, "user", "disable", "cd_clerk")
    assert r.returncode == 0 and '"active": false' in r.stdout
    r = _cli(sqlite_demo_url, "user", "disable", "ghost")
    assert r.returncode == 1 and "找不到用户" in r.stderr


def test_cli_import_obeys_the_users_scope(sqlite_demo_url, tmp_path):
    """`import --user NAME` acts as that account: a county clerk cannot import another county's rows."""
    from lib.uploads import templates
    from lib.store.engine import open_store

    store = open_store(sqlite_demo_url, read_only=False)
    auth.create_user(store, SYSTEM, "cd_clerk", "district", "correct horse", scope_adcode=CD)
    f = tmp_path / "城中区.xlsx"
    f.write_bytes(templates.template(store, 1, CZ, kind="progress", viewer=Actor.system()))
    r = _cli(sqlite_demo_url, "import", str(f), "--programme", "1", "--county", CZ, "--user", "cd_clerk",
             "--as-of", "2021-06-18")
    assert r.returncode == 1
    assert "cd_clerk" in r.stderr + r.stdout


# --- backup, rollups, synthetic data ----------------------------------------------------------------

def test_cli_backup_and_restore(sqlite_demo_url, tmp_path):
    def cli(*args, env=None):
        return subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, *args], capture_output=True,
                              text=True, cwd=ROOT, timeout=120, env={**os.environ, **(env or {})})

    r = cli("backup", "--out", str(tmp_path / "b.db"))
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["tables"]["project"] == 503
    assert (tmp_path / "b.db").stat().st_mode & 0o077 == 0  # accounts inside: readable by the owner only
    r = cli("backup", "--out", str(tmp_path / "b.db"))
    assert r.returncode == 1 and "已存在" in r.stderr
    r = cli("restore", str(tmp_path / "b.db"))
    assert r.returncode == 0, r.stderr
    r = cli("restore", str(tmp_path / "b.db"), env={"DASHBOARD_PUBLIC": "1"})
    assert r.returncode == 1 and "公众只读" in r.stderr


def test_rollups_cli_exit_codes(sqlite_demo_url):
    def run(*args):
        return subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, "rollups", *args],
                              capture_output=True, text=True)

    ok = run("--programme", "1", "--check")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["ok"] is True
    from lib.store.engine import forget_stores, open_store

    store = open_store(sqlite_demo_url, read_only=False)
    with store.write() as s:  # tamper with one figure behind the triggers' back
        s.execute(update(CountyRollup).where(CountyRollup.county_adcode == "630102",
                                             CountyRollup.report_date == date(2021, 7, 2))
                  .values(started_households=CountyRollup.started_households + 1))
    forget_stores()
    bad = run("--programme", "1", "--check")
    assert bad.returncode == 1
    assert "不一致" in bad.stderr and "--rebuild" in bad.stderr
    assert json.loads(bad.stdout)["problems"][0]["column"] == "started_households"
    fixed = run("--programme", "1", "--rebuild")
    assert fixed.returncode == 0, fixed.stderr
    assert run("--programme", "1", "--check").returncode == 0
    assert run("--programme", "1").returncode == 2  # neither --check nor --rebuild


def test_synth_cli(tmp_path):
    url = f"sqlite:///{tmp_path / 's.db'}"
    p = subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, "synth", "--communities", "200",
                        "--weeks", "4", "--seed", "3"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["status"] == "loaded" and out["communities"] == 200 and "行/秒" in p.stderr


# --- the public configuration ----------------------------------------------------------------------

@pytest.mark.parametrize("argv", [
    ["init"], ["demo"], ["user", "list"], ["user", "disable", "x"], ["restore", "b.zip"],
    ["rollback", "1"], ["import", "x.xlsx", "--programme", "1"], ["db-reader", "r", "--no-password"],
])
def test_cli_refuses_writes_in_the_public_configuration(sqlite_demo_url, tmp_path, argv):
    (tmp_path / "x.xlsx").write_bytes(register_sheet("甲小区"))
    (tmp_path / "b.zip").write_bytes(b"PK\x03\x04")
    argv = [str(tmp_path / a) if a.endswith((".xlsx", ".zip")) else a for a in argv]
    r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, *argv], capture_output=True,
                       text=True, cwd=ROOT, timeout=120, env={**os.environ, "DASHBOARD_PUBLIC": "1"})
    assert r.returncode == 1 and "公众只读" in r.stderr, r.stderr


def test_cli_export_in_public_configuration_has_no_internal_columns(sqlite_demo_url, tmp_path):
    out = tmp_path / "r.xlsx"
    r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, "export", "--programme", "1",
                        "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120,
                       env={**os.environ, "DASHBOARD_PUBLIC": "1"})
    assert r.returncode == 0, r.stderr
    header = [c.value for c in next(openpyxl.load_workbook(out).active.iter_rows(max_row=1))]
    assert "备注" not in header and "存在问题" not in header and "小区名称" in header
