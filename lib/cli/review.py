"""Command-line verbs of the review workflow (上报→审核→退回), added to the CLI by lib.cli.build_parser.

    review list --programme ID [--status submitted|approved|returned|withdrawn] [--user U]
    review approve UPLOAD_ID --user U
    review return UPLOAD_ID --reason TEXT --user U
    review reopen COUNTY --week W --reason TEXT --user U
    review figures --programme ID [--until DATE] [--region CODE]

JSON on stdout; a sentence on stderr and exit 1 when the account may not, or the submission has moved on.
"""

from __future__ import annotations

from lib.access.auth import Actor
from lib.cli.common import _Parser, _actor, _refuse_public, _store, _viewer, emit, say
from lib.domain import clock
from lib.uploads.submissions import LEVEL_ZH
from lib.workflow import review


def cmd_review(args) -> None:
    verb = args.review_command
    if verb in ("list", "figures"):
        store = _store(args)
        viewer: Actor = _actor(store, args.user) if args.user else _viewer(args)
        if verb == "list":
            emit(review.submissions_list(store, args.programme, viewer=viewer, status=args.status))
            return
        out = review.figures(store, args.programme, args.until or clock.today(), region=args.region)
        out["by_county"] = out["by_county"].astype(object).where(out["by_county"].notna(), None).to_dict("records")
        emit(out)
        return
    _refuse_public(args)
    store = _store(args, write=True)
    actor = _actor(store, args.user)
    if verb == "approve":
        out = review.approve(store, args.upload, actor=actor)
        say(f"第 {out['upload_id']} 号填报已通过{LEVEL_ZH[out['level']]}审核，" +
            (f"转{LEVEL_ZH[out['next']]}审核。" if out["next"] else f"已计入数据（{out['rows_counted']} 行），该县该周已锁定。"))
    elif verb == "return":
        out = review.return_(store, args.upload, args.reason, actor=actor)
        say(f"第 {out['upload_id']} 号填报已退回，理由：{out['reason']}")
    else:
        prog = args.programme or review.programme_of_lock(store, args.county, args.week)
        out = review.reopen(store, prog, args.county, args.week, args.reason, actor=actor)
        say(f"已重新开放 {out['county']} 在 {out['week']} 这一周的填报，可重新上传。")
    emit(out)


def register(sub) -> None:
    """Add this module's subcommands to the CLI's subparsers."""
    s = sub.add_parser("review", help="submissions and their review: list, approve, return (退回), reopen")
    rs = s.add_subparsers(dest="review_command", required=True, parser_class=_Parser)
    c = rs.add_parser("list", help="submissions with their status and history (JSON)")
    c.add_argument("--programme", required=True)
    c.add_argument("--status", choices=review.REVIEW_STATUSES)
    c.add_argument("--user", help="list as this account (default: the system)")
    c = rs.add_parser("approve", help="approve a submission at the level it awaits")
    c.add_argument("upload", help="upload id")
    c.add_argument("--user", required=True, help="the reviewing account")
    c = rs.add_parser("return", help="return (退回) a submission with a reason")
    c.add_argument("upload", help="upload id")
    c.add_argument("--reason", required=True)
    c.add_argument("--user", required=True, help="the reviewing account")
    c = rs.add_parser("reopen", help="open an approved county-week again, with a reason")
    c.add_argument("county", help="county code or name")
    c.add_argument("--week", required=True, help="2021-W24 or a date in that week")
    c.add_argument("--programme", help="programme id or code (default: the one that locked this county-week)")
    c.add_argument("--reason", required=True)
    c.add_argument("--user", required=True, help="the reviewing account")
    c = rs.add_parser("figures", help="submitted, approved, returned, time to review per county and reviewer")
    c.add_argument("--programme", required=True)
    c.add_argument("--until", help="YYYY-MM-DD (default: today)")
    c.add_argument("--region")
    c.add_argument("--user")
    s.set_defaults(func=cmd_review)
