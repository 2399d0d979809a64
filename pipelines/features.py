"""Point-in-time features for the potential model: one row per employee and snapshot date.

Each snapshot sees only what was known on its date (ratings, training, 360s, projects, profiles and
promotions dated on or before it), so a model trained on old snapshots cannot peek at the future.
Counts use fixed windows (training: 2 years of leadership hours, 1 year of all hours and courses;
projects: started in the last 2 years), so a later snapshot does not look better just for having
more history on record.
The label: promoted into management within `horizon_years` after the snapshot; the strict label also
asks for a rating of at least `strict_min_grade` in the year after the promotion.
Protected attributes (gender, age band) are kept for the fairness audit only, never as features.
"""
from __future__ import annotations

from datetime import date

import duckdb

from .settings import Settings, age_band_sql

SNAPSHOT_SQL = """
CREATE OR REPLACE TABLE analysis_snapshots AS
WITH grade_points(rating, points) AS (VALUES {grade_values}),
bounds AS (SELECT min(CAST(left(period, 4) AS INTEGER)) AS first_year FROM performance_ratings WHERE length(period) = 4),
snapshots AS (
    SELECT make_date(y, 12, 31) AS as_of, make_date(y, 12, 31) + INTERVAL {horizon} YEAR <= $today AS label_complete
    FROM bounds, range(coalesce(first_year, year($today)), year($today)) t(y)
    UNION ALL SELECT $today, false
),
people AS (
    SELECT s.as_of, s.label_complete, e.employee_id, e.department, e.gender,
           e.job_level - coalesce((SELECT sum(p.to_level - p.from_level) FROM promotions p
                                   WHERE p.employee_id = e.employee_id AND p.effective_date > s.as_of), 0) AS level_at,
           date_diff('day', e.hire_date, s.as_of) / 365.25 AS tenure_years,
           date_diff('year', e.birth_date, s.as_of) AS age
    FROM snapshots s JOIN employees e ON e.hire_date <= s.as_of AND (e.exit_date IS NULL OR e.exit_date > s.as_of)
),
annual AS (
    SELECT p.as_of, r.employee_id, CAST(r.period AS INTEGER) AS year, g.points
    FROM people p JOIN performance_ratings r ON r.employee_id = p.employee_id AND length(r.period) = 4
         AND CAST(r.period AS INTEGER) <= year(p.as_of)
    JOIN grade_points g USING (rating)
),
ratings AS (
    SELECT as_of, employee_id,
           arg_max(points, year) AS rating_last,
           avg(points) FILTER (WHERE year >= year(as_of) - 2) AS rating_avg_3y,
           CASE WHEN count(*) FILTER (WHERE year >= year(as_of) - 2) >= 2
                THEN regr_slope(points, year) FILTER (WHERE year >= year(as_of) - 2) END AS rating_trend_3y,
           count(*) AS ratings_count
    FROM annual GROUP BY ALL
),
training AS (
    SELECT p.as_of, t.employee_id,
           coalesce(sum(t.hours) FILTER (WHERE t.category IN ('leadership', 'management')), 0) AS leadership_hours,
           coalesce(sum(t.hours) FILTER (WHERE coalesce(t.completion_date, t.start_date) > p.as_of - INTERVAL 1 YEAR), 0) AS training_hours,
           count(*) FILTER (WHERE coalesce(t.completion_date, t.start_date) > p.as_of - INTERVAL 1 YEAR) AS courses_completed
    FROM people p JOIN training_records t ON t.employee_id = p.employee_id AND t.status = 'completed'
         AND coalesce(t.completion_date, t.start_date) <= p.as_of
         AND coalesce(t.completion_date, t.start_date) > p.as_of - INTERVAL 2 YEAR
    GROUP BY ALL
),
certs AS (
    SELECT p.as_of, c.employee_id, count(*) AS certifications
    FROM people p JOIN certifications c ON c.employee_id = p.employee_id AND c.issued_date <= p.as_of
         AND (c.expiry_date IS NULL OR c.expiry_date > p.as_of)
    GROUP BY ALL
),
fb_cycle AS (
    SELECT p.as_of, f.employee_id, max(f.cycle) AS cycle
    FROM people p JOIN feedback_360 f ON f.employee_id = p.employee_id AND CAST(left(f.cycle, 4) AS INTEGER) <= year(p.as_of)
    GROUP BY ALL
),
feedback AS (
    SELECT c.as_of, f.employee_id,
           avg(f.score) FILTER (WHERE f.rater_relation <> 'self') AS feedback_others,
           avg(f.score) FILTER (WHERE f.rater_relation = 'manager') AS feedback_manager,
           avg(f.score) FILTER (WHERE f.rater_relation = 'peer') AS feedback_peer,
           avg(f.score) FILTER (WHERE f.rater_relation = 'direct_report') AS feedback_direct_report,
           avg(f.score) FILTER (WHERE f.rater_relation <> 'self' AND lower(f.competency) LIKE '%leader%') AS feedback_leadership,
           avg(f.score) FILTER (WHERE f.rater_relation = 'self') - avg(f.score) FILTER (WHERE f.rater_relation <> 'self') AS feedback_self_gap
    FROM fb_cycle c JOIN feedback_360 f ON f.employee_id = c.employee_id AND f.cycle = c.cycle
    GROUP BY ALL
),
project_roles AS (
    SELECT p.as_of, j.employee_id,
           count(*) FILTER (WHERE j.role = 'lead') AS projects_led,
           count(*) FILTER (WHERE j.cross_department) AS cross_department_projects,
           count(*) AS projects
    FROM people p JOIN projects j ON j.employee_id = p.employee_id AND j.start_date <= p.as_of
         AND j.start_date > p.as_of - INTERVAL 2 YEAR
    GROUP BY ALL
),
aspiration AS (
    SELECT p.as_of, pr.employee_id, pr.career_aspiration, pr.career_plan_submitted
    FROM people p JOIN profiles pr ON pr.employee_id = p.employee_id AND pr.updated_at <= p.as_of
),
outcome AS (
    SELECT p.as_of, m.employee_id, min(m.effective_date) AS promoted_on
    FROM people p JOIN promotions m ON m.employee_id = p.employee_id AND m.into_management
         AND m.effective_date > p.as_of AND m.effective_date <= p.as_of + INTERVAL {horizon} YEAR
    GROUP BY ALL
),
rated_after AS (
    SELECT o.as_of, o.employee_id, max(g.points) AS points_after
    FROM outcome o JOIN performance_ratings r ON r.employee_id = o.employee_id AND length(r.period) = 4
         AND CAST(r.period AS INTEGER) = year(o.promoted_on) + 1
    JOIN grade_points g USING (rating) GROUP BY ALL
)
SELECT p.as_of, p.label_complete, p.employee_id, p.department, p.gender,
       {age_band} AS age_band,
       p.level_at, round(p.tenure_years, 2) AS tenure_years,
       r.rating_last, r.rating_avg_3y, r.rating_trend_3y, coalesce(r.ratings_count, 0) AS ratings_count,
       coalesce(t.leadership_hours, 0) AS leadership_hours, coalesce(t.training_hours, 0) AS training_hours,
       coalesce(t.courses_completed, 0) AS courses_completed, coalesce(c.certifications, 0) AS certifications,
       f.feedback_others, f.feedback_manager, f.feedback_peer, f.feedback_direct_report, f.feedback_leadership, f.feedback_self_gap,
       coalesce(j.projects_led, 0) AS projects_led, coalesce(j.cross_department_projects, 0) AS cross_department_projects,
       coalesce(j.projects, 0) AS projects,
       coalesce(a.career_aspiration, 'unknown') AS career_aspiration, coalesce(a.career_plan_submitted, false) AS career_plan_submitted,
       o.promoted_on IS NOT NULL AS label,
       o.promoted_on IS NOT NULL AND coalesce(ra.points_after, 0) >= {strict_points} AS label_strict
FROM people p
LEFT JOIN ratings r USING (as_of, employee_id)
LEFT JOIN training t USING (as_of, employee_id)
LEFT JOIN certs c USING (as_of, employee_id)
LEFT JOIN feedback f USING (as_of, employee_id)
LEFT JOIN project_roles j USING (as_of, employee_id)
LEFT JOIN aspiration a USING (as_of, employee_id)
LEFT JOIN outcome o USING (as_of, employee_id)
LEFT JOIN rated_after ra USING (as_of, employee_id)
WHERE p.level_at < {management_level}
ORDER BY p.as_of, p.employee_id
"""


def build_snapshots(con: duckdb.DuckDBPyConnection, settings: Settings, today: date) -> None:
    model = settings.model
    points = settings.grade_points()
    con.execute(
        SNAPSHOT_SQL.format(
            grade_values=settings.grade_values_sql(),
            age_band=age_band_sql("p.age"),
            horizon=int(model["horizon_years"]),
            strict_points=points[model["strict_min_grade"]],
            management_level=int(model["management_level"]),
        ),
        {"today": today},
    )
