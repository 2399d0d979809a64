"""A deterministic demo organisation in the canonical import format, plus a DingTalk roster export.

Everything is vectorised (numpy arrays, polars columns); the only per-row loop is the XLSX writer,
whose library API is cell based. A hidden per-person "potential" drives ratings and their trend,
leadership training, 360° scores, lead roles on cross-department projects, a management aspiration
with a career plan and, most of all, promotion into management; each with noise, so a model has
something real but imperfect to learn. A few percent of the event rows are deliberately broken
(and a handful of employee rows), at random but seeded positions, so the quarantine has work to do.

Determinism: one `np.random.default_rng(seed)` is drawn from in a fixed order and every table is
built in a fixed row order, so the same (employees, seed, today) writes byte-identical CSV files.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import numpy as np
import polars as pl

from .entities import ENTITIES

# --- the organisation -------------------------------------------------------------------------
EXECUTIVE_OFFICE = "Executive Office"
DEPARTMENTS = {  # name: share of the staff outside the Executive Office
    "Sales": 0.24, "R&D": 0.22, "Operations": 0.12, "Customer Service": 0.10, "Marketing": 0.08,
    "IT": 0.07, "Supply Chain": 0.07, "Finance": 0.05, "Human Resources": 0.05,
}
STAFF_TITLES = {  # (levels 1–2, levels 3–4); the others are "<Dept> Specialist" / "Senior <Dept> Specialist"
    "Sales": ("Sales Representative", "Senior Sales Representative"),
    "R&D": ("R&D Engineer", "Senior R&D Engineer"),
    "Customer Service": ("Customer Service Representative", "Senior Customer Service Representative"),
    "IT": ("IT Engineer", "Senior IT Engineer"),
    "Finance": ("Accountant", "Senior Accountant"),
}
EXECUTIVES = ["Chief Executive Officer", "Chief Operating Officer", "Chief Financial Officer",
              "Chief Technology Officer", "Chief People Officer", "Chief Commercial Officer"]
LOCATIONS = ["Hangzhou", "Shanghai", "Beijing", "Shenzhen", "Chengdu"]
LOCATION_SHARE = [0.36, 0.20, 0.18, 0.16, 0.10]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡")
GIVEN_FEMALE = ["娜", "芳", "敏", "静", "丽", "艳", "娟", "秀英", "霞", "桂英", "晓燕", "海燕", "婷", "雪", "琳",
                "欣怡", "子涵", "梓萱", "佳怡", "雨桐", "诗涵", "若曦", "可馨", "颖", "倩", "丹", "慧", "悦", "思琪", "梦瑶"]
GIVEN_MALE = ["伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "晓明", "建华", "志强",
              "鹏", "宇", "浩", "一鸣", "思远", "俊杰", "文博", "嘉豪", "昊然", "天佑", "泽宇", "家乐", "凯", "毅", "博"]
FIRST_FEMALE = ["Emily", "Olivia", "Sophia", "Grace", "Chloe", "Linda", "Amy", "Vivian", "Cindy", "Irene",
                "Karen", "Jessica", "Sarah", "Helen", "Rachel", "Emma", "Lily", "Anna", "Joyce", "Fiona"]
FIRST_MALE = ["James", "Daniel", "Michael", "David", "Kevin", "Jason", "Eric", "Tony", "Peter", "Frank",
              "Thomas", "Andrew", "Steven", "Ryan", "Brian", "Leo", "Alex", "Henry", "Vincent", "Simon"]
LAST_NAMES = ["Chen", "Wang", "Li", "Zhang", "Liu", "Smith", "Brown", "Wong", "Lee", "Tan", "Lim", "Ng", "Ho",
              "Lau", "Cheung", "Miller", "Taylor", "Wilson", "Martin", "Clark", "Young", "Walker", "Hall", "Green", "Baker"]
EXIT_REASONS = ["resignation", "capability mismatch", "relocation", "retirement", "dismissal", "other"]

# --- ratings ----------------------------------------------------------------------------------
GRADES = ["A", "B+", "B", "C", "D"]  # best first; points 5 … 1
GRADE_SHARE = [0.10, 0.25, 0.45, 0.15, 0.05]
GRADE_SCORE = [(90.0, 100.0), (80.0, 90.0), (70.0, 80.0), (60.0, 70.0), (40.0, 60.0)]
# period, first day, last day, time on the trend axis (years since 2022-01-01), hired by, still there on
PERIODS = [
    ("2022", date(2022, 1, 1), date(2022, 12, 31), 1.0, date(2022, 6, 30)),
    ("2023", date(2023, 1, 1), date(2023, 12, 31), 2.0, date(2023, 6, 30)),
    ("2024", date(2024, 1, 1), date(2024, 12, 31), 3.0, date(2024, 6, 30)),
    ("2025-H1", date(2025, 1, 1), date(2025, 6, 30), 3.5, date(2025, 3, 31)),
    ("2025", date(2025, 1, 1), date(2025, 12, 31), 4.0, date(2025, 6, 30)),
    ("2026-H1", date(2026, 1, 1), date(2026, 6, 30), 4.5, date(2026, 3, 31)),
]

# --- training ---------------------------------------------------------------------------------
COURSES = [  # (id, name, category, provider, hours)
    ("C-LDR-101", "Leading High-Performance Teams", "leadership", "internal", 16),
    ("C-LDR-102", "Coaching for Managers", "leadership", "internal", 8),
    ("C-LDR-103", "First-Time Manager Bootcamp", "leadership", "internal", 24),
    ("C-LDR-104", "Giving and Receiving Feedback", "leadership", "internal", 4),
    ("C-LDR-201", "Strategic Leadership Programme", "leadership", "external", 40),
    ("C-LDR-202", "Leading Through Change", "leadership", "external", 16),
    ("C-LDR-203", "Influencing Without Authority", "leadership", "external", 8),
    ("C-LDR-301", "Executive Presence", "leadership", "external", 16),
    ("C-MGT-201", "Strategic Thinking", "management", "internal", 16),
    ("C-MGT-202", "Budgeting for Managers", "management", "internal", 8),
    ("C-MGT-203", "Performance Conversations", "management", "internal", 4),
    ("C-MGT-204", "Project Management Essentials", "management", "internal", 24),
    ("C-MGT-205", "Hiring and Interviewing", "management", "internal", 8),
    ("C-MGT-206", "Cross-Functional Collaboration", "management", "internal", 8),
    ("C-MGT-301", "Mini-MBA", "management", "external", 40),
    ("C-MGT-302", "Finance for Non-Finance Managers", "management", "external", 16),
    ("C-TEC-301", "Python for Analysts", "technical", "internal", 24),
    ("C-TEC-302", "Cloud Architecture Basics", "technical", "external", 24),
    ("C-TEC-303", "Data Visualisation", "technical", "internal", 8),
    ("C-TEC-304", "SQL Fundamentals", "technical", "internal", 16),
    ("C-TEC-305", "Secure Coding", "technical", "external", 16),
    ("C-TEC-306", "Agile Delivery with Scrum", "technical", "internal", 8),
    ("C-TEC-310", "Negotiation Skills", "technical", "external", 16),
    ("C-TEC-311", "Key Account Management", "technical", "internal", 16),
    ("C-TEC-312", "Lean Operations", "technical", "internal", 16),
    ("C-TEC-313", "Technology Trend Radar", "technical", "internal", 8),
    ("C-TEC-314", "Excel Modelling", "technical", "internal", 8),
    ("C-TEC-315", "Digital Marketing Analytics", "technical", "external", 16),
    ("C-TEC-316", "Customer Experience Design", "technical", "internal", 8),
    ("C-TEC-317", "Supply Chain Planning", "technical", "external", 24),
    ("C-CMP-001", "Anti-Bribery Compliance", "compliance", "internal", 4),
    ("C-CMP-002", "Data Protection (PIPL)", "compliance", "internal", 4),
    ("C-CMP-003", "Workplace Safety", "compliance", "internal", 4),
    ("C-CMP-004", "Information Security Awareness", "compliance", "internal", 4),
    ("C-CMP-005", "Code of Conduct", "compliance", "internal", 4),
    ("C-OTH-001", "Business Writing", "other", "internal", 8),
    ("C-OTH-002", "Presentation Skills", "other", "external", 8),
    ("C-OTH-003", "Time Management", "other", "internal", 4),
    ("C-OTH-004", "Business English", "other", "external", 40),
    ("C-OTH-005", "Design Thinking Workshop", "other", "external", 8),
]
CATEGORIES = ["leadership", "management", "technical", "compliance", "other"]
CATEGORY_WEIGHT = [0.09, 0.11, 0.42, 0.23, 0.15]
TECH_COURSES = {  # department: its four most relevant technical courses
    EXECUTIVE_OFFICE: ("C-TEC-313", "C-TEC-303", "C-TEC-310", "C-TEC-314"),
    "Sales": ("C-TEC-310", "C-TEC-311", "C-TEC-316", "C-TEC-314"),
    "R&D": ("C-TEC-301", "C-TEC-302", "C-TEC-305", "C-TEC-313"),
    "Operations": ("C-TEC-312", "C-TEC-314", "C-TEC-304", "C-TEC-317"),
    "Customer Service": ("C-TEC-316", "C-TEC-310", "C-TEC-314", "C-TEC-303"),
    "Marketing": ("C-TEC-315", "C-TEC-303", "C-TEC-316", "C-TEC-304"),
    "IT": ("C-TEC-302", "C-TEC-305", "C-TEC-304", "C-TEC-306"),
    "Supply Chain": ("C-TEC-317", "C-TEC-312", "C-TEC-314", "C-TEC-310"),
    "Finance": ("C-TEC-314", "C-TEC-304", "C-TEC-303", "C-TEC-301"),
    "Human Resources": ("C-TEC-303", "C-TEC-314", "C-TEC-316", "C-TEC-304"),
}

# --- certifications, skills, 360°, projects -----------------------------------------------------
DEPT_CERTS = {
    EXECUTIVE_OFFICE: ("CFA", "PMP", "CPA"),
    "Sales": ("Certified Sales Professional", "PMP", "Six Sigma Green Belt"),
    "R&D": ("AWS Solutions Architect", "PMP", "Certified Scrum Master"),
    "Operations": ("Six Sigma Green Belt", "PMP", "Lean Practitioner"),
    "Customer Service": ("COPC Customer Experience", "Six Sigma Green Belt", "ITIL Foundation"),
    "Marketing": ("Google Analytics Certification", "PMP", "Certified Digital Marketer"),
    "IT": ("AWS Solutions Architect", "CISSP", "ITIL Foundation"),
    "Supply Chain": ("APICS CSCP", "Six Sigma Green Belt", "PMP"),
    "Finance": ("CPA", "ACCA", "CFA"),
    "Human Resources": ("SHRM-CP", "CIPD Level 5", "PMP"),
}
DEPT_SKILLS = {
    EXECUTIVE_OFFICE: ("Strategy", "Budgeting", "Negotiation", "Public speaking", "Coaching", "Stakeholder management"),
    "Sales": ("Negotiation", "Key accounts", "CRM", "Public speaking", "Excel", "Market research"),
    "R&D": ("Python", "Java", "Cloud", "SQL", "System design", "Testing"),
    "Operations": ("Lean", "Six Sigma", "Excel", "Process design", "SQL", "Vendor management"),
    "Customer Service": ("Customer experience", "CRM", "Conflict resolution", "Excel", "Coaching", "Quality assurance"),
    "Marketing": ("Marketing analytics", "Copywriting", "SQL", "Brand management", "Social media", "Python"),
    "IT": ("Cloud", "Networking", "Python", "Security", "SQL", "Linux"),
    "Supply Chain": ("Demand planning", "Excel", "Vendor management", "Logistics", "SQL", "Negotiation"),
    "Finance": ("Excel", "Financial modelling", "Budgeting", "SQL", "IFRS", "Python"),
    "Human Resources": ("Recruiting", "Coaching", "Labour law", "Excel", "Data analysis", "Training design"),
}
GENERIC_SKILLS = ["Excel", "Project management", "Public speaking", "Data analysis", "English", "Python",
                  "Coaching", "Presentation"]
COMPETENCIES = ["leadership", "communication", "strategic_thinking", "collaboration", "execution"]
COMPETENCY_SHIFT = [-0.10, 0.05, -0.20, 0.10, 0.10]
RELATIONS = ["self", "manager", "peer", "direct_report"]
PRAISE = ["Clear communicator", "Great mentor", "Strong execution", "Sees the big picture", "Reliable under pressure",
          "Builds trust across teams"]
ADVICE = ["Needs more delegation", "Could share context earlier", "Should listen more in meetings",
          "Needs to prioritise", "Could give more feedback"]
PROJECT_THEMES = {
    EXECUTIVE_OFFICE: ("Strategy Refresh", "Operating Model Review"),
    "Sales": ("Key Account Expansion", "Channel Partner Programme", "West China Market Entry", "Sales Playbook"),
    "R&D": ("Platform Migration", "Next-Gen Product Prototype", "Test Automation", "Mobile App Rewrite"),
    "Operations": ("Process Improvement", "Cost Reduction", "Warehouse Automation", "Quality Drive"),
    "Customer Service": ("Customer Journey Redesign", "Service Hotline Upgrade", "Self-Service Portal", "NPS Recovery"),
    "Marketing": ("Brand Refresh", "Product Launch Campaign", "Marketing Automation", "Customer Insight Study"),
    "IT": ("ERP Upgrade", "Cloud Migration", "Zero-Trust Security", "Digital Workplace"),
    "Supply Chain": ("Supplier Consolidation", "Inventory Optimisation", "Logistics Network Redesign", "S&OP Rollout"),
    "Finance": ("Budgeting Process Redesign", "Expense Automation", "Tax Compliance Review", "Close Acceleration"),
    "Human Resources": ("Onboarding Revamp", "Talent Review Cycle", "HR System Rollout", "Employer Branding"),
}
ASPIRATIONS = ["management", "specialist", "undecided"]

# --- the files --------------------------------------------------------------------------------
HEADERS = {f"{name}.csv": entity.column_names for name, entity in ENTITIES.items() if name != "employee_attributes"}  # the import format
FILES = list(HEADERS)
ROSTER = "dingtalk/花名册.xlsx"
ROSTER_HEADERS = ["工号", "姓名", "主部门", "职位", "岗位职级", "直属主管id", "入职时间", "出生日期", "性别", "员工状态",
                  "办公地点", "离职时间", "离职原因"]
ROSTER_DATE_FORMATS = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]
UNKNOWN_IDS = ["E999999x", "E0000000", "X000042"]  # no employee has these

EPOCH = date(1970, 1, 1)
START = date(2022, 1, 1)  # the event history runs from here to `today`
YEAR = 365.25


def _day(d: date) -> int:
    return (d - EPOCH).days


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _dates(days: np.ndarray, keep: np.ndarray | None = None) -> pl.Series:
    """Day numbers as a Date column; null where `keep` is False."""
    out = pl.Series(np.asarray(days, dtype=np.int64)).cast(pl.Int32).cast(pl.Date)
    return out if keep is None else out.scatter(np.flatnonzero(~keep), None)


def _year(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def _month_start(days: np.ndarray) -> np.ndarray:
    return np.asarray(days, dtype="datetime64[D]").astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)


def _take(values: list[str], index: np.ndarray) -> pl.Series:
    """values[index] as a polars String column (fast for millions of rows)."""
    return pl.Series(values, dtype=pl.String).gather(np.asarray(index, dtype=np.int64))


def _null_where(series: pl.Series, missing: np.ndarray) -> pl.Series:
    return series.scatter(np.flatnonzero(missing), None) if missing.any() else series


def _distinct(rng: np.random.Generator, m: np.ndarray, k: int) -> np.ndarray:
    """(len(m), k) indices, distinct within a row, each uniform in [0, m); column j is valid where j < m."""
    out = np.zeros((m.size, k), dtype=np.int64)
    for j in range(k):
        r = (rng.random(m.size) * np.maximum(m - j, 1)).astype(np.int64)
        taken = np.sort(out[:, :j], axis=1)
        for c in range(j):  # skip the values already taken, smallest first
            r += r >= taken[:, c]
        out[:, j] = r
    return out


def _category_draw(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One draw per row from unnormalised row weights (rows, categories)."""
    cum = np.cumsum(weights, axis=1)
    u = rng.random(weights.shape[0]) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), weights.shape[1] - 1)


