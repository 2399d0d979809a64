"""Candidates take part (issue #18): the self-service profile's history, its newer-wins merge with imported profiles
in the analysis build, a plan item reported done and confirmed, and the 360° summary a candidate sees (anonymous)."""
from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from pipelines.ingest import format_summary
from services import auth, imports, plans, self_service, workspace
from services.permissions import NotAllowed

from .conftest import copy_app_files, small_org, use_app_files
from .test_reviews import FILES as REVIEW_FILES

ROOT = Path(__file__).resolve().parents[1]
HR = auth.User("hr", "hr", "hr_admin", ())
HEAD_SALES = auth.User("head.sales", "head.sales", "department_head", ("Sales",))
HEAD_RD = auth.User("head.rd", "head.rd", "department_head", ("R&D",))
SAM = auth.User("sam", "Sam One", "employee", (), employee_id="S1")  # S1's own account
PROFILES = """employee_id,skills,career_aspiration,career_plan_submitted,updated_at
S1,Excel,specialist,false,2026-06-01
S2,SQL,management,true,2026-06-01
"""
# S1's 2026 cycle: one manager, two peers, three direct reports, and their own rating.
FEEDBACK = """employee_id,cycle,rater_id,rater_relation,competency,score,comment
S1,2025,HS,manager,leadership,3.5,
S1,2026,HS,manager,leadership,4,Needs to delegate more
S1,2026,S2,peer,leadership,3,
S1,2026,S3,peer,leadership,4,Always helpful
S1,2026,R1,direct_report,leadership,5,A clear leader
S1,2026,R2,direct_report,leadership,4,
S1,2026,HR1,direct_report,leadership,3,
S1,2026,S1,self,leadership,5,
R1,2025,HR1,manager,leadership,4,
"""
FILES = {**REVIEW_FILES, "profiles.csv": PROFILES, "feedback_360.csv": FEEDBACK}


@pytest.fixture(scope="module")
def _template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("candidate_profile")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TALENT_CONFIG", str(shutil.copyfile(ROOT / "config" / "talent.toml", folder / "talent.toml")))
        small_org(folder, mp, FILES, (HEAD_SALES, HEAD_RD))
        auth.create_user("sam", "employee", "a-long-password", display_name="Sam One", employee_id="S1")
        plans.add_template_item(HR, None, "course", "Leading people", 6)
        plans.add_template_item(HR, None, "rotation", "Rotation to Marketing", 9)
        plans.create_plan(HEAD_SALES, "S1", None, date(2026, 1, 15))
    return folder


@pytest.fixture
def org(_template: Path, tmp_path: Path, monkeypatch) -> Path:
    copy_app_files(_template, tmp_path)
    monkeypatch.setenv("TALENT_CONFIG", str(_template / "talent.toml"))
    return use_app_files(tmp_path, monkeypatch)


def analysis(db: Path, sql: str, params: list | None = None) -> pl.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql, params=params).pl()
    finally:
        con.close()


def merge(db: Path) -> pl.DataFrame:
    return analysis(db, """SELECT employee_id, field, imported_value, imported_on, edit_value, edited_at, counts, value, imported_not_applied
                           FROM profile_merge ORDER BY employee_id, field""")


def test_an_edit_is_kept_with_its_history_and_counts_in_the_pool_rules_at_once(org: Path) -> None:
    before = analysis(org, "SELECT career_plan_submitted, meets_pool_rules FROM analysis_employee WHERE employee_id = 'S1'").row(0)
    first = self_service.edit_profile(SAM, "S1", {"career_aspiration": "management", "skills": "Excel;  Python\nExcel"},
                                      at=datetime(2026, 7, 1, 9, 0))
    assert first == {"changed": ["skills", "career_aspiration"], "applied": True}
    # the same words again write nothing; a new plan is one more row
    assert self_service.edit_profile(SAM, "S1", {"career_aspiration": "management"}) == {"changed": [], "applied": False}
    # an empty box where nothing was ever entered is no entry (the form sends every box)
    assert self_service.edit_profile(SAM, "S1", {"external_training": "", "career_aspiration": "management"}) == {"changed": [], "applied": False}
    second = self_service.edit_profile(SAM, "S1", {"career_plan": "Lead the Sales team in two years"}, at=datetime(2026, 7, 2, 9, 0))
    assert second == {"changed": ["career_plan"], "applied": True}
    assert_frame_equal(self_service.history(SAM, "S1"), pl.DataFrame({
        "field": ["career_plan", "career_aspiration", "skills"],  # newest first
        "value": ["Lead the Sales team in two years", "management", "Excel; Python"],
        "edited_by": ["sam"] * 3,
        "edited_at": [datetime(2026, 7, 2, 9), datetime(2026, 7, 1, 9), datetime(2026, 7, 1, 9)],
    }))
    with workspace.connect() as con:  # one audit row per save, naming the fields (not their words)
        assert con.sql("SELECT username, action, target, detail FROM audit_log WHERE action = 'profile_edited' ORDER BY audit_id").fetchall() == [
            ("sam", "profile_edited", "S1", "fields: skills, career_aspiration"), ("sam", "profile_edited", "S1", "fields: career_plan")]
    # The analysis was rebuilt with the edits: S1 now has a career plan (a pool-rule input) and the new skill.
    assert before == (False, False)
    assert analysis(org, """SELECT career_plan_submitted, career_plan, career_aspiration, skill_list FROM analysis_employee
                            WHERE employee_id = 'S1'""").row(0) == (True, "Lead the Sales team in two years", "management", ["Excel", "Python"])
    assert self_service.pending_edits(duckdb.connect(str(org), read_only=True)) == 0


