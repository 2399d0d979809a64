"""Every page runs as its users open it (streamlit.testing AppTest), on a real demo database."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services import auth, i18n, workspace
from services.i18n import t
from services.privacy import small_groups
from pipelines.db import write_batch
from pipelines.ingest import ingest, rebuild_analysis
from tests.conftest import ACCOUNTS, PASSWORD, TODAY, copy_app_files, rows, use_app_files  # noqa: F401  (ACCOUNTS, PASSWORD: imported from here)

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "hr": ["pages/overview.py", "pages/candidates.py", "pages/profile.py", "pages/talent_grid.py", "pages/plans.py", "pages/reviews.py", "pages/model.py", "pages/trends.py", "pages/succession.py", "pages/calibration.py", "pages/data.py", "pages/users.py"],
    "leader": ["pages/overview.py", "pages/candidates.py", "pages/profile.py", "pages/talent_grid.py", "pages/plans.py", "pages/reviews.py", "pages/model.py", "pages/trends.py", "pages/succession.py", "pages/calibration.py"],
    "head": ["pages/overview.py", "pages/candidates.py", "pages/profile.py", "pages/talent_grid.py", "pages/plans.py", "pages/reviews.py", "pages/model.py", "pages/trends.py", "pages/succession.py", "pages/calibration.py"],
    "viewer": ["pages/overview.py"],
}


@pytest.fixture(scope="session")
def demo_db(demo_db: Path) -> Path:
    """conftest's demo, built once per test process; defined here too for the modules that import it from here."""
    return demo_db


@pytest.fixture(autouse=True)
def fresh_caches(fresh_streamlit_caches):
    yield


@pytest.fixture
def env(demo_with_accounts: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the demo database, its own workspace and one account per role."""
    copy_app_files(demo_with_accounts, tmp_path)
    return use_app_files(tmp_path, monkeypatch)


@pytest.fixture
def seeded(seeded_demo: Path, tmp_path: Path, monkeypatch) -> Path:
    """env plus the demo's pool, plans and past review cycles (conftest's seeded_demo): each test's own copy."""
    copy_app_files(seeded_demo, tmp_path)
    return use_app_files(tmp_path, monkeypatch)


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


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def check_overview(at: AppTest, db: Path, user: auth.User) -> None:
    """The overview's figures are the analysis tables' and the pool's, in the user's departments only."""
    scope = "" if user.scope is None else f"AND department IN ({', '.join(repr(d) for d in user.scope)})"
    active, eligible = rows(db, f"""SELECT count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE meets_pool_rules)
                                    FROM analysis_employee WHERE true {scope}""")[0]
    with workspace.connect() as con:  # the pool: whoever's latest nomination is 'nominate' (every active member here)
        nominated = [r[0] for r in con.sql("""SELECT employee_id FROM nominations GROUP BY employee_id
                                              HAVING arg_max(action, nomination_id) = 'nominate'""").fetchall()]
    members = rows(db, f"SELECT count(*) FROM analysis_employee WHERE status = 'active' AND employee_id IN (SELECT unnest(?)) {scope}",
                   [nominated])[0][0]
    shown_now = metrics(at)
    assert shown_now["Active employees"] == f"{active:,}"
    assert shown_now["Meet the pool rules"] == f"{eligible:,}"
    assert shown_now["Share meeting the rules"] == f"{eligible / active:.1%}"
    assert shown_now["In the pool"] == f"{members:,}"  # the nominated members: meeting the rules is not being in the pool
    assert 0 < members != eligible and 0 < eligible < active
    sizes = dict(rows(db, f"SELECT department, active_employees FROM analysis_department WHERE true {scope} ORDER BY department"))
    hidden = set() if user.can("view_people") else small_groups(sizes)  # the viewer: no group under privacy.MIN_GROUP
    departments = [d for d in sizes if d not in hidden]
    # the funnel and the rating mix, and the by-department chart only where there is more than one department
    assert len(at.get("plotly_chart")) == (3 if len(sizes) > 1 else 2)
    box = at.selectbox(key="department")
    assert box.options == ["All departments" if user.scope is None else "All your departments", *departments]
    # Only HR edits the pool rules.
    assert bool(at.slider) == bool([e for e in at.expander if "pool rules" in e.label]) == user.can("manage_data")
    # Choosing a department narrows the figures to it.
    box.select(departments[-1]).run()
    assert not at.exception, [e.message for e in at.exception]
    narrowed = rows(db, "SELECT count(*) FROM analysis_employee WHERE status = 'active' AND department = ?", [departments[-1]])[0][0]
    assert metrics(at)["Active employees"] == f"{narrowed:,}"


