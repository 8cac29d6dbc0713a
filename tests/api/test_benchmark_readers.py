"""Benchmark readers: instances of every format and the reference-value loaders."""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest

from api.formats import (
    FormatError,
    detect_format,
    load_bounds_csv,
    load_mm_bounds_csv,
    load_mm_optima,
    load_mplib_bks,
    load_psplib_optima,
    read_instance,
    read_mslib,
)
from models import (
    ConsumableRequirement,
    ObjectiveName,
    PersonRequirement,
    PoolRequirement,
    Portfolio,
    SkillRequirement,
    Task,
)

DATA = Path(__file__).resolve().parent.parent / "data"


def tasks_of(portfolio: Portfolio) -> dict[str, Task]:
    """Every task of the portfolio by id."""
    return {t.id: t for p in portfolio.projects for t in p.tasks}


def successors(portfolio: Portfolio, task_id: str) -> set[str]:
    """Ids of the tasks that depend on ``task_id``."""
    return {
        t.id for t in tasks_of(portfolio).values() if any(d.task == task_id for d in t.dependencies)
    }


# ----------------------------------------------------------------------------- PSPLIB
def test_j301_1_tasks_pools_and_calendar() -> None:
    """j301_1: 32 tasks, 4 pools with the file's capacities, all-days calendar, makespan."""
    portfolio = read_instance(DATA / "j301_1.sm", "psplib")
    assert portfolio.id == "j301_1"
    assert [len(p.tasks) for p in portfolio.projects] == [32]
    assert {p.id: p.units for p in portfolio.pools} == {"R1": 12, "R2": 13, "R3": 4, "R4": 12}
    assert portfolio.consumables == []
    assert portfolio.start_date == date(2030, 1, 7)
    assert portfolio.calendar.working_weekdays == [1, 2, 3, 4, 5, 6, 7]
    assert portfolio.calendar.holidays == []
    assert [t.name for t in portfolio.objectives.terms] == [ObjectiveName.MAKESPAN]


def test_j301_1_durations_requirements_and_milestones() -> None:
    """j301_1: exact duration and demand of activities 2 and 20; dummies are milestones."""
    tasks = tasks_of(read_instance(DATA / "j301_1.sm", "psplib"))
    assert tasks["a2"].duration_days == 8
    assert tasks["a2"].requirements == [PoolRequirement(pool="R1", units=4)]
    assert tasks["a20"].duration_days == 7
    assert tasks["a20"].requirements == [PoolRequirement(pool="R2", units=10)]
    for dummy in ("a1", "a32"):
        assert tasks[dummy].milestone
        assert tasks[dummy].duration_days is None
        assert tasks[dummy].requirements == []


def test_j301_1_successors_become_fs_dependencies() -> None:
    """j301_1: successors 6 11 15 of job 2 and 12 19 27 of job 8 are FS lag-0 dependencies."""
    portfolio = read_instance(DATA / "j301_1.sm", "psplib")
    assert successors(portfolio, "a2") == {"a6", "a11", "a15"}
    assert successors(portfolio, "a8") == {"a12", "a19", "a27"}
    sink = tasks_of(portfolio)["a32"]
    assert {d.task for d in sink.dependencies} == {"a29", "a30", "a31"}
    assert all(d.type == "FS" and d.lag_days == 0 for d in sink.dependencies)


def test_multi_mode_modes_durations_and_consumables() -> None:
    """j1010_1.mm: 3 modes of job 2 with durations 1/4/6, pools and consumable totals."""
    portfolio = read_instance(DATA / "j1010_1.mm", "psplib")
    assert {p.id: p.units for p in portfolio.pools} == {"R1": 11, "R2": 9}
    assert {c.id: c.total for c in portfolio.consumables} == {"N1": 42, "N2": 17}
    tasks = tasks_of(portfolio)
    assert len(tasks) == 12
    modes = tasks["a2"].modes
    assert modes is not None
    assert [m.id for m in modes] == ["m1", "m2", "m3"]
    assert [m.duration_days for m in modes] == [1, 4, 6]
    assert modes[0].requirements == [
        PoolRequirement(pool="R1", units=7),
        ConsumableRequirement(consumable="N1", amount=7),
    ]
    assert modes[2].requirements == [
        PoolRequirement(pool="R2", units=3),
        ConsumableRequirement(consumable="N1", amount=7),
    ]
    assert tasks["a1"].milestone and tasks["a1"].modes is None


