"""Backup and restore of the whole store, on SQLite and PostgreSQL, and across the two.

Two formats, recognised by their first bytes on restore:

* **SQLite file** (the default for a SQLite store): a consistent copy made with SQLite's
  online backup API while the dashboard keeps running; it opens as a store by itself. The file
  is its own evidence: on restore it must open read-only, pass `PRAGMA integrity_check`, carry a
  schema revision this program knows and hold every table of that revision's schema. Its row
  counts and checksums are computed from the file (reported by the dry run, kept in the audit log).
* **Portable zip** (the default for PostgreSQL, `portable=True` for SQLite), format
  `renovation-backup/2`: one JSON-lines member per table plus `manifest.json`, which records for
  every table its row count and the sha256 of its member. A member is the table's *canonical
  JSON lines*: rows in primary-key order, one object a line, keys sorted, compact separators,
  UTF-8 (`_line`); so a checksum is that of the table's rows, and the same function computes
  it from a live store or a SQLite backup.

`restore(store, path, by=...)` works in two steps.

1. **Verify, touching nothing** (not even a schema migration): the format; the schema revision
   (present, known to this program); every table the schema of that revision has is in the
   backup, and nothing else; every member's row count and sha256 equal the manifest's (SQLite:
   the integrity check). Anything wrong raises `UserError` with one Chinese sentence naming it
   (which table, expected against found) and the store stays byte-identical.
   `dry_run=True` stops here and reports, per table, the rows now, the rows in the backup and
   what would change (checksums of both compared), writing nothing.
2. **Replace, in ONE transaction**: every table emptied and refilled; each member is counted
   and hashed again while it is read, so a file changed after the check rolls everything back;
   sequences reset on PostgreSQL; the data version moved past anything a dashboard may have
   cached; every programme's county rollup marked dirty, then `after(session)` runs inside the
   same transaction. The CLI passes a callback that rebuilds every programme's rollup
   (`lib.figures.rollups.rebuild`): the figures layer sits above the store, so the store cannot
   call it, and a callback keeps the rebuild in the restore's transaction, which "mark dirty and
   let the CLI rebuild afterwards" would not (a crash between the two would leave a restored
   store with slow reads). Without `after` the rollups stay marked dirty: reads fall back to the
   raw history, slow, never wrong, until `rollups --rebuild`.

Backups made before verification existed (zip format `renovation-backup/1`: row counts, no
checksums) are refused with a sentence saying so and what to do: make a new backup, or, when
that old backup is all there is, look at it with the dry run and restore it with
`unverified=True` (CLI `--unverified`). Even then every table must be present and every row
count must match its manifest; only the rows' content cannot be checked. Refusing by default
was chosen over accepting quietly because a restore replaces everything: the person doing it
should know what was not checked.

Temporary files: on Linux a backup is written to an unnamed file in the target's directory
(O_TMPFILE, mode 0600, it holds password hashes) and given its name only when complete, so a
backup killed at any point, even by `kill -9`, leaves no file behind. A SQLite-format backup
is copied through memory for that (SQLite names the files it writes), up to MEMORY_COPY_MAX;
a larger SQLite store, or a system without O_TMPFILE, is written to `.backup-*.partial`
beside the target and renamed into place when complete. That file is removed on every exit
that runs Python code: an exception, Ctrl-C, SIGTERM or SIGHUP (turned into SystemExit while
the backup runs in the main thread), interpreter exit (atexit). A `kill -9` runs no code, so
the writer holds an flock on the file for its lifetime and every backup first removes the
`.backup-*` files in its directory that nobody holds and that have not been written to for a
minute.
"""

from __future__ import annotations

import atexit
import base64
import hashlib
import io
import json
import os
import signal
import sqlite3
import stat
import tempfile
import threading
import time
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, Mapping
from urllib.parse import quote

from sqlalchemy import (Boolean, Date, DateTime, LargeBinary, MetaData, String, Table, create_engine, func, inspect,
                        select, text, update)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool, StaticPool
from sqlalchemy.types import JSON

from lib.domain.errors import ReadOnlyStore, UserError
from lib.store.models import RollupState, StoreMeta, utcnow
from lib.store.engine import Store, audit
from lib.store.engine import MIGRATIONS

try:  # Unix: an flock marks a temporary file as being written by a live process
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

