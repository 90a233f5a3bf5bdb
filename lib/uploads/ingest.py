"""District uploads: a spreadsheet in, checked row by row, stored all or nothing.

    check(store, data, filename, programme, actor=...)   -> Preview (nothing written)
    commit(store, data, filename, programme, actor=...)  -> Preview with status committed/rejected/unchanged
    rollback(store, upload_id, actor=...)                -> the upload's effect undone, audited

`commit` re-runs every check inside the write transaction (SQLite: BEGIN
IMMEDIATE; PostgreSQL: the same transaction), so two counties uploading at
once both land and a check never passes on figures that changed meanwhile.
A file with any error changes nothing. The raw file is kept with its sha256;
the same content uploaded again is "unchanged". Progress reports are only
ever appended; register changes keep the previous row in project_revision.
"""

from __future__ import annotations

import difflib
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from sqlalchemy import select, update

from lib.domain import clock
from lib.domain import vocabulary
from lib.domain import regions
from lib.domain.errors import NotFound, UserError
from lib.figures.metrics import get_programme, latest_report_id
from lib.store.models import (FUND_COLUMNS, Programme, ProgressReport, Project, ProjectRevision, Upload, UploadBlob,
                     utcnow)
from lib.uploads.reader import FIELD_LABELS_ZH, Issue, RawRow, ReadResult, read_workbook
from lib.store.engine import Abort, Store, audit
from lib.access import auth
from lib.figures import rollups
from lib.figures.metrics import parse_date
from lib.store.models import StoreMeta
from lib.access.auth import Actor

PCT_JUMP_WARNING = 50.0  # points in one week
CHINA_BBOX = (73.0, 18.0, 135.5, 53.6)

# What a progress row may carry into the store, in order.
_REPORT_FIELDS = ("stage", "started_on", "finished_on", "accepted_on", "progress_pct", "invested_wan",
                  "paid_wan", "lifts_added", "problems")
_CUMULATIVE = ("progress_pct", "invested_wan", "paid_wan", "lifts_added")
_REGISTER_UPDATABLE = ("name", "street", "community", "address", "lon", "lat", "year_built", "households",
                       "buildings", "floor_area_wan_m2", "planned_investment_wan", *FUND_COLUMNS, "content",
                       "lifts_planned", "implementing_body", "planned_start", "planned_finish",
                       "plan_year_start", "plan_year_end", "pilot", "remarks")


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
    changes: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    upload_id: int | None = None
    counties: list[str] = field(default_factory=list)
    # the validated plan, applied by commit
    _version: int | None = field(default=None, repr=False)  # data version the checks saw
    _args: tuple = field(default=(), repr=False)
    _reports: list[dict] = field(default_factory=list, repr=False)
    _register: list[dict] = field(default_factory=list, repr=False)
    _read: ReadResult | None = field(default=None, repr=False)

    def to_dict(self) -> dict:
        status = {"ok": "dry-run"}.get(self.status, self.status)
        return {"status": status, "kind": self.kind, "rows": self.rows, "accepted": self.accepted,
                "rejected": self.rejected, "report_date": self.report_date,
                "errors": [_issue_dict(i) for i in self.errors],
                "warnings": [_issue_dict(i) for i in self.warnings],
                "changes": self.changes, "notes": self.notes, "upload_id": self.upload_id,
                "sha256": self.sha256, "filename": self.filename}


def _issue_dict(i: Issue) -> dict:
    return {"sheet": i.sheet, "row": i.row, "column": i.column, "value": i.value, "message": i.message}


_Report = __import__("collections").namedtuple("_Report", [c.name for c in ProgressReport.__table__.columns])


