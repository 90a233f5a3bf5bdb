"""lib.present.charts: the pace and ranking charts, and their PNG export."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.figures import rankings, trends
from lib.present import charts


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
