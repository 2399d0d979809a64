"""Benchmark: a small batch (500 rows) into the 100,000-employee database, end to end and per stage.

    python benchmarks/small_batch.py [--db benchmarks/out/talent_100000.duckdb] [--files benchmarks/out/demo_100000]
                                     [--rows 500] [--repeat 3]

Copies the database to a temporary folder (the original is never written), rebuilds its analysis tables once (so the
copy carries this version's build key, untimed; every timed run starts from that state), writes two batch files from the demo export (--rows ratings of
existing people with a changed grade; --rows employees with a changed location, some a new manager), then times each
batch --repeat times: the command line as a user runs it (`python -m pipelines ingest FILE --db DB`, wall and CPU time)
and the import service in this process (services.imports.import_files, wall and CPU time) with the seconds of each
stage. Medians; the load average beside them (on a busy machine the wall time is the CPU time's multiple). Prints JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import polars as pl  # noqa: E402

from pipelines import analysis, db, ingest  # noqa: E402

plain_copy = shutil.copyfile  # instrument() times shutil.copyfile; resetting the database between runs is not timed


def batch_files(files: Path, folder: Path, rows: int) -> dict[str, Path]:
    """Two batch files from the demo export: rows ratings (latest annual period, next grade) and rows employees."""
    ratings = pl.read_csv(files / "performance_ratings.csv", infer_schema=False)
    latest = ratings.filter(pl.col("period").str.len_chars() == 4)["period"].max()
    grades = ["A", "B+", "B", "C", "D"]
    picked = (ratings.filter(pl.col("period") == latest).sample(rows, seed=7)
              .with_columns(pl.col("rating").replace({g: grades[(i + 1) % len(grades)] for i, g in enumerate(grades)})))
    out = {"ratings": folder / "ratings" / "performance_ratings.csv", "employees": folder / "employees" / "employees.csv"}
    for path in out.values():
        path.parent.mkdir(parents=True)
    picked.write_csv(out["ratings"])
    people = pl.read_csv(files / "employees.csv", infer_schema=False)
    chosen = people.filter(pl.col("status") == "active").sample(rows, seed=8)
    managers = chosen["employee_id"].head(rows // 10).to_list()
    chosen = chosen.with_columns(pl.when(pl.col("location") == "Beijing").then(pl.lit("Shanghai")).otherwise(pl.lit("Beijing")).alias("location"),
                                 pl.when(pl.int_range(pl.len()) % 10 == 1)
                                 .then(pl.lit(managers[0])).otherwise(pl.col("manager_id")).alias("manager_id"))
    chosen.write_csv(out["employees"])
    return out


class TimedConnection:
    """A DuckDB connection that adds each statement's seconds to a stage named by its first words."""

    def __init__(self, con, stages: dict):
        self._con, self._stages = con, stages

    def execute(self, sql, *args, **kwargs):
        words = " ".join(str(sql).split()[:6])
        label = "sql: " + (words.split(" AS ")[0] if words.startswith("CREATE") else words[:60])
        start = time.perf_counter()
        try:
            return self._con.execute(sql, *args, **kwargs)
        finally:
            self._stages[label] += time.perf_counter() - start

    def __getattr__(self, name):
        return getattr(self._con, name)


