"""Progress and register files for the demo, built in memory, and views of the store that upload tests compare.

Shared by the ingest, template, upload-screen, private-read and security tests.
"""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pandas as pd
from sqlalchemy import func, select, text

from lib.access import auth
from lib.access.auth import Actor
from lib.figures import metrics
from lib.store.models import AuditLog, Base, Project
from lib.uploads import ingest
from tests.support import CD, CZ, WEEK

LAST = date(2021, 11, 26)  # the demo's last report


def dump(store) -> list:
    """Every row of every table, in a stable order: 'the store is byte-for-byte the same'."""
    out = []
    with store.engine.connect() as c:
        for table in Base.metadata.sorted_tables:
            if not store.engine.dialect.has_table(c, table.name):
                continue
            cols = [col.name for col in table.columns]
            rows = c.execute(text(f'SELECT {", ".join(chr(34) + n + chr(34) for n in cols)} FROM "{table.name}"'))
            out.append((table.name, sorted((tuple(repr(v) for v in r) for r in rows))))
    return out


def snapshot(store, as_of=WEEK) -> dict[str, dict]:
    """Every community's latest figures as of a date, by code (one query)."""
    df = metrics.register_table(store, 1, as_of=as_of, viewer=Actor.system())
    return {r["code"]: r for r in df.to_dict("records")}


def latest(store, code: str, as_of=WEEK) -> dict:
    return snapshot(store, as_of)[code]


def county_projects(store, adcode=CD) -> list[Project]:
    with store.session() as s:
        return s.scalars(select(Project).where(Project.programme_id == 1, Project.county_adcode == adcode)
                         .order_by(Project.code)).all()


def xlsx(rows: list[list], *, title: list[list] | None = None, sheet: str = "进度") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in (title or []):
        ws.append(r)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


HEAD = ["项目编号", "小区名称", "当前阶段", "开工日期", "完工日期", "形象进度（%）", "累计完成投资（万元）",
        "累计支付资金（万元）", "是否更正"]


def progress_rows(store, edits: dict[int, dict] | None = None, adcode=CD) -> list[list]:
    """This county's communities at their last figures, with some rows edited."""
    rows = [HEAD]
    snap = snapshot(store, LAST)
    for i, p in enumerate(county_projects(store, adcode)):
        cur = snap[p.code]
        row = {"项目编号": p.code, "小区名称": p.name, "当前阶段": cur["stage"],
               "开工日期": cur["started_on"], "完工日期": cur["finished_on"],
               "形象进度（%）": cur["progress_pct"], "累计完成投资（万元）": cur["invested_wan"],
               "累计支付资金（万元）": cur["paid_wan"], "是否更正": None}
        row.update((edits or {}).get(i, {}))
        rows.append([None if (isinstance(v, float) and pd.isna(v)) else v for v in (row[h] for h in HEAD)])
    return rows


def first_started_not_finished(store, adcode=CD) -> int:
    snap = snapshot(store, LAST)
    for i, p in enumerate(county_projects(store, adcode)):
        if snap[p.code]["stage"] == "开工":
            return i
    raise AssertionError("no community in progress")


def district(name="cd_clerk", scope=CD) -> auth.Actor:
    return auth.Actor(username=name, role="district", scope_adcode=scope)


def commit(store, data, name="周报.xlsx", **kw):
    kw.setdefault("actor", district())
    kw.setdefault("county", CD)
    kw.setdefault("as_of", WEEK)
    return ingest.commit(store, data, name, 1, **kw)


def bad_cases(store):
    """Bad progress files by name: (rows, substrings the refusal must contain)."""
    i = first_started_not_finished(store)
    projects = county_projects(store)
    cur = latest(store, projects[i].code, date(2021, 11, 26))
    snap = snapshot(store, LAST)
    done = next(k for k, p in enumerate(projects) if snap[p.code]["stage"] in ("完工", "验收"))
    other = county_projects(store, CZ)[0]
    return {
        "unknown_name": (progress_rows(store, {i: {"项目编号": None, "小区名称": projects[i].name + "X"}}),
                         ["没有名为", "您是否要找", projects[i].name]),
        "unknown_code": (progress_rows(store, {i: {"项目编号": "QH2021-630102-999"}}), ["不在本计划的台账中"]),
        "outside_county": (progress_rows(store) + [[other.code, other.name, "开工", None, None, 10, 1, 1, None]],
                           ["不属于本次上传的城东区"]),
        "unknown_stage": (progress_rows(store, {i: {"当前阶段": "已开挖"}}), ["无法识别", "长效管理"]),
        "pct_over_100": (progress_rows(store, {i: {"形象进度（%）": 120}}), ["超出 0–100%"]),
        "negative_money": (progress_rows(store, {i: {"累计支付资金（万元）": -3}}), ["不能为负数"]),
        "future_date": (progress_rows(store, {i: {"开工日期": date(2021, 12, 20)}}), ["晚于填报日期"]),
        "start_after_finish": (progress_rows(store, {done: {"开工日期": date(2021, 11, 1), "完工日期": date(2021, 10, 1)}}),
                               ["早于开工日期"]),
        "stage_backwards": (progress_rows(store, {done: {"当前阶段": "开工", "形象进度（%）": 100}}),
                            ["退回", "是否更正"]),
        "pct_backwards": (progress_rows(store, {i: {"形象进度（%）": max(0.0, (cur["progress_pct"] or 1) - 1)}}),
                          ["形象进度从"]),
        "duplicate_different": (progress_rows(store) + [[projects[i].code, projects[i].name, "开工", None, None,
                                                         99, None, None, None]], ["已出现", "数值不同"]),
        "no_name_no_code": (progress_rows(store, {i: {"项目编号": None, "小区名称": None}}), ["都为空"]),
    }


# --- register files as a county sends them, for the write-path and attack tests ---------------------

def text_xlsx(rows: list[list], sheet: str = "台账") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for r in rows:
        ws.append(r)
    for row in ws.iter_rows():
        for c in row:  # typed as text in Excel ('=...), not a formula
            if isinstance(c.value, str) and c.value.startswith("="):
                c.data_type = "s"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def register_sheet(*names: str, county: str = "城东区") -> bytes:
    rows = [["项目编号", "小区名称", "所属县区", "改造户数（户）", "改造栋数（栋）", "建成年代（年）", "改造内容"]]
    rows += [[None, n, county, 40 + i, 2, 1995, "供水、道路"] for i, n in enumerate(names)]
    return text_xlsx(rows)


def audit_count(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(AuditLog))


def communities(store) -> int:
    with store.session() as s:
        return s.scalar(select(func.count()).select_from(Project))
