"""My profile and plan (issue #18): what the company holds about me, the part I keep myself, and my development plan.

Everything here is the signed-in employee's own: ScopedData's my_* reads take the person from the account, never from
the address or a widget, so ?employee=… or a crafted value cannot show anybody else.
"""
from __future__ import annotations

import time
from datetime import date

import polars as pl
import streamlit as st

from dashboard.access import NotAllowed, ScopedData
from dashboard.plain import md
from dashboard.session import signed_in_user
from services.i18n import t, widget_key
from services.plans import KINDS as PLAN_KINDS, STATUSES as PLAN_STATUSES
from services.self_service import ASPIRATIONS, FIELDS, OTHERS, RATER_GROUP_MIN

COMPETENCIES = ("leadership", "communication", "strategic_thinking", "collaboration", "execution")
CATEGORIES = ("leadership", "management", "technical", "compliance", "other")
TRAINING_STATUSES = ("completed", "in_progress", "dropped")

user = signed_in_user()
data = ScopedData(user)
today = date.today()
st.title(t("nav.my_profile"))
flash = st.session_state.pop("my_profile_flash", None)  # set before the rerun that follows a change
if flash and time.monotonic() - flash[1] < 30:
    st.toast(flash[0], icon=":material/check_circle:")


def done(message: str) -> None:
    st.session_state["my_profile_flash"] = (message, time.monotonic())
    st.rerun()


def day(value) -> str:
    return f"{value:%Y-%m-%d}" if value is not None else "–"


me = data.my_person()
if me is None:
    st.info(t("my_profile.not_in_import", employee=md(user.employee_id)))
    st.stop()
st.caption(t("my_profile.summary", name=md(me["name"]), position=md(me["position"] or "–"), department=md(me["department"]),
             employee=md(me["employee_id"])))

profile_tab, plan_tab, records_tab = st.tabs([t("my_profile.tab_profile"), t("my_profile.tab_plan"), t("my_profile.tab_records")])

