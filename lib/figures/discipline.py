"""Reporting discipline (报送纪律): who reported each week, on time or late, and how completely.

The reporting calendar of a programme is one deadline a week: the reporting
day `Programme.report_weekday` (0 = Monday) at `Programme.report_deadline`
("HH:MM", Beijing time). The week of a report is the reporting day on or after
its report_date (`vocabulary.week_end`).

A county *reported* in a week when it has active progress reports for that
week. Whether it was *on time* is judged by when the reports arrived: for
reports that came from an upload, the upload's `uploaded_at` (stored in UTC)
against the deadline (Beijing time, UTC+8); the earliest submission of the
week counts. Reports with no upload (the generated demo data, reports entered
by a system job) carry no arrival time and are treated as on time.

Completeness is the share of the county's registered communities with a report
that week; timeliness over a period is the share of expected weeks reported on
time.

The calendar is data (`Calendar`, read by `load_calendar` from the tables of
lib/store/models_schedule.py, edited through lib/workflow/calendar.py):

* **Holidays** (国庆 10-01..10-07, 春节 …): a deadline that falls on a holiday moves to the
  next *working day* — the first day after it that is neither a holiday nor a Saturday or
  Sunday — at the same time of day. (China's make-up working weekends, 调休, are not
  modelled: a Saturday is never a working day here.) The week keeps its reporting day; only
  the deadline moves.
* **Stops** (the winter stop, 冬季停工): a reporting day inside a stop expects no report: the
  week is left out of `reporting_weeks`, of the history and of reminders.
* **Expected reporters**: a list of county-level codes (counties and zones), or by default
  every county-level unit with a target or a register in the programme (`expected_reporters`).
* **Reminder times**: hours before the deadline (default 24 and 2) and hours after it when the
  reminder goes to the prefecture instead (default 2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import func, select

from lib.access import auth
from lib.domain import vocabulary
from lib.domain import regions
from lib.domain.errors import UserError
from lib.figures.metrics import get_programme
from lib.store.models import Programme, ProgressReport, Project, Target, Upload
from lib.store.models_schedule import CalendarPeriod, CalendarSetting
from lib.store.engine import Store, audit

BEIJING_OFFSET = timedelta(hours=8)  # uploaded_at is stored in UTC
STATUS_ZH = {"on_time": "按时报送", "late": "逾期报送", "missing": "未报送"}
WEEKDAY_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def parse_week(label: str | date, programme: Programme) -> date:
    """'2021-W24' (or a date in that week) -> the programme's reporting day of that week."""
    if isinstance(label, date):
        return vocabulary.week_end(label, programme.report_weekday)
    text = str(label).strip()
    try:
        if re.fullmatch(r"\d{4}-[Ww]\d{1,2}", text):
            return vocabulary.parse_iso_week(text, programme.report_weekday)
        return vocabulary.week_end(date.fromisoformat(text), programme.report_weekday)
    except ValueError:
        raise UserError(f"周次“{label}”格式不正确，请写成 2021-W24 或 2021-06-18。",
                        f"Bad week {label!r}: use 2021-W24 or a date.") from None


DEFAULT_REMIND_HOURS = (24, 2)  # reminders this many hours before the deadline
DEFAULT_ESCALATE_HOURS = 2  # and this many hours after it, to the prefecture


@dataclass(frozen=True)
class Period:
    kind: str  # holiday | stop
    first: date
    last: date
    name: str
    id: int | None = None

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last

    def as_dict(self) -> dict:
        return {"id": self.id, "kind": self.kind, "first": self.first.isoformat(), "last": self.last.isoformat(),
                "name": self.name}


@dataclass(frozen=True)
class Calendar:
    """A programme's reporting calendar beyond the weekly day and time (see the module text)."""

    periods: tuple[Period, ...] = ()
    expected: tuple[str, ...] | None = None  # None: the default set
    remind_hours: tuple[int, ...] = DEFAULT_REMIND_HOURS
    escalate_hours: int = DEFAULT_ESCALATE_HOURS
    extra: dict = field(default_factory=dict)

    def holiday(self, day: date) -> Period | None:
        return next((p for p in self.periods if p.kind == "holiday" and p.covers(day)), None)

    def stop(self, day: date) -> Period | None:
        return next((p for p in self.periods if p.kind == "stop" and p.covers(day)), None)

    def working_day(self, day: date) -> bool:
        return day.weekday() < 5 and self.holiday(day) is None


