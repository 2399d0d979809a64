"""Calibration session: are we placing people consistently? HR and the heads of the session's departments move
people on the 9-box with a reason; HR locks the session and the calibrated grid is kept."""
from __future__ import annotations

import time
from datetime import date

import plotly.graph_objects as go
import polars as pl
import streamlit as st

from dashboard.access import NotAllowed, ScopedData
from dashboard.downloads import meeting_pack_button
from dashboard.plain import html, md, safe_chart
from dashboard.session import signed_in_user
from services import theme
from services.i18n import t, widget_key
from services.people import BANDS, BOX_MEANING, BOXES

NAMES_IN_BOX = 6  # a box shows this many names (highest potential first), then "+N more"

user = signed_in_user()
data = ScopedData(user)
st.title(t("calibration_session.title"))
st.caption(t("calibration_session.intro"))
if not user.can("view_people"):  # the navigation offers the page to who may see people only; a typed address ends here
    st.error(t("calibration_session.not_allowed"))
    st.stop()

box_words = {box: t(f"nine_box.{box}") for box in BOXES.values()}
band = {b: t(f"grid.band_{b}") for b in BANDS}
direction_words = {d: t(f"calibration_session.direction_{d}") for d in ("up", "down", "across", "same", "new")}
boxes = [(perf, pot) for perf in reversed(BANDS) for pot in reversed(BANDS)]  # top box first


def box_label(cell: tuple[str, str]) -> str:
    return t("calibration_session.box_option", box=box_words[BOXES[cell]], performance=band[cell[0]], potential=band[cell[1]])


def percent(share: float | None) -> str:
    """One decimal, so a share just over a guide's edge (10.3 %) does not read as on it (10 %)."""
    return "–" if share is None else f"{share * 100:.1f}".removesuffix(".0") + " %"


def guide_range(low: float, high: float) -> str:
    return f"{low * 100:g}–{high * 100:g} %"


flash = st.session_state.pop("calibration_flash", None)  # set before the rerun that follows a write
if flash and time.monotonic() - flash[1] < 30:
    st.toast(flash[0], icon=":material/check_circle:")

sessions = data.calibration_sessions()
is_hr = user.can("manage_company_records")

# --- HR opens a session ------------------------------------------------------------------------------------------
if is_hr:
    with st.expander(t("calibration_session.open_title"), icon=":material/add_circle:", expanded=sessions.height == 0):
        with st.form("calibration_open", clear_on_submit=True):  # a second click must not open the session twice
            name = st.text_input(t("calibration_session.name"), placeholder=t("calibration_session.name_example"), max_chars=200)
            chosen = st.multiselect(t("calibration_session.departments"), data.departments(),
                                    placeholder=t("calibration_session.departments_placeholder"))
            meeting = st.date_input(t("calibration_session.meeting_date"), value=date.today(), format="YYYY-MM-DD")
            if st.form_submit_button(t("calibration_session.open"), type="primary"):
                try:
                    opened = data.open_calibration_session(name, chosen, meeting)
                except (NotAllowed, ValueError) as exc:
                    st.error(md(exc))  # messages carry typed values: plain text
                else:
                    st.session_state["calibration_session"] = opened
                    st.session_state["calibration_flash"] = (t("calibration_session.opened", name=" ".join(name.split())), time.monotonic())
                    st.rerun()

if sessions.height == 0:
    st.info(t("calibration_session.empty_hr") if is_hr else t("calibration_session.empty"))
    st.stop()

# --- pick a session --------------------------------------------------------------------------------------------
by_id = {row["session_id"]: row for row in sessions.iter_rows(named=True)}  # a handful of sessions, not data rows
if st.session_state.get("calibration_session") not in by_id:
    st.session_state["calibration_session"] = next(iter(by_id))


def session_label(session_id: int) -> str:
    s = by_id[session_id]
    status = t("calibration_session.status_locked") if s["locked"] else t("calibration_session.status_open")
    return t("calibration_session.session_option", name=s["name"], date=f"{s['meeting_date']:%Y-%m-%d}", status=status)


session_id = st.selectbox(t("calibration_session.pick"), list(by_id), format_func=session_label, key="calibration_session")
meta = by_id[session_id]
departments = t("audit_words.list_separator").join(meta["departments"])
if meta["locked"]:
    st.success(t("calibration_session.locked_note", by=meta["locked_by"], at=f"{meta['locked_at']:%Y-%m-%d %H:%M}",
                 departments=departments), icon=":material/lock:")
