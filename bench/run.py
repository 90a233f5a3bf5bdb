"""National-scale benchmark: `python -m bench.run [--sizes 10000,100000,300000] [--weeks 52]
[--backends sqlite,postgresql] [--seed 1] [--repeat 3] [--keep]`.

For each size and backend, on the same synthetic data (lib.synth, deterministic),
it times the dashboard's queries on the store and compares each with two
references computed in the same run from the same rows:

* DuckDB: the raw history loaded once into an in-memory DuckDB (load not
  timed), the query written the natural way (the fast limit);
* pandas: what most dashboards do, load the history from the store into pandas
  and group (load + compute timed).

Every answer is reduced to a checksum; the store's, DuckDB's and pandas' must agree.
Scratch stores: /tmp/bench_<N>x<W>.db and the PostgreSQL database bench_scale_<N>x<W>
(dropped at the end unless --keep). Results: bench/out/results.json (and
bench/RESULTS.md written by `python -m bench.report`).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import platform
import time
from datetime import date, timedelta
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from sqlalchemy import create_engine, or_, select, text, update

from lib.domain import regions
from lib.figures import metrics
from lib.figures import rankings
from lib.figures import rollups
from lib.figures import search as community_search
from lib.samples import synth
from lib.store import bulk
from lib.store.models import ProgressReport, Project, Target
from lib.store.engine import forget_stores, open_store

OUT = Path(__file__).resolve().parent / "out"
PG_ADMIN = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PROVINCE = "440000"  # 广东省: the most counties of any province in the synthetic spread
SEARCH_NAME = "纺织厂"
# Community searches: a rare three-character name piece, a two-character one (trigram indexes cannot
# answer it), and a two-character one that a fifth of the register holds.
SEARCHES = {"search": "纺织厂", "search_2char": "纺织", "search_common": "小区"}
SEARCH_FIELDS = ("code", "name", "street", "community", "address")


def digest(rows) -> str:
    return hashlib.sha1(repr(list(rows)).encode()).hexdigest()[:12]


# --- answers reduced to comparable tuples --------------------------------------------------

def county_tuples(df: pd.DataFrame) -> list[tuple]:
    """(adcode, registered communities, registered hh, started hh, completed communities, invested, reported)."""
    df = df[df["reg_communities"] > 0].sort_index()
    return [(a, int(r.reg_communities), int(r.reg_households), int(r.started_households),
             int(r.completed_communities), round(float(r.invested_wan), 1), int(r.reported))
            for a, r in df.iterrows()]


def summary_tuples(s: dict) -> list[tuple]:
    out = []
    for c in s["children"]:
        t = c["totals"]
        if not t["communities"]["registered"]:
            continue
        out.append((c["adcode"], int(t["communities"]["registered"]), int(t["households"]["registered"]),
                    int(t["households"]["started"]), int(t["communities"]["completed"]),
                    round(float(t["investment_wan"]["invested"]), 1), int(t["reported_this_week"])))
    return sorted(out)


def rank_tuples(df: pd.DataFrame) -> list[tuple]:
    return sorted((r.adcode, int(r["rank"]), _i(r.rank_change_week), _i(r.rank_change_month))
                  for _, r in df.iterrows() if pd.notna(r["rank"]))


def _i(v):
    return None if pd.isna(v) else int(v)


def rank_from_figures(now: pd.DataFrame, week: pd.DataFrame, month: pd.DataFrame, target: dict) -> list[tuple]:
    def ranks(df):
        # Python's round() on Python floats, as lib.metrics._rate does (numpy's rounding differs at .5 ties)
        rate = pd.Series({a: round(float(df.at[a, "started_households"]) / float(target[a]), 4)
                          if a in df.index else 0.0 for a in target})
        return rate.rank(ascending=False, method="min").astype(int)

    r0, r1, r2 = ranks(now), ranks(week), ranks(month)
    return sorted((a, int(r0[a]), int(r1[a] - r0[a]), int(r2[a] - r0[a])) for a in target)


def series_tuples(df: pd.DataFrame) -> list[tuple]:
    return [(pd.Timestamp(r.report_date).date().isoformat(), int(r.started_households),
             int(r.completed_communities), round(float(r.invested_wan), 1)) for r in df.itertuples()]


# --- the store's answers (what the dashboard calls) ---------------------------------------

def store_queries(store, pid, weeks, region_counties) -> dict:
    w = weeks[-1]  # the ranking looks up its own earlier weeks

    def summary_province():
        return summary_tuples(metrics.summary(store, pid, region=PROVINCE, as_of=w, by="county"))

    def summary_country():
        return summary_tuples(metrics.summary(store, pid, as_of=w, by="county"))

    def ranking():
        return rank_tuples(rankings.ranking(store, pid, as_of=w, by="county"))

    def trend():
        with store.session() as s:
            df = rollups.series(s, pid)
        return series_tuples(df)

    def searcher(text_):
        def run():
            with store.session() as s:
                codes = [c for _, c in community_search.find(s, pid, text_)]
            return [len(codes), *codes[:20]]
        return run

    return {"summary_province": summary_province, "summary_country": summary_country, "ranking": ranking,
            "trend": trend, **{k: searcher(v) for k, v in SEARCHES.items()}}


def _month_before(weeks: list[date]) -> date:
    w = weeks[-1]
    return max(d for d in weeks if d <= w - timedelta(days=28))


# --- references -----------------------------------------------------------------------------

def load_history(store, pid, reports: bool = True) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The naive dashboard's first step: read the register and the whole history into pandas
    (reports=False: the register only, all a search needs)."""
    with store.engine.connect() as c:
        proj = pd.read_sql(select(Project.id, Project.code, Project.name, Project.street, Project.community,
                                  Project.address, Project.county_adcode, Project.households,
                                  Project.registered_on).where(Project.programme_id == pid), c)
        rep = pd.read_sql(select(ProgressReport.project_id, ProgressReport.report_date, ProgressReport.id,
                                 ProgressReport.stage, ProgressReport.invested_wan)
                          .join(Project, Project.id == ProgressReport.project_id)
                          .where(Project.programme_id == pid, ProgressReport.active.is_(True),
                                 *([] if reports else [ProgressReport.id < 0])), c)
        tg = dict(c.execute(select(Target.region_adcode, Target.value)
                            .where(Target.programme_id == pid, Target.metric == "households")).all())
    proj["registered_on"] = pd.to_datetime(proj["registered_on"])
    rep["report_date"] = pd.to_datetime(rep["report_date"])
    return proj, rep, tg


