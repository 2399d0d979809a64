"""Users and audit log: who may see what, and who did what?"""
from __future__ import annotations

import polars as pl
import streamlit as st

from services import auth
from dashboard.access import ScopedData
from services.permissions import NotAllowed
from dashboard.plain import md
from dashboard.session import signed_in_user
from services.i18n import t

user = signed_in_user()
data = ScopedData(user)
st.title(t("users.title"))
if not user.can("manage_users"):
    st.error(t("users.not_allowed"))
    st.stop()

users, log = auth.users_and_audit_log(user)
users = users.with_columns(pl.col("role").replace({r: t(f"auth.role_{r}") for r in auth.ROLES}))  # words, not codes

st.subheader(t("users.users_title"))
st.dataframe(users, hide_index=True, placeholder="–", column_config={
    "username": t("auth.username"), "display_name": t("users.display_name"), "role": t("users.role"),
    "departments": t("users.departments"), "employee_id": t("users_employee.col_employee_id"), "is_demo": st.column_config.CheckboxColumn(t("users.col_demo")),
    "disabled": st.column_config.CheckboxColumn(t("users.col_disabled")),
    "created_at": st.column_config.DatetimeColumn(t("users.col_created"), format="YYYY-MM-DD HH:mm"), "created_by": t("users.col_created_by")})
with st.expander(t("users.add_title"), icon=":material/person_add:"):
    with st.form("add_user", clear_on_submit=True):
        username = st.text_input(t("auth.username"))
        display = st.text_input(t("users.display_name"))
        role = st.selectbox(t("users.role"), auth.ROLES, format_func=lambda r: t(f"auth.role_{r}"))
        departments = st.multiselect(t("users.departments"), data.departments())
        employee_id = st.text_input(t("users_employee.employee_id"), help=t("users_employee.employee_id_help"), max_chars=64)  # issue #18
        password = st.text_input(t("auth.password"), type="password", help=t("users.password_help"))
        if st.form_submit_button(t("users.add"), type="primary"):
            try:
                data.create_user(username, role, password, tuple(departments), display or None, employee_id=employee_id)
            except (ValueError, NotAllowed) as exc:
                st.error(md(exc))  # messages carry typed and imported values: plain text
            else:
                st.success(t("users.added", username=md(username)))
                st.rerun()

with st.expander(t("security.manage_title"), icon=":material/manage_accounts:"):
    # Disable or enable, reset a password (the user changes it at the next sign-in), unlock after failed sign-ins.
    names = users["username"].to_list()
    locked = dict(auth.locked_accounts())
    if locked:
        st.caption(t("security.locked_list", minutes=auth.LOCKOUT_MINUTES, accounts=md(", ".join(f"{n} ({c})" for n, c in locked.items()))))
    with st.form("manage_user", clear_on_submit=True):
        who = st.selectbox(t("auth.username"), names)
        action = st.radio(t("security.manage_action"), ("disable", "enable", "reset", "unlock"), format_func=lambda a: t(f"security.action_{a}"),
                          horizontal=True)
        temporary = st.text_input(t("security.temporary_password"), type="password", help=t("security.temporary_help"))
        if st.form_submit_button(t("security.apply"), type="primary"):
            try:
                if action in ("disable", "enable"):
                    data.set_disabled(who, action == "disable")
                elif action == "reset":
                    data.reset_password(who, temporary)
                else:
                    data.unlock(who)
            except (ValueError, NotAllowed) as exc:
                st.error(md(exc))  # messages carry typed and imported values: plain text
            else:
                st.success(t(f"security.done_{action}", username=md(who)))

st.subheader(t("users.audit_title"))
st.caption(t("users.audit_definition"))
st.dataframe(log, hide_index=True, placeholder="–", column_config={
    "logged_at": st.column_config.DatetimeColumn(t("profile.col_when"), format="YYYY-MM-DD HH:mm:ss"), "username": t("auth.username"),
    "action": t("users.col_action"), "target": t("users.col_target"),
    "detail": st.column_config.TextColumn(t("users.col_detail"), width="large")})  # the details in words are sentences
