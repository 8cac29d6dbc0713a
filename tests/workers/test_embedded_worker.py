"""Jobs through a real ``optiplan worker`` process on the embedded default.

No server needed: kombu's filesystem transport and a SQLite ledger under a temporary
OPTIPLAN_HOME, exactly what a fresh machine runs.
"""

from __future__ import annotations

import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.jobs import optiplan_command
from models import Plan, PlanStatus
from solver.options import SolveOptions
from tests.workers.harness import (
    WorkerProcess,
    checked,
    env_for,
    example,
    infeasible_portfolio,
    make_settings,
    tiny_portfolio,
    wait_until,
    wait_until_solving,
    workers,
)
from workers.celery_app import send_run_job
from workers.db import JobState
from workers.service import JobService
from workers.settings import Settings
from workers.worker import start_worker_process


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, WorkerProcess]]:
    """Embedded settings in a fresh home and one worker process on them."""
    home = tmp_path_factory.mktemp("optiplan-home")
    settings = make_settings(home=home, queue_prefix=f"t{uuid.uuid4().hex[:8]}")
    assert settings.embedded
    with workers(settings, ["embedded1"], home) as started:
        yield settings, started[0]


@pytest.fixture
def service(embedded: tuple[Settings, WorkerProcess]) -> Iterator[JobService]:
    """The jobs service on the embedded settings."""
    jobs = JobService(embedded[0])
    yield jobs
    jobs.close()


def test_a_job_runs_end_to_end_on_the_embedded_default(
    service: JobService, embedded: tuple[Settings, WorkerProcess]
) -> None:
    """The demo portfolio is solved by the worker; the ledger's plan passes the checker."""
    portfolio = example("demo")
    job = service.submit_job("acme", "schedule", portfolio, SolveOptions(time_limit_s=10))
    assert job.state == JobState.QUEUED
    final = service.wait_for_job("acme", job.id, timeout_s=60)
    assert final is not None
    assert (final.state, final.attempts, final.worker) == (
        JobState.SUCCEEDED,
        1,
        embedded[1].hostname,
    )
    plan = checked(portfolio, service.get_result("acme", job.id))
    assert (plan.status, plan.objective["combined"]) == (PlanStatus.OPTIMAL, 0.0)
    assert final.plan_status == "optimal"
    events = service.events_after("acme", job.id)
    assert events is not None
    states = [event.data["state"] for event in events if event.kind == "state"]
    assert states == ["queued", "running", "succeeded"]


def test_infeasible_input_ends_succeeded_with_status_infeasible(service: JobService) -> None:
    """The worker answers 'infeasible': succeeded, one attempt, no error, no retry."""
    job = service.submit_job("acme", "schedule", infeasible_portfolio(), SolveOptions())
    final = service.wait_for_job("acme", job.id, timeout_s=60)
    assert final is not None
    assert (final.state, final.attempts, final.error, final.plan_status) == (
        JobState.SUCCEEDED,
        1,
        None,
        "infeasible",
    )
    plan = service.get_result("acme", job.id)
    assert plan is not None
    assert (plan.status, plan.tasks) == (PlanStatus.INFEASIBLE, [])


def test_a_job_with_broken_input_fails_readably_without_retry(
    service: JobService, embedded: tuple[Settings, WorkerProcess]
) -> None:
    """A ledger row whose snapshot no longer parses ends failed once, with a one-line error."""
    row = service.ledger.create_job(
        tenant="acme",
        kind="schedule",
        queue=service.settings.long_queue,
        input_data={"portfolio": {"id": "broken", "projects": "none"}},
        options=SolveOptions().model_dump(mode="json"),
    )
    send_run_job(service.celery, row.id, row.queue, 30.0, service.settings.time_limit_margin_s)
    final = service.wait_for_job("acme", row.id, timeout_s=60)
    assert final is not None
    assert (final.state, final.attempts, final.plan_status) == (JobState.FAILED, 1, None)
    assert final.error is not None
    assert final.error.startswith("invalid job input: 2 problem(s): ValidationError: ")
    assert "\n" not in final.error
    assert service.get_result("acme", row.id) is None
    assert "Retry in" not in embedded[1].log_path.read_text()


