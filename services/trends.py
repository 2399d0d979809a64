"""HR leadership's talent-pool trends: read-only aggregates of the analysis tables and the pool's history.

Every function takes a cursor on the analysis database, the user's department scope (None = the whole
company) and the chosen department; the pool's history is read from the nominations in workspace.duckdb
(`workspace_file`, default the app's), so the page calls them through `state.query_with_workspace`.

Definitions (each chart on the trends page states its own in one line):
- The pool, its memberships ("stints"), a person's department and the reference date `today`: services.pool,
  the one definition (a stint ends with a 'remove' or the person's exit from the company; a person counts in
  their department of the latest import). Scope and the department filter apply to that department.
- A middle-management seat: an active employee whose management_tier (pipelines/intermediate.py,
  management_seat) is middle_management: job level from [model] management_level up to the executive level,
  executives (CEO, "Head of X", …) not included.
- Potential bands: the potential_band view (pipelines/intermediate.py), the same thirds as the 9-box.
- What needs only the import (seats per department and position, seat leavers, everyone's ratings, 360 and
  make-up) is read from the trend_* tables the analysis build makes (pipelines/trend_series.py); the pool's
  side is computed from the nominations and cached by the page on both files' versions.

The first screen's four answers: succession_cover (bench health and where it is thin), pool_growth (is the pool
growing) and review_moves (did the July review move people).
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from pipelines.settings import into_management_sql, load_settings
from pipelines.trend_series import SEAT_HOLDER_AGE, feedback_bin_sql  # noqa: F401  (SEAT_HOLDER_AGE: the page reads it here)

from . import pool as pool_definition, reviews, workspace
from .queries import scope_condition
from .nominations import EXIT_REASONS
from .people import READINESS
from .privacy import suppress

Scope = tuple[str, ...] | None

PERIODS = (12, 24, 36, 60)  # months the page offers
GRAINS = ("month", "quarter")
STALLED_MONTHS = 12  # no readiness change for this long = stalled
TENURE_BANDS = (("lt_6", 0, 6), ("m_6_12", 6, 12), ("m_12_24", 12, 24), ("m_24_36", 24, 36), ("m_36_plus", 36, None))
ASPIRATION_VALUES = ("management", "specialist", "undecided", "not_stated")
POTENTIAL_BANDS = ("low", "medium", "high")
FEEDBACK_BINS = ("1.0-1.5", "1.5-2.0", "2.0-2.5", "2.5-3.0", "3.0-3.5", "3.5-4.0", "4.0-4.5", "4.5-5.0")
CAPABILITY_MISMATCH_SQL = "(lower({col}) LIKE '%capability%mismatch%' OR {col} LIKE '%能力不匹配%' OR {col} LIKE '%能力不符%')"


# --- the pool (services.pool: the one definition) ---

def _management_level() -> int:
    return load_settings().management_level


def _promotion_window() -> int:
    return load_settings().promotion_window_months


def _pool(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, workspace_file: str | Path | None) -> tuple[str, list]:
    """The nominations registered in `cur` and the pool's CTEs over them (services.pool, the one definition): `ref`
    (today), `scoped` (nominations rows in scope), `stints` (memberships in scope) and `current_members`."""
    pool_definition.register(cur, workspace_file)
    return pool_definition.ctes(scope, department)


def _periods_cte(months: int, grain: str) -> str:
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    step = 1 if grain == "month" else 3
    months = max(int(months), step)
    return f"""
    periods AS (
        SELECT p::DATE AS period, least((p + INTERVAL {step} MONTH - INTERVAL 1 DAY)::DATE, ref.today) AS period_end
        FROM ref, range(date_trunc('{grain}', ref.today) - INTERVAL {months - step} MONTH, ref.today + INTERVAL 1 DAY, INTERVAL {step} MONTH) t(p))"""


def as_of(cur: duckdb.DuckDBPyConnection, workspace_file: str | None = None) -> dict:
    """The reference date and whether anyone was ever nominated (for the page's caption and empty state)."""
    sql, _ = _pool(cur, None, None, workspace_file)
    row = cur.sql(f"WITH {sql} SELECT (SELECT today FROM ref) AS today, (SELECT count(*) FROM nominations_log) AS nominations").fetchall()[0]
    return {"today": row[0], "nominations": row[1]}


# --- the first screen: four answers ---

MOVES = ("promoted", "readiness_up", "unchanged", "readiness_down", "left_pool", "left_company")
REVIEW_OUTCOMES = reviews.OUTCOMES["mid_year"]


def succession_cover(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, workspace_file: str | None = None) -> pl.DataFrame:
    """Bench health, per department and middle-management position (trend_seats: active seat holders' job title, case
    and spaces ignored): seats, today's pool members of that department who target that title ready now or in 1–2
    years, and the seats they cover. One successor covers one seat, ready-now successors first: covered_ready_now +
    covered_ready_1_2_years + uncovered = seats. Weakest cover first."""
    pool, pool_params = _pool(cur, scope, department, workspace_file)
    where, params = scope_condition(scope, department, "s.department")
    frame = cur.sql(
        f"""WITH {pool},
            successors AS (
                SELECT department, lower(trim(target_position)) AS position_key,
                       count(*) FILTER (WHERE readiness = 'ready_now') AS ready_now,
                       count(*) FILTER (WHERE readiness = 'ready_1_2_years') AS ready_1_2_years
                FROM current_members WHERE target_position IS NOT NULL GROUP BY ALL)
            SELECT s.department, s.position, s.seats, coalesce(c.ready_now, 0) AS ready_now,
                   coalesce(c.ready_1_2_years, 0) AS ready_1_2_years
            FROM trend_seats s LEFT JOIN successors c ON c.department = s.department AND c.position_key = s.position_key
            WHERE s.position_key IS NOT NULL AND {where}""",
        params=pool_params + params,
    ).pl()
    covered = pl.min_horizontal("seats", pl.col("ready_now") + pl.col("ready_1_2_years"))
    return frame.with_columns(
        pl.min_horizontal("seats", "ready_now").alias("covered_ready_now"), covered.alias("covered"),
    ).with_columns(
        (pl.col("covered") - pl.col("covered_ready_now")).alias("covered_ready_1_2_years"),
        (pl.col("seats") - pl.col("covered")).alias("uncovered"),
        (pl.col("covered") / pl.col("seats")).alias("cover"),
    ).sort("cover", pl.col("uncovered"), "department", "position", descending=[False, True, False, False]).select(
        "department", "position", "seats", "ready_now", "ready_1_2_years", "covered_ready_now", "covered_ready_1_2_years", "uncovered", "cover")


def cover_by_department(cover: pl.DataFrame) -> pl.DataFrame:
    """succession_cover summed per department, weakest cover first (most uncovered seats first among equals)."""
    return cover.group_by("department").agg(
        pl.col("seats", "covered_ready_now", "covered_ready_1_2_years", "uncovered").sum(),
    ).with_columns(((pl.col("covered_ready_now") + pl.col("covered_ready_1_2_years")) / pl.col("seats")).alias("cover")).sort(
        "cover", pl.col("uncovered"), "department", descending=[False, True, False])


def pool_growth(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, months: int, workspace_file: str | None = None) -> pl.DataFrame:
    """Pool members on the first day of the period (today minus `months`), on every month's last day since and
    today: day, members. The first row is the start, the last is now."""
    pool, params = _pool(cur, scope, department, workspace_file)
    months = int(months)
    return cur.sql(
        f"""WITH {pool},
            start AS (SELECT (today - INTERVAL {months} MONTH)::DATE AS day, today FROM ref),
            days AS (
                SELECT day FROM start
                UNION SELECT (m + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE FROM start, range(date_trunc('month', start.day), date_trunc('month', start.today), INTERVAL 1 MONTH) t(m)
                UNION SELECT today FROM start)
            SELECT d.day, count(s.employee_id) AS members
            FROM days d LEFT JOIN stints s ON s.entered <= d.day AND (s.ended IS NULL OR s.ended > d.day)
            GROUP BY d.day ORDER BY d.day""",
        params=params,
    ).pl()


@lru_cache(maxsize=4)
def _mid_year_review(file: str, version: str | None) -> tuple[dict | None, pl.DataFrame]:
    """The latest closed mid-year cycle and its members' final outcomes, as services.reviews.cycle_people defines them
    (HR's confirmation, else the reviewer's latest assessment; tests/test_trends.py checks they agree) in one light read:
    cycle_people compiles every figure of a cycle, three times the time. version (workspace.version) only keys the cache."""
    with workspace.connect(workspace.location(file)) as con:
        found = con.sql("""SELECT cycle_id, year, opened_at, closed_at FROM review_cycles WHERE kind = 'mid_year' AND status = 'closed'
                           ORDER BY year DESC, closed_at DESC LIMIT 1""").fetchall()
        if not found:
            return None, pl.DataFrame(schema={"employee_id": pl.String, "stored_department": pl.String, "outcome": pl.String})
        cycle = dict(zip(("cycle_id", "year", "opened_at", "closed_at"), found[0]))
        members = con.sql("""
            WITH latest AS (SELECT employee_id, arg_max(outcome, assessment_id) AS outcome FROM review_assessments
                            WHERE cycle_id = $c GROUP BY employee_id)
            SELECT m.employee_id, m.department AS stored_department, coalesce(r.outcome, l.outcome, 'not_assessed') AS outcome
            FROM review_members m LEFT JOIN latest l USING (employee_id)
                 LEFT JOIN review_confirmations r ON r.cycle_id = m.cycle_id AND r.employee_id = m.employee_id
            WHERE m.cycle_id = $c ORDER BY m.employee_id""", params={"c": cycle["cycle_id"]}).pl()
    return cycle, members


def review_moves(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, workspace_file: str | None = None) -> pl.DataFrame:
    """The latest closed mid-year (July) review and what became of its members since it opened: per final outcome
    (HR's confirmation, else the reviewer's; 'not_assessed') and move, the people. A member's move, first that
    applies: promoted (a promotion in the promotions import after the cycle opened, within [review]
    promotion_window_months: as the review page counts it), left_company, left_pool, readiness_up / readiness_down
    (today's readiness against theirs on the day the cycle opened), unchanged. Members count in their current
    department (permissions.current_departments). One row per outcome and move (zeros included); no closed
    mid-year cycle: no rows."""
    path = workspace.location(workspace_file)
    cycle, members = _mid_year_review(str(path), workspace.version(path))
    empty = pl.DataFrame(schema={"cycle_id": pl.String, "year": pl.Int64, "opened_at": pl.Datetime, "closed_at": pl.Datetime,
                                 "outcome": pl.String, "move": pl.String, "people": pl.Int64})
    if cycle is None:
        return empty
    pool, pool_params = _pool(cur, None, None, workspace_file)  # the whole pool: members are scoped below, by department
    where, params = scope_condition(scope, department, "m.department")
    cur.register("review_members_now", members)
    order = ", ".join(f"'{r}'" for r in reversed(READINESS))  # ready_3_plus_years < ready_1_2_years < ready_now
    frame = cur.sql(
        f"""WITH {pool},
            opened AS (SELECT DATE '{cycle["opened_at"]:%Y-%m-%d}' AS day),
            then_readiness AS (
                SELECT l.employee_id, arg_max(l.readiness, l.nomination_id) AS readiness FROM logged l, opened
                WHERE l.action = 'nominate' AND l.day <= opened.day GROUP BY l.employee_id),
            promoted AS (
                SELECT DISTINCT p.employee_id FROM promotions p, opened
                WHERE p.effective_date > opened.day AND p.effective_date <= opened.day + to_months({_promotion_window()})),
            members AS (
                SELECT r.employee_id, coalesce(d.department, r.stored_department) AS department, r.outcome
                FROM review_members_now r LEFT JOIN person_department d USING (employee_id))
            SELECT m.outcome,
                   CASE WHEN p.employee_id IS NOT NULL THEN 'promoted'
                        WHEN c.employee_id IS NULL AND e.status = 'left' THEN 'left_company'
                        WHEN c.employee_id IS NULL THEN 'left_pool'
                        WHEN list_position([{order}], c.readiness) > list_position([{order}], t.readiness) THEN 'readiness_up'
                        WHEN list_position([{order}], c.readiness) < list_position([{order}], t.readiness) THEN 'readiness_down'
                        ELSE 'unchanged' END AS move,
                   count(*) AS people
            FROM members m LEFT JOIN promoted p USING (employee_id) LEFT JOIN current_members c USING (employee_id)
                 LEFT JOIN then_readiness t USING (employee_id) LEFT JOIN analysis_employee e USING (employee_id)
            WHERE {where}
            GROUP BY ALL ORDER BY ALL""",
        params=pool_params + params,
    ).pl()
    cur.unregister("review_members_now")
    grid = pl.DataFrame({"outcome": [*REVIEW_OUTCOMES, "not_assessed"]}).join(pl.DataFrame({"move": MOVES}), how="cross")
    return grid.join(frame, on=["outcome", "move"], how="left").select(
        pl.lit(cycle["cycle_id"]).alias("cycle_id"), pl.lit(cycle["year"], pl.Int64).alias("year"),
        pl.lit(cycle["opened_at"]).alias("opened_at"), pl.lit(cycle["closed_at"]).alias("closed_at"),
        "outcome", "move", pl.col("people").fill_null(0).cast(pl.Int64),
    )


# --- pool size and make-up over time ---

def pool_over_time(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, months: int, grain: str, workspace_file: str | None = None) -> pl.DataFrame:
    """Per month or quarter: members at the period's end (and by readiness), entries, exits by reason and the
    promotions (from the promotions import: into management, and other) of people in the pool on the effective date."""
    pool, params = _pool(cur, scope, department, workspace_file)
    readiness = ",\n".join(
        f"count(*) FILTER (WHERE m.readiness = '{r}') AS {r}" for r in READINESS
    )
    exits = ",\n".join(f"count(*) FILTER (WHERE s.exit_reason = '{r}') AS exits_{r}" for r in EXIT_REASONS)
    into_management = into_management_sql(load_settings(), "pr")
    return cur.sql(
        f"""WITH {pool}, {_periods_cte(months, grain)},
            member_rows AS (
                SELECT p.period, s.employee_id,
                       (SELECT arg_max(l.readiness, l.nomination_id) FROM scoped l
                        WHERE l.employee_id = s.employee_id AND l.action = 'nominate' AND l.day <= p.period_end) AS readiness
                FROM periods p JOIN stints s ON s.entered <= p.period_end AND (s.ended IS NULL OR s.ended > p.period_end)),
            members AS (
                SELECT p.period, count(m.employee_id) AS members, {readiness}
                FROM periods p LEFT JOIN member_rows m USING (period) GROUP BY p.period),
            entries AS (
                SELECT p.period, count(s.employee_id) AS entries
                FROM periods p LEFT JOIN stints s ON s.entered BETWEEN p.period AND p.period_end GROUP BY p.period),
            leaving AS (
                SELECT p.period, count(s.employee_id) AS exits, {exits}
                FROM periods p LEFT JOIN stints s ON s.ended BETWEEN p.period AND p.period_end GROUP BY p.period),
            promoted AS (
                SELECT p.period, count(x.employee_id) FILTER (WHERE x.into_management) AS promotions_into_management,
                       count(x.employee_id) FILTER (WHERE NOT x.into_management) AS promotions_other
                FROM periods p LEFT JOIN (
                    SELECT pr.employee_id, pr.effective_date, {into_management} AS into_management
                    FROM promotions pr JOIN stints s ON s.employee_id = pr.employee_id AND s.entered <= pr.effective_date
                         AND (s.ended IS NULL OR s.ended >= pr.effective_date)) x
                  ON x.effective_date BETWEEN p.period AND p.period_end
                GROUP BY p.period)
            SELECT p.period, p.period_end, members.* EXCLUDE (period), entries.entries, leaving.* EXCLUDE (period),
                   promoted.promotions_into_management, promoted.promotions_other
            FROM periods p JOIN members USING (period) JOIN entries USING (period) JOIN leaving USING (period)
                 JOIN promoted USING (period)
            ORDER BY p.period""",
        params=params,
    ).pl()


# --- coverage and bench strength ---

def coverage(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, workspace_file: str | None = None) -> pl.DataFrame:
    """Per department (and a last row, department null, for all of them): middle-management seats, seats
    expected to open in the next 12 months (seats x the seats' trailing-12-month attrition rate) and pool
    members per seat and per expected opening."""
    pool, pool_params = _pool(cur, scope, department, workspace_file)
    where, params = scope_condition(scope, department, "department")
    rows = cur.sql(
        f"""WITH {pool},
            departments AS (SELECT department FROM analysis_department WHERE {where}),
            seats AS (  -- trend_seats / trend_seat_leavers: made by the analysis build (pipelines/trend_series.py)
                SELECT department, sum(seats)::BIGINT AS seats, sum(seats_holder_58_plus)::BIGINT AS seats_holder_58_plus
                FROM trend_seats WHERE {where} GROUP BY department),
            leavers AS (
                SELECT department, sum(leavers)::BIGINT AS seat_leavers_12m FROM trend_seat_leavers, ref
                WHERE exit_date > ref.today - INTERVAL 12 MONTH AND exit_date <= ref.today AND {where} GROUP BY department),
            pool AS (SELECT department, count(*) AS pool_members FROM current_members GROUP BY department)
            SELECT coalesce(d.department, p.department) AS department, coalesce(s.seats, 0) AS seats,
                   coalesce(s.seats_holder_58_plus, 0) AS seats_holder_58_plus,
                   coalesce(l.seat_leavers_12m, 0) AS seat_leavers_12m, coalesce(p.pool_members, 0) AS pool_members
            FROM departments d LEFT JOIN seats s ON s.department IS NOT DISTINCT FROM d.department
                 LEFT JOIN leavers l ON l.department IS NOT DISTINCT FROM d.department
                 FULL JOIN pool p ON p.department = d.department
            ORDER BY 1""",
        params=pool_params + params * 3,
    ).pl()
    total = rows.select(pl.lit(None, pl.String).alias("department"), pl.exclude("department").sum())
    held = pl.col("seats") + pl.col("seat_leavers_12m")
    rate = pl.when(held > 0).then(pl.col("seat_leavers_12m") / held).alias("seat_attrition_rate")
    rows = rows.with_columns(rate, pl.when(held > 0).then(pl.col("seats") * pl.col("seat_leavers_12m") / held).otherwise(0.0).alias("expected_openings_12m"))
    total = total.with_columns(rate, pl.lit(rows["expected_openings_12m"].sum(), pl.Float64).alias("expected_openings_12m"))
    out = pl.concat([rows, total]).with_columns(
        pl.when(pl.col("seats") > 0).then(pl.col("pool_members") / pl.col("seats")).alias("pool_per_seat"),
        pl.when(pl.col("expected_openings_12m") > 0).then(pl.col("pool_members") / pl.col("expected_openings_12m")).alias("pool_per_expected_opening"),
    )
    return out


def bench(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, workspace_file: str | None = None) -> pl.DataFrame:
    """Per middle-management position (distinct positions of active seat holders): seats and the current
    pool members whose target position is that title (case and spaces ignored), by readiness. A last row
    (position null) counts the members whose target is empty or not a middle-management position in scope.
    Sorted with the weakest bench (fewest ready-now nominees) first."""
    pool, pool_params = _pool(cur, scope, department, workspace_file)
    where, params = scope_condition(scope, department, "department")
    counts = ", ".join(f"count(n.employee_id) FILTER (WHERE n.readiness = '{r}') AS {r}" for r in READINESS)
    return cur.sql(
        f"""WITH {pool},
            positions AS (  -- trend_seats: per department and position (pipelines/trend_series.py)
                SELECT position_key, min(position) AS position,
                       string_agg(DISTINCT department, ', ' ORDER BY department) AS departments, sum(seats)::BIGINT AS seats
                FROM trend_seats WHERE position_key IS NOT NULL AND {where}
                GROUP BY position_key),
            nominees AS (  -- today's members with their readiness and target (services.pool)
                SELECT employee_id, readiness, lower(trim(target_position)) AS target_key FROM current_members),
            matched AS (
                SELECT p.position, p.departments, p.seats, {counts}, count(n.employee_id) AS nominees
                FROM positions p LEFT JOIN nominees n ON n.target_key = p.position_key
                GROUP BY ALL),
            unmatched AS (
                SELECT NULL::VARCHAR AS position, NULL::VARCHAR AS departments, NULL::BIGINT AS seats, {counts},
                       count(n.employee_id) AS nominees
                FROM nominees n WHERE n.target_key IS NULL OR n.target_key NOT IN (SELECT position_key FROM positions))
            SELECT * FROM (SELECT *, 0 AS part FROM matched UNION ALL SELECT *, 1 FROM unmatched)
            ORDER BY part, ready_now, seats DESC, position""",
        params=pool_params + params,
    ).pl().drop("part")


# --- promotion rate ---

def promotion_rate(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, months: int, workspace_file: str | None = None) -> pl.DataFrame:
    """Of the people below management level on the period's first day (cohort date): the share promoted
    into management within [review] promotion_window_months (or until today), for pool members on that day, for non-members at
    the same job levels (weighted to the pool's level mix) and for all non-members below management level.

    Job level on the cohort date = today's level minus the level steps of promotions after it."""
    pool, pool_params = _pool(cur, scope, department, workspace_file)
    where, params = scope_condition(scope, department, "e.department")
    level, window = _management_level(), _promotion_window()
    people = cur.sql(
        f"""WITH {pool},
            cohort AS (SELECT (ref.today - INTERVAL {int(months)} MONTH)::DATE AS cohort_date,
                              least((ref.today - INTERVAL {int(months)} MONTH + INTERVAL {window} MONTH)::DATE, ref.today) AS window_end
                       FROM ref),
            later_steps AS (
                SELECT p.employee_id, sum(p.to_level - p.from_level) AS steps
                FROM promotions p, cohort c WHERE p.effective_date > c.cohort_date GROUP BY p.employee_id)
            SELECT c.cohort_date, c.window_end, e.employee_id,
                   e.job_level - coalesce(ls.steps, 0) AS level_then,
                   EXISTS (SELECT 1 FROM stints s WHERE s.employee_id = e.employee_id AND s.entered <= c.cohort_date
                           AND (s.ended IS NULL OR s.ended > c.cohort_date)) AS in_pool,
                   coalesce(e.promoted_into_management_date > c.cohort_date AND e.promoted_into_management_date <= c.window_end, false) AS promoted
            FROM analysis_employee e CROSS JOIN cohort c LEFT JOIN later_steps ls ON ls.employee_id = e.employee_id
            WHERE e.hire_date <= c.cohort_date AND (e.exit_date IS NULL OR e.exit_date > c.cohort_date) AND {where}""",
        params=pool_params + params,
    ).pl().filter(pl.col("level_then") < level)
    ref_sql, _ = pool_definition.ctes(None, None)  # the nominations are registered above
    dates = cur.sql(
        f"""WITH {ref_sql} SELECT (today - INTERVAL {int(months)} MONTH)::DATE,
                   least((today - INTERVAL {int(months)} MONTH + INTERVAL {window} MONTH)::DATE, today) FROM ref"""
    ).fetchall()[0]
    by_level = people.group_by("in_pool", "level_then").agg(pl.len().alias("people"), pl.col("promoted").sum().alias("promoted"))
    pool_levels = by_level.filter(pl.col("in_pool")).select("level_then", pl.col("people").alias("pool_people"))
    same_levels = by_level.filter(~pl.col("in_pool")).join(pool_levels, on="level_then", how="inner")
    # Direct standardisation: each level's rate weighted by the pool's people at that level.
    standardised = same_levels.select(
        pl.lit("comparable").alias("group"), pl.col("people").sum().alias("people"), pl.col("promoted").sum().alias("promoted"),
        ((pl.col("promoted") / pl.col("people") * pl.col("pool_people")).sum() / pl.col("pool_people").sum()).alias("rate"),
    )
    crude = people.group_by(pl.when(pl.col("in_pool")).then(pl.lit("pool")).otherwise(pl.lit("all_others")).alias("group")).agg(
        pl.len().alias("people"), pl.col("promoted").sum().alias("promoted"))
    crude = crude.with_columns((pl.col("promoted") / pl.col("people")).alias("rate"))
    groups = pl.DataFrame({"group": ["pool", "comparable", "all_others"], "order": [0, 1, 2]})
    out = groups.join(pl.concat([crude, standardised], how="vertical_relaxed"), on="group", how="left").sort("order").drop("order")
    return out.with_columns(
        pl.lit(dates[0]).alias("cohort_date"), pl.lit(dates[1]).alias("window_end"),
        pl.col("people").fill_null(0).cast(pl.Int64), pl.col("promoted").fill_null(0).cast(pl.Int64),
        pl.when(pl.col("people") > 0).then(pl.col("promoted") / pl.col("people")).alias("crude_rate"),
        pl.when(pl.col("people") > 0).then(pl.col("rate")).alias("rate"),
    ).select("group", "cohort_date", "window_end", "people", "promoted", "rate", "crude_rate")


# --- time in pool, stalled members ---

def time_in_pool(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, workspace_file: str | None = None) -> pl.DataFrame:
    """Current members by complete months since they entered the pool (a readiness update does not restart
    the clock), with those stalled: no readiness change (nor the nomination itself) for 12+ months."""
    pool, params = _pool(cur, scope, department, workspace_file)
    frame = cur.sql(
        f"""WITH {pool},
            changes AS (
                SELECT l.employee_id, max(l.day) AS readiness_set_on
                FROM scoped l JOIN current_members c ON c.employee_id = l.employee_id AND l.day >= c.entered
                WHERE l.action = 'nominate' AND (l.prev_action IS DISTINCT FROM 'nominate' OR l.readiness IS DISTINCT FROM l.prev_readiness)
                GROUP BY l.employee_id)
            SELECT c.employee_id, date_sub('month', c.entered, ref.today) AS months_in_pool,
                   date_sub('month', coalesce(ch.readiness_set_on, c.entered), ref.today) AS months_since_readiness_change
            FROM current_members c CROSS JOIN ref LEFT JOIN changes ch USING (employee_id)""",
        params=params,
    ).pl()
    band = pl.lit(None, pl.String)
    for name, low, high in reversed(TENURE_BANDS):
        band = pl.when((pl.col("months_in_pool") >= low) & (pl.lit(True) if high is None else pl.col("months_in_pool") < high)).then(pl.lit(name)).otherwise(band)
    counted = frame.group_by(band.alias("band")).agg(
        pl.len().alias("members"), (pl.col("months_since_readiness_change") >= STALLED_MONTHS).sum().alias("stalled"))
    bands = pl.DataFrame({"band": [b[0] for b in TENURE_BANDS], "months_from": [b[1] for b in TENURE_BANDS],
                          "months_to": [b[2] for b in TENURE_BANDS]}, schema_overrides={"months_to": pl.Int64})
    return bands.join(counted, on="band", how="left").with_columns(
        pl.col("members").fill_null(0).cast(pl.Int64), pl.col("stalled").fill_null(0).cast(pl.Int64),
    ).with_columns((pl.col("members") - pl.col("stalled")).alias("not_stalled"))


# --- aspiration versus potential ---

def aspiration_potential(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, workspace_file: str | None = None) -> pl.DataFrame:
    """Active employees below management level: career aspiration x potential band (the potential_band view:
    company-wide thirds of the model's score when a model has scored, else of the transparent pool score),
    with how many of them are pool members."""
    pool, pool_params = _pool(cur, scope, department, workspace_file)
    where, params = scope_condition(scope, department, "b.department")
    counts = cur.sql(
        f"""WITH {pool},
            banded AS (
                SELECT a.employee_id, a.department, coalesce(a.career_aspiration, 'not_stated') AS aspiration,
                       p.potential, p.potential_source
                FROM analysis_employee a JOIN potential_band p USING (employee_id))
            SELECT b.aspiration, b.potential, any_value(b.potential_source) AS potential_source, count(*) AS people,
                   count(c.employee_id) AS pool_members
            FROM banded b LEFT JOIN current_members c USING (employee_id)
            WHERE {where}
            GROUP BY ALL""",
        params=pool_params + params,
    ).pl()
    source = cur.sql("SELECT CASE WHEN EXISTS (SELECT 1 FROM model_scores) THEN 'model' ELSE 'score' END").fetchall()[0][0]
    grid = pl.DataFrame({"aspiration": ASPIRATION_VALUES}).join(pl.DataFrame({"potential": POTENTIAL_BANDS}), how="cross")
    return grid.join(counts.drop("potential_source"), on=["aspiration", "potential"], how="left").with_columns(
        pl.col("people").fill_null(0).cast(pl.Int64), pl.col("pool_members").fill_null(0).cast(pl.Int64),
        pl.lit(source).alias("potential_source"),
    )


# --- attrition ---

def pool_attrition(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, months: int, grain: str, workspace_file: str | None = None) -> pl.DataFrame:
    """Per period: members at its start, pool members who left the company (those whose HR-system exit
    reason is capability mismatch apart), members taken out of the pool for capability mismatch, and the
    leaving rate = left the company / members at the start."""
    pool, params = _pool(cur, scope, department, workspace_file)
    mismatch = CAPABILITY_MISMATCH_SQL.format(col="s.company_exit_reason")
    return cur.sql(
        f"""WITH {pool}, {_periods_cte(months, grain)},
            starts AS (
                SELECT p.period, count(s.employee_id) AS members_at_start
                FROM periods p LEFT JOIN stints s ON s.entered < p.period AND (s.ended IS NULL OR s.ended >= p.period)
                GROUP BY p.period),
            outs AS (
                SELECT p.period,
                       count(s.employee_id) FILTER (WHERE s.exit_reason = 'left_company') AS left_company,
                       count(s.employee_id) FILTER (WHERE s.exit_reason = 'left_company' AND coalesce({mismatch}, false)) AS left_capability_mismatch,
                       count(s.employee_id) FILTER (WHERE s.exit_reason = 'capability_mismatch') AS removed_capability_mismatch
                FROM periods p LEFT JOIN stints s ON s.ended BETWEEN p.period AND p.period_end GROUP BY p.period)
            SELECT p.period, p.period_end, starts.members_at_start, outs.left_company, outs.left_capability_mismatch,
                   outs.removed_capability_mismatch,
                   CASE WHEN starts.members_at_start > 0 THEN outs.left_company / starts.members_at_start END AS leaving_rate
            FROM periods p JOIN starts USING (period) JOIN outs USING (period) ORDER BY p.period""",
        params=params,
    ).pl()


def attrition_summary(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, months: int, workspace_file: str | None = None) -> pl.DataFrame:
    """Over the period: pool members vs all employees; average headcount = (start + end) / 2, leavers of the
    company, of whom with capability mismatch as the HR-system exit reason, and the rate annualised."""
    pool, pool_params = _pool(cur, scope, department, workspace_file)
    where, params = scope_condition(scope, department, "department")
    months = int(months)
    company = CAPABILITY_MISMATCH_SQL.format(col="exit_reason")
    pooled = CAPABILITY_MISMATCH_SQL.format(col="s.company_exit_reason")
    return cur.sql(
        f"""WITH {pool},
            win AS (SELECT (today - INTERVAL {months} MONTH)::DATE AS start, today FROM ref),
            pool_side AS (
                SELECT 'pool' AS "group",
                       count(*) FILTER (WHERE s.entered <= win.start AND (s.ended IS NULL OR s.ended > win.start)) AS headcount_start,
                       count(*) FILTER (WHERE s.entered <= win.today AND s.ended IS NULL) AS headcount_end,
                       count(*) FILTER (WHERE s.exit_reason = 'left_company' AND s.ended > win.start AND s.ended <= win.today) AS leavers,
                       count(*) FILTER (WHERE s.exit_reason = 'left_company' AND s.ended > win.start AND s.ended <= win.today AND coalesce({pooled}, false)) AS leavers_capability_mismatch,
                       count(*) FILTER (WHERE s.exit_reason = 'capability_mismatch' AND s.ended > win.start AND s.ended <= win.today) AS removed_capability_mismatch
                FROM stints s, win),
            everyone AS (
                SELECT 'everyone' AS "group",
                       count(*) FILTER (WHERE hire_date <= win.start AND (exit_date IS NULL OR exit_date > win.start)) AS headcount_start,
                       count(*) FILTER (WHERE hire_date <= win.today AND (exit_date IS NULL OR exit_date > win.today)) AS headcount_end,
                       count(*) FILTER (WHERE exit_date > win.start AND exit_date <= win.today) AS leavers,
                       count(*) FILTER (WHERE exit_date > win.start AND exit_date <= win.today AND coalesce({company}, false)) AS leavers_capability_mismatch,
                       NULL::BIGINT AS removed_capability_mismatch
                FROM analysis_employee, win WHERE {where})
            SELECT *, (headcount_start + headcount_end) / 2 AS average_headcount,
                   CASE WHEN headcount_start + headcount_end > 0 THEN leavers / ((headcount_start + headcount_end) / 2) * 12 / {months} END AS annual_rate,
                   CASE WHEN headcount_start + headcount_end > 0 THEN leavers_capability_mismatch / ((headcount_start + headcount_end) / 2) * 12 / {months} END AS annual_rate_capability_mismatch
            FROM (SELECT * FROM pool_side UNION ALL SELECT * FROM everyone)""",
        params=pool_params + params,
    ).pl()


# --- the pool against everyone ---

def distributions(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, workspace_file: str | None = None) -> pl.DataFrame:
    """Shares (not counts) of the latest annual rating and of the 360 average from others (half-point
    bins), for current pool members and for all active employees."""
    pool, pool_params = _pool(cur, scope, department, workspace_file)
    where, params = scope_condition(scope, department, "a.department")
    grades = list(load_settings().grades)
    where_everyone, _ = scope_condition(scope, department, "department")
    feedback = feedback_bin_sql("feedback_others")
    frame = cur.sql(
        f"""WITH {pool},
            members AS (  -- the pool's side: today's members, active, of the departments asked for
                SELECT a.latest_annual_rating, a.feedback_others
                FROM current_members c JOIN analysis_employee a USING (employee_id)
                WHERE a.status = 'active' AND {where}),
            pool_valued AS (
                SELECT 'rating' AS measure, coalesce(latest_annual_rating, 'not_rated') AS value FROM members
                UNION ALL
                SELECT 'feedback_360', {feedback} FROM members)
            SELECT measure, 'pool' AS "group", value, count(*) AS people FROM pool_valued GROUP BY ALL
            UNION ALL  -- everyone's side: made by the analysis build (pipelines/trend_series.py)
            SELECT measure, 'everyone', value, sum(people)::BIGINT FROM trend_everyone
            WHERE measure IN ('rating', 'feedback_360') AND {where_everyone} GROUP BY ALL""",
        params=pool_params + params + params,
    ).pl()
    values = pl.concat([
        pl.DataFrame({"measure": "rating", "value": [*grades, "not_rated"]}),
        pl.DataFrame({"measure": "feedback_360", "value": [*FEEDBACK_BINS, "not_rated"]}),
    ]).with_row_index("order")
    grid = values.join(pl.DataFrame({"group": ["pool", "everyone"]}), how="cross")
    return grid.join(frame, on=["measure", "group", "value"], how="left").with_columns(pl.col("people").fill_null(0).cast(pl.Int64)).with_columns(
        pl.when(pl.col("people").sum().over("measure", "group") > 0)
        .then(pl.col("people") / pl.col("people").sum().over("measure", "group")).alias("share"),
    ).sort("measure", "group", "order", descending=[True, True, False]).select("measure", "group", "value", "people", "share")


def makeup(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str | None, workspace_file: str | None = None) -> pl.DataFrame:
    """Shares by gender and by age band, pool members against all active employees, with small groups hidden
    (people and share null) by services.privacy.suppress: the parts are each department's groups, a line is
    one department's groups of one dimension, and a figure over several departments is hidden when any of its
    parts is, so "all my departments" minus one department never reveals a hidden group."""
    pool, pool_params = _pool(cur, scope, department, workspace_file)
    where, params = scope_condition(scope, department, "a.department")
    where_everyone, _ = scope_condition(scope, department, "department")
    parts = cur.sql(
        f"""WITH {pool},
            members AS (  -- the pool's side: today's members, active, of the departments asked for
                SELECT coalesce(a.department, '') AS department, coalesce(a.gender, 'unknown') AS gender,
                       coalesce(a.age_band, 'unknown') AS age_band
                FROM current_members c JOIN analysis_employee a USING (employee_id)
                WHERE a.status = 'active' AND {where})
            SELECT 'gender' AS dimension, 'pool' AS "group", department, gender AS value, count(*) AS people FROM members GROUP BY ALL
            UNION ALL
            SELECT 'age_band', 'pool', department, age_band, count(*) FROM members GROUP BY ALL
            UNION ALL  -- everyone's side: made by the analysis build (pipelines/trend_series.py)
            SELECT measure, 'everyone', coalesce(department, ''), value, sum(people)::BIGINT FROM trend_everyone
            WHERE measure IN ('gender', 'age_band') AND {where_everyone} GROUP BY ALL
            ORDER BY ALL""",
        params=pool_params + params + params,
    ).pl()
    key = ["dimension", "group"]
    totals = parts.group_by(key).agg(pl.col("people").sum().alias("total"))
    frame = suppress(parts, line=[*key, "department"], by=[*key, "value"])
    order = pl.col("value").replace_strict({"<30": 0, "30-39": 1, "40-49": 2, "50+": 3, "female": 0, "male": 1}, default=9, return_dtype=pl.Int64)
    return frame.join(totals, on=key, how="left").with_columns(
        (pl.col("people") / pl.col("total")).alias("share"),
    ).sort(pl.col("dimension"), pl.col("group"), order, pl.col("value"), descending=[True, True, False, False]).select(
        "dimension", "group", "value", "people", "share")
