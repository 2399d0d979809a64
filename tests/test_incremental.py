"""An import batch rebuilds only the rows of the people it touched (issue #17): the analysis tables it leaves are the
ones a full rebuild of the same data makes, table by table, whatever the row order."""
from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.ingest import ingest, rebuild_analysis

from .conftest import TODAY

# Not built by the analysis build, or stamped with the time it ran.
NOT_COMPARED = {"import_runs", "import_files", "quarantine"}
STAMPED = {"built_at"}


def differences(left: Path, right: Path) -> dict[str, str]:
    """Per table of either file: what differs (columns and their types, or rows counted with their multiplicity)."""
    con = duckdb.connect()
    con.execute(f"ATTACH '{left}' AS l (READ_ONLY)")
    con.execute(f"ATTACH '{right}' AS r (READ_ONLY)")
    columns = {db: {t: cols for t, cols in con.sql(
        f"""SELECT table_name, list(column_name || ' ' || data_type ORDER BY column_index) FROM duckdb_columns()
            WHERE database_name = '{db}' GROUP BY table_name""").fetchall()} for db in ("l", "r")}
    found = {}
    for table in sorted(set(columns["l"]) | set(columns["r"])):
        if table in NOT_COMPARED:
            continue
        if columns["l"].get(table) != columns["r"].get(table):
            found[table] = f"columns {columns['l'].get(table)} != {columns['r'].get(table)}"
            continue
        # DOUBLEs to 9 decimals: a sum's last bit depends on the order it adds in (a full build's too, on several threads)
        names = ", ".join(f'round("{name}", 9)' if kind == "DOUBLE" else f'"{name}"'
                          for name, kind in (c.split(" ", 1) for c in columns["l"][table]) if name not in STAMPED)
        only_left, only_right = con.sql(f"""SELECT (SELECT count(*) FROM (SELECT {names} FROM l."{table}" EXCEPT ALL SELECT {names} FROM r."{table}")),
                                                   (SELECT count(*) FROM (SELECT {names} FROM r."{table}" EXCEPT ALL SELECT {names} FROM l."{table}"))""").fetchall()[0]
        if only_left or only_right:
            found[table] = f"{only_left} rows only in the incremental build, {only_right} only in the full one"
    con.close()
    return found


def demo_batch(files: Path, folder: Path) -> Path:
    """A small batch from the demo export: new grades, a moved and a departed employee, a new hire, and a few
    training, 360, project, profile and promotion rows for people already there."""
    folder.mkdir()
    read = lambda name: pl.read_csv(files / name, infer_schema=False)  # noqa: E731
    ratings = read("performance_ratings.csv")
    latest = ratings.filter(pl.col("period").str.len_chars() == 4)["period"].max()
    grades = {"A": "B+", "B+": "B", "B": "C", "C": "A", "D": "B"}
    ratings.filter(pl.col("period") == latest).head(15).with_columns(pl.col("rating").replace(grades)) \
        .write_csv(folder / "performance_ratings.csv")
    people = read("employees.csv").filter(pl.col("status") == "active")
    boss = people["employee_id"][0]
    moved = people.slice(20, 6).with_columns(
        pl.when(pl.int_range(pl.len()) < 3).then(pl.lit(boss)).otherwise(pl.col("manager_id")).alias("manager_id"),
        pl.when(pl.int_range(pl.len()) == 3).then(pl.lit("Finance")).otherwise(pl.col("department")).alias("department"),
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("left")).otherwise(pl.col("status")).alias("status"),
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("2026-10-01")).otherwise(pl.col("exit_date")).alias("exit_date"),
        pl.when(pl.int_range(pl.len()) == 4).then(pl.lit("resigned")).otherwise(pl.col("exit_reason")).alias("exit_reason"),
    )
    hire = people.slice(30, 1).with_columns(pl.lit("NEW-001").alias("employee_id"), pl.lit("2026-09-01").alias("hire_date"))
    pl.concat([moved, hire]).write_csv(folder / "employees.csv")
    for name in ("training_records.csv", "feedback_360.csv", "projects.csv", "profiles.csv", "promotions.csv"):
        rows = read(name)
        rows.slice(rows.height // 2, 4).write_csv(folder / name)
    return folder


def test_a_small_batch_rebuilds_its_people_and_matches_a_full_rebuild(demo_db: Path, tmp_path: Path):
    db = tmp_path / "incremental.duckdb"
    shutil.copyfile(demo_db, db)
    batch = demo_batch(demo_db.parent / "files", tmp_path / "batch")
    edits = pl.DataFrame({"employee_id": ["E000050"], "field": ["skills"], "value": ["Negotiation"],
                          "edited_by": ["E000050"], "edited_at": [datetime(2026, 11, 20, 9, 0)]})
    first = ingest([batch], db, today=TODAY, profile_edits=edits)
    assert first["analysis"]["mode"] == "incremental"
    # the batch's people, their old and new managers and the person whose own edit changed; not everyone
    assert 20 < first["analysis"]["people"] < 100
    again = tmp_path / "again"
    again.mkdir()
    shutil.copyfile(batch / "performance_ratings.csv", again / "performance_ratings.csv")  # back-to-back batches
    assert ingest([again], db, today=TODAY, profile_edits=edits)["analysis"]["mode"] == "incremental"
    # a new location moves nobody's rank: the ranks and pool rules are kept, not recomputed
    moved = tmp_path / "moved"
    moved.mkdir()
    people = pl.read_csv(batch / "employees.csv", infer_schema=False)
    people.head(2).with_columns(pl.lit("Chengdu").alias("location")).write_csv(moved / "employees.csv")
    kept = ingest([moved], db, today=TODAY, profile_edits=edits)["analysis"]
    assert (kept["mode"], kept["ranks"]) == ("incremental", "unchanged")

    full = tmp_path / "full.duckdb"
    shutil.copyfile(db, full)
    rebuild_analysis(full, as_of=TODAY)
    assert differences(db, full) == {}
    con = duckdb.connect(str(db), read_only=True)
    try:  # the batch did change things: the departed person and the edit are in the tables
        assert con.sql("SELECT status FROM analysis_employee WHERE employee_id = 'NEW-001'").fetchall() == [("active",)]
        assert con.sql("SELECT skills FROM profile_values WHERE employee_id = 'E000050'").fetchall() == [("Negotiation",)]
    finally:
        con.close()


def test_a_batch_that_moves_what_everyone_is_measured_against_is_a_full_build(demo_db: Path, tmp_path: Path):
    """The first 2026 annual rating moves every person's 3-year window: no incremental shortcut. Nor on another day."""
    db = tmp_path / "talent.duckdb"
    shutil.copyfile(demo_db, db)
    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "performance_ratings.csv").write_text("employee_id,period,rating,score\nE000001,2026,A,97\n", encoding="utf-8")
    summary = ingest([folder], db, today=TODAY)
    assert summary["analysis"]["mode"] == "full"
    assert "latest annual year" in summary["analysis"]["why"]
    assert ingest([folder], db, as_of=date(2026, 11, 27))["analysis"]["mode"] == "full"
