"""Talent Pipeline: sign-in and the router. Pages live in pages/; they call dashboard/ and services/."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from services import auth, first_start, workspace
from dashboard import session
from services.i18n import LANGUAGES, t
from dashboard.page_header import as_of_badge
from dashboard.plain import md, preload_charts
from dashboard.state import DatabaseDamaged, analysis_current, current_db, database_damage, database_ready

# A local icon: a :material/…: icon would make every browser fetch the favicon from fonts.gstatic.com.
st.set_page_config(page_title="Talent Pipeline", page_icon=str(Path(__file__).parent / "dashboard" / "assets" / "favicon.png"), layout="wide")

if "lang" not in st.session_state:
    st.session_state.lang = st.query_params.get("lang") if st.query_params.get("lang") in LANGUAGES else "en"


def _language_chosen() -> None:
    st.session_state.lang = st.session_state.language_choice


# The session's language is plain state, not the selectbox's: Streamlit names a widget by its key AND the page hash the
# run starts with, which on a fresh server's first run differs from the next run's. A renamed widget starts at its first
# option (English) and dropped ?lang=zh-CN at the sign-in click (whose form, relabelled, then lost the typed name).
st.session_state.language_choice = st.session_state.lang
with st.sidebar:
    st.selectbox(t("app.language"), list(LANGUAGES), format_func=LANGUAGES.get, key="language_choice", on_change=_language_chosen)

def show_damaged(damage: DatabaseDamaged) -> None:
    # Never a traceback or empty pages over a damaged file: what happened and what to do, in the HR admin's words.
    st.title(t("privacy.database_damaged_title"))
    st.error(t("privacy.database_damaged", path=md(damage.path), detail=md(damage.detail)))
    st.stop()


if damage := database_damage():
    show_damaged(damage)

if not database_ready():
    # First start: build the demo organisation so the dashboard is never empty.
    st.title(t("app.first_start_title"))
    if not first_start.allowed():  # the demo never sits beside a workspace that has held real data
        st.error(t("security.demo_refused", path=workspace.describe(workspace.location())))
        st.stop()
    st.write(t("app.first_start_body", employees=first_start.demo_size(), path=str(current_db()[0])))
    bar = st.progress(0.0, text=t("app.first_start_progress"))
    first_start.build_demo(progress=lambda f, m: bar.progress(min(f, 1.0), text=m))
    bar.progress(1.0, text=t("app.first_start_done"))
    st.rerun()

if not analysis_current():
    # Tables built by an older version of the code: rebuild them once from the loaded rows.
    with st.spinner(t("app.rebuilding")):
        first_start.upgrade_analysis()

@st.cache_resource(show_spinner=False)
def _admin_ensured(workspace_file: str) -> bool:
    auth.ensure_admin()  # once per workspace and process, not on every rerun
    return True


_admin_ensured(str(workspace.location()))


def _oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file
        return False


def sign_in() -> None:
    st.title(t("auth.title"))
    st.caption(t("auth.intro"))
    if _oidc_configured():
        st.button(t("auth.sso"), on_click=st.login, type="primary")
    with st.form("sign_in"):
        username = st.text_input(t("auth.username"))
        password = st.text_input(t("auth.password"), type="password")
        submitted = st.form_submit_button(t("auth.submit"), type="primary")
    if why := st.session_state.get("signed_out_because"):
        st.info(t(f"security.signed_out_{why}", hours=f"{auth.idle_timeout_seconds() / 3600:g}"))
    if submitted:
        try:
            user = auth.authenticate(username, password, client=st.context.ip_address)
        except auth.SignInError as exc:
            st.error(str(exc))
        else:
            session.start(user)
            st.rerun()
    if auth.demo_accounts_allowed():
        st.info(t("auth.demo_hint"))
    preload_charts()


user = session.current_user()  # checked again on every rerun: active, role, departments, demo status, idle, signed out
if user is None and _oidc_configured() and getattr(st.user, "is_logged_in", False):
    if st.session_state.get("signed_out_because"):
        st.logout()  # a company-account session that timed out or was signed out everywhere ends there too
    user = auth.load_user(str(st.user.get("email", "")))  # SSO: the e-mail names the account and its role
    if user is None:
        st.error(t("auth.sso_unknown"))
    else:
        session.start(user)
if user is None:
    with st.sidebar:
        session.keep_cookie()  # after signing out: the cookie goes too
    # Every address shows the sign-in form, so a shared link (page and filters) opens after signing in.
    paths = ["candidates", "profile", "talent_grid", "plans", "reviews", "model", "trends", "succession", "data", "users", "account", "my_review"]
    st.navigation(
        [st.Page(sign_in, title=t("auth.title"), icon=":material/login:", default=True)]
        + [st.Page(sign_in, title=t("auth.title"), url_path=path) for path in paths],
        position="hidden",
    ).run()
    st.stop()

st.session_state.user = user
with st.sidebar:
    session.keep_cookie()  # a reload or a new tab finds this session (a signed, expiring token; docs/security.md)
if user.must_change_password:  # the first admin's generated password, or a reset one: changed before anything else
    st.navigation([st.Page("pages/account.py", title=t("security.account_nav"), default=True)], position="hidden").run()
    st.stop()


def sign_out() -> None:
    auth.sign_out_everywhere(user)  # every tab and browser of this account
    session.end()
    if _oidc_configured() and getattr(st.user, "is_logged_in", False):
        st.logout()


with st.sidebar:
    role = t(f"auth.role_{user.role}")
    scope = f" · {md(', '.join(user.departments))}" if user.scope else ""
    st.caption(t("auth.signed_in_as", name=md(user.display_name), role=role) + scope + (f" · {t('auth.demo_account')}" if user.is_demo else ""))
    st.button(t("auth.sign_out"), on_click=sign_out, icon=":material/logout:")

if user.can("view_own_records"):  # a candidate: their own profile, plan and review; no company pages
    registered = {"pages/my_profile.py": st.Page("pages/my_profile.py", title=t("nav.my_profile"), icon=":material/person:", default=True),
                  "pages/my_review.py": st.Page("pages/my_review.py", title=t("nav.my_review"), icon=":material/rate_review:", url_path="my_review")}
else:
    registered = {"pages/overview.py": st.Page("pages/overview.py", title=t("nav.overview"), icon=":material/groups:", default=True)}
registered["pages/account.py"] = st.Page("pages/account.py", title=t("security.account_nav"), icon=":material/key:", url_path="account")
if user.can("view_people"):
    registered["pages/candidates.py"] = st.Page("pages/candidates.py", title=t("nav.candidates"), icon=":material/person_search:", url_path="candidates")
    registered["pages/profile.py"] = st.Page("pages/profile.py", title=t("nav.profile"), icon=":material/badge:", url_path="profile")
    registered["pages/talent_grid.py"] = st.Page("pages/talent_grid.py", title=t("nav.grid"), icon=":material/grid_view:", url_path="talent_grid")
    registered["pages/calibration.py"] = st.Page("pages/calibration.py", title=t("calibration_session.nav"), icon=":material/balance:", url_path="calibration")
    registered["pages/plans.py"] = st.Page("pages/plans.py", title=t("nav.plans"), icon=":material/checklist:", url_path="plans")
    registered["pages/reviews.py"] = st.Page("pages/reviews.py", title=t("nav.reviews"), icon=":material/rate_review:", url_path="reviews")
    registered["pages/model.py"] = st.Page("pages/model.py", title=t("nav.model"), icon=":material/insights:", url_path="model")
    registered["pages/trends.py"] = st.Page("pages/trends.py", title=t("trends.nav"), icon=":material/trending_up:", url_path="trends")
    registered["pages/succession.py"] = st.Page("pages/succession.py", title=t("succession.nav"), icon=":material/account_tree:", url_path="succession")
if user.can("manage_data"):
    registered["pages/data.py"] = st.Page("pages/data.py", title=t("nav.data"), icon=":material/upload_file:", url_path="data")
if user.can("manage_users"):
    registered["pages/users.py"] = st.Page("pages/users.py", title=t("nav.users"), icon=":material/admin_panel_settings:", url_path="users")
navigation = st.navigation(list(registered.values()))
target = st.session_state.pop("return_to", None)
if target in registered:  # a deep link that had to sign in first
    st.switch_page(registered[target], query_params=st.query_params.to_dict())
try:
    as_of_badge()  # every page's header: the date the analysis describes
    navigation.run()
except DatabaseDamaged as damage:  # damage inside the file that only a query reaches
    show_damaged(damage)
