"""Writes tests/data/bad/: one folder per broken-input case, and cases.toml with what each must give.

Run it again after changing a case: `python tests/data/make_bad_corpus.py`. The files are committed.
"""
from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import xlsxwriter

HERE = Path(__file__).parent / "bad"
EMP = "employee_id,name,department,position,job_level,hire_date,status"
PERF = "employee_id,period,rating,score"
TRAIN = "employee_id,course_id,course_name,category,provider,hours,start_date,completion_date,status"
FB = "employee_id,cycle,rater_id,rater_relation,competency,score"
PROJ = "employee_id,project_id,project_name,role,cross_department,start_date"

CASES: dict[str, dict] = {}


def case(name: str, files: dict[str, bytes | str], **expect) -> None:
    CASES[name] = {"files": files, **expect}


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet()
    for i, r in enumerate(rows):
        ws.write_row(i, 0, r)
    wb.close()
    return buf.getvalue()


case("wrong_encoding", {"employees.csv": (EMP + "\n0005,Jos\xe9 \x81\xff,Sales,Rep,3,2020-01-01,active\n").encode("latin-1")}, error="neither UTF-8 nor GBK")
case("mixed_encodings", {"employees.csv": (EMP + "\n0005,张伟,Sales,Rep,3,2020-01-01,active\n").encode("utf-8") + "0006,李娜,Sales,Rep,3,2020-01-01,active\n".encode("gbk")}, error="line 3 is not UTF-8 while line 2 is")
case("unclosed_quote", {"employees.csv": EMP + '\n0005,"Zhang,Sales,Rep,3,2020-01-01,active\n0006,Li",Sales,Rep,3,2020-01-01,active\n0007,Wu,Sales,Rep,3,2020-01-01,active\n'}, error="row 2, column 'name': a quote is not closed")
case("multi_line_comment_is_fine", {"employees.csv": EMP + '\n0005,"Zhang\nWei, the second",Sales,Rep,3,2020-01-01,active\n'}, loaded=1, records=1)
case("gbk_encoding", {"employees.csv": (EMP + "\n0005,赵敏,销售部,销售代表,3,2020-01-01,在职\n").encode("gbk")}, loaded=1)
case("utf8_bom", {"employees.csv": ("\ufeff" + EMP + "\n0005,Li Lei,Sales,Rep,3,2020-01-01,active\n").encode("utf-8")}, loaded=1)
case("empty_file", {"employees.csv": b""}, error="the file is empty")
case("whitespace_only", {"employees.csv": "\n\n  \n"}, error="the file is empty")
case("header_only", {"performance_ratings.csv": PERF + "\n"}, error="nothing was imported: no data rows in performance_ratings.csv")
case("missing_required_column", {"performance_ratings.csv": "employee_id,period,score\n0001,2025,90\n"}, error="required column 'rating' is missing")
case("extra_columns", {"performance_ratings.csv": "employee_id,period,rating,score,calibrated_by\n0001,2022,A,91,HRBP\n"}, loaded=1, ignored="calibrated_by")
case("duplicated_header", {"performance_ratings.csv": "employee_id,period,rating,rating\n0001,2022,A,B\n"}, error="column 'rating' appears more than once")
case("bad_dates", {"training_records.csv": TRAIN + "\n0002,C1,X,technical,internal,8,31/02/2025,,in_progress\n0002,C2,X,technical,internal,8,2024-13-01,,in_progress\n0002,C3,X,technical,internal,8,2025-02-30,,in_progress\n0002,C4,X,technical,internal,8,2025-02-28,,in_progress\n"},
     loaded=1, quarantine=[[2, "start_date", "start_date '31/02/2025' is not a valid date"], [3, "start_date", "is not a valid date"], [4, "start_date", "is not a valid date"]])
case("numbers_as_text", {"training_records.csv": TRAIN + "\n0002,C1,X,technical,internal,sixteen,2025-01-01,,in_progress\n0002,C2,X,technical,internal,16 hrs,2025-01-01,,in_progress\n0002,C3,X,technical,internal,\" 1,200 \",2025-01-01,,in_progress\n"},
     loaded=1, quarantine=[[2, "hours", "hours 'sixteen' is not a number"], [3, "hours", "is not a number"]])
case("out_of_range_scores", {"performance_ratings.csv": PERF + "\n0001,2022,A,150\n0002,2022,B,-5\n0003,2022,B,100\n", "feedback_360.csv": FB + "\n0002,2024,0001,manager,leadership,7\n0002,2024,0001,manager,execution,0\n"},
     loaded=1, quarantine=[[2, "score", "score '150' is out of range 0–100"], [3, "score", "out of range"], [2, "score", "score '7' is out of range 1–5"], [3, "score", "out of range 1–5"]])
case("unknown_grades", {"performance_ratings.csv": PERF + "\n0001,2022,E,\n0002,2022,A+,\n0003,2022,b+,\n"}, loaded=1, quarantine=[[2, "rating", "rating 'E' is not on the rating scale A, B+, B, C, D"], [3, "rating", "'A+' is not on the rating scale"]])
case("conflicting_duplicate_keys", {"performance_ratings.csv": PERF + "\n0001,2022,A,95\n0001,2022,B,70\n0002,2022,B,75\n"}, loaded=1,
     quarantine=[[2, "period", "duplicate key (employee_id=0001, period=2022) with different values in rows 2, 3"], [3, "period", "duplicate key"]])
