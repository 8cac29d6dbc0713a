"""The Celery tasks, kept thin: take a job id, re-read the job, run the shared body.

Start a worker with ``optiplan worker`` (or ``celery -A workers.tasks worker``). The
worker migrates the ledger at start and runs the recovery sweep in its main process.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from celery import Task, signals

from workers.celery_app import RUN_JOB_TASK, make_celery
from workers.db import make_engine, upgrade_database
from workers.events import Publisher, make_publisher
from workers.fanout import notify_parent
from workers.ledger import Ledger
from workers.recovery import RecoveryThread
from workers.runner import INFRASTRUCTURE_ERRORS, InfrastructureError, Outcome, execute_job
from workers.settings import get_settings

log = logging.getLogger(__name__)
settings = get_settings()
app = make_celery(settings)

_per_process: dict[int, tuple[Ledger, Publisher]] = {}


def process_ledger() -> tuple[Ledger, Publisher]:
    """This process's ledger and publisher (made after a fork, never shared across one)."""
    pid = os.getpid()
    if pid not in _per_process:
        _per_process[pid] = (
            Ledger(make_engine(settings.effective_database_url)),
            make_publisher(settings.redis_url),
        )
    return _per_process[pid]


def _backoff_s(retries: int) -> float:
    return float(min(2 ** (retries + 1), 60))


@app.task(bind=True, name=RUN_JOB_TASK, max_retries=settings.max_retries)  # type: ignore[untyped-decorator]
def run_job(self: Task, job_id: str) -> str:
    """Run job ``job_id`` from the ledger; retry only on infrastructure faults."""
    ledger, publisher = process_ledger()
    try:
        outcome = execute_job(
            ledger, job_id, settings, worker=str(self.request.hostname), publisher=publisher
        )
    except InfrastructureError as fault:
        if self.request.retries >= self.max_retries:
            error = f"infrastructure fault, gave up after {self.request.retries + 1} tries: {fault}"
            try:
                ledger.fail_final(job_id, error)
            except Exception:
                log.exception("could not mark job %s failed; recovery will re-queue it", job_id)
            return "failed"
        raise self.retry(exc=fault, countdown=_backoff_s(self.request.retries)) from fault
    if outcome == Outcome.FINISHED:
        try:
            notify_parent(ledger, app, settings, job_id)
        except INFRASTRUCTURE_ERRORS as error:
            # The job's result is written; the recovery sweep gathers the parent.
            log.warning("could not notify the parent of job %s: %s", job_id, error)
    return outcome.value


_recovery: list[RecoveryThread] = []


@signals.worker_init.connect  # type: ignore[untyped-decorator]
def _migrate(**_: Any) -> None:
    upgrade_database(settings.effective_database_url)


@signals.worker_ready.connect  # type: ignore[untyped-decorator]
def _start_recovery(**_: Any) -> None:
    ledger = Ledger(make_engine(settings.effective_database_url))
    thread = RecoveryThread(ledger, app, settings)
    thread.start()
    _recovery.append(thread)


@signals.worker_shutdown.connect  # type: ignore[untyped-decorator]
def _stop_recovery(**_: Any) -> None:
    for thread in _recovery:
        thread.stopped.set()
