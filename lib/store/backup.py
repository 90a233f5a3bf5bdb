"""Backup and restore of the whole store, on SQLite and PostgreSQL, and across the two.

Two formats, recognised by their first bytes on restore:

* **SQLite file** (the default for a SQLite store): a consistent copy made with SQLite's
  online backup API while the dashboard keeps running; it opens as a store by itself.
* **Portable zip** (the default for PostgreSQL, `portable=True` for SQLite): `manifest.json`
  plus one JSON-lines file per table, read in one snapshot through SQLAlchemy.

`restore` reads either format into any store in ONE transaction: every table of the project
emptied and refilled, sequences reset on PostgreSQL, the data version moved past anything a
dashboard may have cached. Either everything is restored or nothing changes.
"""

from __future__ import annotations

import base64
import io
import json
import os
import sqlite3
import tempfile
import zipfile
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from sqlalchemy import Boolean, Date, DateTime, LargeBinary, MetaData, Table, create_engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.types import JSON

from lib.domain.errors import ReadOnlyStore, UserError
from lib.store.models import StoreMeta, utcnow
from lib.store.engine import Store, audit
from lib.store.engine import MIGRATIONS

FORMAT = "renovation-backup/1"
SQLITE_MAGIC = b"SQLite format 3\x00"
ZIP_MAGIC = b"PK\x03\x04"
CHUNK = 2000
SKIP_TABLES = {"alembic_version"}  # the schema revision is the target's own; checked, not copied


# --- helpers ----------------------------------------------------------------------------------------

def _reflect(engine) -> MetaData:
    md = MetaData()
    md.reflect(engine)
    return md


def _project_tables(md: MetaData) -> list[Table]:
    """Tables in foreign-key order (parents first)."""
    return [t for t in md.sorted_tables if t.name not in SKIP_TABLES and not t.name.startswith("sqlite_")]


def _revision(conn) -> str | None:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - no such table: not a store
        return None


def _head_revision() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory


    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg).get_current_head()


def _known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory


    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return {s.revision for s in ScriptDirectory.from_config(cfg).walk_revisions()}


def _store_file(store: Store) -> Path | None:
    if store.dialect != "sqlite":
        return None
    from sqlalchemy.engine import make_url

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


def _from_json(v, col_type):
    if isinstance(v, dict) and len(v) == 1:
        (k, x), = v.items()
        if k == "$dt":
            return datetime.fromisoformat(x)
        if k == "$d":
            return date.fromisoformat(x)
        if k == "$b64":
            return base64.b64decode(x)
    return v


# --- backup -------------------------------------------------------------------------------------------

def backup(store: Store, out: str | Path, *, portable: bool | None = None, force: bool = False) -> dict:
    """Write a consistent copy of the store to `out` (never over the live database)."""
    target = _check_out_path(store, Path(out), force)
    if not store.schema_ready():
        raise UserError("数据库尚未初始化，没有可备份的数据。", "The store is empty.")
    portable = True if store.dialect != "sqlite" else bool(portable)  # PostgreSQL: always the portable zip
    fd, tmp = tempfile.mkstemp(prefix=".backup-", dir=str(target.parent))
    os.close(fd)
    try:
        if portable:
            counts = _write_zip(store, Path(tmp))
            kind = "zip"
        else:
            counts = _write_sqlite(store, Path(tmp))
            kind = "sqlite"
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return {"status": "ok", "format": kind, "out": str(out), "bytes": target.stat().st_size, "tables": counts}


def _write_sqlite(store: Store, tmp: Path) -> dict:
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
    return counts


def _write_zip(store: Store, tmp: Path) -> dict:
    md = _reflect(store.engine)
    counts: dict[str, int] = {}
    with _snapshot(store) as conn, zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        revision = _revision(conn)
        for t in _project_tables(md):
            n = 0
            with zf.open(f"{t.name}.jsonl", "w") as fh:
                w = io.TextIOWrapper(fh, encoding="utf-8", newline="\n")
                for row in conn.execute(select(t)).mappings():
                    w.write(json.dumps({k: _jsonable(v) for k, v in row.items()}, ensure_ascii=False) + "\n")
                    n += 1
                w.flush()
                w.detach()
            counts[t.name] = n
        manifest = {"format": FORMAT, "revision": revision, "source": store.dialect,
                    "created_at": utcnow().isoformat(timespec="seconds"),
                    "tables": [{"name": t.name, "rows": counts[t.name]} for t in _project_tables(md)]}
        zf.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return counts


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


# --- restore -------------------------------------------------------------------------------------------

class _Source:
    """Rows of a backup, table by table, whatever its format."""

    revision: str | None
    tables: dict[str, int]

    def rows(self, table: str, columns: dict) -> Iterator[dict]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class _SqliteSource(_Source):
    def __init__(self, path: Path):
        uri = f"file:{path.resolve()}?mode=ro"
        self.engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
        try:
            with self.engine.connect() as conn:
                self.revision = _revision(conn)
                self.md = _reflect(self.engine)
                self.tables = {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                               for t in _project_tables(self.md)}
        except Exception:
            self.engine.dispose()
            raise UserError(f"文件 {path.name} 不是可用的数据库备份（无法读取其中的表）。", "Not a readable backup.") from None

    def rows(self, table, columns):
        t = self.md.tables[table]
        keep = [c for c in t.columns if c.name in columns]
        with self.engine.connect() as conn:
            for row in conn.execute(select(*keep)).mappings():
                yield dict(row)

    def close(self):
        self.engine.dispose()


