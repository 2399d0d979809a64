"""Load test: many simulated users against 1 Streamlit process and against N behind nginx (issue #17).

    python benchmarks/load_test.py                                   # 50 users, 60 s, 1 then 2 processes (about 6 min)
    python benchmarks/load_test.py --users 20 --seconds 30 --processes 2

Works on a COPY of benchmarks/out/talent_100000.duckdb in a temporary folder, with a fresh workspace there (the demo's
review history seeded, services.demo.seed_demo_reviews) and accounts made with services.auth.create_user: a department
head for each of the biggest departments and HR leadership accounts, at the production password cost.
TALENT_WORKSPACE_URL, when set, is passed through to the processes (a PostgreSQL workspace store).

A simulated user does what a browser does, over Streamlit's own protocol (protobuf over the websocket), since 50
headless browsers would not fit on 2 cores:
- GET / through nginx (which hands out its route cookie), then opens /_stcore/stream with the cookies and asks for a
  script run (BackMsg.rerun_script), like a page load;
- signs in: fills the sign-in form's text inputs and presses its submit button (widget states, as the browser sends
  them), and keeps the session cookie the app's script writes (the same value the browser would store);
- switches pages (rerun_script with the page's script hash, from the navigation message), thinking --think seconds
  in between; every --reload-every pages it closes the websocket and opens a new one with the cookies (a reload:
  the app takes the session up from its cookie, services/auth.resume_session);
- a run is timed from sending the request to the ForwardMsg script_finished that is not "finished early for a
  rerun" (a sign-in and a page switch end with st.rerun / st.switch_page; their follow-up run counts in the time).
An error is a run that shows a Python exception, a sign-in that did not sign in, a run over --timeout, or a dropped
connection. Every second the test samples each process's RSS and CPU time (/proc) and the load average.

Before the clock starts each process is warmed on its own port (one walk per role through every page), so the figures
are those of a running server, not of its first minute. Prints and writes benchmarks/out/load_test.json.
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from streamlit.proto.WidgetStates_pb2 import WidgetState  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

PASSWORD = "load-test-password-1"
PAGES = ["", "candidates", "talent_grid", "plans", "reviews", "model", "trends", "succession", "calibration"]  # "" = overview
COOKIE_SCRIPT = re.compile(r'document\.cookie = "([^=;"]+)=([^;"]*)')
FINISHED_EARLY = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")

SETUP = r"""
import json, sys
from pathlib import Path
from services import auth, database, queries
from services.first_start import upgrade_analysis
from services.demo import seed_demo_reviews
db_path, heads, leaders, password = Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
if not database.built_by_this_version(db_path):
    upgrade_analysis(db_path)
con = database.connect_read_only(db_path)
pool = queries.department_pool(database.read_cursor(con)).sort("active_employees", descending=True)
con.close()
departments = pool["department"].to_list()[:heads]
accounts = []
# A workspace store that outlives the run (TALENT_WORKSPACE_URL) may hold the accounts from an earlier run already.
for i, department in enumerate(departments):
    if auth.load_user(f"load.head{i}") is None:
        auth.create_user(f"load.head{i}", "department_head", password, (department,))
    accounts.append([f"load.head{i}", "department_head", department])
for i in range(leaders):
    if auth.load_user(f"load.hr{i}") is None:
        auth.create_user(f"load.hr{i}", "hr_leadership", password)
    accounts.append([f"load.hr{i}", "hr_leadership", None])
