"""Overview: the programme's headline numbers against target."""

from __future__ import annotations

import streamlit as st

from lib import fmt
from lib.errors import UserError
from lib.i18n import t
from pages import _shared as ui

f = ui.sidebar_filters()
L = f.lang
try:
    s = ui.summary(f.programme, f.region, f.as_of)
except UserError as e:
    ui.show_user_error(e)
    st.stop()

st.title(f"{s['programme_name']} · {s['name']}")
if s["demo"]:
    st.caption("⚠️ " + t("demo.banner", L))
st.caption(("截至 " if L == "zh" else "As of ") + s["as_of"])

m = s["totals"][f.metric]
unit = t(f"unit.{f.metric}", L)
cols = st.columns(4)
cols[0].metric(t("kpi.target", L), fmt.count(m["target"], unit, L), help=fmt.exact(m["target"]))
cols[1].metric(t("kpi.started", L), fmt.count(m["started"], unit, L), help=fmt.exact(m["started"]))
cols[2].metric(t("kpi.start_rate", L), fmt.pct(m["start_rate"]),
               delta=None if m["start_rate"] is None else
               f"{(m['start_rate'] - s['expected_share']) * 100:+.1f} pt",
               help=f"{t('kpi.expected', L)} {fmt.pct(s['expected_share'])}")
cols[3].metric(t("kpi.completed", L), fmt.count(m["completed"], unit, L), help=fmt.exact(m["completed"]))

inv = s["totals"]["investment_wan"]
cols = st.columns(4)
cols[0].metric(t("kpi.registered", L), fmt.count(m["registered"], unit, L))
cols[1].metric(t("kpi.completion_rate", L), fmt.pct(m["completion_rate"]))
cols[2].metric(t("kpi.invested", L), fmt.money_wan(inv["invested"], L), help=fmt.exact(inv["invested"]))
cols[3].metric(t("kpi.paid", L), fmt.money_wan(inv["paid"], L), help=fmt.exact(inv["paid"]))
