"""A clerk's submission walked through return, resubmission and approval on the screens, in a real
browser: the clerk (城东区) uploads on 数据上传, the 西宁市 reviewer returns it with a reason on 填报审核,
the clerk sees the reason and uploads again, the reviewer approves, and only then the figures move."""

from __future__ import annotations

import pytest

from lib.access import auth
from lib.access import programmes
from lib.figures import metrics
from lib.samples import demo
from lib.store.engine import forget_stores, open_store
from lib.uploads import ingest
from tests.browser.test_browser import browser, settle, shot, wait_text  # noqa: F401 - the browser fixture
from tests.support import CD, WEEK
from tests.support.streamlit_server import require_chromium, streamlit_server
from tests.support.uploads import county_projects, first_started_not_finished, progress_rows, snapshot, xlsx, LAST

pytestmark = pytest.mark.browser
PW = "a long enough secret"
SLOW = 90_000  # ms: the machine running the suite may be busy; every wait is for a visible result
REASON = "第3行累计完成投资超过计划投资，请核实后重报"


def _invested(url) -> float:
    """城东区's cumulative investment as of the week, as the public summary counts it."""
    forget_stores()
    return metrics.summary(open_store(url), 1, region=CD, as_of=WEEK)["totals"]["investment_wan"]["invested"]


def _sign_in(browser, base, name):  # noqa: F811 - the fixture passed in
    ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = ctx.new_page()
    page.goto(base + "/login")
    settle(page, 'input[type="password"]', timeout=SLOW)
    page.get_by_label("用户名", exact=True).fill(name)
    page.get_by_label("密码", exact=True).fill(PW)
    page.get_by_role("button", name="登录").click()
    wait_text(page, "已登录", timeout=SLOW)
    return page


def _screen(page, label: str, proof: str) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text=label).click()
    wait_text(page, proof, timeout=SLOW)


def _upload(page, path) -> None:
    _screen(page, "数据上传", "拖入或选择 Excel / CSV 文件")
    page.locator('input[type="file"]').first.set_input_files(str(path))
    try:
        wait_text(page, "有变化的小区", timeout=120_000)  # the preview of the checked file
        settle(page, 'button:has-text("确认导入")', timeout=60_000)
    except Exception:
        shot(page, "review_flow_upload_failed")
        raise
    page.get_by_role("button", name="确认导入").click()
    wait_text(page, "待市州审核", timeout=SLOW)


def test_submission_returned_resubmitted_and_approved_on_the_screens(browser, tmp_path):  # noqa: F811
    require_chromium()
    url = f"sqlite:///{tmp_path / 'review.db'}"
    store = open_store(url, read_only=False, migrate=True)
    demo.load_demo(store)
    for name, scope in (("cd_clerk", CD), ("xn_rev", "630100")):
        auth.create_user(store, auth.Actor.system(), name, "district", PW, scope_adcode=scope)
    programmes.update(store, auth.Actor.system(), 1, review="prefecture")
    i = first_started_not_finished(store)
    code = county_projects(store)[i].code
    base_inv = snapshot(store, LAST)[code]["invested_wan"]
    title = [["城东区老旧小区改造进度表"], [f"填报日期：{WEEK:%Y.%m.%d}"]]
    first, second = tmp_path / "城东区第49周.xlsx", tmp_path / "城东区第49周（重报）.xlsx"
    first.write_bytes(xlsx(progress_rows(store, {i: {"累计完成投资（万元）": base_inv + 900}}), title=title))
    second.write_bytes(xlsx(progress_rows(store, {i: {"累计完成投资（万元）": base_inv + 20}}), title=title))
    before = _invested(url)
    forget_stores()

    with streamlit_server(url, tmp_path / "streamlit.log") as base:
        clerk = _sign_in(browser, base, "cd_clerk")
        _upload(clerk, first)
        assert "审核通过后才计入" in clerk.inner_text("body")
        assert _invested(url) == before  # submitted: no figure moves

        reviewer = _sign_in(browser, base, "xn_rev")
        _screen(reviewer, "填报审核", "待审核的填报")
        assert "1 份填报待审核" in reviewer.inner_text("body")
        reviewer.get_by_label("退回理由（必填）", exact=True).fill(REASON)
        reviewer.get_by_role("button", name="退回", exact=True).click()
        wait_text(reviewer, "已退回", timeout=SLOW)
        shot(reviewer, "review_returned")
        assert _invested(url) == before  # returned: still as before

        _screen(clerk, "数据上传", REASON)  # the clerk sees the reason on the upload screen
        assert "已被 xn_rev 退回" in clerk.inner_text("body")
        shot(clerk, "upload_returned")
        _upload(clerk, second)
        assert _invested(url) == before

        _screen(reviewer, "总览", "总览")
        _screen(reviewer, "填报审核", "1 份填报待审核")
        reviewer.get_by_role("button", name="审核通过").click()
        try:
            wait_text(reviewer, "已审核通过", timeout=SLOW)
        except Exception:
            shot(reviewer, "review_flow_approve_failed")
            raise
        assert _invested(url) == pytest.approx(before + 20)  # approved: the figures move, by the resubmission

        _screen(clerk, "数据上传", "审核记录")  # the history is there (drawn as a table on a canvas) ...
        forget_stores()
        hist = ingest.uploads(open_store(url), 1, county=CD, viewer=auth.Actor.system())
        assert [(h["status"], [e["action"] for e in h["review_history"]]) for h in hist] == [
            ("committed", ["submitted", "approved"]), ("returned", ["submitted", "returned"])]  # ... and says this
        reviewer.locator('[data-testid="stSidebarNav"] a', has_text="总览").click()
        settle(reviewer, '[data-testid="stMetric"]', timeout=SLOW)
    forget_stores()
