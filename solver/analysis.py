"""Critical chain and float of a schedule.

The network is the plan's dependencies plus the *resource-induced* links of the plan:
when a person works on task A and then on task B, B cannot move before A ends without
re-sequencing, so A -> B is an extra finish-to-start link. Floats are then computed by
a backward pass from the portfolio end, holding every other task's sequence.
"""

from __future__ import annotations

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


def _start_bound(
    kind: DependencyType, lag: int, duration: int, succ_latest: int, succ_duration: int
) -> int:
    """Latest start of a predecessor that keeps its successor's start ``succ_latest``."""
    if kind == DependencyType.FS:
        return succ_latest - lag - duration
    if kind == DependencyType.SS:
        return succ_latest - lag
    if kind == DependencyType.FF:
        return succ_latest + succ_duration - lag - duration
    return succ_latest + succ_duration - lag  # SF


def compute_floats(problem: Problem, schedule: Schedule) -> Floats:
    """Total and free float of every scheduled task, and the critical chain."""
    links = _links(problem, schedule)
    choices = {t: c for t, c in enumerate(schedule.tasks) if c is not None}
    if not choices:
        return Floats({}, {}, [])
    horizon_end = max(c.end for c in choices.values())
    successors: dict[int, list[tuple[int, DependencyType, int]]] = defaultdict(list)
    for a, b, kind, lag in links:
        successors[a].append((b, kind, lag))
    duration = {t: c.end - c.start for t, c in choices.items()}
    fixed = {t for t in choices if problem.tasks[t].fixed_start is not None}
    # Latest start of each task such that every successor keeps its own latest start:
    # lowered from the portfolio end until nothing changes. The links need not form a
    # DAG (a start-to-finish link, a negative lag or a resource link can point back in
    # time), so this is a fixed point rather than one backward pass; latest first, so a
    # DAG in time order settles in one sweep. Each change lowers a whole number that
    # cannot go below the task's start: it ends.
    latest = {t: c.start if t in fixed else horizon_end - duration[t] for t, c in choices.items()}
    order = sorted(choices, key=lambda t: (choices[t].start, choices[t].end), reverse=True)
    changed = True
    while changed:
        changed = False
        for task in order:
            if task in fixed:
                continue
            limit = latest[task]
            for succ, kind, lag in successors[task]:
                limit = min(
                    limit, _start_bound(kind, lag, duration[task], latest[succ], duration[succ])
                )
            value = max(limit, choices[task].start)
            if value < latest[task]:
                latest[task], changed = value, True
    free: dict[int, int] = {}
    for task, choice in choices.items():
        slack_free = horizon_end - choice.end
        for succ, kind, lag in successors[task]:
            # How far the task may start later with its successor where it is.
            latest_here = _start_bound(
                kind, lag, duration[task], choices[succ].start, duration[succ]
            )
            slack_free = min(slack_free, latest_here - choice.start)
        free[task] = 0 if task in fixed else max(slack_free, 0)
    total = {t: latest[t] - choices[t].start for t in choices}
    critical = sorted(t for t, value in total.items() if value == 0 and not problem.tasks[t].done)
    return Floats(total, free, critical)