FORMAT = "renovation-backup/2"          # manifest with row counts and sha256 per table
LEGACY_FORMAT = "renovation-backup/1"   # row counts only: restored only with unverified=True
SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 2000
MANIFEST_MAX = 1_000_000  # bytes; a manifest names ~20 tables
SKIP_TABLES = {"alembic_version"}  # the schema revision is the target's own; checked, not copied
TEMP_PREFIX = ".backup-"
TEMP_SUFFIX = ".partial"
STALE_AFTER = 60.0  # seconds without a write before an unlocked temporary file counts as left behind
MEMORY_COPY_MAX = 1024 * 2 ** 20  # a SQLite store up to this size is backed up through memory, unnamed
NOTHING_CHANGED = "已拒绝恢复，数据库未做任何修改。"


def _refuse(zh: str, en: str) -> UserError:
    return UserError(f"{zh}{NOTHING_CHANGED}", f"{en} Restore refused; nothing was changed.")


# --- helpers ----------------------------------------------------------------------------------------

def _reflect(bind) -> MetaData:
    md = MetaData()
    md.reflect(bind)
    return md


def _project_tables(md: MetaData) -> list[Table]:
    """Tables in foreign-key order (parents first)."""
    return [t for t in md.sorted_tables if t.name not in SKIP_TABLES and not t.name.startswith("sqlite_")]


def _revision(conn, md: MetaData | None = None) -> str | None:
    if md is not None and "alembic_version" not in md.tables:
        return None
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError:  # no such table: not a store
        return None


def _alembic_config():
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(_alembic_config()).walk_revisions()}


@lru_cache(maxsize=None)
def _schema_tables(revision: str) -> frozenset[str]:
    """The project tables the schema has at `revision`: the migrations run on a scratch in-memory SQLite."""
    from alembic import command

    eng = create_engine("sqlite://", poolclass=StaticPool)
    try:
        cfg = _alembic_config()
        with eng.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)
        names = inspect(eng).get_table_names()
    finally:
        eng.dispose()
    return frozenset(n for n in names if n not in SKIP_TABLES and not n.startswith("sqlite_"))


def _store_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return _revision(conn)


def _store_file(store: Store) -> Path | None:
    if store.dialect != "sqlite":
        return None
    db = make_url(store.url).database
    return Path(db).resolve() if db else None


def _check_out_path(store: Store, out: Path, force: bool) -> Path:
    out = Path(out)
    if str(out).strip() in ("", ".", "-"):
        raise UserError("请用 --out 指定备份文件名，例如 --out backup-2021-06-30.db。", "Give --out FILE.")
    target = out.resolve()
    own = _store_file(store)
    if own is not None and target in (own, Path(str(own) + "-wal"), Path(str(own) + "-shm")):
        raise UserError("备份文件不能与正在使用的数据库文件相同，请换一个文件名。",
                        "The backup cannot overwrite the live database.")
    if target.exists() and (target.is_dir() or not force):
        raise UserError(f"文件 {out} 已存在，备份不会覆盖已有文件；请换一个文件名（或确认后加 --force）。",
                        f"{out} exists; choose another name or add --force.")
    if not target.parent.is_dir():
        raise UserError(f"目录 {out.parent} 不存在，请先创建或换一个位置。", f"No directory {out.parent}.")
    return target


def _jsonable(v):
    if isinstance(v, datetime):
        return {"$dt": v.isoformat()}
    if isinstance(v, date):
        return {"$d": v.isoformat()}
    if isinstance(v, (bytes, bytearray, memoryview)):
        return {"$b64": base64.b64encode(bytes(v)).decode("ascii")}
    return v


def _from_json(v):
    if isinstance(v, dict) and len(v) == 1:
        (k, x), = v.items()
        if k == "$dt":
            return datetime.fromisoformat(x)
        if k == "$d":
            return date.fromisoformat(x)
        if k == "$b64":
            return base64.b64decode(x)
    return v


