"""Review cycles: how did the July mid-year and the year-end reviews go, and what is left to record?"""
from __future__ import annotations

from datetime import date

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from services import reviews, theme
from dashboard.plain import md, safe_chart
from dashboard.tables import column_picker
from dashboard.access import NotAllowed, ScopedData
from dashboard.downloads import csv_download
from services.i18n import t, widget_key
from dashboard.session import signed_in_user
from services.config import settings as load_settings

st.title(t("reviews.title"))
st.caption(t("reviews.intro"))
user = signed_in_user()
data = ScopedData(user)


def pct(value) -> str:
    return "–" if value is None else f"{value:.0%}"


def outcome_label(code: str | None) -> str:
    return "–" if code is None else t(f"outcome.{code}")


def cycle_label(row: dict) -> str:
    return t("reviews.cycle_label", year=row["year"], kind=t(f"reviews.kind_{row['kind']}"), status=t(f"reviews.status_{row['status']}"))


cycles = data.cycles()
if user.can("manage_company_records"):
    with st.expander(t("reviews.manage_title"), icon=":material/event:", expanded=cycles.height == 0):
        with st.form("open_cycle"):
            cols = st.columns(2)
            year = cols[0].number_input(t("reviews.year"), min_value=2000, max_value=2100, value=date.today().year, step=1)
            year_end = cols[1].checkbox(t("reviews.open_year_end"), help=t("reviews.open_year_end_help"))
            if st.form_submit_button(t("reviews.open"), type="primary"):
                try:
                    data.open_cycle(int(year), "year_end" if year_end else "mid_year")
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed and imported values: plain text
                else:
                    st.toast(t("reviews.opened", cycle=f"{int(year)} · {t('reviews.kind_year_end' if year_end else 'reviews.kind_mid_year')}"))
                    st.rerun()

if cycles.height == 0:
    st.info(t("reviews.empty"))
    st.stop()

labels = {row["cycle_id"]: cycle_label(row) for row in cycles.iter_rows(named=True)}
cycle_id = st.selectbox(t("reviews.cycle"), list(labels), format_func=labels.get, key=widget_key("cycle"))
cycle = cycles.filter(pl.col("cycle_id") == cycle_id).row(0, named=True)
kind, is_open = cycle["kind"], cycle["status"] == "open"
st.caption(t("reviews.cycle_caption_closed" if cycle["closed_at"] else "reviews.cycle_caption_open", opened=f"{cycle['opened_at']:%Y-%m-%d}",
             by=cycle["opened_by"], closed=f"{cycle['closed_at']:%Y-%m-%d}" if cycle["closed_at"] else ""))

if user.can("manage_company_records") and is_open:
    cols = st.columns([1, 1, 3])
    if cols[0].button(t("reviews.refresh"), icon=":material/refresh:", help=t("reviews.refresh_help")):
        n = data.refresh_cycle(cycle_id)
        st.toast(t("reviews.refreshed", members=n))
        st.rerun()
    if cols[1].button(t("reviews.close"), icon=":material/lock:", help=t("reviews.close_help")):
        data.close_cycle(cycle_id)
        st.rerun()
    with cols[2].popover(t("candidate_review.deadline_move"), icon=":material/event:"):
        with st.form(f"deadline_{cycle_id}", border=False):
            due = st.date_input(t("candidate_review.deadline_label"), value=cycle["self_assessment_due"], min_value=cycle["opened_at"].date())
            if st.form_submit_button(t("candidate_review.deadline_set")):
                try:
                    data.set_self_assessment_due(cycle_id, due)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))
                else:
                    st.toast(t("candidate_review.deadline_moved", due=f"{due:%Y-%m-%d}"))
                    st.rerun()

