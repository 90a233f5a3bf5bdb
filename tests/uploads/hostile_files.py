"""Hostile uploads, built in memory at test time and small as sent (issue 13, defect 2).

Each is a workbook a clerk's upload could be: a progress sheet of the demo's 城东区 with the
template's headers, plus one thing that used to exhaust the server (a cell that inflates to
400 MB, 1.5 GB of whitespace, 16,000 columns × 1,000 rows, a directory that understates a
member's size, a flood of merged ranges or zip members, a very long CSV field).

The zip is written by hand (`zip_bytes`) so that a member of gigabytes costs only its repeated
piece: a piece deflated after a full flush always deflates to the same bytes, so the piece's
compressed block is repeated instead of compressing the whole. bench/upload.py --hostile measures
the time and peak memory of reading each; tests/uploads/test_bounds.py checks each is refused
with a sentence naming its bound and leaves the store byte-identical.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from xml.sax.saxutils import escape

# (piece, times): a member's content, each piece repeated so many times
Parts = list[tuple[bytes, int]]

HEAD = ["项目编号", "小区名称", "当前阶段", "形象进度（%）"]


@dataclass
class Member:
    name: str
    parts: Parts
    declared_size: int | None = None  # what the directory says, when it lies


def _deflate(parts: Parts) -> tuple[bytes, int, int]:
    """(raw deflate stream, crc32, size) of the parts."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    out, crc, size = [], 0, 0
    for piece, times in parts:
        block = comp.compress(piece) + comp.flush(zlib.Z_FULL_FLUSH)
        out.append(block * times)
        for _ in range(times):
            crc = zlib.crc32(piece, crc)
        size += len(piece) * times
    out.append(comp.flush())
    return b"".join(out), crc, size


def zip_bytes(members: list[Member]) -> bytes:
    """A zip of deflated members, local headers then the central directory (no zip64: < 4 GB)."""
    body, central = [], []
    offset = 0
    for m in members:
        data, crc, size = _deflate(m.parts)
        declared = size if m.declared_size is None else m.declared_size
        name = m.name.encode()
        local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(data), declared,
                            len(name), 0) + name
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21, crc, len(data),
                                   declared, len(name), 0, 0, 0, 0, 0, offset) + name)
        body += [local, data]
        offset += len(local) + len(data)
    cd = b"".join(central)
    eocd = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, len(members), len(members), len(cd), offset, 0)
    return b"".join(body) + cd + eocd


_CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                  b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                  b'<Default Extension="xml" ContentType="application/xml"/>'
                  b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                  b'spreadsheetml.sheet.main+xml"/>'
                  b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
                  b'officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
         b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
         b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
         b'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             '<sheets><sheet name="进度" sheetId="1" r:id="rId1"/></sheets></workbook>').encode()
_WORKBOOK_RELS = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                  b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                  b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                  b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET_START = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
               b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')


def _cell(ref: str, value) -> str:
    if isinstance(value, (int, float)):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def rows_xml(rows: list[list], first_row: int = 1) -> bytes:
    out = []
    for r, row in enumerate(rows, start=first_row):
        cells = "".join(_cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(row) if v is not None)
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out).encode()


def workbook(sheet_parts: Parts, extra: list[Member] | None = None, declared_size: int | None = None,
             shared: list[str] | None = None) -> bytes:
    """An xlsx whose one sheet (进度) is `sheet_parts`; `shared`: its shared strings."""
    types, rels, members = _CONTENT_TYPES, _WORKBOOK_RELS, []
    if shared is not None:
        types = types.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                              b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        rels = rels.replace(b"</Relationships>", b'<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/'
                            b'officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
                            b"</Relationships>")
        sst = "".join(f"<si><t>{escape(t)}</t></si>" for t in shared)
        members.append(Member("xl/sharedStrings.xml", [(
            (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/'
             f'spreadsheetml/2006/main" count="{len(shared)}" uniqueCount="{len(shared)}">{sst}</sst>').encode(), 1)]))
    return zip_bytes([Member("[Content_Types].xml", [(types, 1)]), Member("_rels/.rels", [(_RELS, 1)]),
                      Member("xl/workbook.xml", [(_WORKBOOK, 1)]),
                      Member("xl/_rels/workbook.xml.rels", [(rels, 1)]),
                      Member("xl/worksheets/sheet1.xml", sheet_parts, declared_size), *members, *(extra or [])])


def progress_sheet(rows: list[list], *, middle: Parts = (), tail: bytes = b"") -> Parts:
    """A progress sheet: the header, `rows`, then `middle` (the hostile part) inside sheetData."""
    return [(SHEET_START + rows_xml([HEAD] + rows), 1), *middle, (b"</sheetData>" + tail + b"</worksheet>", 1)]


MB = 1024 * 1024


def bomb_cell(rows: list[list], mb: int = 400) -> bytes:
    """One cell whose text inflates to `mb` MB (the .xlsx is about 1 KB a MB)."""
    r = len(rows) + 2
    return workbook(progress_sheet(rows, middle=[(f'<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>'.encode(), 1),
                                                 (b"A" * MB, mb), (b"</t></is></c></row>", 1)]))


def whitespace_run(rows: list[list], mb: int = 1536) -> bytes:
    """`mb` MB of whitespace in one run between two rows (1.5 GB: about 1.5 MB sent)."""
    return workbook(progress_sheet(rows, middle=[(b" " * MB, mb)]))


