"""Community search: which register rows of a programme contain a text, through the bigram index.

A register row matches a query when its code, name, street, community or address contains the
query, ASCII letters compared without case (A-Z = a-z; every other character exactly, the same
rule as SQLite's `lower()` and LIKE). `find()` answers from `search_gram` (migration 0007): the
rows holding every bigram of the query are the candidates, each confirmed against its fields;
a one-character query (or one no bigram can narrow) scans the register with the LIKE query,
`scan()`, which is also the reference the tests compare `find()` with on both stores.

Why bigrams: Chinese names are searched by two characters (纺织, 小区); neither FTS5's trigram
tokenizer nor pg_trgm answers a query shorter than three characters.
"""

from __future__ import annotations

from sqlalchemy import func, intersect, or_, select
from sqlalchemy.orm import Session

from lib.store.models import Project
from lib.store.models_search import SEARCH_FIELDS, SearchGram

_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_MAX_GRAMS = 6  # more bigrams narrow little further; every candidate is confirmed anyway
_CHUNK = 5_000  # ids per IN (...) list


def fold(text: str) -> str:
    """ASCII-lowercase (the index's and SQLite lower()'s rule)."""
    return text.translate(_FOLD)


def grams(text: str) -> list[str]:
    """The distinct bigrams of a text, folded, in order of first appearance."""
    t = fold(text)
    return list(dict.fromkeys(t[i:i + 2] for i in range(len(t) - 1)))


def _pick(gs: list[str]) -> list[str]:
    """Up to _MAX_GRAMS bigrams spread over the query (first and last included)."""
    if len(gs) <= _MAX_GRAMS:
        return gs
    step = (len(gs) - 1) / (_MAX_GRAMS - 1)
    return list(dict.fromkeys(gs[round(i * step)] for i in range(_MAX_GRAMS)))


def _matches(row, q: str) -> bool:
    return any(v is not None and q in fold(v) for v in row[2:])


def _fields():
    return [getattr(Project, f) for f in SEARCH_FIELDS]


def find(s: Session, programme_id: int, query: str) -> list[tuple[int, str]]:
    """(id, code) of the programme's register rows containing `query`, ordered by code."""
    q = fold(query.strip())
    if not q:
        return []
    gs = _pick(grams(q))
    if not gs:
        return scan(s, programme_id, query)
    parts = [select(SearchGram.project_id).where(SearchGram.gram == g) for g in gs]
    cand = parts[0] if len(parts) == 1 else select(intersect(*parts).subquery().c.project_id)
    exact = len(q) == 2  # a two-character query is its own only bigram: every candidate holds it
    cols = [Project.id, Project.code] + ([] if exact else _fields())
    rows = s.execute(select(*cols).where(Project.id.in_(cand), Project.programme_id == programme_id)).all()
    out = rows if exact else [r for r in rows if _matches(r, q)]
    return sorted(((r[0], r[1]) for r in out), key=lambda t: t[1])


def _escape(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _fold_sql(col, dialect: str):
    if dialect == "sqlite":
        return func.lower(col)  # ASCII only (no ICU): the same rule as fold()
    return func.translate(col, "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def scan(s: Session, programme_id: int, query: str) -> list[tuple[int, str]]:
    """The LIKE query over the whole register of the programme (no index): same answer as find()."""
    q = fold(query.strip())
    if not q:
        return []
    dialect = s.get_bind().dialect.name
    pattern = f"%{_escape(q)}%"
    cond = or_(*[_fold_sql(c, dialect).like(pattern, escape="\\") for c in _fields()])
    rows = s.execute(select(Project.id, Project.code).where(Project.programme_id == programme_id, cond)
                     .order_by(Project.code)).all()
    return sorted(((r[0], r[1]) for r in rows), key=lambda t: t[1])


def ids(s: Session, programme_id: int, query: str) -> list[int]:
    """Only the ids (what a screen filters its register table with)."""
    return [i for i, _ in find(s, programme_id, query)]


def find_ids(store, programme_id: int | str, query: str) -> list[int]:
    """ids(...) on a store (what the register screen caches per query and data version)."""
    with store.session() as s:
        return ids(s, int(programme_id), query)


__all__ = ["find", "scan", "ids", "find_ids", "grams", "fold"]
