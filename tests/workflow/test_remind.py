"""催报 (lib.workflow.remind): exactly the expected counties that have not submitted, with their contacts;
reminders by a real SMTP server and a real robot receiver on 127.0.0.1, once per county, week and kind;
escalated to the prefecture after the deadline; a county that submitted is never reminded."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from lib.access import auth
from lib.access.auth import Actor
from lib.figures import discipline
from lib.store.models import Upload
from lib.store.models_schedule import ReminderLog
from lib.workflow import channels, contacts, remind
from tests.workflow.servers import Receiver, SMTPServer

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor.system("admin_test")
W24 = date(2021, 6, 18)
HUZHU, TONGDE, MAQIN = "630223", "632522", "632621"  # the three that did not report W24 in the demo


def _upload(store, county: str, status: str, as_of: date = W24) -> None:
    """An upload row as ingest leaves it (the file itself is beside the point here)."""
    with store.write() as s:
        s.add(Upload(programme_id=1, county_adcode=county, kind="progress", filename=f"{county}.xlsx",
                     sha256="0" * 64, size_bytes=1, as_of=as_of, uploaded_by="clerk", status=status,
                     uploaded_at=datetime(2021, 6, 17, 1, 0)))


def test_pending_is_exactly_the_counties_that_did_not_submit(fresh_demo_store):
    store = fresh_demo_store
    missing = discipline.week_status(store, 1, W24)
    missing = set(missing.loc[missing["status"] == "missing", "adcode"])
    assert missing == {HUZHU, TONGDE, MAQIN}
    assert {p["adcode"] for p in remind.pending(store, 1, "2021-W24")} == missing
    # 同德 submits (committed), 玛沁's upload was returned (退回) and 互助's rolled back: only 同德 is done
    _upload(store, TONGDE, "committed")
    _upload(store, MAQIN, "returned")
    _upload(store, HUZHU, "rolled_back")
    _upload(store, HUZHU, "committed", as_of=date(2021, 6, 11))  # last week's: does not count for W24
    assert [p["adcode"] for p in remind.pending(store, 1, "2021-W24")] == [HUZHU, MAQIN]
    _upload(store, MAQIN, "submitted")  # awaiting review: submitted all the same
    assert [(p["adcode"], p["name"]) for p in remind.pending(store, 1, "2021-W24")] == [(HUZHU, "互助土族自治县")]


def test_reminders_go_once_and_escalate_to_the_prefecture(fresh_demo_store):
    store = fresh_demo_store
    _upload(store, TONGDE, "committed")
    with SMTPServer() as smtp, Receiver() as robot:
        cfg = channels.load(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
        contacts.add(store, adcode="互助土族自治县", name="互助联络员", phone="0972-8321234",
                     email="huzhu@example.gov.cn", actor=ADMIN)
        contacts.add(store, adcode=TONGDE, name="同德联络员", email="tongde@example.gov.cn", actor=ADMIN)
        contacts.add(store, adcode="630200", name="海东市住建局", webhook=robot.url, webhook_kind="wecom", actor=ADMIN)
        # Thursday 13:00: 23 hours before Friday 12:00, the 24-hour reminder is due
        thursday = datetime(2021, 6, 17, 13, 0)
        dry = remind.remind(store, 1, "2021-W24", now=thursday, dry_run=True, actor=ADMIN, cfg=cfg)
        assert dry["kind"] == "before-24h" and dry["sent"] == [] and smtp.messages == []
        out = remind.remind(store, 1, "2021-W24", now=thursday, actor=ADMIN, cfg=cfg)
        assert [p["adcode"] for p in out["pending"]] == [HUZHU, MAQIN]
        assert out["pending"][0]["contacts"][0]["phone"] == "0972-8321234"
        assert [m["To"] for m in smtp.messages] == ["huzhu@example.gov.cn"]  # 同德 reported: never reminded
        assert "互助土族自治县" in smtp.messages[0].get_body(("plain",)).get_content()
        maqin = next(x for x in out["sent"] if x["adcode"] == MAQIN)
        assert maqin["results"][0]["ok"] is False and "没有登记联系人" in maqin["results"][0]["error"]
        # the same reminder again: nobody twice
        again = remind.remind(store, 1, "2021-W24", now=thursday, actor=ADMIN, cfg=cfg)
        assert again["sent"] == [] and {x["adcode"] for x in again["skipped"]} == {HUZHU, MAQIN}
        assert len(smtp.messages) == 1
        # two hours before: the 2-hour reminder, once
        remind.remind(store, 1, "2021-W24", now=datetime(2021, 6, 18, 10, 30), actor=ADMIN, cfg=cfg)
        assert len(smtp.messages) == 2
        # within the grace after the deadline: nothing; after it: escalated to 海东市's robot, not to the county
        assert remind.due_kind(*_prog_cal(store), W24, datetime(2021, 6, 18, 13, 0)) is None
        for _ in range(2):
            esc = remind.due_now(store, datetime(2021, 6, 18, 15, 0), actor=ADMIN, cfg=cfg)
        assert [r["kind"] for r in esc if r["programme"] == 1] == ["escalate"]
        assert len(robot.bodies) == 1 and len(smtp.messages) == 2
        text = robot.bodies[0]["markdown"]["content"]
        assert "逾期未报" in text and "互助土族自治县" in text and "玛沁县" not in text  # 玛沁 is in 果洛州
    with store.session() as s:
        kinds = sorted(s.execute(select(ReminderLog.adcode, ReminderLog.kind)
                                 .where(ReminderLog.programme_id == 1)).all())
    assert kinds == [(HUZHU, "before-24h"), (HUZHU, "before-2h"), (HUZHU, "escalate"),
                     (MAQIN, "before-24h"), (MAQIN, "before-2h"), (MAQIN, "escalate")]


def _prog_cal(store):
    from lib.figures.metrics import get_programme

    prog = get_programme(store, 1)
    return prog, discipline.load_calendar(store, prog)


def test_contacts_are_checked_and_private(fresh_demo_store):
    store = fresh_demo_store
    with pytest.raises(Exception, match="邮箱地址"):
        contacts.add(store, adcode=HUZHU, name="某人", email="not-an-address", actor=ADMIN)
    with pytest.raises(Exception, match="https://"):
        contacts.add(store, adcode=HUZHU, name="某人", webhook="file:///etc/passwd", actor=ADMIN)
    with pytest.raises(auth.PermissionDenied):
        contacts.add(store, adcode=HUZHU, name="某人", phone="123456", actor=Actor.public())
    c = contacts.add(store, adcode=HUZHU, name="某人", phone="123456", actor=ADMIN)
    assert contacts.list_contacts(store, viewer=Actor.public()) == []
    assert [x["id"] for x in contacts.list_contacts(store, viewer=ADMIN)] == [c["id"]]
    contacts.remove(store, c["id"], actor=ADMIN)
    assert contacts.list_contacts(store, viewer=ADMIN) == []


def test_cli_remind_dry_run_prints_the_list(sqlite_demo_url):
    r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, "remind", "--programme", "1",
                        "--week", "2021-W24", "--dry-run"], capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [set(x) for x in out] == [{"adcode", "name", "contacts"}] * 3
    assert [x["adcode"] for x in out] == [HUZHU, TONGDE, MAQIN]
    assert "3 个单位尚未报送" in r.stderr
