"""The preview tells the truth (lib.uploads.checks through lib.uploads.ingest), on both stores.

Each file is the county's communities at their last figures (tests.support.uploads) with a
few cells edited here; the expected counts are written down by hand from those edits: every
kind of change is counted, only the rows that change are listed, each naming its changed
fields, and a file already stored is "unchanged" before anyone is asked to confirm.
"""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from sqlalchemy import select

from lib.access.auth import Actor
from lib.domain import vocabulary
from lib.figures import metrics
from lib.store.models import ProgressReport, Project, ProjectRevision, Upload
from lib.uploads import ingest
from tests.support import CD, WEEK
from tests.support.uploads import (
    HEAD,
    LAST,
    commit,
    county_projects,
    district,
    dump,
    progress_rows,
    snapshot,
    text_xlsx,
    xlsx,
)

EXTRA = ["验收日期", "已加装电梯（部）", "存在问题"]


def _check(store, data, **kw):
    kw.setdefault("actor", district())
    kw.setdefault("county", CD)
    kw.setdefault("as_of", WEEK)
    return ingest.check(store, data, "周报.xlsx", 1, **kw)


def _accepted_on(store) -> dict[str, date | None]:
    """Each community's accepted_on in its last report up to LAST (the register table has no such column)."""
    snap = snapshot(store, LAST)
    out = {}
    with store.session() as s:
        for p in county_projects(store):
            out[p.code] = s.scalar(select(ProgressReport.accepted_on).where(
                ProgressReport.project_id == p.id, ProgressReport.report_date == snap[p.code]["report_date"])
                .order_by(ProgressReport.id.desc()).limit(1))
    return out


def _full_rows(store, edits: dict[int, dict]) -> list[list]:
    """Every column a progress file can carry (the template's and 验收日期, lifts, problems),
    each community at its last figures, then the edits."""
    snap = snapshot(store, LAST)
    acc = _accepted_on(store)
    base = progress_rows(store)
    rows = [base[0] + EXTRA]
    for i, (r, p) in enumerate(zip(base[1:], county_projects(store))):
        c = snap[p.code]
        problems = c["problems"] if isinstance(c["problems"], str) else None
        extra = {"验收日期": acc[p.code], "已加装电梯（部）": int(c["lifts_added"] or 0), "存在问题": problems}
        row = dict(zip(HEAD, r)) | extra
        row.update(edits.get(i, {}))
        rows.append([row[h] for h in rows[0]])
    return rows


def _pick(store):
    """Communities by what they are at LAST, by index in the county's list."""
    snap = snapshot(store, LAST)
    ps = county_projects(store)

    def where(cond, n):
        found = [i for i, p in enumerate(ps) if cond(snap[p.code])]
        assert len(found) >= n, "the demo has changed"
        return found[:n]

    def clean(c):
        return not isinstance(c["problems"], str)

    started = where(lambda c: c["stage"] == "开工" and c["progress_pct"] <= 90 and clean(c)
                    and c["paid_wan"] + 20 <= c["invested_wan"], 4)
    return {"planning": where(lambda c: c["stage"] == "前期", 1)[0],
            "finished": where(lambda c: c["stage"] == "完工" and clean(c), 1)[0],
            "troubled": where(lambda c: c["stage"] == "开工" and not clean(c), 1)[0],
            "started": started, "snap": snap, "projects": ps}


# --- every kind of change, counted ---------------------------------------------------------------

