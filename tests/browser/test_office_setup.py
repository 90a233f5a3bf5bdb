"""Offices set themselves up in a real browser, from an empty store without the demo: the first
administrator, the programme, then their own published table (tests/real/programmes):
a prefecture (德州 2022: its 开发区 and its target table on the admin screen), a province (湖南's
progress by 市州 to 2021-08-31 on the upload screen) and a county (舒城县's 2022 project list as
its register on the upload screen)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from lib.access import zones
from lib.store.engine import forget_stores, open_store
from lib.figures import metrics
from tests.browser.test_browser import CHROMIUM, CHROMIUM_ARGS, settle, shot, wait_text
from tests.real import programmes as real
from tests.real.programmes import dezhou_2022_plan, hunan_2021_08_progress, shucheng_2022_projects
from tests.support import ROOT
from tests.support.streamlit_server import require_chromium, streamlit_server

pytestmark = pytest.mark.browser
TIMINGS = ROOT / "bench" / "out" / "office_setup.json"


def _until(check, timeout: float = 30.0) -> None:
    """The table of zones is drawn on a canvas: read the store instead, until the write is there."""
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, "the write did not reach the store"
        time.sleep(0.25)


def test_a_prefecture_sets_up_from_the_admin_screen(tmp_path):
    require_chromium()
    from playwright.sync_api import sync_playwright

    url = f"sqlite:///{tmp_path / 'office.db'}"
    table = tmp_path / "德州市2022年城镇老旧小区改造计划.xlsx"
    table.write_bytes(real.build_xlsx(dezhou_2022_plan))
    with streamlit_server(url, tmp_path / "streamlit.log", DASHBOARD_DEMO="0") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page.goto(base + "/login")
        wait_text(page, "系统中还没有管理员账号")
        code = page.wait_for_selector('[data-testid="stCode"]', timeout=30_000)
        assert "python -m lib.cli user add" in code.text_content() and "--role admin" in code.text_content()
        r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, "user", "add", "zhang", "--role", "admin"],
                           input="a long enough secret\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
        assert r.returncode == 0, r.stderr

        try:
            started = time.perf_counter()
            page.goto(base + "/login")
            settle(page, 'input[type="password"]')
            page.get_by_label("用户名", exact=True).fill("zhang")
            page.get_by_label("密码", exact=True).fill("a long enough secret")
            page.get_by_role("button", name="登录").click()
            wait_text(page, "已登录")

            page.locator('[data-testid="stSidebarNav"] a', has_text="系统管理").click()  # a reload would sign out
            wait_text(page, "新建账号")  # the first tab; the others' text is hidden until chosen
            page.get_by_role("tab", name="改造计划").click()
            wait_text(page, "新建改造计划")
            page.get_by_label("计划名称", exact=True).first.fill(dezhou_2022_plan.PROGRAMME["name"])
            page.get_by_label("地区（名称或6位代码）", exact=True).first.fill("德州市")
            page.get_by_label("年度（如 2022 或 2022-2024）", exact=True).first.fill("2022")
            form = page.locator('[data-testid="stForm"]', has=page.get_by_label("计划名称", exact=True))
            form.get_by_role("button", name="创建").click()
            settle(page)
            page.get_by_role("tab", name="改造计划").click()
            wait_text(page, "修改改造计划")
            page.get_by_label("名称", exact=True).fill("开发区")
            page.get_by_label("上级地区或对应行政区（名称或代码）", exact=True).fill("371400")
            form = page.locator('[data-testid="stForm"]', has=page.get_by_label("名称", exact=True))
            form.get_by_role("button", name="创建").click()
            page.get_by_role("tab", name="改造计划").click()
            settle(page)
            _until(lambda: [z["adcode"] for z in zones.list_zones(open_store(url))["zones"]] == ["371499"])

            page.get_by_role("tab", name="目标任务").click()
            wait_text(page, "导入分县/分市目标表")
            page.locator('input[type="file"]').first.set_input_files(str(table))
            wait_text(page, "检查通过（尚未写入）：13 个地区的 65 项目标如下")
            page.get_by_role("button", name=f"确认导入到“{dezhou_2022_plan.PROGRAMME['name']}”").click()
            wait_text(page, "已导入：13 个地区的 65 项目标")
            elapsed = time.perf_counter() - started
            shot(page, "admin-targets-imported")
        except Exception:
            shot(page, "debug-fail")
            raise
        browser.close()
    TIMINGS.parent.mkdir(parents=True, exist_ok=True)
    TIMINGS.write_text(json.dumps({"prefecture_setup_in_browser_s": round(elapsed, 1)}), encoding="utf-8")
    store = open_store(url)
    [prog] = metrics.list_programmes(store)
    s = metrics.summary(store, prog["id"])
    city = dezhou_2022_plan.STATED["全市小计:"]
    assert s["totals"]["households"]["target"] == city["户数"] == 35305
    assert s["totals"]["communities"]["target"] == city["小区数"]
    assert {c["name"]: c["totals"]["households"]["target"] for c in s["children"]}["开发区"] == 3793
    forget_stores()


def _first_admin_creates(page, base: str, url: str, name: str, region: str, years: str) -> None:
    """The first administrator (made on the CLI as the sign-in screen says), signed in, creates a programme."""
    page.goto(base + "/login")
    wait_text(page, "系统中还没有管理员账号")
    r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, "user", "add", "li", "--role", "admin"],
                       input="a long enough secret\n", capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 0, r.stderr
    page.goto(base + "/login")
    settle(page, 'input[type="password"]')
    page.get_by_label("用户名", exact=True).fill("li")
    page.get_by_label("密码", exact=True).fill("a long enough secret")
    page.get_by_role("button", name="登录").click()
    wait_text(page, "已登录")
    page.locator('[data-testid="stSidebarNav"] a', has_text="系统管理").click()
    wait_text(page, "新建账号")
    page.get_by_role("tab", name="改造计划").click()
    wait_text(page, "新建改造计划")
    page.get_by_label("计划名称", exact=True).first.fill(name)
    page.get_by_label("地区（名称或6位代码）", exact=True).first.fill(region)
    page.get_by_label("年度（如 2022 或 2022-2024）", exact=True).first.fill(years)
    form = page.locator('[data-testid="stForm"]', has=page.get_by_label("计划名称", exact=True))
    form.get_by_role("button", name="创建").click()
    settle(page)
    _until(lambda: [p["name"] for p in metrics.list_programmes(open_store(url))] == [name])


def _upload_on_screen(page, path, *, register: bool = False) -> None:
    page.locator('[data-testid="stSidebarNav"] a', has_text="数据上传").click()
    wait_text(page, "拖入或选择 Excel / CSV 文件")
    if register:
        page.locator('[data-testid="stRadio"]').get_by_text("项目台账", exact=True).click()
        settle(page)
    page.locator('input[type="file"]').first.set_input_files(str(path))


def test_a_province_sets_up_and_uploads_its_progress_by_prefecture(tmp_path):
    """湖南: the programme for 湖南省 2021, then the province's own table of 14 市州 to 2021-08-31 on the
    upload screen, which knows it for a totals table: 1,110 of 1,500 communities started, 74.00%."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    mod = hunan_2021_08_progress
    url = f"sqlite:///{tmp_path / 'province.db'}"
    table = tmp_path / "湖南省城镇老旧小区改造进度（截至8月31日）.xlsx"
    table.write_bytes(real.build_xlsx(mod))
    with streamlit_server(url, tmp_path / "streamlit.log", DASHBOARD_DEMO="0") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        try:
            _first_admin_creates(page, base, url, mod.PROGRAMME["name"], "湖南省", "2021")
            _upload_on_screen(page, table)
            wait_text(page, "这是分地区的进度合计表：15 个地区，统计截至 2021-08-31")
            page.get_by_role("button", name="确认导入").click()
            wait_text(page, "个地区的上报数")
            page.locator('[data-testid="stSidebarNav"] a', has_text="总览").click()
            wait_text(page, "74.0%")
            body = page.inner_text("body")
            assert "本页数字来自地区上报的汇总表" in body and "1,500个" in body and "1,110个" in body
            assert "0个" not in body.split()  # the table states no completions: a dash, not zero
            shot(page, "province-setup-overview")
        except Exception:
            shot(page, "debug-province")
            raise
        browser.close()
    store = open_store(url)
    [prog] = metrics.list_programmes(store)
    c = metrics.summary(store, prog["id"])["totals"]["communities"]
    prov = mod.STATED["全省"]
    assert (c["target"], c["started"]) == (prov["计划完成数"], prov["累计开工数"]) == (1500, 1110)
    assert f"{c['start_rate']:.2%}" == prov["开工率"]
    forget_stores()


