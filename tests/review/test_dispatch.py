"""lib.review.dispatch: the weekly dispatch pack (周调度) and its xlsx and docx, staff and public."""

from __future__ import annotations

import io
from datetime import date

from openpyxl import load_workbook

from lib.access import auth
from lib.access.auth import Actor
from lib.figures import alerting, metrics
from lib.review import actions, dispatch
from tests.support.documents import docx_text

LEADER = auth.Actor(username="zhang_leader", role="leader", scope_adcode="630000", display_name="张组长")
W24 = date(2021, 6, 18)


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
                             "预警", "存在问题", "督办事项"]
    # 预警: 同德县 missed W23 and W24; the sheet lists every alert of the pack with its reason
    missed = [a for a in pack["alerts"] if a["rule"] == "missed"]
    assert [a["name"] for a in missed] == ["同德县"] and missed[0]["since_week"] == "2021-W23"
    assert wb["预警"].max_row == len(pack["alerts"]) + 1
    assert {r[0].value for r in wb["预警"].iter_rows(min_row=2, min_col=3, max_col=3)} <= set(alerting.RULES.values())
    assert wb["各县进度"].max_row == 46 and wb["督办事项"]["C2"].value == "督促甘德县落实地方配套资金"
    text, tables = docx_text(dispatch.dispatch_docx(pack))
    assert "截至6月18日" in text and "同德县" in text and "各地反映的主要问题" in text
    assert f"本周共有预警{len(pack['alerts'])}条" in text
    assert any("连续2次未按时报送" in c.text for t in tables for col in t.columns for c in col.cells)
    assert any("督促甘德县落实地方配套资金" in c.text for t in tables for c in t.columns[2].cells)

    public = dispatch.weekly_dispatch(store, 1, "2021-W24", viewer=Actor.public())
    assert public["problems"] is None
    wb = load_workbook(io.BytesIO(dispatch.dispatch_xlsx(public)))
    assert "存在问题" not in wb.sheetnames
    text, _ = docx_text(dispatch.dispatch_docx(public))
    assert "存在问题" not in text and not any(p in text for p in ("配套资金未及时到位", "施工图专家论证"))


def test_one_early_upload_leaves_the_pack_on_the_closed_week(fresh_demo_store):
    from tests.review.early_upload import CLOSED, COUNTIES, upload_week_early

    store = fresh_demo_store
    upload_week_early(store)
    pack = dispatch.weekly_dispatch(store, 1, viewer=Actor.system())
    assert (pack["reporting_day"], pack["closed"]) == (CLOSED, True)
    assert pack["in_progress"].text() == f"填报进行中：1/{COUNTIES}"
    early = dispatch.weekly_dispatch(store, 1, "2021-W48", viewer=Actor.system())
    assert early["closed"] is False and early["not_reported"].empty  # nobody named for a week in progress
    assert set(early["reporting"]["status_zh"]) == {"待报", "已报送"}
    text, tables = docx_text(dispatch.dispatch_docx(early))
    assert f"填报进行中：1/{COUNTIES}" in text and "未按时报送的名单待截止后确定" in text
    status = [r.cells[-1].text for r in tables[0].rows[1:]]
    assert status.count("已报") == 1 and status.count("待报") == COUNTIES - 1 and "未报" not in status
    assert dispatch.dispatch_filename(pack) == "青海省城镇老旧小区改造工作周调度会议材料（2021年第47周）.docx"
