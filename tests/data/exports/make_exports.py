"""Writes the real-export corpus under tests/data/exports/ (issue #11): files shaped like what real HR
systems export, never in our own format. Each fixture folder also holds a hand-written mapping TOML and
a README.md; this script writes only the data files.

    python tests/data/exports/make_exports.py            # rewrite the committed files
    python tests/data/exports/make_exports.py /tmp/out   # write them elsewhere (the test compares)

Everything is deterministic (fixed seeds, no clocks): running it twice gives byte-identical files.
The expected counts in tests/test_real_exports.py follow from the construction rules below; the
comments next to each rule give the arithmetic.
"""
from __future__ import annotations

import csv
import io
import sys
from datetime import datetime
from pathlib import Path

import numpy as np
import xlsxwriter

HERE = Path(__file__).resolve().parent


def write_csv(path: Path, header: list[str], rows: list[list], *, crlf: bool = False, bom: bool = False) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    w.writerow(header)
    w.writerows([["" if v is None else v for v in r] for r in rows])
    data = buf.getvalue().encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)


# --------------------------------------------------------------------------------------------------
# 1. roster_ages: the IBM HR Analytics attrition data set (WA_Fn-UseC_-HR-Employee-Attrition.csv).
#    No names, no dates: Age and YearsAtCompany. 60 rows, i = 0..59.
#    Department by i % 10: 0-5 → R&D (36 rows), 6-8 → Sales (18), 9 → HR (6); some spelled with stray
#    spaces or another case (rows listed in DEPT_VARIANTS), which trimming + the mapping's values map fold.
#    Attrition "Yes" when i % 6 == 1 (i = 1, 7, …, 55: 10 rows), else "No".
#    Row 12 (R&D, Attrition No) has Age 25 and YearsAtCompany 15: hired at 10 → quarantined.
# --------------------------------------------------------------------------------------------------
IBM_HEADER = [
    "Age", "Attrition", "BusinessTravel", "Department", "DistanceFromHome", "Education", "EducationField",
    "EmployeeCount", "EmployeeNumber", "Gender", "JobLevel", "JobRole", "JobSatisfaction", "MaritalStatus",
    "MonthlyIncome", "OverTime", "Over18", "PerformanceRating", "StandardHours", "TotalWorkingYears",
    "YearsAtCompany", "YearsSinceLastPromotion",
]
ROLES = {
    "Research & Development": ["Research Scientist", "Laboratory Technician", "Manufacturing Director",
                               "Healthcare Representative", "Research Director", "Manager"],
    "Sales": ["Sales Executive", "Sales Representative", "Manager"],
    "Human Resources": ["Human Resources", "Manager"],
}
DEPT_VARIANTS = {
    1: "Research  &  Development", 2: "research & development", 6: " Sales", 16: "sales ", 26: "SALES",
    9: "Human Resources ", 19: "HUMAN  RESOURCES",
}
IBM_BAD_ROW = 12


def roster_ages(out: Path) -> None:
    rows = []
    employee_number = 0
    for i in range(60):
        employee_number += 1 + (i % 3 == 2)  # IBM's numbers have gaps: 1, 2, 4, 5, 6, 8, …
        dept = "Research & Development" if i % 10 <= 5 else "Sales" if i % 10 <= 8 else "Human Resources"
        age = 22 + (i * 7) % 37  # 22..58
        years = min(age - 18, (i * 3) % 21)  # hired at 18 or later
        if i == 0:
            age, years = 41, 6  # EmployeeNumber 1: born 1983-12-31, hired 2018-12-31 (as of 2024-12-31)
        if i == IBM_BAD_ROW:
            age, years = 25, 15  # hired at the age of 10
        role = ROLES[dept][i % len(ROLES[dept])]
        level = 4 + (i % 2) if role == "Manager" or role.endswith("Director") else 1 + (i % 3)
        total_years = years + (i % 4)
        rows.append([
            age, "Yes" if i % 6 == 1 else "No", ["Travel_Rarely", "Travel_Frequently", "Non-Travel"][i % 3],
            DEPT_VARIANTS.get(i, dept), 1 + (i * 5) % 29, 1 + i % 5,
            ["Life Sciences", "Medical", "Marketing", "Technical Degree", "Other"][i % 5], 1, employee_number,
            "Female" if i % 2 == 0 else "Male", level, role, 1 + (i % 4), ["Single", "Married", "Divorced"][i % 3],
            2000 + level * 2500 + (i * 137) % 900, "Yes" if i % 4 == 0 else "No", "Y", 3 + (i % 5 == 0), 80,
            total_years, years, min(years, i % 5),
        ])
    write_csv(out / "roster_ages" / "WA_Fn-UseC_-HR-Employee-Attrition.csv", IBM_HEADER, rows, crlf=True)


