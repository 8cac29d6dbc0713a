"""The jobs service the API and the CLI use: submit, read, list, cancel, wait, stream.

Every call is synchronous and scoped to a tenant: a tenant never sees another's jobs
(an unknown id and another tenant's id both give None). Submitting writes the job to
the ledger first (state ``queued``), then sends only its id to the broker; if the broker
is unreachable the job stays queued and the workers' recovery sweep sends it later.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

import kombu.exceptions
import redis
from pydantic import BaseModel, ConfigDict, Field

from models import Plan, Portfolio, validate_portfolio
from models.validation import PortfolioError
from solver.options import SolveOptions
from workers.celery_app import make_celery, send_run_job
from workers.db import FINAL_STATES, JobEventRow, JobRow, JobState, make_engine, upgrade_database
from workers.events import channel_name, make_publisher
from workers.fanout import BATCH_KIND, BatchResult, gather
from workers.kinds import UnsupportedKindError, check_kind, input_snapshot
from workers.ledger import Ledger, aware
from workers.settings import Settings, get_settings

log = logging.getLogger(__name__)
_P = ParamSpec("_P")
_R = TypeVar("_R")


class JobProgress(BaseModel):
    """The latest progress report of a running (or finished) solve."""

    model_config = ConfigDict(frozen=True)

    elapsed_s: float = Field(description="Seconds since the solve started.")
    phase: str = Field(description="'heuristic', 'cpsat' or 'cpsat:<objective>'.")
    incumbent: float | None = Field(description="Combined objective of the best plan so far.")
    bound: float | None = Field(description="Best proven bound on the combined objective.")
    gap: float | None = Field(description="Relative gap between incumbent and bound.")
    solutions: int = Field(description="Plans found so far in this phase.")


class JobView(BaseModel):
    """A job as the API shows it (the input snapshot and the result are fetched apart)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Job id (UUID).")
    tenant: str = Field(description="Owner of the job.")
    kind: str = Field(description="What the job does, e.g. 'schedule' or 'batch'.")
    parent_id: str | None = Field(None, description="The batch job this job is a child of.")
    portfolio_id: str | None = Field(
        None,
        description="The stored portfolio the job solved; null for an inline portfolio.",
    )
    portfolio_version: int | None = Field(
        None,
        description="The version of the stored portfolio the job solved (the latest when it "
        "was submitted); null for an inline portfolio.",
    )
    state: JobState = Field(
        description="queued, running, succeeded, failed or cancelled; the last three are final."
    )
    attempts: int = Field(description="How many times a worker started the job.")
    worker: str | None = Field(description="Worker of the latest attempt.")
    cancel_requested: bool = Field(description="A cancel was asked for.")
    created_at: datetime = Field(description="When the job was submitted (UTC).")
    started_at: datetime | None = Field(description="Start of the latest attempt (UTC).")
    finished_at: datetime | None = Field(description="When the job reached a final state.")
    options: dict[str, Any] = Field(description="Solve options of the job.")
    plan_status: str | None = Field(
        description="Status of the resulting plan (optimal, feasible, infeasible, ...)."
    )
    error: str | None = Field(description="Why the job failed, in one readable line.")
    progress: JobProgress | None = Field(
        None, description="Latest progress report (single-job reads only)."
    )

    @property
    def final(self) -> bool:
        """True once the job is succeeded, failed or cancelled."""
        return self.state in FINAL_STATES


class JobEvent(BaseModel):
    """One event of a job, numbered from 1 per job (use as SSE id / Last-Event-ID)."""

    model_config = ConfigDict(frozen=True)

    seq: int = Field(description="Position in the job's events, from 1, without gaps.")
    at: datetime = Field(description="When it happened (UTC).")
    kind: str = Field(description="'state', 'progress' or 'cancel_requested'.")
    data: dict[str, Any] = Field(description="The state and its details, or a progress report.")


class BatchItem(BaseModel):
    """One child of a batch: a portfolio (e.g. a scenario variant) and its solve options."""

    label: str = Field(description="A name for the item, e.g. 'base' or 'two more testers'.")
    portfolio: Portfolio = Field(description="The portfolio to solve.")
    options: SolveOptions = Field(default_factory=SolveOptions, description="Solve options.")


