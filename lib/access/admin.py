"""Administration: programmes, targets, the audit log, the public read-only database role.

Every write here takes the acting user, calls `auth.require` and records who, when,
what, before and after in the audit log, inside the same transaction.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from lib.domain import vocabulary
from lib.domain import regions
from lib.access import programmes
from lib.access.auth import Actor, require
from lib.domain.errors import UserError
from lib.store.models import AuditLog, Target, utcnow
from lib.store import backup, public_view
from lib.store.engine import Store, audit
from lib.access.auth import check_password_rules
from lib.domain.errors import ReadOnlyStore

MAX_TARGET = 1e9  # larger than any metric of any programme in China (households, 万元, 万m²)


def _number(value, what: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        raise UserError(f"{what}“{str(value)[:40]}”不是数字，请填写一个数。", f"{what}: not a number.") from None
    if not math.isfinite(v) or v < 0 or v > MAX_TARGET:
        raise UserError(f"{what}“{str(value)[:40]}”超出合理范围，应为 0 到 {MAX_TARGET:,.0f} 之间的数。",
                        f"{what} must lie between 0 and {MAX_TARGET:,.0f}.")
    return v


_programme = programmes.get  # one lookup by id or code for every admin write


def _target_dict(t: Target | None) -> dict | None:
    return None if t is None else {"value": t.value, "note": t.note}


def set_target(store: Store, actor: Actor, programme, region: str, metric: str, value, *,
               note: str | None = None) -> dict:
    """Set (or with value=None remove) one target figure; audited with before and after."""
    require(actor, "target", region)
    if metric not in vocabulary.METRIC_BY_KEY:
        raise UserError(f"指标“{str(metric)[:32]}”无效，可选：" + "、".join(f"{m.key}（{m.zh}）" for m in vocabulary.METRICS) + "。",
                        "Unknown metric.")
    reg = regions.get(programmes.region_code(region))
    v = None if value is None or value == "" else _number(value, f"{vocabulary.METRIC_BY_KEY[metric].zh}目标")
    if note is not None:
        note = note.strip()[:2000] or None
    with store.write() as s:
        prog = _programme(s, programme)
        if not regions.contains(prog.region_adcode, reg.adcode):
            raise UserError(f"{regions.describe(reg.adcode)}不在计划“{prog.name}”的范围（{regions.describe(prog.region_adcode)}）内，"
                            "不能为其设置目标。", "The region is outside the programme.")
        t = s.scalar(select(Target).where(Target.programme_id == prog.id, Target.region_adcode == reg.adcode,
                                          Target.metric == metric))
        before = _target_dict(t)
        if v is None:
            if t is not None:
                s.delete(t)
            after = None
        else:
            if t is None:
                t = Target(programme_id=prog.id, region_adcode=reg.adcode, metric=metric, value=v)
                s.add(t)
            t.value = v
            if note is not None:
                t.note = note
            t.updated_at = utcnow()
            t.updated_by = str(actor)
            after = _target_dict(t)
        audit(s, str(actor), "target.set" if v is not None else "target.delete", "target",
              f"{prog.id}/{reg.adcode}/{metric}", programme_id=prog.id, before=before, after=after)
    return {"programme": prog.id, "region": reg.adcode, "metric": metric, "before": before, "after": after}


def create_programme(store: Store, actor: Actor, code: str, name: str, region_adcode: str, year_start: int,
                     year_end: int | None = None, *, source_doc: str | None = None, season_start: str = "04-01",
                     season_end: str = "11-15", report_weekday: int = 4) -> dict:
    """Add a programme (计划/批次); audited. lib.access.programmes.create with a code of one's own."""
    try:
        y0 = int(year_start)
        y1 = int(year_end if year_end is not None else year_start)
    except (TypeError, ValueError):
        raise UserError("年份应为四位数字，例如 2021。", "Years are four digits.") from None
    return programmes.create(store, actor, code=code, name=name, region=region_adcode, years=(y0, y1),
                             source=source_doc, season=(season_start, season_end), report_weekday=report_weekday)


# --- the audit log (read-only from the app) -------------------------------------------------------

def audit_entries(store: Store, actor: Actor, *, action: str | None = None, who: str | None = None,
                  entity: str | None = None, programme: int | None = None, since: date | datetime | None = None,
                  until: date | datetime | None = None, limit: int = 500) -> list[dict]:
    """Audit log rows, newest first, filtered. Only administrators read it."""
    require(actor, "audit")
    q = select(AuditLog).order_by(AuditLog.id.desc()).limit(max(1, min(int(limit), 10_000)))
    if action:
        q = q.where(AuditLog.action.startswith(str(action)[:64], autoescape=True))
    if who:
        q = q.where(AuditLog.actor == str(who)[:64])
    if entity:
        q = q.where(AuditLog.entity == str(entity)[:64])
    if programme is not None:
        q = q.where(AuditLog.programme_id == int(programme))
    if since is not None:
        q = q.where(AuditLog.at >= _start(since))
    if until is not None:
        q = q.where(AuditLog.at < _start(until) + (timedelta(days=1) if not isinstance(until, datetime) else timedelta(0)))
    with store.session() as s:
        rows = s.scalars(q).all()
    return [{"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "entity": r.entity,
             "entity_id": r.entity_id, "programme_id": r.programme_id, "before": r.before, "after": r.after,
             "detail": r.detail} for r in rows]


