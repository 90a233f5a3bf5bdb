"""pages/review.py and the review part of pages/upload.py (AppTest): a clerk's submission, the
reviewer's return with a reason on the review screen, the reason on the clerk's upload screen."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.access import auth
from lib.access import programmes
from lib.figures import metrics
from lib.store.engine import forget_stores, open_store
from tests.support import CD, WEEK
from tests.support.screens import APP, text_of
from tests.support.uploads import first_started_not_finished, progress_rows, xlsx

PW = "Qinghai-2021-renovation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def store_url(sqlite_demo_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "0")
    store = open_store(sqlite_demo_url, read_only=False)
    for name, role, scope in (("cd_clerk", "district", CD), ("xn_rev", "district", "630100"),
                              ("boss", "admin", None)):
        auth.create_user(store, auth.Actor.system(), name, role, PW, scope_adcode=scope)
    programmes.update(store, auth.Actor.system(), 1, review="prefecture")
    yield store
    forget_stores()


def _as(store, name: str, page: str) -> AppTest:
    from pages._ui import session

    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.session_state[session.KEY] = auth.authenticate(store, name, PW)
    at.run()
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _completed(store) -> int:
    return metrics.summary(store, 1, region=CD, as_of=WEEK)["totals"]["communities"]["completed"]


def test_submission_returned_on_the_review_screen_and_seen_by_the_clerk(store_url):
    store = store_url
    before = _completed(store)
    clerk = _as(store, "cd_clerk", "upload")
    assert "实行审核" in text_of(clerk)
    i = first_started_not_finished(store)
    data = xlsx(progress_rows(store, {i: {"当前阶段": "完工", "完工日期": WEEK, "形象进度（%）": 100}}))
    clerk.date_input(key="upload_date").set_value(WEEK).run()
    clerk.file_uploader(key="upload_file").set_value(("城东区.xlsx", data, XLSX)).run()
    assert not clerk.exception, clerk.exception
    clerk.button(key="upload_confirm").click().run()
    assert any("待市州审核" in s.value for s in clerk.success), [e.value for e in clerk.error]
    assert _completed(store) == before

    rev = _as(store, "xn_rev", "review")
    assert "1 份填报待审核" in text_of(rev)
    rev.button(key="review_return").click().run()  # no reason: refused with a sentence
    assert any("理由" in e.value for e in rev.error)
    rev.text_input(key="review_reason").set_value("完工日期缺少验收材料，请补充后重报").run()
    rev.button(key="review_return").click().run()
    assert any("已退回" in s.value for s in rev.success), [e.value for e in rev.error]
    assert _completed(store) == before

    clerk = _as(store, "cd_clerk", "upload")
    assert any("完工日期缺少验收材料" in e.value and "xn_rev" in e.value for e in clerk.error)

    # the clerk cannot act on the review screen (sees it, may not approve)
    seen = _as(store, "cd_clerk", "review")
    assert not seen.button  # nothing pending to act on, and no reopen: nothing locked


def test_review_screen_approves_and_reopens(store_url):
    store = store_url
    from tests.support.uploads import commit

    before = _completed(store)
    i = first_started_not_finished(store)
    pv = commit(store, xlsx(progress_rows(store, {i: {"当前阶段": "完工", "完工日期": WEEK, "形象进度（%）": 100}})))
    assert pv.status == "submitted"
    rev = _as(store, "xn_rev", "review")
    rev.button(key="review_approve").click().run()
    assert any("已审核通过" in s.value for s in rev.success), [e.value for e in rev.error]
    assert _completed(store) == before + 1
    rev = _as(store, "xn_rev", "review")
    assert "xn_rev" in " ".join(str(df.value.to_dict()) for df in rev.dataframe)  # the lock, by whom
    rev.text_input(key="review_reopen_reason").set_value("城东区申请更正完工日期").run()
    rev.button(key="review_reopen").click().run()
    assert any("已重新开放" in s.value for s in rev.success), [e.value for e in rev.error]


def test_admin_programme_form_sets_the_review_chain(store_url):
    store = store_url
    at = _as(store, "boss", "admin")
    boxes = [s for s in at.selectbox if s.label == "周进度审核流程"]
    assert [b.value for b in boxes] == ["none", "prefecture"]  # a new programme: none; the one edited: its chain


def test_every_staff_screen_says_how_many_submissions_await_review(store_url):
    """A submission counts in no figure until approved: the reviewer sees that it is waiting on any screen,
    not only on the upload and review screens; the public sees nothing of it."""
    from lib.uploads import ingest

    store = store_url
    clerk = auth.authenticate(store, "cd_clerk", PW)
    pv = ingest.commit(store, xlsx(progress_rows(store)), "城东区.xlsx", 1, actor=clerk, county=CD, as_of=WEEK)
    assert pv.status == "submitted"
    reviewer = _as(store, "xn_rev", "rankings")
    assert any("1 份填报待审核" in w.value for w in reviewer.sidebar.warning)
    public = AppTest.from_file(APP, default_timeout=120)
    public.run()
    assert not any("待审核" in w.value for w in public.sidebar.warning)
