"""Every screen in both languages: no text of the other language outside data.

Each screen is rendered by AppTest through app.py (a fresh AppTest per screen, an administrator
signed in on a private copy of the demo, so that every staff-only part is drawn) and every
visible text is collected: titles, headers, markdown, captions, alerts, metric labels, values,
deltas and help, widget labels, options, placeholders and help, tabs, expanders, page links,
progress texts, table headers and text cells, and the texts plotly charts and the map draw.

* English: no CJK character, once the data is taken out (place names from lib.domain.regions,
  the store's programmes, communities, streets, addresses, people and the words they wrote).
* Chinese: no English word, once the data is taken out, except units, file types and codes.

A document shown as it will be issued (the monthly bulletin's preview, a Chinese official
document by nature) sits in a container keyed "document" and counts as data.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from lib.access import auth
from lib.domain import regions
from lib.store.engine import forget_stores, open_store
from lib.store.models import (AuditLog, BulletinDraft, FollowUpAction, Programme, ProgressReport, Project, Target,
                              Upload)
from lib.store.models import User as UserRow

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
SCREENS = ("overview", "map", "rankings", "progress", "content", "register", "community", "upload", "dispatch",
           "bulletin", "admin", "login", "review")

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
# Chinese mode: Latin letters that are not English prose (units, file types, codes, the language switch).
ALLOWED_LATIN = {"m", "km", "xlsx", "xlsm", "xls", "csv", "png", "excel", "word", "pdf", "wps", "docx", "id",
                 "utc", "english", "w", "k", "oidc", "url"}
# A code: an ISO week, an identifier with an underscore or a dot, a config variable, a path or an address.
CODE = re.compile(r"\d{4}-W\d{1,2}|[A-Za-z0-9]+(?:[._/@:-][A-Za-z0-9]+)+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+"
                  r"|python -m lib\.cli \w+")
FIELD_CODE = re.compile(r"(?<![\w.])[a-z]+(?:_[a-z0-9]+)+(?![\w.])")  # progress_pct: a column's code, not a word
DOCUMENT = re.compile(r"-document(_\w+)?$")  # st.container(key="document..."): an official document's preview
HTML = re.compile(r"<[^>]+>|&nbsp;|:material/[a-z_]+:")


# --- the data a screen may show in either language --------------------------------------------------

def data_strings(store) -> list[str]:
    """What the store and the region table hold, shown as it was written: place names, programmes and their
    source documents, communities, streets, addresses, what people wrote (problems, remarks, notes, follow-up
    actions, bulletin drafts), file names, user names, and the audit log's records."""
    out: set[str] = set()
    for r in regions.all_regions().values():
        out.update({r.name, regions.short_name(r.name, r.adcode)})
    with store.session() as s:
        for row in s.execute(select(Programme.name, Programme.code, Programme.source_doc)):
            out.update(row)
        for row in s.execute(select(Project.code, Project.name, Project.street, Project.community, Project.address,
                                    Project.implementing_body, Project.remarks)):
            out.update(row)
        out.update(s.scalars(select(ProgressReport.problems).distinct()))
        out.update(s.scalars(select(ProgressReport.reported_by).distinct()))
        for row in s.execute(select(Upload.filename, Upload.uploaded_by)):
            out.update(row)
        for row in s.execute(select(UserRow.username, UserRow.display_name)):
            out.update(row)
        for row in s.execute(select(Target.note, Target.updated_by)):
            out.update(row)
        for row in s.execute(select(AuditLog.actor, AuditLog.action, AuditLog.entity, AuditLog.detail)):
            out.update(row)
        for row in s.execute(select(AuditLog.before, AuditLog.after)):  # shown as JSON, at most 500 characters
            shown = [json.dumps(v, ensure_ascii=False, default=str) for v in row if v is not None]
            out.update(shown + [x[:500] for x in shown])
        out.update(s.scalars(select(BulletinDraft.text)))
        for row in s.execute(select(FollowUpAction.title, FollowUpAction.owner, FollowUpAction.note,
                                    FollowUpAction.created_by)):
            out.update(row)
    return sorted((x for x in out if isinstance(x, str) and x.strip()), key=len, reverse=True)


def without_data(text: str, data: list[str]) -> str:
    for d in data:
        if d in text:
            text = text.replace(d, " ")
    return text


# --- what a screen shows ------------------------------------------------------------------------------

def _walk(node, in_document: bool = False):
    proto = getattr(node, "proto", None)
    block_id = getattr(proto, "id", "") if type(proto).__name__ == "Block" else ""
    in_document = in_document or bool(DOCUMENT.search(block_id))
    yield node, in_document
    for child in getattr(node, "children", {}).values():
        yield from _walk(child, in_document)