class _Ctx:
    """What the checks need to know about the store, loaded once per upload."""

    def __init__(self, s, prog: Programme, report_date: date | None):
        self.prog = prog
        # Core rows, not ORM objects: ten times cheaper for a 10,000-community upload.
        projects = s.execute(select(Project.__table__).where(Project.programme_id == prog.id)).all()
        self.by_code = {p.code: p for p in projects}
        self.by_id = {p.id: p for p in projects}
        self.by_county_name: dict[tuple[str, str], list[Project]] = defaultdict(list)
        self.by_name: dict[str, list[Project]] = defaultdict(list)
        for p in projects:
            self.by_county_name[(p.county_adcode, p.name)].append(p)
            self.by_name[p.name].append(p)
        self.last: dict[int, ProgressReport] = {}
        self.same_week: dict[int, ProgressReport] = {}
        if report_date is not None and projects:
            r = ProgressReport
            rows = s.execute(select(Project.id, *r.__table__.columns).select_from(Project)
                             .join(r, r.id == latest_report_id(report_date))
                             .where(Project.programme_id == prog.id)).all()
            # The baseline is the last accepted report on or before this week,
            # a colleague's upload for the same week included.
            for row in rows:
                pid, rep = row[0], _Report(*row[1:])
                if rep.report_date == report_date:
                    self.same_week[pid] = rep
                self.last[pid] = rep


# --- entry points ----------------------------------------------------------------------

def check(store: Store, data: bytes, filename: str, programme: int | str, *, actor=None,
          county: str | None = None, as_of: date | str | None = None, kind: str | None = None,
          max_bytes: int | None = None, max_rows: int | None = None) -> Preview:
    """Read and check a file against the store; write nothing."""
    prog = get_programme(store, programme)
    pv, read = _read(store, data, filename, kind, max_bytes, max_rows)
    if read is None:
        return pv
    act = _actor(actor)
    with store.session() as s:
        pv._version = _version(s)
        _validate(s, prog, pv, read, act, county, _as_date(as_of))
    pv._args = (prog.id, act.username, county, _as_date(as_of), kind)
    return pv


def commit(store: Store, data: bytes, filename: str, programme: int | str, *, actor=None,
           county: str | None = None, as_of: date | str | None = None, kind: str | None = None,
           max_bytes: int | None = None, max_rows: int | None = None, preview: Preview | None = None) -> Preview:
    """Check and, if there is no error, store the file in one transaction.

    `preview` (from `check` on the same bytes and arguments) saves reading the
    file again; its checks are reused only if no write has happened since
    (the data version, read under the write lock, is unchanged), else redone.
    """
    act = _actor(actor)
    _require(act, "upload", county)
    prog = get_programme(store, programme)
    args = (prog.id, act.username, county, _as_date(as_of), kind)
    if preview is not None and preview._read is not None and preview._args == args \
            and preview.sha256 == hashlib.sha256(data).hexdigest() and preview.status == "ok":
        pv, read = preview, preview._read
    else:
        preview = None
        pv, read = _read(store, data, filename, kind, max_bytes, max_rows)
    if read is None:
        return pv
    with store.session() as s:  # fast path: same file already accepted
        dup = s.scalar(select(Upload.id).where(Upload.programme_id == prog.id, Upload.sha256 == pv.sha256,
                                               Upload.status == "committed"))
    if dup is not None:
        pv.status, pv.upload_id = "unchanged", dup
        pv.notes.append(f"该文件（内容相同）已于第 {dup} 号上传批次导入，本次未做任何修改。")
        return pv

    with store.write() as s:
        if preview is None or _version(s) != preview._version:
            if preview is not None:  # someone wrote meanwhile: check again from scratch
                pv, read = _read(store, data, filename, kind, max_bytes, max_rows)
            _validate(s, prog, pv, read, act, county, _as_date(as_of))
        if pv.errors:
            raise Abort
        if not pv._reports and not pv._register:
            pv.status = "unchanged"
            pv.notes.append("文件中的数据与已入库的数据完全一致，本次未做任何修改。")
            raise Abort
        up = Upload(programme_id=prog.id, county_adcode=county, kind=pv.kind, filename=_safe_name(filename),
                    sha256=pv.sha256, size_bytes=pv.size_bytes, as_of=pv.report_date, uploaded_by=act.username,
                    status="committed", rows=pv.rows, accepted=pv.accepted,
                    warnings=[_issue_dict(w) for w in pv.warnings][:500],
                    summary={"changes": len(pv.changes), "counties": pv.counties})
        s.add(up)
        if s.get(UploadBlob, pv.sha256) is None:
            s.add(UploadBlob(sha256=pv.sha256, content=data))
        s.flush()
        if pv.kind == "progress":
            for rep in pv._reports:
                rep.update(upload_id=up.id, reported_by=act.username)
            s.execute(ProgressReport.__table__.insert(), pv._reports)
        else:
            _apply_register(s, prog, pv._register, up.id, act.username)
        first = min((r["report_date"] for r in pv._reports), default=pv.report_date)
        _refresh_rollups(s, prog.id, pv.counties, first)
        audit(s, act.username, "upload.commit", "upload", up.id, programme_id=prog.id,
              after={"kind": pv.kind, "filename": up.filename, "sha256": pv.sha256, "rows": pv.rows,
                     "accepted": pv.accepted, "report_date": str(pv.report_date), "counties": pv.counties})
        pv.status, pv.upload_id = "committed", up.id
    return pv


