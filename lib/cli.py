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
