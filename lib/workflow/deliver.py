"""Scheduled delivery (定时推送): subscriptions and `run_due`, meant to run from cron or a systemd timer
every few minutes (docs/SCHEDULE.md).

A **subscription** says who (an account: its role and scope limit the content, exactly as on its
screens), what, when and by which channel:

* ``dispatch`` — the 周调度 pack of the account's region (.xlsx and .docx attached by email);
* ``bulletin`` — the 月通报 draft (.docx) of the month that ended (leaders and administrators);
* ``county``   — a county's own summary (the account's county: a district account);
* ``alerts``   — the open alerts (预警) inside the account's region, new ones marked.

When: ``weekly`` on a weekday at a time (Beijing; e.g. Monday 08:00 before the meeting: the pack
of the latest reporting week whose deadline has passed), or ``monthly`` on the first working
day of the month (not a weekend, not a holiday of the programme's calendar) at a time: the
bulletin of the month before. The period (``2021-W24``, ``2021-06``) is the delivery's key.

**Exactly once.** Before sending, a run claims the (subscription, period) row of `delivery` in its
own transaction — the unique key makes a second run (or a second server) lose the claim — and
records the result after: ``sent``, or ``failed`` with the reason and the next attempt (backoff
5, 10, 20 … minutes), or ``gave_up`` after `DELIVERY_MAX_ATTEMPTS`. A row left ``sending`` by a
run that died mid-send is reported by `status` (result unknown) and not re-sent by itself:
`retry` sends it again when an operator decides so. Nothing is silent: every run returns what it
sent, to whom, by which channel, with what result; `status` lists failures and pending retries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from lib.access import auth
from lib.domain import clock
from lib.domain import regions
from lib.domain import vocabulary
from lib.domain.clock import utcnow
from lib.domain.errors import UserError
from lib.figures import discipline
from lib.figures import metrics
from lib.office import fmt
from lib.review import bulletin
from lib.review import dispatch
from lib.store.engine import Store, audit
from lib.store.models import Programme
from lib.store.models_schedule import Delivery, Subscription
from lib.workflow import alerts as alerts_mod
from lib.workflow import channels
from lib.workflow import remind

WHAT = {"dispatch": "周调度材料", "bulletin": "月通报草稿", "county": "本县进度摘要", "alerts": "预警"}
CADENCE = {"weekly": "每周", "monthly": "每月第一个工作日"}
WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
BACKOFF_MINUTES = 5  # first retry after 5 minutes, then 10, 20, 40 …
STALE_SENDING = timedelta(minutes=30)  # a 'sending' row older than this: its run died mid-send
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- subscriptions ---------------------------------------------------------------------------

def _sub_dict(s: Subscription) -> dict:
    when = (f"{CADENCE[s.cadence]}{'' if s.cadence == 'monthly' else discipline.WEEKDAY_ZH[s.weekday or 0]}"
            f" {s.at_time}")
    return {"id": s.id, "programme": s.programme_id, "user": s.username, "what": s.what, "what_zh": WHAT[s.what],
            "cadence": s.cadence, "weekday": s.weekday, "at": s.at_time, "when_zh": when, "channel": s.channel,
            "channel_zh": channels.CHANNELS[s.channel], "to": s.target, "active": s.active}


def _hhmm(text: str) -> str:
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", str(text or "").strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise UserError(f"推送时间“{str(text)[:20]}”格式不正确，请写成 HH:MM（如 08:00，北京时间）。",
                        "Time of day: HH:MM.")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def _weekday(value) -> int:
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    t = str(value).strip().lower()[:3]
    if t.isdigit() and 0 <= int(t) <= 6:
        return int(t)
    if t in WEEKDAYS:
        return WEEKDAYS[t]
    raise UserError("每周推送日须为 mon…sun 或 0（周一）至 6（周日）。", "Weekday: mon..sun or 0..6.")


def _recipient(store: Store, username: str) -> auth.Actor:
    """The account whose scope limits the content (must exist and be active)."""
    return auth.load_actor(store, username, via="cli")


def _check_what(actor: auth.Actor, what: str) -> None:
    if what not in WHAT:
        raise UserError("推送内容须为 dispatch（周调度材料）、bulletin（月通报草稿）、county（本县进度摘要）或 alerts（预警）。",
                        "What: dispatch, bulletin, county or alerts.")
    if what == "bulletin" and not auth.can(actor, "bulletin"):
        raise UserError(f"账号{actor.describe()}无权查看月通报草稿（仅限领导小组/工作专班和管理员），不能订阅。",
                        "Only leaders and administrators receive the bulletin draft.")
    if what == "county":
        r = regions.all_regions().get(actor.scope_adcode or "")
        if r is None or not r.is_county:
            raise UserError(f"账号{actor.describe()}没有负责的县（区），不能订阅本县进度摘要。",
                            "A county summary goes to an account with a county scope.")


def subscribe(store: Store, *, programme_id: int | str, username: str, what: str, cadence: str, channel: str,
              target: str, at: str = "08:00", weekday: int | str | None = None, actor: "auth.Actor") -> dict:
    """Add a subscription (administrators). Audited."""
    who = auth.require(actor, "user")
    prog = metrics.get_programme(store, programme_id)
    rec = _recipient(store, username)
    _check_what(rec, what)
    if cadence not in CADENCE:
        raise UserError("推送频率须为 weekly（每周）或 monthly（每月第一个工作日）。", "Cadence: weekly or monthly.")
    wd = _weekday(0 if weekday is None else weekday) if cadence == "weekly" else None
    hhmm = _hhmm(at)
    target = channels.check_target(channel, target)
    with store.write() as s:
        sub = Subscription(programme_id=prog.id, username=rec.username, what=what, cadence=cadence, weekday=wd,
                           at_time=hhmm, channel=channel, target=target, active=True, created_by=who)
        s.add(sub)
        s.flush()
        out = _sub_dict(sub)
        audit(s, who, "subscription.add", "subscription", sub.id, programme_id=prog.id, after=out)
    return out


def unsubscribe(store: Store, sub_id: int, *, actor: "auth.Actor") -> dict:
    who = auth.require(actor, "user")
    with store.write() as s:
        sub = s.get(Subscription, int(sub_id))
        if sub is None or not sub.active:
            raise UserError(f"没有编号为 {sub_id} 的订阅，请用 subscription list 查看。", f"No subscription {sub_id}.")
        sub.active = False
        out = _sub_dict(sub)
        audit(s, who, "subscription.remove", "subscription", sub.id, programme_id=sub.programme_id, before=out)
    return out


def list_subscriptions(store: Store, *, viewer: "auth.Actor", programme_id: int | None = None) -> list[dict]:
    if not auth.can(viewer, "user"):
        return []
    with store.session() as s:
        q = select(Subscription).where(Subscription.active.is_(True))
        if programme_id is not None:
            q = q.where(Subscription.programme_id == int(programme_id))
        return [_sub_dict(x) for x in s.scalars(q.order_by(Subscription.id)).all()]


# --- when ------------------------------------------------------------------------------------

def first_working_day(y: int, m: int, cal: discipline.Calendar) -> date:
    d = date(y, m, 1)
    while not cal.working_day(d):
        d += timedelta(days=1)
    return d


def _prev_month(y: int, m: int) -> tuple[int, int]:
    return (y - 1, 12) if m == 1 else (y, m - 1)


@dataclass(frozen=True)
class Due:
    period: str  # 2021-W24 | 2021-06
    scheduled: datetime  # Beijing, naive
    week: date | None  # the reporting week (weekly)
    month: str | None  # the bulletin's month (monthly)


def due_period(sub: Subscription, prog: Programme, cal: discipline.Calendar, now: datetime) -> Due | None:
    """The latest scheduled moment of `sub` at or before `now` (Beijing) and its period."""
    hh, mm = (int(x) for x in sub.at_time.split(":"))
    if sub.cadence == "weekly":
        day = now.date() - timedelta(days=(now.weekday() - (sub.weekday or 0)) % 7)
        at = datetime.combine(day, time(hh, mm))
        if at > now:
            at -= timedelta(days=7)
        wk = vocabulary.last_report_day(at.date(), prog.report_weekday)
        for _ in range(4):  # the latest reporting week that expects reports and whose deadline has passed
            if discipline.deadline(prog, wk, cal) <= at and discipline.expected_week(cal, wk):
                break
            wk -= timedelta(days=7)
        else:
            return None
        return Due(vocabulary.iso_week_label(wk), at, wk, None)
    y, m = now.year, now.month
    at = datetime.combine(first_working_day(y, m, cal), time(hh, mm))
    if at > now:
        y, m = _prev_month(y, m)
        at = datetime.combine(first_working_day(y, m, cal), time(hh, mm))
    by, bm = _prev_month(y, m)
    month = f"{by}-{bm:02d}"
    return Due(month, at, None, month)


# --- what ------------------------------------------------------------------------------------

def build_message(store: Store, sub: Subscription, prog: Programme, due: Due, rec: auth.Actor,
                  cfg: channels.DeliveryConfig) -> channels.Message:
    """The message of one delivery, limited by the recipient's scope (its Actor is the viewer)."""
    region = rec.scope_adcode or prog.region_adcode
    if not (regions.contains(prog.region_adcode, region) or regions.contains(region, prog.region_adcode)):
        raise UserError(f"账号{rec.describe()}负责的地区不在计划“{prog.name}”范围内，无可推送内容。",
                        "The account's region is outside the programme.")
    if regions.contains(region, prog.region_adcode):
        region = prog.region_adcode
    if sub.what == "dispatch":
        pack = dispatch.weekly_dispatch(store, prog.id, due.week, region=region, viewer=rec)
        rows = dispatch.headline_rows(pack)
        title = dispatch.dispatch_filename(pack, "")
        lines = [f"**{title}**", ""] + [f"- {k}：{v}" for k, v in rows]
        if pack["alerts"]:
            lines += ["", f"预警{len(pack['alerts'])}条（详见材料“预警”部分）。"]
        files = [(dispatch.dispatch_filename(pack, ".xlsx"), dispatch.dispatch_xlsx(pack), XLSX),
                 (dispatch.dispatch_filename(pack, ".docx"), dispatch.dispatch_docx(pack), DOCX)]
        return channels.Message(title, "\n".join(lines), channels.link(cfg, "dispatch"), files)
    if sub.what == "bulletin":
        if not auth.can(rec, "bulletin"):
            raise UserError(f"账号{rec.describe()}已无权查看月通报草稿，推送停止。", "No longer allowed the bulletin.")
        b = bulletin.monthly_bulletin(store, prog.id, due.month, viewer=rec)
        title = bulletin.bulletin_title(b)
        paras = bulletin.overall_paragraphs(b)
        data = bulletin.bulletin_docx(store, prog.id, due.month, viewer=rec, charts=False)
        return channels.Message(f"{title}（草稿）", f"**{title}（草稿）**\n\n" + "\n\n".join(paras[:2]),
                                channels.link(cfg, "bulletin"), [(bulletin.bulletin_filename(b), data, DOCX)])
    if sub.what == "county":
        s = metrics.summary(store, prog.id, region=region, as_of=due.week)
        hh, c = s["totals"]["households"], s["totals"]["communities"]
        inv = s["totals"]["investment_wan"]
        name = regions.get(region).name
        title = f"{name}城镇老旧小区改造进度（{due.period}）"
        text = (f"**{title}**\n\n- 截至：{s['as_of']}\n- 年度目标：{fmt.exact(c['target'])}个小区、{fmt.exact(hh['target'])}户\n"
                f"- 累计开工：{fmt.exact(c['started'])}个小区、{fmt.exact(hh['started'])}户，户数开工率{fmt.pct(hh['start_rate'])}\n"
                f"- 序时进度：{fmt.pct(s['expected_share'])}\n"
                f"- 累计完工：{fmt.exact(c['completed'])}个小区、{fmt.exact(hh['completed'])}户\n"
                f"- 累计完成投资：{fmt.money_wan(inv['invested'])}")
        mine = alerts_mod.open_alerts(store, prog.id, due.week, region=region)
        if mine:
            text += "\n\n" + alerts_mod.markdown(mine, title="本县预警")
        return channels.Message(title, text, channels.link(cfg, "overview"))
    if sub.what == "alerts":
        synced = alerts_mod.sync(store, prog.id, due.week)
        mine = [a for a in synced["open"] if a["adcode"] == region or regions.contains(region, a["adcode"])]
        new = {(a["rule"], a["adcode"]) for a in synced["opened"]}
        for a in mine:
            if (a["rule"], a["adcode"]) in new:
                a.update(name=f"【新】{a['name']}")
        title = f"{regions.get(region).name}城镇老旧小区改造预警（{due.period}）"
        return channels.Message(title, alerts_mod.markdown(mine, title=title), channels.link(cfg, "dispatch"))
    raise UserError(f"未知推送内容 {sub.what}", f"Unknown content {sub.what}")


