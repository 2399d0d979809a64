"""Development plans: templates (HR's general items + each department's own), candidates' plans, progress.

A plan is made from the template when a candidate gets one; every later change is a row in
plan_changes (HR tracks how often plans are adjusted, especially after a review). A change made while
the person is in an open review cycle is linked to that cycle.
A course item counts as done when the training import shows the same course completed on or after
the plan started, so nobody has to tick it by hand.
"""
from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl

from . import workspace
from .auth import User
from .permissions import NotAllowed, require_self, require_writer, require_writer_for, scoped_to_current

KINDS = ("course", "rotation", "project", "mentoring", "other")
STATUSES = ("planned", "in_progress", "done", "dropped")
SOURCES = ("general", "department", "individual")


def _text(value: str | None, what: str) -> str:
    if not value or not value.strip():
        raise ValueError(f"{what} is required")
    return value.strip()


def _open_cycle(con: duckdb.DuckDBPyConnection, employee_id: str) -> str | None:
    found = con.sql(
        """SELECT m.cycle_id FROM review_members m JOIN review_cycles c USING (cycle_id)
           WHERE c.status = 'open' AND m.employee_id = ? ORDER BY c.opened_at DESC LIMIT 1""", params=[employee_id]).fetchall()
    return found[0][0] if found else None


# --- templates ---------------------------------------------------------------------------------
def template(departments: tuple[str, ...] | None = None) -> pl.DataFrame:
    """Active template items: the general ones and those of the given departments (None: all)."""
    with workspace.connect() as con:
        frame = con.sql("""SELECT template_item_id, department, kind, title, due_months, created_by, created_at
                           FROM plan_template_items WHERE active ORDER BY department NULLS FIRST, due_months, template_item_id""").pl()
    if departments is not None:
        frame = frame.filter(pl.col("department").is_null() | pl.col("department").is_in(list(departments)))
    return frame


@workspace.writes("plan_template_item_added")
def add_template_item(user: User, department: str | None, kind: str, title: str, due_months: int) -> int:
    """department None: a general item (HR only); otherwise that department's personalised item."""
    require_writer(user, department)
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    if not 0 < int(due_months) <= 36:
        raise ValueError("due in 1 to 36 months after the plan starts")
    title = _text(title, "a title")
    with workspace.write(user.username, "plan_template_item_added", department or "general", f"{kind}: {title}") as change:
        return change.execute(
            "INSERT INTO plan_template_items (department, kind, title, due_months, created_by) VALUES (?, ?, ?, ?, ?) RETURNING template_item_id",
            [department, kind, title, int(due_months), user.username]).fetchall()[0][0]


# --- plans -------------------------------------------------------------------------------------
@workspace.writes("plan_created")
def create_plan(user: User, employee_id: str, department: str | None, starts_on: date, position_profile_id: int | None = None,
                at: datetime | None = None) -> int:
    """The candidate's plan from the template: general items plus those of the person's current department, due
    relative to the start. department: the one on record, used only for a person the latest import no longer has."""
    department = require_writer_for(user, employee_id, department)  # judged by the person's department now
    with workspace.write(user.username, "plan_created", employee_id) as con:
        if con.sql("SELECT 1 FROM development_plans WHERE employee_id = ?", params=[employee_id]).fetchall():
            raise ValueError(f"{employee_id} already has a development plan; change its items instead")
        items = con.sql(
            """SELECT kind, title, due_months, CASE WHEN department IS NULL THEN 'general' ELSE 'department' END AS source
               FROM plan_template_items WHERE active AND (department IS NULL OR department = ?)
               ORDER BY department NULLS FIRST, due_months, template_item_id""", params=[department]).fetchall()
        if not items:
            raise ValueError("the plan template is empty: HR adds general items (and the department its own) first")
        stamp = at or datetime.now()
        plan_id = con.execute(
            "INSERT INTO development_plans (employee_id, department, position_profile_id, starts_on, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING plan_id",
            [employee_id, department, position_profile_id, starts_on, user.username, stamp]).fetchall()[0][0]
        con.executemany(
            """INSERT INTO plan_items (plan_id, employee_id, department, kind, title, source, due_date, updated_by, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, CAST(? AS DATE) + to_months(?), ?, ?)""",
            [[plan_id, employee_id, department, kind, title, source, starts_on, months, user.username, stamp]
             for kind, title, months, source in items])
        con.execute(
            "INSERT INTO plan_changes (plan_id, employee_id, department, change, after, changed_by, changed_at) VALUES (?, ?, ?, 'created', ?, ?, ?)",
            [plan_id, employee_id, department, f"{len(items)} items from the template", user.username, stamp])
        con.detail = f"plan {plan_id}, {len(items)} items"
    return plan_id


