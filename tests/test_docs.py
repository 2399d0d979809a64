"""The docs say what the code does."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from pipelines.entities import ENTITIES

ROOT = Path(__file__).resolve().parents[1]


def test_import_format_doc_lists_every_column_and_key() -> None:
    doc = (ROOT / "docs" / "import-format.md").read_text(encoding="utf-8")
    table = doc.split("<!-- columns:start -->")[1].split("<!-- columns:end -->")[0]
    documented = {}
    for line in table.strip().splitlines()[2:]:
        entity, columns, key = [c.strip() for c in line.strip("|").split("|")]
        names = [re.match(r"\s*([a-z_0-9]+)(\?)?", part).groups() for part in re.split(r",\s*(?![^()]*\))", columns)]
        documented[entity] = ([(n, q is None) for n, q in names], tuple(k.strip() for k in key.split(",")))
    assert documented == {
        name: ([(c.name, c.required) for c in e.columns], e.key) for name, e in ENTITIES.items()
    }


def test_readme_gives_the_two_commands_that_ci_runs() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    run = "python -m pip install -r requirements.txt && streamlit run app.py"
    test = "python -m pip install -r requirements-dev.txt && python -m pytest"
    assert run in readme and test in readme
    assert test in ci


def test_reviews_doc_defines_every_setting_outcome_and_indicator() -> None:
    from services.reviews import INDICATORS, OUTCOMES
    from pipelines.settings import REVIEW_DEFAULTS, load_settings

    doc = (ROOT / "docs" / "reviews.md").read_text(encoding="utf-8")
    config = (ROOT / "config" / "talent.toml").read_text(encoding="utf-8")
    for key in REVIEW_DEFAULTS:
        assert f"`{key}`" in doc, key
        assert f"\n{key} = " in config, key
    for codes in OUTCOMES.values():
        for code in codes:
            assert f"`{code}`" in doc, code
    for name, (_, weight) in INDICATORS.items():
        assert f"| {name} " in doc and f"| {weight} |" in doc, name
    assert load_settings().review == REVIEW_DEFAULTS  # the shipped config is the documented default


def _doc_examples() -> list[tuple[str, str, str, str, str, str]]:
    doc = (ROOT / "docs" / "import-format.md").read_text(encoding="utf-8")
    pattern = re.compile(
        r"<!-- example -->\n`(?P<file>[\w.]+)`:\n```csv\n(?P<csv>.*?)```\n```toml\n(?P<toml>.*?)```\n"
        r"→ `(?P<table>\w+)\.(?P<column>\w+)` = `(?P<value>[^`]*)`", re.S)
    return [m.group("file", "csv", "toml", "table", "column", "value") for m in pattern.finditer(doc)]


def test_import_format_doc_has_a_worked_example_per_derivation() -> None:
    from pipelines.settings import DERIVATIONS

    used = {h for *_, toml_text, _t, _c, _v in _doc_examples() for h in re.findall(r'how = "(\w+)"', toml_text)}
    assert used == set(DERIVATIONS)


@pytest.mark.parametrize("example", _doc_examples(), ids=lambda e: f"{e[3]}.{e[4]}")
def test_import_format_doc_examples_load_what_they_say(example, tmp_path: Path) -> None:
    import duckdb

    from pipelines.ingest import ingest

    file, csv_text, toml_text, table, column, value = example
    db = tmp_path / "talent.duckdb"
    if file != "employees.csv":  # the other entities need the person to exist
        (tmp_path / "employees.csv").write_text("employee_id,department\nE1,Sales\n", encoding="utf-8")
        ingest([tmp_path / "employees.csv"], db, as_of=date(2025, 12, 31))
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / file).write_text(csv_text, encoding="utf-8")
    (tmp_path / "mapping.toml").write_text(toml_text, encoding="utf-8")
    summary = ingest([tmp_path / "in" / file], db, preset=str(tmp_path / "mapping.toml"), as_of=date(2025, 12, 31) if "as_of" not in toml_text else None)
    assert summary["totals"]["quarantined"] == 0, summary["headline"]
    got = duckdb.connect(str(db), read_only=True).sql(f"SELECT CAST({column} AS VARCHAR) FROM {table} WHERE employee_id = 'E1'").fetchall()
    assert got == [(value,)]
