"""The demo organisation: deterministic, in the import format, realistic enough to learn from."""
from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from pipelines.demo import generate_demo

# Its module fixtures are built once: keep the module on one test worker (pytest-xdist --dist loadgroup).
pytestmark = pytest.mark.xdist_group("demo")

TODAY = date(2026, 11, 26)
HEADERS = {
    "employees.csv": ["employee_id", "name", "department", "position", "job_level", "manager_id", "hire_date",
                      "birth_date", "gender", "location", "status", "exit_date", "exit_reason"],
    "performance_ratings.csv": ["employee_id", "period", "rating", "score"],
    "training_records.csv": ["employee_id", "course_id", "course_name", "category", "provider", "hours", "start_date",
                             "completion_date", "status", "score"],
    "certifications.csv": ["employee_id", "name", "issued_date", "expiry_date"],
    "feedback_360.csv": ["employee_id", "cycle", "rater_id", "rater_relation", "competency", "score", "comment"],
    "projects.csv": ["employee_id", "project_id", "project_name", "role", "team_size", "cross_department",
                     "start_date", "end_date"],
    "profiles.csv": ["employee_id", "skills", "career_aspiration", "career_plan_submitted", "updated_at"],
    "promotions.csv": ["employee_id", "effective_date", "from_level", "to_level", "to_position", "into_management"],
}
ROSTER = "dingtalk/花名册.xlsx"
ROSTER_HEADERS = ["工号", "姓名", "主部门", "职位", "岗位职级", "直属主管id", "入职时间", "出生日期", "性别", "员工状态",
                  "办公地点", "离职时间", "离职原因"]
DATE_COLUMNS = {  # expiry_date is left out on purpose: a certificate may be valid beyond today
    "employees.csv": ["hire_date", "birth_date", "exit_date"],
    "training_records.csv": ["start_date", "completion_date"],
    "certifications.csv": ["issued_date"],
    "projects.csv": ["start_date", "end_date"],
    "profiles.csv": ["updated_at"],
    "promotions.csv": ["effective_date"],
}
POINTS = {"A": 5, "B+": 4, "B": 3, "C": 2, "D": 1}
ID = r"^E\d{6}$"
EMPLOYEES = 2000


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[Path, dict[str, int], list[tuple[float, str]]]:
    out = tmp_path_factory.mktemp("demo")
    calls: list[tuple[float, str]] = []
    counts = generate_demo(out, employees=EMPLOYEES, seed=7, progress=lambda f, m: calls.append((f, m)), today=TODAY)
    return out, counts, calls


def read(out: Path, name: str) -> pl.DataFrame:
    return pl.read_csv(out / name, infer_schema=False)


def known_ids(out: Path) -> pl.Series:
    return read(out, "employees.csv")["employee_id"].unique()


def digest(folder: Path) -> dict[str, str]:
    return {f: hashlib.sha256((folder / f).read_bytes()).hexdigest() for f in HEADERS}


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    assert generate_demo(a, employees=300, seed=1, today=TODAY) == generate_demo(b, employees=300, seed=1, today=TODAY)
    generate_demo(c, employees=300, seed=2, today=TODAY)
    assert digest(a) == digest(b)
    assert all(digest(a)[f] != digest(c)[f] for f in HEADERS)


def test_every_file_has_the_canonical_header_and_the_counted_rows(demo) -> None:
    out, counts, _ = demo
    assert set(counts) == set(HEADERS) | {ROSTER}
    for name, header in HEADERS.items():
        first_line = (out / name).read_text(encoding="utf-8").split("\n", 1)[0]
        assert first_line == ",".join(header), name
        frame = read(out, name)
        assert frame.height == counts[name] > 0, name
    # a handful of bad or duplicated employee rows on top of the people themselves
    assert EMPLOYEES < counts["employees.csv"] <= EMPLOYEES + 10
    assert counts[ROSTER] == EMPLOYEES


def test_progress_is_reported_up_to_done(demo) -> None:
    _, _, calls = demo
    fractions = [f for f, _ in calls]
    assert len(calls) >= len(HEADERS) + 1
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and all(0 <= f <= 1 for f in fractions)
    assert all(isinstance(m, str) and m for _, m in calls)