# --------------------------------------------------------------------------------------------------
# 2. ratings_review_date: a Workday-style worker report and a performance-review report with a
#    "Review Date" (no period) and text grades.
#    Workers 21001..21040 (40 rows, all valid; 21038-21040 terminated).
#    Reviews: every worker in December 2022, 2023 and 2024 (120 rows), then 5 late rows:
#      a. 21003 reviewed 2026-01-12: period 2026 is after the as-of year 2025 → quarantined
#      b. 21005 2021-12-16 "Not Rated": rating mapped to missing → quarantined
#      c. 29999 (no such worker) → quarantined
#      d. 21007 mid-year 2024-06-28 "Partially Meets" (C): same key (21007, 2024) as their year-end
#         "Outstanding" (A) → both quarantined as a conflict
#      e. 21010 with an empty Review Date: period missing → quarantined
#    read 125 = loaded 119 + quarantined 6 (a, b, c, d, 21007's year-end row, e).
# --------------------------------------------------------------------------------------------------
GRADES_TEXT = ["Fully Meets", "Exceeds Expectations", "Fully Meets", "Outstanding", "Partially Meets",
               "Fully Meets", "Needs Improvement", "Does Not Meet"]
ORGS = ["Finance", "Engineering", "Customer Success", "Sales"]


def ratings_review_date(out: Path) -> None:
    workers = []
    for w in range(40):
        wid = 21001 + w
        hired = f"{1 + w % 12:02d}/{1 + (w * 3) % 28:02d}/{2012 + w % 9}"  # MM/DD/YYYY, 2012..2020
        terminated = w >= 37
        workers.append([
            str(wid), f"Worker {wid}", ORGS[w % 4], ["Analyst", "Engineer", "Specialist", "Account Executive"][w % 4],
            f"CC{100 + w % 4}", hired, "No" if terminated else "Yes", f"03/31/{2025}" if terminated else "",
        ])
    write_csv(out / "ratings_review_date" / "All_Workers_Report.csv",
              ["Employee ID", "Worker", "Supervisory Organization", "Business Title", "Cost Center", "Hire Date",
               "Active Status", "Termination Date"], workers)

    reviews = []
    for year in (2022, 2023, 2024):
        for w in range(40):
            wid = 21001 + w
            grade = GRADES_TEXT[(w + year) % len(GRADES_TEXT)]
            if wid == 21007 and year == 2024:
                grade = "Outstanding"
            if (w + year) % 7 == 0:
                grade = grade.lower()
            elif (w + year) % 11 == 0:
                grade = grade.upper().replace(" ", "  ")
            reviews.append([str(wid), f"Worker {wid}", "Annual Performance Review", f"{year}-12-{10 + w % 10:02d}",
                            grade, "Manager of " + ORGS[w % 4]])
    reviews += [
        ["21003", "Worker 21003", "Annual Performance Review", "2026-01-12", "Fully Meets", "Manager of Customer Success"],
        ["21005", "Worker 21005", "Annual Performance Review", "2021-12-16", "Not Rated", "Manager of Engineering"],
        ["29999", "Contractor 29999", "Annual Performance Review", "2024-12-12", "Fully Meets", "Manager of Sales"],
        ["21007", "Worker 21007", "Mid-Year Check-In", "2024-06-28", "Partially Meets", "Manager of Sales"],
        ["21010", "Worker 21010", "Annual Performance Review", "", "Outstanding", "Manager of Engineering"],
    ]
    write_csv(out / "ratings_review_date" / "Performance_Review_Ratings.csv",
              ["Employee ID", "Employee", "Review Template", "Review Date", "Overall Rating", "Reviewer"], reviews)


