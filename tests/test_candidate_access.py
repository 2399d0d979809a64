"""An employee reaches their own records only (issue #18): whatever the service call, the access layer, the address
(?employee=…), a crafted widget value or a download says, nobody else's record is read or written."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from dashboard.access import ScopedData
from services import auth, plans, self_service, workspace
from services.people import CandidateFilters
from services.permissions import NotAllowed

from .conftest import copy_app_files, use_app_files
from .test_candidate_profile import FILES, HEAD_RD, HEAD_SALES, HR, SAM
from .conftest import small_org

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a-long-password"  # small_org's
OTHER, OTHER_NAME = "S2", "Sue Two"  # another person in Sam's own department
COMPANY_PAGES = ["pages/overview.py", "pages/candidates.py", "pages/profile.py", "pages/talent_grid.py", "pages/plans.py",
                 "pages/reviews.py", "pages/model.py", "pages/trends.py", "pages/succession.py", "pages/data.py", "pages/users.py"]


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    import shutil

    folder = tmp_path_factory.mktemp("candidate_access")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TALENT_CONFIG", str(shutil.copyfile(ROOT / "config" / "talent.toml", folder / "talent.toml")))
        small_org(folder, mp, FILES, (HEAD_SALES, HEAD_RD))
        auth.create_user("sam", "employee", PASSWORD, display_name="Sam One", employee_id="S1")
        plans.add_template_item(HR, None, "course", "Leading people", 6)
        plans.create_plan(HEAD_SALES, "S1", None, date(2026, 1, 15))
        plans.create_plan(HEAD_SALES, OTHER, None, date(2026, 1, 15))
    return folder


@pytest.fixture
def org(_template: Path, tmp_path: Path, monkeypatch) -> Path:
    copy_app_files(_template, tmp_path)
    monkeypatch.setenv("TALENT_CONFIG", str(_template / "talent.toml"))
    return use_app_files(tmp_path, monkeypatch)


def item_of(employee_id: str) -> int:
    with workspace.connect() as con:
        return con.sql("SELECT min(item_id) FROM plan_items WHERE employee_id = ?", params=[employee_id]).fetchall()[0][0]


def test_every_self_service_call_for_another_person_is_refused(org: Path) -> None:
    cur = duckdb.connect(str(org), read_only=True)
    attempts = {
        "person": lambda: self_service.person(cur, SAM, OTHER),
        "records": lambda: self_service.records(cur, SAM, OTHER, "performance_ratings"),
        "360 summary": lambda: self_service.feedback_summary(cur, SAM, OTHER),
        "profile state": lambda: self_service.profile_state(cur, SAM, OTHER),
        "history": lambda: self_service.history(SAM, OTHER),
        "plan": lambda: self_service.plan(cur, SAM, OTHER, date(2026, 11, 26)),
        "edit": lambda: self_service.edit_profile(SAM, OTHER, {"career_plan": "take over"}),
        "report another's item done": lambda: plans.report_done(SAM, item_of(OTHER), "done"),
        "confirm a report": lambda: plans.confirm_done(SAM, item_of("S1")),
        "change one's own item": lambda: plans.change_item(SAM, item_of("S1"), "because", status="done"),
        # HR and heads read people through their own pages: the candidate's self-service door is the candidate's only
        "HR through the candidate's door": lambda: self_service.person(cur, HR, "S1"),
        "a head edits for the candidate": lambda: self_service.edit_profile(HEAD_SALES, "S1", {"career_plan": "x"}),
    }
    with workspace.connect() as con:
        before = con.sql("SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM profile_edits), (SELECT count(*) FROM plan_changes)").fetchall()
    refused = []
    for what, attempt in attempts.items():
        with pytest.raises(NotAllowed):
            attempt()
        refused.append(what)
    assert refused == list(attempts)
    with workspace.connect() as con:  # and nothing was written
        assert con.sql("SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM profile_edits), (SELECT count(*) FROM plan_changes)").fetchall() == before
    cur.close()


def test_the_access_layer_gives_an_employee_their_own_person_only(org: Path) -> None:
    data = ScopedData(auth.load_user("sam"))
    assert data.me == "S1" and data.my_person()["name"] == "Sam One"
    for company_read in (lambda: data.profile(OTHER), lambda: data.records(OTHER, "performance_ratings"), lambda: data.plan(OTHER),
                         lambda: data.candidates(CandidateFilters()), lambda: data.nine_box(), lambda: data.plan_progress(date(2026, 11, 26)),
                         lambda: data.search_people(OTHER_NAME), lambda: data.review_results(OTHER), lambda: data.cycles(),
                         lambda: data.self_service_status()):
        with pytest.raises(NotAllowed):
            company_read()
    assert data.departments() == []  # an employee's scope holds no department
    for crafted in (lambda: data.report_plan_item_done(item_of(OTHER), "certificate.pdf"), lambda: data.confirm_plan_item(item_of("S1"))):
        with pytest.raises(NotAllowed):  # a widget value crafted to name another person's item, or to confirm one's own
            crafted()
    with pytest.raises(NotAllowed):  # and a head has no "me"
        ScopedData(HEAD_SALES).my_person()


def page_text(at: AppTest) -> str:
    """Everything a page shows: its elements' values and labels, and its tables' cells."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "info", "warning", "error", "success", "text", "metric", "tab"):
        parts += [str(getattr(e, "value", "")) + " " + str(getattr(e, "label", "")) for e in at.get(kind)]
    parts += [df.value.to_string() for df in at.dataframe]
    parts += [str(w.options) for w in at.selectbox]
    return re.sub(r"\\(.)", r"\1", " ".join(parts))


