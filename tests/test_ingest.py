"""Happy paths of the import: every entity, re-imports, the run record and the analysis tables."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from services.cli import main
from pipelines.ingest import NothingImported, ingest
from tests.conftest import TODAY, rows, table_counts

ROOT = Path(__file__).resolve().parents[1]


def test_every_entity_loads_with_types_and_normalised_values(loaded_db: Path) -> None:
    assert rows(loaded_db, "SELECT employee_id, name, department, job_level, manager_id, hire_date, birth_date, gender, status, exit_date, exit_reason FROM employees ORDER BY employee_id") == [
        ("0001", "Zhang Wei", "Sales", 9, None, date(2010, 1, 4), date(1975, 5, 1), "male", "active", None, None),
        ("0002", "李娜", "Sales", 6, "0001", date(2016, 3, 1), date(1988, 7, 12), "female", "active", None, None),
        ("0003", "Emily Chen", "Sales", 3, "0002", date(2020, 9, 15), date(1995, 2, 28), "female", "active", None, None),
        ("0004", "王强", "R&D", 4, None, date(2019, 6, 1), date(1990, 10, 10), "male", "left", date(2025, 8, 31), "capability mismatch"),
    ]
    assert rows(loaded_db, "SELECT period, rating, score FROM performance_ratings WHERE employee_id = '0002' ORDER BY period") == [
        ("2023", "B", 75.0), ("2024", "B+", 84.0), ("2025", "A", 93.0), ("2026-H1", "A", None),
    ]
    assert rows(loaded_db, "SELECT course_id, category, provider, hours, start_date, completion_date, status, score FROM training_records ORDER BY course_id") == [
        ("C-LDR-101", "leadership", "internal", 16.0, date(2025, 3, 1), date(2025, 3, 3), "completed", 90.0),
        ("C-MGT-201", "management", "external", 24.0, date(2025, 5, 1), None, "in_progress", None),
        ("C-TEC-310", "technical", "internal", 8.0, date(2024, 1, 10), date(2024, 1, 11), "completed", None),
    ]
    assert rows(loaded_db, "SELECT * EXCLUDE (import_run_id, source_file, source_row) FROM certifications") == [("0002", "PMP", date(2022, 4, 1), date(2028, 4, 1))]
    assert rows(loaded_db, "SELECT rater_relation, competency, score FROM feedback_360 ORDER BY rater_relation, competency") == [
        ("direct_report", "leadership", 4.0), ("manager", "communication", 4.0), ("manager", "leadership", 5.0), ("self", "leadership", 4.0),
    ]
    assert rows(loaded_db, "SELECT employee_id, role, team_size, cross_department FROM projects ORDER BY employee_id") == [("0002", "lead", 8, True), ("0003", "member", None, True)]
    assert rows(loaded_db, "SELECT employee_id, skills, career_aspiration, career_plan_submitted, updated_at FROM profiles ORDER BY 1") == [
        ("0002", "Negotiation; Python;SQL", "management", True, date(2026, 1, 15)),
        ("0003", "Python", "specialist", False, date(2025, 11, 1)),
    ]
    assert rows(loaded_db, "SELECT * EXCLUDE (import_run_id, source_file, source_row) FROM promotions") == [("0002", date(2024, 7, 1), 5, 6, "Sales Team Lead", False)]
    # Where each row came from is kept: file and spreadsheet row (header = row 1).
    assert rows(loaded_db, "SELECT source_file, source_row FROM employees WHERE employee_id = '0003'") == [("employees.csv", 4)]


def test_analysis_employee_holds_one_row_per_employee_with_features(loaded_db: Path) -> None:
    got = rows(
        loaded_db,
        """SELECT employee_id, rating_history, latest_rating, rating_trend_3y, top_rating_streak, training_hours,
                  leadership_training_hours, valid_certifications, feedback_others, feedback_self, feedback_direct_report,
                  projects_led, cross_department_projects, direct_reports, has_management_experience, skill_list,
                  career_plan_submitted, promotions, age, age_band, tenure_years
           FROM analysis_employee ORDER BY employee_id""",
    )
    assert got == [
        ("0001", ["A", "A", "B+"], "B+", -0.5, 0, 0.0, 0.0, 0, None, None, None, 0, 0, 1, True, [], False, 0, 51, "50+", 16.9),
        ("0002", ["B", "B+", "A"], "A", 1.0, 1, 16.0, 16.0, 1, 13 / 3, 4.0, 4.0, 1, 1, 1, True, ["Negotiation", "Python", "SQL"], True, 1, 38, "30-39", 10.7),
        ("0003", ["B"], "B", None, 0, 8.0, 0.0, 0, None, None, None, 0, 1, 0, False, ["Python"], False, 0, 31, "30-39", 6.2),
        ("0004", ["C"], "C", None, 0, 0.0, 0.0, 0, None, None, None, 0, 0, 0, False, [], False, 0, 36, "30-39", 6.3),
    ]


def test_pool_rules_follow_the_config_defaults(tmp_path: Path, good_dir: Path) -> None:
    # 0002 is top by performance (A 93) among the 3 active people, leads a project and has a plan.
    db = tmp_path / "pool.duckdb"
    ingest([good_dir], db, today=TODAY)
    assert rows(db, "SELECT employee_id, round(performance_top_share_company, 3), rule_top_performance, meets_pool_rules FROM analysis_employee ORDER BY 1") == [
        ("0001", 0.667, False, False), ("0002", 0.333, False, False), ("0003", 1.0, False, False), ("0004", None, False, False),
    ]
    # With three people nobody is in the top 15 %; the funnel in analysis_department says so too.
    assert rows(db, "SELECT department, active_employees, top_performers, pool_eligible FROM analysis_department ORDER BY 1") == [("R&D", 0, 0, 0), ("Sales", 3, 0, 0)]


def test_reimport_is_idempotent_and_updates_in_place(loaded_db: Path, good_dir: Path) -> None:
    before = table_counts(loaded_db)
    summary = ingest([good_dir], loaded_db, today=TODAY)
    after = table_counts(loaded_db)
    for entity in summary["entities"]:
        assert after[entity] == before[entity], entity
    assert summary["entities"]["employees"]["replaced"] == 4
    # An updated file replaces the row with the same key.
    (good_dir / "performance_ratings.csv").write_text("employee_id,period,rating,score\n0003,2025,B+,81\n", encoding="utf-8")
    ingest([good_dir / "performance_ratings.csv"], loaded_db, today=TODAY)
    assert rows(loaded_db, "SELECT rating, score FROM performance_ratings WHERE employee_id = '0003'") == [("B+", 81.0)]
    assert table_counts(loaded_db)["performance_ratings"] == before["performance_ratings"]
    assert rows(loaded_db, "SELECT latest_rating FROM analysis_employee WHERE employee_id = '0003'") == [("B+",)]


def test_run_is_recorded_with_hashes_and_counts(loaded_db: Path, good_dir: Path) -> None:
    run = rows(loaded_db, "SELECT run_id, rows_read, rows_loaded, rows_quarantined, exact_duplicates, preset, run_by IS NOT NULL, host IS NOT NULL FROM import_runs")
    assert run == [(1, 26, 26, 0, 0, "canonical", True, True)]
    import hashlib

    files = rows(loaded_db, "SELECT entity, sha256, rows_read, rows_loaded FROM import_files ORDER BY entity")
    expected = sorted(
        (p.stem, hashlib.sha256(p.read_bytes()).hexdigest(), sum(1 for _ in p.open(encoding="utf-8")) - 1, sum(1 for _ in p.open(encoding="utf-8")) - 1)
        for p in good_dir.glob("*.csv")
    )
    assert files == expected


def test_cli_json_summary_accounts_for_every_row(good_dir: Path, db_path: Path, capsys) -> None:
    assert main(["ingest", str(good_dir), "--db", str(db_path), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["entities"]) == {"employees", "performance_ratings", "training_records", "certifications", "feedback_360", "projects", "profiles", "promotions"}
    for e in summary["entities"].values():
        assert e["read"] == e["loaded"] + e["quarantined"] + e["exact_duplicates"]
    assert summary["totals"] == {"read": 26, "loaded": 26, "quarantined": 0, "exact_duplicates": 0, "skipped": 0}


def test_database_path_comes_from_env_when_no_flag(good_dir: Path, tmp_path: Path, monkeypatch, capsys) -> None:
    # In process: the command line's own exit codes are tested as a real process in test_real_exports and test_bad_input.
    target = tmp_path / "from_env.duckdb"
    monkeypatch.setenv("TALENT_DB", str(target))
    monkeypatch.setenv("TALENT_MODELS", str(tmp_path / "models"))
    monkeypatch.delenv("TALENT_WORKSPACE", raising=False)
    assert main(["ingest", str(good_dir / "employees.csv")]) == 0
    assert "employees" in capsys.readouterr().out and target.exists()
    assert rows(target, "SELECT count(*) FROM employees") == [(4,)]


@pytest.mark.parametrize("header,value,expected", [
    ("hire_date", "20/03/2025", None),  # day-first needs a mapping; canonical refuses it
    ("hire_date", "2025.03.01", date(2025, 3, 1)),
    ("hire_date", "20250301", date(2025, 3, 1)),
    ("hire_date", "2025/3/1", date(2025, 3, 1)),
    ("hire_date", "2025-03-01 00:00:00", date(2025, 3, 1)),
    ("hire_date", "45717", date(2025, 3, 1)),  # an Excel serial day number
])
def test_date_formats(tmp_path: Path, header: str, value: str, expected: date | None) -> None:
    f = tmp_path / "employees.csv"
    f.write_text(f"employee_id,name,department,position,job_level,{header},status\n007,A,Sales,Rep,3,{value},active\n", encoding="utf-8")
    db = tmp_path / "d.duckdb"
    if expected is None:  # the only row is quarantined: nothing imported, nothing written
        with pytest.raises(NothingImported, match=f"{header} '{value}' is not a valid date"):
            ingest([f], db, today=TODAY)
        assert not db.exists()
        return
    summary = ingest([f], db, today=TODAY)
    assert rows(db, "SELECT hire_date FROM employees") == [(expected,)]
    assert summary["totals"]["quarantined"] == 0
