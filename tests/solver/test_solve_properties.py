"""Property: on random small portfolios every plan passes the checker, and a plan proven
optimal is never worse than the best priority rule's plan."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import PlanStatus, Portfolio
from models.checker import check_plan
from solver import SolveOptions, solve
from tests.solver.factory import portfolio

OBJECTIVES = ["weighted_tardiness", "makespan", "weighted_completion", "total_cost", "peak_load"]


@st.composite
def small_portfolios(draw: st.DrawFn) -> Portfolio:
    """2-3 projects of 1-4 tasks: durations, FS/SS links, a pool, two people, due dates."""
    people = [
        {"id": "ana", "skills": {"python": 3}, "cost_per_day": 500},
        {"id": "ben", "skills": {"python": 2}, "cost_per_day": 300, "capacity": 0.5},
    ]
    projects: list[dict[str, Any]] = []
    earlier: list[str] = []
    for p in range(draw(st.integers(2, 3))):
        tasks: list[dict[str, Any]] = []
        for t in range(draw(st.integers(1, 4))):
            task_id = f"P{p}T{t}"
            data: dict[str, Any] = {"id": task_id, "duration_days": draw(st.integers(1, 5))}
            need = draw(st.sampled_from(["none", "pool", "skill", "person"]))
            if need == "pool":
                data["requirements"] = [
                    {"kind": "pool", "pool": "env", "units": draw(st.integers(1, 2))}
                ]
            elif need == "skill":
                data["requirements"] = [{"kind": "skill", "skill": "python", "min_level": 2}]
            elif need == "person":
                data["requirements"] = [
                    {
                        "kind": "person",
                        "person": draw(st.sampled_from(["ana", "ben"])),
                        "allocation_percent": 50,
                    }
                ]
            if len(earlier) > 0 and draw(st.booleans()):
                data["dependencies"] = [
                    {
                        "task": draw(st.sampled_from(earlier)),
                        "type": draw(st.sampled_from(["FS", "SS"])),
                        "lag_days": draw(st.integers(0, 2)),
                    }
                ]
            tasks.append(data)
            earlier.append(task_id)
        project: dict[str, Any] = {
            "id": f"P{p}",
            "priority": draw(st.integers(1, 5)),
            "tasks": tasks,
        }
        if draw(st.booleans()):
            project["due_date"] = f"2027-01-{draw(st.integers(5, 29)):02d}"
        projects.append(project)
    return portfolio(
        projects,
        objective=draw(st.sampled_from(OBJECTIVES)),
        people=people,
        pools=[{"id": "env", "units": 2}],
    )


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(small_portfolios())
def test_optimal_is_never_worse_than_the_heuristic(p: Portfolio) -> None:
    """Both plans pass the checker; an optimal plan's objective <= the heuristic's."""
    heuristic = solve(p, SolveOptions(heuristic_only=True))
    optimal = solve(p, SolveOptions(time_limit_s=10, workers=1, seed=1, deterministic=True))
    assert heuristic.status == PlanStatus.FEASIBLE
    assert optimal.status == PlanStatus.OPTIMAL
    for plan in (heuristic, optimal):
        assert plan.check is not None and plan.check.ok
        assert check_plan(p, plan).report.ok
    assert optimal.objective["combined"] <= heuristic.objective["combined"] + 1e-6
    assert optimal.gap == 0
