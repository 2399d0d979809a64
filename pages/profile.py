"""Candidate profile: is this person ready for a middle-management role, and what is it based on?"""
from __future__ import annotations

import time

from datetime import date

import plotly.express as px
import polars as pl
import streamlit as st

from services import theme
from dashboard.plain import md, safe_chart
from dashboard.access import NotAllowed, ScopedData
from dashboard.downloads import talent_card_button
from dashboard.session import signed_in_user
from services.factors import up_and_down
from services.i18n import t, widget_key
from services.nominations import CHANGES as NOMINATION_CHANGES, EXIT_REASONS
from services.plans import KINDS as PLAN_KINDS, SOURCES as PLAN_SOURCES, STATUSES as PLAN_STATUSES
from services.permissions import can_write
from services.reviews import ALL_OUTCOMES as REVIEW_OUTCOMES
from services.people import READINESS, SEARCH_ROWS
from services.config import settings as load_settings

CATEGORIES = ("leadership", "management", "technical", "compliance", "other", "certification")
TRAINING_STATUSES = ("completed", "in_progress", "dropped")
PLAN_CHANGES = ("created", "item_added", "status_changed", "due_date_changed", "title_changed", "kind_changed", "review_adjustment")
COMPETENCIES = ("leadership", "communication", "strategic_thinking", "collaboration", "execution")
RECORD_COLUMNS = ("period", "rating", "score", "start_date", "completion_date", "course_id", "course_name", "category", "provider", "hours",
                  "status", "name", "issued_date", "expiry_date", "project_id", "project_name", "role", "team_size", "cross_department",
                  "end_date", "cycle", "rater_relation", "competency", "comment", "skills", "career_aspiration", "career_plan_submitted",
                  "updated_at", "effective_date", "from_level", "to_level", "to_position", "into_management")


def competency_words(column: pl.Expr) -> pl.Expr:
    """A competency in words: the known ones translated, an imported one with its underscores as spaces."""
    return column.replace_strict({c: t(f"profile_words.competency_{c}") for c in COMPETENCIES},
                                 default=column.str.replace_all("_", " ").str.to_titlecase())


def in_words(frame: pl.DataFrame) -> pl.DataFrame:
    """An imported record's coded values (rater, competency, course category and status, aspiration) as words."""
    words = {
        "rater_relation": pl.col("rater_relation").replace({r: t(f"relation.{r}") for r in ("self", "manager", "peer", "direct_report")}),
        "competency": competency_words(pl.col("competency")),
        "category": pl.col("category").replace({c: t(f"profile_words.category_{c}") for c in CATEGORIES}),
        "status": pl.col("status").replace({s: t(f"profile_words.training_{s}") for s in TRAINING_STATUSES}),
        "career_aspiration": pl.col("career_aspiration").replace({a: t(f"candidates.aspiration_{a}") for a in ("management", "specialist", "undecided")}),
    }
    return dashes(frame.with_columns(e for c, e in words.items() if c in frame.columns and frame.schema[c] == pl.String))


def dashes(frame: pl.DataFrame) -> pl.DataFrame:
    """Empty text shown as a dash, not as "None"."""
    return frame.with_columns(pl.col(pl.String).fill_null("–"))


user = signed_in_user()
data = ScopedData(user)
employee_id = str(st.query_params.get("employee", "")).strip()[:64]
st.title(t("profile.title"))
flash = st.session_state.pop("profile_flash", None)  # set before the rerun that follows a change
if flash and time.monotonic() - flash[1] < 30:  # a message left by an interrupted run is dropped
    st.toast(flash[0], icon=":material/check_circle:")


