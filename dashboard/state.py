"""Streamlit glue: the read-only connection and cached queries, keyed on the data version."""
from __future__ import annotations

import contextlib
import importlib
from pathlib import Path

import duckdb
import streamlit as st

from services import database as db, workspace
from services.database import database_path


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, version: str):
    # One attached read-only connection per data version; a swap gives a new version.
    return db.connect_read_only(Path(path))


def current_db() -> tuple[Path, str | None]:
    path = database_path()
    return path, db.data_version(path)


class DatabaseDamaged(Exception):
    """The database file is truncated or corrupt: the app says so instead of serving it."""

    def __init__(self, path: str | Path, detail: str):
        super().__init__(f"{path}: {detail}")
        self.path, self.detail = str(path), detail


@st.cache_data(max_entries=4, show_spinner=False)
def _damage(path: str, version: str | None) -> str | None:
    return db.file_damage(Path(path)) if version is not None else None


def database_damage() -> DatabaseDamaged | None:
    """The live database file's damage (checked once per data version), or None."""
    path, version = current_db()
    detail = _damage(str(path), version)
    return DatabaseDamaged(path, detail) if detail else None


@contextlib.contextmanager
def _reading(path: str | Path):
    """Damage that the header check cannot see (a corrupt block inside the file) surfaces when a read reaches it."""
    try:
        yield
    except duckdb.Error as exc:
        text = str(exc).lower()
        if isinstance(exc, duckdb.IOException) or "corrupt" in text or "checksum" in text:
            raise DatabaseDamaged(path, str(exc).splitlines()[0][:300]) from exc
        raise


@st.cache_data(max_entries=512, show_spinner=False)
def _run(name: str, path: str, version: str, args: tuple, kwargs: tuple, workspace_version: str | None = None):
    # workspace_version only keys the cache: results that read workspace.duckdb change when it does.
    with _reading(path):
        cur = db.read_cursor(_connection(path, version))
        try:
            module, _, function = name.rpartition(".")
            return getattr(importlib.import_module(f"services.{module or 'queries'}"), function)(cur, *args, **dict(kwargs))
        finally:
            cur.close()


def query(name: str, *args, **kwargs):
    """Run services.queries.<name> (or <module>.<name> in dashboard/) on the live database, cached until the data changes."""
    path, version = current_db()
    if version is None:
        raise FileNotFoundError(f"no database at {path}")
    return _run(name, str(path), version, args, tuple(sorted(kwargs.items())))


@st.cache_data(max_entries=512, show_spinner=False)
def _run_workspace(name: str, workspace_version: str | None, args: tuple, data_version: str | None = None):
    # data_version only keys the cache: workspace records are scoped by people's current departments (latest import).
    module, _, function = name.rpartition(".")
    return getattr(importlib.import_module(f"services.{module}"), function)(*args)


def workspace_query(name: str, *args):
    """Run dashboard.<module>.<function>(*args), a read of workspace.duckdb, cached until the workspace or the data changes."""
    return _run_workspace(name, workspace.version(), args, current_db()[1])


def query_with_workspace(name: str, *args, **kwargs):
    """Like query(), for functions that also read workspace.duckdb: cached until either file changes."""
    path, version = current_db()
    if version is None:
        raise FileNotFoundError(f"no database at {path}")
    return _run(name, str(path), version, args, tuple(sorted(kwargs.items())), workspace.version())


@st.cache_data(max_entries=4, show_spinner=False)
def _has_imports(path: str, version: str | None) -> bool:
    with _reading(path):
        return version is not None and not db.is_empty(Path(path))


@st.cache_data(max_entries=4, show_spinner=False)
def _analysis_current(path: str, version: str | None) -> bool:
    with _reading(path):
        return db.built_by_this_version(Path(path))


def analysis_current() -> bool:
    """Whether the analysis tables were built by this version of the code."""
    path, version = current_db()
    return _analysis_current(str(path), version)


def database_ready() -> bool:
    """Whether anything was ever imported into the live database (cached per data version)."""
    path, version = current_db()
    return _has_imports(str(path), version)


def clear_caches() -> None:
    _run.clear()
    _run_workspace.clear()
    _has_imports.clear()
    _analysis_current.clear()
    _damage.clear()
    _connection.clear()


@contextlib.contextmanager
def analysis_cursor():
    """A cursor on the live analysis database, for writes to the workspace that compile figures from it."""
    path, version = current_db()
    cur = db.read_cursor(_connection(str(path), version))
    try:
        yield cur
    finally:
        cur.close()
