"""``/v1/health`` (is the process up) and ``/v1/ready`` (can it work)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api import services
from api.deps import CurrentTenant, JobsDep
from api.problems import problem_responses
from api.schemas import Readiness
from api.version import VERSION

router = APIRouter(prefix="/v1", tags=["health"])


class Health(BaseModel):
    """The process answers."""

    status: Literal["ok"] = Field(description="Always 'ok' when the process answers.")
    version: str = Field(description="Version of optiplan.", examples=["0.1.0"])


@router.get(
    "/health",
    operation_id="get_health",
    summary="Is the process up",
    response_model=Health,
    responses=problem_responses(422, 500),
)
def get_health() -> Health:
    """Answer 200 as long as the process runs; needs no API key and touches nothing."""
    return Health(status="ok", version=VERSION)


@router.get(
    "/ready",
    operation_id="get_ready",
    summary="Are the database and the broker reachable",
    response_model=Readiness,
    responses=problem_responses(401, 422, 500, 503),
)
def get_ready(_tenant: CurrentTenant, jobs: JobsDep) -> Readiness:
    """200 when the ledger's database and the broker answer; 503 (a problem) otherwise."""
    services.readiness(jobs)
    return Readiness(status="ready", database="ok", broker="ok")
