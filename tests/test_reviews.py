"""A whole review year for a small organisation, every figure checked against a hand-worked example.

Sales (S1-S3) and R&D (R1, R2) candidates; plans from HR's template plus each department's own item;
the July mid-year review, a year-end review with HR's confirmations, disputes and answers, and the
previous year-end cycle for the change figures. The hand calculations are in the comments.

The year is played once per module (`year`), in order; what each step showed or refused is recorded then
and checked by one test per behaviour below.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from services import auth, nominations, plans, positions, reviews
from services.permissions import NotAllowed

from .conftest import TODAY, small_org

# The module's year is played once: keep the module on one test worker (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("reviews")

FILES = {
    "employees.csv": """employee_id,name,department,position,job_level,manager_id,hire_date,birth_date,gender,location,status,exit_date,exit_reason
HS,Head Sales,Sales,Head of Sales,9,,2010-01-01,1975-01-01,female,Hangzhou,active,,
HR1,Head RD,R&D,Head of R&D,9,,2010-01-01,1975-01-01,male,Hangzhou,active,,
S1,Sam One,Sales,Account Manager,5,HS,2018-01-01,1990-01-01,female,Hangzhou,active,,
S2,Sue Two,Sales,Account Manager,5,HS,2018-01-01,1990-01-01,female,Hangzhou,active,,
S3,Sid Three,Sales,Sales Rep,4,HS,2018-01-01,1990-01-01,male,Hangzhou,active,,
R1,Ray One,R&D,Engineer,5,HR1,2018-01-01,1990-01-01,male,Hangzhou,active,,
R2,Rae Two,R&D,Engineer,4,HR1,2018-01-01,1990-01-01,female,Hangzhou,active,,
""",
    "performance_ratings.csv": """employee_id,period,rating,score
S1,2025,B,75
S1,2026-H1,B+,84
S2,2025,A,93
S2,2026-H1,A,94
S3,2025,B+,85
S3,2026-H1,B,74
R1,2025,B,76
R1,2026-H1,A,95
R2,2025,C,65
""",
    "feedback_360.csv": """employee_id,cycle,rater_id,rater_relation,competency,score,comment
S1,2024,HS,manager,leadership,3,
S1,2025,HS,manager,leadership,3.5,
S1,2026,HS,manager,leadership,4,
S1,2026,S1,self,leadership,5,
R1,2025,HR1,manager,leadership,4,
""",
    "training_records.csv": """employee_id,course_id,course_name,category,provider,hours,start_date,completion_date,status,score
S1,C-TEC-310,negotiation skills ,technical,external,16,2026-03-01,2026-03-10,completed,88
S2,C-TEC-310,Negotiation Skills,technical,external,16,2025-03-01,2025-03-10,completed,80
""",
    "promotions.csv": """employee_id,effective_date,from_level,to_level,to_position,into_management
S1,2026-09-01,5,6,Senior Account Manager,false
R1,2026-11-25,5,7,R&D Team Lead,true
""",
}


def user(name: str, role: str, *departments: str) -> auth.User:
    return auth.User(name, name, role, tuple(departments))


HR = user("hr", "hr_admin")
LEAD = user("lead", "hr_leadership")
HEAD_SALES = user("head.sales", "department_head", "Sales")
HEAD_RD = user("head.rd", "department_head", "R&D")


def at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T10:00:00")


def item_id(employee_id: str, title: str) -> int:
    found = plans.items(None, [employee_id]).filter(pl.col("title") == title)
    assert found.height == 1, (employee_id, title)
    return found["item_id"][0]


def done(employee_id: str, title: str, on: str, by: auth.User) -> None:
    plans.change_item(by, item_id(employee_id, title), "done", status="done", completed_on=date.fromisoformat(on), at=at(on))


def figures_row(frame: pl.DataFrame, department: str | None) -> dict:
    rows = frame.filter(pl.col("department").eq_missing(department))
    assert rows.height == 1
    return rows.row(0, named=True)



def attempt(call: Callable[[], object]) -> Exception | None:
    """Run a step the story expects to be refused, at its moment in the year; what it raised (None: it went through)."""
    try:
        call()
    except Exception as exc:  # noqa: BLE001  (checked by the test that owns the step)
        return exc
    return None


def assert_refused(raised: Exception | None, kind: type[Exception], match: str | None = None) -> None:
    assert isinstance(raised, kind), f"expected {kind.__name__}, got {raised!r}"
    if match is not None:
        assert re.search(match, str(raised)), str(raised)


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> dict:
    """The whole review year, played once; each step's result kept under a name for the tests below."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        config = tmp_path_factory.mktemp("config") / "talent.toml"
        shutil.copyfile(Path(__file__).resolve().parents[1] / "config" / "talent.toml", config)
        monkeypatch.setenv("TALENT_CONFIG", str(config))
        monkeypatch.setenv("TALENT_MODELS", str(tmp_path_factory.mktemp("models")))
        db = small_org(tmp_path_factory.mktemp("review_year"), monkeypatch, FILES, (HEAD_SALES, HEAD_RD))
        cur = duckdb.connect(str(db), read_only=True)
        try:
            story = play_the_year(cur)
        finally:
            cur.close()
        story["db"] = db
        yield story