seeded = seed_demo_reviews(db_path) or {}
print(json.dumps({"accounts": accounts, "seeded": {k: seeded.get(k) for k in ("pool", "plan_items")}}, default=str))
"""


# --- what a browser does ----------------------------------------------------------------------------------------
class Stats:
    def __init__(self) -> None:
        self.runs: list[dict] = []  # {"kind", "page", "s", "ok", "process"}
        self.errors: dict[str, int] = {}

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class SignInFailed(RuntimeError):
    pass


class Browser:
    """One simulated user: cookies, one websocket at a time, the elements of the last run."""

    def __init__(self, host: str, port: int, stats: Stats, timeout: float, address: str | None = None):
        self.host, self.port, self.stats, self.timeout = host, port, stats, timeout
        # Where this user's browser is: nginx adds it to X-Forwarded-For, which Streamlit's server (uvicorn) believes
        # from 127.0.0.1, so the app sees each user's own address, as on a network (the sign-in lockout counts by it).
        self.headers = {"X-Forwarded-For": address} if address else {}
        self.cookies: dict[str, str] = {}
        self.ws = None
        self.pages: dict[str, str] = {}  # url path -> page script hash
        self.page_hash = ""

    def _cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def _get(self, path: str) -> None:
        con = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            con.request("GET", path, headers={**self.headers, **({"Cookie": self._cookie_header()} if self.cookies else {})})
            response = con.getresponse()
            response.read()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";")[0]
            if response.status != 200:
                raise RuntimeError(f"GET {path}: HTTP {response.status}")
        finally:
            con.close()

    async def open(self) -> None:
        """A page load: the HTML page, the browser's two small requests, then the websocket."""
        await asyncio.to_thread(self._get, "/")
        await asyncio.to_thread(self._get, "/_stcore/health")
        await asyncio.to_thread(self._get, "/_stcore/host-config")
        origin = f"http://{self.host}:{self.port}"
        self.ws = await connect(f"ws://{self.host}:{self.port}/_stcore/stream", subprotocols=["streamlit"], origin=origin,
                                additional_headers={**self.headers, "Cookie": self._cookie_header()}, max_size=None, open_timeout=self.timeout,
                                ping_interval=None, compression=None)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def run(self, kind: str, page: str, widgets: list | None = None) -> dict:
        """Ask for a script run and read until it is finished; returns the elements seen."""
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = ""
        state.page_script_hash = self.pages.get(page, self.page_hash) if page is not None else self.page_hash
        state.page_name = ""
        state.context_info.timezone = "UTC"
        state.context_info.url = f"http://{self.host}:{self.port}/{page or ''}"
        for widget in widgets or []:
            state.widget_states.widgets.append(widget)
        wanted = state.page_script_hash
        seen = {"text_input": [], "submit": None, "exception": 0, "cookies": {}, "elements": 0, "alerts": []}
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), timeout=max(0.1, start + self.timeout - time.perf_counter()))
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            which = fwd.WhichOneof("type")
            if which == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                seen["elements"] += 1
                kind_of = element.WhichOneof("type")
                if kind_of == "text_input":
                    seen["text_input"].append(element.text_input)
                elif kind_of == "button" and element.button.is_form_submitter:
                    seen["submit"] = element.button
                elif kind_of == "exception":
                    seen["exception"] += 1
                elif kind_of == "alert":
                    seen["alerts"].append(element.alert.body)
                elif kind_of == "html":
                    for name, value in COOKIE_SCRIPT.findall(element.html.body):
                        seen["cookies"][name] = value
            elif which == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
                self.page_hash = fwd.navigation.page_script_hash
            elif which == "new_session":  # a run starts (a sign-in's or a switch's follow-up run too): what it shows counts
                self.page_hash = fwd.new_session.page_script_hash or self.page_hash
                seen.update({"text_input": [], "submit": None, "elements": 0, "alerts": []})
            elif which == "script_finished" and fwd.script_finished != FINISHED_EARLY:
                break
        elapsed = time.perf_counter() - start
        for name, value in seen["cookies"].items():  # what document.cookie = … does in the browser
            if value:
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        ok = seen["exception"] == 0
        if not ok:
            self.stats.error("exception shown")
        if page and wanted and self.page_hash != wanted and seen["submit"] is None:  # signed in, yet another page ran
            ok = False
            self.stats.error(f"asked for {page}, another page ran")
        self.stats.runs.append({"kind": kind, "page": page or "overview", "s": round(elapsed, 3), "ok": ok, "elements": seen["elements"]})
        return seen

    async def sign_in(self, username: str) -> None:
        shown = await self.run("page load", "")
        inputs, submit = shown["text_input"], shown["submit"]
        if len(inputs) < 2 or submit is None:
            self.stats.error("no sign-in form")
            raise SignInFailed("no sign-in form")
        states = [WidgetState(id=inputs[0].id, string_value=username), WidgetState(id=inputs[1].id, string_value=PASSWORD),
                  WidgetState(id=submit.id, trigger_value=True)]  # what the browser sends when the form is submitted
        after = await self.run("sign in", "", states)
        if after["submit"] is not None or "candidates" not in self.pages or not any(n.startswith("talent_session_") for n in self.cookies):
            self.stats.error(f"sign-in refused: {(after['alerts'] or ['no message'])[0][:70]}")
            raise SignInFailed(f"{username}: still at the sign-in form")