case("exact_duplicate_rows", {"performance_ratings.csv": PERF + "\n0001,2022,A,95\n0001,2022,A,95\n 0001 ,2022,a,95\n"}, loaded=1, duplicates=2)
case("unknown_employee", {"performance_ratings.csv": PERF + "\n9999,2025,A,95\n0001,2022,A,95\n"}, loaded=1, quarantine=[[2, "employee_id", "unknown employee_id '9999' (not in employees)"]])
case("very_long_strings", {"employees.csv": EMP + f"\n0005,{'X' * 5000},Sales,Rep,3,2020-01-01,active\n0006,Ok,Sales,Rep,3,2020-01-01,active\n"}, loaded=1, quarantine=[[2, "name", "name is too long (5000 characters, at most 500)"]])
case("html_and_script_in_names", {"employees.csv": EMP + "\n0005,<script>alert('x')</script>,<b>Sales</b>,Rep,3,2020-01-01,active\n"}, loaded=1)
case("formulas_in_cells", {"employees.csv": EMP + "\n0005,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",Sales,@SUM(A1),3,2020-01-01,active\n"}, loaded=1)
case("control_characters", {"employees.csv": EMP + "\n0005,Bad\x07Name,Sales,Rep,3,2020-01-01,active\n0006,Ok,Sales,Rep,3,2020-01-01,active\n"}, loaded=1, quarantine=[[2, "name", "name contains control characters"]])
case("truncated_xlsx", {"employees.xlsx": xlsx_bytes([EMP.split(","), ["0005", "A", "Sales", "Rep", "3", "2020-01-01", "active"]])[:900]}, error="damaged or truncated")
case("xlsx_renamed_to_csv", {"employees.csv": xlsx_bytes([EMP.split(",")])}, error="its content is XLSX")
case("csv_renamed_to_xlsx", {"employees.xlsx": EMP + "\n"}, error="its content is CSV")
case("old_xls_binary", {"employees.xlsx": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100}, error="old binary Excel")
case("unknown_file_name", {"salaries.csv": "employee_id,salary\n0001,100\n"}, error="cannot tell which data this file holds")
case("missing_required_value", {"employees.csv": EMP + "\n0005,A,,Rep,3,2020-01-01,active\n,B,Sales,Rep,3,2020-01-01,active\n0007,C,Sales,Rep,3,,active\n"}, loaded=1, quarantine=[[2, "department", "department is missing"], [3, "employee_id", "employee_id is missing"]])
case("bad_enumerations", {"training_records.csv": TRAIN + "\n0002,C1,X,technical,internal,8,2025-01-01,2025-01-02,done\n0002,C2,X,Technical,Internal,8,2025-01-01,2025-01-02,Completed\n", "feedback_360.csv": FB + "\n0002,2024,0001,boss,leadership,4\n"},
     loaded=1, quarantine=[[2, "status", "status 'done' is not one of completed, in_progress, dropped"], [2, "rater_relation", "rater_relation 'boss' is not one of self, manager, peer, direct_report"]])
case("bad_booleans", {"projects.csv": PROJ + "\n0002,P9,X,lead,maybe,2025-01-01\n0003,P9,X,member,是,2025-01-01\n"}, loaded=1, quarantine=[[2, "cross_department", "cross_department 'maybe' is not yes/no"]])
case("level_not_a_number", {"employees.csv": EMP + "\n0005,A,Sales,Rep,senior,2020-01-01,active\n0006,B,Sales,Rep,3.5,2020-01-01,active\n0007,C,Sales,Rep,3,2020-01-01,active\n"}, loaded=1, quarantine=[[2, "job_level", "job_level 'senior' is not a whole number"], [3, "job_level", "not a whole number"]])
case("bad_periods", {"performance_ratings.csv": PERF + "\n0001,FY25,A,\n0001,2025-13,A,\n0001,2025 h1,A,\n"}, loaded=1, quarantine=[[2, "period", "period 'FY25' is not a period like 2025"], [3, "period", "is not a period"]])
case("dates_in_wrong_order", {"training_records.csv": TRAIN + "\n0002,C1,X,technical,internal,8,2025-03-01,2025-02-01,completed\n0002,C2,Y,technical,internal,8,2025-03-01,2025-03-02,completed\n"}, loaded=1, quarantine=[[2, "completion_date", "completion_date is before start_date"]])
case("ragged_rows", {"performance_ratings.csv": PERF + "\n0001,2022,A,95,extra,fields\n"}, error="not a readable CSV file")
case("semicolon_separated", {"performance_ratings.csv": "employee_id;period;rating;score\n0001;2022;A;95\n"}, loaded=1)
case("leading_zeros_survive", {"employees.csv": EMP + "\n000123,A,Sales,Rep,3,2020-01-01,active\n"}, loaded=1, ids=["000123"])
case("folder_without_files", {"notes.md": "nothing to import"}, error="holds no CSV, XLSX or Parquet files")


def main() -> None:
    if HERE.exists():
        shutil.rmtree(HERE)
    lines = ["# What each case under tests/data/bad must give. Written by make_bad_corpus.py.", ""]
    for name, spec in CASES.items():
        folder = HERE / name
        folder.mkdir(parents=True)
        for fname, content in spec["files"].items():
            (folder / fname).write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        lines.append(f"[{name}]")
        for key in ("error", "loaded", "records", "duplicates", "ignored"):
            if key in spec:
                lines.append(f"{key} = {json.dumps(spec[key], ensure_ascii=False)}")
        if "ids" in spec:
            lines.append(f"ids = {json.dumps(spec['ids'])}")
        if "quarantine" in spec:
            items = ", ".join(json.dumps(item, ensure_ascii=False) for item in spec["quarantine"])
            lines.append(f"quarantine = [{items}]")
        lines.append("")
    (HERE / "cases.toml").write_text("\n".join(lines), encoding="utf-8")
    print(f"{len(CASES)} cases written to {HERE}")


if __name__ == "__main__":
    main()
