"""Materialise the analysis tables the pages read, so no page aggregates raw events.

- analysis_employee: one row per employee with rating history and trend, training, certifications,
  360 averages by rater relation, management experience, profile, promotions and pool-rule flags.
- analysis_department: one row per department with headcounts and pool figures.
- analysis_rating_distribution: employees per year, department and grade.
- analysis_meta: when the tables were built and from which import run.
- trend_*: the trends page's analysis-only series (pipelines/trend_series.py).
The derived facts they share (period order, grade points, department, management seat, pool-rule
selection, potential band) live in pipelines/intermediate.py; pipelines/contracts.py checks the outputs.

After an import batch only the rows of the people it touched are rebuilt (deleted and inserted again in the batch's
transaction), the company-wide ranks and the small per-department tables in full; a batch that changes what everyone
is measured against (build_key) rebuilds everything. Every per-person query filters with the in_batch() macro.
"""
from __future__ import annotations

import hashlib
import json
from datetime import date

import duckdb

from .assessment import build_assessment
from .contracts import check_analysis_contracts
from .entities import ENTITIES
from .features import build_snapshots, snapshot_key
from .intermediate import (build_person_facts, build_pool_rule_selection, build_potential_band, build_profile_values,
                           build_staged_facts, replace_people_rows, select_people)
from .intermediate import top_share_rule  # noqa: F401  (where older code and tests import it from)
from .settings import Settings, age_band_sql, into_management_sql
from .trend_series import build_trend_series

# The latest annual rating year, company-wide: the 3-year averages and trends count back from it.
LAST_ANNUAL_SQL = """SELECT max(o.year) AS year FROM performance_ratings r JOIN grade_points g USING (rating)
    JOIN period_order o USING (period) WHERE o.kind = 'annual'"""

