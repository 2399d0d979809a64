"""The talent pool, defined once: who is in it at any date, since when, with what readiness.

- The nominations log (workspace.duckdb) is append-only; the latest row per person is the state.
- A membership ("stint") starts with a 'nominate' row after none or a 'remove' row and ends with the next
  'remove', or on the person's exit date from the company if that comes first (the stint's exit reason is
  then 'left_company'; a person the latest import marks as left without an exit date left by its as-of
  date). A nomination dated on or after the exit date starts no stint.
- A member at a date: a stint entered on or before it and not ended by it. Readiness and target position
  are the latest 'nominate' row's up to that date.
- A person's department: permissions.current_departments (the latest import's `person_department`; the
  department stored on their latest nominations row only for someone that import no longer has).
- The reference date `today`: the later of the analysis tables' as-of date and the latest nomination.

The explorer (nominations.current), a review cycle's members (reviews.open_cycle, and so the export of its
cycles), every trend and the overview's "in the pool" read it here. `cur` is a cursor on the analysis
database; the nominations are registered into it as the relation `nominations_log`.
"""
from __future__ import annotations

import contextlib
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import duckdb
import polars as pl

from . import workspace
from .queries import scope_condition

Scope = tuple[str, ...] | None
# The day a person left the company (for `e`, their analysis_employee row): the exit date, else, for someone the
# latest import marks as left without one, its as-of date. A stint ends on it.
COMPANY_EXIT = "coalesce(e.exit_date, CASE WHEN e.status = 'left' THEN (SELECT max(as_of_date) FROM analysis_meta) END)"


@lru_cache(maxsize=4)
def _nominations(file: str, version: str | None) -> pl.DataFrame:
    # version (workspace.version) only keys the cache: the functions of one rerun read the file once.
    with workspace.connect(workspace.location(file)) as con:
        return con.sql(
            """SELECT nomination_id, employee_id, department, action, readiness, target_position, exit_reason, decided_at
               FROM nominations ORDER BY nomination_id"""
        ).pl()


def register(cur: duckdb.DuckDBPyConnection, workspace_file: str | Path | None = None) -> None:
    """Make the nominations log readable in `cur` as `nominations_log` (visible to this cursor only)."""
    path = workspace.location(workspace_file)
    cur.register("nominations_log", _nominations(str(path), workspace.version(path)))


def ctes(scope: Scope = None, department: str | None = None, as_of: date | None = None) -> tuple[str, list]:
    """The pool's CTEs (with their parameters), for a query over `nominations_log` registered by `register`:
    `ref` (today, or `as_of`), `logged` (every nominations row with the person's current department and company
    exit), `scoped` (those rows in scope / of `department`), `stints` (memberships in scope: employee_id,
    department, entered, ended, exit_reason, company_exit_reason) and `current_members` (the stints open on
    ref.today, with the readiness and target position of the latest nomination up to it)."""
    where, params = scope_condition(scope, department, "current_department")
    if isinstance(as_of, datetime):
        as_of = as_of.date()
    today = (f"DATE '{date.fromisoformat(str(as_of)).isoformat()}'" if as_of is not None else
             """greatest((SELECT max(as_of_date) FROM analysis_meta),
                        coalesce((SELECT max(decided_at)::DATE FROM nominations_log), DATE '1900-01-01'))""")
    sql = f"""
    ref AS (SELECT {today} AS today),
    logged AS (
        SELECT n.nomination_id, n.employee_id, n.action, n.readiness, n.target_position, n.exit_reason,
               n.decided_at::DATE AS day,
               lag(n.action) OVER w AS prev_action, lag(n.readiness) OVER w AS prev_readiness,
               coalesce(d.department, last_value(n.department) OVER (PARTITION BY n.employee_id ORDER BY n.nomination_id
                        ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) AS current_department,
               {COMPANY_EXIT} AS exit_date,
               e.exit_reason AS company_exit_reason
        FROM nominations_log n LEFT JOIN person_department d ON d.employee_id = n.employee_id
             LEFT JOIN analysis_employee e ON e.employee_id = n.employee_id
        WINDOW w AS (PARTITION BY n.employee_id ORDER BY n.nomination_id)),
    scoped AS (SELECT * FROM logged WHERE {where}),
    moves AS (
        SELECT *, CASE WHEN action = 'nominate' AND coalesce(prev_action, 'remove') <> 'nominate' THEN 'entry'
                       WHEN action = 'remove' AND prev_action = 'nominate' THEN 'exit' END AS move
        FROM scoped),
    spans AS (
        SELECT employee_id, current_department AS department, move, day AS entered, exit_date, company_exit_reason,
               lead(day) OVER w AS removed, lead(exit_reason) OVER w AS removed_reason
        FROM moves WHERE move IS NOT NULL
        WINDOW w AS (PARTITION BY employee_id ORDER BY nomination_id)),
    stints AS (
        SELECT employee_id, department, entered, company_exit_reason,
               CASE WHEN exit_date < coalesce(removed, DATE '9999-12-31') THEN exit_date ELSE removed END AS ended,
               CASE WHEN exit_date < coalesce(removed, DATE '9999-12-31') THEN 'left_company'
                    WHEN removed IS NOT NULL THEN coalesce(removed_reason, 'other') END AS exit_reason
        FROM spans WHERE move = 'entry' AND (exit_date IS NULL OR entered < exit_date)),
    standing AS (
        SELECT l.employee_id, arg_max(l.readiness, l.nomination_id) AS readiness,
               arg_max(l.target_position, l.nomination_id) AS target_position
        FROM scoped l, ref WHERE l.action = 'nominate' AND l.day <= ref.today GROUP BY l.employee_id),
    current_members AS (
        SELECT s.*, st.readiness, st.target_position
        FROM stints s CROSS JOIN ref LEFT JOIN standing st ON st.employee_id = s.employee_id
        WHERE s.entered <= ref.today AND (s.ended IS NULL OR s.ended > ref.today))"""
    return sql, params


