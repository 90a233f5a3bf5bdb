"""Monthly bulletin (月通报): pick a month, edit the narrative, download the Word document.

The bulletin is a Chinese official document: its preview (in the container keyed "document")
reads as it will be issued, whatever the interface language; everything around it is translated.
"""

from __future__ import annotations

import streamlit as st

from lib.domain.errors import UserError
from lib.present.i18n import plain, t
from lib.review import bulletin
from pages._ui import widgets
from pages._ui.filters import sidebar_filters
from pages._ui.store import report_dates
from pages._ui.store import store as open_store

f = sidebar_filters()
L = f.lang
store = open_store()
months = sorted({d.strftime("%Y-%m") for d in report_dates(f.programme)}, reverse=True)
if not months:
    st.info(t("review.no_weeks", L))
    st.stop()
c1, c2, c3 = st.columns([2, 1, 1])
closed_month = bulletin.default_month(store, f.programme)  # the latest month whose reporting has closed
month = c1.selectbox(t("review.month", L), months, key="bulletin_month",
                     index=months.index(closed_month) if closed_month in months else 0)
top_n = c2.number_input(t("review.top_n", L), min_value=1, max_value=20, value=5, key="bulletin_top")
with_charts = c3.toggle(t("review.charts", L), value=False, key="bulletin_charts")
rule = bulletin.Rule(top_n=int(top_n))
try:
    b = bulletin.monthly_bulletin(store, f.programme, month, rule=rule, viewer=f.viewer)
except UserError as e:
    widgets.show_user_error(e)
    st.stop()
texts = bulletin.texts(store, f.programme, b["month"], b)

note = t("review.document_note", L)
if note:
    st.caption(note)
with st.container(key="document"):
    st.title(bulletin.bulletin_title(b))
st.caption(f"{t('review.cutoff', L)} {b['cutoff']:%Y-%m-%d}")
if b["demo"]:
    widgets.demo_banner(True, L)
with st.container(key="document_body"):
    for p in bulletin.overall_paragraphs(b):
        st.write(plain(p))
    c1, c2 = st.columns(2)
    c1.markdown(f"**{t('review.praised', L)}**")
    c1.write(plain(bulletin.praise_paragraph(b)))
    c2.markdown(f"**{t('review.named', L)}**")
    for head, text in bulletin.named_paragraphs(b):
        c2.write(f"**{plain(head)}**　{plain(text)}")
with st.expander(t("review.counties", L), expanded=False), st.container(key="document_tables"):
    st.dataframe(bulletin.prefecture_table(b), hide_index=True)
    st.dataframe(bulletin.county_table(b), hide_index=True)

if not f.public and f.viewer.is_staff:
    with st.expander(t("review.edit_text", L)):
        for section in bulletin.DOCUMENT_SECTIONS + bulletin.EDITABLE_SECTIONS:
            key = f"bulletin_{section}"
            value = st.text_area(t(f"review.section.{section}", L), texts[section], key=f"{key}_{b['month']}",
                                 height=160 if section == "requirements" else 80)
            s1, s2 = st.columns([1, 1])
            if s1.button(t("review.save_text", L), key=f"{key}_save"):
                try:
                    bulletin.save_text(store, f.programme, b["month"], section, value, actor=f.viewer)
                    st.success(t("review.saved", L))
                except UserError as e:
                    widgets.show_user_error(e)
            if s2.button(t("review.reset_text", L), key=f"{key}_reset"):
                try:
                    bulletin.reset_text(store, f.programme, b["month"], section, actor=f.viewer)
                    st.rerun()
                except UserError as e:
                    widgets.show_user_error(e)

if st.button(t("review.bulletin_download", L), key="bulletin_build"):
    with st.spinner("…"):
        data = bulletin.render_docx(b, bulletin.texts(store, f.programme, b["month"], b),
                                    images=bulletin.charts_png(store, b) if with_charts else [])
    st.download_button(t("review.bulletin_download", L), data, bulletin.bulletin_filename(b),
                       mime=widgets.DOCX, key="bulletin_download")
