"""the register by registration date

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22

* `ix_project_programme_registered` on project(programme_id, registered_on): the communities
  registered between two reporting weeks, which the newest week's refresh by difference reads on
  every upload (lib.figures.rollups). Without it both stores read the programme's whole register
  for a range that usually holds nobody (SQLite 0.12 s, PostgreSQL 0.04 s at 300,000 communities).
"""
from alembic import op


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_project_programme_registered', 'project', ['programme_id', 'registered_on'])


def downgrade() -> None:
    op.drop_index('ix_project_programme_registered', table_name='project')
