"""lib.store.backup (and its restore in lib.access.admin): the figures are identical afterwards, on both
stores and across them; a backup never overwrites.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lib.access import admin, auth
from lib.access.auth import Actor
from lib.domain.errors import PermissionDenied, ReadOnlyStore, UserError
from lib.figures import metrics
from lib.store import backup
from lib.store.engine import open_store
from lib.store.models import AuditLog, Project, Target, User

ADMIN = Actor(username="boss", role="admin")


def figures(store) -> dict:
    """Every county's figures for both demo programmes, as the dashboard shows them."""
    return {p: metrics.summary(store, p, by="county") for p in (1, 2)}


def counts(store) -> dict:
    with store.session() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) for m in (Project, Target, User)}


@pytest.mark.parametrize("portable", [False, True], ids=["native", "portable"])
def test_round_trip_restores_identical_figures(fresh_demo_store, tmp_path, portable):
    store = fresh_demo_store
    auth.create_user(store, Actor.system(), "cd_clerk", "district", "correct horse", scope_adcode="630102")
    before, before_counts = figures(store), counts(store)
    out = backup.backup(store, tmp_path / "b.bak", portable=portable)
    assert out["format"] == ("zip" if portable else "sqlite" if store.dialect == "sqlite" else "zip")
    # change things after the backup: a target, a community gone
    admin.set_target(store, ADMIN, 1, "630102", "households", 1)
    with store.write() as s:
        s.execute(Project.__table__.delete().where(Project.code == "QT-01"))
    assert figures(store) != before
    version = store.data_version()
    admin.restore(store, tmp_path / "b.bak")
    assert figures(store) == before and counts(store) == before_counts
    assert store.data_version() > version  # caches keyed on the old version are not reused
    # the account (and its password) came back; new ids continue after the restored ones
    assert auth.authenticate(store, "cd_clerk", "correct horse").role == "district"
    admin.set_target(store, ADMIN, 1, "630102", "lifts", 3)
    with store.session() as s:
        assert s.scalar(select(AuditLog.action).order_by(AuditLog.id.desc())) == "target.set"
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "backup.restore")) == 1


def test_sqlite_backup_restores_into_postgresql(sqlite_demo_url, pg_databases, tmp_path):
    src = open_store(sqlite_demo_url, read_only=False)
    before = figures(src)
    backup.backup(src, tmp_path / "qinghai.db")
    dst = open_store(pg_databases.create(), read_only=False)
    admin.restore(dst, tmp_path / "qinghai.db")
    assert figures(dst) == before
    # and back again, PostgreSQL -> portable zip -> a new SQLite file
    backup.backup(dst, tmp_path / "qinghai.zip")
    again = open_store(f"sqlite:///{tmp_path / 'again.db'}", read_only=False)
    admin.restore(again, tmp_path / "qinghai.zip")
    assert figures(again) == before


def test_backup_never_overwrites(demo_store, tmp_path):
    (tmp_path / "exists.db").write_bytes(b"keep me")
    with pytest.raises(UserError, match="已存在"):
        backup.backup(demo_store, tmp_path / "exists.db")
    assert (tmp_path / "exists.db").read_bytes() == b"keep me"
    with pytest.raises(UserError, match="不存在"):
        backup.backup(demo_store, tmp_path / "no" / "such" / "dir.db")
    if demo_store.dialect == "sqlite":
        from sqlalchemy.engine import make_url

        live = make_url(demo_store.url).database
        with pytest.raises(UserError, match="正在使用"):
            backup.backup(demo_store, live, force=True)


def test_path_traversal_in_a_backup_path_never_overwrites(demo_store, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / "a" / "b").mkdir(parents=True)
    with pytest.raises(UserError, match="已存在"):
        backup.backup(demo_store, tmp_path / "a" / "b" / ".." / ".." / "victim.txt")
    assert victim.read_text(encoding="utf-8") == "precious"
    with pytest.raises(UserError, match="已存在"):
        backup._check_out_path(demo_store, Path("../../../../../../etc/passwd"), force=False)


@pytest.mark.parametrize("content,needle", [
    (b"", "不是本系统的备份"),
    (b"hello, not a backup", "不是本系统的备份"),
    ("zip-no-manifest", "manifest"),
    ("zip-evil-names", "不完整"),
])
def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(fresh_demo_store, tmp_path, content, needle):
    store = fresh_demo_store
    f = tmp_path / "x.bak"
    if content == "zip-no-manifest":
        with zipfile.ZipFile(f, "w") as z:
            z.writestr("project.jsonl", "{}\n")
    elif content == "zip-evil-names":
        with zipfile.ZipFile(f, "w") as z:
            z.writestr("manifest.json", json.dumps({"format": backup.FORMAT, "revision": "0001",
                                                    "tables": [{"name": "../../etc/passwd", "rows": 1}]}))
            z.writestr("../../tmp/evil.jsonl", "{}\n")
    else:
        f.write_bytes(content)
    before = figures(store)
    with pytest.raises(UserError, match=needle):
        admin.restore(store, f)
    assert figures(store) == before
    assert not Path("/tmp/evil.jsonl").exists()


def test_a_failing_restore_changes_nothing(fresh_demo_store, tmp_path):
    """One transaction: a backup whose rows break a constraint half-way leaves the store as it was."""
    store = fresh_demo_store
    backup.backup(store, tmp_path / "b.zip", portable=True)
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(tmp_path / "b.zip") as src, zipfile.ZipFile(broken, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "progress_report.jsonl":  # the last rows point at a community that does not exist
                data += b'{"id": 99999999, "project_id": 424242424, "report_date": {"$d": "2021-06-18"}, "stage": 3}\n'
            dst.writestr(name, data)
    admin.set_target(store, ADMIN, 1, "630102", "households", 7)
    before = figures(store)
    with pytest.raises(UserError, match="未做任何修改"):
        admin.restore(store, broken)
    assert figures(store) == before


def test_only_administrators_restore_and_never_into_a_read_only_store(fresh_demo_store, tmp_path):
    store = fresh_demo_store
    backup.backup(store, tmp_path / "b.zip", portable=True)
    with pytest.raises(PermissionDenied):
        admin.restore(store, tmp_path / "b.zip", actor=Actor(username="lead", role="leader"))
    ro = open_store(store.url, read_only=True)
    with pytest.raises(ReadOnlyStore):
        admin.restore(ro, tmp_path / "b.zip")