def test_three_communities_changed_are_three(fresh_demo_store):
    """One community finishes, two move their progress and investment: 3 rows change, and each kind is counted."""
    store = fresh_demo_store
    k = _pick(store)
    a, b, c = k["started"][:3]
    snap, ps = k["snap"], k["projects"]
    pct = {i: snap[ps[i].code]["progress_pct"] for i in (a, b, c)}
    inv = {i: snap[ps[i].code]["invested_wan"] for i in (b, c)}
    data = xlsx(progress_rows(store, {
        a: {"当前阶段": "完工", "完工日期": date(2021, 12, 1), "形象进度（%）": 100},
        b: {"形象进度（%）": pct[b] + 5, "累计完成投资（万元）": inv[b] + 10},
        c: {"形象进度（%）": pct[c] + 7.5, "累计完成投资（万元）": inv[c] + 2.5}}))
    pv = _check(store, data)
    assert pv.status == "ok", [e.message for e in pv.errors]
    # by hand: a changes stage, finished_on and progress; b and c progress and investment
    assert pv.change_counts == {"stage": 1, "finished_on": 1, "progress_pct": 3, "invested_wan": 2}
    assert pv.changed_rows == 3 == len(pv.changes)
    byc = {ch["code"]: ch for ch in pv.changes}
    assert set(byc) == {ps[a].code, ps[b].code, ps[c].code}  # only the rows that change
    assert byc[ps[a].code]["fields"] == ["stage", "finished_on", "progress_pct"]
    assert byc[ps[a].code]["before"]["stage"] == "开工" and byc[ps[a].code]["after"]["stage"] == "完工"
    assert byc[ps[a].code]["after"]["finished_on"] == date(2021, 12, 1)
    assert byc[ps[b].code]["fields"] == ["progress_pct", "invested_wan"]
    assert byc[ps[b].code]["before"]["invested_wan"] == pytest.approx(inv[b])
    assert byc[ps[b].code]["after"]["invested_wan"] == pytest.approx(inv[b] + 10)
    assert byc[ps[c].code]["after"]["progress_pct"] == pytest.approx(pct[c] + 7.5)
    # every community still reports this week; the preview's counts are what the store gets
    assert len(pv._reports) == len(ps)
    done = ingest.commit(store, data, "周报.xlsx", 1, actor=district(), county=CD, as_of=WEEK, preview=pv)
    assert done.status == "committed"
    with store.session() as s:
        summary = s.get(Upload, done.upload_id).summary
    assert summary["changes"] == 3 and summary["change_counts"] == pv.change_counts
    after = snapshot(store, WEEK)
    assert after[ps[b].code]["invested_wan"] == pytest.approx(inv[b] + 10)
    assert after[ps[a].code]["stage"] == "完工"


def test_investment_and_progress_of_two_are_two(fresh_demo_store):
    store = fresh_demo_store
    k = _pick(store)
    b, c = k["started"][:2]
    snap, ps = k["snap"], k["projects"]
    data = xlsx(progress_rows(store, {
        i: {"形象进度（%）": snap[ps[i].code]["progress_pct"] + 1,
            "累计完成投资（万元）": snap[ps[i].code]["invested_wan"] + 1} for i in (b, c)}))
    pv = _check(store, data)
    assert pv.change_counts == {"progress_pct": 2, "invested_wan": 2}
    assert pv.changed_rows == 2 and {ch["code"] for ch in pv.changes} == {ps[b].code, ps[c].code}


def test_every_kind_of_change(fresh_demo_store):
    """Stage, the three dates, progress, investment, funds paid, lifts and problems: each counted once
    per community that changes it."""
    store = fresh_demo_store
    k = _pick(store)
    snap, ps = k["snap"], k["projects"]
    s0, s1, s2, s3 = k["started"]
    c = {i: snap[ps[i].code] for i in range(len(ps))}
    edits = {
        k["planning"]: {"当前阶段": "开工", "开工日期": date(2021, 11, 29)},            # stage, started_on
        k["finished"]: {"当前阶段": "验收", "验收日期": date(2021, 12, 1)},             # stage, accepted_on
        s0: {"累计支付资金（万元）": c[s0]["paid_wan"] + 20},                            # paid_wan
        s1: {"已加装电梯（部）": int(c[s1]["lifts_added"] or 0) + 1},                   # lifts_added
        k["troubled"]: {"存在问题": "燃气管线迁改已协调，下周复工"},                    # problems
        s2: {"形象进度（%）": c[s2]["progress_pct"] + 5,
             "累计完成投资（万元）": c[s2]["invested_wan"] + 10},                        # progress_pct, invested_wan
        s3: {"当前阶段": "完工", "完工日期": date(2021, 12, 2), "形象进度（%）": 100},  # stage, finished_on, progress
    }
    pv = _check(store, xlsx(_full_rows(store, edits)))
    assert pv.status == "ok", [e.message for e in pv.errors]
    assert pv.change_counts == {"stage": 3, "started_on": 1, "finished_on": 1, "accepted_on": 1, "progress_pct": 2,
                                "invested_wan": 1, "paid_wan": 1, "lifts_added": 1, "problems": 1}
    assert pv.changed_rows == 7
    assert {ch["code"] for ch in pv.changes} == {ps[i].code for i in edits}
    troubled = next(ch for ch in pv.changes if ch["code"] == ps[k["troubled"]].code)
    assert troubled["fields"] == ["problems"]
    assert troubled["after"]["problems"] == "燃气管线迁改已协调，下周复工"  # the clerk sees their own words


