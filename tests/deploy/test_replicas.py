"""Two Streamlit replicas behind nginx on one PostgreSQL, on 127.0.0.1 free ports.

Spoken to the way a browser does, over Streamlit's websocket protocol (bench/load.py's driver):
* a sign-in lockout counts failures made on either replica (5 wrong passwords, 3 on one and 2 on the
  other, lock the account; the right password is then refused on both);
* an upload killed mid-transaction (the weekly import, holding the programme's write lock, killed with
  SIGKILL together with replica A) leaves nothing written; nginx keeps serving from replica B;
* the same upload done again shows on replica B, which had drawn the overview before it, at once
  (its caches are keyed on the store's data version, read on every run).
The upload runs in `python -m lib.cli import` (the same lib.uploads code the upload screen calls).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from contextlib import ExitStack

import pytest
from sqlalchemy import create_engine, text

from bench.load import free_port, run_round, streamlit
from deploy import nginx
from lib.access import auth
from lib.store.engine import _LOCK_NS
from tests.support import ROOT
from tests.support.uploads import CD, WEEK, first_started_not_finished, progress_rows, xlsx

pytestmark = pytest.mark.skipif(not nginx.available(), reason="nginx is not installed (apt-get install nginx)")

PASSWORD = "Correct-horse-42"


async def _run(base: str, page: str, widgets=None, *, session=None, query: str = "") -> tuple[list, object]:
    """One script run of `page` (optionally with widget values); returns its elements and the websocket."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws = session or await websockets.connect(base.replace("http://", "ws://") + "/_stcore/stream",
                                             subprotocols=["streamlit"], max_size=None, ping_interval=None)
    msg = BackMsg()
    msg.rerun_script.page_name = page
    msg.rerun_script.query_string = query
    for w in widgets or ():
        msg.rerun_script.widget_states.widgets.append(w)
    await ws.send(msg.SerializeToString())
    elements = []
    while True:
        fm = ForwardMsg()
        fm.ParseFromString(await asyncio.wait_for(ws.recv(), 120))
        kind = fm.WhichOneof("type")
        if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
            elements.append(fm.delta.new_element)
        elif kind == "script_finished" and fm.script_finished in (0, 1):
            return elements, ws


def overview_cards(base: str) -> dict[str, str]:
    """The overview's cards and as-of lines, asked for the week the upload reports (the opening week
    until that week has been reported)."""
    async def go():
        els, ws = await _run(base, "", query=f"week={WEEK}")
        await ws.close()
        assert not [e for e in els if e.WhichOneof("type") == "exception"]
        cards = {e.metric.label: (e.metric.body, e.metric.delta) for e in els if e.WhichOneof("type") == "metric"}
        cards["as of"] = [e.markdown.body for e in els if e.WhichOneof("type") == "markdown" and "截至" in e.markdown.body]
        return cards

    return asyncio.run(go())


