"""Succession per key seat (issue #16): key seats, their holders and named successors.

A key seat is a middle-management seat (`management_seat`) HR marks as key (`key_seats` in the workspace), known by
the person who held it when marked. Its successors are `seat_successors`, append-only: the latest row per (seat,
person) is current when its action is 'name'. Everyone reads the current successors through `CURRENT_SUCCESSORS`.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from . import workspace

READINESS = ("ready_now", "1_2_years", "3_plus_years")
IMPACTS = ("low", "medium", "high")
# The current successors: the latest change per (seat, person) when it names them, on an active seat.
CURRENT_SUCCESSORS = """
SELECT s.seat_id, s.employee_id, s.department, s.readiness, s.rank, s.reason, s.decided_by, s.decided_at
FROM seat_successors s JOIN key_seats k USING (seat_id)
WHERE k.active AND s.action = 'name'
  AND s.change_id = (SELECT max(change_id) FROM seat_successors l WHERE l.seat_id = s.seat_id AND l.employee_id = s.employee_id)
"""
NAMED_SCHEMA = {"seat_id": pl.Int64, "department": pl.String, "position": pl.String, "holder_id": pl.String,
                "readiness": pl.String, "rank": pl.Int32}


def named_for(employee_id: str, workspace_file: str | Path | None = None) -> pl.DataFrame:
    """The key seats a person is named successor for: seat_id, the seat's department and position, its holder, and
    the person's readiness and rank there (the caller has checked the person is in the viewer's scope)."""
    with workspace.connect(Path(workspace_file) if workspace_file else None) as con:
        return con.sql(
            f"""SELECT c.seat_id, k.department, k.position, k.holder_id, c.readiness, c.rank
                FROM ({CURRENT_SUCCESSORS}) c JOIN key_seats k USING (seat_id)
                WHERE c.employee_id = ? ORDER BY c.readiness = 'ready_now' DESC, c.rank, c.seat_id""",
            params=[employee_id]).pl().cast(NAMED_SCHEMA)