def play_the_year(cur: duckdb.DuckDBPyConnection) -> dict:
    y: dict = {}
    # --- position profile: HR's template, tailored by Sales, comments both ways --------------------
    template = positions.save(HR, "Middle manager", None, "Lead a team of 5-15", "Leadership; results", "Team lead -> manager")
    tailored = positions.tailor(HEAD_SALES, template, "Sales")
    positions.comment(HEAD_SALES, tailored, "Add customer-resource integration")
    positions.comment(HR, tailored, "Added to core competencies")
    y["template"], y["tailored"] = template, tailored
    y["rd_comments_on_sales_profile"] = attempt(lambda: positions.comment(HEAD_RD, tailored, "R&D has an opinion"))
    y["head_saves_a_template"] = attempt(lambda: positions.save(HEAD_SALES, "Another template", None, "", "", ""))
    y["profile_comments"] = positions.comments(HEAD_SALES, tailored)
    y["rd_profiles"] = positions.profiles(("R&D",))

    # --- plan template: HR's general items + each department's own --------------------------------
    plans.add_template_item(HR, None, "course", "Leading High-Performance Teams", 3)
    plans.add_template_item(HR, None, "course", "Strategic Thinking", 6)
    plans.add_template_item(HR, None, "rotation", "Rotation to Operations", 9)
    plans.add_template_item(HEAD_SALES, "Sales", "course", "Negotiation Skills", 4)
    plans.add_template_item(HEAD_RD, "R&D", "course", "Technology Trend Radar", 4)
    y["sales_adds_rd_template_item"] = attempt(lambda: plans.add_template_item(HEAD_SALES, "R&D", "course", "Sales knows best", 2))
    for employee_id, department, head in (("S1", "Sales", HEAD_SALES), ("S2", "Sales", HEAD_SALES), ("S3", "Sales", HEAD_SALES),
                                          ("R1", "R&D", HEAD_RD), ("R2", "R&D", HEAD_RD)):
        nominations.record(head, employee_id, department, "nominate", "meets the rules", "ready_1_2_years")
        plans.create_plan(head, employee_id, department, date(2026, 1, 15), position_profile_id=tailored if department == "Sales" else None,
                          at=at("2026-01-15"))
    y["sales_plans_for_rd"] = attempt(lambda: plans.create_plan(HEAD_SALES, "R2", "R&D", date(2026, 1, 15)))
    y["s1_plan"] = plans.items(None, ["S1"])

    # --- the previous year-end cycle (for the change figures): all 5 members, S1 assessed ------------
    prev = reviews.open_cycle(HR, cur, 2025, "year_end", opened_on=date(2025, 12, 1))
    reviews.record_assessment(HEAD_SALES, prev, "S1", {"leadership_360": 60}, "keep_developing", rationale="first year in the pool")
    reviews.close_cycle(HR, cur, prev, closed_on=date(2025, 12, 20))

    # --- the first half: work done on the plans (before any open cycle: not adjustments) -----------
    # S1: LHPT by hand, Negotiation from the training import (2026-03-10, case and spaces differ), Strategic Thinking by hand
    done("S1", "Leading High-Performance Teams", "2026-04-10", HEAD_SALES)
    done("S1", "Strategic Thinking", "2026-06-20", HEAD_SALES)
    done("S3", "Leading High-Performance Teams", "2026-04-01", HEAD_SALES)
    for title, day in (("Leading High-Performance Teams", "2026-03-01"), ("Strategic Thinking", "2026-05-01"),
                       ("Technology Trend Radar", "2026-05-20"), ("Rotation to Operations", "2026-06-30")):
        done("R1", title, day, HEAD_RD)
    done("R2", "Leading High-Performance Teams", "2026-03-15", HEAD_RD)
    done("R2", "Technology Trend Radar", "2026-06-15", HEAD_RD)
    # S2 completed Negotiation Skills in 2025, before the plan started: it does not count.

    # --- July: the mid-year review -------------------------------------------------------------------
    y["head_opens_a_cycle"] = attempt(lambda: reviews.open_cycle(HEAD_SALES, cur, 2026, "mid_year"))
    mid = y["mid"] = reviews.open_cycle(HR, cur, 2026, "mid_year", opened_on=date(2026, 7, 1))
    y["mid_opened_twice"] = attempt(lambda: reviews.open_cycle(HR, cur, 2026, "mid_year"))
    y["mid_compiled"] = reviews.cycle_people(cur, None, mid)
    y["s1_mid"] = reviews.record_assessment(HEAD_SALES, mid, "S1", S1_VALUES, "accelerate", strengths="results", gaps="strategy",
                                            plan_adjustment="joins the monthly strategy meeting", at=at("2026-07-10"))
    y["s2_adjust_without_saying_how"] = attempt(lambda: reviews.record_assessment(HEAD_SALES, mid, "S2", {"leadership_360": 70}, "adjust_plan"))
    reviews.record_assessment(HEAD_SALES, mid, "S2", {"leadership_360": 70}, "adjust_plan",
                              plan_adjustment="Strategic Thinking switched to the online course", at=at("2026-07-11"))
    plans.change_item(HEAD_SALES, item_id("S2", "Strategic Thinking"), "online course has a later start", due_date=date(2026, 9, 30),
                      at=at("2026-07-12"))
    y["s3_against_the_rules_without_rationale"] = attempt(lambda: reviews.record_assessment(HEAD_SALES, mid, "S3", {}, "on_track"))
    reviews.record_assessment(HEAD_SALES, mid, "S3", {}, "on_track", rationale="started late: parental leave", comment="weak on strategy")
    y["sales_assesses_r1"] = attempt(lambda: reviews.record_assessment(HEAD_SALES, mid, "R1", {"leadership_360": 99}, "accelerate"))
    y["r1_mid"] = reviews.record_assessment(HEAD_RD, mid, "R1", {"team_results_growth": 20, "project_on_time_rate": 90, "leadership_360": 80,
                                                                 "adopted_proposals": 5, "collaboration_satisfaction": 70},
                                            "on_track", rationale="first year leading a team")
    y["assess_a_non_member"] = attempt(lambda: reviews.record_assessment(HEAD_SALES, mid, "HS", {}, "on_track"))

    reviews.close_cycle(HR, cur, mid, closed_on=date(2026, 7, 31))
    y["assess_in_a_closed_cycle"] = attempt(lambda: reviews.record_assessment(HEAD_RD, mid, "R2", {"leadership_360": 70}, "on_track"))
    # after the review the candidate sees the comment and disputes it; HR answers
    dispute = reviews.raise_dispute(HEAD_SALES, mid, "S3", "The comment ignores my leave")
    reviews.answer_dispute(HR, dispute, "Comment amended: the leave is noted")
    y["answer_twice"] = attempt(lambda: reviews.answer_dispute(HEAD_SALES, dispute, "again"))
    y["mid_figures"] = reviews.cycle_figures(cur, None, mid)
    y["mid_figures_rd"] = reviews.cycle_figures(cur, ("R&D",), mid)

    # --- autumn: R2 leaves the pool; S1 finishes the rotation -----------------------------------------
    nominations.record(HEAD_RD, "R2", "R&D", "remove", "moving to a specialist track", exit_reason="withdrew")
    done("S1", "Rotation to Operations", "2026-10-15", HEAD_SALES)

    # --- year-end -------------------------------------------------------------------------------------
    end = y["end"] = reviews.open_cycle(HR, cur, 2026, "year_end", opened_on=date(2026, 11, 20))
    y["end_people"] = reviews.cycle_people(cur, None, end)
    y["s1_promote_without_rationale"] = attempt(lambda: reviews.record_assessment(HEAD_SALES, end, "S1", S1_VALUES, "promote"))
    y["s1_end"] = reviews.record_assessment(HEAD_SALES, end, "S1", S1_VALUES, "promote", rationale="all goals met")
    y["s2_end"] = reviews.record_assessment(HEAD_SALES, end, "S2", {"leadership_360": 40}, "leave_pool",
                                            rationale="results on target, leadership score low")
    y["s3_end"] = reviews.record_assessment(HEAD_SALES, end, "S3", {"team_results_growth": 0, "leadership_360": 60}, "keep_developing",
                                            rationale="catching up after leave")
    plans.add_item(HEAD_SALES, plans.items(None, ["S3"])["plan_id"][0], "mentoring", "Mentoring with the Sales director",
                   date(2027, 3, 31), "year-end review: needs a mentor")
    reviews.record_assessment(HEAD_RD, end, "R1", {"team_results_growth": 20, "project_on_time_rate": 90, "leadership_360": 80,
                                                   "adopted_proposals": 5, "collaboration_satisfaction": 70}, "promote",
                              rationale="ready to lead a team")

    # HR confirms; deciding otherwise needs a note; leaving the pool ends the nomination
    y["head_confirms"] = attempt(lambda: reviews.confirm(HEAD_SALES, end, "S1", "promote"))
    reviews.confirm(HR, end, "S1", "promote")
    reviews.confirm(HR, end, "S2", "leave_pool")
    reviews.confirm(HR, end, "S3", "keep_developing")
    y["overrule_without_note"] = attempt(lambda: reviews.confirm(HR, end, "R1", "keep_developing"))
    reviews.confirm(HR, end, "R1", "keep_developing", note="no open seat in R&D this year")
    y["pool_after_confirming"] = nominations.current(None)
    y["s2_nominations"] = nominations.history("S2")

    dispute = reviews.raise_dispute(HEAD_SALES, end, "S2", "The leadership score ignores the new team")
    y["rd_answers_a_sales_dispute"] = attempt(lambda: reviews.answer_dispute(HEAD_RD, dispute, "not mine"))
    y["end_figures"] = reviews.cycle_figures(cur, None, end)
    reviews.answer_dispute(HEAD_SALES, dispute, "The new team's 360 arrives in March; we will look again then")
    y["end_figures_answered"] = reviews.cycle_figures(cur, None, end)
    return y


