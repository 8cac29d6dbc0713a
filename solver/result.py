"""Turn a grid :class:`Schedule` into a dated :class:`Plan` with costs, load and spend."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date, timedelta

import numpy as np

from models import (
    ObjectiveName,
    PeriodSpend,
    PersonAssignment,
    Plan,
    PlanStatus,
    ProjectPlan,
    ResourceLoad,
    TaskPlan,
)
from solver.compile import Problem
from solver.cpsat.variables import COST_SCALE
from solver.schedule import Schedule


def task_cost_units(problem: Problem, schedule: Schedule, task: int) -> tuple[int, int]:
    """(daily cost, one-off cost) of a scheduled task in model units (1/10,000 currency)."""
    choice = schedule.tasks[task]
    assert choice is not None
    mode = problem.tasks[task].modes[choice.mode]
    daily = mode.pool_rate_cents * 100 + sum(
        int(problem.person_rate_cents[a.person]) * a.allocation for a in choice.people
    )
    return daily, mode.one_off_cents * 100


def objective_values(
    problem: Problem, schedule: Schedule, names: Collection[str] | None = None
) -> dict[str, float]:
    """The objectives of docs/rules.md computed from the schedule: all of them, or only
    ``names`` (the peak load, which needs a load profile, is skipped when not asked for:
    the heuristics score many schedules)."""
    ends: defaultdict[int, int] = defaultdict(int)
    for task, choice in enumerate(schedule.tasks):
        if choice is not None:
            project = problem.tasks[task].project
            ends[project] = max(ends[project], choice.end)
    tardiness = completion = 0
    for project, end in ends.items():
        priority = int(problem.project_priority[project])
        due = problem.project_due_end[project]
        if due is not None:
            tardiness += priority * max(0, end - due)
        completion += priority * (end - problem.start_index)
    cost = 0
    for task, choice in enumerate(schedule.tasks):
        if choice is not None:
            daily, one_off = task_cost_units(problem, schedule, task)
            cost += daily * (choice.end - choice.start) + one_off
    value = sum(
        int(problem.project_value_cents[p]) for p, chosen in enumerate(schedule.selected) if chosen
    )
    stability = 0
    for task, baseline in problem.baseline_start.items():
        choice = schedule.tasks[task]
        if choice is not None:
            stability += abs(choice.start - baseline)
    values = {
        ObjectiveName.MAKESPAN.value: float(
            max(ends.values(), default=problem.start_index) - problem.start_index
        ),
        ObjectiveName.WEIGHTED_TARDINESS.value: float(tardiness),
        ObjectiveName.WEIGHTED_COMPLETION.value: float(completion),
        ObjectiveName.TOTAL_COST.value: cost / COST_SCALE,
        ObjectiveName.SELECTED_VALUE.value: value / 100,
        ObjectiveName.STABILITY.value: float(stability),
    }
    if names is None or ObjectiveName.PEAK_LOAD.value in names:
        values[ObjectiveName.PEAK_LOAD.value] = _peak_load(problem, schedule)
    return values


def _peak_load(problem: Problem, schedule: Schedule) -> float:
    profile = np.zeros(problem.horizon + 1, dtype=np.int64)
    for task, choice in enumerate(schedule.tasks):
        data = problem.tasks[task]
        if choice is None or data.done:
            continue
        mode = data.modes[choice.mode]
        first = data.work_start if data.work_start is not None else choice.start
        demand = 100 * sum(units for _, units in mode.pools) + sum(
            a.allocation for a in choice.people
        )
        profile[first : choice.end] += demand
    return float(profile.max()) / 100 if len(profile) else 0.0


def build_plan(
    problem: Problem,
    schedule: Schedule,
    status: PlanStatus,
    *,
    best_bound: float | None = None,
    gap: float | None = None,
    combined: float | None = None,
) -> Plan:
    """The dated plan of ``schedule``: tasks, projects, weekly load and period spend."""
    date_of = problem.date_of
    tasks: list[TaskPlan] = []
    project_cost: dict[int, int] = defaultdict(int)
    project_start: dict[int, int] = {}
    project_end: dict[int, int] = {}
    start_of: dict[int, date] = {}
    finish_of: dict[int, date] = {}
    daily_cost = np.zeros(problem.horizon + 2, dtype=np.int64)
    one_off_cost = np.zeros(problem.horizon + 2, dtype=np.int64)
    for index, choice in enumerate(schedule.tasks):
        if choice is None:
            continue
        data = problem.tasks[index]
        mode = data.modes[choice.mode]
        daily, one_off = task_cost_units(problem, schedule, index)
        duration = choice.end - choice.start
        cost_units = daily * duration + one_off
        daily_cost[choice.start : choice.end] += daily
        one_off_cost[choice.start] += one_off
        project_cost[data.project] += cost_units
        project_start[data.project] = min(
            project_start.get(data.project, choice.start), choice.start
        )
        project_end[data.project] = max(project_end.get(data.project, choice.end), choice.end)
        # Recorded dates stand as recorded, even on a non-working day.
        start = data.actual_start or date_of(choice.start)
        finish = data.actual_finish or date_of(max(choice.end - 1, choice.start))
        finish_of[data.project] = max(finish_of.get(data.project, finish), finish)
        start_of[data.project] = min(start_of.get(data.project, start), start)
        tasks.append(
            TaskPlan(
                task=data.id,
                project=problem.project_ids[data.project],
                mode=mode.mode_id,
                team_size=mode.team_size,
                start=start,
                finish=finish,
                duration_days=duration,
                people=[
                    PersonAssignment(
                        person=problem.person_ids[a.person],
                        allocation_percent=a.allocation,
                        requirement=a.requirement,
                    )
                    for a in choice.people
                ],
                cost=round(cost_units / COST_SCALE, 2),
            )
        )
    projects = []
    for project, project_id in enumerate(problem.project_ids):
        if not schedule.selected[project] or project not in project_end:
            projects.append(ProjectPlan(project=project_id, selected=False))
            continue
        end = project_end[project]
        due = problem.project_due_end[project]
        projects.append(
            ProjectPlan(
                project=project_id,
                selected=True,
                start=start_of[project],
                finish=finish_of[project],  # a closing milestone finishes on its own day
                days_late=max(0, end - due) if due is not None else 0,
                cost=round(project_cost[project] / COST_SCALE, 2),
            )
        )
    values = objective_values(problem, schedule)
    if combined is not None:
        values["combined"] = combined
    return Plan(
        portfolio=problem.portfolio.id,
        status=status,
        objective=values,
        best_bound=best_bound,
        gap=gap,
        tasks=tasks,
        projects=projects,
        load=weekly_load(problem, schedule),
        spend=[
            PeriodSpend(
                period=period.label,
                start=date_of(period.first),
                end=date_of(max(period.end - 1, period.first)),
                spend=round(
                    float(
                        daily_cost[period.first : period.end].sum()
                        + one_off_cost[period.first : period.end].sum()
                    )
                    / COST_SCALE,
                    2,
                ),
                limit=period.limit_cents / 100,
            )
            for period in problem.periods
        ],
    )


def weekly_load(problem: Problem, schedule: Schedule) -> list[ResourceLoad]:
    """Person-days and unit-days planned per resource and ISO week, against capacity."""
    horizon = problem.horizon + 1
    n_people, n_pools = len(problem.person_ids), len(problem.pool_ids)
    person_load = np.zeros((n_people, horizon), dtype=np.int64)
    pool_load = np.zeros((n_pools, horizon), dtype=np.int64)
    last = problem.start_index
    for index, choice in enumerate(schedule.tasks):
        data = problem.tasks[index]
        if choice is None or data.done:
            continue
        first = data.work_start if data.work_start is not None else choice.start
        mode = data.modes[choice.mode]
        for a in choice.people:
            person_load[a.person, first : choice.end] += a.allocation
        for pool, units in mode.pools:
            pool_load[pool, first : choice.end] += units
        last = max(last, choice.end)
    if last <= problem.start_index:
        return []
    days = range(problem.start_index, last)
    weeks = [problem.date_of(d) for d in days]
    week_of = [day - timedelta(days=day.weekday()) for day in weeks]
    rows: list[ResourceLoad] = []
    person_capacity = np.repeat(problem.person_capacity[:, None], horizon, axis=1)
    for person in range(n_people):
        for first, end in problem.person_absences[person]:
            person_capacity[person, first:end] = 0
    for kind, ids, load, scale in (
        ("person", problem.person_ids, person_load, 100.0),
        ("pool", problem.pool_ids, pool_load, 1.0),
    ):
        for resource, resource_id in enumerate(ids):
            totals: dict[object, list[float]] = {}
            for offset, day_index in enumerate(days):
                if kind == "person":
                    capacity = float(person_capacity[resource, day_index]) / scale
                else:
                    capacity = float(problem.pool_units_at(resource, day_index))
                entry = totals.setdefault(week_of[offset], [0.0, 0.0])
                entry[0] += float(load[resource, day_index]) / scale
                entry[1] += capacity
            rows.extend(
                ResourceLoad(
                    resource=resource_id,
                    kind=kind,
                    week=week,  # type: ignore[arg-type]
                    load_days=round(values[0], 2),
                    capacity_days=round(values[1], 2),
                )
                for week, values in totals.items()
            )
    return rows
