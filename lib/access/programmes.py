"""Programmes (改造计划/批次) and their settings: create, update, archive, delete.

A programme is set up by an office at any level (nation 100000, province, prefecture,
county) from its own document: name, region, years, source document, construction
season, weekly reporting day and deadline, the eligibility year (built before the end
of …), subsidy standards where the document sets them, and the metrics it counts.

A demonstration programme can be deleted; a real one is archived (its history is the
record of public money spent) unless it holds nothing yet but targets, which a typing
mistake should not leave behind forever. Every change is audited with before and after.
"""

from __future__ import annotations

import math
import re

from sqlalchemy import delete, func, select

from lib.access.auth import Actor, require
from lib.domain import clock, regions, vocabulary
from lib.domain.errors import NotFound, UserError
from lib.store.engine import Store, audit
from lib.store.models import (AggregateReport, BulletinDraft, CountyRollup, FollowUpAction, Programme,
                              ProgressReport, Project, ProjectRevision, Region, RegionAlias, RollupState, Target,
                              Upload, UploadBlob)
from lib.store.models_review import ReviewEvent, ReviewLock

_SEASON = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_YEARS = re.compile(r"^\s*(\d{4})\s*(?:[-–—~至到]\s*(\d{4}))?\s*年?\s*$")
SUBSIDY_KEYS = {
    "per_household_wan": ("每户补助", "subsidy per household", "万元/户"),
    "per_lift_wan": ("每部电梯补助", "subsidy per added lift", "万元/部"),
}
SETTINGS = ("name", "region", "years", "source", "season", "report_weekday", "report_deadline",
            "eligibility_year", "subsidy", "metrics", "closing", "review")
# The review chain of a county's weekly upload (lib.workflow.review), as written on the command line and
# the admin screen, with the words offices use for it.
REVIEW_CHAINS = ("none", "prefecture", "prefecture,province")
_REVIEW_WORDS = {"none": "none", "无": "none", "不审核": "none", "off": "none",
                 "prefecture": "prefecture", "市州": "prefecture", "市": "prefecture", "市州审核": "prefecture",
                 "prefecture,province": "prefecture,province", "市州,省": "prefecture,province",
                 "市州、省": "prefecture,province", "市州+省": "prefecture,province", "市州审核后省审核": "prefecture,province"}
DEFAULT_CLOSING_SHARE = 0.5  # a week closes once half of the expected reporters have reported (asof.ClosingRule)
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def region_code(text) -> str:
    """A region given by code or name (今天的名称、旧名、繁体均可) → its code; Chinese error otherwise."""
    text = str(text or "").strip()
    if not text:
        raise UserError("请填写地区（行政区划代码或名称，如 371400 或 德州市）。", "Give a region (code or name).")
    lookup = getattr(regions, "lookup", None)
    if lookup is not None:
        return lookup(text).adcode
    if text.isdigit():
        return regions.get(text).adcode
    return regions.resolve(text).adcode


def parse_years(text) -> tuple[int, int]:
    """"2022", "2022-2024", "2022至2024年" → (2022, 2024)."""
    if isinstance(text, (list, tuple)) and len(text) == 2:
        text = f"{text[0]}-{text[1]}"
    m = _YEARS.match(str(text or ""))
    if not m:
        raise UserError(f"年份“{str(text)[:20]}”应写作 2022 或 2022-2024。", "Years are 2022 or 2022-2024.")
    y0 = int(m.group(1))
    y1 = int(m.group(2) or y0)
    if not (2000 <= y0 <= y1 <= 2100):
        raise UserError(f"年份“{str(text)[:20]}”不合理：应在 2000 到 2100 之间，且起始年份不晚于结束年份。",
                        "Years must be 2000..2100, start <= end.")
    return y0, y1


