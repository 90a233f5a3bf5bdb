"""The public edition keeps serving through what real networks and servers do, on both stores.

Against a real `streamlit run` (the public edition, read-only), at the protocol level (bench/load.py):
ten ordinary viewers arrive while five others leave in the middle of their first page, one session
floods the server with thirty reruns, and one client stops reading for five seconds. Every ordinary
viewer must be served with no error, the flood and the slow client must end with a finished page, the
server must live with no traceback in its log, and nothing may be written (the data version stays).
On PostgreSQL the server's connections are then cut as a database restart cuts them
(`pg_terminate_backend`); the next viewers must be served through new connections.
"""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.load import run_round, streamlit, viewer
from lib.store.engine import open_store
from tests.store.test_many_sessions import public_url  # noqa: F401 - the fixture: a URL the public edition reads

ORDINARY = 10


def _rerun(page: str = "") -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_name = page
    return msg.SerializeToString()


def _ws(base: str) -> str:
    return base.replace("http://", "ws://") + "/_stcore/stream"


async def _until_finished(ws, timeout: float) -> int:
    """Read until a run finishes for good (not one cut short by a newer rerun); the number of messages."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    n, end = 0, time.monotonic() + timeout
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), max(0.1, end - time.monotonic())))
        n += 1
        if fm.WhichOneof("type") == "script_finished" and fm.script_finished == 0:
            return n


async def _leaver(base: str, after: float) -> None:
    import websockets

    async with websockets.connect(_ws(base), subprotocols=["streamlit"], max_size=None) as ws:
        await ws.send(_rerun())
        await asyncio.sleep(after)  # gone while its script runs


async def _flood(base: str, n: int = 30) -> int:
    import websockets

    async with websockets.connect(_ws(base), subprotocols=["streamlit"], max_size=None) as ws:
        for i in range(n):
            await ws.send(_rerun(("", "map", "rankings")[i % 3]))
        return await _until_finished(ws, 120)


async def _slow(base: str, pause: float = 5.0) -> int:
    import websockets

    async with websockets.connect(_ws(base), subprotocols=["streamlit"], max_size=None) as ws:
        await ws.send(_rerun("map"))
        await asyncio.sleep(pause)  # reads nothing meanwhile: the server buffers, the others go on
        return await _until_finished(ws, 120)


async def _mixed(base: str) -> tuple[list[dict], int, int]:
    async def ordinary(i):
        await asyncio.sleep(i * 0.1)
        return await viewer(base, timeout=150)

    results = await asyncio.gather(*(ordinary(i) for i in range(ORDINARY)),
                                   *(_leaver(base, 0.05 + 0.1 * i) for i in range(5)), _flood(base), _slow(base))
    return list(results[:ORDINARY]), results[-2], results[-1]


def test_viewers_are_served_through_leavers_floods_slow_clients_and_a_database_restart(public_url, backend,  # noqa: F811
                                                                                        fresh_demo_store, tmp_path):
    version = fresh_demo_store.data_version()
    log = tmp_path / "streamlit.log"
    with streamlit(public_url, log, public=True) as (base, proc):
        ordinary, flood_msgs, slow_msgs = asyncio.run(_mixed(base))
        errors = [e for r in ordinary for e in r["errors"]]
        assert errors == [], errors
        assert all(len(r["pages"]) == 3 for r in ordinary)
        assert flood_msgs > 0 and slow_msgs > 0
        assert proc.poll() is None, "the server died"

        if backend == "postgresql":  # a restart, as the server's connections see it
            role = make_url(public_url).username
            admin = create_engine(fresh_demo_store.url, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                cut = c.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                     "WHERE usename = :r"), {"r": role}).scalar()
            admin.dispose()
            assert cut >= 1, "the public edition held no connection to cut"
            after = run_round(base, ORDINARY, pids=[proc.pid], ramp=0.5, timeout=150)
            assert after["errors"] == 0, after["error_samples"]
            assert after["page_loads"] == 3 * ORDINARY
        alive = proc.poll() is None
    text_log = log.read_text(errors="replace")
    assert alive, text_log[-3000:]
    assert "Traceback" not in text_log, text_log[-3000:]
    assert open_store(fresh_demo_store.url).data_version() == version, "the public edition wrote"
