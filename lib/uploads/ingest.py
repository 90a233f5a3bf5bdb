"""District uploads: a spreadsheet in, checked row by row, stored all or nothing.

    check(store, data, filename, programme, actor=...)   -> Preview (nothing written)
    commit(store, data, filename, programme, actor=...)  -> Preview with status committed/rejected/unchanged
    rollback(store, upload_id, actor=...)                -> the upload's effect undone, audited

The checks themselves are lib.uploads.checks. `commit` re-runs every check
inside the write transaction, under a lock on what it checks (SQLite: BEGIN
IMMEDIATE; PostgreSQL: an advisory lock per programme and county, see
lib.store.engine.lock_scope), so two counties uploading at once both land, two
clerks confirming the same county's week are checked one after the other, and
a check never passes on figures that changed meanwhile.
A file with any error changes nothing. The raw file is kept with its sha256;
the same content uploaded again (for the same report date) is "unchanged", and
`check` says so already, before anyone is asked to confirm; so does a file
whose figures are all in the store. Progress reports are only ever appended;
register changes keep the previous row in project_revision.
The uploading county may be given by name or code: it is resolved once, in the
programme's region, and its code is what both the checks and the store get.

Where the programme reviews uploads (lib.uploads.submissions), a county's progress upload is
stored as a submission: status "submitted", its rows inactive so that no figure counts them until
the last approval (lib.workflow.review); a newer submission for the same county-week withdraws the
pending one; an approved (locked) county-week refuses every upload until a reviewer reopens it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lib.access import auth
from lib.access.auth import Actor
from lib.domain import fields
from lib.domain import regions
from lib.domain.errors import NotFound, UserError
from lib.figures import rollups
from lib.figures.metrics import get_programme, parse_date
from lib.store import bulk
from lib.store.engine import Abort, Store, audit, lock_scope
from lib.store.models import Programme, ProgressReport, Project, ProjectRevision, StoreMeta, Upload, UploadBlob, utcnow
from lib.uploads.checks import CHANGE_ORDER, HIDDEN, REGISTER_UPDATABLE, Preview, issue_dict, validate
from lib.uploads import submissions
from lib.uploads.reader import Issue, ReadResult, read_workbook
from lib.store.models_review import ReviewLock

__all__ = ["Preview", "CHANGE_ORDER", "HIDDEN", "check", "commit", "rollback", "uploads", "raw_file"]

# Register dates kept as ISO text in a revision's before/after.
_DATES = tuple(c for c in REGISTER_UPDATABLE if c in fields.BY_KEY and fields.get(c).type == "date")

# --- entry points ----------------------------------------------------------------------

def check(store: Store, data: bytes, filename: str, programme: int | str, *, actor=None,
          county: str | None = None, as_of: date | str | None = None, kind: str | None = None,
          max_bytes: int | None = None, max_rows: int | None = None) -> Preview:
    """Read and check a file against the store; write nothing."""
    prog = get_programme(store, programme)
    act = _actor(actor)
    county = _county(county, prog)
    if county and auth.can(act, "upload"):  # an uploader learns now what commit would refuse
        _require(act, "upload", county)
    pv, read = _read(store, prog, data, filename, kind, max_bytes, max_rows)
    if read is None:
        return pv
    with store.session() as s:
        pv._version = _version(s)
        if _already(s, prog, pv, read, _as_date(as_of)):
            return pv
        _locked_first(s, prog, pv, read, act, county, _as_date(as_of))
        validate(s, prog, pv, read, act, county, _as_date(as_of))
        if pv.status == "ok" and pv.kind == "progress":  # what commit would refuse, said before confirming
            submissions.refuse_locked(s, prog, pv.counties, _days(pv))
    if pv.status == "ok" and not pv._reports and not pv._register:
        pv.status = "unchanged"
        pv.notes.append("文件中的数据与已入库的数据完全一致，无需导入。")
    elif pv.status == "ok" and submissions.levels_for(prog, act, pv.kind):
        steps = "、".join(submissions.LEVEL_ZH[x] for x in submissions.levels_for(prog, act, pv.kind))
        pv.notes.append(f"本计划的周进度实行审核（{steps}）：确认后为待审核的填报，审核通过后才计入各项数据。")
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
    prog = get_programme(store, programme)
    county = _county(county, prog)
    _require(act, "upload", county)
    args = (prog.id, act.username, county, _as_date(as_of), kind)
    if preview is not None and preview._read is not None and preview._args == args \
            and preview.sha256 == hashlib.sha256(data).hexdigest() and preview.status == "ok":
        pv, read = preview, preview._read
    else:
        preview = None
        pv, read = _read(store, prog, data, filename, kind, max_bytes, max_rows)
    if read is None:
        return pv
    with store.session() as s:  # fast path: same file already accepted
        if _already(s, prog, pv, read, _as_date(as_of)):
            return pv

    with store.write() as s:
        # What the checks read stays as read until this commits: SQLite began with BEGIN IMMEDIATE;
        # PostgreSQL takes the programme's and county's advisory lock. Then the file is looked up
        # again, so the same file sent twice at once is stored once.
        lock_scope(s, prog.id, _lock_counties(county))
        if _already(s, prog, pv, read, _as_date(as_of)):
            raise Abort
        _locked_first(s, prog, pv, read, act, county, _as_date(as_of))
        if preview is None or _version(s) != preview._version:
            if preview is not None:  # someone wrote meanwhile: check again from scratch
                pv, read = _read(store, prog, data, filename, kind, max_bytes, max_rows)
            validate(s, prog, pv, read, act, county, _as_date(as_of))
        if pv.errors:
            raise Abort
        if not pv._reports and not pv._register:
            pv.status = "unchanged"
            pv.notes.append("文件中的数据与已入库的数据完全一致，本次未做任何修改。")
            raise Abort
        if pv.kind == "progress":  # an approved county-week is locked, for everyone, until reopened
            submissions.refuse_locked(s, prog, pv.counties, _days(pv))
        levels = submissions.levels_for(prog, act, pv.kind)
        if levels and county is None and len(pv.counties) == 1:  # a submission is one county's: say which
            county = pv.counties[0]
        up = Upload(programme_id=prog.id, county_adcode=county, kind=pv.kind, filename=_safe_name(filename),
                    sha256=pv.sha256, size_bytes=pv.size_bytes, as_of=pv.report_date, uploaded_by=act.username,
                    status="submitted" if levels else "committed", rows=pv.rows, accepted=pv.accepted,
                    warnings=[issue_dict(w) for w in pv.warnings][:500],
                    summary={"changes": pv.changed_rows, "change_counts": pv.change_counts,
                             "counties": pv.counties},
                    review_chain=levels or None, review_step=levels[0] if levels else None)
        s.add(up)
        s.flush()
        # The same bytes may be stored meanwhile for another programme or date (not under this lock).
        s.execute(_insert(s)(UploadBlob).values(sha256=pv.sha256, content=data)
                  .on_conflict_do_nothing(index_elements=["sha256"]))
        # the first week the upload touches: its reports' week, or the earliest registration of a
        # community it adds or changes (a household count changed counts from then on)
        first = min([r["report_date"] for r in pv._reports] + [r["_since"] for r in pv._register if r.get("_since")],
                    default=pv.report_date)
        if pv.kind == "progress":
            for rep in pv._reports:  # a submission's rows count from its last approval on
                rep.update(upload_id=up.id, reported_by=act.username, active=not levels)
            bulk.insert_rows(s, ProgressReport.__table__, pv._reports)  # COPY on PostgreSQL
        else:
            _apply_register(s, prog, pv._register, up.id, act.username)
        if levels:
            _withdraw_pending(s, prog, up, act.username)
            submissions.record(s, up, prog, "submitted", act.username, level=levels[0])
        _refresh_rollups(s, prog.id, pv.counties, first)
        audit(s, act.username, "upload.submit" if levels else "upload.commit", "upload", up.id, programme_id=prog.id,
              after={"kind": pv.kind, "filename": up.filename, "sha256": pv.sha256, "rows": pv.rows,
                     "accepted": pv.accepted, "report_date": str(pv.report_date), "counties": pv.counties,
                     **({"status": "submitted", "review": levels} if levels else {})})
        pv.status, pv.upload_id = ("submitted" if levels else "committed"), up.id
    return pv


def rollback(store: Store, upload_id: int, *, actor=None) -> dict:
    """Undo an accepted upload as a whole: its reports stop counting, register rows return."""
    act = _actor(actor)
    _require(act, "rollback", None)
    with store.write() as s:
        up = s.get(Upload, int(upload_id))
        if up is None:
            raise NotFound(f"找不到第 {upload_id} 号上传批次。", f"No upload {upload_id}.")
        # an upload's programme and counties never change: lock them, then read its status afresh
        lock_scope(s, up.programme_id, _lock_counties(*((up.summary or {}).get("counties") or [None])))
        s.refresh(up)
        if up.status == "rolled_back":
            raise UserError(f"第 {upload_id} 号上传批次已于 {up.rolled_back_at:%Y-%m-%d %H:%M} 回退，不能重复回退。",
                            f"Upload {upload_id} was already rolled back.")
        if up.status != "committed":
            raise UserError(f"第 {upload_id} 号上传批次{submissions.STATUS_ZH.get(up.status, up.status)}，其数据从未计入，"
                            "无需回退；待审核的填报请由审核人在「填报审核」页面退回。",
                            f"Upload {upload_id} is {up.status}: its figures never counted, nothing to roll back.")
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
        if up.review_chain:  # an approved submission rolled back: its county-week is open again
            s.execute(ReviewLock.__table__.delete().where(ReviewLock.upload_id == up.id))
            submissions.record(s, up, s.get(Programme, up.programme_id), "rolled_back", act.username)
        _refresh_rollups(s, up.programme_id, counties, first)
        audit(s, act.username, "upload.rollback", "upload", up.id, programme_id=up.programme_id,
              before={"status": "committed"}, after={"status": "rolled_back", "rows": n})
    return {"status": "rolled_back", "upload_id": int(upload_id), "rows": n}


def uploads(store: Store, programme: int | str, county: str | None = None, *, viewer: Actor) -> list[dict]:
    """Upload history, newest first. Who uploaded or rolled back is internal: left out for the
    public, and for a district account outside its own county or prefecture."""
    prog = get_programme(store, programme)
    q = select(Upload).where(Upload.programme_id == prog.id).order_by(Upload.id.desc())
    if county:
        q = q.where(Upload.county_adcode == county)
    with store.session() as s:
        rows = s.scalars(q).all()
        events = submissions.history(s, [u.id for u in rows if u.review_chain])
    out = []
    for u in rows:
        hide = not auth.sees_internal_in(viewer, u.county_adcode)
        # a submission's steps (who approved or returned it, why) are internal like its uploader
        steps = [] if hide else events.get(u.id, [])
        returned = next((e for e in reversed(steps) if e["action"] == "returned"), None)
        out.append({"id": u.id, "kind": u.kind, "filename": u.filename, "as_of": u.as_of, "county": u.county_adcode,
                    "uploaded_at": u.uploaded_at, "uploaded_by": None if hide else u.uploaded_by,
                    "status": u.status, "rows": u.rows, "accepted": u.accepted,
                    "changes": (u.summary or {}).get("changes"), "warnings": len(u.warnings or []),
                    "rolled_back_by": None if hide else u.rolled_back_by,
                    "review_step": u.review_step, "return_reason": returned["reason"] if returned else None,
                    "review_history": steps})
    return out


def raw_file(store: Store, upload_id: int) -> tuple[str, bytes]:
    with store.session() as s:
        up = s.get(Upload, int(upload_id))
        if up is None:
            raise NotFound(f"找不到第 {upload_id} 号上传批次。", f"No upload {upload_id}.")
        blob = s.get(UploadBlob, up.sha256)
        return up.filename, blob.content


# --- reading ----------------------------------------------------------------------------------

def _read(store: Store, prog: Programme, data: bytes, filename: str, kind, max_bytes, max_rows
          ) -> tuple[Preview, ReadResult | None]:
    """Read the file; a date written without its year (3月底) is in the programme's first year."""
    cfg = store.config
    pv = Preview(status="ok", kind=kind, filename=filename, sha256=hashlib.sha256(data).hexdigest(),
                 size_bytes=len(data), report_date=None)
    read = read_workbook(data, filename, max_bytes=max_bytes or cfg.upload_max_bytes,
                         max_rows=max_rows or cfg.upload_max_rows, kind=kind, year=prog.year_start)
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


