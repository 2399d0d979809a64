"""Issue #13: HR data stays with the people allowed to see it. One test (or a few) per item, on the services
directly wherever possible; AppTest only where the behaviour is the page's."""
from __future__ import annotations

import ast
import csv
import io
import re
import shutil
import threading
import time
import tomllib
from datetime import date
from pathlib import Path

import plotly.express as px
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from services import auth, nominations, plans, reviews, workspace
from dashboard import downloads
from services.permissions import NotAllowed
from dashboard.plain import md, safe_chart
from pipelines import db as dbmod
from pipelines.ingest import ingest
from tests.conftest import TODAY, rows
from tests.test_app import ACCOUNTS, PASSWORD, ROOT, fresh_caches, shown, signed_in  # noqa: F401  (fixtures; demo_db is conftest's)

# Its module fixtures are built once: keep the module on one test worker (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("security")

HR = auth.User("hr", "hr", "hr_admin", ())
HEAD = auth.User("head", "head", "department_head", ("Sales",))
HEAD_RD = auth.User("head.rd", "head.rd", "department_head", ("R&D",))
EVIL_NAME = '![x](http://example.invalid/p.png) <a href="http://example.invalid">Eve</a> [click](http://example.invalid)'
UNESCAPED_LINK = re.compile(r"(?<!\\)\]\(|(?<!\\)<a |(?<!\\)https?(?<!\\):")


def import_employees(db: Path, folder: Path, lines: list[str]) -> None:
    """An import of employees.csv rows (re-imports replace rows by key), as HR's nightly job does."""
    folder.mkdir(exist_ok=True)
    (folder / "employees.csv").write_text("employee_id,name,department,position,job_level,hire_date,status\n" + "\n".join(lines) + "\n",
                                          encoding="utf-8")
    ingest([folder], db, today=TODAY, run_by="hr")


def sales_candidate(db: Path) -> tuple:
    return rows(db, """SELECT employee_id, name, position, job_level, hire_date FROM employees
                       WHERE department = 'Sales' AND status = 'active' AND job_level < 7 ORDER BY employee_id LIMIT 1""")[0]


@pytest.fixture(scope="module")
def moved_db(demo_db: Path, tmp_path_factory) -> tuple[Path, str]:
    """The demo after a real import: one Sales candidate moved to R&D, and a new Sales employee whose name is markup."""
    folder = tmp_path_factory.mktemp("moved")
    db = folder / "talent.duckdb"
    shutil.copyfile(demo_db, db)
    employee, name, position, level, hired = sales_candidate(db)
    import_employees(db, folder / "files", [f"{employee},{name},R&D,{position},{level},{hired},active",
                                           'X1,"' + EVIL_NAME.replace('"', '""') + '",Sales,Rep,3,2020-01-01,active'])
    return db, employee


@pytest.fixture(scope="module")
def _accounts_template(demo_db: Path, tmp_path_factory) -> Path:
    """A workspace with one account per role beside the shared demo database: made once, copied by each test."""
    folder = tmp_path_factory.mktemp("accounts")
    with pytest.MonkeyPatch.context() as monkeypatch:
        config = tmp_path_factory.mktemp("config") / "talent.toml"
        shutil.copyfile(ROOT / "config" / "talent.toml", config)
        monkeypatch.setenv("TALENT_CONFIG", str(config))
        monkeypatch.setenv("TALENT_DB", str(demo_db))
        monkeypatch.setenv("TALENT_WORKSPACE", str(folder / "workspace.duckdb"))
        monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
        for name, (role, departments) in ACCOUNTS.items():
            auth.create_user(name, role, PASSWORD, departments)
    return folder


