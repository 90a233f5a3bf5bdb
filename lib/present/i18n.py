"""Interface text in Chinese (default) and English.

`t(key, lang)` looks a key up; a missing English text falls back to Chinese,
a missing key shows the key itself so that it is noticed, never a crash.
Pages keep their words here, not inline: the shared keys below, and each
area's keys in its own module `lib/present/texts/<area>.py` (a dict named TEXT),
merged at import so that areas never edit each other's files.
"""

from __future__ import annotations

from lib.present.texts import auth as texts_auth
from lib.present.texts import dashboard as texts_dashboard
from lib.present.texts import review as texts_review
from lib.present.texts import upload as texts_upload

TEXT: dict[str, dict[str, str]] = {
    "app.title": {"zh": "城镇老旧小区改造调度平台", "en": "Old Community Renovation Dashboard"},
    "nav.overview": {"zh": "总览", "en": "Overview"},
    "filter.programme": {"zh": "改造计划", "en": "Programme"},
    "filter.region": {"zh": "地区", "en": "Region"},
    "filter.county": {"zh": "县（市、区）", "en": "County"},
    "filter.as_of": {"zh": "截至（填报周）", "en": "As of (reporting week)"},
    "filter.metric": {"zh": "指标", "en": "Metric"},
    "filter.language": {"zh": "语言", "en": "Language"},
    "demo.banner": {"zh": "演示数据：登记台账与每周进度为系统生成，仅用于展示。",
                    "en": "Demonstration data: register and weekly progress are generated for illustration. "},
    "demo.source": {"zh": "计划依据：{source}。", "en": "Programme source: {source}."},
    "public.banner": {"zh": "公众版（只读）：数据截至 {as_of}。", "en": "Public read-only edition: data as of {as_of}."},
    "public.signed_out": {"zh": "未登录：仅显示公开数据（截至 {as_of}）。登录后可查看存在问题、上传与调度等内部内容。",
                          "en": "Not signed in: public figures only (as of {as_of}). Sign in for internal content."},
    "empty.no_programme": {"zh": "尚无改造计划。请管理员导入台账或运行 python -m lib.cli demo。",
                           "en": "No programme yet. Import a register or run `python -m lib.cli demo`."},
    "empty.no_reports": {"zh": "本周暂无填报", "en": "No reports this week"},
    "kpi.target": {"zh": "年度目标", "en": "Target"},
    "kpi.started": {"zh": "已开工", "en": "Started"},
    "kpi.completed": {"zh": "已完工", "en": "Completed"},
    "kpi.start_rate": {"zh": "开工率", "en": "Start rate"},
    "kpi.completion_rate": {"zh": "完工率", "en": "Completion rate"},
    "kpi.expected": {"zh": "按施工季应完成", "en": "Expected by season"},
    "kpi.invested": {"zh": "累计完成投资", "en": "Invested"},
    "kpi.paid": {"zh": "累计资金支付", "en": "Paid"},
    "kpi.registered": {"zh": "纳入台账", "en": "In register"},
    "metric.communities": {"zh": "小区数", "en": "Communities"},
    "metric.households": {"zh": "户数", "en": "Households"},
    "unit.communities": {"zh": "个", "en": ""},
    "unit.households": {"zh": "户", "en": "households"},
    "status.on_track": {"zh": "进度正常", "en": "On track"},
    "status.behind": {"zh": "进度滞后", "en": "Behind"},
    "error.store": {"zh": "无法打开数据库：{msg}", "en": "Cannot open the store: {msg}"},
}


def _merge_area_texts() -> None:
    for area in (texts_auth, texts_dashboard, texts_review, texts_upload):
        for key, entry in area.TEXT.items():
            if key in TEXT and TEXT[key] != entry:
                raise ValueError(f"i18n key {key!r} is defined twice with different texts")
            TEXT[key] = entry


_merge_area_texts()


def t(key: str, lang: str = "zh", **kw) -> str:
    entry = TEXT.get(key)
    if entry is None:
        return key
    text = entry.get(lang) or entry["zh"]
    return text.format(**kw) if kw else text
