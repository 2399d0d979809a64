"""Trends: is our talent pool ready and growing?

The first screen answers HR leadership's four questions, each with one figure, a small chart and a sentence
(bench health, where it is thin, is the pool growing, did the July review move people). The detail below is
behind a choice of section: only the chosen section is computed and drawn on a rerun (Streamlit runs the code of
every tab and expander, so those would not save the time)."""
from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import polars as pl
import streamlit as st

from services import theme, workspace
from dashboard.page_header import all_departments_label
from dashboard.plain import md, safe_chart
from dashboard.access import ScopedData
from dashboard.downloads import csv_download, file_download
from services.i18n import current_language, t
from services.nominations import EXIT_REASONS
from services.people import READINESS
from services.privacy import MIN_GROUP
from dashboard.session import signed_in_user
from dashboard.state import query, query_with_workspace
from services.trends import (ASPIRATION_VALUES, GRAINS, MOVES, PERIODS, POTENTIAL_BANDS, SEAT_HOLDER_AGE, STALLED_MONTHS, TENURE_BANDS,
                             cover_by_department)
from services.config import settings as load_settings

data = ScopedData(signed_in_user())
st.title(t("trends.title"))
if not data.user.can("view_people"):
    st.error(t("trends.not_allowed"))
    st.stop()
status = query("data_status")
if not status or not status.get("employees"):
    st.info(t("trends.no_data"))
    st.page_link("pages/overview.py", label=t("trends.go_to_overview"), icon=":material/groups:")
    st.stop()

reference = query_with_workspace("trends.as_of")
st.caption(t("trends.intro", today=f"{reference['today']:%Y-%m-%d}"))

all_label = all_departments_label(data.scope)
departments = data.departments()
if st.session_state.get("trends_department") not in (None, "", *departments):  # a crafted widget value: never another department
    st.error(t("trends.department_not_allowed", department=md(st.session_state.trends_department), allowed=md(", ".join(departments))))
    st.session_state.trends_department = ""
c = st.columns([2, 1, 1])
department = c[0].selectbox(t("trends.department"), ["", *departments], key="trends_department", format_func=lambda v: v or all_label) or None
months = c[1].selectbox(t("trends.period"), PERIODS, index=0, key="trends_months", format_func=lambda m: t("trends.period_months", months=m))
data.check_department(department)
scope = data.scope
level = int(load_settings().model["management_level"])
GROUPS = {"pool": t("trends.group_pool"), "everyone": t("trends.group_everyone"), "comparable": t("trends.group_comparable"),
          "all_others": t("trends.group_all_others")}
READINESS_LABELS = {r: t(f"readiness.{r}") for r in READINESS}
MAKEUP_VALUES = {"gender": ("female", "male", "other", "unknown"), "age_band": ("<30", "30-39", "40-49", "50+", "unknown")}


def trend(name: str, *args) -> pl.DataFrame:
    return query_with_workspace(f"trends.{name}", scope, department, *args)


def download(frame: pl.DataFrame, name: str) -> None:
    csv_download(st, t("trends.download"), frame, f"{name}.csv", data.audit_export, f"trends/{name}.csv", key=f"download_{name}")


def choose_grain() -> str:
    """Month or quarter, for the sections that draw a series (its widget shows only there)."""
    return st.selectbox(t("trends.grain"), GRAINS, key="trends_grain", format_func=lambda g: t(f"trends.grain_{g}"), width=220)


def label_periods(frame: pl.DataFrame, grain: str) -> pl.DataFrame:
    label = (pl.col("period").dt.strftime("%Y-%m") if grain == "month"
             else pl.col("period").dt.year().cast(pl.String) + "-Q" + pl.col("period").dt.quarter().cast(pl.String))
    return frame.with_columns(label.alias("period_label"))


def no_pool(note_key: str = "trends.no_pool") -> None:
    st.info(t(note_key))
    if data.user.can("nominate"):
        st.page_link("pages/candidates.py", label=t("trends.go_to_candidates"), icon=":material/person_search:")


@st.cache_data(max_entries=256, show_spinner=False)
def bar(frame: pl.DataFrame, spec: dict, traces: dict | None = None, layout: dict | None = None) -> go.Figure:
    """px.bar, cached on its data and labels: building a figure costs ~30 ms, a cached one ~8 ms."""
    fig = px.bar(frame, template=theme.TEMPLATE, **spec)
    fig.update_traces(**(traces or {}))
    fig.update_layout(**(layout or {}))
    return fig


