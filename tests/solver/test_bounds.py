"""Critical-path and energy lower bounds, and the solve that stops when a plan meets them.

Portfolios start Monday 2027-01-04 on a Monday-Friday calendar.
"""

from __future__ import annotations

from typing import Any

from models import PlanStatus, Portfolio
from models.checker import check_plan
from solver import ProgressEvent, SolveOptions, solve
from solver.bounds import LowerBounds, lower_bounds
from solver.compile import compile_portfolio
from tests.solver.factory import d, dep, portfolio, task

ENV = [{"kind": "pool", "pool": "env", "units": 1}]
ANA = [{"kind": "person", "person": "ana"}]


def bounds_of(p: Portfolio) -> LowerBounds:
    """The bounds of ``p`` (which has no runaway cycle)."""
    found = lower_bounds(compile_portfolio(p))
    assert found is not None
    return found


def test_critical_path_follows_every_link_type() -> None:
    """A(3) -FS+1-> B(2) -SS+1-> C(4) -FF+2-> D(1): ends 3, 6, 9, 11; makespan bound 11."""
    p = portfolio(
        [
            {
                "id": "P",
                "tasks": [
                    task("A", 3),
                    task("B", 2, dependencies=[dep("A", "FS", 1)]),
                    task("C", 4, dependencies=[dep("B", "SS", 1)]),
                    task("D", 1, dependencies=[dep("C", "FF", 2)]),
                ],
            }
        ],
        objective="makespan",
    )
    found = bounds_of(p)
    assert found.earliest_end == [3, 6, 9, 11]
    assert found.critical_path == 11
    assert found.energy == 0
    assert found.objectives["makespan"] == 11


def test_energy_of_a_pool_bounds_the_makespan() -> None:
    """Three 2-day tasks on a pool of one unit: energy bound 6, critical path 2."""
    p = portfolio(
        tasks=[task(name, 2, requirements=ENV) for name in "ABC"],
        objective="makespan",
        pools=[{"id": "env", "units": 1}],
    )
    found = bounds_of(p)
    assert (found.critical_path, found.energy, found.makespan) == (2, 6, 6)


def test_optional_projects_do_not_count() -> None:
    """An optional 10-day project leaves the bounds to the mandatory 2-day one."""
    p = portfolio(
        [
            {"id": "must", "tasks": [task("A", 2)]},
            {"id": "maybe", "mandatory": False, "value": 5, "tasks": [task("B", 10)]},
        ],
        objective="makespan",
    )
    found = bounds_of(p)
    assert found.project_end == [2, None]
    assert found.critical_path == 2


def test_tardiness_and_completion_bounds() -> None:
    """A 10-day project of priority 3 due after 5 days is at least 5 days late: 15."""
    p = portfolio(
        [{"id": "P", "priority": 3, "due_date": "2027-01-08", "tasks": [task("A", 10)]}],
        objective="weighted_tardiness",
    )
    found = bounds_of(p)
    assert found.objectives["weighted_tardiness"] == 15
    assert found.objectives["weighted_completion"] == 30


def test_solve_stops_when_the_priority_rule_meets_the_bound() -> None:
    """The heuristic's 6-day plan meets the energy bound: optimal, no CP-SAT phase."""
    p = portfolio(
        tasks=[task(name, 2, requirements=ENV) for name in "ABC"],
        objective="makespan",
        pools=[{"id": "env", "units": 1}],
    )
    events: list[ProgressEvent] = []
    plan = solve(p, SolveOptions(time_limit_s=10), on_progress=events.append)
    assert plan.status == PlanStatus.OPTIMAL
    assert plan.objective["makespan"] == 6
    assert plan.best_bound == 6
    assert plan.gap == 0
    assert [e.phase for e in events] == ["heuristic", "bound"]
    assert "the priority-rule plan meets the critical-path/energy bound" in plan.messages
    assert plan.statistics["lower_bound_energy"] == 6
    assert max(t.finish for t in plan.tasks) == d("2027-01-11")
    assert check_plan(p, plan).report.ok


def test_lexicographic_needs_every_term_at_its_bound() -> None:
    """Makespan meets its bound but completion of two projects cannot: CP-SAT decides."""
    data: dict[str, Any] = {"id": "P2", "tasks": [task("B", 2, requirements=ENV)]}
    p = portfolio(
        [{"id": "P1", "tasks": [task("A", 2, requirements=ENV)]}, data],
        objective=["makespan", "weighted_completion"],
        mode="lexicographic",
        pools=[{"id": "env", "units": 1}],
    )
    found = bounds_of(p)
    assert found.objectives["weighted_completion"] == 4
    plan = solve(p, SolveOptions(time_limit_s=10))
    assert plan.status == PlanStatus.OPTIMAL
    assert plan.objective["makespan"] == 4
    assert plan.objective["weighted_completion"] == 6
    assert "the priority-rule plan meets the critical-path/energy bound" not in plan.messages


def test_people_work_bounds_makespan_and_lateness() -> None:
    """Ana alone does two 5-day tasks due Wed and Thu: end >= 10 days, late >= 10 - 4."""
    p = portfolio(
        [
            {"id": "P1", "due_date": "2027-01-06", "tasks": [task("A", 5, requirements=ANA)]},
            {"id": "P2", "due_date": "2027-01-07", "tasks": [task("B", 5, requirements=ANA)]},
        ],
        objective="weighted_tardiness",
        people=[{"id": "ana", "skills": {"python": 3}}],
    )
    found = bounds_of(p)
    assert (found.critical_path, found.energy, found.makespan) == (5, 10, 10)
    assert found.objectives["weighted_tardiness"] == 6
    plan = solve(p, SolveOptions(time_limit_s=10, workers=1, seed=1, deterministic=True))
    assert plan.status == PlanStatus.OPTIMAL
    assert plan.objective["weighted_tardiness"] == 8
    assert check_plan(p, plan).report.ok
