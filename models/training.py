"""Train the potential model on point-in-time snapshots and write its card: metrics next to the rules."""
from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl

from pipelines import db
from pipelines.settings import load_settings

from . import artifacts
from .potential import FEATURES, NOT_INPUTS, PROTECTED, calibration_table, predict_probability, fairness, fit_model, metrics, rules_flags, time_split

LABELS = {
    "label": "promoted into management (job level {level}+) within {horizon} year(s) after the snapshot",
    "label_strict": "promoted into management within {horizon} year(s) and still in place, rated {grade} or better, the year after",
}


class NotEnoughHistory(Exception):
    """Too little history to train; the app falls back to the transparent score."""


def read_snapshots(db_path: Path) -> pl.DataFrame:
    con = db.connect_read_only(db_path)
    try:
        return con.sql("SELECT * FROM analysis_snapshots ORDER BY as_of, employee_id").pl()
    finally:
        con.close()


def train(db_path: Path, label: str = "label") -> dict:
    settings = load_settings()
    model_cfg = settings.model
    snapshots = read_snapshots(db_path)
    try:
        split = time_split(snapshots)
    except ValueError as exc:
        raise NotEnoughHistory(str(exc)) from None
    positives = int(split.train[label].sum())
    if positives < int(model_cfg["min_positive_labels"]):
        raise NotEnoughHistory(
            f"only {positives} people in the training snapshots were promoted into management "
            f"(at least {model_cfg['min_positive_labels']} needed); the app uses the transparent score"
        )
    model = fit_model(split.train, label)
    test = split.test
    y = test[label].to_numpy().astype(int)
    p = predict_probability(model, test)
    top_share = float(settings.pool_rules.get("top_performance_share", 0.15))
    rules = rules_flags(test, top_share).astype(float)
    k = int(rules.sum()) or max(1, round(float(model_cfg["top_k_share"]) * test.height))
    model_metrics, rules_metrics = metrics(y, p, k), metrics(y, rules, k)
    selected = np.zeros(test.height, dtype=bool)
    selected[np.argsort(-p, kind="stable")[:k]] = True
    version = datetime.now().strftime("%Y%m%d-%H%M%S")
    while (artifacts.artifacts_dir() / version).exists():
        version += "x"
    card = {
        "version": version,
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "label": label,
        "label_definition": LABELS[label].format(level=model_cfg["management_level"], horizon=model_cfg["horizon_years"], grade=model_cfg["strict_min_grade"]),
        "estimator": "logistic regression (median imputation with missing-value indicators, standard scaling), Platt-calibrated on out-of-snapshot predictions",
        "platt": list(model.platt_),
        "features": FEATURES,
        "protected_attributes_not_used": PROTECTED,
        "not_inputs": {name: "self-service profiles keep only their current state, which would leak the outcome" for name in NOT_INPUTS},
        "train_snapshots": [str(d) for d in sorted(split.train["as_of"].unique().to_list())],
        "test_snapshot": str(split.test_as_of),
        "train_rows": split.train.height,
        "train_positives": positives,
        "test_rows": test.height,
        "test_positives": int(y.sum()),
        "k": k,
        "metrics": {"model": model_metrics, "rules": rules_metrics},
        "beats_rules": bool(model_metrics["average_precision"] > rules_metrics["average_precision"]
                            and model_metrics["precision_at_k"] >= rules_metrics["precision_at_k"]),
        "calibration": calibration_table(y, p),
        "fairness": fairness(test, selected),
        "training_data_sha256": hashlib.sha256(split.train.select("as_of", "employee_id", *FEATURES, label).write_csv().encode()).hexdigest(),
        "database": str(db_path),
    }
    artifacts.save(model, card)
    return card