def rollback(store: Store, upload_id: int, *, actor=None) -> dict:
    """Undo an accepted upload as a whole: its reports stop counting, register rows return."""
    act = _actor(actor)
    _require(act, "rollback", None)
    with store.write() as s:
        up = s.get(Upload, int(upload_id))
        if up is None:
            raise NotFound(f"找不到第 {upload_id} 号上传批次。", f"No upload {upload_id}.")
        if up.status != "committed":
            raise UserError(f"第 {upload_id} 号上传批次已于 {up.rolled_back_at:%Y-%m-%d %H:%M} 回退，不能重复回退。",
                            f"Upload {upload_id} was already rolled back.")
        counties = list((up.summary or {}).get("counties") or [])
        first = up.as_of
        if up.kind == "progress":
            first = s.scalar(select(ProgressReport.report_date).where(ProgressReport.upload_id == up.id)
                             .order_by(ProgressReport.report_date).limit(1)) or up.as_of
            n = s.execute(update(ProgressReport).where(ProgressReport.upload_id == up.id)
                          .values(active=False)).rowcount
        else:
            n = _undo_register(s, up)
        up.status, up.rolled_back_at, up.rolled_back_by = "rolled_back", utcnow(), act.username
        _refresh_rollups(s, up.programme_id, counties, first)
        audit(s, act.username, "upload.rollback", "upload", up.id, programme_id=up.programme_id,
              before={"status": "committed"}, after={"status": "rolled_back", "rows": n})
    return {"status": "rolled_back", "upload_id": int(upload_id), "rows": n}


def uploads(store: Store, programme: int | str, county: str | None = None, *, viewer: Actor) -> list[dict]:
    """Upload history, newest first (uploader names are left out in public mode)."""
    public = not auth.sees_internal(viewer)
    prog = get_programme(store, programme)
    q = select(Upload).where(Upload.programme_id == prog.id).order_by(Upload.id.desc())
    if county:
        q = q.where(Upload.county_adcode == county)
    with store.session() as s:
        rows = s.scalars(q).all()
    return [{"id": u.id, "kind": u.kind, "filename": u.filename, "as_of": u.as_of, "county": u.county_adcode,
             "uploaded_at": u.uploaded_at, "uploaded_by": None if public else u.uploaded_by,
             "status": u.status, "rows": u.rows, "accepted": u.accepted,
             "warnings": len(u.warnings or []), "rolled_back_by": None if public else u.rolled_back_by}
            for u in rows]


def raw_file(store: Store, upload_id: int) -> tuple[str, bytes]:
    with store.session() as s:
        up = s.get(Upload, int(upload_id))
        if up is None:
            raise NotFound(f"找不到第 {upload_id} 号上传批次。", f"No upload {upload_id}.")
        blob = s.get(UploadBlob, up.sha256)
        return up.filename, blob.content


# --- reading ----------------------------------------------------------------------------------

def _read(store: Store, data: bytes, filename: str, kind, max_bytes, max_rows) -> tuple[Preview, ReadResult | None]:
    cfg = store.config
    pv = Preview(status="ok", kind=kind, filename=filename, sha256=hashlib.sha256(data).hexdigest(),
                 size_bytes=len(data), report_date=None)
    read = read_workbook(data, filename, max_bytes=max_bytes or cfg.upload_max_bytes,
                         max_rows=max_rows or cfg.upload_max_rows, kind=kind)
    pv._read = read
    pv.kind = read.kind or kind
    pv.notes.extend(read.notes)
    pv.errors.extend(read.errors)
    pv.warnings.extend(read.warnings)
    pv.rows = len(read.rows)
    if any(i.sheet is None and i.row is None for i in read.errors) or pv.kind is None:
        if pv.kind is None and not read.errors:
            pv.errors.append(Issue("error", None, None, None, None,
                                   "无法判断这是台账还是进度填报表：请使用系统模板，或在上传时选择表格类型。"))
        pv.status, pv.rejected = "rejected", pv.rows
        return pv, None
    return pv, read


