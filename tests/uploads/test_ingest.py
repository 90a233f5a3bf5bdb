"""Uploads end to end on both stores: good files move the figures exactly, bad files change nothing.

Every file here is made by code. For each bad one the test asserts the Chinese
message and that a full dump of the store is identical before and after.
"""

from __future__ import annotations

import io
import threading
from datetime import date

import openpyxl
import pandas as pd
import pytest
from sqlalchemy import select, text

from lib.access.auth import Actor
from lib.access import auth
from lib.uploads import ingest
from lib.figures import metrics
from lib.uploads import templates
from lib.store.models import Base, ProgressReport, Project, ProjectRevision, Upload

WEEK = date(2021, 12, 3)  # the first week after the demo's last report (2021-11-26)
CD = "630102"  # 城东区
CZ = "630103"  # 城中区


# --- helpers ----------------------------------------------------------------------------------

def dump(store) -> list:
    """Every row of every table, in a stable order: 'the store is byte-for-byte the same'."""
    out = []
    with store.engine.connect() as c:
        for table in Base.metadata.sorted_tables:
            if not store.engine.dialect.has_table(c, table.name):
                continue
            cols = [col.name for col in table.columns]
            rows = c.execute(text(f'SELECT {", ".join(chr(34) + n + chr(34) for n in cols)} FROM "{table.name}"'))
            out.append((table.name, sorted((tuple(repr(v) for v in r) for r in rows))))
    return out


def snapshot(store, as_of=WEEK) -> dict[str, dict]:
    """Every community's latest figures as of a date, by code (one query)."""
    df = metrics.register_table(store, 1, as_of=as_of, viewer=Actor.system())
    return {r["code"]: r for r in df.to_dict("records")}


def latest(store, code: str, as_of=WEEK) -> dict:
    return snapshot(store, as_of)[code]


LAST = date(2021, 11, 26)


def county_projects(store, adcode=CD) -> list[Project]:
    with store.session() as s:
        return s.scalars(select(Project).where(Project.programme_id == 1, Project.county_adcode == adcode)
                         .order_by(Project.code)).all()


def xlsx(rows: list[list], *, title: list[list] | None = None, sheet: str = "进度") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in (title or []):
        ws.append(r)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEAD = ["项目编号", "小区名称", "当前阶段", "开工日期", "完工日期", "形象进度（%）", "累计完成投资（万元）",
        "累计支付资金（万元）", "是否更正"]


def progress_rows(store, edits: dict[int, dict] | None = None, adcode=CD) -> list[list]:
    """This county's communities at their last figures, with some rows edited."""
    rows = [HEAD]
    snap = snapshot(store, LAST)
    for i, p in enumerate(county_projects(store, adcode)):
        cur = snap[p.code]
        row = {"项目编号": p.code, "小区名称": p.name, "当前阶段": cur["stage"],
               "开工日期": cur["started_on"], "完工日期": cur["finished_on"],
               "形象进度（%）": cur["progress_pct"], "累计完成投资（万元）": cur["invested_wan"],
               "累计支付资金（万元）": cur["paid_wan"], "是否更正": None}
        row.update((edits or {}).get(i, {}))
        rows.append([None if (isinstance(v, float) and pd.isna(v)) else v for v in (row[h] for h in HEAD)])
    return rows


def first_started_not_finished(store, adcode=CD) -> int:
    snap = snapshot(store, LAST)
    for i, p in enumerate(county_projects(store, adcode)):
        if snap[p.code]["stage"] == "开工":
            return i
    raise AssertionError("no community in progress")


def district(name="cd_clerk", scope=CD) -> auth.Actor:
    return auth.Actor(username=name, role="district", scope_adcode=scope)


def commit(store, data, name="周报.xlsx", **kw):
    kw.setdefault("actor", district())
    kw.setdefault("county", CD)
    kw.setdefault("as_of", WEEK)
    return ingest.commit(store, data, name, 1, **kw)


# --- good files -------------------------------------------------------------------------------

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


