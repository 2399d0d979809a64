"""The potential model as actions: train (and score everyone) and score, for the Model page and `python -m models`;
each records one audit row. Reading the model's cards for the page goes through here too."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from models import artifacts
from models.artifacts import ModelFileError
from models.potential import feature_label
from models.scoring import score as _score
from models.training import NotEnoughHistory, label_column, train as _train
from pipelines.settings import database_path

from . import workspace
from .auth import User
from .permissions import NotAllowed

__all__ = ["train", "score", "versions", "load_card", "feature_label", "NotEnoughHistory", "ModelFileError"]


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
    card = _train(path, label_column(strict), as_of=as_of)
    scored = _score(path, card["version"]) if then_score else None
    detail = f"estimator={card['estimator']}; label={card['label']}; beats_rules={card['beats_rules']}" + (
        f"; scored={scored['scored']}" if scored else "")
    with workspace.write(who, "model_trained", card["version"], detail, path=workspace.workspace_path(path)):
        pass  # the model lives in models/artifacts, its scores in the analysis database: the workspace records who
    return {**card, "scores": scored} if scored else card


@workspace.writes("model_scored")
def score(actor: User | str | None, db_path: str | Path | None = None, version: str | None = None) -> dict:
    """Score everyone with the newest (or a named) model. Raises ModelFileError."""
    who = _who(actor)
    path = database_path(db_path)
    done = _score(path, version)
    with workspace.write(who, "model_scored", done["version"], f"scored={done['scored']}; as_of={done['as_of']}",
                         path=workspace.workspace_path(path)):
        pass
    return done


def versions() -> list[str]:
    """Trained model versions, newest first."""
    return artifacts.versions()


def load_card(version: str) -> dict:
    """A model's card (raises ModelFileError when missing or damaged)."""
    return artifacts.load_card(version)
