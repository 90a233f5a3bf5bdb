"""Command line: `python -m lib.cli [--db URL] COMMAND ...`.

A thin shell over lib: it parses arguments, calls the same functions the
pages call, prints JSON on stdout and human messages on stderr.
Exit codes: 0 success, 1 refused input, 2 usage error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from lib.domain.errors import UserError
from lib.access import admin
from lib.access import programmes
from lib.access import auth
from lib.access import zones
from lib.domain.errors import ReadOnlyStore
from lib.domain.settings import load_config
from lib.figures import discipline
from lib.figures import forecast
from lib.figures import metrics
from lib.figures import rollups
from lib.office import sheets
from lib.present import exports
from lib.review import bulletin
from lib.review import dispatch
from lib.samples import demo
from lib.samples import synth
from lib.store import backup
from lib.store.engine import mask_url, open_store
from lib.uploads import aggregate
from lib.uploads import ingest
from lib.uploads import targets
from lib.uploads import templates
from lib.cli import publish as publish_commands
from lib.cli import review as review_commands
from lib.cli import schedule as schedule_commands

log = logging.getLogger("lib.cli")

# Helpers shared by every command module (lib/cli/*.py).
from lib.cli.common import _Parser, _actor, _refuse_public, _store, _viewer, emit, say  # noqa: E402,F401


# --- commands -------------------------------------------------------------------------

def cmd_init(args):
    _refuse_public(args)
    store = _store(args, write=True)
    say(f"数据库已就绪（{store.dialect}，{mask_url(store.url)}），数据版本 {store.data_version()}。")
    emit({"status": "ok", "store": store.dialect, "data_version": store.data_version()})


def cmd_demo(args):
    _refuse_public(args)
    store = _store(args, write=True)
    added = demo.load_demo(store)
    say("演示数据已加载。" if added else "演示数据已存在，未做任何修改。")
    emit({"status": "loaded" if added else "unchanged", "added": added})


def cmd_programmes(args):
    emit(metrics.list_programmes(_store(args)))


def _settings(args) -> dict:
    """Programme settings given on the command line (None = not given)."""
    season = [args.season_start, args.season_end] if (args.season_start or args.season_end) else None
    if season and not all(season):
        raise UserError("施工季要同时给出 --season-start 和 --season-end。", "Give both season ends.")
    return {"source": args.source, "season": season, "report_weekday": args.report_weekday,
            "report_deadline": args.report_deadline, "eligibility_year": args.eligibility_year,
            "subsidy": args.subsidy, "metrics": args.metrics, "closing": args.closing,
            "review": getattr(args, "review", None)}


def cmd_programme(args):
    _refuse_public(args)
    store = _store(args, write=True)
    actor = _actor(store, args.user)
    verb = args.programme_command
    if verb == "create":
        given = {k: v for k, v in _settings(args).items() if v is not None}
        out = programmes.create(store, actor, name=args.name, region=args.region, years=args.years,
                                code=args.code, **given)
        say(f"已新建改造计划 {out['id']}：{out['name']}。")
    elif verb == "update":
        out = programmes.update(store, actor, args.id, name=args.name, region=args.region, years=args.years,
                                **_settings(args))
        say(f"已修改改造计划 {out['id']}。")
    elif verb == "archive":
        out = programmes.archive(store, actor, args.id, restore=args.restore)
        say(f"改造计划 {out['id']} 已{'恢复' if args.restore else '归档'}。")
    else:
        out = programmes.delete_programme(store, actor, args.id)
        say(f"改造计划 {out['id']} 已删除。")
    if verb != "delete":
        out = next(p for p in metrics.list_programmes(store) if p["id"] == out["id"])
    emit(out)


def cmd_summary(args):
    emit(metrics.summary(_store(args), args.programme, region=args.region, as_of=args.as_of, by=args.by))


def cmd_checks(args):
    emit(metrics.target_checks(_store(args), args.programme, as_of=args.as_of))


def cmd_export(args):
    store = _store(args)
    viewer = _viewer(args)  # the public configuration exports no remarks or problems
    df = metrics.register_table(store, args.programme, as_of=args.as_of, region=args.region, viewer=viewer)
    out = Path(args.out)
    n = sheets.write_table(exports.register_for_export(df, viewer=viewer), out, sheet="项目台账")
    say(f"已导出 {n} 个小区到 {out}")
    emit({"status": "ok", "rows": n, "out": str(out)})


def cmd_import(args):
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UserError(f"无法读取文件 {path}：{e.strerror}。", f"Cannot read {path}.") from None
    store = _store(args)
    if not args.dry_run:
        _refuse_public(args)
    actor = _actor(store, args.user)
    prog = metrics.get_programme(store, args.programme)
    if args.kind in (None, "aggregate") and (args.kind == "aggregate" or
                                             aggregate.looks_like(data, path.name, prog.region_adcode)):
        out = aggregate.import_aggregate(store, data, path.name, prog.id, actor=actor, as_of=args.as_of,
                                         dry_run=args.dry_run)
        emit(out)
        if out["status"] == "rejected":
            say(f"文件未导入：发现 {len(out['errors'])} 处错误，数据库未做任何修改。")
            raise SystemExit(1)
        say({"committed": f"已导入第 {out.get('upload_id')} 号批次：{out['accepted']} 个地区的进度合计。",
             "dry-run": f"检查通过（未写入）：{out['accepted']} 个地区。",
             "unchanged": "内容未变化，未做任何修改。"}.get(out["status"], out["status"]))
        return
    fn = ingest.check if args.dry_run else ingest.commit
    pv = fn(store, data, path.name, args.programme, actor=actor, county=args.county, as_of=args.as_of,
            kind=args.kind)
    out = pv.to_dict()
    emit(out)
    if out["status"] == "rejected":
        say(f"文件未导入：发现 {len(pv.errors)} 处错误，数据库未做任何修改。")
        raise SystemExit(1)
    say({"committed": f"已导入第 {pv.upload_id} 号批次：{pv.accepted} 行。",
         "submitted": f"已上报第 {pv.upload_id} 号批次（{pv.accepted} 行），待审核：审核通过后才计入各项数据。",
         "dry-run": f"检查通过（未写入）：{pv.rows} 行，{len(pv.warnings)} 条提示。",
         "unchanged": "内容未变化，未做任何修改。"}.get(out["status"], out["status"]))


def cmd_targets(args):
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise UserError(f"无法读取文件 {path}：{e.strerror}。", f"Cannot read {path}.") from None
    if not args.dry_run:
        _refuse_public(args)
    store = _store(args, write=not args.dry_run)
    out = targets.import_targets(store, data, path.name, args.programme, actor=_actor(store, args.user),
                                 dry_run=args.dry_run)
    emit(out)
    if out["status"] == "rejected":
        say(f"目标表未导入：发现 {len(out['errors'])} 处问题，数据库未做任何修改。")
        raise SystemExit(1)
    gaps = [g for g in out["gaps"] if g["within_rounding"]]
    say(("检查通过（未写入）" if out["status"] == "dry-run" else "已导入") +
        f"：{out['accepted']} 个地区的 {len(out['targets'])} 项目标" + (f"，{len(gaps)} 处合计与各行相差在四舍五入范围内" if gaps else "") + "。")


def cmd_rollback(args):
    _refuse_public(args)
    store = _store(args)
    emit(ingest.rollback(store, args.upload, actor=_actor(store, args.user)))


def cmd_uploads(args):
    emit(ingest.uploads(_store(args), args.programme, county=args.county, viewer=_viewer(args)))


def cmd_template(args):
    store = _store(args)
    data = templates.template(store, args.programme, args.county, kind=args.kind, viewer=_viewer(args))
    out = Path(args.out)
    if out.suffix.lower() != ".xlsx":
        raise UserError("模板只能保存为 .xlsx 文件。", "Templates are .xlsx files.")
    try:
        out.write_bytes(data)
    except OSError as e:
        raise UserError(f"无法写入文件 {out}：{e.strerror}。", f"Cannot write {out}.") from None
    say(f"模板已保存到 {out}")
    emit({"status": "ok", "out": str(out), "bytes": len(data)})


def _read_password(args) -> str:
    """A password from --password-file or stdin, never from the command line (it would show in `ps`)."""
    import getpass

    if getattr(args, "password_file", None):
        try:
            text = Path(args.password_file).read_text(encoding="utf-8")
        except OSError as e:
            raise UserError(f"无法读取密码文件 {args.password_file}：{e.strerror}。", "Cannot read the password file.") from None
        pw = text.splitlines()[0] if text else ""
    elif sys.stdin.isatty():
        pw = getpass.getpass("密码：")
        if getpass.getpass("再输入一次：") != pw:
            raise UserError("两次输入的密码不一致。", "The passwords differ.")
    else:
        pw = sys.stdin.readline().rstrip("\r\n")
    return pw


def cmd_user(args):
    _refuse_public(args)  # not even `list`: the public configuration knows no accounts
    if args.user_command == "list":
        emit(auth.list_users(_store(args), auth.Actor.system("cli")))
        return
    store = _store(args, write=True)  # the first administrator may come before anything else
    cli = auth.Actor.system("cli")
    if args.user_command == "add":
        pw = None if args.oidc_only else _read_password(args)
        out = auth.create_user(store, cli, args.name, args.role, pw, scope_adcode=args.scope,
                               display_name=args.display_name)
        say(f"已创建账号“{out['username']}”（{auth.ROLES[out['role']][0]}）。")
    elif args.user_command == "disable":
        out = auth.disable_user(store, cli, args.name)
        say(f"账号“{out['username']}”已停用。")
    elif args.user_command == "enable":
        out = auth.enable_user(store, cli, args.name)
        say(f"账号“{out['username']}”已启用并解锁。")
    elif args.user_command == "password":
        out = auth.update_user(store, cli, args.name, password=_read_password(args))
        say(f"账号“{out['username']}”的密码已更换。")
    emit(out)


def cmd_backup(args):
    if args.config.public:  # a backup holds the accounts' password hashes and every internal column
        raise ReadOnlyStore("当前为公众只读配置（DASHBOARD_PUBLIC=1），不做备份：备份含账号和内部数据，请在内部实例上备份。",
                            "No backups in the public configuration: they hold accounts and internal data.")
    store = _store(args)
    out = backup.backup(store, Path(args.out), portable=args.portable or None, force=args.force)
    say(f"已备份到 {out['out']}（{out['bytes'] / 1e6:.1f} MB）。")
    emit(out)


_CHANGES = {"unchanged": "不变", "replaced": "替换", "emptied": "清空"}
_VERIFIED = {"checksums": "表齐全，每张表的行数和校验和与清单一致", "integrity": "SQLite 完整性检查通过，表齐全",
             "row counts only": "表齐全、行数一致；旧备份没有校验和"}


def _rebuild_rollups(s) -> dict:
    """Inside the restore's transaction: every programme's county rollup from the restored history."""
    ids = s.connection().exec_driver_sql("SELECT id FROM programme ORDER BY id").scalars().all()
    return {pid: rollups.rebuild(s, pid)["rows_written"] for pid in ids}


def cmd_restore(args):
    _refuse_public(args)
    # Not _store(args, write=True): that migrates (a write) before the backup is checked. restore
    # migrates an older store itself, and only once the backup has passed every check.
    store = open_store(args.config.database_url, read_only=bool(args.dry_run), config=args.config)
    if args.dry_run:
        out = admin.restore(store, Path(args.file), dry_run=True, unverified=args.unverified)
        for p in out["plan"]:
            say(f"  {p['table']:<18} 现有 {p['rows_now']:>9,} 行  备份 {p['rows_backup']:>9,} 行  {_CHANGES[p['change']]}")
        n = sum(p["change"] != "unchanged" for p in out["plan"])
        verdict = "可以恢复" if out["restorable"] else "需加 --unverified 才能恢复"
        say(f"备份 {args.file} 检查通过（{_VERIFIED[out['verified']]}）；恢复将改动 {n} 张表，{verdict}。未写入任何数据。")
        emit(out)
        return
    out = admin.restore(store, Path(args.file), unverified=args.unverified, after=_rebuild_rollups)
    say(f"已从 {args.file} 恢复全部数据（{sum(out['tables'].values())} 行），县级汇总已重建，用时 {out['seconds']:.1f} 秒。")
    emit(out)


def cmd_db_reader(args):
    _refuse_public(args)
    store = _store(args)
    pw = None if args.no_password else _read_password(args)
    out = admin.readonly_role(store, auth.Actor.system("cli"), args.role, pw)
    say(f"只读角色“{out['role']}”已{'创建' if out['created'] else '更新'}；公众实例请用它连接数据库 {out['database']}。")
    emit(out)


def cmd_synth(args):
    _refuse_public(args)
    store = _store(args, write=True)
    out = synth.load(store, args.communities, args.weeks, args.seed, log=say)
    if out["status"] == "loaded":
        say(f"已生成合成数据：{out['communities']:,} 个小区，{out['reports']:,} 条周报，"
            f"写入 {out['rows_per_second']:,} 行/秒，共 {out['seconds_total']} 秒。")
    else:
        say(f"合成计划 {out['code']} 已存在，未做任何修改。")
    emit(out)


def cmd_rollups(args):
    store = _store(args, write=args.rebuild)
    prog = metrics.get_programme(store, args.programme)
    if args.rebuild:
        _refuse_public(args)
        with store.write() as s:
            out = rollups.rebuild(s, prog.id)
        say(f"已重建计划“{prog.name}”的县级汇总：{out['weeks']} 个填报周，{out['rows_written']} 行。")
        emit(out)
        return
    with store.session() as s:
        out = rollups.check(s, prog.id)
    if out["ok"]:
        say(f"县级汇总与原始填报一致（{out['weeks']} 个填报周）。")
        emit(out)
        return
    emit(out)
    raise UserError(f"县级汇总与原始填报不一致（{out['problem_count']} 处），请运行 rollups --programme {prog.id} --rebuild 重建。",
                    "The rollup disagrees with the raw history: run `rollups --rebuild`.")


def cmd_dispatch(args):
    store = _store(args)
    pack = dispatch.weekly_dispatch(store, args.programme, args.week, viewer=_viewer(args))
    out = Path(args.out)
    if out.suffix.lower() == ".xlsx":
        data = dispatch.dispatch_xlsx(pack)
    elif out.suffix.lower() == ".docx":
        data = dispatch.dispatch_docx(pack)
    else:
        raise UserError("输出文件须以 .xlsx 或 .docx 结尾。", "--out must end in .xlsx or .docx.")
    out.write_bytes(data)
    say(f"已生成{pack['week']}周调度材料：{out}")
    h = pack["headline"]
    emit({"status": "ok", "out": str(out), "week": pack["week"], "reporting_day": pack["reporting_day"],
          "new_started_households": h["new_started_households"], "new_completed_households": h["new_completed_households"],
          "not_reported": [r["name"] for r in pack["not_reported"].to_dict("records")],
          "stalled_communities": len(pack["stalled_communities"]), "open_actions": None if pack["actions"] is None else len(pack["actions"])})  # None: not for the public


def cmd_bulletin(args):
    store = _store(args)
    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        raise UserError("月通报输出文件须以 .docx 结尾。", "--out must end in .docx.")
    rule = bulletin.Rule(top_n=args.top)
    data = bulletin.bulletin_docx(store, args.programme, args.month, charts=not args.no_charts, rule=rule,
                                  viewer=_viewer(args))
    out.write_bytes(data)
    info = bulletin.bulletin_json(store, args.programme, args.month, rule=rule, viewer=_viewer(args))
    say(f"已生成月通报：{out}（{info['title']}，截至{info['cutoff']}）")
    emit({"status": "ok", "out": str(out), **info})


def cmd_forecast(args):
    emit(forecast.forecast(_store(args), args.programme, as_of=args.as_of))


def cmd_discipline(args):
    emit(discipline.week_summary(_store(args), args.programme, args.week))


def cmd_calendar(args):
    _refuse_public(args)
    store = _store(args, write=True)
    out = discipline.set_calendar(store, args.programme, weekday=args.weekday, deadline_hhmm=args.deadline,
                                  actor=_actor(store, args.user))
    say(f"已设置报送时限：{discipline.calendar_text(metrics.get_programme(store, args.programme))}。")
    emit(out)


def cmd_zone(args):
    """Zones (开发区, 新区 … with a code of their own) and aliases (another name of a region)."""
    if args.zone_command == "list":
        emit(zones.list_zones(_store(args)))
        return
    _refuse_public(args)
    store = _store(args, write=True)
    actor = _actor(store, args.user)
    if args.zone_command == "add":
        out = zones.add_zone(store, actor, args.name, args.parent, code=args.code, lon=args.lon, lat=args.lat,
                             programme=args.programme, note=args.note)
        say(f"已添加功能区“{out['name']}”（{out['adcode']}），上级：{out['path']}。")
    elif args.zone_command == "alias":
        out = zones.add_alias(store, actor, args.name, args.region, programme=args.programme)
        say(f"已登记别名“{out['name']}”＝{out['region']}。")
    else:
        out = zones.remove(store, actor, args.what)
        say(f"已删除{'别名' if out['removed'] == 'alias' else '功能区'}“{out['name']}”。")
    emit(out)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m lib.cli", description="城镇老旧小区改造 dashboard: command line")
    p.add_argument("--db", help="database URL (default: DATABASE_URL or data/renovation.db)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("init", help="create or migrate the schema").set_defaults(func=cmd_init)
    sub.add_parser("demo", help="load the demonstration programmes (idempotent)").set_defaults(func=cmd_demo)
    sub.add_parser("programmes", help="list programmes with their targets").set_defaults(func=cmd_programmes)

    s = sub.add_parser("programme", help="create, update, archive or delete a programme (admin)")
    ps = s.add_subparsers(dest="programme_command", required=True, parser_class=_Parser)
    for verb in ("create", "update"):
        c = ps.add_parser(verb, help=f"{verb} a programme and its settings")
        if verb == "update":
            c.add_argument("id", help="programme id or code")
        c.add_argument("--name", required=verb == "create")
        c.add_argument("--region", required=verb == "create", help="adcode or name (100000 = the nation)")
        c.add_argument("--years", required=verb == "create", help="2022 or 2022-2024")
        if verb == "create":
            c.add_argument("--code", help="a short code of your own (default: REGION-YEARS)")
        c.add_argument("--source", help="the programme's document (title, number)")
        c.add_argument("--season-start", dest="season_start", help="construction season start MM-DD")
        c.add_argument("--season-end", dest="season_end", help="construction season end MM-DD")
        c.add_argument("--report-weekday", dest="report_weekday", type=int, help="0 = Monday ... 6 = Sunday")
        c.add_argument("--report-deadline", dest="report_deadline", help="HH:MM, Beijing time")
        c.add_argument("--eligibility-year", dest="eligibility_year", type=int,
                       help="communities built before the end of this year are eligible (default 2000)")
        c.add_argument("--subsidy", help="per_household_wan=1.5,per_lift_wan=15")
        c.add_argument("--metrics", help="counted metrics, e.g. communities,households,pilots")
        c.add_argument("--closing", help="when a reporting week counts as closed: 50%% of the expected "
                                          "reporters (default), optionally ,72h after the deadline")
        c.add_argument("--review", help="review of a county's weekly upload: none (counts at once, the default), "
                                        "prefecture, or prefecture,province (two steps)")
        c.add_argument("--user", help="acting administrator (default: system)")
        c.set_defaults(func=cmd_programme)
    for verb, text in (("archive", "archive a real programme (kept, listed last)"),
                       ("delete", "delete a demonstration programme or an empty one")):
        c = ps.add_parser(verb, help=text)
        c.add_argument("id", help="programme id or code")
        if verb == "archive":
            c.add_argument("--restore", action="store_true", help="bring an archived programme back")
        c.add_argument("--user", help="acting administrator (default: system)")
        c.set_defaults(func=cmd_programme)

    s = sub.add_parser("summary", help="targets against starts and completions")
    s.add_argument("--programme", required=True)
    s.add_argument("--region", help="adcode (default: the programme's region)")
    s.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD (default: the latest reported week)")
    s.add_argument("--by", choices=("prefecture", "county"))
    s.set_defaults(func=cmd_summary)

    s = sub.add_parser("checks", help="targets that do not add up, register against targets")
    s.add_argument("--programme", required=True)
    s.add_argument("--as-of", dest="as_of")
    s.set_defaults(func=cmd_checks)

    s = sub.add_parser("export", help="the register with its latest status, as .xlsx or .csv")
    s.add_argument("--programme", required=True)
    s.add_argument("--region")
    s.add_argument("--as-of", dest="as_of")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("import", help="check and store a register or weekly progress spreadsheet")
    s.add_argument("file")
    s.add_argument("--programme", required=True)
    s.add_argument("--county", help="the uploading county (adcode or name)")
    s.add_argument("--as-of", dest="as_of", help="report date YYYY-MM-DD (default: 填报日期 in the sheet)")
    s.add_argument("--user", help="acting user (default: system)")
    s.add_argument("--kind", choices=("register", "progress", "aggregate"),
                   help="default: detected (aggregate = a table of totals per county or prefecture)")
    s.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("targets", help="targets from a published 分县/分市 plan table")
    ts = s.add_subparsers(dest="targets_command", required=True, parser_class=_Parser)
    c = ts.add_parser("import", help="read a plan table in its published layout and set the targets it states")
    c.add_argument("file")
    c.add_argument("--programme", required=True)
    c.add_argument("--dry-run", action="store_true", help="check only, write nothing")
    c.add_argument("--user", help="acting administrator (default: system)")
    c.set_defaults(func=cmd_targets)

    s = sub.add_parser("rollback", help="undo an accepted upload as a whole (admin)")
    s.add_argument("upload", type=int)
    s.add_argument("--user")
    s.set_defaults(func=cmd_rollback)

    s = sub.add_parser("uploads", help="upload history")
    s.add_argument("--programme", required=True)
    s.add_argument("--county")
    s.set_defaults(func=cmd_uploads)

    s = sub.add_parser("template", help="the .xlsx template for a county")
    s.add_argument("--programme", required=True)
    s.add_argument("--county", required=True)
    s.add_argument("--kind", choices=("register", "progress"), default="progress")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_template)

    s = sub.add_parser("user", help="accounts: add, list, disable, enable, password")
    us = s.add_subparsers(dest="user_command", required=True, parser_class=_Parser)
    # allow_abbrev=False: `--password SECRET` must not be taken for `--password-file`
    u = us.add_parser("add", help="add an account (password from stdin or --password-file)", allow_abbrev=False)
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=("admin", "leader", "district"))
    u.add_argument("--scope", help="county or prefecture adcode (district accounts)")
    u.add_argument("--display-name", dest="display_name")
    u.add_argument("--password-file", dest="password_file")
    u.add_argument("--oidc-only", action="store_true", help="no password: sign in through the identity provider")
    us.add_parser("list", help="accounts (never the password hashes)")
    for name in ("disable", "enable", "password"):
        u = us.add_parser(name, allow_abbrev=False)
        u.add_argument("name")
        if name == "password":
            u.add_argument("--password-file", dest="password_file")
    s.set_defaults(func=cmd_user)

    s = sub.add_parser("backup", help="a consistent copy of the whole store")
    s.add_argument("--out", required=True)
    s.add_argument("--portable", action="store_true", help="zip of JSON lines (default for PostgreSQL)")
    s.add_argument("--force", action="store_true", help="overwrite an existing file")
    s.set_defaults(func=cmd_backup)

    s = sub.add_parser("restore", help="replace everything with a verified backup (one transaction)")
    s.add_argument("file")
    s.add_argument("--dry-run", dest="dry_run", action="store_true",
                   help="check the backup and show per table what would change; write nothing")
    s.add_argument("--unverified", action="store_true",
                   help="restore a backup made before checksums (tables and row counts are still checked)")
    s.set_defaults(func=cmd_restore)

    s = sub.add_parser("synth", help="synthetic national programme for scale tests (all 2,875 counties)")
    s.add_argument("--communities", type=int, required=True)
    s.add_argument("--weeks", type=int, default=52)
    s.add_argument("--seed", type=int, default=1)
    s.set_defaults(func=cmd_synth)

    s = sub.add_parser("rollups", help="county rollups: rebuild from the raw history, or check against it")
    s.add_argument("--programme", required=True)
    g = s.add_mutually_exclusive_group(required=True)
    g.add_argument("--rebuild", action="store_true")
    g.add_argument("--check", action="store_true")
    s.set_defaults(func=cmd_rollups)

    s = sub.add_parser("db-reader", help="PostgreSQL: create the read-only role for the public instance")
    s.add_argument("role")
    s.add_argument("--password-file", dest="password_file")
    s.add_argument("--no-password", action="store_true", help="no password (local trust or certificate auth)")
    s.set_defaults(func=cmd_db_reader)

    s = sub.add_parser("dispatch", help="weekly dispatch pack (周调度) as .xlsx or .docx")
    s.add_argument("--programme", required=True)
    s.add_argument("--week", required=True, help="ISO week, e.g. 2021-W24")
    s.add_argument("--out", required=True)
    s.set_defaults(func=cmd_dispatch)

    s = sub.add_parser("bulletin", help="monthly bulletin (月通报) as .docx")
    s.add_argument("--programme", required=True)
    s.add_argument("--month", required=True, help="YYYY-MM")
    s.add_argument("--out", required=True)
    s.add_argument("--top", type=int, default=5, help="praise at most the top N counties ahead of pace")
    s.add_argument("--no-charts", dest="no_charts", action="store_true")
    s.set_defaults(func=cmd_bulletin)

    s = sub.add_parser("forecast", help="year-end projection of starts and completions per county")
    s.add_argument("--programme", required=True)
    s.add_argument("--as-of", dest="as_of")
    s.set_defaults(func=cmd_forecast)

    s = sub.add_parser("discipline", help="who reported a week on time, late or not at all")
    s.add_argument("--programme", required=True)
    s.add_argument("--week", required=True)
    s.set_defaults(func=cmd_discipline)

    s = sub.add_parser("calendar", help="set a programme's weekly reporting day and deadline (Beijing time)")
    s.add_argument("--programme", required=True)
    s.add_argument("--weekday", type=int, required=True, help="0 = Monday ... 4 = Friday ... 6 = Sunday")
    s.add_argument("--deadline", required=True, help="HH:MM, Beijing time (e.g. 17:00)")
    s.add_argument("--user", help="acting administrator (default: system)")
    s.set_defaults(func=cmd_calendar)

    s = sub.add_parser("zone", help="zones (开发区, 新区 …) and aliases of regions: add, alias, list, remove")
    zs = s.add_subparsers(dest="zone_command", required=True, parser_class=_Parser)
    z = zs.add_parser("add", help="a reporting unit of its own under a parent region")
    z.add_argument("--name", required=True)
    z.add_argument("--parent", required=True, help="adcode or name of the parent region")
    z.add_argument("--code", help="its 6-digit 统计用区划代码 (default: a free code in the parent's range)")
    z.add_argument("--lon", type=float)
    z.add_argument("--lat", type=float)
    z.add_argument("--programme", help="the programme that reports by it (id or code)")
    z.add_argument("--note")
    z.add_argument("--user", help="acting administrator (default: system)")
    z = zs.add_parser("alias", help="another name of an existing region (西海岸新区 = 370211)")
    z.add_argument("--name", required=True)
    z.add_argument("--region", required=True, help="adcode or name of the region it means")
    z.add_argument("--programme")
    z.add_argument("--user")
    zs.add_parser("list", help="zones and aliases (JSON)")
    z = zs.add_parser("remove", help="remove an alias, or a zone nothing refers to")
    z.add_argument("what", help="alias name, or zone code or name")
    z.add_argument("--user")
    s.set_defaults(func=cmd_zone)

    # Commands kept in modules of their own (lib/cli/*.py), each adding its subparsers.
    for module in (review_commands, schedule_commands, publish_commands):
        module.register(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    import os

    logging.basicConfig(level=os.environ.get("LOGLEVEL", "WARNING").upper(), format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        args.config = load_config(database_url=args.db)  # every setting, resolved once for this command
        args.func(args)
    except UserError as e:
        say(e.zh)
        return getattr(e, "exit_code", 1)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `| head`: the reader left, nothing to report
        return 0
    except Exception as e:  # a bug: one sentence here, the traceback in the log
        log.debug("unexpected error", exc_info=True)
        say(f"内部错误（{type(e).__name__}），请联系管理员并附上命令。设置 LOGLEVEL=DEBUG 可查看详情。")
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            raise
        return 1
    return 0