def _line(row: Mapping) -> bytes:
    """One row as a canonical JSON line: what a zip member holds and what a checksum covers."""
    return (json.dumps({k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False, sort_keys=True,
                       separators=(",", ":")) + "\n").encode("utf-8")


def _in_key_order(t: Table, dialect: str):
    """SELECT every column in primary-key order (text keys in byte order on both stores)."""
    keys = list(t.primary_key.columns) or list(t.columns)
    order = [c.collate("C") if dialect == "postgresql" and isinstance(c.type, String) else c for c in keys]
    return select(t).order_by(*order).execution_options(yield_per=CHUNK)


def _rows_in_key_order(conn, t: Table) -> Iterator[Mapping]:
    yield from conn.execute(_in_key_order(t, conn.dialect.name)).mappings()


@dataclass
class Digest:
    """What a table holds: its row count and the sha256 of its canonical JSON lines."""

    rows: int
    sha256: str


def _digest(rows: Iterator[Mapping]) -> Digest:
    h, n = hashlib.sha256(), 0
    for row in rows:
        h.update(_line(row))
        n += 1
    return Digest(n, h.hexdigest())


# --- temporary files --------------------------------------------------------------------------------

_PARTIAL: set[str] = set()  # temporary files this process is writing


@atexit.register
def _remove_partials() -> None:
    for p in list(_PARTIAL):
        try:
            os.unlink(p)
        except OSError:
            pass


def _sweep(directory: Path) -> list[str]:
    """Remove `.backup-*` files left by a killed backup: nobody holds their lock, no write for a minute."""
    if fcntl is None:
        return []
    removed = []
    now = time.time()
    for p in directory.glob(TEMP_PREFIX + "*"):
        try:
            st = p.lstat()
            if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or now - st.st_mtime < STALE_AFTER:
                continue
            fd = os.open(p, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a live writer holds it
            except OSError:
                os.close(fd)
                continue
            try:
                os.unlink(p)
                removed.append(p.name)
            finally:
                os.close(fd)
        except OSError:
            continue
    return removed


@contextmanager
def _exit_on_signals():
    """While a backup runs in the main thread, SIGTERM and SIGHUP unwind (finally blocks run) instead of
    killing the process on the spot. Handlers someone else installed are left alone."""
    old = {}
    if threading.current_thread() is threading.main_thread():
        def handler(signum, frame):
            raise SystemExit(128 + signum)

        for name in ("SIGTERM", "SIGHUP"):
            sig = getattr(signal, name, None)
            if sig is not None and signal.getsignal(sig) is signal.SIG_DFL:
                try:
                    old[sig] = signal.signal(sig, handler)
                except (ValueError, OSError):
                    pass
    try:
        yield
    finally:
        for sig, h in old.items():
            signal.signal(sig, h)


@contextmanager
def _partial_file(directory: Path) -> Iterator[Path]:
    """A temporary file beside the target, gone on any exit unless renamed into place."""
    fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=str(directory))  # mode 0600
    _PARTIAL.add(tmp)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with _exit_on_signals():
            yield Path(tmp)
    finally:
        try:
            os.unlink(tmp)  # after a successful rename the name is gone already
        except FileNotFoundError:
            pass
        finally:
            _PARTIAL.discard(tmp)
            os.close(fd)


@contextmanager
def _unnamed_file(directory: Path) -> Iterator[int | None]:
    """A file in `directory` that has no name until `_name_it` gives it one (Linux O_TMPFILE, mode
    0600): whatever kills the process, the kernel frees it. None where the system cannot."""
    flag = getattr(os, "O_TMPFILE", None)
    fd = None
    if flag is not None and os.path.isdir("/proc/self/fd"):
        try:
            fd = os.open(directory, flag | os.O_RDWR, 0o600)
        except OSError:  # a file system or kernel without O_TMPFILE
            fd = None
    try:
        with _exit_on_signals():
            yield fd
    finally:
        if fd is not None:
            os.close(fd)


def _name_it(fd: int, target: Path, force: bool) -> None:
    """Give the complete unnamed file its name: never over an existing file unless `force`."""
    os.fsync(fd)
    proc = f"/proc/self/fd/{fd}"
    # linkat(…, AT_SYMLINK_FOLLOW) through /proc: os.link takes that path only when given a dir fd
    # (plain link(2) would link the /proc entry itself and fail with EXDEV).
    dfd = os.open(target.parent, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        if not force:
            try:
                os.link(proc, target.name, dst_dir_fd=dfd, follow_symlinks=True)
            except FileExistsError:
                raise UserError(f"文件 {target.name} 已存在，备份不会覆盖已有文件；请换一个文件名（或确认后加 --force）。",
                                f"{target.name} exists.") from None
            return
        tmp = f"{TEMP_PREFIX}{os.urandom(6).hex()}{TEMP_SUFFIX}"
        os.link(proc, tmp, dst_dir_fd=dfd, follow_symlinks=True)  # complete already; over the old file at once
        os.replace(tmp, target.name, src_dir_fd=dfd, dst_dir_fd=dfd)
    finally:
        os.close(dfd)


def _write_all(fd: int, data) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view[:64 * 2 ** 20]):]


