"""character n-gram index for community search; the rollup's register watch; reports by date

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21

* `search_gram(gram, project_id)`: every character bigram of a register row's code, name,
  street, community and address (ASCII-lowercased), so a search for 纺织 or 小区 reads a few
  index ranges instead of every register row. Neither SQLite FTS5's trigram tokenizer nor
  PostgreSQL's pg_trgm answers a two-character query. Triggers on `project` keep it current on
  every register write (insert; update of those columns; a delete cascades); backfilled here.
* `rollup_since(programme_id, since)`: triggers on `project` record the earliest date a register
  change affects (a community added, removed, moved, re-dated or its figures changed);
  lib.figures.rollups.refresh reads and clears it, so a register change is refreshed from where
  it counts whatever `from_date` its writer passed, and a report-only write may take the cheap
  path (the newest week by difference).
* `ix_report_date_project` on progress_report(report_date, project_id): the communities that
  reported in the newest week, found without scanning the history.

Both tables are derived data. A restore (lib.store.backup) inserts the register first, whose
triggers fill them, then the backup's own rows: a BEFORE INSERT trigger on each makes that
second insert of an existing row a no-op (for rollup_since: keeps the earlier date).
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

FIELDS = ("code", "name", "street", "community", "address")
MAX_LEN = 300  # project.address is String(300): every bigram start of the longest field
UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
LOWER = UPPER.lower()
# Register columns whose change alters the rollup's figures (0002's list and `communities`).
WATCHED = ("programme_id", "county_adcode", "registered_on", "households", "buildings", "floor_area_wan_m2",
           "planned_investment_wan", "lifts_planned", "communities")

_POS = "[" + ",".join(str(i) for i in range(1, MAX_LEN)) + "]"


def _sqlite_grams(row: str) -> str:
    fields = " UNION ALL ".join(f"SELECT lower({row}.{f}) AS f" for f in FIELDS)
    return (f"INSERT OR IGNORE INTO search_gram (gram, project_id) SELECT DISTINCT substr(t.f, p.value, 2), {row}.id "
            f"FROM ({fields}) AS t, json_each('{_POS}') AS p WHERE t.f IS NOT NULL AND p.value < length(t.f);")


def _since_sqlite(prog: str, day: str) -> str:
    return (f"INSERT INTO rollup_since (programme_id, since) SELECT {prog}, {day} "
            f"WHERE EXISTS (SELECT 1 FROM programme WHERE id = {prog});")


SQLITE = [
    f"""CREATE TRIGGER trg_search_project_ins AFTER INSERT ON project BEGIN {_sqlite_grams('NEW')} END""",
    f"""CREATE TRIGGER trg_search_project_upd AFTER UPDATE OF {', '.join(FIELDS)} ON project BEGIN
        DELETE FROM search_gram WHERE project_id = OLD.id; {_sqlite_grams('NEW')} END""",
    """CREATE TRIGGER trg_search_gram_once BEFORE INSERT ON search_gram
        WHEN EXISTS (SELECT 1 FROM search_gram WHERE gram = NEW.gram AND project_id = NEW.project_id)
        BEGIN SELECT RAISE(IGNORE); END""",
    """CREATE TRIGGER trg_rollup_since_once BEFORE INSERT ON rollup_since
        WHEN EXISTS (SELECT 1 FROM rollup_since WHERE programme_id = NEW.programme_id)
        BEGIN UPDATE rollup_since SET since = min(since, NEW.since) WHERE programme_id = NEW.programme_id;
              SELECT RAISE(IGNORE); END""",
    f"""CREATE TRIGGER trg_since_project_ins AFTER INSERT ON project BEGIN
        {_since_sqlite('NEW.programme_id', 'NEW.registered_on')} END""",
    f"""CREATE TRIGGER trg_since_project_upd AFTER UPDATE OF {', '.join(WATCHED)} ON project
        WHEN {' OR '.join(f'OLD.{c} IS NOT NEW.{c}' for c in WATCHED)} BEGIN
        {_since_sqlite('NEW.programme_id', 'min(OLD.registered_on, NEW.registered_on)')}
        {_since_sqlite('OLD.programme_id', 'min(OLD.registered_on, NEW.registered_on)')} END""",
    f"""CREATE TRIGGER trg_since_project_del AFTER DELETE ON project BEGIN
        {_since_sqlite('OLD.programme_id', 'OLD.registered_on')} END""",
]
SQLITE_NAMES = ("trg_search_project_ins", "trg_search_project_upd", "trg_search_gram_once", "trg_rollup_since_once",
                "trg_since_project_ins", "trg_since_project_upd", "trg_since_project_del")

_PG_LOWER = f"translate(f0, '{UPPER}', '{LOWER}')"

PG_FUNCTIONS = [
    f"""CREATE FUNCTION search_gram_project() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        DELETE FROM search_gram WHERE project_id = OLD.id;
      END IF;
      INSERT INTO search_gram (gram, project_id)
        SELECT DISTINCT substr(x.f, i, 2), NEW.id
        FROM unnest(ARRAY[{', '.join(f'NEW.{f}::text' for f in FIELDS)}]) AS t(f0),
             LATERAL (SELECT {_PG_LOWER} AS f) AS x,
             LATERAL generate_series(1, length(x.f) - 1) AS i
        WHERE x.f IS NOT NULL
        ON CONFLICT DO NOTHING;
      RETURN NULL;
    END $$""",
    """CREATE FUNCTION search_gram_once() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM search_gram WHERE gram = NEW.gram AND project_id = NEW.project_id) THEN
        RETURN NULL;
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE FUNCTION rollup_since_once() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE rollup_since SET since = LEAST(since, NEW.since) WHERE programme_id = NEW.programme_id;
      IF FOUND THEN
        RETURN NULL;
      END IF;
      RETURN NEW;
    END $$""",
    f"""CREATE FUNCTION rollup_since_project() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      d date;
    BEGIN
      IF TG_OP = 'UPDATE' THEN
        IF NOT ({' OR '.join(f'OLD.{c} IS DISTINCT FROM NEW.{c}' for c in WATCHED)}) THEN
          RETURN NULL;
        END IF;
        d := LEAST(OLD.registered_on, NEW.registered_on);
      ELSIF TG_OP = 'INSERT' THEN
        d := NEW.registered_on;
      ELSE
        d := OLD.registered_on;
      END IF;
      IF TG_OP <> 'DELETE' THEN
        INSERT INTO rollup_since (programme_id, since)
          SELECT NEW.programme_id, d WHERE EXISTS (SELECT 1 FROM programme WHERE id = NEW.programme_id);
      END IF;
      IF TG_OP <> 'INSERT' THEN
        INSERT INTO rollup_since (programme_id, since)
          SELECT OLD.programme_id, d WHERE EXISTS (SELECT 1 FROM programme WHERE id = OLD.programme_id);
      END IF;
      RETURN NULL;
    END $$""",
]
PG_TRIGGERS = [
    f"""CREATE TRIGGER trg_search_project AFTER INSERT OR UPDATE OF {', '.join(FIELDS)} ON project
        FOR EACH ROW EXECUTE FUNCTION search_gram_project()""",
    """CREATE TRIGGER trg_search_gram_once BEFORE INSERT ON search_gram
        FOR EACH ROW EXECUTE FUNCTION search_gram_once()""",
    """CREATE TRIGGER trg_rollup_since_once BEFORE INSERT ON rollup_since
        FOR EACH ROW EXECUTE FUNCTION rollup_since_once()""",
    f"""CREATE TRIGGER trg_since_project AFTER INSERT OR DELETE OR UPDATE OF {', '.join(WATCHED)} ON project
        FOR EACH ROW EXECUTE FUNCTION rollup_since_project()""",
]


def _backfill_sqlite() -> str:
    fields = " UNION ALL ".join(f"SELECT id, lower({f}) AS f FROM project WHERE {f} IS NOT NULL" for f in FIELDS)
    return (f"INSERT OR IGNORE INTO search_gram (gram, project_id) SELECT DISTINCT substr(t.f, p.value, 2), t.id "
            f"FROM ({fields}) AS t, json_each('{_POS}') AS p WHERE p.value < length(t.f)")


def _backfill_pg() -> str:
    fields = " UNION ALL ".join(f"SELECT id, {f}::text AS f0 FROM project WHERE {f} IS NOT NULL" for f in FIELDS)
    return (f"INSERT INTO search_gram (gram, project_id) SELECT DISTINCT substr(x.f, i, 2), t.id "
            f"FROM ({fields}) AS t, LATERAL (SELECT {_PG_LOWER} AS f) AS x, "
            f"LATERAL generate_series(1, length(x.f) - 1) AS i")


def upgrade() -> None:
    op.create_table(
        'search_gram',
        sa.Column('gram', sa.String(length=2), nullable=False),
        sa.Column('project_id', sa.Integer(), sa.ForeignKey('project.id', ondelete='CASCADE'), nullable=False),
        sa.PrimaryKeyConstraint('gram', 'project_id'),
        sqlite_with_rowid=False,
    )
    op.create_table(
        'rollup_since',
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'), nullable=False),
        sa.Column('since', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('programme_id'),
    )
    op.create_index('ix_report_date_project', 'progress_report', ['report_date', 'project_id'])
    if op.get_bind().dialect.name == "sqlite":
        op.execute(_backfill_sqlite())
        for ddl in SQLITE:
            op.execute(ddl)
    else:
        op.execute(_backfill_pg())  # before the triggers: the backfill's rows are distinct already
        for ddl in PG_FUNCTIONS + PG_TRIGGERS:
            op.execute(ddl)
        op.execute("ANALYZE search_gram")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_NAMES:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_search_project ON project")
        op.execute("DROP TRIGGER IF EXISTS trg_since_project ON project")
        op.execute("DROP TRIGGER IF EXISTS trg_search_gram_once ON search_gram")
        op.execute("DROP TRIGGER IF EXISTS trg_rollup_since_once ON rollup_since")
        for fn in ("search_gram_project", "search_gram_once", "rollup_since_once", "rollup_since_project"):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}()")
    op.drop_index('ix_report_date_project', table_name='progress_report')
    op.drop_table('rollup_since')
    op.drop_table('search_gram')
