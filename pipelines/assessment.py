"""The composite assessment score: quantitative + qualitative indicators with per-department weights.

Each indicator is 0-100; a part is the weighted mean of its available indicators, the composite the
weighted mean of its parts. Weights come from config/talent.toml [assessment], overridable per department.
"""
from __future__ import annotations

from datetime import date

import duckdb
import polars as pl

from .intermediate import replace_people_rows
from .settings import Settings

QUANTITATIVE = ("performance", "team_rating_improvement", "projects_delivered")
QUALITATIVE = ("leadership_360", "strategic_thinking_360", "collaboration_360")

# Per person (in_batch: everyone, or the people a batch touched, their managers included) into {table}.
INDICATORS_SQL = """
CREATE OR REPLACE {temp} TABLE {table} AS
WITH annual AS (
    SELECT r.employee_id, o.year, g.points, r.score
    FROM performance_ratings r JOIN grade_points g USING (rating) JOIN period_order o USING (period) WHERE o.kind = 'annual'
),
last_year AS (SELECT max(year) AS y FROM annual),
report_change AS (
    SELECT e.manager_id AS employee_id,
           avg(now_.points - before_.points) AS change, count(*) AS reports_rated
    FROM employees e
    JOIN annual now_ ON now_.employee_id = e.employee_id AND now_.year = (SELECT y FROM last_year)
    JOIN annual before_ ON before_.employee_id = e.employee_id AND before_.year = (SELECT y FROM last_year) - 1
    WHERE e.status = 'active' AND e.manager_id IS NOT NULL AND in_batch(e.manager_id) GROUP BY e.manager_id
),
led AS (
    SELECT employee_id, count(*) FILTER (WHERE end_date IS NOT NULL) / count(*) AS delivered
    FROM projects WHERE role = 'lead' AND start_date <= $today - INTERVAL 1 YEAR AND in_batch(employee_id) GROUP BY employee_id
),
latest_cycle AS (
    SELECT f.employee_id, arg_max(f.cycle, o.sort_key) AS cycle
    FROM feedback_360 f JOIN period_order o ON o.period = f.cycle WHERE in_batch(f.employee_id) GROUP BY f.employee_id
),
competency AS (
    SELECT f.employee_id,
           avg(f.score) FILTER (WHERE lower(f.competency) LIKE '%leader%') AS leadership,
           avg(f.score) FILTER (WHERE lower(f.competency) LIKE '%strateg%') AS strategic,
           avg(f.score) FILTER (WHERE lower(f.competency) LIKE '%collab%') AS collaboration
    FROM feedback_360 f JOIN latest_cycle USING (employee_id, cycle)
    WHERE f.rater_relation <> 'self' GROUP BY f.employee_id
)
SELECT a.employee_id, a.department,
       CASE WHEN a.latest_annual_score IS NOT NULL THEN a.latest_annual_score
            WHEN a.latest_annual_points IS NOT NULL THEN 100.0 * (a.latest_annual_points - 1) / ({top_points} - 1) END AS performance,
       CASE WHEN rc.reports_rated > 0 THEN 100.0 * (least(greatest(rc.change, -1), 1) + 1) / 2 END AS team_rating_improvement,
       100.0 * l.delivered AS projects_delivered,
       100.0 * (c.leadership - {fb_min}) / ({fb_max} - {fb_min}) AS leadership_360,
       100.0 * (c.strategic - {fb_min}) / ({fb_max} - {fb_min}) AS strategic_thinking_360,
       100.0 * (c.collaboration - {fb_min}) / ({fb_max} - {fb_min}) AS collaboration_360
FROM analysis_employee a
LEFT JOIN report_change rc USING (employee_id)
LEFT JOIN led l USING (employee_id)
LEFT JOIN competency c USING (employee_id)
WHERE a.status = 'active' AND in_batch(a.employee_id)
"""


def department_weights(settings: Settings, departments: list[str]) -> pl.DataFrame:
    """One row per department (and '*' for the default) with every weight, overrides applied."""
    base = settings.assessment
    rows = []
    for dept in ["*", *departments]:
        over = base.get("departments", {}).get(dept, {}) if dept != "*" else {}
        row = {"department": dept, "w_quantitative": float(over.get("quantitative", base["quantitative"])),
               "w_qualitative": float(over.get("qualitative", base["qualitative"]))}
        for part, names in (("quantitative_parts", QUANTITATIVE), ("qualitative_parts", QUALITATIVE)):
            merged = {**base[part], **over.get(part, {})}
            row.update({f"w_{n}": float(merged.get(n, 0)) for n in names})
        rows.append(row)
    return pl.DataFrame(rows)


def _weighted(names: tuple[str, ...]) -> str:
    num = " + ".join(f"coalesce(i.{n} * w.w_{n}, 0)" for n in names)
    den = " + ".join(f"CASE WHEN i.{n} IS NOT NULL THEN w.w_{n} ELSE 0 END" for n in names)
    return f"({num}) / nullif({den}, 0)"


def build_assessment(con: duckdb.DuckDBPyConnection, settings: Settings, today: date, incremental: bool = False) -> None:
    """analysis_assessment; incremental: only the rows of the people in_batch selects (deleted and inserted again)."""
    points = settings.grade_points()
    table, temp = ("assessment_rows", "TEMP") if incremental else ("analysis_assessment", "")
    con.execute(INDICATORS_SQL.format(
        top_points=max(points.values()), fb_min=settings.feedback_min, fb_max=settings.feedback_max, table=table, temp=temp,
    ), {"today": today})
    departments = [r[0] for r in con.sql(f"SELECT DISTINCT department FROM {table}").fetchall()]
    con.register("staged_weights", department_weights(settings, departments).to_arrow())
    try:
        con.execute(f"""
            CREATE OR REPLACE {temp} TABLE {table} AS
            WITH parts AS (
                SELECT i.*, {_weighted(QUANTITATIVE)} AS quantitative_score, {_weighted(QUALITATIVE)} AS qualitative_score,
                       w.w_quantitative, w.w_qualitative
                FROM {table} i
                JOIN staged_weights w ON w.department = CASE WHEN i.department IN (SELECT department FROM staged_weights) THEN i.department ELSE '*' END
            )
            SELECT * EXCLUDE (w_quantitative, w_qualitative),
                   round((coalesce(quantitative_score * w_quantitative, 0) + coalesce(qualitative_score * w_qualitative, 0))
                         / nullif(CASE WHEN quantitative_score IS NOT NULL THEN w_quantitative ELSE 0 END
                                  + CASE WHEN qualitative_score IS NOT NULL THEN w_qualitative ELSE 0 END, 0), 1) AS composite_score,
                   w_quantitative AS quantitative_weight, w_qualitative AS qualitative_weight
            FROM parts ORDER BY employee_id""")
    finally:
        con.unregister("staged_weights")
    if incremental:
        replace_people_rows(con, "analysis_assessment", f"SELECT * FROM {table}", "employee_id", True)
        con.execute(f"DROP TABLE {table}")
