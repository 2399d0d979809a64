"""Candidates take part in their review (issue #18): self-assessment, result, disputes, reminders, engagement.

A hand-built organisation (tests/test_reviews.py's: Sales S1-S3, R&D R1, R2) plays one review year once per module,
in order; what each step showed or refused is kept under a name and checked by one test per behaviour. The
engagement figures are worked out by hand in the comments. The page test runs My review on the seeded demo.

The year: all five are pool members. The July mid-year cycle (opened 2026-07-01, closed 2026-07-31) assesses S1.
The year-end cycle opens 2026-11-20: its self-assessment deadline is 2026-12-11 ([review] self_assessment_days = 21).
Employee accounts: emp.s1 (S1), emp.s2 (S2), emp.r1 (R1), emp.hs (HS, the head of Sales: never in the pool).
"""
from __future__ import annotations

import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from services import auth, nominations, reviews, self_assessment, workspace
from services.permissions import NotAllowed

from .conftest import copy_app_files, small_org, use_app_files
from .test_reviews import FILES, attempt

pytestmark = pytest.mark.xdist_group("candidate_review")
ROOT = Path(__file__).resolve().parents[1]
HR = auth.User("hr", "HR admin", "hr_admin", ())
HEAD_SALES = auth.User("head.sales", "Head of Sales", "department_head", ("Sales",))
HEAD_RD = auth.User("head.rd", "Head of R&D", "department_head", ("R&D",))
EMP = {e: auth.User(f"emp.{e.lower()}", f"Employee {e}", "employee", (), employee_id=e) for e in ("S1", "S2", "R1", "HS")}
MID, END = "2026-mid_year", "2026-year_end"


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(day) + timedelta(hours=hour)




def refused(raised: Exception | None, kind: type[Exception], match: str) -> None:
    assert isinstance(raised, kind), f"expected {kind.__name__}, got {raised!r}"
    assert re.search(match, str(raised)), str(raised)