def instrument(stages: dict) -> None:
    """Time the stages of one import in this process (wrappers around the functions the import calls)."""
    def wrap(module, name, label=None):
        original = getattr(module, name, None)
        if original is None:  # an older version of the build (for its "before" figures)
            return

        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                stages[label or name] += time.perf_counter() - start
        setattr(module, name, timed)

    wrap(db.shutil, "copyfile", "copy live file")
    wrap(db, "_fsync", "fsync")
    wrap(db.os, "replace", "rename over live file")
    for name in ("read_source", "map_source", "validate", "upsert", "store_quarantine", "known_employee_ids"):
        wrap(ingest, name, f"load: {name}")
    wrap(ingest, "build_analysis_tables", "analysis (total)")
    for name in ("build_staged_facts", "build_person_facts", "build_key", "_incremental_people", "build_profile_values", "build_pool_rule_selection",
                 "build_trend_series", "build_snapshots", "build_assessment", "check_analysis_contracts"):
        wrap(analysis, name, f"analysis: {name}")
    real = db.duckdb
    db.duckdb = types.SimpleNamespace(connect=lambda *a, **k: TimedConnection(real.connect(*a, **k), stages),
                                      Error=real.Error, DuckDBPyConnection=real.DuckDBPyConnection)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "benchmarks" / "out" / "talent_100000.duckdb"))
    ap.add_argument("--files", default=str(ROOT / "benchmarks" / "out" / "demo_100000"))
    ap.add_argument("--rows", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--with-models", action="store_true",
                    help="train the potential and flight-risk models on the copy first (untimed), so each batch re-scores as in the app")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="small_batch_") as tmp:
        folder = Path(tmp)
        live = folder / "talent.duckdb"
        shutil.copyfile(args.db, live)
        env = {**os.environ, "TALENT_MODELS": str(folder / ("models" if args.with_models else "no-models")),
               "TALENT_WORKSPACE": str(folder / "workspace.duckdb")}
        os.environ.update(env)  # the in-process runs too: no model to re-score with, a workspace of its own
        start = time.perf_counter()
        ingest.rebuild_analysis(live)  # untimed: the copy's analysis tables as this version builds them
        prepared = time.perf_counter() - start
        if args.with_models:  # untimed: both models trained and everyone scored once, as after the first import
            from services import flight_risk as flight_risk_service, model as model_service

            model_service.train("benchmark", live)
            flight_risk_service.train_flight_risk("benchmark", live)
        ready = folder / "prepared.duckdb"
        plain_copy(live, ready)  # every timed run starts from this state (a replayed batch would change nothing)
        files = batch_files(Path(args.files), folder, args.rows)
        result = {"employees": None, "rows": args.rows, "with_models": args.with_models, "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3], "full_rebuild_seconds": round(prepared, 2), "batches": {}}
        from services.imports import import_files

        stages: dict = defaultdict(float)
        instrument(stages)
        for kind, path in files.items():
            wall, cli_cpu, service, service_cpu, per_stage, modes = [], [], [], [], defaultdict(list), []
            for _ in range(args.repeat):
                plain_copy(ready, live)
                start, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
                done = subprocess.run([sys.executable, "-m", "pipelines", "ingest", str(path), "--db", str(live)],
                                      cwd=ROOT, env=env, capture_output=True, text=True)
                wall.append(time.perf_counter() - start)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cli_cpu.append(after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime)
                if done.returncode != 0:
                    raise SystemExit(done.stdout + done.stderr)
                plain_copy(ready, live)
                stages.clear()
                start, cpu = time.perf_counter(), time.process_time()
                summary = import_files("benchmark", [path], live)
                service.append(time.perf_counter() - start)
                service_cpu.append(time.process_time() - cpu)
                modes.append(summary.get("analysis"))
                for label, seconds in stages.items():
                    per_stage[label].append(seconds)
            result["batches"][kind] = {
                "cli_wall_seconds": [round(s, 2) for s in wall], "cli_wall_median": round(statistics.median(wall), 2),
                "cli_cpu_seconds_median": round(statistics.median(cli_cpu), 2),
                "service_seconds": [round(s, 2) for s in service], "service_median": round(statistics.median(service), 2),
                "service_cpu_seconds_median": round(statistics.median(service_cpu), 2),
                "analysis": modes[-1],
                "stages_median": {k: round(statistics.median(v), 3) for k, v in sorted(per_stage.items(), key=lambda kv: -statistics.median(kv[1]))
                                  if statistics.median(v) >= 0.005},
            }
        result["employees"] = db.connect_read_only(live).sql("SELECT count(*) FROM employees").fetchall()[0][0]
        result["loadavg_at_end"] = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else None
        print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
