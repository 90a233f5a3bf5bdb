"""岳阳市岳阳楼区: 1-10月岳阳楼区重点民生实事项目进度表 (2022), one row per indicator, every
programme of the district's 民生实事 in one table.

No region column: the district is named only in the title. 考核指标 spans two columns (the item,
printed once on its first indicator, and the indicator itself); the 单位 column is empty on the
老旧小区 row of this copy (the 1-6月 copy of the same table prints 個/戶 there). What 已完成数
counts is said by the indicator, 开工改造城镇老旧小区: communities started; 占比 is then the start
rate. The 备注 speaks of "86个改造项目" and gives investment (10442万元, 72%) only in prose, which is
not a figure of the table and is not expected. The other rows are other programmes (elderly-home
adaptation, school places) that a reader of 老旧小区改造 must leave alone (``None``).
"""

SOURCE = {
    "title": "岳阳楼区2022年 1-10月岳阳楼区重点民生实事项目进度表",
    "publisher": "岳阳市岳阳楼区实事办（页面署名：区实事办；转载）",
    "url": "http://honglinkj.com/yylq/21487/21498/21517/content_1999291.html",
    "published": "2022-10-21",
    "retrieved": "2026-11-21",
}

KIND = "aggregate"
WITHIN = "430602"

TITLE_ROWS = ["1-10月岳阳楼区重点民生实事项目进度表"]

HEADER = [["序 号", "考核指标", None, "单位", "工作目标", "已完成数", "占比", "备  注"]]

# Published rows 1, 4, 5 and 6 (of 9 and more), as printed.
ROWS = [
    [1, "增加公办义务教育学位", "提高公办义务教育学位占比至95%以上", None, 600, 600, "100%", None],
    [4, "老年人服务保障", "困难老年人居家适老化改造", None, 174, 174, "100%", "已完成174户施工改造,目前正在验收当中"],
    [5, "城镇老旧小区改造", "开工改造城镇老旧小区", None, 86, 86, "100%",
     "86个改造项目已开工,开工率达到100%;累计完成投资10442万元,计划投资完成率达到72%。"],
    [6, "中小学安防设施建设", "建设联网中小学幼儿园周边等重点部位安防设备", None, 944, 944, "100%", None],
]

EXPECTED = [
    None,
    None,
    {"region": "430602", "planned_communities": 86.0, "started_communities": 86.0, "start_rate": 100.0},
    None,
]