@workspace.writes("plan_item_added")
def add_item(user: User, plan_id: int, kind: str, title: str, due_date: date, reason: str, at: datetime | None = None) -> int:
    """A personalised item added to one candidate's plan; a plan adjustment."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    reason, title = _text(reason, "a reason"), _text(title, "a title")
    with workspace.connect() as con:
        found = con.sql("SELECT employee_id, department FROM development_plans WHERE plan_id = ?", params=[plan_id]).fetchall()
    if not found:
        raise ValueError(f"no plan {plan_id}")
    employee_id, department = found[0]
    department = require_writer_for(user, employee_id, department)  # judged by the person's department now
    stamp = at or datetime.now()
    with workspace.write(user.username, "plan_item_added", employee_id) as con:
        cycle_id = _open_cycle(con, employee_id)
        item_id = con.execute(
            """INSERT INTO plan_items (plan_id, employee_id, department, kind, title, source, due_date, updated_by, updated_at)
               VALUES (?, ?, ?, ?, ?, 'individual', ?, ?, ?) RETURNING item_id""",
            [plan_id, employee_id, department, kind, title, due_date, user.username, stamp]).fetchall()[0][0]
        con.execute(
            """INSERT INTO plan_changes (plan_id, item_id, employee_id, department, change, after, reason, cycle_id, changed_by, changed_at)
               VALUES (?, ?, ?, ?, 'item_added', ?, ?, ?, ?, ?)""",
            [plan_id, item_id, employee_id, department, f"{kind}: {title} (due {due_date})", reason, cycle_id, user.username, stamp])
        con.detail = f"item {item_id}; {reason}"
    return item_id


@workspace.writes("plan_item_changed")
def change_item(user: User, item_id: int, reason: str, *, status: str | None = None, due_date: date | None = None,
                title: str | None = None, kind: str | None = None, completed_on: date | None = None,
                at: datetime | None = None) -> int:
    """Change an item; each changed field is one plan_changes row. Returns how many fields changed."""
    if status is not None and status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    if kind is not None and kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}")
    reason = _text(reason, "a reason")
    with workspace.connect() as con:
        found = con.sql("SELECT plan_id, employee_id, department, status, due_date, title, kind FROM plan_items WHERE item_id = ?",
                        params=[item_id]).fetchall()
    if not found:
        raise ValueError(f"no plan item {item_id}")
    plan_id, employee_id, department, *before = found[0]
    department = require_writer_for(user, employee_id, department)  # judged by the person's department now
    after = [status, due_date, title.strip() if title else None, kind]
    fields = [(name, old, new) for name, old, new in zip(("status", "due_date", "title", "kind"), before, after)
              if new is not None and new != old]
    if not fields:
        return 0
    stamp = at or datetime.now()
    done_on = (completed_on or stamp.date()) if status == "done" else None
    with workspace.write(user.username, "plan_item_changed", employee_id,
                         f"item {item_id}: {', '.join(f[0] for f in fields)}; {reason}") as con:
        cycle_id = _open_cycle(con, employee_id)
        con.execute(
            f"""UPDATE plan_items SET {', '.join(f'{name} = ?' for name, _, _ in fields)},
                   completed_on = CASE WHEN ? IS NOT NULL THEN ? WHEN ? THEN NULL ELSE completed_on END, updated_by = ?, updated_at = ?
                WHERE item_id = ?""",
            [*(new for _, _, new in fields), done_on, done_on, status is not None and status != "done", user.username, stamp, item_id])
        con.executemany(
            """INSERT INTO plan_changes (plan_id, item_id, employee_id, department, change, before, after, reason, cycle_id, changed_by, changed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [[plan_id, item_id, employee_id, department, f"{name}_changed", str(old), str(new), reason, cycle_id, user.username, stamp]
             for name, old, new in fields])
    return len(fields)


# --- the candidate reports an item done, their head (or HR) confirms it (issue #18) ---------------------------------
def _item(item_id: int) -> tuple:
    with workspace.connect() as con:
        found = con.sql("""SELECT plan_id, employee_id, department, status, title, reported_done_at, confirmed_at
                           FROM plan_items WHERE item_id = ?""", params=[item_id]).fetchall()
    if not found:
        raise ValueError(f"no plan item {item_id}")
    return found[0]