def test_a_file_repeating_last_week_changes_nothing(fresh_demo_store):
    """This week's file with last week's figures: every community reports, none changes."""
    store = fresh_demo_store
    pv = _check(store, xlsx(_full_rows(store, {})))
    assert pv.status == "ok" and pv.changed_rows == 0 and pv.change_counts == {} and pv.changes == []
    assert len(pv._reports) == len(county_projects(store))


def test_a_file_without_a_problems_column_keeps_last_weeks_problems(fresh_demo_store):
    store = fresh_demo_store
    k = _pick(store)
    troubled = k["projects"][k["troubled"]]
    before = k["snap"][troubled.code]["problems"]
    pv = commit(store, xlsx(progress_rows(store)))  # the template's columns: no 存在问题
    assert pv.status == "committed" and pv.changed_rows == 0
    assert snapshot(store, WEEK)[troubled.code]["problems"] == before
    # an empty cell in a problems column does clear them, and that is a change
    rows = _full_rows(store, {k["troubled"]: {"存在问题": None}})
    pv = _check(store, xlsx(rows), as_of=date(2021, 12, 10))
    assert pv.change_counts == {"problems": 1}


# --- problems are internal -----------------------------------------------------------------------

def test_problems_change_is_counted_but_hidden_from_a_viewer_without_internal_rights(fresh_demo_store):
    store = fresh_demo_store
    k = _pick(store)
    marker = "MARKER-问题-7f3a"
    pv = _check(store, xlsx(_full_rows(store, {k["troubled"]: {"存在问题": marker}})))
    assert pv.change_counts == {"problems": 1}
    assert marker in repr(pv.changes)  # the clerk who wrote it sees it (so the test below can fail)
    old = k["snap"][k["projects"][k["troubled"]].code]["problems"]
    for shown in (pv.shown_to(Actor.public()), pv.shown_to(Actor(username="x", role="district", scope_adcode=CD,
                                                                    expires_at=datetime(2000, 1, 1)))):
        text = json.dumps(shown.to_dict(), default=str, ensure_ascii=False)
        assert marker not in text and old not in text
        assert shown.change_counts == {"problems": 1} and shown.changes[0]["fields"] == ["problems"]
        assert shown.changes[0]["after"]["problems"] == ingest.HIDDEN
    assert marker in repr(pv.changes)  # the original is untouched
    # a public dry run shows no problem text either
    public = _check(store, xlsx(_full_rows(store, {k["troubled"]: {"存在问题": marker}})), actor=Actor.public())
    assert old not in json.dumps(public.to_dict(), default=str, ensure_ascii=False)


# --- a file already stored -----------------------------------------------------------------------

