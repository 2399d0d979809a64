"""Candidates take part in their review (issue #18): self-assessment, their result, disputes, reminders, engagement.

During an open cycle a member submits self-assessment material: text per review indicator and evidence (links or
file names, one per line), editable until the cycle's self-assessment deadline (reviews.due_sql). The rows are
append-only: the latest per (cycle, person, indicator) counts, so an edit keeps what was there before. After HR
closes the cycle the candidate sees their result and may dispute one comment of it (reviews.raise_dispute); HR and
the head answer (reviews.answer_dispute). The head sees the material beside the compiled figures; HR and the heads
see reminders (self-assessments missing per department) and the engagement figures of a cycle.

Every read of one person's records takes the person's id from the signed-in account (dashboard.access), never from
a page; department-scoped reads are judged by each person's current department (permissions.scoped_to_current).
"""
from __future__ import annotations

from datetime import date, datetime

import duckdb
import polars as pl

from . import workspace
from .auth import User
from .permissions import NotAllowed, require_self, scoped_to_current
from .reviews import INDICATORS, _cycle, _member, _require_open, due_sql

MAX_TEXT, MAX_EVIDENCE = 4000, 1000  # characters per indicator's text and its evidence
Entries = dict[str, tuple[str | None, str | None]]  # indicator -> (text, evidence)


def _clean(value: str | None) -> str | None:
    text = (value or "").strip()
    return text or None


def _evidence(value: str | None) -> str | None:
    """One piece of evidence per line (a link or a file name); blank lines and surrounding spaces dropped."""
    lines = [line.strip() for line in (value or "").splitlines() if line.strip()]
    return "\n".join(lines) or None


def latest(con: duckdb.DuckDBPyConnection, cycle_id: str | None = None, employee_ids: list[str] | None = None) -> pl.DataFrame:
    """The counting self-assessment rows: the latest per (cycle, person, indicator), withdrawn ones (no text, no
    evidence) left out; first_submitted_at is the indicator's first submission (for "on time")."""
    where = ["TRUE"]
    params: dict = {}
    if cycle_id is not None:
        where.append("cycle_id = $cycle")
        params["cycle"] = cycle_id
    if employee_ids is not None:
        where.append("employee_id IN (SELECT unnest($ids))")
        params["ids"] = list(employee_ids)
    return con.sql(f"""
        SELECT cycle_id, employee_id, department, indicator, text, evidence, submitted_by, submitted_at, first_submitted_at
        FROM (SELECT *, min(submitted_at) OVER (PARTITION BY cycle_id, employee_id, indicator) AS first_submitted_at
              FROM self_assessments WHERE {' AND '.join(where)}) AS submitted
        QUALIFY row_number() OVER (PARTITION BY cycle_id, employee_id, indicator ORDER BY self_assessment_id DESC) = 1
                AND (text IS NOT NULL OR evidence IS NOT NULL)
        ORDER BY cycle_id, employee_id, indicator""", params=params).pl()


