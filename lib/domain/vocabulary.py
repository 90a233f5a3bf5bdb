"""The programme's vocabulary, from the five seed documents.

Stages, metrics, renovation content and funding sources, each with its Chinese
name as the documents write it. Nothing here touches the store.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Stage:
    rank: int
    code: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


# A community moves forward through these stages (domain.md, "Stages").
# The rank is what the store keeps: "started" means rank >= STARTED.
#
# The words offices write for them (a stage cell is read through `stage_from_text`):
#
# | stage    | words accepted                                                                        |
# |----------|---------------------------------------------------------------------------------------|
# | 储备     | 储备, 项目储备, 储备库, 入库, 已入库, 纳入储备                                        |
# | 计划     | 计划, 列入计划, 已列入计划, 年度计划, 未开工, 尚未开工, 待开工, 拟开工                 |
# | 前期     | 前期, 前期工作, 前期手续, 前期准备, 设计, 方案设计, 设计中, 施工图设计, 审批, 立项,    |
# |          | 已立项, 招标, 招投标, 招标中, 正在招标, 已招标, 方案编制                              |
# | 开工     | 开工, 已开工, 新开工, 在建, 施工中, 正在施工, 施工, 建设中, 正在建设, 在施, 开工建设, |
# |          | 进场施工, 已进场, 续建                                                                |
# | 完工     | 完工, 已完工, 主体完工, 竣工, 已竣工, 完成, 已完成, 施工完成, 改造完成, 完工待验收,     |
# |          | 待验收                                                                                |
# | 验收     | 验收, 已验收, 竣工验收, 已竣工验收, 通过验收, 验收通过, 交付, 已交付, 交付使用         |
# | 长效管理 | 长效管理, 长效, 长效管护, 物业管理, 已移交, 移交管理, 后期管理                         |
#
# Before matching, a cell is normalised: full-width letters and brackets (NFKC), spaces
# removed, a trailing 。；; or ! dropped, a leading 项目/工程/小区 ("工程已开工") and a trailing
# 阶段 ("施工阶段") taken off. The stage's code or English name (started, Started) is accepted
# too. Rules chosen where a word could mean two things:
# * 未开工 / 尚未开工 / 待开工 say only "not started": read as 计划 (the community is in the
#   year's plan). A community already further (前期) is not sent back by it: see
#   NOT_STARTED_WORDS (the upload checks keep the later stage).
# * 主体完工 (the main works finished) counts as 完工: the programme's 完工 is the works done;
#   待验收 (finished, awaiting acceptance) is 完工 as well, not 验收.
# * 交付 / 交付使用 (handed over for use) follows acceptance: 验收.
# * Not accepted, because they do not say which stage: 基本完工, 部分完工, 部分开工, 停工, 暂缓,
#   待定, and sentences ("主体完工，正在进行附属工程"). They are refused with the accepted words
#   (`stage_refusal`), never guessed.
STAGES: tuple[Stage, ...] = (
    Stage(0, "pool", "储备", "In pool", ("项目储备", "储备库", "入库", "已入库", "纳入储备")),
    Stage(1, "plan", "计划", "Planned", ("列入计划", "已列入计划", "年度计划", "未开工", "尚未开工", "待开工",
                                         "拟开工")),
    Stage(2, "prep", "前期", "Design & approval", ("前期工作", "前期手续", "前期准备", "设计", "方案设计", "设计中",
                                                   "施工图设计", "审批", "立项", "已立项", "招标", "招投标", "招标中",
                                                   "正在招标", "已招标", "方案编制")),
    Stage(3, "started", "开工", "Started", ("已开工", "新开工", "在建", "施工中", "正在施工", "施工", "建设中",
                                            "正在建设", "在施", "开工建设", "进场施工", "已进场", "续建")),
    Stage(4, "finished", "完工", "Works finished", ("已完工", "主体完工", "竣工", "已竣工", "完成", "已完成",
                                                    "施工完成", "改造完成", "完工待验收", "待验收")),
    Stage(5, "accepted", "验收", "Accepted", ("已验收", "竣工验收", "已竣工验收", "通过验收", "验收通过", "交付",
                                              "已交付", "交付使用")),
    Stage(6, "managed", "长效管理", "Long-term management", ("长效", "长效管护", "物业管理", "已移交", "移交管理",
                                                            "后期管理")),
)
STAGE_BY_RANK = {s.rank: s for s in STAGES}
STAGE_BY_CODE = {s.code: s for s in STAGES}
STARTED = STAGE_BY_CODE["started"].rank
FINISHED = STAGE_BY_CODE["finished"].rank
ACCEPTED = STAGE_BY_CODE["accepted"].rank

# Words that say only "not started yet": read as 计划, but a community already in 前期 keeps it.
NOT_STARTED_WORDS = frozenset({"未开工", "尚未开工", "待开工"})

_STAGE_INDEX: dict[str, Stage] = {}
for _s in STAGES:
    for _w in (_s.zh, _s.code, _s.en.lower(), *_s.aliases):
        if _STAGE_INDEX.setdefault(_w, _s) is not _s:
            raise AssertionError(f"stage word {_w} means two stages")
_STAGE_PREFIXES = ("项目", "工程", "小区")
_STAGE_STRIP = re.compile(r"[\s\u3000\xa0]+|[。；;!！.，,]+$")
# Words shown when a cell names no stage: each stage, then the common other ways to write them.
STAGE_WORDS_SHOWN = ("未开工", "在建", "施工中", "主体完工", "已完工", "竣工", "已验收", "交付")


def _stage_key(text: str) -> str:
    t = unicodedata.normalize("NFKC", text or "")
    t = _STAGE_STRIP.sub("", t)
    return t.lower() if t.isascii() else t


def stage_from_text(text: str | None) -> Stage | None:
    """The stage a spreadsheet cell names (储备, 已开工, 在建, 竣工, 交付 ...), or None; the words and
    the rules are in the table above."""
    t = _stage_key(text or "")
    if not t:
        return None
    hit = _STAGE_INDEX.get(t)
    if hit is None and t.endswith("阶段") and len(t) > 2:
        t = t[:-2]
        hit = _STAGE_INDEX.get(t)
    if hit is None and t.startswith(_STAGE_PREFIXES) and len(t) > 2:
        hit = _STAGE_INDEX.get(t[2:])
    return hit


def stage_words() -> tuple[str, ...]:
    """Every word `stage_from_text` accepts as written in a cell (codes and English names aside)."""
    return tuple(w for s in STAGES for w in (s.zh, *s.aliases))


def stage_hint() -> str:
    """The words to write in a stage cell: 请填写：储备、计划、…（也可写未开工、在建、…等）."""
    return f"请填写：{'、'.join(s.zh for s in STAGES)}（也可写{'、'.join(STAGE_WORDS_SHOWN)}等）"


def stage_refusal(text: str) -> str:
    """What is wrong with a stage cell that names no stage, and the words to write instead (one sentence)."""
    return f"“{text}”无法识别为阶段，{stage_hint()}。"


@dataclass(frozen=True)
class Metric:
    key: str
    zh: str
    en: str
    unit_zh: str
    unit_en: str


# Pace bands: a region's start rate against the pace the construction calendar expects
# (lib.figures.rankings decides the band; every table, chart, map and document names it so).
@dataclass(frozen=True)
class Band:
    code: str
    zh: str        # in tables and documents: 快于序时 / 略慢于序时 / 明显滞后
    zh_short: str  # on charts and in compact tables: 领先 / 略慢 / 滞后
    en: str


BANDS: tuple[Band, ...] = (
    Band("ahead", "快于序时", "领先", "ahead of pace"),
    Band("watch", "略慢于序时", "略慢", "slightly behind"),
    Band("behind", "明显滞后", "滞后", "behind pace"),
)
BAND_BY_CODE = {b.code: b for b in BANDS}
BAND_CODES = tuple(b.code for b in BANDS)  # best first


def band_label(code: str | None, form: str = "zh") -> str:
    """A band's name, `form` "zh", "zh_short" or "en"; "—" for no band (a region without a target)."""
    band = BAND_BY_CODE.get(code)  # type: ignore[arg-type]
    return getattr(band, form) if band is not None else "—"