def test_identical_file_is_unchanged_before_the_confirm(fresh_demo_store):
    store = fresh_demo_store
    k = _pick(store)
    i = k["started"][0]
    data = xlsx(progress_rows(store, {i: {"形象进度（%）": k["snap"][k["projects"][i].code]["progress_pct"] + 1}}))
    first = commit(store, data)
    assert first.status == "committed"
    before = dump(store)
    for name in ("周报.xlsx", "城东区第49周（再次上传）.xlsx"):
        pv = ingest.check(store, data, name, 1, actor=district(), county=CD, as_of=WEEK)
        assert pv.status == "unchanged" and pv.upload_id == first.upload_id
        assert pv.to_dict()["status"] == "unchanged"
        assert any(f"第 {first.upload_id} 号" in n for n in pv.notes)
        assert pv.changes == [] and not pv.errors
    again = commit(store, data)
    assert again.status == "unchanged" and again.upload_id == first.upload_id
    assert dump(store) == before
    # other bytes, same figures for the same week: nothing to write, said before the confirm too
    same = xlsx(progress_rows(store, {i: {"形象进度（%）": k["snap"][k["projects"][i].code]["progress_pct"] + 1}}),
                title=[["城东区进度表"]])
    pv = ingest.check(store, same, "b.xlsx", 1, actor=district(), county=CD, as_of=WEEK)
    assert pv.status == "unchanged" and pv.upload_id is None and pv.changed_rows == 0
    assert dump(store) == before
    # the same bytes for another week are that week's report, not a copy
    nxt = ingest.check(store, data, "周报.xlsx", 1, actor=district(), county=CD, as_of=date(2021, 12, 10))
    assert nxt.status == "ok" and nxt.changed_rows == 0


# --- the register ----------------------------------------------------------------------------------

REG_HEAD = ["项目编号", "小区名称", "所属县区", "改造户数（户）", "改造栋数（栋）"]


def test_register_counts_new_and_each_updated_column(fresh_demo_store):
    store = fresh_demo_store
    ps = county_projects(store)
    p0, p1, p2 = ps[:3]
    rows = [REG_HEAD,
            [p0.code, p0.name, "城东区", p0.households + 6, p0.buildings],          # households
            [p1.code, p1.name, "城东区", p1.households + 1, p1.buildings + 1],      # households, buildings
            [p2.code, p2.name, "城东区", p2.households, p2.buildings],              # unchanged
            [None, "新建巷家属院", "城东区", 88, 3]]                                  # new
    pv = ingest.check(store, text_xlsx(rows), "台账.xlsx", 1, actor=district(), county=CD, as_of=date(2021, 6, 1),
                      kind="register")
    assert pv.status == "ok", [e.message for e in pv.errors]
    assert pv.change_counts == {"new": 1, "households": 2, "buildings": 1}
    assert pv.changed_rows == 3
    byc = {ch["name"]: ch for ch in pv.changes}
    assert set(byc) == {p0.name, p1.name, "新建巷家属院"}
    assert byc[p1.name]["change"] == "update" and byc[p1.name]["fields"] == ["households", "buildings"]
    assert byc[p1.name]["before"] == {"households": p1.households, "buildings": p1.buildings}
    assert byc[p1.name]["after"] == {"households": p1.households + 1, "buildings": p1.buildings + 1}
    assert byc["新建巷家属院"]["change"] == "new" and byc["新建巷家属院"]["after"]["households"] == 88
    done = ingest.commit(store, text_xlsx(rows), "台账.xlsx", 1, actor=district(), county=CD, as_of=date(2021, 6, 1),
                         kind="register", preview=pv)
    assert done.status == "committed"
    with store.session() as s:
        assert s.get(Project, p1.id).buildings == p1.buildings + 1
        assert len(s.scalars(select(ProjectRevision).where(ProjectRevision.upload_id == done.upload_id)).all()) == 3


def test_register_update_moves_past_weeks_figures(fresh_demo_store):
    """A household count changed by a register upload counts from the community's registration on:
    the figures of a past week (served from the county rollups) move by exactly the households added."""
    store = fresh_demo_store
    p = county_projects(store)[0]
    past = date(2021, 9, 3)  # a reporting week long before the upload's date
    before = metrics.summary(store, 1, region=CD, as_of=past)["totals"]["households"]["registered"]
    rows = [REG_HEAD, [p.code, p.name, "城东区", p.households + 6, p.buildings]]
    done = ingest.commit(store, text_xlsx(rows), "台账.xlsx", 1, actor=district(), county=CD, as_of=WEEK,
                         kind="register")
    assert done.status == "committed" and done.change_counts == {"households": 1}
    assert metrics.summary(store, 1, region=CD, as_of=past)["totals"]["households"]["registered"] == before + 6


