"""Request and response bodies of the HTTP API (the domain types are in ``models``)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from models import Portfolio
from workers.local import SolveOptions

#: Marks a schema the OpenAPI builder replaces by a reference to ``Portfolio`` (pydantic
#: cannot reference a schema it does not generate itself).
PORTFOLIO_SCHEMA_MARK = "x-optiplan-portfolio"

#: A portfolio document as the API reads it: parsed JSON, checked by
#: ``models.validate_portfolio`` (so that every problem is reported with its path).
PortfolioDocument = Annotated[
    dict[str, Any], WithJsonSchema({PORTFOLIO_SCHEMA_MARK: True, "type": "object"})
]


class PortfolioSummary(BaseModel):
    """A stored portfolio without its content (in listings)."""

    id: uuid.UUID = Field(description="Id of the stored portfolio.")
    name: str | None = Field(description="The portfolio's `name`, else its `id` field.")
    version: int = Field(ge=1, description="Version number, 1 at creation, +1 per replace.")
    tasks: int = Field(ge=0, description="Number of tasks.")
    created_at: datetime = Field(description="When it was created (UTC).")
    updated_at: datetime = Field(description="When the current version was stored (UTC).")


class PortfolioPublic(PortfolioSummary):
    """A stored portfolio with its content (latest version)."""

    portfolio: PortfolioDocument = Field(
        description="The portfolio in canonical form (every field, none left out as null)."
    )


class PortfoliosPublic(BaseModel):
    """A page of stored portfolios."""

    items: list[PortfolioSummary] = Field(description="Portfolios, most recently changed first.")
    total: int = Field(ge=0, description="The tenant's portfolios in all.")
    limit: int = Field(ge=1, description="Page size asked for.")
    offset: int = Field(ge=0, description="Items skipped.")


class _JobFields(BaseModel):
    """What every job request has besides its portfolio."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(
        "schedule",
        description="What to do: 'schedule' (the others of the design are refused until "
        "they exist).",
        examples=["schedule"],
    )
    portfolio_id: uuid.UUID | None = Field(
        None, description="Id of a stored portfolio (its latest version is used)."
    )
    options: SolveOptions | None = Field(
        None, description="Solve options (time limit, workers, seed, objectives ...)."
    )


class JobCreate(_JobFields):
    """A job to run: its kind, the portfolio (inline or stored) and the solve options."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": [
                {"required": ["portfolio"], "not": {"required": ["portfolio_id"]}},
                {"required": ["portfolio_id"], "not": {"required": ["portfolio"]}},
            ]
        },
    )

    portfolio: PortfolioDocument | None = Field(
        None, description="The portfolio inline; give this or `portfolio_id`."
    )


class CheckedJobCreate(_JobFields):
    """A :class:`JobCreate` whose inline portfolio is already a valid
    :class:`models.Portfolio` (fields only; the rules that span objects run later).

    What ``POST /v1/jobs`` reads a well-formed body into, straight from its bytes: one
    pass of pydantic-core's parser and validators, about half the time of parsing to
    Python objects and validating those. Any body it refuses takes the path of
    :class:`JobCreate`, which reports every problem.
    """

    portfolio: Portfolio | None = None


class Readiness(BaseModel):
    """The servers the service needs answer."""

    status: Literal["ready"] = Field(description="Always 'ready' with 200.")
    database: Literal["ok"] = Field(description="The ledger's database answered.")
    broker: Literal["ok"] = Field(description="The broker answered.")
