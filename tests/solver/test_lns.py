"""Window search (LNS) for large portfolios: pinning, and moves that reach the optimum.

Portfolios start Monday 2027-01-04 on a Monday-Friday calendar (index 0 = 2027-01-04).
"""

from __future__ import annotations

import importlib
import time

import pytest

from models import ObjectiveName, Objectives, ObjectiveTerm, PlanStatus, Portfolio
from models.checker import check_plan
from solver import ProgressEvent, SolveOptions
from solver.compile import Problem, compile_portfolio
from solver.lns import assignment_count, improve, pin_outside, wants_lns
from solver.result import build_plan, objective_values
from solver.schedule import Assignment, Schedule, TaskChoice
from tests.solver.factory import portfolio, task

TARDINESS = Objectives(terms=[ObjectiveTerm(name=ObjectiveName.WEIGHTED_TARDINESS)])
ANA = [{"kind": "person", "person": "ana"}]


def three_projects() -> Portfolio:
    """Three 2-day tasks for Ana, due Tuesday, Thursday and the next Monday."""
    dues = {"P1": "2027-01-05", "P2": "2027-01-07", "P3": "2027-01-11"}
    return portfolio(
        [
            {"id": pid, "due_date": due, "tasks": [task(f"T{pid[1]}", 2, requirements=ANA)]}
            for pid, due in dues.items()
        ],
        objective="weighted_tardiness",
        people=[{"id": "ana", "skills": {"python": 3}}],
    )


def reversed_plan(problem: Problem) -> Schedule:
    """T3, T2, T1 back to back: T1 ends 4 working days after its due date."""
    ana = Assignment(person=0, allocation=100, requirement=0)
    starts = {"T3": 0, "T2": 2, "T1": 4}
    return Schedule(
        selected=(True, True, True),
        tasks=tuple(TaskChoice(starts[t.id], starts[t.id] + 2, 0, (ana,)) for t in problem.tasks),
    )


def tardiness(problem: Problem, schedule: Schedule) -> float:
    """Weighted tardiness of ``schedule``."""
    return objective_values(problem, schedule, {"weighted_tardiness"})["weighted_tardiness"]


def test_pin_outside_fixes_dates_mode_and_people() -> None:
    """Tasks outside the window keep their dates and person; the window stays free."""
    problem = compile_portfolio(three_projects())
    pinned = pin_outside(problem, reversed_plan(problem), free={0})
    assert pinned.tasks[0] == problem.tasks[0]
    assert (pinned.tasks[1].fixed_start, pinned.tasks[1].fixed_end) == (2, 4)
    assert (pinned.tasks[2].fixed_start, pinned.tasks[2].fixed_end) == (0, 2)
    assert pinned.tasks[2].modes[0].named == ((0, 100, 0),)
    assert pinned.tasks[2].modes[0].groups == ()


def test_window_moves_reach_the_optimum() -> None:
    """From the reversed plan (tardiness 4) the moves find the on-time order (0)."""
    p = three_projects()
    problem = compile_portfolio(p)
    start = reversed_plan(problem)
    assert tardiness(problem, start) == 4

    def score(schedule: Schedule) -> float:
        return tardiness(problem, schedule)

    now = time.monotonic()
    result = improve(
        problem,
        TARDINESS,
        SolveOptions(time_limit_s=10, workers=1, seed=1, deterministic=True),
        start,
        4.0,
        score,
        now + 3,
        started=now,
    )
    assert result.value == 0
    assert result.improvements >= 1
    assert [c.start for c in result.schedule.tasks if c is not None] == [0, 2, 4]
    plan = build_plan(problem, result.schedule, PlanStatus.FEASIBLE, combined=result.value)
    assert check_plan(p, plan).report.ok


def test_small_portfolios_do_not_use_the_window_search() -> None:
    """Three named-person tasks hold no skill choices: 0 assignments, no window search."""
    problem = compile_portfolio(three_projects())
    assert assignment_count(problem) == 0
    assert not wants_lns(problem)


def test_large_portfolio_path_reorders_projects(monkeypatch: pytest.MonkeyPatch) -> None:
    """Large-portfolio path forced, heuristic plan reversed (4): reordered to 0, optimal."""
    # ``solver.solve`` is also the name of the function the package exports.
    solve_module = importlib.import_module("solver.solve")
    monkeypatch.setattr(solve_module, "wants_lns", lambda problem: True)
    monkeypatch.setattr(
        solve_module,
        "best_heuristic",
        lambda problem, score, good_enough=None: (reversed_plan(problem), "test/reversed"),
    )
    p = three_projects()
    events: list[ProgressEvent] = []
    plan = solve_module.solve(
        p, SolveOptions(time_limit_s=10, workers=1, seed=1), on_progress=events.append
    )
    assert plan.status == PlanStatus.OPTIMAL
    assert plan.objective["weighted_tardiness"] == 0
    assert events[0].phase == "heuristic"
    assert events[0].incumbent == 4
    assert events[1].phase == "order"
    assert events[1].incumbent == 0
    assert "project-order search: 2 schedule(s), best 0" in plan.messages
    assert not any(m.startswith("window search") for m in plan.messages)
    assert check_plan(p, plan).report.ok
