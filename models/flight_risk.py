"""Flight risk (issue #16): the calibrated chance that a person leaves the company voluntarily within 12 months.

A second model beside the potential model, built from the same pieces (models/potential.py): the same point-in-time
snapshots (pipelines/features.py, table analysis_everyone_snapshots: everyone employed on the snapshot date, managers
too, since a seat's holder has a flight risk), the same inputs (choose_inputs; protected attributes never), the same
evaluation (a time split with two or more labelled snapshots, else stratified k-fold cross-validation within the one),
the same estimators, Platt calibration and per-person contributions. The boosted trees are compared with the logistic
model (and chosen by validation average precision) only when the training snapshots hold at least BOOSTING_MIN_EXITS
voluntary exits: with fewer, trees learn noise (on the demo's 30 they lost to the logistic model on every measure)
and cost seconds of the demo's first start.

Label (`label_voluntary_exit`): left within 12 months after the snapshot (exit date in (as_of, as_of + 12 months])
for a voluntary reason. Exits the company decided (capability mismatch, dismissal: pipelines.settings.EXIT_KIND_WORDS)
and retirements are neither leavers nor stayers: the person's row for that snapshot is left out of training and
testing. Counting them as leavers would teach the model that weak performers "want to leave"; counting them as
stayers would hide that they left. A snapshot is labelled only when its 12-month window has closed by the data's
as-of date and the history holds exits from its date on (an export that keeps only recent leavers would otherwise
make its older snapshots look as if nobody left).

Measured on the held-out period against a tenure-only baseline (a logistic regression on tenure alone): ROC AUC,
average precision and Brier score, plus a calibration table and a fairness table (per protected group: people,
the share in the high band, the observed and the predicted leaving rate).
"""
from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl

from pipelines import db
from pipelines.features import protected_names
from pipelines.settings import EXIT_KIND_WORDS, flight_risk_cutoffs, load_settings

from . import artifacts
from .artifacts import NotEnoughHistory
from .scoring import explain_changed, stored_scores

# scikit-learn (models.potential, models.training) is imported only where a model is trained: the import service
# re-scores through here after every import, and a page that reads the scores never needs it.
ESTIMATORS = ("logistic", "boosting")
BOOSTING_MIN_EXITS = 200

LABEL = "label_voluntary_exit"
HORIZON_YEARS = 1
COMMAND = "python -m models train-flight-risk"
LABEL_DEFINITION = ("left the company for a voluntary reason within 12 months after the snapshot; exits the company decided "
                    "(capability mismatch, dismissal and the like) and retirements are set apart: neither leavers nor stayers")
EVALUATIONS = {
    "time_split": "time split: trained on older snapshots, tested on the most recent snapshot whose 12-month window has closed",
    "cross_validation": "{folds}-fold cross-validation within the one snapshot whose 12-month window has closed (stratified; each "
                        "person predicted by a model that did not see them). A time split, with two or more closed snapshots, is the "
                        "stronger test",
}
BASELINE = "tenure only: a logistic regression on years of service alone"


def artifacts_root() -> Path:
    """The flight-risk model's own folder, apart from the potential model's versions."""
    return artifacts.artifacts_dir() / "flight_risk"


def versions() -> list[str]:
    return artifacts.versions(artifacts_root())


def load(version: str | None = None):
    return artifacts.load(version, artifacts_root(), COMMAND)


def load_card(version: str) -> dict:
    return artifacts.load_card(version, artifacts_root(), COMMAND)


def risk_band(probability: np.ndarray, cutoffs: dict[str, float] | None = None) -> np.ndarray:
    """low / medium / high by the fixed cut-offs ([model] flight_risk_medium / flight_risk_high, pipelines.settings)."""
    cutoffs = cutoffs or flight_risk_cutoffs(load_settings())
    return np.where(probability >= cutoffs["high"], "high", np.where(probability >= cutoffs["medium"], "medium", "low"))


def read_snapshots(db_path: Path) -> pl.DataFrame:
    con = db.connect_read_only(db_path)
    try:
        return con.sql("SELECT * FROM analysis_everyone_snapshots ORDER BY as_of, employee_id").pl()
    finally:
        con.close()


def labelled_rows(snapshots: pl.DataFrame) -> pl.DataFrame:
    """The rows with a label: window closed, and no exit set apart. `label_complete` marks them for time_split."""
    return snapshots.filter(pl.col("exit_window_closed") & pl.col(LABEL).is_not_null()) \
        .with_columns(pl.lit(True).alias("label_complete"))


class TenureBaseline:
    """A logistic regression on tenure alone (missing tenure: the training median). Plain scikit-learn style."""

    def fit(self, frame: pl.DataFrame, y: np.ndarray) -> TenureBaseline:
        from sklearn.linear_model import LogisticRegression

        tenure = frame["tenure_years"].cast(pl.Float64)
        self.median_ = float(tenure.median()) if tenure.drop_nulls().len() else 0.0
        self.model_ = LogisticRegression().fit(self._x(frame), y)
        return self

    def _x(self, frame: pl.DataFrame) -> np.ndarray:
        return frame["tenure_years"].cast(pl.Float64).fill_null(self.median_).to_numpy().reshape(-1, 1)

    def predict_proba(self, frame: pl.DataFrame) -> np.ndarray:
        return self.model_.predict_proba(self._x(frame))[:, 1]


