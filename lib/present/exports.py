"""The register as a table to download, with Chinese headers, in the order officials read it."""

from __future__ import annotations

import pandas as pd

from lib.access import auth
from lib.access.auth import Actor
from lib.figures.metrics import REGISTER_COLUMNS


def register_for_export(df: pd.DataFrame, *, viewer: Actor) -> pd.DataFrame:
    """The register table with Chinese headers, in the order officials read it (internal columns for staff)."""
    public = not auth.sees_internal(viewer)
    cols = [c for c in REGISTER_COLUMNS if c in df.columns and c != "id"]
    if not public and "remarks" in df.columns:
        cols += ["problems", "remarks"]
    out = df[[c for c in cols if c in df.columns]].rename(columns={**REGISTER_COLUMNS, "problems": "存在问题",
                                                                   "remarks": "备注"})
    return out
