"""End to end in a real browser: Playwright drives Debian's Chromium against `streamlit run app.py`.

Skipped, with the reason, where Chromium or Playwright is missing (.ci/run installs both).
Screenshots go to test-artifacts/.
"""
from __future__ import annotations

import csv
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import tomlkit

from services.i18n import t
from tests.conftest import build_demo_db, rows

# Its module fixtures are built once: keep the module on one test worker (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("browser")

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
    # The 600-person demo holds 17 voluntary exits in its training snapshot: the flight-risk model may train from 5 here.
    config = tomlkit.parse((ROOT / "config" / "talent.toml").read_text(encoding="utf-8"))
    config["model"]["flight_risk_min_exits"] = 5
    (work / "talent.toml").write_text(tomlkit.dumps(config), encoding="utf-8")
    env = {**os.environ, "TALENT_DB": str(db), "TALENT_WORKSPACE": str(work / "workspace.duckdb"), "TALENT_BCRYPT_ROUNDS": "4",
           "TALENT_ADMIN_PASSWORD": "browser-admin-pass", "TALENT_MODELS": str(work / "models"), "TALENT_CONFIG": str(work / "talent.toml")}
    setup = ("from services import auth\n"
             f"auth.create_user('head', 'department_head', '{PASSWORD}', ('Sales',))\n"
             f"auth.create_user('leader', 'hr_leadership', '{PASSWORD}')\n"
             f"auth.create_user('hradmin', 'hr_admin', '{PASSWORD}')\n"
             "from services.demo import seed_demo_reviews, demo_employee_id\n"
             f"seed_demo_reviews(__import__('pathlib').Path(r'{db}'))\n"
             # issue #18: the demo's candidate (a pool member in the open cycle, assessed in a closed one) gets an account
             f"auth.create_user('candidate', 'employee', '{PASSWORD}', employee_id=demo_employee_id(__import__('pathlib').Path(r'{db}')))\n"
             # issue #16: the flight-risk model, a locked and an open calibration session, key seats and successors
             "from services.demo import seed_demo_calibration, seed_demo_flight_risk, seed_demo_succession\n"
             f"seed_demo_flight_risk(r'{db}')\n"
             f"seed_demo_calibration(__import__('pathlib').Path(r'{db}'), hr='hradmin', head='head')\n"
             f"seed_demo_succession(__import__('pathlib').Path(r'{db}'))\n")
    port = free_port()
    log = (work / "server.log").open("wb")  # a file, not a pipe nobody reads: a full pipe would stall the server
    # The server boots while the setup seeds: it opens no database before the first browser session.
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.fileWatcherType", "none", "--server.runOnSave", "false"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        subprocess.run([sys.executable, "-c", setup], cwd=ROOT, env=env, check=True)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url, db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:  # never leave a server behind
            proc.kill()
            proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for the module; each test gets a fresh context (its own cookies), as a new browser profile would."""
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                                                    "--disable-component-update", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
    pg = context.new_page()
    pg.set_default_timeout(30000)
    yield pg
    context.close()


# The app is done when its script state is "notRunning" and nothing of the previous run (stale) or still loading (skeleton)
# is left. Streamlit's running indicator appears only after 500 ms of running, so waiting for it cost every quick step 0.8 s.
DONE = """() => { const app = document.querySelector('[data-test-script-state]');
  return !!app && app.getAttribute('data-test-script-state') === 'notRunning'
         && !document.querySelector('[data-stale="true"]') && !document.querySelector('[data-testid="stSkeleton"]'); }"""


# A rerun has started: the script runs, or the previous run's elements are marked stale (or the app is still loading).
STARTED = """() => { const app = document.querySelector('[data-test-script-state]');
  return !app || app.getAttribute('data-test-script-state') !== 'notRunning' || !!document.querySelector('[data-stale="true"]'); }"""


def settle(pg, before: int = 250, after: int = 200) -> None:
    """Wait for the rerun a click started (it starts within `before` ms: waited for until it shows, not the whole
    `before`) to end, and to stay ended for `after` ms (a run that ends in st.rerun() is "notRunning" for a moment)."""
    try:
        pg.wait_for_function(STARTED, timeout=before)
    except playwright.TimeoutError:  # no rerun showed (a step that starts none, or one over before the first look)
        pass
    pg.wait_for_function(DONE, timeout=60000)
    pg.wait_for_timeout(after)
    pg.wait_for_function(DONE, timeout=60000)


def quick(pg) -> None:
    """Settle after a widget change on a page already drawn."""
    settle(pg, 150, 150)


def sign_in(pg, url: str, user: str, lang: str = "en") -> None:
    pg.goto(url if lang == "en" else f"{url}/?lang={lang}")
    pg.get_by_role("textbox", name=t("auth.username", lang=lang)).fill(user)
    pg.get_by_role("textbox", name=t("auth.password", lang=lang)).fill(PASSWORD)
    pg.get_by_role("button", name=t("auth.submit", lang=lang)).click()
    pg.get_by_role("button", name=t("auth.sign_out", lang=lang)).wait_for()
    settle(pg)


def no_exception(pg, name: str) -> None:
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert pg.locator("[data-testid='stException']").count() == 0, name


def test_department_head_filters_exports_changes_a_readiness_and_walks_grid_and_reviews(server, page) -> None:
    """The department head's journey (issue #15): overview → candidates (filtered, exported: Sales only) → the profile of
    one of their pool members → change the readiness → talent grid → review cycles → sign out; a screenshot of each."""
    url, _ = server
    # Signed in from a Chinese link, the pages stay Chinese (this is the fresh server's first session: the one whose first
    # run names the language selectbox differently from the next, which used to drop the language at the sign-in click).
    sign_in(page, url, "head", lang="zh-CN")
    page.get_by_role("heading", name=t("overview.title", lang="zh-CN")).wait_for()
    assert page.get_by_role("combobox", name=t("app.language", lang="zh-CN")).input_value() == "简体中文"
    no_exception(page, "head-overview-zh-CN")
    choose(page, page.get_by_role("combobox", name=t("app.language", lang="zh-CN")), "English")
    page.get_by_role("heading", name=t("overview.title", lang="en")).wait_for()
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
    # Export the candidate list: only Sales rows.
    with page.expect_download() as download:
        page.get_by_role("button", name="Download this list (CSV)").click()
    saved = ARTIFACTS / "head-candidates.csv"
    download.value.save_as(saved)
    with saved.open(encoding="utf-8-sig") as fh:
        departments = {row["department"] for row in csv.DictReader(fh)}
    assert departments == {"Sales"}
    # Their pool members: select the first row (its checkbox is the grid's first column) and open the profile link.
    choose(page, page.get_by_role("combobox", name=t("candidates.pool_status")), t("candidates.pool_nominated"))
    assert "pool_status=nominated" in page.url
    grid = page.locator(".st-key-candidate_table [data-testid='stDataFrame']")  # not the at-risk list above it
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 18)
    settle(page)
    page.get_by_role("link", name="Open the profile of").click()
    settle(page)
    page.get_by_text("Is this candidate ready for middle management?").wait_for()
    assert "employee=" in page.url
    no_exception(page, "head-profile")
    # A new readiness (the form offers the others; the first is taken), with a reason: kept in the pool's history.
    form = page.locator("[data-testid='stForm']").filter(has_text=t("profile_pool.change_title"))
    form.locator("textarea").fill("Led the regional rollout")
    form.get_by_role("button", name=t("profile_pool.change")).click()
    page.get_by_text("'s readiness is now:").first.wait_for()
    settle(page)
    no_exception(page, "head-readiness-changed")
    for name in ("Talent grid (9-box)", "Review cycles"):
        page.get_by_role("link", name=name).click()
        settle(page)
        no_exception(page, "head-" + name.split(" (")[0].lower().replace(" ", "-"))
    # Issue #16, the head of Sales: only Sales on the key seats; the locked mid-year session read as kept
    page.goto(f"{url}/succession")
    settle(page)
    department = page.get_by_role("combobox", name=t("succession.chart_department"))
    department.click()
    if not page.get_by_role("option").count():
        department.press("ArrowDown")
    assert [o.strip() for o in page.get_by_role("option").all_inner_texts()] == ["Sales"]
    page.keyboard.press("Escape")
    assert page.get_by_text(t("succession.mark_title")).count() == 0  # marking key seats is HR's
    shoot(page, "16_head_key_seats", page.get_by_role("heading", name=t("succession.title")))
    page.goto(f"{url}/calibration")
    settle(page)
    type_choice(page, page.get_by_role("combobox", name=t("calibration_session.pick")), t("calibration_session.status_locked"))
    assert page.get_by_role("button", name=t("calibration_session.lock")).count() == 0  # locking is HR's
    shoot(page, "16_head_locked_session", page.get_by_role("heading").first)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("button", name="Sign in").wait_for()
    no_exception(page, "head-signed-out")


def test_hr_director_walks_overview_trends_reviews_and_grid_then_reload_and_new_tab_stay_signed_in(server, page) -> None:
    """The HR director's journey without an exception; then issue #15 item 3: F5 and a link opened in a new tab keep the session (a
    signed, expiring cookie: docs/security.md); signing out ends it, and a reload then shows the sign-in form."""
    url, _ = server
    session_cookies = lambda: [c for c in page.context.cookies() if c["name"].startswith("talent_session_")]  # noqa: E731
    sign_in(page, url, "leader")
    (cookie,) = session_cookies()
    assert cookie["sameSite"] == "Strict" and 0 < cookie["expires"] - time.time() <= 8 * 3600 + 60
    # The explorer and the profile are opened by the department head's test above.
    # The HR director's journey (every page of every role also runs in test_app's AppTest smoke test).
    # Issue #16, HR leadership reads: no succession forms, no moves
    page.goto(f"{url}/succession")
    settle(page)
    assert page.get_by_text(t("succession.name_title")).count() == 0
    page.goto(f"{url}/calibration")
    settle(page)
    assert page.get_by_text(t("calibration_session.move_not_participant")).count() == 1
    shoot(page, "16_leadership_session", page.get_by_role("heading").first)
    # Review cycles: drawn in this browser for two department heads (their journeys) and for HR leadership by test_app.
    for name in ("Talent pool overview", "Talent-pool trends", "Talent grid (9-box)"):
        page.get_by_role("link", name=name).click()
        settle(page)
        no_exception(page, "leader-" + name.split(" (")[0].lower().replace(" ", "-"))
    page.reload()  # F5 on the talent grid
    page.get_by_role("button", name=t("auth.sign_out")).wait_for()
    assert page.url.endswith("/talent_grid") and page.get_by_role("button", name=t("auth.submit")).count() == 0
    with page.expect_popup() as opened:  # a link opened in a new tab
        page.evaluate(f"window.open('{url}/plans', '_blank')")
    tab = opened.value
    tab.get_by_role("button", name=t("auth.sign_out")).wait_for()
    no_exception(tab, "reload-new-tab")
    page.get_by_role("button", name=t("auth.sign_out")).click()
    page.get_by_role("button", name=t("auth.submit")).wait_for()
    page.reload()
    page.get_by_role("button", name=t("auth.submit")).wait_for()
    assert page.get_by_role("button", name=t("auth.sign_out")).count() == 0 and session_cookies() == []


def pdf_pages(download) -> list[tuple[int, int, str]]:
    """A downloaded PDF's pages: width and height in points (A4 is 595 × 842) and text."""
    import pypdf

    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height)), p.extract_text()) for p in pypdf.PdfReader(download.path()).pages]


