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
-- Why someone left the pool, as a category HR can count (see nominations.EXIT_REASONS).
ALTER TABLE nominations ADD COLUMN IF NOT EXISTS exit_reason VARCHAR;

-- Position profiles: HR's templates (department NULL) and the departments' tailored copies.
CREATE SEQUENCE IF NOT EXISTS position_seq;
CREATE TABLE IF NOT EXISTS position_profiles (
    profile_id BIGINT PRIMARY KEY DEFAULT nextval('position_seq'), title VARCHAR NOT NULL, department VARCHAR,
    based_on BIGINT, responsibilities VARCHAR, core_competencies VARCHAR, promotion_path VARCHAR,
    updated_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);
CREATE SEQUENCE IF NOT EXISTS position_comment_seq;
CREATE TABLE IF NOT EXISTS position_comments (
    comment_id BIGINT PRIMARY KEY DEFAULT nextval('position_comment_seq'), profile_id BIGINT NOT NULL,
    author VARCHAR NOT NULL, body VARCHAR NOT NULL, written_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);

-- Plan templates: general items (department NULL, set by HR) + each department's own items.
CREATE SEQUENCE IF NOT EXISTS template_item_seq;
CREATE TABLE IF NOT EXISTS plan_template_items (
    template_item_id BIGINT PRIMARY KEY DEFAULT nextval('template_item_seq'), department VARCHAR,
    kind VARCHAR NOT NULL, title VARCHAR NOT NULL, due_months INTEGER NOT NULL, active BOOLEAN NOT NULL DEFAULT true,
    created_by VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);

-- A candidate's development plan and its items; every change is a row in plan_changes.
CREATE SEQUENCE IF NOT EXISTS plan_seq;
CREATE TABLE IF NOT EXISTS development_plans (
    plan_id BIGINT PRIMARY KEY DEFAULT nextval('plan_seq'), employee_id VARCHAR NOT NULL, department VARCHAR NOT NULL,
    position_profile_id BIGINT, starts_on DATE NOT NULL, created_by VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);
CREATE SEQUENCE IF NOT EXISTS plan_item_seq;
CREATE TABLE IF NOT EXISTS plan_items (
    item_id BIGINT PRIMARY KEY DEFAULT nextval('plan_item_seq'), plan_id BIGINT NOT NULL, employee_id VARCHAR NOT NULL,
    department VARCHAR NOT NULL, kind VARCHAR NOT NULL, title VARCHAR NOT NULL, source VARCHAR NOT NULL,
    due_date DATE NOT NULL, status VARCHAR NOT NULL DEFAULT 'planned', completed_on DATE,
    updated_by VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);
CREATE SEQUENCE IF NOT EXISTS plan_change_seq;
CREATE TABLE IF NOT EXISTS plan_changes (
    change_id BIGINT PRIMARY KEY DEFAULT nextval('plan_change_seq'), plan_id BIGINT NOT NULL, item_id BIGINT,
    employee_id VARCHAR NOT NULL, department VARCHAR NOT NULL, change VARCHAR NOT NULL, before VARCHAR, after VARCHAR,
    reason VARCHAR, cycle_id VARCHAR, changed_by VARCHAR NOT NULL, changed_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);

