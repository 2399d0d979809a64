"""One write path: every function that writes the app's own database is registered, appends exactly its audit
row through workspace.write, checks its policy before writing, and leaves nothing behind when it fails."""
from __future__ import annotations

import ast
import importlib
import os
import shutil
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Callable, Iterator
import uuid

import duckdb
import polars as pl
import pytest

from services import auth, calibration, nominations, plans, positions, reviews, self_assessment, self_service, succession, workspace
from services import workspace_postgres
from services.permissions import NotAllowed

from .conftest import TODAY, copy_app_files, database_url, drop_postgres_database, postgres_database, small_org, use_app_files
from .test_reviews import FILES

ROOT = Path(__file__).resolve().parents[1]
SERVICES = sorted((ROOT / "services").glob("*.py"))
PASSWORD = "a-long-password"  # small_org's
HR = auth.User("hr", "hr", "hr_admin", ())
HEAD_SALES = auth.User("head.sales", "head.sales", "department_head", ("Sales",))
HEAD_RD = auth.User("head.rd", "head.rd", "department_head", ("R&D",))
EMPLOYEE_S1 = auth.User("sam", "Sam One", "employee", (), employee_id="S1")  # issue #18: a candidate's own account
EMPLOYEE_S2 = auth.User("sue", "Sue Two", "employee", (), employee_id="S2")
MID, END = "2026-mid_year", "2026-year_end"
INDICATORS = {"team_results_growth": 10, "project_on_time_rate": 80, "leadership_360": 70}
# #16 part 1: middle managers whose seats can be key seats (M1's is, in the template)
FILES_WITH_SEAT = {**FILES, "employees.csv": FILES["employees.csv"] + "M1,Mia Lead,Sales,Sales Team Lead,7,HS,2015-01-01,1985-01-01,female,Hangzhou,active,,\n"
                   "M2,Max Lead,R&D,R&D Team Lead,7,HR1,2015-01-01,1985-01-01,male,Hangzhou,active,,\n"}

for path in SERVICES:  # every write service registers itself when its module is imported
    importlib.import_module(f"services.{path.stem}")


# --- the registry is complete ------------------------------------------------------------------------------
def _calls_write(fn: ast.AST) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            f = node.func
            if (isinstance(f, ast.Name) and f.id == "write") or (
                    isinstance(f, ast.Attribute) and f.attr == "write" and isinstance(f.value, ast.Name) and f.value.id == "workspace"):
                return True
    return False


def writing_functions() -> set[str]:
    """module.function of every function in services/ whose body opens workspace.write."""
    found = set()
    for path in SERVICES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _calls_write(node):
                found.add(f"{path.stem}.{node.name}")
            if isinstance(node, ast.ClassDef):
                found |= {f"{path.stem}.{node.name}.{m.name}" for m in node.body
                          if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and _calls_write(m)}
    return found


def test_every_function_that_writes_is_registered() -> None:
    found = writing_functions()
    assert len(found) >= 25  # the scan sees the services' writes (a broken scan would find none)
    assert not found - set(workspace.WRITERS), "write services without @workspace.writes(...)"
    assert all(not name.split(".")[-1].startswith("_") for name in workspace.WRITERS)


def test_only_the_write_path_begins_a_transaction_or_appends_audit() -> None:
    for folder in ("services", "dashboard", "pages"):
        for path in sorted((ROOT / folder).glob("*.py")) + ([ROOT / "app.py"] if folder == "pages" else []):
            text = path.read_text(encoding="utf-8")
            if path.name == "workspace.py":
                # once, inside write(); and the audit row only from there
                assert text.count("BEGIN TRANSACTION") == 1 and text.count("_audit(") == 2
                body = text[text.index("def write("):text.index("def mark_real(")]
                assert "BEGIN TRANSACTION" in body and "_audit(con" in body
            else:
                assert "BEGIN TRANSACTION" not in text, path
                assert "workspace.audit(" not in text and "_audit(" not in text, path
            if folder != "services":  # pages and the access layer write through services only
                assert "workspace.write(" not in text and "workspace.connect(" not in text, path


def test_no_second_schema_for_the_workspace() -> None:
    for path in sorted(ROOT.glob("services/*.py")) + sorted(ROOT.glob("dashboard/*.py")) + sorted(ROOT.glob("pages/*.py")):
        if path.name != "workspace.py":
            text = path.read_text(encoding="utf-8")
            assert "CREATE TABLE" not in text and "ALTER TABLE" not in text and "CREATE SEQUENCE" not in text, path


