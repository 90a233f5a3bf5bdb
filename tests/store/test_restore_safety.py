"""A restore that cannot destroy (issue 13, defect 1).

Before: a 191-byte zip whose manifest listed no tables emptied every table and exited 0; a backup
with half of progress_report.jsonl restored half the history; every restore left the county
rollups dirty; a killed backup left a `.backup-*` file with password hashes behind.

Every refused restore here asserts its Chinese sentence and that a full dump of every table
(alembic_version and store_meta's data version included) is identical before and after.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.engine import make_url

from lib.access import admin
from lib.access import auth
from lib.access.auth import Actor
from lib.domain.errors import UserError
from lib.figures import metrics
from lib.figures import rollups
from lib.store import backup
from lib.store.engine import forget_stores, open_store
from lib.store.models import UploadBlob, User

ROOT = Path(__file__).resolve().parents[2]
NOTHING = "已拒绝恢复，数据库未做任何修改。"
# The demo as loaded by lib.samples.demo (counted by hand once, asserted as literals).
DEMO_REPORTS = 16157
# Tables per schema revision: 17 up to 0004; each later migration adds its own (update both lines
# in the commit that adds tables).
SCHEMA_HEAD = "0008"
DEMO_TABLES = 28


# --- helpers --------------------------------------------------------------------------------------------

def dump(store) -> dict[str, list[tuple]]:
    """Every row of every table of the store, in primary-key order."""
    md = MetaData()
    md.reflect(store.engine)
    out = {}
    with store.engine.connect() as conn:
        for t in md.sorted_tables:
            keys = list(t.primary_key.columns) or list(t.columns)
            out[t.name] = [tuple(r) for r in conn.execute(select(t).order_by(*keys))]
    return out


def rewrite(src: Path, dst: Path, *, manifest=None, members: dict | None = None) -> Path:
    """A copy of a zip backup with its manifest passed through `manifest(m)` and members replaced
    (bytes) or dropped (None)."""
    members = members or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", compression=zipfile.ZIP_DEFLATED) as zout:
        for name in zin.namelist():
            if name == "manifest.json":
                m = json.loads(zin.read(name))
                zout.writestr(name, json.dumps(manifest(m) if manifest else m))
            elif name in members:
                if members[name] is not None:
                    zout.writestr(name, members[name])
            else:
                zout.writestr(name, zin.read(name))
    return dst


def member(path: Path, name: str) -> bytes:
    with zipfile.ZipFile(path) as z:
        return z.read(name)


def legacy(m: dict) -> dict:
    """The manifest as the code before checksums wrote it: format /1, row counts only."""
    return {**m, "format": "renovation-backup/1", "tables": [{"name": t["name"], "rows": t["rows"]} for t in m["tables"]]}


def cli(url: str, *args, env=None, timeout=180):
    return subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=timeout, env={**os.environ, **(env or {})})


@pytest.fixture
def good_zip(fresh_demo_store, tmp_path) -> Path:
    out = tmp_path / "good.zip"
    backup.backup(fresh_demo_store, out, portable=True)
    return out


@pytest.fixture
def sqlite_backup(sqlite_demo_url, tmp_path) -> Path:
    """A SQLite-file backup of the demo (restorable into either store)."""
    src = open_store(sqlite_demo_url, read_only=False)
    out = tmp_path / "good.db"
    backup.backup(src, out)
    src.dispose()
    return out


def files(store, wal: bool) -> dict[str, str]:
    """SQLite: the bytes of the database and its write-ahead log (the -shm index changes on reads)."""
    if store.dialect != "sqlite":
        return {}
    db = Path(make_url(store.url).database)
    paths = (db, Path(f"{db}-wal")) if wal else (db,)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths if p.exists()}


def assert_refused(store, path: Path, *needles: str, rolled_back: bool = False, **kw) -> None:
    """Refused with `needles` in the sentence; every row as before and, on SQLite, every byte of the
    database file (and of the write-ahead log unless a transaction began and was rolled back: SQLite
    may spill its uncommitted pages there, never into the database)."""
    wal = not rolled_back
    before, before_files = dump(store), files(store, wal)
    version = store.data_version()
    with pytest.raises(UserError) as e:
        admin.restore(store, path, **kw)
    assert files(store, wal) == before_files
    assert dump(store) == before
    assert store.data_version() == version
    for needle in needles:
        assert needle in e.value.zh, e.value.zh


# --- refused, store unchanged: zip ----------------------------------------------------------------------

def _empty_manifest(tmp_path, fmt):
    f = tmp_path / "empty.zip"
    with zipfile.ZipFile(f, "w") as z:
        z.writestr("manifest.json", json.dumps({"format": fmt, "revision": "0002", "tables": []}))
    return f


@pytest.mark.parametrize("fmt", ["renovation-backup/1", "renovation-backup/2"])
def test_a_zip_whose_manifest_lists_no_tables_is_refused(fresh_demo_store, tmp_path, fmt):
    f = _empty_manifest(tmp_path, fmt)
    assert_refused(fresh_demo_store, f, "备份不完整：数据库版本 0002 应有 15 张表，备份中缺少 15 张（app_user、audit_log、",
                   NOTHING)
    # --unverified relaxes the checksums, never the tables
    assert_refused(fresh_demo_store, f, "备份中缺少 15 张", unverified=True)


def test_a_truncated_table_is_refused(fresh_demo_store, good_zip, tmp_path):
    lines = member(good_zip, "progress_report.jsonl").splitlines(keepends=True)
    assert len(lines) == DEMO_REPORTS
    half = rewrite(good_zip, tmp_path / "half.zip", members={"progress_report.jsonl": b"".join(lines[:8000])})
    assert_refused(fresh_demo_store, half, "备份不完整：表 progress_report 应有 16,157 行（manifest.json），备份中只有 8,000 行。",
                   NOTHING)
    # the same truncation of a backup made before checksums: its row counts still catch it
    old = rewrite(good_zip, tmp_path / "old-half.zip", manifest=legacy,
                  members={"progress_report.jsonl": b"".join(lines[:8000])})
    assert_refused(fresh_demo_store, old, "表 progress_report 应有 16,157 行（manifest.json），备份中只有 8,000 行", NOTHING,
                   unverified=True)
    # a row added is caught the same way
    more = rewrite(good_zip, tmp_path / "more.zip", members={"progress_report.jsonl": b"".join(lines + lines[:1])})
    assert_refused(fresh_demo_store, more, "表 progress_report 应有 16,157 行（manifest.json），备份中却有 16,158 行。")


def test_a_tampered_row_is_refused(fresh_demo_store, good_zip, tmp_path):
    lines = member(good_zip, "progress_report.jsonl").splitlines(keepends=True)
    row = json.loads(lines[100])
    row["stage"] = 0 if row["stage"] else 1  # one community's stage, nothing else
    lines[100] = (json.dumps(row, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode()
    f = rewrite(good_zip, tmp_path / "tampered.zip", members={"progress_report.jsonl": b"".join(lines)})
    assert_refused(fresh_demo_store, f, "备份已损坏或被改动：表 progress_report 的校验和与清单不符", "行数 16,157 相同", NOTHING)


def test_a_missing_table_is_refused(fresh_demo_store, good_zip, tmp_path):
    def drop_accounts(m):
        return {**m, "tables": [t for t in m["tables"] if t["name"] != "app_user"]}

    f = rewrite(good_zip, tmp_path / "no-accounts.zip", manifest=drop_accounts, members={"app_user.jsonl": None})
    assert_refused(fresh_demo_store, f, f"备份不完整：数据库版本 {SCHEMA_HEAD} 应有 {DEMO_TABLES} 张表，备份中缺少 1 张（app_user）。", NOTHING)
    # listed in the manifest, member gone
    f = rewrite(good_zip, tmp_path / "no-member.zip", members={"audit_log.jsonl": None})
    assert_refused(fresh_demo_store, f, "备份不完整：清单列出了表 audit_log，但备份中没有它的数据（audit_log.jsonl）。", NOTHING)


def test_a_wrong_revision_is_refused(fresh_demo_store, good_zip, tmp_path):
    f = rewrite(good_zip, tmp_path / "future.zip", manifest=lambda m: {**m, "revision": "9999"})
    assert_refused(fresh_demo_store, f, "数据库版本“9999”本程序不认识", "请先升级本程序再恢复", NOTHING)
    f = rewrite(good_zip, tmp_path / "none.zip", manifest=lambda m: {**m, "revision": None})
    assert_refused(fresh_demo_store, f, "备份中没有数据库版本信息（alembic_version）", NOTHING)
    # revision 0001 had no rollup tables: a backup that claims 0001 but has them is not consistent
    f = rewrite(good_zip, tmp_path / "0001.zip", manifest=lambda m: {**m, "revision": "0001"})
    assert_refused(fresh_demo_store, f, f"备份中有数据库版本 0001 没有的表：{'、'.join(NEWER_TABLES)}。", NOTHING)


@pytest.mark.parametrize("content,needle", [
    (b"", "不是本系统的备份（既不是 SQLite 数据库，也不是备份 zip）"),
    (b"not a backup at all, just some text\n" * 100, "不是本系统的备份（既不是 SQLite 数据库，也不是备份 zip）"),
    (b"PK\x03\x04" + os.urandom(4000), "不是本系统生成的备份（缺少或无法读取 manifest.json）"),
    (b"SQLite format 3\x00" + os.urandom(4000), "不是可用的数据库备份"),
], ids=["empty", "text", "zip-garbage", "sqlite-garbage"])
def test_a_garbage_file_is_refused(fresh_demo_store, tmp_path, content, needle):
    f = tmp_path / "garbage.bak"
    f.write_bytes(content)
    assert_refused(fresh_demo_store, f, needle, NOTHING)


def test_a_backup_made_before_checksums_needs_unverified(fresh_demo_store, good_zip, tmp_path):
    store = fresh_demo_store
    old = rewrite(good_zip, tmp_path / "old.zip", manifest=legacy)
    assert_refused(store, old, "是旧版本程序制作的（格式 renovation-backup/1），清单中只有行数、没有校验和", "请用本程序重新备份",
                   "--unverified", NOTHING)
    plan = admin.restore(store, old, dry_run=True)  # looking is allowed
    assert plan["verified"] == "row counts only" and plan["restorable"] is False
    auth.create_user(store, Actor.system(), "after_backup", "leader", "correct horse")
    out = admin.restore(store, old, unverified=True)
    assert out["verified"] == "row counts only" and out["tables"]["progress_report"] == DEMO_REPORTS
    with store.session() as s:
        assert s.scalar(select(User.username)) is None  # the account made after the backup is gone


def test_rows_that_break_a_constraint_roll_everything_back(fresh_demo_store, good_zip, tmp_path):
    """A backup consistent with its own manifest whose rows the store refuses: one transaction, nothing written."""
    extra = b'{"id":99999999,"project_id":424242424,"report_date":{"$d":"2021-06-18"},"stage":3}\n'
    data = member(good_zip, "progress_report.jsonl") + extra

    def recount(m):
        for t in m["tables"]:
            if t["name"] == "progress_report":
                t["rows"], t["sha256"] = DEMO_REPORTS + 1, hashlib.sha256(data).hexdigest()
        return m

    f = rewrite(good_zip, tmp_path / "orphan.zip", manifest=recount, members={"progress_report.jsonl": data})
    assert_refused(fresh_demo_store, f, "备份中的数据无法写入本数据库", "已全部撤销，数据库未做任何修改。", rolled_back=True)


# --- refused, store unchanged: SQLite file --------------------------------------------------------------

def _sqlite_variant(good: Path, tmp_path: Path, name: str, sql: str | None = None, cut: float | None = None) -> Path:
    f = tmp_path / name
    data = good.read_bytes()
    f.write_bytes(data[: int(len(data) * cut) // 4096 * 4096] if cut else data)
    if sql:
        with sqlite3.connect(f) as c:
            c.executescript(sql)
        c.close()
    return f


def test_a_damaged_or_incomplete_sqlite_backup_is_refused(fresh_demo_store, sqlite_backup, tmp_path):
    store = fresh_demo_store
    f = _sqlite_variant(sqlite_backup, tmp_path, "half.db", cut=0.5)
    assert_refused(store, f, "文件 half.db 不是可用的数据库备份（无法读取：database disk image is malformed）。", NOTHING)
    f = _sqlite_variant(sqlite_backup, tmp_path, "no-users.db", "DROP TABLE app_user;")
    assert_refused(store, f, f"备份不完整：数据库版本 {SCHEMA_HEAD} 应有 {DEMO_TABLES} 张表，备份中缺少 1 张（app_user）。", NOTHING)
    f = _sqlite_variant(sqlite_backup, tmp_path, "future.db", "UPDATE alembic_version SET version_num = '9999';")
    assert_refused(store, f, "数据库版本“9999”本程序不认识", NOTHING)
    f = _sqlite_variant(sqlite_backup, tmp_path, "not-a-store.db", "DROP TABLE alembic_version;")
    assert_refused(store, f, "备份中没有数据库版本信息", NOTHING)
    # a page overwritten in the middle: it still opens, the integrity check finds it
    f = tmp_path / "scribbled.db"
    data = bytearray(sqlite_backup.read_bytes())
    data[4096 * 300 + 100: 4096 * 300 + 300] = b"\xff" * 200
    f.write_bytes(bytes(data))
    assert_refused(store, f, "备份文件 scribbled.db 已损坏（SQLite 完整性检查发现", NOTHING)


def test_the_cli_refuses_the_191_byte_zip_and_exits_1(sqlite_demo_url, tmp_path):
    f = _empty_manifest(tmp_path, "renovation-backup/1")
    assert f.stat().st_size == 191  # the file of the issue
    store = open_store(sqlite_demo_url, read_only=False)
    before = dump(store)
    r = cli(sqlite_demo_url, "restore", str(f))
    assert r.returncode == 1, r.stderr
    assert "备份不完整：数据库版本 0002 应有 15 张表，备份中缺少 15 张" in r.stderr and "恢复全部数据" not in r.stderr
    assert dump(store) == before


# --- what a good restore does --------------------------------------------------------------------------

def test_a_cli_restore_leaves_the_rollups_clean(fresh_demo_store, good_zip):
    store = fresh_demo_store
    url = store.url
    forget_stores()  # the CLI is another process; nothing of ours holds the database
    r = cli(url, "restore", str(good_zip))
    assert r.returncode == 0, r.stderr
    assert "已从" in r.stderr and "县级汇总已重建" in r.stderr
    out = json.loads(r.stdout)
    assert out["verified"] == "checksums" and out["tables"]["progress_report"] == DEMO_REPORTS
    assert out["after"] == {"1": 1575, "2": 0}  # rollup rows rebuilt per programme
    r = cli(url, "rollups", "--programme", "1", "--check")
    assert r.returncode == 0, r.stderr
    with open_store(url, read_only=False).session() as s:
        assert rollups.check(s, 2)["ok"]


def test_a_library_restore_without_the_rebuild_leaves_rollups_marked_dirty(fresh_demo_store, good_zip):
    """Slow, never wrong: the rollups the backup carried are not trusted, the raw history answers."""
    store = fresh_demo_store
    before = metrics.summary(store, 1, by="county")
    out = admin.restore(store, good_zip)
    assert "after" not in out
    with store.session() as s:
        assert not rollups.usable(s, 1)
    assert metrics.summary(store, 1, by="county") == before


# Tables revision 0001 did not have (0002 rollups, 0003 aliases and totals tables, 0005 review, 0006 the
# reporting schedule, 0007 the search index and the rollup's since-marker), as the refusal lists them.
NEWER_TABLES = ("aggregate_report", "alert_record", "calendar_period", "calendar_setting", "contact", "county_rollup",
                "delivery", "region_alias", "reminder_log", "review_event", "review_lock", "rollup_since",
                "rollup_state", "search_gram", "subscription")


def test_a_backup_of_an_older_schema_revision_restores_and_rebuilds(fresh_demo_store, good_zip, tmp_path):
    """Revision 0001 had no rollup, alias or aggregate tables: left empty by the rows, rollups rebuilt by `after`."""
    store = fresh_demo_store
    before = metrics.summary(store, 1, by="county")

    def at_0001(m):
        return {**m, "revision": "0001", "tables": [t for t in m["tables"]
                                                    if t["name"] not in NEWER_TABLES]}

    f = rewrite(good_zip, tmp_path / "r0001.zip", manifest=at_0001,
                members={f"{t}.jsonl": None for t in NEWER_TABLES})
    out = admin.restore(store, f, after=lambda s: rollups.rebuild(s, 1)["rows_written"])
    assert out["tables"]["county_rollup"] == 0 and out["after"] == 1575
    with store.session() as s:
        assert rollups.check(s, 1)["ok"]
    assert metrics.summary(store, 1, by="county") == before


def test_a_sqlite_backup_restores_into_either_store_with_its_checksums(fresh_demo_store, sqlite_backup, good_zip):
    store = fresh_demo_store
    out = admin.restore(store, sqlite_backup, after=lambda s: rollups.rebuild(s, 1)["rows_written"])
    assert out["format"] == "sqlite" and out["verified"] == "integrity"
    assert out["tables"]["progress_report"] == DEMO_REPORTS and len(out["sha256"]) == DEMO_TABLES
    if store.dialect == "sqlite":  # same store, same rows: the file's checksums equal the zip's manifest
        with zipfile.ZipFile(good_zip) as z:
            manifest = json.loads(z.read("manifest.json"))
        assert out["sha256"]["progress_report"] == next(t["sha256"] for t in manifest["tables"]
                                                        if t["name"] == "progress_report")


def test_the_dry_run_reports_and_writes_nothing(fresh_demo_store, good_zip):
    store = fresh_demo_store
    auth.create_user(store, Actor.system(), "after_backup", "leader", "correct horse")  # one account, one audit row
    before = dump(store)
    out = admin.restore(store, good_zip, dry_run=True)
    assert dump(store) == before
    assert out["status"] == "dry-run" and out["verified"] == "checksums" and out["restorable"] is True
    plan = {p["table"]: p for p in out["plan"]}
    assert len(plan) == DEMO_TABLES
    assert (plan["app_user"]["rows_now"], plan["app_user"]["rows_backup"], plan["app_user"]["change"]) == (1, 0, "replaced")
    assert plan["audit_log"]["rows_now"] == plan["audit_log"]["rows_backup"] + 1
    assert plan["progress_report"] == {**plan["progress_report"], "rows_now": DEMO_REPORTS,
                                       "rows_backup": DEMO_REPORTS, "change": "unchanged"}
    assert sorted(t for t, p in plan.items() if p["change"] != "unchanged") == ["app_user", "audit_log", "store_meta"]
    # a read-only store can be asked too
    ro = open_store(store.url, read_only=True)
    assert admin.restore(ro, good_zip, dry_run=True)["plan"] == out["plan"]


def test_the_cli_dry_run(sqlite_demo_url, tmp_path):
    store = open_store(sqlite_demo_url, read_only=False)
    backup.backup(store, tmp_path / "b.zip", portable=True)
    before = dump(store)
    r = cli(sqlite_demo_url, "restore", str(tmp_path / "b.zip"), "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "progress_report    现有    16,157 行  备份    16,157 行  不变" in r.stderr
    assert "恢复将改动 0 张表，可以恢复。未写入任何数据。" in r.stderr
    assert dump(store) == before


# --- temporary files ------------------------------------------------------------------------------------

@pytest.fixture
def slow_backup_url(sqlite_demo_url) -> str:
    """The demo plus 96 MB that compress badly: a portable backup of it takes seconds."""
    store = open_store(sqlite_demo_url, read_only=False)
    with store.write() as s:
        for i in range(6):
            s.add(UploadBlob(sha256=f"{i:064d}", content=os.urandom(16 * 2 ** 20)))
    forget_stores()
    return sqlite_demo_url


def _writing_into(pid: int, directory: Path) -> bool:
    """Has process `pid` a file open in `directory` (named or not: an unnamed one reads '#… (deleted)')?"""
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return False
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}").startswith(str(directory) + "/"):
                return True
        except OSError:
            continue
    return False


def _interrupted_backup(url: str, out_dir: Path, sig: int, *extra: str) -> int:
    """Start a CLI backup, send `sig` once it is writing its file; the exit code."""
    proc = subprocess.Popen([sys.executable, "-m", "lib.cli", "--db", url, "backup", *extra,
                             "--out", str(out_dir / "b.out")], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not _writing_into(proc.pid, out_dir) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    assert _writing_into(proc.pid, out_dir), "the backup never started writing"
    time.sleep(0.05)
    assert proc.poll() is None, "the backup finished before it could be interrupted"
    proc.send_signal(sig)
    proc.communicate(timeout=60)
    return proc.returncode


@pytest.mark.parametrize("fmt", [["--portable"], []], ids=["zip", "sqlite"])
def test_a_terminated_backup_leaves_no_temporary_file(slow_backup_url, tmp_path, fmt):
    """SIGTERM half-way through a backup: nothing of it is left (it holds password hashes)."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert _interrupted_backup(slow_backup_url, out_dir, signal.SIGTERM, *fmt) == 128 + signal.SIGTERM
    assert sorted(p.name for p in out_dir.iterdir()) == []


