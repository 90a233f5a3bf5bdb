"""Submissions under review (上报→审核→退回): the rules an upload meets, and the figures of the workflow.

A programme's `review` setting names the levels that approve a county's weekly progress upload:
none (NULL: the upload counts at once, as before), "prefecture", or "prefecture,province".

* Which uploads are submissions (`levels_for`): a progress upload by a district account whose scope
  is a county goes through every level of the chain; by a prefecture account, through the levels
  above it (the province); by a province account, an administrator or the command line's system,
  through none. Register and per-region totals uploads are not reviewed.
* A submission's rows are stored inactive (`progress_report.active = false`, the flag a rollback
  uses), so no figure, public or staff, counts them; the last approval activates them and locks the
  county-week (`review_lock`); a return (退回) leaves them inactive for good. lib.workflow.review
  holds the acts (approve, return, reopen); this module is what lib.uploads.ingest needs, and
  lib.review.submission_figures counts them for the review screen and the bulletin.
* A county-week is *locked* once approved: any new upload for it is refused with a sentence saying
  who locked it and how to ask for it to be reopened.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select

from lib.access.auth import Actor
from lib.domain import regions
from lib.domain import vocabulary
from lib.domain.errors import NotFound, UserError
from lib.store.models import Programme, Upload
from lib.store.models_review import ReviewEvent, ReviewLock
from lib.store.engine import Store

LEVELS = ("prefecture", "province")
LEVEL_ZH = {"prefecture": "市州", "province": "省级"}
LEVEL_EN = {"prefecture": "prefecture", "province": "province"}
PENDING = "submitted"
STATUS_ZH = {"submitted": "待审核", "committed": "已通过", "returned": "已退回", "withdrawn": "已被替代",
             "rolled_back": "已回退"}


def chain_of(prog: Programme) -> list[str]:
    """The programme's approving levels, in order ([] = no review)."""
    return [x for x in (prog.review or "").split(",") if x in LEVELS]


def levels_for(prog: Programme, actor: Actor, kind: str | None) -> list[str]:
    """The levels that must approve this actor's upload of `kind` before it counts ([] = it counts at once)."""
    chain = chain_of(prog)
    if not chain or kind != "progress" or actor.role != "district" or not actor.scope_adcode:
        return []
    try:
        level = regions.get(actor.scope_adcode).level
    except NotFound:
        return []
    if level == "county":
        return chain
    if level == "prefecture":
        return [x for x in chain if x == "province"]
    return []


def week_of(prog: Programme, day: date | None) -> date | None:
    """The reporting day of the week a report date falls in (the county-week's key)."""
    return None if day is None else vocabulary.week_end(day, prog.report_weekday)


def county_of(up: Upload) -> str | None:
    counties = (up.summary or {}).get("counties") or []
    return up.county_adcode or (counties[0] if len(counties) == 1 else None)


def counties_of(up: Upload) -> list[str]:
    return list((up.summary or {}).get("counties") or ([up.county_adcode] if up.county_adcode else []))


def _place(county: str) -> str:
    try:
        return regions.describe(county)
    except NotFound:
        return county


def refuse_locked(s, prog: Programme, counties: list[str], days: list[date]) -> None:
    """Refuse (UserError) an upload touching an approved, locked county-week."""
    weeks = sorted({week_of(prog, d) for d in days if d is not None})
    if not counties or not weeks:
        return
    lock = s.scalar(select(ReviewLock).where(ReviewLock.programme_id == prog.id,
                                             ReviewLock.county_adcode.in_(list(counties)),
                                             ReviewLock.week.in_(weeks)).limit(1))
    if lock is None:
        return
    label = vocabulary.iso_week_label(lock.week)
    raise UserError(
        f"{_place(lock.county_adcode)}{label}（填报日 {lock.week}）的填报（第 {lock.upload_id} 号批次）已由 {lock.locked_by} "
        f"于 {_beijing(lock.locked_at)} 审核通过并锁定，不能再上传。如需更正，请联系 {lock.locked_by}（或其他有权审核的账号）"
        f"在「填报审核」页面说明理由后重新开放（命令行：review reopen {lock.county_adcode} --week {lock.week} "
        f"--reason 理由 --user 审核账号），然后再上传。",
        f"{lock.county_adcode} week {lock.week} was approved and locked by {lock.locked_by}: ask a reviewer to reopen "
        f"it (review reopen) before uploading again.")


def locks(store: Store, programme_id: int) -> list[dict]:
    with store.session() as s:
        rows = s.scalars(select(ReviewLock).where(ReviewLock.programme_id == programme_id)
                         .order_by(ReviewLock.week.desc(), ReviewLock.county_adcode)).all()
        return [{"county": r.county_adcode, "week": r.week, "upload_id": r.upload_id, "locked_by": r.locked_by,
                 "locked_at": r.locked_at} for r in rows]


def record(s, up: Upload, prog: Programme, action: str, actor: str, *, level: str | None = None,
           reason: str | None = None) -> ReviewEvent:
    """Add one step to a submission's history (inside the caller's transaction)."""
    ev = ReviewEvent(programme_id=prog.id, upload_id=up.id, county_adcode=county_of(up), week=week_of(prog, up.as_of),
                     action=action, level=level, actor=actor, reason=reason, status_after=up.status)
    s.add(ev)
    return ev


def history(s, upload_ids: list[int]) -> dict[int, list[dict]]:
    """Each upload's review events, oldest first."""
    out: dict[int, list[dict]] = defaultdict(list)
    if not upload_ids:
        return out
    for i in range(0, len(upload_ids), 500):
        part = upload_ids[i:i + 500]
        for e in s.scalars(select(ReviewEvent).where(ReviewEvent.upload_id.in_(part)).order_by(ReviewEvent.id)):
            out[e.upload_id].append({"action": e.action, "level": e.level, "actor": e.actor, "at": e.at,
                                     "reason": e.reason, "status": e.status_after})
    return out


def _beijing(t: datetime | None) -> str:
    if t is None:
        return "—"
    return f"{t + timedelta(hours=8):%Y-%m-%d %H:%M}"


__all__ = ["LEVELS", "LEVEL_ZH", "LEVEL_EN", "STATUS_ZH", "chain_of", "levels_for", "week_of", "county_of",
           "counties_of", "refuse_locked", "locks", "record", "history"]
