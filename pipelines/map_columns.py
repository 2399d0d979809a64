"""Map a source file's labels and values onto the canonical columns, as the mapping says."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import polars as pl

from .entities import ENTITIES
from .read import ROW, ImportFileError, SourceFile
from .settings import Mapping


@dataclass(frozen=True)
class MappedFile:
    source: SourceFile
    frame: pl.DataFrame  # canonical columns (text, trimmed, empty -> null) + _row
    # source.frame is emptied once mapped, to halve peak memory on large files
    ignored_columns: tuple[str, ...]


def _snake(label: str) -> str:
    return re.sub(r"[\s\-]+", "_", label.strip()).lower()


def map_source(source: SourceFile, mapping: Mapping) -> MappedFile:
    entity = ENTITIES[source.entity]
    rules = mapping.for_entity(source.entity)
    wanted = set(entity.column_names)
    renames: dict[str, str] = {}
    for label in source.frame.columns:
        if label == ROW:
            continue
        target = rules.columns.get(label) or rules.columns.get(label.lower()) or _snake(label)
        if target in wanted and target not in renames.values():
            renames[label] = target
    ignored = tuple(c for c in source.frame.columns if c != ROW and c not in renames)
    missing = [c for c in entity.required if c not in renames.values()]
    if missing:
        raise ImportFileError(
            f"{source.path.name}: required column '{missing[0]}' is missing"
            + (f" (also: {', '.join(missing[1:])})" if len(missing) > 1 else "")
            + f"; the file has: {', '.join(c for c in source.frame.columns if c != ROW)}"
        )
    frame = source.frame.select(ROW, *[pl.col(src).alias(dst) for src, dst in renames.items()])
    absent = [c for c in entity.column_names if c not in frame.columns]
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in absent)

    def normalise(col: str) -> pl.Expr:
        # Collapse inner runs of white space, trim, and treat empty as missing.
        text = pl.col(col).str.replace_all(r"[\s\u3000]+", " ").str.strip_chars()
        text = pl.when(text == "").then(None).otherwise(text)
        values = rules.values.get(col)
        if values:
            lookup = {k.strip().lower(): v for k, v in values.items()}
            lower = text.str.to_lowercase()
            text = pl.when(lower.is_in(list(lookup))).then(lower.replace(lookup)).otherwise(text)
        return text.alias(col)

    frame = frame.select(ROW, *[normalise(c) for c in entity.column_names])
    # Keep the file's identity but not its raw text: the mapped frame is all that is needed now.
    return MappedFile(source=replace(source, frame=pl.DataFrame()), frame=frame, ignored_columns=ignored)
