"""Succession per key seat (#16 part 1): who could take over our key seats?"""
from __future__ import annotations

import time

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.access import NotAllowed, ScopedData
from dashboard.plain import md, safe_chart
from dashboard.session import signed_in_user
from services import theme
from services.i18n import t, widget_key
from services.permissions import can_write
from services.succession import BENCH, FLAGS, IMPACTS, READINESS

BENCH_COLOURS = {"empty": "#C0392B", "not_ready": "#E07B39", "fragile": "#D99A1E", "covered": "#2E7D4F"}
MANAGER_COLOUR = theme.MUTED

user = signed_in_user()
data = ScopedData(user)
no_position = t("succession.position_unknown")  # an export without a position column
st.title(t("succession.title"))
if not user.can("view_people"):
    st.info(t("succession.not_allowed"))
    st.stop()
st.caption(t("succession.intro"))
is_hr = user.can("manage_company_records")

flash = st.session_state.pop("succession_flash", None)  # set before the rerun that follows a change
if flash and time.monotonic() - flash[1] < 30:
    st.toast(flash[0], icon=":material/check_circle:")


def done(message: str) -> None:
    st.session_state["succession_flash"] = (message, time.monotonic())
    st.rerun()


def words(prefix: str, codes) -> dict[str, str]:
    return {c: t(f"succession.{prefix}_{c}") for c in codes}


bench_words, impact_words, readiness_words = words("bench", BENCH), words("impact", IMPACTS), words("readiness", READINESS)
risk_words = words("risk", ("low", "medium", "high"))


def mark_seats() -> None:
    """HR: the middle-management seats not yet key, to mark with an impact and a reason."""
    with st.expander(t("succession.mark_title"), icon=":material/bookmark_add:", expanded=seats.height == 0):
        st.caption(t("succession.mark_caption"))
        department = st.selectbox(t("succession.mark_department"), data.departments(), key="succession_mark_department")
        open_seats = data.candidate_seats(department)
        if open_seats.height == 0:
            st.info(t("succession.mark_none"))
            return
        options = {r["employee_id"]: t("succession.mark_option", position=r["position"] or no_position, name=r["name"], reports=r["direct_reports"])
                   for r in open_seats.iter_rows(named=True)}
        with st.form("succession_mark", clear_on_submit=True):
            holder = st.selectbox(t("succession.mark_holder"), list(options), format_func=options.get)
            impact = st.selectbox(t("succession.impact"), IMPACTS, index=2, format_func=impact_words.get, key=widget_key("succession_mark_impact"))
            reason = st.text_input(t("succession.reason"), max_chars=500)
            if st.form_submit_button(t("succession.mark_submit"), type="primary"):
                try:
                    data.mark_key_seat(holder, impact, reason)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))
                else:
                    done(t("succession.marked", seat=md(options[holder])))


seats = data.key_seats()
if seats.height == 0:
    st.info(t("succession.empty_hr" if is_hr else "succession.empty_other"))
    if is_hr:
        mark_seats()
    st.stop()

# --- bench strength by department: figures, then the same in sentences --------------------------------------------
st.subheader(t("succession.rollup_title"))
rollup = data.bench_by_department()
total = rollup.select(pl.exclude("department").sum()).row(0, named=True)
for column, (key, value) in zip(st.columns(6), [("metric_seats", "seats"), ("metric_covered", "covered"),
                                                  ("metric_no_ready_now", "no_ready_now"), ("metric_single_shared", "single_shared"),
                                                  ("metric_high_risk", "high_risk_high_impact"), ("metric_vacant", "vacant")]):
    column.metric(t(f"succession.{key}"), f"{total[value]:,}")
st.caption(t("succession.rollup_caption"))


def sentence(row: dict) -> str:
    if row["covered"] == row["seats"]:
        return t("succession.sentence_covered_all", department=md(row["department"]), seats=row["seats"])
    parts = [t(f"succession.sentence_{key}", n=row[column]) for key, column in
             (("no_ready", "no_ready_now"), ("shared", "single_shared"), ("risk", "high_risk_high_impact"), ("vacant", "vacant"))
             if row[column]]
    head = t("succession.sentence", department=md(row["department"]), covered=row["covered"], seats=row["seats"])
    return t("succession.sentence_join").join([head, *parts]) + t("succession.sentence_end")


left, right = st.columns([3, 2])
with left:
    st.markdown("\n".join(f"- {sentence(row)}" for row in rollup.iter_rows(named=True)))  # one line per department
