"""The checks of an upload: every row against the store, before anything is written.

`validate` runs inside the caller's session (lib.uploads.ingest: a read session for
`check`, the write transaction for `commit`) and fills a `Preview`: errors and warnings
naming sheet, row and column, the changes the file would make, and the validated plan
(`_reports` for a progress report, `_register` for register rows) that `commit` applies.

A progress row must name a community of the programme's register (by code, or by name
within its county), inside the uploader's scope; its stage must be known; cumulative
figures (lib.domain.fields, Field.cumulative) may not go back unless marked as a
correction, against the community's last report on or before the week and, for a week
before its latest accepted one, against the next report after it too (the order of
uploads decides nothing); dates may not lie after the report date. A register row needs a name, a
county and (new communities) households; amounts are never negative; a project row's
number of communities (涉及小区数) is a positive whole number; coordinates lie in China;
texts fit their columns.

What the preview says is what the store would get. Every kind of change is counted
(`Preview.change_counts`: for a progress report each of `PROGRESS_CHANGES`, compared
with the community's last report; for a register "new" and each column of
`REGISTER_UPDATABLE` that changes), and `Preview.changes` lists only the rows that
change, each naming its changed fields with their values before and after. A progress
row that repeats last week's figures is still stored (the county reported this week)
but is no change. Internal fields (problems, remarks) are counted for every viewer
and shown only to a viewer who may see internal data.

Dates make sense for the programme's years: new register rows are registered on the
upload's date (chosen, or read from the title) or, with no date and a programme that
has ended, on the first day of its first year, never hidden by the server clock; the
rule used is a note of the preview. A date after the programme's last year is a
warning.
"""

from __future__ import annotations

import copy
import difflib
import functools
import operator
import re
from collections import defaultdict, namedtuple
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from lib.access import auth
from lib.domain import clock
from lib.domain import fields
from lib.domain import regions
from lib.domain import vocabulary
from lib.domain.errors import UserError
from lib.figures.metrics import latest_report_id
from lib.store.models import Programme, ProgressReport, Project
from lib.uploads.reader import Issue, RawRow, ReadResult, gc_paused

PCT_JUMP_WARNING = 50.0  # points in one week
CHINA_BBOX = (73.0, 18.0, 135.5, 53.6)

_PROJECT = Project.__table__.c
# What a progress row carries into the store, in order: the fields the progress report
# shares with the progress_report table (its date is the key, not a value).
_REPORT_FIELDS = tuple(f for f in fields.PROGRESS_FIELDS
                       if f in ProgressReport.__table__.c and f != "report_date")
# What a register row may change on a community already in the register (its code and
# county never change through an upload). A project row's number of communities
# (涉及小区数, Project.communities) is one of them whatever the field table says.
REGISTER_UPDATABLE = tuple(dict.fromkeys(
    [c for f in fields.REGISTER_FIELDS if f not in ("code", "county") for c in fields.stored_as(f) if c in _PROJECT]
    + ["communities"]))
# The kinds of change a progress row can make, each counted in the preview.
PROGRESS_CHANGES = _REPORT_FIELDS
# Shown in place of an internal value (problems, remarks) to a viewer who may not see it.
HIDDEN = "（内部信息，不予显示）"
_INTERNAL = frozenset(fields.INTERNAL) | {"problems", "remarks"}
CHANGE_ORDER = ("new",) + PROGRESS_CHANGES + REGISTER_UPDATABLE
_CUMULATIVE = tuple(f.key for f in fields.FIELDS if f.cumulative)
_REGISTER_AMOUNTS = tuple(f for f in fields.REGISTER_FIELDS if fields.get(f).is_amount and f != "communities")
_PROGRESS_AMOUNTS = tuple(f for f in fields.PROGRESS_FIELDS if fields.get(f).is_amount)
_EVENT_DATES = tuple(f for f in fields.PROGRESS_FIELDS if fields.get(f).type == "date" and f != "report_date")
# Register texts stored in a column of limited length.
_TEXT_LIMITS = {f: _PROJECT[f].type.length for f in fields.REGISTER_FIELDS
                if fields.get(f).type == "text" and f in _PROJECT and getattr(_PROJECT[f].type, "length", None)}


