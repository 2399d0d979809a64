"""Succession per key seat (issue #16): key seats, their holders and named successors.

A key seat is a middle-management seat (`management_seat`) HR marks as key (`key_seats` in the workspace), known by
the person who held it when marked. Its successors are `seat_successors`, append-only: the latest row per (seat,
person) is current when its action is 'name'. Everyone reads the current successors through `CURRENT_SUCCESSORS`.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import duckdb
import polars as pl

from . import flight_risk, pool, workspace
from .auth import User
from .i18n import t
from .permissions import NotAllowed, current_departments, require_writer, scoped_to_current
from .queries import scope_condition

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
    with workspace.connect(workspace_file) as con:
        return con.sql(
            f"""SELECT c.seat_id, k.department, k.position, k.holder_id, c.readiness, c.rank
                FROM ({CURRENT_SUCCESSORS}) c JOIN key_seats k USING (seat_id)
                WHERE c.employee_id = ? ORDER BY c.readiness = 'ready_now' DESC, c.rank, c.seat_id""",
            params=[employee_id]).pl().cast(NAMED_SCHEMA)


# --- reads (each takes a cursor on the analysis database and the viewer's department scope) -------------------------
Scope = tuple[str, ...] | None
BENCH = ("empty", "not_ready", "fragile", "covered")  # worst first: no successor, none ready now, a flag, covered
FLAGS = ("vacant", "no_ready_now", "single_shared", "high_risk_high_impact")
# A pool readiness (services.people.READINESS) as the readiness for a seat, to suggest when naming someone.
FROM_POOL_READINESS = {"ready_now": "ready_now", "ready_1_2_years": "1_2_years", "ready_3_plus_years": "3_plus_years"}
SEAT_SCHEMA = {"seat_id": pl.Int64, "department": pl.String, "position": pl.String, "holder_id": pl.String,
               "holder_name": pl.String, "held": pl.Boolean, "vacancy": pl.String, "impact": pl.String,
               "risk_band": pl.String, "risk_probability": pl.Float64, "successors": pl.UInt32, "ready_now": pl.UInt32,
               "no_ready_now": pl.Boolean, "single_shared": pl.Boolean, "high_risk_high_impact": pl.Boolean,
               "bench": pl.String, "marked_by": pl.String, "marked_at": pl.Datetime("us")}


@lru_cache(maxsize=4)
def _records(file: str, version: str | None) -> tuple[pl.DataFrame, pl.DataFrame]:
    # version (workspace.version) only keys the cache: one read of the file per change.
    with workspace.connect(workspace.location(file)) as con:
        seats = con.sql("SELECT seat_id, holder_id, department, position, impact, active, marked_by, marked_at FROM key_seats").pl()
        named = con.sql(CURRENT_SUCCESSORS).pl()
    return seats, named


def _register(cur: duckdb.DuckDBPyConnection, workspace_file: str | Path | None = None) -> str:
    """key_seats as `key_seats_log` and the current successors as `successors_log` in `cur`, with the pool's
    nominations (services.pool); returns the pool's CTEs (company-wide) whose `current_members` a successor must be in."""
    path = workspace.location(workspace_file)
    seats, named = _records(str(path), workspace.version(path))
    cur.register("key_seats_log", seats)
    cur.register("successors_log", named)
    pool.register(cur, path)
    sql, _ = pool.ctes()
    return sql


def _current_successors(pool_ctes: str) -> str:
    """Current successors who are pool members today (a leaver's stint ended: they drop out), with the number of
    active seats each is named for."""
    return f"""WITH {pool_ctes},
        named AS (SELECT s.*, m.department AS successor_department, m.readiness AS pool_readiness
                  FROM successors_log s JOIN current_members m USING (employee_id))
        SELECT *, count(*) OVER (PARTITION BY employee_id) AS seats_named FROM named"""


