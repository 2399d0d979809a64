"""Every page runs as its users open it (streamlit.testing AppTest), on a real demo database."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from services import auth, workspace
from services.demo import seed_demo_reviews
from services.i18n import t
from pipelines.db import write_batch
from pipelines.ingest import ingest, rebuild_analysis
from tests.conftest import TODAY, build_demo_db, rows

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
ACCOUNTS = {"hr": ("hr_admin", ()), "leader": ("hr_leadership", ()), "head": ("department_head", ("Sales",)), "viewer": ("viewer", ())}
PAGES = {
    "hr": ["pages/overview.py", "pages/candidates.py", "pages/profile.py", "pages/talent_grid.py", "pages/plans.py", "pages/reviews.py", "pages/model.py", "pages/trends.py", "pages/data.py", "pages/users.py"],
    "leader": ["pages/overview.py", "pages/candidates.py", "pages/profile.py", "pages/talent_grid.py", "pages/plans.py", "pages/reviews.py", "pages/model.py", "pages/trends.py"],
    "head": ["pages/overview.py", "pages/candidates.py", "pages/profile.py", "pages/talent_grid.py", "pages/plans.py", "pages/reviews.py", "pages/model.py", "pages/trends.py"],
    "viewer": ["pages/overview.py"],
}


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    return build_demo_db(tmp_path_factory.mktemp("demo"), employees=800, seed=11)


@pytest.fixture(autouse=True)
def fresh_caches(fresh_streamlit_caches):
    yield


@pytest.fixture
def env(demo_db: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the demo database, its own workspace and one account per role."""
    db = tmp_path / "talent.duckdb"
    shutil.copyfile(demo_db, db)
    monkeypatch.setenv("TALENT_DB", str(db))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("TALENT_ADMIN_PASSWORD", "first-admin-password")
    monkeypatch.chdir(ROOT)
    for name, (role, departments) in ACCOUNTS.items():
        auth.create_user(name, role, PASSWORD, departments)
    return db


@pytest.fixture
def seeded(env: Path) -> Path:
    """env plus the demo's pool, plans and past review cycles, as on first start."""
    seed_demo_reviews(env)
    return env


