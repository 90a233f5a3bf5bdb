"""Every write path in lib, tried as the wrong person and against the read-only store, and the
audit row each kind of write leaves.

About several modules at once (access, uploads, review, figures.discipline, store): the table of
write functions below is the whole write surface of lib, so it lives in one place.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lib.access import admin, auth
from lib.access.auth import Actor
from lib.domain.errors import PermissionDenied, ReadOnlyStore, UserError
from lib.figures import discipline
from lib.review import actions, bulletin
from lib.store.engine import open_store
from lib.store.models import AuditLog
from lib.uploads import ingest
from tests.support import CD, ROOT, WEEK
from tests.support.uploads import audit_count, communities, register_sheet

ADMIN = Actor(username="boss", role="admin")
LEADER = Actor(username="lead", role="leader")
CLERK = Actor(username="cd_clerk", role="district", scope_adcode=CD)
PUBLIC = Actor.public()


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
