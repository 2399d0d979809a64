"""The review-cycle and plan pages as their users work them (AppTest), on the demo with its seeded history."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from services import reviews, workspace
from services.demo import seed_demo_reviews
from tests.test_app import ACCOUNTS, PASSWORD, ROOT, fresh_caches, signed_in  # noqa: F401  (fixtures; demo_db is conftest's)
from tests.conftest import copy_app_files, rows, use_app_files

# Its module fixture is built once: keep the module on one test worker (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("reviews_page")


@pytest.fixture
def seeded(seeded_demo: Path, tmp_path: Path, monkeypatch) -> Path:
    """Each test's own copy of the seeded demo (conftest's seeded_demo: one account per role, the demo's pool, plans
    and past review cycles, as on first start)."""
    copy_app_files(seeded_demo, tmp_path)
    return use_app_files(tmp_path, monkeypatch)


def _workspace(sql: str, params: list | None = None) -> list[tuple]:
    with workspace.connect() as con:
        return con.sql(sql, params=params).fetchall()


def test_the_demo_has_past_cycles_so_the_views_are_populated(seeded: Path) -> None:
    cycles = reviews.list_cycles()
    assert cycles.select("cycle_id", "status").rows() == [
        ("2026-year_end", "open"), ("2026-mid_year", "closed"), ("2025-year_end", "closed"), ("2025-mid_year", "closed")]
    assert (cycles["members"] > 0).all()
    # a second seeding changes nothing
    assert seed_demo_reviews(seeded) is None
    assert _workspace("SELECT count(*) FROM review_cycles") == [(4,)]


def test_department_head_records_an_assessment_for_their_own_candidate_and_none_in_a_closed_cycle(seeded: Path) -> None:
    at = signed_in("head")  # head of Sales
    at.switch_page("pages/reviews.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="cycle.en").value == "2026-year_end"
    assert set(at.dataframe[0].value["department"]) == {"Sales"}  # figures by department: only their own
    members = at.dataframe[1].value
    assert set(members["department"]) == {"Sales"}  # members: only their own
    choice = at.selectbox(key="record_2026-year_end")
    employee_id = choice.value
    assert rows(seeded, "SELECT department FROM analysis_employee WHERE employee_id = ?", [employee_id]) == [("Sales",)]
    before = _workspace("SELECT count(*) FROM review_assessments WHERE cycle_id = '2026-year_end' AND employee_id = ?", [employee_id])[0][0]
    inputs = {n.label: n for n in at.number_input}
    inputs["Team results growth (%)"].set_value(10.0)
    inputs["360° leadership (0–100)"].set_value(80.0)
    at.radio(key=f"outcome_2026-year_end_{employee_id}.en").set_value("keep_developing")
    [box for box in at.text_input if box.label == "Rationale"][0].input("steady progress; one more year")
    [b for b in at.button if b.label == "Save the assessment"][0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.success and "composite 76.5" in at.success[0].value  # Sales 70/30: growth 10 % -> 75, 360 80: 0.7*75 + 0.3*80
    after = _workspace("""SELECT count(*), arg_max(outcome, assessment_id), arg_max(recorded_by, assessment_id), arg_max(composite_score, assessment_id)
                          FROM review_assessments WHERE cycle_id = '2026-year_end' AND employee_id = ?""", [employee_id])[0]
    assert after == (before + 1, "keep_developing", "head", 76.5)
    # A closed cycle takes no more assessments.
    at.selectbox(key="cycle.en").set_value("2026-mid_year").run()
    assert not at.exception
    assert any("This cycle is closed" in i.value for i in at.info)
    assert "Save the assessment" not in [b.label for b in at.button]


def test_leadership_reads_the_cycles_but_has_no_forms(seeded: Path) -> None:
    at = signed_in("leader")
    at.switch_page("pages/reviews.py").run()
    assert not at.exception
    labels = [b.label for b in at.button]
    assert "Save the assessment" not in labels and "Open the cycle" not in labels and "Confirm" not in labels
    assert set(at.dataframe[1].value["department"]) > {"Sales"}  # the whole company


def test_hr_opens_a_cycle_from_the_page(seeded: Path) -> None:
    at = signed_in("hr")
    at.switch_page("pages/reviews.py").run()
    [n for n in at.number_input if n.label == "Year"][0].set_value(2027)
    [b for b in at.button if b.label == "Open the cycle"][0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    pool = _workspace("""SELECT count(*) FROM (SELECT employee_id, arg_max(action, nomination_id) AS action FROM nominations GROUP BY ALL)
                         WHERE action = 'nominate'""")[0][0]
    assert _workspace("SELECT status, opened_by, (SELECT count(*) FROM review_members WHERE cycle_id = '2027-mid_year') FROM review_cycles WHERE cycle_id = '2027-mid_year'") == [
        ("open", "hr", pool)]


def test_plans_page_and_the_plan_on_a_profile(seeded: Path) -> None:
    at = signed_in("head")
    at.switch_page("pages/plans.py").run()
    assert not at.exception, [e.message for e in at.exception]
    per_person = at.dataframe[0].value
    assert set(per_person["department"]) == {"Sales"}
    employee_id = str(per_person["employee_id"].iloc[0])
    at.query_params["employee"] = employee_id
    at.switch_page("pages/profile.py").run()
    assert not at.exception, [e.message for e in at.exception]
    items_before = _workspace("SELECT count(*) FROM plan_items WHERE employee_id = ?", [employee_id])[0][0]
    [box for box in at.text_input if box.label == "Item"][-1].input("Key Account Management")
    [box for box in at.text_input if box.label.startswith("Reason")][-1].input("needs account planning")
    [b for b in at.button if b.label == "Add the item"][0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert _workspace("SELECT count(*) FROM plan_items WHERE employee_id = ?", [employee_id])[0][0] == items_before + 1
    assert _workspace("SELECT change, reason, changed_by FROM plan_changes WHERE employee_id = ? ORDER BY change_id DESC LIMIT 1", [employee_id]) == [
        ("item_added", "needs account planning", "head")]
    # the year-end cycle is open and the person is a member: the change counts as that cycle's adjustment
    members = pl.DataFrame(_workspace("SELECT employee_id FROM review_members WHERE cycle_id = '2026-year_end'"), schema=["employee_id"], orient="row")
    linked = _workspace("SELECT cycle_id FROM plan_changes WHERE employee_id = ? ORDER BY change_id DESC LIMIT 1", [employee_id])[0][0]
    assert linked == ("2026-year_end" if employee_id in members["employee_id"].to_list() else None)
