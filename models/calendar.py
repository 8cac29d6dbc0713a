"""Working-calendar arithmetic on ISO dates.

The solver's unit of time is the working day of the portfolio calendar. This module is
the one place that turns dates into working-day counts and back; everything else (the
checker, the solver's compile step, the readers) goes through :class:`WorkCalendar`.

Conventions
-----------
* A task of ``d > 0`` working days that starts on working day ``s`` occupies the working
  days ``s, s+1, ..., s+d-1``; its *finish* date is the last of them (inclusive). A task
  of 5 days starting on a Thursday of a Monday-to-Friday calendar finishes on the next
  Wednesday.
* A milestone (0 days) happens at the start of its working day: its start and finish
  are the same date.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from models.portfolio import WorkingCalendar

_GROW_DAYS = 366


class WorkCalendar:
    """Working days of one calendar, counted from an origin date.

    Parameters
    ----------
    origin
        The date of index 0 is the first working day on or after ``origin``.
    working_weekdays
        ISO weekdays that are working days (1 = Monday ... 7 = Sunday).
    non_working
        Dates that are not worked although their weekday is (public holidays, shutdowns).
    extra_working
        Dates that are worked although their weekday is not (a working Saturday).
    """

    def __init__(
        self,
        origin: date,
        working_weekdays: Iterable[int] = (1, 2, 3, 4, 5),
        non_working: Iterable[date] = (),
        extra_working: Iterable[date] = (),
    ) -> None:
        self.origin = origin
        self.working_weekdays = frozenset(working_weekdays)
        self.non_working = frozenset(non_working)
        self.extra_working = frozenset(extra_working)
        if not self.working_weekdays and not self.extra_working:
            raise ValueError("a calendar needs at least one working weekday")
        self._days: list[date] = []
        self._scanned_until = origin - timedelta(days=1)

    # -- queries on single dates -------------------------------------------------------
    def is_working_day(self, day: date) -> bool:
        """Whether ``day`` is a working day of this calendar."""
        if day in self.extra_working:
            return True
        if day in self.non_working:
            return False
        return day.isoweekday() in self.working_weekdays

    def _extend_to(self, day: date) -> None:
        """Scan the calendar up to ``day`` (inclusive), caching the working days."""
        current = self._scanned_until + timedelta(days=1)
        while current <= day:
            if self.is_working_day(current):
                self._days.append(current)
            current += timedelta(days=1)
        self._scanned_until = max(self._scanned_until, day)

    def _extend_to_index(self, index: int) -> None:
        guard = 0
        while len(self._days) <= index:
            self._extend_to(self._scanned_until + timedelta(days=_GROW_DAYS))
            guard += 1
            if guard > 400:  # 400 years without enough working days: a broken calendar
                raise ValueError("the calendar has too few working days")

    # -- index <-> date ------------------------------------------------------------------
    def date_of(self, index: int) -> date:
        """Date of working day ``index`` (0 is the first working day on or after the origin)."""
        if index < 0:
            raise ValueError(f"working-day index must be >= 0, got {index}")
        self._extend_to_index(index)
        return self._days[index]

    def index_of(self, day: date) -> int:
        """Index of working day ``day``; raises ``ValueError`` if it is not a working day."""
        if day < self.origin:
            raise ValueError(
                f"{day.isoformat()} is before the calendar's first day {self.origin.isoformat()}"
            )
        if not self.is_working_day(day):
            raise ValueError(
                f"{day.isoformat()} ({day.strftime('%A')}) is not a working day of the calendar"
            )
        self._extend_to(day)
        return bisect.bisect_left(self._days, day)

    def index_on_or_after(self, day: date) -> int:
        """Index of the first working day on or after ``day`` (0 if before the origin)."""
        if day < self.origin:
            return 0
        self._extend_to(day)
        position = bisect.bisect_left(self._days, day)
        if position < len(self._days):
            return position
        self._extend_to_index(position)
        return position

    def index_on_or_before(self, day: date) -> int:
        """Index of the last working day on or before ``day`` (-1 if there is none)."""
        if day < self.origin:
            return -1
        self._extend_to(day)
        return bisect.bisect_right(self._days, day) - 1

    # -- arithmetic ----------------------------------------------------------------------
    def add_working_days(self, start: date, days: int) -> date:
        """Date ``days`` working days after working day ``start`` (negative goes back)."""
        return self.date_of(self.index_of(start) + days)

    def finish_date(self, start: date, duration_days: int) -> date:
        """Finish (last working day, inclusive) of a task of ``duration_days`` from ``start``.

        A milestone (``duration_days == 0``) finishes on its start date.
        """
        return self.add_working_days(start, max(duration_days - 1, 0))

    def working_days_between(self, first: date, last: date) -> int:
        """Number of working days in the closed range ``[first, last]`` (0 if empty)."""
        if last < first:
            return 0
        return self.index_on_or_before(last) - self.index_on_or_after(first) + 1

    def working_days(self, first: date, last: date) -> list[date]:
        """The working days in the closed range ``[first, last]``, in order."""
        if last < first:
            return []
        lo = self.index_on_or_after(first)
        hi = self.index_on_or_before(last)
        if hi < lo:
            return []
        self._extend_to_index(hi)
        return self._days[lo : hi + 1]


def calendar_for(spec: WorkingCalendar, origin: date) -> WorkCalendar:
    """Build the :class:`WorkCalendar` of a portfolio's calendar spec from ``origin`` on."""
    non_working: set[date] = {holiday.date for holiday in spec.holidays}
    extra_working: set[date] = set()
    for exception in spec.exceptions:
        day = exception.start
        while day <= exception.end:
            (extra_working if exception.working else non_working).add(day)
            day += timedelta(days=1)
    non_working -= extra_working
    return WorkCalendar(origin, spec.working_weekdays, non_working, extra_working)
