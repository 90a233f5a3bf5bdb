"""Submissions and review (lib.workflow.review, lib.uploads.ingest) on both stores: a clerk's weekly
upload counts nowhere until approved, a return leaves the figures as they were and carries its reason,
an approved county-week is locked until reopened, and reviewers act only in their scope, never on
their own upload, and one at a time."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from lib.access import programmes
from lib.access.auth import Actor
from lib.domain.errors import PermissionDenied, UserError
from lib.figures import metrics
from lib.figures import rollups
from lib.store.models import AuditLog, ProgressReport, Upload
from lib.store.models_review import ReviewEvent, ReviewLock
from lib.uploads import ingest
from lib.workflow import review
from tests.support import CD, WEEK
from tests.support.uploads import commit, county_projects, district, first_started_not_finished, progress_rows, xlsx

SYSTEM = Actor.system("test")
XINING = Actor(username="xn_rev", role="district", scope_adcode="630100")      # 西宁市: reviews 城东区, 城中区
XINING2 = Actor(username="xn_rev2", role="district", scope_adcode="630100")
HAIDONG = Actor(username="hd_rev", role="district", scope_adcode="630200")     # 海东市: not 城东区's prefecture
QINGHAI = Actor(username="qh_rev", role="district", scope_adcode="630000")


def _figures(store) -> dict:
    """What the public and staff see for 城东区 at the week: the summary (rollups) and one community's row."""
    t = metrics.summary(store, 1, region=CD, as_of=WEEK)["totals"]
    return {"invested": t["investment_wan"]["invested"], "reported": t["reported_this_week"],
            "completed": t["communities"]["completed"]}


def _file(store, extra: float):
    i = first_started_not_finished(store)
    code = county_projects(store)[i].code
    base = metrics.register_table(store, 1, as_of=WEEK, viewer=SYSTEM).set_index("code").loc[code, "invested_wan"]
    return xlsx(progress_rows(store, {i: {"累计完成投资（万元）": round(float(base) + extra, 1)}}))


def _review_on(store, chain="prefecture"):
    programmes.update(store, SYSTEM, 1, review=chain)


def _rollups_clean(store):
    with store.session() as s:
        out = rollups.check(s, 1)
    assert out["ok"], out["problems"][:3]


def test_review_off_by_default_uploads_count_at_once(fresh_demo_store):
    store = fresh_demo_store
    assert next(p for p in metrics.list_programmes(store) if p["id"] == 1)["review"] == "none"
    before = _figures(store)
    pv = commit(store, _file(store, 40))
    assert pv.status == "committed"
    assert _figures(store)["invested"] == pytest.approx(before["invested"] + 40)


def test_submission_counts_only_once_approved_and_locks_the_week(fresh_demo_store):
    store = fresh_demo_store
    _review_on(store)
    before = _figures(store)
    pv = commit(store, _file(store, 50))
    assert pv.status == "submitted" and pv.to_dict()["status"] == "submitted"
    assert _figures(store) == before  # neither the public summary nor the staff register moves
    _rollups_clean(store)
    assert [s["upload_id"] for s in review.submissions_list(store, 1, viewer=SYSTEM, status="submitted")] == [pv.upload_id]
    assert review.pending_count(store, 1, viewer=XINING) == 1
    assert review.pending_count(store, 1, viewer=Actor.public()) == 0

    out = review.approve(store, pv.upload_id, actor=XINING)
    assert out["status"] == "approved" and out["rows_counted"] > 0
    after = _figures(store)
    assert after["invested"] == pytest.approx(before["invested"] + 50)
    _rollups_clean(store)

    # the county-week is locked: the next upload is refused with who locked it and how to reopen
    with pytest.raises(UserError) as e:
        commit(store, _file(store, 10))
    assert "xn_rev" in e.value.zh and "重新开放" in e.value.zh and "review reopen 630102" in e.value.zh
    with pytest.raises(UserError):  # the preview says so too, before anyone confirms
        ingest.check(store, _file(store, 10), "周报.xlsx", 1, actor=district(), county=CD, as_of=WEEK)
    with pytest.raises(UserError):  # for an administrator as well
        commit(store, _file(store, 10), actor=SYSTEM)
    assert _figures(store) == after

    # reopening needs a reason and a reviewer of that county
    with pytest.raises(UserError, match="理由"):
        review.reopen(store, 1, CD, WEEK, " ", actor=XINING)
    with pytest.raises(PermissionDenied):
        review.reopen(store, 1, CD, WEEK, "更正投资", actor=HAIDONG)
    assert review.reopen(store, 1, "城东区", "2021-W48", "更正投资", actor=XINING)["status"] == "reopened"
    pv2 = commit(store, _file(store, 10))
    assert pv2.status == "submitted"
    assert _figures(store) == after  # the approved figures stay counted while the correction awaits review
    with store.session() as s:
        acts = s.scalars(select(AuditLog.action).where(AuditLog.action.like("review.%")).order_by(AuditLog.id)).all()
    assert acts == ["review.approve", "review.reopen"]


