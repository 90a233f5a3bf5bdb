"""Monthly bulletin (月通报), drafted from the figures for a chosen month.

The cut-off of a month is its last reporting week: the latest reported date on
or before the month's last day (June 2021 → 25 June). Only a month whose reporting
has closed can be bulletined (`asof.month_closed`: its last reporting day by the
calendar is on or before the closed week), so that a county that uploaded early is
never the only one listed, and nobody is named late for a week still in progress;
the default month is `asof.default_month`. Every figure and table
is computed here from `metrics`, `rankings` and `discipline` as of that date
and cannot be edited; people edit only the narrative paragraphs
(`EDITABLE_SECTIONS`), stored per programme, month and section in
`bulletin_draft` and audited.

The rules that decide who is named are stated in the bulletin itself:

* praised (通报表扬): start rate (households) at or ahead of the calendar pace
  (band ``ahead`` of `rankings`) and among the first `top_n` by rank; counties tied
  on the rate are ordered by completion rate, then households started, so that
  "前5位" lists five, not every county at 100%;
* slow (进度明显滞后): band ``behind`` of `rankings` (below the pace by more
  than the band's margin);
* no movement (推进停滞): `rankings.pace_lists` ``no_movement`` (no new start
  and no new completion over the last two reporting weeks, communities left to
  start);
* not reporting (报送不及时): at least one week of the month not reported on
  time (`discipline`).

The Word document follows the conventions of official documents (GB/T 9704):
版头 (the issuing office's mark in red, 发文字号, a red line), title, 主送, body,
落款 kept on one page with the last paragraph, 版记 (抄送, 印发); A4, margins 3.7/3.5/2.8/2.6 cm, title in a 小标宋-like serif at 二号 (22 pt),
body at 三号 (16 pt) with a fixed 28 pt line, headings 一、 in a 黑体-like
sans and （一） in bold, page numbers "— n —" in the footer, tables within
the text width. The fonts are Noto CJK (the free fonts installed here); an
office can change `FONT_*` to 方正小标宋简体/仿宋_GB2312/黑体.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

import pandas as pd
from sqlalchemy import delete, select

from lib.domain import clock
from lib.access import auth
from lib.figures import asof
from lib.figures import discipline
from lib.domain import vocabulary
from lib.office import word as doc
from lib.office import fmt
from lib.figures import metrics
from lib.figures import rankings
from lib.domain import regions
from lib.domain.errors import UserError
from lib.store.models import BulletinDraft
from lib.store.engine import Store, audit
from lib.figures import trends
from lib.review import submission_figures
from lib.access.auth import Actor

log = logging.getLogger(__name__)

# --- the month's cut-off and its figures --------------------------------------------------

@dataclass(frozen=True)
class Rule:
    """Who the bulletin praises and names (configurable)."""

    top_n: int = 5                       # praise at most the top N counties that are ahead of pace
    metric: str = "households"           # the rate that ranks: households or communities
    bands: rankings.Bands = field(default_factory=lambda: rankings.DEFAULT_BANDS)

    def describe_behind(self) -> str:
        b = self.bands
        return (f"户数开工率低于序时进度的{round(b.behind * 100)}%且差距超过{fmt.pct(b.slack, 0)[:-1]}个百分点"
                if self.metric == "households" else
                f"小区开工率低于序时进度的{round(b.behind * 100)}%且差距超过{fmt.pct(b.slack, 0)[:-1]}个百分点")


def parse_month(month: str) -> tuple[int, int]:
    try:
        y, m = (int(x) for x in str(month).strip().split("-")[:2])
        date(y, m, 1)
        return y, m
    except (ValueError, TypeError):
        raise UserError(f"月份“{month}”格式不正确，请写成 YYYY-MM（如 2021-06）。",
                        f"Bad month {month!r}: use YYYY-MM.") from None


def cutoff(store: Store, programme_id: int, month: str) -> date:
    """The month's last reporting week: the latest report date on or before the month's last day.

    Refused while the month's reporting has not closed (`asof.month_closed`): a bulletin
    written then would rank the few counties that reported early and name the rest.
    """
    y, m = parse_month(month)
    prog = metrics.get_programme(store, programme_id)
    last = date(y, m, calendar.monthrange(y, m)[1])
    days = [d for d in metrics.report_dates(store, prog.id) if d <= last]
    if not days or days[-1] < date(y, m, 1) - timedelta(days=6):
        raise UserError(f"{y}年{m}月没有进度填报数据，无法生成月通报，请选择有填报数据的月份。",
                        f"No progress reported in {y}-{m:02d}.")
    closed = asof.closed_week(store, prog)
    if not asof.month_closed(prog, closed, y, m):
        pending = asof.in_progress(store, prog)
        latest = asof.default_month(store, prog)
        now = f"（{pending.week.month}月{pending.week.day}日{pending.text('zh')}）" if pending else ""
        hint = f"最近可生成的是{latest[:4]}年{int(latest[5:])}月" if latest else "目前还没有已截止的月份"
        raise UserError(f"{y}年{m}月的进度填报尚未截止{now}，暂不能生成该月月通报；{hint}。",
                        f"Reporting for {y}-{m:02d} has not closed yet"
                        + (f" ({pending.text('en')})" if pending else "") + ".")
    return max(d for d in days if d <= closed)


def _prev_cutoff(store: Store, programme_id: int, day: date) -> date | None:
    first = day.replace(day=1)
    days = [d for d in metrics.report_dates(store, programme_id) if d < first]
    return days[-1] if days else None


def _month_weeks(store: Store, prog, y: int, m: int, until: date) -> list[date]:
    return [w for w in discipline.reporting_weeks(store, prog, until) if (w.year, w.month) == (y, m)]


def scope_word(adcode: str) -> str:
    """全省 / 全市 / 全州 / 全区 / 全县 / 全旗: the whole of the programme's region, as its own documents say it."""
    r = regions.get(adcode)
    if r.name.endswith(("自治区", "地区")):
        return "全区"
    if r.name[-1] in "省市州盟区县旗":
        return "全" + r.name[-1]
    return {"province": "全省", "prefecture": "全市"}.get(r.level, "全县")


