"""The trends page's analysis-only series, materialised when the analysis tables are built (not per request).

The pool itself lives in workspace.duckdb (services/pool.py defines it); what is here needs only the import:
- trend_seats: middle-management seats (active holders of a management_seat, pipelines/intermediate.py) per
  department and position (job title, case and spaces ignored; a null title is its own row), with the
  holders aged SEAT_HOLDER_AGE or older. Read by the coverage, the bench and the first screen's cover.
- trend_seat_leavers: seat holders who left, per department and exit date (the seats' attrition; the page
  counts those within 12 months of its reference date).
- trend_everyone: active employees per department, per measure (latest annual rating, 360 average from others
  in half-point bins, gender, age band) and value: the "everyone" side of the pool-against-everyone charts.
"""
from __future__ import annotations

import duckdb

SEAT_HOLDER_AGE = 58  # seats whose holder is this old or older, shown beside the attrition-based estimate


def feedback_bin_sql(column: str) -> str:
    """A 360 average (1-5) in its half-point bin, '4.0-4.5'; 5.0 falls in the top bin, no score is 'not_rated'."""
    low = f"least(floor({column} * 2) / 2, 4.5)"
    return f"CASE WHEN {column} IS NULL THEN 'not_rated' ELSE printf('%.1f-%.1f', {low}, {low} + 0.5) END"


SEATS_SQL = f"""
CREATE OR REPLACE TABLE trend_seats AS
SELECT department, lower(trim(position)) AS position_key, min(position) AS position, count(*) AS seats,
       count(*) FILTER (WHERE age >= {SEAT_HOLDER_AGE}) AS seats_holder_58_plus
FROM analysis_employee WHERE status = 'active' AND holds_management_seat
GROUP BY ALL ORDER BY ALL
"""

SEAT_LEAVERS_SQL = """
CREATE OR REPLACE TABLE trend_seat_leavers AS
SELECT department, exit_date, count(*) AS leavers
FROM analysis_employee WHERE status = 'left' AND holds_management_seat AND exit_date IS NOT NULL
GROUP BY ALL ORDER BY ALL
"""

EVERYONE_SQL = f"""
CREATE OR REPLACE TABLE trend_everyone AS
WITH active AS (SELECT * FROM analysis_employee WHERE status = 'active')
SELECT department, 'rating' AS measure, coalesce(latest_annual_rating, 'not_rated') AS value, count(*) AS people FROM active GROUP BY ALL
UNION ALL
SELECT department, 'feedback_360', {feedback_bin_sql('feedback_others')}, count(*) FROM active GROUP BY ALL
UNION ALL
SELECT department, 'gender', coalesce(gender, 'unknown'), count(*) FROM active GROUP BY ALL
UNION ALL
SELECT department, 'age_band', coalesce(age_band, 'unknown'), count(*) FROM active GROUP BY ALL
ORDER BY ALL
"""


def build_trend_series(con: duckdb.DuckDBPyConnection) -> None:
    """After analysis_employee: the trends page's seats, seat leavers and everyone's make-up."""
    con.execute(SEATS_SQL)
    con.execute(SEAT_LEAVERS_SQL)
    con.execute(EVERYONE_SQL)
