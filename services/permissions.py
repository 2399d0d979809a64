"""Who may write what: HR admins everywhere, a department head only for their own department(s)."""
from __future__ import annotations

import polars as pl

from .auth import User


class NotAllowed(Exception):
    """The user may not do this; the message is fit to show."""


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise NotAllowed(f"Your role ({user.role}) may not do this.")


def require_writer(user: User, department: str | None) -> None:
    """HR admin, or the head of `department`; department None means an HR-wide record (HR admin only)."""
    if user.role == "hr_admin":
        return
    if user.role != "department_head":
        raise NotAllowed(f"Your role ({user.role}) may read this but not change it.")
    if department is None:
        raise NotAllowed("Only HR may change company-wide records.")
    if department not in (user.scope or ()):
        raise NotAllowed(f"{department} is not your department: you can change records of {', '.join(user.scope or ())} only.")


def require_self(user: User, employee_id: str) -> None:
    """An employee acts on their own records only (the account's linked person); other roles never pass here."""
    if user.role != "employee" or not user.employee_id:
        raise NotAllowed(f"Your role ({user.role}) may not do this for the candidate: they do it themselves.")
    if str(employee_id) != user.employee_id:
        raise NotAllowed("You can see and change your own records only.")


def in_scope(user: User, department: str | None) -> bool:
    return user.scope is None or department in user.scope


def can_write(user: User, department: str | None) -> bool:
    """Whether require_writer would let the user change this department's records (for showing forms)."""
    try:
        require_writer(user, department)
    except NotAllowed:
        return False
    return True


# --- a person's records follow the person: scope by the department of the latest import ---------------------
def current_departments(employee_ids: list[str], cur=None) -> pl.DataFrame:
    """employee_id -> current_department: the one definition of a person's department.

    It is the department of the latest import (the analysis table `person_department`; cur: a cursor on the
    analysis database, None opens the live one read-only). People that import no longer has are left out
    here: for them the department stored on the workspace record counts (for the pool: on their latest
    nominations row). scoped_to_current, the pool (services.pool: the explorer, the trends, the overview, a
    review cycle's members and their reviewer) all apply this."""
    empty = pl.DataFrame(schema={"employee_id": pl.String, "current_department": pl.String})
    if not employee_ids:
        return empty
    sql = "SELECT employee_id, department AS current_department FROM person_department WHERE employee_id IN (SELECT unnest($ids))"
    if cur is not None:
        return cur.sql(sql, params={"ids": list(employee_ids)}).pl()
    from pipelines import db
    from pipelines.settings import database_path

    path = database_path()
    if not path.exists():
        return empty
    con = db.connect_read_only(path)
    try:
        tables = {r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() WHERE database_name = 'talent'").fetchall()}
        return con.sql(sql, params={"ids": list(employee_ids)}).pl() if "person_department" in tables else empty
    finally:
        con.close()


def scoped_to_current(frame: pl.DataFrame, scope: tuple[str, ...] | None, cur=None) -> pl.DataFrame:
    """Workspace records (with employee_id and the department stored when they were made) within scope, judged
    by each person's current department (current_departments). So a head who loses a person to another
    department stops seeing their plan, reviews and nomination, and the new head sees them."""
    if scope is None or frame.height == 0:
        return frame
    now = current_departments(frame["employee_id"].unique().to_list(), cur)
    return (frame.join(now, on="employee_id", how="left")
            .filter(pl.coalesce("current_department", "department").is_in(list(scope)))
            .drop("current_department"))


def current_department(employee_id: str, stored: str | None, cur=None) -> str | None:
    found = current_departments([employee_id], cur)
    return found["current_department"][0] if found.height else stored


def require_writer_for(user: User, employee_id: str, stored_department: str | None, cur=None) -> str:
    """require_writer for a record about one person, judged by the person's current department, which it returns
    (the stored one only for someone the latest import no longer has; neither: ValueError). cur: a cursor on the
    analysis database the caller holds already (None opens the live one)."""
    department = current_department(employee_id, stored_department, cur)
    require_writer(user, department)
    if department is None:
        raise ValueError(f"no employee '{employee_id}' in the latest import")
    return department
