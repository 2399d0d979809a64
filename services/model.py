"""The potential model as actions: train (and score everyone) and score, for the Model page and `python -m models`;
each records one audit row. Reading the model's cards for the page goes through here too."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from models import artifacts
from models.artifacts import ModelFileError, NotEnoughHistory
from models.labels import fairness_in_order, feature_label
from models.scoring import score as _score
from pipelines.settings import database_path

from . import workspace
from .auth import User
from .permissions import NotAllowed

__all__ = ["train", "score", "versions", "load_card", "evidence", "Evidence", "feature_label", "NotEnoughHistory", "ModelFileError",
           "MIN_TOP_GROUP", "MIN_TEST_POSITIVES"]

# Under these, a comparison with the pool rules is chance: the page says so instead of naming a winner.
MIN_TOP_GROUP = 10  # people the top-k figures are measured on (k, the number the pool rules select)
MIN_TEST_POSITIVES = 20  # people promoted among those the evaluation tested


def _who(actor: User | str | None) -> str | None:
    if isinstance(actor, User):
        if not actor.can("manage_data"):
            raise NotAllowed(f"Your role ({actor.role}) may not train or apply the model.")
        return actor.username
    return actor


@workspace.writes("model_trained")
def train(actor: User | str | None, db_path: str | Path | None = None, *, strict: bool = False, as_of: date | None = None,
          then_score: bool = True) -> dict:
    """Train on the database's snapshots (compared with the pool rules on the hold-out) and, unless told not to, score
    everyone with the new model. Returns the model card (plus `scores` when scored). Raises NotEnoughHistory."""
    who = _who(actor)
    path = database_path(db_path)
    from models.training import label_column, train as _train  # scikit-learn only where a model is trained

    card = _train(path, label_column(strict), as_of=as_of)
    scored = _score(path, card["version"]) if then_score else None
    detail = f"estimator={card['estimator']}; label={card['label']}; beats_rules={card['beats_rules']}" + (
        f"; scored={scored['scored']}" if scored else "")
    with workspace.write(who, "model_trained", card["version"], detail, path=workspace.location(db_path=path)):
        pass  # the model lives in models/artifacts, its scores in the analysis database: the workspace records who
    return {**card, "scores": scored} if scored else card


@workspace.writes("model_scored")
def score(actor: User | str | None, db_path: str | Path | None = None, version: str | None = None) -> dict:
    """Score everyone with the newest (or a named) model. Raises ModelFileError."""
    who = _who(actor)
    path = database_path(db_path)
    done = _score(path, version)
    with workspace.write(who, "model_scored", done["version"], f"scored={done['scored']}; as_of={done['as_of']}",
                         path=workspace.location(db_path=path)):
        pass
    return done


def versions() -> list[str]:
    """Trained model versions, newest first."""
    return artifacts.versions()


def load_card(version: str) -> dict:
    """A model's card (raises ModelFileError when missing or damaged); its fairness table in reading order."""
    card = artifacts.load_card(version)
    return {**card, "fairness": fairness_in_order(card.get("fairness") or [])}


@dataclass(frozen=True)
class Evidence:
    """What a card's evaluation can claim. verdict: 'beats' | 'does_not_beat' | 'too_few' (too few cases to say either)."""
    verdict: str
    top_group: int  # k
    positives: int  # promoted people in the test
    top_group_too_small: bool
    positives_too_few: bool


def evidence(card: dict) -> Evidence:
    """The card's claim against the pool rules, withheld when the test had too few cases: a top-k share on fewer than
    MIN_TOP_GROUP people, or fewer than MIN_TEST_POSITIVES promoted people, cannot tell a better ranking from luck."""
    k, positives = int(card.get("k") or 0), int(card.get("test_positives") or 0)
    small, few = k < MIN_TOP_GROUP, positives < MIN_TEST_POSITIVES
    verdict = "too_few" if small or few else ("beats" if card.get("beats_rules") else "does_not_beat")
    return Evidence(verdict, k, positives, small, few)