if is_open:  # reminders: whose self-assessment is still missing, per department within scope, and the deadline
    waiting = data.review_reminders().filter(pl.col("cycle_id") == cycle_id)
    due, days_left = cycle["self_assessment_due"], (cycle["self_assessment_due"] - date.today()).days
    when = t("candidate_review.days_left", days=days_left) if days_left > 0 else (
        t("candidate_review.due_today") if days_left == 0 else t("candidate_review.deadline_passed"))
    missing = waiting.filter(pl.col("missing") > 0)
    if missing.height:
        lines = [t("candidate_review.reminder_one" if r["missing"] == 1 else "candidate_review.reminder_many", missing=r["missing"],
                   members=r["members"], department=md(r["department"])) for r in missing.iter_rows(named=True)]
        st.warning(t("candidate_review.reminders_title", due=f"{due:%Y-%m-%d}", when=when) + "\n\n" + "\n".join(f"- {line}" for line in lines),
                   icon=":material/notifications:")
    elif waiting.height:
        st.success(t("candidate_review.reminders_all_in", members=int(waiting["members"].sum()), due=f"{due:%Y-%m-%d}"))

figures = data.cycle_figures(cycle_id)
people = data.cycle_people(cycle_id)
total = figures.filter(pl.col("department").is_null()).row(0, named=True)
previous = total.get("previous_cycle")


def delta(name: str, as_percent: bool = True):
    before, now = total.get(f"prev_{name}"), total.get(name)
    if before is None or now is None:
        return None
    change = 100 * (now - before) if as_percent else now - before
    return None if round(change) == 0 else f"{change:+.0f}" + (" pp" if as_percent else "")  # no arrow for "no change"


# --- the cycle's figures ---------------------------------------------------------------------
st.subheader(t("reviews.figures_title"))
st.caption(t("reviews.figures_definition", previous=labels.get(previous, t("reviews.no_previous")) if previous else t("reviews.no_previous")))
window = int(load_settings().review["promotion_window_months"])
promotion_so_far = (date.today() - cycle["opened_at"].date()).days < window * 30.44  # the window is still running
cols = st.columns(3) + st.columns(3)
cols[0].metric(t("reviews.members"), f"{total['members']:,}", delta(("members"), False), help=t("reviews.members_help"))
cols[1].metric(t("reviews.assessed"), f"{total['assessed']:,}", help=t("reviews.assessed_help"))
cols[2].metric(t("reviews.quantified_share"), pct(total["quantified_share"]), delta("quantified_share"), help=t("reviews.quantified_share_help"))
cols[3].metric(t("reviews.plan_adjustment_rate"), pct(total["plan_adjustment_rate"]), delta("plan_adjustment_rate"), help=t("reviews.plan_adjustment_rate_help"))
cols[4].metric(t("reviews.promotion_rate_so_far" if promotion_so_far else "reviews.promotion_rate"), pct(total["promotion_rate"]),
               None if promotion_so_far else delta("promotion_rate"), help=t("reviews.promotion_rate_help"))
cols[5].metric(t("reviews.disputes"), f"{total['disputes_open']:,} / {total['disputes_answered']:,}", help=t("reviews.disputes_help"))

by_department = figures.filter(pl.col("department").is_not_null())
outcome_columns = [f"outcome_{o}" for o in reviews.OUTCOMES[kind]]
long = by_department.unpivot(index="department", on=outcome_columns, variable_name="outcome", value_name="people").with_columns(
    pl.col("outcome").str.replace("outcome_", "").replace({o: t(f"outcome.{o}") for o in reviews.OUTCOMES[kind]}))
# The outcomes chart and the figures table each take the page's width, so all eight columns show at 1440 px.
st.markdown(f"**{t('reviews.outcomes_title')}**")
st.caption(t("reviews.outcomes_definition"))
fig = px.bar(long, y="department", x="people", color="outcome", orientation="h", template=theme.TEMPLATE,
             color_discrete_sequence=theme.SEQUENCE, labels={"people": t("reviews.axis_people"), "department": "", "outcome": ""})
