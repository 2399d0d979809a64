"""Overview: how deep is our middle-management talent pool?"""
from __future__ import annotations

import plotly.express as px
import polars as pl
import streamlit as st

from services import theme
from services.i18n import t
from dashboard.page_header import all_departments_label
from dashboard.plain import md, safe_chart
from dashboard.access import ScopedData
from dashboard.session import signed_in_user
from services import pool_rules
from dashboard.state import clear_caches, query
from services.config import settings as load_settings

st.title(t("overview.title"))
data = ScopedData(signed_in_user())
status = query("data_status")
if not status or not status.get("employees"):
    st.info(t("overview.empty"))
    st.page_link("pages/data.py", label=t("overview.go_to_data"), icon=":material/upload_file:")
    st.stop()
st.caption(t("overview.as_of", as_of=status["as_of_date"], run_id=status["run_id"], built=f"{status['built_at']:%Y-%m-%d %H:%M}"))

all_label = all_departments_label(data.scope)
offered = [all_label, *data.departments()]
if st.session_state.get("department") not in (None, *offered):  # a crafted widget value, or a department too small to show
    st.session_state.department = all_label
choice = st.selectbox(t("overview.department"), offered, key="department")
department = None if choice == all_label else choice
rules = load_settings().rules  # typed, defaults filled in one place
top_pct = round(100 * rules.top_performance_share)

h = data.headline(department)
cols = [*st.columns(3), *st.columns(3)]  # two rows of three: every label stays whole on a laptop screen
cols[0].metric(t("overview.active_employees"), f"{h['active_employees']:,}", help=t("overview.active_employees_help"))
# the pool (nominated members) and who meets its rules are different figures: both shown, each named
cols[1].metric(t("overview.pool_members"), f"{h['pool_members']:,}", help=t("overview.pool_members_help"))
cols[2].metric(t("overview.pool_eligible"), f"{h['pool_eligible']:,}", help=t("overview.pool_eligible_help", top=top_pct))
cols[3].metric(t("overview.pool_share"), f"{h['pool_share']:.1%}" if h["pool_share"] is not None else "–", help=t("overview.pool_share_help"))
cols[4].metric(t("overview.management_aspiration"), f"{h['management_aspiration']:,}", help=t("overview.management_aspiration_help"))
cols[5].metric(t("overview.promoted_12m"), f"{h['promoted_into_management_12m']:,}", help=t("overview.promoted_12m_help"))

other_label = t("privacy.other_departments")
by_dept = data.department_pool().with_columns(pl.col("department").fill_null(other_label))
if department:
    by_dept = by_dept.filter(pl.col("department") == department)
# One department (chosen, or a head's only one): a "by department" chart would be one fat bar; the funnel takes the width.
left, right = st.columns(2) if by_dept.height > 1 else (st.container(), None)
with left:
    st.subheader(t("overview.funnel_title"))
    funnel = data.pool_funnel(department)
    achieved = funnel.filter(pl.col("rule") == "top_performance")["share"].fill_null(0.0)
    achieved_pct = f"{100 * (achieved[0] if achieved.len() else 0.0):.1f}".rstrip("0").rstrip(".")
    st.caption(t("overview.funnel_definition", top=top_pct) + " " + t("model_card.funnel_ties", top=top_pct, achieved=achieved_pct))
    labels = {r: t(f"overview.rule_{r}", top=top_pct) for r in ["active", "management_experience", "career_plan"]}
    labels["top_performance"] = t("model_card.rule_top_performance", top=top_pct, achieved=achieved_pct)
    funnel = funnel.with_columns(pl.col("rule").replace(labels).alias("label"))
    funnel = funnel.with_columns((pl.col("employees").shift(1) - pl.col("employees")).fill_null(0).cast(pl.Int64).alias("dropped"))
    fig = px.funnel(funnel, x="employees", y="label", template=theme.TEMPLATE, color_discrete_sequence=[theme.PRIMARY],
                    custom_data=["dropped"])
    fig.update_traces(texttemplate="%{value:,}", hovertemplate="%{y}: " + t("overview.keeps_drops") + "<extra></extra>")
    fig.update_layout(yaxis_title=None, xaxis_title=t("overview.axis_employees"), height=340)
    st.plotly_chart(fig, width="stretch")

    if data.user.can("manage_data"):
        with st.expander(t("rules.edit_title"), icon=":material/tune:"):
            with st.form("pool_rules"):
                share = st.slider(t("rules.top_share"), 1, 50, top_pct, format="%d %%")
                by_department = st.checkbox(t("rules.by_department"), value=rules.performance_scope == "department")
                mgmt = st.checkbox(t("rules.require_management"), value=rules.require_management_experience)
                plan = st.checkbox(t("rules.require_plan"), value=rules.require_career_plan)
                if st.form_submit_button(t("rules.save"), type="primary"):
                    new_rules = {"top_performance_share": share / 100, "performance_scope": "department" if by_department else "company",
                                 "require_management_experience": mgmt, "require_career_plan": plan}
                    with st.spinner(t("rules.rebuilding")):
                        try:  # rebuild, config and audit row together, or none of them
                            pool_rules.edit(data.user, new_rules)
                        except Exception as exc:
                            st.error(t("rules.failed", error=md(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)))
                        else:
                            clear_caches()
                            st.rerun()

