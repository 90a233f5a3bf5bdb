"""Load benchmark: N concurrent public viewers, at the protocol level, on loopback only.

Not a unit test. Each viewer is what a browser does, without the browser: it opens Streamlit's
websocket (`/_stcore/stream`, subprotocol `streamlit`), sends `BackMsg.rerun_script` for the
overview, then the map, then the rankings (`page_name`), and reads `ForwardMsg`s until each
run's `script_finished`. Time to content = from the rerun request (for the first page: from the
connection) to that page's `script_finished`. An exception delta (`new_element.exception`), an
error alert, a lost connection or a page not finished within the bound is an error.

The static public edition (`python -m lib.cli publish`) is measured with the same viewers doing
HTTP GETs: each of the three pages and every asset the page links (`src=`/`href=` on the same host).

    python -m bench.load --store sqlite,postgresql --viewers 10,50,100,200 [--repeat 2]
    python -m bench.load --static DIR --viewers 10,50,100,200      # a published directory
    python -m bench.load --url http://127.0.0.1:8501 --viewers 20     # a server already running

Servers it starts: `streamlit run app.py` with DASHBOARD_PUBLIC=1 on a free 127.0.0.1 port, on a
scratch copy of the demo (SQLite file in /tmp; PostgreSQL database `bench_load` created and read
through a role made by `python -m lib.cli db-reader`, dropped at the end). Server CPU and memory:
/proc/<pid>/stat utime+stime and VmRSS of the server process before and after each round.
Results: bench/out/load.json (appended per run) and a table on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "load.json"
PAGES = ("", "map", "rankings")  # overview is the default page
PG_ADMIN = os.environ.get("TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


# --- one viewer over the websocket ----------------------------------------------------------------

async def viewer(base: str, pages=PAGES, *, query: str = "", timeout: float = 120.0) -> dict:
    """One public viewer: the overview, the map, the rankings. Returns timings and errors."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws_url = base.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
    out = {"pages": {}, "errors": []}
    t0 = time.perf_counter()
    deadline = t0 + timeout
    try:
        async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                      open_timeout=timeout, ping_interval=None) as ws:
            for i, page in enumerate(pages):
                start = t0 if i == 0 else time.perf_counter()
                msg = BackMsg()
                msg.rerun_script.query_string = query
                msg.rerun_script.page_name = page
                await ws.send(msg.SerializeToString())
                while True:
                    left = deadline - time.perf_counter()
                    if left <= 0:
                        raise TimeoutError(f"page {page or 'overview'} not finished within {timeout:.0f} s")
                    raw = await asyncio.wait_for(ws.recv(), left)
                    fm = ForwardMsg()
                    fm.ParseFromString(raw)
                    kind = fm.WhichOneof("type")
                    if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                        el = fm.delta.new_element
                        which = el.WhichOneof("type")
                        if which == "exception":
                            out["errors"].append(f"{page or 'overview'}: {el.exception.type}: {el.exception.message[:200]}")
                        elif which == "alert" and el.alert.format == 1:  # ERROR
                            out["errors"].append(f"{page or 'overview'}: error shown: {el.alert.body[:200]}")
                    elif kind == "script_finished":
                        # 0 FINISHED_SUCCESSFULLY, 1 FINISHED_WITH_COMPILE_ERROR, 2 FINISHED_EARLY_FOR_RERUN, 3 FINISHED_FRAGMENT_RUN_SUCCESSFULLY
                        if fm.script_finished == 1:
                            out["errors"].append(f"{page or 'overview'}: compile error")
                        if fm.script_finished in (0, 1):
                            break
                    elif kind == "page_not_found":
                        out["errors"].append(f"page not found: {page}")
                out["pages"][page or "overview"] = time.perf_counter() - start
    except Exception as e:  # noqa: BLE001 - every failure of a viewer is a finding
        out["errors"].append(f"{type(e).__name__}: {str(e)[:200]}")
    out["total"] = time.perf_counter() - t0
    return out


# --- one viewer over HTTP (the static edition) -----------------------------------------------------

_LINK = re.compile(r'(?:src|href)="([^"#]+)"')


def _http_viewer(base: str, pages: tuple[str, ...], timeout: float) -> dict:
    import http.client

    u = urllib.parse.urlsplit(base)
    out = {"pages": {}, "errors": [], "bytes": 0}
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)  # keep-alive, as a browser
    seen: set[str] = set()

    def get(path: str) -> bytes:
        conn.request("GET", path, headers={"Accept-Encoding": "gzip"})  # a browser takes gzip
        r = conn.getresponse()
        body = r.read()
        if r.status != 200:
            raise OSError(f"HTTP {r.status} for {path}")
        out["bytes"] += len(body)
        return body

    try:
        for page in pages:
            start = time.perf_counter()
            path = urllib.parse.urljoin(u.path.rstrip("/") + "/", page)
            html = get(path).decode("utf-8", "replace")
            for link in _LINK.findall(html):
                if "://" in link or link.startswith(("mailto:", "data:")):
                    continue
                asset = urllib.parse.urljoin(path, link)
                if asset in seen or asset.endswith(".html"):  # other pages are the viewer's next clicks
                    continue
                seen.add(asset)  # a browser's cache: each asset once per viewer
                get(asset)
            out["pages"][page] = time.perf_counter() - start
    except Exception as e:  # noqa: BLE001
        out["errors"].append(f"{type(e).__name__}: {str(e)[:200]}")
    finally:
        conn.close()
    out["total"] = time.perf_counter() - t0
    return out


