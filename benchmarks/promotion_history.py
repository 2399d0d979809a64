"""Benchmark: the potential model on a one-snapshot promotion history shaped like real exports.

    python benchmarks/promotion_history.py [--people 50000] [--seed 3] [--out benchmarks/out/promotion_history]

Unlike the demo organisation (whose promotions follow a hidden potential that the features measure),
this is one flat promotion list as public HR promotion datasets and many HR systems export it: one
row per employee with department, region, education, gender, recruitment channel, number of
trainings, age, length of service, the previous year's rating (blank for people in their first
year), "KPIs met > 80 %", "awards won?", average training score and "is promoted". The outcome comes
from a non-linear rule with interactions and noise:
- meeting the KPIs matters, and far more with a top rating (KPI × rating);
- the training score matters only in the top of the person's own department (department × score:
  departments' score levels differ by 30 points);
- an award nearly doubles the odds; one or two trainings beat many (a U-shape);
- long service at an older age lowers the odds (service × age); a few regions promote more;
- gender and age have no effect of their own (the fairness audit should find little).

Steps (the same commands a user runs): write promotion_list.csv and a mapping (promotion_history.toml);
`python -m pipelines ingest promotion_list.csv --preset promotion_history.toml --as-of 2025-12-31`;
`python -m models train --as-of 2025-12-31 --json` with `[model] label = "any_promotion"` and the
pool rules reduced to the top-performance rule (the export has no projects or career plans). Then a
reference: scikit-learn's HistGradientBoostingClassifier fitted directly on the CSV's non-protected
columns, evaluated the same way (5-fold stratified cross-validation, out-of-fold predictions).
Prints and writes results.json: ROC AUC and average precision of the chosen model, the logistic
model, the rules and the reference.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
AS_OF = "2025-12-31"
DEPARTMENTS = {  # share of people, mean average training score
    "Sales & Marketing": (0.30, 50), "Operations": (0.21, 60), "Technology": (0.13, 80), "Procurement": (0.13, 70),
    "Analytics": (0.10, 85), "Finance": (0.046, 60), "HR": (0.044, 50), "Legal": (0.019, 60), "R&D": (0.018, 84),
}
REGIONS = [f"region_{i}" for i in range(1, 35)]
GENEROUS_REGIONS = {"region_4", "region_17", "region_22", "region_7"}

MAPPING = f"""# A one-snapshot promotion list (one row per employee) → employees, ratings, promotions and attributes.
name = "promotion_history"
description = "One-snapshot promotion list: department, region, education, gender, trainings, age, service, previous rating, KPIs, awards, training score, is_promoted"
missing_values = ["", "NA", "N/A", "nan", "NaN", "null", "None", "-"]
as_of = "{AS_OF}"

[employees]
file_names = ["promotion_list"]

[employees.columns]
employee_id = "employee_id"
department = "department"
region = "location"
gender = "gender"

[employees.values.gender]
m = "male"
f = "female"

[employees.derive]
birth_date = {{ from = "age", how = "years_before" }}
hire_date = {{ from = "length_of_service", how = "years_before" }}

[employees.attributes]
education = "education"
recruitment_channel = "recruitment_channel"
no_of_trainings = "trainings"
"KPIs_met >80%" = "kpis_met"
"awards_won?" = "awards_won"
avg_training_score = "avg_training_score"

[performance_ratings]
file_names = ["promotion_list"]
only_rows_where = {{ column = "previous_year_rating", values = ["1", "2", "3", "4", "5", "1.0", "2.0", "3.0", "4.0", "5.0"] }}

[performance_ratings.columns]
employee_id = "employee_id"
previous_year_rating = "rating"

[performance_ratings.defaults]
period = "2024"

[performance_ratings.values.rating]
"5" = "A"
"4" = "B+"
"3" = "B"
"2" = "C"
"1" = "D"
"5.0" = "A"
"4.0" = "B+"
"3.0" = "B"
"2.0" = "C"
"1.0" = "D"

[promotions]
file_names = ["promotion_list"]
only_rows_where = {{ column = "is_promoted", values = ["1"] }}

