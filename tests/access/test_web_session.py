"""lib.access.web_session: the signed session cookie that keeps a sign-in across a reload, on both stores.

The browser side (HttpOnly, reload, sign-out) is tests/browser/test_stay_signed_in.py.
"""

from __future__ import annotations

import base64
import json
from datetime import timedelta

from sqlalchemy import select

from lib.access import auth, web_session
from lib.access.auth import Actor
from lib.store.engine import open_store
from lib.store.models import StoreMeta, utcnow

SYSTEM = Actor.system("test")
PASSWORD = "a long enough secret"


def _signed_in(store, name="lead", role="leader", scope=None):
    auth.create_user(store, SYSTEM, name, role, PASSWORD, scope_adcode=scope)
    return auth.authenticate(store, name, PASSWORD)


def test_a_cookie_stands_for_its_account_until_the_sign_in_expires(empty_store):
    actor = _signed_in(empty_store, "cd_clerk", "district", "630102")
    value = web_session.issue(empty_store, actor)
    back = web_session.verify(empty_store, value)
    assert (back.username, back.role, back.scope_adcode, back.user_id) == ("cd_clerk", "district", "630102",
                                                                        actor.user_id)
    assert back.expires_at == actor.expires_at.replace(microsecond=0)  # the cookie's end is the sign-in's
    assert web_session.verify(empty_store, value, now=actor.expires_at - timedelta(seconds=5)) is not None
    assert web_session.verify(empty_store, value, now=actor.expires_at + timedelta(seconds=1)) is None
    assert PASSWORD not in base64.urlsafe_b64decode(value.split(".")[0] + "==").decode()


def test_a_forged_or_altered_cookie_is_refused(empty_store):
    actor = _signed_in(empty_store)
    value = web_session.issue(empty_store, actor)
    body, sig = value.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["u"], claims["exp"] = "boss", claims["exp"] + 86400 * 365  # another account, a longer life
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    for bad in (f"{forged}.{sig}", f"{body}.{sig[:-2]}AA", f"{body}.", "", None, "x" * 5000, "a.b.c", "{}.{}",
                "%%%.%%%", value + "x"):
        assert web_session.verify(empty_store, bad) is None, bad


def test_signing_out_revokes_the_cookie_everywhere(empty_store):
    actor = _signed_in(empty_store)
    projector = web_session.issue(empty_store, actor)  # the meeting room
    laptop = web_session.issue(empty_store, actor)  # the same leader's laptop: a session of its own
    assert web_session.revoke(empty_store, projector) is True
    assert web_session.verify(empty_store, projector) is None  # a copy of it is worthless now
    assert web_session.verify(empty_store, laptop).username == "lead"  # the other browser stays signed in
    assert web_session.revoke(empty_store, "garbage") is False


def test_revocations_of_expired_sessions_are_pruned(empty_store):
    actor = _signed_in(empty_store)
    old = web_session.issue(empty_store, actor)
    web_session.revoke(empty_store, old)
    later = actor.expires_at + timedelta(minutes=1)
    fresh = web_session.issue(empty_store, auth.authenticate(empty_store, "lead", PASSWORD))
    web_session.revoke(empty_store, fresh, now=later)
    with empty_store.session() as s:
        keys = s.scalars(select(StoreMeta.key).where(StoreMeta.key.like("session_revoked:%"))).all()
    assert len(keys) == 1  # the expired session's revocation is gone, the live one's kept


def test_a_disabled_account_or_a_new_password_ends_the_cookie(empty_store):
    actor = _signed_in(empty_store)
    value = web_session.issue(empty_store, actor)
    auth.disable_user(empty_store, SYSTEM, "lead")
    assert web_session.verify(empty_store, value) is None
    auth.enable_user(empty_store, SYSTEM, "lead")
    assert web_session.verify(empty_store, value) is not None
    auth.update_user(empty_store, SYSTEM, "lead", password="another long secret")
    assert web_session.verify(empty_store, value) is None  # signed in with the old password


def test_the_signing_key_is_the_stores_and_made_once(empty_store, tmp_path):
    actor = _signed_in(empty_store)
    a = web_session.issue(empty_store, actor)
    b = web_session.issue(empty_store, actor)
    assert a.split(".")[1] != b.split(".")[1]  # each sign-in its own session id, same key
    assert web_session.verify(empty_store, a) and web_session.verify(empty_store, b)
    # A second store (another deployment) does not accept this store's cookies.
    other = open_store(f"sqlite:///{tmp_path / 'other.db'}", read_only=False)
    other.migrate()
    auth.create_user(other, SYSTEM, "lead", "leader", PASSWORD)
    assert web_session.verify(other, a) is None
    assert utcnow() < actor.expires_at
