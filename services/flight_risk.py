"""Flight risk (issue #16): the flight-risk model as actions (train, score; each one audit row) and its scores, read
within a department scope.

The model (models/flight_risk.py) writes `flight_risk_scores` in the analysis database: per person the calibrated
chance of leaving voluntarily within 12 months (`probability`), its band (`risk_band`: low / medium / high, decided by
the model when it scores, never again here) and its reasons (`factors`, JSON). Everyone reads them through here.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from models import flight_risk as _model  # no scikit-learn at import: it loads only where a model is trained
from models.artifacts import ModelFileError, NotEnoughHistory
from pipelines.settings import database_path

from . import factors as _factors, workspace
from .auth import User
from .i18n import t
from .permissions import NotAllowed
from .queries import scope_condition

__all__ = ["RISK_BANDS", "scores", "for_person", "at_risk_high_potentials", "train_flight_risk", "score_flight_risk", "versions",
           "load_card", "rescore_if_trained", "NotEnoughHistory", "ModelFileError"]

Scope = tuple[str, ...] | None
RISK_BANDS = ("low", "medium", "high")
SCORE_SCHEMA = {"employee_id": pl.String, "department": pl.String, "probability": pl.Float64, "risk_band": pl.String,
                "factors": pl.String}
REASONS = 3  # the reasons a person's page shows, the strongest first


def scores(cur: duckdb.DuckDBPyConnection, scope: Scope = None, department: str | None = None,
           employee_ids: list[str] | None = None) -> pl.DataFrame:
    """employee_id, department (current), probability, risk_band, factors of everyone scored within scope (only
    `employee_ids` when given: a page needing a few people does not read 100,000)."""
    where, params = scope_condition(scope, department, "d.department")
    if employee_ids is not None:
        where, params = f"{where} AND f.employee_id IN (SELECT unnest(?::VARCHAR[]))", [*params, list(employee_ids)]
    return cur.sql(
        f"""SELECT f.employee_id, d.department, f.probability, f.risk_band, f.factors
            FROM flight_risk_scores f JOIN person_department d USING (employee_id)
            WHERE {where} ORDER BY f.employee_id""", params=params).pl().cast(SCORE_SCHEMA)


def source(cur: duckdb.DuckDBPyConnection) -> tuple[str | None, object]:
    """The model version and as-of date of the scores (None, None before any scoring): a figure's source line."""
    found = cur.sql("SELECT model_version, max(as_of) FROM flight_risk_scores GROUP BY ALL ORDER BY 2 DESC LIMIT 1").fetchall()
    return found[0] if found else (None, None)


# --- actions ----------------------------------------------------------------------------------------------------

def _who(actor: User | str | None) -> str | None:
    if isinstance(actor, User):
        if not actor.can("manage_data"):
            raise NotAllowed(f"Your role ({actor.role}) may not train or apply the flight-risk model.")
        return actor.username
    return actor


@workspace.writes("flight_risk_trained")
def train_flight_risk(actor: User | str | None, db_path: str | Path | None = None, *, as_of: date | None = None,
                      then_score: bool = True) -> dict:
    """Train the flight-risk model (evaluated against the tenure-only baseline) and, unless told not to, score everyone
    with it. Returns the card (plus `scores` when scored). Raises NotEnoughHistory (the message says how many voluntary
    exits were found and how many are needed)."""
    who = _who(actor)
    path = database_path(db_path)
    card = _model.train(path, as_of=as_of)
    scored = _model.score(path, card["version"]) if then_score else None
    m, b = card["metrics"]["model"], card["metrics"]["tenure_baseline"]
    detail = (f"estimator={card['estimator']}; auc={m['roc_auc']:.3f}; baseline_auc={b['roc_auc']:.3f}; exits={card['train_positives']}"
              + (f"; scored={scored['scored']}; high={scored['bands']['high']}" if scored else ""))
    with workspace.write(who, "flight_risk_trained", card["version"], detail, path=workspace.location(db_path=path)):
        pass  # the model lives beside the potential model's, its scores in the analysis database: the workspace records who
    return {**card, "scores": scored} if scored else card