@workspace.writes("plan_item_reported_done")
def report_done(user: User, item_id: int, note: str, at: datetime | None = None) -> None:
    """The candidate marks their own item done, with a note or the name of a file that shows it (a certificate, a
    report); the item stays as it is until their head or HR confirms (confirm_done)."""
    plan_id, employee_id, department, status, title, reported_at, _ = _item(item_id)
    require_self(user, employee_id)
    note = _text(note, "a note or a file name")[:1000]
    if status in ("done", "dropped"):
        raise ValueError(f"'{title}' is {status.replace('_', ' ')} already")
    stamp = at or datetime.now()
    with workspace.write(user.username, "plan_item_reported_done", employee_id, f"item {item_id}") as con:
        con.execute("""UPDATE plan_items SET reported_done_note = ?, reported_done_by = ?, reported_done_at = ?, confirmed_by = NULL,
                       confirmed_at = NULL WHERE item_id = ?""", [note, user.username, stamp, item_id])
        con.execute(
            """INSERT INTO plan_changes (plan_id, item_id, employee_id, department, change, after, reason, cycle_id, changed_by, changed_at)
               VALUES (?, ?, ?, ?, 'reported_done', ?, ?, ?, ?, ?)""",
            [plan_id, item_id, employee_id, department, title, note, _open_cycle(con, employee_id), user.username, stamp])


@workspace.writes("plan_item_confirmed", "plan_item_report_returned")
def confirm_done(user: User, item_id: int, confirm: bool = True, note: str = "", at: datetime | None = None) -> None:
    """The head of the candidate's department (or HR) confirms a reported item: it is done as of the report's date.
    confirm=False returns the report with a note saying what is missing (the item stays open)."""
    plan_id, employee_id, department, status, title, reported_at, confirmed_at = _item(item_id)
    department = require_writer_for(user, employee_id, department)  # judged by the person's department now
    if reported_at is None or confirmed_at is not None or status == "done":
        raise ValueError(f"'{title}' has no report waiting for confirmation")
    if not confirm:
        note = _text(note, "a note saying what is missing")
    stamp = at or datetime.now()
    action = "plan_item_confirmed" if confirm else "plan_item_report_returned"
    with workspace.write(user.username, action, employee_id, f"item {item_id}" + (f"; {note}" if note else "")) as con:
        cycle_id = _open_cycle(con, employee_id)
        if confirm:
            con.execute("""UPDATE plan_items SET status = 'done', completed_on = CAST(reported_done_at AS DATE), confirmed_by = ?,
                           confirmed_at = ?, updated_by = ?, updated_at = ? WHERE item_id = ?""", [user.username, stamp, user.username, stamp, item_id])
            con.execute(
                """INSERT INTO plan_changes (plan_id, item_id, employee_id, department, change, before, after, reason, cycle_id, changed_by, changed_at)
                   VALUES (?, ?, ?, ?, 'status_changed', ?, 'done', ?, ?, ?, ?)""",
                [plan_id, item_id, employee_id, department, status, note.strip() or "confirmed the candidate's report", cycle_id, user.username, stamp])
        else:
            con.execute("""UPDATE plan_items SET reported_done_note = NULL, reported_done_by = NULL, reported_done_at = NULL
                           WHERE item_id = ?""", [item_id])
            con.execute(
                """INSERT INTO plan_changes (plan_id, item_id, employee_id, department, change, after, reason, cycle_id, changed_by, changed_at)
                   VALUES (?, ?, ?, ?, 'report_returned', ?, ?, ?, ?, ?)""",
                [plan_id, item_id, employee_id, department, title, note, cycle_id, user.username, stamp])


def record_adjustment(con: duckdb.DuckDBPyConnection, employee_id: str, department: str, note: str, cycle_id: str,
                      by: str, stamp: datetime) -> None:
    """A review's plan adjustment written inside the review's own transaction (see reviews.record_assessment)."""
    plan = con.sql("SELECT plan_id FROM development_plans WHERE employee_id = ?", params=[employee_id]).fetchall()
    if not plan:
        raise NotAllowed(f"{employee_id} has no development plan to adjust; create one first")
    con.execute(
        """INSERT INTO plan_changes (plan_id, employee_id, department, change, after, reason, cycle_id, changed_by, changed_at)
           VALUES (?, ?, ?, 'review_adjustment', ?, 'review outcome', ?, ?, ?)""",
        [plan[0][0], employee_id, department, note, cycle_id, by, stamp])


# --- reading -----------------------------------------------------------------------------------
def items(scope: tuple[str, ...] | None, employee_ids: list[str] | None = None, workspace_file=None, cur=None) -> pl.DataFrame:
    """Plan items (with the plan's start) within scope; None scope: the whole company."""
    with workspace.connect(workspace_file) as con:
        frame = con.sql(
            """SELECT i.item_id, i.plan_id, i.employee_id, i.department, i.kind, i.title, i.source, i.due_date, i.status,
                      i.completed_on, p.starts_on, i.updated_by, i.updated_at, i.reported_done_note, i.reported_done_by,
                      i.reported_done_at, i.confirmed_by, i.confirmed_at
               FROM plan_items i JOIN development_plans p USING (plan_id) ORDER BY i.employee_id, i.due_date, i.item_id""").pl()
    if employee_ids is not None:
        frame = frame.filter(pl.col("employee_id").is_in(employee_ids))
    return scoped_to_current(frame, scope, cur)  # by each person's current department