fig.update_layout(height=110 + 30 * max(by_department.height, 1), legend_title_text="", legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0))
fig.update_xaxes(tickformat=",d", rangemode="tozero")  # people: whole numbers
st.plotly_chart(safe_chart(fig), width="stretch")
st.markdown(f"**{t('reviews.by_department_title')}**")
shares = ("quantified_share", "plan_adjustment_rate", "promotion_rate", "prev_promotion_rate")
table = by_department.select("department", "members", "assessed", *((100 * pl.col(c)).round(0).alias(c) for c in shares), "disputes_open")
st.dataframe(table, hide_index=True, placeholder="–", column_config={
    "department": st.column_config.TextColumn(t("reviews.col_department"), width=140),
    "members": st.column_config.NumberColumn(t("reviews.members"), width=75, help=t("reviews.members_help")),
    "assessed": st.column_config.NumberColumn(t("reviews.assessed"), width=75, help=t("reviews.assessed_help")),
    "quantified_share": st.column_config.ProgressColumn(t("reviews.quantified_share"), format="%.0f%%", min_value=0, max_value=100, width=130,
                                                        help=t("reviews.quantified_share_help")),
    "plan_adjustment_rate": st.column_config.NumberColumn(t("reviews.plan_adjustment_rate"), format="%.0f%%", width=135,
                                                          help=t("reviews.plan_adjustment_rate_help")),
    "promotion_rate": st.column_config.NumberColumn(t("reviews.promotion_rate"), format="%.0f%%", width=110, help=t("reviews.promotion_rate_help")),
    # Headers fit their columns at 1440 px: a short one beside "Promotion rate", the full name in its help.
    "prev_promotion_rate": st.column_config.NumberColumn(t("reviews.prev_promotion_rate_short"), format="%.0f%%", width=125,
                                                         help=t("reviews.prev_promotion_rate_help")),
    "disputes_open": st.column_config.NumberColumn(t("reviews.disputes_open"), width=115)})

# --- the members ------------------------------------------------------------------------------
st.subheader(t("reviews.members_title"))
st.caption(t("reviews.members_definition"))
shown = people.select(
    "employee_id", "name", "department", pl.col("reviewer").fill_null(t("reviews.hr_reviews")), (100 * pl.col("plan_completion")).round(0).alias("plan_completion"), "rating_change",
    "feedback_change", "composite_score",
    pl.col("suggested_outcome").replace_strict({o: t(f"outcome.{o}") for o in reviews.ALL_OUTCOMES}, default=None),
    pl.col("outcome").replace_strict({o: t(f"outcome.{o}") for o in reviews.ALL_OUTCOMES}, default=None),
    pl.col("confirmed_outcome").replace_strict({o: t(f"outcome.{o}") for o in reviews.ALL_OUTCOMES}, default=None),
    pl.col("dispute_status").replace_strict({s: t(f"reviews.dispute_{s}") for s in ("none", "open", "answered")}, default=None),
)
if kind == "mid_year":
    shown = shown.drop("confirmed_outcome")
# The columns that say how each member did; the ID, the reviewer, the 360° change and the rules' suggestion behind the picker.
first = ["name", "department", "plan_completion", "rating_change", "composite_score", "outcome", *(["confirmed_outcome"] if kind == "year_end" else []),
         "dispute_status"]
optional = {"employee_id": t("reviews.col_employee"), "reviewer": t("reviews.col_reviewer"), "feedback_change": t("reviews.col_feedback_change"),
            "suggested_outcome": t("reviews.col_suggested")}
picked = column_picker("review_member_columns", optional)
st.dataframe(shown, hide_index=True, height=320, placeholder="–", column_order=[*first, *picked], column_config={
    "employee_id": t("reviews.col_employee"), "name": st.column_config.TextColumn(t("reviews.col_name"), width=110),
    "department": st.column_config.TextColumn(t("reviews.col_department"), width=125), "reviewer": t("reviews.col_reviewer"),
    "plan_completion": st.column_config.ProgressColumn(t("reviews.col_plan_completion"), format="%.0f%%", min_value=0, max_value=100, width=140),
    "rating_change": st.column_config.NumberColumn(t("reviews.col_rating_change"), format="%+.0f", width=90),
    "feedback_change": st.column_config.NumberColumn(t("reviews.col_feedback_change"), format="%+.2f"),
    "composite_score": st.column_config.NumberColumn(t("reviews.col_composite"), format="%.1f", width=120),
    "suggested_outcome": t("reviews.col_suggested"), "outcome": st.column_config.TextColumn(t("reviews.col_outcome"), width=150),
    "confirmed_outcome": st.column_config.TextColumn(t("reviews.col_confirmed"), width=130),
    "dispute_status": st.column_config.TextColumn(t("reviews.col_dispute"), width=65)})
