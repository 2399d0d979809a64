"""Command lines (doors that call the services): python -m pipelines {ingest,demo,rebuild,export} …,
python -m models {train,score,train-flight-risk,score-flight-risk} …"""
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
    from .imports import NothingImported, cli_user, format_summary, import_files

    try:
        summary = import_files(cli_user(), args.paths, args.db, preset=args.preset, as_of=args.as_of, check=args.check,
                               max_quarantine_share=args.max_quarantine_share,
                               command=shlex.join(["python", "-m", "pipelines", *sys.argv[1:]]))
    except NothingImported as exc:
        print(json.dumps({**exc.summary, "imported": False}, ensure_ascii=False) if args.json else format_summary(exc.summary))
        print(f"error: {exc}", file=sys.stderr)
        print("nothing was changed in the database", file=sys.stderr)
        return 2
    _print_import(summary, args.json)
    return 0


def _print_import(summary: dict, as_json: bool) -> None:
    for warning in (summary.get("model_warning"), summary.get("flight_risk_warning")):
        if warning:
            print(f"warning: {warning}", file=sys.stderr)
    scored, flight = summary.get("model_scores"), summary.get("flight_risk_scores")
    from .imports import format_summary

    print(json.dumps(summary, ensure_ascii=False) if as_json else format_summary(summary)
          + (f"\n  scored {scored['scored']:,} people with model {scored['version']}" if scored else "")
          + (f"\n  scored {flight['scored']:,} people for flight risk with model {flight['version']}" if flight else ""))


def _demo(args: argparse.Namespace) -> int:
    from pipelines.demo import generate_demo

    from .imports import cli_user, import_files

    rows = generate_demo(Path(args.out), employees=args.employees, seed=args.seed)
    if not args.json:
        print(f"Demo organisation with {args.employees:,} employees written to {args.out}:")
        for name, n in rows.items():
            print(f"  {name:<28} {n:>10,} rows")
    if args.load:
        summary = import_files(cli_user(), [args.out], args.db, demo=True, command="python -m pipelines demo --load")
        _print_import(summary, args.json)
    elif args.json:
        print(json.dumps(rows, ensure_ascii=False))
    return 0


def _rebuild(args: argparse.Namespace) -> int:
    from pipelines.ingest import rebuild_analysis

    from .self_service import edits_for_build

    when = rebuild_analysis(database_path(args.db), as_of=args.as_of, profile_edits=edits_for_build(args.db))
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


