"""Official Word documents (GB/T 9704 conventions) shared by the bulletin and the dispatch pack.

A4, margins 3.7/3.5/2.8/2.6 cm, title in a 小标宋-like serif at 二号 (22 pt), body at 三号 (16 pt)
with a fixed 28 pt line, headings 一、 in a 黑体-like sans and （一） in bold, page numbers
"— n —" in the footer, tables within the text width. The fonts are Noto CJK (the free fonts
installed here); an office can change `FONT_*` to 方正小标宋简体/仿宋_GB2312/黑体.
"""

from __future__ import annotations

import io
from datetime import date

import pandas as pd

from lib.office import fmt

FONT_TITLE = "Noto Serif CJK SC"   # 小标宋 substitute
FONT_BODY = "Noto Serif CJK SC"    # 仿宋 substitute
FONT_HEAD1 = "Noto Sans CJK SC"    # 黑体 substitute
FONT_HEAD2 = "Noto Serif CJK SC"   # 楷体 substitute (bold)
FONT_TABLE = "Noto Sans CJK SC"
PT_TITLE, PT_BODY, PT_TABLE = 22, 16, 10.5
LINE_PT = 28
TEXT_WIDTH_CM = 21.0 - 2.8 - 2.6  # A4 minus left and right margins = 15.6 cm
CN_NUM = "零一二三四五六七八九十"


def cn_number(n: int) -> str:
    """1 → 一, 12 → 十二, 20 → 二十."""
    if n <= 10:
        return CN_NUM[n] if n < 10 else "十"
    tens, ones = divmod(n, 10)
    return (CN_NUM[tens] if tens > 1 else "") + "十" + (CN_NUM[ones] if ones else "")


class Numbering:
    """一、二、三… for sections and （一）（二）… inside each."""

    def __init__(self):
        self.n1 = 0
        self.n2 = 0

    def next1(self, text: str) -> str:
        self.n1 += 1
        self.n2 = 0
        return f"{cn_number(self.n1)}、{text}"

    def next2(self, text: str) -> str:
        self.n2 += 1
        return f"（{cn_number(self.n2)}）{text}"


def _set_font(run, name: str, size: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), name)


def _fmt_para(p, *, indent: bool = True, align=None, line_pt: float = LINE_PT, before: float = 0, after: float = 0):
    from docx.enum.text import WD_LINE_SPACING
    from docx.shared import Pt

    pf = p.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = Pt(line_pt)
    pf.space_before, pf.space_after = Pt(before), Pt(after)
    pf.first_line_indent = Pt(PT_BODY * 2) if indent else None
    if align is not None:
        p.alignment = align
    return p


def new_document():
    """An empty A4 document with official margins and a "— n —" page number footer."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    d = Document()
    sec = d.sections[0]
    sec.page_width, sec.page_height = Cm(21.0), Cm(29.7)
    sec.top_margin, sec.bottom_margin = Cm(3.7), Cm(3.5)
    sec.left_margin, sec.right_margin = Cm(2.8), Cm(2.6)
    sec.footer_distance = Cm(2.4)
    normal = d.styles["Normal"]
    normal.font.name = FONT_BODY
    normal.font.size = Pt(PT_BODY)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT_BODY)
    d.core_properties.language = "zh-CN"

    p = sec.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(p.add_run("— "), FONT_BODY, 14)
    run = p.add_run()
    _set_font(run, FONT_BODY, 14)
    for kind, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        else:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = text
        run._element.append(el)
    _set_font(p.add_run(" —"), FONT_BODY, 14)
    return d


def title(d, text: str) -> None:
    """The title, centred; a long one is broken before 改造工作 / 工作 so that lines keep their sense."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = _fmt_para(d.add_paragraph(), indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=36, after=12)
    lines = [text]
    if len(text) > 20:
        for cut in ("改造工作", "工作", "情况"):
            i = text.find(cut)
            if 6 <= i <= len(text) - 6:
                lines = [text[:i], text[i:]]
                break
    for k, line in enumerate(lines):
        run = p.add_run(line)
        _set_font(run, FONT_TITLE, PT_TITLE, bold=True)
        if k < len(lines) - 1:
            run.add_break()


