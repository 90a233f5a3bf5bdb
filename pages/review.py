"""Review (填报审核): the submissions awaiting this reviewer, approve or return (退回) with a reason,
reopen an approved county-week, every submission's history, and reporting and review per county
and per reviewer. Staff only; the acts are lib.workflow.review's (which refuses what the account may not)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.domain import clock
from lib.domain import regions
from lib.domain.errors import UserError
from lib.present.i18n import plain, t
from lib.workflow import review
from pages._ui import widgets
from pages._ui.filters import sidebar_filters
from pages._ui.store import programmes
from pages._ui.store import store as open_store

f = sidebar_filters()
L = f.lang
store = open_store()
actor = f.viewer
st.title(t("rv.title", L))
if f.public or not actor.is_staff:
    st.info(t("upload.need_login", L))
    st.stop()

prog = next(p for p in programmes() if p["id"] == f.programme)
chain = prog.get("review", "none")


def level(x) -> str:
    return t(f"rv.level.{x}", L) if x else ""


def when(x) -> str:
    return f"{clock.to_beijing(x):%Y-%m-%d %H:%M}" if x is not None else ""


def place(code) -> str:
    return regions.get(code).name if code and regions.exists(code) else (code or "—")


if chain == "none":
    st.info(t("rv.chain_none", L))
else:
    st.markdown(t("rv.chain", L, chain=t("rv.chain_sep", L).join(level(x) for x in chain.split(","))))

try:
    rows = review.submissions_list(store, f.programme, viewer=actor, region=f.region)
except UserError as e:
    widgets.show_user_error(e)
    st.stop()
pending = [r for r in rows if r["status"] == "submitted"]
if pending:
    st.warning(t("upload.pending_banner", L, n=len(pending)))

SUB_COLS = {"upload_id": "rv.col.upload_id", "county_name": "rv.col.county_name", "as_of": "rv.col.as_of",
            "uploaded_by": "rv.col.uploaded_by", "uploaded_at": "rv.col.uploaded_at", "status": "rv.col.status",
            "review_step": "rv.col.review_step", "changes": "rv.col.changes", "return_reason": "rv.col.return_reason"}


def frame(items: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(items)
    df = df.assign(county_name=[place(c) for c in df["county"]], uploaded_at=[when(x) for x in df["uploaded_at"]],
                   status=[t(f"upload.status.{'committed' if s == 'approved' else s}", L) for s in df["status"]],
                   review_step=[level(x) for x in df["review_step"]],
                   return_reason=[plain(x) if x else "" for x in df["return_reason"]])
    return widgets.labelled(df, SUB_COLS, L)


st.subheader(t("rv.pending", L))
if not pending:
    st.caption(t("rv.none_pending", L))
else:
    st.dataframe(frame(pending), hide_index=True, width="stretch", key="review_pending")
    mine = [r for r in pending if r["may_act"]]
    if not mine:
        st.caption(t("rv.none_mine", L))
    else:
        labels = {r["upload_id"]: t("rv.pick_label", L, id=r["upload_id"], county=place(r["county"]), day=r["as_of"],
                                    who=r["uploaded_by"] or "—") for r in mine}
        pick = st.selectbox(t("rv.pick", L), list(labels), format_func=labels.get, key="review_pick")
        c1, c2 = st.columns([1, 2])
        if c1.button(t("rv.approve", L), type="primary", key="review_approve"):
            try:
                out = review.approve(store, pick, actor=actor)
                st.cache_data.clear()
                st.success(t("rv.approved_next", L, id=out["upload_id"], level=level(out["level"]),
                             next=level(out["next"])) if out["next"]
                           else t("rv.approved", L, id=out["upload_id"], n=out["rows_counted"]))
            except UserError as e:
                widgets.show_user_error(e)
        reason = c2.text_input(t("rv.reason", L), key="review_reason", max_chars=review.REASON_MAX)
        if c2.button(t("rv.return", L), key="review_return"):
            try:
                out = review.return_(store, pick, reason, actor=actor)
                st.cache_data.clear()
                st.success(t("rv.returned", L, id=out["upload_id"]))
            except UserError as e:
                widgets.show_user_error(e)

st.subheader(t("rv.locks", L))
held = [lk for lk in review.locks(store, f.programme)
        if f.region is None or regions.contains(f.region, lk["county"])]
if not held:
    st.caption(t("rv.no_locks", L))
else:
    st.dataframe(widgets.labelled(pd.DataFrame(held).assign(
        county=[place(x["county"]) for x in held], locked_at=[when(x["locked_at"]) for x in held]),
        {"county": "rv.col.county", "week": "rv.col.week", "upload_id": "rv.col.upload_id",
         "locked_by": "rv.col.locked_by", "locked_at": "rv.col.locked_at"}, L), hide_index=True, width="stretch")
    keys = {f"{x['county']}@{x['week']}": x for x in held}
    with st.expander(t("rv.reopen", L)):
        which = st.selectbox(t("rv.reopen_pick", L), list(keys), key="review_reopen_pick",
                             format_func=lambda k: f"{place(keys[k]['county'])} · {keys[k]['week']}")
        why = st.text_input(t("rv.reopen_reason", L), key="review_reopen_reason", max_chars=review.REASON_MAX)
        if st.button(t("rv.reopen", L), key="review_reopen"):
            try:
                out = review.reopen(store, f.programme, keys[which]["county"], keys[which]["week"], why, actor=actor)
                st.cache_data.clear()
                st.success(t("rv.reopened", L, county=place(out["county"]), day=out["week"]))
            except UserError as e:
                widgets.show_user_error(e)

st.subheader(t("rv.all", L))
if rows:
    st.dataframe(frame(rows), hide_index=True, width="stretch", key="review_all")
    hid = st.selectbox(t("upload.review_history_pick", L), [r["upload_id"] for r in rows], key="review_hist")
    events = next(r for r in rows if r["upload_id"] == hid)["history"]
    st.dataframe(pd.DataFrame([{t("rv.ev.at", L): when(e["at"]), t("rv.ev.action", L): t(f"rv.action.{e['action']}", L),
                                t("rv.ev.level", L): level(e["level"]), t("rv.ev.actor", L): e["actor"],
                                t("rv.ev.reason", L): plain(e["reason"] or "")} for e in events]),
                 hide_index=True, width="stretch", key="review_events")
else:
    st.caption(t("rv.none_pending", L))

st.subheader(t("rv.figures", L))
st.caption(t("rv.figures_help", L))
until = f.as_of or clock.today().isoformat()
fig = review.figures(store, f.programme, until, region=f.region)
tot = fig["totals"]
st.markdown(t("rv.totals", L, submitted=tot["submitted"], approved=tot["approved"], returned=tot["returned"],
              pending=tot["pending"], hours="—" if tot["mean_hours"] is None else tot["mean_hours"]))
by_county = fig["by_county"].assign(name=lambda d: [place(a) for a in d["adcode"]])
widgets.table(widgets.labelled(by_county, {c: f"rv.col.{c}" for c in (
    "name", "weeks", "on_time", "late", "missing", "submitted", "approved", "returned", "pending", "mean_hours")}, L),
    key="review_by_county", narrow=[t("rv.col.name", L), t("rv.col.pending", L)], hide_index=True, width="stretch")
if fig["by_reviewer"]:
    st.markdown(f"**{t('rv.by_reviewer', L)}**")
    st.dataframe(widgets.labelled(pd.DataFrame(fig["by_reviewer"]).assign(
        level=lambda d: [level(x) for x in d["level"]]),
        {c: f"rv.col.{c}" for c in ("reviewer", "level", "approved", "returned", "mean_hours")}, L),
        hide_index=True, width="stretch")