with right:
    by_bench = seats.group_by("department", "bench").len()
    fig = go.Figure([go.Bar(y=by_bench.filter(pl.col("bench") == b)["department"], x=by_bench.filter(pl.col("bench") == b)["len"],
                            orientation="h", name=bench_words[b], marker_color=BENCH_COLOURS[b]) for b in BENCH])
    fig.update_layout(template=theme.TEMPLATE, barmode="stack", height=110 + 30 * rollup.height, margin={"t": 60, "b": 10, "l": 10, "r": 10},
                      xaxis={"dtick": 1}, legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0, "title": None, "traceorder": "normal"},
                      yaxis={"categoryorder": "category descending"})
    st.markdown(f"**{t('succession.chart_bench')}**")
    st.plotly_chart(safe_chart(fig), width="stretch")

# --- the seats table ---------------------------------------------------------------------------------------------
st.subheader(t("succession.seats_title"))
st.caption(t("succession.risk_caption"))
flags = [pl.when(pl.col(f) if f != "vacant" else ~pl.col("held")).then(pl.lit(t(f"succession.flag_{f}"))) for f in FLAGS]
table = seats.select(
    pl.col("department"), pl.col("position").fill_null(no_position),
    pl.when(pl.col("held")).then(pl.col("holder_name"))  # a vacant seat: its last holder and why it is vacant
    .otherwise(pl.format(t("succession.holder_vacant").replace("{holder}", "{}").replace("{why}", "{}"), "holder_name",
                         pl.col("vacancy").replace_strict(words("vacancy", ("left_company", "moved")), default=None)))
    .alias("holder_name"),
    pl.when(pl.col("risk_band").is_null()).then(pl.lit(t("succession.not_scored"))).otherwise(
        pl.format(t("succession.risk_value").replace("{band}", "{}").replace("{percent}", "{}"),
                  pl.col("risk_band").replace_strict(risk_words, default=None),
                  pl.when(pl.col("risk_probability") < 0.005).then(pl.lit("<1"))  # not "0 %": nobody is certain to stay
                  .otherwise((pl.col("risk_probability") * 100).round(0).cast(pl.Int64).cast(pl.String))))
    .alias("risk"),
    pl.col("impact").replace_strict(impact_words, default=None),
    pl.format(t("succession.successor_count").replace("{n}", "{}").replace("{ready}", "{}"), "successors", "ready_now").alias("successors"),
    pl.col("bench").replace_strict(bench_words, default=None),
    pl.concat_str(flags, separator="; ", ignore_nulls=True).replace("", t("succession.no_warnings")).alias("warnings"),
)
st.dataframe(table, hide_index=True, width="stretch", column_config={
    c: t(f"succession.col_{k}") for c, k in (("department", "department"), ("position", "position"), ("holder_name", "holder"),
                                           ("risk", "risk"), ("impact", "impact"), ("successors", "successors"),
                                           ("bench", "bench"), ("warnings", "warnings"))})

# --- the reporting line of a department's key seats; a click (or the select) opens the seat ------------------------
st.subheader(t("succession.chart_title"))
with_seats = seats["department"].unique().sort().to_list()
department = st.selectbox(t("succession.chart_department"), with_seats, key="succession_department")
chart = data.seat_org_chart(department)
st.caption(t("succession.chart_caption", department=md(department)))
in_department = seats.filter(pl.col("department") == department)
seat_labels = {r["seat_id"]: t("succession.seat_option", position=r["position"] or no_position,
                               holder=r["holder_name"] if r["held"] else t("succession.vacant_holder", holder=r["holder_name"]))
               for r in in_department.iter_rows(named=True)}
