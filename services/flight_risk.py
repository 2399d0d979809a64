"""Flight risk (issue #16): the flight-risk model's scores, read within a department scope.

The model (models/flight_risk.py) writes `flight_risk_scores` in the analysis database: per person the calibrated
chance of leaving within 12 months (`probability`), its band (`risk_band`: low / medium / high, decided by the
model when it scores, never again here) and its reasons (`factors`, JSON). Everyone reads them through here.
"""
from __future__ import annotations

import duckdb
import polars as pl

from .queries import scope_condition

Scope = tuple[str, ...] | None
RISK_BANDS = ("low", "medium", "high")
SCORE_SCHEMA = {"employee_id": pl.String, "department": pl.String, "probability": pl.Float64, "risk_band": pl.String,
                "factors": pl.String}


def scores(cur: duckdb.DuckDBPyConnection, scope: Scope = None, department: str | None = None) -> pl.DataFrame:
    """employee_id, department (current), probability, risk_band, factors of everyone scored within scope."""
    where, params = scope_condition(scope, department, "d.department")
    return cur.sql(
        f"""SELECT f.employee_id, d.department, f.probability, f.risk_band, f.factors
            FROM flight_risk_scores f JOIN person_department d USING (employee_id)
            WHERE {where} ORDER BY f.employee_id""", params=params).pl().cast(SCORE_SCHEMA)
