"""Versioned model artifacts: models/artifacts/<version>/ holds model.skops and card.json.

skops, not pickle: loading refuses any type outside scikit-learn's and numpy's trusted set.
"""
from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path


class NotEnoughHistory(Exception):
    """Too little history to train; the app falls back to the transparent score."""


# Beyond skops' defaults, the types our pipelines need: OneHotEncoder's dtype parameter, the boosted
# trees' fitted predictors, and the input check the trees' own category encoder wraps (a partial of
# scikit-learn's check_array; skops still refuses a partial of any function not listed here).
EXTRA_TRUSTED = {"numpy.dtype", "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
                 "functools.partial", "sklearn.utils.validation.check_array"}
ARTIFACTS = Path(os.environ.get("TALENT_MODELS", Path(__file__).resolve().parent / "artifacts"))


class ModelFileError(Exception):
    """A missing, damaged or untrusted model file; the message says which and what to do."""


def artifacts_dir() -> Path:
    return Path(os.environ.get("TALENT_MODELS", ARTIFACTS))


def versions(root: Path | None = None) -> list[str]:
    """Trained versions in `root` (the potential model's folder unless another model's is named), newest first."""
    root = root or artifacts_dir()
    return sorted((p.name for p in root.iterdir() if (p / "card.json").is_file()), reverse=True) if root.is_dir() else []


def new_version(root: Path) -> str:
    """A new model's version: the time it was trained, made unique in `root` (two trained within a second)."""
    version = datetime.now().strftime("%Y%m%d-%H%M%S")
    while (root / version).exists():
        version += "x"
    return version


def save(model, card: dict, root: Path | None = None) -> Path:
    folder = (root or artifacts_dir()) / card["version"]
    folder.mkdir(parents=True, exist_ok=False)
    import skops.io as sio  # (with scikit-learn) ~3 s to import: only where a model is written or read

    sio.dump(model, folder / "model.skops")
    (folder / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return folder


def load_card(version: str, root: Path | None = None, command: str = "python -m models train") -> dict:
    path = (root or artifacts_dir()) / version / "card.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no model card; train a model with `{command}`") from None
    except json.JSONDecodeError as exc:
        raise ModelFileError(f"{path}: the model card is damaged ({exc.msg} at line {exc.lineno})") from None


def load(version: str | None = None, root: Path | None = None, command: str = "python -m models train"):
    """The model and its card (the newest version unless one is named), from `root` (default: the potential model's)."""
    root = root or artifacts_dir()
    available = versions(root)
    if not available:
        raise ModelFileError(f"no trained model in {root}; run `{command}`")
    version = version or available[0]
    path = root / version / "model.skops"
    try:
        import skops.io as sio

        untrusted = set(sio.get_untrusted_types(file=path))
        if untrusted - EXTRA_TRUSTED:
            raise ModelFileError(f"{path}: refuses to load types it does not trust: {', '.join(sorted(untrusted - EXTRA_TRUSTED))}")
        model = sio.load(path, trusted=sorted(untrusted))
    except ModelFileError:
        raise
    except FileNotFoundError:
        raise ModelFileError(f"{path}: the model file is missing; train again with `{command}`") from None
    except Exception as exc:  # skops raises several types for damaged files
        raise ModelFileError(f"{path}: the model file is damaged ({type(exc).__name__}); train again with `{command}`") from None
    return model, load_card(version, root, command)