# --- a small organisation with a little of everything, built once ------------------------------------------
STORES = ["embedded", "postgresql"]  # every write, on both of the workspace's stores (issue #17)


def _build(store: str, request, tmp_path_factory) -> tuple[Path, str | None]:
    """The organisation built on one store: its folder, and on PostgreSQL the template database holding its workspace."""
    folder = tmp_path_factory.mktemp(f"write_path_{store}")
    template_db = None
    with pytest.MonkeyPatch.context() as mp:
        if store == "postgresql":
            template_db = f"write_path_{os.getpid()}"
            mp.setenv("TALENT_WORKSPACE_URL", postgres_database(request.getfixturevalue("postgres_server"), template_db))
        mp.setenv("TALENT_CONFIG", str(shutil.copyfile(ROOT / "config" / "talent.toml", folder / "talent.toml")))
        mp.setenv("TALENT_MODELS", str(folder / "models"))
        db = small_org(folder, mp, FILES_WITH_SEAT, (HEAD_SALES, HEAD_RD))
        template = positions.save(HR, "Middle manager", None, "Lead a team", "Leadership", "Team lead -> manager")
        plans.add_template_item(HR, None, "course", "Leading people", 6)
        for employee_id, department in (("S1", "Sales"), ("S2", "Sales"), ("R1", "R&D")):
            nominations.record(HR, employee_id, department, "nominate", "meets the rules", "ready_1_2_years")
        plans.create_plan(HEAD_SALES, "S1", "Sales", date(2026, 1, 15))
        plans.create_plan(HEAD_RD, "R1", "R&D", date(2026, 1, 15))
        with workspace.connect() as con:  # R1 reports an item done (issue #18): the head's confirmation is an example below
            r1_item = con.sql("SELECT min(item_id) FROM plan_items WHERE employee_id = 'R1'").fetchall()[0][0]
        plans.report_done(auth.User("ray", "Ray One", "employee", (), employee_id="R1"), r1_item, "certificate.pdf")
        cur = duckdb.connect(str(db), read_only=True)
        try:
            reviews.open_cycle(HR, cur, 2026, "mid_year", opened_on=date(2026, 7, 1))
            reviews.close_cycle(HR, cur, MID, closed_on=date(2026, 7, 31))
            reviews.open_cycle(HR, cur, 2026, "year_end", opened_on=date(2026, 11, 20))
        finally:
            cur.close()
        reviews.record_assessment(HEAD_SALES, END, "S1", INDICATORS, "keep_developing", rationale="one more year", strengths="steady results")
        reviews.raise_dispute(HEAD_SALES, END, "S1", "the 360 came from two raters")
        calibration.open_session(HR, "Mid-year talent review", ["Sales"], date(2026, 7, 15))  # issue #16: an open session
        self_service.edit_profile(EMPLOYEE_S1, "S1", {"career_aspiration": "management"})

        succession.name_successor(HR, succession.mark_key_seat(HR, "M1", "high", "runs the key accounts"), "S1", "ready_now", None, "deputy")
        (folder / "template_id").write_text(str(template))
    return folder, template_db


@pytest.fixture(scope="module")
def _templates(request, tmp_path_factory):
    """Builds the organisation on a store the first time a test asks for it; drops the PostgreSQL template at the end."""
    built: dict[str, tuple[Path, str | None]] = {}

    def get(store: str) -> tuple[Path, str | None]:
        if store not in built:
            built[store] = _build(store, request, tmp_path_factory)
        return built[store]

    yield get
    for _, template_db in built.values():
        if template_db:
            drop_postgres_database(request.getfixturevalue("postgres_server"), template_db)


@pytest.fixture(scope="module", params=STORES)
def _template(request, _templates) -> tuple[Path, str | None]:
    return _templates(request.param)


@dataclass
class Org:
    db: Path
    ws: workspace.Location
    cur: duckdb.DuckDBPyConnection
    template: int
    fresh: Callable[[], workspace.Location]  # a new, empty workspace on the same store

    def one(self, sql: str, params: list | None = None):
        with workspace.connect() as con:
            return con.sql(sql, params=params).fetchall()[0][0]


