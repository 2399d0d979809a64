"""Candidates take part (issue #18): an employee's own profile, what the company holds about them, and the
self-service part they keep themselves.

- The self-service fields (skills, external training, career aspiration, career plan) are kept in the workspace's
  profile_edits, append-only: every edit with who and when, the latest per field is the employee's current word.
- Each analysis build is handed the latest edits (edits_for_build, by every service that builds: imports, the first
  start's upgrade, the pool-rule edit, the command line's rebuild) and merges them with the imported profiles
  (pipelines.intermediate: per person and field the newer wins; the other stays in the history). An edit rebuilds the
  analysis at once (about 0.5 s for 2,000 employees, 2 s for 20,000), so it counts in the pool rules right away; when
  another import holds the database, it counts from the next data refresh (pending_edits says how many wait).
- What the employee sees of the company's records is their own only (permissions.require_self on every call, the
  employee id comes from the signed-in account, never from the page), and the 360° summary keeps raters anonymous:
  no rater ids, rater groups under RATER_GROUP_MIN responses merged into "others", comments without who wrote them.
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines import db
from pipelines.intermediate import SELF_SERVICE_FIELDS
from pipelines.settings import database_path

from . import workspace
from .auth import User
from .permissions import NotAllowed, require_role, require_self

FIELDS = SELF_SERVICE_FIELDS
ASPIRATIONS = ("management", "specialist", "undecided")
MAX_TEXT = 2000
APPLY_WAIT_SECONDS = 5.0  # an edit waits this long for an import that holds the database, then counts from the next refresh
EDIT_SCHEMA = {"employee_id": pl.String, "field": pl.String, "value": pl.String, "edited_by": pl.String, "edited_at": pl.Datetime("us")}
RECORD_ENTITIES = ("performance_ratings", "training_records", "certifications", "projects", "promotions")
OTHERS = "others"  # the rater group small groups are merged into
GROUP_ORDER = {"manager": 0, "peer": 1, "direct_report": 2, "others": 3, "self": 4}  # how the groups are listed
RATER_GROUP_MIN = 3  # a 360° rater group of fewer raters is merged into "others" (issue #18)


# --- the edits ---------------------------------------------------------------------------------------------
def normalised(field: str, value: str | None) -> str:
    """A field's value as stored: skills and external training one item per entry ('; ' between, duplicates dropped),
    the aspiration one of ASPIRATIONS, the career plan as written. ValueError with a message fit to show."""
    if field not in FIELDS:
        raise ValueError(f"unknown profile field '{field}' (fields: {', '.join(FIELDS)})")
    text = (value or "").strip()
    if len(text) > MAX_TEXT:
        raise ValueError(f"at most {MAX_TEXT} characters")
    if field == "career_aspiration":
        if text not in ASPIRATIONS:
            raise ValueError(f"the career aspiration is one of {', '.join(ASPIRATIONS)}")
        return text
    if field in ("skills", "external_training"):
        items = [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
        return "; ".join(dict.fromkeys(items))
    return text


def _analysis(db_path: str | Path | None = None):
    path = database_path(db_path)
    return db.connect_read_only(path) if path.exists() else None


def _department(employee_id: str, db_path: str | Path | None = None) -> str:
    con = _analysis(db_path)
    found = con.sql("SELECT department FROM person_department WHERE employee_id = ?", params=[employee_id]).fetchall() if con else []
    if con:
        con.close()
    if not found:
        raise ValueError(f"no employee '{employee_id}' in the latest import")
    return found[0][0]


def latest_edits(employee_ids: list[str] | None = None, workspace_file: Path | None = None) -> pl.DataFrame:
    """The latest edit per person and field (employee_id, field, value, edited_by, edited_at)."""
    with workspace.connect(workspace_file) as con:
        frame = con.sql("""SELECT employee_id, field, arg_max(value, (edited_at, edit_id)) AS value,
                                  arg_max(edited_by, (edited_at, edit_id)) AS edited_by, max(edited_at) AS edited_at
                           FROM profile_edits GROUP BY ALL ORDER BY employee_id, field""").pl()
    frame = frame.cast(EDIT_SCHEMA) if frame.height else pl.DataFrame(schema=EDIT_SCHEMA)
    return frame if employee_ids is None else frame.filter(pl.col("employee_id").is_in(employee_ids))


def edits_for_build(db_path: str | Path | None = None) -> pl.DataFrame:
    """What every service that builds the analysis hands to the build: the latest self-service edit per person and field."""
    return latest_edits(workspace_file=workspace.location(db_path=db_path))


@workspace.writes("profile_edited")
def edit_profile(user: User, employee_id: str, changes: dict[str, str | None], *, at: datetime | None = None,
                 apply: bool = True, db_path: str | Path | None = None) -> dict:
    """The employee changes their own self-service profile: one profile_edits row per changed field, one audit row.
    Fields whose value is what the employee said last are left out; nothing changed writes nothing.
    apply: rebuild the analysis with the edits now (False, or an import holding the database: from the next refresh).
    Returns {"changed": [fields], "applied": bool}."""
    require_self(user, employee_id)
    values = {field: normalised(field, value) for field, value in changes.items()}
    department = _department(employee_id, db_path)
    last = dict(latest_edits([employee_id], workspace.location(db_path=db_path)).select("field", "value").rows())
    changed = [f for f in FIELDS if f in values and values[f] != (last.get(f) or "")]  # an empty box is no entry where none was
    if not changed:
        return {"changed": [], "applied": False}
    stamp = at or datetime.now()
    with workspace.write(user.username, "profile_edited", employee_id, "fields: " + ", ".join(changed),
                         path=workspace.location(db_path=db_path)) as con:
        con.executemany("INSERT INTO profile_edits (employee_id, department, field, value, edited_by, edited_at) VALUES (?, ?, ?, ?, ?, ?)",
                        [[employee_id, department, f, values[f], user.username, stamp] for f in changed])
    return {"changed": changed, "applied": apply and rebuild_with_edits(db_path)}


def rebuild_with_edits(db_path: str | Path | None = None, wait: float = APPLY_WAIT_SECONDS) -> bool:
    """Rebuild the analysis tables with the current edits (the same rebuild a pool-rule edit makes); False when an
    import holds the database longer than `wait` seconds (the edits then count from the next data refresh)."""
    from pipelines.db import DatabaseBusy
    from pipelines.ingest import rebuild_analysis

    path = database_path(db_path)
    if not path.exists():
        return False
    try:
        rebuild_analysis(path, profile_edits=edits_for_build(path), wait=wait)
    except DatabaseBusy:
        return False
    return True


def pending_edits(cur: duckdb.DuckDBPyConnection, workspace_file: Path | None = None) -> int:
    """Latest edits the analysis has not been built with yet (they count from the next data refresh)."""
    built = cur.sql("SELECT employee_id, field, max(edited_at) AS built_at FROM self_service_edits GROUP BY ALL").pl().cast(
        {"built_at": pl.Datetime("us")})
    latest = latest_edits(workspace_file=workspace_file)
    joined = latest.join(built, on=["employee_id", "field"], how="left")
    return joined.filter(pl.col("built_at").is_null() | (pl.col("edited_at") > pl.col("built_at"))).height


def merge_counts(cur: duckdb.DuckDBPyConnection) -> dict:
    """For the Data page: self-service values that count, imported values older than an edit (not applied)."""
    counted, kept = cur.sql("""SELECT count(*) FILTER (WHERE counts = 'self_service'), count(*) FILTER (WHERE imported_not_applied)
                               FROM profile_merge""").fetchall()[0]
    return {"self_service_values": counted, "imported_not_applied": kept}


@workspace.writes("profile_edits_applied")
def apply_edits(user: User, db_path: str | Path | None = None) -> bool:
    """HR applies the waiting self-service edits without an import (a rebuild with them); one audit row when applied."""
    if not user.can("manage_data"):
        raise NotAllowed(f"Your role ({user.role}) may not refresh the analysis.")
    if not rebuild_with_edits(db_path, wait=60.0):
        return False
    with workspace.write(user.username, "profile_edits_applied", "analysis", path=workspace.location(db_path=db_path)):
        pass  # the rebuild is in the analysis database; the workspace keeps who started it
    return True


# --- what the employee sees: their own records only ---------------------------------------------------------
def person(cur: duckdb.DuckDBPyConnection, user: User, employee_id: str) -> dict | None:
    """The employee's own basic record (no scores: those are the company's judgement, shown in the review)."""
    require_self(user, employee_id)
    found = cur.sql("""SELECT employee_id, name, department, position, job_level, hire_date, tenure_years, status
                       FROM analysis_employee WHERE employee_id = ?""", params=[employee_id]).pl()
    return found.row(0, named=True) if found.height else None


RECORD_SQL = {
    "performance_ratings": "SELECT r.period, r.rating, r.score FROM performance_ratings r",
    "training_records": "SELECT r.course_name, r.category, r.provider, r.hours, r.start_date, r.completion_date, r.status FROM training_records r",
    "certifications": "SELECT r.name, r.issued_date, r.expiry_date FROM certifications r",
    "projects": "SELECT r.project_name, r.role, r.team_size, r.cross_department, r.start_date, r.end_date FROM projects r",
    "promotions": "SELECT r.effective_date, r.from_level, r.to_level, r.to_position FROM promotions r",
}
RECORD_ORDER = {"performance_ratings": "(SELECT o.sort_key FROM period_order o WHERE o.period = r.period)",
                "training_records": "r.start_date", "certifications": "r.issued_date", "projects": "r.start_date",
                "promotions": "r.effective_date"}


def records(cur: duckdb.DuckDBPyConnection, user: User, employee_id: str, entity: str) -> pl.DataFrame:
    """The employee's own imported rows of one kind, each with its source: the import run and its date."""
    require_self(user, employee_id)
    if entity not in RECORD_SQL:
        raise ValueError(f"unknown record kind '{entity}'")
    select, _, table = RECORD_SQL[entity].partition(" FROM ")
    return cur.sql(f"""{select}, r.import_run_id AS import_run, CAST(runs.finished_at AS DATE) AS imported_on
                       FROM {table} LEFT JOIN import_runs runs ON runs.run_id = r.import_run_id
                       WHERE r.employee_id = ? ORDER BY {RECORD_ORDER[entity]}""", params=[employee_id]).pl()