async def user(i: int, account: list, host: str, port: int, stats: Stats, until: float, args) -> None:
    rng = random.Random(i)
    await asyncio.sleep(args.ramp * i / max(1, args.users))
    browser = Browser(host, port, stats, args.timeout, None if args.one_address else f"10.17.{i // 250}.{i % 250 + 1}")
    done = 0
    try:
        await browser.open()
        await browser.sign_in(account[0])
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(args.think * 0.5, args.think * 1.5))
            if time.monotonic() >= until:
                break
            done += 1
            if args.reload_every and done % args.reload_every == 0:
                await browser.close()
                await browser.open()
                shown = await browser.run("reload (cookie)", "")
                if shown["submit"] is not None:
                    stats.error("reload lost the session")
                continue
            page = rng.choice([p for p in PAGES if p in browser.pages]) if browser.pages else ""
            await browser.run("page switch", page)
    except (asyncio.TimeoutError, TimeoutError):
        stats.error("run over the timeout")
    except SignInFailed:  # counted where it happened; the user stops
        pass
    except Exception as exc:  # a dropped connection, HTTP errors: counted, and the user stops
        stats.error(f"{type(exc).__name__}: {str(exc)[:80]}")
    finally:
        try:
            await browser.close()
        except Exception:
            pass


async def warm(port: int, accounts: list, timeout: float) -> dict[str, str]:
    """One walk per role through every page, straight to one process (its caches are per process). Returns the
    last browser's cookies."""
    stats = Stats()
    for account in {a[1]: a for a in accounts}.values():
        browser = Browser("127.0.0.1", port, stats, timeout)
        await browser.open()
        await browser.sign_in(account[0])
        for page in PAGES:
            if page in browser.pages:
                await browser.run("warm", page)
        await browser.close()
    return browser.cookies


async def signed_in_with(cookies: dict[str, str], port: int, timeout: float) -> bool:
    """Does a new connection to this process, presenting these cookies, open signed in (no sign-in form)?"""
    browser = Browser("127.0.0.1", port, Stats(), timeout)
    browser.cookies = {name: value for name, value in cookies.items() if name.startswith("talent_session_")}
    await browser.open()
    shown = await browser.run("resume", "")
    await browser.close()
    return shown["submit"] is None and "candidates" in browser.pages


# --- the processes' memory and CPU --------------------------------------------------------------------------------
def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def workspace_turn_s() -> float | None:
    """How long a third process waits for its turn on the embedded workspace file (open and close it, as every
    workspace read and write in the app does); None with a PostgreSQL store or when it timed out."""
    if os.environ.get("TALENT_WORKSPACE_URL"):
        return None
    from services import workspace

    start = time.perf_counter()
    try:
        with workspace.connect():
            pass
    except Exception:
        return None
    return time.perf_counter() - start


