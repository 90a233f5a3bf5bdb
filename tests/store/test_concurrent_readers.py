"""Many viewers at once: a read-only store serves concurrent sessions without closing anyone's connection.

Streamlit runs each browser session in its own thread. A read-only SQLite engine built from a
`creator` on a bare `sqlite://` URL got SQLAlchemy's SingletonThreadPool (5 connections, one per
thread): the sixth thread's connection closed another thread's, which then saw "Cannot operate on
a closed database" or crashed the process inside libsqlite3. Here 32 threads read at once.
"""

from __future__ import annotations

import threading

from lib.figures import metrics, rankings
from lib.store.engine import Store

THREADS = 32
ROUNDS = 4


def _hammer(store: Store) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def viewer():
        try:
            start.wait()
            for _ in range(ROUNDS):
                s = metrics.summary(store, 1, by="county")
                assert s["totals"]["households"]["target"] == 51500
                rankings.ranking(store, 1, "630000", None, metric="households", by="county")
        except BaseException as e:  # noqa: BLE001 - every failure is the finding
            errors.append(e)

    threads = [threading.Thread(target=viewer) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return errors


def test_read_only_store_serves_many_threads(demo_store):
    ro = Store(demo_store.url, read_only=True)
    try:
        errors = _hammer(ro)
    finally:
        ro.dispose()
    assert errors == [], f"{len(errors)} of {THREADS} viewers failed: {errors[:3]!r}"


def test_read_write_store_serves_many_threads(demo_store):
    assert _hammer(demo_store) == []
