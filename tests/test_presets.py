"""Mapping presets: DingTalk's roster and a customer's own mapping file."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter

from pipelines.ingest import ingest
from pipelines.settings import available_presets, load_mapping
from tests.conftest import TODAY, rows

ROSTER_HEADERS = ["工号", "姓名", "主部门", "职位", "岗位职级", "直属主管id", "入职时间", "出生日期", "性别", "员工状态", "办公地点", "离职时间", "离职原因"]


def write_roster(path: Path) -> None:
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("花名册")
    ws.write_row(0, 0, ROSTER_HEADERS)
    data = [
        ["00012", "王伟", "销售部", "销售总监", "9", "", "2015-03-01", "1980/05/06", "男", "在职", "杭州", "", ""],
        ["00013", "李娜", "销售部", "销售主管", "6", "00012", "2018/07/15", "1990.01.02", "女", "试用", "上海", "", ""],
        ["00014", "Emily Chen", "研发部", "工程师", "4", "00012", "2021.09.01", "19950228", "女", "离职", "北京", "20250630", "个人原因"],
        ["00015", "张强", "研发部", "工程师", "3", "00014", "20230105", None, "男", "在职", "北京", "", ""],
    ]
    for i, r in enumerate(data, start=1):
        for j, v in enumerate(r):
            if v is not None:
                ws.write_string(i, j, v)
    ws.write_datetime(4, 7, datetime(1998, 12, 24), wb.add_format({"num_format": "yyyy-mm-dd"}))  # a real date cell
    wb.close()


def test_presets_are_listed() -> None:
    assert {"canonical", "dingtalk"} <= set(available_presets())


def test_dingtalk_roster_xlsx(tmp_path: Path) -> None:
    roster = tmp_path / "花名册_20261126.xlsx"
    write_roster(roster)
    db = tmp_path / "d.duckdb"
    summary = ingest([roster], db, preset="dingtalk", today=TODAY)
    assert summary["entities"]["employees"] == {"read": 4, "loaded": 4, "replaced": 0, "quarantined": 0, "exact_duplicates": 0, "skipped": 0}
    assert rows(db, "SELECT employee_id, name, department, position, job_level, manager_id, hire_date, birth_date, gender, status, location, exit_date, exit_reason FROM employees ORDER BY 1") == [
        ("00012", "王伟", "销售部", "销售总监", 9, None, date(2015, 3, 1), date(1980, 5, 6), "male", "active", "杭州", None, None),
        ("00013", "李娜", "销售部", "销售主管", 6, "00012", date(2018, 7, 15), date(1990, 1, 2), "female", "active", "上海", None, None),
        ("00014", "Emily Chen", "研发部", "工程师", 4, "00012", date(2021, 9, 1), date(1995, 2, 28), "female", "left", "北京", date(2025, 6, 30), "个人原因"),
        ("00015", "张强", "研发部", "工程师", 3, "00014", date(2023, 1, 5), date(1998, 12, 24), "male", "active", "北京", None, None),
    ]


def test_roster_without_the_preset_names_the_missing_column(tmp_path: Path) -> None:
    roster = tmp_path / "employees.xlsx"
    write_roster(roster)
    from pipelines.read import ImportFileError

    with pytest.raises(ImportFileError, match=r"employees.xlsx: required column 'employee_id' is missing .*工号"):
        ingest([roster], tmp_path / "d.duckdb", today=TODAY)


CUSTOM = """
name = "acme"
extends = "canonical"
date_formats = ["%d/%m/%y"]

[employees.columns]
"Staff No" = "employee_id"
"Full Name" = "name"
"Org Unit" = "department"
"Title" = "position"
"Grade" = "job_level"
"Start" = "hire_date"
"DOB" = "birth_date"
"Sex" = "gender"
"Employment Status" = "status"

[performance_ratings.columns]
"Staff No" = "employee_id"
"Review Year" = "period"
"Outcome" = "rating"

[performance_ratings.values.rating]
"Exceeds" = "A"
"Fully Meets" = "B"
"Needs Improvement" = "C"
"PIP" = "D"
"4" = "B+"
"3" = "B"

[feedback_360.columns]
"Staff No" = "employee_id"
"Rater" = "rater_id"