async def sample(pids: dict[int, int], until: float, into: dict) -> None:
    while time.monotonic() < until:
        into["loadavg"].append(float(Path("/proc/loadavg").read_text().split()[0]))
        if (turn := await asyncio.to_thread(workspace_turn_s)) is not None:
            into["workspace_turn_s"].append(turn)
        for port, pid in pids.items():
            if (value := rss_mb(pid)) is not None:
                into["rss"].setdefault(port, []).append(value)
        await asyncio.sleep(1.0)


def percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "median_s": round(statistics.median(values), 2) if values else None,
            "p90_s": round(percentile(values, 0.9), 2) if values else None, "max_s": round(max(values), 2) if values else None}


def log_findings(run_dir: Path) -> dict:
    """What the logs say: tracebacks, and the workspace file's lock conflicts and WAL errors among them (the processes);
    browsers (route cookies) whose requests reached more than one process (nginx)."""
    text = "\n".join(p.read_text(errors="replace") for p in run_dir.glob("streamlit-*.log"))
    served: dict[str, set[str]] = {}
    access = run_dir / "nginx-access.log"
    for found in re.finditer(r"upstream=(\S+) route=(\S+)", access.read_text(errors="replace") if access.exists() else ""):
        served.setdefault(found[2], set()).add(found[1])
    return {"browsers_seen_by_nginx": len(served), "browsers_served_by_two_processes": sum(len(v) > 1 for v in served.values()),
            "tracebacks": text.count("Traceback (most recent call last)"),
            "lock_errors": len(re.findall(r"Could not set lock|Conflicting lock", text)),
            "wal_file_not_found": len(re.findall(r"FileNotFoundError[^\n]*\.wal", text)),
            "first_error_lines": sorted({line.strip()[:200] for line in text.splitlines() if re.match(r"\w*(Error|Exception)\b", line.strip())})[:10]}


async def measure(cluster, accounts: list, args) -> dict:
    for port in cluster.ports:
        cookies = await warm(port, accounts, args.timeout)
    stats = Stats()
    start = time.monotonic()
    until = start + args.seconds
    sampled = {"loadavg": [], "rss": {}, "workspace_turn_s": []}
    workspace_turn_s()  # the schema check, once, before the clock
    pids = cluster.pids()
    cpu_before = {port: cpu_seconds(pid) for port, pid in pids.items()}
    own_before = resource.getrusage(resource.RUSAGE_SELF)
    users = [user(i, accounts[i % len(accounts)], "127.0.0.1", cluster.port, stats, until, args) for i in range(args.users)]
    sampler = asyncio.create_task(sample(pids, until, sampled))
    await asyncio.gather(*users)
    wall = time.monotonic() - start  # runs in flight at the deadline finish (they are counted)
    await sampler
    own = resource.getrusage(resource.RUSAGE_SELF)
    cpu = {port: round(cpu_seconds(pid) - cpu_before[port], 1) for port, pid in pids.items()}
    timed = [r["s"] for r in stats.runs]
    by_kind = {kind: summary([r["s"] for r in stats.runs if r["kind"] == kind]) for kind in sorted({r["kind"] for r in stats.runs})}
    by_page = {page: summary([r["s"] for r in stats.runs if r["page"] == page and r["kind"] == "page switch"])
               for page in sorted({r["page"] for r in stats.runs})}
    return {
        "processes": len(cluster.ports), "users": args.users, "seconds": round(wall, 1), "think_s": args.think, "one_address": args.one_address,
        "runs": summary(timed), "runs_per_s": round(len(timed) / wall, 2), "by_kind": by_kind, "by_page": by_page,
        "errors": stats.errors, "error_runs": sum(not r["ok"] for r in stats.runs),
        "cpu_s_per_process": cpu, "cpu_s_per_run": round(sum(cpu.values()) / max(1, len(timed)), 3),
        "load_generator_cpu_s": round(own.ru_utime + own.ru_stime - own_before.ru_utime - own_before.ru_stime, 1),
        "rss_mb_per_process": {port: {"start": round(v[0]), "max": round(max(v)), "end": round(v[-1])} for port, v in sampled["rss"].items()},
        "loadavg": {"start": sampled["loadavg"][0], "max": max(sampled["loadavg"]), "end": sampled["loadavg"][-1]} if sampled["loadavg"] else None,
        "logs": log_findings(cluster.run_dir),
        "workspace_turn": summary(sampled["workspace_turn_s"]) | {"over_1s": sum(t > 1 for t in sampled["workspace_turn_s"])},
        "session_cookie_taken_up": await session_checks(cluster, cookies, args.timeout),
    }


