"""lib.store.bulk.insert_rows writes what SQLAlchemy's own insert writes, on both stores.

On PostgreSQL it is COPY with the columns' Python-side defaults filled in by hand, so the check is
against the ORM-free `table.insert()` executemany of the same rows into the same table: same
values, same defaults, same triggers fired (the rollup is marked dirty), nothing half-written.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from lib.store import bulk
from lib.store.models import ProgressReport, Project, RollupState

WEEK = date(2021, 12, 10)
COMPARED = ("project_id", "report_date", "stage", "started_on", "progress_pct", "invested_wan", "paid_wan",
            "lifts_added", "problems", "is_correction", "active", "upload_id", "reported_by")


def _rows(pids, tag, active=None):
    out = []
    for i, p in enumerate(pids):
        row = dict(project_id=p, report_date=WEEK, stage=2 + i % 3, invested_wan=None if i % 4 == 0 else 1.25 * i,
                   paid_wan=0.5 * i, lifts_added=i % 2, reported_by=tag, upload_id=None,
                   problems="含“引号”、制表符\t和换行\n的问题" if i == 1 else None,
                   started_on=date(2021, 5, 1) if i % 2 else None, progress_pct=12.5)
        if active is not None:
            row["active"] = active  # else left to the column's default (True)
        row["_since"] = WEEK  # a key that is no column: ignored, as executemany ignores it
        out.append(row)
    return out


def _written(store, tag):
    with store.session() as s:
        rows = s.execute(select(*[getattr(ProgressReport, c) for c in COMPARED], ProgressReport.created_at)
                         .where(ProgressReport.reported_by == tag).order_by(ProgressReport.id)).all()
    return [tuple(r[:-1]) for r in rows], [r[-1] for r in rows]


def test_insert_rows_writes_what_sqlalchemy_insert_writes(fresh_demo_store):
    store = fresh_demo_store
    with store.session() as s:
        pids = s.scalars(select(Project.id).where(Project.programme_id == 1).order_by(Project.id).limit(12)).all()
    before = datetime.utcnow().replace(microsecond=0)
    with store.write() as s:
        assert bulk.insert_rows(s, ProgressReport.__table__, _rows(pids, "bulk")) == 12
        assert bulk.insert_rows(s, ProgressReport.__table__, _rows(pids[:3], "off", active=False)) == 3
        for tag, active in (("core", None), ("core-off", False)):
            s.execute(ProgressReport.__table__.insert(), [{k: v for k, v in r.items() if not k.startswith("_")}
                                                          for r in _rows(pids if active is None else pids[:3],
                                                                         tag, active)])
        dirty = s.scalar(select(RollupState.dirty).where(RollupState.programme_id == 1))
    assert dirty  # the rollup trigger fired for the copied rows as for inserted ones
    mine, stamps = _written(store, "bulk")
    theirs, _ = _written(store, "core")
    assert len(mine) == 12
    assert [m[:12] for m in mine] == [t[:12] for t in theirs]
    assert [m[0] for m in mine] == pids
    assert all(m[COMPARED.index("active")] is True for m in mine)
    off, _ = _written(store, "off")
    assert [m[:12] for m in off] == [t[:12] for t in _written(store, "core-off")[0]]
    assert [m[COMPARED.index("active")] for m in off] == [False] * 3
    assert mine[1][COMPARED.index("problems")] == "含“引号”、制表符\t和换行\n的问题"
    assert all(before <= t <= datetime.utcnow() for t in stamps)  # created_at from the column's default


def test_insert_rows_is_all_or_nothing(fresh_demo_store):
    """A row the database refuses (no stage) leaves none of the others behind, and the error is SQLAlchemy's."""
    store = fresh_demo_store
    with store.session() as s:
        pids = s.scalars(select(Project.id).where(Project.programme_id == 1).order_by(Project.id).limit(5)).all()
    rows = _rows(pids, "half")
    rows[-1]["stage"] = None
    with pytest.raises(IntegrityError):
        with store.write() as s:
            bulk.insert_rows(s, ProgressReport.__table__, rows)
    assert _written(store, "half") == ([], [])


def test_insert_rows_of_nothing_writes_nothing(fresh_demo_store):
    with fresh_demo_store.write() as s:
        assert bulk.insert_rows(s, ProgressReport.__table__, []) == 0
