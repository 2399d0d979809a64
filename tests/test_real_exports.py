"""Real exports import as they are exported (issue #11): the corpus under tests/data/exports/.

Each fixture folder holds files shaped like a real HR export (foreign headers, their own value words)
and the mapping TOML that imports them without editing the files. Every expected count below follows
from how tests/data/exports/make_exports.py builds the files; the arithmetic is in the comments (and
next to each builder in the generator). None of them was copied from a run's output.
"""
from __future__ import annotations

import csv
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from services.cli import main
from pipelines.ingest import ingest
from pipelines.read import ImportFileError
from tests.conftest import rows

# Its module fixtures are built once: keep the module on one test worker (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("exports")

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = Path(__file__).parent / "data" / "exports"

# fixture folder -> (mapping file in the folder, the as-of date the export describes)
FIXTURES = {
    "roster_ages": ("ibm_attrition.toml", date(2024, 12, 31)),
    "ratings_review_date": ("workday_reviews.toml", date(2025, 6, 30)),
    "promotion_list": ("hr_analytics_promotion.toml", date(2025, 12, 31)),
    "survey_360": ("survey_360.toml", date(2025, 12, 31)),
    "roster_mmddyy": ("hrdataset_v14.toml", date(2025, 12, 31)),
    "dingtalk_roster": ("dingtalk_roster.toml", date(2025, 12, 31)),
}


def mapping(name: str) -> str:
    return str(EXPORTS / name / FIXTURES[name][0])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_csv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """Each fixture folder imported once, with its mapping alone, into its own database.
    The import runs inside the first test that asks (after conftest has pointed TALENT_CONFIG at a copy)."""
    cache: dict[str, tuple[dict, Path] | BaseException] = {}

    def get(name: str) -> tuple[dict, Path]:
        if name not in cache:
            db = tmp_path_factory.mktemp(name) / "talent.duckdb"
            try:
                cache[name] = (ingest([EXPORTS / name], db, preset=mapping(name), as_of=FIXTURES[name][1]), db)
            except Exception as exc:  # every test of this fixture reports the same failure
                cache[name] = exc
        got = cache[name]
        if isinstance(got, BaseException):
            raise got
        return got

    return get


def assert_counts(summary: dict, entity: str, *, loaded: int, quarantined: int, duplicates: int, skipped: int = 0) -> None:
    """read = the rows that are this entity (a file's rows minus the skipped ones); nothing is lost:
    each is loaded, quarantined or an exact duplicate collapsed into another."""
    e = summary["entities"][entity]
    got = {"read": e["read"], "loaded": e["loaded"], "quarantined": e["quarantined"],
           "exact_duplicates": e["exact_duplicates"], "skipped": e.get("skipped", 0)}
    assert got == {"read": loaded + quarantined + duplicates, "loaded": loaded, "quarantined": quarantined,
                   "exact_duplicates": duplicates, "skipped": skipped}, f"{entity}: {e}"


def table_and_quarantine(db: Path, entity: str) -> tuple[int, int]:
    n = rows(db, f'SELECT count(*) FROM "{entity}"')[0][0]
    q = rows(db, "SELECT count(*) FROM quarantine WHERE entity = ?", [entity])[0][0]
    return n, q


def quarantine_of(db: Path, entity: str) -> dict[int, tuple[str, str]]:
    """spreadsheet row number -> (column, reason)"""
    got = rows(db, "SELECT row_number, column_name, reason FROM quarantine WHERE entity = ? ORDER BY row_number", [entity])
    return {r: (c, why) for r, c, why in got}


def file_entry(summary: dict, file_name: str, entity: str | None = None) -> dict:
    found = [f for f in summary["files"] if Path(f["file"]).name == file_name and (entity is None or f["entity"] == entity)]
    assert found, [(f["file"], f["entity"]) for f in summary["files"]]
    return found[0]


# ---------------------------------------------------------------------------------------------------
# 1. roster_ages: IBM attrition data set, 60 rows, no names, no dates
# ---------------------------------------------------------------------------------------------------
def test_roster_ages_counts(imported) -> None:
    summary, db = imported("roster_ages")
    # 60 rows; row i = 12 (spreadsheet row 14, EmployeeNumber 17): Age 25, YearsAtCompany 15 → hired at 10,
    # before birth + 14 years → quarantined. 59 loaded.
    assert_counts(summary, "employees", loaded=59, quarantined=1, duplicates=0)
    # 3 attributes (MonthlyIncome, JobSatisfaction, OverTime), never empty: 60 × 3 = 180 rows; the 3 of
    # EmployeeNumber 17 name an employee that was not loaded → 177 loaded, 3 quarantined.
    assert_counts(summary, "employee_attributes", loaded=177, quarantined=3, duplicates=0)
    assert table_and_quarantine(db, "employees") == (59, 1)
    assert table_and_quarantine(db, "employee_attributes") == (177, 3)
    q = quarantine_of(db, "employees")
    assert set(q) == {14} and "hire_date" in q[14][1], q
    assert rows(db, "SELECT count(*) FROM employees WHERE employee_id = '17'") == [(0,)]


