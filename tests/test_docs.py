"""The docs say what the code does."""
from __future__ import annotations

import re
from pathlib import Path

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
    from dashboard.reviews import INDICATORS, OUTCOMES
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