def search_box() -> None:
    """Find anyone in scope by name or employee id, and open their profile."""
    box, pick = st.columns([2, 3], vertical_alignment="bottom")
    text = box.text_input(t("profile_search.label"), placeholder=t("profile_search.placeholder"), help=t("profile_search.help"),
                          key="profile_search", max_chars=100)
    if not text.strip():
        return
    found = data.search_people(text)
    if found.height == 0:
        pick.info(t("profile_search.none", text=md(text.strip())))
        return
    words = {r["employee_id"]: t("profile_search.person_left" if r["status"] == "left" else "profile_search.person",
                                 name=r["name"], department=r["department"], position=r["position"] or "–", employee=r["employee_id"])
             for r in found.iter_rows(named=True)}
    chosen = pick.selectbox(t("profile_search.pick"), list(words), format_func=words.get, index=None,
                            placeholder=t("profile_search.pick_placeholder", n=found.height), key=f"profile_pick.{text.strip()}")
    if found.height >= SEARCH_ROWS:
        st.caption(t("profile_search.more", n=SEARCH_ROWS))
    if chosen and chosen != employee_id:
        st.query_params["employee"] = chosen
        st.rerun()


search_box()
if not employee_id:
    st.info(t("profile.empty"))
    st.page_link("pages/candidates.py", label=t("profile.go_to_candidates"), icon=":material/person_search:")
    st.stop()
person = data.profile(employee_id)
if person is None:
    st.error(t("profile.not_found", employee=md(employee_id)))
    st.page_link("pages/candidates.py", label=t("profile.go_to_candidates"), icon=":material/person_search:")
    st.stop()

st.header(f"{md(person['name'])} · {md(person['position'])}")
st.caption(t("profile.summary", department=md(person["department"]), level=person["job_level"], tenure=person["tenure_years"],
             employee=md(person["employee_id"]),
             status=t(f"profile_pool.status_{person['status']}") if person["status"] in ("active", "left") else md(person["status"])))
talent_card_button(st, data, employee_id)  # one A4 page for the talent review (issue #16), audited on click
m = st.columns(5)
m[0].metric(t("candidates.col_score"), f"{person['pool_score']:.0f}", help=t("candidates.score_definition"))
m[1].metric(t("candidates.col_rating"), person["latest_rating"] or "–", help=t("profile.rating_help"))
m[2].metric(t("candidates.col_360"), f"{person['feedback_others']:.2f}" if person["feedback_others"] is not None else "–", help=t("profile.feedback_help"))
m[3].metric(t("candidates.col_leadership_hours"), f"{person['leadership_training_hours']:.0f}", help=t("profile.leadership_help"))
m[4].metric(t("candidates.col_meets_rules"), t("profile.yes") if person["meets_pool_rules"] else t("profile.no"), help=t("overview.pool_eligible_help", top=round(100 * load_settings().rules.top_performance_share)))

st.subheader(t("profile.why_title"))
if person.get("potential_score") is not None:
    st.metric(t("profile.potential"), f"{person['potential_score']:.1f}", help=t("candidates.potential_definition"))
    st.caption(t("profile.why_definition") + " " + t("model.scored_as_of", as_of=person["scored_as_of"], version=person["model_version"]))
    reasons = up_and_down(person["factors"])  # the model's reasons in words, as on the talent card
    up, down = st.columns(2)
    up.markdown(f"**{t('profile.factor_up')}**\n\n" + "\n".join(f"- {line}" for line in reasons["up"]))
    down.markdown(f"**{t('profile.factor_down')}**\n\n" + "\n".join(f"- {line}" for line in reasons["down"]))
else:
    st.caption(t("profile.why_none"))

# Flight risk (issue #16 part 4): the person's band and the reasons that move it most.
if (risk := data.flight_risk_for(employee_id)) is not None:
    st.markdown(t("flight_risk.profile_line", band=t(f"flight_risk.band_{risk['risk_band']}"), pct=f"{100 * risk['probability']:.0f}"),
                help=t("flight_risk.profile_help"))
    st.caption(t("flight_risk.reason_separator").join(r["text"] for r in risk["reasons"]))