# S1's indicators, used at mid-year and year-end. Sales weights 70/30. Quantitative: growth 10 % -> 75, on time 80,
# reports +1 step -> 100: 0.5*75 + 0.25*80 + 0.25*100 = 82.5. Qualitative: 360 85, 3 proposals -> 60, collaboration 90:
# 0.5*85 + 0.25*60 + 0.25*90 = 80. Composite 0.7*82.5 + 0.3*80 = 81.75 -> 81.8.
S1_VALUES = {"team_results_growth": 10, "project_on_time_rate": 80, "subordinate_rating_change": 1,
             "leadership_360": 85, "adopted_proposals": 3, "collaboration_satisfaction": 90}


@pytest.fixture
def cur(year: dict):
    con = duckdb.connect(str(year["db"]), read_only=True)
    yield con
    con.close()


def test_a_position_profile_is_tailored_by_the_department_and_commented_both_ways(year: dict) -> None:
    assert_refused(year["rd_comments_on_sales_profile"], NotAllowed, "Sales is not your department")
    assert_refused(year["head_saves_a_template"], NotAllowed, "company-wide")
    assert year["profile_comments"]["author"].to_list() == ["head.sales", "hr"]
    assert year["rd_profiles"]["profile_id"].to_list() == [year["template"]]  # R&D sees the template, not Sales' copy


