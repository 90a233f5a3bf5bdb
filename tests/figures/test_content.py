"""lib.figures.content: renovation items, funding sources and the central subsidy check."""

from __future__ import annotations

import pytest

from lib.figures import content
from lib.store.engine import audit
from lib.store.models import Project


def test_content_funding_and_subsidy(demo_store):
    items = content.content_table(demo_store, 1, as_of="2021-11-26")
    assert {"basic", "improvement", "enhancement"} == set(items["category"])
    lift = items.set_index("code").loc["lift"]
    lifts = content.lifts(demo_store, 1, as_of="2021-11-26")
    assert lift["communities"] == lifts["communities"] and lifts["planned"] >= lifts["added"] > 0
    assert (items["started"] <= items["communities"]).all() and (items["completed"] <= items["started"]).all()
    funds = content.funding_table(demo_store, 1)
    assert len(funds) == 9 and funds["share"].sum() == pytest.approx(1, abs=1e-3)
    assert funds.attrs["funding_total_wan"] == pytest.approx(funds.attrs["planned_investment_wan"], abs=1)
    check = content.subsidy_check(demo_store, 1)
    assert check["applies"] and check["ok"] and check["short"].empty
    assert check["required_wan"] == pytest.approx(51_500 * 1.5 + lifts["planned"] * 15)
    assert not content.subsidy_check(demo_store, 2)["applies"]  # Qingtian is in Zhejiang


def test_subsidy_check_names_a_community_below_the_standard(fresh_demo_store):
    with fresh_demo_store.write() as s:
        p = s.query(Project).filter(Project.code == "QH2021-630102-001").one()
        p.fund_central = 0.0
        audit(s, "test", "project.update", "project", p.id, programme_id=1, detail="subsidy test")
    check = content.subsidy_check(fresh_demo_store, 1)
    assert not check["ok"] and list(check["short"]["code"]) == ["QH2021-630102-001"]
    assert check["short"]["shortfall_wan"].iloc[0] > 0