# --- backup -------------------------------------------------------------------------------------------

def backup(store: Store, out: str | Path, *, portable: bool | None = None, force: bool = False) -> dict:
    """Write a consistent copy of the store to `out` (never over the live database)."""
    target = _check_out_path(store, Path(out), force)
    if not store.schema_ready():
        raise UserError("数据库尚未初始化，没有可备份的数据。", "The store is empty.")
    portable = True if store.dialect != "sqlite" else bool(portable)  # PostgreSQL: always the portable zip
    kind = "zip" if portable else "sqlite"
    removed = _sweep(target.parent)
    done = False
    if portable or _store_size(store) <= MEMORY_COPY_MAX:
        with _unnamed_file(target.parent) as fd:
            if fd is not None:
                if portable:
                    with os.fdopen(os.dup(fd), "w+b") as fh:
                        digests = _write_zip(store, fh)
                else:
                    digests = _write_sqlite_unnamed(store, fd)
                _name_it(fd, target, force)
                done = True
    if not done:
        with _partial_file(target.parent) as tmp:
            if portable:
                digests = _write_zip(store, tmp)
            else:
                digests = _write_sqlite(store, tmp)
            os.replace(tmp, target)
    out_ = {"status": "ok", "format": kind, "out": str(out), "bytes": target.stat().st_size,
            "tables": {k: d.rows for k, d in digests.items()}}
    if kind == "zip":
        out_["sha256"] = {k: d.sha256 for k, d in digests.items()}
    if removed:
        out_["removed_stale_temp_files"] = removed
    return out_


def _write_sqlite(store: Store, tmp: Path) -> dict[str, Digest]:
    raw = store.engine.raw_connection()
    try:
        src = raw.driver_connection
        dst = sqlite3.connect(str(tmp))
        try:
            src.backup(dst)  # online backup API: consistent even while others write
            dst.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            counts = {name: dst.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                      for (name,) in dst.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                                 "AND name NOT LIKE 'sqlite_%'")}
        finally:
            dst.close()
    finally:
        raw.close()
    return {k: Digest(n, "") for k, n in counts.items() if k not in SKIP_TABLES}


def _store_size(store: Store) -> int:
    own = _store_file(store)
    if own is None:
        return 0
    return sum(p.stat().st_size for p in (own, Path(str(own) + "-wal")) if p.exists())


def _write_sqlite_unnamed(store: Store, fd: int) -> dict[str, Digest]:
    """The SQLite online backup into memory, then its bytes into the unnamed file `fd`."""
    raw = store.engine.raw_connection()
    try:
        mem = sqlite3.connect(":memory:")
        try:
            raw.driver_connection.backup(mem)  # online backup API: consistent even while others write
            counts = {name: mem.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                      for (name,) in mem.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                                 "AND name NOT LIKE 'sqlite_%'")}
            data = bytearray(mem.serialize())
        finally:
            mem.close()
    finally:
        raw.close()
    # A copy of a WAL database says "WAL" in its header (bytes 18-19 = 2): make it a rollback-journal
    # file (1), one self-contained file with no -wal beside it, as PRAGMA journal_mode=DELETE would.
    data[18:20] = b"\x01\x01"
    _write_all(fd, data)
    del data
    return {k: Digest(n, "") for k, n in counts.items() if k not in SKIP_TABLES}


def _write_zip(store: Store, tmp) -> dict[str, Digest]:
    md = _reflect(store.engine)
    digests: dict[str, Digest] = {}
    with _snapshot(store) as conn, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        revision = _revision(conn)
        for t in _project_tables(md):
            h, n = hashlib.sha256(), 0
            with zf.open(f"{t.name}.jsonl", "w", force_zip64=True) as fh:
                for row in _rows_in_key_order(conn, t):
                    line = _line(row)
                    fh.write(line)
                    h.update(line)
                    n += 1
            digests[t.name] = Digest(n, h.hexdigest())
        manifest = {"format": FORMAT, "revision": revision, "source": store.dialect,
                    "created_at": utcnow().isoformat(timespec="seconds"),
                    "checksum": "sha256 of each member: the table's rows in primary-key order, one JSON object "
                                "a line, keys sorted, separators ',' and ':', UTF-8",
                    "tables": [{"name": k, "rows": d.rows, "sha256": d.sha256} for k, d in digests.items()]}
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return digests


