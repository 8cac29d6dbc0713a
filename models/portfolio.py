"""The portfolio: projects, tasks, people, pools, budgets and objectives (the input).

These types check each field on its own (types, ranges, mutually exclusive fields).
Rules that span several objects (references, cycles, skills nobody has, capacities)
live in :mod:`models.validation`, which reports every problem with its path.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from models.base import Day, DomainModel, Identifier, Money


# --------------------------------------------------------------------------- calendar
class Holiday(DomainModel):
    """A public holiday or company-wide day off."""

    date: Day = Field(description="The non-working date.")
    name: str = Field("", description="What the day is, e.g. 'Christmas Day'.")


class CalendarException(DomainModel):
    """A range of dates whose working status differs from the weekly pattern."""

    start: Day = Field(description="First date of the exception.")
    end: Day = Field(description="Last date of the exception (inclusive).")
    working: bool = Field(
        False,
        description="True makes the dates working days (a working Saturday); "
        "false makes them non-working (a shutdown).",
    )
    name: str = Field("", description="Why the exception exists.")


class WorkingCalendar(DomainModel):
    """The portfolio's working calendar: weekly pattern, holidays and exceptions."""

    working_weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5],
        description="ISO weekdays that are worked: 1 = Monday ... 7 = Sunday.",
    )
    holidays: list[Holiday] = Field(default_factory=list, description="Public holidays.")
    exceptions: list[CalendarException] = Field(
        default_factory=list, description="Shutdowns or extra working days."
    )


# --------------------------------------------------------------------------- resources
class Skill(DomainModel):
    """An entry of the skills catalogue."""

    id: Identifier = Field(description="Skill id used in people and requirements, e.g. 'sap'.")
    name: str = Field("", description="Readable name, e.g. 'SAP S/4HANA'.")


class Absence(DomainModel):
    """Dates a person does not work (vacation, training, a regional holiday)."""

    start: Day = Field(description="First day of the absence.")
    end: Day = Field(description="Last day of the absence (inclusive).")
    reason: str = Field("", description="Why the person is away.")


class Person(DomainModel):
    """A named person who can be assigned to tasks."""

    id: Identifier = Field(description="Unique person id.")
    name: str = Field("", description="Full name.")
    team: str | None = Field(None, description="Team the person belongs to.")
    skills: dict[str, Annotated[int, Field(ge=1, le=5)]] = Field(
        default_factory=dict,
        description="Skill id -> level from 1 (novice) to 5 (expert).",
    )
    capacity: float = Field(
        1.0,
        gt=0,
        le=1,
        allow_inf_nan=False,
        description="Fraction of full time the person works (0.5 = half time).",
    )
    absences: list[Absence] = Field(default_factory=list, description="Days away.")
    cost_per_day: Money = Field(0.0, description="Cost of one full working day.")


class CapacityChange(DomainModel):
    """A pool's capacity from a date on (a hire, attrition, a new environment)."""

    from_date: Day = Field(description="Date from which the new capacity applies.")
    units: int = Field(ge=0, description="Units available from that date.")


class Pool(DomainModel):
    """A team, role, contractor pool or environment with a capacity in units."""

    id: Identifier = Field(description="Unique pool id.")
    name: str = Field("", description="Readable name.")
    units: int = Field(ge=0, description="Units available from the portfolio start.")
    capacity_changes: list[CapacityChange] = Field(
        default_factory=list, description="Later capacity changes, by date."
    )
    skills: list[str] = Field(default_factory=list, description="Skills the pool offers.")
    cost_per_unit_day: Money = Field(0.0, description="Cost of one unit for one working day.")


class Consumable(DomainModel):
    """A resource consumed once per use with a total cap (licences, hardware, vouchers)."""

    id: Identifier = Field(description="Unique consumable id.")
    name: str = Field("", description="Readable name.")
    total: int = Field(ge=0, description="Total amount available over the whole portfolio.")


# --------------------------------------------------------------------------- requirements
class PersonRequirement(DomainModel):
    """A named person works on the task for its whole duration."""

    kind: Literal["person"] = "person"
    person: str = Field(description="Id of the person.")
    allocation_percent: int = Field(
        100, ge=1, le=100, description="Share of the person's full time on this task."
    )


class PoolRequirement(DomainModel):
    """Units of a pool are held for the whole duration of the task."""

    kind: Literal["pool"] = "pool"
    pool: str = Field(description="Id of the pool.")
    units: int = Field(1, ge=1, description="Units held.")


class SkillRequirement(DomainModel):
    """``count`` people with ``skill`` at ``min_level`` or more, chosen by the solver."""

    kind: Literal["skill"] = "skill"
    skill: str = Field(description="Id of the skill.")
    min_level: int = Field(1, ge=1, le=5, description="Lowest acceptable level (1-5).")
    count: int = Field(1, ge=1, description="How many distinct people are needed.")
    allocation_percent: int = Field(
        100, ge=1, le=100, description="Share of each chosen person's full time."
    )


