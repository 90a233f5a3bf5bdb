"""德州市 (山东省 2022年城镇老旧小区改造计划, 德州部分): one row per county.

No 序号 column; the subtotal first, labelled 全市小计: (with a colon); 项目数量 next to 小区数
(a project may cover several communities; here they are equal); 开发区 (德州经济技术开发区) is
no administrative division; 建筑面积 without a unit (万平方米: 377.72 for 377万平米 in the text).
"""

SOURCE = {
    "title": "山东省2022年城镇老旧小区改造计划（德州市：县(市、区)计划表）",
    "publisher": "山东省住房和城乡建设厅（德州市部分；转载：多环保网 duohuanbao.com）",
    "url": "https://www.duohuanbao.com/archives/508206.html",
    "published": "2021 (the 2022 plan, compiled late 2021; the reprint shows no date)",
    "retrieved": "2026-11-21",
}

KIND = "aggregate"
WITHIN = "371400"

TITLE_ROWS = []

HEADER = [["县(市、区)", "项目数量", "小区数", "楼栋数", "户数", "建筑面积"]]

# The subtotal and the rows of 德城区, 开发区, 陵城区 and 禹城市, as printed.
ROWS = [
    ["全市小计:", 313, 313, 1164, 35305, 377.72],
    ["德城区", 67, 67, 337, 10797, 104.87],
    ["开发区", 3, 3, 104, 3793, 40.64],
    ["陵城区", 7, 7, 24, 546, 5.68],
    ["禹城市", 87, 87, 253, 7250, 74.29],
]

EXPECTED = [
    {"total": True, "projects": 313.0, "communities": 313.0, "buildings": 1164.0, "households": 35305.0,
     "floor_area_wan_m2": 377.72},
    {"region": "371402", "projects": 67.0, "communities": 67.0, "buildings": 337.0, "households": 10797.0,
     "floor_area_wan_m2": 104.87},
    {"region": "开发区", "zone": True, "projects": 3.0, "communities": 3.0, "buildings": 104.0,
     "households": 3793.0, "floor_area_wan_m2": 40.64},
    {"region": "371403", "projects": 7.0, "communities": 7.0, "buildings": 24.0, "households": 546.0,
     "floor_area_wan_m2": 5.68},
    {"region": "371482", "projects": 87.0, "communities": 87.0, "buildings": 253.0, "households": 7250.0,
     "floor_area_wan_m2": 74.29},
]