def _chart_texts(spec: str) -> list[str]:
    fig = json.loads(spec)
    out = []
    layout = fig.get("layout", {})
    for trace in fig.get("data", []):
        out.append(str(trace.get("name") or ""))
        text = trace.get("text")
        out.extend(str(x) for x in (text if isinstance(text, list) else [text] if text else []))
        if trace.get("orientation") == "h":  # category labels on the y axis
            out.extend(str(y) for y in trace.get("y") or [] if isinstance(y, str))
    for key, value in layout.items():
        if key.startswith(("xaxis", "yaxis")) and isinstance(value, dict):
            title = value.get("title")
            out.append(str(title.get("text") or "") if isinstance(title, dict) else str(title or ""))
    title = layout.get("title")
    if isinstance(title, dict):
        out.append(str(title.get("text") or ""))
    out.extend(str(a.get("text") or "") for a in layout.get("annotations", []))
    return out


def _deck_texts(spec: str) -> list[str]:
    deck = json.loads(spec)
    out = []
    for layer in deck.get("layers", []):
        data = layer.get("data")
        rows = data.get("features", []) if isinstance(data, dict) else data if isinstance(data, list) else []
        for row in rows:
            props = row.get("properties", row) if isinstance(row, dict) else {}
            out.extend(str(props.get(k) or "") for k in ("line1", "line2"))
    return out


def visible_texts(at: AppTest) -> list[str]:
    """Every text the screen shows (document containers left out)."""
    out: list[str] = []
    for root in (at.main, at.sidebar):
        for node, in_document in _walk(root):
            if in_document:
                continue
            ty = getattr(node, "type", "")
            proto = getattr(node, "proto", None)
            if ty in ("tab", "expander") or (ty == "expandable"):
                out.append(node.label)
                continue
            if proto is None or not hasattr(node, "root") or getattr(node, "children", None):
                continue
            if ty in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info", "success",
                      "exception", "text", "latex"):
                out.append(str(node.value))
            elif ty == "metric":
                out.extend([proto.label, proto.body, proto.delta, proto.help])
            elif ty == "dataframe":
                df = node.value
                out.extend(str(c) for c in df.columns)
                for col in df.columns:
                    values = df[col]
                    if not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_datetime64_any_dtype(values):
                        out.extend(str(v) for v in values.dropna().unique())
            elif ty == "plotly_chart":
                out.extend(_chart_texts(proto.spec))
            elif ty == "deck_gl_json_chart":
                out.extend(_deck_texts(proto.json))
            elif ty == "progress":
                out.append(proto.text)
            elif ty == "page_link":
                out.append(proto.label)
            else:
                for attr in ("label", "help", "placeholder"):
                    if hasattr(proto, attr) and isinstance(getattr(proto, attr), str):
                        out.append(getattr(proto, attr))
                out.extend(str(o) for o in getattr(node, "options", None) or [])
    return [HTML.sub(" ", x) for x in out if x]


def cjk_outside_data(texts: list[str], data: list[str]) -> list[str]:
    """English mode: texts with a CJK character or a field code (progress_pct) outside data."""
    bad = []
    for t in texts:
        rest = without_data(t, data).replace("中文", "")  # the language switch names Chinese in Chinese
        if CJK.search(rest) or FIELD_CODE.search(HTML.sub(" ", rest)):
            bad.append(t)
    return bad


def english_outside_data(texts: list[str], data: list[str]) -> list[str]:
    bad = []
    for t in texts:
        t = re.sub(r"\\(.)", r"\1", t)  # data escaped for markdown (i18n.plain) reads as written
        rest = CODE.sub(" ", without_data(t, data))
        words = [w for w in WORD.findall(rest) if w.lower() not in ALLOWED_LATIN]
        if words:
            bad.append(f"{t!r} -> {words}")
    return bad


# --- the screens ------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_copy(_demo_templates, tmp_path_factory):
    """A private copy of the demo with an administrator and one follow-up action."""
    import shutil

    from lib.review import actions
    from datetime import date

    path = tmp_path_factory.mktemp("languages") / "demo.db"
    shutil.copyfile(_demo_templates("sqlite"), path)
    url = f"sqlite:///{path}"
    store = open_store(url, read_only=False)
    auth.create_user(store, auth.Actor.system(), "boss", "admin", "long enough pw", display_name="Boss")
    actions.add(store, 1, week=date(2021, 6, 18), title="督促海晏县加快开工", actor=auth.Actor.system(),
                region="632223", owner="海北州住建局", deadline=date(2021, 6, 25))
    yield url, store
    forget_stores()


def render(url: str, store, screen: str, lang: str, monkeypatch, *, signed_in: bool = True) -> AppTest:
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("DASHBOARD_PUBLIC", "0")
    monkeypatch.setenv("DASHBOARD_LANG", "zh")
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["lang"] = lang
    if signed_in:
        at.session_state["_auth_actor"] = auth.load_actor(store, "boss", via="password")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    if screen == "community":
        with store.session() as s:
            cid = s.scalar(select(Project.id).where(Project.programme_id == 1).order_by(Project.id))
        at.query_params["c"] = str(cid)
    if screen != "overview":
        at.switch_page(f"pages/{screen}.py").run()
    assert not at.exception, (screen, [e.value for e in at.exception])
    return at