# --- the register: applied and undone, each change kept as a revision -------------------------

def _apply_register(s, prog: Programme, plan: list[dict], upload_id: int, actor: str) -> None:
    used = set(s.scalars(select(Project.code).where(Project.programme_id == prog.id)).all())
    counters: dict[str, int] = defaultdict(int)
    for rec in plan:
        pid = rec.pop("_project_id", None)
        rec.pop("_since", None)
        if pid is not None:
            p = s.get(Project, pid)
            before = {k: _jsonable(getattr(p, k)) for k in REGISTER_UPDATABLE}
            for k in REGISTER_UPDATABLE:
                if rec.get(k) is not None:
                    setattr(p, k, rec[k])
            p.upload_id, p.updated_at = upload_id, utcnow()
            s.add(ProjectRevision(project_id=p.id, upload_id=upload_id, changed_by=actor, before=before,
                                  after={k: _jsonable(getattr(p, k)) for k in REGISTER_UPDATABLE}))
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
                                  after={k: _jsonable(getattr(p, k)) for k in REGISTER_UPDATABLE}))


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
    if v is not None and key in _DATES:
        return date.fromisoformat(v)
    return v


# --- helpers ---------------------------------------------------------------------------------------

def _as_date(v) -> date | None:
    return parse_date(v)