def _scope_words(adcode: str) -> tuple[str, str, str]:
    """(全省/全市/全县, child level word, the addressee line)."""
    r = regions.get(adcode)
    if r.level == "province":
        return scope_word(adcode), "市（州）", "各市（州）住房和城乡建设局："
    if r.level == "prefecture":
        return scope_word(adcode), "县（市、区）", "各县（市、区）住房和城乡建设局："
    return scope_word(adcode), "乡镇（街道）", "各乡镇人民政府、各街道办事处，县直有关单位："


def issuer_default(adcode: str) -> str:
    r = regions.get(adcode)
    if r.level == "province":
        return f"{r.name}住房和城乡建设{'委员会' if r.name.endswith('市') else '厅'}"
    return f"{r.name}住房和城乡建设局"


def doc_number_default(adcode: str, issued: date) -> str:
    """发文字号 left to be numbered: the office's short form (青建), the year, a blank for the number."""
    return f"{regions.get(adcode).name[0]}建〔{issued.year}〕　号"


def cc_default(adcode: str) -> str:
    """抄送: the government the office reports to, and the governments below it."""
    r = regions.get(adcode)
    if r.level == "province":
        return f"{r.name}人民政府办公厅，各市（州）人民政府"
    if r.level == "prefecture":
        return f"{r.name}人民政府办公室，各县（市、区）人民政府"
    return f"{r.name}人民政府办公室"


def issued_on_default(y: int, m: int) -> date:
    """The first working day of the next month (Monday to Friday)."""
    d = date(y + (m == 12), m % 12 + 1, 1)
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


def default_month(store: Store, programme_id: int | str) -> str:
    """The month a bulletin opens on: the latest month whose reporting has closed (`asof.default_month`)."""
    prog = metrics.get_programme(store, programme_id)
    month = asof.default_month(store, prog)
    if month is None:
        raise UserError("该计划还没有填报已截止的月份，暂不能生成月通报。", "No month's reporting has closed yet.")
    return month