@st.cache_data(max_entries=64, show_spinner=False)
def heatmap(matrix: list, spec: dict, layout: dict) -> go.Figure:
    fig = px.imshow(matrix, template=theme.TEMPLATE, **spec)
    fig.update_layout(**layout)
    return fig


@st.cache_data(max_entries=64, show_spinner=False)
def figure(traces: list, layout: dict) -> go.Figure:
    return go.Figure(data=traces, layout={"template": theme.TEMPLATE, **layout})


@st.cache_data(max_entries=4, show_spinner=False)
def closed_cycles(workspace_version: str | None) -> pl.DataFrame:
    from services import export

    return export.closed_cycles()


def percent(value) -> str:
    return "–" if value is None else f"{value:.0%}"


def count_axis(*series) -> dict:
    """An axis of people: whole numbers only (never "0.2 people"), steps of 1 or 2 while the counts are small."""
    top = max((abs(v) for values in series for v in values if v is not None), default=0)
    axis = dict(tickformat=",d", rangemode="tozero")
    if top <= 10:
        axis["dtick"] = 1 if top <= 5 else 2
    return axis



def section_pool() -> None:
    grain = choose_grain()
    history = label_periods(trend("pool_over_time", months, grain), grain)
    if history["members"].sum() + history["entries"].sum() + history["exits"].sum() == 0:
        no_pool()
    else:
        left, right = st.columns(2)
        with left:
            st.subheader(t("trends.size_title"))
            st.caption(t("trends.size_definition"))
            long = history.select("period_label", *READINESS).unpivot(index=["period_label"], on=list(READINESS), variable_name="readiness", value_name="members").with_columns(
                pl.col("readiness").replace_strict(READINESS_LABELS))
            fig = bar(long, dict(x="period_label", y="members", color="readiness", color_discrete_sequence=theme.SEQUENCE,
                                 category_orders={"readiness": list(READINESS_LABELS.values())},
                                 labels={"period_label": t(f"trends.axis_{grain}"), "members": t("trends.axis_members"), "readiness": t("trends.axis_readiness")}),
                      layout=dict(height=340, barmode="stack", legend_title_text=None, yaxis=count_axis(history["members"])))
            st.plotly_chart(safe_chart(fig), width="stretch", key="chart_size")
        with right:
            st.subheader(t("trends.flow_title"))
            st.caption(t("trends.flow_definition", level=level))
            x = history["period_label"].to_list()
            colours = [theme.ACCENT, "#C04F2A", "#7A2E1A", "#E0A15A", theme.MUTED, "#555555"]
            traces = [dict(type="bar", x=x, y=history["entries"].to_list(), name=t("trends.entries"), marker_color=theme.PRIMARY)]
            traces += [dict(type="bar", x=x, y=(-history[f"exits_{reason}"]).to_list(), marker_color=colour,
                            name=t("trends.exit_named", reason=t(f"exit_reason.{reason}")))
                       for reason, colour in zip(EXIT_REASONS, colours) if history[f"exits_{reason}"].sum()]
            traces.append(dict(type="scatter", x=x, y=history["promotions_into_management"].to_list(), mode="lines+markers",
                               name=t("trends.promotions"), line=dict(color="#0B3C6E")))
            traces.append(dict(type="scatter", x=x, y=history["promotions_other"].to_list(), mode="lines+markers",
                               name=t("trends.promotions_other"), line=dict(color="#6FA3D6", dash="dot")))
            fig = figure(traces, dict(barmode="relative", height=340, xaxis_title=t(f"trends.axis_{grain}"), legend_title_text=None,
                                      yaxis=dict(title=t("trends.axis_flow"), **count_axis(history["entries"], history["exits"], history["promotions_into_management"],
                                                                                         history["promotions_other"]))))
            st.plotly_chart(safe_chart(fig), width="stretch", key="chart_flow")
        download(history.drop("period_label"), "pool_over_time")