def _county(county: str | None, prog: Programme) -> str | None:
    """The uploading county, given by name or code, as its code (inside the programme's region)."""
    if county is None or not str(county).strip():
        return None
    return regions.lookup(str(county), within=prog.region_adcode).adcode


def _already(s, prog: Programme, pv: Preview, read: ReadResult, as_of: date | None) -> bool:
    """The same file was already stored for this programme (and this report date, when known):
    mark the preview "unchanged" and say which upload holds it."""
    day = as_of or read.report_date
    q = select(Upload.id, Upload.as_of, Upload.status).where(Upload.programme_id == prog.id,
                                                             Upload.sha256 == pv.sha256,
                                                             Upload.status.in_(("committed", "submitted")))
    if day is not None:
        q = q.where(Upload.as_of == day)
    dup = s.execute(q.order_by(Upload.id.desc()).limit(1)).first()
    if dup is None:
        return False
    pv.status, pv.upload_id = "unchanged", dup.id
    when = f"（填报日期 {dup.as_of}）" if dup.as_of else ""
    done = "上报，正在审核" if dup.status == "submitted" else "导入"
    pv.notes.append(f"该文件（内容完全相同）已于第 {dup.id} 号上传批次{when}{done}，无需再次导入，本次不做任何修改。")
    return True


