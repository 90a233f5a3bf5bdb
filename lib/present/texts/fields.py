"""Column headers of the register's fields, from the one field table (lib.domain.fields):
`field.<key>` is the header tables on screens use, in Chinese (the register table's wording)
and in English."""

from __future__ import annotations

from lib.domain import fields
from lib.domain.text import Text

TEXT = {f"field.{f.key}": Text(f.table_zh or f.zh, f.en) for f in fields.FIELDS}