else:
    st.info(t("calibration_session.open_note", by=meta["opened_by"], date=f"{meta['meeting_date']:%Y-%m-%d}", departments=departments),
            icon=":material/groups:")
try:
    grid = data.calibration_session_grid(session_id)
except NotAllowed as exc:
    st.error(md(exc))
    st.stop()
if grid.height == 0:
    st.info(t("calibration_session.grid_empty"))
    st.stop()

# The meeting pack: the calibrated grid and a card per person discussed (in the talent pool today, or moved), or everyone.
discussed = grid.filter(pl.col("moved") | pl.col("employee_id").is_in(list(data.nominated())))["employee_id"].to_list()
with st.container(horizontal=True, vertical_alignment="bottom"):
    # Fixed option labels (a label that changed with the counts would make a new widget, with nothing chosen).
    cards_choice = st.radio(t("talent_card.pack_cards_for"), ["discussed", "everyone"], horizontal=True, key="pack_cards_for",
                            format_func=lambda c: t(f"talent_card.pack_cards_{c}"))
    carded = discussed if cards_choice == "discussed" else None
    meeting_pack_button(data, grid.rename({"performance": "calibrated_performance", "potential": "calibrated_potential"}),
                        meta["name"], cards_for=carded)
st.caption(t("talent_card.pack_cards_count", n=f"{grid.height if carded is None else len(carded):,}"))

# --- the 9-box with names ----------------------------------------------------------------------------------------
st.subheader(t("calibration_session.grid_title"))
st.caption(t("calibration_session.grid_definition"))
arrows = {"up": " ↑", "down": " ↓", "across": " →"}
shown = grid.with_columns((pl.col("name") + pl.col("direction").replace_strict(arrows, default="")).alias("name"))
counts = shown.group_by("performance", "potential").agg(pl.len().alias("people"))
cells = (pl.DataFrame({"performance": [b[0] for b in boxes], "potential": [b[1] for b in boxes]})
         .join(counts, on=["performance", "potential"], how="left").with_columns(pl.col("people").fill_null(0)))
names = (shown.sort(["moved", "potential_value", "name"], descending=[True, True, False], nulls_last=True)  # the moved first: the meeting's subject
         .group_by("performance", "potential", maintain_order=True).agg(pl.col("name").head(NAMES_IN_BOX)))
cells = cells.join(names, on=["performance", "potential"], how="left")
cell = {(r["performance"], r["potential"]): r for r in cells.iter_rows(named=True)}  # the nine boxes


def people_words(n: int) -> str:
    return t("nine_box.nobody") if n == 0 else t("nine_box.person") if n == 1 else t("nine_box.people", n=f"{n:,}")


def box_text(perf: str, pot: str) -> str:
    """A box: its name, how many, and the first names (two a line), then "+N more" (escaped: imported text)."""
    c = cell[(perf, pot)]
    people = [html(n) for n in (c["name"] or [])]
    lines = [", ".join(people[i:i + 2]) for i in range(0, len(people), 2)]
    if c["people"] > len(people):
        lines.append(html(t("calibration_session.more", n=f"{c['people'] - len(people):,}")))
    return "<br>".join([f"<b>{html(box_words[BOXES[(perf, pot)]])}</b> · {html(people_words(c['people']))}", *lines])


meaning_colours = ["#2E7D4F", "#3C6E9E", "#D99A1E", "#C0392B"]
labels = [band[b] for b in BANDS]
fig = go.Figure(go.Heatmap(z=[[BOX_MEANING[BOXES[(perf, pot)]] for pot in BANDS] for perf in BANDS], x=labels, y=labels, zmin=0, zmax=3,
                           colorscale=[[i / 3, c] for i, c in enumerate(meaning_colours)], showscale=False, xgap=3, ygap=3,
                           hoverinfo="skip"))
for perf in BANDS:
    for pot in BANDS:
        fig.add_annotation(x=band[pot], y=band[perf], text=box_text(perf, pot), showarrow=False, font={"color": "white", "size": 12})
fig.update_layout(template=theme.TEMPLATE, height=560, margin={"t": 10}, xaxis_title=t("grid.axis_potential"),
                  yaxis_title=t("grid.axis_performance"))
st.plotly_chart(safe_chart(fig), width="stretch")
moved = grid.filter(pl.col("moved"))
st.caption(t("calibration_session.grid_legend", moved=moved.height, total=f"{grid.height:,}"))

