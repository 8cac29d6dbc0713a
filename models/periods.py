"""Budget periods: parse labels such as '2026-Q3' into date ranges."""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date

_YEAR = re.compile(r"^(\d{4})$")
_FISCAL_YEAR = re.compile(r"^FY(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
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
    fiscal_year_start_month
        Month in which a fiscal year starts; 1 makes FY2026 the calendar year 2026.

    Raises
    ------
    ValueError
        With a sentence saying which forms are accepted.
    """
    text = label.strip()
    try:
        if match := _YEAR.match(text):
            year = int(match[1])
            return date(year, 1, 1), date(year, 12, 31)
        if match := _FISCAL_YEAR.match(text):
            year = int(match[1])
            if fiscal_year_start_month == 1:
                return date(year, 1, 1), date(year, 12, 31)
            start = date(year - 1, fiscal_year_start_month, 1)
            return start, _month_end(year, fiscal_year_start_month - 1)
        if match := _QUARTER.match(text):
            year, quarter = int(match[1]), int(match[2])
            first_month = 3 * (quarter - 1) + 1
            return date(year, first_month, 1), _month_end(year, first_month + 2)
        if match := _MONTH.match(text):
            year, month = int(match[1]), int(match[2])
            return date(year, month, 1), _month_end(year, month)
        if match := _RANGE.match(text):
            first, last = date.fromisoformat(match[1]), date.fromisoformat(match[2])
            if last < first:
                raise ValueError(f"period '{label}' ends before it starts")
            return first, last
    except ValueError as error:
        if "ends before" in str(error):
            raise
        raise ValueError(f"period '{label}' is not a valid date: {error}") from None
    raise ValueError(f"period '{label}' does not parse; use {PERIOD_FORMS}")
