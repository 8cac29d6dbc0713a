"""Shared building blocks of the domain types: the strict base model and checked scalars."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

#: Dates before or after these are almost certainly typos (2206 for 2026, 1926 ...).
EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2099, 12, 31)


def _check_date_range(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(
            f"date {value.isoformat()} is outside the supported range "
            f"{EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()}"
        )
    return value


#: An ISO date within the supported range.
Day = Annotated[date, AfterValidator(_check_date_range)]

#: An identifier chosen by the user: non-empty, no surrounding spaces.
Identifier = Annotated[
    str,
    Field(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$"),
]


def _check_cents(value: float) -> float:
    # Plans count money in whole cents (docs/rules.md): a finer amount could not be
    # planned and checked to the same figure, so it is refused rather than rounded.
    if abs(value * 100 - round(value * 100)) > 1e-6:
        raise ValueError(f"amount must be in whole cents (at most 2 decimals), got {value!r}")
    return value


#: A non-negative amount of money in the portfolio currency, in whole cents.
Money = Annotated[float, Field(ge=0, allow_inf_nan=False), AfterValidator(_check_cents)]


class DomainModel(BaseModel):
    """Base of every domain type: unknown fields are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=False)
