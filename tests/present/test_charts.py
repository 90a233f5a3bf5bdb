"""lib.present.charts: the pace and ranking charts, and their PNG export."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from lib.figures import rankings, trends
from lib.present import charts, maps


def test_charts_are_built_and_export_png(demo_store):
    series = trends.with_rates(trends.weekly_series(demo_store, 1), "households")
    fig = charts.pace(series, "households")
    assert {t.name for t in fig.data} >= {"累计开工", "累计完工", "序时进度（按施工季）"}
    df = rankings.ranking(demo_store, 1)
    bars = charts.ranking_bars(df, "en")
    labels = " ".join(a.text for a in bars.layout.annotations)
    assert "ahead of pace" in labels or "slightly behind" in labels
    assert charts.empty("本周暂无填报").layout.annotations[0].text == "本周暂无填报"
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no Chromium for kaleido")
    png = charts.to_png(fig, width=800, height=400)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def _frame(rates: list[float], expected: float = 0.6) -> pd.DataFrame:
    n = len(rates)
    return pd.DataFrame({"rank": range(1, n + 1), "adcode": [f"6301{i:02d}" for i in range(n)],
                         "name": [f"县{i}" for i in range(n)], "short_name": [f"短{i}" for i in range(n)],
                         "rate": rates, "expected": expected,
                         "band": ["ahead" if r >= expected else "behind" for r in rates]})


def test_the_rate_axis_ends_at_100_percent_unless_a_value_exceeds_it():
    assert charts.ranking_bars(_frame([0.98, 0.5, 0.2])).layout.xaxis.range == (0, 1.0)
    assert charts.ranking_bars(_frame([1.12, 0.5])).layout.xaxis.range == (0, 1.12)
    assert charts.ranking_bars(_frame([0.3, 0.1]), x_end=1.0).layout.xaxis.range == (0, 1.0)


def test_value_labels_stand_clear_of_the_pace_line():
    """The labels sit right of the plot area (paper x >= 1), the pace line inside it: they cannot cross,
    whatever the rates; before, "98.2% · 略慢" was drawn across the line."""
    fig = charts.ranking_bars(_frame([0.98, 0.62, 0.55, 0.3], expected=0.6), "zh")
    labels = [a for a in fig.layout.annotations if "·" in (a.text or "")]
    assert len(labels) == 4 and all(a.xref == "paper" and a.x >= 1 and a.xanchor == "left" for a in labels)
    line = next(sh for sh in fig.layout.shapes if sh.type == "line")
    assert line.x0 == line.x1 == 0.6 and line.x0 <= fig.layout.xaxis.range[1]
    # the right margin holds the longest label
    longest = max(charts._text_width(a.text, 13) for a in labels)
    assert fig.layout.margin.r >= longest
    assert not fig.data[0].text  # no label on the bars themselves


def test_chart_names_regions_as_the_rankings_table_does(demo_store):
    df = rankings.ranking(demo_store, 1, "630000", by="county")
    fig = charts.ranking_bars(df, "zh")
    shown = [y.split(". ", 1)[1] for y in fig.data[0].y]
    assert sorted(shown) == sorted(df["name"])  # the table's column (pages/rankings.py shows df["name"])
    assert "海西蒙古族藏族自治州直辖" in shown and "大柴旦行委" not in shown


def test_whole_county_ranking_in_two_columns_shares_one_axis(demo_store):
    df = rankings.ranking(demo_store, 1, "630000", by="county")
    half = (len(df) + 1) // 2
    end = charts.rank_axis_end(df["rate"])
    figs = [charts.ranking_bars(part, "zh", x_end=end, font_size=19, height=760)
            for part in (df.iloc[:half], df.iloc[half:])]
    assert [f.layout.xaxis.range for f in figs] == [(0, end), (0, end)]
    assert sum(len(f.data[0].y) for f in figs) == len(df) == 45
    assert all(f.layout.height == 760 and f.layout.font.size == 19 for f in figs)


def test_the_ranking_chart_names_and_colours_regions_as_the_map_does():
    """At 100% of the target a county has finished (the map's darkest class), on the pace it is 符合序时 (not
    快于序时), 97.8% of a 100% pace is 略慢; each bar has the colour of its county on the map."""
    df = _frame([1.0, 0.66, 0.75, 0.978, 0.5], expected=0.6)
    df.loc[3, "expected"] = 1.0  # a late week: the pace is the whole target
    fig = charts.ranking_bars(df, "zh")
    by_name = {a.y: a.text for a in fig.layout.annotations if a.y and str(a.y)[0].isdigit()}
    assert by_name["1. 县0"].endswith("已完成")
    assert by_name["2. 县1"].endswith("符合序时")  # 1.1 of the pace
    assert by_name["3. 县2"].endswith("快于序时")  # 1.25 of the pace
    assert by_name["4. 县3"].endswith("略慢")  # 0.978 of a 100% pace
    assert by_name["5. 县4"].endswith("明显滞后")  # 0.83 of the pace
    for i, label in enumerate(["1. 县0", "2. 县1", "3. 县2", "4. 县3", "5. 县4"]):  # the table's 分档 says the same
        assert by_name[label].endswith(charts.pace_class_label(df["rate"][i], df["expected"][i], "zh"))
    colours = dict(zip(fig.data[0].y, fig.data[0].marker.color))
    for label, rate, expected in zip(["1. 县0", "2. 县1", "3. 县2", "4. 县3", "5. 县4"], df["rate"], df["expected"]):
        assert colours[label] == maps.COLOURS[maps.rate_class(rate, expected)]


def test_a_frozen_figure_is_served_as_the_figure_it_froze():
    """charts.freeze: what st.plotly_chart encodes from a frozen figure is the original's encoding, and the
    frozen dict is taken once (to_dict returns the same object, no copy per viewer)."""
    import plotly.io as pio
    import plotly.tools

    from lib.present import charts as c

    df = pd.DataFrame({"adcode": ["630102", "630103"], "name": ["城东区", "城中区"], "rate": [0.5, 0.9],
                       "expected": [0.8, 0.8], "rank": [2, 1], "band": ["behind", "ahead"]})
    fig = c.ranking_bars(df, "zh")
    frozen = c.freeze(fig)
    assert c.freeze(frozen) is frozen
    assert pio.to_json(frozen, validate=False) == pio.to_json(fig, validate=False)
    assert plotly.tools.return_figure_from_figure_or_data(frozen, True) is frozen.to_dict()
    assert frozen.to_json() == fig.to_json()