class JobPage(BaseModel):
    """A page of jobs and the total count for the filters."""

    items: list[JobView] = Field(description="Jobs, newest first.")
    total: int = Field(description="Jobs matching the filters.")


def _view(job: JobRow, progress: JobEventRow | None = None) -> JobView:
    return _job_view(
        job,
        None if job.result is None else job.result.get("status"),
        None if progress is None else progress.data,
    )


def _status_view(row: Any) -> JobView:
    """The view of a :meth:`Ledger.status` row (same fields as :func:`_view`)."""
    return _job_view(row, row.plan_status, row.progress)


def _job_view(row: Any, plan_status: str | None, progress: Any) -> JobView:
    """A job's view from anything with the job's columns (ORM row or status row)."""
    created = aware(row.created_at)
    assert created is not None
    return JobView(
        id=row.id,
        tenant=row.tenant,
        kind=row.kind,
        parent_id=row.parent_id,
        portfolio_id=row.portfolio_id,
        portfolio_version=row.portfolio_version,
        state=JobState(row.state),
        attempts=row.attempts,
        worker=row.worker,
        cancel_requested=row.cancel_requested,
        created_at=created,
        started_at=aware(row.started_at),
        finished_at=aware(row.finished_at),
        options=row.options,
        plan_status=plan_status,
        error=row.error,
        progress=None if progress is None else JobProgress.model_validate(progress),
    )


def _event(row: JobEventRow) -> JobEvent:
    at = aware(row.at)
    assert at is not None
    return JobEvent(seq=row.seq, at=at, kind=row.kind, data=row.data)