def test_messy_real_world_sheet(fresh_demo_store):
    """Title rows, 填报日期 in the title, two-row header, text numbers, full-width digits, 合计 row."""
    store = fresh_demo_store
    i = first_started_not_finished(store)
    projects = county_projects(store)
    p = projects[i]
    cur = latest(store, p.code, date(2021, 11, 26))
    rows = [["城东区老旧小区改造项目进度表"], ["填报单位：城东区住建局", None, None, "填报日期：2021.12.3"],
            ["序号", "小区名称", "工程状态", "形象进度", "累计完成投资", None],
            [None, None, None, None, "金额（万元）", "占计划比例"]]
    snap = snapshot(store, LAST)
    for n, q in enumerate(projects, start=1):
        c = snap[q.code]
        pct, inv = c["progress_pct"], c["invested_wan"]
        if q.code == p.code:
            pct, inv = min(100.0, (pct or 0) + 10), round((inv or 0) + 12.5, 1)
        rows.append([n, f" {q.name} ", c["stage"] if q.code != p.code else "在建",
                     f"{pct:g}%", f"{inv:,.1f}".translate(str.maketrans("0123456789", "０１２３４５６７８９")), None])
    rows.append(["合计", None, None, None, "99999", None])
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    ws.merge_cells("E3:F3")
    buf = io.BytesIO()
    wb.save(buf)
    pv = ingest.commit(store, buf.getvalue(), "进度.xlsx", 1, actor=district(), county=CD)
    assert pv.status == "committed", [e.message for e in pv.errors]
    assert pv.report_date == WEEK
    assert pv.rows == len(projects)  # 合计 skipped
    row = latest(store, p.code)
    assert row["progress_pct"] == pytest.approx(min(100.0, (cur["progress_pct"] or 0) + 10))
    assert row["invested_wan"] == pytest.approx(round((cur["invested_wan"] or 0) + 12.5, 1))


def test_gbk_csv(fresh_demo_store):
    store = fresh_demo_store
    rows = progress_rows(store)
    csv = "\n".join(",".join("" if v is None else str(v) for v in r) for r in rows).encode("gbk")
    pv = commit(store, csv, "城东区.csv")
    assert pv.status == "committed", [e.message for e in pv.errors][:3]
    assert pv.accepted == len(rows) - 1


def test_rollback_restores_previous_figures(fresh_demo_store):
    store = fresh_demo_store
    i = first_started_not_finished(store)
    before = metrics.summary(store, 1, as_of=WEEK, by="county")
    pv = commit(store, xlsx(progress_rows(store, {i: {"当前阶段": "完工", "完工日期": date(2021, 12, 2),
                                                       "形象进度（%）": 100}})))
    assert pv.status == "committed"
    assert metrics.summary(store, 1, as_of=WEEK, by="county") != before
    with pytest.raises(Exception):
        ingest.rollback(store, pv.upload_id, actor=district())  # districts may not roll back
    admin = auth.Actor(username="admin1", role="admin")
    r = ingest.rollback(store, pv.upload_id, actor=admin)
    assert r["status"] == "rolled_back"
    assert metrics.summary(store, 1, as_of=WEEK, by="county") == before
    with store.session() as s:  # history is kept, only deactivated
        assert s.scalar(select(ProgressReport.id).where(ProgressReport.upload_id == pv.upload_id)) is not None
        assert s.get(Upload, pv.upload_id).status == "rolled_back"
        actions = [a for (a,) in s.execute(text("SELECT action FROM audit_log")).all()]
    assert "upload.commit" in actions and "upload.rollback" in actions


def test_correction_flag_allows_going_back_and_keeps_history(fresh_demo_store):
    store = fresh_demo_store
    projects = county_projects(store)
    snap = snapshot(store, LAST)
    i = next(k for k, p in enumerate(projects) if (snap[p.code]["invested_wan"] or 0) > 10)
    old = latest(store, projects[i].code, date(2021, 11, 26))["invested_wan"]
    lower = round(old - 5, 1)
    refused = commit(store, xlsx(progress_rows(store, {i: {"累计完成投资（万元）": lower}})))
    assert refused.status == "rejected"
    assert any("不能倒退" in e.message and "是否更正" in e.message for e in refused.errors)
    ok = commit(store, xlsx(progress_rows(store, {i: {"累计完成投资（万元）": lower, "是否更正": "是"}})))
    assert ok.status == "committed", [e.message for e in ok.errors]
    assert any("更正" in w.message for w in ok.warnings)
    assert latest(store, projects[i].code)["invested_wan"] == pytest.approx(lower)
    assert latest(store, projects[i].code, date(2021, 11, 26))["invested_wan"] == pytest.approx(old)
    with store.session() as s:
        rep = s.scalar(select(ProgressReport).where(ProgressReport.upload_id == ok.upload_id,
                                                    ProgressReport.project_id == projects[i].id))
    assert rep.is_correction