def _season(value) -> tuple[str, str]:
    if isinstance(value, str):
        parts = re.split(r"\s*(?:至|到|~|/|,|，|\bto\b)\s*|\s+", value.strip())
        value = [p for p in parts if p]
    if not isinstance(value, (list, tuple)) or len(value) != 2 or not all(_SEASON.match(str(v)) for v in value):
        raise UserError(f"施工季“{str(value)[:30]}”应写作 MM-DD 至 MM-DD，例如 04-01 至 11-15。",
                        "The construction season is MM-DD to MM-DD.")
    if value[0] >= value[1]:
        raise UserError(f"施工季开始 {value[0]} 应早于结束 {value[1]}。", "The season must start before it ends.")
    return str(value[0]), str(value[1])


def _subsidy(value) -> dict | None:
    if value in (None, "", {}):
        return None
    if isinstance(value, str):  # "per_household_wan=1.5,per_lift_wan=15"
        pairs = [p.split("=", 1) for p in re.split(r"[,，;；\s]+", value.strip()) if p]
        if any(len(p) != 2 for p in pairs):
            raise UserError("补助标准应写作 per_household_wan=1.5,per_lift_wan=15。",
                            "Subsidy is per_household_wan=1.5,per_lift_wan=15.")
        value = dict(pairs)
    out = {}
    for k, v in dict(value).items():
        if k not in SUBSIDY_KEYS:
            raise UserError(f"补助标准“{str(k)[:30]}”无效，可选：" + "、".join(f"{k}（{z[0]}，{z[2]}）" for k, z in
                                                                   SUBSIDY_KEYS.items()) + "。", "Unknown subsidy key.")
        try:
            f = float(v)
        except (TypeError, ValueError):
            raise UserError(f"补助标准 {k} 的值“{str(v)[:20]}”不是数字。", "Subsidy values are numbers.") from None
        if not math.isfinite(f) or not 0 < f < 10_000:
            raise UserError(f"补助标准 {k} 的值 {v} 超出合理范围（0 到 10000 万元）。", "Subsidy out of range.")
        out[k] = f
    return out or None


def _metrics(value) -> list[str] | None:
    if value in (None, "", []):
        return None
    if isinstance(value, str):
        value = [v for v in re.split(r"[,，、;；\s]+", value.strip()) if v]
    out = []
    by_zh = {m.zh: m.key for m in vocabulary.METRICS}
    for v in value:
        key = v if v in vocabulary.METRIC_BY_KEY else by_zh.get(v)
        if key is None:
            raise UserError(f"统计指标“{str(v)[:20]}”无效，可选：" + "、".join(f"{m.key}（{m.zh}）" for m in vocabulary.METRICS)
                            + "。", "Unknown metric.")
        if key not in out:
            out.append(key)
    return out


def _clean_settings(changes: dict) -> dict:
    """Validate the given settings; return column values for Programme."""
    cols: dict = {}
    for key, value in changes.items():
        if key not in SETTINGS:
            raise UserError(f"计划没有“{key}”这一设置。", f"Unknown programme setting {key!r}.")
        if key == "name":
            name = str(value or "").strip()
            if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
                raise UserError("计划名称不能为空，且不超过 200 个字符。", "The programme name is empty or too long.")
            cols["name"] = name
        elif key == "region":
            cols["region_adcode"] = region_code(value)
        elif key == "years":
            cols["year_start"], cols["year_end"] = parse_years(value)
        elif key == "source":
            cols["source_doc"] = (str(value or "").strip()[:5000]) or None
        elif key == "season":
            cols["season_start"], cols["season_end"] = _season(value)
        elif key == "report_weekday":
            try:
                wd = int(value)
            except (TypeError, ValueError):
                wd = WEEKDAYS_ZH.index(value) if value in WEEKDAYS_ZH else -1
            if not 0 <= wd <= 6:
                raise UserError(f"填报日“{str(value)[:10]}”应为 0（周一）到 6（周日）。", "Report weekday is 0..6.")
            cols["report_weekday"] = wd
        elif key == "report_deadline":
            if not _TIME.match(str(value or "")):
                raise UserError(f"截止时间“{str(value)[:10]}”应写作 HH:MM，例如 12:00。", "Deadline is HH:MM.")
            cols["report_deadline"] = str(value)
        elif key == "eligibility_year":
            if value in (None, ""):
                cols["eligibility_year"] = None
            else:
                try:
                    y = int(value)
                except (TypeError, ValueError):
                    y = 0
                if not 1949 <= y <= 2030:
                    raise UserError(f"建成年份界限“{str(value)[:10]}”应为四位年份，例如 2000 或 2005。",
                                    "The eligibility year is a year such as 2000.")
                cols["eligibility_year"] = y
        elif key == "subsidy":
            cols["subsidy"] = _subsidy(value)
        elif key == "metrics":
            cols["metrics"] = _metrics(value)
        elif key == "closing":  # "50%", "50%,72h": when a reporting week counts as closed
            cols["closing"] = parse_closing(value) if value not in (None, "") else None
        elif key == "review":
            cols["review"] = parse_review(value)
    if "year_start" in cols and cols["year_start"] > clock.today().year + 5:
        raise UserError(f"起始年份 {cols['year_start']} 太远，请核对。", "The start year is too far ahead.")
    return cols


