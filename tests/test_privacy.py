"""Small-group suppression holds across the filters a user can combine (issue 13, item 6), and a damaged
database file is reported in words, not served (item 12). Each test replays an attack that worked before."""
from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from services import auth, trends
from services.privacy import MIN_GROUP
from pipelines import db
from tests.conftest import small_org

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery"
EMPLOYEE_HEADER = "employee_id,name,department,position,job_level,hire_date,status,gender,birth_date\n"


def people(department: str, prefix: str, genders: dict[str, int], birth: str = "1990-01-01") -> str:
    rows, n = [], 0
    for gender, count in genders.items():
        for _ in range(count):
            n += 1
            rows.append(f"{prefix}{n:03d},{prefix} {n},{department},Clerk,3,2020-01-01,active,{gender},{birth}\n")
    return "".join(rows)


@pytest.fixture(autouse=True)
def fresh_caches(fresh_streamlit_caches):
    yield


def makeup(database: Path, ws: Path, scope, department) -> pl.DataFrame:
    con = db.connect_read_only(database)
    try:
        return trends.makeup(db.read_cursor(con), scope, department, workspace_file=str(ws))
    finally:
        con.close()


def test_all_my_departments_minus_one_never_reveals_a_hidden_group(tmp_path: Path, monkeypatch) -> None:
    # Sales: 10 women, 10 men. Ops: 3 women (hidden on the Ops view), 10 men.
    # Before: "all departments" showed 13 women and Sales 10, so Ops' hidden 3 was 13 - 10.
    database = small_org(tmp_path, monkeypatch, {"employees.csv": EMPLOYEE_HEADER + people("Sales", "S", {"female": 10, "male": 10})
                                                 + people("Ops", "O", {"female": 3, "male": 10})})
    ws = tmp_path / "workspace.duckdb"
    for scope in (None, ("Ops", "Sales")):  # HR (the whole company) and a head of both departments
        views = {d: makeup(database, ws, scope, d).filter(pl.col("group") == "everyone").select("dimension", "value", "people")
                 for d in (None, "Sales", "Ops")}
        ops = views["Ops"].filter(pl.col("dimension") == "gender")
        assert ops["people"].to_list() == [None, None]  # 3 hidden, and the 10 beside it, or 13 - 10 = 3
        for dimension, value in views[None].select("dimension", "value").rows():
            cell = {d: v.filter((pl.col("dimension") == dimension) & (pl.col("value") == value))["people"] for d, v in views.items()}
            hidden_somewhere = any(len(c) and c[0] is None for c in (cell["Sales"], cell["Ops"]))
            if hidden_somewhere:  # the total over both departments must not be there to subtract from
                assert cell[None][0] is None, (dimension, value)
            # whatever is shown is at least MIN_GROUP people
            assert all(c[0] is None or c[0] == 0 or c[0] >= MIN_GROUP for c in cell.values() if len(c))


def viewer_overview() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    at.text_input[0].input("viewer")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


@pytest.fixture
def tiny_departments(tmp_path: Path, monkeypatch) -> Path:
    # Sales 10 people, Ops 8, Legal 1 (rated A). Legal is under 5; alone it could be worked out from the total,
    # so Ops (the next smallest) is folded with it: the viewer sees Sales and "other departments" (9 people).
    employees = (EMPLOYEE_HEADER + people("Sales", "S", {"female": 5, "male": 5}) + people("Ops", "O", {"female": 4, "male": 4})
                 + people("Legal", "L", {"female": 1}))
    ratings = "employee_id,period,rating,score\nL001,2025,A,\n" + "".join(f"S{n:03d},2025,B,\n" for n in range(1, 11)) + "".join(
        f"O{n:03d},2025,C,\n" for n in range(1, 9))
    database = small_org(tmp_path, monkeypatch, {"employees.csv": employees, "performance_ratings.csv": ratings})
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("TALENT_ADMIN_PASSWORD", "first-admin-password")
    auth.create_user("viewer", "viewer", PASSWORD, ())
    return database


def test_the_viewer_never_sees_a_one_person_departments_ratings(tiny_departments: Path) -> None:
    at = viewer_overview()
    assert at.selectbox(key="department").options == ["All departments", "Sales"]
    table = at.dataframe[0].value
    assert "Legal" not in set(table["department"]) and "Ops" not in set(table["department"])
    assert sorted(table["active_employees"].tolist()) == [9, 10]  # Sales and the other departments together
    # Choosing Legal anyway (a crafted widget value) shows no figure of it.
    at.switch_page("pages/account.py").run()  # away from the overview (its widgets go), then back with the crafted value
    at.session_state["department"] = "Legal"  # as a crafted widget message would set it
    at.switch_page("pages/overview.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="department").value == "All departments"
    ratings = [c for c in at.get("plotly_chart")]
    assert all("Legal" not in c.proto.spec for c in ratings)
    from dashboard.access import ScopedData

    viewer = ScopedData(auth.load_user("viewer"))
    assert viewer.rating_distribution("Legal").height == 0 and viewer.headline("Legal") is None
    everyone = viewer.rating_distribution()
    assert everyone.filter(pl.col("rating") == "A")["employees"].to_list() == [1]  # totals stay exact
    # All departments minus Sales = Ops and Legal together: 9 people, never Legal alone.
    sales = viewer.rating_distribution("Sales")["employees"].sum()
    assert everyone["employees"].sum() - sales == 9


def cut_short(data: bytes) -> bytes:
    return data[: len(data) // 3]  # as a full disk or an interrupted copy leaves it


def corrupt_blocks(data: bytes) -> bytes:
    damaged = bytearray(data)  # the full length, but every data block overwritten in part: only a read notices
    for offset in range(3 * 4096, len(damaged), 262144):
        damaged[offset + 100:offset + 4000] = bytes(3900)
    return bytes(damaged)


@pytest.mark.parametrize("damage", [cut_short, corrupt_blocks])
def test_a_damaged_database_file_is_reported_in_words(loaded_db: Path, tmp_path: Path, monkeypatch, damage) -> None:
    damaged = tmp_path / "damaged.duckdb"
    broken = damage(loaded_db.read_bytes())
    damaged.write_bytes(broken)
    monkeypatch.setenv("TALENT_DB", str(damaged))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("TALENT_ADMIN_PASSWORD", "first-admin-password")
    monkeypatch.chdir(ROOT)
    for lang, words in (("en", "damaged"), ("zh-CN", "损坏")):
        st.cache_data.clear()
        st.cache_resource.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.session_state["lang"] = lang
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        message = re.sub(r"\\(.)", r"\1", at.error[0].value)  # as the reader sees it: the path is escaped for Markdown
        assert len(at.error) == 1 and words in message and str(damaged) in message, message
        assert "backup" in message or "备份" in message
        assert not at.text_input  # no sign-in form, no pages over a damaged file
    assert damaged.read_bytes() == broken  # the file is left as it is, for whoever restores it
