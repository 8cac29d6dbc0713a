"""The one entry point: ``solve(portfolio, options) -> Plan``.

Infeasible input, time limits and cancellation are statuses of the plan, not
exceptions. Every plan that leaves this function has passed the independent checker;
a plan that fails it is an internal error and raises :class:`PlanCheckError`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from models import Objectives, Plan, PlanStatus, Portfolio, validate_portfolio
from models.checker import check_plan
from solver.analysis import compute_floats
from solver.bounds import LowerBounds, lower_bounds
from solver.compile import Problem, compile_portfolio
from solver.cpsat.model import CpSatScheduler
from solver.heuristics import best_heuristic, search_project_order
from solver.lns import improve, wants_lns
from solver.options import SolveOptions
from solver.progress import ProgressCallback, ProgressEvent, StopCallback, relative_gap
from solver.result import build_plan, objective_values
from solver.schedule import Schedule


class PlanCheckError(RuntimeError):
    """The solver produced a plan the independent checker rejects: a bug, never input."""


#: Large portfolios: the project-order search runs until this share of the time
#: limit, the window search until ``LNS_SHARE``, the complete model in the rest.
ORDER_SHARE = 0.55
LNS_SHARE = 0.8


def combined_value(objectives: Objectives, values: dict[str, float]) -> float:
    """The combined objective (weighted sum, or the first term if lexicographic)."""

    def signed(name: str) -> float:
        value = values[name]
        return -value if name == "selected_value" else value

    if objectives.mode == "lexicographic":
        return signed(objectives.terms[0].name.value)
    return sum(term.weight * signed(term.name.value) for term in objectives.terms)


def solve(
    portfolio: Portfolio,
    options: SolveOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> Plan:
    """Plan a portfolio optimally, or say how far from optimal the plan is.

    Parameters
    ----------
    portfolio
        The portfolio; it is validated first (``invalid_input`` status if it fails).
    options
        Time limit, workers, seed, gap, objective override.
    on_progress
        Receives :class:`ProgressEvent` snapshots while solving.
    should_stop
        Polled about ten times a second; returning True stops the search and returns
        the best plan so far with status ``cancelled``.
    """
    options = options or SolveOptions()
    started = time.monotonic()
    validation = validate_portfolio(portfolio)
    if validation.portfolio is None:
        return Plan(
            portfolio=portfolio.id,
            status=PlanStatus.INVALID_INPUT,
            explanation=[str(issue) for issue in validation.issues],
        )
    problem = compile_portfolio(portfolio)
    objectives = options.objectives or portfolio.objectives

    names = {term.name.value for term in objectives.terms}

    def score(schedule: Schedule) -> float:
        return combined_value(objectives, objective_values(problem, schedule, names))

    # The bounds first: a priority rule that meets them ends the rule search early.
    bounds = lower_bounds(problem)
    weighted_floor = None if bounds is None else combined_floor(objectives, bounds)
    heuristic = best_heuristic(problem, score, good_enough=weighted_floor)
    heuristic_plan: Plan | None = None
    if heuristic is not None:
        heuristic_plan = _checked_or_none(problem, portfolio, heuristic[0], objectives)
    if on_progress is not None:
        on_progress(
            ProgressEvent.since(
                started,
                "heuristic",
                None if heuristic_plan is None else heuristic_plan.objective["combined"],
                0 if heuristic_plan is None else 1,
            )
        )
    messages = []
    if heuristic is not None:
        messages.append(f"best priority rule: {heuristic[1]}")
    if options.heuristic_only:
        if heuristic_plan is None:
            status = PlanStatus.TIME_LIMIT
            return Plan(
                portfolio=portfolio.id,
                status=status,
                messages=messages,
                explanation=["no priority rule found a plan that keeps every rule"],
            )
        return _finish(
            problem,
            portfolio,
            heuristic[0] if heuristic else None,
            heuristic_plan,
            PlanStatus.FEASIBLE,
            None,
            None,
            started,
            {},
            messages,
        )

    bound_statistics: dict[str, float | int | str] = {}
    if bounds is not None:
        bound_statistics = {
            "lower_bound_critical_path": bounds.critical_path,
            "lower_bound_energy": bounds.energy,
        }
        floor = proven_floor(objectives, bounds, heuristic_plan)
        if heuristic is not None and heuristic_plan is not None and floor is not None:
            # The priority rule already meets a lower bound: nothing to search for.
            messages.append("the priority-rule plan meets the critical-path/energy bound")
            if on_progress is not None:
                on_progress(
                    ProgressEvent.since(
                        started,
                        "bound",
                        heuristic_plan.objective["combined"],
                        1,
                        bound=floor,
                        gap=0.0,
                    )
                )
            return _finish(
                problem,
                portfolio,
                heuristic[0],
                heuristic_plan,
                PlanStatus.OPTIMAL,
                floor,
                0.0,
                started,
                bound_statistics,
                messages,
            )

    hint = heuristic[0] if heuristic is not None and options.warm_start else None
    # The plan returned if the complete search finds nothing better in time.
    fallback = (heuristic[0], heuristic_plan) if heuristic and heuristic_plan else None
    if hint is not None and fallback is not None and wants_lns(problem):
        order = search_project_order(
            problem,
            score,
            started + ORDER_SHARE * options.time_limit_s,
            seed=options.seed,
            floor=weighted_floor,
            should_stop=should_stop,
            on_improvement=_order_progress(on_progress, started),
        )
        if order is not None and order.value < fallback[1].objective["combined"]:
            messages.append(
                f"project-order search: {order.evaluations} schedule(s), best {order.value:g}"
            )
            reordered = _checked_or_none(problem, portfolio, order.schedule, objectives)
            if reordered is not None:
                hint, fallback = order.schedule, (order.schedule, reordered)
        # A stop request during the order search ends the window search at once, which
        # then returns the best plan as cancelled below.
        window = improve(
            problem,
            objectives,
            options,
            hint,
            fallback[1].objective["combined"],
            score,
            started + LNS_SHARE * options.time_limit_s,
            started=started,
            floor=weighted_floor,
            on_progress=on_progress,
            should_stop=should_stop,
        )
        if window.moves:
            messages.append(
                f"window search: {window.improvements} improvement(s) in {window.moves} move(s)"
            )
        if window.improvements:
            improved = _checked_or_none(problem, portfolio, window.schedule, objectives)
            if improved is not None:
                hint, fallback = window.schedule, (window.schedule, improved)
        if window.cancelled:
            return _finish(
                problem,
                portfolio,
                fallback[0],
                fallback[1],
                PlanStatus.CANCELLED,
                None,
                None,
                started,
                bound_statistics,
                messages,
            )

    # Building, analysing and checking the plan afterwards takes time too (about 0.7 s
    # for 5,000 tasks on an idle machine, several times that on a loaded one), and a
    # large model's presolve can overrun its limit: keep it all inside the caller's limit.
    reserve = 0.3 + 0.0008 * problem.n_tasks
    remaining = max(options.time_limit_s - (time.monotonic() - started) - reserve, 0.1)
    scheduler = CpSatScheduler(
        problem,
        objectives,
        options.model_copy(update={"time_limit_s": remaining}),
        floors=None if bounds is None else bounds.objectives,
    )
    outcome = scheduler.solve(hint, on_progress, should_stop, origin=started)
    outcome.statistics.update(bound_statistics)
    if outcome.schedule is None:
        if fallback is not None and outcome.status in (
            PlanStatus.TIME_LIMIT,
            PlanStatus.CANCELLED,
        ):
            status = (
                PlanStatus.CANCELLED
                if outcome.status == PlanStatus.CANCELLED
                else PlanStatus.FEASIBLE
            )
            messages.append("CP-SAT found no better plan in time; returning the best one found")
            return _finish(
                problem,
                portfolio,
                fallback[0],
                fallback[1],
                status,
                None,
                None,
                started,
                outcome.statistics,
                messages,
            )
        explanation = (
            ["no plan keeps every hard rule (deadlines, capacities, budgets, pinned dates)"]
            if outcome.status == PlanStatus.INFEASIBLE
            else ["no plan was found within the time limit"]
        )
        return Plan(
            portfolio=portfolio.id,
            status=outcome.status,
            solve_time_s=round(time.monotonic() - started, 3),
            statistics=outcome.statistics,
            explanation=explanation,
            messages=messages,
        )
    combined = combined_value(objectives, objective_values(problem, outcome.schedule))
    if fallback is not None and fallback[1].objective["combined"] < combined - 1e-9:
        # CP-SAT could not start from the hint in time and found a worse plan.
        best = fallback[1].objective["combined"]
        low = outcome.bound
        gap = None if low is None else relative_gap(best, low)
        status = (
            PlanStatus.CANCELLED
            if outcome.status == PlanStatus.CANCELLED
            else (PlanStatus.FEASIBLE)
        )
        return _finish(
            problem,
            portfolio,
            fallback[0],
            fallback[1],
            status,
            low,
            gap,
            started,
            outcome.statistics,
            messages,
        )
    plan = build_plan(
        problem,
        outcome.schedule,
        outcome.status,
        best_bound=outcome.bound,
        gap=outcome.gap,
        combined=combined,
    )
    return _finish(
        problem,
        portfolio,
        outcome.schedule,
        plan,
        outcome.status,
        outcome.bound,
        outcome.gap,
        started,
        outcome.statistics,
        messages,
    )


def _order_progress(
    on_progress: ProgressCallback | None, started: float
) -> Callable[[float], None] | None:
    """Progress events (phase ``order``) for the project-order search's improvements."""
    if on_progress is None:
        return None
    callback = on_progress
    found = 0

    def report(value: float) -> None:
        nonlocal found
        found += 1
        callback(ProgressEvent.since(started, "order", value, found))

    return report


