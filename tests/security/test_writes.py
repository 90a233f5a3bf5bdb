"""Who may change what, the public deployment, the audit log, and the usual attacks.

Every write path is tried as the wrong person and against the read-only store; each
attack (SQL injection in names, path traversal, formula injection, oversized input)
goes through the same entry point a user or a script would use.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import uuid
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from lib.review import actions
from lib.access import admin
from lib.access import auth
from lib.store import backup
from lib.review import bulletin
from lib.figures import discipline
from lib.uploads import ingest
from lib.figures import metrics
from lib.access.auth import Actor
from lib.domain.errors import PermissionDenied, ReadOnlyStore, UserError
from lib.store.models import AuditLog, Project, Upload
from lib.store.engine import open_store

ROOT = Path(__file__).resolve().parent.parent
CD, CZ = "630102", "630103"
WEEK = date(2021, 12, 3)  # the first reporting Friday after the demo's last week
ADMIN = Actor(username="boss", role="admin")
LEADER = Actor(username="lead", role="leader")
CLERK = Actor(username="cd_clerk", role="district", scope_adcode=CD)
PUBLIC = Actor.public()
EVIL_SQL = "'; DROP TABLE project; --"
EVIL_FORMULA = '=HYPERLINK("http://x","y")'


def xlsx(rows: list[list], sheet: str = "台账") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows():
        for c in row:  # typed as text in Excel ('=...), not a formula
            if isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def register_sheet(*names: str, county: str = "城东区") -> bytes:
    rows = [["项目编号", "小区名称", "所属县区", "改造户数（户）", "改造栋数（栋）", "建成年代（年）", "改造内容"]]
    rows += [[None, n, county, 40 + i, 2, 1995, "供水、道路"] for i, n in enumerate(names)]
    return xlsx(rows)


def audit_count(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(AuditLog))


def communities(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(Project))


# --- every write function, as the wrong person and against the read-only store -------------------

def _writes(store):
    """(name, call(actor)) for every write function in lib."""
    return [
        ("create_user", lambda a: auth.create_user(store, a, "x1", "admin", "long enough pw")),
        ("disable_user", lambda a: auth.disable_user(store, a, "seeded")),
        ("set_target", lambda a: admin.set_target(store, a, 1, CD, "households", 1)),
        ("create_programme", lambda a: admin.create_programme(store, a, "p-x", "x", "630000", 2022)),
        ("upload", lambda a: _raise_if_rejected(ingest.commit(store, register_sheet("甲小区"), "r.xlsx", 1, actor=a,
                                                              county=CD, as_of=date(2021, 6, 1), kind="register"))),
        ("rollback", lambda a: ingest.rollback(store, 1, actor=a)),
        ("action_add", lambda a: actions.add(store, 1, week=WEEK, title="督办", actor=a)),
        ("action_close", lambda a: actions.close(store, 1, actor=a)),
        ("draft_save", lambda a: bulletin.save_text(store, 1, "2021-06", "intro", "文字", actor=a)),
        ("draft_reset", lambda a: bulletin.reset_text(store, 1, "2021-06", "intro", actor=a)),
        ("calendar", lambda a: discipline.set_calendar(store, 1, weekday=3, deadline_hhmm="18:00", actor=a)),
        ("restore", lambda a: admin.restore(store, ROOT / "no-such-backup.zip", actor=a)),
    ]


def _raise_if_rejected(pv):
    if pv.status == "rejected":
        raise PermissionDenied("; ".join(e.message for e in pv.errors))
    return pv


def test_public_actor_can_write_nothing(fresh_demo_store):
    store = fresh_demo_store
    auth.create_user(store, Actor.system(), "seeded", "leader", "long enough pw")
    before, n = audit_count(store), communities(store)
    for name, call in _writes(store):
        with pytest.raises(PermissionDenied):
            call(PUBLIC)
            pytest.fail(f"{name} accepted the public")
    assert audit_count(store) == before and communities(store) == n


@pytest.mark.parametrize("actor,allowed", [
    (CLERK, {"upload"}),
    (LEADER, {"action_add", "action_close", "draft_save", "draft_reset"}),
])
def test_each_role_writes_only_what_it_may(fresh_demo_store, actor, allowed):
    store = fresh_demo_store
    auth.create_user(store, Actor.system(), "seeded", "leader", "long enough pw")
    for name, call in _writes(store):
        if name in allowed:
            continue
        with pytest.raises(PermissionDenied):
            call(actor)
            pytest.fail(f"{name} accepted {actor.role}")


def test_read_only_store_refuses_every_write_even_for_an_admin(demo_store):
    ro = open_store(demo_store.url, read_only=True)
    for name, call in _writes(ro):
        with pytest.raises((ReadOnlyStore, UserError)):
            call(ADMIN)
            pytest.fail(f"{name} wrote to the read-only store")


def test_read_only_sqlite_cannot_be_written_even_by_raw_sql(sqlite_demo_url):
    ro = open_store(sqlite_demo_url, read_only=True)
    with pytest.raises(DBAPIError, match="readonly"):
        with ro.engine.begin() as c:
            c.execute(text("DELETE FROM project"))
    with pytest.raises(DBAPIError, match="readonly"):
        with ro.engine.begin() as c:  # not even by switching pragmas first
            c.exec_driver_sql("PRAGMA query_only = 0")
            c.execute(text("INSERT INTO store_meta (key, value) VALUES ('x', 'y')"))
    assert communities(ro) == 503


def test_read_only_postgresql_refuses_raw_sql_and_the_reader_role_even_when_switched_off(pg_databases, pg_admin):
    url = pg_databases.create()
    rw = open_store(url, read_only=False, migrate=True)
    from lib.samples import demo

    demo.load_demo(rw)
    ro = open_store(url, read_only=True)
    with pytest.raises(DBAPIError, match="read-only transaction"):
        with ro.engine.begin() as c:
            c.execute(text("DELETE FROM project"))
    # default_transaction_read_only can be switched off by a session: hence the reader role
    role = f"renov_reader_{uuid.uuid4().hex[:8]}"
    out = admin.readonly_role(rw, Actor.system(), role, None)
    assert set(out["hidden"]) == {"app_user", "upload_blob", "audit_log"}
    reader = create_engine(make_url(url).set(username=role, password=None))
    try:
        with reader.connect() as c:
            assert c.execute(text("SELECT count(*) FROM project")).scalar() == 503
        with pytest.raises(DBAPIError, match="permission denied"):
            with reader.begin() as c:
                c.execute(text("SET default_transaction_read_only = off"))
                c.execute(text("SET TRANSACTION READ WRITE"))
                c.execute(text("DELETE FROM project"))
        with pytest.raises(DBAPIError, match="permission denied"):
            with reader.connect() as c:
                c.execute(text("SELECT password_hash FROM app_user")).all()
        # the dashboard itself runs on it, read-only
        pub = open_store(str(make_url(url).set(username=role)), read_only=True)
        assert metrics.summary(pub, 1)["totals"]["households"]["target"] == 51500
    finally:
        reader.dispose()
        from lib.store.engine import forget_stores

        forget_stores()
        with pg_admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
            c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        pg_databases.made.remove(make_url(url).database)


def test_reader_role_name_cannot_inject(fresh_demo_store):
    needle = "角色名" if fresh_demo_store.dialect == "postgresql" else "仅适用于 PostgreSQL"
    with pytest.raises(UserError, match=needle):
        admin.readonly_role(fresh_demo_store, Actor.system(), 'x"; DROP TABLE project; --', None)


# --- the public deployment: pages and the command line ---------------------------------------------

PROBE = """
import streamlit as st
from pages import _shared as ui
st.write("|".join(sorted(p.url_path or "overview" for p in ui.page_list())))
"""


def _page_list(url: str, public: bool, actor: Actor | None, tmp_path, monkeypatch) -> set[str]:
    """The pages `_shared.page_list()` gives one session (a probe app beside the real pages)."""
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "1" if public else "0")
    app = tmp_path / "probe"
    app.mkdir(exist_ok=True)
    if not (app / "pages").exists():
        (app / "pages").symlink_to(ROOT / "pages")
    (app / "probe.py").write_text(PROBE, encoding="utf-8")
    at = AppTest.from_file(str(app / "probe.py"), default_timeout=60)
    if actor is not None:
        at.session_state["_auth_actor"] = actor
    at.run()
    assert not at.exception, at.exception
    return set(at.markdown[0].value.split("|"))


PUBLIC_PAGES = {"overview", "map", "rankings", "progress", "content", "register", "community"}


def test_page_lists_by_mode_and_role(sqlite_demo_url, tmp_path, monkeypatch):
    store = open_store(sqlite_demo_url, read_only=False)
    for name, role, scope in (("cd_clerk", "district", CD), ("lead", "leader", None), ("boss", "admin", None)):
        auth.create_user(store, Actor.system(), name, role, "long enough pw", scope_adcode=scope)
    me = {n: auth.load_actor(store, n, via="password") for n in ("cd_clerk", "lead", "boss")}

    assert _page_list(sqlite_demo_url, True, None, tmp_path, monkeypatch) == PUBLIC_PAGES
    # even a signed-in session state means nothing on the public deployment
    assert _page_list(sqlite_demo_url, True, me["boss"], tmp_path, monkeypatch) == PUBLIC_PAGES
    assert _page_list(sqlite_demo_url, False, None, tmp_path, monkeypatch) == PUBLIC_PAGES | {"login"}
    clerk = _page_list(sqlite_demo_url, False, me["cd_clerk"], tmp_path, monkeypatch)
    assert "upload" in clerk and "admin" not in clerk
    leader = _page_list(sqlite_demo_url, False, me["lead"], tmp_path, monkeypatch)
    assert "upload" not in leader and "admin" not in leader and "dispatch" in leader
    boss = _page_list(sqlite_demo_url, False, me["boss"], tmp_path, monkeypatch)
    assert {"upload", "admin", "dispatch", "bulletin", "login"} <= boss
    # a disabled account loses its pages on the next run
    auth.disable_user(store, Actor.system(), "boss")
    assert _page_list(sqlite_demo_url, False, me["boss"], tmp_path, monkeypatch) == PUBLIC_PAGES | {"login"}


def test_public_app_offers_no_write_path(sqlite_demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "1")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    assert any("公众版" in c.value for c in at.caption)  # the banner with the data's as-of date
    for page in ("pages/login.py", "pages/admin.py", "pages/upload.py", "pages/dispatch.py", "pages/bulletin.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            at.switch_page(page)
    at.switch_page("pages/register.py").run()
    assert not at.exception
    assert not at.get("file_uploader") and not at.text_area


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


# --- the audit log -----------------------------------------------------------------------------------

def test_every_kind_of_write_leaves_one_audit_row(fresh_demo_store):
    store = fresh_demo_store
    sysa = Actor.system("ops")
    start = audit_count(store)
    auth.create_user(store, sysa, "cd_clerk", "district", "long enough pw", scope_adcode=CD)
    auth.update_user(store, sysa, "cd_clerk", password="another long one")
    auth.disable_user(store, sysa, "cd_clerk")
    auth.enable_user(store, sysa, "cd_clerk")
    admin.set_target(store, ADMIN, 1, CD, "households", 1234)
    admin.create_programme(store, ADMIN, "suzhou-2021", "宿州市2021年城镇老旧小区改造", "341300", 2021)
    pv = ingest.commit(store, register_sheet("新建巷家属院"), "台账.xlsx", 1, actor=CLERK, county=CD,
                       as_of=date(2021, 6, 1), kind="register")
    assert pv.status == "committed", [e.message for e in pv.errors]
    ingest.rollback(store, pv.upload_id, actor=ADMIN)
    a = actions.add(store, 1, week=WEEK, title="城东区加快开工", actor=LEADER, region=CD)
    actions.close(store, a["id"], actor=LEADER, closed_on=WEEK)
    bulletin.save_text(store, 1, "2021-06", "intro", "六月以来……", actor=LEADER)
    bulletin.reset_text(store, 1, "2021-06", "intro", actor=LEADER)
    discipline.set_calendar(store, 1, weekday=3, deadline_hhmm="18:00", actor=ADMIN)
    auth.authenticate(store, "cd_clerk", "another long one")
    with pytest.raises(UserError):
        auth.authenticate(store, "cd_clerk", "wrong one!!")
    expected = [("user.create", "ops"), ("user.update", "ops"), ("user.disable", "ops"), ("user.enable", "ops"),
                ("target.set", "boss"), ("programme.create", "boss"), ("upload.commit", "cd_clerk"),
                ("upload.rollback", "boss"), ("action.add", "lead"), ("action.close", "lead"),
                ("bulletin.edit", "lead"), ("bulletin.reset", "lead"), ("programme.calendar", "boss"),
                ("user.login", "cd_clerk"), ("user.login_failed", "cd_clerk")]
    with store.session() as s:
        rows = s.execute(select(AuditLog.action, AuditLog.actor).where(AuditLog.id > 0)
                         .order_by(AuditLog.id)).all()[start:]
    assert [tuple(r) for r in rows] == expected
    # before/after where something changed
    entries = {e["action"]: e for e in admin.audit_entries(store, ADMIN)}
    assert entries["target.set"]["after"]["value"] == 1234 and entries["target.set"]["before"]["value"] != 1234
    assert entries["user.disable"]["before"]["active"] is True and entries["user.disable"]["after"]["active"] is False
    assert "another long one" not in str(entries["user.update"]) and "argon2" not in str(entries["user.update"])


def test_audit_log_filters(fresh_demo_store):
    store = fresh_demo_store
    admin.set_target(store, ADMIN, 1, CD, "households", 1)
    admin.set_target(store, Actor(username="boss2", role="admin"), 1, CZ, "households", 2)
    assert [e["actor"] for e in admin.audit_entries(store, ADMIN, action="target")] == ["boss2", "boss"]
    assert [e["entity_id"] for e in admin.audit_entries(store, ADMIN, who="boss")] == [f"1/{CD}/households"]
    assert admin.audit_entries(store, ADMIN, action="%") == []  # LIKE wildcards are text, not patterns
    assert admin.audit_entries(store, ADMIN, since=date(2000, 1, 1), until=date(2000, 1, 2)) == []
    facets = admin.audit_facets(store, ADMIN)
    assert {"target.set", "demo.load"} <= set(facets["actions"])


# --- attacks ------------------------------------------------------------------------------------------

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


def test_path_traversal_in_an_upload_name_stays_a_name(fresh_demo_store):
    store = fresh_demo_store
    pv = ingest.commit(store, register_sheet("乙小区"), "../../etc/passwd.xlsx", 1, actor=CLERK, county=CD,
                       as_of=date(2021, 6, 1), kind="register")
    assert pv.status == "committed", [e.message for e in pv.errors]
    with store.session() as s:
        name = s.scalar(select(Upload.filename).where(Upload.id == pv.upload_id))
    assert name == "passwd.xlsx"


def test_path_traversal_in_a_backup_path_never_overwrites(demo_store, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / "a" / "b").mkdir(parents=True)
    with pytest.raises(UserError, match="已存在"):
        backup.backup(demo_store, tmp_path / "a" / "b" / ".." / ".." / "victim.txt")
    assert victim.read_text(encoding="utf-8") == "precious"
    with pytest.raises(UserError, match="已存在"):
        backup._check_out_path(demo_store, Path("../../../../../../etc/passwd"), force=False)


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


# --- a real server and browser: deep links into a fresh public deployment ----------------------------

@pytest.mark.browser
@pytest.mark.parametrize("public", [True, False], ids=["public", "staff"])
def test_deep_link_to_a_staff_screen_on_a_fresh_server(sqlite_demo_url, tmp_path, public):
    """Streamlit starts in its old pages-folder mode, where /admin as the first request would run
    the page script without app.py's page list. It must land on the overview instead."""
    from tests.streamlit_server import CHROMIUM, CHROMIUM_ARGS, require_chromium, streamlit_server

    require_chromium()
    from playwright.sync_api import sync_playwright

    with streamlit_server(sqlite_demo_url, tmp_path / "streamlit.log",
                          DASHBOARD_PUBLIC="1" if public else "0") as base, sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for path in ("admin", "dispatch", "upload"):  # each as the very first request of a session
            page = b.new_page()
            page.goto(f"{base}/{path}")
            page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
            page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)  # the overview's figures
            nav = " ".join(page.locator('[data-testid="stSidebarNav"] a').all_inner_texts())
            assert "系统管理" not in nav and "上传" not in nav and "_auth" not in nav and "auth\n" not in nav
            assert page.url.rstrip("/") == base, page.url
            assert not page.get_by_text("系统管理").count()
            page.close()
        b.close()