@contextmanager
def _snapshot(store: Store):
    """One read transaction that sees every table at the same instant."""
    if store.dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                conn.execute(text("SET TRANSACTION READ ONLY"))
                yield conn
    else:
        with store.engine.connect() as conn:
            with conn.begin():
                yield conn


# --- reading a backup ------------------------------------------------------------------------------------

class _Source:
    """A backup, table by table, whatever its format."""

    kind: str
    name: str
    revision: str | None
    tables: dict[str, int]         # rows per table, as the backup declares them
    checksummed: bool              # the backup carries checksums to compare with (zip /2)

    def verify(self) -> None:
        """Count and hash everything; raise if it is not what the backup declares."""
        raise NotImplementedError

    def digests(self) -> dict[str, Digest]:
        """Rows and sha256 of every table (after verify())."""
        raise NotImplementedError

    def rows(self, table: str) -> Iterator[dict]:
        """The table's rows, decoded; raises (inside the restore's transaction) if they are not those verified."""
        raise NotImplementedError

    def close(self) -> None:
        pass


class _SqliteSource(_Source):
    kind = "sqlite"
    checksummed = False

    def __init__(self, path: Path):
        self.name = path.name
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        self.engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool)
        self.conn = None
        self._digests: dict[str, Digest] = {}
        try:
            self.conn = self.engine.connect()
            # One read transaction from the check to the last row read: nobody changes the file in between.
            self.conn.exec_driver_sql("BEGIN")
            self.md = _reflect(self.conn)
            self.revision = _revision(self.conn, self.md)
            self.tables = {t.name: self.conn.execute(select(func.count()).select_from(t)).scalar()
                           for t in _project_tables(self.md)}
        except SQLAlchemyError as e:
            reason = str(getattr(e, "orig", e)).strip().splitlines()[0][:120]
            self.close()
            raise _refuse(f"文件 {path.name} 不是可用的数据库备份（无法读取：{reason}）。",
                          "Not a readable backup.") from None

    def verify(self) -> None:
        try:
            found = [r[0] for r in self.conn.exec_driver_sql("PRAGMA integrity_check(20)").all()]
        except SQLAlchemyError as e:
            found = [str(getattr(e, "orig", e)).strip().splitlines()[0]]
        if found != ["ok"]:
            problems = [p for f in found for p in str(f).splitlines()
                        if p.strip() and not p.startswith("*** in database")] or ["?"]
            raise _refuse(f"备份文件 {self.name} 已损坏（SQLite 完整性检查发现 {len(problems)}{'+' if len(found) >= 20 else ''} "
                          f"处问题，第一处：{problems[0][:120]}）。", "The backup file is damaged (integrity check failed).")

    def digests(self) -> dict[str, Digest]:
        """Computed from the file: while a restore reads it, or in one pass of its own (dry run)."""
        for t in _project_tables(self.md):
            if t.name not in self._digests:
                self._digests[t.name] = _digest(_rows_in_key_order(self.conn, t))
        return dict(self._digests)

    def rows(self, table):
        h, n = hashlib.sha256(), 0
        for row in _rows_in_key_order(self.conn, self.md.tables[table]):
            h.update(_line(row))
            n += 1
            yield dict(row)
        if n != self.tables.get(table):  # cannot happen inside the read transaction; if it does, roll back
            raise _refuse(f"备份文件 {self.name} 在检查之后被改动（表 {table}），恢复已全部撤销。",
                          f"The backup changed after it was checked ({table}).")
        self._digests[table] = Digest(n, h.hexdigest())

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.engine.dispose()