def parse_review(value) -> str | None:
    """The review chain as given ("none", "prefecture", "prefecture,province", 市州 …) → the stored value
    (None for no review). Raises a UserError that lists the choices."""
    key = re.sub(r"\s+", "", str(value or "none")).lower().replace("，", ",")
    chain = _REVIEW_WORDS.get(key)
    if chain is None:
        raise UserError(f"审核流程“{str(value)[:30]}”无法识别：请写 none（不审核，上传即计入）、prefecture（市州审核）"
                        "或 prefecture,province（市州审核后再由省审核）。",
                        "The review chain is none, prefecture or prefecture,province.")
    return None if chain == "none" else chain


def parse_closing(value) -> dict:
    """A programme's closing rule as given ("50%", "0.5", "50%,72h", {"min_share": .5}) → ClosingRule fields.

    Raises a UserError that says how to write it.
    """
    bad = UserError("填报截止规则应写作“50%”（应报地区过半即视为该周填报基本完成），"
                    "或“50%,72h”（另加：截止时间过后72小时也视为完成）。",
                    "The closing rule is a share such as 50%, optionally with hours after the deadline: 50%,72h.")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = {"min_share": value}
    if isinstance(value, str):
        out: dict = {}
        for part in (p for p in re.split(r"[,，;；\s]+", value.strip()) if p):
            m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(%|h|小时)?", part, re.I)
            if not m:
                raise bad
            number, unit = float(m.group(1)), (m.group(2) or "").lower()
            if unit in ("h", "小时"):
                out["hours_after_deadline"] = number
            else:
                out["min_share"] = number / 100 if unit == "%" or number > 1 else number
        value = out
    if not isinstance(value, dict) or not value or set(value) - {"min_share", "hours_after_deadline"}:
        raise bad
    share = value.get("min_share", DEFAULT_CLOSING_SHARE)
    hours = value.get("hours_after_deadline")
    try:
        share = float(share)
        hours = None if hours is None else float(hours)
    except (TypeError, ValueError):
        raise bad from None
    if not 0 < share <= 1 or (hours is not None and not 0 <= hours <= 24 * 60):
        raise UserError("填报截止规则超出合理范围：比例应在 1% 到 100% 之间，小时数在 0 到 1440 之间。",
                        "Closing rule out of range: share 1%..100%, hours 0..1440.")
    return {"min_share": share, "hours_after_deadline": hours}


def get(s, programme) -> Programme:
    """A programme by id or code, inside an open session; NotFound with the command that lists them."""
    prog = None
    try:
        prog = s.get(Programme, int(programme))
    except (TypeError, ValueError):
        pass
    if prog is None:
        prog = s.scalar(select(Programme).where(Programme.code == str(programme)[:64]))
    if prog is None:
        raise NotFound(f"找不到改造计划“{str(programme)[:64]}”，请用 programmes 命令查看已有计划。",
                       f"No programme {programme!r}.")
    return prog


