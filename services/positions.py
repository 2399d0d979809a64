"""Middle-manager position profiles: HR's templates and the departments' tailored copies, with comments.

HR keeps the template (responsibilities, core competencies, promotion path); a department head
tailors a copy for one of their positions; HR and the head comment back and forth on it.
"""
from __future__ import annotations

from datetime import datetime

import polars as pl

from . import workspace
from .auth import User
from .permissions import NotAllowed, in_scope, require_writer

FIELDS = ("responsibilities", "core_competencies", "promotion_path")


def profiles(scope: tuple[str, ...] | None) -> pl.DataFrame:
    """HR templates (department None) and the tailored profiles of the departments in scope."""
    with workspace.connect() as con:
        frame = con.sql(
            """SELECT p.profile_id, p.title, p.department, p.based_on, b.title AS based_on_title, p.responsibilities,
                      p.core_competencies, p.promotion_path, p.updated_by, p.updated_at,
                      (SELECT count(*) FROM position_comments c WHERE c.profile_id = p.profile_id) AS comments
               FROM position_profiles p LEFT JOIN position_profiles b ON b.profile_id = p.based_on
               ORDER BY p.department NULLS FIRST, p.title, p.profile_id""").pl()
    return frame if scope is None else frame.filter(pl.col("department").is_null() | pl.col("department").is_in(list(scope)))


def _get(con, profile_id: int) -> tuple:
    found = con.sql("SELECT department, title FROM position_profiles WHERE profile_id = ?", params=[profile_id]).fetchall()
    if not found:
        raise ValueError(f"no position profile {profile_id}")
    return found[0]


@workspace.writes("position_profile_created", "position_profile_updated")
def save(user: User, title: str, department: str | None, responsibilities: str, core_competencies: str, promotion_path: str,
         profile_id: int | None = None, based_on: int | None = None, at: datetime | None = None) -> int:
    """Create (profile_id None) or update a profile. department None: an HR template."""
    if not title or not title.strip():
        raise ValueError("a position title is required")
    stamp = at or datetime.now()
    if profile_id is not None:
        with workspace.connect() as con:
            department = _get(con, profile_id)[0]
    require_writer(user, department)
    values = [title.strip(), (responsibilities or "").strip(), (core_competencies or "").strip(), (promotion_path or "").strip()]
    action = "position_profile_created" if profile_id is None else "position_profile_updated"
    with workspace.write(user.username, action, None if profile_id is None else str(profile_id),
                         f"{department or 'HR template'}: {title.strip()}") as con:
        if profile_id is None:
            profile_id = con.execute(
                """INSERT INTO position_profiles (title, responsibilities, core_competencies, promotion_path, department, based_on, updated_by, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING profile_id""",
                [*values, department, based_on, user.username, stamp]).fetchall()[0][0]
            con.target = str(profile_id)
        else:
            con.execute("""UPDATE position_profiles SET title = ?, responsibilities = ?, core_competencies = ?, promotion_path = ?,
                           updated_by = ?, updated_at = ? WHERE profile_id = ?""", [*values, user.username, stamp, profile_id])
    return profile_id


@workspace.writes("position_profile_created")
def tailor(user: User, template_id: int, department: str, title: str | None = None) -> int:
    """A department's copy of an HR template, to be edited for one of its positions."""
    with workspace.connect() as con:
        found = con.sql("SELECT title, responsibilities, core_competencies, promotion_path, department FROM position_profiles WHERE profile_id = ?",
                        params=[template_id]).fetchall()
    if not found or found[0][4] is not None:
        raise ValueError(f"{template_id} is not an HR template")
    base_title, *texts, _ = found[0]
    return save(user, title or f"{base_title} — {department}", department, *texts, based_on=template_id)


@workspace.writes("position_profile_comment")
def comment(user: User, profile_id: int, body: str, at: datetime | None = None) -> None:
    """HR and the department's head comment on a tailored profile (HR alone on a template)."""
    if not body or not body.strip():
        raise ValueError("a comment cannot be empty")
    with workspace.connect() as con:
        department, _ = _get(con, profile_id)
    require_writer(user, department)  # HR, and the department's head on a tailored profile (HR alone on a template)
    with workspace.write(user.username, "position_profile_comment", str(profile_id)) as change:
        change.execute("INSERT INTO position_comments (profile_id, author, body, written_at) VALUES (?, ?, ?, ?)",
                       [profile_id, user.username, body.strip(), at or datetime.now()])


def comments(user: User, profile_id: int) -> pl.DataFrame:
    with workspace.connect() as con:
        department, _ = _get(con, profile_id)
        if department is not None and not in_scope(user, department):
            raise NotAllowed("This profile belongs to another department.")
        return con.sql("SELECT written_at, author, body FROM position_comments WHERE profile_id = ? ORDER BY comment_id",
                       params=[profile_id]).pl()
