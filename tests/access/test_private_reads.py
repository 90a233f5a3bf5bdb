"""Private by default: the anonymous actor sees nothing internal, through every read that takes a viewer.

On both stores, a county clerk with a named account uploads a register file (a remark on a
community) and a week's progress (problems and measures on six communities not yet finished), and a
leader records a follow-up action. Each marker is unique to the run. Every read in lib that takes
`viewer` is then called as `Actor.public()` and as `Actor.system()`, and everything it returns
(data frames, dicts, the bytes of xlsx and docx files, unzipped) is searched: the public sees no
marker and no uploader name; staff see the markers that read is meant to show, so the test can fail.

The list of reads is checked against lib itself: a new function with a `viewer` parameter that is
not called here fails `test_every_read_with_a_viewer_is_tried`.
"""

from __future__ import annotations

from datetime import date

import ast
import html
import io
import uuid
import zipfile
from dataclasses import dataclass
from typing import Any, Callable

import pandas as pd
import pytest

from lib.access import programmes, auth
from lib.access.auth import Actor
from lib.figures import metrics, trends
from lib.present import exports
from lib.review import actions, bulletin, dispatch
from lib.store.models import Project
from lib.uploads import ingest, templates
from lib.workflow import alerts, contacts, deliver, review
from tests.architecture.imports import lib_modules, module_name
from tests.support import CD, WEEK
from tests.support.documents import docx_text
from tests.support.uploads import HEAD, LAST, county_projects, progress_rows, snapshot, xlsx

PASSWORD = "Chengdong-clerk-2021"
LEADER = Actor(username="lead", role="leader", scope_adcode="630000")


@dataclass
class Secrets:
    problem: str
    measure: str
    remark: str
    uploader: str
    action: str
    owner: str
    project_id: int

    def all(self) -> dict[str, str]:
        return {"problem": self.problem, "measure": self.measure, "remark": self.remark,
                "uploader": self.uploader, "action": self.action, "owner": self.owner}


def visible(obj: Any) -> str:
    """Everything a caller could show from a result, as one string."""
    if isinstance(obj, (bytes, bytearray)):
        data = bytes(obj)
        if not data.startswith(b"PK"):
            return data.decode("utf-8", "ignore")
        with zipfile.ZipFile(io.BytesIO(data)) as z:  # every part of an xlsx or docx (XML character references read)
            names = z.namelist()
            raw = html.unescape("\n".join(z.read(n).decode("utf-8", "ignore") for n in names))
        if "word/document.xml" in names:
            text, tables = docx_text(data)  # and the text as Word shows it (runs joined)
            raw += "\n" + text + "\n" + "\n".join(c.text for t in tables for c in t._cells)
        return raw
    if isinstance(obj, pd.DataFrame):
        return obj.to_csv() + " ".join(map(str, obj.columns)) + visible(dict(obj.attrs))
    if isinstance(obj, pd.Series):
        return obj.to_csv() + str(obj.name)
    if isinstance(obj, dict):
        return "\n".join(f"{visible(k)}: {visible(v)}" for k, v in obj.items())
    if isinstance(obj, (list, tuple, set, frozenset)):
        return "\n".join(visible(x) for x in obj)
    return str(obj)


def _register_with_remark(code: str, name: str, households: int, remark: str) -> bytes:
    return xlsx([["项目编号", "小区名称", "所属县区", "改造户数（户）", "备注"],
                 [code, name, "城东区", households, remark]], sheet="台账")


