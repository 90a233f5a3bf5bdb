"""Numbers in the units officials use: 万户, 万m², 万元, 亿元, percentages."""

from __future__ import annotations


def _trim(x: float, digits: int) -> str:
    s = f"{x:,.{digits}f}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def count(n, unit: str = "", lang: str = "zh") -> str:
    """489 → '489个'; 51500 households → '5.15万户' (zh) or '51,500' (en)."""
    if n is None:
        return "—"
    n = float(n)
    if lang == "zh" and abs(n) >= 10_000:
        return f"{_trim(n / 10_000, 2)}万{unit}"
    return f"{_trim(n, 0)}{unit if lang == 'zh' else (' ' + unit if unit else '')}"


def money_wan(v, lang: str = "zh") -> str:
    """An amount in 万元: ≥ 1亿 shown as 亿元."""
    if v is None:
        return "—"
    v = float(v)
    if lang == "zh":
        return f"{_trim(v / 10_000, 2)}亿元" if abs(v) >= 10_000 else f"{_trim(v, 1)}万元"
    return f"¥{_trim(v / 100, 1)} m" if abs(v) >= 100 else f"¥{_trim(v * 10, 0)}k"


def area_wan_m2(v, lang: str = "zh") -> str:
    if v is None:
        return "—"
    return f"{_trim(float(v), 2)}万m²" if lang == "zh" else f"{_trim(float(v) * 10_000, 0)} m²"


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
