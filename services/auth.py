"""Users, roles, sign-in and sessions. Passwords are bcrypt hashes; nothing is stored in plain text.

The rules of an account live here, once: who may sign in (lockout per account and per client,
demo accounts only beside demo data), whether a session still stands (re-checked on every rerun:
still active, current role and departments, demo status, idle timeout, sign-out everywhere), and
who may disable, unlock or reset whom. Pages only show forms and messages.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
import sys
import threading
import time
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import bcrypt
import polars as pl

from . import workspace
from .i18n import t

ROLES = ("hr_admin", "hr_leadership", "department_head", "viewer", "employee")
PERMISSIONS = {
    "view_people": {"hr_admin", "hr_leadership", "department_head"},
    "nominate": {"hr_admin", "department_head"},
    "manage_data": {"hr_admin"},
    "manage_users": {"hr_admin"},
    "manage_company_records": {"hr_admin"},  # HR-wide templates, opening and closing review cycles, confirming outcomes
    "write_department_records": {"hr_admin", "department_head"},  # plan items, position profiles, assessments
    "tailor_templates": {"department_head"},  # a department's own copy of an HR position template
    "view_own_records": {"employee"},  # a candidate: their own profile, plan and review, nobody else's
}
# Lockout: five failures from one client (whatever the accounts) lock that client; ten failures on one
# account (from any clients) lock the account, so one client alone can never lock anybody else out.
# Failures count within LOCKOUT_MINUTES; a successful sign-in clears that client's failures on the
# account, and an HR admin's unlock clears all of the account's.
MAX_FAILURES, MAX_ACCOUNT_FAILURES, LOCKOUT_MINUTES = 5, 10, 15
MAX_PASSWORD_BYTES = 72  # bcrypt's limit: longer passwords are refused, never silently cut
MIN_PASSWORD = 10
DEFAULT_IDLE_HOURS = 8.0
DEFAULT_REMEMBER_HOURS = 12.0  # a reload or a new tab finds the session for at most this long after signing in
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
    must_change_password: bool = False
    employee_id: str | None = None  # the person an employee account belongs to (role employee only)

    @property
    def scope(self) -> tuple[str, ...] | None:
        """The departments this user may see; None means the whole company. An employee sees no department:
        only their own records (permissions.require_self), so every department-scoped read returns nothing."""
        if self.role == "employee":
            return ()
        return self.departments if self.role == "department_head" else None

    def can(self, permission: str) -> bool:
        return self.role in PERMISSIONS[permission]


# Who acts when nobody is signed in: the command line and tests (SYSTEM), the first start's admin account
# (FIRST_START) and the demo organisation (DEMO). Their names are what created_by and the audit log show.
SYSTEM = User("system", "System", "hr_admin", ())
FIRST_START = User("first start", "First start", "hr_admin", ())
DEMO = User("demo", "Demo generator", "hr_admin", ())


def _rounds() -> int:
    return int(os.environ.get("TALENT_BCRYPT_ROUNDS", "12"))


def _check_password_rules(password: str, minimum: int = MIN_PASSWORD) -> None:
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        raise ValueError(t("security.password_too_long", max=MAX_PASSWORD_BYTES))
    if len(password) < minimum:
        raise ValueError(t("security.password_too_short", min=minimum))


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(_rounds())).decode("ascii")


@functools.lru_cache(maxsize=4)
def dummy_hash(rounds: int) -> bytes:
    """What an unknown user name is checked against: the same cost as real hashes, so timing tells nothing."""
    return bcrypt.hashpw(secrets.token_bytes(16), bcrypt.gensalt(rounds))


def _user(row: tuple) -> User:
    return User(row[0], row[1], row[2], tuple(row[3]), bool(row[4]), bool(row[5]), row[6] if row[2] == "employee" else None)


_COLUMNS = "username, display_name, role, departments, is_demo, coalesce(must_change_password, false), employee_id"


@workspace.writes("user_created")
def create_user(username: str, role: str, password: str, departments: tuple[str, ...] = (), display_name: str | None = None,
                is_demo: bool = False, created_by: User = SYSTEM, must_change_password: bool = False,
                employee_id: str | None = None) -> User:
    """An HR admin (created_by; SYSTEM for the command line) creates an account."""
    from .permissions import require_role

    require_role(created_by, "hr_admin")
    username = username.strip().lower()
    if not username:
        raise ValueError("a username is needed")
    if len(username) > workspace.MAX_NAME:
        raise ValueError(t("security.username_too_long", max=workspace.MAX_NAME))
    if role not in ROLES:
        raise ValueError(f"unknown role '{role}' (roles: {', '.join(ROLES)})")
    if role == "department_head" and not departments:
        raise ValueError("a department head needs at least one department")
    employee_id = (employee_id or "").strip() or None
    if role == "employee" and not employee_id:
        raise ValueError("an employee account needs the employee id of the person it belongs to")
    if role != "employee":
        employee_id = None
    _check_password_rules(password, 4 if is_demo else MIN_PASSWORD)
    with workspace.write(created_by.username, "user_created", username, f"role={role}; departments={','.join(departments)}" + (f"; employee={employee_id}" if employee_id else "")) as con:
        if con.sql("SELECT count(*) FROM users WHERE username = ?", params=[username]).fetchall()[0][0]:
            raise ValueError(f"user '{username}' exists already")
        if employee_id and con.sql("SELECT count(*) FROM users WHERE employee_id = ? AND NOT disabled", params=[employee_id]).fetchall()[0][0]:
            raise ValueError(f"employee {employee_id} has an account already")
        con.execute(
            """INSERT INTO users (username, display_name, role, departments, password_hash, is_demo, created_by, must_change_password, employee_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [username, display_name or username, role, list(departments), hash_password(password), is_demo, created_by.username,
             must_change_password, employee_id],
        )
    return User(username, display_name or username, role, tuple(departments), is_demo, must_change_password, employee_id)


