"""read → map → validate → load → build analysis tables, as one batch and one transaction."""
from __future__ import annotations

import getpass
import json
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import polars as pl

from . import db
from .analysis import build_analysis_tables
from .entities import ENTITIES, LOAD_ORDER
from .load import known_employee_ids, next_run_id, store_quarantine, store_run, upsert
from .map_columns import MappedFile, map_source
from .read import ROW, SUFFIXES, ImportFileError, check_source, read_source
from .settings import load_mapping, load_settings
from .validate import FILE, validate

Progress = Callable[[float, str], None]


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; a folder means its import files (not its sub-folders)."""
    files: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(f for f in p.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES and not f.name.startswith("."))
            if not found:
                raise ImportFileError(f"{p}: the folder holds no CSV, XLSX or Parquet files")
            files.extend(found)
        elif p.exists():
            files.append(p)
        else:
            raise ImportFileError(f"{p}: no such file or folder")
    if not files:
        raise ImportFileError("no files to import")
    return files


def ingest(
    paths: Iterable[str | Path],
    db_path: Path,
    preset: str = "canonical",
    run_by: str | None = None,
    command: str = "python -m pipelines ingest",
    progress: Progress | None = None,
    today: date | None = None,
) -> dict:
    """Import files into the database in one batch. Raises ImportFileError before any write
    when a file cannot be imported at all; returns the run summary otherwise."""
    report = progress or (lambda fraction, message: None)
    started = datetime.now()
    clock = time.perf_counter()
    today = today or date.today()
    settings = load_settings()
    mapping = load_mapping(preset)
    files = expand_paths(paths)

    # Cheap checks first (file names, formats), so most mistakes stop before any work.
    by_entity: dict[str, list[Path]] = {}
    for path in files:
        by_entity.setdefault(check_source(path, mapping), []).append(path)

    file_rows, entity_rows = [], {}
    with db.write_batch(db_path) as con:
        run_id = next_run_id(con)
        known = None
        # One entity at a time keeps peak memory to the largest entity; a failure in a later
        # file still changes nothing, since the batch writes a copy that is only swapped in at the end.
        for step, entity in enumerate(e for e in LOAD_ORDER if e in by_entity):
            report(0.05 + 0.8 * step / len(by_entity), f"reading, validating and loading {entity}")
            group: list[MappedFile] = [map_source(read_source(path, mapping), mapping) for path in by_entity[entity]]
            heights = {m.source.path.name: m.frame.height for m in group}
            frame = pl.concat([m.frame.with_columns(pl.lit(m.source.path.name).alias(FILE)) for m in group], rechunk=False)
            group = [replace(m, frame=pl.DataFrame()) for m in group]  # the concatenated frame holds the rows now
            if entity != "employees" and known is None:
                known = known_employee_ids(con)
            result = validate(entity, frame, mapping, settings, known, today)
            replaced = upsert(con, result, run_id)
            store_quarantine(con, result.quarantine, run_id)
            if entity == "employees":
                known = known_employee_ids(con)
            loaded = result.good.group_by(FILE).len("n")
            quarantined = result.quarantine.group_by("file").len("n")
            for m in group:
                name = m.source.path.name
                n_read = heights[name]
                n_loaded = loaded.filter(pl.col(FILE) == name)["n"].sum()
                n_quarantined = quarantined.filter(pl.col("file") == name)["n"].sum()
                file_rows.append({
                    "run_id": run_id, "entity": entity, "file": str(m.source.path), "sha256": m.source.sha256,
                    "rows_read": n_read, "rows_loaded": n_loaded, "rows_quarantined": n_quarantined,
                    "exact_duplicates": n_read - n_loaded - n_quarantined,
                    "ignored_columns": ", ".join(m.ignored_columns),
                })
            read = frame.height
            entity_rows[entity] = {
                "read": read, "loaded": result.good.height, "replaced": replaced,
                "quarantined": result.quarantine.height, "exact_duplicates": result.exact_duplicates,
            }
            if read != result.good.height + result.quarantine.height + result.exact_duplicates:
                raise RuntimeError(f"{entity}: row accounting does not add up; nothing was imported")
        report(0.88, "building analysis tables")
        build_analysis_tables(con, settings, run_id, today)
        totals = {k: sum(e[k] for e in entity_rows.values()) for k in ("read", "loaded", "quarantined", "exact_duplicates")}
        summary = {
            "run_id": run_id, "database": str(db_path), "preset": mapping.name,
            "entities": entity_rows, "totals": totals,
            "files": [{k: v for k, v in f.items() if k != "run_id"} for f in file_rows],
            "seconds": round(time.perf_counter() - clock, 2),
        }
        store_run(
            con,
            {
                "run_id": run_id, "started_at": started, "finished_at": datetime.now(),
                "run_by": run_by or getpass.getuser(), "host": socket.gethostname(), "command": command,
                "preset": mapping.name, "rows_read": totals["read"], "rows_loaded": totals["loaded"],
                "rows_quarantined": totals["quarantined"], "exact_duplicates": totals["exact_duplicates"],
                "summary_json": json.dumps(summary, ensure_ascii=False),
            },
            pl.DataFrame(file_rows),
        )
        report(0.97, "saving")
    report(1.0, "done")
    summary["seconds"] = round(time.perf_counter() - clock, 2)
    return summary


def rebuild_analysis(db_path: Path, today: date | None = None) -> None:
    """Rebuild the analysis tables from the loaded rows (after an upgrade or a config change)."""
    with db.write_batch(db_path) as con:
        last_run = con.sql("SELECT coalesce(max(run_id), 0) FROM import_runs").fetchall()[0][0]
        build_analysis_tables(con, load_settings(), last_run, today or date.today())


def format_summary(summary: dict) -> str:
    lines = [f"Import run {summary['run_id']} into {summary['database']} (mapping: {summary['preset']}, {summary['seconds']} s)"]
    width = max(len(e) for e in summary["entities"]) if summary["entities"] else 10
    lines.append(f"  {'entity':<{width}}  {'read':>9}  {'loaded':>9}  {'quarantined':>11}  {'duplicates':>10}")
    for name, e in summary["entities"].items():
        lines.append(f"  {name:<{width}}  {e['read']:>9,}  {e['loaded']:>9,}  {e['quarantined']:>11,}  {e['exact_duplicates']:>10,}")
    t = summary["totals"]
    lines.append(f"  {'total':<{width}}  {t['read']:>9,}  {t['loaded']:>9,}  {t['quarantined']:>11,}  {t['exact_duplicates']:>10,}")
    ignored = [f"{Path(f['file']).name}: {f['ignored_columns']}" for f in summary["files"] if f["ignored_columns"]]
    if ignored:
        lines.append("  ignored columns (not in the import format): " + "; ".join(ignored))
    if t["quarantined"]:
        lines.append(f"  {t['quarantined']:,} rows quarantined: see the Data page or the quarantine table (run_id = {summary['run_id']})")
    return "\n".join(lines)


__all__ = ["ingest", "format_summary", "expand_paths", "ImportFileError", "ENTITIES", "ROW"]
