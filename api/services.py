"""What the routes do, apart from HTTP: validate, store, submit, read.

Each function takes the tenant and raises :class:`api.problems.ApiError` for the
answers that are not a success (404 for anything that is not the tenant's, 422 for a
bad portfolio, 429 beyond the jobs-in-flight limit). Nothing here solves: jobs go to
the workers through :class:`workers.service.JobService`.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from pydantic import ValidationError
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from api.problems import ApiError, field_error, invalid_request
from api.schemas import CheckedJobCreate, JobCreate, PortfolioPublic, PortfolioSummary
from api.settings import ApiSettings
from api.store import PortfolioStore, StoredPortfolio, seconds_until_a_slot
from models import Issue, Plan, Portfolio, validate_portfolio
from models.validation import PortfolioError
from workers.db import FINAL_STATES
from workers.kinds import UnsupportedKindError
from workers.ledger import TooManyJobsError
from workers.service import JobEvent, JobService, JobView


def _sentence(message: str) -> str:
    """``message`` with a capital first letter and a full stop (the rest untouched)."""
    return message[:1].upper() + message[1:] + ("" if message.endswith(".") else ".")


def invalid_portfolio(issues: list[Issue], prefix: str = "") -> ApiError:
    """The 422 problem listing every issue of a portfolio, paths under ``prefix``."""
    errors = [
        field_error(
            f"{prefix}.{issue.path}" if prefix and issue.path else prefix or issue.path,
            issue.message,
        )
        for issue in issues
    ]
    count = "1 problem" if len(issues) == 1 else f"{len(issues)} problems"
    return ApiError(
        422,
        f"The portfolio has {count}.",
        kind="invalid-portfolio",
        title="Invalid portfolio",
        errors=errors,
    )


def checked_portfolio(document: dict[str, Any], prefix: str = "") -> Portfolio:
    """The valid portfolio of ``document``, or a 422 problem with every issue."""
    result = validate_portfolio(document)
    if result.portfolio is None:
        raise invalid_portfolio(result.issues, prefix)
    return result.portfolio


def normalised(portfolio: Portfolio) -> dict[str, Any]:
    """The portfolio as it is stored and shown: every field in its canonical JSON form."""
    return portfolio.model_dump(mode="json", exclude_none=True)


# ----------------------------------------------------------------------------- portfolios
def _public(stored: StoredPortfolio) -> PortfolioPublic:
    assert stored.document is not None
    return PortfolioPublic.model_validate({**_summary_fields(stored), "portfolio": stored.document})


def _summary_fields(stored: StoredPortfolio) -> dict[str, Any]:
    return {
        "id": stored.id,
        "name": stored.name,
        "version": stored.version,
        "tasks": stored.tasks,
        "created_at": stored.created_at,
        "updated_at": stored.updated_at,
    }


def portfolio_not_found(portfolio_id: object) -> ApiError:
    """The 404 problem of a portfolio that is not the tenant's (or does not exist)."""
    return ApiError(404, f"There is no portfolio {portfolio_id}.", kind="not-found")


def create_portfolio(
    store: PortfolioStore, tenant: str, document: dict[str, Any]
) -> PortfolioPublic:
    """Validate and store a new portfolio (version 1)."""
    return _public(store.create(tenant, normalised(checked_portfolio(document))))


def read_portfolio(store: PortfolioStore, tenant: str, portfolio_id: str) -> PortfolioPublic:
    """The latest version of the tenant's portfolio."""
    stored = store.get(tenant, portfolio_id)
    if stored is None:
        raise portfolio_not_found(portfolio_id)
    return _public(stored)


def read_portfolio_version(
    store: PortfolioStore, tenant: str, portfolio_id: str, version: int
) -> PortfolioPublic:
    """One stored version of the tenant's portfolio."""
    stored = store.get_version(tenant, portfolio_id, version)
    if stored is None:
        if store.get(tenant, portfolio_id) is None:
            raise portfolio_not_found(portfolio_id)
        raise ApiError(404, f"Portfolio {portfolio_id} has no version {version}.", kind="not-found")
    return _public(stored)


def replace_portfolio(
    store: PortfolioStore, tenant: str, portfolio_id: str, document: dict[str, Any]
) -> PortfolioPublic:
    """Validate and store ``document`` as the next version."""
    if store.get(tenant, portfolio_id) is None:
        raise portfolio_not_found(portfolio_id)
    stored = store.replace(tenant, portfolio_id, normalised(checked_portfolio(document)))
    if stored is None:  # deleted meanwhile
        raise portfolio_not_found(portfolio_id)
    return _public(stored)


