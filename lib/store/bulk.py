"""Many rows into one table inside the caller's transaction: COPY on PostgreSQL, executemany on SQLite.

Why: a weekly upload at national scale writes 10,000 progress reports. Through psycopg's executemany
that took 0.55-0.9 s at 300,000 communities; COPY takes 0.35 s (the rest is the foreign-key checks
and the rollup trigger, which COPY fires as an INSERT does). SQLite's executemany is already one
prepared statement stepped per row.

The rows are what `table.insert()` would take: dicts keyed by column name. A column a row leaves
out gets the column's Python-side default (`default=`), as SQLAlchemy's insert would, or is left
to the database (`server_default`, an autoincrement key) when no row gives it. Keys that are not
columns of the table are ignored, as executemany ignores them. `insert_frame` takes a DataFrame
instead (a rollup rebuild's 150,000 rows), written as tab-separated text.
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


def _copy(conn, table: Table, names: list[str], feed) -> None:
    """COPY into `table`'s `names` on the connection's transaction; `feed(copy)` writes the data.
    A refusal is raised as SQLAlchemy would raise it (IntegrityError, OperationalError, ...)."""
    import psycopg

    statement = f"COPY {table.name} ({', '.join(names)}) FROM STDIN"
    cur = conn.connection.dbapi_connection.cursor()
    try:
        with cur.copy(statement) as cp:
            feed(cp)
    except psycopg.Error as e:
        raise DBAPIError.instance(statement, None, e, psycopg.Error, dialect=conn.dialect) from e
    finally:
        cur.close()


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

    def feed(cp):
        for r in rows:
            cp.write_row(tuple(r[n] if n in r else defaults.get(n) for n in names))

    _copy(conn, table, names, feed)
    return len(rows)


def insert_frame(s: Session, table: Table, df) -> int:
    """Insert a DataFrame whose columns are `table`'s (every value given; datetime64 columns are dates),
    as tab-separated text on PostgreSQL (a rollup rebuild writes 150,000 rows), as tuples on SQLite."""
    if df.empty:
        return 0
    names = list(df.columns)
    data = df.assign(**{c: df[c].dt.strftime("%Y-%m-%d") for c in names if df[c].dtype.kind == "M"})
    conn = s.connection()
    if conn.dialect.name != "postgresql":
        conn.exec_driver_sql(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                             list(zip(*[data[c].tolist() for c in names])))
        return len(df)
    _copy(conn, table, names, lambda cp: cp.write(data.to_csv(sep="\t", header=False, index=False)))
    return len(df)


__all__ = ["insert_rows", "insert_frame"]