# --- the self-service profile -------------------------------------------------------------------------------
with profile_tab:
    st.caption(t("my_profile.profile_intro"))
    state = {r["field"]: r for r in data.my_profile_state().iter_rows(named=True)}
    history = data.my_profile_history()
    edited = set(history["field"].to_list()) if history.height else set()
    aspirations = {a: t(f"candidates.aspiration_{a}") for a in ASPIRATIONS}

    def shown_value(field: str) -> str:
        row = state[field]
        if row["value"] is None or (field == "career_plan" and row["source"] == "import"):
            return ""  # an imported career plan is only "submitted or not": no text to edit
        return row["value"].replace("; ", "\n") if field in ("skills", "external_training") else row["value"]

    form_col, source_col = st.columns([3, 2], gap="large")
    with form_col, st.form("my_profile_edit"):
        skills = st.text_area(t("my_profile.field_skills"), value=shown_value("skills"), height=100, help=t("my_profile.list_help"),
                              max_chars=2000)
        external = st.text_area(t("my_profile.field_external_training"), value=shown_value("external_training"), height=80,
                                help=t("my_profile.list_help"), max_chars=2000)
        current = state["career_aspiration"]["value"]
        aspiration = st.radio(t("my_profile.field_career_aspiration"), ASPIRATIONS, format_func=aspirations.get, horizontal=True,
                              index=ASPIRATIONS.index(current) if current in ASPIRATIONS else None, key=widget_key("my_aspiration"))
        plan_text = st.text_area(t("my_profile.field_career_plan"), value=shown_value("career_plan"), height=100,
                                 placeholder=t("my_profile.career_plan_placeholder"), max_chars=2000)
        if st.form_submit_button(t("my_profile.save"), type="primary", icon=":material/save:"):
            typed = {"skills": skills, "external_training": external, "career_plan": plan_text}
            changes = {f: v for f, v in typed.items() if v.strip() != shown_value(f).strip()}  # only what the employee changed here
            if aspiration is not None and aspiration != current:
                changes["career_aspiration"] = aspiration
            if state["career_plan"]["source"] == "import" and not plan_text.strip():
                changes.pop("career_plan", None)  # an empty box beside an imported "submitted" is not a withdrawal
            try:
                result = data.edit_my_profile(changes)
            except (NotAllowed, ValueError) as exc:
                st.error(md(exc))
            else:
                if not result["changed"]:
                    st.info(t("my_profile.nothing_changed"))
                else:
                    done(t("my_profile.saved_now" if result["applied"] else "my_profile.saved_later", n=len(result["changed"])))

    with source_col:
        st.markdown(f"**{t('my_profile.sources_title')}**")
        for field in FIELDS:
            row = state[field]
            label = t(f"my_profile.field_{field}")
            if row["source"] is None:
                line = t("my_profile.source_none")
            elif row["source"] == "self_service":
                line = t("my_profile.source_self", when=day(row["since"]))
            else:
                line = t("my_profile.source_import", when=day(row["imported_on"]), run=row["import_run"])
            if field == "career_plan" and row["source"] == "import":
                line += " " + t("my_profile.plan_submitted" if row["value"] == "true" else "my_profile.plan_not_submitted")
            counted = (t("my_profile.counted") if row["counted"] else t("my_profile.counts_next_refresh")) if row["source"] else ""
            st.markdown("- " + t("my_profile.source_line", label=label, line=line, counted=counted).rstrip(" ·"))
            if row["imported_not_applied"]:
                st.caption(t("my_profile.import_older", when=day(row["imported_on"])))
            elif row["source"] == "import" and field in edited:  # an HR import newer than my last edit
                st.caption(t("my_profile.import_newer", when=day(row["imported_on"])))
        st.caption(t("my_profile.who_sees"))

    with st.expander(t("my_profile.history_title", n=history.height), icon=":material/history:"):
        if history.height:
            st.dataframe(history.with_columns(
                pl.col("field").replace_strict({f: t(f"my_profile.field_{f}") for f in FIELDS}),
                pl.when(pl.col("field") == "career_aspiration").then(pl.col("value").replace(aspirations)).otherwise(pl.col("value")).alias("value"),
            ), hide_index=True, placeholder="–", column_config={
                "field": t("my_profile.col_field"), "value": st.column_config.TextColumn(t("my_profile.col_value"), width="large"),
                "edited_by": t("profile.col_by"), "edited_at": st.column_config.DatetimeColumn(t("profile.col_when"), format="YYYY-MM-DD HH:mm")})
        else:
            st.caption(t("my_profile.history_none"))

# --- my development plan ------------------------------------------------------------------------------------
with plan_tab:
    items = data.my_plan(today)
    if items.height == 0:
        st.info(t("my_profile.plan_none"))
    else:
        kinds = {k: t(f"plan_kind.{k}") for k in PLAN_KINDS}
        statuses = {s: t(f"plan_status.{s}") for s in PLAN_STATUSES}
        counted = items.filter(pl.col("counts"))
        st.progress(counted["done"].mean() if counted.height else 0.0,
                    text=t("my_profile.plan_progress", done=counted["done"].sum(), items=counted.height, overdue=counted["overdue"].sum()))
        waiting = pl.col("reported_done_at").is_not_null() & pl.col("confirmed_at").is_null() & ~pl.col("done")
        shown = items.select(
            "item_id", pl.col("kind").replace_strict(kinds), "title", "due_date",
            pl.when(waiting).then(pl.lit(t("my_profile.status_waiting")))
            .when(pl.col("done_from_training")).then(pl.lit(t("profile_plan.done_from_training")))
            .when(pl.col("confirmed_at").is_not_null()).then(pl.lit(t("my_profile.status_confirmed")))
            .otherwise(pl.col("status").replace_strict(statuses)).alias("status"),
            "done_on", "overdue", pl.col("reported_done_note").alias("note"))
        st.dataframe(shown, hide_index=True, placeholder="–", column_config={
            "item_id": None, "kind": st.column_config.TextColumn(t("plans.kind"), width="small"),
            "title": st.column_config.TextColumn(t("plans.item_title"), width="medium"),
            "due_date": st.column_config.DateColumn(t("plans.due"), format="YYYY-MM-DD", width="small"),
            "status": st.column_config.TextColumn(t("profile_plan.status"), width="medium"),
            "done_on": st.column_config.DateColumn(t("profile_plan.done_on"), format="YYYY-MM-DD", width="small"),
            "overdue": st.column_config.CheckboxColumn(t("plans.overdue"), width="small"),
            "note": st.column_config.TextColumn(t("my_profile.col_note"), width="medium")})
        open_items = items.filter(~pl.col("done") & (pl.col("status") != "dropped") & pl.col("reported_done_at").is_null())
        if open_items.height:
            with st.form("report_done", clear_on_submit=True):
                st.markdown(f"**{t('my_profile.report_title')}**")
                st.caption(t("my_profile.report_help"))
                titles = dict(zip(open_items["item_id"].to_list(), open_items["title"].to_list()))
                left, right = st.columns([2, 3])
                item = left.selectbox(t("plans.item_title"), list(titles), format_func=titles.get)
                note = right.text_input(t("my_profile.report_note"), placeholder=t("my_profile.report_note_placeholder"), max_chars=1000)
                if st.form_submit_button(t("my_profile.report"), type="primary", icon=":material/task_alt:"):
                    try:
                        data.report_plan_item_done(item, note)
                    except (NotAllowed, ValueError) as exc:
                        st.error(md(exc))
                    else:
                        done(t("my_profile.reported", title=titles[item]))
        else:
            st.caption(t("my_profile.report_nothing_open"))

