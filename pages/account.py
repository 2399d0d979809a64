"""My account: every user changes their own password (and must, after a generated or reset one)."""
from __future__ import annotations

import streamlit as st

from services import auth
from dashboard import session
from dashboard.access import ScopedData
from services.i18n import t
from dashboard.plain import md

user = session.signed_in_user()
st.title(t("security.account_title"))
if user.must_change_password:
    st.warning(t("security.must_change"))
st.caption(t("security.account_intro", minutes=auth.LOCKOUT_MINUTES))
with st.form("change_password", clear_on_submit=True):
    current = st.text_input(t("security.current_password"), type="password")
    new = st.text_input(t("security.new_password"), type="password", help=t("users.password_help"))
    again = st.text_input(t("security.new_password_again"), type="password")
    if st.form_submit_button(t("security.change_password"), type="primary"):
        try:
            if new != again:
                raise ValueError(t("security.passwords_differ"))
            ScopedData(user).change_password(current, new)
        except ValueError as exc:
            st.error(md(exc))  # messages carry typed and imported values: plain text
        else:
            session.start(user)  # the change ended every session of the account; this one goes on
            st.session_state.password_changed = True
            st.rerun()
if st.session_state.pop("password_changed", False):
    st.success(t("security.password_changed"))
