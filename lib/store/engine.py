"""The one place that opens the store.

`open_store(url)` gives a `Store`: a SQLAlchemy engine set up for the backend
(SQLite: WAL, foreign keys, busy timeout; PostgreSQL through psycopg 3), a
transactional `session()`, and the schema migrations. Every write goes
through `store.write()`, which is one transaction and bumps the data version
that the dashboard's caches are keyed on.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import Integer, String, cast, create_engine, event, select, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from lib.domain.errors import ReadOnlyStore, StoreUnavailable, UserError
from lib.store.models import AuditLog, Region, StoreMeta
# the workflow's tables, on the same metadata (region codes they hold move with ensure_regions)
from lib.store import models_review, models_schedule, models_search  # noqa: F401
from lib.domain import settings
from lib.domain.settings import Config, mask_url
from lib.domain import regions

log = logging.getLogger(__name__)
# How long a thread waits for a pooled connection before giving up. Under a burst of viewers every
# script thread of a Streamlit process queues for the GIL while holding its connection, so waits far
# beyond the default 30 s are load, not a fault; a dead database is found by connect_timeout instead.
POOL_WAIT_SECONDS = 300
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class Abort(Exception):
    """Raise inside `store.write()` to end the transaction with nothing written (not an error)."""


class Store:
    def __init__(self, url: str, *, read_only: bool = False, config: Config | None = None):
        self.url = url
        self.read_only = read_only
        self.config = config or settings.current()  # what the store was opened with (upload limits, TTL)
        self.engine = _make_engine(url, read_only)
        self.dialect = self.engine.dialect.name
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writers = sessionmaker(self.engine.execution_options(immediate=True), expire_on_commit=False)
        self.writes = 0  # writes committed through this object (a reader's memo of the data version checks it)

    def __repr__(self) -> str:
        return f"Store({mask_url(self.url)!r}, read_only={self.read_only})"

    # --- sessions -------------------------------------------------------------
    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session. Objects loaded in it stay usable (detached) afterwards."""
        with self._sessions() as s:
            try:
                yield s
            finally:
                s.expunge_all()
                s.rollback()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One all-or-nothing write transaction; bumps the data version on commit."""
        if self.read_only:
            raise ReadOnlyStore("这是只读的公众版本，不能修改数据。", "This is the read-only public deployment.")
        with self._writers() as s:
            try:
                with s.begin():
                    yield s
                    _bump_version(s)
                self.writes += 1
            except Abort:
                pass

    # --- schema ------------------------------------------------------------------
    def migrate(self) -> None:
        """Create or upgrade the schema to the latest migration (idempotent)."""
        from alembic import command
        from alembic.config import Config as AlembicConfig

        if self.read_only:
            raise ReadOnlyStore("只读模式下不能初始化或升级数据库。", "Cannot migrate a read-only store.")
        cfg = AlembicConfig()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        self.ensure_regions()

    def schema_ready(self) -> bool:
        from sqlalchemy import inspect

        return inspect(self.engine).has_table("programme")

    def ensure_regions(self) -> int:
        """Bring `region` up to today's divisions; idempotent, run by every migrate.

        Inserts every division the table lacks (a new code such as 祁阳市 431181, and
        全国 100000 for national programmes), corrects a division row whose name or place
        changed, and moves whatever refers to a code no longer in use (祁阳县 431121) to
        today's code before dropping that row: targets of merged divisions are summed, the
        county rollups of the programmes concerned are dropped and marked for rebuilding.
        Zones are left as they are. Then hands the zones and aliases to lib.domain.regions.
        Returns the number of region rows added, corrected or retired (0: nothing to do).
        """
        table = Region.__table__
        meta = Region.metadata
        today = regions.divisions_today()
        fields = ("name", "level", "parent_adcode", "province_adcode", "prefecture_adcode", "is_county")

        def row(r) -> dict:
            return dict(adcode=r.adcode, name=r.name, level=r.level, parent_adcode=r.parent,
                        province_adcode=r.province, prefecture_adcode=r.prefecture, is_county=r.is_county)

        changed = 0
        with self.write() as s:
            have = {m["adcode"]: dict(m) for m in s.execute(select(table)).mappings()}
            added = [dict(row(r), kind="division") for c, r in today.items() if c not in have]
            if added:
                s.execute(table.insert(), added)
            changed += len(added)
            for code, r in today.items():
                h = have.get(code)
                if h is None:
                    continue
                if h["kind"] == "zone":
                    log.warning("region %s is a zone in the store but a division today; left as a zone", code)
                    continue
                want = row(r)
                diff = {k: want[k] for k in fields if h[k] != want[k]}
                if diff:
                    s.execute(table.update().where(table.c.adcode == code).values(**diff))
                    changed += 1
            retired = {old: new for old, new in regions.old_codes().items()
                       if old in have and have[old]["kind"] != "zone"}
            refs = [(t, c) for t in meta.sorted_tables for c in t.columns
                    if c.name.endswith("adcode") and not (t is table and c.name == "adcode")]
            targets, rollups, state = meta.tables["target"], meta.tables["county_rollup"], meta.tables["rollup_state"]
            for old, new in retired.items():
                moved = {}
                for t, c in refs:
                    if t is rollups:
                        progs = s.execute(select(t.c.programme_id).where(c == old).distinct()).scalars().all()
                        if progs:
                            s.execute(t.delete().where(c == old))
                            s.execute(state.update().where(state.c.programme_id.in_(progs)).values(dirty=True))
                        continue
                    if t is targets:  # one figure per programme, region and metric: a merge sums them
                        for tg in s.execute(select(t).where(c == old)).mappings().all():
                            same = s.execute(select(t.c.id, t.c.value).where(
                                t.c.programme_id == tg["programme_id"], t.c.metric == tg["metric"],
                                c == new)).first()
                            if same is None:
                                s.execute(t.update().where(t.c.id == tg["id"]).values({c.name: new}))
                            else:
                                total = (same.value or 0) + (tg["value"] or 0)
                                s.execute(t.update().where(t.c.id == same.id).values(value=total))
                                s.execute(t.delete().where(t.c.id == tg["id"]))
                            moved["target"] = moved.get("target", 0) + 1
                        continue
                    n = s.execute(t.update().where(c == old).values({c.name: new})).rowcount
                    if n:
                        moved[f"{t.name}.{c.name}"] = n
                s.execute(table.delete().where(table.c.adcode == old))
                audit(s, "system", "recode", "region", old, before={"adcode": old, "name": have[old]["name"]},
                      after={"adcode": new, "name": today[new].name, "moved": moved},
                      detail="code no longer in use: rows moved to today's division")
            changed += len(retired)
            if not changed:
                raise Abort
        self.load_local_regions()
        return changed

    def load_local_regions(self) -> None:
        """Hand the store's zones (region rows of kind 'zone') and region aliases to lib.domain.regions.

        Replaces what it had, so get/resolve/children know this store's zones. Call when the
        store opens and after every change to zones or aliases. A store without the
        tables yet (before its first migrate) hands over none.
        """
        table = Region.__table__
        alias = Region.metadata.tables["region_alias"]
        try:
            with self.session() as s:
                zrows = s.execute(select(table).where(table.c.kind == "zone")).mappings().all()
                arows = s.execute(select(alias.c.name, alias.c.adcode)).all()
        except SQLAlchemyError:
            regions.set_local([], {})
            return
        zones = []
        for z in zrows:
            try:
                zones.append(regions.make_zone(z["adcode"], z["name"], z["parent_adcode"], lon=z["lon"],
                                               lat=z["lat"], programme_id=z["programme_id"], note=z["note"]))
            except UserError:
                log.warning("zone %s %s: unknown parent %s; left out", z["adcode"], z["name"], z["parent_adcode"])
        regions.set_local(zones, {name: code for name, code in arows})

    def data_version(self) -> int:
        with self.session() as s:
            v = s.scalar(select(StoreMeta.value).where(StoreMeta.key == "data_version"))
            return int(v or 0)

    def dispose(self) -> None:
        self.engine.dispose()


def _bump_version(s: Session) -> None:
    # Incremented by the database, never read and written back: two writers committing at once
    # each move it on (read-modify-write lost 102 of 400 concurrent bumps on PostgreSQL).
    bumped = s.execute(update(StoreMeta).where(StoreMeta.key == "data_version")
                       .values(value=cast(cast(StoreMeta.value, Integer) + 1, String)))
    if bumped.rowcount == 0:
        s.add(StoreMeta(key="data_version", value="1"))


# Advisory-lock key spaces (PostgreSQL keeps one-bigint and two-int4 keys apart).
_LOCK_NS = 0x52454E4F << 24  # "RENO": one-bigint keys are this plus a number below 2**24


def lock_scope(s: Session, programme_id: int, counties: "list[str] | tuple[str, ...] | None" = None) -> None:
    """Hold, until the transaction ends, the right to check and write a programme's figures for
    `counties` (six-digit codes; None or empty: the whole programme).

    SQLite needs nothing: every write began with BEGIN IMMEDIATE and is alone. On PostgreSQL two
    transactions run side by side, so the one that checks an upload against the store takes
    transaction-level advisory locks first: a shared lock on the programme and an exclusive one
    per county (in code order, so two writers never wait on each other in a circle), or an
    exclusive lock on the whole programme. Statements after it see what the previous holder
    committed (READ COMMITTED takes a fresh snapshot per statement).
    """
    if s.get_bind().dialect.name != "postgresql":
        return
    whole = _LOCK_NS + int(programme_id)
    codes = sorted({str(c) for c in counties or ()})
    if not codes or not all(c.isdigit() and len(c) == 6 for c in codes):
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": whole})
        return
    s.execute(text("SELECT pg_advisory_xact_lock_shared(:k)"), {"k": whole})
    for c in codes:
        s.execute(text("SELECT pg_advisory_xact_lock(:p, :c)"), {"p": int(programme_id), "c": int(c)})


def audit(s: Session, actor: str, action: str, entity: str, entity_id=None, *, programme_id=None,
          before=None, after=None, detail: str | None = None) -> None:
    """Record a write in the audit log, inside the writer's transaction."""
    s.add(AuditLog(actor=actor or "system", action=action, entity=entity,
                   entity_id=None if entity_id is None else str(entity_id), programme_id=programme_id,
                   before=before, after=after, detail=detail))