def section_succession() -> None:
    coverage = trend("coverage")
    total = coverage.filter(pl.col("department").is_null()).row(0, named=True) if coverage.height else None
    st.subheader(t("trends.coverage_title"))
    st.caption(t("trends.coverage_definition", level=level, age=SEAT_HOLDER_AGE))
    if total is None or total["seats"] == 0:
        st.info(t("trends.no_seats", level=level))
    else:
        m = [*st.columns(3), *st.columns(3)]  # two rows: every label stays whole at 1440 px
        m[0].metric(t("trends.seats"), f"{total['seats']:,}")
        m[1].metric(t("trends.seats_senior"), f"{total['seats_holder_58_plus']:,}", help=t("trends.seats_senior_help", age=SEAT_HOLDER_AGE))
        m[2].metric(t("trends.expected_openings"), f"{total['expected_openings_12m']:.1f}", help=t("trends.expected_openings_help"))
        m[3].metric(t("trends.pool_per_seat"), "–" if total["pool_per_seat"] is None else f"{total['pool_per_seat']:.2f}")
        m[4].metric(t("trends.pool_per_opening"), "–" if total["pool_per_expected_opening"] is None else f"{total['pool_per_expected_opening']:.1f}")
        per_department = coverage.filter(pl.col("department").is_not_null())
        if per_department.height > 1:  # one department: the figures above are the whole story (no single fat bar)
            per_department = per_department.unpivot(
                index=["department", "seats", "pool_members", "expected_openings_12m"], on=["pool_per_seat", "pool_per_expected_opening"],
                variable_name="measure", value_name="ratio").with_columns(
                pl.col("measure").replace_strict({"pool_per_seat": t("trends.pool_per_seat"), "pool_per_expected_opening": t("trends.pool_per_opening")}))
            fig = bar(per_department, dict(x="ratio", y="department", color="measure", barmode="group", orientation="h",
                                           color_discrete_sequence=[theme.PRIMARY, theme.ACCENT], custom_data=["pool_members", "seats", "expected_openings_12m"],
                                           labels={"ratio": t("trends.axis_coverage"), "department": t("trends.department"), "measure": ""}),
                      traces=dict(hovertemplate="%{y}: %{x:.2f} (" + t("trends.coverage_hover") + ")<extra></extra>"),
                      layout=dict(height=max(260, 40 * coverage.height), legend_title_text=None, yaxis=dict(categoryorder="category descending")))
            st.plotly_chart(safe_chart(fig), width="stretch", key="chart_coverage")
    download(coverage, "coverage")

    st.subheader(t("trends.bench_title"))
    st.caption(t("trends.bench_definition", level=level))
    bench = trend("bench")
    positions = bench.filter(pl.col("position").is_not_null())
    unmatched = bench.filter(pl.col("position").is_null())["nominees"].sum()
    if positions.height == 0:
        st.info(t("trends.no_seats", level=level))
    else:
        left, right = st.columns([3, 2])
        with left:
            long = positions.select("position", "seats", *READINESS).unpivot(index=["position", "seats"], on=list(READINESS), variable_name="readiness", value_name="nominees").with_columns(
                pl.col("readiness").replace_strict(READINESS_LABELS))
            fig = bar(long, dict(x="nominees", y="position", color="readiness", orientation="h", color_discrete_sequence=theme.SEQUENCE,
                                 category_orders={"readiness": list(READINESS_LABELS.values())}, custom_data=["seats"],
                                 labels={"nominees": t("trends.axis_nominees"), "position": t("trends.axis_position"), "readiness": ""}),
                      traces=dict(hovertemplate="%{y}: %{x} (" + t("trends.seats_hover") + ")<extra></extra>",
                                  width=min(0.8, 0.3 * positions.height)),  # one or two positions: bars, not blocks
                      layout=dict(height=max(200, 90 + 32 * positions.height), barmode="stack", legend_title_text=None,
                                  xaxis=count_axis(positions.select(pl.sum_horizontal(*READINESS)).to_series()),
                                  yaxis=dict(categoryorder="array", categoryarray=positions["position"].reverse().to_list())))
            st.plotly_chart(safe_chart(fig), width="stretch", key="chart_bench")
        with right:
            empty_bench = positions.filter(pl.col("ready_now") == 0).select("position", "departments", "seats")
            st.metric(t("trends.no_ready_now"), f"{empty_bench.height:,} / {positions.height:,}")
            if empty_bench.height == 0:
                st.caption(t("trends.every_position_ready"))
            else:
                st.dataframe(empty_bench, hide_index=True, height=min(240, 38 + 35 * empty_bench.height), column_config={
                    "position": st.column_config.TextColumn(t("trends.axis_position"), width="medium"),
                    "departments": st.column_config.TextColumn(t("trends.department"), width="small"),
                    "seats": st.column_config.NumberColumn(t("trends.seats"), width="small")})  # three columns that fit the side panel
        if unmatched:
            st.caption(t("trends.bench_unmatched", count=unmatched))
    download(bench, "bench_strength")


