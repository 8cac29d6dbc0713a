"""Benchmark runner: optiplan against a plain CP-SAT model and the best priority rule.

Usage::

    python -m benchmarks SET [--time-limit S] [--workers N] [--every K] [--limit N]
                             [--solvers optiplan,plain,heuristic] [--out DIR]

Sets: ``j30``, ``j60`` (PSPLIB single mode), ``mm-j10``, ``mm-j20`` (multi-mode),
``mplib`` (MPLIB1 Set 3, 24 projects), ``it-2000``, ``it-5000`` (generated IT
portfolios, weighted tardiness). The data comes from ``../shared/benchmarks`` (or
``$OPTIPLAN_BENCHMARK_DATA``).

Every plan, of every solver, goes through the independent checker; a rejected plan is
recorded as ``check_failed`` and makes the run exit with status 1. The run writes one
CSV row per instance and solver, and a markdown summary per solver: share proven
optimal, mean and max deviation from the reference value, mean time, and the time
ratio against the plain model on the instances both prove optimal.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from api.formats import (
    load_bounds_csv,
    load_mm_optima,
    load_mplib_bks,
    load_psplib_optima,
    read_instance,
)
from benchmarks.generator import generate_portfolio
from benchmarks.plain_cpsat import solve_plain
from models import ObjectiveName, Objectives, ObjectiveTerm, PlanStatus, Portfolio
from models.checker import check_plan
from solver import ProgressEvent, SolveOptions, solve
from solver.compile import compile_portfolio
from solver.heuristics import best_heuristic
from solver.result import build_plan, objective_values


def _data_dir() -> Path:
    """``$OPTIPLAN_BENCHMARK_DATA``, else ``../shared/benchmarks`` next to the checkout,
    else the workplace's shared folder (a CI clone may live elsewhere)."""
    if "OPTIPLAN_BENCHMARK_DATA" in os.environ:
        return Path(os.environ["OPTIPLAN_BENCHMARK_DATA"])
    beside = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
    return beside if beside.exists() else Path("/work/shared/benchmarks")


DATA = _data_dir()


@dataclass(frozen=True)
class Instance:
    """One benchmark instance: how to get its portfolio and its reference value."""

    name: str
    load: Callable[[], Portfolio]
    reference: float | None  # best known / optimal objective value (None: none or infeasible)
    reference_proven: bool
    infeasible: bool  # the reference says no plan exists
    objective: str  # the objective name reported


@dataclass
class Row:
    """One result line of the CSV."""

    set: str
    instance: str
    solver: str
    status: str
    value: float | None
    bound: float | None
    reference: float | None
    deviation_pct: float | None
    proven: bool
    time_s: float
    first_feasible_s: float | None
    checked: str
    peak_rss_mb: float


def _psplib(folder: str, table: Path, every: int) -> Iterator[Instance]:
    optima = load_psplib_optima(table)
    bounds = load_bounds_csv(DATA / "psplib" / "bounds_j30_j60.csv")
    for path in _ordered((DATA / "psplib" / folder).glob("*.sm"))[::every]:
        name = path.stem
        bound = bounds.get(name)
        reference = bound.ub if bound is not None and bound.ub is not None else optima.get(name)
        yield Instance(
            name,
            lambda path=path: read_instance(path, "psplib"),  # type: ignore[misc]
            None if reference is None else float(reference),
            bool(bound and bound.proven_optimal),
            False,
            "makespan",
        )


def _multimode(folder: str, every: int) -> Iterator[Instance]:
    optima = load_mm_optima(DATA / "psplib_mm" / "solutions" / f"{folder}opt.mm")
    for path in _ordered((DATA / "psplib_mm" / folder).glob("*.mm"))[::every]:
        name = path.stem
        if name not in optima:
            continue
        value = optima[name]
        yield Instance(
            name,
            lambda path=path: read_instance(path, "psplib"),  # type: ignore[misc]
            None if value is None else float(value),
            True,
            value is None,
            "makespan",
        )


def _mplib(every: int) -> Iterator[Instance]:
    best = load_mplib_bks(DATA / "mplib" / "MPLIB1_Set3_bks_tpm.csv")
    for path in _ordered((DATA / "mplib" / "MPLIB1_Set3").glob("*"))[::every]:
        yield Instance(
            path.stem,
            lambda path=path: read_instance(path, "mplib"),  # type: ignore[misc]
            float(best[path.stem]) if path.stem in best else None,
            False,
            False,
            "makespan",
        )


def _generated(tasks: int, projects: int, people: int, seeds: list[int]) -> Iterator[Instance]:
    for seed in seeds:
        yield Instance(
            f"it-{tasks}-s{seed}",
            lambda seed=seed: generate_portfolio(  # type: ignore[misc]
                n_projects=projects,
                n_tasks=tasks,
                n_people=people,
                n_skills=8,
                seed=seed,
                start=date(2027, 1, 4),
            ),
            None,
            False,
            False,
            "weighted_tardiness",
        )


