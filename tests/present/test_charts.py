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


def _plain(obj):
    """A figure's JSON with plotly's typed arrays ({"dtype", "bdata"}) decoded and NaN as None."""
    import base64
    import math

    import numpy as np

    if isinstance(obj, dict):
        if set(obj) >= {"dtype", "bdata"}:
            return _plain(np.frombuffer(base64.b64decode(obj["bdata"]), dtype=obj["dtype"]).tolist())
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, float) and math.isnan(obj):
        return None
    return obj


@pytest.mark.parametrize("n,lang,large,stat", [(21, "zh", False, "start_rate"), (3, "en", True, "completion_rate"),
                                               (8, "zh", True, "start_rate"), (1, "en", False, "start_rate")])
def test_small_multiples_are_what_plotly_builds(n, lang, large, stat):
    """children_rates writes plotly's dict directly (fast); it must be the figure plotly's own objects build:
    make_subplots with the same grid, one pace and one rate trace per region, the same axes and fonts."""
    import json

    import numpy as np
    import plotly.graph_objects as go
    import plotly.io as pio
    from plotly.subplots import make_subplots

    from lib.present.i18n import t

    weeks = pd.date_range("2021-03-05", periods=30, freq="7D").date
    series = pd.DataFrame([{"short_name": f"地区{i}", "week": w, "expected_share": j / 30,
                            stat: (np.nan if (i, j) == (0, 3) else j / (31 + i))}
                           for i in range(n) for j, w in enumerate(weeks)])
    got = charts.children_rates(series, stat, lang, title="各市州开工率", large=large)

    names = [f"地区{i}" for i in range(n)]  # the reference: plotly's objects, as the chart was first written
    cols = 4 if n > 3 else n
    rows = -(-n // cols)
    ref = make_subplots(rows=rows, cols=cols, subplot_titles=names, shared_xaxes=True, shared_yaxes=True,
                        vertical_spacing=0.12 if rows > 1 else 0.1, horizontal_spacing=0.03)
    for i, name in enumerate(names):
        d = series[series["short_name"] == name]
        x = pd.to_datetime(d["week"])
        ref.add_trace(go.Scatter(x=x, y=d["expected_share"], mode="lines", line={"color": charts.GREY, "dash": "dash",
                                 "width": 1.5}, name=t("chart.pace", lang), showlegend=i == 0, legendgroup="pace",
                                 hovertemplate="%{y:.1%}<extra></extra>"), row=i // cols + 1, col=i % cols + 1)
        ref.add_trace(go.Scatter(x=x, y=d[stat], mode="lines", line={"color": charts.BLUE if stat == "start_rate"
                                 else charts.ORANGE, "width": 2.5}, name=t(f"chart.rate.{stat}", lang),
                                 showlegend=i == 0, legendgroup="rate", hovertemplate=name + " %{y:.1%}<extra></extra>"),
                      row=i // cols + 1, col=i % cols + 1)
    ref.update_yaxes(tickformat=".0%", range=[0, 1.05], nticks=3)
    ref.update_xaxes(tickformat=t("chart.month_ticks", lang), nticks=4)
    ref = charts._layout(ref, "各市州开工率", height=max(260, 190 * rows + 60), large=large)
    ref.update_annotations(font={"size": 15 if large else 13})

    mine, theirs = (_plain(json.loads(pio.to_json(f, validate=False))) for f in (got, ref))
    assert mine["layout"] == theirs["layout"]
    assert len(mine["data"]) == len(theirs["data"]) == 2 * n
    for a, b in zip(mine["data"], theirs["data"]):
        b.setdefault("xaxis", "x"), b.setdefault("yaxis", "y")  # plotly leaves the first cell's axes implicit
        assert a == b
    go.Figure(got.to_dict())  # and plotly accepts it as a valid figure
    assert charts.children_rates(series, stat, lang, title="各市州开工率", large=large).to_dict()["layout"] == \
        got.to_dict()["layout"], "the cached grid must not carry one call's titles into the next"