@pytest.fixture
def org(_template: tuple[Path, str | None], tmp_path: Path, monkeypatch, request) -> Iterator[Org]:
    folder, template_db = _template
    copy_app_files(folder, tmp_path)
    use_app_files(tmp_path, monkeypatch)
    cur = duckdb.connect(str(tmp_path / "talent.duckdb"), read_only=True)
    template_id = int((folder / "template_id").read_text())
    if template_db:  # PostgreSQL: this test's own copy of the template's database, and fresh ones on demand
        server = request.getfixturevalue("postgres_server")
        made = [f"{template_db}_{request.node.nodeid.__hash__() & 0xffffff:x}"]
        url = postgres_database(server, made[0], template=template_db)
        monkeypatch.setenv("TALENT_WORKSPACE_URL", url)

        def fresh() -> str:
            made.append(f"{made[0]}_fresh{len(made)}")
            return postgres_database(server, made[-1])

        yield Org(tmp_path / "talent.duckdb", url, cur, template_id, fresh)
        for name in made:
            drop_postgres_database(server, name)
    else:
        # Held open for the test so DuckDB keeps the file's instance: each service's own connect is then cheap
        # (no reopen and checkpoint per call); every service still opens, writes and commits as it does in the app.
        held = duckdb.connect(str(tmp_path / "workspace.duckdb"))
        yield Org(tmp_path / "talent.duckdb", tmp_path / "workspace.duckdb", cur, template_id,
                  lambda: tmp_path / f"fresh{uuid.uuid4().hex[:6]}.duckdb")
        held.close()
    cur.close()


def fresh_workspace(o: Org) -> None:
    """For the first-start writes: a workspace that has never held anything (the org fixture's monkeypatch restores)."""
    where = o.fresh()
    os.environ["TALENT_WORKSPACE_URL" if workspace.is_postgres(where) else "TALENT_WORKSPACE"] = str(where)


def audit_rows() -> list[tuple]:
    with workspace.connect() as con:
        return con.sql("SELECT audit_id, username, action FROM audit_log ORDER BY audit_id").fetchall()


