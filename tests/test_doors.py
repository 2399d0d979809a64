"""Every door calls the same services: each import door re-scores with the trained model and records the import;
a pool-rule edit changes config, tables and audit log together, or none of them."""
from __future__ import annotations

import hashlib
import os
import shutil
import tomllib
from pathlib import Path

import duckdb
import pytest

from pipelines.db import write_batch
from services import auth, first_start, imports, pool_rules, workspace
from services.auth import User
from services.cli import main as pipelines_main
from services.cli import models_main
from services.permissions import NotAllowed
from tests.conftest import TODAY, build_demo_db, rows

ROOT = Path(__file__).resolve().parents[1]
HR = User("hr", "HR admin", "hr_admin", ())
RATING = "employee_id,period,rating,score\n{employee},2019,A,97\n"

pytestmark = pytest.mark.xdist_group("doors")  # one trained model for the module


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> tuple[Path, Path]:
    """A small demo database (not scored) and one model trained on it, shared by the module's tests."""
    folder = tmp_path_factory.mktemp("doors")
    config = folder / "talent.toml"
    text = (ROOT / "config" / "talent.toml").read_text(encoding="utf-8")
    config.write_text(text.replace("min_positive_labels = 20", "min_positive_labels = 5"), encoding="utf-8")  # a small demo trains
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TALENT_CONFIG", str(config))
        mp.setenv("TALENT_MODELS", str(folder / "models"))
        db = build_demo_db(folder, employees=400, seed=11)
        from models.training import train

        train(db)
    return db, folder / "models"