def load_user(username: str) -> User | None:
    with workspace.connect() as con:
        found = con.sql(f"SELECT {_COLUMNS} FROM users WHERE username = ? AND NOT disabled", params=[username.strip().lower()]).fetchall()
    return _user(found[0]) if found else None


# --- demo accounts only beside demo data --------------------------------------------------------
def _database_is_demo_only() -> bool:
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


def demo_accounts_allowed() -> bool:
    """Demo accounts work only while every import came from the demo generator and the workspace has never
    held real data. Seeing real data marks the workspace real for good (demo accounts disabled), so that
    deleting the database later cannot bring them back beside real users, audit log and reviews."""
    with workspace.connect() as con:
        if workspace.purpose(con) == "real":
            return False
    if not _database_is_demo_only():
        workspace.mark_real("a non-demo import was found in the database")
        return False
    return True


def demo_allowed_here() -> bool:
    """Whether the demo organisation may be built beside this workspace (first start with an empty database)."""
    if not workspace.exists():
        return True
    with workspace.connect() as con:
        return not workspace.holds_real_records(con)


@workspace.writes("workspace_demo", "user_created")
def ensure_demo_accounts(departments: list[str]) -> None:
    """Demo accounts for each role, marked is_demo, created with the demo organisation (never in a real workspace)."""
    if not departments:
        return
    with workspace.connect() as con:
        if workspace.holds_real_records(con):
            raise SignInError(t("security.demo_refused", path=workspace.describe(workspace.location())))
        unmarked = workspace.purpose(con) is None
        existing = {r[0] for r in con.sql("SELECT username FROM users").fetchall()}
    if unmarked:
        with workspace.write(DEMO.username, "workspace_demo") as change:
            change.execute("INSERT INTO workspace_info VALUES ('purpose', 'demo') ON CONFLICT (key) DO UPDATE SET value = excluded.value")
    wanted = [
        ("demo.hr", "hr_admin", (), "Demo HR admin"),
        ("demo.leadership", "hr_leadership", (), "Demo HR leadership"),
        ("demo.head", "department_head", (departments[0],), f"Demo head of {departments[0]}"),
        ("demo.viewer", "viewer", (), "Demo viewer"),
    ]
    for username, role, depts, name in wanted:
        if username not in existing:
            create_user(username, role, DEMO_PASSWORD, depts, display_name=name, is_demo=True, created_by=DEMO)


# --- signing in ---------------------------------------------------------------------------------
# Checking and reserving an attempt is one step: under this lock, the failures on record plus the attempts
# still being checked (in flight) decide, and the attempt counts as in flight until its outcome is written.
# So twenty parallel wrong passwords get five checks, not twenty. Sign-ins happen in the app's server
# process; the lock makes the step atomic there (another process would at most add its own in-flight ones).
_attempts = threading.Lock()
_in_flight: dict[tuple[str, str], int] = {}


