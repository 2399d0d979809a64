"""The app's own records (users, audit log, nominations, plans, reviews, calibration, succession): the workspace.

An import swaps the analysis database wholesale, so nothing the app writes may live there. Two stores, one code:
- embedded (the default, one machine): a DuckDB file, workspace.duckdb beside the analysis database. Connections
  are opened per operation and closed at once, so the app and a command line can take turns on the file; a busy
  file is retried briefly. Within one process, threads share the file: the schema is made once under a lock, and
  version() tolerates the write-ahead log appearing and vanishing while it looks.
- PostgreSQL (TALENT_WORKSPACE_URL=postgresql://…): for several app processes or machines; a connection pool per
  process (services/workspace_postgres.py), the services' SQL translated, writes taking turns on an advisory lock.
Both get their schema from MIGRATIONS, and every write goes through write() with its audit row.
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb

from pipelines.settings import database_path

from . import workspace_postgres

# The workspace's schema: an ordered list of migrations, each applied once per store and recorded in
# schema_migrations. Append a new one for every change (never edit one that has shipped): a store made by
# an older version gets just the ones it lacks. Written in DuckDB's SQL; PostgreSQL gets it translated.
MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (1, "accounts, the audit log and the pool's nominations", """
CREATE TABLE IF NOT EXISTS users (
    username VARCHAR PRIMARY KEY, display_name VARCHAR, role VARCHAR NOT NULL,
    departments VARCHAR[] NOT NULL DEFAULT []::VARCHAR[], password_hash VARCHAR, is_demo BOOLEAN NOT NULL DEFAULT false,
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
"""),
    (2, "position profiles, plan templates and development plans", """
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
"""),
    (3, "review cycles, assessments, confirmations and disputes", """
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
"""),
    (4, "accounts and sessions: password changes, sign-out everywhere (issue #13)", """
-- Accounts and sessions (issue #13): a password to change at the next sign-in (the first admin's generated
-- one, a reset), and the moment every session of the account ended (sign-out everywhere, a reset, disabling).
ALTER TABLE users ADD COLUMN IF NOT EXISTS must_change_password BOOLEAN DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS sessions_revoked_at TIMESTAMP;
ALTER TABLE users ADD COLUMN IF NOT EXISTS employee_id VARCHAR;
"""),
    (5, "candidates take part: self-service edits, self-assessments, reported plan items (issue #18)", """
-- Candidates take part (issue #18). Self-service profile edits, append-only: the latest per person and field
-- is the current value (unless a newer import says otherwise; services/self_service.py decides).
CREATE SEQUENCE IF NOT EXISTS profile_edit_seq;
CREATE TABLE IF NOT EXISTS profile_edits (
    edit_id BIGINT PRIMARY KEY DEFAULT nextval('profile_edit_seq'), employee_id VARCHAR NOT NULL, department VARCHAR NOT NULL,
    field VARCHAR NOT NULL, value VARCHAR, edited_by VARCHAR NOT NULL, edited_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);
-- A candidate's self-assessment in an open cycle, append-only per indicator: the latest per (cycle, person, indicator) counts.
CREATE SEQUENCE IF NOT EXISTS self_assessment_seq;
CREATE TABLE IF NOT EXISTS self_assessments (
    self_assessment_id BIGINT PRIMARY KEY DEFAULT nextval('self_assessment_seq'), cycle_id VARCHAR NOT NULL,
    employee_id VARCHAR NOT NULL, department VARCHAR NOT NULL, indicator VARCHAR NOT NULL, text VARCHAR, evidence VARCHAR,
    submitted_by VARCHAR NOT NULL, submitted_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);
-- Which comment a dispute is about (strengths, gaps, comment, outcome): one dispute per comment and cycle.
ALTER TABLE review_disputes ADD COLUMN IF NOT EXISTS about VARCHAR;
-- A plan item the candidate reports done (note or file name), confirmed by their head.
ALTER TABLE plan_items ADD COLUMN IF NOT EXISTS reported_done_note VARCHAR;
ALTER TABLE plan_items ADD COLUMN IF NOT EXISTS reported_done_by VARCHAR;
ALTER TABLE plan_items ADD COLUMN IF NOT EXISTS reported_done_at TIMESTAMP;
ALTER TABLE plan_items ADD COLUMN IF NOT EXISTS confirmed_by VARCHAR;
ALTER TABLE plan_items ADD COLUMN IF NOT EXISTS confirmed_at TIMESTAMP;
-- Candidates take part, the review part (issue #18): each cycle's self-assessment deadline (NULL: opened + [review]
-- self_assessment_days; services/reviews.self_assessment_due).
ALTER TABLE review_cycles ADD COLUMN IF NOT EXISTS self_assessment_due DATE;
"""),
    (6, "the sign-in lockout ledger and the workspace's purpose", """
-- The lockout ledger: one row per sign-in attempt, reserved before the password is checked.
CREATE SEQUENCE IF NOT EXISTS attempt_seq;
CREATE TABLE IF NOT EXISTS sign_in_attempts (
    attempt_id BIGINT PRIMARY KEY DEFAULT nextval('attempt_seq'), username VARCHAR NOT NULL, client VARCHAR NOT NULL,
    attempted_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP, outcome VARCHAR NOT NULL, cleared BOOLEAN NOT NULL DEFAULT false);
-- What this workspace is for: 'demo' (made with the demo organisation) or 'real' (has seen real data). Sticky.
CREATE TABLE IF NOT EXISTS workspace_info (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
"""),
    (7, "9-box calibration moves", """
-- 9-box calibration: a person moved to another box with a reason; the original placement is kept.
CREATE SEQUENCE IF NOT EXISTS calibration_seq;
CREATE TABLE IF NOT EXISTS grid_calibrations (
    calibration_id BIGINT PRIMARY KEY DEFAULT nextval('calibration_seq'), employee_id VARCHAR NOT NULL, department VARCHAR NOT NULL,
    from_performance VARCHAR, from_potential VARCHAR, to_performance VARCHAR NOT NULL, to_potential VARCHAR NOT NULL,
    reason VARCHAR NOT NULL, decided_by VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);
"""),
    (8, "the talent-review meeting: key seats, successors, calibration sessions (issue #16)", """
-- The talent-review meeting (issue #16). Key seats: a middle-management seat HR marks as key, identified by the
-- person holding it when it was marked (the seat stays, vacant, when they leave), with the impact of losing them.
-- position is NULL for an export without a position column: the seat is then known by its holder and department.
CREATE SEQUENCE IF NOT EXISTS key_seat_seq;
CREATE TABLE IF NOT EXISTS key_seats (
    seat_id BIGINT PRIMARY KEY DEFAULT nextval('key_seat_seq'), holder_id VARCHAR NOT NULL, department VARCHAR NOT NULL,
    position VARCHAR, impact VARCHAR NOT NULL DEFAULT 'medium', active BOOLEAN NOT NULL DEFAULT true,
    marked_by VARCHAR NOT NULL, marked_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);
-- A seat's successors, append-only (who, when, why): the latest row per (seat, person) is current; action 'name' or 'remove'.
CREATE SEQUENCE IF NOT EXISTS seat_successor_seq;
CREATE TABLE IF NOT EXISTS seat_successors (
    change_id BIGINT PRIMARY KEY DEFAULT nextval('seat_successor_seq'), seat_id BIGINT NOT NULL, employee_id VARCHAR NOT NULL,
    department VARCHAR NOT NULL, action VARCHAR NOT NULL, readiness VARCHAR, rank INTEGER, reason VARCHAR NOT NULL,
    decided_by VARCHAR NOT NULL, decided_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP);
-- Calibration sessions: HR opens one for some departments and a date; moves made in it are grid_calibrations rows with
-- its session_id; locking keeps the calibrated grid as calibration_snapshots (original and calibrated box, who, why).
CREATE SEQUENCE IF NOT EXISTS calibration_session_seq;
CREATE TABLE IF NOT EXISTS calibration_sessions (
    session_id BIGINT PRIMARY KEY DEFAULT nextval('calibration_session_seq'), name VARCHAR NOT NULL,
    departments VARCHAR[] NOT NULL, meeting_date DATE NOT NULL, opened_by VARCHAR NOT NULL,
    opened_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP, locked_by VARCHAR, locked_at TIMESTAMP);
ALTER TABLE grid_calibrations ADD COLUMN IF NOT EXISTS session_id BIGINT;
CREATE TABLE IF NOT EXISTS calibration_snapshots (
    session_id BIGINT NOT NULL, employee_id VARCHAR NOT NULL, department VARCHAR NOT NULL,
    original_performance VARCHAR, original_potential VARCHAR, calibrated_performance VARCHAR, calibrated_potential VARCHAR,
    moved_by VARCHAR, reason VARCHAR, PRIMARY KEY (session_id, employee_id));
"""),
)
MAX_NAME = 64  # user names and targets longer than this are cut in the audit log (a sign-in form takes any text)


def workspace_path(db_path: str | os.PathLike | None = None) -> Path:
    """TALENT_WORKSPACE, else workspace.duckdb beside the analysis database (db_path, else the configured one)."""
    chosen = os.environ.get("TALENT_WORKSPACE")
    return Path(chosen).expanduser().resolve() if chosen else database_path(db_path).with_name("workspace.duckdb")


Location = Path | str  # a workspace file, or a PostgreSQL URL


def is_postgres(where: object) -> bool:
    return isinstance(where, str) and where.startswith(("postgresql://", "postgres://"))


def location(given: Location | os.PathLike | None = None, db_path: str | os.PathLike | None = None) -> Location:
    """The workspace to use: `given` (a file or a PostgreSQL URL) when a caller names one, else the configured
    one: TALENT_WORKSPACE_URL, else the file (workspace_path, beside db_path's analysis database)."""
    if given is not None:
        return given if is_postgres(given) else Path(given)
    url = os.environ.get("TALENT_WORKSPACE_URL", "").strip()
    return url if url else workspace_path(db_path)


def describe(where: Location) -> str:
    """The store in words for messages: the file's path, or the PostgreSQL database without its password."""
    if not is_postgres(where):
        return str(where)
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(where)
    return f"PostgreSQL database {info.get('dbname', '?')} on {info.get('host', 'localhost')}"


_schema_ready: set[tuple] = set()
_schema_lock = threading.Lock()


def exists(given: Location | None = None) -> bool:
    """Whether the workspace has been made (a PostgreSQL store: whether its schema has)."""
    where = location(given)
    if not is_postgres(where):
        return Path(where).exists()
    return workspace_postgres.version(where) is not None


def version(given: Location | None = None) -> str | None:
    """Changes whenever the workspace is written: a cache key for reads of it."""
    where = location(given)
    if is_postgres(where):
        return workspace_postgres.version(where)
    try:
        st = Path(where).stat()
    except FileNotFoundError:
        return None
    try:  # the WAL comes and goes with every write: stat it once, never exists() then stat()
        wal = Path(where).with_name(Path(where).name + ".wal").stat()
        extra = f"-{wal.st_mtime_ns}-{wal.st_size}"
    except FileNotFoundError:
        extra = ""
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}{extra}"


def migrate(con, postgres: bool = False) -> list[int]:
    """Apply the migrations this store lacks, in order, each in its own transaction with its version row; returns
    the versions applied. Several processes starting at once on PostgreSQL take turns on the write lock."""
    con.execute("BEGIN")
    try:
        if postgres:  # processes starting together take turns: CREATE … IF NOT EXISTS itself races on PostgreSQL
            con.lock_writes()
            con.raw.execute(workspace_postgres.COMPATIBILITY)
        con.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, description VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL DEFAULT now()::TIMESTAMP)""")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    applied = []
    for number, description, sql in MIGRATIONS:
        con.execute("BEGIN")
        try:
            if postgres:
                con.lock_writes()
            if con.sql("SELECT count(*) FROM schema_migrations WHERE version = ?", params=[number]).fetchall()[0][0] == 0:
                con.execute(sql)
                con.execute("INSERT INTO schema_migrations (version, description) VALUES (?, ?)", [number, description])
                applied.append(number)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return applied


def _up_to_date(key: tuple, con, postgres: bool = False) -> None:
    """The migrations once per store and process, not per connection (concurrent first connections take turns)."""
    if key not in _schema_ready:
        with _schema_lock:
            if key not in _schema_ready:
                migrate(con, postgres)
                _schema_ready.add(key)


@contextlib.contextmanager
def connect(given: Location | None = None, wait: float = 10.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the workspace (`given`, else the configured one), its schema up to date."""
    where = location(given)
    if is_postgres(where):
        with workspace_postgres.connect(where, wait) as con:
            _up_to_date((where,), con, postgres=True)
            yield con
        return
    path = Path(where)
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
        _up_to_date((str(path), path.stat().st_ino), con)  # a replaced file (new inode) is checked again
        yield con
    finally:
        con.close()


def _cap(value: str | None) -> str | None:
    if value is None or len(value) <= MAX_NAME:
        return value
    return f"{value[:MAX_NAME]}… (+{len(value) - MAX_NAME} characters)"


def _audit(con: duckdb.DuckDBPyConnection, username: str | None, action: str, target: str | None = None, detail: str | None = None) -> None:
    """The one place audit rows are written (only by write()). User names and targets are capped (a sign-in form takes any text)."""
    con.execute("INSERT INTO audit_log (username, action, target, detail) VALUES (?, ?, ?, ?)",
                [_cap(username), action, _cap(target), detail if detail is None else detail[:4000]])


# --- the registry of write services -----------------------------------------------------------------
# "module.function" -> the audit actions it appends (empty: the caller names the action). Every public function
# that writes registers itself with @writes; tests/test_write_path.py finds every function calling write() and
# fails on one that is not here, then calls each registered one and counts its audit rows.
WRITERS: dict[str, tuple[str, ...]] = {}


def writes(*actions: str):
    """Registers the decorated public function as a write service appending these audit actions."""
    def register(fn):
        WRITERS[f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__qualname__}"] = actions
        return fn
    return register


class Unchanged(Exception):
    """Raised in a write() body that finds nothing to change: rolled back quietly, no audit row."""


class Change:
    """One write in progress: run statements on it like a connection; set `target`/`detail` to what the audit row
    should say once the body knows it (the id of a new record, how many rows it touched)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, target: str | None, detail: str | None):
        self.con, self.target, self.detail = con, target, detail

    def __getattr__(self, name: str):  # execute, sql, register, unregister: the connection's own
        return getattr(self.con, name)


@contextlib.contextmanager
def write(username: str | None, action: str, target: str | None = None, detail: str | None = None,
          path: Location | None = None) -> Iterator[Change]:
    """The one write path of the app's own database (as datasette's execute_write_fn): one transaction that makes
    the change (the body) and appends its audit row, committed together or not at all. Every write is one of these."""
    with connect(path) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            if isinstance(con, workspace_postgres.Connection):
                con.lock_writes()
            change = Change(con, target, detail)
            yield change
            _audit(con, username, action, change.target, change.detail)
            con.execute("COMMIT")
        except Unchanged:
            con.execute("ROLLBACK")
        except BaseException:
            con.execute("ROLLBACK")
            raise


# --- what this workspace is for -----------------------------------------------------------------
def purpose(con: duckdb.DuckDBPyConnection) -> str | None:
    """'demo', 'real', or None for a workspace made before this was recorded."""
    found = con.sql("SELECT value FROM workspace_info WHERE key = 'purpose'").fetchall()
    return found[0][0] if found else None


@writes("workspace_real")
def mark_real(why: str, path: Location | None = None) -> None:
    """From now on this workspace belongs to real data: demo accounts are disabled and never come back."""
    with write(None, "workspace_real", None, why, path) as change:
        if purpose(change.con) == "real":
            raise Unchanged
        change.execute("INSERT INTO workspace_info VALUES ('purpose', 'real') ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        change.execute("UPDATE users SET disabled = true, sessions_revoked_at = now()::TIMESTAMP WHERE is_demo")


def holds_real_records(con: duckdb.DuckDBPyConnection) -> bool:
    """Marked real, or (a workspace from before the mark) accounts other than the demo's and the first admin."""
    mark = purpose(con)
    if mark is not None:
        return mark == "real"
    return con.sql("SELECT count(*) FROM users WHERE NOT is_demo AND coalesce(created_by, '') <> 'first start'").fetchall()[0][0] > 0
