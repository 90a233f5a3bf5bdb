"""Tables of lib.workflow.review (上报→审核→退回). Same metadata as lib.store.models; created by migration 0005.

* `review_event`: every step of a submission's life (submitted, approved at a level, returned with
  its reason, withdrawn by a newer submission, reopened, rolled back) — the history the upload
  list shows. Append-only.
* `review_lock`: a county-week approved at the last level. A new upload for it is refused until a
  reviewer reopens it (the row is then deleted; the reopening stays in review_event and the audit log).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lib.store.models import Base, utcnow


class ReviewEvent(Base):
    __tablename__ = "review_event"
    __table_args__ = (Index("ix_review_event_county_week", "programme_id", "county_adcode", "week"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"))
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"), index=True)
    county_adcode: Mapped[str | None] = mapped_column(String(6))
    week: Mapped[date | None] = mapped_column(Date)  # the programme's reporting day of the week
    action: Mapped[str] = mapped_column(String(16))  # submitted|approved|returned|withdrawn|reopened|rolled_back
    level: Mapped[str | None] = mapped_column(String(16))  # prefecture | province (the approving level)
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    status_after: Mapped[str | None] = mapped_column(String(16))


class ReviewLock(Base):
    __tablename__ = "review_lock"
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    county_adcode: Mapped[str] = mapped_column(String(6), primary_key=True)
    week: Mapped[date] = mapped_column(Date, primary_key=True)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("upload.id"))
    locked_by: Mapped[str] = mapped_column(String(64))
    locked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
