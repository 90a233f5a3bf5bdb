"""Administration: accounts, targets, programmes, and the audit log (read-only)."""

from __future__ import annotations

import json
from datetime import timedelta

import pandas as pd
import streamlit as st

from lib.access import admin
from lib.access import programmes as programmes_lib
from lib.access import zones as zones_lib
from lib.access import auth
from lib.domain import clock
from lib.domain import regions
from lib.domain import vocabulary
from lib.domain.errors import UserError
from lib.uploads import targets
from lib.present.i18n import plain, t
from pages._ui.schedule_admin import calendar_form
from pages._ui.filters import sidebar_filters
from pages._ui.store import programmes
from pages._ui.store import store as open_store

f = sidebar_filters(need_programme=False)
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


def _import_report(out: dict) -> None:
    """A targets import's check: the targets it sets, its gaps and its problems, one sentence each."""
    if out["status"] == "rejected":
        st.error(t("admin.targets_rejected", L, n=len(out["errors"])))
        for e in out["errors"]:
            st.markdown(f"- {plain(e['message'])}")
        return
    for w in out["warnings"]:
        st.warning(w["message"])
    for note in out.get("notes", []):
        st.info(note)
    st.caption(t("admin.targets_found", L, n=len(out["targets"]), regions=out["accepted"]))
    df = pd.DataFrame(out["targets"], columns=["region", "name", "metric", "value"])
    wide = df.assign(metric=df["metric"].map(_metric)).pivot_table(index=["region", "name"], columns="metric",
                                                                   values="value", aggfunc="first", sort=False)
    st.dataframe(wide.reset_index().rename(columns=lambda c: t(f"admin.col.{c}", L) if c in ("region", "name") else c),
                 hide_index=True, width="stretch")


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
def _pick_programme(key: str) -> dict | None:
    """The programme a form edits, chosen on the form itself (never silently the sidebar's)."""
    progs = programmes()
    if not progs:
        st.info(t("admin.no_programme_yet", L))
        return None
    ids = [p["id"] for p in progs]
    by_id = {p["id"]: p for p in progs}
    default = ids.index(f.programme) if f.programme in ids else 0
    pid = st.selectbox(t("admin.editing", L), ids, index=default, key=key,
                       format_func=lambda i: t("admin.programme_label", L, name=by_id[i]["name"],
                                               region=by_id[i]["region"]["name"], y0=by_id[i]["years"][0],
                                               y1=by_id[i]["years"][1])
                                             + (t("admin.archived_mark", L) if by_id[i]["status"] == "archived" else ""))
    return by_id[pid]


