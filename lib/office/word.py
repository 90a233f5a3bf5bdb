"""Official Word documents (GB/T 9704 conventions) shared by the bulletin and the dispatch pack.

A4, margins 3.7/3.5/2.8/2.6 cm, title in a 小标宋-like serif at 二号 (22 pt), body at 三号 (16 pt)
with a fixed 28 pt line, headings 一、 in a 黑体-like sans and （一） in bold, page numbers
"— n —" in the footer, tables within the text width. The fonts are Noto CJK (the free fonts
installed here); an office can change `FONT_*` to 方正小标宋简体/仿宋_GB2312/黑体.
"""

from __future__ import annotations

import io
import numbers
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


RED = "C00000"  # 红头: the issuing office's mark and the line under the number


def _border(p, side: str, color: str, size_eighths: int, space: int = 1) -> None:
    """A line above or below a paragraph (w:pBdr): the red separator of 红头, the rules of 版记."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = p._p.get_or_add_pPr()
    bdr = ppr.find(qn("w:pBdr"))
    if bdr is None:
        bdr = OxmlElement("w:pBdr")
        ppr.append(bdr)
    el = OxmlElement(f"w:{side}")
    for k, v in (("val", "single"), ("sz", str(size_eighths)), ("space", str(space)), ("color", color)):
        el.set(qn(f"w:{k}"), v)
    bdr.append(el)


def red_header(d, mark: str, number: str) -> None:
    """版头 (GB/T 9704): the issuing office's mark in red, the document number (发文字号) under it, a red line."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import RGBColor

    p = _fmt_para(d.add_paragraph(), indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, line_pt=54, before=12,
                  after=18)
    size = 36 if len(mark) <= 12 else max(22, int(36 * 12 / len(mark)))  # one line within the text width
    run = p.add_run(mark)
    _set_font(run, FONT_TITLE, size, bold=True)
    run.font.color.rgb = RGBColor.from_string(RED)
    p.paragraph_format.keep_with_next = True
    p = _fmt_para(d.add_paragraph(), indent=False, align=WD_ALIGN_PARAGRAPH.CENTER, after=24)
    _set_font(p.add_run(number), FONT_BODY, PT_BODY)
    _border(p, "bottom", RED, 12, space=8)
    p.paragraph_format.keep_with_next = True