def test_roster_ages_values(imported) -> None:
    summary, db = imported("roster_ages")
    # Departments by i % 10: 0-5 R&D (36), 6-8 Sales (18), 9 HR (6); "Research  &  Development", " Sales",
    # "SALES", "HUMAN  RESOURCES" … fold after trimming and the values map; row 12 (R&D) is quarantined.
    assert dict(rows(db, "SELECT department, count(*) FROM employees GROUP BY 1")) == {"R&D": 35, "Sales": 18, "Human Resources": 6}
    # Attrition "Yes" when i % 6 == 1: 10 rows, none of them row 12.
    assert dict(rows(db, "SELECT status, count(*) FROM employees GROUP BY 1")) == {"left": 10, "active": 49}
    # EmployeeNumber 1 (row 0): no name → the employee id (dates: test_years_before_is_calendar_years).
    assert rows(db, "SELECT name, status, gender, job_level, position FROM employees WHERE employee_id = '1'") == [
        ("1", "active", "female", 1, "Research Scientist")
    ]
    assert rows(db, "SELECT count(*) FROM employees WHERE name <> employee_id OR birth_date IS NULL OR hire_date IS NULL") == [(0,)]
    assert rows(db, "SELECT min(year(birth_date)) >= 1900, max(hire_date) <= DATE '2024-12-31' FROM employees") == [(True, True)]
    # MonthlyIncome of row 0 = 2000 + JobLevel 1 × 2500 + 0; OverTime "Yes" (i % 4 == 0); JobSatisfaction 1.
    assert dict(rows(db, "SELECT attribute, value FROM employee_attributes WHERE employee_id = '1'")) == {
        "monthly_income": "4500", "job_satisfaction": "1", "overtime": "Yes"
    }
    assert dict(rows(db, "SELECT attribute, count(*) FROM employee_attributes GROUP BY 1")) == {
        "monthly_income": 59, "job_satisfaction": 59, "overtime": 59
    }
    entry = file_entry(summary, "WA_Fn-UseC_-HR-Employee-Attrition.csv", "employees")
    assert {"birth_date", "hire_date", "name"} <= set(entry["derived"]), entry.get("derived")  # name: the built-in fallback
    assert "BusinessTravel" in entry["ignored_columns"] and "MonthlyIncome" not in entry["ignored_columns"]


# ---------------------------------------------------------------------------------------------------
# 2. ratings_review_date: Workday worker report + reviews with a Review Date and text grades
# ---------------------------------------------------------------------------------------------------
def test_ratings_review_date_counts(imported) -> None:
    summary, db = imported("ratings_review_date")
    assert_counts(summary, "employees", loaded=40, quarantined=0, duplicates=0)
    # 40 workers × December 2022/2023/2024 = 120 rows (spreadsheet rows 2-121) + 5 late rows (122-126):
    #   122 21003 reviewed 2026-01-12 → period 2026 after the as-of year 2025
    #   123 21005 "Not Rated" → rating missing
    #   124 29999 → not a worker
    #   125 21007 mid-year 2024-06-28 (C) and row 88 (21007's 2024 year-end, A: 80 + 6 + 2) → same key, conflict
    #   126 21010 without a Review Date → period missing
    # 125 read = 119 loaded + 6 quarantined.
    assert_counts(summary, "performance_ratings", loaded=119, quarantined=6, duplicates=0)
    assert table_and_quarantine(db, "performance_ratings") == (119, 6)
    q = quarantine_of(db, "performance_ratings")
    assert set(q) == {88, 122, 123, 124, 125, 126}, q
    assert q[122][0] == "period" and q[123][0] == "rating" and q[124][0] == "employee_id" and q[126][0] == "period", q
    assert "rating is missing" in q[123][1] and "unknown employee_id" in q[124][1] and "period is missing" in q[126][1], q
    assert "duplicate key" in q[88][1] and "duplicate key" in q[125][1], q