def seats(cur: duckdb.DuckDBPyConnection, scope: Scope = None, department: str | None = None,
          workspace_file: str | Path | None = None) -> pl.DataFrame:
    """Every active key seat of a department in scope: holder (still holding it? vacancy 'left_company' / 'moved'),
    impact, the holder's flight risk (null: not scored), successors and ready-now counts (company-wide pool members:
    a seat's bench does not depend on who looks), the bench flags and the seat's bench strength (BENCH)."""
    pool_ctes = _register(cur, workspace_file)
    where, params = scope_condition(scope, department, "k.department")
    frame = cur.sql(f"""
        WITH succ AS ({_current_successors(pool_ctes)}),
        bench AS (SELECT seat_id, count(*) AS successors, count(*) FILTER (WHERE readiness = 'ready_now') AS ready_now,
                         max(seats_named) AS most_seats_named FROM succ GROUP BY seat_id)
        SELECT k.seat_id, k.department, k.position, k.holder_id, coalesce(e.name, k.holder_id) AS holder_name,
               CASE WHEN e.employee_id IS NULL OR e.status = 'left' OR e.exit_date IS NOT NULL THEN 'left_company'
                    WHEN e.department <> k.department OR e.position IS DISTINCT FROM k.position THEN 'moved' END AS vacancy,
               k.impact, coalesce(b.successors, 0)::UINTEGER AS successors, coalesce(b.ready_now, 0)::UINTEGER AS ready_now,
               coalesce(b.successors = 1 AND b.most_seats_named > 1, false) AS single_shared,
               k.marked_by, k.marked_at
        FROM key_seats_log k LEFT JOIN analysis_employee e ON e.employee_id = k.holder_id LEFT JOIN bench b USING (seat_id)
        WHERE k.active AND {where} ORDER BY k.department, k.position, e.name, k.seat_id""", params=params).pl()
    holders = frame["holder_id"].to_list()  # the seats' holders only, not everyone scored
    risk = flight_risk.scores(cur, None, employee_ids=holders).select(pl.col("employee_id").alias("holder_id"), pl.col("risk_band"),
                                                 pl.col("probability").alias("risk_probability"))
    held = pl.col("vacancy").is_null()
    return (frame.join(risk, on="holder_id", how="left")
            .with_columns(held.alias("held"),
                          pl.when(held).then(pl.col("risk_band")).alias("risk_band"),  # a vacant seat's holder is no risk of it
                          pl.when(held).then(pl.col("risk_probability")).alias("risk_probability"),
                          (pl.col("ready_now") == 0).alias("no_ready_now"))
            .with_columns((pl.col("held") & (pl.col("risk_band") == "high") & (pl.col("impact") == "high")).fill_null(False)
                          .alias("high_risk_high_impact"))
            .with_columns(pl.when(pl.col("successors") == 0).then(pl.lit("empty"))
                          .when(pl.col("no_ready_now")).then(pl.lit("not_ready"))
                          .when(pl.col("single_shared") | pl.col("high_risk_high_impact") | ~pl.col("held")).then(pl.lit("fragile"))
                          .otherwise(pl.lit("covered")).alias("bench"))
            .select(list(SEAT_SCHEMA)).cast(SEAT_SCHEMA))


SUCCESSOR_SCHEMA = {"position_in_line": pl.UInt32, "employee_id": pl.String, "name": pl.String, "department": pl.String,
                    "readiness": pl.String, "rank": pl.Int32, "seats_named": pl.UInt32, "reason": pl.String,
                    "decided_by": pl.String, "decided_at": pl.Datetime("us")}


def successors(cur: duckdb.DuckDBPyConnection, scope: Scope, seat_id: int,
               workspace_file: str | Path | None = None) -> pl.DataFrame:
    """A seat's current successors in order (position_in_line 1, 2, …), those in the viewer's scope; empty for a seat
    outside it. seats_named: how many active seats the person is named for in all."""
    pool_ctes = _register(cur, workspace_file)
    where, params = scope_condition(scope, None, "s.successor_department")
    seat_where, seat_params = scope_condition(scope, None, "k.department")
    return cur.sql(f"""
        WITH succ AS ({_current_successors(pool_ctes)})
        SELECT row_number() OVER (ORDER BY s.rank, s.decided_at DESC)::UINTEGER AS position_in_line, s.employee_id, e.name,
               s.successor_department AS department, s.readiness, s.rank, s.seats_named::UINTEGER AS seats_named,
               s.reason, s.decided_by, s.decided_at
        FROM succ s JOIN key_seats_log k USING (seat_id) LEFT JOIN analysis_employee e USING (employee_id)
        WHERE s.seat_id = ? AND k.active AND {seat_where} AND {where}
        ORDER BY position_in_line""", params=[seat_id, *seat_params, *params]).pl().cast(SUCCESSOR_SCHEMA)


