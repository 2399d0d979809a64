"""Map a source file onto one entity's canonical columns, as the mapping says.

In order: clean every cell (trim, collapse spaces, empty and missing tokens → missing), keep the rows
the mapping says belong to the entity, rename columns, map values, derive, fill defaults, then the
format's built-in fallbacks. The result is text; pipelines/validate.py casts and checks it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

import polars as pl

from .dates import parse_date
from .entities import ENTITIES, Column
from .read import ROW, ImportFileError, SourceFile
from .settings import EntityMapping, Mapping, RowFilter

# What the built-in fallbacks (Column.fallback) say in the run details.
FALLBACK_WORDS = {
    "=status_from_exit_date": "built-in: 'left' where an exit date is given, else 'active'",
    "=status_from_completion_date": "built-in: 'completed' where a completion date is given, else 'in_progress'",
    "@as_of": "built-in: the as-of date",
}


@dataclass(frozen=True)
class MappedFile:
    source: SourceFile  # source.frame is emptied once mapped, to save memory on large files
    entity: str
    frame: pl.DataFrame  # canonical columns as text + _row
    raw: pl.DataFrame  # the rows as read, source labels + _row: what the quarantine keeps
    ignored_columns: tuple[str, ...]
    derived: dict[str, str]  # column -> how it was filled, in plain words
    skipped: int  # rows the mapping says are not this entity
    attributes: pl.DataFrame | None  # employee_attributes rows (text) + _row, routed from extra columns


def _snake(label: str) -> str:
    return re.sub(r"[\s\-]+", "_", label.strip()).lower()


def _token_spellings(tokens: tuple[str, ...]) -> list[str]:
    # Case-insensitive without lower-casing every cell: the usual spellings of each token.
    return sorted({v for t in tokens for v in (t.strip(), t.strip().lower(), t.strip().upper(), t.strip().title())} | {""})


# What the collapse below changes: two white space characters in a row, or one that is not a plain space
# (Unicode White_Space, as the regex \s reads it). A column with none of them only needs trimming.
ODD_SPACE = ["  ", "\t", "\n", "\v", "\f", "\r", "\x85", "\xa0", "\u1680", *map(chr, range(0x2000, 0x200B)),
             "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"]


def _clean(label: str, tokens: tuple[str, ...], collapse: bool = True) -> pl.Expr:
    # Collapse inner runs of white space, trim; empty cells and missing tokens are missing.
    text = pl.col(label)
    text = (text.str.replace_all(r"[\s\u3000]+", " ") if collapse else text).str.strip_chars()
    return pl.when(text.is_in(_token_spellings(tokens))).then(None).otherwise(text).alias(label)


def _number(e: pl.Expr) -> pl.Expr:
    return e.str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)


def _derived(spec: dict, source: pl.Expr, mapping: Mapping, as_of: date) -> pl.Expr:
    how = spec["how"]
    if how in ("year", "half", "quarter", "date"):
        d = parse_date(source, mapping.date_formats, as_of)
        year = d.dt.year().cast(pl.String)
        return {
            "year": year,
            "half": year + pl.lit("-H") + pl.when(d.dt.month() <= 6).then(pl.lit("1")).otherwise(pl.lit("2")),
            "quarter": year + pl.lit("-Q") + d.dt.quarter().cast(pl.String),
            "date": d.dt.to_string("%Y-%m-%d"),
        }[how]
    if how == "years_before":
        reference = date.fromisoformat(str(spec["reference"])) if spec.get("reference") else as_of
        # Whole years are calendar years (age 33 on 2025-12-31 → 1992-12-31); a fraction of a year is days.
        n = _number(source)
        whole = n.floor().cast(pl.Int64)
        days = ((n - n.floor()) * 365.25).round().cast(pl.Int64)
        shifted = pl.lit(reference).dt.offset_by(pl.format("-{}y", whole)) - pl.duration(days=days)
        return pl.when(n.is_not_null()).then(shifted.dt.to_string("%Y-%m-%d"))
    if how == "plus":
        total = _number(source) + float(spec["value"])
        return pl.when(total == total.round()).then(total.cast(pl.Int64).cast(pl.String)).otherwise(total.cast(pl.String))
    return source  # copy


def _describe_derivation(spec: dict, as_of: date) -> str:
    how, src = spec["how"], spec["from"]
    return {
        "year": f"derived: the year of '{src}'",
        "half": f"derived: the half-year of '{src}'",
        "quarter": f"derived: the quarter of '{src}'",
        "date": f"derived: the date of '{src}'",
        "years_before": f"derived: '{src}' years before {spec.get('reference') or as_of}",
        "plus": f"derived: '{src}' plus {spec.get('value')}",
        "copy": f"derived: copied from '{src}'",
    }[how]


def _row_mask(f: RowFilter | None, frame: pl.DataFrame, file: str, keep_when: bool) -> pl.Expr | None:
    if f is None:
        return None
    if f.column not in frame.columns:
        raise ImportFileError(f"{file}: the mapping filters rows on column '{f.column}', which the file does not have")
    hit = pl.col(f.column).str.to_lowercase().is_in(list(f.values)).fill_null(False)
    return hit if keep_when else ~hit


def _renames(source_columns: list[str], entity_columns: list[str], rules: EntityMapping) -> dict[str, str]:
    wanted, renames = set(entity_columns), {}
    for label in source_columns:
        chosen = rules.columns.get(label, rules.columns.get(label.lower()))
        if chosen == "":  # the mapping says: this column is not to be read, whatever its name
            continue
        target = chosen or _snake(label)
        if target in wanted and target not in renames.values():
            renames[label] = target
    return renames


def _check_required(file: str, columns: tuple[Column, ...], filled: set[str], source_columns: list[str]) -> None:
    def available(c: Column, seen: frozenset[str] = frozenset()) -> bool:
        if c.name in filled:
            return True
        fb = c.fallback
        if fb is None or c.name in seen:
            return False
        if fb in FALLBACK_WORDS or not fb.startswith("="):
            return True
        other = next((o for o in columns if o.name == fb[1:]), None)
        return other is not None and available(other, seen | {c.name})

    missing = [c.name for c in columns if c.required and not available(c)]
    if missing:
        raise ImportFileError(
            f"{file}: required column '{missing[0]}' is missing"
            + (f" (also: {', '.join(missing[1:])})" if len(missing) > 1 else "")
            + f"; the file has: {', '.join(source_columns)}. Map a column to it, or give a default or a derivation in the mapping"
        )


def map_source(source: SourceFile, mapping: Mapping, as_of: date, entity_name: str | None = None) -> MappedFile:
    entity = ENTITIES[entity_name or source.entity]
    rules = mapping.for_entity(entity.name)
    file = source.path.name
    labels = [c for c in source.frame.columns if c != ROW]
    renames = _renames(labels, entity.column_names, rules)
    for col, spec in rules.derive.items():
        if spec["from"] not in labels and spec["from"] not in entity.column_names:
            raise ImportFileError(f"{file}: the mapping derives {col} from '{spec['from']}', which the file does not have")
    for label in rules.attributes:
        if label not in labels:
            raise ImportFileError(f"{file}: the mapping routes column '{label}' to the employee attributes, but the file does not have it")
    _check_required(file, entity.columns, set(renames.values()) | set(rules.derive) | set(rules.defaults), labels)

    # 1. Clean every cell; a column's own missing tokens replace the global list.
    target_of = renames
    odd = source.frame.select(pl.col(label).str.contains_any(ODD_SPACE).any() for label in labels).row(0) if labels else ()
    clean = source.frame.select(
        ROW, *[_clean(label, rules.missing_values.get(target_of.get(label, ""), mapping.missing_values), bool(o))
               for label, o in zip(labels, odd)]
    )
    # A column the cleaning left as it was is the column as read: shared with the rows kept for the quarantine, not a copy.
    unchanged = clean.select(pl.col(label).eq_missing(source.frame[label]).all() for label in labels).row(0) if labels else ()
    clean = clean.with_columns(source.frame[label] for label, same in zip(labels, unchanged) if same)
    # 2. Only the rows that are this entity.
    masks = [m for m in (_row_mask(rules.only_rows_where, clean, file, True), _row_mask(rules.skip_rows_where, clean, file, False)) if m is not None]
    skipped = 0
    if masks:
        kept = clean.filter(pl.all_horizontal(masks))
        skipped = clean.height - kept.height
        clean = kept
    # 3. Rename and map values ("" → missing).
    frame = clean.select(ROW, *[pl.col(src).alias(dst) for src, dst in renames.items()])
    frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in entity.column_names if c not in frame.columns)

    def mapped_values(col: str) -> pl.Expr:
        text, values = pl.col(col), rules.values.get(col)
        if values:
            lookup = {k.strip().lower(): v.strip() for k, v in values.items()}
            lower = text.str.to_lowercase()
            text = pl.when(lower.is_in(list(lookup))).then(lower.replace(lookup)).otherwise(text)
            text = pl.when(text == "").then(None).otherwise(text)
        return text.alias(col)

    frame = frame.select(ROW, *[mapped_values(c) for c in entity.column_names])
    derived: dict[str, str] = {}
    # 4. Derivations fill what the file leaves empty (from a source label, else a canonical column).
    for col, spec in rules.derive.items():
        src = spec["from"]
        source_expr = clean[src] if src in labels and src not in renames else frame[renames[src]] if src in renames else frame[src]
        value = frame.select(_derived(spec, pl.lit(source_expr), mapping, as_of).alias(col))[col]
        frame = frame.with_columns(pl.coalesce(pl.col(col), value).alias(col))
        derived[col] = _describe_derivation(spec, as_of)
    # 5. Defaults, then the format's built-in fallbacks.
    for col, constant in rules.defaults.items():
        frame = frame.with_columns(pl.col(col).fill_null(pl.lit(constant)))
        derived.setdefault(col, f"default: '{constant}'")
    for c in entity.columns:
        fb = c.fallback
        if fb is None:
            continue
        if fb == "=status_from_exit_date":
            fill = pl.when(pl.col("exit_date").is_not_null()).then(pl.lit("left")).otherwise(pl.lit("active"))
        elif fb == "=status_from_completion_date":
            fill = pl.when(pl.col("completion_date").is_not_null()).then(pl.lit("completed")).otherwise(pl.lit("in_progress"))
        elif fb == "@as_of":
            fill = pl.lit(as_of.isoformat())
        elif fb.startswith("="):
            fill = pl.col(fb[1:])
        else:
            fill = pl.lit(fb)
        frame = frame.with_columns(pl.col(c.name).fill_null(fill))
        if c.name not in renames.values() and c.name not in derived:
            derived[c.name] = FALLBACK_WORDS.get(fb) or (f"built-in: copied from {fb[1:]}" if fb.startswith("=") else f"built-in: '{fb}'")
    # 6. Extra columns routed to employee_attributes, one row per person and filled cell.
    attributes = None
    if rules.attributes:
        period = "period" if "period" in entity.column_names else "cycle" if "cycle" in entity.column_names else None
        with_ids = clean.with_columns(frame["employee_id"].alias("__employee_id"),
                                      (frame[period] if period else pl.Series([None] * clean.height, dtype=pl.String)).alias("__period"))
        attributes = pl.concat([
            with_ids.select(ROW, pl.col("__employee_id").alias("employee_id"), pl.lit(name).alias("attribute"),
                            pl.col("__period").alias("period"), pl.col(label).alias("value")).filter(pl.col("value").is_not_null())
            for label, name in rules.attributes.items()
        ]).sort(ROW, maintain_order=True)
    used = set(renames) | {spec["from"] for spec in rules.derive.values()} | set(rules.attributes)
    used |= {f.column for f in (rules.only_rows_where, rules.skip_rows_where) if f is not None}
    ignored = tuple(c for c in labels if c not in used)
    return MappedFile(
        source=replace(source, frame=pl.DataFrame()), entity=entity.name, frame=frame, raw=source.frame,
        ignored_columns=ignored, derived=derived, skipped=skipped, attributes=attributes,
    )
