"""The intermediate layer of the analysis database: each derived fact computed once, as a named table
or view, and read by every mart, page query, review, export and the model's rules baseline.

staging (the imported entity tables) -> intermediate (this module) -> marts (analysis_employee, …)

- grade_points (rating, points): the rating scale, A > B+ > … as len(grades) … 1.
- period_order (period, year, kind, period_end, sort_key): every rating period, 360 cycle and attribute
  period. kind is annual / half / quarter; sort_key orders by period_end, then quarter < half < annual
  on the same end date (2025-Q4 < 2025-H2 < 2025).
- person_department (employee_id, department): a person's department is the one of the latest import.
- management_seat (employee_id, department, position, job_level, status, management_tier, is_seat):
  management_tier is below_management (job level under [model] management_level), middle_management,
  or executive ([organisation] executive_level and above, or a title matching executive_titles);
  NULL when the level is unknown. A middle-management seat is a middle_management holder.
- pool_rule_selection (employee_id, department, performance_index, rule_top_performance,
  rule_top_performance_share, has_management_experience, career_plan_submitted, meets_pool_rules): the
  pool rules per person. The model's rules baseline applies the same SQL (pool_rule_selection_sql)
  to its point-in-time snapshots.
- potential_band (view: employee_id, potential_value, potential_source, potential): company-wide thirds
  of the potential of active people below management: the model's score when a model has scored
  (model_scores is written after the build, hence a view), else the transparent pool score.
"""
from __future__ import annotations

import duckdb

from .settings import PoolRules, Settings

GRADE_POINTS_SQL = """
CREATE OR REPLACE TABLE grade_points AS
SELECT rating, points FROM (VALUES {values}) g(rating, points) ORDER BY points DESC
"""

PERIOD_ORDER_SQL = """
CREATE OR REPLACE TABLE period_order AS
WITH periods AS (
    SELECT period FROM performance_ratings
    UNION SELECT cycle FROM feedback_360
    UNION SELECT period FROM employee_attributes
),
parsed AS (
    SELECT period, CAST(left(period, 4) AS INTEGER) AS year,
           CASE WHEN length(period) = 4 THEN 'annual' WHEN period LIKE '%-H_' THEN 'half' ELSE 'quarter' END AS kind
    FROM periods WHERE period IS NOT NULL
),
ended AS (
    SELECT *, CASE kind WHEN 'annual' THEN make_date(year, 12, 31)
                        WHEN 'half' THEN CASE WHEN right(period, 1) = '1' THEN make_date(year, 6, 30) ELSE make_date(year, 12, 31) END
                        ELSE last_day(make_date(year, 3 * CAST(right(period, 1) AS INTEGER), 1)) END AS period_end
    FROM parsed
)
SELECT period, year, kind, period_end,
       CAST(strftime(period_end, '%Y%m%d') AS BIGINT) * 10 + CASE kind WHEN 'quarter' THEN 1 WHEN 'half' THEN 2 ELSE 3 END AS sort_key
FROM ended ORDER BY sort_key
"""

# A person's department: the one in the latest import. Every scope check, pool count and reviewer choice reads this.
PERSON_DEPARTMENT_SQL = """
CREATE OR REPLACE TABLE person_department AS
SELECT employee_id, department FROM employees ORDER BY employee_id
"""

MANAGEMENT_SEAT_SQL = """
CREATE OR REPLACE TABLE management_seat AS
WITH tiered AS (
    SELECT employee_id, department, position, job_level, status,
           CASE WHEN job_level IS NULL THEN NULL
                WHEN job_level < {management_level} THEN 'below_management'
                WHEN {executive_level} OR {executive_title} THEN 'executive'
                ELSE 'middle_management' END AS management_tier
    FROM employees
)
SELECT *, coalesce(management_tier = 'middle_management', false) AS is_seat FROM tiered ORDER BY employee_id
"""

POTENTIAL_BAND_SQL = """
CREATE OR REPLACE VIEW potential_band AS
WITH source AS (SELECT CASE WHEN EXISTS (SELECT 1 FROM model_scores) THEN 'model' ELSE 'score' END AS potential_source),
candidates AS (
    SELECT a.employee_id, CASE WHEN s.potential_source = 'model' THEN m.score ELSE a.pool_score END AS potential_value,
           s.potential_source
    FROM analysis_employee a CROSS JOIN source s LEFT JOIN model_scores m USING (employee_id)
    WHERE a.status = 'active' AND a.management_tier = 'below_management'
)
SELECT employee_id, potential_value, potential_source,
       ['low', 'medium', 'high'][ntile(3) OVER (ORDER BY potential_value, employee_id)] AS potential
FROM candidates WHERE potential_value IS NOT NULL
"""


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def executive_title_sql(settings: Settings, column: str = "position") -> str:
    """True when the title matches one of [organisation] executive_titles ('*' any text, case ignored)."""
    patterns = [p.replace("%", r"\%").replace("_", r"\_").replace("*", "%") for p in settings.organisation.executive_titles]
    if not patterns:
        return "false"
    return "(" + " OR ".join(f"coalesce(trim({column}) ILIKE {_sql_text(p)} ESCAPE '\\', false)" for p in patterns) + ")"


