"""预警 (alerts): the open alerts of a week, and their life as the system saw it.

The rules are computed from the history (lib/figures/alerting.py: why each one exists): an alert
is open in a week exactly when its rule holds as of that week, so the big screen, the dispatch
pack and the CLI agree, a read-only store shows them, and an alert closes as soon as its cause
goes. What cannot be computed is *when the system noticed*: `sync` keeps `alert_record` (one row
per alert's life: opened_week/opened_at, closed_week/closed_at), so a channel announces a new
alert once and a closed one once, and the admin can list what opened and closed.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select

from lib.access import auth
from lib.domain import regions
from lib.domain import vocabulary
from lib.domain.clock import utcnow
from lib.figures import alerting
from lib.figures import discipline
from lib.figures.metrics import get_programme
from lib.store.engine import Store
from lib.store.models_schedule import AlertRecord

RULES = alerting.RULES


def open_alerts(store: Store, programme_id: int | str, week: str | date | None = None, *,
                region: str | None = None, now: datetime | None = None) -> list[dict]:
    """The alerts open as of `week` (default: the week that has closed), each with rule, place, since and
    reason (Chinese). Public figures only (no internal remark): the big screen may show them."""
    return alerting.evaluate(store, programme_id, week, region=region, now=now)


def sync(store: Store, programme_id: int | str, week: str | date | None = None, *,
         now: datetime | None = None) -> dict:
    """Record the alerts of `week`: open a record for each new alert, close the records whose alert
    has gone. Only moves forward: a week older than the latest recorded one is computed, not recorded.
    Returns {"open": [...], "opened": [...], "closed": [...]}."""
    prog = get_programme(store, programme_id)
    alerts = open_alerts(store, prog.id, week, now=now)
    wk = discipline.parse_week(alerts[0]["week"], prog) if alerts else (
        discipline.parse_week(week, prog) if week else None)
    out = {"open": alerts, "opened": [], "closed": []}
    if wk is None or store.read_only:
        return out
    key = {(a["rule"], a["adcode"]): a for a in alerts}
    with store.write() as s:
        rows = s.scalars(select(AlertRecord).where(AlertRecord.programme_id == prog.id)).all()
        latest = max([r.opened_week for r in rows] + [r.closed_week for r in rows if r.closed_week] or [wk])
        if wk < latest:
            return out
        open_rows = {(r.rule, r.adcode): r for r in rows if r.closed_at is None}
        for k, r in open_rows.items():
            if k not in key:
                r.closed_week, r.closed_at = wk, utcnow()
                out["closed"].append(record_dict(r))
            else:
                r.reason = key[k]["reason"]  # the figures in the sentence follow the week
        for k, a in key.items():
            if k not in open_rows:
                r = AlertRecord(programme_id=prog.id, rule=a["rule"], adcode=a["adcode"],
                                since_week=date.fromisoformat(a["since"]), reason=a["reason"], opened_week=wk)
                s.add(r)
                s.flush()
                out["opened"].append(record_dict(r))
    return out


def record_dict(r: AlertRecord) -> dict:
    reg = regions.all_regions().get(r.adcode)
    return {"id": r.id, "rule": r.rule, "rule_zh": RULES.get(r.rule, r.rule), "adcode": r.adcode,
            "name": reg.name if reg else r.adcode, "since": r.since_week.isoformat() if r.since_week else None,
            "reason": r.reason, "opened_week": vocabulary.iso_week_label(r.opened_week),
            "opened_at": r.opened_at.isoformat(timespec="seconds") if r.opened_at else None,
            "closed_week": vocabulary.iso_week_label(r.closed_week) if r.closed_week else None,
            "closed_at": r.closed_at.isoformat(timespec="seconds") if r.closed_at else None}


def history(store: Store, programme_id: int | str, *, viewer: "auth.Actor", include_closed: bool = True) -> list[dict]:
    """Recorded alerts, newest first (staff)."""
    if not auth.sees_internal(viewer):
        return []
    prog = get_programme(store, programme_id)
    with store.session() as s:
        q = select(AlertRecord).where(AlertRecord.programme_id == prog.id)
        if not include_closed:
            q = q.where(AlertRecord.closed_at.is_(None))
        rows = s.scalars(q.order_by(AlertRecord.opened_week.desc(), AlertRecord.id.desc())).all()
    return [record_dict(r) for r in rows if auth.sees_internal_in(viewer, r.adcode)]


def markdown(alerts: list[dict], *, title: str, limit: int = 30) -> str:
    """Alerts as markdown lines for a robot or an email body."""
    if not alerts:
        return f"**{title}**\n\n当前无预警。"
    lines = [f"**{title}**（共{len(alerts)}条）", ""]
    for a in alerts[:limit]:
        lines.append(f"- {a['name']}｜{a['rule_zh']}｜自{a['since_week']}：{a['reason']}")
    if len(alerts) > limit:
        lines.append(f"- ……另有{len(alerts) - limit}条，详见平台")
    return "\n".join(lines)
