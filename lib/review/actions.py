"""Follow-up actions (督办事项) recorded in the weekly dispatch meeting.

An action is recorded in the meeting of a reporting week (what, which county
or community, who owns it, by when) and stays on every following week's pack
until it is closed. Every write is one `store.write()` transaction and is
audited with the acting user's name (`actor`); the roles that may call these
are enforced by the caller.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import or_, select

from lib.domain import clock
from lib.access import auth
from lib.domain import vocabulary
from lib.domain import regions
from lib.domain.errors import NotFound, UserError
from lib.figures.metrics import get_programme
from lib.store.models import FollowUpAction, Project
from lib.store.engine import Store, audit

STATUS_ZH = {"open": "办理中", "overdue": "已逾期", "closed": "已办结"}


def _as_dict(a: FollowUpAction, as_of: date | None = None, project_name: str | None = None) -> dict:
    closed_on = a.closed_at.date() if a.closed_at else None
    closed = a.status == "closed" and (as_of is None or (closed_on is not None and closed_on <= as_of))
    ref = as_of or clock.today()
    status = "closed" if closed else ("overdue" if a.deadline and a.deadline < ref else "open")
    return {"id": a.id, "week": a.week, "week_label": vocabulary.iso_week_label(a.week), "title": a.title,
            "region": a.region_adcode, "region_name": regions.get(a.region_adcode).name if a.region_adcode else None,
            "project_id": a.project_id, "project_name": project_name, "owner": a.owner, "deadline": a.deadline,
            "status": status, "status_zh": STATUS_ZH[status], "note": a.note, "created_by": a.created_by,
            "closed_on": closed_on if closed else None, "closed_by": a.closed_by if closed else None}


def add(store: Store, programme_id: int | str, *, week: date, title: str, actor: "auth.Actor",
        region: str | None = None, project_id: int | None = None, owner: str | None = None,
        deadline: date | None = None) -> dict:
    """Record an action in the meeting of `week` (a reporting day). Returns it."""
    actor = auth.require(actor, "action")  # leaders and admins; from here on the name the audit records
    title = (title or "").strip()
    if not title:
        raise UserError("请填写督办事项的内容。", "Describe the action.")
    if not actor:
        raise UserError("请先登录再记录督办事项。", "Sign in to record an action.")
    prog = get_programme(store, programme_id)
    if region:
        region = regions.get(region).adcode
        if not regions.contains(prog.region_adcode, region):
            raise UserError(f"{regions.describe(region)}不在本计划范围内，请重新选择地区。",
                            "The region is outside the programme.")
    if deadline and deadline < week:
        raise UserError("办结时限不能早于调度会所在周，请重新填写。", "The deadline is before the meeting.")
    with store.write() as s:
        proj_name = None
        if project_id is not None:
            p = s.get(Project, int(project_id))
            if p is None or p.programme_id != prog.id:
                raise NotFound("找不到该小区，请从列表中重新选择。", "No such community in this programme.")
            region = region or p.county_adcode
            proj_name = p.name
        a = FollowUpAction(programme_id=prog.id, week=week, title=title, region_adcode=region,
                           project_id=project_id, owner=(owner or "").strip() or None, deadline=deadline,
                           status="open", created_by=actor)
        s.add(a)
        s.flush()
        out = _as_dict(a, week, proj_name)
        audit(s, actor, "action.add", "follow_up_action", a.id, programme_id=prog.id,
              after={k: (v.isoformat() if isinstance(v, date) else v) for k, v in
                     {"week": week, "title": title, "region": region, "project_id": project_id,
                      "owner": a.owner, "deadline": deadline}.items()})
    return out


def close(store: Store, action_id: int, *, actor: "auth.Actor", note: str | None = None,
          closed_on: date | None = None) -> dict:
    """Close an action (办结). `closed_on` defaults to today; a pack for an earlier week still shows it open."""
    actor = auth.require(actor, "action")
    if not actor:
        raise UserError("请先登录再办结督办事项。", "Sign in to close an action.")
    with store.write() as s:
        a = s.get(FollowUpAction, int(action_id))
        if a is None:
            raise NotFound(f"找不到编号为 {action_id} 的督办事项。", f"No action {action_id}.")
        if a.status == "closed":
            raise UserError(f"督办事项 {action_id} 已经办结，无需重复操作。", f"Action {action_id} is already closed.")
        when = clock.beijing_to_utc(datetime.combine(closed_on, time(12, 0))) if closed_on else clock.utcnow()
        if when.date() < a.week:
            raise UserError("办结日期不能早于事项提出的调度会。", "Closed before it was recorded.")
        a.status, a.closed_at, a.closed_by = "closed", when, actor
        if note:
            a.note = note.strip()
        audit(s, actor, "action.close", "follow_up_action", a.id, programme_id=a.programme_id,
              before={"status": "open"}, after={"status": "closed", "closed_on": when.date().isoformat(),
                                                "note": a.note})
        return _as_dict(a, when.date())


def list_open(store: Store, programme_id: int | str, as_of: date) -> list[dict]:
    """Actions recorded on or before the week `as_of` that were not closed by then, oldest first.

    Each carries its status as of that week: 办理中 (open) or 已逾期 (past its deadline).
    """
    prog = get_programme(store, programme_id)
    cutoff = datetime.combine(as_of + timedelta(days=1), time(0, 0))
    with store.session() as s:
        rows = s.execute(select(FollowUpAction, Project.name)
                         .outerjoin(Project, Project.id == FollowUpAction.project_id)
                         .where(FollowUpAction.programme_id == prog.id, FollowUpAction.week <= as_of,
                                or_(FollowUpAction.status == "open", FollowUpAction.closed_at >= cutoff))
                         .order_by(FollowUpAction.week, FollowUpAction.id)).all()
    return [_as_dict(a, as_of, name) for a, name in rows]


def list_all(store: Store, programme_id: int | str) -> list[dict]:
    """Every action of the programme, newest first, with its current status."""
    prog = get_programme(store, programme_id)
    with store.session() as s:
        rows = s.execute(select(FollowUpAction, Project.name)
                         .outerjoin(Project, Project.id == FollowUpAction.project_id)
                         .where(FollowUpAction.programme_id == prog.id)
                         .order_by(FollowUpAction.week.desc(), FollowUpAction.id.desc())).all()
    return [_as_dict(a, None, name) for a, name in rows]


def closed_in_week(store: Store, programme_id: int | str, week: date) -> list[dict]:
    """Actions closed during the week ending on the reporting day `week` (shown once as 已办结)."""
    prog = get_programme(store, programme_id)
    start = datetime.combine(week - timedelta(days=6), time(0, 0))
    end = datetime.combine(week + timedelta(days=1), time(0, 0))
    with store.session() as s:
        rows = s.execute(select(FollowUpAction, Project.name)
                         .outerjoin(Project, Project.id == FollowUpAction.project_id)
                         .where(FollowUpAction.programme_id == prog.id, FollowUpAction.status == "closed",
                                FollowUpAction.closed_at >= start, FollowUpAction.closed_at < end)
                         .order_by(FollowUpAction.id)).all()
    return [_as_dict(a, week, name) for a, name in rows]
