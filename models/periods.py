"""Budget periods: parse labels such as '2026-Q3' into date ranges."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date

_YEAR = re.compile(r"^(\d{4})$")
_FISCAL_YEAR = re.compile(r"^FY(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q(\d)$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})/(\d{4}-\d{2}-\d{2})$")

PERIOD_FORMS = "'2026', 'FY2026', '2026-Q3', '2026-03' or '2026-01-15/2026-02-14'"


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def parse_period(label: str, fiscal_year_start_month: int = 1) -> tuple[date, date]:
    """Return the first and last date (inclusive) of a budget period label.

    Parameters
    ----------
    label
        ``YYYY`` (calendar year), ``FYYYYY`` (the fiscal year that ends in YYYY),
        ``YYYY-Qn``, ``YYYY-MM`` or an explicit range ``YYYY-MM-DD/YYYY-MM-DD``.
        Letters may be lower case and surrounding spaces are ignored.
    fiscal_year_start_month
        Month in which a fiscal year starts; 1 makes FY2026 the calendar year 2026,
        4 makes it 2025-04-01 to 2026-03-31.

    Raises
    ------
    ValueError
        With a sentence naming the label and saying what is wrong or which forms parse.
    """
    if not 1 <= fiscal_year_start_month <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1 to 12, got {fiscal_year_start_month}")
    text = label.strip().upper()
    if match := _YEAR.match(text):
        year = _year(label, match[1])
        return date(year, 1, 1), date(year, 12, 31)
    if match := _FISCAL_YEAR.match(text):
        year = _year(label, match[1])
        if fiscal_year_start_month == 1:
            return date(year, 1, 1), date(year, 12, 31)
        if year < 2:
            raise ValueError(f"period '{label}' has no valid year")
        start = date(year - 1, fiscal_year_start_month, 1)
        return start, _month_end(year, fiscal_year_start_month - 1)
    if match := _QUARTER.match(text):
        year, quarter = _year(label, match[1]), int(match[2])
        if not 1 <= quarter <= 4:
            raise ValueError(f"period '{label}' has no quarter {quarter}; quarters are Q1 to Q4")
        first_month = 3 * (quarter - 1) + 1
        return date(year, first_month, 1), _month_end(year, first_month + 2)
    if match := _MONTH.match(text):
        year, month = _year(label, match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise ValueError(f"period '{label}' has no month {month}")
        return date(year, month, 1), _month_end(year, month)
    if match := _RANGE.match(text):
        first, last = _iso(label, match[1]), _iso(label, match[2])
        if last < first:
            raise ValueError(f"period '{label}' ends before it starts")
        return first, last
    raise ValueError(f"period '{label}' does not parse; use {PERIOD_FORMS}")


def _year(label: str, digits: str) -> int:
    year = int(digits)
    if year < 1:
        raise ValueError(f"period '{label}' has no valid year")
    return year


def _iso(label: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"period '{label}': {text} is not a valid date") from None