def play(cur: duckdb.DuckDBPyConnection) -> dict:
    y: dict = {}
    for employee_id, department, head in (("S1", "Sales", HEAD_SALES), ("S2", "Sales", HEAD_SALES), ("S3", "Sales", HEAD_SALES),
                                          ("R1", "R&D", HEAD_RD), ("R2", "R&D", HEAD_RD)):
        nominations.record(head, employee_id, department, "nominate", "meets the rules", "ready_1_2_years")
    for user in EMP.values():
        auth.create_user(user.username, "employee", "a-long-password", display_name=user.display_name, employee_id=user.employee_id)
    y["nothing_yet"] = self_assessment.my_review("S1")

    reviews.open_cycle(HR, cur, 2026, "mid_year", opened_on=date(2026, 7, 1))
    reviews.record_assessment(HEAD_SALES, MID, "S1", {"leadership_360": 70}, "on_track", strengths="results", at=at("2026-07-10"))
    reviews.close_cycle(HR, cur, MID, closed_on=date(2026, 7, 31))

    # --- the year-end cycle: self-assessments until 2026-12-11 -------------------------------------------------
    reviews.open_cycle(HR, cur, 2026, "year_end", opened_on=date(2026, 11, 20))
    y["cycles"] = reviews.list_cycles()
    y["reminders_before"] = self_assessment.reminders(None, today=date(2026, 11, 30))
    y["s1_first"] = self_assessment.submit(EMP["S1"], END, "S1", {
        "team_results_growth": ("Results up 12 %", " https://intranet/results \n\n q3.xlsx "),
        "leadership_360": ("Took over a team of six", None)}, at=at("2026-11-25"))
    y["s1_edit"] = self_assessment.submit(EMP["S1"], END, "S1", {
        "team_results_growth": ("Results up 12 %", "https://intranet/results\nq3.xlsx"),  # the same after cleaning: not written again
        "leadership_360": ("Took over a team of six in March", None)}, at=at("2026-12-01"))
    y["s1_same_again"] = self_assessment.submit(EMP["S1"], END, "S1", {"leadership_360": ("Took over a team of six in March", "")},
                                                at=at("2026-12-02"))
    y["s2_first"] = self_assessment.submit(EMP["S2"], END, "S2", {"project_on_time_rate": ("All three on time", "log.pdf")}, at=at("2026-12-11", 23))
    y["s2_late"] = attempt(lambda: self_assessment.submit(EMP["S2"], END, "S2", {"project_on_time_rate": ("late", None)}, at=at("2026-12-12")))
    self_assessment.submit(EMP["R1"], END, "R1", {"adopted_proposals": ("Two adopted", None)}, at=at("2026-11-22"))
    self_assessment.submit(EMP["R1"], END, "R1", {"adopted_proposals": ("", "")}, at=at("2026-11-23"))  # withdrawn: no material
    y["s1_for_s2"] = attempt(lambda: self_assessment.submit(EMP["S1"], END, "S2", {"leadership_360": ("I speak for S2", None)}, at=at("2026-11-25")))
    y["head_for_s1"] = attempt(lambda: self_assessment.submit(HEAD_SALES, END, "S1", {"leadership_360": ("typed by the head", None)}))
    y["hs_not_a_member"] = attempt(lambda: self_assessment.submit(EMP["HS"], END, "HS", {"leadership_360": ("me too", None)}, at=at("2026-11-25")))
    y["unknown_indicator"] = attempt(lambda: self_assessment.submit(EMP["S1"], END, "S1", {"charisma": ("lots", None)}, at=at("2026-11-25")))
    y["reminders_after"] = self_assessment.reminders(None, today=date(2026, 12, 2))
    y["reminders_sales"] = self_assessment.reminders(("Sales",), today=date(2026, 12, 2))
    y["head_sees_s1"] = self_assessment.member_material(("Sales",), END, "S1")
    y["rd_head_sees_s1"] = self_assessment.member_material(("R&D",), END, "S1")

    # HR moves the deadline: S2's late change now goes in (their first submission stays on time)
    y["head_moves_deadline"] = attempt(lambda: reviews.set_self_assessment_due(HEAD_SALES, END, date(2026, 12, 15)))
    reviews.set_self_assessment_due(HR, END, date(2026, 12, 15))
    y["s2_after_extension"] = self_assessment.submit(EMP["S2"], END, "S2", {"project_on_time_rate": ("All three on time; see the log", "log.pdf")},
                                                     at=at("2026-12-12"))

    # --- assessments; the result is the candidate's only after HR closes the cycle ---------------------------------
    reviews.record_assessment(HEAD_SALES, END, "S1", {"team_results_growth": 12, "leadership_360": 80}, "keep_developing",
                              strengths="grew the key accounts", gaps="delegation", rationale="one more year", at=at("2026-12-16"))
    reviews.record_assessment(HEAD_RD, END, "R1", {"adopted_proposals": 2}, "keep_developing", comment="solid year", rationale="steady",
                              at=at("2026-12-16"))
    y["open_result"] = self_assessment.my_review("S1")
    y["dispute_while_open"] = attempt(lambda: reviews.raise_dispute(EMP["S1"], END, "S1", "too early", about="gaps", at=at("2026-12-17")))
    reviews.close_cycle(HR, cur, END, closed_on=date(2026, 12, 20))
    y["submit_after_close"] = attempt(lambda: self_assessment.submit(EMP["S1"], END, "S1", {"leadership_360": ("after", None)}, at=at("2026-12-14")))

    # --- disputes: one per comment; answered by the head (own department) or HR ---------------------------------------
    y["s1_gaps"] = reviews.raise_dispute(EMP["S1"], END, "S1", "Delegation improved since March", about="gaps", at=at("2026-12-21"))
    y["s1_gaps_twice"] = attempt(lambda: reviews.raise_dispute(EMP["S1"], END, "S1", "again", about="gaps", at=at("2026-12-21")))
    y["s1_no_comment"] = attempt(lambda: reviews.raise_dispute(EMP["S1"], END, "S1", "the comment", about="comment", at=at("2026-12-21")))
    y["s1_outcome"] = reviews.raise_dispute(EMP["S1"], END, "S1", "I expected promotion", about="outcome", at=at("2026-12-22"))
    y["s1_for_s2_dispute"] = attempt(lambda: reviews.raise_dispute(EMP["S1"], END, "S2", "on S2's behalf", about="outcome"))
    y["s2_unassessed"] = attempt(lambda: reviews.raise_dispute(EMP["S2"], END, "S2", "where is my result", about="outcome"))
    y["bad_topic"] = attempt(lambda: reviews.raise_dispute(EMP["R1"], END, "R1", "x", about="charisma"))
    y["r1_outcome"] = reviews.raise_dispute(EMP["R1"], END, "R1", "The proposals count is 3", about="outcome", at=at("2026-12-21"))
    y["rd_answers_s1"] = attempt(lambda: reviews.answer_dispute(HEAD_RD, y["s1_gaps"], "not mine"))
    y["employee_answers"] = attempt(lambda: reviews.answer_dispute(EMP["S1"], y["s1_gaps"], "I agree with myself"))
    reviews.answer_dispute(HEAD_SALES, y["s1_gaps"], "Agreed; the gap now reads 'delegation to new leads'", at=at("2026-12-23"))
    reviews.answer_dispute(HR, y["r1_outcome"], "Checked: 2 were adopted, 1 is pending", at=at("2026-12-26"))
    y["s1_review"] = self_assessment.my_review("S1")
    y["hs_review"] = self_assessment.my_review("HS")
    return y


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> dict:
    with pytest.MonkeyPatch.context() as monkeypatch:
        folder = tmp_path_factory.mktemp("candidate_review")
        monkeypatch.setenv("TALENT_CONFIG", str(shutil.copyfile(ROOT / "config" / "talent.toml", folder / "talent.toml")))
        monkeypatch.setenv("TALENT_MODELS", str(folder / "models"))
        db = small_org(folder, monkeypatch, FILES, (HEAD_SALES, HEAD_RD))
        with workspace.write("setup", "profile_edits_seeded") as con:  # the profile helper's rows, as its service writes them
            con.executemany("INSERT INTO profile_edits (employee_id, department, field, value, edited_by, edited_at) VALUES (?, ?, ?, ?, ?, ?)", [
                ["S1", "Sales", "skills", "Python", "emp.s1", at("2026-03-01")],         # themselves, this year: counts
                ["S2", "Sales", "skills", "SQL", "emp.s2", at("2025-12-30")],            # last year: not this cycle's year
                ["S3", "Sales", "career_plan", "manager", "head.sales", at("2026-05-01")],  # typed by the head: not themselves
                ["R1", "R&D", "external_training", "Leadership course", "emp.r1", at("2026-10-01")],  # counts
                ["R1", "R&D", "skills", "Rust", "emp.r1", at("2026-10-02")],             # a second edit: still one person
            ])
        cur = duckdb.connect(str(db), read_only=True)
        try:
            story = play(cur)
            story["engagement"] = self_assessment.engagement(cur, None, END)
            story["engagement_sales"] = self_assessment.engagement(cur, ("Sales",), END)
        finally:
            cur.close()
        story["db"], story["ws"] = db, folder / "workspace.duckdb"
        yield story