with tab_targets:
    prog_t = _pick_programme("targets_programme")
    if prog_t:
        st.subheader(t("admin.targets_import", L))
        st.caption(t("admin.targets_import_help", L, name=prog_t["name"]))
        up = st.file_uploader(t("admin.targets_file", L), type=["xlsx", "xls", "csv"], key="targets_file",
                              max_upload_size=targets.MAX_BYTES // (1024 * 1024))
        if up is not None:
            data = up.getvalue()
            check = targets.import_targets(store, data, up.name, prog_t["id"], actor=actor, dry_run=True)
            _import_report(check)
            if check["status"] == "dry-run" and st.button(t("admin.targets_confirm", L, name=prog_t["name"]),
                                                          type="primary", key="targets_commit"):
                done = targets.import_targets(store, data, up.name, prog_t["id"], actor=actor)
                if done["status"] == "committed":
                    st.success(t("admin.targets_committed", L, n=len(done["targets"]), regions=done["accepted"]))
                    st.cache_data.clear()
                else:
                    _import_report(done)
        rows = admin.targets_table(store, prog_t["id"])
        tdf = pd.DataFrame(rows, columns=["region", "name", "metric", "value", "note", "updated_by", "updated_at"])
        _table(tdf.assign(metric=tdf["metric"].map(_metric)))
        with st.form("set_target"):
            st.subheader(t("admin.set_target", L))
            st.caption(t("admin.editing_now", L, name=prog_t["name"]))
            c1, c2, c3 = st.columns(3)
            region = c1.text_input(t("admin.region_any", L), value="" if f.region == regions.COUNTRY else f.region,
                                   max_chars=64)
            metric = c2.selectbox(t("admin.metric", L), [m.key for m in vocabulary.METRICS], format_func=_metric)
            value = c3.number_input(t("admin.value", L), min_value=0.0, max_value=admin.MAX_TARGET, step=1.0)
            note = st.text_input(t("admin.note", L), max_chars=2000)
            if st.form_submit_button(t("admin.save", L), type="primary"):
                out = _run(admin.set_target, store, actor, prog_t["id"], region, metric, value, note=note or None)
                if out:
                    st.info(t("admin.saved_target", L, region=regions.describe(out["region"]), metric=_metric(metric),
                              before=(out["before"] or {}).get("value", "—"), after=out["after"]["value"]))

# --- programmes ------------------------------------------------------------------------------------
with tab_programmes:
    progs = programmes()
    _table(pd.DataFrame([{"id": p["id"], "programme_name": p["name"], "region_name": p["region"]["name"],
                          "years": f"{p['years'][0]}–{p['years'][1]}",
                          "status": t(f"admin.status.{p['status']}", L) + (t("admin.demo_mark", L) if p["demo"] else "")}
                         for p in progs], columns=["id", "programme_name", "region_name", "years", "status"]))
    metric_keys = [m.key for m in vocabulary.METRICS]

    def _settings_form(key: str, current: dict | None) -> dict | None:
        """The programme's settings; returns what was submitted or None."""
        cur = current or {}
        with st.form(key, clear_on_submit=current is None):
            c1, c2 = st.columns(2)
            name = c1.text_input(t("admin.programme_name", L), value=cur.get("name", ""), max_chars=200)
            region = c2.text_input(t("admin.region_any", L), value=(cur.get("region") or {}).get("name", ""),
                                   max_chars=64)
            c1, c2, c3 = st.columns(3)
            years = c1.text_input(t("admin.years", L), max_chars=20,
                                  value=(f"{cur['years'][0]}-{cur['years'][1]}" if cur else str(clock.today().year)))
            season = c2.text_input(t("admin.season", L), max_chars=20,
                                   value=t("admin.season_value", L, start=cur.get("season", ["04-01", "11-15"])[0],
                                           end=cur.get("season", ["04-01", "11-15"])[1]))
            elig = c3.number_input(t("admin.eligibility_year", L), min_value=1949, max_value=2030,
                                   value=int(cur.get("eligibility_year") or vocabulary.ELIGIBILITY_BUILT_BEFORE))
            c1, c2, c3, c4 = st.columns(4)
            weekday = c1.selectbox(t("admin.weekday", L), list(range(7)), index=int(cur.get("report_weekday", 4)),
                                   format_func=lambda d: t(f"weekday.{d}", L))
            deadline = c2.text_input(t("admin.deadline", L), value=cur.get("report_deadline", "12:00"), max_chars=5)
            sub = cur.get("subsidy") or {}
            per_hh = c3.number_input(t("admin.subsidy_household", L), min_value=0.0, max_value=1000.0, step=0.1,
                                     value=float(sub.get("per_household_wan", 0.0)))
            per_lift = c4.number_input(t("admin.subsidy_lift", L), min_value=0.0, max_value=1000.0, step=1.0,
                                       value=float(sub.get("per_lift_wan", 0.0)))
            c1, c2 = st.columns([3, 1])
            counted = c1.multiselect(t("admin.metrics", L), metric_keys, format_func=_metric,
                                     default=cur.get("metrics") or list(vocabulary.DEFAULT_PROGRAMME_METRICS))
            rule = cur.get("closing") or {}
            closing = c2.text_input(t("admin.closing", L), max_chars=20, help=t("admin.closing_help", L),
                                    value=(f"{rule.get('min_share', 0.5) * 100:g}%"
                                           + (f",{rule['hours_after_deadline']:g}h"
                                              if rule.get("hours_after_deadline") is not None else "")))
            chains = list(programmes_lib.REVIEW_CHAINS)
            review_chain = st.selectbox(t("admin.prog.review", L), chains, help=t("admin.prog.review_help", L),
                                        index=chains.index(cur.get("review", "none")),
                                        format_func=lambda c: t(f"admin.prog.review.{c}", L))
            src = st.text_area(t("admin.source_doc", L), value=cur.get("source") or "", max_chars=5000)
            label = t("admin.create" if current is None else "admin.save", L)
            if not st.form_submit_button(label, type="primary"):
                return None
        subsidy = {k: v for k, v in (("per_household_wan", per_hh), ("per_lift_wan", per_lift)) if v}
        return {"name": name, "region": region, "years": years, "season": season, "eligibility_year": int(elig),
                "report_weekday": int(weekday), "report_deadline": deadline, "subsidy": subsidy,
                "metrics": counted, "source": src, "review": review_chain,
                # the default rule shown as "50%" is no change for a programme that has none set
                "closing": closing if cur.get("closing") or closing.replace(" ", "") != "50%" else None}

    st.subheader(t("admin.new_programme", L))
    given = _settings_form("new_programme", None)
    if given is not None and _run(programmes_lib.create, store, actor, **given):
        st.cache_data.clear()
        st.rerun()

    if progs:
        st.subheader(t("admin.edit_programme", L))
        prog_e = _pick_programme("edit_programme")
        st.caption(t("admin.editing_now", L, name=prog_e["name"]))
        given = _settings_form(f"edit_programme_{prog_e['id']}", prog_e)
        if given is not None and _run(programmes_lib.update, store, actor, prog_e["id"], **given):
            st.cache_data.clear()
            st.rerun()
        c1, c2 = st.columns(2)
        archived = prog_e["status"] == "archived"
        if c1.button(t("admin.unarchive" if archived else "admin.archive", L, name=prog_e["name"]),
                     key=f"archive_{prog_e['id']}"):
            if _run(programmes_lib.archive, store, actor, prog_e["id"], restore=archived):
                st.cache_data.clear()
                st.rerun()
        if c2.button(t("admin.delete", L, name=prog_e["name"]), key=f"delete_{prog_e['id']}"):
            if _run(programmes_lib.delete_programme, store, actor, prog_e["id"]):
                st.cache_data.clear()
                st.rerun()
        calendar_form(store, actor, prog_e["id"], L)  # 报送日历: holidays, stops, who reports, reminders, deliveries

    st.subheader(t("admin.zones", L))
    st.caption(t("admin.zones_help", L))
    listed = zones_lib.list_zones(store)
    zdf = pd.DataFrame([{"region": z["adcode"], "name": z["name"], "parent": z["path"]} for z in listed["zones"]]
                       + [{"region": a["adcode"], "name": a["name"], "parent": t("admin.alias_of", L,
                                                                                  region=regions.describe(a["adcode"]))}
                          for a in listed["aliases"]], columns=["region", "name", "parent"])
    _table(zdf)
    with st.form("add_zone", clear_on_submit=True):
        c1, c2, c3 = st.columns(3)
        zname = c1.text_input(t("admin.zone_name", L), max_chars=64)
        zparent = c2.text_input(t("admin.zone_parent", L), max_chars=64)
        zcode = c3.text_input(t("admin.zone_code", L), max_chars=6)
        alias = st.checkbox(t("admin.zone_is_alias", L))
        if st.form_submit_button(t("admin.create", L), type="primary"):
            if alias:
                ok = _run(zones_lib.add_alias, store, actor, zname, zparent)
            else:
                ok = _run(zones_lib.add_zone, store, actor, zname, zparent, code=zcode.strip() or None)
            if ok:
                st.cache_data.clear()
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
