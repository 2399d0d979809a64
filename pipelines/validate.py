"""Cast the canonical text columns to their types and split rows into loaded and quarantined.

Every input row ends up in exactly one of: `good`, `quarantine`, or the count of exact
duplicates collapsed into a row of `good`.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from .dates import EARLIEST, parse_date
from .entities import ENTITIES, Column, Entity
from .read import ROW
from .settings import Mapping, Settings

FILE = "_file"
QUARANTINE_SCHEMA = {
    "entity": pl.String,
    "file": pl.String,
    "row_number": pl.Int64,
    "column_name": pl.String,
    "value": pl.String,
    "reason": pl.String,
    "raw_row": pl.String,
}
TRUE_WORDS = ["true", "t", "yes", "y", "1", "是", "有", "x", "✓"]
FALSE_WORDS = ["false", "f", "no", "n", "0", "否", "无", "-"]


@dataclass(frozen=True)
class Validated:
    entity: str
    good: pl.DataFrame  # typed canonical columns + _file, _row
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA
    exact_duplicates: int


def _typed(c: Column, mapping: Mapping, settings: Settings, today: date) -> pl.Expr:
    x = pl.col(c.name)
    if c.kind in ("int", "float", "feedback"):
        num = x.str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)
        if c.kind == "int":
            return pl.when(num == num.round()).then(num).otherwise(None).cast(pl.Int64, strict=False)
        if c.kind == "feedback" and c.name in mapping.for_entity("feedback_360").rescale:
            lo, hi = mapping.for_entity("feedback_360").rescale[c.name]
            span = settings.feedback_max - settings.feedback_min
            return settings.feedback_min + (num - lo) * span / (hi - lo)
        return num
    if c.kind == "date":
        return parse_date(x, mapping.date_formats, today)
    if c.kind == "bool":
        low = x.str.to_lowercase()
        return pl.when(low.is_in(TRUE_WORDS)).then(True).when(low.is_in(FALSE_WORDS)).then(False)
    if c.kind == "enum":
        low = x.str.to_lowercase().str.replace_all(r"[\s\-]+", "_")
        return pl.when(low.is_in(list(c.choices))).then(low)
    if c.kind == "rating":
        upper = x.str.to_uppercase().str.replace_all(r"\s+", "")
        grades = {g.upper(): g for g in settings.grades}
        return pl.when(upper.is_in(list(grades))).then(upper.replace(grades))
    if c.kind == "period":
        norm = x.str.to_uppercase().str.replace_all(r"[\s_/]+", "").str.replace(r"^(\d{4})-?([HQ]\d)$", "${1}-${2}")
        ok = norm.str.contains(r"^(19[5-9]\d|20\d\d)(-(H[12]|Q[1-4]))?$")
        return pl.when(ok).then(norm)
    return x  # id, text


def _range(c: Column, settings: Settings, mapping: Mapping) -> tuple[float | None, float | None]:
    if c.kind == "feedback":
        rescale = mapping.for_entity("feedback_360").rescale.get(c.name)
        return rescale if rescale else (settings.feedback_min, settings.feedback_max)
    if c.name == "score" and c.kind == "float" and c.max == 100:
        return settings.score_min, settings.score_max
    return c.min, c.max


def _reason(c: Column, settings: Settings, mapping: Mapping) -> pl.Expr:
    raw, typed = pl.col(c.name), pl.col(f"__{c.name}")
    shown = pl.lit(f"{c.name} '") + raw.str.slice(0, 60) + pl.lit("'")
    missing = pl.lit(f"{c.name} is missing") if c.required else None
    invalid = {
        "int": " is not a whole number",
        "float": " is not a number",
        "feedback": " is not a number",
        "date": " is not a valid date",
        "bool": " is not yes/no (true/false)",
        "enum": f" is not one of {', '.join(c.choices)}",
        "rating": f" is not on the rating scale {', '.join(settings.grades)}",
        "period": " is not a period like 2025, 2025-H1 or 2025-Q3",
    }.get(c.kind)
    expr = pl.when(raw.is_null()).then(missing)
    if invalid:
        expr = expr.when(typed.is_null()).then(shown + pl.lit(invalid))
    lo, hi = _range(c, settings, mapping)
    if lo is not None and hi is not None and c.kind in ("int", "float", "feedback"):
        src = raw.str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)
        expr = expr.when(~src.is_between(lo, hi)).then(shown + pl.lit(f" is out of range {lo:g}–{hi:g}"))
    if c.kind in ("id", "text"):
        expr = expr.when(raw.str.len_chars() > c.max_length).then(
            pl.lit(f"{c.name} is too long (") + raw.str.len_chars().cast(pl.String) + pl.lit(f" characters, at most {c.max_length})")
        )
        expr = expr.when(raw.str.contains(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")).then(pl.lit(f"{c.name} contains control characters"))
    return expr.otherwise(None)


def _plausibility(entity: Entity, as_of: date) -> list[tuple[str, pl.Expr]]:
    """Dates that parse but cannot be true: (column, reason or null) per rule."""
    def shown(col: str) -> pl.Expr:
        return pl.lit(f"{col} '") + pl.col(col).str.slice(0, 60) + pl.lit("'")

    def years_from(col: str, years: int) -> pl.Expr:
        return pl.col(f"__{col}").dt.offset_by(f"{years}y")

    rules: list[tuple[str, pl.Expr]] = []
    for c in entity.columns:
        if c.kind == "date":
            rules.append((c.name, pl.when(pl.col(f"__{c.name}") < pl.lit(EARLIEST)).then(shown(c.name) + pl.lit(" is before 1900"))))
        if c.kind == "period":
            rules.append((c.name, pl.when(pl.col(f"__{c.name}").str.slice(0, 4).cast(pl.Int32, strict=False) > as_of.year)
                          .then(shown(c.name) + pl.lit(f" is after the as-of date's year ({as_of.year})"))))
    if entity.name == "employees":
        born = pl.col("__birth_date")
        before_birthday = (born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)) > as_of.month * 100 + as_of.day
        age = pl.lit(as_of.year) - born.dt.year().cast(pl.Int64) - before_birthday.cast(pl.Int64)
        rules.append(("birth_date", pl.when((years_from("birth_date", 14) > pl.lit(as_of)) | (years_from("birth_date", 100) < pl.lit(as_of)))
                      .then(shown("birth_date") + pl.lit(" gives an age of ") + age.cast(pl.String) + pl.lit(f" on {as_of} (plausible: 14–100)"))))
        rules.append(("hire_date", pl.when(pl.col("__hire_date") > pl.lit(as_of).dt.offset_by("1y"))
                      .then(shown("hire_date") + pl.lit(f" is more than a year after the as-of date {as_of}"))))
        rules.append(("hire_date", pl.when(pl.col("__hire_date") < years_from("birth_date", 14))
                      .then(shown("hire_date") + pl.lit(" is less than 14 years after birth_date"))))
    return rules


def _quarantine(frame: pl.DataFrame, entity: Entity, column: pl.Expr, value: pl.Expr, reason: pl.Expr) -> pl.DataFrame:
    return frame.select(
        pl.lit(entity.name).alias("entity"),
        pl.col(FILE).alias("file"),
        pl.col(ROW).alias("row_number"),
        column.cast(pl.String).alias("column_name"),
        value.cast(pl.String).alias("value"),
        reason.alias("reason"),
        pl.struct(entity.column_names).struct.json_encode().alias("raw_row"),
    )


COPIES = "__copies"
CHECK_ROWS = 500_000  # rows validated per pass: bounds the pass's working memory on large files


def _row_hash(columns: list[str]) -> pl.Expr:
    # One hash per column, combined: much cheaper than hashing a struct of strings (wrapping arithmetic).
    return pl.reduce(lambda a, b: a * 31 + b, [pl.col(c).hash(i) for i, c in enumerate(columns)])


def _duplicated(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    """Exactly pl.struct(columns).is_duplicated(): equal hashes find the candidates, their values decide."""
    candidates = frame.select(_row_hash(columns).is_duplicated()).to_series()
    if not candidates.any():
        return candidates
    exact = frame.filter(candidates).select(pl.struct(columns).is_duplicated()).to_series()
    return candidates.scatter(candidates.arg_true(), exact)


def _collapse_copies(frame: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, int]:
    """Rows equal in every mapped column become the first of them, which remembers how many copies
    it had. A hash pass finds candidates; grouping the candidates on their values makes it exact."""
    candidates = frame.select(_row_hash(columns).is_duplicated()).to_series()
    if not candidates.any():
        return frame.with_columns(pl.lit(1, pl.UInt32).alias(COPIES)), 0
    indexed = frame.with_row_index("__idx")
    groups = indexed.filter(candidates).group_by(columns, maintain_order=True).agg(
        pl.col("__idx").first(), pl.len().cast(pl.UInt32).alias(COPIES))
    kept = indexed.filter(~candidates | pl.col("__idx").is_in(groups["__idx"].implode()))
    kept = kept.join(groups.select("__idx", COPIES), on="__idx", how="left", maintain_order="left")
    return kept.with_columns(pl.col(COPIES).fill_null(1)).drop("__idx"), frame.height - kept.height


def validate(
    entity_name: str,
    frame: pl.DataFrame,
    mapping: Mapping,
    settings: Settings,
    known_employees: pl.Series | None,
    today: date | None = None,
) -> Validated:
    """frame: canonical text columns + _file + _row, from one or more files of one entity."""
    entity = ENTITIES[entity_name]
    today = today or date.today()
    cols = entity.columns
    # Exact duplicates collapse before validation, so a repeated bad row is quarantined once.
    frame, early_duplicates = _collapse_copies(frame, entity.column_names)
    reasons = [_reason(c, settings, mapping) for c in cols]
    names = [c.name for c in cols]
    for earlier, later, text in entity.checks:
        reasons.append(pl.when(pl.col(f"__{earlier}") > pl.col(f"__{later}")).then(pl.lit(text)).otherwise(None))
        names.append(later)
    for column, rule in _plausibility(entity, today):
        reasons.append(rule.otherwise(None))
        names.append(column)
    copies = pl.when(pl.col(COPIES) > 1).then(pl.lit(" (") + pl.col(COPIES).cast(pl.String) + pl.lit(" identical rows)"))
    # One lazy pass: each rule is computed once (common subexpressions), read by both the reason text
    # and the first failing column, and no rule is kept as a column of the frame.
    rules = [f"__rule{i}" for i in range(len(reasons))]

    def checking(rows: pl.DataFrame) -> pl.LazyFrame:
        checks = (
            rows.lazy()
            .with_columns(_typed(c, mapping, settings, today).alias(f"__{c.name}") for c in cols)
            .with_columns(r.alias(n) for r, n in zip(reasons, rules))
            .with_columns(
                pl.concat_str(rules, separator="; ", ignore_nulls=True).alias("__reason"),
                pl.coalesce([pl.when(pl.col(r).is_not_null()).then(pl.lit(n)) for r, n in zip(rules, names)]).alias("__column"),
            ).drop(rules)
        )
        if with_copies:
            checks = checks.with_columns(
                pl.when(pl.col("__reason") != "").then(pl.col("__reason") + copies.fill_null("")).otherwise(pl.col("__reason")).alias("__reason"))
        return checks.with_columns((pl.col("__reason").is_not_null() & (pl.col("__reason") != "")).alias("__bad"))

    with_copies = frame.select((pl.col(COPIES) > 1).any()).item()
    first_value = pl.coalesce([pl.when(pl.col("__column") == c.name).then(pl.col(c.name)) for c in cols])
    typed = [FILE, ROW, *[pl.col(f"__{c.name}").alias(c.name) for c in cols]]
    # A slice of rows at a time, split there into the quarantined rows and the typed good rows: the
    # checked frame (text, types, reasons) never exists for all rows at once.
    bad_parts, good_parts = [], []
    for start in range(0, max(frame.height, 1), CHECK_ROWS):
        checked = checking(frame.slice(start, CHECK_ROWS)).collect()
        bad_rows = checked["__bad"]
        if bad_rows.any():
            bad_parts.append(_quarantine(checked.filter(bad_rows), entity, pl.col("__column"), first_value, pl.col("__reason")))
            good_parts.append(checked.select(typed).filter(~bad_rows))
        else:
            good_parts.append(checked.select(typed))
        del checked, bad_rows
    del frame
    quarantined = bad_parts or [pl.DataFrame(schema=QUARANTINE_SCHEMA)]
    good = pl.concat(good_parts, rechunk=False)
    del good_parts
    # Rows written differently but equal once typed (2025/03/01 and 2025-03-01) are exact duplicates
    # too; the same key with other values is a conflict. Only rows sharing a key can be either.
    exact_duplicates = early_duplicates
    same_key = _duplicated(good, list(entity.key))
    if same_key.any():
        twins = good.filter(same_key)
        kept = twins.unique(subset=entity.column_names, keep="first", maintain_order=True)
        exact_duplicates += twins.height - kept.height
        good = pl.concat([good.filter(~same_key), kept]).sort(FILE, ROW)
    if entity.references_employee and known_employees is not None:
        unknown = ~pl.col("employee_id").is_in(known_employees.implode())
        orphans = good.filter(unknown)
        if orphans.height:
            quarantined.append(
                _quarantine(
                    orphans.with_columns(pl.col(c.name).cast(pl.String) for c in cols),
                    entity,
                    pl.lit("employee_id"),
                    pl.col("employee_id"),
                    pl.lit("unknown employee_id '") + pl.col("employee_id") + pl.lit("' (not in employees)"),
                )
            )
            good = good.filter(~unknown)
    key = list(entity.key)
    # Rows sharing a key are among those found above (removing rows makes no new pairs).
    conflict = _duplicated(good, key) if same_key.any() else None
    conflicts = good.filter(conflict) if conflict is not None else good.clear()
    if conflicts.height:
        rows = pl.col(ROW).cast(pl.String).str.join(", ").over(key)
        files = pl.col(FILE).unique().str.join(", ").over(key)
        key_text = pl.concat_str([pl.lit(f"{k}=") + pl.col(k).cast(pl.String).fill_null("") for k in key], separator=", ")
        reason = pl.lit("duplicate key (") + key_text + pl.lit(") with different values in rows ") + rows + pl.lit(" of ") + files
        quarantined.append(
            _quarantine(conflicts.with_columns(pl.col(c.name).cast(pl.String) for c in cols), entity, pl.lit(key[-1]), pl.col(key[-1]), reason)
        )
        good = good.filter(~conflict)
    quarantine = pl.concat(quarantined, how="vertical").cast(QUARANTINE_SCHEMA).sort("file", "row_number")
    return Validated(entity=entity_name, good=good, quarantine=quarantine, exact_duplicates=exact_duplicates)
