"""住房和城乡建设部: 2022年全国城镇老旧小区改造进展情况（截至2022年5月末）, one row per province.

Two rate columns under one word (开工率 under 小区数 and again under 户数); a rate that reached
the plan is printed as words, 全部开工 (at least 100%: 河北's households 53.25 of 53.00 万户),
so it has no number and is left out. Rows are ranked by progress, not numbered by region code.
"""

SOURCE = {
    "title": "2022年全国城镇老旧小区改造进展情况（截至2022年5月末）",
    "publisher": "住房和城乡建设部（转载：中国城乡新闻网，来源：住房城乡建设部网站）",
    "url": "http://zgcxxw.org/pro_news.php?id=16291",
    "published": "2022-06-28",
    "retrieved": "2026-11-21",
}

KIND = "aggregate"
WITHIN = "100000"

TITLE_ROWS = ["附件", "2022年全国城镇老旧小区改造进展情况", "(截至2022年5月末)"]

HEADER = [
    ["序号", "省份", "新开工改造小区数(个)", None, None, "涉及居民户数(万户)", None, None],
    [None, None, "计划任务数", "开工数", "开工率", "计划任务数", "开工数", "开工率"],
]

# Published rows 1, 2, 6 and 9, as printed.
ROWS = [
    [1, "河北", 3698, 3698, "全部开工", 53.00, 53.25, "全部开工"],
    [2, "湖北", 3053, 2660, "87.1%", 43.31, 38.87, "89.7%"],
    [6, "北京", 400, 283, "70.8%", 20.84, 14.14, "67.9%"],
    [9, "宁夏", 374, 237, "63.4%", 5.10, 3.23, "63.4%"],
]

EXPECTED = [
    {"region": "130000", "planned_communities": 3698.0, "started_communities": 3698.0,
     "planned_households": 530000.0, "started_households": 532500.0},
    {"region": "420000", "planned_communities": 3053.0, "started_communities": 2660.0, "start_rate": 87.1,
     "planned_households": 433100.0, "started_households": 388700.0, "start_rate_households": 89.7},
    {"region": "110000", "planned_communities": 400.0, "started_communities": 283.0, "start_rate": 70.8,
     "planned_households": 208400.0, "started_households": 141400.0, "start_rate_households": 67.9},
    {"region": "640000", "planned_communities": 374.0, "started_communities": 237.0, "start_rate": 63.4,
     "planned_households": 51000.0, "started_households": 32300.0, "start_rate_households": 63.4},
]
