"""The model card's words for people: input names and the fairness table's order. No scikit-learn here, so a page
that only labels (the profile's reasons, the model card) does not load it (1.6-2.1 s once per server process)."""
from __future__ import annotations

from pipelines.settings import AGE_BANDS


def _group_rank(group: str) -> tuple:
    """A group's place in its attribute's table: the age bands youngest first (AGE_BANDS), numeric bands by their
    lower edge ("5–10" before "10–20"), other groups by name, 'unknown' last."""
    if group == "unknown":
        return (3, 0, "")
    if group in AGE_BANDS:
        return (0, AGE_BANDS.index(group), "")
    try:
        return (1, float(group.split("–")[0]), "")
    except ValueError:
        return (2, 0, group)


def fairness_in_order(rows: list[dict]) -> list[dict]:
    """A card's fairness rows in reading order: attributes as audited, each one's groups by _group_rank (also for a
    card saved by an earlier release, which listed groups alphabetically, "<30" last)."""
    attributes = list(dict.fromkeys(r["attribute"] for r in rows))
    return sorted(rows, key=lambda r: (attributes.index(r["attribute"]), _group_rank(str(r["group"]))))


def feature_label(name: str, t, attribute_names: dict | None = None) -> str:
    """A input's name for people: the catalogue's `feature.*` or `model_card.feature.*` text, else an
    employee attribute's own name (as the import named it). `t` is services.i18n.t."""
    for key in (f"feature.{name}", f"model_card.feature.{name}"):
        text = t(key)
        if text != key:
            return text
    if name.startswith("attr_"):
        return (attribute_names or {}).get(name) or name.removeprefix("attr_").replace("_", " ")
    return name
