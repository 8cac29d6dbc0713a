"""Compile a validated portfolio into dense integer problem data on the working-day grid.

Everything downstream (the CP-SAT model, the heuristics, result building) works on
:class:`Problem`: tasks and modes by index, durations in working days, resources by
index, money in integer cents. Each task is normalised into *modes*: a single-mode task
has one, a multi-mode task one per mode, an effort-driven task one per team size.

Index 0 of the grid is the first working day of the calendar's origin, which is the
earliest of the portfolio start and any recorded actual start (so done work before the
start date has indices too); ``start_index`` is the index of the portfolio start.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from models import (
    ConsumableRequirement,
    DependencyType,
    PersonRequirement,
    PoolRequirement,
    Portfolio,
    ProgressState,
    SkillRequirement,
    Task,
    WorkCalendar,
    calendar_for,
    parse_period,
)

IntArray = npt.NDArray[np.int64]


def to_cents(amount: float) -> int:
    """Money in integer cents, the solver's unit of cost."""
    return round(amount * 100)


@dataclass(frozen=True)
class PersonGroup:
    """``count`` distinct people out of ``eligible`` at ``allocation`` percent each."""

    eligible: tuple[int, ...]
    count: int
    allocation: int
    requirement: int | None  # index in the task's requirement list; None = effort team


@dataclass(frozen=True)
class ModeData:
    """One way of doing a task, with everything it needs."""

    mode_id: str | None
    team_size: int | None
    duration: int
    pools: tuple[tuple[int, int], ...]  # (pool index, units)
    named: tuple[tuple[int, int, int | None], ...]  # (person, allocation %, requirement index)
    groups: tuple[PersonGroup, ...]
    consumables: tuple[tuple[int, int], ...]  # (consumable index, amount)
    one_off_cents: int  # fixed cost of the task plus the mode's price
    pool_rate_cents: int  # daily cost of the pools it holds


@dataclass(frozen=True)
class TaskData:
    """A task on the grid: its modes and the bounds on its start."""

    id: str
    project: int
    modes: tuple[ModeData, ...]
    earliest: int  # smallest allowed start index
    latest_end: int | None  # largest allowed exclusive end index (hard deadlines)
    fixed_start: int | None  # pinned, done or in progress
    fixed_end: int | None  # done or in progress
    work_start: int | None  # in progress: the remaining work starts here (status date)
    done: bool
    actual_start: date | None = None  # as recorded (may be a non-working day)
    actual_finish: date | None = None


@dataclass(frozen=True)
class Precedence:
    """``successor`` must respect ``type`` and ``lag`` relative to ``predecessor``."""

    predecessor: int
    successor: int
    type: DependencyType
    lag: int


@dataclass(frozen=True)
class PeriodData:
    """A budget period: its index range ``[first, end)`` and limit in cents."""

    label: str
    first: int
    end: int
    limit_cents: int


@dataclass
class Problem:
    """The dense problem the solver works on. Built once by :func:`compile_portfolio`."""

    portfolio: Portfolio
    calendar: WorkCalendar
    start_index: int
    horizon: int
    tasks: list[TaskData]
    task_index: dict[str, int]
    project_ids: list[str]
    project_tasks: list[list[int]]
    project_priority: IntArray
    project_value_cents: IntArray
    project_mandatory: npt.NDArray[np.bool_]
    project_release: IntArray
    project_due_end: list[int | None]  # exclusive end index of the due date
    project_deadline_end: list[int | None]
    project_budget_cents: list[int | None]
    project_depends_on: list[list[int]]
    exclusive_groups: list[list[int]]
    precedences: list[Precedence]
    person_ids: list[str]
    person_capacity: IntArray  # percent
    person_rate_cents: IntArray  # per full day
    person_absences: list[list[tuple[int, int]]]  # [first, end) index ranges
    pool_ids: list[str]
    pool_rate_cents: IntArray
    pool_capacity_steps: list[list[tuple[int, int]]]  # (from index, units), sorted
    consumable_ids: list[str]
    consumable_totals: IntArray
    total_budget_cents: int | None
    periods: list[PeriodData]
    baseline_start: dict[int, int] = field(default_factory=dict)

    @property
    def n_tasks(self) -> int:
        """Number of tasks."""
        return len(self.tasks)

    def date_of(self, index: int) -> date:
        """The date of a grid index."""
        return self.calendar.date_of(index)

    def pool_max_units(self, pool: int) -> int:
        """Largest capacity the pool ever has."""
        return max(units for _, units in self.pool_capacity_steps[pool])

    def pool_units_at(self, pool: int, index: int) -> int:
        """Capacity of ``pool`` on grid day ``index``."""
        units = 0
        for start, step_units in self.pool_capacity_steps[pool]:
            if start <= index:
                units = step_units
        return units


