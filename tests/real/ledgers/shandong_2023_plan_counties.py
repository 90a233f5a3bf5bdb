"""山东省: 2023年城镇老旧小区改造计划表 (附件), one row per county, grouped by city.

Two region columns (城市 | 县(市、区)); the city's subtotal comes first, its label 全市小计:
in the county column and the city's name in the city column; county names carry the 其中:
and a running number (其中:1.历下区, 2.市中区); 建筑面积 has no unit in the header (万平方米,
from the notice's text: 6243.57万平方米 for the province). 市中区 also exists in other cities,
so the county must be resolved within its city.
"""

SOURCE = {
    "title": "关于公布2023年城镇老旧小区改造计划的通知（附件：2023年城镇老旧小区改造计划表）",
    "publisher": "山东省住房和城乡建设厅、山东省发展和改革委员会、山东省财政厅、山东省通信管理局、山东省能源局（转载：360kss.com）",
    "url": "https://m.360kss.com/jingyan/5610749266.html",
    "published": "2022-09-16",
    "retrieved": "2026-11-21",
}

KIND = "aggregate"
WITHIN = "370000"

TITLE_ROWS = ["附件", "2023年城镇老旧小区改造计划表"]

HEADER = [["序号", "城市", "县(市、区)", "小区数(个)", "楼栋数(栋)", "户数(户)", "建筑面积"]]

# The 济南市 subtotal and its rows 1, 2, 4 and 6, as printed.
ROWS = [
    [None, "济南市", "全市小计:", 525, 2440, 99891, 755.91],
    [1, None, "其中:1.历下区", 226, 1276, 56525, 402.59],
    [2, None, "2.市中区", 101, 414, 14133, 107.14],
    [4, None, "4.天桥区", 11, 195, 10003, 69.93],
    [6, None, "6.长清区", 44, 76, 2159, 22.90],
]

EXPECTED = [
    {"total": True, "communities": 525.0, "buildings": 2440.0, "households": 99891.0,
     "floor_area_wan_m2": 755.91},
    {"region": "370102", "communities": 226.0, "buildings": 1276.0, "households": 56525.0,
     "floor_area_wan_m2": 402.59},
    {"region": "370103", "communities": 101.0, "buildings": 414.0, "households": 14133.0,
     "floor_area_wan_m2": 107.14},
    {"region": "370105", "communities": 11.0, "buildings": 195.0, "households": 10003.0,
     "floor_area_wan_m2": 69.93},
    {"region": "370113", "communities": 44.0, "buildings": 76.0, "households": 2159.0,
     "floor_area_wan_m2": 22.9},
]