def section_movement() -> None:
    left, right = st.columns(2)
    with left:
        st.subheader(t("trends.promotion_title"))
        rate = trend("promotion_rate", months)
        cohort = rate.row(0, named=True)
        st.caption(t("trends.promotion_definition", level=level, start=f"{cohort['cohort_date']:%Y-%m-%d}", end=f"{cohort['window_end']:%Y-%m-%d}"))
        if cohort["people"] == 0:
            no_pool("trends.no_pool_then")
        else:
            shown = rate.with_columns(pl.col("group").replace_strict(GROUPS).alias("label"))
            fig = bar(shown, dict(x="label", y="rate", color="label", color_discrete_sequence=[theme.PRIMARY, theme.ACCENT, theme.MUTED],
                                  custom_data=["promoted", "people"], labels={"label": "", "rate": t("trends.axis_promotion_rate")}),
                      traces=dict(hovertemplate="%{x}: %{y:.1%} (" + t("trends.promoted_hover") + ")<extra></extra>", texttemplate="%{y:.1%}"),
                      layout=dict(height=320, showlegend=False, yaxis_tickformat=".0%"))
            st.plotly_chart(safe_chart(fig), width="stretch", key="chart_promotion")
        download(rate, "promotion_rate")
    with right:
        st.subheader(t("trends.tenure_title"))
        st.caption(t("trends.tenure_definition", months=STALLED_MONTHS))
        tenure = trend("time_in_pool")
        if tenure["members"].sum() == 0:
            no_pool()
        else:
            band_labels = {name: t(f"trends.band_{name}") for name, _, _ in TENURE_BANDS}
            long = tenure.select("band", "not_stalled", "stalled").unpivot(index=["band"], on=["not_stalled", "stalled"], variable_name="state", value_name="members").with_columns(
                pl.col("band").replace_strict(band_labels), pl.col("state").replace_strict({"not_stalled": t("trends.not_stalled"), "stalled": t("trends.stalled")}))
            fig = bar(long, dict(x="band", y="members", color="state", color_discrete_sequence=[theme.PRIMARY, theme.ACCENT],
                                 category_orders={"band": list(band_labels.values())},
                                 labels={"band": t("trends.axis_time_in_pool"), "members": t("trends.axis_members"), "state": ""}),
                      layout=dict(height=280, barmode="stack", legend_title_text=None, yaxis=count_axis(tenure["members"])))
            m = st.columns(2)
            m[0].metric(t("trends.members_now"), f"{tenure['members'].sum():,}")
            m[1].metric(t("trends.stalled_members"), f"{tenure['stalled'].sum():,}", help=t("trends.stalled_help", months=STALLED_MONTHS))
            st.plotly_chart(safe_chart(fig), width="stretch", key="chart_tenure")
        download(tenure, "time_in_pool")

    st.subheader(t("trends.aspiration_title"))
    grid = trend("aspiration_potential")
    source = grid["potential_source"][0] if grid.height else "score"
    st.caption(t("trends.aspiration_definition", level=level, source=t(f"trends.source_{source}")))
    if grid["people"].sum() == 0:
        st.info(t("trends.no_candidates"))
    else:
        aspiration_labels = [t(f"trends.aspiration_{a}") for a in ASPIRATION_VALUES]
        potential_labels = [t(f"trends.potential_{p}") for p in POTENTIAL_BANDS]
        matrix = [[grid.filter((pl.col("aspiration") == a) & (pl.col("potential") == p))["people"][0] for p in POTENTIAL_BANDS] for a in ASPIRATION_VALUES]
        left, right = st.columns([3, 2])
        with left:
            fig = heatmap(matrix, dict(x=potential_labels, y=aspiration_labels, text_auto=True, color_continuous_scale=["#FFFFFF", theme.PRIMARY],
                                       labels={"x": t("trends.axis_potential"), "y": t("trends.axis_aspiration"), "color": t("trends.axis_people")},
                                       aspect="auto"),
                          dict(height=300, coloraxis_showscale=False))
            st.plotly_chart(safe_chart(fig), width="stretch", key="chart_aspiration")
        with right:
            high_no = grid.filter((pl.col("potential") == "high") & (pl.col("aspiration") != "management"))
            low_yes = grid.filter((pl.col("potential") == "low") & (pl.col("aspiration") == "management"))
            st.metric(t("trends.high_without_aspiration"), f"{high_no['people'].sum():,}",
                      help=t("trends.in_pool_of_them", pool=high_no["pool_members"].sum()))
            st.metric(t("trends.aspiration_low_potential"), f"{low_yes['people'].sum():,}",
                      help=t("trends.in_pool_of_them", pool=low_yes["pool_members"].sum()))
    download(grid, "aspiration_potential")


