"""The seeded portfolio generator: valid, exact, deterministic, loaded as promised."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest

from benchmarks.generator import generate_portfolio, main, skill_load
from models import Portfolio, load_portfolio, validate_portfolio

SIZES = [(3, 30, 6), (8, 150, 25), (100, 5000, 80)]


def _shape(portfolio: Portfolio) -> tuple[int, int, int, int]:
    tasks = sum(len(p.tasks) for p in portfolio.projects)
    return len(portfolio.projects), tasks, len(portfolio.people), len(portfolio.skills)


@pytest.mark.parametrize(("projects", "tasks", "people"), SIZES)
def test_generated_portfolio_validates(projects: int, tasks: int, people: int) -> None:
    """Small, medium and 5000-task portfolios validate with zero issues."""
    portfolio = generate_portfolio(projects, tasks, people, seed=3)
    result = validate_portfolio(portfolio)
    assert result.issues == []
    dumped = json.dumps(portfolio.model_dump(mode="json"))
    assert load_portfolio(dumped) == portfolio


@pytest.mark.parametrize(
    ("projects", "tasks", "people", "skills"),
    [
        (1, 1, 1, 1),
        (2, 3, 1, 8),
        (3, 30, 6, 8),
        (5, 17, 12, 4),
        (8, 150, 25, 8),
        (40, 2000, 40, 12),
    ],
)
def test_generated_counts_are_exact(projects: int, tasks: int, people: int, skills: int) -> None:
    """Projects, tasks, people and skills are exactly as requested, and valid."""
    portfolio = generate_portfolio(projects, tasks, people, n_skills=skills, seed=7)
    assert _shape(portfolio) == (projects, tasks, people, skills)
    assert validate_portfolio(portfolio).issues == []


def test_equal_seeds_give_equal_portfolios() -> None:
    """The same arguments produce the same portfolio."""
    first = generate_portfolio(8, 150, 25, seed=11)
    second = generate_portfolio(8, 150, 25, seed=11)
    assert first.model_dump(mode="json") == second.model_dump(mode="json")


def test_different_seeds_give_different_portfolios() -> None:
    """Another seed produces another portfolio of the same shape."""
    first = generate_portfolio(8, 150, 25, seed=1)
    second = generate_portfolio(8, 150, 25, seed=2)
    assert _shape(first) == _shape(second)
    assert first.model_dump(mode="json") != second.model_dump(mode="json")


def test_5000_tasks_generate_quickly() -> None:
    """5000 tasks are generated well within a few seconds (about 0.3 s measured)."""
    started = time.perf_counter()
    generate_portfolio(100, 5000, 80, seed=1)
    assert time.perf_counter() - started < 4.0


@pytest.mark.parametrize(("projects", "tasks", "people"), [(20, 600, 20), (40, 2000, 40)])
def test_skill_load_hits_the_target(projects: int, tasks: int, people: int) -> None:
    """Each skill's demand is 70-90 % of the capacity of its main holders (target 80 %)."""
    portfolio = generate_portfolio(projects, tasks, people, seed=5)
    for skill, (demand, capacity) in skill_load(portfolio).items():
        assert capacity > 0, skill
        assert 0.7 <= demand / capacity <= 0.9, skill


def test_generated_features_are_present() -> None:
    """A mid-sized portfolio has part-timers, absences, named people, SS/FF and cross links."""
    portfolio = generate_portfolio(40, 2000, 40, seed=2)
    owner = {t.id: p.id for p in portfolio.projects for t in p.tasks}
    deps = [(t.id, d) for p in portfolio.projects for t in p.tasks for d in t.dependencies]
    kinds = {d.type.value for _, d in deps}
    assert kinds == {"FS", "SS", "FF"}
    assert any(owner[t] != owner[d.task] for t, d in deps)
    assert any(p.capacity < 1 for p in portfolio.people)
    assert 5 <= sum(bool(p.absences) for p in portfolio.people) <= 25
    requirements = [r for p in portfolio.projects for t in p.tasks for r in t.requirements]
    assert any(r.kind == "person" for r in requirements)
    assert sum(r.kind == "skill" for r in requirements) > len(requirements) / 2
    assert all(p.due_date is not None and 1 <= p.priority <= 5 for p in portfolio.projects)
    assert portfolio.calendar.holidays


def test_absences_of_a_person_never_overlap() -> None:
    """Vacations of one person are disjoint (overlaps would double-book the person)."""
    for seed in range(5):
        for person in generate_portfolio(20, 600, 60, seed=seed).people:
            spans = sorted((a.start, a.end) for a in person.absences)
            assert all(b[0] > a[1] for a, b in itertools.pairwise(spans))


def test_too_few_tasks_is_refused() -> None:
    """Fewer tasks than projects is an error."""
    with pytest.raises(ValueError, match="n_tasks"):
        generate_portfolio(5, 4, 3)


def test_command_line_writes_a_valid_portfolio(tmp_path: Path) -> None:
    """``python -m benchmarks.generator ... --out FILE`` writes a loadable portfolio."""
    out = tmp_path / "p.json"
    args = ["--projects", "3", "--tasks", "30", "--people", "6", "--seed", "1"]
    code = main([*args, "--out", str(out)])
    assert code == 0
    portfolio = load_portfolio(out.read_text(encoding="utf-8"))
    assert _shape(portfolio) == (3, 30, 6, 8)
