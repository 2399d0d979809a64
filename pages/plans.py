"""Development plans: how far along are the candidates' plans, and what is overdue?"""
from __future__ import annotations

from datetime import date

import plotly.express as px
import polars as pl
import streamlit as st

from services import plans, positions, theme
from services.permissions import can_write
from dashboard.page_header import all_departments_label
from dashboard.plain import md, safe_chart
from dashboard.access import NotAllowed, ScopedData
from dashboard.downloads import csv_download
from services.i18n import t, widget_key
from dashboard.session import signed_in_user
from dashboard.state import workspace_query

SHOWN = 300  # rows shown in a table; the downloads hold them all

st.title(t("plans.title"))
user = signed_in_user()
data = ScopedData(user)
today = date.today()
progress_tab, template_tab, positions_tab = st.tabs([t("plans.tab_progress"), t("plans.tab_template"), t("plans.tab_positions")])


def kind_label(kind: str) -> str:
    return t(f"plan_kind.{kind}")


with progress_tab:
    items = data.plan_progress(today)
    if items.height == 0:
        st.info(t("plans.empty"))
    else:
        all_label = all_departments_label(data.scope)
        departments = sorted(items["department"].unique().to_list())
        cols = st.columns([2, 1])
        choice = cols[0].selectbox(t("overview.department"), [all_label, *departments])
        year = cols[1].selectbox(t("plans.year"), list(range(today.year, today.year - 3, -1)))
        if choice != all_label:
            items = items.filter(pl.col("department") == choice)
        counted = items.filter(pl.col("counts"))
        st.caption(t("plans.definition", today=f"{today:%Y-%m-%d}"))
        m = st.columns(5)
        m[0].metric(t("plans.candidates"), f"{items['employee_id'].n_unique():,}")
        m[1].metric(t("plans.items"), f"{counted.height:,}", help=t("plans.items_help"))
        m[2].metric(t("plans.completion"), f"{counted['done'].mean():.0%}" if counted.height else "–", help=t("plans.completion_help"))
        m[3].metric(t("plans.overdue"), f"{counted['overdue'].sum():,}", help=t("plans.overdue_help"))
        m[4].metric(t("plans.from_training"), f"{counted['done_from_training'].sum():,}", help=t("plans.from_training_help"))

        left, right = st.columns(2)
        with left:
            st.markdown(f"**{t('plans.by_department_title')}**")
            by_department = plans.completion_by(items, ["department"])
            fig = px.bar(by_department, x="completion", y="department", orientation="h", template=theme.TEMPLATE,
                         color_discrete_sequence=[theme.PRIMARY], custom_data=["done", "items", "overdue"],
                         labels={"completion": t("plans.axis_completion"), "department": ""})
            fig.update_traces(hovertemplate="%{y}: %{x:.0%} (%{customdata[0]} / %{customdata[1]}), " + t("plans.overdue") + " %{customdata[2]}<extra></extra>")
            fig.update_layout(xaxis_tickformat=".0%", xaxis_range=[0, 1], height=80 + 30 * max(by_department.height, 1))
            st.plotly_chart(safe_chart(fig), width="stretch")
        with right:
            st.markdown(f"**{t('plans.by_kind_title')}**")
            by_kind = plans.completion_by(items, ["kind"]).with_columns(
                pl.col("kind").replace_strict({k: kind_label(k) for k in plans.KINDS}).alias("kind_label"))
            fig = px.bar(by_kind, x="kind_label", y=["done", "overdue"], barmode="group", template=theme.TEMPLATE,
                         color_discrete_sequence=[theme.PRIMARY, theme.ACCENT], labels={"kind_label": "", "value": t("plans.axis_items"), "variable": ""})
            fig.for_each_trace(lambda tr: tr.update(name=t(f"plans.series_{tr.name}")))
            fig.update_layout(height=320, legend_title_text="")
            st.plotly_chart(safe_chart(fig), width="stretch")

        st.markdown(f"**{t('plans.trend_title', year=year)}**")
        st.caption(t("plans.trend_definition"))
        trend = plans.completion_trend(items, year).filter(pl.col("month_end").dt.month_start() <= today)  # no months to come
        if trend.height:
            long = trend.unpivot(index="month_end", on=["done_share", "due_share"], variable_name="series", value_name="share").with_columns(
                pl.col("series").replace_strict({"done_share": t("plans.series_done_share"), "due_share": t("plans.series_due_share")}))
            fig = px.line(long, x="month_end", y="share", color="series", markers=True, template=theme.TEMPLATE,
                          color_discrete_sequence=[theme.PRIMARY, theme.MUTED], labels={"month_end": t("plans.axis_month"), "share": t("plans.axis_share"), "series": ""})
            fig.update_layout(yaxis_tickformat=".0%", yaxis_range=[0, 1], height=300, legend_title_text="")
            st.plotly_chart(safe_chart(fig), width="stretch")
        else:
            st.caption(t("plans.no_trend"))

        st.markdown(f"**{t('plans.by_candidate_title')}**")
        per_person = plans.completion_by(items, ["employee_id", "name", "department"]).sort(["overdue", "completion"], descending=[True, False])
        if per_person.height > SHOWN:
            st.caption(t("plans.showing", shown=SHOWN, total=per_person.height))
        st.dataframe(per_person.head(SHOWN).select("employee_id", "name", "department", "items", "done", "overdue",
                                                   (100 * pl.col("completion")).round(0).alias("completion")),  # in % of the items due
                     hide_index=True, height=300, placeholder="–", column_config={
                         "employee_id": t("reviews.col_employee"), "name": t("reviews.col_name"), "department": t("reviews.col_department"),
                         "items": t("plans.items"), "done": t("plans.series_done"), "overdue": t("plans.overdue"),
                         "completion": st.column_config.ProgressColumn(t("plans.completion"), format="%.0f%%", min_value=0, max_value=100,
                                                                       help=t("plans.completion_help"))})
        overdue = items.filter(pl.col("overdue")).sort("due_date").select(
            "employee_id", "name", "department", pl.col("kind").replace_strict({k: kind_label(k) for k in plans.KINDS}), "title", "due_date")
        st.markdown(f"**{t('plans.overdue_title', n=overdue.height)}**")
        if overdue.height > SHOWN:
            st.caption(t("plans.showing", shown=SHOWN, total=overdue.height))
        st.dataframe(overdue.head(SHOWN), hide_index=True, height=240, placeholder="–", column_config={
            "employee_id": t("reviews.col_employee"), "name": t("reviews.col_name"), "department": t("reviews.col_department"),
            "kind": t("plans.kind"), "title": t("plans.item_title"), "due_date": st.column_config.DateColumn(t("plans.due"), format="YYYY-MM-DD")})
        cols = st.columns(2)
        csv_download(cols[0], t("plans.download"), per_person, f"plan-progress-{today}.csv", data.audit_export, "plan progress")
        csv_download(cols[1], t("plans.download_overdue"), overdue, f"plan-overdue-{today}.csv", data.audit_export, "overdue plan items")
        st.caption(t("plans.edit_hint"))

