"""Spreadsheet files: what format a file really is, and its sheets as rows of cell values.

`load` tells xlsx/xlsm, xls and CSV apart by content (not by extension), refuses what is
not a table (Word, PDF, images, HTML saved as .xls, encrypted or corrupt files) with a
Chinese sentence (`FileProblem`), and returns every sheet as a `RawSheet`: non-blank rows
by their Excel row number, merged ranges, cells formatted as percent, formulas saved
without a result, and the workbook's date epoch. CSV is read as UTF-8, UTF-16 (Excel's
"Unicode 文本", with or without a byte-order mark), GB18030 or Big5 (told from GBK by which
reading gives common characters, and turned into simplified characters), with the delimiter
guessed from the first lines.

Every read stays within fixed bounds (the MAX_* constants below), each checked before the
cost it guards against is paid and refused with a sentence naming it: an xlsx's directory
(members, declared sizes) before anything is inflated; then every member inflated once, a
piece at a time, counting what it really holds (a directory may understate); the grid a
reader would build; the cells, columns holding a value, characters of a cell and of all
text cells, merged ranges; and the time of the whole read (`Budget`).

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
import struct
import time
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterable

import openpyxl
import xlrd
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from xlrd import compdoc

from lib.uploads.values import EXCEL_EPOCH_1900, EXCEL_ERRORS, ExcelError, cell_text

SNIFF_LINES = 20  # lines of a CSV looked at to guess its delimiter (the header lies in the first 15)

# The fixed bounds of reading one upload (issue 13). Each is checked while the file is read, before
# the cost it guards against is paid, and a file past one is refused with a sentence naming it.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # an xlsx's members together, inflated (the upload limit is compressed)
MAX_ZIP_MEMBERS = 10_000  # an xlsx has a dozen; a zip of thousands of members is not a workbook
MAX_CELLS = 3_000_000  # cells of a workbook (50,000 rows of 60 columns), written or spanned by a sheet's grid
MAX_COLUMNS = 256  # columns of a row that may hold a value
MAX_CELL_CHARS = 32_767  # characters of one cell: Excel's own limit
# characters of all text cells of a workbook together: one long shared string referenced by every
# cell would otherwise become a copy per cell (in calamine, and in every reader of the rows)
MAX_TEXT_CHARS = 40_000_000
MAX_MERGED_RANGES = 100_000  # merged ranges of a sheet
MAX_READ_SECONDS = 20.0  # reading one file, from its bytes to the rows of every sheet
# Bytes of an xlsx member between two tags: one cell's text at most (32,767 characters, escaped), never more.
MAX_TEXT_RUN = 256 * 1024
_PIECE = MAX_TEXT_RUN  # inflated a piece at a time; a longer run of text always spans two pieces


@dataclass
class RawSheet:
    """One sheet (or a CSV file) as read: values by Excel row and column number, both 1-based."""

    name: str
    rows: dict[int, list[Any]]  # 1-based row number -> values (non-blank rows only)
    hidden: bool = False
    percent_cells: set[tuple[int, int]] = field(default_factory=set)  # (row, col) 1-based
    formula_no_cache: set[tuple[int, int]] = field(default_factory=set)
    merged: dict[tuple[int, int], tuple[int, int]] = field(default_factory=dict)  # covered -> top-left
    # top-left -> (min_row, min_col, max_row, max_col) of its merged range, as the file says it
    merge_ranges: dict[tuple[int, int], tuple[int, int, int, int]] = field(default_factory=dict, compare=False)
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


    def merge_ref(self, r: int, c: int) -> str | None:
        """The merged range a cell lies in, as Excel names it (D5:D10), or None."""
        top = self.merged.get((r, c)) or ((r, c) if (r, c) in self.merge_ranges else None)
        box = self.merge_ranges.get(top) if top else None
        if box is None:
            return None
        r0, c0, r1, c1 = box
        return f"{column_letter(c0)}{r0}:{column_letter(c1)}{r1}"


class FileProblem(Exception):
    """A file-level problem with a Chinese message (caught in read_workbook)."""


class Budget:
    """The time one read may take (MAX_READ_SECONDS), checked by every loop over rows or pieces."""

    def __init__(self, seconds: float | None = None):
        self.seconds = MAX_READ_SECONDS if seconds is None else seconds
        self.until = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() > self.until:
            raise FileProblem(f"读取文件超过了 {self.seconds:g} 秒的上限，已停止读取。"
                              "请删除无关的工作表、空白行列和格式，或分批上传。")


def _too_many_cells(where: str) -> FileProblem:
    return FileProblem(f"{where}的单元格超过 {MAX_CELLS:,} 个的上限（包括只设置了格式的空白单元格）。"
                       "请删除多余的行列，或分批上传。")


def _too_long(where: str, r: int | None = None, c: int | None = None) -> FileProblem:
    at = f"第{r}行{column_letter(c)}列" if r and c else ""
    return FileProblem(f"{where}{at}的单元格内容超过 {MAX_CELL_CHARS:,} 个字符（Excel单元格的上限）。"
                       "请精简该单元格后重新上传。")


def _too_wide(where: str, r: int, c: int) -> FileProblem:
    return FileProblem(f"{where}第{r}行第{c}列（{column_letter(c)}列）有内容，超过了每行最多 {MAX_COLUMNS} 列的上限。"
                       "请删除多余的列后重新上传。")


class _TextTally:
    """The characters of the text cells read so far, against MAX_TEXT_CHARS."""

    def __init__(self) -> None:
        self.chars = 0

    def add(self, where: str, n: int) -> None:
        self.chars += n
        if self.chars > MAX_TEXT_CHARS:
            raise _too_much_text(where)


def _too_much_text(where: str) -> FileProblem:
    return FileProblem(f"{where}的文字内容合计超过 {MAX_TEXT_CHARS:,} 个字符的上限（例如同一段长文字被大量单元格引用）。"
                       "请删除重复的长文字或无关内容，或分批上传。")


def _check_row(where: str, r: int, row: list[Any] | tuple) -> None:
    """A row as read, before it is cut to MAX_COLUMNS: no value beyond that column, no over-long text."""
    for c, v in enumerate(row, start=1):
        if type(v) is str:
            if len(v) > MAX_CELL_CHARS:
                raise _too_long(where, r, c)
            if c > MAX_COLUMNS and v.strip():
                raise _too_wide(where, r, c)
        elif c > MAX_COLUMNS and v is not None and not isinstance(v, ExcelError):
            raise _too_wide(where, r, c)


def _add_merges(raw: RawSheet, ranges: Iterable[tuple[int, int, int, int]]) -> None:
    """Merged ranges (min_row, min_col, max_row, max_col), 1-based, into raw.merged: each cell a
    range covers, clipped to the sheet's last row and MAX_COLUMNS (a range over a whole sheet
    would otherwise be a million entries)."""
    ranges = list(ranges)
    if len(ranges) > MAX_MERGED_RANGES:
        raise FileProblem(f"{raw.where()}的合并单元格区域超过 {MAX_MERGED_RANGES:,} 个的上限。请取消多余的合并后重新上传。")
    last = max(raw.rows, default=0)
    spanned = 0
    for r0, c0, r1, c1 in ranges:
        raw.merge_ranges[(r0, c0)] = (r0, c0, r1, c1)
        rows, cols = range(r0, min(r1, last) + 1), range(c0, min(c1, MAX_COLUMNS) + 1)
        spanned += len(rows) * len(cols)
        if spanned > MAX_CELLS:
            raise _too_many_cells(raw.where())
        for r in rows:
            for c in cols:
                if (r, c) != (r0, c0):
                    raw.merged[(r, c)] = (r0, c0)


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


def _merges_within_bounds(xml: bytes, where: str) -> None:
    if xml.count(b"mergeCell ") > MAX_MERGED_RANGES:  # before any reader makes an object of each
        raise FileProblem(f"{where}的合并单元格区域超过 {MAX_MERGED_RANGES:,} 个的上限。请取消多余的合并后重新上传。")


def _xlsx_merges(xml: bytes, where: str = "工作表") -> list[tuple[int, int, int, int]]:
    """Merged ranges (min_col, min_row, max_col, max_row) from a sheet's XML:
    read-only openpyxl does not expose them."""
    _merges_within_bounds(xml, where)
    out = []
    for ref in re.findall(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"', xml):
        try:
            out.append(range_boundaries(ref.decode()))
        except ValueError:
            continue
    return out


def _load_xlsx_openpyxl(data: bytes, row_cap: int, budget: Budget | None = None) -> list[RawSheet]:
    budget = budget or Budget()

    def open_book(data_only: bool) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=data_only, keep_vba=False)

    def cells(ws: Any) -> Iterable[tuple[int, list[Any]]]:
        """(row number, cells) of non-empty rows, at most row_cap of them."""
        n = 0
        ws.reset_dimensions()  # some generators write a wrong <dimension ref="A1"/>; read what is there
        for row in ws.iter_rows():
            if not n & 255:
                budget.check()
            r = next((c.row for c in row if getattr(c, "row", None)), None)
            if r is None:
                continue
            if len(row) > MAX_COLUMNS:
                _check_row(f"工作表「{ws.title}」", r, [getattr(c, "value", None) for c in row])
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
    except FileProblem:
        raise
    except Exception as exc:  # corrupt files raise anything from zipfile/xml/openpyxl
        raise FileProblem("文件已损坏，无法作为Excel文件打开。请用Excel打开后“另存为”.xlsx格式再上传。") from exc

    sheets = []
    tally = _TextTally()
    for title, hidden, grid in books:
        raw = RawSheet(name=title, rows={}, hidden=hidden, epoch=epoch)
        where = raw.where()
        fcells = formula_cells.get(title, set())
        for r, row in grid:
            values = []
            for col, (v, data_type, number_format) in enumerate(row, start=1):
                if data_type == "e" and isinstance(v, str):
                    v = ExcelError(v)
                elif isinstance(v, str) and v.strip() in EXCEL_ERRORS:
                    v = ExcelError(v.strip())
                elif isinstance(v, str):
                    if len(v) > MAX_CELL_CHARS:
                        raise _too_long(where, r, col)
                    tally.add(where, len(v))
                if v is None and (r, col) in fcells:
                    raw.formula_no_cache.add((r, col))
                    v = ExcelError("")
                if isinstance(v, (int, float)) and not isinstance(v, bool) and "%" in (number_format or ""):
                    raw.percent_cells.add((r, col))
                values.append(v)
            values = _trim(values)
            if values and not _is_blank(values):
                raw.rows[r] = values
        _add_merges(raw, ((min_row, min_col, max_row, max_col) for min_col, min_row, max_col, max_row
                          in _xlsx_merges(sheet_xml.get(title, b""), where)))
        sheets.append(raw)
    return sheets


# --- an xlsx's members, measured before anything reads them ---------------------------------------

_TOO_BIG = (f"文件解压后超过 {MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB 的上限（Excel文件是压缩包，这个文件"
            "解压后的内容异常庞大）。请删除无关的工作表、格式和图片，或分批上传。")
_CORRUPT_ZIP = "文件已损坏（压缩包中的内容与其目录不符），无法打开。请用Excel打开后另存为.xlsx再上传。"


def _zip_directory(data: bytes) -> zipfile.ZipFile:
    """The zip's directory, once its number of members and their declared sizes are within bounds
    (a member read through zipfile never inflates past its declared size)."""
    eocd = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))
    if eocd >= 0 and len(data) >= eocd + 22:
        entries = struct.unpack("<H", data[eocd + 10:eocd + 12])[0]
        if entries > MAX_ZIP_MEMBERS:  # before zipfile makes an object of each
            raise FileProblem(f"压缩包中有 {entries:,} 个文件，超过 {MAX_ZIP_MEMBERS:,} 个的上限，不是正常的Excel文件。"
                              "请用Excel打开后另存为.xlsx再上传。")
    zf = zipfile.ZipFile(io.BytesIO(data))
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise FileProblem(f"压缩包中有 {len(infos):,} 个文件，超过 {MAX_ZIP_MEMBERS:,} 个的上限，不是正常的Excel文件。"
                          "请用Excel打开后另存为.xlsx再上传。")
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise FileProblem(_TOO_BIG)
    return zf


def _member_bytes(data: bytes, info: zipfile.ZipInfo) -> memoryview:
    """A member's compressed bytes, found through its local header."""
    off = info.header_offset
    if data[off:off + 4] != b"PK\x03\x04":
        raise FileProblem(_CORRUPT_ZIP)
    name_len, extra_len = struct.unpack("<HH", data[off + 26:off + 30])
    start = off + 30 + name_len + extra_len
    if start + info.compress_size > len(data):
        raise FileProblem(_CORRUPT_ZIP)
    return memoryview(data)[start:start + info.compress_size]