def test_register_upload_adds_and_updates_with_history(fresh_demo_store):
    store = fresh_demo_store
    p = county_projects(store)[0]
    data = xlsx([["项目编号", "小区名称", "所属县区", "改造户数（户）", "改造栋数（栋）", "建成年代（年）", "改造内容"],
                 [p.code, p.name, "城东区", p.households + 6, p.buildings, 1990, "供水、道路、加装电梯"],
                 [None, "新建巷家属院", "城东区", 88, 3, 2003, "屋面外墙、停车、充电设施"]], sheet="台账")
    pv = commit(store, data, "台账.xlsx", kind="register", as_of=date(2021, 6, 1))
    assert pv.status == "committed", [e.message for e in pv.errors]
    assert any("2000" in w.message for w in pv.warnings)  # built after 2000: a flag, not a rejection
    with store.session() as s:
        new = s.scalar(select(Project).where(Project.name == "新建巷家属院"))
        upd = s.get(Project, p.id)
        revs = s.scalars(select(ProjectRevision).where(ProjectRevision.upload_id == pv.upload_id)).all()
    assert new.code.startswith(CD) and new.households == 88 and new.registered_on == date(2021, 6, 1)
    assert upd.households == p.households + 6 and "lift" in upd.content
    assert {r.project_id for r in revs} == {p.id, new.id}
    assert next(r for r in revs if r.project_id == p.id).before["households"] == p.households
    ingest.rollback(store, pv.upload_id, actor=auth.Actor(username="a", role="admin"))
    with store.session() as s:
        assert s.get(Project, p.id).households == p.households
        assert s.scalar(select(Project).where(Project.name == "新建巷家属院")) is None


def test_two_counties_upload_at_once(fresh_demo_store):
    store = fresh_demo_store
    files = {CD: xlsx(progress_rows(store, adcode=CD)), CZ: xlsx(progress_rows(store, adcode=CZ))}
    results = {}

    def go(adcode):
        results[adcode] = ingest.commit(store, files[adcode], f"{adcode}.xlsx", 1,
                                        actor=district(f"u{adcode}", adcode), county=adcode, as_of=WEEK)

    threads = [threading.Thread(target=go, args=(a,)) for a in files]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert {a: r.status for a, r in results.items()} == {CD: "committed", CZ: "committed"}
    s = metrics.summary(store, 1, as_of=WEEK, by="county")
    reported = {c["adcode"]: c["totals"]["reported_this_week"] for c in s["children"]}
    assert reported[CD] == len(county_projects(store, CD)) and reported[CZ] == len(county_projects(store, CZ))


# --- bad files: a clear message, and the store untouched -------------------------------------------

def _bad_cases(store):
    i = first_started_not_finished(store)
    projects = county_projects(store)
    cur = latest(store, projects[i].code, date(2021, 11, 26))
    snap = snapshot(store, LAST)
    done = next(k for k, p in enumerate(projects) if snap[p.code]["stage"] in ("完工", "验收"))
    other = county_projects(store, CZ)[0]
    return {
        "unknown_name": (progress_rows(store, {i: {"项目编号": None, "小区名称": projects[i].name + "X"}}),
                         ["没有名为", "您是否要找", projects[i].name]),
        "unknown_code": (progress_rows(store, {i: {"项目编号": "QH2021-630102-999"}}), ["不在本计划的台账中"]),
        "outside_county": (progress_rows(store) + [[other.code, other.name, "开工", None, None, 10, 1, 1, None]],
                           ["不属于本次上传的城东区"]),
        "unknown_stage": (progress_rows(store, {i: {"当前阶段": "已开挖"}}), ["无法识别", "长效管理"]),
        "pct_over_100": (progress_rows(store, {i: {"形象进度（%）": 120}}), ["超出 0–100%"]),
        "negative_money": (progress_rows(store, {i: {"累计支付资金（万元）": -3}}), ["不能为负数"]),
        "future_date": (progress_rows(store, {i: {"开工日期": date(2021, 12, 20)}}), ["晚于填报日期"]),
        "start_after_finish": (progress_rows(store, {done: {"开工日期": date(2021, 11, 1), "完工日期": date(2021, 10, 1)}}),
                               ["早于开工日期"]),
        "stage_backwards": (progress_rows(store, {done: {"当前阶段": "开工", "形象进度（%）": 100}}),
                            ["退回", "是否更正"]),
        "pct_backwards": (progress_rows(store, {i: {"形象进度（%）": max(0.0, (cur["progress_pct"] or 1) - 1)}}),
                          ["形象进度从"]),
        "duplicate_different": (progress_rows(store) + [[projects[i].code, projects[i].name, "开工", None, None,
                                                         99, None, None, None]], ["已出现", "数值不同"]),
        "no_name_no_code": (progress_rows(store, {i: {"项目编号": None, "小区名称": None}}), ["都为空"]),
    }


@pytest.mark.parametrize("case", ["unknown_name", "unknown_code", "outside_county", "unknown_stage", "pct_over_100",
                                  "negative_money", "future_date", "start_after_finish", "stage_backwards",
                                  "pct_backwards", "duplicate_different", "no_name_no_code"])