# --- claim, send, record ---------------------------------------------------------------------

def _claim(store: Store, sub_id: int, period: str, now_utc: datetime) -> tuple[int, int] | None:
    """Claim (subscription, period) for sending in one transaction: (delivery id, attempt) or None when
    it is sent, being sent, given up or not yet due for a retry."""
    try:
        with store.write() as s:
            row = s.scalar(select(Delivery).where(Delivery.subscription_id == sub_id, Delivery.period == period))
            if row is None:
                row = Delivery(subscription_id=sub_id, period=period, status="sending", attempts=1,
                               claimed_at=utcnow())
                s.add(row)
                s.flush()
                return row.id, 1
            if row.status != "failed" or (row.next_attempt_at and row.next_attempt_at > now_utc):
                return None
            did, n = row.id, row.attempts
            got = s.execute(update(Delivery).where(Delivery.id == did, Delivery.status == "failed",
                                                   Delivery.attempts == n)
                            .values(status="sending", attempts=n + 1, claimed_at=utcnow())
                            .execution_options(synchronize_session=False)).rowcount
            return (did, n + 1) if got == 1 else None
    except IntegrityError:  # another run inserted the same (subscription, period) first
        return None


def _finish(store: Store, delivery_id: int, attempt: int, res: channels.Result, now_utc: datetime,
            cfg: channels.DeliveryConfig, detail: dict) -> str:
    with store.write() as s:
        row = s.get(Delivery, delivery_id)
        if res.ok:
            row.status, row.sent_at, row.last_error, row.next_attempt_at = "sent", utcnow(), None, None
        elif attempt >= cfg.max_attempts:
            row.status, row.last_error, row.next_attempt_at = "gave_up", res.error, None
        else:
            row.status, row.last_error = "failed", res.error
            row.next_attempt_at = now_utc + timedelta(minutes=BACKOFF_MINUTES * 2 ** (attempt - 1))
        row.detail = {**(row.detail or {}), **detail, "attempt": attempt}
        return row.status


