"""Many rows into one table inside the caller's transaction: COPY on PostgreSQL, executemany on SQLite.

Why: a weekly upload at national scale writes 10,000 progress reports. Through psycopg's executemany
that took 0.55-0.9 s at 300,000 communities; COPY takes 0.35 s (the rest is the foreign-key checks
and the rollup trigger, which COPY fires as an INSERT does). SQLite's executemany is already one
prepared statement stepped per row.

The rows are what `table.insert()` would take: dicts keyed by column name. A column a row leaves
out gets the column's Python-side default (`default=`), as SQLAlchemy's insert would, or is left
to the database (`server_default`, an autoincrement key) when no row gives it. Keys that are not
columns of the table are ignored, as executemany ignores them.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session


def _default(col):
    d = col.default
    if d is None:
        return None
    if d.is_scalar:
        return d.arg
    if d.is_callable:
        return d.arg(None)  # SQLAlchemy wraps a zero-argument default to take the execution context
    raise ValueError(f"{col.name}: a SQL-expression default cannot be copied")


def insert_rows(s: Session, table: Table, rows: list[dict]) -> int:
    """Insert `rows` into `table` in the session's transaction; returns how many."""
    if not rows:
        return 0
    conn = s.connection()
    if conn.dialect.name != "postgresql":
        conn.execute(table.insert(), rows)
        return len(rows)
    given = set().union(*(r.keys() for r in rows))
    cols = [c for c in table.columns
            if c.name in given or (c.default is not None and not (c.primary_key and c.autoincrement is True))]
    defaults = {c.name: _default(c) for c in cols if c.default is not None}
    names = [c.name for c in cols]
    import psycopg

    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    cur = conn.connection.dbapi_connection.cursor()
    try:
        with cur.copy(statement) as cp:
            for r in rows:
                cp.write_row(tuple(r[n] if n in r else defaults.get(n) for n in names))
    except psycopg.Error as e:  # as SQLAlchemy would raise it (IntegrityError, OperationalError, ...)
        raise DBAPIError.instance(statement, None, e, psycopg.Error, dialect=conn.dialect) from e
    finally:
        cur.close()
    return len(rows)


__all__ = ["insert_rows"]
