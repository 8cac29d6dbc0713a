"""A solution on the grid, as both the heuristics and CP-SAT produce it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Assignment:
    """A person on a task: index, allocation percent and the requirement it fills."""

    person: int
    allocation: int
    requirement: int | None


@dataclass(frozen=True)
class TaskChoice:
    """Where a task sits on the grid and how it is done."""

    start: int  # plan start index (actual start for done / in-progress tasks)
    end: int  # exclusive end index
    mode: int  # index into TaskData.modes
    people: tuple[Assignment, ...]


@dataclass(frozen=True)
class Schedule:
    """Selected projects and, for every task of a selected project, its choice."""

    selected: tuple[bool, ...]  # per project
    tasks: tuple[TaskChoice | None, ...]  # per task; None when its project is not selected
