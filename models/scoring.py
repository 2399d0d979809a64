"""Score everyone on the latest snapshot and store scores with their explanations in the database."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl

from pipelines import db

from . import artifacts



def explain(model, frame: pl.DataFrame, top: int = 3, everyone: pl.DataFrame | None = None) -> tuple[np.ndarray, list[str], float]:
    """Probabilities and, per person, a JSON list of the factors that move the score most (up or
    down): feature, value, its percentile among everyone scored (`everyone`, default `frame`: the percentiles of a
    few people re-scored are still among all), and its log-odds contribution."""
    from .potential import contributions  # scikit-learn: imported only when there is a model to score with

    contrib, base, names = contributions(model, frame)
    frame = frame.with_columns(pl.lit(None, pl.String).alias(c) for c in names if c not in frame.columns)
    probability = 1 / (1 + np.exp(-(base + contrib.sum(axis=1))))
    n, keep = frame.height, min(2 * top, len(names))
    values = frame.select(pl.col(c).cast(pl.String) for c in names).to_numpy()
    everyone = frame if everyone is None else everyone.with_columns(
        pl.lit(None, pl.String).alias(c) for c in names if c not in everyone.columns)
    ranked = everyone.select(
        "employee_id",
        *((pl.col(c).rank("average") / pl.col(c).count()).cast(pl.Float64) if everyone.schema[c].is_numeric() else pl.lit(None, pl.Float64).alias(c)
          for c in names))
    if everyone is not frame:
        ranked = frame.select("employee_id").join(ranked, on="employee_id", how="left", maintain_order="left")
    percentile = ranked.select(names).to_numpy()
    order = np.argsort(-np.abs(contrib), axis=1)[:, :keep]
    row, col = np.repeat(np.arange(n), keep), order.ravel()
    long = pl.DataFrame({
        "row": row, "feature": np.asarray(names)[col], "value": values[row, col].tolist(),
        "percentile": np.round(percentile[row, col].astype(float), 3), "contribution": np.round(contrib[row, col], 4),
    }, schema={"row": pl.Int64, "feature": pl.String, "value": pl.String, "percentile": pl.Float64, "contribution": pl.Float64})
    # typed: a few people re-scored whose top factors are all missing would make `value` an object column
    packed = long.group_by("row", maintain_order=True).agg(
        pl.struct("feature", "value", "percentile", "contribution").struct.json_encode().str.join(",").alias("json")
    )
    factors = ("[" + packed["json"] + "]").to_list() if n else []
    return probability, factors, base


INPUTS_SEED = 17  # hash_rows seed: a person's snapshot row as it was when they were scored


def stored_scores(con, table: str) -> pl.DataFrame:
    """A scores table's people with the model version, snapshot and input hash they were scored with, and what they
    were given (empty before the table had hashes)."""
    columns = {r[0] for r in con.sql(f"SELECT column_name FROM duckdb_columns() WHERE table_name = '{table}'").fetchall()}
    if "inputs_hash" not in columns:
        return pl.DataFrame(schema={"employee_id": pl.String, "model_version": pl.String, "as_of": pl.Date,
                                    "inputs_hash": pl.UInt64, "probability": pl.Float64, "factors": pl.String})
    return con.sql(f"SELECT employee_id, model_version, as_of, inputs_hash, probability, factors FROM {table}").pl()


def explain_changed(model, version: str, latest: pl.DataFrame, stored: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Everyone on the latest snapshot with probability and factors: explained afresh for the people whose snapshot
    row changed (or who are new, or were scored by another model version), kept for the others, whose probability
    is the same by construction (their factors' percentiles are as of their last scoring). Returns the frame
    (employee_id, as_of, inputs_hash, probability, factors) and how many were explained."""
    latest = latest.with_columns(latest.hash_rows(seed=INPUTS_SEED).alias("inputs_hash"))
    kept = latest.select("employee_id", "as_of", "inputs_hash").join(
        stored.filter(pl.col("model_version") == version).select("employee_id", "as_of", "inputs_hash", "probability", "factors"),
        on=["employee_id", "as_of", "inputs_hash"], how="inner")
    todo = latest.join(kept.select("employee_id"), on="employee_id", how="anti")
    probability, factors = (explain(model, todo.drop("inputs_hash"), everyone=latest.drop("inputs_hash"))[:2] if todo.height
                            else (np.empty(0), []))
    fresh = todo.select("employee_id", "as_of", "inputs_hash").with_columns(
        pl.Series("probability", probability, dtype=pl.Float64), pl.Series("factors", factors, dtype=pl.String))
    return pl.concat([kept, fresh]).sort("employee_id"), todo.height


def score(db_path: Path, version: str | None = None, everyone: bool = False) -> dict:
    """Score the latest snapshot; only the people whose snapshot row changed since they were scored with this model
    are explained again (`everyone`: all), and every score_percentile is recomputed among all."""
    model, card = artifacts.load(version)
    con = db.connect_read_only(db_path)
    try:
        latest = con.sql("SELECT * FROM analysis_snapshots WHERE as_of = (SELECT max(as_of) FROM analysis_snapshots) ORDER BY employee_id").pl()
        stored = stored_scores(con, "model_scores").clear() if everyone else stored_scores(con, "model_scores")
    finally:
        con.close()
    scored, explained = explain_changed(model, card["version"], latest, stored)
    scores = scored.with_columns(
        pl.lit(card["version"]).alias("model_version"),
        pl.Series("score", np.round(100 * scored["probability"].to_numpy(), 1)),
        (pl.col("probability").rank("average") / pl.len()).alias("score_percentile"))
    with db.write_batch(db_path) as w:
        w.execute("DELETE FROM model_scores")  # the table itself is made by pipelines.db.ensure_schema
        w.register("staged_scores", scores.to_arrow())
        w.execute("""INSERT INTO model_scores (employee_id, model_version, as_of, probability, score, score_percentile, factors, inputs_hash)
                     SELECT employee_id, model_version, as_of, probability, score, score_percentile, factors, inputs_hash FROM staged_scores""")
        w.unregister("staged_scores")
    return {"version": card["version"], "scored": scores.height, "explained": explained,
            "as_of": str(latest["as_of"][0]) if latest.height else None}


def rescore_if_trained(db_path: Path) -> dict | None:
    """After an import: score again with the newest model, if one was ever trained."""
    return score(db_path) if artifacts.versions() else None
