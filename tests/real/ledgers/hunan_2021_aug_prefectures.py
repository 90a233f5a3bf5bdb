"""湖南省: 全省2021年重点民生实事项目完成进度表（截至2021年8月底）, one row per 市州.

The region header is written with a space (市 州); plan, started count, rate, planned and
completed investment (万元) and the investment rate side by side; rates printed with a % sign
and two decimals; the total row is 全省 in the region column with no 序号; 湘西州 is the short
name of 湘西土家族苗族自治州.
"""

SOURCE = {
    "title": "全省2021年重点民生实事项目完成进度表（截至2021年8月底）（城镇老旧小区改造）",
    "publisher": "湖南省人民政府（湖南省住房和城乡建设厅通报，附件1）",
    "url": "http://hunan.gov.cn/topic/dj2021/zdss/xsz/scjt/202109/t20210924_20644635.html",
    "published": "2021-09-24",
    "retrieved": "2026-11-21",
}

KIND = "aggregate"
WITHIN = "430000"

TITLE_ROWS = ["附件1", "全省2021年重点民生实事项目完成进度表", "(截至2021年8月底)"]

HEADER = [["序号", "市 州", "计划完成数", "累计开工数", "开工率", "计划投资额(万元)",
           "累计完成投资额(万元)", "计划投资完成率"]]

# Published rows 1, 4, 8, 14 and the total, as printed.
ROWS = [
    [1, "长沙市", 150, 143, "95.33%", 86157.25, 36836.13, "42.75%"],
    [4, "衡阳市", 146, 58, "39.73%", 68429.76, 27456.4, "40.12%"],
    [8, "张家界市", 48, 48, "100.00%", 6828, 5952, "87.17%"],
    [14, "湘西州", 85, 30, "35.29%", 77402, 5468.18, "7.06%"],
    [None, "全省", 1500, 1110, "74.00%", 752393.73, 281682.60, "37.44%"],
]

EXPECTED = [
    {"region": "430100", "planned_communities": 150.0, "started_communities": 143.0, "start_rate": 95.33,
     "planned_investment_wan": 86157.25, "invested_wan": 36836.13, "invest_rate": 42.75},
    {"region": "430400", "planned_communities": 146.0, "started_communities": 58.0, "start_rate": 39.73,
     "planned_investment_wan": 68429.76, "invested_wan": 27456.4, "invest_rate": 40.12},
    {"region": "430800", "planned_communities": 48.0, "started_communities": 48.0, "start_rate": 100.0,
     "planned_investment_wan": 6828.0, "invested_wan": 5952.0, "invest_rate": 87.17},
    {"region": "433100", "planned_communities": 85.0, "started_communities": 30.0, "start_rate": 35.29,
     "planned_investment_wan": 77402.0, "invested_wan": 5468.18, "invest_rate": 7.06},
    {"total": True, "planned_communities": 1500.0, "started_communities": 1110.0, "start_rate": 74.0,
     "planned_investment_wan": 752393.73, "invested_wan": 281682.6, "invest_rate": 37.44},
]
