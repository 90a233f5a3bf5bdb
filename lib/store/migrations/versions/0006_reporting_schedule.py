"""reporting calendar, reminders, subscriptions, deliveries, alerts

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21

- calendar_period: holidays (a deadline inside one moves to the next working day) and stops
  (the winter stop: no report expected) per programme.
- calendar_setting: who is expected to report, when reminders go out.
- contact: people and group robots of a reporting unit.
- reminder_log: one reminder per programme, county, week and kind.
- subscription, delivery: scheduled delivery, one delivery per subscription and period.
- alert_record: opened and closed alerts.
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_period',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'), nullable=False),
        sa.Column('kind', sa.String(16), nullable=False),
        sa.Column('first_day', sa.Date(), nullable=False),
        sa.Column('last_day', sa.Date(), nullable=False),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('created_by', sa.String(64)),
        sa.Column('created_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_calendar_period_programme_id', 'calendar_period', ['programme_id'])
    op.create_table(
        'calendar_setting',
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'), primary_key=True),
        sa.Column('expected', sa.JSON()),
        sa.Column('remind_hours', sa.JSON()),
        sa.Column('escalate_hours', sa.Integer()),
        sa.Column('updated_by', sa.String(64)),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    )
    op.create_table(
        'contact',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('adcode', sa.String(6), nullable=False),
        sa.Column('name', sa.String(64), nullable=False),
        sa.Column('phone', sa.String(32)),
        sa.Column('email', sa.String(200)),
        sa.Column('webhook', sa.String(500)),
        sa.Column('webhook_kind', sa.String(16)),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('updated_by', sa.String(64)),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_contact_adcode', 'contact', ['adcode'])
    op.create_table(
        'reminder_log',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'), nullable=False),
        sa.Column('adcode', sa.String(6), nullable=False),
        sa.Column('week', sa.Date(), nullable=False),
        sa.Column('kind', sa.String(32), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('sent_by', sa.String(64)),
        sa.Column('recipients', sa.JSON()),
        sa.UniqueConstraint('programme_id', 'adcode', 'week', 'kind', name='uq_reminder_once'),
    )
    op.create_table(
        'subscription',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'), nullable=False),
        sa.Column('username', sa.String(64), nullable=False),
        sa.Column('what', sa.String(16), nullable=False),
        sa.Column('cadence', sa.String(16), nullable=False),
        sa.Column('weekday', sa.Integer()),
        sa.Column('at_time', sa.String(5), nullable=False),
        sa.Column('channel', sa.String(16), nullable=False),
        sa.Column('target', sa.String(500), nullable=False),
        sa.Column('active', sa.Boolean(), nullable=False),
        sa.Column('created_by', sa.String(64)),
        sa.Column('created_at', sa.DateTime(), nullable=False),
    )
    op.create_index('ix_subscription_programme_id', 'subscription', ['programme_id'])
    op.create_table(
        'delivery',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('subscription_id', sa.Integer(), sa.ForeignKey('subscription.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('period', sa.String(16), nullable=False),
        sa.Column('status', sa.String(16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('claimed_at', sa.DateTime(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime()),
        sa.Column('sent_at', sa.DateTime()),
        sa.Column('last_error', sa.Text()),
        sa.Column('detail', sa.JSON()),
        sa.UniqueConstraint('subscription_id', 'period', name='uq_delivery_once'),
    )
    op.create_index('ix_delivery_subscription_id', 'delivery', ['subscription_id'])
    op.create_table(
        'alert_record',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('programme_id', sa.Integer(), sa.ForeignKey('programme.id', ondelete='CASCADE'), nullable=False),
        sa.Column('rule', sa.String(32), nullable=False),
        sa.Column('adcode', sa.String(6), nullable=False),
        sa.Column('since_week', sa.Date()),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('opened_week', sa.Date(), nullable=False),
        sa.Column('opened_at', sa.DateTime(), nullable=False),
        sa.Column('closed_week', sa.Date()),
        sa.Column('closed_at', sa.DateTime()),
        sa.Column('notified_at', sa.DateTime()),
    )
    op.create_index('ix_alert_record_programme_id', 'alert_record', ['programme_id'])


def downgrade() -> None:
    for t in ('alert_record', 'delivery', 'subscription', 'reminder_log', 'contact', 'calendar_setting',
              'calendar_period'):
        op.drop_table(t)