# --- the distribution against the guide ------------------------------------------------------------------------
st.subheader(t("calibration_session.distribution_title"))
dist = data.calibration_distribution(grid)
order = [box_words[b] for b in dist["box"]]
fig = go.Figure()
guided = dist.filter(pl.col("guide_min").is_not_null())  # drawn over the share bars: the band stays visible
fig.add_trace(go.Bar(y=order, x=dist["share"] * 100, orientation="h", name=t("calibration_session.share"), width=0.45,
                     marker={"color": ["#C0392B" if s in ("over", "under") else "#3C6E9E" for s in dist["status"].fill_null("")]},
                     text=[f"{percent(s)} ({n:,})" for s, n in zip(dist["share"], dist["people"])], textposition="outside", showlegend=False,
                     hovertemplate=t("calibration_session.share_hover")))
fig.add_trace(go.Bar(y=[box_words[b] for b in guided["box"]], x=(guided["guide_max"] - guided["guide_min"]) * 100,
                     base=guided["guide_min"] * 100, orientation="h", name=t("calibration_session.guide_band"),
                     marker={"color": "rgba(46, 125, 79, 0.22)", "line": {"color": "#2E7D4F", "width": 2}},
                     hovertemplate=t("calibration_session.guide_hover")))
fig.update_layout(template=theme.TEMPLATE, barmode="overlay", height=380, margin={"t": 10, "r": 40},
                  yaxis={"categoryorder": "array", "categoryarray": list(reversed(order))},
                  xaxis={"title": t("calibration_session.share_axis"), "ticksuffix": " %", "range": [0, max(40.0, float(dist["share"].max() or 0) * 115)]},
                  legend={"orientation": "h", "y": -0.2})
st.plotly_chart(safe_chart(fig), width="stretch")
off = dist.filter(pl.col("status").is_in(["over", "under"]))
for row in off.iter_rows(named=True):  # at most nine boxes
    st.warning(t(f"calibration_session.guide_{row['status']}", box=box_words[row["box"]], share=percent(row["share"]), people=row["people"],
                 total=f"{grid.height:,}", guide=guide_range(row["guide_min"], row["guide_max"])), icon=":material/balance:")
if off.height == 0 and guided.height:
    st.caption(t("calibration_session.guide_fine"))
st.caption(t("calibration_session.guide_definition"))

# --- moving a person ---------------------------------------------------------------------------------------------
movable = grid if is_hr else grid.filter(pl.col("department").is_in(list(user.scope or ())))
may_move = user.can("write_department_records") and not meta["locked"] and movable.height > 0
if not meta["locked"]:
    st.subheader(t("calibration_session.move_title"))
    if not may_move:
        st.caption(t("calibration_session.move_not_participant"))
    else:
        st.caption(t("calibration_session.move_definition"))
        options = dict(movable.select("employee_id", pl.concat_str(
            "name", "department", pl.lit(t("calibration_session.now_in")) + pl.col("box").replace_strict(box_words, default=None),
            separator=" · ")).rows())
        who = st.selectbox(t("calibration_session.person"), list(options), format_func=options.get, index=None,
                           placeholder=t("calibration_session.person_placeholder"), key=widget_key(f"calibration_who.{session_id}"))
        if who is None:
            st.caption(t("calibration_session.person_first"))
        else:
            here = movable.filter(pl.col("employee_id") == who).row(0, named=True)
            with st.form(f"calibration_move.{session_id}", clear_on_submit=True):
                others = [b for b in boxes if b != (here["performance"], here["potential"])]
                target = st.selectbox(t("calibration_session.target"), others, format_func=box_label, key=widget_key(f"calibration_target.{who}"))
                reason = st.text_area(t("calibration_session.reason"), max_chars=2000, placeholder=t("calibration_session.reason_placeholder"))
                if st.form_submit_button(t("calibration_session.move"), type="primary"):
                    try:
                        data.calibration_move(session_id, who, target[0], target[1], reason)
                    except (NotAllowed, ValueError) as exc:
                        st.error(md(exc))  # messages carry typed and imported values: plain text
                    else:
                        st.session_state["calibration_flash"] = (t("calibration_session.moved", name=here["name"], box=box_words[BOXES[target]]),
                                                                 time.monotonic())
                        st.session_state.pop(widget_key(f"calibration_who.{session_id}"), None)  # the next move starts afresh
                        st.rerun()