class _ZipSource(_Source):
    kind = "zip"

    def __init__(self, path: Path):
        self.name = path.name
        not_ours = _refuse(f"文件 {path.name} 不是本系统生成的备份（缺少或无法读取 manifest.json）。",
                           "Not a backup made by this system.")
        try:
            self.zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError):
            raise not_ours from None
        try:
            info = self.zf.getinfo("manifest.json")
            if info.file_size > MANIFEST_MAX:
                raise ValueError("manifest too large")
            manifest = json.loads(self.zf.read(info))
            if not isinstance(manifest, dict):
                raise ValueError("manifest is not an object")
        except (KeyError, ValueError, zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError):
            self.zf.close()
            raise not_ours from None
        fmt = manifest.get("format")
        if fmt not in (FORMAT, LEGACY_FORMAT):
            self.zf.close()
            raise _refuse(f"备份文件格式“{str(fmt)[:40]}”无法识别。", "Unknown backup format.")
        self.checksummed = fmt == FORMAT
        rev = manifest.get("revision")
        self.revision = rev if isinstance(rev, str) else None
        entries = manifest.get("tables")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            self.zf.close()
            raise _refuse("备份不完整：manifest.json 中没有表的清单。", "The manifest lists no tables.")
        self.tables: dict[str, int] = {}
        self.expected: dict[str, str | None] = {}
        members = set(self.zf.namelist())
        try:
            for e in entries:
                name = str(e.get("name"))[:64]
                # Only members the manifest names, read in memory: a crafted member name
                # (../../etc/passwd) is never a path on disk.
                if f"{name}.jsonl" not in members:
                    raise _refuse(f"备份不完整：清单列出了表 {name}，但备份中没有它的数据（{name}.jsonl）。",
                                  "The backup is incomplete.")
                if name in self.tables:
                    raise _refuse(f"备份清单有误：表 {name} 列出了两次。", "A table is listed twice.")
                rows = e.get("rows")
                if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
                    raise _refuse(f"备份清单有误：表 {name} 的行数“{str(rows)[:20]}”不是非负整数。",
                                  "A row count in the manifest is not a count.")
                sha = e.get("sha256")
                if self.checksummed and not (isinstance(sha, str) and len(sha) == 64
                                             and all(c in "0123456789abcdef" for c in sha)):
                    raise _refuse(f"备份清单有误：表 {name} 没有有效的校验和（sha256）。",
                                  "A table has no valid checksum in the manifest.")
                self.tables[name] = rows
                self.expected[name] = sha if self.checksummed else None
        except UserError:
            self.zf.close()
            raise
        self._found: dict[str, Digest] = {}

    def _read(self, table: str) -> Iterator[bytes]:
        with self.zf.open(f"{table}.jsonl") as fh:
            yield from fh

    def verify(self) -> None:
        for name, rows in self.tables.items():
            h, n = hashlib.sha256(), 0
            try:
                for line in self._read(name):
                    h.update(line)
                    n += 1 if line.strip() else 0
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, zlib.error) as e:
                raise _refuse(f"备份文件 {self.name} 已损坏：表 {name} 的数据无法解压（{type(e).__name__}）。",
                              "A member of the backup cannot be read.") from None
            found = Digest(n, h.hexdigest())
            if n != rows:
                raise _refuse(f"备份不完整：表 {name} 应有 {rows:,} 行（manifest.json），备份中{'只' if n < rows else '却'}有 "
                              f"{n:,} 行。", f"Table {name}: {rows} rows expected, {n} found.")
            if self.checksummed and found.sha256 != self.expected[name]:
                raise _refuse(f"备份已损坏或被改动：表 {name} 的校验和与清单不符（清单 {self.expected[name][:12]}…，"
                              f"实际 {found.sha256[:12]}…；行数 {n:,} 相同）。",
                              f"Table {name}: the checksum does not match the manifest.")
            # A legacy member is not in canonical form: its hash says nothing about the rows.
            self._found[name] = found if self.checksummed else Digest(n, "")

    def digests(self):
        return dict(self._found)

    def rows(self, table):
        h, n = hashlib.sha256(), 0
        for line in self._read(table):
            h.update(line)
            if not line.strip():
                continue
            n += 1
            try:
                rec = json.loads(line)
                if not isinstance(rec, dict):
                    raise ValueError("not an object")
            except ValueError:
                raise _refuse(f"备份中表 {table} 的第 {n:,} 行无法读取（不是 JSON 对象）。",
                              f"Row {n} of {table} is not a JSON object.") from None
            yield {k: _from_json(v) for k, v in rec.items()}
        if Digest(n, h.hexdigest() if self.checksummed else "") != self._found.get(table):
            raise _refuse(f"备份文件 {self.name} 在检查之后被改动（表 {table}），恢复已全部撤销。",
                          f"The backup changed after it was checked ({table}).")

    def close(self):
        self.zf.close()


