"""The pool rules (config [pool_rules]) as an action: edit = validate → rebuild the analysis tables with the new
rules → write the config → audit, all or nothing.

The new config is written beside the live one first and read back by the one settings loader, so the rebuild uses
exactly what the app will read. The rebuild works on a copy of the database; the config file replaces the live one
just before that copy is swapped in, and the audit row commits last. Whatever fails, the config file, the database
and the audit log are as they were.
"""
from __future__ import annotations

import contextlib
import json
import os
import uuid
from pathlib import Path

import tomlkit

from pipelines.ingest import rebuild_analysis
from pipelines.settings import config_path, database_path, load_settings

from . import workspace
from .auth import User
from .permissions import NotAllowed
from .self_service import edits_for_build

SCOPES = ("company", "department")
KEYS = ("top_performance_share", "performance_scope", "require_management_experience", "require_career_plan")


def current() -> dict:
    """The pool rules as configured now."""
    return dict(load_settings().pool_rules)


def validated(rules: dict) -> dict:
    """The four rules, checked and typed; ValueError with a message fit to show otherwise."""
    unknown = set(rules) - set(KEYS)
    if unknown:
        raise ValueError(f"unknown pool rules: {', '.join(sorted(unknown))}")
    merged = {**current(), **rules}  # current(): every rule, defaults filled (pipelines.settings.PoolRules)
    try:
        share = float(merged["top_performance_share"])
    except (TypeError, ValueError):
        raise ValueError("the top performance share must be a number between 0 and 1") from None
    if not 0 < share <= 1:
        raise ValueError("the top performance share must be between 0 and 1")
    if merged["performance_scope"] not in SCOPES:
        raise ValueError("the performance scope is 'company' or 'department'")
    return {"top_performance_share": share, "performance_scope": merged["performance_scope"],
            "require_management_experience": bool(merged["require_management_experience"]),
            "require_career_plan": bool(merged["require_career_plan"])}


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


@workspace.writes("pool_rules_changed")
def edit(user: User, rules: dict, db_path: str | Path | None = None) -> dict:
    """Change the pool rules and rebuild the analysis with them; returns the rules now in force.
    Raises NotAllowed, ValueError (nothing changed), or the rebuild's or the file system's error (nothing changed)."""
    if not user.can("manage_data"):
        raise NotAllowed(f"Your role ({user.role}) may not change the pool rules.")
    new = validated(rules)
    before = current()
    config = config_path()
    old_text = config.read_text(encoding="utf-8")
    doc = tomlkit.parse(old_text)  # tomlkit keeps HR's comments and layout; only the four values change
    if "pool_rules" not in doc:
        doc["pool_rules"] = tomlkit.table()
    for key, value in new.items():
        doc["pool_rules"][key] = value
    db = database_path(db_path)
    staged = config.with_name(f".{config.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    placed = rebuilt = False

    def place_config() -> None:  # runs once the tables are built on the copy, before it replaces the live file
        nonlocal placed
        os.replace(staged, config)
        placed = True

    try:
        _write_synced(staged, tomlkit.dumps(doc))
        settings = load_settings(staged)  # the new file, read as the app will read it
        detail = json.dumps({"before": {k: before.get(k) for k in KEYS}, "after": new})
        with workspace.write(user.username, "pool_rules_changed", "pool rules", detail, path=workspace.location(db_path=db)):
            rebuild_analysis(db, settings=settings, before_swap=place_config, profile_edits=edits_for_build(db))
            rebuilt = True
    except BaseException:
        if placed:  # the config was replaced, then the swap or the audit failed: put the old rules back
            _write_synced(staged, old_text)
            os.replace(staged, config)
            if rebuilt:  # the tables were swapped in with the new rules: rebuild them with the old ones
                with contextlib.suppress(Exception):
                    rebuild_analysis(db, profile_edits=edits_for_build(db))
        raise
    finally:
        staged.unlink(missing_ok=True)
    return new
