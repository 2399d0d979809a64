"""The one place that owns the database file.

Writers never touch the live file: a batch copies it, writes the copy in one transaction,
checkpoints, and swaps it in with an atomic rename. Readers (the app) attach the live file
read-only, so an import never blocks them and they never see half a batch. A lock file keeps
two writers apart.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import filelock

from .entities import ENTITIES

DUCKDB_TYPES = {
    "id": "VARCHAR", "text": "VARCHAR", "enum": "VARCHAR", "rating": "VARCHAR", "period": "VARCHAR",
    "int": "BIGINT", "float": "DOUBLE", "feedback": "DOUBLE", "date": "DATE", "bool": "BOOLEAN",
}
META_DDL = """
CREATE TABLE IF NOT EXISTS import_runs (
    run_id BIGINT PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP, run_by VARCHAR,
    host VARCHAR, command VARCHAR, preset VARCHAR, rows_read BIGINT, rows_loaded BIGINT,
    rows_quarantined BIGINT, exact_duplicates BIGINT, summary_json VARCHAR);
CREATE TABLE IF NOT EXISTS import_files (
    run_id BIGINT, entity VARCHAR, file VARCHAR, sha256 VARCHAR, rows_read BIGINT,
    rows_loaded BIGINT, rows_quarantined BIGINT, exact_duplicates BIGINT, ignored_columns VARCHAR);
CREATE TABLE IF NOT EXISTS model_scores (
    employee_id VARCHAR, model_version VARCHAR, as_of DATE, probability DOUBLE, score DOUBLE,
    score_percentile DOUBLE, factors VARCHAR);
-- The flight-risk model's scores (issue #16): the calibrated chance of leaving within 12 months, its band and reasons.
CREATE TABLE IF NOT EXISTS flight_risk_scores (
    employee_id VARCHAR, model_version VARCHAR, as_of DATE, probability DOUBLE, risk_band VARCHAR, factors VARCHAR);
-- The snapshot row a person was scored from, hashed (issue #17): a re-score after an import explains only the changed.
ALTER TABLE model_scores ADD COLUMN IF NOT EXISTS inputs_hash UBIGINT;
ALTER TABLE flight_risk_scores ADD COLUMN IF NOT EXISTS inputs_hash UBIGINT;
CREATE TABLE IF NOT EXISTS quarantine (
    run_id BIGINT, entity VARCHAR, file VARCHAR, row_number BIGINT, column_name VARCHAR,
    value VARCHAR, reason VARCHAR, raw_row VARCHAR);
"""
LOCK_WAIT_SECONDS = float(os.environ.get("TALENT_LOCK_WAIT", "120"))


class DatabaseBusy(Exception):
    """Another process holds the write lock for longer than we wait."""


def entity_ddl(name: str) -> str:
    cols = ", ".join(f"{c.name} {DUCKDB_TYPES[c.kind]}" for c in ENTITIES[name].columns)
    return f"CREATE TABLE IF NOT EXISTS {name} ({cols}, import_run_id BIGINT, source_file VARCHAR, source_row BIGINT)"


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(META_DDL)
    for name in ENTITIES:
        con.execute(entity_ddl(name))


def data_version(path: Path) -> str | None:
    """Changes whenever a batch is swapped in; keys the app's caches."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


def _record_holder(fd: int) -> None:
    # Who holds the lock, for the message a waiting writer gives up with (the lock itself is the kernel's flock).
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"pid {os.getpid()} since {time.strftime('%Y-%m-%d %H:%M:%S')}".encode(), 0)


