"""Benchmark: page render times with AppTest on a large database (run benchmarks/ingest_demo.py first).

    python benchmarks/page_times.py --db benchmarks/out/talent_100000.duckdb

Seeds the demo's pool, plans and review cycles into a fresh workspace (timed), then signs in as HR
leadership (whole company) and as a department head, opens each page, re-runs it, and changes a
filter; prints the median of 5 runs of each step in milliseconds.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ms(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", default=str(ROOT / "benchmarks" / "out" / "talent_100000.duckdb"))
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp())
    os.environ.update({"TALENT_DB": str(Path(args.db).resolve()), "TALENT_WORKSPACE": str(work / "workspace.duckdb"),
                       "TALENT_BCRYPT_ROUNDS": "4", "TALENT_ADMIN_PASSWORD": "benchmark-admin-pw"})
    os.chdir(ROOT)
    from streamlit.testing.v1 import AppTest

    from services import auth
    from services.demo import seed_demo_reviews

    biggest = "Sales"
    auth.create_user("bench.leader", "hr_leadership", "benchmark-pass")
    auth.create_user("bench.head", "department_head", "benchmark-pass", (biggest,))
    results: dict[str, float] = {}
    seeded: dict = {}
    results["seed the demo pool, plans and 4 review cycles"] = ms(lambda: seeded.update(seed_demo_reviews(Path(args.db)) or {}))
    print(json.dumps({"pool": seeded.get("pool"), "plan_items": seeded.get("plan_items"), "cycles": seeded.get("cycles")}), file=sys.stderr)
    for who in ("bench.leader", "bench.head"):
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.text_input[0].input(who)
        at.text_input[1].input("benchmark-pass")
        results[f"{who}: sign in and first overview (cold caches)"] = ms(lambda: at.button[0].click().run())
        results[f"{who}: overview re-run"] = statistics.median(ms(at.run) for _ in range(args.repeat))
        at.switch_page("pages/candidates.py")
        results[f"{who}: candidates first"] = ms(at.run)
        results[f"{who}: candidates re-run"] = statistics.median(ms(at.run) for _ in range(args.repeat))
        times = []
        for trend in ["rising", "top_twice", "not_falling", "any", "rising"][: args.repeat]:
            box = at.selectbox(key="f_trend")
            times.append(ms(lambda: box.select(trend).run()))
        results[f"{who}: candidates filter change"] = statistics.median(times)
        employee = at.dataframe[0].value["employee_id"].iloc[0]
        at.query_params["employee"] = employee
        at.switch_page("pages/profile.py")
        results[f"{who}: profile first"] = ms(at.run)
        results[f"{who}: profile re-run"] = statistics.median(ms(at.run) for _ in range(args.repeat))
        assert not at.exception, [e.message for e in at.exception]
        for page in ("talent_grid", "plans", "reviews", "trends"):
            if not (ROOT / "pages" / f"{page}.py").exists():
                continue
            at.switch_page(f"pages/{page}.py")
            results[f"{who}: {page} first"] = ms(at.run)
            results[f"{who}: {page} re-run"] = statistics.median(ms(at.run) for _ in range(args.repeat))
            assert not at.exception, (page, [e.message for e in at.exception])
    print(json.dumps({k: round(v) for k, v in results.items()}, indent=2))


if __name__ == "__main__":
    main()
