"""预警 (lib.workflow.alerts, rules in lib.figures.alerting): each alert says why and since when, opens when
its rule holds and closes when its cause goes; recorded once each way; the CLI prints them."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select

from lib.access.auth import Actor
from lib.domain import vocabulary
from lib.figures import alerting
from lib.store.engine import open_store
from lib.store.models import ProgressReport, Project
from lib.store.models_schedule import AlertRecord
from lib.workflow import alerts

ROOT = Path(__file__).resolve().parents[2]
TONGDE, CHENGZHONG = "632522", "630103"


def _latest(s, county: str, before: date):
    """Each community of a county with its latest active report on or before `before`."""
    out = []
    for p in s.scalars(select(Project).where(Project.programme_id == 1, Project.county_adcode == county)).all():
        r = s.scalars(select(ProgressReport).where(ProgressReport.project_id == p.id, ProgressReport.active.is_(True),
                                                   ProgressReport.report_date <= before)
                      .order_by(ProgressReport.report_date.desc(), ProgressReport.id.desc())).first()
        out.append((p, r))
    return out


def _report(s, p, r, day: date, **changes) -> None:
    keep = {k: getattr(r, k) for k in ("stage", "started_on", "finished_on", "accepted_on", "progress_pct",
                                        "invested_wan", "paid_wan", "lifts_added")} if r else {"stage": 1}
    keep.update(changes)
    s.add(ProgressReport(project_id=p.id, report_date=day, reported_by="system", active=True, **keep))


def test_missed_deadlines_open_and_close(fresh_demo_store):
    store = fresh_demo_store
    w24 = alerts.sync(store, 1, "2021-W24")
    missed = [a for a in w24["open"] if a["rule"] == "missed"]
    assert [(a["adcode"], a["since_week"]) for a in missed] == [(TONGDE, "2021-W23")]
    assert "2021-W23未报送、2021-W24未报送" in missed[0]["reason"]
    assert missed[0]["reason_en"] == "Missed 2 deadlines running: 2021-W23 missing, 2021-W24 missing."
    assert {(a["rule"], a["adcode"]) for a in w24["opened"]} == {(a["rule"], a["adcode"]) for a in w24["open"]}
    # every alert names its rule, its place, since when and why
    assert all(a["reason"] and a["since"] <= "2021-06-18" and a["rule"] in alerting.RULES for a in w24["open"])
    assert {a["rule"] for a in w24["open"]} >= {"pace", "stalled", "missed", "forecast"}

    # 同德 reports W25 on time: the cause is gone, the alert closes (recorded once)
    with store.write() as s:
        for p, r in _latest(s, TONGDE, date(2021, 6, 25)):
            _report(s, p, r, date(2021, 6, 25))
    w25 = alerts.sync(store, 1, "2021-W25")
    assert (("missed", TONGDE) not in {(a["rule"], a["adcode"]) for a in w25["open"]})
    assert ("missed", TONGDE) in {(a["rule"], a["adcode"]) for a in w25["closed"]}
    assert alerts.sync(store, 1, "2021-W25")["closed"] == [] and alerts.sync(store, 1, "2021-W25")["opened"] == []
    with store.session() as s:
        rec = s.scalars(select(AlertRecord).where(AlertRecord.rule == "missed", AlertRecord.adcode == TONGDE)).all()
    assert [(r.opened_week, r.closed_week, r.since_week) for r in rec] == [
        (date(2021, 6, 18), date(2021, 6, 25), date(2021, 6, 11))]
    # an older week is computed, not recorded over the newer
    assert alerts.sync(store, 1, "2021-W24")["opened"] == []
    # open_alerts is computed: the past week still shows it
    assert ("missed", TONGDE) in {(a["rule"], a["adcode"]) for a in alerts.open_alerts(store, 1, "2021-W24")}


def test_a_cumulative_figure_that_goes_down_opens_an_alert_until_it_is_back(fresh_demo_store):
    store = fresh_demo_store
    w25, w26 = date(2021, 6, 25), date(2021, 7, 2)
    assert not [a for a in alerts.open_alerts(store, 1, w25) if a["rule"] == "decrease"]
    with store.write() as s:
        started = [(p, r) for p, r in _latest(s, CHENGZHONG, w25) if r and r.stage >= vocabulary.STARTED]
        # corrections take 城中区's started communities back to 前期 in W25 (below W24's count) …
        for p, r in started:
            _report(s, p, r, w25, stage=vocabulary.STARTED - 1, started_on=None, is_correction=True)
    got = [a for a in alerts.sync(store, 1, w25)["opened"] if a["rule"] == "decrease"]
    assert [a["adcode"] for a in got] == [CHENGZHONG]
    assert "已开工户数从2021-W24的" in got[0]["reason"] and "降至" in got[0]["reason"]
    # … and W26 reports it started again: the figure is back, the alert closes
    with store.write() as s:
        for p, r in started:
            _report(s, p, r, w26)
    closed = alerts.sync(store, 1, w26)["closed"]
    assert ("decrease", CHENGZHONG) in {(a["rule"], a["adcode"]) for a in closed}


def test_open_alerts_on_a_read_only_store_and_for_a_region(demo_store):
    ro = open_store(demo_store.url, read_only=True)
    whole = alerts.open_alerts(ro, 1, "2021-W24")
    haixi = alerts.open_alerts(ro, 1, "2021-W24", region="632500")  # 海南州
    assert haixi and {a["adcode"][:4] for a in haixi} == {"6325"}
    assert {(a["rule"], a["adcode"]) for a in haixi} <= {(a["rule"], a["adcode"]) for a in whole}
    assert alerts.sync(ro, 1, "2021-W24")["opened"] == []  # nothing written to a read-only store
    assert alerts.history(ro, 1, viewer=Actor.public()) == []


def test_cli_alerts(sqlite_demo_url):
    r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, "alerts", "--programme", "1",
                        "--week", "2021-W24"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert any(a["rule"] == "missed" and a["name"] == "同德县" and "未报送" in a["reason"] for a in out)
    assert f"共 {len(out)} 条预警；新增 {len(out)} 条" in r.stderr