def _baseline_out_of_fold(frame: pl.DataFrame, y: np.ndarray, splits) -> np.ndarray:
    out = np.full(len(y), np.nan)
    for train_idx, test_idx in splits:
        out[test_idx] = TenureBaseline().fit(frame[train_idx], y[train_idx]).predict_proba(frame[test_idx])
    return out


def _measures(y: np.ndarray, p: np.ndarray) -> dict:
    from .potential import metrics

    found = metrics(y, p, max(1, int(y.sum())))
    return {"roc_auc": found["roc_auc"], "average_precision": found["average_precision"], "brier": found["brier"]}


def fairness_table(evaluated: pl.DataFrame, p: np.ndarray, audited: list[str]) -> list[dict]:
    """Per protected group: people, the share in the high band (with potential.fairness' impact ratio), and the
    observed and mean predicted rate of leaving voluntarily; a group whose predicted rate is far from its observed
    rate is one the model misjudges."""
    from .potential import fairness

    high = risk_band(p) == "high"
    rows = fairness(evaluated, high, attributes=audited)
    frame = evaluated.with_columns(pl.Series("_p", p), pl.col(LABEL).cast(pl.Float64).alias("_y"))
    rates = {}
    for attribute in audited:
        if frame[attribute].dtype.is_numeric():
            continue  # banded by fairness(); its observed rates are not split the same way here
        for g in frame.group_by(pl.col(attribute).cast(pl.String).fill_null("unknown").alias("group")) \
                .agg(pl.col("_y").mean().alias("observed"), pl.col("_p").mean().alias("predicted")).iter_rows(named=True):
            rates[(attribute.removeprefix("attr_"), g["group"])] = (g["observed"], g["predicted"])
    return [{**r, "high_share": r["selection_rate"], "observed_rate": rates.get((r["attribute"], str(r["group"])), (None, None))[0],
             "predicted_rate": rates.get((r["attribute"], str(r["group"])), (None, None))[1]} for r in rows]


