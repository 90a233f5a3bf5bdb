"""Weekly dispatch (周调度): the meeting pack for one reporting week.

`weekly_dispatch` gathers what the working group reviews each week, as of the
week's reporting day: the movement since last week, each county's rates
against target and against the construction-season pace
(`rankings.ranking`, bands shared with the dashboard and the bulletin),
counties and communities that did not move for two weeks or more, the open
problems reported with the latest progress (internal: left out when
`public=True`), counties that did not report (`discipline`), and the
follow-up actions (督办事项) still open (`actions`).

`dispatch_xlsx` and `dispatch_docx` write the same pack as a workbook and as a
print-ready Word document.

The pack opens on the week that has closed (`asof.default_as_of`). A pack asked for a
week still in progress (`asof.WeekReporting`: fewer than the programme's share of
reporters, or its deadline not yet past) names nobody as not reported: it says
"填报进行中：1/45" instead, and the counties still to report read 待报.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

import pandas as pd
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from lib.review import actions
from lib.figures import alerting
from lib.figures import asof
from lib.figures import discipline
from lib.domain import clock
from lib.domain import vocabulary
from lib.office import fmt
from lib.figures import metrics
from lib.figures import rankings
from lib.domain import regions
from lib.store.models import ProgressReport, Project
from lib.store.engine import Store
from lib.office import word as doc
from lib.office.sheets import safe_frame
from lib.access import auth
from lib.access.auth import Actor

STALL_WEEKS = 2  # "no movement for two or more weeks"
PENDING_ZH = "待报"  # a county yet to report in a week still in progress (not "未报送")
REPORTED_ZH = "已报送"  # reported in a week still in progress (on time or late is judged once it closes)


# --- the pack ------------------------------------------------------------------------------

def _delta(now: dict, before: dict | None, path: tuple[str, str]) -> float:
    a = now["totals"][path[0]][path[1]] or 0
    b = (before["totals"][path[0]][path[1]] or 0) if before else 0
    return a - b


def headline(store: Store, programme_id: int, week: date, prev: date | None, region: str | None = None) -> dict:
    """Cumulative figures as of `week` and the movement since `prev` (新开工、新完工、户数、投资)."""
    now = metrics.summary(store, programme_id, region=region, as_of=week)
    before = metrics.summary(store, programme_id, region=region, as_of=prev) if prev else None
    t = now["totals"]
    return {
        "as_of": now["as_of"], "prev": prev.isoformat() if prev else None,
        "expected_share": now["expected_share"],
        "communities": t["communities"], "households": t["households"], "investment": t["investment_wan"],
        "new_started_communities": _delta(now, before, ("communities", "started")),
        "new_started_households": _delta(now, before, ("households", "started")),
        "new_completed_communities": _delta(now, before, ("communities", "completed")),
        "new_completed_households": _delta(now, before, ("households", "completed")),
        "new_invested_wan": round(_delta(now, before, ("investment_wan", "invested")), 1),
        "new_paid_wan": round(_delta(now, before, ("investment_wan", "paid")), 1),
    }


def county_table(store: Store, programme_id: int, week: date, region: str | None = None) -> pd.DataFrame:
    """Each county's household and community start rates, completion and gap to the pace, best first."""
    hh = rankings.ranking(store, programme_id, region, week, metric="households", by="county")
    comm = rankings.ranking(store, programme_id, region, week, metric="communities", by="county")
    done = rankings.ranking(store, programme_id, region, week, metric="households", stat="completion_rate",
                            by="county")
    if hh.empty:
        return hh
    all_r = regions.all_regions()
    out = hh[["rank", "adcode", "name", "target", "started", "rate", "expected", "gap", "band", "delta_week",
              "completed"]].rename(columns={"target": "target_households", "started": "started_households",
                                            "rate": "start_rate", "delta_week": "new_started_households",
                                            "completed": "completed_households"})
    out["prefecture"] = out["adcode"].map(lambda a: all_r[all_r[a].prefecture].short_name
                                          if all_r[a].prefecture else "")
    c = comm.set_index("adcode")
    out["target_communities"] = out["adcode"].map(c["target"])
    out["started_communities"] = out["adcode"].map(c["started"])
    out["community_start_rate"] = out["adcode"].map(c["rate"])
    out["new_started_communities"] = out["adcode"].map(c["delta_week"])
    out["completion_rate"] = out["adcode"].map(done.set_index("adcode")["rate"])
    out["band_zh"] = out["band"].map(vocabulary.band_label)
    out.attrs.update(hh.attrs)
    return out


