"""Readers for multi-skill instances: MSLIB (``.msrcp``), iMOPSE (``.def``) and the
software project scheduling instances of Alba & Chicano (``.conf``).

See :mod:`api.formats.benchmark_readers` for the mapping conventions.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path

from api.formats._common import (
    ALL_DAYS_CALENDAR,
    START_DATE,
    FormatError,
    fs,
    instance_id,
    ints,
    makespan_objective,
    non_empty_lines,
)
from models import (
    Person,
    PersonRequirement,
    Portfolio,
    Project,
    Requirement,
    Skill,
    SkillRequirement,
    Task,
)

#: Working days in one person-month of the Alba & Chicano instances.
SPSP_DAYS_PER_MONTH = 20

#: Highest skill level of the domain (levels run from 1 to 5).
_MAX_LEVEL = 5


def _skill_id(index: int) -> str:
    return f"Q{index}"


def _portfolio(path: Path, num_skills: int, people: list[Person], tasks: list[Task]) -> Portfolio:
    # The catalogue: Q0 .. Q(n-1) for the n skills the file announces, plus any other
    # skill the file uses (some iMOPSE files number their n skills 1..n).
    used = {int(s[1:]) for p in people for s in p.skills} | {
        int(r.skill[1:]) for t in tasks for r in t.requirements if isinstance(r, SkillRequirement)
    }
    return Portfolio(
        id=instance_id(path),
        name=path.name,
        start_date=START_DATE,
        calendar=ALL_DAYS_CALENDAR,
        skills=[Skill(id=_skill_id(s)) for s in sorted(set(range(num_skills)) | used)],
        people=people,
        projects=[Project(id="p1", name=path.stem, tasks=tasks)],
        objectives=makespan_objective(),
    )


# ----------------------------------------------------------------------------- MSLIB
def _mslib_sections(path: Path) -> dict[str, list[str]]:
    """The lines of each module, keyed by the module's title in lower case."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in non_empty_lines(path):
        if line.startswith("\\*"):
            title = line.strip("\\* ").lower()
            current = sections.setdefault(title, [])
        elif current is None:
            raise FormatError(path, "expected a module title such as '\\* Project Module *\\'")
        else:
            current.append(line)
    return sections


def read_mslib(path: Path, *, skill_levels: bool = False) -> Portfolio:
    """Read an MSLIB instance (Snauwaert & Vanhoucke 2023).

    With ``skill_levels=False`` (the default) this is the basic MSRCPSP the published
    results refer to: a task needs ``r`` people who master the skill, at any level. With
    ``skill_levels=True`` the "Skill Level Requirements Module" (the hierarchical-levels
    extension) sets the minimum level of each of the ``r`` people.
    """
    try:
        return _read_mslib(path, skill_levels)
    except (ValueError, IndexError, KeyError) as error:
        if isinstance(error, FormatError):
            raise
        raise FormatError(path, f"not an MSLIB file ({error!r})") from error


def _read_mslib(path: Path, skill_levels: bool) -> Portfolio:
    sections = _mslib_sections(path)
    project = sections["project module"]
    num_activities, num_resources, num_skills = ints(project[0])[:3]
    rows = project[3 : 3 + num_activities]  # after the deadline lines
    if len(rows) != num_activities:
        raise FormatError(path, f"expected {num_activities} activity lines")
    durations: list[int] = []
    predecessors: defaultdict[int, list[str]] = defaultdict(list)
    for a, row in enumerate(rows, start=1):
        numbers = ints(row)
        durations.append(numbers[0])
        successors = numbers[2 : 2 + numbers[1]]
        if len(successors) != numbers[1]:
            raise FormatError(path, f"activity {a}: {numbers[1]} successors announced")
        for successor in successors:
            predecessors[successor].append(f"a{a}")
    mastered = [ints(r) for r in sections["workforce module"][:num_resources]]
    levels = [ints(r) for r in sections["workforce module with skill levels"][:num_resources]]
    needs = [ints(r) for r in sections["skill requirements module"][:num_activities]]
    level_rows = sections.get("skill level requirements module", [])
    if skill_levels and len(level_rows) != num_activities:
        raise FormatError(path, "the skill level requirements module is missing or incomplete")
    people = []
    for r in range(num_resources):
        skills: dict[str, int] = {}
        for s in range(num_skills):
            if mastered[r][s]:
                level = levels[r][s]
                if not 1 <= level <= _MAX_LEVEL:
                    raise FormatError(path, f"resource {r + 1}: skill level {level} not in 1..5")
                skills[_skill_id(s)] = level
        people.append(Person(id=f"e{r + 1}", skills=skills))
    tasks = []
    for a in range(1, num_activities + 1):
        need = needs[a - 1]
        deps = fs(predecessors[a])
        if durations[a - 1] == 0:
            tasks.append(Task(id=f"a{a}", milestone=True, dependencies=deps))
            continue
        wanted: Counter[tuple[int, int]] = Counter()
        if skill_levels:
            required = [int(x) for x in level_rows[a - 1].split() if int(x) >= 0]
            if len(required) != sum(need):
                raise FormatError(
                    path, f"activity {a}: {len(required)} levels for {sum(need)} people"
                )
            position = 0
            for s, count in enumerate(need):
                for level in required[position : position + count]:
                    wanted[(s, level)] += 1
                position += count
        else:
            for s, count in enumerate(need):
                if count > 0:
                    wanted[(s, 1)] = count
        tasks.append(
            Task(
                id=f"a{a}",
                duration_days=durations[a - 1],
                requirements=[
                    SkillRequirement(skill=_skill_id(s), min_level=level, count=count)
                    for (s, level), count in sorted(wanted.items())
                ],
                dependencies=deps,
            )
        )
    return _portfolio(path, num_skills, people, tasks)