def test_plans_take_hr_template_and_the_departments_own_items(year: dict) -> None:
    assert_refused(year["sales_adds_rd_template_item"], NotAllowed, "R&D is not your department")
    assert_refused(year["sales_plans_for_rd"], NotAllowed)
    assert year["s1_plan"].select("title", "kind", "source", "due_date").sort("due_date").rows() == [
        ("Leading High-Performance Teams", "course", "general", date(2026, 4, 15)),
        ("Negotiation Skills", "course", "department", date(2026, 5, 15)),
        ("Strategic Thinking", "course", "general", date(2026, 7, 15)),
        ("Rotation to Operations", "rotation", "general", date(2026, 10, 15)),
    ]


def test_only_hr_opens_a_cycle_and_only_once(year: dict) -> None:
    assert_refused(year["head_opens_a_cycle"], NotAllowed, "role")
    assert_refused(year["mid_opened_twice"], ValueError, "exists already")


def test_mid_year_compiles_plan_completion_rating_and_360_changes(year: dict) -> None:
    compiled = year["mid_compiled"]
    # plan completion = done out of what was due by 1 July (done early counts too)
    assert compiled.select("employee_id", "reviewer", "plan_items", "plan_items_due", "plan_items_done", "plan_completion", "courses",
                           "courses_done", "rotations", "rotations_done", "rating_before", "rating_after", "rating_change",
                           "feedback_before", "feedback_after", "feedback_change").sort("employee_id").rows() == [
        # R1: 4 done; H1 A (5) vs 2025 B (3) = +2; one 360 (2025) so no change
        ("R1", "head.rd", 4, 4, 4, 1.0, 3, 3, 1, 1, "B", "A", 2.0, None, 4.0, None),
        # R2: LHPT and Trend Radar done, nothing else due yet; no H1 rating
        ("R2", "head.rd", 4, 2, 2, 1.0, 3, 2, 1, 0, "C", None, None, None, None, None),
        # S1: 3 done (Negotiation from training, Strategic Thinking early); B+ (4) vs B (3) = +1;
        #     360 2025 3.5 vs 2024 3.0 (the mid-year sees last year's 360)
        ("S1", "head.sales", 4, 3, 3, 1.0, 3, 3, 1, 0, "B", "B+", 1.0, 3.0, 3.5, 0.5),
        # S2: LHPT and Negotiation due, neither done (its 2025 Negotiation course predates the plan)
        ("S2", "head.sales", 4, 2, 0, 0.0, 3, 0, 1, 0, "A", "A", 0.0, None, None, None),
        ("S3", "head.sales", 4, 2, 1, 0.5, 3, 1, 1, 0, "B+", "B", -1.0, None, None, None),
    ]


