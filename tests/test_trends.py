"""Talent-pool trends on a tiny organisation whose every figure is worked out by hand in the comments.

Sales: S01 head (L9, 60 years old), S02 and S05 managers (L7; S05 promoted 6 -> 7 on 2026-05-01), S03 a manager
who left on 2026-03-31, S04 (L5), S10 (L6), S06/S07 (L4; S06 promoted 3 -> 4 on 2026-09-15; S07 left 2026-09-30,
HR-system reason "capability mismatch"), S08/S09 (L3) and six L2 fillers F01-F06. R&D: R01 head (L8), R03 manager (promoted 5 -> 7 on
2026-06-01), R02 (L5), R04 (L4). Today (the analysis as-of date) is 2026-11-26.

The pool's history (nominations):
  S04 nominated ready-now 2025-06-10 (re-confirmed, same readiness, 2026-10-15)   -> in the pool since 2025-06-10
  S05 nominated 1-2 years 2025-10-01, ready-now 2026-03-01, removed "promoted" 2026-05-15
  S07 nominated 1-2 years 2026-01-10, never removed; left the company 2026-09-30    -> exit "left_company"
  S09 nominated 3+ years 2026-02-01, removed "capability_mismatch" 2026-07-01
  S06 nominated 3+ years 2026-08-01 (target "sales manager ")
  R02 nominated ready-now 2026-10-01 (target "Head of R&D")
  R04 "removed" 2026-04-01 without ever being nominated                           -> no effect
Current pool: S04, S06 (Sales), R02 (R&D).
"""
from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from polars.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from services import auth, reviews, trends, workspace
from pipelines import db
from pipelines.ingest import ingest
from tests.conftest import TODAY

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"

EMPLOYEES = """employee_id,name,department,position,job_level,manager_id,hire_date,birth_date,gender,location,status,exit_date,exit_reason
S01,Sun Yi,Sales,Head of Sales,9,,2010-01-04,1966-01-01,male,Hangzhou,active,,
S02,Sara Li,Sales,Sales Manager,7,S01,2012-03-01,1980-05-01,female,Hangzhou,active,,
S03,Song Wen,Sales,Sales Manager,7,S01,2013-03-01,1979-05-01,female,Hangzhou,left,2026-03-31,resignation
S04,Shi Lan,Sales,Senior Sales Representative,5,S02,2016-03-01,1990-07-12,female,Shanghai,active,,
S05,Su Ming,Sales,Sales Manager,7,S01,2015-03-01,1988-01-01,male,Shanghai,active,,
S06,Shen Tao,Sales,Sales Representative,4,S02,2019-09-15,1995-02-28,male,Shanghai,active,,
S07,Sima Qian,Sales,Sales Representative,4,S02,2019-06-01,1993-10-10,male,Shanghai,left,2026-09-30,capability mismatch
S08,Sheng Yu,Sales,Sales Representative,3,S02,2021-06-01,1997-10-10,female,Shanghai,active,,
S09,Shu Fen,Sales,Sales Representative,3,S02,2021-06-01,1996-04-04,female,Shanghai,active,,
S10,Sun Hao,Sales,Sales Team Lead,6,S02,2014-06-01,1985-04-04,male,Shanghai,active,,
R01,Ren Jie,R&D,Head of R&D,8,,2011-01-01,1981-01-01,male,Beijing,active,,
R02,Rao Lin,R&D,Engineer,5,R01,2018-01-01,1991-01-01,female,Beijing,active,,
R03,Rui Xin,R&D,R&D Manager,7,R01,2017-01-01,1989-01-01,male,Beijing,active,,
R04,Ruan Bo,R&D,Engineer,4,R01,2020-01-01,1994-01-01,male,Beijing,active,,
""" + "".join(f"F0{i},Fang {i},Sales,Sales Representative,2,S02,2024-01-01,1998-06-01,male,Shanghai,active,,\n" for i in range(1, 7))
RATINGS = "employee_id,period,rating,score\nS04,2025,A,\nS06,2025,B+,\nR02,2025,A,\nS10,2025,B,\nS08,2025,C,\n"
FEEDBACK = ("employee_id,cycle,rater_id,rater_relation,competency,score,comment\n"
            "S04,2026,S02,manager,Leadership,4.2,\nR02,2026,R01,manager,Leadership,3.6,\nS10,2026,S02,manager,Leadership,2.9,\n")
PROFILES = ("employee_id,skills,career_aspiration,career_plan_submitted,updated_at\n"
            "S04,,management,true,2026-01-01\nS06,,specialist,false,2026-01-01\nR02,,undecided,false,2026-01-01\n"
            "S10,,management,true,2026-01-01\nS08,,management,false,2026-01-01\nS09,,specialist,false,2026-01-01\n")
