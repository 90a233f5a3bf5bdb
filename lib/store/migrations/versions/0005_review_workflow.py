"""submissions and review (上报→审核→退回)

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21

- programme.review: the review chain ("prefecture", "prefecture,province"; NULL/"none": no review)
- upload.review_chain, upload.review_step: a submission's approving levels and the one it awaits
- review_event: each step of a submission (history); review_lock: approved county-weeks
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('programme') as b:
        b.add_column(sa.Column('review', sa.String(length=32), nullable=True))
    with op.batch_alter_table('upload') as b:
        b.add_column(sa.Column('review_chain', sa.JSON(), nullable=True))
        b.add_column(sa.Column('review_step', sa.String(length=16), nullable=True))
    op.create_table(
        'review_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('upload_id', sa.Integer(), nullable=True),
        sa.Column('county_adcode', sa.String(length=6), nullable=True),
        sa.Column('week', sa.Date(), nullable=True),
        sa.Column('action', sa.String(length=16), nullable=False),
        sa.Column('level', sa.String(length=16), nullable=True),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('at', sa.DateTime(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('status_after', sa.String(length=16), nullable=True),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['upload_id'], ['upload.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_review_event_upload_id', 'review_event', ['upload_id'])
    op.create_index('ix_review_event_county_week', 'review_event', ['programme_id', 'county_adcode', 'week'])
    op.create_table(
        'review_lock',
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('county_adcode', sa.String(length=6), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('upload_id', sa.Integer(), nullable=True),
        sa.Column('locked_by', sa.String(length=64), nullable=False),
        sa.Column('locked_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['upload_id'], ['upload.id']),
        sa.PrimaryKeyConstraint('programme_id', 'county_adcode', 'week'),
    )


def downgrade() -> None:
    op.drop_table('review_lock')
    op.drop_index('ix_review_event_county_week', table_name='review_event')
    op.drop_index('ix_review_event_upload_id', table_name='review_event')
    op.drop_table('review_event')
    with op.batch_alter_table('upload') as b:
        b.drop_column('review_step')
        b.drop_column('review_chain')
    with op.batch_alter_table('programme') as b:
        b.drop_column('review')