# One row per person: their facts, for the people in_batch() selects (a macro: everyone, or the people a batch touched).
PERSON_SQL = """
WITH rated AS (
    SELECT r.employee_id, r.period, r.rating, g.points, r.score, o.year, o.kind = 'annual' AS annual, o.sort_key
    FROM performance_ratings r JOIN grade_points g USING (rating) JOIN period_order o USING (period)
    WHERE in_batch(r.employee_id)
),
-- company-wide (a new annual year is a full rebuild: build_key)
last_annual AS ({last_annual}),
ratings AS (
    SELECT employee_id,
           list(rating ORDER BY sort_key) FILTER (WHERE annual) AS rating_history,
           list(points ORDER BY sort_key) FILTER (WHERE annual) AS rating_points_history,
           arg_max(rating, sort_key) AS latest_rating,
           arg_max(period, sort_key) AS latest_period,
           arg_max(rating, year) FILTER (WHERE annual) AS latest_annual_rating,
           arg_max(points, year) FILTER (WHERE annual) AS latest_annual_points,
           arg_max(score, year) FILTER (WHERE annual) AS latest_annual_score,
           max(year) FILTER (WHERE annual) AS latest_annual_year,
           avg(points) FILTER (WHERE annual AND year >= (SELECT year FROM last_annual) - 2) AS rating_points_3y,
           CASE WHEN count(*) FILTER (WHERE annual AND year >= (SELECT year FROM last_annual) - 2) >= 2
                THEN round(regr_slope(points, year) FILTER (WHERE annual AND year >= (SELECT year FROM last_annual) - 2), 3) END AS rating_trend_3y,
           count(*) FILTER (WHERE annual) AS annual_ratings,
           max(year) FILTER (WHERE annual AND points < {top_points}) AS last_non_top_year,
           list(year) FILTER (WHERE annual AND points = {top_points}) AS top_years
    FROM rated GROUP BY employee_id
),
training AS (
    SELECT employee_id,
           count(*) FILTER (WHERE status = 'completed') AS courses_completed,
           count(*) FILTER (WHERE status = 'in_progress') AS courses_in_progress,
           count(*) FILTER (WHERE status = 'dropped') AS courses_dropped,
           coalesce(sum(hours) FILTER (WHERE status = 'completed'), 0) AS training_hours,
           coalesce(sum(hours) FILTER (WHERE status = 'completed' AND start_date >= $today - INTERVAL 3 YEAR), 0) AS training_hours_3y,
           coalesce(sum(hours) FILTER (WHERE status = 'completed' AND category IN ('leadership', 'management')), 0) AS leadership_training_hours,
           count(*) FILTER (WHERE status = 'completed' AND category IN ('leadership', 'management')) AS leadership_courses,
           count(*) FILTER (WHERE status = 'completed' AND provider = 'external') AS external_courses
    FROM training_records WHERE in_batch(employee_id) GROUP BY employee_id
),
certs AS (
    SELECT employee_id,
           count(*) FILTER (WHERE expiry_date IS NULL OR expiry_date >= $today) AS valid_certifications,
           list(DISTINCT name ORDER BY name) AS certification_names
    FROM certifications WHERE in_batch(employee_id) GROUP BY employee_id
),
feedback_cycle AS (
    SELECT f.*, arg_max(f.cycle, o.sort_key) OVER (PARTITION BY f.employee_id) AS latest_cycle
    FROM feedback_360 f JOIN period_order o ON o.period = f.cycle WHERE in_batch(f.employee_id)
),
feedback AS (
    SELECT employee_id, any_value(latest_cycle) AS feedback_cycle,
           avg(score) FILTER (WHERE rater_relation <> 'self') AS feedback_others,
           avg(score) FILTER (WHERE rater_relation = 'self') AS feedback_self,
           avg(score) FILTER (WHERE rater_relation = 'manager') AS feedback_manager,
           avg(score) FILTER (WHERE rater_relation = 'peer') AS feedback_peer,
           avg(score) FILTER (WHERE rater_relation = 'direct_report') AS feedback_direct_report,
           avg(score) FILTER (WHERE rater_relation <> 'self' AND lower(competency) LIKE '%leader%') AS feedback_leadership,
           count(*) FILTER (WHERE rater_relation <> 'self') AS feedback_responses
    FROM feedback_cycle WHERE cycle = latest_cycle GROUP BY employee_id
),
project_roles AS (
    SELECT employee_id,
           count(*) AS projects,
           count(*) FILTER (WHERE role = 'lead') AS projects_led,
           count(*) FILTER (WHERE cross_department) AS cross_department_projects,
           count(*) FILTER (WHERE cross_department AND role = 'lead') AS cross_department_projects_led,
           max(team_size) FILTER (WHERE role = 'lead') AS largest_team_led
    FROM projects WHERE in_batch(employee_id) GROUP BY employee_id
),
reports AS (
    SELECT manager_id AS employee_id, count(*) AS direct_reports
    FROM employees WHERE status = 'active' AND manager_id IS NOT NULL AND in_batch(manager_id) GROUP BY manager_id
),
promoted AS (
    SELECT employee_id, count(*) AS promotions, max(effective_date) AS last_promotion_date,
           max(effective_date) FILTER (WHERE {into_management}) AS promoted_into_management_date
    FROM promotions WHERE in_batch(employee_id) GROUP BY employee_id
),
base AS (
    SELECT e.employee_id, e.name, e.department, e.position, e.job_level, e.manager_id, e.hire_date,
           e.gender, e.location, e.status, e.exit_date, e.exit_reason,
           date_diff('year', e.birth_date, $today) - CASE WHEN strftime(e.birth_date, '%m%d') > strftime($today, '%m%d') THEN 1 ELSE 0 END AS age,
           round(date_diff('day', e.hire_date, coalesce(e.exit_date, $today)) / 365.25, 1) AS tenure_years,
           r.* EXCLUDE (employee_id, last_non_top_year, top_years),
           CASE WHEN r.top_years IS NULL THEN 0
                ELSE len(list_filter(r.top_years, lambda y: y > coalesce(r.last_non_top_year, 0))) END AS top_rating_streak,
           r.latest_annual_points + coalesce(r.latest_annual_score, 0) / 1000.0 AS performance_index,
           coalesce(t.courses_completed, 0) AS courses_completed,
           coalesce(t.courses_in_progress, 0) AS courses_in_progress,
           coalesce(t.courses_dropped, 0) AS courses_dropped,
           coalesce(t.training_hours, 0) AS training_hours,
           coalesce(t.training_hours_3y, 0) AS training_hours_3y,
           coalesce(t.leadership_training_hours, 0) AS leadership_training_hours,
           coalesce(t.leadership_courses, 0) AS leadership_courses,
           coalesce(t.external_courses, 0) AS external_courses,
           t.courses_completed / nullif(t.courses_completed + t.courses_dropped, 0) AS training_completion_rate,
           coalesce(c.valid_certifications, 0) AS valid_certifications,
           coalesce(c.certification_names, []) AS certification_names,
           f.* EXCLUDE (employee_id),
           coalesce(p.projects, 0) AS projects,
           coalesce(p.projects_led, 0) AS projects_led,
           coalesce(p.cross_department_projects, 0) AS cross_department_projects,
           coalesce(p.cross_department_projects_led, 0) AS cross_department_projects_led,
           p.largest_team_led,
           coalesce(d.direct_reports, 0) AS direct_reports,
           pr.skills, pr.external_training, pr.career_plan, pr.self_service_updated_at, list_filter(list_transform(string_split(coalesce(pr.skills, ''), ';'), lambda s: trim(s)), lambda s: s <> '') AS skill_list,
           pr.career_aspiration, coalesce(pr.career_plan_submitted, false) AS career_plan_submitted,
           greatest(pr.imported_updated_at, CAST(pr.self_service_updated_at AS DATE)) AS profile_updated_at,
           coalesce(m.promotions, 0) AS promotions, m.last_promotion_date, m.promoted_into_management_date
    FROM employees e
    LEFT JOIN ratings r USING (employee_id)
    LEFT JOIN training t USING (employee_id)
    LEFT JOIN certs c USING (employee_id)
    LEFT JOIN feedback f USING (employee_id)
    LEFT JOIN project_roles p USING (employee_id)
    LEFT JOIN reports d USING (employee_id)
    LEFT JOIN profile_values pr USING (employee_id)  -- imported profiles merged with self-service edits
    LEFT JOIN promoted m USING (employee_id)
    WHERE in_batch(e.employee_id)
),
ranked AS (
    SELECT *,
           {age_band} AS age_band,
           NULL::DOUBLE AS performance_top_share_company,  -- company-wide: COMPANY_RANKS_SQL
           NULL::DOUBLE AS performance_top_share_department,
           projects_led > 0 OR direct_reports > 0 AS has_management_experience
    FROM base
),
person AS (
SELECT *,
       -- A transparent 0-100 score until the potential model (issue #3) scores people:
       -- 35 % 3-year rating, 25 % 360 from others, 15 % leadership training (40 h = full),
       -- 15 % management experience, 10 % cross-department projects (2 = full).
       round(100 * (0.35 * coalesce((rating_points_3y - 1) / ({top_points} - 1), 0)
                  + 0.25 * coalesce((feedback_others - {fb_min}) / ({fb_max} - {fb_min}), 0)
                  + 0.15 * least(leadership_training_hours / 40.0, 1)
                  + 0.15 * CASE WHEN has_management_experience THEN 1 ELSE 0 END
                  + 0.10 * least(cross_department_projects / 2.0, 1)), 1) AS pool_score
FROM ranked
)
SELECT p.*, NULL::BOOLEAN AS rule_top_performance, NULL::DOUBLE AS rule_top_performance_share,  -- company-wide: COMPANY_RANKS_SQL
       NULL::BOOLEAN AS rule_top_with_management_experience, NULL::BOOLEAN AS meets_pool_rules,
       m.management_tier, m.is_seat AS holds_management_seat
FROM person p JOIN management_seat m USING (employee_id)
"""