-- Review cycles (mid-year in July, year-end), their members with the figures compiled for them,
-- the heads' assessments (append-only: the latest per person counts), HR's confirmations and disputes.
CREATE TABLE IF NOT EXISTS review_cycles (
    cycle_id VARCHAR PRIMARY KEY, year INTEGER NOT NULL, kind VARCHAR NOT NULL, status VARCHAR NOT NULL,
    opened_by VARCHAR NOT NULL, opened_at TIMESTAMP NOT NULL, closed_by VARCHAR, closed_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS review_members (
    cycle_id VARCHAR NOT NULL, employee_id VARCHAR NOT NULL, name VARCHAR, department VARCHAR NOT NULL, reviewer VARCHAR,
    plan_items INTEGER, plan_items_due INTEGER, plan_items_done INTEGER, plan_completion DOUBLE, courses INTEGER, courses_done INTEGER,
    rotations INTEGER, rotations_done INTEGER, rating_before VARCHAR, rating_after VARCHAR, rating_change DOUBLE,
    feedback_before DOUBLE, feedback_after DOUBLE, feedback_change DOUBLE, performance_score DOUBLE,
    feedback_score DOUBLE, composite_score DOUBLE, potential_score DOUBLE, compiled_at TIMESTAMP NOT NULL,
    PRIMARY KEY (cycle_id, employee_id));
CREATE SEQUENCE IF NOT EXISTS review_assessment_seq;
CREATE TABLE IF NOT EXISTS review_assessments (
    assessment_id BIGINT PRIMARY KEY DEFAULT nextval('review_assessment_seq'), cycle_id VARCHAR NOT NULL,
    employee_id VARCHAR NOT NULL, department VARCHAR NOT NULL,
    team_results_growth DOUBLE, project_on_time_rate DOUBLE, subordinate_rating_change DOUBLE,
    leadership_360 DOUBLE, adopted_proposals INTEGER, collaboration_satisfaction DOUBLE,
    quantitative_score DOUBLE, qualitative_score DOUBLE, quantitative_weight DOUBLE, composite_score DOUBLE,
    strengths VARCHAR, gaps VARCHAR, self_assessment VARCHAR, comment VARCHAR,
    outcome VARCHAR NOT NULL, suggested_outcome VARCHAR, rationale VARCHAR,
    recorded_by VARCHAR NOT NULL, recorded_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);
CREATE TABLE IF NOT EXISTS review_confirmations (
    cycle_id VARCHAR NOT NULL, employee_id VARCHAR NOT NULL, outcome VARCHAR NOT NULL, note VARCHAR,
    confirmed_by VARCHAR NOT NULL, confirmed_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP,
    PRIMARY KEY (cycle_id, employee_id));
CREATE SEQUENCE IF NOT EXISTS review_dispute_seq;
CREATE TABLE IF NOT EXISTS review_disputes (
    dispute_id BIGINT PRIMARY KEY DEFAULT nextval('review_dispute_seq'), cycle_id VARCHAR NOT NULL,
    employee_id VARCHAR NOT NULL, department VARCHAR NOT NULL, dispute VARCHAR NOT NULL, raised_by VARCHAR NOT NULL,
    raised_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP, answer VARCHAR, answered_by VARCHAR, answered_at TIMESTAMP);
"""


def workspace_path(db_path: str | os.PathLike | None = None) -> Path:
    """TALENT_WORKSPACE, else workspace.duckdb beside the analysis database (db_path, else the configured one)."""
    chosen = os.environ.get("TALENT_WORKSPACE")
    return Path(chosen).expanduser().resolve() if chosen else database_path(db_path).with_name("workspace.duckdb")


_schema_ready: set[tuple[str, int]] = set()


def version(path: Path | None = None) -> str | None:
    """Changes whenever the workspace file is written: a cache key for reads of it."""
    path = path or workspace_path()
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    wal = path.with_name(path.name + ".wal")
    extra = f"-{wal.stat().st_mtime_ns}" if wal.exists() else ""
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}{extra}"


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
        stat = path.stat()
        if (str(path), stat.st_ino) not in _schema_ready:  # the schema once per file and process, not per connection
            con.execute(DDL)
            _schema_ready.add((str(path), stat.st_ino))
        yield con
    finally:
        con.close()


def audit(con: duckdb.DuckDBPyConnection, username: str | None, action: str, target: str | None = None, detail: str | None = None) -> None:
    con.execute("INSERT INTO audit_log (username, action, target, detail) VALUES (?, ?, ?, ?)", [username, action, target, detail])
