"""Command-line verbs of the reporting calendar, contacts, reminders (催报), scheduled delivery and
alerts (预警), added to the CLI by lib.cli.build_parser.

    schedule show|holiday|stop|remove|expected|reminders --programme ID ...
    contact add|list|update|remove ...
    remind --programme ID --week W [--dry-run] [--now ISO] [--kind K]
    subscription add|list|remove ...
    deliver [run-due [--now ISO-DATETIME] [--dry-run] | status [--failed] | retry ID]
    alerts --programme ID [--week W]
"""

from __future__ import annotations

from datetime import datetime

from lib.access import auth
from lib.cli.common import _Parser, _actor, _refuse_public, _store, _viewer, emit, say
from lib.domain import clock
from lib.domain.errors import UserError
from lib.figures import discipline
from lib.figures import metrics
from lib.workflow import alerts
from lib.workflow import calendar
from lib.workflow import channels
from lib.workflow import contacts
from lib.workflow import deliver
from lib.workflow import remind


def _now(text: str | None) -> datetime | None:
    """--now 2021-06-18T10:00 (Beijing unless it carries an offset)."""
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--now “{text[:40]}”格式不正确，请写成 2021-06-18T10:00（北京时间）。",
                        "--now: ISO date-time, e.g. 2021-06-18T10:00.") from None


# --- schedule ----------------------------------------------------------------------------------

def cmd_schedule(args):
    c = args.schedule_command
    if c == "show":
        store = _store(args)
        out = calendar.show(store, args.programme)
        start = calendar.parse_day(args.start) if args.start else clock.today()
        out["upcoming"] = calendar.upcoming(store, args.programme, start, args.weeks)
        say(f"报送时限：{out['calendar']}；{out['rule']}")
        emit(out)
        return
    _refuse_public(args)
    store = _store(args, write=True)
    actor = _actor(store, args.user)
    if c in ("holiday", "stop"):
        a, b = calendar.parse_range(args.dates)
        out = calendar.add_period(store, args.programme, kind=c, first=a, last=b, name=args.name, actor=actor)
        say(f"已登记{calendar.KINDS[c]}“{out['name']}”：{out['first']}至{out['last']}（编号 {out['id']}）。")
    elif c == "remove":
        out = calendar.remove_period(store, args.programme, args.period, actor=actor)
        say(f"已删除{calendar.KINDS[out['kind']]}“{out['name']}”。")
    elif c == "expected":
        if args.default == bool(args.units):
            raise UserError("请给出 --units（应报单位，逗号分隔）或 --default（恢复默认）之一。",
                            "Give --units or --default.")
        units = None if args.default else [u for u in args.units.replace("，", ",").split(",")]
        out = calendar.set_expected(store, args.programme, units, actor=actor)
        say("应报单位已恢复默认：有目标或台账的全部县级单位。" if out["default"]
            else f"应报单位已设为 {len(out['expected'])} 个。")
    elif c == "reminders":
        hours = [h for h in args.before.replace("，", ",").split(",") if h.strip()]
        out = calendar.set_reminders(store, args.programme, before_hours=hours, escalate_hours=args.escalate,
                                     actor=actor)
        say(f"催报时间：截止前 {'、'.join(str(h) for h in out['remind_hours'])} 小时；"
            f"截止后 {out['escalate_hours']} 小时仍未报送的报市（州）。")
    elif c == "weekly":
        out = calendar.set_weekly(store, args.programme, weekday=args.weekday, deadline_hhmm=args.deadline,
                                  actor=actor)
        say(f"已设置报送时限：{discipline.calendar_text(metrics.get_programme(store, args.programme))}。")
    emit(out)


# --- contacts --------------------------------------------------------------------------------

def cmd_contact(args):
    c = args.contact_command
    if c == "list":
        emit(contacts.list_contacts(_store(args), viewer=_viewer(args), region=args.region))
        return
    _refuse_public(args)
    store = _store(args, write=True)
    actor = _actor(store, args.user)
    if c == "add":
        out = contacts.add(store, adcode=args.region, name=args.name, phone=args.phone, email=args.email,
                           webhook=args.webhook, webhook_kind=args.webhook_kind, actor=actor)
        say(f"已登记联系人 {out['name']}（{out['region']}，编号 {out['id']}）。")
    elif c == "update":
        out = contacts.update(store, args.id, actor=actor, name=args.name, phone=args.phone, email=args.email,
                              webhook=args.webhook, webhook_kind=args.webhook_kind)
        say(f"已修改联系人 {out['name']}。")
    else:
        out = contacts.remove(store, args.id, actor=actor)
        say(f"已停用联系人 {out['name']}。")
    emit(out)


# --- remind ----------------------------------------------------------------------------------

