"""The mapping screen's service: guesses, suggestions, unmatched values and the mapping dict, on small files
shaped like real exports (written here, none shipped)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipelines import mapping_builder as mb
from pipelines.mapping_builder import NONE, Choice
from pipelines.settings import load_mapping

CANONICAL = load_mapping("canonical")

US_ROSTER = """Employee_Name,EmpID,Sex,DOB,DateofHire,DateofTermination,TermReason,EmploymentStatus,Department,Position,ManagerID
"Adinolfi, Wilson",10026,M ,07/10/83,7/5/2011,,N/A-StillEmployed,Active,Production       ,Production Technician I,22
"Ait Sidi, Karthikeyan",10084,F,05/05/75,3/30/2015,6/16/2016,career change,Voluntarily Terminated,IT/IS,Sr. DBA,4
"Akinkuolie, Sarah",10196,F,09/19/88,7/5/2011,9/24/2012,hours,Terminated for Cause,Production       ,Production Technician II,20
"Alagbe,Trina",10088,F,09/27/88,1/7/2008,,N/A-StillEmployed,Active,Production       ,Production Technician I,16
"""

ATTRITION = """Age,Attrition,BusinessTravel,Department,EmployeeNumber,Gender,JobLevel,JobRole,YearsAtCompany
41,Yes,Travel_Rarely,Sales,1,Female,2,Sales Executive,6
49,No,Travel_Frequently,Research & Development,2,Male,2,Research Scientist,10
37,Yes,Travel_Rarely,Research & Development,4,Male,1,Laboratory Technician,0
"""

DINGTALK = """工号,姓名,主部门,职位,入职日期,出生日期,性别,员工状态,直属主管工号
D001,张伟,销售部,销售总监,2015年03月01日,1980年05月12日,男,正式,
D002,李娜,销售部,销售经理,2019年07月15日,1990年11月02日,女,试用,D001
D003,王芳,研发部,工程师,2025年03月01日,1998年01月30日,女,在职,D001
"""

SURVEY = """Timestamp,Employee No,Rater,Relationship to Ratee,Competency,Score,Is Self
2025-03-04 10:22:01,E1,E1,Self,Builds and leads high-performing teams,8,yes
2025-03-04 10:25:13,E1,E2,Line Manager,Builds and leads high-performing teams,9,no
2025-03-05 09:01:44,E1,E3,Direct Report,Builds and leads high-performing teams,null,no
2025-03-05 09:01:44,E1,E3,Direct Report,Builds and leads high-performing teams,null,no
2025-03-06 16:40:00,E2,E4,Colleague,Builds and leads high-performing teams,7,no
"""

RATINGS = """Staff No,Review Date,Performance Rating,Reviewer Comments
E1,2024-12-15,Exceeds Expectations,great year
E2,2024-12-16,Outstanding,
E3,2024-12-16,Meets,
E4,2024-12-18,Below Par,
E5,2024-12-18,N/A,new joiner
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_us_roster_is_mapped_by_its_headers_with_two_digit_birth_years(tmp_path: Path) -> None:
    frame = mb.read_export(write(tmp_path, "HRDataset_v14.csv", US_ROSTER))
    assert mb.guess_entity("HRDataset_v14.csv", frame.columns) == "employees"
    choices = mb.suggest_columns("employees", frame)
    assert {c: (x.kind, x.source) for c, x in choices.items()} == {
        "employee_id": ("column", "EmpID"), "name": ("column", "Employee_Name"), "department": ("column", "Department"),
        "position": ("column", "Position"), "job_level": ("none", None), "manager_id": ("column", "ManagerID"),
        "hire_date": ("column", "DateofHire"), "birth_date": ("column", "DOB"), "gender": ("column", "Sex"),
        "location": ("none", None), "status": ("column", "EmploymentStatus"), "exit_date": ("column", "DateofTermination"),
        "exit_reason": ("column", "TermReason"),
    }
    assert mb.unresolved_required("employees", choices) == []
    # 07/10/83 is 1983 (two-digit year), never the year 0083; hire dates have four digits.
    assert mb.date_formats(frame, "employees", choices, today=date(2025, 12, 31)) == ["%m/%d/%Y", "%m/%d/%y"]
    # M and F are in the canonical preset's value map; "Active" is canonical; the two kinds of leaving are not.
    assert mb.unmatched_values("employees", frame, choices, CANONICAL) == {
        "status": [("Terminated for Cause", 1), ("Voluntarily Terminated", 1)],
    }
    assert [mb.suggest_value("employees", "status", v) for v in ("Terminated for Cause", "Voluntarily Terminated")] == ["left", "left"]


