"""Issue #12: the model learns from a one-snapshot history, uses every input the data holds (department,
training scores, employee attributes) and never a protected one; labels as a company defines them;
one top-performance rule for the tables, the funnel and the baseline, on a coarse scale."""
from __future__ import annotations

import json
import tomllib
from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from services import queries
from models import artifacts
from services.cli import models_main
from models.potential import ESTIMATORS, choose_inputs, contributions, fit_estimator, log_odds, predict_probability, rules_flags
from models.scoring import explain
from models.training import read_attributes, read_snapshots
from pipelines.analysis import build_analysis_tables, top_share_rule
from pipelines.db import ensure_schema
from pipelines.entities import ENTITIES
from pipelines.settings import config_path, load_settings
from tests.conftest import rows

AS_OF = date(2025, 12, 31)  # the export's as-of date: ratings of 2024, promotions during 2025
N = 400


def make_db(path: Path, today: date = AS_OF, **tables: pl.DataFrame) -> Path:
    """A real database: the entity tables filled with the given rows, then the analysis tables built."""
    con = duckdb.connect(str(path))
    try:
        ensure_schema(con)
        for name, frame in tables.items():
            columns = [c for c in ENTITIES[name].column_names if c in frame.columns]
            con.register("staged", frame.select(columns).to_arrow())
            con.execute(f"INSERT INTO {name} ({', '.join(columns)}) SELECT * FROM staged")
            con.unregister("staged")
        build_analysis_tables(con, load_settings(), 1, today)
    finally:
        con.close()
    return path


def people(n: int = N, promoted: np.ndarray | None = None, **columns) -> pl.DataFrame:
    """Identical people (level 3 before any promotion, same tenure, department, rating) unless a column says otherwise."""
    ids = [f"E{i:04d}" for i in range(n)]
    level = (3 + (promoted if promoted is not None else np.zeros(n)).astype(int)).tolist()  # the current level includes the promotion
    base = {"employee_id": ids, "department": ["Ops"] * n, "job_level": level, "hire_date": [date(2015, 1, 1)] * n,
            "status": ["active"] * n, "name": ids}
    return pl.DataFrame({**base, **columns})


def ratings(n: int = N) -> pl.DataFrame:
    return pl.DataFrame({"employee_id": [f"E{i:04d}" for i in range(n)], "period": ["2024"] * n, "rating": ["B"] * n})


def promotions(promoted: np.ndarray) -> pl.DataFrame:
    ids = [f"E{i:04d}" for i in np.flatnonzero(promoted)]
    return pl.DataFrame({"employee_id": ids, "effective_date": [date(2025, 6, 30)] * len(ids), "from_level": [3] * len(ids),
                         "to_level": [4] * len(ids)})


def use_any_promotion_label() -> None:
    path = config_path()
    text = path.read_text(encoding="utf-8").replace('label = "into_management"', 'label = "any_promotion"')
    assert 'label = "any_promotion"' in text
    path.write_text(text, encoding="utf-8")


def signal_rng() -> np.random.Generator:
    return np.random.default_rng(12)


def closed(db: Path) -> pl.DataFrame:
    snaps = read_snapshots(db)
    return snaps.filter(pl.col("label_complete"))


def score_of(model, row: pl.DataFrame, **changes) -> float:
    return float(predict_probability(model, row.with_columns(pl.lit(v).alias(k) for k, v in changes.items()))[0])


# --- each input reaches the model when it is the only signal ----------------------------------------

def test_department_is_an_input_and_moves_the_score(tmp_path: Path) -> None:
    use_any_promotion_label()
    rng = signal_rng()
    department = np.where(np.arange(N) % 2 == 0, "Ops", "Sales")
    promoted = rng.random(N) < np.where(department == "Ops", 0.45, 0.05)
    db = make_db(tmp_path / "d.duckdb", employees=people(promoted=promoted, department=department.tolist()), performance_ratings=ratings(),
                 promotions=promotions(promoted))
    snap = closed(db)
    inputs, _ = choose_inputs(snap, read_attributes(db))
    assert inputs.categorical == ("department",)
    y = snap["label"].to_numpy().astype(int)
    for kind in ESTIMATORS:
        model = fit_estimator(kind, inputs, snap, y)
        row = snap.head(1)
        assert score_of(model, row, department="Ops") - score_of(model, row, department="Sales") > 0.2, kind