def section_attrition() -> None:
    grain = choose_grain()
    summary = trend("attrition_summary", months)
    leaving = label_periods(trend("pool_attrition", months, grain), grain)
    st.caption(t("trends.attrition_definition", months=months))
    rows = {r["group"]: r for r in summary.iter_rows(named=True)}
    m = [*st.columns(2), *st.columns(2)]  # two rows: every label stays whole at 1440 px
    m[0].metric(t("trends.pool_attrition"), percent(rows["pool"]["annual_rate"]),
                help=t("trends.leavers_help", leavers=rows["pool"]["leavers"], headcount=f"{rows['pool']['average_headcount']:.1f}"))
    m[1].metric(t("trends.everyone_attrition"), percent(rows["everyone"]["annual_rate"]),
                help=t("trends.leavers_help", leavers=rows["everyone"]["leavers"], headcount=f"{rows['everyone']['average_headcount']:.1f}"))
    m[2].metric(t("trends.pool_mismatch_attrition"), percent(rows["pool"]["annual_rate_capability_mismatch"]),
                help=t("trends.mismatch_help", everyone=percent(rows["everyone"]["annual_rate_capability_mismatch"])))
    m[3].metric(t("trends.removed_mismatch"), f"{rows['pool']['removed_capability_mismatch']:,}", help=t("trends.removed_mismatch_help"))
    if leaving["members_at_start"].sum() + leaving["left_company"].sum() + leaving["removed_capability_mismatch"].sum() == 0:
        no_pool()
    else:
        x = leaving["period_label"].to_list()
        fig = figure([
            dict(type="bar", x=x, y=(leaving["left_company"] - leaving["left_capability_mismatch"]).to_list(), name=t("trends.left_other"), marker_color=theme.MUTED),
            dict(type="bar", x=x, y=leaving["left_capability_mismatch"].to_list(), name=t("trends.left_mismatch"), marker_color="#C04F2A"),
            dict(type="bar", x=x, y=leaving["removed_capability_mismatch"].to_list(), name=t("trends.removed_mismatch"), marker_color=theme.ACCENT),
            dict(type="scatter", x=x, y=leaving["leaving_rate"].to_list(), name=t("trends.leaving_rate"), yaxis="y2", mode="lines+markers",
                 line=dict(color=theme.PRIMARY)),
        ], dict(barmode="stack", height=320, xaxis_title=t(f"trends.axis_{grain}"), legend_title_text=None,
                yaxis=dict(title=t("trends.axis_people"), **count_axis(leaving["left_company"] + leaving["removed_capability_mismatch"])),
                # ".1~%": 0.5 % steps read "0.5%", never "0%, 0%, 1%, 1%"
                yaxis2=dict(title=t("trends.axis_leaving_rate"), overlaying="y", side="right", tickformat=".1~%", rangemode="tozero", showgrid=False)))
        st.plotly_chart(safe_chart(fig), width="stretch", key="chart_attrition")
    download(pl.concat([leaving.drop("period_label").with_columns(pl.lit("period").alias("row")),
                        summary.with_columns(pl.lit("summary").alias("row"))], how="diagonal_relaxed"), "attrition")


