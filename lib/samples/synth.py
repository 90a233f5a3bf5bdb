"""Synthetic national data: N communities over all 2,875 county-level divisions, W weekly reports each.

For measuring the store at national scale (15.6 M reports a year at 300,000
communities), never for showing: the programme is marked as demonstration data
and its name says "合成数据". Deterministic: the same (N, W, seed) gives the same
rows, and `checksum()` proves it.

Loading is bulk: PostgreSQL through COPY (psycopg's cursor.copy), SQLite
through executemany in big transactions with PRAGMA synchronous=OFF for the
load only. The rollup triggers (migration 0002) are switched off for the load
(the new programme has no rollup to mark dirty); the rollup is built at the end.
"""

from __future__ import annotations

import hashlib
import io
import time
from contextlib import contextmanager
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lib.domain import clock
from lib.domain import vocabulary
from lib.domain import regions
from lib.figures import rollups
from lib.store.models import Programme, ProgressReport, Project, Region, Target
from lib.store.engine import Store, _bump_version, audit

FIRST_WEEK = date(2021, 4, 2)  # a Friday: the weekly reporting day
REGISTERED = date(2021, 3, 15)
CHUNK = 20_000  # communities per generated block (× weeks rows)

ROADS = ("建设", "人民", "解放", "中山", "和平", "胜利", "文化", "新华", "朝阳", "团结", "光明", "幸福", "育才", "长江",
         "黄河", "东风", "红旗", "五一", "八一", "青年", "公园", "工人", "铁路", "跃进", "前进", "迎宾", "北京", "南京")
UNITS = ("供电公司", "粮食局", "教育局", "邮电局", "建筑公司", "农机厂", "纺织厂", "铁路分局", "气象局", "卫生局",
         "商业局", "交通局", "物资局", "地质队", "林业局", "钢铁厂", "机械厂", "化肥厂", "水泥厂", "煤矿")
SUFFIXES = ("小区", "家属院", "住宅小区", "新村", "花园", "宿舍", "住宅楼")

REPORT_COLUMNS = ("project_id", "report_date", "stage", "started_on", "finished_on", "accepted_on",
                  "progress_pct", "invested_wan", "paid_wan", "lifts_added", "problems", "is_correction",
                  "active", "reported_by", "created_at")


def programme_code(communities: int, weeks: int, seed: int) -> str:
    return f"synth-{communities}-{weeks}-{seed}"


def weeks_of(n: int) -> list[date]:
    return [FIRST_WEEK + timedelta(weeks=i) for i in range(n)]


# --- generation (pure numpy, deterministic) ---------------------------------------------------

def _counties() -> list[str]:
    out: list[str] = []
    for prov in regions.children(regions.COUNTRY):
        out += [c.adcode for c in regions.counties_in(prov.adcode)]
    return sorted(set(out))


def make_register(communities: int, seed: int, programme_id: int, first_id: int) -> pd.DataFrame:
    """The register: one row per community, spread over every county (bigger ones get more)."""
    rng = np.random.default_rng(seed)
    counties = np.array(_counties())
    w = rng.lognormal(0.0, 0.8, len(counties))
    county = np.sort(rng.choice(len(counties), size=communities, p=w / w.sum()))
    hh = np.maximum(12, rng.lognormal(np.log(110), 0.55, communities).round()).astype(np.int64)
    per_bld = rng.integers(16, 40, communities)
    bld = np.maximum(1, np.ceil(hh / per_bld)).astype(np.int64)
    area = (hh * rng.uniform(55, 90, communities) / 10_000).round(2)
    inv = (hh * rng.uniform(1.6, 3.4, communities)).round(1)
    lifts = np.where((bld >= 3) & (rng.random(communities) < 0.2), rng.integers(1, 5, communities), 0)
    late = rng.random(communities) < 0.05  # registered during the year, on a weekday that is not a Friday
    reg_days = np.where(late, rng.integers(1, 300, communities), 0)
    reg_days = np.where(late & (reg_days % 7 == 4), reg_days + 1, reg_days)  # +18 days is the first Friday
    road = rng.integers(0, len(ROADS), communities)
    unit = rng.integers(0, len(UNITS), communities)
    suf = rng.integers(0, len(SUFFIXES), communities)
    is_unit = rng.random(communities) < 0.3
    built = rng.integers(1975, 2006, communities)
    ids = np.arange(first_id, first_id + communities)
    names = [f"{UNITS[u]}家属院" if iu else f"{ROADS[r]}路{SUFFIXES[s]}"
             for u, iu, r, s in zip(unit.tolist(), is_unit.tolist(), road.tolist(), suf.tolist())]
    cty = counties[county]
    codes = [f"SY{c}-{i:06d}" for c, i in zip(cty.tolist(), range(communities))]
    return pd.DataFrame({
        "id": ids, "programme_id": programme_id, "code": codes, "name": names, "county_adcode": cty,
        "street": [f"{ROADS[r]}街道" for r in road.tolist()], "year_built": built, "households": hh,
        "buildings": bld, "floor_area_wan_m2": area, "planned_investment_wan": inv, "lifts_planned": lifts,
        "plan_year_start": 2021, "plan_year_end": 2022, "pilot": rng.random(communities) < 0.03,
        "registered_on": [REGISTERED + timedelta(days=int(d)) for d in reg_days],
    })


