"""lib.figures.rankings: competition ranks, pace bands, rank changes and the bulletin's lists."""

from __future__ import annotations

from datetime import date

from lib.figures import metrics, rankings


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


def test_board_is_the_ranking_and_the_lists_computed_apart(demo_store):
    """rankings.board (what the rankings screen caches) reuses the ranking for the lists; it must say exactly
    what ranking() and pace_lists() say on their own, for both rates."""
    import pandas.testing as pdt

    for stat in ("start_rate", "completion_rate"):
        b = rankings.board(demo_store, 1, "630000", "2021-10-29", stat=stat, by="county")
        pdt.assert_frame_equal(b["ranking"], rankings.ranking(demo_store, 1, "630000", "2021-10-29", stat=stat,
                                                              by="county"))
        assert b["lists"] == rankings.pace_lists(demo_store, 1, "630000", "2021-10-29", by="county")
    assert b["lists"]["behind"] or b["lists"]["ahead"]
