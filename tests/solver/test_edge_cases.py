"""Cases a review of random portfolios found: each used to end in an internal error."""

from __future__ import annotations

from datetime import date

from models import Plan, PlanStatus, Portfolio
from models.checker import check_plan
from solver import SolveOptions, solve
from tests.solver.factory import dep, portfolio, task

ANA = {"id": "ana", "skills": {"python": 3}}
ANA_ONLY = [{"kind": "person", "person": "ana"}]


def _solve(p: Portfolio) -> Plan:
    plan = solve(p, SolveOptions(time_limit_s=10, workers=1, seed=1))
    assert check_plan(p, plan).report.ok
    return plan


def test_a_weighted_objective_whose_terms_are_all_constant() -> None:
    """Cost and tardiness with no cost and no due date: optimal at 0 (CP-SAT refused the
    constant objective with a TypeError)."""
    p = portfolio(tasks=[task("A", 2)], objective=["total_cost", "weighted_tardiness"])
    plan = _solve(p)
    assert plan.status == PlanStatus.OPTIMAL
    assert plan.objective["combined"] == 0
    assert plan.gap == 0


def test_floats_of_a_chain_and_a_loose_task() -> None:
    """A (2 d) -> B (3 d) is the critical chain; C (1 d) may slip 4 working days."""
    p = portfolio(
        [
            {"id": "P1", "tasks": [task("A", 2), task("B", 3, dependencies=[dep("A")])]},
            {"id": "P2", "tasks": [task("C", 1)]},
        ]
    )
    plan = _solve(p)
    floats = {t.task: (t.start, t.total_float_days, t.free_float_days) for t in plan.tasks}
    assert floats == {
        "A": (date(2027, 1, 4), 0, 0),
        "B": (date(2027, 1, 6), 0, 0),
        "C": (date(2027, 1, 4), 4, 4),
    }
    assert plan.critical_tasks == ["A", "B"]


def test_floats_when_a_link_points_back_in_time() -> None:
    """t1 must finish once t0 has started (SF) but Ana does t1 first: the person's link
    t1 -> t0 and the SF link t0 -> t1 form a cycle (the float pass raised CycleError)."""
    p = portfolio(
        [
            {
                "id": "P0",
                "tasks": [task("t0", 2, earliest_start="2027-01-07", requirements=ANA_ONLY)],
            },
            {
                "id": "P1",
                "tasks": [task("t1", 3, requirements=ANA_ONLY, dependencies=[dep("t0", "SF")])],
            },
        ],
        people=[ANA],
    )
    plan = _solve(p)
    assert plan.status == PlanStatus.OPTIMAL
    dates = {t.task: (t.start, t.finish, t.total_float_days) for t in plan.tasks}
    assert dates == {
        "t1": (date(2027, 1, 4), date(2027, 1, 6), 0),
        "t0": (date(2027, 1, 7), date(2027, 1, 8), 0),
    }


def test_a_done_milestone() -> None:
    """A milestone recorded done on its day takes no working day (the plan said 1 and
    failed the checker)."""
    done = {"state": "done", "actual_start": "2027-01-04", "actual_finish": "2027-01-04"}
    p = portfolio(
        tasks=[task("M", None, milestone=True, progress=done), task("A", 2)],
        status_date="2027-01-06",
    )
    plan = _solve(p)
    milestone = next(t for t in plan.tasks if t.task == "M")
    assert (milestone.start, milestone.finish, milestone.duration_days) == (
        date(2027, 1, 4),
        date(2027, 1, 4),
        0,
    )
