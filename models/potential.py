"""The potential model: plain scikit-learn, importable and testable without Streamlit.

A logistic regression on point-in-time features (pipelines/features.py). It is calibrated enough
to read its probability as "chance in 100", and its log-odds split exactly into one contribution
per feature, which is what the explanations show.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

NUMERIC = [
    "level_at", "tenure_years", "rating_last", "rating_avg_3y", "rating_trend_3y",
    "leadership_hours", "training_hours", "courses_completed", "certifications",
    "feedback_others", "feedback_manager", "feedback_peer", "feedback_direct_report", "feedback_leadership", "feedback_self_gap",
    "projects_led", "cross_department_projects", "projects",
]
# Self-service profiles keep only their current state, so aspiration and career plan would tell the
# model who has since become a manager: they stay out of the model (the pool rules still use them).
CATEGORICAL: list[str] = []
NOT_INPUTS = ["career_aspiration", "career_plan_submitted"]
FEATURES = NUMERIC + CATEGORICAL
PROTECTED = ["gender", "age_band"]  # audited, never used as inputs


def build_model(C: float = 0.5) -> Pipeline:
    numeric = Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)), ("scale", StandardScaler())])
    categorical = OneHotEncoder(handle_unknown="ignore", sparse_output=False)
    parts = [("num", numeric, NUMERIC)] + ([("cat", categorical, CATEGORICAL)] if CATEGORICAL else [])
    prepare = ColumnTransformer(parts, verbose_feature_names_out=False)
    return Pipeline([("prepare", prepare), ("classify", LogisticRegression(C=C, max_iter=2000))])


def as_inputs(frame: pl.DataFrame):
    """The model's input table (pandas, as scikit-learn's ColumnTransformer selects by name)."""
    return frame.select(*[pl.col(c).cast(pl.Float64) for c in NUMERIC], *[pl.col(c).cast(pl.String).fill_null("unknown") for c in CATEGORICAL]).to_pandas()


@dataclass(frozen=True)
class Split:
    train: pl.DataFrame
    test: pl.DataFrame
    test_as_of: object


def time_split(snapshots: pl.DataFrame) -> Split:
    """Test on the most recent snapshot whose label window has closed; train on the snapshots whose
    label windows closed before that snapshot was taken (so no training label comes from the test period)."""
    complete = snapshots.filter(pl.col("label_complete"))
    dates = sorted(complete["as_of"].unique().to_list())
    if len(dates) < 2:
        raise ValueError("need at least two snapshots with a complete label window (two years of history)")
    test_as_of = dates[-1]
    return Split(train=complete.filter(pl.col("as_of") < test_as_of), test=complete.filter(pl.col("as_of") == test_as_of), test_as_of=test_as_of)


def rules_flags(frame: pl.DataFrame, top_share: float) -> np.ndarray:
    """The source document's pool rules on a snapshot: top performance share, led a team, plan submitted."""
    ranked = frame.with_columns(
        (pl.col("rating_last").fill_null(0)).rank("min", descending=True).alias("_rank"),
    ).with_columns(((pl.col("_rank") - 1) / pl.len() < top_share).alias("_top"))
    return ranked.select(pl.col("_top") & (pl.col("projects_led") > 0) & pl.col("career_plan_submitted")).to_series().to_numpy()


def precision_at_k(y: np.ndarray, scores: np.ndarray, k: int) -> float:
    order = np.argsort(-scores, kind="stable")[:k]
    return float(y[order].mean()) if k else float("nan")


def metrics(y: np.ndarray, scores: np.ndarray, k: int) -> dict:
    return {
        "roc_auc": float(roc_auc_score(y, scores)) if 0 < y.sum() < len(y) else float("nan"),
        "average_precision": float(average_precision_score(y, scores)) if y.sum() else float("nan"),
        "brier": float(brier_score_loss(y, np.clip(scores, 0, 1))),
        "precision_at_k": precision_at_k(y, scores, k),
    }


def calibration_table(y: np.ndarray, p: np.ndarray) -> list[dict]:
    """Mean predicted vs observed rate in bands of the prediction; the bands are finer at the top,
    where promotions happen (below the median, predictions are all close to zero)."""
    edges = np.unique(np.quantile(p, [0, 0.5, 0.8, 0.9, 0.95, 0.98, 0.99, 1.0]))
    which = np.clip(np.searchsorted(edges, p, side="right") - 1, 0, max(len(edges) - 2, 0))
    return [
        {"bin": int(b), "predicted": float(p[which == b].mean()), "observed": float(y[which == b].mean()), "people": int((which == b).sum())}
        for b in np.unique(which)
    ]