with template_tab:
    st.caption(t("plans.template_definition"))
    template = workspace_query("plans.template", user.scope)
    if template.height:
        st.dataframe(template.select(pl.col("department").fill_null(t("plans.general")), pl.col("kind").replace_strict({k: kind_label(k) for k in plans.KINDS}),
                                     "title", "due_months", "created_by"), hide_index=True, placeholder="–", column_config={
            "department": t("plans.applies_to"), "kind": t("plans.kind"), "title": t("plans.item_title"),
            "due_months": t("plans.due_months"), "created_by": t("plans.created_by")})
    else:
        st.info(t("plans.template_empty"))
    if user.can("write_department_records"):
        targets = ([None] if user.can("manage_company_records") else []) + list(user.scope or data.departments())
        with st.form("template_item", clear_on_submit=True):
            st.markdown(f"**{t('plans.add_template_item')}**")
            cols = st.columns([2, 1, 3, 1])
            department = cols[0].selectbox(t("plans.applies_to"), targets, format_func={d: t("plans.general") if d is None else d for d in targets}.get, key=widget_key("template_department"))
            kind = cols[1].selectbox(t("plans.kind"), plans.KINDS, format_func={k: kind_label(k) for k in plans.KINDS}.get, key=widget_key("template_kind"))
            title = cols[2].text_input(t("plans.item_title"))
            months = cols[3].number_input(t("plans.due_months"), min_value=1, max_value=36, value=6)
            if st.form_submit_button(t("plans.add"), type="primary"):
                try:
                    data.add_plan_template_item(department, kind, title, int(months))
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed and imported values: plain text
                else:
                    st.rerun()

