"""The signed-in user, for app.py and page files. The rules are auth.session_user's; this is the Streamlit glue.

A reload or a new tab is a new Streamlit session: it finds the signed-in session through a cookie holding
auth.session_token (signed, expiring, bound to the account's sign-out-everywhere), which the browser sends with
the connection (st.context.cookies). Streamlit cannot set a cookie from the server, so a tiny script in the
sidebar writes it (document.cookie; SameSite=Strict, Secure over HTTPS) and deletes it after signing out."""
from __future__ import annotations

import inspect
import time
from pathlib import Path

import streamlit as st

from services import auth
from services.auth import User

ROOT = Path(__file__).resolve().parents[1]
COOKIE_REFRESH_SECONDS = 600  # an active session's cookie is re-issued this often, so a reload after a pause is not "idle"


def start(user: User) -> None:
    """After a successful sign-in (or a password change, which ends every other session)."""
    now = time.time()
    st.session_state.username = user.username
    st.session_state.signed_in_at = now
    st.session_state.last_active = now
    st.session_state.cookie_issued_at = 0.0  # a new token (a new sign-in time) goes into the cookie at this rerun
    st.session_state.pop("signed_out_because", None)


def end(reason: str | None = None) -> None:
    for key in ("username", "user", "signed_in_at", "last_active", "cookie_issued_at"):
        st.session_state.pop(key, None)
    st.session_state.cookie_checked = True  # the cookie this tab connected with is not taken up again
    st.session_state.forget_cookie = True
    if reason:
        st.session_state.signed_out_because = reason


def resume() -> bool:
    """Once per Streamlit session (a reload, a new tab): take up the signed-in session the cookie names, if its token
    is ours, young enough and its account still stands (auth.resume_session). A refused token is deleted; its reason
    (idle, signed out everywhere, disabled) is kept for the sign-in form."""
    if st.session_state.get("cookie_checked"):
        return False
    st.session_state.cookie_checked = True
    token = dict(st.context.cookies).get(auth.session_cookie_name())
    if not isinstance(token, str) or not token:
        return False
    user, signed_in_at, issued_at, why = auth.resume_session(token)
    if user is None:
        st.session_state.forget_cookie = True
        if why:
            st.session_state.signed_out_because = why
        return False
    st.session_state.username = user.username
    st.session_state.signed_in_at = signed_in_at
    st.session_state.last_active = issued_at
    st.session_state.cookie_issued_at = issued_at
    st.session_state.pop("signed_out_because", None)
    return True


def keep_cookie() -> None:
    """app.py calls this on every rerun (in the sidebar): the signed-in session's cookie, re-issued when a new sign-in
    started or COOKIE_REFRESH_SECONDS passed; after signing out, one script that deletes it."""
    name = auth.session_cookie_name()
    username = st.session_state.get("username")
    if username:
        now = time.time()
        if now - st.session_state.get("cookie_issued_at", 0.0) > COOKIE_REFRESH_SECONDS:
            st.session_state.cookie_issued_at = now
        issued = st.session_state.cookie_issued_at
        signed_in_at = st.session_state.get("signed_in_at", now)
        token = auth.session_token(username, signed_in_at, issued)
        max_age = int(max(0.0, min(auth.idle_timeout_seconds(), auth.remember_seconds() - (issued - signed_in_at))))
        _cookie_script(f"{name}={token}; Max-Age={max_age}")
    elif st.session_state.pop("forget_cookie", False):
        _cookie_script(f"{name}=; Max-Age=0")


def _cookie_script(value: str) -> None:
    # The token is base64url and '.', the name hex: nothing in it can end the string or the script.
    st.html(f'<script>document.cookie = "{value}; Path=/; SameSite=Strict" + (location.protocol === "https:" ? "; Secure" : "");</script>',
            unsafe_allow_javascript=True, width="content")


def current_user() -> User | None:
    """The account behind this session, checked again on every rerun (auth.session_user); None signs the
    session out, with the reason kept for the sign-in form. The account row is read through the cache keyed
    on the workspace's and the database's versions, so a rerun costs two stat() calls unless either changed."""
    from .state import workspace_query

    username = st.session_state.get("username")
    if not username and resume():
        username = st.session_state.username
    if not username:
        return None
    now = time.time()
    user, why = auth.session_user(username, st.session_state.get("signed_in_at", 0.0), st.session_state.get("last_active", now), now,
                                  account=workspace_query("auth.account_state", username))
    if user is None:
        end(why)
        return None
    st.session_state.last_active = now
    st.session_state.user = user
    return user


EMPLOYEE_PAGES = ("my_profile.py", "my_review.py", "account.py")  # what an employee account may open (app.py's navigation)


def signed_in_user() -> User:
    """The user app.py signed in, checked again now (a page may run without app.py: on a fresh server Streamlit
    may run a page file straight from its URL before app.py has registered the navigation). Without a valid
    session the page goes back through app.py's sign-in, which returns to this page and its filters afterwards."""
    user = current_user() if st.session_state.get("user") is not None else None
    caller = Path(inspect.stack()[1].filename).resolve()
    if user is not None and user.must_change_password and caller.name != "account.py":
        user = None  # a generated or reset password is changed before anything else (app.py shows only My account)
    if user is None:
        st.session_state.return_to = str(caller.relative_to(ROOT))
        st.switch_page("app.py", query_params=st.query_params.to_dict())
    if user.can("view_own_records") and caller.name not in EMPLOYEE_PAGES:  # a candidate's own pages only (issue #18)
        try:
            st.switch_page("app.py")  # a company page's address opens My profile
        except Exception:  # no app.py to go to (a page run on its own): show nothing
            st.stop()
    return user