# The mart: one row per person, their facts (PERSON_SQL) and the company-wide ranks and pool-rule selection.
EMPLOYEE_SQL = """
CREATE OR REPLACE TABLE analysis_employee AS
SELECT * FROM ({person}) ORDER BY department, employee_id
"""

# The ranks among everyone and the pool rules: one person's new rating moves other people's shares, so these are
# recomputed over the whole table after every build; the rows where they changed are written in row order (an update
# in the join's order took 7 s for 74,000 rows at 100,000 employees, in row order 0.1 s).
RANK_COLUMNS = ("performance_top_share_company", "performance_top_share_department", "rule_top_performance",
                "rule_top_performance_share", "rule_top_with_management_experience", "meets_pool_rules")
COMPANY_RANKS_SQL = f"""
CREATE OR REPLACE TEMP TABLE changed_ranks AS
WITH ranks AS (
    SELECT employee_id,
           CASE WHEN status = 'active' AND performance_index IS NOT NULL
                THEN cume_dist() OVER (PARTITION BY status = 'active' AND performance_index IS NOT NULL ORDER BY performance_index DESC) END AS performance_top_share_company,
           CASE WHEN status = 'active' AND performance_index IS NOT NULL
                THEN cume_dist() OVER (PARTITION BY department, status = 'active' AND performance_index IS NOT NULL ORDER BY performance_index DESC) END AS performance_top_share_department
    FROM analysis_employee
),
fresh AS (
    SELECT r.*, s.rule_top_performance, s.rule_top_performance_share, s.rule_top_with_management_experience, s.meets_pool_rules
    FROM ranks r JOIN pool_rule_selection s USING (employee_id)
)
SELECT a.rowid AS row_id, f.* EXCLUDE (employee_id)
FROM analysis_employee a JOIN fresh f USING (employee_id)
WHERE {" OR ".join(f"a.{c} IS DISTINCT FROM f.{c}" for c in RANK_COLUMNS)}
ORDER BY row_id;
UPDATE analysis_employee SET {", ".join(f"{c} = n.{c}" for c in RANK_COLUMNS)}
FROM changed_ranks n WHERE analysis_employee.rowid = n.row_id;
DROP TABLE changed_ranks;
"""
# What the ranks and the pool rules read: a batch that changes none of it for anyone (a new location, a course) leaves
# everyone's ranks and selection as they were.
RANK_INPUTS = "employee_id, status, department, performance_index, has_management_experience, career_plan_submitted"
RANK_INPUTS_MOVED_SQL = f"""
SELECT count(*) FROM (
    (SELECT {RANK_INPUTS} FROM analysis_employee WHERE in_batch(employee_id) EXCEPT SELECT {RANK_INPUTS} FROM ranks_before)
    UNION ALL
    (SELECT {RANK_INPUTS} FROM ranks_before EXCEPT SELECT {RANK_INPUTS} FROM analysis_employee WHERE in_batch(employee_id)))
"""
RANKS_KEPT_SQL = f"""
UPDATE analysis_employee SET {", ".join(f"{c} = b.{c}" for c in RANK_COLUMNS)}
FROM ranks_before b WHERE analysis_employee.employee_id = b.employee_id
"""

