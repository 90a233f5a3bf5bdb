"""lib.review.actions: follow-up actions stay open until closed, and only leaders record them."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lib.access import auth
from lib.domain.errors import UserError
from lib.review import actions
from lib.store.models import AuditLog

LEADER = auth.Actor(username="zhang_leader", role="leader", scope_adcode="630000", display_name="张组长")
W24 = date(2021, 6, 18)
JUNE_CUTOFF = date(2021, 6, 25)


def test_actions_stay_open_until_closed(fresh_demo_store):
    store = fresh_demo_store
    a = actions.add(store, 1, week=date(2021, 6, 11), title="督促甘德县落实地方配套资金", actor=LEADER,
                    region="632623", owner="果洛州住建局", deadline=date(2021, 6, 30))
    assert [x["id"] for x in actions.list_open(store, 1, date(2021, 6, 4))] == []
    assert [x["id"] for x in actions.list_open(store, 1, W24)] == [a["id"]]
    assert actions.list_open(store, 1, date(2021, 7, 2))[0]["status"] == "overdue"
    actions.close(store, a["id"], actor=LEADER, note="资金已到位", closed_on=date(2021, 6, 25))
    assert [x["id"] for x in actions.list_open(store, 1, W24)] == [a["id"]]  # the W24 pack still shows it
    assert actions.list_open(store, 1, date(2021, 7, 2)) == []
    assert [x["id"] for x in actions.closed_in_week(store, 1, JUNE_CUTOFF)] == [a["id"]]
    with pytest.raises(UserError):
        actions.close(store, a["id"], actor=LEADER)
    with pytest.raises(UserError):
        actions.add(store, 1, week=W24, title="  ", actor=LEADER)
    with pytest.raises(UserError):  # districts may not record actions
        actions.add(store, 1, week=W24, title="x", actor=auth.Actor(username="d", role="district",
                                                                     scope_adcode="630102"))
    with store.session() as s:
        log = s.scalars(select(AuditLog).where(AuditLog.entity == "follow_up_action")).all()
    assert {(r.action, r.actor) for r in log} == {("action.add", "zhang_leader"), ("action.close", "zhang_leader")}
