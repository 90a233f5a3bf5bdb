"""The as-of rule's column list is the one the county rollup table stores (the table is its cache)."""

from __future__ import annotations

from lib.figures import asof
from lib.store.models import CountyRollup


def test_rollup_table_holds_exactly_the_as_of_sums():
    stored = {c.name for c in CountyRollup.__table__.columns} - {"programme_id", "report_date", "county_adcode",
                                                                   "n_reports"}
    assert stored == set(asof.SUM_COLUMNS)


def test_sums_split_into_counts_and_amounts():
    assert set(asof.INT_SUMS) | set(asof.FLOAT_SUMS) == set(asof.SUM_COLUMNS)
    assert "reported" in asof.INT_SUMS and "invested_wan" in asof.FLOAT_SUMS
    assert "reg_floor_area_wan_m2" in asof.FLOAT_SUMS and not set(asof.INT_SUMS) & set(asof.FLOAT_SUMS)
