"""Succession per key seat (#16 part 1): bench flags on a hand-worked case, department scope for reads and writes,
the history kept (who, when, why), a leaver dropping out, and the audit rows in words. Service-level, on a copy of
the session's demo (tests/conftest.py demo_with_accounts) with a few pool members nominated through the pool service."""
from __future__ import annotations

import contextlib
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines import db
from services import audit, auth, i18n, nominations, succession, workspace
from services.permissions import NotAllowed

from .conftest import copy_app_files, rows, use_app_files

HEAD_RD = auth.User("head.rd", "head.rd", "department_head", ("R&D",))


@pytest.fixture(scope="module")
def _prepared(demo_with_accounts: Path, tmp_path_factory) -> tuple[Path, dict]:
    """The demo with accounts, four pool members (three in Sales, one in R&D) nominated by HR; never written after."""
    folder = tmp_path_factory.mktemp("succession")
    copy_app_files(demo_with_accounts, folder)
    below = "SELECT employee_id FROM analysis_employee WHERE status = 'active' AND management_tier = 'below_management' AND department = ? ORDER BY employee_id LIMIT ?"
    seats = "SELECT employee_id FROM management_seat WHERE is_seat AND status = 'active' AND department = ? ORDER BY employee_id LIMIT ?"
    db_file = folder / "talent.duckdb"
    people = {"sales": [r[0] for r in rows(db_file, below, ["Sales", 3])], "rd": [r[0] for r in rows(db_file, below, ["R&D", 1])],
              "sales_seats": [r[0] for r in rows(db_file, seats, ["Sales", 3])], "rd_seats": [r[0] for r in rows(db_file, seats, ["R&D", 1])]}
    with pytest.MonkeyPatch.context() as mp:
        use_app_files(folder, mp)
        held = duckdb.connect(str(folder / "workspace.duckdb"))  # keeps the file's instance: cheap connects (as test_write_path)
        hr = auth.load_user("hr")
        for employee_id in people["sales"] + people["rd"]:
            nominations.record(hr, employee_id, None, "nominate", "meets the pool rules", "ready_now")
        held.close()
    return folder, people


@pytest.fixture
def org(_prepared, tmp_path: Path, monkeypatch):
    folder, people = _prepared
    copy_app_files(folder, tmp_path)
    use_app_files(tmp_path, monkeypatch)
    # Held open for the test so DuckDB keeps the file's instance: each service's own connect is then cheap (as test_write_path).
    held = duckdb.connect(str(tmp_path / "workspace.duckdb"))
    yield {**people, "db": tmp_path / "talent.duckdb", "hr": auth.load_user("hr"), "head": auth.load_user("head"),
            "leader": auth.load_user("leader")}
    held.close()


@contextlib.contextmanager
def cursor(db_file: Path):
    con = db.connect_read_only(db_file)
    try:
        yield db.read_cursor(con)
    finally:
        con.close()


def counts() -> tuple[int, int, int]:
    with workspace.connect() as con:
        return con.sql("SELECT (SELECT count(*) FROM key_seats), (SELECT count(*) FROM seat_successors), (SELECT count(*) FROM audit_log)").fetchall()[0]