def contributions(model: Pipeline, frame: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Per person and feature: its share of the log-odds away from the average person's.

    Returns (contributions [n, features], base log-odds, feature names): for every row,
    base + contributions.sum() equals the calibrated log-odds (log_odds) exactly.
    """
    prepare, classify = model.named_steps["prepare"], model.named_steps["classify"]
    x = prepare.transform(as_inputs(frame))
    names = list(prepare.get_feature_names_out())
    centre = model.training_mean_  # set by fit_model: the mean transformed row of the training data
    coef = classify.coef_[0]
    a, b = getattr(model, "platt_", (1.0, 0.0))
    per_column = a * (x - centre) * coef
    base = float(a * (classify.intercept_[0] + centre @ coef) + b)
    # Fold indicator and one-hot columns back onto the input they came from.
    owner = [next(f for f in FEATURES if n in (f, f"missingindicator_{f}") or (f in CATEGORICAL and n.startswith(f + "_"))) for n in names]
    grouped = np.column_stack([per_column[:, [i for i, o in enumerate(owner) if o == f]].sum(axis=1) for f in FEATURES])
    return grouped, base, FEATURES


def fit_model(train: pl.DataFrame, label: str = "label") -> Pipeline:
    """Fit on all training snapshots, then calibrate: a Platt scaling (a * log-odds + b) fitted on
    out-of-snapshot predictions (each snapshot predicted by a model fitted on the others). Scaling
    the log-odds keeps the explanations exact: every contribution is simply multiplied by a."""
    model = build_model()
    y = train[label].to_numpy().astype(int)
    model.fit(as_inputs(train), y)
    model.training_mean_ = model.named_steps["prepare"].transform(as_inputs(train)).mean(axis=0)
    dates = train["as_of"].unique().to_list()
    held_out_logit, held_out_y = [], []
    for d in dates if len(dates) >= 2 else []:
        inside, outside = train.filter(pl.col("as_of") != d), train.filter(pl.col("as_of") == d)
        if inside[label].sum() == 0 or inside[label].sum() == inside.height:
            continue
        part = build_model().fit(as_inputs(inside), inside[label].to_numpy().astype(int))
        held_out_logit.append(part.decision_function(as_inputs(outside)))
        held_out_y.append(outside[label].to_numpy().astype(int))
    model.platt_ = (1.0, 0.0)
    if held_out_logit:
        z, t = np.concatenate(held_out_logit), np.concatenate(held_out_y)
        if 0 < t.sum() < len(t):
            platt = LogisticRegression(C=1e6).fit(z.reshape(-1, 1), t)
            model.platt_ = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))
    return model


def log_odds(model: Pipeline, frame: pl.DataFrame) -> np.ndarray:
    a, b = getattr(model, "platt_", (1.0, 0.0))
    return a * model.decision_function(as_inputs(frame)) + b


def predict_probability(model: Pipeline, frame: pl.DataFrame) -> np.ndarray:
    """The calibrated chance of the label."""
    return 1 / (1 + np.exp(-log_odds(model, frame)))


def fairness(frame: pl.DataFrame, selected: np.ndarray, min_group: int = 5) -> list[dict]:
    """Selection rate of the top-k per gender and age band; impact ratio against the best group of
    the same attribute; flagged under 0.8 (the four-fifths rule). Groups under min_group are skipped."""
    audited = frame.select(PROTECTED).with_columns(pl.Series("selected", selected.astype(int)))
    rows = []
    for attribute in PROTECTED:
        groups = audited.group_by(pl.col(attribute).fill_null("unknown").alias("group")).agg(
            pl.len().alias("people"), pl.col("selected").sum().alias("selected")
        ).filter(pl.col("people") >= min_group).with_columns((pl.col("selected") / pl.col("people")).alias("selection_rate"))
        best = groups["selection_rate"].max() or 0
        for g in groups.sort("group").iter_rows(named=True):
            ratio = g["selection_rate"] / best if best else None
            rows.append({"attribute": attribute, "group": g["group"], "people": g["people"], "selected": g["selected"],
                         "selection_rate": g["selection_rate"], "impact_ratio": ratio, "flagged": ratio is not None and ratio < 0.8})
    return rows
