"""``/v1/jobs`` and ``/v1/solve``: submit, follow, fetch and cancel solves."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, Header, Query, Response
from fastapi.responses import JSONResponse, StreamingResponse

from api import services
from api.deps import CurrentTenant, JobRequest, JobsDep, PortfolioStoreDep, SettingsDep
from api.openapi import job_request_body
from api.problems import problem_responses
from models import Plan
from workers.db import JobState
from workers.service import JobPage, JobView

router = APIRouter(prefix="/v1", tags=["jobs"])

_LOCATION = {"Location": {"description": "URL of the job.", "schema": {"type": "string"}}}
_SUBMIT_ERRORS = (400, 401, 404, 413, 415, 422, 429, 500, 503)


@router.post(
    "/jobs",
    operation_id="submit_job",
    summary="Submit a job",
    status_code=202,
    response_model=JobView,
    responses={202: {"headers": _LOCATION}, **problem_responses(*_SUBMIT_ERRORS)},
    openapi_extra=job_request_body("The job: kind, inline portfolio or stored id, options."),
)
def submit_job(
    tenant: CurrentTenant,
    request: JobRequest,
    jobs: JobsDep,
    store: PortfolioStoreDep,
    settings: SettingsDep,
    response: Response,
    background: BackgroundTasks,
) -> JobView:
    """Validate and queue a job; answer 202 at once with the job and its Location."""
    # The job is stored before the 202; its message to the broker leaves right after.
    job = services.submit_job(jobs, store, settings, tenant, request, background.add_task)
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return job


@router.get(
    "/jobs",
    operation_id="list_jobs",
    summary="List jobs",
    response_model=JobPage,
    responses=problem_responses(401, 422, 500, 503),
)
def list_jobs(
    tenant: CurrentTenant,
    jobs: JobsDep,
    state: Annotated[JobState | None, Query(description="Only jobs in this state.")] = None,
    kind: Annotated[str | None, Query(max_length=32, description="Only jobs of this kind.")] = None,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")] = 0,
) -> JobPage:
    """The tenant's jobs, newest first, with the total for the filters."""
    return jobs.list_jobs(tenant, state=state, kind=kind, limit=limit, offset=offset)


@router.get(
    "/jobs/{job_id:uuid}",
    operation_id="get_job",
    summary="Read a job",
    response_model=JobView,
    responses=problem_responses(401, 404, 422, 500, 503),
)
def get_job(tenant: CurrentTenant, job_id: uuid.UUID, jobs: JobsDep) -> JobView:
    """State of the job and its latest progress report."""
    return services.read_job(jobs, tenant, str(job_id))


@router.delete(
    "/jobs/{job_id:uuid}",
    operation_id="cancel_job",
    summary="Cancel a job",
    response_model=JobView,
    responses=problem_responses(401, 404, 422, 500, 503),
)
def cancel_job(tenant: CurrentTenant, job_id: uuid.UUID, jobs: JobsDep) -> JobView:
    """Cancel: a queued job ends at once; a running one stops within about a second and
    keeps its best plan so far. A finished job is returned unchanged."""
    return services.cancel_job(jobs, tenant, str(job_id))


@router.get(
    "/jobs/{job_id:uuid}/result",
    operation_id="get_job_result",
    summary="Fetch the plan of a job",
    response_model=Plan,
    responses=problem_responses(401, 404, 422, 500, 503),
)
def get_job_result(tenant: CurrentTenant, job_id: uuid.UUID, jobs: JobsDep) -> Plan:
    """The checked plan; 404 until there is one (or if the job ended without one)."""
    return services.read_result(jobs, tenant, str(job_id))


@router.get(
    "/jobs/{job_id:uuid}/events",
    operation_id="stream_job_events",
    summary="Stream the progress of a job (SSE)",
    response_class=StreamingResponse,
    responses={
        200: {
            "description": "A `text/event-stream` of the job's events until it ends: each "
            "with `id` (sequence number), `event` (state, progress or cancel_requested) and "
            "`data` (the event as JSON: seq, at, kind, data).",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        **problem_responses(401, 404, 422, 500, 503),
    },
)
def stream_job_events(
    tenant: CurrentTenant,
    job_id: uuid.UUID,
    jobs: JobsDep,
    settings: SettingsDep,
    last_event_id: Annotated[
        int,
        Header(
            ge=0,
            le=2_147_483_647,
            description="Resume after this event (sent by EventSource on reconnect).",
        ),
    ] = 0,
) -> StreamingResponse:
    """Server-sent events from the job's first event (or after Last-Event-ID) to its end."""
    services.check_stream(jobs, tenant, str(job_id))
    stream = services.event_stream(
        jobs, tenant, str(job_id), last_event_id, settings.sse_keepalive_s
    )
    return StreamingResponse(
        stream,
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.post(
    "/solve",
    operation_id="solve",
    summary="Submit a job and wait for its plan",
    response_model=Plan,
    responses={
        200: {"description": "The job ended with a plan within the wait."},
        202: {
            "description": "No plan within the wait (still running, or failed: see `state` "
            "and `error`); follow the job at Location.",
            "headers": _LOCATION,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/JobView"}}},
        },
        **problem_responses(*_SUBMIT_ERRORS),
    },
    openapi_extra=job_request_body("The job: kind, inline portfolio or stored id, options."),
)
def solve(
    tenant: CurrentTenant,
    request: JobRequest,
    jobs: JobsDep,
    store: PortfolioStoreDep,
    settings: SettingsDep,
    wait: Annotated[
        float,
        Query(
            ge=0,
            le=3600,
            description="Seconds to wait for the plan; the server waits at most its "
            "configured maximum (OPTIPLAN_MAX_WAIT_S, 60 s by default).",
        ),
    ] = 30.0,
) -> Any:
    """Submit, then wait up to `wait` seconds: 200 with the plan, else 202 with the job."""
    job, plan = services.solve_and_wait(jobs, store, settings, tenant, request, wait)
    if plan is not None:
        return plan
    return JSONResponse(
        job.model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"}
    )
