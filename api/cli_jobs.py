"""CLI commands for operators: run a worker, submit jobs, list, show and cancel them.

They talk to the configured broker and ledger (``OPTIPLAN_BROKER_URL``,
``OPTIPLAN_DATABASE_URL``; the embedded default when unset) through
:mod:`workers.service`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from models import Plan, PortfolioError, validate_portfolio
from workers.kinds import UnsupportedKindError
from workers.local import SolveOptions
from workers.service import JobService, JobView
from workers.worker import run_worker

console = Console()
errors = Console(stderr=True)
jobs_app = typer.Typer(help="List, show and cancel jobs.", no_args_is_help=True)

TenantOption = Annotated[
    str, typer.Option(help="Tenant of the jobs (env OPTIPLAN_TENANT).", envvar="OPTIPLAN_TENANT")
]


def _service() -> JobService:
    return JobService()


def _print_job(job: JobView) -> None:
    table = Table(show_header=False, title=f"job {job.id}")
    rows = {
        "kind": job.kind,
        "state": job.state.value,
        "plan status": job.plan_status or "-",
        "attempts": str(job.attempts),
        "worker": job.worker or "-",
        "created": job.created_at.isoformat(timespec="seconds"),
        "started": job.started_at.isoformat(timespec="seconds") if job.started_at else "-",
        "finished": job.finished_at.isoformat(timespec="seconds") if job.finished_at else "-",
    }
    if job.portfolio_id is not None:
        rows["portfolio"] = f"{job.portfolio_id} version {job.portfolio_version}"
    if job.progress is not None:
        gap = "-" if job.progress.gap is None else f"{job.progress.gap * 100:.2f}%"
        rows["progress"] = (
            f"{job.progress.phase}: incumbent {job.progress.incumbent} gap {gap} "
            f"after {job.progress.elapsed_s:.1f}s"
        )
    if job.cancel_requested:
        rows["cancel requested"] = "yes"
    if job.error:
        rows["error"] = job.error
    for key, value in rows.items():
        table.add_row(key, value)
    console.print(table)


def _follow(service: JobService, tenant: str, job_id: str) -> JobView | None:
    """Wait for the end of the job, printing its events to stderr as they come."""
    seq = 0
    while True:
        events = service.wait_for_events(tenant, job_id, seq, timeout_s=15.0)
        if events is None:
            return None
        for event in events:
            seq = event.seq
            errors.print(f"[dim]{_describe(event.kind, event.data)}[/dim]")
        job = service.get_job(tenant, job_id)
        if job is None or job.final:
            return job


def _describe(kind: str, data: dict[str, Any]) -> str:
    if kind == "progress":
        gap = "-" if data.get("gap") is None else f"{data['gap'] * 100:.2f}%"
        return (
            f"{data['elapsed_s']:7.1f}s {data['phase']}: incumbent {data['incumbent']} "
            f"bound {data['bound']} gap {gap}"
        )
    details = ", ".join(f"{key} {value}" for key, value in data.items() if key != "state")
    label = data.get("state", kind.replace("_", " "))
    return f"{label}" + (f" ({details})" if details else "")


def _wait_and_report(service: JobService, tenant: str, job_id: str, result: Path | None) -> JobView:
    job = _follow(service, tenant, job_id)
    if job is None:
        errors.print(f"[red]no job {job_id}[/red]")
        raise typer.Exit(2)
    _print_job(job)
    batch = service.get_batch_result(tenant, job_id)
    if batch is not None:
        table = Table(title=f"{len(batch.children)} child job(s)")
        for column in ("label", "job", "state", "plan status", "combined objective", "error"):
            table.add_column(column, no_wrap=column == "job")
        for child in batch.children:
            table.add_row(
                child.label,
                child.job_id,
                child.state.value,
                child.plan_status or "-",
                str(child.objective.get("combined", "-")),
                child.error or "",
            )
        console.print(table)
    plan = service.get_result(tenant, job_id)
    if plan is not None:
        _print_summary(plan)
        if result is not None:
            result.write_text(plan.model_dump_json(indent=2), encoding="utf-8")
            console.print(f"plan written to {result}")
    return job


def _print_summary(plan: Plan) -> None:
    gap = "-" if plan.gap is None else f"{plan.gap * 100:.2f}%"
    checked = "passed" if plan.check is not None and plan.check.ok else "not checked"
    console.print(
        f"plan: status [bold]{plan.status.value}[/bold]  gap {gap}  "
        f"combined {plan.objective.get('combined', '-')}  checker {checked}"
    )


def submit(
    file: Annotated[Path, typer.Argument(help="Portfolio JSON file.")],
    kind: Annotated[str, typer.Option(help="Job kind (implemented: schedule).")] = "schedule",
    time_limit: Annotated[float, typer.Option(help="Solve time limit in seconds.")] = 30.0,
    workers: Annotated[int, typer.Option(help="CP-SAT search workers.")] = 2,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    wait: Annotated[bool, typer.Option(help="Wait for the end and print the result.")] = False,
    result: Annotated[
        Path | None, typer.Option(help="With --wait: write the plan JSON here.")
    ] = None,
    tenant: TenantOption = "default",
) -> None:
    """Enqueue a job through the configured broker and ledger; print its id."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as error:
        errors.print(f"[red]cannot read {file}: {error.strerror}[/red]")
        raise typer.Exit(2) from None
    validation = validate_portfolio(text)
    if validation.portfolio is None:
        for issue in validation.issues:
            errors.print(f"[red]{issue}[/red]")
        raise typer.Exit(1)
    service = _service()
    try:
        options = SolveOptions(time_limit_s=time_limit, workers=workers, seed=seed)
        job = service.submit_job(tenant, kind, validation.portfolio, options)
    except (UnsupportedKindError, PortfolioError, ValueError) as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    console.print(job.id)
    if wait:
        final = _wait_and_report(service, tenant, job.id, result)
        if final.state.value != "succeeded":
            raise typer.Exit(1)