@workspace.writes("flight_risk_scored")
def score_flight_risk(actor: User | str | None, db_path: str | Path | None = None, version: str | None = None) -> dict:
    """Score everyone with the newest (or a named) flight-risk model. Raises ModelFileError."""
    who = _who(actor)
    path = database_path(db_path)
    done = _model.score(path, version)
    with workspace.write(who, "flight_risk_scored", done["version"], f"scored={done['scored']}; high={done['bands']['high']}; "
                         f"as_of={done['as_of']}", path=workspace.location(db_path=path)):
        pass
    return done


def rescore_if_trained(db_path: str | Path) -> dict | None:
    """After an import (services.imports): score again with the newest flight-risk model, if one was ever trained."""
    return _model.rescore_if_trained(Path(db_path))


def versions() -> list[str]:
    """Trained flight-risk model versions, newest first."""
    return _model.versions()


def load_card(version: str) -> dict:
    """A flight-risk model's card (raises ModelFileError when missing or damaged)."""
    return _model.load_card(version)


# --- reads for the pages ----------------------------------------------------------------------------------------

def reasons_in_words(factors: str | None, top: int = REASONS, language: str | None = None) -> list[dict]:
    """A person's strongest reasons, in words (`language`, else the reader's): [{feature, raises, line, text}] (raises:
    the reason makes leaving likelier; line: the input, its value and where it stands; text: the line and its direction)."""
    return [{"feature": feature, "raises": contribution > 0, "line": line,
             "text": t("flight_risk.reason_raises" if contribution > 0 else "flight_risk.reason_lowers", language, reason=line)}
            for feature, contribution, line in _factors.lines(factors, language).head(top).iter_rows()]


def for_person(cur: duckdb.DuckDBPyConnection, scope: Scope, employee_id: str, language: str | None = None) -> dict | None:
    """One person's flight risk within scope: probability, risk_band, as_of, model_version and `reasons` in words
    (`language`: also keys the page's cache); None when the person is not scored or outside scope."""
    where, params = scope_condition(scope, None, "d.department")
    found = cur.sql(f"""SELECT f.employee_id, f.probability, f.risk_band, f.as_of, f.model_version, f.factors
                        FROM flight_risk_scores f JOIN person_department d USING (employee_id)
                        WHERE f.employee_id = ? AND {where}""", params=[employee_id, *params]).fetchall()
    if not found:
        return None
    employee, probability, band, as_of, version, factors = found[0]
    return {"employee_id": employee, "probability": probability, "risk_band": band, "as_of": as_of, "model_version": version,
            "reasons": reasons_in_words(factors, language=language)}


AT_RISK_SCHEMA = {"employee_id": pl.String, "name": pl.String, "department": pl.String, "position": pl.String,
                  "potential_value": pl.Float64, "probability": pl.Float64, "risk_band": pl.String, "reasons": pl.String,
                  "listed_of": pl.Int64}
AT_RISK_LISTED = 100  # the likeliest to leave first; a company of 100,000 can hold thousands, more than a meeting can act on


def at_risk_high_potentials(cur: duckdb.DuckDBPyConnection, scope: Scope = None, department: str | None = None,
                            language: str | None = None, limit: int = AT_RISK_LISTED) -> pl.DataFrame:
    """The at-risk high potentials within scope: the top potential band (view potential_band, its one definition) and the
    high flight-risk band, the `limit` likeliest to leave first (`listed_of`: how many there are in all); `reasons`: the
    reasons that raise their risk, in words."""
    where, params = scope_condition(scope, department, "d.department")
    found = cur.sql(
        f"""SELECT f.employee_id, a.name, d.department, a.position, b.potential_value, f.probability, f.risk_band, f.factors,
                   count(*) OVER () AS listed_of
            FROM flight_risk_scores f JOIN potential_band b USING (employee_id) JOIN person_department d USING (employee_id)
            JOIN analysis_employee a USING (employee_id)
            WHERE b.potential = 'high' AND f.risk_band = 'high' AND {where}
            ORDER BY f.probability DESC, f.employee_id LIMIT ?""", params=[*params, int(limit)]).pl()
    # at most `limit` people: each one's reasons are said in words (the catalogue's sentences, not SQL)
    reasons = [t("flight_risk.reason_separator", language).join(r["line"] for r in reasons_in_words(f, language=language) if r["raises"])
               for f in found["factors"]]
    return found.drop("factors").with_columns(pl.Series("reasons", reasons, dtype=pl.String)).cast(AT_RISK_SCHEMA)
