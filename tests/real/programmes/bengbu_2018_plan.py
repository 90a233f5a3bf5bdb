"""蚌埠市 2018年老舊居住小區整治改造計劃項目(市級目標), by district, from a traditional-character
repost that gives it as a list (龍子湖區 共25個小區 涉及居民6618戶 …).

LAYOUT "list": the header is made of the list's own words. Two rows are not divisions: 經開區 (a
development zone) and 三縣 (the three counties 怀远县, 五河县, 固镇县 reported together). The stated
total is approximate: 涉及居民25000余戶 (the rows add up to 25438).
"""

SOURCE = {
    "title": "我市老舊居住小區整治改造計劃項目(市級目標)新鮮出爐",
    "publisher": "pxte.cn (安徽), repost of a 蚌埠 news item",
    "url": "http://pxte.cn/anhui/20180131/46631.html",
    "published": "2018-01-31",
    "retrieved": "2026-11-21",
    "notes": (
        "Text: 2018年蚌埠市政府工作報告稱 …老舊小區改造78個; 計劃項目(市級目標) 涉及居民25000余戶, "
        "總投資估算34773余萬元 (no per-district investment). 備注: 2018年,龍子湖區、蚌山區、經開區提升型改造項目"
        "暫時未確定,需與設計院聯合勘察后確定. 淮上區 is 1 community of 3462 households. Characters as the page "
        "has them (traditional)."
    ),
}

REGION_LEVEL = "prefecture"
ROW_LEVEL = "county"
KIND = "plan"
PROGRAMME = {"name": "蚌埠市2018年老旧居住小区整治改造", "region": "340300", "years": [2018, 2018]}
AS_OF = None
LAYOUT = "list"

TITLE_ROWS = []
HEADER = [["區", "小區數(個)", "涉及居民(戶)"]]
COLUMNS = HEADER[0]
NAME_COL = 0
MERGES = []
FOOTER_ROWS = ["備注:2018年,龍子湖區、蚌山區、經開區提升型改造項目暫時未確定,需與設計院聯合勘察后確定。"]

ROWS = [
    ["龍子湖區", 25, 6618],
    ["蚌山區", 15, 5769],
    ["禹會區", 15, 4090],
    ["淮上區", 1, 3462],
    ["經開區", 15, 3096],
    ["三縣", 7, 2403],
]

TOTAL_KEY = "全市(正文)"
SUBTOTALS = []
STATED = {
    "全市(正文)": {"小區數(個)": 78},
    "龍子湖區": {"小區數(個)": 25, "涉及居民(戶)": 6618},
}
# "25000余戶": at least 25000, written as a round figure; the test checks the rows lie in [25000, 26000).
APPROX = {"全市(正文)": {"涉及居民(戶)": ("25000余", 25000, 26000)}}
GAPS = []
PARTIAL = None
RATES = []
TEXT_FACTS = {"全市": {"老舊小區改造(個)": 78, "涉及居民": "25000余戶", "總投資估算": "34773余萬元"}}
ZONES = ["經開區", "三縣"]
CODES = {
    "龙子湖区": ("340302", "龙子湖区"),
    "蚌山区": ("340303", "蚌山区"),
    "禹会区": ("340304", "禹会区"),
    "淮上区": ("340311", "淮上区"),
    "经开区": (None, None),
    "三县": (None, None),
}
