"""lib.review.bulletin: the monthly bulletin (月通报), read back with python-docx; edits and charts."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from docx import Document
from sqlalchemy import select

from lib.access import auth
from lib.access.auth import Actor
from lib.domain.errors import UserError
from lib.figures import discipline, metrics, rankings
from lib.review import bulletin
from lib.store.models import AuditLog
from tests.support.documents import docx_text

LEADER = auth.Actor(username="zhang_leader", role="leader", scope_adcode="630000", display_name="张组长")
JUNE_CUTOFF = date(2021, 6, 25)


def test_bulletin_june_figures_tables_and_lists(demo_store):
    b = bulletin.monthly_bulletin(demo_store, 1, "2021-06", viewer=Actor.system())
    assert b["cutoff"] == JUNE_CUTOFF
    data = bulletin.bulletin_docx(demo_store, 1, "2021-06", charts=False, viewer=Actor.system())
    text, tables = docx_text(data)
    lines = [x for x in text.split("\n") if x.strip()]
    # 红头: the issuing office's mark, the number to be filled in, then the title and 主送
    assert lines[:2] == ["青海省住房和城乡建设厅文件", "青建〔2021〕　号"]
    assert "".join(lines[2:4]) == "关于2021年6月份全省城镇老旧小区改造工作进展情况的通报"
    assert lines[4] == "各市（州）住房和城乡建设局："
    assert lines[-4:] == ["青海省住房和城乡建设厅", "2021年7月1日", "抄送：青海省人民政府办公厅，各市（州）人民政府。",
                          "青海省住房和城乡建设厅办公室\t2021年7月1日印发"]
    assert bulletin.bulletin_filename(b) == "关于2021年6月份全省城镇老旧小区改造工作进展情况的通报.docx"
    assert "截至2021年6月25日" in text
    for head in ("一、总体进展情况", "二、各地进展情况", "（一）各市（州）进展情况", "（二）各县（市、区）进展情况",
                 "三、通报表扬", "四、进展缓慢的地区", "下一步工作要求"):
        assert head in text, head
    # figures: the same as metrics.summary at the cut-off, written out by hand in the bulletin's units
    # (10,000 or more households in 万 with two decimals; 1亿 or more in 亿元, less in 万元; rates to 0.1%)
    s = metrics.summary(demo_store, 1, as_of=JUNE_CUTOFF)["totals"]
    assert (s["communities"]["started"], s["households"]["started"], s["communities"]["completed"]) == (213, 21_132, 1)
    assert (s["communities"]["start_rate"], s["households"]["start_rate"]) == (0.4356, 0.4103)
    assert (s["investment_wan"]["invested"], s["investment_wan"]["paid"]) == (13_658.0, 9_853.3)
    for needle in ("累计开工改造城镇老旧小区213个、2.11万户", "43.6%和41.0%", "累计完工小区1个",
                   "累计完成投资1.37亿元", "累计资金支付9,853.3万元"):
        assert needle in text, needle
    # tables: 8 prefectures, 45 counties, figures from rankings
    pref, county = tables[0], tables[1]
    assert len(pref.rows) == 1 + 8 and len(county.rows) == 1 + 45
    rk = rankings.ranking(demo_store, 1, as_of=JUNE_CUTOFF, by="county")
    names = [r.cells[2].text for r in county.rows[1:]]
    assert names == list(rk["name"])
    assert [int(r.cells[4].text.replace(",", "")) for r in county.rows[1:]] == [int(v) for v in rk["started"]]
    assert [r.cells[3].text for r in county.rows[1:]] == [f"{int(v):,}" for v in rk["target"]]  # 1,295
    # praised: ahead of pace and in the top 5; named: behind by the stated rule
    bands = rk.set_index("name")
    praised = [r["name"] for _, r in b["praised"].iterrows()]
    assert 0 < len(praised) and all(bands.at[n, "band"] == "ahead" and bands.at[n, "rank"] <= 5 for n in praised)
    assert "予以通报表扬" in text and all(n in text for n in praised)
    behind = [r["name"] for r in b["behind"]]
    assert behind and all(bands.at[n, "band"] == "behind" for n in behind)
    assert all(bands.at[n, "rate"] < bands.at[n, "expected"] * 0.85 for n in behind)
    assert set(behind) == set(rk.loc[rk["band"] == "behind", "name"])
    rec = discipline.county_record(demo_store, 1, JUNE_CUTOFF, weeks=4).set_index("name")
    late = [r["name"] for _, r in b["late_reporting"].iterrows()]
    assert late and all(rec.at[n, "missing"] + rec.at[n, "late"] >= 1 for n in late)
    assert set(late) == set(rec.index[(rec["missing"] + rec["late"]) > 0])
    # official register: no English, no placeholders
    body = "\n".join([text] + [c.text for t in tables for c in t._cells])
    assert not re.search(r"[A-Za-z]", body), re.findall(r".{8}[A-Za-z]+.{8}", body)[:3]
    assert not re.search(r"XX|××|TODO|\{|\}", body)


def test_bulletin_edits_and_charts(fresh_demo_store, backend):
    store = fresh_demo_store
    bulletin.save_text(store, 1, "2021-06", "praise_remark", "望受表扬地区继续保持。", actor=LEADER)
    with pytest.raises(UserError):
        bulletin.save_text(store, 1, "2021-06", "overall", "截至6月底全部开工", actor=LEADER)
    with pytest.raises(UserError):
        bulletin.save_text(store, 1, "2021-06", "intro", "x", actor=auth.Actor(username="d", role="district",
                                                                               scope_adcode="630102"))
    plain = bulletin.bulletin_docx(store, 1, "2021-06", charts=False, viewer=Actor.system())
    text, tables = docx_text(plain)
    assert "望受表扬地区继续保持。" in text and "希望受到表扬的地区再接再厉" not in text
    assert len(Document(io.BytesIO(plain)).inline_shapes) == 0
    bulletin.reset_text(store, 1, "2021-06", "praise_remark", actor=LEADER)
    assert "希望受到表扬的地区再接再厉" in docx_text(bulletin.bulletin_docx(store, 1, "2021-06", charts=False, viewer=Actor.system()))[0]
    with store.session() as s:
        acts = [a.action for a in s.scalars(select(AuditLog).where(AuditLog.entity == "bulletin_draft")).all()]
    assert acts == ["bulletin.edit", "bulletin.reset"]
    if backend == "sqlite":  # the chart renderer (Chromium) once is enough
        with_charts = bulletin.bulletin_docx(store, 1, "2021-06", charts=True, viewer=Actor.system())
        doc = Document(io.BytesIO(with_charts))
        assert len(doc.inline_shapes) == 2
        assert len(doc.tables) == len(tables) and "图1" in "\n".join(p.text for p in doc.paragraphs)


def test_bulletin_month_without_reports(demo_store):
    with pytest.raises(UserError, match="没有进度填报数据"):
        bulletin.monthly_bulletin(demo_store, 1, "2021-02", viewer=Actor.system())
    with pytest.raises(UserError, match="YYYY-MM"):
        bulletin.monthly_bulletin(demo_store, 1, "六月", viewer=Actor.system())


def test_document_number_and_copies_are_editable(fresh_demo_store):
    store = fresh_demo_store
    bulletin.save_text(store, 1, "2021-06", "doc_number", "青建城〔2021〕86号", actor=LEADER)
    bulletin.save_text(store, 1, "2021-06", "cc", "住房和城乡建设部城市建设司，省人民政府办公厅", actor=LEADER)
    text, _ = docx_text(bulletin.bulletin_docx(store, 1, "2021-06", charts=False, viewer=Actor.system()))
    assert "青建城〔2021〕86号" in text and "抄送：住房和城乡建设部城市建设司，省人民政府办公厅。" in text
    once, _ = docx_text(bulletin.bulletin_docx(store, 1, "2021-06", charts=False, viewer=Actor.system(),
                                               overrides={"doc_number": "青建城〔2021〕87号"}))
    assert "青建城〔2021〕87号" in once and "86号" not in once


def test_praise_lists_no_more_than_the_rule_says(demo_store):
    # at the end of November 40 counties stand at 100% (all tied first): "前5位" names five
    rk = rankings.ranking(demo_store, 1, as_of=date(2021, 11, 26), by="county")
    assert ((rk["band"] == "ahead") & (rk["rank"] <= 5)).sum() > 5
    b = bulletin.monthly_bulletin(demo_store, 1, "2021-11", viewer=Actor.system())
    praised = list(b["praised"]["name"])
    assert len(praised) == 5 and all(rk.set_index("name").at[n, "band"] == "ahead" for n in praised)
    done = list(b["praised"]["completion_rate"])
    assert done == sorted(done, reverse=True)  # ties at 100% broken by completion
    para = bulletin.praise_paragraph(b)
    assert para.count("（") == 5 and "前5位" in para


def test_one_early_upload_leaves_the_bulletin_on_the_closed_month(fresh_demo_store):
    from tests.review.early_upload import COUNTIES, upload_week_early

    store = fresh_demo_store
    upload_week_early(store)
    assert bulletin.default_month(store, 1) == "2021-11"
    b = bulletin.monthly_bulletin(store, 1, viewer=Actor.system())
    assert (b["month"], b["cutoff"]) == ("2021-11", date(2021, 11, 26))
    assert b["in_progress"].text() == f"填报进行中：1/{COUNTIES}"
    assert len(b["praised"]) <= b["rule"].top_n
    assert "城东区" not in [r["name"] for _, r in b["late_reporting"].iterrows()]
    with pytest.raises(UserError, match=f"尚未截止.*1/{COUNTIES}.*2021年11月"):
        bulletin.monthly_bulletin(store, 1, "2021-12", viewer=Actor.system())
    info = bulletin.bulletin_json(store, 1, viewer=Actor.system())
    assert info["file_name"] == "关于2021年11月份全省城镇老旧小区改造工作进展情况的通报.docx"
    assert info["in_progress"]["reported"] == 1 and len(info["praised"]) == 5


def test_scope_words_follow_the_programmes_level():
    assert bulletin.scope_word("630000") == "全省" and bulletin.scope_word("632800") == "全州"
    assert bulletin.scope_word("341300") == "全市" and bulletin.scope_word("331121") == "全县"
    assert bulletin.scope_word("371503") == "全区"
    assert bulletin.issuer_default("341300") == "宿州市住房和城乡建设局"


def test_the_charts_keep_their_labels_apart(demo_store):
    b = bulletin.monthly_bulletin(demo_store, 1, "2021-06", viewer=Actor.system())
    figs = dict(bulletin.chart_figures(demo_store, b))
    bars = figs["各市（州）户数开工率与序时进度"]
    # no value label inside the plot, where the pace line runs: each rate sits under its name on the axis
    assert all(getattr(t, "text", None) is None for t in bars.data)
    assert all(f"{v * 100 + 1e-9:.1f}%" in x for x, v in zip(bars.data[0].x, b["prefectures"]["rate"]))
    (pace,) = bars.layout.annotations
    assert pace.xref == "paper" and pace.x >= 1 and pace.xanchor == "left"  # in the right margin
    assert bars.layout.yaxis.range[1] == 100  # no prefecture above 100%: the axis ends there
    weekly = figs["全省累计开工、完工户数与序时进度"]
    assert weekly.layout.legend.y >= 1 and weekly.layout.legend.yanchor == "bottom"
