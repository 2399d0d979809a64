"""Every page runs as a user would open it (streamlit.testing AppTest), on a real demo database."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from pipelines.demo import generate_demo
from pipelines.ingest import ingest
from tests.conftest import TODAY, rows

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["pages/overview.py", "pages/data.py"]


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    generate_demo(folder / "files", employees=800, seed=11)
    db = folder / "talent.duckdb"
    ingest([folder / "files"], db, today=TODAY)
    return db


@pytest.fixture(autouse=True)
def fresh_caches():
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def app(demo_db: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("TALENT_DB", str(demo_db))
    monkeypatch.chdir(ROOT)
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_without_exceptions(app: AppTest, page: str, lang: str) -> None:
    app.session_state["lang"] = lang
    app.run()
    if page != PAGES[0]:
        app.switch_page(page).run()
    assert not app.exception, [e.message for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    assert app.title and app.title[0].value.strip()


def test_overview_headline_matches_the_analysis_tables(app: AppTest, demo_db: Path) -> None:
    app.run()
    metrics = {m.label: m.value for m in app.metric}
    active, pool = rows(demo_db, "SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE meets_pool_rules) FROM analysis_employee")[0]
    assert metrics["Active employees"] == f"{active:,}"
    assert metrics["Meet the pool rules"] == f"{pool:,}"
    assert metrics["Pool share"] == f"{pool / active:.1%}"
    assert 0 < pool < active
    assert len(app.get("plotly_chart")) == 3


def test_department_filter_narrows_the_figures(app: AppTest, demo_db: Path) -> None:
    app.run()
    box = app.selectbox(key="department")
    department = box.options[1]
    box.select(department).run()
    active = rows(demo_db, "SELECT count(*) FROM analysis_employee WHERE status = 'active' AND department = ?", [department])[0][0]
    assert {m.label: m.value for m in app.metric}["Active employees"] == f"{active:,}"


def test_data_page_lists_runs_and_quarantine_reasons(app: AppTest, demo_db: Path) -> None:
    app.run()
    app.switch_page("pages/data.py").run()
    runs = app.dataframe[0].value
    assert list(runs["run_id"]) == [1]
    quarantined = rows(demo_db, "SELECT count(*) FROM quarantine")[0][0]
    assert quarantined > 0
    reasons = app.dataframe[2].value
    assert int(reasons["rows"].sum()) == quarantined
    assert app.get("download_button")


def test_first_start_builds_the_demo_organisation(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "fresh" / "talent.duckdb"
    monkeypatch.setenv("TALENT_DB", str(db))
    monkeypatch.setenv("TALENT_DEMO_EMPLOYEES", "300")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    at.run()
    assert not at.exception
    assert at.title[0].value == "How deep is our middle-management talent pool?"
    assert rows(db, "SELECT count(*) > 250 FROM employees") == [(True,)]
    assert rows(db, "SELECT run_by FROM import_runs") == [("demo",)]


def test_overview_says_what_to_do_when_no_employees_were_imported(tmp_path: Path, monkeypatch) -> None:
    # A database with an import but no employees must not be filled with the demo.
    src = tmp_path / "employees.csv"
    src.write_text("employee_id,name,department,position,job_level,hire_date,status\n", encoding="utf-8")
    db = tmp_path / "talent.duckdb"
    ingest([src], db, today=TODAY)
    monkeypatch.setenv("TALENT_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert at.info[0].value == "No employees have been imported yet."
    assert rows(db, "SELECT count(*) FROM employees") == [(0,)]
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.success[0].value == "Nothing was quarantined in this run."


def test_upload_on_the_data_page_goes_through_the_pipeline(demo_db: Path, tmp_path: Path, monkeypatch) -> None:
    import shutil

    db = tmp_path / "talent.duckdb"
    shutil.copyfile(demo_db, db)
    employee = rows(db, "SELECT employee_id FROM employees ORDER BY employee_id LIMIT 1")[0][0]
    monkeypatch.setenv("TALENT_DB", str(db))
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.switch_page("pages/data.py").run()
    content = f"employee_id,period,rating,score\n{employee},2019,A,97\n{employee},2019-H1,Z,\n".encode()
    at.file_uploader[0].set_value(("performance_ratings.csv", content, "text/csv"))
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.success[0].value == "Import run 2 finished: 1 rows loaded, 1 quarantined."
    assert rows(db, "SELECT rating, score FROM performance_ratings WHERE employee_id = ? AND period = '2019'", [employee]) == [("A", 97.0)]
    assert rows(db, "SELECT run_by, command FROM import_runs WHERE run_id = 2") == [("app user", "app upload")]
    # A broken file is refused with the reason and changes nothing.
    at.file_uploader[0].set_value(("performance_ratings.csv", b"employee_id,period\n1,2\n", "text/csv"))
    at.button[0].click().run()
    assert at.error[0].value.startswith("Nothing was imported: performance_ratings.csv: required column 'rating' is missing")
    assert rows(db, "SELECT max(run_id) FROM import_runs") == [(2,)]
