"""Point-in-time features for the potential model: one row per employee and snapshot date.

Snapshot dates come from the data: the ends of the rating periods present (annual periods when
there are any, e.g. 2024 → 2024-12-31; otherwise half-years and quarters, 2025-H1 → 2025-06-30),
plus the analysis as-of date (the snapshot that is scored). Without any rating, the one snapshot
with a closed label window is the as-of date minus the horizon.

Each snapshot sees only what was known on its date (ratings, training, 360s, projects, profiles,
promotions and dated attributes on or before it), so a model trained on old snapshots cannot peek
at the future. Counts use fixed windows (training: 2 years of leadership hours and scores, 1 year of
all hours and courses; projects: started in the last 2 years), so a later snapshot does not look
better just for having more history on record.

Labels (all materialised; `[model] label` picks the one called `label`):
- label_into_management: a promotion into management within `horizon_years` after the snapshot.
  A promotion is into management when its `into_management` flag says so; when the flag is
  missing, when its `to_level` is at least `management_level`. An explicit flag wins over the level
  (a company may have level-7 specialist tracks); with neither, the promotion is not into management.
- label_any_promotion: any promotion (the next level up) within the horizon.
- label_strict_<kind>: that label and, the year after the promotion, a rating of at least
  `strict_min_grade`. `label` and `label_strict` are the configured kind's.
Candidates are the people below management at the snapshot: job level below `management_level`
(an unknown level counts as below) and no earlier promotion into management. A missing hire date
keeps the person (tenure is then unknown).

Employee attributes (the employee_attributes entity) become one column each, `attr_<name>`:
numeric when every value reads as a number, otherwise a category. A dated value (its period ended
on or before the snapshot) wins; an attribute without a period describes the person as the export
states them and is used at every snapshot (a changing undated value would carry later knowledge
into earlier snapshots: give such attributes a period). analysis_attributes lists them.
Protected attributes (gender, age band, and any attribute named in the protected list) are kept for
the fairness audit only, never as features.
"""
from __future__ import annotations

import re
from datetime import date

import duckdb

from .intermediate import replace_people_rows
from .settings import Settings, age_band_sql, exit_kind_sql, into_management_sql

# Never model inputs; always audited when present. `[model] protected = [...]` adds names.
DEFAULT_PROTECTED = ("gender", "age", "age_band", "ethnicity")
MAX_ATTRIBUTES = 200  # the most widely held attributes become columns; the rest are listed as left out

# The snapshot dates: company-wide (a batch that changes them is a full rebuild, analysis.build_key).
SNAPSHOT_DATES_SQL = """
rated AS (
    SELECT r.employee_id, r.period, g.points, r.score, o.period_end, o.sort_key
    FROM performance_ratings r JOIN grade_points g USING (rating) JOIN period_order o USING (period)
    WHERE o.kind = 'annual' OR NOT EXISTS (SELECT 1 FROM performance_ratings x JOIN period_order y USING (period) WHERE y.kind = 'annual')
),
dates AS (SELECT DISTINCT period_end AS as_of FROM rated WHERE period_end < $today)"""