def test_multi_mode_drops_modes_above_capacity() -> None:
    """j102_10.mm: job 4's modes 1 and 3 need 8 and 5 of R2 (capacity 4) and are left out."""
    tasks = tasks_of(read_instance(DATA / "j102_10.mm"))
    modes = tasks["a4"].modes
    assert modes is not None
    assert [(m.id, m.duration_days) for m in modes] == [("m2", 9)]
    assert modes[0].requirements == [
        PoolRequirement(pool="R1", units=7),
        ConsumableRequirement(consumable="N1", amount=10),
    ]
    kept = tasks["a2"].modes
    assert kept is not None and [m.id for m in kept] == ["m1", "m2", "m3"]


# ----------------------------------------------------------------------------- MPLIB
def test_mplib_projects_shared_pools_and_due_dates() -> None:
    """MPLIB due-date sample: 6 projects of 62 tasks, shared pools, due 113 -> day 112."""
    portfolio = read_instance(DATA / "MPLIB1_Set1_0_due_date.rcmp", "mplib")
    assert [p.id for p in portfolio.projects] == [f"p{k}" for k in range(1, 7)]
    assert [len(p.tasks) for p in portfolio.projects] == [62] * 6
    assert {p.id: p.units for p in portfolio.pools} == {"R1": 56, "R2": 56, "R3": 56, "R4": 56}
    assert [p.due_date for p in portfolio.projects] == [
        date(2030, 1, 7) + timedelta(days=d - 1) for d in (113, 96, 117, 138, 216, 233)
    ]
    assert portfolio.projects[0].due_date == date(2030, 4, 29)
    assert all(p.release_date is None for p in portfolio.projects)
    tasks = tasks_of(portfolio)
    assert tasks["p1-a1"].milestone
    assert tasks["p1-a2"].duration_days == 5
    assert tasks["p1-a2"].requirements == [
        PoolRequirement(pool=f"R{k}", units=10) for k in (1, 2, 3, 4)
    ]
    assert successors(portfolio, "p1-a1") == {"p1-a2", "p1-a3", "p1-a4"}
    assert [t.name for t in portfolio.objectives.terms] == [ObjectiveName.MAKESPAN]


# ----------------------------------------------------------------------------- MSLIB
def test_mslib_people_skills_and_requirements() -> None:
    """MSLIB_Set1_1: 4 people, 4 skills, 32 tasks; activity 2 needs 3 people with Q1."""
    portfolio = read_instance(DATA / "MSLIB_Set1_1.msrcp", "mslib")
    assert [p.id for p in portfolio.people] == ["e1", "e2", "e3", "e4"]
    assert [s.id for s in portfolio.skills] == ["Q0", "Q1", "Q2", "Q3"]
    assert portfolio.people[0].skills == {"Q0": 1, "Q1": 1, "Q2": 4, "Q3": 3}
    assert portfolio.people[2].skills == {"Q0": 4, "Q1": 5, "Q2": 2, "Q3": 3}
    tasks = tasks_of(portfolio)
    assert len(tasks) == 32
    assert tasks["a2"].duration_days == 7
    assert tasks["a2"].requirements == [SkillRequirement(skill="Q1", min_level=1, count=3)]
    assert tasks["a1"].milestone and tasks["a32"].milestone
    assert successors(portfolio, "a2") == {f"a{k}" for k in (11, 15, 23, 24, 26, 27, 28, 29)}


