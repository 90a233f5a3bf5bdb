"""The fields of the register (项目台账) and the weekly progress report (进度填报), in one table.

One `Field` per column a district sheet can carry: its key (the name the code and the
store use), the header our template prints (Chinese, with the unit), an English label,
the value type the reader parses, the header texts staff write for it, which sheets
carry it and whether it is internal (never shown to the public). Everything that lists
fields derives from `FIELDS`: the reader's synonyms and types (lib.uploads.reader), the
templates' columns and required cells (lib.uploads.templates), the upload checks
(lib.uploads.checks), the register table's headers (lib.figures.metrics) and the
export (lib.present.exports).

Order matters: `FIELDS` is the order of the register template, then the columns only
the progress report has; REGISTER_FIELDS, PROGRESS_FIELDS and the template columns keep
it. `REGISTER_TABLE` is the order of the register table on screens and in downloads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from lib.domain.text import Text

FieldType = Literal["text", "int", "float", "money", "area", "pct", "date", "bool"]
Kind = Literal["register", "progress"]

KINDS: tuple[Kind, ...] = ("register", "progress")
KIND_LABELS_ZH = {"register": "项目台账", "progress": "进度填报表"}

# English for the units the Chinese labels carry; counts (户, 栋, 部) read as plain English.
_UNIT_EN = {"万元": "10k yuan", "万平方米": "10k m²", "%": "%"}


@dataclass(frozen=True)
class Field:
    key: str
    name_zh: str                # the template's header without its unit: 改造户数
    en_name: str                # English label without its unit: Households
    type: FieldType             # how the reader parses a cell
    synonyms: tuple[str, ...]   # header texts meaning this field (compared without units)
    kinds: tuple[Kind, ...]     # the sheets that carry it; () for columns only the store fills
    unit: str | None = None     # unit of the stored value, printed in the template's header
    template: tuple[Kind, ...] = ()   # the templates that print it as a column
    required: tuple[Kind, ...] = ()   # ... and mark it required (*) there
    internal: bool = False      # problems, measures, remarks: staff only, never public
    table_zh: str | None = None  # header in the register table where it differs from the template's
    marker: Literal["register", "progress", "decisive"] | None = None  # a column that tells a sheet's kind
    allow_month: bool = False   # a date that may be given as a month only (planned dates)
    stored_as: tuple[str, ...] | None = None  # store columns, where not the key itself
    cumulative: bool = False    # a running total of the progress report: never lower than last week's

    @property
    def zh(self) -> str:
        """The template's header: 改造户数（户）."""
        return f"{self.name_zh}（{self.unit}）" if self.unit else self.name_zh

    @property
    def en(self) -> str:
        unit = _UNIT_EN.get(self.unit or "")
        return f"{self.en_name} ({unit})" if unit else self.en_name

    @property
    def is_amount(self) -> bool:
        """A count, an area or a sum of money: never negative."""
        return self.type in ("money", "area") or (self.type == "int" and self.unit not in (None, "年"))


_R: tuple[Kind, ...] = ("register",)
_P: tuple[Kind, ...] = ("progress",)
_RP: tuple[Kind, ...] = ("register", "progress")


def _fund(key: str, name_zh: str, en_name: str, synonyms: tuple[str, ...], marker: bool) -> Field:
    return Field(f"fund_{key}", name_zh, en_name, "money", synonyms, _R, "万元", template=_R,
                 marker="register" if marker else None)


