"""Nominations into the talent pool: an append-only history; the latest entry per person is the state."""
from __future__ import annotations

import polars as pl

from . import workspace
from .people import READINESS

ACTIONS = ("nominate", "remove")


def current(scope: tuple[str, ...] | None) -> dict[str, str | None]:
    """employee_id -> readiness for everyone currently nominated within scope."""
    with workspace.connect() as con:
        frame = con.sql(
            """SELECT employee_id, arg_max(action, nomination_id) AS action, arg_max(readiness, nomination_id) AS readiness,
                      arg_max(department, nomination_id) AS department
               FROM nominations GROUP BY employee_id""",
        ).pl()
    frame = frame.filter(pl.col("action") == "nominate")
    if scope is not None:
        frame = frame.filter(pl.col("department").is_in(list(scope)))
    return dict(zip(frame["employee_id"].to_list(), frame["readiness"].to_list()))


def history(employee_id: str) -> pl.DataFrame:
    with workspace.connect() as con:
        return con.sql(
            """SELECT decided_at, action, readiness, target_position, reason, decided_by
               FROM nominations WHERE employee_id = ? ORDER BY nomination_id DESC""",
            params=[employee_id],
        ).pl()


def record(employee_id: str, department: str, action: str, reason: str, decided_by: str,
           readiness: str | None = None, target_position: str | None = None) -> None:
    """Validated by the access layer (who may act on whom); here: what a valid entry is."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action '{action}'")
    if not reason or not reason.strip():
        raise ValueError("a reason is required")
    if action == "nominate" and readiness not in READINESS:
        raise ValueError(f"readiness must be one of {', '.join(READINESS)}")
    with workspace.connect() as con:
        con.execute("BEGIN TRANSACTION")
        con.execute(
            "INSERT INTO nominations (employee_id, department, action, readiness, target_position, reason, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [employee_id, department, action, readiness if action == "nominate" else None,
             (target_position or "").strip() or None, reason.strip(), decided_by],
        )
        workspace.audit(con, decided_by, f"pool_{action}", employee_id, f"readiness={readiness}; target={target_position}; reason={reason.strip()}")
        con.execute("COMMIT")
