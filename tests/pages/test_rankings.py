"""pages/rankings.py (AppTest): the county table, rank changes and the bulletin's lists."""

from __future__ import annotations

from lib.figures import rankings
from lib.store.engine import open_store
from tests.support.screens import go, text_of


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


def test_an_early_week_names_nobody_as_not_reported(app):
    """Week 2021-12-03 has only 城东区's report: 44 counties have not reported yet, but the week is still being
    reported, so nobody is listed as not reported; the closed week 2021-11-26 lists its own."""
    from lib.store.engine import open_store
    from tests.review.early_upload import upload_week_early
    from tests.support.screens import go, text_of
    upload_week_early(open_store(app.url, read_only=False))
    at = go(app(week="2021-12-03"), "rankings")
    assert "本周填报尚未截止，截止后列出。" in text_of(at)
    at = go(app(), "rankings")
    assert "本周填报尚未截止" not in text_of(at)