def test_an_attrition_data_set_derives_birth_and_hire_dates_from_age_and_service_years(tmp_path: Path) -> None:
    frame = mb.read_export(write(tmp_path, "WA_Fn-UseC_-HR-Employee-Attrition.csv", ATTRITION))
    assert mb.guess_entity("WA_Fn-UseC_-HR-Employee-Attrition.csv", frame.columns) == "employees"
    choices = mb.suggest_columns("employees", frame)
    assert {c: x for c, x in choices.items() if x.chosen} == {
        "employee_id": Choice("column", "EmployeeNumber", reason="header"),
        "department": Choice("column", "Department", reason="header"),
        "position": Choice("column", "JobRole", reason="header"),
        "job_level": Choice("column", "JobLevel", reason="header"),
        "gender": Choice("column", "Gender", reason="header"),
        "birth_date": Choice("derive", "Age", how="years_before", reason="derived_header"),
        "hire_date": Choice("derive", "YearsAtCompany", how="years_before", reason="derived_header"),
    }
    # Attrition Yes/No is not a status column: "Yes" means the person left. Nothing guesses it.
    assert mb.unmatched_values("employees", frame, choices, CANONICAL) == {}
    raw = mb.build_mapping("attrition", "employees", choices, file_name="WA_Fn-UseC_-HR-Employee-Attrition.csv",
                           attributes=["BusinessTravel", "Attrition"])
    assert raw == {
        "name": "attrition", "description": "Made on the Data page for employees", "extends": "canonical",
        "employees": {
            "file_names": ["WA_Fn-UseC_-HR-Employee-Attrition"],
            "columns": {"EmployeeNumber": "employee_id", "Department": "department", "JobRole": "position",
                        "JobLevel": "job_level", "Gender": "gender"},
            "derive": {"hire_date": {"from": "YearsAtCompany", "how": "years_before"},
                       "birth_date": {"from": "Age", "how": "years_before"}},
            "attributes": {"BusinessTravel": "businesstravel", "Attrition": "attrition"},
        },
    }


def test_a_dingtalk_roster_with_chinese_headers_and_dates(tmp_path: Path) -> None:
    frame = mb.read_export(write(tmp_path, "花名册_20251201.csv", DINGTALK))
    assert mb.guess_entity("花名册_20251201.csv", frame.columns) == "employees"
    choices = mb.suggest_columns("employees", frame)
    assert {c: x.source for c, x in choices.items() if x.chosen} == {
        "employee_id": "工号", "name": "姓名", "department": "主部门", "position": "职位", "hire_date": "入职日期",
        "birth_date": "出生日期", "gender": "性别", "status": "员工状态", "manager_id": "直属主管工号",
    }
    assert mb.date_formats(frame, "employees", choices) == ["%Y年%m月%d日"]
    # 男/女 and 在职 are in the canonical value maps; the roster's 正式 and 试用 are not.
    unmatched = mb.unmatched_values("employees", frame, choices, CANONICAL)
    assert unmatched == {"status": [("正式", 1), ("试用", 1)]}
    assert {v: mb.suggest_value("employees", "status", v) for v, _ in unmatched["status"]} == {"正式": "active", "试用": "active"}
    assert mb.file_name_aliases("花名册_20251201.csv") == ["花名册_20251201", "花名册"]


def test_a_360_survey_dump_gets_its_cycle_from_the_timestamp_and_relation_phrases_listed(tmp_path: Path) -> None:
    frame = mb.read_export(write(tmp_path, "survey_dump.csv", SURVEY))
    assert mb.guess_entity("survey_dump.csv", frame.columns) == "feedback_360"
    choices = mb.suggest_columns("feedback_360", frame)
    assert {c: (x.kind, x.source, x.how) for c, x in choices.items()} == {
        "employee_id": ("column", "Employee No", None), "cycle": ("derive", "Timestamp", "year"),
        "rater_id": ("column", "Rater", None), "rater_relation": ("column", "Relationship to Ratee", None),
        "competency": ("column", "Competency", None), "score": ("column", "Score", None), "comment": ("none", None, None),
    }
    # "Direct Report" and "Self" read as canonical values; "null" is missing, not a value.
    unmatched = mb.unmatched_values("feedback_360", frame, choices, CANONICAL)
    assert unmatched == {"rater_relation": [("Colleague", 1), ("Line Manager", 1)]}
    assert [mb.suggest_value("feedback_360", "rater_relation", v) for v, _ in unmatched["rater_relation"]] == ["peer", "manager"]
    assert mb.date_formats(frame, "feedback_360", choices) == ["%Y-%m-%d"]


