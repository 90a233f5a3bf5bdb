"""The static public edition: `python -m lib.cli publish` writes each closed week's overview, map and
rankings as HTML, in Chinese and English, with nothing internal, served by any web server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from datetime import date
from html.parser import HTMLParser

from bench.load import run_round, static_server
from lib.figures import metrics, rankings
from lib.office import fmt
from lib.publish import static
from lib.samples.demo import PROBLEMS
from tests.pages.test_languages import cjk_outside_data, data_strings, english_outside_data
from tests.support import ROOT


class _Texts(HTMLParser):
    """Visible text nodes of a page (not scripts or styles; the chart's own texts are checked in the figures)."""

    def __init__(self):
        super().__init__()
        self.out: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style", "title")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style", "title")

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.out.append(data.strip())


def texts(html: str) -> list[str]:
    p = _Texts()
    p.feed(html)
    return p.out


def test_publish_closed_weeks_both_languages_nothing_internal(demo_store, tmp_path):
    weeks = static.closed_weeks(demo_store, 1)
    assert weeks and all(w <= date(2021, 11, 26) for w in weeks)
    last = weeks[-2:]
    out = static.publish(demo_store, 1, tmp_path, weeks=last)
    assert out["weeks"] == [w.isoformat() for w in last] and out["files"] == 2 * 3 * (len(last) + 1)
    assert (tmp_path / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    data = data_strings(demo_store)
    week = last[-1].isoformat()
    for lang in ("zh", "en"):
        for page in static.PAGES:
            html = (tmp_path / lang / week / page).read_text("utf-8")
            assert html == (tmp_path / lang / "latest" / page).read_text("utf-8")
            # no remark, problem or uploader name anywhere in the file (scripts included)
            assert not [p for p in PROBLEMS if p in html] and "演示数据" not in html
            assert "https://" not in html.split("</head>")[0]  # every asset from the same server
            t = texts(html)
            bad = english_outside_data(t, data) if lang == "zh" else cjk_outside_data(t, data)
            assert not bad, f"{lang}/{page}: {bad[:5]}"
    # the figures are the store's: the published start rate and the ranking's first county
    s = metrics.summary(demo_store, 1, as_of=week)
    zh = (tmp_path / "zh" / week / "index.html").read_text("utf-8")
    assert fmt.pct(s["totals"]["households"]["start_rate"]) in zh
    top = rankings.ranking(demo_store, 1, None, week, metric="households", by="county").iloc[0]
    assert re.search(rf"<td>1</td><td>{re.escape(top['name'])}</td>", (tmp_path / "zh" / week / "rankings.html").read_text())


def test_publish_cli_refuses_an_open_week_and_serves_over_http(sqlite_demo_url, tmp_path):
    def cli(*args):
        return subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=600)

    r = cli("publish", "--programme", "1", "--out", str(tmp_path), "--week", "2021-12-03")
    assert r.returncode != 0 and "已截止" in r.stderr and not (tmp_path / "zh").exists()
    r = cli("publish", "--programme", "1", "--out", str(tmp_path), "--week", "2021-11-26")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["weeks"] == ["2021-11-26"]
    with static_server(tmp_path) as (base, pids):
        assert b"zh/latest/index.html" in urllib.request.urlopen(base, timeout=10).read()
        res = run_round(base + "zh/latest/", 5, pids=pids, ramp=0.2, timeout=60, http=True)
    assert res["errors"] == 0 and res["page_loads"] == 15, res["error_samples"]
