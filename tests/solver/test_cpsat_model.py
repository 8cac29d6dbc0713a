"""The CP-SAT model's redundant reasoning and search set-up never change an optimum.

``pool_disjunctions`` adds order literals for pairs of tasks that cannot share a pool;
``search_without_lp`` picks the LP-free complete search for date objectives. Both only
speed up the proof, so every plan here has a known optimum.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ortools.sat.python import cp_model

from api.formats import read_instance
from models import ObjectiveName, PlanStatus, Portfolio
from solver.compile import compile_portfolio
from solver.cpsat import model as cpsat_model
from solver.cpsat.model import CpSatOutcome, CpSatScheduler, search_without_lp
from solver.options import SolveOptions
from tests.solver.factory import dep, portfolio, task

DATA = Path(__file__).resolve().parent.parent / "data"
POOL = {"id": "env", "units": 2}


def need(units: int) -> list[dict[str, Any]]:
    """A requirement of ``units`` of the test pool."""
    return [{"kind": "pool", "pool": "env", "units": units}]


def scheduler(p: Portfolio, workers: int = 1) -> CpSatScheduler:
    """Our CP-SAT model of ``p``, deterministic."""
    options = SolveOptions(time_limit_s=30, workers=workers, seed=1, deterministic=True)
    return CpSatScheduler(compile_portfolio(p), p.objectives, options)


def order_pairs(s: CpSatScheduler) -> set[tuple[str, str]]:
    """Task-id pairs that received an order literal."""
    ids = [t.id for t in s.problem.tasks]
    pairs = set()
    for variable in s.model.proto.variables:
        if variable.name.startswith("before["):
            a, _, b, _ = (int(x) for x in variable.name[7:-1].split(","))
            pairs.add((ids[a], ids[b]))
    return pairs


@pytest.mark.parametrize("workers", [1, 2])
def test_psplib_j301_1_optimum_is_kept(workers: int) -> None:
    """j301_1 (PSPLIB j30, optimum 43) with the redundant rules: proven 43 exactly."""
    p = read_instance(DATA / "j301_1.sm", "psplib")
    outcome = scheduler(p, workers).solve()
    assert outcome.status == PlanStatus.OPTIMAL
    assert outcome.objective == 43


def test_order_literals_only_for_pairs_that_overflow_the_pool() -> None:
    """Pool of 2: pairs over 2 units get a literal, unless a dependency already orders them."""
    p = portfolio(
        [
            {
                "id": "P",
                "tasks": [
                    task("A", 2, requirements=need(2)),
                    task("B", 2, requirements=need(1)),
                    task("C", 2, requirements=need(2), dependencies=[dep("A")]),
                    task("D", 2, requirements=need(1)),
                    task("M", 0),  # milestones use nothing
                ],
            }
        ],
        pools=[POOL],
        objective="makespan",
    )
    s = scheduler(p)
    # A-C is ordered by the dependency, B-D fit together (1 + 1 <= 2).
    assert order_pairs(s) == {("A", "B"), ("A", "D"), ("B", "C"), ("C", "D")}
    outcome = s.solve()
    assert outcome.status == PlanStatus.OPTIMAL
    assert outcome.objective == 6  # A, C in sequence; B and D together beside neither


def test_order_literals_follow_the_chosen_mode() -> None:
    """A mode that needs no pool may overlap: the 3-day pool-free mode of A wins (3 < 4)."""
    modes = [
        {"id": "pool", "duration_days": 2, "requirements": need(2)},
        {"id": "manual", "duration_days": 3},
    ]
    p = portfolio(
        tasks=[task("A", None, modes=modes), task("B", 2, requirements=need(2))],
        pools=[POOL],
        objective="makespan",
    )
    s = scheduler(p)
    assert len(order_pairs(s)) == 1
    outcome = s.solve()
    assert outcome.status == PlanStatus.OPTIMAL
    assert outcome.objective == 3
    assert outcome.schedule is not None
    assert outcome.schedule.tasks[0] is not None and outcome.schedule.tasks[0].mode == 1


def test_order_literals_do_not_bind_an_unselected_project() -> None:
    """Two full-pool tasks with the same 5-day deadline: the optional one is left out."""
    p = portfolio(
        [
            {"id": "P", "deadline": "2027-01-08", "tasks": [task("A", 5, requirements=need(2))]},
            {
                "id": "Q",
                "mandatory": False,
                "value": 10,
                "deadline": "2027-01-08",
                "tasks": [task("B", 5, requirements=need(2))],
            },
        ],
        pools=[POOL],
        objective="selected_value",
    )
    s = scheduler(p)
    assert order_pairs(s) == {("A", "B")}
    outcome = s.solve()
    assert outcome.status == PlanStatus.OPTIMAL
    assert outcome.schedule is not None
    assert outcome.schedule.selected == (True, False)


def test_search_without_lp_parameters() -> None:
    """One worker drops the LP; two run ``no_lp`` beside the LNS; more keep the default."""
    one = cp_model.CpSolver().parameters
    search_without_lp(one, 1)
    assert one.linearization_level == 0
    assert list(one.subsolvers) == ["no_lp"]
    two = cp_model.CpSolver().parameters
    search_without_lp(two, 2)
    assert list(two.subsolvers) == ["no_lp"]
    assert two.linearization_level == 1
    four = cp_model.CpSolver().parameters
    search_without_lp(four, 4)
    assert list(four.subsolvers) == []


@pytest.mark.parametrize(
    ("objective", "expected"),
    [(ObjectiveName.MAKESPAN, [True]), (ObjectiveName.TOTAL_COST, [False])],
)
def test_lp_free_search_only_for_date_objectives(
    objective: ObjectiveName, expected: list[bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cost and value objectives keep CP-SAT's LP searches (their bound comes from the LP)."""
    seen: list[bool] = []
    original = CpSatScheduler._run

    def spy(self: CpSatScheduler, *args: Any, time_only: bool = False) -> CpSatOutcome:
        seen.append(time_only)
        return original(self, *args, time_only=time_only)

    monkeypatch.setattr(cpsat_model.CpSatScheduler, "_run", spy)
    p = portfolio(
        tasks=[task("A", 2, requirements=need(1))], pools=[POOL], objective=objective.value
    )
    assert scheduler(p).solve().status == PlanStatus.OPTIMAL
    assert seen == expected
