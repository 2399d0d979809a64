"""Import: the one service every import door calls (the Data page, `python -m pipelines ingest|demo --load`, the
first start). An import is always followed by the same steps: the trained model scores everyone again, a workspace
that sees real data is marked real, and one audit row records the run.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from models.artifacts import ModelFileError
from models.scoring import rescore_if_trained
from pipelines.db import DatabaseBusy
from pipelines.ingest import NothingImported, format_summary, ingest
from pipelines.isolated import ingest_isolated
from pipelines.read import ImportFileError
from pipelines.settings import Mapping, database_path

from . import workspace
from .auth import SYSTEM, User
from .flight_risk import rescore_if_trained as rescore_flight_risk
from .export import cli_user  # who the audit log names for a command-line door
from .permissions import NotAllowed
from .self_service import edits_for_build  # the employees' own profile edits: every build merges them

Progress = Callable[[float, str], None]
DEMO_RUN_BY = "demo"  # import_runs.run_by of the demo organisation: demo accounts only beside such runs
# What a door shows as "nothing was imported" (the message says why); the database is as it was.
IMPORT_ERRORS = (ImportFileError, DatabaseBusy, ValueError)

__all__ = ["import_files", "after_import", "format_summary", "cli_user", "IMPORT_ERRORS", "ImportFileError",
           "DatabaseBusy", "NothingImported", "NotAllowed", "DEMO_RUN_BY", "demo_accounts_switched_off", "NewAdmin"]


@dataclass(frozen=True)
class NewAdmin:
    """The HR admin account a demo account's user creates in the import dialog, to sign in with after the import."""
    username: str
    display_name: str
    password: str


def demo_accounts_switched_off(db_path: str | Path | None = None) -> list[str]:
    """What an import of real files would end, for the Data page to say before it: the enabled demo accounts
    (the uploader's own included), switched off for good; [] when the workspace has left demo mode already."""
    with workspace.connect(workspace.location(db_path=db_path)) as con:
        if workspace.purpose(con) == "real":
            return []
        return [r[0] for r in con.sql("SELECT username FROM users WHERE is_demo AND NOT disabled ORDER BY username").fetchall()]


def _who(actor: User | str | None) -> str | None:
    return actor.username if isinstance(actor, User) else actor


def import_files(actor: User | str | None, paths: Iterable[str | Path], db_path: str | Path | None = None, *,
                 preset: str | Mapping = "canonical", as_of: date | None = None, check: bool = False,
                 max_quarantine_share: float | None = None, isolated: bool = False, demo: bool = False,
                 command: str = "python -m pipelines ingest", progress: Progress | None = None, new_admin: NewAdmin | None = None) -> dict:
    """Import files into the analysis database, then the post-import steps (after_import). Returns the run summary
    (plus model_scores, or model_warning when the model file could not score). Raises IMPORT_ERRORS (NothingImported
    with its summary) when nothing was imported, NotAllowed when a signed-in user may not manage data.

    actor: the signed-in User (app), a name such as cli_user() (command line) or None. isolated: run the ingest in a
    child process with a memory cap (the app: one file cannot take it down). demo: the generated demo organisation.
    new_admin: an HR admin account created (by actor) before the files are read, so that the user of a demo account,
    which this import switches off, can sign in again; a refused account (ValueError) imports nothing."""
    if isinstance(actor, User) and not actor.can("manage_data"):
        raise NotAllowed(f"Your role ({actor.role}) may not import data.")
    if new_admin is not None and not check:
        from .auth import create_user

        create_user(new_admin.username, "hr_admin", new_admin.password, display_name=new_admin.display_name.strip() or None,
                    created_by=actor if isinstance(actor, User) else SYSTEM)
    path = database_path(db_path)
    report = progress or (lambda fraction, message: None)
    # The import runs as it always did (run_by: the app's user, the demo, else the OS account of the command line).
    run_by = DEMO_RUN_BY if demo else actor.username if isinstance(actor, User) else None
    run = ingest_isolated if isolated else ingest
    summary = run(list(paths), path, preset=preset, run_by=run_by, command=command, as_of=as_of, check=check,
                  max_quarantine_share=max_quarantine_share, profile_edits=edits_for_build(path),
                  progress=lambda f, m: report(0.9 * f, m))
    if check:  # nothing was written: nothing to score or record
        report(1.0, "checked")
        return summary
    after_import(actor, summary, path, command=command, demo=demo, progress=report)
    report(1.0, "done")
    return summary


@workspace.writes("import", "workspace_real")
def after_import(actor: User | str | None, summary: dict, db_path: Path, *, command: str = "", demo: bool = False,
                 progress: Progress | None = None) -> dict:
    """What follows every import: score again with the trained model (a damaged model file is a warning, the import
    stands), mark the workspace real unless the data is the demo, one audit row."""
    report = progress or (lambda fraction, message: None)
    report(0.92, "scoring everyone with the trained model")
    try:
        scored = rescore_if_trained(db_path)
    except ModelFileError as exc:
        scored = None
        summary["model_warning"] = f"imported, but not scored: {exc}"
    if scored:
        summary["model_scores"] = scored
    try:  # the flight-risk model too (issue #16), when one was ever trained
        flight = rescore_flight_risk(db_path)
    except ModelFileError as exc:
        flight = None
        summary["flight_risk_warning"] = f"imported, but flight risk not scored: {exc}"
    if flight:
        summary["flight_risk_scores"] = flight
    who = _who(actor)
    ws = workspace.location(db_path=db_path)
    if not demo:
        # from now on demo accounts are off for good
        workspace.mark_real(f"import run {summary['run_id']} by {who or 'the command line'}", ws)
    totals = summary["totals"]
    detail = (f"run_id={summary['run_id']}; command={command}; preset={summary['preset']}; as_of={summary['as_of']}; "
              f"read={totals['read']}; loaded={totals['loaded']}; quarantined={totals['quarantined']}; "
              f"duplicates={totals['exact_duplicates']}; "
              + (f"scored={scored['scored']} with model {scored['version']}" if scored
                 else summary.get("model_warning", "no trained model: not scored"))
              + (f"; flight risk scored={flight['scored']} with model {flight['version']}" if flight else ""))
    with workspace.write(who, "import", f"run {summary['run_id']}", detail, path=ws):
        pass  # the import itself is in the analysis database; the workspace keeps who did it
    return summary
