"""Shared pieces of the benchmark readers: the calendar, dates and small helpers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

from models import (
    Dependency,
    ObjectiveName,
    Objectives,
    ObjectiveTerm,
    WorkingCalendar,
)

#: Day 0 of every imported instance (a Monday).
START_DATE = date(2030, 1, 7)

#: Every weekday is worked and there are no holidays: one period = one working day.
ALL_DAYS_CALENDAR = WorkingCalendar(working_weekdays=[1, 2, 3, 4, 5, 6, 7])


class FormatError(ValueError):
    """A benchmark file that does not follow its format (with the file and the reason)."""

    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


def day(period: int) -> date:
    """The date of period ``period`` (0 = :data:`START_DATE`) of the all-days calendar."""
    return START_DATE + timedelta(days=period)


def makespan_objective() -> Objectives:
    """Objectives with makespan as the only term."""
    return Objectives(terms=[ObjectiveTerm(name=ObjectiveName.MAKESPAN)])


def fs(predecessors: Iterable[str]) -> list[Dependency]:
    """Finish-to-start dependencies with lag 0 on each predecessor, duplicates removed."""
    return [Dependency(task=task) for task in dict.fromkeys(predecessors)]


def ints(line: str) -> list[int]:
    """All integers of a whitespace-separated line."""
    return [int(token) for token in line.split()]


def non_empty_lines(path: Path, encoding: str = "utf-8") -> list[str]:
    """The stripped, non-empty lines of a file."""
    text = path.read_text(encoding=encoding, errors="replace")
    return [line.strip() for line in text.splitlines() if line.strip()]


def instance_id(path: Path) -> str:
    """The portfolio id of an instance: its file name without the extension."""
    return re.sub(r"\s+", "_", path.stem)
