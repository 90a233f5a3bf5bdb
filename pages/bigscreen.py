"""Big screen (大屏) for the weekly meeting: 16:9, no sidebar, the views in turn.

Overview → map → ranking → this week, every `?every=` seconds (default 20) unless paused
(`?pause=1` or the switch). The filters come from the URL like every screen's (?programme=,
?pref=, ?week=, ?metric=, ?stat=, ?lang=); without ?week= the screen follows the week that
has closed, so a new closed week and every new upload appear without a reload: the views are
drawn in a fragment that reruns on its timer and reads through the cached calls keyed on the
store's data version.
"""

from __future__ import annotations

import html
import time
from datetime import date

import pandas as pd
import streamlit as st

from lib.domain import clock
from lib.domain import regions
from lib.domain.errors import UserError
from lib.domain.text import Text
from lib.figures import rankings
from lib.figures import trends
from lib.office import fmt
from lib.present import charts
from lib.present import maps
from lib.present.i18n import t, view_title, week_label
from lib.review import dispatch
from pages._ui import store, widgets
from pages._ui.filters import sidebar_filters, url_value

VIEWS = ("overview", "map", "ranking", "week")
EVERY = 20  # seconds per view
FIT_PX = (960, 540)  # the map's frame on a 1366×768 screen: the region is fitted into it

f = sidebar_filters()
L = f.lang
widgets.bigscreen()
ss = st.session_state


def _every() -> int:
    raw = url_value("every") or ""
    return min(300, max(5, int(raw))) if raw.isascii() and raw.isdigit() and len(raw) <= 3 else EVERY


if "_bs_started" not in ss:  # the first run of this screen in the session: what the link asked for
    ss["_bs_started"] = True
    ss["bs_pause"] = (url_value("pause") or "").lower() in ("1", "true", "yes")
    ss["bs_view"] = url_value("view") if url_value("view") in VIEWS else VIEWS[0]
    ss["_bs_pinned"] = url_value("week") is not None  # a week in the link stays; otherwise the closed week
    ss["_bs_since"] = time.monotonic()
every = _every()

bar = st.container(horizontal=True, horizontal_alignment="right", vertical_alignment="center")
paused = bar.toggle(t("bs.pause", L), key="bs_pause")
bar.page_link("pages/overview.py", label=t("bs.exit", L), icon=":material/close_fullscreen:")


def card(label: str, figure: str, sub: str = "") -> str:
    return (f'<div class="bs-card" data-testid="bs-card"><div class="bs-label">{html.escape(label)}</div>'
            f'<div class="bs-figure">{html.escape(figure)}</div>'
            f'<div class="bs-sub">{html.escape(sub) if sub else "&nbsp;"}</div></div>')


def panel(title: str, items: list[str], empty: str) -> str:
    body = ("<div class='bs-list'>" + "".join(f"<div>• {html.escape(x)}</div>" for x in items) + "</div>") if items \
        else f"<div class='bs-sub'>{html.escape(empty)}</div>"
    return f'<div class="bs-card"><div class="bs-panel-title">{html.escape(title)}</div>{body}</div>'


def html_block(markup: str) -> None:
    st.markdown(markup, unsafe_allow_html=True)


def names(rows: list[str], n: int) -> list[str]:
    return rows[:n] + ([t("bs.week.more", L, n=len(rows) - n)] if len(rows) > n else [])


def ranking_scope() -> tuple[str, str | None]:
    """The region whose counties are ranked, and `by` for lib.figures.rankings."""
    here = regions.get(f.region)
    if here.level == "province":
        return f.region, "county"
    if here.is_county and here.parent:
        return here.parent, None
    return f.region, None


# --- the views ----------------------------------------------------------------------------------------