def test_mslib_skill_levels_extension() -> None:
    """MSLIB with skill_levels: activity 2's levels 1 1 2 -> two at level 1, one at 2."""
    tasks = tasks_of(read_mslib(DATA / "MSLIB_Set1_1.msrcp", skill_levels=True))
    assert tasks["a2"].requirements == [
        SkillRequirement(skill="Q1", min_level=1, count=2),
        SkillRequirement(skill="Q1", min_level=2, count=1),
    ]
    assert tasks["a7"].requirements == [SkillRequirement(skill="Q0", min_level=5, count=1)]


# ----------------------------------------------------------------------------- iMOPSE
def test_imopse_people_salaries_and_shifted_levels() -> None:
    """iMOPSE 10_3_5_3: 3 people, 3 skills, 10 tasks; levels 0..3 become 1..4."""
    portfolio = read_instance(DATA / "10_3_5_3.def", "imopse")
    assert [s.id for s in portfolio.skills] == ["Q0", "Q1", "Q2"]
    assert [(p.id, p.cost_per_day, p.skills) for p in portfolio.people] == [
        ("e1", 56.0, {"Q1": 1, "Q2": 2}),
        ("e2", 53.6, {"Q2": 3, "Q0": 2}),
        ("e3", 28.9, {"Q0": 2, "Q1": 1}),
    ]
    tasks = tasks_of(portfolio)
    assert len(tasks) == 10
    assert tasks["a2"].duration_days == 36
    assert tasks["a2"].requirements == [SkillRequirement(skill="Q2", min_level=3)]
    assert {d.task for d in tasks["a7"].dependencies} == {"a4", "a5"}
    assert tasks["a1"].dependencies == []


# ----------------------------------------------------------------------------- SPSP
def test_spsp_counts_durations_and_costs() -> None:
    """inst10-5-5: 5 people, 5 skills, 10 tasks; task 4 (2 person-months, 2 skills) = 20 days."""
    portfolio = read_instance(DATA / "inst10-5-5.conf", "spsp")
    assert len(portfolio.people) == 5
    assert [s.id for s in portfolio.skills] == ["Q0", "Q1", "Q2", "Q3", "Q4"]
    assert portfolio.people[4].skills == {"Q4": 1, "Q1": 1, "Q3": 1}
    assert portfolio.people[4].cost_per_day == 560.61  # 11212.283043453714 / 20, in cents
    tasks = tasks_of(portfolio)
    assert list(tasks) == [f"a{k}" for k in range(10)]
    assert tasks["a4"].duration_days == 20
    assert tasks["a4"].requirements == [SkillRequirement(skill="Q0"), SkillRequirement(skill="Q3")]
    assert tasks["a3"].duration_days == 60
    assert {d.task for d in tasks["a4"].dependencies} == {"a0", "a2", "a3"}
    assert sum(len(t.dependencies) for t in tasks.values()) == 20


def test_spsp_sole_skill_holder_is_named() -> None:
    """inst20-5-10: task 0 needs Q3 and Q5, which only e4 has: one named person, 440 days."""
    tasks = tasks_of(read_instance(DATA / "inst20-5-10.conf"))
    assert tasks["a0"].requirements == [PersonRequirement(person="e4")]
    assert tasks["a0"].duration_days == 22 * 20


# ----------------------------------------------------------------------------- detection
@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("j301_1.sm", "psplib"),
        ("j1010_1.mm", "psplib"),
        ("MPLIB1_Set1_0_due_date.rcmp", "mplib"),
        ("MSLIB_Set1_1.msrcp", "mslib"),
        ("10_3_5_3.def", "imopse"),
        ("inst10-5-5.conf", "spsp"),
    ],
)
def test_detect_format_by_extension(name: str, fmt: str) -> None:
    """Each test instance's extension names its format."""
    assert detect_format(DATA / name) == fmt


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("j301_1.sm", "psplib"),
        ("MPLIB1_Set1_0_due_date.rcmp", "mplib"),
        ("MSLIB_Set1_1.msrcp", "mslib"),
        ("10_3_5_3.def", "imopse"),
        ("inst10-5-5.conf", "spsp"),
    ],
)
def test_detect_format_by_content(tmp_path: Path, name: str, fmt: str) -> None:
    """Renamed to .txt (as MPLIB Set3 files are), the content still names the format."""
    copy = tmp_path / (Path(name).stem + ".txt")
    shutil.copy(DATA / name, copy)
    assert detect_format(copy) == fmt
    assert read_instance(copy).id == copy.stem


