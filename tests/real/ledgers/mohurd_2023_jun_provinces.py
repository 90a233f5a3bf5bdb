"""住房和城乡建设部: 2023年全国城镇老旧小区改造进展情况（截至2023年6月末）, one row per province,
as a traditional-character reprint prints it.

The Ministry's layout is the one of September (序号｜省份｜新开工小区数(个)｜开工率), but every word
of this copy is in traditional characters: 序號, 新開工小區數(個), 開工率, 全部開工, 合計, 兵團, and
陜西 with the variant 陜 (U+965C), which a plain traditional→simplified table leaves as it is. So the
header is a different vocabulary, not a different government layout. The reprint's converter put
pinyin after some characters (小區(qū)); those annotations are dropped here, every character kept.
"""

SOURCE = {
    "title": "2023年1—6月全國新開工改造城鎮老舊小區4.26萬個 — 2023年全國城鎮老舊小區改造進展情況（截至2023年6月末）",
    "publisher": "住房和城乡建设部（转载：bari-btp.com，繁体字转换本）",
    "url": "http://www.bari-btp.com/20/4062.html",
    "published": "2023-07-24 (the ministry's release; the reprint shows no date)",
    "retrieved": "2026-11-21",
}

KIND = "aggregate"
WITHIN = "100000"

TITLE_ROWS = ["2023年全國城鎮老舊小區改造進展情況", "(截至2023年6月末)"]

HEADER = [["序號", "省份", "新開工小區數(個)", "開工率"]]

# Published rows 1, 20, 27, 30 and the total, as printed.
ROWS = [
    [1, "貴州", 1071, "全部開工"],
    [20, "\u965c西", 1419, "70%"],
    [27, "兵團", 45, "48%"],
    [30, "廣西", 802, "44%"],
    ["合計", None, 42621, "80.4%"],
]

# 全部開工 is a rate in words (at least 100%): no number, left out.
EXPECTED = [
    {"region": "520000", "started_communities": 1071.0},
    {"region": "610000", "started_communities": 1419.0, "start_rate": 70.0},
    {"region": "兵團", "zone": True, "started_communities": 45.0, "start_rate": 48.0},
    {"region": "450000", "started_communities": 802.0, "start_rate": 44.0},
    {"total": True, "started_communities": 42621.0, "start_rate": 80.4},
]
