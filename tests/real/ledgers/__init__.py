"""Real tables Chinese local governments published about 城镇老旧小区改造, with provenance.

Each source is a module of this package (one table each) holding:

* ``SOURCE``: title, publisher, url, published, retrieved: where the table was read.
* ``KIND``: "register" (项目清单/名单/台账/计划公示), "progress" (进度表/调度表/开工情况), or
  "aggregate": one row per region (分省/分市/分县 plans and progress), not a ledger at all.
* ``TITLE_ROWS``: the title lines printed above the table, as published.
* ``HEADER``: the header row(s) exactly as published; a two-row header is two lists. In the
  first row ``None`` after a text means "merged with the cell on the left"; in the second row
  ``None`` under a text means "merged with the cell above" (a header two rows tall).
* ``ROWS``: data rows transcribed exactly (numbers that were printed as plain numbers are
  Python numbers, everything else the text as printed).
* ``EXPECTED``: per data row, what a person reads off it, in the product's field keys
  (lib.domain.fields); ``None`` for a row that is not a project (合计/小计), which the
  reader must skip. Computed by hand from the published text, never from the reader.

Aggregate sources (``KIND = "aggregate"``) are kept apart in ``AGGREGATE`` (never in ``ALL``, which
the ledger reader is held to). They carry ``WITHIN``, the adcode of the area the table covers
(``"100000"`` for the whole country), and their ``EXPECTED`` rows name the region by adcode
(``"region"``; a name that is no division, 兵团 or 开发区, stays the name with ``"zone": True``),
mark stated totals with ``"total": True``, and give each figure in the product's units
(households in 户 even where the table prints 万户, areas in 万m², money in 万元, rates as
percent numbers: 95.33% → 95.33). Keys: plan tables use the metric keys of
``lib.domain.vocabulary.METRICS`` (communities, households, buildings, floor_area_wan_m2,
investment_wan, projects); progress tables ``planned_<metric>``/``started_<metric>``,
``planned_investment_wan``, ``invested_wan`` and the rates ``start_rate``, ``start_rate_households``,
``invest_rate``. A rate printed as words (全部开工: at least 100%) has no number and is left out.

``build_xlsx(entry)`` lays a source out as the office's spreadsheet would be: title rows
merged across the table, the header (merged where the source merges it), then the rows.
"""

from __future__ import annotations

import importlib
import io
import pkgutil
from types import ModuleType
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

SOURCE_KEYS = ("title", "publisher", "url", "published", "retrieved")


def _modules() -> list[ModuleType]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        found.append(importlib.import_module(f"{__name__}.{info.name}"))
    return found


_EVERY: list[ModuleType] = _modules()
ALL: list[ModuleType] = [m for m in _EVERY if m.KIND != "aggregate"]
AGGREGATE: list[ModuleType] = [m for m in _EVERY if m.KIND == "aggregate"]


def slug(entry: ModuleType) -> str:
    return entry.__name__.rsplit(".", 1)[-1]


def width(entry: ModuleType) -> int:
    return max(len(r) for r in [*entry.HEADER, *entry.ROWS])


def layout(entry: ModuleType) -> tuple[tuple[str | None, ...], ...]:
    """The header as published, for counting distinct layouts."""
    return tuple(tuple(row) for row in entry.HEADER)


def layouts() -> set[tuple[tuple[str | None, ...], ...]]:
    """Every distinct published header, ledgers and aggregate tables alike."""
    return {layout(e) for e in _EVERY}


def first_data_row(entry: ModuleType) -> int:
    """The Excel row number of the first data row in build_xlsx's sheet."""
    return len(entry.TITLE_ROWS) + len(entry.HEADER) + 1


def _header_merges(header: list[list[Any]], top: int) -> list[tuple[int, int, int, int]]:
    """Merged ranges (row1, col1, row2, col2) for a one- or two-row header starting at Excel row ``top``."""
    merges = []
    if len(header) == 1:
        return merges
    if len(header) != 2:
        raise ValueError("a header is one or two rows")
    upper, lower = header
    n = max(len(upper), len(lower))
    upper = list(upper) + [None] * (n - len(upper))
    lower = list(lower) + [None] * (n - len(lower))
    c = 0
    while c < n:
        if upper[c] is None:
            c += 1
            continue
        end = c
        while end + 1 < n and upper[end + 1] is None and lower[end + 1] is not None:
            end += 1
        if end > c:
            merges.append((top, c + 1, top, end + 1))  # a parent over its children
        elif lower[c] is None:
            merges.append((top, c + 1, top + 1, c + 1))  # one header two rows tall
        c = end + 1
    return merges


def build_xlsx(entry: ModuleType) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    n = width(entry)
    r = 1
    for title in entry.TITLE_ROWS:
        ws.cell(row=r, column=1, value=title)
        if n > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=n)
        r += 1
    top = r
    for row in entry.HEADER:
        for c, v in enumerate(row, start=1):
            if v is not None:
                ws.cell(row=r, column=c, value=v)
        r += 1
    for r1, c1, r2, c2 in _header_merges(entry.HEADER, top):
        ws.merge_cells(start_row=r1, start_column=c1, end_row=r2, end_column=c2)
    for row in entry.ROWS:
        for c, v in enumerate(row, start=1):
            if v is not None and v != "":
                ws.cell(row=r, column=c, value=v)
        r += 1
    for c in range(1, n + 1):
        ws.column_dimensions[get_column_letter(c)].width = 16
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