PROMOTIONS = ("employee_id,effective_date,from_level,to_level,to_position,into_management\n"
              "S05,2026-05-01,6,7,Sales Manager,true\nR03,2026-06-01,5,7,R&D Manager,true\nS06,2026-09-15,3,4,Sales Representative,false\n")
# employee, department, action, readiness, target position, exit reason, day
NOMINATIONS = [
    ("S04", "Sales", "nominate", "ready_now", "Sales Manager", None, "2025-06-10"),
    ("S05", "Sales", "nominate", "ready_1_2_years", "Sales Manager", None, "2025-10-01"),
    ("S07", "Sales", "nominate", "ready_1_2_years", "Sales Manager", None, "2026-01-10"),
    ("S09", "Sales", "nominate", "ready_3_plus_years", None, None, "2026-02-01"),
    ("S05", "Sales", "nominate", "ready_now", "Sales Manager", None, "2026-03-01"),
    ("R04", "R&D", "remove", None, None, "other", "2026-04-01"),
    ("S05", "Sales", "remove", None, None, "promoted", "2026-05-15"),
    ("S09", "Sales", "remove", None, None, "capability_mismatch", "2026-07-01"),
    ("S06", "Sales", "nominate", "ready_3_plus_years", "sales manager ", None, "2026-08-01"),
    ("R02", "R&D", "nominate", "ready_now", "Head of R&D", None, "2026-10-01"),
    ("S04", "Sales", "nominate", "ready_now", "Sales Manager", None, "2026-10-15"),
]


def record_nominations(ws: Path, entries: list[tuple]) -> None:
    """The history as the app would have written it over time (decided_at in the past)."""
    with workspace.connect(ws) as con:
        for employee, department, action, readiness, target, reason, day in entries:
            con.execute(
                """INSERT INTO nominations (employee_id, department, action, readiness, target_position, reason, decided_by, decided_at, exit_reason)
                   VALUES (?, ?, ?, ?, ?, 'test', 'hr', ?, ?)""",
                [employee, department, action, readiness, target, datetime.fromisoformat(day + "T10:00:00"), reason])


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> tuple[Path, Path]:
    """The organisation imported and its nomination history recorded, once per module: the service tests only read it
    (read-only connections); a page test works on its own copy (page_env)."""
    tmp_path = tmp_path_factory.mktemp("trends_example")
    files = tmp_path / "files"
    files.mkdir()
    for name, text in {"employees": EMPLOYEES, "performance_ratings": RATINGS, "feedback_360": FEEDBACK,
                       "profiles": PROFILES, "promotions": PROMOTIONS}.items():
        (files / f"{name}.csv").write_text(text, encoding="utf-8")
    database = tmp_path / "talent.duckdb"
    ingest([files], database, today=TODAY)
    ws = tmp_path / "workspace.duckdb"
    record_nominations(ws, NOMINATIONS)
    return database, ws


def run(example: tuple[Path, Path], name: str, *args, scope=None, department=None) -> pl.DataFrame:
    database, ws = example
    con = db.connect_read_only(database)
    try:
        return getattr(trends, name)(db.read_cursor(con), scope, department, *args, workspace_file=str(ws))
    finally:
        con.close()


def frame(data: dict, **schema) -> pl.DataFrame:
    return pl.DataFrame(data, schema_overrides=schema)


def test_pool_over_time_by_month(example) -> None:
    got = run(example, "pool_over_time", 12, "month")
    months = [date(2025, 12, 1)] + [date(2026, m, 1) for m in range(1, 12)]
    ends = [date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30), date(2026, 5, 31),
            date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 26)]
    zeros = [0] * 12
    expected = frame({
        "period": months, "period_end": ends,
        # Dec: S04 S05 | Jan +S07 | Feb +S09 | Mar-Apr same | May S05 out (15th) | Jul S09 out (1st) | Aug +S06
        # Sep S07 left the company on the 30th (not a member at the end of that day) | Oct +R02
        "members": [2, 3, 4, 4, 4, 3, 3, 2, 3, 2, 3, 3],
        "ready_now": [1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 2, 2],  # S05 ready-now from March
        "ready_1_2_years": [1, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, 0],
        "ready_3_plus_years": [0, 0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1],
        "entries": [0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0],  # S07, S09, S06, R02; S04's re-confirmation is no entry
        "exits": [0, 0, 0, 0, 0, 1, 0, 1, 0, 1, 0, 0],
        "exits_promoted": [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
        "exits_left_company": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0],
        "exits_capability_mismatch": [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0],
        "exits_review_outcome": zeros, "exits_withdrew": zeros, "exits_other": zeros,  # R04's "remove" was no exit
        "promotions_into_management": [0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0],  # S05 on 2026-05-01, in the pool; R03 was not
        "promotions_other": [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0],  # S06 3 -> 4 on 2026-09-15, in the pool since August
    })
    assert_frame_equal(got, expected, check_dtypes=False)