def _ordered(paths: Iterator[Path]) -> list[Path]:
    """Natural order: j301_1, j301_2, ..., j3010_1."""

    def key(path: Path) -> list[object]:
        return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", path.stem)]

    return sorted(paths, key=key)


SETS: dict[str, Callable[[int], Iterator[Instance]]] = {
    "j30": lambda every: _psplib("j30", DATA / "psplib" / "j30opt.sm", every),
    "j60": lambda every: _psplib("j60", DATA / "psplib" / "j60hrs.sm", every),
    "mm-j10": lambda every: _multimode("j10", every),
    "mm-j20": lambda every: _multimode("j20", every),
    "mplib": _mplib,
    "it-2000": lambda every: _generated(2000, 40, 40, [1, 2, 3][::every]),
    "it-5000": lambda every: _generated(5000, 100, 80, [1][::every]),
}


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _objectives(name: str) -> Objectives:
    return Objectives(terms=[ObjectiveTerm(name=ObjectiveName(name))])


def run_optiplan(
    instance: Instance, portfolio: Portfolio, time_limit: float, workers: int, seed: int
) -> Row:
    """optiplan's full solve (validation, heuristic, CP-SAT, checker)."""
    first: list[float] = []
    started = time.monotonic()

    def observe(event: ProgressEvent) -> None:
        if event.incumbent is not None and not first:
            first.append(time.monotonic() - started)

    plan = solve(
        portfolio,
        SolveOptions(
            time_limit_s=time_limit,
            workers=workers,
            seed=seed,
            objectives=_objectives(instance.objective),
        ),
        on_progress=observe,
    )
    elapsed = time.monotonic() - started
    value = plan.objective.get(instance.objective)
    if plan.check is None and plan.tasks:
        checked = "missing"
    else:
        checked = "ok" if plan.check is not None and plan.check.ok else "no_plan"
    bound = plan.best_bound
    return _row(
        instance,
        "optiplan",
        plan.status.value,
        value,
        bound,
        plan.status in {PlanStatus.OPTIMAL, PlanStatus.INFEASIBLE},
        elapsed,
        first[0] if first else None,
        checked,
    )


def run_plain(
    instance: Instance, portfolio: Portfolio, time_limit: float, workers: int, seed: int
) -> Row:
    """The plain CP-SAT formulation; its plan is checked like optiplan's."""
    started = time.monotonic()
    problem = compile_portfolio(portfolio)
    result = solve_plain(problem, time_limit, workers, seed)
    elapsed = time.monotonic() - started
    checked = "no_plan"
    value: float | None = None
    if result.schedule is not None:
        plan = build_plan(problem, result.schedule, PlanStatus.FEASIBLE)
        checked = "ok" if check_plan(portfolio, plan).report.ok else "check_failed"
        value = objective_values(problem, result.schedule)[instance.objective]
    status = {"OPTIMAL": "optimal", "FEASIBLE": "feasible", "INFEASIBLE": "infeasible"}.get(
        result.status, "time_limit"
    )
    return _row(
        instance,
        "plain",
        status,
        value,
        result.bound,
        status in ("optimal", "infeasible"),
        elapsed,
        None,
        checked,
    )


def run_heuristic(
    instance: Instance, portfolio: Portfolio, time_limit: float, workers: int, seed: int
) -> Row:
    """The best priority rule (serial and parallel schedule generation)."""
    started = time.monotonic()
    problem = compile_portfolio(portfolio)
    objective = instance.objective
    best = best_heuristic(problem, lambda s: objective_values(problem, s, {objective})[objective])
    elapsed = time.monotonic() - started
    if best is None:
        return _row(instance, "heuristic", "no_plan", None, None, False, elapsed, None, "no_plan")
    plan = build_plan(problem, best[0], PlanStatus.FEASIBLE)
    checked = "ok" if check_plan(portfolio, plan).report.ok else "check_failed"
    value = objective_values(problem, best[0])[objective]
    return _row(instance, "heuristic", "feasible", value, None, False, elapsed, elapsed, checked)


def _row(
    instance: Instance,
    solver: str,
    status: str,
    value: float | None,
    bound: float | None,
    proven: bool,
    elapsed: float,
    first: float | None,
    checked: str,
) -> Row:
    reference = instance.reference
    deviation = None
    if value is not None and reference:
        deviation = round(100 * (value - reference) / reference, 3)
    return Row(
        set="",
        instance=instance.name,
        solver=solver,
        status=status,
        value=value,
        bound=None if bound is None else round(bound, 3),
        reference=reference,
        deviation_pct=deviation,
        proven=proven,
        time_s=round(elapsed, 3),
        first_feasible_s=None if first is None else round(first, 3),
        checked=checked,
        peak_rss_mb=round(_peak_rss_mb(), 1),
    )


