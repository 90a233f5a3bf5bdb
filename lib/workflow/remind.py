"""催报 (reminders): the expected reporters who have not submitted a week, with their contacts, and
the reminders sent to them at set times.

*Submitted* for a county and a reporting week: an upload for that county whose report date
(`as_of`, else the Beijing date it arrived) falls in the week (the seven days ending on the
reporting day) and that was not rolled back or returned (status committed, submitted or
approved), or active progress reports of the county for that week that came from no upload
(entered by the system, as the demo's are). A county that submitted is never reminded.

When (`due_kind`): the calendar's reminder hours before the deadline (default 24 h and 2 h:
kinds ``before-24h``, ``before-2h``; once the later one is due the earlier one is not sent any
more), and once `escalate_hours` have passed after the deadline, ``escalate``: the reminder goes
to the contacts of the county's prefecture and names the county. A week inside a stop expects
nothing and reminds nobody.

Each reminder is claimed in `reminder_log` (unique per programme, county, week and kind) in its
own transaction before it is sent, so two runs, or a run and a manual `remind`, never send one
twice; the row keeps who it went to, by which channel, and the result.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lib.access import auth
from lib.domain import clock
from lib.domain import regions
from lib.domain import vocabulary
from lib.figures import discipline
from lib.figures.metrics import get_programme
from lib.store.engine import Store
from lib.store.models import Programme, ProgressReport, Project, Upload
from lib.store.models_schedule import ReminderLog
from lib.workflow import channels
from lib.workflow import contacts

SUBMITTED_STATUSES = ("committed", "submitted", "approved")
ESCALATE = "escalate"
MANUAL = "manual"
ESCALATE_WINDOW = timedelta(days=7)  # no escalation for a week whose deadline is older than this


def beijing(now: datetime | None) -> datetime:
    """`now` as naive Beijing time (aware values converted; None: the clock)."""
    if now is None:
        return clock.now().replace(tzinfo=None)
    if now.tzinfo is not None:
        return now.astimezone(clock.BEIJING).replace(tzinfo=None)
    return now


def submitted(store: Store, programme: Programme, week: date) -> set[str]:
    """Counties that submitted for the reporting week ending `week` (see the module text)."""
    first = week - timedelta(days=6)
    with store.session() as s:
        ups = s.execute(select(Upload.county_adcode, Upload.as_of, Upload.uploaded_at)
                        .where(Upload.programme_id == programme.id, Upload.county_adcode.is_not(None),
                               Upload.status.in_(SUBMITTED_STATUSES),
                               Upload.uploaded_at >= clock.beijing_to_utc(datetime.combine(first, datetime.min.time()))
                               - timedelta(days=60))).all()
        untimed = s.scalars(select(Project.county_adcode).join(ProgressReport, ProgressReport.project_id == Project.id)
                            .where(Project.programme_id == programme.id, ProgressReport.active.is_(True),
                                   ProgressReport.upload_id.is_(None),
                                   ProgressReport.report_date >= first, ProgressReport.report_date <= week)
                            .distinct()).all()
    out = set(untimed)
    for county, as_of, at in ups:
        day = as_of or clock.to_beijing(at).date()
        if first <= day <= week:
            out.add(county)
    return out


def _name(code: str) -> str:
    r = regions.all_regions().get(code)
    return r.name if r else code


def pending(store: Store, programme_id: int | str, week: str | date) -> list[dict]:
    """Expected reporters of the week who have not submitted: [{"adcode", "name", "contacts"}]."""
    prog = get_programme(store, programme_id)
    wk = discipline.parse_week(week, prog)
    cal = discipline.load_calendar(store, prog)
    if not discipline.expected_week(cal, wk):
        return []
    done = submitted(store, prog, wk)
    todo = [c for c in discipline.expected_reporters(store, prog, cal) if c not in done]
    people = contacts.of_units(store, todo)
    return [{"adcode": c, "name": _name(c), "contacts": people.get(c, [])} for c in todo]


def due_kind(programme: Programme, cal: discipline.Calendar, week: date, now: datetime) -> str | None:
    """The reminder due for `week` at `now` (Beijing, naive): the latest 'before-Nh' whose time has come
    and whose deadline has not passed, 'escalate' after the deadline plus the grace, else None."""
    due = discipline.deadline(programme, week, cal)
    if now >= due:
        if due + timedelta(hours=cal.escalate_hours) <= now < due + ESCALATE_WINDOW:
            return ESCALATE
        return None
    passed = [h for h in cal.remind_hours if due - timedelta(hours=h) <= now]
    return f"before-{min(passed)}h" if passed else None


def _message(prog: Programme, wk: date, due: datetime, names: list[str], kind: str, cfg) -> channels.Message:
    label = vocabulary.iso_week_label(wk)
    who = "、".join(names)
    if kind == ESCALATE:
        title = f"【逾期未报】{prog.name} {label}"
        text = (f"**{title}**\n\n以下单位截至{due:%-m月%-d日 %H:%M}（报送时限）仍未报送{label}周进度："
                f"{who}。请督促尽快报送。")
    else:
        title = f"【催报】{prog.name} {label}"
        text = (f"**{title}**\n\n{who}：{label}周进度尚未报送，报送截止时间为{due:%-m月%-d日 %H:%M}（北京时间），"
                f"请尽快登录平台上传。")
    return channels.Message(title=title, markdown=text, link=channels.link(cfg, "upload"))


def _targets(people: list[dict]) -> list[tuple[str, str]]:
    out = []
    for p in people:
        if p.get("email"):
            out.append(("email", p["email"]))
        if p.get("webhook"):
            out.append((p.get("webhook_kind") or channels.guess_webhook_kind(p["webhook"]), p["webhook"]))
    return list(dict.fromkeys(out))


def _claim(store: Store, prog_id: int, adcode: str, wk: date, kind: str, who: str) -> int | None:
    """Claim one reminder in its own transaction; None if it was sent (or is being sent) already."""
    try:
        with store.write() as s:
            if s.scalar(select(ReminderLog.id).where(ReminderLog.programme_id == prog_id, ReminderLog.adcode == adcode,
                                                     ReminderLog.week == wk, ReminderLog.kind == kind)) is not None:
                return None
            row = ReminderLog(programme_id=prog_id, adcode=adcode, week=wk, kind=kind, sent_by=who, recipients=[])
            s.add(row)
            s.flush()
            return row.id
    except IntegrityError:  # another run claimed it at the same moment
        return None


def _record(store: Store, log_id: int, results: list[dict]) -> None:
    with store.write() as s:
        row = s.get(ReminderLog, log_id)
        row.recipients = results


def remind(store: Store, programme_id: int | str, week: str | date, *, now: datetime | None = None,
           kind: str | None = None, dry_run: bool = False, actor: "auth.Actor",
           cfg: channels.DeliveryConfig | None = None) -> dict:
    """Remind the expected reporters who have not submitted `week`.

    `kind`: which reminder (default: the one due at `now`; 'manual' when none is due). Returns
    {"week", "kind", "pending": [{"adcode", "name", "contacts"}], "sent": [...], "skipped": [...]}.
    Sends nothing with `dry_run`.
    """
    who = auth.require(actor, "read_internal")
    prog = get_programme(store, programme_id)
    wk = discipline.parse_week(week, prog)
    cal = discipline.load_calendar(store, prog)
    now = beijing(now)
    kind = kind or due_kind(prog, cal, wk, now) or MANUAL
    todo = pending(store, prog.id, wk)
    out = {"programme": prog.id, "week": vocabulary.iso_week_label(wk),
           "deadline": discipline.deadline(prog, wk, cal).isoformat(timespec="minutes"), "kind": kind,
           "pending": todo, "sent": [], "skipped": []}
    if dry_run or not todo:
        return out
    cfg = cfg or channels.load()
    due = discipline.deadline(prog, wk, cal)
    all_r = regions.all_regions()
    if kind == ESCALATE:  # one message per prefecture naming its counties; logged per county
        groups: dict[str, list[dict]] = {}
        for p in todo:
            r = all_r.get(p["adcode"])
            groups.setdefault((r.prefecture if r and r.prefecture else p["adcode"]), []).append(p)
        pref_people = contacts.of_units(store, list(groups))
        batches = [(pref, members, pref_people.get(pref, [])) for pref, members in groups.items()]
    else:
        batches = [(p["adcode"], [p], p["contacts"]) for p in todo]
    for unit, members, people in batches:
        claimed = [(m, _claim(store, prog.id, m["adcode"], wk, kind, who)) for m in members]
        fresh = [(m, log_id) for m, log_id in claimed if log_id is not None]
        out["skipped"] += [{"adcode": m["adcode"], "name": m["name"], "why": "已提醒过"}
                           for m, log_id in claimed if log_id is None]
        if not fresh:
            continue
        msg = _message(prog, wk, due, [m["name"] for m, _ in fresh], kind, cfg)
        targets = _targets(people)
        results = []
        for channel, to in targets:
            res = channels.send(cfg, channel, to, msg)
            results.append({"to": to, "channel": channel, "ok": res.ok, "error": res.error})
        if not targets:
            results.append({"to": None, "channel": None, "ok": False,
                            "error": f"{_name(unit)}没有登记联系人（邮箱或群机器人），请用 contact add 登记"})
        for m, log_id in fresh:
            _record(store, log_id, results)
            out["sent"].append({"adcode": m["adcode"], "name": m["name"], "to_unit": unit,
                                "to_unit_name": _name(unit), "results": results})
    return out


def due_now(store: Store, now: datetime | None = None, *, dry_run: bool = False, actor: "auth.Actor",
            cfg: channels.DeliveryConfig | None = None) -> list[dict]:
    """Every active programme's reminders due at `now` (this week's before the deadline, last week's
    escalation): what `deliver run-due` runs each time."""
    now = beijing(now)
    with store.session() as s:
        progs = s.scalars(select(Programme).where(Programme.status == "active").order_by(Programme.id)).all()
    out = []
    for prog in progs:
        if not prog.year_start <= now.year <= prog.year_end + 1:
            continue
        cal = discipline.load_calendar(store, prog)
        this = vocabulary.week_end(now.date(), prog.report_weekday)
        for wk in (this, this - timedelta(days=7), this - timedelta(days=14)):
            if wk.year > prog.year_end or not discipline.expected_week(cal, wk):
                continue
            kind = due_kind(prog, cal, wk, now)
            if kind is None:
                continue
            r = remind(store, prog.id, wk, now=now, kind=kind, dry_run=dry_run, actor=actor, cfg=cfg)
            if r["pending"]:
                out.append(r)
    return out