def _locked_first(s, prog: Programme, pv: Preview, read: ReadResult, act, county: str | None,
                  as_of: date | None) -> None:
    """A locked county-week is said before any row error: the county's file is not the problem."""
    if pv.kind != "progress":
        return
    day = as_of or read.report_date
    if county is None and act.role == "district" and act.scope_adcode:
        try:
            county = act.scope_adcode if regions.get(act.scope_adcode).is_county else None
        except NotFound:
            county = None
    if county and day:
        submissions.refuse_locked(s, prog, [county], [day])


def _days(pv: Preview) -> list[date]:
    return sorted({r["report_date"] for r in pv._reports if r.get("report_date")} | ({pv.report_date} - {None}))


def _withdraw_pending(s, prog: Programme, up: Upload, actor: str) -> None:
    """A newer submission for the same county-week replaces a pending one (withdrawn, its history kept)."""
    week = submissions.week_of(prog, up.as_of)
    mine = set(submissions.counties_of(up))
    for old in s.scalars(select(Upload).where(Upload.programme_id == prog.id, Upload.status == "submitted",
                                              Upload.id != up.id)).all():
        if submissions.week_of(prog, old.as_of) != week or not mine & set(submissions.counties_of(old)):
            continue
        n = s.execute(update(Upload).where(Upload.id == old.id, Upload.status == "submitted")
                      .values(status="withdrawn", review_step=None)).rowcount
        if n:
            s.refresh(old)
            submissions.record(s, old, prog, "withdrawn", actor, reason=f"由第 {up.id} 号填报替代")
            audit(s, actor, "review.withdraw", "upload", old.id, programme_id=prog.id,
                  before={"status": "submitted"}, after={"status": "withdrawn", "by_upload": up.id})


def _lock_counties(*codes: str | None) -> list[str] | None:
    """The counties an upload's lock covers: the given county-level codes, or None (the whole
    programme) when any is missing or wider than a county (a prefecture's file)."""
    out = []
    for c in codes:
        try:
            r = regions.get(str(c)) if c else None
        except NotFound:
            r = None
        if r is None or not r.is_county:
            return None
        out.append(r.adcode)
    return out or None


def _insert(s):
    return (pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert)


def _version(s) -> int:
    v = s.scalar(select(StoreMeta.value).where(StoreMeta.key == "data_version"))
    return int(v or 0)


def _safe_name(filename: str) -> str:
    """Only the base name is kept: an upload's name is never a path."""
    base = os.path.basename(str(filename).replace("\\", "/")) or "upload"
    return re.sub(r"[\x00-\x1f]", "", base)[:200]


def _actor(actor):
    if actor is None:  # no acting user: refused by auth.require, never the system by default
        return auth.Actor.public()
    if isinstance(actor, str):
        return auth.Actor.system(actor)
    return actor


def _refresh_rollups(s, programme_id: int, counties: list[str], first: date | None) -> None:
    """The rollup contract (lib.figures.rollups): recompute the touched counties from the first week touched."""
    rollups.refresh(s, programme_id, counties or None, first)


def _require(act, action: str, county: str | None) -> None:
    auth.require(act, action, county)

