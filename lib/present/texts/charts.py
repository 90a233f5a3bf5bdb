"""Interface text of the charts (lib.present.charts) and the map (lib.present.maps)."""

from __future__ import annotations

from lib.domain.text import Text

TEXT = {
    "chart.no_reports": Text("暂无填报", "No reports yet"),
    "chart.expected_pace": Text("序时进度（按施工季）", "expected pace (season)"),
    "chart.pace": Text("序时进度", "pace"),
    "chart.target": Text("年度目标", "target"),
    "chart.started_cumulative": Text("累计开工", "started (cumulative)"),
    "chart.completed_cumulative": Text("累计完工", "completed (cumulative)"),
    "chart.axis.households": Text("户数", "households"),
    "chart.axis.communities": Text("小区数", "communities"),
    # the unit after a figure on a card, chart or map; English names the unit in the label or axis instead
    "figure.unit.households": Text("户", ""),
    "figure.unit.communities": Text("个", ""),
    "chart.rate.start_rate": Text("开工率", "start rate"),
    "chart.rate.completion_rate": Text("完工率", "completion rate"),
    "chart.month_ticks": Text("%m月", "%b"),  # a d3 time format
    "chart.nothing_to_rank": Text("没有可排名的地区", "Nothing to rank"),
    "chart.reference": Text("参照", "reference"),
    "chart.no_content": Text("台账中没有改造内容", "No renovation content in the register"),
    "chart.item_category": Text("{item}（{category}）", "{item} ({category})"),
    "chart.planned": Text("计划", "planned"),
    "chart.started": Text("已开工", "started"),
    "chart.completed": Text("已完工", "completed"),
    "chart.communities_axis": Text("小区数（个）", "communities"),
    "chart.no_funding": Text("台账中没有资金来源", "No funding sources in the register"),
    "chart.funding_axis": Text("计划资金（万元）", "planned (10k yuan)"),
    "chart.funding_hover": Text("%{x:,.1f} 万元", "%{x:,.1f} × 10k yuan"),
    "chart.no_history": Text("该小区尚无填报记录", "No reports for this community yet"),
    "chart.progress_pct": Text("形象进度（%）", "progress (%)"),
    "chart.invested_wan": Text("累计完成投资（万元）", "invested (10k yuan)"),
    "chart.paid_wan": Text("累计资金支付（万元）", "paid (10k yuan)"),
    "chart.wan_yuan": Text("万元", "10k yuan"),
    # the map's tooltips and legend
    "map.no_target": Text("无目标", "no target"),
    "map.tooltip_line2": Text("目标 {target}{unit} · 已开工 {started}{unit} · 已完工 {completed}{unit}",
                              "target {target} · started {started} · completed {completed}"),
    "map.households": Text("{n}户", "{n} households"),
    "map.dot.before": Text("未开工", "not started"),
    "map.dot.started": Text("在建", "under way"),
    "map.dot.finished": Text("已完工", "finished"),
    "map.dot.accepted": Text("已验收", "accepted"),
    "map.point_line1": Text("{county} · {stage}", "{county} · {stage}"),
    # the map's classes against the pace (lib.present.maps.PACE_KEYS), each with its breaks
    "map.class.far_behind": Text("严重滞后", "far behind"),
    "map.class.behind": Text("明显滞后", "behind"),
    "map.class.watch": Text("略慢于序时", "slightly behind"),
    "map.class.on_pace": Text("符合序时", "on pace"),
    "map.class.ahead": Text("快于序时", "ahead of pace"),
    "map.class.done": Text("已完成目标（100%）", "target reached (100%)"),
    "map.class.sep": Text("：", ": "),
    "map.share.below": Text("不到{ref}的{hi}", "under {hi} of {ref}"),
    "map.share.between": Text("{ref}的{lo}–{hi}", "{lo}–{hi} of {ref}"),
    "map.share.above": Text("{ref}的{lo}以上", "{lo} of {ref} or more"),
    "map.ref.start_rate": Text("序时进度", "the pace"),
    "map.ref.completion_rate": Text("平均完工率", "the average"),
    "map.rates.below": Text("低于{hi}", "under {hi}"),
    "map.rates.between": Text("{lo}–{hi}", "{lo}–{hi}"),
    "map.rates.wrap": Text("，即{rates}", ", i.e. {rates}"),
    "map.reference.start_rate": Text("对照序时进度 {pace}（按施工季）", "Against the season's pace, {pace}"),
    "map.reference.completion_rate": Text("对照{region}整体完工率 {pace}", "Against {region}'s completion rate, {pace}"),
    # the ranking chart
    "chart.rank_axis.start_rate": Text("开工率", "start rate"),
    "chart.rank_axis.completion_rate": Text("完工率", "completion rate"),
}
