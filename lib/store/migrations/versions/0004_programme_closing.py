"""the week that has closed: each programme's closing rule

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21

- programme.closing: when a reporting week's reporting is substantially complete
  (lib.figures.asof.ClosingRule: {"min_share": 0.5, "hours_after_deadline": null}).
  NULL means the default rule: at least half of the expected reporters.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('programme') as b:
        b.add_column(sa.Column('closing', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('programme') as b:
        b.drop_column('closing')
