"""lib.access.admin: targets, programmes, the audit log and the PostgreSQL reader role."""

from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from lib.access import admin
from lib.access.auth import Actor
from lib.domain.errors import PermissionDenied, UserError
from lib.figures import metrics
from lib.store.engine import open_store
from lib.store.models import AuditLog, Target
from tests.support import CD, CZ


def clerk(scope=CD, name="cd_clerk") -> Actor:
    return Actor(username=name, role="district", scope_adcode=scope)


ADMIN = Actor(username="boss", role="admin")
LEADER = Actor(username="lead", role="leader")
PUBLIC = Actor.public()


def _target(store, region, metric, programme=1):
    with store.session() as s:
        return s.scalar(select(Target.value).where(Target.programme_id == programme, Target.region_adcode == region,
                                                    Target.metric == metric))


# --- targets and programmes ----------------------------------------------------------------------

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
    assert out["id"] and out["region"]["adcode"] == "341300" and out["code"] == "suzhou-2021"
    with pytest.raises(UserError, match="已存在"):
        admin.create_programme(empty_store, ADMIN, "suzhou-2021", "x", "341300", 2021)
    with pytest.raises(PermissionDenied):
        admin.create_programme(empty_store, LEADER, "x", "x", "341300", 2021)
    entries = admin.audit_entries(empty_store, ADMIN, action="programme")
    assert [e["action"] for e in entries] == ["programme.create"]
    with pytest.raises(PermissionDenied):
        admin.audit_entries(empty_store, LEADER)


# --- the audit log -------------------------------------------------------------------------------

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


# --- the PostgreSQL reader role ------------------------------------------------------------------

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
    # accounts, raw files, the audit log, and the schedule's contacts, subscriptions, deliveries, reminders
    assert set(out["hidden"]) == {"app_user", "upload_blob", "audit_log", "contact", "subscription", "delivery",
                                  "reminder_log"}
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