if right is not None:
    with right:
        st.subheader(t("overview.by_department_title"))
        st.caption(t("overview.by_department_definition"))
        fig = px.bar(
            by_dept, x="pool_eligible", y="department", orientation="h", template=theme.TEMPLATE,
            color_discrete_sequence=[theme.PRIMARY], custom_data=["pool_share", "active_employees"],
            labels={"pool_eligible": t("overview.axis_pool_eligible"), "department": t("overview.department")},
        )
        fig.update_traces(hovertemplate="%{y}: %{x} / %{customdata[1]} (%{customdata[0]:.1%})<extra></extra>")
        fig.update_layout(yaxis=dict(categoryorder="total ascending", title=None), xaxis=dict(rangemode="tozero", tickformat=",d"), height=340)
        st.plotly_chart(safe_chart(fig), width="stretch")

st.subheader(t("overview.ratings_title"))
st.caption(t("overview.ratings_definition"))
ratings = data.rating_distribution(department)
if ratings.height:
    grades = list(load_settings().grades)
    fig = px.bar(
        ratings.with_columns(pl.col("year").cast(pl.String)), x="year", y="share", color="rating",
        category_orders={"rating": grades}, color_discrete_map=theme.grade_colours(grades), template=theme.TEMPLATE,
        labels={"year": t("overview.axis_year"), "share": t("overview.axis_share"), "rating": t("overview.axis_rating")},
        custom_data=["employees"],
    )
    fig.update_traces(hovertemplate="%{x} %{fullData.name}: %{y:.1%} (%{customdata[0]})<extra></extra>")
    fig.update_layout(yaxis_tickformat=".0%", height=360, barmode="stack")
    st.plotly_chart(safe_chart(fig), width="stretch")
else:
    st.info(t("overview.no_ratings"))

with st.expander(t("overview.table_title")):
    st.dataframe(
        data.department_pool().with_columns(pl.col("department").fill_null(other_label)),
        hide_index=True,
        column_config={
            "department": t("overview.department"),
            "active_employees": st.column_config.NumberColumn(t("overview.active_employees")),
            "pool_eligible": st.column_config.NumberColumn(t("overview.pool_eligible")),
            "pool_share": st.column_config.ProgressColumn(t("overview.pool_share"), format="percent", min_value=0, max_value=1),
            "management_aspiration": st.column_config.NumberColumn(t("overview.management_aspiration")),
            "people_managers": st.column_config.NumberColumn(t("overview.people_managers")),
            "avg_rating_points": st.column_config.NumberColumn(t("overview.avg_rating_points"), format="%.2f"),
            "avg_feedback_360": st.column_config.NumberColumn(t("overview.avg_feedback_360"), format="%.2f"),
        },
    )