with positions_tab:
    st.caption(t("positions.definition"))
    profiles = workspace_query("positions.profiles", user.scope)
    if profiles.height == 0:
        st.info(t("positions.empty"))
    else:
        labels = dict(zip(profiles["profile_id"].to_list(),
                          (profiles["title"] + " · " + profiles["department"].fill_null(t("positions.hr_template"))).to_list()))
        chosen = st.selectbox(t("positions.profile"), list(labels), format_func=labels.get, key=widget_key("position_profile"))
        profile = profiles.filter(pl.col("profile_id") == chosen).row(0, named=True)
        st.caption(t("positions.updated", by=md(profile["updated_by"]), at=f"{profile['updated_at']:%Y-%m-%d}",
                     base=md(profile["based_on_title"] or "–")))
        writer = can_write(user, profile["department"])
        with st.form(f"profile_{chosen}"):
            title = st.text_input(t("positions.title_field"), value=profile["title"], disabled=not writer)
            texts = {f: st.text_area(t(f"positions.{f}"), value=profile[f] or "", disabled=not writer, height=90) for f in positions.FIELDS}
            if writer and st.form_submit_button(t("positions.save"), type="primary"):
                try:
                    data.save_position(title, profile["department"], texts["responsibilities"], texts["core_competencies"],
                                      texts["promotion_path"], profile_id=chosen)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed and imported values: plain text
                else:
                    st.rerun()
            elif not writer:
                st.form_submit_button(t("positions.read_only"), disabled=True)
        if profile["department"] is None and user.can("tailor_templates"):
            with st.form(f"tailor_{chosen}"):
                department = st.selectbox(t("overview.department"), list(user.scope or ()))
                new_title = st.text_input(t("positions.title_field"), value=f"{profile['title']} — {department}")
                if st.form_submit_button(t("positions.tailor"), type="primary"):
                    data.tailor_position(chosen, department, new_title)
                    st.rerun()
        st.markdown(f"**{t('positions.comments')}**")
        thread = workspace_query("positions.comments", user, chosen)
        for row in thread.iter_rows(named=True):  # a conversation: a handful of comments, shown one by one
            with st.container(border=True):
                st.caption(f"{md(row['author'])} · {row['written_at']:%Y-%m-%d %H:%M}")
                st.text(row["body"])
        if thread.height == 0:
            st.caption(t("positions.no_comments"))
        if writer:
            with st.form(f"comment_{chosen}", clear_on_submit=True):
                body = st.text_area(t("positions.comment"), height=70)
                if st.form_submit_button(t("positions.send")):
                    try:
                        data.comment_position(chosen, body)
                    except (NotAllowed, ValueError) as exc:
                        st.error(md(exc))  # messages carry typed and imported values: plain text
                    else:
                        st.rerun()
    if user.can("manage_company_records"):
        with st.expander(t("positions.new_template")):
            with st.form("new_template", clear_on_submit=True):
                title = st.text_input(t("positions.title_field"))
                texts = {f: st.text_area(t(f"positions.{f}"), height=80) for f in positions.FIELDS}
                if st.form_submit_button(t("positions.save"), type="primary"):
                    try:
                        data.save_position(title, None, texts["responsibilities"], texts["core_competencies"], texts["promotion_path"])
                    except (NotAllowed, ValueError) as exc:
                        st.error(md(exc))  # messages carry typed and imported values: plain text
                    else:
                        st.rerun()
