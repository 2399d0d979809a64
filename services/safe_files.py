"""Files that leave the app (downloads, the review export): safe to open in a spreadsheet."""
from __future__ import annotations

import polars as pl

# A cell a spreadsheet would run as a formula: starting with = + - @ (or tab/CR), also after a field
# separator inside the cell (a spreadsheet that splits on ';' or ',' or tab starts a new cell there).
FORMULA_START = r"^[=+\-@\t\r]"
SEPARATED_FORMULA = r"([;,\t]\s*)([=+\-@])"


def neutralise_formulas(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with an apostrophe, and every part of
    a cell that would become its own formula cell where a spreadsheet splits on ';' (or ',' or tab)."""
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c))
        .str.replace_all(SEPARATED_FORMULA, "${1}'${2}").alias(c)
        for c, dtype in frame.schema.items()
        if dtype == pl.String
    )


CSV_DECIMALS = 4  # 4.137931034482759 is 4.1379 in a download: enough for shares (0.0493) and scores alike


def to_csv_bytes(frame: pl.DataFrame) -> bytes:
    # UTF-8 with BOM so Excel on Chinese Windows opens it correctly; decimals rounded for people, not machines.
    rounded = frame.with_columns(pl.col(pl.Float32, pl.Float64).round(CSV_DECIMALS))
    return b"\xef\xbb\xbf" + neutralise_formulas(rounded).write_csv().encode("utf-8")
