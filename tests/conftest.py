"""Fixtures that build real stores: a scratch SQLite file and a scratch PostgreSQL database.

Store fixtures are parametrised over both backends. PostgreSQL tests make
their own databases on the server at TEST_PG_URL (default: the local server)
and drop them afterwards. Where no server answers they are skipped with the
reason, except under CI (CI=true), where a missing server is a failure.

* `empty_store`: migrated, no programmes (one per test).
* `demo_store`: the demo loaded once per session and backend; do not write to it.
* `fresh_demo_store`: a private copy of the demo for a test that writes.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from lib.domain import settings
from lib.samples import demo
from lib.store.engine import forget_stores, open_store

PG_ADMIN_URL = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
BACKENDS = ("sqlite", "postgresql")


def _pg_admin():
    eng = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
    except Exception as e:  # noqa: BLE001 - any failure means "no server here"
        eng.dispose()
        return None, f"no PostgreSQL at {make_url(PG_ADMIN_URL).render_as_string(hide_password=True)}: {type(e).__name__}"
    return eng, None


@pytest.fixture(autouse=True)
def _settings_resolved_per_test():
    """Settings are resolved once per process; a test that sets the environment gets them anew."""
    settings.reset()
    yield
    settings.reset()


@pytest.fixture(scope="session")
def pg_admin():
    eng, why = _pg_admin()
    if eng is None:
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the PostgreSQL tests, but {why}")
        pytest.skip(why)
    yield eng
    eng.dispose()


class PgDatabases:
    def __init__(self, admin):
        self.admin = admin
        self.made: list[str] = []

    def create(self, template: str | None = None) -> str:
        name = f"renov_test_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
        self.made.append(name)
        return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)

    def drop_all(self):
        forget_stores()
        with self.admin.connect() as c:
            for name in self.made:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.made.clear()


@pytest.fixture(scope="session")
def pg_databases(pg_admin):
    dbs = PgDatabases(pg_admin)
    yield dbs
    dbs.drop_all()


def _new_url(backend: str, request, tmp_path: Path, template=None) -> str:
    if backend == "sqlite":
        path = tmp_path / f"store-{uuid.uuid4().hex[:8]}.db"
        if template:
            shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    dbs = request.getfixturevalue("pg_databases")
    return dbs.create(template)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def empty_store(backend, request, tmp_path):
    url = _new_url(backend, request, tmp_path)
    store = open_store(url, read_only=False, migrate=True)
    yield store
    forget_stores()


@pytest.fixture(scope="session")
def _demo_templates(request, tmp_path_factory):
    """One migrated store with the demo per backend, built once."""
    made: dict[str, str] = {}

    def get(backend: str) -> tuple[str, str]:
        if backend not in made:
            if backend == "sqlite":
                path = tmp_path_factory.mktemp("demo") / "demo.db"
                store = open_store(f"sqlite:///{path}", read_only=False, migrate=True)
                demo.load_demo(store)
                store.engine.dispose()
                made[backend] = str(path)
            else:
                dbs = request.getfixturevalue("pg_databases")
                url = dbs.create()
                store = open_store(url, read_only=False, migrate=True)
                demo.load_demo(store)
                forget_stores()
                made[backend] = make_url(url).database
            settings.reset()  # building the template resolved the settings before the test set its own
        return made[backend]

    return get


@pytest.fixture
def demo_store(backend, _demo_templates, request):
    """The shared demo store (read it, do not write to it)."""
    tpl = _demo_templates(backend)
    if backend == "sqlite":
        url = f"sqlite:///{tpl}"
    else:
        url = make_url(PG_ADMIN_URL).set(database=tpl).render_as_string(hide_password=False)
    yield open_store(url, read_only=False)


@pytest.fixture
def fresh_demo_store(backend, _demo_templates, request, tmp_path):
    """A private copy of the demo store that a test may write to."""
    tpl = _demo_templates(backend)
    if backend == "postgresql":
        forget_stores()  # a template database must have no open connections
    url = _new_url(backend, request, tmp_path, template=tpl)
    store = open_store(url, read_only=False)
    yield store
    forget_stores()


@pytest.fixture
def sqlite_demo_url(_demo_templates, tmp_path) -> str:
    """A private SQLite copy of the demo, as a URL (for CLI and app tests)."""
    path = tmp_path / "demo.db"
    shutil.copyfile(_demo_templates("sqlite"), path)
    return f"sqlite:///{path}"
