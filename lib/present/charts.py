"""Plotly figures for the dashboard (pure: data in, figure out; no Streamlit).

Colour-blind safe (Okabe-Ito): blue for starts and "ahead", orange for
completions-to-watch and "behind", grey for the pace; every band also has a
text label. Chinese renders with Noto Sans CJK SC (Debian fonts-noto-cjk),
also in the PNG export (`to_png`, kaleido with Debian's Chromium).
"""

from __future__ import annotations

import copy
import functools

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lib.office import fmt
from lib.present import maps
from lib.present.i18n import t

FONT = "Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, PingFang SC, sans-serif"
BLUE, ORANGE, SKY, GREEN, GREY, DARK = "#0072B2", "#E69F00", "#56B4E9", "#009E73", "#8c8c8c", "#333333"
BAND_COLOURS = {"ahead": BLUE, "watch": "#b8b8b8", "behind": ORANGE, None: "#e0e0e0"}


class FrozenFigure(go.Figure):
    """A finished figure whose dict is taken once: served as is to every viewer of the same figures.

    Streamlit's `st.plotly_chart` asks a figure for `to_dict()` (a deep copy) and encodes it on every
    call; a figure shared across sessions (pages/_ui/store.shared) answers from the dict taken when it
    was frozen. Read-only by contract: nothing may update it after `freeze`."""

    def __init__(self, fig: go.Figure | None = None, *, spec: dict | None = None):
        super().__init__()
        self._frozen = fig.to_dict() if fig is not None else spec

    def to_dict(self) -> dict:  # noqa: D102 - plotly's, answered from the frozen copy
        return self._frozen

    def update_layout(self, *a, **k):  # noqa: D102 - a frozen figure is finished: thaw() it to change it
        raise TypeError("a frozen figure is read-only: charts.thaw(fig) gives a figure to change")


def freeze(fig: go.Figure) -> FrozenFigure:
    """The figure, finished: its dict taken once (see FrozenFigure)."""
    return fig if isinstance(fig, FrozenFigure) else FrozenFigure(fig)


def thaw(fig: go.Figure) -> go.Figure:
    """A figure that may be changed: a frozen one rebuilt (validated) from its dict, any other as it is."""
    return go.Figure(fig.to_dict()) if isinstance(fig, FrozenFigure) else fig


def band_label(band: str | None, lang: str) -> str:
    """A pace band's name as the rankings table and the bars say it ("band.none": no target)."""
    return t(f"band.{band}" if band in BAND_COLOURS and band else "band.none", lang)


def pace_class_label(rate, expected, lang: str) -> str:
    """The map's class of a rate against its pace, short ("已完成", "符合序时", "略慢" …): what the ranking
    chart writes beside a bar and the rankings table in its 分档 column."""
    k = maps.rate_class(None if rate is None or pd.isna(rate) else float(rate),
                        None if expected is None or pd.isna(expected) else float(expected))
    return t("pace.short." + maps.PACE_KEYS[k], lang) if k is not None else band_label(None, lang)


def _layout(fig: go.Figure, title: str | None = None, height: int = 420, large: bool = False) -> go.Figure:
    size = 17 if large else 13
    fig.update_layout(
        # title top left in the top margin, the legend at the foot of the figure (container coordinates):
        # neither sits on the plot, the subplot titles or the toolbar, on a projector or a phone
        title={"text": title, "x": 0.005, "xanchor": "left", "xref": "container", "y": 0.985, "yref": "container",
               "yanchor": "top", "font": {"size": size + 4}} if title else None,
        font={"family": FONT, "size": size, "color": DARK}, height=height, template="plotly_white",
        margin={"l": 10, "r": 10, "t": (90 if large else 78) if title else 48, "b": 56 if large else 48},
        legend={"orientation": "h", "yref": "container", "y": 0.005, "yanchor": "bottom", "x": 0, "xanchor": "left"},
        hoverlabel={"font": {"family": FONT}}, separators=".,",
    )
    return fig


