"""The as-of rule: its column list is the one the county rollup table stores (the table is its cache);
the week that has closed, and what one early upload does (nothing to anybody's default week)."""

from __future__ import annotations

from datetime import date

import pytest

from lib.domain.errors import UserError
from lib.figures import asof, metrics
from lib.store.models import CountyRollup
from tests.review.early_upload import CLOSED, COUNTIES, EARLY, upload_week_early


def test_rollup_table_holds_exactly_the_as_of_sums():
    stored = {c.name for c in CountyRollup.__table__.columns} - {"programme_id", "report_date", "county_adcode",
                                                                   "n_reports"}
    assert stored == set(asof.SUM_COLUMNS)


def test_sums_split_into_counts_and_amounts():
    assert set(asof.INT_SUMS) | set(asof.FLOAT_SUMS) == set(asof.SUM_COLUMNS)
    assert "reported" in asof.INT_SUMS and "invested_wan" in asof.FLOAT_SUMS
    assert "reg_floor_area_wan_m2" in asof.FLOAT_SUMS and not set(asof.INT_SUMS) & set(asof.FLOAT_SUMS)


# --- the week that has closed --------------------------------------------------------------

def test_one_early_upload_moves_nobodys_default_week(fresh_demo_store):
    store = fresh_demo_store
    assert asof.default_as_of(store, 1) == CLOSED and asof.in_progress(store, 1) is None
    upload_week_early(store)
    assert metrics.report_dates(store, 1)[-1] == EARLY  # the week exists, one click away
    assert asof.closed_week(store, 1) == CLOSED and asof.default_as_of(store, 1) == CLOSED
    assert asof.default_month(store, 1) == "2021-11"
    pending = asof.in_progress(store, 1)
    assert (pending.week, pending.reported, pending.expected, pending.closed) == (EARLY, 1, COUNTIES, False)
    assert pending.text("zh") == f"填报进行中：1/{COUNTIES}" and pending.text("en") == f"Reporting in progress: 1/{COUNTIES}"
    assert [w.week for w in asof.open_weeks(store, 1)] == [EARLY]
    assert asof.is_closed(store, 1, CLOSED) and not asof.is_closed(store, 1, EARLY)
    # every earlier week reported by more than half the counties: all history
    weeks = asof.reporting_by_week(store, metrics.get_programme(store, 1))
    assert all(w.closed and w.reported > COUNTIES / 2 for w in weeks if w.week <= CLOSED)
    assert asof.week_reporting(store, 1, EARLY).as_dict()["text"] == f"填报进行中：1/{COUNTIES}"


def test_closing_rule_by_time_closes_a_week_whose_deadline_passed(fresh_demo_store):
    store = fresh_demo_store
    upload_week_early(store)
    prog = metrics.get_programme(store, 1)
    by_time = asof.reporting_by_week(store, prog, asof.ClosingRule(min_share=0.5, hours_after_deadline=72))
    assert by_time[-1].week == EARLY and by_time[-1].closed  # its deadline (2021) passed long ago
    strict = asof.reporting_by_week(store, prog, asof.ClosingRule(min_share=1.0))
    assert not any(w.meets_rule for w in strict if w.reported < w.expected)
    assert all(w.closed for w in strict if w.week <= max(x.week for x in strict if x.meets_rule))


def test_a_programme_without_reports_opens_on_its_years(demo_store):
    prog = metrics.get_programme(demo_store, 2)  # Qingtian: a real register, no progress
    assert asof.reporting_by_week(demo_store, prog) == [] and asof.in_progress(demo_store, prog) is None
    assert asof.default_as_of(demo_store, prog) <= date(prog.year_end, 12, 31)
    assert asof.default_month(demo_store, prog) is None


@pytest.mark.parametrize("given, share, hours", [("50%", 0.5, None), ("0.6", 0.6, None), ("75", 0.75, None),
                                                 ("50%,72h", 0.5, 72.0), ({"min_share": 0.4}, 0.4, None),
                                                 ("80% 48小时", 0.8, 48.0)])
def test_closing_rule_as_an_office_writes_it(given, share, hours):
    assert asof.parse_closing(given) == {"min_share": share, "hours_after_deadline": hours}


@pytest.mark.parametrize("given", ["half", "0%", "150%", "50%,99999h", {"share": 0.5}, ""])
def test_closing_rule_refused_with_a_sentence(given):
    with pytest.raises(UserError) as e:
        asof.parse_closing(given)
    assert "填报截止规则" in e.value.args[0]


def test_summary_without_as_of_stays_on_the_closed_week(fresh_demo_store):
    upload_week_early(fresh_demo_store)
    assert metrics.summary(fresh_demo_store, 1)["as_of"] == CLOSED.isoformat()