# Target metrics the documents use (domain.md, "Targets").
METRICS: tuple[Metric, ...] = (
    Metric("communities", "小区", "Communities", "个", ""),
    Metric("households", "户数", "Households", "户", "households"),
    Metric("buildings", "楼栋", "Buildings", "栋", "buildings"),
    Metric("floor_area_wan_m2", "建筑面积", "Floor area", "万m²", "10k m²"),
    Metric("investment_wan", "投资", "Investment", "万元", "10k yuan"),
    Metric("lifts", "加装电梯", "Lifts added", "部", "lifts"),
    # Counted only where a programme's document sets them (Programme.metrics).
    Metric("projects", "项目", "Projects", "个", ""),  # a 片区/连片 project covers several communities
    Metric("pilots", "试点", "Pilots", "个", ""),  # e.g. Sichuan's 40 provincial pilots
)
# The metrics a programme counts when its document does not say.
DEFAULT_PROGRAMME_METRICS = ("communities", "households", "buildings", "floor_area_wan_m2", "investment_wan", "lifts")
METRIC_BY_KEY = {m.key: m for m in METRICS}


@dataclass(frozen=True)
class ContentItem:
    code: str
    category: str  # basic | improvement | enhancement
    zh: str


CONTENT_CATEGORIES = {
    "basic": ("基础类", "Basic"),
    "improvement": ("完善类", "Improvement"),
    "enhancement": ("提升类", "Enhancement"),
}

