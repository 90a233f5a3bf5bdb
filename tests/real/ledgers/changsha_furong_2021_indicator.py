"""长沙市芙蓉区: 2021年重点民生实事城镇老旧小区项目情况公示, one indicator row, no region column.

The region is named only in the title (芙蓉区); the row is an indicator (指标名称: 开工建设城镇
老旧小区) with its year's target, what was done and the share done (完成进度 100%): a progress
figure for the district as a whole.
"""

SOURCE = {
    "title": "芙蓉区2021年重点民生实事城镇老旧小区项目完成情况公示（附：2021年芙蓉区重点民生实事城镇老旧小区项目情况公示）",
    "publisher": "长沙市芙蓉区城市人居环境局",
    "url": "http://furong.gov.cn/affairs/xxgk/gov1/sjj_12205/notice/202112/t20211215_10395116.html",
    "published": "2021-12-15",
    "retrieved": "2026-11-21",
}

KIND = "aggregate"
WITHIN = "430102"

TITLE_ROWS = ["2021年芙蓉区重点民生实事城镇老旧小区项目情况公示"]

HEADER = [["指标名称", "全年任务目标(个)", "实际完成(个)", "完成进度"]]

ROWS = [
    ["开工建设城镇老旧小区", 15, 15, "100%"],
]

# The one row is the district's: 15 communities to start this year, 15 started.
EXPECTED = [
    {"region": "430102", "planned_communities": 15.0, "started_communities": 15.0, "start_rate": 100.0},
]
