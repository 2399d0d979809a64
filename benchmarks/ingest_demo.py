"""Benchmark: generate a demo organisation and ingest it; wall time and peak memory of each step.

    python benchmarks/ingest_demo.py --employees 100000 [--out benchmarks/out]

Each step runs as its own process (the same commands a user runs), so peak memory is that
process's maximum resident set size.
"""
from __future__ import annotations

import argparse
import json
import os

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str]) -> dict:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "import resource, runpy, sys; sys.argv = sys.argv[1:]; "
         "code = 0\ntry:\n    runpy.run_module('pipelines', run_name='__main__')\nexcept SystemExit as e:\n    code = e.code or 0\n"
         "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); sys.exit(code)", *cmd],
        cwd=ROOT, capture_output=True, text=True,
        env={**os.environ, "TALENT_MODELS": str(ROOT / "benchmarks" / "out" / "no-models")},  # ingest alone, no re-scoring
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    rss_kb = int(next(line.split()[1] for line in done.stderr.splitlines() if line.startswith("MAXRSS")))
    return {"seconds": round(seconds, 1), "peak_memory_mb": round(rss_kb / 1024), "stdout": done.stdout}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, default=100_000)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    args = ap.parse_args()
    out = Path(args.out) / f"demo_{args.employees}"
    db = Path(args.out) / f"talent_{args.employees}.duckdb"
    db.unlink(missing_ok=True)
    gen = timed(["pipelines", "demo", "--employees", str(args.employees), "--out", str(out), "--json"])
    rows = json.loads(gen.pop("stdout"))
    first = timed(["pipelines", "ingest", str(out), "--db", str(db), "--json"])
    summary = json.loads(first.pop("stdout"))
    again = timed(["pipelines", "ingest", str(out), "--db", str(db), "--json"])
    again.pop("stdout")
    result = {
        "employees": args.employees,
        "rows_in_import_files": sum(v for k, v in rows.items() if k.endswith(".csv")),
        "rows_per_file": {k: v for k, v in rows.items() if k.endswith(".csv")},
        "generate": gen,
        "ingest_into_empty_db": first,
        "reingest_same_files": again,
        "rows_loaded": summary["totals"]["loaded"],
        "rows_exact_duplicates": summary["totals"]["exact_duplicates"],
        "rows_quarantined": summary["totals"]["quarantined"],
        "database_mb": round(os.path.getsize(db) / 2**20),
        "cpus": os.cpu_count(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
