"""9-box: where does each candidate sit on performance and potential, after calibration?"""
from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from services import theme
from dashboard.access import NotAllowed, ScopedData
from services.i18n import t
from dashboard.plain import md, safe_chart
from services.people import BANDS
from dashboard.session import signed_in_user

user = signed_in_user()
data = ScopedData(user)
st.title(t("grid.title"))
all_label = t("overview.all_departments")
choice = st.selectbox(t("overview.department"), [all_label, *data.departments()], key="grid_department")
department = None if choice == all_label else choice
try:
    grid = data.nine_box(department)
except NotAllowed as exc:
    st.error(md(exc))  # messages carry typed and imported values: plain text
    st.stop()
if grid.height == 0:
    st.info(t("grid.empty"))
    st.stop()
source = t("grid.source_model") if (grid["potential_source"] == "model").all() else t("grid.source_score")
st.caption(t("grid.definition", source=source))

counts = grid.group_by("performance", "potential").len("people")
matrix = [[counts.filter((pl.col("performance") == perf) & (pl.col("potential") == pot))["people"].sum() for pot in BANDS] for perf in BANDS]
labels = [t(f"grid.band_{b}") for b in BANDS]
fig = go.Figure(go.Heatmap(z=matrix, x=labels, y=labels, colorscale=[[0, "#F2F5F8"], [1, theme.PRIMARY]], showscale=False,
                           text=matrix, texttemplate="%{text:,}", hovertemplate=t("grid.hover") + "<extra></extra>"))
fig.update_layout(template=theme.TEMPLATE, height=420, xaxis_title=t("grid.axis_potential"), yaxis_title=t("grid.axis_performance"))
st.plotly_chart(safe_chart(fig), width="stretch")
moved = int(grid["calibrated"].sum())
st.caption(t("grid.calibrated_count", moved=moved, total=f"{grid.height:,}"))

cells = [(perf, pot) for perf in reversed(BANDS) for pot in reversed(BANDS)]
cell = st.selectbox(t("grid.pick_cell"), cells, format_func=lambda c: t("grid.cell", performance=t(f"grid.band_{c[0]}"), potential=t(f"grid.band_{c[1]}"),
                                                                       people=int(counts.filter((pl.col("performance") == c[0]) & (pl.col("potential") == c[1]))["people"].sum())))
people = grid.filter((pl.col("performance") == cell[0]) & (pl.col("potential") == cell[1]))
st.dataframe(people.select("employee_id", "name", "department", "position", "job_level", "latest_annual_rating", "potential_value",
                           "original_performance", "original_potential", "calibrated", "calibrated_by"),
             hide_index=True, column_config={"potential_value": st.column_config.NumberColumn(t("grid.col_potential"), format="%.1f"),
                                             "name": t("candidates.col_name"), "department": t("candidates.department"),
                                             "position": t("compare.position"), "job_level": t("candidates.col_level"),
                                             "latest_annual_rating": t("candidates.col_rating"),
                                             "original_performance": t("grid.col_original_performance"),
                                             "original_potential": t("grid.col_original_potential"),
                                             "calibrated": t("grid.col_calibrated"), "calibrated_by": t("grid.col_calibrated_by")})

if user.can("nominate"):
    with st.expander(t("grid.calibrate_title"), icon=":material/swap_vert:"):
        with st.form("calibrate", clear_on_submit=True):
            options = grid.select("employee_id", "name").rows()
            who = st.selectbox(t("grid.who"), [r[0] for r in options], format_func=dict(options).get)
            c1, c2 = st.columns(2)
            perf = c1.selectbox(t("grid.axis_performance"), BANDS, format_func=lambda b: t(f"grid.band_{b}"))
            pot = c2.selectbox(t("grid.axis_potential"), BANDS, format_func=lambda b: t(f"grid.band_{b}"))
            reason = st.text_area(t("profile.reason"), max_chars=2000)
            if st.form_submit_button(t("grid.calibrate"), type="primary"):
                try:
                    data.calibrate(who, perf, pot, reason)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed and imported values: plain text
                else:
                    st.success(t("grid.calibrated", name=md(dict(options)[who])))
                    st.rerun()

st.subheader(t("grid.raters_title"))
st.caption(t("grid.raters_definition"))
raters = data.calibration_by_rater()
if raters.height:
    st.dataframe(raters, hide_index=True)
else:
    st.caption(t("grid.no_moves"))