def audit_facets(store: Store, actor: Actor) -> dict[str, list[str]]:
    """The distinct actions and actors in the log, for the filter widgets."""
    require(actor, "audit")
    with store.session() as s:
        actions = sorted(s.scalars(select(AuditLog.action).distinct()).all())
        actors = sorted(s.scalars(select(AuditLog.actor).distinct()).all())
    return {"actions": actions, "actors": actors}


def _start(d: date | datetime) -> datetime:
    return d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)


def targets_table(store: Store, programme) -> list[dict]:
    """The explicit targets of a programme (region, metric, value, note, who set it last)."""
    with store.session() as s:
        prog = _programme(s, programme)
        rows = s.scalars(select(Target).where(Target.programme_id == prog.id)
                         .order_by(Target.region_adcode, Target.metric)).all()
    return [{"region": t.region_adcode, "name": regions.get(t.region_adcode).name, "metric": t.metric,
             "value": t.value, "note": t.note, "updated_by": t.updated_by, "updated_at": t.updated_at}
            for t in rows]


# --- the public instance's database role (PostgreSQL) ------------------------------------------------

# Tables the public read-only role may not read at all: password hashes, raw uploaded files,
# the audit log (before/after of internal changes). Internal columns of readable tables
# (remarks, problems, uploader names) are left out by the pages and lib in public mode.
PUBLIC_HIDDEN_TABLES = public_view.DENIED_TABLES
_ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def readonly_role(store: Store, actor: Actor, role: str, password: str | None) -> dict:
    """Create (or refresh) a PostgreSQL login role that can only read the public columns
    (views in lib.store.public_view; internal columns read as NULL, private tables as empty).

    The public instance connects as this role: even a raw `SET default_transaction_read_only = off`
    cannot write, and it cannot read accounts, raw files, the audit log or remarks. Idempotent; run it
    again after a migration adds tables.
    """
    require(actor, "user")
    if store.dialect != "postgresql":
        raise UserError("只读数据库角色仅适用于 PostgreSQL；SQLite 的公众实例以只读方式（mode=ro）打开文件即可。",
                        "Read-only roles are a PostgreSQL feature.")
    if store.read_only:
        raise ReadOnlyStore("只读连接不能创建数据库角色。", "Cannot create a role on a read-only connection.")
    if not _ROLE_NAME.match(role or ""):
        raise UserError("角色名只能用小写字母、数字和下划线，且以字母或下划线开头，例如 renovation_public。",
                        "Role names are lower-case letters, digits and underscores.")
    if password is not None:
        check_password_rules(password, role)
    from psycopg import sql
    from sqlalchemy import inspect

    tables = [t for t in inspect(store.engine).get_table_names() if t not in PUBLIC_HIDDEN_TABLES]
    ident = sql.Identifier(role)
    raw = store.engine.raw_connection()
    try:
        with raw.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,))
            exists = cur.fetchone() is not None
            verb = "ALTER" if exists else "CREATE"
            stmt = sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION").format(ident)
            if password is not None:
                stmt = stmt + sql.SQL(" PASSWORD {}").format(sql.Literal(password))
            cur.execute(stmt)
            cur.execute(sql.SQL("ALTER ROLE {} SET default_transaction_read_only = on").format(ident))
            cur.execute("SELECT current_database()")
            db = cur.fetchone()[0]
            cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(db), ident))
            # views of the public columns only, under the tables' names (lib.store.public_view)
            views = public_view.rebuild(cur, ident)
        raw.commit()
    except Exception:
        raw.rollback()
        raise
    finally:
        raw.close()
    with store.write() as s:
        audit(s, str(actor), "db.readonly_role", "pg_role", role,
              after={"tables": tables, "hidden": list(PUBLIC_HIDDEN_TABLES), "created": not exists},
              detail="password set" if password is not None else None)
    return {"role": role, "database": db, "created": not exists, "tables": tables,
            "hidden": list(PUBLIC_HIDDEN_TABLES), "empty": list(public_view.EMPTY_TABLES),
            "hidden_columns": views["hidden_columns"]}


__all__ = ["set_target", "create_programme", "audit_entries", "audit_facets", "targets_table", "readonly_role",
           "PUBLIC_HIDDEN_TABLES"]


def restore(store: Store, path: str | Path, actor: Actor | None = None, *, dry_run: bool = False,
            unverified: bool = False, after=None) -> dict:
    """Replace the whole store with a verified backup: an administrator or the command line only.

    Even the dry run (`dry_run=True`: what would change, nothing written) is theirs alone: it
    reads every table, accounts included. `unverified` and `after` as in `lib.store.backup.restore`
    (the caller that can reach the figures passes `after` to rebuild the county rollups inside
    the restore's transaction).
    """
    actor = actor or Actor.system()
    require(actor, "user")
    return backup.restore(store, path, by=str(actor), dry_run=dry_run, unverified=unverified, after=after)
