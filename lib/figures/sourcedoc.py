"""Where a programme's source document disagrees with itself.

A plan states its totals in the text (Qingtian: ≈14 communities, ≈9,460 households,
≈395 buildings, ≈96.6万m²) and lists its communities in an attached table that adds up
to something else (364 buildings, 96.95万m²). When the register holds that table in
full (as many communities as the text states), every other figure the text states can
be checked against the table's sums. The product shows such differences; it never picks
one figure and hides the other.
"""

from __future__ import annotations

from datetime import date

from lib.domain import regions, vocabulary
from lib.domain.text import Text
from lib.figures import metrics
from lib.office import fmt
from lib.figures.asof import REGISTER_FIELDS
from lib.store.engine import Store


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(float(v), 2)


def _amount(metric: vocabulary.Metric, v: float, lang: str) -> str:
    if metric.key == "floor_area_wan_m2":
        return fmt.area_wan_m2(v, lang)
    if metric.key == "investment_wan":
        return fmt.money_wan(v, lang)
    return fmt.count(v, metric.unit_zh if lang == "zh" else metric.unit_en, lang)


def document_disagreements(store: Store, programme_id: int | str) -> list[dict]:
    """The figures the document's text states beside the sums of its own table, where they differ.

    One dict per metric: metric, label (Text zh/en of the metric), stated (the text's figure,
    the programme's own target), table (the register's sum), difference (table − stated),
    unit (Text), message (Text: a sentence to show as it is). Empty when the register does
    not hold the document's table in full, or when the two agree.
    """
    prog = metrics.get_programme(store, programme_id)
    explicit = metrics.explicit_targets(store, prog.id)
    stated = {m: v for (a, m), v in explicit.items() if a == prog.region_adcode}
    figs = metrics.county_figures(store, prog.id, date(prog.year_end, 12, 31), prog.region_adcode)
    if figs.empty or "communities" not in stated:
        return []
    sums = figs.sum(numeric_only=True)
    if abs(float(sums["reg_communities"]) - stated["communities"]) > 1e-6:
        return []  # the register is not the document's table (or not all of it): nothing to compare
    where = regions.get(prog.region_adcode).name
    out = []
    for metric, value in sorted(stated.items(), key=lambda kv: [m.key for m in vocabulary.METRICS].index(kv[0])
                                if kv[0] in vocabulary.METRIC_BY_KEY else 99):
        if metric == "communities" or metric not in REGISTER_FIELDS:
            continue
        table = float(sums[f"reg_{metric}"])
        if abs(table - value) <= 1e-6 or (metric == "investment_wan" and table == 0):
            continue
        m = vocabulary.METRIC_BY_KEY[metric]
        diff = table - value
        more_zh, more_en = ("多", "more") if diff > 0 else ("少", "fewer" if metric != "floor_area_wan_m2" else "less")
        zh = (f"{where}的计划文件正文写{m.zh}约{_amount(m, value, 'zh')}，所附小区表合计{_amount(m, table, 'zh')}，"
              f"比正文{more_zh}{_amount(m, abs(diff), 'zh')}；两个数字都出自文件本身，照录，不作调整。")
        en = (f"{m.en}: the plan's text states about {_amount(m, value, 'en')}; its own table of "
              f"communities adds up to {_amount(m, table, 'en')} ({_amount(m, abs(diff), 'en')} {more_en}). "
              f"Both figures come from the document and are shown as they are.")
        out.append({"metric": metric, "label": Text(m.zh, m.en), "stated": _num(value), "table": _num(table),
                    "difference": _num(diff), "unit": Text(m.unit_zh, m.unit_en), "message": Text(zh, en)})
    return out