# --------------------------------------------------------------------------------------------------
# 3. promotion_list: the public "HR Analytics: Employee Promotion Data" (train.csv) shape, 1,500 rows.
#    previous_year_rating is blank exactly when i % 15 == 7 (new joiners, length_of_service 1): 100 rows.
#    is_promoted = 1 for exactly the 120 rows (8 %) with the highest latent score, which rises with
#    KPIs met, awards, the training score and the rating (plus logistic noise).
#    Age 22..57 and length_of_service <= age - 19, so every derived hire date is 19+ years after birth.
# --------------------------------------------------------------------------------------------------
PROMO_HEADER = ["employee_id", "department", "region", "education", "gender", "recruitment_channel",
                "no_of_trainings", "age", "previous_year_rating", "length_of_service", "KPIs_met >80%",
                "awards_won?", "avg_training_score", "is_promoted"]
PROMO_N, PROMO_PROMOTED = 1500, 120
DEPTS = ["Sales & Marketing", "Operations", "Technology", "Procurement", "Analytics", "Finance", "HR", "Legal", "R&D"]
DEPT_P = [0.31, 0.21, 0.13, 0.13, 0.10, 0.045, 0.044, 0.019, 0.012]
DEPT_SCORE = [50, 60, 80, 70, 84, 60, 50, 59, 84]  # typical avg_training_score per department


def promotion_list(out: Path) -> None:
    rng = np.random.default_rng(20241231)
    n = PROMO_N
    ids = rng.choice(np.arange(1, 78299), size=n, replace=False)
    dept = rng.choice(len(DEPTS), size=n, p=np.array(DEPT_P) / sum(DEPT_P))
    region = rng.integers(1, 35, size=n)
    education = rng.choice(["Master's & above", "Bachelor's", "Below Secondary", ""], size=n, p=[0.27, 0.675, 0.015, 0.04])
    gender = rng.choice(["m", "f"], size=n, p=[0.7, 0.3])
    channel = rng.choice(["other", "sourcing", "referred"], size=n, p=[0.55, 0.42, 0.03])
    trainings = np.clip(1 + rng.poisson(0.3, size=n), 1, 10)
    age = rng.integers(22, 58, size=n)
    service = np.minimum(2 + rng.geometric(1 / 5, size=n) - 1, age - 19)
    rating = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.11, 0.08, 0.36, 0.19, 0.26])
    new_joiner = np.arange(n) % 15 == 7  # 1500 / 15 = 100 rows
    service = np.where(new_joiner, 1, service)
    kpi = (rng.random(n) < 0.35).astype(int)
    awards = (rng.random(n) < 0.03).astype(int)
    score = np.clip(np.round(np.array(DEPT_SCORE)[dept] + rng.normal(0, 8, size=n)), 39, 99).astype(int)
    latent = (1.8 * kpi + 2.5 * awards + 0.07 * (score - np.array(DEPT_SCORE)[dept]) + 0.45 * np.where(new_joiner, 0, rating - 3)
              + rng.logistic(0, 0.6, size=n))
    promoted = np.zeros(n, dtype=int)
    promoted[np.argsort(-latent, kind="stable")[:PROMO_PROMOTED]] = 1
    rows = []
    for i in range(n):
        rows.append([
            int(ids[i]), DEPTS[dept[i]], f"region_{region[i]}", education[i], gender[i], channel[i], int(trainings[i]),
            int(age[i]), "" if new_joiner[i] else f"{rating[i]}.0", int(service[i]), int(kpi[i]), int(awards[i]),
            int(score[i]), int(promoted[i]),
        ])
    write_csv(out / "promotion_list" / "hr_analytics_promotion_train.csv", PROMO_HEADER, rows)


# --------------------------------------------------------------------------------------------------
# 4. survey_360: a 360° survey tool's participant list and its raw response dump.
#    12 participants E1001..E1012 (all valid). Ratees: E1001..E1008.
#    Two cycles (November 2023 and 2024) × 8 ratees × 4 relations (manager, peer, direct report, self)
#    × 4 competencies = 256 base rows; the 64 self rows ("Is Self-Review" = Yes) are skipped.
#    Score cells: 2024/E1003/peer/competency 3 "null"; 2023/E1006/direct report/competency 1 "N/A";
#    2024/E1005/manager/competency 2 "11" (off the 1-10 scale).
#    Extra exact copies: the "11" row 4 more times (5 in all), the "null" row 2 more times (3 in all),
#    and E1007's 2024 peer response (4 rows) once more: 10 duplicates. The file has 266 rows.
#    Not skipped: 266 - 64 = 202 = loaded 189 + quarantined 3 (null, N/A, 11) + duplicates 10.
# --------------------------------------------------------------------------------------------------
COMPETENCIES = [
    "Leadership: sets a clear direction for the team, delegates with trust, develops people through honest "
    "feedback and coaching, and owns the results",
    "Strategic thinking: anticipates market and technology trends, links daily priorities to the long-term "
    "strategy, and makes sound trade-offs under uncertainty",
    "Collaboration: builds effective working relationships across departments, shares information openly, "
    "resolves conflict constructively and credits others",
    "Execution: plans realistic milestones, manages risks early, follows through on commitments and delivers "
    "high-quality results on time and within budget",
]
RELATIONS = ["Direct Manager", "Peer / Colleague", "Direct Report", "Self"]


