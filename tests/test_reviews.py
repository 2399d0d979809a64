"""A whole review year for a small organisation, every figure checked against a hand-worked example.

Sales (S1-S3) and R&D (R1, R2) candidates; plans from HR's template plus each department's own item;
the July mid-year review, a year-end review with HR's confirmations, disputes and answers, and the
previous year-end cycle for the change figures. The hand calculations are in the comments.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from services import auth, nominations, plans, positions, reviews
from services.permissions import NotAllowed

from .conftest import TODAY, small_org

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


@pytest.fixture
def org(tmp_path: Path, monkeypatch) -> Path:
    return small_org(tmp_path, monkeypatch, FILES, (HEAD_SALES, HEAD_RD))


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


def test_a_review_year(org: Path) -> None:
    cur = duckdb.connect(str(org), read_only=True)

    # --- position profile: HR's template, tailored by Sales, comments both ways --------------------
    template = positions.save(HR, "Middle manager", None, "Lead a team of 5-15", "Leadership; results", "Team lead -> manager")
    tailored = positions.tailor(HEAD_SALES, template, "Sales")
    positions.comment(HEAD_SALES, tailored, "Add customer-resource integration")
    positions.comment(HR, tailored, "Added to core competencies")
    with pytest.raises(NotAllowed, match="Sales is not your department"):
        positions.comment(HEAD_RD, tailored, "R&D has an opinion")
    with pytest.raises(NotAllowed, match="company-wide"):
        positions.save(HEAD_SALES, "Another template", None, "", "", "")
    assert positions.comments(HEAD_SALES, tailored)["author"].to_list() == ["head.sales", "hr"]
    assert positions.profiles(("R&D",))["profile_id"].to_list() == [template]  # R&D sees the template, not Sales' copy

    # --- plan template: HR's general items + each department's own --------------------------------
    plans.add_template_item(HR, None, "course", "Leading High-Performance Teams", 3)
    plans.add_template_item(HR, None, "course", "Strategic Thinking", 6)
    plans.add_template_item(HR, None, "rotation", "Rotation to Operations", 9)
    plans.add_template_item(HEAD_SALES, "Sales", "course", "Negotiation Skills", 4)
    plans.add_template_item(HEAD_RD, "R&D", "course", "Technology Trend Radar", 4)
    with pytest.raises(NotAllowed, match="R&D is not your department"):
        plans.add_template_item(HEAD_SALES, "R&D", "course", "Sales knows best", 2)

    for employee_id, department, head in (("S1", "Sales", HEAD_SALES), ("S2", "Sales", HEAD_SALES), ("S3", "Sales", HEAD_SALES),
                                          ("R1", "R&D", HEAD_RD), ("R2", "R&D", HEAD_RD)):
        nominations.record(head, employee_id, department, "nominate", "meets the rules", "ready_1_2_years")
        plans.create_plan(head, employee_id, department, date(2026, 1, 15), position_profile_id=tailored if department == "Sales" else None,
                          at=at("2026-01-15"))
    with pytest.raises(NotAllowed):
        plans.create_plan(HEAD_SALES, "R2", "R&D", date(2026, 1, 15))
    s1 = plans.items(None, ["S1"])
    assert s1.select("title", "kind", "source", "due_date").sort("due_date").rows() == [
        ("Leading High-Performance Teams", "course", "general", date(2026, 4, 15)),
        ("Negotiation Skills", "course", "department", date(2026, 5, 15)),
        ("Strategic Thinking", "course", "general", date(2026, 7, 15)),
        ("Rotation to Operations", "rotation", "general", date(2026, 10, 15)),
    ]

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
    with pytest.raises(NotAllowed, match="role"):
        reviews.open_cycle(HEAD_SALES, cur, 2026, "mid_year")
    mid = reviews.open_cycle(HR, cur, 2026, "mid_year", opened_on=date(2026, 7, 1))
    with pytest.raises(ValueError, match="exists already"):
        reviews.open_cycle(HR, cur, 2026, "mid_year")
    compiled = reviews.cycle_people(cur, None, mid)
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

    # S1, Sales weights 70/30. Quantitative: growth 10 % -> 75, on time 80, reports +1 step -> 100:
    #   0.5*75 + 0.25*80 + 0.25*100 = 82.5. Qualitative: 360 85, 3 proposals -> 60, collaboration 90:
    #   0.5*85 + 0.25*60 + 0.25*90 = 80. Composite 0.7*82.5 + 0.3*80 = 81.75 -> 81.8. Plan 100 % -> accelerate.
    s1_values = {"team_results_growth": 10, "project_on_time_rate": 80, "subordinate_rating_change": 1,
                 "leadership_360": 85, "adopted_proposals": 3, "collaboration_satisfaction": 90}
    result = reviews.record_assessment(HEAD_SALES, mid, "S1", s1_values, "accelerate", strengths="results", gaps="strategy",
                                       plan_adjustment="joins the monthly strategy meeting", at=at("2026-07-10"))
    assert result == {"quantitative_score": 82.5, "qualitative_score": 80.0, "quantitative_weight": 0.7,
                      "composite_score": 81.8, "suggested_outcome": "accelerate"}
    # S2: qualitative only (360 70) -> composite 70; plan 0 % -> adjust the plan, recorded on the plan
    with pytest.raises(ValueError, match="describe the plan adjustment"):
        reviews.record_assessment(HEAD_SALES, mid, "S2", {"leadership_360": 70}, "adjust_plan")
    reviews.record_assessment(HEAD_SALES, mid, "S2", {"leadership_360": 70}, "adjust_plan",
                              plan_adjustment="Strategic Thinking switched to the online course", at=at("2026-07-11"))
    plans.change_item(HEAD_SALES, item_id("S2", "Strategic Thinking"), "online course has a later start", due_date=date(2026, 9, 30),
                      at=at("2026-07-12"))
    # S3: no indicators at all; the rules suggest adjusting the plan (50 % < 60 %), the head chooses otherwise
    with pytest.raises(ValueError, match="rationale is required.*adjust_plan"):
        reviews.record_assessment(HEAD_SALES, mid, "S3", {}, "on_track")
    reviews.record_assessment(HEAD_SALES, mid, "S3", {}, "on_track", rationale="started late: parental leave", comment="weak on strategy")
    # R1, R&D weights 60/40 with strategic thinking 50 %: quantitative (100*0.5 + 90*0.25) / 0.75 = 96.67;
    #   qualitative 0.3*80 + 0.5*100 + 0.2*70 = 88; composite 0.6*96.67 + 0.4*88 = 93.2
    with pytest.raises(NotAllowed, match="R&D is not your department"):
        reviews.record_assessment(HEAD_SALES, mid, "R1", {"leadership_360": 99}, "accelerate")
    r1 = reviews.record_assessment(HEAD_RD, mid, "R1", {"team_results_growth": 20, "project_on_time_rate": 90, "leadership_360": 80,
                                                        "adopted_proposals": 5, "collaboration_satisfaction": 70},
                                   "on_track", rationale="first year leading a team")
    assert (r1["composite_score"], r1["suggested_outcome"]) == (93.2, "accelerate")
    with pytest.raises(NotAllowed, match="not a member"):
        reviews.record_assessment(HEAD_SALES, mid, "HS", {}, "on_track")

    reviews.close_cycle(HR, cur, mid, closed_on=date(2026, 7, 31))
    with pytest.raises(NotAllowed, match="was closed on 2026-07-31 by hr"):
        reviews.record_assessment(HEAD_RD, mid, "R2", {"leadership_360": 70}, "on_track")
    # after the review the candidate sees the comment and disputes it; HR answers
    dispute = reviews.raise_dispute(HEAD_SALES, mid, "S3", "The comment ignores my leave")
    reviews.answer_dispute(HR, dispute, "Comment amended: the leave is noted")
    with pytest.raises(ValueError, match="answered already"):
        reviews.answer_dispute(HEAD_SALES, dispute, "again")

    figures = reviews.cycle_figures(cur, None, mid)
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
    assert reviews.cycle_figures(cur, ("R&D",), mid)["department"].to_list() == ["R&D", None]
    assert figures_row(reviews.cycle_figures(cur, ("R&D",), mid), None)["members"] == 2

    # --- autumn: R2 leaves the pool; S1 finishes the rotation -----------------------------------------
    nominations.record(HEAD_RD, "R2", "R&D", "remove", "moving to a specialist track", exit_reason="withdrew")
    done("S1", "Rotation to Operations", "2026-10-15", HEAD_SALES)

    # --- year-end -------------------------------------------------------------------------------------
    end = reviews.open_cycle(HR, cur, 2026, "year_end", opened_on=date(2026, 11, 20))
    people = reviews.cycle_people(cur, None, end)
    assert people["employee_id"].to_list() == ["R1", "S1", "S2", "S3"]
    # the year-end sees this year's 360: S1 2026 4.0 vs 2025 3.5 (the self rating of 5 is left out)
    assert people.filter(pl.col("employee_id") == "S1").select("plan_completion", "feedback_after", "feedback_change").row(0) == (1.0, 4.0, 0.5)
    with pytest.raises(ValueError, match="rationale is required for a year-end"):
        reviews.record_assessment(HEAD_SALES, end, "S1", s1_values, "promote")
    assert reviews.record_assessment(HEAD_SALES, end, "S1", s1_values, "promote", rationale="all goals met")["suggested_outcome"] == "promote"
    # S2: 360 40 -> composite 40 < 50 -> leave the pool
    assert reviews.record_assessment(HEAD_SALES, end, "S2", {"leadership_360": 40}, "leave_pool",
                                     rationale="results on target, leadership score low")["suggested_outcome"] == "leave_pool"
    # S3: growth 0 -> 50, 360 60: 0.7*50 + 0.3*60 = 53; plan 25 % < 40 % -> the rules say leave; the head says keep developing
    s3 = reviews.record_assessment(HEAD_SALES, end, "S3", {"team_results_growth": 0, "leadership_360": 60}, "keep_developing",
                                   rationale="catching up after leave")
    assert (s3["composite_score"], s3["suggested_outcome"]) == (53.0, "leave_pool")
    plans.add_item(HEAD_SALES, plans.items(None, ["S3"])["plan_id"][0], "mentoring", "Mentoring with the Sales director",
                   date(2027, 3, 31), "year-end review: needs a mentor")
    reviews.record_assessment(HEAD_RD, end, "R1", {"team_results_growth": 20, "project_on_time_rate": 90, "leadership_360": 80,
                                                   "adopted_proposals": 5, "collaboration_satisfaction": 70}, "promote",
                              rationale="ready to lead a team")

    # HR confirms; deciding otherwise needs a note; leaving the pool ends the nomination
    with pytest.raises(NotAllowed, match="role"):
        reviews.confirm(HEAD_SALES, end, "S1", "promote")
    reviews.confirm(HR, end, "S1", "promote")
    reviews.confirm(HR, end, "S2", "leave_pool")
    reviews.confirm(HR, end, "S3", "keep_developing")
    with pytest.raises(ValueError, match="note is required"):
        reviews.confirm(HR, end, "R1", "keep_developing")
    reviews.confirm(HR, end, "R1", "keep_developing", note="no open seat in R&D this year")
    assert "S2" not in nominations.current(None)
    assert nominations.history("S2")["exit_reason"].to_list()[0] == "review_outcome"

    dispute = reviews.raise_dispute(HEAD_SALES, end, "S2", "The leadership score ignores the new team")
    with pytest.raises(NotAllowed):
        reviews.answer_dispute(HEAD_RD, dispute, "not mine")

    figures = reviews.cycle_figures(cur, None, end)
    total = figures_row(figures, None)
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
    reviews.answer_dispute(HEAD_SALES, dispute, "The new team's 360 arrives in March; we will look again then")
    assert figures_row(reviews.cycle_figures(cur, None, end), None)["disputes_answered"] == 1

    # --- what the candidate sees: every cycle, newest first; nothing for another department's head ----
    assert reviews.person_results(None, "S1").select("cycle_id", "outcome", "confirmed_outcome", "strengths").rows() == [
        ("2026-year_end", "promote", "promote", None), ("2026-mid_year", "accelerate", None, "results"),
        ("2025-year_end", "keep_developing", None, None)]
    assert reviews.person_results(("R&D",), "S1").height == 0

    # --- July -> year-end -> what happened next ----------------------------------------------------
    moves = reviews.movement(cur, None, 2026)
    assert moves.select("employee_id", "mid_outcome", "year_end_outcome", "next").rows() == [
        ("R1", "on_track", "keep_developing", "promoted"),
        ("R2", "not_reviewed", "not_reviewed", "left_pool"),
        ("S1", "accelerate", "promote", "in_pool"),
        ("S2", "adjust_plan", "leave_pool", "left_pool"),
        ("S3", "on_track", "keep_developing", "in_pool"),
    ]
    assert reviews.movement(cur, ("Sales",), 2026)["employee_id"].to_list() == ["S1", "S2", "S3"]

    # --- plan progress: by kind, overdue on today's date, courses completed from training -----------
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

    # --- nothing recorded for unknown cycles; leadership reads but cannot write -----------------------
    with pytest.raises(reviews.UnknownCycle, match="no review cycle '2031-mid_year'"):
        reviews.cycle_figures(cur, None, "2031-mid_year")
    with pytest.raises(NotAllowed, match="may read this but not change it"):
        reviews.raise_dispute(LEAD, end, "S1", "x")
    cur.close()
