"""pages/upload.py (AppTest) as a district clerk uses it: template, file, preview, confirm, history."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from lib.access import auth
from lib.figures import metrics
from lib.store.engine import forget_stores, open_store
from tests.support import CD, WEEK
from tests.support.screens import APP
from tests.support.uploads import first_started_not_finished, progress_rows, xlsx

PASSWORD = "Qinghai-2021-renovation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def app(sqlite_demo_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "0")
    store = open_store(sqlite_demo_url, read_only=False)
    auth.create_user(store, auth.Actor.system(), "cd_clerk", "district", PASSWORD, scope_adcode=CD)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    yield at, store
    forget_stores()


def sign_in(at, store):
    from pages._ui import session

    at.session_state[session.KEY] = auth.authenticate(store, "cd_clerk", PASSWORD)
    at.run()
    at.switch_page("pages/upload.py").run()
    assert not at.exception, at.exception


def test_anonymous_cannot_see_upload(app):
    at, _ = app
    with pytest.raises(ValueError):  # not among this session's pages
        at.switch_page("pages/upload.py").run()


def test_clerk_uploads_and_figures_move(app):
    at, store = app
    sign_in(at, store)
    assert "城东区" in " ".join(m.value for m in at.markdown)  # county fixed by the account's scope
    i = first_started_not_finished(store)
    data = xlsx(progress_rows(store, {i: {"当前阶段": "完工", "完工日期": WEEK, "形象进度（%）": 100}}))
    at.date_input(key="upload_date").set_value(WEEK).run()
    at.file_uploader(key="upload_file").set_value(("城东区.xlsx", data, XLSX)).run()
    assert not at.exception, at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["错误"] == "0" and int(labels["数据行"]) == len(progress_rows(store)) - 1
    before = metrics.summary(store, 1, region=CD, as_of=WEEK)["totals"]["communities"]["completed"]
    at.button(key="upload_confirm").click().run()
    assert any("已导入" in s.value for s in at.success), [e.value for e in at.error]
    after = metrics.summary(store, 1, region=CD, as_of=WEEK)["totals"]["communities"]["completed"]
    assert after == before + 1
    assert len(at.dataframe) >= 1  # the upload history


def test_bad_file_shows_row_errors_and_annotated_download(app):
    at, store = app
    sign_in(at, store)
    i = first_started_not_finished(store)
    data = xlsx(progress_rows(store, {i: {"形象进度（%）": 130}}))
    at.date_input(key="upload_date").set_value(WEEK).run()
    at.file_uploader(key="upload_file").set_value(("bad.xlsx", data, XLSX)).run()
    assert any("数据库未做任何修改" in e.value for e in at.error)
    table = at.dataframe[0].value
    assert "超出 0–100%" in " ".join(table["说明"].astype(str))
    assert not any(b.key == "upload_confirm" for b in at.button)


def test_sheet_date_is_used_when_the_picker_is_empty(app):
    """The clerk leaves the date empty: the 填报日期 written above the header is the report date."""
    at, store = app
    sign_in(at, store)
    rows = progress_rows(store)
    data = xlsx(rows, title=[["城东区进度填报表"], ["填报单位：城东区住建局", None, None, "填报日期：2021年12月3日"]])
    at.file_uploader(key="upload_file").set_value(("城东区.xlsx", data, XLSX)).run()
    assert not at.exception, at.exception
    assert any("本次填报日期：2021-12-03" in c.value for c in at.caption)
    at.button(key="upload_confirm").click().run()
    assert any("已导入" in s.value for s in at.success), [e.value for e in at.error]
    assert metrics.summary(store, 1, region=CD, as_of=WEEK)["totals"]["reported_this_week"] == len(rows) - 1