def test_return_leaves_figures_and_the_clerk_sees_the_reason(fresh_demo_store):
    store = fresh_demo_store
    _review_on(store)
    before = _figures(store)
    pv = commit(store, _file(store, 70))
    with pytest.raises(UserError, match="理由"):
        review.return_(store, pv.upload_id, "", actor=XINING)
    out = review.return_(store, pv.upload_id, "第3行投资超过计划，请核实", actor=XINING)
    assert out["status"] == "returned"
    assert _figures(store) == before
    _rollups_clean(store)
    mine = ingest.uploads(store, 1, county=CD, viewer=district())
    assert mine[0]["status"] == "returned" and mine[0]["return_reason"] == "第3行投资超过计划，请核实"
    assert [e["action"] for e in mine[0]["review_history"]] == ["submitted", "returned"]
    assert ingest.uploads(store, 1, county=CD, viewer=Actor.public())[0]["review_history"] == []  # internal
    # approving (or returning) a returned submission: a sentence, nothing changes
    with pytest.raises(UserError, match="退回"):
        review.approve(store, pv.upload_id, actor=XINING)
    # the clerk resubmits; the resubmission can be approved
    pv2 = commit(store, _file(store, 30))
    assert pv2.status == "submitted"
    review.approve(store, pv2.upload_id, actor=XINING)
    assert _figures(store)["invested"] == pytest.approx(before["invested"] + 30)


def test_two_levels_self_review_scope_and_withdrawn(fresh_demo_store):
    store = fresh_demo_store
    _review_on(store, "prefecture,province")
    before = _figures(store)
    pv = commit(store, _file(store, 20))
    with pytest.raises(PermissionDenied, match="本人"):
        review.approve(store, pv.upload_id, actor=district())
    with pytest.raises(PermissionDenied, match="市州"):
        review.approve(store, pv.upload_id, actor=HAIDONG)
    with pytest.raises(PermissionDenied):  # the province waits for the prefecture
        review.approve(store, pv.upload_id, actor=QINGHAI)
    with pytest.raises(PermissionDenied):
        review.approve(store, pv.upload_id, actor=Actor.public())
    step = review.approve(store, pv.upload_id, actor=XINING)
    assert step["status"] == "submitted" and step["next"] == "province"
    assert _figures(store) == before  # one level is not enough
    with pytest.raises(PermissionDenied):  # nor can the prefecture approve the province's step
        review.approve(store, pv.upload_id, actor=XINING2)
    review.approve(store, pv.upload_id, actor=QINGHAI)
    assert _figures(store)["invested"] == pytest.approx(before["invested"] + 20)

    # a rolled-back or withdrawn submission cannot be approved
    ingest.rollback(store, pv.upload_id, actor=SYSTEM)
    assert _figures(store) == before
    with store.session() as s:  # the rollback opened the week again
        assert s.scalar(select(func.count()).select_from(ReviewLock)) == 0
    with pytest.raises(UserError, match="回退"):
        review.approve(store, pv.upload_id, actor=QINGHAI)
    a = commit(store, _file(store, 11))
    b = commit(store, _file(store, 12))  # a newer submission for the same week replaces the pending one
    with store.session() as s:
        assert s.get(Upload, a.upload_id).status == "withdrawn"
        assert s.scalar(select(func.count()).select_from(ProgressReport)
                        .where(ProgressReport.upload_id.in_([a.upload_id, b.upload_id]),
                               ProgressReport.active.is_(True))) == 0
    with pytest.raises(UserError, match="替代"):
        review.approve(store, a.upload_id, actor=XINING)
    assert [s["upload_id"] for s in review.submissions_list(store, 1, viewer=SYSTEM, status="submitted")] == [b.upload_id]


def test_uploads_by_wider_accounts_are_not_submissions(fresh_demo_store):
    store = fresh_demo_store
    _review_on(store, "prefecture")
    before = _figures(store)
    # a prefecture account's upload needs no prefecture review
    assert commit(store, _file(store, 15), actor=XINING).status == "committed"
    assert _figures(store)["invested"] == pytest.approx(before["invested"] + 15)