NO_CALENDAR = Calendar()


def load_calendar(store: Store, programme: Programme | int) -> Calendar:
    """The stored calendar of a programme (holidays, stops, expected reporters, reminder times)."""
    pid = programme if isinstance(programme, int) else programme.id
    with store.session() as s:
        periods = s.scalars(select(CalendarPeriod).where(CalendarPeriod.programme_id == pid)
                            .order_by(CalendarPeriod.first_day, CalendarPeriod.id)).all()
        row = s.get(CalendarSetting, pid)
    return Calendar(
        periods=tuple(Period(p.kind, p.first_day, p.last_day, p.name, p.id) for p in periods),
        expected=tuple(row.expected) if row is not None and row.expected is not None else None,
        remind_hours=tuple(int(h) for h in row.remind_hours) if row is not None and row.remind_hours
        else DEFAULT_REMIND_HOURS,
        escalate_hours=row.escalate_hours if row is not None and row.escalate_hours is not None
        else DEFAULT_ESCALATE_HOURS)


def deadline(programme: Programme, week: date, calendar: Calendar | None = None) -> datetime:
    """The reporting deadline of a week, in Beijing time (naive).

    With a `calendar`, a deadline on a holiday moves to the next working day (not a holiday,
    not a Saturday or Sunday), same time of day."""
    hh, mm = (int(x) for x in programme.report_deadline.split(":"))
    day = vocabulary.week_end(week, programme.report_weekday)
    if calendar is not None and calendar.holiday(day) is not None:
        day += timedelta(days=1)
        while not calendar.working_day(day):
            day += timedelta(days=1)
    return datetime.combine(day, time(hh, mm))


def expected_week(calendar: Calendar | None, week: date) -> bool:
    """Is a report expected for this reporting day (not inside a stop)?"""
    return calendar is None or calendar.stop(week) is None


def default_reporters(store: Store, programme: Programme) -> list[str]:
    """Every county-level unit (county, zone) with a target or a register in the programme, inside its region."""
    with store.session() as s:
        codes = set(s.scalars(select(Project.county_adcode).where(Project.programme_id == programme.id)
                              .distinct()).all())
        codes |= set(s.scalars(select(Target.region_adcode).where(Target.programme_id == programme.id)
                               .distinct()).all())
    all_r = regions.all_regions()
    out = []
    for c in codes:
        r = all_r.get(c)
        if r is None or not r.is_county:
            continue
        try:
            inside = regions.contains(programme.region_adcode, c)
        except Exception:  # noqa: BLE001 - a code the index does not know is simply not expected
            inside = False
        if inside:
            out.append(c)
    return sorted(out)


def expected_reporters(store: Store, programme: Programme, calendar: Calendar | None = None) -> list[str]:
    """Who must report each week: the calendar's list, or `default_reporters`."""
    cal = calendar if calendar is not None else load_calendar(store, programme)
    if cal.expected is not None:
        return sorted(cal.expected)
    return default_reporters(store, programme)


def calendar_text(programme: Programme) -> str:
    """'每周五12:00前' — the calendar as the office says it."""
    return f"每{WEEKDAY_ZH[programme.report_weekday]}{programme.report_deadline}前"


def reporting_weeks(store: Store, programme: Programme, until: date, calendar: Calendar | None = None) -> list[date]:
    """The reporting days a programme expects reports for, from its first season (or first report) to
    `until`, without those inside a stop of the calendar (the stored one unless given)."""
    cal = calendar if calendar is not None else load_calendar(store, programme)
    start, _ = vocabulary.season_bounds(programme.year_start, programme.season_start, programme.season_end)
    with store.session() as s:
        first = s.scalar(select(func.min(ProgressReport.report_date))
                         .join(Project, Project.id == ProgressReport.project_id)
                         .where(Project.programme_id == programme.id, ProgressReport.active.is_(True)))
    if first is not None:
        start = min(start, first)
    day = vocabulary.week_end(start, programme.report_weekday)
    last = vocabulary.week_end(until, programme.report_weekday)
    last = min(last, vocabulary.week_end(date(programme.year_end, 12, 31), programme.report_weekday))
    out = []
    while day <= last:
        if expected_week(cal, day):
            out.append(day)
        day += timedelta(days=7)
    return out