def overview(s: dict, prev: dict | None) -> None:
    tot = s["totals"]
    m, inv = tot[f.metric], tot["investment_wan"]
    pm = prev["totals"][f.metric] if prev else None
    unit = t(f"figure.unit.{f.metric}", L)
    metric_word = t(f"metric.{f.metric}", L).lower()

    def label(key: str) -> str:
        return t("bs.unit_label", L, label=t(key, L), unit=metric_word)

    def this_week(key: str) -> str:
        if pm is None or m[key] is None or pm[key] is None:
            return ""
        return t("bs.this_week", L, delta=f"{m[key] - pm[key]:+,}{unit}")

    rate, pace = m["start_rate"], s["expected_share"]
    vs_pace = t("bs.vs_pace", L, points=(rate - pace) * 100) if rate is not None else ""
    left, right = st.columns([13, 7], gap="medium")
    with left:
        for row in ((card(label("bs.target"), fmt.count(m["target"], unit, L)),
                     card(label("bs.started"), fmt.count(m["started"], unit, L), this_week("started")),
                     card(t("bs.start_rate", L), fmt.pct(rate), vs_pace)),
                    (card(label("bs.completed"), fmt.count(m["completed"], unit, L), this_week("completed")),
                     card(t("bs.completion_rate", L), fmt.pct(m["completion_rate"])),
                     card(t("bs.invested", L), fmt.money_wan(inv["invested"], L))),
                    (card(label("bs.registered"), fmt.count(m["registered"], unit, L)),
                     card(t("bs.reported", L), f"{fmt.exact(tot['reported_this_week'])} / "
                                               f"{fmt.exact(tot['communities']['registered'])}",
                          t("bs.reported_sub", L)),
                     card(t("bs.paid", L), fmt.money_wan(inv["paid"], L),
                          t("bs.pay_rate", L, rate=fmt.pct(inv["pay_rate"]))))):
            cols = st.columns(3, gap="small")
            for col, markup in zip(cols, row):
                with col:
                    html_block(markup)
        html_block(f'<div class="bs-sub" style="margin-top:0.8vw">{html.escape(t("bs.pace", L, pace=fmt.pct(pace)))}'
                   f' · {html.escape(charts.band_label(rankings.DEFAULT_BANDS.classify(rate, pace), L))}</div>')
    with right:
        series = store.cached(trends.weekly_series, f.programme, f.region)
        one = trends.with_rates(series, f.metric)
        one = one[one["week"] <= date.fromisoformat(s["as_of"])] if not one.empty else one
        fig = charts.pace(one, f.metric, L, title=t("bs.pace_chart", L), large=True)
        fig.update_layout(height=None, autosize=True, font={"size": 18}, title_font={"size": 24}, margin_t=60,
                          legend={"yref": "paper", "y": -0.08, "yanchor": "top", "x": 0, "xanchor": "left"})
        with st.container(key="bs_fill_pace"):
            widgets.chart(fig, "bs_pace", height="stretch")


def county_map(s: dict) -> None:
    rows = s["children"] or [{"adcode": s["adcode"], "name": s["name"], "totals": s["totals"]}]
    reference = s["expected_share"] if f.stat == "start_rate" else s["totals"][f.metric]["completion_rate"]
    features = maps.county_features(rows, f.stat, f.metric, L, reference=reference)
    left, right = st.columns([4, 1.3], gap="medium")
    width = maps.map_width(st.context.headers.get("User-Agent"), wide=1400)
    # The map fills the screen's height (CSS), which the server does not know: fit the region into the
    # smallest frame it gets on a 16:9 screen (a 1366×768 laptop: ~960×540), so none of it is cut off.
    view = maps.view_for([r["adcode"] for r in rows], min(width, FIT_PX[0]), FIT_PX[1])
    deck = maps.deck(features, None, basemap_style_url=store.settings().basemap_style_url, view=view,
                     label_px=18 if width > maps.PHONE_WIDTH else 11)
    with left, st.container(key="bs_fill_map"):
        st.pydeck_chart(deck, height="stretch", key="bs_map")
    with right:
        stat = t(f"kpi.{f.stat}", L)
        legend = "".join(f'<div><span class="sw" style="background:{c}"></span><span>{html.escape(x)}</span></div>'
                         for x, c in maps.legend(L, reference, f.stat))
        html_block(f'<div class="bs-panel-title">{html.escape(t("bs.map_title", L, stat=stat))}</div>'
                   f'<div class="bs-sub">{html.escape(maps.reference_line(L, reference, f.stat, s["name"]))}</div>'
                   f'<div class="bs-legend" data-testid="map-legend">{legend}</div>')


