"""住房和城乡建设部: 2022年全国城镇老旧小区改造进展情况（截至2022年12月末）, one row per province.

A two-row header: 新开工改造小区数(个) and 涉及居民户数(万户) each over 计划任务数 | 开工数, so the
same two words name four columns and only the upper row tells communities from households.
Households are printed in 万户 (21.30 = 213,000 households). Read from a trade site's reprint
of the ministry's attachment; the excerpt stops before 兵团 and the total row.
"""

SOURCE = {
    "title": "2022年全国城镇老旧小区改造进展情况（截至2022年12月末）",
    "publisher": "住房和城乡建设部（转载：中国路面机械网 clyj.com.cn，文章来源：住建部）",
    "url": "https://www.clyj.com.cn/html/shichangkaituo/13100.html",
    "published": "2023-02-10",
    "retrieved": "2026-11-21",
}

KIND = "aggregate"
WITHIN = "100000"

TITLE_ROWS = ["2022年全国城镇老旧小区改造进展情况", "(截至2022年12月末)"]

HEADER = [
    ["序号", "省份", "新开工改造小区数(个)", None, "涉及居民户数(万户)", None],
    [None, None, "计划任务数", "开工数", "计划任务数", "开工数"],
]

# Published rows 1, 3, 9 and 26, as printed (21.30 printed with two decimals).
ROWS = [
    [1, "北京", 400, 411, 21.30, 21.30],
    [3, "河北", 3698, 3698, 53.00, 53.26],
    [9, "上海", 200, 200, 16.30, 18.93],
    [26, "西藏", 31, 27, 0.53, 0.38],
]

EXPECTED = [
    {"region": "110000", "planned_communities": 400.0, "started_communities": 411.0,
     "planned_households": 213000.0, "started_households": 213000.0},
    {"region": "130000", "planned_communities": 3698.0, "started_communities": 3698.0,
     "planned_households": 530000.0, "started_households": 532600.0},
    {"region": "310000", "planned_communities": 200.0, "started_communities": 200.0,
     "planned_households": 163000.0, "started_households": 189300.0},
    {"region": "540000", "planned_communities": 31.0, "started_communities": 27.0,
     "planned_households": 5300.0, "started_households": 3800.0},
]
