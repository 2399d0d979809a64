"""Issue #15, items 3, 4, 10, 11 and 12: a signed-in session survives a reload and a new tab (a signed, expiring token in a
cookie) and ends with signing out; an import in the demo says first that it ends demo mode and creates the uploader's
own HR admin account; department heads read "All your departments"; count axes show whole people; the review report
prints on A4. The reload and the new tab in a real browser: tests/test_browser.py (its server)."""
from __future__ import annotations

import json
import re
import shutil
import stat
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from services import auth, imports, workspace
from tests.conftest import GOOD, TODAY, copy_app_files, rows, use_app_files

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "a-long-password"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture
def accounts(tmp_path: Path, monkeypatch) -> Path:
    """A workspace with an HR admin and a department head (no database needed: neither is a demo account)."""
    monkeypatch.setenv("TALENT_DB", str(tmp_path / "talent.duckdb"))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    auth.create_user("hr", "hr_admin", PASSWORD)
    auth.create_user("head", "department_head", PASSWORD, ("Sales",))
    with workspace.connect() as con:  # accounts made two days ago, so sessions may have signed in hours ago
        con.execute("UPDATE users SET created_at = created_at - INTERVAL 2 DAY")
    return tmp_path / "workspace.duckdb"


# --- item 3: the session token ------------------------------------------------------------------------------
def test_a_token_resumes_its_session_and_nothing_else(accounts: Path) -> None:
    signed_in_at = time.time() - 60
    token = auth.session_token("head", signed_in_at)
    user, since, issued, why = auth.resume_session(token)
    assert user.username == "head" and user.departments == ("Sales",) and why is None
    assert since == pytest.approx(signed_in_at) and issued == pytest.approx(time.time(), abs=5)
    # The key: created once beside the workspace, owner-only, and the same for every later token.
    key = auth.session_key_path()
    assert key.parent == accounts.parent and stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_bytes()) >= 32
    assert auth.session_token("head", signed_in_at, issued) == token
    # A changed name, signature or garbage is not ours: refused without a reason to show.
    body, mac = token.split(".")
    forged = auth.session_token("hr", signed_in_at).split(".")[0] + "." + mac
    for bad in (forged, body + "." + mac[:-2] + "AA", "", "x.y", token + "." + mac, "a" * 5000):
        assert auth.resume_session(bad) == (None, 0.0, 0.0, None), bad


def test_a_token_ends_with_idleness_age_sign_out_password_change_and_disabling(accounts: Path) -> None:
    now = time.time()
    # Idle: issued (last active) longer ago than the idle timeout (8 hours by default).
    assert auth.resume_session(auth.session_token("head", now - 9 * 3600, now - 8.5 * 3600), now)[3] == "idle"
    assert auth.resume_session(auth.session_token("head", now - 9 * 3600, now - 7 * 3600), now)[0] is not None
    # Too old: signed in longer ago than remember_hours (12 by default), however active since.
    assert auth.resume_session(auth.session_token("head", now - 13 * 3600, now - 60), now) == (None, 0.0, 0.0, None)
    # A token "issued" in the future, or before its own sign-in, is not one we made.
    assert auth.resume_session(auth.session_token("head", now - 60, now + 3600), now)[0] is None
    assert auth.resume_session(auth.session_token("head", now - 60, now - 120), now)[0] is None
    # Sign-out (everywhere) ends it; a new sign-in's token works.
    token = auth.session_token("head", now - 60, now - 60)
    auth.sign_out_everywhere(auth.load_user("head"))
    assert auth.resume_session(token)[3] == "signed_out"
    time.sleep(0.01)
    assert auth.resume_session(auth.session_token("head", time.time()))[0] is not None
    # A password change ends the other sessions' tokens; disabling ends every one.
    before = auth.session_token("hr", time.time() - 1)
    auth.change_password(auth.load_user("hr"), PASSWORD, "another-long-password")
    assert auth.resume_session(before)[3] == "signed_out"
    auth.set_disabled(auth.load_user("hr"), "head", True)
    assert auth.resume_session(auth.session_token("head", time.time()))[3] == "gone"


def test_a_token_from_before_the_workspace_was_replaced_is_refused(accounts: Path) -> None:
    old = auth.session_token("head", time.time() - 30)
    cookie = auth.session_cookie_name()
    shutil.move(accounts, accounts.with_name("old-workspace.duckdb"))  # "move workspace.duckdb away", the key file stays
    auth.create_user("head", "department_head", PASSWORD, ("R&D",))  # the same name, another account
    assert auth.resume_session(old) == (None, 0.0, 0.0, None)
    assert auth.session_cookie_name() == cookie and cookie.startswith("talent_session_")