def monthly_bulletin(store: Store, programme_id: int | str, month: str | None = None, *, rule: Rule = Rule(),
                     viewer: Actor) -> dict:
    """Everything the bulletin states for `month` ('2021-06'; default: the latest closed month),
    computed from lib; no text edits applied."""
    public = not auth.sees_internal(viewer)
    prog = metrics.get_programme(store, programme_id)
    month = month or default_month(store, prog.id)
    y, m = parse_month(month)
    day = cutoff(store, prog.id, month)
    prev = _prev_cutoff(store, prog.id, day)
    s = metrics.summary(store, prog.id, as_of=day)
    s_prev = metrics.summary(store, prog.id, as_of=prev) if prev else None
    by_pref = rankings.ranking(store, prog.id, None, day, metric=rule.metric, by="prefecture", bands=rule.bands)
    by_county = rankings.ranking(store, prog.id, None, day, metric=rule.metric, by="county", bands=rule.bands)
    completion = rankings.ranking(store, prog.id, None, day, metric=rule.metric, stat="completion_rate",
                                  by="county", bands=rule.bands)
    lists = rankings.pace_lists(store, prog.id, None, day, metric=rule.metric, by="county", bands=rule.bands)
    if not by_county.empty:
        comp = completion.set_index("adcode")["rate"]
        by_county["completion_rate"] = by_county["adcode"].map(comp)
        all_r = regions.all_regions()
        by_county["prefecture"] = by_county["adcode"].map(
            lambda a: all_r[all_r[a].prefecture].short_name if all_r[a].prefecture else "")
    praised = praise_list(by_county, rule.top_n)
    now = clock.now().replace(tzinfo=None)  # a week whose deadline is still ahead names nobody
    weeks = [w for w in _month_weeks(store, prog, y, m, day) if asof.week_deadline(prog, w) < now]
    rec = discipline.county_record(store, prog.id, day, weeks=len(weeks)) if weeks else pd.DataFrame()
    late = rec[(rec["missing"] + rec["late"]) > 0].sort_values(["missing", "late", "adcode"],
                                                               ascending=[False, False, True]) if len(rec) else rec
    problems = None
    if not public:
        reg = metrics.register_table(store, prog.id, as_of=day, viewer=viewer)
        if len(reg) and "problems" in reg.columns:
            open_ = reg[reg["problems"].notna() & (reg["problems"].astype(str).str.strip() != "")]
            open_ = open_[[auth.sees_internal_in(viewer, a) for a in open_["county_adcode"]]]  # a district: its own
            problems = open_["problems"].value_counts()
    scope, child_word, addressee = _scope_words(prog.region_adcode)
    pending = asof.in_progress(store, prog)
    return {
        "programme": prog.id, "programme_name": prog.name, "region": prog.region_adcode,
        "region_name": regions.get(prog.region_adcode).name, "source_doc": prog.source_doc, "demo": prog.is_demo,
        "month": f"{y}-{m:02d}", "year": y, "month_no": m, "cutoff": day, "prev_cutoff": prev,
        "season": (prog.season_start, prog.season_end), "scope": scope, "child_word": child_word,
        "default_addressee": addressee, "rule": rule, "public": public,
        "summary": s, "summary_prev": s_prev,
        "prefectures": by_pref, "counties": by_county,
        "praised": praised.reset_index(drop=True),
        "behind": lists["behind"], "no_movement": lists["no_movement"],
        "late_reporting": late.reset_index(drop=True) if len(late) else late, "month_weeks": weeks,
        "problems": problems,
        "issued_on": issued_on_default(y, m),
        "in_progress": pending,
        # submissions of the month's weeks and their review (an empty count where the programme has no review)
        "review": submission_figures.stats(store, prog.id, since=date(y, m, 1), until=day),
    }


def praise_list(by_county: pd.DataFrame, top_n: int) -> pd.DataFrame:
    """The counties ahead of pace, at most `top_n` of them: by rank, ties broken by completion rate,
    then households started, then code (the rule says 前N位: N names, not every county tied at 100%)."""
    if by_county.empty:
        return by_county
    ahead = by_county[by_county["band"] == "ahead"].copy()
    if ahead.empty:
        return ahead
    ahead["_done"] = ahead["completion_rate"].fillna(0) if "completion_rate" in ahead else 0
    ahead = ahead.sort_values(["rank", "_done", "started", "adcode"], ascending=[True, False, False, True])
    return ahead.head(top_n).drop(columns="_done")


# --- editable narrative -----------------------------------------------------------------

EDITABLE_SECTIONS = ("addressee", "intro", "praise_remark", "criticism_remark", "requirements", "issuer")
# The document's frame, editable the same way: 发文字号 (numbered by the office's registry) and 抄送.
DOCUMENT_SECTIONS = ("doc_number", "cc")
SECTION_ZH = {"addressee": "主送单位", "intro": "开头段", "praise_remark": "表扬段结语",
              "criticism_remark": "批评段结语", "requirements": "下一步工作要求", "issuer": "落款单位",
              "doc_number": "发文字号", "cc": "抄送单位"}
SECTION_EN = {"doc_number": "Document number", "cc": "Copied to"}


