"""Talent Pipeline: the router. Pages live in pages/; they call dashboard/ and pipelines/."""
from __future__ import annotations

import os

import streamlit as st

from dashboard.i18n import LANGUAGES, t
from dashboard.state import database_ready
from pipelines.bootstrap import DEMO_EMPLOYEES, build_demo_database
from pipelines.settings import database_path

st.set_page_config(page_title="Talent Pipeline", page_icon=":material/groups:", layout="wide")

if "lang" not in st.session_state:
    st.session_state.lang = st.query_params.get("lang", "en") if st.query_params.get("lang") in LANGUAGES else "en"
with st.sidebar:
    st.selectbox(t("app.language"), list(LANGUAGES), format_func=LANGUAGES.get, key="lang")

if not database_ready():
    # First start: build the demo organisation so the dashboard is never empty.
    st.title(t("app.first_start_title"))
    employees = int(os.environ.get("TALENT_DEMO_EMPLOYEES", DEMO_EMPLOYEES))
    path = database_path()
    st.write(t("app.first_start_body", employees=employees, path=str(path)))
    bar = st.progress(0.0, text=t("app.first_start_progress"))
    build_demo_database(path, employees=employees, progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
    bar.progress(1.0, text=t("app.first_start_done"))
    st.rerun()

pages = [
    st.Page("pages/overview.py", title=t("nav.overview"), icon=":material/groups:", default=True),
    st.Page("pages/data.py", title=t("nav.data"), icon=":material/upload_file:", url_path="data"),
]
st.navigation(pages).run()
