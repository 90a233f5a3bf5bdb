"""The shared filters in the sidebar (programme, region, week, metric, measure, language,
projector mode), bound to the URL so that a link opens exactly what its sender saw."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import streamlit as st

from lib.access.auth import Actor
from lib.domain import regions
from lib.domain.text import LANGS
from lib.domain.text import Text
from lib.present.i18n import t, week_label
from pages._ui import entry, widgets
from pages._ui.session import current_actor
from lib.workflow import review
from pages._ui.store import cached, in_progress, lang, main_metric, opening_week, programmes, report_dates, settings

__all__ = ["Filters", "sidebar_filters", "drill_to", "url_value", "week_label"]


@dataclass(frozen=True)
class Filters:
    programme: int | None  # None only on screens that work without one (sign-in, administration)
    region: str
    as_of: str | None
    metric: str  # communities | households
    lang: str
    public: bool  # nothing internal may be shown (public edition or not signed in)
    viewer: Actor  # who reads: every private read asks it
    stat: str = "start_rate"  # start_rate | completion_rate (starts or completions)
    projector: bool = False  # 投影模式: large type for the weekly meeting


def _keep(key: str) -> None:
    st.session_state["_keep_" + key] = st.session_state[key]


def _bound(widget, label, options, key, **kw):
    """A filter widget bound to the URL whose value survives page switches.

    A widget's state is dropped when a page without it runs; the `_keep_`
    mirror (updated on change) puts it back on the next page.
    """
    if "_keep_" + key in st.session_state and st.session_state["_keep_" + key] in options:
        st.session_state[key] = st.session_state["_keep_" + key]
        kw.pop("default", None)  # the kept value wins; Streamlit warns if both are given
        kw.pop("index", None)
    elif key not in st.session_state:
        # First run of a session: Streamlit matches a bound URL value against the
        # *displayed* labels (海东市, 户数); also accept the raw option (630200,
        # households, 2021-06-18) and, for the week, "24" / "W24" / "2021-W24".
        raw = url_value(key)
        match = raw if raw in options else (_week_from_url(raw, options) if key == "week" else None)
        if match is not None:
            st.session_state[key] = match
            kw.pop("default", None)
            kw.pop("index", None)
    value = widget(label, options, key=key, on_change=_keep, args=(key,), **kw)
    st.session_state["_keep_" + key] = value
    return value


def url_value(key: str) -> str | None:
    try:
        return st.query_params.get(key)
    except Exception:  # noqa: BLE001 - a bound parameter may refuse direct access
        return None


def _week_from_url(raw: str | None, options: list) -> str | None:
    if not raw:
        return None
    text = raw.upper().split("-W")[-1].removeprefix("W").split("（")[0].strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 2):  # "²" is a digit int() refuses
        return None
    year = raw.split("-W")[0] if "-W" in raw.upper() else None
    for iso in options:
        y, w, _ = date.fromisoformat(iso).isocalendar()
        if w == int(text) and (year is None or str(y) == year):
            return iso
    return None


# URL parameters read as a row id by a screen (community.py reads ?c=): anything but a small
# whole number in ASCII digits is dropped before the screen sees it ("²" and "１２３" are digits to
# str.isdigit; 10**20 overflows SQLite's INTEGER).
ID_PARAMS = ("c",)
MAX_ID = 2 ** 31 - 1


def _drop_bad_ids() -> None:
    for key in ID_PARAMS:
        raw = url_value(key)
        if raw is None:
            continue
        text = str(raw).strip()
        if not (text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= MAX_ID):
            try:
                del st.query_params[key]
            except Exception:  # noqa: BLE001 - gone already
                pass


def _toggle(label: str, key: str) -> bool:
    """A URL-bound on/off switch that survives page switches (see `_bound`)."""
    if "_keep_" + key in st.session_state:
        st.session_state[key] = st.session_state["_keep_" + key]
    if "_keep_" + key not in st.session_state and key not in st.session_state:
        st.session_state[key] = url_value(key) in ("1", "true", "True")
    value = st.toggle(label, key=key, on_change=_keep, args=(key,))
    st.session_state["_keep_" + key] = value
    return bool(value)


def drill_to(adcode: str) -> None:
    """Make `adcode` the selected region (map or ranking click) and rerun the page."""
    r = regions.get(adcode)
    if r.level == "prefecture":
        st.session_state["_keep_pref"], st.session_state["_keep_county"] = adcode, ""
    elif r.prefecture:
        st.session_state["_keep_pref"], st.session_state["_keep_county"] = r.prefecture, adcode
    else:
        st.session_state["_keep_pref"] = adcode
    st.rerun()


def sidebar_filters(*, need_programme: bool = True) -> Filters:
    """The first call of every screen: go through app.py, draw the shared filters, return them.

    On a store with no programme yet, a screen that needs one says how the first
    administrator sets one up and stops; sign-in and administration carry on.
    """
    entry.enter()
    _drop_bad_ids()
    cfg = settings()
    with st.sidebar:
        L = _bound(st.segmented_control, t("filter.language", lang()), list(LANGS), "lang",
                   default=cfg.lang, required=True, format_func=lambda v: t(f"lang.{v}", v)) or cfg.lang
        progs = programmes()
    if not progs:
        viewer = current_actor()
        if need_programme:
            st.info(t("empty.no_programme_public" if cfg.public else "empty.no_programme", L))
            st.stop()
        return Filters(programme=None, region=regions.COUNTRY, as_of=None, metric="households", lang=L,
                       public=cfg.public or not viewer.is_staff, viewer=viewer)
    with st.sidebar:
        by_id = {str(p["id"]): p for p in progs}
        pid = _bound(st.selectbox, t("filter.programme", L), list(by_id), "programme",
                     format_func=lambda k: by_id[k]["name"])
        top = by_id[pid]["region"]["adcode"]
        all_label = t("all", L)
        region = top
        level1 = [r.adcode for r in regions.children(top)]
        if level1:
            pick = _bound(st.selectbox, t("filter.region", L), ["", *level1], "pref",
                          format_func=lambda a: all_label if not a else regions.get(a).name)
            if pick:
                region = pick
                level2 = [r.adcode for r in regions.children(pick)]
                if level2:
                    pick2 = _bound(st.selectbox, "└ " + t("filter.county", L), ["", *level2], "county",
                                   format_func=lambda a: all_label if not a else regions.get(a).name)
                    region = pick2 or pick
        weeks = [d.isoformat() for d in report_dates(int(pid))][::-1]
        # Open on the week that has closed: one county uploading early moves nobody's default;
        # the week in progress stays one click away, marked with how many have reported.
        closed = opening_week(int(pid))
        busy = in_progress(int(pid))
        busy_text = Text(busy["text"], busy["text_en"]).pick(L) if busy else ""
        marks = {busy["week"]: busy_text} if busy else {}
        as_of = _bound(st.selectbox, t("filter.as_of", L), weeks, "week",
                       index=weeks.index(closed) if closed in weeks else 0,
                       format_func=lambda d: week_label(d, L) + (f" · {marks[d]}" if d in marks else "")) \
            if weeks else None
        if busy and as_of != busy["week"]:
            st.caption(t("filter.in_progress", L, week=week_label(busy["week"], L),
                         text=busy_text))
        if not weeks:
            st.caption(t("dash.no_weeks", L))
        opens_on = main_metric(int(pid))  # a table of communities only opens on communities
        if st.session_state.get("_metric_default", opens_on) != opens_on \
                and st.session_state.get("_keep_metric") == st.session_state["_metric_default"]:
            st.session_state["_keep_metric"] = opens_on  # the data changed what it counts; nobody chose the old
        st.session_state["_metric_default"] = opens_on
        metric = _bound(st.segmented_control, t("filter.metric", L), ["households", "communities"], "metric",
                        default=opens_on, required=True,
                        format_func=lambda m: t(f"metric.{m}", L)) or opens_on
        stat = _bound(st.segmented_control, t("filter.stat", L), ["start_rate", "completion_rate"], "stat",
                      default="start_rate", required=True,
                      format_func=lambda v: t(f"filter.stat.{v}", L)) or "start_rate"
        projector = _toggle(t("filter.projector", L), "proj")
    viewer = current_actor()
    f = Filters(programme=int(pid), region=region, as_of=as_of, metric=metric, lang=L,
                public=cfg.public or not viewer.is_staff, viewer=viewer,
                stat=stat, projector=projector)
    if f.viewer.is_staff and not cfg.public:  # submissions awaiting review count nowhere yet: say so on every screen
        pending = cached(review.pending_count, f.programme, viewer=f.viewer)
        if pending:
            st.sidebar.warning(t("upload.pending_banner", L, n=pending), icon=":material/fact_check:")
    widgets.phone()
    if projector:
        widgets.projector()
    _write_url({"lang": L if L != cfg.lang else None,
                "programme": str(pid) if str(pid) != next(iter(by_id)) else None,
                "pref": st.session_state.get("pref") or None,
                "county": st.session_state.get("county") or None if st.session_state.get("pref") else None,
                "week": as_of if as_of and as_of != closed else None,
                "metric": metric if metric != opens_on else None,
                "stat": stat if stat != "start_rate" else None,
                "proj": "1" if projector else None})
    st.session_state["filters"] = f
    return f


FILTER_PARAMS = ("lang", "programme", "pref", "county", "week", "metric", "stat", "proj")


def _write_url(want: dict[str, str | None]) -> None:
    """The address bar holds the view by code (/map?pref=630200&week=2021-06-18&metric=communities):
    what differs from the defaults, readable and shareable; a screen's own parameters are kept."""
    try:
        for key in FILTER_PARAMS:
            value = want.get(key)
            if value is None:
                if key in st.query_params:
                    del st.query_params[key]
            elif st.query_params.get(key) != value:
                st.query_params[key] = value
    except Exception:  # noqa: BLE001 - a parameter bound to a screen's widget is the screen's to write
        pass