def sign_in(base: str, username: str, password: str) -> list[str]:
    """Fill the sign-in form on `base` and submit it; returns the alert texts shown."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    async def go():
        els, ws = await _run(base, "login")
        ids = {}
        for e in els:
            if e.WhichOneof("type") == "text_input":
                ids["password" if e.text_input.type == 1 else "user"] = e.text_input.id
            elif e.WhichOneof("type") == "button" and e.button.is_form_submitter:
                ids["submit"] = e.button.id
        assert set(ids) == {"user", "password", "submit"}, ids
        states = []
        for key, value in (("user", username), ("password", password)):
            w = WidgetState(id=ids[key])
            w.string_value = value
            states.append(w)
        w = WidgetState(id=ids["submit"])
        w.trigger_value = True
        states.append(w)
        els, ws = await _run(base, "login", states, session=ws)
        await ws.close()
        return [e.alert.body for e in els if e.WhichOneof("type") == "alert"]

    return asyncio.run(go())


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_replicas_behind_nginx(fresh_demo_store, tmp_path):
    store = fresh_demo_store
    url = store.url
    auth.create_user(store, auth.Actor.system("test"), "lockme", "admin", PASSWORD)
    rows = progress_rows(store)
    i = first_started_not_finished(store)
    head = rows[0]
    rows[i + 1][head.index("当前阶段")] = "完工"
    rows[i + 1][head.index("完工日期")] = WEEK
    rows[i + 1][head.index("形象进度（%）")] = 100
    upload = tmp_path / "周报.xlsx"
    upload.write_bytes(xlsx(rows))
    import_cmd = [sys.executable, "-m", "lib.cli", "--db", url, "import", str(upload), "--programme", "1",
                  "--county", CD, "--as-of", str(WEEK)]
    env = {"STREAMLIT_SERVER_COOKIE_SECRET": "same-secret-on-every-replica"}
    admin = create_engine(url, isolation_level="AUTOCOMMIT")

    def reports_at_week() -> int:
        with admin.connect() as c:
            return c.scalar(text("SELECT count(*) FROM progress_report WHERE report_date = :d"), {"d": WEEK})

    with ExitStack() as stack:
        a_base, a = stack.enter_context(streamlit(url, tmp_path / "a.log", public=False, **env))
        b_base, b = stack.enter_context(streamlit(url, tmp_path / "b.log", public=False, **env))
        listen = free_port()
        stack.enter_context(nginx.replicas([int(a_base.rsplit(":", 1)[1]), int(b_base.rsplit(":", 1)[1])], listen))
        front = f"http://127.0.0.1:{listen}"

        # through nginx: the websocket upgrade works, viewers are served
        r = run_round(front, 3, ramp=0.2, timeout=120)
        assert r["errors"] == 0, r["error_samples"]
        before = overview_cards(b_base)
        assert before and before == overview_cards(a_base)

        # sign-in lockout: 3 wrong passwords on A, 2 on B lock the account on both
        for base in (a_base, a_base, a_base, b_base):
            assert any("用户名或密码不正确" in m for m in sign_in(base, "lockme", "wrong-password"))
        assert any("已被锁定" in m or "用户名或密码不正确" in m for m in sign_in(b_base, "lockme", "wrong-password"))
        for base in (a_base, b_base):
            shown = sign_in(base, "lockme", PASSWORD)
            assert any("已被锁定" in m for m in shown), shown

        # an upload killed mid-transaction together with replica A: nothing written, B keeps serving
        version = store.data_version()
        holder = create_engine(url)  # not autocommit: the lock lasts until the rollback below
        lock = holder.connect()
        tx = lock.begin()
        lock.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_NS + 1})  # the programme's write lock
        killed = subprocess.Popen(import_cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            for _ in range(600):  # until the import waits for the lock inside its transaction
                with admin.connect() as c:
                    waiting = c.scalar(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"))
                if waiting:
                    break
                assert killed.poll() is None, killed.stderr.read().decode()[-2000:]
                time.sleep(0.1)
            else:
                pytest.fail("the import never reached the programme's lock")
            os.kill(killed.pid, signal.SIGKILL)
            os.kill(a.pid, signal.SIGKILL)
            killed.wait(10)
            a.wait(10)
        finally:
            tx.rollback()
            lock.close()
            holder.dispose()
        assert reports_at_week() == 0 and store.data_version() == version
        r = run_round(front, 3, ramp=0.2, timeout=120)
        assert r["errors"] == 0, r["error_samples"]

        # the same upload again: on B at once, B having drawn the overview before the write
        done = subprocess.run(import_cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert reports_at_week() > 0 and store.data_version() > version
        after = overview_cards(b_base)
        assert after != before, after
        assert any("2021-12-03" in c for c in after["as of"]) and not any("2021-12-03" in c for c in before["as of"])
        assert overview_cards(front) == after
        assert b.poll() is None
        log_b = (tmp_path / "b.log").read_text(errors="replace")
        assert "Traceback" not in log_b, log_b[-3000:]
    admin.dispose()