def _inflate_all(data: bytes, zf: zipfile.ZipFile, budget: Budget) -> None:
    """Inflate every member once, a piece at a time, and keep nothing: refuse the file as soon as
    the members together pass MAX_UNCOMPRESSED_BYTES (whatever sizes the directory declares: other
    readers, calamine among them, inflate to the end of the stream), a sheet writes more than
    MAX_CELLS cells, or a member holds more than MAX_TEXT_RUN bytes between two tags (a cell far
    past Excel's 32,767 characters, or a flood of whitespace)."""
    total = cells = 0
    for info in zf.infolist():
        if info.is_dir() or info.file_size == 0 and info.compress_size == 0:
            continue
        raw = _member_bytes(data, info)
        sheet = info.filename.startswith("xl/worksheets/")
        run = 0  # bytes since the last '<'
        size = 0
        if info.compress_type == zipfile.ZIP_STORED:
            pieces: Iterable[bytes] = (bytes(raw[i:i + _PIECE]) for i in range(0, len(raw), _PIECE))
            inflater = None
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            inflater = zlib.decompressobj(-15)
            pieces = _inflated(inflater, raw)
        else:
            raise FileProblem("文件使用了Excel不会使用的压缩方式，无法读取。请用Excel打开后另存为.xlsx再上传。")
        try:
            for piece in pieces:
                size += len(piece)
                total += len(piece)
                if total > MAX_UNCOMPRESSED_BYTES:
                    raise FileProblem(_TOO_BIG)
                first = piece.find(b"<")
                if first < 0:
                    run += len(piece)
                else:
                    run += first
                if run > MAX_TEXT_RUN:
                    raise FileProblem(_long_run(zf, info, piece[:first] if first >= 0 else piece))
                if first >= 0:
                    run = len(piece) - 1 - piece.rfind(b"<")
                if sheet:
                    cells += piece.count(b"<c ") + piece.count(b"<c>") + piece.count(b":c ")
                    if cells > MAX_CELLS:
                        raise _too_many_cells(_sheet_name(zf, info.filename))
                budget.check()
        except zlib.error as exc:
            raise FileProblem(_CORRUPT_ZIP) from exc
        if inflater is not None and not inflater.eof or size != info.file_size:
            raise FileProblem(_CORRUPT_ZIP)