# Per person (in_batch: everyone, or the people a batch touched) into {table}.
SNAPSHOT_SQL = """
CREATE OR REPLACE {temp} TABLE {table} AS
WITH """ + SNAPSHOT_DATES_SQL + """,
snapshots AS (
    SELECT as_of, as_of + INTERVAL {horizon} YEAR <= $today AS label_complete FROM dates
    UNION ALL SELECT CAST($today - INTERVAL {horizon} YEAR AS DATE), true WHERE NOT EXISTS (SELECT 1 FROM dates)
    UNION ALL SELECT $today, false
),
promo AS (
    SELECT employee_id, effective_date, coalesce(to_level - from_level, 1) AS steps,
           {into_management} AS into_management
    FROM promotions WHERE in_batch(employee_id)
),
people AS (
    SELECT s.as_of, s.label_complete, e.employee_id, e.department, e.location, e.gender, e.hire_date, e.exit_date, e.exit_reason,
           e.job_level - coalesce((SELECT sum(p.steps) FROM promo p
                                   WHERE p.employee_id = e.employee_id AND p.effective_date > s.as_of), 0) AS level_at,
           date_diff('day', e.hire_date, s.as_of) / 365.25 AS tenure_years,
           date_diff('year', e.birth_date, s.as_of) AS age
    FROM snapshots s JOIN employees e ON (e.hire_date IS NULL OR e.hire_date <= s.as_of) AND (e.exit_date IS NULL OR e.exit_date > s.as_of)
    WHERE in_batch(e.employee_id)
),
history AS (
    SELECT p.as_of, m.employee_id, count(*) AS promotions_before, max(m.effective_date) AS last_promotion,
           bool_or(m.into_management) AS was_promoted_into_management
    FROM people p JOIN promo m ON m.employee_id = p.employee_id AND m.effective_date <= p.as_of
    GROUP BY ALL
),
ratings AS (
    SELECT p.as_of, r.employee_id,
           arg_max(r.points, r.sort_key) AS rating_last,
           arg_max(r.score, r.sort_key) AS rating_score_last,
           avg(r.points) FILTER (WHERE r.period_end > p.as_of - INTERVAL 3 YEAR) AS rating_avg_3y,
           CASE WHEN count(*) FILTER (WHERE r.period_end > p.as_of - INTERVAL 3 YEAR) >= 2
                THEN regr_slope(r.points, date_diff('day', DATE '2000-01-01', r.period_end) / 365.25)
                     FILTER (WHERE r.period_end > p.as_of - INTERVAL 3 YEAR) END AS rating_trend_3y,
           count(*) AS ratings_count
    FROM people p JOIN rated r ON r.employee_id = p.employee_id AND in_batch(r.employee_id) AND r.period_end <= p.as_of
    GROUP BY ALL
),
training AS (
    SELECT p.as_of, t.employee_id,
           coalesce(sum(t.hours) FILTER (WHERE t.category IN ('leadership', 'management')), 0) AS leadership_hours,
           coalesce(sum(t.hours) FILTER (WHERE coalesce(t.completion_date, t.start_date) > p.as_of - INTERVAL 1 YEAR), 0) AS training_hours,
           count(*) FILTER (WHERE coalesce(t.completion_date, t.start_date) > p.as_of - INTERVAL 1 YEAR) AS courses_completed,
           avg(t.score) AS training_score_avg
    FROM people p JOIN training_records t ON t.employee_id = p.employee_id AND in_batch(t.employee_id) AND t.status = 'completed'
         AND coalesce(t.completion_date, t.start_date) <= p.as_of
         AND coalesce(t.completion_date, t.start_date) > p.as_of - INTERVAL 2 YEAR
    GROUP BY ALL
),
certs AS (
    SELECT p.as_of, c.employee_id, count(*) AS certifications
    FROM people p JOIN certifications c ON c.employee_id = p.employee_id AND in_batch(c.employee_id) AND c.issued_date <= p.as_of
         AND (c.expiry_date IS NULL OR c.expiry_date > p.as_of)
    GROUP BY ALL
),
fb_cycle AS (
    SELECT p.as_of, f.employee_id, arg_max(f.cycle, o.sort_key) AS cycle
    FROM people p JOIN feedback_360 f ON f.employee_id = p.employee_id AND in_batch(f.employee_id)
         JOIN period_order o ON o.period = f.cycle AND o.period_end <= p.as_of
    GROUP BY ALL
),
feedback AS (
    SELECT c.as_of, f.employee_id,
           avg(f.score) FILTER (WHERE f.rater_relation <> 'self') AS feedback_others,
           avg(f.score) FILTER (WHERE f.rater_relation = 'manager') AS feedback_manager,
           avg(f.score) FILTER (WHERE f.rater_relation = 'peer') AS feedback_peer,
           avg(f.score) FILTER (WHERE f.rater_relation = 'direct_report') AS feedback_direct_report,
           avg(f.score) FILTER (WHERE f.rater_relation <> 'self' AND lower(coalesce(f.competency, '')) LIKE '%leader%') AS feedback_leadership,
           avg(f.score) FILTER (WHERE f.rater_relation = 'self') - avg(f.score) FILTER (WHERE f.rater_relation <> 'self') AS feedback_self_gap
    FROM fb_cycle c JOIN feedback_360 f ON f.employee_id = c.employee_id AND in_batch(f.employee_id) AND f.cycle = c.cycle
    GROUP BY ALL
),
project_roles AS (
    SELECT p.as_of, j.employee_id,
           count(*) FILTER (WHERE j.role = 'lead') AS projects_led,
           count(*) FILTER (WHERE j.cross_department) AS cross_department_projects,
           count(*) AS projects,
           max(j.team_size) FILTER (WHERE j.role = 'lead') AS largest_team_led
    FROM people p JOIN projects j ON j.employee_id = p.employee_id AND in_batch(j.employee_id) AND j.start_date <= p.as_of
         AND j.start_date > p.as_of - INTERVAL 2 YEAR
    GROUP BY ALL
),
aspiration AS (
    SELECT p.as_of, pr.employee_id, pr.career_aspiration, pr.career_plan_submitted
    FROM people p JOIN profiles pr ON pr.employee_id = p.employee_id AND in_batch(pr.employee_id) AND pr.updated_at <= p.as_of
),
outcome AS (
    SELECT p.as_of, m.employee_id,
           min(m.effective_date) FILTER (WHERE m.into_management) AS into_management_on,
           min(m.effective_date) AS promoted_on
    FROM people p JOIN promo m ON m.employee_id = p.employee_id
         AND m.effective_date > p.as_of AND m.effective_date <= p.as_of + INTERVAL {horizon} YEAR
    GROUP BY ALL
),
rated_after AS (
    SELECT o.as_of, o.employee_id,
           max(g.points) FILTER (WHERE po.year = year(o.into_management_on) + 1) AS points_after_into_management,
           max(g.points) FILTER (WHERE po.year = year(o.promoted_on) + 1) AS points_after_any_promotion
    FROM outcome o JOIN performance_ratings r ON r.employee_id = o.employee_id AND in_batch(r.employee_id)
    JOIN period_order po ON po.period = r.period AND po.kind = 'annual'
    JOIN grade_points g USING (rating) GROUP BY ALL
)
SELECT p.as_of, p.label_complete, p.employee_id, p.department, p.location, p.gender,
       p.age, {age_band} AS age_band,
       p.level_at, round(p.tenure_years, 2) AS tenure_years,
       round(date_diff('day', coalesce(h.last_promotion, p.hire_date), p.as_of) / 365.25, 2) AS years_since_promotion,
       coalesce(h.promotions_before, 0) AS promotions_before,
       r.rating_last, r.rating_score_last, r.rating_avg_3y, r.rating_trend_3y, coalesce(r.ratings_count, 0) AS ratings_count,
       coalesce(t.leadership_hours, 0) AS leadership_hours, coalesce(t.training_hours, 0) AS training_hours,
       coalesce(t.courses_completed, 0) AS courses_completed, t.training_score_avg,
       coalesce(c.certifications, 0) AS certifications,
       f.feedback_others, f.feedback_manager, f.feedback_peer, f.feedback_direct_report, f.feedback_leadership, f.feedback_self_gap,
       coalesce(j.projects_led, 0) AS projects_led, coalesce(j.cross_department_projects, 0) AS cross_department_projects,
       coalesce(j.projects, 0) AS projects, j.largest_team_led,
       coalesce(a.career_aspiration, 'unknown') AS career_aspiration, coalesce(a.career_plan_submitted, false) AS career_plan_submitted,
       -- The pool rules' inputs as known on the snapshot date (the rules baseline applies
       -- pipelines.intermediate.pool_rule_selection_sql to them): direct reports are not dated, so
       -- management experience is a led project here.
       r.rating_last + coalesce(r.rating_score_last, 0) / 1000.0 AS performance_index,
       coalesce(j.projects_led, 0) > 0 AS has_management_experience,
       o.into_management_on IS NOT NULL AS label_into_management,
       o.promoted_on IS NOT NULL AS label_any_promotion,
       o.into_management_on IS NOT NULL AND coalesce(ra.points_after_into_management, 0) >= {strict_points} AS label_strict_into_management,
       o.promoted_on IS NOT NULL AND coalesce(ra.points_after_any_promotion, 0) >= {strict_points} AS label_strict_any_promotion,
       label_{label_kind} AS label,
       label_strict_{label_kind} AS label_strict,
       -- Flight risk (models/flight_risk.py): who leaves within 12 months of the snapshot, and why.
       coalesce(p.level_at < {management_level}, true) AND NOT coalesce(h.was_promoted_into_management, false) AS candidate,
       p.exit_date <= p.as_of + INTERVAL 12 MONTH AS left_within_12m,
       CASE WHEN p.exit_date <= p.as_of + INTERVAL 12 MONTH THEN {exit_kind} END AS exit_kind_12m,
       p.as_of + INTERVAL 12 MONTH <= $today AND p.as_of >= (SELECT min(exit_date) FROM employees) AS exit_window_closed
FROM people p
LEFT JOIN history h USING (as_of, employee_id)
LEFT JOIN ratings r USING (as_of, employee_id)
LEFT JOIN training t USING (as_of, employee_id)
LEFT JOIN certs c USING (as_of, employee_id)
LEFT JOIN feedback f USING (as_of, employee_id)
LEFT JOIN project_roles j USING (as_of, employee_id)
LEFT JOIN aspiration a USING (as_of, employee_id)
LEFT JOIN outcome o USING (as_of, employee_id)
LEFT JOIN rated_after ra USING (as_of, employee_id)
ORDER BY p.as_of, p.employee_id
"""

