"""read → map → validate → load → build analysis tables, as one batch and one transaction."""
from __future__ import annotations

import getpass
import json
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import polars as pl

from . import db
from .analysis import build_analysis_tables
from .intermediate import profile_merge_counts
from .entities import ENTITIES, LOAD_ORDER
from .load import known_employee_ids, next_run_id, store_quarantine, store_run, upsert
from .map_columns import MappedFile, map_source
from .read import ROW, SUFFIXES, ImportFileError, SourceFile, check_source, read_source
from .settings import Mapping, Settings, load_mapping, load_settings, resolve_as_of
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


class NothingImported(ImportFileError):
    """The batch loaded no row, or quarantined more than allowed: rolled back, the summary says why."""

    def __init__(self, message: str, summary: dict):
        super().__init__(message)
        self.summary = summary


def _raw_rows(quarantine: pl.DataFrame, raws: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The quarantine keeps each row as the file had it (source labels, before mapping)."""
    if quarantine.height == 0:
        return quarantine
    parts = []
    for name, part in quarantine.group_by("file", maintain_order=True):
        raw = raws.get(name[0])
        if raw is None:
            parts.append(part)
            continue
        wanted = raw.join(part.select(pl.col("row_number").alias(ROW)).unique(), on=ROW, how="semi")
        labels = [c for c in raw.columns if c != ROW]
        as_read = wanted.select(pl.col(ROW).alias("row_number"), pl.struct(labels).struct.json_encode().alias("__raw"))
        parts.append(part.join(as_read, on="row_number", how="left")
                     .with_columns(pl.coalesce("__raw", "raw_row").alias("raw_row")).drop("__raw"))
    return pl.concat(parts).select(quarantine.columns).sort("file", "row_number")


def _top_reasons(quarantine: pl.DataFrame, n: int = 3) -> list[str]:
    """The commonest problems, with where each is first seen: 'file row R, column: reason (N rows)'."""
    if quarantine.height == 0:
        return []
    kinds = quarantine.with_columns(
        pl.col("reason").str.replace_all(r"'[^']*'", "…").str.replace(r" \(\d+ identical rows\)$", "")
        .str.replace(r"duplicate key \(.*", "duplicate key with different values").alias("kind")
    )
    top = kinds.group_by("kind").agg(pl.len().alias("rows"), pl.col("file").first(), pl.col("row_number").first(),
                                     pl.col("column_name").first(), pl.col("reason").first())
    top = top.sort(["rows", "kind"], descending=[True, False]).head(n)
    return [f"{r['reason']} ({r['rows']:,} row{'s' if r['rows'] != 1 else ''}; first: {r['file']} row {r['row_number']}, column {r['column_name']})"
            for r in top.iter_rows(named=True)]


def headline(totals: dict, reasons: list[str]) -> str:
    text = (f"loaded {totals['loaded']:,} of {totals['read']:,} rows ({totals['quarantined']:,} quarantined, "
            f"{totals['exact_duplicates']:,} duplicates" + (f", {totals['skipped']:,} skipped by the mapping" if totals.get("skipped") else "") + ")")
    return text + ("; top reasons: " + "; ".join(reasons) if reasons else "")


def manager_links_to_nobody(con) -> tuple[int, list[str]]:
    found = con.sql("SELECT DISTINCT manager_id FROM employees WHERE manager_id IS NOT NULL "
                    "AND manager_id NOT IN (SELECT employee_id FROM employees) ORDER BY 1").fetchall()
    people = con.sql("SELECT count(*) FROM employees WHERE manager_id IS NOT NULL "
                     "AND manager_id NOT IN (SELECT employee_id FROM employees)").fetchall()[0][0]
    return people, [r[0] for r in found[:5]]


def ingest(
    paths: Iterable[str | Path],
    db_path: Path,
    preset: str | Mapping = "canonical",
    run_by: str | None = None,
    command: str = "python -m pipelines ingest",
    progress: Progress | None = None,
    today: date | None = None,
    *,
    as_of: date | None = None,
    check: bool = False,
    max_quarantine_share: float | None = None,
    profile_edits: pl.DataFrame | None = None,
) -> dict:
    """Import files into the database in one batch. Raises ImportFileError before any write
    when a file cannot be imported at all, NothingImported (rolled back) when no row loads;
    returns the run summary otherwise. check=True writes nothing. profile_edits: the self-service profile edits the
    analysis build merges with the imported profiles (None: those of the last build)."""
    report = progress or (lambda fraction, message: None)
    started = datetime.now()
    clock = time.perf_counter()
    settings = load_settings()
    mapping = load_mapping(preset, db_path)
    as_of = resolve_as_of(as_of or today, mapping, settings)
    files = expand_paths(paths)

    # Cheap checks first (file names, formats), so most mistakes stop before any work.
    by_entity: dict[str, list[Path]] = {}
    uses: dict[Path, int] = {}
    for path in files:
        for entity in check_source(path, mapping):
            by_entity.setdefault(entity, []).append(path)
            uses[path] = uses.get(path, 0) + 1
    entities = [e for e in LOAD_ORDER if e in by_entity or (e == "employee_attributes" and any(mapping.for_entity(x).attributes for x in by_entity))]

    file_rows, entity_rows, warnings = [], {}, []
    sources: dict[Path, SourceFile] = {}  # files that feed several entities are read once
    raws: dict[str, pl.DataFrame] = {}
    pending_attributes: list[pl.DataFrame] = []
    quarantines: list[pl.DataFrame] = []
    with db.write_batch(db_path, dry_run=check) as con:
        run_id = next_run_id(con)
        con.execute("SET enable_progress_bar = false")  # a long query would draw its bar on stdout, into `--json` output
        known = None
        # One entity at a time keeps peak memory to the largest entity; a failure in a later
        # file still changes nothing, since the batch writes a copy that is only swapped in at the end.
        for step, entity in enumerate(entities):
            report(0.05 + 0.8 * step / len(entities), f"reading, validating and loading {entity}")
            # Each part of the entity's rows: a mapped file, or attribute rows routed from an earlier entity's file.
            parts: list[tuple[pl.DataFrame, MappedFile | None]] = []
            for path in by_entity.get(entity, []):
                source = sources.pop(path, None) or read_source(path, mapping, entity)
                uses[path] -= 1
                if uses[path] > 0:
                    sources[path] = source
                mapped = map_source(replace(source, entity=entity), mapping, as_of, entity)
                raws[path.name] = mapped.raw
                if mapped.attributes is not None and mapped.attributes.height:
                    pending_attributes.append(mapped.attributes.with_columns(pl.lit(path.name).alias(FILE)))
                parts.append((mapped.frame.with_columns(pl.lit(path.name).alias(FILE)), mapped))
            if entity == "employee_attributes":
                parts += [(routed, None) for routed in pending_attributes]
            columns = [ROW, *ENTITIES[entity].column_names, FILE]
            frame = pl.concat([part.select(columns) for part, _ in parts], rechunk=False)
            if entity != "employees" and known is None:
                known = known_employee_ids(con)
            result = validate(entity, frame, mapping, settings, known, as_of)
            quarantine = _raw_rows(result.quarantine, raws)
            replaced = upsert(con, result, run_id)
            store_quarantine(con, quarantine, run_id)
            quarantines.append(quarantine.select("file", "row_number", "column_name", "reason"))  # what _top_reasons reads
            if entity == "employees":
                known = known_employee_ids(con)
                links, examples = manager_links_to_nobody(con)
                if links:
                    warnings.append(f"{links:,} manager links point to no employee (e.g. {', '.join(repr(x) for x in examples)}): "
                                    "the manager column may hold something other than employee ids")
            loaded = dict(result.good.group_by(FILE).len("n").iter_rows())
            quarantined = dict(quarantine.group_by("file").len("n").iter_rows())
            for part, mapped in parts:
                name = part[FILE][0] if part.height else (mapped.source.path.name if mapped else "")
                n_read, n_loaded, n_quarantined = part.height, loaded.get(name, 0), quarantined.get(name, 0)
                file_rows.append({
                    "run_id": run_id, "entity": entity, "file": str(mapped.source.path) if mapped else name,
                    "sha256": mapped.source.sha256 if mapped else "", "rows_read": n_read, "rows_loaded": n_loaded,
                    "rows_quarantined": n_quarantined, "exact_duplicates": n_read - n_loaded - n_quarantined,
                    "ignored_columns": ", ".join(mapped.ignored_columns) if mapped else "",
                    "derived": dict(mapped.derived) if mapped else {}, "skipped": mapped.skipped if mapped else 0,
                })
            read = frame.height
            entity_rows[entity] = {
                "read": read, "loaded": result.good.height, "replaced": replaced,
                "quarantined": result.quarantine.height, "exact_duplicates": result.exact_duplicates,
                "skipped": sum(mapped.skipped for _, mapped in parts if mapped),
            }
            if read != result.good.height + result.quarantine.height + result.exact_duplicates:
                raise RuntimeError(f"{entity}: row accounting does not add up; nothing was imported")
            # The loop's names still hold this entity's frames: drop them before the next file is read.
            del frame, result, parts, quarantine
            source = mapped = part = None
            # A file's rows as read are kept only while a later entity (or its attributes) still needs them.
            keep = {p.name for p in sources} | {a[FILE][0] for a in pending_attributes}
            raws = {name: raw for name, raw in raws.items() if name in keep}
        totals = {k: sum(e[k] for e in entity_rows.values()) for k in ("read", "loaded", "quarantined", "exact_duplicates", "skipped")}
        reasons = _top_reasons(pl.concat(quarantines) if quarantines else pl.DataFrame())
        summary = {
            "run_id": run_id, "database": str(db_path), "preset": mapping.name, "as_of": as_of.isoformat(),
            "headline": headline(totals, reasons), "top_reasons": reasons, "warnings": warnings, "check": check,
            "entities": entity_rows, "totals": totals,
            "files": [{k: v for k, v in f.items() if k != "run_id"} for f in file_rows],
            "seconds": round(time.perf_counter() - clock, 2),
        }
        if totals["read"] == 0:
            raise NothingImported(f"nothing was imported: no data rows in {', '.join(p.name for p in files)}", summary)
        if totals["loaded"] == 0:
            raise NothingImported("nothing was imported: " + summary["headline"], summary)
        if max_quarantine_share is not None and totals["read"] and totals["quarantined"] / totals["read"] > max_quarantine_share:
            raise NothingImported(
                f"nothing was imported: {totals['quarantined'] / totals['read']:.1%} of the rows were quarantined, "
                f"more than the {max_quarantine_share:.1%} allowed; " + summary["headline"], summary)
        if check:
            report(1.0, "checked")
            return summary
        report(0.88, "building analysis tables")
        summary["analysis"] = build_analysis_tables(con, settings, run_id, as_of, profile_edits, batch_run=run_id)
        summary["self_service"] = profile_merge_counts(con)
        store_run(
            con,
            {
                "run_id": run_id, "started_at": started, "finished_at": datetime.now(),
                "run_by": run_by or getpass.getuser(), "host": socket.gethostname(), "command": command,
                "preset": mapping.name, "rows_read": totals["read"], "rows_loaded": totals["loaded"],
                "rows_quarantined": totals["quarantined"], "exact_duplicates": totals["exact_duplicates"],
                "summary_json": json.dumps(summary, ensure_ascii=False),
            },
            pl.DataFrame([{k: v for k, v in f.items() if k not in ("derived", "skipped")} for f in file_rows]),
        )
        report(0.97, "saving")
    report(1.0, "done")
    summary["seconds"] = round(time.perf_counter() - clock, 2)
    return summary


def last_as_of(db_path: Path) -> date | None:
    """The as-of date the analysis tables were last built with."""
    if not Path(db_path).exists():
        return None
    con = db.connect_read_only(db_path)
    try:
        if not con.sql("SELECT 1 FROM duckdb_tables() WHERE database_name = 'talent' AND table_name = 'analysis_meta'").fetchall():
            return None
        found = con.sql("SELECT as_of_date FROM analysis_meta").fetchall()
        return found[0][0] if found else None
    finally:
        con.close()


def rebuild_analysis(db_path: Path, today: date | None = None, *, as_of: date | None = None,
                     settings: Settings | None = None, before_swap: Callable[[], None] | None = None,
                     profile_edits: pl.DataFrame | None = None, wait: float | None = None) -> date:
    """Rebuild the analysis tables from the loaded rows (after an upgrade or a config change), as of
    the given date, else config [analysis] as_of, else the date of the last build (the data has not
    changed since), else today. Returns the date used.
    settings: rules not yet in the config file (a pool-rule edit); before_swap: runs once the tables are
    built on the copy, before it replaces the live file, so that its failure leaves the database as it was.
    profile_edits: the self-service profile edits (None: those of the last build); wait: seconds to wait for the write lock."""
    settings = settings or load_settings()
    configured = str(settings.analysis.get("as_of") or "").strip()
    when = resolve_as_of(as_of or today or (None if configured else last_as_of(db_path)), None, settings)
    with db.write_batch(db_path, wait=wait) as con:
        last_run = con.sql("SELECT coalesce(max(run_id), 0) FROM import_runs").fetchall()[0][0]
        build_analysis_tables(con, settings, last_run, when, profile_edits)
        if before_swap:
            before_swap()
    return when


def format_summary(summary: dict) -> str:
    lines = [summary["headline"],
             ("Checked only, nothing written: " if summary.get("check") else f"Import run {summary['run_id']} into ")
             + f"{summary['database']} (mapping: {summary['preset']}, as of {summary.get('as_of')}, {summary['seconds']} s)"]
    width = max(len(e) for e in summary["entities"]) if summary["entities"] else 10
    lines.append(f"  {'entity':<{width}}  {'read':>9}  {'loaded':>9}  {'quarantined':>11}  {'duplicates':>10}")
    for name, e in summary["entities"].items():
        lines.append(f"  {name:<{width}}  {e['read']:>9,}  {e['loaded']:>9,}  {e['quarantined']:>11,}  {e['exact_duplicates']:>10,}")
    t = summary["totals"]
    lines.append(f"  {'total':<{width}}  {t['read']:>9,}  {t['loaded']:>9,}  {t['quarantined']:>11,}  {t['exact_duplicates']:>10,}")
    by_file: dict[str, set[str] | None] = {}
    for f in summary["files"]:  # a column is ignored only when no entity read from the file uses it
        if f["sha256"]:
            cols = {c for c in f["ignored_columns"].split(", ") if c}
            name = Path(f["file"]).name
            by_file[name] = cols if by_file.get(name) is None else by_file[name] & cols
    ignored = [f"{name}: {', '.join(sorted(cols))}" for name, cols in by_file.items() if cols]
    if ignored:
        lines.append("  ignored columns (not in the import format): " + "; ".join(ignored))
    derived = [f"{Path(f['file']).name} {col}: {how}" for f in summary["files"] for col, how in f.get("derived", {}).items()]
    if derived:
        lines.append("  derived or defaulted columns: " + "; ".join(derived))
    for warning in summary.get("warnings", []):
        lines.append(f"  warning: {warning}")
    kept = summary.get("self_service", {}).get("imported_not_applied", 0)
    if kept:
        lines.append(f"  {kept:,} imported profile values were older than the employee's own self-service edit and were not applied "
                     "(kept in the history)")
    if t["quarantined"] and not summary.get("check"):
        lines.append(f"  {t['quarantined']:,} rows quarantined: see the Data page or the quarantine table (run_id = {summary['run_id']})")
    return "\n".join(lines)


__all__ = ["ingest", "preview", "format_summary", "expand_paths", "ImportFileError", "NothingImported", "ENTITIES", "ROW"]


@dataclass(frozen=True)
class Preview:
    entity: str
    loaded: pl.DataFrame  # the first rows as they would load
    quarantine: pl.DataFrame  # reason, column, rows, first row number
    counts: dict  # read, loaded, quarantined, exact_duplicates, skipped
    derived: dict
    ignored_columns: tuple[str, ...]


def preview(path: str | Path, db_path: Path, mapping: str | Mapping = "canonical", entity: str | None = None,
            as_of: date | None = None, limit: int = 200) -> Preview:
    """What one file would load with a mapping, for the mapping screen. Writes nothing."""
    settings = load_settings()
    mapping = load_mapping(mapping, db_path)
    as_of = resolve_as_of(as_of, mapping, settings)
    path = Path(path)
    entity = entity or check_source(path, mapping)[0]
    mapped = map_source(read_source(path, mapping, entity), mapping, as_of, entity)
    frame = mapped.frame.with_columns(pl.lit(path.name).alias(FILE))
    known = None
    if entity != "employees" and Path(db_path).exists() and not db.is_empty(db_path):
        con = db.connect_read_only(db_path)
        try:
            known = con.sql("SELECT employee_id FROM employees").pl()["employee_id"]
        finally:
            con.close()
    result = validate(entity, frame.select(ROW, *ENTITIES[entity].column_names, FILE), mapping, settings, known, as_of)
    reasons = result.quarantine.group_by("column_name", "reason").agg(pl.len().alias("rows"), pl.col("row_number").min().alias("first_row"))
    return Preview(
        entity=entity,
        loaded=result.good.drop(FILE).rename({ROW: "row"}).head(limit),
        quarantine=reasons.sort(["rows", "first_row"], descending=[True, False]),
        counts={"read": frame.height, "loaded": result.good.height, "quarantined": result.quarantine.height,
                "exact_duplicates": result.exact_duplicates, "skipped": mapped.skipped},
        derived=dict(mapped.derived), ignored_columns=mapped.ignored_columns,
    )
