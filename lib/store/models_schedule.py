"""Tables of lib.workflow (schedule). Same metadata as lib.store.models; created by migration 0006.

* `calendar_period`: per programme, holidays (a deadline falling in one moves to the next
  working day) and stops (the winter stop: no report expected for a reporting day inside it).
* `calendar_setting`: per programme, who is expected to report (`expected`: a list of codes, NULL =
  every county-level unit with a target or a register) and when reminders go out
  (`remind_hours`: hours before the deadline; `escalate_hours`: after it, to the prefecture).
* `contact`: who to reach for a reporting unit (a county, a zone, a prefecture).
* `reminder_log`: one row per programme, county, week and kind of reminder: sent once.
* `subscription`: who receives what, when, by which channel.
* `delivery`: one row per subscription and period, claimed before sending (the unique key makes
  a second sender lose), with attempts, the next retry and the result.
* `alert_record`: the life of an alert (opened, closed) as the system noticed it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lib.store.models import Base, utcnow


class CalendarPeriod(Base):
    __tablename__ = "calendar_period"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # holiday | stop
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CalendarSetting(Base):
    __tablename__ = "calendar_setting"

    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    expected: Mapped[list | None] = mapped_column(JSON)  # adcodes; NULL = the default set
    remind_hours: Mapped[list | None] = mapped_column(JSON)  # e.g. [24, 2]
    escalate_hours: Mapped[int | None] = mapped_column(Integer)  # e.g. 2 (hours after the deadline)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Contact(Base):
    __tablename__ = "contact"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    adcode: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    webhook: Mapped[str | None] = mapped_column(String(500))
    webhook_kind: Mapped[str | None] = mapped_column(String(16))  # wecom | dingtalk
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReminderLog(Base):
    __tablename__ = "reminder_log"
    __table_args__ = (UniqueConstraint("programme_id", "adcode", "week", "kind", name="uq_reminder_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    adcode: Mapped[str] = mapped_column(String(6))
    week: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(32))  # before-24h | before-2h | escalate
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_by: Mapped[str | None] = mapped_column(String(64))
    recipients: Mapped[list | None] = mapped_column(JSON)  # [{"to", "channel", "ok", "error"}]


class Subscription(Base):
    __tablename__ = "subscription"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(64))  # whose scope limits the content
    what: Mapped[str] = mapped_column(String(16))  # dispatch | bulletin | county | alerts
    cadence: Mapped[str] = mapped_column(String(16))  # weekly | monthly
    weekday: Mapped[int | None] = mapped_column(Integer)  # weekly: 0 = Monday
    at_time: Mapped[str] = mapped_column(String(5), default="08:00")  # Beijing HH:MM
    channel: Mapped[str] = mapped_column(String(16))  # email | wecom | dingtalk
    target: Mapped[str] = mapped_column(String(500))  # address or webhook URL
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Delivery(Base):
    __tablename__ = "delivery"
    __table_args__ = (UniqueConstraint("subscription_id", "period", name="uq_delivery_once"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id", ondelete="CASCADE"), index=True)
    period: Mapped[str] = mapped_column(String(16))  # 2021-W24 | 2021-06
    status: Mapped[str] = mapped_column(String(16))  # sending | sent | failed | gave_up
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict | None] = mapped_column(JSON)


class AlertRecord(Base):
    __tablename__ = "alert_record"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(32))
    adcode: Mapped[str] = mapped_column(String(6))
    since_week: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    opened_week: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_week: Mapped[date | None] = mapped_column(Date)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    notified_at: Mapped[datetime | None] = mapped_column(DateTime)
