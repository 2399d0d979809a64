"""Every user-facing string goes through t(); catalogues live in services/locales/*.toml."""
from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES = {"en": "English", "zh-CN": "简体中文"}
DEFAULT_LANGUAGE = "en"


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    # <lang>.toml plus one <lang>.<area>.toml per feature area, so areas can grow independently.
    raw: dict = {}
    for path in sorted(LOCALES_DIR.glob(f"{lang}.*toml")):
        part = tomllib.loads(path.read_text(encoding="utf-8"))
        if clash := set(part) & set(raw):
            raise ValueError(f"{path.name}: sections {sorted(clash)} are already defined in another {lang} catalogue")
        raw.update(part)
    flat: dict[str, str] = {}

    def walk(prefix: str, node: dict) -> None:
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict):
                walk(key, v)
            else:
                flat[key] = str(v)

    walk("", raw)
    return flat


def _default_language() -> str:
    return DEFAULT_LANGUAGE


# Who knows the reader's language: outside the app nobody (English); the Streamlit glue registers the session's.
language_source = _default_language


def current_language() -> str:
    lang = language_source()
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, lang: str | None = None, **values) -> str:
    """The text for key in the current language; English, then the key itself, as fallbacks."""
    lang = lang or current_language()
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return text.format(**values) if values else text


def widget_key(name: str) -> str:
    """A widget key per language: a widget whose option labels are translated starts afresh after a
    language switch instead of looking for the old language's label among the new ones."""
    return f"{name}.{current_language()}"