# The potential model's snapshots: the candidates (below management), without the flight-risk columns.
CANDIDATE_SNAPSHOTS_SQL = """
SELECT * EXCLUDE (candidate, left_within_12m, exit_kind_12m, exit_window_closed, label_voluntary_exit)
FROM {table} WHERE candidate
"""

# The flight-risk label: a voluntary exit within 12 months; NULL (not labelled) when the window is not closed, or
# when the person left within it for a reason the company decided (capability mismatch, dismissal) or retired.
VOLUNTARY_EXIT_SQL = """
CREATE OR REPLACE {temp} TABLE {table} AS
SELECT *, CASE WHEN NOT exit_window_closed THEN NULL
               WHEN NOT coalesce(left_within_12m, false) THEN false
               WHEN exit_kind_12m = 'voluntary' THEN true END AS label_voluntary_exit
FROM {table} ORDER BY as_of, employee_id
"""

LABELS = ("into_management", "any_promotion")


def protected_names(settings: Settings) -> list[str]:
    """The protected attributes: never inputs, always audited (defaults plus `[model] protected`)."""
    extra = [slug(str(p)) for p in settings.model["protected"]]
    return list(dict.fromkeys([*DEFAULT_PROTECTED, *extra]))


def label_kind(settings: Settings) -> str:
    kind = str(settings.model["label"])
    if kind not in LABELS:
        raise ValueError(f"config: model.label must be one of {', '.join(LABELS)}, not '{kind}'")
    return kind