def test_pool_over_time_by_quarter(example) -> None:
    got = run(example, "pool_over_time", 12, "quarter").select("period", "period_end", "members", "entries", "exits",
                                                                 "promotions_into_management", "promotions_other")
    expected = frame({
        "period": [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)],
        "period_end": [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 11, 26)],
        "members": [4, 3, 2, 3], "entries": [2, 0, 1, 1], "exits": [0, 1, 2, 0], "promotions_into_management": [0, 1, 0, 0],
        "promotions_other": [0, 0, 1, 0],
    })
    assert_frame_equal(got, expected, check_dtypes=False)


def test_coverage_of_middle_management_seats(example) -> None:
    # Seats (active, level 7 up to the executive level 9, no "Head of …"): Sales S02 S05, R&D R03. S01 (L9, Head of
    # Sales) and R01 (L8, Head of R&D) are executives. Seat leavers in 12 months: S03 (Sales).
    # Sales: rate 1 / (2 + 1) = 1/3, expected openings 2 x 1/3 = 2/3; pool 2 -> 1 per seat, 2 / (2/3) = 3 per opening.
    # All: rate 1 / (3 + 1) = 0.25, expected openings 2/3, pool 3 -> 1 per seat, 4.5 per opening.
    expected = frame({
        "department": ["R&D", "Sales", None], "seats": [1, 2, 3], "seats_holder_58_plus": [0, 0, 0], "seat_leavers_12m": [0, 1, 1],
        "pool_members": [1, 2, 3], "seat_attrition_rate": [0.0, 1 / 3, 0.25], "expected_openings_12m": [0.0, 2 / 3, 2 / 3],
        "pool_per_seat": [1.0, 1.0, 1.0], "pool_per_expected_opening": [None, 3.0, 4.5],
    })
    assert_frame_equal(run(example, "coverage"), expected, check_dtypes=False)
    assert_frame_equal(run(example, "coverage", scope=("R&D",)), expected[[0]].vstack(expected[[0]].with_columns(pl.lit(None, pl.String).alias("department"))),
                       check_dtypes=False)


def test_bench_strength_lists_positions_without_a_ready_now_nominee_first(example) -> None:
    # Executives' positions (Head of Sales, Head of R&D) are no middle-management seats: R02's target is unmatched.
    expected = frame({
        "position": ["R&D Manager", "Sales Manager", None],
        "departments": ["R&D", "Sales", None],
        "seats": [1, 2, None],
        "ready_now": [0, 1, 1], "ready_1_2_years": [0, 0, 0], "ready_3_plus_years": [0, 1, 0],
        "nominees": [0, 2, 1],  # "sales manager " matches "Sales Manager"
    })
    assert_frame_equal(run(example, "bench"), expected, check_dtypes=False)
    sales = run(example, "bench", scope=("Sales",))
    assert sales["position"].to_list() == ["Sales Manager", None]


def test_promotion_rate_of_the_pool_against_comparable_non_members(example) -> None:
    # Cohort 2025-11-26, below level 7 that day: pool S04 (L5), S05 (L6 then); S05 promoted -> 1/2.
    # Non-members at levels 5 and 6: R02, R03 (L5 then; R03 promoted) and S10 (L6): weighted to the pool's mix
    # (one at L5, one at L6): (1/2 + 0/1) / 2 = 0.25; crude 1/3.
    # All non-members below 7: S06 S07 S08 S09 S10 R02 R03 R04 F01-F06 = 14, one promoted.
    expected = frame({
        "group": ["pool", "comparable", "all_others"], "cohort_date": [date(2025, 11, 26)] * 3, "window_end": [date(2026, 11, 26)] * 3,
        "people": [2, 3, 14], "promoted": [1, 1, 1], "rate": [0.5, 0.25, 1 / 14], "crude_rate": [0.5, 1 / 3, 1 / 14],
    })
    assert_frame_equal(run(example, "promotion_rate", 12), expected, check_dtypes=False)
    # Two years back nobody was in the pool: the page shows what to do instead of a chart.
    assert run(example, "promotion_rate", 24)["people"].to_list()[0] == 0


def test_time_in_pool_and_stalled_members(example) -> None:
    # S04: 17 months, readiness set 2025-06-10 and only re-confirmed since -> stalled. S06: 3 months, R02: 1 month.
    expected = frame({
        "band": ["lt_6", "m_6_12", "m_12_24", "m_24_36", "m_36_plus"], "months_from": [0, 6, 12, 24, 36], "months_to": [6, 12, 24, 36, None],
        "members": [2, 0, 1, 0, 0], "stalled": [0, 0, 1, 0, 0], "not_stalled": [2, 0, 0, 0, 0],
    })
    assert_frame_equal(run(example, "time_in_pool"), expected, check_dtypes=False)


