"""lib.samples.demo: the Qinghai and Qingtian demo loads once and is audited."""

from __future__ import annotations

from sqlalchemy import func, select

from lib.samples import demo
from lib.store.models import AuditLog, ProgressReport


def test_demo_is_idempotent(fresh_demo_store):
    with fresh_demo_store.session() as s:
        n_reports = s.scalar(select(func.count()).select_from(ProgressReport))
    assert demo.load_demo(fresh_demo_store) == {}
    with fresh_demo_store.session() as s:
        assert s.scalar(select(func.count()).select_from(ProgressReport)) == n_reports


def test_demo_load_is_audited(demo_store):
    with demo_store.session() as s:
        actions = s.scalars(select(AuditLog.action)).all()
    assert actions.count("demo.load") == 2