[feedback_360.rescale.score]
min = 1
max = 10
"""


def test_custom_mapping_renames_maps_values_rescales_and_reads_two_digit_years(tmp_path: Path) -> None:
    mapping = tmp_path / "acme.toml"
    mapping.write_text(CUSTOM, encoding="utf-8")
    src = tmp_path / "in"
    src.mkdir()
    (src / "employees.csv").write_text(
        "Staff No,Full Name,Org Unit,Title,Grade,Start,DOB,Sex,Employment Status\n"
        "A1,Ann,Ops,Lead,5,01/02/25,01/02/60,F,Active\n"
        "A2,Bob,Ops,Clerk,2,15/03/19,30/12/01,m,Terminated\n", encoding="utf-8")
    (src / "performance_ratings.csv").write_text(
        "Staff No,Review Year,Outcome\nA1,2023,Exceeds\nA1,2024,4\nA1,2025,fully meets\nA2,2023,PIP\nA2,2024,Needs Improvement\nA2,2025,Superb\n", encoding="utf-8")
    (src / "feedback_360.csv").write_text(
        "Staff No,cycle,Rater,rater_relation,competency,score\nA1,2025,A2,peer,leadership,10\nA1,2025,A1,self,leadership,1\nA1,2025,X,Direct Report,leadership,5.5\nA1,2025,Y,peer,execution,11\n", encoding="utf-8")
    db = tmp_path / "d.duckdb"
    summary = ingest([src], db, preset=str(mapping), today=TODAY)
    assert summary["preset"] == "acme"
    assert rows(db, "SELECT employee_id, hire_date, birth_date, gender, status FROM employees ORDER BY 1") == [
        ("A1", date(2025, 2, 1), date(1960, 2, 1), "female", "active"),  # 60 is 1960, never 2060
        ("A2", date(2019, 3, 15), date(2001, 12, 30), "male", "left"),
    ]
    assert rows(db, "SELECT employee_id, period, rating FROM performance_ratings ORDER BY 1, 2") == [
        ("A1", "2023", "A"), ("A1", "2024", "B+"), ("A1", "2025", "B"), ("A2", "2023", "D"), ("A2", "2024", "C"),
    ]
    assert rows(db, "SELECT reason FROM quarantine WHERE entity = 'performance_ratings'") == [("rating 'Superb' is not on the rating scale A, B+, B, C, D",)]
    assert rows(db, "SELECT rater_relation, score FROM feedback_360 ORDER BY score") == [("self", 1.0), ("direct_report", 3.0), ("peer", 5.0)]
    assert rows(db, "SELECT reason FROM quarantine WHERE entity = 'feedback_360'") == [("score '11' is out of range 1–10",)]


def test_unknown_preset_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown mapping 'sap'.*canonical, dingtalk"):
        load_mapping("sap")


def test_a_title_above_the_header_is_skipped_by_the_mapping_and_rows_keep_their_spreadsheet_numbers(tmp_path: Path) -> None:
    # DingTalk and many HR systems put a title (and a blank line) above the column labels.
    (tmp_path / "花名册.csv").write_text("员工花名册 导出时间：2025-03-01\n\n工号,姓名,主部门,入职时间\n001,张三,销售部,2020-01-01\n002,李四,,2021-01-01\n",
                                       encoding="utf-8")
    wb = xlsxwriter.Workbook(tmp_path / "花名册_研发.xlsx")
    ws = wb.add_worksheet()
    ws.write_row(0, 0, ["员工花名册"])
    ws.write_row(1, 0, ["工号", "姓名", "主部门", "入职时间"])
    ws.write_row(2, 0, ["003", "王五", "研发部", "2020-01-01"])
    ws.write_row(3, 0, ["004", "赵六", "", "2020-01-01"])
    wb.close()
    db = tmp_path / "talent.duckdb"
    for name, header_row in (("花名册.csv", 3), ("花名册_研发.xlsx", 2)):
        (tmp_path / "m.toml").write_text(f'extends = "dingtalk"\nheader_row = {header_row}\n', encoding="utf-8")
        ingest([tmp_path / name], db, preset=str(tmp_path / "m.toml"), as_of=date(2025, 3, 1))
    assert rows(db, "SELECT employee_id, department, source_row FROM employees ORDER BY 1") == [("001", "销售部", 4), ("003", "研发部", 3)]
    assert rows(db, "SELECT file, row_number, reason FROM quarantine ORDER BY 1") == [
        ("花名册.csv", 5, "department is missing"), ("花名册_研发.xlsx", 4, "department is missing")]