def test_two_reviewers_at_once_one_wins(fresh_demo_store):
    store = fresh_demo_store
    _review_on(store)
    pv = commit(store, _file(store, 25))
    start = threading.Barrier(2)
    results, errors = [None, None], [None, None]

    def go(i, call):
        try:
            start.wait()
            results[i] = call()
        except BaseException as e:  # noqa: BLE001 - reported below
            errors[i] = e

    calls = [lambda: review.approve(store, pv.upload_id, actor=XINING),
             lambda: review.return_(store, pv.upload_id, "数据有误", actor=XINING2)]
    threads = [threading.Thread(target=go, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert sum(r is not None for r in results) == 1, (results, errors)
    loser = next(e for e in errors if e is not None)
    assert isinstance(loser, UserError) and "未执行" in loser.zh, loser
    with store.session() as s:
        steps = s.scalars(select(ReviewEvent.action).where(ReviewEvent.upload_id == pv.upload_id)
                          .order_by(ReviewEvent.id)).all()
        status = s.get(Upload, pv.upload_id).status
        audits = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action.in_(
            ("review.approve", "review.return"))))
    assert len(steps) == 2 and audits == 1  # submitted + exactly one decision
    assert status == ("committed" if results[0] is not None else "returned")


def test_figures_per_county_and_reviewer(fresh_demo_store):
    store = fresh_demo_store
    _review_on(store)
    a = commit(store, _file(store, 5))
    review.return_(store, a.upload_id, "缺少开工日期", actor=XINING)
    b = commit(store, _file(store, 6))
    review.approve(store, b.upload_id, actor=XINING2)
    fig = review.figures(store, 1, WEEK)
    row = fig["by_county"].set_index("adcode").loc[CD]
    assert (row["submitted"], row["approved"], row["returned"], row["pending"]) == (2, 1, 1, 0)
    assert row["weeks"] > 0 and row["on_time"] + row["late"] + row["missing"] == row["weeks"]
    who = {r["reviewer"]: r for r in fig["by_reviewer"]}
    assert who["xn_rev"]["returned"] == 1 and who["xn_rev2"]["approved"] == 1
    assert who["xn_rev"]["mean_hours"] is not None and who["xn_rev"]["mean_hours"] >= 0
    assert fig["totals"]["submitted"] == 2


def test_programme_review_setting(fresh_demo_store):
    store = fresh_demo_store
    with pytest.raises(UserError, match="prefecture"):
        programmes.update(store, SYSTEM, 1, review="county")
    with pytest.raises(PermissionDenied):
        programmes.update(store, district(), 1, review="prefecture")
    assert programmes.update(store, SYSTEM, 1, review="市州,省")["review"] == "prefecture,province"
    assert programmes.update(store, SYSTEM, 1, review="none")["review"] == "none"
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "programme.update")) == 2


def test_bulletin_discipline_paragraph_counts_the_review(fresh_demo_store):
    from datetime import date

    from lib.review import bulletin, submission_figures

    store = fresh_demo_store
    _review_on(store, "prefecture,province")
    a = commit(store, _file(store, 5))
    review.return_(store, a.upload_id, "缺少开工日期", actor=XINING)
    b = commit(store, _file(store, 6))
    review.approve(store, b.upload_id, actor=XINING)
    month = {"month_no": 12, "review": submission_figures.stats(store, 1, since=date(2021, 12, 1),
                                                                until=date(2021, 12, 31))}
    text = bulletin.review_sentence(month)
    assert text.startswith("12月份各地上报需审核的周进度2份，审核通过0份，退回1份（城东区1份），尚待审核1份")
    assert "市州审核平均用时" in text and "省级" not in text  # the province has not acted yet
    june = bulletin.monthly_bulletin(store, 1, "2021-06", viewer=SYSTEM)
    assert june["review"]["totals"]["submitted"] == 0
    assert "填报审核" not in [h for h, _ in bulletin.named_paragraphs(june)]


def test_approval_refused_when_a_later_counted_week_is_lower(fresh_demo_store):
    from datetime import timedelta

    store = fresh_demo_store
    _review_on(store)
    before = _figures(store)
    pv = commit(store, _file(store, 50))  # week 49: +50, pending
    later = commit(store, _file(store, 10), actor=SYSTEM, as_of=WEEK + timedelta(days=7))  # week 50: +10, counted
    assert later.status == "committed"
    with pytest.raises(UserError, match="倒退"):
        review.approve(store, pv.upload_id, actor=XINING)
    assert _figures(store) == before  # week 49 unchanged, nothing half-done
    with store.session() as s:
        assert s.get(Upload, pv.upload_id).status == "submitted"
        assert s.scalar(select(func.count()).select_from(ReviewLock)) == 0
    review.return_(store, pv.upload_id, "与第50周数据不一致，请核实", actor=XINING)