# Every role in English; Chinese too for the HR admin, who sees every page (test_i18n checks the catalogues match), on the
# pages whose Chinese no other test reads: test_browser signs in to the overview from a Chinese link and walks the Data
# page's mapping screens in Chinese.
CHINESE_ELSEWHERE = ("pages/overview.py", "pages/data.py")


@pytest.mark.xdist_group("app_smoke")  # its module fixture (the seeded demo) is built once: keep these on one worker
@pytest.mark.parametrize("username", list(ACCOUNTS))
def test_every_page_runs_for_every_role(seeded: Path, username: str, monkeypatch) -> None:
    user = auth.load_user(username)
    at = signed_in(username)
    for page in sorted(set(PAGES["hr"]) - set(PAGES[username])):
        with pytest.raises(ValueError, match="Could not find a navigation page"):  # not registered for this role
            at.switch_page(page)
    run_pages(at, PAGES[username], "en", user)
    check_overview(at.switch_page("pages/overview.py").run(), seeded, user)
    if username == "hr":
        at.session_state["lang"] = "zh-CN"
        # AppTest formats a page's options again after its run, outside the session (where t() would answer in English).
        monkeypatch.setattr(i18n, "language_source", lambda: "zh-CN")
        run_pages(at, [p for p in PAGES["hr"] if p not in CHINESE_ELSEWHERE], "zh-CN", user)


def run_pages(at: AppTest, pages: list[str], lang: str, user: auth.User) -> None:
    for page in pages:
        at.switch_page(page).run()
        assert not at.exception, (lang, page, [e.message for e in at.exception])
        assert not at.error, (lang, page, [e.value for e in at.error])
        assert at.title and at.title[0].value.strip() and at.title[0].value != "Sign in", (lang, page)
        assert bool(re.search(r"[\u4e00-\u9fff]", at.title[0].value)) == (lang == "zh-CN"), (lang, page, at.title[0].value)
        if not user.can("view_people"):  # aggregates only
            assert all("employee_id" not in d.value.columns for d in at.dataframe), page


def test_wrong_password_is_refused_and_audited(env: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input("head")
    at.text_input[1].input("wrong")
    at.button[0].click().run()
    assert at.error[0].value == "Unknown user name or wrong password."
    with workspace.connect() as con:
        assert con.sql("SELECT username, action FROM audit_log WHERE action LIKE 'sign_in%'").fetchall() == [("head", "sign_in_failed")]


def test_data_page_lists_runs_and_quarantine_and_imports_an_upload(env: Path) -> None:
    at = signed_in("hr")
    at.switch_page("pages/data.py").run()
    assert list(at.dataframe[0].value["run_id"]) == [1]
    quarantined = rows(env, "SELECT count(*) FROM quarantine")[0][0]
    assert quarantined > 0
    assert int(at.dataframe[2].value["rows"].sum()) == quarantined
    assert at.get("download_button")
    # An upload goes through the pipeline.
    employee = rows(env, "SELECT employee_id FROM employees ORDER BY employee_id LIMIT 1")[0][0]
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


def test_demo_accounts_stop_working_once_real_data_is_imported(env: Path, tmp_path: Path) -> None:
    auth.create_user("demo.x", "hr_admin", "demo", is_demo=True)
    assert auth.authenticate("demo.x", "demo").username == "demo.x"  # beside demo data (the page's sign-in: test_doors' first start)
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


def test_model_plans_and_reviews_pages_say_what_to_do_when_empty(env: Path) -> None:
    at = signed_in("hr")
    at.switch_page("pages/model.py").run()
    assert at.info[0].value.startswith("No potential model has been trained yet")
    at.button(key="train_model").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.warning[0].value == t("model.not_enough", lang="en")  # in words; the detail behind "How this is computed"
    assert any(c.value.startswith("only ") and "promoted into management" in c.value for c in at.caption)  # the training's own reason
    at.switch_page("pages/plans.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert [i.value for i in at.info][:1] == [t("plans.empty", lang="en")]
    at.switch_page("pages/reviews.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert t("reviews.empty", lang="en") in [i.value for i in at.info]
    assert "Open the cycle" in [b.label for b in at.button]  # HR can start right there