# Renovation content, union of the five documents (domain.md, "Renovation content").
CONTENT_ITEMS: tuple[ContentItem, ...] = (
    ContentItem("water", "basic", "供水"),
    ContentItem("drainage", "basic", "排水"),
    ContentItem("power", "basic", "供电"),
    ContentItem("telecom", "basic", "弱电通信"),
    ContentItem("roads", "basic", "道路"),
    ContentItem("gas", "basic", "供气"),
    ContentItem("heating", "basic", "供热"),
    ContentItem("fire", "basic", "消防"),
    ContentItem("security", "basic", "安防"),
    ContentItem("waste", "basic", "垃圾分类"),
    ContentItem("roof_facade", "basic", "屋面外墙"),
    ContentItem("energy", "basic", "建筑节能"),
    ContentItem("rain_sewage", "basic", "雨污分流"),
    ContentItem("demolish", "improvement", "拆除违建"),
    ContentItem("greening", "improvement", "绿化"),
    ContentItem("lighting", "improvement", "照明"),
    ContentItem("accessibility", "improvement", "无障碍"),
    ContentItem("elderly", "improvement", "适老化"),
    ContentItem("parking", "improvement", "停车"),
    ContentItem("charging", "improvement", "充电设施"),
    ContentItem("parcel", "improvement", "智能快件箱"),
    ContentItem("sports", "improvement", "体育健身"),
    ContentItem("pm_room", "improvement", "物业用房"),
    ContentItem("lift", "improvement", "加装电梯"),
    ContentItem("service_centre", "enhancement", "社区综合服务"),
    ContentItem("clinic", "enhancement", "卫生服务站"),
    ContentItem("kindergarten", "enhancement", "幼儿园"),
    ContentItem("elderly_care", "enhancement", "养老"),
    ContentItem("childcare", "enhancement", "托幼"),
    ContentItem("meals", "enhancement", "助餐"),
    ContentItem("store", "enhancement", "便利店"),
    ContentItem("smart", "enhancement", "智慧社区"),
)
CONTENT_BY_CODE = {c.code: c for c in CONTENT_ITEMS}
CONTENT_BY_ZH = {c.zh: c for c in CONTENT_ITEMS}


