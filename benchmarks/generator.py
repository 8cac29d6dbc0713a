"""Seeded generator of realistic IT portfolios for benchmarks and scale tests.

What it models
--------------
* **Calendar**: Monday to Friday with the German nationwide public holidays (fixed
  dates and the Easter-based ones) of every year the plan can reach.
* **People**: each has one main skill at level 3-5 and up to two side skills at level
  1-2, a day rate that grows with the level, and a team named after the main skill.
  One in twelve works part-time (50, 60 or 80 %); about a third take one or two
  vacations of one to three weeks inside the horizon. Every skill of the catalogue is
  somebody's main skill as long as there are at least as many people as skills.
* **Projects**: a chain of phases, analysis -> design -> build -> test -> deploy ->
  go-live milestone, where the build phase is a few parallel streams of chained tasks
  (mostly finish-to-start; some start-to-start with a lag, some finish-to-finish, a few
  finish-to-start with a waiting lag, and some links between streams). Small projects
  drop phases (a one-task project is a single build task). Test tasks hold a unit of a
  shared test-environment pool. About one project in seven waits for a task of an
  earlier project (cross-project dependencies only point from lower to higher project
  numbers, so the task graph is acyclic); about a third have a release date.
* **Requirements**: mostly one skill requirement (one person, sometimes two, at level
  1-3 and 100 % or 50 %), often with a second one (a project manager or another skill,
  part-time); about one task in ten names a person instead. Every requirement set is
  satisfiable by the people (Hall's condition is checked), and no hard deadline or
  budget is generated, so every generated portfolio is feasible.
* **Load**: durations are scaled per skill so that the demand for each skill is about
  ``target_utilisation`` (80 % by default) of the working days of the people whose main
  skill it is over ``horizon_days`` working days (absences and part-time deducted).
  A task that would last longer than a twelfth of the horizon gets more people
  instead (as many as can be staffed); no task lasts longer than a quarter of the
  horizon (at least 5 days), and where that cap binds the load is lower.
* **Dates and priorities**: a soft due date per project from the later of its
  resource-free critical path times a slack factor (1.1-1.6) and a load-based estimate
  (its share of the cumulative demand of the portfolio, in project order, times the
  horizon, times 0.9-1.3); priorities 1-5 and a late cost per day that grows with the
  priority.

The objective is weighted tardiness. :func:`skill_load` reports demand and capacity
per skill the way the generator targets them.

Command line::

    python -m benchmarks.generator --projects 8 --tasks 150 --people 25 --seed 1 --out FILE
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from models import (
    Absence,
    Dependency,
    DependencyType,
    Holiday,
    Person,
    PersonRequirement,
    Pool,
    PoolRequirement,
    Portfolio,
    Project,
    Requirement,
    Skill,
    SkillRequirement,
    Task,
    WorkingCalendar,
    calendar_for,
)

__all__ = ["generate_portfolio", "skill_load"]

#: Skill catalogue in the order skills are taken; beyond it skills are numbered.
SKILL_NAMES: list[tuple[str, str]] = [
    ("pm", "Project management"),
    ("analysis", "Business analysis"),
    ("python", "Python development"),
    ("sap", "SAP"),
    ("network", "Networking"),
    ("cloud", "Cloud engineering"),
    ("testing", "Testing and QA"),
    ("dba", "Database administration"),
    ("security", "IT security"),
    ("java", "Java development"),
    ("frontend", "Web front end"),
    ("devops", "DevOps and CI/CD"),
    ("data", "Data engineering"),
    ("linux", "Linux administration"),
    ("windows", "Windows and workplace"),
    ("servicenow", "ServiceNow"),
]

#: Skills each phase prefers (when present in the catalogue).
PHASE_SKILLS: dict[str, tuple[str, ...]] = {
    "analysis": ("analysis", "pm"),
    "design": ("analysis", "cloud", "security", "sap", "data"),
    "build": (
        "python",
        "sap",
        "network",
        "cloud",
        "dba",
        "java",
        "frontend",
        "data",
        "linux",
        "windows",
        "servicenow",
    ),
    "test": ("testing",),
    "deploy": ("devops", "cloud", "network", "linux", "dba"),
}

#: Relative base duration (working days) of each phase: (low, high).
PHASE_DAYS: dict[str, tuple[float, float]] = {
    "analysis": (5, 12),
    "design": (5, 15),
    "build": (5, 20),
    "test": (5, 15),
    "deploy": (1, 5),
}

PROJECT_KINDS = [
    "ERP upgrade",
    "CRM roll-out",
    "Network refresh",
    "Cloud migration",
    "Data platform",
    "Security hardening",
    "Service desk",
    "Customer portal",
    "Mobile app",
    "HR system",
    "Billing system",
    "Workplace refresh",
    "Data centre exit",
    "E-commerce shop",
    "Integration platform",
    "Reporting suite",
]

FIRST_NAMES = [
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ines", "Jonas",
    "Katrin", "Lukas", "Mia", "Noah", "Olga", "Paul", "Rita", "Sven", "Tanja", "Umut",
    "Vera", "Wim", "Yara", "Zoe", "Amir", "Birgit", "Carlos", "Dana", "Emil", "Fatma",
]  # fmt: skip
LAST_NAMES = [
    "Bauer", "Becker", "Braun", "Fischer", "Hoffmann", "Klein", "Koch", "Krause", "Lange",
    "Lehmann", "Meier", "Müller", "Neumann", "Richter", "Schmid", "Schmidt", "Schneider",
    "Schulz", "Schwarz", "Wagner", "Weber", "Werner", "Wolf", "Zimmermann", "Yilmaz",
    "Kowalski", "Rossi", "Novak", "Jansen", "Berg",
]  # fmt: skip

TEST_POOL = "test-env"


# --------------------------------------------------------------------------- calendar
def _easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month, day = divmod(h + l_ - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _holidays(first_year: int, last_year: int) -> list[Holiday]:
    """German nationwide public holidays on weekdays, for the given years."""
    days: list[Holiday] = []
    for year in range(first_year, last_year + 1):
        easter = _easter(year)
        candidates = [
            (date(year, 1, 1), "New Year's Day"),
            (easter - timedelta(days=2), "Good Friday"),
            (easter + timedelta(days=1), "Easter Monday"),
            (date(year, 5, 1), "Labour Day"),
            (easter + timedelta(days=39), "Ascension Day"),
            (easter + timedelta(days=50), "Whit Monday"),
            (date(year, 10, 3), "German Unity Day"),
            (date(year, 12, 25), "Christmas Day"),
            (date(year, 12, 26), "Boxing Day"),
        ]
        days += [Holiday(date=d, name=n) for d, n in sorted(candidates) if d.isoweekday() <= 5]
    return days


# --------------------------------------------------------------------------- drafts
@dataclass
class _Person:
    ident: str
    name: str
    main: int  # skill index
    skills: dict[int, int]  # skill index -> level
    capacity: float
    cost: float
    absences: list[tuple[date, date]] = field(default_factory=list)
    available_days: int = 0  # working days inside the horizon, after absences


@dataclass
class _Req:
    skill: int
    level: int
    count: int
    allocation: int


@dataclass
class _Task:
    ident: str
    name: str
    phase: str
    base: float = 0.0  # relative duration before scaling
    main: _Req | None = None  # the requirement that sets the duration scale
    person: int | None = None  # named person instead of ``main``
    person_allocation: int = 100
    extra: _Req | None = None  # a second, smaller requirement
    pool: bool = False
    milestone: bool = False
    # (global index of predecessor, type, lag rule): lag rule "half" = half the
    # predecessor's duration, otherwise an int
    deps: list[tuple[int, DependencyType, int | str]] = field(default_factory=list)
    days: int = 0

    @property
    def scale_skill(self) -> int | None:
        return self.main.skill if self.main is not None else None


@dataclass
class _Project:
    ident: str
    name: str
    tasks: list[int]  # global task indices, in topological order
    release: int | None = None  # working-day index
    priority: int = 1


class _Staff:
    """The people, indexed for requirement checks."""

    def __init__(self, people: list[_Person], n_skills: int) -> None:
        self.people = people
        self.main_holders: list[list[int]] = [[] for _ in range(n_skills)]
        for k, person in enumerate(people):
            self.main_holders[person.main].append(k)
        self.capacity = [
            sum(people[k].capacity * people[k].available_days for k in holders)
            for holders in self.main_holders
        ]
        self.staffed = [s for s in range(n_skills) if self.main_holders[s]]
        self.drafted = [0.0] * n_skills  # unscaled demand drafted so far, per skill
        self._able: dict[tuple[int, int, int], frozenset[int]] = {}

    def able(self, req: _Req) -> frozenset[int]:
        """People who may fill ``req`` (level and capacity)."""
        key = (req.skill, req.level, req.allocation)
        if key not in self._able:
            self._able[key] = frozenset(
                k
                for k, person in enumerate(self.people)
                if person.skills.get(req.skill, 0) >= req.level
                and round(person.capacity * 100) >= req.allocation
            )
        return self._able[key]

    def satisfiable(self, reqs: list[_Req], named: int | None) -> bool:
        """Hall's condition for one or two skill requirements plus a named person."""
        pools = [self.able(r) - ({named} if named is not None else set()) for r in reqs]
        if any(len(p) < r.count for p, r in zip(pools, reqs, strict=True)):
            return False
        if len(reqs) == 2:
            return len(pools[0] | pools[1]) >= reqs[0].count + reqs[1].count
        return True


