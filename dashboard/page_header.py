"""What every page shows above its title (app.py calls it once, for whichever page runs)."""
from __future__ import annotations

import streamlit as st

from services.i18n import t
from .state import query


def as_of_badge() -> None:
    """'Data as of 2025-12-31': the date the analysis describes (analysis_meta.as_of_date)."""
    try:
        status = query("data_status")
    except Exception:  # no database or no analysis tables yet: nothing to date
        return
    as_of = status.get("as_of_date") if status else None
    if as_of:
        st.badge(t("mapping.as_of_header", as_of=f"{as_of:%Y-%m-%d}" if hasattr(as_of, "strftime") else str(as_of)),
                 icon=":material/event:", color="gray")


def all_departments_label(scope: tuple[str, ...] | None) -> str:
    """The department selectors' first choice: "All departments" for the company, "All your departments" for a head."""
    return t("overview.all_departments" if scope is None else "overview.all_your_departments")
