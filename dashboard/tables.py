"""Tables that fit the page: a few columns that answer the page's question, the rest behind a column picker; the explorer's
side-by-side view in words."""
from __future__ import annotations

import polars as pl
import streamlit as st

from services.i18n import t


def column_picker(key: str, more: dict[str, str]) -> list[str]:
    """A "Columns" button opening a multiselect of the optional columns (column -> label); returns the chosen ones, in the
    order offered. A choice no longer offered (the options depend on the data) is dropped, not an error."""
    chosen = [c for c in st.session_state.get(key, []) if c in more]
    st.session_state[key] = chosen
    with st.popover(t("tables.columns", n=len(chosen)) if chosen else t("tables.columns_none"), icon=":material/view_column:"):
        st.multiselect(t("tables.more_columns"), list(more), format_func=more.get, key=key, placeholder=t("tables.more_columns_hint"))
    return [c for c in more if c in st.session_state[key]]


def competency_label(code: str) -> str:
    """A 360° competency in words: the catalogue's for the known ones, else the imported name without underscores."""
    known = t(f"competency.{code}")
    return known if known != f"competency.{code}" else code.replace("_", " ").strip().capitalize()


# The side-by-side rows: (column, decimals or kind). Scores first, the one the list is ranked by at the top.
COMPARE_ROWS = [("department", "text"), ("position", "text"), ("job_level", 0), ("tenure_years", 1), ("latest_rating", "text"),
                ("feedback_others", 2), ("feedback_leadership", 2), ("leadership_training_hours", 0), ("valid_certifications", 0),
                ("projects_led", 0), ("cross_department_projects", 0), ("direct_reports", 0), ("career_aspiration", "text"),
                ("career_plan_submitted", "yes_no"), ("meets_pool_rules", "yes_no"), ("pool_state", "text")]


def compare_table(chosen: pl.DataFrame, source: str) -> pl.DataFrame:
    """One row per figure, one column per person; values rounded and in words (yes/no, '–' for none)."""
    scores = ["potential_score", "composite_score", "pool_score"] if source == "model" else ["pool_score", "composite_score"]
    rows = [(c, 1) for c in scores] + COMPARE_ROWS
    labels = {"potential_score": t("explorer.col_headline_model"), "pool_score": t("explorer.col_pool_score"),
              "composite_score": t("candidates.col_composite"), "pool_state": t("explorer.col_pool")}
    yes, no, none = t("model_card.flag_yes"), t("model_card.flag_no"), "–"

    def shown(column: str, kind) -> pl.Expr:
        value = pl.col(column)
        if kind == "yes_no":
            text = pl.when(value).then(pl.lit(yes)).otherwise(pl.lit(no))
        elif kind == "text":
            text = value.cast(pl.String)
        else:
            text = value.cast(pl.Float64).round(kind).cast(pl.Int64 if kind == 0 else pl.Float64).cast(pl.String)
        return pl.when(value.is_null() | (value.cast(pl.String) == "")).then(pl.lit(none)).otherwise(text).alias(column)

    side = chosen.select("name", *[shown(c, k) for c, k in rows]).transpose(include_header=True, header_name="figure", column_names="name")
    return side.with_columns(pl.col("figure").replace_strict({c: labels.get(c) or t(f"compare.{c}") for c, _ in rows}))
