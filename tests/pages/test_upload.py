"""pages/upload.py (AppTest) as a district clerk uses it: template, file, preview, confirm, history."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from lib.access import auth
from lib.figures import metrics
from lib.store.engine import forget_stores, open_store
from tests.support import CD, WEEK
from tests.support.screens import APP
from tests.support.uploads import (
    LAST,
    commit,
    county_projects,
    first_started_not_finished,
    progress_rows,
    snapshot,
    text_xlsx,
    xlsx,
)

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


def _diff_table(at):
    """The comparison table (the one with a 形象进度 or stage column and the community's name)."""
    found = [d for d in at.dataframe if "小区名称" in d.value.columns and "说明" not in d.value.columns
             and "文件名" not in d.value.columns]
    assert len(found) == 1, [list(d.value.columns) for d in at.dataframe]
    return found[0]


def test_preview_lists_only_the_changed_rows_with_changed_cells_highlighted(app):
    at, store = app
    sign_in(at, store)
    snap = snapshot(store, LAST)
    ps = county_projects(store)
    started = [i for i, p in enumerate(ps) if snap[p.code]["stage"] == "开工" and snap[p.code]["progress_pct"] <= 90]
    a, b, c = started[:3]
    data = xlsx(progress_rows(store, {
        a: {"当前阶段": "完工", "完工日期": WEEK, "形象进度（%）": 100},
        b: {"形象进度（%）": snap[ps[b].code]["progress_pct"] + 5},
        c: {"累计完成投资（万元）": snap[ps[c].code]["invested_wan"] + 10}}))
    at.date_input(key="upload_date").set_value(WEEK).run()
    at.file_uploader(key="upload_file").set_value(("城东区.xlsx", data, XLSX)).run()
    assert not at.exception, at.exception
    labels = {m.label: m.value for m in at.metric}
    assert labels["有变化的小区"] == "3"
    counts = " ".join(m.value for m in at.markdown)
    # by hand: a changes stage, finish date and progress; b progress; c investment
    assert "共 **3** 个小区（项目）有变化：当前阶段 1，完工日期 1，形象进度（%） 2，累计完成投资（万元） 1。" in counts
    table = _diff_table(at)
    df = table.value
    assert sorted(df["项目编号"]) == sorted(ps[i].code for i in (a, b, c))  # 3 rows of the county's 59
    row_b = df[df["项目编号"] == ps[b].code].iloc[0]
    pct_b = snap[ps[b].code]["progress_pct"]
    assert row_b["形象进度（%）"] == f"{pct_b:g} → {pct_b + 5:g}"
    assert row_b["当前阶段"] == "开工"  # unchanged: the value only
    # the changed cells carry the highlight, the unchanged ones do not
    marked = set()
    for selectors, body in re.findall(r"([^{}]+)\{([^}]*)\}", table.proto.arrow_data.styler.styles):
        if "#fff3bf" in body:
            for r, col in re.findall(r"_row(\d+)_col(\d+)", selectors):
                marked.add((df.iloc[int(r)]["项目编号"], df.columns[int(col)]))
    assert marked == {(ps[a].code, "当前阶段"), (ps[a].code, "完工日期"), (ps[a].code, "形象进度（%）"),
                      (ps[b].code, "形象进度（%）"), (ps[c].code, "累计完成投资（万元）")}
    assert at.button(key="upload_confirm")


def test_identical_file_is_recognised_and_offers_no_confirm(app):
    at, store = app
    sign_in(at, store)
    i = first_started_not_finished(store)
    data = xlsx(progress_rows(store, {i: {"当前阶段": "完工", "完工日期": WEEK, "形象进度（%）": 100}}))
    first = commit(store, data, actor=auth.load_actor(store, "cd_clerk"))
    assert first.status == "committed"
    at.date_input(key="upload_date").set_value(WEEK).run()
    at.file_uploader(key="upload_file").set_value(("城东区（再次）.xlsx", data, XLSX)).run()
    assert not at.exception, at.exception
    assert any("已经导入过" in m.value for m in at.info)
    assert any(f"第 {first.upload_id} 号上传批次" in c.value for c in at.caption)
    assert not any(b.key == "upload_confirm" for b in at.button)
    assert {m.label: m.value for m in at.metric}["有变化的小区"] == "0"


def test_register_preview_names_the_date_rule_and_the_new_rows(app):
    """No date given for a register of the demo's 2021 programme (its year is over): the preview
    says the rows are registered on 2021-01-01, and lists the new community and the updated one."""
    at, store = app
    sign_in(at, store)
    p = county_projects(store)[0]
    data = text_xlsx([["项目编号", "小区名称", "所属县区", "改造户数（户）"],
                      [p.code, p.name, "城东区", p.households + 6],
                      [p.code.replace("001", "901"), "新建巷家属院", "城东区", 88]])
    at.radio(key="upload_kind").set_value("register").run()
    at.file_uploader(key="upload_file").set_value(("台账.xlsx", data, XLSX)).run()
    assert not at.exception, at.exception
    assert any(c.value.replace("\\", "").startswith("登记日期按本计划的起始日 2021-01-01") for c in at.caption)
    df = _diff_table(at).value
    assert sorted(df["变化"]) == ["修改", "新增"]
    assert df[df["变化"] == "修改"].iloc[0]["户数（户）"] == f"{p.households} → {p.households + 6}"
    at.button(key="upload_confirm").click().run()
    assert any("已导入" in s.value for s in at.success), [e.value for e in at.error]
    history = next(d.value for d in at.dataframe if "文件名" in d.value.columns)
    assert history.iloc[0]["有变化的小区"] == 2  # the upload just stored: one new, one updated