HISTORY_SCHEMA = {"decided_at": pl.Datetime("us"), "decided_by": pl.String, "change": pl.String, "employee_id": pl.String,
                  "name": pl.String, "readiness": pl.String, "rank": pl.Int32, "reason": pl.String}


def history(cur: duckdb.DuckDBPyConnection, scope: Scope, seat_id: int, workspace_file: str | Path | None = None) -> pl.DataFrame:
    """Every change to a seat's successors, newest first (who, when, why): 'name' and 'remove' rows as kept, people
    outside the viewer's scope left out; empty for a seat outside scope. The seat's own changes (marked, impact) are
    in the audit log under the target 'seat <id>'."""
    path = workspace.location(workspace_file)
    with workspace.connect(path) as con:
        changes = con.sql("""SELECT s.decided_at, s.decided_by, s.action AS change, s.employee_id, s.readiness, s.rank, s.reason,
                                    k.department AS seat_department
                             FROM seat_successors s JOIN key_seats k USING (seat_id) WHERE s.seat_id = ?
                             ORDER BY s.change_id DESC""", params=[seat_id]).pl()
    if changes.height == 0 or (scope is not None and changes["seat_department"][0] not in scope):
        return pl.DataFrame(schema=HISTORY_SCHEMA)
    people = cur.sql("SELECT employee_id, name FROM analysis_employee WHERE employee_id IN (SELECT unnest(?::VARCHAR[]))",
                     params=[changes["employee_id"].unique().to_list()]).pl()
    visible = scoped_to_current(changes.with_columns(pl.col("seat_department").alias("department")), scope, cur)
    return visible.join(people, on="employee_id", how="left").select(list(HISTORY_SCHEMA)).cast(HISTORY_SCHEMA)


ROLLUP_SCHEMA = {"department": pl.String, "seats": pl.UInt32, "covered": pl.UInt32, "no_ready_now": pl.UInt32,
                 "single_shared": pl.UInt32, "high_risk_high_impact": pl.UInt32, "vacant": pl.UInt32,
                 "successors": pl.UInt32, "ready_now": pl.UInt32}


def bench_by_department(cur: duckdb.DuckDBPyConnection, scope: Scope = None, workspace_file: str | Path | None = None) -> pl.DataFrame:
    """Per department in scope with key seats: how many, how many covered, and how many carry each bench flag."""
    return (seats(cur, scope, workspace_file=workspace_file).group_by("department")
            .agg(pl.len().alias("seats"), (pl.col("bench") == "covered").sum().alias("covered"),
                 *[pl.col(f).sum() for f in ("no_ready_now", "single_shared", "high_risk_high_impact")],
                 (~pl.col("held")).sum().alias("vacant"), pl.col("successors").sum(), pl.col("ready_now").sum())
            .sort("department").cast(ROLLUP_SCHEMA))


CANDIDATE_SCHEMA = {"employee_id": pl.String, "name": pl.String, "department": pl.String, "position": pl.String,
                    "job_level": pl.Int64, "direct_reports": pl.Int64}


def candidate_seats(cur: duckdb.DuckDBPyConnection, scope: Scope = None, department: str | None = None,
                    workspace_file: str | Path | None = None) -> pl.DataFrame:
    """Middle-management seats held today (management_seat) of a department in scope that are not key seats yet."""
    _register(cur, workspace_file)
    where, params = scope_condition(scope, department, "m.department")
    return cur.sql(f"""
        SELECT m.employee_id, e.name, m.department, m.position, m.job_level,
               (SELECT count(*) FROM analysis_employee r WHERE r.manager_id = m.employee_id AND r.status = 'active') AS direct_reports
        FROM management_seat m JOIN analysis_employee e USING (employee_id)
        WHERE m.is_seat AND m.status = 'active' AND {where}
          AND NOT EXISTS (SELECT 1 FROM key_seats_log k WHERE k.active AND k.holder_id = m.employee_id
                          AND k.department = m.department AND k.position IS NOT DISTINCT FROM m.position)
        ORDER BY m.department, m.position, e.name""", params=params).pl().cast(CANDIDATE_SCHEMA)


CHART_SCHEMA = {"employee_id": pl.String, "parent_id": pl.String, "name": pl.String, "position": pl.String,
                "depth": pl.Int32, "x": pl.Float64, "parent_x": pl.Float64, "seat_id": pl.Int64, "bench": pl.String}