class ConsumableRequirement(DomainModel):
    """An amount of a consumable used once when the task runs."""

    kind: Literal["consumable"] = "consumable"
    consumable: str = Field(description="Id of the consumable.")
    amount: int = Field(ge=0, description="Amount used.")


Requirement = Annotated[
    PersonRequirement | PoolRequirement | SkillRequirement | ConsumableRequirement,
    Field(discriminator="kind"),
]


# --------------------------------------------------------------------------- tasks
class DependencyType(StrEnum):
    """Dependency types between tasks (predecessor -> successor)."""

    FS = "FS"  # successor starts after the predecessor finishes
    SS = "SS"  # successor starts after the predecessor starts
    FF = "FF"  # successor finishes after the predecessor finishes
    SF = "SF"  # successor finishes after the predecessor starts


class Dependency(DomainModel):
    """A dependency of this task on a predecessor task (any project)."""

    task: str = Field(description="Id of the predecessor task.")
    type: DependencyType = Field(DependencyType.FS, description="FS, SS, FF or SF.")
    lag_days: int = Field(
        0, description="Working days added to the constraint; negative values overlap."
    )


class Mode(DomainModel):
    """One way of doing a task, e.g. in-house with two developers or via a contractor."""

    id: Identifier = Field(description="Mode id, unique within the task.")
    name: str = Field("", description="Readable name.")
    duration_days: int = Field(ge=0, description="Working days in this mode.")
    requirements: list[Requirement] = Field(
        default_factory=list,
        description="Requirements in this mode, in addition to the task's own.",
    )
    cost: Money = Field(0.0, description="Fixed price of this mode (e.g. a contractor quote).")


class Team(DomainModel):
    """The team of an effort-driven task: its size range and where members come from."""

    min_size: int = Field(ge=1, description="Smallest team.")
    max_size: int = Field(ge=1, description="Largest team.")
    skill: str | None = Field(None, description="Members are people with this skill...")
    min_level: int = Field(1, ge=1, le=5, description="...at this level or more.")
    pool: str | None = Field(None, description="Or members are units of this pool.")


