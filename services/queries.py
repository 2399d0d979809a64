"""Read-only queries the pages use. They read only materialised analysis and run tables.

Every function takes a cursor and a department scope (None = the whole company); issue #4's
sign-in will pass a department head's departments here, so scoping lives in one layer.
"""
from __future__ import annotations

import duckdb
import polars as pl

Scope = tuple[str, ...] | None


def scope_condition(scope: Scope, department: str | None, column: str = "department") -> tuple[str, list]:
    """The SQL condition (and its parameters) that keeps rows within scope and, if given, one department."""
    parts, params = ["TRUE"], []
    if scope is not None:
        parts.append(f"{column} IN (SELECT unnest(?::VARCHAR[]))")
        params.append(list(scope))
    if department:
        parts.append(f"{column} = ?")
        params.append(department)
    return " AND ".join(parts), params


def _scope_clause(scope: Scope, department: str | None, column: str = "department") -> tuple[str, list]:
    condition, params = scope_condition(scope, department, column)
    return (" WHERE " + condition) if params else "", params


def departments(cur: duckdb.DuckDBPyConnection, scope: Scope = None) -> list[str]:
    where, params = _scope_clause(scope, None)
    return [r[0] for r in cur.sql(f"SELECT department FROM analysis_department{where} ORDER BY department", params=params).fetchall()]


def headline(cur: duckdb.DuckDBPyConnection, scope: Scope = None, department: str | None = None, workspace_file=None) -> dict:
    """The overview's figures. `pool_members`: who is in the pool today (services.pool, as the trends, the
    explorer and a review cycle opened now count them); `pool_eligible`: who meets the pool rules, nominated
    or not. The first reads the nominations in workspace.duckdb (`workspace_file`, default the app's)."""
    from . import pool  # pool builds on scope_condition here

    where, params = _scope_clause(scope, department)
    row = cur.sql(
        f"""SELECT coalesce(sum(active_employees), 0) AS active_employees,
                   coalesce(sum(pool_eligible), 0) AS pool_eligible,
                   coalesce(sum(management_aspiration), 0) AS management_aspiration,
                   coalesce(sum(career_plans_submitted), 0) AS career_plans_submitted,
                   coalesce(sum(people_managers), 0) AS people_managers,
                   coalesce(sum(leavers_12m), 0) AS leavers_12m,
                   coalesce(sum(promoted_into_management_12m), 0) AS promoted_into_management_12m,
                   count(*) AS departments
            FROM analysis_department{where}""",
        params=params,
    ).pl().row(0, named=True)
    row["pool_share"] = row["pool_eligible"] / row["active_employees"] if row["active_employees"] else None
    row["pool_members"] = pool.member_count(cur, scope, department, workspace_file)
    return row


def pool_funnel(cur: duckdb.DuckDBPyConnection, scope: Scope = None, department: str | None = None) -> pl.DataFrame:
    """The default pool rules applied one after another; `share` is, for the top-performance step,
    the share of rated active people the rule keeps. The counts are the pool_rule_selection fact
    (pipelines/intermediate.py: top performance with ties kept, then management experience, then career plan)."""
    where, params = _scope_clause(scope, department)
    return cur.sql(
        f"""SELECT * FROM (
              SELECT 1 AS step, 'active' AS rule, sum(active_employees) AS employees, NULL::DOUBLE AS share FROM analysis_department{where}
              UNION ALL SELECT 2, 'top_performance', sum(top_performers), sum(top_performers) / nullif(sum(rated_active), 0) FROM analysis_department{where}
              UNION ALL SELECT 3, 'management_experience', sum(top_with_management_experience), NULL FROM analysis_department{where}
              UNION ALL SELECT 4, 'career_plan', sum(pool_eligible), NULL FROM analysis_department{where}
            ) ORDER BY step""",
        params=params * 4,
    ).pl().with_columns(pl.col("employees").fill_null(0).cast(pl.Int64))


def department_pool(cur: duckdb.DuckDBPyConnection, scope: Scope = None) -> pl.DataFrame:
    where, params = _scope_clause(scope, None)
    return cur.sql(
        f"""SELECT department, active_employees, pool_eligible,
                   pool_eligible / nullif(active_employees, 0) AS pool_share,
                   management_aspiration, people_managers, avg_rating_points, avg_feedback_360
            FROM analysis_department{where} ORDER BY pool_eligible DESC, department""",
        params=params,
    ).pl()


def rating_distribution(cur: duckdb.DuckDBPyConnection, scope: Scope = None, department: str | None = None) -> pl.DataFrame:
    where, params = _scope_clause(scope, department)
    return cur.sql(
        f"""SELECT year, rating, sum(employees)::BIGINT AS employees,
                   sum(employees) / sum(sum(employees)) OVER (PARTITION BY year) AS share
            FROM analysis_rating_distribution{where} GROUP BY year, rating ORDER BY year, rating""",
        params=params,
    ).pl()


def rating_distribution_by_department(cur: duckdb.DuckDBPyConnection, scope: Scope = None) -> pl.DataFrame:
    """Rated people per year and department (for small-group suppression)."""
    where, params = _scope_clause(scope, None)
    return cur.sql(
        f"""SELECT year, department, sum(employees)::BIGINT AS employees
            FROM analysis_rating_distribution{where} GROUP BY year, department ORDER BY year, department""",
        params=params,
    ).pl()


def data_status(cur: duckdb.DuckDBPyConnection) -> dict:
    meta = cur.sql("SELECT built_at, as_of_date, run_id, employees FROM analysis_meta").pl()
    return meta.row(0, named=True) if meta.height else {}


def import_runs(cur: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return cur.sql(
        """SELECT run_id, started_at, finished_at, run_by, command, preset, rows_read, rows_loaded,
                  rows_quarantined, exact_duplicates
           FROM import_runs ORDER BY run_id DESC"""
    ).pl()


def import_files(cur: duckdb.DuckDBPyConnection, run_id: int) -> pl.DataFrame:
    return cur.sql(
        """SELECT entity, file, rows_read, rows_loaded, rows_quarantined, exact_duplicates, ignored_columns, sha256
           FROM import_files WHERE run_id = ? ORDER BY entity, file""",
        params=[run_id],
    ).pl()


def quarantine_reasons(cur: duckdb.DuckDBPyConnection, run_id: int) -> pl.DataFrame:
    """Quarantined rows grouped by what went wrong (the reason without the offending value)."""
    return cur.sql(
        """SELECT entity, column_name,
                  regexp_replace(reason, '''[^'']*''', '…', 'g') AS problem, count(*) AS rows
           FROM quarantine WHERE run_id = ? GROUP BY ALL ORDER BY rows DESC, entity""",
        params=[run_id],
    ).pl()


def quarantine_rows(cur: duckdb.DuckDBPyConnection, run_id: int, entity: str | None = None, limit: int = 5000) -> pl.DataFrame:
    where, params = ("WHERE run_id = ?", [run_id])
    if entity:
        where += " AND entity = ?"
        params.append(entity)
    return cur.sql(
        f"""SELECT entity, file, row_number, column_name, value, reason, raw_row
            FROM quarantine {where} ORDER BY entity, file, row_number LIMIT {int(limit)}""",
        params=params,
    ).pl()
