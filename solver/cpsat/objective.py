"""Objective terms of the CP-SAT model, each in its natural unit.

Every term is an integer linear expression plus a factor that turns it into the unit
reported in the plan (working days, currency). ``selected_value`` is maximised, so its
expression is negated here and the plan reports the positive value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from models import ObjectiveName
from solver.compile import Problem
from solver.cpsat.constraints import Constraints
from solver.cpsat.variables import COST_SCALE, Variables


@dataclass(frozen=True)
class Term:
    """One objective term: minimise ``expression``; report ``expression * scale``."""

    name: ObjectiveName
    expression: cp_model.LinearExprT
    scale: float  # natural units per model unit (negative for maximised terms)


class ObjectiveBuilder:
    """Builds objective terms on top of the model's variables."""

    def __init__(
        self,
        model: cp_model.CpModel,
        problem: Problem,
        variables: Variables,
        constraints: Constraints,
    ) -> None:
        self.model = model
        self.problem = problem
        self.vars = variables
        self.constraints = constraints
        self._builders: dict[ObjectiveName, Callable[[], Term]] = {
            ObjectiveName.MAKESPAN: self.makespan,
            ObjectiveName.WEIGHTED_TARDINESS: self.weighted_tardiness,
            ObjectiveName.WEIGHTED_COMPLETION: self.weighted_completion,
            ObjectiveName.TOTAL_COST: self.total_cost,
            ObjectiveName.SELECTED_VALUE: self.selected_value,
            ObjectiveName.PEAK_LOAD: self.peak_load,
            ObjectiveName.STABILITY: self.stability,
        }
        self._cache: dict[ObjectiveName, Term] = {}

    def term(self, name: ObjectiveName) -> Term:
        """The term for ``name`` (built once)."""
        if name not in self._cache:
            self._cache[name] = self._builders[name]()
        return self._cache[name]

    def makespan(self) -> Term:
        """Portfolio end in working days from the portfolio start."""
        problem = self.problem
        makespan = self.model.new_int_var(0, problem.horizon, "makespan")
        for project, end in enumerate(self.vars.project_end):
            self.model.add(makespan >= end - problem.start_index).only_enforce_if(
                self.vars.selected[project]
            )
        return Term(ObjectiveName.MAKESPAN, makespan, 1.0)

    def weighted_tardiness(self) -> Term:
        """Sum of priority x working days late over selected projects with a due date."""
        terms = []
        for project, due_end in enumerate(self.problem.project_due_end):
            priority = int(self.problem.project_priority[project])
            if due_end is None or priority == 0:
                continue
            late = self.model.new_int_var(0, self.problem.horizon, f"late[{project}]")
            self.model.add(late >= self.vars.project_end[project] - due_end).only_enforce_if(
                self.vars.selected[project]
            )
            terms.append(priority * late)
        return Term(ObjectiveName.WEIGHTED_TARDINESS, sum(terms) if terms else 0, 1.0)

    def weighted_completion(self) -> Term:
        """Sum of priority x project end (from the portfolio start) over selected projects."""
        terms = []
        for project, end in enumerate(self.vars.project_end):
            priority = int(self.problem.project_priority[project])
            if priority == 0:
                continue
            completion = self.model.new_int_var(0, self.problem.horizon, "")
            self.model.add(completion >= end - self.problem.start_index).only_enforce_if(
                self.vars.selected[project]
            )
            terms.append(priority * completion)
        return Term(ObjectiveName.WEIGHTED_COMPLETION, sum(terms) if terms else 0, 1.0)

    def total_cost(self) -> Term:
        """Sum of task costs, in currency."""
        costs = [self.constraints.task_cost(t) for t in range(self.problem.n_tasks)]
        return Term(ObjectiveName.TOTAL_COST, sum(costs), 1.0 / COST_SCALE)

    def selected_value(self) -> Term:
        """Value of the selected projects (maximised), in currency."""
        value = [
            int(self.problem.project_value_cents[p]) * literal
            for p, literal in enumerate(self.vars.selected)
        ]
        # Minimised as -value; the plan reports +value (see combined_value in solve.py).
        return Term(ObjectiveName.SELECTED_VALUE, -sum(value), 0.01)

    def peak_load(self) -> Term:
        """Highest load on any day: pool units plus person allocations (in hundredths)."""
        problem = self.problem
        intervals: list[cp_model.IntervalVar] = []
        demands: list[int] = []
        upper = 0
        for task, task_vars in zip(problem.tasks, self.vars.tasks, strict=True):
            for m, (mode, interval) in enumerate(
                zip(task.modes, task_vars.mode_intervals, strict=True)
            ):
                if interval is None or mode.duration == 0:
                    continue
                demand = 100 * sum(units for _, units in mode.pools) + sum(
                    alloc for _, alloc, _ in mode.named
                )
                if demand:
                    intervals.append(interval)
                    demands.append(demand)
                    upper += demand
                for assignment in task_vars.assignments[m]:
                    if assignment.interval is not None:
                        intervals.append(assignment.interval)
                        demands.append(assignment.allocation)
                        upper += assignment.allocation
        peak = self.model.new_int_var(0, max(upper, 0), "peak_load")
        if intervals:
            self.model.add_cumulative(intervals, demands, peak)
        return Term(ObjectiveName.PEAK_LOAD, peak, 0.01)

    def stability(self) -> Term:
        """Working days moved against the baseline plan's starts."""
        terms = []
        for task, baseline in self.problem.baseline_start.items():
            moved = self.model.new_int_var(0, self.problem.horizon, "")
            start = self.vars.tasks[task].start
            self.model.add(moved >= start - baseline)
            self.model.add(moved >= baseline - start)
            terms.append(moved)
        return Term(ObjectiveName.STABILITY, sum(terms) if terms else 0, 1.0)
