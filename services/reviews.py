"""Review cycles: the July mid-year review and the year-end final review of the talent pool.

HR opens a cycle for a year and kind; every pool member becomes a member with their department's
head as reviewer, and the system compiles each member's figures (plan completion, rating change,
360 change, scores). The reviewer records an assessment (indicators -> composite with the
department's weights) and an outcome; year-end recommendations are confirmed by HR; a candidate can
dispute the result and the answer is kept. Nothing can be recorded into a closed cycle.
`cur` arguments are cursors on the analysis database (read-only); the rest lives in workspace.duckdb.
"""
from __future__ import annotations

import threading
from datetime import date, datetime, time, timedelta
from pathlib import Path

import duckdb
import polars as pl

from pipelines import db
from pipelines.assessment import department_weights
from pipelines.settings import Settings, load_settings

from . import plans, workspace
from .auth import User
from .permissions import NotAllowed, require_role, require_self, require_writer_for, scoped_to_current
from .pool import current_members

KINDS = ("mid_year", "year_end")
OUTCOMES = {"mid_year": ("on_track", "adjust_plan", "accelerate"), "year_end": ("promote", "keep_developing", "leave_pool")}
ALL_OUTCOMES = OUTCOMES["mid_year"] + OUTCOMES["year_end"]
# Each indicator a head enters, its part, and the [assessment] weight that applies to it.
INDICATORS = {
    "team_results_growth": ("quantitative", "performance"),
    "project_on_time_rate": ("quantitative", "projects_delivered"),
    "subordinate_rating_change": ("quantitative", "team_rating_improvement"),
    "leadership_360": ("qualitative", "leadership_360"),
    "adopted_proposals": ("qualitative", "strategic_thinking_360"),
    "collaboration_satisfaction": ("qualitative", "collaboration_360"),
}
# What a candidate may dispute in a closed cycle's result: one dispute per topic and cycle (review_disputes.about).
DISPUTE_TOPICS = ("strengths", "gaps", "comment", "outcome")
FIGURES = ("members", "assessed", "confirmed", "quantified_share", "plan_adjustment_rate", "promoted", "promotion_rate",
           "disputes_open", "disputes_answered", "avg_plan_completion", "avg_composite")


class UnknownCycle(ValueError):
    pass


def cycle_id_for(year: int, kind: str) -> str:
    return f"{int(year)}-{kind}"


def _stamp(day: date | None) -> datetime:
    return datetime.combine(day, time(9, 0)) if day else datetime.now().replace(microsecond=0)


def due_sql(days: int | None = None) -> str:
    """SQL for a cycle's self-assessment deadline (a day; submissions count through its end): the date HR set, else
    [review] self_assessment_days after the opening. The one definition: the cycle list, the candidate's page, the
    reminders and the engagement figures all read it."""
    days = int(load_settings().review["self_assessment_days"] if days is None else days)
    return f"coalesce(self_assessment_due, CAST(opened_at AS DATE) + {days})"


def _cycle(con: duckdb.DuckDBPyConnection, cycle_id: str) -> dict:
    found = con.sql(f"""SELECT cycle_id, year, kind, status, opened_at, closed_at, closed_by, {due_sql()} AS self_assessment_due
                        FROM review_cycles WHERE cycle_id = ?""", params=[cycle_id]).fetchall()
    if not found:
        known = [r[0] for r in con.sql("SELECT cycle_id FROM review_cycles ORDER BY opened_at").fetchall()]
        raise UnknownCycle(f"no review cycle '{cycle_id}'" + (f"; known cycles: {', '.join(known)}" if known else "; none has been opened yet"))
    return dict(zip(("cycle_id", "year", "kind", "status", "opened_at", "closed_at", "closed_by", "self_assessment_due"), found[0]))


def _require_open(cycle: dict) -> None:
    if cycle["status"] != "open":
        raise NotAllowed(f"The review cycle {cycle['cycle_id']} was closed on {cycle['closed_at']:%Y-%m-%d} by {cycle['closed_by']}; "
                         "nothing more can be recorded in it.")


def _member(con: duckdb.DuckDBPyConnection, cycle_id: str, employee_id: str) -> dict:
    found = con.sql("SELECT department, reviewer, plan_completion FROM review_members WHERE cycle_id = ? AND employee_id = ?",
                    params=[cycle_id, employee_id]).fetchall()
    if not found:
        raise NotAllowed(f"{employee_id} is not a member of the review cycle {cycle_id}.")
    return dict(zip(("department", "reviewer", "plan_completion"), found[0]))


# --- compiling each member's figures -----------------------------------------------------------
def _period_order(year: int, kind: str) -> dict:
    """The rating windows of a cycle, read against the period_order fact (pipelines/intermediate.py).

    before: last year's annual rating. after: mid-year, the latest period of the year ending by June 30
    (a quarter or H1, never a quarterly rating taken for the annual one); year-end, the latest of the year
    (the annual rating, else H2, else Q4 …). 360s: cycles ended by the end of last year (mid-year) or of
    this year (year-end)."""
    return {
        "before": f"o.kind = 'annual' AND o.year = {int(year) - 1}",
        "after": f"o.year = {int(year)}" + (f" AND o.period_end <= DATE '{int(year)}-06-30'" if kind == "mid_year" else ""),
        "feedback_until": f"DATE '{int(year) - 1 if kind == 'mid_year' else int(year)}-12-31'",
    }


