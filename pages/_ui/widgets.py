"""What screens draw the same way: download buttons, charts with a PNG, page headers, banners, errors."""

from __future__ import annotations

import pandas as pd
import plotly.io as pio
import streamlit as st

from lib.domain.errors import UserError
from lib.office import sheets
from lib.present import charts
from lib.present.i18n import t, week_label
from pages._ui.store import lang, programmes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

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


def projector() -> None:
    st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)


def show_user_error(e: UserError) -> None:
    st.error(e.message(lang()))


def labelled(df: pd.DataFrame, labels: dict[str, str], L: str) -> pd.DataFrame:
    """The columns of `df` named in `labels` (column -> i18n key), in that order, headed in `L`."""
    cols = [c for c in labels if c in df.columns]
    out = df[cols].rename(columns={c: t(labels[c], L) for c in cols})
    out.attrs = {}  # a query's notes (dates and such) are not part of the table shown
    return out


def download_table(df, name: str, key: str, lang_: str | None = None) -> None:
    """.xlsx and .csv download buttons for a table (formula-safe, lib.office.sheets)."""
    L = lang_ or lang()
    row = st.container(horizontal=True)
    row.download_button(t("dash.download_xlsx", L), lambda: sheets.to_xlsx_bytes(df, sheet=name[:31]),
                        file_name=f"{name}.xlsx", key=f"{key}_xlsx", icon=":material/download:", mime=XLSX)
    row.download_button(t("dash.download_csv", L), sheets.to_csv_bytes(df), file_name=f"{name}.csv",
                        key=f"{key}_csv", mime="text/csv", icon=":material/download:")


def chart(fig, key: str, *, png_name: str | None = None, png_title: str | None = None, on_select=None, **kw):
    """A plotly chart (modebar PNG in the browser) plus a server-side PNG download (kaleido).

    The PNG is made only when the button is clicked (deferred download), so it
    never slows the page down.
    """
    config = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": png_name or key,
                                                             "scale": 2}}
    kw.setdefault("theme", None)  # our own fonts and sizes (projector mode), not Streamlit's overrides
    if on_select:
        event = st.plotly_chart(fig, key=key, config=config, on_select=on_select, **kw)
    else:
        event = st.plotly_chart(fig, key=key, config=config, **kw)
    if png_name:
        frozen = fig.to_json()

        def make_png() -> bytes:
            out = pio.from_json(frozen)
            if png_title and not out.layout.title.text:  # a PNG travels without the page around it
                out.update_layout(title={"text": png_title, "x": 0.005, "xref": "container", "y": 0.985,
                                         "yref": "container", "yanchor": "top"}, margin_t=80)
            return charts.to_png(out, width=1600)

        st.download_button(t("dash.png_save", lang()), make_png, file_name=f"{png_name}.png", mime="image/png",
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