def default_texts(b: dict) -> dict[str, str]:
    """The narrative the office starts from; figures never appear here (they are filled in by lib)."""
    y, m = b["year"], b["month_no"]
    basis = ""
    if b["source_doc"] and "〔" in b["source_doc"]:
        doc = b["source_doc"]
        name = doc[doc.find("《"):doc.find("》") + 1] if "《" in doc else ""
        number = doc[doc.find("（") + 1:doc.rfind("）")] if "（" in doc else ""
        basis = f"为贯彻落实{name}（{number}），" if name and number else ""
    scope = b["scope"]
    next_m = m % 12 + 1
    return {
        "addressee": b["default_addressee"],
        "intro": f"{basis}按照“周调度、月通报”工作机制，现将{y}年{m}月份{scope}城镇老旧小区改造工作进展情况通报如下：",
        "praise_remark": "希望受到表扬的地区再接再厉，保持良好势头，在确保质量安全的前提下加快推进，"
                         "为全面完成年度目标任务作出更大贡献。",
        "criticism_remark": "上述地区要高度重视，认真查找进度滞后的原因，制定切实可行的整改措施，"
                            "明确时间节点和责任人，倒排工期、挂图作战，尽快扭转被动局面。"
                            "对连续两个月进度明显滞后的地区，将按照有关规定进行约谈。",
        "requirements": "\n".join([
            f"（一）加快项目开工。各地要对照年度目标任务，逐个小区梳理未开工项目的前期手续、资金落实和居民意愿情况，"
            f"倒排工期，确保{next_m}月底前应开尽开，充分利用施工黄金期抢抓进度。",
            "（二）强化质量安全管理。严格落实参建各方主体责任，加强施工现场安全管理和工程质量监督，"
            "严禁为赶进度降低标准、压缩合理工期。",
            "（三）加快资金拨付。各地要加快中央和省级补助资金的拨付使用，及时落实地方配套资金，"
            "按工程进度足额支付，提高资金使用效益。",
            "（四）严格报送纪律。各地要于每周规定时限前如实报送项目进度，做到数据真实、准确、完整，"
            "对迟报、漏报、错报的地区将在月度通报中予以点名。",
        ]),
        "issuer": issuer_default(b["region"]),
        "doc_number": doc_number_default(b["region"], b["issued_on"]),
        "cc": cc_default(b["region"]),
    }


def texts(store: Store, programme_id: int, month: str, b: dict | None = None) -> dict[str, str]:
    """The narrative as it stands: the saved edits over the defaults."""
    base = default_texts(b) if b is not None else {}
    with store.session() as s:
        rows = s.execute(select(BulletinDraft.section, BulletinDraft.text)
                         .where(BulletinDraft.programme_id == int(programme_id),
                                BulletinDraft.period == month)).all()
    base.update({k: v for k, v in rows if k in EDITABLE_SECTIONS + DOCUMENT_SECTIONS})
    return base


def save_text(store: Store, programme_id: int, month: str, section: str, text: str, *, actor: "auth.Actor") -> None:
    """Save one edited narrative section (audited). Figures and tables are not editable."""
    actor = auth.require(actor, "bulletin")  # leaders and admins; from here on the name the audit records
    if section not in EDITABLE_SECTIONS + DOCUMENT_SECTIONS:
        raise UserError("该部分由系统根据数据生成，不能手工修改。", f"Section {section!r} is generated and not editable.")
    text = (text or "").strip()
    if not text:
        raise UserError(f"“{SECTION_ZH[section]}”不能为空；如需恢复默认文字，请点击“恢复默认”。",
                        "The text is empty; use reset to go back to the default.")
    y, m = parse_month(month)
    period = f"{y}-{m:02d}"
    with store.write() as s:
        row = _draft_row(s, programme_id, period, section)
        before = row.text if row else None
        if row is None:
            s.add(BulletinDraft(programme_id=int(programme_id), period=period, section=section, text=text,
                                updated_by=actor))
        else:
            row.text, row.updated_by, row.updated_at = text, actor, clock.utcnow()
        audit(s, actor, "bulletin.edit", "bulletin_draft", f"{period}/{section}", programme_id=int(programme_id),
              before={"text": before}, after={"text": text})


def _draft_row(s, programme_id: int, period: str, section: str) -> BulletinDraft | None:
    return s.scalar(select(BulletinDraft).where(BulletinDraft.programme_id == int(programme_id),
                                                BulletinDraft.period == period, BulletinDraft.section == section))


def reset_text(store: Store, programme_id: int, month: str, section: str, *, actor: "auth.Actor") -> None:
    """Drop an edited section so the default text is used again (audited)."""
    actor = auth.require(actor, "bulletin")
    y, m = parse_month(month)
    period = f"{y}-{m:02d}"
    with store.write() as s:
        row = _draft_row(s, programme_id, period, section)
        if row is None:
            return
        s.execute(delete(BulletinDraft).where(BulletinDraft.id == row.id))
        audit(s, actor, "bulletin.reset", "bulletin_draft", f"{period}/{section}", programme_id=int(programme_id),
              before={"text": row.text})


# --- the fixed, figure-bearing paragraphs ---------------------------------------------------