def compile_members(cur: duckdb.DuckDBPyConnection, people: pl.DataFrame, year: int, kind: str, as_of: date,
                    settings: Settings, workspace_file=None) -> pl.DataFrame:
    """people: employee_id, department (and reviewer). Adds plan completion, rating and 360 change, scores as of `as_of`.

    Mid-year: rating change = the year's latest rating by June 30 (H1, or a quarter) against last year's
    annual rating; 360 change = last year's 360 against the one before. Year-end: the year's latest rating
    (the annual one, else the latest half-year or quarter) and the year's 360.
    """
    ids = people["employee_id"].to_list()
    window = _period_order(year, kind)
    people_cte = "review_people AS (SELECT unnest($ids) AS employee_id)"
    ratings = cur.sql(f"""
        WITH {people_cte},
        rated AS (
            SELECT r.employee_id, r.rating, r.score, g.points, o.sort_key,
                   {window['before']} AS is_before, {window['after']} AS is_after
            FROM performance_ratings r JOIN review_people USING (employee_id) JOIN grade_points g USING (rating)
            JOIN period_order o USING (period)
        )
        SELECT employee_id,
               arg_max(rating, sort_key) FILTER (WHERE is_before) AS rating_before,
               arg_max(points, sort_key) FILTER (WHERE is_before) AS points_before,
               arg_max(score, sort_key) FILTER (WHERE is_before) AS score_before,
               arg_max(rating, sort_key) FILTER (WHERE is_after) AS rating_after,
               arg_max(points, sort_key) FILTER (WHERE is_after) AS points_after,
               arg_max(score, sort_key) FILTER (WHERE is_after) AS score_after
        FROM rated GROUP BY employee_id""", params={"ids": ids}).pl()
    feedback = cur.sql(f"""
        WITH {people_cte}, per_cycle AS (
            SELECT f.employee_id, o.sort_key AS ord, avg(f.score) AS score
            FROM feedback_360 f JOIN review_people USING (employee_id) JOIN period_order o ON o.period = f.cycle
            WHERE f.rater_relation <> 'self' AND o.period_end <= {window['feedback_until']} GROUP BY ALL
        ),
        ranked AS (SELECT *, row_number() OVER (PARTITION BY employee_id ORDER BY ord DESC) AS n FROM per_cycle)
        SELECT employee_id, max(score) FILTER (WHERE n = 2) AS feedback_before, max(score) FILTER (WHERE n = 1) AS feedback_after
        FROM ranked WHERE n <= 2 GROUP BY employee_id""", params={"ids": ids}).pl()
    scores = cur.sql(f"""
        WITH {people_cte}
        SELECT a.employee_id, a.name, s.composite_score, m.score AS potential_score
        FROM analysis_employee a JOIN review_people USING (employee_id)
        LEFT JOIN analysis_assessment s USING (employee_id) LEFT JOIN model_scores m USING (employee_id)""", params={"ids": ids}).pl()
    items = plans.effective(plans.items(None, ids, workspace_file), plans.course_completions(cur, ids), as_of)
    per_kind = (items.filter(pl.col("counts") & (pl.col("starts_on") <= as_of))
                .group_by("employee_id")
                .agg(pl.len().alias("plan_items"), pl.col("done").sum().alias("plan_items_done"),
                     (pl.col("done") | (pl.col("due_date") <= as_of)).sum().alias("plan_items_due"),
                     (pl.col("kind") == "course").sum().alias("courses"), (pl.col("done") & (pl.col("kind") == "course")).sum().alias("courses_done"),
                     (pl.col("kind") == "rotation").sum().alias("rotations"), (pl.col("done") & (pl.col("kind") == "rotation")).sum().alias("rotations_done")))
    span = settings.feedback_max - settings.feedback_min
    return (people.select("employee_id", "department", "reviewer")
            .join(scores, on="employee_id", how="left").join(ratings, on="employee_id", how="left")
            .join(feedback, on="employee_id", how="left").join(per_kind, on="employee_id", how="left")
            .with_columns(
                # done out of what was due by now (done early counts too): the mid-year is not judged on December's items
                pl.when(pl.col("plan_items_due") > 0).then(pl.col("plan_items_done") / pl.col("plan_items_due")).alias("plan_completion"),
                (pl.col("points_after") - pl.col("points_before")).cast(pl.Float64).alias("rating_change"),
                (pl.col("feedback_after") - pl.col("feedback_before")).alias("feedback_change"),
                pl.coalesce("score_after", "score_before").alias("performance_score"),
                (100.0 * (pl.col("feedback_after") - settings.feedback_min) / span).alias("feedback_score"),
                pl.lit(datetime.now().replace(microsecond=0)).alias("compiled_at"),
            )
            .select("employee_id", "name", "department", "reviewer", "plan_items", "plan_items_due", "plan_items_done", "plan_completion",
                    "courses", "courses_done", "rotations", "rotations_done", "rating_before", "rating_after", "rating_change",
                    "feedback_before", "feedback_after", "feedback_change", "performance_score", "feedback_score",
                    "composite_score", "potential_score", "compiled_at"))


