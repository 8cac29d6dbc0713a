"""The recovery sweep: no job is lost to a dead worker or a broker that forgot messages.

Each worker runs it every ``recovery_interval_s`` in a thread of its main process:

- a running job whose heartbeat is older than ``heartbeat_timeout_s`` lost its worker:
  it goes back to ``queued`` (attempts are kept) and its id is sent again; if a cancel
  had been requested it ends ``cancelled`` instead, and after ``max_lost_attempts``
  lost attempts it ends ``failed``;
- batch parents whose children are all final are gathered (the message that should
  have done it was lost);
- queued jobs older than ``requeue_after_s`` are sent again when their queue is empty:
  the broker lost their messages (a restart without persistence). A message that was
  not lost after all only leads to a second delivery, which the ledger turns into a
  no-op (:meth:`workers.ledger.Ledger.claim`).

Several workers may sweep at once: each change is a guarded UPDATE, so only one of them
re-queues a given job.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from celery import Celery

from workers.celery_app import queue_size, send_run_job
from workers.db import utcnow
from workers.fanout import BATCH_KIND, gather
from workers.ledger import Ledger
from workers.runner import INFRASTRUCTURE_ERRORS, readable_error
from workers.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    """What one sweep did."""

    requeued_orphans: list[str] = field(default_factory=list)
    resent_queued: list[str] = field(default_factory=list)
    gathered: list[str] = field(default_factory=list)


def sweep(ledger: Ledger, app: Celery, settings: Settings) -> SweepReport:
    """Re-queue orphaned jobs and re-send queued jobs whose messages were lost."""
    report = SweepReport()
    now = utcnow()
    stale_before = now - timedelta(seconds=settings.heartbeat_timeout_s)
    for job_id in ledger.orphaned(stale_before):
        job = ledger.requeue_orphan(job_id, stale_before, settings.max_lost_attempts)
        if job is None:
            continue
        _send(app, ledger, settings, job_id, job.queue, job.options)
        report.requeued_orphans.append(job_id)
    waiting = ledger.queued_before(now - timedelta(seconds=settings.requeue_after_s))
    for queue in sorted({queue for _, queue in waiting}):
        if queue_size(app, queue) > 0:
            continue  # messages are still flowing; the queued jobs are among them
        for job_id, job_queue in waiting:
            if job_queue == queue:
                job = ledger.get(job_id)
                if job is not None:
                    _send(app, ledger, settings, job_id, queue, job.options)
                    report.resent_queued.append(job_id)
    for parent_id in ledger.gatherable(BATCH_KIND):
        gather(ledger, parent_id)
        report.gathered.append(parent_id)
    if report.requeued_orphans or report.resent_queued or report.gathered:
        log.warning(
            "recovery: re-queued %d orphaned job(s), re-sent %d queued job(s), "
            "gathered %d batch(es)",
            len(report.requeued_orphans),
            len(report.resent_queued),
            len(report.gathered),
        )
    return report


def _send(
    app: Celery,
    ledger: Ledger,
    settings: Settings,
    job_id: str,
    queue: str,
    options: dict[str, Any],
) -> None:
    limit = float(options.get("time_limit_s", settings.max_solve_time_s))
    send_run_job(app, job_id, queue, limit, settings.time_limit_margin_s)
    ledger.mark_enqueued(job_id)


class RecoveryThread(threading.Thread):
    """Runs :func:`sweep` periodically until stopped."""

    def __init__(self, ledger: Ledger, app: Celery, settings: Settings) -> None:
        super().__init__(name="optiplan-recovery", daemon=True)
        self.ledger = ledger
        self.app = app
        self.settings = settings
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.settings.recovery_interval_s):
            try:
                sweep(self.ledger, self.app, self.settings)
            except INFRASTRUCTURE_ERRORS as error:
                log.warning("recovery sweep skipped: %s", readable_error(error))
            except Exception:
                log.exception("recovery sweep failed; trying again later")
