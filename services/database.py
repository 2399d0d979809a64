"""The analysis database as the app reads it: where it is, its version, a read-only connection, its health.

pipelines/db.py owns the file (atomic batches, the swap); this is the door the Streamlit glue uses, so
nothing above the services imports pipelines.
"""
from __future__ import annotations

from pipelines.analysis import ANALYSIS_VERSION
from pipelines.db import DatabaseBusy, analysis_version, connect_read_only, data_version, file_damage, is_empty, read_cursor
from pipelines.settings import database_path

__all__ = ["ANALYSIS_VERSION", "DatabaseBusy", "analysis_version", "connect_read_only", "data_version", "database_path",
           "file_damage", "is_empty", "read_cursor", "built_by_this_version"]


def built_by_this_version(path) -> bool:
    """Whether the analysis tables in the file were built by this version of the code."""
    return analysis_version(path) == ANALYSIS_VERSION