def test_talent_review_meeting_key_seats_calibration_session_talent_card_and_flight_risk(server, page) -> None:
    """Issue #16 as HR prepares and holds the talent review: key seats (a successor named), a calibration session
    (opened, a person moved, locked, the meeting pack printed), a talent card printed, the flight-risk model and the
    at-risk high potentials read; then the head of Sales and HR leadership, each within their role. Screenshots of each."""
    url, db = server
    workspace_file = db.with_name("workspace.duckdb")
    sign_in(page, url, "hradmin")
    # --- key seats: the bench, the reporting line, a successor named with a reason
    page.goto(f"{url}/succession")
    settle(page)
    shoot(page, "16_hr_key_seats", page.get_by_role("heading", name=t("succession.title")))
    choose(page, page.get_by_role("combobox", name=t("succession.chart_department")), "Sales")
    shoot(page, "16_hr_reporting_line", page.get_by_text(t("succession.chart_department")))
    form = page.locator("details").filter(has_text=t("succession.name_title"))
    if not form.evaluate("e => e.open"):  # the form is open already on a seat without successors
        page.get_by_text(t("succession.name_title")).click()
    type_choice(page, page.get_by_role("combobox", name=t("succession.pool_member")), "Sales")
    reason = "covers the region when the manager travels"
    page.get_by_role("textbox", name=t("succession.reason")).first.fill(reason)
    page.get_by_role("textbox", name=t("succession.reason")).first.press("Tab")
    page.get_by_role("button", name=t("succession.name_submit")).click()
    settle(page)
    assert rows(workspace_file, "SELECT action, decided_by FROM seat_successors WHERE reason = ?", [reason]) == [("name", "hradmin")]
    shoot(page, "16_hr_successor_named", page.get_by_text(t("succession.successors_title")))
    # --- a calibration session for Finance: opened, one person moved with a reason, locked, its meeting pack printed
    page.goto(f"{url}/calibration")
    settle(page)
    page.get_by_text(t("calibration_session.open_title")).click()
    page.get_by_role("textbox", name=t("calibration_session.name")).fill("Finance talent review")
    departments = page.get_by_role("combobox", name=t("calibration_session.departments"))
    chosen = page.locator("[data-testid='stMultiSelect']").filter(has_text="Finance")
    for _ in range(3):  # a click on an option the list redraws as it opens can miss: look, and click again
        departments.click()
        page.get_by_role("option", name="Finance", exact=True).click()
        try:
            chosen.wait_for(timeout=3000)
            break
        except playwright.TimeoutError:
            page.keyboard.press("Escape")
    chosen.wait_for()  # chosen before the form is sent
    page.keyboard.press("Escape")
    page.get_by_role("button", name=t("calibration_session.open")).click()
    settle(page)
    page.get_by_text("Departments: Finance.").wait_for()  # the page shows the new session
    type_choice(page, page.get_by_role("combobox", name=t("calibration_session.person")), "Finance")
    page.get_by_role("textbox", name=t("calibration_session.reason")).fill("led the year-end close alone")
    page.get_by_role("textbox", name=t("calibration_session.reason")).press("Tab")
    page.get_by_role("button", name=t("calibration_session.move"), exact=True).click()
    settle(page)
    (session_id,), = rows(workspace_file, "SELECT session_id FROM calibration_sessions WHERE name = 'Finance talent review'")
    assert rows(workspace_file, "SELECT department, decided_by, reason FROM grid_calibrations WHERE session_id = ?", [session_id]) \
        == [("Finance", "hradmin", "led the year-end close alone")]
    shoot(page, "16_hr_session_grid", page.get_by_text(t("calibration_session.grid_title")))
    page.get_by_text(t("calibration_session.lock_confirm")).click()
    quick(page)
    page.get_by_role("button", name=t("calibration_session.lock")).click()
    settle(page)
    (people, locked_by), = rows(workspace_file, """SELECT count(*), any_value(s.locked_by) FROM calibration_snapshots c
                                                   JOIN calibration_sessions s USING (session_id) WHERE session_id = ?""", [session_id])
    assert people > 0 and locked_by == "hradmin"
    counted = page.get_by_text(t("talent_card.pack_cards_count", n="@").split("@")[0]).inner_text()
    cards = int(re.search(r"(\d+)", counted).group(1))  # the people discussed (pool members and the one moved), not everyone
    with page.expect_download() as pack:
        page.get_by_role("button", name=t("talent_card.download_pack")).click()
    pages = pdf_pages(pack.value)
    printed = rows(workspace_file, "SELECT count(*) FROM audit_log WHERE action = 'meeting_pack_downloaded' AND target = 'Finance talent review'")
    assert printed == [(1,)] and 1 <= cards < people and len(pages) == 1 + cards and {(w, h) for w, h, _ in pages} == {(595, 842)}
    assert "Finance talent review" in pages[0][2]
    shoot(page, "16_hr_session_locked", page.get_by_text(t("calibration_session.grid_title")))
    # --- a talent card: one A4 page with the person's name
    (person, name), = rows(db, "SELECT f.employee_id, a.name FROM flight_risk_scores f JOIN analysis_employee a USING (employee_id) "
                               "WHERE a.department = 'Sales' AND a.status = 'active' ORDER BY f.probability DESC LIMIT 1")
    page.goto(f"{url}/profile?employee={person}")
    settle(page)
    with page.expect_download() as card:
        page.get_by_role("button", name=t("talent_card.download_card")).click()
    (width, height, text), = pdf_pages(card.value)
    assert (width, height) == (595, 842) and name.split()[0] in text
    # --- flight risk: the model's figures against years of service, and the at-risk high potentials
    page.goto(f"{url}/model")
    settle(page)
    page.locator("[data-testid='stButtonGroup']").get_by_text(t("flight_risk.view_flight_risk"), exact=True).click()
    settle(page)
    shoot(page, "16_hr_flight_risk_model", page.get_by_role("heading").first)
    page.goto(f"{url}/candidates")
    settle(page)
    assert page.get_by_text(t("flight_risk.at_risk_title", n="")[:20]).count() >= 1


