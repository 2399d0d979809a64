"""Issue 15, items 1, 9, 13 and the profile's and 9-box's words: readiness is its own action, the 9-box names its
boxes and people, the profile finds anyone in scope; services tested directly, one AppTest walk per page."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import polars as pl
import pytest

from services import nominations, people, pool, workspace
from services.auth import load_user
from services.i18n import t
from tests.conftest import rows
from tests.test_app import demo_db, env, fresh_caches, shown, signed_in  # noqa: F401  (fixtures shared with test_app)


def sales_people(db: Path, n: int = 2) -> list[tuple[str, str]]:
    return rows(db, "SELECT employee_id, name FROM analysis_employee WHERE department = 'Sales' AND status = 'active' ORDER BY pool_score DESC LIMIT ?", [n])


def audit_actions() -> list[tuple]:
    with workspace.connect() as con:
        return con.sql("SELECT username, action, target FROM audit_log WHERE action LIKE 'pool_%' ORDER BY audit_id").fetchall()


# --- 1: readiness changes on its own, the membership goes on ----------------------------------------------
def test_readiness_changes_without_an_exit_and_is_kept_in_the_history(env: Path) -> None:
    head = load_user("head")
    (member, _), (outsider, _) = sales_people(env)
    nominations.record(head, member, None, "nominate", "A twice in a row", "ready_3_plus_years", "Sales Manager")
    nominations.change_readiness(head, member, None, "ready_now", "led the CRM rollout")
    nominations.change_readiness(head, member, None, "ready_1_2_years", "one more year with the team", "Regional Sales Manager")

    today = pool.current_members(None).filter(pl.col("employee_id") == member)
    assert today.select("readiness", "target_position").rows() == [("ready_1_2_years", "Regional Sales Manager")]
    with duckdb.connect(str(env), read_only=True) as cur:
        stints = pool.memberships(cur).filter(pl.col("employee_id") == member)
    assert stints.height == 1 and stints["ended"][0] is None and stints["exit_reason"][0] is None  # one stint, no false exit
    history = nominations.history(member)
    assert history["change"].to_list() == ["readiness_changed", "readiness_changed", "nominate"]
    assert history["target_position"].to_list() == ["Regional Sales Manager", "Sales Manager", "Sales Manager"]  # kept unless given
    assert audit_actions() == [("head", "pool_nominate", member), ("head", "pool_readiness_changed", member),
                               ("head", "pool_readiness_changed", member)]

    with pytest.raises(ValueError, match="readiness unchanged"):
        nominations.change_readiness(head, member, None, "ready_1_2_years", "again")
    with pytest.raises(ValueError, match="not in the talent pool"):
        nominations.change_readiness(head, outsider, None, "ready_now", "never nominated")
    with pytest.raises(ValueError, match="say why they leave"):  # no default exit reason that would count a false exit
        nominations.record(head, member, None, "remove", "moving on")
    assert len(audit_actions()) == 3
    nominations.record(head, member, None, "remove", "moving to a specialist track", exit_reason="withdrew")
    with duckdb.connect(str(env), read_only=True) as cur:
        ended = pool.memberships(cur).filter(pl.col("employee_id") == member).row(0, named=True)
    assert ended["ended"] is not None and ended["exit_reason"] == "withdrew"
    assert nominations.history(member)["change"][0] == "remove"


# --- 13: search by name or id, within scope --------------------------------------------------------------
def test_search_finds_by_part_of_a_name_or_the_start_of_an_id_within_scope(env: Path) -> None:
    (employee, name), _ = sales_people(env)
    other_id, other_name = rows(env, "SELECT employee_id, name FROM analysis_employee WHERE department <> 'Sales' ORDER BY employee_id LIMIT 1")[0]
    with duckdb.connect(str(env), read_only=True) as cur:
        by_name = people.search(cur, ("Sales",), name[1:].upper())
        assert employee in by_name["employee_id"].to_list() and set(by_name["department"]) == {"Sales"}
        assert people.search(cur, ("Sales",), employee.lower())["employee_id"][0] == employee  # the exact id first
        assert people.search(cur, ("Sales",), other_id).height == 0 and people.search(cur, ("Sales",), other_name).height == 0
        assert people.search(cur, None, other_id)["employee_id"][0] == other_id
        assert people.search(cur, None, "%").height == 0 and people.search(cur, None, "   ").height == 0  # wildcards are plain text
        assert people.search(cur, None, name[:1]).height <= people.SEARCH_ROWS


# --- 9: every box named, its people named, coloured by meaning -------------------------------------------
def test_nine_box_cells_name_each_box_and_its_strongest_people() -> None:
    grid = pl.DataFrame({"performance": ["high", "high", "high", "high", "low"], "potential": ["high"] * 4 + ["low"],
                         "name": ["Ann", "Bo", "Cy", "Di", "Ed"], "potential_value": [50.0, 90.0, 70.0, None, 10.0]})
    cells = people.nine_box_cells(grid, names=3)
    assert cells.height == 9 and cells["people"].sum() == 5
    top = cells.filter(pl.col("box") == "future_leader").row(0, named=True)
    assert (top["performance"], top["potential"], top["people"], top["names"], top["meaning"]) == ("high", "high", 4, ["Bo", "Cy", "Ann"], 0)
    assert cells.filter(pl.col("box") == "talent_risk").select("people", "meaning").row(0) == (1, 3)
    assert cells.filter(pl.col("box") == "core_player").select("people", "names").row(0) == (0, [])
    assert sorted(people.BOXES.values()) == sorted(people.BOX_MEANING)
    for lang in ("en", "zh-CN"):
        assert all(t(f"nine_box.{b}", lang=lang) != f"nine_box.{b}" for b in people.BOXES.values())


# --- the pages: one walk each --------------------------------------------------------------------------------
def test_profile_search_then_readiness_change_with_a_toast_and_words(env: Path) -> None:
    (member, name), _ = sales_people(env)
    head = load_user("head")
    nominations.record(head, member, None, "nominate", "A twice in a row", "ready_3_plus_years")
    at = signed_in("head")
    at.query_params.clear()
    at = at.switch_page("pages/profile.py").run()
    assert not at.exception, [e.message for e in at.exception]
    at.text_input(key="profile_search").input(name.split()[0] if " " in name else name[:3]).run()
    pick = next(s for s in at.selectbox if s.key and s.key.startswith("profile_pick."))
    assert member in pick.options or any(member in o for o in pick.options)
    pick.set_value(member).run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.query_params["employee"] == [member] or at.query_params["employee"] == member
    assert shown(at.header[0].value).startswith(name)
    assert f"In the talent pool · {t('readiness.ready_3_plus_years', lang='en')}" in [m.value for m in at.markdown]
    # a member is offered a readiness change and a removal whose reason must be chosen
    assert [b.label for b in at.button if b.label in ("Save the new readiness", "Remove from the pool", "Nominate into the pool")] == \
        ["Save the new readiness", "Remove from the pool"]
    exit_box = next(s for s in at.selectbox if s.label == "Why they leave the pool")
    assert exit_box.value is None
    at.selectbox(key="new_readiness.en").set_value("ready_now")
    at.text_area(key="readiness_reason").input("Led the CRM rollout.")
    at.button(key="FormSubmitter:readiness_change-Save the new readiness").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert [x.value for x in at.toast] == [f"{name}'s readiness is now: Ready now."]
    assert "In the talent pool · Ready now" in [m.value for m in at.markdown]
    history = next(d.value for d in at.dataframe if "change" in d.value.columns)
    assert list(history["change"]) == ["Readiness changed", "Nominated"]
    assert list(history["readiness"]) == ["Ready now", "Ready in 3+ years"]
    assert [a for _, a, _ in audit_actions()] == ["pool_nominate", "pool_readiness_changed"]
    # the records speak words, not codes (the demo has 360° responses for everyone)
    feedback = next(d.value for d in at.dataframe if "rater_relation" in d.value.columns)
    assert not set(feedback["rater_relation"]) & {"direct_report", "peer", "manager", "self"}
    assert not {c for c in feedback["competency"] if "_" in c}


def test_nine_box_names_boxes_and_people_and_confirms_a_move(env: Path) -> None:
    at = signed_in("head")
    at.query_params.clear()
    at = at.switch_page("pages/talent_grid.py").run()
    assert not at.exception, [e.message for e in at.exception]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    heatmap = spec["data"][0]
    boxes = {cell[0] for row in heatmap["customdata"] for cell in row}
    assert boxes == {t(f"nine_box.{b}", lang="en") for b in people.BOXES.values()}
    # colour follows the meaning: the same z for future leader whatever the counts, red for the talent risk box
    assert heatmap["z"][2][2] == 0 and heatmap["z"][0][0] == 3
    head_grid = __import__("dashboard.access", fromlist=["ScopedData"]).ScopedData(load_user("head")).nine_box()
    top = head_grid.filter((pl.col("performance") == "high") & (pl.col("potential") == "high")).sort(
        ["potential_value", "name"], descending=[True, False]).head(2)["name"].to_list()
    from dashboard.plain import html
    labels = [a["text"] for a in spec["layout"]["annotations"]]
    leaders = next(x for x in labels if x.startswith("<b>Future leader</b>"))
    assert leaders.split("<br>")[2] == ", ".join(html(n) for n in top)
    # the form starts at the chosen person's box; a move is confirmed by a toast
    cell = at.selectbox[1]
    assert cell.value == ("high", "high")
    who = next(s for s in at.selectbox if s.key and s.key.startswith("grid_who."))
    assert at.selectbox(key=f"grid_target.{who.value}").value == ("high", "high")
    at.selectbox(key=f"grid_target.{who.value}").set_value(("medium", "high"))
    at.text_area[0].input("Calibration meeting: one more year before the step up.")
    at.button(key="FormSubmitter:calibrate-Move").click().run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.toast) == 1 and "moved to Growing talent" in at.toast[0].value
    at.run()
    assert not at.toast  # shown once
    raters = at.dataframe[-1].value
    assert list(raters.columns) == ["decided_by", "department", "moves", "people"] and len(raters) == 1
