"""Validate a portfolio and report every problem with the path of the offending field.

Two passes:

1. field checks by pydantic (types, ranges, unknown fields), translated into sentences a
   planner understands;
2. rules that span objects (duplicate ids, references, cycles, skills nobody has,
   capacities, dates in the wrong order, budget periods).

Both passes report all their problems. When the first pass fails, the second still runs
on what is left after removing the rejected parts (see :func:`_repair`): an unknown field
or a bad optional value is dropped, a bad required value takes its list item (a task, a
requirement, ...) with it. Issues that could be consequences of a removal are not
reported, and references to a removed item's id are not called unknown, so one round of
fixes is enough for most inputs.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import graphlib
import json
import re
import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from models.base import EARLIEST_DATE, LATEST_DATE, DomainModel
from models.calendar import WorkCalendar, calendar_for
from models.periods import parse_period
from models.portfolio import (
    Consumable,
    ConsumableRequirement,
    Person,
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
    keep, annotation = _resolve_shape(tuple(-1 if isinstance(p, int) else p for p in loc))
    return tuple(part for part, kept in zip(loc, keep, strict=True) if kept), annotation


@functools.lru_cache(maxsize=4096)
def _resolve_shape(loc: Loc) -> tuple[tuple[bool, ...], Any]:
    """:func:`_resolve` for a location whose indices are all -1 (cached: errors repeat)."""
    current: Any = Portfolio
    keep: list[bool] = []
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
                keep.append(False)
                continue
        keep.append(True)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            field = current.model_fields.get(part)
            current = field.annotation if field else None
        elif typing.get_origin(current) in (list, dict):
            current = typing.get_args(current)[-1]
        else:
            current = None
    return tuple(keep), _unwrap(current)


def _owner_of_last(loc: Loc) -> type[BaseModel] | None:
    """The model that declares the field at the end of ``loc`` (for spelling hints)."""
    owner = _resolve(loc[:-1])[1]
    return owner if isinstance(owner, type) and issubclass(owner, BaseModel) else None


# ----------------------------------------------------------------------------- pass 1
@functools.lru_cache(maxsize=1024)
def _field_hint(owner: type[BaseModel] | None, name: str) -> str:
    """'; did you mean ...?' or the allowed fields, for an unknown field of ``owner``."""
    if owner is None:
        return ""
    close = difflib.get_close_matches(name, list(owner.model_fields), n=1)
    if close:
        return f"; did you mean '{close[0]}'?"
    return f"; allowed fields: {', '.join(owner.model_fields)}"


_TASK_SIZING = ("duration_days", "effort_days", "modes")


def _field_message(error: Mapping[str, Any]) -> str:
    """A planner-readable sentence for one pydantic error."""
    kind = error["type"]
    loc: Loc = tuple(error["loc"])
    clean, declared = _resolve(loc)
    name = next((str(p) for p in reversed(clean) if isinstance(p, str)), "value")
    if len(clean) >= 2 and typing.get_origin(_resolve(clean[:-1])[1]) is dict:
        name = f"{clean[-2]}['{clean[-1]}']"  # a value of a mapping: skills['python']
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return f"unknown field '{loc[-1]}'{_field_hint(_owner_of_last(loc), str(loc[-1]))}"
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
        # hint at the kind its fields point to ({"person": "ana"} is a person requirement),
        # else at the kind spelt most like the given one
        keys = [k for k in _REQUIREMENT_KINDS if isinstance(value, Mapping) and k in value]
        if kind == "union_tag_not_found":
            hint = f'; did you mean "kind": "{keys[0]}"?' if keys else ""
            return f"requirement has no 'kind' (use {_KIND_LIST}){hint}"
        tag = str(ctx.get("tag", value))
        close = keys or difflib.get_close_matches(tag.lower(), _REQUIREMENT_KINDS, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"unknown requirement kind '{tag}'{hint} (use {_KIND_LIST})"
    if kind in {"enum", "literal_error"}:
        expected = str(ctx.get("expected", ""))
        options = re.findall(r"'([^']*)'", expected)
        close = [o for o in options if o.casefold() == str(value).casefold()]
        close = close or difflib.get_close_matches(str(value), options, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return f"{name} must be one of {expected}, got {value!r}{hint}"
    if kind == "value_error":
        message = str(ctx.get("error", error["msg"])).removeprefix("Value error, ")
        if message.startswith("date ") and clean and isinstance(clean[-1], str):
            return f"{name} {message.removeprefix('date ')}"  # names the field, not 'date'
        if message.startswith("amount ") and clean and isinstance(clean[-1], str):
            return f"{name} {message.removeprefix('amount ')}"  # names the field
        if declared is Task and isinstance(value, Mapping):
            task_id = value.get("id", "?")
            if (
                value.get("team") is not None
                and not value.get("milestone")
                and all(value.get(field) is None for field in _TASK_SIZING)
            ):
                return (
                    f"task '{task_id}' has a team but no effort_days: give effort_days "
                    "(person-days of work)"
                )
            return f"task '{task_id}': {message}"
        return message
    if kind == "string_too_long":
        return f"{name} must have at most {ctx.get('max_length')} characters, got {value!r}"
    if kind in {"string_pattern_mismatch", "string_too_short"}:
        return f"{name} must be a non-empty id without leading or trailing spaces, got {value!r}"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return f"{name}: {error['msg'].lower()}, got {value!r}"
    return f"{name}: {error['msg']}"


_REQUIREMENT_KINDS = ["person", "pool", "skill", "consumable"]
_KIND_LIST = ", ".join(f"'{k}'" for k in _REQUIREMENT_KINDS)


def _field_issues(exc: ValidationError) -> list[Issue]:
    issues = []
    for error in exc.errors():
        clean, _ = _resolve(tuple(error["loc"]))
        if error["type"] == "union_tag_invalid":
            clean = (*clean, "kind")
        issues.append(Issue(path=format_path(clean), message=_field_message(error)))
    return issues


# ----------------------------------------------------------------------------- repair
#: Stand-ins for required top-level values, so the cross-object rules can still run.
#: Neither can cause a report: every date rule compares against later dates.
_PLACEHOLDERS: dict[str, Any] = {"id": "portfolio", "start_date": EARLIEST_DATE.isoformat()}
_MAX_REPAIR_ROUNDS = 8


@dataclass
class _Repair:
    """What was removed from the input so that the cross-object rules can run on the rest.

    Locations are *original* (as in the user's input) unless named ``current``.
    """

    data: Any
    #: objects whose issues are unreliable (one of their values was removed)
    hidden: set[Loc] = dataclasses.field(default_factory=set)
    #: issues exactly at these locations are unreliable (a list that lost items)
    hidden_exact: set[Loc] = dataclasses.field(default_factory=set)
    #: list location -> original indices of the items still in the repaired data
    survivors: dict[Loc, list[int]] = dataclasses.field(default_factory=dict)
    #: ids of removed items: references to them are not reported as unknown
    withheld: set[str] = dataclasses.field(default_factory=set)
    #: kinds of id ('person', 'task', ...) that lost an item whose id is unreadable, or
    #: their whole list: no reference to that kind is reported as unknown
    anonymous: set[str] = dataclasses.field(default_factory=set)
    #: every location something was removed or replaced at
    changed: list[Loc] = dataclasses.field(default_factory=list)

    def touched(self, prefix: Loc) -> bool:
        """Whether something at, above or under ``prefix`` was removed or replaced."""
        return any(c[: len(prefix)] == prefix or prefix[: len(c)] == c for c in self.changed)

    def original(self, current: Loc) -> Loc:
        """Translate a location in the repaired data into the user's location."""
        out: list[int | str] = []
        for part in current:
            if isinstance(part, int):
                kept = self.survivors.get(tuple(out))
                out.append(kept[part] if kept is not None and part < len(kept) else part)
            else:
                out.append(part)
        return tuple(out)

    def is_hidden(self, loc: Loc) -> bool:
        """Whether an issue at ``loc`` may be a consequence of a removed value.

        A removed value hides the issues of the object that held it and of its nested
        objects, but not those of the items of its lists (a project's tasks stay checked
        when its priority was rejected).
        """
        if loc in self.hidden_exact:
            return True
        for n in range(len(loc), -1, -1):
            if loc[:n] in self.hidden:
                return True
            if n and isinstance(loc[n - 1], int):
                return False
        return False


def _child(container: Any, part: int | str) -> Any:
    if isinstance(container, Mapping) and isinstance(part, str):
        return container.get(part)
    if isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container):
        return container[part]
    return None