def _failures(con, name: str, client: str) -> tuple[int, int]:
    window = f"attempted_at > now()::TIMESTAMP - INTERVAL {LOCKOUT_MINUTES} MINUTE AND outcome = 'failed' AND NOT cleared"
    account, by_client = con.sql(f"""SELECT count(*) FILTER (WHERE username = $name), count(*) FILTER (WHERE client = $client)
                                     FROM sign_in_attempts WHERE {window}""", params={"name": name, "client": client}).fetchall()[0]
    account += sum(n for (u, _), n in _in_flight.items() if u == name)
    # in flight from this client for this account only: colleagues signing in at once behind one company address (NAT,
    # a proxy) are no failures of that address; twenty parallel guesses at one account from it still get five checks
    by_client += _in_flight.get((name, client), 0)
    return account, by_client


@workspace.writes("sign_in", "sign_in_failed", "sign_in_refused")
def authenticate(username: str, password: str, client: str | None = None) -> User:
    """The user, or SignInError with a message fit to show. Every attempt is audited.

    client: where the attempt comes from (the browser's address); failures lock that client, and
    enough failures from several clients lock the account until the window passes or an HR admin unlocks it.
    """
    name, client = username.strip().lower(), (client if isinstance(client, str) and client else "unknown")[:100]
    key = (name, client)
    with _attempts:
        with workspace.connect() as con:
            account_failures, client_failures = _failures(con, name, client)
            locked = client_failures >= MAX_FAILURES or account_failures >= MAX_ACCOUNT_FAILURES
            if not locked:
                found = con.sql(f"SELECT password_hash, disabled, {_COLUMNS} FROM users WHERE username = ?", params=[name]).fetchall()
                _in_flight[key] = _in_flight.get(key, 0) + 1
        if locked:
            with workspace.write(name, "sign_in_refused",
                                 detail=f"locked out ({'client' if client_failures >= MAX_FAILURES else 'account'}); client={client}"):
                pass
            raise SignInError(t("security.locked", minutes=LOCKOUT_MINUTES))
    ok, refused, too_long = False, None, False
    try:
        too_long = len(password.encode("utf-8")) > MAX_PASSWORD_BYTES
        # Unknown users are checked against a dummy hash of the same cost, so timing does not reveal who exists.
        stored = found[0][0].encode("ascii") if found and found[0][0] else dummy_hash(_rounds())
        matches = not too_long and bcrypt.checkpw(password.encode("utf-8"), stored) and bool(found)
        user = _user(found[0][2:]) if found else None
        ok, refused = matches and not found[0][1], None
        if matches and user.is_demo and not demo_accounts_allowed():  # a demo account (disabled once real data came)
            ok, refused = False, "demo account with real data"
    finally:
        with _attempts:  # the outcome replaces the in-flight count in one step, so nothing is counted twice
            try:
                with workspace.write(name, "sign_in" if ok else ("sign_in_refused" if refused else "sign_in_failed"),
                                     detail=refused or ("password over 72 bytes" if too_long else None)) as change:
                    change.execute("INSERT INTO sign_in_attempts (username, client, outcome) VALUES (?, ?, ?)",
                                   [name, client, "succeeded" if ok else "failed"])
                    if ok:
                        change.execute("UPDATE sign_in_attempts SET cleared = true WHERE username = ? AND client = ? AND outcome = 'failed'",
                                       [name, client])
            finally:
                _in_flight[key] -= 1
                if not _in_flight[key]:
                    del _in_flight[key]
    if refused:
        raise SignInError(t("security.demo_off"))
    if too_long:
        raise SignInError(t("security.password_too_long", max=MAX_PASSWORD_BYTES))
    if not ok:
        raise SignInError(t("security.wrong_password"))
    return user


@workspace.writes()  # the caller names the action
def record(user: User | None, action: str, target: str | None = None, detail: str | None = None) -> None:
    """An audit row alone, for what changes no row of the workspace (an export, a model trained)."""
    with workspace.write(user.username if user else None, action, target, detail):
        pass