def delete_portfolio(store: PortfolioStore, tenant: str, portfolio_id: str) -> None:
    """Delete the tenant's portfolio and every version of it."""
    if not store.delete(tenant, portfolio_id):
        raise portfolio_not_found(portfolio_id)


def list_portfolios(
    store: PortfolioStore, tenant: str, limit: int, offset: int
) -> tuple[list[PortfolioSummary], int]:
    """A page of the tenant's portfolios and their total."""
    rows, total = store.list(tenant, limit=limit, offset=offset)
    return [PortfolioSummary.model_validate(_summary_fields(row)) for row in rows], total


# ----------------------------------------------------------------------------- jobs
def job_not_found(job_id: object) -> ApiError:
    """The 404 problem of a job that is not the tenant's (or does not exist)."""
    return ApiError(404, f"There is no job {job_id}.", kind="not-found")


def _parsed_portfolio(document: dict[str, Any]) -> Portfolio:
    """The portfolio's fields checked (pydantic only); the rules that span objects run
    once, in ``JobService.submit_job``. On a field error, every issue is reported."""
    try:
        return Portfolio.model_validate(document)
    except ValidationError:
        return checked_portfolio(document, prefix="portfolio")


def _job_portfolio(
    store: PortfolioStore, tenant: str, request: JobCreate | CheckedJobCreate
) -> tuple[Portfolio, StoredPortfolio | None]:
    """The portfolio the job solves and, if it is a stored one, where it came from."""
    if (request.portfolio is None) == (request.portfolio_id is None):
        raise invalid_request(
            "Give exactly one of 'portfolio' and 'portfolio_id'.",
            "portfolio",
            "give exactly one of portfolio and portfolio_id",
        )
    if isinstance(request.portfolio, Portfolio):  # fields validated with the request
        return request.portfolio, None
    if request.portfolio is not None:
        return _parsed_portfolio(request.portfolio), None
    # One read: the document and its version number come from the same row.
    stored = store.get(tenant, str(request.portfolio_id))
    if stored is None or stored.document is None:
        raise portfolio_not_found(request.portfolio_id)
    return _parsed_portfolio(stored.document), stored


def _too_many_jobs(jobs: JobService, refused: TooManyJobsError) -> ApiError:
    """The 429 problem of a job refused at the tenant's jobs-in-flight limit."""
    first_end_s = seconds_until_a_slot(jobs.ledger.engine, refused.tenant)
    retry_after = max(1, math.ceil(first_end_s)) if first_end_s is not None else 5
    return ApiError(
        429,
        f"This tenant has {refused.in_flight} jobs queued or running; the limit is "
        f"{refused.limit}. Retry after {retry_after} s or cancel a job.",
        kind="too-many-jobs",
        title="Too many jobs in flight",
        headers={"Retry-After": str(retry_after)},
    )


def submit_job(
    jobs: JobService,
    store: PortfolioStore,
    settings: ApiSettings,
    tenant: str,
    request: JobCreate | CheckedJobCreate,
    send_later: Callable[[Callable[[], None]], None] | None = None,
) -> JobView:
    """Check the request, then queue the job within the tenant's jobs-in-flight limit
    (counted in the transaction that writes the job); its message goes to the broker
    now, or through ``send_later``."""
    portfolio, stored = _job_portfolio(store, tenant, request)
    try:
        return jobs.submit_job(
            tenant,
            request.kind,
            portfolio,
            request.options,
            send_later=send_later,
            portfolio_id=None if stored is None else stored.id,
            portfolio_version=None if stored is None else stored.version,
            max_in_flight=settings.max_jobs_in_flight,
        )
    except TooManyJobsError as refused:
        raise _too_many_jobs(jobs, refused) from None
    except UnsupportedKindError as error:
        raise invalid_request(_sentence(str(error)), "kind", str(error)) from None
    except PortfolioError as error:
        raise invalid_portfolio(error.issues, "portfolio") from None
    except ValueError as error:  # the solve time limit is above the configured maximum
        raise invalid_request(_sentence(str(error)), "options.time_limit_s", str(error)) from None