def make_plans(reg: pd.DataFrame, weeks: int, seed: int) -> dict[str, np.ndarray]:
    """When each community starts, finishes and is accepted (in weeks from the first report)."""
    rng = np.random.default_rng(seed + 1)
    n = len(reg)
    county_speed = {c: s for c, s in zip(_counties(), rng.choice([0.5, 0.7, 0.85, 1.0, 1.1, 1.25], len(_counties())))}
    speed = reg["county_adcode"].map(county_speed).to_numpy()
    start = (rng.triangular(0, 10, 34, n) / speed).astype(np.int64)
    never = rng.random(n) < 0.08
    start = np.where(never, 10**6, start)
    duration = (rng.uniform(8, 22, n) / np.maximum(speed, 0.5)).astype(np.int64) + 1
    finish = start + duration
    accept = finish + rng.integers(2, 6, n)
    silent = rng.random(n) * 0.06  # chance of missing a given week
    return {"start": start, "finish": finish, "accept": accept, "prep": start - 4, "duration": duration,
            "pay": rng.uniform(0.55, 0.9, n), "silent": silent}


def make_reports(reg: pd.DataFrame, plans: dict, weeks: int, seed: int, lo: int, hi: int) -> pd.DataFrame:
    """The weekly reports of communities reg[lo:hi] (vectorised; one block)."""
    rng = np.random.default_rng([seed, 2, lo])
    n = hi - lo
    w = np.tile(np.arange(weeks), n)
    k = np.repeat(np.arange(lo, hi), weeks)
    keep = rng.random(n * weeks) >= plans["silent"][k]
    w, k = w[keep], k[keep]
    start, finish, accept = plans["start"][k], plans["finish"][k], plans["accept"][k]
    stage = np.select([w >= accept, w >= finish, w >= start, w >= plans["prep"][k]],
                      [vocabulary.ACCEPTED, vocabulary.FINISHED, vocabulary.STARTED, 2], default=1)
    pct = np.where(stage >= vocabulary.FINISHED, 100.0,
                   np.where(stage == vocabulary.STARTED,
                            np.minimum(95.0, 100.0 * (w - start + 1) / plans["duration"][k]), 0.0)).round(1)
    inv = reg["planned_investment_wan"].to_numpy()[k]
    invested = (inv * pct / 100 * np.where(pct < 100, 0.97, 1.0)).round(1)
    paid = (invested * np.where(pct < 100, plans["pay"][k], np.minimum(1.0, plans["pay"][k] + 0.15))).round(1)
    lifts = np.where(stage >= vocabulary.FINISHED, reg["lifts_planned"].to_numpy()[k], 0)
    base = np.datetime64(FIRST_WEEK, "D")
    day = base + (w * 7).astype("timedelta64[D]")
    started_on = np.where(stage >= vocabulary.STARTED, base + (start * 7).clip(0, 10**5).astype("timedelta64[D]"),
                          np.datetime64("NaT"))
    finished_on = np.where(stage >= vocabulary.FINISHED, base + (finish * 7).clip(0, 10**5).astype("timedelta64[D]"),
                           np.datetime64("NaT"))
    accepted_on = np.where(stage >= vocabulary.ACCEPTED, base + (accept * 7).clip(0, 10**5).astype("timedelta64[D]"),
                           np.datetime64("NaT"))
    return pd.DataFrame({
        "project_id": reg["id"].to_numpy()[k], "report_date": day, "stage": stage,
        "started_on": started_on, "finished_on": finished_on, "accepted_on": accepted_on,
        "progress_pct": pct, "invested_wan": invested, "paid_wan": paid, "lifts_added": lifts,
    })


