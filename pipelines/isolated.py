"""Run an import in a child process with a memory cap, so one file cannot take the app down.

The app's uploads go through here: the child runs the same `ingest`; the parent relays progress,
watches the child's resident memory and stops it past the cap. A stopped child changes nothing:
the batch writes a copy of the database that is only swapped in when it commits.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import queue
from collections.abc import Callable
from pathlib import Path

from .read import ImportFileError

MEMORY_LIMIT_MB = int(os.environ.get("TALENT_IMPORT_MEMORY_MB", "6144"))


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


def _child(out: mp.Queue, paths: list[str], db_path: str, kwargs: dict) -> None:
    from .ingest import NothingImported, ingest

    try:
        summary = ingest(paths, Path(db_path), progress=lambda f, m: out.put(("progress", f, m)), **kwargs)
        out.put(("done", summary, None))
    except NothingImported as exc:
        out.put(("nothing", str(exc), exc.summary))
    except Exception as exc:  # sent to the parent, which raises it there with the same words
        out.put(("error", f"{type(exc).__name__}", str(exc)))


def ingest_isolated(paths: list[str | Path], db_path: Path, progress: Callable[[float, str], None] | None = None,
                    memory_limit_mb: int | None = None, **kwargs) -> dict:
    """`pipelines.ingest.ingest` in a child process; same arguments, same summary and errors."""
    from .db import DatabaseBusy
    from .ingest import NothingImported

    report = progress or (lambda fraction, message: None)
    limit = memory_limit_mb or MEMORY_LIMIT_MB
    ctx = mp.get_context("spawn")  # a fresh interpreter: no Streamlit state, no inherited threads
    out: mp.Queue = ctx.Queue()
    child = ctx.Process(target=_child, args=(out, [str(p) for p in paths], str(db_path), kwargs), daemon=True)
    child.start()
    peak = 0.0
    try:
        while True:
            try:
                kind, a, b = out.get(timeout=0.2)
            except queue.Empty:
                peak = max(peak, _resident_mb(child.pid))
                if peak > limit:
                    child.kill()
                    raise ImportStopped(
                        f"the import needed more than {limit:,} MB of memory and was stopped; nothing was changed "
                        "(split the file, or export it as CSV)")
                if not child.is_alive() and out.empty():
                    raise ImportStopped(f"the import stopped unexpectedly (exit code {child.exitcode}); nothing was changed")
                continue
            if kind == "progress":
                report(a, b)
            elif kind == "done":
                return a
            elif kind == "nothing":
                raise NothingImported(a, b)
            elif a == "DatabaseBusy":
                raise DatabaseBusy(b)
            elif a in ("ImportFileError", "ValueError", "ImportStopped"):
                raise (ValueError if a == "ValueError" else ImportFileError)(b)
            else:
                raise ImportStopped(f"the import failed: {b}")
    finally:
        child.join(timeout=5)
        if child.is_alive():
            child.kill()