# --- validation ----------------------------------------------------------------------------------

def _validate(s, prog: Programme, pv: Preview, read: ReadResult, act, county: str | None, as_of: date | None):
    rows = read.rows
    pv.report_date = as_of or read.report_date
    if county:
        county = regions.resolve(county, within=prog.region_adcode).adcode
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
    ctx = _Ctx(s, prog, pv.report_date)
    bad_rows: set[tuple[str, int]] = {(i.sheet, i.row) for i in read.errors if i.row}
    if pv.kind == "progress":
        _check_progress(ctx, pv, rows, act, county, bad_rows)
    else:
        _check_register(ctx, pv, rows, act, county, bad_rows)
    pv.errors.sort(key=lambda i: (i.sheet or "", i.row or 0))
    pv.rejected = len({(i.sheet, i.row) for i in pv.errors if i.row}) or (pv.rows if pv.errors else 0)
    pv.accepted = 0 if pv.errors else pv.rows
    if pv.errors:
        pv.status = "rejected"
        pv._reports, pv._register = [], []


def _col(row: RawRow, fld: str) -> str:
    return FIELD_LABELS_ZH.get(fld, fld)


def _err(pv: Preview, row: RawRow, fld: str | None, msg: str, value=None, warn: bool = False):
    shown = row.raw.get(fld) if fld and value is None else value
    issue = Issue("warning" if warn else "error", row.sheet, row.row_number, _col(row, fld) if fld else None,
                  None if shown is None else str(shown), msg)
    (pv.warnings if warn else pv.errors).append(issue)


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
    within = ctx.prog.region_adcode
    pref = row.values.get("prefecture")
    if pref:
        try:
            within = regions.resolve(pref, within=ctx.prog.region_adcode).adcode
        except UserError:
            pass
    try:
        return regions.resolve(str(text), within=within, level="county").adcode
    except UserError as e:
        _err(pv, row, "county", f"{_where(row)}：{e.zh}")
        return None


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
    for row in rows:
        v = row.values
        p = _find_project(ctx, pv, row, county)
        if p is None or not _scope_check(act, pv, row, p.county_adcode, county):
            continue
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
        if cur is not None and _comparable(_as_dict(cur)) == _comparable(rep):
            continue  # this week's figures are already in: nothing to add
        reports.append(rep)
        pv.changes.append(_diff(ctx, pid, rep))
    pv._reports = reports
    pv.counties = sorted(counties)


def _as_dict(r: ProgressReport) -> dict:
    return {f: getattr(r, f) for f in _REPORT_FIELDS}


def _comparable(rep: dict) -> tuple:
    return tuple(rep.get(f) for f in _REPORT_FIELDS if f != "problems")