@dataclass
class Org:
    """Per-employee arrays, indexed 0…n-1 in employee_id order (E000001 is index 0)."""

    n: int
    today: int
    ids: pl.Series
    dept: np.ndarray  # 0 = Executive Office, 1… = DEPARTMENTS
    tier: np.ndarray  # 0 staff, 1 team lead, 2 manager, 3 department head, 4 Executive Office
    level: np.ndarray
    parent: np.ndarray  # index of the manager, -1 for the CEO
    potential: np.ndarray
    hire: np.ndarray
    birth: np.ndarray
    age: np.ndarray
    left: np.ndarray
    until: np.ndarray  # last day employed: exit date, or today
    members: np.ndarray  # employee indices grouped by department
    dept_start: np.ndarray
    dept_size: np.ndarray
    pos_in_dept: np.ndarray
    kids: np.ndarray  # employee indices grouped by manager
    first_kid: np.ndarray
    n_kids: np.ndarray


DEPT_NAMES = [EXECUTIVE_OFFICE, *DEPARTMENTS]
_TITLES = list(EXECUTIVES) + [
    title
    for d in DEPARTMENTS
    for title in (*STAFF_TITLES.get(d, (f"{d} Specialist", f"Senior {d} Specialist")),
                  f"{d} Team Lead", f"{d} Manager", f"Head of {d}")
]
_LEVEL_KIND = np.array([0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4])  # job level → junior, senior, lead, manager, head