@contextlib.contextmanager
def _write_lock(path: Path, wait: float) -> Iterator[None]:
    """One writer at a time; a killed writer's lock goes with its process (flock), so a rerun never finds it stale."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock_path = path.with_name(path.name + ".lock")
    # fallback_to_soft=False: where flock is missing fail rather than fall back to a marker file a kill would leave behind.
    lock = filelock.FileLock(lock_path, timeout=wait, poll_interval=0.2, on_acquired=_record_holder,
                             fallback_to_soft=False, preserve_lock_file=True)
    try:
        lock.acquire()
    except filelock.Timeout:
        holder = lock_path.read_text(errors="replace").strip() or "another process"
        raise DatabaseBusy(
            f"{path}: another import is writing this database ({holder}); "
            f"waited {wait:g} s — try again when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def write_batch(path: Path, wait: float | None = None, dry_run: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """One batch = one transaction on a copy, swapped in only when it commits.
    dry_run: the same work on the copy, which is then thrown away (the live file is never touched)."""
    path = Path(path)
    with _write_lock(path, LOCK_WAIT_SECONDS if wait is None else wait):
        for stale in path.parent.glob(f".{path.name}.*.tmp*"):  # left by a killed writer
            stale.unlink(missing_ok=True)
        work = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        if path.exists():
            shutil.copyfile(path, work)
        con = duckdb.connect(str(work))
        try:
            ensure_schema(con)
            con.execute("BEGIN TRANSACTION")
            yield con
            if dry_run:
                con.execute("ROLLBACK")
                con.close()
                for leftover in path.parent.glob(f"{work.name}*"):
                    leftover.unlink(missing_ok=True)
                return
            con.execute("COMMIT")
            con.execute("CHECKPOINT")
            con.close()
            _fsync(work)
            os.replace(work, path)
            _fsync(path.parent)
        except BaseException:
            with contextlib.suppress(Exception):
                con.close()
            for leftover in path.parent.glob(f"{work.name}*"):
                leftover.unlink(missing_ok=True)
            raise


def connect_read_only(path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory connection with the live file attached read-only as `talent`.

    Attaching (rather than duckdb.connect(path)) gives a fresh view of the file after a swap,
    where DuckDB's per-process instance cache would keep serving the old one.
    """
    con = duckdb.connect(":memory:")
    con.execute("ATTACH ? AS talent (READ_ONLY)", [str(path)])
    con.execute("USE talent")
    return con


def read_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor per query: a connection is not thread-safe, and USE is per cursor."""
    cur = con.cursor()
    cur.execute("USE talent")
    return cur


def is_empty(path: Path) -> bool:
    """True for a database that has never had an import (missing file included)."""
    if not Path(path).exists():
        return True
    con = connect_read_only(path)
    try:
        tables = {r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = 'talent'").fetchall()}
        return "import_runs" not in tables or con.sql("SELECT count(*) FROM import_runs").fetchall()[0][0] == 0
    finally:
        con.close()


def analysis_version(path: Path) -> int | None:
    """The version the analysis tables were built with (None: not built, or built before versions)."""
    con = connect_read_only(path)
    try:
        cols = {r[0] for r in con.sql("SELECT column_name FROM duckdb_columns() WHERE database_name = 'talent' AND table_name = 'analysis_meta'").fetchall()}
        if "analysis_version" not in cols:
            return None
        found = con.sql("SELECT analysis_version FROM analysis_meta").fetchall()
        return found[0][0] if found else None
    finally:
        con.close()


HEADER_BYTES = 3 * 4096  # DuckDB's file header and its two database headers


def file_damage(path: Path) -> str | None:
    """Why the database file cannot be trusted (truncated, not a DuckDB file, unreadable), or None.

    A DuckDB file is its headers plus block_count blocks of block_alloc_size bytes, as the newer of the two
    database headers states; a shorter file was cut short (full disk, interrupted copy) and parts of its
    tables are missing, which DuckDB itself notices only when a query reaches them."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return None
    with path.open("rb") as f:
        head = f.read(HEADER_BYTES)
    if len(head) < HEADER_BYTES or head[8:12] != b"DUCK":
        return f"not a complete DuckDB database file ({size:,} bytes)"
    headers = [struct.unpack_from("<6Q", head, offset) for offset in (4096, 8192)]
    _, _, _, _, block_count, block_size = max(headers, key=lambda h: h[1])  # checksum, iteration, meta, free list, blocks, block size
    short = 4096 <= block_size <= 1 << 24 and size < HEADER_BYTES + block_count * block_size
    try:
        con = connect_read_only(path)
        try:
            tables = con.sql("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'talent'").fetchall()
            if short:  # DuckDB also trims free blocks off the end of a healthy file: read every row to tell the two apart
                for schema, table in tables:
                    con.sql(f'SELECT max(hash(t)) FROM talent."{schema}"."{table}" AS t').fetchall()
        finally:
            con.close()
    except duckdb.Error as exc:
        detail = str(exc).splitlines()[0][:300]
        return f"the file has {size:,} bytes, its header describes {HEADER_BYTES + block_count * block_size:,} ({detail})" if short else detail
    return None
