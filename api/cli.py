"""The ``optiplan`` command line."""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from api.cli_jobs import register as register_job_commands
from api.cli_serve import register as register_serve_commands
from api.formats import BENCHMARK_EXTENSIONS, detect_format, read_instance
from api.openapi import EXAMPLES_DIR
from models import (
    ObjectiveName,
    Objectives,
    ObjectiveTerm,
    Plan,
    PlanStatus,
    Portfolio,
    validate_portfolio,
)
from models.checker import check_plan
from workers.local import LocalJobError, ProgressEvent, SolveOptions, solve_locally

app = typer.Typer(
    name="optiplan",
    help="Optimal plans for IT project portfolios.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as error:
        errors.print(f"[red]cannot read {path}: {error.strerror}[/red]")
        raise typer.Exit(2) from None


def _load_or_exit(path: Path) -> Portfolio:
    result = validate_portfolio(_read_text(path))
    if result.portfolio is None:
        _print_issues(path, result.issues)
        raise typer.Exit(1)
    return result.portfolio


def _print_issues(path: Path, issues: list) -> None:  # type: ignore[type-arg]
    table = Table(title=f"{path}: {len(issues)} problem(s)", show_lines=False)
    table.add_column("#", justify="right")
    table.add_column("where")
    table.add_column("problem")
    for number, issue in enumerate(issues, start=1):
        table.add_row(str(number), issue.path or "(portfolio)", issue.message)
    console.print(table)


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Portfolio JSON file.")],
) -> None:
    """Validate a portfolio; list every problem with its path (exit code 1 if any)."""
    portfolio = _load_or_exit(file)
    tasks = sum(len(project.tasks) for project in portfolio.projects)
    console.print(
        f"[green]valid[/green]: {file} ({len(portfolio.projects)} projects, {tasks} tasks, "
        f"{len(portfolio.people)} people, {len(portfolio.pools)} pools)"
    )


@app.command()
def check(
    portfolio_file: Annotated[Path, typer.Argument(help="Portfolio JSON file.")],
    plan_file: Annotated[Path, typer.Argument(help="Plan JSON file.")],
) -> None:
    """Check a plan against a portfolio with the independent checker (exit 1 if broken)."""
    portfolio = _load_or_exit(portfolio_file)
    try:
        plan = Plan.model_validate_json(_read_text(plan_file))
    except ValueError as error:
        errors.print(f"[red]{plan_file} is not a valid plan:[/red] {error}")
        raise typer.Exit(2) from None
    result = check_plan(portfolio, plan)
    if result.report.ok:
        console.print(f"[green]plan is valid[/green]: no rule is violated ({plan_file})")
        return
    table = Table(title=f"{len(result.report.violations)} violation(s)")
    for column in ("rule", "task", "resource", "day", "message"):
        table.add_column(column)
    for violation in result.report.violations:
        table.add_row(
            violation.rule,
            violation.task or violation.project or "",
            violation.resource or "",
            violation.day.isoformat() if violation.day else "",
            violation.message,
        )
    console.print(table)
    raise typer.Exit(1)


@app.command()
def schema(
    kind: Annotated[str, typer.Argument(help="'portfolio' or 'plan'.")] = "portfolio",
) -> None:
    """Print the JSON Schema of the portfolio (input) or the plan (output)."""
    models: dict[str, type[BaseModel]] = {"portfolio": Portfolio, "plan": Plan}
    if kind not in models:
        errors.print(f"[red]unknown schema '{kind}': use 'portfolio' or 'plan'[/red]")
        raise typer.Exit(2)
    sys.stdout.write(json.dumps(models[kind].model_json_schema(), indent=2) + "\n")


@app.command()
def example(
    name: Annotated[str, typer.Argument(help="Example name, e.g. 'demo' or 'medium'.")],
    out: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """Print (or write) one of the bundled example portfolios."""
    available = sorted(path.stem for path in EXAMPLES_DIR.glob("*.json"))
    path = EXAMPLES_DIR / f"{name}.json"
    if name not in available:
        errors.print(f"[red]unknown example '{name}'; available: {', '.join(available)}[/red]")
        raise typer.Exit(2)
    text = path.read_text(encoding="utf-8")
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text, encoding="utf-8")
        console.print(f"wrote {out}")


FORMATS = ("json", "psplib", "mplib", "mslib", "imopse", "spsp")


def _read_portfolio(file: Path, fmt: str) -> Portfolio:
    if fmt == "auto":
        # A benchmark file is known by its extension; anything else is a portfolio JSON.
        fmt = detect_format(file) if file.suffix.lower() in BENCHMARK_EXTENSIONS else "json"
    if fmt == "json":
        return _load_or_exit(file)
    if fmt not in FORMATS:
        errors.print(f"[red]unknown format '{fmt}'; use one of auto, {', '.join(FORMATS)}[/red]")
        raise typer.Exit(2)
    try:
        return read_instance(file, fmt)
    except (OSError, ValueError) as error:
        errors.print(f"[red]cannot read {file} as {fmt}: {error}[/red]")
        raise typer.Exit(2) from None


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