def _progress_row(ctx: _Ctx, pv: Preview, row: RawRow, p: Project, day: date, today: date) -> dict | None:
    v = row.values
    ok = True
    stage_text = v.get("stage")
    stage = vocabulary.stage_from_text(stage_text) if stage_text else None
    if stage_text and stage is None:
        names = "、".join(s.zh for s in vocabulary.STAGES)
        _err(pv, row, "stage", f"{_where(row)}：阶段“{stage_text}”无法识别，请从下拉列表选择：{names}。")
        ok = False
    if stage is None and ok:
        last = ctx.last.get(p.id)
        if last is None:
            _err(pv, row, "stage", f"{_where(row)}：“{p.name}”的当前阶段未填写，请填写（如 开工、完工）。")
            ok = False
        else:
            stage = vocabulary.STAGE_BY_RANK[last.stage]
    pct = v.get("progress_pct")
    if pct is not None and not (0 <= pct <= 100):
        _err(pv, row, "progress_pct", f"{_where(row)}：形象进度 {pct:g}% 超出 0–100% 的范围，请改正。")
        ok = False
    for fld, label in (("invested_wan", "累计完成投资"), ("paid_wan", "累计支付资金"), ("lifts_added", "已加装电梯")):
        if v.get(fld) is not None and v[fld] < 0:
            _err(pv, row, fld, f"{_where(row)}：{label}不能为负数（填写的是 {v[fld]:g}），请改正。")
            ok = False
    for fld, label in (("started_on", "开工日期"), ("finished_on", "完工日期"), ("accepted_on", "验收日期")):
        d = v.get(fld)
        if d and (d > today or d > day):
            _err(pv, row, fld, f"{_where(row)}：{label} {d} 晚于填报日期 {day}，不能填写将来的日期。")
            ok = False
    if v.get("started_on") and v.get("finished_on") and v["started_on"] > v["finished_on"]:
        _err(pv, row, "finished_on", f"{_where(row)}：完工日期 {v['finished_on']} 早于开工日期 {v['started_on']}，请核对。")
        ok = False
    if not ok or stage is None:
        return None
    last = ctx.last.get(p.id)
    rep = {"project_id": p.id, "report_date": day, "stage": stage.rank,
           "started_on": v.get("started_on") or (last.started_on if last else None),
           "finished_on": v.get("finished_on") or (last.finished_on if last else None),
           "accepted_on": v.get("accepted_on") or (last.accepted_on if last else None),
           "progress_pct": pct if pct is not None else (last.progress_pct if last else None),
           "invested_wan": _first(v.get("invested_wan"), last and last.invested_wan),
           "paid_wan": _first(v.get("paid_wan"), last and last.paid_wan),
           "lifts_added": _first(v.get("lifts_added"), last and last.lifts_added),
           "problems": "；".join(x for x in (v.get("problems"), v.get("measures") and f"整改措施：{v['measures']}") if x)
           or None, "is_correction": bool(v.get("correction"))}
    if stage.rank < vocabulary.STARTED:
        rep["started_on"] = v.get("started_on")
    if last is not None:
        back = []
        if stage.rank < last.stage:
            back.append(f"阶段从“{vocabulary.STAGE_BY_RANK[last.stage].zh}”退回“{stage.zh}”")
        for fld, label in (("progress_pct", "形象进度"), ("invested_wan", "累计完成投资"), ("paid_wan", "累计支付资金"),
                           ("lifts_added", "已加装电梯")):
            old, new = getattr(last, fld), rep[fld]
            if old is not None and new is not None and new < old - 1e-9:
                back.append(f"{label}从 {old:g} 减少到 {new:g}")
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
    if rep["stage"] >= vocabulary.STARTED and rep["started_on"] is None:
        _err(pv, row, "started_on", f"{_where(row)}：阶段为“{stage.zh}”但未填开工日期，建议补填。", warn=True)
    if p.planned_investment_wan and rep["invested_wan"] and rep["invested_wan"] > p.planned_investment_wan * 1.0001:
        _err(pv, row, "invested_wan", f"{_where(row)}：累计完成投资 {rep['invested_wan']:g} 万元超过计划投资 "
                                      f"{p.planned_investment_wan:g} 万元，请确认。", warn=True)
    if rep["paid_wan"] and rep["invested_wan"] is not None and rep["paid_wan"] > rep["invested_wan"] * 1.0001:
        _err(pv, row, "paid_wan", f"{_where(row)}：累计支付资金 {rep['paid_wan']:g} 万元超过累计完成投资 "
                                  f"{rep['invested_wan']:g} 万元，请确认。", warn=True)
    return rep


def _first(a, b):
    return a if a is not None else (b or None) if b is not None else None


