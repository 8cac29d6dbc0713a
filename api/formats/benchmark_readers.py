"""Read academic project-scheduling benchmark instances into :class:`models.Portfolio`.

Formats (``fmt`` of :func:`read_instance`)
------------------------------------------
========  ==========================================================  ============
fmt       what                                                        files
========  ==========================================================  ============
psplib    PSPLIB RCPSP (single mode) and MRCPSP (multi-mode)          ``.sm .mm``
mplib     MPLIB multi-project RCMPSP (Van Eynde & Vanhoucke 2020)     ``.rcmp .txt``
mslib     MSLIB multi-skill RCPSP (Snauwaert & Vanhoucke 2023)        ``.msrcp``
imopse    iMOPSE multi-skill RCPSP (Myszkowski et al.)                ``.def``
spsp      software project scheduling (Alba & Chicano 2007)           ``.conf``
========  ==========================================================  ============

Mapping conventions (all formats)
---------------------------------
* **Time.** The calendar works all 7 weekdays (``working_weekdays=[1..7]``) with no
  holidays, and ``start_date`` is Monday 2030-01-07. One period of the instance is one
  working day, so a makespan in working days equals the instance's makespan in periods
  (a plan's ``objective.makespan`` can be compared with the published values as is).
* **Ids.** The portfolio id is the file name without extension (``j301_1``). Single-
  project instances have one project ``p1``; activity ``k`` is task ``ak`` with the
  numbering of the file (1-based, except SPSP whose tasks are ``a0``, ``a1``, ...).
  MPLIB activity ``a`` of project ``p`` is ``p{p}-a{a}`` in project ``p{p}``.
* **Precedence.** Every successor (or predecessor) relation becomes a finish-to-start
  dependency with lag 0 on the later task. Duplicates are dropped.
* **Dummies.** An activity of duration 0 (the PSPLIB/MPLIB/MSLIB source and sink) is a
  milestone (``milestone=True``, no duration, no requirements: it holds renewable
  resources for no time). A zero-duration activity that consumes a non-renewable
  resource stays a task of 0 days so the consumption is kept.
* **Objective.** Makespan only (``objectives.terms = [makespan]``), the objective of the
  published reference values. For iMOPSE and SPSP, whose literature is bi-objective
  (makespan and cost), salaries are kept in ``Person.cost_per_day`` so ``total_cost``
  can be added by the caller; it is not added here (not even with weight 0).

RCPSP formats (psplib, mplib)
-----------------------------
* Renewable resource ``k`` with capacity ``C`` -> ``Pool(id='Rk', units=C)``; a demand
  ``u > 0`` -> ``PoolRequirement(pool='Rk', units=u)``.
* Non-renewable resource ``k`` with availability ``C`` -> ``Consumable(id='Nk',
  total=C)``; a demand ``u > 0`` -> ``ConsumableRequirement(consumable='Nk', amount=u)``.
* An activity with one mode gets ``duration_days`` and ``requirements``. An activity
  with several modes gets ``modes`` ``m1, m2, ...`` (numbered as in the file), each
  with its duration and requirements. A mode needing more of a resource than its
  capacity or total can never run and is left out (the ids of the other modes keep
  the file's numbering); an activity with no usable mode raises :class:`FormatError`.
  This keeps the optimum and matters: 460 modes of 93 PSPLIB multi-mode files ask for
  more renewable units than the capacity (which :func:`models.load_portfolio` rejects).
* PSPLIB ``rel.date``/``duedate``/``tardcost`` of the project information are not used
  (the problem is pure makespan minimisation). MPLIB: the release date ``r`` of a
  project becomes ``release_date`` = period ``r`` (left out when 0); the due date ``d``
  of the due-date variant becomes ``due_date`` = period ``d - 1``, the last day a
  project may end on without being late, so ``days_late = max(0, end - d)``. Pools are
  shared by all projects; the 0/1 "resources used" line of each project is implied by
  the demands and ignored.

Multi-skill formats (mslib, imopse, spsp)
-----------------------------------------
* Resources are people: ``Person(id='e1', ...)`` (SPSP: ``e0``, ...) with full capacity
  and a ``skills`` dict. Skills are ``Q0``, ``Q1``, ... (0-based, as in iMOPSE). The
  skills catalogue lists ``Q0 .. Q(n-1)`` for the ``n`` skills the file announces plus
  any other id the file uses (8 iMOPSE GenRegular files number their skills ``1..n``).
  A person works on one task at a time (100 % allocation), as in the MSRCPSP.
* **MSLIB.** A person masters the skills marked 1 in the workforce module, at the level
  of the "workforce module with skill levels" (1..5, kept as is). A task needing ``r``
  resources with skill ``s`` -> ``SkillRequirement(skill='Qs', min_level=1, count=r)``:
  the basic MSRCPSP, which the published MSLIB results solve. ``read_mslib(path,
  skill_levels=True)`` applies the hierarchical-levels extension instead: the ``r``
  required levels become requirements grouped by level (``count`` people at
  ``min_level``); the file lists the levels skill by skill, in skill order (in all
  1207 activities of the 66 files that need several skills, the levels are sorted within
  each skill but not overall). The deadline, cost and common-resource modules (other
  extensions) are ignored. ``cost_per_day`` is 0.
* **iMOPSE.** Skill levels in the files run from 0 (lowest) to 3; level ``L`` becomes
  ``L + 1`` (1..4) for people and requirements alike, which keeps every comparison
  ``person level >= required level``; a file level above 4 raises :class:`FormatError`.
  ``cost_per_day`` is the resource's salary (cost per period). Each task needs one
  person: ``SkillRequirement(skill, min_level, count=1)``.
* **SPSP (Alba & Chicano).** Employees -> people with their skills at level 1 (the
  files have no levels) and ``cost_per_day = salary / SPSP_DAYS_PER_MONTH`` (the salary
  is monthly; 20 working days a month). A task with effort ``e`` person-months and
  required skills ``S`` gets a fixed-size team, built in two steps: each skill of ``S``
  that only one employee has names that employee (``PersonRequirement``), who also
  covers the other skills of ``S`` they have; every skill still uncovered needs one
  more person with it (``SkillRequirement(skill, count=1)``). With ``n`` requirements,
  ``duration_days = ceil(e * 20 / n)``: the ``n`` full-time people share the effort. A
  task with effort 0 is a milestone. (Without the first step 17 tasks of
  ``inst20-5-10`` and ``inst30-5-10`` could not be staffed: one person is the only
  holder of two of their skills.)
  **Limits:** the original model lets any team with fractional dedications (``maxded``;
  absent from these 36 files and ignored) cover the skills jointly, one person possibly
  covering several skills, and its duration shrinks as more people join. Here the team
  is fixed: one person per uncovered skill, at 100 %. So every plan is a feasible SPSP
  solution, but the optimum of the imported portfolio is not the SPSP optimum, and
  costs/durations are not comparable to published Pareto fronts. A task that distinct
  people cannot staff one per uncovered skill raises :class:`FormatError` (none of the
  36 files has one).

Reference values
----------------
:mod:`api.formats.reference_values` loads the optima, best-known values and bounds,
keyed by the same instance names as the portfolio ids.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from api.formats._common import FormatError
from api.formats.multiskill import read_imopse, read_mslib, read_spsp
from api.formats.rcpsp import read_mplib, read_psplib
from models import Portfolio, load_portfolio

#: The formats :func:`read_instance` reads.
FORMATS: tuple[str, ...] = ("psplib", "mplib", "mslib", "imopse", "spsp")

_READERS: dict[str, Callable[[Path], Portfolio]] = {
    "psplib": read_psplib,
    "mplib": read_mplib,
    "mslib": read_mslib,
    "imopse": read_imopse,
    "spsp": read_spsp,
}

#: File extensions of the benchmark formats, and the format each one means.
BENCHMARK_EXTENSIONS = {
    ".sm": "psplib",
    ".mm": "psplib",
    ".rcmp": "mplib",
    ".msrcp": "mslib",
    ".def": "imopse",
    ".conf": "spsp",
}


def detect_format(path: Path | str) -> str:
    """The format of a benchmark file: by extension, else by its first lines.

    Raises
    ------
    FormatError
        When neither the extension nor the content identifies a format.
    """
    path = Path(path)
    by_extension = BENCHMARK_EXTENSIONS.get(path.suffix.lower())
    if by_extension is not None:
        return by_extension
    try:
        with path.open(encoding="latin-1") as handle:
            head = handle.read(4096)
    except OSError as error:
        raise FormatError(path, f"cannot read the file ({error.strerror})") from error
    if "PRECEDENCE RELATIONS" in head or "REQUESTS/DURATIONS" in head:
        return "psplib"
    if "Project Module" in head:
        return "mslib"
    if "ResourceID" in head or "Number of skill types" in head:
        return "imopse"
    if re.search(r"^\s*(task|employee|skill)\.number\s*=", head, re.MULTILINE):
        return "spsp"
    lines = [line.split() for line in head.splitlines() if line.strip()]
    if (
        len(lines) >= 4
        and len(lines[0]) == 1
        and len(lines[1]) == 1
        and all(token.isdigit() for line in lines[:4] for token in line)
        and len(lines[2]) == int(lines[1][0])
    ):
        return "mplib"
    raise FormatError(path, f"unknown benchmark format; give one of {', '.join(FORMATS)}")


def read_instance(path: Path | str, fmt: str | None = None, *, validate: bool = True) -> Portfolio:
    """Read a benchmark instance as a portfolio (see the module docstring for the mapping).

    Parameters
    ----------
    path
        The instance file.
    fmt
        One of :data:`FORMATS`; detected with :func:`detect_format` when None.
    validate
        Run :func:`models.load_portfolio` on the result (the cross-object rules), which
        raises :class:`models.PortfolioError` listing every problem.

    Raises
    ------
    FormatError
        The file does not follow the format.
    ValueError
        ``fmt`` is not a known format.
    """
    path = Path(path)
    fmt = detect_format(path) if fmt is None else fmt
    reader = _READERS.get(fmt)
    if reader is None:
        raise ValueError(f"unknown format '{fmt}'; give one of {', '.join(FORMATS)}")
    try:
        portfolio = reader(path)
    except OSError as error:
        raise FormatError(path, f"cannot read the file ({error.strerror})") from error
    return load_portfolio(portfolio) if validate else portfolio


__all__ = [
    "FORMATS",
    "FormatError",
    "detect_format",
    "read_imopse",
    "read_instance",
    "read_mplib",
    "read_mslib",
    "read_psplib",
    "read_spsp",
]
