"""Roles, county scope, passwords and lockout, on both stores; the sign-in page."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lib.access import admin
from lib.access import auth
from lib.access.auth import Actor
from lib.domain.errors import NotFound, PermissionDenied, UserError
from lib.store.models import AuditLog, Target, User, utcnow

ROOT = Path(__file__).resolve().parent.parent
CD, CZ, XINING, HAIDONG = "630102", "630103", "630100", "630200"  # 城东区, 城中区, 西宁市, 海东市
SYSTEM = Actor.system("test")


def clerk(scope=CD, name="cd_clerk") -> Actor:
    return Actor(username=name, role="district", scope_adcode=scope)


ADMIN = Actor(username="boss", role="admin")
LEADER = Actor(username="lead", role="leader")
PUBLIC = Actor.public()


# --- the permission table (no store) -----------------------------------------------------------

@pytest.mark.parametrize("actor,action,region,ok", [
    (PUBLIC, "read", None, True),
    (PUBLIC, "read_internal", None, False),
    (PUBLIC, "upload", CD, False),
    (clerk(), "upload", CD, True),
    (clerk(), "upload", CZ, False),  # the neighbouring county
    (clerk(XINING), "upload", CZ, True),  # a prefecture scope covers its counties
    (clerk(XINING), "upload", "630202", False),  # 海东市乐都区
    (clerk(), "upload", XINING, False),  # a county clerk cannot upload for the whole prefecture
    (clerk(), "upload", "99999x", False),  # nonsense adcode: refused, not an exception
    (clerk(), "rollback", CD, False),
    (clerk(), "target", CD, False),
    (clerk(), "read_internal", None, True),
    (LEADER, "action", None, True),
    (LEADER, "bulletin", None, True),
    (LEADER, "upload", CD, False),
    (LEADER, "target", None, False),
    (ADMIN, "upload", CZ, True),
    (ADMIN, "rollback", None, True),
    (ADMIN, "user", None, True),
    (SYSTEM, "user", None, True),
])
def test_permission_table(actor, action, region, ok):
    assert auth.can(actor, action, region) is ok
    if ok:
        assert auth.require(actor, action, region) == actor.username
    else:
        with pytest.raises(PermissionDenied):
            auth.require(actor, action, region)


def test_refusal_says_who_which_region_and_why():
    with pytest.raises(PermissionDenied) as e:
        auth.require(clerk(), "upload", CZ)
    msg = str(e.value)
    assert "cd_clerk" in msg and "城中区" in msg and "城东区" in msg and "范围" in msg
    with pytest.raises(PermissionDenied) as e:
        auth.require(LEADER, "target")
    assert "仅限管理员" in str(e.value)
    with pytest.raises(PermissionDenied) as e:
        auth.require(PUBLIC, "upload", CD)
    assert "公众版" in str(e.value)


def test_district_without_scope_cannot_upload():
    assert not auth.can(Actor(username="x", role="district"), "upload", CD)


def test_expired_session_can_only_read():
    gone = Actor(username="boss", role="admin", expires_at=utcnow() - timedelta(seconds=1))
    assert auth.can(gone, "read") and not auth.can(gone, "target")
    with pytest.raises(PermissionDenied, match="过期"):
        auth.require(gone, "target")


def test_a_bare_string_is_not_an_actor():
    with pytest.raises(TypeError):
        auth.require("admin", "target")


# --- accounts, passwords, lockout (both stores) --------------------------------------------------

def test_create_user_hashes_with_argon2_and_audits(empty_store):
    out = auth.create_user(empty_store, SYSTEM, "cd_clerk", "district", "correct horse", scope_adcode=CD)
    assert out["scope_adcode"] == CD and "password_hash" not in out
    with empty_store.session() as s:
        u = s.scalar(select(User).where(User.username == "cd_clerk"))
        entry = s.scalar(select(AuditLog).where(AuditLog.action == "user.create"))
    assert u.password_hash.startswith("$argon2id$") and "correct horse" not in u.password_hash
    assert entry.actor == "test" and entry.entity_id == "cd_clerk" and entry.after["role"] == "district"
    assert "password_hash" not in str(entry.after)


@pytest.mark.parametrize("kw,needle", [
    (dict(role="district"), "--scope"),
    (dict(role="district", scope_adcode="630000"), "省级"),
    (dict(role="leader", scope_adcode=CD), "只有县区填报员"),
    (dict(role="root"), "角色"),
    (dict(role="district", scope_adcode="123456"), "不存在"),
])
def test_account_rules(empty_store, kw, needle):
    with pytest.raises(UserError, match=needle):
        auth.create_user(empty_store, SYSTEM, "someone", password="long enough pw", **kw)


def test_only_admins_manage_users(empty_store):
    for who in (LEADER, clerk(), PUBLIC):
        with pytest.raises(PermissionDenied):
            auth.create_user(empty_store, who, "x", "admin", "long enough pw")
    with empty_store.session() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 0


def test_password_rules(empty_store):
    with pytest.raises(UserError, match="至少"):
        auth.create_user(empty_store, SYSTEM, "a", "admin", "short")
    with pytest.raises(UserError, match="相同"):
        auth.create_user(empty_store, SYSTEM, "administrator", "admin", "Administrator")
    auth.create_user(empty_store, SYSTEM, "a", "admin", "long enough pw")
    with pytest.raises(UserError, match="已存在"):
        auth.create_user(empty_store, SYSTEM, "a", "admin", "long enough pw")


def test_sign_in_and_session_expiry(empty_store):
    auth.create_user(empty_store, SYSTEM, "cd_clerk", "district", "correct horse", scope_adcode=CD,
                     display_name="城东区住建局")
    me = auth.authenticate(empty_store, " cd_clerk ", "correct horse", ttl_minutes=30)
    assert (me.username, me.role, me.scope_adcode, me.via) == ("cd_clerk", "district", CD, "password")
    assert timedelta(minutes=29) < me.expires_at - utcnow() <= timedelta(minutes=30)
    assert auth.can(me, "upload", CD) and not auth.can(me, "upload", CZ)
    later = auth.authenticate(empty_store, "cd_clerk", "correct horse", ttl_minutes=0)
    assert later.expired() and auth.refresh(empty_store, later).role == "public"


def test_wrong_passwords_lock_out(empty_store):
    auth.create_user(empty_store, SYSTEM, "cd_clerk", "district", "correct horse", scope_adcode=CD)
    t0 = utcnow()
    for i in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError, match="用户名或密码不正确"):
            auth.authenticate(empty_store, "cd_clerk", f"guess {i}", now=t0)
    # locked: even the right password is refused, with how long to wait
    with pytest.raises(PermissionDenied, match="已被锁定.*15 分钟"):
        auth.authenticate(empty_store, "cd_clerk", "correct horse", now=t0)
    with pytest.raises(PermissionDenied, match="锁定"):
        auth.authenticate(empty_store, "cd_clerk", "correct horse", now=t0 + timedelta(minutes=14))
    # after 15 minutes the right password works and the counter starts afresh
    me = auth.authenticate(empty_store, "cd_clerk", "correct horse", now=t0 + timedelta(minutes=15, seconds=1))
    assert me.username == "cd_clerk"
    with empty_store.session() as s:
        u = s.scalar(select(User).where(User.username == "cd_clerk"))
        fails = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "user.login_failed"))
    assert u.failed_attempts == 0 and u.locked_until is None and fails == auth.MAX_FAILED_ATTEMPTS


def test_admin_unlocks(empty_store):
    auth.create_user(empty_store, SYSTEM, "u1", "leader", "correct horse")
    for i in range(auth.MAX_FAILED_ATTEMPTS):
        with pytest.raises(UserError):
            auth.authenticate(empty_store, "u1", "nope nope")
    with pytest.raises(PermissionDenied):
        auth.authenticate(empty_store, "u1", "correct horse")
    auth.enable_user(empty_store, SYSTEM, "u1")
    assert auth.authenticate(empty_store, "u1", "correct horse").role == "leader"


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(empty_store):
    auth.create_user(empty_store, SYSTEM, "u1", "leader", "correct horse")
    with pytest.raises(UserError) as a:
        auth.authenticate(empty_store, "nobody", "correct horse")
    with pytest.raises(UserError) as b:
        auth.authenticate(empty_store, "u1", "wrong horse")
    assert str(a.value) == str(b.value)


def test_disabled_account_cannot_sign_in_and_is_dropped_from_sessions(empty_store):
    auth.create_user(empty_store, SYSTEM, "u1", "leader", "correct horse")
    me = auth.authenticate(empty_store, "u1", "correct horse")
    auth.disable_user(empty_store, SYSTEM, "u1")
    with pytest.raises(PermissionDenied, match="停用"):
        auth.authenticate(empty_store, "u1", "correct horse")
    assert auth.refresh(empty_store, me).role == "public"
    with pytest.raises(PermissionDenied, match="停用"):
        auth.load_actor(empty_store, "u1")
    with pytest.raises(NotFound):
        auth.load_actor(empty_store, "ghost")


def test_role_change_takes_effect_on_the_next_page_run(empty_store):
    auth.create_user(empty_store, SYSTEM, "u1", "district", "correct horse", scope_adcode=CD)
    me = auth.authenticate(empty_store, "u1", "correct horse")
    auth.update_user(empty_store, SYSTEM, "u1", scope_adcode=CZ)
    fresh = auth.refresh(empty_store, me)
    assert auth.can(fresh, "upload", CZ) and not auth.can(fresh, "upload", CD)


def test_oidc_identity_maps_to_an_account_by_email(empty_store):
    auth.create_user(empty_store, SYSTEM, "li@zjj.gov.cn", "leader", None)  # OIDC only: no password
    me = auth.actor_for_identity(empty_store, ["li@zjj.gov.cn", "li"])
    assert me.role == "leader" and me.via == "oidc"
    assert auth.actor_for_identity(empty_store, ["stranger@x.cn", None]) is None
    with pytest.raises(UserError):  # no password set: password sign-in never succeeds
        auth.authenticate(empty_store, "li@zjj.gov.cn", "")


# --- admin writes: targets and programmes ---------------------------------------------------------

def _target(store, region, metric, programme=1):
    with store.session() as s:
        return s.scalar(select(Target.value).where(Target.programme_id == programme, Target.region_adcode == region,
                                                    Target.metric == metric))


def test_set_target_is_audited_with_before_and_after(fresh_demo_store):
    store = fresh_demo_store
    old = _target(store, CD, "households")
    out = admin.set_target(store, ADMIN, 1, CD, "households", old + 100, note="调整")
    assert out["before"]["value"] == old and out["after"]["value"] == old + 100
    assert _target(store, CD, "households") == old + 100
    with store.session() as s:
        e = s.scalars(select(AuditLog).where(AuditLog.action == "target.set")).one()
    assert (e.actor, e.entity_id, e.before["value"], e.after["value"]) == ("boss", f"1/{CD}/households", old, old + 100)


def test_district_and_leader_cannot_change_targets(fresh_demo_store):
    store = fresh_demo_store
    old = _target(store, CD, "households")
    for who in (clerk(), LEADER, PUBLIC):
        with pytest.raises(PermissionDenied):
            admin.set_target(store, who, 1, CD, "households", 1)
    assert _target(store, CD, "households") == old


@pytest.mark.parametrize("region,metric,value,needle", [
    ("331121", "households", 10, "不在计划"),  # 青田县 is not in Qinghai
    (CD, "happiness", 10, "指标"),
    (CD, "households", -5, "范围"),
    (CD, "households", float("nan"), "范围"),
    (CD, "households", "12,000", "不是数字"),
])
def test_bad_targets_refused(fresh_demo_store, region, metric, value, needle):
    with pytest.raises(UserError, match=needle):
        admin.set_target(fresh_demo_store, ADMIN, 1, region, metric, value)


def test_create_programme(empty_store):
    out = admin.create_programme(empty_store, ADMIN, "suzhou-2021", "宿州市2021年城镇老旧小区改造", "341300", 2021)
    assert out["id"] and out["region"] == "341300"
    with pytest.raises(UserError, match="已存在"):
        admin.create_programme(empty_store, ADMIN, "suzhou-2021", "x", "341300", 2021)
    with pytest.raises(PermissionDenied):
        admin.create_programme(empty_store, LEADER, "x", "x", "341300", 2021)
    entries = admin.audit_entries(empty_store, ADMIN, action="programme")
    assert [e["action"] for e in entries] == ["programme.create"]
    with pytest.raises(PermissionDenied):
        admin.audit_entries(empty_store, LEADER)


# --- command line ------------------------------------------------------------------------------------

def _cli(url, *args, stdin: str | None = None, env=None):
    return subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120, env={**os.environ, **(env or {})})


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


# --- the sign-in page ---------------------------------------------------------------------------------

def test_sign_in_page_locks_out_and_signs_in(sqlite_demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from lib.store.engine import open_store

    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "0")
    store = open_store(sqlite_demo_url, read_only=False)
    auth.create_user(store, SYSTEM, "cd_clerk", "district", "correct horse", scope_adcode=CD)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page("pages/login.py").run()
    at.text_input(key="login_user").input("cd_clerk")
    at.text_input(key="login_password").input("wrong horse")
    at.button[0].click().run()
    assert at.error and "用户名或密码不正确" in at.error[0].value
    at.text_input(key="login_password").input("correct horse")
    at.button[0].click().run()
    assert not at.exception
    assert at.success and "cd_clerk" in at.success[0].value
    at.switch_page("pages/upload.py").run()
    assert not at.exception and not at.info  # the upload screen itself, not "please sign in"


def test_admin_screen_sets_a_target_and_refuses_non_admins(sqlite_demo_url, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from lib.store.engine import open_store

    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "0")
    store = open_store(sqlite_demo_url, read_only=False)
    auth.create_user(store, SYSTEM, "boss", "admin", "correct horse")
    auth.create_user(store, SYSTEM, "lead", "leader", "correct horse")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["_auth_actor"] = auth.load_actor(store, "lead", via="password")
    at.run()
    with pytest.raises(ValueError):  # not in a leader's page list
        at.switch_page("pages/admin.py")
    at.session_state["_auth_actor"] = auth.load_actor(store, "boss", via="password")
    at.run()
    at.switch_page("pages/admin.py").run()
    assert not at.exception and [tab.label for tab in at.tabs] == ["用户", "目标任务", "改造计划", "操作日志"]
    old = _target(store, CD, "households")
    region = next(w for w in at.text_input if w.label.startswith("地区"))
    region.set_value(CD)
    next(w for w in at.selectbox if w.label == "指标").set_value("households")
    next(w for w in at.number_input if w.label == "目标值").set_value(old + 5)
    next(b for b in at.button if b.label == "保存").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _target(store, CD, "households") == old + 5
    assert admin.audit_entries(store, ADMIN, action="target.set")[0]["actor"] == "boss"
