"""The database file: one batch is one transaction, readers never see half a batch, writers queue."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pipelines import db
from pipelines.ingest import ingest
from services.cli import main
from tests.conftest import TODAY, rows, table_counts

ROOT = Path(__file__).resolve().parents[1]


def test_failure_inside_a_batch_leaves_the_database_as_it_was(loaded_db: Path) -> None:
    before = table_counts(loaded_db)
    version = db.data_version(loaded_db)
    with pytest.raises(RuntimeError, match="midway"):
        with db.write_batch(loaded_db) as con:
            con.execute("DELETE FROM employees")
            con.execute("INSERT INTO import_runs (run_id) VALUES (99)")
            raise RuntimeError("failure midway")
    assert table_counts(loaded_db) == before
    assert db.data_version(loaded_db) == version
    assert [p.name for p in loaded_db.parent.iterdir() if ".tmp" in p.name] == []


def test_readers_keep_a_consistent_view_while_a_batch_swaps_in(loaded_db: Path, good_dir: Path) -> None:
    old = db.connect_read_only(loaded_db)
    (good_dir / "employees.csv").write_text(
        (good_dir / "employees.csv").read_text(encoding="utf-8") + "0005,New Person,R&D,Engineer,3,,2026-01-05,,,,active,,\n", encoding="utf-8"
    )
    ingest([good_dir / "employees.csv"], loaded_db, today=TODAY)
    assert db.read_cursor(old).sql("SELECT count(*) FROM employees").fetchall() == [(4,)]
    assert db.read_cursor(old).sql("SELECT count(*) FROM analysis_employee").fetchall() == [(4,)]
    new = db.connect_read_only(loaded_db)
    assert db.read_cursor(new).sql("SELECT count(*) FROM employees").fetchall() == [(5,)]
    assert db.read_cursor(new).sql("SELECT count(*) FROM analysis_employee").fetchall() == [(5,)]
    old.close()
    new.close()


def test_a_second_writer_waits_and_then_fails_clearly(loaded_db: Path, good_dir: Path, monkeypatch, capsys) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write_batch(loaded_db):
            holding.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    assert holding.wait(10)
    # The second writer is the command line, run here (a subprocess would spend seconds importing the stack): its
    # flock on its own open file conflicts with the holder's as another process's would. It waits TALENT_LOCK_WAIT
    # seconds (read once at import: set here as the variable would) and gives up.
    monkeypatch.setattr(db, "LOCK_WAIT_SECONDS", 0.5)
    try:
        started = time.monotonic()
        code = main(["ingest", str(good_dir), "--db", str(loaded_db)])
        waited = time.monotonic() - started
    finally:
        release.set()
        t.join()
    stderr = capsys.readouterr().err
    assert code == 2 and waited >= 0.5
    assert "another import is writing this database" in stderr and "waited 0.5 s" in stderr
    assert f"(pid {os.getpid()} since " in stderr  # names the holder: this process, whose thread holds the lock
    # Once the first writer is done the second one goes through.
    assert ingest([good_dir], loaded_db, today=TODAY)["run_id"] == 2


def test_killed_ingest_leaves_the_previous_state_and_can_be_rerun(loaded_db: Path, tmp_path: Path) -> None:
    new = tmp_path / "new"  # an import of 400 new people: long enough to be killed inside its batch
    new.mkdir()
    (new / "employees.csv").write_text("employee_id,name,department,position,job_level,hire_date,status\n" + "".join(
        f"N{i:04d},Person {i},Sales,Rep,3,2020-01-01,active\n" for i in range(400)), encoding="utf-8")
    before = table_counts(loaded_db)
    proc = subprocess.Popen([sys.executable, "-m", "pipelines", "ingest", str(new), "--db", str(loaded_db)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work = loaded_db.with_name(f".{loaded_db.name}.{proc.pid}.tmp")
    deadline = time.monotonic() + 60
    while not work.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    time.sleep(0.05)  # midway through the batch on the copy
    assert proc.poll() is None, "the import finished before it could be killed; use a larger import"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert work.exists()  # killed inside its batch: its copy is left behind ...
    assert table_counts(loaded_db) == before  # ... and the database is as it was
    summary = ingest([new], loaded_db, today=TODAY)
    assert summary["entities"]["employees"]["loaded"] == 400
    assert rows(loaded_db, "SELECT count(*) FROM analysis_employee")[0][0] == before["employees"] + 400
    assert [p.name for p in loaded_db.parent.iterdir() if ".tmp" in p.name] == []


def test_an_isolated_import_gives_the_same_result_and_a_memory_cap_stops_it_changing_nothing(good_dir: Path, tmp_path: Path) -> None:
    from pipelines.isolated import ImportStopped, ingest_isolated
    from tests.conftest import TODAY, table_counts

    db = tmp_path / "iso.duckdb"
    seen = []
    summary = ingest_isolated([good_dir], db, progress=lambda f, m: seen.append(m), today=TODAY)
    assert summary["totals"]["loaded"] == 26 and seen and seen[-1] == "done"
    before = table_counts(db)
    with pytest.raises(ImportStopped, match="needed more than 40 MB of memory and was stopped; nothing was changed"):
        ingest_isolated([good_dir], db, memory_limit_mb=40, today=TODAY)
    assert table_counts(db) == before