def test_ratings_with_a_review_date_and_text_grades(tmp_path: Path) -> None:
    frame = mb.read_export(write(tmp_path, "appraisal_results_2024.csv", RATINGS))
    assert mb.guess_entity("appraisal_results_2024.csv", frame.columns) == "performance_ratings"
    choices = mb.suggest_columns("performance_ratings", frame)
    assert choices == {
        "employee_id": Choice("column", "Staff No", reason="header"),
        "period": Choice("derive", "Review Date", how="year", reason="derived_header"),
        "rating": Choice("column", "Performance Rating", reason="header"),
        "score": NONE,
    }
    # The canonical preset maps Exceeds Expectations and Meets; N/A means missing.
    assert mb.unmatched_values("performance_ratings", frame, choices, CANONICAL) == {"rating": [("Below Par", 1), ("Outstanding", 1)]}
    assert mb.suggest_value("performance_ratings", "rating", "Outstanding") == "A"
    assert mb.suggest_value("performance_ratings", "rating", "Below Par") is None
    assert mb.canonical_values("performance_ratings", "rating") == ["A", "B+", "B", "C", "D"]


def test_content_finds_known_employee_ids_grades_and_a_date_for_the_period(tmp_path: Path) -> None:
    text = "Person,When,Mark,Notes\nE1,2024-06-30,A,x\nE2,2024-06-30,B+,\nE3,2024-12-31,C,y\nE9,2024-12-31,B,\n"
    frame = mb.read_export(write(tmp_path, "performance_ratings.csv", text))
    assert mb.guess_entity("performance_ratings.csv", frame.columns) == "performance_ratings"
    choices = mb.suggest_columns("performance_ratings", frame, known_ids={"E1", "E2", "E3", "E4"})
    assert choices == {
        "employee_id": Choice("column", "Person", reason="content"),
        "period": Choice("derive", "When", how="year", reason="content"),
        "rating": Choice("column", "Mark", reason="content"),
        "score": NONE,
    }
    without_ids = mb.suggest_columns("performance_ratings", frame)
    assert without_ids["employee_id"] == NONE
    assert mb.unresolved_required("performance_ratings", without_ids) == ["employee_id"]


def test_promotion_list_and_required_columns_satisfied_by_fallbacks_and_defaults() -> None:
    frame = pl.DataFrame({"Emp ID": ["1"], "Promotion Date": ["2024-03-01"], "Previous Level": ["4"]})
    assert mb.guess_entity("promotion_list.csv", frame.columns) == "promotions"
    choices = mb.suggest_columns("promotions", frame)
    assert choices["to_level"] == Choice("derive", "from_level", how="plus", value="1", reason="content")
    raw = mb.build_mapping("promo", "promotions", choices, file_name="promotion_list.csv")
    assert raw["promotions"] == {
        "file_names": ["promotion_list"],
        "columns": {"Emp ID": "employee_id", "Promotion Date": "effective_date", "Previous Level": "from_level"},
        "derive": {"to_level": {"from": "from_level", "how": "plus", "value": 1}},
    }
    # Training: course_name falls back to course_id, start_date to completion_date; a default fills a required enum.
    training = {"employee_id": Choice("column", "Emp"), "course_id": Choice("column", "Code"), "completion_date": Choice("column", "Done")}
    assert mb.unresolved_required("training_records", training) == []
    assert mb.unresolved_required("training_records", {"employee_id": Choice("column", "Emp")}) == ["course_name", "start_date"]
    projects = {"employee_id": Choice("column", "E"), "project_id": Choice("column", "P"), "start_date": Choice("column", "S")}
    assert mb.unresolved_required("projects", projects) == ["role"]
    assert mb.unresolved_required("projects", {**projects, "role": Choice("default", value="member")}) == []
    assert mb.unresolved_required("projects", {**projects, "role": Choice("default", value="")}) == ["role"]


