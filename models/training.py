"""Train the potential model on point-in-time snapshots and write its card: metrics next to the rules.

Evaluation:
- two or more snapshots whose label window has closed: a time split. The test is the most recent
  closed snapshot; training uses the snapshots whose label windows closed before it was taken.
- exactly one: stratified k-fold cross-validation within that snapshot (one row per person, so a
  person is never in two folds); every person is predicted by a model that did not see them. A time
  split is the stronger test (it shows how a model trained on the past ranks the future).
Both estimators (models.potential.ESTIMATORS) are fitted; the one with the higher validation average
precision (out-of-sample predictions inside the training data) is chosen and its figures are the
model's; the card keeps both.
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl

from pipelines import db
from pipelines.features import label_kind, protected_names
from pipelines.settings import load_settings

from . import artifacts
from .artifacts import NotEnoughHistory  # noqa: F401  (raised here; defined where importing it costs nothing)
from .potential import (ESTIMATORS, NOT_INPUTS, calibration_table, choose_estimator, choose_inputs, closed_snapshot_dates,
                        estimator_card, fairness, fit_candidates, folds, metrics, protected_columns, rules_flags, time_split)

LABELS = {
    "into_management": "promoted into management (job level {level}+, or flagged into management; the flag wins when present) within {horizon} year(s) after the snapshot",
    "any_promotion": "promoted (any promotion, the next level up) within {horizon} year(s) after the snapshot",
}
STRICT = " and still in place, rated {grade} or better, the year after"
EVALUATIONS = {
    "time_split": "time split: trained on older snapshots, tested on the most recent snapshot whose label window has closed",
    "cross_validation": "{folds}-fold cross-validation within the one snapshot whose label window has closed (stratified; each person "
                        "predicted by a model that did not see them). A time split, with two or more closed snapshots, is the stronger test",
}


def read_snapshots(db_path: Path) -> pl.DataFrame:
    con = db.connect_read_only(db_path)
    try:
        return con.sql("SELECT * FROM analysis_snapshots ORDER BY as_of, employee_id").pl()
    finally:
        con.close()


def read_attributes(db_path: Path) -> pl.DataFrame:
    con = db.connect_read_only(db_path)
    try:
        tables = {r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = 'talent'").fetchall()}
        if "analysis_attributes" not in tables:
            return pl.DataFrame()
        return con.sql("SELECT * FROM analysis_attributes ORDER BY people DESC, attribute").pl()
    finally:
        con.close()


def analysis_as_of(db_path: Path) -> date | None:
    con = db.connect_read_only(db_path)
    try:
        found = con.sql("SELECT as_of_date FROM analysis_meta").fetchall()
        return found[0][0] if found else None
    finally:
        con.close()


def label_column(strict: bool) -> str:
    return "label_strict" if strict else "label"


def train(db_path: Path, label: str = "label", as_of: date | None = None, estimators=ESTIMATORS) -> dict:
    """Train, evaluate and save a model; `label` is "label" or "label_strict" (the configured kind)."""
    settings = load_settings()
    model_cfg = settings.model
    if as_of is not None and as_of != analysis_as_of(db_path):
        from pipelines.ingest import rebuild_analysis

        rebuild_analysis(db_path, as_of=as_of)
    kind = label_kind(settings)
    column = f"label_strict_{kind}" if label == "label_strict" else f"label_{kind}"  # as configured now, whatever the tables were built with
    horizon = int(model_cfg["horizon_years"])
    n_folds = int(model_cfg["folds"])
    snapshots = read_snapshots(db_path)
    attributes = read_attributes(db_path)
    protected = protected_names(settings)
    dates = closed_snapshot_dates(snapshots)
    split = None
    if len(dates) >= 2:
        try:
            split = time_split(snapshots, horizon)
        except ValueError:  # e.g. two half-year snapshots: no label window closed before the latest was taken
            split = None
    if split is not None:
        evaluation, train_rows, test_rows = "time_split", split.train, split.test
    elif dates:
        evaluation, train_rows, test_rows = "cross_validation", snapshots.filter(pl.col("as_of") == dates[-1]), None
    else:
        raise NotEnoughHistory("no snapshot has a complete label window yet (the history must reach at least "
                               f"{horizon} year(s) before the as-of date); the app uses the transparent score")
    positives = int(train_rows[column].sum())
    if positives < int(model_cfg["min_positive_labels"]):
        hint = ""
        if kind == "into_management" and int(train_rows["label_any_promotion"].sum()) >= int(model_cfg["min_positive_labels"]):
            hint = (f"; {int(train_rows['label_any_promotion'].sum())} had any promotion: set `label = \"any_promotion\"` "
                    "in config/talent.toml [model] to learn from those")
        raise NotEnoughHistory(
            f"only {positives} people in the training snapshots were {'promoted into management' if kind == 'into_management' else 'promoted'} "
            f"(at least {model_cfg['min_positive_labels']} needed){hint}; the app uses the transparent score"
        )
    inputs, left_out = choose_inputs(train_rows, attributes, protected)
    if not inputs.features:
        raise NotEnoughHistory("no input varies across the training snapshots (every column is missing, the same for everyone, or protected)")
    y_train = train_rows[column].to_numpy().astype(int)
    splits = folds(train_rows, y_train, n_folds)
    candidates, chosen = choose_estimator(estimators, inputs, train_rows, y_train, splits)

    evaluated = test_rows if test_rows is not None else train_rows
    y = evaluated[column].to_numpy().astype(int)
    rules = rules_flags(evaluated, settings.rules).astype(float)  # the pool-rule selection, on the snapshot
    k = int(rules.sum()) or max(1, round(float(model_cfg["top_k_share"]) * evaluated.height))
    model = fit_candidates(candidates, chosen, inputs, train_rows, y_train, test_rows)
    estimator_metrics = {name: {**metrics(y, c["p"], k), "validation_average_precision": c["validation_average_precision"]}
                         for name, c in candidates.items()}
    p = candidates[chosen]["p"]
    model_metrics, rules_metrics = metrics(y, p, k), metrics(y, rules, k)
    selected = np.zeros(evaluated.height, dtype=bool)
    selected[np.argsort(-p, kind="stable")[:k]] = True
    audited = protected_columns(evaluated, attributes, protected)
    version = artifacts.new_version(artifacts.artifacts_dir())
    definition = LABELS[kind] + (STRICT if label == "label_strict" else "")
    attribute_names = {r["column_name"]: r["attribute"] for r in attributes.iter_rows(named=True)} if attributes.height else {}
    card = {
        "version": version,
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "label": label,
        "label_kind": kind,
        "label_settings": {"management_level": settings.management_level, "horizon_years": horizon,
                           "strict_min_grade": model_cfg["strict_min_grade"]},
        "label_definition": definition.format(level=settings.management_level, horizon=horizon, grade=model_cfg["strict_min_grade"]),
        **estimator_card(evaluation, EVALUATIONS[evaluation].format(folds=len(splits)), len(splits), chosen, estimator_metrics, model, inputs),
        "attribute_features": {c: attribute_names.get(c, c) for c in inputs.features if c.startswith("attr_")},
        "undated_attributes": [r["column_name"] for r in attributes.iter_rows(named=True) if r["undated"] and r["column_name"] in inputs.features]
        if attributes.height else [],
        "left_out": left_out,
        "protected_attributes_not_used": sorted({*protected, *(c for c in audited)}),
        "audited_attributes": [c.removeprefix("attr_") for c in audited],
        "not_inputs": {name: "self-service profiles keep only their current state, which would leak the outcome" for name in NOT_INPUTS},
        "train_snapshots": [str(d) for d in sorted(train_rows["as_of"].unique().to_list())],
        "test_snapshot": str(test_rows["as_of"][0]) if test_rows is not None else str(dates[-1]),
        "train_rows": train_rows.height,
        "train_positives": positives,
        "test_rows": evaluated.height,
        "test_positives": int(y.sum()),
        "k": k,
        "metrics": {"model": model_metrics, "rules": rules_metrics},
        "beats_rules": bool(model_metrics["average_precision"] > rules_metrics["average_precision"]
                            and model_metrics["precision_at_k"] >= rules_metrics["precision_at_k"]),
        "calibration": calibration_table(y, p),
        "fairness": fairness(evaluated, selected, attributes=audited),
        "training_data_sha256": hashlib.sha256(train_rows.select("as_of", "employee_id", *inputs.features, column).write_csv().encode()).hexdigest(),
        "database": str(db_path),
    }
    artifacts.save(model, card)
    return card
