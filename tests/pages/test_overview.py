"""pages/overview.py (AppTest on a private SQLite copy of the demo): the cards, links, language, projector."""

from __future__ import annotations

import json
import subprocess
import sys

from lib.domain import regions
from lib.figures import metrics
from lib.store.engine import open_store
from tests.support import ROOT
from tests.support.screens import go, metrics_shown, text_of


def test_overview_cards_match_the_cli_summary(app):
    at = app()
    out = subprocess.run([sys.executable, "-m", "lib.cli", "--db", app.url, "summary", "--programme", "1"],
                         cwd=ROOT, capture_output=True, text=True, check=True)
    s = json.loads(out.stdout)
    hh, inv = s["totals"]["households"], s["totals"]["investment_wan"]
    # The demo's last week as the CLI states it, and each card written out by hand from those figures:
    # counts of 10,000 or more in 万 with two decimals, 万元 amounts of 1亿 or more in 亿元, rates to 0.1%.
    assert s["as_of"] == "2021-11-26"
    assert (hh["target"], hh["registered"], hh["started"], hh["completed"]) == (51_500, 51_500, 50_368, 33_313)
    assert (hh["start_rate"], hh["completion_rate"]) == (0.978, 0.6469)
    assert (inv["invested"], inv["paid"], inv["pay_rate"]) == (108_605.6, 90_172.0, 0.8303)
    assert (s["totals"]["reported_this_week"], s["totals"]["communities"]["registered"]) == (480, 489)
    shown = metrics_shown(at)
    assert shown["年度目标"] == "5.15万户"
    assert shown["已开工"] == "5.04万户"
    assert shown["已完工"] == "3.33万户"
    assert shown["开工率"] == "97.8%"
    assert shown["完工率"] == "64.7%"
    assert shown["纳入台账"] == "5.15万户"
    assert shown["累计完成投资"] == "10.86亿元"
    assert shown["累计资金支付"] == "9.02亿元"
    assert shown["资金支付率"] == "83.0%"
    assert shown["本周填报"] == "480 / 489"
    assert "2021-11-26" in text_of(at)
    # the exact figure is on hover
    started = next(m for m in at.metric if m.label == "已开工")
    assert started.proto.help == "50,368"


def test_communities_and_change_since_last_week(app):
    at = app(week="2021-06-18", metric="communities")
    s = json.loads(subprocess.run([sys.executable, "-m", "lib.cli", "--db", app.url, "summary", "--programme", "1",
                                   "--as-of", "2021-06-18"], cwd=ROOT, capture_output=True, text=True).stdout)
    p = json.loads(subprocess.run([sys.executable, "-m", "lib.cli", "--db", app.url, "summary", "--programme", "1",
                                   "--as-of", "2021-06-11"], cwd=ROOT, capture_output=True, text=True).stdout)
    c = s["totals"]["communities"]
    assert (c["started"], p["totals"]["communities"]["started"]) == (184, 146)  # 38 more in week 24
    started = next(m for m in at.metric if m.label == "已开工")
    assert started.value == "184个"
    assert started.delta.startswith("+38个")
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


def _xining_totals_table() -> bytes:
    """A prefecture's own totals table for one county, in the 市州 layout (title with the date)."""
    import io

    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["西宁市老旧小区改造进度表（截至2021年11月26日）"])
    ws.append(["县（市、区）", "计划完成数", "累计开工数", "开工率"])
    ws.append(["城东区", 30, 25, "83.33%"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_a_county_with_a_register_and_its_own_totals_shows_both_with_the_difference(app):
    """城东区 keeps a register (57 communities started by 2021-11-26) and also reports 25: the register
    counts, the totals table is shown beside it with the difference 57 − 25 = 32; nothing is added."""
    from lib.access.auth import Actor
    from lib.uploads import aggregate
    store = open_store(app.url, read_only=False)
    before = metrics.summary(store, 1, "630100")
    out = aggregate.import_aggregate(store, _xining_totals_table(), "西宁.xlsx", 1, actor=Actor("admin", "admin"))
    assert out["status"] == "committed", out["errors"]
    after = metrics.summary(store, 1, "630100")
    assert after["totals"] == before["totals"]  # never added together
    chengdong = next(c for c in after["children"] if c["adcode"] == "630102")
    assert chengdong["source"] == "both"
    assert metrics.reported_beside_register(after) == [
        {"adcode": "630102", "name": "城东区", "date": "2021-11-26", "metric": "started_communities",
         "reported": 25, "register": 57, "difference": 32}]

    at = app(pref="630100")
    tables = [d.value for d in at.dataframe if "差额" in d.value.columns]
    assert len(tables) == 2  # the table and its narrow twin for phones (region, figure, difference)
    assert list(tables[1].columns) == ["地区", "指标", "差额"]
    row = tables[0].iloc[0].to_dict()
    assert row == {"地区": "城东区", "指标": "累计开工小区（个）", "上报汇总": "25", "台账": "57", "差额": "+32",
                   "上报截至": "2021-11-26"}
    assert "两者不相加" in text_of(at)

    at = app(lang="en")
    assert not any("Difference" in d.value.columns for d in at.dataframe)  # shown where the region is in view
    # the rankings screen names where each county's figures come from
    from streamlit.testing.v1 import AppTest

    from tests.support.screens import APP
    at = AppTest.from_file(APP, default_timeout=90)
    at.query_params["pref"] = "630100"
    at.run()
    at.switch_page("pages/rankings.py").run()
    [table] = [d.value for d in at.dataframe if "数据来源" in d.value.columns]
    src = dict(zip(table["地区"], table["数据来源"]))
    assert src["城东区"] == "台账（另有上报汇总）" and src["城西区"] == "台账"


def test_one_early_upload_moves_nobodys_default_week(app):
    """城东区 reports week 2021-12-03 before anyone else: every new visitor still opens on 2021-11-26, the
    closed week; the early week is in the selector, marked 填报进行中：1/45, one click away."""
    from tests.review.early_upload import upload_week_early
    upload_week_early(open_store(app.url, read_only=False))
    at = app()
    assert "2021-11-26" in text_of(at) and "填报进行中：1/45" in text_of(at)
    assert metrics_shown(at)["本周填报"] == "480 / 489"
    week = at.selectbox(key="week")
    assert week.value == "2021-11-26"
    assert any("填报进行中：1/45" in o for o in week.options)
    at = app(week="2021-12-03")
    assert "2021-12-03" in text_of(at)


def test_no_green_arrow_for_nothing_new(app):
    """Week 47 (2021-11-26) of the demo started no household: the card says ±0, grey, with no arrow."""
    at = app()
    started = next(m for m in at.metric if m.label == "已开工")
    assert started.delta.startswith("±0户")
    from streamlit.proto.Metric_pb2 import Metric
    assert started.proto.color == Metric.MetricColor.GRAY