def pandas_asof(proj, rep, day, counties=None) -> pd.DataFrame:
    day = pd.Timestamp(day)
    p = proj[proj["registered_on"] <= day]
    if counties is not None:
        p = p[p["county_adcode"].isin(counties)]
    r = rep[rep["report_date"] <= day].sort_values(["project_id", "report_date", "id"])
    last = r.drop_duplicates("project_id", keep="last").set_index("project_id")
    j = p.join(last[["report_date", "stage", "invested_wan"]], on="id")
    j["started"] = j["stage"] >= 3
    j["done"] = j["stage"] >= 4
    g = j.groupby("county_adcode")
    out = pd.DataFrame({
        "reg_communities": g.size(), "reg_households": g["households"].sum(),
        "started_households": g.apply(lambda x: x.loc[x["started"], "households"].sum()),
        "completed_communities": g["done"].sum(), "invested_wan": g["invested_wan"].sum(),
        "reported": g.apply(lambda x: (x["report_date"] == day).sum())})
    return out


def pandas_series(proj, rep, weeks) -> pd.DataFrame:
    last = rep.sort_values(["project_id", "report_date", "id"]).drop_duplicates(["project_id", "report_date"], keep="last")
    grid = pd.DataFrame({"project_id": np.repeat(proj["id"].to_numpy(), len(weeks)),
                         "week": np.tile(pd.to_datetime(weeks).to_numpy(), len(proj))})
    grid = grid.merge(proj[["id", "households", "registered_on"]], left_on="project_id", right_on="id")
    grid = grid[grid["registered_on"] <= grid["week"]].sort_values("week")
    m = pd.merge_asof(grid, last.sort_values("report_date")[["project_id", "report_date", "stage", "invested_wan"]],
                      left_on="week", right_on="report_date", by="project_id")
    m["sh"] = np.where(m["stage"] >= 3, m["households"], 0)
    m["cc"] = (m["stage"] >= 4).astype(int)
    g = m.groupby("week").agg(started_households=("sh", "sum"), completed_communities=("cc", "sum"),
                              invested_wan=("invested_wan", "sum")).reset_index()
    return g.rename(columns={"week": "report_date"})


