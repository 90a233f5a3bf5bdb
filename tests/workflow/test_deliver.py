"""Scheduled delivery (lib.workflow.deliver): a dispatch pack reaches a real SMTP server on 127.0.0.1 with
its .xlsx and .docx, and a 企业微信 robot message reaches a real HTTP receiver, exactly once — when
`run-due` runs twice, and when the receiver failed once (500, then 200 after the backoff)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import func, select

from lib.access import auth
from lib.access.auth import Actor
from lib.domain.errors import UserError
from lib.store.engine import open_store
from lib.store.models import AuditLog
from lib.store.models_schedule import Delivery
from lib.workflow import channels, deliver
from tests.workflow.servers import Receiver, SMTPServer, free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN = Actor.system("admin_test")
MONDAY = datetime(2021, 6, 21, 8, 30)  # Beijing; the pack of 2021-W24 (Friday 06-18, deadline 12:00)


def _users(store):
    auth.create_user(store, ADMIN, "li_leader", "leader")
    auth.create_user(store, ADMIN, "cd_clerk", "district", scope_adcode="630102")


def _cfg(smtp_port: int) -> channels.DeliveryConfig:
    return channels.load(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_port, SMTP_FROM="dashboard@example.gov.cn",
                         DASHBOARD_URL="https://renovation.example.gov.cn")


def test_dispatch_pack_arrives_once_by_mail_and_robot_despite_a_failure(fresh_demo_store):
    store = fresh_demo_store
    _users(store)
    with SMTPServer() as smtp, Receiver(statuses=[500]) as robot:
        cfg = _cfg(smtp.port)
        mail = deliver.subscribe(store, programme_id=1, username="li_leader", what="dispatch", cadence="weekly",
                                 weekday="mon", at="08:00", channel="email", target="li@example.gov.cn", actor=ADMIN)
        wecom = deliver.subscribe(store, programme_id=1, username="li_leader", what="dispatch", cadence="weekly",
                                  weekday="mon", at="08:00", channel="wecom", target=robot.url, actor=ADMIN)
        first = deliver.run_due(store, now=MONDAY, cfg=cfg, reminders=False)
        got = {d["subscription"]: d for d in first["deliveries"]}
        assert got[mail["id"]]["result"] == "sent" and got[mail["id"]]["period"] == "2021-W24"
        assert got[wecom["id"]]["result"] == "failed" and "HTTP 500" in got[wecom["id"]]["error"]
        assert got[wecom["id"]]["next_attempt"] == "2021-06-21T08:35"  # backoff: 5 minutes
        assert len(smtp.messages) == 1 and robot.hits == [500]

        # the same run again: nothing twice, the failed one waits for its backoff
        again = deliver.run_due(store, now=MONDAY + timedelta(minutes=1), cfg=cfg, reminders=False)
        assert again["deliveries"] == [] and len(smtp.messages) == 1 and robot.hits == [500]
        problems = deliver.status(store, viewer=ADMIN, only_problems=True)
        assert [(p["subscription"], p["status"], p["attempts"]) for p in problems] == [(wecom["id"], "failed", 1)]

        retried = deliver.run_due(store, now=MONDAY + timedelta(minutes=10), cfg=cfg, reminders=False)
        assert [(d["subscription"], d["result"], d["attempt"]) for d in retried["deliveries"]] == [(wecom["id"], "sent", 2)]
        for later in (20, 60, 24 * 60):
            assert deliver.run_due(store, now=MONDAY + timedelta(minutes=later), cfg=cfg, reminders=False)["deliveries"] == []
        assert len(smtp.messages) == 1 and robot.hits == [500, 200] and len(robot.bodies) == 1

    msg = smtp.messages[0]
    assert msg["To"] == "li@example.gov.cn" and "周调度会议材料" in msg["Subject"] and "2021年第24周" in msg["Subject"]
    files = {a.get_filename(): a.get_content() for a in msg.iter_attachments()}
    assert sorted(Path(n).suffix for n in files) == [".docx", ".xlsx"]
    wb = load_workbook(io.BytesIO(next(v for k, v in files.items() if k.endswith(".xlsx"))))
    assert "预警" in wb.sheetnames and wb["各县进度"].max_row == 46
    doc = Document(io.BytesIO(next(v for k, v in files.items() if k.endswith(".docx"))))
    assert "各地反映的主要问题" in "\n".join(p.text for p in doc.paragraphs)  # a leader sees the internal parts
    body = msg.get_body(("plain",)).get_content()
    assert "累计开工" in body and "https://renovation.example.gov.cn/dispatch" in body

    wx = robot.bodies[0]
    assert wx["msgtype"] == "markdown" and set(wx["markdown"]) == {"content"}
    assert "周调度会议材料" in wx["markdown"]["content"] and ".xlsx" in wx["markdown"]["content"]
    assert "(https://renovation.example.gov.cn/dispatch)" in wx["markdown"]["content"]
    with store.session() as s:
        rows = s.execute(select(Delivery.subscription_id, Delivery.period, Delivery.status)).all()
    assert sorted(rows) == sorted([(mail["id"], "2021-W24", "sent"), (wecom["id"], "2021-W24", "sent")])


def test_each_recipient_gets_only_its_scope_and_dingtalk_format(fresh_demo_store):
    store = fresh_demo_store
    _users(store)
    with Receiver() as robot:
        cfg = channels.load(DASHBOARD_URL="")
        deliver.subscribe(store, programme_id=1, username="cd_clerk", what="county", cadence="weekly",
                          weekday="mon", at="09:00", channel="dingtalk", target=robot.url, actor=ADMIN)
        out = deliver.run_due(store, now=MONDAY + timedelta(hours=1), cfg=cfg, reminders=False)
        assert [d["result"] for d in out["deliveries"]] == ["sent"]
    body = robot.bodies[0]
    assert body["msgtype"] == "markdown" and set(body["markdown"]) == {"title", "text"}
    text = body["markdown"]["text"]
    assert body["markdown"]["title"].startswith("城东区") and "城东区" in text
    assert "城中区" not in text and "同德县" not in text  # another county's figures never reach it
    # a district account may not receive the bulletin draft; refused with a sentence, nothing stored
    with pytest.raises(UserError, match="月通报草稿"):
        deliver.subscribe(store, programme_id=1, username="cd_clerk", what="bulletin", cadence="monthly",
                          channel="email", target="cd@example.gov.cn", actor=ADMIN)
    with pytest.raises(auth.PermissionDenied):
        deliver.subscribe(store, programme_id=1, username="cd_clerk", what="county", cadence="weekly",
                          channel="email", target="cd@example.gov.cn", actor=auth.load_actor(store, "cd_clerk"))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "subscription.add")) == 1


def test_a_mail_server_that_is_down_is_retried_then_given_up_and_reported(fresh_demo_store):
    store = fresh_demo_store
    _users(store)
    cfg = channels.load(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), DELIVERY_MAX_ATTEMPTS=2,
                        DELIVERY_TIMEOUT_SECONDS=3)
    deliver.subscribe(store, programme_id=1, username="li_leader", what="alerts", cadence="weekly",
                      weekday="mon", at="08:00", channel="email", target="li@example.gov.cn", actor=ADMIN)
    one = deliver.run_due(store, now=MONDAY, cfg=cfg, reminders=False)["deliveries"]
    assert [d["result"] for d in one] == ["failed"] and "127.0.0.1" in one[0]["error"]
    two = deliver.run_due(store, now=MONDAY + timedelta(minutes=6), cfg=cfg, reminders=False)["deliveries"]
    assert [(d["result"], d["attempt"]) for d in two] == [("gave_up", 2)]
    assert deliver.run_due(store, now=MONDAY + timedelta(hours=2), cfg=cfg, reminders=False)["deliveries"] == []
    st = deliver.status(store, viewer=ADMIN)
    assert [(r["status"], r["attempts"]) for r in st] == [("gave_up", 2)] and st[0]["error"]
    assert deliver.status(store, viewer=Actor.public()) == []  # addresses are for administrators
    # an operator may send it again: then it is due at the next run
    deliver.retry(store, st[0]["delivery"], actor=ADMIN)
    with SMTPServer() as smtp:
        cfg2 = channels.load(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
        three = deliver.run_due(store, now=MONDAY + timedelta(hours=3), cfg=cfg2, reminders=False)["deliveries"]
        assert [d["result"] for d in three] == ["sent"] and len(smtp.messages) == 1
        assert "预警" in smtp.messages[0]["Subject"]


def test_monthly_bulletin_on_the_first_working_day_after_a_holiday(fresh_demo_store):
    from lib.workflow import calendar

    store = fresh_demo_store
    _users(store)
    calendar.add_period(store, 1, kind="holiday", first="2021-07-01", last="2021-07-02", name="测试假日", actor=ADMIN)
    sub = deliver.subscribe(store, programme_id=1, username="li_leader", what="bulletin", cadence="monthly",
                            at="09:00", channel="email", target="li@example.gov.cn", actor=ADMIN)
    with SMTPServer() as smtp:
        cfg = channels.load(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
        # 07-01 and 07-02 are holidays, 07-03/04 a weekend: June's bulletin goes out on Monday 07-05
        early = deliver.run_due(store, now=datetime(2021, 7, 2, 10, 0), cfg=cfg, reminders=False)["deliveries"]
        assert [d["period"] for d in early] == ["2021-05"]  # still June's first working day: May's bulletin
        out = deliver.run_due(store, now=datetime(2021, 7, 5, 9, 5), cfg=cfg, reminders=False)["deliveries"]
        assert [(d["subscription"], d["period"], d["result"]) for d in out] == [(sub["id"], "2021-06", "sent")]
        names = [a.get_filename() for a in smtp.messages[-1].iter_attachments()]
        assert len(names) == 1 and names[0].endswith(".docx") and "6月份" in names[0]


def test_cli_run_due_twice_sends_once(sqlite_demo_url):
    store = open_store(sqlite_demo_url, read_only=False)
    _users(store)
    with SMTPServer() as smtp:
        env = {**os.environ, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port), "PYTHONPATH": str(ROOT)}

        def cli(*args):
            return subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, *args],
                                  capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)

        r = cli("subscription", "add", "--programme", "1", "--recipient", "li_leader", "--what", "dispatch",
                "--cadence", "weekly", "--weekday", "mon", "--at", "08:00", "--channel", "email",
                "--target", "li@example.gov.cn")
        assert r.returncode == 0, r.stderr
        dry = cli("deliver", "run-due", "--now", "2021-06-21T08:30", "--dry-run")
        assert dry.returncode == 0 and [d["result"] for d in json.loads(dry.stdout)["deliveries"]] == ["would_send"]
        assert smtp.messages == []
        runs = [cli("deliver", "run-due", "--now", "2021-06-21T08:30") for _ in range(2)]
        assert [r.returncode for r in runs] == [0, 0], runs[0].stderr
        assert len(smtp.messages) == 1
        assert [d["result"] for d in json.loads(runs[0].stdout)["deliveries"]] == ["sent"]
        assert "li@example.gov.cn）：sent" in runs[0].stderr
        assert json.loads(runs[1].stdout)["deliveries"] == []
        st = cli("deliver", "status")
        assert [(d["period"], d["status"], d["to"]) for d in json.loads(st.stdout)] == [
            ("2021-W24", "sent", "li@example.gov.cn")]
        bad = cli("subscription", "add", "--programme", "1", "--recipient", "li_leader", "--what", "dispatch",
                  "--cadence", "weekly", "--channel", "wecom", "--target", "ftp://x")
        assert bad.returncode == 1 and "https://" in bad.stderr


def test_two_runs_at_the_same_moment_send_once(fresh_demo_store):
    """Two schedulers (two servers' timers) firing together: the claim lets exactly one send."""
    import threading

    store = fresh_demo_store
    _users(store)
    with SMTPServer() as smtp:
        cfg = channels.load(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
        deliver.subscribe(store, programme_id=1, username="cd_clerk", what="county", cadence="weekly",
                          weekday="mon", at="08:00", channel="email", target="cd@example.gov.cn", actor=ADMIN)
        results, errors = [], []

        def run():
            try:
                other = open_store(store.url, read_only=False)  # each scheduler its own connection pool
                results.append(deliver.run_due(other, now=MONDAY, cfg=cfg, reminders=False)["deliveries"])
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        assert sorted(len(r) for r in results) == [0, 1] and len(smtp.messages) == 1