# --- loading ------------------------------------------------------------------------------

def _date_text(a: np.ndarray) -> list:
    s = np.datetime_as_string(a, unit="D")
    return [None if x == "NaT" else x for x in s.tolist()]


def _sqlite_reports(cur, df: pd.DataFrame, now: str) -> None:
    cols = [df["project_id"].tolist(), _date_text(df["report_date"].to_numpy()), df["stage"].tolist(),
            _date_text(df["started_on"].to_numpy()), _date_text(df["finished_on"].to_numpy()),
            _date_text(df["accepted_on"].to_numpy()), df["progress_pct"].tolist(), df["invested_wan"].tolist(),
            df["paid_wan"].tolist(), df["lifts_added"].tolist()]
    n = len(df)
    rows = zip(*cols, [None] * n, [0] * n, [1] * n, ["合成数据"] * n, [now] * n)
    cur.executemany(f"INSERT INTO progress_report ({', '.join(REPORT_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(REPORT_COLUMNS))})", rows)


def _pg_reports(cur, df: pd.DataFrame, now: str) -> None:
    # pyarrow's CSV writer is ~4× faster than DataFrame.to_csv; empty unquoted fields are NULL in COPY csv.
    import pyarrow as pa  # lazy: ~0.15 s to load, and only this PostgreSQL bulk load needs it
    import pyarrow.csv as pacsv

    out = df.assign(problems=None, is_correction=False, active=True, reported_by="合成数据", created_at=now)
    tb = pa.Table.from_pandas(out[list(REPORT_COLUMNS)], preserve_index=False)
    for c in ("report_date", "started_on", "finished_on", "accepted_on"):
        tb = tb.set_column(tb.schema.get_field_index(c), c, tb.column(c).cast(pa.date32()))
    buf = io.BytesIO()
    pacsv.write_csv(tb, buf, pacsv.WriteOptions(include_header=False, delimiter="\t", quoting_style="needed"))
    with cur.copy(f"COPY progress_report ({', '.join(REPORT_COLUMNS)}) FROM STDIN WITH (FORMAT csv, DELIMITER E'\\t')") as cp:
        cp.write(buf.getvalue())


@contextmanager
def _bulk_write(store: Store):
    """store.write() for a bulk load: on SQLite with synchronous=OFF for this load only.

    The pragma cannot change inside a transaction, so it is set on the raw
    connection before BEGIN and put back afterwards.
    """
    if store.dialect != "sqlite":
        with store.write() as s:
            yield s
        return
    with store.engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        dbapi.execute("PRAGMA synchronous=OFF")
        try:
            with Session(bind=conn.execution_options(immediate=True), expire_on_commit=False) as s:
                with s.begin():
                    yield s
                    _bump_version(s)
        finally:
            dbapi.execute("PRAGMA synchronous=NORMAL")


