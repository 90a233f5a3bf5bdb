"""One county uploads a week early: 城东区 sends week 48 (3 December) while the demo's reporting stops at week 47.

Shared by the as-of, bulletin and dispatch tests: the upload goes through the real ingest path
(lib.uploads.ingest.commit) on whichever store the test was given.
"""

from __future__ import annotations

from datetime import date

from tests.support import uploads

CLOSED = date(2021, 11, 26)   # the demo's last week, reported by most counties
EARLY = date(2021, 12, 3)     # the week only 城东区 has reported
COUNTIES = 45


def upload_week_early(store) -> None:
    pv = uploads.commit(store, uploads.xlsx(uploads.progress_rows(store)), as_of=EARLY)
    assert pv.status == "committed", pv.errors
