"""Every command of the CLI in the public configuration (DASHBOARD_PUBLIC=1): it refuses before
touching the store or writes only public data (a marker planted in every internal column, the
follow-up actions and the uploaders appears in no output), and the SQLite database keeps every byte
(issue 13, defect 7: `rollups --rebuild` wrote before refusing, `template` wrote the internal
存在问题 column, `backup` wrote a full copy with password hashes, `dispatch` included follow-up
actions and who is responsible).
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import update
from sqlalchemy.engine import make_url

from lib.access.auth import Actor
from lib.review import actions
from lib.store.engine import forget_stores, open_store
from lib.store.models import ProgressReport, Project, Upload
from tests.support import CD, ROOT, WEEK
from tests.support.uploads import register_sheet

SECRET = "内部机密7Q"  # planted in every internal column below: no public output may contain it
INTERNAL_WORDS = (SECRET, "argon2", "cd_clerk")

# (argv, refused?): every subcommand once; outputs go to OUT/
COMMANDS = [
    (["init"], True), (["demo"], True), (["programmes"], False),
    (["programme", "create", "--name", "x", "--region", "630000", "--years", "2022"], True),
    (["programme", "archive", "1"], True), (["programme", "delete", "1"], True),
    (["summary", "--programme", "1"], False), (["checks", "--programme", "1"], False),
    (["export", "--programme", "1", "--out", "OUT/register.xlsx"], False),
    (["export", "--programme", "1", "--out", "OUT/register.csv"], False),
    (["import", "IN/r.xlsx", "--programme", "1", "--county", CD, "--as-of", "2021-06-01"], True),
    (["import", "IN/r.xlsx", "--programme", "1", "--county", CD, "--as-of", "2021-06-01", "--dry-run"], False),
    (["targets", "import", "IN/r.xlsx", "--programme", "1"], True),
    (["rollback", "1"], True), (["uploads", "--programme", "1"], False),
    (["template", "--programme", "1", "--county", CD, "--out", "OUT/template.xlsx"], False),
    (["template", "--programme", "1", "--county", CD, "--kind", "register", "--out", "OUT/template_r.xlsx"], False),
    (["user", "list"], True), (["user", "add", "x", "--role", "admin"], True), (["user", "disable", "x"], True),
    (["backup", "--out", "OUT/b.db"], True), (["backup", "--portable", "--out", "OUT/b.zip"], True),
    (["restore", "IN/b.zip"], True), (["synth", "--communities", "10"], True),
    (["rollups", "--programme", "1", "--check"], False), (["rollups", "--programme", "1", "--rebuild"], True),
    (["db-reader", "r", "--no-password"], True),
    (["dispatch", "--programme", "1", "--week", WEEK.isoformat(), "--out", "OUT/dispatch.xlsx"], False),
    (["dispatch", "--programme", "1", "--week", WEEK.isoformat(), "--out", "OUT/dispatch.docx"], False),
    (["bulletin", "--programme", "1", "--month", "2021-11", "--no-charts", "--out", "OUT/bulletin.docx"], False),
    (["forecast", "--programme", "1"], False), (["discipline", "--programme", "1", "--week", WEEK.isoformat()], False),
    (["calendar", "--programme", "1", "--weekday", "3", "--deadline", "18:00"], True),
    (["zone", "add", "--name", "新区", "--parent", "630100"], True), (["zone", "list"], False),
    (["zone", "alias", "--name", "东区", "--region", CD], True), (["zone", "remove", "东区"], True),
]


def _files(db: Path) -> dict[str, str]:
    """sha256 of the database file, and the size of its write-ahead log.

    A read-only reader of a WAL-mode database still creates an empty -wal and the -shm index (reader
    marks, no data) beside it; a write would add frames to the -wal or change the file itself.
    """
    wal = db.with_name(db.name + "-wal")
    return {db.name: hashlib.sha256(db.read_bytes()).hexdigest(),
            wal.name: str(wal.stat().st_size if wal.exists() else 0)}


def _text_of(path: Path) -> str:
    if path.suffix == ".xlsx":
        wb = openpyxl.load_workbook(path)
        return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
    if path.suffix == ".docx":
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return path.read_text(encoding="utf-8-sig")


@pytest.fixture
def internal_demo(sqlite_demo_url) -> str:
    """The demo with what only staff may see: an account, a follow-up action with who is responsible."""
    store = open_store(sqlite_demo_url, read_only=False)
    from lib.access import auth

    auth.create_user(store, Actor.system(), "cd_clerk", "district", "long enough pw", scope_adcode=CD)
    actions.add(store, 1, week=WEEK, title=f"督办{SECRET}", actor=Actor(username="lead", role="leader"),
                region=CD, owner=f"责任人{SECRET}")
    with store.write() as s:
        s.execute(update(Project).where(Project.programme_id == 1).values(remarks=f"备注{SECRET}"))
        s.execute(update(ProgressReport).values(problems=f"问题{SECRET}", reported_by="cd_clerk"))
        s.execute(update(Upload).values(uploaded_by="cd_clerk"))
    forget_stores()
    return sqlite_demo_url


def test_every_public_command_leaves_the_store_byte_identical(internal_demo, tmp_path):
    db = Path(make_url(internal_demo).database)
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    out.mkdir()
    (inp / "r.xlsx").write_bytes(register_sheet("甲小区"))
    (inp / "b.zip").write_bytes(b"PK\x03\x04")
    before = _files(db)
    env = {**os.environ, "DASHBOARD_PUBLIC": "1", "DASHBOARD_LANG": "zh"}
    wrong = []
    for argv, refused in COMMANDS:
        argv = [a.replace("OUT/", f"{out}/").replace("IN/", f"{inp}/") for a in argv]
        r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", internal_demo, *argv], capture_output=True,
                           text=True, cwd=ROOT, timeout=300, env=env, stdin=subprocess.DEVNULL)
        if refused and not (r.returncode == 1 and "公众" in r.stderr):
            wrong.append((argv[:2], "not refused", r.returncode, r.stderr[-300:]))
        elif not refused and r.returncode != 0:
            wrong.append((argv[:2], "failed", r.returncode, r.stderr[-300:]))
        elif not refused and any(w in r.stdout for w in INTERNAL_WORDS):
            wrong.append((argv[:2], "internal data on stdout", [w for w in INTERNAL_WORDS if w in r.stdout]))
        after = _files(db)
        if after != before:
            wrong.append((argv[:2], "changed the store's files",
                          sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))))
            before = after
    assert wrong == [], "\n".join(map(repr, wrong))
    # what the public commands wrote holds public data only
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted(["register.xlsx", "register.csv", "template.xlsx", "template_r.xlsx", "dispatch.xlsx",
                              "dispatch.docx", "bulletin.docx"])
    leaks = {p.name: [w for w in INTERNAL_WORDS if w in _text_of(p)] for p in out.iterdir()}
    assert {k: v for k, v in leaks.items() if v} == {}
    assert not list(tmp_path.rglob(".backup-*"))
