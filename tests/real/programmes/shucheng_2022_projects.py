"""舒城县 2022年城镇老旧小区整治改造: the county's projects and their progress to the end of May 2022,
from the county's 第二季度 briefing (简报).

LAYOUT "list": the briefing gives two batches in prose; the header is made of its own words, one row
per batch, phrases for start and finish kept as written. Its year total (18个小区, 1700户, 14.3万平米,
7800万元 预估) is not the sum of the batches (18, 1671户, 14.323万, 7885万元).
"""

SOURCE = {
    "title": "【老旧小区改造】舒城县2022年第二季度城镇老旧小区整治改造项目实施情况简报",
    "publisher": "舒城县住建局 (舒城县人民政府 www.shucheng.gov.cn)",
    "url": "https://www.shucheng.gov.cn/public/6596321/35381537.html",
    "published": "2022-06-21",
    "retrieved": "2026-11-21",
    "notes": (
        "Text: 摸排上报58个集中连片老旧小区改造项目并列入'十四五'计划; 2022年任务有4个项目(舒怡社区、龙祥社区、"
        "新城社区、东苑社区)共计18个小区, 住户1700户, 改造面积14.3万平米, 预估资金7800万元. Units as written: "
        "'6.89万方平米' (sic) and '7.433万平方'; both are 万平方米 here. The second batch also covers "
        "'门面房32栋及部分平房'. A project row covers several communities (6 and 12)."
    ),
}

REGION_LEVEL = "county"
ROW_LEVEL = "project"
KIND = "projects"
PROGRAMME = {"name": "舒城县2022年城镇老旧小区整治改造", "region": "341523", "years": [2022, 2022]}
AS_OF = "2022-05-31"
LAYOUT = "list"

TITLE_ROWS = ["【老旧小区改造】舒城县2022年第二季度城镇老旧小区整治改造项目实施情况简报"]
HEADER = [["批次", "项目名称", "涉及小区数(个)", "建筑面积(万平方米)", "涉及改造楼栋", "涉及住户(户)",
           "投资金额(万元)", "开工时间", "完工时间", "截至5月底进展"]]
COLUMNS = HEADER[0]
NAME_COL = 1
MERGES = []
FOOTER_ROWS = []

ROWS = [
    ["第一批次", "舒怡社区连片老旧小区改造项目", 6, 6.89, "", 946, 3785,
     "一期于3月底全面开工", "预计10月份完工", "截至5月底已完成投资3100万元,完成总形象进度的40%"],
    ["第二批次", "龙祥社区、新城社区、东苑社区连片改造项目", 12, 7.433, "31栋,门面房32栋及部分平房", 725, 4100,
     "预计于2022年6月25日前全面开工建设", "", "已完成项目前期立项、可研及初步设计"],
]

TOTAL_KEY = "全县(正文)"
SUBTOTALS = []
STATED = {
    "全县(正文)": {"涉及小区数(个)": 18, "建筑面积(万平方米)": 14.3, "涉及住户(户)": 1700, "投资金额(万元)": 7800},
    "舒怡社区连片老旧小区改造项目": {"涉及小区数(个)": 6, "涉及住户(户)": 946, "投资金额(万元)": 3785},
}
GAPS = [
    {"row": "全县(正文)", "column": "建筑面积(万平方米)", "stated": 14.3, "rows_sum": 14.323,
     "cause": "rounding in the source (14.3万平米 for 6.89 + 7.433)"},
    {"row": "全县(正文)", "column": "涉及住户(户)", "stated": 1700, "rows_sum": 1671,
     "cause": "the source's year total is not the sum of its two batches (946 + 725)"},
    {"row": "全县(正文)", "column": "投资金额(万元)", "stated": 7800, "rows_sum": 7885,
     "cause": "the year total is a 预估 (estimate); the batches state 3785 + 4100"},
]
PARTIAL = None
RATES = []
TEXT_FACTS = {
    "全县": {"项目(个)": 4, "十四五储备项目(个)": 58, "截至5月底完成投资(万元)": 3100, "形象进度": "40%"},
}
ZONES = []
CODES = {}
