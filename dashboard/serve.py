"""Several Streamlit processes behind nginx: one Python process uses one core (the GIL), so N processes use N.

    python -m dashboard.serve --processes 2 --port 8501        # N `streamlit run app.py` + nginx, in the foreground
    python -m dashboard.serve nginx-config --processes 2 --port 8501 > /etc/nginx/sites-available/talent

Every process reads the same analysis database (TALENT_DB; the app attaches it read-only) and writes the same
workspace (TALENT_WORKSPACE, or TALENT_WORKSPACE_URL when set, passed through unchanged). What must happen once is done
here before any process starts: the first admin account, the session-signing key every process shares (so a
session cookie issued by one process is taken up by any other, and after a restart), and a rebuild of analysis
tables made by an older version. A process that dies is started again. nginx's config: deploy/nginx/talent.conf.
"""
from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NGINX_DIR = ROOT / "deploy" / "nginx"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def upstream_ports(first_port: int, processes: int) -> list[int]:
    return list(range(first_port, first_port + processes))


def _render(template: Path, **values: str) -> str:
    text = template.read_text(encoding="utf-8")
    for name, value in values.items():
        text = text.replace(f"@@{name}@@", value)
    if "@@" in text:
        raise ValueError(f"{template}: a placeholder was left unfilled")
    return text


def site_config(ports: list[int], port: int, address: str = "") -> str:
    """deploy/nginx/talent.conf with the upstream processes and the public port filled in."""
    servers = "\n".join(f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=5s;" for p in ports)
    listen = f"    listen {address + ':' if address else ''}{port};"
    return _render(NGINX_DIR / "talent.conf", UPSTREAM_SERVERS=servers, LISTEN=listen)


def write_nginx(run_dir: Path, ports: list[int], port: int, address: str = "") -> Path:
    """The standalone nginx.conf (and the site beside it) in run_dir; returns the nginx.conf to pass to `nginx -c`."""
    run_dir = run_dir.resolve()
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "talent.conf").write_text(site_config(ports, port, address), encoding="utf-8")
    main = run_dir / "nginx.conf"
    main.write_text(_render(NGINX_DIR / "standalone.conf", RUN_DIR=str(run_dir)), encoding="utf-8")
    return main


def nginx_check(conf: Path, nginx: str = NGINX) -> subprocess.CompletedProcess:
    """`nginx -t` on a generated config (its own prefix and error log, so no root or /var/log is needed)."""
    return subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-p", str(conf.parent), "-e", str(conf.parent / "nginx-error.log")],
                          capture_output=True, text=True, timeout=30)


def streamlit_command(port: int, python: str = sys.executable) -> list[str]:
    return [python, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port), "--server.address", "127.0.0.1",
            "--server.headless", "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]


def process_env() -> dict[str, str]:
    """The environment every process gets: the same database and workspace as absolute paths (the processes may
    start elsewhere); TALENT_WORKSPACE_URL (a PostgreSQL workspace store), TALENT_CONFIG and the rest pass through."""
    from services.database import database_path
    from services.workspace import workspace_path

    env = dict(os.environ)
    env["TALENT_DB"] = str(database_path())
    if not env.get("TALENT_WORKSPACE_URL"):
        env["TALENT_WORKSPACE"] = str(workspace_path())
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def prepare() -> list[str]:
    """What must happen once, before N processes race for it. Returns what it did, in words."""
    from services import auth, database, first_start

    done = []
    db_path = database.database_path()
    if db_path.exists() and not database.built_by_this_version(db_path):
        first_start.upgrade_analysis(db_path)
        done.append(f"rebuilt the analysis tables of {db_path}")
    auth.ensure_admin()  # prints the one-time password once, here, not in one of N process logs
    key = auth.session_key_path()
    auth.session_key()
    done.append(f"session key {key}")
    return done


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process ended with exit code {proc.returncode}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url}: not healthy after {timeout:.0f} s")
        time.sleep(0.2)


