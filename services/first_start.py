"""First start: an empty database gets the generated demo organisation, imported through the same import service as
every other door (so a trained model scores it), its demo accounts, and the demo's pool, plans and review history.
Also the one-off rebuild of analysis tables built by an older version of the code."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pipelines import db
from pipelines.ingest import rebuild_analysis
from pipelines.settings import database_path

from . import auth, imports, queries
from .demo import seed_demo_calibration, seed_demo_candidate, seed_demo_flight_risk, seed_demo_reviews, seed_demo_succession
from .i18n import t
from .self_service import edits_for_build
from . import workspace

DEMO_EMPLOYEES = 2000
ACTOR = "first start"  # the audit log's name for what the first start does


class DemoRefused(Exception):
    """The demo is never built beside a workspace that has held real data; the message is fit to show."""


def demo_size() -> int:
    """Employees in the demo organisation (TALENT_DEMO_EMPLOYEES, else 2,000)."""
    return int(os.environ.get("TALENT_DEMO_EMPLOYEES", DEMO_EMPLOYEES))


def allowed() -> bool:
    """Whether the demo organisation may be built here (never beside a workspace that has held real data)."""
    return auth.demo_allowed_here()


def _departments_by_size(db_path: Path) -> list[str]:
    con = db.connect_read_only(db_path)
    try:
        pool = queries.department_pool(db.read_cursor(con))
    finally:
        con.close()
    return pool.sort("active_employees", descending=True)["department"].to_list()


def build_demo(db_path: str | Path | None = None, employees: int | None = None, seed: int = 7,
               progress: Callable[[float, str], None] | None = None) -> dict | None:
    """Generate the demo files beside the database, import them, create the demo accounts and seed the demo's
    history. None (nothing done) when anything was imported before; DemoRefused beside a real workspace."""
    from pipelines.demo import generate_demo  # numpy-heavy; only needed on first start

    report = progress or (lambda fraction, message: None)
    path = database_path(db_path)
    if not db.is_empty(path):
        return None  # never mix the demo into a database that holds imports
    if not allowed():
        raise DemoRefused(t("security.demo_refused", path=workspace.describe(workspace.location(db_path=path))))
    out_dir = path.parent / "demo"
    generate_demo(out_dir, employees=employees or demo_size(), seed=seed, progress=lambda f, m: report(0.3 * f, m))
    summary = imports.import_files(ACTOR, [out_dir], path, demo=True, command="first start: demo organisation",
                                   progress=lambda f, m: report(0.3 + 0.65 * f, m))
    departments = _departments_by_size(path)
    auth.ensure_demo_accounts(departments)
    seed_demo_reviews(path, progress=lambda f, m: report(0.95 + 0.05 * min(f, 1.0), m))
    seed_demo_candidate(path)  # demo.employee: a pool member of demo.head's department, with a profile history (issue #18)
    seed_demo_flight_risk(path)  # the flight-risk model trained on the demo's exits, everyone scored (issue #16 part 4)
    seed_demo_calibration(path)  # a locked mid-year calibration session and an open year-end one (issue #16 part 2)
    seed_demo_succession(path)  # key seats and their successors (issue #16 part 1)
    report(1.0, "done")
    return summary


def upgrade_analysis(db_path: str | Path | None = None) -> None:
    """Tables built by an older version of the code: rebuild them once from the loaded rows."""
    rebuild_analysis(database_path(db_path), profile_edits=edits_for_build(db_path))
