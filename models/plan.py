"""The plan: optiplan's answer for a portfolio, in dates (never day indices)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field

from models.base import DomainModel


class PlanStatus(StrEnum):
    """How a solve ended."""

    OPTIMAL = "optimal"  # proven optimal (within the requested relative gap)
    FEASIBLE = "feasible"  # a valid plan, not proven optimal
    INFEASIBLE = "infeasible"  # proven: no plan satisfies the hard rules
    TIME_LIMIT = "time_limit"  # stopped by the time limit before any plan was found
    INVALID_INPUT = "invalid_input"  # the portfolio did not validate
    CANCELLED = "cancelled"  # stopped on request; the best plan so far, if any, is kept


class PersonAssignment(DomainModel):
    """A person working on a task for its whole duration."""

    person: str = Field(description="Person id.")
    allocation_percent: int = Field(ge=1, le=100, description="Share of full time.")
    requirement: int | None = Field(
        None,
        description="Index of the requirement this fills, in the task's requirements "
        "followed by the mode's; null for a member of an effort-driven task's team.",
    )


class TaskPlan(DomainModel):
    """When and how one task is done."""

    task: str = Field(description="Task id.")
    project: str = Field(description="Project id.")
    mode: str | None = Field(None, description="Chosen mode id (multi-mode tasks).")
    team_size: int | None = Field(None, description="Chosen team size (effort-driven tasks).")
    start: date = Field(description="First working day.")
    finish: date = Field(description="Last working day (inclusive); the start for milestones.")
    duration_days: int = Field(ge=0, description="Working days.")
    people: list[PersonAssignment] = Field(default_factory=list, description="Who works on it.")
    cost: float = Field(0.0, description="Cost of the task.")
    total_float_days: int | None = Field(None, description="Working days it could slip.")
    free_float_days: int | None = Field(None, description="Slip that delays no successor.")
    critical: bool = Field(False, description="On the critical chain.")


class ProjectPlan(DomainModel):
    """Outcome of one project."""

    project: str = Field(description="Project id.")
    selected: bool = Field(True, description="False if portfolio selection left it out.")
    start: date | None = Field(None, description="Start of its first task.")
    finish: date | None = Field(None, description="Finish of its last task.")
    days_late: int = Field(0, description="Working days after the due date, up to the finish.")
    cost: float = Field(0.0, description="Cost of its tasks.")


class ResourceLoad(DomainModel):
    """Load of one resource in one week against its capacity."""

    resource: str = Field(description="Person or pool id.")
    kind: str = Field(description="'person' or 'pool'.")
    week: date = Field(description="Monday of the ISO week.")
    load_days: float = Field(description="Person-days (or unit-days) of work planned.")
    capacity_days: float = Field(description="Person-days (or unit-days) available.")


class PeriodSpend(DomainModel):
    """Spend in one budget period."""

    period: str = Field(description="Period label as given in the budgets.")
    start: date
    end: date
    spend: float
    limit: float | None = None


class Violation(DomainModel):
    """One broken rule found by the checker."""

    rule: str = Field(description="Short rule name, e.g. 'precedence', 'capacity'.")
    message: str = Field(description="What is wrong, with the numbers.")
    task: str | None = None
    project: str | None = None
    resource: str | None = None
    day: date | None = Field(None, description="Day the violation happens on.")


class CheckReport(DomainModel):
    """The independent checker's verdict on a plan."""

    ok: bool = Field(description="True when no rule is violated.")
    violations: list[Violation] = Field(default_factory=list)


class Plan(DomainModel):
    """optiplan's answer for a portfolio."""

    portfolio: str = Field(description="Portfolio id.")
    status: PlanStatus = Field(description="How the solve ended.")
    objective: dict[str, float] = Field(
        default_factory=dict, description="Value of each objective term, and 'combined'."
    )
    best_bound: float | None = Field(None, description="Proven bound on the combined objective.")
    gap: float | None = Field(
        None, description="Relative gap between plan and bound (0 = optimal)."
    )
    solve_time_s: float = Field(0.0, description="Wall-clock solve time in seconds.")
    statistics: dict[str, float | int | str] = Field(
        default_factory=dict, description="Engine statistics (branches, conflicts, ...)."
    )
    tasks: list[TaskPlan] = Field(default_factory=list)
    projects: list[ProjectPlan] = Field(default_factory=list)
    load: list[ResourceLoad] = Field(default_factory=list)
    spend: list[PeriodSpend] = Field(default_factory=list)
    critical_tasks: list[str] = Field(default_factory=list)
    explanation: list[str] = Field(
        default_factory=list, description="Why the plan is as it is, or why there is none."
    )
    messages: list[str] = Field(default_factory=list, description="Warnings and notes.")
    check: CheckReport | None = Field(None, description="The independent checker's verdict.")