def survey_score(cycle: int, ratee: int, rel: int, comp: int) -> int:
    return 3 + (ratee * 3 + rel * 2 + comp + cycle) % 8  # 3..10


def survey_360(out: Path) -> None:
    assert all(140 <= len(c) <= 160 for c in COMPETENCIES), [len(c) for c in COMPETENCIES]
    participants = []
    for p in range(12):
        pid = f"E{1001 + p}"
        participants.append([pid, f"Participant {p + 1:02d}", ["Sales", "Operations", "R&D"][p % 3],
                             "Team Lead" if p >= 8 else "Specialist", f"p{p + 1:02d}@example.com"])
    write_csv(out / "survey_360" / "360_participants.csv",
              ["Participant ID", "Participant Name", "Department", "Job Title", "Email"], participants)

    rows, late = [], []
    for cycle in (2023, 2024):
        for ratee in range(8):
            eid = f"E{1001 + ratee}"
            raters = [f"E{1009 + ratee % 4}", f"E{1001 + (ratee + 1) % 8}", f"E{1001 + (ratee + 3) % 8}", eid]
            for rel in range(4):
                stamp = f"{cycle}-11-{3 + ratee + rel:02d} {9 + rel:02d}:{(7 * ratee + 11 * rel) % 60:02d}:{(13 * ratee) % 60:02d}"
                for comp in range(4):
                    score: str = str(survey_score(cycle, ratee, rel, comp))
                    if (cycle, ratee, rel, comp) == (2024, 2, 1, 2):
                        score = "null"
                    elif (cycle, ratee, rel, comp) == (2023, 5, 2, 0):
                        score = "N/A"
                    elif (cycle, ratee, rel, comp) == (2024, 4, 0, 1):
                        score = "11"
                    comment = "N/A" if (ratee + comp) % 5 == 0 else ("" if comp % 2 else f"Comment {cycle}-{ratee}-{rel}-{comp}")
                    relation = RELATIONS[rel].lower() if (ratee + cycle) % 3 == 0 and rel == 1 else RELATIONS[rel]
                    row = [stamp, eid, f"Participant {ratee + 1:02d}", raters[rel], relation,
                           "Yes" if rel == 3 else "No", COMPETENCIES[comp], score, comment]
                    rows.append(row)
                    if score == "11":
                        rows += [list(row) for _ in range(4)]  # the tool exported this answer 5 times
                    elif score == "null":
                        rows += [list(row) for _ in range(2)]  # 3 times
                    elif (cycle, ratee, rel) == (2024, 6, 1):
                        late.append(list(row))  # E1007's 2024 peer response, submitted again later
    rows += late
    assert len(rows) == 266
    write_csv(out / "survey_360" / "360_responses_export.csv",
              ["Timestamp", "Employee ID", "Employee Name", "Rater ID", "Relationship", "Is Self-Review",
               "Competency", "Score (1-10)", "Comments"], rows)


# --------------------------------------------------------------------------------------------------
# 5. roster_mmddyy: the public "Human Resources Data Set" (HRDataset_v14.csv) shape, 40 rows,
#    EmpID 10001..10040, DOB and DateofHire as MM/DD/YY, ManagerID 1..9 (manager numbers, not EmpIDs).
#    Quarantined (3): 10013 born 06/02/17 (8 years old on 2025-12-31), 10021 hired 09/01/2031
#    (after as-of + 1 year), 10030 born 23/04/88 (not a date: day and month swapped).
#    ManagerID is empty for 10039 and 10040 (the CEO), so of the 37 loaded rows 35 point to no employee.
# --------------------------------------------------------------------------------------------------
HRD_HEADER = ["Employee_Name", "EmpID", "Salary", "Termd", "Position", "State", "Zip", "DOB", "Sex", "MaritalDesc",
              "DateofHire", "DateofTermination", "TermReason", "EmploymentStatus", "Department", "ManagerName",
              "ManagerID", "RecruitmentSource", "PerformanceScore", "EngagementSurvey", "Absences"]