def test_an_employee_sees_only_their_own_record_whatever_the_address_or_widgets_say(org: Path, fresh_streamlit_caches) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input("sam")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.title[0].value == "My profile and plan"
    shown = page_text(at)
    assert "Sam One" in shown and OTHER_NAME not in shown
    assert not at.get("download_button")  # nothing to download here: no file of anybody's records
    # ?employee=S2 on the candidate's own pages: ignored, Sam's record only
    for page in ("pages/my_profile.py", "pages/my_review.py"):
        at.query_params.clear()
        at.query_params.update({"employee": OTHER})
        at = at.switch_page(page).run()
        assert not at.exception, (page, [e.message for e in at.exception])
        assert OTHER_NAME not in page_text(at) and "Sue" not in page_text(at), page
    # the company pages are not in the candidate's navigation: their addresses lead nowhere, or to My profile
    for page in COMPANY_PAGES:
        try:
            at.query_params.clear()
            at.query_params.update({"employee": OTHER, "department": "Sales"})
            at = at.switch_page(page).run()
        except ValueError as exc:
            assert "Could not find a navigation page" in str(exc)
            continue
        assert not at.exception and [t.value for t in at.title] == ["My profile and plan"], page
        assert OTHER_NAME not in page_text(at), page
    at = at.switch_page("pages/my_profile.py").run()
    # the report form offers Sam's own items only (a widget sends an option's index: a crafted message picks among
    # these); the access layer refuses another person's item whatever reaches it (test_the_access_layer_…)
    assert at.selectbox[0].options == ["Leading people"]


def test_a_company_page_run_straight_from_its_address_sends_an_employee_to_their_own(org: Path, fresh_streamlit_caches) -> None:
    # On a fresh server Streamlit may run a page file from its URL before app.py registered the navigation
    # (dashboard.session.signed_in_user): the page stops before reading anything and goes to app.py.
    import time

    at = AppTest.from_file(str(ROOT / "pages" / "profile.py"), default_timeout=60)
    now = time.time()
    at.session_state["username"], at.session_state["user"] = "sam", auth.load_user("sam")
    at.session_state["signed_in_at"], at.session_state["last_active"] = now, now
    at.query_params["employee"] = OTHER
    at.run()
    assert not at.exception and OTHER_NAME not in page_text(at) and not at.dataframe and not at.metric