if chart.height:
    edges = chart.filter(pl.col("parent_id").is_not_null())
    fig = go.Figure(go.Scatter(  # the lines: parent above, child below, a gap (None) between pairs
        x=edges.select(pl.concat_list("parent_x", "x", pl.lit(None, pl.Float64)).explode()).to_series().to_list(),
        y=edges.select(pl.concat_list(-(pl.col("depth") - 1).cast(pl.Float64), -pl.col("depth").cast(pl.Float64),
                                      pl.lit(None, pl.Float64)).explode()).to_series().to_list(),
        mode="lines", line={"color": "#B8C2CC", "width": 1.5}, hoverinfo="skip", showlegend=False))
    groups = [(b, chart.filter(pl.col("bench") == b), bench_words[b], BENCH_COLOURS[b]) for b in BENCH]
    groups.append(("manager", chart.filter(pl.col("seat_id").is_null()), t("succession.chart_manager"), MANAGER_COLOUR))
    for _, nodes, label, colour in groups:
        if nodes.height == 0:
            continue
        fig.add_trace(go.Scatter(
            x=nodes["x"].to_list(), y=(-nodes["depth"]).to_list(), mode="markers+text", name=label,
            marker={"size": 26, "color": colour, "line": {"color": "white", "width": 2}, "symbol": "square"},
            customdata=nodes.select(pl.col("seat_id").fill_null(-1), "name", pl.col("position").fill_null(no_position)).rows(),  # escaped by safe_chart
            texttemplate="<b>%{customdata[1]}</b><br>%{customdata[2]}", textposition="bottom center",
            hovertemplate="%{customdata[1]} · %{customdata[2]}<extra></extra>"))
    depth = int(chart["depth"].max())
    fig.update_layout(template=theme.TEMPLATE, height=220 + 120 * depth, margin={"t": 10, "b": 10, "l": 10, "r": 10},
                      xaxis={"visible": False, "range": [chart["x"].min() - 0.7, chart["x"].max() + 0.7]},
                      yaxis={"visible": False, "range": [-depth - 0.6, 0.4]}, legend={"orientation": "h", "y": 1.08},
                      clickmode="event+select", dragmode=False)
    event = st.plotly_chart(safe_chart(fig), width="stretch", on_select="rerun", selection_mode="points", key=f"succession_chart.{department}")
    clicked = [p["customdata"][0] for p in (event.selection.points if event else []) if (p.get("customdata") or [-1])[0] in seat_labels]
    if clicked and st.session_state.get("succession_clicked") != clicked[0]:  # a new click chooses the seat; the select may change it after
        st.session_state["succession_clicked"] = clicked[0]
        st.session_state[f"succession_seat.{department}"] = clicked[0]
seat_id = st.selectbox(t("succession.seat"), list(seat_labels), format_func=seat_labels.get, key=f"succession_seat.{department}")
seat = in_department.filter(pl.col("seat_id") == seat_id).row(0, named=True)

# --- the seat ----------------------------------------------------------------------------------------------------
st.markdown(f"#### {md(seat_labels[seat_id])}")
risk = t("succession.not_scored") if seat["risk_band"] is None else t(
    "succession.risk_value", band=risk_words[seat["risk_band"]],
    percent="<1" if seat["risk_probability"] < 0.005 else round(seat["risk_probability"] * 100))
st.markdown(t("succession.detail_facts", impact=impact_words[seat["impact"]], risk=risk, bench=bench_words[seat["bench"]]))
warnings = [t(f"succession.flag_{f}") for f in FLAGS[2:] if seat[f]]  # vacant and no ready-now: said already
if not seat["held"]:
    st.warning(t("succession.detail_vacant", holder=md(seat["holder_name"]), why=t(f"succession.vacancy_{seat['vacancy']}")))
if warnings:
    st.markdown(t("succession.detail_warnings", warnings="; ".join(warnings)))
line = data.seat_successors(seat_id)
st.markdown(f"**{t('succession.successors_title')}**")
if line.height == 0:
    st.info(t("succession.successors_empty"))
else:
    st.dataframe(line.select("position_in_line", "name", "department", pl.col("readiness").replace_strict(readiness_words, default=None),
                             "seats_named", "reason", "decided_by", pl.col("decided_at").dt.strftime("%Y-%m-%d")),
                 hide_index=True, width="stretch", column_config={
                     "position_in_line": t("succession.col_place"), "name": t("succession.col_name"),
                     "department": t("succession.col_department"), "readiness": t("succession.col_readiness"),
                     "seats_named": t("succession.col_other_seats"), "reason": t("succession.col_reason"),
                     "decided_by": t("succession.col_named_by"), "decided_at": t("succession.col_named_on")})
if user.scope is not None and line.height < seat["successors"]:
    st.caption(t("succession.successors_hidden"))
