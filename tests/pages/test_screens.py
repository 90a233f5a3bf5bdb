"""The dashboard screens (AppTest on a private SQLite copy of the demo) and the queries behind them
(lib.trends, lib.rankings, lib.content, lib.maps, lib.charts) on both stores."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from lib.access.auth import Actor
from lib.present import charts
from lib.figures import content
from lib.office import fmt
from lib.present import maps
from lib.figures import metrics
from lib.figures import rankings
from lib.domain import regions
from lib.figures import trends
from lib.store.models import Programme, Project
from lib.store.engine import audit, open_store

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
PAGES = ("overview", "map", "rankings", "progress", "content", "register")


# --- the queries ----------------------------------------------------------------------------------

def test_weekly_series_agrees_with_summary_every_week(demo_store):
    """One query over the report dates gives what a summary per week gives, at every level."""
    total = trends.weekly_series(demo_store, 1)
    by_county = trends.weekly_series(demo_store, 1, by="county")
    weeks = metrics.report_dates(demo_store, 1)
    assert list(total["week"]) == weeks and len(weeks) == 35
    for w in (weeks[0], weeks[10], weeks[-1]):
        s = metrics.summary(demo_store, 1, as_of=w, by="county")
        row = total[total["week"] == w].iloc[0]
        assert row["started_households"] == s["totals"]["households"]["started"]
        assert row["completed_communities"] == s["totals"]["communities"]["completed"]
        assert row["reported"] == s["totals"]["reported_this_week"]
        assert row["invested_wan"] == pytest.approx(s["totals"]["investment_wan"]["invested"], abs=0.2)
        got = by_county[by_county["week"] == w].set_index("adcode")
        for c in s["children"]:
            assert got.at[c["adcode"], "started_households"] == c["totals"]["households"]["started"], c["name"]
            assert got.at[c["adcode"], "reported"] == c["totals"]["reported_this_week"], c["name"]
    assert total["started_households"].is_monotonic_increasing
    assert total["target_households"].iloc[0] == 51_500


def test_weekly_series_of_a_prefecture_by_children(demo_store):
    df = trends.weekly_series(demo_store, 1, "630200", by="children")
    assert set(df["adcode"]) == {c.adcode for c in regions.children("630200")}
    last = df[df["week"] == df["week"].max()]
    s = metrics.summary(demo_store, 1, "630200")
    assert last["started_households"].sum() == s["totals"]["households"]["started"]


def test_weekly_series_empty_without_reports(demo_store):
    df = trends.weekly_series(demo_store, 2)
    assert df.empty and list(df.columns) == list(trends.SERIES_COLUMNS)


def test_ranking_ranks_bands_and_rank_changes(demo_store):
    df = rankings.ranking(demo_store, 1, as_of="2021-06-18", by="county")
    assert len(df) == 45 and df["rank"].iloc[0] == 1
    assert df["rate"].is_monotonic_decreasing
    # competition ranking: equal rates share a rank, the next rank skips
    tied = df[df["rate"] == df["rate"].iloc[0]]
    assert (tied["rank"] == 1).all() and (df["rank"] == len(tied) + 1).any()
    assert df.attrs["prev_week"] == date(2021, 6, 11) and df.attrs["prev_month"] == date(2021, 5, 21)
    old = rankings.ranking(demo_store, 1, as_of="2021-06-11", by="county").set_index("adcode")["rank"]
    for _, r in df.iterrows():
        assert r["rank_change_week"] == old[r["adcode"]] - r["rank"]
    exp = metrics.summary(demo_store, 1, as_of="2021-06-18")["expected_share"]
    assert (df["expected"] == exp).all()
    assert set(df.loc[df["rate"] >= exp, "band"]) == {"ahead"}
    assert set(df.loc[df["rate"] < exp * 0.85 - 1e-9, "band"]) <= {"behind"}
    slow = df.set_index("adcode").loc[["632623", "632724", "630225", "632522"]]
    assert "behind" in set(slow["band"])  # the demo's deliberately slow counties show up


def test_bands_are_configurable_and_kind_early_in_the_season():
    b = rankings.Bands()
    assert b.classify(0.0, 0.004) == "watch"  # a 0.4% pace names nobody
    assert b.classify(0.30, 0.40) == "behind" and b.classify(0.39, 0.40) == "watch"
    assert b.classify(0.41, 0.40) == "ahead" and b.classify(None, 0.4) is None
    absolute = rankings.Bands(ahead=0.9, behind=0.6, absolute=True)
    assert absolute.classify(0.95, None) == "ahead" and absolute.classify(0.5, None) == "behind"


def test_pace_lists_for_the_bulletin(demo_store):
    lists = rankings.pace_lists(demo_store, 1, as_of="2021-06-18", by="county")
    assert set(lists) == {"ahead", "behind", "no_movement", "not_reported"}
    names = {k: {r["adcode"] for r in v} for k, v in lists.items()}
    assert not names["ahead"] & names["behind"]
    s = metrics.summary(demo_store, 1, as_of="2021-06-18", by="county")
    silent = {c["adcode"] for c in s["children"] if c["totals"]["reported_this_week"] == 0}
    assert names["not_reported"] == silent and silent
    two = metrics.summary(demo_store, 1, as_of="2021-06-04", by="county")
    before = {c["adcode"]: c["totals"]["households"] for c in two["children"]}
    for c in s["children"]:
        now, old = c["totals"]["households"], before[c["adcode"]]
        still = now["started"] == old["started"] and now["completed"] == old["completed"] \
            and now["started"] < now["registered"]
        assert (c["adcode"] in names["no_movement"]) == still, c["name"]
    behind = [r["rate"] for r in lists["behind"]]
    assert behind == sorted(behind)


def test_content_funding_and_subsidy(demo_store):
    items = content.content_table(demo_store, 1, as_of="2021-11-26")
    assert {"basic", "improvement", "enhancement"} == set(items["category"])
    lift = items.set_index("code").loc["lift"]
    lifts = content.lifts(demo_store, 1, as_of="2021-11-26")
    assert lift["communities"] == lifts["communities"] and lifts["planned"] >= lifts["added"] > 0
    assert (items["started"] <= items["communities"]).all() and (items["completed"] <= items["started"]).all()
    funds = content.funding_table(demo_store, 1)
    assert len(funds) == 9 and funds["share"].sum() == pytest.approx(1, abs=1e-3)
    assert funds.attrs["funding_total_wan"] == pytest.approx(funds.attrs["planned_investment_wan"], abs=1)
    check = content.subsidy_check(demo_store, 1)
    assert check["applies"] and check["ok"] and check["short"].empty
    assert check["required_wan"] == pytest.approx(51_500 * 1.5 + lifts["planned"] * 15)
    assert not content.subsidy_check(demo_store, 2)["applies"]  # Qingtian is in Zhejiang


def test_subsidy_check_names_a_community_below_the_standard(fresh_demo_store):
    with fresh_demo_store.write() as s:
        p = s.query(Project).filter(Project.code == "QH2021-630102-001").one()
        p.fund_central = 0.0
        audit(s, "test", "project.update", "project", p.id, programme_id=1, detail="subsidy test")
    check = content.subsidy_check(fresh_demo_store, 1)
    assert not check["ok"] and list(check["short"]["code"]) == ["QH2021-630102-001"]
    assert check["short"]["shortfall_wan"].iloc[0] > 0


def test_map_features_legend_and_points(demo_store):
    s = metrics.summary(demo_store, 1, "630200", by="county")
    fc = maps.county_features(s["children"], "start_rate", "households")
    assert len(fc["features"]) == len(regions.counties_in("630200"))
    for feat, c in zip(fc["features"], s["children"]):
        rate = c["totals"]["households"]["start_rate"]
        assert feat["properties"]["fill"][:3] == maps._rgba(maps.COLOURS[maps.rate_class(rate)])[:3]
        assert fmt.pct(rate) in feat["properties"]["line1"]
    assert [c for _, c in maps.legend()] == [*maps.COLOURS, maps.NO_DATA]
    reg = metrics.register_table(demo_store, 1, region="630200", viewer=Actor.system())
    pts = maps.community_points(reg)
    assert len(pts) == len(reg) and pts["lon"].between(100, 104).all()
    deck = maps.deck(fc, pts)
    spec = json.loads(deck.to_json())
    assert spec["mapStyle"] == maps.BLANK_STYLE and "\n" not in deck.to_json()
    assert maps.selected_adcode({"objects": {"counties": [{"properties": {"adcode": "630202"}}]}}) == "630202"
    assert maps.selected_adcode({"objects": {}}) is None


def test_charts_are_built_and_export_png(demo_store):
    series = trends.with_rates(trends.weekly_series(demo_store, 1), "households")
    fig = charts.pace(series, "households")
    assert {t.name for t in fig.data} >= {"累计开工", "累计完工", "序时进度（按施工季）"}
    df = rankings.ranking(demo_store, 1)
    bars = charts.ranking_bars(df, "en")
    assert "ahead of pace" in " ".join(bars.data[0].text) or "slightly behind" in " ".join(bars.data[0].text)
    assert charts.empty("本周暂无填报").layout.annotations[0].text == "本周暂无填报"
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no Chromium for kaleido")
    png = charts.to_png(fig, width=800, height=400)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


# --- the screens --------------------------------------------------------------------------------------

@pytest.fixture
def app(sqlite_demo_url, monkeypatch):
    """An AppTest of app.py on a private copy of the demo (public by default: nobody signed in)."""
    monkeypatch.setenv("DATABASE_URL", sqlite_demo_url)
    monkeypatch.setenv("DASHBOARD_LANG", "zh")
    monkeypatch.delenv("DASHBOARD_PUBLIC", raising=False)

    def make(**params) -> AppTest:
        at = AppTest.from_file(APP, default_timeout=90)
        for k, v in params.items():
            at.query_params[k] = v
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    make.url = sqlite_demo_url
    return make


def go(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, (page, [e.value for e in at.exception])
    return at


def metrics_shown(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def text_of(at: AppTest) -> str:
    parts = [x.value for x in (*at.title, *at.caption, *at.markdown, *at.info, *at.warning, *at.success)]
    return "\n".join(str(p) for p in parts)


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


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_for_the_province(app, page):
    at = go(app(), page)
    assert at.title and "青海省" in at.title[0].value
    if page == "map":
        assert at.get("deck_gl_json_chart")
    if page in ("rankings", "register", "map", "progress"):
        assert at.dataframe
    if page in ("overview", "rankings", "progress", "content"):
        assert at.get("plotly_chart")


def test_a_link_with_codes_opens_exactly_that(app):
    at = app(pref="630200", week="24", metric="households", stat="start_rate")
    assert at.title[0].value.endswith("海东市")
    assert "2021-06-18（第24周）" in text_of(at)


def test_pages_with_a_county_selected(app):
    at = app(pref="630200", county="630202")
    assert at.title[0].value.endswith("乐都区")
    assert "已选到县" in text_of(at)  # no sub-regions to draw
    go(at, "map")
    assert at.title[0].value == "乐都区开工率" and at.get("deck_gl_json_chart")
    go(at, "rankings")
    assert "海东市" in at.title[0].value and "已选县" in text_of(at)
    assert any("👉 乐都区" == v for v in at.dataframe[0].value["地区"])
    for page in ("progress", "content", "register"):
        go(at, page)
        assert "乐都区" in at.title[0].value
    assert all(at.dataframe[0].value["县（市、区）"] == "乐都区")


def test_a_week_in_which_a_county_did_not_report(app):
    s = metrics.summary(open_store(app.url), 1, as_of="2021-06-18", by="county")
    silent = next(c for c in s["children"] if c["totals"]["reported_this_week"] == 0)
    county = regions.get(silent["adcode"])
    at = app(pref=county.prefecture, county=county.adcode, week="2021-06-18")
    assert any("本周暂无填报" in w.value for w in at.warning)
    assert metrics_shown(at)["本周填报"].startswith("0 / ")
    go(at, "map")
    assert any("本周暂无填报" in w.value for w in at.warning)


def test_a_programme_without_reports(app):
    at = app(programme="2")
    assert "青田县" in at.title[0].value
    assert any("尚无进度填报" in i.value for i in at.info)
    assert metrics_shown(at)["年度目标"] == "9,460户"
    go(at, "progress")
    assert any("尚无进度填报" in i.value for i in at.info)
    go(at, "rankings")
    assert any("没有下级地区" in i.value for i in at.info)
    for page in ("map", "content", "register"):
        go(at, page)
        assert "青田" in at.title[0].value
    assert len(at.dataframe[0].value) == 14


def test_an_empty_programme(app):
    store = open_store(app.url)
    with store.write() as s:
        prog = Programme(code="empty-2022", name="空计划（测试）", region_adcode="630000", year_start=2022, year_end=2022)
        s.add(prog)
        s.flush()
        audit(s, "test", "programme.create", "programme", prog.id, programme_id=prog.id)
        pid = prog.id
    at = app(programme=str(pid))
    assert "空计划" in at.title[0].value
    assert metrics_shown(at)["年度目标"] == "—"
    assert any("无法比较进度" in i.value for i in at.info)
    for page in PAGES[1:]:
        go(at, page)
        assert at.title or at.info
    assert any("没有符合条件" in i.value for i in at.info)  # the register is empty


def test_switch_to_english(app):
    at = app()
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert "Target (households)" in metrics_shown(at) and "Start rate" in metrics_shown(at)
    assert metrics_shown(at)["Target (households)"] == "51,500"
    go(at, "rankings")
    assert "ranking" in at.title[0].value


def test_rankings_show_the_bulletin_lists_and_rank_changes(app):
    at = go(app(week="2021-06-18"), "rankings")
    at.segmented_control(key="rank_by").set_value("county").run()
    table = at.dataframe[0].value
    assert len(table) == 45 and list(table["名次"])[0] == 1
    assert set("".join(table["较上周"])) <= set("▲▼＝—0123456789")
    shown = text_of(at)
    for heading in ("快于序时进度", "明显滞后", "近两周无进展", "本周未填报"):
        assert heading in shown
    lists = rankings.pace_lists(open_store(app.url), 1, as_of="2021-06-18", by="county")
    for r in lists["not_reported"]:
        assert r["name"] in shown


def test_register_search_and_public_mode(app):
    at = go(app(), "register")
    cols = list(at.dataframe[0].value.columns)
    assert "存在问题" not in cols and "备注" not in cols  # nobody signed in: public view
    at.text_input(key="q").set_value("QH2021-630102-005").run()
    assert len(at.dataframe[0].value) == 1
    assert "共 1 个小区" in text_of(at)


def test_community_page_shows_record_and_history(app, monkeypatch):
    at = app()
    at.session_state["community"] = 5
    go(at, "community")
    assert at.title[0].value == "柴达木巷住宅小区"
    history = at.dataframe[1].value
    detail = trends.community_detail(open_store(app.url), 5, viewer=Actor.system())["history"]
    assert len(history) == len(detail) > 20
    assert "存在问题" not in history.columns and "填报人" not in history.columns  # public view
    assert list(history["填报日期"])[0] == detail["report_date"].max()
    assert "暂无上传记录" in text_of(at)


def test_projector_mode_enlarges_type(app):
    at = app(proj="true")
    assert any("stMetricValue" in m.value for m in at.markdown)