def _county_week_facts(store: Store, programme: Programme, first: date, last: date) -> pd.DataFrame:
    """Per county and reporting week: communities reported, earliest arrival, any report without upload."""
    r = ProgressReport
    q = (select(Project.county_adcode.label("adcode"), r.report_date, r.project_id,
                Upload.uploaded_at, r.upload_id)
         .select_from(r).join(Project, Project.id == r.project_id)
         .outerjoin(Upload, Upload.id == r.upload_id)
         .where(Project.programme_id == programme.id, r.active.is_(True),
                r.report_date > first - timedelta(days=7), r.report_date <= last))
    with store.session() as s:
        df = pd.DataFrame(s.execute(q).mappings().all(),
                          columns=["adcode", "report_date", "project_id", "uploaded_at", "upload_id"])
    if df.empty:
        return pd.DataFrame(columns=["adcode", "week", "reported", "first_arrival", "untimed"])
    df["week"] = df["report_date"].map(lambda d: vocabulary.week_end(d, programme.report_weekday))
    df["untimed"] = df["upload_id"].isna()
    df["arrival"] = pd.to_datetime(df["uploaded_at"]) + BEIJING_OFFSET
    g = df.groupby(["adcode", "week"])
    return pd.DataFrame({"reported": g["project_id"].nunique(), "first_arrival": g["arrival"].min(),
                         "untimed": g["untimed"].any()}).reset_index()


def _registered(store: Store, programme: Programme) -> pd.DataFrame:
    with store.session() as s:
        rows = s.execute(select(Project.county_adcode, Project.registered_on)
                         .where(Project.programme_id == programme.id)).all()
    return pd.DataFrame(rows, columns=["adcode", "registered_on"])


def history(store: Store, programme_id: int | str, until: str | date, *, region: str | None = None,
            weeks: int | None = None) -> pd.DataFrame:
    """One row per county and reporting week up to `until`: registered, reported, completeness, status.

    Counties are those of the programme's region (or `region`) that have
    communities registered by that week. `weeks` keeps only the last N weeks.
    """
    prog = get_programme(store, programme_id)
    last = parse_week(until, prog)
    calendar = load_calendar(store, prog)
    cal = reporting_weeks(store, prog, last, calendar)
    if weeks:
        cal = cal[-weeks:]
    cols = ["adcode", "name", "prefecture", "week", "deadline", "registered", "reported", "completeness",
            "status", "status_zh", "submitted_at"]
    if not cal:
        return pd.DataFrame(columns=cols)
    reg = _registered(store, prog)
    scope = {c.adcode for c in regions.counties_in(region or prog.region_adcode)}
    reg = reg[reg["adcode"].isin(scope)]
    if calendar.expected is not None:
        reg = reg[reg["adcode"].isin(set(calendar.expected))]
    facts = _county_week_facts(store, prog, cal[0], cal[-1]).set_index(["adcode", "week"])
    all_r = regions.all_regions()
    rows = []
    for wk in cal:
        due = deadline(prog, wk, calendar)
        counts = reg[reg["registered_on"] <= wk].groupby("adcode").size()
        for adcode, n in counts.items():
            key = (adcode, wk)
            got = facts.loc[key] if key in facts.index else None
            reported = int(got["reported"]) if got is not None else 0
            if reported == 0:
                status, arrival = "missing", None
            else:
                arrival = got["first_arrival"]
                arrival = None if pd.isna(arrival) else arrival.to_pydatetime()
                on_time = bool(got["untimed"]) or (arrival is not None and arrival <= due)
                status = "on_time" if on_time else "late"
            pref = all_r[adcode].prefecture
            rows.append({"adcode": adcode, "name": all_r[adcode].name,
                         "prefecture": all_r[pref].short_name if pref else "", "week": wk, "deadline": due,
                         "registered": int(n), "reported": min(reported, int(n)),
                         "completeness": round(min(reported, int(n)) / n, 4) if n else None,
                         "status": status, "status_zh": STATUS_ZH[status], "submitted_at": arrival})
    return pd.DataFrame(rows, columns=cols)