def stalled_communities(store: Store, programme_id: int, week: date, *, min_weeks: int = STALL_WEEKS,
                        region: str | None = None) -> pd.DataFrame:
    """Communities with no movement for `min_weeks` weeks or more as of `week`.

    Looked at: communities under construction (开工, not finished) and those
    whose planned start has passed but which have not started. "Movement" is a
    change of stage, physical progress or investment completed between
    successive reports; a community that stopped reporting keeps its last
    state, so silence counts as no movement.
    """
    prog = metrics.get_programme(store, programme_id)
    r = ProgressReport
    window = week - timedelta(days=7 * 26)
    q = (select(Project.id, Project.name, Project.county_adcode, Project.planned_start, r.id.label("rid"),
                r.report_date, r.stage, r.progress_pct, r.invested_wan)
         .join(r, r.project_id == Project.id)
         .where(Project.programme_id == prog.id, Project.registered_on <= week, r.active.is_(True),
                r.report_date <= week, r.report_date >= window))
    if region and region != prog.region_adcode:
        q = q.where(Project.county_adcode.in_([c.adcode for c in regions.counties_in(region)]))
    cols = ["id", "name", "county_adcode", "planned_start", "rid", "report_date", "stage", "progress_pct",
            "invested_wan"]
    with store.session() as s:
        df = pd.DataFrame(s.execute(q).mappings().all(), columns=cols)
    out_cols = ["project_id", "name", "adcode", "county", "prefecture", "stage", "stage_zh", "progress_pct",
                "since", "weeks", "reason"]
    if df.empty:
        return pd.DataFrame(columns=out_cols)
    df = df.sort_values(["id", "report_date", "rid"]).drop_duplicates(["id", "report_date"], keep="last")
    df[["progress_pct", "invested_wan"]] = df[["progress_pct", "invested_wan"]].fillna(0.0)
    state = df[["stage", "progress_pct", "invested_wan"]].round(2).astype(str).agg("|".join, axis=1)
    df["changed"] = state.ne(state.groupby(df["id"]).shift()) & df["id"].eq(df["id"].shift())
    first = df.groupby("id")["report_date"].transform("min")
    df["mark"] = df["report_date"].where(df["changed"] | (df["report_date"] == first))
    last = df.groupby("id").agg(since=("mark", "max"), stage=("stage", "last"), progress_pct=("progress_pct", "last"),
                                name=("name", "first"), adcode=("county_adcode", "first"),
                                planned_start=("planned_start", "first"))
    last["weeks"] = last["since"].map(lambda d: (week - d).days // 7)
    under_way = (last["stage"] >= vocabulary.STARTED) & (last["stage"] < vocabulary.FINISHED)
    overdue = (last["stage"] < vocabulary.STARTED) & last["planned_start"].map(
        lambda d: d is not None and not pd.isna(d) and d <= week - timedelta(days=7 * min_weeks))
    keep = last[(under_way | overdue) & (last["weeks"] >= min_weeks)].copy()
    all_r = regions.all_regions()
    keep["reason"] = ["在施无进展" if st >= vocabulary.STARTED else "逾期未开工" for st in keep["stage"]]
    keep["county"] = keep["adcode"].map(lambda a: all_r[a].name)
    keep["prefecture"] = keep["adcode"].map(lambda a: all_r[all_r[a].prefecture].short_name
                                            if all_r[a].prefecture else "")
    keep["stage_zh"] = keep["stage"].map(lambda v: vocabulary.STAGE_BY_RANK[int(v)].zh)
    keep = keep.reset_index().rename(columns={"id": "project_id"})
    return keep.sort_values(["weeks", "adcode"], ascending=[False, True])[out_cols].reset_index(drop=True)


def open_problems(store: Store, programme_id: int, week: date, region: str | None = None, *,
                  viewer: Actor) -> pd.DataFrame:
    """Problems written in the latest report of each community not yet finished (internal)."""
    df = metrics.register_table(store, programme_id, as_of=week, region=region, viewer=viewer)
    if df.empty or "problems" not in df.columns:
        return pd.DataFrame(columns=["prefecture", "county", "name", "stage", "report_date", "problems"])
    df = df[df["problems"].notna() & (df["problems"].astype(str).str.strip() != "")]
    mine = df["county_adcode"].map(lambda a: auth.sees_internal_in(viewer, a)).astype(bool)
    df = df[mine]  # a district: its own county's (register_table blanks the others' already)
    return df[["prefecture", "county", "name", "stage", "report_date", "problems"]].reset_index(drop=True)


def weekly_dispatch(store: Store, programme_id: int | str, week: str | date | None = None, *,
                    region: str | None = None, viewer: Actor) -> dict:
    """The 周调度 pack for the reporting week `week` ('2021-W24' or a date in the week; default: the
    week that has closed)."""
    public = not auth.sees_internal(viewer)
    prog = metrics.get_programme(store, programme_id)
    wk = discipline.parse_week(week or asof.default_as_of(store, prog), prog)
    status = asof.week_reporting(store, prog, wk)
    # names only once the week has closed and its deadline has passed
    final = asof.is_closed(store, prog, wk) and asof.week_deadline(prog, wk) < clock.now().replace(tzinfo=None)
    region = region or prog.region_adcode
    counties = county_table(store, prog.id, wk, region)
    prev = counties.attrs.get("prev_week") if not counties.empty else None
    if prev is None:
        earlier = [d for d in metrics.report_dates(store, prog.id) if d < wk]
        prev = earlier[-1] if earlier else None
    lists = rankings.pace_lists(store, prog.id, region, wk, by="county")
    reporting = discipline.week_status(store, prog.id, wk, region=region)
    if not final:  # nobody is late or missing in a week still in progress: reported, or still to report
        reporting = reporting.assign(status_zh=reporting["status"].map(
            lambda v: PENDING_ZH if v == "missing" else REPORTED_ZH))
    pack = {
        "programme": prog.id, "programme_name": prog.name, "demo": prog.is_demo,
        "region": region, "region_name": regions.get(region).name,
        "week": vocabulary.iso_week_label(wk), "reporting_day": wk, "prev_week": prev,
        "deadline": discipline.deadline(prog, wk, discipline.load_calendar(store, prog)),
        "calendar": discipline.calendar_text(prog),
        "public": public,
        "headline": headline(store, prog.id, wk, prev, region),
        "counties": counties,
        "behind": lists["behind"],
        "no_movement_counties": lists["no_movement"],
        "stalled_communities": stalled_communities(store, prog.id, wk, region=region),
        "not_reported": (reporting[reporting["status"] != "on_time"] if final else reporting.iloc[0:0])
        .reset_index(drop=True),
        "reporting": reporting,
        "closed": final, "week_reporting": status, "in_progress": asof.in_progress(store, prog),
        # 预警 by rule (lib/figures/alerting.py), public figures only
        "alerts": alerting.evaluate(store, prog.id, wk, region=region),
        "problems": None if public else open_problems(store, prog.id, wk, region, viewer=viewer),
        # follow-up actions name who is responsible: internal
        "actions": None if public else [a for a in actions.list_open(store, prog.id, wk)
                                        if auth.sees_internal_in(viewer, a["region"])],
        "actions_closed": None if public else [a for a in actions.closed_in_week(store, prog.id, wk)
                                               if auth.sees_internal_in(viewer, a["region"])],
    }
    return pack


def _none(v):
    return None if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)) else v