def _md(d: date) -> str:
    return f"{d.month}月{d.day}日"


def _pt(x: float) -> str:
    return f"{abs(x) * 100 + 1e-9:.1f}"


def overall_paragraphs(b: dict) -> list[str]:
    s, sp = b["summary"], b["summary_prev"]
    c, hh, inv = s["totals"]["communities"], s["totals"]["households"], s["totals"]["investment_wan"]
    exp = s["expected_share"]
    day, scope = b["cutoff"], b["scope"]
    ss, se = b["season"]
    rate = hh["start_rate"] or 0
    cmp = (f"高于序时进度{_pt(rate - exp)}个百分点" if rate > exp + 1e-9 else
           f"低于序时进度{_pt(exp - rate)}个百分点" if rate < exp - 1e-9 else "与序时进度持平")
    p1 = (f"截至{day.year}年{_md(day)}（{b['month_no']}月份最后一个填报周），{scope}累计开工改造城镇老旧小区"
          f"{fmt.exact(c['started'])}个、{fmt.count(hh['started'], '户')}，分别占年度目标任务"
          f"（{fmt.exact(c['target'])}个、{fmt.count(hh['target'], '户')}）的{fmt.pct(c['start_rate'])}和"
          f"{fmt.pct(hh['start_rate'])}。按施工季（{int(ss[:2])}月{int(ss[3:])}日至{int(se[:2])}月{int(se[3:])}日）"
          f"测算，序时进度应完成{fmt.pct(exp)}，户数开工率{cmp}。")
    p2 = (f"累计完工小区{fmt.exact(c['completed'])}个、{fmt.count(hh['completed'], '户')}，户数完工率"
          f"{fmt.pct(hh['completion_rate'])}。累计完成投资{fmt.money_wan(inv['invested'])}，占台账计划投资"
          f"{fmt.money_wan(inv['registered'])}的{fmt.pct(inv['invest_rate'])}；累计资金支付"
          f"{fmt.money_wan(inv['paid'])}，占已完成投资的{fmt.pct(inv['pay_rate'])}。")
    if sp:
        pc, ph = sp["totals"]["communities"], sp["totals"]["households"]
        p3 = (f"与上月（截至{_md(b['prev_cutoff'])}）相比，本月新开工小区{fmt.exact(c['started'] - pc['started'])}个、"
              f"{fmt.count(hh['started'] - ph['started'], '户')}，新完工小区{fmt.exact(c['completed'] - pc['completed'])}个、"
              f"{fmt.count(hh['completed'] - ph['completed'], '户')}，完成投资"
              f"{fmt.money_wan((inv['invested'] or 0) - (sp['totals']['investment_wan']['invested'] or 0))}。")
    else:
        p3 = "本月为年度首次通报，上述开工、完工和投资均为本月完成。"
    return [p1, p2, p3]


def _band_counts(df: pd.DataFrame) -> str:
    n = {k: int((df["band"] == k).sum()) for k in vocabulary.BAND_CODES}
    parts = [f"{n['ahead']}个{vocabulary.band_label('ahead')}进度"]
    if n["watch"]:
        parts.append(f"{n['watch']}个{vocabulary.band_label('watch')}进度")
    if n["behind"]:
        parts.append(f"{n['behind']}个{vocabulary.band_label('behind')}")
    return "，".join(parts)


def prefecture_table(b: dict) -> pd.DataFrame:
    df = b["prefectures"]
    return pd.DataFrame({"排名": df["rank"], "市（州）": df["short_name"], "目标任务（户）": df["target"],
                         "已开工（户）": df["started"], "开工率": df["rate"].map(fmt.pct),
                         "较序时进度（百分点）": (df["gap"] * 100).map(lambda v: f"{v:+.1f}"),
                         "已完工（户）": df["completed"],
                         "进度评价": df["band"].map(vocabulary.band_label)})


def county_table(b: dict) -> pd.DataFrame:
    df = b["counties"]
    return pd.DataFrame({"排名": df["rank"], "市（州）": df["prefecture"], "县（市、区）": df["name"],
                         "目标任务（户）": df["target"], "已开工（户）": df["started"], "开工率": df["rate"].map(fmt.pct),
                         "较序时（百分点）": (df["gap"] * 100).map(lambda v: f"{v:+.1f}"),
                         "完工率": df["completion_rate"].map(fmt.pct),
                         "评价": df["band"].map(lambda b: vocabulary.band_label(b, "zh_short"))})