# The pool rules read the people's facts, not the rule columns they are about to replace.
POOL_RULE_SOURCE = f"(SELECT * EXCLUDE ({', '.join(RANK_COLUMNS[2:])}) FROM analysis_employee)"

DEPARTMENT_SQL = """
CREATE OR REPLACE TABLE analysis_department AS
SELECT department,
       count(*) FILTER (WHERE status = 'active') AS active_employees,
       count(*) FILTER (WHERE status = 'active' AND performance_index IS NOT NULL) AS rated_active,
       count(*) FILTER (WHERE status = 'left' AND exit_date >= $today - INTERVAL 12 MONTH) AS leavers_12m,
       count(*) FILTER (WHERE status = 'active' AND rule_top_performance) AS top_performers,
       count(*) FILTER (WHERE rule_top_with_management_experience) AS top_with_management_experience,
       count(*) FILTER (WHERE meets_pool_rules) AS pool_eligible,
       count(*) FILTER (WHERE status = 'active' AND career_aspiration = 'management') AS management_aspiration,
       count(*) FILTER (WHERE status = 'active' AND career_plan_submitted) AS career_plans_submitted,
       count(*) FILTER (WHERE status = 'active' AND direct_reports > 0) AS people_managers,
       avg(latest_annual_points) FILTER (WHERE status = 'active') AS avg_rating_points,
       avg(feedback_others) FILTER (WHERE status = 'active') AS avg_feedback_360,
       count(*) FILTER (WHERE promoted_into_management_date >= $today - INTERVAL 12 MONTH) AS promoted_into_management_12m
FROM analysis_employee GROUP BY department ORDER BY department
"""

