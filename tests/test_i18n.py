"""Every user-facing key exists in every language."""
from __future__ import annotations

import re
from pathlib import Path

from services.i18n import LANGUAGES, catalogue, t

ROOT = Path(__file__).resolve().parents[1]


def test_catalogues_have_the_same_keys_and_placeholders() -> None:
    en = catalogue("en")
    for lang in LANGUAGES:
        other = catalogue(lang)
        assert set(other) == set(en), lang
        for key, text in en.items():
            assert set(re.findall(r"{(\w+)}", other[key])) == set(re.findall(r"{(\w+)}", text)), (lang, key)


def test_every_key_used_in_the_code_is_in_the_catalogue() -> None:
    used: set[str] = set()
    for path in [ROOT / "app.py", *(ROOT / "pages").glob("*.py"), *(ROOT / "dashboard").glob("*.py")]:
        used |= set(re.findall(r"""\bt\(\s*f?["']([a-z_]+\.[a-z_.{}]+)["']""", path.read_text(encoding="utf-8")))
    literal = {k for k in used if "{" not in k}
    assert literal, "no t() calls found"
    assert literal <= set(catalogue("en")), literal - set(catalogue("en"))


def test_translation_falls_back_and_formats() -> None:
    assert t("data.import_done", lang="zh-CN", run_id=3, loaded=10, quarantined=2) == "导入批次 3 完成：载入 10 行，隔离 2 行。"
    assert t("no.such.key", lang="zh-CN") == "no.such.key"
