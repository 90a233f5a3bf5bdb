"""Write bench/RESULTS.md from bench/out/results.json: `python -m bench.report`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def render(res: dict) -> str:
    lines = ["# Benchmark results", "",
             f"Run {res.get('started')} → {res.get('finished', '(unfinished)')}; "
             f"{res['machine']['cpus']} CPUs, Python {res['machine']['python']}. "
             f"{res['machine']['note']}.", "",
             "Times are the best of 3 for the store and DuckDB, one run for pandas (load + compute). "
             "Peak = growth of the process's resident memory during the first run (peak-RSS mark reset via "
             "/proc/self/clear_refs, then VmHWM − VmRSS before; C allocations of SQLite, DuckDB, numpy included; "
             "the PostgreSQL server's memory is not). ✓ = the store's, DuckDB's and pandas' checksums agree.", ""]
    for run in res["runs"]:
        syn = run["synth"]
        made = (f"generated in {syn.get('seconds_total')} s ({syn.get('rows_per_second'):,} rows/s load, "
                f"rollups {syn.get('seconds_rollups')} s)" if syn.get("status") == "loaded" else "reused")
        lines += [f"## {run['communities']:,} communities × {run['weeks']} weeks on {run['backend']}", "",
                  f"{run['history_rows']:,} reports; data {made}; pandas history load "
                  f"{run['pandas_history_load_s']} s.", "",
                  "| query | store s | DuckDB s | pandas s | store/DuckDB | store/pandas | peak MB store / DuckDB / pandas | checksum | agree |",
                  "|---|---:|---:|---:|---:|---:|---|---|---|"]
        for q in run["queries"]:
            lines.append(f"| {q['query']} | {q['store_s']} | {q['duckdb_s']} | {q['pandas_s']} | "
                         f"{q['vs_duckdb']}× | {q['vs_pandas']}× | {q['store_peak_mb']} / {q['duckdb_peak_mb']} / "
                         f"{q['pandas_peak_mb']} | `{q['checksum_store']}` | {'✓' if q['agree'] else '✗'} |")
        ing = run.get("ingest")
        if ing:
            lines += ["", f"Weekly upload of {ing['rows']:,} reports ({ing['counties']} counties) with the "
                          f"rollup refresh: **{ing['seconds_ingest']} s**; its rollback: {ing['seconds_rollback']} s "
                          f"({ing['method']})."]
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    src = Path(argv[0]) if argv else HERE / "out" / "results.json"
    res = json.loads(src.read_text(encoding="utf-8"))
    extra = HERE / "out" / "browser.json"
    text = render(res)
    if extra.exists():
        b = json.loads(extra.read_text(encoding="utf-8"))
        text += "## Dashboard process at national scale\n\n```json\n" + json.dumps(b, ensure_ascii=False, indent=1) + "\n```\n"
    (HERE / "RESULTS.md").write_text(text, encoding="utf-8")
    print(HERE / "RESULTS.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
