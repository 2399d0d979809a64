"""A department head sees and acts on their own people only, whatever the URL or widgets say."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from services import workspace
from dashboard.url_filters import from_params, to_params
from services.people import CandidateFilters
from tests.conftest import rows
from tests.test_app import demo_db, env, fresh_caches, shown, signed_in  # noqa: F401  (fixtures shared with test_app)


def other_department_employee(db: Path) -> str:
    return rows(db, "SELECT employee_id FROM analysis_employee WHERE department <> 'Sales' AND status = 'active' ORDER BY employee_id LIMIT 1")[0][0]


def sales_employee(db: Path) -> tuple[str, str]:
    return rows(db, "SELECT employee_id, name FROM analysis_employee WHERE department = 'Sales' AND status = 'active' ORDER BY pool_score DESC LIMIT 1")[0]


def open_page(at: AppTest, page: str, **params: str) -> AppTest:
    at.query_params.clear()
    at.query_params.update(params)
    return at.switch_page(page).run()


def test_head_sees_only_sales_in_the_explorer_whatever_the_url_or_widgets_say(env: Path) -> None:
    expected = rows(env, "SELECT count(*) FROM analysis_employee WHERE status = 'active' AND department = 'Sales'")[0][0]
    at = open_page(signed_in("head"), "pages/candidates.py", department="R&D")
    assert not at.exception
    assert shown(at.error[0].value) == "'R&D' is not one of your departments (Sales); showing all of yours instead."
    # ...all of theirs: Sales only, in the table and in its export
    assert set(at.dataframe[0].value["department"]) == {"Sales"}
    assert at.subheader[0].value.startswith(f"{expected:,} people match")
    assert at.get("download_button")  # its rows are this scoped table
    assert at.selectbox(key="f_department").options == ["Any", "Sales"]
    assert at.selectbox(key="f_department").value == ""
    # A crafted widget value for another department is refused the same way.
    at = open_page(at, "pages/profile.py")  # away from the explorer (its widgets go), then back with the crafted value
    at.session_state["f_department"] = "R&D"  # as a crafted widget message would set it
    at = open_page(at, "pages/candidates.py")
    assert not at.exception
    assert "is not one of your departments" in at.error[0].value
    assert set(at.dataframe[0].value["department"]) == {"Sales"}
    # Before: the explorer showed the matching people by gender and age band (groups under 5 hidden); lowering
    # "score at most" just below the best candidate took them out of one group, which showed their gender and age band.
    top_score = rows(env, "SELECT max(pool_score) FROM analysis_employee WHERE status = 'active' AND department = 'Sales'")[0][0]
    assert at.dataframe[0].value.shape[0] > 1
    assert demographics_on_page(at) == []
    at.number_input(key="f_score_max").set_value(float(top_score) - 0.01).run()
    assert not at.exception
    assert demographics_on_page(at) == []


def test_hr_sees_no_demographic_column_beside_the_explorers_filters(env: Path) -> None:
    top_score = rows(env, "SELECT max(pool_score) FROM analysis_employee WHERE status = 'active' AND department = 'Sales'")[0][0]
    # HR sees everyone's records, and still no demographic column beside the filters.
    at = open_page(signed_in("hr"), "pages/candidates.py", score_max=str(float(top_score) - 0.01))
    assert not at.exception and at.dataframe[0].value.shape[0] > 1
    assert demographics_on_page(at) == []


def test_leadership_filters_the_explorer_by_url_and_reads_any_profile(env: Path) -> None:
    at = open_page(signed_in("leader"), "pages/candidates.py", level_min="five", trend="sideways", score_min="500", skill="Underwater basket weaving")
    assert not at.exception
    assert [shown(w.value) for w in at.warning] == [
        "A filter in the address could not be used and was left out: level_min='five' is not a number.",
        "A filter in the address could not be used and was left out: trend='sideways' is not one of any, rising, top_twice, not_falling.",
        "A filter in the address could not be used and was left out: score_min='500' is out of range.",
    ]
    assert at.dataframe[0].value.shape[0] > 0
    # Another department's profile is open to leadership, read only.
    other = other_department_employee(env)
    at = open_page(at, "pages/profile.py", employee=other)
    assert not at.error and at.metric
    assert not [b for b in at.button if "pool" in b.label]
    # Back in the explorer (its widgets start again from the address), filters narrow the table as the analysis table says.
    at = open_page(at, "pages/candidates.py", trend="top_twice", aspiration="management", level_min="3")
    assert not at.exception and not at.warning
    expected = rows(env, """SELECT count(*) FROM analysis_employee WHERE status = 'active' AND top_rating_streak >= 2
                            AND career_aspiration = 'management' AND job_level >= 3""")[0][0]
    assert at.subheader[0].value.startswith(f"{expected:,} people match")
    assert len(at.dataframe[0].value) == min(expected, 1000)


def test_head_profile_hides_other_departments_and_nominates_and_removes_with_history_and_audit(env: Path) -> None:
    other = other_department_employee(env)
    at = open_page(signed_in("head"), "pages/profile.py", employee=other)
    assert shown(at.error[0].value) == f"No employee '{other}' in your department(s)."
    assert not at.dataframe and not at.metric
    employee, name = sales_employee(env)
    at = open_page(at, "pages/profile.py", employee=employee)
    assert not at.error and at.metric
    assert "Not in the talent pool." in [m.value for m in at.markdown]
    # Nominating without a reason is refused.
    at.button(key="FormSubmitter:nomination-Nominate into the pool").click().run()
    assert at.error[0].value == "a reason is required"
    with workspace.connect() as con:
        assert con.sql("SELECT count(*) FROM nominations").fetchall() == [(0,)]
    at.selectbox[-1].select("ready_1_2_years")
    at.text_input[-1].input("Sales Manager")
    at.text_area[0].input("Led the CRM rollout; A twice in a row.")
    at.button(key="FormSubmitter:nomination-Nominate into the pool").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert "In the talent pool · Ready in 1–2 years" in [m.value for m in at.markdown]
    at.selectbox(key="exit_reason.en").set_value("withdrew")
    at.text_area(key="remove_reason").input("Moved to a specialist track at their request.")
    at.button(key="FormSubmitter:nomination-Remove from the pool").click().run()
    assert "Not in the talent pool." in [m.value for m in at.markdown]
    with workspace.connect() as con:
        history = con.sql("SELECT employee_id, department, action, readiness, target_position, reason, decided_by FROM nominations ORDER BY nomination_id").fetchall()
        audit = con.sql("SELECT username, action, target FROM audit_log WHERE action LIKE 'pool_%' ORDER BY audit_id").fetchall()
    assert history == [
        (employee, "Sales", "nominate", "ready_1_2_years", "Sales Manager", "Led the CRM rollout; A twice in a row.", "head"),
        (employee, "Sales", "remove", None, None, "Moved to a specialist track at their request.", "head"),
    ]
    assert audit == [("head", "pool_nominate", employee), ("head", "pool_remove", employee)]
    table = at.dataframe[-1].value
    assert list(table["change"]) == ["Removed from the pool", "Nominated"]


def test_filters_round_trip_through_the_url() -> None:
    filters = CandidateFilters(department="Sales", level_min=3, trend="rising", pool_status="nominated", score_min=50.0)
    params = to_params(filters)
    assert params == {"department": "Sales", "level_min": "3", "trend": "rising", "pool_status": "nominated", "score_min": "50.0"}
    assert from_params(params) == (filters, [])
    assert from_params({"level_min": "7", "level_max": "3"}) == (CandidateFilters(), ["level_min is above level_max"])


def test_access_layer_refuses_other_departments_directly(env: Path) -> None:
    from dashboard.access import NotAllowed, ScopedData
    from services.auth import load_user

    head = ScopedData(load_user("head"))
    other = other_department_employee(env)
    with pytest.raises(NotAllowed, match="is not your department"):
        head.nominate(other, "nominate", "because", "ready_now")
    with pytest.raises(NotAllowed, match="your own department"):
        head.candidates(CandidateFilters(department="R&D"))
    assert head.records(other, "performance_ratings").height == 0
    assert head.feedback_by_competency((other,)).height == 0
    own, _ = sales_employee(env)  # their own people's records and 360 figures, asked together with someone else's
    periods = [r[0] for r in rows(env, "SELECT r.period FROM performance_ratings r JOIN period_order o ON o.period = r.period "
                                       "WHERE employee_id = ? ORDER BY o.sort_key", [own])]
    assert periods and head.records(own, "performance_ratings")["period"].to_list() == periods
    assert set(head.feedback_by_competency((other, own))["employee_id"].to_list()) == {own}
    viewer = ScopedData(load_user("viewer"))
    with pytest.raises(NotAllowed, match="viewer"):
        viewer.candidates(CandidateFilters())


DEMOGRAPHIC_COLUMNS = {"gender", "age_band", "age", "birth_date"}


def demographics_on_page(at: AppTest) -> list[str]:
    """Whatever the page shows about gender or age: chart data, table columns, filter labels."""
    found = [f"chart: {c.proto.spec[:80]}" for c in at.get("plotly_chart")
             if any(word in c.proto.spec.lower() for word in ("gender", "age_band", "age band", "birth"))]
    found += [f"table column {col}" for d in at.dataframe for col in d.value.columns if col in DEMOGRAPHIC_COLUMNS]
    labels = [w.label for kind in ("selectbox", "number_input", "text_input", "multiselect") for w in at.get(kind)]
    found += [f"filter {label}" for label in labels if any(word in label.lower() for word in ("gender", "age band", "birth"))]
    return found


def test_exports_are_audited(env: Path) -> None:
    from dashboard.access import ScopedData
    from services.auth import load_user

    head = ScopedData(load_user("head"))
    table, total = head.candidates(CandidateFilters())
    assert set(table["department"]) == {"Sales"} and total == len(table)
    head.audit_export("candidates.csv", len(table))
    with workspace.connect() as con:
        assert con.sql("SELECT username, action, target FROM audit_log WHERE action = 'export'").fetchall() == [("head", "export", "candidates.csv")]


def test_nine_box_counts_and_calibration_moves(env: Path) -> None:
    from dashboard.access import NotAllowed, ScopedData
    from services.auth import load_user

    expected = rows(env, """SELECT count(*) FROM analysis_employee WHERE status = 'active' AND job_level < 7
                            AND latest_annual_points IS NOT NULL AND department = 'Sales'""")[0][0]
    head = ScopedData(load_user("head"))
    grid = head.nine_box()
    assert grid.height == expected and set(grid["department"]) == {"Sales"}
    person = grid.row(0, named=True)
    target = ("low", "low") if (person["performance"], person["potential"]) != ("low", "low") else ("high", "high")
    head.calibrate(person["employee_id"], *target, reason="Calibration meeting: results below plan.")
    moved = ScopedData(load_user("head")).nine_box().filter(pl.col("employee_id") == person["employee_id"]).row(0, named=True)
    assert (moved["performance"], moved["potential"]) == target
    assert (moved["original_performance"], moved["original_potential"]) == (person["performance"], person["potential"])
    assert moved["calibrated"] and moved["calibrated_by"] == "head"
    assert head.calibration_by_rater().rows() == [("head", "Sales", 1, 1)]
    with workspace.connect() as con:
        assert con.sql("SELECT username, action, target FROM audit_log WHERE action = 'grid_calibrated'").fetchall() == [("head", "grid_calibrated", person["employee_id"])]
    other = other_department_employee(env)
    with pytest.raises(NotAllowed, match="is not your department"):
        head.calibrate(other, "high", "high", "because")
    with pytest.raises(ValueError, match="a reason is required"):
        head.calibrate(person["employee_id"], "high", "high", "  ")
    # The page draws the grid and says how many calibration moved.
    at = open_page(signed_in("head"), "pages/talent_grid.py")
    assert not at.exception, [e.message for e in at.exception]
    assert '"z":' in at.get("plotly_chart")[0].proto.spec
    assert f"Calibration moved 1 of {expected:,}" in " ".join(c.value for c in at.caption)
