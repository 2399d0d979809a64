"""Users, roles and sign-in. Passwords are bcrypt hashes; nothing is stored in plain text."""
from __future__ import annotations

import os
import secrets
import sys
from dataclasses import dataclass

import bcrypt

from . import workspace

ROLES = ("hr_admin", "hr_leadership", "department_head", "viewer")
PERMISSIONS = {
    "view_people": {"hr_admin", "hr_leadership", "department_head"},
    "nominate": {"hr_admin", "department_head"},
    "manage_data": {"hr_admin"},
    "manage_users": {"hr_admin"},
}
MAX_FAILURES, LOCKOUT_MINUTES = 5, 15
DEMO_PASSWORD = "demo"  # only for accounts marked is_demo, and only while the database holds demo data only


class SignInError(Exception):
    pass


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    departments: tuple[str, ...]
    is_demo: bool = False

    @property
    def scope(self) -> tuple[str, ...] | None:
        """The departments this user may see; None means the whole company."""
        return self.departments if self.role == "department_head" else None

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


def _rounds() -> int:
    return int(os.environ.get("TALENT_BCRYPT_ROUNDS", "12"))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


def create_user(username: str, role: str, password: str, departments: tuple[str, ...] = (), display_name: str | None = None,
                is_demo: bool = False, created_by: str | None = None) -> User:
    username = username.strip().lower()
    if not username:
        raise ValueError("a username is needed")
    if role not in ROLES:
        raise ValueError(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
    if role == "department_head" and not departments:
        raise ValueError("a department head needs at least one department")
    if len(password) < (4 if is_demo else 10):
        raise ValueError("a password needs at least 10 characters")
    with workspace.connect() as con:
        if con.sql("SELECT count(*) FROM users WHERE username = ?", params=[username]).fetchall()[0][0]:
            raise ValueError(f"user '{username}' exists already")
        con.execute(
            "INSERT INTO users (username, display_name, role, departments, password_hash, is_demo, created_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [username, display_name or username, role, list(departments), hash_password(password), is_demo, created_by],
        )
        workspace.audit(con, created_by, "user_created", username, f"role={role}; departments={','.join(departments)}")
    return User(username, display_name or username, role, tuple(departments), is_demo)


def load_user(username: str) -> User | None:
    with workspace.connect() as con:
        found = con.sql(
            "SELECT username, display_name, role, departments, is_demo FROM users WHERE username = ? AND NOT disabled",
            params=[username.strip().lower()],
        ).fetchall()
    if not found:
        return None
    u = found[0]
    return User(u[0], u[1], u[2], tuple(u[3]), u[4])


def demo_accounts_allowed() -> bool:
    """Demo accounts work only while every import in the database came from the demo generator."""
    from pipelines import db
    from pipelines.settings import database_path

    path = database_path()
    if db.is_empty(path):
        return True
    con = db.connect_read_only(path)
    try:
        return con.sql("SELECT count(*) FROM import_runs WHERE run_by <> 'demo'").fetchall()[0][0] == 0
    finally:
        con.close()


def authenticate(username: str, password: str) -> User:
    """The user, or SignInError with a message fit to show. Every attempt is audited."""
    name = username.strip().lower()
    with workspace.connect() as con:
        failures = con.sql(
            f"""SELECT count(*) FROM audit_log WHERE username = ? AND action = 'sign_in_failed'
                AND logged_at > now()::TIMESTAMP - INTERVAL {LOCKOUT_MINUTES} MINUTE
                AND logged_at > coalesce((SELECT max(logged_at) FROM audit_log WHERE username = ? AND action = 'sign_in'), TIMESTAMP '1970-01-01')""",
            params=[name, name],
        ).fetchall()[0][0]
        if failures >= MAX_FAILURES:
            workspace.audit(con, name, "sign_in_refused", detail="locked out")
            raise SignInError(f"Too many failed attempts; try again in {LOCKOUT_MINUTES} minutes.")
        found = con.sql("SELECT password_hash, is_demo, disabled FROM users WHERE username = ?", params=[name]).fetchall()
        # Compare against a dummy hash for unknown users, so timing does not reveal who exists.
        stored = found[0][0].encode("ascii") if found else bcrypt.hashpw(b"x", bcrypt.gensalt(4))
        ok = bcrypt.checkpw(password.encode("utf-8"), stored) and bool(found) and not found[0][2]
        if ok and found[0][1] and not demo_accounts_allowed():
            workspace.audit(con, name, "sign_in_refused", detail="demo account with real data")
            raise SignInError("Demo accounts are switched off because real data has been imported.")
        workspace.audit(con, name, "sign_in" if ok else "sign_in_failed")
    if not ok:
        raise SignInError("Unknown user name or wrong password.")
    return load_user(name)


def record(user: User | None, action: str, target: str | None = None, detail: str | None = None) -> None:
    with workspace.connect() as con:
        workspace.audit(con, user.username if user else None, action, target, detail)


def ensure_admin() -> None:
    """First run: create `admin` from TALENT_ADMIN_PASSWORD, or print a one-time password once."""
    with workspace.connect() as con:
        if con.sql("SELECT count(*) FROM users WHERE role = 'hr_admin' AND NOT is_demo").fetchall()[0][0]:
            return
    password = os.environ.get("TALENT_ADMIN_PASSWORD")
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    create_user("admin", "hr_admin", password, display_name="Administrator", created_by="first start")
    if generated:
        print(f"\n  Talent Pipeline: first start. Sign in as 'admin' with the one-time password: {password}\n"
              "  (shown once; set TALENT_ADMIN_PASSWORD to choose it instead)\n", file=sys.stderr, flush=True)


def ensure_demo_accounts(departments: list[str]) -> None:
    """Demo accounts for each role, marked is_demo, created with the demo organisation."""
    if not departments:
        return
    wanted = [
        ("demo.hr", "hr_admin", (), "Demo HR admin"),
        ("demo.leadership", "hr_leadership", (), "Demo HR leadership"),
        ("demo.head", "department_head", (departments[0],), f"Demo head of {departments[0]}"),
        ("demo.viewer", "viewer", (), "Demo viewer"),
    ]
    with workspace.connect() as con:
        existing = {r[0] for r in con.sql("SELECT username FROM users").fetchall()}
    for username, role, depts, name in wanted:
        if username not in existing:
            create_user(username, role, DEMO_PASSWORD, depts, display_name=name, is_demo=True, created_by="demo")
