"""Tiny portfolios for solver tests: Monday 2027-01-04 start, Monday-Friday calendar."""

from __future__ import annotations

from datetime import date
from typing import Any

from models import Plan, Portfolio, load_portfolio
from solver import SolveOptions, solve

START = "2027-01-04"  # a Monday


def task(task_id: str, days: int | None = 1, **fields: Any) -> dict[str, Any]:
    """A task dict with a duration (None for milestones or other sizing)."""
    data: dict[str, Any] = {"id": task_id, **fields}
    if days is not None and "modes" not in fields and "effort_days" not in fields:
        data["duration_days"] = days
    return data


def dep(task_id: str, kind: str = "FS", lag: int = 0) -> dict[str, Any]:
    """A dependency dict."""
    return {"task": task_id, "type": kind, "lag_days": lag}


def portfolio(
    projects: list[dict[str, Any]] | None = None,
    *,
    tasks: list[dict[str, Any]] | None = None,
    objective: str | list[str] = "weighted_completion",
    mode: str = "weighted",
    **fields: Any,
) -> Portfolio:
    """A validated portfolio; ``tasks`` alone makes one project per task."""
    if projects is None:
        projects = [{"id": f"P-{t['id']}", "tasks": [t]} for t in tasks or []]
    names = [objective] if isinstance(objective, str) else objective
    skills = sorted(
        {s for person in fields.get("people", []) for s in person.get("skills", {})}
        | set(fields.pop("extra_skills", []))
    )
    data = {
        "id": "test",
        "start_date": START,
        "skills": [{"id": s} for s in skills],
        "projects": projects,
        "objectives": {"terms": [{"name": n} for n in names], "mode": mode},
        **fields,
    }
    return load_portfolio(data)


def run(p: Portfolio, time_limit_s: float = 10.0, **options: Any) -> Plan:
    """Solve deterministically; every returned plan has passed the checker."""
    plan = solve(
        p, SolveOptions(time_limit_s=time_limit_s, workers=1, seed=1, deterministic=True, **options)
    )
    assert plan.check is None or plan.check.ok
    return plan


def starts(plan: Plan) -> dict[str, date]:
    """Task id -> start date."""
    return {t.task: t.start for t in plan.tasks}


def finishes(plan: Plan) -> dict[str, date]:
    """Task id -> finish date."""
    return {t.task: t.finish for t in plan.tasks}


def d(text: str) -> date:
    """ISO date."""
    return date.fromisoformat(text)
