"""Command line: `python -m lib.cli [--db URL] COMMAND ...`.

A thin shell over lib: it parses arguments, calls the same functions the
pages call, prints JSON on stdout and human messages on stderr.
Exit codes: 0 success, 1 refused input, 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import date, datetime
from pathlib import Path

from .errors import UserError

log = logging.getLogger("lib.cli")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # usage errors: exit 2 with one line
        self.print_usage(sys.stderr)
        print(f"用法错误：{message}", file=sys.stderr)
        raise SystemExit(2)


def _json_default(o):
    if isinstance(o, (date, datetime)):
        return o.isoformat()
    if hasattr(o, "item"):  # numpy scalars
        return o.item()
    raise TypeError(type(o).__name__)


def emit(obj) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2, default=_json_default)
    sys.stdout.write("\n")


def say(msg: str) -> None:
    print(msg, file=sys.stderr)


def _store(args, *, write: bool = False):
    from .store import open_store

    store = open_store(args.db, read_only=False if write else None)
    if write:
        store.migrate()
    elif not store.schema_ready():
        raise UserError("数据库尚未初始化，请先运行 python -m lib.cli init（或 demo）。",
                        "The store is empty: run `python -m lib.cli init` first.")
    return store


def _refuse_public(args) -> None:
    from .settings import load_config

    if load_config().public:
        from .errors import ReadOnlyStore

        raise ReadOnlyStore("当前为公众只读配置（DASHBOARD_PUBLIC=1），不能通过命令行写入数据。",
                            "Writing is refused in the public read-only configuration.")


# --- commands -------------------------------------------------------------------------

def cmd_init(args):
    _refuse_public(args)
    store = _store(args, write=True)
    say(f"数据库已就绪：{store!r}")
    emit({"status": "ok", "store": store.dialect, "data_version": store.data_version()})


def cmd_demo(args):
    from . import demo

    _refuse_public(args)
    store = _store(args, write=True)
    added = demo.load_demo(store)
    say("演示数据已加载。" if added else "演示数据已存在，未做任何修改。")
    emit({"status": "loaded" if added else "unchanged", "added": added})


def cmd_programmes(args):
    from . import metrics

    emit(metrics.list_programmes(_store(args)))


def cmd_summary(args):
    from . import metrics

    emit(metrics.summary(_store(args), args.programme, region=args.region, as_of=args.as_of, by=args.by))


def cmd_checks(args):
    from . import metrics

    emit(metrics.target_checks(_store(args), args.programme, as_of=args.as_of))


def cmd_export(args):
    from . import exports, metrics

    store = _store(args)
    df = metrics.register_table(store, args.programme, as_of=args.as_of, region=args.region)
    out = Path(args.out)
    n = exports.write_table(exports.register_for_export(df), out, sheet="项目台账")
    say(f"已导出 {n} 个小区到 {out}")
    emit({"status": "ok", "rows": n, "out": str(out)})


# --- review cycle: weekly dispatch, monthly bulletin, forecast, reporting discipline ------------

def cmd_dispatch(args):
    from . import dispatch
    from .settings import load_config

    store = _store(args)
    pack = dispatch.weekly_dispatch(store, args.programme, args.week, public=load_config().public)
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
          "stalled_communities": len(pack["stalled_communities"]), "open_actions": len(pack["actions"])})


def cmd_bulletin(args):
    from . import bulletin
    from .settings import load_config

    store = _store(args)
    out = Path(args.out)
    if out.suffix.lower() != ".docx":
        raise UserError("月通报输出文件须以 .docx 结尾。", "--out must end in .docx.")
    rule = bulletin.Rule(top_n=args.top)
    data = bulletin.bulletin_docx(store, args.programme, args.month, charts=not args.no_charts, rule=rule,
                                  public=load_config().public)
    out.write_bytes(data)
    info = bulletin.bulletin_json(store, args.programme, args.month, rule=rule)
    say(f"已生成月通报：{out}（{info['title']}，截至{info['cutoff']}）")
    emit({"status": "ok", "out": str(out), **info})


def cmd_forecast(args):
    from . import forecast

    emit(forecast.forecast(_store(args), args.programme, as_of=args.as_of))


def cmd_discipline(args):
    from . import discipline

    emit(discipline.week_summary(_store(args), args.programme, args.week))


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m lib.cli", description="城镇老旧小区改造 dashboard: command line")
    p.add_argument("--db", help="database URL (default: DATABASE_URL or data/renovation.db)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("init", help="create or migrate the schema").set_defaults(func=cmd_init)
    sub.add_parser("demo", help="load the demonstration programmes (idempotent)").set_defaults(func=cmd_demo)
    sub.add_parser("programmes", help="list programmes with their targets").set_defaults(func=cmd_programmes)

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

    return p


def main(argv: list[str] | None = None) -> int:
    import os

    logging.basicConfig(level=os.environ.get("LOGLEVEL", "WARNING").upper(), format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
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


if __name__ == "__main__":
    raise SystemExit(main())
