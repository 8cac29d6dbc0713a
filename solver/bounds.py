"""Simple lower bounds computed before any search: critical path and resource energy.

Both relax the problem (capacities and people are ignored by the critical path, the
order of work by the energy bound), so each is a valid bound on every plan:

- critical path: a forward pass over the dependencies (FS, SS, FF, SF with lags),
  project dependencies, release dates and fixed dates, every task at its shortest mode;
- energy: the work a pool must do (units x days of the cheapest mode) cannot be done
  faster than at the pool's largest capacity, from the earliest start of that work; and
  the work of people cannot be done faster than by the whole staff at full capacity
  (which also bounds the lateness of the projects due first).

Only tasks of mandatory projects count: an optional project may be left out. The
bounds give lower bounds on the date objectives (makespan, weighted completion,
weighted tardiness), which lets :func:`solver.solve.solve` recognise a priority-rule
plan that is already optimal, and report a bound when the search finds none.
"""

from __future__ import annotations

from dataclasses import dataclass

from models import DependencyType, ObjectiveName
from solver.compile import Problem


@dataclass(frozen=True)
class LowerBounds:
    """Lower bounds on a problem's dates and date objectives (grid indices, working days)."""

    earliest_end: list[int]  # per task: no plan ends it earlier (mandatory tasks only)
    project_end: list[int | None]  # per project: None if optional (it may be left out)
    critical_path: int  # makespan bound from the forward pass
    energy: int  # makespan bound from the pools' work
    objectives: dict[str, float]  # bound per date objective

    @property
    def makespan(self) -> int:
        """The better of the two makespan bounds."""
        return max(self.critical_path, self.energy)


def lower_bounds(problem: Problem) -> LowerBounds | None:
    """The critical-path and energy bounds, or None if the dependencies form a cycle
    that pushes dates without limit (the model is then infeasible)."""
    mandatory = [bool(problem.project_mandatory[t.project]) for t in problem.tasks]
    early = _forward_pass(problem, mandatory)
    if early is None:
        return None
    starts, ends = early
    origin = problem.start_index
    project_end: list[int | None] = []
    for project, members in enumerate(problem.project_tasks):
        if not problem.project_mandatory[project] or not members:
            project_end.append(None)
        else:
            project_end.append(max(ends[t] for t in members))
    known_ends = [end for end in project_end if end is not None]
    critical = max([0, *(end - origin for end in known_ends)])
    energy = _energy_bound(problem, mandatory, starts)
    people_makespan, people_tardiness = _people_bounds(problem, mandatory, starts)
    energy = max(energy, people_makespan)
    makespan = max(critical, energy)
    tardiness = completion = 0
    for project, end in enumerate(project_end):
        if end is None:
            continue
        priority = int(problem.project_priority[project])
        due = problem.project_due_end[project]
        if due is not None:
            tardiness += priority * max(0, end - due)
        completion += priority * (end - origin)
    objectives = {
        ObjectiveName.MAKESPAN.value: float(makespan),
        ObjectiveName.WEIGHTED_TARDINESS.value: float(max(tardiness, people_tardiness)),
        ObjectiveName.WEIGHTED_COMPLETION.value: float(completion),
    }
    return LowerBounds(ends, project_end, critical, energy, objectives)