def whitespace_spread(rows: list[list]) -> bytes:
    """1.5 GB of whitespace in runs of 100 KB between empty comments: no run is long, the whole is."""
    return workbook(progress_sheet(rows, middle=[(b" " * 100_000 + b"<!---->", 16_000)]))


def understated_size(rows: list[list]) -> bytes:
    """A sheet of 300 MB whose directory says 2 KB (readers that trust the directory stop early;
    readers that inflate to the end of the stream do not)."""
    return workbook(progress_sheet(rows, middle=[(b" " * 1000 + b"<!---->", 300_000)]), declared_size=2048)


def wide(columns: int = 16_000, rows: int = 1_000) -> bytes:
    """16,000 columns × 1,000 rows of numbers (cells without references: Excel allows them)."""
    row = b"<row>" + b"<c><v>1</v></c>" * columns + b"</row>"
    return workbook(progress_sheet([], middle=[(row, rows)]))


def shared_text(rows: list[list], refs: int = 40_000) -> bytes:
    """One shared string of 30,000 characters referenced by `refs` cells (rows of 2): read as a copy a
    cell, 1.2 billion characters from a file of about 1 MB."""
    r0 = len(rows) + 2
    row = b"".join(b'<row r="%d"><c r="B%d" t="s"><v>0</v></c><c r="E%d" t="s"><v>0</v></c></row>' % (r, r, r)
                   for r in range(r0, r0 + refs // 2))
    return workbook(progress_sheet(rows, middle=[(row, 1)]), shared=["长" * 30_000])


def value_past_the_last_column(rows: list[list]) -> bytes:
    """A value in column 300 (KN) of a data row: past the 256 columns read."""
    r = len(rows) + 2
    return workbook(progress_sheet(rows, middle=[(f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>x</t></is></c>'
                                                  f'<c r="KN{r}"><v>1</v></c></row>'.encode(), 1)]))


def merge_flood(rows: list[list]) -> bytes:
    """200,000 merged ranges after the data (and one over the whole sheet)."""
    merges = b"".join(b'<mergeCell ref="A%d:B%d"/>' % (r, r) for r in range(2000, 2100))
    tail = (b'<mergeCells count="200001"><mergeCell ref="A1:XFD1048576"/>', 1), (merges, 2000), (b"</mergeCells>", 1)
    head = progress_sheet(rows)
    return workbook([*head[:-1], (b"</sheetData>", 1), *tail, (b"</worksheet>", 1)])


def many_members(rows: list[list]) -> bytes:
    """A workbook with 20,000 extra members in its zip."""
    return workbook(progress_sheet(rows), extra=[Member(f"xl/media/x{i}.bin", [(b"x", 1)]) for i in range(20_000)])


def csv_long_field(rows: list[list]) -> bytes:
    """A CSV whose one field holds 200,000 characters."""
    lines = [",".join(HEAD)] + [",".join("" if v is None else str(v) for v in row) for row in rows]
    lines.append("QH-1,幸福小区," + "开" * 200_000 + ",10")
    return "\r\n".join(lines).encode("utf-8")


def csv_wide(columns: int = 16_000, rows: int = 1_000) -> bytes:
    """A CSV of 16,000 empty fields a line, 1,000 lines (16 MB: under the size limit)."""
    return (",".join(HEAD) + "\r\n" + ("," * columns + "\r\n") * rows).encode()


def build(rows: list[list]) -> dict[str, tuple[bytes, str, tuple[str, ...]]]:
    """name -> (bytes, file name, substrings the refusal must hold: the bound it names)."""
    return {
        # declared sizes past the bound: refused from the zip's directory, before a byte is inflated
        "bomb_cell_400MB": (bomb_cell(rows), "周报.xlsx", ("200 MB",)),
        "whitespace_run_1.5GB": (whitespace_run(rows), "周报.xlsx", ("200 MB",)),
        "wide_16000x1000": (wide(), "周报.xlsx", ("200 MB",)),
        # within the size bound, or lying about it: refused while inflating, by what they hold
        "bomb_cell_150MB": (bomb_cell(rows, 150), "周报.xlsx", ("32,767 个字符",)),
        "whitespace_run_150MB": (whitespace_run(rows, 150), "周报.xlsx", ("256 KB", "空白")),
        "whitespace_spread_1.5GB": (whitespace_spread(rows), "周报.xlsx", ("200 MB",)),
        "understated_size_300MB": (understated_size(rows), "周报.xlsx", ("200 MB",)),
        "wide_16000x700": (wide(rows=700), "周报.xlsx", ("3,000,000",)),
        # what the readers would have taken in
        "value_in_column_300": (value_past_the_last_column(rows), "周报.xlsx", ("256 列", "KN")),
        "merge_flood_200000": (merge_flood(rows), "周报.xlsx", ("100,000",)),
        "shared_text_1.2G_chars": (shared_text(rows), "周报.xlsx", ("40,000,000",)),
        "zip_members_20000": (many_members(rows), "周报.xlsx", ("10,000",)),
        "csv_field_200000": (csv_long_field(rows), "周报.csv", ("32,767 个字符",)),
        "csv_wide_16000x1000": (csv_wide(), "周报.csv", ("3,000,000",)),
    }