def test_ratings_review_date_values(imported) -> None:
    summary, db = imported("ratings_review_date")
    # Derived period = year of the review date; 21007's 2024 rows are both quarantined.
    assert dict(rows(db, "SELECT period, count(*) FROM performance_ratings GROUP BY 1")) == {"2022": 40, "2023": 40, "2024": 39}
    # 21001 (w = 0): grade index (w + year) % 8 → 2022: 6 "Needs Improvement" → C, 2023: 7 "Does Not Meet" → D,
    # 2024: 0 "Fully Meets" → B.
    assert dict(rows(db, "SELECT period, rating FROM performance_ratings WHERE employee_id = '21001'")) == {"2022": "C", "2023": "D", "2024": "B"}
    # "Exceeds Expectations" is B+ in this company (the mapping overrides the canonical preset's A):
    # worker 21002 (w = 1) in 2024: (1 + 2024) % 8 = 1 → "Exceeds Expectations" → B+.
    assert rows(db, "SELECT rating FROM performance_ratings WHERE employee_id = '21002' AND period = '2024'") == [("B+",)]
    # Hire Date MM/DD/YYYY: worker 21001 (w = 0) hired 01/01/2012; 21038-21040 left on 03/31/2025.
    assert rows(db, "SELECT hire_date FROM employees WHERE employee_id = '21001'") == [(date(2012, 1, 1),)]
    assert rows(db, "SELECT employee_id, status, exit_date FROM employees WHERE status = 'left' ORDER BY 1") == [
        (str(w), "left", date(2025, 3, 31)) for w in (21038, 21039, 21040)
    ]
    entry = file_entry(summary, "Performance_Review_Ratings.csv", "performance_ratings")
    assert "period" in entry["derived"], entry.get("derived")


# ---------------------------------------------------------------------------------------------------
# 3. promotion_list: one snapshot, 1,500 rows, feeding four entities
# ---------------------------------------------------------------------------------------------------
PROMO = EXPORTS / "promotion_list" / "hr_analytics_promotion_train.csv"
RATING = {"5.0": "A", "4.0": "B+", "3.0": "B", "2.0": "C", "1.0": "D"}


def test_promotion_list_file_is_as_built() -> None:
    # The construction rules the counts below rely on (see make_exports.py).
    data = read_csv(PROMO)
    assert len(data) == 1500 and len({r["employee_id"] for r in data}) == 1500
    assert sum(r["is_promoted"] == "1" for r in data) == 120  # the top 8 % of the latent score
    assert [i for i, r in enumerate(data) if r["previous_year_rating"] == ""] == [i for i in range(1500) if i % 15 == 7]  # 100 rows
    assert all(int(r["age"]) - int(r["length_of_service"]) >= 19 for r in data)


def test_promotion_list_counts(imported) -> None:
    summary, db = imported("promotion_list")
    # employees: all 1,500 rows load.
    assert_counts(summary, "employees", loaded=1500, quarantined=0, duplicates=0)
    # performance_ratings: 1,500 rows, the 100 with a blank previous_year_rating (i % 15 == 7) have no
    # rating → quarantined ("rating is missing"); 1,400 loaded, all for the default period 2024.
    assert_counts(summary, "performance_ratings", loaded=1400, quarantined=100, duplicates=0)
    # promotions: only the 120 rows with is_promoted = 1 are read; the other 1,380 are skipped, never quarantined.
    assert_counts(summary, "promotions", loaded=120, quarantined=0, duplicates=0, skipped=1380)
    # employee_attributes: 4 attributes × 1,500 rows, never empty (0 is a value).
    assert_counts(summary, "employee_attributes", loaded=6000, quarantined=0, duplicates=0)
    assert table_and_quarantine(db, "employees") == (1500, 0)
    assert table_and_quarantine(db, "performance_ratings") == (1400, 100)
    assert table_and_quarantine(db, "promotions") == (120, 0)
    assert table_and_quarantine(db, "employee_attributes") == (6000, 0)
    q = quarantine_of(db, "performance_ratings")
    assert set(q) == {i + 2 for i in range(1500) if i % 15 == 7}
    assert all(c == "rating" and "rating is missing" in why for c, why in q.values())