def test_the_organisation_looks_real(demo) -> None:
    out, _, _ = demo
    emp = read(out, "employees.csv").unique("employee_id", keep="none")  # drop the duplicated IDs
    assert emp["employee_id"].str.contains(ID).all()
    sizes = emp["department"].value_counts(sort=True)
    regular = sizes.filter(pl.col("department") != "Executive Office")
    assert 8 <= regular.height <= 10 and set(regular["department"].head(2)) == {"Sales", "R&D"}
    assert 2 <= sizes.filter(pl.col("department") == "Executive Office")["count"].item() <= 6
    assert set(emp["location"].unique()) == {"Hangzhou", "Shanghai", "Beijing", "Shenzhen", "Chengdu"}
    assert set(emp["gender"].drop_nulls().unique()) == {"female", "male"} and 0 < emp["gender"].null_count() < 0.03 * emp.height
    chinese = emp["name"].str.contains(r"^[\u4e00-\u9fff]{2,4}$").mean()
    english = emp["name"].str.contains(r"^[A-Z][a-z]+ [A-Z][a-z]+$").mean()
    assert 0.68 < chinese < 0.82 and chinese + english == 1.0
    left = emp.filter(pl.col("status") == "left")
    assert 0.06 < left.height / emp.height < 0.14
    assert left["exit_date"].null_count() == 0 and left["exit_reason"].null_count() == 0
    assert set(left["exit_reason"].unique()) <= {"resignation", "capability mismatch", "relocation", "retirement", "dismissal", "other"}
    assert emp.filter(pl.col("status") == "active")["exit_date"].null_count() == emp.height - left.height

    good = emp.filter(pl.col("job_level").str.contains(r"^\d+$") & pl.col("hire_date").str.contains(r"^\d{4}-\d{2}-\d{2}$"))
    good = good.with_columns(pl.col("job_level").cast(pl.Int64),
                             pl.col("hire_date", "birth_date", "exit_date").str.to_date("%Y-%m-%d", strict=False))
    good = good.filter(pl.col("hire_date").is_not_null())
    assert good["job_level"].min() == 1 and good["job_level"].max() == 10
    age = (pl.lit(TODAY) - pl.col("birth_date")).dt.total_days() / 365.25
    assert good.select((age.min() >= 22).alias("lo"), (age.max() < 61).alias("hi")).row(0) == (True, True)
    assert good.filter(pl.col("exit_date") <= pl.col("hire_date")).height == 0
    assert good["hire_date"].min() >= date(TODAY.year - 21, 1, 1)
    tenure = (pl.lit(TODAY) - pl.col("hire_date")).dt.total_days() / 365.25
    assert good.select(tenure.median()).item() < 6  # skewed short

    # The hierarchy: one head per department, managers one layer up in the same department.
    with_mgr = good.join(
        good.select(pl.col("employee_id").alias("manager_id"), pl.col("department").alias("m_dept"),
                    pl.col("job_level").alias("m_level"), pl.col("status").alias("m_status")),
        on="manager_id", how="left",
    )
    assert with_mgr.filter(pl.col("manager_id").is_null()).height == 1  # the CEO
    assert with_mgr.filter(pl.col("manager_id").is_not_null() & pl.col("m_dept").is_null()).height <= 4  # only spoilt managers
    linked = with_mgr.filter(pl.col("m_dept").is_not_null())
    assert (linked["m_status"] == "active").all() and (linked["m_level"] >= linked["job_level"]).all()
    heads = linked.filter(pl.col("position").str.starts_with("Head of "))
    assert heads.height == regular.height and (heads["m_dept"] == "Executive Office").all()
    assert heads["job_level"].is_in([9, 10]).all()
    others = linked.filter(~pl.col("position").str.starts_with("Head of ") & (pl.col("department") != "Executive Office"))
    assert (others["department"] == others["m_dept"]).all()
    managers = good.filter(pl.col("job_level").is_in([7, 8]))
    assert 0.04 < managers.height / good.height < 0.12
    assert managers["position"].str.ends_with(" Manager").all()
    leads = good.filter(pl.col("job_level").is_in([5, 6]))
    assert leads["position"].str.ends_with(" Team Lead").all()


