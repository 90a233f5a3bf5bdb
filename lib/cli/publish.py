"""Command-line verbs of this part of the dashboard, added to the CLI by lib.cli.build_parser.

`publish`: the static public edition (lib.publish.static), each closed week's overview, map and
rankings as HTML files in Chinese and English, for nginx or any web server to serve.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from lib.cli.common import _store, emit, say
from lib.domain.errors import UserError
from lib.figures import metrics
from lib.publish import static


def cmd_publish(args):
    store = _store(args)
    prog = metrics.get_programme(store, args.programme)
    weeks = None
    if args.week:
        try:
            weeks = [date.fromisoformat(w) for w in args.week]
        except ValueError:
            raise UserError("填报周请写成 YYYY-MM-DD，例如 --week 2021-11-26。",
                            "Write the week as YYYY-MM-DD, e.g. --week 2021-11-26.") from None
        closed = set(static.closed_weeks(store, prog.id))
        open_ = [w.isoformat() for w in weeks if w not in closed]
        if open_:
            raise UserError(f"只发布已截止的填报周：{'、'.join(open_)} 不是已截止的填报周。",
                            f"Only closed reporting weeks are published: {', '.join(open_)}.")
    out = static.publish(store, prog.id, Path(args.out), weeks=weeks)
    if out["weeks"]:
        say(f"已为计划“{prog.name}”生成公众版静态页面：{len(out['weeks'])} 个已截止的填报周，"
            f"{out['files']} 个页面，目录 {out['out']}（可用 nginx 或 python -m http.server 提供访问）。")
    else:
        say(f"计划“{prog.name}”还没有已截止的填报周，只写了首页和公共文件。")
    emit(out)


def register(sub) -> None:
    """Add this module's subcommands to the CLI's subparsers."""
    s = sub.add_parser("publish", help="static public edition: each closed week's public pages as HTML")
    s.add_argument("--programme", required=True)
    s.add_argument("--out", required=True, help="output directory (served by nginx or python -m http.server)")
    s.add_argument("--week", action="append", help="only this closed week (YYYY-MM-DD; repeatable)")
    s.set_defaults(func=cmd_publish)