def test_bad_progress_file_refused_store_unchanged(fresh_demo_store, case):
    store = fresh_demo_store
    rows, needles = _bad_cases(store)[case]
    before = dump(store)
    pv = commit(store, xlsx(rows))
    assert pv.status == "rejected" and pv.upload_id is None
    text_ = " ".join(e.message for e in pv.errors)
    for n in needles:
        assert n in text_, (case, text_)
    assert all(e.row and e.sheet == "进度" for e in pv.errors)  # each error names its sheet and row
    assert dump(store) == before


def test_missing_report_date_refused(fresh_demo_store):
    store = fresh_demo_store
    before = dump(store)
    pv = commit(store, xlsx(progress_rows(store)), as_of=None)
    assert pv.status == "rejected" and "未找到填报日期" in pv.errors[0].message
    assert dump(store) == before


def test_district_cannot_upload_other_county(fresh_demo_store):
    store = fresh_demo_store
    before = dump(store)
    pv = ingest.commit(store, xlsx(progress_rows(store, adcode=CZ)), "城中区.xlsx", 1,
                       actor=district("cd_clerk", CD), county=None, as_of=WEEK)
    assert pv.status == "rejected"
    assert all("不在账号“cd_clerk”负责的" in e.message for e in pv.errors)
    assert len(pv.errors) == len(county_projects(store, CZ))
    assert dump(store) == before


@pytest.mark.parametrize("name,data,needle", [
    ("empty.xlsx", b"", "空"),
    ("report.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "PDF"),
    ("x.xlsx", bytes(range(256)) * 40, "Excel"),
])
def test_not_a_spreadsheet_refused(fresh_demo_store, name, data, needle):
    store = fresh_demo_store
    before = dump(store)
    pv = commit(store, data, name)
    assert pv.status == "rejected" and needle in pv.errors[0].message
    assert dump(store) == before


def test_annotated_workbook_marks_error_cells(demo_store):
    store = demo_store
    rows, _ = _bad_cases(store)["pct_over_100"]
    data = xlsx(rows)
    pv = ingest.check(store, data, "x.xlsx", 1, actor=district(), county=CD, as_of=WEEK)
    out = openpyxl.load_workbook(io.BytesIO(templates.annotate(data, "x.xlsx", pv.errors)))
    assert out.sheetnames[0] == "校验结果"
    err = pv.errors[0]
    ws = out["进度"]
    cell = ws.cell(err.row, HEAD.index("形象进度（%）") + 1)
    assert cell.comment is not None and "0–100%" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")


def test_commit_reuses_preview_only_if_nothing_was_written_since(fresh_demo_store):
    store = fresh_demo_store
    i = first_started_not_finished(store)
    cur = latest(store, county_projects(store)[i].code, LAST)
    data = xlsx(progress_rows(store, {i: {"形象进度（%）": (cur["progress_pct"] or 0) + 1}}))
    pv = ingest.check(store, data, "a.xlsx", 1, actor=district(), county=CD, as_of=WEEK)
    assert pv.status == "ok"
    # meanwhile another upload for the same week raises that community's progress further
    other = xlsx(progress_rows(store, {i: {"形象进度（%）": (cur["progress_pct"] or 0) + 3}}))
    assert commit(store, other, "b.xlsx", actor=district("colleague")).status == "committed"
    done = ingest.commit(store, data, "a.xlsx", 1, actor=district(), county=CD, as_of=WEEK, preview=pv)
    assert done.status == "rejected"  # checked again: it would now lower the figure
    assert any("形象进度从" in e.message for e in done.errors)


# --- every bad file of the reader's corpus, through a real upload -------------------------------------

def _bad_corpus():
    from tests.corpus import CORPUS

    return [e for e in CORPUS if not e.expected.ok]


@pytest.mark.parametrize("entry", _bad_corpus(), ids=lambda e: e.name)
def test_bad_corpus_file_refused_with_its_message_store_unchanged(fresh_demo_store, entry):
    """The reader's bad files (password, PDF, image, empty, merged-header mistakes ...) as uploads:
    the same Chinese message reaches the user, and the store is byte-for-byte unchanged."""
    store = fresh_demo_store
    before = dump(store)
    kw = {k: v for k, v in entry.expected.read_kwargs.items() if k in ("max_bytes", "max_rows")}
    pv = ingest.commit(store, entry.data, entry.filename, 1, actor=auth.Actor.system("test"),
                       as_of=WEEK, kind=entry.expected.read_kwargs.get("kind"), **kw)
    assert pv.status == "rejected" and pv.upload_id is None, (entry.name, pv.status)
    messages = " ".join(e.message for e in pv.errors)
    for spec in entry.expected.errors:
        assert all(c in messages for c in spec.contains), (entry.name, spec.contains, messages[:300])
    assert dump(store) == before