def test_the_deadline_is_the_configured_days_after_opening_and_hr_may_move_it(year: dict) -> None:
    cycles = year["cycles"].select("cycle_id", "self_assessment_due").sort("cycle_id").rows()
    assert cycles == [(MID, date(2026, 7, 22)), (END, date(2026, 12, 11))]
    refused(year["head_moves_deadline"], NotAllowed, r"may not do this")
    with workspace.connect(year["ws"]) as con:
        assert con.sql("SELECT self_assessment_due FROM review_cycles WHERE cycle_id = ?", params=[END]).fetchall() == [(date(2026, 12, 15),)]


def test_a_candidate_submits_and_edits_until_the_deadline_and_not_after(year: dict) -> None:
    assert (year["s1_first"], year["s1_edit"], year["s1_same_again"]) == (2, 1, 0)  # only what changed is written; nothing: no row
    assert year["s2_first"] == 1  # 23:00 on the deadline day is still on time
    refused(year["s2_late"], NotAllowed, r"deadline of this cycle was 2026-12-11")
    assert year["s2_after_extension"] == 1
    refused(year["submit_after_close"], NotAllowed, r"closed on 2026-12-20")
    with workspace.connect(year["ws"]) as con:
        rows = con.sql("""SELECT employee_id, indicator, text, evidence, submitted_by, submitted_at FROM self_assessments
                          ORDER BY self_assessment_id""").fetchall()
        audit = con.sql("SELECT username, action, target, detail FROM audit_log WHERE action = 'self_assessment_submitted' ORDER BY audit_id").fetchall()
    assert rows == [
        ("S1", "team_results_growth", "Results up 12 %", "https://intranet/results\nq3.xlsx", "emp.s1", at("2026-11-25")),
        ("S1", "leadership_360", "Took over a team of six", None, "emp.s1", at("2026-11-25")),
        ("S1", "leadership_360", "Took over a team of six in March", None, "emp.s1", at("2026-12-01")),
        ("S2", "project_on_time_rate", "All three on time", "log.pdf", "emp.s2", at("2026-12-11", 23)),
        ("R1", "adopted_proposals", "Two adopted", None, "emp.r1", at("2026-11-22")),
        ("R1", "adopted_proposals", None, None, "emp.r1", at("2026-11-23")),
        ("S2", "project_on_time_rate", "All three on time; see the log", "log.pdf", "emp.s2", at("2026-12-12")),
    ]
    assert audit == [
        ("emp.s1", "self_assessment_submitted", "S1", f"{END}: team_results_growth, leadership_360"),
        ("emp.s1", "self_assessment_submitted", "S1", f"{END}: leadership_360"),
        ("emp.s2", "self_assessment_submitted", "S2", f"{END}: project_on_time_rate"),
        ("emp.r1", "self_assessment_submitted", "R1", f"{END}: adopted_proposals"),
        ("emp.r1", "self_assessment_submitted", "R1", f"{END}: adopted_proposals"),
        ("emp.s2", "self_assessment_submitted", "S2", f"{END}: project_on_time_rate"),
    ]


