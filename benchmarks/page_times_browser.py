"""Benchmark: what the journeys cost in a real browser, at 100,000 employees (issue #15, "Speed a person feels").

    python benchmarks/page_times_browser.py                       # every role and page, median of 5 (12 min; 20 under heavy load)
    python benchmarks/page_times_browser.py --pages trends --roles leadership    # re-measure one page
    python benchmarks/page_times_browser.py --verify              # check the done-signal on a page that sleeps

Works on a COPY of benchmarks/out/talent_100000.duckdb (build it with
`python benchmarks/ingest_demo.py --employees 100000`), with a fresh workspace seeded with the demo's review
history (services.demo.seed_demo_reviews) and a trained model, in a temporary folder. Tables built by an older
version of the code are rebuilt before anything is timed (reported as set-up).

Each repetition of a role starts a fresh `streamlit run app.py` and a new browser context (Chromium at 1440x900,
nothing cached) and walks the role's journey twice: sign in (to the overview), then each page once from the sidebar,
in order (the profile is the explorer's top candidate, opened from the explorer's link).
- The first walk is the "first visit after a server restart" in a browser that never opened the app: Python modules
  are still to be imported, and the browser loads and compiles the app's scripts (Plotly's alone is 4.7 MB).
- Then the cookies are cleared (signed out) and the database file's modification time is touched, which is what an
  import does to the data version that keys every cache (st.cache_data, the DuckDB connection): every cached read
  misses, as after an import. The second walk, a new session in the same browser, gives the "first visits" (cold
  server caches, a running server, a browser that has used the app before); it then opens every page again, having
  left it (the "revisits").

A step is timed in the page, from just before the click until the app is done: the app's
data-test-script-state is "notRunning", no element of the previous run is left (data-stale), no element is still
loading (stSkeleton), and this has held for 300 ms (a run that ends in st.rerun() passes "notRunning" for a
moment). Streamlit's running indicator (stStatusWidget) appears only after 500 ms of running and fades out in
200 ms, so it says nothing about short runs; its disappearance is recorded as well (widget_gone_ms).

Prints a markdown table (median of --repeat runs, seconds) and writes benchmarks/out/page_times_browser.json.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.i18n import t  # noqa: E402  (reads the locale files only)

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "benchmark-pass"
FIRST_VISIT_TARGET, REVISIT_TARGET = 2.0, 1.0  # seconds (issue #15)

# page -> (sidebar link text, url path); "overview" is reached by signing in
PAGES = {
    "overview": (t("nav.overview"), ""),
    "candidates": (t("nav.candidates"), "candidates"),
    "profile": (None, "profile"),  # the explorer's top candidate, through the explorer's "open the profile" link
    "talent_grid": (t("nav.grid"), "talent_grid"),
    "plans": (t("nav.plans"), "plans"),
    "reviews": (t("nav.reviews"), "reviews"),
    "model": (t("nav.model"), "model"),
    "trends": (t("trends.nav"), "trends"),
    "data": (t("nav.data"), "data"),
    "users": (t("nav.users"), "users"),
}
# role -> (account role, scope, the pages of its journey): HR admin only for the pages only HR admins have
ROLES = {
    "leadership": ("hr_leadership", "whole company", [p for p in PAGES if p not in ("data", "users")]),
    "head": ("department_head", "biggest department", [p for p in PAGES if p not in ("data", "users")]),
    "admin": ("hr_admin", "whole company", ["overview", "data", "users"]),
}

ROLE_NAMES = {"leadership": "HR leadership", "head": "head of the biggest department", "admin": "HR admin"}

# Installed in every document. A quick run can go from "running" to "notRunning" within one React render, so the
# state attribute alone may never change: the arrival of the server's messages (the run's elements, its end) counts too.
OBSERVER = """
window.__benchRan = false;
window.__benchMsgAt = 0;
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener('message', () => { window.__benchMsgAt = performance.timeOrigin + performance.now(); });
  }
};
new MutationObserver((records) => {
  for (const r of records) {
    const state = r.target.getAttribute('data-test-script-state');
    if (state === 'running' || state === 'rerunRequested') window.__benchRan = true;
  }
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
"""
# Polled every animation frame: the first frame at which the app was done after the server's last message, returned
# once nothing has changed for 300 ms (a run that ends in st.rerun() passes "notRunning" for a moment).
DONE = """
() => {
  const now = performance.timeOrigin + performance.now();
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-script-state');
  const msgAt = window.__benchMsgAt || 0;
  if (state === 'running' || state === 'rerunRequested' || msgAt > (window.__benchArm || 0)) window.__benchRan = true;
  const widget = document.querySelector('[data-testid="stStatusWidget"]');
  if (widget) window.__benchWidgetGone = null;
  const done = window.__benchRan && state === 'notRunning' && !document.querySelector('[data-stale="true"]')
               && !document.querySelector('[data-testid="stSkeleton"]');
  if (!done || (window.__benchDone != null && window.__benchDone < msgAt)) { window.__benchDone = null; window.__benchWidgetGone = null; }
  if (!done) return false;
  if (window.__benchDone == null) window.__benchDone = now;
  if (!widget && window.__benchWidgetGone == null) window.__benchWidgetGone = now;
  return now - window.__benchDone >= 300 && now - msgAt >= 300 && !widget
         ? {done: window.__benchDone, widget: window.__benchWidgetGone, lastMessage: msgAt} : false;
}
"""
# Times are absolute (timeOrigin + now), so that a step which loads a new document (the first visit) is measured too.
ARM = ("() => { window.__benchRan = false; window.__benchDone = null; window.__benchWidgetGone = null; "
       "window.__benchArm = performance.timeOrigin + performance.now(); return window.__benchArm; }")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def timed(pg, action, expect=None, timeout_ms: int = 120_000) -> dict:
    """Milliseconds from just before `action` until the app is done (and `expect`, a locator, is visible)."""
    start = pg.evaluate(ARM)
    action()
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        left = max(1000, int((deadline - time.monotonic()) * 1000))
        marks = pg.wait_for_function(DONE, polling="raf", timeout=left).json_value()
        if expect is None or expect.is_visible():
            break
        if time.monotonic() > deadline:
            raise TimeoutError(f"{expect} never appeared")
        pg.wait_for_timeout(50)  # done, but not yet on the expected page: a rerun is still to come
    errors = pg.locator("[data-testid='stException']").count()
    # last_message_ms: the server's last message (the run's end), so ms - last_message_ms is the browser drawing the page
    return {"ms": round(marks["done"] - start), "widget_gone_ms": round(marks["widget"] - start),
            "last_message_ms": round(marks["lastMessage"] - start), "exceptions": errors}


class Server:
    """`streamlit run app.py` in its own process, with the benchmark's files; a log file, never an unread pipe."""

    def __init__(self, env: dict, log: Path, app: str = "app.py", cwd: Path = ROOT):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", app, "--server.headless", "true", "--server.port", str(self.port),
             "--server.address", "127.0.0.1", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
            cwd=cwd, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while True:
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"the server did not start; see {log}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)
        self.log.close()


SETUP = r"""
import json, sys, time
from pathlib import Path
from services import auth, database, queries
from services.first_start import upgrade_analysis
from services.demo import seed_demo_reviews
db_path, train = Path(sys.argv[1]), sys.argv[2] == "1"
out = {}
start = time.perf_counter()
if not database.built_by_this_version(db_path):
    upgrade_analysis(db_path)
    out["rebuild_stale_analysis_s"] = round(time.perf_counter() - start, 1)
if train:
    from services import model
    start = time.perf_counter()
    model.train(auth.SYSTEM, str(db_path))
    out["train_and_score_model_s"] = round(time.perf_counter() - start, 1)
con = database.connect_read_only(db_path)
pool = queries.department_pool(database.read_cursor(con)).sort("active_employees", descending=True)
con.close()
biggest = pool["department"][0]
out["biggest_department"] = biggest
out["biggest_department_active_employees"] = int(pool["active_employees"][0])
auth.create_user("bench.leadership", "hr_leadership", "%(pw)s")
auth.create_user("bench.head", "department_head", "%(pw)s", (biggest,))
auth.create_user("bench.admin", "hr_admin", "%(pw)s")
start = time.perf_counter()
seeded = seed_demo_reviews(db_path) or {}
out["seed_review_history_s"] = round(time.perf_counter() - start, 1)
out["seeded"] = {k: seeded.get(k) for k in ("pool", "plan_items", "cycles")}
print(json.dumps(out, default=str))
""" % {"pw": PASSWORD}


def set_up(args, work: Path) -> tuple[dict, dict]:
    source = Path(args.db)
    db = work / "talent.duckdb"
    shutil.copyfile(source, db)  # never the original: the set-up writes scores and may rebuild tables
    env = {**os.environ, "TALENT_DB": str(db), "TALENT_WORKSPACE": str(work / "workspace.duckdb"), "TALENT_MODELS": str(work / "models"),
           "TALENT_BCRYPT_ROUNDS": "4", "TALENT_ADMIN_PASSWORD": "benchmark-admin-pw", "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SETUP, str(db), "0" if args.no_model else "1"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    info = json.loads(done.stdout.strip().splitlines()[-1])
    info["set_up_total_s"] = round(time.perf_counter() - start, 1)
    return env, info


def walk(context, server: Server, role: str, pages: list[str], revisits: bool, shots: Path | None, label: str = "") -> dict:
    """In a new tab without cookies: sign in, open every page once (its first visit), then, if asked, every page again."""
    context.clear_cookies()
    pg = context.new_page()
    pg.set_default_timeout(120_000)
    steps: dict[str, dict] = {}
    here = ["sign-in"]

    def go(page: str, kind: str) -> None:
        link, path = PAGES[page]
        if page == "profile":
            if here[0] != "candidates":
                go("candidates", "away")
            opener = pg.get_by_role("link", name=t("candidates.open_profile", name="").strip())
            if not opener.is_visible():  # select the top candidate (the grid's first row checkbox)
                box = pg.locator("[data-testid='stDataFrame']").first.bounding_box()
                timed(pg, lambda: pg.mouse.click(box["x"] + 18, box["y"] + 35 + 18))
            result = timed(pg, lambda: opener.first.click(), pg.get_by_role("heading", name=t("profile.why_title")))
        else:
            if here[0] == page:  # a revisit needs a page to come back from
                away = "overview" if page != "overview" else next(p for p in pages if p not in ("overview", "profile"))
                go(away, "away")
            target = pg.get_by_role("link", name=link, exact=True)
            url = f"{server.url}/{path}"
            result = timed(pg, lambda: target.click())
            if pg.url.split("?")[0].rstrip("/") != url.rstrip("/"):
                raise RuntimeError(f"{page}: at {pg.url}, expected {url}")
        here[0] = page
        if kind != "away":
            steps[f"{page} {kind}{label}"] = result
            if shots:
                pg.screenshot(path=str(shots / f"{role}-{page}-{kind}{label.replace(' ', '-')}.png"), full_page=True)

    try:
        steps[f"open the sign-in page{label}"] = timed(pg, lambda: pg.goto(server.url), pg.get_by_role("button", name=t("auth.submit")))
        pg.get_by_role("textbox", name=t("auth.username")).fill(f"bench.{role}")
        pg.get_by_role("textbox", name=t("auth.password")).fill(PASSWORD)
        steps[f"overview first{label}"] = timed(pg, lambda: pg.get_by_role("button", name=t("auth.submit")).click(),
                                                pg.get_by_role("button", name=t("auth.sign_out")))
        here[0] = "overview"
        for page in pages:
            if page != "overview":
                go(page, "first")
        for page in pages if revisits else ():
            go(page, "revisit")
    finally:
        pg.close()
    return steps


def journey(browser, env: dict, work: Path, role: str, pages: list[str], shots: Path | None = None) -> dict:
    """One repetition on a fresh server and a new browser profile: the journey's first visits with nothing loaded yet (the
    server's modules, the browser's copy of the app's scripts); then, signed out, the data made new as after an import
    (every server cache cold), the same browser's new session: first visits and revisits."""
    server = Server(env, work / "server.log")
    context = browser.new_context(viewport={"width": 1440, "height": 900})  # a new browser profile: nothing cached
    context.add_init_script(OBSERVER)
    try:
        steps = walk(context, server, role, pages, False, shots, " after a restart")
        os.utime(env["TALENT_DB"])  # the data version (inode, mtime, size) keys every cache: all of them miss now
        steps.update(walk(context, server, role, pages, True, shots))  # the browser keeps its cache (the app's scripts)
    finally:
        context.close()
        server.stop()
    return steps


def verify(browser, work: Path) -> dict:
    """The done-signal against pages whose run time is known: one sleeps 1.5 s, one sleeps 0.6 s then calls st.rerun()."""
    app = work / "verify"
    (app / "pages").mkdir(parents=True)
    (app / "home.py").write_text("import streamlit as st\nst.title('home')\n")
    (app / "pages" / "sleep.py").write_text(
        "import time, streamlit as st\nst.title('sleeps 1.5 s')\nst.write('before')\ntime.sleep(1.5)\nst.write('after')\n")
    (app / "pages" / "rerun.py").write_text(
        "import time, streamlit as st\nst.title('sleeps 0.6 s twice')\ntime.sleep(0.6)\n"
        "if not st.session_state.get('again'):\n    st.session_state.again = True\n    st.rerun()\nst.write('done')\n"
        "st.session_state.again = False\n")
    server = Server(dict(os.environ), work / "verify.log", app="home.py", cwd=app)
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.add_init_script(OBSERVER)
    pg = context.new_page()
    out = {}
    try:
        timed(pg, lambda: pg.goto(server.url))
        for name, link in (("sleep 1.5 s", "sleep"), ("sleep 0.6 s, st.rerun(), sleep 0.6 s", "rerun"), ("home (no wait)", "home")):
            runs = []
            for _ in range(3):
                runs.append(timed(pg, lambda: pg.get_by_role("link", name=link, exact=True).click()))
                timed(pg, lambda: pg.get_by_role("link", name="home" if link != "home" else "sleep", exact=True).click())
            out[name] = {"ms": [r["ms"] for r in runs], "widget_gone_ms": [r["widget_gone_ms"] for r in runs]}
    finally:
        context.close()
        server.stop()
    return out


def seconds(values: list[int]) -> str:
    return f"{statistics.median(values) / 1000:.2f}" if values else ""


def table(results: dict, pages: list[str]) -> str:
    """One row per page and role: medians in seconds, over the target in bold."""
    rows = ["| page | role | first visit | revisit | first visit after a server restart |", "|---|---|---|---|---|"]
    for page in pages:
        for role, runs in results.items():
            cells = []
            for kind, target in (("first", FIRST_VISIT_TARGET), ("revisit", REVISIT_TARGET), ("first after a restart", FIRST_VISIT_TARGET)):
                values = [run[f"{page} {kind}"]["ms"] for run in runs if f"{page} {kind}" in run]
                text = seconds(values)
                cells.append(f"**{text}**" if text and float(text) >= target else text or "–")
            if cells != ["–"] * 3:
                rows.append(f"| {'sign-in to overview' if page == 'overview' else page} | {ROLE_NAMES[role]} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=str(ROOT / "benchmarks" / "out" / "talent_100000.duckdb"))
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--roles", default=",".join(ROLES), help="comma-separated: " + ", ".join(ROLES))
    ap.add_argument("--pages", default="", help="comma-separated subset of: " + ", ".join(PAGES) + " (sign-in to overview is always timed)")
    ap.add_argument("--no-model", action="store_true", help="do not train a model (the model page shows its empty state)")
    ap.add_argument("--verify", action="store_true", help="only check the done-signal against pages of known run time")
    ap.add_argument("--screenshots", help="a folder for a screenshot of every step of each role's first repetition")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "out" / "page_times_browser.json"))
    args = ap.parse_args()

    if not args.verify and not Path(args.db).exists():
        raise SystemExit(f"{args.db} is missing: build it with `python benchmarks/ingest_demo.py --employees 100000` "
                         "(generates the demo files and imports them into benchmarks/out/talent_100000.duckdb; about a minute)")
    work = Path(tempfile.mkdtemp(prefix="page-times-"))
    roles = [r.strip() for r in args.roles.split(",") if r.strip()]
    wanted = [p.strip() for p in args.pages.split(",") if p.strip()]
    unknown = [x for x in roles if x not in ROLES] + [p for p in wanted if p not in PAGES]
    if unknown:
        raise SystemExit(f"unknown: {', '.join(unknown)}")
    report: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "cpus": os.cpu_count(), "load_before": os.getloadavg(), "work": str(work)}
    try:
        measure(args, work, roles, wanted, report)
    except BaseException:
        print(f"kept {work} (the server's log, the databases)", file=sys.stderr)
        raise
    shutil.rmtree(work, ignore_errors=True)


def measure(args, work: Path, roles: list[str], wanted: list[str], report: dict) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        try:
            if args.verify:
                report["verify"] = verify(browser, work)
                for name, runs in report["verify"].items():
                    print(f"{name}: done at {runs['ms']} ms, running indicator gone at {runs['widget_gone_ms']} ms")
                return
            env, report["set_up"] = set_up(args, work)
            print(json.dumps(report["set_up"]), file=sys.stderr)
            ROLE_NAMES["head"] = f"department head ({report['set_up']['biggest_department']})"
            results: dict[str, list[dict]] = {}
            for role in roles:
                journey_pages = [p for p in ROLES[role][2] if not wanted or p in wanted or p == "overview"]
                if wanted and not any(p in wanted for p in journey_pages):
                    continue
                for i in range(args.repeat):
                    start = time.perf_counter()
                    shots = Path(args.screenshots) if args.screenshots and i == 0 else None
                    if shots:
                        shots.mkdir(parents=True, exist_ok=True)
                    results.setdefault(role, []).append(journey(browser, env, work, role, journey_pages, shots))
                    print(f"{role} run {i + 1}: {time.perf_counter() - start:.0f} s, load {os.getloadavg()[0]:.1f}", file=sys.stderr)
        finally:
            browser.close()
    report["load_after"] = os.getloadavg()
    report["roles"] = {r: {"account_role": ROLES[r][0], "scope": ROLES[r][1]} for r in results}
    report["runs"] = results
    shown = [p for p in PAGES if any(f"{p} first" in run for runs in results.values() for run in runs)]
    report["table"] = table(results, shown)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2, default=str))
    sign_in = [run["open the sign-in page after a restart"]["ms"] for runs in results.values() for run in runs]
    print(f"\nmedian of {args.repeat}, seconds; bold: over the target (first visit {FIRST_VISIT_TARGET:g} s, revisit {REVISIT_TARGET:g} s); "
          f"opening the sign-in page on a fresh server: {seconds(sign_in)} s; load {report['load_before'][0]:.1f} -> {report['load_after'][0]:.1f}\n")
    print(report["table"])
    print(f"\nwritten to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