def _diff(ctx: _Ctx, pid: int, rep: dict) -> dict:
    p = ctx.by_id[pid]
    last = ctx.last.get(pid)
    old_stage = vocabulary.STAGE_BY_RANK[last.stage].zh if last else None
    return {"code": p.code, "name": p.name, "county": regions.get(p.county_adcode).name,
            "stage_before": old_stage, "stage_after": vocabulary.STAGE_BY_RANK[rep["stage"]].zh,
            "stage_changed": old_stage != vocabulary.STAGE_BY_RANK[rep["stage"]].zh,
            "pct_before": last.progress_pct if last else None, "pct_after": rep["progress_pct"],
            "invested_before": last.invested_wan if last else None, "invested_after": rep["invested_wan"],
            "correction": rep["is_correction"]}


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
        rec["_registered_on"] = pv.report_date or clock.today()
        if existing is not None:
            changed = {k: (getattr(existing, k), rec[k]) for k in _REGISTER_UPDATABLE
                       if k in rec and rec[k] is not None and rec[k] != getattr(existing, k)}
            if not changed:
                continue
            rec["_project_id"] = existing.id
            pv.changes.append({"code": existing.code, "name": existing.name, "county": regions.get(adcode).name,
                               "change": "update", "fields": {k: [str(a), str(b)] for k, (a, b) in changed.items()}})
        else:
            pv.changes.append({"code": rec["code"], "name": name, "county": regions.get(adcode).name,
                               "change": "new", "fields": {}})
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
    for fld in ("households", "buildings", "floor_area_wan_m2", "planned_investment_wan", "lifts_planned",
                *FUND_COLUMNS):
        if v.get(fld) is not None and v[fld] < 0:
            _err(pv, row, fld, f"{_where(row)}：{FIELD_LABELS_ZH.get(fld, fld)}不能为负数，请改正。")
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
    for fld in ("code", "name", "street", "community", "address", "implementing_body"):
        # a 10 MB cell must be a sentence, not a database error (PostgreSQL) or a 10 MB row (SQLite)
        limit = Project.__table__.c[fld].type.length
        if v.get(fld) is not None and len(str(v[fld])) > limit:
            _err(pv, row, fld, f"{_where(row)}：{FIELD_LABELS_ZH.get(fld, fld)}超过 {limit} 个字符，请精简后再上传。")
            ok = False
    years = _plan_years(v.get("plan_years"))
    if v.get("plan_years") and years is None:
        _err(pv, row, "plan_years", f"{_where(row)}：改造年度“{v['plan_years']}”无法识别，请写成 2021 或 2021-2022。")
        ok = False
    if not ok:
        return None
    funds = {f: v.get(f) for f in FUND_COLUMNS}
    inv = v.get("planned_investment_wan")
    total = sum(x for x in funds.values() if x)
    if inv and total and total > inv * 1.0001:
        _err(pv, row, "planned_investment_wan", f"{_where(row)}：各渠道资金合计 {total:g} 万元超过计划总投资 {inv:g} 万元，请核对。",
             warn=True)
    remarks = v.get("remarks")
    if unknown:
        remarks = "；".join(x for x in (remarks, "改造内容：" + "、".join(unknown)) if x)
    pilot = v.get("pilot")
    if pilot is None and v.get("plan_years") and "试点" in str(v["plan_years"]):
        pilot = True
    return {"name": v["name"], "street": v.get("street"), "community": v.get("community"),
            "address": v.get("address"), "lon": lon, "lat": lat, "year_built": yb, "households": hh,
            "buildings": v.get("buildings"), "floor_area_wan_m2": v.get("floor_area_wan_m2"),
            "planned_investment_wan": inv, **funds,
            "content": ",".join(content_codes) if content_codes else None,
            "lifts_planned": v.get("lifts_planned"), "implementing_body": v.get("implementing_body"),
            "planned_start": v.get("planned_start"), "planned_finish": v.get("planned_finish"),
            "plan_year_start": years[0] if years else None, "plan_year_end": years[1] if years else None,
            "pilot": pilot, "remarks": remarks}


def _plan_years(text) -> tuple[int, int] | None:
    import re

    if not text:
        return None
    nums = [int(x) for x in re.findall(r"(?:19|20)\d{2}", str(text))]
    if not nums:
        return None
    return min(nums), max(nums)