def county_sheet(pack: dict) -> pd.DataFrame:
    df = pack["counties"]
    if df.empty:
        return pd.DataFrame()
    status = pack["reporting"].set_index("adcode")["status_zh"] if not pack["reporting"].empty else {}
    return pd.DataFrame({
        "排名": df["rank"], "市（州）": df["prefecture"], "县（市、区）": df["name"],
        "目标户数（户）": df["target_households"], "已开工户数（户）": df["started_households"],
        "本周新开工（户）": df["new_started_households"], "户数开工率": df["start_rate"].map(fmt.pct),
        "序时进度": df["expected"].map(fmt.pct), "与序时差（百分点）": (df["gap"] * 100).round(1),
        "进度评价": df["band_zh"],
        "目标小区（个）": df["target_communities"], "已开工小区（个）": df["started_communities"],
        "已完工户数（户）": df["completed_households"], "完工率": df["completion_rate"].map(fmt.pct),
        "本周报送": df["adcode"].map(lambda a: status.get(a, "—") if hasattr(status, "get") else "—"),
    })


def headline_rows(pack: dict) -> list[tuple[str, str]]:
    h = pack["headline"]
    c, hh, inv = h["communities"], h["households"], h["investment"]
    return [
        ("截至", f"{pack['reporting_day']:%Y年%-m月%-d日}（{pack['week']}）"),
        ("上周填报日", f"{h['prev']}" if h["prev"] else "—"),
        ("年度目标", f"{fmt.exact(c['target'])}个小区、{fmt.exact(hh['target'])}户"),
        ("累计开工", f"{fmt.exact(c['started'])}个小区、{fmt.exact(hh['started'])}户，户数开工率{fmt.pct(hh['start_rate'])}"),
        ("序时进度", fmt.pct(h["expected_share"])),
        ("本周新开工", f"{fmt.exact(h['new_started_communities'])}个小区、{fmt.exact(h['new_started_households'])}户"),
        ("累计完工", f"{fmt.exact(c['completed'])}个小区、{fmt.exact(hh['completed'])}户，完工率{fmt.pct(hh['completion_rate'])}"),
        ("本周新完工", f"{fmt.exact(h['new_completed_communities'])}个小区、{fmt.exact(h['new_completed_households'])}户"),
        ("累计完成投资", f"{fmt.money_wan(inv['invested'])}（本周新增{fmt.money_wan(h['new_invested_wan'])}）"),
        ("累计资金支付", f"{fmt.money_wan(inv['paid'])}（本周新增{fmt.money_wan(h['new_paid_wan'])}）"),
    ]