# --------------------------------------------------------------------------- people
def _people(
    rng: np.random.Generator,
    n_people: int,
    n_skills: int,
    horizon_days: int,
    working: list[date],
) -> list[_Person]:
    order = [int(s) for s in rng.permutation(n_skills)]
    weights = rng.gamma(2.0, 1.0, n_skills)
    weights /= weights.sum()
    people: list[_Person] = []
    used_names: set[str] = set()
    # part-timers only among the people beyond the first n_skills (who cover the skills)
    spare = max(0, n_people - n_skills)
    n_part = min(spare, round(n_people / 12))
    part_time = {n_skills + int(k) for k in rng.choice(spare, size=n_part, replace=False)}
    for k in range(n_people):
        # the first n_skills people cover every skill; the rest follow random weights
        main = order[k] if k < n_skills else int(rng.choice(n_skills, p=weights))
        skills = {main: int(rng.choice([3, 4, 5], p=[0.35, 0.4, 0.25]))}
        for _ in range(int(rng.choice([0, 1, 2], p=[0.3, 0.45, 0.25]))):
            side = int(rng.integers(n_skills))
            skills.setdefault(side, int(rng.integers(1, 3)))
        capacity = float(rng.choice([0.5, 0.6, 0.8])) if k in part_time else 1.0
        name = ""
        for _ in range(5):
            name = f"{FIRST_NAMES[int(rng.integers(len(FIRST_NAMES)))]} "
            name += LAST_NAMES[int(rng.integers(len(LAST_NAMES)))]
            if name not in used_names:
                break
        used_names.add(name)
        level = skills[main]
        cost = float(round(450 + 120 * level + rng.normal(0, 40), -1))
        people.append(_Person(f"p{k + 1:03d}", name, main, skills, capacity, cost))
    # side skills for skills nobody holds yet (fewer people than skills)
    held = {s for p in people for s in p.skills}
    for s in range(n_skills):
        if s not in held:
            people[int(rng.integers(n_people))].skills.setdefault(s, 1)
    # vacations for about a third of the people, whole Monday-to-Friday weeks
    first_monday = working[0] - timedelta(days=working[0].weekday())
    weeks = max(1, horizon_days // 5)
    for person in people:
        if rng.random() < 1 / 3:
            taken: list[tuple[int, int]] = []  # (first week, last week): never overlapping
            for _ in range(int(rng.choice([1, 2], p=[0.6, 0.4]))):
                week = int(rng.integers(weeks))
                length = int(rng.choice([1, 2, 3], p=[0.4, 0.4, 0.2]))
                if any(week <= last + 1 and first <= week + length for first, last in taken):
                    continue
                taken.append((week, week + length - 1))
                begin = first_monday + timedelta(weeks=week)
                person.absences.append((begin, begin + timedelta(weeks=length, days=-3)))
        person.absences.sort()
        away = {d for d in working for a, b in person.absences if a <= d <= b}
        person.available_days = horizon_days - len(away)
    return people


# --------------------------------------------------------------------------- structure
def _sizes(rng: np.random.Generator, n_projects: int, n_tasks: int) -> list[int]:
    """Project sizes summing to ``n_tasks``, each at least ``min(4, n_tasks // n)``."""
    floor = min(4, n_tasks // n_projects)
    weights = rng.lognormal(0.0, 0.5, n_projects)
    spare = n_tasks - floor * n_projects
    raw = weights / weights.sum() * spare
    sizes = [floor + int(x) for x in raw]
    remainders = raw - np.floor(raw)
    for k in np.argsort(-remainders, kind="stable")[: n_tasks - sum(sizes)]:
        sizes[int(k)] += 1
    return sizes


def _phases(size: int) -> tuple[list[str], int]:
    """Phase names before and after the build streams, and the number of build tasks."""
    if size >= 6:
        return ["analysis", "design", "test", "deploy", "golive"], size - 5
    head_tail = {
        1: [],
        2: ["design"],
        3: ["analysis", "test"],
        4: ["analysis", "design", "test"],
        5: ["analysis", "design", "test", "deploy"],
    }[size]
    return head_tail, size - len(head_tail)


def _pick_skill(rng: np.random.Generator, phase: str, staff: _Staff, names: list[str]) -> int:
    """A staffed skill: often one the phase prefers; steered towards capacity shares.

    Skills whose share of the drafted demand is below their share of the capacity are
    favoured, so that the per-skill scaling later changes durations only a little.
    """
    preferred = [s for s in staff.staffed if names[s] in PHASE_SKILLS.get(phase, ())]
    candidates = preferred if preferred and rng.random() < 0.6 else staff.staffed
    total_capacity = sum(staff.capacity[s] for s in staff.staffed)
    total_drafted = sum(staff.drafted) or 1.0
    weights = np.empty(len(candidates))
    for k, s in enumerate(candidates):
        share = staff.capacity[s] / total_capacity
        ratio = staff.drafted[s] / total_drafted / share if sum(staff.drafted) else 1.0
        weights[k] = staff.capacity[s] * max(0.05, 2.0 - ratio)
    return candidates[int(rng.choice(len(candidates), p=weights / weights.sum()))]


def _requirements(rng: np.random.Generator, draft: _Task, staff: _Staff, names: list[str]) -> None:
    """Fill the requirements of a non-milestone task, keeping them satisfiable."""
    skill = _pick_skill(rng, draft.phase, staff, names)
    if rng.random() < 0.1:
        holder = staff.main_holders[skill][int(rng.integers(len(staff.main_holders[skill])))]
        draft.person = holder
        draft.person_allocation = min(100, round(staff.people[holder].capacity * 100))
        draft.main = _Req(skill, 3, 1, draft.person_allocation)  # for scaling only
    else:
        level = int(rng.choice([1, 2, 3], p=[0.3, 0.4, 0.3]))
        allocation = 100 if rng.random() < 0.8 else 50
        count = 2 if rng.random() < 0.15 else 1
        req = _Req(skill, level, count, allocation)
        # main holders have level 3+ and one of them works full time: this ends
        while not staff.satisfiable([req], None):
            if req.count > 1:
                req.count -= 1
            elif req.allocation > 50:
                req.allocation = 50
            elif req.level > 1:
                req.level -= 1
            else:
                break
        draft.main = req
    if rng.random() < 0.3:
        pm = names.index("pm") if "pm" in names else -1
        if draft.phase in ("analysis", "design", "deploy") and pm in staff.staffed:
            other = pm
        else:
            other = staff.staffed[int(rng.integers(len(staff.staffed)))]
        if other != skill:
            extra = _Req(other, int(rng.integers(1, 3)), 1, int(rng.choice([20, 30, 50])))
            reqs = [extra] if draft.person is not None else [draft.main, extra]
            if staff.satisfiable(reqs, draft.person):
                draft.extra = extra


def _project(
    rng: np.random.Generator,
    p: int,
    size: int,
    tasks: list[_Task],
    staff: _Staff,
    names: list[str],
) -> _Project:
    """Draft the tasks of project ``p`` (appended to ``tasks``) and return the project."""
    ident = f"P{p + 1:03d}"
    kind = PROJECT_KINDS[int(rng.integers(len(PROJECT_KINDS)))]
    phases, n_build = _phases(size)
    head = [x for x in phases if x in ("analysis", "design")]
    tail = [x for x in phases if x not in ("analysis", "design")]
    indices: list[int] = []

    def add(draft: _Task) -> int:
        tasks.append(draft)
        indices.append(len(tasks) - 1)
        return len(tasks) - 1

    def fs(pred: int) -> tuple[int, DependencyType, int | str]:
        return (pred, DependencyType.FS, 0)

    previous: list[int] = []
    for phase in head:
        previous = [
            add(_Task(f"{ident}-{phase}", f"{kind}: {phase}", phase, deps=[*map(fs, previous)]))
        ]
    # build streams: chains of tasks, with a few links between streams
    n_streams = max(1, min(n_build, round(math.sqrt(n_build))))
    lengths = [
        n_build // n_streams + (1 if s < n_build % n_streams else 0) for s in range(n_streams)
    ]
    streams: list[list[int]] = []
    for s, length in enumerate(lengths):
        chain: list[int] = []
        for position in range(length):
            draft = _Task(
                f"{ident}-build-{s + 1}-{position + 1}",
                f"{kind}: build stream {s + 1}, step {position + 1}",
                "build",
            )
            if position == 0:
                draft.deps = [*map(fs, previous)]
            else:
                roll = rng.random()
                pred = chain[-1]
                if roll < 0.12:
                    draft.deps = [(pred, DependencyType.SS, "half")]
                elif roll < 0.2:
                    draft.deps = [(pred, DependencyType.FF, int(rng.integers(0, 3)))]
                elif roll < 0.25:
                    draft.deps = [(pred, DependencyType.FS, int(rng.integers(1, 4)))]
                else:
                    draft.deps = [fs(pred)]
                other = streams[int(rng.integers(s))] if s > 0 else []
                if len(other) >= position and rng.random() < 0.1:
                    draft.deps.append(fs(other[position - 1]))  # one step earlier: acyclic
            chain.append(add(draft))
        streams.append(chain)
    ends = [chain[-1] for chain in streams] or previous
    for phase in tail:
        draft = _Task(f"{ident}-{phase}", f"{kind}: {phase}", phase, deps=[*map(fs, ends)])
        if phase == "golive":
            draft.name, draft.milestone = f"{kind}: go-live", True
        draft.pool = phase == "test"
        ends = [add(draft)]
    for k in indices:
        draft = tasks[k]
        if not draft.milestone:
            low, high = PHASE_DAYS[draft.phase]
            draft.base = float(rng.uniform(low, high))
            _requirements(rng, draft, staff, names)
            for skill, load in _demand(draft, draft.base, staff.people):
                staff.drafted[skill] += load
    return _Project(ident, f"{kind} {p + 1}", indices)


# --------------------------------------------------------------------------- load
def _demand(draft: _Task, days: float, people: list[_Person]) -> list[tuple[int, float]]:
    """(skill, person-days) of a task of ``days`` days."""
    out: list[tuple[int, float]] = []
    if draft.person is not None:
        out.append((people[draft.person].main, days * draft.person_allocation / 100))
    elif draft.main is not None:
        out.append((draft.main.skill, days * draft.main.count * draft.main.allocation / 100))
    if draft.extra is not None:
        out.append((draft.extra.skill, days * draft.extra.allocation / 100))
    return out


def _scale(
    rng: np.random.Generator,
    tasks: list[_Task],
    staff: _Staff,
    target: float,
    soft_days: int,
    max_days: int,
) -> None:
    """Set integer durations so that each skill's demand is about ``target`` of capacity.

    Tasks longer than ``soft_days`` get more people where possible; no task is longer
    than ``max_days``.
    """
    n_skills = len(staff.capacity)
    factor = [1.0] * n_skills
    for _ in range(6):  # fixed point: extra requirements load other skills
        own = [0.0] * n_skills
        other = [0.0] * n_skills
        for draft in tasks:
            s = draft.scale_skill
            if s is None:
                continue
            for skill, load in _demand(draft, draft.base * factor[s], staff.people):
                if skill == s:
                    own[skill] += load
                else:
                    other[skill] += load
        for s in range(n_skills):
            if own[s] > 0:
                wanted = max(target * staff.capacity[s] - other[s], 0.25 * own[s])
                factor[s] *= wanted / own[s]
    for draft in tasks:
        s = draft.scale_skill
        if s is None:
            continue
        exact = draft.base * factor[s]
        if exact > soft_days and draft.main is not None and draft.person is None:
            exact = _widen(draft, draft.main, exact, soft_days, staff)
        exact = min(exact, max_days)
        whole = math.floor(exact)
        draft.days = max(1, whole + (1 if rng.random() < exact - whole else 0))


def _widen(draft: _Task, req: _Req, days: float, soft_days: int, staff: _Staff) -> float:
    """Put more people on a long task (same person-days); return its new duration.

    Takes the largest count up to the one that brings the task within ``soft_days``
    that the people can staff, lowering the level if that helps.
    """
    holders = [
        k
        for k in staff.main_holders[req.skill]
        if round(staff.people[k].capacity * 100) >= req.allocation
    ]
    # fewer people than have it as their main skill: others are busy with their own,
    # and a task that needs all of them waits for everybody to be free at once
    wanted = min(math.ceil(days * req.count / soft_days), len(holders) - 1)
    for count in range(wanted, req.count, -1):
        for level in range(req.level, 0, -1):
            trial = _Req(req.skill, level, count, req.allocation)
            reqs = [trial] if draft.extra is None else [trial, draft.extra]
            if staff.satisfiable(reqs, None):
                draft.main = trial
                return days * req.count / count
    return days


def _lag(rule: int | str, predecessor: _Task) -> int:
    return max(1, predecessor.days // 2) if rule == "half" else int(rule)


def _earliest_finish(tasks: list[_Task], projects: list[_Project]) -> list[int]:
    """Resource-free earliest exclusive end of each task (tasks are topologically ordered)."""
    release = {k: pr.release or 0 for pr in projects for k in pr.tasks}
    start = [0] * len(tasks)
    end = [0] * len(tasks)
    for k, draft in enumerate(tasks):
        s = release[k]
        for pred, kind, rule in draft.deps:
            lag = _lag(rule, tasks[pred])
            if kind == DependencyType.FS:
                s = max(s, end[pred] + lag)
            elif kind == DependencyType.SS:
                s = max(s, start[pred] + lag)
            elif kind == DependencyType.FF:
                s = max(s, end[pred] + lag - draft.days)
            else:
                s = max(s, start[pred] + lag - draft.days)
        start[k], end[k] = s, s + draft.days
    return end


# --------------------------------------------------------------------------- public
def generate_portfolio(
    n_projects: int,
    n_tasks: int,
    n_people: int,
    n_skills: int = 8,
    seed: int = 0,
    horizon_days: int = 260,
    start: date = date(2027, 1, 4),
    *,
    target_utilisation: float = 0.8,
) -> Portfolio:
    """Generate a feasible, realistic IT portfolio (see the module docstring).

    Parameters
    ----------
    n_projects, n_tasks, n_people, n_skills
        Exact numbers of projects, tasks (milestones included), people and skills;
        ``n_tasks >= n_projects``.
    seed
        Seed of :func:`numpy.random.default_rng`; equal arguments give equal portfolios.
    horizon_days
        Working days over which the load is spread (260 is about a year).
    start
        Portfolio start date.
    target_utilisation
        Demand per skill as a share of the capacity of the people with that main skill.
    """
    if n_projects < 1 or n_people < 1 or n_skills < 1 or horizon_days < 20:
        raise ValueError("need at least one project, person and skill and 20 horizon days")
    if n_tasks < n_projects:
        raise ValueError(f"n_tasks ({n_tasks}) must be at least n_projects ({n_projects})")
    rng = np.random.default_rng(seed)
    names = [
        SKILL_NAMES[s][0] if s < len(SKILL_NAMES) else f"skill-{s + 1:02d}" for s in range(n_skills)
    ]
    last_year = start.year + math.ceil(horizon_days * 3 / 250) + 1
    spec = WorkingCalendar(holidays=_holidays(start.year, last_year))
    calendar = calendar_for(spec, start)
    working = calendar.working_days(start, calendar.date_of(horizon_days - 1))
    people = _people(rng, n_people, n_skills, horizon_days, working)
    staff = _Staff(people, n_skills)

    tasks: list[_Task] = []
    projects = [
        _project(rng, p, size, tasks, staff, names)
        for p, size in enumerate(_sizes(rng, n_projects, n_tasks))
    ]
    # cross-project links: a first task waits for a task of an earlier project
    for p, project in enumerate(projects):
        if p > 0 and rng.random() < 0.15:
            earlier = projects[int(rng.integers(p))]
            pred = earlier.tasks[int(rng.integers(len(earlier.tasks)))]
            tasks[project.tasks[0]].deps.append((pred, DependencyType.FS, 0))
        if rng.random() < 0.3:
            project.release = int(rng.uniform(0, 0.4) * horizon_days * p / max(1, n_projects - 1))
        project.priority = int(rng.choice([1, 2, 3, 4, 5], p=[0.15, 0.25, 0.3, 0.2, 0.1]))

    _scale(
        rng, tasks, staff, target_utilisation, max(5, horizon_days // 12), max(5, horizon_days // 4)
    )
    end = _earliest_finish(tasks, projects)

    # due dates: later of critical path x slack and load position x horizon
    loads = [
        sum(load for k in pr.tasks for _, load in _demand(tasks[k], tasks[k].days, people))
        for pr in projects
    ]
    total = sum(loads) or 1.0
    cumulative = 0.0
    dues: list[int] = []
    for project, load in zip(projects, loads, strict=True):
        cumulative += load
        critical = max(end[k] for k in project.tasks)
        by_path = critical * float(rng.uniform(1.1, 1.6))
        by_load = cumulative / total * horizon_days * float(rng.uniform(0.9, 1.3))
        dues.append(max(1, math.ceil(max(by_path, by_load))))

    return Portfolio(
        id=f"generated-{n_projects}x{n_tasks}x{n_people}-s{seed}",
        name=f"Generated IT portfolio ({n_projects} projects, {n_tasks} tasks, "
        f"{n_people} people, seed {seed})",
        start_date=start,
        calendar=spec,
        skills=[
            Skill(id=name, name=SKILL_NAMES[s][1] if s < len(SKILL_NAMES) else name.title())
            for s, name in enumerate(names)
        ],
        people=[
            Person(
                id=person.ident,
                name=person.name,
                team=names[person.main],
                skills={names[s]: level for s, level in sorted(person.skills.items())},
                capacity=person.capacity,
                absences=[Absence(start=a, end=b, reason="Vacation") for a, b in person.absences],
                cost_per_day=person.cost,
            )
            for person in people
        ],
        pools=[
            Pool(
                id=TEST_POOL,
                name="Test environments",
                units=max(1, n_projects // 6),
                cost_per_unit_day=150,
            )
        ],
        projects=[
            Project(
                id=project.ident,
                name=project.name,
                priority=project.priority,
                release_date=None if project.release is None else calendar.date_of(project.release),
                due_date=calendar.date_of(due - 1),
                late_cost_per_day=200.0 * project.priority,
                tasks=[_task(tasks[k], tasks, people, names) for k in project.tasks],
            )
            for project, due in zip(projects, dues, strict=True)
        ],
    )


def _task(draft: _Task, tasks: list[_Task], people: list[_Person], names: list[str]) -> Task:
    requirements: list[Requirement] = []
    if draft.person is not None:
        requirements.append(
            PersonRequirement(
                person=people[draft.person].ident, allocation_percent=draft.person_allocation
            )
        )
    elif draft.main is not None:
        r = draft.main
        requirements.append(
            SkillRequirement(
                skill=names[r.skill],
                min_level=r.level,
                count=r.count,
                allocation_percent=r.allocation,
            )
        )
    if draft.extra is not None:
        r = draft.extra
        requirements.append(
            SkillRequirement(
                skill=names[r.skill], min_level=r.level, allocation_percent=r.allocation
            )
        )
    if draft.pool:
        requirements.append(PoolRequirement(pool=TEST_POOL))
    dependencies = [
        Dependency(task=tasks[pred].ident, type=kind, lag_days=_lag(rule, tasks[pred]))
        for pred, kind, rule in draft.deps
    ]
    if draft.milestone:
        return Task(id=draft.ident, name=draft.name, milestone=True, dependencies=dependencies)
    return Task(
        id=draft.ident,
        name=draft.name,
        duration_days=draft.days,
        requirements=requirements,
        dependencies=dependencies,
    )


def skill_load(portfolio: Portfolio, horizon_days: int = 260) -> dict[str, tuple[float, float]]:
    """Skill -> (demand, capacity) in person-days, as the generator targets them.

    Demand: duration x count x allocation of every skill requirement, and of every
    named person for their main (highest-level) skill. Capacity: the working days in the
    first ``horizon_days`` working days, without absences, times the capacity of each
    person whose main skill it is.
    """
    calendar = calendar_for(portfolio.calendar, portfolio.start_date)
    last = calendar.date_of(horizon_days - 1)
    people = {p.id: p for p in portfolio.people}

    def main(person: Person) -> str:
        return max(person.skills, key=lambda s: person.skills[s])

    demand: dict[str, float] = defaultdict(float)
    capacity: dict[str, float] = defaultdict(float)
    for person in portfolio.people:
        away = sum(
            calendar.working_days_between(a.start, min(a.end, last)) for a in person.absences
        )
        capacity[main(person)] += person.capacity * (horizon_days - away)
    for project in portfolio.projects:
        for task in project.tasks:
            days = task.duration_days or 0
            for r in task.requirements:
                if isinstance(r, SkillRequirement):
                    demand[r.skill] += days * r.count * r.allocation_percent / 100
                elif isinstance(r, PersonRequirement):
                    demand[main(people[r.person])] += days * r.allocation_percent / 100
    return {s.id: (demand[s.id], capacity[s.id]) for s in portfolio.skills}


def main(argv: list[str] | None = None) -> int:
    """``python -m benchmarks.generator``: write a generated portfolio as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--projects", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=150)
    parser.add_argument("--people", type=int, default=25)
    parser.add_argument("--skills", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--horizon", type=int, default=260, help="working days")
    parser.add_argument("--start", type=date.fromisoformat, default=date(2027, 1, 4))
    parser.add_argument("--utilisation", type=float, default=0.8)
    parser.add_argument("--out", type=Path, help="output file (default: standard output)")
    args = parser.parse_args(argv)
    portfolio = generate_portfolio(
        args.projects,
        args.tasks,
        args.people,
        n_skills=args.skills,
        seed=args.seed,
        horizon_days=args.horizon,
        start=args.start,
        target_utilisation=args.utilisation,
    )
    text = json.dumps(portfolio.model_dump(mode="json"), indent=2, ensure_ascii=False) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        args.out.write_text(text, encoding="utf-8")
        for skill, (demand, cap) in skill_load(portfolio, args.horizon).items():
            share = f"{demand / cap:6.1%}" if cap else "   n/a"
            print(f"{skill:12s} demand {demand:8.1f} / capacity {cap:8.1f} pd = {share}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