def term_floors(objectives: Objectives, bounds: LowerBounds) -> dict[str, float] | None:
    """The lower bound of every objective term, or None if a term has none (only the
    date objectives have bounds here)."""
    if any(t.name.value not in bounds.objectives for t in objectives.terms):
        return None
    return {t.name.value: bounds.objectives[t.name.value] for t in objectives.terms}


def combined_floor(objectives: Objectives, bounds: LowerBounds) -> float | None:
    """The lower bound on the weighted combined objective (None if lexicographic)."""
    floors = term_floors(objectives, bounds)
    if floors is None or objectives.mode == "lexicographic":
        return None
    return combined_value(objectives, floors)


def proven_floor(objectives: Objectives, bounds: LowerBounds, plan: Plan | None) -> float | None:
    """The combined lower bound if ``plan`` meets it (so ``plan`` is optimal), else None.

    Weighted: the weighted sum of the term bounds. Lexicographic: every term must meet
    its own bound (then each stage is at its optimum), and the combined value is the
    first term's.
    """
    floors = term_floors(objectives, bounds)
    if plan is None or floors is None:
        return None
    floor = combined_value(objectives, floors)
    if objectives.mode == "lexicographic":
        met = all(plan.objective[name] <= value + 1e-9 for name, value in floors.items())
    else:
        met = plan.objective["combined"] <= floor + 1e-9
    return floor if met else None