def _apply_register(s, prog: Programme, plan: list[dict], upload_id: int, actor: str) -> None:
    used = set(s.scalars(select(Project.code).where(Project.programme_id == prog.id)).all())
    counters: dict[str, int] = defaultdict(int)
    for rec in plan:
        pid = rec.pop("_project_id", None)
        rec.pop("_registered_on", None) if pid is not None else None
        if pid is not None:
            p = s.get(Project, pid)
            before = {k: _jsonable(getattr(p, k)) for k in _REGISTER_UPDATABLE}
            for k in _REGISTER_UPDATABLE:
                if rec.get(k) is not None:
                    setattr(p, k, rec[k])
            p.upload_id, p.updated_at = upload_id, utcnow()
            s.add(ProjectRevision(project_id=p.id, upload_id=upload_id, changed_by=actor, before=before,
                                  after={k: _jsonable(getattr(p, k)) for k in _REGISTER_UPDATABLE}))
        else:
            code = rec.pop("code", None)
            if not code:  # a stable code for a community sent without one
                while True:
                    counters[rec["county_adcode"]] += 1
                    code = f"{rec['county_adcode']}-{counters[rec['county_adcode']]:04d}"
                    if code not in used:
                        break
            used.add(code)
            p = Project(programme_id=prog.id, code=code, registered_on=rec["_registered_on"], upload_id=upload_id,
                        **{k: v for k, v in rec.items() if not k.startswith("_") and v is not None})
            if p.pilot is None:
                p.pilot = False
            s.add(p)
            s.flush()
            s.add(ProjectRevision(project_id=p.id, upload_id=upload_id, changed_by=actor, before=None,
                                  after={k: _jsonable(getattr(p, k)) for k in _REGISTER_UPDATABLE}))


def _undo_register(s, up: Upload) -> int:
    revs = s.scalars(select(ProjectRevision).where(ProjectRevision.upload_id == up.id)
                     .order_by(ProjectRevision.id.desc())).all()
    for rev in revs:
        later = s.scalar(select(ProjectRevision.id).where(ProjectRevision.project_id == rev.project_id,
                                                          ProjectRevision.id > rev.id,
                                                          ProjectRevision.upload_id != up.id)
                         .join(Upload, Upload.id == ProjectRevision.upload_id)
                         .where(Upload.status == "committed").limit(1))
        if later is not None:
            raise UserError(f"第 {up.id} 号批次之后，已有第 {s.get(ProjectRevision, later).upload_id} 号批次修改了同一小区，"
                            "请先回退较新的批次。", "A newer upload changed the same communities: roll that back first.")
    n = 0
    for rev in revs:
        p = s.get(Project, rev.project_id)
        if rev.before is None:
            has_reports = s.scalar(select(ProgressReport.id).where(ProgressReport.project_id == p.id,
                                                                   ProgressReport.active.is_(True)).limit(1))
            if has_reports is not None:
                raise UserError(f"第 {up.id} 号批次新增的小区“{p.name}”已有进度填报，请先回退相关进度批次。",
                                "Communities added by this upload already have progress reports.")
            s.delete(p)
        else:
            for k, val in rev.before.items():
                setattr(p, k, _from_json(k, val))
        n += 1
    return n


def _jsonable(v):
    return v.isoformat() if isinstance(v, (date, datetime)) else v


def _from_json(key: str, v):
    if v is not None and key in ("planned_start", "planned_finish"):
        return date.fromisoformat(v)
    return v


# --- helpers ---------------------------------------------------------------------------------------

def _as_date(v) -> date | None:
    return parse_date(v)


def _version(s) -> int:
    v = s.scalar(select(StoreMeta.value).where(StoreMeta.key == "data_version"))
    return int(v or 0)


def _safe_name(filename: str) -> str:
    """Only the base name is kept: an upload's name is never a path."""
    import os
    import re

    base = os.path.basename(str(filename).replace("\\", "/")) or "upload"
    return re.sub(r"[\x00-\x1f]", "", base)[:200]


def _actor(actor):
    if actor is None:  # no acting user: refused by auth.require, never the system by default
        return auth.Actor.public()
    if isinstance(actor, str):
        return auth.Actor.system(actor)
    return actor


def _refresh_rollups(s, programme_id: int, counties: list[str], first: date | None) -> None:
    """The rollup contract (lib/rollups.py): recompute the touched counties from the first week touched."""

    rollups.refresh(s, programme_id, counties or None, first)


def _require(act, action: str, county: str | None) -> None:
    auth.require(act, action, county)
