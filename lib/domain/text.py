"""The one way the project says something in two languages: a `Text(zh, en)` pair picked by language.

Chinese comes first (the programme's working language); English is the switch. The interface
texts (`lib.present.i18n.TEXT`), refusals (`errors.UserError`), role names (`access.auth.ROLES`),
chart and map labels, and language-dependent formats (`office.fmt`) are all pairs, and
`Text.pick` is the only place that compares a language code.

A pair is a tuple (`zh, en = text`, `text[0]` still work), so it travels wherever a
`(zh, en)` tuple did. It may hold any two values, not only strings: `office.fmt` keeps a
Chinese and an English formatter as a pair of functions.
"""

from __future__ import annotations

from typing import Any, Generic, NamedTuple, TypeVar

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

T = TypeVar("T")


class Text(NamedTuple, Generic[T]):
    """What to say in Chinese and in English. `en=None` says it the Chinese way in both."""

    zh: T
    en: T | None = None

    def pick(self, lang: str = DEFAULT_LANG) -> T:
        """The member for `lang` ('zh' or 'en'; anything else is Chinese)."""
        return self.en if lang == "en" and self.en is not None else self.zh

    def format(self, lang: str = DEFAULT_LANG, **kw: Any) -> str:
        """The text for `lang` with `{placeholders}` filled in."""
        text = self.pick(lang)
        return text.format(**kw) if kw else text

    @classmethod
    def of(cls, thing: Any) -> "Text":
        """The pair of anything with `zh` and `en` attributes (a Stage, a Metric, a FundingSource, a Band)."""
        if isinstance(thing, Text):
            return thing
        return cls(thing.zh, getattr(thing, "en", None))


def pick(lang: str, zh: T, en: T) -> T:
    """`Text(zh, en).pick(lang)` for two values at hand."""
    return Text(zh, en).pick(lang)