def shown(markdown: str) -> str:
    """A Markdown element's text as the reader sees it: imported and typed values are backslash-escaped (dashboard.plain.md)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def signed_in(username: str, password: str = PASSWORD) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert at.title[0].value == "Sign in"
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


# Every role in English; Chinese for the HR admin, who sees every page (test_i18n checks the catalogues match).
@pytest.mark.parametrize(("username", "lang"), [(u, "en") for u in ACCOUNTS] + [("hr", "zh-CN")])
def test_every_page_runs_for_every_role(seeded: Path, username: str, lang: str) -> None:
    at = signed_in(username)
    at.session_state["lang"] = lang
    for page in PAGES[username]:
        at.switch_page(page).run()
        assert not at.exception, (page, [e.message for e in at.exception])
        assert not at.error, (page, [e.value for e in at.error])
        assert at.title and at.title[0].value.strip() and at.title[0].value != "Sign in", page


def test_viewer_cannot_reach_people_pages(env: Path) -> None:
    at = signed_in("viewer")
    for page in ("pages/candidates.py", "pages/profile.py", "pages/talent_grid.py", "pages/model.py", "pages/data.py", "pages/users.py"):
        with pytest.raises(ValueError, match="Could not find a navigation page"):  # not registered for this role
            at.switch_page(page)
    assert all("employee_id" not in d.value.columns for d in at.dataframe)  # aggregates only


def test_wrong_password_is_refused_and_audited(env: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input("head")
    at.text_input[1].input("wrong")
    at.button[0].click().run()
    assert at.error[0].value == "Unknown user name or wrong password."
    with workspace.connect() as con:
        assert con.sql("SELECT username, action FROM audit_log WHERE action LIKE 'sign_in%'").fetchall() == [("head", "sign_in_failed")]


def test_overview_headline_matches_the_analysis_tables(env: Path) -> None:
    at = signed_in("leader")
    metrics = {m.label: m.value for m in at.metric}
    active, pool = rows(env, "SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE meets_pool_rules) FROM analysis_employee")[0]
    assert metrics["Active employees"] == f"{active:,}"
    assert metrics["Meet the pool rules"] == f"{pool:,}"
    assert metrics["Share meeting the rules"] == f"{pool / active:.1%}"
    assert metrics["In the pool"] == "0"  # nobody nominated yet: meeting the rules is not being in the pool
    assert 0 < pool < active
    assert len(at.get("plotly_chart")) == 3


def test_department_head_overview_counts_only_their_department(env: Path) -> None:
    at = signed_in("head")
    active = rows(env, "SELECT count(*) FROM analysis_employee WHERE status = 'active' AND department = 'Sales'")[0][0]
    assert {m.label: m.value for m in at.metric}["Active employees"] == f"{active:,}"
    assert at.selectbox(key="department").options == ["All your departments", "Sales"]


def test_department_filter_narrows_the_figures(env: Path) -> None:
    at = signed_in("leader")
    box = at.selectbox(key="department")
    department = box.options[1]
    box.select(department).run()
    active = rows(env, "SELECT count(*) FROM analysis_employee WHERE status = 'active' AND department = ?", [department])[0][0]
    assert {m.label: m.value for m in at.metric}["Active employees"] == f"{active:,}"


def test_data_page_lists_runs_and_quarantine_reasons(env: Path) -> None:
    at = signed_in("hr")
    at.switch_page("pages/data.py").run()
    assert list(at.dataframe[0].value["run_id"]) == [1]
    quarantined = rows(env, "SELECT count(*) FROM quarantine")[0][0]
    assert quarantined > 0
    assert int(at.dataframe[2].value["rows"].sum()) == quarantined
    assert at.get("download_button")


def test_upload_on_the_data_page_goes_through_the_pipeline(env: Path) -> None:
    employee = rows(env, "SELECT employee_id FROM employees ORDER BY employee_id LIMIT 1")[0][0]
    at = signed_in("hr")
    at.switch_page("pages/data.py").run()
    content = f"employee_id,period,rating,score\n{employee},2019,A,97\n{employee},2019-H1,Z,\n".encode()
    at.file_uploader[0].set_value(("performance_ratings.csv", content, "text/csv"))
    at.button(key="FormSubmitter:upload-Import").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.success[0].value == "Import run 2 finished: 1 rows loaded, 1 quarantined."
    assert rows(env, "SELECT rating, score FROM performance_ratings WHERE employee_id = ? AND period = '2019'", [employee]) == [("A", 97.0)]
    assert rows(env, "SELECT run_by, command FROM import_runs WHERE run_id = 2") == [("hr", "app upload")]
    with workspace.connect() as con:  # the page's upload goes through the import service: one audit row
        assert con.sql("SELECT username, target FROM audit_log WHERE action = 'import'").fetchall() == [("hr", "run 2")]
    # A broken file is refused with the reason and changes nothing.
    at.file_uploader[0].set_value(("performance_ratings.csv", b"employee_id,period\n1,2\n", "text/csv"))
    at.button(key="FormSubmitter:upload-Import").click().run()
    assert shown(at.error[0].value).startswith("Nothing was imported: performance_ratings.csv: required column 'rating' is missing")
    assert rows(env, "SELECT max(run_id) FROM import_runs") == [(2,)]


def test_first_start_builds_the_demo_organisation_and_demo_accounts(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "fresh" / "talent.duckdb"
    monkeypatch.setenv("TALENT_DB", str(db))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "fresh" / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_DEMO_EMPLOYEES", "300")
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    monkeypatch.delenv("TALENT_ADMIN_PASSWORD", raising=False)
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    at.run()
    assert at.title[0].value == "Sign in"
    assert rows(db, "SELECT count(*) > 250 FROM employees") == [(True,)]
    assert rows(db, "SELECT run_by FROM import_runs") == [("demo",)]
    with workspace.connect() as con:
        users = con.sql("SELECT username, role, is_demo, password_hash LIKE '$2b$%' FROM users ORDER BY username").fetchall()
    assert users == [("admin", "hr_admin", False, True), ("demo.head", "department_head", True, True), ("demo.hr", "hr_admin", True, True),
                     ("demo.leadership", "hr_leadership", True, True), ("demo.viewer", "viewer", True, True)]
    at = signed_in("demo.head", "demo")
    assert at.title[0].value == "How deep is our middle-management talent pool?"


def test_demo_accounts_stop_working_once_real_data_is_imported(env: Path, tmp_path: Path) -> None:
    auth.create_user("demo.x", "hr_admin", "demo", is_demo=True)
    assert signed_in("demo.x", "demo").title[0].value != "Sign in"
    src = tmp_path / "employees.csv"
    src.write_text("employee_id,name,department,position,job_level,hire_date,status\nR1,Real Person,Sales,Rep,3,2020-01-01,active\n", encoding="utf-8")
    ingest([src], env, today=TODAY, run_by="hr")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input("demo.x")
    at.text_input[1].input("demo")
    at.button[0].click().run()
    assert at.error[0].value == "Demo accounts are switched off because real data has been imported."


def test_overview_says_what_to_do_when_no_employees_were_imported(tmp_path: Path, monkeypatch) -> None:
    # A database with an import but no employees must not be filled with the demo.
    src = tmp_path / "employees.csv"
    src.write_text("employee_id,name,department,position,job_level,hire_date,status\nR1,Real Person,Sales,Rep,3,2020-01-01,active\n", encoding="utf-8")
    db = tmp_path / "talent.duckdb"
    ingest([src], db, today=TODAY)
    with write_batch(db) as con:  # an import that left no employees (an import of nothing is refused)
        con.execute("DELETE FROM employees")
    rebuild_analysis(db, TODAY)
    monkeypatch.setenv("TALENT_DB", str(db))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("TALENT_ADMIN_PASSWORD", "first-admin-password")
    monkeypatch.chdir(ROOT)
    at = signed_in("admin", "first-admin-password")
    assert at.info[0].value == "No employees have been imported yet."
    assert rows(db, "SELECT count(*) FROM employees") == [(0,)]
    at.switch_page("pages/data.py").run()
    assert not at.exception
    assert at.success[0].value == "Nothing was quarantined in this run."


def test_model_page_without_a_model_says_so_and_training_needs_history(env: Path) -> None:
    at = signed_in("hr")
    at.switch_page("pages/model.py").run()
    assert at.info[0].value.startswith("No potential model has been trained yet")
    at.button(key="train_model").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.warning[0].value.startswith("Not enough history to train: only ")


def test_hr_admin_edits_the_pool_rules_and_the_funnel_follows(env: Path) -> None:
    import os
    import tomllib

    at = signed_in("hr")
    before = {m.label: m.value for m in at.metric}["Meet the pool rules"]
    at.slider[0].set_value(30)
    at.checkbox[2].uncheck()  # no career plan required (0: by department, 1: management experience)
    at.button(key="FormSubmitter:pool_rules-Save the rules and rebuild").click().run()
    assert not at.exception, [e.message for e in at.exception]
    config = tomllib.loads(Path(os.environ["TALENT_CONFIG"]).read_text(encoding="utf-8"))
    assert config["pool_rules"] == {"top_performance_share": 0.3, "performance_scope": "company",
                                    "require_management_experience": True, "require_career_plan": False}
    assert config["rating_scale"]["grades"] == ["A", "B+", "B", "C", "D"]  # the rest of the file is untouched
    expected = rows(env, "SELECT count(*) FROM analysis_employee WHERE meets_pool_rules")[0][0]
    after = {m.label: m.value for m in at.metric}["Meet the pool rules"]
    assert after == f"{expected:,}" and int(after.replace(",", "")) > int(before.replace(",", ""))
    with workspace.connect() as con:
        assert con.sql("SELECT username, action FROM audit_log WHERE action = 'pool_rules_changed'").fetchall() == [("hr", "pool_rules_changed")]


def test_department_head_cannot_edit_the_pool_rules(env: Path) -> None:
    at = signed_in("head")
    assert not at.slider and not [e for e in at.expander if "pool rules" in e.label]


def test_plans_and_reviews_pages_say_what_to_do_when_empty(env: Path) -> None:
    at = signed_in("hr")
    at.switch_page("pages/plans.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert [i.value for i in at.info][:1] == [t("plans.empty", lang="en")]
    at.switch_page("pages/reviews.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert t("reviews.empty", lang="en") in [i.value for i in at.info]
    assert "Open the cycle" in [b.label for b in at.button]  # HR can start right there