def test_training_scores_are_an_input_and_move_the_score(tmp_path: Path) -> None:
    use_any_promotion_label()
    rng = signal_rng()
    score = rng.integers(40, 100, N)
    promoted = rng.random(N) < np.where(score >= 80, 0.6, 0.03)
    training = pl.DataFrame({"employee_id": [f"E{i:04d}" for i in range(N)], "course_id": ["C1"] * N, "course_name": ["Course"] * N,
                             "start_date": [date(2024, 5, 1)] * N, "completion_date": [date(2024, 5, 2)] * N, "status": ["completed"] * N,
                             "score": score.astype(float)})
    db = make_db(tmp_path / "t.duckdb", employees=people(promoted=promoted), performance_ratings=ratings(), promotions=promotions(promoted),
                 training_records=training)
    snap = closed(db)
    inputs, _ = choose_inputs(snap, read_attributes(db))
    assert "training_score_avg" in inputs.numeric
    y = snap["label"].to_numpy().astype(int)
    for kind in ESTIMATORS:
        model = fit_estimator(kind, inputs, snap, y)
        row = snap.head(1)
        assert score_of(model, row, training_score_avg=95.0) - score_of(model, row, training_score_avg=50.0) > 0.2, kind


def test_employee_attributes_are_inputs_numbers_and_categories_alike(tmp_path: Path) -> None:
    use_any_promotion_label()
    rng = signal_rng()
    kpis = rng.random(N) < 0.35
    education = np.where(rng.random(N) < 0.5, "Master's", "Bachelor's")
    promoted = rng.random(N) < np.where(kpis, 0.5, 0.03) * np.where(education == "Master's", 1.0, 0.5)
    ids = [f"E{i:04d}" for i in range(N)]
    attributes = pl.DataFrame({
        "employee_id": ids * 2 + ids[:10],
        "attribute": ["KPIs met >80%"] * N + ["education"] * N + ["rarely filled"] * 10,  # 2.5 % have it: too few to use
        "period": [None] * (2 * N + 10),  # undated: as the export states them
        "value": ["1" if k else "0" for k in kpis] + education.tolist() + ["x"] * 10,
    }, schema_overrides={"period": pl.String})
    db = make_db(tmp_path / "a.duckdb", employees=people(promoted=promoted), performance_ratings=ratings(), promotions=promotions(promoted),
                 employee_attributes=attributes)
    listed = {r[0]: r[1:] for r in rows(db, "SELECT attribute, column_name, kind FROM analysis_attributes")}
    assert listed == {"KPIs met >80%": ("attr_kpis_met_80", "numeric"), "education": ("attr_education", "category"),
                      "rarely filled": ("attr_rarely_filled", "category")}
    snap = closed(db)
    inputs, left_out = choose_inputs(snap, read_attributes(db))
    assert inputs.numeric == ("attr_kpis_met_80",) and inputs.categorical == ("attr_education",)
    assert "attr_rarely_filled" in left_out and "2.5%" in left_out["attr_rarely_filled"]
    y = snap["label"].to_numpy().astype(int)
    for kind in ESTIMATORS:
        model = fit_estimator(kind, inputs, snap, y)
        row = snap.head(1)
        assert score_of(model, row, attr_kpis_met_80=1.0) - score_of(model, row, attr_kpis_met_80=0.0) > 0.15, kind
        assert score_of(model, row, attr_kpis_met_80=1.0, attr_education="Master's") > score_of(model, row, attr_kpis_met_80=1.0, attr_education="Bachelor's"), kind