def _list_frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{"县（市、区）": r["name"], "户数开工率": fmt.pct(r["rate"]), "序时进度": fmt.pct(r["expected"]),
                          "已开工（户）": r["started"], "目标（户）": r["target"]} for r in rows],
                        columns=["县（市、区）", "户数开工率", "序时进度", "已开工（户）", "目标（户）"])


def stalled_sheet(pack: dict) -> pd.DataFrame:
    df = pack["stalled_communities"]
    return pd.DataFrame({"市（州）": df["prefecture"], "县（市、区）": df["county"], "小区名称": df["name"],
                         "当前阶段": df["stage_zh"], "形象进度（%）": df["progress_pct"],
                         "最近一次变化": df["since"], "无进展周数": df["weeks"], "情形": df["reason"]})


def reporting_sheet(pack: dict) -> pd.DataFrame:
    df = pack["not_reported"]
    return pd.DataFrame({"市（州）": df["prefecture"], "县（市、区）": df["name"], "报送情况": df["status_zh"],
                         "应报小区（个）": df["registered"], "已报小区（个）": df["reported"],
                         "完整率": df["completeness"].map(fmt.pct)})


def alerts_sheet(pack: dict) -> pd.DataFrame:
    rows = pack.get("alerts") or []
    return pd.DataFrame([{"市（州）": a["prefecture"], "县（市、区）": a["name"], "预警": a["rule_zh"],
                          "起始周": a["since_week"], "原因": a["reason"]} for a in rows],
                        columns=["市（州）", "县（市、区）", "预警", "起始周", "原因"])


def problems_sheet(pack: dict) -> pd.DataFrame:
    df = pack["problems"]
    if df is None:
        return pd.DataFrame()
    return pd.DataFrame({"市（州）": df["prefecture"], "县（市、区）": df["county"], "小区名称": df["name"],
                         "当前阶段": df["stage"], "填报日期": df["report_date"], "存在问题": df["problems"]})


def actions_sheet(pack: dict) -> pd.DataFrame:
    rows = (pack["actions"] or []) + (pack["actions_closed"] or [])
    return pd.DataFrame([{"编号": a["id"], "提出周次": a["week_label"], "督办事项": a["title"],
                          "地区": a["region_name"] or "", "小区": a["project_name"] or "",
                          "责任人（单位）": a["owner"] or "", "办结时限": a["deadline"] or "",
                          "状态": a["status_zh"]} for a in rows],
                        columns=["编号", "提出周次", "督办事项", "地区", "小区", "责任人（单位）", "办结时限", "状态"])