def test_promotions_end_at_todays_level(demo) -> None:
    out, _, _ = demo
    promotions = read(out, "promotions.csv").filter(
        pl.col("effective_date").str.contains(r"^\d{4}-\d{2}-\d{2}$") & pl.col("to_level").str.contains(r"^\d+$")
    ).with_columns(pl.col("from_level", "to_level").cast(pl.Int64))
    assert (promotions["to_level"] == promotions["from_level"] + 1).all()
    assert promotions["effective_date"].min() >= "2022-01-01"
    into = promotions["into_management"] == "true"
    assert (into == ((promotions["to_level"] >= 7) & (promotions["from_level"] < 7))).all() and into.sum() > 10
    latest = promotions.sort("employee_id", "effective_date").group_by("employee_id").agg(pl.col("to_level").last())
    levels = read(out, "employees.csv").unique("employee_id", keep="none").select("employee_id", "job_level")
    joined = latest.join(levels, on="employee_id", how="inner").filter(pl.col("job_level") != "senior")
    assert joined.height >= latest.height - 3
    assert (joined["to_level"] == joined["job_level"].cast(pl.Int64)).all()


def test_dingtalk_roster_holds_the_same_people_with_chinese_labels_and_text_ids(demo) -> None:
    out, counts, _ = demo
    roster = pl.read_excel(out / ROSTER, infer_schema_length=0)
    assert roster.columns == ROSTER_HEADERS
    assert roster.height == counts[ROSTER] == EMPLOYEES
    assert roster["工号"].str.contains(ID).all() and roster["工号"].n_unique() == EMPLOYEES
    assert roster["直属主管id"].drop_nulls().str.contains(ID).all()
    assert set(roster["工号"]) == set(known_ids(out))
    inferred = pl.read_excel(out / ROSTER)  # with type inference too, the IDs stay text
    assert inferred.schema["工号"] == pl.String and inferred["工号"][0].startswith("E0")
    assert set(roster["员工状态"].unique()) == {"在职", "离职"}
    assert set(roster["性别"].drop_nulls().unique()) == {"男", "女"}
    hired = roster["入职时间"]
    for pattern in (r"^\d{4}-\d{2}-\d{2}$", r"^\d{4}/\d{2}/\d{2}$", r"^\d{4}\.\d{2}\.\d{2}$", r"^\d{8}$"):
        assert hired.str.contains(pattern).any(), pattern
    left = roster.filter(pl.col("员工状态") == "离职")
    assert left["离职时间"].null_count() == 0 and left["离职原因"].null_count() == 0
    emp = read(out, "employees.csv").unique("employee_id", keep="none")
    same = emp.join(roster.select(pl.col("工号").alias("employee_id"), pl.col("姓名").alias("n"), pl.col("主部门").alias("d")),
                    on="employee_id")
    assert (same["name"] == same["n"]).all() and (same["department"] == same["d"]).all()