def section_compare() -> None:
    spread = trend("distributions")
    left, right = st.columns(2)
    for column, measure, axis in ((left, "rating", "trends.axis_grade"), (right, "feedback_360", "trends.axis_feedback")):
        with column:
            st.subheader(t(f"trends.{measure}_title"))
            st.caption(t(f"trends.{measure}_definition"))
            part = spread.filter(pl.col("measure") == measure).with_columns(
                pl.col("group").replace_strict(GROUPS), pl.col("value").replace({"not_rated": t("trends.not_rated")}))
            if part.filter(pl.col("group") == GROUPS["pool"])["people"].sum() == 0:
                st.caption(t("trends.no_pool_compare"))
            fig = bar(part, dict(x="value", y="share", color="group", barmode="group", color_discrete_sequence=[theme.PRIMARY, theme.MUTED],
                                 category_orders={"group": [GROUPS["pool"], GROUPS["everyone"]]}, custom_data=["people"], labels={"value": t(axis), "share": t("trends.axis_share"), "group": ""}),
                      traces=dict(hovertemplate="%{x}: %{y:.1%} (%{customdata[0]})<extra></extra>"),
                      layout=dict(height=300, yaxis_tickformat=".0%", legend_title_text=None))
            st.plotly_chart(safe_chart(fig), width="stretch", key=f"chart_{measure}")
    download(spread, "rating_and_360")

    makeup = trend("makeup")
    left, right = st.columns(2)
    for column, dimension in ((left, "gender"), (right, "age_band")):
        with column:
            st.subheader(t(f"trends.{dimension}_title"))
            st.caption(t("privacy.makeup_definition", min=MIN_GROUP))
            part = makeup.filter(pl.col("dimension") == dimension)
            values = {v: t(f"trends.{dimension}_{v.replace('<', 'under_').replace('+', '_plus').replace('-', '_')}") for v in MAKEUP_VALUES[dimension]}
            shown = part.filter(pl.col("share").is_not_null()).with_columns(pl.col("group").replace_strict(GROUPS), pl.col("value").replace(values))
            if shown.height:
                fig = bar(shown, dict(x="value", y="share", color="group", barmode="group", color_discrete_sequence=[theme.PRIMARY, theme.MUTED],
                                      category_orders={"value": list(values.values()), "group": [GROUPS["pool"], GROUPS["everyone"]]},
                                      custom_data=["people"], labels={"value": t(f"trends.axis_{dimension}"), "share": t("trends.axis_share"), "group": ""}),
                          traces=dict(hovertemplate="%{x}: %{y:.1%} (%{customdata[0]})<extra></extra>"),
                          layout=dict(height=280, yaxis_tickformat=".0%", legend_title_text=None))
                st.plotly_chart(safe_chart(fig), width="stretch", key=f"chart_{dimension}")
            hidden = part.height - part.filter(pl.col("share").is_not_null()).height
            if hidden:
                st.caption(t("privacy.makeup_hidden", groups=hidden, min=MIN_GROUP))
    download(makeup, "makeup")