def _origin(portfolio: Portfolio) -> date:
    dates = [portfolio.start_date]
    for project in portfolio.projects:
        for task in project.tasks:
            if task.progress is not None and task.progress.actual_start is not None:
                dates.append(task.progress.actual_start)
    return min(dates)


def _modes(
    task: Task,
    portfolio: Portfolio,
    person_index: dict[str, int],
    pool_index: dict[str, int],
    consumable_index: dict[str, int],
    pool_rates: list[int],
    remaining: int | None,
) -> tuple[ModeData, ...]:
    """Normalise a task's ways of being done into :class:`ModeData` entries."""
    capacity = {p.id: round(p.capacity * 100) for p in portfolio.people}

    def build(
        mode_id: str | None,
        team_size: int | None,
        duration: int,
        requirements: list[object],
        price: float,
    ) -> ModeData:
        pools: dict[int, int] = {}
        named: list[tuple[int, int, int]] = []
        groups: list[PersonGroup] = []
        consumables: dict[int, int] = {}
        named_ids = {r.person for r in requirements if isinstance(r, PersonRequirement)}
        for position, requirement in enumerate(requirements):
            if isinstance(requirement, PersonRequirement):
                named.append(
                    (person_index[requirement.person], requirement.allocation_percent, position)
                )
            elif isinstance(requirement, PoolRequirement):
                k = pool_index[requirement.pool]
                pools[k] = pools.get(k, 0) + requirement.units
            elif isinstance(requirement, SkillRequirement):
                eligible = tuple(
                    person_index[p.id]
                    for p in portfolio.people
                    if p.skills.get(requirement.skill, 0) >= requirement.min_level
                    and capacity[p.id] >= requirement.allocation_percent
                    and p.id not in named_ids
                )
                groups.append(
                    PersonGroup(
                        eligible, requirement.count, requirement.allocation_percent, position
                    )
                )
            elif isinstance(requirement, ConsumableRequirement):
                k = consumable_index[requirement.consumable]
                consumables[k] = consumables.get(k, 0) + requirement.amount
        if team_size is not None and task.team is not None:
            team = task.team
            if team.pool is not None:
                k = pool_index[team.pool]
                pools[k] = pools.get(k, 0) + team_size
            else:
                eligible = tuple(
                    person_index[p.id]
                    for p in portfolio.people
                    if team.skill is not None
                    and p.skills.get(team.skill, 0) >= team.min_level
                    and capacity[p.id] >= 100
                    and p.id not in named_ids
                )
                groups.append(PersonGroup(eligible, team_size, 100, None))
        pool_items = tuple(sorted(pools.items()))
        return ModeData(
            mode_id=mode_id,
            team_size=team_size,
            duration=duration,
            pools=pool_items,
            named=tuple(named),
            groups=tuple(groups),
            consumables=tuple(sorted(consumables.items())),
            one_off_cents=to_cents(task.fixed_cost + price),
            pool_rate_cents=sum(pool_rates[k] * units for k, units in pool_items),
        )

    # docs/rules.md: a milestone uses no resources, whatever requirements it lists.
    base: list[object] = [] if task.milestone else list(task.requirements)
    if task.modes:
        return _with_remaining(
            tuple(
                build(mode.id, None, mode.duration_days, base + list(mode.requirements), mode.cost)
                for mode in task.modes
            ),
            remaining,
        )
    if task.effort_days is not None and task.team is not None:
        sizes = range(task.team.min_size, task.team.max_size + 1)
        built = [build(None, n, math.ceil(task.effort_days / n), base, 0.0) for n in sizes]
        # Two sizes with the same duration: the smaller team dominates (cheaper, fewer
        # people), so keep only the smallest size of each duration.
        seen: set[int] = set()
        kept = []
        for mode in built:
            if mode.duration not in seen:
                seen.add(mode.duration)
                kept.append(mode)
        return _with_remaining(tuple(kept), remaining)
    duration = 0 if task.milestone else (task.duration_days or 0)
    return _with_remaining((build(None, None, duration, base, 0.0),), remaining)


