"""Critical chain and float of a schedule.

The network is the plan's dependencies plus the *resource-induced* links of the plan:
when a person works on task A and then on task B, B cannot move before A ends without
re-sequencing, so A -> B is an extra finish-to-start link. Floats are then computed by
a backward pass from the portfolio end, holding every other task's sequence.
"""

from __future__ import annotations

import graphlib
import itertools
from collections import defaultdict
from dataclasses import dataclass

from models import DependencyType
from solver.compile import Problem
from solver.schedule import Schedule


@dataclass(frozen=True)
class Floats:
    """Total and free float per task (working days), and the critical tasks."""

    total: dict[int, int]
    free: dict[int, int]
    critical: list[int]


def _links(problem: Problem, schedule: Schedule) -> list[tuple[int, int, DependencyType, int]]:
    links = [
        (p.predecessor, p.successor, p.type, p.lag)
        for p in problem.precedences
        if schedule.tasks[p.predecessor] is not None and schedule.tasks[p.successor] is not None
    ]
    by_person: dict[int, list[int]] = defaultdict(list)
    for task, choice in enumerate(schedule.tasks):
        if choice is not None and choice.end > choice.start and not problem.tasks[task].done:
            for assignment in choice.people:
                by_person[assignment.person].append(task)
    for tasks in by_person.values():
        ordered = sorted(tasks, key=lambda t: (schedule.tasks[t].start, schedule.tasks[t].end))  # type: ignore[union-attr]
        for a, b in itertools.pairwise(ordered):
            choice_a, choice_b = schedule.tasks[a], schedule.tasks[b]
            assert choice_a is not None and choice_b is not None
            if choice_b.start >= choice_a.end:
                links.append((a, b, DependencyType.FS, 0))
    return links


def compute_floats(problem: Problem, schedule: Schedule) -> Floats:
    """Total and free float of every scheduled task, and the critical chain."""
    links = _links(problem, schedule)
    choices = {t: c for t, c in enumerate(schedule.tasks) if c is not None}
    if not choices:
        return Floats({}, {}, [])
    horizon_end = max(c.end for c in choices.values())
    # Latest start of each task such that every successor keeps its own latest dates.
    successors: dict[int, list[tuple[int, DependencyType, int]]] = defaultdict(list)
    graph: dict[int, set[int]] = {t: set() for t in choices}
    for a, b, kind, lag in links:
        successors[a].append((b, kind, lag))
        graph[b].add(a)
    order = list(graphlib.TopologicalSorter(graph).static_order())
    latest_start: dict[int, int] = {}
    free: dict[int, int] = {}
    for task in reversed(order):
        choice = choices[task]
        duration = choice.end - choice.start
        fixed = problem.tasks[task].fixed_start is not None
        limit = horizon_end - duration
        slack_free = horizon_end - choice.end
        for succ, kind, lag in successors[task]:
            s_choice = choices[succ]
            s_latest = latest_start[succ]
            s_duration = s_choice.end - s_choice.start
            if kind == DependencyType.FS:
                bound, slack = s_latest - lag - duration, s_choice.start - lag - choice.end
            elif kind == DependencyType.SS:
                bound, slack = s_latest - lag, s_choice.start - lag - choice.start
            elif kind == DependencyType.FF:
                bound = s_latest + s_duration - lag - duration
                slack = s_choice.end - lag - choice.end
            else:
                bound, slack = s_latest + s_duration - lag, s_choice.end - lag - choice.start
            limit = min(limit, bound)
            slack_free = min(slack_free, slack)
        latest_start[task] = choice.start if fixed else max(limit, choice.start)
        free[task] = 0 if fixed else max(slack_free, 0)
    total = {t: latest_start[t] - choices[t].start for t in choices}
    critical = sorted(t for t, value in total.items() if value == 0 and not problem.tasks[t].done)
    return Floats(total, free, critical)