@jobs_app.command("list")
def list_jobs(
    state: Annotated[str | None, typer.Option(help="Only jobs in this state.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only jobs of this kind.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 50,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
    tenant: TenantOption = "default",
) -> None:
    """List jobs, newest first."""
    try:
        page = _service().list_jobs(tenant, state=state, kind=kind, limit=limit, offset=offset)
    except ValueError as error:
        errors.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    table = Table(title=f"{page.total} job(s)")
    table.add_column("id", no_wrap=True, min_width=36)
    for column in ("kind", "state", "plan status", "attempts", "worker", "created"):
        table.add_column(column)
    for job in page.items:
        table.add_row(
            job.id,
            job.kind,
            job.state.value,
            job.plan_status or "-",
            str(job.attempts),
            job.worker or "-",
            job.created_at.isoformat(timespec="seconds"),
        )
    console.print(table)


@jobs_app.command("show")
def show_job(
    job_id: Annotated[str, typer.Argument(help="Job id.")],
    wait: Annotated[bool, typer.Option(help="Wait until the job ends.")] = False,
    result: Annotated[
        Path | None, typer.Option(help="Write the plan JSON here (waits for the end).")
    ] = None,
    tenant: TenantOption = "default",
) -> None:
    """Show a job; with --wait or --result, wait for its end first."""
    service = _service()
    if wait or result is not None:
        _wait_and_report(service, tenant, job_id, result)
        return
    job = service.get_job(tenant, job_id)
    if job is None:
        errors.print(f"[red]no job {job_id}[/red]")
        raise typer.Exit(2)
    _print_job(job)


@jobs_app.command("cancel")
def cancel_job(
    job_id: Annotated[str, typer.Argument(help="Job id.")],
    tenant: TenantOption = "default",
) -> None:
    """Cancel a job: a running solve stops and keeps its best plan so far."""
    job = _service().cancel_job(tenant, job_id)
    if job is None:
        errors.print(f"[red]no job {job_id}[/red]")
        raise typer.Exit(2)
    _print_job(job)


def worker(
    queues: Annotated[
        str | None, typer.Option(help="Comma-separated queues (default: long and short).")
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(help="Processes (default OPTIPLAN_CONCURRENCY or 1).")
    ] = None,
    pool: Annotated[str | None, typer.Option(help="Celery pool: prefork or solo.")] = None,
    hostname: Annotated[str | None, typer.Option(help="Worker name, e.g. w1@%h.")] = None,
    loglevel: Annotated[str, typer.Option(help="Log level.")] = "info",
) -> None:
    """Run a Celery worker for the configured broker and ledger (migrates the ledger)."""
    run_worker(
        queues=queues.split(",") if queues else None,
        concurrency=concurrency,
        pool=pool,
        hostname=hostname,
        loglevel=loglevel,
    )


def register(app: typer.Typer) -> None:
    """Add ``submit``, ``jobs`` and ``worker`` to the ``optiplan`` app."""
    app.command()(submit)
    app.command()(worker)
    app.add_typer(jobs_app, name="jobs")


__all__ = ["register"]
