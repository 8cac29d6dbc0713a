"""The independent plan checker: does a plan keep every rule of docs/rules.md?

The checker recomputes everything from the portfolio and the plan's dates, modes, team
sizes and people; it shares no code with ``solver/`` (only the calendar and the budget
period parser of :mod:`models`). It returns the list of broken rules, each a
:class:`~models.plan.Violation` with a short ``rule`` name and a sentence a planner
understands, plus the key figures of the plan (:class:`PlanKpis`), computed from scratch.

Rule names
----------
Plan structure: ``unknown_task``, ``duplicate_task``, ``task_project``, ``unknown_project``,
``duplicate_project``, ``missing_task``, ``selection``, ``exclusive_group``,
``project_dependency``.
Time: ``calendar``, ``duration``, ``precedence``, ``start_date``, ``release``,
``earliest_start``, ``pinned``, ``deadline``, ``project_deadline``, ``progress``.
How a task is done: ``mode``, ``team``, ``requirement``, ``skill``.
Resources: ``person_capacity``, ``absence``, ``pool_capacity``, ``consumable``.
Money: ``budget_total``, ``budget_project``, ``budget_period``.
Figures the plan claims: ``kpi``.

The assumed portfolio is valid (see :mod:`models.validation`); the plan may be anything.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
from pydantic import Field

from models.base import DomainModel
from models.calendar import WorkCalendar, calendar_for
from models.periods import parse_period
from models.plan import CheckReport, PeriodSpend, PersonAssignment, Plan, TaskPlan, Violation
from models.portfolio import (
    ConsumableRequirement,
    DependencyType,
    Mode,
    ObjectiveName,
    Person,
    PersonRequirement,
    PoolRequirement,
    Portfolio,
    ProgressState,
    Project,
    Requirement,
    SkillRequirement,
    Task,
)

#: Largest difference between a claimed and a recomputed amount of money.
MONEY_TOLERANCE = 0.01
#: Spending this much over a budget is still within it (float noise, not money).
BUDGET_TOLERANCE = 0.005
_COUNT_TOLERANCE = 1e-6
_MONEY_OBJECTIVES = frozenset({ObjectiveName.TOTAL_COST.value, ObjectiveName.SELECTED_VALUE.value})


# ----------------------------------------------------------------------------- results
class ProjectKpis(DomainModel):
    """Figures of one project, recomputed from the plan."""

    project: str = Field(description="Project id.")
    selected: bool = Field(description="Whether the plan selects the project.")
    start: date | None = Field(None, description="Start of its first planned task.")
    finish: date | None = Field(None, description="Latest finish of its planned tasks.")
    end_index: int | None = Field(
        None,
        description="Exclusive end E of the project in working days from the first working "
        "day on or after the portfolio start_date.",
    )
    days_late: int = Field(0, description="Working days after the due date (rules.md).")
    cost: float = Field(0.0, description="Sum of the costs of its planned tasks.")


class PlanKpis(DomainModel):
    """Key figures of a plan, recomputed by the checker from the plan's dates and people."""

    projects: dict[str, ProjectKpis] = Field(description="Project id -> its figures.")
    task_costs: dict[str, float] = Field(description="Task id -> cost of the planned task.")
    makespan_days: int = Field(description="max E over planned tasks, from index 0.")
    total_cost: float = Field(description="Sum of the planned tasks' costs.")
    weighted_tardiness: int = Field(description="Sum of priority x days_late.")
    weighted_completion: int = Field(description="Sum of priority x E over selected projects.")
    selected_value: float = Field(description="Sum of the value of selected projects.")
    peak_load: float = Field(description="Highest daily pool units + person allocations.")
    stability: int = Field(description="Sum of |S - S_baseline| over baseline tasks.")
    spend: list[PeriodSpend] = Field(description="Spend in each budget period.")
    person_load: dict[str, dict[date, float]] = Field(
        description="Person id -> day -> allocation as a fraction of full time (days with "
        "load only; done work and the elapsed part of work in progress are history)."
    )
    pool_load: dict[str, dict[date, float]] = Field(
        description="Pool id -> day -> units in use (days with load only)."
    )

    def objective_values(self) -> dict[str, float]:
        """The objectives of docs/rules.md by name, as a plan reports them."""
        return {
            ObjectiveName.MAKESPAN.value: float(self.makespan_days),
            ObjectiveName.WEIGHTED_TARDINESS.value: float(self.weighted_tardiness),
            ObjectiveName.WEIGHTED_COMPLETION.value: float(self.weighted_completion),
            ObjectiveName.TOTAL_COST.value: self.total_cost,
            ObjectiveName.SELECTED_VALUE.value: self.selected_value,
            ObjectiveName.PEAK_LOAD.value: self.peak_load,
            ObjectiveName.STABILITY.value: float(self.stability),
        }


class CheckResult(DomainModel):
    """The checker's verdict and the plan's recomputed figures."""

    report: CheckReport
    kpis: PlanKpis


# ----------------------------------------------------------------------------- helpers
def _quoted(items: Sequence[str]) -> str:
    return ", ".join(f"'{item}'" for item in items)