def content_from_text(text: str) -> tuple[list[str], list[str]]:
    """Split a free-text content cell ("供水、道路、加装电梯") into item codes.

    Returns (codes, unknown fragments) so that the caller can report what it
    could not place instead of guessing.
    """
    codes: list[str] = []
    unknown: list[str] = []
    for frag in re.split(r"[、,，;；/\s]+", text or ""):
        frag = frag.strip()
        if not frag:
            continue
        hit = CONTENT_BY_ZH.get(frag) or CONTENT_BY_CODE.get(frag)
        if hit is None:
            hit = next((c for c in CONTENT_ITEMS if c.zh in frag or frag in c.zh), None)
        if hit is None:
            unknown.append(frag)
        elif hit.code not in codes:
            codes.append(hit.code)
    return codes, unknown


@dataclass(frozen=True)
class FundingSource:
    key: str  # column name on the register: fund_<key>
    zh: str
    en: str


# Funding sources (domain.md, "Funding sources").
FUNDING_SOURCES: tuple[FundingSource, ...] = (
    FundingSource("central", "中央补助", "Central subsidy"),
    FundingSource("provincial", "省级补助", "Provincial subsidy"),
    FundingSource("local", "市县财政", "City/county budget"),
    FundingSource("bonds", "专项债券", "Special bonds"),
    FundingSource("residents", "居民出资", "Residents"),
    FundingSource("utilities", "专营单位", "Utility companies"),
    FundingSource("owner_units", "原产权单位", "Original owner units"),
    FundingSource("social", "社会资本", "Social capital"),
    FundingSource("loans", "银行贷款", "Bank loans"),
)

# Qinghai 青政办〔2021〕13号: central + provincial subsidy for building works
# at least 1.5万元 per household, provincial at least 15万元 per added lift.
QINGHAI_SUBSIDY_PER_HOUSEHOLD_WAN = 1.5
QINGHAI_SUBSIDY_PER_LIFT_WAN = 15.0

# Priority goes to communities built before the end of 2000 (Chiping: 2006).
ELIGIBILITY_BUILT_BEFORE = 2000


# --- the construction season and the pace it implies -------------------------

def season_bounds(year: int, start_md: str = "04-01", end_md: str = "11-15") -> tuple[date, date]:
    sm, sd = (int(x) for x in start_md.split("-"))
    em, ed = (int(x) for x in end_md.split("-"))
    return date(year, sm, sd), date(year, em, ed)


def expected_share(as_of: date, year: int, start_md: str = "04-01", end_md: str = "11-15") -> float:
    """How far along the year's construction season `as_of` is, from 0 to 1.

    On the plateau nothing is built in winter, so the fair expectation is
    flat before the season opens, rises linearly through it, and is complete
    when it closes (domain.md, "Pace").
    """
    start, end = season_bounds(year, start_md, end_md)
    if as_of.year < year or as_of <= start:
        return 0.0
    if as_of.year > year or as_of >= end:
        return 1.0
    return (as_of - start).days / (end - start).days


def week_end(d: date, weekday: int = 4) -> date:
    """The reporting day (default Friday) of the week containing `d`."""
    return d + timedelta(days=(weekday - d.weekday()) % 7)


def last_report_day(d: date, weekday: int = 4) -> date:
    """The latest reporting day (default Friday) on or before `d`."""
    return d - timedelta(days=(d.weekday() - weekday) % 7)


def iso_week_label(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def parse_iso_week(label: str, weekday: int = 4) -> date:
    """'2021-W24' -> the reporting day of that ISO week."""
    y, w = label.upper().split("-W")
    return date.fromisocalendar(int(y), int(w), weekday + 1)
