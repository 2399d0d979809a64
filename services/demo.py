"""The demo organisation's history in the workspace: the pool, plans and past review cycles.

So the plan-progress, review and trend views are populated on first start. The story: the pool is
formed in January two years ago (a second wave joins a year later); each member gets a plan from the
template; July and year-end reviews follow, assessed more and more quantitatively; some members are
promoted or leave. Everything derives from the imported data (pool score, promotions, exits) plus a
seeded random generator, so the same database always gets the same history. Writes are bulk inserts, one
workspace.write (with its audit row) per step; the compiled figures come from reviews.compile_members, as in the app.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Callable

import duckdb
import numpy as np
import polars as pl

from pipelines import db
from pipelines.settings import into_management_sql, load_settings

from . import pool, workspace
from .auth import DEMO, User
from .permissions import require_role
from .reviews import INDICATORS, OUTCOMES, _reviewers, compile_members, score_assessments, store_members, suggestion

GENERAL_ITEMS = [("course", "Leading High-Performance Teams", 3), ("course", "First-Time Manager Bootcamp", 4),
                 ("course", "Strategic Thinking", 6), ("rotation", "Rotation to a partner department", 9),
                 ("mentoring", "Mentoring with a senior manager", 12)]
DEPARTMENT_ITEMS = {"Sales": "Negotiation Skills", "R&D": "Technology Trend Radar", "Operations": "Lean Operations",
                    "Customer Service": "Customer Experience Design", "Marketing": "Digital Marketing Analytics",
                    "IT": "Cloud Architecture Basics", "Supply Chain": "Supply Chain Planning",
                    "Finance": "Finance for Non-Finance Managers", "Human Resources": "Hiring and Interviewing"}
TAILORED = [("Sales", "customer-resource integration", "Sales managers must own key accounts: please add customer-resource integration."),
            ("R&D", "technical team management; technology-trend judgement", "For R&D the core is leading engineers and judging technology trends.")]
ADJUSTMENTS = ["switch a course to the online version", "move the rotation to the next quarter", "add a mentor for the gap area",
               "one course fewer this half; deadline moved"]
ACCELERATIONS = ["joins the monthly strategy meetings", "leads a cross-department project", "acts as deputy during the head's leave"]
RATIONALES = ["reviewer's judgement after the calibration meeting", "context the figures miss: a new team this year",
              "agreed with the candidate and HR"]
DISPUTES = ["The comment on leadership ignores the new team I took over", "My project results were counted for the wrong half",
            "The 360 score came from only two raters"]
# demo.employee's own material (issue #18): their self-assessment in the open cycle (indicator, text, evidence) and one
# answered dispute of a closed cycle's result.
OWN_SELF_ASSESSMENT = [
    ("team_results_growth", "My team's results grew about 12 % on last year; the new key account alone added 5 %.",
     "https://intranet.example.com/sales/results-2026\nteam-results-2026.xlsx"),
    ("project_on_time_rate", "Four of five projects were delivered on time; the CRM migration slipped two weeks because of the vendor.",
     "project-log-2026.pdf"),
    ("leadership_360", "I took over a new team of six in March and hold weekly one-to-ones with each of them.", None),
    ("adopted_proposals", "Two of my proposals were adopted: shared pipeline reviews and a common quote template.",
     "proposal-pipeline-reviews.docx\nproposal-quote-template.docx"),
    ("collaboration_satisfaction", "Marketing and I ran the spring campaign together; they rated the collaboration 4.5 of 5.",
     "https://intranet.example.com/surveys/collaboration-2026"),
]
OWN_DISPUTE = ("strengths", "My strengths leave out the key-account project I led this year; please add it.",
               "Agreed: the key-account project is now part of your strengths. The outcome stands.")
OTHER_SELF_ASSESSMENT = {
    "team_results_growth": "Team results grew on last year; details in the quarterly report.",
    "project_on_time_rate": "Most of my projects were delivered on time.",
    "leadership_360": "I coached two new colleagues this year.",
    "adopted_proposals": "One improvement proposal adopted.",
    "collaboration_satisfaction": "Good collaboration with the neighbouring departments.",
}
ANSWERS = ["Checked with the raters; the score stands, the comment was clarified", "Corrected: the project is now counted",
           "Noted; the next 360 will have at least five raters"]


def demo_employee_id(con_or_db: duckdb.DuckDBPyConnection | Path | str | None = None) -> str | None:
    """The demo candidate behind the demo.employee account: the one definition, for the account and for the demo's
    self-assessment and dispute. The pool member (services.pool, today) of the demo's first department (demo.head's;
    without that account, the department with the most members in the open cycle) with the lowest employee id who is
    a member of the open cycle and was assessed in a closed one. None: no such person (no demo history yet).

    con_or_db: a connection to the workspace, its file, the analysis database beside it, or None (the configured one).
    The pool is read with the configured analysis database (a person's current department and exit date)."""
    if con_or_db is None or isinstance(con_or_db, (str, Path)):
        path = None if con_or_db is None else workspace.location(con_or_db)
        if path is not None and not workspace.is_postgres(path) and not path.name.startswith("workspace"):
            path = workspace.location(db_path=path)  # the analysis database given: its workspace
        with workspace.connect(path) as con:
            return _demo_employee_id(con, path)
    return _demo_employee_id(con_or_db, None)


def _demo_employee_id(con: duckdb.DuckDBPyConnection, workspace_file: Path | None) -> str | None:
    members = pool.current_members(None, workspace_file=workspace_file)["employee_id"].to_list()
    found = con.sql("""
        WITH open_members AS (SELECT m.employee_id, m.department FROM review_members m JOIN review_cycles c USING (cycle_id) WHERE c.status = 'open'),
        first_department AS (
            SELECT coalesce((SELECT departments[1] FROM users WHERE username = 'demo.head'),
                            (SELECT department FROM open_members GROUP BY department ORDER BY count(*) DESC, department LIMIT 1)) AS department),
        assessed_closed AS (SELECT DISTINCT a.employee_id FROM review_assessments a JOIN review_cycles c USING (cycle_id) WHERE c.status = 'closed')
        SELECT min(o.employee_id) FROM open_members o
        WHERE o.department = (SELECT department FROM first_department)
          AND list_contains(?::VARCHAR[], o.employee_id) AND o.employee_id IN (SELECT employee_id FROM assessed_closed)""",
                    params=[members]).fetchall()
    return found[0][0] if found else None


def _seed_candidate_material(con, today: date, seed: int) -> str | None:
    """Self-assessments in the open cycle (demo.employee's person's in full, about half of the other members' briefly)
    and demo.employee's answered dispute of their latest closed result. Its own random generator, so the rest of the
    demo's history is the same as before this existed."""
    rng = np.random.default_rng(seed + 18)
    employee_id = demo_employee_id(con)
    open_cycle = con.sql("SELECT cycle_id, CAST(opened_at AS DATE) FROM review_cycles WHERE status = 'open' ORDER BY opened_at DESC LIMIT 1").fetchall()
    if open_cycle:
        cycle_id, opened = open_cycle[0]
        members = con.sql("SELECT employee_id, department FROM review_members WHERE cycle_id = ? ORDER BY employee_id", params=[cycle_id]).pl()
        others = members.filter((pl.col("employee_id") != employee_id) & pl.Series(rng.random(members.height) < 0.5))
        # the deadline: [review] self_assessment_days after opening, and at least two weeks ahead of the demo's today
        due = max(opened + timedelta(days=int(load_settings().review["self_assessment_days"])), today + timedelta(days=14))
        con.execute("UPDATE review_cycles SET self_assessment_due = ? WHERE cycle_id = ?", [due, cycle_id])
        days = max((today - opened).days, 1)  # submitted before today (never in the future)
        others = others.with_columns(
            (pl.lit(datetime.combine(opened, datetime.min.time())) + pl.duration(days=pl.Series(rng.integers(0, days, others.height)), hours=19))
            .alias("submitted_at"),
            pl.Series("indicators", rng.integers(2, len(OTHER_SELF_ASSESSMENT) + 1, others.height)))
        rows = others.join(pl.DataFrame({"indicator": list(OTHER_SELF_ASSESSMENT), "text": list(OTHER_SELF_ASSESSMENT.values()),
                                         "position": range(len(OTHER_SELF_ASSESSMENT))}), how="cross").filter(
            pl.col("position") < pl.col("indicators")).with_columns(pl.lit(None, pl.String).alias("evidence"), pl.col("employee_id").alias("submitted_by"))
        if employee_id is not None:
            department = members.filter(pl.col("employee_id") == employee_id)["department"][0]
            stamp = datetime.combine(min(opened + timedelta(days=4), today - timedelta(days=1)), datetime.min.time()) + timedelta(hours=20, minutes=15)
            own = pl.DataFrame([{"employee_id": employee_id, "department": department, "submitted_at": stamp, "indicator": i, "text": text,
                                 "evidence": evidence, "submitted_by": "demo.employee"} for i, text, evidence in OWN_SELF_ASSESSMENT],
                               schema={"employee_id": pl.String, "department": pl.String, "submitted_at": pl.Datetime("us"), "indicator": pl.String,
                                       "text": pl.String, "evidence": pl.String, "submitted_by": pl.String})
            rows = pl.concat([rows.select(own.columns).with_columns(pl.col("submitted_at").cast(pl.Datetime("us"))), own])
        con.register("seed_self", rows.to_arrow())
        con.execute("""INSERT INTO self_assessments (cycle_id, employee_id, department, indicator, text, evidence, submitted_by, submitted_at)
                       SELECT ?, employee_id, department, indicator, text, evidence, submitted_by, submitted_at FROM seed_self
                       ORDER BY submitted_at, employee_id, indicator""", [cycle_id])
        con.unregister("seed_self")
    if employee_id is None:
        return None
    closed = con.sql("""SELECT a.cycle_id, a.department, arg_max(a.recorded_by, a.assessment_id), max(c.closed_at)
                        FROM review_assessments a JOIN review_cycles c USING (cycle_id) WHERE c.status = 'closed' AND a.employee_id = ?
                        GROUP BY a.cycle_id, a.department, c.opened_at ORDER BY c.opened_at DESC LIMIT 1""", params=[employee_id]).fetchall()
    if closed:
        cycle_id, department, reviewer, closed_at = closed[0]
        about, dispute, answer = OWN_DISPUTE
        raised = min(closed_at + timedelta(days=3), datetime.combine(today, datetime.min.time()) + timedelta(hours=9))
        con.execute("""INSERT INTO review_disputes (cycle_id, employee_id, department, dispute, raised_by, raised_at, about, answer, answered_by, answered_at)
                       VALUES (?, ?, ?, ?, 'demo.employee', ?, ?, ?, ?, ?)""",
                    [cycle_id, employee_id, department, dispute, raised, about, answer, reviewer, raised + timedelta(days=4, hours=2)])
    return employee_id


def _cycles(today: date) -> list[tuple[int, str, date, date | None]]:
    """(year, kind, opened, closed) of the demo's cycles up to today; the newest may still be open."""
    first = today.year - 1 if today >= date(today.year, 7, 1) else today.year - 2
    out = []
    for year in (first, first + 1):
        for kind, opened, closed in (("mid_year", date(year, 7, 1), date(year, 7, 31)), ("year_end", date(year, 11, 16), date(year, 12, 20))):
            if opened <= today:
                out.append((year, kind, opened, closed if closed <= today else None))
    return out


@workspace.writes("demo_pool_seeded", "demo_review_cycle_seeded", "demo_reviews_seeded")
def seed_demo_reviews(db_path: Path, seed: int = 11, progress: Callable[[float, str], None] | None = None,
                      user: User = DEMO) -> dict | None:
    """Fill an empty workspace with the demo's pool, plans and review cycles; None when it holds any already.
    One write (and audit row) per step: the pool and plans, each review cycle, the exits."""
    require_role(user, "hr_admin")
    report = progress or (lambda fraction, message: None)
    with workspace.connect() as con:
        if con.sql("SELECT (SELECT count(*) FROM nominations) + (SELECT count(*) FROM review_cycles) + (SELECT count(*) FROM development_plans)").fetchall()[0][0]:
            return None
        reviewers = _reviewers(con)
    settings = load_settings()
    rng = np.random.default_rng(seed)
    reader = db.connect_read_only(Path(db_path))
    cur = db.read_cursor(reader)
    try:
        today = cur.sql("SELECT as_of_date FROM analysis_meta").fetchall()[0][0]
        cycles = _cycles(today)
        if not cycles:
            return None
        start = date(cycles[0][0], 1, 10)
        # candidates by their level when the pool was formed: those promoted into management since are in it
        into_management = into_management_sql(settings)
        people = cur.sql(f"""
            WITH later AS (
                SELECT employee_id, sum(to_level - from_level) AS steps, min(effective_date) FILTER (WHERE {into_management}) AS promoted_on
                FROM promotions WHERE effective_date > DATE '{start}' GROUP BY employee_id
            )
            SELECT a.employee_id, a.department, a.pool_score, a.exit_date, a.exit_reason, a.hire_date, l.promoted_on
            FROM analysis_employee a LEFT JOIN later l USING (employee_id)
            WHERE a.job_level - coalesce(l.steps, 0) BETWEEN 3 AND 6 AND a.hire_date < DATE '{start}'
              AND (a.exit_date IS NULL OR a.exit_date > DATE '{start}' + 60)
            ORDER BY a.employee_id""").pl()
        active = cur.sql("SELECT count(*) FROM analysis_employee WHERE status = 'active'").fetchall()[0][0]
        report(0.05, "Demo pool and plans")
        # --- the pool: two waves, the best pool scores (with noise) first ---------------------------
        noise = rng.normal(0, 12, people.height)
        # leavers' pool scores are depressed by their missing recent records; lift them so the pool sees some attrition
        people = people.with_columns(
            (pl.col("pool_score").fill_null(0) + pl.when(pl.col("exit_date").is_not_null()).then(25.0).otherwise(0.0) + pl.Series(noise))
            .alias("rank_score")).sort("rank_score", descending=True)
        first_wave, second_wave = max(10, round(0.04 * active)), max(4, round(0.015 * active))
        pool = people.head(first_wave + second_wave).with_columns(
            pl.Series("wave", [1] * min(first_wave, people.height) + [2] * max(0, min(second_wave, people.height - first_wave))),
            pl.Series("quality", np.clip(np.linspace(1.0, 0.2, min(people.height, first_wave + second_wave)) + rng.normal(0, 0.15, min(people.height, first_wave + second_wave)), 0, 1)),
        )
        n = pool.height
        pool = pool.with_columns(
            (pl.date(cycles[0][0] + pl.col("wave") - 1, 1, 10) + pl.duration(days=pl.Series(rng.integers(0, 60, n)))).alias("nominated_on"),
        ).filter(pl.col("nominated_on") < today,
                 pl.col("exit_date").is_null() | (pl.col("exit_date") > pl.col("nominated_on") + pl.duration(days=30)))
        n = pool.height
        readiness = np.where(pool["quality"].to_numpy() > 0.8, "ready_now", np.where(pool["quality"].to_numpy() > 0.45, "ready_1_2_years", "ready_3_plus_years"))
        pool = pool.with_columns(pl.Series("readiness", readiness), (pl.col("department") + " Manager").alias("target_position"),
                                 (pl.col("nominated_on") + pl.duration(days=14)).alias("starts_on")).join(
            reviewers, on="department", how="left")
        by = pl.coalesce("reviewer", pl.lit("demo.hr"))

        # --- template and plans -------------------------------------------------------------------
        template = pl.DataFrame([{"department": None, "kind": k, "title": t, "due_months": m} for k, t, m in GENERAL_ITEMS]
                                + [{"department": d, "kind": "course", "title": t, "due_months": 4} for d, t in DEPARTMENT_ITEMS.items()],
                                schema={"department": pl.String, "kind": pl.String, "title": pl.String, "due_months": pl.Int32})
        items = pool.select("employee_id", "department", "starts_on", "quality").join(template, how="cross").filter(
            pl.col("department_right").is_null() | (pl.col("department_right") == pl.col("department"))).with_columns(
            pl.when(pl.col("department_right").is_null()).then(pl.lit("general")).otherwise(pl.lit("department")).alias("source"),
            pl.col("starts_on").dt.offset_by(pl.format("{}mo", pl.col("due_months"))).alias("due_date")).drop("department_right")
        m = items.height
        done_draw, early, drop = rng.random(m), rng.integers(-20, 60, m), rng.random(m)
        items = items.with_columns(
            pl.Series("done_draw", done_draw), pl.Series("early", early), pl.Series("drop", drop),
        ).with_columns(
            (pl.col("due_date") - pl.duration(days=pl.col("early"))).clip(pl.col("starts_on") + pl.duration(days=7)).alias("completed_on"),
        ).with_columns(
            pl.when(pl.col("drop") < 0.03).then(pl.lit("dropped"))
            .when((pl.col("done_draw") < 0.35 + 0.55 * pl.col("quality")) & (pl.col("completed_on") <= today)).then(pl.lit("done"))
            .when(pl.col("starts_on") <= today).then(pl.lit("in_progress")).otherwise(pl.lit("planned")).alias("status"),
        ).with_columns(pl.when(pl.col("status") == "done").then(pl.col("completed_on")).alias("completed_on"))

        with workspace.write(user.username, "demo_pool_seeded", None, f"{n} pool members, {m} plan items") as con:
            con.register("seed_template", template.to_arrow())
            con.execute(f"""INSERT INTO plan_template_items (department, kind, title, due_months, created_by, created_at)
                            SELECT department, kind, title, due_months, 'demo.hr', TIMESTAMP '{start - timedelta(days=5)} 09:00' FROM seed_template""")
            con.register("seed_pool", pool.with_columns(by.alias("actor")).to_arrow())
            con.execute("""INSERT INTO nominations (employee_id, department, action, readiness, target_position, reason, decided_by, decided_at)
                           SELECT employee_id, department, 'nominate', readiness, target_position, 'meets the pool rules; agreed in the talent review',
                                  actor, nominated_on + TIME '10:00' FROM seed_pool ORDER BY nominated_on, employee_id""")
            con.execute("""INSERT INTO development_plans (employee_id, department, starts_on, created_by, created_at)
                           SELECT employee_id, department, starts_on, actor, starts_on + TIME '09:00' FROM seed_pool ORDER BY starts_on, employee_id""")
            con.register("seed_items", items.to_arrow())
            con.execute("""INSERT INTO plan_items (plan_id, employee_id, department, kind, title, source, due_date, status, completed_on, updated_by, updated_at)
                           SELECT p.plan_id, i.employee_id, i.department, i.kind, i.title, i.source, i.due_date, i.status, i.completed_on,
                                  p.created_by, coalesce(i.completed_on, i.starts_on) + TIME '17:00'
                           FROM seed_items i JOIN development_plans p USING (employee_id) ORDER BY p.plan_id, i.due_date""")
            con.execute("""INSERT INTO plan_changes (plan_id, employee_id, department, change, after, changed_by, changed_at)
                           SELECT plan_id, employee_id, department, 'created', (SELECT count(*) FROM plan_items i WHERE i.plan_id = p.plan_id) || ' items from the template',
                                  created_by, created_at FROM development_plans p ORDER BY plan_id""")
            con.execute("""INSERT INTO plan_changes (plan_id, item_id, employee_id, department, change, before, after, reason, changed_by, changed_at)
                           SELECT plan_id, item_id, employee_id, department, 'status_changed', 'in_progress', status,
                                  CASE status WHEN 'done' THEN 'completed' ELSE 'no longer fits the plan' END, updated_by, updated_at
                           FROM plan_items WHERE status IN ('done', 'dropped') ORDER BY updated_at, item_id""")
            stamp = datetime.combine(start - timedelta(days=20), datetime.min.time()) + timedelta(hours=10)
            template_id = con.execute(
                """INSERT INTO position_profiles (title, department, responsibilities, core_competencies, promotion_path, updated_by, updated_at)
                   VALUES (?, NULL, ?, ?, ?, 'demo.hr', ?) RETURNING profile_id""",
                ["Middle manager", "Leads a team of 5-15; owns the team's targets and budget; develops the team's people.",
                 "Leadership; strategic thinking; results orientation; cross-department collaboration; coaching.",
                 "Senior specialist / team lead -> middle manager (job level 7) -> senior manager", stamp]).fetchall()[0][0]
            for department, extra, comment in TAILORED:
                profile_id = con.execute(
                    """INSERT INTO position_profiles (title, department, based_on, responsibilities, core_competencies, promotion_path, updated_by, updated_at)
                       SELECT title || ' — ' || $d, $d, profile_id, responsibilities, core_competencies || '; ' || $x, promotion_path, 'demo.head', $at
                       FROM position_profiles WHERE profile_id = $id RETURNING profile_id""",
                    {"d": department, "x": extra, "at": stamp + timedelta(days=3), "id": template_id}).fetchall()[0][0]
                con.execute("INSERT INTO position_comments (profile_id, author, body, written_at) VALUES (?, 'demo.head', ?, ?), (?, 'demo.hr', ?, ?)",
                            [profile_id, comment, stamp + timedelta(days=4), profile_id, "Agreed; added to the core competencies.", stamp + timedelta(days=6)])
            for name in ("seed_template", "seed_pool", "seed_items"):
                con.unregister(name)

        # --- exits from the pool: promoted into management, left the company --------------------
        exits = pool.select(
            "employee_id", "department",
            pl.when(pl.col("promoted_on").is_not_null() & (pl.col("promoted_on") > pl.col("nominated_on"))
                    & (pl.col("exit_date").is_null() | (pl.col("promoted_on") < pl.col("exit_date")))).then(pl.col("promoted_on"))
            .otherwise(pl.col("exit_date")).alias("left_on"),
            pl.when(pl.col("promoted_on").is_not_null() & (pl.col("promoted_on") > pl.col("nominated_on"))
                    & (pl.col("exit_date").is_null() | (pl.col("promoted_on") < pl.col("exit_date")))).then(pl.lit("promoted"))
            .when(pl.col("exit_reason") == "capability mismatch").then(pl.lit("capability_mismatch"))
            .otherwise(pl.lit("left_company")).alias("exit_reason"),
        ).filter(pl.col("left_on").is_not_null() & (pl.col("left_on") <= today))
        removed: dict[str, date] = dict(zip(exits["employee_id"].to_list(), exits["left_on"].to_list()))

        # --- the review cycles, oldest first ---------------------------------------------------------
        written = {"pool": n, "plan_items": m, "cycles": []}
        for number, (year, kind, opened, closed) in enumerate(cycles):
            report(0.15 + 0.8 * number / len(cycles), f"Demo review cycle {year} {kind.replace('_', '-')}")
            in_pool = pool.filter(pl.col("nominated_on") <= opened).filter(
                ~pl.col("employee_id").is_in([e for e, d in removed.items() if d <= opened]))
            if in_pool.height == 0:
                continue
            as_of = closed or today
            compiled = compile_members(cur, in_pool.select("employee_id", "department", "reviewer"), year, kind, as_of, settings)
            k = compiled.height
            assessed = rng.random(k) < (0.92 if closed else 0.4)
            missing = 0.5 - 0.1 * number  # later cycles are more quantified, as the source document reports
            q = compiled.join(pool.select("employee_id", "quality"), on="employee_id", how="left")["quality"].to_numpy()
            values = {
                "team_results_growth": np.round(rng.normal(2 + 14 * q, 6), 1),
                "project_on_time_rate": np.round(np.clip(rng.normal(60 + 35 * q, 10), 0, 100), 0),
                "subordinate_rating_change": np.round(rng.normal(0.3 * q - 0.05, 0.35), 1),
                "leadership_360": np.round(np.clip(rng.normal(55 + 35 * q, 8), 0, 100), 0),
                "adopted_proposals": rng.poisson(0.5 + 4 * q).astype(float),
                "collaboration_satisfaction": np.round(np.clip(rng.normal(62 + 30 * q, 9), 0, 100), 0),
            }
            frame = compiled.select("employee_id", "department", "reviewer", "plan_completion").with_columns(
                *(pl.Series(name, np.where(rng.random(k) < missing, np.nan, v)).fill_nan(None) for name, v in values.items()))
            scored = score_assessments(frame.select("department", *INDICATORS), settings)
            frame = frame.with_columns(scored.select("quantitative_score", "qualitative_score", "quantitative_weight", "composite_score"))
            frame = frame.with_columns(suggestion(kind, settings).alias("suggested_outcome"))
            outcomes = OUTCOMES[kind]
            other = np.array(outcomes)[rng.integers(0, len(outcomes), k)]
            agree = rng.random(k) < 0.85
            frame = frame.with_columns(
                pl.when(pl.Series(agree)).then(pl.col("suggested_outcome")).otherwise(pl.Series(other)).alias("outcome"),
                (pl.lit(datetime.combine(opened, datetime.min.time()) + timedelta(hours=14)) + pl.duration(days=pl.Series(rng.integers(3, 20, k)))).alias("recorded_at"),
                pl.Series("adjust_note", np.array(ADJUSTMENTS)[rng.integers(0, len(ADJUSTMENTS), k)]),
                pl.Series("accelerate_note", np.array(ACCELERATIONS)[rng.integers(0, len(ACCELERATIONS), k)]),
                pl.Series("accelerate_draw", rng.random(k)),
                pl.Series("rationale_pick", np.array(RATIONALES)[rng.integers(0, len(RATIONALES), k)]),
            ).filter(pl.Series(assessed)).with_columns(
                pl.when((pl.col("outcome") != pl.col("suggested_outcome")) | pl.lit(kind == "year_end")).then(pl.col("rationale_pick")).alias("rationale"),
                pl.when(pl.col("quantitative_score") >= 70).then(pl.lit("results on target")).otherwise(pl.lit("results below target")).alias("strengths"),
                pl.when(pl.col("leadership_360") < 65).then(pl.lit("leadership score low"))
                .when(pl.col("adopted_proposals") < 2).then(pl.lit("few improvement proposals adopted")).alias("gaps"),
                pl.coalesce("reviewer", pl.lit("demo.hr")).alias("recorded_by"),
            )
            changes_plan = (pl.col("outcome") == "adjust_plan") | (pl.col("outcome").is_in(["accelerate", "keep_developing"]) & (pl.col("accelerate_draw") < 0.6))
            adjust = frame.filter(changes_plan).select(
                "employee_id", "department", "recorded_by", "recorded_at",
                pl.when(pl.col("outcome") == "accelerate").then(pl.col("accelerate_note")).otherwise(pl.col("adjust_note")).alias("note"))
            cycle_id = f"{year}-{kind}"
            with workspace.write(user.username, "demo_review_cycle_seeded", cycle_id, f"{k} members, {frame.height} assessed") as con:
                con.execute("INSERT INTO review_cycles (cycle_id, year, kind, status, opened_by, opened_at, closed_by, closed_at) VALUES (?, ?, ?, ?, 'demo.hr', ?, ?, ?)",
                            [cycle_id, year, kind, "closed" if closed else "open", datetime.combine(opened, datetime.min.time()) + timedelta(hours=9),
                             "demo.hr" if closed else None, datetime.combine(closed, datetime.min.time()) + timedelta(hours=18) if closed else None])
                store_members(con, cycle_id, compiled)
                con.register("seed_assessments", frame.with_columns(pl.lit(cycle_id).alias("cycle_id")).to_arrow())
                con.execute(f"""INSERT INTO review_assessments (cycle_id, employee_id, department, {', '.join(INDICATORS)}, quantitative_score,
                                    qualitative_score, quantitative_weight, composite_score, strengths, gaps, outcome, suggested_outcome,
                                    rationale, recorded_by, recorded_at)
                                SELECT cycle_id, employee_id, department, {', '.join(INDICATORS)}, quantitative_score, qualitative_score,
                                       quantitative_weight, composite_score, strengths, gaps, outcome, suggested_outcome, rationale, recorded_by, recorded_at
                                FROM seed_assessments ORDER BY recorded_at, employee_id""")
                con.register("seed_adjust", adjust.to_arrow())
                con.execute("""INSERT INTO plan_changes (plan_id, employee_id, department, change, after, reason, cycle_id, changed_by, changed_at)
                               SELECT p.plan_id, a.employee_id, a.department, 'review_adjustment', a.note, 'review outcome', ?, a.recorded_by, a.recorded_at
                               FROM seed_adjust a JOIN development_plans p USING (employee_id) ORDER BY a.recorded_at, a.employee_id""", [cycle_id])
                if closed:
                    disputed = frame.filter(pl.Series(rng.random(frame.height) < 0.06)).with_columns(
                        pl.col("recorded_at").dt.offset_by("10d").alias("raised_at"))
                    d = disputed.height
                    disputed = disputed.with_columns(
                        pl.Series("dispute", np.array(DISPUTES)[rng.integers(0, len(DISPUTES), d)] if d else [], pl.String),
                        pl.Series("answer", np.array(ANSWERS)[rng.integers(0, len(ANSWERS), d)] if d else [], pl.String),
                        pl.Series("answered", rng.random(d) < 0.85, pl.Boolean),
                    ).with_columns(pl.when(pl.col("answered")).then(pl.col("answer")).alias("answer"),
                                   pl.col("raised_at").dt.offset_by("12d").alias("answered_at"))
                    con.register("seed_disputes", disputed.to_arrow())
                    # which comment each is about: the leadership one disputes the gaps where the result names any, the rest the outcome
                    con.execute("""INSERT INTO review_disputes (cycle_id, employee_id, department, dispute, raised_by, raised_at, answer, answered_by,
                                                                answered_at, about)
                                   SELECT ?, employee_id, department, dispute, recorded_by, raised_at, answer,
                                          CASE WHEN answer IS NOT NULL THEN 'demo.hr' END, CASE WHEN answer IS NOT NULL THEN answered_at END,
                                          CASE WHEN dispute = ? AND gaps IS NOT NULL THEN 'gaps' ELSE 'outcome' END
                                   FROM seed_disputes ORDER BY raised_at, employee_id""", [cycle_id, DISPUTES[0]])
                    con.unregister("seed_disputes")
                    if kind == "year_end":
                        confirmed = frame.with_columns(
                            pl.when(pl.Series(rng.random(frame.height) < 0.92)).then(pl.col("outcome")).otherwise(pl.lit("keep_developing")).alias("confirmed"))
                        con.register("seed_confirm", confirmed.to_arrow())
                        stamp = datetime.combine(closed, datetime.min.time()) + timedelta(hours=11)
                        con.execute("""INSERT INTO review_confirmations (cycle_id, employee_id, outcome, note, confirmed_by, confirmed_at)
                                       SELECT ?, employee_id, confirmed, CASE WHEN confirmed <> outcome THEN 'HR calibration: one more year of development' END,
                                              'demo.hr', ? FROM seed_confirm ORDER BY employee_id""", [cycle_id, stamp])
                        leaving = confirmed.filter(pl.col("confirmed") == "leave_pool")
                        con.execute("""INSERT INTO nominations (employee_id, department, action, reason, decided_by, decided_at, exit_reason)
                                       SELECT employee_id, department, 'remove', ? || ': leave the pool', 'demo.hr', ?, 'review_outcome'
                                       FROM seed_confirm WHERE confirmed = 'leave_pool' ORDER BY employee_id""", [cycle_id, stamp])
                        con.unregister("seed_confirm")
                        for employee_id in leaving["employee_id"].to_list():
                            removed[employee_id] = min(removed.get(employee_id, closed), closed)
                for name in ("seed_assessments", "seed_adjust"):
                    con.unregister(name)
            written["cycles"].append({"cycle_id": cycle_id, "members": k, "assessed": frame.height})

        # the other exits, in date order after the review-outcome removals
        with workspace.write(user.username, "demo_reviews_seeded", None, f"{n} pool members, {len(written['cycles'])} cycles") as con:
            con.register("seed_exits", exits.filter(~pl.col("employee_id").is_in(
                con.sql("SELECT employee_id FROM nominations WHERE action = 'remove'").pl()["employee_id"].implode())).to_arrow())
            con.execute("""INSERT INTO nominations (employee_id, department, action, reason, decided_by, decided_at, exit_reason)
                           SELECT employee_id, department, 'remove', CASE exit_reason WHEN 'promoted' THEN 'promoted into management'
                                  ELSE 'left the company' END, 'demo.hr', left_on + TIME '12:00', exit_reason FROM seed_exits ORDER BY left_on, employee_id""")
            con.unregister("seed_exits")
            written["demo_employee"] = _seed_candidate_material(con.con, today, seed)
        report(1.0, "Demo review history ready")
        return written
    finally:
        cur.close()
        reader.close()


# --- the demo's candidate account (issue #18) ------------------------------------------------------------------
DEMO_EMPLOYEE = "demo.employee"


def seed_demo_candidate(db_path: Path) -> str | None:
    """demo.employee: an account for the demo candidate (demo_employee_id: a pool member of demo.head's department in
    the open cycle), with a profile history (three entries over the last months, applied to the analysis) and one
    plan item reported done, waiting for the head's confirmation. Returns the employee id; None when there is nobody
    to link or the account exists. Each step goes through its own service (auth.create_user, self_service.edit_profile,
    plans.report_done)."""
    from datetime import time as clock

    from . import plans, self_service
    from .auth import DEMO_PASSWORD, create_user

    with workspace.connect() as con:
        if con.sql("SELECT 1 FROM users WHERE username = ?", params=[DEMO_EMPLOYEE]).fetchall():
            return None
        employee_id = demo_employee_id(con)
    if employee_id is None:
        return None
    reader = db.connect_read_only(Path(db_path))
    try:
        today = reader.sql("SELECT as_of_date FROM analysis_meta").fetchall()[0][0]
        name, imported_skills = reader.sql("SELECT name, skills FROM analysis_employee WHERE employee_id = ?", params=[employee_id]).fetchall()[0]
    finally:
        reader.close()
    employee = create_user(DEMO_EMPLOYEE, "employee", DEMO_PASSWORD, display_name=name, is_demo=True, created_by=DEMO, employee_id=employee_id)
    now = datetime.combine(today, clock(10, 0))
    skills = "; ".join(dict.fromkeys([s.strip() for s in (imported_skills or "").split(";") if s.strip()] + ["Python"]))
    history = [
        (now - timedelta(days=75), {"career_aspiration": "management"}),
        (now - timedelta(days=40), {"skills": skills}),
        (now - timedelta(days=7), {"external_training": "Leadership Essentials (external course, 3 days)",
                                   "career_plan": "Lead a small team in my department within two years: first the strategy course "
                                                  "and a rotation, then act as deputy to my head."}),
    ]
    for at, changes in history:
        self_service.edit_profile(employee, employee_id, changes, at=at, apply=False, db_path=db_path)
    self_service.rebuild_with_edits(db_path)
    with workspace.connect() as con:
        open_items = con.sql("""SELECT item_id FROM plan_items WHERE employee_id = ? AND status NOT IN ('done', 'dropped')
                                ORDER BY due_date, item_id LIMIT 1""", params=[employee_id]).fetchall()
    if open_items:
        plans.report_done(employee, open_items[0][0], "certificate-leading-high-performance-teams.pdf", at=now - timedelta(days=2))
    return employee_id


# --- the calibration session (issue #16 part 2) ----------------------------------------------------------------
# (who moves, department: 0 = demo.head's, 1 and 2 the next largest; from box, to box, reason): up and down moves.
MID_YEAR_MOVES = [
    ("head", 0, ("high", "high"), ("medium", "high"), "One strong quarter carried the rating; over the whole half the results were solid, not outstanding."),
    ("head", 0, ("medium", "medium"), ("medium", "high"), "Took over a team of six in March and runs it well: more potential than the score shows."),
    ("head", 0, ("medium", "medium"), ("high", "medium"), "Delivered the key-account project on top of the targets; the rating missed it."),
    ("head", 0, ("low", "medium"), ("medium", "medium"), "The low rating came from a long sick leave; back on track since April."),
    ("hr", 1, ("high", "high"), ("high", "medium"), "No leadership shown beyond own work yet; agreed with the other heads to wait a year."),
    ("hr", 2, ("medium", "high"), ("medium", "medium"), "The potential score rests on one project; keep in the core box until the rotation ends."),
    ("hr", 2, ("medium", "medium"), ("medium", "high"), "Strong 360 on leadership and a successful stretch assignment."),
    ("hr", 1, ("low", "low"), ("low", "medium"), "New role since January; the first half does not show the potential yet."),
]
YEAR_END_MOVES = [
    ("head", 0, ("medium", "medium"), ("high", "medium"), "Second half well above target; agreed with HR before the meeting."),
]


def seed_demo_calibration(db_path: Path, hr: str = "demo.hr", head: str = "demo.head") -> int | None:
    """The demo's calibration sessions, through the calibration service (open_session, move, lock_session): a locked
    "Mid-year talent review <year>" (15 July) for demo.head's department and the two next largest, with moves by
    demo.hr and demo.head up and down, each with a reason; and the year-end session of the same departments, open,
    with one move, so the page compares it with the locked one. Returns the locked session's id; None when a session
    exists already or the demo accounts are missing."""
    from datetime import time as clock

    from . import calibration
    from .auth import load_user
    from .people import nine_box

    hr_user, head_user = load_user(hr), load_user(head)
    if hr_user is None or head_user is None or not head_user.scope:
        return None
    with workspace.connect() as con:
        if con.sql("SELECT count(*) FROM calibration_sessions").fetchall()[0][0]:
            return None
    reader = db.connect_read_only(Path(db_path))
    cur = db.read_cursor(reader)
    held = workspace.connect()  # held open while seeding: each service's own connect then reuses the open file
    held.__enter__()
    try:
        today = cur.sql("SELECT as_of_date FROM analysis_meta").fetchall()[0][0]
        sizes = cur.sql("""SELECT department FROM person_department WHERE department <> ? GROUP BY 1
                           ORDER BY count(*) DESC, department LIMIT 2""", params=[head_user.scope[0]]).fetchall()
        departments = [head_user.scope[0], *[r[0] for r in sizes]]
        grid = nine_box(cur, tuple(departments), None)  # highest potential first
        year = today.year if today >= date(today.year, 7, 15) else today.year - 1
        users = {"hr": hr_user, "head": head_user}

        def play(session_id: int, moves: list, day: date, taken: set[str]) -> None:
            for i, (who, department, box, target, reason) in enumerate(moves):
                found = grid.filter((pl.col("department") == departments[department]) & (pl.col("performance") == box[0])
                                    & (pl.col("potential") == box[1]) & ~pl.col("employee_id").is_in(list(taken)))
                if found.height:  # a small demo may have an empty box: that move is left out
                    person = found["employee_id"][0]
                    taken.add(person)
                    calibration.move(users[who], session_id, person, target, reason, cur=cur,
                                     at=datetime.combine(day, clock(10, 0)) + timedelta(minutes=7 * i))

        mid = date(year, 7, 15)
        locked = calibration.open_session(hr_user, f"Mid-year talent review {year}", departments, mid, cur=cur,
                                          at=datetime.combine(mid - timedelta(days=14), clock(9, 0)))
        play(locked, MID_YEAR_MOVES, mid, set())
        calibration.lock_session(hr_user, locked, cur=cur, at=datetime.combine(mid, clock(17, 0)))
        end = date(year, 12, 10)
        year_end = calibration.open_session(hr_user, f"Year-end talent review {year}", departments, end, cur=cur,
                                            at=datetime.combine(min(today, end - timedelta(days=14)), clock(9, 0)))
        play(year_end, YEAR_END_MOVES, min(today, end), set())
        return locked
    finally:
        held.__exit__(None, None, None)
        cur.close()
        reader.close()

# --- succession per key seat (issue #16 part 1) --------------------------------------------------------------------
SEAT_REASONS = ["Largest team in the department; hard to replace", "Owns the key customer relationships",
                "Runs the department's critical process", "Only manager with this specialist knowledge"]
SUCCESSOR_REASONS = ["Has deputised for the holder and knows the team", "Strong results two years running; ready to lead",
                     "Leads a cross-team project today", "Needs a rotation first, then ready", "Promising; a longer path"]


@workspace.writes("demo_succession_seeded")
def seed_demo_succession(db_path: Path, user: User = DEMO) -> dict | None:
    """The demo's key seats and successors, in one write: 2–4 key seats in each department with middle-management
    seats (the bigger, the more), impacts mixed, successors from the department's pool today with mixed readiness (a
    seat with none, seats without anyone ready now, one person named for two seats) and one earlier successor
    removed, authored by demo.hr (seats) and the department's head account or demo.hr (successors), with reasons.
    None when the workspace holds key seats already."""
    from .pool import current_members

    require_role(user, "hr_admin")
    with workspace.connect() as con:
        if con.sql("SELECT count(*) FROM key_seats").fetchall()[0][0]:
            return None
        heads = _reviewers(con)
    reader = db.connect_read_only(Path(db_path))
    cur = db.read_cursor(reader)
    try:
        today = cur.sql("SELECT as_of_date FROM analysis_meta").fetchall()[0][0]
        held = cur.sql("""
            WITH seat AS (
                SELECT m.employee_id, m.department, m.position,
                       (SELECT count(*) FROM analysis_employee r WHERE r.manager_id = m.employee_id AND r.status = 'active') AS reports,
                       count(*) OVER (PARTITION BY m.department) AS department_seats
                FROM management_seat m WHERE m.is_seat AND m.status = 'active')
            SELECT *, row_number() OVER (PARTITION BY department ORDER BY reports DESC, employee_id) AS seat_no
            FROM seat QUALIFY seat_no <= CASE WHEN department_seats >= 30 THEN 4 WHEN department_seats >= 12 THEN 3 ELSE 2 END
            ORDER BY department, seat_no""").pl()
        biggest = cur.sql("""SELECT department FROM management_seat WHERE is_seat AND status = 'active'
                             GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1""").fetchall()
        members = current_members(cur, None)
    finally:
        cur.close()
        reader.close()
    if held.height == 0:
        return None
    order = {"ready_now": 0, "ready_1_2_years": 1, "ready_3_plus_years": 2}
    members = (members.with_columns(pl.col("readiness").replace_strict(order, default=3).alias("order"))
               .sort("department", "order", "employee_id")
               .with_columns(pl.int_range(1, pl.len() + 1).over("department").alias("member_no"))
               .with_columns(pl.col("readiness").replace_strict({"ready_now": "ready_now", "ready_1_2_years": "1_2_years"},
                                                                 default="3_plus_years").alias("seat_readiness")))
    first = biggest[0][0]  # the department with the most seats (demo.head's in the demo): the showcase
    seats = held.select("employee_id", "department", "position", "seat_no").with_columns(
        pl.int_range(1, pl.len() + 1).alias("seat_id"),
        pl.col("seat_no").replace_strict({1: "high", 2: "high", 3: "medium", 4: "low"}, default="medium").alias("impact"),
        (pl.lit(datetime.combine(today, datetime.min.time().replace(hour=9))) - pl.duration(days=200 - pl.col("seat_no") * 5)).alias("marked_at"),
        pl.col("seat_no").replace_strict({1: SEAT_REASONS[0], 2: SEAT_REASONS[1], 3: SEAT_REASONS[2], 4: SEAT_REASONS[3]},
                                         default=SEAT_REASONS[0], return_dtype=pl.String).alias("reason"))
    # Who follows whom, by the department's pool members in order of readiness (member_no): seat 1 three of them (the first
    # ready now), seat 2 in the showcase only member 1 again (ready, but shared), elsewhere members 4–5;
    # seat 3 members 6–7 not ready now; seat 4 nobody.
    plan = pl.DataFrame({
        "seat_no": [1, 1, 1, 2, 2, 2, 3, 3],
        "member_no": [1, 2, 3, 1, 4, 5, 6, 7],
        "showcase": [None, None, None, True, False, False, None, None],
        "readiness": ["ready_now", None, None, "ready_now", None, None, "1_2_years", "3_plus_years"],
    }, schema={"seat_no": pl.UInt32, "member_no": pl.Int64, "showcase": pl.Boolean, "readiness": pl.String})
    named = (seats.join(plan, on="seat_no").filter(pl.col("showcase").is_null() | (pl.col("showcase") == (pl.col("department") == first)))
             .join(members.select("department", "member_no", pl.col("employee_id").alias("successor"), "seat_readiness"),
                   on=["department", "member_no"])
             .filter(pl.col("successor") != pl.col("employee_id"))
             .join(heads, on="department", how="left")
             .with_columns(pl.coalesce("readiness", "seat_readiness").alias("readiness"),
                           pl.int_range(1, pl.len() + 1).over("seat_id").alias("rank"),
                           pl.coalesce("reviewer", pl.lit("demo.hr")).alias("decided_by"),
                           (pl.col("marked_at") + pl.duration(days=10 + pl.col("member_no") * 3)).alias("decided_at")))
    named = named.with_columns(
        pl.when(pl.col("readiness") == "3_plus_years").then(pl.lit(SUCCESSOR_REASONS[4]))
        .when(pl.col("readiness") == "1_2_years").then(pl.lit(SUCCESSOR_REASONS[3]))
        .otherwise(pl.col("rank").clip(1, 3).replace_strict({1: SUCCESSOR_REASONS[0], 2: SUCCESSOR_REASONS[1], 3: SUCCESSOR_REASONS[2]},
                                                            return_dtype=pl.String)).alias("reason"))
    # an earlier successor of the showcase's first seat, removed since: the history shows the change
    former = (seats.filter((pl.col("department") == first) & (pl.col("seat_no") == 1))
              .join(members.filter(pl.col("member_no") == 8).select("department", pl.col("employee_id").alias("successor")), on="department")
              .join(heads, on="department", how="left").with_columns(pl.coalesce("reviewer", pl.lit("demo.hr")).alias("decided_by")))
    rows = pl.concat([
        named.select("seat_id", pl.col("successor").alias("employee_id"), "department", pl.lit("name").alias("action"), "readiness",
                     pl.col("rank").cast(pl.Int32), "reason", "decided_by", "decided_at"),
        former.select("seat_id", pl.col("successor").alias("employee_id"), "department", pl.lit("name").alias("action"),
                      pl.lit("3_plus_years").alias("readiness"), pl.lit(4, pl.Int32).alias("rank"),
                      pl.lit(SUCCESSOR_REASONS[4]).alias("reason"), "decided_by", (pl.col("marked_at") + pl.duration(days=12)).alias("decided_at")),
        former.select("seat_id", pl.col("successor").alias("employee_id"), "department", pl.lit("remove").alias("action"),
                      pl.lit(None, pl.String).alias("readiness"), pl.lit(None, pl.Int32).alias("rank"),
                      pl.lit("Moved to a specialist path; stays in the pool").alias("reason"), "decided_by",
                      (pl.col("marked_at") + pl.duration(days=120)).alias("decided_at")),
    ], how="vertical_relaxed").sort("decided_at", "seat_id", "rank")
    written = {"seats": seats.height, "successors": named.height}
    with workspace.write(user.username, "demo_succession_seeded", None,
                         f"{seats.height} key seats, {named.height} successors") as con:
        con.register("seed_seats", seats.to_arrow())
        con.execute("""INSERT INTO key_seats (holder_id, department, position, impact, marked_by, marked_at)
                       SELECT employee_id, department, position, impact, 'demo.hr', marked_at FROM seed_seats ORDER BY seat_id""")
        con.register("seed_successors", rows.to_arrow())  # their seats by holder: the workspace held no key seats before
        con.execute("""INSERT INTO seat_successors (seat_id, employee_id, department, action, readiness, rank, reason, decided_by, decided_at)
                       SELECT k.seat_id, s.employee_id, s.department, s.action, s.readiness, s.rank, s.reason, s.decided_by, s.decided_at
                       FROM seed_successors s JOIN seed_seats ss USING (seat_id) JOIN key_seats k ON k.holder_id = ss.employee_id
                       ORDER BY s.decided_at, s.seat_id, s.rank""")
    return written

# --- flight risk (issue #16 part 4) ---------------------------------------------------------------------------------

def seed_demo_flight_risk(db_path: str | Path) -> dict | None:
    """The demo's flight-risk model, trained on its exits and scoring everyone (audited as the demo's), so the model
    page, the explorer's at-risk list and the profiles show it on first start. None when the history is too short
    (a demo generated with very few employees): the pages then say no model was trained."""
    from .flight_risk import NotEnoughHistory, train_flight_risk

    try:
        return train_flight_risk(DEMO, db_path)
    except NotEnoughHistory:
        return None
