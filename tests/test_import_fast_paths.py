"""The import's fast paths give what the general path gives (issue #17): they skip work, never change a result."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from pipelines.map_columns import map_source
from pipelines.read import read_source
from pipelines.settings import load_mapping
from pipelines.validate import _duplicated


def test_one_odd_space_in_a_column_still_collapses_the_spaces(tmp_path: Path) -> None:
    # Only one cell per column needs the collapse; the other cells are trimmed alike.
    path = tmp_path / "employees.csv"
    path.write_text("employee_id,name,department,position\nE1,Ann  Lee,Sales,Sales Rep\nE2,Bo\u00a0Chen , IT\u3000Ops, Team Lead \n"
                    "E3, Cy Dee,Finance,NA\n", encoding="utf-8")
    mapping = load_mapping("canonical", tmp_path / "talent.duckdb")
    mapped = map_source(read_source(path, mapping), mapping, date(2026, 1, 1))
    assert mapped.frame["name"].to_list() == ["Ann Lee", "Bo Chen", "Cy Dee"]
    assert mapped.frame["department"].to_list() == ["Sales", "IT Ops", "Finance"]
    assert mapped.frame["position"].to_list() == ["Sales Rep", "Team Lead", None]  # trimmed only; a missing token is missing


def test_duplicated_is_exact_with_nulls_and_mixed_columns() -> None:
    frame = pl.DataFrame({"a": ["x", "x", None, None, "y", "x"], "b": [1, 1, None, None, 2, 2], "c": ["p", "p", "q", "q", None, "p"]})
    assert _duplicated(frame, ["a", "b", "c"]).to_list() == frame.select(pl.struct("a", "b", "c").is_duplicated()).to_series().to_list()
    assert _duplicated(frame, ["a", "c"]).to_list() == [True, True, True, True, False, True]

