"""Working-calendar arithmetic: weekends, holidays, exceptions and index conversions.

The calendar starts Monday 2026-01-05 (index 0) on a Monday-Friday week, with Good Friday
2026-04-03 and Easter Monday 2026-04-06 off unless a test says otherwise.
"""

from __future__ import annotations

from datetime import date

import pytest

from models import WorkCalendar, WorkingCalendar, calendar_for

MONDAY = date(2026, 1, 5)
EASTER = [date(2026, 4, 3), date(2026, 4, 6)]


def d(text: str) -> date:
    """ISO date."""
    return date.fromisoformat(text)


@pytest.fixture
def cal() -> WorkCalendar:
    """Monday-Friday from Monday 2026-01-05 with the two Easter holidays off."""
    return WorkCalendar(MONDAY, non_working=EASTER)


def test_working_days_are_weekdays_without_holidays(cal: WorkCalendar) -> None:
    """Weekdays work; weekends and holidays do not."""
    assert cal.is_working_day(d("2026-01-09"))  # Friday
    assert not cal.is_working_day(d("2026-01-10"))  # Saturday
    assert not cal.is_working_day(d("2026-01-11"))  # Sunday
    assert not cal.is_working_day(d("2026-04-06"))  # Easter Monday
    assert cal.is_working_day(d("2026-04-07"))


def test_add_working_days_across_a_weekend(cal: WorkCalendar) -> None:
    """One working day after Friday is Monday; and back again."""
    assert cal.add_working_days(d("2026-01-09"), 1) == d("2026-01-12")
    assert cal.add_working_days(d("2026-01-12"), -1) == d("2026-01-09")
    assert cal.add_working_days(d("2026-01-07"), 0) == d("2026-01-07")


def test_add_working_days_across_a_holiday(cal: WorkCalendar) -> None:
    """Thursday before Easter plus one working day is the Tuesday after Easter Monday."""
    assert cal.add_working_days(d("2026-04-02"), 1) == d("2026-04-07")
    assert cal.add_working_days(d("2026-04-07"), -1) == d("2026-04-02")
    assert cal.add_working_days(d("2026-03-30"), 10) == d("2026-04-15")


def test_add_working_days_before_the_first_day_raises(cal: WorkCalendar) -> None:
    """Going back past index 0 is an error, not a silent clamp."""
    with pytest.raises(ValueError, match=r"^working-day index must be >= 0, got -1$"):
        cal.add_working_days(MONDAY, -1)


def test_five_day_task_from_thursday_finishes_next_wednesday(cal: WorkCalendar) -> None:
    """Thu, Fri, Mon, Tue, Wed: the finish is the last working day, inclusive."""
    assert cal.finish_date(d("2026-01-08"), 5) == d("2026-01-14")
    assert cal.finish_date(d("2026-01-08"), 1) == d("2026-01-08")


def test_milestone_finishes_on_its_start(cal: WorkCalendar) -> None:
    """A 0-day task's finish is its start date."""
    assert cal.finish_date(d("2026-01-08"), 0) == d("2026-01-08")


def test_five_day_task_over_easter(cal: WorkCalendar) -> None:
    """Thu 2 Apr + 5 days skips Good Friday, the weekend and Easter Monday."""
    assert cal.finish_date(d("2026-04-02"), 5) == d("2026-04-10")


def test_working_days_between(cal: WorkCalendar) -> None:
    """Closed ranges count weekdays minus holidays; empty and early ranges are handled."""
    assert cal.working_days_between(d("2026-01-05"), d("2026-01-18")) == 10
    assert cal.working_days_between(d("2026-03-30"), d("2026-04-10")) == 8
    assert cal.working_days_between(d("2026-01-10"), d("2026-01-11")) == 0  # a weekend
    assert cal.working_days_between(d("2026-01-09"), d("2026-01-08")) == 0  # reversed
    assert cal.working_days_between(d("2025-12-01"), d("2026-01-06")) == 2  # from the origin


def test_working_days_lists_the_dates(cal: WorkCalendar) -> None:
    """The working days of a range, in order."""
    assert cal.working_days(d("2026-04-02"), d("2026-04-08")) == [
        d("2026-04-02"),
        d("2026-04-07"),
        d("2026-04-08"),
    ]
    assert cal.working_days(d("2026-01-10"), d("2026-01-11")) == []


