"""9-box calibration: a person moved to another box, with a reason; the original placement is kept.

The calibration session (issue #16): HR opens a session for some departments and a meeting date; its participants
(HR, and the heads of those departments for their own people) move people of those departments to another box with
a reason. A move is a grid_calibrations row with the session's id, so everyone sees it on their next rerun and the
talent grid shows it too. HR locks the session: the calibrated grid is kept as calibration_snapshots (original and
calibrated box, who moved and why) and the session is read from that snapshot from then on; nothing changes it.
"""
from __future__ import annotations

import contextlib
from datetime import date, datetime
from typing import Iterator

import duckdb
import polars as pl

from . import workspace
from .auth import User
from .people import BANDS, BOXES, nine_box
from .permissions import NotAllowed, require_role, require_writer_for, scoped_to_current

# A box's level for the direction of a move: performance + potential (low 0, medium 1, high 2). Up = to a box of a
# higher sum, down = lower; the same sum in another box (high performance, low potential -> low, high) is "across".
LEVEL = {band: i for i, band in enumerate(BANDS)}
DIRECTIONS = ("up", "down", "across")
TOP_BOX, BOTTOM_BOX = BOXES[("high", "high")], BOXES[("low", "low")]


def current(scope: tuple[str, ...] | None) -> pl.DataFrame:
    """The latest calibrated placement per person within scope (a session's moves included)."""
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


def _check_box(box: tuple[str, str]) -> tuple[str, str]:
    if len(box) != 2 or box[0] not in BANDS or box[1] not in BANDS:
        raise ValueError(f"a box is a pair of {', '.join(BANDS)}")
    return box[0], box[1]


def _reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise ValueError("a reason is required")
    return reason.strip()[:2000]


@workspace.writes("grid_calibrated")
def record(user: User, employee_id: str, department: str | None, original: tuple[str, str], target: tuple[str, str],
           reason: str) -> None:
    """HR or the head of the person's current department moves them to another box (original: the box the data gives).
    department: the one on record, used only for a person the latest import no longer has."""
    _check_box(target)
    reason = _reason(reason)
    department = require_writer_for(user, employee_id, department)  # judged by the person's department now
    with workspace.write(user.username, "grid_calibrated", employee_id, f"{original} -> {target}; reason={reason}") as change:
        change.execute(
            "INSERT INTO grid_calibrations (employee_id, department, from_performance, from_potential, to_performance, to_potential, reason, decided_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [employee_id, department, original[0], original[1], target[0], target[1], reason, user.username],
        )


