"""What every page shares: the store, the filters, cached calls into lib.

Streamlit lives here and in the page scripts only; lib knows nothing of it.
Cached results are keyed on the store's data version, which every accepted
write bumps: a new upload shows at once, and nothing is recomputed otherwise.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

import streamlit as st

from lib import metrics
from lib.errors import UserError
from lib.i18n import t
from lib.settings import load_config
from lib.store import Store, open_store

log = logging.getLogger("dashboard")


@st.cache_resource(show_spinner=False)
def _open(url: str, public: bool) -> Store:
    store = open_store(url, read_only=public)
    if not public:
        store.migrate()
        if load_config().demo:
            from lib import demo

            with store.session() as s:
                from sqlalchemy import select
                from lib.models import Programme

                empty = s.scalar(select(Programme.id).limit(1)) is None
            if empty:  # first start on an empty store: load the demonstration programmes
                demo.load_demo(store)
    return store


def store() -> Store:
    cfg = load_config()
    try:
        return _open(cfg.database_url, cfg.public)
    except UserError as e:
        st.error(t("error.store", lang(), msg=e.message(lang())))
        st.stop()


def lang() -> str:
    return st.session_state.get("lang", load_config().lang)


def data_version() -> int:
    return store().data_version()


@st.cache_data(show_spinner=False, max_entries=256)
def _summary(url: str, version: int, programme: int, region: str | None, as_of: str | None, by: str | None):
    return metrics.summary(store(), programme, region=region, as_of=as_of, by=by)


def summary(programme: int, region: str | None = None, as_of: str | None = None, by: str | None = None) -> dict:
    return _summary(store().url, data_version(), programme, region, as_of, by)


@st.cache_data(show_spinner=False, max_entries=32)
def _programmes(url: str, version: int) -> list[dict]:
    return metrics.list_programmes(store())


def programmes() -> list[dict]:
    return _programmes(store().url, data_version())


@st.cache_data(show_spinner=False, max_entries=64)
def _report_dates(url: str, version: int, programme: int) -> list[date]:
    return metrics.report_dates(store(), programme)


def report_dates(programme: int) -> list[date]:
    return _report_dates(store().url, data_version(), programme)


@dataclass(frozen=True)
class Filters:
    programme: int
    region: str
    as_of: str | None
    metric: str  # communities | households
    lang: str
    public: bool


def page_list() -> list:
    """The screens, in the order the sidebar shows them."""
    L = lang()
    return [st.Page("pages/overview.py", title=t("nav.overview", L), icon="📊", default=True)]


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
    value = widget(label, options, key=key, bind="query-params", on_change=_keep, args=(key,), **kw)
    st.session_state["_keep_" + key] = value
    return value


def sidebar_filters() -> Filters:
    """Draw the shared filters in the sidebar and return them."""
    from lib import regions

    cfg = load_config()
    with st.sidebar:
        L = _bound(st.segmented_control, t("filter.language", lang()), ["zh", "en"], "lang",
                   default=cfg.lang, required=True,
                   format_func=lambda v: "中文" if v == "zh" else "English") or cfg.lang
        progs = programmes()
        if not progs:
            st.info(t("empty.no_programme", L))
            st.stop()
        by_id = {str(p["id"]): p for p in progs}
        pid = _bound(st.selectbox, t("filter.programme", L), list(by_id), "programme",
                     format_func=lambda k: by_id[k]["name"])
        top = by_id[pid]["region"]["adcode"]
        all_label = "全部" if L == "zh" else "All"
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
        as_of = _bound(st.selectbox, t("filter.as_of", L), weeks, "week") if weeks else None
        metric = _bound(st.segmented_control, t("filter.metric", L), ["households", "communities"], "metric",
                        default="households", required=True,
                        format_func=lambda m: t(f"metric.{m}", L)) or "households"
    f = Filters(programme=int(pid), region=region, as_of=as_of, metric=metric, lang=L, public=cfg.public)
    st.session_state["filters"] = f
    return f


def show_user_error(e: UserError) -> None:
    st.error(e.message(lang()))