def run_due(store: Store, *, now: datetime | None = None, dry_run: bool = False,
            cfg: channels.DeliveryConfig | None = None, reminders: bool = True) -> dict:
    """Send every delivery (and reminder) due at `now` (Beijing; default the clock). Returns
    {"now", "deliveries": [{subscription, period, user, what, channel, to, result, error, attempt, files,
    next_attempt}], "reminders": [...]}; with `dry_run` nothing is claimed or sent."""
    now = remind.beijing(now)
    now_utc = clock.beijing_to_utc(now)
    cfg = cfg or channels.load()
    out: dict = {"now": now.isoformat(timespec="minutes"), "dry_run": dry_run, "deliveries": [], "reminders": []}
    with store.session() as s:
        subs = s.scalars(select(Subscription).where(Subscription.active.is_(True)).order_by(Subscription.id)).all()
        progs = {p.id: p for p in s.scalars(select(Programme)).all()}
    cals: dict[int, discipline.Calendar] = {}
    built: dict[tuple, channels.Message] = {}  # one content per (programme, what, role, scope, period) per run
    for sub in subs:
        prog = progs.get(sub.programme_id)
        if prog is None or prog.status != "active":
            continue
        cal = cals.setdefault(prog.id, discipline.load_calendar(store, prog))
        due = due_period(sub, prog, cal, now)
        if due is None:
            continue
        item = {"subscription": sub.id, "period": due.period, "user": sub.username, "what": sub.what,
                "channel": sub.channel, "to": sub.target, "scheduled": due.scheduled.isoformat(timespec="minutes")}
        if dry_run:
            with store.session() as s:
                row = s.scalar(select(Delivery).where(Delivery.subscription_id == sub.id,
                                                      Delivery.period == due.period))
            if row is None or (row.status == "failed" and (row.next_attempt_at is None
                                                           or row.next_attempt_at <= now_utc)):
                out["deliveries"].append({**item, "result": "would_send"})
            continue
        claim = _claim(store, sub.id, due.period, now_utc)
        if claim is None:
            continue
        did, attempt = claim
        files: list[str] = []
        try:
            rec = _recipient(store, sub.username)
            key = (prog.id, sub.what, rec.role, rec.scope_adcode, due.period)
            if key not in built:
                built[key] = build_message(store, sub, prog, due, rec, cfg)
            msg = built[key]
            files = msg.file_names()
            res = channels.send(cfg, sub.channel, sub.target, msg)
        except UserError as e:  # the account was disabled, lost its scope …: a failure with the reason
            res = channels.Result(False, str(e))
        except Exception as e:  # noqa: BLE001 - building the content failed: recorded, never silent
            res = channels.Result(False, f"生成推送内容出错：{type(e).__name__}: {str(e)[:200]}")
        status = _finish(store, did, attempt, res, now_utc, cfg, {"files": files, **res.detail})
        with store.session() as s:
            row = s.get(Delivery, did)
        out["deliveries"].append({**item, "result": status, "error": res.error, "attempt": attempt, "files": files,
                                  "next_attempt": clock.to_beijing(row.next_attempt_at).replace(tzinfo=None)
                                  .isoformat(timespec="minutes") if row.next_attempt_at else None})
    if reminders:
        out["reminders"] = [{"programme": r["programme"], "week": r["week"], "kind": r["kind"],
                             "pending": [p["adcode"] for p in r["pending"]], "skipped": len(r["skipped"]),
                             "sent": [{"adcode": x["adcode"], "to_unit": x["to_unit"],
                                       "results": x["results"]} for x in r["sent"]]}
                            for r in remind.due_now(store, now, dry_run=dry_run, actor=auth.Actor.system("scheduler"),
                                                    cfg=cfg)]
    return out


