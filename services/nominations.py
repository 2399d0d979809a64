"""Nominations into the talent pool: an append-only history; the latest entry per person is the state."""
from __future__ import annotations

import polars as pl

from . import workspace
from .people import READINESS
from .auth import User
from .permissions import current_department, require_writer, scoped_to_current

ACTIONS = ("nominate", "remove")
# Why someone leaves the pool, as categories HR counts (the source document tracks "capability mismatch").
EXIT_REASONS = ("promoted", "left_company", "capability_mismatch", "review_outcome", "withdrew", "other")


def current(scope: tuple[str, ...] | None) -> dict[str, str | None]:
    """employee_id -> readiness for everyone currently nominated within scope."""
    with workspace.connect() as con:
        frame = con.sql(
            """SELECT employee_id, arg_max(action, nomination_id) AS action, arg_max(readiness, nomination_id) AS readiness,
                      arg_max(department, nomination_id) AS department
               FROM nominations GROUP BY employee_id""",
        ).pl()
    frame = scoped_to_current(frame.filter(pl.col("action") == "nominate"), scope)  # by the person's current department
    return dict(zip(frame["employee_id"].to_list(), frame["readiness"].to_list()))


def history(employee_id: str) -> pl.DataFrame:
    with workspace.connect() as con:
        return con.sql(
            """SELECT decided_at, action, readiness, target_position, exit_reason, reason, decided_by
               FROM nominations WHERE employee_id = ? ORDER BY nomination_id DESC""",
            params=[employee_id],
        ).pl()


@workspace.writes("pool_nominate", "pool_remove")
def record(user: User, employee_id: str, department: str | None, action: str, reason: str, readiness: str | None = None,
           target_position: str | None = None, exit_reason: str | None = None) -> None:
    """HR or the head of the person's current department nominates them or removes them from the pool.
    department: the one on record, used only for a person the latest import no longer has."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action '{action}'")
    if not reason or not reason.strip():
        raise ValueError("a reason is required")
    if action == "nominate" and readiness not in READINESS:
        raise ValueError(f"readiness must be one of {', '.join(READINESS)}")
    if action == "remove":
        exit_reason = exit_reason or "other"
        if exit_reason not in EXIT_REASONS:
            raise ValueError(f"exit reason must be one of {', '.join(EXIT_REASONS)}")
    else:
        exit_reason = None
    department = current_department(employee_id, department)
    require_writer(user, department)
    if department is None:
        raise ValueError(f"no employee '{employee_id}' in the latest import")
    with workspace.write(user.username, f"pool_{action}", employee_id,
                         f"readiness={readiness}; target={target_position}; reason={reason.strip()}") as change:
        change.execute(
            "INSERT INTO nominations (employee_id, department, action, readiness, target_position, reason, decided_by, exit_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [employee_id, department, action, readiness if action == "nominate" else None,
             (target_position or "").strip() or None, reason.strip(), user.username, exit_reason],
        )
