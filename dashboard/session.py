"""The signed-in user, for app.py and page files. The rules are auth.session_user's; this is the Streamlit glue."""
from __future__ import annotations

import inspect
import time
from pathlib import Path

import streamlit as st

from services import auth
from services.auth import User

ROOT = Path(__file__).resolve().parents[1]


def start(user: User) -> None:
    """After a successful sign-in (or a password change, which ends every other session)."""
    now = time.time()
    st.session_state.username = user.username
    st.session_state.signed_in_at = now
    st.session_state.last_active = now
    st.session_state.pop("signed_out_because", None)


def end(reason: str | None = None) -> None:
    for key in ("username", "user", "signed_in_at", "last_active"):
        st.session_state.pop(key, None)
    if reason:
        st.session_state.signed_out_because = reason


def current_user() -> User | None:
    """The account behind this session, checked again on every rerun (auth.session_user); None signs the
    session out, with the reason kept for the sign-in form. The account row is read through the cache keyed
    on the workspace's and the database's versions, so a rerun costs two stat() calls unless either changed."""
    from .state import workspace_query

    username = st.session_state.get("username")
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
    return user