def _forward_pass(problem: Problem, mandatory: list[bool]) -> tuple[list[int], list[int]] | None:
    """Earliest start and end of every task (Bellman-Ford over the dependency links)."""
    tasks = problem.tasks
    shortest = [min(mode.duration for mode in t.modes) for t in tasks]
    longest = [max(mode.duration for mode in t.modes) for t in tasks]
    starts = [t.fixed_start if t.fixed_start is not None else t.earliest for t in tasks]
    ends = [
        t.fixed_end
        if t.fixed_end is not None
        else (t.work_start if t.work_start is not None else starts[i]) + shortest[i]
        for i, t in enumerate(tasks)
    ]
    links = [
        link
        for link in problem.precedences
        if mandatory[link.predecessor] and mandatory[link.successor]
    ]
    project_links = [
        (first, then)
        for then, prerequisites in enumerate(problem.project_depends_on)
        for first in prerequisites
        if problem.project_mandatory[first] and problem.project_mandatory[then]
    ]
    changed = False

    def push_start(task: int, value: int) -> None:
        nonlocal changed
        if value > starts[task] and tasks[task].fixed_start is None:
            starts[task] = value
            changed = True
        if starts[task] + shortest[task] > ends[task] and tasks[task].fixed_end is None:
            ends[task] = starts[task] + shortest[task]
            changed = True

    def push_end(task: int, value: int) -> None:
        nonlocal changed
        if value > ends[task] and tasks[task].fixed_end is None:
            ends[task] = value
            changed = True
        push_start(task, ends[task] - longest[task])

    for _ in range(len(tasks) + len(problem.project_ids) + 1):
        changed = False
        for link in links:
            pred, succ = link.predecessor, link.successor
            if link.type == DependencyType.FS:
                push_start(succ, ends[pred] + link.lag)
            elif link.type == DependencyType.SS:
                push_start(succ, starts[pred] + link.lag)
            elif link.type == DependencyType.FF:
                push_end(succ, ends[pred] + link.lag)
            else:
                push_end(succ, starts[pred] + link.lag)
        for first, then in project_links:
            if problem.project_tasks[first]:
                finish = max(ends[t] for t in problem.project_tasks[first])
                for task in problem.project_tasks[then]:
                    push_start(task, finish)
        if not changed:
            return starts, ends
    return None


def _people_bounds(problem: Problem, mandatory: list[bool], starts: list[int]) -> tuple[int, int]:
    """Makespan and weighted-tardiness bounds from the work people must do.

    Every person-day of work (allocation x duration of the cheapest mode, named people
    and skill groups alike) is done by the whole staff at its full capacity at best,
    from the earliest start of that work. For the projects due by a date, all their work
    must fit before it, or the last of them to finish is late by the excess, at no less
    than the smallest priority among them.
    """
    capacity = int(problem.person_capacity.sum()) if len(problem.person_ids) else 0
    if capacity <= 0:
        return 0, 0
    work = [0] * len(problem.project_ids)
    first: int | None = None
    for task, data in enumerate(problem.tasks):
        if not mandatory[task] or data.done:
            continue
        need = min(
            mode.duration
            * (
                sum(allocation for _, allocation, _ in mode.named)
                + sum(group.count * group.allocation for group in mode.groups)
            )
            for mode in data.modes
        )
        if need == 0:
            continue
        work[data.project] += need
        begin = data.work_start if data.work_start is not None else starts[task]
        first = begin if first is None else min(first, begin)
    if first is None:
        return 0, 0
    makespan = first + -(-sum(work) // capacity) - problem.start_index
    due_projects = sorted(
        (due, project)
        for project, due in enumerate(problem.project_due_end)
        if due is not None and problem.project_mandatory[project] and work[project] > 0
    )
    tardiness = done = 0
    lowest_priority: int | None = None
    for due, project in due_projects:
        done += work[project]
        priority = int(problem.project_priority[project])
        lowest_priority = priority if lowest_priority is None else min(lowest_priority, priority)
        late = first + -(-done // capacity) - due
        tardiness = max(tardiness, lowest_priority * late)
    return makespan, tardiness


def _energy_bound(problem: Problem, mandatory: list[bool], starts: list[int]) -> int:
    """Makespan bound: each pool's work at its largest capacity, from its first start."""
    best = 0
    for pool in range(len(problem.pool_ids)):
        capacity = problem.pool_max_units(pool)
        work = 0
        first: int | None = None
        for task, data in enumerate(problem.tasks):
            if not mandatory[task] or data.done:
                continue
            need = min(
                mode.duration * sum(units for p, units in mode.pools if p == pool)
                for mode in data.modes
            )
            if need == 0:
                continue
            work += need
            begin = data.work_start if data.work_start is not None else starts[task]
            first = begin if first is None else min(first, begin)
        if work == 0 or first is None or capacity <= 0:
            continue
        best = max(best, first + -(-work // capacity) - problem.start_index)
    return best
