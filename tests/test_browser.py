"""End to end in a real browser: Playwright drives Debian's Chromium against `streamlit run app.py`.

Skipped, with the reason, where Chromium or Playwright is missing (.ci/run installs both).
Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import build_demo_db

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
PASSWORD = "browser-test-pass"

playwright = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -r requirements-dev.txt)")
if not Path(CHROMIUM).exists():
    pytest.skip("Chromium is not installed (apt-get install chromium; .ci/run does this)", allow_module_level=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("browser")
    db = build_demo_db(work, employees=600, seed=5)
    env = {**os.environ, "TALENT_DB": str(db), "TALENT_WORKSPACE": str(work / "workspace.duckdb"), "TALENT_BCRYPT_ROUNDS": "4",
           "TALENT_ADMIN_PASSWORD": "browser-admin-pass", "TALENT_MODELS": str(work / "models")}
    setup = ("from dashboard import auth\n"
             f"auth.create_user('head', 'department_head', '{PASSWORD}', ('Sales',))\n"
             f"auth.create_user('leader', 'hr_leadership', '{PASSWORD}')\n"
             "from dashboard.demo_reviews import seed_demo_reviews\n"
             f"seed_demo_reviews(__import__('pathlib').Path(r'{db}'))\n")
    subprocess.run([sys.executable, "-c", setup], cwd=ROOT, env=env, check=True)
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
                             "--server.address", "127.0.0.1"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    yield url, db
    proc.terminate()
    proc.wait(timeout=20)


@pytest.fixture
def page():
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                                    "--disable-component-update", "--no-first-run"])
        pg = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
        pg.set_default_timeout(30000)
        yield pg
        browser.close()


def settle(pg) -> None:
    pg.wait_for_timeout(800)
    pg.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=60000)
    pg.wait_for_timeout(500)


def sign_in(pg, url: str, user: str) -> None:
    pg.goto(url)
    pg.get_by_role("textbox", name="User name").fill(user)
    pg.get_by_role("textbox", name="Password").fill(PASSWORD)
    pg.get_by_role("button", name="Sign in").click()
    pg.get_by_role("button", name="Sign out").wait_for()
    settle(pg)


def no_exception(pg, name: str) -> None:
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert pg.locator("[data-testid='stException']").count() == 0, name


def test_department_head_filters_opens_a_profile_exports_and_signs_out(server, page) -> None:
    url, _ = server
    sign_in(page, url, "head")
    no_exception(page, "head-overview")
    page.get_by_role("link", name="Candidate explorer").click()
    settle(page)
    page.get_by_text("Who are our strongest candidates").wait_for()
    page.get_by_role("combobox", name="Rating trend").click() if page.get_by_role("combobox", name="Rating trend").count() else None
    option = page.get_by_role("option", name="Not falling")
    if option.count():
        option.click()
        settle(page)
    assert "trend=not_falling" in page.url
    no_exception(page, "head-candidates")
    # Select the first row (its checkbox is the grid's first column) and open the profile link.
    grid = page.locator("[data-testid='stDataFrame']").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 18)
    settle(page)
    page.get_by_role("link", name="Open the profile of").click()
    settle(page)
    page.get_by_text("Is this candidate ready for middle management?").wait_for()
    assert "employee=" in page.url
    no_exception(page, "head-profile")
    # Export the candidate list: only Sales rows.
    page.get_by_role("link", name="Candidate explorer").click()
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this list (CSV)").click()
    saved = ARTIFACTS / "head-candidates.csv"
    download.value.save_as(saved)
    with saved.open(encoding="utf-8-sig") as fh:
        departments = {row["department"] for row in csv.DictReader(fh)}
    assert departments == {"Sales"}
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    no_exception(page, "head-signed-out")


def test_hr_leadership_opens_every_page_without_an_exception(server, page) -> None:
    url, _ = server
    sign_in(page, url, "leader")
    for name in ("Talent pool overview", "Candidate explorer", "Candidate profile", "Talent grid (9-box)", "Development plans",
                 "Review cycles", "Potential model", "Talent-pool trends"):
        page.get_by_role("link", name=name).click()
        settle(page)
        no_exception(page, "leader-" + name.split(" (")[0].lower().replace(" ", "-"))