csv_download(st, t("reviews.download_members"), shown, f"review-{cycle_id}-members.csv", data.audit_export, f"review members {cycle_id}")

# --- the candidates' engagement (issue #18) ------------------------------------------------------------
st.subheader(t("candidate_review.engagement_title"))
st.caption(t("candidate_review.engagement_definition", year=cycle["year"], due=f"{cycle['self_assessment_due']:%Y-%m-%d}"))
engagement = data.engagement(cycle_id)
everyone = engagement.filter(pl.col("department").is_null()).row(0, named=True)
cols = st.columns(4)
cols[0].metric(t("candidate_review.profile_updated"), pct(everyone["profile_update_share"]),
               help=t("candidate_review.profile_updated_help", count=everyone["profile_updated"], members=everyone["members"], year=cycle["year"]))
cols[1].metric(t("candidate_review.self_assessed"), pct(everyone["self_assessment_share"]),
               help=t("candidate_review.self_assessed_help", count=everyone["self_assessed_on_time"], members=everyone["members"]))
cols[2].metric(t("candidate_review.disputed"), pct(everyone["dispute_share"]),
               help=t("candidate_review.disputed_help", count=everyone["disputed"], members=everyone["members"]))
cols[3].metric(t("candidate_review.disputes_answered"), "–" if not everyone["disputes_raised"] else t(
    "candidate_review.answered_value", answered=everyone["disputes_answered_count"], raised=everyone["disputes_raised"]),
               help=t("candidate_review.disputes_answered_help", open=everyone["disputes_unanswered"],
                      days="–" if everyone["avg_days_to_answer"] is None else f"{everyone['avg_days_to_answer']:.1f}"))
with st.expander(t("candidate_review.engagement_by_department")):
    st.dataframe(engagement.filter(pl.col("department").is_not_null()).select(
        "department", "members", *((100 * pl.col(c)).round(0).alias(c) for c in ("profile_update_share", "self_assessment_share", "dispute_share")),
        "disputes_answered_count", "disputes_unanswered", pl.col("avg_days_to_answer").round(1)), hide_index=True, placeholder="–", column_config={
        "department": st.column_config.TextColumn(t("reviews.col_department"), width=130),
        "members": st.column_config.NumberColumn(t("reviews.members"), width=70),
        "profile_update_share": st.column_config.NumberColumn(t("candidate_review.profile_updated"), format="%.0f%%", width=140),
        "self_assessment_share": st.column_config.NumberColumn(t("candidate_review.self_assessed"), format="%.0f%%", width=140),
        "dispute_share": st.column_config.NumberColumn(t("candidate_review.disputed"), format="%.0f%%", width=110),
        "disputes_answered_count": st.column_config.NumberColumn(t("candidate_review.col_answered"), width=115),
        "disputes_unanswered": st.column_config.NumberColumn(t("candidate_review.col_unanswered"), width=105),
        "avg_days_to_answer": st.column_config.NumberColumn(t("candidate_review.col_days"), format="%.1f", width=105)})

