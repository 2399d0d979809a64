"""The demo organisation: deterministic, in the import format, realistic enough to learn from."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipelines.demo import FILES, generate_demo
from pipelines.entities import ENTITIES

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo")
    return out, generate_demo(out, employees=1500, seed=5, today=TODAY)


def digest(folder: Path) -> dict[str, str]:
    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in FILES}


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_demo(a, employees=300, seed=1, today=TODAY)
    generate_demo(b, employees=300, seed=1, today=TODAY)
    generate_demo(c, employees=300, seed=2, today=TODAY)
    assert digest(a) == digest(b)
    assert all(digest(a)[f] != digest(c)[f] for f in FILES)


def test_files_have_the_canonical_header_and_the_counted_rows(demo) -> None:
    out, counts = demo
    for name in FILES:
        frame = pl.read_csv(out / name, infer_schema=False)
        assert frame.columns == ENTITIES[name.removesuffix(".csv")].column_names, name
        assert frame.height == counts[name] > 0, name
    assert counts["employees.csv"] >= 1500
    assert pl.read_csv(out / "employees.csv", infer_schema=False)["department"].n_unique() >= 8


def test_dingtalk_roster_has_chinese_labels_and_text_ids(demo) -> None:
    out, counts = demo
    roster = pl.read_excel(out / "dingtalk" / "花名册.xlsx", infer_schema_length=0)
    assert roster.columns[:4] == ["工号", "姓名", "主部门", "职位"]
    assert roster.height == counts["dingtalk/花名册.xlsx"] == 1500
    assert roster["工号"].str.contains(r"^E\d{6}$").all()
    assert set(roster["员工状态"].unique()) == {"在职", "离职"}
    assert roster["入职时间"].str.contains(r"^\d{4}/\d{2}/\d{2}$").any() and roster["入职时间"].str.contains(r"^\d{8}$").any()


def test_people_promoted_into_management_had_better_histories(demo) -> None:
    out, _ = demo
    points = {"A": 5, "B+": 4, "B": 3, "C": 2, "D": 1}
    ratings = pl.read_csv(out / "performance_ratings.csv", infer_schema=False).filter(
        pl.col("period").is_in(["2022", "2023"]) & pl.col("rating").is_in(list(points))
    ).with_columns(pl.col("rating").replace_strict(points).alias("points"))
    promoted = pl.read_csv(out / "promotions.csv", infer_schema=False).filter(
        (pl.col("into_management") == "true") & (pl.col("effective_date") >= "2024-01-01")
    )["employee_id"].implode()
    by = ratings.group_by(pl.col("employee_id").is_in(promoted).alias("promoted")).agg(pl.col("points").mean())
    means = dict(zip(by["promoted"], by["points"]))
    assert means[True] > means[False] + 0.3
    lead = pl.read_csv(out / "feedback_360.csv", infer_schema=False).filter(
        (pl.col("competency") == "leadership") & (pl.col("rater_relation") != "self") & pl.col("score").is_in(["1", "2", "3", "4", "5"])
    ).with_columns(pl.col("score").cast(pl.Int64))
    by = lead.group_by(pl.col("employee_id").is_in(promoted).alias("promoted")).agg(pl.col("score").mean())
    means = dict(zip(by["promoted"], by["score"]))
    assert means[True] > means[False] + 0.2


def test_bad_rows_are_a_few_percent_and_good_dates_are_not_in_the_future(demo) -> None:
    out, _ = demo
    ratings = pl.read_csv(out / "performance_ratings.csv", infer_schema=False)
    off_scale = (~ratings["rating"].is_in(["A", "B+", "B", "C", "D"])).mean()
    assert 0.002 <= off_scale <= 0.05
    for name, col in [("employees.csv", "hire_date"), ("training_records.csv", "start_date"), ("promotions.csv", "effective_date")]:
        dates = pl.read_csv(out / name, infer_schema=False)[col].str.strptime(pl.Date, "%Y-%m-%d", strict=False).drop_nulls()
        assert dates.max() <= TODAY, name
