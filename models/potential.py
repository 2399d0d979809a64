"""The potential model: plain scikit-learn, importable and testable without Streamlit.

Two estimators are fitted on every training, on the same point-in-time inputs (pipelines/features.py):
- "logistic": a logistic regression (median imputation with missing-value indicators, scaling,
  one-hot categories). Its log-odds split exactly into one contribution per input.
- "boosting": scikit-learn's HistGradientBoostingClassifier (native categories and missing values),
  which learns non-linear effects and interactions. Its log-odds split exactly into one contribution
  per input by path attribution: each split on a person's path through a tree moves the tree's
  expected output (the training-weighted mean of the leaves below) from the parent to the child,
  and the move is credited to the split's input; a tree's moves add up to its leaf minus its root.
Both are Platt-calibrated (a * log-odds + b) on out-of-sample predictions, which keeps the
explanations exact: every contribution is multiplied by a.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import polars as pl
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from pipelines.contracts import check_model_inputs
from pipelines.features import DEFAULT_PROTECTED
from pipelines.intermediate import pool_rule_selection_sql
from pipelines.settings import PoolRules

from .labels import _group_rank, fairness_in_order, feature_label  # noqa: F401  (the page's words: no scikit-learn needed)

# What the snapshots hold about a person that the model may use (when enough people have it).
NUMERIC = [
    "level_at", "tenure_years", "years_since_promotion", "promotions_before",
    "rating_last", "rating_score_last", "rating_avg_3y", "rating_trend_3y", "ratings_count",
    "leadership_hours", "training_hours", "courses_completed", "training_score_avg", "certifications",
    "feedback_others", "feedback_manager", "feedback_peer", "feedback_direct_report", "feedback_leadership", "feedback_self_gap",
    "projects_led", "cross_department_projects", "projects", "largest_team_led",
]
CATEGORICAL = ["department", "location"]
# Self-service profiles keep only their current state, so aspiration and career plan would tell the
# model who has since become a manager: they stay out of the model (the pool rules still use them).
NOT_INPUTS = ["career_aspiration", "career_plan_submitted"]
PROTECTED = list(DEFAULT_PROTECTED)  # audited, never used as inputs; config adds more
ESTIMATORS = ("logistic", "boosting")
ESTIMATOR_NAMES = {
    "logistic": "logistic regression (median imputation with missing-value indicators, scaling, one-hot categories)",
    "boosting": "gradient-boosted trees (scikit-learn HistGradientBoostingClassifier, native categories and missing values), explained by path attribution",
}
MIN_SHARE = 0.05  # an input is used when at least this share of the training rows has it
# Below this many rows the trees are fitted and applied on one thread: OpenMP's thread start-up and
# waiting cost more than they save there (many times more on a busy machine).
ONE_THREAD_BELOW = 20_000


def _threads(rows: int):
    return threadpool_limits(1) if rows < ONE_THREAD_BELOW else threadpool_limits(None)


@dataclass(frozen=True)
class Inputs:
    numeric: tuple[str, ...]
    categorical: tuple[str, ...]

    @property
    def features(self) -> list[str]:
        return [*self.numeric, *self.categorical]


def choose_inputs(frame: pl.DataFrame, attributes: pl.DataFrame | None = None, protected=(), min_share: float = MIN_SHARE) -> tuple[Inputs, dict]:
    """Every column the snapshots hold that enough people have, except protected ones and non-inputs.
    Returns the inputs and, per column left out, the reason."""
    protected = {*PROTECTED, *protected}
    candidates: list[tuple[str, str]] = [(c, "numeric") for c in NUMERIC] + [(c, "category") for c in CATEGORICAL]
    left_out: dict[str, str] = {}
    if attributes is not None and attributes.height:
        for a in attributes.iter_rows(named=True):
            if a["protected"] or a["column_name"].removeprefix("attr_") in protected:
                left_out[a["column_name"]] = "protected attribute: audited, never an input"
            elif not a["in_snapshots"]:
                left_out[a["column_name"]] = "beyond the most widely held attributes"
            else:
                candidates.append((a["column_name"], a["kind"]))
    numeric, categorical = [], []
    n = max(frame.height, 1)
    for column, kind in candidates:
        if column not in frame.columns or column in protected:
            continue
        values = frame[column]
        share = 1 - values.null_count() / n
        if share < min_share:
            left_out[column] = f"only {share:.1%} of the training rows have it (at least {min_share:.0%} needed)"
        elif values.drop_nulls().n_unique() < 2:
            left_out[column] = "the same for everyone"
        else:
            (numeric if kind == "numeric" else categorical).append(column)
    return Inputs(tuple(numeric), tuple(categorical)), left_out


def model_inputs(model) -> Inputs:
    return Inputs(tuple(model.numeric_), tuple(model.categorical_))


def as_inputs(inputs: Inputs | object, frame: pl.DataFrame):
    """The input table (Polars: scikit-learn's ColumnTransformer selects its columns by name), its contract checked."""
    if not isinstance(inputs, Inputs):
        inputs = model_inputs(inputs)
    x = frame.select(
        *[pl.col(c).cast(pl.Float64) if c in frame.columns else pl.lit(None, pl.Float64).alias(c) for c in inputs.numeric],
        *[pl.col(c).cast(pl.String).fill_null("unknown") if c in frame.columns else pl.lit("unknown").alias(c) for c in inputs.categorical],
    )
    check_model_inputs(x, list(inputs.numeric), list(inputs.categorical))
    return x


def build_estimator(kind: str, inputs: Inputs, rows: int = 10_000, C: float = 0.5) -> Pipeline:
    num, cat = list(inputs.numeric), list(inputs.categorical)
    if kind == "logistic":
        numeric = Pipeline([("impute", SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True)), ("scale", StandardScaler())])
        parts = [("num", numeric, num)] + ([("cat", OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5, sparse_output=False), cat)] if cat else [])
        return Pipeline([("prepare", ColumnTransformer(parts, verbose_feature_names_out=False)),
                         ("classify", LogisticRegression(C=C, max_iter=2000))])
    if kind == "boosting":
        # The identity scaler keeps missing values for the trees (skops-safe, unlike "passthrough").
        ordinal = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan, min_frequency=5, max_categories=60)
        parts = [("num", StandardScaler(with_mean=False, with_std=False), num)] + ([("cat", ordinal, cat)] if cat else [])
        classify = HistGradientBoostingClassifier(
            learning_rate=0.08 if rows >= 2000 else 0.1, max_iter=300 if rows >= 2000 else 100, max_leaf_nodes=15, min_samples_leaf=int(min(40, max(5, rows // 100))),
            l2_regularization=1.0, categorical_features=list(range(len(num), len(num) + len(cat))) or None,
            early_stopping=rows >= 2000, validation_fraction=0.15, n_iter_no_change=20, random_state=0)
        return Pipeline([("prepare", ColumnTransformer(parts, verbose_feature_names_out=False)), ("classify", classify)])
    raise ValueError(f"unknown estimator '{kind}' (one of {', '.join(ESTIMATORS)})")


def fit_estimator(kind: str, inputs: Inputs, frame: pl.DataFrame, y: np.ndarray) -> Pipeline:
    # An input without two distinct values in these rows (e.g. in one fold) teaches nothing and trips the binning.
    varies = {c for c in inputs.features if c in frame.columns and frame[c].drop_nulls().n_unique() >= 2}
    inputs = Inputs(tuple(c for c in inputs.numeric if c in varies), tuple(c for c in inputs.categorical if c in varies))
    model = build_estimator(kind, inputs, rows=frame.height)
    x = as_inputs(inputs, frame)
    with _threads(frame.height):
        model.fit(x, y)
    model.kind_, model.numeric_, model.categorical_ = kind, list(inputs.numeric), list(inputs.categorical)
    model.platt_ = (1.0, 0.0)
    if kind == "logistic":  # the mean transformed training row: the "average person" explanations start from
        model.training_mean_ = model.named_steps["prepare"].transform(x).mean(axis=0)
    else:
        model.tree_values_ = [_expected_node_values(p[0].nodes) for p in model.named_steps["classify"]._predictors]
    return model


def _expected_node_values(nodes: np.ndarray) -> np.ndarray:
    """Each node's expected output: leaves as fitted, a split the training-weighted mean of its two
    children (children always have higher indices than their parent)."""
    value = nodes["value"].astype(float).copy()
    count = nodes["count"].astype(float)
    for i in range(len(nodes) - 1, -1, -1):
        if not nodes["is_leaf"][i]:
            left, right = nodes["left"][i], nodes["right"][i]
            total = count[left] + count[right]
            value[i] = (count[left] * value[left] + count[right] * value[right]) / total if total else 0.5 * (value[left] + value[right])
    return value


def raw_log_odds(model: Pipeline, frame: pl.DataFrame) -> np.ndarray:
    with _threads(frame.height):
        return model.decision_function(as_inputs(model, frame))


def log_odds(model: Pipeline, frame: pl.DataFrame) -> np.ndarray:
    a, b = getattr(model, "platt_", (1.0, 0.0))
    return a * raw_log_odds(model, frame) + b


def predict_probability(model: Pipeline, frame: pl.DataFrame) -> np.ndarray:
    """The calibrated chance of the label."""
    return 1 / (1 + np.exp(-log_odds(model, frame)))


def contributions(model: Pipeline, frame: pl.DataFrame) -> tuple[np.ndarray, float, list[str]]:
    """Per person and input: its share of the calibrated log-odds away from the average person's.

    Returns (contributions [n, inputs], base log-odds, input names): for every row,
    base + contributions.sum() equals log_odds exactly.
    """
    names = model_inputs(model).features
    prepare = model.named_steps["prepare"]
    x = prepare.transform(as_inputs(model, frame))
    a, b = getattr(model, "platt_", (1.0, 0.0))
    if getattr(model, "kind_", "logistic") == "logistic":
        classify = model.named_steps["classify"]
        coef, centre = classify.coef_[0], model.training_mean_
        per_column = a * (x - centre) * coef
        base = float(a * (classify.intercept_[0] + centre @ coef) + b)
        columns = list(prepare.get_feature_names_out())
        owner = [max((f for f in names if n in (f, f"missingindicator_{f}") or n.startswith(f + "_")), key=len) for n in columns]
        grouped = np.column_stack([per_column[:, [i for i, o in enumerate(owner) if o == f]].sum(axis=1) for f in names]) \
            if names else np.zeros((frame.height, 0))
        return grouped, base, names
    contrib, root = _path_contributions(model, np.asarray(x, dtype=float))
    base = float(a * root + b)
    return a * contrib, base, names  # the transformed columns are the inputs, in order


def _path_contributions(model: Pipeline, x: np.ndarray) -> tuple[np.ndarray, float]:
    """Path attribution for the boosted trees: (contributions [n, columns], expected raw output)."""
    classify = model.named_steps["classify"]
    n, p = x.shape
    order = np.arange(p)
    if getattr(classify, "_preprocessor", None) is not None:  # the trees re-encode categories and put them first
        pre = classify._preprocessor
        order = np.concatenate([np.flatnonzero(np.asarray(cols)) if np.asarray(cols).dtype == bool else np.asarray(cols, dtype=int)
                                for _, t, cols in pre.transformers_ if not (isinstance(t, str) and t == "drop")])
        x = np.asarray(pre.transform(x), dtype=float)
    contrib = np.zeros((n, x.shape[1]))
    root = float(np.ravel(classify._baseline_prediction)[0])
    rows = np.arange(n)
    for (predictor,), values in zip(classify._predictors, model.tree_values_):
        nodes = predictor.nodes
        bitsets = predictor.raw_left_cat_bitsets
        root += values[0]
        node = np.zeros(n, dtype=np.int64)
        active = ~nodes["is_leaf"][node].astype(bool)
        while active.any():
            r, here = rows[active], node[active]
            feature = nodes["feature_idx"][here]
            value = x[r, feature]
            missing = np.isnan(value)
            go_left = np.where(missing, nodes["missing_go_to_left"][here].astype(bool), value <= nodes["num_threshold"][here])
            categorical = nodes["is_categorical"][here].astype(bool) & ~missing
            if categorical.any():
                code = value[categorical].astype(np.int64)
                words = bitsets[nodes["bitset_idx"][here][categorical], code // 32]
                go_left[categorical] = ((words >> (code % 32).astype(np.uint32)) & 1).astype(bool)
            child = np.where(go_left, nodes["left"][here], nodes["right"][here]).astype(np.int64)
            np.add.at(contrib, (r, feature), values[child] - values[here])
            node[active] = child
            active = ~nodes["is_leaf"][node].astype(bool)
    back = np.zeros((n, p))
    back[:, order] = contrib
    return back, root


# --- evaluation ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Split:
    train: pl.DataFrame
    test: pl.DataFrame
    test_as_of: object


def closed_snapshot_dates(snapshots: pl.DataFrame) -> list:
    return sorted(snapshots.filter(pl.col("label_complete"))["as_of"].unique().to_list())


def time_split(snapshots: pl.DataFrame, horizon_years: int = 1) -> Split:
    """Test on the most recent snapshot whose label window has closed; train on the snapshots whose
    label windows closed by the time the test snapshot was taken (so no training label comes from
    the test period)."""
    complete = snapshots.filter(pl.col("label_complete"))
    dates = closed_snapshot_dates(snapshots)
    if len(dates) < 2:
        raise ValueError("need at least two snapshots with a complete label window for a time split")
    test_as_of = dates[-1]
    train_dates = [d for d in dates if d.replace(year=d.year + horizon_years) <= test_as_of]
    if not train_dates:
        raise ValueError("no snapshot's label window closed before the most recent one was taken")
    return Split(train=complete.filter(pl.col("as_of").is_in(train_dates)), test=complete.filter(pl.col("as_of") == test_as_of), test_as_of=test_as_of)


def folds(frame: pl.DataFrame, y: np.ndarray, n_folds: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """Validation folds inside a training set: one per snapshot when there are two or more (each
    predicted by the others), otherwise stratified k-fold (one row per person in a snapshot, so a
    person is never in two folds)."""
    dates = frame["as_of"].to_numpy()
    unique = np.unique(dates)
    if len(unique) >= 2:
        found = [(np.flatnonzero(dates != d), np.flatnonzero(dates == d)) for d in unique]
        found = [(tr, te) for tr, te in found if 0 < y[tr].sum() < len(tr)]
        if found:
            return found
    k = int(min(n_folds, y.sum(), len(y) - y.sum()))
    if k < 2:
        return []
    return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))


def out_of_fold_log_odds(kind: str, inputs: Inputs, frame: pl.DataFrame, y: np.ndarray, splits) -> np.ndarray:
    """Raw log-odds for each row from a model that did not see it (NaN where no fold predicts it)."""
    out = np.full(len(y), np.nan)
    for train_idx, test_idx in splits:
        model = fit_estimator(kind, inputs, frame[train_idx], y[train_idx])
        out[test_idx] = raw_log_odds(model, frame[test_idx])
    return out


def platt(z: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    ok = ~np.isnan(z)
    if ok.sum() == 0 or not 0 < y[ok].sum() < ok.sum():
        return (1.0, 0.0)
    fitted = LogisticRegression(C=1e6).fit(z[ok].reshape(-1, 1), y[ok])
    return (float(fitted.coef_[0, 0]), float(fitted.intercept_[0]))


def choose_estimator(estimators, inputs: Inputs, frame: pl.DataFrame, y: np.ndarray, splits) -> tuple[dict, str]:
    """Both models' choice of estimator: each one's out-of-fold log-odds on the training rows (`oof`) and their
    average precision; the chosen one has the best (logistic on a tie, either one when none can be measured)."""
    candidates = {}
    for name in estimators:
        oof = out_of_fold_log_odds(name, inputs, frame, y, splits)
        ok = ~np.isnan(oof)
        validation_ap = metrics(y[ok], oof[ok], 1)["average_precision"] if ok.any() and y[ok].sum() else float("nan")
        candidates[name] = {"oof": oof, "validation_average_precision": validation_ap}
    chosen = max(candidates, key=lambda n: (np.nan_to_num(candidates[n]["validation_average_precision"], nan=-1.0), n == "logistic"))
    return candidates, chosen


def fit_candidates(candidates: dict, chosen: str, inputs: Inputs, train_rows: pl.DataFrame, y_train: np.ndarray,
                   test_rows: pl.DataFrame | None) -> Pipeline:
    """Platt-calibrate each candidate on its out-of-fold log-odds and set its `p`, the chance it predicts for the evaluated
    rows: the test snapshot (time split; each one fitted on all training rows) or, in cross-validation, its calibrated
    out-of-fold predictions. Returns the chosen estimator fitted on all training rows, its calibration in `platt_`."""
    model = None
    for name, c in candidates.items():
        calibration = platt(c["oof"], y_train)
        if test_rows is not None or name == chosen:
            fitted = fit_estimator(name, inputs, train_rows, y_train)
            fitted.platt_ = calibration
            if name == chosen:
                model = fitted
        if test_rows is not None:
            c["p"] = predict_probability(fitted, test_rows)
        else:  # cross-validation: the out-of-fold predictions, calibrated
            a, b = calibration
            c["p"] = 1 / (1 + np.exp(-(a * np.nan_to_num(c["oof"]) + b)))
    return model


def estimator_card(evaluation: str, definition: str, folds: int, chosen: str, estimator_metrics: dict, model: Pipeline,
                   inputs: Inputs) -> dict:
    """The model card's account of how its estimator was chosen, tested and calibrated (both models train alike)."""
    return {
        "evaluation": evaluation,
        "evaluation_definition": definition,
        "folds": folds,
        "estimator": chosen,
        "estimator_definition": ESTIMATOR_NAMES[chosen] + ", Platt-calibrated on out-of-sample predictions",
        "chosen_by": "validation average precision (out-of-sample predictions inside the training data)",
        "estimators": estimator_metrics,
        "platt": list(model.platt_),
        "features": inputs.features,
        "categorical_features": list(inputs.categorical),
    }


def fit_model(train: pl.DataFrame, label: str = "label", kind: str = "logistic", inputs: Inputs | None = None,
              n_folds: int = 5, oof: np.ndarray | None = None) -> Pipeline:
    """Fit one estimator on all training rows and calibrate it on out-of-sample predictions
    (each snapshot predicted by a model fitted on the others, or k-fold within one snapshot)."""
    y = train[label].to_numpy().astype(int)
    inputs = inputs or choose_inputs(train)[0]
    if oof is None:
        oof = out_of_fold_log_odds(kind, inputs, train, y, folds(train, y, n_folds))
    model = fit_estimator(kind, inputs, train, y)
    model.platt_ = platt(oof, y)
    return model


# --- measures -------------------------------------------------------------------------------

def rules_flags(frame: pl.DataFrame, rules: PoolRules | float, scope: str = "company", require_management: bool = True,
                require_plan: bool = True) -> np.ndarray:
    """The pool rules on a snapshot: the same selection as the analysis tables and the overview's funnel
    (pipelines.intermediate.pool_rule_selection_sql) on the snapshot's point-in-time inputs
    (performance_index, has_management_experience, career_plan_submitted). `rules`: the configured
    PoolRules, or a top-performance share with the other rules as arguments."""
    if not isinstance(rules, PoolRules):
        rules = PoolRules(float(rules), scope, require_management, require_plan)
    if not frame.height:
        return np.zeros(0, dtype=bool)
    con = duckdb.connect()
    try:
        snap = frame.select("employee_id", "department", "performance_index", "has_management_experience", "career_plan_submitted") \
            .with_row_index("_row")
        con.register("snap", snap.to_arrow())
        got = con.sql(f"SELECT _row, meets_pool_rules FROM ({pool_rule_selection_sql('snap', rules, eligible='TRUE')}) ORDER BY _row").pl()
    finally:
        con.close()
    return got["meets_pool_rules"].to_numpy().astype(bool)


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


def protected_columns(frame: pl.DataFrame, attributes: pl.DataFrame | None = None, protected=()) -> list[str]:
    """Every protected attribute the frame holds: gender, age band, protected employee attributes."""
    names = {*PROTECTED, *protected}
    found = [c for c in ("gender", "age_band", "ethnicity") if c in frame.columns and c in names]
    if attributes is not None and attributes.height:
        found += [a["column_name"] for a in attributes.iter_rows(named=True)
                  if (a["protected"] or a["column_name"].removeprefix("attr_") in names) and a["column_name"] in frame.columns]
    return [c for c in dict.fromkeys(found) if frame[c].null_count() < frame.height]


def fairness(frame: pl.DataFrame, selected: np.ndarray, min_group: int = 5, attributes: list[str] | None = None) -> list[dict]:
    """Selection rate of the top-k per group of every protected attribute; impact ratio against the
    best group of the same attribute; flagged under 0.8 (the four-fifths rule). Numeric attributes
    are audited in quartile bands. Groups under min_group are skipped."""
    attributes = attributes if attributes is not None else [c for c in ("gender", "age_band") if c in frame.columns]
    rows = []
    for attribute in attributes:
        column = frame[attribute]
        if column.dtype.is_numeric() and column.drop_nulls().n_unique() > 8:
            edges = np.unique(np.nanquantile(column.cast(pl.Float64).to_numpy(), [0, 0.25, 0.5, 0.75, 1.0]))
            labels = [f"{edges[i]:g}–{edges[i + 1]:g}" for i in range(len(edges) - 1)]
            which = np.clip(np.searchsorted(edges, column.cast(pl.Float64).to_numpy(), side="right") - 1, 0, len(labels) - 1)
            column = pl.Series([labels[w] if v is not None else None for w, v in zip(which, column.to_list())], dtype=pl.String)
        audited = pl.DataFrame({"group": column.cast(pl.String).fill_null("unknown"), "selected": selected.astype(int)})
        groups = audited.group_by("group").agg(pl.len().alias("people"), pl.col("selected").sum().alias("selected")) \
            .filter(pl.col("people") >= min_group).with_columns((pl.col("selected") / pl.col("people")).alias("selection_rate"))
        best = groups["selection_rate"].max() or 0
        for g in groups.iter_rows(named=True):
            ratio = g["selection_rate"] / best if best else None
            rows.append({"attribute": attribute.removeprefix("attr_"), "group": g["group"], "people": g["people"], "selected": g["selected"],
                         "selection_rate": g["selection_rate"], "impact_ratio": ratio, "flagged": ratio is not None and ratio < 0.8})
    return fairness_in_order(rows)


