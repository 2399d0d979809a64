"""The mapping screen's services: read an export, suggest how its columns and values map onto the import format,
preview what it would load, save the mapping. The Data page calls these, never pipelines/ directly."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines.entities import ENTITIES
from pipelines.ingest import Preview
from pipelines.ingest import preview as _preview
from pipelines.mapping_builder import (
    ENUM_KINDS, MISSING, NONE, Choice, build_mapping, canonical_values, date_formats, guess_entity, is_resolved,
    options_for, read_export, save, saved_mapping_names, suggest_columns, suggest_value, suggested_mapping_name,
    unmatched_values, unresolved_required, valid_mapping_name,
)
from pipelines.read import ImportFileError  # a file that cannot be read or mapped; the message names it
from pipelines.settings import Mapping, available_presets, load_mapping, mapping_from_dict

__all__ = [
    "ENTITIES", "ENUM_KINDS", "ImportFileError", "MISSING", "NONE", "Choice", "Mapping", "Preview", "available_presets", "base_mapping",
    "build_mapping", "canonical_values", "date_formats", "guess_entity", "is_resolved", "load_mapping", "mapping_from_dict",
    "options_for", "preview", "read_export", "save", "saved_mapping_names", "suggest_columns", "suggest_value",
    "suggested_mapping_name", "unmatched_values", "unresolved_required", "valid_mapping_name",
]


def base_mapping() -> Mapping:
    """The canonical mapping a new one starts from (its value labels and missing-value tokens)."""
    return load_mapping("canonical")


def preview(path: str | Path, db_path: Path, raw: dict, entity: str, as_of: date | None = None) -> Preview:
    """What one file would load with a mapping built on the screen (not saved yet). Writes nothing."""
    return _preview(path, db_path, mapping_from_dict(raw, "preview"), entity=entity, as_of=as_of)
