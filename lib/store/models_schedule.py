"""Tables of lib.workflow (schedule). Same metadata as lib.store.models; created by migration."""

from __future__ import annotations

from lib.store.models import Base  # noqa: F401