class Duck:
    """The raw history in an in-memory DuckDB (loaded once, not timed)."""

    def __init__(self, proj: pd.DataFrame, rep: pd.DataFrame, tg: dict):
        self.con = duckdb.connect()
        self.con.execute("SET threads TO 2")
        self.con.register("proj_df", proj)
        self.con.register("rep_df", rep)
        self.con.execute("CREATE TABLE project AS SELECT id, code, name, street, community, address, county_adcode, households, "
                         "CAST(registered_on AS DATE) registered_on FROM proj_df")
        self.con.execute("CREATE TABLE report AS SELECT project_id, CAST(report_date AS DATE) report_date, id, "
                         "stage, invested_wan FROM rep_df")
        self.con.unregister("proj_df")
        self.con.unregister("rep_df")
        self.tg = tg

    def asof(self, day: date, counties=None) -> pd.DataFrame:
        where = "" if counties is None else f"AND p.county_adcode IN ({','.join(repr(c) for c in counties)})"
        df = self.con.execute(f"""
            WITH l AS (SELECT project_id, arg_max(stage, (report_date, id)) stage,
                              arg_max(invested_wan, (report_date, id)) inv, max(report_date) rd
                       FROM report WHERE report_date <= DATE '{day}' GROUP BY project_id)
            SELECT p.county_adcode adcode, count(*) reg_communities, sum(p.households) reg_households,
                   sum(CASE WHEN l.stage >= 3 THEN p.households ELSE 0 END) started_households,
                   sum(CASE WHEN l.stage >= 4 THEN 1 ELSE 0 END) completed_communities,
                   coalesce(sum(l.inv), 0) invested_wan,
                   sum(CASE WHEN l.rd = DATE '{day}' THEN 1 ELSE 0 END) reported
            FROM project p LEFT JOIN l ON l.project_id = p.id
            WHERE p.registered_on <= DATE '{day}' {where} GROUP BY 1""").df()
        return df.set_index("adcode")

    def series(self) -> pd.DataFrame:
        return self.con.execute("""
            WITH w AS (SELECT DISTINCT report_date AS wk FROM report),
            l AS (SELECT project_id, report_date, arg_max(stage, id) stage, arg_max(invested_wan, id) inv
                  FROM report GROUP BY project_id, report_date),
            g AS (SELECT p.id, p.households, w.wk FROM project p, w WHERE p.registered_on <= w.wk),
            j AS (SELECT g.*, l.stage, l.inv FROM g ASOF LEFT JOIN l ON g.id = l.project_id AND g.wk >= l.report_date)
            SELECT wk AS report_date, sum(CASE WHEN stage >= 3 THEN households ELSE 0 END) started_households,
                   sum(CASE WHEN stage >= 4 THEN 1 ELSE 0 END) completed_communities,
                   coalesce(sum(inv), 0) invested_wan
            FROM j GROUP BY wk ORDER BY wk""").df()

    def search(self, text_: str) -> list:
        """The same rule as lib.figures.search: any text field contains the query, A-Z folded to a-z
        (DuckDB's `contains`, its fast substring test; LIKE with an ESCAPE clause was 10× slower)."""
        fold = "translate({}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
        where = " OR ".join(f"contains({fold.format(f)}, ?)" for f in SEARCH_FIELDS)
        codes = [r[0] for r in self.con.execute(f"SELECT code FROM project WHERE {where} ORDER BY code",
                                                [community_search.fold(text_)] * len(SEARCH_FIELDS)).fetchall()]
        return [len(codes), *codes[:20]]


def reference_queries(duck: Duck, weeks, region_counties, target) -> dict:
    w, wp, wm = weeks[-1], weeks[-2], _month_before(weeks)
    return {
        "summary_province": lambda: county_tuples(duck.asof(w, region_counties)),
        "summary_country": lambda: county_tuples(duck.asof(w)),
        "ranking": lambda: rank_from_figures(duck.asof(w), duck.asof(wp), duck.asof(wm), target),
        "trend": lambda: series_tuples(duck.series()),
        **{k: (lambda v=v: duck.search(v)) for k, v in SEARCHES.items()},
    }