def _inflated(inflater: Any, raw: memoryview) -> Iterable[bytes]:
    for i in range(0, len(raw), 64 * 1024):
        chunk = raw[i:i + 64 * 1024]
        while chunk:
            out = inflater.decompress(chunk, _PIECE)
            if out:
                yield out
            chunk = inflater.unconsumed_tail
            if inflater.eof:
                return


def _sheet_name(zf: zipfile.ZipFile, path: str) -> str:
    try:
        names = {v: k for k, v in _sheet_paths(zf).items()}
    except Exception:  # the workbook part itself is what is wrong: say "a sheet"
        names = {}
    return f"工作表「{names[path]}」" if path in names else "工作表"


def _long_run(zf: zipfile.ZipFile, info: zipfile.ZipInfo, piece: bytes) -> str:
    if not piece.strip():
        return (f"文件中有连续超过 {MAX_TEXT_RUN // 1024} KB 的空白字符，超过了读取的上限（Excel保存的文件不会有）。"
                "请用Excel打开后另存为.xlsx再上传。")
    where = _sheet_name(zf, info.filename) if info.filename.startswith("xl/worksheets/") else "文件"
    return str(_too_long(where))


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


def _shared_string_sizes(zf: zipfile.ZipFile) -> list[int]:
    """The size in bytes of each shared string (xl/sharedStrings.xml), in order."""
    name = next((n for n in zf.namelist() if n.lower().endswith("sharedstrings.xml")), None)
    if name is None:
        return []
    xml = zf.read(name)
    pieces = re.split(rb"<(?:\w+:)?si\b", xml)
    return [len(p) for p in pieces[1:]]


