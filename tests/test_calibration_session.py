"""The calibration session (issue #16 part 2), service level on a hand-written organisation (tests/test_reviews.FILES):
who may move whom in which session, the snapshot a lock keeps, nothing after the lock, the leniency counts, the
comparison with the previous locked session, the distribution against the guide, and the audit log in words.

The organisation's 9-box (services.people.nine_box; performance, potential): Sales S1 (medium, high), S2 (high, medium),
S3 (high, low); R&D R1 (medium, medium), R2 (low, low)."""
from __future__ import annotations

import shutil
import tomllib
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from services import auth, calibration, workspace
from services.auth import User
from services.permissions import NotAllowed

from .conftest import copy_app_files, small_org, use_app_files
from .test_reviews import FILES

ROOT = Path(__file__).resolve().parents[1]
HR = User("hr", "HR", "hr_admin", ())
HEAD_SALES = User("head.sales", "Head Sales", "department_head", ("Sales",))
HEAD_RD = User("head.rd", "Head R&D", "department_head", ("R&D",))
LEADER = User("leader", "Leader", "hr_leadership", ())
JULY, DECEMBER = date(2026, 7, 15), date(2026, 12, 10)


@pytest.fixture(scope="module")
def _org(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("calibration_session")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TALENT_CONFIG", str(shutil.copyfile(ROOT / "config" / "talent.toml", folder / "talent.toml")))
        small_org(folder, mp, FILES)
    return folder


@pytest.fixture
def cur(_org: Path, tmp_path: Path, monkeypatch):
    copy_app_files(_org, tmp_path)
    use_app_files(tmp_path, monkeypatch)
    con = duckdb.connect(str(tmp_path / "talent.duckdb"), read_only=True)
    held = workspace.connect()  # keeps the workspace file open: each service's own connect is then cheap
    held.__enter__()
    yield con
    held.__exit__(None, None, None)
    con.close()


def written() -> tuple[int, int, int]:
    """Moves, snapshot rows and audit rows in the workspace."""
    with workspace.connect() as con:
        return con.sql("""SELECT (SELECT count(*) FROM grid_calibrations), (SELECT count(*) FROM calibration_snapshots),
                                 (SELECT count(*) FROM audit_log)""").fetchall()[0]


def at(hour: int, minute: int = 0, day: date = JULY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute)


def test_a_head_moves_only_their_own_people_and_only_in_a_session_with_their_department(cur) -> None:
    both = calibration.open_session(HR, "Mid-year talent review", ["Sales", "R&D"], JULY, cur=cur)
    rd_only = calibration.open_session(HR, "R&D review", ["R&D"], JULY, cur=cur)
    calibration.move(HEAD_SALES, both, "S1", ("medium", "medium"), "led the CRM rollout", cur=cur)
    calibration.move(HR, both, "R1", ("high", "high"), "strong 360", cur=cur)
    before = written()
    refusals = {
        "another department's person": (NotAllowed, lambda: calibration.move(HEAD_SALES, both, "R1", ("low", "low"), "x", cur=cur)),
        "a session without their department": (NotAllowed, lambda: calibration.move(HEAD_SALES, rd_only, "S1", ("high", "high"), "x", cur=cur)),
        "HR, a person outside the session": (NotAllowed, lambda: calibration.move(HR, rd_only, "S2", ("low", "low"), "x", cur=cur)),
        "leadership reads only": (NotAllowed, lambda: calibration.move(LEADER, both, "S1", ("high", "high"), "x", cur=cur)),
        "a head opening a session": (NotAllowed, lambda: calibration.open_session(HEAD_SALES, "Mine", ["Sales"], JULY, cur=cur)),
        "no reason": (ValueError, lambda: calibration.move(HEAD_SALES, both, "S1", ("high", "high"), "  ", cur=cur)),
        "the box they are in": (ValueError, lambda: calibration.move(HEAD_SALES, both, "S1", ("medium", "medium"), "again", cur=cur)),
        "no such box": (ValueError, lambda: calibration.move(HR, both, "S1", ("top", "high"), "x", cur=cur)),
        "a department that does not exist": (ValueError, lambda: calibration.open_session(HR, "Ghost", ["Legal"], JULY, cur=cur)),
    }
    for what, (error, attempt) in refusals.items():
        with pytest.raises(error):
            attempt()
            pytest.fail(f"{what}: not refused")
        assert written() == before, f"{what}: written although refused"
    assert calibration.sessions(("Sales",))["session_id"].to_list() == [both]
    assert calibration.sessions(("R&D",))["session_id"].to_list() == [rd_only, both]  # same day: the later opened first
    assert calibration.sessions(None).select("session_id", "name", "departments", "locked", "moves").rows() == [
        (rd_only, "R&D review", ["R&D"], False, 0), (both, "Mid-year talent review", ["R&D", "Sales"], False, 2)]


def test_locking_keeps_the_grid_exactly_and_nothing_changes_after(cur) -> None:
    session = calibration.open_session(HR, "Mid-year talent review", ["Sales", "R&D"], JULY, cur=cur, at=at(9))
    calibration.move(HEAD_SALES, session, "S2", ("medium", "medium"), "one strong quarter", cur=cur, at=at(10))
    calibration.move(HEAD_SALES, session, "S1", ("low", "high"), "missed the targets", cur=cur, at=at(10, 5))
    calibration.move(HR, session, "S1", ("high", "high"), "agreed with the other heads", cur=cur, at=at(10, 10))  # the last move counts
    calibration.move(HEAD_RD, session, "R2", ("low", "medium"), "back from a long leave", cur=cur, at=at(10, 15))
    live = calibration.session_grid(cur, None, session)
    assert calibration.lock_session(HR, session, cur=cur, at=at(17)) == 5
    with workspace.connect() as con:
        kept = con.sql("SELECT * EXCLUDE (session_id) FROM calibration_snapshots WHERE session_id = ? ORDER BY employee_id",
                       params=[session]).fetchall()
        locked = con.sql("SELECT locked_by, locked_at FROM calibration_sessions WHERE session_id = ?", params=[session]).fetchall()
    assert kept == [
        ("R1", "R&D", "medium", "medium", "medium", "medium", None, None),
        ("R2", "R&D", "low", "low", "low", "medium", "head.rd", "back from a long leave"),
        ("S1", "Sales", "medium", "high", "high", "high", "hr", "agreed with the other heads"),
        ("S2", "Sales", "high", "medium", "medium", "medium", "head.sales", "one strong quarter"),
        ("S3", "Sales", "high", "low", "high", "low", None, None),
    ]
    assert locked == [("hr", at(17))]
    # the locked session reads its snapshot: the same grid as just before the lock
    snapshot = calibration.session_grid(cur, None, session)
    assert snapshot.equals(live)
    assert snapshot.select("employee_id", "original_box", "box", "moved", "direction").sort("employee_id").rows() == [
        ("R1", "core_player", "core_player", False, "same"), ("R2", "talent_risk", "inconsistent_player", True, "up"),
        ("S1", "growth_talent", "future_leader", True, "up"), ("S2", "high_performer", "core_player", True, "down"),
        ("S3", "trusted_professional", "trusted_professional", False, "same")]
    assert calibration.session_grid(cur, ("Sales",), session)["employee_id"].sort().to_list() == ["S1", "S2", "S3"]

    before = written()
    with pytest.raises(NotAllowed, match="is locked"):
        calibration.move(HR, session, "S3", ("low", "low"), "after the meeting", cur=cur)
    with pytest.raises(NotAllowed, match="is locked"):
        calibration.move(HEAD_SALES, session, "S1", ("low", "low"), "after the meeting", cur=cur)
    with pytest.raises(ValueError, match="locked already"):
        calibration.lock_session(HR, session, cur=cur)
    with pytest.raises(NotAllowed):
        calibration.lock_session(HEAD_SALES, session, cur=cur)
    assert written() == before

    # the audit log says each action in words
    _, log = auth.users_and_audit_log(HR)
    assert log.filter(pl.col("action").str.contains("alibration")).select("username", "action", "target", "detail").rows()[:3] == [
        ("hr", "Calibration session locked", str(session), "5 people kept, 3 of them moved"),
        ("head.rd", "Moved in a calibration session", "R2", f"session {session}: from Talent risk to Inconsistent player; Reason: back from a long leave"),
        ("hr", "Moved in a calibration session", "S1", f"session {session}: from Rough diamond to Future leader; Reason: agreed with the other heads"),
    ]
    assert log.filter(pl.col("action") == "Calibration session opened")["detail"].to_list() == [
        "Mid-year talent review; meeting on 2026-07-15; departments: R&D, Sales"]


def test_leniency_and_the_comparison_with_the_previous_locked_session(cur) -> None:
    mid = calibration.open_session(HR, "Mid-year", ["Sales", "R&D"], JULY, cur=cur)
    calibration.move(HEAD_SALES, mid, "S1", ("high", "high"), "key account", cur=cur)      # medium/high -> high/high: up
    calibration.move(HEAD_SALES, mid, "S3", ("high", "medium"), "ready for more", cur=cur)  # high/low -> high/medium: up
    calibration.move(HR, mid, "S2", ("medium", "medium"), "no leadership yet", cur=cur)     # high/medium -> medium/medium: down
    calibration.move(HR, mid, "R1", ("high", "low"), "specialist path", cur=cur)            # medium/medium -> high/low: across
    calibration.lock_session(HR, mid, cur=cur)
    assert calibration.leniency(mid).rows() == [
        # decided_by, moves, up, down, across, people
        ("head.sales", 2, 2, 0, 0, 2),
        ("hr", 2, 0, 1, 1, 2),
    ]
    year_end = calibration.open_session(HR, "Year-end", ["Sales"], DECEMBER, cur=cur)
    calibration.move(HEAD_SALES, year_end, "S1", ("low", "low"), "lost the key account", cur=cur)  # medium/high -> low/low: down
    calibration.move(HEAD_SALES, year_end, "S1", ("medium", "medium"), "won it back", cur=cur)     # low/low -> medium/medium: up
    assert calibration.leniency(year_end).rows() == [("head.sales", 2, 1, 1, 0, 1)]
    # year-end now: S1 medium/medium (moved), S2 high/medium, S3 high/low (the data's boxes); mid-year kept:
    # S1 high/high, S2 medium/medium, S3 high/medium
    compared = calibration.compare_with_previous(cur, None, year_end)
    assert compared["previous"]["session_id"] == mid
    assert compared["people"].sort("employee_id").rows() == [
        ("S1", "Sam One", "Sales", "future_leader", "core_player", "down"),
        ("S2", "Sue Two", "Sales", "core_player", "high_performer", "up"),
        ("S3", "Sid Three", "Sales", "high_performer", "trusted_professional", "down"),
    ]
    assert compared["counts"] == {"up": 1, "down": 2, "across": 0, "same": 0, "new": 0}
    first = calibration.compare_with_previous(cur, None, mid)
    assert first["previous"] is None and first["people"].height == 0 and first["counts"] == {}
    assert calibration.compare_with_previous(cur, ("R&D",), year_end)["counts"] == {"up": 0, "down": 0, "across": 0, "same": 0, "new": 0}


def test_the_distribution_against_the_guide() -> None:
    from pipelines.settings import CALIBRATION_DEFAULTS

    assert calibration.guide() == {"future_leader": (0.10, 0.15), "talent_risk": (0.05, 0.10)}  # the shipped config: the defaults
    assert tomllib.loads((ROOT / "config" / "talent.toml").read_text(encoding="utf-8"))["calibration"] == CALIBRATION_DEFAULTS
    grid = pl.DataFrame({"box": ["future_leader"] * 4 + ["core_player"] * 15 + ["high_performer"]})
    assert calibration.distribution(grid, calibration.guide()).rows() == [
        ("future_leader", 4, 0.2, 0.10, 0.15, "over"),
        ("high_performer", 1, 0.05, None, None, None),
        ("trusted_professional", 0, 0.0, None, None, None),
        ("growth_talent", 0, 0.0, None, None, None),
        ("core_player", 15, 0.75, None, None, None),
        ("solid_contributor", 0, 0.0, None, None, None),
        ("rough_diamond", 0, 0.0, None, None, None),
        ("inconsistent_player", 0, 0.0, None, None, None),
        ("talent_risk", 0, 0.0, 0.05, 0.10, "under"),
    ]
    within = pl.DataFrame({"box": ["future_leader"] * 3 + ["talent_risk"] * 2 + ["core_player"] * 15})
    assert calibration.distribution(within, calibration.guide()).filter(pl.col("guide_min").is_not_null())["status"].to_list() == ["within", "within"]


def test_the_page_shows_the_session_to_a_head_who_moves_one_of_their_people(cur, fresh_streamlit_caches) -> None:
    """The one page test: the head sees their own people of the open session, moves one through the form (seen on the
    next run), and after HR locks it reads the kept grid with no form."""
    from streamlit.testing.v1 import AppTest

    from .test_app import signed_in

    auth.create_user("head.sales", "department_head", "a-long-password", ("Sales",))
    session = calibration.open_session(HR, "Mid-year talent review", ["Sales", "R&D"], JULY, cur=cur)
    at = signed_in("head.sales", "a-long-password").switch_page("pages/calibration.py").run()
    assert not at.exception, [e.message for e in at.exception]
    person = next(s for s in at.selectbox if s.label == "Person")
    assert person.options == [
        "Sam One · Sales · now: Growing talent", "Sue Two · Sales · now: High performer", "Sid Three · Sales · now: Trusted professional"]
    person.set_value("S2").run()
    next(s for s in at.selectbox if s.label == "Move to").set_value(("medium", "medium"))
    at.text_area[0].input("one strong quarter")
    next(b for b in at.button if b.label == "Move").click().run()
    assert not at.exception and not at.error, [e.message for e in at.exception] + [e.value for e in at.error]
    with workspace.connect() as con:
        assert con.sql("SELECT employee_id, to_performance, to_potential, decided_by, session_id FROM grid_calibrations").fetchall() == [
            ("S2", "medium", "medium", "head.sales", session)]
    assert at.dataframe[0].value["name"].to_list() == ["Sue Two"]  # the moves of the session, on the next run
    calibration.lock_session(HR, session, cur=cur)
    at.run()
    assert not at.exception and [s.label for s in at.selectbox] == ["Session"]  # no move form once locked
    assert any("Nothing can change it any more" in s.value for s in at.success)
