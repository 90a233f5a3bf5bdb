"""Upload: a county's weekly spreadsheet in, checked, previewed, then stored all or nothing."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.access import auth
from lib.domain import clock
from lib.domain import fields
from lib.domain import regions
from lib.domain.errors import UserError
from lib.present.i18n import has, plain, stage_name, t
from lib.uploads import aggregate
from lib.uploads import ingest
from lib.uploads import templates
from pages._ui import widgets
from pages._ui.filters import sidebar_filters
from pages._ui.store import programmes, settings
from pages._ui.store import store as open_store

f = sidebar_filters()
L = f.lang
cfg = settings()
store = open_store()
st.title(t("upload.title", L))

actor = f.viewer
if f.public or not auth.can(actor, "upload"):
    st.info(t("upload.need_login", L))
    st.stop()

prog = next(p for p in programmes() if p["id"] == f.programme)
top = prog["region"]["adcode"]

# The county is fixed by a district account's scope; others choose.
if actor.role == "district" and actor.scope_adcode and regions.get(actor.scope_adcode).is_county:
    county = actor.scope_adcode
    st.markdown(t("upload.county_fixed", L, county=regions.get(county).name))
else:
    scope = actor.scope_adcode or top
    options = [c.adcode for c in regions.counties_in(scope) if regions.contains(top, c.adcode)]
    county = st.selectbox(t("upload.county", L), options, key="upload_county",
                          format_func=lambda a: t("region.with_code", L, name="".join(regions.path_names(a)), code=a))

# Review (上报→审核→退回): say so, show what awaits review and the latest return with its reason.
chain = prog.get("review", "none")
if chain != "none":
    st.info(t("upload.review_on", L, chain=t("rv.chain_sep", L).join(t(f"rv.level.{x}", L) for x in chain.split(","))))
mine = ingest.uploads(store, f.programme, county=county, viewer=f.viewer)
waiting = [h for h in mine if h["status"] == "submitted"]
if waiting:
    st.warning(t("upload.pending_banner", L, n=len(waiting)))
last_progress = next((h for h in mine if h["kind"] == "progress"), None)
if last_progress is not None and last_progress["status"] == "returned" and last_progress["return_reason"]:
    back = next(e for e in reversed(last_progress["review_history"]) if e["action"] == "returned")
    st.error(t("upload.returned_notice", L, id=last_progress["id"], day=last_progress["as_of"], who=back["actor"],
               reason=plain(last_progress["return_reason"])))

c1, c2 = st.columns(2)
kind = c1.radio(t("upload.kind", L), ["progress", "register"], horizontal=True, key="upload_kind",
                format_func=lambda k: t(f"upload.kind.{k}", L))
# Empty means: use the 填报日期 written in the sheet's title area (the usual case); a register
# without a date is registered by the programme's years (lib.uploads.checks says which rule it used).
report_day = c2.date_input(t(f"upload.date.{kind}", L), value=None, max_value=clock.today(),
                           key="upload_date", help=t(f"upload.date_help.{kind}", L))

# the files a county works with are Chinese whatever the screen's language
st.download_button(t("upload.template", L), data=templates.template(store, f.programme, county, kind=kind, viewer=f.viewer),
                   file_name=t("upload.template_file", "zh", county=regions.get(county).name,
                               kind=t(f"upload.kind.{kind}", "zh")),
                   mime=widgets.XLSX, icon=":material/download:")

up = st.file_uploader(t("upload.drop", L), type=["xlsx", "xlsm", "xls", "csv"], key="upload_file",
                      max_upload_size=cfg.upload_max_mb)
def _aggregate_upload(data: bytes, name: str) -> None:
    """A table of totals per county or prefecture (湖南's layout): its own preview and confirm, then stop."""
    out = aggregate.import_aggregate(store, data, name, f.programme, actor=actor, as_of=report_day, dry_run=True)
    st.info(t("upload.aggregate.found", L, n=out["accepted"], day=out["report_date"] or "—"))
    for e in out["errors"]:
        st.error(plain(e["message"]))  # messages quote cells of the uploaded file
    for w in out["warnings"]:
        st.warning(plain(w["message"]))
    if out["status"] == "rejected":
        st.error(t("upload.aggregate.rejected", L, n=len(out["errors"])))
        st.stop()
    st.dataframe(pd.DataFrame([{t("upload.aggregate.column", L): c["header"], t("upload.aggregate.unit", L): c["unit"] or ""}
                               for c in out["columns"]]), hide_index=True, width="stretch")
    if st.button(t("upload.confirm", L), type="primary", key="aggregate_confirm"):
        done = aggregate.import_aggregate(store, data, name, f.programme, actor=actor, as_of=report_day)
        if done["status"] == "committed":
            st.success(t("upload.aggregate.committed", L, n=done["accepted"], id=done["upload_id"]))
            st.cache_data.clear()
        elif done["status"] == "unchanged":
            st.info(t("upload.aggregate.unchanged", L))
        else:
            st.error(t("upload.aggregate.rejected", L, n=len(done["errors"])))
    st.stop()


if up is not None:
    data = up.getvalue()
    if aggregate.looks_like(data, up.name, top):  # a totals table is known by what it holds, whatever the radio says
        _aggregate_upload(data, up.name)
    key = (up.name, len(data), f.programme, county, kind, str(report_day))
    if st.session_state.get("upload_key") != key:
        bar = st.progress(0.1, text=t("upload.reading", L))
        try:
            pv = ingest.check(store, data, up.name, f.programme, actor=actor, county=county,
                              as_of=report_day, kind=kind)
        except UserError as e:
            bar.empty()
            widgets.show_user_error(e)
            st.stop()
        bar.progress(1.0, text=t("upload.checked", L))
        st.session_state.update(upload_key=key, upload_preview=pv, upload_data=data)
    pv: ingest.Preview = st.session_state["upload_preview"].shown_to(actor)

    m = st.columns(4)
    m[0].metric(t("upload.rows", L), pv.rows)
    m[1].metric(t("upload.errors", L), len(pv.errors))
    m[2].metric(t("upload.warnings", L), len(pv.warnings))
    m[3].metric(t("upload.changes", L), pv.changed_rows)
    if pv.report_date:
        st.caption(t("upload.report_date_used", L, day=pv.report_date.isoformat()))
    for note in pv.notes:
        st.caption(plain(note))

    def issues_frame(issues):
        return pd.DataFrame([{t("upload.col.sheet", L): i.sheet, t("upload.col.row", L): i.row,
                              t("upload.col.column", L): i.column, t("upload.col.value", L): i.value,
                              t("upload.col.message", L): i.message} for i in issues])

    if pv.errors:
        st.error(t("upload.rejected", L, n=len(pv.errors)))
        st.dataframe(issues_frame(pv.errors).style.set_properties(**{"background-color": "#fde2e4"}),
                     hide_index=True, width="stretch")
        st.download_button(t("upload.annotated", L), data=templates.annotate(data, up.name, pv.errors + pv.warnings),
                           file_name=t("upload.annotated_file", "zh", name=up.name.rsplit(".", 1)[0]),
                           icon=":material/edit_note:", mime=widgets.XLSX)
    if pv.warnings:
        with st.expander(t("upload.warning_list", L, n=len(pv.warnings)), expanded=not pv.errors):
            st.dataframe(issues_frame(pv.warnings), hide_index=True, width="stretch")

    def change_label(key: str) -> str:
        if has(f"upload.field.{key}"):
            return t(f"upload.field.{key}", L)
        return fields.label(key, L) if key in fields.BY_KEY else key

    def shown(key: str, value) -> str:
        if value is None:
            return ""
        if value == ingest.HIDDEN:
            return t("upload.hidden", L)
        if key == "stage":
            return stage_name(value, L)
        if isinstance(value, bool):
            return t("upload.yes" if value else "upload.no", L)
        if isinstance(value, float):
            return f"{value:,.2f}".rstrip("0").rstrip(".")
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    if pv.status == "unchanged":
        st.info(t("upload.already", L))
    elif pv.changes and not pv.errors:
        st.subheader(t("upload.diff", L))
        st.markdown(t("upload.counts", L, n=pv.changed_rows, kinds=t("upload.list_sep", L).join(
            f"{change_label(k)} {n}" for k, n in pv.change_counts.items())))
        # only the rows that change, a column for each kind of value that changes anywhere in the file;
        # a changed cell reads "before → after" and is highlighted
        order = list(dict.fromkeys(k for c in pv.changes for k in c["fields"]))
        order.sort(key=lambda k: ingest.CHANGE_ORDER.index(k) if k in ingest.CHANGE_ORDER else len(ingest.CHANGE_ORDER))
        head = {"code": t("upload.diff.code", L), "name": t("upload.diff.name", L),
                "county": t("upload.diff.county", L), "change": t("upload.diff.change", L)}
        cols = {k: change_label(k) for k in order}
        table, marks = [], []
        for c in pv.changes:
            row = {head["code"]: c["code"], head["name"]: c["name"], head["county"]: c["county"]}
            if pv.kind == "register":
                row[head["change"]] = t(f"upload.change.{c['change']}", L)
            mark = {h: "" for h in row}
            for k, h in cols.items():
                after = shown(k, c["after"].get(k))
                if k in c["fields"] and c["change"] != "new":
                    row[h] = f"{shown(k, c['before'].get(k)) or '—'} → {after or '—'}"
                else:
                    row[h] = after
                mark[h] = ("background-color: #fff3bf; font-weight: 600" if c["change"] != "new"
                           else "background-color: #d3f9d8") if k in c["fields"] else ""
            table.append(row)
            marks.append(mark)
        diff = pd.DataFrame(table)
        css = pd.DataFrame(marks, index=diff.index, columns=diff.columns)
        st.dataframe(diff.style.apply(lambda _: css, axis=None), hide_index=True, width="stretch",
                     key="upload_diff")
        st.caption(t("upload.diff_help", L))
    elif not pv.errors:
        st.info(t("upload.no_changes", L, n=pv.rows))
    if pv.status == "ok":
        if st.button(t("upload.confirm", L), type="primary", key="upload_confirm"):
            with st.spinner(t("upload.saving", L)):
                try:
                    done = ingest.commit(store, st.session_state["upload_data"], up.name, f.programme, actor=actor,
                                         county=county, as_of=report_day, kind=kind, preview=pv)
                except UserError as e:
                    widgets.show_user_error(e)
                    st.stop()
            st.session_state.pop("upload_key", None)
            if done.status == "committed":
                st.success(t("upload.committed", L, id=done.upload_id, n=done.accepted))
            elif done.status == "submitted":
                step = next((h["review_step"] for h in ingest.uploads(store, f.programme, county=county, viewer=f.viewer)
                             if h["id"] == done.upload_id), None)
                st.success(t("upload.submitted", L, id=done.upload_id, n=done.accepted,
                             level=t(f"rv.level.{step}", L) if step else ""))
            elif done.status == "unchanged":
                st.info(plain(" ".join(done.notes)) or t("upload.unchanged", L))
            else:
                st.error(t("upload.rejected", L, n=len(done.errors)))

def review_events_frame(events: list[dict]) -> pd.DataFrame:
    return pd.DataFrame([{t("rv.ev.at", L): f"{clock.to_beijing(e['at']):%Y-%m-%d %H:%M}",
                          t("rv.ev.action", L): t(f"rv.action.{e['action']}", L),
                          t("rv.ev.level", L): t(f"rv.level.{e['level']}", L) if e["level"] else "",
                          t("rv.ev.actor", L): e["actor"], t("rv.ev.reason", L): plain(e["reason"] or "")}
                         for e in events])


st.subheader(t("upload.history", L))
hist = ingest.uploads(store, f.programme, county=county, viewer=f.viewer)
if not hist:
    st.caption(t("upload.no_history", L))
else:
    shown = pd.DataFrame(hist).drop(columns=["review_history"])
    shown = shown.assign(kind=[t(f"upload.kind.{k}", L) for k in shown["kind"]],
                         status=[t(f"upload.status.{s}", L) for s in shown["status"]],
                         review_step=[t(f"rv.level.{x}", L) if x else "" for x in shown["review_step"]],
                         return_reason=[plain(x) if x else "" for x in shown["return_reason"]])
    if not shown["review_step"].any() and not shown["return_reason"].any():
        shown = shown.drop(columns=["review_step", "return_reason"])
    st.dataframe(shown.rename(columns=lambda c: t(f"upload.hist.{c}", L)), hide_index=True, width="stretch")
    reviewed = [h for h in hist if h["review_history"]]
    if reviewed:  # each submission's steps: who submitted, approved, returned (and why), reopened
        with st.expander(t("upload.review_history", L), expanded=any(h["status"] == "returned" for h in reviewed[:1])):
            pick = st.selectbox(t("upload.review_history_pick", L), [h["id"] for h in reviewed], key="upload_hist_id")
            events = next(h for h in reviewed if h["id"] == pick)["review_history"]
            st.dataframe(review_events_frame(events), hide_index=True, width="stretch")
    if auth.can(actor, "rollback"):
        with st.expander(t("upload.rollback", L)):
            ids = [h["id"] for h in hist if h["status"] == "committed"]
            if ids:
                pick = st.selectbox(t("upload.rollback_pick", L), ids, key="rollback_id")
                if st.button(t("upload.rollback_go", L), key="rollback_go"):
                    try:
                        r = ingest.rollback(store, pick, actor=actor)
                        st.success(t("upload.rolled_back", L, id=r["upload_id"], n=r["rows"]))
                    except UserError as e:
                        widgets.show_user_error(e)