def test_mid_year_assessments_score_by_the_departments_weights(year: dict) -> None:
    # S1 (composite 81.8, see S1_VALUES), plan 100 % -> accelerate.
    assert year["s1_mid"] == {"quantitative_score": 82.5, "qualitative_score": 80.0, "quantitative_weight": 0.7,
                              "composite_score": 81.8, "suggested_outcome": "accelerate"}
    # R1, R&D weights 60/40 with strategic thinking 50 %: quantitative (100*0.5 + 90*0.25) / 0.75 = 96.67;
    #   qualitative 0.3*80 + 0.5*100 + 0.2*70 = 88; composite 0.6*96.67 + 0.4*88 = 93.2
    assert (year["r1_mid"]["composite_score"], year["r1_mid"]["suggested_outcome"]) == (93.2, "accelerate")


def test_an_assessment_needs_its_reasons(year: dict) -> None:
    # S2: qualitative only (360 70) -> composite 70; plan 0 % -> adjust the plan, which must say how
    assert_refused(year["s2_adjust_without_saying_how"], ValueError, "describe the plan adjustment")
    # S3: no indicators at all; the rules suggest adjusting the plan (50 % < 60 %), the head chooses otherwise: say why
    assert_refused(year["s3_against_the_rules_without_rationale"], ValueError, "rationale is required.*adjust_plan")
    assert_refused(year["s1_promote_without_rationale"], ValueError, "rationale is required for a year-end")


def test_a_head_assesses_only_members_of_their_department_in_an_open_cycle(year: dict) -> None:
    assert_refused(year["sales_assesses_r1"], NotAllowed, "R&D is not your department")
    assert_refused(year["assess_a_non_member"], NotAllowed, "not a member")
    assert_refused(year["assess_in_a_closed_cycle"], NotAllowed, "was closed on 2026-07-31 by hr")


