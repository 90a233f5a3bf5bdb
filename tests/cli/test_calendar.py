"""`python -m lib.cli calendar`: a programme's weekly reporting day and deadline, set by an administrator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from lib.store.engine import open_store
from lib.store.models import AuditLog, Programme

ROOT = Path(__file__).resolve().parents[2]


def _cli(url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_calendar_sets_the_deadline_and_audits(sqlite_demo_url):
    r = _cli(sqlite_demo_url, "calendar", "--programme", "1", "--weekday", "3", "--deadline", "18:00")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"report_weekday": 3, "report_deadline": "18:00"}
    assert "每周四18:00前" in r.stderr
    store = open_store(sqlite_demo_url, read_only=False)
    with store.session() as s:
        p = s.get(Programme, 1)
        assert (p.report_weekday, p.report_deadline) == (3, "18:00")
        assert s.scalar(select(AuditLog.action).where(AuditLog.action == "programme.calendar")) == "programme.calendar"


def test_calendar_refuses_a_bad_weekday_and_changes_nothing(sqlite_demo_url):
    r = _cli(sqlite_demo_url, "calendar", "--programme", "1", "--weekday", "9", "--deadline", "18:00")
    assert r.returncode == 1
    assert r.stderr.strip() == "报送日须为周一至周日之一（0=周一，6=周日）。"
    with open_store(sqlite_demo_url, read_only=False).session() as s:
        p = s.get(Programme, 1)
        assert (p.report_weekday, p.report_deadline) == (4, "12:00")  # the demo's Friday noon, unchanged