HRD_DEPTS = [("Production       ", "Production Technician I"), ("Production       ", "Production Technician II"),
             ("IT/IS", "IT Support"), ("Software Engineering", "Software Engineer"), ("Sales", "Area Sales Manager"),
             ("Admin Offices", "Sr. Accountant"), ("Production       ", "Production Technician I"), ("IT/IS", "Database Administrator")]
MANAGERS = ["Brannon Miller", "David Stanley", "Kissy Sullivan", "Ketsia Liebig", "Elijiah Gray", "Webster Butler",
            "Amy Dunn", "Simon Roup", "Janet King"]
LAST = ["Adinolfi", "Ait Sidi", "Akinkuolie", "Alagbe", "Anderson", "Andreola", "Athwal", "Bachiochi", "Bacong",
        "Baczenski", "Barbara", "Barbossa", "Barone", "Barton", "Bates", "Beak", "Beatrice", "Becker", "Becker",
        "Bernstein", "Biden", "Billis", "Blount", "Bondwell", "Booth", "Boutwell", "Bozzi", "Bramante", "Brill",
        "Brown", "Buccheri", "Bugali", "Bunbury", "Burke", "Burkett", "Butler", "Byrd", "Calafiore", "Candie", "King"]
FIRST = ["Wilson K", "Karthikeyan", "Sarah", "Trina", "Carol", "Alex", "Sam", "Linda", "Alejandro", "Rachael"]


def roster_mmddyy(out: Path) -> None:
    rows = []
    for i in range(40):
        emp = 10001 + i
        dept, position = HRD_DEPTS[i % len(HRD_DEPTS)]
        birth_year = 51 + (i * 7) % 42  # 51..92 → 1951..1992
        dob = f"{1 + (i * 5) % 12:02d}/{1 + (i * 11) % 28:02d}/{birth_year:02d}"
        hire_year = max(birth_year + 20, 100 + 6 + i % 13) % 100  # 2006..2018, or 20 years after birth
        doh = f"{1 + (i * 7) % 12:02d}/{1 + (i * 3) % 28:02d}/{hire_year:02d}"
        status, termd, term_date, reason = "Active", 0, "", "N/A-StillEmployed"
        if i % 9 == 4:  # 10005, 10014, 10023, 10032
            status, termd, term_date, reason = "Voluntarily Terminated", 1, f"06/{10 + i % 15:02d}/{19 + i % 4}", "career change"
        if i == 26:  # 10027
            status, termd, term_date, reason = "Terminated for Cause", 1, "02/08/19", "attendance"
        if i == 33:  # 10034
            status = "Leave of Absence"
        if i == 0:
            dob = "05/12/83"  # must load as 1983-05-12, never 0083-05-12
        if emp == 10013:
            dob = "06/02/17"  # 8 years old on 2025-12-31
        if emp == 10021:
            doh = "09/01/2031"  # hand-typed, four digits: far after as-of + 1 year
        if emp == 10030:
            dob = "23/04/88"  # day and month swapped: not a date
        if emp == 10035:
            dob, doh = "02/29/00", "07/06/20"  # 2000-02-29, hired 2020
        manager = "" if emp in (10039, 10040) else 1 + i % 9
        rows.append([
            f"{LAST[i]}, {FIRST[i % len(FIRST)]}" + ("  " if i % 7 == 3 else ""), emp, 45000 + (i * 1379) % 60000, termd,
            "President & CEO" if emp == 10040 else position, "MA", f"0{1450 + i * 13}", dob, "M " if i % 3 else "F",
            ["Single", "Married", "Divorced"][i % 3], doh, term_date, reason, status,
            "Executive Office" if emp == 10040 else dept, "" if manager == "" else MANAGERS[manager - 1], manager,
            ["LinkedIn", "Indeed", "Google Search", "Employee Referral"][i % 4],
            ["Fully Meets", "Exceeds", "Needs Improvement", "Fully Meets", "PIP"][i % 5], f"{3 + (i % 20) / 10:.2f}", i % 20,
        ])
    write_csv(out / "roster_mmddyy" / "HRDataset_v14.csv", HRD_HEADER, rows, crlf=True, bom=True)


