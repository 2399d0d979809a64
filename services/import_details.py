"""Reads for the Data page's run details and mapping screen (run through dashboard.state.query)."""
from __future__ import annotations

import json

import duckdb


def run_summary(cur: duckdb.DuckDBPyConnection, run_id: int) -> dict:
    """The run's summary as the import wrote it (headline, warnings, per-file derived columns); {} for old runs."""
    found = cur.sql("SELECT summary_json FROM import_runs WHERE run_id = ?", params=[run_id]).fetchall()
    if not found or not found[0][0]:
        return {}
    try:
        summary = json.loads(found[0][0])
    except ValueError:
        return {}
    return summary if isinstance(summary, dict) else {}


def employee_ids(cur: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """Every employee id in the database, to recognise an id column by its content."""
    return frozenset(r[0] for r in cur.sql("SELECT employee_id FROM employees").fetchall())