def praise_paragraph(b: dict) -> str:
    p = b["praised"]
    rule = b["rule"]
    what = "户数开工率" if rule.metric == "households" else "小区开工率"
    if len(p) == 0:
        return f"本月没有{what}快于序时进度且排名前{rule.top_n}位的{b['child_word']}。"
    names = "、".join(f"{r['name']}（{fmt.pct(r['rate'])}）" for _, r in p.iterrows())
    return (f"截至{_md(b['cutoff'])}，{what}快于序时进度且排名{b['scope']}前{rule.top_n}位的{names}"
            f"工作推进有力、成效明显，予以通报表扬。")


def named_paragraphs(b: dict) -> list[tuple[str, str]]:
    """(heading, text) for each way a county can be named; text says the rule and the names."""
    rule, day = b["rule"], b["cutoff"]
    out = []
    behind = b["behind"]
    if behind:
        names = "、".join(f"{r['name']}（{fmt.pct(r['rate'])}，序时{fmt.pct(r['expected'])}）" for r in behind)
        out.append(("进度明显滞后", f"截至{_md(day)}，{rule.describe_behind()}的有{len(behind)}个：{names}。"))
    else:
        out.append(("进度明显滞后", f"截至{_md(day)}，没有{rule.describe_behind()}的地区。"))
    nm = b["no_movement"]
    if nm:
        names = "、".join(r["name"] for r in nm)
        out.append(("推进停滞", f"截至{_md(day)}，连续两个填报周无新开工、无新完工且仍有小区未开工的有{len(nm)}个：{names}。"))
    late = b["late_reporting"]
    if len(late):
        def part(r):
            bits = []
            if r["missing"]:
                bits.append(f"未报{int(r['missing'])}次")
            if r["late"]:
                bits.append(f"迟报{int(r['late'])}次")
            return f"{r['name']}（{'、'.join(bits)}）"
        names = "、".join(part(r) for _, r in late.iterrows())
        out.append(("报送不及时", f"{b['month_no']}月份共{len(b['month_weeks'])}个填报周，有1周及以上未按时报送进度的有"
                                  f"{len(late)}个：{names}。"))
    sentence = review_sentence(b)
    if sentence:
        out.append(("填报审核", sentence))
    return out


def review_sentence(b: dict) -> str | None:
    """The month's submissions and their review in one sentence (None when nothing was submitted for review)."""
    rv = b.get("review") or {}
    tot = rv.get("totals") or {}
    if not tot.get("submitted"):
        return None
    returned = [c for c in rv["by_county"] if c["returned"]]
    named = "（" + "、".join(f"{regions.get(c['adcode']).name if c['adcode'] and regions.exists(c['adcode']) else '其他'}"
                             f"{c['returned']}份" for c in returned) + "）" if returned else ""
    text = (f"{b['month_no']}月份各地上报需审核的周进度{tot['submitted']}份，审核通过{tot['approved']}份，"
            f"退回{tot['returned']}份{named}")
    if tot.get("withdrawn"):
        text += f"，被重新上报替代{tot['withdrawn']}份"
    text += f"，尚待审核{tot['pending']}份" if tot.get("pending") else "，无积压"
    levels = []
    for lv, word in (("prefecture", "市州"), ("province", "省级")):
        rows = [r for r in rv["by_reviewer"] if r["level"] == lv and r["mean_hours"] is not None]
        n = sum(r["decided"] for r in rows)
        if n:
            levels.append(f"{word}审核平均用时{sum(r['mean_hours'] * r['decided'] for r in rows) / n:.1f}小时")
    if levels:
        text += "；" + "，".join(levels)
    return text + "。"


def problems_paragraph(b: dict) -> str | None:
    pr = b["problems"]
    if pr is None:
        return None
    if pr.empty:
        return "本月各地填报中未反映需要协调解决的问题。"
    items = "；".join(f"{k}（{int(v)}个小区）" for k, v in pr.head(6).items())
    return f"截至{_md(b['cutoff'])}，各地填报的{int(pr.sum())}个小区反映了需要协调解决的问题，主要有：{items}。"


# --- charts -----------------------------------------------------------------------------

