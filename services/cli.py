"""Command line: python -m pipelines {ingest,demo,rebuild,export} …"""
from __future__ import annotations

import argparse
import errno
import json
import shlex
import sys
from datetime import date
from pathlib import Path

import duckdb

from pipelines.db import DatabaseBusy
from pipelines.read import ImportFileError
from pipelines.settings import available_presets, database_path


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a date like 2025-12-31") from None


def _share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("give a share between 0 and 1, e.g. 0.05")
    return value


def _ingest(args: argparse.Namespace) -> int:
    from pipelines.ingest import NothingImported, format_summary, ingest

    try:
        summary = ingest(args.paths, database_path(args.db), preset=args.preset, as_of=args.as_of, check=args.check,
                         max_quarantine_share=args.max_quarantine_share,
                         command=shlex.join(["python", "-m", "pipelines", *sys.argv[1:]]))
    except NothingImported as exc:
        print(json.dumps({**exc.summary, "imported": False}, ensure_ascii=False) if args.json else format_summary(exc.summary))
        print(f"error: {exc}", file=sys.stderr)
        print("nothing was changed in the database", file=sys.stderr)
        return 2
    if args.check:
        print(json.dumps(summary, ensure_ascii=False) if args.json else format_summary(summary))
        return 0
    from models.artifacts import ModelFileError
    from models.scoring import rescore_if_trained  # new data: the trained model scores everyone again

    try:
        scored = rescore_if_trained(database_path(args.db))
    except ModelFileError as exc:
        scored = None
        print(f"warning: imported, but not scored: {exc}", file=sys.stderr)
    if scored:
        summary["model_scores"] = scored
    print(json.dumps(summary, ensure_ascii=False) if args.json else format_summary(summary)
          + (f"\n  scored {scored['scored']:,} people with model {scored['version']}" if scored else ""))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from pipelines.demo import generate_demo
    from pipelines.ingest import format_summary, ingest

    rows = generate_demo(Path(args.out), employees=args.employees, seed=args.seed)
    if not args.json:
        print(f"Demo organisation with {args.employees:,} employees written to {args.out}:")
        for name, n in rows.items():
            print(f"  {name:<28} {n:>10,} rows")
    if args.load:
        summary = ingest([args.out], database_path(args.db), command="python -m pipelines demo --load")
        print(json.dumps(summary, ensure_ascii=False) if args.json else format_summary(summary))
    elif args.json:
        print(json.dumps(rows, ensure_ascii=False))
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from pipelines.ingest import rebuild_analysis

    when = rebuild_analysis(database_path(args.db), as_of=args.as_of)
    print(f"analysis tables rebuilt in {database_path(args.db)} as of {when}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from .export import run

    return run(args.cycle, args.department, args.out, args.db, args.list_cycles)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m pipelines", description="Talent Pipeline data pipelines.")
    sub = p.add_subparsers(dest="command", required=True)
    ing = sub.add_parser("ingest", help="import HR files (CSV, XLSX, Parquet) into the database")
    ing.add_argument("paths", nargs="+", help="files, or folders of files, named after their entity")
    ing.add_argument("--db", help="database file (default: $TALENT_DB or data/talent.duckdb)")
    ing.add_argument("--preset", default="canonical", help=f"mapping preset ({', '.join(available_presets())}) or a mapping .toml file")
    ing.add_argument("--json", action="store_true", help="print the run summary as one JSON object")
    ing.add_argument("--as-of", type=_date, help="the date the export describes (default: the mapping's as_of, config [analysis] as_of, or today)")
    ing.add_argument("--check", action="store_true", help="read, map and validate, print the summary, write nothing")
    ing.add_argument("--max-quarantine-share", type=_share, help="roll the batch back when more than this share of its rows is quarantined (e.g. 0.05)")
    ing.set_defaults(func=_ingest)
    demo = sub.add_parser("demo", help="write the import files of a generated demo organisation")
    demo.add_argument("--employees", type=int, default=2000)
    demo.add_argument("--out", required=True, help="folder to write the files into")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--load", action="store_true", help="also import the files into the database")
    demo.add_argument("--db", help="database file for --load (default: $TALENT_DB or data/talent.duckdb)")
    demo.add_argument("--json", action="store_true")
    demo.set_defaults(func=_demo)
    rebuild = sub.add_parser("rebuild", help="rebuild the analysis tables (after an upgrade or a change to config/talent.toml)")
    rebuild.add_argument("--db", help="database file (default: $TALENT_DB or data/talent.duckdb)")
    rebuild.add_argument("--as-of", type=_date, help="the date the analysis describes (default: config [analysis] as_of, or today)")
    rebuild.set_defaults(func=_rebuild)
    exp = sub.add_parser("export", help="write the review-summary workbook (XLSX) and report (HTML) of a closed review cycle")
    exp.add_argument("--cycle", help="a cycle id such as 2026-mid_year, or 'latest' for the most recently closed one")
    exp.add_argument("--list-cycles", action="store_true", help="list the review cycles and exit")
    exp.add_argument("--department", help="only this department (default: all)")
    exp.add_argument("--out", default="exports", help="folder to write the files into (default: exports/)")
    exp.add_argument("--db", help="database file (default: $TALENT_DB or data/talent.duckdb); the workspace is beside it or $TALENT_WORKSPACE")
    exp.set_defaults(func=_export)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except (ImportFileError, DatabaseBusy, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        print("nothing was changed in the database", file=sys.stderr)
        return 2
    except (duckdb.Error, OSError) as exc:  # a damaged database file, a full disk: one line, not a traceback
        what = "no space left on the disk" if getattr(exc, "errno", None) == errno.ENOSPC or "No space left" in str(exc) \
            else str(exc).strip().splitlines()[0][:300]
        print(f"error: {database_path(getattr(args, 'db', None))}: {what}", file=sys.stderr)
        print("nothing was changed in the database", file=sys.stderr)
        return 2
