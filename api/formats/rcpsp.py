"""Readers for PSPLIB (single- and multi-mode) and MPLIB (multi-project) instances.

See :mod:`api.formats.benchmark_readers` for the mapping conventions.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import psplib

from api.formats._common import (
    ALL_DAYS_CALENDAR,
    START_DATE,
    FormatError,
    day,
    fs,
    instance_id,
    ints,
    makespan_objective,
    non_empty_lines,
)
from models import (
    Consumable,
    ConsumableRequirement,
    Mode,
    Pool,
    PoolRequirement,
    Portfolio,
    Project,
    Requirement,
    Task,
)


@dataclass(frozen=True)
class _Resource:
    id: str
    renewable: bool
    capacity: int


@dataclass(frozen=True)
class _Mode:
    number: int  # 1-based, as in the file
    duration: int
    demands: list[int]


def _requirements(mode: _Mode, resources: list[_Resource]) -> list[Requirement]:
    reqs: list[Requirement] = []
    for resource, amount in zip(resources, mode.demands, strict=True):
        if amount <= 0:
            continue
        if resource.renewable:
            reqs.append(PoolRequirement(pool=resource.id, units=amount))
        else:
            reqs.append(ConsumableRequirement(consumable=resource.id, amount=amount))
    return reqs


def _usable(mode: _Mode, resources: list[_Resource]) -> bool:
    """False when the mode needs more of a resource than there ever is."""
    return all(
        amount <= resource.capacity
        for resource, amount in zip(resources, mode.demands, strict=True)
    )


def _task(
    task_id: str,
    modes: list[_Mode],
    resources: list[_Resource],
    predecessors: list[str],
    path: Path,
) -> Task:
    """One activity as a task: a milestone, a single-mode task or a multi-mode task."""
    dependencies = fs(predecessors)
    if len(modes) == 1:
        mode = modes[0]
        reqs = _requirements(mode, resources)
        if mode.duration == 0 and not any(isinstance(r, ConsumableRequirement) for r in reqs):
            # A zero-duration activity holds renewable resources for no time at all.
            return Task(id=task_id, milestone=True, dependencies=dependencies)
        return Task(
            id=task_id,
            duration_days=mode.duration,
            requirements=reqs,
            dependencies=dependencies,
        )
    usable = [m for m in modes if _usable(m, resources)]
    if not usable:
        raise FormatError(
            path, f"activity {task_id}: every mode needs more of a resource than there is"
        )
    return Task(
        id=task_id,
        modes=[
            Mode(
                id=f"m{m.number}",
                duration_days=m.duration,
                requirements=_requirements(m, resources),
            )
            for m in usable
        ],
        dependencies=dependencies,
    )


def _resource_ids(renewable: list[bool]) -> list[str]:
    """'R1', 'R2', ... for renewable and 'N1', 'N2', ... for non-renewable resources."""
    counts = {True: 0, False: 0}
    ids = []
    for flag in renewable:
        counts[flag] += 1
        ids.append(f"{'R' if flag else 'N'}{counts[flag]}")
    return ids


def _portfolio(path: Path, resources: list[_Resource], projects: list[Project]) -> Portfolio:
    return Portfolio(
        id=instance_id(path),
        name=path.name,
        start_date=START_DATE,
        calendar=ALL_DAYS_CALENDAR,
        pools=[Pool(id=r.id, units=r.capacity) for r in resources if r.renewable],
        consumables=[Consumable(id=r.id, total=r.capacity) for r in resources if not r.renewable],
        projects=projects,
        objectives=makespan_objective(),
    )


def read_psplib(path: Path) -> Portfolio:
    """Read a PSPLIB ``.sm`` (single-mode) or ``.mm`` (multi-mode) instance."""
    try:
        instance = psplib.parse_psplib(path)
    except (ValueError, IndexError, StopIteration) as error:
        raise FormatError(path, f"not a PSPLIB file ({error})") from error
    renewable = [bool(r.renewable) for r in instance.resources]
    resources = [
        _Resource(id=ident, renewable=flag, capacity=int(r.capacity))
        for ident, flag, r in zip(
            _resource_ids(renewable), renewable, instance.resources, strict=True
        )
    ]
    predecessors: defaultdict[int, list[str]] = defaultdict(list)
    for index, activity in enumerate(instance.activities):
        for successor in activity.successors:
            predecessors[int(successor)].append(f"a{index + 1}")
    tasks = [
        _task(
            f"a{index + 1}",
            [
                _Mode(number=k + 1, duration=int(m.duration), demands=[int(x) for x in m.demands])
                for k, m in enumerate(activity.modes)
            ],
            resources,
            predecessors[index],
            path,
        )
        for index, activity in enumerate(instance.activities)
    ]
    return _portfolio(path, resources, [Project(id="p1", name=path.stem, tasks=tasks)])


_SUCCESSOR = re.compile(r"^(\d+):(\d+)$")


def read_mplib(path: Path) -> Portfolio:
    """Read an MPLIB multi-project instance (``.rcmp`` or ``.txt``, with or without due dates).

    Layout: number of projects; number of resources; capacities; then per project a line
    ``activities release_date [due_date]``, a line of 0/1 flags (resources used), and one
    line per activity: ``duration demand_1 .. demand_K successors p:a p:a ...``.
    """
    lines = non_empty_lines(path)
    try:
        return _read_mplib_lines(path, lines)
    except (ValueError, IndexError) as error:
        if isinstance(error, FormatError):
            raise
        raise FormatError(path, f"not an MPLIB file ({error})") from error


def _read_mplib_lines(path: Path, lines: list[str]) -> Portfolio:
    (num_projects,) = ints(lines[0])
    (num_resources,) = ints(lines[1])
    capacities = ints(lines[2])
    if len(capacities) != num_resources:
        raise FormatError(path, f"{num_resources} resources but {len(capacities)} capacities")
    resources = [
        _Resource(id=f"R{k + 1}", renewable=True, capacity=c) for k, c in enumerate(capacities)
    ]
    cursor = 3
    headers: list[tuple[int, int | None]] = []
    activities: list[list[tuple[int, list[int], list[str]]]] = []
    for p in range(1, num_projects + 1):
        header = ints(lines[cursor])
        if len(header) not in (2, 3):
            raise FormatError(path, f"project {p}: expected 'activities release [due]'")
        count, release = header[0], header[1]
        due = header[2] if len(header) == 3 else None
        headers.append((release, due))
        cursor += 2  # the header and the 0/1 line of resources used
        rows = []
        for a in range(1, count + 1):
            tokens = lines[cursor].split()
            cursor += 1
            numbers = [int(t) for t in tokens[: num_resources + 2]]
            duration, demands, n_succ = numbers[0], numbers[1:-1], numbers[-1]
            successors = tokens[num_resources + 2 :]
            if len(successors) != n_succ or len(demands) != num_resources:
                raise FormatError(path, f"project {p} activity {a}: malformed line")
            targets = []
            for token in successors:
                match = _SUCCESSOR.match(token)
                if match is None:
                    raise FormatError(path, f"bad successor '{token}' of {p}:{a}")
                targets.append(f"p{match[1]}-a{match[2]}")
            rows.append((duration, demands, targets))
        activities.append(rows)
    if cursor != len(lines):
        raise FormatError(path, f"{len(lines) - cursor} unexpected line(s) at the end")
    predecessors: defaultdict[str, list[str]] = defaultdict(list)
    for p, rows in enumerate(activities, start=1):
        for a, (_, _, targets) in enumerate(rows, start=1):
            for target in targets:
                predecessors[target].append(f"p{p}-a{a}")
    projects = []
    for p, ((release, due), rows) in enumerate(zip(headers, activities, strict=True), start=1):
        tasks = [
            _task(
                f"p{p}-a{a}",
                [_Mode(number=1, duration=duration, demands=demands)],
                resources,
                predecessors[f"p{p}-a{a}"],
                path,
            )
            for a, (duration, demands, _) in enumerate(rows, start=1)
        ]
        projects.append(
            Project(
                id=f"p{p}",
                release_date=day(release) if release > 0 else None,
                # Due date d (periods): no tardiness while the project ends by d, i.e.
                # its last working day is d - 1.
                due_date=day(max(due - 1, 0)) if due is not None else None,
                tasks=tasks,
            )
        )
    return _portfolio(path, resources, projects)
