"""The register as a table to download, with Chinese headers, in the order officials read it."""

from __future__ import annotations

import pandas as pd

from lib.access import auth
from lib.access.auth import Actor
from lib.domain import fields


def register_for_export(df: pd.DataFrame, *, viewer: Actor) -> pd.DataFrame:
    """The register table with Chinese headers, in the order officials read it (internal columns for staff)."""
    cols = [c for c in fields.REGISTER_TABLE if c in df.columns and c != "id"]
    if auth.sees_internal(viewer):
        cols += [c for c in fields.INTERNAL if c in df.columns]
    return df[cols].rename(columns=fields.labels(cols))
