"""The data version (what every page cache is keyed on) counts every committed write, even concurrent ones.

Issue 13: read and written back as a literal, 400 concurrent writes on PostgreSQL made 298 bumps;
incremented by the database (UPDATE … SET value = value + 1) they make 400 on both stores.
"""

from __future__ import annotations

import threading

from lib.store.engine import Abort

WRITERS = 8
EACH = 50  # 400 writes, as in the issue


def test_concurrent_writes_each_move_the_version(fresh_demo_store):
    store = fresh_demo_store
    before = store.data_version()
    errors: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer():
        try:
            start.wait()
            for _ in range(EACH):
                with store.write():
                    pass  # an empty write still commits, and still counts
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert store.data_version() == before + WRITERS * EACH


def test_an_aborted_write_does_not_move_the_version(fresh_demo_store):
    before = fresh_demo_store.data_version()
    with fresh_demo_store.write():
        raise Abort
    assert fresh_demo_store.data_version() == before
