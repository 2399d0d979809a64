"""Run an import in a child process with a memory cap, so one file cannot take the app down.

The app's uploads go through here: the child (`python -m pipelines.isolated`, a fresh interpreter
that knows nothing of Streamlit) runs the same `ingest`; the parent relays its progress, watches
its resident memory and stops it past the cap. A stopped child changes nothing: the batch writes a
copy of the database that is only swapped in when it commits.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from .read import ImportFileError

MEMORY_LIMIT_MB = int(os.environ.get("TALENT_IMPORT_MEMORY_MB", "6144"))
ROOT = Path(__file__).resolve().parents[1]


class ImportStopped(ImportFileError):
    """The child went past the memory cap or died; nothing was changed."""


def _resident_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0.0


def _request(paths: list[str | Path], db_path: Path, kwargs: dict) -> str:
    from .settings import Mapping

    args = dict(kwargs)
    preset = args.get("preset")
    if isinstance(preset, Mapping):  # a mapping built on the screen, not saved yet
        args["preset"] = {"raw": preset.raw, "name": preset.name}
    for key in ("today", "as_of"):
        if isinstance(args.get(key), date):
            args[key] = args[key].isoformat()
    if args.get("profile_edits") is not None:  # a polars frame: its rows, with times as text
        args["profile_edits"] = args["profile_edits"].with_columns(args["profile_edits"]["edited_at"].cast(str)).to_dicts()
    return json.dumps({"paths": [str(p) for p in paths], "db_path": str(db_path), "kwargs": args}, ensure_ascii=False)


def ingest_isolated(paths: list[str | Path], db_path: Path, progress: Callable[[float, str], None] | None = None,
                    memory_limit_mb: int | None = None, **kwargs) -> dict:
    """`pipelines.ingest.ingest` in a child process; same arguments, same summary and errors."""
    from .db import DatabaseBusy
    from .ingest import NothingImported

    report = progress or (lambda fraction, message: None)
    limit = memory_limit_mb or MEMORY_LIMIT_MB
    child = subprocess.Popen([sys.executable, "-m", "pipelines.isolated"], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8")
    child.stdin.write(_request(paths, db_path, kwargs))
    child.stdin.close()
    stopped = threading.Event()

    def watch() -> None:  # the memory cap, checked five times a second
        while child.poll() is None and not stopped.wait(0.2):
            if _resident_mb(child.pid) > limit:
                stopped.set()
                child.kill()

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    result = None
    try:
        for line in child.stdout:
            message = json.loads(line)
            if message["kind"] == "progress":
                report(message["fraction"], message["text"])
            else:
                result = message
    finally:
        child.wait()
        stopped.set()
        watcher.join()
    if result is None:
        if child.returncode == -9 or child.returncode == 137:
            raise ImportStopped(f"the import needed more than {limit:,} MB of memory and was stopped; nothing was changed "
                                "(split the file, or export it as CSV)")
        raise ImportStopped(f"the import stopped unexpectedly (exit code {child.returncode}); nothing was changed")
    kind, text = result["kind"], result.get("text", "")
    if kind == "done":
        return result["summary"]
    if kind == "nothing":
        raise NothingImported(text, result["summary"])
    if kind == "DatabaseBusy":
        raise DatabaseBusy(text)
    if kind == "ValueError":
        raise ValueError(text)
    raise ImportFileError(text)


def _main() -> int:
    from .db import DatabaseBusy
    from .ingest import NothingImported, ingest
    from .settings import mapping_from_dict

    request = json.loads(sys.stdin.read())
    args = request["kwargs"]
    if isinstance(args.get("preset"), dict):
        args["preset"] = mapping_from_dict(args["preset"]["raw"], args["preset"]["name"])
    for key in ("today", "as_of"):
        if args.get(key):
            args[key] = date.fromisoformat(args[key])
    if args.get("profile_edits") is not None:
        import polars as pl

        args["profile_edits"] = pl.DataFrame(args["profile_edits"], schema={
            "employee_id": pl.String, "field": pl.String, "value": pl.String, "edited_by": pl.String, "edited_at": pl.String,
        }).with_columns(pl.col("edited_at").str.to_datetime())

    def send(message: dict) -> None:
        print(json.dumps(message, ensure_ascii=False, default=str), flush=True)

    try:
        summary = ingest(request["paths"], Path(request["db_path"]),
                         progress=lambda f, m: send({"kind": "progress", "fraction": f, "text": m}), **args)
        send({"kind": "done", "summary": summary})
    except NothingImported as exc:
        send({"kind": "nothing", "text": str(exc), "summary": exc.summary})
    except DatabaseBusy as exc:
        send({"kind": "DatabaseBusy", "text": str(exc)})
    except ValueError as exc:
        send({"kind": "ValueError", "text": str(exc)})
    except ImportFileError as exc:
        send({"kind": "ImportFileError", "text": str(exc)})
    except Exception as exc:  # anything else: the same words, one line, for the page
        send({"kind": "ImportFileError", "text": f"the import failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"})
    return 0


if __name__ == "__main__":
    sys.exit(_main())
