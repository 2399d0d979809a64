"""Candidate explorer: who are the strongest candidates for middle management in my department(s)?"""
from __future__ import annotations

from dataclasses import asdict

import plotly.express as px
import polars as pl
import streamlit as st

from services import theme
from dashboard.access import NotAllowed, ScopedData
from dashboard.session import signed_in_user
from dashboard.downloads import csv_download
from services.i18n import t
from dashboard.plain import md, safe_chart
from dashboard.tables import column_picker, compare_table, competency_label
from services.people import ASPIRATIONS, POOL_STATUSES, READINESS, SHOWN_ROWS, TRENDS, CandidateFilters
from dashboard.url_filters import from_params, to_params


data = ScopedData(signed_in_user())
st.title(t("candidates.title"))
st.caption(t("candidates.intro"))

url_filters, problems = from_params(st.query_params.to_dict())
for problem in problems:
    st.warning(t("candidates.bad_url", problem=md(problem)))
# Widgets start from the URL the first time this session sees the page.
SELECTS = ("department", "certification", "skill", "readiness")  # "" means any: a None value would show no selection
for name, value in asdict(url_filters).items():
    st.session_state.setdefault(f"f_{name}", ("" if value is None else value) if name in SELECTS else value)

choices = data.filter_choices()
if not choices["department"]:
    st.info(t("candidates.empty"))
    st.stop()
any_label = t("candidates.any")
with st.container(border=True):
    c = st.columns(4)
    departments = choices["department"]
    if st.session_state.f_department not in ("", *departments):
        st.error(t("candidates.department_not_allowed", department=md(st.session_state.f_department), allowed=md(", ".join(departments))))
        st.session_state.f_department = ""
    c[0].selectbox(t("candidates.department"), ["", *departments], key="f_department", format_func=lambda v: v or any_label)
    c[1].text_input(t("candidates.position"), key="f_position", placeholder=t("candidates.position_hint"))
    c[2].number_input(t("candidates.level_min"), min_value=0, max_value=30, step=1, key="f_level_min", placeholder=any_label)
    c[3].number_input(t("candidates.level_max"), min_value=0, max_value=30, step=1, key="f_level_max", placeholder=any_label)
    c = st.columns(4)
    c[0].number_input(t("candidates.tenure_min"), min_value=0.0, max_value=60.0, step=0.5, key="f_tenure_min", placeholder=any_label)
    c[1].selectbox(t("candidates.trend"), TRENDS, key="f_trend", format_func=lambda v: t(f"candidates.trend_{v}"))
    c[2].selectbox(t("candidates.certification"), ["", *choices["certification"]], key="f_certification", format_func=lambda v: v or any_label)
    c[3].selectbox(t("candidates.skill"), ["", *choices["skill"]], key="f_skill", format_func=lambda v: v or any_label)
    c = st.columns(5)
    c[0].selectbox(t("candidates.aspiration"), ASPIRATIONS, key="f_aspiration", format_func=lambda v: t(f"candidates.aspiration_{v}"))
    c[1].selectbox(t("candidates.pool_status"), POOL_STATUSES, key="f_pool_status", format_func=lambda v: t(f"candidates.pool_{v}"))
    c[2].selectbox(t("candidates.readiness"), ["", *READINESS], key="f_readiness", format_func=lambda v: t(f"readiness.{v}") if v else any_label)
    ranking = choices["score_source"][0]  # the score filters read the score the list is ranked by
    c[3].number_input(t(f"explorer.score_min_{ranking}"), min_value=0.0, max_value=100.0, step=5.0, key="f_score_min", placeholder=any_label,
                      help=t(f"explorer.headline_help_{ranking}"))
    c[4].number_input(t(f"explorer.score_max_{ranking}"), min_value=0.0, max_value=100.0, step=5.0, key="f_score_max", placeholder=any_label,
                      help=t(f"explorer.headline_help_{ranking}"))