def test_the_app_writes_the_cookie_after_signing_in_and_deletes_it_after_signing_out(accounts: Path, loaded_db: Path, monkeypatch,
                                                                                      fresh_streamlit_caches) -> None:
    monkeypatch.setenv("TALENT_DB", str(loaded_db))
    monkeypatch.setenv("TALENT_ADMIN_PASSWORD", "first-admin-password")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not [h.value for h in at.html if "document.cookie" in h.value]  # nobody signed in, no cookie was presented
    at.text_input[0].input("head")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    scripts = [h.value for h in at.sidebar.get("html") if "document.cookie" in h.value]
    assert len(scripts) == 1 and "SameSite=Strict" in scripts[0] and "Max-Age=28800" in scripts[0]
    name, token = scripts[0].split('document.cookie = "')[1].split(";")[0].split("=", 1)
    assert name == auth.session_cookie_name()
    assert auth.resume_session(token)[0].username == "head"  # what a reload presents signs this session in again
    at.sidebar.button[0].click().run()  # Sign out
    assert at.title[0].value == "Sign in"
    assert [h.value for h in at.sidebar.get("html") if "document.cookie" in h.value][0].startswith(f'<script>document.cookie = "{name}=; Max-Age=0')
    assert auth.resume_session(token)[3] == "signed_out"


# --- item 4: an import in the demo says what ends, and makes the uploader's own account first ----------------------
@pytest.fixture(scope="module")
def _demo_template(demo_db: Path, tmp_path_factory) -> Path:
    """The demo as on first start, built once: its database, demo accounts, pool, plans and closed review cycles."""
    from services.demo import seed_demo_reviews

    folder = tmp_path_factory.mktemp("ux_demo")
    shutil.copyfile(demo_db, folder / "talent.duckdb")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TALENT_DB", str(folder / "talent.duckdb"))
        mp.setenv("TALENT_WORKSPACE", str(folder / "workspace.duckdb"))
        mp.setenv("TALENT_BCRYPT_ROUNDS", "4")
        auth.ensure_demo_accounts(["Sales"])
        seed_demo_reviews(folder / "talent.duckdb")
    return folder


@pytest.fixture
def demo_workspace(_demo_template: Path, tmp_path: Path, monkeypatch) -> Path:
    copy_app_files(_demo_template, tmp_path)
    return use_app_files(tmp_path, monkeypatch)


DEMO_ACCOUNTS = ["demo.head", "demo.hr", "demo.leadership", "demo.viewer"]


def test_a_refused_new_account_imports_nothing_and_the_demo_goes_on(demo_workspace: Path) -> None:
    demo_hr = auth.load_user("demo.hr")
    assert imports.demo_accounts_switched_off() == DEMO_ACCOUNTS
    with pytest.raises(ValueError):
        imports.import_files(demo_hr, [GOOD], demo_workspace, as_of=TODAY, new_admin=imports.NewAdmin("anna", "Anna", "short"))
    assert rows(demo_workspace, "SELECT count(*) FROM import_runs")[0][0] == 1 and auth.load_user("anna") is None
    assert imports.demo_accounts_switched_off() == DEMO_ACCOUNTS and auth.demo_accounts_allowed()


def test_the_data_page_warns_before_leaving_the_demo_and_creates_the_uploaders_account(demo_workspace: Path, fresh_streamlit_caches) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.text_input[0].input("demo.hr")
    at.text_input[1].input(auth.DEMO_PASSWORD)
    at.button[0].click().run()
    at.switch_page("pages/data.py").run()
    warning = at.warning[0].value
    assert "ends demo mode for good" in warning and ", ".join(DEMO_ACCOUNTS) in warning and "Yours is one of them" in warning
    fields = {w.label: w for w in at.text_input}
    assert at.checkbox[0].label == "I understand: the demo accounts stop working for good"
    at.file_uploader[0].set_value(("employees.csv", (GOOD / "employees.csv").read_bytes(), "text/csv"))
    submit = next(b for b in at.button if b.label == "Import")
    submit.click().run()  # no account yet: refused, nothing imported, nothing typed is lost
    assert at.error[0].value.startswith("Nothing was imported: create your HR admin account first")
    fields = {w.label: w for w in at.text_input}
    fields["New user name"].input("anna")
    fields["Your name"].input("Anna Li")
    fields["New password"].input("annas-own-password")
    fields["New password again"].input("annas-own-password")
    next(b for b in at.button if b.label == "Import").click().run()
    assert at.error[0].value.startswith("Nothing was imported: tick the box")
    at.checkbox[0].check()
    next(b for b in at.button if b.label == "Import").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(i.value.startswith("Your HR admin account “anna” is ready") for i in at.info)
    # The demo accounts are off for good, the uploader's included; the new account signs in.
    assert imports.demo_accounts_switched_off() == [] and not auth.demo_accounts_allowed()
    assert auth.authenticate("anna", "annas-own-password").role == "hr_admin"
    with pytest.raises(auth.SignInError):
        auth.authenticate("demo.hr", auth.DEMO_PASSWORD)
    at.run()
    assert at.title[0].value == "Sign in" and at.info[0].value.startswith("You were signed out: demo accounts are switched off")