def test_a_dispute_is_answered_once_and_by_the_right_people(year: dict) -> None:
    assert_refused(year["answer_twice"], ValueError, "answered already")
    assert_refused(year["rd_answers_a_sales_dispute"], NotAllowed)
    with pytest.raises(NotAllowed, match="may read this but not change it"):
        reviews.raise_dispute(LEAD, year["end"], "S1", "x")


def test_mid_year_figures_for_the_company_a_department_and_a_heads_scope(year: dict) -> None:
    figures = year["mid_figures"]
    # members 5, assessed 4 (R2 not). Quantified: S1 6/6, S2 1/6, S3 0, R1 5/6 -> mean 0.5.
    # Adjusted after the review: S1 (acceleration), S2 (adjustment + due date) -> 2/4.
    # Promoted within 12 months of 1 July: S1 (1 Sep) and R1 (25 Nov) -> 2/5.
    total = figures_row(figures, None)
    assert {k: total[k] for k in ("members", "assessed", "outcome_on_track", "outcome_adjust_plan", "outcome_accelerate",
                                  "quantified_share", "plan_adjustment_rate", "promoted", "promotion_rate", "disputes_open",
                                  "disputes_answered", "previous_cycle")} == {
        "members": 5, "assessed": 4, "outcome_on_track": 2, "outcome_adjust_plan": 1, "outcome_accelerate": 1,
        "quantified_share": pytest.approx(0.5), "plan_adjustment_rate": 0.5, "promoted": 2, "promotion_rate": 0.4,
        "disputes_open": 0, "disputes_answered": 1, "previous_cycle": None}
    sales = figures_row(figures, "Sales")
    assert (sales["members"], sales["assessed"], sales["quantified_share"], sales["plan_adjustment_rate"], sales["promotion_rate"]) == (
        3, 3, pytest.approx(7 / 18), pytest.approx(2 / 3), pytest.approx(1 / 3))
    # a department head's figures hold their department only
    assert year["mid_figures_rd"]["department"].to_list() == ["R&D", None]
    assert figures_row(year["mid_figures_rd"], None)["members"] == 2


def test_year_end_takes_the_pool_of_the_day_and_this_years_360(year: dict) -> None:
    people = year["end_people"]
    assert people["employee_id"].to_list() == ["R1", "S1", "S2", "S3"]  # R2 left the pool in the autumn
    # the year-end sees this year's 360: S1 2026 4.0 vs 2025 3.5 (the self rating of 5 is left out)
    assert people.filter(pl.col("employee_id") == "S1").select("plan_completion", "feedback_after", "feedback_change").row(0) == (1.0, 4.0, 0.5)


def test_year_end_rules_suggest_promote_leave_or_keep(year: dict) -> None:
    assert year["s1_end"]["suggested_outcome"] == "promote"
    # S2: 360 40 -> composite 40 < 50 -> leave the pool
    assert year["s2_end"]["suggested_outcome"] == "leave_pool"
    # S3: growth 0 -> 50, 360 60: 0.7*50 + 0.3*60 = 53; plan 25 % < 40 % -> the rules say leave; the head says keep developing
    assert (year["s3_end"]["composite_score"], year["s3_end"]["suggested_outcome"]) == (53.0, "leave_pool")


def test_hr_confirms_overruling_needs_a_note_and_leaving_ends_the_nomination(year: dict) -> None:
    assert_refused(year["head_confirms"], NotAllowed, "role")
    assert_refused(year["overrule_without_note"], ValueError, "note is required")
    assert "S2" not in year["pool_after_confirming"]
    assert year["s2_nominations"]["exit_reason"].to_list()[0] == "review_outcome"


