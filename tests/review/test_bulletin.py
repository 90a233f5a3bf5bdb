"""The review cycle on the Qinghai demo: reporting discipline, weekly dispatch, follow-up actions,
monthly bulletin (read back with python-docx) and the year-end forecast with its back-test."""

from __future__ import annotations

import io
import json
import re
from datetime import date, datetime

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from lib.access.auth import Actor
from lib.review import actions
from lib.access import auth
from lib.review import bulletin
from lib.figures import discipline
from lib.review import dispatch
from lib.office import fmt
from lib.figures import forecast
from lib.figures import metrics
from lib.figures import rankings
from lib.domain.errors import UserError
from lib.store.models import AuditLog, Programme, ProgressReport, Project, Upload

LEADER = auth.Actor(username="zhang_leader", role="leader", scope_adcode="630000", display_name="张组长")
W24 = date(2021, 6, 18)
JUNE_CUTOFF = date(2021, 6, 25)


def _doc_text(data: bytes) -> tuple[str, list]:
    doc = Document(io.BytesIO(data))
    text = "\n".join(p.text for p in doc.paragraphs)
    return text, doc.tables


# --- reporting discipline -----------------------------------------------------------------

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


# --- follow-up actions and the weekly dispatch -------------------------------------------------

def test_actions_stay_open_until_closed(fresh_demo_store):
    store = fresh_demo_store
    a = actions.add(store, 1, week=date(2021, 6, 11), title="督促甘德县落实地方配套资金", actor=LEADER,
                    region="632623", owner="果洛州住建局", deadline=date(2021, 6, 30))
    assert [x["id"] for x in actions.list_open(store, 1, date(2021, 6, 4))] == []
    assert [x["id"] for x in actions.list_open(store, 1, W24)] == [a["id"]]
    assert actions.list_open(store, 1, date(2021, 7, 2))[0]["status"] == "overdue"
    actions.close(store, a["id"], actor=LEADER, note="资金已到位", closed_on=date(2021, 6, 25))
    assert [x["id"] for x in actions.list_open(store, 1, W24)] == [a["id"]]  # the W24 pack still shows it
    assert actions.list_open(store, 1, date(2021, 7, 2)) == []
    assert [x["id"] for x in actions.closed_in_week(store, 1, JUNE_CUTOFF)] == [a["id"]]
    with pytest.raises(UserError):
        actions.close(store, a["id"], actor=LEADER)
    with pytest.raises(UserError):
        actions.add(store, 1, week=W24, title="  ", actor=LEADER)
    with pytest.raises(UserError):  # districts may not record actions
        actions.add(store, 1, week=W24, title="x", actor=auth.Actor(username="d", role="district",
                                                                     scope_adcode="630102"))
    with store.session() as s:
        log = s.scalars(select(AuditLog).where(AuditLog.entity == "follow_up_action")).all()
    assert {(r.action, r.actor) for r in log} == {("action.add", "zhang_leader"), ("action.close", "zhang_leader")}


def test_dispatch_pack_w24(fresh_demo_store):
    store = fresh_demo_store
    actions.add(store, 1, week=date(2021, 6, 11), title="督促甘德县落实地方配套资金", actor=LEADER, region="632623")
    pack = dispatch.weekly_dispatch(store, 1, "2021-W24", viewer=Actor.system())
    now = metrics.summary(store, 1, as_of=W24)["totals"]
    before = metrics.summary(store, 1, as_of=date(2021, 6, 11))["totals"]
    h = pack["headline"]
    assert h["new_started_households"] == now["households"]["started"] - before["households"]["started"] > 0
    assert h["new_completed_communities"] == now["communities"]["completed"] - before["communities"]["completed"]
    assert len(pack["counties"]) == 45
    assert set(pack["not_reported"]["name"]) == {"互助土族自治县", "同德县", "玛沁县"}
    assert all(pack["stalled_communities"]["weeks"] >= 2)
    assert [a["title"] for a in pack["actions"]] == ["督促甘德县落实地方配套资金"]
    assert len(pack["problems"]) > 0

    wb = load_workbook(io.BytesIO(dispatch.dispatch_xlsx(pack)))
    assert wb.sheetnames == ["本周概况", "各县进度", "明显滞后", "连续两周无进展县", "无进展小区", "未按时报送",
                             "存在问题", "督办事项"]
    assert wb["各县进度"].max_row == 46 and wb["督办事项"]["C2"].value == "督促甘德县落实地方配套资金"
    text, tables = _doc_text(dispatch.dispatch_docx(pack))
    assert "截至6月18日" in text and "同德县" in text and "各地反映的主要问题" in text
    assert any("督促甘德县落实地方配套资金" in c.text for t in tables for c in t.columns[2].cells)

    public = dispatch.weekly_dispatch(store, 1, "2021-W24", viewer=Actor.public())
    assert public["problems"] is None
    wb = load_workbook(io.BytesIO(dispatch.dispatch_xlsx(public)))
    assert "存在问题" not in wb.sheetnames
    text, _ = _doc_text(dispatch.dispatch_docx(public))
    assert "存在问题" not in text and not any(p in text for p in ("配套资金未及时到位", "施工图专家论证"))