@workspace.writes("self_assessment_submitted")
def submit(user: User, cycle_id: str, employee_id: str, entries: Entries, at: datetime | None = None) -> int:
    """The candidate's own self-assessment (text and evidence per indicator) in an open cycle, until its deadline.

    Only the candidate themself (permissions.require_self): HR and heads record what the candidate told them in the
    assessment's own self-assessment note. Rows are written for the indicators that changed (an emptied one is a
    withdrawal); returns how many. Nothing changed: 0 and no audit row."""
    require_self(user, employee_id)
    unknown = set(entries) - set(INDICATORS)
    if unknown:
        raise ValueError(f"unknown indicators: {', '.join(sorted(unknown))}")
    wanted = {name: (_clean(text), _evidence(evidence)) for name, (text, evidence) in entries.items()}
    for name, (text, evidence) in wanted.items():
        if text and len(text) > MAX_TEXT:
            raise ValueError(f"{name}: a text is at most {MAX_TEXT:,} characters")
        if evidence and len(evidence) > MAX_EVIDENCE:
            raise ValueError(f"{name}: the evidence is at most {MAX_EVIDENCE:,} characters")
    stamp = at or datetime.now().replace(microsecond=0)
    with workspace.connect() as con:
        cycle = _cycle(con, cycle_id)
        member = _member(con, cycle_id, employee_id)
    _require_open(cycle)
    if stamp.date() > cycle["self_assessment_due"]:
        raise NotAllowed(f"The self-assessment deadline of this cycle was {cycle['self_assessment_due']:%Y-%m-%d}; "
                         "nothing more can be submitted. Your head can still add what you tell them.")
    written = 0
    with workspace.write(user.username, "self_assessment_submitted", employee_id, cycle_id) as change:
        _require_open(_cycle(change.con, cycle_id))  # closed meanwhile: nothing is written
        before = {r["indicator"]: (r["text"], r["evidence"]) for r in latest(change.con, cycle_id, [employee_id]).iter_rows(named=True)}
        changed = [(name, *value) for name, value in wanted.items() if before.get(name, (None, None)) != value]
        if not changed:
            raise workspace.Unchanged
        change.executemany(
            """INSERT INTO self_assessments (cycle_id, employee_id, department, indicator, text, evidence, submitted_by, submitted_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [[cycle_id, employee_id, member["department"], name, text, evidence, user.username, stamp] for name, text, evidence in changed])
        change.detail = f"{cycle_id}: {', '.join(name for name, _, _ in changed)}"
        written = len(changed)
    return written


# --- the candidate's own page ----------------------------------------------------------------------------------
def my_review(employee_id: str, workspace_file=None) -> dict[str, pl.DataFrame]:
    """Everything the candidate's page shows, for one person (the signed-in account's; dashboard.access passes it):
    cycles they are a member of (with deadline), their self-assessment rows, their result of each closed cycle (the
    latest assessment; HR's confirmed outcome where there is one) and their disputes with the answers.

    Results of open cycles are not given: the candidate sees them once HR closes the cycle."""
    with workspace.connect(workspace_file) as con:
        cycles = con.sql(f"""
            SELECT c.cycle_id, c.year, c.kind, c.status, c.opened_at, c.closed_at, {due_sql()} AS self_assessment_due,
                   m.department, m.plan_completion, m.plan_items_done, m.plan_items_due
            FROM review_members m JOIN review_cycles c USING (cycle_id)
            WHERE m.employee_id = $e ORDER BY c.opened_at DESC""", params={"e": employee_id}).pl()
        material = latest(con, None, [employee_id])
        results = con.sql(f"""
            WITH last AS (SELECT * FROM review_assessments WHERE employee_id = $e
                          QUALIFY row_number() OVER (PARTITION BY cycle_id ORDER BY assessment_id DESC) = 1)
            SELECT l.cycle_id, {', '.join(f'l.{n}' for n in INDICATORS)}, l.quantitative_score, l.qualitative_score, l.composite_score,
                   l.strengths, l.gaps, l.comment, coalesce(f.outcome, l.outcome) AS outcome, f.outcome IS NOT NULL AS confirmed
            FROM last l JOIN review_cycles c USING (cycle_id)
            LEFT JOIN review_confirmations f ON f.cycle_id = l.cycle_id AND f.employee_id = l.employee_id
            WHERE c.status = 'closed' ORDER BY c.opened_at DESC""", params={"e": employee_id}).pl()
        # who answered, by the name on their account (never a user name or a code)
        disputes = con.sql("""
            SELECT d.dispute_id, d.cycle_id, coalesce(d.about, 'outcome') AS about, d.dispute, d.raised_at, d.answer, d.answered_at,
                   coalesce(u.display_name, CASE WHEN d.answered_by IS NOT NULL THEN 'HR' END) AS answered_by_name
            FROM review_disputes d LEFT JOIN users u ON u.username = d.answered_by
            WHERE d.employee_id = $e ORDER BY d.dispute_id""", params={"e": employee_id}).pl()
    return {"cycles": cycles, "self_assessments": material, "results": results, "disputes": disputes}


# --- heads and HR ----------------------------------------------------------------------------------------------
def member_material(scope: tuple[str, ...] | None, cycle_id: str, employee_id: str, workspace_file=None) -> pl.DataFrame:
    """One member's self-assessment in a cycle, for their reviewer beside the compiled figures; empty outside scope."""
    with workspace.connect(workspace_file) as con:
        frame = latest(con, cycle_id, [employee_id])
    return scoped_to_current(frame, scope)


def reminders(scope: tuple[str, ...] | None, today: date | None = None, workspace_file=None) -> pl.DataFrame:
    """Per open cycle and department within scope: members, self-assessments submitted and missing, the deadline and
    the days left (negative: passed). Departments with nothing missing are kept (the page says "all in")."""
    today = today or date.today()
    with workspace.connect(workspace_file) as con:
        members = con.sql(f"""
            SELECT m.cycle_id, c.year, c.kind, {due_sql()} AS self_assessment_due, m.employee_id, m.department
            FROM review_members m JOIN review_cycles c USING (cycle_id) WHERE c.status = 'open'""").pl()
        submitted = latest(con).select("cycle_id", "employee_id").unique()
    members = scoped_to_current(members, scope).join(submitted.with_columns(pl.lit(True).alias("submitted")),
                                                     on=["cycle_id", "employee_id"], how="left")
    return (members.group_by("cycle_id", "year", "kind", "self_assessment_due", "department")
            .agg(pl.len().alias("members"), pl.col("submitted").fill_null(False).sum().alias("submitted"))
            .with_columns((pl.col("members") - pl.col("submitted")).alias("missing"),
                          (pl.col("self_assessment_due") - pl.lit(today)).dt.total_days().alias("days_left"))
            .sort("cycle_id", "missing", "department", descending=[False, True, False]))


ENGAGEMENT = ("members", "profile_updated", "self_assessed_on_time", "disputed", "disputes_raised", "disputes_answered_count",
              "disputes_unanswered", "avg_days_to_answer", "profile_update_share", "self_assessment_share", "dispute_share")


def engagement(cur: duckdb.DuckDBPyConnection, scope: tuple[str, ...] | None, cycle_id: str, workspace_file=None) -> pl.DataFrame:
    """The candidates' engagement in one cycle, per department and for the whole scope (department None). The
    candidates are the cycle's members; each share is of them:

    - profile_updated: members who edited their own profile (a profile_edits row made by the employee account linked
      to them) in the cycle's year;
    - self_assessed_on_time: members with self-assessment material whose first submission was by the deadline;
    - disputed: members with at least one dispute in the cycle (raised by themselves or on their behalf);
    - disputes_raised / disputes_answered_count / disputes_unanswered: the cycle's disputes, and avg_days_to_answer the
      mean days from raising to answering of the answered ones."""
    with workspace.connect(workspace_file) as con:
        cycle = _cycle(con, cycle_id)
        frame = con.sql("""
            WITH own_edits AS (
                SELECT DISTINCT e.employee_id FROM profile_edits e JOIN users u ON u.username = e.edited_by AND u.employee_id = e.employee_id
                WHERE year(e.edited_at) = $year),
            material AS (
                SELECT employee_id, min(submitted_at) AS first_at FROM self_assessments
                WHERE cycle_id = $c AND (text IS NOT NULL OR evidence IS NOT NULL) GROUP BY employee_id),
            still AS (  -- material withdrawn since (the latest row of every indicator empty) does not count
                SELECT DISTINCT employee_id FROM self_assessments WHERE cycle_id = $c
                QUALIFY row_number() OVER (PARTITION BY employee_id, indicator ORDER BY self_assessment_id DESC) = 1
                        AND (text IS NOT NULL OR evidence IS NOT NULL)),
            disputes AS (
                SELECT employee_id, count(*) AS disputes_raised, count(answered_at) AS disputes_answered_count,
                       sum(epoch(answered_at - raised_at)) / 86400.0 AS days_to_answer
                FROM review_disputes WHERE cycle_id = $c GROUP BY employee_id)
            SELECT m.employee_id, m.department,
                   m.employee_id IN (SELECT employee_id FROM own_edits) AS profile_updated,
                   coalesce(CAST(a.first_at AS DATE) <= $due AND m.employee_id IN (SELECT employee_id FROM still), false) AS self_assessed_on_time,
                   coalesce(d.disputes_raised, 0) AS disputes_raised, coalesce(d.disputes_answered_count, 0) AS disputes_answered_count,
                   coalesce(d.days_to_answer, 0.0) AS days_to_answer
            FROM review_members m LEFT JOIN material a USING (employee_id) LEFT JOIN disputes d USING (employee_id)
            WHERE m.cycle_id = $c""", params={"c": cycle_id, "year": int(cycle["year"]), "due": cycle["self_assessment_due"]}).pl()
    frame = scoped_to_current(frame, scope, cur)
    aggregations = [
        pl.len().alias("members"), pl.col("profile_updated").sum().alias("profile_updated"),
        pl.col("self_assessed_on_time").sum().alias("self_assessed_on_time"), (pl.col("disputes_raised") > 0).sum().alias("disputed"),
        pl.col("disputes_raised").sum().alias("disputes_raised"), pl.col("disputes_answered_count").sum().alias("disputes_answered_count"),
        pl.col("days_to_answer").sum().alias("_days"),
    ]
    per_department = frame.group_by("department").agg(aggregations).sort("department")
    total = frame.select(aggregations).with_columns(pl.lit(None, pl.String).alias("department"))
    members = pl.col("members")
    return (pl.concat([per_department, total.select(per_department.columns)])
            .with_columns((pl.col("disputes_raised") - pl.col("disputes_answered_count")).alias("disputes_unanswered"),
                          pl.when(pl.col("disputes_answered_count") > 0).then(pl.col("_days") / pl.col("disputes_answered_count")).alias("avg_days_to_answer"),
                          pl.when(members > 0).then(pl.col("profile_updated") / members).alias("profile_update_share"),
                          pl.when(members > 0).then(pl.col("self_assessed_on_time") / members).alias("self_assessment_share"),
                          pl.when(members > 0).then(pl.col("disputed") / members).alias("dispute_share"))
            .select("department", *ENGAGEMENT))