# --- a round: N viewers arriving within `ramp` seconds ---------------------------------------------

def _proc_stats(pid: int | None) -> dict:
    if not pid:
        return {}
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        tick = os.sysconf("SC_CLK_TCK")
        status = Path(f"/proc/{pid}/status").read_text()
        rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024
        return {"cpu": (int(stat[11]) + int(stat[12])) / tick, "rss_mb": rss}
    except (OSError, AttributeError, IndexError):
        return {}


def _children_cpu(pids: list[int]) -> float:
    return sum(_proc_stats(p).get("cpu", 0.0) for p in pids)


def _pct(xs: list[float], q: float) -> float | None:
    if not xs:
        return None
    xs = sorted(xs)
    k = max(0, min(len(xs) - 1, int(round(q * (len(xs) - 1)))))
    return xs[k]


async def _round_ws(base: str, n: int, ramp: float, timeout: float, pages) -> list[dict]:
    async def one(i):
        await asyncio.sleep(ramp * i / max(1, n))
        return await viewer(base, pages, timeout=timeout)

    return await asyncio.gather(*(one(i) for i in range(n)))


async def _round_http(base: str, n: int, ramp: float, timeout: float, pages) -> list[dict]:
    loop = asyncio.get_running_loop()
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=n) as pool:
        async def one(i):
            await asyncio.sleep(ramp * i / max(1, n))
            return await loop.run_in_executor(pool, _http_viewer, base, pages, timeout)

        return await asyncio.gather(*(one(i) for i in range(n)))


def run_round(base: str, n: int, *, pids: list[int] | None = None, ramp: float = 3.0, timeout: float = 120.0,
              http: bool = False, pages=None) -> dict:
    """N viewers against `base`; figures of the round (pids: the server's processes, for CPU and memory)."""
    pids = pids or []
    pages = pages or (("index.html", "map.html", "rankings.html") if http else PAGES)
    before = {p: _proc_stats(p) for p in pids}
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    coro = _round_http if http else _round_ws
    results = asyncio.run(coro(base, n, ramp, timeout, pages))
    wall = time.perf_counter() - t0
    after = {p: _proc_stats(p) for p in pids}
    times = [t for r in results for t in r["pages"].values()]
    totals = [r["total"] for r in results if not r["errors"]]
    errors = [e for r in results for e in r["errors"]]
    # shown: what a viewer saw on the page (an exception, an error alert); the rest: the viewer did not
    # get its pages within the bound (timeout) or lost the connection
    shown = [e for e in errors if e.split(":", 1)[0] in ("overview", "map", "rankings", "page not found")]
    cpu = sum(after[p].get("cpu", 0) - before[p].get("cpu", 0) for p in pids) if pids else None
    rss_after = sum(after[p].get("rss_mb", 0) for p in pids) if pids else None
    rss_before = sum(before[p].get("rss_mb", 0) for p in pids) if pids else None
    return {
        "viewers": n, "ramp_s": ramp, "page_loads": len(times), "errors": len(errors),
        "errors_shown": len(shown), "viewers_unfinished": sum(1 for r in results if len(r["pages"]) < len(pages)),
        "error_samples": sorted(set(errors))[:5],
        "median_s": round(statistics.median(times), 3) if times else None,
        "p95_s": round(_pct(times, 0.95), 3) if times else None,
        "max_s": round(max(times), 3) if times else None,
        "viewer_total_median_s": round(statistics.median(totals), 3) if totals else None,
        "viewer_total_p95_s": round(_pct(totals, 0.95), 3) if totals else None,
        "wall_s": round(wall, 2),
        "mb_received": round(sum(r.get("bytes", 0) for r in results) / 1e6, 1) if http else None,
        "server_cpu_s": round(cpu, 2) if cpu is not None else None,
        "server_cpu_s_per_viewer": round(cpu / n, 3) if cpu is not None else None,
        "rss_mb_before": round(rss_before, 1) if rss_before is not None else None,
        "rss_mb_after": round(rss_after, 1) if rss_after is not None else None,
        "rss_mb_per_viewer": round((rss_after - rss_before) / n, 2) if rss_after is not None else None,
        "loadavg_1m_before": round(load_before, 2), "loadavg_1m_after": round(os.getloadavg()[0], 2),
        "server_alive": all(Path(f"/proc/{p}").exists() for p in pids) if pids else None,
    }


# --- servers ---------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_health(base: str, proc: subprocess.Popen | None = None, seconds: float = 90) -> None:
    end = time.time() + seconds
    while time.time() < end:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if urllib.request.urlopen(base + "/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{base} did not become healthy")


