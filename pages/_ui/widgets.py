"""What screens draw the same way: download buttons, charts with a PNG, page headers, banners, errors."""

from __future__ import annotations

import pandas as pd
import plotly.io as pio
import streamlit as st

from lib.domain.errors import UserError
from lib.office import sheets
from lib.present import charts
from lib.present.i18n import plain, t, week_label
from lib.samples import demo
from pages._ui.store import lang, programmes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# Projector mode (投影模式): large type and tighter chrome for a 1920×1080 projector.
# A metric's figure is a <p> inside a markdown container inside [data-testid="stMetricValue"]:
# sizing the container alone left the text at the markdown rule's size (measured: 19.2 px with
# projector mode on against 36 px off). Every size here is set on the element that holds the text
# and is larger than Streamlit's own (h1 2.75rem, metric 2.25rem, label and caption 0.875rem).
PROJECTOR_CSS = """<style>
.stApp { font-size: 1.2rem; }
.stMainBlockContainer { padding-top: 1.5rem; max-width: 100%; }
h1, h1 * { font-size: 3.2rem !important; }
h2, h2 *, h3, h3 * { font-size: 2.1rem !important; }
[data-testid="stMarkdownContainer"] p, [data-testid="stMarkdownContainer"] li { font-size: 1.2rem; }
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] p { font-size: 1.05rem; }
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * { font-size: 3.6rem !important; line-height: 1.15; }
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * { font-size: 1.4rem !important; }
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * { font-size: 1.25rem !important; }
</style>"""


def projector() -> None:
    st.markdown(PROJECTOR_CSS, unsafe_allow_html=True)


# A phone (390 px): Streamlit's 2.75rem title takes two or three lines of the first screen; smaller
# headings leave room for the figures. Drawn on every screen; a no-op above 640 px.
PHONE_CSS = """<style>
@media (max-width: 640px) {
  h1, h1 * { font-size: 1.7rem !important; line-height: 1.25 !important; }
  h2, h2 *, h3, h3 * { font-size: 1.3rem !important; }
  .stMainBlockContainer { padding-top: 2.5rem; }
}
</style>"""


def phone() -> None:
    st.html(PHONE_CSS)  # style only


# Big screen (大屏): 16:9, no sidebar or header; sizes follow the viewport width, so that at
# 1920 px the figures are 61.4 px (3.2vw) and their labels 28.8 px (1.5vw), never under 56 / 24 px
# there, and a laptop still fits the whole view.
BIGSCREEN_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stExpandSidebarButton"] { display: none !important; }
.stApp { font-size: clamp(14px, 1.05vw, 28px); }
.stMainBlockContainer { padding: 0.8vw 1.6vw 0.4vw 1.6vw !important; max-width: 100% !important; }
.bs-title { font-size: clamp(20px, 2vw, 52px); font-weight: 700; line-height: 1.2; margin: 0; }
.bs-stamp { font-size: clamp(14px, 1.25vw, 32px); color: #444; line-height: 1.3; }
.bs-card { background: #f4f7fa; border-radius: 0.6vw; padding: 0.9vw 1.2vw; height: 100%; margin-bottom: 0.4rem; }
.bs-label { font-size: clamp(16px, 1.5vw, 40px); color: #333; line-height: 1.25; }
.bs-figure { font-size: clamp(30px, 3.2vw, 90px); font-weight: 700; color: #0b3f80; line-height: 1.1;
             white-space: nowrap; }
.bs-sub { font-size: clamp(14px, 1.3vw, 34px); color: #444; line-height: 1.3; }
.bs-up { color: #0072B2; } .bs-down { color: #b35806; }
.bs-panel-title { font-size: clamp(16px, 1.5vw, 40px); font-weight: 700; margin: 0 0 0.4vw 0; }
.bs-list { font-size: clamp(14px, 1.3vw, 34px); line-height: 1.45; margin: 0; }
.bs-list div { text-indent: -0.8em; padding-left: 0.8em; }
.bs-legend { font-size: clamp(13px, 1.05vw, 28px); line-height: 1.35; }
.bs-legend span.sw { display: inline-block; flex: none; width: 1.5em; height: 1.05em; border: 1px solid #666; }
.bs-legend div { display: flex; align-items: center; gap: 0.5em; margin: 0.35em 0; }
[data-testid="stMainBlockContainer"] [data-testid="stSegmentedControl"] button p { font-size: clamp(13px, 1vw, 26px); }
/* a view's chart or map fills the screen below the title rows, on any screen: no scrolling, no empty foot */
[class*="st-key-bs_fill"] { height: calc(100vh - max(185px, 11.5vw)) !important; flex: 0 0 auto !important; min-height: 300px; }
[class*="st-key-bs_fill_rank"] { height: calc(100vh - max(185px, 11.5vw) - max(44px, 3.2vw)) !important; }
</style>"""


def bigscreen() -> None:
    st.html(BIGSCREEN_CSS)  # style only: applied to the page, drawn nowhere


def show_user_error(e: UserError) -> None:
    st.error(e.message(lang()))


def labelled(df: pd.DataFrame, labels: dict[str, str], L: str) -> pd.DataFrame:
    """The columns of `df` named in `labels` (column -> i18n key), in that order, headed in `L`."""
    cols = [c for c in labels if c in df.columns]
    out = df[cols].rename(columns={c: t(labels[c], L) for c in cols})
    out.attrs = {}  # a query's notes (dates and such) are not part of the table shown
    return out


# On a narrow screen (a resident's phone) a wide table would scroll sideways: each table has a narrow
# twin with the few columns that matter, and CSS shows one or the other by the screen's width.
NARROW_PX = 640
RESPONSIVE_CSS = f"""<style>
@media (max-width: {NARROW_PX}px) {{ [class*="st-key-wide_"] {{ display: none !important; }} }}
@media (min-width: {NARROW_PX + 1}px) {{ [class*="st-key-narrow_"] {{ display: none !important; }} }}
</style>"""


def table(df: pd.DataFrame, key: str, narrow: list[str], **kw):
    """`st.dataframe(df)` on a wide screen; on a phone, only the `narrow` columns (no sideways scroll).

    Returns the wide table's selection event (the narrow twin is for reading)."""
    st.html(RESPONSIVE_CSS)
    with st.container(key=f"wide_{key}"):
        event = st.dataframe(df, key=key, **kw)
    with st.container(key=f"narrow_{key}"):
        st.dataframe(df[[c for c in narrow if c in df.columns]], hide_index=True, width="stretch",
                     key=f"{key}_narrow", height=kw.get("height", "auto"), column_config=kw.get("column_config"))
    return event


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
    # no plotly toolbar: on a phone it lay on the chart's title; the PNG download is beside the chart
    config = {"displaylogo": False, "displayModeBar": False,
              "toImageButtonOptions": {"format": "png", "filename": png_name or key, "scale": 2}}
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
        prog = next((p for p in programmes() if f and p["id"] == f.programme), {})
        source = prog.get("source")
        banner = "demo.banner_real_register" if demo.data_kind(prog.get("code")) == "real_register" else "demo.banner"
        st.caption("⚠️ " + t(banner, L) + (t("demo.source", L, source=plain(source)) if source else ""))
