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

from lib.figures import metrics
from lib.domain.errors import UserError
from lib.present.i18n import t
from lib.domain.settings import load_config
from lib.store.engine import Store, open_store

log = logging.getLogger("dashboard")


@st.cache_resource(show_spinner=False)
def _open(url: str, public: bool) -> Store:
    store = open_store(url, read_only=public)
    if not public:
        store.migrate()
        if load_config().demo:
            from lib.samples import demo

            with store.session() as s:
                from sqlalchemy import select
                from lib.store.models import Programme

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
    public: bool  # nothing internal may be shown (public edition or not signed in)
    viewer: object  # lib.access.auth.Actor: who reads; private reads ask it
    stat: str = "start_rate"  # start_rate | completion_rate (starts or completions)
    projector: bool = False  # 投影模式: large type for the weekly meeting


def page_list() -> list:
    """The screens, in the order the sidebar shows them."""
    L = lang()
    return visible([st.Page("pages/overview.py", title=t("nav.overview", L), icon=":material/dashboard:", default=True),
            st.Page("pages/map.py", title=t("nav.map", L), icon=":material/map:"),
            st.Page("pages/rankings.py", title=t("nav.rankings", L), icon=":material/leaderboard:"),
            st.Page("pages/progress.py", title=t("nav.progress", L), icon=":material/trending_up:"),
            st.Page("pages/content.py", title=t("nav.content", L), icon=":material/construction:"),
            st.Page("pages/register.py", title=t("nav.register", L), icon=":material/table_view:"),
            st.Page("pages/community.py", title=t("nav.community", L), icon=":material/home:", visibility="hidden"),
            st.Page("pages/upload.py", title=t("nav.upload", L), icon=":material/upload_file:"),
            st.Page("pages/dispatch.py", title=t("nav.dispatch", L), icon=":material/event_note:"),
            st.Page("pages/bulletin.py", title=t("nav.bulletin", L), icon=":material/description:"),
            st.Page("pages/admin.py", title=t("nav.admin", L), icon=":material/admin_panel_settings:"),
            st.Page("pages/login.py", title=t("nav.account" if current_actor().is_staff else "nav.login", L),
                    icon=":material/person:")])


# Who may see each screen, by its URL path (the script's name): an action of lib.auth.
# "read" is everyone, the public included. A screen NOT listed here is shown only to
# signed-in staff ("read_internal"), so a new staff screen is never public by mistake.
PAGE_ACCESS = {"": "read", "overview": "read", "map": "read", "rankings": "read", "progress": "read",
               "content": "read", "register": "read", "community": "read",
               "login": "login", "upload": "upload", "admin": "audit", "actions": "action"}


def visible(pages: list) -> list:
    """The pages this session may see: public ones in public mode, staff ones by role."""
    actor = current_actor()
    return [p for p in pages if may_see(p.url_path, actor)]


def may_see(url_path: str, actor) -> bool:
    """May this actor see the screen at `url_path` (see PAGE_ACCESS)?"""
    from lib.access import auth

    public = load_config().public
    need = PAGE_ACCESS.get(url_path, "read_internal")
    if need == "login":
        return not public
    return auth.can(actor, need) and (need == "read" or not public)


def current_actor():
    """Who uses this session (`lib.auth.Actor`): a signed-in account or the anonymous public."""
    from pages import _auth

    return _auth.current_actor()


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
    elif key not in st.session_state:
        # First run of a session: Streamlit matches a bound URL value against the
        # *displayed* labels (海东市, 户数); also accept the raw option (630200,
        # households, 2021-06-18) and, for the week, "24" / "W24" / "2021-W24".
        raw = url_value(key)
        match = raw if raw in options else (_week_from_url(raw, options) if key == "week" else None)
        if match is not None:
            st.session_state[key] = match
            kw.pop("default", None)
    value = widget(label, options, key=key, bind="query-params", on_change=_keep, args=(key,), **kw)
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
    if not text.isdigit():
        return None
    year = raw.split("-W")[0] if "-W" in raw.upper() else None
    for iso in options:
        y, w, _ = date.fromisoformat(iso).isocalendar()
        if w == int(text) and (year is None or str(y) == year):
            return iso
    return None


def _toggle(label: str, key: str) -> bool:
    """A URL-bound on/off switch that survives page switches (see `_bound`)."""
    if "_keep_" + key in st.session_state:
        st.session_state[key] = st.session_state["_keep_" + key]
    value = st.toggle(label, key=key, bind="query-params", on_change=_keep, args=(key,))
    st.session_state["_keep_" + key] = value
    return bool(value)


def week_label(iso: str, lang: str = "zh") -> str:
    """'2021-06-18' → '2021-06-18（第24周）' / '2021-06-18 (W24)'."""
    w = date.fromisoformat(iso).isocalendar()[1]
    return f"{iso}（第{w}周）" if lang == "zh" else f"{iso} (W{w})"


# Projector mode (投影模式): large type and tighter chrome for a 1920×1080 projector.
PROJECTOR_CSS = """<style>
.stApp { font-size: 1.2rem; }
.stMainBlockContainer { padding-top: 1.5rem; max-width: 100%; }
h1 { font-size: 2.6rem !important; }
h2, h3 { font-size: 1.9rem !important; }
[data-testid="stMetricValue"] { font-size: 3.1rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.35rem !important; }
[data-testid="stMetricDelta"] { font-size: 1.2rem !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stCaptionContainer"] { font-size: 1.2rem; }
</style>"""


