"""Per-region progress tables (Hunan's layout) as an upload kind of their own.

市州 | 计划完成数 | 累计开工数 | 开工率 | 计划投资额 | 累计完成投资额, one row per prefecture or
county, "截至2021年8月31日" in the title: each row becomes that region's reported figures for
the week, append-only (`AggregateReport`), with the text as written ("74.00%", "全部开工").
A rate given without the counts is kept as a rate; the counts are never invented from it.
The same file twice is "unchanged"; a rejected file stores nothing; rollback deactivates.
"""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select, update

from lib.access.auth import Actor, require
from lib.domain import clock
from lib.domain.errors import UserError
from lib.figures.metrics import get_programme, parse_date
from lib.store.engine import Store, audit, lock_scope
from lib.store.models import AggregateReport, Upload, UploadBlob, utcnow
from lib.uploads import regiontables
from lib.uploads.regiontables import Problem

MAX_BYTES = 5 * 1024 * 1024


def looks_like(data: bytes, filename: str, within: str) -> regiontables.RegionTable | None:
    """The file's per-region progress table, or None (a register, a weekly report, a plan)."""
    if len(data) > MAX_BYTES:
        return None
    table = regiontables.sniff(data, filename, within)
    return table if table is not None and table.kind == "progress" else None


def _out(status, table=None, errors=(), warnings=(), **extra) -> dict:
    return {"status": status, "kind": "aggregate", "rows": len(table.rows) if table else 0,
            "accepted": extra.pop("accepted", 0), "errors": [e.as_dict() for e in errors],
            "warnings": [w.as_dict() for w in warnings], **extra}


def import_aggregate(store: Store, data: bytes, filename: str, programme, *, actor: Actor,
                     as_of: date | str | None = None, dry_run: bool = False) -> dict:
    prog = get_programme(store, programme)
    try:
        table = regiontables.read_region_table(data, filename, prog.region_adcode)
    except UserError as e:
        return _out("rejected", errors=[Problem(None, None, None, None, e.zh)])
    day = parse_date(as_of) or table.report_date
    if day is None:
        table.errors.append(Problem(table.sheet, None, None, None,
                                    "表头没有写明统计截止日期（如“截至2021年8月31日”），请在标题中写明或用 --as-of 指定。"))
    elif day > clock.today():
        table.errors.append(Problem(table.sheet, None, None, day.isoformat(),
                                    f"统计截止日期 {day} 晚于今天，请核对。"))
    elif not prog.year_start <= day.year <= prog.year_end + 1:
        table.warnings.append(Problem(table.sheet, None, None, day.isoformat(),
                                      f"统计截止日期 {day} 不在计划“{prog.name}”的年度（{prog.year_start}–{prog.year_end}）内，请核对。"))
    regiontables.resolve_rows(table, prog.region_adcode)
    regiontables.check_duplicates(table)
    gaps = regiontables.check_totals(table, prog.region_adcode)
    rows = []
    for row in table.rows:
        if row.region is None:
            continue
        try:
            require(actor, "upload", row.region)
        except UserError as e:
            table.errors.append(Problem(row.sheet, row.row, None, row.label, f"第 {row.row} 行：{e.zh}"))
            continue
        for key, col in regiontables.column_keys(table):
            v = row.values.get(key)
            text = row.texts.get(key)
            if v is None and text is None:
                continue
            rows.append({"region_adcode": row.region, "metric": key, "value": v,
                         "text": (text or "")[:64] or None})
    extra = {"report_date": day, "gaps": gaps, "notes": table.notes,
             "columns": [{"header": c.header.replace("|", " "), "key": k, "unit": c.unit}
                         for k, c in regiontables.column_keys(table)],
             "regions": sorted({r["region_adcode"] for r in rows})}
    if table.errors:
        return _out("rejected", table, table.errors, table.warnings, **extra)
    accepted = len(extra["regions"])
    if dry_run:
        return _out("dry-run", table, (), table.warnings, accepted=accepted, **extra)
    sha = hashlib.sha256(data).hexdigest()
    who = str(actor)
    with store.write() as s:
        lock_scope(s, prog.id)  # PostgreSQL: one writer of a programme's totals at a time (the same file once)
        dup = s.scalar(select(Upload.id).where(Upload.programme_id == prog.id, Upload.sha256 == sha,
                                               Upload.kind == "aggregate", Upload.status == "committed"))
        if dup is not None:
            return _out("unchanged", table, (), table.warnings, accepted=0, upload_id=dup, **extra)
        if s.get(UploadBlob, sha) is None:
            s.add(UploadBlob(sha256=sha, content=data))
        up = Upload(programme_id=prog.id, county_adcode=None, kind="aggregate", filename=filename[:255],
                    sha256=sha, size_bytes=len(data), as_of=day, uploaded_by=who, status="committed",
                    rows=len(table.rows), accepted=accepted, warnings=[w.as_dict() for w in table.warnings],
                    summary={"regions": accepted, "figures": len(rows), "gaps": gaps})
        s.add(up)
        s.flush()
        now = utcnow()
        s.execute(AggregateReport.__table__.insert(),
                  [{**r, "programme_id": prog.id, "report_date": day, "upload_id": up.id, "active": True,
                    "created_at": now} for r in rows])
        audit(s, who, "upload.aggregate", "upload", up.id, programme_id=prog.id,
              after={"file": filename[:255], "report_date": day.isoformat(), "regions": accepted,
                     "figures": len(rows)})
        upload_id = up.id
    return _out("committed", table, (), table.warnings, accepted=accepted, upload_id=upload_id, **extra)


def rollback(store: Store, upload_id: int, *, actor: Actor) -> dict:
    require(actor, "rollback")
    with store.write() as s:
        up = s.get(Upload, int(upload_id))
        if up is not None:
            lock_scope(s, up.programme_id)
            s.refresh(up)
        if up is None or up.kind != "aggregate":
            raise UserError(f"找不到第 {upload_id} 号分地区进度上传。", "No such aggregate upload.")
        if up.status != "committed":
            raise UserError(f"第 {upload_id} 号上传已经撤销过。", "Already rolled back.")
        n = s.execute(update(AggregateReport).where(AggregateReport.upload_id == up.id)
                      .values(active=False)).rowcount
        up.status, up.rolled_back_at, up.rolled_back_by = "rolled_back", utcnow(), str(actor)
        audit(s, str(actor), "upload.rollback", "upload", up.id, programme_id=up.programme_id,
              after={"figures": n})
    return {"upload_id": int(upload_id), "status": "rolled_back", "figures": n}