def _lookup(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = _child(data, part)
    return data


def _declared(loc: Loc, data: Any) -> Any:
    """The declared type at a clean location, choosing union members by the data's kind."""
    current: Any = Portfolio
    value = data
    for part in loc:
        current = _member(_unwrap(current), value)
        if isinstance(current, type) and issubclass(current, BaseModel) and isinstance(part, str):
            declared = current.model_fields.get(part)
            current = declared.annotation if declared else None
        elif typing.get_origin(current) in (list, dict):
            current = typing.get_args(current)[-1]
        else:
            current = None
        value = _child(value, part)
    return _member(_unwrap(current), value)


def _member(annotation: Any, value: Any) -> Any:
    """The member of a tagged union that ``value`` selects (the annotation otherwise)."""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return annotation
    tag = value.get("kind") if isinstance(value, Mapping) else None
    for member in typing.get_args(annotation):
        if (
            isinstance(member, type)
            and issubclass(member, BaseModel)
            and "kind" in member.model_fields
            and member.model_fields["kind"].default == tag
        ):
            return member
    return annotation


def _ids_in(value: Any) -> Iterator[str]:
    """Every ``id`` inside a removed item (a project's task ids too)."""
    if isinstance(value, Mapping):
        if isinstance(value.get("id"), str):
            yield value["id"]
            yield value["id"].strip()  # ' ana' was rejected for its spaces; 'ana' is meant
        for child in value.values():
            yield from _ids_in(child)
    elif isinstance(value, list):
        for child in value:
            yield from _ids_in(child)


def _repair_step(data: Any, current: Loc, kind: str) -> tuple[str, Loc] | None:
    """How to get rid of one error: drop a key, drop a list item or use a placeholder.

    Walks up from the error's location to the nearest part that can go without making
    something else invalid: a key that is unknown or optional, or an item of a list.
    """
    for n in range(len(current), 0, -1):
        prefix = current[:n]
        last = prefix[-1]
        container = _lookup(data, prefix[:-1])
        if isinstance(last, int):
            if isinstance(container, list) and 0 <= last < len(container):
                return "item", prefix
            continue
        if not isinstance(container, Mapping):
            continue
        if n == 1 and last in _PLACEHOLDERS and container.get(last) != _PLACEHOLDERS[last]:
            return "placeholder", prefix
        if last not in container:
            continue
        if n == len(current) and kind == "extra_forbidden":
            return "unknown", prefix
        owner = _declared(prefix[:-1], data)
        if isinstance(owner, type) and issubclass(owner, BaseModel):
            declared = owner.model_fields.get(last)
            if declared is None or not declared.is_required():
                return "key", prefix
        elif typing.get_origin(owner) is dict:
            return "key", prefix
    return None


def _repair(raw: Mapping[str, Any], exc: ValidationError) -> tuple[Portfolio, _Repair] | None:
    """Remove what pydantic rejected until the rest validates; None if that is not possible.

    Unknown fields are simply dropped. A rejected optional field is dropped and the
    object holding it is left out of the reports; a rejected required field takes its
    list item with it (a task, a requirement, ...), whose id is then still "known", so
    that references to it are not reported as unknown (if the id itself is unreadable,
    no reference to that kind of id is). A rejected ``id`` or ``start_date`` of the
    portfolio is replaced by a placeholder. Later rounds handle what a removal breaks
    (a task left without any size loses the task).
    """
    repair = _Repair(copy.deepcopy(dict(raw)))
    for _ in range(_MAX_REPAIR_ROUNDS):
        keys: list[Loc] = []
        items: list[Loc] = []
        for error in exc.errors():
            current = _resolve(tuple(error["loc"]))[0]
            step = _repair_step(repair.data, current, error["type"])
            if step is None:
                return None
            action, where = step
            if action == "item":
                items.append(where)
                continue
            original = repair.original(where)
            container = _lookup(repair.data, where[:-1])
            if action == "placeholder":
                container[where[-1]] = _PLACEHOLDERS[str(where[-1])]
                repair.hidden_exact.add(original)
                repair.changed.append(original)
                continue
            keys.append(where)
            if action == "key":  # an unknown field hides nothing; a rejected value does
                parent = original[:-1]
                if parent:
                    repair.hidden.add(parent)
                else:
                    repair.hidden_exact.add(original)
                repair.changed.append(original)
                repair.anonymous.update(_id_kinds_under(original))
        for where in keys:
            container = _lookup(repair.data, where[:-1])
            if isinstance(container, dict):
                container.pop(where[-1], None)
        # remove items from the back, so that the indices still to be used stay valid
        unique = set(items)
        outermost = [w for w in unique if not any(w[:n] in unique for n in range(1, len(w)))]
        for where in sorted(outermost, key=_sort_key, reverse=True):
            index = where[-1]
            assert isinstance(index, int)
            list_loc = repair.original(where[:-1])
            container = _lookup(repair.data, where[:-1])
            kept = repair.survivors.setdefault(list_loc, list(range(len(container))))
            item = container[index]
            repair.withheld.update(_ids_in(item))
            if not (isinstance(item, Mapping) and isinstance(item.get("id"), str)):
                repair.anonymous.update(_id_kinds_under(list_loc))
            repair.anonymous.update(_id_kinds_under((*list_loc, kept[index]), strictly=True))
            repair.changed.append((*list_loc, kept[index]))
            del container[index]
            del kept[index]
            repair.hidden_exact.add(list_loc)
        try:
            return Portfolio.model_validate(repair.data), repair
        except ValidationError as again:
            exc = again
    return None


#: Where the ids that references point to live ("*" is any index).
_ID_LISTS: dict[str, Loc] = {
    "skill": ("skills",),
    "person": ("people",),
    "pool": ("pools",),
    "consumable": ("consumables",),
    "project": ("projects",),
    "task": ("projects", "*", "tasks"),
}


def _id_kinds_under(loc: Loc, strictly: bool = False) -> set[str]:
    """The kinds of id whose list is at ``loc`` or inside it (only inside if ``strictly``)."""
    kinds = set()
    for kind, pattern in _ID_LISTS.items():
        if len(pattern) < len(loc) or (strictly and len(pattern) == len(loc)):
            continue
        if all(p in ("*", part) for p, part in zip(pattern, loc, strict=False)):
            kinds.add(kind)
    return kinds


def _sort_key(loc: Loc) -> tuple[tuple[int, int | str], ...]:
    return tuple((0, part) if isinstance(part, int) else (1, part) for part in loc)


# ----------------------------------------------------------------------------- pass 2
#: How many ids the "did you mean" similarity search may compare, over one validation
#: (about 0.5 s at worst). A portfolio full of unknown references still validates fast;
#: the later ones get a hint only when an id differs in letter case alone.
_FUZZY_COMPARISONS = 20_000


class _Rules:
    """The cross-object rules; each method appends issues for one rule."""

    def __init__(self, portfolio: Portfolio, repair: _Repair | None = None) -> None:
        self.p = portfolio
        self.repair = repair
        self.issues: list[Issue] = []
        self.comparisons_left = _FUZZY_COMPARISONS
        self.folded: dict[str, dict[str, str]] = {}  # kind of id -> casefolded -> id
        self.skill_ids = {skill.id for skill in portfolio.skills}
        # with duplicate ids, references resolve to the first (the duplicate is reported)
        self.people: dict[str, Person] = _first_by_id(
            portfolio.people, [x.id for x in portfolio.people]
        )
        self.pools: dict[str, Pool] = _first_by_id(portfolio.pools, [x.id for x in portfolio.pools])
        self.consumables: dict[str, Consumable] = _first_by_id(
            portfolio.consumables, [x.id for x in portfolio.consumables]
        )
        self.projects: dict[str, Project] = _first_by_id(
            portfolio.projects, [x.id for x in portfolio.projects]
        )
        # every task with its location, in input order; listed once for all the rules
        # that walk the tasks
        self.all_tasks: list[tuple[Loc, Task, Project]] = [
            (("projects", i, "tasks", j), task, project)
            for i, project in enumerate(portfolio.projects)
            for j, task in enumerate(project.tasks)
        ]
        self.tasks: dict[str, tuple[Loc, Task, Project]] = _first_by_id(
            self.all_tasks, [task.id for _, task, _ in self.all_tasks]
        )
        # task id -> the known tasks it depends on (itself left out), for task_cycles;
        # filled by dependencies(), which run() calls for every task first
        self.task_graph: dict[str, list[str]] = {}
        # skill -> (level, capacity in %, person id) of everyone who has it, in input order
        self.skilled: dict[str, list[tuple[int, int, str]]] = {}
        for person in self.people.values():
            for skill, level in person.skills.items():
                self.skilled.setdefault(skill, []).append(
                    (level, round(person.capacity * 100), person.id)
                )
        # people removed by the repair of pass 1 might have been the ones who qualify
        self.people_complete = repair is None or not repair.touched(("people",))
        self.in_progress_without_status: list[str] = []
        # (skill, min_level, percent) -> who qualifies; + needed -> the shortfall text
        self.able: dict[tuple[str, int, int], list[str]] = {}
        self.shortfalls: dict[tuple[str, int, int, int], str | None] = {}
        self.calendar: WorkCalendar | None = None
        if portfolio.calendar.working_weekdays or any(
            e.working for e in portfolio.calendar.exceptions
        ):
            self.calendar = calendar_for(portfolio.calendar, portfolio.start_date)

    def where(self, loc: Loc) -> Loc:
        """The user's location of ``loc`` (they differ when pass 1 removed list items)."""
        return loc if self.repair is None else self.repair.original(loc)

    def add(self, loc: Loc, message: str) -> None:
        loc = self.where(loc)
        if self.repair is not None and self.repair.is_hidden(loc):
            return
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
        for loc, task, project in self.all_tasks:
            self.task_rules(loc, task, project)
        self.task_cycles()
        self.budget_rules()
        self.baseline_rules()
        if self.in_progress_without_status:
            tasks = self.in_progress_without_status
            more = f" (and {len(tasks) - 1} more)" if len(tasks) > 1 else ""
            self.add(
                ("status_date",),
                f"task '{tasks[0]}'{more} is in progress: set the portfolio's status_date "
                "(the date its progress was recorded)",
            )
        return self.issues

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
                    f"calendar exception ends ({exception.end}) before it starts "
                    f"({exception.start})",
                )

    def duplicate_ids(self) -> None:
        def check(items: Iterable[tuple[Loc, str]], what: str) -> None:
            first: dict[str, Loc] = {}
            for loc, ident in items:
                if ident in first:
                    self.add(
                        (*loc, "id"),
                        f"duplicate {what} id '{ident}' "
                        f"(first used at {format_path(self.where(first[ident]))})",
                    )
                else:
                    first[ident] = loc

        # a list has a repeated id exactly when its map by id (built in __init__) is
        # shorter than the list; only then is it worth walking
        p = self.p
        if len(self.skill_ids) < len(p.skills):
            check(((("skills", k), s.id) for k, s in enumerate(p.skills)), "skill")
        if len(self.people) < len(p.people):
            check(((("people", k), x.id) for k, x in enumerate(p.people)), "person")
        if len(self.pools) < len(p.pools):
            check(((("pools", k), x.id) for k, x in enumerate(p.pools)), "pool")
        if len(self.consumables) < len(p.consumables):
            check(((("consumables", k), x.id) for k, x in enumerate(p.consumables)), "consumable")
        if len(self.projects) < len(p.projects):
            check(((("projects", k), x.id) for k, x in enumerate(p.projects)), "project")
        if len(self.tasks) < len(self.all_tasks):
            check(((loc, task.id) for loc, task, _ in self.all_tasks), "task")
        for loc, task, _ in self.all_tasks:
            if task.modes:
                check((((*loc, "modes", m), mode.id) for m, mode in enumerate(task.modes)), "mode")

    def _unknown(self, loc: Loc, what: str, ident: str, known: Iterable[str]) -> None:
        if self.repair is not None and (
            ident in self.repair.withheld or what in self.repair.anonymous
        ):
            return  # the item may exist but was rejected by pass 1 (already reported)
        hint = self._close_match(what, ident, known)
        self.add(loc, f"unknown {what} '{ident}'" + (f"; did you mean '{hint}'?" if hint else ""))

    def _close_match(self, what: str, ident: str, known: Iterable[str]) -> str | None:
        """A known id spelled like ``ident``: the same in another case, else a similar one.

        The similarity search takes time linear in the number of ids, so it stops when
        :data:`_FUZZY_COMPARISONS` is used up (a file full of them would be quadratic).
        """
        if what not in self.folded:
            folded: dict[str, str] = {}
            for candidate in known:
                folded.setdefault(candidate.casefold(), candidate)
            self.folded[what] = folded
        candidates = self.folded[what]
        same = candidates.get(ident.casefold())
        if same is not None or self.comparisons_left < len(candidates):
            return same
        self.comparisons_left -= len(candidates)
        close = difflib.get_close_matches(ident, list(candidates.values()), n=1)
        return close[0] if close else None

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
            order = " -> ".join(f"'{c}'" for c in cycle)
            self.add(
                ("projects", index[successor], "depends_on", position),
                f"project dependency cycle: {order} (each project waits for the one before "
                "it); remove one of these depends_on entries",
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
        # the guards skip calls that would find nothing (most tasks have no modes)
        if task.requirements:
            self.requirement_list(loc, task, task.requirements, "requirements")
        if task.modes:
            for m, mode in enumerate(task.modes):
                if mode.requirements:
                    self.requirement_list(
                        (*loc, "modes", m),
                        task,
                        mode.requirements,
                        "requirements",
                        also=task.requirements,
                    )
        self.dependencies(loc, task)
        self.task_dates(loc, task, project)
        self.progress(loc, task)
        if task.estimate is not None:
            e = task.estimate
            if not e.optimistic_days <= e.likely_days <= e.pessimistic_days:
                self.add(
                    (*loc, "estimate"),
                    f"three-point estimate of task '{task.id}' is out of order: optimistic "
                    f"{e.optimistic_days:g}, likely {e.likely_days:g}, pessimistic "
                    f"{e.pessimistic_days:g} (need optimistic <= likely <= pessimistic)",
                )

    def team_rules(self, loc: Loc, task: Task) -> None:
        team = task.team
        assert team is not None
        tloc = (*loc, "team")
        if task.effort_days is None:
            self.add(
                tloc,
                f"task '{task.id}' has a team but no effort_days: size it by effort_days or "
                "remove the team",
            )
        if team.max_size < team.min_size:
            self.add(
                (*tloc, "max_size"),
                f"team of task '{task.id}' has max_size {team.max_size} below min_size "
                f"{team.min_size}",
            )
        if (team.skill is None) == (team.pool is None):
            self.add(
                tloc,
                f"team of task '{task.id}' needs exactly one of skill or pool (where "
                "members come from)",
            )
            return
        if team.skill is not None:
            if team.skill not in self.skill_ids:
                self._unknown((*tloc, "skill"), "skill", team.skill, self.skill_ids)
                return
            # team members work full time on the task (docs/rules.md)
            shortfall = self._shortfall(team.skill, team.min_level, 100, team.min_size)
            if shortfall is not None:
                self.add(
                    (*tloc, "skill"),
                    f"team of task '{task.id}' needs at least {_people(team.min_size)} with "
                    f"skill '{team.skill}' at level >= {team.min_level} and 100% time, "
                    f"but {shortfall}",
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

    def _shortfall(self, skill: str, min_level: int, percent: int, needed: int) -> str | None:
        """Why fewer than ``needed`` people qualify (who does, who nearly does), or None."""
        # many tasks ask for the same skill, level and time: scan the people once for each
        able = self.able.get((skill, min_level, percent))
        if able is None:
            able = self.able[skill, min_level, percent] = [
                pid
                for level, cap, pid in self.skilled.get(skill, ())
                if level >= min_level and cap >= percent
            ]
        if len(able) >= needed or not self.people_complete:
            return None
        key = (skill, min_level, percent, needed)
        if key not in self.shortfalls:
            self.shortfalls[key] = self._find_shortfall(skill, min_level, percent, able)
        return self.shortfalls[key]

    def _find_shortfall(self, skill: str, min_level: int, percent: int, able: list[str]) -> str:
        """The shortfall text, given the ``able`` people (too few)."""
        skilled = self.skilled.get(skill, [])
        if not skilled:
            return "nobody has it"
        who = f"only {len(able)} qualif{'ies' if len(able) == 1 else 'y'}: {_names(able)}"
        text = who if able else "nobody qualifies"
        others = [
            f"{pid} (level {level}" + (f", {cap}% time)" if cap < percent else ")")
            for level, cap, pid in skilled
            if pid not in able
        ]
        return text + (f"; others with '{skill}': {_names(others)}" if others else "")

    def requirement_list(
        self,
        loc: Loc,
        task: Task,
        requirements: list[Requirement],
        field: str,
        also: list[Requirement] = (),  # type: ignore[assignment]
    ) -> None:
        # people already required; built at the first person requirement (most lists
        # name nobody)
        named: set[str] | None = None
        for r, req in enumerate(requirements):
            if isinstance(req, SkillRequirement):  # by far the most common kind: test it first
                if req.skill not in self.skill_ids:
                    self._unknown((*loc, field, r, "skill"), "skill", req.skill, self.skill_ids)
                    continue
                shortfall = self._shortfall(
                    req.skill, req.min_level, req.allocation_percent, req.count
                )
                if shortfall is not None:
                    self.add(
                        (*loc, field, r, "skill"),
                        f"task '{task.id}' needs {_people(req.count)} with skill '{req.skill}' "
                        f"at level >= {req.min_level} and {req.allocation_percent}% time, "
                        f"but {shortfall}",
                    )
            elif isinstance(req, PersonRequirement):
                person = self.people.get(req.person)
                if person is None:
                    self._unknown((*loc, field, r, "person"), "person", req.person, self.people)
                    continue
                if named is None:
                    named = {o.person for o in also if isinstance(o, PersonRequirement)}
                if req.person in named:
                    self.add(
                        (*loc, field, r, "person"),
                        f"person '{req.person}' is required twice by task '{task.id}'",
                    )
                named.add(req.person)
                capacity = round(person.capacity * 100)
                if req.allocation_percent > capacity:
                    self.add(
                        (*loc, field, r, "allocation_percent"),
                        f"task '{task.id}' needs {req.allocation_percent}% of '{person.id}', "
                        f"who works {capacity}% (capacity {person.capacity:g}): set "
                        f"allocation_percent to {capacity} or less",
                    )
            elif isinstance(req, PoolRequirement):
                pool = self.pools.get(req.pool)
                if pool is None:
                    self._unknown((*loc, field, r, "pool"), "pool", req.pool, self.pools)
                elif req.units > _max_units(pool):
                    self.add(
                        (*loc, field, r, "units"),
                        f"task '{task.id}' needs {req.units} units of pool '{pool.id}', which "
                        f"never has more than {_max_units(pool)}",
                    )
            elif isinstance(req, ConsumableRequirement):
                consumable = self.consumables.get(req.consumable)
                if consumable is None:
                    self._unknown(
                        (*loc, field, r, "consumable"),
                        "consumable",
                        req.consumable,
                        self.consumables,
                    )
                elif req.amount > consumable.total:
                    self.add(
                        (*loc, field, r, "amount"),
                        f"task '{task.id}' uses {req.amount} of '{consumable.id}', which has "
                        f"only {consumable.total} in total",
                    )

    def dependencies(self, loc: Loc, task: Task) -> None:
        deps = task.dependencies
        # the edges of the task graph: the known tasks it depends on, itself left out
        # (a repeated task id stands for its first task, as in self.tasks)
        known = [d.task for d in deps if d.task in self.tasks and d.task != task.id] if deps else []
        self.task_graph.setdefault(task.id, known)
        if len(known) == len(deps):
            return  # every dependency names another known task
        for d, dep in enumerate(deps):
            if dep.task == task.id:
                self.add((*loc, "dependencies", d, "task"), f"task '{task.id}' depends on itself")
            elif dep.task not in self.tasks:
                self._unknown((*loc, "dependencies", d, "task"), "task", dep.task, self.tasks)

    def task_dates(self, loc: Loc, task: Task, project: Project) -> None:
        if task.deadline is not None:
            if task.earliest_start is not None and task.deadline < task.earliest_start:
                self.add(
                    (*loc, "deadline"),
                    f"deadline {task.deadline} of task '{task.id}' is before its earliest_start "
                    f"{task.earliest_start}",
                )
            elif project.release_date is not None and task.deadline < project.release_date:
                self.add(
                    (*loc, "deadline"),
                    f"deadline {task.deadline} of task '{task.id}' is before the release_date "
                    f"{project.release_date} of project '{project.id}'",
                )
        if task.pinned_start is not None:
            pinned = task.pinned_start
            ploc = (*loc, "pinned_start")
            not_started = task.progress is None or task.progress.state == ProgressState.NOT_STARTED
            if self.calendar is not None and not self.calendar.is_working_day(pinned):
                self.add(
                    ploc,
                    f"pinned_start {pinned} of task '{task.id}' is {self._why_not_working(pinned)}"
                    ", not a working day; pin it to a working day",
                )
            elif not_started and pinned < self.p.start_date:
                self.add(
                    ploc,
                    f"pinned_start {pinned} of task '{task.id}' is before the portfolio "
                    f"start_date {self.p.start_date}",
                )
            elif not_started and task.earliest_start is not None and pinned < task.earliest_start:
                self.add(
                    ploc,
                    f"pinned_start {pinned} of task '{task.id}' is before its earliest_start "
                    f"{task.earliest_start}",
                )
            elif not_started and project.release_date is not None and pinned < project.release_date:
                self.add(
                    ploc,
                    f"pinned_start {pinned} of task '{task.id}' is before the release_date "
                    f"{project.release_date} of project '{project.id}'",
                )

    def _why_not_working(self, day: date) -> str:
        """'a Saturday', "the holiday 'Easter Monday'" or "in the exception 'Shutdown'"."""
        cal = self.p.calendar
        holiday = next((h for h in cal.holidays if h.date == day), None)
        if holiday is not None:
            return f"the holiday '{holiday.name}'" if holiday.name else "a holiday"
        exception = next(
            (e for e in cal.exceptions if not e.working and e.start <= day <= e.end), None
        )
        if exception is not None:
            name = f" '{exception.name}'" if exception.name else ""
            return f"in the non-working calendar exception{name}"
        return f"a {day.strftime('%A')}"

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
        elif progress.state == ProgressState.IN_PROGRESS and task.milestone:
            self.add(
                (*ploc, "state"),
                f"task '{task.id}' is a milestone, an event of one day: it is done or not "
                "started, never in progress",
            )
        elif progress.state == ProgressState.IN_PROGRESS:
            if progress.actual_start is None:
                self.add(ploc, f"task '{task.id}' is in progress but has no actual_start")
            if progress.remaining_days is None:
                self.add(ploc, f"task '{task.id}' is in progress but has no remaining_days")
            if status is None:
                self.in_progress_without_status.append(task.id)
        if (
            progress.actual_start is not None
            and progress.actual_finish is not None
            and progress.actual_finish < progress.actual_start
        ):
            self.add(
                (*ploc, "actual_finish"),
                f"actual_finish {progress.actual_finish} of task '{task.id}' is before its "
                f"actual_start {progress.actual_start}",
            )
        elif (
            task.milestone
            and progress.actual_start is not None
            and progress.actual_finish is not None
            and progress.actual_finish != progress.actual_start
        ):
            self.add(
                (*ploc, "actual_finish"),
                f"task '{task.id}' is a milestone, an event of one day: its actual_finish "
                f"{progress.actual_finish} must equal its actual_start {progress.actual_start}",
            )
        for name in ("actual_start", "actual_finish"):
            value = getattr(progress, name)
            if status is not None and value is not None and value > status:
                self.add(
                    (*ploc, name),
                    f"{name} {value} of task '{task.id}' is after the status_date {status}",
                )

    def task_cycles(self) -> None:
        # self.task_graph is complete here: run() has called dependencies() for every task
        for cycle in _cycles(self.task_graph):
            # cycle = [a, b, ..., a]: each task depends on the one before it
            successor, predecessor = cycle[-1], cycle[-2]
            loc, task, _ = self.tasks[successor]
            position = next(k for k, dep in enumerate(task.dependencies) if dep.task == predecessor)
            order = " -> ".join(f"'{c}'" for c in cycle)
            self.add(
                (*loc, "dependencies", position),
                f"dependency cycle: {order} (each task waits for the one before it); "
                "remove one of these dependencies",
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
            if last < EARLIEST_DATE or first > LATEST_DATE:
                self.add(
                    ("budgets", "periods", k, "period"),
                    f"period '{period.period}' is outside the supported range "
                    f"{EARLIEST_DATE} to {LATEST_DATE}",
                )
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


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def _names(names: list[str], limit: int = 5) -> str:
    """``a, b, c`` or ``a, b, c, d, e and 7 more``."""
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else f"{shown} and {len(names) - limit} more"


_Item = TypeVar("_Item")


def _first_by_id(items: Sequence[_Item], ids: Sequence[str]) -> dict[str, _Item]:
    """Map each id to the first of ``items`` with it (``ids`` are the items' ids)."""
    by_id = dict(zip(ids, items, strict=True))  # the usual case, all ids distinct
    if len(by_id) < len(items):  # a repeated id: the later item replaced the first
        by_id = {}
        for ident, item in zip(ids, items, strict=True):
            by_id.setdefault(ident, item)
    return by_id


def _max_units(pool: Pool) -> int:
    return max([pool.units, *(c.units for c in pool.capacity_changes)])


def _acyclic(graph: dict[str, list[str]]) -> bool:
    """True when ``graph`` has no cycle."""
    # Usually every node points only to nodes listed before it (a task comes after the
    # tasks it depends on): that order is then a topological one, checked in one pass.
    listed: set[str] = set()
    for node, successors in graph.items():
        if not listed.issuperset(successors):
            return _kahn_acyclic(graph)
        listed.add(node)
    return True


def _kahn_acyclic(graph: dict[str, list[str]]) -> bool:
    """True when ``graph`` has no cycle (Kahn: every node can be taken in some order)."""
    waiting = dict.fromkeys(graph, 0)
    for successors in graph.values():
        for node in successors:
            waiting[node] = waiting.get(node, 0) + 1
    ready = [node for node, count in waiting.items() if count == 0]
    taken = 0
    while ready:
        taken += 1
        for node in graph.get(ready.pop(), ()):
            waiting[node] -= 1
            if waiting[node] == 0:
                ready.append(node)
    return taken == len(waiting)


def _cycles(graph: dict[str, list[str]], limit: int = 20) -> list[list[str]]:
    """Find up to ``limit`` distinct cycles, removing one edge of each found cycle."""
    if _acyclic(graph):  # the usual case, in a quarter of graphlib's time
        return []
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
        repaired = _repair(raw, exc)
        if repaired is not None:
            issues += _Rules(*repaired).run()
        return ValidationResult(None, issues)
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
