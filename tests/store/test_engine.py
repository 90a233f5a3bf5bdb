"""lib.store.engine: opening, migrating and writing a store, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from lib.domain import regions
from lib.domain.errors import StoreUnavailable
from lib.store.engine import open_store
from lib.store.models import Project
from tests.support.uploads import communities


def test_init_is_idempotent(empty_store):
    empty_store.migrate()
    empty_store.migrate()
    with empty_store.session() as s:
        assert s.scalar(select(func.count()).select_from(regions_table())) == len(regions.all_regions())


def regions_table():
    from lib.store.models import Region

    return Region


def test_bad_urls_give_one_sentence():
    for url in ("nonsense://x", "postgresql+psycopg://u:topsecret@127.0.0.1:1/x", "sqlite://"):
        with pytest.raises(StoreUnavailable) as e:
            open_store(url, read_only=False)
        assert "topsecret" not in str(e.value)
        assert "\n" not in str(e.value)


def test_sqlite_pragmas(tmp_path):
    store = open_store(f"sqlite:///{tmp_path}/p.db", read_only=False, migrate=True)
    with store.engine.connect() as c:
        assert c.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert c.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert c.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_write_is_all_or_nothing(fresh_demo_store):
    store = fresh_demo_store
    before = store.data_version()
    with store.session() as s:
        n = s.scalar(select(func.count()).select_from(Project))
    with pytest.raises(RuntimeError):
        with store.write() as s:
            s.add(Project(programme_id=1, code="X-1", name="半途", county_adcode="630102", households=1,
                          registered_on=__import__("datetime").date(2021, 3, 1)))
            s.flush()
            raise RuntimeError("boom")
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(Project)) == n
    assert store.data_version() == before


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