def dispatch_xlsx(pack: dict) -> bytes:
    """The pack as a workbook: one sheet per part of the meeting."""
    sheets = [("本周概况", pd.DataFrame(headline_rows(pack), columns=["项目", "情况"])),
              ("各县进度", county_sheet(pack)),
              ("明显滞后", _list_frame(pack["behind"])),
              ("连续两周无进展县", _list_frame(pack["no_movement_counties"])),
              ("无进展小区", stalled_sheet(pack)),
              ("未按时报送", reporting_sheet(pack)),
              ("预警", alerts_sheet(pack))]
    if not pack["public"]:
        sheets += [("存在问题", problems_sheet(pack)), ("督办事项", actions_sheet(pack))]
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xw:
        for name, df in sheets:
            safe = safe_frame(df)
            safe.to_excel(xw, sheet_name=name, index=False)
            ws = xw.sheets[name]
            ws.freeze_panes = "A2"
            for i, col in enumerate(safe.columns, start=1):
                width = max([len(str(col))] + [len(str(v)) for v in safe[col].head(200)]) + 2
                ws.column_dimensions[get_column_letter(i)].width = min(50, max(8, width * 1.7))
    return buf.getvalue()


def dispatch_docx(pack: dict) -> bytes:
    """The pack as a print-ready Word document for the meeting (A4, official formatting)."""

    d = doc.new_document()
    wk = pack["reporting_day"]
    doc.title(d, f"{pack['region_name']}城镇老旧小区改造工作周调度会议材料")
    doc.subtitle(d, f"（{wk:%Y年%-m月%-d日}，第{int(pack['week'][-2:])}周）")
    if pack["demo"]:
        doc.note(d, "说明：本材料所用台账与进度为系统生成的演示数据。")
    if not pack["closed"] and pack["week_reporting"]:
        doc.note(d, f"说明：本周填报尚未截止（{pack['week_reporting'].text('zh')}），以下为已报送的数据。")
    h = pack["headline"]
    hh, c = h["households"], h["communities"]
    n = doc.Numbering()
    doc.heading1(d, n.next1("本周总体进展"))
    doc.para(d, f"截至{wk:%-m月%-d日}，全{_scope_word(pack)}累计开工改造城镇老旧小区{fmt.exact(c['started'])}个、"
                f"{fmt.exact(hh['started'])}户，分别占年度目标任务的{fmt.pct(c['start_rate'])}和{fmt.pct(hh['start_rate'])}，"
                f"按施工季序时进度应完成{fmt.pct(h['expected_share'])}。本周新开工{fmt.exact(h['new_started_communities'])}个小区、"
                f"{fmt.exact(h['new_started_households'])}户，新完工{fmt.exact(h['new_completed_communities'])}个小区、"
                f"{fmt.exact(h['new_completed_households'])}户；累计完成投资{fmt.money_wan(h['investment']['invested'])}，"
                f"本周新增{fmt.money_wan(h['new_invested_wan'])}；累计资金支付{fmt.money_wan(h['investment']['paid'])}。")
    doc.heading1(d, n.next1("各县（市、区）进度"))
    cs = county_sheet(pack)
    if not cs.empty:
        doc.para(d, f"按户数开工率排序如下，序时进度为{fmt.pct(h['expected_share'])}。")
        short = cs.assign(进度评价=cs["进度评价"].map({b.zh: b.zh_short for b in vocabulary.BANDS}),
                          本周报送=cs["本周报送"].map({"按时报送": "按时", "逾期报送": "逾期", "未报送": "未报",
                                                  PENDING_ZH: PENDING_ZH, REPORTED_ZH: "已报"}).fillna("—"))
        cols = ["排名", "市（州）", "县（市、区）", "目标户数（户）", "已开工户数（户）", "本周新开工（户）", "户数开工率",
                "进度评价", "本周报送"]
        doc.table(d, short[cols], widths=[1.0, 1.6, 3.2, 1.7, 1.7, 1.7, 1.6, 1.5, 1.5])
    doc.heading1(d, n.next1("需重点关注的地区和项目"))
    doc.heading2(d, n.next2("明显滞后于序时进度的县（市、区）"))
    doc.para(d, _names_line(pack["behind"]) or "无。")
    doc.heading2(d, n.next2("连续两周无新开工、无新完工的县（市、区）"))
    doc.para(d, _names_line(pack["no_movement_counties"], rate=False) or "无。")
    doc.heading2(d, n.next2(f"连续{STALL_WEEKS}周以上无进展的小区"))
    st = stalled_sheet(pack)
    if st.empty:
        doc.para(d, "无。")
    else:
        moving = st[st["情形"] == "在施无进展"]
        overdue = st[st["情形"] == "逾期未开工"]
        doc.para(d, f"共{len(st)}个小区，其中在施无进展{len(moving)}个、计划开工日期已过两周以上仍未开工{len(overdue)}个"
                    f"（名单见电子表格“无进展小区”）。")
        if len(moving):
            doc.table(d, moving[["县（市、区）", "小区名称", "当前阶段", "形象进度（%）", "最近一次变化", "无进展周数"]],
                      widths=[3.0, 4.2, 1.8, 2.2, 2.4, 2.0], font_pt=10.5)
        if len(overdue):
            by = (overdue.groupby(["市（州）", "县（市、区）"]).agg(小区数=("小区名称", "size"), 最长周数=("无进展周数", "max"))
                  .reset_index().sort_values(["小区数", "最长周数"], ascending=False))
            by = by.rename(columns={"小区数": "逾期未开工小区（个）", "最长周数": "最长无进展（周）"})
            doc.table(d, by, widths=[3.0, 4.6, 4.0, 4.0])
    doc.heading2(d, n.next2("本周未按时报送的县（市、区）"))
    rs = reporting_sheet(pack)
    if not pack["closed"]:
        st = pack["week_reporting"]
        doc.para(d, f"本周填报尚未截止（{st.text('zh') if st else '填报进行中'}），未按时报送的名单待截止后确定"
                    f"（报送时限：{pack['calendar']}）。")
    elif rs.empty:
        doc.para(d, f"各县（市、区）均已按时报送（报送时限：{pack['calendar']}）。")
    else:
        doc.para(d, f"报送时限为{pack['calendar']}。")
        doc.table(d, rs, widths=[2.2, 3.6, 2.4, 2.4, 2.4, 2.6])
    al = alerts_sheet(pack)
    intro = None
    if not al.empty:
        counts = al["预警"].value_counts()
        intro = f"本周共有预警{len(al)}条：" + "；".join(f"{k}{v}条" for k, v in counts.items()) + "。"
    _table_section(d, n.next1("预警"), al, ["县（市、区）", "预警", "起始周", "原因"], [2.8, 3.2, 2.0, 7.6],
                   empty="本周无预警。", intro=intro)
    if not pack["public"]:
        ps = problems_sheet(pack)
        intro = None
        if not ps.empty:
            top = ps["存在问题"].value_counts()
            intro = "本周填报中反映的问题主要有：" + "；".join(f"{k}（{v}个小区）" for k, v in top.head(6).items()) + "。"
        _table_section(d, n.next1("各地反映的主要问题"), ps, ["县（市、区）", "小区名称", "当前阶段", "存在问题"],
                       [2.8, 3.8, 1.6, 7.4], empty="本周无新反映问题。", intro=intro)
        _table_section(d, n.next1("督办事项办理情况"), actions_sheet(pack),
                       ["编号", "提出周次", "督办事项", "地区", "责任人（单位）", "办结时限", "状态"],
                       [1.1, 2.0, 5.0, 2.2, 2.3, 2.0, 1.6], empty="暂无督办事项。")
    return doc.to_bytes(d)