def test_a_county_sets_up_and_uploads_its_register_in_its_published_layout(tmp_path):
    """舒城县: the county's own 2022 programme, then its two 片区 projects as its briefing lists them
    (涉及小区数 6 and 12, 涉及住户, 投资金额, dates as phrases) as the register: 18 communities."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    mod = shucheng_2022_projects
    url = f"sqlite:///{tmp_path / 'county.db'}"
    table = tmp_path / "舒城县2022年老旧小区改造项目.xlsx"
    table.write_bytes(real.build_xlsx(mod))
    with streamlit_server(url, tmp_path / "streamlit.log", DASHBOARD_DEMO="0") as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        try:
            _first_admin_creates(page, base, url, mod.PROGRAMME["name"], "舒城县", "2022")
            _upload_on_screen(page, table, register=True)
            wait_text(page, "确认导入", timeout=60_000)
            page.get_by_role("button", name="确认导入").click()
            wait_text(page, "已导入：第")
            shot(page, "county-setup-register")
        except Exception:
            shot(page, "debug-county")
            raise
        browser.close()
    store = open_store(url)
    [prog] = metrics.list_programmes(store)
    c = metrics.summary(store, prog["id"], as_of="2022-12-31")["totals"]["communities"]
    assert c["registered"] == mod.STATED["全县(正文)"]["涉及小区数(个)"] == 18
    hh = metrics.summary(store, prog["id"], as_of="2022-12-31")["totals"]["households"]["registered"]
    assert hh == 946 + 725  # the batches' 涉及住户 (the text's 1,700 is its own rounder total)
    forget_stores()