FIELDS: tuple[Field, ...] = (
    Field("code", "项目编号", "Code", "text",
          ("项目编号", "小区编号", "编码", "项目编码", "小区编码", "编号", "项目代码", "小区代码"),
          _RP, template=_RP),
    Field("name", "小区名称", "Community", "text",
          ("小区名称", "项目名称", "名称", "小区名", "老旧小区名称", "改造小区名称",
           "小区(项目)名称", "项目(小区)名称", "小区名称(项目名称)", "项目名称(小区名称)"),
          _RP, template=_RP, required=_RP),
    Field("prefecture", "所属市州", "Prefecture", "text",
          ("所属市州", "市州", "市(州)", "所属市(州)", "地市", "所在市州", "州市", "市", "所属市"),
          _RP, table_zh="市（州）"),
    Field("county", "所属县区", "County", "text",
          ("所属县区", "县(市、区)", "县(市,区)", "区县", "县区", "县(市区)", "所属县(市、区)",
           "所在县区", "县市区", "县(区)", "区(县)", "所属区县", "县(市、区、行委)", "县(区、市)"),
          _RP, template=_RP, required=_R, table_zh="县（市、区）", stored_as=("county_adcode",)),
    Field("street", "街道", "Street", "text",
          ("街道", "所属街道", "街道(乡镇)", "乡镇(街道)", "街道办事处", "所在街道", "街道(镇)"),
          _R, template=_R),
    Field("community", "社区", "Neighbourhood", "text",
          ("社区", "所属社区", "社区(村)", "所在社区", "社区居委会"),
          _R, template=_R),
    Field("address", "详细地址", "Address", "text",
          ("地址", "详细地址", "小区地址", "具体位置", "位置", "坐落位置", "所在位置"),
          _R, template=_R, table_zh="地址"),
    Field("lon", "经度", "Longitude", "float", ("经度", "lon", "lng", "longitude"), _R, template=_R),
    Field("lat", "纬度", "Latitude", "float", ("纬度", "lat", "latitude"), _R, template=_R),
    Field("year_built", "建成年代", "Year built", "int",
          ("建成年代", "建成年份", "建设年代", "建成时间", "建成年限", "竣工年代", "建成年度", "建造年代"),
          _R, "年", template=_R, table_zh="建成年份", marker="register"),
    # A 片区/连片改造 project row stands for several communities; None = one (Project.communities).
    Field("communities", "涉及小区数", "Communities", "int",
          ("涉及小区数", "小区数", "包含小区数", "小区个数", "小区数量", "涉及小区个数", "涉及小区数量", "改造小区数",
           "改造小区个数", "包含小区个数"),
          _R, "个", marker="register"),
    Field("households", "改造户数", "Households", "int",
          ("户数", "改造户数", "涉及户数", "居民户数", "总户数", "住户数", "小区户数", "惠及户数",
           "受益户数", "涉及居民户数", "涉及住户", "惠及居民户数", "涉及住户数", "惠及住户", "受益居民户数",
           "改造居民户数"),
          _R, "户", template=_R, required=_R, table_zh="户数（户）", marker="register"),
    Field("buildings", "改造栋数", "Buildings", "int",
          ("栋数", "幢数", "楼栋数", "改造栋数", "楼栋数量", "栋(幢)数", "幢(栋)数", "楼幢数",
           "涉及栋数", "涉及楼栋数", "建筑栋数", "改造楼栋数"),
          _R, "栋", template=_R, table_zh="楼栋数（栋）", marker="register"),
    Field("floor_area_wan_m2", "建筑面积", "Floor area", "area",
          ("建筑面积", "改造面积", "总建筑面积", "改造建筑面积", "涉及建筑面积", "面积",
           "住宅建筑面积", "改造总面积"),
          _R, "万平方米", template=_R, table_zh="建筑面积（万m²）", marker="register"),
    Field("planned_investment_wan", "计划总投资", "Planned investment", "money",
          ("计划投资", "总投资", "估算投资", "概算投资", "计划总投资", "项目总投资",
           "投资估算", "预计投资", "投资额", "估算总投资", "计划投资额", "投资金额", "项目投资", "总投资额",
           "估算投资额", "概算总投资", "项目估算投资"),
          _R, "万元", template=_R, table_zh="计划投资（万元）", marker="register"),
    _fund("central", "中央补助资金", "Central subsidy",
          ("中央补助", "中央补助资金", "中央资金", "中央财政补助", "中央财政补助资金", "中央财政资金"), True),
    _fund("provincial", "省级补助资金", "Provincial subsidy",
          ("省级补助", "省级补助资金", "省级资金", "省级财政补助", "省补资金", "省级财政资金",
           "省级财政补助资金"), True),
    _fund("local", "市县财政资金", "City/county budget",
          ("市县配套", "市县财政", "地方配套", "地方财政", "市县资金", "市县配套资金", "地方财政资金",
           "市县财政资金", "市县级财政", "地方政府配套", "市县财政配套"), True),
    _fund("bonds", "专项债券", "Special bonds",
          ("专项债", "专项债券", "地方政府专项债券", "专项债资金", "政府专项债券", "专项债券资金"), True),
    _fund("residents", "居民出资", "Residents",
          ("居民出资", "居民自筹", "群众出资", "居民筹资", "业主出资", "居民出资(含维修资金)"), True),
    _fund("utilities", "专营单位出资", "Utility companies",
          ("专营单位出资", "专营单位", "管线单位出资", "专业经营单位出资", "专营单位投资"), False),
    _fund("owner_units", "原产权单位出资", "Original owner units",
          ("原产权单位出资", "原产权单位", "产权单位出资", "原产权单位投资"), False),
    _fund("social", "社会资本", "Social capital", ("社会资本", "社会资本出资", "社会资金", "社会力量出资"), False),
    _fund("loans", "银行贷款", "Bank loans", ("银行贷款", "贷款", "金融贷款", "信贷资金"), False),
    Field("content", "改造内容", "Renovation content", "text",
          ("改造内容", "主要改造内容", "建设内容", "改造项目", "改造内容及规模", "主要建设内容",
           "建设内容及规模"),
          _R, template=_R, marker="register"),
    Field("lifts_planned", "计划加装电梯", "Lifts planned", "int",
          ("加装电梯", "加装电梯数", "计划加装电梯", "拟加装电梯", "计划加装电梯数", "拟加装电梯数"),
          _R, "部", template=_R, marker="register"),
    Field("implementing_body", "实施主体", "Implementing body", "text",
          ("实施主体", "实施单位", "建设单位", "项目实施单位", "责任单位", "项目业主", "业主单位"),
          _R, template=_R, marker="register"),
    Field("planned_start", "计划开工时间", "Planned start", "date",
          ("计划开工时间", "计划开工日期", "拟开工时间", "计划开工", "预计开工时间"),
          _R, template=_R, marker="register", allow_month=True),
    Field("planned_finish", "计划完工时间", "Planned finish", "date",
          ("计划完工时间", "计划竣工时间", "计划完工日期", "拟完工时间", "计划完工",
           "预计完工时间", "计划竣工日期"),
          _R, template=_R, marker="register", allow_month=True),
    Field("plan_years", "改造年度", "Plan years", "text",
          ("改造年度", "计划年度", "实施年度", "改造年份", "计划改造年度", "年度", "改造时序", "实施年份"),
          _R, template=_R, table_zh="计划改造时间", marker="register",
          stored_as=("plan_year_start", "plan_year_end")),
    Field("pilot", "是否试点", "Pilot", "bool",
          ("是否试点", "试点", "是否为试点", "试点项目", "是否试点项目", "是否省级试点"),
          _R, template=_R, table_zh="试点"),
    Field("stage", "当前阶段", "Stage", "text",
          ("当前阶段", "阶段", "项目阶段", "进展阶段", "工程状态", "项目状态", "当前状态", "进展状态",
           "建设状态", "所处阶段"),
          _P, template=_P, required=_P, marker="decisive"),
    Field("started_on", "开工日期", "Started on", "date",
          ("开工日期", "开工时间", "实际开工时间", "实际开工日期"), _P, template=_P, marker="progress"),
    Field("finished_on", "完工日期", "Finished on", "date",
          ("完工日期", "完工时间", "竣工日期", "竣工时间", "实际完工时间", "实际完工日期",
           "实际竣工时间", "实际竣工日期"),
          _P, template=_P, marker="progress"),
    Field("accepted_on", "验收日期", "Accepted on", "date",
          ("验收日期", "验收时间", "竣工验收时间", "竣工验收日期", "完成验收时间"),
          _P, template=_P, marker="progress"),
    Field("progress_pct", "形象进度", "Progress", "pct",
          ("形象进度", "完成比例", "工程进度", "进度", "完成进度", "工程形象进度", "施工进度",
           "形象进度比例"),
          _P, "%", template=_P, marker="decisive", cumulative=True),
    Field("invested_wan", "累计完成投资", "Invested", "money",
          ("完成投资", "累计完成投资", "已完成投资", "完成投资额", "累计完成投资额", "累计投资",
           "已完成投资额", "实际完成投资", "累计完成投资金额", "完成投资金额"),
          _P, "万元", template=_P, marker="decisive", cumulative=True),
    Field("paid_wan", "累计支付资金", "Paid", "money",
          ("资金支付", "已支付资金", "累计支付", "资金拨付", "已拨付资金", "累计支付资金", "支付金额",
           "累计拨付资金", "已支付金额", "累计支付金额"),
          _P, "万元", template=_P, table_zh="累计资金支付（万元）", marker="progress", cumulative=True),
    Field("lifts_added", "已加装电梯", "Lifts added", "int",
          ("已加装电梯", "完成加装电梯", "累计加装电梯", "已加装电梯数", "已完成加装电梯",
           "累计加装电梯数"),
          _P, "部", template=_P, marker="progress", cumulative=True),
    Field("problems", "存在问题", "Problems", "text",
          ("存在问题", "存在的问题", "问题", "主要问题", "困难问题", "存在困难和问题", "存在问题及困难"),
          _P, template=_P, internal=True),
    Field("measures", "整改措施", "Measures", "text",
          ("整改措施", "整改情况", "下步措施", "解决措施", "整改落实情况"),
          _P, internal=True, stored_as=()),  # stored with the problems: 整改措施：...
    # A yes/no flag: the row knowingly lowers a cumulative figure (更正), kept as a correction.
    Field("correction", "是否更正", "Correction", "bool",
          ("是否更正", "更正", "数据更正", "更正标记", "是否为更正", "更正数据"),
          _P, template=_P, stored_as=("is_correction",)),
    Field("report_date", "填报日期", "Report date", "date",
          ("填报日期", "统计日期", "报送日期", "截止日期", "统计截止日期"),
          _P, table_zh="最近填报日期"),
    Field("remarks", "备注", "Remarks", "text", ("备注", "其他说明", "说明"), _RP, template=_R, internal=True),
    # Shown in the register table only; never read from a file.
    Field("id", "内部编号", "Internal ID", "int", (), ()),
)

