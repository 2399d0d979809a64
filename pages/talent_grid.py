"""9-box: where does each candidate sit on performance and potential, after calibration?"""
from __future__ import annotations

import time

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from services import theme
from dashboard.page_header import all_departments_label
from dashboard.access import NotAllowed, ScopedData
from services.i18n import t
from dashboard.plain import html, md, safe_chart
from services.people import BANDS, BOXES, nine_box_cells
from dashboard.session import signed_in_user

user = signed_in_user()
data = ScopedData(user)
st.title(t("grid.title"))
all_label = all_departments_label(data.scope)
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

flash = st.session_state.pop("grid_flash", None)  # set before the rerun that follows a move
if flash and time.monotonic() - flash[1] < 30:  # a message left by an interrupted run is dropped
    st.toast(flash[0], icon=":material/check_circle:")
band = {b: t(f"grid.band_{b}") for b in BANDS}
box_words = {box: t(f"nine_box.{box}") for box in BOXES.values()}
cells = nine_box_cells(grid, names=3)


def people_words(n: int) -> str:
    return t("nine_box.nobody") if n == 0 else t("nine_box.person") if n == 1 else t("nine_box.people", n=f"{n:,}")


def at(perf: str, pot: str) -> dict:
    return cells.filter((pl.col("performance") == perf) & (pl.col("potential") == pot)).row(0, named=True)


# Rows: performance low → high (Plotly draws the first row at the bottom); columns: potential low → high.
# Colour: what the box means (BOX_MEANING 0 green … 3 red), not how many sit in it.
meaning_colours = ["#2E7D4F", "#3C6E9E", "#D99A1E", "#C0392B"]
scale = [[i / 3, c] for i, c in enumerate(meaning_colours)]
z = [[at(perf, pot)["meaning"] for pot in BANDS] for perf in BANDS]
custom = [[[box_words[at(perf, pot)["box"]], people_words(at(perf, pot)["people"])] for pot in BANDS] for perf in BANDS]


def box_text(perf: str, pot: str) -> str:
    """A box's label: its name, how many, and the names of up to three with the highest potential (escaped: imported text)."""
    c = at(perf, pot)
    names = [html(n) for n in c["names"]]
    more = [html(t("nine_box.more", n=f"{c['people'] - len(names):,}"))] if c["people"] > len(names) else []
    lines = [", ".join(names[:2]), ", ".join(names[2:] + more)]
    return "<br>".join([f"<b>{html(box_words[c['box']])}</b>", html(people_words(c["people"])), *[x for x in lines if x]])


labels = [band[b] for b in BANDS]
fig = go.Figure(go.Heatmap(z=z, x=labels, y=labels, zmin=0, zmax=3, colorscale=scale, showscale=False, customdata=custom, xgap=3, ygap=3,
                           hovertemplate=t("nine_box.hover")))
for perf in BANDS:
    for pot in BANDS:
        fig.add_annotation(x=band[pot], y=band[perf], text=box_text(perf, pot), showarrow=False, font={"color": "white", "size": 13})
fig.update_layout(template=theme.TEMPLATE, height=460, margin={"t": 10}, xaxis_title=t("grid.axis_potential"), yaxis_title=t("grid.axis_performance"))
st.plotly_chart(safe_chart(fig), width="stretch")
st.caption(t("nine_box.legend"))
moved = int(grid["calibrated"].sum())
st.caption(t("grid.calibrated_count", moved=moved, total=f"{grid.height:,}"))

order = [(perf, pot) for perf in reversed(BANDS) for pot in reversed(BANDS)]
cell = st.selectbox(t("nine_box.pick_cell"), order, format_func=lambda c: t("nine_box.cell", box=box_words[BOXES[c]], performance=band[c[0]],
                                                                           potential=band[c[1]], people=people_words(at(*c)["people"])))
people = grid.filter((pl.col("performance") == cell[0]) & (pl.col("potential") == cell[1]))


def box_of(perf: str, pot: str) -> pl.Expr:
    return pl.concat_str(perf, pot, separator="/").replace_strict({f"{k[0]}/{k[1]}": box_words[v] for k, v in BOXES.items()}, default=None)


st.dataframe(people.select("employee_id", "name", "department", "position", "job_level", "latest_annual_rating", "potential_value",
                           pl.when(pl.col("calibrated")).then(box_of("original_performance", "original_potential"))
                           .otherwise(pl.lit(t("nine_box.not_calibrated"))).alias("box_before"),
                           pl.col("calibrated_by").fill_null(t("nine_box.not_calibrated"))),
             hide_index=True, column_config={"employee_id": t("nine_box.col_id"),
                                             "potential_value": st.column_config.NumberColumn(t("grid.col_potential"), format="%.1f"),
                                             "name": t("candidates.col_name"), "department": t("candidates.department"),
                                             "position": t("compare.position"), "job_level": t("candidates.col_level"),
                                             "latest_annual_rating": t("candidates.col_rating"),
                                             "box_before": t("nine_box.box_before"), "calibrated_by": t("grid.col_calibrated_by")})

if user.can("nominate"):
    with st.expander(t("nine_box.calibrate_title"), icon=":material/swap_vert:"):
        if people.height == 0:
            st.caption(t("nine_box.calibrate_empty"))
        else:
            options = dict(people.select("employee_id", "name").rows())
            who = st.selectbox(t("grid.who"), list(options), format_func=options.get, key=f"grid_who.{cell}")
            here = people.filter(pl.col("employee_id") == who).row(0, named=True)
            with st.form("calibrate", clear_on_submit=True):
                boxes = [(perf, pot) for perf in reversed(BANDS) for pot in reversed(BANDS)]
                # the form starts at the person's current box: a move is a deliberate choice of another one
                target = st.selectbox(t("nine_box.move_to"), boxes, index=boxes.index((here["performance"], here["potential"])),
                                      format_func=lambda c: t("nine_box.cell", box=box_words[BOXES[c]], performance=band[c[0]], potential=band[c[1]],
                                                              people=people_words(at(*c)["people"])), key=f"grid_target.{who}")
                reason = st.text_area(t("profile.reason"), max_chars=2000)
                if st.form_submit_button(t("grid.calibrate"), type="primary"):
                    if target == (here["performance"], here["potential"]):
                        st.error(t("nine_box.same_box", name=md(options[who]), box=box_words[BOXES[target]]))
                    else:
                        try:
                            data.calibrate(who, target[0], target[1], reason)
                        except (NotAllowed, ValueError) as exc:
                            st.error(md(exc))  # messages carry typed and imported values: plain text
                        else:
                            st.session_state["grid_flash"] = (t("nine_box.moved", name=options[who], box=box_words[BOXES[target]]), time.monotonic())
                            st.rerun()

st.subheader(t("grid.raters_title"))
st.caption(t("grid.raters_definition"))
raters = data.calibration_by_rater()
if raters.height:
    st.dataframe(raters, hide_index=True, column_config={
        "decided_by": t("nine_box.col_moved_by"), "department": t("nine_box.col_department"),
        "moves": t("nine_box.col_moves"), "people": t("nine_box.col_people")})
else:
    st.caption(t("grid.no_moves"))