@pytest.fixture
def env(trained, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the demo database with no scores, its own workspace, the trained model in reach."""
    db = tmp_path / "talent.duckdb"
    shutil.copyfile(trained[0], db)
    monkeypatch.setenv("TALENT_DB", str(db))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_MODELS", str(trained[1]))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    assert rows(db, "SELECT count(*) FROM model_scores") == [(0,)]
    return db


def model_version(models: Path) -> str:
    return sorted(p.name for p in models.iterdir())[-1]


def assert_rescored(db: Path, models: Path) -> None:
    """Everyone on the latest snapshot has a score from the trained model."""
    latest = rows(db, "SELECT count(*) FROM analysis_snapshots WHERE as_of = (SELECT max(as_of) FROM analysis_snapshots)")[0][0]
    assert latest > 0
    assert rows(db, "SELECT model_version, count(*) FROM model_scores GROUP BY 1") == [(model_version(models), latest)]


def audit(action: str, path: Path | None = None) -> list[tuple]:
    with workspace.connect(path) as con:
        return con.sql("SELECT username, action, target, detail FROM audit_log WHERE action = ? ORDER BY audit_id", params=[action]).fetchall()


def purpose(path: Path | None = None) -> str | None:
    with workspace.connect(path) as con:
        return workspace.purpose(con)


def rating_file(db: Path, folder: Path) -> Path:
    employee = rows(db, "SELECT employee_id FROM employees ORDER BY employee_id LIMIT 1")[0][0]
    folder.mkdir(exist_ok=True)
    path = folder / "performance_ratings.csv"
    path.write_text(RATING.format(employee=employee), encoding="utf-8")
    return path


# --- every import door re-scores, marks real data, and records the import ------------------------------------
def test_cli_ingest_rescores_and_records_the_import(env: Path, trained, tmp_path: Path) -> None:
    assert pipelines_main(["ingest", str(rating_file(env, tmp_path / "in")), "--db", str(env)]) == 0
    assert_rescored(env, trained[1])
    [(username, _, target, detail)] = audit("import")
    assert username.startswith("cli") and target == "run 2" and f"with model {model_version(trained[1])}" in detail
    assert purpose() == "real"


def test_cli_demo_load_rescores_and_stays_a_demo(trained, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("TALENT_MODELS", str(trained[1]))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    db = tmp_path / "fresh.duckdb"
    assert pipelines_main(["demo", "--employees", "150", "--out", str(tmp_path / "demo"), "--load", "--db", str(db), "--json"]) == 0
    assert_rescored(db, trained[1])
    assert rows(db, "SELECT run_by FROM import_runs") == [("demo",)]
    assert [r[1] for r in audit("import")] == ["import"] and purpose() != "real"


def test_app_upload_rescores_in_the_isolated_import(env: Path, trained, tmp_path: Path) -> None:
    summary = imports.import_files(HR, [rating_file(env, tmp_path / "in")], env, isolated=True, command="app upload")
    assert summary["model_scores"]["version"] == model_version(trained[1])
    assert_rescored(env, trained[1])
    assert rows(env, "SELECT run_by, command FROM import_runs WHERE run_id = 2") == [("hr", "app upload")]
    assert [(r[0], r[2]) for r in audit("import")] == [("hr", "run 2")]
    assert purpose() == "real"


def test_first_start_builds_the_demo_organisation_and_demo_accounts_and_rescores_it(trained, tmp_path: Path, monkeypatch) -> None:
    """The app's first start (AppTest, app.py's progress bar) on an empty database: the demo organisation imported,
    scored with the trained model, its demo accounts and the first admin made; then the sign-in form, and demo.head in."""
    from streamlit.testing.v1 import AppTest

    from tests.test_app import signed_in

    db = tmp_path / "fresh" / "talent.duckdb"
    monkeypatch.setenv("TALENT_DB", str(db))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "fresh" / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_MODELS", str(trained[1]))
    monkeypatch.setenv("TALENT_DEMO_EMPLOYEES", "300")
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    monkeypatch.delenv("TALENT_ADMIN_PASSWORD", raising=False)
    monkeypatch.chdir(ROOT)
    seen: list[float] = []
    build_demo = first_start.build_demo

    def recording_progress(progress, **kwargs):  # the real first start; the fractions its progress bar was given kept
        return build_demo(progress=lambda f, m: (seen.append(f), progress(f, m)), **kwargs)

    monkeypatch.setattr(first_start, "build_demo", recording_progress)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    at.run()
    assert at.title[0].value == "Sign in"
    assert seen == sorted(seen) and seen[-1] == 1.0
    assert rows(db, "SELECT count(*) > 250 FROM employees") == [(True,)]
    assert rows(db, "SELECT run_by FROM import_runs") == [("demo",)]
    assert_rescored(db, trained[1])
    assert [r[0] for r in audit("import")] == [first_start.ACTOR] and purpose() == "demo"
    with workspace.connect() as con:
        users = con.sql("SELECT username, role, is_demo, password_hash LIKE '$2b$%' FROM users ORDER BY username").fetchall()
    assert users == [("admin", "hr_admin", False, True), ("demo.employee", "employee", True, True),
                     ("demo.head", "department_head", True, True), ("demo.hr", "hr_admin", True, True),
                     ("demo.leadership", "hr_leadership", True, True), ("demo.viewer", "viewer", True, True)]
    at = signed_in("demo.head", "demo")
    assert at.title[0].value == "How deep is our middle-management talent pool?"
    assert build_demo(employees=150) is None  # never twice, never over imports


def test_a_damaged_model_file_is_a_warning_and_the_import_stands(env: Path, trained, tmp_path: Path, monkeypatch) -> None:
    damaged = shutil.copytree(trained[1], tmp_path / "models")
    (damaged / model_version(trained[1]) / "model.skops").write_bytes(b"not a model")
    monkeypatch.setenv("TALENT_MODELS", str(damaged))
    summary = imports.import_files(HR, [rating_file(env, tmp_path / "in")], env)
    assert "model file is damaged" in summary["model_warning"] and "model_scores" not in summary
    assert rows(env, "SELECT max(run_id) FROM import_runs") == [(2,)]
    [(_, _, _, detail)] = audit("import")
    assert "not scored" in detail


def test_only_data_managers_import(env: Path, tmp_path: Path) -> None:
    with pytest.raises(NotAllowed):
        imports.import_files(User("v", "Viewer", "viewer", ()), [rating_file(env, tmp_path / "in")], env)
    assert rows(env, "SELECT max(run_id) FROM import_runs") == [(1,)] and audit("import") == []


def test_training_through_the_service_scores_and_audits(env: Path, trained, tmp_path: Path, monkeypatch) -> None:
    from services import model

    monkeypatch.setenv("TALENT_CONFIG", str(trained[0].parent / "talent.toml"))  # the small demo's label threshold
    monkeypatch.setenv("TALENT_MODELS", str(tmp_path / "models"))  # a model of its own: the module's stays the newest
    card = model.train(HR, env)
    assert card["scores"]["scored"] > 0 and card["version"] == model_version(tmp_path / "models")
    assert [(r[0], r[2]) for r in audit("model_trained")] == [("hr", card["version"])]


def test_models_cli_scores_through_the_service_and_audits(env: Path, trained) -> None:
    assert models_main(["score", "--db", str(env)]) == 0
    assert_rescored(env, trained[1])
    assert [r[2] for r in audit("model_scored")] == [model_version(trained[1])]


# --- pool rules: validate → rebuild → config → audit, or nothing ------------------------------------------------
def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def rules_env(loaded_db: Path, tmp_path: Path, monkeypatch) -> tuple[Path, Path]:
    monkeypatch.setenv("TALENT_DB", str(loaded_db))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    return loaded_db, Path(os.environ["TALENT_CONFIG"])


def test_editing_the_pool_rules_rebuilds_keeps_comments_and_audits_once(rules_env) -> None:
    db, config = rules_env
    assert rows(db, "SELECT count(*) FROM analysis_employee WHERE rule_top_performance") == [(0,)]
    pool_rules.edit(HR, {"top_performance_share": 0.5, "require_career_plan": False})
    text = config.read_text(encoding="utf-8")
    assert "# The source document's default rule for entering the talent pool." in text  # HR's comments stay
    assert '"company" or "department"' in text and "# Performance grades, best first." in text
    assert tomllib.loads(text)["pool_rules"] == {"top_performance_share": 0.5, "performance_scope": "company",
                                                 "require_management_experience": True, "require_career_plan": False}
    assert rows(db, "SELECT count(*) > 0 FROM analysis_employee WHERE rule_top_performance") == [(True,)]  # rebuilt with them
    [(username, _, target, detail)] = audit("pool_rules_changed")
    assert (username, target) == ("hr", "pool rules") and '"top_performance_share": 0.5' in detail
    assert sorted(p.name for p in config.parent.iterdir()) == [config.name]  # no staged file left behind


@pytest.mark.parametrize("rules", [{"top_performance_share": 0}, {"performance_scope": "team"}, {"top_share": 0.2}])
def test_invalid_pool_rules_change_nothing(rules_env, rules: dict) -> None:
    db, config = rules_env
    before = sha(config), sha(db)
    with pytest.raises(ValueError):
        pool_rules.edit(HR, rules)
    assert (sha(config), sha(db)) == before and audit("pool_rules_changed") == []


def test_a_failed_rebuild_leaves_config_database_and_audit_log_as_they_were(rules_env) -> None:
    db, config = rules_env
    with write_batch(db) as con:  # a table the rebuild cannot read
        con.execute("DROP TABLE promotions")
        con.execute("CREATE TABLE promotions (unexpected INTEGER)")
    before = sha(config), sha(db)
    with pytest.raises(duckdb.Error):
        pool_rules.edit(HR, {"top_performance_share": 0.5})
    assert (sha(config), sha(db)) == before
    assert audit("pool_rules_changed") == []
    assert sorted(p.name for p in config.parent.iterdir()) == [config.name]


def test_only_data_managers_edit_the_pool_rules(rules_env) -> None:
    db, config = rules_env
    before = sha(config)
    with pytest.raises(NotAllowed):
        pool_rules.edit(User("head", "Head", "department_head", ("Sales",)), {"top_performance_share": 0.5})
    assert sha(config) == before


def test_pages_and_app_import_no_pipelines_or_models() -> None:
    import ast

    for path in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not [n for n in names if n.split(".")[0] in ("pipelines", "models")], path.name


def test_a_rescore_after_a_small_import_explains_only_the_people_it_changed(env: Path, trained, tmp_path: Path, monkeypatch) -> None:
    """Issue #17: after a small batch the model explains only the people whose snapshot row changed; everyone's
    score, percentile and the re-explained people's reasons are what scoring everyone afresh gives."""
    import polars as pl

    from models import scoring
    from pipelines.ingest import ingest

    from .test_incremental import demo_batch

    monkeypatch.setenv("TALENT_CONFIG", str(trained[0].parent / "talent.toml"))  # the settings the database was built with
    first = scoring.score(env)
    assert first["explained"] == first["scored"] > 100
    assert scoring.score(env)["explained"] == 0  # nothing changed: nobody explained again
    summary = ingest([demo_batch(trained[0].parent / "files", tmp_path / "batch")], env, today=TODAY)
    assert summary["analysis"]["mode"] == "incremental", summary["analysis"]
    after = scoring.score(env)
    assert 0 < after["explained"] < after["scored"] / 4
    fresh = tmp_path / "fresh.duckdb"
    shutil.copyfile(env, fresh)
    assert scoring.score(fresh, everyone=True)["explained"] == after["scored"]

    def scores(db: Path) -> pl.DataFrame:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return con.sql("SELECT * FROM model_scores ORDER BY employee_id").pl()
        finally:
            con.close()

    incremental, everyone = scores(env), scores(fresh)
    same = ["employee_id", "model_version", "as_of", "probability", "score", "score_percentile", "inputs_hash"]
    assert incremental.select(same).equals(everyone.select(same))
    changed = incremental.join(pl.DataFrame({"employee_id": ["NEW-001"]}), on="employee_id", how="semi")
    assert changed.height == 1  # the batch's new hire is scored, with the reasons scoring everyone gives
    assert changed["factors"].to_list() == everyone.filter(pl.col("employee_id") == "NEW-001")["factors"].to_list()


def test_a_rescore_of_people_whose_every_input_is_missing_still_gives_reasons(env: Path, trained) -> None:
    """Re-scoring a few people (issue #17) whose top factors are all missing (NA in a real export) must not break the
    reasons: their values are null, not an untyped column."""
    import json

    import polars as pl

    from models import artifacts, scoring
    from pipelines.db import connect_read_only

    model, _ = artifacts.load(None, trained[1])
    con = connect_read_only(env)
    try:
        everyone = con.sql("SELECT * FROM analysis_snapshots WHERE as_of = (SELECT max(as_of) FROM analysis_snapshots)").pl()
    finally:
        con.close()
    blank = everyone.head(2).with_columns(pl.lit(None).cast(kind).alias(c) for c, kind in everyone.schema.items()
                                          if c not in ("employee_id", "as_of"))
    probability, factors, _ = scoring.explain(model, blank, everyone=everyone)
    reasons = [json.loads(f) for f in factors]
    assert len(probability) == 2 and all(0 < p < 1 for p in probability)
    assert [len(r) for r in reasons] == [6, 6] and {f["value"] for r in reasons for f in r} == {None}