class _ZipSource(_Source):
    def __init__(self, path: Path):
        try:
            self.zf = zipfile.ZipFile(path)
            manifest = json.loads(self.zf.read("manifest.json"))
        except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, UnicodeDecodeError):
            raise UserError(f"文件 {path.name} 不是本系统生成的备份（缺少或无法读取 manifest.json）。",
                            "Not a backup made by this system.") from None
        if manifest.get("format") != FORMAT:
            raise UserError(f"备份文件格式“{str(manifest.get('format'))[:40]}”无法识别。", "Unknown backup format.")
        self.revision = manifest.get("revision")
        self.tables = {}
        names = set(self.zf.namelist())
        for t in manifest.get("tables", []):
            name = str(t.get("name"))
            # Only members the manifest names, read in memory: a crafted member name
            # (../../etc/passwd) is never a path on disk.
            if f"{name}.jsonl" not in names:
                raise UserError(f"备份文件不完整：缺少表 {name[:64]} 的数据。", "The backup is incomplete.")
            self.tables[name] = int(t.get("rows", 0))

    def rows(self, table, columns):
        with self.zf.open(f"{table}.jsonl") as fh:
            for line in io.TextIOWrapper(fh, encoding="utf-8"):
                if not line.strip():
                    continue
                rec = json.loads(line)
                yield {k: _from_json(v, columns[k]) for k, v in rec.items() if k in columns}

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
    raise UserError(f"文件 {path.name} 不是本系统的备份（既不是 SQLite 数据库，也不是备份 zip）。",
                    "Not a backup (neither SQLite nor zip).")


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


def restore(store: Store, path: str | Path, *, by: str) -> dict:
    """Replace every project table of the store with the backup's rows, in one transaction.

    The caller has checked who may do this (`lib.access.admin.restore`); `by` is audited.
    """
    if store.read_only:
        raise ReadOnlyStore("这是只读的公众版本，不能恢复备份。", "Cannot restore into a read-only store.")
    store.migrate()
    src = _open_source(Path(path))
    try:
        if src.revision is None:
            raise UserError("备份中没有数据库版本信息（alembic_version），无法确认是本系统的备份。",
                            "The backup has no schema revision.")
        if src.revision not in _known_revisions():
            raise UserError(f"备份来自更新版本的程序（数据库版本 {str(src.revision)[:32]}），请先升级本程序再恢复。",
                            "The backup comes from a newer version: upgrade first.")
        md = _reflect(store.engine)
        tables = _project_tables(md)
        unknown = sorted(set(src.tables) - {t.name for t in tables})
        if unknown:
            raise UserError(f"备份中有本数据库没有的表：{'、'.join(unknown)[:200]}，请先升级本程序。",
                            "The backup has tables this store does not know.")
        counts: dict[str, int] = {}
        try:
            _replace_all(store, src, tables, counts, by, path)
        except SQLAlchemyError as e:
            reason = str(getattr(e, "orig", e)).strip().splitlines()[0][:200]
            raise UserError(f"备份中的数据无法写入本数据库（{reason}），已全部撤销，数据库未做任何修改。",
                            f"The backup cannot be restored ({reason}); nothing was changed.") from None
    finally:
        src.close()
    return {"status": "ok", "file": str(path), "tables": counts}


def _replace_all(store: Store, src: _Source, tables: list[Table], counts: dict, by: str, path) -> None:
    with store.write() as s:
        conn = s.connection()
        current = int(s.scalar(select(StoreMeta.value).where(StoreMeta.key == "data_version")) or 0)
        for t in reversed(tables):
            conn.execute(t.delete())
        for t in tables:
            if t.name not in src.tables:
                counts[t.name] = 0
                continue
            cols = {c.name: c for c in t.columns}
            batch: list[dict] = []
            n = 0
            for rec in src.rows(t.name, cols):
                batch.append({k: _coerce(v, cols[k]) for k, v in rec.items()})
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
        s.flush()
        audit(s, by, "backup.restore", "store", None,
              after={"file": Path(path).name, "rows": counts, "revision": src.revision},
              detail=f"restored from {Path(path).name}")


def _reset_sequences(conn, tables: list[Table]) -> None:
    """After explicit ids were inserted, the next id must come after the largest one."""
    for t in tables:
        for c in t.primary_key.columns:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": t.name, "c": c.name}).scalar()
            if seq:
                conn.execute(text(f'SELECT setval(:s, COALESCE((SELECT max("{c.name}") FROM "{t.name}"), 0) + 1, false)'),
                             {"s": seq})


__all__ = ["backup", "restore", "FORMAT"]