RUNNERS = {"optiplan": run_optiplan, "plain": run_plain, "heuristic": run_heuristic}


def summarise(rows: list[Row]) -> str:
    """A markdown table per set: one line per solver."""
    lines = []
    for set_name in sorted({r.set for r in rows}):
        in_set = [r for r in rows if r.set == set_name]
        n = len({r.instance for r in in_set})
        lines += [
            f"### {set_name} ({n} instances)",
            "",
            "| solver | proven optimal (or infeasible) | mean dev. % | max dev. % "
            "| mean time s | mean first plan s | checked ok | time vs plain on both proven |",
            "|---|---|---|---|---|---|---|---|",
        ]
        plain = {r.instance: r for r in in_set if r.solver == "plain"}
        for solver in ("optiplan", "plain", "heuristic"):
            mine = [r for r in in_set if r.solver == solver]
            if not mine:
                continue
            devs = [r.deviation_pct for r in mine if r.deviation_pct is not None]
            firsts = [r.first_feasible_s for r in mine if r.first_feasible_s is not None]
            both = [
                r for r in mine if r.proven and r.instance in plain and plain[r.instance].proven
            ]
            ratio = "-"
            if both and solver != "plain":
                mine_time = sum(r.time_s for r in both)
                plain_time = sum(plain[r.instance].time_s for r in both)
                ratio = f"{mine_time:.1f} / {plain_time:.1f} s = {mine_time / plain_time:.2f}"
            mean_dev = f"{statistics.fmean(devs):.3f}" if devs else "-"
            max_dev = f"{max(devs):.3f}" if devs else "-"
            mean_first = f"{statistics.fmean(firsts):.2f}" if firsts else "-"
            mean_time = statistics.fmean(r.time_s for r in mine)
            checked = sum(r.checked == "ok" for r in mine)
            lines.append(
                f"| {solver} | {sum(r.proven for r in mine)}/{len(mine)} | {mean_dev} "
                f"| {max_dev} | {mean_time:.2f} | {mean_first} | {checked}/{len(mine)} "
                f"| {ratio} |"
            )
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run a benchmark set; write CSV and markdown; exit 1 if a plan failed the checker."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("set", choices=sorted(SETS))
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--every", type=int, default=1, help="take every k-th instance")
    parser.add_argument("--limit", type=int, default=None, help="at most this many instances")
    parser.add_argument(
        "--instances", default=None, help="only these instances (comma-separated names)"
    )
    parser.add_argument("--solvers", default="optiplan,plain,heuristic")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args(argv)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    unknown = [s for s in solvers if s not in RUNNERS]
    if unknown:
        parser.error(f"unknown solver(s) {', '.join(unknown)}; use {', '.join(RUNNERS)}")
    instances = list(SETS[args.set](args.every))
    if args.instances is not None:
        wanted = args.instances.split(",")
        unknown = sorted(set(wanted) - {i.name for i in instances})
        if unknown:
            parser.error(f"--instances: not in {args.set}: {', '.join(unknown)}")
        instances = [i for i in instances if i.name in wanted]
    if args.limit is not None:
        instances = instances[: args.limit]
    args.out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    csv_path = args.out / f"{args.set}-{stamp}.csv"
    rows: list[Row] = []
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(Row.__dataclass_fields__))
        writer.writeheader()
        for instance in instances:
            portfolio = instance.load()
            for solver in solvers:
                if solver == "plain" and instance.objective != "makespan":
                    continue
                row = RUNNERS[solver](instance, portfolio, args.time_limit, args.workers, args.seed)
                row.set = args.set
                if instance.infeasible:
                    row.proven = row.status == "infeasible"
                rows.append(row)
                writer.writerow(asdict(row))
                handle.flush()
                print(
                    f"{instance.name:>16} {solver:>9} {row.status:>10} value={row.value} "
                    f"ref={row.reference} t={row.time_s:.2f}s check={row.checked}",
                    file=sys.stderr,
                )
    summary = summarise(rows)
    header = (
        f"Run {stamp}: `python -m benchmarks {' '.join(argv or sys.argv[1:])}`, "
        f"time limit {args.time_limit:g} s, {args.workers} workers, {os.cpu_count()} cores.\n\n"
    )
    (args.out / f"{args.set}-{stamp}.md").write_text(header + summary, encoding="utf-8")
    print(header + summary)
    return 1 if any(r.checked == "check_failed" for r in rows) else 0