@pytest.mark.parametrize("fmt", [["--portable"], []], ids=["zip", "sqlite"])
def test_a_killed_backup_leaves_no_file(slow_backup_url, tmp_path, fmt):
    """kill -9 runs no code: the backup is written to an unnamed file (O_TMPFILE) that the kernel frees.

    Before: a `.backup-*` file with the password hashes stayed until the next backup swept it.
    """
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    assert _interrupted_backup(slow_backup_url, out_dir, signal.SIGKILL, *fmt) == -signal.SIGKILL
    assert sorted(p.name for p in out_dir.iterdir()) == []
    r = cli(slow_backup_url, "backup", *fmt, "--out", str(out_dir / "b.out"))  # and the next one completes
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out_dir.iterdir()) == ["b.out"]
    assert (out_dir / "b.out").stat().st_mode & 0o077 == 0  # it holds password hashes: owner only


def test_the_sweep_spares_a_file_a_live_writer_holds(sqlite_demo_url, tmp_path):
    """Only what nobody holds and nobody wrote to for a minute is removed; a live writer holds an flock."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    ten_minutes_ago = time.time() - 600
    left = out_dir / ".backup-abc123.partial"        # a writer killed ten minutes ago
    left.write_bytes(b"password hashes")
    os.utime(left, (ten_minutes_ago, ten_minutes_ago))
    legacy_left = out_dir / ".backup-q1w2e3r4"        # the name the code before this change used
    legacy_left.write_bytes(b"password hashes")
    os.utime(legacy_left, (ten_minutes_ago, ten_minutes_ago))
    busy = out_dir / ".backup-busy.partial"           # a live writer in another process holds its lock
    busy.write_bytes(b"being written")
    os.utime(busy, (ten_minutes_ago, ten_minutes_ago))
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, sys, time; f = open(sys.argv[1], 'rb'); "
                               "fcntl.flock(f, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)", str(busy)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        out = backup.backup(open_store(sqlite_demo_url, read_only=False), out_dir / "b.zip", portable=True)
        assert sorted(out["removed_stale_temp_files"]) == [".backup-abc123.partial", ".backup-q1w2e3r4"]
        assert sorted(p.name for p in out_dir.iterdir()) == [".backup-busy.partial", "b.zip"]
    finally:
        holder.kill()
        holder.wait()


def test_the_public_configuration_makes_no_backup(sqlite_demo_url, tmp_path):
    """A backup holds the accounts' password hashes and every internal column: not from the public edition."""
    r = cli(sqlite_demo_url, "backup", "--out", str(tmp_path / "pub.db"), env={"DASHBOARD_PUBLIC": "1"})
    assert r.returncode == 1
    assert "当前为公众只读配置（DASHBOARD_PUBLIC=1），不做备份" in r.stderr
    assert not (tmp_path / "pub.db").exists() and not list(tmp_path.glob(".backup-*"))
