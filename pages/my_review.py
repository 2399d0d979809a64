"""The candidate's own page (issue #18): built next; for now it says what it will show."""
from __future__ import annotations

import streamlit as st

from dashboard.session import signed_in_user
from services.i18n import t

user = signed_in_user()
st.title(t("nav.my_review"))
