"""The signed-in user, for page files."""
from __future__ import annotations

import inspect
from pathlib import Path

import streamlit as st

from .auth import User

ROOT = Path(__file__).resolve().parents[1]


def signed_in_user() -> User:
    """The user app.py signed in. A page reached without app.py (on a fresh server Streamlit may run
    a page file straight from its URL before app.py has registered the navigation) goes back
    through app.py's sign-in, which returns to this page and its filters afterwards."""
    user = st.session_state.get("user")
    if user is None:
        caller = Path(inspect.stack()[1].filename).resolve()
        st.session_state.return_to = str(caller.relative_to(ROOT))
        st.switch_page("app.py", query_params=st.query_params.to_dict())
    return user
