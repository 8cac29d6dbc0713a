"""Decision variables of the CP-SAT model: one place that creates them all."""

from __future__ import annotations

from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.compile import Problem

#: Cost unit inside the model: 1/10,000 of the currency, so that rates in cents times
#: allocation percent stay integral.
COST_SCALE = 10_000


@dataclass
class AssignmentVar:
    """A person possibly filling a group of a task's mode."""

    person: int
    allocation: int
    requirement: int | None
    literal: cp_model.IntVar
    interval: cp_model.IntervalVar | None  # None for done tasks (history uses nothing)


@dataclass
class TaskVars:
    """Variables of one task."""

    start: cp_model.IntVar  # plan start (the actual start once work has begun)
    work_start: cp_model.IntVar  # first day of (remaining) work that uses resources
    end: cp_model.IntVar  # exclusive end
    present: cp_model.IntVar  # the task's project is selected
    modes: list[cp_model.IntVar]  # one literal per mode
    mode_intervals: list[cp_model.IntervalVar | None]  # None for done tasks
    assignments: list[list[AssignmentVar]] = field(default_factory=list)  # per mode


class Variables:
    """Creates and holds every variable of the model."""

    def __init__(self, model: cp_model.CpModel, problem: Problem) -> None:
        self.model = model
        self.problem = problem
        self.true = model.new_bool_var("true")
        model.add(self.true == 1)
        self.selected = [self._selection_literal(p) for p in range(len(problem.project_ids))]
        self.tasks = [self._task(t) for t in range(problem.n_tasks)]
        horizon = problem.horizon
        self.project_end = [
            model.new_int_var(0, horizon, f"end[{pid}]") for pid in problem.project_ids
        ]
        self.project_start = [
            model.new_int_var(0, horizon, f"start[{pid}]") for pid in problem.project_ids
        ]

    def _selection_literal(self, project: int) -> cp_model.IntVar:
        if self.problem.project_mandatory[project]:
            return self.true
        return self.model.new_bool_var(f"selected[{self.problem.project_ids[project]}]")

    def _task(self, index: int) -> TaskVars:
        model, problem = self.model, self.problem
        task = problem.tasks[index]
        horizon = problem.horizon
        name = task.id
        if task.fixed_start is not None:
            start = model.new_constant(task.fixed_start)
        else:
            start = model.new_int_var(task.earliest, horizon, f"S[{name}]")
        if task.fixed_end is not None:
            end = model.new_constant(task.fixed_end)
        else:
            end = model.new_int_var(task.earliest, horizon, f"E[{name}]")
        work_start = model.new_constant(task.work_start) if task.work_start is not None else start
        present = self.selected[task.project]
        if len(task.modes) == 1:
            modes = [present]
        else:
            modes = [model.new_bool_var(f"mode[{name},{m}]") for m in range(len(task.modes))]
        intervals: list[cp_model.IntervalVar | None] = []
        assignments: list[list[AssignmentVar]] = []
        for m, mode in enumerate(task.modes):
            # Done work is history: it still names who did it (for cost and the
            # checker's requirement count) but holds no capacity.
            intervals.append(
                None
                if task.done
                else model.new_optional_fixed_size_interval_var(
                    work_start, mode.duration, modes[m], f"I[{name},{m}]"
                )
            )
            mode_assignments = []
            for group in mode.groups:
                for person in group.eligible:
                    literal = model.new_bool_var(f"a[{name},{m},{person}]")
                    interval = (
                        None
                        if task.done
                        else model.new_optional_fixed_size_interval_var(
                            work_start, mode.duration, literal, f"A[{name},{m},{person}]"
                        )
                    )
                    mode_assignments.append(
                        AssignmentVar(
                            person, group.allocation, group.requirement, literal, interval
                        )
                    )
            assignments.append(mode_assignments)
        return TaskVars(start, work_start, end, present, modes, intervals, assignments)
