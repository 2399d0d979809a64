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


def test_a_second_writer_waits_and_then_fails_clearly(loaded_db: Path, good_dir: Path) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with db.write_batch(loaded_db):
            holding.set()
            release.wait(30)

    t = threading.Thread(target=hold)
    t.start()
    assert holding.wait(10)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pipelines", "ingest", str(good_dir), "--db", str(loaded_db)],
            cwd=ROOT, env={**os.environ, "TALENT_LOCK_WAIT": "0.5"}, capture_output=True, text=True, timeout=120,
        )
    finally:
        release.set()
        t.join()
    assert done.returncode == 2
    assert "another import is writing this database" in done.stderr
    assert f"(pid {os.getpid()} since " in done.stderr  # names the holder: this process, whose thread holds the lock
    # Once the first writer is done the second one goes through.
    assert ingest([good_dir], loaded_db, today=TODAY)["run_id"] == 2


@pytest.mark.xdist_group("model")  # shares the model tests' demo files
def test_killed_ingest_leaves_the_previous_state_and_can_be_rerun(model_demo_files: Path, loaded_db: Path) -> None:
    demo = model_demo_files
    before = table_counts(loaded_db)
    proc = subprocess.Popen([sys.executable, "-m", "pipelines", "ingest", str(demo), "--db", str(loaded_db)], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    work = loaded_db.with_name(f".{loaded_db.name}.{proc.pid}.tmp")
    deadline = time.monotonic() + 60
    while not work.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(0.3)  # midway through writing the copy
    assert proc.poll() is None, "the import finished before it could be killed; use a larger demo"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert table_counts(loaded_db) == before
    summary = ingest([demo], loaded_db, today=TODAY)
    assert summary["entities"]["employees"]["loaded"] > 1500
    assert rows(loaded_db, "SELECT count(*) FROM analysis_employee")[0][0] == before["employees"] + summary["entities"]["employees"]["loaded"]
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
