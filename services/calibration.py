"""9-box calibration: a person moved to another box, with a reason; the original placement is kept."""
from __future__ import annotations

import polars as pl

from . import workspace
from .people import BANDS
from .auth import User
from .permissions import require_writer_for, scoped_to_current

def current(scope: tuple[str, ...] | None) -> pl.DataFrame:
    """The latest calibrated placement per person within scope."""
    with workspace.connect() as con:
        frame = con.sql(
            """SELECT employee_id, arg_max(department, calibration_id) AS department,
                      arg_max(to_performance, calibration_id) AS calibrated_performance,
                      arg_max(to_potential, calibration_id) AS calibrated_potential,
                      arg_max(decided_by, calibration_id) AS calibrated_by, max(decided_at) AS calibrated_at
               FROM grid_calibrations GROUP BY employee_id""").pl()
    return scoped_to_current(frame, scope)


def per_rater(scope: tuple[str, ...] | None) -> pl.DataFrame:
    with workspace.connect() as con:
        frame = con.sql("SELECT decided_by, department, employee_id FROM grid_calibrations").pl()
    return (scoped_to_current(frame, scope).group_by("decided_by", "department")
            .agg(pl.len().cast(pl.Int64).alias("moves"), pl.col("employee_id").n_unique().cast(pl.Int64).alias("people"))
            .sort(["moves", "decided_by"], descending=[True, False]))


@workspace.writes("grid_calibrated")
def record(user: User, employee_id: str, department: str | None, original: tuple[str, str], target: tuple[str, str],
           reason: str) -> None:
    """HR or the head of the person's current department moves them to another box (original: the box the data gives).
    department: the one on record, used only for a person the latest import no longer has."""
    if target[0] not in BANDS or target[1] not in BANDS:
        raise ValueError(f"a box is a pair of {', '.join(BANDS)}")
    if not reason or not reason.strip():
        raise ValueError("a reason is required")
    department = require_writer_for(user, employee_id, department)  # judged by the person's department now
    with workspace.write(user.username, "grid_calibrated", employee_id, f"{original} -> {target}; reason={reason.strip()}") as change:
        change.execute(
            "INSERT INTO grid_calibrations (employee_id, department, from_performance, from_potential, to_performance, to_potential, reason, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [employee_id, department, original[0], original[1], target[0], target[1], reason.strip(), user.username],
        )
