"""The bulletin and the dispatch pack as LibreOffice prints them: page breaks checked on the PDF.

Rendered with `libreoffice --headless --convert-to pdf` and read back with poppler's pdftotext
(one text per page). Skipped, with the reason, only where LibreOffice or poppler is not installed.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date

import pytest
from docx import Document
from docx.oxml.ns import qn

from lib.access.auth import Actor
from lib.office import word
from lib.review import bulletin, dispatch

OFFICE = shutil.which("libreoffice") or shutil.which("soffice")
pytestmark = [
    pytest.mark.skipif(OFFICE is None, reason="LibreOffice is not installed (apt-get install libreoffice-writer)"),
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed (pdftotext)"),
]
pytest.importorskip("docx")


def pdf_pages(data: bytes, tmp_path, name: str) -> list[str]:
    """The document printed by LibreOffice: the text of each page (pdftotext -layout)."""
    src = tmp_path / f"{name}.docx"
    src.write_bytes(data)
    profile = tmp_path / "lo-profile"  # a private profile: no clash with another LibreOffice running
    subprocess.run([OFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180)
    out = subprocess.run(["pdftotext", "-layout", str(tmp_path / f"{name}.pdf"), "-"], check=True,
                         capture_output=True, text=True).stdout
    return [p for p in out.split("\f") if p.strip()]


def rows_on_one_line(pages: list[str], cells: list[list[str]]) -> list[list[str]]:
    """Rows whose figures do not all appear on one printed line (a row split or a wrapped figure)."""
    lines = [ln for p in pages for ln in p.splitlines()]
    return [c for c in cells if not any(all(x in ln for x in c) for ln in lines)]


def test_bulletin_prints_as_an_office_document(demo_store, tmp_path):
    b = bulletin.monthly_bulletin(demo_store, 1, "2021-06", viewer=Actor.system())
    data = bulletin.bulletin_docx(demo_store, 1, "2021-06", charts=False, viewer=Actor.system())
    doc = Document(io.BytesIO(data))
    for t in doc.tables:  # no row may break across a page; the header repeats
        assert all(r._tr.trPr is not None and r._tr.trPr.find(qn("w:cantSplit")) is not None for r in t.rows)
    pages = pdf_pages(data, tmp_path, "bulletin")
    first, last = pages[0], pages[-1]
    assert "青海省住房和城乡建设厅文件" in first and "青建〔2021〕" in first
    # the signature is not alone on the last page: the last paragraph of the body comes with it
    assert "青海省住房和城乡建设厅" in last and "2021 年 7 月 1 日" in last and "抄送" in last
    body_last = bulletin.default_texts(b)["requirements"].splitlines()[-1]
    tail = re.sub(r"\s", "", last)
    assert body_last[-12:] in tail, last
    # each county's row on one printed line: target with separators, started, rate ("100.0%" whole)
    t = bulletin.county_table(b)
    cells = [[word.cell_text(r["目标任务（户）"]), r["开工率"], r["完工率"]] for _, r in t.iterrows()]
    assert rows_on_one_line(pages, cells) == []
    assert any("100.0%" in p for p in pages) and not any(re.search(r"100\.0\s*\n\s*%", p) for p in pages)
    assert any("33,940" in p for p in pages)  # 西宁市's target, with its separator


def test_dispatch_pack_rows_do_not_split(demo_store, tmp_path):
    pack = dispatch.weekly_dispatch(demo_store, 1, "2021-W47", viewer=Actor.system())
    data = dispatch.dispatch_docx(pack)
    doc = Document(io.BytesIO(data))
    assert all(r._tr.trPr.find(qn("w:cantSplit")) is not None for t in doc.tables for r in t.rows)
    pages = pdf_pages(data, tmp_path, "dispatch")
    cs = dispatch.county_sheet(pack)
    cells = [[word.cell_text(r["目标户数（户）"]), word.cell_text(r["已开工户数（户）"]), r["户数开工率"]]
             for _, r in cs.iterrows()]
    assert rows_on_one_line(pages, cells) == []
    assert sum(p.count("100.0%") for p in pages) >= (cs["户数开工率"] == "100.0%").sum() > 0
    # a table row that holds several lines (a long remark) starts and ends on the same page
    for t in doc.tables:
        for r in t.rows[1:]:
            text = [c.text for c in r.cells]
            if max(len(x) for x in text) > 30:
                # compared without white space: the PDF's text puts a space between Chinese and Latin
                # characters ("（自 2021-W46 起）") and breaks lines inside a cell
                start, end = (re.sub(r"\s", "", x) for x in (text[0][:4], text[-1][-4:]))
                assert any(start in q and end in q for q in (re.sub(r"\s", "", p) for p in pages)), text


def test_widths_keep_figures_on_one_line():
    texts = [["1", "海西蒙古族藏族自治州直辖", "33,940", "100.0%"], ["45", "城东区", "975", "0.0%"]]
    widths, pt = word.fit_widths(texts, ["排名", "县（市、区）", "目标任务（户）", "开工率"], [1, 4, 2, 1.5], 10.5)
    assert abs(sum(widths) - word.TEXT_WIDTH_CM) < 1e-6 and pt == 10.5
    for i in (2, 3):  # figures: wide enough for the longest value and the cell margins
        assert widths[i] >= word.text_width_cm(texts[0][i], pt) + word.CELL_PADDING_CM
    assert word.cell_text(51500) == "51,500" and word.cell_text(date(2021, 6, 25)) == "6月25日"
