"""``/v1/portfolios``: portfolios, the input of every solve."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import PortfolioJson, count_tasks
from api.openapi import portfolio_request_body
from api.problems import problem_responses
from models import Issue, validate_portfolio

router = APIRouter(prefix="/v1/portfolios", tags=["portfolios"])


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
        **problem_responses(400, 413, 415, 422, 500),
    },
    openapi_extra=portfolio_request_body(
        "The portfolio to validate: any JSON object; what does not fit the Portfolio "
        "schema is reported in `issues`.",
        strict=False,
    ),
)
def validate_portfolio_route(portfolio: PortfolioJson) -> ValidationReport:
    """Check a portfolio without storing it; answer 200 with every problem found.

    A portfolio with problems is still a successful validation: the answer is 200 with
    `valid: false` and the list of issues. Errors are only for requests that are not a
    portfolio document at all: malformed JSON (400), too large (413), not JSON (415),
    not a JSON object or above the task limit (422).
    """
    issues = validate_portfolio(portfolio).issues
    return ValidationReport(valid=not issues, tasks=count_tasks(portfolio), issues=issues)
