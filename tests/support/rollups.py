"""The raw as-of query as the reference the county rollups must equal (rollup and synth tests)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from lib.figures import metrics

QINGHAI = 1
# Reporting Fridays, a month end, a Tuesday, before the first report, before registration, after the last.
DATES = [date(2021, 4, 2), date(2021, 5, 31), date(2021, 6, 29), date(2021, 7, 2), date(2021, 11, 26),
         date(2021, 3, 25), date(2021, 3, 1), date(2022, 1, 15)]
REGIONS = [None, "630100", "632800", "630102"]


def raw_figures(store, pid, day, region=None) -> pd.DataFrame:
    with store.session() as s:
        rows = s.execute(metrics.county_figures_query(pid, day, region)).mappings().all()
    return pd.DataFrame(rows, columns=["adcode", *metrics.SUM_COLUMNS]).set_index("adcode").fillna(0)


def assert_same(store, pid, days=DATES, regions_=REGIONS):
    for day in days:
        for region in regions_:
            got = metrics.county_figures(store, pid, day, region).sort_index()
            want = raw_figures(store, pid, day, region).sort_index()
            assert list(got.index) == list(want.index), (day, region)
            if want.empty:
                continue
            pd.testing.assert_frame_equal(got.astype("float64"), want.astype("float64"), rtol=1e-9,
                                          check_exact=False, obj=f"{day} {region}")