st.subheader(t("profile.composite_title"))
st.caption(t("profile.composite_definition"))
if person.get("composite_score") is not None:
    parts = ["performance", "team_rating_improvement", "projects_delivered", "leadership_360", "strategic_thinking_360", "collaboration_360"]
    c = st.columns(3)
    c[0].metric(t("profile.composite"), f"{person['composite_score']:.1f}")
    c[1].metric(t("profile.quantitative", weight=round(100 * person["quantitative_weight"])), "–" if person["quantitative_score"] is None else f"{person['quantitative_score']:.1f}")
    c[2].metric(t("profile.qualitative", weight=round(100 * person["qualitative_weight"])), "–" if person["qualitative_score"] is None else f"{person['qualitative_score']:.1f}")
    st.dataframe(pl.DataFrame({t("profile.indicator"): [t(f"indicator.{p}") for p in parts],
                               t("profile.indicator_value"): [person[p] for p in parts]}),
                 hide_index=True, column_config={t("profile.indicator_value"): st.column_config.ProgressColumn(min_value=0, max_value=100, format="%.0f")})
else:
    st.caption(t("profile.no_composite"))

ratings = data.records(employee_id, "performance_ratings")
feedback = data.feedback_by_competency((employee_id,))
left, right = st.columns(2)
with left:
    st.subheader(t("profile.ratings_title"))
    st.caption(t("profile.ratings_definition"))
    if ratings.height:
        grades = list(load_settings().grades)
        points = {g: len(grades) - i for i, g in enumerate(grades)}
        chart = ratings.with_columns(pl.col("rating").replace_strict(points, default=None).alias("points"))
        fig = px.line(chart, x="period", y="points", markers=True, template=theme.TEMPLATE, color_discrete_sequence=[theme.PRIMARY],
                      category_orders={"period": chart["period"].to_list()},
                      labels={"period": t("profile.axis_period"), "points": t("profile.axis_grade"), "rating": t("profile_words.hover_rating"),
                              "score": t("profile_words.hover_score")}, hover_data=["rating", "score"])
        fig.update_layout(height=300, yaxis=dict(tickvals=list(points.values()), ticktext=list(points.keys()), range=[0.5, len(grades) + 0.5]))
        st.plotly_chart(safe_chart(fig), width="stretch")
    else:
        st.info(t("profile.no_ratings"))
with right:
    st.subheader(t("profile.radar_title"))
    st.caption(t("profile.radar_definition"))
    if feedback.height:
        labelled = feedback.sort("competency").with_columns(pl.col("rater_relation").replace({r: t(f"relation.{r}") for r in ("self", "manager", "peer", "direct_report")}),
                                                            competency_words(pl.col("competency")))
        fig = px.line_polar(labelled, r="score", theta="competency", color="rater_relation", line_close=True,
                            labels={"competency": t("profile_words.radar_axis"), "score": t("profile_words.hover_score"),
                                    "rater_relation": t("profile_words.col_rater_relation")},
                            template=theme.TEMPLATE, range_r=[1, 5], color_discrete_sequence=theme.SEQUENCE)
        fig.update_layout(height=300, legend_title_text=None)
        st.plotly_chart(safe_chart(fig), width="stretch")
    else:
        st.info(t("profile.no_feedback"))