# --- sessions -----------------------------------------------------------------------------------
def idle_timeout_seconds() -> float:
    """[security] idle_timeout_hours in config/talent.toml (TALENT_CONFIG), default 8 hours."""
    from pipelines.settings import config_path

    try:
        raw = tomllib.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        raw = {}
    return 3600.0 * float(raw.get("security", {}).get("idle_timeout_hours", DEFAULT_IDLE_HOURS))


def account_state(username: str) -> tuple[User | None, float | None, str | None]:
    """The account as the workspace (and, for demo accounts, the database) has it now: (user, when its sessions
    were last ended as epoch seconds, None) or (None, None, why). A pure read: cacheable on both files' versions."""
    with workspace.connect() as con:
        found = con.sql(f"SELECT {_COLUMNS}, sessions_revoked_at, disabled FROM users WHERE username = ?", params=[username]).fetchall()
    if not found:
        return None, None, "gone"
    user, revoked, disabled = _user(found[0]), found[0][7], found[0][8]
    if user.is_demo and not demo_accounts_allowed():
        return None, None, "demo_off"
    if disabled:
        return None, None, "gone"
    return user, (revoked.timestamp() if revoked is not None else None), None


def session_user(username: str, signed_in_at: float, last_active: float, now: float | None = None,
                 account: tuple | None = None) -> tuple[User | None, str | None]:
    """The account as it stands now, for a session signed in at `signed_in_at` and last active at `last_active`
    (epoch seconds), or (None, why): 'idle', 'gone' (removed or disabled), 'demo_off', 'signed_out' (sign-out
    everywhere, a password change or reset since this session signed in). Called on every rerun; `account` is
    account_state(username) when the caller has it (cached)."""
    now = time.time() if now is None else now
    if now - last_active > idle_timeout_seconds():
        return None, "idle"
    user, revoked, why = account if account is not None else account_state(username)
    if user is None:
        return None, why
    if revoked is not None and revoked >= signed_in_at:
        return None, "signed_out"
    return user, None


# --- a session that survives a reload: a signed, expiring token (the app keeps it in a cookie) ---------------
# The token names the account, when the session signed in and when the token was issued, signed with HMAC-SHA256
# under a key kept beside the workspace file (created once, owner-only; on PostgreSQL, in the workspace). It carries no password and grants nothing by
# itself: resume_session() checks the signature, its age (idle timeout since it was issued, remember_hours since
# signing in), then the account exactly as every rerun does (enabled, demo status, signed out everywhere since).
def remember_seconds() -> float:
    """[security] remember_hours in config/talent.toml, default 12 hours: how long after signing in a reload or a
    new tab still finds the session (never longer than the session itself: the idle timeout applies as well)."""
    from pipelines.settings import config_path

    try:
        raw = tomllib.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        raw = {}
    return 3600.0 * float(raw.get("security", {}).get("remember_hours", DEFAULT_REMEMBER_HOURS))


def session_key_path() -> Path:
    """The signing key's file, beside the workspace file (workspace.session-key)."""
    return workspace.workspace_path().with_suffix(".session-key")


@functools.lru_cache(maxsize=8)
def _session_key(path: str) -> bytes:
    target = Path(path)
    try:
        key = target.read_bytes()
    except FileNotFoundError:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".session-key-")  # created 0600
        try:
            os.write(fd, secrets.token_bytes(32))
            os.close(fd)
            try:
                os.link(temp, target)  # atomic, and never replaces a key another process made first
            except FileExistsError:
                pass
        finally:
            os.unlink(temp)
        key = target.read_bytes()
    if len(key) < 32:
        raise RuntimeError(f"the session key {target} is damaged: delete it (everyone signs in again)")
    return key


@functools.lru_cache(maxsize=8)
def _stored_session_key(url: str) -> bytes:
    """On PostgreSQL the key lives in the workspace itself, so every app process on every machine signs alike."""
    def stored() -> str | None:
        with workspace.connect(url) as con:
            found = con.sql("SELECT value FROM workspace_info WHERE key = 'session_key'").fetchall()
        return found[0][0] if found else None

    if stored() is None:
        create_session_key(url)
    return bytes.fromhex(stored())


@workspace.writes("session_key_created")
def create_session_key(where: workspace.Location | None = None) -> None:
    """The workspace's session-signing key, made once (a second process finding one made first keeps that)."""
    with workspace.write(None, "session_key_created", "sessions", path=where) as change:
        if change.sql("SELECT count(*) FROM workspace_info WHERE key = 'session_key'").fetchall()[0][0]:
            raise workspace.Unchanged
        change.execute("INSERT INTO workspace_info VALUES ('session_key', ?)", [secrets.token_bytes(32).hex()])


