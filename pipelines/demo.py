"""A deterministic demo organisation in the canonical import format (and a DingTalk roster).

Vectorised numpy/polars throughout: a hidden per-person "potential" drives ratings and their
trend, leadership training, 360 scores, lead roles, aspiration and promotion into management,
each with noise, so a model has something real (but imperfect) to learn. A few percent of rows
are deliberately broken so the quarantine has work to do.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

DEPARTMENTS = {
    "Sales": 0.22, "R&D": 0.21, "Operations": 0.12, "Customer Service": 0.10, "Marketing": 0.08,
    "IT": 0.08, "Supply Chain": 0.07, "Finance": 0.05, "Human Resources": 0.045, "Legal": 0.025,
}
LOCATIONS = ["Hangzhou", "Shanghai", "Beijing", "Shenzhen", "Chengdu"]
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余")
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平",
         "刚", "桂英", "晓明", "晓燕", "建华", "志强", "海燕", "婷", "雪", "琳", "鹏", "宇", "浩", "欣怡", "子涵", "梓萱", "一鸣", "思远",
         "佳怡", "俊杰", "文博", "雨桐", "嘉豪", "晨", "颖", "倩", "博", "睿", "昊然", "诗涵", "天佑", "若曦", "泽宇", "可馨", "家乐",
         "凯", "丹", "毅", "慧", "頔"]
FIRST = ["Emily", "James", "Olivia", "Daniel", "Sophia", "Michael", "Grace", "David", "Chloe", "Kevin", "Linda", "Jason",
         "Amy", "Eric", "Vivian", "Tony", "Cindy", "Peter", "Irene", "Frank"]
LAST = ["Chen", "Wang", "Li", "Zhang", "Liu", "Smith", "Brown", "Wong", "Lee", "Tan", "Lim", "Ng", "Ho", "Lau", "Cheung"]
GRADES = ["A", "B+", "B", "C", "D"]
GRADE_SHARE = [0.10, 0.25, 0.45, 0.15, 0.05]
GRADE_SCORE = [(90, 100), (80, 90), (68, 80), (55, 68), (30, 55)]
COURSES = [  # (id, name, category, provider, hours)
    ("C-LDR-101", "Leading High-Performance Teams", "leadership", "internal", 16),
    ("C-LDR-102", "Coaching for Managers", "leadership", "internal", 8),
    ("C-LDR-201", "Strategic Leadership Programme", "leadership", "external", 40),
    ("C-LDR-202", "Leading Through Change", "leadership", "external", 16),
    ("C-MGT-201", "Strategic Thinking", "management", "internal", 16),
    ("C-MGT-202", "Budgeting for Managers", "management", "internal", 8),
    ("C-MGT-203", "Performance Conversations", "management", "internal", 4),
    ("C-MGT-301", "Mini-MBA", "management", "external", 40),
    ("C-TEC-301", "Python for Analysts", "technical", "internal", 24),
    ("C-TEC-302", "Cloud Architecture Basics", "technical", "external", 24),
    ("C-TEC-303", "Data Visualisation", "technical", "internal", 8),
    ("C-TEC-310", "Negotiation Skills", "technical", "external", 16),
    ("C-TEC-311", "Key Account Management", "technical", "internal", 16),
    ("C-TEC-312", "Lean Operations", "technical", "internal", 16),
    ("C-TEC-313", "Technology Trend Radar", "technical", "internal", 8),
    ("C-TEC-314", "Excel Modelling", "technical", "internal", 8),
    ("C-CMP-001", "Anti-Bribery Compliance", "compliance", "internal", 4),
    ("C-CMP-002", "Data Protection (PIPL)", "compliance", "internal", 4),
    ("C-CMP-003", "Workplace Safety", "compliance", "internal", 4),
    ("C-OTH-001", "Business Writing", "other", "internal", 8),
    ("C-OTH-002", "Presentation Skills", "other", "external", 8),
    ("C-OTH-003", "Time Management", "other", "internal", 4),
]
CERTS = ["PMP", "CPA", "ACCA", "CFA", "Six Sigma Green Belt", "AWS Solutions Architect", "CISSP", "SHRM-CP", "ITIL Foundation", "Scrum Master"]
SKILLS = ["Python", "SQL", "Negotiation", "Key accounts", "Excel", "Project management", "Java", "Cloud", "Coaching",
          "Public speaking", "Data analysis", "Lean", "Budgeting", "Recruiting", "Contract law", "Marketing analytics"]
COMPETENCIES = ["leadership", "communication", "strategic_thinking", "collaboration", "execution"]
EXIT_REASONS = ["resignation", "capability mismatch", "relocation", "retirement", "dismissal", "other"]

FILES = ["employees.csv", "performance_ratings.csv", "training_records.csv", "certifications.csv",
         "feedback_360.csv", "projects.csv", "profiles.csv", "promotions.csv"]


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _days(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _date(col: np.ndarray | pl.Series, name: str) -> pl.Series:
    return pl.Series(name, np.asarray(col, dtype="int64")).cast(pl.Int32).cast(pl.Date)


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pl.Series:
    return pl.select(pl.lit(prefix) + pl.Series(numbers).cast(pl.String).str.zfill(width)).to_series()


def _spoil(frame: pl.DataFrame, rng: np.random.Generator, column: str, share: float, bad: list[str]) -> pl.DataFrame:
    """Overwrite `share` of a text frame's rows in `column` with bad values."""
    n = frame.height
    k = max(1, int(round(n * share))) if n else 0
    picks = rng.choice(n, size=min(k, n), replace=False) if n else np.array([], dtype=int)
    values = pl.Series(np.asarray(bad, dtype=object)[rng.integers(0, len(bad), size=len(picks))].astype(str))
    marks = pl.DataFrame({"__i": picks.astype("int64"), "__bad": values})
    return (
        frame.with_row_index("__i").with_columns(pl.col("__i").cast(pl.Int64))
        .join(marks, on="__i", how="left")
        .with_columns(pl.coalesce("__bad", column).alias(column))
        .drop("__i", "__bad")
    )