class JobService:
    """Jobs on the configured ledger and broker."""

    def __init__(self, settings: Settings | None = None, *, migrate: bool = True) -> None:
        self.settings = settings or get_settings()
        engine = make_engine(self.settings.effective_database_url)
        if migrate:
            upgrade_database(engine)
        self.ledger = Ledger(engine)
        self.celery = make_celery(self.settings)
        self.publisher = make_publisher(self.settings.redis_url)

    def close(self) -> None:
        """Release connections."""
        self.ledger.engine.dispose()
        self.celery.close()

    # ------------------------------------------------------------------ commands
    def submit_job(
        self,
        tenant: str,
        kind: str,
        portfolio: Portfolio,
        options: SolveOptions | None = None,
        *,
        send_later: Callable[[Callable[[], None]], None] | None = None,
        portfolio_id: str | None = None,
        portfolio_version: int | None = None,
        max_in_flight: int | None = None,
    ) -> JobView:
        """Validate, write the job (queued), send its id; return it.

        ``send_later``, when given, is handed the send instead of it running now: the
        HTTP API sends after its 202 is out. The job is safe in the ledger either way; a
        send that never happens is made up by the recovery sweep.

        ``portfolio_id`` and ``portfolio_version`` name the stored portfolio that
        ``portfolio`` is (None for an inline portfolio); the job records them.

        ``max_in_flight`` limits the tenant's queued and running jobs, counted in the
        transaction that writes the job (see :meth:`Ledger.create_job`).

        Raises
        ------
        workers.ledger.TooManyJobsError
            The tenant already has ``max_in_flight`` jobs queued or running.
        workers.kinds.UnsupportedKindError
            The kind is unknown or not implemented.
        models.validation.PortfolioError
            The portfolio breaks a rule (every issue is listed).
        ValueError
            The solve time limit is above the configured maximum.
        """
        if (portfolio_id is None) != (portfolio_version is None):
            raise TypeError("give both portfolio_id and portfolio_version, or neither")
        if kind == BATCH_KIND:
            raise UnsupportedKindError("batch jobs are submitted with submit_batch")
        check_kind(kind)
        options = options or SolveOptions()
        if options.time_limit_s > self.settings.max_solve_time_s:
            raise ValueError(
                f"time_limit_s {options.time_limit_s:g} is above the maximum of "
                f"{self.settings.max_solve_time_s:g} s"
            )
        validation = validate_portfolio(portfolio)
        if validation.portfolio is None:
            raise PortfolioError(validation.issues)
        job = self.ledger.create_job(
            tenant=tenant,
            kind=kind,
            queue=self.settings.long_queue,
            input_data=input_snapshot(validation.portfolio),
            options=options.model_dump(mode="json"),
            portfolio_id=portfolio_id,
            portfolio_version=portfolio_version,
            max_in_flight=max_in_flight,
        )
        if send_later is None:
            self._send(job)
        else:
            send_later(functools.partial(self._send, job))
        return _view(job)

    def submit_batch(self, tenant: str, items: list[BatchItem]) -> JobView:
        """Submit a parent job with one ``schedule`` child per item; return the parent.

        The children run in parallel on the workers; the parent ends when all of them
        have ended, with a :class:`~workers.fanout.BatchResult` (see
        :meth:`get_batch_result`).
        """
        if not items:
            raise ValueError("a batch needs at least one item")
        children = []
        for number, item in enumerate(items):
            if item.options.time_limit_s > self.settings.max_solve_time_s:
                raise ValueError(
                    f"items[{number}].options.time_limit_s {item.options.time_limit_s:g} is "
                    f"above the maximum of {self.settings.max_solve_time_s:g} s"
                )
            validation = validate_portfolio(item.portfolio)
            if validation.portfolio is None:
                raise PortfolioError(validation.issues)
            children.append(
                (
                    item.label,
                    "schedule",
                    input_snapshot(validation.portfolio),
                    item.options.model_dump(mode="json"),
                )
            )
        parent, rows = self.ledger.create_batch(
            tenant=tenant,
            kind=BATCH_KIND,
            queue=self.settings.short_queue,
            child_queue=self.settings.long_queue,
            children=children,
            options={"time_limit_s": max(item.options.time_limit_s for item in items)},
        )
        for row in rows:
            self._send(row)
        return _view(parent)

    def get_batch_result(self, tenant: str, job_id: str) -> BatchResult | None:
        """The gathered result of a batch job once it has ended, else None."""
        job = self.ledger.get(job_id, tenant)
        if job is None or job.kind != BATCH_KIND or job.result is None:
            return None
        return BatchResult.model_validate(job.result)

    def _send(self, job: JobRow) -> None:
        try:
            send_run_job(
                self.celery,
                job.id,
                job.queue,
                float(job.options["time_limit_s"]),
                self.settings.time_limit_margin_s,
            )
        except (kombu.exceptions.OperationalError, OSError) as error:
            # The job is safe in the ledger; the recovery sweep sends it when the broker
            # is back.
            log.warning("broker unreachable, job %s stays queued: %s", job.id, error)
            self.ledger.add_event(job.id, "state", {"state": "queued", "broker": str(error)})

    def cancel_job(self, tenant: str, job_id: str) -> JobView | None:
        """Cancel: a queued job ends at once, a running one stops within about a second."""
        job = self.ledger.request_cancel(job_id, tenant)
        if job is None:
            return None
        # A batch whose children were all still queued is complete now.
        parent_id = job.id if job.kind == BATCH_KIND else job.parent_id
        if parent_id is not None and gather(self.ledger, parent_id):
            job = self.ledger.get(job_id, tenant) or job
        self.publisher.publish(job_id, {"kind": "cancel_requested", "data": {}})
        return _view(job)

    # ------------------------------------------------------------------ reads
    def get_job(self, tenant: str, job_id: str) -> JobView | None:
        """The job with its latest progress, or None (unknown or another tenant's)."""
        row = self.ledger.status(job_id, tenant)
        return None if row is None else _status_view(row)

    def list_jobs(
        self,
        tenant: str,
        *,
        state: JobState | str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> JobPage:
        """A page of the tenant's jobs, newest first."""
        rows, total = self.ledger.list_jobs(
            tenant,
            state=None if state is None else JobState(state).value,
            kind=kind,
            limit=limit,
            offset=offset,
        )
        return JobPage(items=[_view(row) for row in rows], total=total)

    def get_result(self, tenant: str, job_id: str) -> Plan | None:
        """The job's plan (also a cancelled job's best plan so far), or None.

        A batch job has no plan: see :meth:`get_batch_result`.
        """
        job = self.ledger.get(job_id, tenant)
        if job is None or job.result is None or job.kind == BATCH_KIND:
            return None
        return Plan.model_validate(job.result)

    def get_input(self, tenant: str, job_id: str) -> Portfolio | None:
        """The portfolio snapshot the job was submitted with (None for a batch)."""
        job = self.ledger.get(job_id, tenant)
        if job is None or job.kind == BATCH_KIND:
            return None
        return Portfolio.model_validate(job.input["portfolio"])

    def events_after(self, tenant: str, job_id: str, after_seq: int = 0) -> list[JobEvent] | None:
        """The job's events after ``after_seq``; None if the job is not the tenant's."""
        if self.ledger.get(job_id, tenant) is None:
            return None
        return [_event(row) for row in self.ledger.events_after(job_id, after_seq)]

    def wait_for_events(
        self, tenant: str, job_id: str, after_seq: int = 0, timeout_s: float = 15.0
    ) -> list[JobEvent] | None:
        """Events after ``after_seq``, waiting up to ``timeout_s`` for the first one.

        Returns an empty list on timeout or once the job is final with nothing new (for
        SSE: send a keep-alive or close). Uses Redis pub/sub when configured, otherwise
        polls the ledger every ``event_poll_s``.
        """
        events = self.events_after(tenant, job_id, after_seq)
        if events is None or events:
            return events
        deadline = time.monotonic() + timeout_s
        if self.settings.redis_url:
            try:
                return self._wait_pubsub(tenant, job_id, after_seq, deadline)
            except redis.RedisError as error:
                log.warning("pub/sub unavailable, polling: %s", error)
        while time.monotonic() < deadline:
            job = self.ledger.get(job_id, tenant)
            events = self.events_after(tenant, job_id, after_seq)
            if events or job is None or JobState(job.state) in FINAL_STATES:
                return events or []
            time.sleep(self.settings.event_poll_s)
        return []

    def _wait_pubsub(
        self, tenant: str, job_id: str, after_seq: int, deadline: float
    ) -> list[JobEvent] | None:
        assert self.settings.redis_url is not None
        client = redis.Redis.from_url(self.settings.redis_url, socket_timeout=5)
        pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(channel_name(job_id))
            while True:
                # Read the ledger after subscribing, so no event falls in between.
                events = self.events_after(tenant, job_id, after_seq)
                job = self.ledger.get(job_id, tenant)
                if events or job is None or JobState(job.state) in FINAL_STATES:
                    return events or []
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return []
                message = pubsub.get_message(timeout=min(remaining, 1.0))
                if message is not None:
                    json.loads(message["data"])  # any message: re-read the ledger
        finally:
            pubsub.close()
            client.close()

    def wait_for_job(
        self, tenant: str, job_id: str, timeout_s: float | None = None
    ) -> JobView | None:
        """Wait until the job is final (or ``timeout_s`` passes) and return it."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        seq = 0
        while True:
            job = self.get_job(tenant, job_id)
            if job is None or job.final:
                return job
            remaining = 15.0 if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                return job
            events = self.wait_for_events(tenant, job_id, seq, min(remaining, 15.0))
            if events:
                seq = events[-1].seq


@functools.cache
def default_service() -> JobService:
    """The service for this process's settings (created once)."""
    return JobService()


def _on_default_service(method: Callable[Concatenate[JobService, _P], _R]) -> Callable[_P, _R]:
    """``JobService.<method>`` as a module function that calls it on the default service."""

    def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        return method(default_service(), *args, **kwargs)

    call.__name__ = call.__qualname__ = method.__name__
    call.__doc__ = f":meth:`JobService.{method.__name__}` on the default service."
    signature = inspect.signature(method)
    without_self = list(signature.parameters.values())[1:]
    call.__signature__ = signature.replace(parameters=without_self)  # type: ignore[attr-defined]
    return call


submit_job = _on_default_service(JobService.submit_job)
submit_batch = _on_default_service(JobService.submit_batch)
get_batch_result = _on_default_service(JobService.get_batch_result)
get_job = _on_default_service(JobService.get_job)
list_jobs = _on_default_service(JobService.list_jobs)
cancel_job = _on_default_service(JobService.cancel_job)
get_result = _on_default_service(JobService.get_result)
events_after = _on_default_service(JobService.events_after)
wait_for_events = _on_default_service(JobService.wait_for_events)