def test_index_and_date_round_trip(cal: WorkCalendar) -> None:
    """index_of and date_of are inverse on working days, far into the future too."""
    assert cal.index_of(MONDAY) == 0
    assert cal.index_of(d("2026-01-12")) == 5
    assert cal.date_of(5) == d("2026-01-12")
    far = cal.date_of(2000)
    assert cal.index_of(far) == 2000


def test_index_of_a_non_working_day_raises(cal: WorkCalendar) -> None:
    """A Saturday, a holiday and a day before the origin have no index."""
    with pytest.raises(ValueError, match=r"^2026-01-10 \(Saturday\) is not a working day"):
        cal.index_of(d("2026-01-10"))
    with pytest.raises(ValueError, match=r"^2026-04-06 \(Monday\) is not a working day"):
        cal.index_of(d("2026-04-06"))
    with pytest.raises(ValueError, match=r"^2026-01-02 is before the calendar's first day"):
        cal.index_of(d("2026-01-02"))


def test_index_on_or_after_and_on_or_before(cal: WorkCalendar) -> None:
    """Non-working days snap forward to Monday or back to Friday; the origin bounds both."""
    saturday = d("2026-01-10")
    assert cal.index_on_or_after(saturday) == 5  # Monday 12th
    assert cal.index_on_or_before(saturday) == 4  # Friday 9th
    assert cal.index_on_or_after(d("2026-01-09")) == 4  # a working day is itself
    assert cal.index_on_or_before(d("2026-01-09")) == 4
    assert cal.index_on_or_after(d("2026-04-03")) == cal.index_of(d("2026-04-07"))
    assert cal.index_on_or_before(d("2026-04-06")) == cal.index_of(d("2026-04-02"))
    assert cal.index_on_or_after(d("2025-12-24")) == 0
    assert cal.index_on_or_before(d("2025-12-24")) == -1


def test_origin_on_a_sunday_starts_on_monday() -> None:
    """Index 0 is the first working day on or after the origin."""
    cal = WorkCalendar(d("2026-01-04"))
    assert cal.date_of(0) == MONDAY
    assert cal.index_on_or_before(d("2026-01-04")) == -1


def test_extra_working_day_exception() -> None:
    """A working Saturday counts; it shortens a task spanning that weekend."""
    spec = WorkingCalendar.model_validate(
        {"exceptions": [{"start": "2026-01-10", "end": "2026-01-10", "working": True}]}
    )
    cal = calendar_for(spec, MONDAY)
    assert cal.is_working_day(d("2026-01-10"))
    assert cal.index_of(d("2026-01-10")) == 5
    assert cal.index_of(d("2026-01-12")) == 6
    assert cal.finish_date(d("2026-01-08"), 5) == d("2026-01-13")
    assert cal.working_days_between(d("2026-01-05"), d("2026-01-11")) == 6


def test_exceptions_and_holidays_from_the_portfolio_spec() -> None:
    """A shutdown removes weekdays; a working exception overrides a holiday."""
    spec = WorkingCalendar.model_validate(
        {
            "holidays": [{"date": "2027-01-01"}, {"date": "2026-04-06"}],
            "exceptions": [
                {"start": "2026-12-24", "end": "2026-12-31", "name": "shutdown"},
                {"start": "2026-04-06", "end": "2026-04-06", "working": True},
            ],
        }
    )
    cal = calendar_for(spec, MONDAY)
    assert cal.is_working_day(d("2026-04-06"))
    # 15 weekdays from Mon 21 Dec to Fri 8 Jan, minus 6 shutdown days and New Year's Day
    assert cal.working_days_between(d("2026-12-21"), d("2027-01-08")) == 8
    assert cal.add_working_days(d("2026-12-23"), 1) == d("2027-01-04")


def test_six_day_week() -> None:
    """working_weekdays decides the week: Saturday works, Sunday does not."""
    cal = WorkCalendar(MONDAY, working_weekdays=[1, 2, 3, 4, 5, 6])
    assert cal.finish_date(d("2026-01-08"), 5) == d("2026-01-13")


def test_calendar_without_working_days_is_rejected() -> None:
    """No working weekday and no extra working day cannot make a calendar."""
    with pytest.raises(ValueError, match=r"^a calendar needs at least one working weekday$"):
        WorkCalendar(MONDAY, working_weekdays=[])
