"""The baseline: a plain CP-SAT formulation of the (multi-mode) RCPSP.

Interval per task (optional intervals per mode), one cumulative per pool, precedences,
consumable totals, minimise makespan; no hint, no extra reasoning, default parameters.
This is what a competent first model looks like, and what optiplan's engine is
measured against in the same run, with the same workers and time limit.

It only covers what benchmark instances use (pools, modes, consumables, FS/SS/FF/SF
precedences, release dates); people, budgets and calendars beyond the grid are not
modelled, so it is not used on IT portfolios.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from models import DependencyType
from solver.compile import Problem
from solver.schedule import Schedule, TaskChoice


@dataclass(frozen=True)
class PlainResult:
    """Outcome of the plain formulation."""

    status: str  # CP-SAT status name
    makespan: int | None
    bound: float | None
    time_s: float
    schedule: Schedule | None


def solve_plain(problem: Problem, time_limit_s: float, workers: int, seed: int = 0) -> PlainResult:
    """Minimise the makespan of ``problem`` with the plain formulation."""
    if any(m.named or m.groups for t in problem.tasks for m in t.modes):
        raise ValueError("the plain formulation does not model people")
    started = time.monotonic()
    model = cp_model.CpModel()
    horizon = problem.horizon
    starts, ends, mode_literals = [], [], []
    usage: dict[int, tuple[list[cp_model.IntervalVar], list[int]]] = {}
    consumption: dict[int, list[cp_model.LinearExprT]] = {}
    for task in problem.tasks:
        start = model.new_int_var(task.earliest, horizon, f"S{task.id}")
        end = model.new_int_var(task.earliest, horizon, f"E{task.id}")
        literals = []
        for m, mode in enumerate(task.modes):
            literal = model.new_bool_var("") if len(task.modes) > 1 else model.new_constant(1)
            literals.append(literal)
            interval = model.new_optional_interval_var(
                start, mode.duration, end, literal, f"I{task.id},{m}"
            )
            for pool, units in mode.pools:
                intervals, demands = usage.setdefault(pool, ([], []))
                intervals.append(interval)
                demands.append(units)
            for consumable, amount in mode.consumables:
                consumption.setdefault(consumable, []).append(amount * literal)
        if len(literals) > 1:
            model.add_exactly_one(literals)
        starts.append(start)
        ends.append(end)
        mode_literals.append(literals)
    for pool, (intervals, demands) in usage.items():
        model.add_cumulative(intervals, demands, problem.pool_max_units(pool))
    for consumable, terms in consumption.items():
        model.add(sum(terms) <= int(problem.consumable_totals[consumable]))
    for link in problem.precedences:
        a, b = link.predecessor, link.successor
        if link.type == DependencyType.FS:
            model.add(starts[b] >= ends[a] + link.lag)
        elif link.type == DependencyType.SS:
            model.add(starts[b] >= starts[a] + link.lag)
        elif link.type == DependencyType.FF:
            model.add(ends[b] >= ends[a] + link.lag)
        else:
            model.add(ends[b] >= starts[a] + link.lag)
    makespan = model.new_int_var(0, horizon, "makespan")
    model.add_max_equality(makespan, ends)
    model.minimize(makespan - problem.start_index)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    code = solver.solve(model)
    elapsed = time.monotonic() - started
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return PlainResult(solver.status_name(code), None, None, elapsed, None)
    choices = []
    for task, start, end, literals in zip(problem.tasks, starts, ends, mode_literals, strict=True):
        chosen = next(m for m, lit in enumerate(literals) if solver.boolean_value(lit))
        choices.append(TaskChoice(solver.value(start), solver.value(end), chosen, ()))
        del task
    schedule = Schedule(selected=(True,) * len(problem.project_ids), tasks=tuple(choices))
    return PlainResult(
        solver.status_name(code),
        int(solver.objective_value),
        solver.best_objective_bound,
        elapsed,
        schedule,
    )
