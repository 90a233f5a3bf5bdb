"""lib.figures.trends: the weekly series, checked against a summary per week."""

from __future__ import annotations

import pytest

from lib.domain import regions
from lib.figures import metrics, trends


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
