"""Who may see and change what: users, roles, county scope, login.

Roles (stored in `app_user.role`):

* `admin`    — programmes, targets, users, rollbacks; may also upload for any county.
* `leader`   — reads everything (incl. internal remarks), records follow-up actions (督办事项),
               edits bulletin drafts.
* `district` — reads, and uploads ledgers for its own county or prefecture only (`scope_adcode`).
* `public`   — anonymous: reads the public figures, nothing else.
* `system`   — the command line and the demo loader (whoever has shell access to the server).

Every write function in lib takes the acting user (`Actor`) and calls `require(actor, action,
region)`; the pages only hide what the lib would refuse anyway.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import select

from lib.domain import regions
from lib.domain.errors import NotFound, PermissionDenied, UserError
from lib.domain.text import Text
from lib.store.models import User as UserRow, utcnow
from lib.store.engine import Abort, Store, audit

ROLES: dict[str, Text] = {
    "admin": Text("管理员", "administrator"),
    "leader": Text("领导小组/工作专班", "leadership"),
    "district": Text("县区填报员", "district staff"),
    "public": Text("公众", "public"),
    "system": Text("系统（命令行）", "system (command line)"),
}
USER_ROLES = ("admin", "leader", "district")  # roles a stored account may have

# action -> (roles allowed, what it is in Chinese, in English)
PERMISSIONS: dict[str, tuple[frozenset[str], str, str]] = {
    "read": (frozenset({"public", "district", "leader", "admin", "system"}), "查看公开数据", "read public figures"),
    "read_internal": (frozenset({"district", "leader", "admin", "system"}),
                      "查看内部备注、存在问题、填报人和原始文件", "read internal remarks, problems, uploaders and raw files"),
    "upload": (frozenset({"district", "admin", "system"}), "上传台账和进度", "upload ledgers"),
    "rollback": (frozenset({"admin", "system"}), "撤销已导入的上传", "roll back an upload"),
    "action": (frozenset({"leader", "admin", "system"}), "登记和办结督办事项", "record follow-up actions"),
    "bulletin": (frozenset({"leader", "admin", "system"}), "编辑月通报草稿", "edit bulletin drafts"),
    "target": (frozenset({"admin", "system"}), "修改目标任务", "change targets"),
    "programme": (frozenset({"admin", "system"}), "新建或修改改造计划", "create or change programmes"),
    "user": (frozenset({"admin", "system"}), "管理用户", "manage users"),
    "audit": (frozenset({"admin", "system"}), "查看操作日志", "read the audit log"),
}
# Actions where an actor with a scope (a district account) is limited to it.
SCOPED_ACTIONS = frozenset({"upload"})

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # argon2 hashes anything, but a 10 MB "password" is an attack
USERNAME_MAX = 64


@dataclass(frozen=True)
class Actor:
    """The acting user of one request: who they are, what role, which region they answer for."""

    username: str
    role: str
    scope_adcode: str | None = None
    display_name: str | None = None
    user_id: int | None = None
    signed_in_at: datetime | None = None
    expires_at: datetime | None = None
    via: str = "password"  # password | oidc | cli

    @classmethod
    def public(cls) -> "Actor":
        return cls(username="public", role="public", via="anonymous")

    @classmethod
    def system(cls, name: str = "system") -> "Actor":
        return cls(username=name, role="system", via="cli")

    def __str__(self) -> str:  # what the audit log records
        return self.username

    @property
    def is_staff(self) -> bool:
        return self.role in ("admin", "leader", "district", "system")

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at is not None and (now or utcnow()) >= self.expires_at

    def describe(self, lang: str = "zh") -> str:
        """'zhang（县区填报员，西宁市城东区）' / 'zhang (district staff, 630102)' — for messages and the sidebar."""
        role = ROLES.get(self.role, Text(self.role)).pick(lang)
        if self.role == "public":
            return role
        scope = Text(f"，{regions.describe(self.scope_adcode)}", f", {self.scope_adcode}") if self.scope_adcode \
            else Text("")
        return _DESCRIBE.format(lang, who=self.display_name or self.username, role=role, scope=scope.pick(lang))


_DESCRIBE = Text("{who}（{role}{scope}）", "{who} ({role}{scope})")
User = Actor  # the acting user; `lib.models.User` is the stored account row


def _as_actor(actor) -> Actor:
    if isinstance(actor, Actor):
        return actor
    if actor is None:
        return Actor.public()
    raise TypeError("pass an auth.Actor (Actor.system() for the command line), not " + type(actor).__name__)


def _in_scope(scope: str | None, region: str | None) -> bool:
    if scope is None or region is None:
        return True
    try:
        return regions.contains(scope, str(region))
    except NotFound:
        return False


# --- permission checks -----------------------------------------------------------------------

def sees_internal(viewer: Actor) -> bool:
    """May `viewer` see internal fields (problems, remarks, uploaders, follow-up actions)?

    Every read that can show internal data takes the viewer and asks this; there is no default.
    """
    return can(viewer, "read_internal")


def sees_internal_in(viewer: Actor, region: str | None) -> bool:
    """May `viewer` see the internal fields of rows in `region` (a county's problems, an action
    for it)? Leaders, administrators and the system: everywhere; a district account: inside its
    own county or prefecture only (never for rows of no region, nor without a scope)."""
    viewer = _as_actor(viewer)
    if not sees_internal(viewer):
        return False
    if viewer.role != "district":
        return True
    return bool(viewer.scope_adcode) and region is not None and _in_scope(viewer.scope_adcode, str(region))


def can(actor: Actor | None, action: str, region: str | None = None) -> bool:
    """True if the actor may do `action` (in `region`, for scoped actions)."""
    actor = _as_actor(actor)
    if action not in PERMISSIONS:
        raise ValueError(f"unknown action {action!r}")
    if actor.expired():
        return action == "read"
    roles = PERMISSIONS[action][0]
    if actor.role not in roles:
        return False
    if action in SCOPED_ACTIONS and actor.role == "district":
        if not actor.scope_adcode:
            return False
        return _in_scope(actor.scope_adcode, region)
    return True


def require(actor: Actor | None, action: str, region: str | None = None) -> str:
    """Raise PermissionDenied (one Chinese sentence: who, which rows, why) unless `can(...)`.

    Returns the actor's user name, which is what the audit log and `*_by` columns record.
    """
    actor = _as_actor(actor)
    if can(actor, action, region):
        return actor.username
    what_zh, what_en = PERMISSIONS[action][1], PERMISSIONS[action][2]
    allowed = "、".join(ROLES[r][0] for r in sorted(PERMISSIONS[action][0]) if r not in ("system", "public"))
    if actor.expired():
        raise PermissionDenied(f"登录已过期，请重新登录后再{what_zh}。", f"Your session has expired: sign in again to {what_en}.")
    if actor.role == "public":
        raise PermissionDenied(f"公众版（未登录）不能{what_zh}，请在内部平台登录有权限的账号后操作。",
                               f"The public edition cannot {what_en}; sign in on the staff site.")
    if actor.role not in PERMISSIONS[action][0]:
        raise PermissionDenied(f"账号{actor.describe()}无权{what_zh}：此操作仅限{allowed}。",
                               f"{actor.describe('en')} may not {what_en}.")
    if not actor.scope_adcode:
        raise PermissionDenied(f"账号{actor.describe()}尚未设置负责的县（区）或市（州），不能{what_zh}，请联系管理员设置。",
                               f"{actor.describe('en')} has no county scope; ask an administrator.")
    place = _describe_region(region)
    raise PermissionDenied(f"账号{actor.describe()}不能{what_zh}：{place}不在本账号负责的"
                           f"{regions.describe(actor.scope_adcode)}范围内。",
                           f"{actor.describe('en')} may not {what_en} for {region}: outside {actor.scope_adcode}.")


def _describe_region(region: str | None) -> str:
    try:
        return regions.describe(str(region))
    except NotFound:
        return f"行政区划代码“{str(region)[:20]}”"


# --- passwords ---------------------------------------------------------------------------------

def _hasher():
    from argon2 import PasswordHasher

    return PasswordHasher()


_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    # Verified against when the user does not exist, so that a wrong name costs the same time
    # as a wrong password and does not reveal which accounts exist.
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = _hasher().hash("not-a-real-password-" + "x" * 16)
    return _DUMMY_HASH


def hash_password(password: str) -> str:
    check_password_rules(password)
    return _hasher().hash(password)


def check_password_rules(password: str, username: str | None = None) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符，请换一个更长的密码。",
                        f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise UserError(f"密码不能超过 {MAX_PASSWORD_LENGTH} 个字符。", f"At most {MAX_PASSWORD_LENGTH} characters.")
    if username and password.strip().lower() == username.strip().lower():
        raise UserError("密码不能与用户名相同。", "The password must differ from the user name.")


def _verify(password_hash: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    try:
        return _hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- accounts ------------------------------------------------------------------------------------

def _clean_username(username: str) -> str:
    name = (username or "").strip()
    if not name:
        raise UserError("用户名不能为空。", "The user name is empty.")
    if len(name) > USERNAME_MAX:
        raise UserError(f"用户名不能超过 {USERNAME_MAX} 个字符。", f"At most {USERNAME_MAX} characters.")
    if any(ord(c) < 32 for c in name):
        raise UserError("用户名不能包含换行或控制字符。", "No control characters in a user name.")
    return name


def _check_role_scope(role: str, scope_adcode: str | None) -> str | None:
    if role not in USER_ROLES:
        raise UserError(f"角色“{str(role)[:20]}”无效，请使用 admin（管理员）、leader（领导）或 district（县区填报员）。",
                        "Role must be admin, leader or district.")
    if role == "district":
        if not scope_adcode:
            raise UserError("县区填报员账号必须指定负责的县（区）或市（州）行政区划代码，例如 --scope 630102。",
                            "A district account needs --scope ADCODE.")
        r = regions.get(str(scope_adcode).strip())
        if r.level == "province":
            raise UserError(f"县区填报员的负责范围应为县（区）或市（州），{r.name}是省级；省级人员请使用 admin 或 leader 角色。",
                            "A district scope is a county or a prefecture.")
        return r.adcode
    if scope_adcode:
        raise UserError("只有县区填报员（district）账号有负责地区，管理员和领导账号不设 --scope。",
                        "Only district accounts have a scope.")
    return None


def _row_dict(u: UserRow) -> dict:
    """An account as shown to administrators: never the password hash."""
    return {"username": u.username, "display_name": u.display_name, "role": u.role,
            "scope_adcode": u.scope_adcode,
            "scope": regions.describe(u.scope_adcode) if u.scope_adcode else None,
            "active": u.active, "failed_attempts": u.failed_attempts,
            "locked_until": u.locked_until.isoformat(timespec="seconds") if u.locked_until else None,
            "created_at": u.created_at.isoformat(timespec="seconds") if u.created_at else None,
            "last_login_at": u.last_login_at.isoformat(timespec="seconds") if u.last_login_at else None}


def create_user(store: Store, actor: Actor, username: str, role: str, password: str | None = None, *,
                scope_adcode: str | None = None, display_name: str | None = None) -> dict:
    """Add an account. `password=None` makes an account that can only sign in through OIDC."""
    actor = _as_actor(actor)
    require(actor, "user")
    username = _clean_username(username)
    scope = _check_role_scope(role, scope_adcode)
    if display_name is not None:
        display_name = display_name.strip()[:100] or None
    pw_hash = None
    if password is not None:
        check_password_rules(password, username)
        pw_hash = _hasher().hash(password)
    with store.write() as s:
        if s.scalar(select(UserRow.id).where(UserRow.username == username)) is not None:
            raise UserError(f"用户名“{username}”已存在，请换一个名字，或用 user list 查看已有账号。",
                            f"User {username!r} already exists.")
        u = UserRow(username=username, role=role, scope_adcode=scope, display_name=display_name,
                    password_hash=pw_hash, active=True, failed_attempts=0)
        s.add(u)
        s.flush()
        after = _row_dict(u)
        audit(s, str(actor), "user.create", "app_user", username, after=after)
    return after


def has_admin(store: Store) -> bool:
    """Is there an active administrator? (A fresh store has none: the sign-in screen says how to make one.)"""
    with store.session() as s:
        return s.scalar(select(UserRow.id).where(UserRow.role == "admin", UserRow.active.is_(True)).limit(1)) is not None


def list_users(store: Store, actor: Actor) -> list[dict]:
    require(actor, "user")
    with store.session() as s:
        return [_row_dict(u) for u in s.scalars(select(UserRow).order_by(UserRow.username))]


def _get_row(s, username: str) -> UserRow:
    u = s.scalar(select(UserRow).where(UserRow.username == (username or "").strip()))
    if u is None:
        raise NotFound(f"找不到用户“{str(username)[:64]}”，请用 user list 查看已有账号。", f"No user {username!r}.")
    return u


def update_user(store: Store, actor: Actor, username: str, *, active: bool | None = None,
                role: str | None = None, scope_adcode: str | None = ..., display_name: str | None = ...,
                password: str | None = None, unlock: bool = False) -> dict:
    """Change an account: enable/disable, role and scope, display name, password, unlock."""
    actor = _as_actor(actor)
    require(actor, "user")
    with store.write() as s:
        u = _get_row(s, username)
        before = _row_dict(u)
        new_role = role or u.role
        new_scope = u.scope_adcode if scope_adcode is ... else scope_adcode
        if role is not None and role != "district" and scope_adcode is ...:
            new_scope = None
        u.scope_adcode = _check_role_scope(new_role, new_scope)
        if new_role != u.role and u.role == "admin" and actor.username == u.username:
            raise UserError("不能取消自己的管理员角色，请由另一位管理员操作。", "You cannot demote yourself.")
        u.role = new_role
        if display_name is not ...:
            u.display_name = (display_name or "").strip()[:100] or None
        if active is not None:
            if not active and actor.username == u.username:
                raise UserError("不能停用自己正在使用的账号。", "You cannot disable your own account.")
            u.active = active
        if password is not None:
            check_password_rules(password, u.username)
            u.password_hash = _hasher().hash(password)
        if unlock or password is not None:
            u.failed_attempts = 0
            u.locked_until = None
        after = _row_dict(u)
        changes = {k: v for k, v in after.items() if before.get(k) != v}
        if password is not None:
            changes["password"] = "changed"  # never the password or its hash
        action = ("user.disable" if active is False else "user.enable" if active is True and not before["active"]
                  else "user.update")
        audit(s, str(actor), action, "app_user", u.username, before=before,
              after={**after, **({"password": "changed"} if password is not None else {})},
              detail=", ".join(sorted(changes)) or None)
    return after


def disable_user(store: Store, actor: Actor, username: str) -> dict:
    return update_user(store, actor, username, active=False)


def enable_user(store: Store, actor: Actor, username: str) -> dict:
    return update_user(store, actor, username, active=True, unlock=True)


# --- signing in ---------------------------------------------------------------------------------

def _actor_from_row(store: Store, u: UserRow, ttl_minutes: int | None, via: str) -> Actor:
    now = utcnow()
    if ttl_minutes is None:
        ttl_minutes = store.config.session_ttl_minutes
    return Actor(username=u.username, role=u.role, scope_adcode=u.scope_adcode, display_name=u.display_name,
                 user_id=u.id, signed_in_at=now, expires_at=now + timedelta(minutes=ttl_minutes), via=via)


_BAD_LOGIN = ("用户名或密码不正确，请重试（连续 {n} 次失败后账号将锁定 {m} 分钟）。",
              "Wrong user name or password.")


def authenticate(store: Store, username: str, password: str, *, ttl_minutes: int | None = None,
                 now: datetime | None = None) -> Actor:
    """Check a user name and password; the signed-in Actor, or UserError saying what to do.

    Every failure counts; after MAX_FAILED_ATTEMPTS the account is locked for LOCKOUT,
    even for the right password. Unknown names and wrong passwords get the same answer.
    """
    now = now or utcnow()
    name = (username or "").strip()[:USERNAME_MAX + 1]
    password = password if isinstance(password, str) else ""
    bad = UserError(_BAD_LOGIN[0].format(n=MAX_FAILED_ATTEMPTS, m=int(LOCKOUT.total_seconds() // 60)), _BAD_LOGIN[1])
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[:MAX_PASSWORD_LENGTH + 1]  # never hash megabytes; it cannot match anyway
    with store.session() as s:
        uid = s.scalar(select(UserRow.id).where(UserRow.username == name)) if name else None
    if uid is None:
        _verify(None, password)  # same time as a real check
        raise bad
    # Lock, password and counter in one write transaction holding the account row (SELECT … FOR
    # UPDATE on PostgreSQL; SQLite's write began with BEGIN IMMEDIATE): parallel guesses queue
    # here, each sees the count the previous one left, and none is checked once the lock is on.
    locked = signed_in = None
    active = ok = False
    with store.write() as s:
        row = s.scalar(select(UserRow).where(UserRow.id == uid).with_for_update())
        if row is None:  # deleted meanwhile
            raise Abort
        active, who = row.active, row.username
        if row.locked_until is not None and row.locked_until > now:
            locked = max(1, math.ceil((row.locked_until - now).total_seconds() / 60))
            raise Abort
        ok = _verify(row.password_hash, password)
        if ok and row.active:
            row.failed_attempts = 0
            row.locked_until = None
            row.last_login_at = now
            audit(s, row.username, "user.login", "app_user", row.username)
            signed_in = _actor_from_row(store, row, ttl_minutes, "password")
        elif not row.active:
            audit(s, row.username, "user.login_refused", "app_user", row.username, detail="disabled")
        else:
            if row.locked_until is not None and row.locked_until <= now:
                row.failed_attempts = 0  # the old lock has run out: count afresh
                row.locked_until = None
            row.failed_attempts = (row.failed_attempts or 0) + 1
            detail = f"failed_attempts={row.failed_attempts}"
            if row.failed_attempts >= MAX_FAILED_ATTEMPTS:
                row.locked_until = now + LOCKOUT
                detail += f", locked_until={row.locked_until.isoformat(timespec='seconds')}"
            audit(s, row.username, "user.login_failed", "app_user", row.username, detail=detail)
    if signed_in is not None:
        return signed_in
    if locked is not None:
        raise PermissionDenied(f"账号“{who}”因连续 {MAX_FAILED_ATTEMPTS} 次登录失败已被锁定，请 {locked} 分钟后再试，"
                               "或请管理员解锁。", f"Account locked; try again in {locked} min.")
    if not active and ok:
        raise PermissionDenied(f"账号“{who}”已停用，请联系管理员。", "This account is disabled.")
    raise bad


def load_actor(store: Store, username: str, *, via: str = "cli", ttl_minutes: int | None = None) -> Actor:
    """The Actor for a stored account (CLI `--user NAME`, OIDC sign-in): refuses disabled accounts."""
    with store.session() as s:
        u = s.scalar(select(UserRow).where(UserRow.username == (username or "").strip()))
    if u is None:
        raise NotFound(f"找不到用户“{str(username)[:64]}”，请先用 python -m lib.cli user add 创建账号。",
                       f"No user {username!r}.")
    if not u.active:
        raise PermissionDenied(f"账号“{u.username}”已停用，请联系管理员。", "This account is disabled.")
    return _actor_from_row(store, u, ttl_minutes, via)


def actor_for_identity(store: Store, candidates: Iterable[str | None], *, via: str = "oidc") -> Actor | None:
    """OIDC: the account whose user name equals the identity's email or username, if any."""
    for c in candidates:
        if c and str(c).strip():
            try:
                return load_actor(store, str(c).strip(), via=via)
            except NotFound:
                continue
    return None


def refresh(store: Store, actor: Actor) -> Actor:
    """Re-read a signed-in actor's account on each page run: a disabled or changed account
    takes effect at once; an expired session falls back to the public actor."""
    if actor.role in ("public", "system"):
        return actor
    if actor.expired():
        return Actor.public()
    with store.session() as s:
        u = s.scalar(select(UserRow).where(UserRow.username == actor.username))
    if u is None or not u.active:
        return Actor.public()
    return replace(actor, role=u.role, scope_adcode=u.scope_adcode, display_name=u.display_name)


__all__ = ["Actor", "User", "ROLES", "PERMISSIONS", "can", "require", "sees_internal", "sees_internal_in", "authenticate",
           "create_user", "update_user", "disable_user", "enable_user", "list_users", "load_actor",
           "actor_for_identity", "refresh", "hash_password", "MAX_FAILED_ATTEMPTS", "LOCKOUT"]