def read_job(jobs: JobService, tenant: str, job_id: str) -> JobView:
    """The tenant's job with its latest progress."""
    job = jobs.get_job(tenant, job_id)
    if job is None:
        raise job_not_found(job_id)
    return job


def cancel_job(jobs: JobService, tenant: str, job_id: str) -> JobView:
    """Cancel the tenant's job (a finished job is returned as it is)."""
    job = jobs.cancel_job(tenant, job_id)
    if job is None:
        raise job_not_found(job_id)
    return job


def read_result(jobs: JobService, tenant: str, job_id: str) -> Plan:
    """The plan of the tenant's job; 404 until there is one."""
    plan = jobs.get_result(tenant, job_id)
    if plan is not None:
        return plan
    job = jobs.get_job(tenant, job_id)
    if job is None:
        raise job_not_found(job_id)
    detail = f"Job {job_id} has no plan"
    detail += f" (state {job.state.value})." if job.final else f" yet (state {job.state.value})."
    raise ApiError(404, detail, kind="no-result", title="No result")


def solve_and_wait(
    jobs: JobService,
    store: PortfolioStore,
    settings: ApiSettings,
    tenant: str,
    request: JobCreate | CheckedJobCreate,
    wait_s: float,
) -> tuple[JobView, Plan | None]:
    """Submit, wait up to ``wait_s`` (at most the configured maximum) for the job to end;
    return the job and its plan if there is one."""
    job = submit_job(jobs, store, settings, tenant, request)
    timeout_s = min(wait_s, settings.max_wait_s)
    waited = jobs.wait_for_job(tenant, job.id, timeout_s=timeout_s) or job
    plan = jobs.get_result(tenant, job.id) if waited.final else None
    return waited, plan


def _sse(event: JobEvent) -> str:
    data = json.dumps(event.model_dump(mode="json"), separators=(",", ":"))
    return f"id: {event.seq}\nevent: {event.kind}\ndata: {data}\n\n"


def _ends_job(event: JobEvent) -> bool:
    return event.kind == "state" and event.data.get("state") in _FINAL_STATE_NAMES


_FINAL_STATE_NAMES = frozenset(state.value for state in FINAL_STATES)


async def event_stream(
    jobs: JobService,
    tenant: str,
    job_id: str,
    after_seq: int,
    keepalive_s: float,
    poll_s: float = 0.25,
) -> AsyncIterator[str]:
    """Server-sent events of the job after ``after_seq`` until it ends.

    Each event carries ``id`` (its sequence number, for ``Last-Event-ID``), ``event``
    (state, progress or cancel_requested) and the event as JSON in ``data``; quiet
    stretches get a ``: keep-alive`` comment every ``keepalive_s``.

    The ledger is polled every ``poll_s`` with short queries in the threadpool, and the
    stream waits on the event loop in between: an open stream holds no thread, so many
    listeners cannot starve the other routes of the threadpool.
    """
    seq = after_seq
    checked_at: float | None = None
    while True:
        events = await run_in_threadpool(jobs.events_after, tenant, job_id, seq)
        if events is None:  # the job vanished
            return
        for event in events:
            seq = event.seq
            yield _sse(event)
        if any(_ends_job(event) for event in events):
            return
        now = time.monotonic()
        if not events and (checked_at is None or now - checked_at >= keepalive_s):
            job = await run_in_threadpool(jobs.get_job, tenant, job_id)
            if job is None or job.final:  # ended before after_seq
                return
            if checked_at is not None:
                yield ": keep-alive\n\n"
            checked_at = now
        elif events:
            checked_at = now
        await asyncio.sleep(poll_s)


def check_stream(jobs: JobService, tenant: str, job_id: str) -> None:
    """404 unless the job is the tenant's (checked before a stream starts)."""
    if jobs.get_job(tenant, job_id) is None:
        raise job_not_found(job_id)


def readiness(jobs: JobService) -> None:
    """Raise a 503 problem unless the database and the broker answer."""
    failures = []
    started = time.monotonic()
    try:
        with jobs.ledger.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means "not ready"
        failures.append(f"database: {type(error).__name__}")
    try:
        with jobs.celery.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=2)
    except Exception as error:  # any failure means "not ready"
        failures.append(f"broker: {type(error).__name__}")
    if failures:
        raise ApiError(
            503,
            f"Not ready ({'; '.join(failures)}), checked in {time.monotonic() - started:.1f} s.",
            kind="not-ready",
            title="Not ready",
        )