def test_aspiration_against_potential_thirds(example) -> None:
    # 13 active people below level 7, no model: thirds of the pool score ordered by (score, id): 5 / 4 / 4.
    # low: F01-F05 (0); medium: F06, R04, S09 (0), S08 (8.8); high: S06 (26.2), S10 (29.4), R02 (51.2), S04 (55.0).
    people = {("management", "medium"): 1, ("management", "high"): 2, ("specialist", "medium"): 1, ("specialist", "high"): 1,
              ("undecided", "high"): 1, ("not_stated", "low"): 5, ("not_stated", "medium"): 2}
    pool = {("management", "high"): 1, ("specialist", "high"): 1, ("undecided", "high"): 1}  # S04, S06, R02
    cells = [(a, p) for a in trends.ASPIRATION_VALUES for p in trends.POTENTIAL_BANDS]
    expected = frame({"aspiration": [a for a, _ in cells], "potential": [p for _, p in cells],
                      "people": [people.get(c, 0) for c in cells], "pool_members": [pool.get(c, 0) for c in cells],
                      "potential_source": ["score"] * 12})
    assert_frame_equal(run(example, "aspiration_potential"), expected, check_dtypes=False)


def test_attrition_of_pool_members_with_capability_mismatch_apart(example) -> None:
    got = run(example, "pool_attrition", 12, "quarter")
    expected = frame({
        "period": [date(2026, 1, 1), date(2026, 4, 1), date(2026, 7, 1), date(2026, 10, 1)],
        "period_end": [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 11, 26)],
        "members_at_start": [2, 4, 3, 2],  # S04 S05 | +S07 S09 | -S05 | -S09 -S07
        "left_company": [0, 0, 1, 0], "left_capability_mismatch": [0, 0, 1, 0], "removed_capability_mismatch": [0, 0, 1, 0],
        "leaving_rate": [0.0, 0.0, 1 / 3, 0.0],
    })
    assert_frame_equal(got, expected, check_dtypes=False)
    # 12 months: pool 2 at the start (S04 S05), 3 at the end, S07 left (capability mismatch): 1 / 2.5 = 0.4 a year.
    # Everyone: 20 at the start, 18 at the end, S03 and S07 left: 2 / 19; capability mismatch 1 / 19.
    summary = frame({
        "group": ["pool", "everyone"], "headcount_start": [2, 20], "headcount_end": [3, 18], "leavers": [1, 2],
        "leavers_capability_mismatch": [1, 1], "removed_capability_mismatch": [1, None], "average_headcount": [2.5, 19.0],
        "annual_rate": [0.4, 2 / 19], "annual_rate_capability_mismatch": [0.4, 1 / 19],
    })
    assert_frame_equal(run(example, "attrition_summary", 12), summary, check_dtypes=False)


def test_rating_and_360_shares_of_the_pool_against_everyone(example) -> None:
    got = run(example, "distributions")
    rating = got.filter(pl.col("measure") == "rating").select("group", "value", "people")
    assert rating.rows() == [
        ("pool", "A", 2), ("pool", "B+", 1), ("pool", "B", 0), ("pool", "C", 0), ("pool", "D", 0), ("pool", "not_rated", 0),
        ("everyone", "A", 2), ("everyone", "B+", 1), ("everyone", "B", 1), ("everyone", "C", 1), ("everyone", "D", 0), ("everyone", "not_rated", 13),
    ]
    feedback = got.filter((pl.col("measure") == "feedback_360") & (pl.col("people") > 0)).select("group", "value", "people", "share")
    assert feedback.rows() == [("pool", "3.5-4.0", 1, 1 / 3), ("pool", "4.0-4.5", 1, 1 / 3), ("pool", "not_rated", 1, 1 / 3),
                               ("everyone", "2.5-3.0", 1, 1 / 18), ("everyone", "3.5-4.0", 1, 1 / 18), ("everyone", "4.0-4.5", 1, 1 / 18),
                               ("everyone", "not_rated", 15, 15 / 18)]
    # Shares, not counts: each group adds up to 1.
    assert got.group_by("measure", "group").agg(pl.col("share").sum().round(9))["share"].to_list() == [1.0] * 4


