"""python -m models {train,score} [--db PATH] [--json]"""
from __future__ import annotations

import argparse
import json
import sys

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
    sc = sub.add_parser("score", help="score everyone with the newest (or a named) model")
    sc.add_argument("--db")
    sc.add_argument("--version")
    args = ap.parse_args(argv)
    path = database_path(args.db)
    try:
        if args.command == "train":
            from .scoring import score
            from .training import train

            card = train(path, "label_strict" if args.strict else "label")
            if not args.no_score:
                score(path, card["version"])
            m, r = card["metrics"]["model"], card["metrics"]["rules"]
            print(f"model {card['version']}: trained on {card['train_rows']:,} snapshot rows ({card['train_positives']} promoted), "
                  f"tested on {card['test_snapshot']} ({card['test_rows']:,} rows, {card['test_positives']} promoted), k = {card['k']}")
            for name in ("roc_auc", "average_precision", "brier", "precision_at_k"):
                print(f"  {name:<18} model {m[name]:.3f}   rules {r[name]:.3f}")
            print("  the model beats the rules on the hold-out" if card["beats_rules"] else "  the model does NOT beat the rules on the hold-out")
            flagged = [f"{f['attribute']}={f['group']} ({f['impact_ratio']:.2f})" for f in card["fairness"] if f["flagged"]]
            print("  fairness: " + ("impact ratio under 0.8 for " + ", ".join(flagged) if flagged else "no group under the four-fifths line"))
            if args.json:
                print(json.dumps({"model": m, "rules": r, "k": card["k"], "version": card["version"]}))
        else:
            from .scoring import score

            done = score(path, args.version)
            print(f"scored {done['scored']:,} people with model {done['version']} (as of {done['as_of']})")
        return 0
    except (NotEnoughHistory, ModelFileError, DatabaseBusy) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
