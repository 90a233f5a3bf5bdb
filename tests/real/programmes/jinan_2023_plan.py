"""济南市 in 山东省's 2023年城镇老旧小区改造计划表: a city subtotal row (全市小计:) above its counties,
which carry a numbering prefix ("其中:1.历下区", "2.市中区", ...), with 序号 and 城市 columns.

PARTIAL: the stored copy stops inside row 8 (莱芜区, after its 楼栋数); rows 9 and 10 are missing.
The page's text names one of them: 商河县, 66 communities.
"""

SOURCE = {
    "title": "2023年城镇老旧小区改造计划表 (山东省, 济南市部分)",
    "publisher": "山东省住房和城乡建设厅等五部门 (2022-09-16), reposted by m.360kss.com",
    "url": "https://m.360kss.com/jingyan/5610749266.html",
    "published": "2022-09-16",
    "retrieved": "2026-11-21",
    "notes": (
        "The province's notice 关于公布2023年城镇老旧小区改造计划的通知 is dated 2022-09-16 (全省3898个小区, "
        "69.95万户, 20712栋, 6243.57万平方米). The repost's text: 济南市列入改造的10个区县涉及525个老旧小区, "
        "2440栋, 99891户, 755.91万平方米; 历下区、市中区、商河县 226、101、66个; 历下区 56525户. The copy ends at "
        "'8 | 8.莱芜区 | 8 | 58 |'; 户数 and 建筑面积 of 莱芜区 are missing (None) and rows 9-10 are absent. "
        "建筑面积 has no unit in the header; figures are 万平方米. The 城市 cell '济南市' stands on the subtotal "
        "row only (merged down the city's rows in the original); rows 1-8 leave it blank. The table has one "
        "more, empty, column after 建筑面积 in the copy, not kept."
    ),
}

REGION_LEVEL = "prefecture"
ROW_LEVEL = "county"
KIND = "plan"
PROGRAMME = {"name": "济南市2023年城镇老旧小区改造", "region": "370100", "years": [2023, 2023]}
AS_OF = None
LAYOUT = "table"

TITLE_ROWS = ["附件", "2023年城镇老旧小区改造计划表"]
HEADER = [["序号", "城市", "县(市、区)", "小区数(个)", "楼栋数(栋)", "户数(户)", "建筑面积"]]
COLUMNS = HEADER[0]
NAME_COL = 2
MERGES = []
FOOTER_ROWS = []

ROWS = [
    ["", "济南市", "全市小计:", 525, 2440, 99891, 755.91],
    [1, "", "其中:1.历下区", 226, 1276, 56525, 402.59],
    [2, "", "2.市中区", 101, 414, 14133, 107.14],
    [3, "", "3.槐荫区", 38, 121, 5680, 52.10],
    [4, "", "4.天桥区", 11, 195, 10003, 69.93],
    [5, "", "5.历城区", 15, 39, 1608, 16.57],
    [6, "", "6.长清区", 44, 76, 2159, 22.90],
    [7, "", "7.章丘区", 10, 17, 536, 3.99],
    [8, "", "8.莱芜区", 8, 58, None, None],
]

TOTAL_KEY = "全市小计:"
SUBTOTALS = ["全市小计:"]
STATED = {
    "全市小计:": {"小区数(个)": 525, "楼栋数(栋)": 2440, "户数(户)": 99891, "建筑面积": 755.91},
    "其中:1.历下区": {"小区数(个)": 226, "户数(户)": 56525},
    "2.市中区": {"小区数(个)": 101},
}
GAPS = []
PARTIAL = "the stored copy stops inside row 8 (莱芜区); rows 9-10 (商河县 and one other) are missing"
RATES = []
TEXT_FACTS = {
    "全市": {"区县(个)": 10, "小区数(个)": 525, "楼栋数(栋)": 2440, "户数(户)": 99891, "建筑面积(万平方米)": 755.91},
    "商河县": {"小区数(个)": 66},
}
ZONES = []
CODES = {
    "历下区": ("370102", "历下区"),
    "市中区": ("370103", "市中区"),
    "槐荫区": ("370104", "槐荫区"),
    "天桥区": ("370105", "天桥区"),
    "历城区": ("370112", "历城区"),
    "长清区": ("370113", "长清区"),
    "章丘区": ("370114", "章丘区"),
    "莱芜区": ("370116", "莱芜区"),
}