# --- recording -----------------------------------------------------------------------------------
recordable = people.filter(pl.col("department").is_in(list(user.scope))) if user.scope is not None else people
can_record = user.can("write_department_records") and recordable.height > 0
if can_record and is_open:
    st.subheader(t("reviews.record_title"))
    st.caption(t("reviews.record_definition"))
    names = dict(zip(recordable["employee_id"].to_list(), (recordable["name"] + " · " + recordable["department"]).to_list()))
    pending = recordable.filter(pl.col("recorded_at").is_null())["employee_id"].to_list()
    choice = st.selectbox(t("reviews.candidate"), list(names), format_func=names.get,
                          index=list(names).index(pending[0]) if pending else 0, key=f"record_{cycle_id}")
    person = recordable.filter(pl.col("employee_id") == choice).row(0, named=True)
    facts = st.columns(5)
    facts[0].metric(t("reviews.col_plan_completion"), pct(person["plan_completion"]),
                    help=t("reviews.plan_detail", done=person["plan_items_done"] or 0, due=person["plan_items_due"] or 0,
                           courses=person["courses_done"] or 0, rotations=person["rotations_done"] or 0))
    facts[1].metric(t("reviews.col_rating_change"), "–" if person["rating_change"] is None else f"{person['rating_change']:+.0f}",
                    help=t("reviews.rating_detail", before=person["rating_before"] or "–", after=person["rating_after"] or "–"))
    facts[2].metric(t("reviews.col_feedback_change"), "–" if person["feedback_change"] is None else f"{person['feedback_change']:+.2f}")
    facts[3].metric(t("reviews.performance_score"), "–" if person["performance_score"] is None else f"{person['performance_score']:.0f}")
    facts[4].metric(t("reviews.feedback_score"), "–" if person["feedback_score"] is None else f"{person['feedback_score']:.0f}")
    # beside the compiled figures: what the candidate submitted, laid out as the indicators below
    material = {r["indicator"]: r for r in data.member_self_assessment(cycle_id, choice).iter_rows(named=True)}
    with st.container(border=True):
        if material:
            st.markdown(f"**{t('candidate_review.self_title')}** · " + t("candidate_review.self_submitted", name=md(person["name"]),
                        last=max(r["submitted_at"] for r in material.values()).strftime("%Y-%m-%d")))
            grid = st.columns(3) + st.columns(3)
            for box, name in zip(grid, reviews.INDICATORS):
                entry = material.get(name)
                box.markdown(f"**{t(f'my_review.indicator_{name}')}**  \n" + (md(entry["text"] or "") if entry else t("candidate_review.self_blank")))
                if entry and entry["evidence"]:
                    box.caption(t("my_review.evidence_list", items=md("; ".join(entry["evidence"].splitlines()))))
        else:
            st.markdown(f"**{t('candidate_review.self_title')}** · " + t("candidate_review.self_none", name=md(person["name"]),
                                                                         due=f"{cycle['self_assessment_due']:%Y-%m-%d}"))
    with st.form(f"assess_{cycle_id}_{choice}"):
        st.markdown(f"**{t('reviews.quantitative')}**")
        q = st.columns(3)
        values = {
            "team_results_growth": q[0].number_input(t("indicator_input.team_results_growth"), value=person["team_results_growth"], step=1.0, format="%.1f"),
            "project_on_time_rate": q[1].number_input(t("indicator_input.project_on_time_rate"), min_value=0.0, max_value=100.0, value=person["project_on_time_rate"], step=5.0),
            "subordinate_rating_change": q[2].number_input(t("indicator_input.subordinate_rating_change"), min_value=-4.0, max_value=4.0, value=person["subordinate_rating_change"], step=0.5),
        }
        st.markdown(f"**{t('reviews.qualitative')}**")
        q = st.columns(3)
        values |= {
            # before the first assessment, the compiled 360 score is the starting point
            "leadership_360": q[0].number_input(t("indicator_input.leadership_360"), min_value=0.0, max_value=100.0, step=1.0,
                                                value=person["leadership_360"] if person["recorded_at"] else
                                                (None if person["feedback_score"] is None else round(person["feedback_score"], 0))),
            "adopted_proposals": q[1].number_input(t("indicator_input.adopted_proposals"), min_value=0, max_value=100,
                                                   value=None if person["adopted_proposals"] is None else int(person["adopted_proposals"]), step=1),
            "collaboration_satisfaction": q[2].number_input(t("indicator_input.collaboration_satisfaction"), min_value=0.0, max_value=100.0, value=person["collaboration_satisfaction"], step=1.0),
        }
        text = st.columns(2)
        strengths = text[0].text_input(t("reviews.strengths"), value=person["strengths"] or "")
        gaps = text[1].text_input(t("reviews.gaps"), value=person["gaps"] or "")
        self_assessment = st.text_area(t("reviews.self_assessment"), value=person["self_assessment"] or "", height=80)
        comment = st.text_area(t("reviews.comment"), value=person["comment"] or "", height=80)
        outcome = st.radio(t("reviews.outcome"), reviews.OUTCOMES[kind], format_func={o: outcome_label(o) for o in reviews.OUTCOMES[kind]}.get, horizontal=True, key=widget_key(f"outcome_{cycle_id}_{choice}"),
                           index=reviews.OUTCOMES[kind].index(person["outcome"]) if person["outcome"] in reviews.OUTCOMES[kind] else (0 if kind == "mid_year" else 1))
        rationale = st.text_input(t("reviews.rationale"), value=person["rationale"] or "", help=t("reviews.rationale_help"))
        adjustment = st.text_input(t("reviews.plan_adjustment"), help=t("reviews.plan_adjustment_help"))
        if st.form_submit_button(t("reviews.save_assessment"), type="primary"):
            try:
                result = data.record_assessment(cycle_id, choice, values, outcome, strengths=strengths, gaps=gaps, comment=comment,
                                                self_assessment=self_assessment, rationale=rationale, plan_adjustment=adjustment)
            except (NotAllowed, ValueError) as exc:
                st.error(md(exc))  # messages carry typed and imported values: plain text
            else:
                st.success(t("reviews.saved", name=md(person["name"]), composite="–" if result["composite_score"] is None else f"{result['composite_score']:.1f}",
                             suggested=outcome_label(result["suggested_outcome"])))