MEMBER_SCHEMA = {"employee_id": pl.String, "department": pl.String, "readiness": pl.String, "target_position": pl.String,
                 "entered": pl.Date}


def current_members(cur: duckdb.DuckDBPyConnection | None, scope: Scope = None, as_of: date | None = None,
                    department: str | None = None, workspace_file: str | Path | None = None) -> pl.DataFrame:
    """The members on `as_of` (default: today, as above) within scope: employee_id, department (current),
    readiness, target_position, entered. cur None reads the live analysis database (nobody without one)."""
    if cur is None:
        with _live_cursor() as live:
            return current_members(live, scope, as_of, department, workspace_file) if live is not None else pl.DataFrame(schema=MEMBER_SCHEMA)
    register(cur, workspace_file)
    sql, params = ctes(scope, department, as_of)
    return cur.sql(f"""WITH {sql}
                       SELECT employee_id, department, readiness, target_position, entered
                       FROM current_members ORDER BY employee_id""", params=params).pl()


def member_count(cur: duckdb.DuckDBPyConnection, scope: Scope = None, department: str | None = None,
                 workspace_file: str | Path | None = None) -> int:
    """How many are in the pool today (within scope, of one department if given)."""
    register(cur, workspace_file)
    sql, params = ctes(scope, department)
    return cur.sql(f"WITH {sql} SELECT count(*) FROM current_members", params=params).fetchall()[0][0]


def memberships(cur: duckdb.DuckDBPyConnection, scope: Scope = None, department: str | None = None,
                workspace_file: str | Path | None = None) -> pl.DataFrame:
    """Every stint within scope: employee_id, department, entered, ended (null: open), exit_reason, company_exit_reason."""
    register(cur, workspace_file)
    sql, params = ctes(scope, department)
    return cur.sql(f"""WITH {sql}
                       SELECT employee_id, department, entered, ended, exit_reason, company_exit_reason
                       FROM stints ORDER BY employee_id, entered""", params=params).pl()


def standing(employee_id: str, workspace_file: str | Path | None = None) -> tuple[bool, date | None]:
    """What a pool write checks first (services.nominations): whether the person is in the pool today, and the day
    they left the company (None while employed, or with no analysis database yet)."""
    with _live_cursor() as cur:
        if cur is None:
            return False, None
        register(cur, workspace_file)
        sql, params = ctes()
        member, left = cur.sql(f"""WITH {sql}
                                   SELECT EXISTS (SELECT 1 FROM current_members WHERE employee_id = ?),
                                          (SELECT {COMPANY_EXIT} FROM analysis_employee e WHERE e.employee_id = ?)""",
                               params=[*params, employee_id, employee_id]).fetchall()[0]
    return bool(member), left


def nominated(cur: duckdb.DuckDBPyConnection | None, scope: Scope = None, workspace_file: str | Path | None = None) -> dict[str, str | None]:
    """employee_id -> readiness of today's members within scope (the explorer's "nominated")."""
    members = current_members(cur, scope, workspace_file=workspace_file)
    return dict(zip(members["employee_id"].to_list(), members["readiness"].to_list()))


@contextlib.contextmanager
def _live_cursor() -> Iterator[duckdb.DuckDBPyConnection | None]:
    """A read-only cursor on the live analysis database, or None when there is none (yet)."""
    from pipelines import db
    from pipelines.settings import database_path

    path = database_path()
    if not path.exists():
        yield None
        return
    con = db.connect_read_only(path)
    try:
        tables = {r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = 'talent'").fetchall()}
        if not {"person_department", "analysis_employee", "analysis_meta"} <= tables:
            yield None
            return
        cur = db.read_cursor(con)
        try:
            yield cur
        finally:
            cur.close()
    finally:
        con.close()