def test_makeup_hides_small_groups_and_what_would_reveal_them(example) -> None:
    # Everyone active (18): Sales 4 women (hidden) and 10 men (hidden too, or the 4 would be 14 - 10); R&D 1 woman, 3 men.
    # Ages: Sales <30: 7, 30-39: 4, 40-49: 2, 50+: 1; R&D 30-39: 3, 40-49: 1. A figure over both departments is
    # hidden when a department's part of it is, so only "<30" (Sales' 7, R&D none) is shown.
    # Pool (3): S04 and S06 (Sales), R02 (R&D): every part under 5, hidden.
    expected = frame({
        "dimension": ["gender"] * 4 + ["age_band"] * 5,
        "group": ["pool", "pool", "everyone", "everyone", "pool", "everyone", "everyone", "everyone", "everyone"],
        "value": ["female", "male", "female", "male", "30-39", "<30", "30-39", "40-49", "50+"],
        "people": [None, None, None, None, None, 7, None, None, None],
        "share": [None, None, None, None, None, 7 / 18, None, None, None],
    })
    assert_frame_equal(run(example, "makeup"), expected, check_dtypes=False)
    sales = run(example, "makeup", department="Sales").filter((pl.col("dimension") == "gender") & (pl.col("group") == "everyone"))
    assert sales.select("value", "people").rows() == [("female", None), ("male", None)]