def test_only_the_candidate_themself_submits_and_only_into_their_own_membership(year: dict) -> None:
    refused(year["s1_for_s2"], NotAllowed, r"your own records only")
    refused(year["head_for_s1"], NotAllowed, r"they do it themselves")
    refused(year["hs_not_a_member"], NotAllowed, r"HS is not a member of the review cycle 2026-year_end")
    refused(year["unknown_indicator"], ValueError, r"unknown indicators: charisma")


def test_the_head_sees_the_material_of_their_own_department_only(year: dict) -> None:
    assert year["head_sees_s1"].select("indicator", "text", "evidence", "first_submitted_at").rows() == [
        ("leadership_360", "Took over a team of six in March", None, at("2026-11-25")),
        ("team_results_growth", "Results up 12 %", "https://intranet/results\nq3.xlsx", at("2026-11-25")),
    ]
    assert year["rd_head_sees_s1"].height == 0


def test_reminders_count_the_missing_self_assessments_per_department(year: dict) -> None:
    columns = ("cycle_id", "department", "members", "submitted", "missing", "self_assessment_due", "days_left")
    assert year["reminders_before"].select(columns).rows() == [
        (END, "Sales", 3, 0, 3, date(2026, 12, 11), 11), (END, "R&D", 2, 0, 2, date(2026, 12, 11), 11)]
    # S1 and S2 have material; R1 withdrew theirs: "1 self-assessment missing in Sales", "2 … in R&D"
    assert year["reminders_after"].select(columns).rows() == [
        (END, "R&D", 2, 0, 2, date(2026, 12, 11), 9), (END, "Sales", 3, 2, 1, date(2026, 12, 11), 9)]
    assert year["reminders_sales"].select(columns).rows() == [(END, "Sales", 3, 2, 1, date(2026, 12, 11), 9)]


def test_the_result_is_the_candidates_only_after_the_cycle_closes(year: dict) -> None:
    nothing = year["nothing_yet"]
    assert {name: frame.height for name, frame in nothing.items()} == {"cycles": 0, "self_assessments": 0, "results": 0, "disputes": 0}
    assert year["open_result"]["results"]["cycle_id"].to_list() == [MID]  # the year-end is recorded but still open
    refused(year["dispute_while_open"], NotAllowed, r"once HR has closed the review cycle")
    review = year["s1_review"]
    assert review["cycles"].select("cycle_id", "status", "self_assessment_due").rows() == [
        (END, "closed", date(2026, 12, 15)), (MID, "closed", date(2026, 7, 22))]
    # Sales weights 70/30: growth 12 % -> 50 + 50 * 12/20 = 80; 360 leadership 80 -> composite 80
    assert review["results"].select("cycle_id", "composite_score", "strengths", "gaps", "comment", "outcome", "confirmed").rows() == [
        (END, 80.0, "grew the key accounts", "delegation", None, "keep_developing", False),
        (MID, 70.0, "results", None, None, "on_track", False)]
    assert review["self_assessments"]["indicator"].to_list() == ["leadership_360", "team_results_growth"]
    assert {name: frame.height for name, frame in year["hs_review"].items()} == {"cycles": 0, "self_assessments": 0, "results": 0, "disputes": 0}