training = data.records(employee_id, "training_records")
certificates = data.records(employee_id, "certifications")
st.subheader(t("profile.timeline_title"))
st.caption(t("profile.timeline_definition"))
timeline = pl.concat([
    training.select(pl.col("course_name").alias("item"), pl.col("category").alias("kind"), pl.col("start_date").alias("start"),
                    pl.coalesce("completion_date", pl.col("start_date") + pl.duration(days=1)).alias("end"), pl.col("status")),
    certificates.select(pl.col("name").alias("item"), pl.lit("certification").alias("kind"), pl.col("issued_date").alias("start"),
                        pl.coalesce("expiry_date", pl.col("issued_date") + pl.duration(days=365)).alias("end"), pl.lit("valid").alias("status")),
], how="vertical_relaxed") if training.height or certificates.height else pl.DataFrame()
if timeline.height:
    timeline = timeline.with_columns(
        pl.col("kind").replace_strict({c: t(f"profile_words.category_{c}") for c in CATEGORIES}, default=pl.col("kind")),
        pl.col("status").replace_strict({s: t(f"profile_words.training_{s}") for s in TRAINING_STATUSES} | {"valid": t("profile_words.certificate_valid")},
                                        default=pl.col("status")))
    fig = px.timeline(timeline.with_columns(pl.col("end").clip(lower_bound=pl.col("start") + pl.duration(days=7))),
                      x_start="start", x_end="end", y="item", color="kind", template=theme.TEMPLATE, color_discrete_sequence=theme.SEQUENCE,
                      hover_data=["status"], labels={"kind": t("profile.axis_kind"), "item": "", "status": t("profile_words.hover_status")})
    fig.update_layout(height=min(120 + 22 * timeline.height, 520), xaxis_title=t("profile.axis_date"))
    fig.update_xaxes(tickformat="%Y-%m")  # numbers read the same in every language (Plotly's month names are English)
    st.plotly_chart(safe_chart(fig), width="stretch")
else:
    st.caption(t("profile.no_records"))

st.subheader(t("profile.records_title"))
st.caption(t("profile.records_definition"))
tabs = st.tabs([t(f"profile.tab_{e}") for e in ("performance_ratings", "training_records", "certifications", "projects", "feedback_360", "profiles", "promotions")])
for tab, entity in zip(tabs, ("performance_ratings", "training_records", "certifications", "projects", "feedback_360", "profiles", "promotions")):
    with tab:
        frame = {"performance_ratings": ratings, "training_records": training, "certifications": certificates}.get(entity)
        frame = data.records(employee_id, entity) if frame is None else frame
        if frame.height:
            st.dataframe(in_words(frame), hide_index=True, column_config={
                **{c: t(f"profile_words.col_{c}") for c in frame.columns if c in RECORD_COLUMNS},
                "source_file": t("profile.col_source_file"), "source_row": t("profile.col_source_row"),
                "imported_at": st.column_config.DatetimeColumn(t("profile.col_imported_at"), format="YYYY-MM-DD HH:mm")})
        else:
            st.caption(t("profile.no_records"))

st.subheader(t("profile.pool_title"))
nominated = data.nominated()
in_pool = employee_id in nominated
history = data.nomination_history(employee_id)
current_target = history["target_position"][0] if in_pool and history.height else None
readiness_words = {v: t(f"readiness.{v}") for v in READINESS}
if in_pool:
    now = readiness_words.get(nominated[employee_id], "–")
    st.write(t("profile.pool_in", readiness=now))
    if current_target:
        st.caption(t("profile_pool.target_now", target=md(current_target)))
else:
    st.write(t("profile.pool_out"))


def done(message: str) -> None:
    st.session_state["profile_flash"] = (message, time.monotonic())
    st.rerun()


if user.can("nominate") and not in_pool:
    with st.form("nomination", clear_on_submit=True):
        readiness = st.selectbox(t("candidates.readiness"), READINESS, format_func=readiness_words.get, key=widget_key("readiness"))
        target = st.text_input(t("profile.target_position"))
        reason = st.text_area(t("profile.reason"), max_chars=2000)
        if st.form_submit_button(t("profile.nominate"), type="primary"):
            try:
                data.nominate(employee_id, "nominate", reason, readiness, target)
            except (NotAllowed, ValueError) as exc:
                st.error(md(exc))  # messages carry typed and imported values: plain text
            else:
                done(t("profile.nominate_done", name=person["name"]))
