"""The workspace's two stores (issue #17): the embedded DuckDB file and PostgreSQL (TALENT_WORKSPACE_URL).

Every write service and the pages' reads run on both in tests/test_write_path.py; here: the migrations (an older
store gets just what it lacks), several processes writing one PostgreSQL workspace at once, and what the adapter
does with frames, types and messages."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest

from services import workspace, workspace_postgres

from .conftest import drop_postgres_database, postgres_database

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["embedded", "postgresql"])
def store(request, tmp_path, monkeypatch):
    """An empty workspace on each store, configured as the app's."""
    if request.param == "embedded":
        monkeypatch.delenv("TALENT_WORKSPACE_URL", raising=False)
        monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
        yield tmp_path / "workspace.duckdb"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"stores_{uuid.uuid4().hex[:10]}"
    url = postgres_database(server, name)
    monkeypatch.setenv("TALENT_WORKSPACE_URL", url)
    yield url
    drop_postgres_database(server, name)


def _versions(where) -> list[tuple[int, str]]:
    with workspace.connect(where) as con:
        return con.sql("SELECT version, description FROM schema_migrations ORDER BY version").fetchall()


def test_an_older_store_gets_just_the_migrations_it_lacks(store, monkeypatch) -> None:
    last = workspace.MIGRATIONS[-1][0]
    assert [m[0] for m in workspace.MIGRATIONS] == list(range(1, last + 1))  # ordered, none skipped
    monkeypatch.setattr(workspace, "MIGRATIONS", workspace.MIGRATIONS[:-2])  # made by the version before the last two
    monkeypatch.setattr(workspace, "_schema_ready", set())
    assert [v for v, _ in _versions(store)] == list(range(1, last - 1))
    with workspace.connect(store) as con:
        assert "key_seats" not in {r[0] for r in con.sql("SELECT table_name FROM information_schema.tables").fetchall()}
        con.execute("INSERT INTO users (username, role) VALUES ('kept', 'viewer')")
    monkeypatch.undo()
    monkeypatch.setattr(workspace, "_schema_ready", set())
    with workspace.connect(store) as con:
        assert workspace.migrate(con, workspace.is_postgres(store)) == []  # already up to date: nothing twice
        assert con.sql("SELECT count(*) FROM key_seats").fetchall() == [(0,)]
        assert con.sql("SELECT username FROM users").fetchall() == [("kept",)]  # what it held stays
    assert _versions(store) == [(number, description) for number, description, _ in workspace.MIGRATIONS]


def test_the_version_changes_with_every_write_and_the_store_is_described_without_its_password(store) -> None:
    assert workspace.version(store) is None and not workspace.exists(store)
    workspace.mark_real("a real import")
    first = workspace.version(store)
    assert workspace.exists(store) and first is not None
    workspace.mark_real("again")  # nothing to change: no write, same version
    assert workspace.version(store) == first
    from services import auth

    auth.record(None, "export", "people.csv", "3 rows")
    assert workspace.version(store) not in (None, first)
    described = workspace.describe("postgresql://talent:s3cret@db.internal:5432/talent")
    assert described == "PostgreSQL database talent on db.internal" and "s3cret" not in described


WRITER = """
import sys
from services import auth
for i in range(int(sys.argv[1])):
    auth.record(None, "export", f"{sys.argv[2]}-{i}", "one file")
"""


def test_several_processes_write_one_postgresql_workspace_at_once(postgres_server, tmp_path, monkeypatch) -> None:
    name = f"stores_{uuid.uuid4().hex[:10]}"
    url = postgres_database(postgres_server, name)
    try:
        env = {**os.environ, "TALENT_WORKSPACE_URL": url, "PYTHONPATH": str(ROOT)}
        writers = [subprocess.Popen([sys.executable, "-c", WRITER, "25", f"p{n}"], env=env, cwd=tmp_path,
                                    stderr=subprocess.PIPE, text=True) for n in range(3)]
        failures = [w.communicate(timeout=120)[1] for w in writers if w.wait(timeout=120) != 0]
        assert failures == []
        monkeypatch.setenv("TALENT_WORKSPACE_URL", url)
        with workspace.connect() as con:
            rows = con.sql("SELECT target FROM audit_log WHERE action = 'export'").pl()
            assert con.sql("SELECT count(*) FROM schema_migrations").fetchall() == [(len(workspace.MIGRATIONS),)]  # made once
        assert rows.height == 75 and rows["target"].n_unique() == 75
    finally:
        drop_postgres_database(postgres_server, name)


def test_a_registered_frame_reaches_postgresql_whole(postgres_server) -> None:
    name = f"stores_{uuid.uuid4().hex[:10]}"
    url = postgres_database(postgres_server, name)
    frame = pl.DataFrame({
        "employee_id": ["E1", "E'2", None, 'E"4'], "departments": [["Sales", "R&D"], [], None, ['a "quoted", one']],
        "score": [1.5, None, -2.0, 0.0], "moves": [1, 2, None, 4], "locked": [True, False, None, True],
        "day": [date(2026, 7, 1), None, date(1999, 12, 31), date(2026, 1, 1)],
        "at": [datetime(2026, 7, 1, 9, 30, 15, 120000), None, datetime(2026, 1, 1), datetime(2026, 12, 31, 23, 59)],
        "note": ["", "line one\nline two", "comma, inside", None]})
    try:
        with workspace.connect(url) as con:
            con.register("incoming", frame.to_arrow())
            back = con.sql("SELECT * FROM incoming").pl()
            con.unregister("incoming")
        assert back.with_columns(pl.col("moves").cast(pl.Int64)).equals(frame)
        with workspace_postgres.connect(url, 5) as con:  # unregistered, and gone with the connection's return
            assert con.raw.execute("SELECT to_regclass('pg_temp.incoming')").fetchone() == (None,)
    finally:
        drop_postgres_database(postgres_server, name)


def test_duckdb_sql_is_translated_for_postgresql() -> None:
    translate = workspace_postgres.translate
    assert translate("SELECT a, max(b) FROM t WHERE c = ? AND d = ? GROUP BY ALL ORDER BY ALL") == (
        "SELECT a, MAX(b) FROM t WHERE c = %(1)s AND d = %(2)s GROUP BY 1 ORDER BY 1, 2",)
    assert translate("SELECT arg_max(x, id) FROM t WHERE name LIKE 'a%' AND y = '?'") == (
        "SELECT (ARRAY_AGG(x ORDER BY id DESC NULLS LAST))[1] FROM t WHERE name LIKE 'a%%' AND y = '?'",)
    assert translate("SELECT 1; SELECT 2") == ("SELECT 1", "SELECT 2")


def test_every_process_signs_sessions_with_the_one_key_of_the_store(store) -> None:
    from services import auth

    key = auth.session_key()
    auth._stored_session_key.cache_clear()  # as a new process (another app process, a restart) finds it
    auth._session_key.cache_clear()
    assert auth.session_key() == key and len(key) == 32
    if workspace.is_postgres(store):  # kept in the workspace, made once with its audit row; no file beside anything
        with workspace.connect() as con:
            assert con.sql("SELECT count(*) FROM audit_log WHERE action = 'session_key_created'").fetchall() == [(1,)]
    else:
        assert auth.session_key_path().read_bytes() == key
