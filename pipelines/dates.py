"""One reading of dates for the whole import: named formats, Excel serials, two-digit years."""
from __future__ import annotations

from datetime import date

import polars as pl

EARLIEST = date(1900, 1, 1)  # no date before this is ever stored
TIME_OF_DAY = r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*([AaPp][Mm]|Z|[+-]\d{2}:?\d{2})?$"
FOUR_DIGIT_YEAR = r"(^|\D)\d{4}(\D|$)|^\d{8}$"


def parse_date(text: pl.Expr, formats: tuple[str, ...], as_of: date) -> pl.Expr:
    """Text → Date, trying each format. A `%Y` format only reads text that has a four-digit year,
    so `05/12/83` is never the year 0083; a two-digit year is the latest such year not after as_of."""
    text = text.str.replace(TIME_OF_DAY, "")
    four_digits = text.str.contains(FOUR_DIGIT_YEAR)
    parsed = []
    for fmt in formats:
        d = text.str.strptime(pl.Date, fmt, strict=False)
        if "%y" in fmt:
            d = pl.when(d > pl.lit(as_of)).then(d.dt.offset_by("-100y")).otherwise(d)
        elif "%Y" in fmt:
            d = pl.when(four_digits).then(d)
        parsed.append(d)
    serial = text.str.extract(r"^(\d{5})(?:\.0+)?$").cast(pl.Int64, strict=False)
    excel = pl.lit(date(1899, 12, 30)) + pl.duration(days=serial)
    parsed.append(pl.when(serial.is_between(20000, 80000)).then(excel.cast(pl.Date)))
    return pl.coalesce(parsed)
