"""Helpers shared by the tests (not tests themselves): paths, the demo's places and dates.

* `corpus`: spreadsheets district staff really send, built in memory, with what the reader must make of them.
* `uploads`: progress and register files for the demo, and views of the store that upload tests compare.
* `rollups`: the raw as-of query as a reference for the county rollups.
* `screens`: driving app.py with Streamlit's AppTest.
* `documents`: the text of a Word file.
* `streamlit_server`: a real `streamlit run app.py` for the browser tests.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CD, CZ = "630102", "630103"  # 西宁市城东区, 城中区
WEEK = date(2021, 12, 3)  # the first reporting Friday after the demo's last report (2021-11-26)
