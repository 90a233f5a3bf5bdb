"""What the PostgreSQL reader role of the public instance sees: the public columns only.

The public dashboard runs the same queries as the staff one (unqualified table names). Its role
gets `search_path = public_read` and SELECT on views of the same names in that schema, and
nothing on the tables themselves:

* a table with internal columns is a view that returns NULL in their place (problems, remarks,
  who reported or uploaded, raw file names, upload warnings that echo cell values);
* accounts, raw files and the audit log are views the role may not select from ("permission
  denied", as before);
* follow-up actions, bulletin drafts and register revisions are views with their columns and no
  rows (a public read that looks at them finds nothing);
* every other table is a view of all its columns.

So a query the lib already runs for the public works unchanged, and one that asks for an
internal field gets NULL, never the value, even through raw SQL. The views are rebuilt from the
database's own columns each time the role is set up (run `db-reader` again after a migration).
A column is public unless listed here: a migration that adds an internal column lists it in
INTERNAL_COLUMNS (tests/security/test_reader_role.py plants a marker in every text column that
is not public and reads it back as the reader role).
"""

from __future__ import annotations

SCHEMA = "public_read"

# views the role may not select from at all: accounts, raw files, the audit log; the schedule's
# contacts (phones, emails, robot webhooks), subscriptions, deliveries and reminders sent
DENIED_TABLES = ("app_user", "upload_blob", "audit_log", "contact", "subscription", "delivery", "reminder_log")
# its columns, no rows: follow-up actions, bulletin drafts, register revisions, review steps (reviewers, reasons)
EMPTY_TABLES = ("follow_up_action", "bulletin_draft", "project_revision", "review_event")
HIDDEN_TABLES = DENIED_TABLES + EMPTY_TABLES
INTERNAL_COLUMNS: dict[str, frozenset[str]] = {
    "project": frozenset({"remarks"}),
    "progress_report": frozenset({"problems", "reported_by"}),
    "upload": frozenset({"uploaded_by", "rolled_back_by", "filename", "warnings"}),
    "target": frozenset({"updated_by"}),
    "region_alias": frozenset({"created_by"}),
    "calendar_period": frozenset({"created_by"}),
    "review_lock": frozenset({"locked_by"}),
    "calendar_setting": frozenset({"updated_by"}),
}
# rows the role never sees: the session cookies' signing key and revocations (lib/access/web_session.py)
ROW_FILTERS: dict[str, str] = {"store_meta": "key NOT LIKE 'session%'"}


def rebuild(cur, role_ident, source_schema: str = "public") -> dict:
    """(Re)create the views in SCHEMA from the tables of `source_schema` and let `role_ident` (a
    psycopg sql.Identifier) read them and nothing else. `cur` is a psycopg cursor inside the
    caller's transaction. Returns {"views": [...], "hidden_tables": [...], "hidden_columns": {...}}."""
    from psycopg import sql

    schema = sql.Identifier(SCHEMA)
    cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(schema))
    cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') ORDER BY c.relname", (source_schema,))
    tables = [r[0] for r in cur.fetchall()]
    cur.execute("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind = 'v'", (SCHEMA,))
    for (old,) in cur.fetchall():
        cur.execute(sql.SQL("DROP VIEW {}.{}").format(schema, sql.Identifier(old)))
    hidden_columns: dict[str, list[str]] = {}
    for t in tables:
        cur.execute("SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                    "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
                    (f'"{source_schema}"."{t}"',))
        cols = cur.fetchall()
        internal = INTERNAL_COLUMNS.get(t, frozenset())
        parts = []
        for name, typ in cols:
            if name in internal:
                parts.append(sql.SQL("NULL::{} AS {}").format(sql.SQL(typ), sql.Identifier(name)))
                hidden_columns.setdefault(t, []).append(name)
            else:
                parts.append(sql.Identifier(name))
        where = sql.SQL(" WHERE false") if t in HIDDEN_TABLES else \
            sql.SQL(" WHERE " + ROW_FILTERS[t]) if t in ROW_FILTERS else sql.SQL("")
        cur.execute(sql.SQL("CREATE VIEW {}.{} AS SELECT {} FROM {}.{}").format(
            schema, sql.Identifier(t), sql.SQL(", ").join(parts), sql.Identifier(source_schema),
            sql.Identifier(t)) + where)
    cur.execute(sql.SQL("REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}").format(sql.Identifier(source_schema),
                                                                               role_ident))
    cur.execute(sql.SQL("REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}").format(sql.Identifier(source_schema),
                                                                                  role_ident))
    cur.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(schema, role_ident))
    cur.execute(sql.SQL("GRANT SELECT ON ALL TABLES IN SCHEMA {} TO {}").format(schema, role_ident))
    for t in DENIED_TABLES:
        if t in tables:
            cur.execute(sql.SQL("REVOKE ALL ON {}.{} FROM {}").format(schema, sql.Identifier(t), role_ident))
    cur.execute("SELECT current_database()")
    db = sql.Identifier(cur.fetchone()[0])
    cur.execute(sql.SQL("ALTER ROLE {} IN DATABASE {} SET search_path = {}").format(role_ident, db, schema))
    return {"views": tables, "hidden_tables": [t for t in tables if t in HIDDEN_TABLES],
            "hidden_columns": hidden_columns}


__all__ = ["SCHEMA", "DENIED_TABLES", "EMPTY_TABLES", "HIDDEN_TABLES", "INTERNAL_COLUMNS", "ROW_FILTERS", "rebuild"]