# --- the calibration session ------------------------------------------------------------------------------------
@contextlib.contextmanager
def _analysis(cur: duckdb.DuckDBPyConnection | None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The given cursor on the analysis database, else the live one opened read-only for this call."""
    if cur is not None:
        yield cur
        return
    from pipelines.db import connect_read_only, read_cursor
    from pipelines.settings import database_path

    con = connect_read_only(database_path())
    try:
        yield read_cursor(con)
    finally:
        con.close()


def _session(con: duckdb.DuckDBPyConnection, session_id: int) -> dict:
    found = con.sql("SELECT * FROM calibration_sessions WHERE session_id = ?", params=[int(session_id)]).pl()
    if found.height == 0:
        raise ValueError(f"no calibration session {session_id}")
    return found.row(0, named=True)


def _departments(cur: duckdb.DuckDBPyConnection) -> list[str]:
    return [r[0] for r in cur.sql("SELECT DISTINCT department FROM person_department ORDER BY 1").fetchall()]


@workspace.writes("calibration_session_opened")
def open_session(user: User, name: str, departments: list[str] | tuple[str, ...], meeting_date: date,
                 cur: duckdb.DuckDBPyConnection | None = None, at: datetime | None = None) -> int:
    """HR opens a session for some departments (each must exist in the latest import) and a meeting date; returns its id."""
    require_role(user, "hr_admin")  # manage_company_records
    name = " ".join((name or "").split())[:200]
    if not name:
        raise ValueError("a session needs a name")
    chosen = sorted(dict.fromkeys(d for d in departments if d))
    if not chosen:
        raise ValueError("choose at least one department")
    with _analysis(cur) as c:
        unknown = sorted(set(chosen) - set(_departments(c)))
    if unknown:
        raise ValueError(f"no department {', '.join(unknown)} in the latest import")
    with workspace.write(user.username, "calibration_session_opened", None,
                         f"date={meeting_date:%Y-%m-%d}; departments={','.join(chosen)}; name={name}") as change:
        session_id = change.execute(
            """INSERT INTO calibration_sessions (name, departments, meeting_date, opened_by, opened_at)
               VALUES (?, ?, ?, ?, coalesce(?, now()::TIMESTAMP)) RETURNING session_id""",
            [name, chosen, meeting_date, user.username, at]).fetchall()[0][0]
        change.target = str(session_id)
    return int(session_id)


def _placement(cur: duckdb.DuckDBPyConnection, department: str, employee_id: str) -> tuple[str, str] | None:
    """The box the data gives the person (services.people.nine_box), None when they are not on the grid."""
    grid = nine_box(cur, (department,), None).filter(pl.col("employee_id") == employee_id)
    return grid.select("performance", "potential").row(0) if grid.height else None


@workspace.writes("calibration_moved")
def move(user: User, session_id: int, employee_id: str, target_box: tuple[str, str], reason: str,
         cur: duckdb.DuckDBPyConnection | None = None, at: datetime | None = None) -> None:
    """A participant moves a person of the session's departments to another box, with a reason: HR, or the head of the
    person's current department when that department is in the session. Refused once the session is locked."""
    target = _check_box(target_box)
    reason = _reason(reason)
    with _analysis(cur) as c:
        department = require_writer_for(user, employee_id, None, c)  # HR, or the head of the person's department now
        original = _placement(c, department, employee_id)
    with workspace.write(user.username, "calibration_moved", employee_id) as change:
        # the session is judged inside the transaction: a lock that came in between wins, and a refusal writes nothing
        session = _session(change.con, session_id)
        if session["locked_at"] is not None:
            raise NotAllowed(f"The session “{session['name']}” is locked: its grid can no longer change.")
        if department not in session["departments"]:
            raise NotAllowed(f"{department} is not part of the session “{session['name']}”.")
        if original is None:
            raise ValueError(f"{employee_id} is not on the 9-box (no annual rating or potential)")
        before = change.execute(
            """SELECT arg_max(to_performance, calibration_id), arg_max(to_potential, calibration_id)
               FROM grid_calibrations WHERE session_id = ? AND employee_id = ?""", [int(session_id), employee_id]).fetchall()[0]
        before = before if before[0] is not None else original
        if tuple(before) == target:
            raise ValueError(f"{employee_id} is in that box already")
        change.execute(
            """INSERT INTO grid_calibrations (employee_id, department, from_performance, from_potential, to_performance, to_potential,
                                              reason, decided_by, decided_at, session_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, coalesce(?, now()::TIMESTAMP), ?)""",
            [employee_id, department, before[0], before[1], target[0], target[1], reason, user.username, at, int(session_id)])
        change.detail = f"session={int(session_id)}; from={before[0]}/{before[1]}; to={target[0]}/{target[1]}; reason={reason}"


def _live_grid(cur: duckdb.DuckDBPyConnection, departments: list[str], session_id: int) -> pl.DataFrame:
    """The session's people now: their box from the data, and the box of their latest move in the session."""
    grid = nine_box(cur, tuple(departments), None)
    with workspace.connect() as con:
        moves = con.sql(
            """SELECT employee_id, arg_max(to_performance, calibration_id) AS calibrated_performance,
                      arg_max(to_potential, calibration_id) AS calibrated_potential,
                      arg_max(decided_by, calibration_id) AS moved_by, arg_max(reason, calibration_id) AS reason
               FROM grid_calibrations WHERE session_id = ? GROUP BY employee_id""", params=[int(session_id)]).pl()
    return (grid.select("employee_id", "name", "department", "position", "potential_value",
                        pl.col("performance").alias("original_performance"), pl.col("potential").alias("original_potential"))
            .join(moves, on="employee_id", how="left")
            .with_columns(pl.coalesce("calibrated_performance", "original_performance").alias("calibrated_performance"),
                          pl.coalesce("calibrated_potential", "original_potential").alias("calibrated_potential")))


@workspace.writes("calibration_session_locked")
def lock_session(user: User, session_id: int, cur: duckdb.DuckDBPyConnection | None = None, at: datetime | None = None) -> int:
    """HR locks the session: every person of its departments on the grid is kept with their original and calibrated
    box, and who moved them last and why (none: not moved). Returns how many people the snapshot holds."""
    require_role(user, "hr_admin")  # manage_company_records
    with workspace.connect() as con:
        session = _session(con, session_id)
    if session["locked_at"] is not None:
        raise ValueError(f"the session “{session['name']}” is locked already")
    with _analysis(cur) as c:
        grid = _live_grid(c, list(session["departments"]), session_id)
    snapshot = grid.select("employee_id", "department", "original_performance", "original_potential", "calibrated_performance",
                           "calibrated_potential", "moved_by", "reason")
    moved = snapshot.filter(pl.col("moved_by").is_not_null()).height
    with workspace.write(user.username, "calibration_session_locked", str(int(session_id)),
                         f"{snapshot.height} people; {moved} moved") as change:
        updated = change.execute("""UPDATE calibration_sessions SET locked_by = ?, locked_at = coalesce(?, now()::TIMESTAMP)
                                    WHERE session_id = ? AND locked_at IS NULL RETURNING session_id""",
                                 [user.username, at, int(session_id)]).fetchall()
        if not updated:  # locked by someone else in between
            raise ValueError(f"the session “{session['name']}” is locked already")
        change.register("calibration_snapshot", snapshot.to_arrow())
        change.execute("""INSERT INTO calibration_snapshots (session_id, employee_id, department, original_performance, original_potential,
                                                             calibrated_performance, calibrated_potential, moved_by, reason)
                          SELECT ?, employee_id, department, original_performance, original_potential, calibrated_performance,
                                 calibrated_potential, moved_by, reason FROM calibration_snapshot""", [int(session_id)])
        change.unregister("calibration_snapshot")
    return snapshot.height


# --- reads -----------------------------------------------------------------------------------------------------
def sessions(scope: tuple[str, ...] | None) -> pl.DataFrame:
    """The sessions a viewer may see (whole company: all; a head: those with one of their departments), newest
    meeting first, with their number of moves and whether they are locked."""
    with workspace.connect() as con:
        frame = con.sql(
            """SELECT s.session_id, s.name, s.departments, s.meeting_date, s.opened_by, s.opened_at, s.locked_by, s.locked_at,
                      s.locked_at IS NOT NULL AS locked, count(g.calibration_id) AS moves
               FROM calibration_sessions s LEFT JOIN grid_calibrations g USING (session_id)
               WHERE $scope::VARCHAR[] IS NULL OR len(list_intersect(s.departments, $scope::VARCHAR[])) > 0
               GROUP BY ALL ORDER BY s.meeting_date DESC, s.session_id DESC""",
            params={"scope": None if scope is None else list(scope)}).pl()
    return frame.with_columns(pl.col("moves").cast(pl.Int64))


def session(session_id: int) -> dict:
    with workspace.connect() as con:
        return _session(con, session_id)


def _with_boxes(frame: pl.DataFrame) -> pl.DataFrame:
    box = {f"{k[0]}/{k[1]}": v for k, v in BOXES.items()}
    return frame.with_columns(
        pl.concat_str("original_performance", "original_potential", separator="/").replace_strict(box, default=None).alias("original_box"),
        pl.concat_str("performance", "potential", separator="/").replace_strict(box, default=None).alias("box"),
        _direction("original_performance", "original_potential", "performance", "potential").alias("direction"))


def _direction(from_perf: str, from_pot: str, to_perf: str, to_pot: str) -> pl.Expr:
    """up / down / across (another box of the same level) / same (no change); null when a side is missing."""
    level = lambda p, q: pl.col(p).replace_strict(LEVEL, default=None) + pl.col(q).replace_strict(LEVEL, default=None)  # noqa: E731
    return (pl.when(pl.col(from_perf).is_null() | pl.col(to_perf).is_null()).then(None)
            .when((pl.col(from_perf) == pl.col(to_perf)) & (pl.col(from_pot) == pl.col(to_pot))).then(pl.lit("same"))
            .when(level(to_perf, to_pot) > level(from_perf, from_pot)).then(pl.lit("up"))
            .when(level(to_perf, to_pot) < level(from_perf, from_pot)).then(pl.lit("down"))
            .otherwise(pl.lit("across")))


GRID_COLUMNS = ("employee_id", "name", "department", "position", "potential_value", "original_performance", "original_potential",
                "performance", "potential", "moved", "moved_by", "reason")


def session_grid(cur: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None, session_id: int) -> pl.DataFrame:
    """The session's people within the viewer's scope: original box (the data's), calibrated box (performance,
    potential: the latest move in the session, else the original), moved (calibrated differs), who moved them last
    and why; box codes and the direction of the change. A locked session is read from its snapshot, an open one live."""
    meta = session(session_id)
    if meta["locked_at"] is not None:
        with workspace.connect() as con:
            kept = con.sql("SELECT * EXCLUDE (session_id) FROM calibration_snapshots WHERE session_id = ?", params=[int(session_id)]).pl()
        kept = scoped_to_current(kept, scope, cur)
        people = cur.sql(
            """SELECT a.employee_id, a.name, a.position, b.potential_value FROM analysis_employee a
               LEFT JOIN potential_band b USING (employee_id) WHERE a.employee_id IN (SELECT unnest($ids))""",
            params={"ids": kept["employee_id"].to_list()}).pl()
        grid = kept.join(people, on="employee_id", how="left").with_columns(pl.col("name").fill_null(pl.col("employee_id")))
    else:
        departments = [d for d in meta["departments"] if scope is None or d in scope]
        grid = _live_grid(cur, departments, session_id)
    grid = grid.rename({"calibrated_performance": "performance", "calibrated_potential": "potential"}).with_columns(
        ((pl.col("performance") != pl.col("original_performance")) | (pl.col("potential") != pl.col("original_potential"))).alias("moved"))
    return _with_boxes(grid.select(GRID_COLUMNS)).sort(["potential_value", "name"], descending=[True, False], nulls_last=True)


def guide() -> dict[str, tuple[float, float]]:
    """The distribution guide ([calibration] in config/talent.toml): box -> (lowest share, highest share)."""
    from .config import settings

    raw = settings().calibration
    unknown = sorted(set(raw) - set(BOXES.values()))
    if unknown:
        raise ValueError(f"[calibration] names no box {', '.join(unknown)}: the boxes are {', '.join(BOXES.values())}")
    return {box: (float(band[0]), float(band[1])) for box, band in raw.items()}


def distribution(grid: pl.DataFrame, guide: dict[str, tuple[float, float]]) -> pl.DataFrame:
    """Per box (all nine, top box first): people, their share of the grid, the guide's band (null where the guide
    says nothing) and whether the share is 'over' or 'under' it ('within', or null without a guide)."""
    boxes = pl.DataFrame({"box": [BOXES[(p, q)] for p in reversed(BANDS) for q in reversed(BANDS)]})
    counts = grid.group_by("box").agg(pl.len().cast(pl.Int64).alias("people"))
    bands = pl.DataFrame({"box": list(guide), "guide_min": [b[0] for b in guide.values()], "guide_max": [b[1] for b in guide.values()]},
                         schema={"box": pl.String, "guide_min": pl.Float64, "guide_max": pl.Float64})
    total = grid.height
    return (boxes.join(counts, on="box", how="left").join(bands, on="box", how="left", maintain_order="left")
            .with_columns(pl.col("people").fill_null(0))
            .with_columns((pl.col("people") / total if total else pl.lit(0.0)).cast(pl.Float64).alias("share"))
            .with_columns(pl.when(pl.col("guide_min").is_null()).then(None)
                          .when(pl.col("share") > pl.col("guide_max") + 1e-9).then(pl.lit("over"))
                          .when(pl.col("share") < pl.col("guide_min") - 1e-9).then(pl.lit("under"))
                          .otherwise(pl.lit("within")).alias("status"))
            .select("box", "people", "share", "guide_min", "guide_max", "status"))


def leniency(session_id: int) -> pl.DataFrame:
    """Moves per participant in the session: how many, up, down, across (each from the box before that move), and
    how many people; the most moves first."""
    with workspace.connect() as con:
        moves = con.sql("""SELECT decided_by, employee_id, from_performance, from_potential, to_performance, to_potential
                           FROM grid_calibrations WHERE session_id = ?""", params=[int(session_id)]).pl()
    moves = moves.with_columns(_direction("from_performance", "from_potential", "to_performance", "to_potential").alias("direction"))
    return (moves.group_by("decided_by")
            .agg(pl.len().cast(pl.Int64).alias("moves"),
                 *[(pl.col("direction") == d).sum().cast(pl.Int64).alias(d) for d in DIRECTIONS],
                 pl.col("employee_id").n_unique().cast(pl.Int64).alias("people"))
            .sort(["moves", "decided_by"], descending=[True, False]))


def previous_session(session_id: int) -> dict | None:
    """The last locked session before this one (earlier meeting, or the same day and opened earlier) that shares
    a department with it."""
    with workspace.connect() as con:
        this = _session(con, session_id)
        found = con.sql(
            """SELECT * FROM calibration_sessions
               WHERE locked_at IS NOT NULL AND session_id <> $id AND len(list_intersect(departments, $departments)) > 0
                 AND (meeting_date < $date OR (meeting_date = $date AND session_id < $id))
               ORDER BY meeting_date DESC, session_id DESC LIMIT 1""",
            params={"id": int(session_id), "departments": list(this["departments"]), "date": this["meeting_date"]}).pl()
    return found.row(0, named=True) if found.height else None


def compare_with_previous(cur: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None, session_id: int) -> dict:
    """Per person of this session (within scope): their calibrated box in the previous locked session
    (previous_session) and now, and the direction (up, down, across, same; 'new' when the previous one did not
    hold them). {"previous": the session or None, "people": frame, "counts": direction -> people}."""
    earlier = previous_session(session_id)
    now = session_grid(cur, scope, session_id).select("employee_id", "name", "department", "performance", "potential", "box")
    if earlier is None:
        return {"previous": None, "people": now.clear(), "counts": {}}
    with workspace.connect() as con:
        before = con.sql("""SELECT employee_id, calibrated_performance AS previous_performance, calibrated_potential AS previous_potential
                            FROM calibration_snapshots WHERE session_id = ?""", params=[earlier["session_id"]]).pl()
    box = {f"{k[0]}/{k[1]}": v for k, v in BOXES.items()}
    people = (now.join(before, on="employee_id", how="left")
              .with_columns(pl.concat_str("previous_performance", "previous_potential", separator="/")
                            .replace_strict(box, default=None).alias("previous_box"),
                            pl.coalesce(_direction("previous_performance", "previous_potential", "performance", "potential"),
                                        pl.lit("new")).alias("direction"))
              .select("employee_id", "name", "department", "previous_box", "box", "direction"))
    counts = dict(people.group_by("direction").agg(pl.len().cast(pl.Int64)).rows())
    return {"previous": earlier, "people": people, "counts": {d: int(counts.get(d, 0)) for d in ("up", "down", "across", "same", "new")}}
