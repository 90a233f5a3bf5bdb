"""The dashboard at national scale, in a real browser: `python -m bench.browser [--db URL] [--programme ID]`.

Starts `streamlit run app.py` (DASHBOARD_DEMO=0) against the national synthetic
store (default /tmp/bench_300000x52.db, made by `python -m bench.run` or
`python -m lib.cli synth`), loads the overview in headless Chromium
(Playwright), changes the region filter (全部 → 广东省) and the week, and records
how long each took to render, plus the Streamlit process's resident memory
(/proc/<pid>/status VmRSS and VmHWM). Writes bench/out/browser.json.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mem(pid: int) -> dict:
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            out[line.split(":")[0]] = round(int(line.split()[1]) / 1024, 1)
    return out


def _idle(page, timeout=120_000):
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=timeout)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.browser")
    ap.add_argument("--db", default="sqlite:////tmp/bench_300000x52.db")
    ap.add_argument("--programme", default="1")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    port = _port()
    env = {**os.environ, "DATABASE_URL": args.db, "DASHBOARD_DEMO": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    res: dict = {"db": args.db, "programme": args.programme}
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        res["rss_after_start_mb"] = _mem(proc.pid)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            t = time.perf_counter()
            page.goto(f"http://127.0.0.1:{port}/?programme={args.programme}")
            _idle(page)
            page.wait_for_load_state("networkidle")
            res["first_render_s"] = round(time.perf_counter() - t, 2)
            res["rss_after_overview_mb"] = _mem(proc.pid)
            page.screenshot(path=str(OUT / "overview_national.png"))

            def change(label_text: str, typed: str) -> float:
                box = page.locator('[data-testid="stSelectbox"]').filter(has_text=label_text).first
                box.click()
                page.keyboard.type(typed)
                t0 = time.perf_counter()
                page.keyboard.press("Enter")
                page.wait_for_selector('[data-testid="stApp"][data-test-script-state="running"]', timeout=10_000)
                _idle(page)
                return round(time.perf_counter() - t0, 2)

            res["filter_region_s"] = change("地区", "广东省")
            page.screenshot(path=str(OUT / "overview_guangdong.png"))
            res["filter_week_s"] = change("截至", "第8周")
            page.screenshot(path=str(OUT / "overview_guangdong_week8.png"))
            res["rss_after_filters_mb"] = _mem(proc.pid)
            browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    OUT.mkdir(exist_ok=True)
    (OUT / "browser.json").write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