elif user.can("nominate"):
    change_col, remove_col = st.columns(2)
    with change_col, st.form("readiness_change", clear_on_submit=True):
        st.markdown(f"**{t('profile_pool.change_title')}**")
        st.caption(t("profile_pool.change_help"))
        others = [r for r in READINESS if r != nominated[employee_id]]
        readiness = st.selectbox(t("profile_pool.new_readiness"), others, format_func=readiness_words.get, key=widget_key("new_readiness"))
        target = st.text_input(t("profile_pool.target_keep"), placeholder=current_target or "")
        reason = st.text_area(t("profile.reason"), max_chars=2000, key="readiness_reason")
        if st.form_submit_button(t("profile_pool.change"), type="primary"):
            try:
                data.change_readiness(employee_id, readiness, reason, target)
            except (NotAllowed, ValueError) as exc:
                st.error(md(exc))  # messages carry typed and imported values: plain text
            else:
                done(t("profile_pool.change_done", name=person["name"], readiness=readiness_words[readiness]))
    with remove_col, st.form("nomination", clear_on_submit=True):
        st.markdown(f"**{t('profile_pool.remove_title')}**")
        exit_reason = st.selectbox(t("profile.exit_reason"), EXIT_REASONS, format_func={v: t(f"exit_reason.{v}") for v in EXIT_REASONS}.get,
                                   index=None, placeholder=t("profile_pool.exit_placeholder"), key=widget_key("exit_reason"))
        reason = st.text_area(t("profile.reason"), max_chars=2000, key="remove_reason")
        if st.form_submit_button(t("profile.remove")):
            if exit_reason is None:
                st.error(t("profile_pool.exit_required"))
            else:
                try:
                    data.nominate(employee_id, "remove", reason, exit_reason=exit_reason)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed and imported values: plain text
                else:
                    done(t("profile.remove_done", name=person["name"]))
if history.height:
    st.markdown(f"**{t('profile_pool.history_title')}**")
    st.dataframe(dashes(history.select(
        "decided_at", pl.col("change").replace_strict({c: t(f"profile_pool.change_{c}") for c in NOMINATION_CHANGES}, default=pl.col("change")),
        pl.col("readiness").replace_strict(readiness_words, default=pl.col("readiness")), "target_position",
        pl.col("exit_reason").replace_strict({v: t(f"exit_reason.{v}") for v in EXIT_REASONS}, default=pl.col("exit_reason")),
        "reason", "decided_by")), hide_index=True, column_config={
        "decided_at": st.column_config.DatetimeColumn(t("profile.col_when"), format="YYYY-MM-DD HH:mm", width="small"),
        "change": st.column_config.TextColumn(t("profile.col_action"), width="medium"),
        "readiness": st.column_config.TextColumn(t("candidates.readiness"), width="medium"),
        "target_position": t("profile.target_position"), "exit_reason": t("profile.exit_reason"),
        "reason": st.column_config.TextColumn(t("profile_pool.col_reason"), width="large"), "decided_by": t("profile.col_by")})

# --- development plan ---------------------------------------------------------------------------
st.subheader(t("profile_plan.title"))
st.caption(t("profile_plan.definition"))
plan_items, plan_changes = data.plan(employee_id)
may_edit = can_write(user, person["department"])
if plan_items.height == 0:
    st.caption(t("profile_plan.none"))
    if may_edit:
        with st.form("create_plan"):
            starts_on = st.date_input(t("profile_plan.starts_on"), value=date.today())
            if st.form_submit_button(t("profile_plan.create"), type="primary"):
                try:
                    data.create_plan(employee_id, starts_on)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed and imported values: plain text
                else:
                    st.rerun()
