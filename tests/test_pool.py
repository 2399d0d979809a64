"""One pool, one department: the overview, the trends, the explorer, a review cycle and its export count the
same members (services.pool), and a person is in their department of the latest import everywhere."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl

from pipelines import db as dbmod
from pipelines.ingest import ingest
from services import auth, export, nominations, plans, pool, queries, reviews, trends
from services.people import CandidateFilters, candidates, profile

from .conftest import TODAY, rows
from .test_app import PASSWORD, demo_db, env, fresh_caches, seeded  # noqa: F401  (fixtures shared with test_app)


def cursor(db: Path):
    return dbmod.read_cursor(dbmod.connect_read_only(db))


def trends_members(cur, scope, department=None) -> int:
    """Today's members on the trends page: the coverage chart's total and the last month of pool size over time."""
    total = trends.coverage(cur, scope, department).filter(pl.col("department").is_null())["pool_members"][0]
    assert trends.pool_over_time(cur, scope, department, 12, "month")["members"][-1] == total
    return total


def reimport(db: Path, folder: Path, employee_id: str, **changes) -> None:
    """The next import, as HR's nightly job: the person's employees row with `changes` (re-imports replace rows by key)."""
    columns = ["employee_id", "name", "department", "position", "job_level", "hire_date", "status", "exit_date", "exit_reason"]
    row = dict(zip(columns, rows(db, f"SELECT {', '.join(columns)} FROM employees WHERE employee_id = ?", [employee_id])[0]))
    row.update(changes)
    folder.mkdir()
    frame = pl.DataFrame({c: [None if row[c] is None else str(row[c])] for c in columns}, schema={c: pl.String for c in columns})
    frame.write_csv(folder / "employees.csv")
    ingest([folder], db, today=TODAY, run_by="hr")


def member_in(cur, department: str) -> str:
    """A current member (seeded in the demo's first wave, long ago) who works in `department` and is below management."""
    members = pool.current_members(cur, (department,))
    below = rows_of(cur, "SELECT employee_id FROM analysis_employee WHERE status = 'active' AND job_level < 7")
    return members.filter(pl.col("employee_id").is_in(below))["employee_id"][0]


def rows_of(cur, sql: str) -> list:
    return [r[0] for r in cur.sql(sql).fetchall()]


def test_the_overview_trends_explorer_a_new_cycle_and_its_export_count_the_same_pool(seeded: Path) -> None:
    cur = cursor(seeded)
    headline = queries.headline(cur, None)
    members = headline["pool_members"]
    assert members > 0 and members != headline["pool_eligible"]  # meeting the rules is a different figure, shown apart
    assert trends_members(cur, None) == members
    assert len(nominations.current(None)) == members
    hr = auth.load_user("hr")
    cycle = reviews.open_cycle(hr, cur, 2027, "mid_year")
    assert reviews.list_cycles().filter(pl.col("cycle_id") == cycle)["members"][0] == members
    reviews.close_cycle(hr, cur, cycle)
    assert export.build_export(seeded, cycle).people.height == members
    # and within one department, as a department head sees it
    sales = queries.headline(cur, ("Sales",))["pool_members"]
    assert 0 < sales < members
    assert trends_members(cur, ("Sales",)) == len(nominations.current(("Sales",))) == sales
    assert trends_members(cur, None, "Sales") == sales


def test_a_person_who_moves_department_is_in_the_new_one_everywhere(seeded: Path, tmp_path: Path) -> None:
    cur = cursor(seeded)
    employee = member_in(cur, "Sales")
    sales_before, rd_before = (queries.headline(cur, (d,))["pool_members"] for d in ("Sales", "R&D"))
    auth.create_user("head.rd", "department_head", PASSWORD, ("R&D",))
    reimport(seeded, tmp_path / "next", employee, department="R&D")  # the next import puts them in R&D
    cur = cursor(seeded)

    # the R&D head: nominated in the explorer, counted in R&D's pool on the overview and the trends
    nominated = nominations.current(("R&D",))
    assert employee in nominated and employee not in nominations.current(("Sales",))
    found, _ = candidates(cur, ("R&D",), CandidateFilters(pool_status="nominated"), tuple(nominated.items()))
    assert employee in found["employee_id"].to_list()
    assert queries.headline(cur, ("R&D",))["pool_members"] == trends_members(cur, ("R&D",)) == rd_before + 1
    assert queries.headline(cur, ("Sales",))["pool_members"] == trends_members(cur, ("Sales",)) == sales_before - 1
    assert pool.current_members(cur, None).filter(pl.col("employee_id") == employee)["department"].to_list() == ["R&D"]
    # the next cycle: reviewed in R&D by the R&D head
    cycle = reviews.open_cycle(auth.load_user("hr"), cur, 2027, "mid_year")
    assert reviews.cycle_people(cur, ("R&D",), cycle).filter(pl.col("employee_id") == employee)["reviewer"].to_list() == ["head.rd"]
    assert employee not in reviews.cycle_people(cur, ("Sales",), cycle)["employee_id"].to_list()
    # the Sales head no longer sees them: not their profile (so no nomination history), plan or reviews
    assert profile(cur, ("Sales",), employee) is None and profile(cur, ("R&D",), employee) is not None
    assert plans.items(("Sales",), [employee]).height == 0 and plans.items(("R&D",), [employee]).height > 0
    assert reviews.person_results(("Sales",), employee).height == 0 and reviews.person_results(("R&D",), employee).height > 0


def test_a_member_who_left_the_company_is_not_counted_anywhere(seeded: Path, tmp_path: Path) -> None:
    cur = cursor(seeded)
    employee = member_in(cur, "Sales")
    before = queries.headline(cur, None)["pool_members"]
    # the import says they left; nobody removed them from the pool (the nominations' latest row is still 'nominate')
    reimport(seeded, tmp_path / "next", employee, status="left", exit_date="2026-11-20", exit_reason="found another job")
    assert rows(seeded, "SELECT status FROM analysis_employee WHERE employee_id = ?", [employee]) == [("left",)]
    cur = cursor(seeded)

    assert queries.headline(cur, None)["pool_members"] == before - 1
    assert trends_members(cur, None) == before - 1
    assert employee not in nominations.current(None) and employee not in nominations.current(("Sales",))
    cycle = reviews.open_cycle(auth.load_user("hr"), cur, 2027, "mid_year")
    assert employee not in reviews.cycle_people(cur, None, cycle)["employee_id"].to_list()
    assert reviews.list_cycles().filter(pl.col("cycle_id") == cycle)["members"][0] == before - 1
    # their membership ended on the exit date, for the company-exit reason
    stint = pool.memberships(cur, None).filter(pl.col("employee_id") == employee).tail(1)
    assert stint.select("ended", "exit_reason").row(0) == (date(2026, 11, 20), "left_company")
    # a member on a date before they left
    assert employee in pool.current_members(cur, None, as_of=date(2026, 11, 19))["employee_id"].to_list()


def test_left_without_an_exit_date_ends_the_membership_at_the_import(seeded: Path, tmp_path: Path) -> None:
    cur = cursor(seeded)
    employee = member_in(cur, "Sales")
    reimport(seeded, tmp_path / "next", employee, status="left", exit_date=None)
    cur = cursor(seeded)
    assert employee not in nominations.current(None)
    as_of = cur.sql("SELECT as_of_date FROM analysis_meta").fetchall()[0][0]
    assert pool.memberships(cur, None).filter(pl.col("employee_id") == employee)["ended"][-1] == as_of