def session_key() -> bytes:
    where = workspace.location()
    if workspace.is_postgres(where):
        return _stored_session_key(where)
    return _session_key(str(session_key_path()))


def session_cookie_name() -> str:
    """Named after the key, so two installations on one host (ports share cookies) never overwrite each other's."""
    return "talent_session_" + hmac.new(session_key(), b"cookie name", hashlib.sha256).hexdigest()[:10]


def _sign(payload: bytes) -> str:
    return base64.urlsafe_b64encode(hmac.new(session_key(), payload, hashlib.sha256).digest()).decode("ascii").rstrip("=")


def session_token(username: str, signed_in_at: float, now: float | None = None) -> str:
    """A token for the session of `username` that signed in at `signed_in_at`, issued now."""
    now = time.time() if now is None else now
    payload = f"{username}|{signed_in_at:.6f}|{now:.6f}".encode("utf-8")
    return base64.urlsafe_b64encode(payload).decode("ascii").rstrip("=") + "." + _sign(payload)


def _token_fields(token: str) -> tuple[str, float, float] | None:
    if not isinstance(token, str) or len(token) > 400 or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    try:
        payload = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError:
        return None
    if not hmac.compare_digest(_sign(payload), mac):
        return None
    try:
        username, signed_in_at, issued_at = payload.decode("utf-8").rsplit("|", 2)
        return username, float(signed_in_at), float(issued_at)
    except ValueError:
        return None


def resume_session(token: str, now: float | None = None) -> tuple[User | None, float, float, str | None]:
    """The session a token stands for: (user, signed_in_at, issued_at, None), or (None, 0, 0, why) where why is None
    for a token that is not ours (forged, damaged, another key) or too old to count, and else session_user's reason
    ('idle', 'gone', 'demo_off', 'signed_out'). A token issued before the account was created (a name reused after
    the workspace was replaced) is not ours either."""
    now = time.time() if now is None else now
    fields = _token_fields(token)
    if fields is None:
        return None, 0.0, 0.0, None
    username, signed_in_at, issued_at = fields
    if not (signed_in_at <= issued_at <= now + 60) or now - signed_in_at > remember_seconds():
        return None, 0.0, 0.0, None
    with workspace.connect() as con:
        created = con.sql("SELECT created_at FROM users WHERE username = ?", params=[username]).fetchall()
    if created and created[0][0] is not None and created[0][0].timestamp() > signed_in_at + 1:
        return None, 0.0, 0.0, None
    user, why = session_user(username, signed_in_at, issued_at, now)  # idle since issued, enabled, not signed out since
    if user is None:
        return None, 0.0, 0.0, why
    return user, signed_in_at, issued_at, None


def _now_naive() -> datetime:
    return datetime.fromtimestamp(time.time())


@workspace.writes("sign_out")
def sign_out_everywhere(user: User, action: str = "sign_out") -> None:
    """Ends every session of the account, in every tab and browser."""
    with workspace.write(user.username, action, user.username) as con:
        con.execute("UPDATE users SET sessions_revoked_at = ? WHERE username = ?", [_now_naive(), user.username])


@workspace.writes("password_changed")
def change_password(user: User, current: str, new: str) -> None:
    """Every user changes their own password (and must, after a generated or reset one). Ends their other sessions."""
    with workspace.connect() as con:
        found = con.sql("SELECT password_hash FROM users WHERE username = ? AND NOT disabled", params=[user.username]).fetchall()
    if not found or len(current.encode("utf-8")) > MAX_PASSWORD_BYTES or not bcrypt.checkpw(current.encode("utf-8"), found[0][0].encode("ascii")):
        raise ValueError(t("security.current_password_wrong"))
    if new == current:
        raise ValueError(t("security.password_same"))
    _check_password_rules(new)
    with workspace.write(user.username, "password_changed", user.username) as con:
        con.execute("UPDATE users SET password_hash = ?, must_change_password = false, sessions_revoked_at = ? WHERE username = ?",
                    [hash_password(new), _now_naive(), user.username])