def org_chart(cur: duckdb.DuckDBPyConnection, scope: Scope, department: str, workspace_file: str | Path | None = None) -> pl.DataFrame:
    """The reporting line (employees' manager_id) of a department's key seats: each seat holder and their managers up
    to the department's top (people of other departments are not shown), as parent/child pairs with a tree layout:
    depth (0 = the top) and x (leaves side by side, a manager above the middle of their people). seat_id and bench
    (BENCH) on the key seats' holders, null on the managers between them."""
    if scope is not None and department not in scope:
        return pl.DataFrame(schema=CHART_SCHEMA)
    key = seats(cur, scope, department, workspace_file).select("seat_id", pl.col("holder_id").alias("employee_id"), "bench")
    if key.height == 0:
        return pl.DataFrame(schema=CHART_SCHEMA)
    cur.register("chart_seats", key)
    return cur.sql("""
        WITH RECURSIVE up(employee_id) AS (
            SELECT employee_id FROM chart_seats
            UNION
            SELECT e.manager_id FROM up JOIN analysis_employee e USING (employee_id)
            JOIN analysis_employee m ON m.employee_id = e.manager_id
            WHERE m.department = $department),
        node AS (SELECT e.employee_id, e.name, e.position,
                        CASE WHEN e.manager_id IN (SELECT employee_id FROM up) THEN e.manager_id END AS parent_id
                 FROM analysis_employee e WHERE e.employee_id IN (SELECT employee_id FROM up)),
        down(employee_id, depth, path) AS (
            SELECT employee_id, 0, [name || employee_id] FROM node WHERE parent_id IS NULL
            UNION ALL
            SELECT n.employee_id, d.depth + 1, list_append(d.path, n.name || n.employee_id)
            FROM down d JOIN node n ON n.parent_id = d.employee_id),
        leaf AS (SELECT d.employee_id, d.path, (row_number() OVER (ORDER BY array_to_string(d.path, '/')) - 1)::DOUBLE AS x
                 FROM down d WHERE NOT EXISTS (SELECT 1 FROM node c WHERE c.parent_id = d.employee_id)),
        placed AS (SELECT d.employee_id, d.depth, avg(l.x) AS x
                   FROM down d JOIN leaf l ON l.path[1:len(d.path)] = d.path GROUP BY d.employee_id, d.depth)
        SELECT n.employee_id, n.parent_id, n.name, n.position, p.depth::INTEGER AS depth, p.x, pp.x AS parent_x, s.seat_id, s.bench
        FROM node n JOIN placed p USING (employee_id) LEFT JOIN placed pp ON pp.employee_id = n.parent_id
        LEFT JOIN chart_seats s USING (employee_id)
        ORDER BY p.depth, p.x""", params={"department": department}).pl().cast(CHART_SCHEMA)


POOL_SCHEMA = {"employee_id": pl.String, "name": pl.String, "department": pl.String, "readiness": pl.String,
               "target_position": pl.String}


def pool_choices(cur: duckdb.DuckDBPyConnection, scope: Scope = None, workspace_file: str | Path | None = None) -> pl.DataFrame:
    """Today's pool members in scope (whom a successor may be), with their pool readiness as a seat readiness."""
    members = pool.current_members(cur, scope, workspace_file=workspace_file)
    names = cur.sql("SELECT employee_id, name FROM analysis_employee WHERE employee_id IN (SELECT unnest(?::VARCHAR[]))",
                    params=[members["employee_id"].to_list()]).pl()
    return (members.join(names, on="employee_id", how="left")
            .with_columns(pl.col("readiness").replace_strict(FROM_POOL_READINESS, default=None))
            .select(list(POOL_SCHEMA)).cast(POOL_SCHEMA).sort("department", "name"))


# --- writes: HR marks seats and sets their impact; HR or the head of the seat's department names successors ---------
def _require_hr(user: User) -> None:
    if not user.can("manage_company_records"):
        raise NotAllowed(t("succession.refused_hr_only"))


def _reason(reason: str | None) -> str:
    if not reason or not reason.strip():
        raise ValueError(t("succession.reason_required"))
    return reason.strip()