def test_the_mapping_dict_has_the_spec_shape_and_the_core_loads_and_previews_it(tmp_path: Path) -> None:
    path = write(tmp_path, "HRDataset_v14.csv", US_ROSTER)
    frame = mb.read_export(path)
    choices = {**mb.suggest_columns("employees", frame), "location": Choice("default", value="Boston"),
               "exit_reason": NONE, "name": Choice("column", "EmpID")}  # no names: the id twice → a copy
    values = {"status": {"Voluntarily Terminated": "left", "Terminated for Cause": mb.MISSING}, "gender": {"x": None}}
    raw = mb.build_mapping("us_roster", "employees", choices, values, "HRDataset_v14.csv",
                           mb.date_formats(frame, "employees", choices, today=date(2025, 12, 31)))
    assert raw == {
        "name": "us_roster", "description": "Made on the Data page for employees", "extends": "canonical",
        "date_formats": ["%m/%d/%Y", "%m/%d/%y"],
        "employees": {
            "file_names": ["HRDataset_v14"],
            "columns": {"EmpID": "employee_id", "Department": "department", "Position": "position", "ManagerID": "manager_id",
                        "DateofHire": "hire_date", "DOB": "birth_date", "Sex": "gender", "EmploymentStatus": "status",
                        "DateofTermination": "exit_date"},
            "values": {"status": {"Voluntarily Terminated": "left", "Terminated for Cause": ""}},
            "defaults": {"location": "Boston"},
            "derive": {"name": {"from": "EmpID", "how": "copy"}},
        },
    }
    db = tmp_path / "db" / "talent.duckdb"
    db.parent.mkdir()
    saved = mb.save(raw, "us_roster", db)
    assert saved.parent == db.parent / "mappings" and mb.saved_mapping_names(db) == ["us_roster"]
    with pytest.raises(ValueError):
        mb.save(raw, "../escape", db)
    from pipelines.ingest import preview

    result = preview(path, db, load_mapping("us_roster", db), entity="employees", as_of=date(2025, 12, 31))
    assert result.counts == {"read": 4, "loaded": 4, "quarantined": 0, "exact_duplicates": 0, "skipped": 0}
    loaded = {r["employee_id"]: r for r in result.loaded.iter_rows(named=True)}
    assert loaded["10026"]["birth_date"] == date(1983, 7, 10) and loaded["10026"]["location"] == "Boston"
    assert loaded["10084"]["status"] == "left" and loaded["10196"]["status"] == "left"  # "missing" status → from the exit date
    assert loaded["10026"]["name"] == "10026"


def test_xlsx_and_parquet_exports_are_read_as_text(tmp_path: Path) -> None:
    frame = pl.DataFrame({"Employee ID": [1, 2], "Dept": ["Sales", "R&D"], "Hire Date": ["2020-01-01", "2021-02-03"]})
    frame.write_excel(tmp_path / "staff.xlsx")
    frame.write_parquet(tmp_path / "staff.parquet")
    for name in ("staff.xlsx", "staff.parquet"):
        read = mb.read_export(tmp_path / name)
        assert read.to_dicts() == [{"Employee ID": "1", "Dept": "Sales", "Hire Date": "2020-01-01"},
                                   {"Employee ID": "2", "Dept": "R&D", "Hire Date": "2021-02-03"}], name
        assert mb.guess_entity(name, read.columns) == "employees"


def test_options_and_names() -> None:
    options = mb.options_for("performance_ratings", "period", ["Staff No", "Review Date"])
    assert options == [NONE, Choice("column", "Staff No"), Choice("column", "Review Date"), Choice("default"),
                       Choice("derive", how="year"), Choice("derive", how="half"), Choice("derive", how="quarter")]
    assert [o.how for o in mb.options_for("employees", "birth_date", []) if o.kind == "derive"] == ["years_before"]
    assert mb.enum_columns("projects") == ["role", "cross_department"]
    assert mb.canonical_values("projects", "cross_department") == ["true", "false"]
    assert mb.suggest_value("projects", "cross_department", "是") == "true"
    assert mb.suggested_mapping_name("HR Export (Dec) 2025-12-01.xlsx") == "hr_export_dec"
    assert mb.valid_mapping_name("hr-roster_2") and not mb.valid_mapping_name("a b") and not mb.valid_mapping_name("")
