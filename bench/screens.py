"""The screens' own time at national scale: `python -m bench.screens [--db URL] [--programme ID]`.

Runs app.py under Streamlit's AppTest (in this process, no browser) on the national synthetic
store and times each script run from the rerun request to the script's end: the overview's
first render, a region change (全部 → 广东省), a week change, then the map and the rankings
with those filters and a second region change on each. Every filter value is new to the
process's caches, so each run pays what a viewer's first change of that filter pays (figures
shared across sessions by `pages/_ui/store.cached` are computed once per data version).
The browser adds drawing on top (bench/browser.py measures that); this is the server's part,
the cost every concurrent viewer's change puts on the machine. Writes bench/out/screens.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "out"
GOAL_S = 0.5


def _run(at) -> float:
    t = time.perf_counter()
    at.run()
    took = time.perf_counter() - t
    if at.exception:
        raise RuntimeError([e.value for e in at.exception])
    return round(took, 3)


def measure(url: str, programme: str = "1") -> dict:
    os.environ.update({"DATABASE_URL": url, "DASHBOARD_DEMO": "0", "DASHBOARD_LANG": "zh"})
    os.environ.pop("DASHBOARD_PUBLIC", None)
    from streamlit.testing.v1 import AppTest

    from lib.figures import metrics
    from lib.store.engine import open_store

    weeks = [d.isoformat() for d in metrics.report_dates(open_store(url), int(programme))]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=900)
    at.query_params["programme"] = programme
    res: dict = {"db": url, "programme": programme, "goal_s": GOAL_S, "runs": {}}
    runs = res["runs"]
    runs["overview_first"] = _run(at)
    at.selectbox(key="pref").set_value("440000")
    runs["overview_region"] = _run(at)
    at.selectbox(key="week").set_value(weeks[-9])
    runs["overview_week"] = _run(at)
    at.selectbox(key="pref").set_value("510000")
    runs["overview_region_2"] = _run(at)
    for page in ("map", "rankings"):
        at.switch_page(f"pages/{page}.py")
        runs[f"{page}_first"] = _run(at)
        at.selectbox(key="pref").set_value("330000")
        runs[f"{page}_region"] = _run(at)
        at.selectbox(key="week").set_value(weeks[-5 if page == "map" else -6])
        runs[f"{page}_week"] = _run(at)
        at.selectbox(key="pref").set_value("440000")  # back: partly cached by the overview's run
        runs[f"{page}_region_2"] = _run(at)
    changes = {k: v for k, v in runs.items() if not k.endswith("_first")}
    res["filter_change_worst_s"] = max(changes.values())
    res["filter_change_median_s"] = sorted(changes.values())[len(changes) // 2]
    return res


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.screens")
    ap.add_argument("--db", default="sqlite:////tmp/bench_300000x52.db")
    ap.add_argument("--programme", default="1")
    ap.add_argument("--out", default=str(OUT / "screens.json"))
    args = ap.parse_args(argv)
    res = measure(args.db, args.programme)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps(res, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