# --------------------------------------------------------------------------------------------------
# 6. dingtalk_roster: a DingTalk 花名册 XLSX export, Chinese headers, 年月日 dates, 无 / - / 空 / empty
#    cells for missing values. 30 rows: 工号 000101..000130 except one new hire without 工号 (row 29).
#    Quarantined (2): the row without 工号, and 000117 whose 主部门 is 无.
#    Every 直属主管id is a loaded 工号 or missing: no manager-link warning.
# --------------------------------------------------------------------------------------------------
DT_HEADER = ["姓名", "工号", "手机号", "邮箱", "主部门", "职位", "岗位职级", "直属主管id", "入职时间", "员工类型",
             "员工状态", "出生日期", "性别", "办公地点", "离职时间", "离职原因"]
DT_DEPTS = ["总经办", "研发中心", "销售部", "人力资源部", "财务部"]
DT_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
DT_GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明"]
# 岗位职级 tokens: index → cell (the others hold a whole number)
DT_LEVEL_MISSING = {7: "无", 12: "-", 18: "空", 23: ""}


def dt_date(y: int, m: int, d: int, style: int) -> str:
    return [f"{y}年{m:02d}月{d:02d}日", f"{y}-{m:02d}-{d:02d}", f"{y}/{m:02d}/{d:02d}"][style]


def dingtalk_roster(out: Path) -> None:
    rows = []
    for i in range(30):
        wid = f"{101 + i:06d}"
        if i == 0:
            dept, title, level, boss = DT_DEPTS[0], "总经理", "9", "无"
        elif i <= 4:
            dept, title, level, boss = DT_DEPTS[i], ["研发总监", "销售总监", "人力资源总监", "财务总监"][i - 1], "7", "000101"
        else:
            k = 1 + i % 4
            dept, boss = DT_DEPTS[k], f"{101 + k:06d}"
            title = ["高级工程师", "销售代表", "HRBP", "会计"][k - 1] if i % 2 else ["工程师", "客户经理", "招聘专员", "出纳"][k - 1]
            level = str(3 + i % 3)
        level = DT_LEVEL_MISSING.get(i, level)
        if i == 16:  # 000117: no department
            dept = "无"
        if i in (9, 21):
            dept += "\u3000"  # a trailing ideographic space, as typed in DingTalk
        status, exit_date, exit_reason = "正式", "-", "-"
        if i in (5, 13):
            status, exit_date, exit_reason = "离职", dt_date(2025, 10, 31 if i == 5 else 15, 0), "个人原因"
        elif i in (26, 27):
            status = "试用"
        elif i == 20:
            status = "待离职"
        hire = dt_date(2012 + i % 13, 1 + i % 12, 1 + (i * 7) % 28, 0 if i % 5 else 1 + (i % 2))
        if i in (26, 27, 28):
            hire = dt_date(2025, 9 + (i - 26), 1, 0)
        birth = dt_date(1975 + i % 22, 1 + (i * 5) % 12, 1 + (i * 3) % 28, 0 if i % 4 else 1)
        if i in (8, 15):
            birth = "-"
        if i == 24:
            birth = "空"
        gender = "无" if i == 11 else ("男" if i % 3 else "女")
        name = DT_SURNAMES[i] + DT_GIVEN[i % len(DT_GIVEN)]
        rows.append([
            name, "" if i == 28 else wid, f"138****{101 + i:04d}", f"{wid}@example.cn", dept, title, level, boss, hire,
            "实习" if i == 27 else "全职", status, birth, gender, "杭州" if i % 3 else "上海", exit_date, exit_reason,
        ])
    path = out / "dingtalk_roster" / "花名册_20251231.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": datetime(2025, 12, 31, 18, 0, 0), "author": "钉钉"})
    ws = wb.add_worksheet("花名册")
    text = wb.add_format({"num_format": "@"})
    ws.write_row(0, 0, DT_HEADER)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            if value != "":
                ws.write_string(r, c, value, text)
    wb.close()


def build(out: Path) -> None:
    roster_ages(out)
    ratings_review_date(out)
    promotion_list(out)
    survey_360(out)
    roster_mmddyy(out)
    dingtalk_roster(out)


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