# Flight risk (issue #16 part 4): high potential (the top potential band) × high flight risk, within the user's scope.
if data.user.can("view_people") and data.flight_risk_scores().height:
    at_risk = data.at_risk_high_potentials(st.session_state.f_department or None)
    listed_of = at_risk["listed_of"][0] if at_risk.height else 0
    with st.expander(t("flight_risk.at_risk_title", n=f"{listed_of:,}"), icon=":material/directions_run:", expanded=False):
        st.caption(t("flight_risk.at_risk_definition"))
        if listed_of > at_risk.height:
            st.caption(t("flight_risk.at_risk_listed", shown=f"{at_risk.height:,}", n=f"{listed_of:,}"))
        if at_risk.height:
            st.dataframe(at_risk.select("name", "department", "position", (100 * pl.col("probability")).alias("probability"), "reasons"),
                         hide_index=True, key="at_risk_table",
                         column_config={
                             "name": st.column_config.TextColumn(t("candidates.col_name"), width=120),
                             "department": st.column_config.TextColumn(t("candidates.department"), width=130),
                             "position": st.column_config.TextColumn(t("compare.position"), width=150),
                             "probability": st.column_config.ProgressColumn(t("flight_risk.col_probability"), min_value=0, max_value=100,
                                                                            format="%.0f %%", width=110, help=t("flight_risk.probability_help")),
                             "reasons": st.column_config.TextColumn(t("flight_risk.col_reasons"), width=600)})
        else:
            st.caption(t("flight_risk.at_risk_none"))

for name in ("certification", "skill"):  # a value from the URL that is not offered here
    if st.session_state[f"f_{name}"] not in ("", *choices[name]):
        st.session_state[f"f_{name}"] = ""
def widget_value(name: str):
    value = st.session_state.get(f"f_{name}")
    return (value or None) if name in (*SELECTS, "position") else value


filters = CandidateFilters(**{name: widget_value(name) for name in CandidateFilters.field_names()})
st.query_params.from_dict(to_params(filters))

nominated = data.nominated()  # one workspace read per rerun, shared by the queries below
try:
    table, total = data.candidates(filters, nominated)
except NotAllowed as exc:
    st.error(md(exc))  # messages carry typed and imported values: plain text
    st.stop()

source = table["headline_source"][0] if table.height else choices["score_source"][0]  # 'model' or 'score'
table = table.with_columns(
    pl.col("employee_id").is_in(list(nominated)).alias("nominated"),
    pl.col("employee_id").replace_strict({k: t(f"readiness.{v}") for k, v in nominated.items() if v}, default=None).alias("readiness"),
    pl.col("career_aspiration").replace({a: t(f"candidates.aspiration_{a}") for a in ASPIRATIONS if a != "any"}),
)
table = table.with_columns(  # the pool column in words: a member's readiness, or that they are in the pool
    pl.when(pl.col("nominated")).then(pl.col("readiness").fill_null(t("explorer.in_pool"))).otherwise(pl.lit("")).alias("pool_state"))
st.subheader(t("explorer.results", total=f"{total:,}", shown=f"{SHOWN_ROWS:,}") if total > SHOWN_ROWS else t("explorer.results_all", total=f"{total:,}"))
st.caption(t(f"explorer.ranked_by_{source}"))
if total == 0:
    st.info(t("candidates.no_match"))
    st.stop()

# One headline score, pinned beside the name: the one the list is ranked by. The columns that say why someone ranks where
# they do come next; the rest (the other scores among them) are behind the column picker, so the table fits the page.
HEADLINE = t(f"explorer.col_headline_{source}")
SHOWN_FIRST = ["name", "headline_score", "department", "latest_rating", "rating_points_history", "feedback_others", "pool_state"]
MORE = {"position": t("compare.position"), "job_level": t("candidates.col_level"), "tenure_years": t("candidates.col_tenure"),
        "pool_score": t("explorer.col_pool_score"), "composite_score": t("candidates.col_composite"),
        "leadership_training_hours": t("candidates.col_leadership_hours"), "projects_led": t("candidates.col_projects_led"),
        "career_aspiration": t("candidates.aspiration"), "meets_pool_rules": t("candidates.col_meets_rules")}
if source == "score":
    MORE.pop("pool_score")  # it is the headline
if table["composite_score"].is_null().all():
    MORE.pop("composite_score")
