"""Uploads are read within fixed bounds (issue 13, defect 2), on both stores.

Every hostile file of tests/uploads/hostile_files.py (a cell that inflates to 400 MB or 150 MB,
1.5 GB or 150 MB of whitespace in one run, 1.5 GB spread out, a directory that understates a
member's size, 16,000 columns × 1,000 or 700 rows, a value in column 300, 200,000 merged ranges,
one 30,000-character shared string referenced by 40,000 cells, 20,000 zip members, a CSV field of 200,000 characters, a CSV of 16,000 columns) is refused with a sentence naming its
bound, echoes no more than an excerpt of what it holds, and leaves the store byte-identical.
The same rows without the hostile part are accepted, so the bound is what refuses them. Time
and peak memory are measured by `python -m bench.upload --hostile`, not here.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from lib.uploads import files
from lib.uploads.reader import read_workbook
from tests.support import CD, ROOT, WEEK
from tests.support.uploads import commit, dump, progress_rows, xlsx
from tests.uploads import hostile_files

CASES = ["bomb_cell_400MB", "whitespace_run_1.5GB", "wide_16000x1000", "bomb_cell_150MB", "whitespace_run_150MB",
         "whitespace_spread_1.5GB", "understated_size_300MB", "wide_16000x700", "value_in_column_300",
         "merge_flood_200000", "shared_text_1.2G_chars", "zip_members_20000", "csv_field_200000", "csv_wide_16000x1000"]
_BUILT: dict = {}


def _rows(store) -> list[list]:
    """This county's communities at their last figures, in the hostile files' four columns."""
    rows = progress_rows(store)
    cols = [rows[0].index(h) for h in hostile_files.HEAD]
    return [[r[c] for c in cols] for r in rows[1:]]


def _files(store) -> dict:
    if not _BUILT:  # the demo is the same on both stores: built once
        rows = _rows(store)
        _BUILT.update(hostile_files.build(rows), plain=hostile_files.workbook(hostile_files.progress_sheet(rows)))
    return _BUILT


def test_every_hostile_file_is_small_as_sent(demo_store):
    sizes = {name: len(v[0]) for name, v in _files(demo_store).items() if name != "plain"}
    assert max(sizes.values()) < 20 * 1024 * 1024, sizes  # all under the upload limit: the bounds must act


def test_the_same_rows_without_the_hostile_part_are_accepted(fresh_demo_store):
    pv = commit(fresh_demo_store, _files(fresh_demo_store)["plain"])
    assert pv.status == "committed", [e.message for e in pv.errors]


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_upload_is_refused_naming_its_bound_and_the_store_is_unchanged(fresh_demo_store, case):
    store = fresh_demo_store
    data, filename, needles = _files(store)[case]
    before = dump(store)
    pv = commit(store, data, filename)
    assert pv.status == "rejected" and pv.upload_id is None
    said = " ".join(e.message for e in pv.errors)
    for needle in needles:
        assert needle in said, (case, said)
    assert len(json.dumps(pv.to_dict(), ensure_ascii=False, default=str)) < 20_000  # an excerpt at most
    assert dump(store) == before


def test_reading_stops_at_its_time_bound(monkeypatch):
    monkeypatch.setattr(files, "MAX_READ_SECONDS", 0.0)
    rows = [["项目编号", "小区名称", "当前阶段", "形象进度（%）"]] + [[f"QH-{i}", f"小区{i}", "开工", 10]
                                                              for i in range(3000)]
    result = read_workbook(xlsx(rows), "周报.xlsx")
    assert result.rows == []
    assert any("0 秒的上限" in e.message for e in result.errors), [e.message for e in result.errors]


def test_a_long_value_is_echoed_as_an_excerpt_only(sqlite_demo_url, tmp_path):
    """A cell of 30,000 characters (under Excel's limit) that is not a number: the CLI's JSON holds
    an excerpt of it, not the value (a 400 MB cell once came back in an 838 MB JSON)."""
    from lib.store.engine import open_store

    rows = progress_rows(open_store(sqlite_demo_url, read_only=False))
    rows[1][rows[0].index("形象进度（%）")] = "进" * 30_000
    path = tmp_path / "周报.xlsx"
    path.write_bytes(xlsx(rows))
    r = subprocess.run([sys.executable, "-m", "lib.cli", "--db", sqlite_demo_url, "import", str(path),
                        "--programme", "1", "--county", CD, "--as-of", str(WEEK), "--dry-run"],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 1, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "rejected" and out["errors"]
    assert "进" * 61 not in r.stdout
    assert len(r.stdout) < 10_000


def test_long_headers_and_values_come_back_as_excerpts():
    """Within the bounds a cell may hold 32,767 characters: no issue or note repeats one whole."""
    long = "甲" * 30_000
    rows = [["项目编号", "小区名称", "当前阶段", "形象进度（%）", "建设情况" + long],
            ["QH-1", "幸福小区" + long, "开工", long, "在建"], ["QH-2", "和平小区", long, 10, "已完工"]]
    result = read_workbook(xlsx(rows, sheet="进度"), "周报.xlsx")
    said = json.dumps([i.to_dict() for i in result.issues] + result.notes, ensure_ascii=False)
    assert result.issues and "甲" * 61 not in said