def _with_remaining(modes: tuple[ModeData, ...], remaining: int | None) -> tuple[ModeData, ...]:
    """Work already under way: every mode runs for the remaining days only."""
    if remaining is None:
        return modes
    return tuple(dataclasses.replace(mode, duration=remaining) for mode in modes)


def compile_portfolio(portfolio: Portfolio) -> Problem:
    """Turn a validated portfolio into a :class:`Problem` on the working-day grid."""
    calendar = calendar_for(portfolio.calendar, _origin(portfolio))
    start_index = calendar.index_on_or_after(portfolio.start_date)
    status_index = (
        calendar.index_on_or_after(portfolio.status_date)
        if portfolio.status_date is not None
        else start_index
    )

    person_index = {p.id: k for k, p in enumerate(portfolio.people)}
    pool_index = {p.id: k for k, p in enumerate(portfolio.pools)}
    consumable_index = {c.id: k for k, c in enumerate(portfolio.consumables)}
    project_index = {p.id: k for k, p in enumerate(portfolio.projects)}
    pool_rates = [to_cents(p.cost_per_unit_day) for p in portfolio.pools]

    def end_index(day: date | None) -> int | None:
        """Exclusive end index of a 'finish on or before day' rule."""
        return None if day is None else calendar.index_on_or_before(day) + 1

    tasks: list[TaskData] = []
    task_index: dict[str, int] = {}
    project_tasks: list[list[int]] = []
    for p, project in enumerate(portfolio.projects):
        members = []
        release = start_index
        if project.release_date is not None:
            release = max(release, calendar.index_on_or_after(project.release_date))
        for task in project.tasks:
            progress = task.progress
            state = progress.state if progress is not None else ProgressState.NOT_STARTED
            remaining = None
            fixed_start = fixed_end = work_start = None
            if state == ProgressState.DONE and progress is not None:
                assert progress.actual_start is not None and progress.actual_finish is not None
                fixed_start = calendar.index_on_or_after(progress.actual_start)
                fixed_end = calendar.index_on_or_before(progress.actual_finish) + 1
                if task.milestone:  # an event: it takes no working day
                    fixed_end = fixed_start
                remaining = fixed_end - fixed_start
            elif state == ProgressState.IN_PROGRESS and progress is not None:
                assert progress.actual_start is not None and progress.remaining_days is not None
                fixed_start = calendar.index_on_or_after(progress.actual_start)
                work_start = status_index
                remaining = progress.remaining_days
                fixed_end = status_index + remaining
            elif task.pinned_start is not None:
                fixed_start = calendar.index_of(task.pinned_start)
            earliest = release
            if task.earliest_start is not None:
                earliest = max(earliest, calendar.index_on_or_after(task.earliest_start))
            latest_end = end_index(task.deadline)
            project_deadline = end_index(project.deadline)
            if project_deadline is not None:
                latest_end = (
                    project_deadline if latest_end is None else min(latest_end, project_deadline)
                )
            modes = _modes(
                task,
                portfolio,
                person_index,
                pool_index,
                consumable_index,
                pool_rates,
                None if state == ProgressState.NOT_STARTED else remaining,
            )
            index = len(tasks)
            task_index[task.id] = index
            members.append(index)
            tasks.append(
                TaskData(
                    id=task.id,
                    project=p,
                    modes=modes,
                    earliest=fixed_start if fixed_start is not None else earliest,
                    latest_end=latest_end,
                    fixed_start=fixed_start,
                    fixed_end=fixed_end,
                    work_start=work_start,
                    done=state == ProgressState.DONE,
                    actual_start=None if progress is None else progress.actual_start,
                    actual_finish=(
                        progress.actual_finish
                        if progress is not None and state == ProgressState.DONE
                        else None
                    ),
                )
            )
        project_tasks.append(members)

    precedences = [
        Precedence(task_index[dep.task], task_index[task.id], dep.type, dep.lag_days)
        for project in portfolio.projects
        for task in project.tasks
        for dep in task.dependencies
    ]

    def absence_ranges(person_id: str) -> list[tuple[int, int]]:
        person = portfolio.people[person_index[person_id]]
        ranges = []
        for absence in person.absences:
            first = calendar.index_on_or_after(absence.start)
            end = calendar.index_on_or_before(absence.end) + 1
            if end > first:
                ranges.append((first, end))
        merged: list[tuple[int, int]] = []
        for first, end in sorted(ranges):  # overlapping absences would clash as intervals
            if merged and first <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((first, end))
        return merged

    pool_steps = []
    for pool in portfolio.pools:
        steps = [(0, pool.units)]
        for change in sorted(pool.capacity_changes, key=lambda c: c.from_date):
            steps.append((calendar.index_on_or_after(change.from_date), change.units))
        pool_steps.append(steps)

    budgets = portfolio.budgets
    periods = []
    for period in budgets.periods:
        first_day, last_day = parse_period(period.period, budgets.fiscal_year_start_month)
        periods.append(
            PeriodData(
                period.period,
                calendar.index_on_or_after(first_day),
                calendar.index_on_or_before(last_day) + 1,
                to_cents(period.limit),
            )
        )

    baseline = {
        task_index[entry.task]: calendar.index_on_or_after(entry.start)
        for entry in portfolio.baseline
    }
    # Budget periods and baseline starts can make the best plan start later than
    # anything else would: the horizon must reach past them.
    later_than = [p.end for p in periods] + list(baseline.values())
    horizon = _horizon(
        tasks, precedences, pool_steps, portfolio, calendar, max([start_index, *later_than])
    )
    projects = portfolio.projects
    return Problem(
        portfolio=portfolio,
        calendar=calendar,
        start_index=start_index,
        horizon=horizon,
        tasks=tasks,
        task_index=task_index,
        project_ids=[p.id for p in projects],
        project_tasks=project_tasks,
        project_priority=np.array([p.priority for p in projects], dtype=np.int64),
        project_value_cents=np.array([to_cents(p.value) for p in projects], dtype=np.int64),
        project_mandatory=np.array([p.mandatory for p in projects], dtype=np.bool_),
        project_release=np.array(
            [
                max(start_index, calendar.index_on_or_after(p.release_date))
                if p.release_date
                else start_index
                for p in projects
            ],
            dtype=np.int64,
        ),
        project_due_end=[end_index(p.due_date) for p in projects],
        project_deadline_end=[end_index(p.deadline) for p in projects],
        project_budget_cents=[None if p.budget is None else to_cents(p.budget) for p in projects],
        project_depends_on=[[project_index[q] for q in p.depends_on] for p in projects],
        exclusive_groups=_groups(portfolio),
        precedences=precedences,
        person_ids=[p.id for p in portfolio.people],
        person_capacity=np.array(
            [round(p.capacity * 100) for p in portfolio.people], dtype=np.int64
        ),
        person_rate_cents=np.array(
            [to_cents(p.cost_per_day) for p in portfolio.people], dtype=np.int64
        ),
        person_absences=[absence_ranges(p.id) for p in portfolio.people],
        pool_ids=[p.id for p in portfolio.pools],
        pool_rate_cents=np.array(pool_rates, dtype=np.int64),
        pool_capacity_steps=pool_steps,
        consumable_ids=[c.id for c in portfolio.consumables],
        consumable_totals=np.array([c.total for c in portfolio.consumables], dtype=np.int64),
        total_budget_cents=None if budgets.total is None else to_cents(budgets.total),
        periods=periods,
        baseline_start=baseline,
    )