# ----------------------------------------------------------------------------- iMOPSE
_SKILL_LEVEL = re.compile(r"Q(\d+):\s*(-?\d+)")
_TASK = re.compile(r"^(\d+)\s+(\d+)\s+Q(\d+):\s*(-?\d+)(.*)$")
_RESOURCE = re.compile(r"^(\d+)\s+(\d+(?:\.\d*)?)\s*(.*)$")


def _imopse_level(path: Path, level: int) -> int:
    """iMOPSE levels start at 0: level L becomes L + 1 (so 0..3 becomes 1..4)."""
    if not 0 <= level < _MAX_LEVEL:
        raise FormatError(path, f"skill level {level} is outside 0..{_MAX_LEVEL - 1}")
    return level + 1


def read_imopse(path: Path) -> Portfolio:
    """Read an iMOPSE MS-RCPSP ``.def`` instance (Myszkowski et al.)."""
    lines = non_empty_lines(path)
    header: dict[str, int] = {}
    for line in lines:
        match = re.match(r"^(Tasks|Resources|Number of skill types):\s*(\d+)$", line)
        if match:
            header[match[1]] = int(match[2])
    if len(header) != 3:
        raise FormatError(path, "missing 'Tasks:', 'Resources:' or 'Number of skill types:'")
    section = ""
    people: list[Person] = []
    rows: list[tuple[int, int, int, int, list[int]]] = []
    for line in lines:
        if line.startswith("ResourceID"):
            section = "resources"
        elif line.startswith("TaskID"):
            section = "tasks"
        elif line.startswith("="):
            section = ""
        elif section == "resources":
            match = _RESOURCE.match(line)
            if match is None:
                raise FormatError(path, f"bad resource line '{line}'")
            skills = {
                _skill_id(int(s)): _imopse_level(path, int(level))
                for s, level in _SKILL_LEVEL.findall(match[3])
            }
            people.append(
                Person(
                    id=f"e{match[1]}",
                    skills=skills,
                    cost_per_day=float(match[2]),
                )
            )
        elif section == "tasks":
            task = _TASK.match(line)
            if task is None:
                raise FormatError(path, f"bad task line '{line}'")
            rows.append((int(task[1]), int(task[2]), int(task[3]), int(task[4]), ints(task[5])))
    if len(people) != header["Resources"] or len(rows) != header["Tasks"]:
        raise FormatError(
            path,
            f"header announces {header['Resources']} resources and {header['Tasks']} tasks, "
            f"found {len(people)} and {len(rows)}",
        )
    tasks = []
    for ident, duration, skill, level, preds in rows:
        deps = fs(f"a{p}" for p in preds)
        if duration == 0:
            tasks.append(Task(id=f"a{ident}", milestone=True, dependencies=deps))
            continue
        tasks.append(
            Task(
                id=f"a{ident}",
                duration_days=duration,
                requirements=[
                    SkillRequirement(skill=_skill_id(skill), min_level=_imopse_level(path, level))
                ],
                dependencies=deps,
            )
        )
    return _portfolio(path, header["Number of skill types"], people, tasks)