@dataclass
class Preview:
    """What an upload would do (or did): counts, errors, warnings and the changes."""

    status: str  # ok | rejected | committed | unchanged
    kind: str | None
    filename: str
    sha256: str
    size_bytes: int
    report_date: date | None
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    # Only the rows that change: {"code", "name", "county", "change": "new"|"update"|"report",
    # "fields": [changed keys], "before": {key: value}, "after": {key: value}, "correction": bool}
    changes: list[dict] = field(default_factory=list)
    # How many rows change each kind of value: {"stage": 3, "progress_pct": 2, ...}; register: {"new": n, column: n}
    change_counts: dict[str, int] = field(default_factory=dict)
    changed_rows: int = 0  # rows that change anything (== len(changes))
    registered_on: date | None = None  # the date new register rows are registered on
    notes: list[str] = field(default_factory=list)
    upload_id: int | None = None
    counties: list[str] = field(default_factory=list)
    # the validated plan, applied by commit
    _version: int | None = field(default=None, repr=False)  # data version the checks saw
    _args: tuple = field(default=(), repr=False)
    _reports: list[dict] = field(default_factory=list, repr=False)
    _register: list[dict] = field(default_factory=list, repr=False)
    _read: ReadResult | None = field(default=None, repr=False)

    def shown_to(self, viewer) -> "Preview":
        """This preview as `viewer` may see it: the changes of internal fields (problems, remarks)
        still named and counted, their text hidden unless the viewer may see internal data."""
        if auth.sees_internal(viewer):
            return self
        out = copy.copy(self)
        out.changes = copy.deepcopy(self.changes)
        _hide_internal(out)
        return out

    def to_dict(self) -> dict:
        status = {"ok": "dry-run"}.get(self.status, self.status)
        return {"status": status, "kind": self.kind, "rows": self.rows, "accepted": self.accepted,
                "rejected": self.rejected, "report_date": self.report_date,
                "errors": [issue_dict(i) for i in self.errors],
                "warnings": [issue_dict(i) for i in self.warnings],
                "changes": self.changes, "change_counts": self.change_counts, "changed_rows": self.changed_rows,
                "registered_on": self.registered_on, "notes": self.notes, "upload_id": self.upload_id,
                "sha256": self.sha256, "filename": self.filename}


def issue_dict(i: Issue) -> dict:
    return {"sheet": i.sheet, "row": i.row, "column": i.column, "value": i.value, "message": i.message}


# A community's report as the checks see it (a namedtuple: read by name fifty thousand times, where
# a database row's attribute lookup costs ten times more).
_Report = namedtuple("_Report", ("project_id", "report_date") + _REPORT_FIELDS)
# What a progress row's checks need of a community (a register's need every column).
_PROGRESS_PROJECT = ("id", "code", "name", "county_adcode", "planned_investment_wan")
_Community = namedtuple("_Community", _PROGRESS_PROJECT)


def _next_report_id(after: date):
    """Correlated lookup of a community's first active report after `after` (that week's latest correction)."""
    r = ProgressReport.__table__
    return (select(r.c.id)
            .where(r.c.project_id == _PROJECT.id, r.c.report_date > after, r.c.active.is_(True))
            .order_by(r.c.report_date.asc(), r.c.id.desc())
            .limit(1).correlate(Project.__table__).scalar_subquery())


class _Ctx:
    """What the checks need to know about the store, loaded once per upload: the programme's
    communities, and for a progress report each one's last report on or before its week and,
    when the week lies before a report already in, its next report after it. One query each,
    Core rows rather than ORM objects (a 50,000-row upload checks in a fraction of a second)."""

    def __init__(self, s, prog: Programme, report_date: date | None, kind: str | None = "progress"):
        self.prog = prog
        p_table, r_table = Project.__table__, ProgressReport.__table__
        columns = [p_table.c[c] for c in _PROGRESS_PROJECT] if kind == "progress" else [p_table]
        projects = s.execute(select(*columns).where(p_table.c.programme_id == prog.id)).all()
        if kind == "progress":
            projects = [_Community._make(p) for p in projects]
        self.by_code = {p.code: p for p in projects}
        self.by_id = {p.id: p for p in projects}
        self.by_county_name: dict[tuple[str, str], list[Project]] = defaultdict(list)
        self.by_name: dict[str, list[Project]] = defaultdict(list)
        for p in projects:
            self.by_county_name[(p.county_adcode, p.name)].append(p)
            self.by_name[p.name].append(p)
        self.last: dict[int, _Report] = {}
        self.same_week: dict[int, _Report] = {}
        self.next: dict[int, _Report] = {}
        self.row_counties: dict[tuple[str, str | None], str | UserError] = {}  # a row's county text -> adcode
        if kind != "progress" or report_date is None or not projects:
            return
        wanted = [p_table.c.id.label("project_id"), r_table.c.report_date, *(r_table.c[f] for f in _REPORT_FIELDS)]
        mine = p_table.c.programme_id == prog.id
        # The baseline is the last accepted report on or before this week,
        # a colleague's upload for the same week included.
        make = _Report._make
        self.last = {rep[0]: make(rep) for rep in s.execute(
            select(*wanted).select_from(p_table.join(r_table, r_table.c.id == latest_report_id(report_date)))
            .where(mine)).all()}
        self.same_week = {pid: rep for pid, rep in self.last.items() if rep.report_date == report_date}
        # A week before the latest accepted one is checked against its next neighbour as well; the
        # usual upload (this week, nothing later) pays for one probe only.
        later = s.execute(select(r_table.c.id).select_from(r_table.join(p_table, p_table.c.id == r_table.c.project_id))
                          .where(mine, r_table.c.report_date > report_date, r_table.c.active.is_(True)).limit(1)).first()
        if later is not None:
            self.next = {rep[0]: make(rep) for rep in s.execute(
                select(*wanted).select_from(p_table.join(r_table, r_table.c.id == _next_report_id(report_date)))
                .where(mine)).all()}