def _groups(portfolio: Portfolio) -> list[list[int]]:
    groups: dict[str, list[int]] = {}
    for k, project in enumerate(portfolio.projects):
        if project.exclusive_group is not None:
            groups.setdefault(project.exclusive_group, []).append(k)
    return [members for members in groups.values() if len(members) > 1]


def _horizon(
    tasks: list[TaskData],
    precedences: list[Precedence],
    pool_steps: list[list[tuple[int, int]]],
    portfolio: Portfolio,
    calendar: WorkCalendar,
    not_before: int,
) -> int:
    """A safe upper bound on the end of any reasonable plan.

    Doing all tasks one after another, after the latest release or fixed date, after
    every capacity change and absence, with every positive lag, is always possible when
    any plan is; so an optimal plan of a regular objective fits inside it.
    """
    latest_fixed = max(
        [not_before]
        + [t.earliest for t in tasks]
        + [t.fixed_end for t in tasks if t.fixed_end is not None]
        + [start for steps in pool_steps for start, _ in steps]
    )
    work = sum(max(m.duration for m in t.modes) for t in tasks if t.fixed_end is None)
    lags = sum(max(p.lag, 0) for p in precedences)
    absences = sum(
        calendar.working_days_between(a.start, a.end)
        for person in portfolio.people
        for a in person.absences
    )
    return latest_fixed + work + lags + absences + 1