def test_the_newer_of_an_import_and_an_edit_wins_and_the_other_stays_in_the_history(org: Path, tmp_path: Path) -> None:
    self_service.edit_profile(SAM, "S1", {"skills": "Excel; Python", "career_plan": "Lead the Sales team"}, at=datetime(2026, 7, 1, 9, 0),
                              apply=False)
    # Not applied yet: the analysis still counts the import, the page says "from the next data refresh".
    with duckdb.connect(str(org), read_only=True) as cur:
        assert self_service.pending_edits(cur) == 2
        state = self_service.profile_state(cur, SAM, "S1")
    assert state.select("field", "value", "source", "counted").rows() == [
        ("skills", "Excel; Python", "self_service", False), ("external_training", None, None, True),
        ("career_aspiration", "specialist", "import", True), ("career_plan", "Lead the Sales team", "self_service", False)]
    # An import through the import service (the one every door calls) hands the edits to the build.
    newer = tmp_path / "export"
    newer.mkdir()
    (newer / "profiles.csv").write_text("""employee_id,skills,career_aspiration,career_plan_submitted,updated_at
S1,Excel; Negotiation,specialist,,2026-08-01
S2,SQL; Python,management,true,2026-06-01
""", encoding="utf-8")
    summary = imports.import_files("hr", [newer / "profiles.csv"], org)
    # S1's skills: the export of 2026-08-01 is newer than the edit of 2026-07-01 and wins; the career plan: the export
    # states nothing (empty), so the edit counts; the aspiration was never edited.
    assert_frame_equal(merge(org).filter(pl.col("employee_id") == "S1"), pl.DataFrame({
        "employee_id": ["S1"] * 3, "field": ["career_aspiration", "career_plan", "skills"],
        "imported_value": ["specialist", None, "Excel; Negotiation"], "imported_on": [date(2026, 8, 1), None, date(2026, 8, 1)],
        "edit_value": [None, "Lead the Sales team", "Excel; Python"], "edited_at": [None, datetime(2026, 7, 1, 9), datetime(2026, 7, 1, 9)],
        "counts": ["import", "self_service", "import"], "value": ["specialist", "Lead the Sales team", "Excel; Negotiation"],
        "imported_not_applied": [False, False, False]}))
    assert summary["self_service"] == {"self_service_values": 1, "imported_not_applied": 0}
    # An older export does not overwrite the employee's newer word: it is counted as not applied, and said so.
    older = tmp_path / "older"
    older.mkdir()
    (older / "profiles.csv").write_text("""employee_id,skills,career_aspiration,career_plan_submitted,updated_at
S1,Excel,specialist,false,2026-05-01
S2,SQL,management,true,2026-05-01
""", encoding="utf-8")
    summary = imports.import_files("hr", [older / "profiles.csv"], org)
    assert merge(org).filter(pl.col("employee_id") == "S1").select("field", "counts", "value", "imported_not_applied").rows() == [
        ("career_aspiration", "import", "specialist", False), ("career_plan", "self_service", "Lead the Sales team", True),
        ("skills", "self_service", "Excel; Python", True)]
    assert summary["self_service"] == {"self_service_values": 2, "imported_not_applied": 2}
    assert "2 imported profile values were older than the employee's own self-service edit and were not applied" in format_summary(summary)
    assert analysis(org, "SELECT career_plan_submitted, skills FROM analysis_employee WHERE employee_id = 'S1'").row(0) == (True, "Excel; Python")
    # A rebuild handed no edits (the model's as-of rebuild, a bare ingest) keeps the last build's.
    from pipelines.ingest import rebuild_analysis

    rebuild_analysis(org)
    assert analysis(org, "SELECT career_plan_submitted FROM analysis_employee WHERE employee_id = 'S1'").row(0) == (True,)


