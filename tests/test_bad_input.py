"""The bad-file corpus (tests/data/bad): each case gives a clear error or quarantine reasons, and nothing is lost."""
from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from services.cli import main
from pipelines.ingest import ingest
from pipelines.read import ImportFileError
from tests.conftest import TODAY, rows, table_counts

BAD = Path(__file__).parent / "data" / "bad"
CASES = tomllib.loads((BAD / "cases.toml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_case(name: str, loaded_db: Path) -> None:
    spec = CASES[name]
    folder = BAD / name
    before = table_counts(loaded_db)
    if "error" in spec:
        with pytest.raises(ImportFileError) as err:
            ingest([folder], loaded_db, today=TODAY)
        message = str(err.value)
        assert spec["error"] in message
        assert "\n" not in message  # one clear line
        if any(f.suffix in (".csv", ".xlsx") for f in folder.iterdir()):
            assert any(f.name in message for f in folder.iterdir()) or str(folder) in message  # names the file
        assert table_counts(loaded_db) == before  # nothing changed
        return
    summary = ingest([folder], loaded_db, today=TODAY)
    totals = summary["totals"]
    # Nothing lost: every row read is loaded, quarantined or a collapsed exact duplicate.
    data_rows = sum(sum(1 for line in f.read_bytes().splitlines()[1:] if line.strip()) for f in folder.iterdir() if f.suffix == ".csv")
    assert totals["read"] == spec.get("records", data_rows)  # a quoted cell may span lines
    assert totals["read"] == totals["loaded"] + totals["quarantined"] + totals["exact_duplicates"]
    assert totals["loaded"] == spec["loaded"]
    assert totals["exact_duplicates"] == spec.get("duplicates", 0)
    got = rows(loaded_db, "SELECT row_number, column_name, reason FROM quarantine WHERE run_id = ? ORDER BY entity, row_number", [summary["run_id"]])
    expected = spec.get("quarantine", [])
    assert len(got) == len(expected), got
    for row_number, column, reason in expected:
        assert any(r == row_number and c == column and reason in why for r, c, why in got), (row_number, column, reason, got)
    if "ignored" in spec:
        assert any(spec["ignored"] in f["ignored_columns"] for f in summary["files"])
    for employee_id in spec.get("ids", []):
        assert rows(loaded_db, "SELECT count(*) FROM employees WHERE employee_id = ?", [employee_id]) == [(1,)]
    # Markup and formulas are stored verbatim, as the file holds them (a case's `stored`: employee id, column, value).
    stored = spec.get("stored", [])
    assert [(e, c, rows(loaded_db, f"SELECT {c} FROM employees WHERE employee_id = ?", [e])) for e, c, _ in stored] == [(e, c, [(v,)]) for e, c, v in stored]


def test_the_corpus_is_large_enough() -> None:
    assert len(CASES) >= 30
    assert sum("error" in c for c in CASES.values()) >= 10 and sum("quarantine" in c for c in CASES.values()) >= 10


def test_a_failing_file_stops_the_whole_batch(loaded_db: Path, good_dir: Path) -> None:
    before = table_counts(loaded_db)
    (good_dir / "performance_ratings.csv").write_text("employee_id,period,score\n0001,2025,90\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="performance_ratings.csv: required column 'rating' is missing"):
        ingest([good_dir], loaded_db, today=TODAY)
    assert table_counts(loaded_db) == before


def test_cli_error_is_one_line_with_exit_code_2(loaded_db: Path, capsys) -> None:
    before = table_counts(loaded_db)
    code = main(["ingest", str(BAD / "missing_required_column"), "--db", str(loaded_db)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.splitlines()[0] == "error: performance_ratings.csv: required column 'rating' is missing; the file has: employee_id, period, score. Map a column to it, or give a default or a derivation in the mapping"
    assert "nothing was changed" in err
    assert table_counts(loaded_db) == before


def test_quarantine_keeps_the_row_as_read(loaded_db: Path) -> None:
    summary = ingest([BAD / "unknown_grades"], loaded_db, today=TODAY)
    raw = rows(loaded_db, "SELECT file, raw_row FROM quarantine WHERE run_id = ? AND row_number = 2", [summary["run_id"]])
    assert raw[0][0] == "performance_ratings.csv"
    assert json.loads(raw[0][1]) == {"employee_id": "0001", "period": "2022", "rating": "E", "score": None}


def test_a_workbook_that_would_inflate_past_the_limit_is_refused_before_reading(tmp_path: Path, loaded_db: Path, monkeypatch) -> None:
    import xlsxwriter

    from pipelines import read

    book = tmp_path / "employees.xlsx"
    wb = xlsxwriter.Workbook(book)
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["employee_id", "name", "department"])
    for i in range(1, 2000):
        ws.write_row(i, 0, [f"{i:05d}", "x" * 50, "Sales"])
    wb.close()
    monkeypatch.setattr(read, "MAX_XLSX_SHEET_BYTES", 100_000)  # the sheet's XML is larger than this; the file far smaller
    assert book.stat().st_size < 100_000
    before = table_counts(loaded_db)
    with pytest.raises(ImportFileError, match=r"employees.xlsx: the first sheet inflates to \d+ MB, more than the 0 MB"):
        ingest([book], loaded_db, today=TODAY)
    assert table_counts(loaded_db) == before


def test_a_damaged_database_file_is_one_line_and_exit_code_2(good_dir: Path, tmp_path: Path, capsys) -> None:
    damaged = tmp_path / "talent.duckdb"
    damaged.write_bytes(b"DUCK" + b"\x00\x17" * 5000)  # not a DuckDB file: truncated or overwritten
    code = main(["ingest", str(good_dir), "--db", str(damaged)])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[0].startswith(f"error: {damaged}: ") and len(err) == 2 and err[1] == "nothing was changed in the database"
    assert damaged.read_bytes()[:4] == b"DUCK"


def test_a_full_disk_is_one_line_and_exit_code_2(good_dir: Path, tmp_path: Path, capsys) -> None:
    import subprocess

    small = tmp_path / "full"
    small.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(small)], capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root): the full-disk case is not exercised")
    try:
        code = main(["ingest", str(good_dir), "--db", str(small / "talent.duckdb")])
        err = capsys.readouterr().err.splitlines()
        assert code == 2
        assert err == [f"error: {small / 'talent.duckdb'}: no space left on the disk", "nothing was changed in the database"]
        assert not (small / "talent.duckdb").exists()
    finally:
        subprocess.run(["umount", str(small)], check=False)
