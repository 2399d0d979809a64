from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ingest

GOOD = Path(__file__).parent / "data" / "good"
TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def no_shared_models(tmp_path_factory, monkeypatch) -> None:
    """Tests never read or write the developer's models/artifacts or config/talent.toml."""
    monkeypatch.setenv("TALENT_MODELS", str(tmp_path_factory.mktemp("models")))
    config = tmp_path_factory.mktemp("config") / "talent.toml"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "config" / "talent.toml", config)
    monkeypatch.setenv("TALENT_CONFIG", str(config))


@pytest.fixture
def good_dir(tmp_path: Path) -> Path:
    target = tmp_path / "good"
    shutil.copytree(GOOD, target)
    return target


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "talent.duckdb"


@pytest.fixture(scope="session")
def _loaded_template(tmp_path_factory) -> Path:
    # One real import of the good files per test process; each test gets its own copy of the file.
    target = tmp_path_factory.mktemp("loaded") / "talent.duckdb"
    ingest([GOOD], target, today=TODAY)
    return target


@pytest.fixture
def loaded_db(_loaded_template: Path, good_dir: Path, db_path: Path) -> Path:
    shutil.copyfile(_loaded_template, db_path)
    return db_path


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql, params=params).fetchall()
    finally:
        con.close()


def table_counts(db: Path) -> dict[str, int]:
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {n: con.sql(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}
    finally:
        con.close()


def build_demo_db(folder: Path, employees: int, seed: int) -> Path:
    """A real database of a generated demo organisation, imported as the first start does."""
    from pipelines.demo import generate_demo

    generate_demo(folder / "files", employees=employees, seed=seed)
    db = folder / "talent.duckdb"
    ingest([folder / "files"], db, today=TODAY, run_by="demo")
    return db


def small_org(tmp_path: Path, monkeypatch, files: dict[str, str], users=()) -> Path:
    """A hand-written organisation (file name -> CSV text) imported into a real database, with the
    environment pointed at it and its workspace, and the given auth.User accounts created."""
    from services import auth
    folder = tmp_path / "files"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = tmp_path / "talent.duckdb"
    ingest([folder], db, today=TODAY)
    monkeypatch.setenv("TALENT_DB", str(db))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    for user in users:
        auth.create_user(user.username, user.role, "a-long-password", user.departments)
    return db


@pytest.fixture
def fresh_streamlit_caches():
    """AppTest keeps Streamlit's caches between tests: start and end each page test with none."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()
