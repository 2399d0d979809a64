"""Read-only queries about people: the candidate list, one person's profile and the records behind it.

Every function takes the department scope; a person outside it simply does not exist here.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import duckdb
import polars as pl

Scope = tuple[str, ...] | None
TRENDS = ("any", "rising", "top_twice", "not_falling")
POOL_STATUSES = ("any", "meets_rules", "nominated", "not_nominated")
ASPIRATIONS = ("any", "management", "specialist", "undecided")
READINESS = ("ready_now", "ready_1_2_years", "ready_3_plus_years")
SHOWN_ROWS = 1000


@dataclass(frozen=True)
class CandidateFilters:
    department: str | None = None
    position: str | None = None
    level_min: int | None = None
    level_max: int | None = None
    tenure_min: float | None = None
    trend: str = "any"
    certification: str | None = None
    skill: str | None = None
    aspiration: str = "any"
    pool_status: str = "any"
    readiness: str | None = None
    score_min: float | None = None
    score_max: float | None = None

    @classmethod
    def field_names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


def _where(scope: Scope, f: CandidateFilters, nominated) -> tuple[str, list]:
    nominated = dict(nominated)  # (employee_id, readiness) pairs
    parts, params = ["status = 'active'"], []

    def add(sql: str, *values) -> None:
        parts.append(sql)
        params.extend(values)

    if scope is not None:
        add("department IN (SELECT unnest(?::VARCHAR[]))", list(scope))
    if f.department:
        add("department = ?", f.department)
    if f.position:
        add("position ILIKE ?", f"%{f.position}%")
    if f.level_min is not None:
        add("job_level >= ?", f.level_min)
    if f.level_max is not None:
        add("job_level <= ?", f.level_max)
    if f.tenure_min is not None:
        add("tenure_years >= ?", f.tenure_min)
    if f.trend == "rising":
        parts.append("rating_trend_3y > 0")
    elif f.trend == "top_twice":
        parts.append("top_rating_streak >= 2")
    elif f.trend == "not_falling":
        parts.append("rating_trend_3y >= 0")
    if f.certification:
        add("list_contains(certification_names, ?)", f.certification)
    if f.skill:
        add("list_contains(list_transform(skill_list, lambda s: lower(s)), lower(?))", f.skill)
    if f.aspiration != "any":
        add("career_aspiration = ?", f.aspiration)
    ids = list(nominated)
    if f.pool_status == "meets_rules":
        parts.append("meets_pool_rules")
    elif f.pool_status == "nominated":
        add("employee_id IN (SELECT unnest(?::VARCHAR[]))", ids)
    elif f.pool_status == "not_nominated":
        add("employee_id NOT IN (SELECT unnest(?::VARCHAR[]))", ids)
    if f.readiness:
        add("employee_id IN (SELECT unnest(?::VARCHAR[]))", [i for i, r in nominated.items() if r == f.readiness])
    if f.score_min is not None:  # the score filters read the headline score, the one the list is ranked by
        add("headline_score >= ?", f.score_min)
    if f.score_max is not None:
        add("headline_score <= ?", f.score_max)
    return " WHERE " + " AND ".join(parts), params


CANDIDATE_COLUMNS = """employee_id, name, department, position, job_level, tenure_years, latest_rating,
    rating_points_history, top_rating_streak, rating_trend_3y, pool_score, feedback_others, feedback_leadership,
    leadership_training_hours, valid_certifications, certification_names, projects_led, cross_department_projects,
    direct_reports, skill_list, career_aspiration, career_plan_submitted, meets_pool_rules, potential_score, potential_percentile, composite_score,
    headline_score, headline_source"""
# The model's score where a model has scored (models/scoring.py); empty otherwise.
# The headline score, the one a person is ranked by: the model's potential once a model has scored anyone (people it did
# not score have none and come last), else the transparent pool score; headline_source says which ('model' or 'score',
# as potential_band in pipelines/intermediate.py does for the 9-box).
SCORED = """(SELECT a.*, m.score AS potential_score, m.score_percentile AS potential_percentile, m.probability,
                m.factors, m.model_version, m.as_of AS scored_as_of, x.* EXCLUDE (employee_id, department),
                CASE WHEN s.model THEN m.score ELSE a.pool_score END AS headline_score,
                CASE WHEN s.model THEN 'model' ELSE 'score' END AS headline_source
         FROM analysis_employee a CROSS JOIN (SELECT EXISTS (SELECT 1 FROM model_scores) AS model) s
         LEFT JOIN model_scores m USING (employee_id) LEFT JOIN analysis_assessment x USING (employee_id))"""


def candidates(cur: duckdb.DuckDBPyConnection, scope: Scope, filters: CandidateFilters, nominated) -> tuple[pl.DataFrame, int]:
    """The matching active employees with the best headline scores (at most SHOWN_ROWS) and how many match in all."""
    where, params = _where(scope, filters, nominated)
    counted = SCORED if filters.score_min is not None or filters.score_max is not None else "analysis_employee"
    total = cur.sql(f"SELECT count(*) FROM {counted}{where}", params=params).fetchall()[0][0]
    frame = cur.sql(
        f"SELECT {CANDIDATE_COLUMNS} FROM {SCORED}{where} ORDER BY headline_score DESC NULLS LAST, pool_score DESC, employee_id LIMIT {SHOWN_ROWS}",
        params=params,
    ).pl()
    return frame, total


def filter_choices(cur: duckdb.DuckDBPyConnection, scope: Scope) -> dict[str, list]:
    where = " WHERE status = 'active'" + (" AND department IN (SELECT unnest(?::VARCHAR[]))" if scope is not None else "")
    params = [list(scope)] if scope is not None else []
    def values(expr: str) -> list:
        return [r[0] for r in cur.sql(f"SELECT DISTINCT {expr} AS v FROM analysis_employee{where} ORDER BY v", params=params).fetchall() if r[0] is not None]
    return {
        "department": values("department"),
        "certification": values("unnest(certification_names)"),
        "skill": values("unnest(skill_list)"),
        "level": values("job_level"),
        # which score ranks the list and the score filters read (SCORED's headline_source)
        "score_source": ["model" if cur.sql("SELECT EXISTS (SELECT 1 FROM model_scores)").fetchall()[0][0] else "score"],
    }


def profile(cur: duckdb.DuckDBPyConnection, scope: Scope, employee_id: str) -> dict | None:
    """One person's analysis row, or None when they are not in scope (or do not exist)."""
    where = "employee_id = ?" + (" AND department IN (SELECT unnest(?::VARCHAR[]))" if scope is not None else "")
    params = [employee_id] + ([list(scope)] if scope is not None else [])
    found = cur.sql(f"SELECT * FROM {SCORED} WHERE {where}", params=params).pl()
    return found.row(0, named=True) if found.height else None