def _title_index(dept: np.ndarray, level: np.ndarray, exec_rank: np.ndarray) -> np.ndarray:
    return np.where(dept == 0, exec_rank, len(EXECUTIVES) + (dept - 1) * 5 + _LEVEL_KIND[np.clip(level, 1, 10)])


def _organisation(rng: np.random.Generator, n: int, today: int) -> tuple[Org, pl.DataFrame, np.ndarray]:
    """The people, their hierarchy and attributes; returns (org, employees frame, title index)."""
    n_exec = min(len(EXECUTIVES), max(3, n // 400))
    shares = np.array(list(DEPARTMENTS.values()))
    sizes = np.concatenate([[n_exec], rng.multinomial(n - n_exec - 4 * len(shares), shares / shares.sum()) + 4])
    block = np.repeat(np.arange(sizes.size), sizes)  # built block by block: head, managers, leads, staff
    start = np.repeat(np.cumsum(sizes) - sizes, sizes)
    rank = np.arange(n) - start
    size = sizes[block]
    n_mgr = np.maximum(1, np.round(size * 0.08)).astype(np.int64)
    n_lead = np.maximum(1, np.round(size * 0.14)).astype(np.int64)
    is_exec = block == 0
    tier = np.select([is_exec, rank == 0, rank <= n_mgr, rank <= n_mgr + n_lead], [4, 3, 2, 1], 0)
    parent = np.select(
        [is_exec & (rank == 0), is_exec, tier == 3, tier == 2, tier == 1],
        [-1, 0, 1 + (block - 1) % (n_exec - 1), start, start + 1 + (rank - 1 - n_mgr) % n_mgr],
        start + 1 + n_mgr + (rank - 1 - n_mgr - n_lead) % n_lead,
    )
    potential = rng.normal(size=n) + 0.25 * np.minimum(tier, 3)

    # Tenure (skewed short; longer up the ladder), who left and when, levels, ages.
    left = (tier == 0) & (rng.random(n) < 0.25 * _sigmoid(-0.6 * potential))
    exit_day = today - rng.integers(1, 3 * 365, n)
    tenure = np.where(
        left,
        rng.exponential(2.2, n) + 0.15,
        rng.exponential(3.2, n) + np.array([0.05, 2.5, 4.5, 6.0, 7.0])[tier] + rng.random(n),
    )
    tenure = np.where(tenure > 19.5, 8 + 11.5 * rng.random(n), tenure).clip(0.05, 19.5)  # the company is ~20 years old
    until = np.where(left, exit_day, today)
    hire = until - (tenure * YEAR).astype(np.int64)
    u = rng.random(n)
    staff_level = 1 + np.clip(np.floor(tenure / 2.5 + 0.4 * potential + 1.2 * rng.random(n) - 0.3), 0, 3)
    level = np.select([tier == 4, tier == 3, tier == 2, tier == 1],
                      [10, 9 + (u < 0.3), 7 + (u < 0.35), 5 + (u < 0.5)], staff_level).astype(np.int64)
    age_then = np.clip(22 + 1.5 * (level - 1) + 6 * rng.random(n) + tenure, 22.05, 60.9)
    age = np.minimum(age_then + (today - until) / YEAR, 60.95)
    birth = today - (age * YEAR).astype(np.int64)

    # Renumber by hire date: employee numbers grow with seniority, as in most HR systems.
    order = np.lexsort((np.arange(n), hire))
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = np.arange(n)
    exec_rank = rank[order]
    parent = np.where(parent[order] >= 0, inverse[np.maximum(parent[order], 0)], -1)
    block, tier, level, potential, left, exit_day, hire, until, birth, age = (
        a[order] for a in (block, tier, level, potential, left, exit_day, hire, until, birth, age))
    width = max(6, len(str(n)))
    ids = pl.select(pl.lit("E") + pl.int_range(1, n + 1, eager=True).cast(pl.String).str.zfill(width)).to_series()

    members = np.argsort(block, kind="stable")
    dept_size = np.bincount(block, minlength=sizes.size)
    dept_start = np.cumsum(dept_size) - dept_size
    pos_in_dept = np.empty(n, dtype=np.int64)
    pos_in_dept[members] = np.arange(n) - dept_start[block[members]]
    kids = np.argsort(parent, kind="stable")
    first_kid = np.searchsorted(parent[kids], np.arange(n), side="left")
    n_kids = np.searchsorted(parent[kids], np.arange(n), side="right") - first_kid

    # Names, gender, location, exit reasons.
    female = rng.random(n) < 0.48
    no_gender = rng.random(n) < 0.01
    chinese = rng.random(n) < 0.75
    given = np.where(female, rng.integers(0, len(GIVEN_FEMALE), n), len(GIVEN_FEMALE) + rng.integers(0, len(GIVEN_MALE), n))
    first = np.where(female, rng.integers(0, len(FIRST_FEMALE), n), len(FIRST_FEMALE) + rng.integers(0, len(FIRST_MALE), n))
    names = pl.DataFrame({
        "cn": _take(SURNAMES, rng.integers(0, len(SURNAMES), n)) + _take(GIVEN_FEMALE + GIVEN_MALE, given),
        "en": _take(FIRST_FEMALE + FIRST_MALE, first) + " " + _take(LAST_NAMES, rng.integers(0, len(LAST_NAMES), n)),
        "chinese": chinese,
    }).select(pl.when("chinese").then("cn").otherwise("en")).to_series()
    location = rng.choice(len(LOCATIONS), size=n, p=LOCATION_SHARE)
    weak = potential < -0.4
    reason_p = np.where(weak[:, None], [[0.33, 0.30, 0.08, 0.04, 0.15, 0.10]], [[0.58, 0.07, 0.14, 0.04, 0.04, 0.13]])
    reason = _category_draw(rng, reason_p)
    reason = np.where((age >= 57) & (rng.random(n) < 0.7), 3, reason)
    reason = np.where((reason == 3) & (age < 55), 0, reason)

    title = _title_index(block, level, exec_rank)
    people = pl.DataFrame({
        "employee_id": ids,
        "name": names,
        "department": _take(DEPT_NAMES, block),
        "position": _take(_TITLES, title),
        "job_level": level,
        "manager_id": _null_where(ids.gather(np.maximum(parent, 0)), parent < 0),
        "hire_date": _dates(hire),
        "birth_date": _dates(birth),
        "gender": _null_where(_take(["male", "female"], female.astype(np.int64)), no_gender),
        "location": _take(LOCATIONS, location),
        "status": _take(["active", "left"], left.astype(np.int64)),
        "exit_date": _dates(exit_day, left),
        "exit_reason": _null_where(_take(EXIT_REASONS, reason), ~left),
    })
    org = Org(n=n, today=today, ids=ids, dept=block, tier=tier, level=level, parent=parent, potential=potential,
              hire=hire, birth=birth, age=age, left=left, until=until, members=members, dept_start=dept_start,
              dept_size=dept_size, pos_in_dept=pos_in_dept, kids=kids, first_kid=first_kid, n_kids=n_kids)
    return org, people, exec_rank


def _promotions(rng: np.random.Generator, o: Org, exec_rank: np.ndarray) -> tuple[pl.DataFrame, np.ndarray]:
    """Up to two one-level promotions per person since 2022, the last one to today's level.

    Returns the frame and, per employee, the day of a promotion into management (0 if none).
    """
    n, z, level, tier = o.n, o.potential, o.level, o.tier
    lo = np.maximum(o.hire + 270, _day(START))
    room = o.until - 7 - lo
    p = np.select(
        [tier == 4, tier == 3, (tier == 2) & (level == 7), tier == 2, tier == 1, level >= 2],
        [0.0, 0.2 * _sigmoid(z), _sigmoid(1.6 * z - 0.5), 0.35 * _sigmoid(z), 0.45 * _sigmoid(z), 0.35 * _sigmoid(0.8 * z)],
        0.0,
    )
    once = (rng.random(n) < p) & (room > 30)
    twice = once & (rng.random(n) < 0.25 * _sigmoid(z)) & (room > 540) & (level >= 3)
    u1, u2 = rng.random(n), rng.random(n)
    last = _month_start(np.where(twice, lo + room / 2 + u2 * room / 2, lo + u1 * room).astype(np.int64))
    first = _month_start((lo + u1 * (room / 2 - 60)).astype(np.int64))
    e = np.concatenate([np.flatnonzero(twice), np.flatnonzero(once)])
    when = np.concatenate([first[twice], last[once]])
    to = np.concatenate([level[twice] - 1, level[once]])
    order = np.lexsort((when, e))
    e, when, to = e[order], when[order], to[order]
    into = (to >= 7) & (to - 1 < 7)
    frame = pl.DataFrame({
        "employee_id": o.ids.gather(e),
        "effective_date": _dates(when),
        "from_level": to - 1,
        "to_level": to,
        "to_position": _take(_TITLES, _title_index(o.dept[e], to, exec_rank[e])),
        "into_management": into,
    })
    into_day = np.zeros(n, dtype=np.int64)
    into_day[e[into]] = when[into]
    return frame, into_day


def _ratings(rng: np.random.Generator, o: Org, into_day: np.ndarray) -> pl.DataFrame:
    """Annual and mid-year ratings on a forced distribution; potential sets level and trend."""
    periods = [p for p in PERIODS if p[2] <= date.fromordinal(EPOCH.toordinal() + o.today)]
    k = len(periods)
    e = np.repeat(np.arange(o.n), k)
    p = np.tile(np.arange(k), o.n)
    hired_by = np.array([_day(x[4]) for x in periods])
    there_on = np.array([_day(x[2]) for x in periods])
    keep = (o.hire[e] <= hired_by[p]) & (o.until[e] >= there_on[p])
    e, p = e[keep], p[keep]
    z = o.potential
    # Those promoted into management climbed before it; high potential climbs a little anyway.
    slope = 0.10 * z + 0.22 * (into_day > 0) + rng.normal(0, 0.10, o.n)
    t = np.array([x[3] for x in periods])[p] - 2.0
    latent = 0.8 * z[e] + slope[e] * t + rng.normal(0, 0.7, e.size)
    grade = np.zeros(e.size, dtype=np.int64)
    cum = np.cumsum(GRADE_SHARE)[:-1]
    for j in range(k):  # each period follows the forced distribution, as calibrated ratings do
        in_p = np.flatnonzero(p == j)
        if in_p.size:
            cuts = np.quantile(latent[in_p], 1 - cum)
            grade[in_p] = np.searchsorted(-cuts, -latent[in_p])
    lo, hi = np.array(GRADE_SCORE).T
    score = np.minimum(np.round(lo[grade] + rng.random(e.size) * (hi[grade] - lo[grade]), 1), 100.0)
    return pl.DataFrame({
        "employee_id": o.ids.gather(e),
        "period": _take([x[0] for x in periods], p),
        "rating": _take(GRADES, grade),
        "score": _null_where(pl.Series(score), rng.random(e.size) < 0.2),
    })


def _training(rng: np.random.Generator, o: Org) -> pl.DataFrame:
    z, level = o.potential, o.level
    w_start = np.maximum(o.hire, _day(START))
    w_len = np.maximum(o.until - w_start, 0)
    count = rng.poisson(1.7 * w_len / YEAR + 0.5)
    e = np.repeat(np.arange(o.n), count)
    m = e.size
    weights = np.tile(np.array(CATEGORY_WEIGHT), (m, 1))
    weights[:, :2] *= np.exp(0.55 * z[e] + 0.12 * (level[e] - 4))[:, None]
    category = _category_draw(rng, weights)
    index = {c[0]: i for i, c in enumerate(COURSES)}
    by_cat = [[i for i, c in enumerate(COURSES) if c[2] == cat] for cat in CATEGORIES]
    widest = max(len(lst) for lst in by_cat)
    table = np.array([lst + [lst[0]] * (widest - len(lst)) for lst in by_cat])
    n_in = np.array([len(lst) for lst in by_cat])
    course = table[category, (rng.random(m) * n_in[category]).astype(np.int64)]
    tech = np.array([[index[c] for c in TECH_COURSES[d]] for d in DEPT_NAMES])
    dept_tech = tech[o.dept[e], rng.integers(0, 4, m)]
    course = np.where((category == 2) & (rng.random(m) < 0.75), dept_tech, course)

    hours = np.array([c[4] for c in COURSES])[course]
    start = w_start[e] + (rng.random(m) * np.maximum(w_len[e] - 1, 0)).astype(np.int64)
    finish = start + hours // 8 + (rng.random(m) * (hours + 1)).astype(np.int64)
    lead_course = category < 2
    p_done = np.where(lead_course, _sigmoid(1.5 + 0.6 * z[e]), _sigmoid(2.0 + 0.2 * z[e]))
    done = rng.random(m) < p_done
    status = np.where(finish > o.until[e], np.where(o.left[e], 2, 1), np.where(done, 0, 2))  # 0 completed 1 in_progress 2 dropped
    completed = status == 0
    score = np.clip(np.round(62 + 30 * _sigmoid(0.8 * z[e] + rng.normal(0, 0.8, m)) + rng.normal(0, 3, m)), 0, 100)
    has_score = completed & (rng.random(m) < 0.58)
    frame = pl.DataFrame({"e": e, "course": course, "start": start, "finish": finish, "status": status,
                          "score": score.astype(np.int64), "has_score": has_score, "hours": hours})
    frame = frame.unique(subset=["e", "course", "start"], keep="first", maintain_order=True)
    frame = frame.sort("e", "start", "course", maintain_order=True)
    e, course = frame["e"].to_numpy(), frame["course"].to_numpy()
    status = frame["status"].to_numpy()
    return pl.DataFrame({
        "employee_id": o.ids.gather(e),
        "course_id": _take([c[0] for c in COURSES], course),
        "course_name": _take([c[1] for c in COURSES], course),
        "category": _take([c[2] for c in COURSES], course),
        "provider": _take([c[3] for c in COURSES], course),
        "hours": frame["hours"],
        "start_date": _dates(frame["start"].to_numpy()),
        "completion_date": _dates(frame["finish"].to_numpy(), status == 0),
        "status": _take(["completed", "in_progress", "dropped"], status),
        "score": _null_where(frame["score"], ~frame["has_score"].to_numpy()),
    })


def _certifications(rng: np.random.Generator, o: Org) -> pl.DataFrame:
    z = o.potential
    count = rng.poisson(0.34 + 0.12 * np.clip(z, 0, None) + 0.04 * np.minimum(o.tier, 3))
    e = np.repeat(np.arange(o.n), count)
    m = e.size
    all_certs = sorted({c for v in DEPT_CERTS.values() for c in v})
    lookup = {c: i for i, c in enumerate(all_certs)}
    dept_certs = np.array([[lookup[c] for c in DEPT_CERTS[d]] for d in DEPT_NAMES])
    cert = np.where(rng.random(m) < 0.8, dept_certs[o.dept[e], rng.integers(0, 3, m)], rng.integers(0, len(all_certs), m))
    lo = o.hire[e] - 4 * 365
    issued = lo + (rng.random(m) * np.maximum(np.minimum(o.until[e], o.today - 1) - lo, 1)).astype(np.int64)
    expiry = issued + np.where(rng.random(m) < 0.7, 3, 2) * 365
    frame = pl.DataFrame({"e": e, "cert": cert, "issued": issued, "expiry": expiry, "expires": rng.random(m) < 0.5})
    frame = frame.unique(subset=["e", "cert"], keep="first", maintain_order=True).sort("e", "issued", "cert", maintain_order=True)
    return pl.DataFrame({
        "employee_id": o.ids.gather(frame["e"].to_numpy()),
        "name": _take(all_certs, frame["cert"].to_numpy()),
        "issued_date": _dates(frame["issued"].to_numpy()),
        # Certificates may well be valid beyond today: an expiry date is not an event.
        "expiry_date": _dates(frame["expiry"].to_numpy(), frame["expires"].to_numpy()),
    })


def _feedback(rng: np.random.Generator, o: Org) -> pl.DataFrame:
    z, n = o.potential, o.n
    lenient = rng.normal(0, 0.25, n)  # some raters are generous, some strict
    frames = []
    for cycle in ("2024", "2025"):
        cycle_end = _day(date(int(cycle), 11, 30))
        if cycle_end > o.today:
            continue
        eligible = (o.hire <= cycle_end - 180) & (o.until >= cycle_end)
        reviewed = eligible & (rng.random(n) < np.where(o.level >= 3, 0.62, 0.40))
        r = np.flatnonzero(reviewed)
        k = r.size
        n_peer = np.minimum(2 + (rng.random(k) < 0.5), o.dept_size[o.dept[r]] - 1)
        n_rep = np.minimum(2 + (rng.random(k) < 0.5), o.n_kids[r])
        peer_local = _distinct(rng, o.dept_size[o.dept[r]] - 1, 3)
        peer_local += peer_local >= o.pos_in_dept[r][:, None]  # skip oneself
        peers = o.members[np.minimum(o.dept_start[o.dept[r]][:, None] + peer_local, n - 1)]
        rep_pick = _distinct(rng, o.n_kids[r], 3)
        reports = o.kids[np.minimum(o.first_kid[r][:, None] + rep_pick, n - 1)]
        rater = np.column_stack([r, np.maximum(o.parent[r], 0), peers, reports])
        relation = np.array([0, 1, 2, 2, 2, 3, 3, 3])
        slot = np.arange(8)
        valid = np.column_stack([
            np.ones(k, bool), o.parent[r] >= 0,
            slot[None, 2:5] - 2 < n_peer[:, None], slot[None, 5:8] - 5 < n_rep[:, None],
        ])
        who = np.repeat(r, valid.sum(axis=1))
        rater, rel = rater[valid], np.broadcast_to(relation, valid.shape)[valid]
        c = len(COMPETENCIES)
        who, rater, rel = np.repeat(who, c), np.repeat(rater, c), np.repeat(rel, c)
        comp = np.tile(np.arange(c), who.size // c)
        boss_view = ((rel == 1) | (rel == 3)) & (comp == 0)  # leadership as seen by manager and reports
        raw = np.where(
            rel == 0,
            3.75 + 0.15 * z[who] + rng.normal(0, 0.5, who.size),
            3.25 + 0.42 * z[who] + 0.30 * boss_view * z[who] + lenient[rater] + rng.normal(0, 0.6, who.size),
        ) + np.array(COMPETENCY_SHIFT)[comp]
        score = np.clip(np.round(raw), 1, 5).astype(np.int64)
        praise = _take(PRAISE, rng.integers(0, len(PRAISE), who.size))
        advice = _take(ADVICE, rng.integers(0, len(ADVICE), who.size))
        comment = pl.select(pl.when(pl.Series(score >= 4)).then(praise).otherwise(advice)).to_series()
        frames.append(pl.DataFrame({
            "employee_id": o.ids.gather(who),
            "cycle": pl.repeat(cycle, who.size, eager=True),
            "rater_id": o.ids.gather(rater),
            "rater_relation": _take(RELATIONS, rel),
            "competency": _take(COMPETENCIES, comp),
            "score": score,
            "comment": _null_where(comment, rng.random(who.size) >= 0.04),
        }))
    if not frames:  # `today` before the first cycle closed
        return pl.DataFrame(schema={"employee_id": pl.String, "cycle": pl.String, "rater_id": pl.String,
                                    "rater_relation": pl.String, "competency": pl.String, "score": pl.Int64,
                                    "comment": pl.String})
    return pl.concat(frames)


def _projects(rng: np.random.Generator, o: Org) -> pl.DataFrame:
    z, n, today = o.potential, o.n, o.today
    team_target = np.minimum(3 + rng.poisson(3.5, max(3, round(n * 0.56))), 14)
    n_proj = team_target.size
    regular = np.arange(1, len(DEPT_NAMES))
    weight = o.dept_size[1:] / o.dept_size[1:].sum()
    home = rng.choice(regular, size=n_proj, p=weight)
    cross = rng.random(n_proj) < 0.3
    start = _day(START) + (rng.random(n_proj) * (today - 14 - _day(START))).astype(np.int64)
    end = start + rng.integers(60, 540, n_proj)

    def pick(d: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return o.members[o.dept_start[d] + (rng.random(shape) * o.dept_size[d]).astype(np.int64)]

    # The lead: the strongest of six colleagues of the home department who were there (level ≥ 3).
    cand = pick(np.repeat(home[:, None], 6, axis=1), (n_proj, 6))
    ok = (o.hire[cand] <= start[:, None]) & (o.until[cand] >= start[:, None] + 30) & (o.level[cand] >= 3) & (o.tier[cand] < 4)
    merit = z[cand] * (1 + 0.6 * cross[:, None]) + 0.25 * o.level[cand] + rng.normal(0, 0.7, cand.shape)
    best = np.argmax(np.where(ok, merit, -np.inf), axis=1)
    lead = cand[np.arange(n_proj), best]
    has_lead = ok.any(axis=1)

    # Members: the home department, and for cross-department projects partly other departments,
    # where the stronger of two candidates gets the seat.
    slots = 13
    other = rng.choice(regular, size=(n_proj, slots), p=weight)
    d = np.where(cross[:, None] & (rng.random((n_proj, slots)) < 0.4), other, home[:, None])
    a, b = pick(d, (n_proj, slots)), pick(d, (n_proj, slots))
    stronger = np.where(z[b] + rng.normal(0, 0.8, b.shape) > z[a] + rng.normal(0, 0.8, a.shape), b, a)
    member = np.where(cross[:, None], stronger, a)
    there = (o.hire[member] <= start[:, None] + 90) & (o.until[member] >= start[:, None] + 14)
    seat = (np.arange(slots)[None, :] < team_target[:, None] - 1) & there & (member != lead[:, None]) & has_lead[:, None]
    proj = np.concatenate([np.flatnonzero(has_lead), np.repeat(np.arange(n_proj), seat.sum(axis=1))])
    e = np.concatenate([lead[has_lead], member[seat]])
    role = np.concatenate([np.zeros(has_lead.sum(), np.int64), np.ones(seat.sum(), np.int64)])
    rows = pl.DataFrame({"proj": proj, "e": e, "role": role}).sort("proj", "role", maintain_order=True)
    rows = rows.unique(subset=["proj", "e"], keep="first", maintain_order=True)

    # Project numbers: P<start year>-<sequence within that year>, in order of start.
    kept = np.flatnonzero(has_lead)
    year = _year(start[kept])
    order = np.lexsort((kept, start[kept]))
    year_sorted = year[order]
    seq = np.empty(kept.size, dtype=np.int64)
    seq[order] = np.arange(kept.size) - np.searchsorted(year_sorted, year_sorted, side="left") + 1
    code = np.zeros(n_proj, dtype=np.int64)
    code[kept] = year * 100000 + seq
    width = max(4, len(str(int(seq.max(initial=1)))))
    proj, e, role = rows["proj"].to_numpy(), rows["e"].to_numpy(), rows["role"].to_numpy()
    size = np.bincount(proj, minlength=n_proj)
    rows = pl.DataFrame({"proj": proj, "e": e, "role": role, "start": start[proj]}).sort("e", "start", "proj", maintain_order=True)
    proj, e, role = rows["proj"].to_numpy(), rows["e"].to_numpy(), rows["role"].to_numpy()
    themes = [t for dname in DEPT_NAMES for t in PROJECT_THEMES[dname]]
    theme_start = np.cumsum([0] + [len(PROJECT_THEMES[d]) for d in DEPT_NAMES])[:-1]
    theme_count = np.array([len(PROJECT_THEMES[d]) for d in DEPT_NAMES])
    theme = theme_start[home] + (rng.random(n_proj) * theme_count[home]).astype(np.int64)
    pid = pl.Series(code[proj])
    ongoing = end[proj] > today
    return pl.DataFrame({
        "employee_id": o.ids.gather(e),
        "project_id": pl.select(pl.lit("P") + (pid // 100000).cast(pl.String) + "-"
                                + (pid % 100000).cast(pl.String).str.zfill(width)).to_series(),
        "project_name": pl.select(pl.when(pl.Series(cross[proj])).then(pl.lit("Cross-Department ")).otherwise(pl.lit(""))
                                  + _take(themes, theme[proj]) + " " + pl.Series(_year(start[proj])).cast(pl.String)).to_series(),
        "role": _take(["lead", "member"], role),
        "team_size": _null_where(pl.Series(size[proj]), (role == 1) & (rng.random(proj.size) < 0.8)),
        "cross_department": cross[proj],
        "start_date": _dates(start[proj]),
        "end_date": _dates(end[proj], ~ongoing),
    })


def _profiles(rng: np.random.Generator, o: Org) -> pl.DataFrame:
    z, level = o.potential, o.level
    i = np.flatnonzero(~o.left & (rng.random(o.n) < 0.85))
    m = i.size
    p_mgmt = _sigmoid(0.9 * z[i] + 0.25 * (level[i] - 4) - 0.6)
    u = rng.random(m)
    aspiration = np.where(u < p_mgmt, 0, np.where(u < p_mgmt + (1 - p_mgmt) * 0.55, 1, 2))
    plan = rng.random(m) < _sigmoid(-0.7 + 0.8 * z[i] + 1.0 * (aspiration == 0))
    skills = sorted({s for v in DEPT_SKILLS.values() for s in v} | set(GENERIC_SKILLS))
    lookup = {s: j for j, s in enumerate(skills)}
    dept_skills = np.array([[lookup[s] for s in DEPT_SKILLS[d]] for d in DEPT_NAMES])
    generic = np.array([lookup[s] for s in GENERIC_SKILLS])
    own = dept_skills[o.dept[i][:, None], rng.integers(0, 6, (m, 5))]
    pick = np.where(rng.random((m, 5)) < 0.65, own, generic[rng.integers(0, len(generic), (m, 5))])
    n_skills = rng.integers(1, 6, m)
    cols = [_null_where(_take(skills, pick[:, j]), n_skills <= j).alias(f"s{j}") for j in range(5)]
    skill_text = pl.DataFrame(cols).select(
        pl.concat_list(pl.all()).list.drop_nulls().list.unique(maintain_order=True).list.join(";")
    ).to_series()
    since = np.maximum(o.hire[i], o.today - 730)
    updated = since + (rng.random(m) * np.maximum(o.today - since, 0)).astype(np.int64)
    return pl.DataFrame({
        "employee_id": o.ids.gather(i),
        "skills": skill_text,
        "career_aspiration": _take(ASPIRATIONS, aspiration),
        "career_plan_submitted": plan,
        "updated_at": _dates(updated),
    })


# --- deliberate bad rows ----------------------------------------------------------------------
def _spoil(frame: pl.DataFrame, rng: np.random.Generator, plan: list[tuple[str, int, list[str]]],
           rows: np.ndarray | None = None) -> pl.DataFrame:
    """Overwrite values with bad ones: plan = [(column, rows to spoil, bad values)], disjoint rows."""
    pool = np.arange(frame.height) if rows is None else rows
    total = min(sum(k for _, k, _ in plan), pool.size)
    picks = pool[rng.choice(pool.size, size=total, replace=False)]
    columns = {}
    at = 0
    for column, k, bad in plan:
        where, at = picks[at:at + k], at + k
        series = columns.get(column, frame[column].cast(pl.String))
        columns[column] = series.scatter(where, _take(bad, rng.integers(0, len(bad), where.size)))
    return frame.with_columns(*columns.values())


def _insert(frame: pl.DataFrame, extra: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    """Insert the rows of `extra` at random positions of `frame`."""
    key = np.concatenate([2 * np.arange(frame.height), 2 * rng.integers(0, frame.height + 1, extra.height) - 1])
    both = pl.concat([frame, extra.cast(frame.schema)])
    return both[np.argsort(key, kind="stable")]


def _duplicate(frame: pl.DataFrame, rng: np.random.Generator, count: int) -> pl.DataFrame:
    """`count` exact copies of random rows, at random positions."""
    picks = np.sort(rng.choice(frame.height, size=min(count, frame.height), replace=False))
    return _insert(frame, frame[picks], rng)


def _share(frame: pl.DataFrame, share: float) -> int:
    return max(1, round(frame.height * share))


def generate_demo(out_dir: Path, employees: int = 2000, seed: int = 7, progress: Callable[[float, str], None] | None = None,
                  today: date = date(2026, 11, 26)) -> dict[str, int]:
    """Write the demo files into out_dir; return {file name: data rows written}."""
    n = int(employees)
    if n < 50:
        raise ValueError("the demo organisation needs at least 50 employees")
    if today < date(2023, 1, 1):
        raise ValueError("the demo history runs from 2022: today must be 2023-01-01 or later")
    report = progress or (lambda fraction, message: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    steps = len(FILES) + 1
    counts: dict[str, int] = {}
    report(0.0, "generating the demo organisation")

    def write(name: str, frame: pl.DataFrame) -> None:
        frame.select(HEADERS[name]).write_csv(out_dir / name, null_value="", date_format="%Y-%m-%d")
        counts[name] = frame.height
        report(len(counts) / steps, f"wrote {name} ({frame.height:,} rows)")

    org, people, exec_rank = _organisation(rng, n, _day(today))
    promotions, into_day = _promotions(rng, org, exec_rank)

    # employees: two impossible hire dates, a job level in words, a conflicting and an exact duplicate.
    staff = np.flatnonzero(org.tier == 0)
    bad = _spoil(people, rng, [("hire_date", 1, ["2025-02-31"]), ("hire_date", 1, ["31/02/2025"]),
                               ("job_level", 1, ["senior"])], rows=staff)
    twin = int(staff[rng.integers(0, staff.size)])
    moved = DEPT_NAMES[1 + org.dept[twin] % (len(DEPT_NAMES) - 1)]  # another department than the twin's
    conflict = bad[[twin]].with_columns(pl.lit(moved).alias("department"), pl.lit(f"{moved} Specialist").alias("position"))
    write("employees.csv", _duplicate(_insert(bad, conflict, rng), rng, 1))

    t = _ratings(rng, org, into_day)
    t = _spoil(t, rng, [("rating", _share(t, 0.008), ["E", "A+", "Excellent"]), ("score", _share(t, 0.006), ["150", "-5"]),
                        ("employee_id", _share(t, 0.005), UNKNOWN_IDS)])
    write("performance_ratings.csv", _duplicate(t, rng, _share(t, 0.004)))

    t = _training(rng, org)
    t = _spoil(t, rng, [("start_date", _share(t, 0.009), ["2024-13-01", "2025-02-30"]), ("hours", _share(t, 0.008), ["abc", "eight"]),
                        ("employee_id", _share(t, 0.006), UNKNOWN_IDS)])
    write("training_records.csv", t)

    t = _certifications(rng, org)
    write("certifications.csv", _spoil(t, rng, [("issued_date", 1, ["2023-02-29"]), ("employee_id", 1, UNKNOWN_IDS)]))

    t = _feedback(rng, org)
    t = _spoil(t, rng, [("score", _share(t, 0.013), ["0", "7"]), ("rater_relation", _share(t, 0.010), ["boss"])])
    write("feedback_360.csv", t)

    t = _projects(rng, org)
    t = _spoil(t, rng, [("role", _share(t, 0.013), ["owner"]), ("employee_id", _share(t, 0.010), UNKNOWN_IDS)])
    write("projects.csv", t)

    t = _profiles(rng, org)
    write("profiles.csv", _spoil(t, rng, [("career_aspiration", 1, ["ceo"]), ("updated_at", 1, ["2025-06-31"])]))

    write("promotions.csv", _spoil(promotions, rng, [("effective_date", 1, ["2024-04-31"]), ("to_level", 1, ["seven"])]))

    _write_roster(people, out_dir / ROSTER, rng, today)
    counts[ROSTER] = people.height
    report(1.0, f"wrote {ROSTER} ({people.height:,} rows)")
    return counts


def _write_roster(people: pl.DataFrame, path: Path, rng: np.random.Generator, today: date) -> None:
    """The same people as DingTalk's roster export: Chinese labels, mixed date formats, text IDs."""
    import xlsxwriter  # only needed here

    path.parent.mkdir(parents=True, exist_ok=True)
    style = pl.Series(rng.integers(0, len(ROSTER_DATE_FORMATS), people.height))

    def mixed(col: str) -> pl.Expr:
        expr = pl.col(col).dt.to_string(ROSTER_DATE_FORMATS[0])
        for j, fmt in enumerate(ROSTER_DATE_FORMATS[1:], start=1):
            expr = pl.when(style == j).then(pl.col(col).dt.to_string(fmt)).otherwise(expr)
        return expr

    roster = people.select(
        "employee_id", "name", "department", "position", "job_level", "manager_id",
        mixed("hire_date"), mixed("birth_date"),
        pl.col("gender").replace_strict({"female": "女", "male": "男"}, default=None),
        pl.when(pl.col("status") == "left").then(pl.lit("离职")).otherwise(pl.lit("在职")),
        "location", mixed("exit_date"), "exit_reason",
    )
    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})
    workbook.set_properties({"created": datetime(today.year, today.month, today.day)})
    sheet = workbook.add_worksheet("花名册")
    sheet.write_row(0, 0, ROSTER_HEADERS)
    write_row = sheet.write_row
    # The library writes cell by cell; this is the one per-row loop of the generator.
    for r, values in enumerate(roster.iter_rows(), start=1):
        write_row(r, 0, values)
    workbook.close()
