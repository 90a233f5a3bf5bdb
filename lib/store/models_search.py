"""Tables of community search (character n-gram index). Same metadata as lib.store.models; created by migration 0007."""

from __future__ import annotations

from lib.store.models import Base  # noqa: F401