def cmd_remind(args):
    if not args.dry_run:
        _refuse_public(args)
    store = _store(args, write=not args.dry_run)
    actor = _actor(store, args.user) if args.user else _viewer(args)
    if not auth.sees_internal(actor):
        raise UserError("公众版不能查看催报名单（含联系人）。", "The public edition has no reminder list.")
    out = remind.remind(store, args.programme, args.week, now=_now(args.now), kind=args.kind, dry_run=args.dry_run,
                        actor=actor)
    if not out["pending"]:
        say(f"{out['week']}：应报单位均已报送（或本周不要求报送），无需催报。")
    elif args.dry_run:
        say(f"{out['week']}：{len(out['pending'])} 个单位尚未报送（试运行，未发送）。截止 {out['deadline']}。")
    else:
        for x in out["sent"]:
            res = "；".join(f"{r['channel'] or '—'} {r['to'] or ''} {'成功' if r['ok'] else '失败：' + (r['error'] or '')}"
                           for r in x["results"])
            say(f"{x['name']} → {x['to_unit_name']}：{res}")
        for x in out["skipped"]:
            say(f"{x['name']}：{x['why']}（{out['kind']}），未重复发送。")
    emit(out["pending"])


# --- subscriptions ---------------------------------------------------------------------------

def cmd_subscription(args):
    c = args.subscription_command
    if c == "list":
        store = _store(args)
        viewer = _actor(store, args.user) if args.user else _viewer(args)
        emit(deliver.list_subscriptions(store, viewer=viewer, programme_id=args.programme))
        return
    _refuse_public(args)
    store = _store(args, write=True)
    actor = _actor(store, args.user)
    if c == "add":
        out = deliver.subscribe(store, programme_id=args.programme, username=args.recipient, what=args.what,
                                cadence=args.cadence, channel=args.channel, target=args.target, at=args.at,
                                weekday=args.weekday, actor=actor)
        say(f"已订阅：{out['user']} {out['when_zh']} 经{out['channel_zh']}收到{out['what_zh']}（编号 {out['id']}）。")
    else:
        out = deliver.unsubscribe(store, args.id, actor=actor)
        say(f"已取消订阅 {out['id']}。")
    emit(out)


# --- deliver ---------------------------------------------------------------------------------

def cmd_deliver(args):
    c = args.deliver_command or "status"
    if c == "run-due":
        _refuse_public(args)  # it names addresses and contacts, even as a dry run
        store = _store(args, write=not args.dry_run)
        out = deliver.run_due(store, now=_now(args.now), dry_run=args.dry_run)
        for d in out["deliveries"]:
            line = f"订阅 {d['subscription']} {d['period']} {d['what']} → {d['user']}（{d['channel']} {d['to']}）：{d['result']}"
            if d.get("error"):
                line += f"，{d['error']}"
            if d.get("next_attempt"):
                line += f"，下次重试 {d['next_attempt']}"
            say(line)
        for r in out["reminders"]:
            say(f"催报 计划{r['programme']} {r['week']} {r['kind']}：{len(r['pending'])} 个单位未报送，"
                f"本次提醒 {len(r['sent'])} 个，此前已提醒 {r['skipped']} 个。")
        if not out["deliveries"] and not out["reminders"]:
            say("没有到期的推送或催报。")
        emit(out)
        if any(d["result"] in ("failed", "gave_up") for d in out["deliveries"]):
            raise SystemExit(3)  # cron / systemd see a failed run; everything is recorded
        return
    store = _store(args, write=c == "retry")
    if c == "retry":
        _refuse_public(args)
        out = deliver.retry(store, args.id, actor=_actor(store, args.user))
        say(f"推送 {out['delivery']} 将在下次 run-due 时重新发送。")
        emit(out)
        return
    viewer = _actor(store, args.user) if getattr(args, "user", None) else _viewer(args)
    rows = deliver.status(store, viewer=viewer, only_problems=getattr(args, "failed", False))
    bad = [r for r in rows if r["status"] != "sent"]
    say(f"共 {len(rows)} 条推送记录，其中未成功 {len(bad)} 条。" if rows else "暂无推送记录。")
    emit(rows)


# --- alerts ----------------------------------------------------------------------------------

def cmd_alerts(args):
    store = _store(args)
    week = args.week
    if args.config.public or store.read_only:
        out = alerts.open_alerts(store, args.programme, week)
        opened = closed = []
    else:
        synced = alerts.sync(store, args.programme, week)
        out, opened, closed = synced["open"], synced["opened"], synced["closed"]
    wk = out[0]["week"] if out else (week or "")
    say(f"{wk} 共 {len(out)} 条预警" + (f"；新增 {len(opened)} 条" if opened else "")
        + (f"；已解除 {len(closed)} 条" if closed else "") + "。")
    emit(out)


# --- parsers ---------------------------------------------------------------------------------

