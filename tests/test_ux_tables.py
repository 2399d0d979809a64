"""Issue #15, items 2, 5, 6, 7 and 8: one headline score ranks the explorer; the model page names no winner on too few
cases; tables fit the page (a column picker for the rest); the side-by-side view, the plans' completion and the audit log
read in words. Services are tested directly on a real demo database; one AppTest walk per page family."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from services import model
from services.people import CandidateFilters, candidates, filter_choices
from tests.conftest import rows
from tests.test_app import PASSWORD, fresh_caches, env, seeded, signed_in  # noqa: F401  (fixtures; demo_db is conftest's)

CARD = Path(__file__).parent / "data" / "model_card_few_cases.json"  # a real card: the 2,000-employee model demo's training


def _scores(db: Path, people: dict[str, float]) -> None:
    """The model's scores as models/scoring.py writes them (one model, a few people scored)."""
    con = duckdb.connect(str(db))
    try:
        con.execute("DELETE FROM model_scores")
        con.executemany("INSERT INTO model_scores (employee_id, model_version, as_of, probability, score, score_percentile, factors) "
                        "VALUES (?, 'v1', DATE '2026-11-26', ?, ?, 0.5, '[]')", [[e, s / 100, s] for e, s in people.items()])
    finally:
        con.close()


def test_the_list_is_ranked_by_one_headline_score_and_the_score_filters_read_it(demo_db: Path, tmp_path: Path) -> None:
    db = tmp_path / "talent.duckdb"
    shutil.copyfile(demo_db, db)
    con = duckdb.connect(str(db), read_only=True)
    try:  # no model has scored: the pool score is the headline
        assert filter_choices(con, None)["score_source"] == ["score"]
        found, total = candidates(con, ("Sales",), CandidateFilters(), ())
        assert set(found["headline_source"]) == {"score"}
        assert found["headline_score"].to_list() == found["pool_score"].to_list()
        assert found["headline_score"].to_list() == sorted(found["headline_score"].to_list(), reverse=True)
        cut = found["pool_score"][5]
        above, n_above = candidates(con, ("Sales",), CandidateFilters(score_min=cut), ())
        assert n_above == above.height == found.filter(pl.col("pool_score") >= cut).height
        low = found.sort("pool_score").head(2)["employee_id"].to_list()  # the two lowest pool scores ...
    finally:
        con.close()
    _scores(db, {low[0]: 91.0, low[1]: 36.0})  # ... are the model's top two
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert filter_choices(con, None)["score_source"] == ["model"]
        ranked, same_total = candidates(con, ("Sales",), CandidateFilters(), ())
        assert same_total == total and set(ranked["headline_source"]) == {"model"}
        # ranked by potential; the people the model did not score come last, with no headline score of their own
        assert ranked["employee_id"].to_list()[:2] == low and ranked["headline_score"].to_list()[:2] == [91.0, 36.0]
        assert ranked["headline_score"][2:].is_null().all()
        # "at least 50" reads the potential, not the pool score
        kept, n = candidates(con, ("Sales",), CandidateFilters(score_min=50.0), ())
        assert n == 1 and kept["employee_id"].to_list() == [low[0]]
    finally:
        con.close()


def test_the_verdict_is_withheld_when_the_test_had_too_few_cases() -> None:
    card = json.loads(CARD.read_text(encoding="utf-8"))
    assert card["beats_rules"] is True and card["k"] == 2 and card["test_positives"] == 14  # what the training claimed
    found = model.evidence(card)
    assert (found.verdict, found.top_group_too_small, found.positives_too_few) == ("too_few", True, True)
    enough = {**card, "k": model.MIN_TOP_GROUP, "test_positives": model.MIN_TEST_POSITIVES}
    assert model.evidence(enough).verdict == "beats"
    assert model.evidence({**enough, "beats_rules": False}).verdict == "does_not_beat"
    assert model.evidence({**enough, "test_positives": model.MIN_TEST_POSITIVES - 1}).verdict == "too_few"
    assert model.evidence({**enough, "k": model.MIN_TOP_GROUP - 1}) == model.Evidence("too_few", 9, 20, True, False)


