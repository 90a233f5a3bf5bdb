"""Spreadsheet files: what format a file really is, and its sheets as rows of cell values.

`load` tells xlsx/xlsm, xls and CSV apart by content (not by extension), refuses what is
not a table (Word, PDF, images, HTML saved as .xls, encrypted or corrupt files) with a
Chinese sentence (`FileProblem`), and returns every sheet as a `RawSheet`: non-blank rows
by their Excel row number, merged ranges, cells formatted as percent, formulas saved
without a result, and the workbook's date epoch. CSV is read as UTF-8 or GB18030 with
the delimiter guessed from the first lines.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import warnings
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterable

import openpyxl
import xlrd
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

    def get(self, r: int, c: int) -> Any:
        row = self.rows.get(r)
        if row is None or c - 1 >= len(row):
            return None
        return row[c - 1]

    def get_filled(self, r: int, c: int) -> Any:
        src = self.merged.get((r, c))
        return self.get(*src) if src else self.get(r, c)

    def width(self) -> int:
        return max((len(v) for v in self.rows.values()), default=0)

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
    return all(cell_text(v) is None for v in values)


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


def _load_xlsx(data: bytes, row_cap: int) -> list[RawSheet]:
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


def load(data: bytes, fmt: str, filename: str, row_cap: int) -> tuple[list[RawSheet], str | None]:
    """The sheets of a file of format `fmt` (from detect_format) and, for a CSV, its encoding;
    at most about `row_cap` rows a sheet. Raises FileProblem."""
    if fmt in ("xlsx", "xlsm"):
        return _load_xlsx(data, row_cap), None
    if fmt == "xls":
        return _load_xls(data, row_cap), None
    return _load_csv(data, filename, row_cap)