def test_promotion_list_values(imported) -> None:
    summary, db = imported("promotion_list")
    data = read_csv(PROMO)
    promoted = sorted(r["employee_id"] for r in data if r["is_promoted"] == "1")
    assert [r[0] for r in rows(db, "SELECT employee_id FROM promotions ORDER BY 1")] == promoted
    assert rows(db, "SELECT DISTINCT effective_date, from_level, to_level, into_management FROM promotions") == [(date(2025, 6, 30), 6, 7, True)]
    assert dict(rows(db, "SELECT job_level, count(*) FROM employees GROUP BY 1")) == {7: 120, 6: 1380}
    expected = Counter(RATING[r["previous_year_rating"]] for r in data if r["previous_year_rating"])
    assert dict(rows(db, "SELECT rating, count(*) FROM performance_ratings GROUP BY 1")) == dict(expected)
    assert rows(db, "SELECT DISTINCT period FROM performance_ratings") == [("2024",)]
    first = data[0]
    assert rows(db, "SELECT gender, location FROM employees WHERE employee_id = ?", [first["employee_id"]]) == [
        ({"m": "male", "f": "female"}[first["gender"]], first["region"])
    ]
    assert rows(db, "SELECT min(year(birth_date)) >= 1900 FROM employees") == [(True,)]
    # Attributes: one row per person and attribute, period missing, values as in the file.
    assert dict(rows(db, "SELECT attribute, count(*) FROM employee_attributes WHERE period IS NULL GROUP BY 1")) == {
        "kpis_met": 1500, "awards_won": 1500, "avg_training_score": 1500, "no_of_trainings": 1500
    }
    assert rows(db, "SELECT count(*) FROM employee_attributes WHERE attribute = 'kpis_met' AND value = '1'") == [
        (sum(r["KPIs_met >80%"] == "1" for r in data),)
    ]
    assert rows(db, "SELECT value FROM employee_attributes WHERE attribute = 'avg_training_score' AND employee_id = ?", [first["employee_id"]]) == [
        (first["avg_training_score"],)
    ]
    derived = file_entry(summary, PROMO.name, "promotions")["derived"]
    assert {"effective_date", "to_level", "into_management"} <= set(derived), derived


def test_years_before_is_calendar_years(imported) -> None:
    """'N years before' a date is the same day N calendar years earlier: someone whose Age is 41 on
    2024-12-31 was born on 1983-12-31 (not 1984-01-01, which makes them 40)."""
    _, db = imported("roster_ages")
    # EmployeeNumber 1: Age 41, YearsAtCompany 6, as of 2024-12-31.
    assert rows(db, "SELECT birth_date, hire_date FROM employees WHERE employee_id = '1'") == [(date(1983, 12, 31), date(2018, 12, 31))]
    ibm = {r["EmployeeNumber"]: r for r in read_csv(EXPORTS / "roster_ages" / "WA_Fn-UseC_-HR-Employee-Attrition.csv")}
    got = rows(db, "SELECT employee_id, birth_date, hire_date FROM employees ORDER BY 1")
    wrong = [(e, b, h, ibm[e]["Age"], ibm[e]["YearsAtCompany"]) for e, b, h in got
             if (b, h) != (date(2024 - int(ibm[e]["Age"]), 12, 31), date(2024 - int(ibm[e]["YearsAtCompany"]), 12, 31))]
    assert not wrong, f"{len(wrong)} of {len(got)} derived dates are not calendar years before 2024-12-31, e.g. {wrong[:3]}"
    # The age the app shows is the file's Age.
    assert rows(db, "SELECT count(*) FROM analysis_employee a JOIN employees e USING (employee_id) "
                    "WHERE a.age <> 2024 - year(e.birth_date)") == [(0,)]
    ages = dict(rows(db, "SELECT employee_id, age FROM analysis_employee"))
    assert {e: a for e, a in ages.items() if a != int(ibm[e]["Age"])} == {}
    # The promotion list: reference 2024-12-31 given in the mapping.
    _, db = imported("promotion_list")
    first = read_csv(PROMO)[0]
    assert rows(db, "SELECT birth_date, hire_date FROM employees WHERE employee_id = ?", [first["employee_id"]]) == [
        (date(2024 - int(first["age"]), 12, 31), date(2024 - int(first["length_of_service"]), 12, 31))
    ]


def test_promotion_list_gives_the_model_labelled_snapshots(imported) -> None:
    _, db = imported("promotion_list")
    # As of 2025-12-31, the 2024-12-31 snapshot's label window (2025) is closed: 1,500 candidates at
    # level 6, of whom the 120 promoted on 2025-06-30 carry the label.
    assert rows(db, "SELECT count(*), count(*) FILTER (WHERE label), bool_and(label_complete) FROM analysis_snapshots WHERE as_of = DATE '2024-12-31'") == [
        (1500, 120, True)
    ]
    assert rows(db, "SELECT as_of_date FROM analysis_meta") == [(date(2025, 12, 31),)]