def _seat(seat_id: int) -> dict:
    """The active key seat, or ValueError in words."""
    with workspace.connect() as con:
        found = con.sql("SELECT seat_id, holder_id, department, position, impact FROM key_seats WHERE seat_id = ? AND active",
                        params=[int(seat_id)]).pl()
    if found.height == 0:
        raise ValueError(t("succession.no_such_seat"))
    return found.row(0, named=True)


def _seat_line(seat_id: int) -> pl.DataFrame:
    """The seat's current successors (every one named, whatever their pool standing), in order: employee_id,
    department, readiness, rank."""
    with workspace.connect() as con:
        return con.sql(f"""SELECT employee_id, department, readiness, rank FROM ({CURRENT_SUCCESSORS}) c
                           WHERE seat_id = ? ORDER BY rank, decided_at DESC""", params=[int(seat_id)]).pl()


def _renumbered(line: pl.DataFrame, reason: str, user: User, seat_id: int) -> pl.DataFrame:
    """Rows to append for the successors whose rank changes when `line` (in its new order) is numbered 1, 2, …"""
    return (line.with_row_index("new_rank", offset=1).filter(pl.col("rank").is_null() | (pl.col("rank") != pl.col("new_rank")))
            .select(pl.lit(int(seat_id)).alias("seat_id"), "employee_id", "department", pl.lit("name").alias("action"),
                    "readiness", pl.col("new_rank").cast(pl.Int32).alias("rank"), pl.lit(reason).alias("reason"),
                    pl.lit(user.username).alias("decided_by")))


def _append(change, rows: pl.DataFrame) -> None:
    change.register("seat_changes", rows.to_arrow())
    change.execute("""INSERT INTO seat_successors (seat_id, employee_id, department, action, readiness, rank, reason, decided_by)
                      SELECT seat_id, employee_id, department, action, readiness, rank, reason, decided_by FROM seat_changes""")
    change.unregister("seat_changes")


def _hr_decision(user: User, reason: str, impact: str) -> str:
    """HR's decision on a key seat: HR only, a reason, a known impact; the reason as kept."""
    _require_hr(user)
    reason = _reason(reason)
    if impact not in IMPACTS:
        raise ValueError(t("succession.impact_unknown"))
    return reason


@workspace.writes("key_seat_marked")
def mark_key_seat(user: User, holder_id: str, impact: str, reason: str) -> int:
    """HR marks the middle-management seat a person holds today as a key seat, with its impact of loss; the seat's id."""
    reason = _hr_decision(user, reason, impact)
    with pool._live_cursor() as cur:
        held = [] if cur is None else cur.sql(
            """SELECT department, position FROM management_seat WHERE employee_id = ? AND is_seat AND status = 'active'""",
            params=[str(holder_id)]).fetchall()
    if not held:
        raise ValueError(t("succession.not_a_seat"))
    department, position = held[0]
    with workspace.connect() as con:
        if con.sql("SELECT 1 FROM key_seats WHERE active AND holder_id = ? AND department = ? AND position IS NOT DISTINCT FROM ?",
                   params=[str(holder_id), department, position]).fetchall():
            raise ValueError(t("succession.already_key"))
    with workspace.write(user.username, "key_seat_marked", None,
                         f"holder={holder_id}; department={department}; position={position}; impact={impact}; reason={reason}") as change:
        seat_id = change.sql("""INSERT INTO key_seats (holder_id, department, position, impact, marked_by) VALUES (?, ?, ?, ?, ?)
                                RETURNING seat_id""", params=[str(holder_id), department, position, impact, user.username]).fetchall()[0][0]
        change.target = f"seat {seat_id}"
    return seat_id


@workspace.writes("key_seat_unmarked")
def unmark_key_seat(user: User, seat_id: int, reason: str) -> None:
    """HR takes a seat off the key seats (kept, inactive: its successors' history stays)."""
    _require_hr(user)
    reason = _reason(reason)
    seat = _seat(seat_id)
    with workspace.write(user.username, "key_seat_unmarked", f"seat {seat['seat_id']}",
                         f"holder={seat['holder_id']}; position={seat['position']}; reason={reason}") as change:
        change.execute("UPDATE key_seats SET active = false WHERE seat_id = ?", [seat["seat_id"]])