def test_the_side_by_side_view_is_rounded_and_in_words(demo_db: Path) -> None:
    from dashboard.tables import compare_table, competency_label

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        found, _ = candidates(con, ("Sales",), CandidateFilters(), ())
    finally:
        con.close()
    chosen = found.head(3).with_columns(pl.lit("").alias("pool_state"), pl.col("feedback_others") + 1 / 3)  # unrounded figures
    side = compare_table(chosen, "score")
    assert side.columns == ["figure", *chosen["name"].to_list()]
    figures = side["figure"].to_list()
    assert figures[:2] == ["Pool score (0–100)", "Composite assessment"] and "Talent pool" in figures
    assert not [f for f in figures if "_" in f]  # labels, not column names
    values = [v for name in chosen["name"] for v in side[name].to_list()]
    decimals = [len(v.split(".")[1]) for v in values if v.replace(".", "").isdigit() and "." in v]
    assert decimals and max(decimals) <= 2, values
    assert set(side.filter(pl.col("figure") == "Meets pool rules").row(0)[1:]) <= {"yes", "no"}
    assert side.filter(pl.col("figure") == "Talent pool").row(0)[1:] == ("–", "–", "–")
    with_model = compare_table(chosen, "model")["figure"].to_list()
    assert with_model[:3] == ["Potential (chance in 100)", "Composite assessment", "Pool score (0–100)"]
    assert [competency_label(c) for c in ("strategic_thinking", "team_spirit")] == ["Strategic thinking", "Team spirit"]


def _widths(element) -> dict[str, int]:
    """The shown columns of an AppTest dataframe and their configured widths (0 when left to Streamlit)."""
    config = json.loads(element.proto.columns)
    return {c: int(config.get(c, {}).get("width") or 0) for c in (element.proto.column_order or element.value.columns)}


def test_the_explorer_shows_the_columns_that_answer_its_question_and_the_rest_on_demand(env: Path) -> None:
    at = signed_in("head")
    at.switch_page("pages/candidates.py").run()
    assert not at.exception, [e.message for e in at.exception]
    table = at.dataframe[0]
    shown = list(table.proto.column_order)
    assert shown == ["name", "headline_score", "department", "latest_rating", "rating_points_history", "feedback_others", "pool_state"]
    config = json.loads(table.proto.columns)
    assert config["name"]["pinned"] and config["headline_score"]["pinned"]
    assert config["headline_score"]["label"] == "Pool score (0–100)"  # which score ranks is stated
    assert sum(_widths(table).values()) + 40 <= 980  # the box a page has at 1440 px, the selection column included
    assert any(c.value.startswith("Ranked by the pool score") for c in at.caption)
    assert [n.label for n in at.number_input][-2:] == ["Pool score at least", "Pool score at most"]
    at.multiselect(key="explorer_columns").set_value(["composite_score", "tenure_years"]).run()
    assert list(at.dataframe[0].proto.column_order)[len(shown):] == ["tenure_years", "composite_score"]  # in the order offered


def test_model_page_names_no_winner_on_too_few_cases(env: Path, monkeypatch, tmp_path: Path) -> None:
    folder = tmp_path / "models" / "20261202-014917"
    folder.mkdir(parents=True)
    shutil.copyfile(CARD, folder / "card.json")
    monkeypatch.setenv("TALENT_MODELS", str(tmp_path / "models"))
    at = signed_in("leader")
    at.switch_page("pages/model.py").run()
    assert not at.exception, [e.message for e in at.exception]
    assert not at.success and not at.warning  # neither "beats" nor "does not beat"
    assert at.info[0].value.startswith("Too few cases to say whether the model ranks better than the pool rules: only 14 people")
    assert "only 2 people" in at.info[0].value
    measures = at.dataframe[0].value.iloc[:, 0].tolist()
    assert not [m for m in measures if "AUC" in m or " k " in f"{m} "]  # the technical names are behind the expander
    assert "Share promoted in the top 2 (as many as the rules pick) — too few cases to say" in measures
    assert any("ROC AUC" in c.value for e in at.expander for c in e.caption)
    assert at.dataframe[-1].value["verdict"].tolist() == ["too few cases to say"]
    (fair,) = [d.value for d in at.dataframe if "group" in d.value.columns]  # the card lists "<30" last; the page reads in order
    assert list(zip(fair["attribute"], fair["group"])) == [("gender", "Female"), ("gender", "Male"), ("gender", "not recorded"),
                                                          ("age band", "Under 30"), ("age band", "30–39"), ("age band", "40–49")]