def pandas_queries(loaded, weeks, region_counties) -> dict:
    """The naive dashboard's computations on the history loaded once (its load time is added to each
    in the results: a naive dashboard loads on every cache miss; loading 15 M rows seven times per
    backend took longer than the rest of the run on this shared machine)."""
    w, wp, wm = weeks[-1], weeks[-2], _month_before(weeks)

    def with_load(fn):
        def run():
            proj, rep, tg = loaded
            return fn(proj, rep, tg)
        return run

    def searcher(text_):
        def run(proj, rep, tg):
            q = community_search.fold(text_)
            hit = np.zeros(len(proj), dtype=bool)
            for f in SEARCH_FIELDS:
                hit |= proj[f].fillna("").map(community_search.fold).str.contains(q, regex=False).to_numpy()
            codes = sorted(proj.loc[hit, "code"])
            return [len(codes), *codes[:20]]
        return run

    def target_of(proj, tg):
        return {a: tg[a] for a in proj["county_adcode"].unique()}

    return {
        "summary_province": with_load(lambda p, r, t: county_tuples(pandas_asof(p, r, w, region_counties))),
        "summary_country": with_load(lambda p, r, t: county_tuples(pandas_asof(p, r, w))),
        "ranking": with_load(lambda p, r, t: rank_from_figures(pandas_asof(p, r, w), pandas_asof(p, r, wp),
                                                               pandas_asof(p, r, wm), target_of(p, t))),
        "trend": with_load(lambda p, r, t: series_tuples(pandas_series(p, r, weeks))),
        **{k: with_load(searcher(v)) for k, v in SEARCHES.items()},
    }


# --- timing -----------------------------------------------------------------------------

def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Best wall time of max(1, repeat) runs and the peak resident memory growth (MB) during the first.

    Memory: the kernel's peak-RSS mark is reset (echo 5 > /proc/self/clear_refs) before the run and
    VmHWM − VmRSS(before) read after it, so C allocations (SQLite, DuckDB, numpy) count too, and
    nothing slows the run down (tracemalloc made pandas 5× slower).
    """
    best, answer, peak = float("inf"), None, 0.0
    for i in range(max(1, repeat)):
        gc.collect()
        if i == 0:
            try:
                Path("/proc/self/clear_refs").write_text("5")
            except OSError:
                pass
            before = _status_kb("VmRSS")
        t = time.perf_counter()
        answer = fn()
        best = min(best, time.perf_counter() - t)
        if i == 0:
            peak = max(0, _status_kb("VmHWM") - before) / 1024
    return best, peak, answer


def _ingest_worker(url: str, pid: int, weeks: list) -> dict:
    from lib.store.engine import open_store as _open

    return time_ingest(_open(url, read_only=False), pid, weeks)


def ingest_in_own_process(url: str, pid: int, weeks: list) -> dict:
    """time_ingest in a fresh interpreter, as an upload runs in the server or the CLI: this process holds
    the DuckDB reference and the loaded history (gigabytes), whose weight made the same upload 1.7-1.8x
    slower here (SQLite 3.1-3.3 s here, 1.8-1.9 s in a process of its own)."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        out = pool.apply(_ingest_worker, (url, pid, weeks))
    out["process"] = "own (spawned)"
    return out


