"""A district account sees the internal data of its own county only (issue 13, defect 7).

Before: a 城东区 clerk's dispatch pack listed the open problems of 20 communities in a dozen
counties and every county's follow-up actions with who is responsible, and the bulletin counted
every county's problems. Leaders and administrators still see them all.
"""

from __future__ import annotations

from sqlalchemy import update

from lib.access.auth import Actor
from lib.review import actions, bulletin, dispatch
from lib.store.models import ProgressReport, Project
from tests.support import CD, CZ, WEEK

CLERK = Actor(username="cd_clerk", role="district", scope_adcode=CD)
XINING_CLERK = Actor(username="xn_clerk", role="district", scope_adcode="630100")  # a prefecture scope
LEADER = Actor(username="lead", role="leader")


def _plant(store):
    """A problem in every community of 城东区 and 城中区; an action for each county and one for the programme."""
    with store.write() as s:
        for county in (CD, CZ):
            ids = select_ids(s, county)
            s.execute(update(ProgressReport).where(ProgressReport.project_id.in_(ids))
                      .values(problems=f"问题-{county}"))
    for region, who in ((CD, "城东区负责人"), (CZ, "城中区负责人"), (None, "省住建厅负责人")):
        actions.add(store, 1, week=WEEK, title=f"督办-{region}", actor=LEADER, region=region, owner=who)


def select_ids(s, county):
    from sqlalchemy import select

    return s.scalars(select(Project.id).where(Project.programme_id == 1, Project.county_adcode == county)).all()


def _problem_counties(pack) -> set[str]:
    return set(pack["problems"]["problems"])


def test_a_district_account_sees_its_own_countys_internal_data_only(fresh_demo_store):
    store = fresh_demo_store
    _plant(store)
    mine = dispatch.weekly_dispatch(store, 1, WEEK, viewer=CLERK)
    assert _problem_counties(mine) == {f"问题-{CD}"}
    assert set(mine["problems"]["county"]) == {"城东区"}
    assert [a["owner"] for a in mine["actions"]] == ["城东区负责人"]
    b = bulletin.monthly_bulletin(store, 1, "2021-11", viewer=CLERK)
    assert set(b["problems"].index) <= {f"问题-{CD}"}

    # a prefecture's clerk: every county of the prefecture, nothing of the province's own actions
    pref = dispatch.weekly_dispatch(store, 1, WEEK, viewer=XINING_CLERK)
    assert {f"问题-{CD}", f"问题-{CZ}"} <= _problem_counties(pref)
    assert sorted(a["owner"] for a in pref["actions"]) == ["城东区负责人", "城中区负责人"]

    # leaders see every county's, as before
    lead = dispatch.weekly_dispatch(store, 1, WEEK, viewer=LEADER)
    assert {f"问题-{CD}", f"问题-{CZ}"} <= _problem_counties(lead)
    assert len(lead["actions"]) == 3
    assert {f"问题-{CD}", f"问题-{CZ}"} <= set(bulletin.monthly_bulletin(store, 1, "2021-11", viewer=LEADER)
                                             ["problems"].index)


def test_a_district_account_without_a_scope_sees_no_internal_row(fresh_demo_store):
    store = fresh_demo_store
    _plant(store)
    pack = dispatch.weekly_dispatch(store, 1, WEEK, viewer=Actor(username="x", role="district"))
    assert pack["problems"].empty and pack["actions"] == []


def test_upload_history_names_uploaders_of_the_own_county_only(fresh_demo_store):
    from lib.uploads import ingest
    from tests.support.uploads import register_sheet

    store = fresh_demo_store
    for county, name in ((CD, "甲小区"), (CZ, "乙小区")):
        pv = ingest.commit(store, register_sheet(name, county={CD: "城东区", CZ: "城中区"}[county]), "r.xlsx", 1,
                           actor=Actor(username=f"clerk_{county}", role="district", scope_adcode=county),
                           county=county, as_of="2021-06-01", kind="register")
        assert pv.status == "committed", [e.message for e in pv.errors]
    named = {u["county"]: u["uploaded_by"] for u in ingest.uploads(store, 1, viewer=CLERK) if u["county"] in (CD, CZ)}
    assert named == {CD: f"clerk_{CD}", CZ: None}
    named = {u["county"]: u["uploaded_by"] for u in ingest.uploads(store, 1, viewer=LEADER) if u["county"] in (CD, CZ)}
    assert named == {CD: f"clerk_{CD}", CZ: f"clerk_{CZ}"}
    assert all(u["uploaded_by"] is None for u in ingest.uploads(store, 1, viewer=Actor.public()))


def test_the_register_and_a_community_show_a_clerk_only_their_own_countys_problems(fresh_demo_store):
    """The register and the community screen: 城东区's clerk reads 城东区's problems, not 城中区's; a leader
    reads both (before: the clerk read every county's)."""
    from lib.figures import metrics, trends
    store = fresh_demo_store
    _plant(store)
    reg = metrics.register_table(store, 1, as_of=WEEK, viewer=CLERK)
    mine, theirs = reg[reg["county_adcode"] == CD], reg[reg["county_adcode"] == CZ]
    assert set(mine["problems"]) == {f"问题-{CD}"}
    assert theirs["problems"].isna().all() and theirs["remarks"].isna().all()
    reg = metrics.register_table(store, 1, as_of=WEEK, viewer=LEADER)
    assert set(reg[reg["county_adcode"] == CZ]["problems"]) == {f"问题-{CZ}"}
    with store.session() as s:
        cd_id, cz_id = select_ids(s, CD)[0], select_ids(s, CZ)[0]
    assert "problems" in trends.community_detail(store, cd_id, viewer=CLERK)["history"].columns
    other = trends.community_detail(store, cz_id, viewer=CLERK)
    assert "problems" not in other["history"].columns and "remarks" not in other["record"]
    assert "problems" in trends.community_detail(store, cz_id, viewer=LEADER)["history"].columns
