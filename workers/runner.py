"""The body of a job, shared by the Celery task and the local runner.

``execute_job`` claims the job in the ledger, runs the engine with a progress observer
(persist, then publish) and a stop predicate (cancel flag, read by a watcher thread),
and writes the result once. Faults are split in two: infrastructure faults (database,
broker or Redis unreachable) raise :class:`InfrastructureError` so that the task retries
with backoff; anything else is a final ``failed`` with a readable error. Infeasible input
is not a fault: the job succeeds with a plan whose status says ``infeasible``.
"""

from __future__ import annotations

import enum
import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import kombu.exceptions
import redis
import sqlalchemy.exc
from celery.exceptions import SoftTimeLimitExceeded
from pydantic import ValidationError

from models import Plan, PlanStatus
from solver.options import SolveOptions
from solver.progress import ProgressCallback, ProgressEvent, StopCallback
from workers.db import JobState, utcnow
from workers.events import NullPublisher, Publisher
from workers.fanout import BATCH_KIND, gather
from workers.kinds import run_kind
from workers.ledger import Ledger
from workers.settings import Settings

log = logging.getLogger(__name__)

#: Exceptions that mean "a server we depend on is unreachable", worth a retry.
INFRASTRUCTURE_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.DisconnectionError,
    redis.ConnectionError,
    redis.TimeoutError,
    kombu.exceptions.OperationalError,
    ConnectionError,
    TimeoutError,
    socket.timeout,
)


class InfrastructureError(RuntimeError):
    """A dependency failed (database, broker, Redis); the job may succeed if retried."""


class Outcome(enum.StrEnum):
    """What one delivery of a job did."""

    SKIPPED = "skipped"  # already final, or running elsewhere: nothing to do
    FINISHED = "finished"  # this attempt wrote the job's result
    LOST = "lost"  # the job was taken from this attempt (e.g. declared orphaned)


def is_infrastructure_fault(error: BaseException) -> bool:
    """True for faults of servers we depend on, never for bad input or bugs."""
    return isinstance(error, INFRASTRUCTURE_ERRORS)


def worker_name() -> str:
    """A name for this process in the ledger: host and pid."""
    return f"{socket.gethostname()}/{os.getpid()}"


def readable_error(error: BaseException) -> str:
    """One line: the exception's type and message."""
    message = str(error).strip().splitlines()
    first = message[0] if message else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


class _Progress:
    """Persists progress events (at most one per interval, the last one always)."""

    def __init__(
        self,
        ledger: Ledger,
        publisher: Publisher,
        job_id: str,
        interval_s: float,
        extra: ProgressCallback | None,
    ) -> None:
        self.ledger = ledger
        self.publisher = publisher
        self.job_id = job_id
        self.interval_s = interval_s
        self.extra = extra
        self.last_written = 0.0
        self.pending: ProgressEvent | None = None
        self.lock = threading.Lock()
        self.enabled = True

    def __call__(self, event: ProgressEvent) -> None:
        if self.extra is not None:
            self.extra(event)
        with self.lock:
            self.pending = event
            if time.monotonic() - self.last_written >= self.interval_s:
                self._write()

    def flush(self) -> None:
        with self.lock:
            if self.pending is not None:
                self._write()

    def _write(self) -> None:
        event, self.pending = self.pending, None
        if event is None or not self.enabled:
            return
        self.last_written = time.monotonic()
        try:
            row = self.ledger.add_event(self.job_id, "progress", event.to_dict())
        except sqlalchemy.exc.SQLAlchemyError as error:
            log.warning("could not persist progress of job %s: %s", self.job_id, error)
            return
        self.publisher.publish(self.job_id, {"seq": row.seq, "kind": row.kind, "data": row.data})


class _Watcher(threading.Thread):
    """Heartbeats the attempt and turns a cancel request into a stop signal."""

    def __init__(self, ledger: Ledger, job_id: str, token: str, poll_s: float) -> None:
        super().__init__(name=f"optiplan-watch-{job_id}", daemon=True)
        self.ledger = ledger
        self.job_id = job_id
        self.token = token
        self.poll_s = poll_s
        self.stop_requested = threading.Event()
        self.lost = threading.Event()
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.poll_s):
            try:
                beat = self.ledger.heartbeat(self.job_id, self.token)
            except sqlalchemy.exc.SQLAlchemyError as error:
                log.warning("heartbeat of job %s failed: %s", self.job_id, error)
                continue
            if not beat.owned:
                self.lost.set()
                self.stop_requested.set()
            elif beat.cancel_requested:
                self.stop_requested.set()


