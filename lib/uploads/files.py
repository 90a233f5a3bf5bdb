"""Spreadsheet files: what format a file really is, and its sheets as rows of cell values.

`load` tells xlsx/xlsm, xls and CSV apart by content (not by extension), refuses what is
not a table (Word, PDF, images, HTML saved as .xls, encrypted or corrupt files) with a
Chinese sentence (`FileProblem`), and returns every sheet as a `RawSheet`: non-blank rows
by their Excel row number, merged ranges, cells formatted as percent, formulas saved
without a result, and the workbook's date epoch. CSV is read as UTF-8 or GB18030 with
the delimiter guessed from the first lines.

xlsx cell values come from python-calamine (Rust; about twenty times faster than openpyxl
on a 50,000-row sheet, see bench/RESULTS.md). What calamine does not say is read from the
file's XML directly, only when the file has it: which cells carry a percent number format
(styles.xml, then the cells with those styles), error values (``t="e"``), formulas saved
without a result, the 1904 date system. openpyxl (read-only, streaming) remains the reader
for files calamine refuses and for sheets whose used range is far larger than their
content (one stray cell at row 1,000,000 would make calamine's dense grid huge).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import html
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable

import openpyxl
import xlrd
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from xlrd import compdoc

from lib.uploads.values import EXCEL_EPOCH_1900, EXCEL_ERRORS, ExcelError, cell_text

MAX_COLUMNS = 256
SNIFF_LINES = 20  # lines of a CSV looked at to guess its delimiter (the header lies in the first 15)


@dataclass
class RawSheet:
    """One sheet (or a CSV file) as read: values by Excel row and column number, both 1-based."""

    name: str
    rows: dict[int, list[Any]]  # 1-based row number -> values (non-blank rows only)
    hidden: bool = False
    percent_cells: set[tuple[int, int]] = field(default_factory=set)  # (row, col) 1-based
    formula_no_cache: set[tuple[int, int]] = field(default_factory=set)
    merged: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # covered -> top-left
    epoch: dt.date = EXCEL_EPOCH_1900
    is_csv: bool = False
    _width: int | None = field(default=None, repr=False, compare=False)

    def get(self, r: int, c: int) -> Any:
        row = self.rows.get(r)
        if row is None or c - 1 >= len(row):
            return None
        return row[c - 1]

    def get_filled(self, r: int, c: int) -> Any:
        src = self.merged.get((r, c))
        return self.get(*src) if src else self.get(r, c)

    def width(self) -> int:
        """The widest row's length (computed once: rows are not changed after loading)."""
        if self._width is None:
            self._width = max((len(v) for v in self.rows.values()), default=0)
        return self._width

    def where(self) -> str:
        """How messages name it: 工作表「台账」, or 文件「x.csv」 for a CSV."""
        return f"文件「{self.name}」" if self.is_csv else f"工作表「{self.name}」"


class FileProblem(Exception):
    """A file-level problem with a Chinese message (caught in read_workbook)."""


def _trim(values: list[Any]) -> list[Any]:
    while values and (values[-1] is None or (isinstance(values[-1], str) and not values[-1].strip())):
        values.pop()
    return values


def _is_blank(values: list[Any]) -> bool:
    for v in values:
        if v is None:
            continue
        if type(v) is str:
            if v.strip() and cell_text(v) is not None:
                return False
        elif cell_text(v) is not None:
            return False
    return True


