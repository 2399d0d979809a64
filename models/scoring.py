"""Score everyone on the latest snapshot and store scores with their explanations in the database."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from pipelines import db

from . import artifacts



def explain(model, frame: pl.DataFrame, top: int = 3) -> tuple[np.ndarray, list[str], float]:
    """Probabilities and, per person, a JSON list of the factors that move the score most (up or
    down): feature, value, its percentile among everyone scored, and its log-odds contribution."""
    from .potential import contributions  # scikit-learn: imported only when there is a model to score with

    contrib, base, names = contributions(model, frame)
    frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in names if c not in frame.columns)
    probability = 1 / (1 + np.exp(-(base + contrib.sum(axis=1))))
    n, keep = frame.height, min(2 * top, len(names))
    values = frame.select(pl.col(c).cast(pl.String) for c in names).to_numpy()
    percentile = frame.with_columns(
        (pl.col(c).rank("average") / pl.col(c).count()).cast(pl.Float64) if frame.schema[c].is_numeric() else pl.lit(None, pl.Float64).alias(c)
        for c in names
    ).select(names).to_numpy()
    order = np.argsort(-np.abs(contrib), axis=1)[:, :keep]
    row, col = np.repeat(np.arange(n), keep), order.ravel()
    long = pl.DataFrame({
        "row": row, "feature": np.asarray(names)[col], "value": values[row, col],
        "percentile": np.round(percentile[row, col].astype(float), 3), "contribution": np.round(contrib[row, col], 4),
    })
    packed = long.group_by("row", maintain_order=True).agg(
        pl.struct("feature", "value", "percentile", "contribution").struct.json_encode().str.join(",").alias("json")
    )
    factors = ("[" + packed["json"] + "]").to_list() if n else []
    return probability, factors, base


def score(db_path: Path, version: str | None = None) -> dict:
    model, card = artifacts.load(version)
    con = db.connect_read_only(db_path)
    try:
        latest = con.sql("SELECT * FROM analysis_snapshots WHERE as_of = (SELECT max(as_of) FROM analysis_snapshots) ORDER BY employee_id").pl()
    finally:
        con.close()
    probability, factors, _ = explain(model, latest)
    scores = latest.select("employee_id", "as_of").with_columns(
        pl.lit(card["version"]).alias("model_version"),
        pl.Series("probability", probability),
        pl.Series("score", np.round(100 * probability, 1)),
        pl.Series("factors", factors),
    ).with_columns((pl.col("probability").rank("average") / pl.len()).alias("score_percentile"))
    with db.write_batch(db_path) as w:
        w.execute("DELETE FROM model_scores")  # the table itself is made by pipelines.db.ensure_schema
        w.register("staged_scores", scores.to_arrow())
        w.execute("INSERT INTO model_scores SELECT employee_id, model_version, as_of, probability, score, score_percentile, factors FROM staged_scores")
        w.unregister("staged_scores")
    return {"version": card["version"], "scored": scores.height, "as_of": str(latest["as_of"][0]) if latest.height else None}


def rescore_if_trained(db_path: Path) -> dict | None:
    """After an import: score again with the newest model, if one was ever trained."""
    return score(db_path) if artifacts.versions() else None
