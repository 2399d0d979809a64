"""Candidate filters to and from the URL, so a view can be shared. Bad values never raise:
each one becomes a message and the filter is left out."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace

from services.people import ASPIRATIONS, POOL_STATUSES, READINESS, TRENDS, CandidateFilters

CHOICES = {"trend": TRENDS, "aspiration": ASPIRATIONS, "pool_status": POOL_STATUSES, "readiness": READINESS}
NUMBERS = {"level_min": int, "level_max": int, "tenure_min": float, "score_min": float, "score_max": float}
TEXT = ("department", "position", "certification", "skill")


def from_params(params: Mapping[str, str]) -> tuple[CandidateFilters, list[str]]:
    """Filters from query parameters, and a message per value that could not be used."""
    values: dict = {}
    problems: list[str] = []
    for name in CandidateFilters.field_names():
        raw = params.get(name)
        if raw is None or str(raw).strip() == "":
            continue
        raw = str(raw).strip()[:200]
        if name in NUMBERS:
            try:
                number = NUMBERS[name](raw)
            except ValueError:
                problems.append(f"{name}={raw!r} is not a number")
                continue
            if number < 0 or number > (100 if name.startswith("score") else 60):
                problems.append(f"{name}={raw!r} is out of range")
                continue
            values[name] = number
        elif name in CHOICES:
            if raw not in CHOICES[name]:
                problems.append(f"{name}={raw!r} is not one of {', '.join(CHOICES[name])}")
                continue
            values[name] = raw
        else:
            values[name] = raw
    filters = replace(CandidateFilters(), **values)
    for low, high in (("level_min", "level_max"), ("score_min", "score_max")):
        if getattr(filters, low) is not None and getattr(filters, high) is not None and getattr(filters, low) > getattr(filters, high):
            problems.append(f"{low} is above {high}")
            filters = replace(filters, **{low: None, high: None})
    return filters, problems


def to_params(filters: CandidateFilters) -> dict[str, str]:
    """Only what differs from the defaults, so URLs stay short."""
    defaults = asdict(CandidateFilters())
    return {k: str(v) for k, v in asdict(filters).items() if v is not None and v != defaults[k]}