# --- items 10 and 11: heads read "All your departments"; count axes are whole people ---------------------------------
def test_a_head_reads_all_your_departments_and_count_axes_show_whole_people(demo_workspace: Path, fresh_streamlit_caches) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    at.text_input[0].input("demo.head")
    at.text_input[1].input(auth.DEMO_PASSWORD)
    at.button[0].click().run()
    assert at.selectbox(key="department").options == ["All your departments", "Sales"]
    # One department: no "by department" chart of a single fat bar (the funnel and the rating mix remain).
    assert len(at.get("plotly_chart")) == 2
    at.switch_page("pages/trends.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="trends_department").options == ["All your departments", "Sales"]
    specs = []
    for section in ("pool", "succession", "movement", "attrition"):  # the trends page draws one section at a time
        at.segmented_control(key="trends_section").set_value(section).run()
        specs += [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    axes = [spec["layout"][axis] for spec in specs for axis in ("xaxis", "yaxis") if axis in spec["layout"]]
    counts = [axis for axis in axes if "(people)" in json.dumps(axis.get("title")) or "People" in json.dumps(axis.get("title"))]
    # pool size, entries and exits, bench, time in the pool, attrition: whole people only
    assert len(counts) >= 5 and all(axis.get("tickformat") == ",d" for axis in counts), [axis.get("title") for axis in axes]
    # One department: the per-department coverage chart (one fat bar) gives way to the figures above it.
    assert not any(trace.get("name") == "Pool members per seat" for spec in specs for trace in spec["data"])



# --- item 12: the HTML report prints on A4 without clipping -----------------------------------------------------------
A4_LANDSCAPE_PRINTABLE = 1032  # CSS px: 297 mm - 2 x 12 mm margins (@page) at 96 px per inch


def test_the_review_report_prints_on_a4_without_clipping(demo_workspace: Path) -> None:
    """Rendered by Chromium in print layout at A4 landscape's printable width: no table or chart runs past the page, no name
    (Chinese ones included) breaks over lines; and Chromium's PDF of it has A4 landscape pages."""
    from services import export

    sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -r requirements-dev.txt)")
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    cycle = export.closed_cycles()["cycle_id"][0]
    report = demo_workspace.with_name("report.html")
    report.write_text(export.build_export(demo_workspace, cycle, lang="zh-CN").html, encoding="utf-8")
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(report.as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg")
        page.emulate_media(media="print")
        page.set_viewport_size({"width": A4_LANDSCAPE_PRINTABLE, "height": 700})
        page.wait_for_timeout(300)
        layout = page.evaluate("""() => {
          const lines = td => { const r = document.createRange(); r.selectNodeContents(td);
                                return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; };
          const names = [...document.querySelectorAll('section.department tbody tr')].map(tr => tr.children[1]);
          return {right: Math.max(...[...document.querySelectorAll('table, .chart, .main-svg')].map(e => e.getBoundingClientRect().right)),
                  page: document.documentElement.scrollWidth, names: names.map(td => td.textContent),
                  broken: names.filter(td => lines(td) > 1).map(td => td.textContent)};
        }""")
        pdf = page.pdf(path=str(artifacts / "review-report-zh-CN.pdf"), format="A4", landscape=True, print_background=True)
        browser.close()
    assert layout["right"] <= A4_LANDSCAPE_PRINTABLE and layout["page"] <= A4_LANDSCAPE_PRINTABLE, layout["right"]
    assert len(layout["names"]) > 20 and any(len(n) <= 3 and not n.isascii() for n in layout["names"])  # Chinese names were measured
    assert layout["broken"] == []
    boxes = set(re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf))
    assert boxes and all(round(float(w)) == 843 and round(float(h)) == 596 for w, h in boxes)  # A4 landscape, in points