def load(store: Store, communities: int, weeks: int, seed: int = 1, *, build_rollups: bool = True,
         log=print) -> dict:
    """Create the synthetic national programme (idempotent per (N, W, seed)). Returns timings."""
    code = programme_code(communities, weeks, seed)
    with store.session() as s:
        have = s.scalar(select(Programme.id).where(Programme.code == code))
    if have is not None:
        return {"status": "unchanged", "programme_id": have, "code": code}
    t0 = time.perf_counter()
    dialect = store.dialect
    now = clock.utcnow().replace(microsecond=0).isoformat(sep=" ")
    n_reports = 0
    with _bulk_write(store) as s:
        if s.get(Region, regions.COUNTRY) is None:
            s.add(Region(adcode=regions.COUNTRY, name="全国", level="country", parent_adcode=None,
                         province_adcode=regions.COUNTRY, prefecture_adcode=None, is_county=False))
            s.flush()
        prog = Programme(code=code, name=f"全国城镇老旧小区改造（合成数据：{communities:,}个小区×{weeks}周）",
                         region_adcode=regions.COUNTRY, year_start=2021, year_end=2022, is_demo=True,
                         source_doc=f"lib.synth 生成（seed={seed}），仅用于规模测试", season_start="03-15",
                         season_end="11-30")
        s.add(prog)
        s.flush()
        first_id = (s.scalar(select(func.max(Project.id))) or 0) + 1
        reg = make_register(communities, seed, prog.id, first_id)
        plans = make_plans(reg, weeks, seed)
        conn = s.connection()
        raw = conn.connection.dbapi_connection
        if dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE progress_report DISABLE TRIGGER ALL")
            conn.exec_driver_sql("ALTER TABLE project DISABLE TRIGGER trg_rollup_project")
            # the search index's row triggers (two PL/pgSQL calls per bigram: 12 M at 300,000 communities,
            # over half an hour) are off for the load; the index is then filled in one statement below
            conn.exec_driver_sql("ALTER TABLE project DISABLE TRIGGER trg_search_project")
            conn.exec_driver_sql("ALTER TABLE project DISABLE TRIGGER trg_since_project")
        proj_cols = list(reg.columns)
        recs = reg.assign(registered_on=reg["registered_on"].astype(str),
                          pilot=reg["pilot"].astype(int) if dialect == "sqlite" else reg["pilot"])
        recs = recs.assign(updated_at=now)
        cols = proj_cols + ["updated_at"]
        cur = raw.cursor()
        if dialect == "sqlite":
            cur.executemany(f"INSERT INTO project ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                            zip(*[recs[c].tolist() for c in cols]))
        else:
            buf = io.StringIO()
            recs.assign(pilot=recs["pilot"].map({True: "t", False: "f"}))[cols].to_csv(
                buf, sep="\t", header=False, index=False, na_rep="\\N")
            with cur.copy(f"COPY project ({', '.join(cols)}) FROM STDIN") as cp:
                cp.write(buf.getvalue())
            cur.execute("SELECT setval(pg_get_serial_sequence('project', 'id'), (SELECT max(id) FROM project))")
        t_reg = time.perf_counter() - t0
        for lo in range(0, communities, CHUNK):
            hi = min(communities, lo + CHUNK)
            df = make_reports(reg, plans, weeks, seed, lo, hi)
            (_sqlite_reports if dialect == "sqlite" else _pg_reports)(cur, df, now)
            n_reports += len(df)
            el = time.perf_counter() - t0
            log(f"  {hi:,}/{communities:,} 个小区，{n_reports:,} 条填报，{el:.0f} s（{n_reports / el:,.0f} 行/秒）")
        if dialect == "postgresql":
            conn.exec_driver_sql("ALTER TABLE progress_report ENABLE TRIGGER ALL")
            conn.exec_driver_sql("ALTER TABLE project ENABLE TRIGGER trg_rollup_project")
            conn.exec_driver_sql("ALTER TABLE project ENABLE TRIGGER trg_search_project")
            conn.exec_driver_sql("ALTER TABLE project ENABLE TRIGGER trg_since_project")
            conn.exec_driver_sql("ALTER TABLE search_gram DISABLE TRIGGER trg_search_gram_once")
            conn.exec_driver_sql(_search_backfill_pg(prog.id))  # the migration's own statement, this programme
            conn.exec_driver_sql("ALTER TABLE search_gram ENABLE TRIGGER trg_search_gram_once")
        # Targets: the register's households and communities, per province and for the country.
        by_prov = reg.assign(prov=reg["county_adcode"].map(lambda c: regions.get(c).province)).groupby("prov")
        targets = [(regions.COUNTRY, "communities", float(len(reg))),
                   (regions.COUNTRY, "households", float(reg["households"].sum()))]
        for p, g in by_prov:
            targets += [(p, "communities", float(len(g))), (p, "households", float(g["households"].sum()))]
        for c, g in reg.groupby("county_adcode"):  # so counties can be ranked by start rate
            if c in by_prov.groups:  # 台湾, 香港, 澳门: the province is its own county
                continue
            targets += [(c, "communities", float(len(g))), (c, "households", float(g["households"].sum()))]
        s.execute(Target.__table__.insert(), [dict(programme_id=prog.id, region_adcode=a, metric=m, value=v,
                                                   note="合成数据", updated_by="synth") for a, m, v in targets])
        audit(s, "synth", "synth.load", "programme", prog.id, programme_id=prog.id,
              after={"code": code, "communities": communities, "reports": n_reports, "seed": seed})
        t_load = time.perf_counter() - t0
        roll = None
        if build_rollups:
            if dialect == "postgresql":
                conn.exec_driver_sql("ANALYZE project")
                conn.exec_driver_sql("ANALYZE progress_report")
            roll = rollups.rebuild(s, prog.id)
        pid = prog.id
    if dialect == "postgresql":
        with store.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("ANALYZE")
    total = time.perf_counter() - t0
    return {"status": "loaded", "programme_id": pid, "code": code, "communities": communities,
            "weeks": weeks, "reports": n_reports, "seconds_register": round(t_reg, 2),
            "seconds_load": round(t_load, 2), "seconds_rollups": round(total - t_load, 2),
            "seconds_total": round(total, 2), "rows_per_second": round(n_reports / max(t_load, 1e-9)),
            "rollups": roll}


def checksum(store: Store, programme_id: int) -> str:
    """A fingerprint of a programme's register and reports (order-independent of ids)."""
    r = ProgressReport
    with store.session() as s:
        reg = s.execute(select(Project.code, Project.county_adcode, Project.households, Project.registered_on)
                        .where(Project.programme_id == programme_id).order_by(Project.code)).all()
        rep = s.execute(select(Project.code, r.report_date, r.stage, r.progress_pct, r.invested_wan, r.paid_wan,
                               r.lifts_added)
                        .join(Project, Project.id == r.project_id).where(Project.programme_id == programme_id)
                        .order_by(Project.code, r.report_date)).all()
    h = hashlib.sha256()
    for row in reg:
        h.update(repr(tuple(row)).encode())
    for row in rep:
        h.update(repr(tuple(row)).encode())
    return h.hexdigest()[:16]


def ensure_county_targets(store: Store, programme_id: int) -> int:
    """Add county targets (= the register) to a synthetic programme made before they existed."""
    with store.session() as s:
        have = s.scalar(select(func.count()).select_from(Target).where(
            Target.programme_id == programme_id, Target.region_adcode.notin_(
                [regions.COUNTRY, *[p.adcode for p in regions.children(regions.COUNTRY)]])))
        if have:
            return 0
        rows = s.execute(select(Project.county_adcode, func.count(), func.sum(Project.households))
                         .where(Project.programme_id == programme_id).group_by(Project.county_adcode)).all()
    provinces = {p.adcode for p in regions.children(regions.COUNTRY)}
    with store.write() as s:
        s.execute(Target.__table__.insert(), [
            dict(programme_id=programme_id, region_adcode=c, metric=m, value=float(v), note="合成数据",
                 updated_by="synth") for c, n, hh in rows for m, v in (("communities", n), ("households", hh))
            if c not in provinces])
    return 2 * len(rows)


def _search_backfill_pg(programme_id: int) -> str:
    """Migration 0007's backfill of the search index (the statement that indexes an existing register),
    restricted to one programme's communities: what the row triggers would have written."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "store" / "migrations" / "versions" / "0007_search_index.py"
    spec = importlib.util.spec_from_file_location("_migration_0007", path)
    mig = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mig)
    return mig._backfill_pg().replace(" IS NOT NULL", f" IS NOT NULL AND programme_id = {int(programme_id)}")