def test_a_reported_plan_item_is_done_once_the_head_confirms_it(org: Path) -> None:
    items = dict(plans.items(None, ["S1"]).select("title", "item_id").rows())
    assert sorted(items) == ["Leading people", "Rotation to Marketing"]
    course, rotation = items["Leading people"], items["Rotation to Marketing"]
    plans.report_done(SAM, course, "certificate-leading-people.pdf", at=datetime(2026, 6, 20, 10))
    with pytest.raises(NotAllowed):  # another department's head
        plans.confirm_done(HEAD_RD, course)
    with pytest.raises(NotAllowed):  # the candidate cannot confirm their own report
        plans.confirm_done(SAM, course)
    plans.confirm_done(HEAD_SALES, course, at=datetime(2026, 6, 22, 8))
    plans.report_done(SAM, rotation, "rotation done", at=datetime(2026, 6, 21, 10))
    with pytest.raises(ValueError, match="what is missing"):
        plans.confirm_done(HEAD_SALES, rotation, confirm=False)
    plans.confirm_done(HEAD_SALES, rotation, confirm=False, note="the rotation runs until September", at=datetime(2026, 6, 22, 9))
    with pytest.raises(ValueError, match="done already"):
        plans.report_done(SAM, course, "again")
    assert plans.items(None, ["S1"]).sort("item_id").select(
        "title", "status", "completed_on", "reported_done_note", "reported_done_by", "reported_done_at", "confirmed_by", "confirmed_at").rows() == [
        ("Leading people", "done", date(2026, 6, 20), "certificate-leading-people.pdf", "sam", datetime(2026, 6, 20, 10),
         "head.sales", datetime(2026, 6, 22, 8)),
        ("Rotation to Marketing", "planned", None, None, None, None, None, None)]
    assert plans.changes(None, "S1").filter(pl.col("change") != "created").select("change", "before", "after", "reason", "changed_by").rows() == [
        ("reported_done", None, "Leading people", "certificate-leading-people.pdf", "sam"),
        ("status_changed", "planned", "done", "confirmed the candidate's report", "head.sales"),
        ("reported_done", None, "Rotation to Marketing", "rotation done", "sam"),
        ("report_returned", None, "Rotation to Marketing", "the rotation runs until September", "head.sales")]
    with workspace.connect() as con:
        assert [r[0] for r in con.sql("SELECT action FROM audit_log WHERE action LIKE 'plan_item_%' ORDER BY audit_id").fetchall()] == [
            "plan_item_reported_done", "plan_item_confirmed", "plan_item_reported_done", "plan_item_report_returned"]


def test_the_360_summary_is_anonymous_and_merges_groups_under_three() -> None:
    rows = pl.DataFrame({"rater_relation": ["manager", "peer", "peer", "direct_report", "direct_report", "direct_report", "self"],
                         "competency": ["leadership"] * 7, "score": [4.0, 3.0, 4.0, 5.0, 4.0, 3.0, 5.0]})
    # the manager (1) and the peers (2) are merged into others (3); the direct reports (3) stay; the self-rating is the person's own
    assert_frame_equal(self_service.anonymous_groups(rows), pl.DataFrame({
        "group": ["direct_report", "others", "self"], "competency": ["leadership"] * 3, "score": [4.0, 11 / 3, 5.0], "responses": [3, 3, 1]}))
    # others still under three raters: its count shows, its score does not (it would be the manager's)
    assert self_service.anonymous_groups(rows.filter(pl.col("rater_relation").is_in(["manager", "self"]))).rows() == [
        ("others", "leadership", None, 1), ("self", "leadership", 5.0, 1)]


def test_the_candidate_sees_their_360_without_raters_and_their_records_with_their_source(org: Path) -> None:
    with duckdb.connect(str(org), read_only=True) as cur:
        summary = self_service.feedback_summary(cur, SAM, "S1")
        ratings = self_service.records(cur, SAM, "S1", "performance_ratings")
    assert summary["cycle"] == "2026" and summary["import_run"] == 1
    assert summary["groups"].rows() == [("direct_report", "leadership", 4.0, 3), ("others", "leadership", 11 / 3, 3), ("self", "leadership", 5.0, 1)]
    assert summary["comments"] == ["A clear leader", "Always helpful", "Needs to delegate more"]  # no rater, not in the file's order
    assert "rater_id" not in summary["groups"].columns
    assert ratings.select("period", "rating", "score", "import_run").rows() == [("2025", "B", 75.0, 1), ("2026-H1", "B+", 84.0, 1)]
    assert ratings["imported_on"].is_not_null().all()


def test_the_head_confirms_a_reported_item_on_the_candidates_profile(org: Path, fresh_streamlit_caches) -> None:
    from streamlit.testing.v1 import AppTest

    item = dict(plans.items(None, ["S1"]).select("title", "item_id").rows())["Leading people"]
    plans.report_done(SAM, item, "certificate-leading-people.pdf", at=datetime(2026, 6, 20, 10))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input("head.sales")
    at.text_input[1].input("a-long-password")
    at.button[0].click().run()
    at.query_params["employee"] = "S1"
    at = at.switch_page("pages/profile.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert "**Reported done by the candidate (1)**" in [m.value for m in at.markdown]
    next(b for b in at.button if b.label == "Save decision").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert plans.items(None, ["S1"]).filter(pl.col("item_id") == item).select("status", "confirmed_by").row(0) == ("done", "head.sales")