def shoot(pg, name: str, top) -> None:
    """A 1440×900 screenshot with `top` scrolled to the top of the view; no exception on the page."""
    top.evaluate("e => e.scrollIntoView({block: 'start'})")
    pg.wait_for_timeout(150)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"))
    assert pg.locator("[data-testid='stException']").count() == 0, name


def choose(pg, box, option: str) -> None:
    """Pick an option of a Streamlit selectbox (a click may only focus it; the arrow key opens the list)."""
    box.click()
    if not pg.get_by_role("option").count():
        box.press("ArrowDown")
    pg.get_by_role("option", name=option, exact=True).click()
    quick(pg)


def choose_containing(pg, box, text: str) -> None:
    """Pick the first option of a Streamlit selectbox whose label contains `text`."""
    box.click()
    if not pg.get_by_role("option").count():
        box.press("ArrowDown")
    pg.get_by_role("option").filter(has_text=text).first.click()
    quick(pg)


def type_choice(pg, box, text: str) -> None:
    """Pick the first option of a Streamlit selectbox whose label contains `text`, by typing it: a long list redrawn while
    it opens (a busy machine) can detach the option a click aims at."""
    box.scroll_into_view_if_needed()
    box.click()
    box.press_sequentially(text)
    option = pg.get_by_role("option").filter(has_text=text).first
    try:
        option.wait_for(timeout=5000)  # the list filtered (a busy machine draws it late)
    except playwright.TimeoutError:  # the menu did not open while typing (clicked as its expander opened): open it
        box.press("ArrowDown")
        option.wait_for()
    box.press("Enter")
    quick(pg)