# --- project rows covering several communities (涉及小区数) -----------------------------------------

def test_project_rows_keep_their_communities_with_history(fresh_demo_store):
    store = fresh_demo_store
    p = county_projects(store)[0]
    rows = [["项目编号", "小区名称", "所属县区", "改造户数（户）", "涉及小区数"],
            [None, "城关片区", "城东区", 300, 6],
            [p.code, p.name, "城东区", p.households, "12个"]]
    pv = commit(store, text_xlsx(rows), "台账.xlsx", kind="register", as_of=date(2021, 6, 1))
    assert pv.status == "committed", [e.message for e in pv.errors]
    assert pv.change_counts == {"new": 1, "communities": 1} and pv.changed_rows == 2
    upd = next(c for c in pv.changes if c["code"] == p.code)
    assert (upd["fields"], upd["before"], upd["after"]) == (["communities"], {"communities": None}, {"communities": 12})
    with store.session() as s:
        new = s.scalar(select(Project).where(Project.name == "城关片区"))
        assert new.communities == 6 and s.get(Project, p.id).communities == 12
        rev = s.scalar(select(ProjectRevision).where(ProjectRevision.upload_id == pv.upload_id,
                                                     ProjectRevision.project_id == p.id))
        assert (rev.before["communities"], rev.after["communities"]) == (None, 12)
    # the same file again: nothing to do, said before the confirm
    again = ingest.check(store, text_xlsx(rows), "台账（副本）.xlsx", 1, actor=district(), county=CD,
                         as_of=date(2021, 6, 1), kind="register")
    assert again.status == "unchanged"
    ingest.rollback(store, pv.upload_id, actor=Actor(username="a", role="admin"))
    with store.session() as s:
        assert s.get(Project, p.id).communities is None
        assert s.scalar(select(Project).where(Project.name == "城关片区")) is None


@pytest.mark.parametrize("value,needles", [
    (0, ["第 3 行", "涉及小区数“0”不是正整数"]),
    (-2, ["第 3 行", "涉及小区数“-2”不是正整数"]),
    (2.5, ["第3行", "涉及小区数", "2.5", "不是整数"]),
    ("六个", ["第3行", "涉及小区数", "六个"]),
])
def test_communities_must_be_a_positive_whole_number(fresh_demo_store, value, needles):
    store = fresh_demo_store
    rows = [["小区名称", "所属县区", "改造户数（户）", "涉及小区数"],
            ["城关片区", "城东区", 300, 6],
            ["河滨片区", "城东区", 120, value]]
    before = dump(store)
    pv = commit(store, text_xlsx(rows), "台账.xlsx", kind="register")
    assert pv.status == "rejected" and pv.upload_id is None
    assert len(pv.errors) == 1  # one message for the one bad cell
    e = pv.errors[0]
    assert (e.sheet, e.row, e.value) == ("台账", 3, str(value)) and "涉及小区数" in e.column
    assert all(n in e.message for n in needles), e.message
    assert dump(store) == before


def test_not_started_said_of_a_community_in_preparation_keeps_it_there(fresh_demo_store):
    """未开工 reads as 计划; for a community already in 前期 it is no step back and no change."""
    store = fresh_demo_store
    k = _pick(store)
    pv = _check(store, xlsx(_full_rows(store, {k["planning"]: {"当前阶段": "未开工"}})))
    assert pv.status == "ok", [e.message for e in pv.errors]
    assert pv.changed_rows == 0
    rep = next(r for r in pv._reports if r["project_id"] == k["projects"][k["planning"]].id)
    assert rep["stage"] == next(s.rank for s in vocabulary.STAGES if s.zh == "前期")


def test_an_unknown_stage_word_is_one_error(fresh_demo_store):
    store = fresh_demo_store
    i = _pick(store)["started"][0]
    before = dump(store)
    pv = commit(store, xlsx(progress_rows(store, {i: {"当前阶段": "已开挖"}})))
    assert pv.status == "rejected" and len(pv.errors) == 1
    assert "已开挖" in pv.errors[0].message and "长效管理" in pv.errors[0].message
    assert dump(store) == before