def subtitle(d, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = _fmt_para(d.add_paragraph(), indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, after=12)
    _set_font(p.add_run(text), FONT_BODY, PT_BODY)


def note(d, text: str) -> None:
    p = _fmt_para(d.add_paragraph(), indent=False, line_pt=22)
    _set_font(p.add_run(text), FONT_BODY, 12)


def heading1(d, text: str) -> None:
    p = _fmt_para(d.add_paragraph(), indent=True)
    p.paragraph_format.keep_with_next = True
    _set_font(p.add_run(text), FONT_HEAD1, PT_BODY)


def heading2(d, text: str) -> None:
    p = _fmt_para(d.add_paragraph(), indent=True)
    p.paragraph_format.keep_with_next = True
    _set_font(p.add_run(text), FONT_HEAD2, PT_BODY, bold=True)


def para(d, text: str, *, indent: bool = True, lead_bold: bool = False, align=None) -> None:
    """A body paragraph. `lead_bold`: the first sentence (up to 。) in bold, as in 下一步工作要求."""
    p = _fmt_para(d.add_paragraph(), indent=indent, align=align)
    if lead_bold and "。" in text:
        head, rest = text.split("。", 1)
        _set_font(p.add_run(head + "。"), FONT_HEAD2, PT_BODY, bold=True)
        if rest:
            _set_font(p.add_run(rest), FONT_BODY, PT_BODY)
    else:
        _set_font(p.add_run(text), FONT_BODY, PT_BODY)


def caption(d, text: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    p = _fmt_para(d.add_paragraph(), indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=22, before=4, after=2)
    p.paragraph_format.keep_with_next = True
    _set_font(p.add_run(text), FONT_HEAD1, 12)


def picture(d, png: bytes, width_cm: float = TEXT_WIDTH_CM) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run().add_picture(io.BytesIO(png), width=Cm(width_cm))


def table(d, df: pd.DataFrame, widths: list[float] | None = None, font_pt: float = PT_TABLE) -> None:
    """A bordered table with a repeated header row, scaled to fit the text width."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    ncol = len(df.columns)
    widths = widths or [TEXT_WIDTH_CM / ncol] * ncol
    scale = min(1.0, TEXT_WIDTH_CM / sum(widths))
    widths = [w * scale for w in widths]
    t = d.add_table(rows=1, cols=ncol)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    t._tbl.tblPr.append(layout)

    def fill(cell, text, bold=False, width=None, align=WD_ALIGN_PARAGRAPH.CENTER):
        cell.width = Cm(width)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        p.alignment = align
        pf = p.paragraph_format
        pf.first_line_indent = None
        pf.space_before = pf.space_after = Pt(1)
        pf.line_spacing = 1.0
        _set_font(p.add_run(text), FONT_TABLE, font_pt, bold=bold)

    hdr = t.rows[0]
    trpr = hdr._tr.get_or_add_trPr()
    rep = OxmlElement("w:tblHeader")
    rep.set(qn("w:val"), "true")
    trpr.append(rep)
    for i, col in enumerate(df.columns):
        fill(hdr.cells[i], str(col), bold=True, width=widths[i])
    for rec in df.itertuples(index=False):
        cells = t.add_row().cells
        for i, v in enumerate(rec):
            text = _cell_text(v)
            long = len(text) > 14
            fill(cells[i], text, width=widths[i], align=WD_ALIGN_PARAGRAPH.LEFT if long else WD_ALIGN_PARAGRAPH.CENTER)
    for i, col in enumerate(t.columns):
        col.width = Cm(widths[i])
    d.add_paragraph().paragraph_format.space_after = Pt(0)


def _cell_text(v) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return "—"
    if isinstance(v, float):
        return fmt.exact(v)
    if isinstance(v, date):
        return f"{v:%-m月%-d日}"
    return str(v)


def to_bytes(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