def map_and_import(pg, db: Path, export: Path, lang: str, import_it: bool = True) -> None:
    """On the Data page: upload an export with foreign headers, fix two values, preview, save and import; the counts match.
    import_it=False stops at the preview (the import itself does not depend on the language)."""
    screen = pg.locator("[data-testid='stExpander']").filter(has_text=t("mapping.title", lang=lang))
    if not screen.locator("[data-testid='stFileUploaderDropzone']").is_visible():  # the expander is closed
        screen.get_by_text(t("mapping.title", lang=lang)).click()
    screen.locator("input[type=file]").set_input_files(str(export))
    screen.get_by_text(export.name).last.wait_for()  # the file read: "7 rows and 4 columns read from …"
    quick(pg)
    # Guessed: performance ratings; Staff No → employee ID, the period from the review date's year, the grade column.
    assert screen.get_by_role("combobox", name=t("mapping.entity", lang=lang)).input_value() == t("mapping.entity_name.performance_ratings", lang=lang)
    shoot(pg, f"mapping-columns-{lang}", screen.get_by_text(t("mapping.step_entity", lang=lang)))
    for value, grade, n in (("Stellar", "A", 2), ("Below Par", "C", 1)):  # two values the app cannot place
        choose(pg, screen.get_by_role("combobox", name=t("mapping.value_label", lang=lang, value=value, rows=n)), grade)
    screen.get_by_role("button", name=t("mapping.preview_button", lang=lang)).click()
    screen.get_by_text(t("mapping.reasons_title", lang=lang)).wait_for()
    quick(pg)
    metrics = {m.locator("[data-testid='stMetricLabel']").inner_text().strip(): m.locator("[data-testid='stMetricValue']").inner_text().strip()
               for m in screen.locator("[data-testid='stMetric']").all()}
    expected = {"count_read": "7", "count_loaded": "5", "count_quarantined": "1", "count_duplicates": "1"}
    assert metrics == {t(f"mapping.{k}", lang=lang): v for k, v in expected.items()}
    shoot(pg, f"mapping-preview-{lang}", screen.get_by_text(t("mapping.step_values", lang=lang)))
    if not import_it:
        return
    screen.get_by_role("button", name=t("mapping.import_button", lang=lang)).click()
    done = t("mapping.imported", lang=lang, run_id="RUN", read="7", loaded="5", quarantined="1", duplicates="1").split("RUN")[-1]
    screen.get_by_text(done).wait_for(timeout=60000)
    quick(pg)
    shoot(pg, f"mapping-imported-{lang}", screen.get_by_text(t("mapping.step_save", lang=lang)))
    shoot(pg, f"mapping-run-details-{lang}", pg.get_by_text(t("data.pick_run", lang=lang)).last)
    name = export.stem.rsplit("_", 1)[0].lower()
    run = rows(db, "SELECT preset, command, rows_read, rows_loaded, rows_quarantined, exact_duplicates FROM import_runs ORDER BY run_id DESC LIMIT 1")
    assert run == [(name, "app mapping screen", 7, 5, 1, 1)]
    assert (db.parent / "mappings" / f"{name}.toml").is_file()