def test_people_promoted_into_management_had_better_histories(demo) -> None:
    out, _, _ = demo
    promoted = read(out, "promotions.csv").filter(
        (pl.col("into_management") == "true") & pl.col("effective_date").is_between(pl.lit("2024-01-01"), pl.lit("2026-12-31"))
    )["employee_id"].unique()
    assert promoted.len() >= 15
    flag = pl.col("employee_id").is_in(promoted.implode()).alias("promoted")

    def means(frame: pl.DataFrame, value: str) -> dict[bool, float]:
        by = frame.group_by(flag).agg(pl.col(value).mean())
        return dict(zip(by["promoted"], by[value]))

    ratings = read(out, "performance_ratings.csv").filter(pl.col("rating").is_in(list(POINTS))).with_columns(
        pl.col("rating").replace_strict(POINTS, return_dtype=pl.Int64).alias("points"))
    early = means(ratings.filter(pl.col("period").is_in(["2022", "2023"])), "points")
    assert early[True] > early[False] + 0.2
    # … and an upward trend before the promotion
    trend = ratings.filter(pl.col("period").is_in(["2022", "2023", "2024", "2025"])).group_by("employee_id").agg(
        (pl.col("points").filter(pl.col("period") >= "2024").mean()
         - pl.col("points").filter(pl.col("period") <= "2023").mean()).alias("trend")).drop_nulls()
    slope = means(trend, "trend")
    assert slope[True] > slope[False] + 0.1

    feedback = read(out, "feedback_360.csv").filter(
        (pl.col("competency") == "leadership") & pl.col("rater_relation").is_in(["manager", "direct_report"])
        & pl.col("score").is_in(["1", "2", "3", "4", "5"])
    ).with_columns(pl.col("score").cast(pl.Int64))
    leadership = means(feedback, "score")
    assert leadership[True] > leadership[False] + 0.2

    projects = read(out, "projects.csv").group_by("employee_id").agg((pl.col("role") == "lead").any().cast(pl.Float64).alias("led"))
    led = means(projects, "led")
    assert led[True] > led[False] + 0.1
    profiles = read(out, "profiles.csv").with_columns((pl.col("career_aspiration") == "management").cast(pl.Float64).alias("mgmt"))
    aspiration = means(profiles, "mgmt")
    assert aspiration[True] > aspiration[False] + 0.1


def test_correlations_are_noisy_not_perfect(demo) -> None:
    out, _, _ = demo
    ratings = read(out, "performance_ratings.csv").filter(pl.col("rating").is_in(list(POINTS)))
    wide = ratings.filter(pl.col("period").is_in(["2023", "2024"])).pivot("period", index="employee_id", values="rating",
                                                                          aggregate_function="first").drop_nulls()
    same = (wide["2023"] == wide["2024"]).mean()
    assert 0.3 < same < 0.8  # ratings persist, but move
    shares = ratings.filter(pl.col("period") == "2025")["rating"].value_counts(normalize=True)
    share = dict(zip(shares["rating"], shares["proportion"]))
    for grade, expected in {"A": 0.10, "B+": 0.25, "B": 0.45, "C": 0.15, "D": 0.05}.items():
        assert abs(share[grade] - expected) < 0.03, grade