# --- the monthly bulletin -----------------------------------------------------------------------

def test_bulletin_june_figures_tables_and_lists(demo_store):
    b = bulletin.monthly_bulletin(demo_store, 1, "2021-06", viewer=Actor.system())
    assert b["cutoff"] == JUNE_CUTOFF
    data = bulletin.bulletin_docx(demo_store, 1, "2021-06", charts=False, viewer=Actor.system())
    text, tables = _doc_text(data)
    assert text.replace("\n", "").startswith("关于2021年6月份全省城镇老旧小区改造工作进展情况的通报")
    assert "截至2021年6月25日" in text
    for head in ("一、总体进展情况", "二、各地进展情况", "（一）各市（州）进展情况", "（二）各县（市、区）进展情况",
                 "三、通报表扬", "四、进展缓慢的地区", "下一步工作要求"):
        assert head in text, head
    # figures: the same as metrics.summary at the cut-off
    s = metrics.summary(demo_store, 1, as_of=JUNE_CUTOFF)["totals"]
    for needle in (f"累计开工改造城镇老旧小区{s['communities']['started']}个、{fmt.count(s['households']['started'], '户')}",
                   f"{fmt.pct(s['communities']['start_rate'])}和{fmt.pct(s['households']['start_rate'])}",
                   f"累计完工小区{s['communities']['completed']}个",
                   f"累计完成投资{fmt.money_wan(s['investment_wan']['invested'])}",
                   f"累计资金支付{fmt.money_wan(s['investment_wan']['paid'])}"):
        assert needle in text, needle
    # tables: 8 prefectures, 45 counties, figures from rankings
    pref, county = tables[0], tables[1]
    assert len(pref.rows) == 1 + 8 and len(county.rows) == 1 + 45
    rk = rankings.ranking(demo_store, 1, as_of=JUNE_CUTOFF, by="county")
    names = [r.cells[2].text for r in county.rows[1:]]
    assert names == list(rk["name"])
    assert [int(r.cells[4].text) for r in county.rows[1:]] == [int(v) for v in rk["started"]]
    # praised: ahead of pace and in the top 5; named: behind by the stated rule
    bands = rk.set_index("name")
    praised = [r["name"] for _, r in b["praised"].iterrows()]
    assert 0 < len(praised) and all(bands.at[n, "band"] == "ahead" and bands.at[n, "rank"] <= 5 for n in praised)
    assert "予以通报表扬" in text and all(n in text for n in praised)
    behind = [r["name"] for r in b["behind"]]
    assert behind and all(bands.at[n, "band"] == "behind" for n in behind)
    assert all(bands.at[n, "rate"] < bands.at[n, "expected"] * rankings.DEFAULT_BANDS.behind for n in behind)
    assert set(behind) == set(rk.loc[rk["band"] == "behind", "name"])
    rec = discipline.county_record(demo_store, 1, JUNE_CUTOFF, weeks=4).set_index("name")
    late = [r["name"] for _, r in b["late_reporting"].iterrows()]
    assert late and all(rec.at[n, "missing"] + rec.at[n, "late"] >= 1 for n in late)
    assert set(late) == set(rec.index[(rec["missing"] + rec["late"]) > 0])
    # official register: no English, no placeholders
    body = "\n".join([text] + [c.text for t in tables for c in t._cells])
    assert not re.search(r"[A-Za-z]", body), re.findall(r".{8}[A-Za-z]+.{8}", body)[:3]
    assert not re.search(r"XX|××|TODO|\{|\}", body)


