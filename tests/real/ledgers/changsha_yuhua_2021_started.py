"""长沙市雨花区: 2021年城镇老旧小区改造项目开工情况 (公示, one row per community).

The stage is in a column headed 实施进度 (not a progress percentage: every value is a stage
word, 已开工); the district's street and neighbourhood share one column (所在街道及社区),
which the progress report does not carry, so it is not expected.
"""

SOURCE = {
    "title": "2021年雨花区老旧小区改造项目开工情况公示",
    "publisher": "长沙市雨花区城市人居环境局（页面署名：区人居环境局）",
    "url": "http://www.yuhua.gov.cn/zwgk97/xxgkml/384213/qrjhjj14/tzgg6829/202112/t20211221_10409696.html",
    "published": "2021-12-21",
    "retrieved": "2026-11-21",
}

KIND = "progress"

TITLE_ROWS = ["2021年雨花区城镇老旧小区改造项目开工情况"]

HEADER = [["序号", "所在街道及社区", "小区名称", "实施进度", "备注"]]

# Published rows 1, 4, 6, 7 and 16 of the table, as printed.
ROWS = [
    [1, "左家塘街道官塘冲社区", "建安小区", "已开工", "省民生实事"],
    [4, "东塘街道七里庙社区", "市歌舞剧院宿舍小区", "已开工", None],
    [6, "东塘街道浦沅社区", "浦沅小区11-14栋", "已开工", "省民生实事"],
    [7, "雨花亭街道曲塘社区", "区环卫局宿舍", "已开工", None],
    [16, "砂子塘街道茶园坡社区", "王家冲小区(20—29栋、43栋)", "已开工", "省民生实事"],
]

EXPECTED = [
    {"name": "建安小区", "stage": "开工", "remarks": "省民生实事"},
    {"name": "市歌舞剧院宿舍小区", "stage": "开工"},
    {"name": "浦沅小区11-14栋", "stage": "开工", "remarks": "省民生实事"},
    {"name": "区环卫局宿舍", "stage": "开工"},
    {"name": "王家冲小区(20—29栋、43栋)", "stage": "开工", "remarks": "省民生实事"},
]