def _open_source(path: Path) -> _Source:
    path = Path(path)
    if not path.is_file():
        raise UserError(f"找不到备份文件 {path}，请检查文件名。", f"No backup file {path}.")
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head.startswith(SQLITE_MAGIC):
        return _SqliteSource(path)
    if head.startswith(ZIP_MAGIC):
        return _ZipSource(path)
    raise _refuse(f"文件 {path.name} 不是本系统的备份（既不是 SQLite 数据库，也不是备份 zip）。",
                  "Not a backup (neither SQLite nor zip).")


def _check(src: _Source) -> None:
    """Format-independent checks: a known revision and exactly the tables of its schema; then counts and sums."""
    if src.revision is None:
        raise _refuse("备份中没有数据库版本信息（alembic_version），无法确认是本系统的备份。",
                      "The backup has no schema revision.")
    if src.revision not in _known_revisions():
        raise _refuse(f"备份来自更新版本的程序或已损坏（数据库版本“{str(src.revision)[:32]}”本程序不认识），"
                      "请先升级本程序再恢复。", "Unknown schema revision: upgrade first.")
    want = _schema_tables(src.revision)
    missing = sorted(want - set(src.tables))
    if missing:
        shown = "、".join(missing[:8]) + ("等" if len(missing) > 8 else "")
        raise _refuse(f"备份不完整：数据库版本 {src.revision} 应有 {len(want)} 张表，备份中缺少 {len(missing)} 张"
                      f"（{shown}）。", f"The backup lacks {len(missing)} table(s): {', '.join(missing)}.")
    extra = sorted(set(src.tables) - want)
    if extra:
        raise _refuse(f"备份中有数据库版本 {src.revision} 没有的表：{'、'.join(extra)[:200]}。",
                      "The backup has tables its schema revision does not have.")
    src.verify()


def _coerce(value, col):
    """Values as the target column wants them (SQLite hands back some types as text)."""
    if value is None:
        return None
    t = col.type
    if isinstance(t, DateTime) and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(t, Date) and not isinstance(t, DateTime) and isinstance(value, str):
        return date.fromisoformat(value[:10])
    if isinstance(t, Boolean) and not isinstance(value, bool):
        return bool(value)
    if isinstance(t, JSON) and isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    if isinstance(t, LargeBinary) and isinstance(value, memoryview):
        return bytes(value)
    return value


# --- restore -------------------------------------------------------------------------------------------

def restore(store: Store, path: str | Path, *, by: str, dry_run: bool = False, unverified: bool = False,
            after: Callable[[Session], object] | None = None) -> dict:
    """Verify a backup, then (unless `dry_run`) replace every project table with it in one transaction.

    The caller has checked who may do this (`lib.access.admin.restore`); `by` is audited.
    `dry_run=True`: verify and report per table the rows now, the rows in the backup and what
    would change; nothing is written (a read-only store is fine).
    `unverified=True`: restore a backup made before checksums existed (`renovation-backup/1`);
    its tables and row counts are still checked.
    `after(session)`: runs inside the restore's transaction once the rows are in (the CLI
    rebuilds the county rollups there); its return value is reported as "after".
    """
    if store.read_only and not dry_run:
        raise ReadOnlyStore("这是只读的公众版本，不能恢复备份。", "Cannot restore into a read-only store.")
    started = time.perf_counter()
    path = Path(path)
    src = _open_source(path)
    try:
        _check(src)
        verified = "checksums" if src.checksummed else ("integrity" if src.kind == "sqlite" else "row counts only")
        head = {"file": str(path), "format": src.kind, "revision": src.revision, "verified": verified}
        if dry_run:
            return {"status": "dry-run", **head, "tables": dict(src.tables), "plan": _plan(store, src),
                    "restorable": src.checksummed or src.kind == "sqlite" or unverified}
        if src.kind == "zip" and not src.checksummed and not unverified:
            raise _refuse(f"备份 {path.name} 是旧版本程序制作的（格式 {LEGACY_FORMAT}），清单中只有行数、没有校验和，"
                          "无法确认每一行完好。请用本程序重新备份；若只有这份备份，可先加 --dry-run 查看，"
                          "再加 --unverified 恢复（仍会核对每张表和行数）。",
                          "This backup predates checksums: make a new backup, or restore it with --unverified.")
        head_revision = _head_revision()
        unknown = sorted(set(src.tables) - _schema_tables(head_revision))  # a table a later migration dropped
        if unknown:
            raise _refuse(f"备份中有本程序的数据库没有的表：{'、'.join(unknown)[:200]}。",
                          "The backup has tables this program's schema does not have.")
        if _store_revision(store) != head_revision:
            store.migrate()  # a fresh or older store: only now, after the backup has passed every check
        tables = _project_tables(_reflect(store.engine))
        try:
            counts, extra, sums = _replace_all(store, src, tables, by, path, verified, after)
        except SQLAlchemyError as e:
            reason = str(getattr(e, "orig", e)).strip().splitlines()[0][:200]
            raise UserError(f"备份中的数据无法写入本数据库（{reason}），已全部撤销，数据库未做任何修改。",
                            f"The backup cannot be restored ({reason}); nothing was changed.") from None
    finally:
        src.close()
    out = {"status": "ok", **head, "tables": counts, "sha256": sums, "seconds": round(time.perf_counter() - started, 3)}
    if after is not None:
        out["after"] = extra
    return out


