"""Tables of community search (character n-gram index) and of the rollup's register watch.

Same metadata as lib.store.models; created by migration 0007, which also creates the triggers
that keep them current (so every writer of the register maintains them, whoever it is).

* `search_gram`: one row per (character bigram, community) of the searchable text of a register
  row: code, name, street, community and address, each ASCII-lowercased (A-Z → a-z; nothing
  else changes, the same rule on SQLite and PostgreSQL). A query of two or more characters is
  answered by intersecting its bigrams' rows and confirming each candidate (lib.figures.search);
  a one-character query scans. Neither SQLite's FTS5 trigram tokenizer nor PostgreSQL's pg_trgm
  answers a two-character query (纺织, 小区), hence bigrams.
* `rollup_since`: per programme, the earliest date a register change (a community added,
  removed, or its county / registration date / figures changed) affects since the last rollup
  refresh. lib.figures.rollups.refresh reads and clears it, so a register change is always
  refreshed from where it counts, whatever `from_date` its writer passed.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lib.store.models import Base, ProgressReport


class SearchGram(Base):
    """一个字符二元组 → 含有它的小区 (the n-gram index of the register's text)."""

    __tablename__ = "search_gram"
    gram: Mapped[str] = mapped_column(String(2), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True)


class RollupSince(Base):
    """The earliest week a register change touched since the programme's last rollup refresh."""

    __tablename__ = "rollup_since"
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True)
    since: Mapped[date] = mapped_column(Date)


# The newest week's reports, found without scanning the history: rollups.refresh updates the newest
# week by difference from the communities that reported since the week before.
ix_report_date = Index("ix_report_date_project", ProgressReport.report_date, ProgressReport.project_id)

SEARCH_FIELDS = ("code", "name", "street", "community", "address")
