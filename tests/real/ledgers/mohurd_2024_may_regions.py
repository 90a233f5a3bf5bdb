"""住房和城乡建设部: 2024年全国城镇老旧小区改造进展情况（截至2024年5月末）, one row per province,
as a traditional-character reprint prints it.

The Ministry's 2024 layout names the region column 地區 (地区), not 省份 as in 2022 and 2023:
序號｜地區｜新開工小區數(個)｜開工率. No 全部開工 this early in the year; every rate is a number with
one decimal, 0 and 0.0% where nothing started yet (海南, 青海). No total row was printed. 兵團 is
no division (a zone).
"""

SOURCE = {
    "title": "2024年1—5月全國新開工改造城鎮老舊小區2.26萬個 — 2024年全國城鎮老舊小區改造進展情況（截至2024年5月末）",
    "publisher": "住房和城乡建设部（转载：82559.cc，繁体字转换本）",
    "url": "http://www.82559.cc/20/10072.html",
    "published": "2024-06 (the ministry's release; the reprint shows no date)",
    "retrieved": "2026-11-21",
}

KIND = "aggregate"
WITHIN = "100000"

TITLE_ROWS = ["(截至2024年5月末)"]

HEADER = [["序號", "地區", "新開工小區數(個)", "開工率"]]

# Published rows 1, 7, 16, 25 and 31, as printed.
ROWS = [
    [1, "江蘇", 982, "94.8%"],
    [7, "湖北", 3610, "55.7%"],
    [16, "兵團", 40, "29.4%"],
    [25, "湖南", 1181, "22.0%"],
    [31, "海南", 0, "0.0%"],
]

EXPECTED = [
    {"region": "320000", "started_communities": 982.0, "start_rate": 94.8},
    {"region": "420000", "started_communities": 3610.0, "start_rate": 55.7},
    {"region": "兵團", "zone": True, "started_communities": 40.0, "start_rate": 29.4},
    {"region": "430000", "started_communities": 1181.0, "start_rate": 22.0},
    {"region": "460000", "started_communities": 0.0, "start_rate": 0.0},
]
