"""The app's own writes (users, audit log, nominations) live in their own DuckDB file.

An import swaps the analysis database wholesale, so nothing the app writes may live there.
Connections here are opened per operation and closed at once, so the app and a command-line
`python -m dashboard users …` can take turns on the file; a busy file is retried briefly.
"""
from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from pipelines.settings import database_path

DDL = """
CREATE TABLE IF NOT EXISTS users (
    username VARCHAR PRIMARY KEY, display_name VARCHAR, role VARCHAR NOT NULL,
    departments VARCHAR[] NOT NULL DEFAULT [], password_hash VARCHAR, is_demo BOOLEAN NOT NULL DEFAULT false,
    disabled BOOLEAN NOT NULL DEFAULT false, created_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP, created_by VARCHAR);
CREATE SEQUENCE IF NOT EXISTS audit_seq;
CREATE TABLE IF NOT EXISTS audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'), logged_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP,
    username VARCHAR, action VARCHAR NOT NULL, target VARCHAR, detail VARCHAR);
CREATE SEQUENCE IF NOT EXISTS nomination_seq;
CREATE TABLE IF NOT EXISTS nominations (
    nomination_id BIGINT PRIMARY KEY DEFAULT nextval('nomination_seq'), employee_id VARCHAR NOT NULL,
    department VARCHAR NOT NULL, action VARCHAR NOT NULL, readiness VARCHAR, target_position VARCHAR,
    reason VARCHAR NOT NULL, decided_by VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);
"""


def workspace_path() -> Path:
    """TALENT_WORKSPACE, else workspace.duckdb beside the analysis database."""
    chosen = os.environ.get("TALENT_WORKSPACE")
    return Path(chosen).expanduser().resolve() if chosen else database_path().with_name("workspace.duckdb")


@contextlib.contextmanager
def connect(path: Path | None = None, wait: float = 10.0) -> Iterator[duckdb.DuckDBPyConnection]:
    path = path or workspace_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait
    while True:
        try:
            con = duckdb.connect(str(path))
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() >= deadline:
                raise
            time.sleep(0.1)
    try:
        con.execute(DDL)
        yield con
    finally:
        con.close()


def audit(con: duckdb.DuckDBPyConnection, username: str | None, action: str, target: str | None = None, detail: str | None = None) -> None:
    con.execute("INSERT INTO audit_log (username, action, target, detail) VALUES (?, ?, ?, ?)", [username, action, target, detail])