def test_unknown_format_is_reported(tmp_path: Path) -> None:
    """A file of no known format and an unknown fmt name are errors, not guesses."""
    junk = tmp_path / "notes.txt"
    junk.write_text("hello\nworld\n")
    with pytest.raises(FormatError, match="unknown benchmark format"):
        detect_format(junk)
    with pytest.raises(ValueError, match="unknown format 'rcpsp'"):
        read_instance(DATA / "j301_1.sm", "rcpsp")


def test_malformed_file_raises_format_error(tmp_path: Path) -> None:
    """A truncated MPLIB file is a FormatError naming the file."""
    broken = tmp_path / "broken.rcmp"
    lines = (DATA / "MPLIB1_Set1_0_due_date.rcmp").read_text().splitlines()
    broken.write_text("\n".join(lines[:20]))
    with pytest.raises(FormatError, match=r"broken\.rcmp"):
        read_instance(broken)


# ----------------------------------------------------------------------------- references
def test_load_psplib_optima_j30opt() -> None:
    """j30opt.sm: 480 optima; j301_1 = 43, j301_4 = 62, j3048_10 = 54."""
    optima = load_psplib_optima(DATA / "j30opt.sm")
    assert len(optima) == 480
    assert optima["j301_1"] == 43
    assert optima["j301_4"] == 62
    assert optima["j3048_10"] == 54


def test_load_mm_optima_with_commas_and_infeasible() -> None:
    """j10opt.mm: 640 rows with commas; 16384 (104 of them) -> None; j1064_10 = 15."""
    optima = load_mm_optima(DATA / "j10opt.mm")
    assert len(optima) == 640
    assert optima["j101_1"] is None
    assert sum(v is None for v in optima.values()) == 104
    assert optima["j1064_10"] == 15
    assert optima["j1064_6"] == 11


def test_load_bounds_csv() -> None:
    """bounds csv: j301_1 proven 43/43; j609_1 open with 84/87 and per-source values."""
    bounds = load_bounds_csv(DATA / "bounds_j30_j60_excerpt.csv")
    assert (bounds["j301_1"].lb, bounds["j301_1"].ub, bounds["j301_1"].proven_optimal) == (
        43,
        43,
        True,
    )
    open_one = bounds["j609_1"]
    assert (open_one.lb, open_one.ub, open_one.proven_optimal) == (84, 87, False)
    assert open_one.sources["psplib_opt"] is None
    assert open_one.sources["psplib_lb"] == 82
    assert open_one.sources["ugent2024_ub"] == 87


def test_load_mm_bounds_csv() -> None:
    """j30_fds_lb_ub.csv: 'name;lb;ub' rows keyed by the stem."""
    bounds = load_mm_bounds_csv(DATA / "j30_fds_lb_ub_excerpt.csv")
    assert bounds["j3010_10"].lb == 32
    assert bounds["j3010_10"].ub == 32
    assert bounds["j3010_10"].proven_optimal


def test_load_mplib_bks() -> None:
    """MPLIB1_Set3_bks_tpm.csv: 41 values; Set3_0 = 374, Set3_56 = 497."""
    bks = load_mplib_bks(DATA / "MPLIB1_Set3_bks_tpm.csv")
    assert len(bks) == 41
    assert bks["MPLIB1_Set3_0"] == 374
    assert bks["MPLIB1_Set3_56"] == 497