def top_share_rule(source: str, value: str, target: float, partition: str | None = None,
                   eligible: str = "TRUE", name: str = "rule_top_performance") -> str:
    """The pool rule "performance in the top X %", on any scale.

    People are ranked by `value` (higher is better) among the eligible people of their partition; the
    rule keeps the best values (grades) whose combined share of those people is closest to `target`.
    Ties are never split: everyone with a kept grade is kept. When no combination is closer to the
    target than keeping nobody (the best grade alone holds more than twice the target), nobody is
    kept; when two are equally close, the smaller wins. Returns a SELECT over `source` with every
    column plus `name` (boolean) and `name`_share (the share the rule keeps in the person's partition).
    """
    by = f"{partition}, " if partition else ""
    rank_in = f"({eligible}) AND {value} IS NOT NULL"
    t = round(float(target), 9)
    return f"""
    SELECT * EXCLUDE (_share, _key, _best_key, _cut, _cut_share),
           coalesce({rank_in} AND _best_key < {t} AND {value} >= _cut, false) AS {name},
           CASE WHEN _best_key < {t} THEN _cut_share ELSE 0.0 END AS {name}_share
    FROM (
        SELECT *, min(_key) OVER w AS _best_key, arg_min({value}, _key) OVER w AS _cut, arg_min(_share, _key) OVER w AS _cut_share
        FROM (
            SELECT *, round(abs(_share - {t}), 9) + _share * 1e-10 AS _key
            FROM (
                SELECT *, CASE WHEN {rank_in} THEN cume_dist() OVER (PARTITION BY {by}{rank_in} ORDER BY {value} DESC) END AS _share
                FROM {source}
            )
        )
        WINDOW w AS (PARTITION BY {by}{rank_in})
    )"""


def pool_rule_selection_sql(source: str, rules: PoolRules, eligible: str = "status = 'active'") -> str:
    """The pool rules over `source` (employee_id, department, performance_index, has_management_experience,
    career_plan_submitted and whatever `eligible` reads): every column plus rule_top_performance,
    rule_top_performance_share, and meets_pool_rules. The one selection the analysis tables, the overview's
    funnel and the model's rules baseline use."""
    top = top_share_rule(source, "performance_index", rules.top_performance_share,
                         partition="department" if rules.performance_scope == "department" else None,
                         eligible=eligible, name="rule_top_performance")
    return f"""
    SELECT *, coalesce(({eligible})
                 AND rule_top_performance
                 AND ({str(not rules.require_management_experience).lower()} OR has_management_experience)
                 AND ({str(not rules.require_career_plan).lower()} OR career_plan_submitted), false) AS meets_pool_rules
    FROM ({top})"""


POOL_RULE_SELECTION_SQL = """
CREATE OR REPLACE TABLE pool_rule_selection AS
SELECT employee_id, department, performance_index, rule_top_performance, rule_top_performance_share,
       has_management_experience, career_plan_submitted,
       rule_top_performance AND ({require_mgmt} OR has_management_experience) AS rule_top_with_management_experience,
       meets_pool_rules
FROM ({selection}) ORDER BY employee_id
"""


def build_staged_facts(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The facts that read only the imported tables: grade points, period order, department, seat."""
    con.execute(GRADE_POINTS_SQL.format(values=settings.grade_values_sql()))
    con.execute(PERIOD_ORDER_SQL)
    con.execute(PERSON_DEPARTMENT_SQL)
    org = settings.organisation
    con.execute(MANAGEMENT_SEAT_SQL.format(
        management_level=int(org.management_level),
        executive_level=f"job_level >= {int(org.executive_level)}" if org.executive_level is not None else "false",
        executive_title=executive_title_sql(settings),
    ))


def build_pool_rule_selection(con: duckdb.DuckDBPyConnection, settings: Settings, source: str) -> None:
    """pool_rule_selection from a relation with one row per person (status, department, performance_index,
    has_management_experience, career_plan_submitted)."""
    con.execute(POOL_RULE_SELECTION_SQL.format(
        selection=pool_rule_selection_sql(source, settings.rules),
        require_mgmt=str(not settings.rules.require_management_experience).lower(),
    ))


def build_potential_band(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(POTENTIAL_BAND_SQL)