def feedback_summary(cur: duckdb.DuckDBPyConnection, user: User, employee_id: str) -> dict:
    """The employee's latest 360° cycle, anonymous: average per rater group and competency, where a group of fewer than
    RATER_GROUP_MIN raters (the manager, say) is merged into "others" (and "others" under RATER_GROUP_MIN shows no score);
    the self-rating is the employee's own. Comments without rater or group, in alphabetical order (not as given).
    Returns {"cycle", "imported_on", "import_run", "groups": frame(group, competency, score, responses), "comments": [..]}."""
    require_self(user, employee_id)
    return anonymous_summary(cur, employee_id)


def anonymous_summary(cur: duckdb.DuckDBPyConnection, employee_id: str) -> dict:
    """feedback_summary without the self check, for a caller that has checked who may read it (the talent card: HR
    and the person's head see the same anonymous summary the candidate sees, never a rater)."""
    latest = cur.sql("""SELECT arg_max(f.cycle, o.sort_key) FROM feedback_360 f JOIN period_order o ON o.period = f.cycle
                        WHERE f.employee_id = ?""", params=[employee_id]).fetchall()[0][0]
    empty = pl.DataFrame(schema={"group": pl.String, "competency": pl.String, "score": pl.Float64, "responses": pl.Int64})
    if latest is None:
        return {"cycle": None, "imported_on": None, "import_run": None, "groups": empty, "comments": []}
    rows = cur.sql("""SELECT f.rater_relation, coalesce(f.competency, 'overall') AS competency, f.score, f.comment, f.import_run_id,
                             CAST(runs.finished_at AS DATE) AS imported_on
                      FROM feedback_360 f LEFT JOIN import_runs runs ON runs.run_id = f.import_run_id
                      WHERE f.employee_id = ? AND f.cycle = ?""", params=[employee_id, latest]).pl()
    return {"cycle": latest, "imported_on": rows["imported_on"].max(), "import_run": rows["import_run_id"].max(),
            "groups": anonymous_groups(rows), "comments": sorted(c for c in rows["comment"].drop_nulls().str.strip_chars().to_list() if c)}