def status(store: Store, *, viewer: "auth.Actor", only_problems: bool = False, limit: int = 200) -> list[dict]:
    """Deliveries, newest first: sent, failed (next attempt), gave up, or sending (result unknown when
    stale). Administrators only (it names addresses)."""
    if not auth.can(viewer, "user"):
        return []
    with store.session() as s:
        rows = s.execute(select(Delivery, Subscription).join(Subscription, Subscription.id == Delivery.subscription_id)
                         .order_by(Delivery.claimed_at.desc(), Delivery.id.desc()).limit(limit)).all()
    out = []
    for d, sub in rows:
        st = d.status
        if st == "sending" and utcnow() - d.claimed_at > STALE_SENDING:
            st = "unknown"
        if only_problems and st == "sent":
            continue
        out.append({"delivery": d.id, "subscription": sub.id, "period": d.period, "user": sub.username,
                    "what": sub.what, "channel": sub.channel, "to": sub.target, "status": st,
                    "attempts": d.attempts, "error": d.last_error,
                    "sent_at": clock.to_beijing(d.sent_at).isoformat(timespec="seconds") if d.sent_at else None,
                    "next_attempt": clock.to_beijing(d.next_attempt_at).isoformat(timespec="minutes")
                    if d.next_attempt_at else None,
                    "files": (d.detail or {}).get("files", [])})
    return out


def retry(store: Store, delivery_id: int, *, actor: "auth.Actor") -> dict:
    """Make a given-up or unknown delivery due again (an operator's decision: it may be sent twice if the
    earlier attempt in fact arrived). Audited."""
    who = auth.require(actor, "user")
    with store.write() as s:
        d = s.get(Delivery, int(delivery_id))
        if d is None:
            raise UserError(f"没有编号为 {delivery_id} 的推送记录，请用 deliver status 查看。", f"No delivery {delivery_id}.")
        if d.status == "sent":
            raise UserError(f"推送 {delivery_id} 已成功发送（{d.sent_at}），不再重发。", "Already sent.")
        before = {"status": d.status, "attempts": d.attempts}
        d.status, d.next_attempt_at, d.attempts = "failed", None, min(d.attempts, 1)
        audit(s, who, "delivery.retry", "delivery", d.id, before=before, after={"status": "failed"})
        return {"delivery": d.id, "status": "failed", "due": "next run"}
