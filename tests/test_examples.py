"""The shipped example portfolios: valid, with the promised shape and a sane load."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

from models import (
    DependencyType,
    PersonRequirement,
    Portfolio,
    SkillRequirement,
    load_portfolio,
    validate_portfolio,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _load(name: str) -> Portfolio:
    return load_portfolio((EXAMPLES / name).read_text(encoding="utf-8"))


def _builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_medium", EXAMPLES / "build_medium.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _tasks(portfolio: Portfolio) -> dict[str, str]:
    """Task id -> project id."""
    return {t.id: p.id for p in portfolio.projects for t in p.tasks}


@pytest.mark.parametrize("name", ["demo.json", "medium.json"])
def test_example_validates_without_issues(name: str) -> None:
    """Each example validates with zero issues."""
    result = validate_portfolio((EXAMPLES / name).read_text(encoding="utf-8"))
    assert result.issues == []
    assert result.ok


@pytest.mark.parametrize("name", ["demo.json", "medium.json"])
def test_example_requirements_carry_their_kind(name: str) -> None:
    """Every requirement in the JSON names its kind (the union's discriminator)."""
    data = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    for project in data["projects"]:
        for task in project["tasks"]:
            lists = [task.get("requirements", [])]
            lists += [mode.get("requirements", []) for mode in task.get("modes", [])]
            assert all("kind" in r for reqs in lists for r in reqs), task["id"]


def test_demo_shape() -> None:
    """The demo has 3 projects, 20 tasks, 6 people, 8 skills, a pool and the promised links."""
    demo = _load("demo.json")
    owner = _tasks(demo)
    assert [p.id for p in demo.projects] == ["crm", "laptop", "mfa"]
    assert len(owner) == 20
    assert len(demo.people) == 6
    assert len(demo.skills) == 8
    assert [pool.id for pool in demo.pools] == ["field-techs"]
    assert demo.start_date.isoformat() == "2027-01-04"
    assert demo.calendar.working_weekdays == [1, 2, 3, 4, 5]
    assert len(demo.calendar.holidays) == 4
    deps = [(t.id, d) for p in demo.projects for t in p.tasks for d in t.dependencies]
    assert sum(d.type == DependencyType.SS and d.lag_days > 0 for _, d in deps) == 1
    assert sum(owner[t] != owner[d.task] for t, d in deps) == 1
    reqs = [r for p in demo.projects for t in p.tasks for r in t.requirements]
    assert any(isinstance(r, PersonRequirement) for r in reqs)
    assert any(isinstance(r, SkillRequirement) for r in reqs)
    assert all(p.due_date is not None or p.deadline is not None for p in demo.projects)


def test_medium_shape() -> None:
    """The medium example has 8 projects, 162 tasks, 25 people, 8 skills and every feature."""
    medium = _load("medium.json")
    tasks = [t for p in medium.projects for t in p.tasks]
    owner = _tasks(medium)
    assert len(medium.projects) == 8
    assert len(tasks) == len(owner) == 162
    assert len(medium.people) == 25
    assert {s.id for s in medium.skills} == {
        "sap", "network", "cloud", "python", "security", "testing", "pm", "dba"
    }  # fmt: skip
    assert sorted(p.capacity for p in medium.people if p.capacity < 1) == [0.5, 0.8]
    assert sum(bool(p.absences) for p in medium.people) == 7
    assert len(medium.calendar.holidays) == 8
    assert len(medium.calendar.exceptions) == 1
    quarters = ["2027-Q1", "2027-Q2", "2027-Q3", "2027-Q4"]
    assert [b.period for b in medium.budgets.periods] == quarters
    assert medium.budgets.total is not None
    optional = [p for p in medium.projects if not p.mandatory]
    assert [p.id for p in optional] == ["dwh", "sdesk"]
    assert all(p.value > 0 for p in optional)
    assert all(p.due_date is not None and p.late_cost_per_day > 0 for p in medium.projects)
    assert len({p.priority for p in medium.projects}) >= 4
    assert sum(t.deadline is not None for t in tasks) == 2
    assert sum(t.modes is not None for t in tasks) == 1
    assert sum(t.effort_days is not None for t in tasks) == 1
    assert sum(t.milestone for t in tasks) >= 8
    assert {pool.id for pool in medium.pools} == {"staging", "contractors"}
    assert any(pool.capacity_changes for pool in medium.pools)
    cross = {
        (owner[t.id], owner[d.task])
        for t in tasks
        for d in t.dependencies
        if owner[t.id] != owner[d.task]
    }
    assert len(cross) >= 5
    assert [p.depends_on for p in medium.projects if p.depends_on] == [["cloud"]]


def test_medium_json_is_what_the_builder_writes() -> None:
    """medium.json is up to date with examples/build_medium.py."""
    builder = _builder()
    on_disk = json.loads((EXAMPLES / "medium.json").read_text(encoding="utf-8"))
    assert builder.dump(builder.build()) == on_disk


def test_medium_load_is_between_half_and_seventy_percent() -> None:
    """Demand per skill is 50-70 % of the capacity of the people with that main skill."""
    builder = _builder()
    load = builder.skill_load(_load("medium.json"))
    assert set(load) == {s.id for s in _load("medium.json").skills}
    for skill, (demand, capacity) in load.items():
        assert 0.5 <= demand / capacity <= 0.7, skill


def test_every_example_portfolio_ships_inside_the_api_package() -> None:
    """``api/examples`` links each example, so a wheel (package data) carries them all."""
    from api.openapi import EXAMPLES_DIR

    shipped = sorted(path.name for path in EXAMPLES_DIR.glob("*.json"))
    assert shipped == sorted(path.name for path in EXAMPLES.glob("*.json"))
    for name in shipped:
        assert (EXAMPLES_DIR / name).resolve() == (EXAMPLES / name).resolve(), name