def test_one_dispute_per_comment_answered_by_the_head_or_hr_and_seen_by_the_candidate(year: dict) -> None:
    refused(year["s1_gaps_twice"], ValueError, r"the gaps of this result is disputed already .*one dispute per comment")
    refused(year["s1_no_comment"], ValueError, r"no comment comment to dispute")
    refused(year["s1_for_s2_dispute"], NotAllowed, r"your own records only")
    refused(year["s2_unassessed"], ValueError, r"no result to dispute yet")
    refused(year["bad_topic"], ValueError, r"strengths, gaps, comment, outcome")
    refused(year["rd_answers_s1"], NotAllowed, r"Sales is not your department")
    refused(year["employee_answers"], NotAllowed, r"may read this but not change it")
    assert_frame_equal(year["s1_review"]["disputes"].drop("dispute_id"), pl.DataFrame({
        "cycle_id": [END, END], "about": ["gaps", "outcome"], "dispute": ["Delegation improved since March", "I expected promotion"],
        "raised_at": [at("2026-12-21"), at("2026-12-22")], "answer": ["Agreed; the gap now reads 'delegation to new leads'", None],
        "answered_at": [at("2026-12-23"), None], "answered_by_name": ["head.sales", None]}), check_dtypes=False)
    with workspace.connect(year["ws"]) as con:
        assert con.sql("SELECT employee_id, about, raised_by, answered_by FROM review_disputes ORDER BY dispute_id").fetchall() == [
            ("S1", "gaps", "emp.s1", "head.sales"), ("S1", "outcome", "emp.s1", None), ("R1", "outcome", "emp.r1", "hr")]


def test_engagement_figures_by_hand(year: dict) -> None:
    # Members: Sales S1, S2, S3; R&D R1, R2.
    # Profile updated by themselves in 2026: S1 (emp.s1, March), R1 (emp.r1, twice) -> Sales 1 of 3, R&D 1 of 2, all 2 of 5.
    #   (S2's edit was in 2025; S3's was typed by the head.)
    # Self-assessed on time (first submission by the deadline): S1 (Nov 25), S2 (Dec 11 23:00); R1 withdrew everything
    #   -> Sales 2 of 3, R&D 0 of 2, all 2 of 5.
    # Disputed: S1 (gaps answered in 2 days, outcome open), R1 (outcome answered by HR in 5 days)
    #   -> Sales 1 of 3 with 2 disputes (1 answered, 1 waiting, 2.0 days), R&D 1 of 2 with 1 (answered, 5.0 days),
    #      all 2 of 5 with 3 disputes: 2 answered, 1 waiting, (2 + 5) / 2 = 3.5 days.
    expected = pl.DataFrame({
        "department": ["R&D", "Sales", None], "members": [2, 3, 5], "profile_updated": [1, 1, 2], "self_assessed_on_time": [0, 2, 2],
        "disputed": [1, 1, 2], "disputes_raised": [1, 2, 3], "disputes_answered_count": [1, 1, 2], "disputes_unanswered": [0, 1, 1],
        "avg_days_to_answer": [5.0, 2.0, 3.5], "profile_update_share": [1 / 2, 1 / 3, 2 / 5], "self_assessment_share": [0.0, 2 / 3, 2 / 5],
        "dispute_share": [1 / 2, 1 / 3, 2 / 5]})
    assert_frame_equal(year["engagement"], expected, check_dtypes=False)
    assert_frame_equal(year["engagement_sales"], expected.filter(pl.col("department") == "Sales").vstack(
        expected.filter(pl.col("department") == "Sales").with_columns(pl.lit(None, pl.String).alias("department"))), check_dtypes=False)