def column_letter(idx: int) -> str:
    letters = ""
    while idx:
        idx, rem = divmod(idx - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _xlsx_merges(xml: bytes) -> list[tuple[int, int, int, int]]:
    """Merged ranges (min_col, min_row, max_col, max_row) from a sheet's XML:
    read-only openpyxl does not expose them."""
    out = []
    for ref in re.findall(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', xml):
        try:
            out.append(range_boundaries(ref.decode()))
        except ValueError:
            continue
    return out


def _load_xlsx_openpyxl(data: bytes, row_cap: int) -> list[RawSheet]:
    def open_book(data_only: bool) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_vba=False)

    def cells(ws: Any) -> Iterable[tuple[int, list[Any]]]:
        """(row number, cells) of non-empty rows, at most row_cap of them."""
        n = 0
        ws.reset_dimensions()  # some generators write a wrong <dimension ref="A1"/>; read what is there
        for row in ws.iter_rows():
            r = next((c.row for c in row if getattr(c, "row", None)), None)
            if r is None:
                continue
            yield r, list(row[:MAX_COLUMNS])
            n += 1
            if n > row_cap:
                return

    # Everything openpyxl does (it parses lazily, while iterating) stays inside
    # this try; what we do with the values stays outside, so our own bugs raise.
    try:
        wb = open_book(True)
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            sheet_xml = {ws.title: zf.read(ws._worksheet_path) if getattr(ws, "_worksheet_path", None) in
                         zf.namelist() else b"" for ws in wb.worksheets}
        formula_cells: dict[str, set[tuple[int, int]]] = {}
        if any(re.search(rb"<(?:\w+:)?f[ >/]", x) for x in sheet_xml.values()):
            # Only now pay for a second pass, to tell "formula without a saved
            # result" apart from an empty cell.
            wbf = open_book(False)
            for ws in wbf.worksheets:
                formula_cells[ws.title] = {(c.row, c.column) for _, row in cells(ws) for c in row
                                           if getattr(c, "data_type", None) == "f"}
            wbf.close()
        epoch = dt.date(1904, 1, 1) if wb.epoch == CALENDAR_MAC_1904 else EXCEL_EPOCH_1900
        books = []
        for ws in wb.worksheets:
            grid = [(r, [(getattr(c, "value", None), getattr(c, "data_type", None),
                          getattr(c, "number_format", None)) for c in row]) for r, row in cells(ws)]
            books.append((ws.title, ws.sheet_state != "visible", grid))
        wb.close()
    except Exception as exc:  # corrupt files raise anything from zipfile/xml/openpyxl
        raise FileProblem("文件已损坏，无法作为Excel文件打开。请用Excel打开后“另存为”.xlsx格式再上传。") from exc

    sheets = []
    for title, hidden, grid in books:
        raw = RawSheet(name=title, rows={}, hidden=hidden, epoch=epoch)
        for min_col, min_row, max_col, max_row in _xlsx_merges(sheet_xml.get(title, b"")):
            for r in range(min_row, max_row + 1):
                for c in range(min_col, min(max_col, MAX_COLUMNS) + 1):
                    if (r, c) != (min_row, min_col):
                        raw.merged[(r, c)] = (min_row, min_col)
        fcells = formula_cells.get(title, set())
        for r, row in grid:
            values = []
            for col, (v, data_type, number_format) in enumerate(row, start=1):
                if data_type == "e" and isinstance(v, str):
                    v = ExcelError(v)
                elif isinstance(v, str) and v.strip() in EXCEL_ERRORS:
                    v = ExcelError(v.strip())
                if v is None and (r, col) in fcells:
                    raw.formula_no_cache.add((r, col))
                    v = ExcelError("")
                if isinstance(v, (int, float)) and not isinstance(v, bool) and "%" in (number_format or ""):
                    raw.percent_cells.add((r, col))
                values.append(v)
            values = _trim(values)
            if values and not _is_blank(values):
                raw.rows[r] = values
        sheets.append(raw)
    return sheets


# --- xlsx through calamine -------------------------------------------------------------------

_BUILTIN_PERCENT_FORMATS = {9, 10}  # 0% and 0.00%
_NS = r"(?:\w+:)?"
_CELL_REF_RE = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_ERROR_CELL_RE = re.compile(rb"<" + _NS.encode() + rb"c\b([^>]*\bt=\"e\"[^>]*)>.*?<" + _NS.encode()
                            + rb"v>([^<]*)</" + _NS.encode() + rb"v>", re.S)
_FORMULA_NO_VALUE_RE = re.compile(
    rb"<" + _NS.encode() + rb"c\b([^>]*)>\s*(?:<" + _NS.encode() + rb"f\b[^>]*/>|<" + _NS.encode()
    + rb"f\b[^>]*>[^<]*</" + _NS.encode() + rb"f>)\s*(?:<" + _NS.encode() + rb"v\s*/>|<" + _NS.encode()
    + rb"v>\s*</" + _NS.encode() + rb"v>)?\s*</" + _NS.encode() + rb"c>")
_LAST_ROW_RE = re.compile(rb"<" + _NS.encode() + rb"row\b[^>]*\br=\"([0-9]+)\"")


class _UseOpenpyxl(Exception):
    """This file is better read by openpyxl (calamine refused it, or its grid would be huge)."""


def _col_number(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n


def _ref(attrs: bytes) -> tuple[int, int] | None:
    m = _CELL_REF_RE.search(attrs)
    return (int(m.group(2)), _col_number(m.group(1))) if m else None


def _zip_path(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = base.rsplit("/", 1)[0].split("/") if "/" in base else []
    for piece in target.split("/"):
        if piece == "..":
            parts = parts[:-1]
        elif piece not in ("", "."):
            parts.append(piece)
    return "/".join(parts)


def _sheet_paths(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its XML member, from xl/workbook.xml and its relationships."""
    wb_xml = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace") \
        if "xl/_rels/workbook.xml.rels" in zf.namelist() else ""
    targets = {}
    for rel in re.findall(r"<(?:\w+:)?Relationship\b[^>]*>", rels):
        rid = re.search(r'\bId="([^"]+)"', rel)
        tgt = re.search(r'\bTarget="([^"]+)"', rel)
        if rid and tgt:
            targets[rid.group(1)] = _zip_path("xl/workbook.xml", tgt.group(1))
    out = {}
    for tag in re.findall(r"<(?:\w+:)?sheet\b[^>]*>", wb_xml):
        name = re.search(r'\bname="([^"]*)"', tag)
        rid = re.search(r'\b\w+:id="([^"]+)"', tag)
        if name and rid and rid.group(1) in targets:
            out[html.unescape(name.group(1))] = targets[rid.group(1)]
    return out


def _percent_styles(zf: zipfile.ZipFile) -> set[int]:
    """Indices of the cell formats (cellXfs) whose number format shows a percent."""
    if "xl/styles.xml" not in zf.namelist():
        return set()
    xml = zf.read("xl/styles.xml").decode("utf-8", "replace")
    percent_ids = set(_BUILTIN_PERCENT_FORMATS)
    for tag in re.findall(r"<(?:\w+:)?numFmt\b[^>]*>", xml):
        fid = re.search(r'\bnumFmtId="([0-9]+)"', tag)
        code = re.search(r'\bformatCode="([^"]*)"', tag)
        if fid and code:
            # a percent sign outside quotes and escapes: 0.0%, not "%"0 or \\%
            text = re.sub(r'"[^"]*"|\\\\.', "", html.unescape(code.group(1)))
            if "%" in text:
                percent_ids.add(int(fid.group(1)))
    m = re.search(r"<(?:\w+:)?cellXfs\b[^>]*>(.*?)</(?:\w+:)?cellXfs>", xml, re.S)
    if not m:
        return set()
    out = set()
    for i, tag in enumerate(re.findall(r"<(?:\w+:)?xf\b[^>]*>", m.group(1))):
        fid = re.search(r'\bnumFmtId="([0-9]+)"', tag)
        if fid and int(fid.group(1)) in percent_ids:
            out.add(i)
    return out


def _scan_sheet_xml(xml: bytes, percent_styles: set[int]) -> tuple[set[tuple[int, int]], dict[tuple[int, int], str],
                                                                   set[tuple[int, int]]]:
    """(cells formatted as percent, error cells and their text, formulas saved without a result)."""
    percent: set[tuple[int, int]] = set()
    errors: dict[tuple[int, int], str] = {}
    no_cache: set[tuple[int, int]] = set()
    if percent_styles:
        styles = b"|".join(str(i).encode() for i in sorted(percent_styles))
        # Excel and openpyxl write <c r="G4" s="1" ...>: found five times faster than by the general
        # pattern, which is used when that order does not account for every such style attribute
        fast = re.findall(rb"<" + _NS.encode() + rb"c r=\"([A-Z]{1,3})([0-9]+)\" s=\"(?:" + styles + rb")\"", xml)
        if len(fast) == sum(xml.count(b' s="%d"' % i) for i in percent_styles):
            percent = {(int(row), _col_number(col)) for col, row in fast}
        else:
            pattern = re.compile(rb"<" + _NS.encode() + rb"c\b([^>]*\bs=\"(?:" + styles + rb")\"[^>]*)>")
            for m in pattern.finditer(xml):
                ref = _ref(m.group(1))
                if ref is None:
                    raise _UseOpenpyxl
                percent.add(ref)
    if b't="e"' in xml:
        for m in _ERROR_CELL_RE.finditer(xml):
            ref = _ref(m.group(1))
            if ref is None:
                raise _UseOpenpyxl
            errors[ref] = html.unescape(m.group(2).decode("utf-8", "replace"))
    if (b"<f" in xml or b":f" in xml) and re.search(rb"<" + _NS.encode() + rb"f[ >/]", xml):
        for m in _FORMULA_NO_VALUE_RE.finditer(xml):
            ref = _ref(m.group(1))
            if ref is None:
                raise _UseOpenpyxl
            no_cache.add(ref)
    return percent, errors, no_cache


def _calamine_value(v: Any) -> Any:
    if v == "":
        return None
    if isinstance(v, dt.timedelta):  # a duration cell ([h]:mm): its Excel number
        return v.total_seconds() / 86400
    return v


def _load_xlsx_calamine(data: bytes, row_cap: int) -> list[RawSheet]:
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        paths = _sheet_paths(zf)
        percent_styles = _percent_styles(zf)
        # a duration cell ([h]:mm) comes as a timedelta; only such workbooks pay for converting each value
        durations = "xl/styles.xml" in zf.namelist() and bool(
            re.search(rb"\[(?:h+|m+|s+)\]", zf.read("xl/styles.xml"), re.I))
        wb_xml = zf.read("xl/workbook.xml")
        epoch = dt.date(1904, 1, 1) if re.search(rb'date1904="(?:1|true)"', wb_xml) else EXCEL_EPOCH_1900
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        metas = book.sheets_metadata
    except Exception as exc:  # let openpyxl decide what this file is
        raise _UseOpenpyxl from exc
    sheets = []
    for i, meta in enumerate(metas):
        if meta.typ != SheetTypeEnum.WorkSheet:
            continue
        path = paths.get(meta.name)
        if path is None or path not in zf.namelist():
            raise _UseOpenpyxl
        xml = zf.read(path)
        last = None
        for last in _LAST_ROW_RE.finditer(xml, max(0, len(xml) - 200_000)):
            pass
        last_row = int(last.group(1)) if last else 0
        if last_row > 2 * row_cap + 10_000 or re.search(rb' r="[A-Z]{3}[0-9]', xml):
            raise _UseOpenpyxl  # a far stray cell: calamine's dense grid would be huge
        percent, errors, no_cache = _scan_sheet_xml(xml, percent_styles)
        try:
            sheet = book.get_sheet_by_index(i)
            grid = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges or []
        except Exception as exc:
            raise _UseOpenpyxl from exc
        raw = RawSheet(name=meta.name, rows={}, hidden=meta.visible != SheetVisibleEnum.Visible, epoch=epoch,
                       formula_no_cache=no_cache)
        for r, row in enumerate(grid, start=1):
            # whole numbers as int, as openpyxl gives them (236, not 236.0), for every reader of RawSheet
            values = [None if v == "" else (int(v) if v.__class__ is float and v.is_integer() else v)
                      for v in row[:MAX_COLUMNS]]
            if durations:
                values = [_calamine_value(v) for v in values]
            if errors or no_cache:
                for c in range(1, len(values) + 1):
                    if (r, c) in errors:
                        values[c - 1] = ExcelError(errors[(r, c)])
                    elif (r, c) in no_cache and values[c - 1] is None:
                        values[c - 1] = ExcelError("")
            values = _trim(values)
            if not values or _is_blank(values):
                continue
            for j, v in enumerate(values):
                if type(v) is str and "#" in v and v.strip() in EXCEL_ERRORS:
                    values[j] = ExcelError(v.strip())
            raw.rows[r] = values
            if len(raw.rows) > row_cap:
                break
        raw.percent_cells = {rc for rc in percent
                             if isinstance(raw.get(*rc), (int, float)) and not isinstance(raw.get(*rc), bool)}
        raw.formula_no_cache = {rc for rc in no_cache if isinstance(raw.get(*rc), ExcelError)}
        for (r0, c0), (r1, c1) in merged:
            for r in range(r0 + 1, r1 + 2):
                for c in range(c0 + 1, min(c1 + 1, MAX_COLUMNS) + 1):
                    if (r, c) != (r0 + 1, c0 + 1):
                        raw.merged[(r, c)] = (r0 + 1, c0 + 1)
        sheets.append(raw)
    return sheets


def _load_xlsx(data: bytes, row_cap: int, engine: str = "calamine") -> list[RawSheet]:
    """The sheets of an xlsx/xlsm: through calamine, or openpyxl where calamine does not fit."""
    if engine == "calamine":
        try:
            return _load_xlsx_calamine(data, row_cap)
        except _UseOpenpyxl:
            pass
    return _load_xlsx_openpyxl(data, row_cap)


def _load_xls(data: bytes, row_cap: int) -> list[RawSheet]:
    try:
        try:
            book = xlrd.open_workbook(file_contents=data, formatting_info=True, logfile=io.StringIO())
        except NotImplementedError:
            book = xlrd.open_workbook(file_contents=data, logfile=io.StringIO())
    except xlrd.biffh.XLRDError as exc:
        if "encrypt" in str(exc).lower():
            raise FileProblem("文件设置了密码保护，请取消密码后重新上传。") from exc
        raise FileProblem("文件已损坏，无法作为.xls文件打开。请用Excel打开后“另存为”.xlsx格式再上传。") from exc
    except Exception as exc:
        raise FileProblem("文件已损坏，无法作为.xls文件打开。请用Excel打开后“另存为”.xlsx格式再上传。") from exc

    epoch = dt.date(1904, 1, 1) if book.datemode == 1 else EXCEL_EPOCH_1900
    sheets = []
    for sh in book.sheets():
        raw = RawSheet(name=sh.name, rows={}, hidden=bool(sh.visibility), epoch=epoch)
        for rlo, rhi, clo, chi in getattr(sh, "merged_cells", []) or []:
            for r in range(rlo, rhi):
                for c in range(clo, min(chi, MAX_COLUMNS)):
                    if (r, c) != (rlo, clo):
                        raw.merged[(r + 1, c + 1)] = (rlo + 1, clo + 1)
        for rx in range(sh.nrows):
            values = []
            for cx in range(min(sh.ncols, MAX_COLUMNS)):
                cell = sh.cell(rx, cx)
                t, v = cell.ctype, cell.value
                if t in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    v = None
                elif t == xlrd.XL_CELL_DATE:
                    try:
                        v = xlrd.xldate.xldate_as_datetime(v, book.datemode)
                    except Exception:
                        pass  # left as a number; parse_date decides
                elif t == xlrd.XL_CELL_BOOLEAN:
                    v = bool(v)
                elif t == xlrd.XL_CELL_ERROR:
                    v = ExcelError(xlrd.error_text_from_code.get(v, "#ERROR"))
                elif t == xlrd.XL_CELL_NUMBER and book.formatting_info:
                    try:
                        xf = book.xf_list[cell.xf_index]
                        fmt = book.format_map[xf.format_key].format_str
                        if "%" in fmt:
                            raw.percent_cells.add((rx + 1, cx + 1))
                    except (IndexError, KeyError, AttributeError):
                        pass
                values.append(v)
            values = _trim(values)
            if values and not _is_blank(values):
                raw.rows[rx + 1] = values
                if len(raw.rows) > row_cap:
                    break
        sheets.append(raw)
    return sheets


def _decode_text(data: bytes) -> tuple[str, str]:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        label = enc
        if enc == "utf-8-sig" and not data.startswith(codecs.BOM_UTF8):
            label = "utf-8"
        return text, label
    raise FileProblem("无法识别CSV文件的文字编码（既不是UTF-8也不是GBK/GB18030）。"
                       "请用Excel打开后“另存为”.xlsx格式，或另存为“CSV UTF-8”后再上传。")


def _load_csv(data: bytes, filename: str, row_cap: int) -> tuple[list[RawSheet], str]:
    text, encoding = _decode_text(data)
    if "\x00" in text:
        raise FileProblem("文件内容不是表格（包含二进制数据）。请上传Excel（.xlsx/.xls）或CSV文件。")
    head = text[:20000].splitlines()[:SNIFF_LINES]
    delimiter = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in head))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    raw = RawSheet(name=filename, rows={}, is_csv=True)
    try:
        for i, rec in enumerate(reader, start=1):
            values = _trim([v if v.strip() else None for v in rec[:MAX_COLUMNS]])
            if values and not _is_blank(values):
                raw.rows[i] = values
                if len(raw.rows) > row_cap:
                    break
    except csv.Error as exc:
        raise FileProblem(f"CSV文件格式有误（{exc}）。请用Excel打开后另存为.xlsx再上传。") from exc
    return [raw], encoding


# --------------------------------------------------------------------------
# Format detection
# --------------------------------------------------------------------------

_NOT_SPREADSHEET = "请上传Excel（.xlsx、.xlsm、.xls）或CSV文件。"


def _ole_stream_names(data: bytes) -> set[str]:
    try:
        doc = compdoc.CompDoc(data, logfile=io.StringIO())
        return {d.name for d in doc.dirlist}
    except Exception:
        names = set()
        for n in ("EncryptionInfo", "EncryptedPackage", "Workbook", "Book", "WordDocument"):
            if n.encode("utf-16-le") in data:
                names.add(n)
        return names


def detect_format(data: bytes, filename: str) -> str:
    """Return 'xlsx', 'xlsm', 'xls' or 'csv'; raise FileProblem otherwise."""
    ext = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    head = data[:8]
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                ctypes = zf.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
                mimetype = zf.read("mimetype") if "mimetype" in names else b""
        except (zipfile.BadZipFile, KeyError, OSError) as exc:
            raise FileProblem("文件已损坏（压缩包不完整），无法打开。请用Excel打开后另存为.xlsx再上传。") from exc
        if "xl/workbook.xml" in names or any(n.endswith("workbook.xml") and n.startswith("xl/") for n in names):
            if "xl/vbaProject.bin" in names or b"macroEnabled" in ctypes or ext == "xlsm":
                return "xlsm"
            return "xlsx"
        if b"opendocument.spreadsheet" in mimetype:
            raise FileProblem("这是WPS/LibreOffice的.ods表格，系统不能直接读取。请另存为.xlsx格式后再上传。")
        if "word/document.xml" in names:
            raise FileProblem("这是Word文档（.docx），不是表格。" + _NOT_SPREADSHEET)
        if any(n.startswith("ppt/") for n in names):
            raise FileProblem("这是PowerPoint文件，不是表格。" + _NOT_SPREADSHEET)
        raise FileProblem("这是一个压缩包（.zip），不是Excel表格。" + _NOT_SPREADSHEET)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        streams = _ole_stream_names(data)
        if "EncryptionInfo" in streams or "EncryptedPackage" in streams:
            raise FileProblem("文件设置了密码保护，请取消密码后重新上传。")
        if "Workbook" in streams or "Book" in streams:
            return "xls"
        if "WordDocument" in streams:
            raise FileProblem("这是Word文档（.doc），不是表格。" + _NOT_SPREADSHEET)
        raise FileProblem("这是Office文件，但不是Excel表格。" + _NOT_SPREADSHEET)
    if head.startswith(b"%PDF"):
        raise FileProblem("这是PDF文件，系统无法从PDF中读取表格。" + _NOT_SPREADSHEET)
    if head.startswith(b"\x89PNG") or head.startswith(b"\xff\xd8\xff") or head[:4] in (b"GIF8", b"RIFF") \
            or head.startswith(b"BM"):
        raise FileProblem("这是图片文件，系统无法从图片中读取表格。" + _NOT_SPREADSHEET)
    sample = data[:4096].lstrip(codecs.BOM_UTF8).lstrip().lower()
    if sample.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise FileProblem("这个文件实际上是网页（HTML/XML）格式，只是扩展名像Excel。"
                           "请用Excel打开后“另存为”.xlsx格式再上传。")
    if b"\x00" in data[:4096]:
        raise FileProblem("文件内容无法识别，不是表格文件。" + _NOT_SPREADSHEET)
    return "csv"


def load(data: bytes, fmt: str, filename: str, row_cap: int, engine: str = "calamine"
         ) -> tuple[list[RawSheet], str | None]:
    """The sheets of a file of format `fmt` (from detect_format) and, for a CSV, its encoding;
    at most about `row_cap` rows a sheet. `engine` "openpyxl" skips calamine for xlsx (the
    benchmark compares the two). Raises FileProblem."""
    if fmt in ("xlsx", "xlsm"):
        return _load_xlsx(data, row_cap, engine), None
    if fmt == "xls":
        return _load_xls(data, row_cap), None
    return _load_csv(data, filename, row_cap)