def test_bulletin_edits_and_charts(fresh_demo_store, backend):
    store = fresh_demo_store
    bulletin.save_text(store, 1, "2021-06", "praise_remark", "望受表扬地区继续保持。", actor=LEADER)
    with pytest.raises(UserError):
        bulletin.save_text(store, 1, "2021-06", "overall", "截至6月底全部开工", actor=LEADER)
    with pytest.raises(UserError):
        bulletin.save_text(store, 1, "2021-06", "intro", "x", actor=auth.Actor(username="d", role="district",
                                                                               scope_adcode="630102"))
    plain = bulletin.bulletin_docx(store, 1, "2021-06", charts=False, viewer=Actor.system())
    text, tables = _doc_text(plain)
    assert "望受表扬地区继续保持。" in text and "希望受到表扬的地区再接再厉" not in text
    assert len(Document(io.BytesIO(plain)).inline_shapes) == 0
    bulletin.reset_text(store, 1, "2021-06", "praise_remark", actor=LEADER)
    assert "希望受到表扬的地区再接再厉" in _doc_text(bulletin.bulletin_docx(store, 1, "2021-06", charts=False, viewer=Actor.system()))[0]
    with store.session() as s:
        acts = [a.action for a in s.scalars(select(AuditLog).where(AuditLog.entity == "bulletin_draft")).all()]
    assert acts == ["bulletin.edit", "bulletin.reset"]
    if backend == "sqlite":  # the chart renderer (Chromium) once is enough
        with_charts = bulletin.bulletin_docx(store, 1, "2021-06", charts=True, viewer=Actor.system())
        doc = Document(io.BytesIO(with_charts))
        assert len(doc.inline_shapes) == 2
        assert len(doc.tables) == len(tables) and "图1" in "\n".join(p.text for p in doc.paragraphs)


def test_bulletin_month_without_reports(demo_store):
    with pytest.raises(UserError, match="没有进度填报数据"):
        bulletin.monthly_bulletin(demo_store, 1, "2021-02", viewer=Actor.system())
    with pytest.raises(UserError, match="YYYY-MM"):
        bulletin.monthly_bulletin(demo_store, 1, "六月", viewer=Actor.system())


# --- forecast -----------------------------------------------------------------------------

def test_forecast_bounds(demo_store):
    fc = forecast.forecast(demo_store, 1, as_of="2021-06-25")
    assert fc["as_of"] == "2021-06-25" and len(fc["counties"]) == 45
    for c in fc["counties"]:
        assert c["started"] <= c["started_low"] <= c["projected_started"] <= c["started_high"] <= c["registered"]
    top = fc["region"]
    assert top["started"] == metrics.summary(demo_store, 1, as_of="2021-06-25")["totals"]["households"]["started"]
    done = forecast.forecast(demo_store, 1, as_of="2021-11-26")
    assert not any(c["will_miss"] and c["start_rate"] >= 1 for c in done["counties"])


def test_backtest_flags_every_county_that_ended_behind(demo_store, backend):
    if backend == "postgresql":
        pytest.skip("pure computation over weekly_series, which is tested on both stores; once is enough")
    bt = forecast.backtest(demo_store, 1, final="2021-11-26")
    behind = {r["name"] for r in bt["behind"]}
    assert behind == {"城东区", "湟中区", "民和回族土族自治县", "循化撒拉族自治县", "甘德县"}
    assert bt["missed"] == []
    # flagged in May or June, well before the season ends (README states the weeks)
    assert all(r["first_flagged"] <= "2021-07-16" for r in bt["behind"])
    assert bt["false_alarm_weeks"] <= 45 and len(bt["false_alarm_counties"]) <= 10
    assert all(n == 0 for w, n in bt["flagged_per_week"].items() if w < "2021-05-07")


# --- the command line ------------------------------------------------------------------------

def test_cli_review_commands(sqlite_demo_url, tmp_path, capsys):
    from lib.cli import main

    out = tmp_path / "w24.xlsx"
    assert main(["--db", sqlite_demo_url, "dispatch", "--programme", "1", "--week", "2021-W24", "--out", str(out)]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["not_reported"] == ["互助土族自治县", "同德县", "玛沁县"] and out.exists()
    docx = tmp_path / "b.docx"
    assert main(["--db", sqlite_demo_url, "bulletin", "--programme", "1", "--month", "2021-06", "--out", str(docx),
                 "--no-charts"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["cutoff"] == "2021-06-25" and res["prefectures"] == 8 and res["counties"] == 45
    assert main(["--db", sqlite_demo_url, "discipline", "--programme", "1", "--week", "2021-W24"]) == 0
    assert json.loads(capsys.readouterr().out)["missing"] == 3
    assert main(["--db", sqlite_demo_url, "forecast", "--programme", "1", "--as-of", "2021-06-25"]) == 0
    assert len(json.loads(capsys.readouterr().out)["counties"]) == 45
    assert main(["--db", sqlite_demo_url, "dispatch", "--programme", "1", "--week", "2021-W24",
                 "--out", str(tmp_path / "x.pdf")]) == 1
    assert "xlsx" in capsys.readouterr().err
