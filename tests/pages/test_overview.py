"""pages/overview.py (AppTest on a private SQLite copy of the demo): the cards, links, language, projector."""

from __future__ import annotations

import json
import subprocess
import sys

from lib.domain import regions
from lib.figures import metrics
from lib.office import fmt
from lib.store.engine import open_store
from tests.support import ROOT
from tests.support.screens import go, metrics_shown, text_of


def test_overview_cards_match_the_cli_summary(app):
    at = app()
    out = subprocess.run([sys.executable, "-m", "lib.cli", "--db", app.url, "summary", "--programme", "1"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    s = json.loads(out.stdout)
    hh, inv = s["totals"]["households"], s["totals"]["investment_wan"]
    shown = metrics_shown(at)
    assert shown["年度目标"] == fmt.count(hh["target"], "户") == "5.15万户"
    assert shown["已开工"] == fmt.count(hh["started"], "户")
    assert shown["已完工"] == fmt.count(hh["completed"], "户")
    assert shown["开工率"] == fmt.pct(hh["start_rate"])
    assert shown["完工率"] == fmt.pct(hh["completion_rate"])
    assert shown["纳入台账"] == fmt.count(hh["registered"], "户")
    assert shown["累计完成投资"] == fmt.money_wan(inv["invested"])
    assert shown["累计资金支付"] == fmt.money_wan(inv["paid"])
    assert shown["资金支付率"] == fmt.pct(inv["pay_rate"])
    assert shown["本周填报"] == f"{s['totals']['reported_this_week']} / {s['totals']['communities']['registered']}"
    assert s["as_of"] in text_of(at)
    # the exact figure is on hover
    started = next(m for m in at.metric if m.label == "已开工")
    assert started.proto.help == fmt.exact(hh["started"])


def test_communities_and_change_since_last_week(app):
    at = app(week="2021-06-18", metric="communities")
    s = json.loads(subprocess.run([sys.executable, "-m", "lib.cli", "--db", app.url, "summary", "--programme", "1",
                                   "--as-of", "2021-06-18"], cwd=ROOT, capture_output=True, text=True).stdout)
    p = json.loads(subprocess.run([sys.executable, "-m", "lib.cli", "--db", app.url, "summary", "--programme", "1",
                                   "--as-of", "2021-06-11"], cwd=ROOT, capture_output=True, text=True).stdout)
    c = s["totals"]["communities"]
    started = next(m for m in at.metric if m.label == "已开工")
    assert started.value == fmt.count(c["started"], "个")
    diff = c["started"] - p["totals"]["communities"]["started"]
    assert started.delta.startswith(f"{diff:+,}个")
    assert "2021-06-18（第24周）" in text_of(at)


def test_a_link_with_codes_opens_exactly_that(app):
    at = app(pref="630200", week="24", metric="households", stat="start_rate")
    assert at.title[0].value.endswith("海东市")
    assert "2021-06-18（第24周）" in text_of(at)


def test_a_week_in_which_a_county_did_not_report(app):
    s = metrics.summary(open_store(app.url), 1, as_of="2021-06-18", by="county")
    silent = next(c for c in s["children"] if c["totals"]["reported_this_week"] == 0)
    county = regions.get(silent["adcode"])
    at = app(pref=county.prefecture, county=county.adcode, week="2021-06-18")
    assert any("本周暂无填报" in w.value for w in at.warning)
    assert metrics_shown(at)["本周填报"].startswith("0 / ")
    go(at, "map")
    assert any("本周暂无填报" in w.value for w in at.warning)


def test_switch_to_english(app):
    at = app()
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert "Target (households)" in metrics_shown(at) and "Start rate" in metrics_shown(at)
    assert metrics_shown(at)["Target (households)"] == "51,500"
    go(at, "rankings")
    assert "ranking" in at.title[0].value


def test_projector_mode_enlarges_type(app):
    at = app(proj="true")
    assert any("stMetricValue" in m.value for m in at.markdown)
