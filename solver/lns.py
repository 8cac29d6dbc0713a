"""Large neighbourhood search for portfolios too large for one CP-SAT model to improve.

On a portfolio of thousands of tasks where the solver picks people by skill, the
complete CP-SAT model holds tens of thousands of optional assignment intervals; each
search decision wakes the person constraints, so one dive through the model takes
seconds and CP-SAT's own neighbourhood search makes a handful of moves a minute
(measured on the 2,000-task benchmark portfolio: no improvement on the priority-rule
plan in 60 s). Here each move frees only a window of tasks (consecutive in the
incumbent's start order), pins every other task to its incumbent dates, mode and
people, and solves that much smaller model with the same rules and objective, starting
from the incumbent. A better plan becomes the incumbent; the window grows while moves
are proven optimal quickly and shrinks when they time out.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from models import Objectives
from solver.compile import Problem
from solver.cpsat.model import CpSatScheduler
from solver.options import SolveOptions
from solver.progress import ProgressCallback, ProgressEvent, StopCallback
from solver.schedule import Schedule

#: Scores a full schedule (the combined objective, minimised).
ScoreFunction = Callable[[Schedule], float]

#: Portfolios with at least this many optional person assignments (task x eligible
#: person) are improved by windows before the final complete search.
LNS_MIN_ASSIGNMENTS = 4_000


def assignment_count(problem: Problem) -> int:
    """Number of (task, mode, eligible person) choices the complete model would hold."""
    return sum(
        len(group.eligible)
        for task in problem.tasks
        for mode in task.modes
        for group in mode.groups
    )


def wants_lns(problem: Problem) -> bool:
    """True when the complete model is too large to improve plans by itself."""
    return bool(problem.project_mandatory.all()) and (
        assignment_count(problem) >= LNS_MIN_ASSIGNMENTS
    )


@dataclass
class LnsResult:
    """The best schedule found and what the search did."""

    schedule: Schedule
    value: float
    moves: int
    improvements: int
    cancelled: bool


def pin_outside(problem: Problem, incumbent: Schedule, free: set[int]) -> Problem:
    """A copy of ``problem`` where every task outside ``free`` keeps its incumbent dates,
    mode and people (its choice of people becomes a named assignment)."""
    tasks = []
    for index, (task, choice) in enumerate(zip(problem.tasks, incumbent.tasks, strict=True)):
        if index in free or choice is None or task.done:
            tasks.append(task)
            continue
        mode = task.modes[choice.mode]
        named = tuple((a.person, a.allocation, a.requirement) for a in choice.people)
        pinned_mode = dataclasses.replace(mode, named=named, groups=())
        tasks.append(
            dataclasses.replace(
                task,
                modes=(pinned_mode,),
                fixed_start=choice.start,
                fixed_end=choice.end,
                earliest=min(task.earliest, choice.start),
            )
        )
    return dataclasses.replace(problem, tasks=tasks)


def improve(
    problem: Problem,
    objectives: Objectives,
    options: SolveOptions,
    incumbent: Schedule,
    value: float,
    score: ScoreFunction,
    deadline: float,
    *,
    started: float,
    floor: float | None = None,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> LnsResult:
    """Improve ``incumbent`` (of combined value ``value``) by window moves until ``deadline``
    (a ``time.monotonic()`` instant), a stop request, or a value at ``floor`` (a lower
    bound)."""
    rng = random.Random(options.seed)
    order = sorted(
        (t for t, choice in enumerate(incumbent.tasks) if choice is not None),
        key=lambda t: (incumbent.tasks[t].start, t),  # type: ignore[union-attr]
    )
    size = max(20, min(len(order) // 10, 200))
    moves = improvements = 0
    while time.monotonic() < deadline - 0.5 and order:
        if should_stop is not None and should_stop():
            return LnsResult(incumbent, value, moves, improvements, True)
        if floor is not None and value <= floor + 1e-9:
            break
        order.sort(key=lambda t: (incumbent.tasks[t].start, t))  # type: ignore[union-attr]
        first = rng.randrange(max(1, len(order) - size + 1))
        free = set(order[first : first + size])
        sub = pin_outside(problem, incumbent, free)
        limit = min(5.0, deadline - time.monotonic() - 0.5)
        if limit <= 0.2:
            break
        scheduler = CpSatScheduler(
            sub,
            objectives,
            options.model_copy(update={"time_limit_s": limit, "relative_gap": 0.0}),
        )
        outcome = scheduler.solve(incumbent, None, should_stop)
        moves += 1
        if outcome.schedule is not None:
            candidate = _unpin(problem, outcome.schedule, incumbent, free)
            candidate_value = score(candidate)
            if candidate_value < value - 1e-9:
                incumbent, value = candidate, candidate_value
                improvements += 1
                if on_progress is not None:
                    on_progress(ProgressEvent.since(started, "lns", value, improvements))
        if outcome.statistics.get("cpsat_status") == "OPTIMAL":
            size = min(len(order), int(size * 1.2) + 1)
        else:
            size = max(10, int(size * 0.8))
    return LnsResult(incumbent, value, moves, improvements, False)


def _unpin(problem: Problem, sub: Schedule, incumbent: Schedule, free: set[int]) -> Schedule:
    """The sub-problem's schedule in the full problem's terms: pinned tasks keep the
    incumbent's choice (their pinned mode 0 is the incumbent's mode)."""
    tasks = tuple(
        choice if index in free else incumbent.tasks[index]
        for index, choice in enumerate(sub.tasks)
    )
    return Schedule(selected=sub.selected, tasks=tasks)