def test_protected_attributes_never_reach_the_model_and_are_audited(tmp_path: Path) -> None:
    use_any_promotion_label()
    path = config_path()
    path.write_text(path.read_text(encoding="utf-8").replace("protected = []", 'protected = ["Religion"]'), encoding="utf-8")
    rng = signal_rng()
    female = rng.random(N) < 0.5
    promoted = rng.random(N) < np.where(female, 0.4, 0.04)  # the outcome follows protected attributes only
    ids = [f"E{i:04d}" for i in range(N)]
    attributes = pl.DataFrame({
        "employee_id": ids * 4, "attribute": ["ethnicity"] * N + ["religion"] * N + ["age"] * N + ["engagement"] * N,
        "period": [None] * (4 * N),
        "value": np.where(female, "group a", "group b").tolist() + np.where(female, "x", "y").tolist()
                 + [str(a) for a in np.where(female, 30, 50)] + [str(v) for v in rng.integers(1, 6, N)],
    }, schema_overrides={"period": pl.String})
    db = make_db(tmp_path / "p.duckdb", employees=people(promoted=promoted, gender=np.where(female, "female", "male").tolist(),
                                                           birth_date=[date(1990, 1, 1) if f else date(1970, 1, 1) for f in female]),
                 performance_ratings=ratings(), promotions=promotions(promoted), employee_attributes=attributes)
    assert models_main(["train", "--db", str(db), "--no-score"]) == 0
    card = artifacts.load_card(artifacts.versions()[0])
    assert card["features"] == ["attr_engagement"]
    for name in ("gender", "age_band", "attr_ethnicity", "attr_religion", "attr_age"):
        assert name not in card["features"]
    assert {"gender", "age_band", "ethnicity", "religion", "age"} <= {f["attribute"] for f in card["fairness"]}
    model, _ = artifacts.load(card["version"])
    row = closed(db).head(1)
    same = {score_of(model, row, gender=g, attr_ethnicity=e, attr_religion=r, age_band=a)
            for g, e, r, a in [("female", "group a", "x", "30-39"), ("male", "group b", "y", "50+")]}
    assert len(same) == 1


# --- labels and the one-snapshot history -----------------------------------------------------------

def test_labels_as_a_company_defines_them(tmp_path: Path) -> None:
    ids = ["FLAG_YES_LOW", "FLAG_NO_HIGH", "NO_FLAG_HIGH", "NO_FLAG_LOW", "NOTHING_KNOWN", "NO_LEVEL_NO_HIRE", "NOT_PROMOTED"]
    employees = pl.DataFrame({"employee_id": ids, "name": ids, "department": ["Ops"] * 7, "status": ["active"] * 7,
                              "job_level": [5, 8, 7, 5, None, None, 3],
                              "hire_date": [date(2015, 1, 1)] * 5 + [None, date(2015, 1, 1)]})
    promotions = pl.DataFrame({
        "employee_id": ids[:6], "effective_date": [date(2025, 3, 1)] * 6,
        "from_level": [4, 7, 6, 4, None, None], "to_level": [5, 8, 7, 5, None, None],
        "into_management": [True, False, None, None, None, None],
    })
    db = make_db(tmp_path / "l.duckdb", employees=employees, performance_ratings=pl.DataFrame(
        {"employee_id": ids, "period": ["2024"] * 7, "rating": ["B"] * 7}), promotions=promotions)
    got = rows(db, "SELECT employee_id, label_into_management, label_any_promotion, label, tenure_years IS NULL FROM analysis_snapshots "
                   "WHERE as_of = DATE '2024-12-31' ORDER BY employee_id")
    assert got == [
        ("FLAG_YES_LOW", True, True, True, False),      # the flag says management: it wins over level 5
        ("NOTHING_KNOWN", False, True, False, False),   # neither flag nor level: any promotion only
        ("NOT_PROMOTED", False, False, False, False),
        ("NO_FLAG_HIGH", True, True, True, False),      # no flag: to level 7 = management level
        ("NO_FLAG_LOW", False, True, False, False),
        ("NO_LEVEL_NO_HIRE", False, True, False, True),  # unknown level counts as below management; no hire date keeps them
    ]  # FLAG_NO_HIGH: level 7 before the promotion, so already at management level: not a candidate
    assert rows(db, "SELECT min(as_of), max(as_of), count(DISTINCT as_of) FROM analysis_snapshots") == [(date(2024, 12, 31), AS_OF, 2)]