def _shared_text_within_bounds(xml: bytes, shared: list[int], where: str) -> None:
    """A sheet's shared-string cells, each a copy of its string once read, within MAX_TEXT_CHARS
    (counted in bytes of XML, an upper bound of the characters): cheap unless the bound is near."""
    if not shared:
        return
    refs = xml.count(b't="s"')
    if refs * max(shared) <= MAX_TEXT_CHARS:
        return
    total = 0
    for m in re.finditer(rb'<(?:\w+:)?c\b[^>]*\bt="s"[^>]*>\s*<(?:\w+:)?v>([0-9]+)<', xml):
        k = int(m.group(1))
        total += shared[k] if k < len(shared) else 0
        if total > MAX_TEXT_CHARS:
            raise _too_much_text(where)


def _calamine_value(v: Any) -> Any:
    if v == "":
        return None
    if isinstance(v, dt.timedelta):  # a duration cell ([h]:mm): its Excel number
        return v.total_seconds() / 86400
    return v


_ANY_TWO_LETTER_REF = re.compile(rb' r="[A-Z]{2}[0-9]')
_TWO_LETTER_REFS = re.compile(rb' r="([A-Z]{2})[0-9]')


def _grid_width(xml: bytes, last_row: int) -> int:
    """At least the widest column a sheet writes (calamine's grid is last row × widest column):
    exact where it matters, cheap for the usual narrow sheet."""
    if last_row * 702 <= MAX_CELLS:
        return 702
    if not _ANY_TWO_LETTER_REF.search(xml):
        return 26
    return max(_col_number(c) for c in set(_TWO_LETTER_REFS.findall(xml)))