def test_bench_flags_on_a_hand_worked_case(org: dict) -> None:
    hr, head = org["hr"], org["head"]
    s1, s2, s3 = org["sales"]
    a, b, c = (succession.mark_key_seat(hr, h, impact, "key") for h, impact in zip(org["sales_seats"], ("high", "medium", "low")))
    d = succession.mark_key_seat(hr, org["rd_seats"][0], "high", "key")
    succession.name_successor(head, a, s1, "ready_now", None, "deputy")
    succession.name_successor(head, a, s2, "1_2_years", None, "next")
    succession.name_successor(head, b, s1, "ready_now", None, "also here")  # s1: the only successor of b, named for a too
    succession.name_successor(hr, c, s3, "3_plus_years", None, "long path")
    with duckdb.connect(str(org["db"])) as con:  # the flight-risk model's output for a's holder (its band is the model's)
        con.execute("INSERT INTO flight_risk_scores (employee_id, model_version, as_of, probability, risk_band, factors) VALUES (?, 'v1', DATE '2026-11-30', 0.62, 'high', '[]')", [org["sales_seats"][0]])
    with cursor(org["db"]) as cur:
        seats = succession.seats(cur, None)
        rollup = succession.bench_by_department(cur, None)
    assert seats.sort("seat_id").select("seat_id", "impact", "held", "risk_band", "successors", "ready_now", "no_ready_now", "single_shared",
                                        "high_risk_high_impact", "bench").rows() == [
        (a, "high", True, "high", 2, 1, False, False, True, "fragile"),  # covered, but a high-risk holder of a high-impact seat
        (b, "medium", True, None, 1, 1, False, True, False, "fragile"),  # its only successor is counted on for a as well
        (c, "low", True, None, 1, 0, True, False, False, "not_ready"),
        (d, "high", True, None, 0, 0, True, False, False, "empty"),
    ]
    assert rollup.rows() == [("R&D", 1, 0, 1, 0, 0, 0, 0, 0), ("Sales", 3, 0, 1, 1, 1, 0, 4, 2)]
    with cursor(org["db"]) as cur:
        line = succession.successors(cur, None, a)
        chart = succession.org_chart(cur, None, "Sales")
    assert line.select("position_in_line", "employee_id", "readiness", "seats_named", "reason").rows() == [
        (1, s1, "ready_now", 2, "deputy"), (2, s2, "1_2_years", 1, "next")]
    # the reporting line: the three holders under the managers above them in Sales, each coloured by its bench
    keyed = chart.filter(pl.col("seat_id").is_not_null()).sort("seat_id")
    assert keyed.select("employee_id", "bench").rows() == [(h, bench) for h, bench in zip(org["sales_seats"], ("fragile", "fragile", "not_ready"))]
    assert chart.filter(pl.col("parent_id").is_null()).height >= 1 and set(chart["parent_id"].drop_nulls()) <= set(chart["employee_id"])


def test_a_head_sees_and_changes_only_their_departments_seats(org: dict) -> None:
    hr, head = org["hr"], org["head"]
    sales_seat = succession.mark_key_seat(hr, org["sales_seats"][0], "high", "key")
    rd_seat = succession.mark_key_seat(hr, org["rd_seats"][0], "high", "key")
    succession.name_successor(hr, rd_seat, org["rd"][0], "ready_now", None, "HR names R&D's")
    before = counts()
    refusals = {
        "name for another department's seat": lambda: succession.name_successor(head, rd_seat, org["sales"][0], "ready_now", None, "x"),
        "name someone of another department": lambda: succession.name_successor(head, sales_seat, org["rd"][0], "ready_now", None, "x"),
        "remove from another department's seat": lambda: succession.remove_successor(head, rd_seat, org["rd"][0], "x"),
        "mark a seat": lambda: succession.mark_key_seat(head, org["sales_seats"][1], "high", "x"),
        "set the impact": lambda: succession.set_impact(head, sales_seat, "low", "x"),
        "unmark": lambda: succession.unmark_key_seat(head, sales_seat, "x"),
        "name as HR leadership": lambda: succession.name_successor(org["leader"], sales_seat, org["sales"][0], "ready_now", None, "x"),
        "name as R&D's head for Sales": lambda: succession.name_successor(HEAD_RD, sales_seat, org["rd"][0], "ready_now", None, "x"),
    }
    messages = {}
    for what, attempt in refusals.items():
        with pytest.raises(NotAllowed) as refused:
            attempt()
        messages[what] = str(refused.value)
        assert counts() == before, f"{what}: written although refused"
    assert messages["name for another department's seat"] == (
        "This seat is in R&D, which is not one of your departments: only HR or the head of R&D can change its successors.")
    assert messages["name someone of another department"] == (
        "This person works in R&D, which is not one of your departments: you can name successors only from your own departments' pool.")
    assert messages["mark a seat"] == "Only HR marks key seats and sets their impact: ask an HR admin."
    with cursor(org["db"]) as cur:
        assert succession.seats(cur, head.scope)["seat_id"].to_list() == [sales_seat]
        assert succession.successors(cur, head.scope, rd_seat).height == 0
        assert succession.history(cur, head.scope, rd_seat).height == 0
        assert succession.org_chart(cur, head.scope, "R&D").height == 0
        assert set(succession.candidate_seats(cur, head.scope)["department"]) == {"Sales"}
        assert set(succession.pool_choices(cur, head.scope)["employee_id"]) == set(org["sales"])
    succession.name_successor(head, sales_seat, org["sales"][0], "ready_now", None, "head names from their own pool")
    assert counts()[1] == before[1] + 1