def validate(s, prog: Programme, pv: Preview, read: ReadResult, act, county: str | None, as_of: date | None):
    """Check every row; `county` is an adcode (lib.uploads.ingest looks a name up once, before)."""
    with gc_paused():
        _validate(s, prog, pv, read, act, county, as_of)


def _validate(s, prog: Programme, pv: Preview, read: ReadResult, act, county: str | None, as_of: date | None):
    rows = read.rows
    pv.report_date = as_of or read.report_date
    if county:
        county = regions.lookup(county, within=prog.region_adcode).adcode
    if pv.kind == "progress" and pv.report_date is None:
        dated = {r.values.get("report_date") for r in rows if r.values.get("report_date")}
        if len(dated) == 1:
            pv.report_date = dated.pop()
        elif not dated:
            pv.errors.append(Issue("error", None, None, None, None,
                                   "未找到填报日期：请在表头上方写明“填报日期：2021年6月18日”，"
                                   "或在上传时选择填报日期（命令行 --as-of）。"))
    if pv.report_date and pv.report_date > clock.today():
        pv.errors.append(Issue("error", None, None, "填报日期", str(pv.report_date),
                               f"填报日期 {pv.report_date} 晚于今天，请填写本周实际的填报日期。"))
    elif pv.report_date and pv.report_date.year > prog.year_end:
        pv.warnings.append(Issue("warning", None, None, "填报日期", str(pv.report_date),
                                 f"填报日期 {pv.report_date} 晚于本计划的年度（{_years(prog)}）："
                                 "请确认选择的计划和日期无误。"))
    ctx = _Ctx(s, prog, pv.report_date, pv.kind)
    bad_rows: set[tuple[str, int]] = {(i.sheet, i.row) for i in read.errors if i.row}
    if pv.kind == "progress":
        _check_progress(ctx, pv, rows, act, county, bad_rows)
    else:
        pv.registered_on, why = _register_date(prog, as_of, read.report_date)
        _check_register(ctx, pv, rows, act, county, bad_rows)
        if any(r.get("_project_id") is None for r in pv._register):
            _date_note(prog, pv, why)
        else:
            pv.registered_on = None  # no new community: no date needed
    _count_changes(pv)
    if not auth.sees_internal(act):
        _hide_internal(pv)
    pv.errors.sort(key=lambda i: (i.sheet or "", i.row or 0))
    pv.rejected = len({(i.sheet, i.row) for i in pv.errors if i.row}) or (pv.rows if pv.errors else 0)
    pv.accepted = 0 if pv.errors else pv.rows
    if pv.errors:
        pv.status = "rejected"
        pv._reports, pv._register = [], []


def _years(prog: Programme) -> str:
    return f"{prog.year_start}年" if prog.year_start == prog.year_end else f"{prog.year_start}–{prog.year_end}年"


def _register_date(prog: Programme, as_of: date | None, title_date: date | None) -> tuple[date, str]:
    """The date new register rows are registered on, and the rule that gave it (for the note).

    The upload's date when it has one (chosen at upload, or read from the file's title);
    otherwise, for a programme whose last year is over, the first day of its first year
    (a past year's register belongs to that year's figures); otherwise today.
    """
    today = clock.today()
    if as_of is not None:
        return as_of, f"上传时选择的日期 {as_of}"
    if title_date is not None:
        return title_date, f"表格标题中的日期 {title_date}"
    if prog.year_end < today.year:
        day = date(prog.year_start, 1, 1)
        return day, (f"本计划的起始日 {day}（本计划年度为{_years(prog)}，已结束，文件和上传时都没有给出日期；"
                     "如需按其他日期登记，请在上传时选择日期，命令行用 --as-of）")
    return today, f"今天 {today}（文件和上传时都没有给出日期）"


def _date_note(prog: Programme, pv: Preview, why: str) -> None:
    day = pv.registered_on
    pv.notes.append(f"登记日期按{why}：新增小区自 {day} 起计入统计。")
    if day.year > prog.year_end:
        pv.warnings.append(Issue("warning", None, None, "登记日期", str(day),
                                 f"登记日期 {day} 晚于本计划的年度（{_years(prog)}），新增小区不会计入"
                                 f"{prog.year_end}年及以前的统计；请确认日期和计划无误。"))


def _count_changes(pv: Preview) -> None:
    counts: dict[str, int] = {}
    for c in pv.changes:
        for k in (["new"] if c["change"] == "new" else c["fields"]):
            counts[k] = counts.get(k, 0) + 1
    pv.change_counts = {k: counts[k] for k in CHANGE_ORDER if k in counts}
    pv.changed_rows = len(pv.changes)


def _hide_internal(pv: Preview) -> None:
    """A viewer who may not see internal data learns that problems changed, not what they say."""
    for c in pv.changes:
        for side in ("before", "after"):
            for k in _INTERNAL & set(c[side]):
                if c[side][k] is not None:
                    c[side][k] = HIDDEN