else:
    kinds = {k: t(f"plan_kind.{k}") for k in PLAN_KINDS}
    statuses = {s: t(f"plan_status.{s}") for s in PLAN_STATUSES}
    shown = plan_items.select(
        "item_id", pl.col("kind").replace_strict(kinds), "title", pl.col("source").replace_strict({x: t(f"plan_source.{x}") for x in PLAN_SOURCES}), "due_date",
        pl.when(pl.col("done_from_training")).then(pl.lit(t("profile_plan.done_from_training")))
        .when(pl.col("reported_done_at").is_not_null() & pl.col("confirmed_at").is_null() & (pl.col("status") != "done"))
        .then(pl.lit(t("plan_report.status_to_confirm")))
        .otherwise(pl.col("status").replace_strict(statuses)).alias("status"), "done_on", "overdue")
    done, counted = plan_items.filter(pl.col("counts"))["done"].sum(), plan_items.filter(pl.col("counts")).height
    st.progress(done / counted if counted else 0.0, text=t("profile_plan.progress", done=done, items=counted))
    st.dataframe(dashes(shown), hide_index=True, column_config={
        "item_id": "#", "kind": t("plans.kind"), "title": t("plans.item_title"), "source": t("profile_plan.source"),
        "due_date": st.column_config.DateColumn(t("plans.due"), format="YYYY-MM-DD"), "status": t("profile_plan.status"),
        "done_on": st.column_config.DateColumn(t("profile_plan.done_on"), format="YYYY-MM-DD"),
        "overdue": st.column_config.CheckboxColumn(t("plans.overdue"))})
    waiting = plan_items.filter(pl.col("reported_done_at").is_not_null() & pl.col("confirmed_at").is_null() & (pl.col("status") != "done"))
    if waiting.height:  # the candidate reported these done (issue #18): their head or HR confirms
        with st.container(border=True):
            st.markdown(f"**{t('plan_report.waiting_title', n=waiting.height)}**")
            st.caption(t("plan_report.waiting_help"))
            st.dataframe(waiting.select("title", "due_date", "reported_done_at", "reported_done_note"), hide_index=True, column_config={
                "title": t("plans.item_title"), "due_date": st.column_config.DateColumn(t("plans.due"), format="YYYY-MM-DD"),
                "reported_done_at": st.column_config.DatetimeColumn(t("plan_report.col_reported_on"), format="YYYY-MM-DD"),
                "reported_done_note": st.column_config.TextColumn(t("plan_report.col_note"), width="large")})
            if may_edit:
                with st.form("confirm_reported", clear_on_submit=True):
                    reported = dict(zip(waiting["item_id"].to_list(), waiting["title"].to_list()))
                    cols = st.columns([2, 1, 2])
                    item = cols[0].selectbox(t("plan_report.item"), list(reported), format_func=reported.get)
                    decision = cols[1].radio(t("plan_report.decision"), ("confirm", "send_back"), key=widget_key("report_decision"),
                                             format_func={"confirm": t("plan_report.confirm"), "send_back": t("plan_report.send_back")}.get)
                    note = cols[2].text_input(t("plan_report.note"), max_chars=1000)
                    if st.form_submit_button(t("plan_report.apply"), type="primary", icon=":material/task_alt:"):
                        try:
                            data.confirm_plan_item(item, decision == "confirm", note)
                        except (NotAllowed, ValueError) as exc:
                            st.error(md(exc))  # messages carry typed and imported values: plain text
                        else:
                            # (`done` is the plan's count by now: the flash is set here)
                            st.session_state["profile_flash"] = (t("plan_report.confirmed" if decision == "confirm" else "plan_report.returned",
                                                                   title=reported[item]), time.monotonic())
                            st.rerun()
    if may_edit:
        left, right = st.columns(2)
        with left, st.form("change_item", clear_on_submit=True):
            st.markdown(f"**{t('profile_plan.change_title')}**")
            titles = dict(zip(plan_items["item_id"].to_list(), plan_items["title"].to_list()))
            item = st.selectbox(t("plans.item_title"), list(titles), format_func=titles.get)
            status = st.selectbox(t("profile_plan.status"), ["", *PLAN_STATUSES], format_func={"": t("profile_plan.unchanged"), **statuses}.get, key=widget_key("item_status"))
            move = st.checkbox(t("profile_plan.move_due"))
            due = st.date_input(t("plans.due"), value=date.today())
            reason = st.text_input(t("profile.reason"))
            if st.form_submit_button(t("profile_plan.save_change"), type="primary"):
                try:
                    changed = data.change_plan_item(item, reason, status=status or None, due_date=due if move else None)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed and imported values: plain text
                else:
                    st.toast(t("profile_plan.changed", n=changed))
                    st.rerun()
        with right, st.form("add_item", clear_on_submit=True):
            st.markdown(f"**{t('profile_plan.add_title')}**")
            kind = st.selectbox(t("plans.kind"), PLAN_KINDS, format_func=kinds.get, key=widget_key("item_kind"))
            title = st.text_input(t("plans.item_title"))
            due = st.date_input(t("plans.due"), value=date.today())
            reason = st.text_input(t("profile.reason"))
            if st.form_submit_button(t("profile_plan.add"), type="primary"):
                try:
                    data.add_plan_item(int(plan_items["plan_id"][0]), kind, title, due, reason)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed and imported values: plain text
                else:
                    st.rerun()
    if plan_changes.height:
        with st.expander(t("profile_plan.history", n=plan_changes.height)):
            value_words = statuses | kinds  # a status or kind change's before and after; other values are text or dates
            cycle_words = pl.col("cycle_id").str.extract(r"^(\d{4})-") + " · " + pl.col("cycle_id").str.replace(r"^\d{4}-", "").replace_strict(
                {k: t(f"reviews.kind_{k}") for k in ("mid_year", "year_end")}, default=pl.col("cycle_id"))
            st.dataframe(dashes(plan_changes.select(
                "changed_at", pl.col("change").replace_strict({c: t(f"profile_words.plan_change_{c}") for c in PLAN_CHANGES}
                                                | {c: t(f"plan_report.change_{c}") for c in ("reported_done", "report_returned")}, default=pl.col("change")),
                pl.col("before").replace(value_words), pl.col("after").replace(value_words), "reason",
                pl.coalesce(cycle_words, pl.col("cycle_id")).alias("cycle_id"), "changed_by")), hide_index=True,
                         column_config={"changed_at": st.column_config.DatetimeColumn(t("profile.col_when"), format="YYYY-MM-DD HH:mm"),
                                        "change": t("profile_plan.change"), "before": t("profile_plan.before"), "after": t("profile_plan.after"),
                                        "reason": t("profile.reason"), "cycle_id": t("reviews.cycle"), "changed_by": t("profile.col_by")})