# ---------------------------------------------------------------------------------------------------
# 4. survey_360: participant list + raw 360° dump
# ---------------------------------------------------------------------------------------------------
DUMP = EXPORTS / "survey_360" / "360_responses_export.csv"
BAD_SCORES = ("null", "N/A", "11")


def test_survey_360_counts(imported) -> None:
    summary, db = imported("survey_360")
    assert_counts(summary, "employees", loaded=12, quarantined=0, duplicates=0)
    # 2 cycles × 8 ratees × 4 relations × 4 competencies = 256 rows + 10 extra copies = 266 in the file;
    # 64 self rows (flag "Yes") skipped, 202 read; of these: 10 exact copies (the "11" row 4 more times, the
    # "null" row 2 more times, E1007's 2024 peer response 4 rows once more), 3 quarantined (null, N/A, 11,
    # each once), 202 - 10 - 3 = 189 loaded.
    assert_counts(summary, "feedback_360", loaded=189, quarantined=3, duplicates=10, skipped=64)
    # The batch: 12 + 202 rows read, 12 + 189 loaded.
    assert summary["headline"].startswith("loaded 201 of 214 rows (3 quarantined, 10 duplicates"), summary["headline"]
    assert table_and_quarantine(db, "feedback_360") == (189, 3)


def test_survey_360_bad_rows_quarantined_once(imported) -> None:
    _, db = imported("survey_360")
    data = read_csv(DUMP)
    first = {s: next(i + 2 for i, r in enumerate(data) if r["Score (1-10)"] == s) for s in BAD_SCORES}
    got = rows(db, "SELECT row_number, value, reason, raw_row FROM quarantine WHERE entity = 'feedback_360' ORDER BY row_number")
    assert len(got) == 3, got
    by_row = {r: (v, why, json.loads(raw)) for r, v, why, raw in got}
    assert set(by_row) == set(first.values()), (first, list(by_row))
    v, why, raw = by_row[first["11"]]
    assert "(5 identical rows)" in why and "score" in why, why
    assert raw["Score (1-10)"] == "11" and raw["Employee ID"] == "E1005"  # the source row as read, source labels
    assert "(3 identical rows)" in by_row[first["null"]][1], by_row[first["null"]]
    assert "identical rows" not in by_row[first["N/A"]][1] and "missing" in by_row[first["N/A"]][1], by_row[first["N/A"]]


def test_survey_360_values(imported) -> None:
    summary, db = imported("survey_360")
    # Cycle = year of the timestamp: 96 non-self rows per cycle; 2023 loses the N/A row, 2024 the null and 11 rows.
    assert dict(rows(db, "SELECT cycle, count(*) FROM feedback_360 GROUP BY 1")) == {"2023": 95, "2024": 94}
    # 64 rows per relation (2 × 8 × 4), each relation losing one quarantined row; no self rows.
    assert dict(rows(db, "SELECT rater_relation, count(*) FROM feedback_360 GROUP BY 1")) == {"manager": 63, "peer": 63, "direct_report": 63}
    # 1-10 → 1-5: s ↦ 1 + (s - 1) × 4 / 9. E1001's manager, 2023, first competency: 3 + (0 + 0 + 0 + 2023) % 8 = 10 → 5;
    # their peer: 3 + (0 + 2 + 0 + 2023) % 8 = 4 → 1 + 3 × 4 / 9.
    got = dict(rows(db, "SELECT rater_relation, score FROM feedback_360 WHERE employee_id = 'E1001' AND cycle = '2023' "
                        "AND competency LIKE 'Leadership:%' AND rater_relation IN ('manager', 'peer')"))
    assert got["manager"] == pytest.approx(5.0) and got["peer"] == pytest.approx(1 + 12 / 9)
    assert rows(db, "SELECT min(score) >= 1, max(score) <= 5 FROM feedback_360") == [(True, True)]
    # The four ~150-character competency titles are stored whole.
    lengths = sorted(len(c) for (c,) in rows(db, "SELECT DISTINCT competency FROM feedback_360"))
    assert lengths == sorted({len(r["Competency"]) for r in read_csv(DUMP)}) and min(lengths) > 140
    # A comment that says "N/A" stays (per-column missing_values = []): count the distinct loaded rows that have one.
    loaded_rows = {tuple(r.values()) for r in read_csv(DUMP) if r["Is Self-Review"] == "No" and r["Score (1-10)"] not in BAD_SCORES}
    assert len(loaded_rows) == 189
    assert rows(db, "SELECT count(*) FROM feedback_360 WHERE comment = 'N/A'") == [(sum(r[-1] == "N/A" for r in loaded_rows),)]
    derived = file_entry(summary, DUMP.name, "feedback_360")["derived"]
    assert "cycle" in derived, derived