class Cluster:
    """N Streamlit processes and nginx in front, each with a log file in run_dir (never an unread pipe)."""

    def __init__(self, processes: int, port: int, first_port: int, run_dir: Path, address: str = "", nginx: str = NGINX,
                 use_nginx: bool = True):
        self.ports = upstream_ports(first_port, processes)
        self.port, self.run_dir, self.nginx, self.use_nginx = port, run_dir.resolve(), nginx, use_nginx
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.env = process_env()
        self.conf = write_nginx(self.run_dir, self.ports, port, address) if use_nginx else None
        self.apps: dict[int, subprocess.Popen] = {}
        self.proxy: subprocess.Popen | None = None

    def start_app(self, port: int) -> subprocess.Popen:
        with (self.run_dir / f"streamlit-{port}.log").open("ab") as log:
            self.apps[port] = subprocess.Popen(streamlit_command(port), cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True)
        return self.apps[port]

    def start(self, timeout: float = 90.0) -> None:
        for port in self.ports:
            self.start_app(port)
        for port in self.ports:
            wait_healthy(f"http://127.0.0.1:{port}", self.apps[port], timeout)
        if self.use_nginx:
            checked = nginx_check(self.conf, self.nginx)
            if checked.returncode:
                raise RuntimeError(f"nginx refused {self.conf}: {checked.stderr.strip()}")
            with (self.run_dir / "nginx.log").open("ab") as log:
                self.proxy = subprocess.Popen([self.nginx, "-c", str(self.conf), "-p", str(self.run_dir), "-e", str(self.run_dir / "nginx-error.log"),
                                               "-g", "daemon off;"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            wait_healthy(f"http://127.0.0.1:{self.port}", self.proxy, timeout)

    def restart_app(self, port: int, timeout: float = 90.0) -> None:
        self._stop(self.apps[port])
        wait_healthy(f"http://127.0.0.1:{port}", self.start_app(port), timeout)

    def pids(self) -> dict[int, int]:
        return {port: proc.pid for port, proc in self.apps.items()}

    def supervise(self) -> None:
        """Until SIGINT/SIGTERM: a Streamlit process that ended is started again (its browsers reconnect, still signed in)."""
        stopping = []
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopping.append(True))
        while not stopping:
            for port, proc in list(self.apps.items()):
                if proc.poll() is not None:
                    print(f"streamlit on port {port} ended (exit code {proc.returncode}); starting it again", file=sys.stderr, flush=True)
                    self.start_app(port)
            if self.proxy is not None and self.proxy.poll() is not None:
                print(f"nginx ended (exit code {self.proxy.returncode}); see {self.run_dir / 'nginx-error.log'}", file=sys.stderr)
                break
            time.sleep(1.0)

    @staticmethod
    def _stop(proc: subprocess.Popen | None) -> None:
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)

    def stop(self) -> None:
        self._stop(self.proxy)
        for proc in self.apps.values():
            self._stop(proc)


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m dashboard.serve", description=__doc__.split("\n\n")[0])
    ap.add_argument("command", nargs="?", choices=["run", "nginx-config"], default="run",
                    help="run (default): start the processes and nginx; nginx-config: print the site config for a system nginx")
    ap.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="Streamlit processes (default: one per core)")
    ap.add_argument("--port", type=int, default=8501, help="the public port nginx listens on (default 8501)")
    ap.add_argument("--address", default="", help="the address nginx listens on (default: all)")
    ap.add_argument("--first-port", type=int, default=8601, help="the first Streamlit process's port on 127.0.0.1 (default 8601)")
    ap.add_argument("--run-dir", type=Path, help="nginx's config, pid and logs, and the processes' logs (default: a new temporary folder)")
    ap.add_argument("--no-nginx", action="store_true", help="only the Streamlit processes (a system nginx is in front)")
    return ap


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.processes < 1:
        raise SystemExit("--processes must be 1 or more")
    ports = upstream_ports(args.first_port, args.processes)
    if args.command == "nginx-config":
        print(site_config(ports, args.port, args.address), end="")
        return 0
    from services.database import database_path

    if args.processes > 1 and not database_path().exists():
        raise SystemExit(f"no database at {database_path()}: import one (python -m pipelines ingest …) or start one process "
                         "once to build the demo, so that several processes do not build it at the same time")
    for line in prepare():
        print(line, file=sys.stderr)
    run_dir = args.run_dir or Path(tempfile.mkdtemp(prefix="talent-serve-"))
    cluster = Cluster(args.processes, args.port, args.first_port, run_dir, args.address, use_nginx=not args.no_nginx)
    try:
        cluster.start()
        where = f"http://{args.address or 'localhost'}:{args.port}" if not args.no_nginx else ", ".join(f"127.0.0.1:{p}" for p in ports)
        print(f"Talent Pipeline: {args.processes} processes at {where} (logs in {cluster.run_dir})", file=sys.stderr, flush=True)
        cluster.supervise()
    finally:
        cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