RATING_SQL = """
CREATE OR REPLACE TABLE analysis_rating_distribution AS
SELECT o.year, e.department, r.rating, count(*) AS employees
FROM performance_ratings r JOIN person_department e USING (employee_id) JOIN period_order o USING (period)
WHERE o.kind = 'annual'
GROUP BY ALL ORDER BY year, department, rating
"""

# Each person's first completion of each course, keyed on the normalised course name, so a
# development plan's course item is done as soon as the training import shows it completed.
COURSE_COMPLETIONS_SQL = """
SELECT employee_id, lower(trim(course_name)) AS course_key, min(course_name) AS course_name,
       min(coalesce(completion_date, start_date)) AS completed_on
FROM training_records WHERE status = 'completed' AND in_batch(employee_id)
GROUP BY ALL
"""

# Bump when the analysis tables change shape: the app rebuilds older ones on start.
ANALYSIS_VERSION = 12  # 12: analysis_everyone_snapshots (everyone, with the flight-risk exit labels)

META_SQL = """
CREATE OR REPLACE TABLE analysis_meta AS
SELECT now()::TIMESTAMP AS built_at, $today AS as_of_date, $run_id::BIGINT AS run_id, $version::INTEGER AS analysis_version,
       (SELECT count(*) FROM employees) AS employees, $build_key::VARCHAR AS build_key
"""

# The people an import run touched: everyone with a row it loaded, and their managers before and after it (a
# manager's direct reports and their rating change are the manager's facts).
TOUCHED_SQL = """
CREATE OR REPLACE TEMP TABLE touched_people AS
WITH batch AS ({batch})
SELECT employee_id FROM batch
UNION SELECT manager_id FROM employees WHERE employee_id IN (SELECT employee_id FROM batch) AND manager_id IS NOT NULL
UNION SELECT manager_id FROM analysis_employee WHERE employee_id IN (SELECT employee_id FROM batch) AND manager_id IS NOT NULL
"""
# Above this share of everyone a full build is as quick as deleting and inserting their rows.
INCREMENTAL_MAX_SHARE = 0.2


def build_key(con: duckdb.DuckDBPyConnection, settings: Settings, today: date) -> str:
    """What every person's rows depend on besides their own records (the as-of date, the settings, the latest annual
    year, the snapshot dates, the attribute columns): a batch that leaves it unchanged can rebuild only its people."""
    last_annual = con.sql(f"SELECT year FROM ({LAST_ANNUAL_SQL})").fetchall()[0][0]
    return json.dumps({"version": ANALYSIS_VERSION, "as_of": str(today), "last_annual": last_annual,
                       "settings": hashlib.sha256(repr(settings).encode()).hexdigest(),
                       **snapshot_key(con, settings, today)}, sort_keys=True)


