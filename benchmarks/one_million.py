"""Benchmark: one million employees, end to end (issue #17).

    python benchmarks/one_million.py [--employees 1000000] [--out benchmarks/out] [--reuse-files] [--pages]

Steps, each its own process (the commands a user runs), with wall time and peak resident memory:
generate the demo export (~35 M rows), import it into an empty database (no model re-scoring, as
benchmarks/ingest_demo.py), DuckDB's bare read_csv of the same files (the floor), then the database
size and, with --pages, the page render times of benchmarks/page_times.py on that database.
Writes benchmarks/out/one_million_<employees>.json; --delete-files removes the generated CSVs after.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_loaders import DUCKDB_FLOOR, ENTITIES, run  # noqa: E402  (same floor, same measuring wrapper)


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def page_times(db: Path, repeat: int, env: dict) -> dict:
    """benchmarks/page_times.py on the database: AppTest renders of each page, signed in as HR leadership and a department head."""
    load = load_average()
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "page_times.py"), "--db", str(db), "--repeat", str(repeat)],
                          cwd=ROOT, capture_output=True, text=True, env=env)
    if done.returncode:
        return {"error": done.stderr[-1500:], "load_average_before": load}
    return {**json.loads(done.stdout), "load_average_before": load}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, default=1_000_000)
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out"))
    ap.add_argument("--reuse-files", action="store_true", help="keep an already generated demo folder")
    ap.add_argument("--pages", action="store_true", help="also time the pages (benchmarks/page_times.py)")
    ap.add_argument("--pages-only", action="store_true", help="time the pages on the database of an earlier run, add them to its JSON")
    ap.add_argument("--page-repeat", type=int, default=3)
    ap.add_argument("--delete-files", action="store_true", help="delete the generated CSVs at the end")
    args = ap.parse_args()
    out = Path(args.out)
    files = out / f"demo_{args.employees}"
    db = out / f"talent_{args.employees}.duckdb"
    target = out / f"one_million_{args.employees}.json"
    env = {**os.environ, "TALENT_MODELS": str(out / "no-models")}  # the import alone, no re-scoring
    if args.pages_only:
        result = json.loads(target.read_text())
        result["page_ms"] = page_times(db, args.page_repeat, env)
        target.write_text(json.dumps(result, indent=2))
        print(json.dumps(result["page_ms"], indent=2))
        return
    result: dict = {"employees": args.employees, "cpus": os.cpu_count()}

    if not (args.reuse_files and (files / "employees.csv").exists()):
        shutil.rmtree(files, ignore_errors=True)
        result["load_average_before_generate"] = load_average()
        result["generate"] = run(["pipelines", "demo", "--employees", str(args.employees), "--out", str(files), "--json"], env)
    csvs = sorted(files.glob("*.csv"))
    result["rows_in_import_files"] = sum(sum(1 for _ in open(f, "rb")) - 1 for f in csvs)
    result["import_files_mb"] = round(sum(f.stat().st_size for f in csvs) / 2**20)

    db.unlink(missing_ok=True)
    result["load_average_before_import"] = load_average()
    result["import"] = run(["pipelines", "ingest", str(files), "--db", str(db), "--json"], env, keep_stdout=True)
    summary = json.loads(next(line for line in result["import"].pop("stdout").splitlines()[::-1] if line.startswith("{")))
    result["rows"] = summary["totals"]
    result["database_mb"] = round(db.stat().st_size / 2**20)

    scripts = out / "scripts"
    scripts.mkdir(parents=True, exist_ok=True)
    (scripts / "duckdb_floor.py").write_text(DUCKDB_FLOOR)
    floor_db = out / f"floor_{args.employees}.duckdb"
    floor_db.unlink(missing_ok=True)
    result["load_average_before_floor"] = load_average()
    result["bare_read_csv"] = run([str(scripts / "duckdb_floor.py"), str(files), str(floor_db), ",".join(ENTITIES)])
    floor_db.unlink(missing_ok=True)
    result["import_over_read_csv"] = round(result["import"]["seconds"] / result["bare_read_csv"]["seconds"], 2)

    if args.pages:
        result["page_ms"] = page_times(db, args.page_repeat, env)
    if args.delete_files:
        shutil.rmtree(files)
    target.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
