"""The one scoped access layer: every read and write a page makes about people goes through here.

A page gets a ScopedData for the signed-in user and never passes a department scope itself, so
URL parameters, crafted widget values and downloads cannot reach another department's rows.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from services import calibration, nominations, plans, reviews
from services.auth import User, record
from services.people import CandidateFilters
from services.permissions import NotAllowed
from services.privacy import MIN_GROUP, small_groups
from .state import analysis_cursor, query, query_with_workspace, workspace_query


@dataclass(frozen=True)
class ScopedData:
    user: User

    @property
    def scope(self) -> tuple[str, ...] | None:
        return self.user.scope

    def _require(self, permission: str) -> None:
        if not self.user.can(permission):
            raise NotAllowed(f"Your role ({self.user.role}) may not do this.")

    # --- aggregates (every role) ---
    # A user who may not see people (the viewer) never sees a figure of a group under privacy.MIN_GROUP: departments
    # under it (and the next smallest, where one alone could be worked out from the total) are not offered and are
    # folded into one "other departments" row (department null); totals stay exact, so a difference shows at most
    # those departments together. Who may see people sees their own people's records anyway.
    def _folded(self) -> set[str]:
        if self.user.can("view_people"):
            return set()
        sizes = query("department_pool", self.scope).select("department", "active_employees").rows()
        return small_groups({d: n for d, n in sizes})

    def departments(self) -> list[str]:
        folded = self._folded()
        return [d for d in query("departments", self.scope) if d not in folded]

    def headline(self, department: str | None = None) -> dict | None:
        # pool_members reads the nominations too: cached until either database changes
        return None if department in self._folded() else query_with_workspace("headline", self.scope, department)

    def pool_funnel(self, department: str | None = None) -> pl.DataFrame | None:
        return None if department in self._folded() else query("pool_funnel", self.scope, department)

    def department_pool(self) -> pl.DataFrame:
        rows = query("department_pool", self.scope)
        folded = self._folded()
        if not folded:
            return rows
        other = rows.filter(pl.col("department").is_in(list(folded))).select(
            pl.lit(None, pl.String).alias("department"),
            *[pl.col(c).sum() for c in ("active_employees", "pool_eligible")],
            (pl.col("pool_eligible").sum() / pl.col("active_employees").sum()).alias("pool_share"),
            *[pl.col(c).sum() for c in ("management_aspiration", "people_managers")],
            pl.lit(None, pl.Float64).alias("avg_rating_points"), pl.lit(None, pl.Float64).alias("avg_feedback_360"))
        return pl.concat([rows.filter(~pl.col("department").is_in(list(folded))), other], how="vertical_relaxed")

    def rating_distribution(self, department: str | None = None) -> pl.DataFrame:
        if self.user.can("view_people"):
            return query("rating_distribution", self.scope, department)
        folded = self._folded()
        if department is None:  # a year with fewer than MIN_GROUP rated people in all is a small group too
            everyone = query("rating_distribution", self.scope, None)
            return everyone.filter(pl.col("employees").sum().over("year") >= MIN_GROUP)
        if department in folded:
            return query("rating_distribution", self.scope, department).clear()
        # One year's rated people of a department are a group too: years where it is under MIN_GROUP are hidden.
        by_year = query("rating_distribution_by_department", self.scope)
        shown_years = [year for year, part in by_year.group_by("year")
                       if department not in small_groups(dict(part.select("department", "employees").rows()), folded)]
        return query("rating_distribution", self.scope, department).filter(pl.col("year").is_in([y[0] for y in shown_years]))

    # --- people ---
    def check_department(self, department: str | None) -> None:
        if department and self.scope is not None and department not in self.scope:
            raise NotAllowed(f"You can see only your own department(s): {', '.join(self.scope)}.")

    def nominated(self) -> dict[str, str | None]:
        self._require("view_people")
        return query_with_workspace("pool.nominated", self.scope)

    def filter_choices(self) -> dict[str, list]:
        self._require("view_people")
        return query("people.filter_choices", self.scope)

    def candidates(self, filters: CandidateFilters, nominated: dict | None = None) -> tuple[pl.DataFrame, int]:
        """nominated: this rerun's self.nominated(), when the page has it already."""
        self._require("view_people")
        self.check_department(filters.department)
        return query("people.candidates", self.scope, filters, _frozen(self.nominated() if nominated is None else nominated))

    def profile(self, employee_id: str) -> dict | None:
        self._require("view_people")
        return query("people.profile", self.scope, employee_id)

    def records(self, employee_id: str, entity: str) -> pl.DataFrame:
        self._require("view_people")
        return query("people.records", self.scope, employee_id, entity)

    def feedback_by_competency(self, employee_ids: tuple[str, ...]) -> pl.DataFrame:
        self._require("view_people")
        return query("people.feedback_by_competency", self.scope, tuple(employee_ids))

    def nomination_history(self, employee_id: str) -> pl.DataFrame:
        if self.profile(employee_id) is None:
            return pl.DataFrame()
        return workspace_query("nominations.history", employee_id)

    def nominate(self, employee_id: str, action: str, reason: str, readiness: str | None = None, target_position: str | None = None,
                 exit_reason: str | None = None) -> None:
        self._require("nominate")
        person = self.profile(employee_id)
        if person is None:
            raise NotAllowed("This person is not in your department(s).")
        nominations.record(employee_id, person["department"], action, reason, self.user.username, readiness, target_position, exit_reason)

    def nine_box(self, department: str | None = None) -> pl.DataFrame:
        """Placements with calibration applied: performance/potential are the calibrated box."""
        self._require("view_people")
        self.check_department(department)
        grid = query("people.nine_box", self.scope, department)
        moved = workspace_query("calibration.current", self.scope)
        return grid.join(moved.drop("department"), on="employee_id", how="left").with_columns(
            pl.col("performance").alias("original_performance"), pl.col("potential").alias("original_potential"),
            pl.coalesce("calibrated_performance", "performance").alias("performance"),
            pl.coalesce("calibrated_potential", "potential").alias("potential"),
            pl.col("calibrated_performance").is_not_null().alias("calibrated"),
        )

    def calibration_by_rater(self) -> pl.DataFrame:
        self._require("view_people")
        return workspace_query("calibration.per_rater", self.scope)

    def calibrate(self, employee_id: str, performance: str, potential: str, reason: str) -> None:
        """HR or the person's department head moves them to another box."""
        self._require("nominate")
        grid = self.nine_box()
        person = grid.filter(pl.col("employee_id") == employee_id)
        if person.height == 0:
            raise NotAllowed("This person is not a candidate in your department(s).")
        row = person.row(0, named=True)
        calibration.record(employee_id, row["department"], (row["original_performance"], row["original_potential"]),
                           (performance, potential), reason, self.user.username)

    # --- development plans and review cycles (writes check the user in plans/reviews) ---
    def plan_progress(self, as_of: date) -> pl.DataFrame:
        self._require("view_people")
        return query_with_workspace("plans.progress_items", self.scope, as_of)

    def plan(self, employee_id: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        """One person's plan items (effective today) and its change history; empty outside scope."""
        if self.profile(employee_id) is None:
            return pl.DataFrame(), pl.DataFrame()
        items = query_with_workspace("plans.progress_items", self.scope, date.today(), (employee_id,))
        return items, workspace_query("plans.changes", self.scope, employee_id)

    def create_plan(self, employee_id: str, starts_on: date, position_profile_id: int | None = None) -> int:
        person = self.profile(employee_id)
        if person is None:
            raise NotAllowed("This person is not in your department(s).")
        return plans.create_plan(self.user, employee_id, person["department"], starts_on, position_profile_id)

    def review_results(self, employee_id: str) -> pl.DataFrame:
        if self.profile(employee_id) is None:
            return pl.DataFrame()
        return workspace_query("reviews.person_results", self.scope, employee_id)

    def cycles(self) -> pl.DataFrame:
        self._require("view_people")
        return workspace_query("reviews.list_cycles")

    def cycle_people(self, cycle_id: str) -> pl.DataFrame:
        self._require("view_people")
        return query_with_workspace("reviews.cycle_people", self.scope, cycle_id)

    def cycle_figures(self, cycle_id: str) -> pl.DataFrame:
        self._require("view_people")
        return query_with_workspace("reviews.cycle_figures", self.scope, cycle_id)

    def movement(self, year: int) -> pl.DataFrame:
        self._require("view_people")
        return query_with_workspace("reviews.movement", self.scope, year)

    def cycle_disputes(self, cycle_id: str) -> pl.DataFrame:
        self._require("view_people")
        return workspace_query("reviews.disputes", self.scope, cycle_id)

    def open_cycle(self, year: int, kind: str) -> str:
        with analysis_cursor() as cur:
            return reviews.open_cycle(self.user, cur, year, kind)

    def close_cycle(self, cycle_id: str) -> None:
        with analysis_cursor() as cur:
            reviews.close_cycle(self.user, cur, cycle_id)

    def refresh_cycle(self, cycle_id: str) -> int:
        with analysis_cursor() as cur:
            return reviews.refresh_cycle(self.user, cur, cycle_id)

    def audit_export(self, what: str, rows: int) -> None:
        record(self.user, "export", what, f"{rows} rows")


def _frozen(d: dict) -> tuple:
    """A hashable snapshot of the nominations, so cached queries key on it."""
    return tuple(sorted(d.items(), key=lambda kv: kv[0]))