def week_status(store: Store, programme_id: int | str, week: str | date, *, region: str | None = None) -> pd.DataFrame:
    """Each county's reporting in one week (报送情况): status, completeness, when it arrived."""
    h = history(store, programme_id, week, region=region, weeks=1)
    return h.sort_values(["status", "adcode"], key=lambda s: s.map({"missing": 0, "late": 1, "on_time": 2})
                         if s.name == "status" else s).reset_index(drop=True)


def county_record(store: Store, programme_id: int | str, until: str | date, *, region: str | None = None,
                  weeks: int | None = None) -> pd.DataFrame:
    """Per county over the period: weeks expected, on time, late, missing; timeliness and mean completeness."""
    h = history(store, programme_id, until, region=region, weeks=weeks)
    if h.empty:
        return pd.DataFrame(columns=["adcode", "name", "prefecture", "weeks", "on_time", "late", "missing",
                                     "timeliness", "completeness", "last_missing"])
    g = h.groupby(["adcode", "name", "prefecture"])
    out = pd.DataFrame({
        "weeks": g.size(),
        "on_time": g["status"].apply(lambda s: int((s == "on_time").sum())),
        "late": g["status"].apply(lambda s: int((s == "late").sum())),
        "missing": g["status"].apply(lambda s: int((s == "missing").sum())),
        "completeness": g["completeness"].mean().round(4),
        "last_missing": h[h["status"] == "missing"].groupby(["adcode", "name", "prefecture"])["week"].max(),
    }).reset_index()
    out["timeliness"] = (out["on_time"] / out["weeks"]).round(4)
    out["last_missing"] = out["last_missing"].astype(object).where(out["last_missing"].notna(), None)
    return out.sort_values(["timeliness", "completeness", "adcode"]).reset_index(drop=True)


def week_summary(store: Store, programme_id: int | str, week: str | date, *, region: str | None = None) -> dict:
    """The week's reporting for the CLI and the dispatch pack (JSON-ready)."""
    prog = get_programme(store, programme_id)
    wk = parse_week(week, prog)
    st = week_status(store, prog.id, wk, region=region)
    rec = county_record(store, prog.id, wk, region=region)

    def rows(df):
        return [{k: (v.isoformat() if isinstance(v, (date, datetime)) else v) for k, v in r.items()}
                for r in df.to_dict("records")]

    calendar = load_calendar(store, prog)
    return {"programme": prog.id, "week": vocabulary.iso_week_label(wk), "reporting_day": wk.isoformat(),
            "deadline": deadline(prog, wk, calendar).isoformat(timespec="minutes"),
            "expected": expected_week(calendar, wk), "calendar": calendar_text(prog),
            "counties": len(st), "on_time": int((st["status"] == "on_time").sum()),
            "late": int((st["status"] == "late").sum()), "missing": int((st["status"] == "missing").sum()),
            "completeness": round(float(st["reported"].sum() / st["registered"].sum()), 4) if len(st) else None,
            "by_county": rows(st.drop(columns=["deadline"])), "record": rows(rec)}


def set_calendar(store: Store, programme_id: int | str, *, weekday: int, deadline_hhmm: str,
                 actor: "auth.Actor") -> dict:
    """Change a programme's weekly reporting deadline (admin). Audited."""
    actor = auth.require(actor, "programme")  # admins; from here on the name the audit records
    if not isinstance(weekday, int) or not 0 <= weekday <= 6:
        raise UserError("报送日须为周一至周日之一（0=周一，6=周日）。", "Weekday must be 0 (Monday) to 6 (Sunday).")
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", str(deadline_hhmm).strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise UserError(f"截止时间“{deadline_hhmm}”格式不正确，请写成 HH:MM（如 12:00）。",
                        f"Bad deadline {deadline_hhmm!r}: use HH:MM.")
    hhmm = f"{int(m.group(1)):02d}:{m.group(2)}"
    prog = get_programme(store, programme_id)
    with store.write() as s:
        p = s.get(Programme, prog.id)
        before = {"report_weekday": p.report_weekday, "report_deadline": p.report_deadline}
        p.report_weekday, p.report_deadline = weekday, hhmm
        after = {"report_weekday": weekday, "report_deadline": hhmm}
        audit(s, actor, "programme.calendar", "programme", p.id, programme_id=p.id, before=before, after=after)
    return after
