"""Who may write what: HR admins everywhere, a department head only for their own department(s)."""
from __future__ import annotations

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


def in_scope(user: User, department: str | None) -> bool:
    return user.scope is None or department in user.scope


def can_write(user: User, department: str | None) -> bool:
    """Whether require_writer would let the user change this department's records (for showing forms)."""
    try:
        require_writer(user, department)
    except NotAllowed:
        return False
    return True