def section_download() -> None:
    from services import export  # noqa: E402  (the export pulls in the reviews module and xlsxwriter)

    cycles = closed_cycles(workspace.version())
    if cycles.height == 0:
        st.info(t("export.no_cycles"))
    else:
        st.caption(t("export.definition"))
        chosen = st.selectbox(t("export.cycle"), cycles["cycle_id"].to_list(), key="export_cycle",
                              format_func=lambda cid: t("export.cycle_label", cycle=cid, closed=f"{cycles.filter(pl.col('cycle_id') == cid)['closed_at'][0]:%Y-%m-%d}"))
        names = export.file_names(chosen, data.scope)  # the names app_export gives the files
        user, lang = data.user, current_language()  # the download runs in another thread: capture what it needs
        c = st.columns(2)
        file_download(c[0], t("export.download_xlsx"), lambda: export.app_export(user, chosen, "xlsx", lang), names["xlsx"],
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", icon=":material/table_view:", key="export_xlsx")
        file_download(c[1], t("export.download_html"), lambda: export.app_export(user, chosen, "html", lang), names["html"],
                      "text/html", icon=":material/print:", key="export_html")
        if data.scope is not None:
            st.caption(t("export.scoped", departments=md(", ".join(data.scope))))

# --- the first screen: HR leadership's four questions, one figure, one small chart and one sentence each -----------
SMALL = dict(height=120, margin=dict(l=0, r=4, t=4, b=0), showlegend=False)
QUIET = {"displayModeBar": False}  # small charts: no tool bar over them


def small_chart(fig: go.Figure, key: str) -> None:
    st.plotly_chart(safe_chart(fig), width="stretch", key=key, config=QUIET)


def count_bars(labels: list[str], counts: list[int], colours: list[str]) -> go.Figure:
    """People per category as labelled horizontal bars, the count beside each bar (0 included); no axis to read."""
    traces = [dict(type="bar", orientation="h", x=counts, y=labels, marker_color=colours, text=[f"{n:,}" for n in counts], textposition="outside",
                   cliponaxis=False, hovertemplate="%{y}: %{x:,}<extra></extra>")]
    return figure(traces, dict(SMALL, xaxis=dict(visible=False, range=[0, (max(counts) or 1) * 1.35]),
                               yaxis=dict(autorange="reversed", title=None, automargin=True)))


def share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "–"


def answer_bench(cover: pl.DataFrame) -> None:
    """(a) How healthy is the bench: the seats that have a successor ready now or in 1–2 years."""
    st.markdown(f"**{t('trends.q_bench')}**")
    seats = int(cover["seats"].sum())
    if seats == 0:
        st.caption(t("trends.no_seats", level=level))
        return
    ready_now, soon, uncovered = (int(cover[c].sum()) for c in ("covered_ready_now", "covered_ready_1_2_years", "uncovered"))
    left, right = st.columns([2, 3], vertical_alignment="center")
    left.metric(t("trends.bench_metric"), share(ready_now + soon, seats), help=t("trends.bench_metric_help", level=level))
    counts = [ready_now, soon, uncovered]
    with right:
        small_chart(count_bars([t("trends.cover_ready_now"), t("trends.cover_ready_1_2_years"), t("trends.cover_none")], counts,
                               [theme.PRIMARY, "#6FA3D6", theme.MUTED]), "chart_first_bench")
    st.caption(t("trends.bench_answer", covered=f"{ready_now + soon:,}", seats=f"{seats:,}", now=f"{ready_now:,}", soon=f"{soon:,}",
                 none=f"{uncovered:,}"))


def answer_thin(cover: pl.DataFrame) -> None:
    """(b) Where it is thin: the departments (one department: its positions) with the weakest cover."""
    st.markdown(f"**{t('trends.q_thin')}**")
    if cover["seats"].sum() == 0:
        st.caption(t("trends.no_seats", level=level))
        return
    by_department = cover_by_department(cover)
    rows = (by_department.rename({"department": "name"}) if by_department.height > 1
            else cover.select(pl.col("position").alias("name"), "seats", "covered_ready_now", "covered_ready_1_2_years", "uncovered", "cover"))
    weakest, best = rows.row(0, named=True), rows.row(-1, named=True)
    left, right = st.columns([2, 3], vertical_alignment="center")
    left.metric(t("trends.thin_metric"), f"{weakest['cover']:.0%}", help=t("trends.thin_metric_help"))
    shown = rows.head(5).with_columns((pl.col("seats") - pl.col("uncovered")).alias("covered"))
    traces = [dict(type="bar", orientation="h", x=shown["cover"].to_list(), y=shown["name"].to_list(), marker_color=theme.ACCENT,
                   width=min(0.8, 0.25 * shown.height),  # one or two bars stay bars, not blocks
                   text=[f"{v:.0%}" for v in shown["cover"]], textposition="outside", cliponaxis=False, customdata=shown.select("covered", "seats").rows(),
                   hovertemplate="%{y}: %{x:.0%} (" + t("trends.thin_hover") + ")<extra></extra>")]
    with right:
        small_chart(figure(traces, dict(SMALL, xaxis=dict(range=[0, 1.02], tickformat=".0%", dtick=0.5, title=None),
                                        yaxis=dict(autorange="reversed", title=None, automargin=True))), "chart_first_thin")
    if rows.height == 1:
        st.caption(t("trends.thin_answer_one", name=md(weakest["name"]), covered=f"{weakest['seats'] - weakest['uncovered']:,}",
                     seats=f"{weakest['seats']:,}"))
    else:
        names = ", ".join(f"{md(r['name'])} ({r['cover']:.0%})" for r in rows.head(min(3, rows.height - 1)).iter_rows(named=True))
        st.caption(t("trends.thin_answer", names=names, best=md(best["name"]), best_cover=f"{best['cover']:.0%}"))


def answer_growth(growth: pl.DataFrame) -> None:
    """(c) Is the pool growing: members now against the first day of the period, with the month-end line between."""
    st.markdown(f"**{t('trends.q_growth')}**")
    start, now = int(growth["members"][0]), int(growth["members"][-1])
    since = f"{growth['day'][0]:%Y-%m-%d}"
    left, right = st.columns([2, 3], vertical_alignment="center")
    left.metric(t("trends.growth_metric"), f"{now:,}", delta=f"{now - start:+,}" if now != start else None,
                help=t("trends.growth_metric_help", since=since))
    traces = [dict(type="scatter", mode="lines", x=growth["day"].to_list(), y=growth["members"].to_list(), line=dict(color=theme.PRIMARY, width=2),
                   fill="tozeroy", fillcolor="rgba(31,90,150,0.08)", hovertemplate="%{x|%Y-%m-%d}: %{y:,}<extra></extra>")]
    with right:
        small_chart(figure(traces, dict(SMALL, xaxis=dict(title=None, tickformat="%Y-%m", nticks=4),
                                        yaxis=dict(count_axis(growth["members"]), title=None))), "chart_first_growth")
    if start == 0:
        key = "trends.growth_answer_new" if now else "trends.growth_answer_none"
    else:
        key = "trends.growth_answer_up" if now > start else "trends.growth_answer_down" if now < start else "trends.growth_answer_flat"
    st.caption(t(key, now=f"{now:,}", start=f"{start:,}", since=since, change=f"{abs(now - start):,}",
                 percent=f"{abs(now - start) / start:.0%}" if start else "–"))
    if now == 0 and start == 0 and data.user.can("nominate"):
        st.page_link("pages/candidates.py", label=t("trends.go_to_candidates"), icon=":material/person_search:")


def answer_review(moves: pl.DataFrame) -> None:
    """(d) Did the July review move people: what became of the latest closed mid-year review's members since."""
    st.markdown(f"**{t('trends.q_review')}**")
    if moves.height == 0:
        st.caption(t("trends.no_mid_year"))
        st.page_link("pages/reviews.py", label=t("trends.go_to_reviews"), icon=":material/rate_review:")
        return
    cycle = moves.row(0, named=True)
    by_move = dict(moves.group_by("move").agg(pl.col("people").sum()).iter_rows())
    members = sum(by_move.values())
    assessed = int(moves.filter(pl.col("outcome") != "not_assessed")["people"].sum())
    moved = by_move.get("promoted", 0) + by_move.get("readiness_up", 0)
    left, right = st.columns([2, 3], vertical_alignment="center")
    left.metric(t("trends.review_metric"), f"{moved:,}", help=t("trends.review_metric_help", window=load_settings().promotion_window_months))
    labels = [t(f"trends.move_{m}") for m in MOVES]
    counts = [by_move.get(m, 0) for m in MOVES]
    with right:
        small_chart(count_bars(labels, counts, [theme.PRIMARY, "#6FA3D6", theme.MUTED, "#E0A15A", theme.ACCENT, "#C04F2A"]), "chart_first_review")
    if members == 0:
        st.caption(t("trends.review_answer_nobody", year=cycle["year"]))
    else:
        st.caption(t("trends.review_answer", year=cycle["year"], closed=f"{cycle['closed_at']:%Y-%m-%d}", members=f"{members:,}",
                     assessed=f"{assessed:,}", promoted=f"{by_move.get('promoted', 0):,}", up=f"{by_move.get('readiness_up', 0):,}",
                     left=f"{by_move.get('left_pool', 0) + by_move.get('left_company', 0):,}", unchanged=f"{by_move.get('unchanged', 0):,}"))


top, bottom = st.columns(2), st.columns(2)
cover = trend("succession_cover")
with top[0].container(border=True, height="stretch"):
    answer_bench(cover)
with top[1].container(border=True, height="stretch"):
    answer_thin(cover)
with bottom[0].container(border=True, height="stretch"):
    answer_growth(trend("pool_growth", months))
with bottom[1].container(border=True, height="stretch"):
    answer_review(trend("review_moves"))

# --- the detail: one section at a time (only the chosen one is computed and drawn) --------------------------------
SECTIONS = {"pool": section_pool, "succession": section_succession, "movement": section_movement, "attrition": section_attrition,
            "compare": section_compare, "download": section_download}
# None chosen at first: the four answers above are the page's first visit; a section costs its queries and charts.
chosen = st.segmented_control(t("trends.detail"), list(SECTIONS), key="trends_section", format_func=lambda s: t(f"trends.section_{s}"))
if chosen in SECTIONS:
    SECTIONS[chosen]()
else:
    st.caption(t("trends.choose_section"))