def dispatch_filename(pack: dict, suffix: str = ".docx") -> str:
    """The file name as offices exchange it: '青海省城镇老旧小区改造工作周调度会议材料（2021年第24周）.docx'."""
    wk = pack["reporting_day"]
    return (f"{pack['region_name']}城镇老旧小区改造工作周调度会议材料"
            f"（{wk.isocalendar()[0]}年第{wk.isocalendar()[1]}周）{suffix}")


def _table_section(d, heading: str, df: pd.DataFrame, cols: list[str], widths: list[float], *, empty: str,
                   intro: str | None = None) -> None:
    """A numbered section holding a table, or a sentence saying there is nothing."""
    doc.heading1(d, heading)
    if df.empty:
        doc.para(d, empty)
        return
    if intro:
        doc.para(d, intro)
    doc.table(d, df[cols], widths=widths, font_pt=10.5)


def _scope_word(pack: dict) -> str:
    r = regions.get(pack["region"])
    return {"province": "省", "prefecture": "市（州）", "county": "县"}.get(r.level, "")


def _names_line(rows: list[dict], rate: bool = True) -> str:
    if not rows:
        return ""
    if rate:
        parts = [f"{regions.get(r['adcode']).name}（{fmt.pct(r['rate'])}）" for r in rows]
        return f"共{len(rows)}个：" + "、".join(parts) + "。括号内为户数开工率。"
    return f"共{len(rows)}个：" + "、".join(regions.get(r["adcode"]).name for r in rows) + "。"