with st.expander(t("succession.history_title"), icon=":material/history:"):
    changes = data.seat_history(seat_id)
    if changes.height == 0:
        st.caption(t("succession.history_empty"))
    else:
        st.dataframe(changes.select(
            pl.col("decided_at").dt.strftime("%Y-%m-%d %H:%M"), "decided_by", pl.col("change").replace_strict({"name": t("succession.change_name"), "remove": t("succession.change_remove")},
                                                                     default=None),
            "name", pl.col("readiness").replace_strict(readiness_words, default=None), "rank", "reason"),
            hide_index=True, width="stretch", column_config={
                "decided_at": t("succession.col_named_on"), "decided_by": t("succession.col_named_by"), "change": t("succession.col_change"),
                "name": t("succession.col_name"), "readiness": t("succession.col_readiness"), "rank": t("succession.col_rank"),
                "reason": t("succession.col_reason")})

# --- the forms: successors (HR, the seat's head), impact and key-seat status (HR) ---------------------------------
seat_name = md(seat_labels[seat_id])
if not user.can("write_department_records"):
    st.caption(t("succession.read_only"))
elif not can_write(user, seat["department"]):
    st.caption(t("succession.not_your_seat", department=md(seat["department"])))
else:
    choices = (data.successor_choices().filter(pl.col("employee_id") != seat["holder_id"])
               .sort(pl.col("department") != seat["department"], "department", "name"))  # the seat's own department first
    named_here = dict(line.select("employee_id", "position_in_line").rows())
    with st.expander(t("succession.name_title"), icon=":material/person_add:", expanded=line.height == 0):
        st.caption(t("succession.name_caption"))
        if choices.height == 0:
            st.info(t("succession.name_none"))
        else:
            people = {r["employee_id"]: t("succession.pool_member_named" if r["employee_id"] in named_here else "succession.pool_member_option",
                                          name=r["name"], department=r["department"],
                                          readiness=readiness_words.get(r["readiness"], "–"), place=named_here.get(r["employee_id"]))
                      for r in choices.iter_rows(named=True)}
            with st.form(f"succession_name.{seat_id}", clear_on_submit=True):
                who = st.selectbox(t("succession.pool_member"), list(people), format_func=people.get)
                readiness = st.selectbox(t("succession.readiness"), READINESS, index=1, format_func=readiness_words.get,
                                         key=widget_key(f"succession_readiness.{seat_id}"))
                place = st.number_input(t("succession.place"), min_value=1, max_value=line.height + 1, value=line.height + 1, step=1)
                reason = st.text_input(t("succession.reason"), max_chars=500)
                if st.form_submit_button(t("succession.name_submit"), type="primary"):
                    try:
                        data.name_successor(seat_id, who, readiness, int(place), reason)
                    except (NotAllowed, ValueError) as exc:
                        st.error(md(exc))
                    else:
                        done(t("succession.named", name=md(choices.filter(pl.col("employee_id") == who)["name"][0]),
                               place=min(int(place), line.height + (0 if who in named_here else 1)), seat=seat_name))
    if line.height:
        with st.expander(t("succession.remove_title"), icon=":material/person_remove:"):
            current = dict(line.select("employee_id", "name").rows())
            with st.form(f"succession_remove.{seat_id}", clear_on_submit=True):
                who = st.selectbox(t("succession.successor"), list(current), format_func=current.get)
                reason = st.text_input(t("succession.reason"), max_chars=500)
                if st.form_submit_button(t("succession.remove_submit")):
                    try:
                        data.remove_successor(seat_id, who, reason)
                    except (NotAllowed, ValueError) as exc:
                        st.error(md(exc))
                    else:
                        done(t("succession.removed", name=md(current[who]), seat=seat_name))
if is_hr:
    with st.expander(t("succession.impact_title"), icon=":material/priority_high:"):
        with st.form(f"succession_impact.{seat_id}"):
            impact = st.selectbox(t("succession.impact"), IMPACTS, index=IMPACTS.index(seat["impact"]), format_func=impact_words.get,
                                  key=widget_key(f"succession_impact.{seat_id}"))
            reason = st.text_input(t("succession.reason"), max_chars=500)
            save, unmark = st.columns(2)
            if save.form_submit_button(t("succession.impact_submit"), type="primary"):
                try:
                    data.set_seat_impact(seat_id, impact, reason)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))
                else:
                    done(t("succession.impact_saved", seat=seat_name, impact=impact_words[impact]))
            if unmark.form_submit_button(t("succession.unmark_submit")):
                try:
                    data.unmark_key_seat(seat_id, reason)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))
                else:
                    done(t("succession.unmarked", seat=seat_name))
    mark_seats()