def register(sub) -> None:
    """Add this module's subcommands to the CLI's subparsers."""
    s = sub.add_parser("schedule", help="the reporting calendar: holidays, winter stop, who reports, reminder times")
    ss = s.add_subparsers(dest="schedule_command", required=True, parser_class=_Parser)
    x = ss.add_parser("show", help="the calendar and the next reporting days (JSON)")
    x.add_argument("--programme", required=True)
    x.add_argument("--start", help="first day of the upcoming list (default: today)")
    x.add_argument("--weeks", type=int, default=8)
    for kind, help_ in (("holiday", "a holiday (deadline moves to the next working day)"),
                        ("stop", "a stop such as the winter stop (no report expected)")):
        x = ss.add_parser(kind, help=help_)
        x.add_argument("--programme", required=True)
        x.add_argument("--name", required=True)
        x.add_argument("--dates", required=True, help="2021-10-01..2021-10-07 or one day")
        x.add_argument("--user")
    x = ss.add_parser("remove", help="remove a holiday or stop by its number")
    x.add_argument("--programme", required=True)
    x.add_argument("--period", type=int, required=True)
    x.add_argument("--user")
    x = ss.add_parser("expected", help="who is expected to report (codes or names), or --default")
    x.add_argument("--programme", required=True)
    x.add_argument("--units", help="comma-separated counties/zones")
    x.add_argument("--default", action="store_true")
    x.add_argument("--user")
    x = ss.add_parser("reminders", help="hours before the deadline to remind; hours after it to escalate")
    x.add_argument("--programme", required=True)
    x.add_argument("--before", required=True, help="e.g. 24,2")
    x.add_argument("--escalate", type=int, default=discipline.DEFAULT_ESCALATE_HOURS)
    x.add_argument("--user")
    x = ss.add_parser("weekly", help="the weekly reporting day and deadline (same as `calendar`)")
    x.add_argument("--programme", required=True)
    x.add_argument("--weekday", type=int, required=True)
    x.add_argument("--deadline", required=True)
    x.add_argument("--user")
    s.set_defaults(func=cmd_schedule)

    s = sub.add_parser("contact", help="contacts of reporting units: add, list, update, remove")
    cs = s.add_subparsers(dest="contact_command", required=True, parser_class=_Parser)
    for verb in ("add", "update"):
        x = cs.add_parser(verb)
        if verb == "add":
            x.add_argument("--region", required=True, help="county, zone or prefecture (code or name)")
            x.add_argument("--name", required=True)
        else:
            x.add_argument("id", type=int)
            x.add_argument("--name")
        x.add_argument("--phone")
        x.add_argument("--email")
        x.add_argument("--webhook", help="企业微信/钉钉 group robot URL")
        x.add_argument("--webhook-kind", choices=list(channels.WEBHOOK_CHANNELS))
        x.add_argument("--user")
    x = cs.add_parser("list")
    x.add_argument("--region")
    x = cs.add_parser("remove")
    x.add_argument("id", type=int)
    x.add_argument("--user")
    s.set_defaults(func=cmd_contact)

    s = sub.add_parser("remind", help="催报: expected reporters who have not submitted a week; send reminders")
    s.add_argument("--programme", required=True)
    s.add_argument("--week", required=True)
    s.add_argument("--dry-run", action="store_true", help="list only, send nothing")
    s.add_argument("--now", help="judge the reminder due at this Beijing time (default: now)")
    s.add_argument("--kind", help="before-24h, before-2h, escalate or manual (default: the one due)")
    s.add_argument("--user")
    s.set_defaults(func=cmd_remind)

    s = sub.add_parser("subscription", help="scheduled delivery subscriptions: add, list, remove")
    ss = s.add_subparsers(dest="subscription_command", required=True, parser_class=_Parser)
    x = ss.add_parser("add")
    x.add_argument("--programme", required=True)
    x.add_argument("--recipient", required=True, help="account whose scope limits the content")
    x.add_argument("--what", required=True, choices=list(deliver.WHAT))
    x.add_argument("--cadence", required=True, choices=list(deliver.CADENCE))
    x.add_argument("--weekday", default="mon", help="weekly: mon..sun (default mon)")
    x.add_argument("--at", default="08:00", help="HH:MM Beijing time")
    x.add_argument("--channel", required=True, choices=list(channels.CHANNELS))
    x.add_argument("--target", required=True, help="email address or robot webhook URL")
    x.add_argument("--user")
    x = ss.add_parser("list")
    x.add_argument("--programme", type=int)
    x.add_argument("--user")
    x = ss.add_parser("remove")
    x.add_argument("id", type=int)
    x.add_argument("--user")
    s.set_defaults(func=cmd_subscription)

    s = sub.add_parser("deliver", help="scheduled delivery: run-due (from cron), status, retry")
    ds = s.add_subparsers(dest="deliver_command", parser_class=_Parser)
    x = ds.add_parser("run-due", help="send what is due now (and due reminders)")
    x.add_argument("--now", help="ISO date-time, Beijing (default: now)")
    x.add_argument("--dry-run", action="store_true")
    x = ds.add_parser("status", help="deliveries: sent, failed (next retry), given up")
    x.add_argument("--failed", action="store_true", help="only those not sent")
    x.add_argument("--user")
    x = ds.add_parser("retry", help="send a given-up or unknown delivery again")
    x.add_argument("id", type=int)
    x.add_argument("--user")
    s.set_defaults(func=cmd_deliver)

    s = sub.add_parser("alerts", help="预警: the open alerts of a week with their reasons")
    s.add_argument("--programme", required=True)
    s.add_argument("--week")
    s.set_defaults(func=cmd_alerts)