def test_plans_reviews_and_users_read_in_words_and_fit_the_page(seeded: Path) -> None:
    at = signed_in("hr")
    at.switch_page("pages/plans.py").run()
    assert not at.exception, [e.message for e in at.exception]
    per_person = at.dataframe[0]
    assert "completion" in per_person.value.columns and "literal" not in per_person.value.columns
    completion = json.loads(per_person.proto.columns)["completion"]
    assert completion["label"] == "Completion" and completion["type_config"]["format"] == "%.0f%%"
    assert per_person.value["completion"].between(0, 100).all()

    at.switch_page("pages/reviews.py").run()
    assert not at.exception, [e.message for e in at.exception]
    figures, members = at.dataframe[0], at.dataframe[1]
    assert len(_widths(figures)) == 8 and sum(_widths(figures).values()) <= 940
    assert all(_widths(figures).values())  # every column sized, so none is pushed off the page
    earlier = json.loads(figures.proto.columns)["prev_promotion_rate"]  # a header that fits its column; the full name in its help
    assert (earlier["label"], earlier["help"]) == ("A year earlier", "The promotion rate of the same review a year earlier, to compare with.")
    assert "employee_id" not in members.proto.column_order  # behind the column picker

    at.switch_page("pages/users.py").run()
    assert not at.exception, [e.message for e in at.exception]
    log = at.dataframe[-1].value
    assert "Signed in" in set(log["action"]) and not [a for a in log["action"] if "_" in a]
    assert not [d for d in log["detail"].dropna() if "hr_admin" in d or "department_head" in d]
    assert "2026 · Year-end review" in set(log["target"]) and not [x for x in log["target"].dropna() if "_year" in x or "year_" in x]


def test_downloaded_numbers_are_rounded_for_people() -> None:
    # Issue #15 item 14: a CSV carries 4.1379, not 4.137931034482759; whole numbers and text stay as they are.
    from dashboard.downloads import to_csv_bytes

    frame = pl.DataFrame({"score": [4.137931034482759, 0.04931], "people": [3, 12], "name": ["A", "B"]})
    assert to_csv_bytes(frame).decode("utf-8-sig").splitlines() == ["score,people,name", "4.1379,3,A", "0.0493,12,B"]


def test_date_axes_read_year_and_month_outside_english(monkeypatch) -> None:
    # Issue #15 item 8: Plotly names months in English ("Jan 2026"); in Chinese a date axis reads 2026-01.
    import datetime as dt

    import plotly.express as px

    from dashboard.plain import safe_chart
    from services import i18n

    months = pl.DataFrame({"period": [dt.date(2026, 1, 1), dt.date(2026, 2, 1)], "people": [3, 4]})
    # (tick labels, hover labels, tick spacing): whole months apart, so no month is named twice on the axis
    formats = lambda fig: (fig.layout.xaxis.tickformat, fig.layout.xaxis.hoverformat, fig.layout.xaxis.dtick)  # noqa: E731
    monkeypatch.setattr(i18n, "language_source", lambda: "zh-CN")
    assert formats(safe_chart(px.bar(months, x="period", y="people"))) == ("%Y-%m", "%Y-%m", "M1")
    as_text = months.with_columns(pl.col("period").dt.strftime("%Y-%m"))  # month labels, which Plotly reads as dates too
    assert formats(safe_chart(px.bar(as_text, x="period", y="people"))) == ("%Y-%m", "%Y-%m", "M1")
    days = months.with_columns(pl.Series("period", [dt.date(2026, 1, 1), dt.date(2026, 1, 15)]))  # by day: the hover names the day
    assert formats(safe_chart(px.line(days, x="period", y="people"))) == ("%Y-%m-%d", "%Y-%m-%d", None)  # and, over weeks, the ticks
    years = days.with_columns(pl.Series("period", [dt.date(2022, 1, 15), dt.date(2026, 6, 15)]))
    assert formats(safe_chart(px.line(years, x="period", y="people"))) == ("%Y-%m", "%Y-%m-%d", "M6")
    quarters = as_text.with_columns(pl.Series("period", ["2026-Q1", "2026-Q2"]))  # categories, left alone
    assert formats(safe_chart(px.bar(quarters, x="period", y="people"))) == (None, None, None)
    monkeypatch.setattr(i18n, "language_source", lambda: "en")
    assert formats(safe_chart(px.bar(months, x="period", y="people"))) == (None, None, None)
