"""Several Streamlit processes behind nginx (issue #17): the shipped nginx config is valid, and a signed-in session
survives moving to another process or a restart (the session key is a file every process shares)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard import serve

ROOT = Path(__file__).resolve().parents[1]

# Each step runs in its own Python process: the key must come from the file beside the workspace, not a process's memory.
ISSUE = """
import sys, time
from services import auth
auth.create_user("head.a", "department_head", "deploy-test-pw", ("Sales",))
print(auth.session_token("head.a", time.time()))
"""
RESUME = """
import json, sys
from services import auth
found = [auth.resume_session(token) for token in sys.argv[1:]]
print(json.dumps({"users": [user.username if user else None for user, *_ in found], "key": str(auth.session_key_path())}))
"""


def _python(code: str, env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_session_token_from_one_process_is_taken_up_by_another_and_after_a_restart(tmp_path: Path) -> None:
    env = {**os.environ, "TALENT_DB": str(tmp_path / "talent.duckdb"), "TALENT_WORKSPACE": str(tmp_path / "workspace.duckdb"),
           "TALENT_BCRYPT_ROUNDS": "4", "PYTHONPATH": str(ROOT)}
    env.pop("TALENT_WORKSPACE_URL", None)  # the embedded workspace: the key file stands beside it
    token = _python(ISSUE, env)  # process A signs the user in
    key = tmp_path / "workspace.session-key"
    assert key.exists() and key.stat().st_mode & 0o077 == 0  # beside the workspace, owner-only
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    # Process B (or A after a restart: a new process, the same files) takes the token up; a tampered one it refuses.
    assert json.loads(_python(RESUME, env, token, tampered)) == {"users": ["head.a", None], "key": str(key)}
    key.unlink()  # a new key (a new installation): the old cookie no longer counts
    assert json.loads(_python(RESUME, env, token))["users"] == [None]


def test_the_launcher_passes_one_database_and_workspace_to_every_process(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TALENT_WORKSPACE", raising=False)
    monkeypatch.delenv("TALENT_WORKSPACE_URL", raising=False)
    monkeypatch.setenv("TALENT_DB", "data/x.duckdb")
    env = serve.process_env()
    assert env["TALENT_DB"] == str(tmp_path / "data" / "x.duckdb")  # absolute: a process may start in another folder
    assert env["TALENT_WORKSPACE"] == str(tmp_path / "data" / "workspace.duckdb")
    store = "postgresql://talent@db.internal/talent"
    monkeypatch.setenv("TALENT_WORKSPACE_URL", store)
    env = serve.process_env()
    assert env["TALENT_WORKSPACE_URL"] == store and "TALENT_WORKSPACE" not in env


@pytest.mark.skipif(not Path(serve.NGINX).exists(), reason=f"nginx is not installed ({serve.NGINX}); CI installs it with apt-get install nginx")
def test_the_shipped_nginx_config_is_valid(tmp_path: Path) -> None:
    conf = serve.write_nginx(tmp_path / "run", serve.upstream_ports(8601, 3), 8501)
    checked = serve.nginx_check(conf)
    assert checked.returncode == 0, checked.stderr
    site = (conf.parent / "talent.conf").read_text()
    assert all(f"server 127.0.0.1:{p} " in site for p in (8601, 8602, 8603)) and "8604" not in site
    # A broken site is refused: the check can fail.
    (conf.parent / "talent.conf").write_text(site.replace("hash $talent_route consistent;", "hash_everything;"))
    assert serve.nginx_check(conf).returncode != 0


def test_a_config_for_a_system_nginx_is_printed(capsys) -> None:
    assert serve.main(["nginx-config", "--processes", "2", "--port", "8080"]) == 0
    printed = capsys.readouterr().out
    assert "listen 8080;" in printed and "server 127.0.0.1:8602 " in printed and "@@" not in printed
    assert "proxy_set_header Upgrade $http_upgrade;" in printed