def _copy_workspace(template: Path, folder: Path, monkeypatch) -> Path:
    for name in ("workspace.duckdb", "workspace.duckdb.wal"):
        if (template / name).exists():
            shutil.copyfile(template / name, folder / name)
    monkeypatch.setenv("TALENT_WORKSPACE", str(folder / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    return folder / "workspace.duckdb"


@pytest.fixture
def accounts(demo_db: Path, _accounts_template: Path, tmp_path: Path, monkeypatch) -> Path:
    """A workspace with one account per role beside the shared demo database (only read here): for the
    services that need no database of their own."""
    monkeypatch.setenv("TALENT_DB", str(demo_db))
    return _copy_workspace(_accounts_template, tmp_path, monkeypatch)


@pytest.fixture
def env(demo_db: Path, _accounts_template: Path, tmp_path: Path, monkeypatch) -> Path:
    """tests/test_app.py's env (a copy of the demo database, its own workspace, one account per role), its accounts
    copied instead of created again."""
    db = tmp_path / "talent.duckdb"
    shutil.copyfile(demo_db, db)
    monkeypatch.setenv("TALENT_DB", str(db))
    _copy_workspace(_accounts_template, tmp_path, monkeypatch)
    monkeypatch.setenv("TALENT_ADMIN_PASSWORD", "first-admin-password")
    monkeypatch.chdir(ROOT)
    return db


def audit_rows(action: str) -> list[tuple]:
    with workspace.connect() as con:
        return con.sql("SELECT username, action, target, detail FROM audit_log WHERE action = ? ORDER BY audit_id", params=[action]).fetchall()


# --- 1. demo accounts never beside a real workspace -----------------------------------------------------------
def test_resetting_the_database_does_not_reopen_demo_accounts_over_a_real_workspace(env: Path, moved_db, monkeypatch) -> None:
    auth.create_user("demo.x", "hr_admin", "demo", is_demo=True, created_by=auth.DEMO)
    assert auth.demo_accounts_allowed() and auth.authenticate("demo.x", "demo").is_demo
    real = shutil.copyfile(moved_db[0], env.with_name("real.duckdb"))  # a real import (run by hr) ...
    monkeypatch.setenv("TALENT_DB", str(real))
    assert not auth.demo_accounts_allowed()  # ... marks the workspace real for good
    real.unlink()  # "delete the file to start again", as the README used to say
    assert dbmod.is_empty(real)
    assert not auth.demo_accounts_allowed() and not auth.demo_allowed_here()
    with pytest.raises(auth.SignInError, match="Demo accounts are switched off"):
        auth.authenticate("demo.x", "demo")
    with pytest.raises(auth.SignInError, match="never built beside it"):
        auth.ensure_demo_accounts(["Sales"])
    # The app's first start refuses to build the demo beside it, with what to do instead.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception, [e.message for e in at.exception]
    assert "never built beside it" in at.error[0].value
    assert dbmod.is_empty(real)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Delete the file to start again from the demo" not in readme and "move both" in readme


# --- 2. Streamlit's own table download is off -------------------------------------------------------------
def test_the_table_toolbar_download_is_switched_off(monkeypatch) -> None:
    from streamlit import config

    raw = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert raw["client"]["disableDataExport"] is True
    monkeypatch.chdir(ROOT)
    try:
        config.get_config_options(force_reparse=True)
        assert config.get_option("client.disableDataExport") is True  # Streamlit knows and reads the option
    finally:
        config.get_config_options(force_reparse=True)


# --- 3 and 14. downloads: made on click, audited as made ----------------------------------------------------
class Buttons:
    """Stands in for st (or a column) where a page puts a download button: keeps what the click would call."""

    def __init__(self) -> None:
        self.clicks: list = []

    def download_button(self, label, data, **kwargs):
        assert callable(data) and kwargs["on_click"] == "ignore"
        self.clicks.append(data)


def test_the_click_makes_the_file_audits_it_and_neutralises_it(accounts: Path) -> None:
    frame = pl.DataFrame({"name": ["=HYPERLINK(\"http://x\")", "Ann"], "note": ["a;=cmd|' /C calc'!A0", "ok"]})
    where = Buttons()
    downloads.quarantine_csv(where, "Download", frame, "quarantine_run1.csv", auth.load_user("hr"))
    assert audit_rows("export") == []
    content = where.clicks[0]().decode("utf-8-sig")
    assert audit_rows("export") == [("hr", "export", "quarantine_run1.csv", "2 rows")]
    assert "'=HYPERLINK" in content and ";'=cmd" in content


def test_every_page_download_goes_through_the_audited_helper() -> None:
    for page in sorted((ROOT / "pages").glob("*.py")):
        source = page.read_text(encoding="utf-8")
        assert "download_button(" not in source and "to_csv_bytes" not in source, page.name


def test_failed_sign_ins_with_huge_user_names_are_capped_in_the_audit_log(accounts: Path) -> None:
    with pytest.raises(auth.SignInError):
        auth.authenticate("x" * 100_000, "wrong")
    with workspace.connect() as con:
        stored = con.sql("SELECT max(length(username)) FROM audit_log").fetchall()[0][0]
    assert stored < 120


# --- 4. the account is checked again on every rerun ----------------------------------------------------------
def test_a_session_loses_what_the_account_lost_at_the_next_rerun(env: Path, moved_db, monkeypatch) -> None:
    auth.create_user("demo.x", "hr_admin", "demo", is_demo=True, created_by=auth.DEMO)
    demo = signed_in("demo.x", "demo")
    assert demo.title[0].value != "Sign in"
    monkeypatch.setenv("TALENT_DB", str(shutil.copyfile(moved_db[0], env.with_name("real.duckdb"))))  # a real import comes in
    demo.run()
    assert demo.title[0].value == "Sign in"
    assert "demo accounts are switched off" in demo.info[0].value
    # Role and departments come from the account as it is now, not as it was at sign-in.
    user, _ = auth.session_user("head", time.time(), time.time())
    assert user.departments == ("Sales",)
    with workspace.connect() as con:
        con.execute("UPDATE users SET departments = ['R&D'], role = 'viewer' WHERE username = 'head'")
    user, _ = auth.session_user("head", time.time() - 60, time.time())
    assert (user.role, user.departments) == ("viewer", ("R&D",))
    auth.set_disabled(auth.load_user("hr"), "head", True)
    assert auth.session_user("head", time.time() - 60, time.time()) == (None, "gone")


# --- 5. sign-in: atomic lockout per account and per client, dummy hash, unlock, long passwords ---------------
def test_parallel_wrong_passwords_are_checked_no_more_than_the_limit(accounts: Path) -> None:
    start, outcomes = threading.Barrier(12), []

    def attempt() -> None:
        start.wait()
        try:
            auth.authenticate("head", "wrong password")  # all from one client
        except auth.SignInError as exc:
            outcomes.append(str(exc))

    threads = [threading.Thread(target=attempt) for _ in range(12)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert len(outcomes) == 12
    assert len(audit_rows("sign_in_failed")) == auth.MAX_FAILURES  # checked
    assert len(audit_rows("sign_in_refused")) == 12 - auth.MAX_FAILURES  # refused without a check


def test_lockout_is_per_client_and_per_account_and_an_hr_admin_unlocks(accounts: Path) -> None:
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(auth.SignInError, match="Unknown user name"):
            auth.authenticate("hr", "guess", client="attacker")
    with pytest.raises(auth.SignInError, match="Too many failed attempts"):
        auth.authenticate("hr", PASSWORD, client="attacker")  # that client is locked, even with the right password ...
    assert auth.authenticate("hr", PASSWORD, client="hr-desk").username == "hr"  # ... but not the account: no lockout of the admin
    for client in ("bot-1", "bot-2"):  # enough failures from several clients lock the account itself
        for _ in range(auth.MAX_ACCOUNT_FAILURES // 2):
            with pytest.raises(auth.SignInError):
                auth.authenticate("head", "guess", client=client)
    with pytest.raises(auth.SignInError, match="Too many failed attempts"):
        auth.authenticate("head", PASSWORD, client="head-desk")
    assert [name for name, _ in auth.locked_accounts()] == ["head", "hr"]
    with pytest.raises(NotAllowed):
        auth.unlock(auth.load_user("leader"), "head")
    auth.unlock(auth.load_user("hr"), "head")
    assert auth.authenticate("head", PASSWORD, client="head-desk").username == "head"
    assert audit_rows("sign_in_unlocked") == [("hr", "sign_in_unlocked", "head", None)]


def test_unknown_users_are_checked_against_a_hash_of_the_same_cost(accounts: Path) -> None:
    with workspace.connect() as con:
        stored = con.sql("SELECT password_hash FROM users WHERE username = 'head'").fetchall()[0][0]
    assert auth.dummy_hash(auth._rounds()).decode()[:7] == stored[:7]  # "$2b$04$" here; cost 12 in production


def test_passwords_over_72_bytes_are_refused_with_a_message(accounts: Path) -> None:
    long = "密码" * 13  # 26 characters, 78 bytes
    with pytest.raises(auth.SignInError, match="at most 72 bytes"):
        auth.authenticate("head", long, client="c")
    with pytest.raises(ValueError, match="at most 72 bytes"):
        auth.create_user("longpass", "viewer", long)
    with pytest.raises(ValueError, match="at most 72 bytes"):
        auth.change_password(auth.load_user("head"), PASSWORD, long)


# --- 7. workspace records follow the person's current department ----------------------------------------------
def test_plans_reviews_and_nominations_follow_a_person_who_changes_department(env: Path, moved_db, monkeypatch) -> None:
    moved, employee = moved_db
    auth.create_user("head.rd", "department_head", PASSWORD, ("R&D",))
    before = dbmod.connect_read_only(env)  # before the move: the person is in Sales
    cur = dbmod.read_cursor(before)
    plans.add_template_item(HR, None, "course", "Leading people", 6)
    plan_id = plans.create_plan(HEAD, employee, "Sales", date(2026, 1, 1))
    nominations.record(HEAD, employee, "Sales", "nominate", "Strong results", "ready_1_2_years")
    reviews.open_cycle(HR, cur, 2026, "mid_year", opened_on=date(2026, 7, 1))
    before.close()
    after = shutil.copyfile(moved, env.with_name("after.duckdb"))
    monkeypatch.setenv("TALENT_DB", str(after))  # the next import: the person is in R&D now
    cur = dbmod.read_cursor(dbmod.connect_read_only(after))

    assert employee not in nominations.current(("Sales",)) and employee in nominations.current(("R&D",))
    assert plans.items(("Sales",), [employee]).height == 0 and plans.items(("R&D",), [employee]).height > 0
    assert plans.changes(("Sales",), employee).height == 0 and plans.changes(("R&D",), employee).height > 0
    with pytest.raises(NotAllowed, match="not your department"):
        plans.add_item(HEAD, plan_id, "project", "Old head's idea", date(2026, 12, 1), "because")
    plans.add_item(HEAD_RD, plan_id, "project", "New head's project", date(2026, 12, 1), "joined R&D")
    cycle = reviews.cycle_id_for(2026, "mid_year")
    assert employee not in reviews.cycle_people(cur, ("Sales",), cycle)["employee_id"].to_list()
    assert employee in reviews.cycle_people(cur, ("R&D",), cycle)["employee_id"].to_list()
    with pytest.raises(NotAllowed, match="not your department"):
        reviews.record_assessment(HEAD, cycle, employee, {"leadership_360": 80}, "on_track", rationale="r")
    reviews.record_assessment(HEAD_RD, cycle, employee, {"leadership_360": 80}, "on_track", rationale="r")
    assert reviews.person_results(("Sales",), employee).height == 0 and reviews.person_results(("R&D",), employee).height == 1


# --- 10. imported and typed text is plain text everywhere ---------------------------------------------------------
def test_markup_in_text_is_escaped_for_markdown_and_charts() -> None:
    for bad in (EVIL_NAME, "www.example.invalid", ":red[alarm] $x$ **bold** <b>x</b>"):
        assert not UNESCAPED_LINK.search(md(bad)) and "www." not in md(bad) and "**" not in md(bad)
    assert shown(md("R&D (Sales) 3.5")) == "R&D (Sales) 3.5"
    fig = px.bar(pl.DataFrame({"department": ['<a href="http://example.invalid">R&D</a>', "R&D"], "n": [3, 2]}), x="department", y="n")
    fig = safe_chart(fig.update_xaxes(categoryorder="array", categoryarray=["R&D", '<a href="http://example.invalid">R&D</a>']))
    assert "<a href" not in fig.to_json() and "&lt;a href" in fig.to_json()
    # the axis's order names the escaped categories: "R&D" stays one bar, not a second empty one
    assert set(fig.layout.xaxis.categoryarray) == set(fig.data[0].x) == {"R&amp;D", "&lt;a href=&quot;http://example.invalid&quot;&gt;R&amp;D&lt;/a&gt;"}


def test_a_name_with_links_and_images_shows_as_text_on_the_pages_and_a_download_button_carries_no_file(env: Path, moved_db, monkeypatch) -> None:
    moved, _ = moved_db
    monkeypatch.setenv("TALENT_DB", str(shutil.copyfile(moved, env.with_name("after.duckdb"))))
    at = signed_in("head")
    at.query_params.clear()
    at.query_params["employee"] = "X1"
    at.switch_page("pages/profile.py").run()
    assert not at.exception, [e.message for e in at.exception]
    rendered = [e.value for e in (*at.header, *at.caption, *at.markdown, *at.error, *at.info, *at.success)]
    assert any("Eve" in text for text in rendered)
    assert not [text for text in rendered if UNESCAPED_LINK.search(text)]
    at.query_params.clear()
    at.query_params["department"] = "[click](http://example.invalid)"  # a crafted link
    at.switch_page("pages/candidates.py").run()
    assert at.error and not [e.value for e in at.error if UNESCAPED_LINK.search(e.value)]
    # (3) A download button carries no file until it is clicked.
    button = at.get("download_button")[0].proto
    assert button.url == "" and button.deferred_file_id  # nothing to fetch from /media before the click
    assert audit_rows("export") == []  # and nothing audited for a file nobody asked for


# --- 11. the workspace under concurrent use --------------------------------------------------------------------
def test_concurrent_sign_ins_on_a_fresh_workspace_raise_nothing(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TALENT_DB", str(tmp_path / "talent.duckdb"))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    start, errors, stop = threading.Barrier(9), [], time.monotonic() + 0.8

    def sign_in(i: int) -> None:
        start.wait()
        while time.monotonic() < stop:
            try:
                auth.authenticate(f"user{i}", "wrong password")
            except auth.SignInError:
                pass
            except Exception as exc:  # noqa: BLE001 - what the issue saw: FileNotFoundError, write-write conflicts
                errors.append(repr(exc))

    def watch() -> None:
        start.wait()
        while time.monotonic() < stop:
            try:
                workspace.version()
            except Exception as exc:  # noqa: BLE001
                errors.append(repr(exc))

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(8)] + [threading.Thread(target=watch)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []


# --- 13. sessions: idle timeout, sign-out everywhere, one-time first password, account management -------------------
def test_idle_sessions_end_after_the_configured_time(accounts: Path, monkeypatch, tmp_path: Path) -> None:
    now = time.time()
    assert auth.idle_timeout_seconds() == 8 * 3600  # the default
    assert auth.session_user("head", now - 9 * 3600, now - 7 * 3600, now)[1] is None
    assert auth.session_user("head", now - 9 * 3600, now - 8.5 * 3600, now) == (None, "idle")
    config = tmp_path / "talent.toml"
    config.write_text("[security]\nidle_timeout_hours = 1\n", encoding="utf-8")
    monkeypatch.setenv("TALENT_CONFIG", str(config))
    assert auth.session_user("head", now - 9 * 3600, now - 2 * 3600, now) == (None, "idle")


def test_signing_out_ends_every_session_of_the_account(accounts: Path) -> None:
    signed_in_at = time.time() - 5
    assert auth.session_user("leader", signed_in_at, time.time())[0] is not None
    auth.sign_out_everywhere(auth.load_user("leader"))
    assert auth.session_user("leader", signed_in_at, time.time()) == (None, "signed_out")
    assert auth.session_user("leader", time.time(), time.time())[0] is not None  # a new sign-in works


def test_the_first_admin_password_is_one_time(tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("TALENT_DB", str(tmp_path / "talent.duckdb"))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    monkeypatch.delenv("TALENT_ADMIN_PASSWORD", raising=False)
    auth.ensure_admin()
    generated = re.search(r"one-time password: (\S+)", capsys.readouterr().err).group(1)
    admin = auth.authenticate("admin", generated)
    assert admin.must_change_password
    auth.change_password(admin, generated, "my own admin password")
    assert not auth.load_user("admin").must_change_password
    with pytest.raises(auth.SignInError):
        auth.authenticate("admin", generated)


def test_hr_admins_disable_and_reset_a_reset_password_must_be_changed_first_and_an_idle_session_ends(env: Path) -> None:
    hr = auth.load_user("hr")
    with pytest.raises(NotAllowed):
        auth.set_disabled(auth.load_user("leader"), "head", True)
    auth.set_disabled(hr, "head", True)
    with pytest.raises(auth.SignInError):
        auth.authenticate("head", PASSWORD)
    auth.set_disabled(hr, "head", False)
    auth.reset_password(hr, "leader", "temporary-password-1")
    assert [r[1:3] for r in audit_rows("password_reset")] == [("password_reset", "leader")]
    at = signed_in("leader", "temporary-password-1")
    assert at.title[0].value == "My account" and at.warning[0].value.startswith("Your password was generated or reset")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/candidates.py")  # nothing else until the password is changed
    at.text_input[0].input("temporary-password-1")
    at.text_input[1].input("leader's own password")
    at.text_input[2].input("leader's own password")
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.success[0].value == "Your password was changed."
    at.switch_page("pages/candidates.py").run()
    assert at.title[0].value != "Sign in" and not at.exception
    # An idle session shows the sign-in form with the reason.
    at.session_state["last_active"] = time.time() - 9 * 3600
    at.run()
    assert at.title[0].value == "Sign in"
    assert at.info[0].value.startswith("You were signed out after 8 hours without activity")


# --- 15. CSV neutralisation where a spreadsheet splits on ';' -----------------------------------------------------
def test_csv_cells_are_neutralised_also_for_semicolon_splitting() -> None:
    frame = pl.DataFrame({"a": ["x;=HYPERLINK(\"http://example.invalid\")", "1; +SUM(A1)", "ok;-@cmd", "fine; done", "=1"]})
    text = downloads.to_csv_bytes(frame).decode("utf-8-sig")
    for record in csv.reader(io.StringIO(text)):
        for cell in record:
            for part in re.split(r"[;,\t]", cell):  # what a spreadsheet splitting on ';' (or ',') makes cells of
                assert not re.match(r"\s*[=+\-@]", part), (cell, part)
    assert "fine; done" in text  # plain text stays as it was


# --- 16. no outside requests ------------------------------------------------------------------------------------
def test_the_favicon_is_a_local_file() -> None:
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "attr", "") == "set_page_config"]
    icon = next(k.value for k in calls[0].keywords if k.arg == "page_icon")
    source = ast.unparse(icon)
    # A ':material/…:' or emoji icon makes the browser fetch it from fonts.gstatic.com or a CDN.
    assert not source.startswith(("':", '":')) and "http" not in source
    path = ROOT / "dashboard" / "assets" / "favicon.png"
    assert "favicon.png" in source and path.read_bytes().startswith(b"\x89PNG")
    for page in (ROOT / "pages").glob("*.py"):
        assert "set_page_config" not in page.read_text(encoding="utf-8"), page.name


def test_colleagues_signing_in_at_once_from_one_address_are_not_locked_out(accounts: Path) -> None:
    """Issue #17's load test: behind one company address (NAT, a proxy) more than five people signing in at the same
    moment with the right passwords were told "too many failed attempts"; sign-ins in progress are no failures."""
    names = ["hr", "head", "viewer", "leader"] * 3
    start, signed_in, refused = threading.Barrier(len(names)), [], []

    def attempt(name: str) -> None:
        start.wait()
        try:
            signed_in.append(auth.authenticate(name, PASSWORD, client="10.1.1.1").username)
        except auth.SignInError as exc:
            refused.append(str(exc))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in names]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert refused == [] and sorted(signed_in) == sorted(names)
