"""One clock for the whole product.

Times are stored in UTC (naive `datetime`, as the columns hold them); what people read
and every deadline is Beijing time (Asia/Shanghai, UTC+8, no daylight saving). "Today"
is the date in Beijing: a clerk uploading at 07:30 on Saturday in Xining is on
Saturday, whatever the server's own time zone says.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def utcnow() -> datetime:
    """Now in UTC, naive: what the store's DateTime columns hold."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def now() -> datetime:
    """Now in Beijing time (aware)."""
    return datetime.now(BEIJING)


def today() -> date:
    """Today's date in Beijing."""
    return now().date()


def to_beijing(stored: datetime | None) -> datetime | None:
    """A stored (naive UTC) time as Beijing time, for display."""
    if stored is None:
        return None
    if stored.tzinfo is None:
        stored = stored.replace(tzinfo=timezone.utc)
    return stored.astimezone(BEIJING)


def beijing_to_utc(local: datetime) -> datetime:
    """A Beijing wall-clock time (naive or aware) as a stored naive UTC time."""
    if local.tzinfo is None:
        local = local.replace(tzinfo=BEIJING)
    return local.astimezone(timezone.utc).replace(tzinfo=None)