async def session_checks(cluster, cookies: dict[str, str], timeout: float) -> dict[str, bool]:
    """The cookie the last process issued, presented to every process, then to the first after restarting it."""
    found = {f"by process {port}": await signed_in_with(cookies, port, timeout) for port in cluster.ports}
    await asyncio.to_thread(cluster.restart_app, cluster.ports[0])
    found[f"by process {cluster.ports[0]} after a restart"] = await signed_in_with(cookies, cluster.ports[0], timeout)
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", default=str(ROOT / "benchmarks" / "out" / "talent_100000.duckdb"))
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--processes", type=int, nargs="+", default=[1, 2], help="one test per count (default: 1 then 2)")
    ap.add_argument("--think", type=float, default=4.0, help="mean seconds between a user's page switches (uniform, ±50 %%)")
    ap.add_argument("--reload-every", type=int, default=5, help="every n-th step is a reload with the cookies (0: never)")
    ap.add_argument("--ramp", type=float, default=10.0, help="the users start spread over this many seconds")
    ap.add_argument("--timeout", type=float, default=120.0, help="a run taking longer is an error")
    ap.add_argument("--heads", type=int, default=8, help="department-head accounts (the biggest departments)")
    ap.add_argument("--leaders", type=int, default=2, help="HR leadership accounts (the whole company)")
    ap.add_argument("--one-address", action="store_true",
                    help="every user from one address (as behind a company NAT): the sign-in lockout then counts them together")
    ap.add_argument("--port", type=int, default=18501)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out" / "load_test.json")
    args = ap.parse_args()

    from dashboard.serve import Cluster

    work = Path(tempfile.mkdtemp(prefix="talent-load-"))
    db = work / "talent.duckdb"
    shutil.copyfile(args.db, db)  # never the original: the set-up writes scores and may rebuild tables
    os.environ.update({"TALENT_DB": str(db), "TALENT_MODELS": str(work / "models"), "TALENT_ADMIN_PASSWORD": "load-test-admin-pw"})
    if not os.environ.get("TALENT_WORKSPACE_URL"):
        os.environ["TALENT_WORKSPACE"] = str(work / "workspace.duckdb")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", SETUP, str(db), str(args.heads), str(args.leaders), PASSWORD], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    setup = json.loads(done.stdout.strip().splitlines()[-1])
    report = {"database": str(args.db), "work": str(work), "set_up_s": round(time.perf_counter() - started, 1),
              "accounts": setup["accounts"], "seeded": setup["seeded"], "cores": os.cpu_count(),
              "workspace": "TALENT_WORKSPACE_URL" if os.environ.get("TALENT_WORKSPACE_URL") else "embedded DuckDB file", "tests": []}
    for n in args.processes:
        cluster = Cluster(n, args.port, args.port + 100, work / f"serve-{n}")
        try:
            cluster.start(timeout=180)
            result = asyncio.run(measure(cluster, setup["accounts"], args))
        finally:
            cluster.stop()
        report["tests"].append(result)
        print(json.dumps({k: result[k] for k in ("processes", "runs", "runs_per_s", "errors", "rss_mb_per_process", "cpu_s_per_run", "loadavg")}),
              file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2), encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