def test_secondary_suppression_hides_the_next_smallest_group(tmp_path: Path) -> None:
    # 6 women, 7 men, 2 "other": "other" is under 5, so women (the smallest shown) are hidden too.
    files = tmp_path / "files"
    files.mkdir()
    people = [("female", 6), ("male", 7), ("other", 2)]
    lines = ["employee_id,name,department,position,job_level,hire_date,status,gender,birth_date"]
    n = 0
    for gender, count in people:
        for _ in range(count):
            n += 1
            lines.append(f"E{n:02d},P {n},Ops,Clerk,3,2020-01-01,active,{gender},1990-01-01")
    (files / "employees.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    database = tmp_path / "talent.duckdb"
    ingest([files], database, today=TODAY)
    got = run((database, tmp_path / "workspace.duckdb"), "makeup").filter((pl.col("dimension") == "gender"))
    assert got.select("group", "value", "people").rows() == [("everyone", "female", None), ("everyone", "male", 7), ("everyone", "other", None)]


def test_a_department_head_sees_only_their_departments_pool(example) -> None:
    rd = run(example, "pool_over_time", 12, "month", scope=("R&D",))
    assert rd["members"].to_list() == [0] * 10 + [1, 1] and rd["entries"].sum() == 1
    # The department filter inside the scope narrows; outside it there is nothing.
    assert run(example, "time_in_pool", scope=("Sales", "R&D"), department="R&D")["members"].sum() == 1
    assert run(example, "time_in_pool", scope=("R&D",), department="Sales")["members"].sum() == 0
    assert run(example, "attrition_summary", 12, scope=("R&D",)).select("group", "headcount_end", "leavers").rows() == [
        ("pool", 1, 0), ("everyone", 4, 0)]


# --- the first screen's four answers --------------------------------------------------------------
# The July review and later moves, added to a copy of the history (the figures above stay as they are):
#   R04 nominated 3+ years 2026-06-01 (target "R&D Manager"), 1-2 years 2026-09-01       -> readiness up since July
#   S06 nominated 3+ years 2026-06-20 (before its 2026-08-01 nomination above)            -> promoted 2026-09-15
#   S10 nominated ready-now 2026-11-02, S08 1-2 years 2026-11-03, both target "Sales Manager"
#   The 2026 mid-year review: opened 2026-07-01, closed 2026-07-31; members S04 (accelerate), S06 (accelerate, HR
#   confirmed "on_track"), S07 (on_track), S09 (adjust_plan), R04 (not assessed).
REVIEWED = [
    ("R04", "R&D", "nominate", "ready_3_plus_years", "R&D Manager", None, "2026-06-01"),
    ("S06", "Sales", "nominate", "ready_3_plus_years", None, None, "2026-06-20"),
    ("R04", "R&D", "nominate", "ready_1_2_years", "R&D Manager", None, "2026-09-01"),
    ("S10", "Sales", "nominate", "ready_now", "Sales Manager", None, "2026-11-02"),
    ("S08", "Sales", "nominate", "ready_1_2_years", "Sales Manager", None, "2026-11-03"),
]


@pytest.fixture(scope="module")
def reviewed(example, tmp_path_factory) -> tuple[Path, Path]:
    database, ws = example
    copy = tmp_path_factory.mktemp("trends_reviewed") / "workspace.duckdb"
    with workspace.connect(ws) as con:
        con.execute("CHECKPOINT")
    shutil.copyfile(ws, copy)
    record_nominations(copy, REVIEWED)
    with workspace.connect(copy) as con:
        con.execute("""INSERT INTO review_cycles (cycle_id, year, kind, status, opened_by, opened_at, closed_by, closed_at)
                       VALUES ('2026-mid_year', 2026, 'mid_year', 'closed', 'hr', TIMESTAMP '2026-07-01 09:00', 'hr', TIMESTAMP '2026-07-31 18:00')""")
        con.executemany("INSERT INTO review_members (cycle_id, employee_id, department, compiled_at) VALUES ('2026-mid_year', ?, ?, TIMESTAMP '2026-07-01 09:00')",
                        [["S04", "Sales"], ["S06", "Sales"], ["S07", "Sales"], ["S09", "Sales"], ["R04", "R&D"]])
        con.executemany("""INSERT INTO review_assessments (cycle_id, employee_id, department, outcome, recorded_by, recorded_at)
                           VALUES ('2026-mid_year', ?, 'Sales', ?, 'head', TIMESTAMP '2026-07-20 10:00')""",
                        [["S04", "accelerate"], ["S06", "accelerate"], ["S07", "on_track"], ["S09", "adjust_plan"]])
        con.execute("INSERT INTO review_confirmations (cycle_id, employee_id, outcome, confirmed_by) VALUES ('2026-mid_year', 'S06', 'on_track', 'hr')")
    return database, copy


def test_bench_health_counts_the_seats_a_ready_successor_of_the_same_department_covers(example, reviewed) -> None:
    # Seats: Sales Manager 2 (S02 S05), R&D Manager 1 (R03). Today's successors ready now or in 1-2 years targeting them:
    # Sales S04 (ready now); S06 is 3+ years. R02 targets Head of R&D, an executive's title. Sales 1 of 2, R&D 0 of 1.
    expected = frame({
        "department": ["R&D", "Sales"], "position": ["R&D Manager", "Sales Manager"], "seats": [1, 2], "ready_now": [0, 1],
        "ready_1_2_years": [0, 0], "covered_ready_now": [0, 1], "covered_ready_1_2_years": [0, 0], "uncovered": [1, 1], "cover": [0.0, 0.5],
    })
    assert_frame_equal(run(example, "succession_cover"), expected, check_dtypes=False)
    assert_frame_equal(run(example, "succession_cover", scope=("R&D",)), expected[[0]], check_dtypes=False)
    # With the later nominations: Sales S04 and S10 ready now cover both seats (S08, 1-2 years, covers none: one successor per
    # seat, ready-now first); R&D R04 (1-2 years) covers its one seat. Everything covered: sorted by department.
    expected = frame({
        "department": ["R&D", "Sales"], "position": ["R&D Manager", "Sales Manager"], "seats": [1, 2], "ready_now": [0, 2],
        "ready_1_2_years": [1, 1], "covered_ready_now": [0, 2], "covered_ready_1_2_years": [1, 0], "uncovered": [0, 0], "cover": [1.0, 1.0],
    })
    assert_frame_equal(run(reviewed, "succession_cover"), expected, check_dtypes=False)
    # Where it is thin: per department, weakest first.
    assert trends.cover_by_department(run(example, "succession_cover")).select("department", "seats", "uncovered", "cover").rows() == [
        ("R&D", 1, 1, 0.0), ("Sales", 2, 1, 0.5)]


def test_pool_growth_from_the_first_day_of_the_period_to_today(example) -> None:
    # 2025-11-26: S04 S05 | Jan +S07 | Feb +S09 | May S05 out | Jul S09 out | Aug +S06 | Sep S07 left | Oct +R02 (as above)
    days = [date(2025, 11, 26), date(2025, 11, 30), date(2025, 12, 31), date(2026, 1, 31), date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30),
            date(2026, 5, 31), date(2026, 6, 30), date(2026, 7, 31), date(2026, 8, 31), date(2026, 9, 30), date(2026, 10, 31), date(2026, 11, 26)]
    expected = frame({"day": days, "members": [2, 2, 2, 3, 4, 4, 4, 3, 3, 2, 3, 2, 3, 3]})
    assert_frame_equal(run(example, "pool_growth", 12), expected, check_dtypes=False)
    assert run(example, "pool_growth", 12, scope=("R&D",))["members"].to_list() == [0] * 12 + [1, 1]


