"""The one scoped access layer: every read and write a page makes goes through here.

A page gets a ScopedData for the signed-in user and never passes a department scope itself, so
URL parameters, crafted widget values and downloads cannot reach another department's rows.
Writes are thin: each hands the signed-in user to its service, which checks the one policy and
writes through workspace.write; nothing here decides who may write.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from services import (auth, calibration, nominations, plans, positions, reviews, self_assessment, self_service, succession,
                      talent_card)
from services.auth import User
from services.i18n import current_language
from services.people import CandidateFilters
from services.permissions import NotAllowed, can_write
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
        nominations.record(self.user, employee_id, None, action, reason, readiness, target_position, exit_reason)

    # --- profile search, readiness (issue 15) ---
    def search_people(self, text: str) -> pl.DataFrame:
        """People within scope by name or employee id (services.people.search)."""
        self._require("view_people")
        return query("people.search", self.scope, " ".join((text or "").split())[:100])

    def change_readiness(self, employee_id: str, readiness: str, reason: str, target_position: str | None = None) -> None:
        """A pool member's readiness changes; the membership goes on (nominations.change_readiness checks who)."""
        nominations.change_readiness(self.user, employee_id, None, readiness, reason, target_position)

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
        """HR or the person's department head moves them to another box (calibration.record checks who)."""
        grid = self.nine_box() if self.user.can("view_people") else pl.DataFrame()
        person = grid.filter(pl.col("employee_id") == employee_id) if grid.height else grid
        original = person.select("original_performance", "original_potential").row(0) if person.height else (None, None)
        calibration.record(self.user, employee_id, None, original, (performance, potential), reason)

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
        return plans.create_plan(self.user, employee_id, None, starts_on, position_profile_id)

    def add_plan_item(self, plan_id: int, kind: str, title: str, due_date: date, reason: str) -> int:
        return plans.add_item(self.user, plan_id, kind, title, due_date, reason)

    def change_plan_item(self, item_id: int, reason: str, **changes) -> int:
        return plans.change_item(self.user, item_id, reason, **changes)

    def add_plan_template_item(self, department: str | None, kind: str, title: str, due_months: int) -> int:
        return plans.add_template_item(self.user, department, kind, title, due_months)

    # --- position profiles ---
    def save_position(self, title: str, department: str | None, responsibilities: str, core_competencies: str, promotion_path: str,
                      profile_id: int | None = None) -> int:
        return positions.save(self.user, title, department, responsibilities, core_competencies, promotion_path, profile_id)

    def tailor_position(self, template_id: int, department: str, title: str | None = None) -> int:
        return positions.tailor(self.user, template_id, department, title)

    def comment_position(self, profile_id: int, body: str) -> None:
        positions.comment(self.user, profile_id, body)

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

    def open_cycle(self, year: int, kind: str, self_assessment_due: date | None = None) -> str:
        with analysis_cursor() as cur:
            return reviews.open_cycle(self.user, cur, year, kind, self_assessment_due=self_assessment_due)

    def set_self_assessment_due(self, cycle_id: str, due: date) -> None:
        reviews.set_self_assessment_due(self.user, cycle_id, due)

    def close_cycle(self, cycle_id: str) -> None:
        with analysis_cursor() as cur:
            reviews.close_cycle(self.user, cur, cycle_id)

    def refresh_cycle(self, cycle_id: str) -> int:
        with analysis_cursor() as cur:
            return reviews.refresh_cycle(self.user, cur, cycle_id)

    def record_assessment(self, cycle_id: str, employee_id: str, indicators: dict, outcome: str, **texts: str) -> dict:
        return reviews.record_assessment(self.user, cycle_id, employee_id, indicators, outcome, **texts)

    def confirm_outcome(self, cycle_id: str, employee_id: str, outcome: str, note: str = "") -> None:
        reviews.confirm(self.user, cycle_id, employee_id, outcome, note)

    def raise_dispute(self, cycle_id: str, employee_id: str, dispute: str, about: str = "outcome") -> int:
        return reviews.raise_dispute(self.user, cycle_id, employee_id, dispute, about=about)

    def answer_dispute(self, dispute_id: int, answer: str) -> None:
        reviews.answer_dispute(self.user, dispute_id, answer)

    # --- the candidate's own records (issue #18): the person is the signed-in account's, never a page's value ---
    @property
    def me(self) -> str:
        """The employee id of the signed-in employee (NotAllowed for any other role)."""
        self._require("view_own_records")
        if not self.user.employee_id:
            raise NotAllowed("This account is not linked to an employee.")
        return self.user.employee_id

    def my_person(self) -> dict | None:
        return query("self_service.person", self.user, self.me)

    def my_records(self, entity: str) -> pl.DataFrame:
        return query("self_service.records", self.user, self.me, entity)

    def my_feedback(self) -> dict:
        return query("self_service.feedback_summary", self.user, self.me)

    def my_profile_state(self) -> pl.DataFrame:
        return query_with_workspace("self_service.profile_state", self.user, self.me)

    def my_profile_history(self) -> pl.DataFrame:
        return workspace_query("self_service.history", self.user, self.me)

    def my_plan(self, as_of: date) -> pl.DataFrame:
        return query_with_workspace("self_service.plan", self.user, self.me, as_of)

    def edit_my_profile(self, changes: dict[str, str | None]) -> dict:
        return self_service.edit_profile(self.user, self.me, changes)

    def report_plan_item_done(self, item_id: int, note: str) -> None:
        plans.report_done(self.user, item_id, note)

    def confirm_plan_item(self, item_id: int, confirm: bool = True, note: str = "") -> None:
        plans.confirm_done(self.user, item_id, confirm, note)

    # --- self-service edits waiting for the analysis (the Data page) ---
    def self_service_status(self) -> dict:
        self._require("manage_data")
        return {**query("self_service.merge_counts"), "pending": query_with_workspace("self_service.pending_edits")}

    def apply_self_service_edits(self) -> bool:
        return self_service.apply_edits(self.user)

    # --- candidates in their review (issue #18) ---
    def member_self_assessment(self, cycle_id: str, employee_id: str) -> pl.DataFrame:
        """A member's self-assessment for their reviewer (and HR); empty outside scope."""
        self._require("view_people")
        return workspace_query("self_assessment.member_material", self.scope, cycle_id, employee_id)

    def review_reminders(self) -> pl.DataFrame:
        """Self-assessments missing per open cycle and department within scope."""
        self._require("view_people")
        return workspace_query("self_assessment.reminders", self.scope, date.today())

    def engagement(self, cycle_id: str) -> pl.DataFrame:
        self._require("view_people")
        return query_with_workspace("self_assessment.engagement", self.scope, cycle_id)

    # The candidate's own review: the person is always the signed-in account's (self.me), never a value from the page.
    def my_review(self) -> dict[str, pl.DataFrame]:
        return workspace_query("self_assessment.my_review", self.me)

    def submit_self_assessment(self, cycle_id: str, entries: dict[str, tuple[str | None, str | None]]) -> int:
        return self_assessment.submit(self.user, cycle_id, self.me, entries)

    def raise_my_dispute(self, cycle_id: str, about: str, dispute: str) -> int:
        return reviews.raise_dispute(self.user, cycle_id, self.me, dispute, about=about)

    # --- accounts: the user's own, and HR admins' management of everyone's ---
    def change_password(self, current: str, new: str) -> None:
        auth.change_password(self.user, current, new)

    def create_user(self, username: str, role: str, password: str, departments: tuple[str, ...] = (),
                    display_name: str | None = None, employee_id: str | None = None) -> User:
        """employee_id: the person an employee account belongs to; its name (from the import) is shown when no
        display name is given."""
        if role == "employee" and (employee_id or "").strip():
            name = query("self_service.employee_name", employee_id.strip())
            if name is None:
                raise ValueError(f"no employee '{employee_id.strip()}' in the latest import")
            display_name = (display_name or "").strip() or name
        return auth.create_user(username, role, password, departments, display_name, created_by=self.user, employee_id=employee_id)

    def set_disabled(self, username: str, disabled: bool) -> None:
        auth.set_disabled(self.user, username, disabled)

    def reset_password(self, username: str, temporary: str) -> None:
        auth.reset_password(self.user, username, temporary)

    def unlock(self, username: str) -> int:
        return auth.unlock(self.user, username)

    def audit(self, action: str, target: str | None = None, detail: str | None = None) -> None:
        """An audit row alone, for what a page does outside the workspace (a model trained, the pool rules edited)."""
        auth.record(self.user, action, target, detail)

    def audit_export(self, what: str, rows: int) -> None:
        auth.record(self.user, "export", what, f"{rows} rows")

    # --- the calibration session (issue #16 part 2): reads keyed on the workspace version, writes through the service ---
    def calibration_sessions(self) -> pl.DataFrame:
        """The sessions touching the user's departments (HR and leadership: all), newest meeting first."""
        self._require("view_people")
        return workspace_query("calibration.sessions", self.scope)

    def _calibration_session(self, session_id: int) -> dict:
        found = self.calibration_sessions().filter(pl.col("session_id") == int(session_id))
        if found.height == 0:
            raise NotAllowed("This calibration session does not include your department(s).")
        return found.row(0, named=True)

    def calibration_session_grid(self, session_id: int) -> pl.DataFrame:
        """The session's people in scope with their original and calibrated box (a locked session: its snapshot)."""
        self._calibration_session(session_id)
        return query_with_workspace("calibration.session_grid", self.scope, int(session_id))

    def calibration_distribution(self, grid: pl.DataFrame) -> pl.DataFrame:
        return calibration.distribution(grid, calibration.guide())

    def calibration_leniency(self, session_id: int) -> pl.DataFrame:
        self._calibration_session(session_id)
        return workspace_query("calibration.leniency", int(session_id))

    def calibration_comparison(self, session_id: int) -> dict:
        self._calibration_session(session_id)
        return query_with_workspace("calibration.compare_with_previous", self.scope, int(session_id))

    def open_calibration_session(self, name: str, departments: list[str], meeting_date: date) -> int:
        with analysis_cursor() as cur:
            return calibration.open_session(self.user, name, departments, meeting_date, cur=cur)

    def calibration_move(self, session_id: int, employee_id: str, performance: str, potential: str, reason: str) -> None:
        with analysis_cursor() as cur:
            calibration.move(self.user, int(session_id), employee_id, (performance, potential), reason, cur=cur)

    def lock_calibration_session(self, session_id: int) -> int:
        with analysis_cursor() as cur:
            return calibration.lock_session(self.user, int(session_id), cur=cur)

    # --- the talent card and the meeting pack (issue #16, part 3): made on a download's click; the service checks the
    # reader's role and scope, prints and writes the audit row ---
    def talent_card(self, employee_id: str, lang: str, fmt: str = "pdf") -> bytes:
        return talent_card.card_file(self.user, employee_id, lang, fmt)

    def meeting_pack(self, grid: pl.DataFrame, title: str, lang: str, fmt: str = "pdf", cards_for: list[str] | None = None) -> bytes:
        """grid: the session's people (services.talent_card.GRID_COLUMNS); only those in the reader's scope are printed;
        cards_for: who gets a card (None: everyone in the grid)."""
        return talent_card.meeting_pack_file(self.user, grid, title, lang, fmt, cards_for=cards_for)

    # --- #16 part 1: succession per key seat (services/succession.py; writes check the user there) ---
    def key_seats(self, department: str | None = None) -> pl.DataFrame:
        self._require("view_people")
        self.check_department(department)
        return query_with_workspace("succession.seats", self.scope, department)

    def seat_successors(self, seat_id: int) -> pl.DataFrame:
        self._require("view_people")
        return query_with_workspace("succession.successors", self.scope, int(seat_id))

    def seat_history(self, seat_id: int) -> pl.DataFrame:
        self._require("view_people")
        return query_with_workspace("succession.history", self.scope, int(seat_id))

    def bench_by_department(self) -> pl.DataFrame:
        self._require("view_people")
        return query_with_workspace("succession.bench_by_department", self.scope)

    def candidate_seats(self, department: str | None = None) -> pl.DataFrame:
        self._require("view_people")
        self.check_department(department)
        return query_with_workspace("succession.candidate_seats", self.scope, department)

    def seat_org_chart(self, department: str) -> pl.DataFrame:
        self._require("view_people")
        self.check_department(department)
        return query_with_workspace("succession.org_chart", self.scope, department)

    def successor_choices(self) -> pl.DataFrame:
        """Today's pool members the user may name: within scope and of a department they may write for."""
        self._require("view_people")
        members = query_with_workspace("succession.pool_choices", self.scope)
        writable = [d for d in members["department"].unique().to_list() if can_write(self.user, d)]  # a few departments
        return members.filter(pl.col("department").is_in(writable))

    def mark_key_seat(self, holder_id: str, impact: str, reason: str) -> int:
        return succession.mark_key_seat(self.user, holder_id, impact, reason)

    def unmark_key_seat(self, seat_id: int, reason: str) -> None:
        succession.unmark_key_seat(self.user, seat_id, reason)

    def set_seat_impact(self, seat_id: int, impact: str, reason: str) -> None:
        succession.set_impact(self.user, seat_id, impact, reason)

    def name_successor(self, seat_id: int, employee_id: str, readiness: str, rank: int | None, reason: str) -> None:
        succession.name_successor(self.user, seat_id, employee_id, readiness, rank, reason)

    def remove_successor(self, seat_id: int, employee_id: str, reason: str) -> None:
        succession.remove_successor(self.user, seat_id, employee_id, reason)

    # --- flight risk (issue #16 part 4): the scores within scope; reasons in the reader's language ---
    def flight_risk_scores(self) -> pl.DataFrame:
        """employee_id, department, probability, risk_band, factors of everyone scored within scope (empty: no model)."""
        self._require("view_people")
        return query("flight_risk.scores", self.scope)

    def flight_risk_for(self, employee_id: str) -> dict | None:
        """One person's flight risk and its reasons in words; None when not scored or outside scope."""
        if not self.user.can("view_people"):
            return None
        return query("flight_risk.for_person", self.scope, employee_id, language=current_language())

    def at_risk_high_potentials(self, department: str | None = None) -> pl.DataFrame:
        """High potential (the top potential band) and high flight risk, within scope, the likeliest to leave first."""
        self._require("view_people")
        return query("flight_risk.at_risk_high_potentials", self.scope, department, language=current_language())


def _frozen(d: dict) -> tuple:
    """A hashable snapshot of the nominations, so cached queries key on it."""
    return tuple(sorted(d.items(), key=lambda kv: kv[0]))