def _reviewers(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """department -> the first active department head account for it (None: HR reviews)."""
    return con.sql("""SELECT department, min(username) AS reviewer
                      FROM (SELECT unnest(departments) AS department, username FROM users WHERE role = 'department_head' AND NOT disabled) AS heads
                      GROUP BY department""").pl()


def _pool(cur: duckdb.DuckDBPyConnection, workspace_file=None) -> pl.DataFrame:
    """Today's pool members (services.pool) with their current department."""
    return current_members(cur, None, workspace_file=workspace_file).select("employee_id", "department")


def store_members(con: duckdb.DuckDBPyConnection, cycle_id: str, members: pl.DataFrame) -> None:
    """A cycle's members with their compiled figures, in place of those stored (inside a write)."""
    frame = members.with_columns(pl.lit(cycle_id).alias("cycle_id"))
    columns = ", ".join(frame.columns)
    con.register("compiled_members", frame.to_arrow())
    try:
        con.execute("DELETE FROM review_members WHERE cycle_id = ?", [cycle_id])
        con.execute(f"INSERT INTO review_members ({columns}) SELECT {columns} FROM compiled_members")
    finally:
        con.unregister("compiled_members")


@workspace.writes("review_cycle_opened")
def open_cycle(user: User, cur: duckdb.DuckDBPyConnection, year: int, kind: str, opened_on: date | None = None,
               self_assessment_due: date | None = None) -> str:
    """HR opens a cycle: every current pool member becomes a member, reviewed by their department's head. Candidates
    submit their self-assessment by `self_assessment_due` (default: [review] self_assessment_days after opening)."""
    require_role(user, "hr_admin")
    if kind not in KINDS:
        raise ValueError(f"a review cycle is one of {', '.join(KINDS)}")
    cycle_id, stamp = cycle_id_for(year, kind), _stamp(opened_on)
    settings = load_settings()
    due = self_assessment_due or stamp.date() + timedelta(days=int(settings.review["self_assessment_days"]))
    if due < stamp.date():
        raise ValueError(f"the self-assessment deadline ({due:%Y-%m-%d}) is before the cycle opens ({stamp:%Y-%m-%d})")
    with workspace.connect() as con:
        if con.sql("SELECT 1 FROM review_cycles WHERE cycle_id = ?", params=[cycle_id]).fetchall():
            raise ValueError(f"the review cycle {cycle_id} exists already")
        reviewers = _reviewers(con)
    # every member of the pool today, reviewed in (and by the head of) their department of the latest import
    pool = _pool(cur).join(reviewers, on="department", how="left")
    if pool.height == 0:
        raise ValueError("the talent pool is empty: nominate candidates before opening a review cycle")
    members = compile_members(cur, pool, int(year), kind, stamp.date(), settings)
    with workspace.write(user.username, "review_cycle_opened", cycle_id, f"{members.height} members") as change:
        change.execute("""INSERT INTO review_cycles (cycle_id, year, kind, status, opened_by, opened_at, self_assessment_due)
                          VALUES (?, ?, ?, 'open', ?, ?, ?)""", [cycle_id, int(year), kind, user.username, stamp, due])
        store_members(change.con, cycle_id, members)
    return cycle_id


@workspace.writes("self_assessment_deadline_set")
def set_self_assessment_due(user: User, cycle_id: str, due: date) -> None:
    """HR moves an open cycle's self-assessment deadline (what was submitted stays; late material is still refused)."""
    require_role(user, "hr_admin")
    with workspace.connect() as con:
        cycle = _cycle(con, cycle_id)
    _require_open(cycle)
    if due < cycle["opened_at"].date():
        raise ValueError(f"the self-assessment deadline ({due:%Y-%m-%d}) is before the cycle opened ({cycle['opened_at']:%Y-%m-%d})")
    with workspace.write(user.username, "self_assessment_deadline_set", cycle_id, f"{cycle['self_assessment_due']:%Y-%m-%d} -> {due:%Y-%m-%d}") as change:
        _require_open(_cycle(change.con, cycle_id))
        if cycle["self_assessment_due"] == due:
            raise workspace.Unchanged
        change.execute("UPDATE review_cycles SET self_assessment_due = ? WHERE cycle_id = ?", [due, cycle_id])


@workspace.writes("review_cycle_refreshed")
def refresh_cycle(user: User, cur: duckdb.DuckDBPyConnection, cycle_id: str, as_of: date | None = None) -> int:
    """Compile the members' figures again (plans change while a cycle is open)."""
    require_role(user, "hr_admin")
    with workspace.connect() as con:
        cycle = _cycle(con, cycle_id)
        _require_open(cycle)
        people = con.sql("SELECT employee_id, department, reviewer FROM review_members WHERE cycle_id = ?", params=[cycle_id]).pl()
    members = compile_members(cur, people, cycle["year"], cycle["kind"], as_of or date.today(), load_settings())
    with workspace.write(user.username, "review_cycle_refreshed", cycle_id, f"{members.height} members") as change:
        store_members(change.con, cycle_id, members)
    return members.height


@workspace.writes("review_cycle_closed")
def close_cycle(user: User, cur: duckdb.DuckDBPyConnection, cycle_id: str, closed_on: date | None = None) -> None:
    """HR closes a cycle; the members' figures are compiled a last time and frozen."""
    require_role(user, "hr_admin")
    stamp = _stamp(closed_on)
    with workspace.connect() as con:
        cycle = _cycle(con, cycle_id)
        _require_open(cycle)
        people = con.sql("SELECT employee_id, department, reviewer FROM review_members WHERE cycle_id = ?", params=[cycle_id]).pl()
    members = compile_members(cur, people, cycle["year"], cycle["kind"], stamp.date(), load_settings())
    with workspace.write(user.username, "review_cycle_closed", cycle_id) as change:
        store_members(change.con, cycle_id, members)
        change.execute("UPDATE review_cycles SET status = 'closed', closed_by = ?, closed_at = ? WHERE cycle_id = ?", [user.username, stamp, cycle_id])


# --- assessments -------------------------------------------------------------------------------
def score_assessments(frame: pl.DataFrame, settings: Settings) -> pl.DataFrame:
    """Adds quantitative/qualitative/composite scores to rows of department + entered indicators (nulls: not entered).

    Each indicator becomes 0-100; a part is the weighted mean of its entered indicators and the
    composite the weighted mean of the parts, with the department's weights; missing ones are left
    out and the weights rescaled.
    """
    rules = settings.review
    full_growth, full_proposals = float(rules["team_results_growth_for_full_score"]), float(rules["proposals_for_full_score"])
    as_points = {
        "team_results_growth": 50 + 50 * pl.col("team_results_growth") / full_growth,
        "project_on_time_rate": pl.col("project_on_time_rate"),
        "subordinate_rating_change": 50 + 50 * pl.col("subordinate_rating_change"),
        "leadership_360": pl.col("leadership_360"),
        "adopted_proposals": 100 * pl.col("adopted_proposals") / full_proposals,
        "collaboration_satisfaction": pl.col("collaboration_satisfaction"),
    }
    weights = department_weights(settings, frame["department"].unique().to_list())
    known = weights["department"].to_list()
    frame = frame.with_columns(*(pl.col(n).cast(pl.Float64) for n in INDICATORS))
    scored = frame.with_columns(
        pl.when(pl.col("department").is_in(known)).then(pl.col("department")).otherwise(pl.lit("*")).alias("_weights")
    ).join(weights.rename({"department": "_weights"}), on="_weights", how="left")

    def part(name: str) -> pl.Expr:
        members = [(as_points[n].clip(0, 100), pl.col(f"w_{w}")) for n, (p, w) in INDICATORS.items() if p == name]
        numerator = pl.sum_horizontal([(x * w).fill_null(0) for x, w in members])
        denominator = pl.sum_horizontal([pl.when(x.is_not_null()).then(w).otherwise(0.0) for x, w in members])
        return pl.when(denominator > 0).then(numerator / denominator).alias(f"{name}_score")

    scored = scored.with_columns(part("quantitative"), part("qualitative"))
    q, l, wq, wl = pl.col("quantitative_score"), pl.col("qualitative_score"), pl.col("w_quantitative"), pl.col("w_qualitative")
    denominator = pl.when(q.is_not_null()).then(wq).otherwise(0.0) + pl.when(l.is_not_null()).then(wl).otherwise(0.0)
    return scored.with_columns(
        (wq / (wq + wl)).alias("quantitative_weight"),
        pl.when(denominator > 0).then(((q * wq).fill_null(0) + (l * wl).fill_null(0)) / denominator).round(1).alias("composite_score"),
    ).select(*frame.columns, "quantitative_score", "qualitative_score", "quantitative_weight", "composite_score")


def composite(values: dict, department: str, settings: Settings) -> dict:
    """score_assessments for one person's entered indicators."""
    row = pl.DataFrame([{"department": department, **{n: values.get(n) for n in INDICATORS}}],
                       schema={"department": pl.String, **{n: pl.Float64 for n in INDICATORS}})
    scored = score_assessments(row, settings).row(0, named=True)
    return {k: scored[k] for k in ("quantitative_score", "qualitative_score", "quantitative_weight", "composite_score")}


def suggestion(kind: str, settings: Settings, score: pl.Expr = pl.col("composite_score"),
               done: pl.Expr = pl.col("plan_completion")) -> pl.Expr:
    """The outcome the rules in [review] suggest; the reviewer may choose another with a rationale."""
    r = settings.review
    if kind == "mid_year":
        return (pl.when(done < r["adjust_below_plan_completion"]).then(pl.lit("adjust_plan"))
                .when(score >= r["accelerate_min_composite"]).then(pl.lit("accelerate"))
                .otherwise(pl.lit("on_track")))
    return (pl.when((score < r["leave_below_composite"]) | (done < r["leave_below_plan_completion"])).then(pl.lit("leave_pool"))
            .when((score >= r["promote_min_composite"]) & (done.fill_null(0) >= r["promote_min_plan_completion"])).then(pl.lit("promote"))
            .otherwise(pl.lit("keep_developing")))


def suggest(kind: str, composite_score: float | None, plan_completion: float | None, settings: Settings) -> str:
    one = pl.DataFrame({"composite_score": [composite_score], "plan_completion": [plan_completion]},
                       schema={"composite_score": pl.Float64, "plan_completion": pl.Float64})
    return one.select(suggestion(kind, settings))[0, 0]


@workspace.writes("review_assessment_recorded")
def record_assessment(user: User, cycle_id: str, employee_id: str, indicators: dict, outcome: str, *, strengths: str = "",
                      gaps: str = "", comment: str = "", self_assessment: str = "", rationale: str = "",
                      plan_adjustment: str = "", at: datetime | None = None) -> dict:
    """The reviewer's assessment and outcome. Returns the scores and the suggested outcome.

    Refused for a closed cycle, a non-member, or a member outside the user's departments. An outcome
    other than the suggested one, and every year-end recommendation, needs a rationale; "adjust the
    plan" needs the adjustment, which is recorded on the plan in the same transaction.
    """
    settings = load_settings()
    unknown = set(indicators) - set(INDICATORS)
    if unknown:
        raise ValueError(f"unknown indicators: {', '.join(sorted(unknown))}")
    stamp = at or datetime.now().replace(microsecond=0)
    with workspace.connect() as con:
        cycle = _cycle(con, cycle_id)
        _require_open(cycle)
        member = _member(con, cycle_id, employee_id)
    require_writer_for(user, employee_id, member["department"])
    if outcome not in OUTCOMES[cycle["kind"]]:
        raise ValueError(f"a {cycle['kind'].replace('_', '-')} outcome is one of {', '.join(OUTCOMES[cycle['kind']])}")
    scores = composite(indicators, member["department"], settings)
    suggested = suggest(cycle["kind"], scores["composite_score"], member["plan_completion"], settings)
    if (cycle["kind"] == "year_end" or outcome != suggested) and not rationale.strip():
        raise ValueError("a rationale is required" + (f" (the rules suggest '{suggested}')" if outcome != suggested else " for a year-end recommendation"))
    if outcome == "adjust_plan" and not plan_adjustment.strip():
        raise ValueError("describe the plan adjustment (e.g. switch a course to online)")
    with workspace.write(user.username, "review_assessment_recorded", employee_id, f"{cycle_id}: {outcome} (suggested {suggested})") as con:
        _require_open(_cycle(con, cycle_id))  # closed meanwhile: nothing is recorded
        con.execute(
            f"""INSERT INTO review_assessments (cycle_id, employee_id, department, {', '.join(INDICATORS)}, quantitative_score,
                    qualitative_score, quantitative_weight, composite_score, strengths, gaps, self_assessment, comment, outcome,
                    suggested_outcome, rationale, recorded_by, recorded_at)
                VALUES ({', '.join('?' * (len(INDICATORS) + 16))})""",
            [cycle_id, employee_id, member["department"], *(indicators.get(n) for n in INDICATORS), scores["quantitative_score"],
             scores["qualitative_score"], scores["quantitative_weight"], scores["composite_score"], strengths.strip() or None,
             gaps.strip() or None, self_assessment.strip() or None, comment.strip() or None, outcome, suggested,
             rationale.strip() or None, user.username, stamp])
        if plan_adjustment.strip():
            plans.record_adjustment(con.con, employee_id, member["department"], plan_adjustment.strip(), cycle_id, user.username, stamp)
    return {**scores, "suggested_outcome": suggested}


@workspace.writes("review_outcome_confirmed")
def confirm(user: User, cycle_id: str, employee_id: str, outcome: str, note: str = "", at: datetime | None = None) -> None:
    """HR confirms a year-end recommendation (or decides otherwise, with a note). Leaving the pool removes the nomination."""
    require_role(user, "hr_admin")
    stamp = at or datetime.now().replace(microsecond=0)
    with workspace.connect() as con:
        cycle = _cycle(con, cycle_id)
        if cycle["kind"] != "year_end":
            raise ValueError("only year-end recommendations are confirmed by HR")
        _require_open(cycle)
        member = _member(con, cycle_id, employee_id)
        latest = con.sql("SELECT arg_max(outcome, assessment_id) FROM review_assessments WHERE cycle_id = ? AND employee_id = ?",
                         params=[cycle_id, employee_id]).fetchall()[0][0]
        if latest is None:
            raise ValueError(f"{employee_id} has no recommendation in {cycle_id} to confirm")
        if outcome not in OUTCOMES["year_end"]:
            raise ValueError(f"a year-end outcome is one of {', '.join(OUTCOMES['year_end'])}")
        if outcome != latest and not note.strip():
            raise ValueError(f"a note is required to decide otherwise than the recommendation ('{latest}')")
    with workspace.write(user.username, "review_outcome_confirmed", employee_id, f"{cycle_id}: {outcome}") as con:
        _require_open(_cycle(con, cycle_id))
        con.execute("DELETE FROM review_confirmations WHERE cycle_id = ? AND employee_id = ?", [cycle_id, employee_id])
        con.execute("INSERT INTO review_confirmations (cycle_id, employee_id, outcome, note, confirmed_by, confirmed_at) VALUES (?, ?, ?, ?, ?, ?)",
                    [cycle_id, employee_id, outcome, note.strip() or None, user.username, stamp])
        if outcome == "leave_pool":
            con.execute("""INSERT INTO nominations (employee_id, department, action, reason, decided_by, decided_at, exit_reason)
                           VALUES (?, ?, 'remove', ?, ?, ?, 'review_outcome')""",
                        [employee_id, member["department"], f"{cycle_id}: leave the pool", user.username, stamp])


MAX_DISPUTE = 2000  # characters of a dispute or an answer


@workspace.writes("review_dispute_raised")
def raise_dispute(user: User, cycle_id: str, employee_id: str, dispute: str, at: datetime | None = None, about: str = "outcome") -> int:
    """The candidate disputes one comment of their result (`about`: strengths, gaps, comment or the outcome), once per
    comment and cycle. The candidate themself (an employee account, permissions.require_self) once HR has closed the
    cycle; or HR or the head on the candidate's behalf, as before candidates had accounts."""
    if not dispute or not dispute.strip():
        raise ValueError("write what the candidate disputes")
    if len(dispute.strip()) > MAX_DISPUTE:
        raise ValueError(f"a dispute is at most {MAX_DISPUTE:,} characters")
    if about not in DISPUTE_TOPICS:
        raise ValueError(f"a dispute is about one of {', '.join(DISPUTE_TOPICS)}")
    with workspace.connect() as con:
        cycle = _cycle(con, cycle_id)
        if user.role == "employee":
            require_self(user, employee_id)  # before anything about the membership is told
        member = _member(con, cycle_id, employee_id)
        latest = con.sql("""SELECT strengths, gaps, comment, outcome FROM review_assessments WHERE cycle_id = ? AND employee_id = ?
                            ORDER BY assessment_id DESC LIMIT 1""", params=[cycle_id, employee_id]).fetchall()
        taken = con.sql("SELECT dispute_id FROM review_disputes WHERE cycle_id = ? AND employee_id = ? AND about = ?",
                        params=[cycle_id, employee_id, about]).fetchall()
    if user.role == "employee":
        if cycle["status"] != "closed":
            raise NotAllowed("You can dispute your result once HR has closed the review cycle.")
    else:
        require_writer_for(user, employee_id, member["department"])
    if not latest:
        raise ValueError("there is no result to dispute yet")
    if about != "outcome" and not latest[0][DISPUTE_TOPICS.index(about)]:
        raise ValueError(f"the result has no {about} comment to dispute")
    if taken:
        raise ValueError(f"the {about} of this result is disputed already (dispute {taken[0][0]}): one dispute per comment")
    with workspace.write(user.username, "review_dispute_raised", employee_id, f"{cycle_id}: {about}") as con:
        dispute_id = con.execute(
            """INSERT INTO review_disputes (cycle_id, employee_id, department, dispute, raised_by, raised_at, about)
               VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING dispute_id""",
            [cycle_id, employee_id, member["department"], dispute.strip(), user.username, at or datetime.now().replace(microsecond=0),
             about]).fetchall()[0][0]
    return dispute_id


@workspace.writes("review_dispute_answered")
def answer_dispute(user: User, dispute_id: int, answer: str, at: datetime | None = None) -> None:
    if not answer or not answer.strip():
        raise ValueError("the answer cannot be empty")
    if len(answer.strip()) > MAX_DISPUTE:
        raise ValueError(f"an answer is at most {MAX_DISPUTE:,} characters")
    with workspace.connect() as con:
        found = con.sql("SELECT department, answered_by, employee_id FROM review_disputes WHERE dispute_id = ?", params=[dispute_id]).fetchall()
    if not found:
        raise ValueError(f"no dispute {dispute_id}")
    department, answered_by, employee_id = found[0]
    require_writer_for(user, employee_id, department)
    if answered_by:
        raise ValueError(f"dispute {dispute_id} was answered already by {answered_by}")
    with workspace.write(user.username, "review_dispute_answered", employee_id, str(dispute_id)) as con:
        con.execute("UPDATE review_disputes SET answer = ?, answered_by = ?, answered_at = ? WHERE dispute_id = ?",
                    [answer.strip(), user.username, at or datetime.now().replace(microsecond=0), dispute_id])


# --- reading -----------------------------------------------------------------------------------
def list_cycles(workspace_file=None) -> pl.DataFrame:
    with workspace.connect(workspace_file) as con:
        return con.sql(f"""SELECT c.cycle_id, c.year, c.kind, c.status, c.opened_by, c.opened_at, c.closed_by, c.closed_at,
                                  (SELECT count(*) FROM review_members m WHERE m.cycle_id = c.cycle_id) AS members,
                                  {due_sql()} AS self_assessment_due
                           FROM review_cycles c ORDER BY c.opened_at DESC""").pl()


def _scoped(frame: pl.DataFrame, scope: tuple[str, ...] | None, cur=None) -> pl.DataFrame:
    """Within scope by each person's current department (permissions.scoped_to_current)."""
    return scoped_to_current(frame, scope, cur)


_people_memo: dict[tuple, pl.DataFrame] = {}  # one page asks for a cycle's people up to five times (figures, movement, the table)
_people_memo_lock = threading.Lock()


def _versions(cur: duckdb.DuckDBPyConnection, workspace_file) -> tuple:
    """Both files' versions: a memo entry is only used while neither database was written since it was made."""
    analysis = cur.sql("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    path = analysis[0][0] if analysis else None
    return (path, path and db.data_version(Path(path)), str(workspace.location(workspace_file)),
            workspace.version(workspace.location(workspace_file)))


def cycle_people(cur: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None, cycle_id: str, workspace_file=None) -> pl.DataFrame:
    """One row per member within scope: compiled figures, the latest assessment, HR's confirmation, dispute status."""
    if cur is None:  # no analysis connection to version: read afresh
        return _cycle_people(cur, scope, cycle_id, workspace_file)
    key = (scope, cycle_id, *_versions(cur, workspace_file))
    if key[3] is not None and key[5] is not None and (found := _people_memo.get(key)) is not None:
        return found
    frame = _cycle_people(cur, scope, cycle_id, workspace_file)
    with _people_memo_lock:
        if len(_people_memo) >= 32:
            _people_memo.clear()
        _people_memo[key] = frame
    return frame


def _cycle_people(cur: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None, cycle_id: str, workspace_file=None) -> pl.DataFrame:
    with workspace.connect(workspace_file) as con:
        _cycle(con, cycle_id)
        frame = con.sql(f"""
            -- marking an item done is progress, not an adjustment of the plan; dropping one is
            WITH latest AS (SELECT * FROM review_assessments WHERE cycle_id = $c QUALIFY row_number() OVER (PARTITION BY employee_id ORDER BY assessment_id DESC) = 1),
                 adjusted AS (SELECT employee_id, count(*) AS plan_adjustments FROM plan_changes
                            WHERE cycle_id = $c AND (change <> 'status_changed' OR after = 'dropped') GROUP BY employee_id),
                 disputes AS (SELECT employee_id, count(*) AS disputes, count(*) FILTER (WHERE answer IS NULL) AS disputes_open
                              FROM review_disputes WHERE cycle_id = $c GROUP BY employee_id)
            SELECT m.employee_id, m.name, m.department, m.reviewer, m.plan_items, m.plan_items_due, m.plan_items_done, m.plan_completion,
                   m.courses, m.courses_done, m.rotations, m.rotations_done, m.rating_before, m.rating_after, m.rating_change,
                   m.feedback_before, m.feedback_after, m.feedback_change, m.performance_score, m.feedback_score,
                   m.composite_score AS analysis_composite, m.potential_score,
                   {', '.join(f'l.{n}' for n in INDICATORS)}, l.quantitative_score, l.qualitative_score, l.composite_score,
                   l.outcome, l.suggested_outcome, l.rationale, l.strengths, l.gaps, l.comment, l.self_assessment,
                   l.recorded_by, l.recorded_at, c.outcome AS confirmed_outcome, c.note AS confirmation_note, c.confirmed_by,
                   coalesce(c.outcome, l.outcome) AS final_outcome, coalesce(a.plan_adjustments, 0) AS plan_adjustments,
                   coalesce(d.disputes, 0) AS disputes,
                   CASE WHEN d.disputes IS NULL THEN 'none' WHEN d.disputes_open > 0 THEN 'open' ELSE 'answered' END AS dispute_status
            FROM review_members m
            LEFT JOIN latest l USING (employee_id) LEFT JOIN review_confirmations c ON c.cycle_id = $c AND c.employee_id = m.employee_id
            LEFT JOIN adjusted a ON a.employee_id = m.employee_id LEFT JOIN disputes d ON d.employee_id = m.employee_id
            WHERE m.cycle_id = $c ORDER BY m.department, m.employee_id""", params={"c": cycle_id}).pl()
    return _scoped(frame, scope, cur)


def person_results(scope: tuple[str, ...] | None, employee_id: str, workspace_file=None) -> pl.DataFrame:
    """One person's results in every cycle they were a member of, newest first: what the candidate sees."""
    with workspace.connect(workspace_file) as con:
        frame = con.sql("""
            WITH latest AS (SELECT * FROM review_assessments WHERE employee_id = $e
                            QUALIFY row_number() OVER (PARTITION BY cycle_id ORDER BY assessment_id DESC) = 1)
            SELECT m.cycle_id, c.year, c.kind, c.status, m.employee_id, m.department, m.plan_completion, l.composite_score, l.outcome,
                   r.outcome AS confirmed_outcome, l.strengths, l.gaps, l.comment, l.rationale, l.recorded_by,
                   (SELECT count(*) FROM review_disputes d WHERE d.cycle_id = m.cycle_id AND d.employee_id = $e) AS disputes
            FROM review_members m JOIN review_cycles c USING (cycle_id)
            LEFT JOIN latest l USING (cycle_id)
            LEFT JOIN review_confirmations r ON r.cycle_id = m.cycle_id AND r.employee_id = $e
            WHERE m.employee_id = $e ORDER BY c.opened_at DESC""", params={"e": employee_id}).pl()
    return _scoped(frame, scope)


def disputes(scope: tuple[str, ...] | None, cycle_id: str | None = None, workspace_file=None) -> pl.DataFrame:
    with workspace.connect(workspace_file) as con:
        frame = con.sql("SELECT * FROM review_disputes ORDER BY dispute_id").pl()
    if cycle_id is not None:
        frame = frame.filter(pl.col("cycle_id") == cycle_id)
    return _scoped(frame, scope)


def _promoted(cur: duckdb.DuckDBPyConnection, people: pl.DataFrame, since: datetime, months: int) -> pl.DataFrame:
    """employee_id -> promoted (a promotion effective after `since` and within `months` of it)."""
    if people.height == 0:
        return pl.DataFrame(schema={"employee_id": pl.String, "promoted": pl.Boolean})
    found = cur.sql("""SELECT DISTINCT employee_id FROM promotions WHERE employee_id IN (SELECT unnest($ids))
                       AND effective_date > CAST($since AS DATE) AND effective_date <= CAST($since AS DATE) + to_months($months)""",
                    params={"ids": people["employee_id"].to_list(), "since": since, "months": int(months)}).pl()
    return people.select("employee_id").with_columns(pl.col("employee_id").is_in(found["employee_id"].implode()).alias("promoted"))


def _figures(people: pl.DataFrame, promoted: pl.DataFrame, kind: str) -> pl.DataFrame:
    """The cycle's figures per department, plus a whole-scope row (department None)."""
    entered = pl.sum_horizontal([pl.col(n).is_not_null().cast(pl.Int32) for n in INDICATORS]) / len(INDICATORS)
    frame = people.join(promoted, on="employee_id", how="left").with_columns(
        pl.col("recorded_at").is_not_null().alias("is_assessed"), entered.alias("indicator_share"))
    aggregations = [
        pl.len().alias("members"), pl.col("is_assessed").sum().alias("assessed"),
        *(((pl.col("final_outcome") == o) & pl.col("is_assessed")).sum().alias(f"outcome_{o}") for o in OUTCOMES[kind]),
        pl.col("confirmed_outcome").is_not_null().sum().alias("confirmed"),
        pl.col("indicator_share").filter(pl.col("is_assessed")).mean().alias("quantified_share"),
        ((pl.col("plan_adjustments") > 0) & pl.col("is_assessed")).sum().alias("adjusted"),
        pl.col("promoted").fill_null(False).sum().alias("promoted"),
        pl.col("disputes").sum().alias("disputes"),
        (pl.col("dispute_status") == "open").sum().alias("disputes_open"),
        (pl.col("dispute_status") == "answered").sum().alias("disputes_answered"),
        pl.col("plan_completion").mean().alias("avg_plan_completion"),
        pl.col("composite_score").mean().alias("avg_composite"),
    ]
    per_department = frame.group_by("department").agg(aggregations).sort("department")
    total = frame.select(aggregations).with_columns(pl.lit(None, pl.String).alias("department"))
    return pl.concat([per_department, total.select(per_department.columns)]).with_columns(
        (pl.col("adjusted") / pl.col("assessed")).alias("plan_adjustment_rate"),
        (pl.col("promoted") / pl.col("members")).alias("promotion_rate"),
    )


def cycle_figures(cur: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None, cycle_id: str, workspace_file=None) -> pl.DataFrame:
    """Per department and for the whole scope (department None): outcome counts, promotion rate from the pool,
    plan adjustment rate, quantified share, disputes open/answered, and prev_* for the same kind's previous cycle."""
    months = load_settings().promotion_window_months
    with workspace.connect(workspace_file) as con:
        cycle = _cycle(con, cycle_id)
        previous = con.sql("SELECT cycle_id, opened_at FROM review_cycles WHERE kind = ? AND year < ? ORDER BY year DESC LIMIT 1",
                           params=[cycle["kind"], cycle["year"]]).fetchall()
    people = cycle_people(cur, scope, cycle_id, workspace_file)
    now = _figures(people, _promoted(cur, people, cycle["opened_at"], months), cycle["kind"])
    if not previous:
        return now.with_columns(pl.lit(None, pl.String).alias("previous_cycle"), *(pl.lit(None, pl.Float64).alias(f"prev_{f}") for f in FIGURES))
    before_people = cycle_people(cur, scope, previous[0][0], workspace_file)
    before = _figures(before_people, _promoted(cur, before_people, previous[0][1], months), cycle["kind"])
    before = before.select("department", *(pl.col(f).cast(pl.Float64).alias(f"prev_{f}") for f in FIGURES))
    return now.join(before, on="department", how="left", nulls_equal=True).with_columns(pl.lit(previous[0][0]).alias("previous_cycle"))


def movement(cur: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None, year: int, workspace_file=None) -> pl.DataFrame:
    """July -> year-end -> what happened next, per person: mid_outcome, year_end_outcome, next (promoted, left the company,
    left the pool, still in the pool). People reviewed at only one of the two show 'not reviewed' at the other."""
    months = load_settings().promotion_window_months
    frames = {}
    for kind in KINDS:
        try:
            frames[kind] = cycle_people(cur, scope, cycle_id_for(year, kind), workspace_file)
        except UnknownCycle:
            frames[kind] = None
    if frames["year_end"] is None and frames["mid_year"] is None:
        raise UnknownCycle(f"no review cycles in {year}")
    empty = pl.DataFrame(schema={"employee_id": pl.String, "department": pl.String, "final_outcome": pl.String})
    mid = (frames["mid_year"] if frames["mid_year"] is not None else empty).select("employee_id", "department", pl.col("final_outcome").alias("mid_outcome"))
    end = (frames["year_end"] if frames["year_end"] is not None else empty).select("employee_id", "department", pl.col("final_outcome").alias("year_end_outcome"))
    both = mid.join(end, on="employee_id", how="full", coalesce=True).with_columns(
        pl.coalesce("department", "department_right").alias("department")).drop("department_right")
    with workspace.connect(workspace_file) as con:
        opened = con.sql("SELECT max(opened_at) FROM review_cycles WHERE year = ?", params=[year]).fetchall()[0][0]
    pool = _pool(cur, workspace_file)
    promoted = _promoted(cur, both, opened, months)
    left = cur.sql("SELECT employee_id FROM analysis_employee WHERE status = 'left' AND employee_id IN (SELECT unnest($ids))",
                   params={"ids": both["employee_id"].to_list()}).pl()
    return both.join(promoted, on="employee_id", how="left").with_columns(
        pl.col("mid_outcome").fill_null("not_reviewed"), pl.col("year_end_outcome").fill_null("not_reviewed"),
        pl.when(pl.col("promoted")).then(pl.lit("promoted"))
        .when(pl.col("employee_id").is_in(left["employee_id"].implode())).then(pl.lit("left_company"))
        .when(~pl.col("employee_id").is_in(pool["employee_id"].implode())).then(pl.lit("left_pool"))
        .otherwise(pl.lit("in_pool")).alias("next"),
    ).drop("promoted").sort("employee_id")