def test_the_july_review_moves_each_member_once_and_no_review_says_so(example, reviewed) -> None:
    assert run(example, "review_moves").height == 0  # no mid-year review closed: the page says what to do
    got = run(reviewed, "review_moves")
    assert got.select("cycle_id", "year", "opened_at", "closed_at").unique().rows() == [
        ("2026-mid_year", 2026, datetime(2026, 7, 1, 9), datetime(2026, 7, 31, 18))]
    # S06 promoted 2026-09-15 (HR's "on_track" counts over the reviewer's "accelerate"); S07 left the company 2026-09-30;
    # S09 removed from the pool 2026-07-01; R04 3+ years on 2026-07-01, 1-2 years now; S04 ready now then and now.
    moved = got.filter(pl.col("people") > 0).select("outcome", "move", "people").sort("outcome", "move")
    assert moved.rows() == [("accelerate", "unchanged", 1), ("adjust_plan", "left_pool", 1), ("not_assessed", "readiness_up", 1),
                            ("on_track", "left_company", 1), ("on_track", "promoted", 1)]
    assert got.height == 4 * 6  # every outcome and move, zeros included
    assert run(reviewed, "review_moves", scope=("R&D",)).filter(pl.col("people") > 0).select("outcome", "move", "people").rows() == [
        ("not_assessed", "readiness_up", 1)]
    # The final outcome is the review page's (services.reviews.cycle_people), read lighter.
    cycle, members = trends._mid_year_review(str(reviewed[1]), workspace.version(reviewed[1]))
    people = reviews.cycle_people(None, None, cycle["cycle_id"], reviewed[1]).sort("employee_id")
    assert members.select("employee_id", "outcome").rows() == people.select("employee_id", pl.col("final_outcome").fill_null("not_assessed")).rows()


