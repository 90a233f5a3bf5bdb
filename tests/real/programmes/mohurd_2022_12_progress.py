"""2022年全国城镇老旧小区改造进展情况(截至2022年12月末): the Ministry's table by province with a
two-row header (计划任务数 / 开工数 under 新开工改造小区数(个) and under 涉及居民户数(万户)).

PARTIAL: the stored copy stops inside row 31 (新疆, after its plan figure); 兵团 and the 合计 row
are missing. It is kept for its layout (a national plan by province, two header rows, 户数 in 万户).
"""

SOURCE = {
    "title": "2022年全国城镇老旧小区改造进展情况(截至2022年12月末)",
    "publisher": "住房和城乡建设部, reposted by clyj.com.cn (文章来源:住建部, 发布日期 2023-02-10)",
    "url": "https://www.clyj.com.cn/html/shichangkaituo/13100.html",
    "published": "2023-02-10",
    "retrieved": "2026-11-21",
    "notes": (
        "Text: 2022年全国计划新开工改造城镇老旧小区5.1万个、840万户; 1-12月全国新开工改造老旧小区5.25万个、"
        "876万户. The copy ends at '31 | 新疆 | 1273 | 1' — the 开工数 of 新疆 is cut off after its first "
        "digit, which is not transcribed; 兵团 and 合计 are not in the copy. 户数 columns are in 万户 with two "
        "decimals as published (53.00, 5.10)."
    ),
}

REGION_LEVEL = "nation"
ROW_LEVEL = "province"
KIND = "progress"
PROGRAMME = {"name": "2022年全国城镇老旧小区改造", "region": "100000", "years": [2022, 2022]}
AS_OF = "2022-12-31"
LAYOUT = "table"

TITLE_ROWS = ["2022年全国城镇老旧小区改造进展情况", "(截至2022年12月末)"]
HEADER = [
    ["序号", "省份", "新开工改造小区数(个)", "", "涉及居民户数(万户)", ""],
    ["", "", "计划任务数", "开工数", "计划任务数", "开工数"],
]
COLUMNS = [
    "序号", "省份",
    "新开工改造小区数(个)/计划任务数", "新开工改造小区数(个)/开工数",
    "涉及居民户数(万户)/计划任务数", "涉及居民户数(万户)/开工数",
]
NAME_COL = 1
MERGES = [("header", 0, 0, 1, 0), ("header", 0, 1, 1, 1), ("header", 0, 2, 0, 3), ("header", 0, 4, 0, 5)]
FOOTER_ROWS = []

ROWS = [
    [1, "北京", 400, 411, 21.30, 21.30],
    [2, "天津", 177, 177, 10.12, 10.19],
    [3, "河北", 3698, 3698, 53.00, 53.26],
    [4, "山西", 1779, 1894, 21.94, 23.50],
    [5, "内蒙古", 1540, 1571, 21.37, 22.37],
    [6, "辽宁", 1203, 1203, 52.53, 52.53],
    [7, "吉林", 1142, 1159, 19.66, 19.88],
    [8, "黑龙江", 1705, 1705, 41.01, 41.01],
    [9, "上海", 200, 200, 16.30, 18.93],
    [10, "江苏", 1405, 1578, 45.72, 56.02],
    [11, "浙江", 607, 616, 18.95, 20.03],
    [12, "安徽", 1411, 1418, 25.44, 25.96],
    [13, "福建", 1533, 1623, 18.78, 20.11],
    [14, "江西", 1062, 1062, 34.34, 34.34],
    [15, "山东", 3889, 3892, 67.14, 68.03],
    [16, "河南", 3787, 3831, 37.86, 38.94],
    [17, "湖北", 3053, 3248, 43.31, 50.67],
    [18, "湖南", 3222, 3300, 48.10, 48.85],
    [19, "广东", 1397, 1802, 32.75, 39.36],
    [20, "广西", 1322, 1466, 12.21, 12.95],
    [21, "海南", 608, 631, 5.10, 5.39],
    [22, "重庆", 1277, 1304, 29.86, 30.28],
    [23, "四川", 5400, 5413, 57.12, 57.19],
    [24, "贵州", 1501, 1508, 21.32, 21.36],
    [25, "云南", 1923, 1923, 15.42, 15.42],
    [26, "西藏", 31, 27, 0.53, 0.38],
    [27, "陕西", 2200, 2200, 20.61, 20.61],
    [28, "甘肃", 1599, 1599, 15.72, 15.72],
    [29, "青海", 400, 400, 4.09, 4.09],
    [30, "宁夏", 333, 333, 4.35, 4.35],
    [31, "新疆", 1273, None, None, None],
]

# The total is stated only in the text, rounded to 0.01万 / 1万户.
TOTAL_KEY = "全国(正文)"
SUBTOTALS = []
STATED = {
    "山东": {"新开工改造小区数(个)/计划任务数": 3889, "新开工改造小区数(个)/开工数": 3892},
    "西藏": {"新开工改造小区数(个)/计划任务数": 31, "新开工改造小区数(个)/开工数": 27},
}
GAPS = []
PARTIAL = "the stored copy stops inside row 31 (新疆); 兵团 and 合计 are missing"
RATES = []
# Totals stated in the text, in the text's units; test_sources checks the transcribed rows stay
# within them (the missing rows can only add).
TEXT_FACTS = {
    "全国": {"计划新开工小区(万个)": 5.1, "计划户数(万户)": 840, "新开工小区(万个)": 5.25, "新开工户数(万户)": 876},
}
ZONES = []
CODES = "provinces"