def test_survey_360_preview_counts_match_the_import(imported) -> None:
    """The mapping screen's preview of the dump promises what the import then does."""
    from pipelines.ingest import preview

    summary, db = imported("survey_360")
    shown = preview(DUMP, db, mapping("survey_360"), entity="feedback_360", as_of=date(2025, 12, 31))
    e = summary["entities"]["feedback_360"]
    assert shown.counts == {k: e[k] for k in ("read", "loaded", "quarantined", "exact_duplicates", "skipped")}, (shown.counts, e)
    assert shown.loaded.height == 189 and set(shown.loaded["rater_relation"]) == {"manager", "peer", "direct_report"}


def test_survey_360_reimport_replaces_and_never_duplicates(imported, tmp_path: Path) -> None:
    _, db = imported("survey_360")
    copy = tmp_path / "again.duckdb"
    shutil.copyfile(db, copy)
    again = ingest([EXPORTS / "survey_360"], copy, preset=mapping("survey_360"), as_of=date(2025, 12, 31))
    assert_counts(again, "feedback_360", loaded=189, quarantined=3, duplicates=10, skipped=64)
    assert rows(copy, "SELECT count(*) FROM feedback_360") == [(189,)] and rows(copy, "SELECT count(*) FROM employees") == [(12,)]


# ---------------------------------------------------------------------------------------------------
# 5. roster_mmddyy: HRDataset_v14 shape, MM/DD/YY dates, manager numbers
# ---------------------------------------------------------------------------------------------------
def test_roster_mmddyy_counts(imported) -> None:
    summary, db = imported("roster_mmddyy")
    # 40 rows; quarantined: 10013 (row 14) born 06/02/17 → 8 years old on 2025-12-31; 10021 (row 22) hired
    # 09/01/2031, after as-of + 1 year; 10030 (row 31) born 23/04/88, not a date. 37 loaded.
    assert_counts(summary, "employees", loaded=37, quarantined=3, duplicates=0)
    assert table_and_quarantine(db, "employees") == (37, 3)
    q = quarantine_of(db, "employees")
    assert set(q) == {14, 22, 31}, q
    assert "birth_date" in q[14][1] and "hire_date" in q[22][1] and "birth_date" in q[31][1], q
    # ManagerID holds manager numbers 1-9, never an EmpID (10001+); it is empty for 10039 and 10040:
    # 37 loaded - 2 = 35 links point nowhere.
    assert any("35 manager links point to no employee" in w for w in summary["warnings"]), summary["warnings"]


def test_roster_mmddyy_values(imported) -> None:
    _, db = imported("roster_mmddyy")
    assert rows(db, "SELECT birth_date, hire_date, name FROM employees WHERE employee_id = '10001'") == [
        (date(1983, 5, 12), date(2006, 1, 1), "Adinolfi, Wilson K")
    ]
    assert rows(db, "SELECT birth_date, hire_date FROM employees WHERE employee_id = '10035'") == [(date(2000, 2, 29), date(2020, 7, 6))]
    # Birth years 51..92 → 1951..1992 (plus 10035's 2000): never 00xx, never in the future.
    assert rows(db, "SELECT min(year(birth_date)), max(year(birth_date)), min(year(hire_date)), max(hire_date) <= DATE '2025-12-31' FROM employees") == [
        (1951, 2000, 2006, True)
    ]
    # "Production       " and the rest, trimmed: 6 departments.
    assert sorted(d for (d,) in rows(db, "SELECT DISTINCT department FROM employees")) == sorted(
        ["Production", "IT/IS", "Software Engineering", "Sales", "Admin Offices", "Executive Office"]
    )
    # Left: i % 9 == 4 (10005, 10014, 10023, 10032) and 10027; "N/A-StillEmployed" is no exit reason.
    assert rows(db, "SELECT employee_id, exit_reason FROM employees WHERE status = 'left' ORDER BY 1") == [
        ("10005", "career change"), ("10014", "career change"), ("10023", "career change"), ("10027", "attendance"), ("10032", "career change")
    ]
    assert rows(db, "SELECT count(*) FROM employees WHERE status = 'active' AND exit_reason IS NULL AND exit_date IS NULL") == [(32,)]
    # Sex "F" when i % 3 == 0 (14 rows, one of them 10013, quarantined), else "M ".
    assert dict(rows(db, "SELECT gender, count(*) FROM employees GROUP BY 1")) == {"female": 13, "male": 24}
    assert rows(db, "SELECT manager_id FROM employees WHERE employee_id IN ('10001', '10009') ORDER BY employee_id") == [("1",), ("9",)]