def _incremental_people(con: duckdb.DuckDBPyConnection, batch_run: int | None, key: str) -> str:
    """Fill touched_people with the batch's people and return '' when the build can be incremental, else why not."""
    if batch_run is None:
        return "not an import"
    tables = {r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}
    if "analysis_meta" not in tables or "build_key" not in {r[0] for r in con.sql("DESCRIBE analysis_meta").fetchall()}:
        return "no earlier build to update"
    if con.sql("SELECT build_key FROM analysis_meta").fetchall() != [(key,)]:
        return "the as-of date, settings, latest annual year, snapshot dates or attributes changed"
    batch = " UNION ".join(f"SELECT employee_id FROM {name} WHERE import_run_id = {int(batch_run)}" for name in ENTITIES)
    con.execute(TOUCHED_SQL.format(batch=batch))
    people, everyone = con.sql("SELECT (SELECT count(*) FROM touched_people), (SELECT count(*) FROM employees)").fetchall()[0]
    if people > INCREMENTAL_MAX_SHARE * everyone:
        return f"the batch touched {people:,} of {everyone:,} people"
    return ""


def build_analysis_tables(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: int, today: date, profile_edits=None,
                          *, batch_run: int | None = None) -> dict:
    """staging -> intermediate -> marts, each output contract checked before the batch is swapped in.
    profile_edits: the self-service profile edits (intermediate.build_profile_values); None keeps the last build's.
    batch_run: the import run just loaded: when it leaves build_key unchanged, only the rows of the people it touched
    are rebuilt (incremental), the small per-department tables and the company-wide ranks in full.
    Returns {"mode": "incremental"|"full", "people": rebuilt people and "ranks": recomputed|unchanged (incremental),
    "why": why full}."""
    points = settings.grade_points()
    fmt = {
        "age_band": age_band_sql("age"),
        "top_points": max(points.values()),
        "into_management": into_management_sql(settings),
        "fb_min": settings.feedback_min,
        "fb_max": settings.feedback_max,
        "last_annual": LAST_ANNUAL_SQL,
    }
    build_staged_facts(con, settings)
    key = build_key(con, settings, today)
    why = _incremental_people(con, batch_run, key)
    incremental = not why
    select_people(con, "touched_people" if incremental else None)
    build_person_facts(con, settings, incremental)
    build_profile_values(con, profile_edits, incremental)
    person = PERSON_SQL.format(**fmt)
    ranks_moved = True
    if incremental:
        con.execute(f"""CREATE OR REPLACE TEMP TABLE ranks_before AS
                        SELECT {RANK_INPUTS}, {", ".join(RANK_COLUMNS)} FROM analysis_employee WHERE in_batch(employee_id)""")
        replace_people_rows(con, "analysis_employee", person, "", True, {"today": today})
        ranks_moved = con.sql(RANK_INPUTS_MOVED_SQL).fetchall()[0][0] > 0
        if not ranks_moved:
            con.execute(RANKS_KEPT_SQL)
        con.execute("DROP TABLE ranks_before")
    else:
        con.execute(EMPLOYEE_SQL.format(person=person), {"today": today})
    if ranks_moved:
        build_pool_rule_selection(con, settings, POOL_RULE_SOURCE)
        con.execute(COMPANY_RANKS_SQL)
    build_potential_band(con)
    build_trend_series(con)  # the trends page's analysis-only series (pipelines/trend_series.py)
    con.execute(DEPARTMENT_SQL, {"today": today})
    con.execute(RATING_SQL)
    replace_people_rows(con, "analysis_course_completions", COURSE_COMPLETIONS_SQL, "employee_id, course_key", incremental)
    build_snapshots(con, settings, today, incremental)
    build_assessment(con, settings, today, incremental)
    check_analysis_contracts(con)
    con.execute(META_SQL, {"today": today, "run_id": run_id, "version": ANALYSIS_VERSION, "build_key": key})
    people = con.sql("SELECT count(*) FROM touched_people").fetchall()[0][0] if incremental else None
    select_people(con, None)
    con.execute("DROP TABLE IF EXISTS touched_people")
    return {"mode": "incremental", "people": people, "ranks": "recomputed" if ranks_moved else "unchanged"} if incremental \
        else {"mode": "full", "why": why}