def signature(d, issuer: str, when: date) -> None:
    """落款: the issuing office and the date, right-aligned, kept on one page with the paragraph before them."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    if d.paragraphs:
        d.paragraphs[-1].paragraph_format.keep_with_next = True
    blank = _fmt_para(d.add_paragraph(), indent=False)
    blank.paragraph_format.keep_with_next = True
    p = _fmt_para(d.add_paragraph(), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    p.paragraph_format.right_indent = Pt(PT_BODY * 2)
    p.paragraph_format.keep_with_next = True
    _set_font(p.add_run(issuer), FONT_BODY, PT_BODY)
    p = _fmt_para(d.add_paragraph(), indent=False, align=WD_ALIGN_PARAGRAPH.RIGHT)
    p.paragraph_format.right_indent = Pt(PT_BODY * 2)
    _set_font(p.add_run(f"{when.year}年{when.month}月{when.day}日"), FONT_BODY, PT_BODY)


def record_block(d, cc: str | None, printer: str, printed_on: date) -> None:
    """版记: 抄送 and 印发 between rules, at the end of the document (GB/T 9704)."""
    from docx.enum.text import WD_TAB_ALIGNMENT
    from docx.shared import Cm, Pt

    d.paragraphs[-1].paragraph_format.keep_with_next = True
    gap = _fmt_para(d.add_paragraph(), indent=False)
    gap.paragraph_format.keep_with_next = True
    first = None
    if cc:
        first = _fmt_para(d.add_paragraph(), indent=False, line_pt=24)
        first.paragraph_format.left_indent = Pt(14)
        first.paragraph_format.first_line_indent = None
        first.paragraph_format.keep_with_next = True
        _set_font(first.add_run(f"抄送：{cc.rstrip('。')}。"), FONT_BODY, 14)
        _border(first, "top", "000000", 8, space=4)
    p = _fmt_para(d.add_paragraph(), indent=False, line_pt=24)
    p.paragraph_format.left_indent = Pt(14)
    p.paragraph_format.tab_stops.add_tab_stop(Cm(TEXT_WIDTH_CM) - Pt(14), WD_TAB_ALIGNMENT.RIGHT)
    _set_font(p.add_run(f"{printer}\t{printed_on.year}年{printed_on.month}月{printed_on.day}日印发"), FONT_BODY, 14)
    _border(p, "top", "000000", 4 if first is not None else 8, space=4)
    _border(p, "bottom", "000000", 8, space=4)


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


def para(d, text: str, *, indent: bool = True, lead_bold: bool = False, align=None, keep_with_next: bool = False):
    """A body paragraph. `lead_bold`: the first sentence (up to 。) in bold, as in 下一步工作要求."""
    p = _fmt_para(d.add_paragraph(), indent=indent, align=align)
    if keep_with_next:
        p.paragraph_format.keep_with_next = True
    if lead_bold and "。" in text:
        head, rest = text.split("。", 1)
        _set_font(p.add_run(head + "。"), FONT_HEAD2, PT_BODY, bold=True)
        if rest:
            _set_font(p.add_run(rest), FONT_BODY, PT_BODY)
    else:
        _set_font(p.add_run(text), FONT_BODY, PT_BODY)
    return p


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


PT_TO_CM = 2.54 / 72
CELL_PADDING_CM = 0.19 * 2 + 0.12   # Table Grid's left and right cell margins, and a little air
WRAP_AT = 9                          # values longer than this may wrap (names, remarks); shorter ones never do


def text_width_cm(text: str, font_pt: float) -> float:
    """The printed width of `text` at `font_pt`: CJK characters one em, digits and Latin about 0.6 em."""
    em = 0.0
    for ch in text:
        if ord(ch) > 0x2E80:
            em += 1.0
        elif ch in ".,:;'|!il ":
            em += 0.32
        elif ch in "%%—mwMW":
            em += 0.9
        else:
            em += 0.6
    return em * font_pt * PT_TO_CM


def header_floor(head: str, font_pt: float) -> float:
    """The narrowest a header may be: short ones on one line; "目标任务（户）" breaks before its unit;
    a long one without a unit takes two lines."""
    if len(head) <= 4:
        return text_width_cm(head, font_pt)
    if "（" in head and not head.startswith("（"):
        i = head.index("（")
        return max(text_width_cm(head[:i], font_pt), text_width_cm(head[i:], font_pt))
    return text_width_cm(head[:(len(head) + 1) // 2], font_pt)


def fit_widths(texts: list[list[str]], header: list[str], preferred: list[float], font_pt: float,
               total: float = TEXT_WIDTH_CM) -> tuple[list[float], float]:
    """Column widths (cm) and a font size such that no short value wraps and the table fits `total`.

    A column's floor is its longest value (a value longer than WRAP_AT characters may wrap at
    WRAP_AT) and its header's longest two-line half; the space left is shared as `preferred` says.
    When the floors do not fit, the font shrinks (down to 8 pt) until they do.
    """
    pt = font_pt
    while True:
        floors = []
        for i, head in enumerate(header):
            longest = max([text_width_cm(t[i][:WRAP_AT] if len(t[i]) > WRAP_AT else t[i], pt) for t in texts],
                          default=0.0)
            floors.append(max(longest, header_floor(head, pt)) + CELL_PADDING_CM)
        if sum(floors) <= total or pt <= 8:
            break
        pt -= 0.5
    spare = max(0.0, total - sum(floors))
    want = [max(0.0, p - f) for p, f in zip(preferred, floors)]
    share = sum(want) or 1.0
    widths = [f + spare * (w / share if sum(want) else 1 / len(floors)) for f, w in zip(floors, want)]
    scale = min(1.0, total / sum(widths))
    return [w * scale for w in widths], pt


def table(d, df: pd.DataFrame, widths: list[float] | None = None, font_pt: float = PT_TABLE) -> None:
    """A bordered table: header row repeated on every page, no row split across pages, numbers with
    thousands separators, columns wide enough that short values (figures, rates) never wrap."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    ncol = len(df.columns)
    header = [str(c) for c in df.columns]
    texts = [[cell_text(v) for v in rec] for rec in df.itertuples(index=False)]
    widths, font_pt = fit_widths(texts, header, widths or [TEXT_WIDTH_CM / ncol] * ncol, font_pt)
    t = d.add_table(rows=1, cols=ncol)
    t.style = "Table Grid"
    t.alignment = WD_TABLE_ALIGNMENT.CENTER
    t.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    t._tbl.tblPr.append(layout)

    def fill(cell, text, bold=False, width=None, align=WD_ALIGN_PARAGRAPH.CENTER, wrap=True):
        cell.width = Cm(width)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        if not wrap:
            tcpr = cell._tc.get_or_add_tcPr()
            tcpr.append(OxmlElement("w:noWrap"))
        p = cell.paragraphs[0]
        p.alignment = align
        pf = p.paragraph_format
        pf.first_line_indent = None
        pf.space_before = pf.space_after = Pt(1)
        pf.line_spacing = 1.0
        _set_font(p.add_run(text), FONT_TABLE, font_pt, bold=bold)

    def row_props(row, header_row=False):
        trpr = row._tr.get_or_add_trPr()
        no_split = OxmlElement("w:cantSplit")
        no_split.set(qn("w:val"), "true")
        trpr.append(no_split)
        if header_row:
            rep = OxmlElement("w:tblHeader")
            rep.set(qn("w:val"), "true")
            trpr.append(rep)

    hdr = t.rows[0]
    row_props(hdr, header_row=True)
    for i, col in enumerate(header):
        fill(hdr.cells[i], col, bold=True, width=widths[i])
    for rec in texts:
        row = t.add_row()
        row_props(row)
        cells = row.cells
        for i, text in enumerate(rec):
            long = len(text) > WRAP_AT
            fill(cells[i], text, width=widths[i], wrap=long,
                 align=WD_ALIGN_PARAGRAPH.LEFT if long else WD_ALIGN_PARAGRAPH.CENTER)
    for i, col in enumerate(t.columns):
        col.width = Cm(widths[i])
    d.add_paragraph().paragraph_format.space_after = Pt(0)


def cell_text(v) -> str:
    """A value as a table shows it: counts with thousands separators, dates as 6月25日, gaps as '—'."""
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return "—"
    if isinstance(v, bool):
        return "是" if v else "否"
    if isinstance(v, numbers.Integral):
        return f"{int(v):,}"
    if isinstance(v, numbers.Real):
        return fmt.exact(float(v))
    if isinstance(v, date):
        return f"{v:%-m月%-d日}"
    return str(v)


def to_bytes(d) -> bytes:
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
