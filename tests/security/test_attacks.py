"""The usual attacks through the entry points a user or a script would use: SQL injection in names,
formula injection from an upload to an export, oversized input.

About several modules at once (access.auth, access.admin, uploads.ingest, figures.metrics, the CLI's
export and office.sheets): each attack follows one input through every layer it crosses.
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date

import openpyxl
import pytest

from lib.access import admin, auth
from lib.access.auth import Actor
from lib.domain.errors import UserError
from lib.figures import metrics
from lib.store.engine import open_store
from lib.uploads import ingest
from tests.support import CD, ROOT
from tests.support.uploads import communities, register_sheet

ADMIN = Actor(username="boss", role="admin")
CLERK = Actor(username="cd_clerk", role="district", scope_adcode=CD)
EVIL_SQL = "'; DROP TABLE project; --"
EVIL_FORMULA = '=HYPERLINK("http://x","y")'


def test_sql_injection_in_names_is_just_text(fresh_demo_store):
    store = fresh_demo_store
    auth.create_user(store, Actor.system(), EVIL_SQL, "leader", "long enough pw")
    assert auth.authenticate(store, EVIL_SQL, "long enough pw").username == EVIL_SQL
    with pytest.raises(UserError):
        auth.authenticate(store, "' OR '1'='1", "' OR '1'='1")
    pv = ingest.commit(store, register_sheet(EVIL_SQL), "x.xlsx", 1, actor=CLERK, county=CD,
                       as_of=date(2021, 6, 1), kind="register")
    assert pv.status == "committed", [e.message for e in pv.errors]
    assert communities(store) == 504  # the table is still there, one community more
    reg = metrics.register_table(store, 1, region=CD, viewer=Actor.system())
    assert EVIL_SQL in set(reg["name"])
    assert [e["action"] for e in admin.audit_entries(store, ADMIN, who=EVIL_SQL)] == ["user.login"]
    assert [e["entity_id"] for e in admin.audit_entries(store, ADMIN, action="user.create")] == [EVIL_SQL]


def test_formula_in_a_community_name_is_exported_as_text(sqlite_demo_url, tmp_path):
    """End to end: uploaded by a county, exported by the CLI, opened by openpyxl as Excel would."""
    store = open_store(sqlite_demo_url, read_only=False)
    pv = ingest.commit(store, register_sheet(EVIL_FORMULA, "@SUM(1+1)*cmd|' /C calc'!A0"), "x.xlsx", 1,
                       actor=CLERK, county=CD, as_of=date(2021, 6, 1), kind="register")
    assert pv.status == "committed", [e.message for e in pv.errors]
    for suffix in ("xlsx", "csv"):
        out = tmp_path / f"register.{suffix}"
        r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, "export", "--programme", "1",
                            "--region", CD, "--out", str(out)], capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert r.returncode == 0, r.stderr
        if suffix == "xlsx":
            ws = openpyxl.load_workbook(out).active
            cells = [c for row in ws.iter_rows() for c in row]
            assert not [c.coordinate for c in cells if c.data_type == "f"]
            names = {c.value for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value}
            assert names == {"'" + EVIL_FORMULA}
        else:
            body = out.read_text(encoding="utf-8-sig")
            assert "'=HYPERLINK" in body and "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
            assert "'@SUM" in body


def test_oversized_inputs_are_refused_quickly(fresh_demo_store):
    store = fresh_demo_store
    huge = "小" * (10 * 1024 * 1024)
    t0 = time.perf_counter()
    with pytest.raises(UserError, match="不能超过"):
        auth.create_user(store, Actor.system(), huge, "admin", "long enough pw")
    with pytest.raises(UserError, match="不能超过"):
        auth.create_user(store, Actor.system(), "ok", "admin", huge)
    with pytest.raises(UserError, match="不正确"):
        auth.authenticate(store, huge, huge)
    with pytest.raises(UserError, match="不超过"):
        admin.create_programme(store, ADMIN, "big", huge, "630000", 2022)
    for value in (1e300, 10 ** 400, float("inf"), "9" * 5000):
        with pytest.raises(UserError, match="范围|数字"):
            admin.set_target(store, ADMIN, 1, CD, "households", value)
    assert time.perf_counter() - t0 < 10
    # a 10 MB community name in an upload: refused with a sentence, nothing stored
    n = communities(store)
    pv = ingest.commit(store, register_sheet("大" * (10 * 1024 * 1024)), "big.xlsx", 1, actor=CLERK, county=CD,
                       as_of=date(2021, 6, 1), kind="register")
    assert pv.status == "rejected" and pv.errors
    assert communities(store) == n
