"""Interface text in Chinese (default) and English: every word a screen, chart or map shows.

Every text is a `lib.domain.text.Text(zh, en)` pair, looked up by key with `t(key, lang)`.
Pages keep their words here, not inline: the shared keys below, and each area's keys in
its own module `lib/present/texts/<area>.py` (a dict named TEXT), merged at import so that
areas never edit each other's files. A missing key shows the key itself, so that it is
noticed, never a crash.

`t` also names anything that already carries both languages (a vocabulary Stage, Metric,
FundingSource or Band, a role, a `UserError`'s text): `t(stage, lang)`.
"""

from __future__ import annotations

import re

from datetime import date
from typing import Any

from lib.domain import vocabulary
from lib.domain.text import Text
from lib.present.texts import auth as texts_auth
from lib.present.texts import bigscreen as texts_bigscreen
from lib.present.texts import charts as texts_charts
from lib.present.texts import dashboard as texts_dashboard
from lib.present.texts import fields as texts_fields
from lib.present.texts import review as texts_review
from lib.present.texts import upload as texts_upload

TEXT: dict[str, Text] = {
    "app.title": Text("城镇老旧小区改造调度平台", "Old Community Renovation Dashboard"),
    "nav.overview": Text("总览", "Overview"),
    "filter.programme": Text("改造计划", "Programme"),
    "filter.region": Text("地区", "Region"),
    "filter.county": Text("县（市、区）", "County"),
    "filter.as_of": Text("截至（填报周）", "As of (reporting week)"),
    "filter.in_progress": Text("{week} {text}，可在上方选择查看。", "{week}: {text}; choose it above to see it."),
    "filter.metric": Text("指标", "Metric"),
    "filter.language": Text("语言", "Language"),
    "demo.banner": Text("演示数据：登记台账与每周进度为系统生成，仅用于展示。",
                        "Demonstration data: register and weekly progress are generated for illustration. "),
    "demo.banner_real_register": Text("示例计划：台账为计划文件所列的真实小区，尚无进度填报，不作进度评价。",
                                      "Example programme: the register is the real communities its document "
                                      "lists; no progress has been reported, so no pace verdict. "),
    "demo.source": Text("计划依据：{source}。", "Programme source: {source}."),
    "public.banner": Text("公众版（只读）：数据截至 {as_of}。", "Public read-only edition: data as of {as_of}."),
    "public.signed_out": Text("未登录：仅显示公开数据（截至 {as_of}）。登录后可查看存在问题、上传与调度等内部内容。",
                              "Not signed in: public figures only (as of {as_of}). Sign in for internal content."),
    "empty.no_programme": Text(
        "尚无改造计划。管理员请先在左侧“登录”页登录，再到“系统管理 → 改造计划”新建本地的计划、导入分县目标表；"
        "也可在服务器上运行 python -m lib.cli programme create --name 计划名称 --region 地区 --years 2024。"
        "想先看看演示数据，请运行 python -m lib.cli demo。",
        "No programme yet. An administrator signs in (the Sign-in screen), then creates the programme and imports "
        "its target table under Administration → Programmes, or runs `python -m lib.cli programme create --name NAME "
        "--region REGION --years 2024` on the server. To look at demonstration data, run `python -m lib.cli demo`."),
    "empty.no_programme_public": Text("尚无公开的改造计划数据。", "No programme has been published yet."),
    "empty.no_reports": Text("本周暂无填报", "No reports this week"),
    "kpi.target": Text("年度目标", "Target"),
    "kpi.started": Text("已开工", "Started"),
    "kpi.completed": Text("已完工", "Completed"),
    "kpi.start_rate": Text("开工率", "Start rate"),
    "kpi.completion_rate": Text("完工率", "Completion rate"),
    "kpi.expected": Text("按施工季应完成", "Expected by season"),
    "kpi.invested": Text("累计完成投资", "Invested"),
    "kpi.paid": Text("累计资金支付", "Paid"),
    "kpi.registered": Text("纳入台账", "In register"),
    "metric.communities": Text("小区数", "Communities"),
    "metric.households": Text("户数", "Households"),
    "unit.communities": Text("个", ""),
    "unit.households": Text("户", "households"),
    "status.on_track": Text("进度正常", "On track"),
    "status.behind": Text("进度滞后", "Behind"),
    "error.store": Text("无法打开数据库：{msg}", "Cannot open the store: {msg}"),
    "week.label": Text("{day}（第{week}周）", "{day} (W{week})"),
    "lang.zh": Text("中文", "中文"),  # each language is offered in its own words
    "lang.en": Text("English", "English"),
    "all": Text("全部", "All"),
    "region.with_code": Text("{name}（{code}）", "{name} ({code})"),
    "none": Text("无", "none"),
    "yes": Text("是", "yes"),
    "no": Text("否", "no"),
}


def _merge_area_texts() -> None:
    for area in (texts_auth, texts_bigscreen, texts_charts, texts_dashboard, texts_fields, texts_review, texts_upload):
        for key, entry in area.TEXT.items():
            if key in TEXT and TEXT[key] != entry:
                raise ValueError(f"i18n key {key!r} is defined twice with different texts")
            TEXT[key] = entry


_merge_area_texts()


def t(key: str | Any, lang: str = "zh", **kw) -> str:
    """The text of `key` (or of a thing with `zh`/`en`) in `lang`, `{placeholders}` filled from `kw`."""
    if not isinstance(key, str):
        return Text.of(key).format(lang, **kw)
    entry = TEXT.get(key)
    if entry is None:
        return key
    return entry.format(lang, **kw)


def has(key: str) -> bool:
    return key in TEXT


def week_label(iso: str, lang: str = "zh") -> str:
    """'2021-06-18' → '2021-06-18（第24周）' / '2021-06-18 (W24)'."""
    return t("week.label", lang, day=iso, week=date.fromisoformat(iso).isocalendar()[1])


def stage_name(stage_zh: str, lang: str = "zh") -> str:
    """A stage as the register writes it (开工, 计划) in `lang`; an unknown word as it is."""
    stage = vocabulary.stage_from_text(stage_zh) if stage_zh else None
    return t(stage, lang) if stage else stage_zh


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text) -> str:
    """Data (a community's, zone's or programme's name, an uploaded value) made safe to put in a Streamlit
    markdown element: every markdown and HTML character escaped, so `![x](http://…)` or `<img>` in a name
    is shown as written and fetches nothing."""
    return _MARKDOWN.sub(r"\\\1", str(text if text is not None else ""))


def view_title(programme_name: str, region_name: str) -> str:
    """A screen's title: the programme, and the region looked at unless the programme's name already says it
    ("青海省2021年城镇老旧小区改造", not "… · 青海省"; "… · 海东市" for one of its prefectures)."""
    if not region_name or region_name in programme_name:
        return programme_name
    return f"{programme_name} · {region_name}"
