"""lib.uploads.ingest end to end on both stores: good files move the figures exactly, bad files change nothing.

Every file here is made by code. For each bad one the test asserts the Chinese
message and that a full dump of the store is identical before and after.
"""

from __future__ import annotations

import io
import threading
from datetime import date

import openpyxl
import pytest
from sqlalchemy import select, text

from lib.access import auth
from lib.access.auth import Actor
from lib.figures import metrics
from lib.store.models import ProgressReport, Project, ProjectRevision, Upload
from lib.uploads import ingest
from tests.support import CD, CZ, WEEK
from tests.support.uploads import (
    LAST,
    bad_cases,
    commit,
    county_projects,
    district,
    dump,
    first_started_not_finished,
    latest,
    progress_rows,
    register_sheet,
    snapshot,
    xlsx,
)

CLERK = Actor(username="cd_clerk", role="district", scope_adcode=CD)


# --- good files -------------------------------------------------------------------------------

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

@pytest.mark.parametrize("case", ["unknown_name", "unknown_code", "outside_county", "unknown_stage", "pct_over_100",
                                  "negative_money", "future_date", "start_after_finish", "stage_backwards",
                                  "pct_backwards", "duplicate_different", "no_name_no_code"])
def test_bad_progress_file_refused_store_unchanged(fresh_demo_store, case):
    store = fresh_demo_store
    rows, needles = bad_cases(store)[case]
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


def test_path_traversal_in_an_upload_name_stays_a_name(fresh_demo_store):
    store = fresh_demo_store
    pv = ingest.commit(store, register_sheet("乙小区"), "../../etc/passwd.xlsx", 1, actor=CLERK, county=CD,
                       as_of=date(2021, 6, 1), kind="register")
    assert pv.status == "committed", [e.message for e in pv.errors]
    with store.session() as s:
        name = s.scalar(select(Upload.filename).where(Upload.id == pv.upload_id))
    assert name == "passwd.xlsx"


# --- every bad file of the reader's corpus, through a real upload -------------------------------------

def _bad_corpus():
    from tests.support.corpus import CORPUS

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


# --- the uploading county by name or code: resolved once, its code stored ---------------------------

@pytest.mark.parametrize("given", ["城东区", "西宁市城东区", CD])
def test_county_by_name_or_code_checked_and_stored_as_its_code(fresh_demo_store, given):
    store = fresh_demo_store
    admin = auth.Actor(username="admin1", role="admin")
    i = first_started_not_finished(store)
    data = xlsx(progress_rows(store, {i: {"当前阶段": "完工", "完工日期": WEEK, "形象进度（%）": 100}}))
    for who in (admin, CLERK):
        dry = ingest.check(store, data, "周报.xlsx", 1, actor=who, county=given, as_of=WEEK)
        assert dry.status == "ok" and dry.counties == [CD], [e.message for e in dry.errors]
    done = ingest.commit(store, data, "周报.xlsx", 1, actor=CLERK, county=given, as_of=WEEK)
    assert done.status == "committed", [e.message for e in done.errors]
    with store.session() as s:
        assert s.get(Upload, done.upload_id).county_adcode == CD
