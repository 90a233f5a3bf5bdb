"""2023年全国城镇老旧小区改造进展情况(截至2023年6月末): the Ministry's table by province, as a
traditional-character repost has it.

Names are in traditional characters (貴州, 遼寧, 黑龍江, 兵團, 合計) except where the page itself has
simplified ones (云南). 陜西 is written with the variant 陜 (U+965C), which OpenCC's t2s leaves as it
is: it must still resolve to 陕西. 兵團 (新疆生产建设兵团) is a reporting unit, not a division.
"""

SOURCE = {
    "title": "2023年1—6月全國新開工改造城鎮老舊小區4.26萬個 — 2023年全國城鎮老舊小區改造進展情況(截至2023年6月末)",
    "publisher": "住房和城乡建设部 (Ministry of Housing and Urban-Rural Development), reposted by bari-btp.com",
    "url": "http://www.bari-btp.com/20/4062.html",
    "published": "2023-07-24",
    "retrieved": "2026-11-21",
    "notes": (
        "The Ministry published this on 2023-07-24 (央广网 report of its site); the repost is a traditional-"
        "character conversion whose converter appended pinyin after some characters (城鎮(zhèn), 小區(qū), "
        "數(shù)); those parenthesised pinyin annotations are dropped here, every character kept as the page "
        "has it (traditional, with 云南 and 陜西 as written). Text: 2023年全國計劃新開工改造城鎮老舊小區"
        "5.3萬個、涉及居民865萬戶; 1—6月新開工4.26萬個、惠及居民742萬戶, 按小區數計開工率80.4%. The table has "
        "no plan column: rates cannot be recomputed from it. The 合計 row spans 序號 and 省份."
    ),
}

REGION_LEVEL = "nation"
ROW_LEVEL = "province"
KIND = "progress"
PROGRAMME = {"name": "2023年全国城镇老旧小区改造", "region": "100000", "years": [2023, 2023]}
AS_OF = "2023-06-30"
LAYOUT = "table"

TITLE_ROWS = ["2023年全國城鎮老舊小區改造進展情況", "(截至2023年6月末)"]
HEADER = [["序號", "省份", "新開工小區數(個)", "開工率"]]
COLUMNS = HEADER[0]
NAME_COL = 1
FOOTER_ROWS = []

ROWS = [
    [1, "貴州", 1071, "全部開工"],
    [2, "河北", 1816, "全部開工"],
    [3, "湖北", 4284, "99%"],
    [4, "江蘇", 1498, "99%"],
    [5, "江西", 1232, "99%"],
    [6, "湖南", 4258, "98%"],
    [7, "山東", 3818, "97%"],
    [8, "重慶", 1988, "96%"],
    [9, "浙江", 358, "95%"],
    [10, "遼寧", 1366, "95%"],
    [11, "內蒙古", 1532, "95%"],
    [12, "新疆", 1086, "94%"],
    [13, "寧夏", 175, "93%"],
    [14, "安徽", 1129, "90%"],
    [15, "福建", 2228, "86%"],
    [16, "北京", 237, "79%"],
    [17, "四川", 4049, "76%"],
    [18, "河南", 2522, "75%"],
    [19, "上海", 143, "71%"],
    [20, "\u965c西", 1419, "70%"],
    [21, "黑龍江", 1048, "68%"],
    [22, "云南", 1269, "65%"],
    [23, "甘肅", 707, "57%"],
    [24, "廣東", 815, "51%"],
    [25, "山西", 920, "50%"],
    [26, "青海", 161, "49%"],
    [27, "兵團", 45, "48%"],
    [28, "天津", 128, "47%"],
    [29, "吉林", 383, "46%"],
    [30, "廣西", 802, "44%"],
    [31, "海南", 124, "30%"],
    [32, "西藏", 10, "29%"],
    ["合計", "", 42621, "80.4%"],
]
MERGES = [("rows", 32, 0, 32, 1)]

TOTAL_KEY = "合計"
SUBTOTALS = ["合計"]
STATED = {
    "合計": {"新開工小區數(個)": 42621, "開工率": "80.4%"},
    "湖南": {"新開工小區數(個)": 4258, "開工率": "98%"},
    "兵團": {"新開工小區數(個)": 45, "開工率": "48%"},
    "貴州": {"開工率": "全部開工"},
}
GAPS = []
PARTIAL = None
RATES = []
TEXT_FACTS = {
    "全國": {"計劃新開工小區(萬個)": 5.3, "計劃涉及居民(萬戶)": 865, "新開工小區(萬個)": 4.26,
             "惠及居民(萬戶)": 742, "開工率": "80.4%"},
}
ZONES = ["兵團"]
# Names here are converted with OpenCC t2s and the 陜→陕 variant before lookup in _codes.PROVINCES.
CODES = "provinces"