def train(db_path: Path, as_of: date | None = None, estimators: tuple[str, ...] | None = None) -> dict:
    """Train, evaluate against the tenure-only baseline and save a flight-risk model; returns its card.
    Raises NotEnoughHistory when no 12-month window has closed or the training snapshots hold too few voluntary exits."""
    settings = load_settings()
    if as_of is not None:
        from pipelines.ingest import rebuild_analysis

        from .training import analysis_as_of

        if as_of != analysis_as_of(db_path):
            rebuild_analysis(db_path, as_of=as_of)
    n_folds = int(settings.model["folds"])
    snapshots = read_snapshots(db_path)
    rows = labelled_rows(snapshots)
    dates = sorted(rows["as_of"].unique().to_list())
    set_apart = int(snapshots.filter(pl.col("exit_window_closed") & pl.col(LABEL).is_null()).height)
    split = None
    if len(dates) >= 2:
        from .potential import time_split

        try:
            split = time_split(rows, HORIZON_YEARS)
        except ValueError:
            split = None
    if split is not None:
        evaluation, train_rows, test_rows = "time_split", split.train, split.test
    elif dates:
        evaluation, train_rows, test_rows = "cross_validation", rows.filter(pl.col("as_of") == dates[-1]), None
    else:
        raise NotEnoughHistory(
            "no snapshot's 12-month window has closed with exits recorded from its date on: the history must hold "
            "exits reaching at least 12 months before the as-of date; no flight-risk model")
    exits = int(train_rows[LABEL].sum())
    needed = int(settings.model["flight_risk_min_exits"])
    if exits < needed:
        raise NotEnoughHistory(
            f"only {exits} voluntary exit(s) within 12 months of the training snapshot(s) "
            f"({', '.join(str(d) for d in sorted(train_rows['as_of'].unique().to_list()))}); at least {needed} "
            f"needed ({set_apart} exit(s) the company decided or retirements are set apart, not counted); no flight-risk model")
    # scikit-learn from here on: a history too short to learn from is said without loading it
    from .potential import (calibration_table, choose_estimator, choose_inputs, estimator_card, fit_candidates, folds,
                            protected_columns)
    from .training import read_attributes

    protected = protected_names(settings)
    attributes = read_attributes(db_path)
    inputs, left_out = choose_inputs(train_rows, attributes, protected)
    if not inputs.features:
        raise NotEnoughHistory("no input varies across the training snapshots (every column is missing, the same for everyone, or protected)")
    y_train = train_rows[LABEL].to_numpy().astype(int)
    splits = folds(train_rows, y_train, n_folds)
    estimators = estimators or (ESTIMATORS if exits >= BOOSTING_MIN_EXITS else ("logistic",))
    candidates, chosen = choose_estimator(estimators, inputs, train_rows, y_train, splits)

    evaluated = test_rows if test_rows is not None else train_rows
    y = evaluated[LABEL].to_numpy().astype(int)
    model = fit_candidates(candidates, chosen, inputs, train_rows, y_train, test_rows)
    estimator_metrics = {name: {**_measures(y, c["p"]), "validation_average_precision": c["validation_average_precision"]}
                         for name, c in candidates.items()}
    p = candidates[chosen]["p"]
    if test_rows is not None:
        baseline_p = TenureBaseline().fit(train_rows, y_train).predict_proba(test_rows)
    else:
        baseline_p = np.nan_to_num(_baseline_out_of_fold(train_rows, y_train, splits), nan=float(y_train.mean()))
    model_metrics, baseline_metrics = _measures(y, p), _measures(y, baseline_p)
    audited = protected_columns(evaluated, attributes, protected)
    version = artifacts.new_version(artifacts_root())
    kinds = snapshots.filter(pl.col("exit_window_closed") & pl.col("left_within_12m").fill_null(False)) \
        .group_by("exit_kind_12m").len().sort("exit_kind_12m")
    card = {
        "version": version,
        "model": "flight_risk",
        "created_at": datetime.now().isoformat(timespec="seconds"),
        "label": LABEL,
        "label_definition": LABEL_DEFINITION,
        "exit_kind_words": {k: list(v) for k, v in EXIT_KIND_WORDS.items()},
        "exits_by_kind": {r["exit_kind_12m"]: r["len"] for r in kinds.iter_rows(named=True)},
        "horizon_months": 12 * HORIZON_YEARS,
        "risk_bands": flight_risk_cutoffs(settings),
        **estimator_card(evaluation, EVALUATIONS[evaluation].format(folds=len(splits)), len(splits), chosen, estimator_metrics, model, inputs),
        "baseline": BASELINE,
        "left_out": left_out,
        "protected_attributes_not_used": sorted({*protected, *audited}),
        "audited_attributes": [c.removeprefix("attr_") for c in audited],
        "train_snapshots": [str(d) for d in sorted(train_rows["as_of"].unique().to_list())],
        "test_snapshot": str(test_rows["as_of"][0]) if test_rows is not None else str(dates[-1]),
        "train_rows": train_rows.height,
        "train_positives": exits,
        "set_apart": set_apart,
        "test_rows": evaluated.height,
        "test_positives": int(y.sum()),
        "metrics": {"model": model_metrics, "tenure_baseline": baseline_metrics},
        "beats_baseline": bool(model_metrics["roc_auc"] > baseline_metrics["roc_auc"]
                               and model_metrics["average_precision"] > baseline_metrics["average_precision"]),
        "calibration": calibration_table(y, p),
        "fairness": fairness_table(evaluated, p, audited),
        "training_data_sha256": hashlib.sha256(train_rows.select("as_of", "employee_id", *inputs.features, LABEL).write_csv().encode()).hexdigest(),
        "database": str(db_path),
    }
    artifacts.save(model, card, artifacts_root())
    return card


def score(db_path: Path, version: str | None = None, everyone: bool = False) -> dict:
    """Score everyone employed on the latest snapshot; write flight_risk_scores (probability, band, reasons). Only the
    people whose snapshot row changed since they were scored with this model are explained again (`everyone`: all)."""
    model, card = load(version)
    con = db.connect_read_only(db_path)
    try:
        latest = con.sql("""SELECT s.* FROM analysis_everyone_snapshots s JOIN analysis_employee a USING (employee_id)
                            WHERE s.as_of = (SELECT max(as_of) FROM analysis_everyone_snapshots) AND a.status = 'active'
                            ORDER BY s.employee_id""").pl()
        stored = stored_scores(con, "flight_risk_scores").clear() if everyone else stored_scores(con, "flight_risk_scores")
    finally:
        con.close()
    scored, explained = explain_changed(model, card["version"], latest, stored)
    scores = scored.with_columns(
        pl.lit(card["version"]).alias("model_version"),
        pl.Series("risk_band", risk_band(scored["probability"].to_numpy()), dtype=pl.String))
    with db.write_batch(db_path) as w:
        w.execute("DELETE FROM flight_risk_scores")  # the table itself is made by pipelines.db.ensure_schema
        w.register("staged_flight_risk", scores.to_arrow())
        w.execute("""INSERT INTO flight_risk_scores (employee_id, model_version, as_of, probability, risk_band, factors, inputs_hash)
                     SELECT employee_id, model_version, as_of, probability, risk_band, factors, inputs_hash FROM staged_flight_risk""")
        w.unregister("staged_flight_risk")
    bands = {b: int((scores["risk_band"] == b).sum()) for b in ("low", "medium", "high")}
    return {"version": card["version"], "scored": scores.height, "explained": explained,
            "as_of": str(latest["as_of"][0]) if latest.height else None, "bands": bands}


def rescore_if_trained(db_path: Path) -> dict | None:
    """After an import: score again with the newest flight-risk model, if one was ever trained."""
    return score(db_path) if versions() else None