def _and_list(items: Sequence[str]) -> str:
    quoted = [f"'{item}'" for item in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _num(value: float) -> str:
    return f"{value:g}"


def _differs(claimed: float, actual: float, tolerance: float) -> bool:
    """More than ``tolerance`` apart (a claim of 4050.01 for 4050.00 is within 0.01)."""
    return abs(claimed - actual) > tolerance + 1e-9


@dataclass
class _Planned:
    """One planned task as the checker sees it (indices from the calendar origin)."""

    plan: TaskPlan
    task: Task
    project: Project
    state: ProgressState
    start: int  # S
    end: int  # E = S + duration_days (the plan's)
    work_start: int  # first day whose resources are checked
    mode: Mode | None
    mode_known: bool  # no modes, or the plan names one of them
    team_known: bool  # not effort-driven, or the plan's team size is in range
    requirements: list[Requirement] = field(default_factory=list)
    people: list[tuple[int, PersonAssignment]] = field(default_factory=list)  # known people
    pools: list[tuple[int, int]] = field(default_factory=list)  # (pool index, units)
    daily_cost: float = 0.0
    one_off: float = 0.0

    @property
    def id(self) -> str:
        return self.task.id

    @property
    def cost(self) -> float:
        return self.daily_cost * self.plan.duration_days + self.one_off

    @property
    def uses_resources(self) -> bool:
        """History (done) and zero-length tasks hold no resources."""
        return self.state != ProgressState.DONE and self.end > self.work_start


class _Checker:
    """One run of the checker over a portfolio and a plan."""

    def __init__(self, portfolio: Portfolio, plan: Plan) -> None:
        self.p = portfolio
        self.plan = plan
        self.violations: list[Violation] = []
        self.currency = portfolio.currency
        self.tasks: dict[str, tuple[Task, Project]] = {
            task.id: (task, project) for project in portfolio.projects for task in project.tasks
        }
        self.projects: dict[str, Project] = {project.id: project for project in portfolio.projects}
        self.person_index = {person.id: k for k, person in enumerate(portfolio.people)}
        self.pool_index = {pool.id: k for k, pool in enumerate(portfolio.pools)}
        self.cal = self._calendar()
        self.base = self.cal.index_on_or_after(portfolio.start_date)
        self.status_index = (
            self.cal.index_on_or_after(portfolio.status_date)
            if portfolio.status_date is not None
            else self.base
        )
        self.planned: dict[str, _Planned] = {}
        self.selected: dict[str, bool] = {}
        # Unrounded figures, filled as the run goes (claims compare against these).
        self.daily: npt.NDArray[np.float64] = np.zeros(1, dtype=np.float64)
        self.raw_costs: dict[str, float] = {}
        self.raw_project_costs: dict[str, float] = {}
        self.raw_spend: dict[str, float] = {}
        self.raw_total = 0.0

    # -- output ------------------------------------------------------------------------
    def add(
        self,
        rule: str,
        message: str,
        *,
        task: str | None = None,
        project: str | None = None,
        resource: str | None = None,
        day: date | None = None,
    ) -> None:
        self.violations.append(
            Violation(
                rule=rule, message=message, task=task, project=project, resource=resource, day=day
            )
        )

    def money(self, amount: float) -> str:
        return f"{amount:,.2f} {self.currency}"

    def span(self, first: int, end: int) -> str:
        """'on D' or 'from D1 to D2 (n working days)' for the index range [first, end)."""
        if end - first == 1:
            return f"on {self.cal.date_of(first)}"
        return (
            f"from {self.cal.date_of(first)} to {self.cal.date_of(end - 1)} "
            f"({end - first} working days)"
        )

    # -- setup -------------------------------------------------------------------------
    def _calendar(self) -> WorkCalendar:
        """Calendar whose origin precedes every date the checker turns into an index."""
        dates = [self.p.start_date]
        for project in self.p.projects:
            for task in project.tasks:
                if task.progress is not None and task.progress.actual_start is not None:
                    dates.append(task.progress.actual_start)
        dates.extend(entry.start for entry in self.p.baseline)
        for task_plan in self.plan.tasks:
            dates.extend((task_plan.start, task_plan.finish))
        return calendar_for(self.p.calendar, min(dates))

    # -- run ---------------------------------------------------------------------------
    def run(self) -> CheckResult:
        self.collect_tasks()
        self.selection()
        for project in self.p.projects:
            for task in project.tasks:
                planned = self.planned.get(task.id)
                if planned is not None:
                    self.task_rules(planned)
        self.precedences()
        self.project_rules()
        horizon = max((t.end for t in self.planned.values()), default=0) + 1
        person_load, pool_load = self.resources(horizon)
        self.consumables()
        projects = self.project_kpis()
        spend = self.budgets(projects, horizon)
        kpis = self.kpis(projects, spend, person_load, pool_load)
        self.claims(kpis)
        report = CheckReport(ok=not self.violations, violations=self.violations)
        return CheckResult(report=report, kpis=kpis)

    # -- plan structure ----------------------------------------------------------------
    def collect_tasks(self) -> None:
        seen: Counter[str] = Counter()
        for task_plan in self.plan.tasks:
            known = self.tasks.get(task_plan.task)
            if known is None:
                self.add(
                    "unknown_task",
                    f"the plan has task '{task_plan.task}', which is not in the portfolio",
                    task=task_plan.task,
                    project=task_plan.project,
                )
                continue
            seen[task_plan.task] += 1
            if seen[task_plan.task] > 1:
                continue
            task, project = known
            if task_plan.project != project.id:
                self.add(
                    "task_project",
                    f"task '{task.id}' belongs to project '{project.id}', but the plan puts it "
                    f"in '{task_plan.project}'",
                    task=task.id,
                    project=project.id,
                )
            self.planned[task.id] = self.prepare(task_plan, task, project)
        for task_id, count in seen.items():
            if count > 1:
                self.add(
                    "duplicate_task",
                    f"task '{task_id}' appears {count} times in the plan",
                    task=task_id,
                    project=self.tasks[task_id][1].id,
                )

    def prepare(self, task_plan: TaskPlan, task: Task, project: Project) -> _Planned:
        """Index the task's dates, resolve its mode and team and price it."""
        state = task.progress.state if task.progress is not None else ProgressState.NOT_STARTED
        start = self.cal.index_on_or_after(task_plan.start)
        end = start + task_plan.duration_days
        work_start = max(start, self.status_index) if state == ProgressState.IN_PROGRESS else start
        mode: Mode | None = None
        if task.modes:
            mode = next((m for m in task.modes if m.id == task_plan.mode), None)
        team_known = True
        if task.effort_days is not None and task.team is not None:
            size = task_plan.team_size
            team_known = size is not None and task.team.min_size <= size <= task.team.max_size
        planned = _Planned(
            task_plan,
            task,
            project,
            state,
            start,
            end,
            work_start,
            mode,
            mode_known=not task.modes or mode is not None,
            team_known=team_known,
        )
        if task.milestone:
            planned.one_off = task.fixed_cost
            return planned
        planned.requirements = list(task.requirements) + list(mode.requirements if mode else [])
        pools: dict[int, int] = defaultdict(int)
        for requirement in planned.requirements:
            if isinstance(requirement, PoolRequirement):
                pools[self.pool_index[requirement.pool]] += requirement.units
        team = task.team
        if (
            team is not None
            and team.pool is not None
            and task.effort_days is not None
            and team_known
            and task_plan.team_size is not None
        ):
            pools[self.pool_index[team.pool]] += task_plan.team_size
        planned.pools = sorted(pools.items())
        planned.people = [
            (self.person_index[a.person], a)
            for a in task_plan.people
            if a.person in self.person_index
        ]
        daily = sum(
            self.p.people[k].cost_per_day * a.allocation_percent / 100 for k, a in planned.people
        )
        daily += sum(self.p.pools[k].cost_per_unit_day * units for k, units in planned.pools)
        planned.daily_cost = daily
        planned.one_off = task.fixed_cost + (mode.cost if mode is not None else 0.0)
        return planned

    def selection(self) -> None:
        entries: dict[str, bool] = {}
        counts: Counter[str] = Counter()
        for entry in self.plan.projects:
            if entry.project not in self.projects:
                self.add(
                    "unknown_project",
                    f"the plan has project '{entry.project}', which is not in the portfolio",
                    project=entry.project,
                )
                continue
            counts[entry.project] += 1
            if counts[entry.project] == 1:
                entries[entry.project] = entry.selected
        for project_id, count in counts.items():
            if count > 1:
                self.add(
                    "duplicate_project",
                    f"project '{project_id}' appears {count} times in the plan's projects",
                    project=project_id,
                )
        planned_by_project: dict[str, list[str]] = defaultdict(list)
        for planned in self.planned.values():
            planned_by_project[planned.project.id].append(planned.id)
        for project in self.p.projects:
            in_plan = planned_by_project.get(project.id, [])
            selected = entries.get(project.id, bool(in_plan))
            self.selected[project.id] = selected
            if not selected:
                if project.mandatory:
                    self.add(
                        "selection",
                        f"project '{project.id}' is mandatory but not selected",
                        project=project.id,
                    )
                if in_plan:
                    self.add(
                        "selection",
                        f"project '{project.id}' is not selected, but the plan has its task(s) "
                        f"{_quoted(in_plan)}",
                        project=project.id,
                    )
                continue
            for task in project.tasks:
                if task.id not in self.planned:
                    self.add(
                        "missing_task",
                        f"task '{task.id}' of selected project '{project.id}' is not in the plan",
                        task=task.id,
                        project=project.id,
                    )
        groups: dict[str, list[str]] = defaultdict(list)
        for project in self.p.projects:
            if project.exclusive_group is not None and self.selected[project.id]:
                groups[project.exclusive_group].append(project.id)
        for group, members in groups.items():
            if len(members) > 1:
                verb = "are both" if len(members) == 2 else "are all"
                self.add(
                    "exclusive_group",
                    f"projects {_and_list(members)} of exclusive group '{group}' {verb} "
                    "selected, but at most one may be",
                    project=members[-1],
                )

    # -- one task ----------------------------------------------------------------------
    def task_rules(self, t: _Planned) -> None:
        self.how_rules(t)
        if t.state == ProgressState.NOT_STARTED:
            self.calendar_rules(t)
            self.duration_rule(t)
            self.date_rules(t)
        else:
            self.progress_rules(t)
        deadline = t.task.deadline
        if deadline is not None and t.plan.finish > deadline:
            self.add(
                "deadline",
                f"'{t.id}' finishes {t.plan.finish}, after its deadline {deadline}",
                task=t.id,
                project=t.project.id,
                day=t.plan.finish,
            )
        if t.mode_known:
            self.requirement_rules(t)

    def how_rules(self, t: _Planned) -> None:
        """Mode and team size."""
        task, task_plan = t.task, t.plan
        if task.modes:
            if t.mode is None:
                got = "none" if task_plan.mode is None else f"'{task_plan.mode}'"
                self.add(
                    "mode",
                    f"'{task.id}' must use one of its modes ({_quoted([m.id for m in task.modes])})"
                    f", but the plan names {got}",
                    task=task.id,
                    project=t.project.id,
                )
        elif task_plan.mode is not None:
            self.add(
                "mode",
                f"'{task.id}' has no modes, so its mode must be empty, but the plan names "
                f"'{task_plan.mode}'",
                task=task.id,
                project=t.project.id,
            )
        team = task.team
        size = task_plan.team_size
        if task.effort_days is not None and team is not None:
            if size is None or not team.min_size <= size <= team.max_size:
                got = "none" if size is None else str(size)
                self.add(
                    "team",
                    f"'{task.id}' needs a team_size from {team.min_size} to {team.max_size}, but "
                    f"the plan gives {got}",
                    task=task.id,
                    project=t.project.id,
                )
        elif size is not None:
            self.add(
                "team",
                f"'{task.id}' is not effort-driven, so its team_size must be empty, but the plan "
                f"gives {size}",
                task=task.id,
                project=t.project.id,
            )

    def expected_duration(self, t: _Planned) -> tuple[int, str] | None:
        """Duration of a task that has not started, with how it was chosen."""
        task = t.task
        if task.milestone:
            return 0, ""
        if task.modes:
            if t.mode is None:
                return None
            return t.mode.duration_days, f" in mode '{t.mode.id}'"
        if task.effort_days is not None and task.team is not None:
            size = t.plan.team_size
            if not t.team_known or size is None:
                return None
            return math.ceil(task.effort_days / size), f" with a team of {size}"
        return task.duration_days or 0, ""

    def calendar_rules(self, t: _Planned) -> None:
        start, finish, days = t.plan.start, t.plan.finish, t.plan.duration_days
        if not self.cal.is_working_day(start):
            self.add(
                "calendar",
                f"'{t.id}' starts {start} ({start.strftime('%A')}), which is not a working day",
                day=start,
                task=t.id,
                project=t.project.id,
            )
            return
        if days > 0 and not self.cal.is_working_day(finish):
            self.add(
                "calendar",
                f"'{t.id}' finishes {finish} ({finish.strftime('%A')}), which is not a working day",
                day=finish,
                task=t.id,
                project=t.project.id,
            )
            return
        if days == 0:
            if finish != start:
                self.add(
                    "calendar",
                    f"'{t.id}' lasts 0 working days, so it finishes on its start {start}, but "
                    f"the plan says {finish}",
                    day=finish,
                    task=t.id,
                    project=t.project.id,
                )
            return
        expected = self.cal.date_of(t.start + days - 1)
        if finish != expected:
            self.add(
                "calendar",
                f"'{t.id}' lasts {days} working day(s) from {start}, so it finishes {expected}, "
                f"but the plan says {finish}",
                day=finish,
                task=t.id,
                project=t.project.id,
            )

    def duration_rule(self, t: _Planned) -> None:
        expected = self.expected_duration(t)
        if expected is None:
            return
        days, why = expected
        if t.plan.duration_days != days:
            self.add(
                "duration",
                f"'{t.id}' lasts {t.plan.duration_days} working day(s) in the plan but takes "
                f"{days}{why}",
                task=t.id,
                project=t.project.id,
            )

    def date_rules(self, t: _Planned) -> None:
        start = t.plan.start
        if start < self.p.start_date:
            self.add(
                "start_date",
                f"'{t.id}' starts {start}, before the portfolio start date {self.p.start_date}",
                task=t.id,
                project=t.project.id,
                day=start,
            )
        release = t.project.release_date
        if release is not None and start < release:
            self.add(
                "release",
                f"'{t.id}' starts {start}, before the release date {release} of project "
                f"'{t.project.id}'",
                task=t.id,
                project=t.project.id,
                day=start,
            )
        earliest = t.task.earliest_start
        if earliest is not None and start < earliest:
            self.add(
                "earliest_start",
                f"'{t.id}' starts {start}, before its earliest start {earliest}",
                task=t.id,
                project=t.project.id,
                day=start,
            )
        pinned = t.task.pinned_start
        if pinned is not None and start != pinned:
            self.add(
                "pinned",
                f"'{t.id}' is pinned to start on {pinned} but starts {start}",
                task=t.id,
                project=t.project.id,
                day=start,
            )

    def progress_rules(self, t: _Planned) -> None:
        progress = t.task.progress
        assert progress is not None and progress.actual_start is not None
        task_plan = t.plan
        label = "done" if t.state == ProgressState.DONE else "in progress"
        if task_plan.start != progress.actual_start:
            self.add(
                "progress",
                f"'{t.id}' is {label} and started on {progress.actual_start}, but the plan "
                f"starts it {task_plan.start}",
                day=task_plan.start,
                task=t.id,
                project=t.project.id,
            )
        if t.state == ProgressState.DONE:
            assert progress.actual_finish is not None
            if task_plan.finish != progress.actual_finish:
                self.add(
                    "progress",
                    f"'{t.id}' is done and finished on {progress.actual_finish}, but the plan "
                    f"finishes it {task_plan.finish}",
                    day=task_plan.finish,
                    task=t.id,
                    project=t.project.id,
                )
        else:
            assert progress.remaining_days is not None
            actual = self.cal.index_on_or_after(progress.actual_start)
            end = self.status_index + progress.remaining_days
            expected = self.cal.date_of(max(end - 1, actual))
            if task_plan.finish != expected:
                self.add(
                    "progress",
                    f"'{t.id}' is in progress with {progress.remaining_days} working day(s) left "
                    f"from {self.cal.date_of(self.status_index)}: it finishes {expected}, but "
                    f"the plan says {task_plan.finish}",
                    day=task_plan.finish,
                    task=t.id,
                    project=t.project.id,
                )
        # The actual dates may fall on non-working days: count the days between them.
        if t.task.milestone or task_plan.duration_days == 0:
            counted = 0 if task_plan.start == task_plan.finish else None
        else:
            counted = self.cal.working_days_between(task_plan.start, task_plan.finish)
        if counted != task_plan.duration_days:
            runs = self.cal.working_days_between(task_plan.start, task_plan.finish)
            self.add(
                "calendar",
                f"'{t.id}' runs {runs} working day(s) from {task_plan.start} to "
                f"{task_plan.finish}, but the plan says it lasts {task_plan.duration_days}",
                task=t.id,
                project=t.project.id,
            )

    def requirement_rules(self, t: _Planned) -> None:
        """People against requirements and team; skills (not for done tasks)."""
        task, task_plan = t.task, t.plan
        check_skills = t.state != ProgressState.DONE
        for person_id, count in Counter(a.person for a in task_plan.people).items():
            if count > 1:
                self.add(
                    "requirement",
                    f"'{person_id}' appears {count} times on '{task.id}'; a person works on a "
                    "task at most once",
                    resource=person_id,
                    task=t.id,
                    project=t.project.id,
                )
        for assignment in task_plan.people:
            if assignment.person not in self.person_index:
                self.add(
                    "requirement",
                    f"'{task.id}' has '{assignment.person}', who is not in the portfolio",
                    resource=assignment.person,
                    task=t.id,
                    project=t.project.id,
                )
        people = self.p.people
        if task.milestone:
            if task_plan.people:
                self.add(
                    "requirement",
                    f"milestone '{task.id}' uses no resources, but the plan assigns "
                    f"{_quoted([a.person for a in task_plan.people])}",
                    task=t.id,
                    project=t.project.id,
                )
            return
        by_requirement: dict[int | None, list[PersonAssignment]] = defaultdict(list)
        for assignment in task_plan.people:
            by_requirement[assignment.requirement].append(assignment)
        for r, requirement in enumerate(t.requirements):
            got = by_requirement.pop(r, [])
            if isinstance(requirement, PersonRequirement):
                wanted, percent = requirement.person, requirement.allocation_percent
                if not got:
                    self.add(
                        "requirement",
                        f"'{task.id}' needs '{wanted}' at {percent}% (requirement {r}), but "
                        f"'{wanted}' is not assigned to it",
                        resource=wanted,
                        task=t.id,
                        project=t.project.id,
                    )
                elif {a.person for a in got} != {wanted}:
                    self.add(
                        "requirement",
                        f"requirement {r} of '{task.id}' is '{wanted}', but the plan assigns "
                        f"{_quoted([a.person for a in got])} to it",
                        resource=wanted,
                        task=t.id,
                        project=t.project.id,
                    )
                elif got[0].allocation_percent != percent:
                    self.allocation(t, got[0], r, percent)
            elif isinstance(requirement, SkillRequirement):
                if len(got) != requirement.count:
                    self.add(
                        "requirement",
                        f"'{task.id}' needs {requirement.count} person(s) with skill "
                        f"'{requirement.skill}' at level {requirement.min_level} or more "
                        f"(requirement {r}), but the plan assigns {len(got)}",
                        task=t.id,
                        project=t.project.id,
                    )
                for assignment in got:
                    if assignment.allocation_percent != requirement.allocation_percent:
                        self.allocation(t, assignment, r, requirement.allocation_percent)
                    k = self.person_index.get(assignment.person)
                    if not check_skills or k is None:
                        continue
                    level = people[k].skills.get(requirement.skill, 0)
                    if level < requirement.min_level:
                        self.add(
                            "skill",
                            f"'{assignment.person}' fills requirement {r} of '{task.id}' (skill "
                            f"'{requirement.skill}' at level {requirement.min_level} or more) "
                            f"but {self.level_text(level)}",
                            resource=assignment.person,
                            task=t.id,
                            project=t.project.id,
                        )
            elif got:
                kind = "pool" if isinstance(requirement, PoolRequirement) else "consumable"
                self.add(
                    "requirement",
                    f"{_quoted([a.person for a in got])} fill(s) requirement {r} of '{task.id}', "
                    f"which is a {kind} requirement, not a person or skill one",
                    resource=got[0].person,
                    task=t.id,
                    project=t.project.id,
                )
        members = by_requirement.pop(None, [])
        for extra, wrong in sorted(by_requirement.items(), key=lambda item: item[0] or 0):
            self.add(
                "requirement",
                f"{_quoted([a.person for a in wrong])} fill(s) requirement {extra} of "
                f"'{task.id}', which has only {len(t.requirements)} requirement(s)",
                resource=wrong[0].person,
                task=t.id,
                project=t.project.id,
            )
        self.team_members(t, members, people, check_skills)

    def team_members(
        self,
        t: _Planned,
        members: list[PersonAssignment],
        people: list[Person],
        check_skills: bool,
    ) -> None:
        task, team = t.task, t.task.team
        names = _quoted([a.person for a in members])
        if task.effort_days is None or team is None:
            if members:
                self.add(
                    "requirement",
                    f"{names} work(s) on '{task.id}' without a requirement, but only team "
                    "members of an effort-driven task have none",
                    resource=members[0].person,
                    task=t.id,
                    project=t.project.id,
                )
            return
        if team.pool is not None:
            if members:
                self.add(
                    "team",
                    f"'{task.id}' takes its team from pool '{team.pool}', but the plan lists "
                    f"team member(s) {names}",
                    resource=members[0].person,
                    task=t.id,
                    project=t.project.id,
                )
            return
        size = t.plan.team_size
        if t.team_known and len(members) != size:
            self.add(
                "team",
                f"'{task.id}' has team_size {size}, but the plan lists {len(members)} team "
                "member(s)",
                task=t.id,
                project=t.project.id,
            )
        for member in members:
            if member.allocation_percent != 100:
                self.add(
                    "team",
                    f"team member '{member.person}' of '{task.id}' works "
                    f"{member.allocation_percent}%, but team members work 100%",
                    resource=member.person,
                    task=t.id,
                    project=t.project.id,
                )
            k = self.person_index.get(member.person)
            if not check_skills or k is None or team.skill is None:
                continue
            level = people[k].skills.get(team.skill, 0)
            if level < team.min_level:
                self.add(
                    "skill",
                    f"team member '{member.person}' of '{task.id}' needs skill '{team.skill}' at "
                    f"level {team.min_level} or more but {self.level_text(level)}",
                    resource=member.person,
                    task=t.id,
                    project=t.project.id,
                )

    @staticmethod
    def level_text(level: int) -> str:
        return f"has level {level}" if level else "does not have it"

    def allocation(self, t: _Planned, assignment: PersonAssignment, r: int, percent: int) -> None:
        self.add(
            "requirement",
            f"'{assignment.person}' works {assignment.allocation_percent}% on '{t.id}', but "
            f"requirement {r} asks for {percent}%",
            task=t.id,
            project=t.project.id,
            resource=assignment.person,
        )

    # -- dependencies and projects -----------------------------------------------------
    def precedences(self) -> None:
        for project in self.p.projects:
            if not self.selected[project.id]:
                continue
            for task in project.tasks:
                successor = self.planned.get(task.id)
                if successor is None:
                    continue
                for dependency in task.dependencies:
                    self.precedence(
                        successor, dependency.task, dependency.type, dependency.lag_days
                    )

    def precedence(self, t: _Planned, other: str, kind: DependencyType, lag: int) -> None:
        predecessor = self.planned.get(other)
        other_project = self.tasks[other][1].id
        if not self.selected[other_project]:
            self.add(
                "precedence",
                f"'{t.id}' depends on '{other}' of project '{other_project}', which is not "
                "selected",
                task=t.id,
                project=t.project.id,
            )
            return
        if predecessor is None:
            return  # reported as a missing task
        head = f"'{t.id}' depends on '{other}' ({kind.value}, lag {lag})"
        if kind in (DependencyType.FS, DependencyType.SS):
            bound = (predecessor.end if kind == DependencyType.FS else predecessor.start) + lag
            if t.start < bound:
                self.add(
                    "precedence",
                    f"{head}: it must start on or after {self.cal.date_of(bound)} but starts "
                    f"{t.plan.start}",
                    day=t.plan.start,
                    task=t.id,
                    project=t.project.id,
                )
            return
        bound = (predecessor.end if kind == DependencyType.FF else predecessor.start) + lag
        if t.end < bound:
            latest = bound - 1 if t.plan.duration_days > 0 else bound
            self.add(
                "precedence",
                f"{head}: it must finish on or after {self.cal.date_of(latest)} but finishes "
                f"{t.plan.finish}",
                day=t.plan.finish,
                task=t.id,
                project=t.project.id,
            )

    def project_end(self, project: Project) -> int | None:
        ends = [self.planned[t.id].end for t in project.tasks if t.id in self.planned]
        return max(ends) if ends else None

    def project_finish(self, project: Project) -> date | None:
        finishes = [self.planned[t.id].plan.finish for t in project.tasks if t.id in self.planned]
        return max(finishes) if finishes else None

    def project_rules(self) -> None:
        for project in self.p.projects:
            if not self.selected[project.id]:
                continue
            for other_id in project.depends_on:
                if not self.selected[other_id]:
                    self.add(
                        "project_dependency",
                        f"project '{project.id}' depends on project '{other_id}', which is not "
                        "selected",
                        project=project.id,
                    )
                    continue
                other = self.projects[other_id]
                end = self.project_end(other)
                if end is None:
                    continue
                early = sorted(
                    (self.planned[t.id] for t in project.tasks if t.id in self.planned),
                    key=lambda planned: (planned.plan.start, planned.id),
                )
                early = [planned for planned in early if planned.start < end]
                if early:
                    starts = ", ".join(f"'{e.id}' starts {e.plan.start}" for e in early)
                    self.add(
                        "project_dependency",
                        f"project '{project.id}' depends on project '{other_id}', which finishes "
                        f"{self.project_finish(other)}: its tasks must start on or after "
                        f"{self.cal.date_of(end)}, but {starts}",
                        project=project.id,
                        task=early[0].id,
                        day=early[0].plan.start,
                    )
            finish = self.project_finish(project)
            if project.deadline is not None and finish is not None and finish > project.deadline:
                self.add(
                    "project_deadline",
                    f"project '{project.id}' finishes {finish}, after its deadline "
                    f"{project.deadline}",
                    project=project.id,
                    day=finish,
                )

    # -- resources ---------------------------------------------------------------------
    def resources(self, horizon: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Daily person and pool loads; capacity and absence violations."""
        people, pools = self.p.people, self.p.pools
        person_load = np.zeros((len(people), horizon), dtype=np.int64)
        pool_load = np.zeros((len(pools), horizon), dtype=np.int64)
        person_items: list[list[tuple[str, int, int, int]]] = [[] for _ in people]
        pool_items: list[list[tuple[str, int, int, int]]] = [[] for _ in pools]
        for project in self.p.projects:
            for task in project.tasks:
                t = self.planned.get(task.id)
                if t is None or not t.uses_resources:
                    continue
                first, end = t.work_start, t.end
                for k, assignment in t.people:
                    person_load[k, first:end] += assignment.allocation_percent
                    person_items[k].append((t.id, assignment.allocation_percent, first, end))
                for k, units in t.pools:
                    pool_load[k, first:end] += units
                    pool_items[k].append((t.id, units, first, end))
        person_capacity = np.array([round(p.capacity * 100) for p in people], dtype=np.int64)
        over_people = (person_load > person_capacity[:, None]).any(axis=1)
        for row in (int(k) for k in np.flatnonzero(over_people)):
            person = people[row]
            days = np.flatnonzero(person_load[row] > person_capacity[row])
            for first, end, items in self.runs(days, person_items[row]):
                self.add(
                    "person_capacity",
                    f"'{person.id}' is booked {int(person_load[row, first])}% "
                    f"{self.span(first, end)} but works {int(person_capacity[row])}%: "
                    + ", ".join(f"'{name}' {amount}%" for name, amount in items),
                    resource=person.id,
                    day=self.cal.date_of(first),
                    task=items[0][0] if len(items) == 1 else None,
                )
        self.absences(person_items)
        pool_capacity = np.zeros((len(pools), horizon), dtype=np.int64)
        for k, pool in enumerate(pools):
            pool_capacity[k, :] = pool.units
            for change in sorted(pool.capacity_changes, key=lambda c: c.from_date):
                pool_capacity[k, self.cal.index_on_or_after(change.from_date) :] = change.units
        for row in (int(k) for k in np.flatnonzero((pool_load > pool_capacity).any(axis=1))):
            pool = pools[row]
            days = np.flatnonzero(pool_load[row] > pool_capacity[row])
            for first, end, items in self.runs(days, pool_items[row], pool_capacity[row]):
                self.add(
                    "pool_capacity",
                    f"pool '{pool.id}' has {int(pool_load[row, first])} unit(s) in use "
                    f"{self.span(first, end)} but {int(pool_capacity[row, first])} available: "
                    + ", ".join(f"'{name}' {amount}" for name, amount in items),
                    resource=pool.id,
                    day=self.cal.date_of(first),
                )
        return person_load, pool_load

    @staticmethod
    def runs(
        days: npt.NDArray[np.intp],
        items: list[tuple[str, int, int, int]],
        capacity: npt.NDArray[np.int64] | None = None,
    ) -> list[tuple[int, int, list[tuple[str, int]]]]:
        """Group consecutive days with the same tasks (and capacity) into [first, end) runs."""
        result: list[tuple[int, int, list[tuple[str, int]]]] = []
        previous: tuple[object, ...] | None = None
        for day in (int(d) for d in days):
            on_day = [(name, amount) for name, amount, first, end in items if first <= day < end]
            key = (tuple(on_day), None if capacity is None else int(capacity[day]))
            if result and previous == key and result[-1][1] == day:
                first, _, same = result[-1]
                result[-1] = (first, day + 1, same)
            else:
                result.append((day, day + 1, on_day))
            previous = key
        return result

    def absences(self, person_items: list[list[tuple[str, int, int, int]]]) -> None:
        for k, person in enumerate(self.p.people):
            if not person.absences or not person_items[k]:
                continue
            ranges = [
                (
                    self.cal.index_on_or_after(a.start),
                    self.cal.index_on_or_before(a.end) + 1,
                    a.start,
                    a.end,
                )
                for a in person.absences
            ]
            for name, _, first, end in person_items[k]:
                for lo, hi, away_from, away_to in ranges:
                    clash_first, clash_end = max(first, lo), min(end, hi)
                    if clash_first < clash_end:
                        self.add(
                            "absence",
                            f"'{person.id}' works on '{name}' {self.span(clash_first, clash_end)}"
                            f" but is absent from {away_from} to {away_to}",
                            task=name,
                            project=self.tasks[name][1].id,
                            resource=person.id,
                            day=self.cal.date_of(clash_first),
                        )

    def consumables(self) -> None:
        used: dict[str, list[tuple[str, int]]] = defaultdict(list)
        for project in self.p.projects:
            for task in project.tasks:
                t = self.planned.get(task.id)
                if t is None:
                    continue
                for requirement in t.requirements:
                    if isinstance(requirement, ConsumableRequirement) and requirement.amount:
                        used[requirement.consumable].append((t.id, requirement.amount))
        for consumable in self.p.consumables:
            items = used.get(consumable.id, [])
            total = sum(amount for _, amount in items)
            if total > consumable.total:
                self.add(
                    "consumable",
                    f"consumable '{consumable.id}' is used {total} in total ("
                    + ", ".join(f"'{name}' {amount}" for name, amount in items)
                    + f") but only {consumable.total} are available",
                    resource=consumable.id,
                )

    # -- money and figures -------------------------------------------------------------
    def project_kpis(self) -> dict[str, tuple[ProjectKpis, float]]:
        """Project figures, with the unrounded cost for budget checks."""
        result: dict[str, tuple[ProjectKpis, float]] = {}
        for project in self.p.projects:
            members = [self.planned[t.id] for t in project.tasks if t.id in self.planned]
            cost = sum(t.cost for t in members)
            if not members:
                kpis = ProjectKpis(project=project.id, selected=self.selected[project.id])
                result[project.id] = (kpis, 0.0)
                continue
            end = max(t.end for t in members)
            days_late = 0
            if project.due_date is not None:
                days_late = max(0, end - self.cal.index_on_or_before(project.due_date) - 1)
            kpis = ProjectKpis(
                project=project.id,
                selected=self.selected[project.id],
                start=min(t.plan.start for t in members),
                finish=max(t.plan.finish for t in members),
                end_index=end - self.base,
                days_late=days_late,
                cost=round(cost, 2),
            )
            result[project.id] = (kpis, cost)
        return result

    def budgets(
        self, projects: dict[str, tuple[ProjectKpis, float]], horizon: int
    ) -> list[tuple[PeriodSpend, float]]:
        """Budget checks; the spend of each budget period (with the unrounded amount)."""
        total = sum(t.cost for t in self.planned.values())
        budgets = self.p.budgets
        if budgets.total is not None and total > budgets.total + BUDGET_TOLERANCE:
            self.add(
                "budget_total",
                f"the plan costs {self.money(total)} in total, over the portfolio budget of "
                f"{self.money(budgets.total)}",
            )
        for project in self.p.projects:
            cost = projects[project.id][1]
            if project.budget is not None and cost > project.budget + BUDGET_TOLERANCE:
                self.add(
                    "budget_project",
                    f"project '{project.id}' costs {self.money(cost)}, over its budget of "
                    f"{self.money(project.budget)}",
                    project=project.id,
                )
        self.daily = np.zeros(horizon + 1, dtype=np.float64)
        for t in self.planned.values():
            self.daily[t.start : t.end] += t.daily_cost
            self.daily[t.start] += t.one_off
        spends: list[tuple[PeriodSpend, float]] = []
        for period in budgets.periods:
            first, last = parse_period(period.period, budgets.fiscal_year_start_month)
            spend = self.spend_between(first, last)
            spends.append(
                (
                    PeriodSpend(
                        period=period.period,
                        start=first,
                        end=last,
                        spend=round(spend, 2),
                        limit=period.limit,
                    ),
                    spend,
                )
            )
            if spend > period.limit + BUDGET_TOLERANCE:
                self.add(
                    "budget_period",
                    f"the plan spends {self.money(spend)} in period '{period.period}' ({first} "
                    f"to {last}), over its limit of {self.money(period.limit)}",
                    day=first,
                )
        return spends

    def spend_between(self, first: date, last: date) -> float:
        lo = self.cal.index_on_or_after(first)
        hi = self.cal.index_on_or_before(last) + 1
        return float(self.daily[lo:hi].sum()) if hi > lo else 0.0

    def kpis(
        self,
        projects: dict[str, tuple[ProjectKpis, float]],
        spend: list[tuple[PeriodSpend, float]],
        person_load: npt.NDArray[np.int64],
        pool_load: npt.NDArray[np.int64],
    ) -> PlanKpis:
        tardiness = completion = 0
        value = 0.0
        for project in self.p.projects:
            if not self.selected[project.id]:
                continue
            value += project.value
            kpis = projects[project.id][0]
            if kpis.end_index is not None:
                tardiness += project.priority * kpis.days_late
                completion += project.priority * kpis.end_index
        ends = [t.end for t in self.planned.values()]
        makespan = max(ends) - self.base if ends else 0
        stability = 0
        for entry in self.p.baseline:
            planned = self.planned.get(entry.task)
            if planned is not None:
                stability += abs(planned.start - self.cal.index_on_or_after(entry.start))
        hundredths = person_load.sum(axis=0) + 100 * pool_load.sum(axis=0)
        peak = float(hundredths.max()) / 100 if hundredths.size else 0.0
        horizon = person_load.shape[1]
        dates = [self.cal.date_of(i) for i in range(horizon)]
        people_days: dict[str, dict[date, float]] = {}
        for k, person in enumerate(self.p.people):
            row = person_load[k]
            people_days[person.id] = {dates[i]: int(row[i]) / 100 for i in np.flatnonzero(row)}
        pool_days: dict[str, dict[date, float]] = {}
        for k, pool in enumerate(self.p.pools):
            row = pool_load[k]
            pool_days[pool.id] = {dates[i]: float(row[i]) for i in np.flatnonzero(row)}
        total = sum(t.cost for t in self.planned.values())
        self.raw_costs = {t.id: t.cost for t in self.planned.values()}
        self.raw_spend = {entry.period: amount for entry, amount in spend}
        self.raw_project_costs = {pid: cost for pid, (_, cost) in projects.items()}
        self.raw_total = total
        return PlanKpis(
            projects={pid: kpis for pid, (kpis, _) in projects.items()},
            task_costs={tid: round(cost, 2) for tid, cost in self.raw_costs.items()},
            makespan_days=makespan,
            total_cost=round(total, 2),
            weighted_tardiness=tardiness,
            weighted_completion=completion,
            selected_value=round(value, 2),
            peak_load=peak,
            stability=stability,
            spend=[entry for entry, _ in spend],
            person_load=people_days,
            pool_load=pool_days,
        )

    # -- claims ------------------------------------------------------------------------
    def claims(self, kpis: PlanKpis) -> None:
        """Figures the plan states against the recomputed ones."""
        seen: set[str] = set()
        for entry in self.plan.projects:
            if entry.project not in kpis.projects or entry.project in seen:
                continue
            seen.add(entry.project)
            actual = kpis.projects[entry.project]
            if not entry.selected or actual.finish is None:
                continue
            claimed = entry.model_fields_set
            if entry.start is not None and entry.start != actual.start:
                self.add(
                    "kpi",
                    f"the plan says project '{entry.project}' starts {entry.start}, but its "
                    f"first task starts {actual.start}",
                    project=entry.project,
                )
            if entry.finish is not None and entry.finish != actual.finish:
                self.add(
                    "kpi",
                    f"the plan says project '{entry.project}' finishes {entry.finish}, but its "
                    f"last task finishes {actual.finish}",
                    project=entry.project,
                )
            if "days_late" in claimed and entry.days_late != actual.days_late:
                self.add(
                    "kpi",
                    f"the plan says project '{entry.project}' is {entry.days_late} working "
                    f"day(s) late, but it is {actual.days_late}",
                    project=entry.project,
                )
            cost = self.raw_project_costs[entry.project]
            if "cost" in claimed and _differs(entry.cost, cost, MONEY_TOLERANCE):
                self.add(
                    "kpi",
                    f"the plan says project '{entry.project}' costs {self.money(entry.cost)}, "
                    f"but its tasks cost {self.money(cost)}",
                    project=entry.project,
                )
        for task_plan in self.plan.tasks:
            planned = self.planned.get(task_plan.task)
            if planned is None or planned.plan is not task_plan:
                continue
            cost = self.raw_costs[task_plan.task]
            if "cost" in task_plan.model_fields_set and _differs(
                task_plan.cost, cost, MONEY_TOLERANCE
            ):
                self.add(
                    "kpi",
                    f"the plan says '{task_plan.task}' costs {self.money(task_plan.cost)}, but "
                    f"it costs {self.money(cost)}",
                    task=task_plan.task,
                    project=planned.project.id,
                )
        values = kpis.objective_values()
        values[ObjectiveName.TOTAL_COST.value] = self.raw_total
        for name, actual_value in values.items():
            if name not in self.plan.objective:
                continue
            claimed_value = self.plan.objective[name]
            money = name in _MONEY_OBJECTIVES
            tolerance = MONEY_TOLERANCE if money else _COUNT_TOLERANCE
            if _differs(claimed_value, actual_value, tolerance):
                shown = (
                    (self.money(claimed_value), self.money(actual_value))
                    if money
                    else (_num(claimed_value), _num(actual_value))
                )
                self.add(
                    "kpi",
                    f"the plan reports {name} {shown[0]}, but its tasks give {shown[1]}",
                )
        for spent in self.plan.spend:
            amount = self.raw_spend.get(spent.period)
            if amount is None:
                try:
                    first, last = parse_period(spent.period, self.p.budgets.fiscal_year_start_month)
                except ValueError as error:
                    self.add(
                        "kpi", f"the plan reports spend for a period that does not parse: {error}"
                    )
                    continue
                amount = self.spend_between(first, last)
            if _differs(spent.spend, amount, MONEY_TOLERANCE):
                self.add(
                    "kpi",
                    f"the plan says it spends {self.money(spent.spend)} in period "
                    f"'{spent.period}', but its tasks spend {self.money(amount)}",
                )


# ----------------------------------------------------------------------------- API
def check_plan(portfolio: Portfolio, plan: Plan) -> CheckResult:
    """Check ``plan`` against every rule of docs/rules.md and recompute its figures.

    Parameters
    ----------
    portfolio
        A valid portfolio (see :func:`models.validation.validate_portfolio`).
    plan
        Any plan for it.

    Returns
    -------
    CheckResult
        ``report`` lists every broken rule (``ok`` when none); ``kpis`` holds the figures
        recomputed from the plan's dates, modes, team sizes and people.
    """
    return _Checker(portfolio, plan).run()


__all__ = ["CheckResult", "PlanKpis", "ProjectKpis", "check_plan"]