def test_changes_are_kept_with_who_when_and_why_and_audited(org: dict) -> None:
    hr, head = org["hr"], org["head"]
    s1, s2, s3 = org["sales"]
    seat = succession.mark_key_seat(hr, org["sales_seats"][0], "medium", "largest team")
    succession.set_impact(hr, seat, "high", "owns the key accounts")
    succession.name_successor(head, seat, s1, "1_2_years", None, "deputy")
    succession.name_successor(head, seat, s2, "ready_now", None, "ran the region")
    succession.name_successor(head, seat, s2, "ready_now", 1, "first in line now")  # a move: s1 goes down to 2
    succession.name_successor(head, seat, s3, "3_plus_years", 2, "promising")  # inserted at 2: s1 goes down to 3
    succession.remove_successor(hr, seat, s1, "moved to a specialist path")  # the rest close up
    with pytest.raises(ValueError, match="Nothing to change"):
        succession.name_successor(head, seat, s2, "ready_now", 1, "again")
    with pytest.raises(ValueError, match="Say why"):
        succession.name_successor(head, seat, s3, "ready_now", 1, "  ")
    with cursor(org["db"]) as cur:
        line = succession.successors(cur, None, seat)
        history = succession.history(cur, None, seat)
    assert line.select("position_in_line", "employee_id", "readiness", "rank").rows() == [(1, s2, "ready_now", 1), (2, s3, "3_plus_years", 2)]
    assert history.select("decided_by", "change", "employee_id", "readiness", "rank", "reason").reverse().rows() == [
        ("head", "name", s1, "1_2_years", 1, "deputy"),
        ("head", "name", s2, "ready_now", 2, "ran the region"),
        ("head", "name", s2, "ready_now", 1, "first in line now"),
        ("head", "name", s1, "1_2_years", 2, "first in line now"),
        ("head", "name", s3, "3_plus_years", 2, "promising"),
        ("head", "name", s1, "1_2_years", 3, "promising"),
        ("hr", "remove", s1, None, None, "moved to a specialist path"),
    ]
    assert history["decided_at"].is_sorted(descending=True) and history["decided_at"].null_count() == 0
    with workspace.connect() as con:
        log = con.sql("""SELECT username, action, target, detail FROM audit_log
                         WHERE action LIKE 'key_seat%' OR action LIKE 'successor%' ORDER BY audit_id""").pl()
    holder = org["sales_seats"][0]
    target = f"seat {seat}"
    assert log.rows() == [
        ("hr", "key_seat_marked", target, f"holder={holder}; department=Sales; position=Sales Manager; impact=medium; reason=largest team"),
        ("hr", "key_seat_impact_set", target, "impact medium -> high; reason=owns the key accounts"),
        ("head", "successor_named", target, f"employee={s1}; readiness=1_2_years; rank=1; reason=deputy"),
        ("head", "successor_named", target, f"employee={s2}; readiness=ready_now; rank=2; reason=ran the region"),
        ("head", "successor_named", target, f"employee={s2}; readiness=ready_now; rank=1; reason=first in line now"),
        ("head", "successor_named", target, f"employee={s3}; readiness=3_plus_years; rank=2; reason=promising"),
        ("hr", "successor_removed", target, f"employee={s1}; reason=moved to a specialist path"),
    ]
    said = audit.in_words(log.with_columns(pl.lit(None).alias("logged_at")).head(3).tail(2))
    assert said.select("action", "target", "detail").rows() == [
        ("Key seat's impact of loss set", f"Key seat {seat}", "Impact of loss: Medium → High; Reason: owns the key accounts"),
        ("Successor named or moved", f"Key seat {seat}", f"Successor: {s1}; Readiness: Ready in 1–2 years; Place 1; Reason: deputy"),
    ]
    original = i18n.language_source
    i18n.language_source = lambda: "zh-CN"
    try:
        assert audit.in_words(log.head(3).tail(1))["detail"].to_list() == [f"继任者：{s1}；准备度：1–2 年内可任；第 1 顺位；理由：deputy"]
    finally:
        i18n.language_source = original


