"""Review of the counties' weekly submissions (上报 → 审核 → 退回), like FineReport's 多级审核 and
DHIS2's data approval, in the 周调度 rhythm.

    submissions(store, programme, viewer=..., status=None)   -> the list with each one's history
    approve(store, upload_id, actor=...)                      -> next level, or counted and locked
    return_(store, upload_id, reason, actor=...)              -> 退回: withdrawn as a whole, reason kept
    reopen(store, programme, county, week, reason, actor=...) -> an approved county-week open again
    figures(store, programme, until, region=...)              -> per county and per reviewer (point 6)

Who reviews: at the prefecture level an account (district or leader role) whose scope is the
prefecture containing the county; at the province level one whose scope is the province (a county
directly under a province is reviewed by the province at both levels). Administrators (and the
command line's system) may act at any level. Nobody reviews their own upload, nor approves the same
submission at two levels.

Every act is one transaction under the county's write lock (lib.store.engine.lock_scope) and
changes the submission only from the state it was read in (UPDATE ... WHERE status = ... AND
review_step = ...): of two reviewers acting at once one wins, the other is told what happened and
nothing of theirs is written. Approval activates the rows and refreshes the rollups in the same
transaction; every step is a review_event (the history the upload list shows) and an audit row.

Reopening keeps the approved figures counted; it only lets the county send a correction, which is
a submission again.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import delete, select, update

from lib.access import auth
from lib.access.auth import Actor
from lib.domain import regions
from lib.domain import vocabulary
from lib.domain.errors import NotFound, PermissionDenied, UserError
from lib.figures import discipline
from lib.figures import rollups
from lib.figures.metrics import get_programme
from lib.store.engine import Store, audit, lock_scope
from lib.store.models import Programme, ProgressReport, Project, Upload
from lib.store.models_review import ReviewEvent, ReviewLock
from lib.review import submission_figures
from lib.uploads import submissions
from lib.uploads.submissions import LEVEL_ZH, STATUS_ZH

REASON_MAX = 1000
locks = submissions.locks  # the approved (locked) county-weeks of a programme
REVIEW_STATUSES = ("submitted", "approved", "returned", "withdrawn")


# --- who may act -------------------------------------------------------------------------------

def may_review(actor: Actor, level: str, county: str | None) -> bool:
    """May `actor` act at `level` for a submission of `county`?"""
    if actor.expired():
        return False
    if actor.role in ("admin", "system"):
        return True
    if actor.role not in ("district", "leader") or not actor.scope_adcode or not county:
        return False
    try:
        scope, place = regions.get(actor.scope_adcode), regions.get(county)
    except NotFound:
        return False
    if not regions.contains(scope.adcode, place.adcode) or scope.adcode == place.adcode:
        return False
    if scope.level == level:
        return True
    # a county directly under its province (no prefecture): the province acts for the prefecture too
    return level == "prefecture" and scope.level == "province" and not place.prefecture


def _who(actor: Actor) -> str:
    return actor.describe() if isinstance(actor, Actor) else str(actor)


def _place(county: str | None) -> str:
    if not county:
        return "（未指定县区）"
    try:
        return regions.describe(county)
    except NotFound:
        return county


def _require_reviewer(actor: Actor, up: Upload, level: str, verb: str) -> None:
    county = submissions.county_of(up)
    if actor.role == "public" or not actor.is_staff:
        raise PermissionDenied(f"公众版（未登录）不能{verb}填报，请在内部平台登录审核账号后操作。",
                               "The public edition cannot review submissions.")
    if up.uploaded_by and up.uploaded_by == actor.username:
        raise PermissionDenied(f"第 {up.id} 号填报是账号 {actor.username} 本人上传的，本人不能{verb}自己的填报，"
                               "请由其他有权审核的账号办理。", "Nobody reviews their own upload.")
    if not may_review(actor, level, county):
        raise PermissionDenied(f"账号{_who(actor)}不能{verb}第 {up.id} 号填报：它是{_place(county)}的填报，"
                               f"正等待{LEVEL_ZH[level]}审核，应由负责该地的{LEVEL_ZH[level]}审核账号办理。",
                               f"{actor.username} may not review upload {up.id}: outside their scope or level.")


def _require_act(actor) -> Actor:
    if not isinstance(actor, Actor):
        raise TypeError("pass an auth.Actor")
    return actor


# --- reading ----------------------------------------------------------------------------------------

def submissions_list(store: Store, programme, *, viewer: Actor, status: str | None = None,
                     region: str | None = None) -> list[dict]:
    """Submissions (uploads under review), newest first, each with its history. Staff only (the public gets
    an empty list); a district account sees those of its own county or prefecture. status: submitted | approved | returned | withdrawn."""
    if status is not None and status not in REVIEW_STATUSES:
        raise UserError(f"审核状态“{str(status)[:20]}”无法识别：请写 submitted（待审核）、approved（已通过）、"
                        "returned（已退回）或 withdrawn（已被替代）。", "Status is submitted|approved|returned|withdrawn.")
    prog = get_programme(store, programme)
    if not auth.sees_internal(viewer):  # who submitted, who reviewed and why are internal: the public sees none
        return []
    stored = {"approved": "committed"}.get(status, status)
    q = select(Upload).where(Upload.programme_id == prog.id, Upload.review_chain.is_not(None))
    if stored:
        q = q.where(Upload.status == stored)
    with store.session() as s:
        ups = [u for u in s.scalars(q.order_by(Upload.id.desc())).all()
               if auth.sees_internal_in(viewer, submissions.county_of(u))
               and (region is None or (submissions.county_of(u) and regions.contains(region, submissions.county_of(u))))]
        hist = submissions.history(s, [u.id for u in ups])
    out = []
    for u in ups:
        county = submissions.county_of(u)
        steps = hist.get(u.id, [])
        returned = next((e for e in reversed(steps) if e["action"] == "returned"), None)
        out.append({"upload_id": u.id, "county": county, "county_name": _place(county) if county else None,
                    "week": submissions.week_of(prog, u.as_of), "as_of": u.as_of, "filename": u.filename,
                    "uploaded_by": u.uploaded_by, "uploaded_at": u.uploaded_at,
                    "status": "approved" if u.status == "committed" else u.status,
                    "review_step": u.review_step, "chain": list(u.review_chain or []), "rows": u.rows,
                    "accepted": u.accepted, "changes": (u.summary or {}).get("changes"),
                    "return_reason": returned["reason"] if returned else None,
                    "may_act": u.status == "submitted" and u.review_step is not None
                               and u.uploaded_by != viewer.username and may_review(viewer, u.review_step, county),
                    "history": steps})
    return out


def pending_count(store: Store, programme, *, viewer: Actor, region: str | None = None) -> int:
    """Submissions waiting for review that `viewer` may see (the staff screens' banner)."""
    if not auth.sees_internal(viewer):
        return 0
    return len(submissions_list(store, programme, viewer=viewer, status="submitted", region=region))


# --- acting -----------------------------------------------------------------------------------------

def _load(s, upload_id) -> tuple[Upload, Programme]:
    try:
        up = s.get(Upload, int(upload_id))
    except (TypeError, ValueError):
        up = None
    if up is None:
        raise NotFound(f"找不到第 {str(upload_id)[:20]} 号上传批次，请用 review list 查看待审核的填报。",
                       f"No upload {upload_id}.")
    prog = s.get(Programme, up.programme_id)
    lock_scope(s, prog.id, [c for c in submissions.counties_of(up) if c] or None)
    s.refresh(up)  # read afresh under the lock
    return up, prog


def _last_step(s, up: Upload) -> ReviewEvent | None:
    return s.scalar(select(ReviewEvent).where(ReviewEvent.upload_id == up.id,
                                              ReviewEvent.action.in_(("approved", "returned", "withdrawn",
                                                                      "rolled_back")))
                    .order_by(ReviewEvent.id.desc()).limit(1))


def _not_pending(s, up: Upload, verb: str) -> UserError:
    if not up.review_chain:
        return UserError(f"第 {up.id} 号上传批次不是待审核的填报（上传时本计划不实行审核，或由省级/管理员直接导入），"
                         f"无需{verb}。", f"Upload {up.id} is not a submission.")
    last = _last_step(s, up)
    by = f"已由 {last.actor} 于 {submissions._beijing(last.at)} " if last is not None else "已"
    state = {"committed": "审核通过", "returned": "退回", "withdrawn": "被新的填报替代（撤下）",
             "rolled_back": "回退"}.get(up.status, STATUS_ZH.get(up.status, up.status))
    return UserError(f"第 {up.id} 号填报{by}{state}，不再等待审核，您的{verb}操作未执行；请刷新后查看最新状态。",
                     f"Upload {up.id} is no longer waiting for review ({up.status}); nothing was done.")


def _moved(s, up: Upload, verb: str) -> UserError:
    """Someone acted on the submission between our read and our write."""
    s.expire(up)
    s.refresh(up)
    return _not_pending(s, up, verb) if up.status != "submitted" else UserError(
        f"第 {up.id} 号填报刚刚已由其他审核人审核（现等待{LEVEL_ZH.get(up.review_step, up.review_step)}审核），"
        f"您的{verb}操作未执行；请刷新后查看最新状态。", f"Upload {up.id} was reviewed meanwhile; nothing was done.")


def approve(store: Store, upload_id, *, actor: Actor) -> dict:
    """Approve a submission at the level it awaits; the last level makes it count and locks its county-week."""
    act = _require_act(actor)
    with store.write() as s:
        up, prog = _load(s, upload_id)
        if up.status != "submitted" or up.review_step is None:
            raise _not_pending(s, up, "审核通过")
        level = up.review_step
        _require_reviewer(act, up, level, "审核")
        done_by = set(s.scalars(select(ReviewEvent.actor).where(ReviewEvent.upload_id == up.id,
                                                                ReviewEvent.action == "approved")).all())
        if act.username in done_by:
            raise PermissionDenied(f"账号 {act.username} 已在上一级审核过第 {up.id} 号填报，同一人不能审核两级，"
                                   f"请由{LEVEL_ZH[level]}审核账号办理。", "The same person cannot approve two levels.")
        chain = list(up.review_chain or [])
        nxt = chain[chain.index(level) + 1] if level in chain and chain.index(level) + 1 < len(chain) else None
        n = s.execute(update(Upload).where(Upload.id == up.id, Upload.status == "submitted",
                                           Upload.review_step == level)
                      .values(status="submitted" if nxt else "committed", review_step=nxt)).rowcount
        if n != 1:
            raise _moved(s, up, "审核通过")
        s.refresh(up)
        counties = [c for c in submissions.counties_of(up) if c]
        week = submissions.week_of(prog, up.as_of)
        rows = 0
        if nxt is None:
            for c in counties:
                held = s.get(ReviewLock, (prog.id, c, week))
                if held is not None:
                    raise UserError(f"{_place(c)}{week} 这一周已由 {held.locked_by} 审核通过第 {held.upload_id} 号填报并锁定，"
                                    f"不能再通过第 {up.id} 号；如需以此替代，请先重新开放该周。",
                                    "That county-week is already approved and locked.")
            _refuse_going_back(s, up)
            rows = s.execute(update(ProgressReport).where(ProgressReport.upload_id == up.id)
                             .values(active=True)).rowcount
            first = s.scalar(select(ProgressReport.report_date).where(ProgressReport.upload_id == up.id)
                             .order_by(ProgressReport.report_date).limit(1)) or up.as_of
            for c in counties:
                s.add(ReviewLock(programme_id=prog.id, county_adcode=c, week=week, upload_id=up.id,
                                 locked_by=act.username))
            rollups.refresh(s, prog.id, counties or None, first)
        submissions.record(s, up, prog, "approved", act.username, level=level)
        audit(s, act.username, "review.approve", "upload", up.id, programme_id=prog.id,
              before={"status": "submitted", "review_step": level},
              after={"status": up.status, "review_step": nxt, "rows_counted": rows,
                     "locked": [f"{c}@{week}" for c in counties] if nxt is None else []})
    return {"upload_id": up.id, "status": "approved" if nxt is None else "submitted", "level": level,
            "next": nxt, "rows_counted": rows, "county": submissions.county_of(up), "week": week}


def _refuse_going_back(s, up: Upload) -> None:
    """The submission was checked against the figures of its day; a later week approved meanwhile must
    not end up below it (a cumulative figure that goes down). Refused with the community and the week."""
    mine, later = ProgressReport.__table__.alias("mine"), ProgressReport.__table__.alias("later")
    worse = ((later.c.stage < mine.c.stage)
             | (later.c.invested_wan < mine.c.invested_wan - 1e-6)
             | (later.c.paid_wan < mine.c.paid_wan - 1e-6)
             | (later.c.progress_pct < mine.c.progress_pct - 1e-6))
    hit = s.execute(select(mine.c.project_id, later.c.report_date, later.c.upload_id)
                    .join(later, (later.c.project_id == mine.c.project_id)
                          & (later.c.report_date > mine.c.report_date) & later.c.active.is_(True))
                    .where(mine.c.upload_id == up.id, worse).limit(1)).first()
    if hit is not None:
        name = s.get(Project, hit.project_id).name
        raise UserError(f"第 {up.id} 号填报不能审核通过：小区“{name}”在其后的 {hit.report_date} 已有计入的填报"
                        f"（第 {hit.upload_id} 号批次），其阶段或累计数字低于本次填报，通过后会出现累计数倒退。"
                        "请退回，由县区核实后重报，或先更正较晚一周的填报。",
                        "A later week already counted is below this submission: return it or correct the later week.")


def _reason(reason, verb: str) -> str:
    text = " ".join(str(reason or "").split())
    if len(text) < 2:
        raise UserError(f"{verb}必须写明理由（至少两个字），例如“第12行开工日期晚于填报日期，请核实后重报”。",
                        f"A reason is required to {verb}.")
    if len(text) > REASON_MAX:
        raise UserError(f"理由超过 {REASON_MAX} 个字，请精简后再提交。", f"The reason is longer than {REASON_MAX}.")
    return text


def return_(store: Store, upload_id, reason: str, *, actor: Actor) -> dict:
    """退回: the submission is withdrawn as a whole (its rows never count); the county sees the reason."""
    act = _require_act(actor)
    text = _reason(reason, "退回")
    with store.write() as s:
        up, prog = _load(s, upload_id)
        if up.status != "submitted" or up.review_step is None:
            raise _not_pending(s, up, "退回")
        level = up.review_step
        _require_reviewer(act, up, level, "退回")
        n = s.execute(update(Upload).where(Upload.id == up.id, Upload.status == "submitted",
                                           Upload.review_step == level)
                      .values(status="returned", review_step=None)).rowcount
        if n != 1:
            raise _moved(s, up, "退回")
        s.refresh(up)
        submissions.record(s, up, prog, "returned", act.username, level=level, reason=text)
        audit(s, act.username, "review.return", "upload", up.id, programme_id=prog.id,
              before={"status": "submitted", "review_step": level}, after={"status": "returned"}, detail=text)
    return {"upload_id": up.id, "status": "returned", "level": level, "reason": text,
            "county": submissions.county_of(up), "week": submissions.week_of(prog, up.as_of)}


def reopen(store: Store, programme, county, week, reason: str, *, actor: Actor) -> dict:
    """Open an approved county-week again (a reviewer's act with a reason); its figures stay counted."""
    act = _require_act(actor)
    text = _reason(reason, "重新开放")
    prog0 = get_programme(store, programme)
    code = regions.lookup(str(county), within=prog0.region_adcode).adcode
    day = discipline.parse_week(week, prog0) if not isinstance(week, date) else vocabulary.week_end(
        week, prog0.report_weekday)
    with store.write() as s:
        prog = s.get(Programme, prog0.id)
        lock_scope(s, prog.id, [code])
        held = s.get(ReviewLock, (prog.id, code, day))
        if held is None:
            raise UserError(f"{_place(code)}{vocabulary.iso_week_label(day)}（填报日 {day}）没有被锁定（尚未审核通过，"
                            "或已重新开放），无需重新开放，可以直接上传。", "That county-week is not locked.")
        up = s.get(Upload, held.upload_id) if held.upload_id else None
        chain = list((up.review_chain if up is not None else None) or submissions.chain_of(prog) or ["prefecture"])
        if act.role == "public" or not any(may_review(act, lv, code) for lv in chain):
            raise PermissionDenied(f"账号{_who(act)}不能重新开放{_place(code)}的填报：只有负责该地的"
                                   f"{'或'.join(LEVEL_ZH[x] for x in chain)}审核账号或管理员可以。",
                                   f"{act.username} may not reopen {code}.")
        n = s.execute(delete(ReviewLock).where(ReviewLock.programme_id == prog.id, ReviewLock.county_adcode == code,
                                               ReviewLock.week == day)).rowcount
        if n != 1:
            raise UserError("该周刚刚已被其他审核人重新开放，您的操作未执行。", "Reopened meanwhile.")
        s.add(ReviewEvent(programme_id=prog.id, upload_id=held.upload_id, county_adcode=code, week=day,
                          action="reopened", actor=act.username, reason=text,
                          status_after=up.status if up is not None else None))
        audit(s, act.username, "review.reopen", "review_lock", f"{code}@{day}", programme_id=prog.id,
              before={"locked_by": held.locked_by, "upload_id": held.upload_id}, after={"locked": False}, detail=text)
    return {"status": "reopened", "county": code, "week": day, "upload_id": held.upload_id, "reason": text}


def programme_of_lock(store: Store, county, week) -> int:
    """The programme holding a lock on this county-week, when the command line does not name one."""
    code = regions.lookup(str(county)).adcode
    with store.session() as s:
        held = s.execute(select(ReviewLock.programme_id, ReviewLock.week, Programme.report_weekday)
                         .join(Programme, Programme.id == ReviewLock.programme_id)
                         .where(ReviewLock.county_adcode == code)).all()
    found = set()
    for pid, day, weekday in held:
        wanted = week if isinstance(week, date) else discipline.parse_week(week, Programme(report_weekday=weekday))
        if vocabulary.week_end(wanted, weekday) == day:
            found.add(pid)
    if len(found) != 1:
        raise UserError(f"{_place(code)}在 {week} 这一周" + ("没有被锁定的填报" if not found else "在多个计划中被锁定") +
                        "；请用 --programme 指明计划（python -m lib.cli programmes 可查看）。",
                        "Name the programme with --programme.")
    return found.pop()


# --- figures (completeness and timeliness per county, decisions per reviewer) ---------------------

def figures(store: Store, programme, until: date | str, *, region: str | None = None,
            since: date | None = None) -> dict:
    """Per county: weeks expected, on time, late, missing (lib.figures.discipline), with submitted,
    approved, returned, pending and the mean hours to a decision; per reviewer: approvals, returns
    and the mean hours they took. JSON-ready apart from the DataFrame `by_county`."""
    prog = get_programme(store, programme)
    until_d = until if isinstance(until, date) else date.fromisoformat(str(until))
    st = submission_figures.stats(store, prog.id, since=since, until=until_d, region=region)
    disc = discipline.county_record(store, prog.id, until_d, region=region)
    keep = ["adcode", "name", "prefecture", "weeks", "on_time", "late", "missing", "timeliness", "completeness"]
    disc = disc[[c for c in keep if c in disc.columns]] if not disc.empty else pd.DataFrame(columns=keep)
    rev = pd.DataFrame(st["by_county"], columns=["adcode", "submitted", "approved", "returned", "withdrawn",
                                                  "pending", "mean_hours"])
    table = disc.merge(rev, on="adcode", how="outer")
    for c in ("submitted", "approved", "returned", "withdrawn", "pending"):
        table[c] = table[c].fillna(0).astype(int)
    if "name" in table:
        table["name"] = [n if isinstance(n, str) else _place(a) for n, a in zip(table["name"], table["adcode"])]
    table = table.sort_values(["pending", "returned", "adcode"], ascending=[False, False, True]).reset_index(drop=True)
    return {"programme": prog.id, "until": until_d, "by_county": table, "by_reviewer": st["by_reviewer"],
            "totals": st["totals"], "chain": submissions.chain_of(prog)}


__all__ = ["locks", "may_review", "submissions_list", "pending_count", "approve", "return_", "reopen", "figures",
           "REVIEW_STATUSES"]