@pytest.mark.parametrize("screen", SCREENS)
def test_english_screens_show_no_chinese_outside_data(demo_copy, screen, monkeypatch):
    url, store = demo_copy
    at = render(url, store, screen, "en", monkeypatch)
    texts = visible_texts(at)
    assert len(texts) > 5
    assert cjk_outside_data(texts, data_strings(store)) == []


@pytest.mark.parametrize("screen", SCREENS)
def test_chinese_screens_show_no_english_outside_data(demo_copy, screen, monkeypatch):
    url, store = demo_copy
    at = render(url, store, screen, "zh", monkeypatch)
    texts = visible_texts(at)
    assert len(texts) > 5
    assert english_outside_data(texts, data_strings(store)) == []


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_sign_in_form_in_both_languages(demo_copy, lang, monkeypatch):
    url, store = demo_copy
    at = render(url, store, "login", lang, monkeypatch, signed_in=False)
    texts = visible_texts(at)
    assert at.text_input  # the form, not the account page
    data = data_strings(store)
    assert (cjk_outside_data(texts, data) if lang == "en" else english_outside_data(texts, data)) == []


def test_the_checks_catch_the_other_language():
    """The checks themselves: a stray word of the other language is found, data is not."""
    data = ["海东市", "Boss"]
    assert cjk_outside_data(["Started in 海东市", "Target 年度目标", "progress_pct", "Progress (%)"], data) == \
        ["Target 年度目标", "progress_pct"]
    assert english_outside_data(["海东市 已开工 5.2万户", "开工率 +3.2 pt vs 序时进度"], data) == \
        ["'开工率 +3.2 pt vs 序时进度' -> ['pt', 'vs']"]
    assert english_outside_data(["下载 Excel", "2021-W24 周调度", "Boss（管理员）", "BASEMAP_STYLE_URL"], data) == []


# --- the one mechanism: a Text(zh, en) pair picked by language ----------------------------------------

def test_one_pair_picked_by_language_everywhere():
    from lib.access.auth import Actor
    from lib.domain import vocabulary
    from lib.domain.errors import UserError
    from lib.domain.text import Text
    from lib.office import fmt
    from lib.present.i18n import stage_name, t, week_label

    pair = Text("年度目标", "Target")
    assert (pair.pick("zh"), pair.pick("en"), pair.pick("fr")) == ("年度目标", "Target", "年度目标")
    assert Text("周调度-{week}.xlsx").pick("en") == "周调度-{week}.xlsx"  # no English: said the Chinese way
    assert Text("个", "").pick("en") == ""  # an empty English text is a text, not a missing one
    zh, en = Text("户", "households")  # still a (zh, en) tuple
    assert (zh, en) == ("户", "households")
    # interface texts, vocabulary, refusals, roles and numbers all answer the same way
    assert (t("kpi.target", "zh"), t("kpi.target", "en")) == ("年度目标", "Target")
    assert t("overview.vs_pace", "zh", points=-2.24) == "-2.2 个百分点（较序时进度）"
    assert t(vocabulary.STAGE_BY_CODE["started"], "en") == "Started" and stage_name("开工", "en") == "Started"
    assert (week_label("2021-06-18", "zh"), week_label("2021-06-18", "en")) == ("2021-06-18（第24周）",
                                                                                "2021-06-18 (W24)")
    refusal = UserError("找不到该小区。", "No such community.")
    assert (refusal.message("zh"), refusal.message("en"), str(refusal)) == ("找不到该小区。", "No such community.",
                                                                           "找不到该小区。")
    assert UserError("只有中文。").message("en") == "只有中文。"
    clerk = Actor("zhang", "district", "630102")
    assert clerk.describe("zh") == "zhang（县区填报员，青海省西宁市城东区（630102））"
    assert clerk.describe("en") == "zhang (district staff, 630102)"
    assert (fmt.count(51500, "户", "zh"), fmt.count(51500, "", "en")) == ("5.15万户", "51,500")
    assert (fmt.money_wan(128_000, "zh"), fmt.money_wan(128_000, "en")) == ("12.8亿元", "¥1,280 m")
    assert (fmt.area_wan_m2(1.5, "zh"), fmt.area_wan_m2(1.5, "en")) == ("1.5万m²", "15,000 m²")


def test_column_headers_in_english_are_words():
    from lib.present.i18n import t

    headers = [t(f"field.{k}", "en") for k in ("progress_pct", "year_built", "invested_wan", "lifts_added", "pilot")]
    assert headers == ["Progress (%)", "Year built", "Invested (10k yuan)", "Lifts added", "Pilot"]