def empty(message: str, height: int = 300) -> go.Figure:
    """A figure that says why there is nothing to draw (e.g. 本周暂无填报)."""
    fig = go.Figure()
    fig.add_annotation(text=message, x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": 18, "color": GREY})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    return _layout(fig, height=height)


def pace(series: pd.DataFrame, metric: str, lang: str = "zh", title: str | None = None,
         large: bool = False) -> go.Figure:
    """Cumulative starts and completions per week against the target and the season's pace.

    series: one region's rows of `trends.with_rates(trends.weekly_series(...))`.
    """
    if series.empty:
        return empty(t("chart.no_reports", lang))
    unit = t(f"figure.unit.{metric}", lang)
    x = pd.to_datetime(series["week"])
    fig = go.Figure()
    target = series["target"].iloc[-1]
    if pd.notna(target):
        fig.add_trace(go.Scatter(x=x, y=series["expected"], mode="lines", name=t("chart.expected_pace", lang),
                                 line={"color": GREY, "dash": "dash", "width": 2},
                                 hovertemplate="%{y:,.0f}" + unit + "<extra></extra>"))
        fig.add_hline(y=target, line={"color": DARK, "dash": "dot", "width": 1.5},
                      annotation_text=f"{t('chart.target', lang)} {fmt.exact(target)}{unit}",
                      annotation_position="top left")
    fig.add_trace(go.Scatter(x=x, y=series["started"], name=t("chart.started_cumulative", lang),
                             mode="lines+markers", line={"color": BLUE, "width": 3}, marker={"size": 5},
                             hovertemplate="%{y:,.0f}" + unit + "<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=series["completed"], name=t("chart.completed_cumulative", lang),
                             mode="lines+markers", line={"color": ORANGE, "width": 3}, marker={"size": 5, "symbol": "square"},
                             hovertemplate="%{y:,.0f}" + unit + "<extra></extra>"))
    fig.update_xaxes(tickformat="%m-%d", title=None)
    fig.update_yaxes(title=t(f"chart.axis.{metric}", lang), rangemode="tozero",
                     tickformat=",")
    fig.update_layout(hovermode="x unified")
    return _layout(fig, title, large=large)


def children_rates(series: pd.DataFrame, stat: str, lang: str = "zh", title: str | None = None,
                   large: bool = False) -> go.Figure:
    """Small multiples: each child's rate per week against the season's pace (shared axes).

    Returned frozen (FrozenFigure; `thaw` to change it): the figure is written as plotly's own dict.
    Built through plotly's objects it took 0.1-0.4 s for a province's 21 prefectures (make_subplots, a
    validated update per axis and per trace), half of a filter change at national scale; the grid and
    the layout are plotly's (`_multiples_layout`, made by make_subplots once per shape), the traces are
    the dicts plotly itself writes for them (tests/present/test_charts.py compares the two)."""
    if series.empty:
        return empty(t("chart.no_reports", lang))
    names = list(dict.fromkeys(series["short_name"]))
    cols = 4 if len(names) > 3 else len(names)
    rows = -(-len(names) // cols)
    layout = copy.deepcopy(_multiples_layout(rows, cols, len(names), lang, large, bool(title)))
    for ann, name in zip(layout["annotations"], names):
        ann["text"] = name
    if title:
        layout["title"]["text"] = title
    groups = dict(tuple(series.groupby("short_name", sort=False)))
    traces = []
    for i, name in enumerate(names):
        d = groups[name]
        axis = "" if i == 0 else str(i + 1)  # make_subplots numbers the cells row by row
        x = pd.to_datetime(d["week"]).to_numpy()
        traces.append({"hovertemplate": "%{y:.1%}<extra></extra>", "legendgroup": "pace",
                       "line": {"color": GREY, "dash": "dash", "width": 1.5}, "mode": "lines",
                       "name": t("chart.pace", lang), "showlegend": i == 0, "x": x,
                       "y": d["expected_share"].to_numpy(dtype="float64", na_value=float("nan")),
                       "type": "scatter", "xaxis": "x" + axis, "yaxis": "y" + axis})
        traces.append({"hovertemplate": name + " %{y:.1%}<extra></extra>", "legendgroup": "rate",
                       "line": {"color": BLUE if stat == "start_rate" else ORANGE, "width": 2.5}, "mode": "lines",
                       "name": t(f"chart.rate.{stat}", lang), "showlegend": i == 0, "x": x,
                       "y": d[stat].to_numpy(dtype="float64", na_value=float("nan")),
                       "type": "scatter", "xaxis": "x" + axis, "yaxis": "y" + axis})
    return FrozenFigure(spec={"data": traces, "layout": layout})


@functools.lru_cache(maxsize=64)
def _multiples_layout(rows: int, cols: int, n: int, lang: str, large: bool, titled: bool) -> dict:
    """The layout of `n` small multiples in a rows × cols grid, as plotly writes it: make_subplots' grid
    (`_grid`, per shape), the axes' formats, and `_layout`'s title, fonts and margins (taken from an empty
    figure): plotly's own updates of 48 axes one by one cost more than the grid itself. Subplot titles
    and the title's text are left to fill in."""
    layout = copy.deepcopy(_grid(rows, cols, n))
    for key, axis in layout.items():
        if key.startswith("yaxis"):
            axis.update(tickformat=".0%", range=[0, 1.05], nticks=3)
        elif key.startswith("xaxis"):
            axis.update(tickformat=t("chart.month_ticks", lang), nticks=4)
    for ann in layout.get("annotations", []):
        ann["font"] = {**ann.get("font", {}), "size": 15 if large else 13}
    frame = _layout(go.Figure(), "#title" if titled else None, height=max(260, 190 * rows + 60), large=large)
    layout.update(frame.to_dict()["layout"])
    return layout


@functools.lru_cache(maxsize=64)
def _grid(rows: int, cols: int, n: int) -> dict:
    """make_subplots' layout for `n` titled cells of a rows × cols grid, shared axes (children_rates)."""
    return make_subplots(rows=rows, cols=cols, subplot_titles=[f"#{i}" for i in range(n)], shared_xaxes=True,
                         shared_yaxes=True, vertical_spacing=0.12 if rows > 1 else 0.1,
                         horizontal_spacing=0.03).to_dict()["layout"]


def _text_width(text: str, size: float) -> float:
    """Roughly how wide `text` is drawn at `size` px (a CJK character is about one em, Latin about 0.6)."""
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in text)


def rank_axis_end(rates: pd.Series) -> float:
    """The rate axis ends at 100%, or at the largest rate when one exceeds it."""
    top = float(rates.max()) if rates.notna().any() else 1.0
    return max(1.0, top)


def ranking_bars(df: pd.DataFrame, lang: str = "zh", title: str | None = None, large: bool = False, *,
                 name_col: str = "name", x_end: float | None = None, height: int | None = None,
                 font_size: int | None = None, fine_ticks: bool = False) -> go.Figure:
    """Horizontal bars of `rate`, best at the top, coloured and named by the map's pace classes, pace as a
    dashed line.

    The value labels ("98.2% · 略慢") stand in a column right of the plot, so the pace line never
    runs through them; the axis ends at 100% unless a value exceeds it (`x_end` shares one end
    between charts side by side). Regions are named from `name_col`, the column the rankings
    table shows, so chart and table say the same name.
    """
    if df.empty:
        return empty(t("chart.nothing_to_rank", lang))
    d = df.iloc[::-1]
    names = d[name_col] if name_col in d else d["name"]
    labels = [f"{int(r)}. {n}" if pd.notna(r) else n for r, n in zip(d["rank"], names)]
    # coloured and named by the map's classes against the pace (lib.present.maps): the chart, its
    # labels and the map's legend say one thing about each region
    expected_col = d["expected"] if "expected" in d else pd.Series([None] * len(d), index=d.index)
    classes = [maps.rate_class(None if pd.isna(v) else float(v), None if pd.isna(e) else float(e))
               for v, e in zip(d["rate"], expected_col)]
    colours = [maps.COLOURS[k] if k is not None else maps.NO_DATA for k in classes]
    text = [f"{fmt.pct(v)} · {t('pace.short.' + maps.PACE_KEYS[k], lang)}" if k is not None
            else band_label(None, lang) for v, k in zip(d["rate"], classes)]
    size = font_size or (17 if large else 13)
    fig = go.Figure(go.Bar(x=d["rate"].astype(float), y=labels, orientation="h", marker={"color": colours},
                           customdata=d[["adcode"]].values, name=t(f"chart.rank_axis.{df.attrs.get('stat', 'start_rate')}", lang),
                           hovertemplate="%{y}: %{x:.1%}<extra></extra>"))
    # the labels: one column in the right margin, clear of the bars and of the pace line
    for y, label in zip(labels, text):
        fig.add_annotation(x=1, xref="paper", xanchor="left", xshift=8, y=y, yref="y", text=label,
                           showarrow=False, font={"size": size})
    expected = df["expected"].iloc[0] if "expected" in df and len(df) else None
    if expected is not None and pd.notna(expected):
        fig.add_vline(x=float(expected), line={"color": DARK, "dash": "dash", "width": 1.5},
                      annotation_text=f"{t('chart.reference', lang)} {fmt.pct(expected)}",
                      annotation_position="top", annotation_font={"size": size})
    end = x_end if x_end is not None else rank_axis_end(d["rate"])
    # 0, 50%, 100%: legible on a phone, where the plot is 100 px wide (each bar has its value beside it);
    # `fine_ticks` (the big screen) marks every 20%
    fig.update_xaxes(tickformat=".0%", range=[0, end], dtick=(0.2 if fine_ticks else 0.5) if end <= 1.2 else None,
                     fixedrange=True)
    fig.update_yaxes(automargin=True, fixedrange=True)
    height = height or max(300, (30 if large else 24) * len(d) + 90)
    fig = _layout(fig, title, height=height, large=large)
    fig.update_layout(font={"size": size}, showlegend=False, bargap=0.25,
                      margin={"r": int(max(_text_width(x, size) for x in text)) + 20,
                              "t": max(fig.layout.margin.t or 0, int(size * 2.4))})
    return fig


def content_bars(df: pd.DataFrame, lang: str = "zh", title: str | None = None, large: bool = False) -> go.Figure:
    """Renovation items: communities planning each, and how many have started / finished works."""
    if df.empty:
        return empty(t("chart.no_content", lang))
    d = df.iloc[::-1]
    y = [t("chart.item_category", lang, item=t(f"content.item.{code}", lang), category=t(f"content.category.{c}", lang))
         for code, c in zip(d["code"], d["category"])]
    fig = go.Figure()
    fig.add_trace(go.Bar(x=d["communities"], y=y, orientation="h", name=t("chart.planned", lang),
                         marker={"color": "#d0d7de"}, hovertemplate="%{x}<extra></extra>"))
    fig.add_trace(go.Bar(x=d["started"], y=y, orientation="h", name=t("chart.started", lang),
                         marker={"color": SKY}, hovertemplate="%{x}<extra></extra>"))
    fig.add_trace(go.Bar(x=d["completed"], y=y, orientation="h", name=t("chart.completed", lang),
                         marker={"color": BLUE}, hovertemplate="%{x}<extra></extra>"))
    fig.update_layout(barmode="overlay", bargap=0.25)
    fig.update_xaxes(title=t("chart.communities_axis", lang))
    return _layout(fig, title, height=max(320, 22 * len(d) + 100), large=large)


def funding_bars(df: pd.DataFrame, lang: str = "zh", title: str | None = None, large: bool = False) -> go.Figure:
    """Planned funding by source (万元), largest first, with its share."""
    d = df[df["planned_wan"] > 0].sort_values("planned_wan")
    if d.empty:
        return empty(t("chart.no_funding", lang))
    names = [t(f"funding.{key}", lang) for key in d["key"]]
    fig = go.Figure(go.Bar(x=d["planned_wan"], y=names, orientation="h", marker={"color": BLUE},
                           text=[f"{fmt.money_wan(v, lang)} · {fmt.pct(s)}" for v, s in zip(d["planned_wan"], d["share"])],
                           textposition="outside", cliponaxis=False, hovertemplate=t("chart.funding_hover", lang) + "<extra></extra>"))
    fig.update_xaxes(title=t("chart.funding_axis", lang), tickformat=",",
                     range=[0, float(d["planned_wan"].max()) * 1.35])
    fig.update_yaxes(automargin=True)
    return _layout(fig, title, height=max(260, 38 * len(d) + 100), large=large)


def community_history(history: pd.DataFrame, lang: str = "zh", title: str | None = None) -> go.Figure:
    """One community's weekly physical progress (%) and money (万元)."""
    if history.empty:
        return empty(t("chart.no_history", lang))
    x = pd.to_datetime(history["report_date"])
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=x, y=history["progress_pct"], name=t("chart.progress_pct", lang),
                             line={"color": BLUE, "width": 3}, mode="lines+markers"), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=history["invested_wan"], name=t("chart.invested_wan", lang),
                             line={"color": ORANGE, "width": 2}), secondary_y=True)
    fig.add_trace(go.Scatter(x=x, y=history["paid_wan"], name=t("chart.paid_wan", lang),
                             line={"color": ORANGE, "width": 2, "dash": "dot"}), secondary_y=True)
    fig.update_yaxes(range=[0, 105], title="%", secondary_y=False)
    fig.update_yaxes(title=t("chart.wan_yuan", lang), rangemode="tozero", secondary_y=True, showgrid=False)
    fig.update_xaxes(tickformat="%m-%d")
    return _layout(fig, title, height=360)


def to_png(fig: go.Figure, width: int = 1600, height: int | None = None, scale: float = 1.0) -> bytes:
    """The figure as PNG (kaleido + Debian Chromium), Chinese in Noto Sans CJK SC."""
    import plotly.io as pio

    fig = go.Figure(fig)
    fig.update_layout(font_family="Noto Sans CJK SC")
    return pio.to_image(fig, format="png", width=width, height=height or fig.layout.height or 600, scale=scale)
