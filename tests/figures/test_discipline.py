"""lib.figures.discipline: who reported on time (Beijing deadlines) and the reporting calendar."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from lib.access import auth
from lib.domain.errors import UserError
from lib.figures import discipline, metrics, rankings
from lib.store.models import AuditLog, ProgressReport, Project, Upload

W24 = date(2021, 6, 18)


def test_week_status_matches_rankings_not_reported(demo_store):
    st = discipline.week_status(demo_store, 1, "2021-W24")
    assert len(st) == 45
    missing = set(st.loc[st["status"] == "missing", "adcode"])
    silent = {r["adcode"] for r in rankings.pace_lists(demo_store, 1, as_of=W24, by="county")["not_reported"]}
    assert missing == silent and len(missing) == 3
    ok = st[st["status"] == "on_time"]
    assert (ok["completeness"] == 1.0).all()
    s = discipline.week_summary(demo_store, 1, "2021-W24")
    assert s["deadline"] == "2021-06-18T12:00" and s["on_time"] + s["late"] + s["missing"] == 45


def test_late_upload_is_late_by_beijing_time(fresh_demo_store):
    store = fresh_demo_store
    tongde = "632522"  # silent in W24 in the demo
    with store.write() as s:
        pids = s.scalars(select(Project.id).where(Project.county_adcode == tongde)).all()
        # 05:00 UTC = 13:00 Beijing: after the Friday 12:00 deadline
        up = Upload(programme_id=1, county_adcode=tongde, kind="progress", filename="同德县.xlsx", sha256="x" * 64,
                    size_bytes=1, as_of=W24, uploaded_at=datetime(2021, 6, 18, 5, 0))
        s.add(up)
        s.flush()
        for pid in pids[:-1]:  # one community left out: completeness < 1
            s.add(ProgressReport(project_id=pid, report_date=W24, stage=2, upload_id=up.id))
    st = discipline.week_status(store, 1, W24).set_index("adcode")
    assert st.at[tongde, "status"] == "late"
    assert st.at[tongde, "completeness"] == pytest.approx((len(pids) - 1) / len(pids), abs=1e-4)
    with store.write() as s:
        s.get(Upload, up.id).uploaded_at = datetime(2021, 6, 18, 3, 59)  # 11:59 Beijing
    assert discipline.week_status(store, 1, W24).set_index("adcode").at[tongde, "status"] == "on_time"
    rec = discipline.county_record(store, 1, W24).set_index("adcode")
    assert rec.at[tongde, "weeks"] == 12 and rec.at[tongde, "on_time"] + rec.at[tongde, "missing"] == 12


def test_calendar_edit_is_audited_and_checked(fresh_demo_store):
    admin = auth.Actor(username="root_admin", role="admin")
    with pytest.raises(UserError):
        discipline.set_calendar(fresh_demo_store, 1, weekday=4, deadline_hhmm="25:00", actor=admin)
    discipline.set_calendar(fresh_demo_store, 1, weekday=3, deadline_hhmm="9:30", actor=admin)
    prog = metrics.get_programme(fresh_demo_store, 1)
    assert (prog.report_weekday, prog.report_deadline) == (3, "09:30")
    assert discipline.calendar_text(prog) == "每周四09:30前"
    with fresh_demo_store.session() as s:
        a = s.scalars(select(AuditLog).where(AuditLog.action == "programme.calendar")).one()
    assert a.actor == "root_admin" and a.before["report_deadline"] == "12:00"
