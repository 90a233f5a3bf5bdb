"""lib.figures.search: the bigram index answers exactly what the LIKE query answers, on both stores.

The index (search_gram, migration 0007) is kept by triggers on every register write: checked
after inserts, renames and deletes, and for queries of every length the demo and a synthetic
register can ask (two-character Chinese queries included, which trigram indexes cannot answer).
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, func, select, update

from lib.figures import search
from lib.samples import synth
from lib.store.models import Project
from lib.store.models_search import SearchGram
from tests.support.rollups import QINGHAI


def _queries(names: list[str]) -> list[str]:
    """Every 1-4 character piece of some names, plus queries that match nothing or need escaping."""
    out = {"纺织", "小区", "家属院", "路", "纺织厂家属院", "sy", "SY6301", "000007", "%", "_", "a_b", "无此小区", "区 ",
           "Zz"}
    for n in names:
        for k in (1, 2, 3, 4):
            out.update(n[i:i + k] for i in range(0, max(0, len(n) - k + 1), 3))
    return sorted(x for x in out if x.strip())


def _same(store, pid, queries):
    with store.session() as s:
        for q in queries:
            got, want = search.find(s, pid, q), search.scan(s, pid, q)
            assert got == want, q
    return True


def test_demo_search_equals_like(demo_store):
    with demo_store.session() as s:
        names = s.scalars(select(Project.name).where(Project.programme_id == QINGHAI).limit(60)).all()
        streets = s.scalars(select(Project.street).where(Project.programme_id == QINGHAI).limit(20)).all()
        codes = s.scalars(select(Project.code).where(Project.programme_id == QINGHAI).limit(5)).all()
        assert s.scalar(select(func.count()).select_from(SearchGram)) > 0  # backfilled / kept by triggers
    qs = _queries(names + [x for x in streets if x] + codes)
    assert _same(demo_store, QINGHAI, qs)
    with demo_store.session() as s:
        hits = search.find(s, QINGHAI, names[0][:2])
        assert hits and all(names[0][:2] in s.get(Project, i).name or names[0][:2] in (s.get(Project, i).street or "")
                            or names[0][:2] in (s.get(Project, i).address or "")
                            or names[0][:2] in (s.get(Project, i).community or "") for i, _ in hits)
        assert search.find(s, QINGHAI, codes[0].lower()) == search.find(s, QINGHAI, codes[0])  # ASCII without case


def test_synthetic_register_search_equals_like(empty_store):
    out = synth.load(empty_store, 3_000, 2, 7, build_rollups=False)
    pid = out["programme_id"]
    with empty_store.session() as s:
        names = s.scalars(select(Project.name).where(Project.programme_id == pid).limit(40)).all()
        assert search.find(s, pid, "纺织") == search.scan(s, pid, "纺织") and search.find(s, pid, "纺织")
        assert search.find(s, pid, "家属") == search.scan(s, pid, "家属") and len(search.find(s, pid, "家属")) > 100
    assert _same(empty_store, pid, _queries(names))


def test_register_writes_keep_the_index(fresh_demo_store):
    store = fresh_demo_store
    with store.session() as s:
        p = s.scalars(select(Project).where(Project.programme_id == QINGHAI).order_by(Project.id)).first()
        pid, old = p.id, p.name
    with store.write() as s:  # a rename: the old bigrams go, the new ones come
        s.execute(update(Project).where(Project.id == pid).values(name="纺织厂Ａ区宿舍", address="幸福路_1%号"))
    with store.session() as s:
        assert (pid, s.get(Project, pid).code) in search.find(s, QINGHAI, "纺织")
        assert (pid, s.get(Project, pid).code) in search.find(s, QINGHAI, "_1%")
        assert pid not in search.ids(s, QINGHAI, old) or old in ("",)
        assert _same(store, QINGHAI, ["纺织", "厂Ａ", "Ａ区", "ａ区", "_1", "1%", old[:2], old])
    with store.write() as s:  # a new community
        base = s.get(Project, pid)
        s.add(Project(programme_id=QINGHAI, code="NEW-0001", name="小区纺织新村", county_adcode=base.county_adcode,
                      households=10, registered_on=date(2021, 5, 1)))
    with store.session() as s:
        new = s.scalar(select(Project.id).where(Project.code == "NEW-0001"))
        assert new in search.ids(s, QINGHAI, "织新") and new in search.ids(s, QINGHAI, "new-0")
    with store.write() as s:  # a deletion takes its bigrams with it
        s.execute(delete(Project).where(Project.id == new))
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(SearchGram).where(SearchGram.project_id == new)) == 0
        assert new not in search.ids(s, QINGHAI, "织新")


def test_page_counts_and_orders_like_the_scan(demo_store):
    with demo_store.session() as s:
        names = s.scalars(select(Project.name).where(Project.programme_id == QINGHAI).limit(10)).all()
        for q in ["QH", "qh2021", names[0][:2], names[1][:3], "区", "无此小区"]:
            full = search.scan(s, QINGHAI, q)
            assert search.page(s, QINGHAI, q, limit=7) == (len(full), full[:7]), q