def _load_xlsx_calamine(data: bytes, row_cap: int, budget: Budget | None = None) -> list[RawSheet]:
    budget = budget or Budget()
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
    shared: list[int] | None = None
    tally = _TextTally()
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
        if last_row * _grid_width(xml, last_row) > MAX_CELLS:
            raise _UseOpenpyxl  # a sparse sheet whose grid would be huge: openpyxl streams what is written
        _merges_within_bounds(xml, f"工作表「{meta.name}」")
        if shared is None:
            shared = _shared_string_sizes(zf)
        _shared_text_within_bounds(xml, shared, f"工作表「{meta.name}」")
        percent, errors, no_cache = _scan_sheet_xml(xml, percent_styles)
        del xml
        try:
            sheet = book.get_sheet_by_index(i)
            grid = sheet.to_python(skip_empty_area=False)
            merged = sheet.merged_cell_ranges or []
        except Exception as exc:
            raise _UseOpenpyxl from exc
        raw = RawSheet(name=meta.name, rows={}, hidden=meta.visible != SheetVisibleEnum.Visible, epoch=epoch,
                       formula_no_cache=no_cache)
        where = raw.where()
        for r, row in enumerate(grid, start=1):
            if not r & 1023:
                budget.check()
            if len(row) > MAX_COLUMNS:
                _check_row(where, r, row)
                row = row[:MAX_COLUMNS]
            # whole numbers as int, as openpyxl gives them (236, not 236.0), for every reader of RawSheet
            values = [None if v == "" else (int(v) if v.__class__ is float and v.is_integer() else v)
                      for v in row]
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
            chars = 0
            for j, v in enumerate(values):
                if type(v) is str:
                    n = len(v)
                    if n > MAX_CELL_CHARS:
                        raise _too_long(where, r, j + 1)
                    chars += n
                    if "#" in v and v.strip() in EXCEL_ERRORS:
                        values[j] = ExcelError(v.strip())
            tally.add(where, chars)
            raw.rows[r] = values
            if len(raw.rows) > row_cap:
                break
        del grid
        raw.percent_cells = {rc for rc in percent
                             if isinstance(raw.get(*rc), (int, float)) and not isinstance(raw.get(*rc), bool)}
        raw.formula_no_cache = {rc for rc in no_cache if isinstance(raw.get(*rc), ExcelError)}
        _add_merges(raw, ((r0 + 1, c0 + 1, r1 + 1, c1 + 1) for (r0, c0), (r1, c1) in merged))
        sheets.append(raw)
    return sheets


