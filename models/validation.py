"""Validate a portfolio and report every problem with the path of the offending field.

Two passes:

1. field checks by pydantic (types, ranges, unknown fields), translated into sentences a
   planner understands;
2. rules that span objects (duplicate ids, references, cycles, skills nobody has,
   capacities, dates in the wrong order, budget periods).

Both passes report all their problems. When the first pass fails only on fields that can
be dropped (an unknown field, a bad optional value), the second pass still runs on the
rest, so one round of fixes is enough for most inputs.
"""

from __future__ import annotations

import copy
import difflib
import graphlib
import json
import types
import typing
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from models.base import DomainModel
from models.calendar import WorkCalendar, calendar_for
from models.periods import parse_period
from models.portfolio import (
    ConsumableRequirement,
    PersonRequirement,
    Pool,
    PoolRequirement,
    Portfolio,
    ProgressState,
    Project,
    Requirement,
    SkillRequirement,
    Task,
)


class Issue(DomainModel):
    """One validation problem: where it is and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path or '(portfolio)'}: {self.message}"


class PortfolioError(ValueError):
    """Raised by :func:`load_portfolio` when a portfolio does not validate."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        lines = "\n".join(f"  {issue}" for issue in issues)
        super().__init__(f"the portfolio has {len(issues)} problem(s):\n{lines}")


@dataclass(frozen=True)
class ValidationResult:
    """Outcome of :func:`validate_portfolio`: the portfolio if valid, and every issue."""

    portfolio: Portfolio | None
    issues: list[Issue]

    @property
    def ok(self) -> bool:
        """True when the portfolio is valid."""
        return self.portfolio is not None and not self.issues


# ----------------------------------------------------------------------------- paths
Loc = tuple[int | str, ...]


