"""青岛市 2024年老旧小区改造计划 by district, from a traditional-character repost that gives it as a
numbered list (1.市南區 ... 10.萊西市), one line of figures per district.

LAYOUT "list": the page has no table; the header here is made of the list's own words (共改造小區,
樓棟數, 戶, 總建筑面積 … 萬平方米), one row per list item, names and numbers as written.
5.西海岸新區 is not a division: it is 黄岛区 (370211).
"""

SOURCE = {
    "title": "2024年山東青島老舊小區改造計劃是怎樣的?改造名單介紹!",
    "publisher": "nycautosale.com, from 山东省住房和城乡建设厅《关于公布2024年城镇老旧小区改造计划的通知》",
    "url": "http://nycautosale.com/read-145942.html",
    "published": "2023-10-24",
    "retrieved": "2026-11-21",
    "notes": (
        "The province's 2024 plan was reported on 2023-10-24 (青岛日报: 10个区市涉及433个小区, 共改造3373栋、超13万户; "
        "全省3158个, 56.08万户, 16872栋, 4850.58万平方米). The repost is a traditional-character conversion that "
        "appends pinyin after some characters (區(qū), 個(gè)); the annotations are dropped, the characters kept "
        "(市南區, 李滄區, 嶗山區, 膠州市, 萊西市). Its text: 2024年…改造433個小區,3373棟樓,132693戶,1016萬平方米, "
        "and the same per-district 小區 counts. The last item ends '總建筑面積38.84' at the end of the stored "
        "excerpt; the rows add up to exactly 1016.00 with it."
    ),
}

REGION_LEVEL = "prefecture"
ROW_LEVEL = "county"
KIND = "plan"
PROGRAMME = {"name": "青岛市2024年城镇老旧小区改造", "region": "370200", "years": [2024, 2024]}
AS_OF = None
LAYOUT = "list"

TITLE_ROWS = ["二、2024年山東青島老舊小區改造名單如下:"]
HEADER = [["區(市)", "共改造小區(個)", "樓棟數(棟)", "戶數(戶)", "總建筑面積(萬平方米)"]]
COLUMNS = HEADER[0]
NAME_COL = 0
MERGES = []
FOOTER_ROWS = []

ROWS = [
    ["1.市南區", 38, 962, 33474, 247.96],
    ["2.市北區", 123, 804, 45689, 290.487],
    ["3.李滄區", 60, 252, 10202, 67.2],
    ["4.嶗山區", 9, 74, 2916, 34.83],
    ["5.西海岸新區", 72, 447, 15050, 145.7503],
    ["6.城陽區", 7, 43, 1032, 9.0041],
    ["7.即墨區", 17, 196, 5977, 60.62],
    ["8.膠州市", 58, 161, 5271, 45.99],
    ["9.平度市", 39, 309, 9238, 75.3186],
    ["10.萊西市", 10, 125, 3844, 38.84],
]

# The city total is stated in the text above the list, not in a row.
TOTAL_KEY = "全市(正文)"
SUBTOTALS = []
STATED = {
    "全市(正文)": {"共改造小區(個)": 433, "樓棟數(棟)": 3373, "戶數(戶)": 132693, "總建筑面積(萬平方米)": 1016},
    "5.西海岸新區": {"共改造小區(個)": 72, "戶數(戶)": 15050},
}
GAPS = []
PARTIAL = None
RATES = []
TEXT_FACTS = {
    "各區(市)小區數(正文)": {"市南區": 38, "市北區": 123, "李滄區": 60, "嶗山區": 9, "西海岸新區": 72,
                          "城陽區": 7, "即墨區": 17, "膠州市": 58, "平度市": 39, "萊西市": 10},
}
ZONES = ["5.西海岸新區"]
CODES = {
    "市南区": ("370202", "市南区"),
    "市北区": ("370203", "市北区"),
    "李沧区": ("370213", "李沧区"),
    "崂山区": ("370212", "崂山区"),
    "西海岸新区": ("370211", "黄岛区"),
    "城阳区": ("370214", "城阳区"),
    "即墨区": ("370215", "即墨区"),
    "胶州市": ("370281", "胶州市"),
    "平度市": ("370283", "平度市"),
    "莱西市": ("370285", "莱西市"),
}