def test_the_export_carries_the_engagement_figures(year: dict) -> None:
    from services import export

    from .test_export import sheets

    result = export.build_export(year["db"], END, workspace_file=year["ws"])
    book = sheets(result.xlsx)
    assert list(book) == ["Summary", "Engagement", "R&D", "Sales", "About"]
    assert_frame_equal(book["Engagement"], pl.DataFrame({
        "Department": ["R&D", "Sales", "All departments"], "Members": [2, 3, 5], "Updated their profile": [1, 1, 2],
        "Share who updated their profile": [1 / 2, 1 / 3, 2 / 5], "Self-assessed on time": [0, 2, 2], "Share self-assessed on time": [0.0, 2 / 3, 2 / 5],
        "Disputed a result": [1, 1, 2], "Share who disputed": [1 / 2, 1 / 3, 2 / 5], "Disputes raised": [1, 2, 3], "Disputes answered": [1, 1, 2],
        "Disputes waiting": [0, 1, 1], "Average days to answer": [5.0, 2.0, 3.5]}), check_dtypes=False)
    assert "<h2>Candidate engagement</h2>" in result.html and "<td>All departments</td>" in result.html


# --- My review as the candidate uses it (AppTest, on the seeded demo) ---------------------------------------------
@pytest.fixture(scope="module")
def _demo_with_employee(seeded_demo: Path, tmp_path_factory) -> Path:
    """The demo with its review history (conftest's seeded_demo) and an account for the demo's candidate
    (services.demo.demo_employee_id)."""
    from services.demo import demo_employee_id

    folder = tmp_path_factory.mktemp("my_review")
    copy_app_files(seeded_demo, folder)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("TALENT_CONFIG", str(shutil.copyfile(ROOT / "config" / "talent.toml", folder / "talent.toml")))
        use_app_files(folder, monkeypatch)
        employee_id = demo_employee_id()
        auth.create_user("candidate", "employee", "correct horse battery", display_name="Demo candidate", employee_id=employee_id)
        reviews.set_self_assessment_due(HR, END, date.today() + timedelta(days=7))  # the form is open whenever the test runs
        (folder / "employee_id").write_text(employee_id)
    return folder


def test_my_review_page_edits_the_self_assessment_and_shows_the_answered_dispute(_demo_with_employee: Path, tmp_path: Path, monkeypatch,
                                                                                 fresh_streamlit_caches) -> None:
    from .test_app import signed_in

    copy_app_files(_demo_with_employee, tmp_path)
    monkeypatch.setenv("TALENT_CONFIG", str(_demo_with_employee / "talent.toml"))
    use_app_files(tmp_path, monkeypatch)
    employee_id = (_demo_with_employee / "employee_id").read_text()
    at = signed_in("candidate")
    at.switch_page("pages/my_review.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert [s.value for s in at.subheader] == ["Your self-assessment · 2026 Year-end review", "Your results"]
    assert at.success[0].value.startswith("Submitted: 5 of 6 indicators")  # the demo's material
    box = at.text_area(key=f"text_{END}_subordinate_rating_change")
    assert box.value == ""
    box.input("Two of my reports moved up a grade.")
    at.text_area(key=f"evidence_{END}_subordinate_rating_change").input("ratings-2026.xlsx")
    [b for b in at.button if b.label == "Save my self-assessment"][0].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with workspace.connect() as con:
        assert con.sql("""SELECT employee_id, text, evidence, submitted_by FROM self_assessments
                          WHERE indicator = 'subordinate_rating_change' AND submitted_by = 'candidate'""").fetchall() == [
            (employee_id, "Two of my reports moved up a grade.", "ratings-2026.xlsx", "candidate")]
    # the closed review with the demo's answered dispute: the answer and who gave it, in words
    assert [m.label for m in at.metric][:2] == ["Outcome", "Overall score"]
    answers = [s.value for s in at.success if "Answer from" in s.value]
    assert len(answers) == 1 and "key\\-account project is now part of your strengths" in answers[0]
    assert not [m for m in at.markdown if "employee_id" in m.value or "_" in m.value.replace("\\_", "")]  # no codes shown
