"""Benchmark: this project's ingestion against two floors, on the same demo files.

    python benchmarks/compare_loaders.py --employees 10000 100000

(a) `python -m pipelines ingest` (validation, quarantine, load, analysis tables and model snapshots);
(b) DuckDB's own read_csv into text tables, no validation (the floor; typed auto-detection stops at the
    demo's first bad row, which is the point of validating);
(c) pandas.read_csv + DataFrame.to_sql into sqlite3 (what an analyst would write).
Each runs in its own process; prints seconds, peak memory and the ratios a/b and c/a.
"""
from __future__ import annotations

import argparse
import json
import os
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
               "print('MAXRSS', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\nsys.exit(code)\n")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", wrapper, *args], cwd=ROOT, capture_output=True, text=True, env=env or os.environ.copy())
    seconds = time.perf_counter() - start
    if done.returncode:
        raise SystemExit(done.stderr[-2000:])
    rss = int(next(line.split()[1] for line in done.stderr.splitlines() if line.startswith("MAXRSS")))
    return {"seconds": round(seconds, 2), "peak_memory_mb": round(rss / 1024), **({"stdout": done.stdout} if keep_stdout else {})}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--employees", type=int, nargs="+", default=[10_000, 100_000])
    args = ap.parse_args()
    results = []
    for n in args.employees:
        work = Path(tempfile.mkdtemp(prefix=f"bench{n}-"))
        subprocess.run([sys.executable, "-m", "pipelines", "demo", "--employees", str(n), "--out", str(work / "files"), "--json"],
                       cwd=ROOT, check=True, capture_output=True)
        scripts = work / "scripts"
        scripts.mkdir()
        (scripts / "duckdb_floor.py").write_text(DUCKDB_FLOOR)
        (scripts / "pandas_sqlite.py").write_text(PANDAS_SQLITE)
        env = {**os.environ, "TALENT_MODELS": str(work / "no-models")}
        a = run(["pipelines", "ingest", str(work / "files"), "--db", str(work / "a.duckdb"), "--json"], env)
        b = run([str(scripts / "duckdb_floor.py"), str(work / "files"), str(work / "b.duckdb"), ",".join(ENTITIES)])
        c = run([str(scripts / "pandas_sqlite.py"), str(work / "files"), str(work / "c.sqlite"), ",".join(ENTITIES)])
        results.append({"employees": n, "a_pipeline": a, "b_duckdb_read_csv": b, "c_pandas_sqlite": c,
                        "a_over_b": round(a["seconds"] / b["seconds"], 2), "c_over_a": round(c["seconds"] / a["seconds"], 2)})
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
