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
- self_service_edits, profile_merge, profile_values: the self-service profile (issue #18) merged with the imported
  profiles, per person and field the newer wins (profile_merge_sql below); the pool rules and analysis_employee read
  profile_values, never profiles directly.
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
SELECT employee_id, department FROM employees WHERE in_batch(employee_id)
"""

MANAGEMENT_SEAT_SQL = """
WITH tiered AS (
    SELECT employee_id, department, position, job_level, status,
           CASE WHEN job_level IS NULL THEN NULL
                WHEN job_level < {management_level} THEN 'below_management'
                WHEN {executive_level} OR {executive_title} THEN 'executive'
                ELSE 'middle_management' END AS management_tier
    FROM employees WHERE in_batch(employee_id)
)
SELECT *, coalesce(management_tier = 'middle_management', false) AS is_seat FROM tiered
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


def select_people(con: duckdb.DuckDBPyConnection, people: str | None) -> None:
    """The in_batch(employee_id) macro every per-person build query filters with: everyone (people=None, a full
    build), or the people listed in the temp table `people` (an incremental build after a small batch)."""
    body = "true" if people is None else f"id IN (SELECT employee_id FROM {people})"
    con.execute(f"CREATE OR REPLACE TEMP MACRO in_batch(id) AS {body}")


def replace_people_rows(con: duckdb.DuckDBPyConnection, table: str, select: str, order: str, incremental: bool,
                        params: dict | None = None) -> None:
    """A per-person table from `select` (which filters with in_batch): made anew in a full build; in an incremental
    one the selected people's rows are deleted and inserted again (same transaction: readers see all or none)."""
    if incremental:
        con.execute(f"DELETE FROM {table} WHERE in_batch(employee_id)")
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM ({select})", params)
    else:
        con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM ({select}) ORDER BY {order}", params)


def build_staged_facts(con: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """The facts that read only the imported tables and are the same for everyone: grade points, period order."""
    con.execute(GRADE_POINTS_SQL.format(values=settings.grade_values_sql()))
    con.execute(PERIOD_ORDER_SQL)


def build_person_facts(con: duckdb.DuckDBPyConnection, settings: Settings, incremental: bool = False) -> None:
    """The per-person facts that read only the imported tables: department, seat (in_batch's people when incremental)."""
    replace_people_rows(con, "person_department", PERSON_DEPARTMENT_SQL, "employee_id", incremental)
    org = settings.organisation
    replace_people_rows(con, "management_seat", MANAGEMENT_SEAT_SQL.format(
        management_level=int(org.management_level),
        executive_level=f"job_level >= {int(org.executive_level)}" if org.executive_level is not None else "false",
        executive_title=executive_title_sql(settings),
    ), "employee_id", incremental)


def build_pool_rule_selection(con: duckdb.DuckDBPyConnection, settings: Settings, source: str) -> None:
    """pool_rule_selection from a relation with one row per person (status, department, performance_index,
    has_management_experience, career_plan_submitted)."""
    con.execute(POOL_RULE_SELECTION_SQL.format(
        selection=pool_rule_selection_sql(source, settings.rules),
        require_mgmt=str(not settings.rules.require_management_experience).lower(),
    ))


# --- self-service profiles (issue #18) -----------------------------------------------------------------
# The fields an employee keeps on their own profile. The build is handed the latest edit per person and field by the
# service that starts it (services.self_service.edits_for_build) and keeps them in self_service_edits, so a rebuild
# that is handed none (the model's as-of rebuild, a plain `python -m pipelines ingest`) keeps the last ones it had.
SELF_SERVICE_FIELDS = ("skills", "external_training", "career_aspiration", "career_plan")
SELF_SERVICE_EDITS_DDL = """CREATE TABLE IF NOT EXISTS self_service_edits (
    employee_id VARCHAR, field VARCHAR, value VARCHAR, edited_by VARCHAR, edited_at TIMESTAMP)"""

# Per person and field: the imported value (profiles; its date is the export's updated_at) and the latest self-service
# edit; the newer one counts (an edit on the day of the export's date counts: the person spoke last). An imported
# value the export leaves empty states nothing and never replaces an edit. The one that does not count stays in the
# history: imported_not_applied marks an imported value older than an edit (the Data page counts them), and the
# workspace keeps every edit. career_plan: the export says only whether a plan was submitted; an edit gives its text.
PROFILE_MERGE_SQL = """
WITH batch_profiles AS (SELECT * FROM profiles WHERE in_batch(employee_id)),
imported AS (
    SELECT employee_id, 'skills' AS field, skills AS imported_value, updated_at AS imported_on, import_run_id FROM batch_profiles WHERE skills IS NOT NULL
    UNION ALL SELECT employee_id, 'career_aspiration', career_aspiration, updated_at, import_run_id FROM batch_profiles WHERE career_aspiration IS NOT NULL
    UNION ALL SELECT employee_id, 'career_plan', CAST(career_plan_submitted AS VARCHAR), updated_at, import_run_id FROM batch_profiles
              WHERE career_plan_submitted IS NOT NULL
),
edits AS (
    SELECT employee_id, field, arg_max(value, edited_at) AS edit_value, arg_max(edited_by, edited_at) AS edited_by, max(edited_at) AS edited_at
    FROM self_service_edits WHERE employee_id IN (SELECT employee_id FROM employees) AND in_batch(employee_id) GROUP BY ALL
),
joined AS (
    SELECT coalesce(i.employee_id, e.employee_id) AS employee_id, coalesce(i.field, e.field) AS field,
           i.imported_value, i.imported_on, i.import_run_id, e.edit_value, e.edited_by, e.edited_at,
           CASE WHEN e.edited_at IS NULL THEN 'import' WHEN i.imported_on IS NULL OR e.edited_at >= i.imported_on THEN 'self_service'
                ELSE 'import' END AS counts
    FROM imported i FULL JOIN edits e ON e.employee_id = i.employee_id AND e.field = i.field
)
SELECT *, CASE WHEN counts = 'self_service' THEN edit_value ELSE imported_value END AS value,
       counts = 'self_service' AND imported_value IS NOT NULL
           AND imported_value IS DISTINCT FROM CASE WHEN field = 'career_plan' THEN CAST(coalesce(trim(edit_value), '') <> '' AS VARCHAR)
                                                    ELSE edit_value END AS imported_not_applied
FROM joined
"""

HANDED_EDITS_SQL = """SELECT employee_id, field, value, edited_by, CAST(edited_at AS TIMESTAMP) AS edited_at
    FROM _handed_edits WHERE field IN (SELECT unnest($fields))"""

# One row per person with a profile from either source: what the pool rules and analysis_employee read.
PROFILE_VALUES_SQL = """
SELECT m.employee_id,
       any_value(value) FILTER (WHERE field = 'skills') AS skills,
       any_value(value) FILTER (WHERE field = 'career_aspiration') AS career_aspiration,
       coalesce(any_value(CASE WHEN counts = 'self_service' THEN coalesce(trim(value), '') <> '' ELSE TRY_CAST(value AS BOOLEAN) END)
                FILTER (WHERE field = 'career_plan'), false) AS career_plan_submitted,
       any_value(value) FILTER (WHERE field = 'career_plan' AND counts = 'self_service') AS career_plan,
       any_value(value) FILTER (WHERE field = 'external_training') AS external_training,
       any_value(p.updated_at) AS imported_updated_at,
       max(edited_at) FILTER (WHERE counts = 'self_service') AS self_service_updated_at
FROM profile_merge m LEFT JOIN profiles p USING (employee_id)
WHERE in_batch(m.employee_id)
GROUP BY m.employee_id
"""


def build_profile_values(con: duckdb.DuckDBPyConnection, edits=None, incremental: bool = False) -> None:
    """profile_merge and profile_values from the imported profiles and the self-service edits. edits: a polars frame
    (employee_id, field, value, edited_by, edited_at) handed in by the service that builds; None keeps the edits of
    the last build. incremental: only the people in touched_people (see analysis.py), to whom the people whose
    edits changed since the last build are added."""
    con.execute(SELF_SERVICE_EDITS_DDL)
    if edits is not None:
        con.register("_handed_edits", edits)
        try:
            if incremental:
                con.execute("""INSERT INTO touched_people
                    SELECT DISTINCT employee_id FROM (
                        (SELECT * FROM self_service_edits EXCEPT SELECT * FROM ({handed}))
                        UNION ALL (SELECT * FROM ({handed}) EXCEPT SELECT * FROM self_service_edits))
                    WHERE employee_id NOT IN (SELECT employee_id FROM touched_people)""".format(handed=HANDED_EDITS_SQL),
                            {"fields": list(SELF_SERVICE_FIELDS)})
            con.execute("DELETE FROM self_service_edits")
            con.execute(f"INSERT INTO self_service_edits {HANDED_EDITS_SQL}", {"fields": list(SELF_SERVICE_FIELDS)})
        finally:
            con.unregister("_handed_edits")
    replace_people_rows(con, "profile_merge", PROFILE_MERGE_SQL, "employee_id, field", incremental)
    replace_people_rows(con, "profile_values", PROFILE_VALUES_SQL, "employee_id", incremental)


def profile_merge_counts(con: duckdb.DuckDBPyConnection) -> dict:
    """What the last merge did: self-service values that count, and imported values older than an edit (not applied)."""
    counted, kept = con.sql("""SELECT count(*) FILTER (WHERE counts = 'self_service'), count(*) FILTER (WHERE imported_not_applied)
                               FROM profile_merge""").fetchall()[0]
    return {"self_service_values": counted, "imported_not_applied": kept}


def build_potential_band(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(POTENTIAL_BAND_SQL)