def test_cancel_while_running_stops_within_two_seconds_and_keeps_the_plan(
    service: JobService,
) -> None:
    """Cancelling a running 60 s solve ends it cancelled in under 2 s with a checked plan."""
    portfolio = example("medium")
    job = service.submit_job(
        "acme", "schedule", portfolio, SolveOptions(time_limit_s=60, workers=1)
    )
    wait_until_solving(service, "acme", job.id)
    asked = time.monotonic()
    service.cancel_job("acme", job.id)

    def cancelled() -> bool:
        current = service.get_job("acme", job.id)
        return current is not None and current.state == JobState.CANCELLED

    wait_until(cancelled, timeout_s=10, step_s=0.02)
    elapsed = time.monotonic() - asked
    assert elapsed < 2.0, f"cancel took {elapsed:.2f} s"
    plan = checked(portfolio, service.get_result("acme", job.id))
    assert (plan.status, len(plan.tasks)) == (PlanStatus.CANCELLED, 162)


def _optiplan(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``optiplan args`` (two minutes at most) and capture its output."""
    return subprocess.run(
        [*optiplan_command(), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def test_cli_submit_wait_and_jobs_show_write_the_plan(
    embedded: tuple[Settings, WorkerProcess], tmp_path: Path
) -> None:
    """`optiplan submit --wait --result` and `jobs show --result` write the same checked plan."""
    env = env_for(embedded[0])
    env["OPTIPLAN_TENANT"] = "cli"
    first = tmp_path / "first.json"
    submitted = _optiplan(
        env,
        "submit",
        "examples/demo.json",
        "--time-limit",
        "10",
        "--wait",
        "--result",
        str(first),
        cwd=Path(__file__).resolve().parents[2],
    )
    assert submitted.returncode == 0, submitted.stderr
    job_id = submitted.stdout.splitlines()[0].strip()
    assert len(job_id) == 36
    second = tmp_path / "second.json"
    shown = _optiplan(env, "jobs", "show", job_id, "--result", str(second))
    assert shown.returncode == 0, shown.stderr
    assert "succeeded" in shown.stdout
    listed = _optiplan(env, "jobs", "list")
    assert listed.returncode == 0, listed.stderr
    assert job_id in listed.stdout
    assert "1 job(s)" in listed.stdout
    plan = Plan.model_validate_json(first.read_text())
    assert second.read_text() == first.read_text()
    checked(example("demo"), plan)
    assert plan.status == PlanStatus.OPTIMAL


def test_start_worker_process_runs_a_real_worker(tmp_path: Path) -> None:
    """The helper `optiplan serve` can use starts a worker that runs a job, then stops."""
    settings = make_settings(home=tmp_path, queue_prefix=f"t{uuid.uuid4().hex[:8]}")
    log_file = tmp_path / "served.log"
    hostname = f"served-{uuid.uuid4().hex[:6]}@localhost"
    process = start_worker_process(settings, pool="solo", hostname=hostname, log_file=log_file)
    service = JobService(settings)
    try:
        wait_until(lambda: f"{hostname} ready." in log_file.read_text(), timeout_s=60)
        portfolio = tiny_portfolio()
        job = service.submit_job("acme", "schedule", portfolio, SolveOptions(time_limit_s=5))
        final = service.wait_for_job("acme", job.id, timeout_s=60)
        assert final is not None
        assert (final.state, final.attempts, final.worker) == (JobState.SUCCEEDED, 1, hostname)
        plan = checked(portfolio, service.get_result("acme", job.id))
        assert plan.objective["makespan"] == 6.0
    finally:
        service.close()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