def _differs(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is not b
        return abs(float(a) - float(b)) > 1e-9
    return a != b


def _err(pv: Preview, row: RawRow, fld: str | None, msg: str, value=None, warn: bool = False):
    """An error (or, with warn, a warning) on a row, in the column of `fld` (its template header)."""
    shown = row.raw.get(fld) if fld and value is None else value
    if fld in row.merged:  # the cell was merged with a row above: say so, not only "empty" or "went back"
        msg += row.merged[fld]
    issue = Issue("warning" if warn else "error", row.sheet, row.row_number, _column(fld) if fld else None,
                  None if shown is None else str(shown), msg)
    (pv.warnings if warn else pv.errors).append(issue)


def _column(fld: str) -> str:
    """The column a field is written in: its template header."""
    return fields.get(fld).zh if fld in fields.BY_KEY else _COLUMNS_ZH.get(fld, fld)


_COLUMNS_ZH = {"communities": "涉及小区数"}  # store columns the field table may not (yet) name


def _no_negatives(pv: Preview, row: RawRow, amounts: tuple[str, ...]) -> bool:
    """An error for each amount (count, area, money) below zero; True when there is none."""
    ok = True
    for fld in amounts:
        x = row.values.get(fld)
        if x is not None and x < 0:
            _err(pv, row, fld, f"{_where(row)}：{fields.get(fld).name_zh}不能为负数（填写的是 {x:g}），请改正。")
            ok = False
    return ok


def _where(row: RawRow) -> str:
    return f"“{row.sheet}”表第 {row.row_number} 行"


def _find_project(ctx: _Ctx, pv: Preview, row: RawRow, county: str | None) -> Project | None:
    v = row.values
    code = (v.get("code") or "").strip() if isinstance(v.get("code"), str) else v.get("code")
    name = v.get("name")
    row_county = _row_county(ctx, pv, row, county)
    if code:
        p = ctx.by_code.get(str(code))
        if p is None:
            close = difflib.get_close_matches(str(code), list(ctx.by_code), n=3, cutoff=0.6)
            hint = f"相近的编号：{'、'.join(close)}。" if close else ""
            _err(pv, row, "code", f"{_where(row)}：项目编号“{code}”不在本计划的台账中。{hint}"
                                  "请核对编号，新增小区请先上传台账。")
            return None
        if name and p.name != name and not _same_name(p.name, name):
            _err(pv, row, "name", f"{_where(row)}：项目编号 {code} 在台账中是“{p.name}”，与填写的“{name}”不一致，请核对。")
            return None
        return p
    if not name:
        _err(pv, row, "name", f"{_where(row)}：小区名称和项目编号都为空，请至少填写一项。")
        return None
    scope = row_county or county
    cands = ctx.by_county_name.get((scope, name), []) if scope else ctx.by_name.get(name, [])
    if not cands:
        cands = [p for p in (ctx.by_name.get(name.replace(" ", ""), []))
                 if scope is None or p.county_adcode == scope]
    if len(cands) == 1:
        return cands[0]
    if len(cands) > 1:
        where = "、".join(f"{regions.get(p.county_adcode).name}（编号 {p.code}）" for p in cands)
        _err(pv, row, "name", f"{_where(row)}：小区“{name}”在台账中有多个：{where}。请填写项目编号或所属县区。")
        return None
    pool = [p.name for p in ctx.by_code.values() if scope is None or p.county_adcode == scope]
    close = difflib.get_close_matches(name, pool, n=3, cutoff=0.5)
    hint = f"您是否要找：{'、'.join(close)}？" if close else "新增小区请先上传项目台账。"
    where = f"{regions.get(scope).name}的" if scope else "本计划"
    _err(pv, row, "name", f"{_where(row)}：{where}台账中没有名为“{name}”的小区。{hint}")
    return None


def _same_name(a: str, b: str) -> bool:
    return a.replace(" ", "").replace("　", "") == b.replace(" ", "").replace("　", "")


def _row_county(ctx: _Ctx, pv: Preview, row: RawRow, county: str | None) -> str | None:
    """The county a row names (resolved inside the uploader's county/prefecture or the programme)."""
    text = row.values.get("county")
    if not text:
        return None
    pref = row.values.get("prefecture")
    key = (str(text), pref)
    found = ctx.row_counties.get(key)
    if found is None:  # each name looked up once per upload, not once per row
        within = ctx.prog.region_adcode
        if pref:
            try:
                within = regions.lookup(pref, within=ctx.prog.region_adcode).adcode
            except UserError:
                pass
        try:
            found = regions.lookup(str(text), within=within, level="county").adcode
        except UserError as e:
            found = e
        ctx.row_counties[key] = found
    if isinstance(found, UserError):
        _err(pv, row, "county", f"{_where(row)}：{found.zh}")
        return None
    return found


def _scope_check(act, pv: Preview, row: RawRow, adcode: str, county: str | None) -> bool:
    if county and not regions.contains(county, adcode):
        _err(pv, row, "county", f"{_where(row)}：该小区属于{regions.get(adcode).name}，不属于本次上传的"
                                f"{regions.get(county).name}，请删除此行或由{regions.get(adcode).name}上传。",
             value=regions.get(adcode).name)
        return False
    if not auth.can(act, "upload", adcode):
        scope = regions.describe(act.scope_adcode) if act.scope_adcode else "任何地区"
        _err(pv, row, "county", f"{_where(row)}：该小区属于{regions.get(adcode).name}，不在账号“{act.username}”"
                                f"负责的{scope}范围内，不能由本账号上传；请删除此行或由该地区的账号上传。",
             value=regions.get(adcode).name)
        return False
    return True


def _check_progress(ctx: _Ctx, pv: Preview, rows: list[RawRow], act, county, bad_rows):
    today = clock.today()
    seen: dict[int, tuple[RawRow, dict]] = {}
    counties: set[str] = set()
    in_scope: set[str] = set()  # the counties this upload may report for (checked once each)
    for row in rows:
        v = row.values
        p = _find_project(ctx, pv, row, county)
        if p is None:
            continue
        if p.county_adcode not in in_scope:
            if not _scope_check(act, pv, row, p.county_adcode, county):
                continue
            in_scope.add(p.county_adcode)
        rc = _row_county(ctx, pv, row, None) if v.get("county") else None
        if rc and rc != p.county_adcode:
            _err(pv, row, "county", f"{_where(row)}：“{p.name}”在台账中属于{regions.get(p.county_adcode).name}，"
                                    f"表中填写的是{regions.get(rc).name}，请核对。")
            continue
        day = v.get("report_date") or pv.report_date
        if day is None:
            continue
        if v.get("report_date") and pv.report_date and v["report_date"] != pv.report_date:
            _err(pv, row, "report_date", f"{_where(row)}：填报日期 {v['report_date']} 与本表的填报日期 "
                                         f"{pv.report_date} 不一致；一个文件只填报一周，请分开上传。")
            continue
        rep = _progress_row(ctx, pv, row, p, day, today)
        if rep is None:
            continue
        if p.id in seen:
            other, other_rep = seen[p.id]
            if _comparable(other_rep) != _comparable(rep):
                _err(pv, row, "name", f"{_where(row)}：小区“{p.name}”在第 {other.row_number} 行已出现，且数值不同。"
                                      "同一小区每周只能填一行，请删除或合并重复行。")
            else:
                _err(pv, row, "name", f"{_where(row)}：与第 {other.row_number} 行重复（数值相同），只计一次。", warn=True)
            continue
        seen[p.id] = (row, rep)
        counties.add(p.county_adcode)
    reports = []
    for pid, (row, rep) in seen.items():
        if (row.sheet, row.row_number) in bad_rows:
            continue
        cur = ctx.same_week.get(pid)
        if cur is not None and (_unchanged(cur, rep) or not _report_changes(_as_dict(cur), rep)):
            continue  # this week's figures are already in: nothing to add
        reports.append(rep)
        diff = _diff(ctx, pid, rep)
        if diff is not None:
            pv.changes.append(diff)
    pv._reports = reports
    pv.counties = sorted(counties)


def _as_dict(r: _Report) -> dict:
    return {f: getattr(r, f) for f in _REPORT_FIELDS}


_REPORT_VALUES = operator.itemgetter(*_REPORT_FIELDS)


def _unchanged(before: _Report | None, rep: dict) -> bool:
    """Exactly the figures of `before`: the quick answer for most rows of a weekly upload
    (what differs exactly is then compared field by field, floats with a tolerance)."""
    return before is not None and before[2:] == _REPORT_VALUES(rep)


def _comparable(rep: dict) -> tuple:
    """Two rows of one file for the same community say the same if these agree (problems aside)."""
    return tuple(rep.get(f) for f in _REPORT_FIELDS if f != "problems")


def _report_changes(before: dict | None, rep: dict) -> list[str]:
    """The kinds of value (PROGRESS_CHANGES) in which `rep` differs from the report before it."""
    return [f for f in PROGRESS_CHANGES if _differs(before.get(f) if before else None, rep.get(f))]


# the reader gives each row's stage by the domain's name: a few words for 50,000 rows
_stage_of = functools.lru_cache(maxsize=256)(vocabulary.stage_from_text)


def _progress_row(ctx: _Ctx, pv: Preview, row: RawRow, p: Project, day: date, today: date) -> dict | None:
    v = row.values
    get = v.get
    ok = True
    stage_text = get("stage")
    stage = _stage_of(stage_text) if stage_text else None
    last = ctx.last.get(p.id)
    if "stage" in row.invalid_fields:
        ok = False  # the reader has said which word it could not read
    elif stage_text and stage is None:
        _err(pv, row, "stage", f"{_where(row)}：{vocabulary.stage_refusal(stage_text)}")
        ok = False
    elif stage is not None and last is not None and row.raw.get("stage") in vocabulary.NOT_STARTED_WORDS \
            and stage.rank < last.stage < vocabulary.STARTED:
        stage = vocabulary.STAGE_BY_RANK[last.stage]  # 未开工 said of a community already in 前期: still 前期
    if stage is None and ok:
        if last is None:
            _err(pv, row, "stage", f"{_where(row)}：“{p.name}”的当前阶段未填写，请填写（如 开工、完工）。")
            ok = False
        else:
            stage = vocabulary.STAGE_BY_RANK[last.stage]
    pct = get("progress_pct")
    if pct is not None and not (0 <= pct <= 100):
        _err(pv, row, "progress_pct", f"{_where(row)}：形象进度 {pct:g}% 超出 0–100% 的范围，请改正。")
        ok = False
    ok = _no_negatives(pv, row, _PROGRESS_AMOUNTS) and ok
    for fld in _EVENT_DATES:
        d = get(fld)
        if d and (d > today or d > day):
            _err(pv, row, fld, f"{_where(row)}：{fields.get(fld).name_zh} {d} 晚于填报日期 {day}，不能填写将来的日期。")
            ok = False
    started, finished = get("started_on"), get("finished_on")
    if started and finished and started > finished:
        _err(pv, row, "finished_on", f"{_where(row)}：完工日期 {finished} 早于开工日期 {started}，请核对。")
        ok = False
    if not ok or stage is None:
        return None
    if last is None:
        rep = {"project_id": p.id, "report_date": day, "stage": stage.rank, "started_on": started,
               "finished_on": finished, "accepted_on": get("accepted_on"), "progress_pct": pct,
               "invested_wan": get("invested_wan"), "paid_wan": get("paid_wan"), "lifts_added": get("lifts_added"),
               "problems": _problems(row, last), "is_correction": bool(get("correction"))}
    else:
        rep = {"project_id": p.id, "report_date": day, "stage": stage.rank,
               "started_on": started or last.started_on, "finished_on": finished or last.finished_on,
               "accepted_on": get("accepted_on") or last.accepted_on,
               "progress_pct": pct if pct is not None else last.progress_pct,
               "invested_wan": _first(get("invested_wan"), last.invested_wan),
               "paid_wan": _first(get("paid_wan"), last.paid_wan),
               "lifts_added": _first(get("lifts_added"), last.lifts_added),
               "problems": _problems(row, last), "is_correction": bool(get("correction"))}
    if stage.rank < vocabulary.STARTED:
        rep["started_on"] = started
    if last is not None:
        back = []
        if stage.rank < last.stage:
            back.append(f"阶段从“{vocabulary.STAGE_BY_RANK[last.stage].zh}”退回“{stage.zh}”")
        for fld in _CUMULATIVE:
            old, new = getattr(last, fld), rep[fld]
            if old is not None and new is not None and new < old - 1e-9:
                back.append(f"{fields.get(fld).name_zh}从 {old:g} 减少到 {new:g}")
        if back and not rep["is_correction"]:
            _err(pv, row, "stage" if "阶段" in back[0] else None,
                 f"{_where(row)}：“{p.name}”{'，'.join(back)}（上次填报 {last.report_date}）。"
                 "累计数不能倒退；如确属更正，请在“是否更正”列填“是”。")
            return None
        if back:
            _err(pv, row, None, f"{_where(row)}：“{p.name}”{'，'.join(back)}，已按更正记录，原填报保留在历史中。",
                 warn=True)
        if last.progress_pct is not None and rep["progress_pct"] is not None \
                and rep["progress_pct"] - last.progress_pct > PCT_JUMP_WARNING:
            _err(pv, row, "progress_pct", f"{_where(row)}：形象进度一周内从 {last.progress_pct:g}% 增加到 "
                                          f"{rep['progress_pct']:g}%，请确认。", warn=True)
    nxt = ctx.next.get(p.id) if ctx.next else None
    if nxt is not None and not _next_agrees(ctx, pv, row, p, rep, nxt):
        return None
    if rep["stage"] >= vocabulary.STARTED and rep["started_on"] is None:
        _err(pv, row, "started_on", f"{_where(row)}：阶段为“{stage.zh}”但未填开工日期，建议补填。", warn=True)
    if p.planned_investment_wan and rep["invested_wan"] and rep["invested_wan"] > p.planned_investment_wan * 1.0001:
        _err(pv, row, "invested_wan", f"{_where(row)}：累计完成投资 {rep['invested_wan']:g} 万元超过计划投资 "
                                      f"{p.planned_investment_wan:g} 万元，请确认。", warn=True)
    if rep["paid_wan"] and rep["invested_wan"] is not None and rep["paid_wan"] > rep["invested_wan"] * 1.0001:
        _err(pv, row, "paid_wan", f"{_where(row)}：累计支付资金 {rep['paid_wan']:g} 万元超过累计完成投资 "
                                  f"{rep['invested_wan']:g} 万元，请确认。", warn=True)
    return rep


def _next_agrees(ctx: _Ctx, pv: Preview, row: RawRow, p: Project, rep: dict, nxt: _Report) -> bool:
    """A report for a week before the community's latest accepted one must not lie above the next
    accepted report (else the history would go back in that next week), unless it is marked as a
    correction: then it is stored with a warning. False when the row is refused."""
    ahead = []
    if rep["stage"] > nxt.stage:
        ahead.append(f"阶段“{vocabulary.STAGE_BY_RANK[rep['stage']].zh}”晚于 {nxt.report_date} 已填报的"
                     f"“{vocabulary.STAGE_BY_RANK[nxt.stage].zh}”")
    for fld in _CUMULATIVE:
        later, new = getattr(nxt, fld), rep[fld]
        if later is not None and new is not None and new > later + 1e-9:
            ahead.append(f"{fields.get(fld).name_zh} {new:g} 大于 {nxt.report_date} 已填报的 {later:g}")
    if not ahead:
        return True
    said = f"{_where(row)}：“{p.name}”本次填报的是 {rep['report_date']}，早于已入库的 {nxt.report_date} 的填报，但{'，'.join(ahead)}"
    if not rep["is_correction"]:
        _err(pv, row, "stage" if ahead[0].startswith("阶段") else None,
             f"{said}；按此导入，累计数到 {nxt.report_date} 会倒退。请核对本次数字（或先更正 {nxt.report_date} 的填报）；"
             "如确属更正，请在“是否更正”列填“是”。")
        return False
    _err(pv, row, None, f"{said}；已按更正记录，原填报保留在历史中。", warn=True)
    return True


def _first(a, b):
    """This week's figure, else last week's (a zero stays a zero)."""
    return a if a is not None else b


def _problems(row: RawRow, last) -> str | None:
    """This week's problems (with the measures taken). A file without a problems or measures
    column says nothing about them: last week's stand; an empty cell means none."""
    v = row.values
    if "problems" not in row.raw and "measures" not in row.raw:
        return last.problems if last is not None else None
    return "；".join(x for x in (v.get("problems"), v.get("measures") and f"整改措施：{v['measures']}") if x) or None


def _shown(fld: str, value):
    """A report's value as the preview shows it: a stage by its name, the rest as stored."""
    if fld == "stage" and value is not None:
        return vocabulary.STAGE_BY_RANK[value].zh
    return value


def _diff(ctx: _Ctx, pid: int, rep: dict) -> dict | None:
    """The row's changes against the community's last report; None when it changes nothing."""
    last = ctx.last.get(pid)
    if _unchanged(last, rep):
        return None
    p = ctx.by_id[pid]
    before = _as_dict(last) if last is not None else None
    changed = _report_changes(before, rep)
    if not changed:
        return None
    return {"code": p.code, "name": p.name, "county": regions.get(p.county_adcode).name, "change": "report",
            "fields": changed, "before": {f: _shown(f, before[f]) if before else None for f in PROGRESS_CHANGES},
            "after": {f: _shown(f, rep[f]) for f in PROGRESS_CHANGES}, "correction": rep["is_correction"]}


# --- register ------------------------------------------------------------------------------------

def _check_register(ctx: _Ctx, pv: Preview, rows: list[RawRow], act, county, bad_rows):
    seen: dict[str, RawRow] = {}
    counties: set[str] = set()
    plan = []
    for row in rows:
        v = row.values
        name = v.get("name")
        if not name:
            _err(pv, row, "name", f"{_where(row)}：小区名称为空，请填写。")
            continue
        adcode = _row_county(ctx, pv, row, county) if v.get("county") else county
        existing = ctx.by_code.get(str(v["code"])) if v.get("code") else None
        if adcode is None and existing is not None:
            adcode = existing.county_adcode
        if adcode is None:
            if v.get("county") is None:
                _err(pv, row, "county", f"{_where(row)}：所属县区为空，请填写县（市、区）名称，或在上传时选择县区。")
            continue
        if not regions.get(adcode).is_county:
            _err(pv, row, "county", f"{_where(row)}：“{v.get('county')}”不是县级行政区，请填写县（市、区）。")
            continue
        if not _scope_check(act, pv, row, adcode, county):
            continue
        if existing is None and not v.get("code"):
            same = ctx.by_county_name.get((adcode, name), [])
            existing = same[0] if len(same) == 1 else None
        if existing is not None and existing.county_adcode != adcode:
            _err(pv, row, "county", f"{_where(row)}：项目编号 {existing.code} 在台账中属于"
                                    f"{regions.get(existing.county_adcode).name}，不能改到{regions.get(adcode).name}。")
            continue
        key = existing.code if existing else (str(v.get("code")) if v.get("code") else f"{adcode}:{name}")
        if key in seen:
            _err(pv, row, "name", f"{_where(row)}：与第 {seen[key].row_number} 行是同一个小区，请删除或合并重复行。")
            continue
        seen[key] = row
        rec = _register_values(ctx, pv, row, adcode)
        if rec is None or (row.sheet, row.row_number) in bad_rows:
            continue
        rec["code"] = existing.code if existing else (str(v["code"]) if v.get("code") else None)
        rec["county_adcode"] = adcode
        if existing is not None:
            changed = [k for k in REGISTER_UPDATABLE
                       if rec.get(k) is not None and _differs(getattr(existing, k), rec[k])]
            if not changed:
                continue
            rec["_project_id"] = existing.id
            rec["_since"] = existing.registered_on
            pv.changes.append({"code": existing.code, "name": existing.name, "county": regions.get(adcode).name,
                               "change": "update", "fields": changed,
                               "before": {k: getattr(existing, k) for k in changed},
                               "after": {k: rec[k] for k in changed}, "correction": False})
        else:
            rec["_registered_on"] = rec["_since"] = pv.registered_on
            given = [k for k in REGISTER_UPDATABLE if rec.get(k) is not None]
            pv.changes.append({"code": rec["code"], "name": name, "county": regions.get(adcode).name,
                               "change": "new", "fields": given, "before": {},
                               "after": {k: rec[k] for k in given}, "correction": False})
        counties.add(adcode)
        plan.append(rec)
    pv._register = plan
    pv.counties = sorted(counties)


def _register_values(ctx: _Ctx, pv: Preview, row: RawRow, adcode: str) -> dict | None:
    v = row.values
    ok = True
    hh = v.get("households")
    if hh is None and not ctx.by_code.get(str(v.get("code"))):
        _err(pv, row, "households", f"{_where(row)}：改造户数为空，请填写（单位：户）。")
        ok = False
    ok = _no_negatives(pv, row, _REGISTER_AMOUNTS) and ok
    n = v.get("communities")
    if n is not None:
        if isinstance(n, bool) or not isinstance(n, (int, float)) or n < 1 or not float(n).is_integer():
            shown = row.raw.get("communities") or n
            what = fields.get("communities").name_zh if "communities" in fields.BY_KEY else _column("communities")
            _err(pv, row, "communities", f"{_where(row)}：{what}“{shown}”不是正整数；"
                                         "片区（连片）项目涉及几个小区就填几，单个小区填 1 或留空，请改正。")
            ok = False
    yb = v.get("year_built")
    if yb is not None and not (1900 <= yb <= clock.today().year):
        _err(pv, row, "year_built", f"{_where(row)}：建成年代 {yb} 不合理，请填写四位年份（如 1995）。")
        ok = False
    elif yb is not None and yb > vocabulary.ELIGIBILITY_BUILT_BEFORE:
        _err(pv, row, "year_built", f"{_where(row)}：“{v['name']}”建成于 {yb} 年，晚于2000年底；"
                                    "按政策可按比例纳入，请确认符合改造条件。", warn=True)
    lon, lat = v.get("lon"), v.get("lat")
    if (lon is None) != (lat is None):
        _err(pv, row, "lon" if lon is None else "lat", f"{_where(row)}：经度和纬度须同时填写或同时留空。")
        ok = False
    elif lon is not None and not (CHINA_BBOX[0] <= lon <= CHINA_BBOX[2] and CHINA_BBOX[1] <= lat <= CHINA_BBOX[3]):
        _err(pv, row, "lon", f"{_where(row)}：坐标（{lon}, {lat}）不在中国境内，请检查经纬度是否填反。")
        ok = False
    if v.get("planned_start") and v.get("planned_finish") and v["planned_start"] > v["planned_finish"]:
        _err(pv, row, "planned_finish", f"{_where(row)}：计划完工时间早于计划开工时间，请核对。")
        ok = False
    content_codes, unknown = vocabulary.content_from_text(v.get("content") or "")
    if unknown:
        _err(pv, row, "content", f"{_where(row)}：改造内容中“{'、'.join(unknown)}”未能归类，已原样保留在备注中。",
             warn=True)
    for fld, limit in _TEXT_LIMITS.items():
        # a 10 MB cell must be a sentence, not a database error (PostgreSQL) or a 10 MB row (SQLite)
        if v.get(fld) is not None and len(str(v[fld])) > limit:
            _err(pv, row, fld, f"{_where(row)}：{fields.get(fld).zh}超过 {limit} 个字符，请精简后再上传。")
            ok = False
    years = _plan_years(v.get("plan_years"))
    if v.get("plan_years") and years is None:
        _err(pv, row, "plan_years", f"{_where(row)}：改造年度“{v['plan_years']}”无法识别，请写成 2021 或 2021-2022。")
        ok = False
    if not ok:
        return None
    inv = v.get("planned_investment_wan")
    total = sum(v[f] for f in fields.FUND_FIELDS if v.get(f))
    if inv and total and total > inv * 1.0001:
        _err(pv, row, "planned_investment_wan", f"{_where(row)}：各渠道资金合计 {total:g} 万元超过计划总投资 {inv:g} 万元，请核对。",
             warn=True)
    remarks = v.get("remarks")
    if unknown:
        remarks = "；".join(x for x in (remarks, "改造内容：" + "、".join(unknown)) if x)
    pilot = v.get("pilot")
    if pilot is None and v.get("plan_years") and "试点" in str(v["plan_years"]):
        pilot = True
    rec = {c: v.get(c) for c in REGISTER_UPDATABLE}  # the columns as read; then those made from the cells:
    rec.update(communities=int(n) if n is not None else None,
               content=",".join(content_codes) if content_codes else None,
               plan_year_start=years[0] if years else None, plan_year_end=years[1] if years else None,
               pilot=pilot, remarks=remarks)
    return rec


def _plan_years(text) -> tuple[int, int] | None:
    if not text:
        return None
    nums = [int(x) for x in re.findall(r"(?:19|20)\d{2}", str(text))]
    if not nums:
        return None
    return min(nums), max(nums)

