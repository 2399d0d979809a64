"""Nominations into the talent pool: an append-only history; the latest entry per person is the state."""
from __future__ import annotations

from datetime import date

import polars as pl

from . import pool, workspace
from .people import READINESS
from .auth import User
from .i18n import t
from .permissions import require_writer_for

ACTIONS = ("nominate", "remove")
# Why someone leaves the pool, as categories HR counts (the source document tracks "capability mismatch").
EXIT_REASONS = ("promoted", "left_company", "capability_mismatch", "review_outcome", "withdrew", "other")


def current(scope: tuple[str, ...] | None, cur=None, workspace_file=None) -> dict[str, str | None]:
    """employee_id -> readiness for everyone in the pool today within scope, by their current department
    (services.pool: the one definition; cur None reads the live analysis database)."""
    return pool.nominated(cur, scope, workspace_file)


# What a row of the history did: a 'nominate' row after another 'nominate' continues the membership with a new
# readiness (services.pool: the stint goes on, readiness is the latest 'nominate' row's).
CHANGES = ("nominate", "readiness_changed", "remove")


def history(employee_id: str) -> pl.DataFrame:
    """One person's nominations, newest first: decided_at, change (one of CHANGES), action, readiness, target_position,
    exit_reason, reason, decided_by."""
    with workspace.connect() as con:
        return con.sql(
            """SELECT decided_at,
                      CASE WHEN action = 'nominate' AND lag(action) OVER (ORDER BY nomination_id) = 'nominate'
                           THEN 'readiness_changed' ELSE action END AS change,
                      action, readiness, target_position, exit_reason, reason, decided_by
               FROM nominations WHERE employee_id = ? ORDER BY nomination_id DESC""",
            params=[employee_id],
        ).pl()


def _latest(employee_id: str) -> tuple | None:
    """The person's latest nominations row: (action, readiness, target_position), or None."""
    with workspace.connect() as con:
        rows = con.sql("""SELECT action, readiness, target_position FROM nominations WHERE employee_id = ?
                          ORDER BY nomination_id DESC LIMIT 1""", params=[employee_id]).fetchall()
    return rows[0] if rows else None


def _require_standing(employee_id: str, member: bool) -> None:
    """A pool write that assumes the person is in the pool (remove, change readiness: member=True) or may join it
    (nominate: member=False) is refused otherwise, as services.pool counts membership: a stint ends with a 'remove'
    row or on the person's company exit, whatever the nominations log's last row says."""
    in_pool, left = pool.standing(employee_id)
    if member and not in_pool:
        raise ValueError(t("pool_write.left_company", employee_id=employee_id, day=left.isoformat()) if left is not None
                         else t("pool_write.not_in_pool"))
    if not member and in_pool:
        raise ValueError(t("pool_write.already_in_pool"))
    if not member and left is not None and left <= date.today():  # a nomination dated on or after the exit starts no stint
        raise ValueError(t("pool_write.left_company_nominate", employee_id=employee_id, day=left.isoformat()))


@workspace.writes("pool_nominate", "pool_remove")
def record(user: User, employee_id: str, department: str | None, action: str, reason: str, readiness: str | None = None,
           target_position: str | None = None, exit_reason: str | None = None) -> None:
    """HR or the head of the person's current department nominates them or removes them from the pool.
    department: the one on record, used only for a person the latest import no longer has."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action '{action}'")
    if not reason or not reason.strip():
        raise ValueError(t("pool_write.reason_required"))
    if action == "nominate" and readiness not in READINESS:
        raise ValueError(t("pool_write.readiness_unknown"))
    if action == "remove":
        if exit_reason is None:  # said explicitly: no default that would count a false exit
            raise ValueError(t("pool_write.exit_reason_required"))
        if exit_reason not in EXIT_REASONS:
            raise ValueError(t("pool_write.exit_reason_unknown"))
    else:
        exit_reason = None
    department = require_writer_for(user, employee_id, department)  # judged by the person's department now
    _require_standing(employee_id, member=action == "remove")
    with workspace.write(user.username, f"pool_{action}", employee_id,
                         f"readiness={readiness}; target={target_position}; reason={reason.strip()}") as change:
        change.execute(
            "INSERT INTO nominations (employee_id, department, action, readiness, target_position, reason, decided_by, exit_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [employee_id, department, action, readiness if action == "nominate" else None,
             (target_position or "").strip() or None, reason.strip(), user.username, exit_reason],
        )


@workspace.writes("pool_readiness_changed")
def change_readiness(user: User, employee_id: str, department: str | None, readiness: str, reason: str,
                     target_position: str | None = None) -> None:
    """HR or the head of the person's current department changes a pool member's readiness (and, if given, the target
    position; otherwise the current one is kept). Recorded as a new 'nominate' row: the membership goes on, with no exit.
    department: the one on record, used only for a person the latest import no longer has."""
    if readiness not in READINESS:
        raise ValueError(t("pool_write.readiness_unknown"))
    if not reason or not reason.strip():
        raise ValueError(t("pool_write.reason_required"))
    department = require_writer_for(user, employee_id, department)  # judged by the person's department now
    _require_standing(employee_id, member=True)
    latest = _latest(employee_id)  # a member's latest row is a 'nominate' (services.pool)
    target = (target_position or "").strip() or latest[2]
    if readiness == latest[1] and target == latest[2]:
        raise ValueError(t("pool_write.readiness_unchanged"))
    with workspace.write(user.username, "pool_readiness_changed", employee_id,
                         f"readiness {latest[1]} -> {readiness}; target={target}; reason={reason.strip()}") as change:
        change.execute(
            "INSERT INTO nominations (employee_id, department, action, readiness, target_position, reason, decided_by) VALUES (?, ?, 'nominate', ?, ?, ?, ?)",
            [employee_id, department, readiness, target, reason.strip(), user.username],
        )