def describe(prog: Programme) -> dict:
    """A programme's settings as `programmes` lists them."""
    metrics = list(prog.metrics or vocabulary.DEFAULT_PROGRAMME_METRICS)
    return {"id": prog.id, "code": prog.code, "name": prog.name,
            "region": {"adcode": prog.region_adcode, "name": regions.get(prog.region_adcode).name},
            "years": [prog.year_start, prog.year_end], "source": prog.source_doc, "demo": bool(prog.is_demo),
            "status": prog.status or "active",
            "season": [prog.season_start, prog.season_end],
            "report_weekday": prog.report_weekday, "report_deadline": prog.report_deadline,
            "eligibility_year": prog.eligibility_year or vocabulary.ELIGIBILITY_BUILT_BEFORE,
            "subsidy": prog.subsidy, "metrics": metrics, "closing": prog.closing,
            "review": prog.review or "none"}


def _new_code(s, region: str, y0: int, y1: int) -> str:
    base = f"{region}-{y0}" + (f"-{y1}" if y1 != y0 else "")
    code, n = base, 1
    while s.scalar(select(Programme.id).where(Programme.code == code)) is not None:
        n += 1
        code = f"{base}-{n}"
    return code


def create(store: Store, actor: Actor, *, name: str, region, years, code: str | None = None, **settings) -> dict:
    """Add a programme; every setting validated first; audited. Returns describe()."""
    require(actor, "programme")
    cols = _clean_settings({"name": name, "region": region, "years": years, **settings})
    if code is not None:
        code = str(code).strip()
        if not code or len(code) > 64 or any(ord(c) < 32 for c in code):
            raise UserError("计划编号不能为空，且不超过 64 个字符。", "The programme code is empty or too long.")
    with store.write() as s:
        _ensure_region_row(s, cols["region_adcode"])
        if code is None:
            code = _new_code(s, cols["region_adcode"], cols["year_start"], cols["year_end"])
        elif s.scalar(select(Programme.id).where(Programme.code == code)) is not None:
            raise UserError(f"计划编号“{code}”已存在，请换一个编号。", f"Programme {code!r} exists.")
        prog = Programme(code=code, is_demo=False, status="active", **cols)
        s.add(prog)
        s.flush()
        out = describe(prog)
        audit(s, str(actor), "programme.create", "programme", prog.id, programme_id=prog.id, after=out)
    return out


def _ensure_region_row(s, adcode: str) -> None:
    """The store's region table holds every division; the nation row is added on first use."""
    if s.get(Region, adcode) is None and adcode == regions.COUNTRY:
        s.add(Region(adcode=regions.COUNTRY, name="全国", level="country", parent_adcode=None,
                     province_adcode=regions.COUNTRY, prefecture_adcode=None, is_county=False))
        s.flush()


def update(store: Store, actor: Actor, programme, **changes) -> dict:
    """Change some settings of a programme; audited with before and after."""
    require(actor, "programme")
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        raise UserError("没有要修改的设置：请至少给出一项（如 --name、--years、--season）。", "Nothing to change.")
    cols = _clean_settings(changes)
    with store.write() as s:
        prog = get(s, programme)
        before = describe(prog)
        if "region_adcode" in cols and cols["region_adcode"] != prog.region_adcode:
            _ensure_region_row(s, cols["region_adcode"])
            outside = s.scalar(select(func.count()).select_from(Project).where(
                Project.programme_id == prog.id))
            if outside:
                counties = s.scalars(select(Project.county_adcode).distinct()
                                     .where(Project.programme_id == prog.id)).all()
                bad = [c for c in counties if not regions.contains(cols["region_adcode"], c)]
                if bad:
                    raise UserError(f"计划已有 {regions.describe(bad[0])} 等地的台账，新的地区"
                                    f"{regions.describe(cols['region_adcode'])}不包含它们，不能修改。",
                                    "The register has counties outside the new region.")
        for k, v in cols.items():
            setattr(prog, k, v)
        s.flush()
        after = describe(prog)
        audit(s, str(actor), "programme.update", "programme", prog.id, programme_id=prog.id,
              before={k: before[k] for k in before if before[k] != after[k]},
              after={k: after[k] for k in after if before[k] != after[k]})
    return after


