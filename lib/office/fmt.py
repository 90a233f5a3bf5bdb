"""Numbers in the units officials use: 万户, 万m², 万元, 亿元, percentages.

Chinese counts in 万 (10,000s); English counts in thousands with the unit after a space.
Each language-dependent format is a `Text` pair of two formatters, picked by language.
"""

from __future__ import annotations

from lib.domain.text import Text


def _trim(x: float, digits: int) -> str:
    s = f"{x:,.{digits}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def _count_zh(n: float, unit: str) -> str:
    return f"{_trim(n / 10_000, 2)}万{unit}" if abs(n) >= 10_000 else f"{_trim(n, 0)}{unit}"


def _count_en(n: float, unit: str) -> str:
    return f"{_trim(n, 0)}{' ' + unit if unit else ''}"


def _money_zh(v: float) -> str:
    return f"{_trim(v / 10_000, 2)}亿元" if abs(v) >= 10_000 else f"{_trim(v, 1)}万元"


def _money_en(v: float) -> str:
    return f"¥{_trim(v / 100, 1)} m" if abs(v) >= 100 else f"¥{_trim(v * 10, 0)}k"


def _area_zh(v: float) -> str:
    return f"{_trim(v, 2)}万m²"


def _area_en(v: float) -> str:
    return f"{_trim(v * 10_000, 0)} m²"


COUNT = Text(_count_zh, _count_en)
MONEY_WAN = Text(_money_zh, _money_en)
AREA_WAN_M2 = Text(_area_zh, _area_en)


def count(n, unit: str = "", lang: str = "zh") -> str:
    """489 → '489个'; 51500 households → '5.15万户' (zh) or '51,500 households' (en)."""
    if n is None:
        return "—"
    return COUNT.pick(lang)(float(n), unit)


def money_wan(v, lang: str = "zh") -> str:
    """An amount in 万元: ≥ 1亿 shown as 亿元; English in yuan (¥1.2 m, ¥850k)."""
    if v is None:
        return "—"
    return MONEY_WAN.pick(lang)(float(v))


def area_wan_m2(v, lang: str = "zh") -> str:
    if v is None:
        return "—"
    return AREA_WAN_M2.pick(lang)(float(v))


def pct(rate, digits: int = 1) -> str:
    """0.9755 → '97.6%'."""
    if rate is None:
        return "—"
    return f"{float(rate) * 100 + 1e-9:.{digits}f}%"


def exact(n) -> str:
    """The exact figure for a hover text: 51500 → '51,500'."""
    if n is None:
        return "—"
    f = float(n)
    return f"{f:,.0f}" if f.is_integer() else f"{f:,.2f}"