def _plan(store: Store, src: _Source) -> list[dict]:
    """Per table: rows now, rows in the backup, and what a restore would do to it."""
    theirs = src.digests()
    ours: dict[str, Digest] = {}
    if store.schema_ready():
        with _snapshot(store) as conn:
            for t in _project_tables(_reflect(conn)):
                ours[t.name] = _digest(_rows_in_key_order(conn, t))
    plan = []
    for name in sorted(set(ours) | set(theirs)):
        now, new = ours.get(name), theirs.get(name)
        if new is None:
            change = "emptied" if now and now.rows else "unchanged"
        elif now is not None and new.sha256 and now.sha256 == new.sha256 and now.rows == new.rows:
            change = "unchanged"
        else:
            change = "replaced"
        plan.append({"table": name, "rows_now": now.rows if now else 0, "rows_backup": new.rows if new else 0,
                     "change": change, "sha256_now": now.sha256 if now else None,
                     "sha256_backup": (new.sha256 or None) if new else None})
    return plan


def _replace_all(store: Store, src: _Source, tables: list[Table], by: str, path: Path, verified: str,
                 after) -> tuple[dict, object, dict]:
    counts: dict[str, int] = {}
    extra = None
    with store.write() as s:
        conn = s.connection()
        current = int(s.scalar(select(StoreMeta.value).where(StoreMeta.key == "data_version")) or 0)
        for t in reversed(tables):
            conn.execute(t.delete())
        for t in tables:
            if t.name not in src.tables:  # a table added after the backup's schema revision
                counts[t.name] = 0
                continue
            cols = {c.name: c for c in t.columns}
            batch: list[dict] = []
            n = 0
            for rec in src.rows(t.name):
                batch.append({k: _coerce(v, cols[k]) for k, v in rec.items() if k in cols})
                if len(batch) >= CHUNK:
                    conn.execute(t.insert(), batch)
                    n += len(batch)
                    batch = []
            if batch:
                conn.execute(t.insert(), batch)
                n += len(batch)
            counts[t.name] = n
        if store.dialect == "postgresql":
            _reset_sequences(conn, tables)
        restored = int(s.scalar(select(StoreMeta.value).where(StoreMeta.key == "data_version")) or 0)
        # Past anything a running dashboard may have cached (write() adds one more on commit).
        row = s.get(StoreMeta, "data_version")
        if row is None:
            s.add(StoreMeta(key="data_version", value=str(max(current, restored) + 1)))
        else:
            row.value = str(max(current, restored) + 1)
        # The rollups in the backup describe the backup's history; whoever can, rebuilds them now.
        s.execute(update(RollupState).values(dirty=True))
        s.flush()
        if after is not None:
            extra = after(s)
        sums = {k: d.sha256 or None for k, d in src.digests().items()}
        audit(s, by, "backup.restore", "store", None,
              after={"file": path.name, "format": src.kind, "revision": src.revision, "verified": verified,
                     "rows": counts, "sha256": sums},
              detail=f"restored from {path.name}")
    return counts, extra, sums


def _reset_sequences(conn, tables: list[Table]) -> None:
    """After explicit ids were inserted, the next id must come after the largest one."""
    for t in tables:
        for c in t.primary_key.columns:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": t.name, "c": c.name}).scalar()
            if seq:
                conn.execute(text(f'SELECT setval(:s, COALESCE((SELECT max("{c.name}") FROM "{t.name}"), 0) + 1, false)'),
                             {"s": seq})


__all__ = ["backup", "restore", "FORMAT", "LEGACY_FORMAT", "Digest"]
