"""Helpers every command module shares: output as JSON on stdout, sentences on stderr, the store
opened for reading or writing, the acting account."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime

from lib.access import auth
from lib.access.auth import Actor
from lib.domain.errors import ReadOnlyStore, UserError
from lib.store.engine import open_store


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
    store = open_store(args.config.database_url, read_only=False if write else None, config=args.config)
    if write:
        store.migrate()
    elif not store.schema_ready():
        raise UserError("数据库尚未初始化，请先运行 python -m lib.cli init（或 demo）。",
                        "The store is empty: run `python -m lib.cli init` first.")
    return store


def _viewer(args) -> Actor:
    """Who reads through the command line: the public in the public configuration, else the system."""
    return Actor.public() if args.config.public else Actor.system()


def _refuse_public(args) -> None:
    if args.config.public:

        raise ReadOnlyStore("当前为公众只读配置（DASHBOARD_PUBLIC=1），不能通过命令行写入数据。",
                            "Writing is refused in the public read-only configuration.")


def _actor(store, username: str | None):
    """The acting user for a CLI write: --user NAME (must exist and be active) or the system."""

    if not username:
        return auth.Actor.system("cli")
    return auth.load_actor(store, username, via="cli")