def anonymous_groups(rows: pl.DataFrame) -> pl.DataFrame:
    """360° rows (rater_relation, competency, score) of one person and cycle as anonymous groups: a group's responses
    are its raters (its most answered competency); groups under RATER_GROUP_MIN raters are merged into "others", and a merged
    "others" still under RATER_GROUP_MIN keeps its count but shows no score. The self-rating stays the person's own group."""
    raters = rows.group_by("rater_relation", "competency").len("n").group_by("rater_relation").agg(pl.col("n").max().alias("raters"))
    grouped = rows.join(raters, on="rater_relation").with_columns(
        pl.when((pl.col("rater_relation") == "self") | (pl.col("raters") >= RATER_GROUP_MIN)).then(pl.col("rater_relation"))
        .otherwise(pl.lit(OTHERS)).alias("group"))
    group_raters = grouped.unique(["rater_relation", "group"]).group_by("group").agg(pl.col("raters").sum().alias("responses"))
    return (grouped.group_by("group", "competency").agg(pl.col("score").mean().alias("score"))
            .join(group_raters, on="group")
            .with_columns(pl.when((pl.col("group") == "self") | (pl.col("responses") >= RATER_GROUP_MIN)).then(pl.col("score")).alias("score"),
                          pl.col("responses").cast(pl.Int64))
            .sort(pl.col("group").replace_strict(GROUP_ORDER, default=len(GROUP_ORDER)), "competency")
            .select("group", "competency", "score", "responses"))