def changes(scope: tuple[str, ...] | None, employee_id: str | None = None, workspace_file=None) -> pl.DataFrame:
    with workspace.connect(workspace_file) as con:
        frame = con.sql("""SELECT change_id, plan_id, item_id, employee_id, department, change, before, after, reason, cycle_id,
                                  changed_by, changed_at FROM plan_changes ORDER BY change_id""").pl()
    if employee_id is not None:
        frame = frame.filter(pl.col("employee_id") == employee_id)
    return scoped_to_current(frame, scope)


def course_completions(cur: duckdb.DuckDBPyConnection, employee_ids: list[str]) -> pl.DataFrame:
    """From the analysis table: each listed person's first completion of each course."""
    if not employee_ids:
        return pl.DataFrame(schema={"employee_id": pl.String, "course_key": pl.String, "completed_on": pl.Date})
    return cur.sql(
        "SELECT employee_id, course_key, completed_on FROM analysis_course_completions WHERE employee_id IN (SELECT unnest($ids))",
        params={"ids": employee_ids}).pl()


def effective(plan_items: pl.DataFrame, completions: pl.DataFrame, as_of: date) -> pl.DataFrame:
    """Items with the status that counts on `as_of`: done by hand, or a course completed per the training import."""
    joined = plan_items.with_columns(pl.col("title").str.strip_chars().str.to_lowercase().alias("course_key")).join(
        completions.rename({"completed_on": "trained_on"}), on=["employee_id", "course_key"], how="left")
    trained = (pl.col("kind") == "course") & (pl.col("status") != "dropped") & pl.col("trained_on").is_not_null() \
        & (pl.col("trained_on") >= pl.col("starts_on")) & (pl.col("trained_on") <= as_of)
    by_hand = (pl.col("status") == "done") & (pl.col("completed_on").is_null() | (pl.col("completed_on") <= as_of))
    return joined.with_columns(
        (by_hand | trained).alias("done"),
        (trained & ~by_hand).alias("done_from_training"),
        pl.when(by_hand).then(pl.col("completed_on")).when(trained).then(pl.col("trained_on")).alias("done_on"),
        (pl.col("status") != "dropped").alias("counts"),
    ).with_columns(
        (pl.col("counts") & ~pl.col("done") & (pl.col("due_date") < as_of)).alias("overdue"),
    ).drop("course_key", "trained_on")


def completion_by(effective_items: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Items, done, overdue and completion (done / items, dropped items left out) per group."""
    return (effective_items.filter(pl.col("counts")).group_by(keys)
            .agg(pl.len().alias("items"), pl.col("done").sum().alias("done"), pl.col("overdue").sum().alias("overdue"),
                 pl.col("done_from_training").sum().alias("done_from_training"))
            .with_columns((pl.col("done") / pl.col("items")).alias("completion"))
            .sort(keys))


def completion_trend(effective_items: pl.DataFrame, year: int) -> pl.DataFrame:
    """Month by month in `year`: the share of plan items done, and the share due, by each month's end."""
    months = pl.DataFrame({"month_end": pl.date_range(date(year, 1, 1), date(year, 12, 1), "1mo", eager=True)}).with_columns(
        pl.col("month_end").dt.month_end())
    counted = effective_items.filter(pl.col("counts")).select("starts_on", "due_date", "done_on")
    return (months.join(counted, how="cross")
            .filter(pl.col("starts_on") <= pl.col("month_end"))
            .group_by("month_end")
            .agg(pl.len().alias("items"),
                 (pl.col("done_on") <= pl.col("month_end")).sum().alias("done"),
                 (pl.col("due_date") <= pl.col("month_end")).sum().alias("due"))
            .with_columns((pl.col("done") / pl.col("items")).alias("done_share"), (pl.col("due") / pl.col("items")).alias("due_share"))
            .sort("month_end"))


def progress_items(cur: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None, as_of: date,
                   employee_ids: tuple[str, ...] | None = None, workspace_file=None) -> pl.DataFrame:
    """Plan items within scope (of the listed people, or everyone) with the status that counts on `as_of` and the person's name."""
    frame = items(scope, None if employee_ids is None else list(employee_ids), workspace_file, cur)
    ids = frame["employee_id"].unique().sort().to_list()
    names = cur.sql("SELECT employee_id, name FROM analysis_employee WHERE employee_id IN (SELECT unnest($ids))", params={"ids": ids}).pl() \
        if ids else pl.DataFrame(schema={"employee_id": pl.String, "name": pl.String})
    return effective(frame, course_completions(cur, ids), as_of).join(names, on="employee_id", how="left")