[promotions.columns]
employee_id = "employee_id"

[promotions.defaults]
effective_date = "2025-07-01"
"""

CONFIG_EDITS = [  # the benchmark's copy of config/talent.toml
    ('label = "into_management"', 'label = "any_promotion"'),
    ("require_management_experience = true", "require_management_experience = false"),
    ("require_career_plan = true", "require_career_plan = false"),
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def generate(people: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    names = list(DEPARTMENTS)
    shares = np.array([DEPARTMENTS[d][0] for d in names])
    dept_idx = rng.choice(len(names), people, p=shares / shares.sum())
    department = np.array(names)[dept_idx]
    dept_mean = np.array([DEPARTMENTS[d][1] for d in names])[dept_idx]
    region = rng.choice(REGIONS, people, p=np.r_[np.full(4, 0.08), np.full(30, 0.68 / 30)])
    age = np.clip(np.round(rng.gamma(9, 3.9, people)), 20, 60).astype(int)
    service = np.clip(np.round(rng.gamma(2.0, 3.0, people)), 1, np.maximum(age - 19, 1)).astype(int)
    education = np.where(age < 24, "Bachelor's", rng.choice(["Bachelor's", "Master's & above", "Below Secondary"], people, p=[0.69, 0.28, 0.03]))
    education = np.where(rng.random(people) < 0.044, "", education)
    gender = rng.choice(["m", "f"], people, p=[0.70, 0.30])
    channel = rng.choice(["other", "sourcing", "referred"], people, p=[0.55, 0.42, 0.03])
    trainings = np.clip(rng.geometric(0.72, people), 1, 10)
    rating = rng.choice([1, 2, 3, 4, 5], people, p=[0.12, 0.08, 0.36, 0.19, 0.25])
    rating_missing = service == 1
    kpi = rng.random(people) < sigmoid(-0.9 + 0.45 * (rating - 3))
    awards = rng.random(people) < 0.023
    score = np.clip(np.round(dept_mean + rng.normal(0, 6.5, people) + 1.5 * kpi), 39, 99).astype(int)

    r = np.where(rating_missing, 3, rating)
    z = (-5.0
         + 1.3 * kpi + 1.9 * kpi * (r >= 4) + 0.8 * kpi * (r == 5)            # KPI × rating
         + 2.6 * sigmoid((score - dept_mean - 9) / 1.5)                         # department × training score
         + 1.9 * awards
         + np.select([trainings == 1, trainings == 2, trainings >= 4], [0.35, 0.15, -0.9], 0.0)
         - 1.0 * ((service > 10) & (age > 42))                                 # service × age
         + 0.5 * np.isin(region, list(GENEROUS_REGIONS))
         + 0.25 * (education == "Master's & above")
         - 0.6 * rating_missing
         + rng.normal(0, 0.5, people))
    promoted = rng.random(people) < sigmoid(z)
    return pl.DataFrame({
        "employee_id": [f"{70000 + i}" for i in range(people)],
        "department": department, "region": region, "education": education, "gender": gender,
        "recruitment_channel": channel, "no_of_trainings": trainings, "age": age,
        "previous_year_rating": pl.Series(np.where(rating_missing, "", rating.astype(str))),
        "length_of_service": service, "KPIs_met >80%": kpi.astype(int), "awards_won?": awards.astype(int),
        "avg_training_score": score, "is_promoted": promoted.astype(int),
    })


def run(cmd: list[str], env: dict) -> tuple[str, float]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *cmd], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout, time.perf_counter() - start


def reference(frame: pl.DataFrame, folds: int = 5, seed: int = 0) -> dict:
    """HistGradientBoostingClassifier on every non-protected column of the CSV, out-of-fold."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import average_precision_score, roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    categorical = ["department", "region", "education", "recruitment_channel"]
    numeric = ["no_of_trainings", "previous_year_rating", "length_of_service", "KPIs_met >80%", "awards_won?", "avg_training_score"]
    x = frame.select(*[pl.col(c).cast(pl.String).cast(pl.Categorical) for c in categorical],
                     *[pl.col(c).cast(pl.String).replace("", None).cast(pl.Float64) for c in numeric]).to_pandas()
    y = frame["is_promoted"].to_numpy()
    oof = np.zeros(len(y))
    for train_idx, test_idx in StratifiedKFold(folds, shuffle=True, random_state=seed).split(x, y):
        model = HistGradientBoostingClassifier(categorical_features="from_dtype", max_iter=500, learning_rate=0.05,
                                               early_stopping=True, random_state=seed)
        model.fit(x.iloc[train_idx], y[train_idx])
        oof[test_idx] = model.predict_proba(x.iloc[test_idx])[:, 1]
    return {"roc_auc": float(roc_auc_score(y, oof)), "average_precision": float(average_precision_score(y, oof)),
            "columns": categorical + numeric}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "promotion_history")
    args = ap.parse_args()
    out = args.out.resolve()
    if out.exists():
        shutil.rmtree(out)
    (out / "export").mkdir(parents=True)
    frame = generate(args.people, args.seed)
    csv = out / "export" / "promotion_list.csv"
    frame.write_csv(csv)
    mapping = out / "promotion_history.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    config = out / "talent.toml"
    text = (ROOT / "config" / "talent.toml").read_text(encoding="utf-8")
    for old, new in CONFIG_EDITS:
        assert old in text, old
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")
    env = {**os.environ, "TALENT_CONFIG": str(config), "TALENT_MODELS": str(out / "models"), "TALENT_DB": str(out / "talent.duckdb")}
    print(f"{args.people:,} people, {frame['is_promoted'].mean():.1%} promoted; files in {out}")

    stdout, seconds = run(["-m", "pipelines", "ingest", str(csv), "--preset", str(mapping), "--as-of", AS_OF, "--db", str(out / "talent.duckdb")], env)
    print(f"import: {seconds:.1f} s\n" + "\n".join(stdout.splitlines()[:3]))
    stdout, train_seconds = run(["-m", "models", "train", "--db", str(out / "talent.duckdb"), "--as-of", AS_OF, "--json"], env)
    print(stdout)
    summary = json.loads(stdout.strip().splitlines()[-1])
    card = json.loads((out / "models" / summary["version"] / "card.json").read_text(encoding="utf-8"))
    start = time.perf_counter()
    ref = reference(frame)
    ref_seconds = time.perf_counter() - start
    chosen = summary["estimator"]
    results = {
        "people": args.people, "promoted_share": float(frame["is_promoted"].mean()), "evaluation": summary["evaluation"],
        "evaluated_rows": card["test_rows"], "k": summary["k"], "chosen": chosen,
        "chosen_model": {n: summary["model"][n] for n in ("roc_auc", "average_precision")},
        "logistic": {n: summary["estimators"]["logistic"][n] for n in ("roc_auc", "average_precision")},
        "boosting": {n: summary["estimators"]["boosting"][n] for n in ("roc_auc", "average_precision")},
        "rules": {n: summary["rules"][n] for n in ("roc_auc", "average_precision")},
        "reference_hgb": {n: ref[n] for n in ("roc_auc", "average_precision")},
        "inputs": card["features"], "train_seconds": round(train_seconds, 1), "reference_seconds": round(ref_seconds, 1),
    }
    results["chosen_auc_vs_reference"] = results["chosen_model"]["roc_auc"] / ref["roc_auc"] - 1
    (out / "results.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"\n{'':<26}{'ROC AUC':>9}{'avg prec':>10}")
    for label, key in [(f"chosen model ({chosen})", "chosen_model"), ("logistic model", "logistic"), ("boosted model", "boosting"),
                       ("pool rules", "rules"), ("reference HGB (direct)", "reference_hgb")]:
        print(f"{label:<26}{results[key]['roc_auc']:>9.3f}{results[key]['average_precision']:>10.3f}")
    print(f"chosen model's AUC vs the reference: {results['chosen_auc_vs_reference']:+.1%}; inputs: {', '.join(card['features'])}")


if __name__ == "__main__":
    main()
