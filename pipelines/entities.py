"""The import format: one entity per file, its columns, types and natural key."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # id | text | int | float | date | bool | enum | rating | period
    required: bool = True
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    max_length: int = 500  # text and ids; documented in docs/import-format.md
    # What a missing value becomes when the file has no such column or leaves the cell empty:
    # "=column" copies another column of the row, "@as_of" is the import's as-of date,
    # anything else is a constant. None: missing stays missing (and is quarantined when required).
    fallback: str | None = None


@dataclass(frozen=True)
class Entity:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references_employee: bool = True
    checks: tuple[tuple[str, str, str], ...] = field(default=())  # (earlier, later, reason)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, kind: str, required: bool = True, **kw) -> Column:
    return Column(name, kind, required, **kw)


ENTITIES: dict[str, Entity] = {
    e.name: e
    for e in (
        Entity(
            "employees",
            (
                _c("employee_id", "id"),
                _c("name", "text", False, fallback="=employee_id"),
                _c("department", "text"),
                _c("position", "text", False),
                _c("job_level", "int", False, min=0, max=30),
                _c("manager_id", "id", False),
                _c("hire_date", "date", False),
                _c("birth_date", "date", False),
                _c("gender", "enum", False, choices=("female", "male", "other")),
                _c("location", "text", False),
                _c("status", "enum", False, choices=("active", "left"), fallback="=status_from_exit_date"),
                _c("exit_date", "date", False),
                _c("exit_reason", "text", False),
            ),
            key=("employee_id",),
            references_employee=False,
            checks=(
                ("hire_date", "exit_date", "exit_date is before hire_date"),
            ),
        ),
        Entity(
            "performance_ratings",
            (
                _c("employee_id", "id"),
                _c("period", "period"),
                _c("rating", "rating"),
                _c("score", "float", False, min=0, max=100),
            ),
            key=("employee_id", "period"),
        ),
        Entity(
            "training_records",
            (
                _c("employee_id", "id"),
                _c("course_id", "id", False, fallback="=course_name"),
                _c("course_name", "text", fallback="=course_id"),
                _c("category", "enum", False, choices=("leadership", "management", "technical", "compliance", "other")),
                _c("provider", "enum", False, choices=("internal", "external")),
                _c("hours", "float", False, min=0, max=2000),
                _c("start_date", "date", fallback="=completion_date"),
                _c("completion_date", "date", False),
                _c("status", "enum", False, choices=("completed", "in_progress", "dropped"), fallback="=status_from_completion_date"),
                _c("score", "float", False, min=0, max=100),
            ),
            key=("employee_id", "course_id", "start_date"),
            checks=(("start_date", "completion_date", "completion_date is before start_date"),),
        ),
        Entity(
            "certifications",
            (
                _c("employee_id", "id"),
                _c("name", "text"),
                _c("issued_date", "date"),
                _c("expiry_date", "date", False),
            ),
            key=("employee_id", "name", "issued_date"),
            checks=(("issued_date", "expiry_date", "expiry_date is before issued_date"),),
        ),
        Entity(
            "feedback_360",
            (
                _c("employee_id", "id"),
                _c("cycle", "period"),
                _c("rater_id", "id", False),
                _c("rater_relation", "enum", choices=("self", "manager", "peer", "direct_report")),
                _c("competency", "text", False, fallback="overall"),
                _c("score", "feedback"),
                _c("comment", "text", False, max_length=5000),
            ),
            key=("employee_id", "cycle", "rater_relation", "rater_id", "competency"),
        ),
        Entity(
            "projects",
            (
                _c("employee_id", "id"),
                _c("project_id", "id"),
                _c("project_name", "text", False, fallback="=project_id"),
                _c("role", "enum", choices=("lead", "member")),
                _c("team_size", "int", False, min=1, max=100000),
                _c("cross_department", "bool", False),
                _c("start_date", "date"),
                _c("end_date", "date", False),
            ),
            key=("employee_id", "project_id"),
            checks=(("start_date", "end_date", "end_date is before start_date"),),
        ),
        Entity(
            "profiles",
            (
                _c("employee_id", "id"),
                _c("skills", "text", False, max_length=5000),
                _c("career_aspiration", "enum", False, choices=("management", "specialist", "undecided")),
                _c("career_plan_submitted", "bool", False),
                _c("updated_at", "date", False, fallback="@as_of"),
            ),
            key=("employee_id",),
        ),
        Entity(
            "promotions",
            (
                _c("employee_id", "id"),
                _c("effective_date", "date"),
                _c("from_level", "int", False, min=0, max=30),
                _c("to_level", "int", False, min=0, max=30),
                _c("to_position", "text", False),
                _c("into_management", "bool", False),
            ),
            key=("employee_id", "effective_date"),
        ),
        Entity(
            # Any other per-person fact an export holds ("KPIs met", engagement score): a mapping
            # routes extra columns of any file here; numeric values also land in value_number.
            "employee_attributes",
            (
                _c("employee_id", "id"),
                _c("attribute", "text", max_length=100),
                _c("period", "period", False),
                _c("value", "text", max_length=500),
            ),
            key=("employee_id", "attribute", "period"),
        ),
    )
}

# Employees first: the other entities are checked against the known employee IDs.
LOAD_ORDER: tuple[str, ...] = tuple(ENTITIES)