# ----------------------------------------------------------------------------- SPSP
def _properties(path: Path) -> dict[str, str]:
    """A Java properties file (one ``key=value`` per line, ``#``/``!`` comments)."""
    values: dict[str, str] = {}
    for line in non_empty_lines(path, encoding="latin-1"):
        if line.startswith(("#", "!")):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            key, sep, value = line.partition(":")
        if not sep:
            raise FormatError(path, f"not a 'key=value' line: '{line}'")
        values[key.strip()] = value.strip()
    return values


def read_spsp(path: Path, *, days_per_month: int = SPSP_DAYS_PER_MONTH) -> Portfolio:
    """Read an Alba & Chicano software project scheduling ``.conf`` instance.

    Monthly salaries become a cost per working day: salary / ``days_per_month``,
    rounded to the cent.
    """
    props = _properties(path)
    try:
        return _read_spsp(path, props, days_per_month)
    except (KeyError, ValueError) as error:
        if isinstance(error, FormatError):
            raise
        raise FormatError(path, f"not an SPSP instance (missing or bad {error})") from error


def _skill_list(props: dict[str, str], prefix: str) -> list[int]:
    count = int(props[f"{prefix}.skill.number"])
    return [int(props[f"{prefix}.skill.{k}"]) for k in range(count)]


def _read_spsp(path: Path, props: dict[str, str], days_per_month: int) -> Portfolio:
    num_skills = int(props["skill.number"])
    people = [
        Person(
            id=f"e{e}",
            skills={_skill_id(s): 1 for s in _skill_list(props, f"employee.{e}")},
            # The instance gives monthly salaries; a day's pay is rounded to the cent,
            # the unit every amount of a portfolio is in.
            cost_per_day=round(float(props[f"employee.{e}.salary"]) / days_per_month, 2),
        )
        for e in range(int(props["employee.number"]))
    ]
    num_tasks = int(props["task.number"])
    predecessors: defaultdict[int, list[str]] = defaultdict(list)
    for k in range(int(props["graph.arc.number"])):
        before, after = ints(props[f"graph.arc.{k}"])
        if not (0 <= before < num_tasks and 0 <= after < num_tasks):
            raise FormatError(path, f"graph.arc.{k} names a task that does not exist")
        predecessors[after].append(f"a{before}")
    tasks = []
    for t in range(num_tasks):
        effort = float(props[f"task.{t}.cost"])  # person-months
        deps = fs(predecessors[t])
        if effort <= 0:
            tasks.append(Task(id=f"a{t}", milestone=True, dependencies=deps))
            continue
        requirements = _spsp_team(people, _skill_list(props, f"task.{t}"))
        if not _staffable(people, requirements):
            raise FormatError(
                path,
                f"task {t}: no team of distinct people covers its skills one person per "
                "skill (the reader's mapping cannot express this instance)",
            )
        tasks.append(
            Task(
                id=f"a{t}",
                duration_days=math.ceil(effort * days_per_month / max(len(requirements), 1)),
                requirements=requirements,
                dependencies=deps,
            )
        )
    return _portfolio(path, num_skills, people, tasks)


def _spsp_team(people: list[Person], skills: list[int]) -> list[Requirement]:
    """The team of an SPSP task: one person per required skill.

    A skill only one employee has names that employee (a ``PersonRequirement``), who
    then also covers every other required skill they have; each skill still uncovered
    needs one more person who has it (a ``SkillRequirement``).
    """
    wanted = sorted({_skill_id(s) for s in skills})
    holders = {s: [p for p in people if s in p.skills] for s in wanted}
    named = sorted({hs[0].id for hs in holders.values() if len(hs) == 1})
    covered = {s for p in people if p.id in named for s in p.skills}
    return [
        *(PersonRequirement(person=ident) for ident in named),
        *(SkillRequirement(skill=s) for s in wanted if s not in covered),
    ]


def _staffable(people: list[Person], requirements: list[Requirement]) -> bool:
    """True when distinct people can fill the skill requirements (bipartite matching)."""
    named = {r.person for r in requirements if isinstance(r, PersonRequirement)}
    slots = [
        [p.id for p in people if r.skill in p.skills and p.id not in named]
        for r in requirements
        if isinstance(r, SkillRequirement)
    ]
    holder_of: dict[str, int] = {}

    def place(slot: int, seen: set[str]) -> bool:
        for person in slots[slot]:
            if person not in seen:
                seen.add(person)
                if person not in holder_of or place(holder_of[person], seen):
                    holder_of[person] = slot
                    return True
        return False

    return all(place(slot, set()) for slot in range(len(slots)))
