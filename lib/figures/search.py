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

from operator import itemgetter

from sqlalchemy import Integer, any_, bindparam, func, intersect, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from lib.store.models import Project
from lib.store.models_search import SEARCH_FIELDS, SearchGram

_FOLD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(text: str) -> str:
    """ASCII-lowercase (the index's and SQLite lower()'s rule)."""
    return text.translate(_FOLD)


def grams(text: str) -> list[str]:
    """The distinct bigrams of a text, folded, in order of first appearance."""
    t = fold(text)
    return list(dict.fromkeys(t[i:i + 2] for i in range(len(t) - 1)))


def _fields():
    return [getattr(Project, f) for f in SEARCH_FIELDS]


_PROBE = 2_000  # postings counted per bigram when choosing the rarest (a bounded index range)


def _rarest(s: Session, gs: list[str], keep: int = 2) -> list[tuple[int, str]]:
    """(capped posting count, gram) of the `keep` rarest bigrams: intersecting the rare lists, not the
    common ones ("sy" is in every synthetic code), is what makes a code search cheap."""
    counted = []
    for g in gs:
        n = s.scalar(select(func.count()).select_from(
            select(SearchGram.project_id).where(SearchGram.gram == g).limit(_PROBE).subquery()))
        counted.append((n, g))
    return sorted(counted)[:keep]


def _candidates(s: Session, q: str):
    """A statement of the ids (any programme) holding the query's rarest bigrams; None: no bigram;
    [] when one of them is held by nobody."""
    gs = grams(q)
    if not gs:
        return None
    rare = _rarest(s, gs) if len(gs) > 1 else [(1, gs[0])]
    if rare[0][0] == 0:
        return []
    parts = [select(SearchGram.project_id).where(SearchGram.gram == g) for _, g in rare]
    return parts[0] if len(parts) == 1 else intersect(*parts)


def _confirmed(s: Session, programme_id: int, q: str, cand) -> list[tuple[int, str]]:
    """(id, code) of the candidates in the programme that hold the query (a two-character query is its
    own bigram: nothing to confirm), each found by primary key.

    The register must not be the way in: with the programme's condition indexable, SQLite walked the
    programme's 300,000 rows testing each against the candidates, and PostgreSQL scanned the register
    in parallel (its LIKE estimate made the scan look cheap). So SQLite gets `programme_id + 0` (not
    indexable: the candidate list drives), PostgreSQL the candidate ids as one array (`= ANY`)."""
    like = [_like_any(s, q)] if len(q) > 2 else []
    if s.get_bind().dialect.name == "postgresql":
        ids = list(s.execute(cand).scalars().all())
        if not ids:
            return []
        where = [Project.id == any_(bindparam("ids", ids, type_=ARRAY(Integer))), Project.programme_id == programme_id]
    else:
        sub = cand.subquery() if hasattr(cand, "subquery") else cand
        where = [Project.id.in_(select(sub.c[0])), (Project.programme_id + 0) == programme_id]
    rows = s.execute(select(Project.id, Project.code).where(*where, *like)).all()
    return sorted(((r[0], r[1]) for r in rows), key=lambda t: t[1])


def _like_any(s: Session, q: str):
    dialect = s.get_bind().dialect.name
    pattern = f"%{_escape(q)}%"
    return or_(*[_fold_sql(c, dialect).like(pattern, escape="\\") for c in _fields()])


def page(s: Session, programme_id: int, query: str, limit: int = 20) -> tuple[int, list[tuple[int, str]]]:
    """How many register rows contain `query`, and the first `limit` of them by code (a search box)."""
    hits = find(s, programme_id, query)
    return len(hits), hits[:limit]


# A two-character query is its own bigram: its posting list, inside the programme, is the answer. The
# statement joins the postings to the register by primary key (the register is not the way in; see
# _confirmed) and is read as plain tuples from the driver: for a query a fifth of a national register holds
# (小区: 60,000 rows) ORM rows cost twice the query itself.
# PostgreSQL gets the postings as one array (an index-only scan) probed into the register's primary key: as
# a join its planner, misled by the gram's estimate, walked the register (0.66 s instead of 0.08 s).
_ONE_GRAM = {
    "sqlite": "SELECT p.id, p.code FROM search_gram g JOIN project p ON p.id = g.project_id "
              "WHERE g.gram = ? AND p.programme_id + 0 = ?",
    "postgresql": "SELECT id, code FROM project WHERE id = ANY(ARRAY(SELECT project_id FROM search_gram "
                  "WHERE gram = %s)) AND programme_id + 0 = %s",
}


def _one_gram(s: Session, programme_id: int, gram: str) -> list[tuple[int, str]]:
    cur = s.connection().connection.cursor()
    try:
        cur.execute(_ONE_GRAM[s.get_bind().dialect.name], (gram, programme_id))
        rows = [(int(i), c) for i, c in cur.fetchall()]
    finally:
        cur.close()
    rows.sort(key=itemgetter(1))
    return rows


def find(s: Session, programme_id: int, query: str) -> list[tuple[int, str]]:
    """(id, code) of the programme's register rows containing `query`, ordered by code."""
    q = fold(query.strip())
    if not q:
        return []
    if len(q) == 2:
        return _one_gram(s, int(programme_id), q)
    cand = _candidates(s, q)
    if cand is None:
        return scan(s, programme_id, query)  # one character: no bigram to look up
    if isinstance(cand, list):
        return []  # a bigram nobody holds
    return _confirmed(s, programme_id, q, cand)


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


__all__ = ["find", "page", "scan", "ids", "find_ids", "grams", "fold"]
