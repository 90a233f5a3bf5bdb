"""The PostgreSQL reader role of the public instance sees public columns only (issue 13, defect 7).

Before: the role had SELECT on every table but accounts, raw files and the audit log, so it read
`progress_report.problems`, `project.remarks`, who uploaded and reported, and the follow-up actions
with who is responsible. Now it reads views (lib.store.public_view): a marker planted in every
internal column and private table is nowhere in what the role can select, even with raw SQL, and
the public dashboard's own reads still work on it and give the staff figures.
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text, update
from sqlalchemy.engine import make_url

from lib.access import admin, auth
from lib.access.auth import Actor
from lib.figures import metrics, trends
from lib.review import actions, bulletin
from lib.store import public_view
from lib.store.engine import forget_stores, open_store
from lib.store.models import ProgressReport, Project, StoreMeta, Target, Upload
from tests.support import CD, WEEK

SECRET = "内部机密R9"


@pytest.fixture
def reader(pg_databases, pg_admin):
    """(staff store, reader engine, reader URL) on a demo with the marker planted everywhere internal."""
    from lib.samples import demo

    url = pg_databases.create()
    store = open_store(url, read_only=False, migrate=True)
    demo.load_demo(store)
    auth.create_user(store, Actor.system(), f"user{SECRET}", "district", "long enough pw", scope_adcode=CD)
    actions.add(store, 1, week=WEEK, title=f"督办{SECRET}", actor=Actor.system(), region=CD, owner=SECRET)
    bulletin.save_text(store, 1, "2021-11", "intro", f"草稿{SECRET}", actor=Actor.system())
    with store.write() as s:
        s.execute(update(Project).values(remarks=SECRET))
        s.execute(update(ProgressReport).values(problems=SECRET, reported_by=SECRET))
        s.execute(update(Upload).values(uploaded_by=SECRET, rolled_back_by=SECRET, filename=SECRET,
                                        warnings=[{"message": SECRET}]))
        s.execute(update(Target).values(updated_by=SECRET))
        # the session cookies' signing key and a revocation (lib/access/web_session.py): store_meta rows
        s.add(StoreMeta(key="session_signing_key", value=SECRET))
        s.add(StoreMeta(key=f"session_revoked:{SECRET}", value="0"))
    role = f"renov_reader_{uuid.uuid4().hex[:8]}"
    out = admin.readonly_role(store, Actor.system(), role, None)
    assert set(out["hidden"]) == set(public_view.DENIED_TABLES)
    assert set(out["empty"]) == set(public_view.EMPTY_TABLES)
    rurl = make_url(url).set(username=role, password=None)
    eng = create_engine(rurl)
    yield store, eng, rurl.render_as_string(hide_password=False)
    eng.dispose()
    forget_stores()
    with pg_admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
        c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
    pg_databases.made.remove(make_url(url).database)


def test_the_reader_role_reads_no_internal_value(reader):
    store, eng, _ = reader
    with store.engine.connect() as c:  # the staff connection sees the marker: the planting worked
        assert c.execute(text("SELECT count(*) FROM progress_report WHERE problems = :s"), {"s": SECRET}).scalar() > 0
        tables = [r[0] for r in c.execute(text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"))]
    leaks = {}
    with eng.connect() as c:
        for t in tables:  # every relation the public instance's queries name, every column of it
            if t in public_view.DENIED_TABLES:
                continue
            n = c.execute(text(f'SELECT count(*) FROM "{t}" AS x WHERE row_to_json(x)::text LIKE :p'),
                          {"p": f"%{SECRET}%"}).scalar()
            if n:
                leaks[t] = n
        assert c.execute(text("SELECT count(*) FROM follow_up_action")).scalar() == 0
        assert c.execute(text("SELECT count(*) FROM project")).scalar() == 503
        assert c.execute(text("SELECT count(*) FROM store_meta WHERE key = 'data_version'")).scalar() == 1
        # accounts, raw files and the audit log, and the tables themselves by their full name: out of reach
        for t in ("app_user", "upload_blob", "audit_log", "public.progress_report", "public.app_user",
                  "public.project"):
            with pytest.raises(Exception, match="permission denied"):
                with eng.connect() as c2:
                    c2.execute(text(f"SELECT 1 FROM {t} LIMIT 1")).all()
    assert leaks == {}


def test_the_reader_role_cannot_write_through_the_views(reader):
    _, eng, _ = reader
    for stmt in ("UPDATE project SET name = 'x'", "DELETE FROM progress_report",
                 "INSERT INTO store_meta (key, value) VALUES ('k', 'v')"):
        with pytest.raises(Exception, match="permission denied|read-only"):
            with eng.begin() as c:
                c.execute(text("SET TRANSACTION READ WRITE"))
                c.execute(text(stmt))


def test_the_public_dashboard_runs_on_the_reader_role(reader):
    store, _, rurl = reader
    pub = open_store(rurl, read_only=True)
    public = Actor.public()
    assert metrics.summary(pub, 1) == metrics.summary(store, 1)
    reg = metrics.register_table(pub, 1, region=CD, viewer=public)
    assert len(reg) == len(metrics.register_table(store, 1, region=CD, viewer=public))
    pid = int(reg["id"].iloc[0])
    d = trends.community_detail(pub, pid, viewer=public)
    assert len(d["history"]) == len(trends.community_detail(store, pid, viewer=public)["history"])
    # even a viewer with internal rights on this connection gets NULL, never the value
    staff_view = trends.community_detail(pub, pid, viewer=Actor.system())
    assert SECRET not in str(staff_view)
    assert pub.data_version() == store.data_version()