@workspace.writes("key_seat_impact_set")
def set_impact(user: User, seat_id: int, impact: str, reason: str) -> None:
    """HR sets a key seat's impact of loss (low / medium / high)."""
    reason = _hr_decision(user, reason, impact)
    seat = _seat(seat_id)
    if seat["impact"] == impact:
        raise ValueError(t("succession.impact_unchanged"))
    with workspace.write(user.username, "key_seat_impact_set", f"seat {seat['seat_id']}",
                         f"impact {seat['impact']} -> {impact}; reason={reason}") as change:
        change.execute("UPDATE key_seats SET impact = ? WHERE seat_id = ?", [impact, seat["seat_id"]])


@workspace.writes("successor_named")
def name_successor(user: User, seat_id: int, employee_id: str, readiness: str, rank: int | None, reason: str) -> None:
    """HR, or the head of the seat's department, names a pool member of a department they may write for as the
    seat's successor at `rank` (1 = first in line; None = last), or changes a named successor's readiness or place.
    The others keep their order and are renumbered 1, 2, … (each change a row: who, when, why)."""
    seat = _seat(seat_id)
    try:
        require_writer(user, seat["department"])
    except NotAllowed:
        raise NotAllowed(t("succession.refused_seat", department=seat["department"])) from None
    reason = _reason(reason)
    if readiness not in READINESS:
        raise ValueError(t("succession.readiness_unknown"))
    employee_id = str(employee_id)
    if employee_id == seat["holder_id"]:
        raise ValueError(t("succession.holder_not_successor"))
    with pool._live_cursor() as cur:  # one look at the analysis database: today's pool (services.pool) and the department
        members = pl.DataFrame(schema=pool.MEMBER_SCHEMA) if cur is None else pool.current_members(cur, None)
        department = (current_departments([employee_id], cur)["current_department"].to_list() or [None])[0] if cur is not None else None
    if employee_id not in members["employee_id"].to_list():
        raise ValueError(t("succession.not_in_pool"))
    try:
        require_writer(user, department)
    except NotAllowed:
        raise NotAllowed(t("succession.refused_person", department=department)) from None
    line = _seat_line(seat_id)
    before = line.filter(pl.col("employee_id") == employee_id)
    others = line.filter(pl.col("employee_id") != employee_id)
    place = others.height + 1 if rank is None else max(1, min(int(rank), others.height + 1))
    now_at = line["employee_id"].to_list().index(employee_id) + 1 if before.height else None
    if now_at == place and before["readiness"][0] == readiness:
        raise ValueError(t("succession.unchanged"))
    person = pl.DataFrame({"employee_id": [employee_id], "department": [department], "readiness": [readiness], "rank": [None]},
                          schema={"employee_id": pl.String, "department": pl.String, "readiness": pl.String, "rank": pl.Int32})
    ordered = pl.concat([others.head(place - 1).cast(person.schema), person, others.slice(place - 1).cast(person.schema)])
    rows = _renumbered(ordered, reason, user, seat_id)  # the named person's row always (their rank is null here)
    with workspace.write(user.username, "successor_named", f"seat {seat['seat_id']}",
                         f"employee={employee_id}; readiness={readiness}; rank={place}; reason={reason}") as change:
        _append(change, rows)


@workspace.writes("successor_removed")
def remove_successor(user: User, seat_id: int, employee_id: str, reason: str) -> None:
    """HR, or the head of the seat's department, takes a named successor off the seat; the rest close up."""
    seat = _seat(seat_id)
    try:
        require_writer(user, seat["department"])
    except NotAllowed:
        raise NotAllowed(t("succession.refused_seat", department=seat["department"])) from None
    reason = _reason(reason)
    line = _seat_line(seat_id)
    gone = line.filter(pl.col("employee_id") == str(employee_id))
    if gone.height == 0:
        raise ValueError(t("succession.not_named"))
    removal = gone.select(pl.lit(int(seat_id)).alias("seat_id"), "employee_id", "department", pl.lit("remove").alias("action"),
                          pl.lit(None, pl.String).alias("readiness"), pl.lit(None, pl.Int32).alias("rank"),
                          pl.lit(reason).alias("reason"), pl.lit(user.username).alias("decided_by"))
    rest = _renumbered(line.filter(pl.col("employee_id") != str(employee_id)), reason, user, seat_id)
    with workspace.write(user.username, "successor_removed", f"seat {seat['seat_id']}",
                         f"employee={employee_id}; reason={reason}") as change:
        _append(change, pl.concat([removal, rest.cast(removal.schema)]))