# --- review results ----------------------------------------------------------------------------
st.subheader(t("profile_reviews.title"))
st.caption(t("profile_reviews.definition"))
results = data.review_results(employee_id)
if results.height == 0:
    st.caption(t("profile_reviews.none"))
else:
    outcomes = {o: t(f"outcome.{o}") for o in REVIEW_OUTCOMES}
    st.dataframe(dashes(results.select(
        "year", pl.col("kind").replace_strict({k: t(f"reviews.kind_{k}") for k in ("mid_year", "year_end")}),
        (100 * pl.col("plan_completion")).round(0).alias("plan_completion"), "composite_score",
        pl.col("outcome").replace_strict(outcomes, default=None), pl.col("confirmed_outcome").replace_strict(outcomes, default=None),
        "strengths", "gaps", "comment", "rationale", "disputes")), hide_index=True, column_config={
        "year": st.column_config.NumberColumn(t("reviews.year"), format="%d"), "kind": t("reviews.cycle"),
        "plan_completion": st.column_config.NumberColumn(t("reviews.col_plan_completion"), format="%.0f%%"),
        "composite_score": st.column_config.NumberColumn(t("reviews.col_composite"), format="%.1f"),
        "outcome": t("reviews.col_outcome"), "confirmed_outcome": t("reviews.col_confirmed"), "strengths": t("reviews.strengths"),
        "gaps": t("reviews.gaps"), "comment": t("reviews.comment"), "rationale": t("reviews.rationale"), "disputes": t("reviews.disputes_title")})
