"""A worker killed mid-solve on the embedded default (filesystem transport, SQLite).

The filesystem transport has no acknowledgement: the message is gone once read, so the
job is saved by the ledger alone (heartbeat, recovery sweep).
"""

from __future__ import annotations

import uuid
from pathlib import Path

from models import PlanStatus
from solver.options import SolveOptions
from tests.workers.harness import checked, example, job_states, make_settings, wait_until, workers
from workers.db import JobState
from workers.service import JobService


def test_a_worker_killed_mid_solve_on_the_embedded_default_loses_no_job(tmp_path: Path) -> None:
    """SIGKILL during a solve: the other worker runs it again; one result, two attempts."""
    settings = make_settings(home=tmp_path, queue_prefix=f"t{uuid.uuid4().hex[:8]}")
    service = JobService(settings)
    portfolio = example("medium")
    try:
        with workers(settings, ["crash1", "crash2"], tmp_path) as started:
            job = service.submit_job(
                "acme", "schedule", portfolio, SolveOptions(time_limit_s=4, workers=1)
            )

            def running_worker() -> str | None:
                current = service.get_job("acme", job.id)
                if current is None or current.progress is None:
                    return None
                return current.worker

            victim_name = wait_until(running_worker, timeout_s=60)
            victim = next(p for p in started if p.hostname == victim_name)
            victim.kill()
            final = service.wait_for_job("acme", job.id, timeout_s=90)
            assert final is not None
            survivor = next(p for p in started if p is not victim)
            assert (final.state, final.attempts, final.worker) == (
                JobState.SUCCEEDED,
                2,
                survivor.hostname,
            )
            events = service.events_after("acme", job.id)
            assert events is not None
            assert job_states(events) == ["queued", "running", "queued", "running", "succeeded"]
            plan = checked(portfolio, service.get_result("acme", job.id))
            assert plan.status in (PlanStatus.OPTIMAL, PlanStatus.FEASIBLE)
            assert len(plan.tasks) == 162
    finally:
        service.close()