# --- the moves made ----------------------------------------------------------------------------------------------
st.subheader(t("calibration_session.moves_title"))
if moved.height == 0:
    st.caption(t("calibration_session.no_moves_locked") if meta["locked"] else t("calibration_session.no_moves"))
else:
    words = lambda column: pl.col(column).replace_strict(box_words, default=None)  # noqa: E731
    st.dataframe(moved.select("name", "department", words("original_box").alias("from_box"), words("box").alias("to_box"),
                              pl.col("direction").replace_strict(direction_words, default=None), "moved_by", "reason"),
                 hide_index=True, width="stretch",
                 column_config={"name": t("candidates.col_name"), "department": t("candidates.department"),
                                "from_box": t("calibration_session.col_from"), "to_box": t("calibration_session.col_to"),
                                "direction": t("calibration_session.col_direction"), "moved_by": t("calibration_session.col_moved_by"),
                                "reason": t("calibration_session.col_reason")})

# --- leniency: moves per participant and direction ----------------------------------------------------------------
st.subheader(t("calibration_session.leniency_title"))
st.caption(t("calibration_session.leniency_definition"))
leniency = data.calibration_leniency(session_id)
if leniency.height == 0:
    st.caption(t("calibration_session.leniency_empty"))
else:
    # what the pattern suggests: three moves or more, four in five the same way
    leaning = (pl.when((pl.col("moves") >= 3) & (pl.col("up") >= 0.8 * pl.col("moves"))).then(pl.lit(t("calibration_session.mostly_up")))
               .when((pl.col("moves") >= 3) & (pl.col("down") >= 0.8 * pl.col("moves"))).then(pl.lit(t("calibration_session.mostly_down")))
               .when(pl.col("moves") < 3).then(pl.lit(t("calibration_session.too_few")))
               .otherwise(pl.lit(t("calibration_session.balanced"))))
    st.dataframe(leniency.with_columns(leaning.alias("reading")), hide_index=True, width="stretch",
                 column_config={"decided_by": t("calibration_session.col_participant"), "moves": t("calibration_session.col_moves"),
                                "up": t("calibration_session.col_up"), "down": t("calibration_session.col_down"),
                                "across": t("calibration_session.col_across"), "people": t("calibration_session.col_people"),
                                "reading": t("calibration_session.col_reading")})

# --- compared with the previous locked session -------------------------------------------------------------------
st.subheader(t("calibration_session.compare_title"))
comparison = data.calibration_comparison(session_id)
if comparison["previous"] is None:
    st.caption(t("calibration_session.compare_none"))
else:
    previous, counts = comparison["previous"], comparison["counts"]
    st.markdown(t("calibration_session.compare_summary", name=md(previous["name"]), date=f"{previous['meeting_date']:%Y-%m-%d}",
                  up=counts["up"], down=counts["down"], across=counts["across"], same=counts["same"], new=counts["new"]))
    changed = comparison["people"].filter(pl.col("direction") != "same")
    if changed.height:
        words = lambda column: pl.col(column).replace_strict(box_words, default=None)  # noqa: E731
        st.dataframe(changed.select("name", "department", words("previous_box").fill_null(t("calibration_session.not_in_previous")),
                                    words("box"), pl.col("direction").replace_strict(direction_words, default=None)),
                     hide_index=True, width="stretch",
                     column_config={"name": t("candidates.col_name"), "department": t("candidates.department"),
                                    "previous_box": t("calibration_session.col_previous"), "box": t("calibration_session.col_now"),
                                    "direction": t("calibration_session.col_direction")})

# --- HR locks the session ----------------------------------------------------------------------------------------
if is_hr and not meta["locked"]:
    st.subheader(t("calibration_session.lock_title"))
    st.caption(t("calibration_session.lock_definition", total=f"{grid.height:,}"))
    sure = st.checkbox(t("calibration_session.lock_confirm"), key=f"calibration_lock_sure.{session_id}")
    if st.button(t("calibration_session.lock"), type="primary", disabled=not sure, icon=":material/lock:"):
        try:
            kept = data.lock_calibration_session(session_id)
        except (NotAllowed, ValueError) as exc:
            st.error(md(exc))
        else:
            st.session_state["calibration_flash"] = (t("calibration_session.locked", name=meta["name"], people=f"{kept:,}"), time.monotonic())
            st.rerun()