def execute_job(
    ledger: Ledger,
    job_id: str,
    settings: Settings,
    *,
    worker: str | None = None,
    publisher: Publisher | None = None,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> Outcome:
    """Run one delivery of job ``job_id``; see the module docstring.

    Raises
    ------
    InfrastructureError
        A server we depend on failed; the job was given back to the queue if possible.
    """
    publisher = publisher or NullPublisher()
    stale_before = utcnow() - timedelta(seconds=settings.heartbeat_timeout_s)
    try:
        existing = ledger.get(job_id)
        if existing is not None and existing.kind == BATCH_KIND:
            return Outcome.FINISHED if gather(ledger, job_id) else Outcome.SKIPPED
        claimed = ledger.claim(
            job_id, worker or worker_name(), stale_before, settings.max_lost_attempts
        )
    except INFRASTRUCTURE_ERRORS as error:
        raise InfrastructureError(readable_error(error)) from error
    if claimed is None:
        return Outcome.SKIPPED
    job, token = claimed
    publisher.publish(job_id, {"kind": "state", "data": {"state": "running"}})
    watcher = _Watcher(ledger, job_id, token, settings.cancel_poll_s)
    progress = _Progress(ledger, publisher, job_id, settings.progress_interval_s, on_progress)

    def stop() -> bool:
        return watcher.stop_requested.is_set() or (should_stop is not None and should_stop())

    watcher.start()
    try:
        try:
            options = SolveOptions.model_validate(job.options)
            plan = run_kind(job.kind, job.input, options, progress, stop)
        finally:
            watcher.done.set()
            watcher.join()
            progress.flush()
            progress.enabled = False
    except Exception as error:
        if is_infrastructure_fault(error):
            try:
                ledger.release(job_id, token, f"infrastructure fault: {readable_error(error)}")
            except INFRASTRUCTURE_ERRORS:
                log.warning("could not release job %s; recovery will re-queue it", job_id)
            raise InfrastructureError(readable_error(error)) from error
        return _write_or_raise(
            functools.partial(_finish_failed, ledger, publisher, job_id, token, error)
        )
    if watcher.lost.is_set():
        return Outcome.LOST
    return _write_or_raise(
        lambda: _finish(ledger, publisher, job_id, token, plan, cancel_asked=watcher.stop_requested)
    )


def _write_or_raise(write: Callable[[], Outcome]) -> Outcome:
    """Write the result; a ledger outage becomes an InfrastructureError (retry).

    The attempt keeps its claim: the retry (or the recovery sweep) claims the job again
    once its heartbeat is stale, and runs it again.
    """
    try:
        return write()
    except INFRASTRUCTURE_ERRORS as error:
        raise InfrastructureError(f"could not write the result: {readable_error(error)}") from error


def _finish(
    ledger: Ledger,
    publisher: Publisher,
    job_id: str,
    token: str,
    plan: Plan,
    cancel_asked: threading.Event,
) -> Outcome:
    error = None
    if plan.status == PlanStatus.CANCELLED or (
        cancel_asked.is_set() and ledger.cancel_requested(job_id)
    ):
        state = JobState.CANCELLED
    elif plan.status == PlanStatus.INVALID_INPUT:
        state = JobState.FAILED
        error = "invalid input: " + "; ".join(plan.explanation)
    else:
        state = JobState.SUCCEEDED
    summary: dict[str, Any] = {"plan_status": plan.status.value}
    if error:
        summary["error"] = error
    written = ledger.finish(
        job_id, token, state, result=plan.model_dump(mode="json"), error=error, event=summary
    )
    if not written:
        return Outcome.LOST
    publisher.publish(job_id, {"kind": "state", "data": {"state": state.value, **summary}})
    return Outcome.FINISHED


def _finish_failed(
    ledger: Ledger, publisher: Publisher, job_id: str, token: str, error: BaseException
) -> Outcome:
    if isinstance(error, SoftTimeLimitExceeded):
        text = "the job exceeded its task time limit (solve limit plus margin)"
    elif isinstance(error, ValidationError):
        text = f"invalid job input: {error.error_count()} problem(s): {readable_error(error)}"
    else:
        text = f"internal error: {readable_error(error)}"
    log.exception("job %s failed", job_id, exc_info=error)
    written = ledger.finish(
        job_id, token, JobState.FAILED, result=None, error=text, event={"error": text}
    )
    if not written:
        return Outcome.LOST
    publisher.publish(job_id, {"kind": "state", "data": {"state": "failed", "error": text}})
    return Outcome.FINISHED