def time_ingest(store, pid, weeks, rows: int = 10_000) -> dict:
    """A weekly upload of `rows` reports for a new week, committed with its rollup refresh, then rolled back."""
    new_week = weeks[-1] + timedelta(days=7)
    with store.session() as s:
        picked = s.execute(select(Project.id, Project.county_adcode, Project.planned_investment_wan)
                           .where(Project.programme_id == pid).order_by(Project.id)).all()
    step = max(1, len(picked) // rows)
    picked = picked[::step][:rows]
    counties = sorted({c for _, c, _ in picked})
    recs = [dict(project_id=p, report_date=new_week, stage=3, progress_pct=50.0, invested_wan=round(inv * 0.5, 1),
                 paid_wan=round(inv * 0.3, 1), lifts_added=0, reported_by="bench", upload_id=None)
            for p, _, inv in picked]
    t = time.perf_counter()
    with store.write() as s:
        bulk.insert_rows(s, ProgressReport.__table__, recs)  # as lib.uploads.ingest writes them
        how = rollups.refresh(s, pid, counties, new_week)
    t_ingest = time.perf_counter() - t
    with store.session() as s:  # not timed: the new week's rollup equals the raw as-of query (rollups --check's test)
        raw = rollups._frame(s.execute(metrics.county_figures_query(pid, new_week)).mappings().all()).sort_index()
    got = metrics.county_figures(store, pid, new_week).sort_index()
    same = list(raw.index) == list(got.index) and bool(
        np.allclose(raw.to_numpy(dtype=float), got[raw.columns].to_numpy(dtype=float), rtol=1e-9, atol=1e-6))
    t = time.perf_counter()
    with store.write() as s:
        s.execute(update(ProgressReport).where(ProgressReport.report_date == new_week,
                                               ProgressReport.reported_by == "bench").values(active=False))
        how_back = rollups.refresh(s, pid, counties, new_week)
    t_rollback = time.perf_counter() - t
    with store.write() as s:  # leave the data set as it was for the next run
        s.execute(ProgressReport.__table__.delete().where(ProgressReport.report_date == new_week,
                                                           ProgressReport.reported_by == "bench"))
        rollups.refresh(s, pid, counties, new_week)
    with store.session() as s:
        ok = rollups.usable(s, pid) and rollups.weeks(s, pid)[-1] == weeks[-1]
    return {"rows": len(recs), "counties": len(counties), "seconds_ingest": round(t_ingest, 3),
            "seconds_rollback": round(t_rollback, 3), "rollup_clean_after": ok,
            "refresh": how.get("method", "touched counties recomputed"), "new_week_equals_raw": same,
            "refresh_rollback": how_back.get("method", "touched counties recomputed"),
            "method": "10,000 reports written by lib.store.bulk.insert_rows (COPY on PostgreSQL), as "
                      "lib.uploads.ingest writes an upload's reports, + rollups.refresh, in one store.write() "
                      "(ingest.commit itself not used: it parses a spreadsheet first)"}


# --- stores -----------------------------------------------------------------------------------

def open_bench_store(backend: str, n: int, weeks: int, seed: int, log) -> tuple:
    name = f"bench_{n}x{weeks}"
    if backend == "sqlite":
        url = f"sqlite:////tmp/{name}.db"
    else:
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            if not c.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": f"bench_scale_{n}x{weeks}"}).first():
                c.execute(text(f'CREATE DATABASE "bench_scale_{n}x{weeks}"'))
        admin.dispose()
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/bench_scale_{n}x{weeks}"
    store = open_store(url, read_only=False, migrate=True)
    t = time.perf_counter()
    out = synth.load(store, n, weeks, seed, log=log)
    synth.ensure_county_targets(store, out["programme_id"])
    if out["status"] == "unchanged":
        out = {"status": "reused", "programme_id": out["programme_id"]}
    if backend == "postgresql":  # the state autovacuum leaves a loaded store in: statistics and visibility map
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            for table in ("project", "progress_report", "search_gram", "county_rollup", "target"):
                c.exec_driver_sql(f"VACUUM ANALYZE {table}")
    out["seconds_wall"] = round(time.perf_counter() - t, 1)
    return store, out


def drop_pg(n: int, weeks: int) -> None:
    forget_stores()
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "bench_scale_{n}x{weeks}" WITH (FORCE)'))
    admin.dispose()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000,300000")
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", action="store_true", help="keep the PostgreSQL scratch databases")
    ap.add_argument("--out", default=str(OUT / "results.json"))
    ap.add_argument("--queries", default="", help="comma-separated subset of the queries (default: all)")
    ap.add_argument("--skip-pandas", action="store_true", help="no pandas reference (store vs DuckDB only)")
    ap.add_argument("--skip-ingest", action="store_true")
    args = ap.parse_args(argv)
    log = lambda m: print(m, flush=True)  # noqa: E731
    results = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                           "note": "2 cores / 24 GB shared with other engineers running test suites during the run"},
               "started": time.strftime("%Y-%m-%d %H:%M:%S"), "runs": []}
    out_path = Path(args.out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    region_counties = [c.adcode for c in regions.counties_in(PROVINCE)]
    for n in [int(x) for x in args.sizes.split(",")]:
        for backend in args.backends.split(","):
            log(f"== {n:,} communities × {args.weeks} weeks on {backend}")
            store, made = open_bench_store(backend, n, args.weeks, args.seed, log)
            pid = made["programme_id"]
            weeks = metrics.report_dates(store, pid)
            t = time.perf_counter()
            wanted = [q for q in args.queries.split(",") if q]
            search_only = bool(wanted) and all(q.startswith("search") for q in wanted)
            proj, rep, tg = load_history(store, pid, reports=not search_only)
            t_load = time.perf_counter() - t
            t = time.perf_counter()
            duck = Duck(proj, rep, tg)
            t_duck_load = time.perf_counter() - t
            target = {a: tg[a] for a in proj["county_adcode"].unique()}
            loaded = (proj, rep, tg)
            del proj, rep
            gc.collect()
            run = {"communities": n, "weeks": args.weeks, "backend": backend, "synth": made,
                   "history_rows": int(duck.con.execute("SELECT count(*) FROM report").fetchone()[0]),
                   "pandas_history_load_s": round(t_load, 2), "duckdb_load_s": round(t_duck_load, 2), "queries": []}
            mine = store_queries(store, pid, weeks, region_counties)
            refs = reference_queries(duck, weeks, region_counties, target)
            naive = pandas_queries(loaded, weeks, region_counties)
            for q in [q for q in mine if not wanted or q in wanted]:
                s_t, s_mem, s_ans = timed(mine[q], args.repeat)
                d_t, d_mem, d_ans = timed(refs[q], args.repeat)
                if args.skip_pandas:
                    p_t, p_mem, p_ans = float("nan"), 0.0, s_ans
                else:
                    p_t, p_mem, p_ans = timed(naive[q], 1)
                    p_t += t_load  # load + compute, as a naive dashboard pays on a cache miss
                row = {"query": q, "store_s": round(s_t, 4), "duckdb_s": round(d_t, 4), "pandas_s": round(p_t, 3),
                       "vs_duckdb": round(s_t / d_t, 2), "vs_pandas": round(s_t / p_t, 4),
                       "store_peak_mb": round(s_mem, 1), "duckdb_peak_mb": round(d_mem, 1),
                       "pandas_peak_mb": round(p_mem, 1), "checksum_store": digest(s_ans),
                       "checksum_duckdb": digest(d_ans), "checksum_pandas": digest(p_ans)}
                row["agree"] = row["checksum_store"] == row["checksum_duckdb"] == row["checksum_pandas"]
                if q.startswith("search"):
                    row["hits"] = s_ans[0]
                if not row["agree"]:
                    row["first_difference"] = _first_diff(s_ans, d_ans, p_ans)
                run["queries"].append(row)
                log(f"  {q:18s} store {s_t:8.4f}s  duckdb {d_t:8.4f}s  pandas {p_t:8.2f}s  "
                    f"×duckdb {s_t / d_t:6.2f}  agree={row['agree']}")
            if not args.skip_ingest:
                run["ingest"] = ingest_in_own_process(store.url, pid, weeks)
                log(f"  ingest 10k          {run['ingest']['seconds_ingest']}s  "
                    f"rollback {run['ingest']['seconds_rollback']}s  {run['ingest']['refresh']}")
            results["runs"].append(run)
            del loaded
            duck.con.close()
            del duck
            gc.collect()
            forget_stores()
            if backend == "postgresql" and not args.keep:
                drop_pg(n, args.weeks)
            out_path.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    results["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    out_path.write_text(json.dumps(results, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    log(f"results: {out_path}")
    return 0


def _first_diff(*answers):
    for i, items in enumerate(zip(*answers)):
        if len({repr(x) for x in items}) > 1:
            return {"index": i, "values": [repr(x) for x in items]}
    return {"lengths": [len(a) for a in answers]}


if __name__ == "__main__":
    raise SystemExit(main())