def test_a_leaver_drops_out_and_a_holder_who_left_leaves_the_seat_vacant(org: dict) -> None:
    hr, head = org["hr"], org["head"]
    s1, s2, _ = org["sales"]
    seat = succession.mark_key_seat(hr, org["sales_seats"][0], "high", "key")
    succession.name_successor(head, seat, s1, "ready_now", None, "deputy")
    succession.name_successor(head, seat, s2, "1_2_years", None, "next")
    with duckdb.connect(str(org["db"])) as con:  # the next import says s1 and the holder left yesterday
        con.execute("""UPDATE analysis_employee SET status = 'left', exit_date = (SELECT max(as_of_date) FROM analysis_meta) - 1
                       WHERE employee_id IN (?, ?)""", [s1, org["sales_seats"][0]])
    with cursor(org["db"]) as cur:
        line = succession.successors(cur, None, seat)
        [row] = succession.seats(cur, None).rows(named=True)
        choices = succession.pool_choices(cur, None)
    assert line.select("position_in_line", "employee_id").rows() == [(1, s2)]
    assert (row["held"], row["vacancy"], row["successors"], row["ready_now"], row["bench"]) == (False, "left_company", 1, 0, "not_ready")
    assert s1 not in choices["employee_id"].to_list()
    with pytest.raises(ValueError, match="not in the talent pool"):
        succession.name_successor(head, seat, s1, "ready_now", 1, "back?")


def test_a_seat_from_an_export_without_positions_is_marked_once_and_read_in_words(tmp_path: Path, monkeypatch) -> None:
    """An export with no position column (a promotion list, a bare roster): the seat is its holder and department."""
    from .conftest import small_org

    small_org(tmp_path, monkeypatch, {"employees.csv": "employee_id,name,department,job_level,manager_id,hire_date,status\n"
                                                       "H1,Hana Head,Sales,9,,2010-01-01,active\n"
                                                       "M1,Mia Lead,Sales,7,H1,2015-01-01,active\n"
                                                       "S1,Sam One,Sales,4,M1,2018-01-01,active\n"})
    with cursor(tmp_path / "talent.duckdb") as cur:
        assert succession.candidate_seats(cur, None).select("employee_id", "position").rows() == [("M1", None)]
        seat = succession.mark_key_seat(auth.SYSTEM, "M1", "high", "runs every key account")
        with pytest.raises(ValueError):  # the same seat twice, NULL position or not
            succession.mark_key_seat(auth.SYSTEM, "M1", "high", "again")
        assert succession.candidate_seats(cur, None).height == 0
        assert succession.seats(cur, None).select("seat_id", "position", "held", "bench").rows() == [(seat, None, True, "empty")]