@pytest.fixture
def secrets(fresh_demo_store) -> Secrets:
    """The demo with internal markers written the way staff write them: uploads and an action."""
    store = fresh_demo_store
    tag = uuid.uuid4().hex[:8]
    s = Secrets(problem=f"内部问题{tag}", measure=f"内部措施{tag}", remark=f"内部备注{tag}",
                uploader=f"clerk_{tag}", action=f"内部督办{tag}", owner=f"责任单位{tag}", project_id=0)
    auth.create_user(store, Actor.system(), s.uploader, "district", PASSWORD, scope_adcode=CD,
                     display_name="城东区住建局")
    clerk = auth.authenticate(store, s.uploader, PASSWORD)

    snap = snapshot(store, LAST)
    projects = county_projects(store)
    open_ = [i for i, p in enumerate(projects) if snap[p.code]["stage"] == "开工"][:6]
    first = projects[open_[0]]
    s.project_id = first.id

    reg = ingest.commit(store, _register_with_remark(first.code, first.name, first.households, s.remark),
                        "城东区台账.xlsx", 1, actor=clerk, county=CD, as_of=LAST, kind="register")
    assert reg.status == "committed", [e.message for e in reg.errors]

    # six communities report the same problem and measure: the bulletin names the six most frequent problems
    rows = progress_rows(store)
    assert rows[0] == HEAD
    rows = [rows[0] + ["存在问题", "整改措施"]] + [
        r + ([s.problem, s.measure] if i in open_ else [None, None]) for i, r in enumerate(rows[1:])]
    pv = ingest.commit(store, xlsx(rows), "城东区第49周.xlsx", 1, actor=clerk, county=CD, as_of=WEEK)
    assert pv.status == "committed", [e.message for e in pv.errors]

    actions.add(store, 1, week=WEEK, title=s.action, actor=LEADER, region=CD, owner=s.owner)
    # the county's contact for reminders (lib.workflow.contacts): a person's name and phone, internal
    contacts.add(store, adcode=CD, name=s.owner, phone="13800000000", actor=Actor.system())
    # The December bulletin needs December closed: 城东区 reports the month's last week too, and this
    # programme's weeks close at one reporter (by the default rule they wait for half of the counties).
    end = ingest.commit(store, xlsx(rows), "城东区第52周.xlsx", 1, actor=clerk, county=CD, as_of=date(2021, 12, 31))
    assert end.status == "committed", [e.message for e in end.errors]
    programmes.update(store, Actor.system(), 1, closing="1%")
    return s


