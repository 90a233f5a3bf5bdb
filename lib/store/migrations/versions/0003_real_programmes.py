"""real programmes: settings per programme, project rows covering several communities,
zones (reporting units that are not divisions), and per-region reported totals

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21

- programme: eligibility year, subsidy standards and counted metrics as its document
  sets them; status active | archived (a real programme is archived, never deleted).
- project.communities: a 片区/连片 project row covers this many communities (NULL = 1).
  The rollup triggers watch it like every other column the figures depend on.
- region.kind: division | zone. A zone (开发区, 高新区, 新区, 兵团 …) is a reporting unit
  under a parent region with its own stable code; lon/lat place it on the map.
- region_alias: a name that means an existing region (西海岸新区 = 黄岛区 370211).
- aggregate_report: a region's reported totals (a 分县/分市 progress table), one row
  per region, week and metric, append-only like progress_report.
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

PROJECT_COLUMNS = ("programme_id", "county_adcode", "registered_on", "households", "buildings",
                   "floor_area_wan_m2", "planned_investment_wan", "lifts_planned", "communities")
OLD_PROJECT_COLUMNS = PROJECT_COLUMNS[:-1]


def _project_trigger(columns) -> list[str]:
    if op.get_bind().dialect.name == "sqlite":
        return ["DROP TRIGGER IF EXISTS trg_rollup_project_upd",
                f"""CREATE TRIGGER trg_rollup_project_upd AFTER UPDATE OF {', '.join(columns)} ON project BEGIN
        UPDATE rollup_state SET dirty = 1 WHERE dirty = 0
          AND programme_id IN (NEW.programme_id, OLD.programme_id); END"""]
    return ["DROP TRIGGER IF EXISTS trg_rollup_project ON project",
            f"""CREATE TRIGGER trg_rollup_project AFTER INSERT OR DELETE OR UPDATE OF {', '.join(columns)}
        ON project FOR EACH ROW EXECUTE FUNCTION rollup_dirty_project()"""]


def upgrade() -> None:
    with op.batch_alter_table('programme') as b:
        b.add_column(sa.Column('eligibility_year', sa.Integer(), nullable=True))
        b.add_column(sa.Column('subsidy', sa.JSON(), nullable=True))
        b.add_column(sa.Column('metrics', sa.JSON(), nullable=True))
        b.add_column(sa.Column('status', sa.String(16), nullable=False, server_default='active'))
        b.add_column(sa.Column('archived_at', sa.DateTime(), nullable=True))
    with op.batch_alter_table('project') as b:
        b.add_column(sa.Column('communities', sa.Integer(), nullable=True))
    with op.batch_alter_table('region') as b:
        b.add_column(sa.Column('kind', sa.String(16), nullable=False, server_default='division'))
        b.add_column(sa.Column('lon', sa.Float(), nullable=True))
        b.add_column(sa.Column('lat', sa.Float(), nullable=True))
        b.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        b.add_column(sa.Column('note', sa.Text(), nullable=True))
    op.create_table(
        'region_alias',
        sa.Column('name', sa.String(64), primary_key=True),
        sa.Column('adcode', sa.String(6), sa.ForeignKey('region.adcode'), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=True),
        sa.Column('created_by', sa.String(64), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
    )
    op.create_table(
        'aggregate_report',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'), nullable=False),
        sa.Column('region_adcode', sa.String(6), sa.ForeignKey('region.adcode'), nullable=False),
        sa.Column('report_date', sa.Date(), nullable=False),
        sa.Column('metric', sa.String(32), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('text', sa.String(64), nullable=True),
        sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column('upload_id', sa.Integer(), sa.ForeignKey('upload.id'), nullable=True, index=True),
        sa.Column('created_at', sa.DateTime(), nullable=True),
    )
    op.create_index('ix_aggregate_lookup', 'aggregate_report',
                    ['programme_id', 'region_adcode', 'metric', 'report_date', 'id'])
    for ddl in _project_trigger(PROJECT_COLUMNS):
        op.execute(ddl)


def downgrade() -> None:
    for ddl in _project_trigger(OLD_PROJECT_COLUMNS):
        op.execute(ddl)
    op.drop_index('ix_aggregate_lookup', table_name='aggregate_report')
    op.drop_table('aggregate_report')
    op.drop_table('region_alias')
    with op.batch_alter_table('region') as b:
        for c in ('note', 'programme_id', 'lat', 'lon', 'kind'):
            b.drop_column(c)
    with op.batch_alter_table('project') as b:
        b.drop_column('communities')
    with op.batch_alter_table('programme') as b:
        for c in ('archived_at', 'status', 'metrics', 'subsidy', 'eligibility_year'):
            b.drop_column(c)
