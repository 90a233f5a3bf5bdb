"""住房和城乡建设部: 2023年全国城镇老旧小区改造进展情况（截至2023年9月末）, one row per province.

No plan column: 新开工小区数(个) and 开工率 only, the rate printed as words (全部开工) for 21 of
32 rows. 兵团 (新疆生产建设兵团) is no administrative division; the total row puts 合计 in the
序号 column.
"""

SOURCE = {
    "title": "2023年全国城镇老旧小区改造进展情况（截至2023年9月末）",
    "publisher": "住房和城乡建设部（转载：滁州房产网 house.hichuzhou.com，来源：住房和城乡建设部网站）",
    "url": "https://house.hichuzhou.com/news/92329.html",
    "published": "2023-11-01 (the ministry's release as reported by 中新社; the reprint shows no date)",
    "retrieved": "2026-11-21",
}

KIND = "aggregate"
WITHIN = "100000"

TITLE_ROWS = ["2023年全国城镇老旧小区改造进展情况", "(截至2023年9月末)"]

HEADER = [["序号", "省份", "新开工小区数(个)", "开工率"]]

# Published rows 1, 22, 29, 32 and the total, as printed.
ROWS = [
    [1, "上海", 329, "全部开工"],
    [22, "河南", 3349, "99.8%"],
    [29, "兵团", 82, "88.2%"],
    [32, "西藏", 22, "62.9%"],
    ["合计", None, 51294, "97%"],
]

EXPECTED = [
    {"region": "310000", "started_communities": 329.0},
    {"region": "410000", "started_communities": 3349.0, "start_rate": 99.8},
    {"region": "兵团", "zone": True, "started_communities": 82.0, "start_rate": 88.2},
    {"region": "540000", "started_communities": 22.0, "start_rate": 62.9},
    {"total": True, "started_communities": 51294.0, "start_rate": 97.0},
]