def chart_figures(store: Store, b: dict) -> list[tuple[str, object]]:
    """The bulletin's two plotly figures: prefectures' start rates against the pace, and the weekly
    cumulative starts and completions against the pace. Empty without plotly or prefectures.

    Labels never overlap: each bar's rate is written under its name on the axis (not above the
    bar, where the pace line runs), the pace line is labelled in the right margin outside the
    plot, and the legend of the weekly chart sits above the plot area.
    """
    try:  # lazy: plotly is only needed for the charts version
        import plotly.graph_objects as go
    except ImportError:
        return []
    df = b["prefectures"]
    if df.empty:
        return []
    font = dict(family="Noto Sans CJK SC", size=22, color="#222")
    colors = df["band"].map({"ahead": "#2e7d32", "watch": "#f9a825", "behind": "#c62828"}).fillna("#777")
    ticks = [f"{n}<br><b>{fmt.pct(v)}</b>" for n, v in zip(df["short_name"], df["rate"])]
    f1 = go.Figure(go.Bar(x=ticks, y=df["rate"] * 100, marker_color=list(colors), hoverinfo="skip"))
    exp = b["summary"]["expected_share"] * 100
    top = max(100.0, float(df["rate"].max() * 100) * 1.05)
    f1.add_hline(y=exp, line_dash="dash", line_color="#1565c0", line_width=3)
    f1.add_annotation(x=1, xref="paper", xanchor="left", xshift=8, y=exp, yref="y", yanchor="middle",
                      text=f"序时<br>{exp:.1f}%", showarrow=False, align="left", font=dict(color="#1565c0", size=20))
    f1.update_layout(font=font, template="simple_white", margin=dict(l=80, r=110, t=30, b=100),
                     yaxis_title="户数开工率（%）", yaxis_range=[0, top], showlegend=False,
                     xaxis_tickfont=dict(size=18 if len(df) > 8 else 20), bargap=0.35)
    figs = [("各市（州）户数开工率与序时进度", f1)]
    weeks = [w for w in metrics.report_dates(store, b["programme"]) if w <= b["cutoff"]]
    series = trends.weekly_series(store, b["programme"], weeks=weeks) if weeks else pd.DataFrame()
    if len(series):
        tgt = series["target_households"].iloc[-1] or 0
        f2 = go.Figure()
        f2.add_trace(go.Scatter(x=series["week"], y=series["started_households"] / 10_000, name="累计开工",
                                mode="lines+markers", line=dict(color="#2e7d32", width=3)))
        f2.add_trace(go.Scatter(x=series["week"], y=series["completed_households"] / 10_000, name="累计完工",
                                mode="lines+markers", line=dict(color="#6a1b9a", width=3)))
        f2.add_trace(go.Scatter(x=series["week"], y=series["expected_share"] * tgt / 10_000, name="序时进度",
                                mode="lines", line=dict(color="#1565c0", dash="dash", width=2)))
        f2.update_layout(font=font, template="simple_white", margin=dict(l=80, r=30, t=70, b=60),
                         yaxis_title="万户", xaxis_tickformat="%-m月%-d日",
                         legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left"))
        figs.append((f"{b['scope']}累计开工、完工户数与序时进度", f2))
    return figs


def charts_png(store: Store, b: dict) -> list[tuple[str, bytes]]:
    """The figures of `chart_figures` rendered by kaleido (Chromium); empty when no static renderer works."""
    try:  # lazy: the static renderer is optional (kaleido drives a Chromium); without it, no figures
        import kaleido
        import plotly.io as pio
    except ImportError:
        return []
    figs = chart_figures(store, b)
    if not figs:
        return []
    out = []
    try:
        kaleido.start_sync_server(silence_warnings=True)
        try:
            for name, fig in figs:
                out.append((name, pio.to_image(fig, format="png", width=1100, height=620, scale=1.6)))
        finally:
            kaleido.stop_sync_server(silence_warnings=True)
    except Exception as e:  # no Chromium, no fonts: the bulletin is complete without charts
        log.warning("bulletin charts not rendered: %s", e)
        return []
    return out


# --- the document -----------------------------------------------------------------------

def bulletin_title(b: dict) -> str:
    return f"关于{b['year']}年{b['month_no']}月份{b['scope']}城镇老旧小区改造工作进展情况的通报"


def bulletin_docx(store: Store, programme_id: int | str, month: str | None = None, *, charts: bool = True,
                  rule: Rule = Rule(), viewer: Actor, issued_on: date | None = None,
                  overrides: dict[str, str] | None = None) -> bytes:
    """The 月通报 as a Word document: saved narrative edits, figures and tables from lib.

    `overrides`: sections given for this document only (e.g. {"doc_number": "青建〔2021〕86号"}).
    """
    b = monthly_bulletin(store, programme_id, month, rule=rule, viewer=viewer)
    txt = texts(store, b["programme"], b["month"], b)
    txt.update({k: v for k, v in (overrides or {}).items() if v})
    return render_docx(b, txt, images=charts_png(store, b) if charts else [], issued_on=issued_on)


def render_docx(b: dict, txt: dict[str, str], *, images: list[tuple[str, bytes]] = (),
                issued_on: date | None = None) -> bytes:
    """Write the bulletin: `txt` are the narrative sections, `images` the rendered charts (may be empty)."""
    when = issued_on or b["issued_on"]
    d = doc.new_document()
    doc.red_header(d, f"{txt['issuer']}文件", txt["doc_number"])
    doc.title(d, bulletin_title(b))
    doc.para(d, txt["addressee"], indent=False)
    doc.para(d, txt["intro"])
    if b["demo"]:
        doc.para(d, "（本通报所用台账与进度为系统生成的演示数据。）")
    n = doc.Numbering()
    imgs = list(images)
    fig_no = 0

    doc.heading1(d, n.next1("总体进展情况"))
    for p in overall_paragraphs(b):
        doc.para(d, p)
    if len(imgs) > 1:
        fig_no += 1
        doc.caption(d, f"图{fig_no}　{imgs[1][0]}")
        doc.picture(d, imgs[1][1], 15.0)

    doc.heading1(d, n.next1("各地进展情况"))
    pref = b["prefectures"]
    if len(pref):
        doc.heading2(d, n.next2("各市（州）进展情况"))
        doc.para(d, f"按户数开工率排序，{len(pref)}个市（州）中{_band_counts(pref)}。"
                f"{pref.iloc[0]['name']}开工率最高，为{fmt.pct(pref.iloc[0]['rate'])}；"
                f"{pref.iloc[-1]['name']}开工率最低，为{fmt.pct(pref.iloc[-1]['rate'])}。")
        if imgs:
            fig_no += 1
            doc.caption(d, f"图{fig_no}　{imgs[0][0]}")
            doc.picture(d, imgs[0][1], 15.0)
        doc.caption(d, f"表1　各市（州）城镇老旧小区改造进展情况（截至{_md(b['cutoff'])}）")
        doc.table(d, prefecture_table(b), widths=[1.0, 1.8, 2.1, 1.9, 1.7, 2.5, 1.9, 2.7], font_pt=10.5)
    cty = b["counties"]
    doc.heading2(d, n.next2("各县（市、区）进展情况"))
    doc.para(d, f"{len(cty)}个县（市、区）中{_band_counts(cty)}。"
            + ("各县（市、区）进展情况详见表2。" if len(pref) else "各地进展情况详见下表。"))
    doc.caption(d, f"表{2 if len(pref) else 1}　各县（市、区）城镇老旧小区改造进展情况（截至{_md(b['cutoff'])}）")
    doc.table(d, county_table(b), widths=[0.9, 1.6, 3.3, 1.8, 1.7, 1.7, 1.6, 1.5, 1.5], font_pt=10)

    doc.heading1(d, n.next1("通报表扬"))
    doc.para(d, praise_paragraph(b))
    if len(b["praised"]):
        doc.para(d, txt["praise_remark"])

    doc.heading1(d, n.next1("进展缓慢的地区"))
    named = named_paragraphs(b)
    for head, text in named:
        doc.heading2(d, n.next2(head))
        doc.para(d, text)
    if any("：" in t for _, t in named):
        doc.para(d, txt["criticism_remark"])

    pp = problems_paragraph(b)
    if pp:
        doc.heading1(d, n.next1("存在的主要问题"))
        doc.para(d, pp)

    doc.heading1(d, n.next1("下一步工作要求"))
    for line in [x.strip() for x in txt["requirements"].splitlines() if x.strip()]:
        doc.para(d, line, lead_bold=line.startswith("（"))

    doc.signature(d, txt["issuer"], when)
    cc = (txt.get("cc") or "").strip()
    doc.record_block(d, None if cc in ("", "无") else cc, f"{txt['issuer']}办公室", when)
    return doc.to_bytes(d)


def bulletin_filename(b: dict) -> str:
    """The file name as offices exchange it: the document's title, .docx."""
    return f"{bulletin_title(b)}.docx"


def bulletin_json(store: Store, programme_id: int | str, month: str | None = None, *, rule: Rule = Rule(),
                  viewer: Actor) -> dict:
    """The bulletin's figures and lists (for the CLI's stderr report and for the page)."""
    b = monthly_bulletin(store, programme_id, month, rule=rule, viewer=viewer)
    return {"title": bulletin_title(b), "month": b["month"], "file_name": bulletin_filename(b),
            "cutoff": b["cutoff"].isoformat(),
            "in_progress": b["in_progress"].as_dict() if b["in_progress"] else None,
            "prefectures": len(b["prefectures"]), "counties": len(b["counties"]),
            "praised": [r["name"] for _, r in b["praised"].iterrows()],
            "behind": [r["name"] for r in b["behind"]], "no_movement": [r["name"] for r in b["no_movement"]],
            "late_reporting": [r["name"] for _, r in b["late_reporting"].iterrows()] if len(b["late_reporting"]) else []}
