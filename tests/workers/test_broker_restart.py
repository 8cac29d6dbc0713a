"""A broker restart that forgets every queued message loses no job.

The test runs its own ``redis-server`` (never the machine's shared one) without
persistence, kills it while jobs wait in its queue, starts it again empty, and checks
that the ledger's recovery sweep gets every job done exactly once.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from benchmarks.jobs import free_port
from models import PlanStatus
from solver.options import SolveOptions
from tests.workers.harness import (
    broker_settings,
    checked,
    example,
    job_states,
    require,
    tiny_portfolio,
    wait_until,
    workers,
)
from workers.db import JobState
from workers.service import JobService

pytestmark = pytest.mark.services


class PrivateRedis:
    """A ``redis-server`` on a free port that keeps nothing on disk."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and wait until it answers."""
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        wait_until(lambda: _pings(client), timeout_s=10)
        client.close()

    def kill(self) -> None:
        """SIGKILL it (everything it held is gone)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """Stop it if it runs."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _pings(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    """A private Redis server, stopped after the test."""
    if shutil.which("redis-server") is None:
        if os.environ.get("OPTIPLAN_REQUIRE_SERVICES"):
            pytest.fail("redis-server is not installed and OPTIPLAN_REQUIRE_SERVICES is set")
        pytest.skip("redis-server is not installed: cannot run a private broker")
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def service(private_redis: PrivateRedis, pg_url: str, tmp_path: Path) -> Iterator[JobService]:
    """The jobs service on the private broker and the session's ledger, closed afterwards."""
    require("postgresql")
    jobs = JobService(broker_settings(tmp_path, private_redis.url, pg_url))
    yield jobs
    jobs.close()


def test_a_broker_restart_loses_no_queued_job(
    private_redis: PrivateRedis, service: JobService, tmp_path: Path
) -> None:
    """Kill the broker with 5 jobs queued behind a running one: all 6 succeed, once each."""
    medium = example("medium")
    with workers(service.settings, ["restart1"], tmp_path):
        blocker = service.submit_job(
            "acme", "schedule", medium, SolveOptions(time_limit_s=4, workers=1)
        )
        queued = [
            service.submit_job(
                "acme", "schedule", tiny_portfolio(i), SolveOptions(time_limit_s=5, workers=1)
            )
            for i in range(5)
        ]

        def blocker_running() -> bool:
            current = service.get_job("acme", blocker.id)
            return current is not None and current.state == JobState.RUNNING

        wait_until(blocker_running, timeout_s=60)
        assert all(
            (job := service.get_job("acme", q.id)) is not None and job.state == JobState.QUEUED
            for q in queued
        )
        private_redis.kill()
        private_redis.start()  # empty: the 5 queued messages are gone
        finals = [service.wait_for_job("acme", job.id, timeout_s=90) for job in [blocker, *queued]]
        assert [final.state if final else None for final in finals] == [JobState.SUCCEEDED] * 6
        assert [final.attempts if final else None for final in finals] == [1] * 6
        for job in [blocker, *queued]:
            events = service.events_after("acme", job.id)
            assert events is not None
            assert job_states(events) == ["queued", "running", "succeeded"]
        checked(medium, service.get_result("acme", blocker.id))
        for index, job in enumerate(queued):
            plan = checked(tiny_portfolio(index), service.get_result("acme", job.id))
            assert (plan.status, plan.objective["makespan"]) == (PlanStatus.OPTIMAL, 6.0)


def test_a_job_submitted_while_the_broker_is_down_still_runs(
    private_redis: PrivateRedis, service: JobService, tmp_path: Path
) -> None:
    """Submit fails to reach the broker: the job waits in the ledger and runs once it is back."""
    portfolio = tiny_portfolio()
    private_redis.kill()
    job = service.submit_job("acme", "schedule", portfolio, SolveOptions(time_limit_s=5))
    assert job.state == JobState.QUEUED
    events = service.events_after("acme", job.id)
    assert events is not None
    assert [event.data["state"] for event in events] == ["queued", "queued"]
    assert "broker" in events[1].data
    private_redis.start()
    with workers(service.settings, ["late1"], tmp_path):
        final = service.wait_for_job("acme", job.id, timeout_s=60)
    assert final is not None
    assert (final.state, final.attempts) == (JobState.SUCCEEDED, 1)
    plan = checked(portfolio, service.get_result("acme", job.id))
    assert (plan.status, plan.objective["makespan"]) == (PlanStatus.OPTIMAL, 6.0)