picked = column_picker("explorer_columns", MORE)
event = st.dataframe(
    table, hide_index=True, on_select="rerun", selection_mode="multi-row", key="candidate_table", placeholder="–",
    column_order=[*SHOWN_FIRST, *picked],
    column_config={
        "name": st.column_config.TextColumn(t("candidates.col_name"), pinned=True, width=120),
        "headline_score": st.column_config.ProgressColumn(HEADLINE, min_value=0, max_value=100, format="%.1f", pinned=True, width=150,
                                                          help=t(f"explorer.headline_help_{source}")),
        "department": st.column_config.TextColumn(t("candidates.department"), width=140),
        "position": t("compare.position"),
        "job_level": st.column_config.NumberColumn(t("candidates.col_level")),
        "tenure_years": st.column_config.NumberColumn(t("candidates.col_tenure"), format="%.1f"),
        "pool_score": st.column_config.NumberColumn(t("explorer.col_pool_score"), format="%.1f", help=t("candidates.score_definition")),
        "composite_score": st.column_config.NumberColumn(t("candidates.col_composite"), format="%.1f", help=t("profile.composite_definition")),
        "latest_rating": st.column_config.TextColumn(t("candidates.col_rating"), width=100),
        "rating_points_history": st.column_config.LineChartColumn(t("candidates.col_history"), y_min=1, y_max=5, width=120),
        "feedback_others": st.column_config.NumberColumn(t("candidates.col_360"), format="%.2f", width=130),
        "leadership_training_hours": st.column_config.NumberColumn(t("candidates.col_leadership_hours"), format="%.0f"),
        "projects_led": st.column_config.NumberColumn(t("candidates.col_projects_led")),
        "career_aspiration": t("candidates.aspiration"),
        "meets_pool_rules": st.column_config.CheckboxColumn(t("candidates.col_meets_rules")),
        "pool_state": st.column_config.TextColumn(t("explorer.col_pool"), width=140, help=t("explorer.col_pool_help")),
    },
)
selected = [table["employee_id"][i] for i in event.selection.rows] if event and event.selection else []

export = table.select("employee_id", "name", "department", "position", "job_level", "tenure_years", "headline_score", "potential_score", "composite_score",
                      "pool_score", "latest_rating", "feedback_others", "leadership_training_hours", "projects_led", "career_aspiration", "meets_pool_rules",
                      "nominated", "readiness")
csv_download(st, t("candidates.download"), export, "candidates.csv", data.audit_export)

if len(selected) == 1:
    st.page_link("pages/profile.py", label=t("candidates.open_profile", name=md(table.filter(pl.col("employee_id") == selected[0])["name"][0])),
                 icon=":material/badge:", query_params={"employee": selected[0]})
elif 2 <= len(selected) <= 4:
    st.subheader(t("candidates.compare_title"))
    chosen = table.filter(pl.col("employee_id").is_in(selected)).with_columns(  # two people of one name stay two columns
        pl.when(pl.col("name").is_duplicated()).then(pl.col("name") + " · " + pl.col("employee_id")).otherwise(pl.col("name")).alias("name"))
    side = compare_table(chosen, source)
    st.dataframe(side, hide_index=True, height=35 * (side.height + 1) + 3, column_config={"figure": st.column_config.TextColumn("", width=220)})
    radar = data.feedback_by_competency(tuple(selected)).filter(pl.col("rater_relation") != "self").group_by("employee_id", "competency").agg(
        pl.col("score").mean()).join(chosen.select("employee_id", "name"), on="employee_id")
    if radar.height:
        radar = radar.sort("competency").with_columns(
            pl.col("competency").replace_strict({c: competency_label(c) for c in radar["competency"].unique()}, return_dtype=pl.String))
        fig = px.line_polar(radar, r="score", theta="competency", color="name", line_close=True,
                            template=theme.TEMPLATE, range_r=[1, 5], color_discrete_sequence=theme.SEQUENCE,
                            labels={"score": t("compare_view.radar_score"), "competency": t("compare_view.radar_competency"), "name": ""})
        fig.update_layout(height=380, legend_title_text=None)
        st.caption(t("compare.radar_definition"))
        st.plotly_chart(safe_chart(fig), width="stretch")
elif len(selected) > 4:
    st.warning(t("candidates.too_many"))
else:
    st.caption(t("candidates.select_hint"))

st.caption(t("privacy.no_demographics"))
