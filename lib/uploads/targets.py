"""`targets import`: a 分县/分市 plan table in its published layout → the programme's targets.

Every region row sets that region's targets; a 合计/全市/全省 row sets the programme's own
(its figure as the source states it, even where the rows differ by the source's rounding);
a "某某小计" row sets that region's. The stated subtotals are checked against their rows:
within the source's rounding a warning, beyond it a refusal naming the row, column and gap.
All or nothing, audited, the file kept like any upload; `dry_run` checks and writes nothing.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from lib.access.auth import Actor, require
from lib.domain import regions, vocabulary
from lib.domain.errors import UserError
from lib.figures.metrics import get_programme
from lib.store.engine import Store, audit, lock_scope
from lib.store.models import Programme, Target, Upload, UploadBlob, utcnow
from lib.uploads import regiontables
from lib.uploads.regiontables import Problem

MAX_BYTES = 5 * 1024 * 1024
# progress-table columns that state a plan: 计划完成数 of 小区 → the communities target
_PLANNED = {"planned_communities": "communities", "planned_households": "households",
            "planned_buildings": "buildings", "planned_projects": "projects",
            "planned_investment_wan": "investment_wan", "planned_floor_area_wan_m2": "floor_area_wan_m2"}


def _result(status: str, table=None, errors=(), warnings=(), gaps=(), targets=(), **extra) -> dict:
    return {"status": status, "rows": len([r for r in table.rows]) if table else 0,
            "accepted": len({t["region"] for t in targets}) if status != "rejected" else 0,
            "errors": [e.as_dict() for e in errors], "warnings": [w.as_dict() for w in warnings],
            "gaps": list(gaps), "targets": list(targets), **extra}


def plan_targets(table: regiontables.RegionTable, top: str) -> list[dict]:
    """The targets a checked table sets: (region, metric, value) with the row they come from."""
    out: dict[tuple[str, str], dict] = {}
    for row in table.rows:
        region = row.region if not (row.is_total and row.region is None) else None
        if region is None:
            continue
        for key, col in regiontables.column_keys(table):
            metric = _PLANNED.get(key, key) if table.kind == "progress" else key
            if metric not in vocabulary.METRIC_BY_KEY:
                continue
            v = row.values.get(key)
            if v is None:
                continue
            out[(region, metric)] = {"region": region, "name": regions.get(region).name, "metric": metric,
                                     "value": round(v, 6), "row": row.row, "total": row.is_total}
    return list(out.values())


def import_targets(store: Store, data: bytes, filename: str, programme, *, actor: Actor,
                   dry_run: bool = False) -> dict:
    require(actor, "target")
    prog = get_programme(store, programme)
    if len(data) > MAX_BYTES:
        return _result("rejected", errors=[Problem(None, None, None, None,
                                                   f"文件超过 {MAX_BYTES // 1024 // 1024} MB，目标表不会这么大，请核对文件。")])
    try:
        table = regiontables.read_region_table(data, filename, prog.region_adcode)
    except UserError as e:
        return _result("rejected", errors=[Problem(None, None, None, None, e.zh)])
    regiontables.resolve_rows(table, prog.region_adcode)
    regiontables.check_duplicates(table)
    gaps = regiontables.check_totals(table, prog.region_adcode)
    targets = plan_targets(table, prog.region_adcode)
    if not table.errors and not targets:
        table.errors.append(Problem(table.sheet, None, None, None,
                                    "表中没有可作为目标的数字列（如 小区数、户数、楼栋数、建筑面积、投资），请核对表头。"))
    if table.kind == "progress":
        table.notes.append("这是进度表：只取其中的计划数作为目标；开工、完工等进度请用“上传”（import）导入。")
    extra = {"sheet": table.sheet, "kind": table.kind, "notes": table.notes,
             "columns": [{"header": c.header.replace("|", " "), "key": k, "unit": c.unit}
                         for k, c in regiontables.column_keys(table)]}
    if table.errors:
        return _result("rejected", table, table.errors, table.warnings, gaps, targets, **extra)
    if dry_run:
        return _result("dry-run", table, (), table.warnings, gaps, targets, **extra)
    sha = hashlib.sha256(data).hexdigest()
    who = str(actor)
    with store.write() as s:
        lock_scope(s, prog.id)  # PostgreSQL: one writer of a programme's targets at a time
        p = s.get(Programme, prog.id)
        changes = []
        for t in targets:
            row = s.scalar(select(Target).where(Target.programme_id == p.id, Target.region_adcode == t["region"],
                                                Target.metric == t["metric"]))
            before = None if row is None else row.value
            if row is None:
                row = Target(programme_id=p.id, region_adcode=t["region"], metric=t["metric"], value=t["value"])
                s.add(row)
            if before != t["value"]:
                changes.append({"region": t["region"], "metric": t["metric"], "before": before, "after": t["value"]})
            row.value = t["value"]
            row.note = f"{filename} 第 {t['row']} 行"[:2000]
            row.updated_at = utcnow()
            row.updated_by = who
        counted = list(p.metrics or vocabulary.DEFAULT_PROGRAMME_METRICS)
        for m in sorted({t["metric"] for t in targets} - set(counted)):
            counted.append(m)
        if counted != list(p.metrics or vocabulary.DEFAULT_PROGRAMME_METRICS):
            p.metrics = counted
        if s.get(UploadBlob, sha) is None:
            s.add(UploadBlob(sha256=sha, content=data))
        up = Upload(programme_id=p.id, county_adcode=None, kind="targets", filename=filename[:255], sha256=sha,
                    size_bytes=len(data), as_of=table.report_date, uploaded_by=who, status="committed",
                    rows=len(table.rows), accepted=len({t["region"] for t in targets}),
                    warnings=[w.as_dict() for w in table.warnings],
                    summary={"targets": len(targets), "changed": len(changes), "gaps": gaps})
        s.add(up)
        s.flush()
        audit(s, who, "targets.import", "programme", p.id, programme_id=p.id,
              after={"upload": up.id, "file": filename[:255], "changed": changes[:500], "n_changed": len(changes)})
        upload_id = up.id
    return _result("committed", table, (), table.warnings, gaps, targets, upload_id=upload_id, **extra)
