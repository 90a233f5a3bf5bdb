"""Errors a user sees: one sentence in the user's language saying what to do."""

from __future__ import annotations

from lib.domain.text import Text


class UserError(Exception):
    """Refused input or an unusable setting. `str()` is the Chinese message.

    The CLI prints it on stderr and exits 1; a page shows it with `st.error`.
    Tracebacks stay in the log.
    """

    exit_code = 1

    def __init__(self, zh: str, en: str | None = None, **details):
        super().__init__(zh)
        self.text = Text(zh, en or None)
        self.details = details

    @property
    def zh(self) -> str:
        return self.text.zh

    @property
    def en(self) -> str:
        return self.text.pick("en")

    def message(self, lang: str = "zh") -> str:
        return self.text.pick(lang)


class StoreUnavailable(UserError):
    """The store cannot be opened (bad URL, server down, wrong password)."""


class NotFound(UserError):
    """An unknown programme, region, community or user."""


class AmbiguousName(UserError):
    """A loose place name that matches more than one region."""

    def __init__(self, zh: str, en: str | None = None, candidates: list | None = None):
        super().__init__(zh, en, candidates=candidates or [])
        self.candidates = candidates or []


class ReadOnlyStore(UserError):
    """A write was attempted against the public read-only deployment."""


class PermissionDenied(UserError):
    """The acting user may not do this (role or county scope)."""