@contextmanager
def streamlit(database_url: str, log_path: Path, *, public: bool = True, port: int | None = None,
              **env_extra: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """`streamlit run app.py` on 127.0.0.1; yields (base URL, process)."""
    env = {**os.environ, "DATABASE_URL": database_url, "DASHBOARD_PUBLIC": "1" if public else "0",
           "DASHBOARD_LANG": "zh", "DASHBOARD_DEMO": "0", **env_extra}
    port = port or free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                                 "--server.address", "127.0.0.1", "--server.port", str(port),
                                 "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_health(base, proc)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cli(url: str, *args: str) -> str:
    return subprocess.run([sys.executable, "-m", "lib.cli", "--db", url, *args], cwd=ROOT, check=True,
                          capture_output=True, text=True, timeout=600).stdout


@contextmanager
def demo_store(kind: str, workdir: Path) -> Iterator[str]:
    """A scratch demo store; yields the URL the public edition reads it with."""
    if kind == "sqlite":
        url = f"sqlite:///{workdir / 'load_demo.db'}"
        cli(url, "demo")
        yield url
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name, role = f"bench_load_{os.getpid()}", f"bench_public_{os.getpid()}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_ADMIN).set(database=name)
    try:
        staff = url.render_as_string(hide_password=False)
        cli(staff, "demo")
        cli(staff, "db-reader", role, "--no-password")
        yield url.set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


# --- the command ---------------------------------------------------------------------------------

def _row(label: str, r: dict) -> str:
    return (f"| {label} | {r['viewers']} | {r['errors']} | {r['median_s']} | {r['p95_s']} | "
            f"{r['server_cpu_s_per_viewer']} | {r['rss_mb_per_viewer']} | {r['rss_mb_after']} | "
            f"{r['loadavg_1m_before']} |")


HEADER = ("| edition | viewers | errors | median s | p95 s | server CPU s/viewer | RSS MB/viewer | RSS MB after | load avg |\n"
          "|---|---|---|---|---|---|---|---|---|")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--store", default="sqlite,postgresql")
    p.add_argument("--viewers", default="10,50,100,200")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--ramp", type=float, default=3.0, help="viewers arrive evenly within this many seconds")
    p.add_argument("--timeout", type=float, default=120.0, help="a viewer gives up after this many seconds")
    p.add_argument("--url", help="measure a server already running (no CPU/memory figures)")
    p.add_argument("--static", help="serve this published directory with python's http.server and measure it")
    p.add_argument("--nginx", action="store_true", help="with --static: serve it with nginx instead")
    p.add_argument("--path", default="zh/latest/", help="with --static: the week's directory the viewers open")
    p.add_argument("--label", default="")
    p.add_argument("--no-post-script-gc", dest="no_gc", action="store_true",
                   help="run Streamlit with runner.postScriptGC=false (a full gc.collect after every script run "
                        "costs about half of a viewer's CPU)")
    p.add_argument("--no-save", action="store_true")
    a = p.parse_args(argv)
    counts = [int(x) for x in a.viewers.split(",")]
    rows: list[dict] = []

    def record(edition: str, pids, base, http=False):
        for n in counts:
            for rep in range(a.repeat):
                r = run_round(base, n, pids=pids, ramp=a.ramp, timeout=a.timeout, http=http)
                r.update(edition=edition, repeat=rep + 1, label=a.label,
                         at=datetime.now(timezone.utc).isoformat(timespec="seconds"))
                rows.append(r)
                print(_row(edition, r), flush=True)
                if r["error_samples"]:
                    print("   errors:", r["error_samples"], flush=True)
                if r["server_alive"] is False:
                    print("   the server died", flush=True)
                    return
                time.sleep(2)

    print(HEADER, flush=True)
    if a.url:
        record("running server", [], a.url)
    elif a.static:
        with static_server(Path(a.static), nginx=a.nginx) as (base, pids):
            record("static (nginx)" if a.nginx else "static (http.server)", pids, base + a.path, http=True)
    else:
        work = Path(tempfile.mkdtemp(prefix="bench_load_"))
        try:
            for kind in a.store.split(","):
                env = {"STREAMLIT_RUNNER_POST_SCRIPT_GC": "false"} if a.no_gc else {}
                with demo_store(kind, work) as url, streamlit(url, work / f"{kind}.log", **env) as (base, proc):
                    run_round(base, 1, pids=[proc.pid])  # warm the process's caches (one viewer)
                    record(f"streamlit {kind}" + (" (postScriptGC off)" if a.no_gc else ""), [proc.pid], base)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    if not a.no_save:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        old = json.loads(OUT.read_text()) if OUT.exists() else []
        OUT.write_text(json.dumps(old + rows, ensure_ascii=False, indent=1) + "\n")
    return 0


@contextmanager
def static_server(root: Path, *, nginx: bool = False) -> Iterator[tuple[str, list[int]]]:
    """Serve a published directory on 127.0.0.1; yields (base URL, server pids)."""
    port = free_port()
    if nginx:
        from deploy import nginx as ng

        with ng.static(root, port) as pids:
            yield f"http://127.0.0.1:{port}/", pids
        return
    proc = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                             "--directory", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}/"
        for _ in range(100):
            try:
                urllib.request.urlopen(base, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base, [proc.pid]
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    sys.exit(main())