def test_year_end_figures_compare_with_the_previous_year_end(year: dict) -> None:
    total = figures_row(year["end_figures"], None)
    # final outcomes: S1 promote, S2 leave, S3 keep, R1 keep (HR's decision). Quantified (6+1+2+5)/6/4 = 0.5833.
    # Adjusted: S3's mentoring item added during the cycle -> 1/4. Promoted after 20 Nov: R1 (25 Nov) -> 1/4.
    # Previous year-end (2025): 5 members, 1 assessed; promoted within 12 months of 1 Dec 2025: S1 and R1 -> 0.4.
    assert {k: total[k] for k in ("members", "assessed", "outcome_promote", "outcome_keep_developing", "outcome_leave_pool", "confirmed",
                                  "quantified_share", "plan_adjustment_rate", "promotion_rate", "disputes_open", "disputes_answered",
                                  "previous_cycle", "prev_members", "prev_assessed", "prev_promotion_rate")} == {
        "members": 4, "assessed": 4, "outcome_promote": 1, "outcome_keep_developing": 2, "outcome_leave_pool": 1, "confirmed": 4,
        "quantified_share": pytest.approx(14 / 24), "plan_adjustment_rate": 0.25, "promotion_rate": 0.25,
        "disputes_open": 1, "disputes_answered": 0, "previous_cycle": "2025-year_end",
        "prev_members": 5.0, "prev_assessed": 1.0, "prev_promotion_rate": 0.4}
    assert figures_row(year["end_figures_answered"], None)["disputes_answered"] == 1  # once the head has answered


def test_the_candidate_sees_every_cycle_newest_first_and_no_other_head_does(year: dict) -> None:
    assert reviews.person_results(None, "S1").select("cycle_id", "outcome", "confirmed_outcome", "strengths").rows() == [
        ("2026-year_end", "promote", "promote", None), ("2026-mid_year", "accelerate", None, "results"),
        ("2025-year_end", "keep_developing", None, None)]
    assert reviews.person_results(("R&D",), "S1").height == 0


def test_movement_from_july_to_year_end_to_what_happened_next(year: dict, cur) -> None:
    moves = reviews.movement(cur, None, 2026)
    assert moves.select("employee_id", "mid_outcome", "year_end_outcome", "next").rows() == [
        ("R1", "on_track", "keep_developing", "promoted"),
        ("R2", "not_reviewed", "not_reviewed", "left_pool"),
        ("S1", "accelerate", "promote", "in_pool"),
        ("S2", "adjust_plan", "leave_pool", "left_pool"),
        ("S3", "on_track", "keep_developing", "in_pool"),
    ]
    assert reviews.movement(cur, ("Sales",), 2026)["employee_id"].to_list() == ["S1", "S2", "S3"]


def test_plan_progress_by_kind_overdue_and_over_the_year(year: dict, cur) -> None:
    effective = plans.effective(plans.items(None), plans.course_completions(cur, ["S1", "S2", "S3", "R1", "R2"]), TODAY)
    by_kind = plans.completion_by(effective, ["kind"])
    # courses: 15 (5 people x 3) done: S1 3, S3 1, R1 3, R2 2 = 9; rotations 5, done R1, S1 = 2; mentoring 1, not done
    assert by_kind.select("kind", "items", "done", "done_from_training").rows() == [
        ("course", 15, 9, 1), ("mentoring", 1, 0, 0), ("rotation", 5, 2, 0)]
    assert effective.filter(pl.col("overdue")).select("employee_id", "title").sort("employee_id", "title").rows() == [
        ("R2", "Rotation to Operations"), ("R2", "Strategic Thinking"),
        ("S2", "Leading High-Performance Teams"), ("S2", "Negotiation Skills"), ("S2", "Rotation to Operations"), ("S2", "Strategic Thinking"),
        ("S3", "Negotiation Skills"), ("S3", "Rotation to Operations"), ("S3", "Strategic Thinking"),
    ]
    trend = plans.completion_trend(effective, 2026)
    # by 31 March: items started 20 (mentoring starts with the plan too: 21), done S1 Negotiation (10 Mar), R1 LHPT (1 Mar), R2 LHPT (15 Mar) = 3
    assert trend.filter(pl.col("month_end") == date(2026, 3, 31)).select("items", "done").row(0) == (21, 3)


def test_an_unknown_cycle_is_said_plainly(year: dict, cur) -> None:
    with pytest.raises(reviews.UnknownCycle, match="no review cycle '2031-mid_year'"):
        reviews.cycle_figures(cur, None, "2031-mid_year")
