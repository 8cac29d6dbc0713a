"""Jobs through real worker processes on Redis (broker, pub/sub) and PostgreSQL (ledger).

Also one job through RabbitMQ. Each module gets its own queue names and the session
its own PostgreSQL database, so concurrent runs on the shared servers do not collide.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from models import PlanStatus
from solver.options import SolveOptions
from tests.workers.harness import (
    AMQP_URL,
    REDIS_URL,
    WorkerProcess,
    broker_settings,
    checked,
    example,
    forget_queues,
    job_states,
    kill_mid_solve_loses_no_job,
    make_settings,
    require,
    tiny_portfolio,
    workers,
)
from workers.db import JobState
from workers.service import BatchItem, JobEvent, JobService
from workers.settings import Settings

pytestmark = pytest.mark.services


def _redis_settings(pg_url: str, home: Path) -> Settings:
    return broker_settings(home, REDIS_URL, pg_url, redis_url=REDIS_URL)


@pytest.fixture(scope="module")
def deployment(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[JobService, list[WorkerProcess]]]:
    """Two worker processes on Redis + PostgreSQL, and the service to talk to them."""
    require("redis", "postgresql")
    home = tmp_path_factory.mktemp("redis-pg")
    settings = _redis_settings(pg_url, home)
    service = JobService(settings)
    try:
        with workers(settings, ["rp1", "rp2"], home) as started:
            yield service, started
    finally:
        service.close()
        forget_queues(REDIS_URL, settings.queue_prefix)


def test_a_job_runs_end_to_end_with_live_events(
    deployment: tuple[JobService, list[WorkerProcess]],
) -> None:
    """The demo job succeeds; pub/sub waits deliver its events in order; the plan checks."""
    service, started = deployment
    portfolio = example("demo")
    job = service.submit_job("acme", "schedule", portfolio, SolveOptions(time_limit_s=10))
    seen: list[JobEvent] = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        events = service.wait_for_events("acme", job.id, seen[-1].seq if seen else 0, 5.0)
        assert events is not None
        seen.extend(events)
        if seen and seen[-1].kind == "state" and seen[-1].data["state"] == "succeeded":
            break
    assert [event.seq for event in seen] == list(range(1, len(seen) + 1))
    assert job_states(seen) == ["queued", "running", "succeeded"]
    assert "progress" in {event.kind for event in seen}
    final = service.get_job("acme", job.id)
    assert final is not None
    assert (final.state, final.attempts) == (JobState.SUCCEEDED, 1)
    assert final.worker in {process.hostname for process in started}
    plan = checked(portfolio, service.get_result("acme", job.id))
    assert (plan.status, plan.objective["combined"]) == (PlanStatus.OPTIMAL, 0.0)
    assert service.get_job("globex", job.id) is None


def test_forty_small_jobs_all_succeed_on_both_workers(
    deployment: tuple[JobService, list[WorkerProcess]],
) -> None:
    """40 tiny jobs: all succeed once with makespan 6, and both workers run some."""
    service, started = deployment
    jobs = [
        service.submit_job(
            "fleet", "schedule", tiny_portfolio(i), SolveOptions(time_limit_s=5, workers=1)
        )
        for i in range(40)
    ]
    finals = [service.wait_for_job("fleet", job.id, timeout_s=120) for job in jobs]
    assert all(final is not None for final in finals)
    assert Counter(final.state for final in finals if final) == {JobState.SUCCEEDED: 40}
    assert Counter(final.attempts for final in finals if final) == {1: 40}
    for index, job in enumerate(jobs):
        plan = checked(tiny_portfolio(index), service.get_result("fleet", job.id))
        assert (plan.status, plan.objective["makespan"]) == (PlanStatus.OPTIMAL, 6.0)
    by_worker = Counter(final.worker for final in finals if final)
    assert set(by_worker) == {process.hostname for process in started}
    assert service.list_jobs("fleet", state="succeeded", limit=5).total == 40


def test_a_batch_fans_out_over_the_workers_and_is_gathered(
    deployment: tuple[JobService, list[WorkerProcess]],
) -> None:
    """Six children run on the workers; the parent ends with six optimal entries."""
    service, started = deployment
    items = [
        BatchItem(
            label=f"variant {i}",
            portfolio=tiny_portfolio(i),
            options=SolveOptions(time_limit_s=5, workers=1),
        )
        for i in range(6)
    ]
    parent = service.submit_batch("acme", items)
    final = service.wait_for_job("acme", parent.id, timeout_s=90)
    assert final is not None
    assert (final.kind, final.state, final.error) == ("batch", JobState.SUCCEEDED, None)
    result = service.get_batch_result("acme", parent.id)
    assert result is not None
    assert [entry.label for entry in result.children] == [f"variant {i}" for i in range(6)]
    assert [entry.plan_status for entry in result.children] == ["optimal"] * 6
    assert (result.succeeded, result.failed, result.cancelled) == (6, 0, 0)
    hostnames = {process.hostname for process in started}
    for index, entry in enumerate(result.children):
        child = service.get_job("acme", entry.job_id)
        assert child is not None
        assert (child.parent_id, child.attempts) == (parent.id, 1)
        assert child.worker in hostnames
        plan = checked(tiny_portfolio(index), service.get_result("acme", entry.job_id))
        assert plan.objective["makespan"] == 6.0


def test_a_worker_killed_mid_solve_loses_no_job(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """SIGKILL during a solve: another worker runs it again; one result, two attempts."""
    require("redis", "postgresql")
    home = tmp_path_factory.mktemp("sigkill")
    settings = _redis_settings(pg_url, home)
    try:
        kill_mid_solve_loses_no_job(settings, ["kill1", "kill2"], home, time_limit_s=6)
    finally:
        forget_queues(REDIS_URL, settings.queue_prefix)


def test_a_job_runs_end_to_end_on_rabbitmq(
    pg_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """With RabbitMQ as broker (no Redis pub/sub: polling), a tiny job succeeds once."""
    require("rabbitmq", "postgresql")
    home = tmp_path_factory.mktemp("rabbit")
    settings = make_settings(
        home=home, broker_url=AMQP_URL, database_url=pg_url, queue_prefix=f"t{uuid.uuid4().hex}"
    )
    service = JobService(settings)
    portfolio = tiny_portfolio()
    try:
        with workers(settings, ["rabbit1"], home) as started:
            job = service.submit_job("acme", "schedule", portfolio, SolveOptions(time_limit_s=5))
            final = service.wait_for_job("acme", job.id, timeout_s=60)
            assert final is not None
            assert (final.state, final.attempts, final.worker) == (
                JobState.SUCCEEDED,
                1,
                started[0].hostname,
            )
            plan = checked(portfolio, service.get_result("acme", job.id))
            assert (plan.status, plan.objective["makespan"]) == (PlanStatus.OPTIMAL, 6.0)
    finally:
        service.close()