def _duplicate(frame: pl.DataFrame, rng: np.random.Generator, count: int) -> pl.DataFrame:
    if frame.height == 0 or count == 0:
        return frame
    picks = np.sort(rng.choice(frame.height, size=min(count, frame.height), replace=False))
    return pl.concat([frame, frame[picks]])


def _text(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(
        pl.col(c).dt.to_string("%Y-%m-%d") if t == pl.Date else
        pl.col(c).cast(pl.String).str.to_lowercase() if t == pl.Boolean else pl.col(c).cast(pl.String)
        for c, t in frame.schema.items()
    )


def generate_demo(out_dir: Path, employees: int = 2000, seed: int = 7,
                  progress: Callable[[float, str], None] | None = None, today: date = date(2026, 11, 26)) -> dict[str, int]:
    """Write the demo files into out_dir; return {file name: data rows written}."""
    report = progress or (lambda fraction, message: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = int(employees)
    t_days = _days(today)
    counts: dict[str, int] = {}

    def write(name: str, frame: pl.DataFrame) -> None:
        frame = frame.sample(fraction=1.0, shuffle=True, seed=seed)  # bad rows at random places
        frame.write_csv(out_dir / name)
        counts[name] = frame.height
        report(len(counts) / (len(FILES) + 1), f"wrote {name}")

    # --- people and hierarchy ---------------------------------------------------------------
    dept_names = list(DEPARTMENTS)
    sizes = rng.multinomial(n - len(dept_names), list(DEPARTMENTS.values())) + 1
    dept = np.repeat(np.arange(len(dept_names)), sizes)
    start = np.repeat(np.cumsum(sizes) - sizes, sizes)
    rank = np.arange(n) - start
    n_mgr = np.maximum(1, np.round(sizes * 0.08)).astype(int)[dept]
    n_lead = np.maximum(1, np.round(sizes * 0.15)).astype(int)[dept]
    tier = np.select([rank == 0, rank <= n_mgr, rank <= n_mgr + n_lead], [3, 2, 1], 0)
    size = sizes[dept]
    u = rng.random(n)
    parent = np.select(
        [tier == 3, tier == 2, tier == 1],
        [-1, start, start + 1 + (u * n_mgr).astype(int)],
        start + 1 + n_mgr + (u * n_lead).astype(int),
    )
    parent = np.where((tier == 0) & (size <= 1 + n_mgr + n_lead), start, parent)
    potential = rng.normal(size=n) + 0.35 * tier
    level = np.select([tier == 3, tier == 2, tier == 1], [9 + (u < 0.3), 7 + (u < 0.35), 5 + (u < 0.5)],
                      1 + np.clip((rng.random(n) * 3 + 0.4 * potential).round(), 0, 3)).astype(int)
    tenure = np.clip(rng.exponential(4.5, n) + 2.5 * tier, 0.1, 24)
    hire = t_days - (tenure * 365.25).astype(int)
    age = np.clip(23 + tenure + rng.uniform(0, 10, n) + 3 * tier, 22, 60)
    birth = hire - ((age - tenure) * 365.25).astype(int)
    left = (rng.random(n) < 0.10 * (1.4 - 0.4 * _sigmoid(potential) * 2).clip(0.3, 2)) & (tier < 3)
    exit_day = np.where(left, np.maximum(hire + 30, t_days - rng.integers(1, 3 * 365, n)), 0)
    left &= exit_day < t_days
    reason_p = np.where(potential[:, None] < -0.5, [[0.35, 0.35, 0.1, 0.05, 0.1, 0.05]], [[0.6, 0.08, 0.15, 0.07, 0.03, 0.07]])
    reason = (rng.random(n)[:, None] > np.cumsum(reason_p, axis=1)).sum(axis=1).clip(0, 5)
    emp_id = _ids("E", rng.permutation(n) + 1, 6)
    chinese = rng.random(n) < 0.75
    names = np.where(
        chinese,
        np.char.add(np.asarray(SURNAMES)[rng.integers(0, len(SURNAMES), n)], np.asarray(GIVEN)[rng.integers(0, len(GIVEN), n)]),
        np.char.add(np.char.add(np.asarray(FIRST)[rng.integers(0, len(FIRST), n)], " "), np.asarray(LAST)[rng.integers(0, len(LAST), n)]),
    )
    gender = np.where(rng.random(n) < 0.46, "female", "male")
    no_gender = rng.random(n) < 0.01
    dname = np.asarray(dept_names)[dept]
    titles = np.asarray(["{} Specialist", "{} Team Lead", "{} Manager", "Head of {}"])[tier]
    senior = (tier == 0) & (level >= 3)
    position = pl.Series(np.where(senior, np.char.add("Senior ", titles), titles)).str.replace("{}", pl.Series(dname), literal=True)
    people = pl.DataFrame({
        "employee_id": emp_id, "name": names, "department": dname, "position": position,
        "job_level": level, "manager_id": emp_id.gather(np.maximum(parent, 0)).to_numpy(),
        "hire_date": _date(hire, "hire_date"), "birth_date": _date(birth, "birth_date"), "gender": gender,
        "location": np.asarray(LOCATIONS)[rng.integers(0, len(LOCATIONS), n)],
        "status": np.where(left, "left", "active"), "exit_date": _date(np.where(left, exit_day, 0), "exit_date"),
        "exit_reason": np.asarray(EXIT_REASONS)[reason],
    }).with_columns(
        pl.when(~pl.Series(no_gender)).then(pl.col("gender")).alias("gender"),
        pl.when(pl.Series(left)).then(pl.col("exit_reason")).alias("exit_reason"),
        pl.when(pl.Series(parent) >= 0).then(pl.col("manager_id")).alias("manager_id"),
        pl.when(pl.Series(left)).then(pl.col("exit_date")).alias("exit_date"),
    )
    active_until = np.where(left, exit_day, t_days)

    # --- promotions: into management follows potential ---------------------------------------
    promo_p = np.where(level == 7, 0.85 * _sigmoid(1.8 * potential), 0.22 * _sigmoid(potential)) * (level >= 2)
    promoted = (rng.random(n) < promo_p) & (tenure > 1.1)
    lo = np.maximum(hire + 365, _days(date(2022, 1, 1)))
    eff = lo + (rng.random(n) * np.maximum(active_until - 30 - lo, 1)).astype(int)
    promoted &= eff < active_until
    pi = np.flatnonzero(promoted)
    promotions = pl.DataFrame({
        "employee_id": emp_id.gather(pi), "effective_date": _date(eff[pi], "effective_date"),
        "from_level": level[pi] - 1, "to_level": level[pi], "to_position": position.gather(pi),
        "into_management": (level[pi] == 7),
    })
    into_mgmt_year = np.where(promoted & (level == 7), 1970 + eff // 365.25, 0)

    # --- performance ratings -----------------------------------------------------------------
    periods = ["2022", "2023", "2024", "2025", "2025-H1", "2026-H1"]
    period_end = np.array([_days(date(2022, 12, 31)), _days(date(2023, 12, 31)), _days(date(2024, 12, 31)),
                           _days(date(2025, 12, 31)), _days(date(2025, 6, 30)), _days(date(2026, 6, 30))])
    period_step = np.array([0, 1, 2, 3, 2.5, 3.5])
    e = np.repeat(np.arange(n), len(periods))
    p = np.tile(np.arange(len(periods)), n)
    keep = (hire[e] < period_end[p] - 180) & (active_until[e] >= period_end[p])
    e, p = e[keep], p[keep]
    # Those promoted into management improved before it: a rising trend with potential.
    latent = 0.75 * potential[e] + 0.18 * period_step[p] * potential[e] + 0.25 * (into_mgmt_year[e] > 0) * period_step[p] + rng.normal(0, 0.75, e.size)
    # Each period follows the forced distribution of GRADE_SHARE, as calibrated ratings do.
    g = np.zeros(e.size, dtype=int)
    for k in range(len(periods)):
        in_period = p == k
        cuts = np.quantile(latent[in_period], 1 - np.cumsum(GRADE_SHARE)[:-1]) if in_period.any() else np.zeros(4)
        g[in_period] = np.searchsorted(-cuts, -latent[in_period])
    lo_s, hi_s = np.array(GRADE_SCORE).T
    score = np.round(lo_s[g] + rng.random(e.size) * (hi_s[g] - lo_s[g]), 1)
    ratings = pl.DataFrame({
        "employee_id": emp_id.gather(e), "period": np.asarray(periods)[p], "rating": np.asarray(GRADES)[g],
        "score": np.where(rng.random(e.size) < 0.2, np.nan, score),
    }).with_columns(pl.col("score").fill_nan(None))

    # --- training ----------------------------------------------------------------------------
    k = rng.poisson(4.5 + 1.5 * np.clip(potential, 0, None))
    e = np.repeat(np.arange(n), k)
    lead_courses = np.array([i for i, c in enumerate(COURSES) if c[2] in ("leadership", "management")])
    other_courses = np.array([i for i, c in enumerate(COURSES) if c[2] not in ("leadership", "management")])
    wants_lead = rng.random(e.size) < 0.12 + 0.35 * _sigmoid(1.5 * potential[e] - 1) * (level[e] >= 3)
    course = np.where(wants_lead, lead_courses[rng.integers(0, len(lead_courses), e.size)], other_courses[rng.integers(0, len(other_courses), e.size)])
    t_start = np.maximum(hire[e], _days(date(2022, 1, 1))) + (rng.random(e.size) * np.maximum(active_until[e] - np.maximum(hire[e], _days(date(2022, 1, 1))), 1)).astype(int)
    done = rng.random(e.size) < 0.72 + 0.2 * _sigmoid(potential[e])
    recent = t_start > t_days - 90
    status = np.where(recent & ~done, "in_progress", np.where(done, "completed", "dropped"))
    hours = np.array([c[4] for c in COURSES])[course]
    completion = np.minimum(t_start + np.ceil(hours / 4).astype(int) + rng.integers(0, 30, e.size), t_days)
    catalogue = np.array(COURSES, dtype=object)
    training = pl.DataFrame({
        "employee_id": emp_id.gather(e), "course_id": catalogue[course, 0].astype(str), "course_name": catalogue[course, 1].astype(str),
        "category": catalogue[course, 2].astype(str), "provider": catalogue[course, 3].astype(str), "hours": hours,
        "start_date": _date(t_start, "start_date"), "completion_date": _date(completion, "completion_date"), "status": status,
        "score": np.where(done & (rng.random(e.size) < 0.5), np.round(60 + 35 * rng.random(e.size) + 5 * potential[e].clip(-1, 1)), np.nan).clip(0, 100),
    }).with_columns(
        pl.when(pl.col("status") == "completed").then(pl.col("completion_date")).alias("completion_date"),
        pl.col("score").fill_nan(None),
    ).unique(subset=["employee_id", "course_id", "start_date"], keep="first", maintain_order=True)

    # --- certifications ----------------------------------------------------------------------
    k = rng.poisson(0.3 + 0.15 * np.clip(potential, 0, None))
    e = np.repeat(np.arange(n), k)
    issued = hire[e] - 400 + (rng.random(e.size) * (active_until[e] - hire[e] + 400)).astype(int)
    issued = np.minimum(issued, t_days - 1)
    certs = pl.DataFrame({
        "employee_id": emp_id.gather(e), "name": np.asarray(CERTS)[(dept[e] + rng.integers(0, 3, e.size)) % len(CERTS)],
        "issued_date": _date(issued, "issued_date"),
        "expiry_date": _date(np.where(rng.random(e.size) < 0.5, issued + 3 * 365, 0), "expiry_date"),
    }).with_columns(pl.when(pl.col("expiry_date") > pl.lit(date(1971, 1, 1))).then(pl.col("expiry_date")).alias("expiry_date")
    ).unique(subset=["employee_id", "name", "issued_date"], keep="first", maintain_order=True)

    # --- 360 feedback ------------------------------------------------------------------------
    order = np.argsort(parent, kind="stable")
    kids_of = parent[order]
    first_kid = np.searchsorted(kids_of, np.arange(n))
    n_kids = np.searchsorted(kids_of, np.arange(n), side="right") - first_kid
    frames = []
    for cycle, cycle_end in (("2024", _days(date(2024, 11, 30))), ("2025", _days(date(2025, 11, 30)))):
        reviewed = (rng.random(n) < np.where(level >= 3, 0.5, 0.25)) & (hire < cycle_end - 180) & (active_until >= cycle_end)
        r = np.flatnonzero(reviewed)
        n_peer = 2 + (rng.random(r.size) < 0.5)
        n_dr = np.where(n_kids[r] > 0, np.minimum(2 + (rng.random(r.size) < 0.5), n_kids[r]), 0)
        has_mgr = parent[r] >= 0
        slots = 1 + has_mgr + n_peer + n_dr
        who = np.repeat(r, slots)
        pos = np.arange(who.size) - np.repeat(np.cumsum(slots) - slots, slots)
        mgr_slot = np.repeat(has_mgr.astype(int), slots)
        peers_end = 1 + mgr_slot + np.repeat(n_peer, slots)
        relation = np.select([pos == 0, (pos == 1) & (mgr_slot == 1), pos < peers_end], [0, 1, 2], 3)
        peer = start[who] + (rng.random(who.size) * size[who]).astype(int)
        peer = np.where(peer == who, start[who] + (peer - start[who] + 1) % size[who], peer)
        report_idx = order[np.minimum(first_kid[who] + (pos - peers_end).clip(0), len(order) - 1)]
        rater = np.select([relation == 0, relation == 1, relation == 2], [who, np.maximum(parent[who], 0), peer], report_idx)
        rows_e = np.repeat(who, len(COMPETENCIES))
        rows_rel = np.repeat(relation, len(COMPETENCIES))
        comp = np.tile(np.arange(len(COMPETENCIES)), who.size)
        boost = np.where((comp == 0) & (rows_rel != 0), 0.25, 0.0) * potential[rows_e] + np.where(rows_rel == 0, 0.35, 0.0)
        value = np.clip(np.round(3.3 + 0.45 * potential[rows_e] + boost + rng.normal(0, 0.65, rows_e.size)), 1, 5).astype(int)
        frames.append(pl.DataFrame({
            "employee_id": emp_id.gather(rows_e), "cycle": cycle, "rater_id": emp_id.gather(np.repeat(rater, len(COMPETENCIES))),
            "rater_relation": np.asarray(["self", "manager", "peer", "direct_report"])[rows_rel],
            "competency": np.asarray(COMPETENCIES)[comp], "score": value,
            "comment": np.asarray(["Clear communicator", "Needs more delegation", "Great mentor", "Strong execution"])[rng.integers(0, 4, rows_e.size)],
        }).with_columns(pl.when(pl.Series(rng.random(rows_e.size) < 0.03)).then(pl.col("comment")).alias("comment")))
    feedback = pl.concat(frames).unique(subset=["employee_id", "cycle", "rater_relation", "rater_id", "competency"], keep="first", maintain_order=True)

    # --- projects ----------------------------------------------------------------------------
    n_proj = max(3, int(n * 0.3))
    proj_dept = np.sort(rng.choice(len(dept_names), size=n_proj, p=sizes / sizes.sum()))
    proj_first = np.searchsorted(proj_dept, np.arange(len(dept_names)))
    proj_count = np.searchsorted(proj_dept, np.arange(len(dept_names)), side="right") - proj_first
    cand = sizes[proj_dept][:, None] * rng.random((n_proj, 3))
    cand = (np.cumsum(sizes) - sizes)[proj_dept][:, None] + cand.astype(int)
    lead = cand[np.arange(n_proj), np.argmax(potential[cand] + 0.4 * level[cand] + rng.normal(0, 0.5, cand.shape), axis=1)]
    p_start = _days(date(2022, 1, 1)) + (rng.random(n_proj) * (t_days - 30 - _days(date(2022, 1, 1)))).astype(int)
    p_end = p_start + rng.integers(60, 420, n_proj)
    cross = rng.random(n_proj) < 0.3
    k = rng.poisson(1.8, n) * (proj_count[dept] > 0)
    e = np.repeat(np.arange(n), k)
    proj = proj_first[dept[e]] + (rng.random(e.size) * proj_count[dept[e]]).astype(int)
    member = pl.DataFrame({"e": e, "proj": proj}).filter(pl.Series(lead[proj] != e)).unique(maintain_order=True)
    team = member.group_by("proj").len("members")
    proj_ids = _ids("P", np.arange(n_proj) + 1, 5)
    proj_names = pl.Series(np.asarray(["CRM rollout", "Process improvement", "New market entry", "Cost reduction", "Platform migration", "Customer journey redesign"])[rng.integers(0, 6, n_proj)])
    all_rows = pl.concat([
        pl.DataFrame({"e": lead, "proj": np.arange(n_proj), "role": "lead"}),
        member.with_columns(pl.lit("member").alias("role")),
    ]).join(team, on="proj", how="left")
    pe, pp = all_rows["e"].to_numpy(), all_rows["proj"].to_numpy()
    projects = pl.DataFrame({
        "employee_id": emp_id.gather(pe), "project_id": proj_ids.gather(pp),
        "project_name": (proj_names.gather(pp) + " " + pl.Series((1970 + p_start[pp] // 365.25).astype(int)).cast(pl.String)),
        "role": all_rows["role"], "team_size": (all_rows["members"].fill_null(0) + 1),
        "cross_department": cross[pp], "start_date": _date(p_start[pp], "start_date"), "end_date": _date(p_end[pp], "end_date"),
    }).with_columns(
        pl.when(pl.col("role") == "lead").then(pl.col("team_size")).alias("team_size"),
        pl.when(pl.col("end_date") < pl.lit(today)).then(pl.col("end_date")).alias("end_date"),
    ).filter(pl.Series(hire[pe] < p_end[pp]))

    # --- self-service profiles ---------------------------------------------------------------
    has = (~left) & (rng.random(n) < 0.85)
    i = np.flatnonzero(has)
    asp_p = _sigmoid(1.1 * potential[i] + 0.3 * (level[i] >= 4) - 0.4)
    r = rng.random(i.size)
    aspiration = np.where(r < asp_p * 0.85, "management", np.where(r < asp_p * 0.85 + 0.25, "specialist", "undecided"))
    plan = rng.random(i.size) < np.where(aspiration == "management", 0.35 + 0.45 * _sigmoid(potential[i]), 0.2)
    picks = rng.integers(0, len(SKILLS), (i.size, 4))
    n_skills = rng.integers(1, 5, i.size)
    skill_cols = [pl.when(pl.Series(n_skills > j)).then(pl.Series(np.asarray(SKILLS)[picks[:, j]])) for j in range(4)]
    profiles = pl.DataFrame({
        "employee_id": emp_id.gather(i), "career_aspiration": aspiration, "career_plan_submitted": plan,
        "updated_at": _date(np.minimum(t_days - rng.integers(1, 700, i.size), t_days), "updated_at"),
    }).with_columns(pl.concat_list(skill_cols).list.drop_nulls().list.unique(maintain_order=True).list.join(";").alias("skills")
    ).select("employee_id", "skills", "career_aspiration", "career_plan_submitted", "updated_at")

    # --- deliberate bad rows, then write ----------------------------------------------------
    t = _text(people)
    t = _spoil(t, rng, "hire_date", 0.002, ["2025-02-31", "31/02/2025"])
    t = _spoil(t, rng, "job_level", 0.001, ["senior"])
    conflict = t[[0]].with_columns(pl.lit("Renamed Person").alias("name"))
    t = pl.concat([_duplicate(t, rng, 1), conflict])
    write("employees.csv", t)

    t = _text(ratings)
    t = _spoil(t, rng, "rating", 0.006, ["E", "A+", "Excellent"])
    t = _spoil(t, rng, "score", 0.003, ["150", "-5"])
    t = _spoil(t, rng, "employee_id", 0.002, ["E999999x", "E0000000"])
    write("performance_ratings.csv", _duplicate(t, rng, max(1, t.height // 500)))

    t = _text(training)
    t = _spoil(t, rng, "start_date", 0.004, ["2024-13-01", "2025-02-30"])
    t = _spoil(t, rng, "hours", 0.003, ["abc", "eight"])
    t = _spoil(t, rng, "employee_id", 0.002, ["E999998"])
    write("training_records.csv", t)

    t = _spoil(_text(certs), rng, "issued_date", 0.01, ["2023-02-29"])
    write("certifications.csv", t)

    t = _text(feedback)
    t = _spoil(t, rng, "score", 0.004, ["0", "7"])
    t = _spoil(t, rng, "rater_relation", 0.002, ["boss"])
    write("feedback_360.csv", t)

    t = _text(projects)
    t = _spoil(t, rng, "role", 0.003, ["owner"])
    t = _spoil(t, rng, "employee_id", 0.002, ["X12345"])
    write("projects.csv", t)

    t = _spoil(_text(profiles), rng, "career_aspiration", 0.005, ["ceo"])
    write("profiles.csv", t)

    t = _spoil(_text(promotions), rng, "effective_date", 0.01, ["2024-04-31"])
    write("promotions.csv", t)

    _write_roster(people, out_dir / "dingtalk" / "花名册.xlsx")
    report(1.0, "wrote dingtalk/花名册.xlsx")
    counts["dingtalk/花名册.xlsx"] = people.height
    return counts


def _write_roster(people: pl.DataFrame, path: Path) -> None:
    """The same people as DingTalk's roster export: Chinese labels, mixed date formats, text IDs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    style = pl.int_range(pl.len()) % 4
    formats = ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]

    def mixed(col: str) -> pl.Expr:
        expr = pl.col(col).dt.to_string(formats[0])
        for j in range(1, 4):
            expr = pl.when(style == j).then(pl.col(col).dt.to_string(formats[j])).otherwise(expr)
        return expr

    roster = people.select(
        pl.col("employee_id").alias("工号"), pl.col("name").alias("姓名"), pl.col("department").alias("主部门"),
        pl.col("position").alias("职位"), pl.col("job_level").cast(pl.String).alias("岗位职级"),
        pl.col("manager_id").alias("直属主管id"), mixed("hire_date").alias("入职时间"), mixed("birth_date").alias("出生日期"),
        pl.col("gender").replace_strict({"female": "女", "male": "男"}, default=None).alias("性别"),
        pl.when(pl.col("status") == "left").then(pl.lit("离职")).otherwise(pl.lit("在职")).alias("员工状态"),
        pl.col("location").alias("办公地点"), mixed("exit_date").alias("离职时间"), pl.col("exit_reason").alias("离职原因"),
    )
    roster.write_excel(path, worksheet="花名册", autofit=False)