def test_one_snapshot_history_trains_with_cross_validation(tmp_path: Path, capsys) -> None:
    rng = signal_rng()
    department = np.where(np.arange(N) % 3 == 0, "Ops", "Sales")
    level_up = rng.random(N) < np.where(department == "Ops", 0.4, 0.05)
    db = make_db(tmp_path / "one.duckdb", employees=people(promoted=level_up, department=department.tolist(), gender=np.where(np.arange(N) % 2 == 0, "female", "male").tolist()),
                 performance_ratings=ratings(), promotions=promotions(level_up))
    # Level 3 → 4 is no management promotion: the default label finds none and says what to do.
    assert models_main(["train", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "only 0 people" in err and 'label = "any_promotion"' in err
    use_any_promotion_label()
    assert models_main(["train", "--db", str(db), "--as-of", AS_OF.isoformat(), "--json"]) == 0
    out = capsys.readouterr().out
    assert "cross-validation within the one snapshot" in out and "time split" in out and "is the stronger test" in out
    assert "fairness of the top k" in out and "gender       female" in out
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["evaluation"] == "cross_validation" and set(summary["estimators"]) == set(ESTIMATORS)
    assert summary["model"]["roc_auc"] > 0.7
    card = artifacts.load_card(summary["version"])
    assert card["label_kind"] == "any_promotion" and card["test_snapshot"] == "2024-12-31" and card["folds"] == 5
    assert card["estimators"][card["estimator"]]["validation_average_precision"] == max(
        e["validation_average_precision"] for e in card["estimators"].values())
    # Everyone was scored on the as-of snapshot, and each explanation adds up to the score.
    model, _ = artifacts.load(card["version"])
    latest = read_snapshots(db).filter(pl.col("as_of") == AS_OF)
    contrib, base, _ = contributions(model, latest)
    assert np.allclose(base + contrib.sum(axis=1), log_odds(model, latest), atol=1e-9)
    stored = rows(db, "SELECT count(*), round(sum(probability), 6) FROM model_scores")[0]
    assert stored == (latest.height, round(float(explain(model, latest)[0].sum()), 6))


@pytest.mark.parametrize("kind", ESTIMATORS)
def test_the_chosen_estimator_explains_exactly_on_a_non_linear_rule(kind: str) -> None:
    rng = np.random.default_rng(5)
    n = 1500
    frame = pl.DataFrame({
        "as_of": [AS_OF] * n, "employee_id": [str(i) for i in range(n)],
        "rating_last": rng.integers(1, 6, n).astype(float), "training_score_avg": pl.Series(np.where(rng.random(n) < 0.2, np.nan, rng.uniform(40, 100, n)), nan_to_null=True),
        "department": rng.choice(["Ops", "Sales", "R&D"], n),
    })
    signal = (frame["rating_last"].to_numpy() >= 4) & (frame["department"].to_numpy() == "Sales") | (frame["training_score_avg"].fill_null(0).to_numpy() > 90)
    y = (rng.random(n) < np.where(signal, 0.7, 0.05)).astype(int)
    inputs, _ = choose_inputs(frame)
    model = fit_estimator(kind, inputs, frame, y)
    model.platt_ = (0.8, -0.3)
    contrib, base, names = contributions(model, frame)
    assert names == inputs.features
    assert np.allclose(base + contrib.sum(axis=1), log_odds(model, frame), atol=1e-9)


# --- one top-performance rule, on a coarse scale ---------------------------------------------------

def test_top_share_rule_keeps_ties_on_a_two_grade_scale(tmp_path: Path) -> None:
    path = config_path()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    assert raw["pool_rules"]["top_performance_share"] == 0.15
    path.write_text(path.read_text(encoding="utf-8").replace('grades = ["A", "B+", "B", "C", "D"]', 'grades = ["Good", "Fair"]')
                    .replace('strict_min_grade = "B+"', 'strict_min_grade = "Good"'), encoding="utf-8")
    n = 100
    grade = ["Good"] * 21 + ["Fair"] * 79  # the top grade holds 21 %: "top 15 %" must not mean nobody
    ids = [f"E{i:04d}" for i in range(n)]
    db = make_db(tmp_path / "coarse.duckdb", employees=people(n, department=(["Ops", "Sales"] * 50)),
                 performance_ratings=pl.DataFrame({"employee_id": ids, "period": ["2024"] * n, "rating": grade}),
                 projects=pl.DataFrame({"employee_id": ids, "project_id": ids, "role": ["lead"] * n, "start_date": [date(2024, 3, 1)] * n}),
                 profiles=pl.DataFrame({"employee_id": ids, "career_plan_submitted": [True] * n, "updated_at": [date(2024, 1, 1)] * n}))
    # The analysis tables (and so the funnel) keep the whole top grade ...
    assert rows(db, "SELECT count(*) FILTER (WHERE rule_top_performance), bool_and(rule_top_performance = (latest_annual_rating = 'Good')), "
                    "max(rule_top_performance_share) FROM analysis_employee") == [(21, True, 0.21)]
    con = duckdb.connect(str(db), read_only=True)
    try:
        funnel = queries.pool_funnel(con)
    finally:
        con.close()
    assert funnel.filter(pl.col("rule") == "top_performance").select("employees", "share").row(0) == (21, pytest.approx(0.21))
    # ... and so does the model's rules baseline, with the same function.
    snap = read_snapshots(db).filter(pl.col("as_of") == date(2024, 12, 31)).sort("employee_id")
    flags = rules_flags(snap, 0.15)
    assert flags.sum() == 21 and flags.tolist() == [g == "Good" for g in grade]


@pytest.mark.parametrize(("shares", "target", "kept"), [
    ([21, 79], 0.15, 21),          # closest to 15 %: the top grade (21 %), ties kept
    ([35, 65], 0.15, 0),           # 35 % is further from 15 % than nobody (0 %): nobody
    ([30, 70], 0.15, 0),           # as close as nobody: the smaller wins
    ([10, 12, 78], 0.15, 10),      # 10 % (5 off) beats 22 % (7 off)
    ([10, 8, 82], 0.15, 18),       # 18 % (3 off) beats 10 % (5 off)
    ([5, 5, 5, 85], 0.15, 15),
])
def test_top_share_rule_picks_the_grades_closest_to_the_target(shares: list[int], target: float, kept: int) -> None:
    values = np.concatenate([np.full(s, len(shares) - i) for i, s in enumerate(shares)]).astype(float)
    frame = pl.DataFrame({"v": values, "eligible": [True] * len(values)})
    con = duckdb.connect()
    con.register("f", frame.to_arrow())
    got = con.sql(f"SELECT count(*) FILTER (WHERE top), max(top_share) FROM ({top_share_rule('f', 'v', target, name='top')})").fetchall()[0]
    assert got == (kept, pytest.approx(kept / len(values)))


def test_the_promotion_list_export_trains_with_its_mapping_alone(tmp_path: Path, capsys) -> None:
    """The import issue's one-snapshot promotion list (tests/data/exports/promotion_list), imported with
    its mapping alone, trains: cross-validation, every field the mapping routes, fairness by gender and age."""
    from pipelines.ingest import ingest

    folder = Path(__file__).parent / "data" / "exports" / "promotion_list"
    db = tmp_path / "promotion_list.duckdb"
    ingest([folder / "hr_analytics_promotion_train.csv"], db, preset=str(folder / "hr_analytics_promotion.toml"), as_of=AS_OF)
    assert models_main(["train", "--db", str(db), "--as-of", AS_OF.isoformat()]) == 0
    out = capsys.readouterr().out
    assert "evaluation: 5-fold cross-validation within the one snapshot" in out and ", k = " in out
    card = artifacts.load_card(artifacts.versions()[0])
    assert card["evaluation"] == "cross_validation" and card["train_rows"] == 1500 and card["train_positives"] == 120
    assert {"department", "location", "rating_last", "tenure_years", "attr_kpis_met", "attr_awards_won", "attr_avg_training_score",
            "attr_no_of_trainings"} <= set(card["features"])
    assert not {"gender", "age_band", "level_at"} & set(card["features"])  # level_at: the same (6) for every candidate
    assert {f["attribute"] for f in card["fairness"]} == {"gender", "age_band"}
    assert set(card["estimators"]) == set(ESTIMATORS) and card["metrics"]["model"]["roc_auc"] > 0.6


def test_snapshot_dates_come_from_the_rating_periods_present(tmp_path: Path) -> None:
    ids = ["A", "B"]
    employees = pl.DataFrame({"employee_id": ids, "name": ids, "department": ["Ops"] * 2, "status": ["active"] * 2, "job_level": [3, 3]})
    half_years = pl.DataFrame({"employee_id": ["A", "A", "B"], "period": ["2024-H1", "2024-H2", "2025-Q1"], "rating": ["B", "A", "C"]})
    db = make_db(tmp_path / "h.duckdb", today=date(2025, 9, 30), employees=employees, performance_ratings=half_years)
    assert rows(db, "SELECT as_of, label_complete, employee_id, rating_last FROM analysis_snapshots ORDER BY ALL") == [
        (date(2024, 6, 30), True, "A", 3.0), (date(2024, 6, 30), True, "B", None),
        (date(2024, 12, 31), False, "A", 5.0), (date(2024, 12, 31), False, "B", None),
        (date(2025, 3, 31), False, "A", 5.0), (date(2025, 3, 31), False, "B", 2.0),
        (date(2025, 9, 30), False, "A", 5.0), (date(2025, 9, 30), False, "B", 2.0),  # the as-of date: the snapshot that is scored
    ]