# --- HR admins manage accounts -----------------------------------------------------------------
def _require_admin(actor: User, username: str) -> str:
    from .permissions import require_role

    require_role(actor, "hr_admin")
    name = username.strip().lower()
    with workspace.connect() as con:
        if not con.sql("SELECT 1 FROM users WHERE username = ?", params=[name]).fetchall():
            raise ValueError(t("security.no_such_user", username=name))
    return name


@workspace.writes("password_reset")
def reset_password(actor: User, username: str, temporary: str) -> None:
    """An HR admin sets a temporary password; the user must change it at the next sign-in. Ends their sessions."""
    name = _require_admin(actor, username)
    _check_password_rules(temporary)
    with workspace.write(actor.username, "password_reset", name) as con:
        con.execute("UPDATE users SET password_hash = ?, must_change_password = true, sessions_revoked_at = ? WHERE username = ?",
                    [hash_password(temporary), _now_naive(), name])


@workspace.writes("user_disabled", "user_enabled")
def set_disabled(actor: User, username: str, disabled: bool) -> None:
    """An HR admin disables (ending every session at once) or enables an account; never their own."""
    name = _require_admin(actor, username)
    if name == actor.username:
        raise ValueError(t("security.not_yourself"))
    with workspace.write(actor.username, "user_disabled" if disabled else "user_enabled", name) as con:
        con.execute("UPDATE users SET disabled = ?, sessions_revoked_at = CASE WHEN ? THEN ? ELSE sessions_revoked_at END WHERE username = ?",
                    [disabled, disabled, _now_naive(), name])


@workspace.writes("sign_in_unlocked")
def unlock(actor: User, username: str) -> int:
    """An HR admin clears an account's failed sign-ins (from every client). Returns how many were cleared."""
    name = _require_admin(actor, username)
    with workspace.write(actor.username, "sign_in_unlocked", name) as con:
        return len(con.execute("UPDATE sign_in_attempts SET cleared = true WHERE username = ? AND outcome = 'failed' AND NOT cleared RETURNING 1",
                               [name]).fetchall())


def users_and_audit_log(actor: User, log_rows: int = 500) -> tuple[pl.DataFrame, pl.DataFrame]:
    """For the users page (HR admins only): every account, and the newest audit rows in the reader's words
    (services.audit: actions named, details said again, no code or file path)."""
    from .audit import actors_in_words, in_words
    from .permissions import require_role

    require_role(actor, "hr_admin")
    with workspace.connect() as con:
        users = con.sql("SELECT username, display_name, role, departments, employee_id, is_demo, disabled, created_at, created_by "
                        "FROM users ORDER BY username").pl()
        log = con.sql("SELECT logged_at, username, action, target, detail FROM audit_log ORDER BY audit_id DESC LIMIT ?",
                      params=[int(log_rows)]).pl()
    return users.with_columns(actors_in_words("created_by")), in_words(log)


def locked_accounts() -> list[tuple[str, int]]:
    """Accounts with failed sign-ins in the lockout window, most first (for the users page)."""
    with workspace.connect() as con:
        return con.sql(f"""SELECT username, count(*) FROM sign_in_attempts
                           WHERE attempted_at > now()::TIMESTAMP - INTERVAL {LOCKOUT_MINUTES} MINUTE AND outcome = 'failed' AND NOT cleared
                             AND username IN (SELECT username FROM users) GROUP BY username ORDER BY 2 DESC, 1""").fetchall()


@workspace.writes("user_created")
def ensure_admin() -> None:
    """First run: create `admin` from TALENT_ADMIN_PASSWORD, or print a one-time password once, which must be
    changed at the first sign-in."""
    with workspace.connect() as con:
        if con.sql("SELECT count(*) FROM users WHERE role = 'hr_admin' AND NOT is_demo").fetchall()[0][0]:
            return
    password = os.environ.get("TALENT_ADMIN_PASSWORD")
    generated = password is None
    password = password or secrets.token_urlsafe(12)
    create_user("admin", "hr_admin", password, display_name="Administrator", created_by=FIRST_START, must_change_password=generated)
    if generated:
        print(f"\n  Talent Pipeline: first start. Sign in as 'admin' with the one-time password: {password}\n"
              "  (shown once; it must be changed at the first sign-in; set TALENT_ADMIN_PASSWORD to choose it instead)\n",
              file=sys.stderr, flush=True)