# ---------------------------------------------------------------------------------------------------
# 6. dingtalk_roster: DingTalk 花名册 XLSX
# ---------------------------------------------------------------------------------------------------
def test_dingtalk_roster_counts(imported) -> None:
    summary, db = imported("dingtalk_roster")
    # 30 rows; quarantined: row 18 (000117, 主部门 "无" → department missing) and row 30 (no 工号). 28 loaded.
    assert_counts(summary, "employees", loaded=28, quarantined=2, duplicates=0)
    assert table_and_quarantine(db, "employees") == (28, 2)
    q = quarantine_of(db, "employees")
    assert set(q) == {18, 30} and q[18][0] == "department" and q[30][0] == "employee_id", q
    # Every 直属主管id is 000101..000105 (all loaded) or 无: no dangling manager link.
    assert not [w for w in summary.get("warnings", []) if "manager links" in w and not w.startswith("0 ")], summary["warnings"]
    entry = file_entry(summary, "花名册_20251231.xlsx", "employees")
    assert all(c in entry["ignored_columns"] for c in ("手机号", "邮箱", "员工类型")), entry["ignored_columns"]


def test_dingtalk_roster_values(imported) -> None:
    _, db = imported("dingtalk_roster")
    # 000102 (i = 1): 入职时间 2013年02月08日, 出生日期 1976年06月04日.
    assert rows(db, "SELECT name, department, hire_date, birth_date, manager_id, gender FROM employees WHERE employee_id = '000102'") == [
        ("李芳", "研发中心", date(2013, 2, 8), date(1976, 6, 4), "000101", "male")
    ]
    assert rows(db, "SELECT manager_id, job_level, hire_date FROM employees WHERE employee_id = '000101'") == [(None, 9, date(2012, 1, 1))]
    # 5 departments once the trailing ideographic space (rows i = 9, 21) is trimmed.
    assert sorted(d for (d,) in rows(db, "SELECT DISTINCT department FROM employees")) == sorted(["总经办", "研发中心", "销售部", "人力资源部", "财务部"])
    # 岗位职级 无 / - / 空 / empty (i = 7, 12, 18, 23) → missing, not quarantined; 出生日期 - / 空 (i = 8, 15, 24); 性别 无 (i = 11).
    assert rows(db, "SELECT count(*) FILTER (WHERE job_level IS NULL), count(*) FILTER (WHERE birth_date IS NULL), "
                    "count(*) FILTER (WHERE gender IS NULL) FROM employees") == [(4, 3, 1)]
    assert rows(db, "SELECT employee_id, exit_date, exit_reason FROM employees WHERE status = 'left' ORDER BY 1") == [
        ("000106", date(2025, 10, 31), "个人原因"), ("000114", date(2025, 10, 15), "个人原因")
    ]
    assert rows(db, "SELECT count(*) FROM employees WHERE status = 'active' AND exit_date IS NULL AND exit_reason IS NULL") == [(26,)]
    assert rows(db, "SELECT count(*) FROM employees e WHERE manager_id IS NOT NULL AND manager_id NOT IN (SELECT employee_id FROM employees)") == [(0,)]


# ---------------------------------------------------------------------------------------------------
# All fixtures
# ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(FIXTURES))
def test_no_date_before_1900_or_far_ahead(name: str, imported) -> None:
    _, db = imported(name)
    as_of = FIXTURES[name][1]
    got = rows(db, "SELECT count(*) FROM employees WHERE birth_date < DATE '1900-01-01' OR hire_date < DATE '1900-01-01' "
                   "OR hire_date > ?::DATE + INTERVAL 1 YEAR OR date_diff('year', birth_date, ?::DATE) NOT BETWEEN 14 AND 100",
               [as_of, as_of])
    assert got == [(0,)]