def format_path(loc: Iterable[int | str]) -> str:
    """Format a location tuple as ``projects[2].tasks[5].dependencies[0]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated and Optional from an annotation."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(members) != 1:
                return annotation
            annotation = members[0]
        else:
            return annotation


def _resolve(loc: Loc) -> tuple[Loc, Any]:
    """Drop union tags from a pydantic location and find the type of the value it names.

    Pydantic puts the discriminator value into the location of a tagged union member
    (``requirements, 0, 'person', 'allocation'``); the user's path has no such part.
    """
    current: Any = Portfolio
    clean: list[int | str] = []
    for part in loc:
        current = _unwrap(current)
        if typing.get_origin(current) in (typing.Union, types.UnionType) and isinstance(part, str):
            chosen = next(
                (
                    member
                    for member in typing.get_args(current)
                    if isinstance(member, type)
                    and issubclass(member, BaseModel)
                    and "kind" in member.model_fields
                    and member.model_fields["kind"].default == part
                ),
                None,
            )
            if chosen is not None:
                current = chosen
                continue
        clean.append(part)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            field = current.model_fields.get(part)
            current = field.annotation if field else None
        elif typing.get_origin(current) in (list, dict):
            current = typing.get_args(current)[-1]
        else:
            current = None
    return tuple(clean), _unwrap(current)


def _owner_of_last(loc: Loc) -> type[BaseModel] | None:
    """The model that declares the field at the end of ``loc`` (for spelling hints)."""
    owner = _resolve(loc[:-1])[1]
    return owner if isinstance(owner, type) and issubclass(owner, BaseModel) else None


# ----------------------------------------------------------------------------- pass 1
def _field_message(error: Mapping[str, Any]) -> str:
    """A planner-readable sentence for one pydantic error."""
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    clean, _ = _resolve(loc)
    name = next((str(p) for p in reversed(clean) if isinstance(p, str)), "value")
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        owner = _owner_of_last(loc)
        hint = ""
        if owner is not None:
            close = difflib.get_close_matches(str(loc[-1]), list(owner.model_fields), n=1)
            hint = (
                f"; did you mean '{close[0]}'?"
                if close
                else (f"; allowed fields: {', '.join(owner.model_fields)}")
            )
        return f"unknown field '{loc[-1]}'{hint}"
    if kind == "missing":
        return f"'{name}' is required"
    if kind in ("int_from_float", "int_parsing", "int_type"):
        what = "a whole number of working days" if name.endswith("_days") else "a whole number"
        return f"{name} must be {what}, got {value!r}"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        limit = next(iter(ctx.values()), None)
        relation = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        if kind == "greater_than_equal" and limit == 0:
            return f"{name} must not be negative, got {value!r}"
        return f"{name} must be {relation} {limit}, got {value!r}"
    if kind.startswith("date_") or kind.startswith("datetime_"):
        return f"{name} must be an ISO date (YYYY-MM-DD), got {value!r}"
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        expected = ctx.get("expected_tags", "'person', 'pool', 'skill', 'consumable'")
        return f"requirement kind must be one of {expected}, got {ctx.get('tag', value)!r}"
    if kind in {"enum", "literal_error"}:
        return f"{name} must be one of {ctx.get('expected')}, got {value!r}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
    if kind in {"string_pattern_mismatch", "string_too_short"}:
        return f"{name} must be a non-empty id without leading or trailing spaces, got {value!r}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{name}: {error['msg'].lower()}, got {value!r}"
    return f"{name}: {error['msg']}"


def _field_issues(exc: ValidationError) -> list[Issue]:
    issues = []
    for error in exc.errors():
        clean, _ = _resolve(tuple(error["loc"]))
        issues.append(Issue(path=format_path(clean), message=_field_message(error)))
    return issues


def _prune(data: Any, exc: ValidationError) -> tuple[Any, list[Loc]] | None:
    """Drop the fields pydantic rejected, if that alone can make the data valid.

    Returns the pruned copy and the cleaned locations of the parents of dropped fields,
    or None when a rejected field cannot simply be dropped (a required field, a list
    item: dropping those would cause false reports elsewhere).
    """
    pruned = copy.deepcopy(data)
    parents: list[Loc] = []
    for error in exc.errors():
        loc = _resolve(tuple(error["loc"]))[0]
        if error["type"] == "missing" or not loc or isinstance(loc[-1], int):
            return None
        container: Any = pruned
        for part in loc[:-1]:
            try:
                container = container[part]
            except (KeyError, IndexError, TypeError):
                container = None
                break
        if not isinstance(container, dict) or loc[-1] not in container:
            return None
        del container[loc[-1]]
        if error["type"] != "extra_forbidden":  # a dropped unknown field hides nothing
            parents.append(loc[:-1])
    return pruned, parents


# ----------------------------------------------------------------------------- pass 2
class _Rules:
    """The cross-object rules; each method appends issues for one rule."""

    def __init__(self, portfolio: Portfolio) -> None:
        self.p = portfolio
        self.issues: list[Issue] = []
        self.skill_ids = {skill.id for skill in portfolio.skills}
        self.people = {person.id: person for person in portfolio.people}
        self.pools = {pool.id: pool for pool in portfolio.pools}
        self.consumables = {c.id: c for c in portfolio.consumables}
        self.projects = {project.id: project for project in portfolio.projects}
        self.tasks: dict[str, tuple[Loc, Task, Project]] = {}
        for i, project in enumerate(portfolio.projects):
            for j, task in enumerate(project.tasks):
                self.tasks.setdefault(task.id, (("projects", i, "tasks", j), task, project))
        self.calendar: WorkCalendar | None = None
        if portfolio.calendar.working_weekdays or any(
            e.working for e in portfolio.calendar.exceptions
        ):
            self.calendar = calendar_for(portfolio.calendar, portfolio.start_date)

    def add(self, loc: Loc, message: str) -> None:
        self.issues.append(Issue(path=format_path(loc), message=message))

    def run(self) -> list[Issue]:
        self.not_empty()
        self.calendar_rules()
        self.duplicate_ids()
        self.skill_references()
        self.absences()
        self.pools_rules()
        self.projects_rules()
        self.project_cycles()
        for loc, task, project in self._all_tasks():
            self.task_rules(loc, task, project)
        self.task_cycles()
        self.budget_rules()
        self.baseline_rules()
        return self.issues

    def _all_tasks(self) -> Iterator[tuple[Loc, Task, Project]]:
        for i, project in enumerate(self.p.projects):
            for j, task in enumerate(project.tasks):
                yield ("projects", i, "tasks", j), task, project

    # -- portfolio-level ---------------------------------------------------------------
    def not_empty(self) -> None:
        if not self.p.projects:
            self.add(("projects",), "the portfolio has no projects: add at least one project")
            return
        for i, project in enumerate(self.p.projects):
            if not project.tasks:
                self.add(
                    ("projects", i, "tasks"),
                    f"project '{project.id}' has no tasks: add at least one task",
                )

    def calendar_rules(self) -> None:
        cal = self.p.calendar
        if self.calendar is None:
            self.add(
                ("calendar", "working_weekdays"),
                "the calendar has no working weekdays: list at least one (1 = Monday)",
            )
        for k, exception in enumerate(cal.exceptions):
            if exception.end < exception.start:
                self.add(
                    ("calendar", "exceptions", k, "end"),
                    f"exception ends ({exception.end}) before it starts ({exception.start})",
                )

    def duplicate_ids(self) -> None:
        def check(items: Iterable[tuple[Loc, str]], what: str) -> None:
            first: dict[str, Loc] = {}
            for loc, ident in items:
                if ident in first:
                    self.add(
                        (*loc, "id"),
                        f"duplicate {what} id '{ident}' "
                        f"(first used at {format_path(first[ident])})",
                    )
                else:
                    first[ident] = loc

        check(((("skills", k), s.id) for k, s in enumerate(self.p.skills)), "skill")
        check(((("people", k), x.id) for k, x in enumerate(self.p.people)), "person")
        check(((("pools", k), x.id) for k, x in enumerate(self.p.pools)), "pool")
        check(((("consumables", k), x.id) for k, x in enumerate(self.p.consumables)), "consumable")
        check(((("projects", k), x.id) for k, x in enumerate(self.p.projects)), "project")
        check(((loc, task.id) for loc, task, _ in self._all_tasks()), "task")
        for loc, task, _ in self._all_tasks():
            if task.modes:
                check((((*loc, "modes", m), mode.id) for m, mode in enumerate(task.modes)), "mode")

    def _unknown(self, loc: Loc, what: str, ident: str, known: Iterable[str]) -> None:
        close = difflib.get_close_matches(ident, list(known), n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        self.add(loc, f"unknown {what} '{ident}'{hint}")

    def skill_references(self) -> None:
        for k, person in enumerate(self.p.people):
            for skill in person.skills:
                if skill not in self.skill_ids:
                    self._unknown(("people", k, "skills", skill), "skill", skill, self.skill_ids)
        for k, pool in enumerate(self.p.pools):
            for s, skill in enumerate(pool.skills):
                if skill not in self.skill_ids:
                    self._unknown(("pools", k, "skills", s), "skill", skill, self.skill_ids)

    def absences(self) -> None:
        for k, person in enumerate(self.p.people):
            for a, absence in enumerate(person.absences):
                if absence.end < absence.start:
                    self.add(
                        ("people", k, "absences", a, "end"),
                        f"absence of '{person.id}' ends ({absence.end}) before it starts "
                        f"({absence.start})",
                    )

    def pools_rules(self) -> None:
        for k, pool in enumerate(self.p.pools):
            seen: set[date] = set()
            for c, change in enumerate(pool.capacity_changes):
                if change.from_date in seen:
                    self.add(
                        ("pools", k, "capacity_changes", c, "from_date"),
                        f"pool '{pool.id}' has two capacity changes on {change.from_date}",
                    )
                seen.add(change.from_date)

    # -- projects ------------------------------------------------------------------------
    def projects_rules(self) -> None:
        mandatory_in_group: dict[str, str] = {}
        for i, project in enumerate(self.p.projects):
            loc: Loc = ("projects", i)
            release = project.release_date
            for field in ("due_date", "deadline"):
                value: date | None = getattr(project, field)
                if value is not None and release is not None and value < release:
                    self.add(
                        (*loc, field),
                        f"{field} {value} of project '{project.id}' is before its "
                        f"release_date {release}",
                    )
                elif value is not None and value < self.p.start_date:
                    self.add(
                        (*loc, field),
                        f"{field} {value} of project '{project.id}' is before the portfolio "
                        f"start_date {self.p.start_date}",
                    )
            for d, other in enumerate(project.depends_on):
                if other == project.id:
                    self.add((*loc, "depends_on", d), f"project '{project.id}' depends on itself")
                elif other not in self.projects:
                    self._unknown((*loc, "depends_on", d), "project", other, self.projects)
            group = project.exclusive_group
            if group is not None and project.mandatory:
                if group in mandatory_in_group:
                    self.add(
                        (*loc, "exclusive_group"),
                        f"projects '{mandatory_in_group[group]}' and '{project.id}' are both "
                        f"mandatory but in the same exclusive group '{group}': at most one "
                        "can be selected",
                    )
                else:
                    mandatory_in_group[group] = project.id

    def project_cycles(self) -> None:
        graph = {
            p.id: [d for d in p.depends_on if d in self.projects and d != p.id]
            for p in self.p.projects
        }
        index = {p.id: i for i, p in enumerate(self.p.projects)}
        for cycle in _cycles(graph):
            successor, predecessor = cycle[-1], cycle[-2]
            position = self.projects[successor].depends_on.index(predecessor)
            self.add(
                ("projects", index[successor], "depends_on", position),
                "project dependency cycle: " + " -> ".join(f"'{c}'" for c in cycle),
            )

    # -- tasks ---------------------------------------------------------------------------
    def task_rules(self, loc: Loc, task: Task, project: Project) -> None:
        if task.milestone and task.duration_days not in (None, 0):
            self.add(
                (*loc, "duration_days"),
                f"milestone '{task.id}' must have no duration, got {task.duration_days}",
            )
        if task.effort_days is not None and task.team is None:
            self.add(
                (*loc, "team"),
                f"task '{task.id}' has effort_days but no team: give team with min_size, "
                "max_size and a skill or pool",
            )
        if task.team is not None:
            self.team_rules(loc, task)
        if task.modes is not None and not task.modes:
            self.add((*loc, "modes"), f"task '{task.id}' has an empty list of modes")
        self.requirement_list(loc, task, task.requirements, "requirements")
        for m, mode in enumerate(task.modes or []):
            self.requirement_list(
                (*loc, "modes", m), task, mode.requirements, "requirements", also=task.requirements
            )
        self.dependencies(loc, task)
        self.task_dates(loc, task, project)
        self.progress(loc, task)
        if task.estimate is not None:
            e = task.estimate
            if not e.optimistic_days <= e.likely_days <= e.pessimistic_days:
                self.add(
                    (*loc, "estimate"),
                    f"three-point estimate of '{task.id}' must satisfy optimistic <= likely "
                    f"<= pessimistic, got {e.optimistic_days:g} / {e.likely_days:g} / "
                    f"{e.pessimistic_days:g}",
                )

    def team_rules(self, loc: Loc, task: Task) -> None:
        team = task.team
        assert team is not None
        tloc = (*loc, "team")
        if task.effort_days is None:
            self.add(tloc, f"task '{task.id}' has a team but no effort_days")
        if team.max_size < team.min_size:
            self.add(
                (*tloc, "max_size"),
                f"team max_size {team.max_size} is below min_size {team.min_size}",
            )
        if (team.skill is None) == (team.pool is None):
            self.add(tloc, "team needs exactly one of skill or pool")
            return
        if team.skill is not None:
            if team.skill not in self.skill_ids:
                self._unknown((*tloc, "skill"), "skill", team.skill, self.skill_ids)
                return
            able = [p.id for p in self.p.people if p.skills.get(team.skill, 0) >= team.min_level]
            if len(able) < team.min_size:
                self.add(
                    (*tloc, "skill"),
                    f"team of at least {team.min_size} needs skill '{team.skill}' at level >= "
                    f"{team.min_level}, but only {len(able)} person(s) have it"
                    + (f" ({', '.join(able)})" if able else ""),
                )
        elif team.pool is not None:
            pool = self.pools.get(team.pool)
            if pool is None:
                self._unknown((*tloc, "pool"), "pool", team.pool, self.pools)
            elif _max_units(pool) < team.min_size:
                self.add(
                    (*tloc, "min_size"),
                    f"team of at least {team.min_size} needs more units than pool "
                    f"'{pool.id}' ever has ({_max_units(pool)})",
                )

    def requirement_list(
        self,
        loc: Loc,
        task: Task,
        requirements: list[Requirement],
        field: str,
        also: list[Requirement] = (),  # type: ignore[assignment]
    ) -> None:
        named: set[str] = {r.person for r in also if isinstance(r, PersonRequirement)}
        for r, req in enumerate(requirements):
            rloc = (*loc, field, r)
            if isinstance(req, PersonRequirement):
                person = self.people.get(req.person)
                if person is None:
                    self._unknown((*rloc, "person"), "person", req.person, self.people)
                    continue
                if req.person in named:
                    self.add(
                        (*rloc, "person"),
                        f"person '{req.person}' is required twice by task '{task.id}'",
                    )
                named.add(req.person)
                capacity = round(person.capacity * 100)
                if req.allocation_percent > capacity:
                    self.add(
                        (*rloc, "allocation_percent"),
                        f"task '{task.id}' needs {req.allocation_percent}% of '{person.id}', "
                        f"who works {capacity}% (capacity {person.capacity:g})",
                    )
            elif isinstance(req, PoolRequirement):
                pool = self.pools.get(req.pool)
                if pool is None:
                    self._unknown((*rloc, "pool"), "pool", req.pool, self.pools)
                elif req.units > _max_units(pool):
                    self.add(
                        (*rloc, "units"),
                        f"task '{task.id}' needs {req.units} units of pool '{pool.id}', which "
                        f"never has more than {_max_units(pool)}",
                    )
            elif isinstance(req, SkillRequirement):
                if req.skill not in self.skill_ids:
                    self._unknown((*rloc, "skill"), "skill", req.skill, self.skill_ids)
                    continue
                able = [
                    p.id
                    for p in self.p.people
                    if p.skills.get(req.skill, 0) >= req.min_level
                    and round(p.capacity * 100) >= req.allocation_percent
                ]
                if len(able) < req.count:
                    self.add(
                        (*rloc, "skill"),
                        f"task '{task.id}' needs {req.count} person(s) with skill '{req.skill}' "
                        f"at level >= {req.min_level} and {req.allocation_percent}% available, "
                        f"but only {len(able)} in the portfolio qualify"
                        + (f" ({', '.join(able)})" if able else ""),
                    )
            elif isinstance(req, ConsumableRequirement):
                consumable = self.consumables.get(req.consumable)
                if consumable is None:
                    self._unknown(
                        (*rloc, "consumable"), "consumable", req.consumable, self.consumables
                    )
                elif req.amount > consumable.total:
                    self.add(
                        (*rloc, "amount"),
                        f"task '{task.id}' uses {req.amount} of '{consumable.id}', which has "
                        f"only {consumable.total} in total",
                    )

    def dependencies(self, loc: Loc, task: Task) -> None:
        for d, dep in enumerate(task.dependencies):
            dloc = (*loc, "dependencies", d)
            if dep.task == task.id:
                self.add((*dloc, "task"), f"task '{task.id}' depends on itself")
            elif dep.task not in self.tasks:
                self._unknown((*dloc, "task"), "task", dep.task, self.tasks)

    def task_dates(self, loc: Loc, task: Task, project: Project) -> None:
        if task.deadline is not None:
            if task.earliest_start is not None and task.deadline < task.earliest_start:
                self.add(
                    (*loc, "deadline"),
                    f"deadline {task.deadline} of '{task.id}' is before its earliest_start "
                    f"{task.earliest_start}",
                )
            elif project.release_date is not None and task.deadline < project.release_date:
                self.add(
                    (*loc, "deadline"),
                    f"deadline {task.deadline} of '{task.id}' is before the release_date "
                    f"{project.release_date} of project '{project.id}'",
                )
        if task.pinned_start is not None:
            pinned = task.pinned_start
            if self.calendar is not None and not self.calendar.is_working_day(pinned):
                self.add(
                    (*loc, "pinned_start"),
                    f"pinned_start {pinned} ({pinned.strftime('%A')}) of '{task.id}' is not a "
                    "working day of the calendar",
                )
            elif pinned < self.p.start_date and (
                task.progress is None or task.progress.state == ProgressState.NOT_STARTED
            ):
                self.add(
                    (*loc, "pinned_start"),
                    f"pinned_start {pinned} of '{task.id}' is before the portfolio start_date "
                    f"{self.p.start_date}",
                )

    def progress(self, loc: Loc, task: Task) -> None:
        progress = task.progress
        if progress is None:
            return
        ploc = (*loc, "progress")
        status = self.p.status_date
        if progress.state == ProgressState.DONE:
            missing = [
                name
                for name in ("actual_start", "actual_finish")
                if getattr(progress, name) is None
            ]
            if missing:
                self.add(
                    ploc,
                    f"task '{task.id}' is done but has no {' and no '.join(missing)}: "
                    "record when it started and finished",
                )
        elif progress.state == ProgressState.IN_PROGRESS:
            if progress.actual_start is None:
                self.add(ploc, f"task '{task.id}' is in progress but has no actual_start")
            if progress.remaining_days is None:
                self.add(ploc, f"task '{task.id}' is in progress but has no remaining_days")
            if status is None:
                self.add(
                    ("status_date",),
                    f"task '{task.id}' is in progress: set the portfolio's status_date",
                )
        if (
            progress.actual_start is not None
            and progress.actual_finish is not None
            and progress.actual_finish < progress.actual_start
        ):
            self.add(
                (*ploc, "actual_finish"),
                f"actual_finish {progress.actual_finish} of '{task.id}' is before its "
                f"actual_start {progress.actual_start}",
            )
        for name in ("actual_start", "actual_finish"):
            value = getattr(progress, name)
            if status is not None and value is not None and value > status:
                self.add(
                    (*ploc, name),
                    f"{name} {value} of '{task.id}' is after the status_date {status}",
                )

    def task_cycles(self) -> None:
        graph = {
            ident: [d.task for d in task.dependencies if d.task in self.tasks and d.task != ident]
            for ident, (_, task, _) in self.tasks.items()
        }
        for cycle in _cycles(graph):
            # cycle = [a, b, ..., a]: each task depends on the one before it
            successor, predecessor = cycle[-1], cycle[-2]
            loc, task, _ = self.tasks[successor]
            position = next(k for k, dep in enumerate(task.dependencies) if dep.task == predecessor)
            order = " -> ".join(f"'{c}'" for c in cycle)
            self.add(
                (*loc, "dependencies", position),
                f"dependency cycle: {order} (each task waits for the one before it); "
                "remove or reverse one of these dependencies",
            )

    # -- budgets and baseline ------------------------------------------------------------
    def budget_rules(self) -> None:
        budgets = self.p.budgets
        ranges: list[tuple[date, date, int]] = []
        for k, period in enumerate(budgets.periods):
            try:
                first, last = parse_period(period.period, budgets.fiscal_year_start_month)
            except ValueError as error:
                self.add(("budgets", "periods", k, "period"), str(error))
                continue
            for other_first, other_last, other in ranges:
                if first <= other_last and other_first <= last:
                    self.add(
                        ("budgets", "periods", k, "period"),
                        f"period '{period.period}' ({first} to {last}) overlaps period "
                        f"'{budgets.periods[other].period}' at budgets.periods[{other}]",
                    )
            ranges.append((first, last, k))

    def baseline_rules(self) -> None:
        for k, entry in enumerate(self.p.baseline):
            if entry.task not in self.tasks:
                self._unknown(("baseline", k, "task"), "task", entry.task, self.tasks)


def _max_units(pool: Pool) -> int:
    return max([pool.units, *(c.units for c in pool.capacity_changes)])


def _cycles(graph: dict[str, list[str]], limit: int = 20) -> list[list[str]]:
    """Find up to ``limit`` distinct cycles, removing one edge of each found cycle."""
    edges = {node: list(successors) for node, successors in graph.items()}
    cycles: list[list[str]] = []
    while len(cycles) < limit:
        try:
            graphlib.TopologicalSorter(edges).prepare()
            break
        except graphlib.CycleError as error:
            cycle: list[str] = list(error.args[1])
            cycles.append(cycle)
            # graphlib reports [n0, n1, ..., n0] where each node has the one before it
            # among its predecessors; drop the closing edge to find further cycles.
            edges[cycle[-1]] = [s for s in edges[cycle[-1]] if s != cycle[-2]]
    return cycles


# ----------------------------------------------------------------------------- API
def validate_portfolio(data: str | bytes | Mapping[str, Any] | Portfolio) -> ValidationResult:
    """Validate a portfolio given as JSON text, a mapping or a model; collect every issue.

    Returns
    -------
    ValidationResult
        ``portfolio`` is set only when there is no issue at all.
    """
    if isinstance(data, Portfolio):
        issues = _Rules(data).run()
        return ValidationResult(None if issues else data, issues)
    raw: Any
    if isinstance(data, str | bytes):
        try:
            raw = json.loads(data)
        except json.JSONDecodeError as error:
            return ValidationResult(
                None,
                [
                    Issue(
                        path="",
                        message=f"not valid JSON: {error.msg} at line {error.lineno}, "
                        f"column {error.colno}",
                    )
                ],
            )
    else:
        raw = data
    if not isinstance(raw, Mapping):
        return ValidationResult(
            None,
            [
                Issue(
                    path="", message=f"a portfolio must be a JSON object, got {type(raw).__name__}"
                )
            ],
        )
    try:
        portfolio = Portfolio.model_validate(raw)
    except ValidationError as exc:
        issues = _field_issues(exc)
        pruned = _prune(raw, exc)
        if pruned is None:
            return ValidationResult(None, issues)
        try:
            partial = Portfolio.model_validate(pruned[0])
        except ValidationError:
            return ValidationResult(None, issues)
        prefixes = [format_path(loc) for loc in pruned[1]]
        more = [
            issue
            for issue in _Rules(partial).run()
            if not any(
                issue.path == pre
                or issue.path.startswith(pre + ".")
                or issue.path.startswith(pre + "[")
                for pre in prefixes
                if pre
            )
        ]
        return ValidationResult(None, issues + more)
    issues = _Rules(portfolio).run()
    return ValidationResult(None if issues else portfolio, issues)


def load_portfolio(data: str | bytes | Mapping[str, Any] | Portfolio) -> Portfolio:
    """Validate and return the portfolio, or raise :class:`PortfolioError` with every issue."""
    result = validate_portfolio(data)
    if result.portfolio is None:
        raise PortfolioError(result.issues)
    return result.portfolio


__all__ = [
    "Issue",
    "PortfolioError",
    "ValidationResult",
    "format_path",
    "load_portfolio",
    "validate_portfolio",
]
