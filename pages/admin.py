"""Administration: accounts, targets, programmes, and the audit log (read-only)."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import streamlit as st

from lib.access import admin
from lib.access import auth
from lib.domain import clock
from lib.domain import vocabulary
from lib.domain.errors import UserError
from lib.figures import discipline
from lib.figures import metrics
from lib.present.i18n import t
from pages._ui.filters import sidebar_filters
from pages._ui.store import programmes
from pages._ui.store import store as open_store

f = sidebar_filters()
L = f.lang
st.title(t("admin.title", L))
actor = f.viewer
if not auth.can(actor, "audit"):
    st.error(t("admin.denied", L))
    st.stop()
store = open_store()


def _table(df: pd.DataFrame) -> None:
    """A table with its headers in the interface language (`admin.col.<column>`)."""
    st.dataframe(df.rename(columns=lambda c: t(f"admin.col.{c}", L)), hide_index=True, width="stretch")


def _yes_no(v) -> str:
    return t("yes" if v else "no", L)


def _metric(key: str) -> str:
    return t(vocabulary.METRIC_BY_KEY[key], L) if key in vocabulary.METRIC_BY_KEY else key


def _run(fn, *args, **kwargs):
    """Call a lib write; show its sentence on refusal. Returns the result or None."""
    try:
        out = fn(*args, **kwargs)
    except UserError as e:
        st.error(e.message(L))
        return None
    st.success(t("admin.done", L))
    return out


tab_users, tab_targets, tab_programmes, tab_audit = st.tabs(
    [t("admin.tab.users", L), t("admin.tab.targets", L), t("admin.tab.programmes", L), t("admin.tab.audit", L)])

# --- users ---------------------------------------------------------------------------------------
with tab_users:
    users = auth.list_users(store, actor)
    people = pd.DataFrame(users, columns=["username", "display_name", "role", "scope", "active",
                                          "failed_attempts", "locked_until", "last_login_at"])
    _table(people.assign(role=[t(auth.ROLES[r], L) if r in auth.ROLES else r for r in people["role"]],
                         active=people["active"].map(_yes_no)))
    c1, c2 = st.columns(2)
    with c1.form("add_user", clear_on_submit=True):
        st.subheader(t("admin.add_user", L))
        name = st.text_input(t("login.username", L), max_chars=64)
        role = st.selectbox(t("admin.role", L), auth.USER_ROLES,
                            format_func=lambda r: t(auth.ROLES[r], L))
        scope = st.text_input(t("admin.scope", L), max_chars=6)
        display = st.text_input(t("admin.display_name", L), max_chars=100)
        pw = st.text_input(t("admin.initial_password", L), type="password", max_chars=256)
        if st.form_submit_button(t("admin.create", L), type="primary"):
            if _run(auth.create_user, store, actor, name, role, pw, scope_adcode=scope.strip() or None,
                    display_name=display or None):
                st.rerun()
    with c2.form("change_user"):
        st.subheader(t("admin.change_user", L))
        who = st.selectbox(t("login.username", L), [u["username"] for u in users])
        new_pw = st.text_input(t("admin.new_password", L), type="password", max_chars=256)
        b1, b2, b3 = st.columns(3)
        if b1.form_submit_button(t("admin.disable", L)) and who:
            _run(auth.disable_user, store, actor, who)
        if b2.form_submit_button(t("admin.enable", L)) and who:
            _run(auth.enable_user, store, actor, who)
        if b3.form_submit_button(t("admin.reset_password", L)) and who:
            _run(auth.update_user, store, actor, who, password=new_pw)

# --- targets -------------------------------------------------------------------------------------
with tab_targets:
    rows = admin.targets_table(store, f.programme)
    targets = pd.DataFrame(rows, columns=["region", "name", "metric", "value", "note", "updated_by", "updated_at"])
    _table(targets.assign(metric=targets["metric"].map(_metric)))
    with st.form("set_target"):
        st.subheader(t("admin.set_target", L))
        c1, c2, c3 = st.columns(3)
        region = c1.text_input(t("admin.region_code", L), value=f.region, max_chars=6)
        metric = c2.selectbox(t("admin.metric", L), [m.key for m in vocabulary.METRICS],
                              format_func=_metric)
        value = c3.number_input(t("admin.value", L), min_value=0.0, max_value=admin.MAX_TARGET, step=1.0)
        note = st.text_input(t("admin.note", L), max_chars=2000)
        if st.form_submit_button(t("admin.save", L), type="primary"):
            out = _run(admin.set_target, store, actor, f.programme, region.strip(), metric, value, note=note or None)
            if out:
                st.info(t("admin.saved_target", L, region=out["region"], metric=_metric(metric),
                          before=(out["before"] or {}).get("value", "—"), after=out["after"]["value"]))

# --- programmes ------------------------------------------------------------------------------------
with tab_programmes:
    _table(pd.DataFrame([{"id": p["id"], "code": p["code"], "programme_name": p["name"]} for p in programmes()]))
    with st.form("new_programme", clear_on_submit=True):
        st.subheader(t("admin.new_programme", L))
        c1, c2 = st.columns(2)
        code = c1.text_input(t("admin.programme_code", L), max_chars=64)
        pname = c2.text_input(t("admin.programme_name", L), max_chars=200)
        c1, c2, c3 = st.columns(3)
        pregion = c1.text_input(t("admin.region_code", L), max_chars=6)
        y0 = c2.number_input(t("admin.year_start", L), min_value=2000, max_value=2100, value=clock.today().year)
        y1 = c3.number_input(t("admin.year_end", L), min_value=2000, max_value=2100, value=clock.today().year)
        src = st.text_area(t("admin.source_doc", L), max_chars=5000)
        if st.form_submit_button(t("admin.create", L), type="primary"):
            if _run(admin.create_programme, store, actor, code, pname, pregion.strip(), int(y0), int(y1),
                    source_doc=src or None):
                st.rerun()

    prog = metrics.get_programme(store, f.programme)
    with st.form("calendar"):
        st.subheader(t("admin.calendar", L))
        st.caption(t("admin.calendar_now", L, name=prog.name, weekday=t(f"weekday.{prog.report_weekday}", L),
                     deadline=prog.report_deadline))
        c1, c2 = st.columns(2)
        weekday = c1.selectbox(t("admin.weekday", L), list(range(7)), index=prog.report_weekday,
                               format_func=lambda d: t(f"weekday.{d}", L))
        deadline = c2.text_input(t("admin.deadline", L), value=prog.report_deadline, max_chars=5)
        if st.form_submit_button(t("admin.save", L), type="primary"):
            if _run(discipline.set_calendar, store, f.programme, weekday=int(weekday), deadline_hhmm=deadline,
                    actor=actor):
                st.rerun()

# --- audit log (read only) -----------------------------------------------------------------------
with tab_audit:
    facets = admin.audit_facets(store, actor)
    c1, c2, c3, c4 = st.columns(4)
    all_ = t("admin.all", L)
    action = c1.selectbox(t("admin.audit_action", L), ["", *facets["actions"]], format_func=lambda v: v or all_,
                          key="audit_action")
    who = c2.selectbox(t("admin.audit_actor", L), ["", *facets["actors"]], format_func=lambda v: v or all_,
                       key="audit_actor")
    since = c3.date_input(t("admin.audit_since", L), value=clock.today() - timedelta(days=90), key="audit_since")
    until = c4.date_input(t("admin.audit_until", L), value=clock.today(), key="audit_until")
    limit = 1000
    entries = admin.audit_entries(store, actor, action=action or None, who=who or None, since=since, until=until,
                                  limit=limit)
    st.caption(t("admin.audit_readonly", L, n=len(entries), limit=limit))
    df = pd.DataFrame(entries, columns=["id", "at", "actor", "action", "entity", "entity_id", "programme_id",
                                        "before", "after", "detail"])
    for col in ("before", "after"):
        # the record as stored (JSON), in whatever language it was written
        df[col] = df[col].map(lambda v: "" if v is None else json.dumps(v, ensure_ascii=False, default=str)[:500])
    _table(df)