BY_KEY: dict[str, Field] = {f.key: f for f in FIELDS}


def get(key: str) -> Field:
    return BY_KEY[key]


def keys(kind: Kind) -> tuple[str, ...]:
    """The fields a sheet of this kind carries, in template order."""
    return tuple(f.key for f in FIELDS if kind in f.kinds)


REGISTER_FIELDS = keys("register")
PROGRESS_FIELDS = keys("progress")
UPLOAD_FIELDS = tuple(f for f in FIELDS if f.kinds)  # every field a sheet can carry
FUND_FIELDS = tuple(f.key for f in FIELDS if f.key.startswith("fund_"))
INTERNAL = tuple(f.key for f in FIELDS if f.internal)


def template_columns(kind: Kind) -> tuple[str, ...]:
    return tuple(f.key for f in FIELDS if kind in f.template)


def required(kind: Kind) -> set[str]:
    return {f.key for f in FIELDS if kind in f.required}


def stored_as(key: str) -> tuple[str, ...]:
    f = BY_KEY[key]
    return (key,) if f.stored_as is None else f.stored_as


def label(key: str, lang: str = "zh") -> str:
    """A column's header in tables on screens and in downloads (the register table's wording)."""
    f = BY_KEY[key]
    return Text(f.table_zh or f.zh, f.en).pick(lang)


# The register table (lib.figures.metrics.register_table), in the order officials read it.
REGISTER_TABLE: tuple[str, ...] = (
    "code", "name", "prefecture", "county", "street", "community", "address", "year_built", "households",
    "buildings", "floor_area_wan_m2", "planned_investment_wan", "lifts_planned", "pilot", "plan_years",
    "stage", "report_date", "progress_pct", "invested_wan", "paid_wan", "lifts_added", "started_on",
    "finished_on", "lon", "lat", "id",
)


def labels(keys_: tuple[str, ...] | list[str], lang: str = "zh") -> dict[str, str]:
    """{key: label} for renaming a frame's columns."""
    return {k: label(k, lang) for k in keys_}
