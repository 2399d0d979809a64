"""Write validated rows into DuckDB: upsert on the natural key, keep quarantined rows and the run record."""
from __future__ import annotations

import duckdb
import polars as pl

from .entities import ENTITIES
from .read import ROW
from .validate import FILE, Validated

# Arrow string views: DuckDB reads polars' strings as they are (the default converts them, copying every string).
ARROW = pl.CompatLevel.newest()


def next_run_id(con: duckdb.DuckDBPyConnection) -> int:
    return con.sql("SELECT coalesce(max(run_id), 0) + 1 FROM import_runs").fetchall()[0][0]


def known_employee_ids(con: duckdb.DuckDBPyConnection) -> pl.Series:
    return con.sql("SELECT employee_id FROM employees").pl()["employee_id"]


def upsert(con: duckdb.DuckDBPyConnection, validated: Validated, run_id: int) -> int:
    """Replace rows with the same natural key, insert the rest. Returns how many were replaced."""
    entity = ENTITIES[validated.entity]
    cols = entity.column_names
    staged = validated.good.select(
        *cols, pl.lit(run_id, pl.Int64).alias("import_run_id"), pl.col(FILE).alias("source_file"), pl.col(ROW).alias("source_row")
    )
    if staged.height == 0:
        return 0
    con.register("staged", staged.to_arrow(compat_level=ARROW))
    try:
        match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM s.{k}" for k in entity.key)
        # Into an empty table (a first import) nothing can be replaced: skip the key join.
        empty = not con.sql(f"SELECT 1 FROM {entity.name} LIMIT 1").fetchall()
        replaced = 0 if empty else con.sql(f"SELECT count(*) FROM {entity.name} t SEMI JOIN staged s ON {match}").fetchall()[0][0]
        if replaced:
            con.execute(f"DELETE FROM {entity.name} t USING staged s WHERE {match}")
        all_cols = ", ".join(cols + ["import_run_id", "source_file", "source_row"])
        con.execute(f"INSERT INTO {entity.name} ({all_cols}) SELECT {all_cols} FROM staged")
    finally:
        con.unregister("staged")
    return replaced


def store_quarantine(con: duckdb.DuckDBPyConnection, quarantine: pl.DataFrame, run_id: int) -> None:
    if quarantine.height == 0:
        return
    con.register("staged_quarantine", quarantine.with_columns(pl.lit(run_id, pl.Int64).alias("run_id")).to_arrow(compat_level=ARROW))
    try:
        con.execute(
            "INSERT INTO quarantine (run_id, entity, file, row_number, column_name, value, reason, raw_row) "
            "SELECT run_id, entity, file, row_number, column_name, value, reason, raw_row FROM staged_quarantine"
        )
    finally:
        con.unregister("staged_quarantine")


def store_run(con: duckdb.DuckDBPyConnection, run: dict, files: pl.DataFrame) -> None:
    con.execute(
        "INSERT INTO import_runs VALUES ($run_id, $started_at, $finished_at, $run_by, $host, $command, $preset, "
        "$rows_read, $rows_loaded, $rows_quarantined, $exact_duplicates, $summary_json)",
        run,
    )
    con.register("staged_files", files.to_arrow())
    try:
        con.execute(
            "INSERT INTO import_files SELECT run_id, entity, file, sha256, rows_read, rows_loaded, "
            "rows_quarantined, exact_duplicates, ignored_columns FROM staged_files"
        )
    finally:
        con.unregister("staged_files")
