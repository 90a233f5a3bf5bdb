"""lib.access.auth: roles, county scope, passwords, lockout and sessions, on both stores."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lib.access import auth
from lib.access.auth import Actor
from lib.domain.errors import NotFound, PermissionDenied, UserError
from lib.store.models import AuditLog, User, utcnow

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


# --- parallel guesses (issue 13, defect 4) -------------------------------------------------------

def _guess_in_parallel(store, guesses: list[str], monkeypatch) -> tuple[int, list]:
    """Every guess in its own thread at the same moment; (passwords checked against the account's
    hash, the outcome of each guess)."""
    checked = []
    real = auth._verify

    def counting(password_hash, password):
        if password_hash is not None:
            checked.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "_verify", counting)
    start = threading.Barrier(len(guesses))
    outcomes: list = [None] * len(guesses)

    def go(i, pw):
        start.wait()
        try:
            outcomes[i] = auth.authenticate(store, "cd_clerk", pw)
        except Exception as e:  # noqa: BLE001 - the outcome under test
            outcomes[i] = e

    threads = [threading.Thread(target=go, args=(i, g)) for i, g in enumerate(guesses)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    monkeypatch.setattr(auth, "_verify", real)
    return len(checked), outcomes


def _counters(store) -> tuple[int, int]:
    with store.session() as s:
        u = s.scalar(select(User).where(User.username == "cd_clerk"))
        fails = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "user.login_failed"))
    return u.failed_attempts, fails


def test_twenty_parallel_guesses_check_no_more_than_the_limit(empty_store, monkeypatch):
    """Before: the lock was read before the password and outside the write; all 20 parallel
    guesses were checked (9 of 5 on SQLite) and the right password then signed in."""
    auth.create_user(empty_store, SYSTEM, "cd_clerk", "district", "correct horse", scope_adcode=CD)
    checked, outcomes = _guess_in_parallel(empty_store, [f"guess {i:02d}" for i in range(20)], monkeypatch)
    # one after the other: exactly the limit checked, the rest refused by the lock unchecked
    assert checked == auth.MAX_FAILED_ATTEMPTS, f"{checked} of 20 guesses checked, limit {auth.MAX_FAILED_ATTEMPTS}"
    assert all(isinstance(o, UserError) for o in outcomes)
    assert sum(isinstance(o, PermissionDenied) and "锁定" in str(o) for o in outcomes) == 20 - checked
    assert _counters(empty_store) == (checked, checked)
    with pytest.raises(PermissionDenied, match="已被锁定"):
        auth.authenticate(empty_store, "cd_clerk", "correct horse")


def test_parallel_failures_are_all_counted(empty_store, monkeypatch):
    """Before: on PostgreSQL the counter was read and written back, 40 failures recorded as 21."""
    monkeypatch.setattr(auth, "MAX_FAILED_ATTEMPTS", 100)
    auth.create_user(empty_store, SYSTEM, "cd_clerk", "district", "correct horse", scope_adcode=CD)
    checked, outcomes = _guess_in_parallel(empty_store, [f"guess {i:02d}" for i in range(40)], monkeypatch)
    assert checked == 40 and all(type(o) is UserError for o in outcomes)
    assert _counters(empty_store) == (40, 40)
    # the right password among wrong ones: it signs in, and the counter starts afresh from there
    checked, outcomes = _guess_in_parallel(empty_store, ["correct horse"] + [f"again {i}" for i in range(9)],
                                           monkeypatch)
    assert sum(isinstance(o, Actor) for o in outcomes) == 1
    failed_after_success = _counters(empty_store)[0]
    assert 0 <= failed_after_success <= 9
