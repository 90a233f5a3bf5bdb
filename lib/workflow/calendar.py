"""The reporting calendar as data: editing it (administrators, audited) and reading it whole.

The rules that use it (the deadline moved off a holiday, no report expected in a stop, who is
expected) live with the reporting discipline in lib/figures/discipline.py, so the dispatch pack,
the bulletin and the reminders judge a week alike. This module checks and writes:

* the weekly reporting day and time (`discipline.set_calendar`, on the programme);
* holidays and stops (`add_period`, `remove_period`): a holiday or a range of days
  (国庆 2021-10-01..2021-10-07), a stop (the winter stop, e.g. 2021-12-01..2022-02-28);
* who is expected to report (`set_expected`: codes or names of county-level units and zones,
  or back to the default: every county-level unit with a target or a register);
* when reminders go out (`set_reminders`: hours before the deadline, hours after it for the
  escalation to the prefecture).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from sqlalchemy import select

from lib.access import auth
from lib.domain import regions
from lib.domain import vocabulary
from lib.domain.clock import utcnow
from lib.domain.errors import UserError
from lib.figures import discipline
from lib.figures.metrics import get_programme
from lib.store.engine import Store, audit
from lib.store.models_schedule import CalendarPeriod, CalendarSetting

KINDS = {"holiday": "节假日", "stop": "停报期"}
MAX_PERIOD_DAYS = 200  # a holiday of more than 200 days is a typing error; a winter stop fits


def parse_day(text: str | date, what: str = "日期") -> date:
    if isinstance(text, date):
        return text
    t = str(text).strip()
    m = re.fullmatch(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?", t)
    try:
        if not m:
            raise ValueError
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise UserError(f"{what}“{t[:40]}”格式不正确，请写成 2021-10-01。",
                        f"Bad date {t[:40]!r}: use 2021-10-01.") from None


def parse_range(text: str) -> tuple[date, date]:
    """'2021-10-01..2021-10-07' or one day '2021-10-01'."""
    t = str(text).strip()
    parts = re.split(r"\.\.|～|~|至", t)
    if len(parts) == 1:
        d = parse_day(parts[0])
        return d, d
    if len(parts) != 2:
        raise UserError(f"日期范围“{t[:40]}”格式不正确，请写成 2021-10-01..2021-10-07。",
                        f"Bad range {t[:40]!r}: use 2021-10-01..2021-10-07.")
    return parse_day(parts[0], "开始日期"), parse_day(parts[1], "结束日期")


def show(store: Store, programme_id: int | str) -> dict:
    """The whole calendar of a programme, JSON-ready."""
    prog = get_programme(store, programme_id)
    cal = discipline.load_calendar(store, prog)
    expected = discipline.expected_reporters(store, prog, cal)
    all_r = regions.all_regions()
    return {"programme": prog.id, "report_weekday": prog.report_weekday, "report_deadline": prog.report_deadline,
            "calendar": discipline.calendar_text(prog),
            "rule": "截止日遇节假日顺延至其后第一个工作日（非节假日、非周六周日），时间不变；停报期内不要求报送。",
            "holidays": [p.as_dict() for p in cal.periods if p.kind == "holiday"],
            "stops": [p.as_dict() for p in cal.periods if p.kind == "stop"],
            "expected_default": cal.expected is None,
            "expected": [{"adcode": c, "name": all_r[c].name if c in all_r else c} for c in expected],
            "remind_hours": list(cal.remind_hours), "escalate_hours": cal.escalate_hours}


def upcoming(store: Store, programme_id: int | str, start: date, weeks: int = 8) -> list[dict]:
    """The next reporting days from `start` with their deadlines (moved or not) and whether a report is expected."""
    prog = get_programme(store, programme_id)
    cal = discipline.load_calendar(store, prog)
    day = vocabulary.week_end(start, prog.report_weekday)
    out = []
    for _ in range(max(1, min(weeks, 60))):
        due = discipline.deadline(prog, day, cal)
        hol, stop = cal.holiday(day), cal.stop(day)
        out.append({"week": vocabulary.iso_week_label(day), "reporting_day": day.isoformat(),
                    "deadline": due.isoformat(timespec="minutes"), "expected": stop is None,
                    "moved": due.date() != day, "note": (f"{stop.name}，不要求报送" if stop else
                                                        f"{hol.name}，截止顺延" if hol else ""),
                    "note_en": (f"{stop.name}: no report expected" if stop else
                                f"{hol.name}: deadline moved" if hol else "")})
        day += timedelta(days=7)
    return out


def add_period(store: Store, programme_id: int | str, *, kind: str, first: str | date, last: str | date | None = None,
               name: str, actor: "auth.Actor") -> dict:
    """Add a holiday or a stop (one day or a range). Audited; refuses overlaps of the same kind."""
    who = auth.require(actor, "programme")
    if kind not in KINDS:
        raise UserError("类型须为 holiday（节假日）或 stop（停报期，如冬季停工）。", "Kind must be holiday or stop.")
    a = parse_day(first, "开始日期")
    b = parse_day(last, "结束日期") if last not in (None, "") else a
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise UserError(f"请填写{KINDS[kind]}名称（不超过 64 个字），如“国庆节”“冬季停工”。",
                        "Give the period a name of at most 64 characters.")
    if b < a:
        raise UserError(f"结束日期 {b} 早于开始日期 {a}，请检查。", f"End {b} is before start {a}.")
    if (b - a).days + 1 > MAX_PERIOD_DAYS:
        raise UserError(f"{KINDS[kind]}“{name}”长达 {(b - a).days + 1} 天，超过 {MAX_PERIOD_DAYS} 天，请检查日期。",
                        f"Period longer than {MAX_PERIOD_DAYS} days.")
    prog = get_programme(store, programme_id)
    with store.write() as s:
        clash = s.scalars(select(CalendarPeriod).where(
            CalendarPeriod.programme_id == prog.id, CalendarPeriod.kind == kind,
            CalendarPeriod.first_day <= b, CalendarPeriod.last_day >= a)).first()
        if clash is not None:
            raise UserError(f"与已有{KINDS[kind]}“{clash.name}”（{clash.first_day}至{clash.last_day}）重叠，"
                            f"请先删除它（编号 {clash.id}）或改日期。",
                            f"Overlaps {clash.name} ({clash.first_day}..{clash.last_day}).")
        row = CalendarPeriod(programme_id=prog.id, kind=kind, first_day=a, last_day=b, name=name, created_by=who)
        s.add(row)
        s.flush()
        after = {"id": row.id, "kind": kind, "first": a.isoformat(), "last": b.isoformat(), "name": name}
        audit(s, who, "calendar.period_add", "calendar_period", row.id, programme_id=prog.id, after=after)
    return after


def remove_period(store: Store, programme_id: int | str, period_id: int, *, actor: "auth.Actor") -> dict:
    who = auth.require(actor, "programme")
    prog = get_programme(store, programme_id)
    with store.write() as s:
        row = s.get(CalendarPeriod, int(period_id))
        if row is None or row.programme_id != prog.id:
            raise UserError(f"计划 {prog.id} 没有编号为 {period_id} 的节假日或停报期，请用 schedule show 查看编号。",
                            f"No period {period_id} in programme {prog.id}.")
        before = {"id": row.id, "kind": row.kind, "first": row.first_day.isoformat(),
                  "last": row.last_day.isoformat(), "name": row.name}
        s.delete(row)
        audit(s, who, "calendar.period_remove", "calendar_period", before["id"], programme_id=prog.id, before=before)
    return before


def _setting_row(s, programme_id: int) -> CalendarSetting:
    row = s.get(CalendarSetting, programme_id)
    if row is None:
        row = CalendarSetting(programme_id=programme_id)
        s.add(row)
    return row


def resolve_unit(text: str, within: str) -> str:
    """A county-level unit or zone by code or name inside `within`: its code."""
    t = str(text).strip()
    r = regions.resolve(t, within=within)  # a clear sentence when unknown or ambiguous
    if not r.is_county:
        raise UserError(f"“{r.name}”（{r.adcode}）不是县级单位或功能区，报送单位须为县（市、区）或已登记的功能区。",
                        f"{r.name} is not a county-level unit.")
    if not regions.contains(within, r.adcode):
        raise UserError(f"“{r.name}”（{r.adcode}）不在本计划的范围内。", f"{r.name} is outside the programme.")
    return r.adcode


def set_expected(store: Store, programme_id: int | str, units: list[str] | None, *, actor: "auth.Actor") -> dict:
    """Who is expected to report: a list of units (codes or names), or None for the default set."""
    who = auth.require(actor, "programme")
    prog = get_programme(store, programme_id)
    codes = None if units is None else sorted({resolve_unit(u, prog.region_adcode) for u in units if str(u).strip()})
    if codes is not None and not codes:
        raise UserError("应报单位名单为空：请至少列出一个县（市、区），或恢复默认（有目标或台账的全部县级单位）。",
                        "The list of expected reporters is empty.")
    with store.write() as s:
        row = _setting_row(s, prog.id)
        before = {"expected": row.expected}
        row.expected, row.updated_by, row.updated_at = codes, who, utcnow()
        audit(s, who, "calendar.expected", "calendar_setting", prog.id, programme_id=prog.id, before=before,
              after={"expected": codes})
    return {"programme": prog.id, "expected": codes, "default": codes is None}


def set_reminders(store: Store, programme_id: int | str, *, before_hours: list[int], escalate_hours: int,
                  actor: "auth.Actor") -> dict:
    """Reminders `before_hours` before the deadline; escalation to the prefecture `escalate_hours` after it."""
    who = auth.require(actor, "programme")
    try:
        hours = sorted({int(h) for h in before_hours}, reverse=True)
        esc = int(escalate_hours)
    except (TypeError, ValueError):
        raise UserError("提醒时间须为整数小时，如“24,2”表示截止前 24 小时和 2 小时各提醒一次。",
                        "Reminder times are whole hours, e.g. 24,2.") from None
    if not hours or any(h < 1 or h > 168 for h in hours) or not 0 <= esc <= 168:
        raise UserError("提醒时间须在截止前 1 至 168 小时之间，逾期上报须在截止后 0 至 168 小时之间。",
                        "Reminders between 1 and 168 hours before; escalation 0 to 168 hours after.")
    prog = get_programme(store, programme_id)
    with store.write() as s:
        row = _setting_row(s, prog.id)
        before = {"remind_hours": row.remind_hours, "escalate_hours": row.escalate_hours}
        row.remind_hours, row.escalate_hours, row.updated_by, row.updated_at = hours, esc, who, utcnow()
        after = {"remind_hours": hours, "escalate_hours": esc}
        audit(s, who, "calendar.reminders", "calendar_setting", prog.id, programme_id=prog.id, before=before,
              after=after)
    return {"programme": prog.id, **after}


def set_weekly(store: Store, programme_id: int | str, *, weekday: int, deadline_hhmm: str,
               actor: "auth.Actor") -> dict:
    """The weekly reporting day and time (stored on the programme; see discipline.set_calendar)."""
    return discipline.set_calendar(store, programme_id, weekday=weekday, deadline_hhmm=deadline_hhmm, actor=actor)