def test_event_tables_have_the_promised_shape(demo) -> None:
    out, counts, _ = demo
    ids = known_ids(out)
    per_person = {name: counts[name] / EMPLOYEES for name in HEADERS}
    assert 5 <= per_person["training_records.csv"] <= 8
    assert 0.3 <= per_person["certifications.csv"] <= 0.5
    assert 2 <= per_person["projects.csv"] <= 3

    ratings = read(out, "performance_ratings.csv")
    assert set(ratings["period"].unique()) == {"2022", "2023", "2024", "2025", "2025-H1", "2026-H1"}
    scored = ratings.filter(pl.col("rating").is_in(list(POINTS)) & pl.col("score").is_not_null()).with_columns(
        pl.col("score").cast(pl.Float64, strict=False)).filter(pl.col("score").is_between(0, 100))
    band = scored.group_by("rating").agg(pl.col("score").min().alias("lo"), pl.col("score").max().alias("hi"))
    band = dict(zip(band["rating"], zip(band["lo"], band["hi"])))
    assert band["A"][0] >= 90 and band["B+"][0] >= 80 and band["B+"][1] <= 90 and band["D"][1] <= 60
    assert 0.15 < ratings["score"].null_count() / ratings.height < 0.25

    training = read(out, "training_records.csv")
    assert training["course_id"].str.contains(r"^C-(LDR|MGT|TEC|CMP|OTH)-\d{3}$").all()
    assert 30 <= training["course_id"].n_unique() <= 45
    completed = training.filter(pl.col("status") == "completed")
    assert completed["completion_date"].null_count() == 0
    assert training.filter(pl.col("status") != "completed")["completion_date"].null_count() == training.height - completed.height
    assert 0.35 < training["score"].null_count() / training.height < 0.65

    feedback = read(out, "feedback_360.csv")
    assert set(feedback["cycle"].unique()) == {"2024", "2025"}
    assert set(feedback["competency"].unique()) == {"leadership", "communication", "strategic_thinking", "collaboration", "execution"}
    reviewed = feedback.group_by("cycle").agg(pl.col("employee_id").n_unique())
    assert all(0.25 * EMPLOYEES < k < 0.5 * EMPLOYEES for k in reviewed["employee_id"])
    assert feedback["comment"].null_count() > 0.9 * feedback.height
    emp = read(out, "employees.csv").unique("employee_id", keep="none")  # without the conflicting duplicate
    rel = feedback.filter(pl.col("employee_id").is_in(ids.implode()) & pl.col("rater_id").is_in(ids.implode())).join(
        emp.select("employee_id", "manager_id", "department"), on="employee_id").join(
        emp.select(pl.col("employee_id").alias("rater_id"), pl.col("manager_id").alias("r_manager"),
                   pl.col("department").alias("r_dept")), on="rater_id")
    assert (rel.filter(pl.col("rater_relation") == "self").select(pl.col("rater_id") == pl.col("employee_id")).to_series()).all()
    assert (rel.filter(pl.col("rater_relation") == "manager").select(pl.col("rater_id") == pl.col("manager_id")).to_series()).all()
    assert (rel.filter(pl.col("rater_relation") == "direct_report").select(pl.col("r_manager") == pl.col("employee_id")).to_series()).all()
    peers = rel.filter(pl.col("rater_relation") == "peer")
    assert (peers["r_dept"] == peers["department"]).all() and (peers["rater_id"] != peers["employee_id"]).all()
    per_review = feedback.filter(pl.col("rater_relation") == "peer").group_by("employee_id", "cycle", "competency").len()
    assert per_review["len"].is_between(1, 3).all() and per_review["len"].mean() > 2

    projects = read(out, "projects.csv")
    assert projects["project_id"].str.contains(r"^P20\d\d-\d{4}$").all()
    leads = projects.group_by("project_id").agg((pl.col("role") == "lead").sum().alias("leads"), pl.len())
    assert leads["leads"].max() == 1 and (leads["leads"] == 1).mean() > 0.95 and leads["len"].mean() > 3
    assert set(projects["cross_department"].unique()) == {"true", "false"}

    profiles = read(out, "profiles.csv")
    active = emp.filter(pl.col("status") == "active").height
    assert 0.78 < profiles.height / active < 0.9
    assert profiles["skills"].str.contains(r"^[A-Za-z&+ \-]+(;[A-Za-z&+ \-]+)*$").all()
    assert set(profiles["career_plan_submitted"].unique()) == {"true", "false"}