elif can_record:
    st.info(t("reviews.closed_note"))

if kind == "year_end" and user.can("manage_company_records") and is_open:
    waiting = people.filter(pl.col("outcome").is_not_null() & pl.col("confirmed_outcome").is_null())
    st.subheader(t("reviews.confirm_title"))
    st.caption(t("reviews.confirm_definition", waiting=waiting.height))
    if waiting.height:
        names = dict(zip(waiting["employee_id"].to_list(), (waiting["name"] + " · " + waiting["outcome"].replace_strict(
            {o: t(f"outcome.{o}") for o in reviews.ALL_OUTCOMES})).to_list()))
        who = st.selectbox(t("reviews.candidate"), list(names), format_func=names.get, key=widget_key("confirm_who"))
        recommended = waiting.filter(pl.col("employee_id") == who)["outcome"][0]
        with st.form(f"confirm_{cycle_id}_{who}"):
            decision = st.radio(t("reviews.confirmed_outcome"), reviews.OUTCOMES["year_end"], format_func={o: outcome_label(o) for o in reviews.OUTCOMES["year_end"]}.get,
                                horizontal=True, index=reviews.OUTCOMES["year_end"].index(recommended), key=widget_key(f"confirm_decision_{who}"))
            note = st.text_input(t("reviews.confirm_note"))
            if st.form_submit_button(t("reviews.confirm"), type="primary"):
                try:
                    data.confirm_outcome(cycle_id, who, decision, note)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed and imported values: plain text
                else:
                    st.success(t("reviews.confirmed"))

# --- disputes -------------------------------------------------------------------------------------
st.subheader(t("reviews.disputes_title"))
st.caption(t("reviews.disputes_definition"))
disputes = data.cycle_disputes(cycle_id)
if disputes.height:
    about_words = {a: t(f"my_review.about_{a}") for a in reviews.DISPUTE_TOPICS}
    st.dataframe(disputes.select("dispute_id", "employee_id", "department", pl.col("about").fill_null("outcome").replace_strict(about_words, default=None),
                                 "dispute", "raised_by", "raised_at", "answer", "answered_by", "answered_at"), hide_index=True, column_config={
        "dispute_id": "#", "employee_id": t("reviews.col_employee"), "department": t("reviews.col_department"),
        "about": st.column_config.TextColumn(t("candidate_review.col_about"), width=110),
        "dispute": t("reviews.dispute"), "raised_by": t("reviews.raised_by"),
        "raised_at": st.column_config.DatetimeColumn(t("reviews.raised_at"), format="YYYY-MM-DD"),
        "answer": t("reviews.answer"), "answered_by": t("reviews.answered_by"),
        "answered_at": st.column_config.DatetimeColumn(t("reviews.answered_at"), format="YYYY-MM-DD")})
else:
    st.caption(t("reviews.no_disputes"))
