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
    max_length: int = 200


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
                _c("name", "text"),
                _c("department", "text"),
                _c("position", "text"),
                _c("job_level", "int", min=0, max=30),
                _c("manager_id", "id", False),
                _c("hire_date", "date"),
                _c("birth_date", "date", False),
                _c("gender", "enum", False, choices=("female", "male", "other")),
                _c("location", "text", False),
                _c("status", "enum", choices=("active", "left")),
                _c("exit_date", "date", False),
                _c("exit_reason", "text", False),
            ),
            key=("employee_id",),
            references_employee=False,
            checks=(
                ("birth_date", "hire_date", "birth_date is after hire_date"),
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
                _c("course_id", "id"),
                _c("course_name", "text"),
                _c("category", "enum", choices=("leadership", "management", "technical", "compliance", "other")),
                _c("provider", "enum", choices=("internal", "external")),
                _c("hours", "float", min=0, max=2000),
                _c("start_date", "date"),
                _c("completion_date", "date", False),
                _c("status", "enum", choices=("completed", "in_progress", "dropped")),
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
                _c("competency", "text", max_length=80),
                _c("score", "feedback"),
                _c("comment", "text", False, max_length=2000),
            ),
            key=("employee_id", "cycle", "rater_relation", "rater_id", "competency"),
        ),
        Entity(
            "projects",
            (
                _c("employee_id", "id"),
                _c("project_id", "id"),
                _c("project_name", "text"),
                _c("role", "enum", choices=("lead", "member")),
                _c("team_size", "int", False, min=1, max=100000),
                _c("cross_department", "bool"),
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
                _c("skills", "text", False, max_length=2000),
                _c("career_aspiration", "enum", choices=("management", "specialist", "undecided")),
                _c("career_plan_submitted", "bool"),
                _c("updated_at", "date"),
            ),
            key=("employee_id",),
        ),
        Entity(
            "promotions",
            (
                _c("employee_id", "id"),
                _c("effective_date", "date"),
                _c("from_level", "int", min=0, max=30),
                _c("to_level", "int", min=0, max=30),
                _c("to_position", "text"),
                _c("into_management", "bool"),
            ),
            key=("employee_id", "effective_date"),
        ),
    )
}

# Employees first: the other entities are checked against the known employee IDs.
LOAD_ORDER: tuple[str, ...] = tuple(ENTITIES)
