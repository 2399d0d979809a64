"""What HR configured (config/talent.toml), for the pages: read through here, never from pipelines directly."""
from __future__ import annotations

from pipelines.settings import Settings, available_presets, load_settings

__all__ = ["settings", "presets", "Settings"]


def settings() -> Settings:
    """The configuration now in force (re-read when the file changes)."""
    return load_settings()


def presets() -> list[str]:
    """The mapping presets shipped with the app (canonical, and the known HR systems' exports)."""
    return available_presets()
