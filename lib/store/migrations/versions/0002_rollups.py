"""county rollups: cumulative as-of figures per (programme, report date, county)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

`county_rollup` holds, for every reporting week of a programme, each county's
as-of figures (the same sums as lib.metrics.county_figures). `rollup_state`
says which programmes have rollups and whether they are trustworthy: triggers
on progress_report and project set `dirty` whenever a row that the figures
depend on changes, and lib.rollups.refresh() clears it inside the same
transaction. A dirty rollup is never read (metrics falls back to the raw
history), so a writer that forgets to refresh is slow, never wrong.
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

INT_SUMS = ("reg_communities", "reg_households", "reg_buildings", "reg_lifts",
            "started_communities", "started_households", "started_buildings",
            "completed_communities", "completed_households", "completed_buildings",
            "lifts_added", "reported")
FLOAT_SUMS = ("reg_floor_area_wan_m2", "reg_investment_wan", "started_floor_area_wan_m2",
              "completed_floor_area_wan_m2", "invested_wan", "paid_wan")

# Columns of the register whose change alters rollup figures.
PROJECT_COLUMNS = ("programme_id", "county_adcode", "registered_on", "households", "buildings",
                   "floor_area_wan_m2", "planned_investment_wan", "lifts_planned")
REPORT_COLUMNS = ("project_id", "report_date", "active", "stage", "invested_wan", "paid_wan", "lifts_added")

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER trg_rollup_report_ins AFTER INSERT ON progress_report BEGIN
        UPDATE rollup_state SET dirty = 1 WHERE dirty = 0
          AND programme_id = (SELECT programme_id FROM project WHERE id = NEW.project_id); END""",
    f"""CREATE TRIGGER trg_rollup_report_upd AFTER UPDATE OF {', '.join(REPORT_COLUMNS)} ON progress_report BEGIN
        UPDATE rollup_state SET dirty = 1 WHERE dirty = 0
          AND programme_id IN (SELECT programme_id FROM project WHERE id IN (NEW.project_id, OLD.project_id)); END""",
    f"""CREATE TRIGGER trg_rollup_report_del AFTER DELETE ON progress_report BEGIN
        UPDATE rollup_state SET dirty = 1 WHERE dirty = 0
          AND programme_id = (SELECT programme_id FROM project WHERE id = OLD.project_id); END""",
    f"""CREATE TRIGGER trg_rollup_project_ins AFTER INSERT ON project BEGIN
        UPDATE rollup_state SET dirty = 1 WHERE dirty = 0 AND programme_id = NEW.programme_id; END""",
    f"""CREATE TRIGGER trg_rollup_project_upd AFTER UPDATE OF {', '.join(PROJECT_COLUMNS)} ON project BEGIN
        UPDATE rollup_state SET dirty = 1 WHERE dirty = 0
          AND programme_id IN (NEW.programme_id, OLD.programme_id); END""",
    f"""CREATE TRIGGER trg_rollup_project_del AFTER DELETE ON project BEGIN
        UPDATE rollup_state SET dirty = 1 WHERE dirty = 0 AND programme_id = OLD.programme_id; END""",
]

PG_TRIGGERS = [
    """CREATE FUNCTION rollup_dirty_report() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'DELETE' THEN
        UPDATE rollup_state SET dirty = true WHERE NOT dirty
          AND programme_id = (SELECT programme_id FROM project WHERE id = NEW.project_id);
      END IF;
      IF TG_OP <> 'INSERT' THEN
        UPDATE rollup_state SET dirty = true WHERE NOT dirty
          AND programme_id = (SELECT programme_id FROM project WHERE id = OLD.project_id);
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE FUNCTION rollup_dirty_project() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP <> 'DELETE' THEN
        UPDATE rollup_state SET dirty = true WHERE NOT dirty AND programme_id = NEW.programme_id;
      END IF;
      IF TG_OP <> 'INSERT' THEN
        UPDATE rollup_state SET dirty = true WHERE NOT dirty AND programme_id = OLD.programme_id;
      END IF;
      RETURN NULL;
    END $$""",
    f"""CREATE TRIGGER trg_rollup_report AFTER INSERT OR DELETE OR UPDATE OF {', '.join(REPORT_COLUMNS)}
        ON progress_report FOR EACH ROW EXECUTE FUNCTION rollup_dirty_report()""",
    f"""CREATE TRIGGER trg_rollup_project AFTER INSERT OR DELETE OR UPDATE OF {', '.join(PROJECT_COLUMNS)}
        ON project FOR EACH ROW EXECUTE FUNCTION rollup_dirty_project()""",
]


def upgrade() -> None:
    op.create_table(
        'county_rollup',
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'), nullable=False),
        sa.Column('report_date', sa.Date(), nullable=False),
        sa.Column('county_adcode', sa.String(length=6), nullable=False),
        sa.Column('n_reports', sa.Integer(), nullable=False),
        *[sa.Column(c, sa.Integer(), nullable=False) for c in INT_SUMS],
        *[sa.Column(c, sa.Float(), nullable=False) for c in FLOAT_SUMS],
        sa.PrimaryKeyConstraint('programme_id', 'report_date', 'county_adcode'),
    )
    op.create_table(
        'rollup_state',
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'), nullable=False),
        sa.Column('dirty', sa.Boolean(), nullable=False),
        sa.Column('refreshed_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('programme_id'),
    )
    dialect = op.get_bind().dialect.name
    for ddl in SQLITE_TRIGGERS if dialect == "sqlite" else PG_TRIGGERS:
        op.execute(ddl)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name in ("report_ins", "report_upd", "report_del", "project_ins", "project_upd", "project_del"):
            op.execute(f"DROP TRIGGER IF EXISTS trg_rollup_{name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS trg_rollup_report ON progress_report")
        op.execute("DROP TRIGGER IF EXISTS trg_rollup_project ON project")
        op.execute("DROP FUNCTION IF EXISTS rollup_dirty_report()")
        op.execute("DROP FUNCTION IF EXISTS rollup_dirty_project()")
    op.drop_table('rollup_state')
    op.drop_table('county_rollup')