@app.command()
def solve(
    file: Annotated[Path, typer.Argument(help="Portfolio JSON or a benchmark instance.")],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help=f"Input format: auto (by extension), {', '.join(FORMATS)}.",
        ),
    ] = "auto",
    objective: Annotated[
        list[str] | None,
        typer.Option(
            help="Objective term (repeat for several): "
            + ", ".join(name.value for name in ObjectiveName)
            + ". Default: the portfolio's own objectives."
        ),
    ] = None,
    lexicographic: Annotated[
        bool, typer.Option(help="Optimise the objectives in the given order, not summed.")
    ] = False,
    time_limit: Annotated[float, typer.Option(help="Time limit in seconds.")] = 30.0,
    workers: Annotated[int, typer.Option(help="CP-SAT search workers.")] = 2,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    out: Annotated[Path | None, typer.Option(help="Write the plan JSON to this file.")] = None,
    quiet: Annotated[bool, typer.Option(help="No live progress display.")] = False,
) -> None:
    """Solve a portfolio: live progress, then a summary per project and the gap."""
    portfolio = _read_portfolio(file, fmt)
    objectives = None
    if objective:
        names = {name.value for name in ObjectiveName}
        unknown = [name for name in objective if name not in names]
        if unknown:
            errors.print(
                f"[red]unknown objective {', '.join(unknown)}; use {', '.join(sorted(names))}[/red]"
            )
            raise typer.Exit(2)
        objectives = Objectives(
            terms=[ObjectiveTerm(name=ObjectiveName(name)) for name in objective],
            mode="lexicographic" if lexicographic else "weighted",
        )
    try:
        options = SolveOptions(
            time_limit_s=time_limit, workers=workers, seed=seed, objectives=objectives
        )
    except ValueError as error:
        errors.print(f"[red]invalid option: {error}[/red]")
        raise typer.Exit(2) from None
    status_line = Text("starting")

    def show(event: ProgressEvent) -> None:
        status_line.plain = (
            f"{event.phase}: incumbent {_fmt(event.incumbent)}  bound {_fmt(event.bound)}  "
            f"gap {_fmt(None if event.gap is None else event.gap * 100)}%  "
            f"elapsed {event.elapsed_s:.1f}s"
        )

    # The job body logs a failure with its traceback; here the message below says it.
    logging.getLogger("workers.runner").addHandler(logging.NullHandler())
    try:
        if quiet:
            plan = solve_locally(portfolio, options)
        else:
            with Live(status_line, console=errors, refresh_per_second=4, transient=True):
                plan = solve_locally(portfolio, options, on_progress=show)
    except LocalJobError as error:
        errors.print(
            f"[red]optiplan could not plan this portfolio: {escape(str(error))}[/red]\n"
            "This is a bug in optiplan: please report it with the input file."
        )
        raise typer.Exit(3) from None
    _print_plan(plan)
    if out is not None:
        out.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
        console.print(f"plan written to {out}")
    if plan.status in (PlanStatus.INFEASIBLE, PlanStatus.INVALID_INPUT, PlanStatus.TIME_LIMIT):
        raise typer.Exit(1)


def _print_plan(plan: Plan) -> None:
    if plan.projects:
        table = Table(title=f"plan for {plan.portfolio}")
        for column in ("project", "selected", "start", "finish", "days late", "cost"):
            table.add_column(column, justify="right" if column in ("days late", "cost") else "left")
        for project in plan.projects:
            table.add_row(
                project.project,
                "yes" if project.selected else "no",
                project.start.isoformat() if project.start else "-",
                project.finish.isoformat() if project.finish else "-",
                str(project.days_late),
                _fmt(project.cost),
            )
        console.print(table)
    objective = ", ".join(f"{name} {value:,.2f}" for name, value in plan.objective.items())
    gap = "-" if plan.gap is None else f"{plan.gap * 100:.2f}%"
    checked = "passed" if plan.check is not None and plan.check.ok else "not checked"
    console.print(
        f"status: [bold]{plan.status.value}[/bold]  gap: {gap}  "
        f"bound: {_fmt(plan.best_bound)}  time: {plan.solve_time_s:.1f}s  "
        f"checker: {checked}"
    )
    if objective:
        console.print(f"objectives: {objective}")
    for line in plan.explanation:
        console.print(f"[yellow]{line}[/yellow]")


register_job_commands(app)
register_serve_commands(app)


def main() -> None:
    """Entry point of the ``optiplan`` console script."""
    app()