def models_main(argv: list[str] | None = None) -> int:
    """python -m models {train,score,train-flight-risk,score-flight-risk} [--db PATH] [--as-of DATE] [--json]"""
    from . import model

    ap = argparse.ArgumentParser(prog="python -m models", description="Train and apply the potential model and the flight-risk model.")
    sub = ap.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train on the database's snapshots; compare with the pool rules on the hold-out")
    tr.add_argument("--db")
    tr.add_argument("--strict", action="store_true", help="use the strict label (still in place and rated well a year later)")
    tr.add_argument("--json", action="store_true", help="end with one JSON object of the hold-out metrics")
    tr.add_argument("--no-score", action="store_true", help="do not score everyone with the new model")
    tr.add_argument("--as-of", type=date.fromisoformat, help="build the snapshots as of this date (YYYY-MM-DD) first; default: the analysis as-of date")
    sc = sub.add_parser("score", help="score everyone with the newest (or a named) model")
    sc.add_argument("--db")
    sc.add_argument("--version")
    fr = sub.add_parser("train-flight-risk", help="train the flight-risk model (voluntary exits within 12 months); compare with tenure alone")
    fr.add_argument("--db")
    fr.add_argument("--json", action="store_true", help="end with one JSON object of the hold-out metrics")
    fr.add_argument("--no-score", action="store_true", help="do not score everyone with the new model")
    fr.add_argument("--as-of", type=date.fromisoformat, help="build the snapshots as of this date (YYYY-MM-DD) first")
    fs = sub.add_parser("score-flight-risk", help="score everyone with the newest (or a named) flight-risk model")
    fs.add_argument("--db")
    fs.add_argument("--version")
    args = ap.parse_args(argv)
    from .imports import cli_user

    try:
        if args.command == "train-flight-risk":
            from . import flight_risk

            card = flight_risk.train_flight_risk(cli_user(), args.db, as_of=args.as_of, then_score=not args.no_score)
            _print_flight_risk_card(card, args.json)
        elif args.command == "score-flight-risk":
            from . import flight_risk

            done = flight_risk.score_flight_risk(cli_user(), args.db, args.version)
            print(f"scored {done['scored']:,} people with flight-risk model {done['version']} (as of {done['as_of']}): "
                  + ", ".join(f"{n:,} {b}" for b, n in done["bands"].items()))
        elif args.command == "train":
            card = model.train(cli_user(), args.db, strict=args.strict, as_of=args.as_of, then_score=not args.no_score)
            _print_card(card, args.strict, args.json)
        else:
            done = model.score(cli_user(), args.db, args.version)
            print(f"scored {done['scored']:,} people with model {done['version']} (as of {done['as_of']})")
        return 0
    except (model.NotEnoughHistory, model.ModelFileError, DatabaseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _print_flight_risk_card(card: dict, as_json: bool) -> None:
    m, b = card["metrics"]["model"], card["metrics"]["tenure_baseline"]
    print(f"flight-risk model {card['version']}: {card['estimator']}; label: {card['label_definition']}")
    print(f"  evaluation: {card['evaluation_definition']}")
    print(f"  trained on {card['train_rows']:,} snapshot rows ({card['train_positives']} voluntary exits) from {', '.join(card['train_snapshots'])}; "
          f"evaluated on {card['test_snapshot']} ({card['test_rows']:,} rows, {card['test_positives']} voluntary exits); "
          f"{card['set_apart']} exits the company decided or retirements set apart")
    print(f"  {'':<18} {'model':>10}   {'tenure only':>11}")
    for name in ("roc_auc", "average_precision", "brier"):
        print(f"  {name:<18} {m[name]:>10.3f}   {b[name]:>11.3f}")
    print("  the model beats tenure alone (AUC and AP)" if card["beats_baseline"] else "  the model does NOT beat tenure alone")
    print("  calibration (predicted vs observed):")
    for c in card["calibration"]:
        print(f"    {c['people']:>7,} people   predicted {c['predicted']:>6.1%}   observed {c['observed']:>6.1%}")
    print("  fairness (share in the high band; observed and predicted rate of leaving):")
    for f in card["fairness"]:
        rate = lambda v: "–" if v is None else f"{v:.1%}"  # noqa: E731
        print(f"    {f['attribute']:<12} {str(f['group']):<16} {f['people']:>8,} people  high {f['high_share']:>6.1%}  "
              f"observed {rate(f['observed_rate']):>6}  predicted {rate(f['predicted_rate']):>6}")
    if scored := card.get("scores"):
        print(f"  scored {scored['scored']:,} people: " + ", ".join(f"{n:,} {band}" for band, n in scored["bands"].items()))
    if as_json:
        print(json.dumps({"model": m, "tenure_baseline": b, "version": card["version"], "estimator": card["estimator"],
                          "evaluation": card["evaluation"], "bands": (card.get("scores") or {}).get("bands")}))


def _print_card(card: dict, strict: bool, as_json: bool) -> None:
    m, r = card["metrics"]["model"], card["metrics"]["rules"]
    print(f"model {card['version']}: {card['estimator']} ({card['label_kind']}{', strict' if strict else ''}); label: {card['label_definition']}")
    print(f"  evaluation: {card['evaluation_definition']}")
    print(f"  trained on {card['train_rows']:,} snapshot rows ({card['train_positives']} promoted) from {', '.join(card['train_snapshots'])}; "
          f"evaluated on {card['test_snapshot']} ({card['test_rows']:,} rows, {card['test_positives']} promoted), k = {card['k']}")
    names = list(card["estimators"])
    print(f"  {'':<18} " + "   ".join(f"{n + (' *' if n == card['estimator'] else ''):>10}" for n in names) + f"   {'rules':>10}")
    for name in ("roc_auc", "average_precision", "brier", "precision_at_k"):
        print(f"  {name:<18} " + "   ".join(f"{card['estimators'][n][name]:>10.3f}" for n in names) + f"   {r[name]:>10.3f}")
    print(f"  {'validation AP':<18} " + "   ".join(f"{card['estimators'][n]['validation_average_precision']:>10.3f}" for n in names)
          + f"   (* chosen by {card['chosen_by']})")
    print("  the model beats the rules" if card["beats_rules"] else "  the model does NOT beat the rules")
    print(f"  inputs ({len(card['features'])}): {', '.join(card['features'])}")
    print("  fairness of the top k (selection rate, impact ratio; under 0.80 flagged):")
    for f in card["fairness"]:
        ratio = "–" if f["impact_ratio"] is None else f"{f['impact_ratio']:.2f}"
        print(f"    {f['attribute']:<12} {str(f['group']):<16} {f['people']:>8,} people {f['selected']:>6,} selected "
              f"{f['selection_rate']:>7.1%}  {ratio:>5}{'  FLAGGED' if f['flagged'] else ''}")
    if not card["fairness"]:
        print("    no protected attribute in the data to audit")
    if as_json:
        print(json.dumps({"model": m, "rules": r, "k": card["k"], "version": card["version"], "estimator": card["estimator"],
                          "evaluation": card["evaluation"], "estimators": card["estimators"]}))
