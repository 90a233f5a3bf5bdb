"""Many public viewers at once against a real `streamlit run`, on both stores: no viewer sees an
exception, the server lives.

Each viewer speaks Streamlit's own protocol (bench/load.py: a websocket on /_stcore/stream,
`BackMsg.rerun_script` for the overview, the map and the rankings, read until `script_finished`),
so 20 sessions run in the server's 20 script threads at once without 20 browsers. The public
edition reads SQLite read-only (`mode=ro`) and PostgreSQL through the read-only role made by
`python -m lib.cli db-reader`. Before the read-only SQLite engine got a queue pool, 5-10 such
viewers were shown "Cannot operate on a closed database" and 15 crashed the process.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.load import run_round, streamlit
from tests.conftest import PG_ADMIN_URL
from tests.support import ROOT

VIEWERS = 20


@pytest.fixture
def public_url(fresh_demo_store, backend):
    """The URL the public edition reads the demo with (PostgreSQL: as a role that cannot write)."""
    url = fresh_demo_store.url
    if backend == "sqlite":
        yield url
        return
    role = f"many_{uuid.uuid4().hex[:8]}"
    subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, "db-reader", role, "--no-password"], cwd=ROOT,
                   check=True, capture_output=True, timeout=120)
    try:
        yield make_url(url).set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        eng = create_engine(url, isolation_level="AUTOCOMMIT")
        with eng.connect() as c:
            c.execute(text(f'DROP OWNED BY "{role}"'))
            c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        eng.dispose()
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:  # the role's grants lived only in the scratch database
            c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


def test_many_public_viewers_at_once(public_url, tmp_path):
    log = tmp_path / "streamlit.log"
    with streamlit(public_url, log, public=True) as (base, proc):
        r = run_round(base, VIEWERS, pids=[proc.pid], ramp=0.5, timeout=150)
        alive = proc.poll() is None
    text_log = log.read_text(errors="replace")
    assert alive and r["server_alive"], f"the server died under {VIEWERS} viewers:\n{text_log[-3000:]}"
    assert r["errors"] == 0, f"{r['errors']} errors among {VIEWERS} viewers: {r['error_samples']}"
    assert r["page_loads"] == 3 * VIEWERS
    assert "Traceback" not in text_log, text_log[-3000:]
