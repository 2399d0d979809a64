"""python -m models {train,score} [--db PATH] [--as-of DATE] [--json]"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from pipelines.db import DatabaseBusy
from pipelines.settings import database_path

from .artifacts import ModelFileError
from .training import NotEnoughHistory


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m models", description="Train and apply the potential model.")
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
    args = ap.parse_args(argv)
    path = database_path(args.db)
    try:
        if args.command == "train":
            from .scoring import score
            from .training import train

            card = train(path, "label_strict" if args.strict else "label", as_of=args.as_of)
            if not args.no_score:
                score(path, card["version"])
            m, r = card["metrics"]["model"], card["metrics"]["rules"]
            print(f"model {card['version']}: {card['estimator']} ({card['label_kind']}{', strict' if args.strict else ''}); label: {card['label_definition']}")
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
            if args.json:
                print(json.dumps({"model": m, "rules": r, "k": card["k"], "version": card["version"], "estimator": card["estimator"],
                                  "evaluation": card["evaluation"], "estimators": card["estimators"]}))
        else:
            from .scoring import score

            done = score(path, args.version)
            print(f"scored {done['scored']:,} people with model {done['version']} (as of {done['as_of']})")
        return 0
    except (NotEnoughHistory, ModelFileError, DatabaseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
