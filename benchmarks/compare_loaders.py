"""Benchmark: this project's ingestion against two floors, on the same demo files.

    python benchmarks/compare_loaders.py --employees 10000 100000 [--repeat 3]
    python benchmarks/compare_loaders.py --files benchmarks/out/demo_100000 --repeat 3 --skip-pandas

(a) `python -m pipelines ingest` (validation, quarantine, load, analysis tables and model snapshots);
(b) DuckDB's own read_csv into text tables, no validation (the floor; typed auto-detection stops at the
    demo's first bad row, which is the point of validating);
(c) pandas.read_csv + DataFrame.to_sql into sqlite3 (what an analyst would write).
Each runs in its own process; prints the median wall seconds, CPU seconds (user + system, less
sensitive to other work on the machine), peak memory and the ratios a/b and c/a, with the load average.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENTITIES = ["employees", "performance_ratings", "training_records", "certifications", "feedback_360", "projects", "profiles", "promotions"]

DUCKDB_FLOOR = """
import duckdb, sys
con = duckdb.connect(sys.argv[2])
for name in sys.argv[3].split(","):
    con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_csv('{sys.argv[1]}/{name}.csv', all_varchar=true)")
con.close()
"""
PANDAS_SQLITE = """
import sqlite3, sys
import pandas as pd
con = sqlite3.connect(sys.argv[2])
for name in sys.argv[3].split(","):
    pd.read_csv(f"{sys.argv[1]}/{name}.csv").to_sql(name, con, index=False)
con.commit()
con.close()
"""


def run(args: list[str], env: dict | None = None, keep_stdout: bool = False) -> dict:
    wrapper = ("import resource, runpy, sys\nsys.argv = sys.argv[1:]\ncode = 0\n"
               "try:\n    runpy.run_path(sys.argv[0], run_name='__main__') if sys.argv[0].endswith('.py') else runpy.run_module(sys.argv[0], run_name='__main__')\n"
               "except SystemExit as e:\n    code = e.code or 0\n"
               "u = resource.getrusage(resource.RUSAGE_SELF)\n"
               "print('MAXRSS', u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr)\nsys.exit(code)\n")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", wrapper, *args], cwd=ROOT, capture_output=True, text=True, env=env or os.environ.copy())
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    _, rss, cpu = next(line.split() for line in done.stderr.splitlines() if line.startswith("MAXRSS"))
    return {"seconds": round(seconds, 2), "cpu_seconds": round(float(cpu), 2), "peak_memory_mb": round(int(rss) / 1024),
            **({"stdout": done.stdout} if keep_stdout else {})}


def median_of(times: int, args: list[str], env: dict | None = None, before=None) -> dict:
    """The run with the median wall time of `times` (before: called ahead of each, e.g. to delete the database)."""
    runs = []
    for _ in range(times):
        if before:
            before()
        runs.append({**run(args, env), "load_average": " ".join(Path("/proc/loadavg").read_text().split()[:3])})
    return {**sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2], "all_seconds": [r["seconds"] for r in runs]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, nargs="+", default=[10_000, 100_000])
    ap.add_argument("--files", help="an existing demo export folder (instead of generating one)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each loader; the median is reported")
    ap.add_argument("--skip-pandas", action="store_true")
    args = ap.parse_args()
    results = []
    for n in [None] if args.files else args.employees:
        work = Path(tempfile.mkdtemp(prefix=f"bench{n}-"))
        files = Path(args.files).resolve() if args.files else work / "files"
        if not args.files:
            subprocess.run([sys.executable, "-m", "pipelines", "demo", "--employees", str(n), "--out", str(files), "--json"],
                           cwd=ROOT, check=True, capture_output=True)
        scripts = work / "scripts"
        scripts.mkdir()
        (scripts / "duckdb_floor.py").write_text(DUCKDB_FLOOR)
        (scripts / "pandas_sqlite.py").write_text(PANDAS_SQLITE)
        env = {**os.environ, "TALENT_MODELS": str(work / "no-models")}
        fresh = [work / "a.duckdb", work / "b.duckdb", work / "c.sqlite"]

        def clean() -> None:
            for f in fresh:
                f.unlink(missing_ok=True)
        a = median_of(args.repeat, ["pipelines", "ingest", str(files), "--db", str(fresh[0]), "--json"], env, clean)
        b = median_of(args.repeat, [str(scripts / "duckdb_floor.py"), str(files), str(fresh[1]), ",".join(ENTITIES)], None, clean)
        result = {"files": str(files), "employees": n, "a_pipeline": a, "b_duckdb_read_csv": b,
                  "a_over_b": round(a["seconds"] / b["seconds"], 2), "a_over_b_cpu": round(a["cpu_seconds"] / b["cpu_seconds"], 2)}
        if not args.skip_pandas:
            c = median_of(args.repeat, [str(scripts / "pandas_sqlite.py"), str(files), str(fresh[2]), ",".join(ENTITIES)], None, clean)
            result.update(c_pandas_sqlite=c, c_over_a=round(c["seconds"] / a["seconds"], 2))
        results.append(result)
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