def slug(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", name.strip().lower()).strip("_") or "attribute"


def snapshot_key(con: duckdb.DuckDBPyConnection, settings: Settings, today: date) -> dict:
    """What every person's snapshot rows depend on besides their own records: the snapshot dates, the first exit
    (exit_window_closed) and the attribute columns. Equal keys before and after a batch let it rebuild only its people."""
    dates, first_exit = con.sql(f"""WITH {SNAPSHOT_DATES_SQL}
        SELECT (SELECT list(as_of ORDER BY as_of) FROM dates), (SELECT min(exit_date) FROM employees)""",
                                params={"today": today}).fetchall()[0]
    return {"snapshot_dates": [str(d) for d in dates or []], "first_exit": str(first_exit),
            "attributes": [[r[0], r[2], r[6]] for r in attribute_columns(con, settings, set())]}


def build_snapshots(con: duckdb.DuckDBPyConnection, settings: Settings, today: date, incremental: bool = False) -> None:
    """analysis_everyone_snapshots and analysis_snapshots; incremental: only the rows of the people in_batch selects
    (deleted and inserted again), given an unchanged snapshot_key."""
    model = settings.model
    points = settings.grade_points()
    table, temp = ("snapshot_rows", "TEMP") if incremental else ("analysis_everyone_snapshots", "")
    con.execute(
        SNAPSHOT_SQL.format(
            table=table, temp=temp,
            age_band=age_band_sql("p.age"),
            horizon=int(model["horizon_years"]),
            strict_points=points.get(model["strict_min_grade"], max(points.values())),
            management_level=settings.management_level,
            label_kind=label_kind(settings),
            into_management=into_management_sql(settings),
            exit_kind=exit_kind_sql("p.exit_reason"),
        ),
        {"today": today},
    )
    con.execute(VOLUNTARY_EXIT_SQL.format(table=table, temp=temp))
    add_attributes(con, settings, table, temp)
    if incremental:
        replace_people_rows(con, "analysis_everyone_snapshots", f"SELECT * FROM {table}", "as_of, employee_id", True)
    replace_people_rows(con, "analysis_snapshots", CANDIDATE_SNAPSHOTS_SQL.format(table=table), "as_of, employee_id", incremental)
    if incremental:
        con.execute(f"DROP TABLE {table}")


def attribute_columns(con: duckdb.DuckDBPyConnection, settings: Settings, taken: set[str]) -> list[tuple]:
    """The employee attributes as snapshot columns, most widely held first: (attribute, column, kind, people,
    undated, protected, in_snapshots); `taken`: the column names already used."""
    found = con.sql(
        """SELECT attribute, count(DISTINCT employee_id) AS people,
                  bool_and(try_cast(trim(value) AS DOUBLE) IS NOT NULL) AS all_numeric,
                  bool_or(period IS NULL) AS undated
           FROM employee_attributes WHERE value IS NOT NULL AND trim(value) <> ''
           GROUP BY attribute ORDER BY people DESC, attribute"""
    ).fetchall()
    protected = set(protected_names(settings))
    rows, used = [], set()
    for i, (attribute, people, numeric, undated) in enumerate(found):
        column = f"attr_{slug(attribute)}"
        n = 2
        while column in used or column in taken:
            column, n = f"attr_{slug(attribute)}_{n}", n + 1
        used.add(column)
        rows.append((attribute, column, "numeric" if numeric else "category", int(people), bool(undated),
                     slug(attribute) in protected, i < MAX_ATTRIBUTES))
    return rows


def add_attributes(con: duckdb.DuckDBPyConnection, settings: Settings, table: str = "analysis_everyone_snapshots",
                   temp: str = "") -> None:
    """One column per employee attribute, as known at each snapshot; analysis_attributes lists them."""
    rows = attribute_columns(con, settings, {c[0] for c in con.sql(f"DESCRIBE {table}").fetchall()})
    con.execute("""CREATE OR REPLACE TABLE analysis_attributes (attribute VARCHAR, column_name VARCHAR, kind VARCHAR,
                   people BIGINT, undated BOOLEAN, protected BOOLEAN, in_snapshots BOOLEAN)""")
    if rows:
        con.executemany("INSERT INTO analysis_attributes VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    kept = [r for r in rows if r[6]]
    if not kept:
        return
    columns = ",\n".join(
        (f"max(TRY_CAST(trim(value) AS DOUBLE)) FILTER (WHERE attribute = ${i}) AS \"{column}\"" if kind == "numeric"
         else f"max(trim(value)) FILTER (WHERE attribute = ${i}) AS \"{column}\"")
        for i, (_, column, kind, *_rest) in enumerate(kept, start=1)
    )
    params = [r[0] for r in kept]
    con.execute(
        f"""CREATE OR REPLACE {temp} TABLE {table} AS
        WITH attrs AS (
            SELECT employee_id, attribute, value, o.period_end, o.sort_key
            FROM employee_attributes LEFT JOIN period_order o USING (period)
            WHERE value IS NOT NULL AND trim(value) <> '' AND in_batch(employee_id)
        ),
        known AS (
            SELECT s.as_of, a.employee_id, a.attribute,
                   arg_max(a.value, coalesce(a.sort_key, 0)) AS value
            FROM (SELECT DISTINCT as_of FROM {table}) s
            JOIN attrs a ON a.period_end IS NULL OR a.period_end <= s.as_of
            GROUP BY ALL
        ),
        wide AS (SELECT as_of, employee_id, {columns} FROM known GROUP BY ALL)
        SELECT s.*, w.* EXCLUDE (as_of, employee_id)
        FROM {table} s LEFT JOIN wide w USING (as_of, employee_id)
        ORDER BY s.as_of, s.employee_id""",
        params,
    )