def _load_xlsx(data: bytes, row_cap: int, engine: str = "calamine", budget: Budget | None = None) -> list[RawSheet]:
    """The sheets of an xlsx/xlsm: through calamine, or openpyxl where calamine does not fit; every
    member measured first (_inflate_all), so neither reader meets a bomb."""
    budget = budget or Budget()
    try:
        zf = _zip_directory(data)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise FileProblem("文件已损坏，无法作为Excel文件打开。请用Excel打开后“另存为”.xlsx格式再上传。") from exc
    _inflate_all(data, zf, budget)
    if engine == "calamine":
        try:
            return _load_xlsx_calamine(data, row_cap, budget)
        except _UseOpenpyxl:
            pass
    return _load_xlsx_openpyxl(data, row_cap, budget)


def _load_xls(data: bytes, row_cap: int, budget: Budget | None = None) -> list[RawSheet]:
    budget = budget or Budget()
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
    cells = 0
    tally = _TextTally()
    for sh in book.sheets():
        raw = RawSheet(name=sh.name, rows={}, hidden=bool(sh.visibility), epoch=epoch)
        cells += sh.nrows * min(sh.ncols, MAX_COLUMNS)
        if cells > MAX_CELLS:
            raise _too_many_cells(raw.where())
        for rx in range(sh.nrows):
            if not rx & 1023:
                budget.check()
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
                elif t == xlrd.XL_CELL_TEXT:
                    if len(v) > MAX_CELL_CHARS:
                        raise _too_long(raw.where(), rx + 1, cx + 1)
                    tally.add(raw.where(), len(v))
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
        _add_merges(raw, ((rlo + 1, clo + 1, rhi, chi) for rlo, rhi, clo, chi in getattr(sh, "merged_cells", []) or []))
        sheets.append(raw)
    return sheets


_T2S = None  # opencc's traditional -> simplified converter, made on the first Big5 file