class ProgressState(StrEnum):
    """Where a task stands on the status date."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Progress(DomainModel):
    """Recorded progress of a task."""

    state: ProgressState = Field(description="not_started, in_progress or done.")
    actual_start: Day | None = Field(None, description="When work started.")
    actual_finish: Day | None = Field(None, description="When work finished (done only).")
    remaining_days: int | None = Field(
        None, ge=0, description="Working days left from the status date (in_progress)."
    )


class Estimate(DomainModel):
    """Three-point estimate of the duration, in working days."""

    optimistic_days: float = Field(ge=0, allow_inf_nan=False)
    likely_days: float = Field(ge=0, allow_inf_nan=False)
    pessimistic_days: float = Field(ge=0, allow_inf_nan=False)


class Task(DomainModel):
    """A unit of work of a project.

    Give exactly one of ``duration_days``, ``effort_days`` (with ``team``) or ``modes``.
    A milestone has ``milestone: true`` and no duration.
    """

    id: Identifier = Field(description="Task id, unique across the whole portfolio.")
    name: str = Field("", description="Readable name.")
    duration_days: int | None = Field(None, ge=0, description="Working days of work.")
    effort_days: int | None = Field(
        None, ge=1, description="Person-days of effort; duration = ceil(effort / team size)."
    )
    team: Team | None = Field(None, description="Team of an effort-driven task.")
    modes: list[Mode] | None = Field(None, description="Alternative ways of doing the task.")
    milestone: bool = Field(False, description="A zero-duration event.")
    requirements: list[Requirement] = Field(
        default_factory=list, description="People, pools, skills or consumables needed."
    )
    dependencies: list[Dependency] = Field(
        default_factory=list, description="Predecessors of this task."
    )
    earliest_start: Day | None = Field(None, description="Do not start before this date.")
    deadline: Day | None = Field(None, description="Hard: finish on or before this date.")
    fixed_cost: Money = Field(0.0, description="Cost incurred once, at the start.")
    progress: Progress | None = Field(None, description="Recorded progress.")
    pinned_start: Day | None = Field(None, description="Start exactly on this date.")
    estimate: Estimate | None = Field(None, description="Three-point duration estimate.")

    @model_validator(mode="after")
    def _one_way_to_size(self) -> Task:
        given = [
            name
            for name, value in (
                ("duration_days", self.duration_days),
                ("effort_days", self.effort_days),
                ("modes", self.modes),
            )
            if value is not None
        ]
        if len(given) > 1:
            raise ValueError(
                f"give only one of duration_days, effort_days or modes (got {', '.join(given)})"
            )
        if not given and not self.milestone:
            raise ValueError(
                "give one of duration_days, effort_days (with team) or modes, "
                "or mark the task as a milestone"
            )
        return self


# --------------------------------------------------------------------------- projects
class Project(DomainModel):
    """A project: tasks plus its dates, value, budget and selection rules."""

    id: Identifier = Field(description="Unique project id.")
    name: str = Field("", description="Readable name.")
    priority: int = Field(
        1, ge=0, le=1000, description="Weight of the project (higher matters more)."
    )
    value: Money = Field(0.0, description="Benefit of doing the project (for selection).")
    release_date: Day | None = Field(None, description="No task starts before this date.")
    due_date: Day | None = Field(None, description="Soft: finishing later costs per day late.")
    late_cost_per_day: Money = Field(0.0, description="Cost of each working day late.")
    deadline: Day | None = Field(None, description="Hard: every task finishes by this date.")
    budget: Money | None = Field(None, description="Hard cap on the project's cost.")
    mandatory: bool = Field(True, description="False lets portfolio selection leave it out.")
    depends_on: list[str] = Field(
        default_factory=list,
        description="Projects that must be finished (and selected) before this one starts.",
    )
    exclusive_group: str | None = Field(
        None, description="At most one project of each group is selected."
    )
    tasks: list[Task] = Field(default_factory=list, description="The project's tasks.")


# --------------------------------------------------------------------------- budgets
class BudgetPeriod(DomainModel):
    """A spending cap for one period."""

    period: str = Field(
        description="'2026' (calendar year), 'FY2026' (fiscal year), '2026-Q3', '2026-03' "
        "or an explicit range '2026-01-15/2026-02-14'."
    )
    limit: Money = Field(description="Most that may be spent in the period.")


class Budgets(DomainModel):
    """Portfolio-level spending caps."""

    total: Money | None = Field(None, description="Cap on the whole portfolio's cost.")
    periods: list[BudgetPeriod] = Field(default_factory=list, description="Caps by period.")
    fiscal_year_start_month: int = Field(
        1, ge=1, le=12, description="Month in which fiscal year 'FYyyyy' starts (ends in yyyy)."
    )


# --------------------------------------------------------------------------- objectives
class ObjectiveName(StrEnum):
    """The objectives optiplan optimises."""

    WEIGHTED_TARDINESS = "weighted_tardiness"
    MAKESPAN = "makespan"
    WEIGHTED_COMPLETION = "weighted_completion"
    TOTAL_COST = "total_cost"
    SELECTED_VALUE = "selected_value"
    PEAK_LOAD = "peak_load"
    STABILITY = "stability"


class ObjectiveTerm(DomainModel):
    """One objective with its weight (weighted mode) or rank (lexicographic mode)."""

    name: ObjectiveName = Field(description="Which objective.")
    weight: float = Field(1.0, ge=0, allow_inf_nan=False, description="Weight in a weighted sum.")


class Objectives(DomainModel):
    """What a good plan is: terms combined by weights or lexicographically (list order)."""

    terms: list[ObjectiveTerm] = Field(
        default_factory=lambda: [ObjectiveTerm(name=ObjectiveName.WEIGHTED_TARDINESS)],
        description="Objectives; in lexicographic mode the first matters most.",
    )
    mode: Literal["weighted", "lexicographic"] = Field(
        "weighted", description="How the terms are combined."
    )


class BaselineTask(DomainModel):
    """A task's start in a baseline plan, for the stability objective."""

    task: str = Field(description="Task id.")
    start: Day = Field(description="Start in the baseline.")


# --------------------------------------------------------------------------- portfolio
class Portfolio(DomainModel):
    """A whole IT portfolio: what optiplan plans."""

    id: Identifier = Field(description="Portfolio id.")
    name: str = Field("", description="Readable name.")
    start_date: Day = Field(description="Nothing is planned before this date.")
    status_date: Day | None = Field(
        None, description="Date progress was recorded; remaining work starts on or after it."
    )
    currency: str = Field("EUR", min_length=3, max_length=3, description="ISO 4217 code.")
    calendar: WorkingCalendar = Field(
        default_factory=WorkingCalendar, description="Working calendar."
    )
    skills: list[Skill] = Field(default_factory=list, description="Skills catalogue.")
    people: list[Person] = Field(default_factory=list, description="Named people.")
    pools: list[Pool] = Field(default_factory=list, description="Teams, roles, environments.")
    consumables: list[Consumable] = Field(
        default_factory=list, description="Resources with a total cap."
    )
    projects: list[Project] = Field(default_factory=list, description="The projects.")
    budgets: Budgets = Field(default_factory=Budgets, description="Spending caps.")
    objectives: Objectives = Field(default_factory=Objectives, description="What to optimise.")
    baseline: list[BaselineTask] = Field(
        default_factory=list, description="A previous plan's task starts (for stability)."
    )
