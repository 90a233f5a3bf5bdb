"""Benchmark: one 10,000-row weekly progress upload, end to end (issue: district uploads).

    python -m bench.upload [--rows 10000] [--backend sqlite|postgresql]

Builds a synthetic programme with at least `rows` communities, writes next
week's progress for `rows` of them as a real .xlsx (the template's headers),
then times what a clerk waits for: reading the file, the preview (every check
against the store plus the diff), and the commit (the checks again inside the
transaction, the inserts, the rollup refresh). Prints one JSON line and writes
bench/out/upload.json. Not a unit test: it measures, it does not assert.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from datetime import timedelta
from pathlib import Path

import openpyxl
from sqlalchemy import create_engine, text

from lib.access.auth import Actor
from lib.domain import fields
from lib.domain import vocabulary
from lib.figures.metrics import register_table
from lib.samples import synth
from lib.store.engine import forget_stores, open_store
from lib.uploads import ingest
from lib.uploads.reader import read_workbook

OUT = Path(__file__).resolve().parent / "out"


def _store(backend: str, tag: str):
    if backend == "sqlite":
        path = Path(f"/tmp/bench_upload_{tag}.db")
        for p in path.parent.glob(path.name + "*"):
            p.unlink()
        return open_store(f"sqlite:///{path}", read_only=False, migrate=True), lambda: None
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    name = f"bench_upload_{tag}"
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        c.execute(text(f'CREATE DATABASE "{name}"'))
    store = open_store(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", read_only=False, migrate=True)

    def drop():
        forget_stores()
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return store, drop


# The progress template's headers for what a week changes.
_COLUMNS = ("code", "name", "stage", "started_on", "finished_on", "progress_pct", "invested_wan", "paid_wan")


def build_file(store, programme_id: int, rows: int, week) -> bytes:
    df = register_table(store, programme_id, as_of=week, viewer=Actor.system()).head(rows)
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("进度填报")
    ws.append(["全国城镇老旧小区改造 进度填报表"])
    ws.append([f"填报日期：{week:%Y年%m月%d日}"])
    ws.append([fields.get(c).zh for c in _COLUMNS])
    order = [s.zh for s in vocabulary.STAGES]
    for r in df.itertuples():
        stage = r.stage if isinstance(r.stage, str) else "计划"
        pct = float(r.progress_pct) if r.progress_pct == r.progress_pct and r.progress_pct is not None else 0.0
        started = r.started_on if r.started_on == r.started_on else None
        finished = r.finished_on if r.finished_on == r.finished_on else None
        if stage == "开工":  # a week's work
            pct = min(95.0, pct + 5)
        inv = float(r.invested_wan or 0) if r.invested_wan == r.invested_wan else 0.0
        paid = float(r.paid_wan or 0) if r.paid_wan == r.paid_wan else 0.0
        ws.append([r.code, r.name, order[order.index(stage)], started, finished, pct, inv, paid])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(prog="python -m bench.upload")
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    args = ap.parse_args(argv)

    store, cleanup = _store(args.backend, str(args.rows))
    try:
        made = synth.load(store, int(args.rows * 1.1) + 100, 4, 7)  # some register after week 1
        pid = made["programme_id"]
        week = max(synth.weeks_of(4)) + timedelta(days=7)
        data = build_file(store, pid, args.rows, week)
        actor = Actor.system("bench")

        t0 = time.perf_counter()
        read = read_workbook(data, "upload.xlsx", max_rows=max(50_000, args.rows + 10))
        t_read = time.perf_counter() - t0
        t0 = time.perf_counter()
        pv = ingest.check(store, data, "upload.xlsx", pid, actor=actor, as_of=week,
                          max_rows=max(50_000, args.rows + 10))
        t_preview = time.perf_counter() - t0
        t0 = time.perf_counter()
        done = ingest.commit(store, data, "upload.xlsx", pid, actor=actor, as_of=week,
                             max_rows=max(50_000, args.rows + 10), preview=pv)
        t_commit = time.perf_counter() - t0
        result = {
            "backend": args.backend, "rows": len(read.rows), "file_bytes": len(data),
            "status": done.status, "errors": len(done.errors), "warnings": len(done.warnings),
            "read_s (alone, for reference)": round(t_read, 2),
            "preview_s (read + every check + diff)": round(t_preview, 2),
            "commit_s (checks reused under the write lock, insert, rollup refresh)": round(t_commit, 2),
            "end_to_end_s": round(t_preview + t_commit, 2),
            "rows_per_s_end_to_end": round(len(read.rows) / (t_preview + t_commit)),
            "goal_s": 5.0,
        }
        assert done.status == "committed", [e.message for e in done.errors][:3]
    finally:
        cleanup()
    OUT.mkdir(exist_ok=True)
    (OUT / f"upload_{args.backend}.json").write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
