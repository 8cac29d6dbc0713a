"""The CP-SAT scheduler: builds the model once, solves it (weighted or lexicographic)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from models import ObjectiveName, Objectives, PlanStatus
from solver.compile import Problem
from solver.cpsat.constraints import Constraints
from solver.cpsat.objective import ObjectiveBuilder, Term
from solver.cpsat.variables import Variables
from solver.options import SolveOptions
from solver.progress import ProgressCallback, ProgressEvent, StopCallback, relative_gap
from solver.schedule import Assignment, Schedule, TaskChoice

#: Objectives that only move dates: their optimality is proven by propagation and
#: search, not by the LP relaxation (see :func:`search_without_lp`).
TIME_OBJECTIVES = frozenset(
    {ObjectiveName.MAKESPAN, ObjectiveName.WEIGHTED_COMPLETION, ObjectiveName.WEIGHTED_TARDINESS}
)


def search_without_lp(params: cp_model.SatParameters, workers: int) -> None:
    """Run the complete search without the LP relaxation, for date objectives.

    On scheduling objectives the LP relaxation of the cumulative constraints is weak (its
    bound stalls far below the optimum) and costs most of the time of every node, while
    optimality is proven by the clause-learning search exhausting ``objective < best``.
    The ``no_lp`` search visits many more nodes per second: on the 14 hardest PSPLIB j30
    instances of our sample (one worker, same deterministic time) it proved 11 against 6
    for the default LP search, in 44% of the time on those both proved. With two workers
    the complete-search thread runs ``no_lp`` and the other keeps CP-SAT's first-solution
    and neighbourhood (LNS) subsolvers, which find the good schedules (two complete
    searches and no LNS proved as much but found worse j60 schedules). With more workers
    CP-SAT's default portfolio already runs ``no_lp`` beside its LP searches.
    Cost and value objectives keep the defaults: there the LP bound is what proves.
    """
    if workers == 1:
        params.linearization_level = 0
        params.subsolvers.append("no_lp")  # the full search of deterministic (interleaved) runs
    elif workers == 2:
        params.subsolvers.append("no_lp")


@dataclass
class CpSatOutcome:
    """What a CP-SAT run produced."""

    status: PlanStatus
    schedule: Schedule | None
    objective: float | None  # combined objective of the last stage, natural units
    bound: float | None
    gap: float | None
    statistics: dict[str, float | int | str] = field(default_factory=dict)


class _Observer(cp_model.CpSolverSolutionCallback):
    """Streams incumbents and bounds as progress events."""

    def __init__(
        self, phase: str, scale: float, started: float, on_progress: ProgressCallback | None
    ) -> None:
        super().__init__()
        self.phase = phase
        self.scale = scale
        self.started = started
        self.on_progress = on_progress
        self.solutions = 0
        self.incumbent: float | None = None
        self.bound: float | None = None
        self.lock = threading.Lock()

    def on_solution_callback(self) -> None:
        with self.lock:
            self.solutions += 1
            self.incumbent = self.objective_value * self.scale
            self.bound = self.best_objective_bound * self.scale
        self.emit()

    def on_bound(self, bound: float) -> None:
        with self.lock:
            self.bound = bound * self.scale
        self.emit()

    def close(self, incumbent: float | None, bound: float | None) -> None:
        """Emit the final state of the phase (a proven optimum shows gap 0)."""
        with self.lock:
            self.incumbent, self.bound = incumbent, bound
        self.emit()

    def emit(self) -> None:
        if self.on_progress is None:
            return
        with self.lock:
            incumbent, bound, solutions = self.incumbent, self.bound, self.solutions
        low, high = (bound, incumbent) if self.scale >= 0 else (incumbent, bound)
        self.on_progress(
            ProgressEvent.since(
                self.started,
                self.phase,
                incumbent,
                solutions,
                bound=bound,
                gap=relative_gap(high, low),
            )
        )


class CpSatScheduler:
    """CP-SAT model of a :class:`Problem` with the rules of docs/rules.md."""

    def __init__(
        self,
        problem: Problem,
        objectives: Objectives,
        options: SolveOptions,
        floors: Mapping[str, float] | None = None,
    ) -> None:
        """Build the model. ``floors`` are proven lower bounds of objective terms (natural
        units, by term name), e.g. from :func:`solver.bounds.lower_bounds`."""
        self.problem = problem
        self.objectives = objectives
        self.options = options
        self.model = cp_model.CpModel()
        self.vars = Variables(self.model, problem)
        self.constraints = Constraints(self.model, problem, self.vars)
        self.constraints.add_all()
        self.builder = ObjectiveBuilder(self.model, problem, self.vars, self.constraints)
        self.terms = [(self.builder.term(term.name), term.weight) for term in objectives.terms]
        for term, _ in self.terms:
            floor = (floors or {}).get(term.name.value)
            if floor is not None and term.scale > 0:
                # CP-SAT's own bound on a makespan stays near the critical path for long
                # (63 against an energy bound of 91 on PSPLIB j6029_1 after 30 s): given
                # the floor, it reports a true gap from the start and stops as soon as a
                # plan meets it.
                self.model.add(term.expression >= math.ceil(floor / term.scale - 1e-6))

    # -- solving -----------------------------------------------------------------------------
    def solve(
        self,
        hint: Schedule | None = None,
        on_progress: ProgressCallback | None = None,
        should_stop: StopCallback | None = None,
        *,
        origin: float | None = None,
    ) -> CpSatOutcome:
        """Solve within the time limit; lexicographic mode runs one stage per term.

        ``origin`` is the ``time.monotonic()`` instant the progress events count their
        elapsed time from (default: now).
        """
        started = time.monotonic()
        deadline = started + self.options.time_limit_s
        clock = started if origin is None else origin
        if self.objectives.mode == "lexicographic" and len(self.terms) > 1:
            stages = [[(term, 1.0)] for term, _ in self.terms]
        else:
            stages = [self.terms]
        outcome = CpSatOutcome(PlanStatus.TIME_LIMIT, None, None, None, None)
        all_optimal = True
        for number, stage in enumerate(stages):
            remaining = deadline - time.monotonic()
            if remaining <= 0.05 and outcome.schedule is not None:
                all_optimal = False
                break
            share = max(remaining / (len(stages) - number), 0.05)
            phase = "cpsat" if len(stages) == 1 else f"cpsat:{stage[0][0].name.value}"
            scale = self._set_objective(stage)
            if hint is not None:
                self._hint(hint)
                self._complete_hint(min(5.0, 0.2 * share))
            time_only = all(term.name in TIME_OBJECTIVES for term, _ in stage)
            result = self._run(
                share, phase, scale, clock, on_progress, should_stop, time_only=time_only
            )
            if result.schedule is None:
                if outcome.schedule is None:
                    return result
                all_optimal = False
                break
            outcome = result
            hint = result.schedule
            if result.status != PlanStatus.OPTIMAL:
                all_optimal = False
            if result.status == PlanStatus.CANCELLED:
                break
            if number + 1 < len(stages):
                self._fix_stage(stage, result)
        if (
            outcome.schedule is not None
            and outcome.status == PlanStatus.OPTIMAL
            and not all_optimal
        ):
            outcome.status = PlanStatus.FEASIBLE
        outcome.statistics["solve_time_s"] = round(time.monotonic() - started, 3)
        return outcome

    def _set_objective(self, stage: list[tuple[Term, float]]) -> float:
        """Set the model's objective; return natural units per objective unit."""
        self.model.clear_objective()  # type: ignore[no-untyped-call]
        if len(stage) == 1:
            term, _ = stage[0]
            self.model.minimize(term.expression)
            return term.scale
        # Weighted sum in natural units: CP-SAT accepts floating-point coefficients.
        objective = sum(weight * term.scale * term.expression for term, weight in stage)
        if isinstance(objective, int | float):
            # Every term is a constant here (no costs, no due dates ...); CP-SAT refuses a
            # bare float as an objective.
            objective = cp_model.LinearExpr.constant(objective)
        self.model.minimize(objective)
        return 1.0

    def _fix_stage(self, stage: list[tuple[Term, float]], result: CpSatOutcome) -> None:
        """Keep the stage's optimum (or best value) while optimising the next term."""
        term, _ = stage[0]
        schedule_value = self._evaluate(term)
        self.model.add(term.expression <= schedule_value)

    def _evaluate(self, term: Term) -> int:
        value = self._last_solver.value(term.expression) if self._last_solver else 0
        return int(value)

    def _hint(self, schedule: Schedule) -> None:
        model, variables = self.model, self.vars
        model.clear_hints()  # type: ignore[no-untyped-call]
        for project, literal in enumerate(variables.selected):
            if literal is not variables.true:
                model.add_hint(literal, schedule.selected[project])
        for task, (choice, task_vars) in enumerate(
            zip(schedule.tasks, variables.tasks, strict=True)
        ):
            if choice is None:
                continue
            if self.problem.tasks[task].fixed_start is None:
                model.add_hint(task_vars.start, choice.start)
            if self.problem.tasks[task].fixed_end is None:
                model.add_hint(task_vars.end, choice.end)
            if len(task_vars.modes) > 1:
                for m, literal in enumerate(task_vars.modes):
                    model.add_hint(literal, m == choice.mode)
            chosen = {(a.person, a.requirement) for a in choice.people}
            for m, assignments in enumerate(task_vars.assignments):
                for assignment in assignments:
                    model.add_hint(
                        assignment.literal,
                        m == choice.mode and (assignment.person, assignment.requirement) in chosen,
                    )

    def _complete_hint(self, time_limit_s: float) -> bool:
        """Extend the hint to every variable, so that CP-SAT starts from a full plan.

        The hint names the decisions (dates, modes, people, selection); the auxiliary
        variables (project spans, lateness, budget products, peak load) follow from
        them. CP-SAT only takes a hint as its first solution when it is complete, and
        without one a large portfolio can go a whole time limit with no solution and
        no neighbourhood search (seen on 2,000 tasks). A short solve of a copy with
        the decisions fixed, without presolve, computes the rest. Returns False (and
        keeps the partial hint) if the hint is not feasible or time runs out.
        """
        proto = self.model.proto
        hinted = dict(zip(proto.solution_hint.vars, proto.solution_hint.values, strict=True))
        if not hinted or len(hinted) == len(proto.variables):
            return bool(hinted)
        copy = self.model.clone()
        for index, value in hinted.items():
            domain = copy.proto.variables[index].domain
            domain.clear()
            domain.extend([value, value])
        copy.clear_hints()  # type: ignore[no-untyped-call]
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(time_limit_s, 0.05)
        solver.parameters.num_workers = 1
        solver.parameters.cp_model_presolve = False
        code = solver.solve(copy)
        if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False
        values = solver.response_proto.solution
        self.model.clear_hints()  # type: ignore[no-untyped-call]
        proto.solution_hint.vars.extend(range(len(proto.variables)))
        proto.solution_hint.values.extend(values)
        return True

    def _run(
        self,
        time_limit_s: float,
        phase: str,
        scale: float,
        started: float,
        on_progress: ProgressCallback | None,
        should_stop: StopCallback | None,
        *,
        time_only: bool = False,
    ) -> CpSatOutcome:
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.max_time_in_seconds = time_limit_s
        params.num_workers = self.options.workers
        params.random_seed = self.options.seed
        params.relative_gap_limit = self.options.relative_gap
        params.log_search_progress = self.options.log_search
        if self.options.deterministic:
            params.interleave_search = True
        if time_only:
            search_without_lp(params, self.options.workers)
        observer = _Observer(phase, scale, started, on_progress)
        solver.best_bound_callback = observer.on_bound
        cancelled = threading.Event()
        finished = threading.Event()

        # CP-SAT can overrun its limit in presolve on large models: stop it from outside.
        hard_deadline = time.monotonic() + time_limit_s + 0.5

        def watch() -> None:
            while not finished.wait(0.1):
                if should_stop is not None and should_stop():
                    cancelled.set()
                    solver.stop_search()
                    return
                if time.monotonic() > hard_deadline:
                    solver.stop_search()
                    return
                observer.emit()  # heartbeat: elapsed time moves on between solutions

        watcher = threading.Thread(target=watch, name="optiplan-cpsat-watch", daemon=True)
        watcher.start()
        try:
            code = solver.solve(self.model, observer)
        finally:
            finished.set()
        self._last_solver = solver
        statistics: dict[str, float | int | str] = {
            "conflicts": solver.num_conflicts,
            "branches": solver.num_branches,
            "wall_time_s": round(solver.wall_time, 3),
            "cpsat_status": solver.status_name(code),
        }
        has_solution = code in (cp_model.OPTIMAL, cp_model.FEASIBLE)
        if code == cp_model.MODEL_INVALID:
            raise RuntimeError(f"internal error: invalid CP-SAT model: {self.model.validate()}")
        if cancelled.is_set():
            status = PlanStatus.CANCELLED
        elif code == cp_model.OPTIMAL:
            status = PlanStatus.OPTIMAL
        elif code == cp_model.FEASIBLE:
            status = PlanStatus.FEASIBLE
        elif code == cp_model.INFEASIBLE:
            status = PlanStatus.INFEASIBLE
        else:
            status = PlanStatus.TIME_LIMIT
        if not has_solution:
            return CpSatOutcome(status, None, None, None, None, statistics)
        value = solver.objective_value * scale
        bound = solver.best_objective_bound * scale
        observer.close(value, bound)
        low, high = (bound, value) if scale >= 0 else (value, bound)
        gap = (
            0.0
            if code == cp_model.OPTIMAL and self.options.relative_gap == 0
            else (relative_gap(high, low))
        )
        return CpSatOutcome(status, self._extract(solver), value, bound, gap, statistics)

    _last_solver: cp_model.CpSolver | None = None

    def _extract(self, solver: cp_model.CpSolver) -> Schedule:
        problem, variables = self.problem, self.vars
        selected = tuple(bool(solver.boolean_value(lit)) for lit in variables.selected)
        choices: list[TaskChoice | None] = []
        for task, task_vars in zip(problem.tasks, variables.tasks, strict=True):
            if not selected[task.project]:
                choices.append(None)
                continue
            mode = next(
                m for m, literal in enumerate(task_vars.modes) if solver.boolean_value(literal)
            )
            people = [
                Assignment(person, allocation, requirement)
                for person, allocation, requirement in task.modes[mode].named
            ]
            people += [
                Assignment(a.person, a.allocation, a.requirement)
                for a in task_vars.assignments[mode]
                if solver.boolean_value(a.literal)
            ]
            choices.append(
                TaskChoice(
                    start=solver.value(task_vars.start),
                    end=solver.value(task_vars.end),
                    mode=mode,
                    people=tuple(people),
                )
            )
        return Schedule(selected=selected, tasks=tuple(choices))
