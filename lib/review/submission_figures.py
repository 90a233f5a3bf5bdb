"""Submissions and their review, counted (point 6 of the workflow): per county submitted, approved,
returned, withdrawn, pending and the mean hours to a decision; per reviewer approvals, returns and the
mean hours they took. Read by the review screen (through lib.workflow.review) and by the monthly
bulletin's discipline paragraph, which sits below lib.workflow, hence here.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from lib.domain import regions
from lib.domain.errors import NotFound
from lib.store.engine import Store
from lib.store.models import Upload
from lib.store.models_review import ReviewEvent

PENDING = "submitted"


def county_of(up: Upload) -> str | None:
    counties = (up.summary or {}).get("counties") or []
    return up.county_adcode or (counties[0] if len(counties) == 1 else None)


def _place(county: str) -> str:
    try:
        return regions.describe(county)
    except NotFound:
        return county


def _history(s, upload_ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = defaultdict(list)
    for i in range(0, len(upload_ids), 500):
        for e in s.scalars(select(ReviewEvent).where(ReviewEvent.upload_id.in_(upload_ids[i:i + 500]))
                           .order_by(ReviewEvent.id)):
            out[e.upload_id].append({"action": e.action, "level": e.level, "actor": e.actor, "at": e.at,
                                     "status": e.status_after})
    return out


def stats(store: Store, programme_id: int, *, since: date | None = None, until: date | None = None,
          region: str | None = None) -> dict:
    """Submissions per county and decisions per reviewer, for reports dated in [since, until].

    by_county: submitted (submissions made), approved, returned, withdrawn, pending, mean hours from
    submission to the final decision. by_reviewer: each account's approvals and returns, at which level,
    and its mean hours from the step before (the submission or the lower level's approval) to its own.
    """
    with store.session() as s:
        q = select(Upload).where(Upload.programme_id == programme_id, Upload.review_chain.is_not(None))
        if since is not None:
            q = q.where(Upload.as_of >= since)
        if until is not None:
            q = q.where(Upload.as_of <= until)
        ups = [u for u in s.scalars(q.order_by(Upload.id)).all()
               if region is None or (county_of(u) and regions.contains(region, county_of(u)))]
        hist = _history(s, [u.id for u in ups])
    counties: dict[str, dict] = {}
    reviewers: dict[tuple[str, str | None], dict] = {}
    for u in ups:
        c = counties.setdefault(county_of(u) or "", {"adcode": county_of(u), "submitted": 0, "approved": 0,
                                                      "returned": 0, "withdrawn": 0, "pending": 0, "_hours": []})
        c["submitted"] += 1
        if u.status == PENDING:
            c["pending"] += 1
        elif u.status == "committed" or (u.status == "rolled_back" and u.review_step is None
                                          and any(e["action"] == "approved" for e in hist[u.id])):
            c["approved"] += 1
        elif u.status in ("returned", "withdrawn"):
            c[u.status] += 1
        prev = u.uploaded_at
        for e in hist[u.id]:
            if e["action"] in ("approved", "returned"):
                r = reviewers.setdefault((e["actor"], e["level"]), {"reviewer": e["actor"], "level": e["level"],
                                                                    "approved": 0, "returned": 0, "_hours": []})
                r[e["action"]] += 1
                if prev is not None:
                    r["_hours"].append((e["at"] - prev).total_seconds() / 3600)
                prev = e["at"]
        final = next((e for e in reversed(hist[u.id]) if e["action"] == "returned"
                      or (e["action"] == "approved" and e["status"] == "committed")), None)
        if final is not None and u.uploaded_at is not None:
            c["_hours"].append((final["at"] - u.uploaded_at).total_seconds() / 3600)

    def done(d: dict) -> dict:
        hours = d.pop("_hours")
        d["mean_hours"] = round(sum(hours) / len(hours), 1) if hours else None
        d["decided"] = len(hours)
        return d

    by_county = sorted((done(c) for c in counties.values()), key=lambda d: d["adcode"] or "")
    for c in by_county:
        c["name"] = _place(c["adcode"]) if c["adcode"] else "—"
    by_reviewer = sorted((done(r) for r in reviewers.values()), key=lambda d: (d["level"] or "", d["reviewer"]))
    decided = [c for c in by_county if c["mean_hours"] is not None]
    totals = {k: sum(c[k] for c in by_county) for k in ("submitted", "approved", "returned", "withdrawn", "pending")}
    all_hours = [c["mean_hours"] * c["decided"] for c in decided]
    n = sum(c["decided"] for c in decided)
    totals["mean_hours"] = round(sum(all_hours) / n, 1) if n else None
    return {"by_county": by_county, "by_reviewer": by_reviewer, "totals": totals}


__all__ = ["stats", "county_of"]
