"""A sign-in that survives a reload (F5 on the meeting room's projector): a signed session cookie.

The cookie holds no secret of the account: the user name, a random session id, the moment the
session ends (the sign-in's SESSION_TTL_MINUTES) and a fingerprint of the password hash, signed
with HMAC-SHA256 under a key kept in the store (`store_meta`, made on first use, so every replica
on one PostgreSQL shares it). It is set HttpOnly by the server (pages/_ui/server.py), never put in
a URL, and checked on every new browser session:

* a forged or altered cookie fails the signature;
* the session ends when it says (expiry), whatever the browser keeps;
* signing out revokes its session id in the store (the cookie is also cleared), so a copy of it
  is worthless on every replica;
* a disabled account, or a password changed since the sign-in (the fingerprint), ends it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from lib.access.auth import Actor
from lib.domain.clock import utcnow
from lib.store.engine import Store
from lib.store.models import StoreMeta, User as UserRow

COOKIE = "renovation_session"
_KEY = "session_signing_key"
_REVOKED = "session_revoked:"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signing_key(store: Store) -> bytes:
    """The store's signing key; the first caller makes it (a racing replica re-reads the winner's)."""
    with store.session() as s:
        have = s.scalar(select(StoreMeta.value).where(StoreMeta.key == _KEY))
    if have:
        return bytes.fromhex(have)
    try:
        with store.write() as s:
            s.add(StoreMeta(key=_KEY, value=secrets.token_hex(32)))
    except IntegrityError:
        pass
    with store.session() as s:
        return bytes.fromhex(s.scalar(select(StoreMeta.value).where(StoreMeta.key == _KEY)))


def _fingerprint(password_hash: str | None) -> str:
    return hashlib.sha256((password_hash or "").encode()).hexdigest()[:16]


def _sign(key: bytes, body: str) -> str:
    return _b64(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:  # the store's clock is naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp())


def _naive_utc(ts: int) -> datetime:
    return datetime.fromtimestamp(ts, tz=timezone.utc).replace(tzinfo=None)


def issue(store: Store, actor: Actor) -> str:
    """The cookie value for a signed-in account, valid until the sign-in expires."""
    if actor.user_id is None or actor.expires_at is None:
        raise ValueError("only a signed-in account with an expiry gets a session cookie")
    with store.session() as s:
        pw = s.scalar(select(UserRow.password_hash).where(UserRow.id == actor.user_id))
    body = _b64(json.dumps({"u": actor.username, "sid": secrets.token_urlsafe(12),
                            "iat": _epoch(actor.signed_in_at or utcnow()), "exp": _epoch(actor.expires_at),
                            "pw": _fingerprint(pw)}, separators=(",", ":")).encode())
    return f"{body}.{_sign(_signing_key(store), body)}"


def _claims(store: Store, value: str | None) -> dict | None:
    """The cookie's contents if its signature holds, else None (never raises on garbage)."""
    if not value or not isinstance(value, str) or len(value) > 1024 or value.count(".") != 1:
        return None
    body, sig = value.split(".")
    if not hmac.compare_digest(sig, _sign(_signing_key(store), body)):
        return None
    try:
        claims = json.loads(_unb64(body))
    except ValueError:
        return None
    if not isinstance(claims, dict) or not all(k in claims for k in ("u", "sid", "iat", "exp", "pw")):
        return None
    return claims


def verify(store: Store, value: str | None, *, now: datetime | None = None) -> Actor | None:
    """The account a session cookie stands for, or None: forged, expired, revoked, account disabled
    or its password changed since."""
    claims = _claims(store, value)
    if claims is None:
        return None
    now = now or utcnow()
    if _epoch(now) >= int(claims["exp"]):
        return None
    with store.session() as s:
        if s.scalar(select(StoreMeta.key).where(StoreMeta.key == _REVOKED + str(claims["sid"]))):
            return None
        u = s.scalar(select(UserRow).where(UserRow.username == str(claims["u"])))
    if u is None or not u.active or _fingerprint(u.password_hash) != claims["pw"]:
        return None
    return Actor(username=u.username, role=u.role, scope_adcode=u.scope_adcode, display_name=u.display_name,
                 user_id=u.id, signed_in_at=_naive_utc(int(claims["iat"])), expires_at=_naive_utc(int(claims["exp"])),
                 via="password")


def revoke(store: Store, value: str | None, *, now: datetime | None = None) -> bool:
    """Sign-out: the cookie's session id is refused from now on, on every replica. Revocations of
    sessions that have expired anyway are pruned. True if a valid cookie was revoked."""
    claims = _claims(store, value)
    if claims is None:
        return False
    now_ts = _epoch(now or utcnow())
    with store.write() as s:
        stale = [k for k, v in s.execute(select(StoreMeta.key, StoreMeta.value)
                                         .where(StoreMeta.key.like(_REVOKED + "%"))) if int(v) <= now_ts]
        if stale:
            s.execute(delete(StoreMeta).where(StoreMeta.key.in_(stale)))
        key = _REVOKED + str(claims["sid"])
        if s.get(StoreMeta, key) is None:
            s.add(StoreMeta(key=key, value=str(int(claims["exp"]))))
    return True