def ranking(scope: str, by: str | None) -> pd.DataFrame:
    df = store.cached(rankings.ranking, f.programme, scope, f_as_of(), metric=f.metric, stat=f.stat, by=by)
    stat = t(f"kpi.{f.stat}", L)
    level = by or ("county" if regions.get(scope).level in ("prefecture", "province") else "county")
    html_block(f'<div class="bs-panel-title">'
               f'{html.escape(t("bs.ranking_title" if level == "county" else "bs.ranking_title_level", L, stat=stat, level=t(f"level.{level}", L)))}'
               f'</div>')
    if df.empty:
        st.info(t("overview.no_children", L))
        return df
    # the whole ranking on one screen: two columns sharing one axis once it is longer than a column holds
    halves = [df] if len(df) <= 16 else [df.iloc[: (len(df) + 1) // 2], df.iloc[(len(df) + 1) // 2:]]
    end = charts.rank_axis_end(df["rate"])
    rows = max(len(h) for h in halves)
    cols = st.columns(len(halves), gap="large")
    for i, (col, half) in enumerate(zip(cols, halves)):
        with col, st.container(key=f"bs_fill_rank_{i}"):  # the screen's height, whatever the screen
            fig = charts.ranking_bars(half, L, x_end=end, font_size=19 if rows <= 16 else 16, fine_ticks=True)
            fig.update_layout(height=None, autosize=True)
            names = list(fig.data[0].y)  # every region named, also where the screen is short (no thinning)
            fig.update_yaxes(tickmode="array", tickvals=names, ticktext=names)
            if len(half) < rows:  # the shorter column keeps the longer one's row height
                fig.update_yaxes(range=[-0.5 - (rows - len(half)), len(half) - 0.5])
            widgets.chart(fig, f"bs_rank_{i}", height="stretch")
    return df


def this_week(s: dict) -> None:
    scope, by = ranking_scope()
    pack = store.cached(dispatch.weekly_dispatch, f.programme, f_as_of(), region=f.region, viewer=f.viewer)
    df = store.cached(rankings.ranking, f.programme, scope, f_as_of(), metric=f.metric, stat=f.stat, by=by)
    h = pack["headline"]
    hh = t("figure.unit.households", L)
    unit_word = t("metric.households", L).lower()
    cols = st.columns(3, gap="small")
    for col, (key, value, n) in zip(cols, (
            ("bs.week.new_started", fmt.count(h["new_started_households"], hh, L), h["new_started_communities"]),
            ("bs.week.new_completed", fmt.count(h["new_completed_households"], hh, L), h["new_completed_communities"]),
            ("bs.week.new_invested", fmt.money_wan(h["new_invested_wan"], L), None))):
        with col:
            label = t(key, L) if n is None else t("bs.unit_label", L, label=t(key, L), unit=unit_word)
            html_block(card(label, value, t("bs.week.communities", L, n=fmt.exact(n)) if n is not None else ""))
    st.write("")
    a, b, c = st.columns(3, gap="small")
    with a:
        if df.empty or df["rank_change_week"].isna().all():
            html_block(panel(t("bs.week.moves", L), [], t("bs.week.no_prev", L)))
        else:
            up = df[df["rank_change_week"] > 0].sort_values("rank_change_week", ascending=False)
            down = df[df["rank_change_week"] < 0].sort_values("rank_change_week")
            items = [f"▲{int(v)} {n} → {int(r)}" for n, v, r in zip(up["name"], up["rank_change_week"], up["rank"])][:6]
            items += [f"▼{-int(v)} {n} → {int(r)}" for n, v, r in zip(down["name"], down["rank_change_week"],
                                                                       down["rank"])][:6]
            html_block(panel(t("bs.week.moves", L), items, t("bs.week.no_moves", L)))
    with b:
        if pack["closed"]:
            nr = pack["not_reported"]  # missing first, then late (arrived after the deadline)
            late = [n if st_ == "missing" else t("bs.week.late", L, name=n) for n, st_ in zip(nr["name"], nr["status"])] \
                if not nr.empty else []
            html_block(panel(t("bs.week.not_reported", L), names(late, 10), t("bs.week.all_reported", L)))
        else:  # nobody is named late while the week is still being reported
            status = pack["week_reporting"].text(L) if pack["week_reporting"] is not None else ""
            html_block(panel(t("bs.week.not_reported", L), [], t("bs.week.open", L, text=status)))
    with c:
        if pack["actions"] is None:
            html_block(panel(t("bs.week.actions", L), [], t("bs.week.actions_internal", L)))
        else:
            items = [" · ".join(x for x in (a_["title"], a_.get("region_name") or "",
                                            t("bs.week.deadline", L, day=a_["deadline"]) if a_.get("deadline") else "")
                                if x) for a_ in pack["actions"]]
            html_block(panel(t("bs.week.actions", L), names(items, 6), t("bs.week.no_actions", L)))
    st.write("")
    a, b, c = st.columns(3, gap="small")
    with a:
        moved = df[df["delta_week"].fillna(0) > 0].sort_values("delta_week", ascending=False) if not df.empty else df
        unit = t(f"figure.unit.{f.metric}", L)
        items = [f"{n} +{fmt.exact(int(v))}{unit}" for n, v in zip(moved["name"], moved["delta_week"])] if len(moved) else []
        html_block(panel(t(f"bs.week.most.{f.stat}", L, metric=t(f"metric.{f.metric}", L)), names(items, 6),
                         t("bs.week.none_moved", L)))
    with b:
        still = [r["name"] for r in pack["no_movement_counties"]]
        html_block(panel(t("bs.week.no_movement", L), names(still, 8), t("bs.week.all_moved", L)))
    with c:  # 预警 by rule (lib/figures/alerting.py), with the week they began
        warned = [t("bs.week.alert", L, name=x["name"], rule=Text(x["rule_zh"], x["rule_en"]).pick(L))
                  for x in pack.get("alerts") or []]
        html_block(panel(t("bs.week.alerts", L), names(warned, 8), t("bs.week.no_alerts", L)))


def f_as_of() -> str | None:
    """The week shown: the link's week, else the week that has closed now (it moves when one closes)."""
    return f.as_of if ss.get("_bs_pinned") else store.opening_week(f.programme)


# --- the carousel ---------------------------------------------------------------------------------------

def _picked() -> None:
    ss["_bs_since"] = time.monotonic()  # a chosen view stays its full time


def carousel() -> None:
    if not paused and time.monotonic() - ss.get("_bs_since", 0) >= every - 0.5:
        ss["bs_view"] = VIEWS[(VIEWS.index(ss.get("bs_view", VIEWS[0])) + 1) % len(VIEWS)]
        ss["_bs_since"] = time.monotonic()
    as_of = f_as_of()
    if not as_of:
        st.info(t("bs.no_week", L))
        return
    try:
        s = store.summary(f.programme, f.region, as_of, by="county")
    except UserError as e:
        widgets.show_user_error(e)
        return
    head, pick = st.columns([5, 3], vertical_alignment="bottom")
    reporting = store.in_progress(f.programme)
    stamp = t("bs.stamp", L, week=week_label(s["as_of"], L))
    if reporting and reporting["week"] == s["as_of"]:
        stamp += " · " + Text(reporting["text"], reporting["text_en"]).pick(L)
    stamp += " · " + t("bs.updated", L, time=clock.now().strftime("%H:%M"))
    stamp += " · " + (t("bs.paused", L) if paused else t("bs.next", L, seconds=every))
    with head:
        html_block(f'<div class="bs-title" data-testid="bs-title">'
                   f'{html.escape(view_title(s["programme_name"], s["name"]))}</div>'
                   f'<div class="bs-stamp" data-testid="bs-stamp">{html.escape(stamp)}</div>')
        if s["demo"]:
            widgets.demo_banner(True, L)
    with pick:
        view = st.segmented_control(t("bs.views", L), VIEWS, key="bs_view", required=True,
                                    label_visibility="collapsed", on_change=_picked,
                                    format_func=lambda v: t(f"bs.view.{v}", L)) or VIEWS[0]
    if view == "overview":
        prev_week = store.previous_week(f.programme, s["as_of"])
        overview(s, store.summary(f.programme, f.region, prev_week) if prev_week else None)
    elif view == "map":
        county_map(s)
    elif view == "ranking":
        ranking(*ranking_scope())
    else:
        this_week(s)


# Paused or not, the fragment reruns on its timer: a paused projector shows new uploads too (the view
# only turns when not paused); an unchanged store costs a cache hit per run.
st.fragment(run_every=every)(carousel)()
