"""Overview: headline figures against target, the season's pace, and the prefectures side by side."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from lib.domain.errors import UserError
from lib.figures import metrics
from lib.figures import rankings
from lib.figures import trends
from lib.office import fmt
from lib.present import charts
from lib.present.i18n import plain, t, view_title, week_label
from pages._ui import store, widgets
from pages._ui.filters import sidebar_filters

f = sidebar_filters()
L = f.lang
try:
    s = store.summary(f.programme, f.region, f.as_of)
except UserError as e:
    widgets.show_user_error(e)
    st.stop()

st.title(plain(view_title(s["programme_name"], s["name"])))
widgets.demo_banner(s["demo"], L)
if f.public:
    # the public deployment says what it is; a staff site just says nobody is signed in
    key = "public.banner" if store.settings().public else "public.signed_out"
    st.caption(t(key, L, as_of=s["as_of"]))
st.caption(t("dash.as_of", L, week=week_label(s["as_of"], L)))
if s["source"] == "reported":
    st.info(t("reported.headline_reported", L, date=s["reported"]["date"] if "reported" in s else s["as_of"]))
elif any(c["source"] == "reported" for c in s["children"]):
    names = [plain(c["name"]) for c in s["children"] if c["source"] == "reported"]
    st.caption(t("reported.headline_mixed", L, names=t("reported.sep", L).join(names[:8])
                 + ("…" if len(names) > 8 else "")))

tot = s["totals"]
m = tot[f.metric]
inv = tot["investment_wan"]
unit = t(f"figure.unit.{f.metric}", L)  # Chinese cards say 5.15万户; English cards stay short, the label names the unit


def label(key: str) -> str:
    return t("overview.card_label", L, label=t(key, L), metric=t(f"metric.{f.metric}", L).lower())


weeks = store.report_dates(f.programme)
prev = store.previous_week(f.programme, s["as_of"])
p = store.summary(f.programme, f.region, prev) if prev else None
pm = p["totals"][f.metric] if p else None
pinv = p["totals"]["investment_wan"] if p else None


def delta_count(key: str, now: dict, before: dict | None):
    if before is None or now[key] is None or before[key] is None:
        return None
    d = now[key] - before[key]
    if d == 0:  # no green ↑ for nothing new: "±0" in grey (see delta_colour)
        return f"±0{unit} {t('dash.vs_last_week', L)}"
    return f"{d:+,}{unit} {t('dash.vs_last_week', L)}"


def delta_colour(key: str, now: dict, before: dict | None) -> str:
    moved = before is not None and now[key] is not None and before[key] is not None and now[key] != before[key]
    return "normal" if moved else "off"


def delta_money(key: str):
    if pinv is None or inv[key] is None or pinv[key] is None:
        return None
    d = inv[key] - pinv[key]
    return f"{'+' if d >= 0 else '−'}{fmt.money_wan(abs(d), L)} {t('dash.vs_last_week', L)}"


if not weeks:
    st.info(t("dash.no_reports_ever", L))
elif tot["reported_this_week"] == 0 and tot["communities"]["registered"]:
    st.warning(t("dash.no_reports_week", L, region=plain(s["name"]), week=s["as_of"]))

# --- headline cards ----------------------------------------------------------------------
c = st.columns(5)
c[0].metric(label("kpi.target"), fmt.count(m["target"], unit, L), help=fmt.exact(m["target"]))
c[1].metric(label("kpi.started"), fmt.count(m["started"], unit, L), delta=delta_count("started", m, pm),
            delta_color=delta_colour("started", m, pm), delta_arrow="auto" if delta_colour("started", m, pm) == "normal"
            else "off", help=fmt.exact(m["started"]))
c[2].metric(t("kpi.start_rate", L), fmt.pct(m["start_rate"]),
            delta=None if m["start_rate"] is None or not weeks else
            t("overview.vs_pace", L, points=(m["start_rate"] - s["expected_share"]) * 100),
            help=f"{t('kpi.expected', L)} {fmt.pct(s['expected_share'])}")
says_completed = s["source"] != "reported" or any(
    k.startswith("completed_") for b in [s, *s["children"]] for k in b.get("reported", {}).get("values", {}))
if says_completed:
    c[3].metric(label("kpi.completed"), fmt.count(m["completed"], unit, L), delta=delta_count("completed", m, pm),
                delta_color=delta_colour("completed", m, pm),
                delta_arrow="auto" if delta_colour("completed", m, pm) == "normal" else "off",
                help=fmt.exact(m["completed"]))
    c[4].metric(t("kpi.completion_rate", L), fmt.pct(m["completion_rate"]))
else:  # a totals table that states no completions: a dash, not 0
    c[3].metric(label("kpi.completed"), "—")
    c[4].metric(t("kpi.completion_rate", L), "—")

c = st.columns(5)
only_reported = s["source"] == "reported"  # a totals table, no register: no 纳入台账 / 本周填报 of communities
if only_reported:
    n_rep = sum(1 for k in s["children"] if k["source"] in ("reported", "both"))
    c[0].metric(t("kpi.reporting_regions", L), f"{n_rep} / {len(s['children'])}" if s["children"] else "—",
                help=t("reported.headline_reported", L, date=s.get("reported", {}).get("date", s["as_of"])))
else:
    c[0].metric(label("kpi.registered"), fmt.count(m["registered"], unit, L), help=fmt.exact(m["registered"]))
c[1].metric(t("kpi.invested", L), fmt.money_wan(inv["invested"], L), delta=delta_money("invested"),
            help=t("figure.exact_wan", L, n=fmt.exact(inv["invested"])))
if only_reported:  # totals tables state no payments
    c[2].metric(t("kpi.paid", L), "—")
    c[3].metric(t("kpi.pay_rate", L), "—")
else:
    c[2].metric(t("kpi.paid", L), fmt.money_wan(inv["paid"], L), delta=delta_money("paid"),
                help=t("figure.exact_wan", L, n=fmt.exact(inv["paid"])))
    c[3].metric(t("kpi.pay_rate", L), fmt.pct(inv["pay_rate"]))
if only_reported:
    c[4].metric(t("reported.col.date", L), s.get("reported", {}).get("date", s["as_of"]))
else:
    c[4].metric(t("kpi.reported", L),
                f"{fmt.exact(tot['reported_this_week'])} / {fmt.exact(tot['communities']['registered'])}",
                help=t("dash.partial_reports", L, n=tot["reported_this_week"], total=tot["communities"]["registered"]))
if prev is None and weeks:
    st.caption(t("dash.no_prev", L))
if "pilots" in tot:  # a programme that counts 试点 (e.g. Sichuan's 40 provincial pilots)
    pl = tot["pilots"]
    c = st.columns(4)
    c[0].metric(t("pilots.target", L), fmt.exact(pl["target"]))
    c[1].metric(t("pilots.registered", L), fmt.exact(pl["registered"]))
    c[2].metric(t("pilots.started", L), fmt.exact(pl["started"]), help=fmt.pct(pl["start_rate"]))
    c[3].metric(t("pilots.completed", L), fmt.exact(pl["completed"]), help=fmt.pct(pl["completion_rate"]))

# --- time elapsed against target reached ---------------------------------------------------
st.subheader(t("pace.title", L))
share, rate = s["expected_share"], m["start_rate"]
a, b = st.columns(2)
a.progress(min(1.0, share), text=f"{t('kpi.season', L)} {fmt.pct(share)}")
b.progress(min(1.0, rate or 0.0), text=f"{t('kpi.target_done', L)} {fmt.pct(rate)}")
band = rankings.DEFAULT_BANDS.classify(rate, share)
if not weeks:  # nothing reported yet: no verdict on the pace (a register without progress is not "behind")
    st.info(t("pace.no_reports", L))
elif rate is None:
    st.info(t("pace.none", L))
else:
    msg = t(f"pace.{band}", L, rate=fmt.pct(rate), pace=fmt.pct(share))
    show = {"ahead": st.success, "watch": st.info, "behind": st.warning}[band]
    show(msg, icon={"ahead": ":material/check_circle:", "watch": ":material/schedule:",
                    "behind": ":material/warning:"}[band])
season = metrics.get_programme(store.store(), f.programme)
st.caption(t("pace.explain", L, start=season.season_start, end=season.season_end))

# --- small multiples of the sub-regions ------------------------------------------------------
level = {"country": "province", "province": "prefecture", "prefecture": "county"}.get(s["level"])
if level is None:
    st.caption(t("overview.no_children", L))
elif weeks:
    title = t("overview.multiples", L, level=t(f"level.{level}", L), stat=t(f"kpi.{f.stat}", L))

    def multiples():
        series = trends.with_rates(store.cached(trends.weekly_series, f.programme, f.region, by="children"),
                                   f.metric)
        series = series[series["week"] <= date.fromisoformat(s["as_of"])]
        return charts.freeze(charts.children_rates(series, f.stat, L, title=title, large=f.projector))

    # one figure per (programme, region, week, metric, rate, language, size) for every viewer of it
    fig = store.shared("overview.multiples", (f.programme, f.region, s["as_of"], f.metric, f.stat, L,
                                              f.projector, title), multiples)
    widgets.chart(fig, "multiples", png_name=f"overview_{f.region}_{s['as_of']}")

# --- a region's own totals beside its register: shown, never added ------------------------------
beside = metrics.reported_beside_register(s)
if beside:
    st.subheader(t("reported.title", L))
    st.caption(t("reported.explain", L))
    widgets.table(pd.DataFrame({
        t("col.region", L): [r["name"] for r in beside],
        t("reported.col.metric", L): [t(f"reported.metric.{r['metric']}", L) for r in beside],
        t("reported.col.reported", L): [fmt.exact(r["reported"]) for r in beside],
        t("reported.col.register", L): [fmt.exact(r["register"]) for r in beside],
        t("reported.col.difference", L): [("+" if (r["difference"] or 0) > 0 else "") + fmt.exact(r["difference"]) for r in beside],
        t("reported.col.date", L): [r["date"] for r in beside],
    }), "reported_beside", [t("col.region", L), t("reported.col.metric", L), t("reported.col.difference", L)],
        hide_index=True, width="stretch")
