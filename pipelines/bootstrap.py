"""First start: fill an empty database with the generated demo organisation."""
from __future__ import annotations

from pathlib import Path

from . import db
from .ingest import Progress, ingest

DEMO_EMPLOYEES = 2000


def build_demo_database(db_path: Path, employees: int = DEMO_EMPLOYEES, seed: int = 7, progress: Progress | None = None) -> dict | None:
    """Generate the demo files beside the database and import them, unless anything was imported before."""
    from .demo import generate_demo  # numpy-heavy; only needed on first start

    report = progress or (lambda fraction, message: None)
    if not db.is_empty(db_path):
        return None  # never mix the demo into a database that holds imports
    out_dir = Path(db_path).parent / "demo"
    generate_demo(out_dir, employees=employees, seed=seed, progress=lambda f, m: report(0.3 * f, m))
    return ingest(
        [out_dir], db_path, preset="canonical", run_by="demo", command="first start: demo organisation",
        progress=lambda f, m: report(0.3 + 0.7 * f, m),
    )
