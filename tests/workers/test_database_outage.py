"""A ledger outage during a job is an infrastructure fault: retried, never lost or doubled."""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from benchmarks.jobs import private_pg_database
from models import PlanStatus
from solver.options import SolveOptions
from tests.workers.harness import (
    PG_ADMIN,
    REDIS_URL,
    broker_settings,
    checked,
    example,
    forget_queues,
    job_states,
    require,
    wait_until_solving,
    workers,
)
from workers.db import JobState
from workers.service import JobService

pytestmark = pytest.mark.services


def _allow_connections(database: str, allowed: bool) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (database,),
            )


def test_a_database_outage_mid_job_is_retried_and_ends_with_one_result(tmp_path: Path) -> None:
    """PostgreSQL refuses connections while the job ends: it is retried, 2 attempts, 1 result."""
    require("redis", "postgresql")
    with private_pg_database() as url:
        database = url.rsplit("/", 1)[1]
        settings = broker_settings(tmp_path, REDIS_URL, url)
        service = JobService(settings)
        portfolio = example("medium")
        try:
            with workers(settings, ["outage1"], tmp_path) as started:
                job = service.submit_job(
                    "acme", "schedule", portfolio, SolveOptions(time_limit_s=3, workers=1)
                )
                wait_until_solving(service, "acme", job.id)
                _allow_connections(database, False)
                try:
                    time.sleep(6)  # the solve ends and cannot write its result
                finally:
                    _allow_connections(database, True)
                final = service.wait_for_job("acme", job.id, timeout_s=90)
                assert final is not None
                assert (final.state, final.attempts, final.error) == (
                    JobState.SUCCEEDED,
                    2,
                    None,
                )
                events = service.events_after("acme", job.id)
                assert events is not None
                assert job_states(events).count("succeeded") == 1
                plan = checked(portfolio, service.get_result("acme", job.id))
                assert plan.status in (PlanStatus.OPTIMAL, PlanStatus.FEASIBLE)
                assert "InfrastructureError" in started[0].log_path.read_text()
        finally:
            service.close()
            forget_queues(REDIS_URL, settings.queue_prefix)