def profile_state(cur: duckdb.DuckDBPyConnection, user: User, employee_id: str, workspace_file: Path | None = None) -> pl.DataFrame:
    """Per self-service field: the value that counts, where it comes from (self_service or import) and since when,
    whether the analysis counts it yet (False: from the next data refresh), and the imported value beside it.
    Columns: field, value, source, since, counted, imported_value, imported_on, import_run, imported_not_applied."""
    require_self(user, employee_id)
    merged = cur.sql("""SELECT field, value, counts, imported_value, imported_on, import_run_id AS import_run, edited_at AS built_edit_at,
                               imported_not_applied
                        FROM profile_merge WHERE employee_id = ?""", params=[employee_id]).pl().cast(
        {"built_edit_at": pl.Datetime("us"), "imported_on": pl.Date})
    latest = latest_edits([employee_id], workspace_file).select("field", pl.col("value").alias("edit_value"), "edited_at")
    fields = pl.DataFrame({"field": list(FIELDS)})
    frame = fields.join(merged, on="field", how="left").join(latest, on="field", how="left")
    pending = pl.col("edited_at").is_not_null() & (pl.col("built_edit_at").is_null() | (pl.col("edited_at") > pl.col("built_edit_at")))
    return frame.with_columns(
        pl.when(pending).then(pl.col("edit_value")).otherwise(pl.col("value")).alias("value"),
        pl.when(pending).then(pl.lit("self_service")).otherwise(pl.col("counts")).alias("source"),
        pl.when(pending | (pl.col("counts") == "self_service")).then(pl.col("edited_at"))
        .otherwise(pl.col("imported_on").cast(pl.Datetime("us"))).alias("since"),
        (~pending).alias("counted"),
        pl.col("imported_not_applied").fill_null(False),
    ).select("field", "value", "source", "since", "counted", "imported_value", "imported_on", "import_run", "imported_not_applied")


def history(user: User, employee_id: str, workspace_file: Path | None = None) -> pl.DataFrame:
    """Every self-service edit of the employee's profile, newest first: field, value, edited_by, edited_at."""
    require_self(user, employee_id)
    with workspace.connect(workspace_file) as con:
        return con.sql("""SELECT field, value, edited_by, edited_at FROM profile_edits WHERE employee_id = ?
                          ORDER BY edited_at DESC, edit_id DESC""", params=[employee_id]).pl()


def plan(cur: duckdb.DuckDBPyConnection, user: User, employee_id: str, as_of, workspace_file: Path | None = None) -> pl.DataFrame:
    """The employee's own development plan items with the status that counts today (plans.effective) and their reports."""
    from . import plans

    require_self(user, employee_id)
    items = plans.items(None, [employee_id], workspace_file, cur)
    return plans.effective(items, plans.course_completions(cur, [employee_id]), as_of)


def employee_name(cur: duckdb.DuckDBPyConnection, employee_id: str) -> str | None:
    """The name the import gives a person (for an employee account's display name); None when the import has nobody
    with that id (the account is refused then: auth.create_user checks nothing of the import)."""
    found = cur.sql("SELECT name FROM analysis_employee WHERE employee_id = ?", params=[employee_id]).fetchall()
    return found[0][0] if found else None