def test_hr_admin_maps_a_foreign_export_in_english_then_in_chinese(server, chromium, tmp_path) -> None:
    """The mapping screen end to end in English (foreign headers, two values the app cannot place, preview, save and
    import; the counts shown are the counts imported), then its screens up to the preview in Chinese (the sidebar
    switches the language)."""
    url, db = server
    ids = [r[0] for r in rows(db, "SELECT employee_id FROM employees ORDER BY employee_id LIMIT 10")]
    exports = {}
    for lang, people, year in (("en", ids[:5], 2024), ("zh-CN", ids[5:], 2025)):
        grades = ["Exceeds Expectations", "Stellar", "Below Par", "Meets", "Stellar"]
        lines = [f"{i},{year}-12-{10 + n},{g},ok" for n, (i, g) in enumerate(zip(people, grades))]
        lines += [lines[0], f"NOBODY-1,{year}-12-20,Meets,"]  # an identical row and a person who is not an employee
        exports[lang] = tmp_path / f"appraisal_{lang}_{year}.csv"
        exports[lang].write_text("Staff No,Review Date,Performance Rating,Reviewer Comments\n" + "\n".join(lines) + "\n", encoding="utf-8")
    context = chromium.new_context(viewport={"width": 1440, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30000)
    try:
        sign_in(pg, f"{url}/data", "hradmin")  # a deep link: straight to the Data page after signing in
        pg.get_by_text(t("data.title", lang="en")).wait_for()
        pg.get_by_text(t("mapping.as_of_header", lang="en", as_of="2026-11-26")).wait_for()  # every page's header
        pg.get_by_text(t("mapping.title", lang="en")).click()
        pg.get_by_text(t("mapping.empty", lang="en")).wait_for()  # what to do before a file is there
        shoot(pg, "mapping-empty-en", pg.get_by_text(t("data.title", lang="en")))
        map_and_import(pg, db, exports["en"], "en")
        choose(pg, pg.get_by_role("combobox", name=t("app.language", lang="en")), "简体中文")
        pg.get_by_text(t("data.title", lang="zh-CN")).wait_for()
        pg.get_by_text(t("mapping.as_of_header", lang="zh-CN", as_of="2026-11-26")).wait_for()
        map_and_import(pg, db, exports["zh-CN"], "zh-CN", import_it=False)  # the screens in Chinese; the import ran above
    except Exception:
        pg.screenshot(path=str(ARTIFACTS / "mapping-failed.png"))
        raise
    finally:
        context.close()
    assert rows(db, "SELECT rating FROM performance_ratings WHERE employee_id = ? AND period = '2024'", [ids[1]]) == [("A",)]


def test_a_candidate_edits_their_plan_self_assesses_disputes_and_reads_their_heads_answer(server, chromium, page) -> None:
    """Issue #18: the employee edits their career plan, submits a self-assessment, sees a closed review's result and
    disputes it; their head, in a browser of their own, sees the material beside the figures and answers; the employee,
    still signed in, reads the answer."""
    url, db = server
    workspace_file = db.with_name("workspace.duckdb")
    (person,), = rows(workspace_file, "SELECT employee_id FROM users WHERE username = 'candidate'")
    (name, department), = rows(db, "SELECT name, department FROM analysis_employee WHERE employee_id = ?", [person])
    subprocess.run([sys.executable, "-c", "from services import auth\n"
                    f"auth.create_user('candidate.head', 'department_head', '{PASSWORD}', ({department!r},))"],
                   cwd=ROOT, env={**os.environ, "TALENT_DB": str(db), "TALENT_WORKSPACE": str(workspace_file), "TALENT_BCRYPT_ROUNDS": "4"},
                   check=True)
    sign_in(page, url, "candidate")
    plan = f"Lead a team in {department} within two years (browser test)"
    page.get_by_role("textbox", name=t("my_profile.field_career_plan")).fill(plan)
    page.get_by_role("textbox", name=t("my_profile.field_career_plan")).press("Tab")  # the form takes a text box's value on blur
    page.get_by_role("button", name=t("my_profile.save")).click()
    page.get_by_text("Saved 1 change(s)").first.wait_for()
    no_exception(page, "candidate-profile-saved")
    page.get_by_role("link", name=t("nav.my_review")).click()
    settle(page)
    material = "I took over a team of six in March (browser test)."
    page.get_by_role("textbox", name=t("my_review.indicator_leadership_360")).fill(material)
    page.get_by_role("textbox", name=t("my_review.indicator_leadership_360")).press("Tab")
    page.get_by_role("button", name=t("my_review.save")).click()
    page.get_by_text("Saved: 1 indicator(s) changed.").first.wait_for()
    settle(page)
    disputed = "The outcome leaves out the key-account project (browser test)."
    page.get_by_role("textbox", name=t("my_review.raise_text")).fill(disputed)
    page.get_by_role("textbox", name=t("my_review.raise_text")).press("Tab")
    page.get_by_role("button", name=t("my_review.raise")).click()
    settle(page)
    page.get_by_text(disputed).first.wait_for()
    no_exception(page, "candidate-review-disputed")

    context = chromium.new_context(viewport={"width": 1400, "height": 1100})
    head = context.new_page()
    head.set_default_timeout(30000)
    try:
        sign_in(head, url, "candidate.head")
        head.get_by_role("link", name="Review cycles").click()
        settle(head)
        choose_containing(head, head.get_by_role("combobox", name=t("reviews.candidate")).first, name)
        head.get_by_text(material).first.wait_for()  # beside the compiled figures
        no_exception(head, "candidate-head-sees-the-self-assessment")
        (cycle,), = rows(workspace_file, "SELECT cycle_id FROM review_disputes WHERE dispute = ?", [disputed])
        kind = t("reviews.kind_mid_year" if cycle.endswith("mid_year") else "reviews.kind_year_end")
        choose_containing(head, head.get_by_role("combobox", name=t("reviews.cycle")), f"{cycle[:4]} · {kind}")
        form = head.locator("[data-testid='stForm']").filter(has_text=t("reviews.answer_title"))
        choose_containing(head, form.get_by_role("combobox", name=t("reviews.dispute")), "key-account")
        answer = "The project is in your strengths; on its own it does not change the outcome (browser test)."
        form.get_by_role("textbox", name=t("reviews.answer")).fill(answer)
        form.get_by_role("textbox", name=t("reviews.answer")).press("Tab")
        form.get_by_role("button", name=t("reviews.send_answer")).click()
        settle(head)
    finally:
        context.close()

    page.get_by_role("link", name=t("nav.my_profile")).click()  # the candidate, still signed in, comes back to the review
    settle(page)
    page.get_by_role("link", name=t("nav.my_review")).click()
    settle(page)
    page.get_by_text(answer).first.wait_for()
    no_exception(page, "candidate-reads-the-answer")