# Every read in lib that takes `viewer`: (module.function, call(store, secrets, viewer), what staff see in it).
READS: list[tuple[str, Callable, set[str]]] = [
    ("lib.figures.metrics.register_table",
     lambda st, s, v: metrics.register_table(st, 1, as_of=WEEK, viewer=v), {"problem", "measure", "remark"}),
    ("lib.figures.trends.community_detail",
     lambda st, s, v: trends.community_detail(st, s.project_id, viewer=v),
     {"problem", "measure", "remark", "uploader"}),
    ("lib.uploads.ingest.uploads", lambda st, s, v: ingest.uploads(st, 1, viewer=v), {"uploader"}),
    ("lib.uploads.templates.template",
     lambda st, s, v: [templates.template(st, 1, CD, kind="progress", viewer=v),
                       templates.template(st, 1, CD, kind="register", viewer=v)],
     {"problem", "measure", "remark"}),
    ("lib.review.dispatch.open_problems",
     lambda st, s, v: dispatch.open_problems(st, 1, WEEK, viewer=v), {"problem", "measure"}),
    ("lib.review.dispatch.weekly_dispatch",
     lambda st, s, v: dispatch.weekly_dispatch(st, 1, WEEK, viewer=v), {"problem", "measure", "action", "owner"}),
    ("lib.review.dispatch.weekly_dispatch -> dispatch_xlsx",
     lambda st, s, v: dispatch.dispatch_xlsx(dispatch.weekly_dispatch(st, 1, WEEK, viewer=v)),
     {"problem", "measure", "action", "owner"}),
    ("lib.review.dispatch.weekly_dispatch -> dispatch_docx",
     lambda st, s, v: dispatch.dispatch_docx(dispatch.weekly_dispatch(st, 1, WEEK, viewer=v)),
     {"problem", "measure", "action", "owner"}),
    ("lib.review.bulletin.monthly_bulletin",
     lambda st, s, v: bulletin.monthly_bulletin(st, 1, "2021-12", viewer=v), {"problem", "measure"}),
    ("lib.review.bulletin.bulletin_docx",
     lambda st, s, v: bulletin.bulletin_docx(st, 1, "2021-12", charts=False, viewer=v), {"problem", "measure"}),
    # the CLI's summary of a bulletin: figures and region names only, for staff too
    ("lib.review.bulletin.bulletin_json",
     lambda st, s, v: bulletin.bulletin_json(st, 1, "2021-12", viewer=v), set()),
    # the reporting workflow (issue 16): contacts, subscriptions, deliveries, alert history, submissions
    ("lib.workflow.contacts.list_contacts", lambda st, s, v: contacts.list_contacts(st, viewer=v), {"owner"}),
    ("lib.workflow.deliver.list_subscriptions", lambda st, s, v: deliver.list_subscriptions(st, viewer=v), set()),
    ("lib.workflow.deliver.status", lambda st, s, v: deliver.status(st, viewer=v), set()),
    ("lib.workflow.alerts.history", lambda st, s, v: alerts.history(st, 1, viewer=v), set()),
    ("lib.workflow.review.submissions_list", lambda st, s, v: review.submissions_list(st, 1, viewer=v), set()),
    ("lib.workflow.review.pending_count", lambda st, s, v: review.pending_count(st, 1, viewer=v), set()),
    # given the staff table, the export for the public still leaves the internal columns out
    ("lib.present.exports.register_for_export",
     lambda st, s, v: exports.register_for_export(
         metrics.register_table(st, 1, as_of=WEEK, viewer=Actor.system()), viewer=v),
     {"problem", "measure", "remark"}),
]


@pytest.mark.parametrize("name,read,staff_see", READS, ids=[r[0].split(".")[-1].replace(" -> ", "_") for r in READS])
def test_the_public_sees_no_internal_field(fresh_demo_store, secrets, name, read, staff_see):
    public = visible(read(fresh_demo_store, secrets, Actor.public()))
    leaked = {k: v for k, v in secrets.all().items() if v in public}
    assert leaked == {}, f"{name} shows the public: {leaked}"
    staff = visible(read(fresh_demo_store, secrets, Actor.system()))
    shown = {k for k, v in secrets.all().items() if v in staff}
    assert staff_see <= shown, f"{name} should show staff {sorted(staff_see - shown)} (the markers were not written?)"


def test_the_markers_are_where_staff_look(fresh_demo_store, secrets):
    """The setup itself: the marked community's latest report and register row carry the markers."""
    row = metrics.register_table(fresh_demo_store, 1, as_of=WEEK, region=CD, viewer=Actor.system()) \
        .set_index("id").loc[secrets.project_id]
    assert row["report_date"] == WEEK and row["stage"] == "开工"
    assert row["problems"] == f"{secrets.problem}；整改措施：{secrets.measure}"
    assert row["remarks"] == secrets.remark
    with fresh_demo_store.session() as s:
        assert s.get(Project, secrets.project_id).remarks == secrets.remark


def _reads_with_a_viewer() -> set[str]:
    out = set()
    for path in lib_modules():
        mod = module_name(path)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef):
                a = node.args
                if any(x.arg == "viewer" for x in a.posonlyargs + a.args + a.kwonlyargs):
                    out.add(f"{mod}.{node.name}")
    return out - {"lib.access.auth.sees_internal", "lib.access.auth.sees_internal_in"}  # the question, not a read


def test_every_read_with_a_viewer_is_tried():
    tried = {name.split(" -> ")[0] for name, _, _ in READS}
    assert _reads_with_a_viewer() == tried, f"lib: {sorted(_reads_with_a_viewer())}; tried: {sorted(tried)}"