def in_scope(cur: duckdb.DuckDBPyConnection, scope: Scope, employee_ids: list[str]) -> list[str]:
    """Those of employee_ids that profile() would show (they exist and are in scope), in their order; a plain lookup,
    not profile()'s scored row, since a profile's every record table asks it again."""
    where = "employee_id IN (SELECT unnest(?::VARCHAR[]))" + (" AND department IN (SELECT unnest(?::VARCHAR[]))" if scope is not None else "")
    found = {r[0] for r in cur.sql(f"SELECT employee_id FROM analysis_employee WHERE {where}",
                                   params=[list(employee_ids)] + ([list(scope)] if scope is not None else [])).fetchall()}
    return [e for e in employee_ids if e in found]


SEARCH_ROWS = 20


def search(cur: duckdb.DuckDBPyConnection, scope: Scope, text: str, limit: int = SEARCH_ROWS) -> pl.DataFrame:
    """People within scope whose name contains `text` or whose employee id starts with it (case ignored), at most
    `limit`: employee_id, name, department, position, status; an exact id first, then active people, then by name."""
    text = " ".join((text or "").split())[:100]
    schema = {"employee_id": pl.String, "name": pl.String, "department": pl.String, "position": pl.String, "status": pl.String}
    if not text:
        return pl.DataFrame(schema=schema)
    params: dict = {"q": text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")}
    where = "(name ILIKE '%' || $q || '%' ESCAPE '\\' OR employee_id ILIKE $q || '%' ESCAPE '\\')"
    if scope is not None:
        where += " AND department IN (SELECT unnest($scope::VARCHAR[]))"
        params["scope"] = list(scope)
    params["exact"] = text
    return cur.sql(
        f"""SELECT employee_id, name, department, position, status FROM analysis_employee WHERE {where}
            ORDER BY lower(employee_id) = lower($exact) DESC, status = 'active' DESC, name, employee_id LIMIT {int(limit)}""",
        params=params,
    ).pl()


# Chronological, by the period_order fact (pipelines/intermediate.py).
PERIOD_ORDER = "(SELECT o.sort_key FROM period_order o WHERE o.period = r.period)"

RECORD_SQL = {
    "performance_ratings": "SELECT r.period, r.rating, r.score, {src} FROM performance_ratings r {join} ORDER BY " + PERIOD_ORDER,
    "training_records": "SELECT r.start_date, r.completion_date, r.course_id, r.course_name, r.category, r.provider, r.hours, r.status, r.score, {src} FROM training_records r {join} ORDER BY r.start_date",
    "certifications": "SELECT r.name, r.issued_date, r.expiry_date, {src} FROM certifications r {join} ORDER BY r.issued_date",
    "projects": "SELECT r.project_id, r.project_name, r.role, r.team_size, r.cross_department, r.start_date, r.end_date, {src} FROM projects r {join} ORDER BY r.start_date",
    "feedback_360": "SELECT r.cycle, r.rater_relation, r.competency, r.score, r.comment, {src} FROM feedback_360 r {join} ORDER BY r.cycle, r.rater_relation, r.competency",
    "promotions": "SELECT r.effective_date, r.from_level, r.to_level, r.to_position, r.into_management, {src} FROM promotions r {join} ORDER BY r.effective_date",
    "profiles": "SELECT r.skills, r.career_aspiration, r.career_plan_submitted, r.updated_at, {src} FROM profiles r {join}",
}


def records(cur: duckdb.DuckDBPyConnection, scope: Scope, employee_id: str, entity: str) -> pl.DataFrame:
    """The imported rows behind a profile's figures, with the file, row and import date they came from."""
    if not in_scope(cur, scope, [employee_id]):
        return pl.DataFrame()
    sql = RECORD_SQL[entity].format(
        src="r.source_file, r.source_row, runs.finished_at AS imported_at",
        join="LEFT JOIN import_runs runs ON runs.run_id = r.import_run_id WHERE r.employee_id = ?",
    )
    return cur.sql(sql, params=[employee_id]).pl()


def feedback_by_competency(cur: duckdb.DuckDBPyConnection, scope: Scope, employee_ids: tuple[str, ...]) -> pl.DataFrame:
    """Latest-cycle 360 averages per competency and rater relation, for the radar charts."""
    allowed = in_scope(cur, scope, list(employee_ids))
    return cur.sql(
        """WITH latest AS (SELECT f.employee_id, arg_max(f.cycle, o.sort_key) AS cycle
                           FROM feedback_360 f JOIN period_order o ON o.period = f.cycle
                           WHERE f.employee_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY f.employee_id)
           SELECT f.employee_id, f.cycle, f.competency, f.rater_relation, avg(f.score) AS score, count(*) AS responses
           FROM feedback_360 f JOIN latest USING (employee_id, cycle)
           GROUP BY ALL ORDER BY f.employee_id, f.competency, f.rater_relation""",
        params=[allowed],
    ).pl()


BANDS = ("low", "medium", "high")
# The nine boxes by (performance, potential), and what each means for the bench: 0 ready to grow into a leader,
# 1 solid, 2 to watch, 3 at risk (the grid is coloured by this, not by how many people sit in a box).
BOXES = {
    ("high", "high"): "future_leader", ("high", "medium"): "high_performer", ("high", "low"): "trusted_professional",
    ("medium", "high"): "growth_talent", ("medium", "medium"): "core_player", ("medium", "low"): "solid_contributor",
    ("low", "high"): "rough_diamond", ("low", "medium"): "inconsistent_player", ("low", "low"): "talent_risk",
}
BOX_MEANING = {"future_leader": 0, "high_performer": 0, "growth_talent": 0, "core_player": 1, "trusted_professional": 1,
               "rough_diamond": 1, "solid_contributor": 2, "inconsistent_player": 2, "talent_risk": 3}


def nine_box_cells(grid: pl.DataFrame, names: int = 3) -> pl.DataFrame:
    """Every one of the nine boxes (also the empty ones) for a nine_box frame (performance, potential, name,
    potential_value): performance, potential, box, meaning, people, and the names of the `names` people with the
    highest potential in it."""
    boxes = pl.DataFrame({"performance": [k[0] for k in BOXES], "potential": [k[1] for k in BOXES], "box": list(BOXES.values())},
                         schema={"performance": pl.String, "potential": pl.String, "box": pl.String})
    counted = (grid.sort(["potential_value", "name"], descending=[True, False], nulls_last=True)
               .group_by("performance", "potential", maintain_order=True)
               .agg(pl.len().cast(pl.Int64).alias("people"), pl.col("name").head(names).alias("names")))
    return (boxes.join(counted, on=["performance", "potential"], how="left")
            .with_columns(pl.col("box").replace_strict(BOX_MEANING, return_dtype=pl.Int64).alias("meaning"),
                          pl.col("people").fill_null(0), pl.col("names").fill_null(pl.lit([], pl.List(pl.String))))
            .select("performance", "potential", "box", "meaning", "people", "names"))


def nine_box(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None) -> pl.DataFrame:
    """Active candidates (below management level) with their original 9-box placement.

    Performance: latest annual rating points (top two grades = high, middle grade = medium, below = low).
    Potential: the potential_band view (pipelines/intermediate.py): thirds of the model's score across the
    company's active people below management, or of the transparent score when no model has scored;
    `potential_source` says which. The trends page reads the same bands.
    """
    where = ["TRUE"]
    params: list = []
    if scope is not None:
        where.append("department IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(scope))
    if department:
        where.append("department = ?")
        params.append(department)
    return cur.sql(
        f"""WITH grades AS (SELECT max(points) AS top FROM grade_points),
            candidates AS (
                SELECT s.employee_id, s.name, s.department, s.position, s.job_level, s.latest_annual_rating, s.latest_annual_points,
                       b.potential_value, b.potential_source, b.potential
                FROM {SCORED} s JOIN potential_band b USING (employee_id)
                WHERE s.latest_annual_points IS NOT NULL)
            SELECT c.* EXCLUDE (potential),
                   CASE WHEN c.latest_annual_points >= g.top - 1 THEN 'high' WHEN c.latest_annual_points >= g.top - 2 THEN 'medium' ELSE 'low' END AS performance,
                   c.potential
            FROM candidates c, grades g
            WHERE {' AND '.join(where)}
            ORDER BY c.potential_value DESC, c.employee_id""",
        params=params,
    ).pl()