def _make_engine(url: str, read_only: bool) -> Engine:
    try:
        u = make_url(url)
    except ArgumentError:
        raise StoreUnavailable(f"数据库地址（DATABASE_URL）格式不正确：{mask_url(url)}。"
                               "示例：sqlite:///data/renovation.db 或 postgresql+psycopg://用户@主机:5432/库名。",
                               f"DATABASE_URL is malformed: {mask_url(url)}.") from None
    backend = u.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(u, read_only)
    elif backend == "postgresql":
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")
        args = {"connect_timeout": 5}
        if read_only:
            args["options"] = "-c default_transaction_read_only=on"
        try:
            # Streamlit runs every session's script in its own thread, and under load those threads wait
            # for the GIL while holding a connection: with 5+5 connections and the default 30 s wait, 200
            # viewers were shown "QueuePool limit of size 5 overflow 5 reached" (bench/load.py). A viewer
            # waits for a connection rather than seeing an error; 10+20 per process keeps several
            # replicas under PostgreSQL's default max_connections (100).
            engine = create_engine(u, connect_args=args, pool_pre_ping=True, pool_size=10, max_overflow=20,
                                   pool_timeout=POOL_WAIT_SECONDS)
        except Exception as e:  # unknown driver and the like
            raise StoreUnavailable(f"无法使用数据库地址 {mask_url(url)}：{type(e).__name__}。",
                                   f"Cannot use {mask_url(url)}.") from None
    else:
        raise StoreUnavailable(f"不支持的数据库类型“{backend}”，请使用 sqlite 或 postgresql+psycopg。",
                               f"Unsupported database {backend!r}: use sqlite or postgresql+psycopg.")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        engine.dispose()
        reason = str(getattr(e, "orig", e)).strip().splitlines()[0] if str(e) else type(e).__name__
        raise StoreUnavailable(f"无法连接数据库 {mask_url(url)}，请检查地址、服务是否启动及账号权限。（{_scrub(reason, u)}）",
                               f"Cannot connect to {mask_url(url)}: {_scrub(reason, u)}") from None
    return engine


