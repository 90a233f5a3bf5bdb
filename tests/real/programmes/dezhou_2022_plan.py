"""德州市 2022年城镇老旧小区改造计划, by county (the 德州 block of 山东省's 2022 plan table).

A prefecture's plan: eleven county-level divisions and one 开发区 that is not a division.
The 全市小计 row includes the 开发区: without it the divisions add up to 31,512 households,
not the city's 35,305.
"""

SOURCE = {
    "title": "德州全市计划改造313个小区 (2022年城镇老旧小区改造计划, 德州市分县表)",
    "publisher": "多环保网 duohuanbao.com, reposting 山东省住房和城乡建设厅's 2022 plan for 德州市",
    "url": "https://www.duohuanbao.com/archives/508206.html",
    "published": None,
    "retrieved": "2026-11-21",
    "notes": (
        "The page gives no date; the plan it reproduces is Shandong's 2022 plan (1963 projects, 3889 "
        "communities, 67.13万户 province-wide), compiled under 建办城〔2021〕28号. The table has no title "
        "row and no unit on 建筑面积; the figures are 万m² (the text says 377万平米 for 377.72). The page's "
        "text adds: 陵城区's seven communities cover 546 households and 56824平方米 (5.68万m² in the table). "
        "开发区 is not a division (probably 德州经济技术开发区; the page does not say which)."
    ),
}

REGION_LEVEL = "prefecture"
ROW_LEVEL = "county"
KIND = "plan"
PROGRAMME = {"name": "德州市2022年城镇老旧小区改造", "region": "371400", "years": [2022, 2022]}
AS_OF = None
LAYOUT = "table"

TITLE_ROWS = []
HEADER = [["县(市、区)", "项目数量", "小区数", "楼栋数", "户数", "建筑面积"]]
COLUMNS = HEADER[0]
NAME_COL = 0
MERGES = []
FOOTER_ROWS = []

ROWS = [
    ["全市小计:", 313, 313, 1164, 35305, 377.72],
    ["德城区", 67, 67, 337, 10797, 104.87],
    ["开发区", 3, 3, 104, 3793, 40.64],
    ["陵城区", 7, 7, 24, 546, 5.68],
    ["乐陵市", 7, 7, 13, 379, 4.87],
    ["临邑县", 10, 10, 25, 788, 8.97],
    ["齐河县", 40, 40, 99, 2802, 32.13],
    ["庆云县", 12, 12, 58, 2092, 25.59],
    ["夏津县", 10, 10, 56, 1820, 24.50],
    ["平原县", 39, 39, 95, 2449, 24.86],
    ["宁津县", 22, 22, 51, 1047, 12.39],
    ["武城县", 9, 9, 49, 1542, 18.93],
    ["禹城市", 87, 87, 253, 7250, 74.29],
]

TOTAL_KEY = "全市小计:"
SUBTOTALS = ["全市小计:"]
STATED = {
    "全市小计:": {"项目数量": 313, "小区数": 313, "楼栋数": 1164, "户数": 35305, "建筑面积": 377.72},
    "陵城区": {"小区数": 7, "户数": 546, "建筑面积": 5.68},
    "开发区": {"户数": 3793},
}
GAPS = []
PARTIAL = None
RATES = []
# Stated in the page's text rather than in the table.
TEXT_FACTS = {
    "全市": {"小区数": 313, "楼栋数": 1164, "户数": 35305, "建筑面积(万平米,约)": 377},
    "陵城区": {"小区数": 7, "户数": 546, "建筑面积(平方米)": 56824},
}
ZONES = ["开发区"]
CODES = {
    "德城区": ("371402", "德城区"),
    "开发区": (None, None),
    "陵城区": ("371403", "陵城区"),
    "乐陵市": ("371481", "乐陵市"),
    "临邑县": ("371424", "临邑县"),
    "齐河县": ("371425", "齐河县"),
    "庆云县": ("371423", "庆云县"),
    "夏津县": ("371427", "夏津县"),
    "平原县": ("371426", "平原县"),
    "宁津县": ("371422", "宁津县"),
    "武城县": ("371428", "武城县"),
    "禹城市": ("371482", "禹城市"),
}
