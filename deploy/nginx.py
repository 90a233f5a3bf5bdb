"""Run nginx on 127.0.0.1 with the directives of deploy/nginx.conf, for the tests and the load benchmark.

`replicas(ports, listen)`: nginx in front of Streamlit replicas (ip_hash, websocket upgrade, timeouts,
the next replica when one is dead). `static(root, listen)`: nginx serving a published directory.
Each runs in the foreground (`daemon off`) from a scratch prefix directory and is stopped on exit.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
MIME = "/etc/nginx/mime.types"

_HEAD = """
worker_processes {workers};
{user}
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    {mime}
    access_log off;
    sendfile on;
    gzip_static on;
    keepalive_timeout 65;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
"""

REPLICAS = _HEAD + """
    upstream renovation_staff {{
        ip_hash;
{servers}
    }}
    map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
    server {{
        listen 127.0.0.1:{listen};
        client_max_body_size 25m;
        location / {{
            proxy_pass http://renovation_staff;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_connect_timeout 5s;
            proxy_read_timeout 3600s;
            proxy_send_timeout 3600s;
            proxy_next_upstream error timeout http_502 http_503;
            proxy_buffering off;
        }}
    }}
}}
"""

STATIC = _HEAD + """
    server {{
        listen 127.0.0.1:{listen} backlog=4096;
        root {root};
        index index.html;
        location / {{ try_files $uri $uri/ =404; }}
    }}
}}
"""


def available() -> bool:
    return NGINX is not None


def _user() -> str:
    # as root, nginx's workers would run as nobody and could not read a private scratch directory
    return "user root;" if os.geteuid() == 0 else ""


@contextmanager
def _run(conf_text: str, prefix: Path, listen: int) -> Iterator[list[int]]:
    conf = prefix / "nginx.conf"
    conf.write_text(conf_text)
    test = subprocess.run([NGINX, "-t", "-c", str(conf), "-p", str(prefix)], capture_output=True, text=True)
    if test.returncode != 0:
        raise RuntimeError(f"nginx refused the configuration:\n{test.stderr}")
    proc = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{listen}/", timeout=1)
                break
            except urllib.error.HTTPError:
                break  # nginx answers (a replica may still be starting)
            except OSError:
                if proc.poll() is not None:
                    raise RuntimeError(f"nginx exited: {proc.stderr.read().decode()[-2000:]}")
                time.sleep(0.1)
        yield [proc.pid] + _children(proc.pid)
    finally:
        proc.send_signal(signal.SIGQUIT)  # graceful stop of master and workers
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _children(pid: int) -> list[int]:
    """nginx's worker processes (their CPU and memory count as the server's)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return out


def _prefix() -> Path:
    p = Path(tempfile.mkdtemp(prefix="renovation_nginx_"))
    for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (p / d).mkdir()
    return p


def _fmt(template: str, prefix: Path, listen: int, workers: int = 2, **kw) -> str:
    mime = f"include {MIME};" if Path(MIME).exists() else ""
    return template.format(prefix=prefix, listen=listen, workers=workers, user=_user(), mime=mime, **kw)


@contextmanager
def replicas(ports: list[int], listen: int) -> Iterator[list[int]]:
    """nginx on 127.0.0.1:`listen` in front of Streamlit replicas on `ports`; yields nginx's pids."""
    prefix = _prefix()
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in ports)
    try:
        with _run(_fmt(REPLICAS, prefix, listen, servers=servers), prefix, listen) as pids:
            yield pids
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


@contextmanager
def static(root: Path, listen: int) -> Iterator[list[int]]:
    """nginx on 127.0.0.1:`listen` serving the published directory `root`; yields nginx's pids."""
    prefix = _prefix()
    try:
        with _run(_fmt(STATIC, prefix, listen, root=Path(root).resolve()), prefix, listen) as pids:
            yield pids
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
