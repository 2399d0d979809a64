"""Files users download: safe against spreadsheet formula injection."""
from __future__ import annotations

import polars as pl

FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe."""
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    # UTF-8 with BOM so Excel on Chinese Windows opens it correctly.
    return b"\xef\xbb\xbf" + neutralise_formulas(frame).write_csv().encode("utf-8")
