"""Budget period labels: every accepted form and the error message for each mistake."""

from __future__ import annotations

from datetime import date

import pytest

from models import parse_period
from models.periods import PERIOD_FORMS


def d(text: str) -> date:
    """ISO date."""
    return date.fromisoformat(text)


def test_calendar_year() -> None:
    """'2026' is the calendar year, whatever the fiscal year start."""
    assert parse_period("2026") == (d("2026-01-01"), d("2026-12-31"))
    assert parse_period("2026", fiscal_year_start_month=4) == (d("2026-01-01"), d("2026-12-31"))


def test_fiscal_year_starting_in_january_is_the_calendar_year() -> None:
    """With the default start month FY2026 is 2026."""
    assert parse_period("FY2026") == (d("2026-01-01"), d("2026-12-31"))


def test_fiscal_year_starting_in_april() -> None:
    """FY2026 from April is 2025-04-01 to 2026-03-31 (it ends in 2026)."""
    assert parse_period("FY2026", fiscal_year_start_month=4) == (
        d("2025-04-01"),
        d("2026-03-31"),
    )
    assert parse_period("FY2027", fiscal_year_start_month=4) == (
        d("2026-04-01"),
        d("2027-03-31"),
    )


def test_fiscal_year_starting_in_march_ends_in_february() -> None:
    """The last day is the end of the month before the start month (a leap year here)."""
    assert parse_period("FY2028", fiscal_year_start_month=3) == (
        d("2027-03-01"),
        d("2028-02-29"),
    )


@pytest.mark.parametrize(
    ("label", "first", "last"),
    [
        ("2026-Q1", "2026-01-01", "2026-03-31"),
        ("2026-Q2", "2026-04-01", "2026-06-30"),
        ("2026-Q3", "2026-07-01", "2026-09-30"),
        ("2026-Q4", "2026-10-01", "2026-12-31"),
    ],
)
def test_quarters(label: str, first: str, last: str) -> None:
    """Quarters are calendar quarters."""
    assert parse_period(label) == (d(first), d(last))


def test_months() -> None:
    """A month runs to its last day, 29 February in a leap year."""
    assert parse_period("2026-03") == (d("2026-03-01"), d("2026-03-31"))
    assert parse_period("2026-02") == (d("2026-02-01"), d("2026-02-28"))
    assert parse_period("2028-02") == (d("2028-02-01"), d("2028-02-29"))
    assert parse_period("2026-12") == (d("2026-12-01"), d("2026-12-31"))


def test_explicit_range() -> None:
    """'first/last' is inclusive; a one-day range is allowed."""
    assert parse_period("2026-01-15/2026-02-14") == (d("2026-01-15"), d("2026-02-14"))
    assert parse_period("2026-05-04/2026-05-04") == (d("2026-05-04"), d("2026-05-04"))


def test_lower_case_and_spaces_are_accepted() -> None:
    """'fy2026', '2026-q3' and surrounding spaces parse like the canonical forms."""
    assert parse_period("fy2026", fiscal_year_start_month=4) == (d("2025-04-01"), d("2026-03-31"))
    assert parse_period(" 2026-q3 ") == (d("2026-07-01"), d("2026-09-30"))


@pytest.mark.parametrize("label", ["Q3 2026", "2026/Q3", "26-03", "2026-3", "FY 2026", "", "next"])
def test_unrecognised_forms_list_the_accepted_ones(label: str) -> None:
    """Anything else names the label and every accepted form."""
    with pytest.raises(ValueError) as caught:
        parse_period(label)
    assert str(caught.value) == f"period '{label}' does not parse; use {PERIOD_FORMS}"
    assert PERIOD_FORMS == "'2026', 'FY2026', '2026-Q3', '2026-03' or '2026-01-15/2026-02-14'"


@pytest.mark.parametrize(
    ("label", "message"),
    [
        ("2026-13", "period '2026-13' has no month 13"),
        ("2026-00", "period '2026-00' has no month 0"),
        ("2026-Q5", "period '2026-Q5' has no quarter 5; quarters are Q1 to Q4"),
        ("2026-Q0", "period '2026-Q0' has no quarter 0; quarters are Q1 to Q4"),
        ("0000", "period '0000' has no valid year"),
        (
            "2026-02-30/2026-03-31",
            "period '2026-02-30/2026-03-31': 2026-02-30 is not a valid date",
        ),
        ("2026-03-31/2026-03-01", "period '2026-03-31/2026-03-01' ends before it starts"),
    ],
)
def test_invalid_values_say_what_is_wrong(label: str, message: str) -> None:
    """A label of the right shape with an impossible value says which part is wrong."""
    with pytest.raises(ValueError) as caught:
        parse_period(label)
    assert str(caught.value) == message


def test_fiscal_year_start_month_out_of_range() -> None:
    """The start month must be a month."""
    with pytest.raises(ValueError) as caught:
        parse_period("FY2026", fiscal_year_start_month=13)
    assert str(caught.value) == "fiscal_year_start_month must be 1 to 12, got 13"