def archive(store: Store, actor: Actor, programme, *, restore: bool = False) -> dict:
    """Archive a real programme (kept, read-only in spirit, listed last), or bring it back."""
    require(actor, "programme")
    with store.write() as s:
        prog = get(s, programme)
        before = prog.status or "active"
        prog.status = "active" if restore else "archived"
        prog.archived_at = None if restore else clock.utcnow()
        s.flush()
        audit(s, str(actor), "programme.unarchive" if restore else "programme.archive", "programme", prog.id,
              programme_id=prog.id, before={"status": before}, after={"status": prog.status})
        return describe(prog)


def delete_programme(store: Store, actor: Actor, programme) -> dict:
    """Delete a demonstration programme, or a real one that holds nothing but targets; audited."""
    require(actor, "programme")
    with store.write() as s:
        prog = get(s, programme)
        held = {
            "communities": s.scalar(select(func.count()).select_from(Project).where(Project.programme_id == prog.id)),
            "uploads": s.scalar(select(func.count()).select_from(Upload).where(Upload.programme_id == prog.id)),
        }
        if not prog.is_demo and any(held.values()):
            raise UserError(f"“{prog.name}”是正式计划，已有 {held['communities']} 条台账、{held['uploads']} 次上传，"
                            f"不能删除；请改为归档（programme archive {prog.id}），历史记录将完整保留。",
                            "A real programme with data is archived, not deleted.")
        before = describe(prog)
        pid = prog.id
        projects = select(Project.id).where(Project.programme_id == pid)
        uploads = select(Upload.id).where(Upload.programme_id == pid)
        counts = {}
        for name, stmt in (
                ("review_event", delete(ReviewEvent).where(ReviewEvent.programme_id == pid)),
                ("review_lock", delete(ReviewLock).where(ReviewLock.programme_id == pid)),
                ("progress_report", delete(ProgressReport).where(ProgressReport.project_id.in_(projects))),
                ("project_revision", delete(ProjectRevision).where(ProjectRevision.project_id.in_(projects))),
                ("follow_up_action", delete(FollowUpAction).where(FollowUpAction.programme_id == pid)),
                ("project", delete(Project).where(Project.programme_id == pid)),
                ("aggregate_report", delete(AggregateReport).where(AggregateReport.programme_id == pid)),
                ("bulletin_draft", delete(BulletinDraft).where(BulletinDraft.programme_id == pid)),
                ("county_rollup", delete(CountyRollup).where(CountyRollup.programme_id == pid)),
                ("rollup_state", delete(RollupState).where(RollupState.programme_id == pid)),
                ("target", delete(Target).where(Target.programme_id == pid))):
            counts[name] = s.execute(stmt.execution_options(synchronize_session=False)).rowcount
        shas = set(s.scalars(select(Upload.sha256).where(Upload.id.in_(uploads))).all())
        counts["upload"] = s.execute(delete(Upload).where(Upload.programme_id == pid)
                                     .execution_options(synchronize_session=False)).rowcount
        still = set(s.scalars(select(Upload.sha256).where(Upload.sha256.in_(shas))).all()) if shas else set()
        if shas - still:
            s.execute(delete(UploadBlob).where(UploadBlob.sha256.in_(shas - still)))
        s.execute(delete(RegionAlias).where(RegionAlias.programme_id == pid))
        s.delete(prog)
        s.flush()
        audit(s, str(actor), "programme.delete", "programme", pid, programme_id=pid, before=before,
              after={"deleted_rows": counts})
    return {"id": pid, "deleted": True, "rows": counts}
