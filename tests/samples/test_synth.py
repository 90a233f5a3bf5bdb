"""lib.samples.synth: synthetic national data, deterministic by seed, with rollups equal to the raw history."""

from __future__ import annotations

from datetime import timedelta

from lib.figures import metrics, rollups
from lib.samples import synth
from tests.support.rollups import assert_same


def test_synth_is_deterministic_and_rollups_match(empty_store, tmp_path):
    a = synth.load(empty_store, 300, 6, seed=7, log=lambda *_: None)
    b = synth.load(empty_store, 300, 6, seed=8, log=lambda *_: None)
    assert a["reports"] > 300 * 5 and a["rows_per_second"] > 0
    assert synth.load(empty_store, 300, 6, seed=7)["status"] == "unchanged"
    pid = a["programme_id"]
    with empty_store.session() as s:
        assert rollups.check(s, pid)["ok"]
    weeks = synth.weeks_of(6)
    assert metrics.report_dates(empty_store, pid) == weeks
    assert_same(empty_store, pid, [weeks[0], weeks[3], weeks[3] + timedelta(days=3), weeks[-1],
                                   weeks[0] - timedelta(days=1)], [None, "440000"])
    summ = metrics.summary(empty_store, pid, as_of="2022-12-31", by=None)  # after every late registration
    assert summ["totals"]["communities"]["registered"] == 300 and len(summ["children"]) == 34

    # same seed on another store: the same checksum; another seed: a different one
    from lib.store.engine import open_store

    other = open_store(f"sqlite:///{tmp_path / 'other.db'}", read_only=False, migrate=True)
    c = synth.load(other, 300, 6, seed=7, log=lambda *_: None)
    assert synth.checksum(other, c["programme_id"]) == synth.checksum(empty_store, pid)
    assert synth.checksum(empty_store, b["programme_id"]) != synth.checksum(empty_store, pid)
