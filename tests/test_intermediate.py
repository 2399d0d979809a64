"""The intermediate layer (pipelines/intermediate.py): one test per derived fact, on a small organisation
written as real import files and ingested like any export. Every expected figure is worked out by hand.

Executive Office: C01 Chief Executive Officer (L10). Sales: H01 Head of Sales (L8: an executive by title),
M01 Sales Manager (L7), M02 Sales Manager (L8, promoted 6 -> 8 on 2026-04-01 without a flag: into management),
P01-P06 below management (L3-L5, all report to M01). R&D: R01 Head of R&D (L9: an executive by level).
Today is 2026-11-26.

Ratings (A=5 … D=1). Annual 2025: P01 A, P02 B+, P03 B, P04 B, P05 C, P06 C (managers unrated).
Other periods: P01 2025-Q4 C, 2026-Q1 A, 2026-Q2 A, 2026-H1 B+, 2026-Q3 C; P02 2026-Q1 B, 2026-Q2 C.
Projects led: P01, P02 (2026-03-01). Career plans: P01, P03.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from models.potential import Inputs, as_inputs, rules_flags
from models.training import read_snapshots
from pipelines import db
from pipelines.contracts import AnalysisEmployee, AnalysisSnapshots, ContractBroken, check, check_model_inputs
from pipelines.ingest import ingest
from pipelines.settings import Organisation, PoolRules, config_path, load_settings
from services import people, queries, reviews, trends
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parents[1]

EMPLOYEES = """employee_id,name,department,position,job_level,manager_id,hire_date,birth_date,gender,location,status,exit_date,exit_reason
C01,Cai Yi,Executive Office,Chief Executive Officer,10,,2008-01-01,1965-01-01,male,Hangzhou,active,,
H01,He Lan,Sales,Head of Sales,8,C01,2010-01-01,1975-01-01,female,Hangzhou,active,,
R01,Ren Bo,R&D,Head of R&D,9,C01,2010-01-01,1974-01-01,male,Beijing,active,,
M01,Ma Li,Sales,Sales Manager,7,H01,2012-01-01,1982-01-01,female,Shanghai,active,,
M02,Mo Tao,Sales,Sales Manager,8,H01,2013-01-01,1983-01-01,male,Shanghai,active,,
P01,Pan Yu,Sales,Senior Sales Representative,5,M01,2016-01-01,1990-01-01,female,Shanghai,active,,
P02,Peng Fei,Sales,Sales Representative,4,M01,2018-01-01,1992-01-01,male,Shanghai,active,,
P03,Pu Xin,Sales,Sales Representative,4,M01,2018-01-01,1993-01-01,female,Shanghai,active,,
P04,Ping An,Sales,Sales Representative,3,M01,2019-01-01,1994-01-01,male,Shanghai,active,,
P05,Qi Ming,Sales,Sales Representative,3,M01,2019-01-01,1995-01-01,female,Shanghai,active,,
P06,Qiu Ye,Sales,Sales Representative,3,M01,2019-01-01,1996-01-01,male,Shanghai,active,,
"""
RATINGS = """employee_id,period,rating,score
P01,2025,A,
P02,2025,B+,
P03,2025,B,
P04,2025,B,
P05,2025,C,
P06,2025,C,
P01,2025-Q4,C,
P01,2026-Q1,A,
P01,2026-Q2,A,
P01,2026-H1,B+,
P01,2026-Q3,C,
P02,2026-Q1,B,
P02,2026-Q2,C,
"""
FEEDBACK = ("employee_id,cycle,rater_id,rater_relation,competency,score,comment\n"
            "P01,2025,M01,manager,Leadership,3.0,\nP01,2026-H1,M01,manager,Leadership,4.0,\n")
PROJECTS = ("employee_id,project_id,project_name,role,team_size,cross_department,start_date,end_date\n"
            "P01,J1,Key accounts,lead,4,false,2026-03-01,\nP02,J2,Pricing,lead,3,false,2026-03-01,\n")
PROFILES = ("employee_id,skills,career_aspiration,career_plan_submitted,updated_at\n"
            "P01,,management,true,2026-01-01\nP02,,specialist,false,2026-01-01\nP03,,management,true,2026-01-01\n"
            "P04,,undecided,false,2026-01-01\n")
PROMOTIONS = ("employee_id,effective_date,from_level,to_level,to_position,into_management\n"
              "M02,2026-04-01,6,8,Sales Manager,\nP01,2024-04-01,4,5,Senior Sales Representative,\n")


@pytest.fixture
def organisation(tmp_path: Path) -> Path:
    files = tmp_path / "files"
    files.mkdir()
    for name, text in {"employees": EMPLOYEES, "performance_ratings": RATINGS, "feedback_360": FEEDBACK, "projects": PROJECTS,
                       "profiles": PROFILES, "promotions": PROMOTIONS}.items():
        (files / f"{name}.csv").write_text(text, encoding="utf-8")
    database = tmp_path / "talent.duckdb"
    ingest([files], database, today=TODAY)
    return database


def read(database: Path, sql: str) -> pl.DataFrame:
    con = db.connect_read_only(database)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def call(database: Path, fn, *args, **kwargs):
    con = db.connect_read_only(database)
    try:
        return fn(db.read_cursor(con), *args, **kwargs)
    finally:
        con.close()


# --- period_order ---------------------------------------------------------------------------------

def test_period_order_sorts_by_end_date_then_quarter_half_annual(organisation: Path) -> None:
    got = read(organisation, "SELECT period, year, kind, period_end FROM period_order ORDER BY sort_key")
    assert got.rows() == [
        ("2025-Q4", 2025, "quarter", date(2025, 12, 31)),
        ("2025", 2025, "annual", date(2025, 12, 31)),      # the annual rating after the year's last quarter
        ("2026-Q1", 2026, "quarter", date(2026, 3, 31)),
        ("2026-Q2", 2026, "quarter", date(2026, 6, 30)),
        ("2026-H1", 2026, "half", date(2026, 6, 30)),      # the half after the quarter ending the same day
        ("2026-Q3", 2026, "quarter", date(2026, 9, 30)),
    ]


def test_quarterly_ratings_do_not_count_as_the_annual_rating_in_a_review_compile(organisation: Path, tmp_path: Path) -> None:
    who = pl.DataFrame({"employee_id": ["P01", "P02"], "department": ["Sales", "Sales"], "reviewer": [None, None]},
                       schema_overrides={"reviewer": pl.String})
    settings = load_settings()
    ws = tmp_path / "workspace.duckdb"
    mid = call(organisation, reviews.compile_members, who, 2026, "mid_year", date(2026, 7, 1), settings, ws).sort("employee_id")
    # Before: the 2025 annual rating (P01 A; never 2025-Q4's C). After: the latest period ending by June 30,
    # 2026-H1 for P01 (B+ after 2026-Q2's A on the same day), 2026-Q2 for P02 (C).
    assert mid.select("employee_id", "rating_before", "rating_after", "rating_change").rows() == [
        ("P01", "A", "B+", -1.0), ("P02", "B+", "C", -2.0)]
    # 360: last year's cycle (2025) is the latest by the end of 2025; there is none before it.
    assert mid.filter(pl.col("employee_id") == "P01").select("feedback_before", "feedback_after").row(0) == (None, 3.0)
    end = call(organisation, reviews.compile_members, who, 2026, "year_end", date(2026, 12, 1), settings, ws).sort("employee_id")
    # Year-end: the latest of the year (no 2026 annual yet): P01 2026-Q3 C; the 360 moves 3.0 -> 4.0.
    assert end.select("employee_id", "rating_after").rows() == [("P01", "C"), ("P02", "C")]
    assert end.filter(pl.col("employee_id") == "P01").select("feedback_before", "feedback_after").row(0) == (3.0, 4.0)


# --- grade_points ---------------------------------------------------------------------------------

def test_grade_points_is_the_one_scale_every_table_reads(organisation: Path) -> None:
    assert read(organisation, "SELECT rating, points FROM grade_points ORDER BY points DESC").rows() == [
        ("A", 5), ("B+", 4), ("B", 3), ("C", 2), ("D", 1)]
    got = read(organisation, "SELECT employee_id, latest_annual_points, rating_points_history FROM analysis_employee "
                             "WHERE employee_id IN ('P01', 'P02') ORDER BY employee_id")
    assert got.rows() == [("P01", 5, [5]), ("P02", 4, [4])]  # annual ratings only in the history
    # No query restates the scale: the VALUES list is written once, into grade_points.
    users = [p for p in (*ROOT.glob("pipelines/*.py"), *ROOT.glob("services/*.py"), *ROOT.glob("models/*.py"))
             if "grade_values_sql(" in p.read_text(encoding="utf-8")]
    assert sorted(p.name for p in users) == ["intermediate.py", "settings.py"]


# --- management_seat ------------------------------------------------------------------------------

def test_executives_hold_no_middle_management_seat(organisation: Path, tmp_path: Path) -> None:
    got = read(organisation, "SELECT employee_id, management_tier, is_seat FROM management_seat WHERE job_level >= 7 ORDER BY employee_id")
    assert got.rows() == [
        ("C01", "executive", False),  # CEO at level 10
        ("H01", "executive", False),  # "Head of Sales" at level 8: executive by title
        ("M01", "middle_management", True),
        ("M02", "middle_management", True),
        ("R01", "executive", False),  # level 9: the executive level
    ]
    coverage = call(organisation, trends.coverage, None, None, workspace_file=str(tmp_path / "ws.duckdb"))
    assert coverage.select("department", "seats").rows() == [("Executive Office", 0), ("R&D", 0), ("Sales", 2), (None, 2)]
    bench = call(organisation, trends.bench, None, None, workspace_file=str(tmp_path / "ws.duckdb"))
    assert bench["position"].to_list() == ["Sales Manager", None]
    # into_management reads the same level: M02's unflagged promotion to level 8 is into management.
    assert read(organisation, "SELECT employee_id, promoted_into_management_date FROM analysis_employee "
                              "WHERE promoted_into_management_date IS NOT NULL").rows() == [("M02", date(2026, 4, 1))]


def test_seat_band_is_configurable(organisation: Path) -> None:
    path = config_path()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("executive_level = 9", "executive_level = 10")
                    .replace('executive_titles = ["Chief *", "Head of *"', 'executive_titles = ["Chief *"'), encoding="utf-8")
    from pipelines.ingest import rebuild_analysis

    rebuild_analysis(organisation, TODAY)
    got = read(organisation, "SELECT employee_id FROM management_seat WHERE is_seat ORDER BY employee_id")
    assert got["employee_id"].to_list() == ["H01", "M01", "M02", "R01"]  # the heads are seats now; the CEO is not


# --- potential band -------------------------------------------------------------------------------

def test_a_person_lands_in_the_same_potential_band_on_the_nine_box_and_the_trends_page(organisation: Path, tmp_path: Path) -> None:
    def compare() -> pl.DataFrame:
        box = call(organisation, people.nine_box, None, None)
        aspiration = read(organisation, "SELECT employee_id, coalesce(career_aspiration, 'not_stated') AS aspiration FROM analysis_employee")
        from_box = (box.join(aspiration, on="employee_id").group_by("aspiration", "potential").agg(pl.len().alias("people"))
                    .sort("aspiration", "potential"))
        on_trends = (call(organisation, trends.aspiration_potential, None, None, workspace_file=str(tmp_path / "ws.duckdb"))
                     .filter(pl.col("people") > 0).select("aspiration", "potential", "people").sort("aspiration", "potential"))
        assert from_box.rows() == on_trends.rows()
        return box

    box = compare()
    # Six active people below management, in thirds of the transparent score: two per band.
    assert box["potential_source"].unique().to_list() == ["score"]
    assert box.group_by("potential").len().sort("potential").rows() == [("high", 2), ("low", 2), ("medium", 2)]
    # Once a model has scored, both read the model's thirds.
    con = duckdb.connect(str(organisation))
    try:
        con.execute("""INSERT INTO model_scores (employee_id, model_version, as_of, probability, score, score_percentile, factors) SELECT employee_id, 'v1', DATE '2026-11-26', s / 100, s, s / 100, '[]'
                       FROM (VALUES ('P01', 10.0), ('P02', 20.0), ('P03', 90.0), ('P04', 80.0), ('P05', 50.0), ('P06', 40.0)) t(employee_id, s)""")
    finally:
        con.close()
    box = compare()
    assert box.sort("employee_id").select("employee_id", "potential", "potential_source").rows() == [
        ("P01", "low", "model"), ("P02", "low", "model"), ("P03", "high", "model"),
        ("P04", "high", "model"), ("P05", "medium", "model"), ("P06", "medium", "model")]


# --- pool_rule_selection --------------------------------------------------------------------------

def test_pool_rule_selection_is_read_by_the_mart_the_funnel_and_the_model_baseline(organisation: Path) -> None:
    selection = read(organisation, "SELECT employee_id, rule_top_performance, has_management_experience, career_plan_submitted, "
                                   "meets_pool_rules FROM pool_rule_selection WHERE rule_top_performance OR meets_pool_rules")
    # Top 15 % of the six rated: the A alone (1/6, closest to 15 %) is P01, who led a project and has a plan.
    assert selection.rows() == [("P01", True, True, True, True)]
    mart = read(organisation, "SELECT employee_id FROM analysis_employee WHERE meets_pool_rules")
    assert mart["employee_id"].to_list() == ["P01"]
    funnel = call(organisation, queries.pool_funnel)
    assert funnel.select("rule", "employees").rows() == [
        ("active", 11), ("top_performance", 1), ("management_experience", 1), ("career_plan", 1)]
    # The model's rules baseline: the same selection on today's snapshot (the rated are all below management).
    snapshot = read_snapshots(organisation).filter(pl.col("as_of") == TODAY).sort("employee_id")
    flags = rules_flags(snapshot, load_settings().rules)
    assert snapshot.filter(pl.Series(flags))["employee_id"].to_list() == ["P01"]
    # Without the career-plan rule, P02 (B+, led a project) is still not a top performer: the same answer.
    assert rules_flags(snapshot, PoolRules(require_career_plan=False)).sum() == 1


# --- person_department ----------------------------------------------------------------------------

def test_person_department_is_the_latest_import(organisation: Path, tmp_path: Path) -> None:
    assert read(organisation, "SELECT department FROM person_department WHERE employee_id = 'P06'").rows() == [("Sales",)]
    moved = tmp_path / "moved"
    moved.mkdir()
    (moved / "employees.csv").write_text(EMPLOYEES.replace("P06,Qiu Ye,Sales,", "P06,Qiu Ye,R&D,"), encoding="utf-8")
    ingest([moved], organisation, today=TODAY)
    assert read(organisation, "SELECT department FROM person_department WHERE employee_id = 'P06'").rows() == [("R&D",)]
    assert read(organisation, "SELECT department FROM analysis_employee WHERE employee_id = 'P06'").rows() == [("R&D",)]


# --- defaults once --------------------------------------------------------------------------------

def test_defaults_are_written_once(tmp_path: Path) -> None:
    bare = tmp_path / "bare.toml"
    bare.write_text('[rating_scale]\ngrades = ["A", "B", "C"]\n', encoding="utf-8")
    settings = load_settings(bare)
    assert settings.rules == PoolRules() and PoolRules().top_performance_share == 0.15
    assert settings.organisation == Organisation() and settings.management_level == 7
    assert settings.promotion_window_months == 12
    # No reader restates a default beside the config it reads.
    restated = re.compile(r"""get\(\s*["'](top_performance_share|management_level|promotion_window_months|performance_scope)["']\s*,""")
    code = [*ROOT.glob("pipelines/*.py"), *ROOT.glob("services/*.py"), *ROOT.glob("models/*.py"), *ROOT.glob("dashboard/*.py"),
            *ROOT.glob("pages/*.py"), ROOT / "app.py"]
    assert [str(p.relative_to(ROOT)) for p in code if restated.search(p.read_text(encoding="utf-8"))] == []
    assert [str(p.relative_to(ROOT)) for p in code if "PROMOTION_WINDOW_MONTHS" in p.read_text(encoding="utf-8")] == []


def test_the_promotion_window_comes_from_the_review_config(organisation: Path, tmp_path: Path) -> None:
    path = config_path()
    path.write_text(path.read_text(encoding="utf-8").replace("promotion_window_months = 12", "promotion_window_months = 6"), encoding="utf-8")
    got = call(organisation, trends.promotion_rate, None, None, 12, workspace_file=str(tmp_path / "ws.duckdb"))
    assert got["cohort_date"][0] == date(2025, 11, 26) and got["window_end"][0] == date(2026, 5, 26)


# --- contracts ------------------------------------------------------------------------------------

def test_the_contract_check_rejects_a_broken_frame(organisation: Path) -> None:
    employees = read(organisation, "SELECT * FROM analysis_employee")
    check(AnalysisEmployee, employees, "analysis_employee")  # the build's own output keeps it
    with pytest.raises(ContractBroken, match="analysis_employee breaks its contract"):
        check(AnalysisEmployee, pl.concat([employees, employees.head(1)]), "analysis_employee")  # a person twice
    with pytest.raises(ContractBroken, match="pool_needs_active_top_performer"):
        check(AnalysisEmployee, employees.with_columns(pl.lit(True).alias("meets_pool_rules")), "analysis_employee")
    with pytest.raises(ContractBroken, match="missing column"):
        check(AnalysisEmployee, employees.drop("management_tier"), "analysis_employee")
    snapshots = read_snapshots(organisation)
    check(AnalysisSnapshots, snapshots, "analysis_snapshots")
    with pytest.raises(ContractBroken, match="strict_label_is_a_label"):
        check(AnalysisSnapshots, snapshots.with_columns(pl.lit(True).alias("label_strict"), pl.lit(False).alias("label")), "analysis_snapshots")
    inputs = Inputs(("rating_last", "projects_led"), ("department",))
    x = as_inputs(inputs, snapshots)
    assert x.schema == pl.Schema({"rating_last": pl.Float64, "projects_led": pl.Float64, "department": pl.String})
    with pytest.raises(ContractBroken, match="model inputs"):
        check_model_inputs(x.with_columns(pl.lit(None, pl.String).alias("department")), ["rating_last", "projects_led"], ["department"])


def test_a_build_that_breaks_a_contract_fails_and_leaves_the_live_tables(organisation: Path) -> None:
    from pipelines.ingest import rebuild_analysis

    before = read(organisation, "SELECT built_at FROM analysis_meta")["built_at"][0]
    path = config_path()
    # A 360 scale of 1-2 read against scores of 1-5: P01's transparent score would be 125 (0.35 + 0.25 x 3 + 0.15).
    path.write_text(path.read_text(encoding="utf-8").replace("[feedback_scale]\n# The 360° scale the database stores; mappings rescale other scales onto it.\nmin = 1\nmax = 5",
                                                             "[feedback_scale]\nmin = 1\nmax = 2"), encoding="utf-8")
    assert load_settings().feedback_max == 2
    with pytest.raises(ContractBroken, match=r"analysis_employee breaks its contract(.|\n)*pool_score"):
        rebuild_analysis(organisation, TODAY)
    assert read(organisation, "SELECT built_at FROM analysis_meta")["built_at"][0] == before