def _utf16(data: bytes) -> str | None:
    """The UTF-16 codec of a text file (Excel's "Unicode 文本"), by its byte-order mark or, without
    one, by the zero bytes every ASCII character (digits, tabs, commas, line ends) brings."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:4096]
    head = head[:len(head) - len(head) % 2]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    zero_even, zero_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if zero_odd >= 0.2 and zero_even < 0.02:
        return "utf-16-le"
    if zero_even >= 0.2 and zero_odd < 0.02:
        return "utf-16-be"
    return None


def _plausible(text: str, enc: str, lo: int, hi: int) -> float:
    """The share of a text's non-ASCII characters that are punctuation or frequent Han characters
    in `enc` (lead byte from `lo` to `hi`): near 1 for a text decoded with its own encoding, far
    lower for Big5 read as GBK (kana, private-use and rare characters) or the reverse."""
    n = ok = 0
    for ch in text:
        if ch < "\x80" or ch.isspace():
            continue
        n += 1
        try:
            b = ch.encode(enc)
        except UnicodeEncodeError:
            continue
        if len(b) == 2 and (0xA1 <= b[0] <= 0xA3 or lo <= b[0] <= hi):
            ok += 1
        if n >= 4000:
            break
    return ok / n if n else 1.0


def _decode_text(data: bytes) -> tuple[str, str]:
    """The text of a CSV and the name of its encoding: UTF-8 (with or without BOM), UTF-16 (with or
    without BOM), GBK/GB18030, or Big5 (told from GBK by which reading gives common characters;
    converted to simplified characters, as the templates' headers are written)."""
    enc16 = _utf16(data)
    if enc16:
        try:
            return data.decode(enc16), "utf-16"
        except UnicodeDecodeError as exc:
            raise FileProblem("文件像是UTF-16（Unicode 文本）编码，但内容不完整，无法读取。"
                              "请用Excel打开后“另存为”.xlsx格式再上传。") from exc
    try:
        return data.decode("utf-8-sig"), ("utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8")
    except UnicodeDecodeError:
        pass
    candidates = {}
    for enc in ("gb18030", "cp950"):
        try:
            candidates[enc] = data.decode(enc)
        except UnicodeDecodeError:
            continue
    if "cp950" in candidates and ("gb18030" not in candidates or _plausible(candidates["cp950"], "big5", 0xA4, 0xC6)
                                  > _plausible(candidates["gb18030"], "gb2312", 0xB0, 0xD7)):
        global _T2S
        if _T2S is None:
            import opencc
            _T2S = opencc.OpenCC("t2s")
        return _T2S.convert(candidates["cp950"]), "big5"
    if "gb18030" in candidates:
        return candidates["gb18030"], "gb18030"
    raise FileProblem("无法识别CSV文件的文字编码（不是UTF-8、UTF-16、GBK/GB18030或Big5）。"
                      "请用Excel打开后“另存为”.xlsx格式，或另存为“CSV UTF-8”后再上传。")


def _load_csv(data: bytes, filename: str, row_cap: int, budget: Budget | None = None
              ) -> tuple[list[RawSheet], str]:
    budget = budget or Budget()
    text, encoding = _decode_text(data)
    if "\x00" in text:
        raise FileProblem("文件内容不是表格（包含二进制数据）。请上传Excel（.xlsx/.xls）或CSV文件。")
    head = text[:20000].splitlines()[:SNIFF_LINES]
    delimiter = max((",", "\t", ";"), key=lambda d: sum(line.count(d) for line in head))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    raw = RawSheet(name=filename, rows={}, is_csv=True)
    where = raw.where()
    cells = 0
    try:
        for i, rec in enumerate(reader, start=1):
            if not i & 1023:
                budget.check()
            cells += len(rec)
            if cells > MAX_CELLS:
                raise _too_many_cells(where)
            if len(rec) > MAX_COLUMNS or (rec and max(map(len, rec)) > MAX_CELL_CHARS):
                _check_row(where, i, rec)
            values = _trim([v if v.strip() else None for v in rec[:MAX_COLUMNS]])
            if values and not _is_blank(values):
                raw.rows[i] = values
                if len(raw.rows) > row_cap:
                    break
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            raise _too_long(where) from exc
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
            with _zip_directory(data) as zf:
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
    if _utf16(data):
        return "csv"  # Excel's "Unicode 文本": tab-separated UTF-16
    if b"\x00" in data[:4096]:
        raise FileProblem("文件内容无法识别，不是表格文件。" + _NOT_SPREADSHEET)
    return "csv"


def load(data: bytes, fmt: str, filename: str, row_cap: int, engine: str = "calamine",
         budget: Budget | None = None) -> tuple[list[RawSheet], str | None]:
    """The sheets of a file of format `fmt` (from detect_format) and, for a CSV, its encoding;
    at most about `row_cap` rows a sheet, within the bounds above (`budget`: the time left).
    `engine` "openpyxl" skips calamine for xlsx (the benchmark compares the two). Raises FileProblem."""
    budget = budget or Budget()
    if fmt in ("xlsx", "xlsm"):
        return _load_xlsx(data, row_cap, engine, budget), None
    if fmt == "xls":
        return _load_xls(data, row_cap, budget), None
    return _load_csv(data, filename, row_cap, budget)