def snapshot() -> dict[str, int]:
    """Row count of every workspace table (the audit log included)."""
    with workspace.connect() as con:
        names = [r[0] for r in con.sql("""SELECT table_name FROM information_schema.tables
                                              WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1""").fetchall()]
        return {n: con.sql(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}


def s1_plan(o: Org) -> int:
    return o.one("SELECT plan_id FROM development_plans WHERE employee_id = 'S1'")


def s1_item(o: Org) -> int:
    return o.one("SELECT min(item_id) FROM plan_items WHERE employee_id = 'S1'")


def calibration_session(o: Org) -> int:
    return o.one("SELECT max(session_id) FROM calibration_sessions")


def dispute(o: Org) -> int:
    return o.one("SELECT max(dispute_id) FROM review_disputes")


def seat(o: Org) -> int:
    return o.one("SELECT max(seat_id) FROM key_seats WHERE active")


def succession_seeded(o: Org) -> None:
    from services.demo import seed_demo_succession

    assert seed_demo_succession(o.db) == {"seats": 2, "successors": 0}  # M1's and M2's seats; a fresh workspace has no pool


def _seed(o: Org) -> list[str]:
    from services.demo import seed_demo_reviews

    fresh_workspace(o)
    written = seed_demo_reviews(o.db)
    return ["demo_pool_seeded", *["demo_review_cycle_seeded"] * len(written["cycles"]), "demo_reviews_seeded"]


def _log_export(o: Org) -> list[str]:
    from services import export

    result = export.build_export(o.db, MID, workspace_file=o.ws, generated_by="hr")
    export.log_export("hr", result, {"review.html": result.html.encode("utf-8")}, o.ws)
    return ["review_export"]


def _ensure_demo_accounts(o: Org) -> list[str]:
    fresh_workspace(o)
    auth.ensure_demo_accounts(["Sales"])
    return ["workspace_demo"] + ["user_created"] * 4


# One valid call per registered write service, and the audit actions it appends (None: the registered action).
EXAMPLES: dict[str, Callable[[Org], list[str] | None]] = {
    "auth.create_user": lambda o: auth.create_user("new.viewer", "viewer", PASSWORD, created_by=HR),
    "auth.ensure_demo_accounts": _ensure_demo_accounts,
    "auth.authenticate": lambda o: auth.authenticate("head.sales", PASSWORD, client="10.0.0.1"),
    "auth.record": lambda o: (auth.record(HR, "export", "people.csv", "3 rows"), ["export"])[1],
    "auth.sign_out_everywhere": lambda o: auth.sign_out_everywhere(HEAD_SALES),
    "auth.change_password": lambda o: auth.change_password(HEAD_SALES, PASSWORD, "another-long-password"),
    "auth.reset_password": lambda o: auth.reset_password(HR, "head.sales", "temporary-pass-1"),
    "auth.set_disabled": lambda o: (auth.set_disabled(HR, "head.sales", True), ["user_disabled"])[1],
    "auth.unlock": lambda o: auth.unlock(HR, "head.sales"),
    "auth.ensure_admin": lambda o: auth.ensure_admin(),
    "auth.create_session_key": lambda o: auth.create_session_key(),
    "workspace.mark_real": lambda o: workspace.mark_real("a real import"),
    "nominations.record": lambda o: (nominations.record(HEAD_SALES, "S3", None, "nominate", "strong year", "ready_now"), ["pool_nominate"])[1],
    "nominations.change_readiness": lambda o: nominations.change_readiness(HEAD_SALES, "S1", None, "ready_now", "led the CRM rollout"),
    "calibration.record": lambda o: calibration.record(HEAD_SALES, "S3", None, ("medium", "medium"), ("high", "high"), "calibration meeting"),
    "plans.add_template_item": lambda o: plans.add_template_item(HEAD_SALES, "Sales", "course", "Negotiation Skills", 4),
    "plans.create_plan": lambda o: plans.create_plan(HEAD_SALES, "S2", None, date(2026, 2, 1)),
    "plans.add_item": lambda o: plans.add_item(HEAD_SALES, s1_plan(o), "project", "Lead the CRM rollout", date(2026, 12, 1), "review"),
    "plans.change_item": lambda o: plans.change_item(HEAD_SALES, s1_item(o), "finished", status="done", completed_on=date(2026, 6, 1)),
    "positions.save": lambda o: (positions.save(HR, "Team lead", None, "a", "b", "c"), ["position_profile_created"])[1],
    "positions.tailor": lambda o: positions.tailor(HEAD_SALES, o.template, "Sales"),
    "positions.comment": lambda o: positions.comment(HR, o.template, "Looks right"),
    "reviews.open_cycle": lambda o: reviews.open_cycle(HR, o.cur, 2025, "year_end", opened_on=date(2025, 11, 20)),
    "reviews.refresh_cycle": lambda o: reviews.refresh_cycle(HR, o.cur, END, as_of=TODAY),
    "reviews.close_cycle": lambda o: reviews.close_cycle(HR, o.cur, END, closed_on=TODAY),
    "reviews.record_assessment": lambda o: reviews.record_assessment(HEAD_RD, END, "R1", INDICATORS, "keep_developing", rationale="steady"),
    "reviews.confirm": lambda o: reviews.confirm(HR, END, "S1", "keep_developing"),
    "reviews.raise_dispute": lambda o: reviews.raise_dispute(HEAD_SALES, END, "S1", "the strengths miss the new team", about="strengths"),
    "reviews.set_self_assessment_due": lambda o: reviews.set_self_assessment_due(HR, END, date(2026, 12, 31)),
    "self_assessment.submit": lambda o: self_assessment.submit(EMPLOYEE_S1, END, "S1", {"leadership_360": ("took over a team", "team.pdf")},
                                                               at=datetime(2026, 11, 25, 10)),
    "reviews.answer_dispute": lambda o: reviews.answer_dispute(HR, dispute(o), "checked; the score stands"),
    "demo.seed_demo_reviews": _seed,
    "self_service.edit_profile": lambda o: self_service.edit_profile(EMPLOYEE_S1, "S1", {"career_plan": "Lead a team in two years"}),
    "self_service.apply_edits": lambda o: self_service.apply_edits(HR),
    "plans.report_done": lambda o: plans.report_done(EMPLOYEE_S1, s1_item(o), "certificate.pdf"),
    "plans.confirm_done": lambda o: plans.confirm_done(HEAD_RD, o.one("SELECT min(item_id) FROM plan_items WHERE employee_id = 'R1'")),
    "export.log_export": _log_export,
    # issue #16 part 2: a calibration session (the template holds an open one for Sales)
    "calibration.open_session": lambda o: calibration.open_session(HR, "Year-end", ["Sales"], date(2026, 12, 10), cur=o.cur),
    "calibration.move": lambda o: calibration.move(HEAD_SALES, calibration_session(o), "S3", ("low", "low"), "calibration meeting", cur=o.cur),
    "calibration.lock_session": lambda o: (calibration.lock_session(HR, calibration_session(o), cur=o.cur), None)[1],
    # #16 part 1: M1's key seat (the template's), S1 named for it
    "succession.mark_key_seat": lambda o: succession.mark_key_seat(HR, "M2", "medium", "the only platform lead"),
    "succession.unmark_key_seat": lambda o: succession.unmark_key_seat(HR, seat(o), "reorganised"),
    "succession.set_impact": lambda o: succession.set_impact(HR, seat(o), "medium", "a second manager shares the accounts"),
    "succession.name_successor": lambda o: succession.name_successor(HEAD_SALES, seat(o), "S2", "1_2_years", 1, "ran the region"),
    "succession.remove_successor": lambda o: succession.remove_successor(HEAD_SALES, seat(o), "S1", "moved to a specialist path"),
    "demo.seed_demo_succession": lambda o: (fresh_workspace(o), succession_seeded(o), ["demo_succession_seeded"])[-1],
}


# Writes that update rows in place (no row count changes); the rest must add rows besides their audit row.
CHANGES_IN_PLACE = {"auth.sign_out_everywhere", "auth.change_password", "auth.reset_password", "auth.set_disabled",
                    "auth.unlock", "plans.change_item", "reviews.refresh_cycle", "reviews.close_cycle",
                    "reviews.answer_dispute", "reviews.set_self_assessment_due", "workspace.mark_real",
                    "succession.unmark_key_seat", "succession.set_impact"}
AUDIT_ONLY = {"auth.record", "export.log_export", "self_service.apply_edits"}
FIRST_START = {"demo.seed_demo_reviews", "auth.ensure_demo_accounts", "demo.seed_demo_succession"}  # on a fresh workspace of their own


# Writes whose example needs a trained model or a whole import: their audit rows are asserted in these tests.
COVERED_IN_TEST_DOORS = {
    "imports.after_import": "test_cli_ingest_rescores_and_records_the_import",
    "model.train": "test_training_through_the_service_scores_and_audits",
    "model.score": "test_models_cli_scores_through_the_service_and_audits",
    "pool_rules.edit": "test_editing_the_pool_rules_rebuilds_keeps_comments_and_audits_once",
    "flight_risk.train_flight_risk": "test_the_model_against_years_of_service_alone_on_the_demo",  # in test_flight_risk.py
    "flight_risk.score_flight_risk": "test_the_cli_scores_flight_risk_through_the_service_and_audits",  # in test_flight_risk.py
}


def test_every_registered_write_service_has_an_example() -> None:
    assert sorted(set(workspace.WRITERS) - set(EXAMPLES) - set(COVERED_IN_TEST_DOORS)) == []
    doors = "".join((ROOT / "tests" / f).read_text(encoding="utf-8") for f in ("test_doors.py", "test_flight_risk.py"))
    assert [t for t in COVERED_IN_TEST_DOORS.values() if f"def {t}(" not in doors] == []


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_a_write_appends_its_audit_rows(name: str, org: Org) -> None:
    registered = workspace.WRITERS[name]
    before = {} if name in FIRST_START else snapshot()
    result = EXAMPLES[name](org)
    expected = result if isinstance(result, list) else [registered[0]]
    new = [action for _, _, action in audit_rows()[before.get("audit_log", 0):]]
    assert new == expected
    assert set(new) <= set(registered) or not registered  # registered with no action: the caller names it
    if before and name not in AUDIT_ONLY | CHANGES_IN_PLACE:
        after = snapshot()
        assert any(after[t] > before[t] for t in after if t != "audit_log"), "no row written"



# --- refused before anything is written: a head of another department --------------------------------------
REFUSED = {
    "nominate": lambda o: nominations.record(HEAD_RD, "S3", None, "nominate", "poaching", "ready_now"),
    "nominate, claiming the wrong department": lambda o: nominations.record(HEAD_RD, "S3", "R&D", "nominate", "poaching", "ready_now"),
    "nominate through the access layer": lambda o: __import__("dashboard.access", fromlist=["ScopedData"]).ScopedData(HEAD_RD).nominate(
        "S3", "nominate", "poaching", "ready_now"),
    "change readiness": lambda o: nominations.change_readiness(HEAD_RD, "S1", None, "ready_now", "poaching"),
    "change readiness through the access layer": lambda o: __import__("dashboard.access", fromlist=["ScopedData"]).ScopedData(HEAD_RD).change_readiness(
        "S1", "ready_now", "poaching"),
    "calibrate": lambda o: calibration.record(HEAD_RD, "S3", "R&D", ("medium", "medium"), ("high", "high"), "because"),
    "move someone in a calibration session": lambda o: calibration.move(HEAD_RD, calibration_session(o), "S3", ("low", "low"), "poaching", cur=o.cur),
    "lock a calibration session": lambda o: calibration.lock_session(HEAD_RD, calibration_session(o), cur=o.cur),
    "create a plan": lambda o: plans.create_plan(HEAD_RD, "S2", "R&D", date(2026, 2, 1)),
    "add a plan item": lambda o: plans.add_item(HEAD_RD, s1_plan(o), "project", "R&D's idea", date(2026, 12, 1), "because"),
    "change a plan item": lambda o: plans.change_item(HEAD_RD, s1_item(o), "because", status="dropped"),
    "add a template item for another department": lambda o: plans.add_template_item(HEAD_RD, "Sales", "course", "R&D knows best", 2),
    "tailor for another department": lambda o: positions.tailor(HEAD_RD, o.template, "Sales"),
    "comment on an HR template": lambda o: positions.comment(HEAD_RD, o.template, "R&D has an opinion"),
    "assess": lambda o: reviews.record_assessment(HEAD_RD, END, "S2", INDICATORS, "keep_developing", rationale="x"),
    "raise a dispute": lambda o: reviews.raise_dispute(HEAD_RD, END, "S1", "x"),
    "answer a dispute": lambda o: reviews.answer_dispute(HEAD_RD, dispute(o), "x"),
    "open a cycle": lambda o: reviews.open_cycle(HEAD_RD, o.cur, 2025, "mid_year"),
    "confirm an outcome": lambda o: reviews.confirm(HEAD_RD, END, "S1", "keep_developing"),
    "create an account": lambda o: auth.create_user("sneaky", "hr_admin", PASSWORD, created_by=HEAD_RD),
    # issue #18: a candidate acts on their own records only; nobody acts for them on their self-service profile
    "edit another person's profile": lambda o: self_service.edit_profile(EMPLOYEE_S1, "S2", {"career_plan": "x"}),
    "edit a candidate's profile for them": lambda o: self_service.edit_profile(HEAD_SALES, "S1", {"career_plan": "x"}),
    "report another person's plan item done": lambda o: plans.report_done(EMPLOYEE_S2, s1_item(o), "x"),
    "report a plan item done for the candidate": lambda o: plans.report_done(HEAD_SALES, s1_item(o), "x"),
    "confirm a report in another department": lambda o: plans.confirm_done(HEAD_RD, s1_item(o)),
    "confirm one's own report": lambda o: plans.confirm_done(EMPLOYEE_S1, s1_item(o)),
    "apply self-service edits without managing data": lambda o: self_service.apply_edits(HEAD_SALES),
    "move the self-assessment deadline": lambda o: reviews.set_self_assessment_due(HEAD_RD, END, date(2026, 12, 31)),
    "submit a candidate's self-assessment": lambda o: self_assessment.submit(HEAD_RD, END, "S1", {"leadership_360": ("x", None)},
                                                                             at=datetime(2026, 11, 25, 10)),
    # a candidate acts on their own records only
    "submit another candidate's self-assessment": lambda o: self_assessment.submit(EMPLOYEE_S2, END, "S1", {"leadership_360": ("x", None)},
                                                                                   at=datetime(2026, 11, 25, 10)),
    "dispute another candidate's result": lambda o: reviews.raise_dispute(EMPLOYEE_S2, END, "S1", "x", about="strengths"),
    "answer a dispute as a candidate": lambda o: reviews.answer_dispute(EMPLOYEE_S1, dispute(o), "x"),
    # #16 part 1: another department's key seat, and HR's own decisions
    "name a successor for another department's seat": lambda o: succession.name_successor(HEAD_RD, seat(o), "R1", "ready_now", None, "x"),
    "name a successor from another department's pool": lambda o: succession.name_successor(HEAD_SALES, seat(o), "R1", "ready_now", None, "x"),
    "remove a successor of another department's seat": lambda o: succession.remove_successor(HEAD_RD, seat(o), "S1", "x"),
    "mark a key seat as a head": lambda o: succession.mark_key_seat(HEAD_SALES, "M2", "high", "x"),
    "set a key seat's impact as a head": lambda o: succession.set_impact(HEAD_SALES, seat(o), "low", "x"),
}


def test_a_head_of_another_department_is_refused_and_nothing_is_written(org: Org) -> None:
    before = snapshot()
    for what, attempt in REFUSED.items():  # one workspace for all: a refusal writes nothing (checked after each)
        with pytest.raises(NotAllowed):
            attempt(org)
            pytest.fail(f"{what}: not refused")
        assert snapshot() == before, f"{what}: written although refused"


# --- failures roll back the change and its audit row ---------------------------------------------------------
def test_a_failing_body_rolls_back_and_writes_no_audit_row(org: Org) -> None:
    before = snapshot()
    with pytest.raises(RuntimeError, match="half way"):
        with workspace.write("hr", "pool_nominate", "S3") as change:
            change.execute("INSERT INTO nominations (employee_id, department, action, reason, decided_by) VALUES ('S3', 'Sales', 'nominate', 'x', 'hr')")
            raise RuntimeError("half way")
    assert snapshot() == before


def test_a_service_failing_after_its_first_insert_leaves_nothing(org: Org) -> None:
    # S2 has no plan: the assessment row is inserted, then the plan adjustment fails inside the same write
    before = snapshot()
    with pytest.raises(NotAllowed, match="no development plan"):
        reviews.record_assessment(HEAD_SALES, END, "S2", INDICATORS, "keep_developing", rationale="x", plan_adjustment="one course fewer")
    assert snapshot() == before


def test_a_write_with_nothing_to_change_leaves_no_audit_row(org: Org) -> None:
    workspace.mark_real("first real import")
    workspace.mark_real("second real import")
    assert [a for _, _, a in audit_rows()].count("workspace_real") == 1


# --- both stores read the same (issue #17) ---------------------------------------------------------------------
def _reads(db: Path) -> dict[str, pl.DataFrame]:
    """What the pages read from the workspace, through the services, for the organisation built above."""
    from services import pool, self_service, trends

    cur = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "pool members": pool.current_members(cur),
            "plan items": plans.items(None),
            "plan changes": plans.changes(None),
            "plan template": plans.template(),
            "review cycles": reviews.list_cycles(),
            "mid-year people": reviews.cycle_people(cur, None, MID),
            "year-end figures": reviews.cycle_figures(cur, None, END),
            "calibration sessions": calibration.sessions(None),
            "key seats": succession.seats(cur, None),
            "successors": succession.successors(cur, None, 1),
            "bench": succession.bench_by_department(cur, None),
            "self-service edits": self_service.latest_edits(),
            "pool growth": trends.pool_growth(cur, None, None, 12),
            "accounts": auth.users_and_audit_log(HR)[0],
        }
    finally:
        cur.close()


def test_both_stores_read_the_same(_templates, postgres_server, monkeypatch) -> None:
    reads = {}
    for store in STORES:
        folder, template_db = _templates(store)
        use_app_files(folder, monkeypatch)
        if template_db:
            monkeypatch.setenv("TALENT_WORKSPACE_URL", database_url(postgres_server, template_db))
        else:
            monkeypatch.delenv("TALENT_WORKSPACE_URL", raising=False)
        reads[store] = _reads(folder / "talent.duckdb")
    workspace_postgres.close_pool()  # the template database is copied by later tests: no connection may stay open
    embedded, postgres = reads["embedded"], reads["postgresql"]
    assert [name for name, frame in embedded.items() if frame.height == 0] == []
    for name, frame in embedded.items():
        assert postgres[name].schema == frame.schema, name
        moments = [c for c, kind in frame.schema.items() if kind in (pl.Datetime, pl.Datetime("us"))]  # when: differs
        assert postgres[name].drop(moments).sort(pl.all()).equals(frame.drop(moments).sort(pl.all())), name
