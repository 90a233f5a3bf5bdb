"""lib.uploads.templates: a county's template filled in imports cleanly; a refused file comes back annotated."""

from __future__ import annotations

import io
from datetime import date

import openpyxl

from lib.access.auth import Actor
from lib.figures import metrics
from lib.uploads import ingest, templates
from tests.support import CD, WEEK
from tests.support.uploads import HEAD, bad_cases, county_projects, district, dump, latest, xlsx


def test_template_filled_in_imports_cleanly_and_moves_figures(fresh_demo_store):
    store = fresh_demo_store
    data = templates.template(store, 1, CD, kind="progress", viewer=Actor.system())
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["进度填报"]
    assert ws.freeze_panes == "C4"
    assert any("开工" in (dv.formula1 or "") for dv in ws.data_validations.dataValidation)
    # a clerk moves one community from 开工 to 完工
    heads = [c.value.rstrip("*") if c.value else None for c in ws[3]]
    col = {h: i + 1 for i, h in enumerate(heads)}
    target_row = next(r for r in range(4, ws.max_row + 1) if ws.cell(r, col["当前阶段"]).value == "开工")
    code = ws.cell(target_row, col["项目编号"]).value
    ws.cell(target_row, col["当前阶段"], "完工")
    ws.cell(target_row, col["完工日期"], "2021年12月1日")
    ws.cell(target_row, col["形象进度（%）"], "100%")
    ws.cell(2, 5, "2021年12月3日")  # 填报日期 in the title area
    buf = io.BytesIO()
    wb.save(buf)

    before = metrics.summary(store, 1, region=CD, as_of=WEEK)["totals"]
    hh = next(p.households for p in county_projects(store) if p.code == code)
    pv = ingest.commit(store, buf.getvalue(), "城东区第49周.xlsx", 1, actor=district(), county=CD)
    assert pv.status == "committed", [e.message for e in pv.errors]
    assert pv.report_date == WEEK and not pv.errors
    assert pv.accepted == len(county_projects(store))
    after = metrics.summary(store, 1, region=CD, as_of=WEEK)["totals"]
    assert after["communities"]["completed"] == before["communities"]["completed"] + 1
    assert after["households"]["completed"] == before["households"]["completed"] + hh
    assert after["communities"]["started"] == before["communities"]["started"]
    assert after["reported_this_week"] == len(county_projects(store))
    row = latest(store, code)
    assert row["stage"] == "完工" and row["progress_pct"] == 100 and row["finished_on"] == date(2021, 12, 1)
    # the same content again changes nothing
    d = dump(store)
    again = ingest.commit(store, buf.getvalue(), "copy.xlsx", 1, actor=district(), county=CD)
    assert again.status == "unchanged" and again.upload_id == pv.upload_id
    assert dump(store) == d


def test_annotated_workbook_marks_error_cells(demo_store):
    store = demo_store
    rows, _ = bad_cases(store)["pct_over_100"]
    data = xlsx(rows)
    pv = ingest.check(store, data, "x.xlsx", 1, actor=district(), county=CD, as_of=WEEK)
    out = openpyxl.load_workbook(io.BytesIO(templates.annotate(data, "x.xlsx", pv.errors)))
    assert out.sheetnames[0] == "校验结果"
    err = pv.errors[0]
    ws = out["进度"]
    cell = ws.cell(err.row, HEAD.index("形象进度（%）") + 1)
    assert cell.comment is not None and "0–100%" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")