def _scrub(reason: str, u) -> str:
    return reason.replace(u.password, "***") if u.password else reason


def _sqlite_engine(u, read_only: bool) -> Engine:
    import sqlite3

    database = u.database or ""
    if database in ("", ":memory:"):
        raise StoreUnavailable("SQLite 数据库需要一个文件路径，例如 sqlite:///data/renovation.db。",
                               "SQLite needs a file path.")
    path = Path(database)
    if not read_only:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError:
            raise StoreUnavailable(f"无法创建数据库目录 {path.parent}。", f"Cannot create {path.parent}.") from None
    elif not path.exists():
        raise StoreUnavailable(f"只读模式下找不到数据库文件 {path}。", f"No database file at {path}.")

    if read_only:
        # mode=ro: even a bug cannot write to the public deployment's store.
        def creator():
            return sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, check_same_thread=False,
                                   timeout=30)

        # A creator on a bare "sqlite://" URL would get SingletonThreadPool (5 connections, one per
        # thread): Streamlit serves each session in its own thread, and the sixth closed another
        # session's connection under it ("Cannot operate on a closed database", then segfaults in
        # libsqlite3). A queue pool lends each thread its own connection and closes none in use.
        engine = create_engine("sqlite://", creator=creator, poolclass=QueuePool, pool_size=8, max_overflow=32,
                               pool_timeout=POOL_WAIT_SECONDS)
    else:
        engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30, "check_same_thread": False},
                               poolclass=QueuePool, pool_size=8, max_overflow=32, pool_timeout=POOL_WAIT_SECONDS)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):
        # Python's sqlite3 opens transactions lazily; take control so that
        # SQLAlchemy's BEGIN is real and a write is all-or-nothing.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not read_only:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):
        # IMMEDIATE takes the write lock at the start, so two concurrent
        # uploads queue instead of failing halfway with "database is locked".
        immediate = conn.get_execution_options().get("immediate") and not read_only
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


_stores: dict[tuple[str, bool], Store] = {}
_lock = threading.Lock()


def open_store(url: str | None = None, *, read_only: bool | None = None, migrate: bool = False,
               config: Config | None = None) -> Store:
    """The store for a URL (default: the configured DATABASE_URL), one per process and URL."""
    cfg = config or settings.current()
    url = url or cfg.database_url
    ro = cfg.public if read_only is None else read_only
    key = (url, ro)
    with _lock:
        store = _stores.get(key)
        fresh = store is None
        if fresh:
            store = Store(url, read_only=ro, config=cfg)
            _stores[key] = store
    if migrate and not ro:
        store.migrate()  # loads the zones and aliases too
    elif fresh:
        store.load_local_regions()  # this store's zones and aliases, for every look-up by name
    return store


def forget_stores() -> None:
    """Close every cached engine (tests use this between scratch databases)."""
    with _lock:
        for s in _stores.values():
            s.dispose()
        _stores.clear()


__all__ = ["Store", "open_store", "audit", "lock_scope", "forget_stores", "OperationalError"]
