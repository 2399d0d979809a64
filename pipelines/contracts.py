"""Output contracts of the analysis build (dataframely schemas), checked before a batch is swapped in.

A build whose output breaks a contract fails loudly (ContractBroken) and the live database is left as
it was. The schemas list the columns other code relies on; a table may hold more.
- analysis_employee: one row per person, pool-rule flags and management tier always decided.
- analysis_snapshots: one row per snapshot date and person, labels decided, the pool-rule inputs present.
- model inputs (models.potential.as_inputs): numeric inputs are numbers, categories never missing.
"""
from __future__ import annotations

import dataframely as dy
import duckdb
import polars as pl

TIERS = ["below_management", "middle_management", "executive"]


class ContractBroken(ValueError):
    """A table the build made does not keep its contract."""


class AnalysisEmployee(dy.Schema):
    employee_id = dy.String(primary_key=True)
    department = dy.String(nullable=True)
    status = dy.Enum(["active", "left"], nullable=True)
    job_level = dy.Int64(nullable=True)
    performance_index = dy.Float64(nullable=True)
    pool_score = dy.Float64(nullable=False, min=0, max=100)
    has_management_experience = dy.Bool(nullable=False)
    career_plan_submitted = dy.Bool(nullable=False)
    rule_top_performance = dy.Bool(nullable=False)
    rule_top_performance_share = dy.Float64(nullable=True, min=0, max=1)
    meets_pool_rules = dy.Bool(nullable=False)
    management_tier = dy.Enum(TIERS, nullable=True)
    holds_management_seat = dy.Bool(nullable=False)

    @dy.rule()
    def pool_needs_active_top_performer(cls) -> pl.Expr:
        return ~pl.col("meets_pool_rules") | ((pl.col("status") == "active") & pl.col("rule_top_performance"))

    @dy.rule()
    def seat_is_middle_management(cls) -> pl.Expr:
        return pl.col("holds_management_seat") == (pl.col("management_tier") == "middle_management").fill_null(False)


class AnalysisSnapshots(dy.Schema):
    as_of = dy.Date(primary_key=True)
    employee_id = dy.String(primary_key=True)
    label_complete = dy.Bool(nullable=False)
    department = dy.String(nullable=True)
    level_at = dy.Int64(nullable=True)
    rating_last = dy.Float64(nullable=True)
    performance_index = dy.Float64(nullable=True)
    has_management_experience = dy.Bool(nullable=False)
    career_plan_submitted = dy.Bool(nullable=False)
    label = dy.Bool(nullable=False)
    label_strict = dy.Bool(nullable=False)

    @dy.rule()
    def strict_label_is_a_label(cls) -> pl.Expr:
        return ~pl.col("label_strict") | pl.col("label")


def check(schema: type[dy.Schema], frame: pl.DataFrame, name: str) -> None:
    """Raise ContractBroken, naming the table and the failed rules, when `frame` breaks `schema`."""
    missing = [c for c in schema.column_names() if c not in frame.columns]
    if missing:
        raise ContractBroken(f"{name} breaks its contract: missing column(s) {', '.join(missing)}")
    try:
        schema.validate(frame.select(schema.column_names()), cast=True)
    except (dy.exc.ValidationError, pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as error:
        raise ContractBroken(f"{name} breaks its contract: {error}") from error


def check_model_inputs(frame: pl.DataFrame, numeric: list[str], categorical: list[str]) -> None:
    """The model's input table: every numeric input a Float64 column, every category a String without gaps."""
    columns = {f"{c}": dy.Float64(nullable=True) for c in numeric} | {f"{c}": dy.String(nullable=False) for c in categorical}
    schema = type("ModelInputs", (dy.Schema,), columns)
    wrong = [c for c in numeric if frame.schema.get(c) != pl.Float64] + [c for c in categorical if frame.schema.get(c) != pl.String]
    if wrong:
        raise ContractBroken(f"model inputs break their contract: wrong type or missing: {', '.join(wrong)}")
    check(schema, frame, "model inputs")


def in_batch_defined(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.sql("SELECT 1 FROM duckdb_functions() WHERE function_name = 'in_batch'").fetchall())


def check_analysis_contracts(con: duckdb.DuckDBPyConnection) -> None:
    """Check the marts the pages and the model read, inside the build's transaction."""
    for schema, table in ((AnalysisEmployee, "analysis_employee"), (AnalysisSnapshots, "analysis_snapshots")):
        # only the contract's columns: the whole wide tables took seconds at 100,000 employees
        present = {r[0] for r in con.sql(f"DESCRIBE {table}").fetchall()}
        columns = ", ".join(f'"{c}"' for c in schema.column_names() if c in present)
        # after a batch, the snapshot rows it rebuilt (in_batch's people: the others' rows were checked when built)
        rows = " WHERE in_batch(employee_id)" if table == "analysis_snapshots" and in_batch_defined(con) else ""
        check(schema, con.sql(f"SELECT {columns} FROM {table}{rows}").pl(), table)
