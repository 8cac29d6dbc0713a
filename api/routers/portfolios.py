"""``/v1/portfolios``: portfolios, the input of every solve, stored with versions."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, Field

from api import services
from api.deps import (
    CurrentTenant,
    PortfolioJson,
    PortfolioJsonToCheck,
    PortfolioStoreDep,
    PortfolioUpload,
    count_tasks,
)
from api.openapi import portfolio_request_body
from api.problems import problem_responses
from api.schemas import PortfolioPublic, PortfoliosPublic
from models import Issue, validate_portfolio

router = APIRouter(prefix="/v1/portfolios", tags=["portfolios"])

_BODY_ERRORS = (400, 401, 413, 415, 422, 500, 503)


class ValidationReport(BaseModel):
    """Outcome of validating a portfolio: every problem, each with its path."""

    valid: bool = Field(description="True when the portfolio has no problem at all.")
    tasks: int = Field(ge=0, description="Number of tasks found in the portfolio.")
    issues: list[Issue] = Field(
        description="Every problem, each with the path of the field (e.g. "
        "'projects[0].tasks[3].dependencies[1].task') and a sentence; empty when valid."
    )


@router.post(
    "/validate",
    operation_id="validate_portfolio",
    summary="Validate a portfolio",
    response_model=ValidationReport,
    responses={
        200: {
            "description": "The portfolio was read; `valid` says whether it has problems.",
            "content": {
                "application/json": {
                    "examples": {
                        "valid": {"value": {"valid": True, "tasks": 20, "issues": []}},
                        "invalid": {
                            "value": {
                                "valid": False,
                                "tasks": 20,
                                "issues": [
                                    {
                                        "path": "people[0].skills.pmm",
                                        "message": "unknown skill 'pmm'; did you mean 'pm'?",
                                    }
                                ],
                            }
                        },
                    }
                }
            },
        },
        **problem_responses(*_BODY_ERRORS),
    },
    openapi_extra=portfolio_request_body(
        "The portfolio to validate: any JSON object; what does not fit the Portfolio "
        "schema is reported in `issues`.",
        strict=False,
    ),
)
def validate_portfolio_route(
    _tenant: CurrentTenant, portfolio: PortfolioJsonToCheck
) -> ValidationReport:
    """Check a portfolio without storing it; answer 200 with every problem found.

    A portfolio with problems is still a successful validation: the answer is 200 with
    `valid: false` and the list of issues. Errors are only for requests that are not a
    portfolio document at all: malformed JSON (400), too large (413), not JSON (415),
    not a JSON object or above the task limit (422).
    """
    issues = validate_portfolio(portfolio).issues
    return ValidationReport(valid=not issues, tasks=count_tasks(portfolio), issues=issues)


@router.post(
    "",
    operation_id="create_portfolio",
    summary="Store a new portfolio",
    status_code=201,
    response_model=PortfolioPublic,
    responses={
        201: {
            "headers": {
                "Location": {
                    "description": "URL of the new portfolio.",
                    "schema": {"type": "string"},
                }
            }
        },
        **problem_responses(*_BODY_ERRORS),
    },
    openapi_extra=portfolio_request_body(
        "The portfolio, as JSON or as an uploaded JSON file (form field `file`).",
        upload=True,
    ),
)
def create_portfolio(
    tenant: CurrentTenant, document: PortfolioUpload, store: PortfolioStoreDep, response: Response
) -> PortfolioPublic:
    """Validate and store a portfolio as version 1 (422 with every problem if invalid)."""
    created = services.create_portfolio(store, tenant, document)
    response.headers["Location"] = f"/v1/portfolios/{created.id}"
    return created


@router.get(
    "",
    operation_id="list_portfolios",
    summary="List portfolios",
    response_model=PortfoliosPublic,
    responses=problem_responses(401, 422, 500, 503),
)
def list_portfolios(
    tenant: CurrentTenant,
    store: PortfolioStoreDep,
    limit: Annotated[int, Query(ge=1, le=200, description="Page size.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")] = 0,
) -> PortfoliosPublic:
    """The tenant's portfolios, most recently changed first, without their content."""
    items, total = services.list_portfolios(store, tenant, limit, offset)
    return PortfoliosPublic(items=items, total=total, limit=limit, offset=offset)


@router.get(
    "/{portfolio_id:uuid}",
    operation_id="get_portfolio",
    summary="Read a portfolio",
    response_model=PortfolioPublic,
    responses=problem_responses(401, 404, 422, 500, 503),
)
def get_portfolio(
    tenant: CurrentTenant, portfolio_id: uuid.UUID, store: PortfolioStoreDep
) -> PortfolioPublic:
    """The latest version of a portfolio, with its content."""
    return services.read_portfolio(store, tenant, str(portfolio_id))


@router.get(
    "/{portfolio_id:uuid}/versions/{version}",
    operation_id="get_portfolio_version",
    summary="Read one version of a portfolio",
    response_model=PortfolioPublic,
    responses=problem_responses(401, 404, 422, 500, 503),
)
def get_portfolio_version(
    tenant: CurrentTenant,
    portfolio_id: uuid.UUID,
    version: Annotated[int, Path(ge=1, le=1_000_000, description="Version number.")],
    store: PortfolioStoreDep,
) -> PortfolioPublic:
    """A stored version (1 is the content at creation; each replace adds one)."""
    return services.read_portfolio_version(store, tenant, str(portfolio_id), version)


@router.put(
    "/{portfolio_id:uuid}",
    operation_id="replace_portfolio",
    summary="Replace a portfolio",
    response_model=PortfolioPublic,
    responses=problem_responses(*_BODY_ERRORS, 404),
    openapi_extra=portfolio_request_body("The new content of the portfolio."),
)
def replace_portfolio(
    tenant: CurrentTenant,
    portfolio_id: uuid.UUID,
    document: PortfolioJson,
    store: PortfolioStoreDep,
) -> PortfolioPublic:
    """Validate and store the new content as the next version (the old ones are kept)."""
    return services.replace_portfolio(store, tenant, str(portfolio_id), document)


@router.delete(
    "/{portfolio_id:uuid}",
    operation_id="delete_portfolio",
    summary="Delete a portfolio",
    status_code=204,
    response_class=Response,
    responses=problem_responses(401, 404, 422, 500, 503),
)
def delete_portfolio(
    tenant: CurrentTenant, portfolio_id: uuid.UUID, store: PortfolioStoreDep
) -> Response:
    """Delete a portfolio and all its versions (jobs keep their own snapshot)."""
    services.delete_portfolio(store, tenant, str(portfolio_id))
    return Response(status_code=204)