if can_record:
    left, right = st.columns(2)
    assessed = recordable.filter(pl.col("recorded_at").is_not_null())
    with left, st.form(f"dispute_{cycle_id}", clear_on_submit=True):
        st.markdown(f"**{t('reviews.raise_title')}**")
        names = dict(zip(assessed["employee_id"].to_list(), assessed["name"].to_list()))
        who = st.selectbox(t("reviews.candidate"), list(names), format_func=names.get)
        about = st.selectbox(t("candidate_review.col_about"), reviews.DISPUTE_TOPICS, index=reviews.DISPUTE_TOPICS.index("outcome"),
                             format_func=lambda a: t(f"my_review.about_{a}"), key=widget_key(f"dispute_about_{cycle_id}"))
        text = st.text_area(t("reviews.dispute"), height=80)
        if st.form_submit_button(t("reviews.raise")):
            try:
                data.raise_dispute(cycle_id, who, text, about=about)
            except (NotAllowed, ValueError) as exc:
                st.error(md(exc))  # messages carry typed and imported values: plain text
            else:
                st.rerun()
    open_disputes = disputes.filter(pl.col("answer").is_null())
    if open_disputes.height:
        with right, st.form(f"answer_{cycle_id}", clear_on_submit=True):
            st.markdown(f"**{t('reviews.answer_title')}**")
            st.caption(t("candidate_review.to_answer", count=open_disputes.height))
            # each listed by what it is about, whose it is and how it begins
            listed = open_disputes.join(people.select("employee_id", "name"), on="employee_id", how="left").select(
                "dispute_id", pl.concat_str(pl.col("about").fill_null("outcome").replace_strict({a: t(f"my_review.about_{a}") for a in reviews.DISPUTE_TOPICS},
                                                                                                   default=""),
                                            pl.lit(" · "), pl.coalesce("name", "employee_id"), pl.lit(": "), pl.col("dispute").str.slice(0, 60)).alias("label"))
            which = st.selectbox(t("reviews.dispute"), listed["dispute_id"].to_list(), format_func=dict(listed.rows()).get)
            answer = st.text_area(t("reviews.answer"), height=80)
            if st.form_submit_button(t("reviews.send_answer")):
                try:
                    data.answer_dispute(which, answer)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed and imported values: plain text
                else:
                    st.rerun()

# --- July -> year-end -> what happened next ----------------------------------------------------
st.subheader(t("reviews.movement_title", year=cycle["year"]))
st.caption(t("reviews.movement_definition"))
moves = data.movement(int(cycle["year"]))
if moves.height == 0:
    st.caption(t("reviews.no_movement"))
else:
    stages = [("mid_outcome", "reviews.stage_mid"), ("year_end_outcome", "reviews.stage_year_end"), ("next", "reviews.stage_next")]
    codes = (*reviews.ALL_OUTCOMES, "not_reviewed", "promoted", "left_company", "left_pool", "in_pool")

    def labels_for(stage: str) -> dict[str, str]:
        return {c: f"{t(dict(stages)[stage])}: {t(f'reviews.next_{c}') if c not in reviews.ALL_OUTCOMES else outcome_label(c)}" for c in codes}

    links = pl.concat([
        moves.group_by(a, b, maintain_order=True).len().select(pl.col(a).replace_strict(labels_for(a)).alias("source"),
                                          pl.col(b).replace_strict(labels_for(b)).alias("target"), "len")
        for (a, _), (b, _) in zip(stages, stages[1:])])
    # Nodes in a fixed order (stage, then outcome) and coloured by outcome: the same picture on every load.
    present = set(links["source"].to_list()) | set(links["target"].to_list())
    ordered = [(stage, code) for stage, _ in stages for code in codes if labels_for(stage)[code] in present]
    nodes = [labels_for(stage)[code] for stage, code in ordered]
    node_colours = ["#9AA9B8" if code == "not_reviewed" else theme.SEQUENCE[codes.index(code) % len(theme.SEQUENCE)] for _, code in ordered]
    index = {n: i for i, n in enumerate(nodes)}
    fig = go.Figure(go.Sankey(
        textfont=dict(color="#1F2A37", size=12),
        node=dict(label=nodes, pad=14, thickness=14, color=node_colours),
        link=dict(source=[index[s] for s in links["source"]], target=[index[x] for x in links["target"]], value=links["len"].to_list(),
                  color="rgba(154,169,184,0.35)")))
    fig.update_layout(template=theme.TEMPLATE, height=420)
    st.plotly_chart(safe_chart(fig), width="stretch")