# --- the page ------------------------------------------------------------------------------------
@pytest.fixture
def page_env(example, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the example (the page tests write accounts, and one deletes the nominations) with one account per role."""
    database, ws = tmp_path / "talent.duckdb", tmp_path / "workspace.duckdb"
    shutil.copyfile(example[0], database)
    shutil.copyfile(example[1], ws)
    if example[1].with_name(example[1].name + ".wal").exists():
        shutil.copyfile(example[1].with_name(example[1].name + ".wal"), ws.with_name(ws.name + ".wal"))
    monkeypatch.setenv("TALENT_DB", str(database))
    monkeypatch.setenv("TALENT_WORKSPACE", str(ws))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("TALENT_ADMIN_PASSWORD", "first-admin-password")
    monkeypatch.chdir(ROOT)
    for name, role, departments in (("leader", "hr_leadership", ()), ("head", "department_head", ("R&D",)), ("viewer", "viewer", ())):
        auth.create_user(name, role, PASSWORD, departments)
    st.cache_data.clear()
    st.cache_resource.clear()
    yield database
    st.cache_data.clear()
    st.cache_resource.clear()


def signed_in(username: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input(username)
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    return at


def trends_page(username: str) -> AppTest:
    at = signed_in(username)
    at.switch_page("pages/trends.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    return at


def section(at: AppTest, name: str) -> dict:
    """Choose a detail section; its metrics (label -> value), charts, downloads and captions, and the first screen's."""
    at.segmented_control(key="trends_section").set_value(name).run()
    assert not at.exception, [e.message for e in at.exception]
    return {"metrics": {m.label: m.value for m in at.metric}, "charts": len(at.get("plotly_chart")), "downloads": len(at.get("download_button")),
            "captions": [c.value for c in at.caption], "infos": [i.value for i in at.info]}


def test_trends_page_answers_four_questions_first_and_shows_every_chart_one_section_at_a_time(page_env: Path) -> None:
    at = trends_page("leader")
    assert at.title[0].value == "Is our talent pool ready and growing?"
    assert at.caption[0].value.startswith("As of 2026-11-26.")
    # The first screen: one figure, one small chart and one sentence per question (no mid-year review yet: no chart there).
    first = {m.label: m for m in at.metric}
    assert first["Seats with a successor"].value == "33%"  # S04 covers one of the three seats
    assert first["Thinnest cover"].value == "0%"  # R&D
    assert (first["Pool members now"].value, first["Pool members now"].delta) == ("3", "+1")  # 2 on 2025-11-26
    captions = [c.value.replace("\\", "") for c in at.caption]  # names are shown as plain text (escaped)
    for sentence in ("1 of 3 seats have a successor: 1 ready now, 0 in 1–2 years. 2 have none.",
                     "Thinnest: R&D (0%). Best covered: Sales (50%).",
                     "Growing: up 1 (50%) from 2 on 2025-11-26.",
                     "No mid-year review has been closed yet."):
        assert any(c.startswith(sentence) for c in captions), sentence
    # The detail: no section until one is chosen, and then only that one is drawn.
    assert at.segmented_control(key="trends_section").value is None
    assert len(at.get("plotly_chart")) == 3 and len(at.get("download_button")) == 0  # bench, where it is thin, growth
    assert captions[-1].startswith("Choose a section for the charts behind these answers")
    shown = {name: section(at, name) for name in ("pool", "succession", "movement", "attrition", "compare", "download")}
    metrics = shown["succession"]["metrics"]
    assert metrics["Middle-management seats"] == "3"  # S02 S05 R03; the heads are executives
    assert metrics["Seats held by people close to retirement"] == "0"
    assert metrics["Seats expected to open (12 months)"] == "0.7"
    assert metrics["Pool members per seat"] == "1.00"
    assert metrics["Pool members per expected opening"] == "4.5"
    assert metrics["Positions with no ready-now nominee"] == "1 / 2"
    metrics = shown["movement"]["metrics"]
    assert metrics["Pool members now"] == "3" and metrics["Stalled members"] == "1"
    assert metrics["High potential, no management aspiration"] == "2"  # S06 specialist, R02 undecided
    assert metrics["Management aspiration, low potential"] == "0"
    # Default period 12 months: 2 members on 2025-11-26, 3 now, S07 left: 1 / 2.5 = 40 % a year.
    assert shown["attrition"]["metrics"]["Pool members leaving the company (per year)"] == "40%"
    assert shown["attrition"]["metrics"]["Everyone leaving the company (per year)"] == f"{2 / 19:.0%}"
    # Besides the first screen's 3: coverage + bench, promotion + tenure + aspiration, attrition, rating + 360 + age band (no gender
    # chart: every gender figure of this small organisation is hidden, test_makeup_hides_small_groups_and_what_would_reveal_them).
    assert {name: (got["charts"] - 3, got["downloads"]) for name, got in shown.items()} == {
        "pool": (2, 1), "succession": (2, 2), "movement": (3, 3), "attrition": (1, 1), "compare": (3, 2), "download": (0, 0)}
    # Every chart states its definition in one line.
    captions = [c for got in shown.values() for c in got["captions"]]
    for start in ("Members = people in the pool", "Entries = nominations", "Seat = active employee at job level 7+", "Positions = job titles", "People below job level 7 on 2025-11-26",
                  "Complete months since entering the pool", "Active employees below job level 7", "Over the last 12 months",
                  "Share of each group by latest annual grade", "Share of each group by average 360"):
        assert any(c.startswith(start) for c in captions), start
    assert shown["download"]["infos"][-1].startswith("No review cycle has been closed yet.")

    # The period and department filters change the figures; the chosen section stays.
    at.selectbox(key="trends_months").select(24).run()
    got = section(at, "attrition")
    # 0 members on 2024-11-26, 3 now, S07 left: 1 / 1.5 over two years = 33 % a year; the pool grew from none.
    assert got["metrics"]["Pool members leaving the company (per year)"] == "33%"
    assert any(c.startswith("New: 3 members now, none on 2024-11-26.") for c in got["captions"])
    # Nobody was in the pool on 2024-11-26: no promotion chart, and the page says what to do instead.
    got = section(at, "movement")
    assert got["charts"] - 3 == 2
    assert ("No one in your department(s) was in the pool on the first day of the period. Choose a shorter period, or nominate candidates first."
            in got["infos"])
    at.selectbox(key="trends_department").select("R&D").run()
    got = section(at, "succession")
    assert got["metrics"]["Middle-management seats"] == "1" and got["metrics"]["Pool members now"] == "1"
    assert any(c.replace("\\", "").startswith("R&D Manager: 0 of 1 seats have a successor.") for c in got["captions"])  # one department: its positions
    assert section(at, "attrition")["metrics"]["Pool members leaving the company (per year)"] == "0%"

    # With an empty pool the page says what to do (default filters again).
    with workspace.connect() as con:
        con.execute("DELETE FROM nominations")
    st.cache_data.clear()
    at.selectbox(key="trends_months").select(12)
    at.selectbox(key="trends_department").select("")
    got = section(at, "pool")
    assert "No one in your department(s) was in the pool in this period. Nominate candidates first; the charts follow the nominations." in got["infos"]
    assert any(c.startswith("No one is in the pool, and no one was on 2025-11-26.") for c in got["captions"])
    assert got["metrics"]["Seats with a successor"] == "0%"


def test_department_head_sees_only_their_department_and_a_crafted_department_value_is_refused(page_env: Path) -> None:
    at = trends_page("head")
    assert at.selectbox(key="trends_department").options == ["All your departments", "R&D"]
    metrics = section(at, "succession")["metrics"]
    assert metrics["Middle-management seats"] == "1"
    assert metrics["Pool members now"] == "1"
    assert metrics["Positions with no ready-now nominee"] == "1 / 1"  # R&D Manager
    at.switch_page("pages/account.py").run()  # away from the page, so its selectbox holds no value
    at.session_state["trends_department"] = "Sales"  # as a crafted widget message would set it
    at.switch_page("pages/trends.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.error[0].value.replace("\\", "") == "Sales is not one of your departments (R&D); showing all of yours instead."  # values shown as plain text (escaped)
    assert {m.label: m.value for m in at.metric}["Seats with a successor"] == "0%"  # R&D's 0 of 1, not Sales' 1 of 2
    assert section(at, "succession")["metrics"]["Middle-management seats"] == "1"  # R&D's, not Sales' 2


def test_viewer_cannot_open_the_trends_page(page_env: Path) -> None:
    at = signed_in("viewer")
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page("pages/trends.py")
