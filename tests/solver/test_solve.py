"""The solve facade: known optima, progress events, cancellation and invalid input."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from api.formats import read_instance
from benchmarks.generator import generate_portfolio
from models import ObjectiveName, Objectives, ObjectiveTerm, PlanStatus
from models.checker import check_plan
from solver import ProgressEvent, SolveOptions, solve
from tests.solver.factory import portfolio, task

DATA = Path(__file__).resolve().parent.parent / "data"
MAKESPAN = Objectives(terms=[ObjectiveTerm(name=ObjectiveName.MAKESPAN)])


@pytest.mark.parametrize(
    ("name", "fmt", "optimum"),
    [
        ("j301_1.sm", "psplib", 43),
        ("j3010_5.sm", "psplib", 41),
        ("j3045_3.sm", "psplib", 92),
        ("j102_10.mm", "psplib", 33),
        ("j1010_1.mm", "psplib", 17),
    ],
)
def test_known_psplib_optima(name: str, fmt: str, optimum: int) -> None:
    """Single- and multi-mode PSPLIB instances: the published optimal makespan, proven."""
    p = read_instance(DATA / name, fmt)
    plan = solve(p, SolveOptions(time_limit_s=30, workers=2, seed=1))
    assert plan.status == PlanStatus.OPTIMAL
    assert plan.objective["makespan"] == optimum
    assert plan.gap == 0
    assert check_plan(p, plan).report.ok


def test_progress_events_describe_the_search() -> None:
    """Events start with the heuristic, then CP-SAT; times grow; the last one is proven."""
    p = read_instance(DATA / "j3045_3.sm", "psplib")
    events: list[ProgressEvent] = []
    plan = solve(p, SolveOptions(time_limit_s=30, workers=2, seed=1), on_progress=events.append)
    assert plan.status == PlanStatus.OPTIMAL
    assert events[0].phase == "heuristic"
    assert events[0].solutions == 1
    assert events[0].incumbent is not None and events[0].incumbent >= 92
    assert {e.phase for e in events[1:]} == {"cpsat"}
    elapsed = [e.elapsed_s for e in events]
    assert elapsed == sorted(elapsed)
    for event in events:
        if event.incumbent is not None and event.bound is not None:
            assert event.bound <= event.incumbent + 1e-9
    last = events[-1]
    assert last.incumbent == 92
    assert last.bound == 92
    assert last.gap == 0


def test_cancellation_returns_the_best_plan_within_a_second() -> None:
    """A stop request at CP-SAT's first event ends a 60 s solve within a second, plan kept."""
    p = generate_portfolio(n_projects=12, n_tasks=400, n_people=12, n_skills=4, seed=3)
    requested = threading.Event()
    asked_at: list[float] = []

    def on_progress(event: ProgressEvent) -> None:
        if event.phase == "cpsat" and not requested.is_set():
            asked_at.append(time.monotonic())
            requested.set()

    plan = solve(
        p,
        SolveOptions(time_limit_s=60, workers=2, seed=1),
        on_progress=on_progress,
        should_stop=requested.is_set,
    )
    answered_in = time.monotonic() - asked_at[0]
    assert plan.status == PlanStatus.CANCELLED
    assert len(plan.tasks) == sum(len(project.tasks) for project in p.projects)
    assert check_plan(p, plan).report.ok
    assert answered_in < 1.5


def test_invalid_input_is_a_status_not_an_exception() -> None:
    """A portfolio that fails validation comes back as invalid_input with the reasons."""
    p = portfolio(tasks=[task("A", 2)])
    bad_task = p.projects[0].tasks[0].model_copy(update={"dependencies": []})
    bad_task = bad_task.model_copy(update={"id": "A", "duration_days": 2})
    project = p.projects[0].model_copy(update={"tasks": [bad_task, bad_task]})
    broken = p.model_copy(update={"projects": [project]})
    plan = solve(broken, SolveOptions(time_limit_s=5))
    assert plan.status == PlanStatus.INVALID_INPUT
    assert plan.tasks == []
    assert plan.explanation == [
        "projects[0].tasks[1].id: duplicate task id 'A' (first used at projects[0].tasks[0])"
    ]


def test_reported_bound_starts_at_the_energy_bound() -> None:
    """PSPLIB j6029_1 (optimum 103) is not proven in 2 s; the reported bound is at least
    the resource-energy bound of solver.bounds (91), not CP-SAT's own (about 63)."""
    p = read_instance(DATA / "j6029_1.sm", "psplib")
    events: list[ProgressEvent] = []
    plan = solve(p, SolveOptions(time_limit_s=2, workers=2, seed=1), on_progress=events.append)
    assert plan.status == PlanStatus.FEASIBLE
    makespan = plan.objective["makespan"]
    assert plan.best_bound is not None
    assert 91 <= plan.best_bound <= 103 <= makespan
    assert plan.gap == pytest.approx((makespan - plan.best_bound) / makespan, abs=1e-4)
    bounds = [e.bound for e in events if e.phase == "cpsat" and e.bound is not None]
    assert bounds and min(bounds) >= 91
    assert check_plan(p, plan).report.ok