def drill_to(adcode: str) -> None:
    """Make `adcode` the selected region (map or ranking click) and rerun the page."""
    from lib.domain import regions

    r = regions.get(adcode)
    if r.level == "prefecture":
        st.session_state["_keep_pref"], st.session_state["_keep_county"] = adcode, ""
    elif r.prefecture:
        st.session_state["_keep_pref"], st.session_state["_keep_county"] = r.prefecture, adcode
    else:
        st.session_state["_keep_pref"] = adcode
    st.rerun()


def sidebar_filters() -> Filters:
    """Draw the shared filters in the sidebar and return them."""
    from lib.domain import regions

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
        as_of = _bound(st.selectbox, t("filter.as_of", L), weeks, "week",
                       format_func=lambda d: week_label(d, L)) if weeks else None
        if not weeks:
            st.caption(t("dash.no_weeks", L))
        metric = _bound(st.segmented_control, t("filter.metric", L), ["households", "communities"], "metric",
                        default="households", required=True,
                        format_func=lambda m: t(f"metric.{m}", L)) or "households"
        stat = _bound(st.segmented_control, t("filter.stat", L), ["start_rate", "completion_rate"], "stat",
                      default="start_rate", required=True,
                      format_func=lambda v: t(f"filter.stat.{v}", L)) or "start_rate"
        projector = _toggle(t("filter.projector", L), "proj")
    viewer = current_actor()
    f = Filters(programme=int(pid), region=region, as_of=as_of, metric=metric, lang=L,
                public=cfg.public or not viewer.is_staff, viewer=viewer,
                stat=stat, projector=projector)
    if projector:
        st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)
    st.session_state["filters"] = f
    return f


def show_user_error(e: UserError) -> None:
    st.error(e.message(lang()))


# --- cached calls for the dashboard screens ---------------------------------------------------
# One generic cache: (module, function, args) keyed on the data version, so a
# new upload shows at once and nothing else is recomputed.

@st.cache_data(show_spinner=False, max_entries=512)
def _cached(url: str, version: int, name: str, _fn, args: tuple, kwargs: tuple):
    return _fn(store(), *args, **dict(kwargs))  # `_fn` is not hashed: `name` stands for it


def cached(fn, *args, **kwargs):
    """`fn(store, *args, **kwargs)` for a function of lib, cached on the data version."""
    return _cached(store().url, data_version(), f"{fn.__module__}.{fn.__qualname__}", fn, args,
                   tuple(sorted(kwargs.items())))


def previous_week(programme: int, as_of: str | None) -> str | None:
    """The reported week before `as_of` (None if it is the first)."""
    days = [d.isoformat() for d in report_dates(programme)]
    if not days:
        return None
    as_of = as_of or days[-1]
    older = [d for d in days if d < as_of]
    return older[-1] if older else None


def download_table(df, name: str, key: str, lang_: str | None = None) -> None:
    """.xlsx and .csv download buttons for a table (formula-safe, lib.exports)."""
    from lib.office import sheets

    L = lang_ or lang()
    row = st.container(horizontal=True)
    row.download_button(t("dash.download_xlsx", L), lambda: sheets.to_xlsx_bytes(df, sheet=name[:31]),
                       file_name=f"{name}.xlsx", key=f"{key}_xlsx", icon=":material/download:",
                       mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    row.download_button(t("dash.download_csv", L), sheets.to_csv_bytes(df), file_name=f"{name}.csv",
                       key=f"{key}_csv", mime="text/csv", icon=":material/download:")


def chart(fig, key: str, *, png_name: str | None = None, png_title: str | None = None, on_select=None, **kw):
    """A plotly chart (modebar PNG in the browser) plus a server-side PNG download (kaleido).

    The PNG is made only when the button is clicked (deferred download), so it
    never slows the page down.
    """
    L = lang()
    config = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": png_name or key,
                                                             "scale": 2}}
    kw.setdefault("theme", None)  # our own fonts and sizes (projector mode), not Streamlit's overrides
    if on_select:
        event = st.plotly_chart(fig, key=key, config=config, on_select=on_select, **kw)
    else:
        event = st.plotly_chart(fig, key=key, config=config, **kw)
    if png_name:
        from lib.present import charts

        frozen = fig.to_json()

        def make_png() -> bytes:
            import plotly.io as pio

            out = pio.from_json(frozen)
            if png_title and not out.layout.title.text:  # a PNG travels without the page around it
                out.update_layout(title={"text": png_title, "x": 0.005, "xref": "container", "y": 0.985,
                                         "yref": "container", "yanchor": "top"}, margin_t=80)
            return charts.to_png(out, width=1600)

        st.download_button(t("dash.png_save", L), make_png, file_name=f"{png_name}.png", mime="image/png",
                           key=f"{key}_png", icon=":material/image:")
    return event


def page_header(title: str, s: dict, L: str, detail: str | None = None) -> None:
    """A screen's title, the demo banner when it applies, and the week the figures are as of."""
    st.title(title)
    demo_banner(s["demo"], L)
    caption = t("dash.as_of", L, week=week_label(s["as_of"], L))
    st.caption(caption + (" · " + detail if detail else ""))


def demo_banner(is_demo: bool, L: str) -> None:
    """Say that the figures are demonstration data, and where the programme's targets come from."""
    if is_demo:
        f = st.session_state.get("filters")
        source = next((p["source"] for p in programmes() if f and p["id"] == f.programme), None)
        st.caption("⚠️ " + t("demo.banner", L) + (t("demo.source", L, source=source) if source else ""))