def test_bad_rows_are_a_few_percent(demo) -> None:
    out, _, _ = demo
    ids = known_ids(out).implode()
    emp = read(out, "employees.csv")
    assert emp.filter(pl.col("hire_date").is_in(["2025-02-31", "31/02/2025"])).height == 2
    assert (emp["job_level"] == "senior").sum() == 1
    assert emp.is_duplicated().sum() == 2  # one exact duplicate row
    dup_ids = emp.unique().filter(pl.col("employee_id").is_duplicated())
    assert dup_ids["employee_id"].n_unique() == 1 and dup_ids.height == 2  # one conflicting duplicate

    ratings = read(out, "performance_ratings.csv")
    off_scale = (~ratings["rating"].is_in(list(POINTS))).mean()
    assert 0.002 <= off_scale <= 0.05
    score = ratings["score"].cast(pl.Float64, strict=False)
    assert 0.002 <= (~score.is_between(0, 100)).sum() / ratings.height <= 0.05
    assert 0.001 <= (~ratings["employee_id"].is_in(ids)).mean() <= 0.03
    assert ratings.is_duplicated().sum() > 0

    training = read(out, "training_records.csv")
    assert 0.002 <= training["start_date"].str.to_date("%Y-%m-%d", strict=False).is_null().mean() <= 0.05
    assert 0.002 <= training["hours"].cast(pl.Float64, strict=False).is_null().mean() <= 0.05
    assert 0.001 <= (~training["employee_id"].is_in(ids)).mean() <= 0.03

    feedback = read(out, "feedback_360.csv")
    assert 0.002 <= feedback["score"].is_in(["0", "7"]).mean() <= 0.05
    assert 0.002 <= (feedback["rater_relation"] == "boss").mean() <= 0.05

    projects = read(out, "projects.csv")
    assert 0.002 <= (projects["role"] == "owner").mean() <= 0.05
    assert 0.001 <= (~projects["employee_id"].is_in(ids)).mean() <= 0.05

    assert 1 <= (read(out, "profiles.csv")["career_aspiration"] == "ceo").sum() <= 2
    for name, column in [("promotions.csv", "effective_date"), ("certifications.csv", "issued_date")]:
        bad = read(out, name)[column].str.to_date("%Y-%m-%d", strict=False).is_null().sum()
        assert 1 <= bad <= 2, name

    # In all: 2–3 % of the event rows are bad in one way or another.
    good_share = {
        "performance_ratings.csv": ratings.filter(pl.col("rating").is_in(list(POINTS)) & (score.is_null() | score.is_between(0, 100))
                                                  & pl.col("employee_id").is_in(ids)).unique().height / ratings.height,
        "feedback_360.csv": feedback.filter(pl.col("score").is_in(list("12345")) & (pl.col("rater_relation") != "boss")).height / feedback.height,
        "projects.csv": projects.filter((pl.col("role") != "owner") & pl.col("employee_id").is_in(ids)).height / projects.height,
    }
    for name, share in good_share.items():
        assert 0.95 <= share <= 0.99, (name, share)


def test_keys_are_unique_among_good_rows(demo) -> None:
    out, _, _ = demo
    ids = known_ids(out).implode()
    keys = {
        "training_records.csv": ["employee_id", "course_id", "start_date"],
        "feedback_360.csv": ["employee_id", "cycle", "rater_relation", "rater_id", "competency"],
        "projects.csv": ["employee_id", "project_id"],
        "performance_ratings.csv": ["employee_id", "period"],
        "certifications.csv": ["employee_id", "name", "issued_date"],
        "profiles.csv": ["employee_id"],
        "promotions.csv": ["employee_id", "effective_date"],
    }
    for name, key in keys.items():
        frame = read(out, name).unique().filter(pl.col("employee_id").is_in(ids))  # exact duplicates collapse
        assert frame.select(pl.struct(key).is_duplicated().sum()).item() == 0, name


def test_no_good_row_has_a_date_after_today(demo) -> None:
    out, _, _ = demo
    for name, columns in DATE_COLUMNS.items():
        frame = read(out, name)
        for column in columns:
            dates = frame[column].str.to_date("%Y-%m-%d", strict=False).drop_nulls()
            assert dates.len() > 0 and dates.max() <= TODAY, (name, column)
    training = read(out, "training_records.csv").with_columns(
        pl.col("start_date", "completion_date").str.to_date("%Y-%m-%d", strict=False))
    assert training.filter(pl.col("completion_date") < pl.col("start_date")).height == 0
    projects = read(out, "projects.csv").with_columns(pl.col("start_date", "end_date").str.to_date("%Y-%m-%d", strict=False))
    assert projects.filter(pl.col("end_date") < pl.col("start_date")).height == 0


def test_another_today_moves_the_history(tmp_path: Path) -> None:
    counts = generate_demo(tmp_path, employees=300, seed=3, today=date(2025, 3, 1))
    ratings = read(tmp_path, "performance_ratings.csv")
    assert set(ratings["period"].unique()) == {"2022", "2023", "2024"}
    assert set(read(tmp_path, "feedback_360.csv")["cycle"].unique()) == {"2024"}
    for name, columns in DATE_COLUMNS.items():
        frame = read(tmp_path, name)
        for column in columns:
            dates = frame[column].str.to_date("%Y-%m-%d", strict=False).drop_nulls()
            assert dates.len() == 0 or dates.max() <= date(2025, 3, 1), (name, column)
    assert counts[ROSTER] == 300
    with pytest.raises(ValueError):
        generate_demo(tmp_path / "tiny", employees=10)
