"""A prefecture sets itself up in a real browser, from an empty store without the demo: the first
administrator, the programme, its 开发区 and the published 德州 2022 target table (tests/real/programmes)."""

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
from tests.real.programmes import dezhou_2022_plan
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
