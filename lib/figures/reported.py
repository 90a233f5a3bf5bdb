"""Reported totals: what a region says of itself in a per-region progress table.

A prefecture or county that reports totals (Hunan's 市州 table) instead of a register has
figures all the same: its latest active `AggregateReport` per metric on or before the date.
They stand in for the register only where the region has no register; where it has both,
the register counts and the report is shown beside it with the difference: the two are
never added together. A parent's report is used only where none of its children report
or keep a register (the lowest level wins), so nothing is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from lib.domain import regions
from lib.store.models import AggregateReport

# reported metric → the as-of sum column it stands for
AS_SUMS = {
    "started_communities": "started_communities", "started_households": "started_households",
    "started_buildings": "started_buildings", "started_floor_area_wan_m2": "started_floor_area_wan_m2",
    "completed_communities": "completed_communities", "completed_households": "completed_households",
    "completed_buildings": "completed_buildings", "completed_floor_area_wan_m2": "completed_floor_area_wan_m2",
    "invested_wan": "invested_wan", "planned_investment_wan": "reg_investment_wan",
}
# reported plan figures → target metrics (used where no target was set)
AS_TARGETS = {"planned_communities": "communities", "planned_households": "households",
              "planned_buildings": "buildings", "planned_investment_wan": "investment_wan",
              "planned_floor_area_wan_m2": "floor_area_wan_m2"}
ALL_STARTED = ("全部开工", "已全部开工")


@dataclass
class Reported:
    """Latest reported figures per region: {adcode: {metric: value}}, texts as written, dates."""

    values: dict[str, dict[str, float | None]]
    texts: dict[str, dict[str, str]]
    dates: dict[str, date]

    def __bool__(self) -> bool:
        return bool(self.values)

    def leaves(self) -> set[str]:
        """Reporting regions with no reporting region inside them."""
        codes = set(self.values)
        return {c for c in codes if not any(o != c and regions.contains(c, o) for o in codes)}

    def sums(self, adcode: str) -> dict[str, float]:
        """One region's reported figures as as-of sums (a "全部开工" rate: started = planned)."""
        v = self.values.get(adcode, {})
        t = self.texts.get(adcode, {})
        out = {col: float(v[k]) for k, col in AS_SUMS.items() if v.get(k) is not None}
        if "started_communities" not in out and v.get("planned_communities") is not None \
                and any(t.get("start_rate", "").startswith(w) for w in ALL_STARTED):
            out["started_communities"] = float(v["planned_communities"])
        return out


def reported(session, programme_id: int, as_of: date) -> Reported:
    rows = session.execute(
        select(AggregateReport.region_adcode, AggregateReport.metric, AggregateReport.value, AggregateReport.text,
               AggregateReport.report_date)
        .where(AggregateReport.programme_id == programme_id, AggregateReport.active.is_(True),
               AggregateReport.report_date <= as_of)
        .order_by(AggregateReport.report_date, AggregateReport.id)).all()
    values: dict[str, dict] = {}
    texts: dict[str, dict] = {}
    dates: dict[str, date] = {}
    for adcode, metric, value, text, day in rows:  # later rows win
        values.setdefault(adcode, {})[metric] = value
        if text:
            texts.setdefault(adcode, {})[metric] = text
        dates[adcode] = day
    return Reported(values, texts, dates)
