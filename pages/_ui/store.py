"""The store every screen reads, opened once per process, and cached calls into lib.

Settings are resolved once (`lib.domain.settings.current`). Cached results are keyed on the
store's data version, which every accepted write bumps: a new upload shows at once, and
nothing is recomputed otherwise.
"""

from __future__ import annotations

import logging
import time
from datetime import date

import streamlit as st
from sqlalchemy import select

from lib.domain import settings as _settings
from lib.domain.errors import UserError
from lib.domain.text import LANGS
from lib.figures import asof
from lib.figures import metrics
from lib.present.i18n import t
from lib.samples import demo
from lib.store.engine import Store, open_store
from lib.store.models import Programme

log = logging.getLogger("dashboard")


def settings() -> _settings.Config:
    """This process's settings (resolved once from the environment and secrets)."""
    return _settings.current()


def lang() -> str:
    """The interface language of this session: the language switch, its URL parameter before the switch
    is drawn (?lang=en on a first request), else the setting."""
    for value in (st.session_state.get("lang"), st.session_state.get("_keep_lang"), _url_lang()):
        if value in LANGS:
            return value
    return settings().lang


def _url_lang() -> str | None:
    try:
        return st.query_params.get("lang")
    except Exception:  # noqa: BLE001 - a bound parameter may refuse direct access
        return None


@st.cache_resource(show_spinner=False)
def _open(url: str, public: bool, load_demo: bool) -> Store:
    store = open_store(url, read_only=public)
    if not public:
        store.migrate()
        if load_demo:
            with store.session() as s:
                empty = s.scalar(select(Programme.id).limit(1)) is None
            if empty:  # first start on an empty store: load the demonstration programmes
                demo.load_demo(store)
    return store


def store() -> Store:
    """The store (on first start of an empty store, with the demonstration programmes if configured)."""
    cfg = settings()
    try:
        return _open(cfg.database_url, cfg.public, cfg.demo)
    except UserError as e:
        st.error(t("error.store", lang(), msg=e.message(lang())))
        st.stop()


_zones_seen: dict[str, int] = {}  # store url -> the data version its zones and aliases were loaded at


VERSION_FRESH_SECONDS = 0.5
_version_memo: dict[str, tuple[float, int, int]] = {}  # store url -> (read at, writes then, version)


def _read_once_per_run(st_: Store) -> int:
    """The data version, read from the store at most every VERSION_FRESH_SECONDS per process (a screen
    asks 10-20 times per run, every cached call being keyed on it, and many sessions run at once), and
    at once after a write through this process. Public Streamlit API only: a process-wide memo."""
    now = time.monotonic()
    memo = _version_memo.get(st_.url)
    if memo is not None and now - memo[0] < VERSION_FRESH_SECONDS and memo[1] == st_.writes:
        return memo[2]
    v = st_.data_version()
    _version_memo[st_.url] = (now, st_.writes, v)
    return v


def data_version() -> int:
    """The store's data version (read once per script run); when it moved, this process re-reads the
    store's zones and aliases, so a zone added through another replica (or the CLI) is known here
    without a restart."""
    st_ = store()
    v = _read_once_per_run(st_)
    if _zones_seen.get(st_.url) != v:
        st_.load_local_regions()
        _zones_seen[st_.url] = v
    return v


# --- cached calls -----------------------------------------------------------------------------------
# One generic cache: (function, args) keyed on the store and its data version.

@st.cache_data(show_spinner=False, max_entries=512)
def _cached(url: str, version: int, name: str, _fn, args: tuple, kwargs: tuple):
    return _fn(store(), *args, **dict(kwargs))  # `_fn` is not hashed: `name` stands for it


def cached(fn, *args, **kwargs):
    """`fn(store, *args, **kwargs)` for a function of lib, cached on the data version."""
    return _cached(store().url, data_version(), f"{fn.__module__}.{fn.__qualname__}", fn, args,
                   tuple(sorted(kwargs.items())))


@st.cache_resource(show_spinner=False, max_entries=256)
def _shared(url: str, version: int, name: str, key: tuple, _build):
    return _build()


def shared(name: str, key: tuple, build):
    """`build()` made once per (store, data version, name, key) and the same object handed to every
    session: the finished figures and map decks of the public screens (a frozen plotly figure, a deck
    with its JSON taken), so a hundred viewers of one week's overview cost one figure, not a hundred.
    `key` must name everything the object depends on besides the data (language, width, projector…);
    what it returns is read-only."""
    return _shared(store().url, data_version(), name, key, build)


def summary(programme: int, region: str | None = None, as_of: str | None = None, by: str | None = None) -> dict:
    return cached(metrics.summary, programme, region=region, as_of=as_of, by=by)


def programmes() -> list[dict]:
    return cached(metrics.list_programmes)


def report_dates(programme: int) -> list[date]:
    return cached(metrics.report_dates, programme)


def _in_progress(st_store: Store, programme: int) -> dict | None:
    w = asof.in_progress(st_store, programme)
    return w.as_dict() if w else None


def opening_week(programme: int) -> str | None:
    """The week screens open on: the latest closed week (None: no reports)."""
    return cached(asof.default_as_of, programme).isoformat() if report_dates(programme) else None


def in_progress(programme: int) -> dict | None:
    """The week being reported now, if any: {"week", "reported", "expected", "text", "text_en", ...}."""
    return cached(_in_progress, programme)


def main_metric(programme: int) -> str:
    return cached(metrics.main_metric, programme)


def previous_week(programme: int, as_of: str | None) -> str | None:
    """The reported week before `as_of` (None if it is the first)."""
    days = [d.isoformat() for d in report_dates(programme)]
    if not days:
        return None
    as_of = as_of or days[-1]
    older = [d for d in days if d < as_of]
    return older[-1] if older else None