def _checked_or_none(
    problem: Problem, portfolio: Portfolio, schedule: Schedule, objectives: Objectives
) -> Plan | None:
    """The heuristic's plan if the checker accepts it (heuristics ignore budgets)."""
    plan = build_plan(
        problem,
        schedule,
        PlanStatus.FEASIBLE,
        combined=combined_value(objectives, objective_values(problem, schedule)),
    )
    return plan if check_plan(portfolio, plan).report.ok else None


def _finish(
    problem: Problem,
    portfolio: Portfolio,
    schedule: Schedule | None,
    plan: Plan,
    status: PlanStatus,
    bound: float | None,
    gap: float | None,
    started: float,
    statistics: dict[str, float | int | str],
    messages: list[str],
) -> Plan:
    """Add floats and the checker's verdict; refuse to return a plan that fails it."""
    tasks = plan.tasks
    critical: list[str] = []
    if schedule is not None:
        floats = compute_floats(problem, schedule)
        by_id = {problem.tasks[t].id: t for t in floats.total}
        tasks = [
            task.model_copy(
                update={
                    "total_float_days": floats.total.get(by_id[task.task]),
                    "free_float_days": floats.free.get(by_id[task.task]),
                    "critical": by_id[task.task] in set(floats.critical),
                }
            )
            for task in plan.tasks
        ]
        critical = [problem.tasks[t].id for t in floats.critical]
    plan = plan.model_copy(
        update={
            "status": status,
            "best_bound": bound,
            "gap": gap,
            "tasks": tasks,
            "critical_tasks": critical,
            "solve_time_s": round(time.monotonic() - started, 3),
            "statistics": statistics,
            "messages": messages,
        }
    )
    result = check_plan(portfolio, plan)
    if not result.report.ok:
        details = "; ".join(v.message for v in result.report.violations[:5])
        raise PlanCheckError(
            f"internal error: the solver's plan breaks {len(result.report.violations)} "
            f"rule(s): {details}"
        )
    return plan.model_copy(update={"check": result.report})