def test_the_generator_reproduces_the_committed_files(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_exports", EXPORTS / "make_exports.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.build(tmp_path)
    made = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    data_files = sorted(p.relative_to(EXPORTS) for p in EXPORTS.rglob("*")
                        if p.is_file() and p.suffix in (".csv", ".xlsx") and "__pycache__" not in p.parts)
    assert made == data_files
    for rel in made:
        assert (tmp_path / rel).read_bytes() == (EXPORTS / rel).read_bytes(), rel


def test_the_corpus_is_small_and_complete() -> None:
    files = [p for p in EXPORTS.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert sum(p.stat().st_size for p in files) < 1_000_000
    for name, (mapping_file, _) in FIXTURES.items():
        folder = EXPORTS / name
        assert (folder / mapping_file).is_file() and (folder / "README.md").is_file(), name


# ---------------------------------------------------------------------------------------------------
# Batch behaviour through the command line (a subprocess, as cron runs it)
# ---------------------------------------------------------------------------------------------------
def cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "pipelines", "ingest", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def base_db(imported, tmp_path: Path) -> Path:
    """A copy of the imported IBM roster's database (59 employees), for commands that must not change it."""
    _, db = imported("roster_ages")
    copy = tmp_path / "base.duckdb"
    shutil.copyfile(db, copy)
    return copy


def test_cli_exit_code_2_when_nothing_loads(base_db: Path) -> None:
    before = sha256(base_db)
    # The 360 dump without its participant list: every response names an unknown employee.
    done = cli(str(DUMP), "--preset", mapping("survey_360"), "--as-of", "2025-12-31", "--db", str(base_db))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert re.search(r"nothing (was )?(imported|changed)", (done.stdout + done.stderr).lower()), (done.stdout, done.stderr)
    assert sha256(base_db) == before


def test_nothing_imported_is_an_import_file_error(base_db: Path) -> None:
    before = sha256(base_db)
    with pytest.raises(ImportFileError) as err:
        ingest([DUMP], base_db, preset=mapping("survey_360"), as_of=date(2025, 12, 31))
    assert type(err.value).__name__ == "NothingImported"
    assert sha256(base_db) == before


def test_cli_check_writes_nothing(base_db: Path, capsys) -> None:
    # In-process (same argument parsing and code path as the subprocess above, without a second interpreter start).
    before = sha256(base_db)
    hr = EXPORTS / "roster_mmddyy" / "HRDataset_v14.csv"
    code = main(["ingest", str(hr), "--preset", mapping("roster_mmddyy"), "--as-of", "2025-12-31", "--db", str(base_db), "--check", "--json"])
    out = capsys.readouterr()
    assert code == 0, (out.out, out.err)
    assert sha256(base_db) == before
    summary = json.loads([line for line in out.out.splitlines() if line.startswith("{")][-1])
    assert_counts(summary, "employees", loaded=37, quarantined=3, duplicates=0)
    assert summary["headline"].startswith("loaded 37 of 40 rows (3 quarantined, 0 duplicates)"), summary["headline"]
    assert rows(base_db, "SELECT count(*) FROM employees") == [(59,)]
    # A database that does not exist yet is not created.
    fresh = base_db.with_name("fresh.duckdb")
    code = main(["ingest", str(hr), "--preset", mapping("roster_mmddyy"), "--as-of", "2025-12-31", "--db", str(fresh), "--check"])
    out = capsys.readouterr()
    assert code == 0, (out.out, out.err)
    assert out.out.splitlines()[0].startswith("loaded 37 of 40 rows (3 quarantined, 0 duplicates)"), out.out
    assert not fresh.exists()


def test_cli_max_quarantine_share_rolls_back(base_db: Path, capsys) -> None:
    before = sha256(base_db)
    hr = EXPORTS / "roster_mmddyy" / "HRDataset_v14.csv"
    # 3 of 40 rows quarantined = 7.5 % > 1 %: the batch is rolled back, exit code 2.
    code = main(["ingest", str(hr), "--preset", mapping("roster_mmddyy"), "--as-of", "2025-12-31", "--db", str(base_db),
                 "--max-quarantine-share", "0.01"])
    out = capsys.readouterr()
    assert code == 2, (out.out, out.err)
    assert sha256(base_db) == before
    # 7.5 % ≤ 10 %: imported.
    summary = ingest([hr], base_db, preset=mapping("roster_mmddyy"), as_of=date(2025, 12, 31), max_quarantine_share=0.10)
    assert summary["entities"]["employees"]["loaded"] == 37
    assert rows(base_db, "SELECT count(*) FROM employees") == [(59 + 37,)]