# --- what the company holds about me ------------------------------------------------------------------------
with records_tab:
    st.caption(t("my_profile.records_intro"))
    kinds = ("feedback_360", "performance_ratings", "training_records", "certifications", "projects", "promotions")
    for tab, kind in zip(st.tabs([t(f"my_profile.records_{k}") for k in kinds]), kinds):
        with tab:
            if kind == "feedback_360":
                summary = data.my_feedback()
                if summary["cycle"] is None:
                    st.caption(t("my_profile.no_records"))
                    continue
                st.caption(t("my_profile.feedback_source", cycle=md(summary["cycle"]), when=day(summary["imported_on"]), run=summary["import_run"]))
                st.caption(t("my_profile.feedback_privacy", n=RATER_GROUP_MIN))
                groups = {"self": t("relation.self"), "manager": t("relation.manager"), "peer": t("relation.peer"),
                          "direct_report": t("relation.direct_report"), OTHERS: t("my_profile.group_others")}
                table = summary["groups"].with_columns(
                    pl.col("group").replace_strict(groups, default=pl.col("group")),
                    pl.col("competency").replace_strict({c: t(f"profile_words.competency_{c}") for c in COMPETENCIES},
                                                        default=pl.col("competency").str.replace_all("_", " ").str.to_titlecase()))
                wide = table.pivot(on="competency", index=["group", "responses"], values="score").sort("group")
                st.dataframe(wide, hide_index=True, placeholder=t("my_profile.too_few"), column_config={
                    "group": t("my_profile.col_group"), "responses": t("my_profile.col_responses"),
                    **{c: st.column_config.NumberColumn(c, format="%.2f") for c in wide.columns if c not in ("group", "responses")}})
                if summary["comments"]:
                    st.markdown(f"**{t('my_profile.comments_title')}**")
                    st.markdown("\n".join(f"- {md(c)}" for c in summary["comments"]))
                continue
            frame = data.my_records(kind)
            if frame.height == 0:
                st.caption(t("my_profile.no_records"))
                continue
            words = {"category": pl.col("category").replace({c: t(f"profile_words.category_{c}") for c in CATEGORIES}),
                     "status": pl.col("status").replace({s: t(f"profile_words.training_{s}") for s in TRAINING_STATUSES})}
            frame = frame.with_columns(e for c, e in words.items() if c in frame.columns)
            dates = [c for c in frame.columns if frame.schema[c] == pl.Date]
            st.dataframe(frame, hide_index=True, placeholder="–", column_config={
                **{c: t(f"profile_words.col_{c}") for c in frame.columns if c not in ("import_run", "imported_on")},
                **{c: st.column_config.DateColumn(t(f"profile_words.col_{c}"), format="YYYY-MM-DD") for c in dates if c != "imported_on"},
                "import_run": st.column_config.NumberColumn(t("my_profile.col_import_run"), format="%d"),
                "imported_on": st.column_config.DateColumn(t("my_profile.col_imported_on"), format="YYYY-MM-DD")})
