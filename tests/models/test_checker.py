"""The independent plan checker: a valid plan with exact figures, then one broken rule each.

The portfolio runs on a Monday-to-Friday calendar with a holiday on Friday 2026-03-06.
It starts Monday 2026-03-02; progress was recorded on Saturday 2026-02-28, so the
remaining work of tasks in progress starts on Monday 2026-03-02. Working-day indices
(from the calendar origin, the earliest actual start 2026-02-23):

    Feb 23=0 24=1 25=2 26=3 27=4 | Mar 2=5 3=6 4=7 5=8 (6 holiday) 9=9 10=10 11=11 12=12
    13=13 16=14 17=15 18=16 19=17 20=18 23=19 24=20 25=21 26=22 27=23

Index 0 of rules.md (the first working day on or after the start date) is origin index 5.

Projects: ``crm`` (done, in-progress, milestone, multi-mode and FS/SS/FF tasks),
``web`` (release date, effort-driven team, SF and negative lag, a pinned task and a
dependency on ``crm``), and the optional ``app_a``/``app_b`` in one exclusive group, of
which the plan selects ``app_a`` (it depends on ``web``).

Every break test changes one thing and expects exactly one violation. Where the change
also moves figures the plan reports (costs, finishes, objectives), the test starts from
:func:`unclaimed`, the same plan without any reported figures, so that only the broken
rule shows; the ``kpi`` tests check the figures themselves.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from models import (
    PeriodSpend,
    PersonAssignment,
    Plan,
    PlanStatus,
    Portfolio,
    ProjectPlan,
    TaskPlan,
    WorkCalendar,
    load_portfolio,
)
from models.checker import CheckResult, ProjectKpis, check_plan


def d(text: str) -> date:
    """ISO date."""
    return date.fromisoformat(text)


def person_req(person: str, percent: int = 100) -> dict[str, Any]:
    """A person requirement."""
    return {"kind": "person", "person": person, "allocation_percent": percent}


def pool_req(pool: str, units: int = 1) -> dict[str, Any]:
    """A pool requirement."""
    return {"kind": "pool", "pool": pool, "units": units}


def dep(task: str, kind: str = "FS", lag: int = 0) -> dict[str, Any]:
    """A dependency."""
    return {"task": task, "type": kind, "lag_days": lag}


RAW: dict[str, Any] = {
    "id": "demo",
    "start_date": "2026-03-02",
    "status_date": "2026-02-28",
    "calendar": {"holidays": [{"date": "2026-03-06", "name": "Company day"}]},
    "skills": [{"id": "python"}, {"id": "sql"}],
    "people": [
        {
            "id": "alice",
            "skills": {"python": 4, "sql": 2},
            "cost_per_day": 500,
            "absences": [{"start": "2026-03-23", "end": "2026-03-24"}],
        },
        {"id": "bob", "skills": {"python": 2, "sql": 4}, "capacity": 0.8, "cost_per_day": 400},
        {"id": "carol", "skills": {"python": 3}, "cost_per_day": 600},
        {"id": "dave", "skills": {"python": 1}, "cost_per_day": 600},
    ],
    "pools": [
        {
            "id": "testenv",
            "units": 1,
            "capacity_changes": [{"from_date": "2026-03-16", "units": 2}],
            "cost_per_unit_day": 100,
        }
    ],
    "consumables": [{"id": "licence", "total": 3}],
    "projects": [
        {
            "id": "crm",
            "priority": 3,
            "value": 1000,
            "due_date": "2026-03-13",
            "deadline": "2026-04-10",
            "budget": 8000,
            "tasks": [
                {
                    "id": "analysis",
                    "duration_days": 5,
                    "requirements": [person_req("bob", 50)],
                    "progress": {
                        "state": "done",
                        "actual_start": "2026-02-23",
                        "actual_finish": "2026-02-27",
                    },
                },
                {
                    "id": "design",
                    "duration_days": 6,
                    "requirements": [person_req("alice")],
                    "dependencies": [dep("analysis", "SS", 1)],
                    "progress": {
                        "state": "in_progress",
                        "actual_start": "2026-02-26",
                        "remaining_days": 3,
                    },
                },
                {"id": "kickoff", "milestone": True},
                {"id": "docs", "duration_days": 1, "earliest_start": "2026-03-11"},
                {
                    "id": "build",
                    "requirements": [
                        pool_req("testenv"),
                        {"kind": "consumable", "consumable": "licence", "amount": 2},
                    ],
                    "modes": [
                        {
                            "id": "inhouse",
                            "duration_days": 4,
                            "requirements": [{"kind": "skill", "skill": "python", "min_level": 3}],
                        },
                        {"id": "contractor", "duration_days": 2, "cost": 3000},
                    ],
                    "dependencies": [dep("design", "FS", 1)],
                },
                {
                    "id": "test",
                    "duration_days": 3,
                    "requirements": [
                        pool_req("testenv"),
                        {
                            "kind": "skill",
                            "skill": "sql",
                            "min_level": 3,
                            "allocation_percent": 50,
                        },
                        {"kind": "consumable", "consumable": "licence", "amount": 1},
                    ],
                    "dependencies": [dep("build", "FF", 2)],
                },
                {
                    "id": "golive",
                    "milestone": True,
                    "fixed_cost": 200,
                    "deadline": "2026-03-20",
                    "dependencies": [dep("test")],
                },
            ],
        },
        {
            "id": "web",
            "priority": 2,
            "value": 500,
            "release_date": "2026-03-09",
            "due_date": "2026-03-27",
            "budget": 5000,
            "tasks": [
                {"id": "spec", "duration_days": 2, "requirements": [person_req("alice", 50)]},
                {
                    "id": "code",
                    "effort_days": 6,
                    "team": {"min_size": 1, "max_size": 3, "skill": "python", "min_level": 2},
                    "dependencies": [dep("spec", "SF", 2)],
                },
                {
                    "id": "deploy",
                    "duration_days": 2,
                    "fixed_cost": 50,
                    "pinned_start": "2026-03-17",
                    "requirements": [pool_req("testenv")],
                    "dependencies": [dep("code", "FS", -1), dep("build")],
                },
            ],
        },
        {
            "id": "app_a",
            "mandatory": False,
            "exclusive_group": "mobile",
            "value": 800,
            "depends_on": ["web"],
            "deadline": "2026-03-27",
            "tasks": [{"id": "proto", "duration_days": 2, "fixed_cost": 1000}],
        },
        {
            "id": "app_b",
            "mandatory": False,
            "exclusive_group": "mobile",
            "value": 300,
            "tasks": [{"id": "proto_b", "duration_days": 1}],
        },
    ],
    "budgets": {
        "total": 20000,
        "periods": [{"period": "2026-02", "limit": 2500}, {"period": "2026-03", "limit": 11000}],
    },
    "baseline": [{"task": "golive", "start": "2026-03-16"}],
}


def make_portfolio(edit: Callable[[dict[str, Any]], None] | None = None) -> Portfolio:
    """The validated demo portfolio, optionally edited first."""
    data = copy.deepcopy(RAW)
    if edit is not None:
        edit(data)
    return load_portfolio(data)


PORTFOLIO = make_portfolio()


def who(person: str, percent: int = 100, requirement: int | None = 0) -> PersonAssignment:
    """A person on a task."""
    return PersonAssignment(person=person, allocation_percent=percent, requirement=requirement)


def planned(
    task: str,
    project: str,
    start: str,
    finish: str,
    days: int,
    cost: float,
    people: list[PersonAssignment] | None = None,
    **fields: Any,
) -> TaskPlan:
    """A planned task with its claimed cost."""
    return TaskPlan(
        task=task,
        project=project,
        start=d(start),
        finish=d(finish),
        duration_days=days,
        cost=cost,
        people=people or [],
        **fields,
    )


PLAN = Plan(
    portfolio="demo",
    status=PlanStatus.FEASIBLE,
    objective={
        "makespan": 16,
        "weighted_tardiness": 6,
        "weighted_completion": 73,
        "total_cost": 12450,
        "selected_value": 2300,
        "peak_load": 4.5,
        "stability": 2,
        "combined": 6,
    },
    tasks=[
        planned("analysis", "crm", "2026-02-23", "2026-02-27", 5, 1000, [who("bob", 50)]),
        planned("design", "crm", "2026-02-26", "2026-03-04", 5, 2500, [who("alice")]),
        planned("kickoff", "crm", "2026-03-02", "2026-03-02", 0, 0),
        planned("docs", "crm", "2026-03-11", "2026-03-11", 1, 0),
        planned(
            "build",
            "crm",
            "2026-03-09",
            "2026-03-12",
            4,
            2800,
            [who("carol", 100, 2)],
            mode="inhouse",
        ),
        planned("test", "crm", "2026-03-13", "2026-03-17", 3, 900, [who("bob", 50, 1)]),
        planned("golive", "crm", "2026-03-18", "2026-03-18", 0, 200),
        planned("spec", "web", "2026-03-10", "2026-03-11", 2, 500, [who("alice", 50)]),
        planned(
            "code",
            "web",
            "2026-03-13",
            "2026-03-17",
            3,
            3300,
            [who("alice", 100, None), who("carol", 100, None)],
            team_size=2,
        ),
        planned("deploy", "web", "2026-03-17", "2026-03-18", 2, 250),
        planned("proto", "app_a", "2026-03-23", "2026-03-24", 2, 1000),
    ],
    projects=[
        ProjectPlan(
            project="crm",
            start=d("2026-02-23"),
            finish=d("2026-03-18"),
            days_late=2,
            cost=7400,
        ),
        ProjectPlan(
            project="web", start=d("2026-03-10"), finish=d("2026-03-18"), days_late=0, cost=4050
        ),
        ProjectPlan(
            project="app_a", start=d("2026-03-23"), finish=d("2026-03-24"), days_late=0, cost=1000
        ),
        ProjectPlan(project="app_b", selected=False),
    ],
    spend=[
        PeriodSpend(
            period="2026-02", start=d("2026-02-23"), end=d("2026-02-27"), spend=2000, limit=2500
        ),
        PeriodSpend(
            period="2026-03", start=d("2026-03-02"), end=d("2026-03-31"), spend=10450, limit=11000
        ),
    ],
)


# ----------------------------------------------------------------------------- helpers
def violations(plan: Plan, portfolio: Portfolio = PORTFOLIO) -> list[tuple[str, str]]:
    """(rule, message) of every violation the checker reports."""
    return [(v.rule, v.message) for v in check_plan(portfolio, plan).report.violations]


def with_task(plan: Plan, task: str, **update: Any) -> Plan:
    """``plan`` with one task's fields replaced."""
    tasks = [t.model_copy(update=update) if t.task == task else t for t in plan.tasks]
    assert tasks != list(plan.tasks), f"no task {task!r} in the plan"
    return plan.model_copy(update={"tasks": tasks})


def dated(plan: Plan, task: str, start: str, finish: str, days: int | None = None) -> Plan:
    """``plan`` with one task moved (and its duration changed when given)."""
    update: dict[str, Any] = {"start": d(start), "finish": d(finish)}
    if days is not None:
        update["duration_days"] = days
    return with_task(plan, task, **update)


def unclaimed(plan: Plan = PLAN) -> Plan:
    """``plan`` without any reported figure: no task or project costs, dates or objectives."""
    tasks = [TaskPlan.model_validate(t.model_dump(exclude={"cost"})) for t in plan.tasks]
    projects = [ProjectPlan(project=p.project, selected=p.selected) for p in plan.projects]
    return plan.model_copy(
        update={"tasks": tasks, "projects": projects, "objective": {}, "spend": []}
    )


def only(rule: str, message: str, plan: Plan, portfolio: Portfolio = PORTFOLIO) -> None:
    """The checker reports exactly this one violation."""
    assert violations(plan, portfolio) == [(rule, message)]


# ----------------------------------------------------------------------------- valid plan
def test_valid_plan_passes() -> None:
    """The hand-built plan keeps every rule (and so does the same plan without figures)."""
    result = check_plan(PORTFOLIO, PLAN)
    assert result.report.violations == []
    assert result.report.ok
    assert check_plan(PORTFOLIO, unclaimed()).report.ok


def test_project_figures() -> None:
    """Project start, finish, exclusive end, days late and cost, worked out by hand."""
    projects = check_plan(PORTFOLIO, PLAN).kpis.projects
    assert projects == {
        # E = 16 (golive at index 16); due 2026-03-13 is index 13: 16 - 13 - 1 = 2 days late.
        # The finish is the last task's finish: milestone golive's date 2026-03-18 (E - 1
        # would be 2026-03-17, as a milestone happens at the start of its day).
        # 1000 + 2500 + 0 + 0 + 2800 + 900 + 200
        "crm": ProjectKpis(
            project="crm",
            selected=True,
            start=d("2026-02-23"),
            finish=d("2026-03-18"),
            end_index=11,
            days_late=2,
            cost=7400.0,
        ),
        # 500 + 3300 + 250; E = 17 (deploy), due 2026-03-27 is index 23
        "web": ProjectKpis(
            project="web",
            selected=True,
            start=d("2026-03-10"),
            finish=d("2026-03-18"),
            end_index=12,
            days_late=0,
            cost=4050.0,
        ),
        "app_a": ProjectKpis(
            project="app_a",
            selected=True,
            start=d("2026-03-23"),
            finish=d("2026-03-24"),
            end_index=16,
            days_late=0,
            cost=1000.0,
        ),
        "app_b": ProjectKpis(project="app_b", selected=False),
    }


def test_plan_figures() -> None:
    """Task costs, objectives and period spend, worked out by hand."""
    kpis = check_plan(PORTFOLIO, PLAN).kpis
    assert kpis.task_costs == {
        "analysis": 1000.0,  # bob 400 x 50% x 5 days (done work still costs)
        "design": 2500.0,  # alice 500 x 5 days from the actual start
        "kickoff": 0.0,
        "docs": 0.0,
        "build": 2800.0,  # carol 600 x 4 + testenv 100 x 4
        "test": 900.0,  # bob 400 x 50% x 3 + testenv 100 x 3
        "golive": 200.0,  # fixed cost only
        "spec": 500.0,  # alice 500 x 50% x 2
        "code": 3300.0,  # (alice 500 + carol 600) x ceil(6 / 2)
        "deploy": 250.0,  # testenv 100 x 2 + fixed 50
        "proto": 1000.0,  # fixed
    }
    assert kpis.makespan_days == 16  # proto ends at index 21; index 0 is origin index 5
    assert kpis.weighted_tardiness == 6  # crm: 3 x 2
    assert kpis.weighted_completion == 73  # 3 x 11 + 2 x 12 + 1 x 16
    assert kpis.total_cost == 12450.0
    assert kpis.selected_value == 2300.0  # 1000 + 500 + 800
    assert kpis.peak_load == 4.5  # 2026-03-17: code 2 people + test 0.5 + 2 pool units
    assert kpis.stability == 2  # golive at index 16, baseline 2026-03-16 is index 14
    assert kpis.objective_values() == {
        "makespan": 16.0,
        "weighted_tardiness": 6.0,
        "weighted_completion": 73.0,
        "total_cost": 12450.0,
        "selected_value": 2300.0,
        "peak_load": 4.5,
        "stability": 2.0,
    }
    assert kpis.spend == [
        # analysis 5 x 200 + design on 02-26 and 02-27, 2 x 500
        PeriodSpend(
            period="2026-02", start=d("2026-02-01"), end=d("2026-02-28"), spend=2000, limit=2500
        ),
        PeriodSpend(
            period="2026-03", start=d("2026-03-01"), end=d("2026-03-31"), spend=10450, limit=11000
        ),
    ]


def test_daily_loads() -> None:
    """Loads per day: people as fractions (remaining work only), pools in units."""
    kpis = check_plan(PORTFOLIO, PLAN).kpis
    assert kpis.person_load == {
        "alice": {
            d("2026-03-02"): 1.0,  # design, remaining days only
            d("2026-03-03"): 1.0,
            d("2026-03-04"): 1.0,
            d("2026-03-10"): 0.5,  # spec
            d("2026-03-11"): 0.5,
            d("2026-03-13"): 1.0,  # code
            d("2026-03-16"): 1.0,
            d("2026-03-17"): 1.0,
        },
        "bob": {d("2026-03-13"): 0.5, d("2026-03-16"): 0.5, d("2026-03-17"): 0.5},  # done work
        "carol": {
            d(day): 1.0
            for day in (
                "2026-03-09",
                "2026-03-10",
                "2026-03-11",
                "2026-03-12",
                "2026-03-13",
                "2026-03-16",
                "2026-03-17",
            )
        },
        "dave": {},
    }
    assert kpis.pool_load == {
        "testenv": {
            d("2026-03-09"): 1.0,
            d("2026-03-10"): 1.0,
            d("2026-03-11"): 1.0,
            d("2026-03-12"): 1.0,
            d("2026-03-13"): 1.0,
            d("2026-03-16"): 1.0,
            d("2026-03-17"): 2.0,  # test and deploy, capacity 2 from 2026-03-16
            d("2026-03-18"): 1.0,
        }
    }


def test_result_type() -> None:
    """check_plan returns a CheckResult whose report has the plan's shape."""
    result = check_plan(PORTFOLIO, PLAN)
    assert isinstance(result, CheckResult)
    assert result.report.model_dump() == {"ok": True, "violations": []}


# ----------------------------------------------------------------------------- calendar
def test_five_days_from_thursday_end_next_wednesday() -> None:
    """A 5-day task starting on a Thursday finishes on the next Wednesday (and not before)."""
    calendar = WorkCalendar(d("2026-01-05"))
    assert calendar.finish_date(d("2026-01-08"), 5) == d("2026-01-14")
    portfolio = load_portfolio(
        {
            "id": "cal",
            "start_date": "2026-01-05",
            "projects": [{"id": "p", "tasks": [{"id": "t", "duration_days": 5}]}],
        }
    )
    plan = Plan(
        portfolio="cal",
        status=PlanStatus.FEASIBLE,
        tasks=[planned("t", "p", "2026-01-08", "2026-01-14", 5, 0)],
    )
    assert violations(plan, portfolio) == []
    assert violations(dated(plan, "t", "2026-01-08", "2026-01-12"), portfolio) == [
        (
            "calendar",
            "'t' lasts 5 working day(s) from 2026-01-08, so it finishes 2026-01-14, but the plan "
            "says 2026-01-12",
        )
    ]


def test_calendar_finish_inconsistent() -> None:
    """A finish that does not match start + duration working days."""
    only(
        "calendar",
        "'build' lasts 4 working day(s) from 2026-03-09, so it finishes 2026-03-12, but the "
        "plan says 2026-03-13",
        with_task(PLAN, "build", finish=d("2026-03-13")),
    )


def test_calendar_start_on_holiday() -> None:
    """A task may not start on a holiday."""
    only(
        "calendar",
        "'kickoff' starts 2026-03-06 (Friday), which is not a working day",
        dated(PLAN, "kickoff", "2026-03-06", "2026-03-06"),
    )


def test_calendar_finish_on_weekend() -> None:
    """A task may not finish on a weekend day."""
    only(
        "calendar",
        "'build' finishes 2026-03-14 (Saturday), which is not a working day",
        with_task(PLAN, "build", finish=d("2026-03-14")),
    )


def test_calendar_done_task_days() -> None:
    """A done task's duration is the working days between its actual dates."""
    only(
        "calendar",
        "'analysis' runs 5 working day(s) from 2026-02-23 to 2026-02-27, but the plan says it "
        "lasts 4",
        with_task(unclaimed(), "analysis", duration_days=4),
    )


# ----------------------------------------------------------------------------- durations
def test_duration_single_mode() -> None:
    """A single-mode task lasts its duration_days."""
    only(
        "duration",
        "'spec' lasts 3 working day(s) in the plan but takes 2",
        dated(unclaimed(), "spec", "2026-03-10", "2026-03-12", 3),
    )


def test_duration_of_mode() -> None:
    """A multi-mode task lasts the duration of the mode it names."""
    only(
        "duration",
        "'build' lasts 3 working day(s) in the plan but takes 4 in mode 'inhouse'",
        dated(unclaimed(), "build", "2026-03-09", "2026-03-11", 3),
    )


def test_duration_of_team() -> None:
    """An effort-driven task lasts ceil(effort / team size)."""
    only(
        "duration",
        "'code' lasts 3 working day(s) in the plan but takes 6 with a team of 1",
        with_task(unclaimed(), "code", team_size=1, people=[who("alice", 100, None)]),
    )


# ----------------------------------------------------------------------------- modes, teams
def test_mode_unknown() -> None:
    """A multi-mode task must name one of its modes."""
    only(
        "mode",
        "'build' must use one of its modes ('inhouse', 'contractor'), but the plan names 'turbo'",
        with_task(PLAN, "build", mode="turbo"),
    )


def test_mode_on_single_mode_task() -> None:
    """A task without modes has no mode in the plan."""
    only(
        "mode",
        "'spec' has no modes, so its mode must be empty, but the plan names 'fast'",
        with_task(PLAN, "spec", mode="fast"),
    )


def test_team_size_out_of_range() -> None:
    """An effort-driven task's team size lies within the team's range."""
    only(
        "team",
        "'code' needs a team_size from 1 to 3, but the plan gives 4",
        with_task(PLAN, "code", team_size=4),
    )


def test_team_members_count() -> None:
    """The team has team_size members."""
    only(
        "team",
        "'code' has team_size 2, but the plan lists 1 team member(s)",
        with_task(unclaimed(), "code", people=[who("alice", 100, None)]),
    )


def test_team_size_on_other_task() -> None:
    """A task that is not effort-driven has no team size."""
    only(
        "team",
        "'spec' is not effort-driven, so its team_size must be empty, but the plan gives 2",
        with_task(PLAN, "spec", team_size=2),
    )


# ----------------------------------------------------------------------------- people
def test_requirement_allocation() -> None:
    """A person fills a requirement at the allocation it asks for."""
    only(
        "requirement",
        "'bob' works 80% on 'test', but requirement 1 asks for 50%",
        with_task(unclaimed(), "test", people=[who("bob", 80, 1)]),
    )


def test_requirement_named_person_missing() -> None:
    """A person requirement names who works on the task."""
    only(
        "requirement",
        "'spec' needs 'alice' at 50% (requirement 0), but 'alice' is not assigned to it",
        with_task(unclaimed(), "spec", people=[]),
    )


def test_requirement_person_twice() -> None:
    """A person appears at most once per task."""
    only(
        "requirement",
        "'alice' appears 2 times on 'spec'; a person works on a task at most once",
        with_task(unclaimed(), "spec", people=[who("alice", 50), who("alice", 50)]),
    )


def test_skill_level() -> None:
    """People filling a skill requirement have the skill at the minimum level."""
    only(
        "skill",
        "'dave' fills requirement 2 of 'build' (skill 'python' at level 3 or more) but has level 1",
        with_task(PLAN, "build", people=[who("dave", 100, 2)]),
    )


def test_person_capacity() -> None:
    """A person's allocations on a day stay within their capacity."""
    only(
        "person_capacity",
        "'alice' is booked 150% on 2026-03-13 but works 100%: 'spec' 50%, 'code' 100%",
        dated(unclaimed(), "spec", "2026-03-12", "2026-03-13"),
    )


def test_absence() -> None:
    """Nobody works on a day they are absent."""

    def away(data: dict[str, Any]) -> None:
        data["people"][1]["absences"] = [{"start": "2026-03-16", "end": "2026-03-20"}]

    only(
        "absence",
        "'bob' works on 'test' from 2026-03-16 to 2026-03-17 (2 working days) but is absent "
        "from 2026-03-16 to 2026-03-20",
        PLAN,
        make_portfolio(away),
    )


def test_pool_capacity() -> None:
    """Pool units in use on a day stay within the pool's capacity that day."""
    only(
        "pool_capacity",
        "pool 'testenv' has 2 unit(s) in use on 2026-03-12 but 1 available: 'build' 1, 'test' 1",
        dated(unclaimed(), "test", "2026-03-12", "2026-03-16"),
    )


def test_consumable() -> None:
    """The amounts of a consumable used by planned tasks stay within its total."""

    def fewer(data: dict[str, Any]) -> None:
        data["consumables"][0]["total"] = 2

    only(
        "consumable",
        "consumable 'licence' is used 3 in total ('build' 2, 'test' 1) but only 2 are available",
        PLAN,
        make_portfolio(fewer),
    )


# ----------------------------------------------------------------------------- dependencies
def test_precedence_finish_to_start() -> None:
    """FS with a lag: the successor starts lag working days after the predecessor's end."""
    only(
        "precedence",
        "'build' depends on 'design' (FS, lag 1): it must start on or after 2026-03-09 but "
        "starts 2026-03-05",
        dated(PLAN, "build", "2026-03-05", "2026-03-11"),
    )


def test_precedence_types() -> None:
    """SS, FF and SF bounds, with positive and negative lags, on a two-task portfolio."""
    early_start = "start on or after 2026-01-07 but starts 2026-01-06"
    early_finish = "finish on or after 2026-01-08 but finishes 2026-01-07"
    cases = [  # (type, lag, successor start, finish, days, expected message)
        ("SS", 2, "2026-01-06", "2026-01-06", 1, early_start),
        ("FF", 1, "2026-01-05", "2026-01-07", 3, early_finish),
        ("SF", 4, "2026-01-05", "2026-01-07", 3, early_finish),
        ("FS", -1, "2026-01-06", "2026-01-06", 1, early_start),
    ]
    for kind, lag, start, finish, days, expected in cases:
        portfolio = load_portfolio(
            {
                "id": "deps",
                "start_date": "2026-01-05",
                "projects": [
                    {
                        "id": "p",
                        "tasks": [
                            {"id": "a", "duration_days": 3},
                            {
                                "id": "b",
                                "duration_days": days,
                                "dependencies": [dep("a", kind, lag)],
                            },
                        ],
                    }
                ],
            }
        )
        plan = Plan(
            portfolio="deps",
            status=PlanStatus.FEASIBLE,
            tasks=[
                planned("a", "p", "2026-01-05", "2026-01-07", 3, 0),
                planned("b", "p", start, finish, days, 0),
            ],
        )
        assert violations(plan, portfolio) == [
            ("precedence", f"'b' depends on 'a' ({kind}, lag {lag}): it must {expected}")
        ]


def test_precedence_on_unselected_project() -> None:
    """A task may not depend on a task of a project that is not selected."""

    def link(data: dict[str, Any]) -> None:
        data["projects"][2]["tasks"][0]["dependencies"] = [dep("proto_b")]

    only(
        "precedence",
        "'proto' depends on 'proto_b' of project 'app_b', which is not selected",
        PLAN,
        make_portfolio(link),
    )


# ----------------------------------------------------------------------------- dates
def test_release_date() -> None:
    """Tasks start on or after their project's release date."""
    only(
        "release",
        "'spec' starts 2026-03-05, before the release date 2026-03-09 of project 'web'",
        dated(unclaimed(), "spec", "2026-03-05", "2026-03-09"),
    )


def test_earliest_start() -> None:
    """Tasks start on or after their earliest start."""
    only(
        "earliest_start",
        "'docs' starts 2026-03-10, before its earliest start 2026-03-11",
        dated(PLAN, "docs", "2026-03-10", "2026-03-10"),
    )


def test_start_date() -> None:
    """Tasks that have not started begin on or after the portfolio start date."""
    only(
        "start_date",
        "'kickoff' starts 2026-02-27, before the portfolio start date 2026-03-02",
        dated(PLAN, "kickoff", "2026-02-27", "2026-02-27"),
    )


def test_pinned_start() -> None:
    """A pinned task starts exactly on its pinned date."""
    only(
        "pinned",
        "'deploy' is pinned to start on 2026-03-17 but starts 2026-03-18",
        dated(unclaimed(), "deploy", "2026-03-18", "2026-03-19"),
    )


def test_task_deadline() -> None:
    """A task finishes on or before its deadline."""
    only(
        "deadline",
        "'golive' finishes 2026-03-23, after its deadline 2026-03-20",
        dated(unclaimed(), "golive", "2026-03-23", "2026-03-23"),
    )


def test_project_deadline() -> None:
    """A project finishes on or before its deadline."""
    only(
        "project_deadline",
        "project 'app_a' finishes 2026-03-31, after its deadline 2026-03-27",
        dated(unclaimed(), "proto", "2026-03-30", "2026-03-31"),
    )


# ----------------------------------------------------------------------------- progress
def test_progress_done_start() -> None:
    """A done task starts on its actual start."""
    only(
        "progress",
        "'analysis' is done and started on 2026-02-23, but the plan starts it 2026-02-24",
        dated(unclaimed(), "analysis", "2026-02-24", "2026-02-27", 4),
    )


def test_progress_done_finish() -> None:
    """A done task finishes on its actual finish."""
    only(
        "progress",
        "'analysis' is done and finished on 2026-02-27, but the plan finishes it 2026-02-26",
        dated(unclaimed(), "analysis", "2026-02-23", "2026-02-26", 4),
    )


def test_progress_in_progress_start() -> None:
    """A task in progress starts on its actual start."""
    only(
        "progress",
        "'design' is in progress and started on 2026-02-26, but the plan starts it 2026-02-27",
        dated(unclaimed(), "design", "2026-02-27", "2026-03-04", 4),
    )


def test_progress_remaining_days() -> None:
    """A task in progress runs its remaining days from the first working day of the status."""
    only(
        "progress",
        "'design' is in progress with 3 working day(s) left from 2026-03-02: it finishes "
        "2026-03-04, but the plan says 2026-03-03",
        dated(unclaimed(), "design", "2026-02-26", "2026-03-03", 4),
    )


# ----------------------------------------------------------------------------- money
def test_budget_total() -> None:
    """The whole plan costs at most the portfolio budget."""

    def cap(data: dict[str, Any]) -> None:
        data["budgets"]["total"] = 12000

    only(
        "budget_total",
        "the plan costs 12,450.00 EUR in total, over the portfolio budget of 12,000.00 EUR",
        PLAN,
        make_portfolio(cap),
    )


def test_budget_project() -> None:
    """A project costs at most its budget."""

    def cap(data: dict[str, Any]) -> None:
        data["projects"][0]["budget"] = 7000

    only(
        "budget_project",
        "project 'crm' costs 7,400.00 EUR, over its budget of 7,000.00 EUR",
        PLAN,
        make_portfolio(cap),
    )


def test_budget_period() -> None:
    """The cost incurred on the days of a period stays within its limit."""

    def cap(data: dict[str, Any]) -> None:
        data["budgets"]["periods"][0]["limit"] = 1500

    only(
        "budget_period",
        "the plan spends 2,000.00 EUR in period '2026-02' (2026-02-01 to 2026-02-28), over its "
        "limit of 1,500.00 EUR",
        PLAN,
        make_portfolio(cap),
    )


# ----------------------------------------------------------------------------- selection
def test_selection_mandatory() -> None:
    """A mandatory project is selected."""

    def must(data: dict[str, Any]) -> None:
        data["projects"][3]["mandatory"] = True

    only("selection", "project 'app_b' is mandatory but not selected", PLAN, make_portfolio(must))


def test_selection_tasks_of_unselected_project() -> None:
    """An unselected project has no task in the plan."""
    plan = PLAN.model_copy(
        update={
            "tasks": [*PLAN.tasks, planned("proto_b", "app_b", "2026-03-02", "2026-03-02", 1, 0)]
        }
    )
    only(
        "selection", "project 'app_b' is not selected, but the plan has its task(s) 'proto_b'", plan
    )


def test_missing_task() -> None:
    """A selected project has every task in the plan."""
    plan = PLAN.model_copy(update={"tasks": [t for t in PLAN.tasks if t.task != "docs"]})
    only("missing_task", "task 'docs' of selected project 'crm' is not in the plan", plan)


def test_exclusive_group() -> None:
    """At most one project of an exclusive group is selected."""
    base = unclaimed()
    plan = base.model_copy(
        update={
            "tasks": [*base.tasks, planned("proto_b", "app_b", "2026-03-02", "2026-03-02", 1, 0)],
            "projects": [p for p in base.projects if p.project != "app_b"],
        }
    )
    only(
        "exclusive_group",
        "projects 'app_a' and 'app_b' of exclusive group 'mobile' are both selected, but at "
        "most one may be",
        plan,
    )


def test_project_dependency_dates() -> None:
    """A project starts after the end of the projects it depends on."""
    only(
        "project_dependency",
        "project 'app_a' depends on project 'web', which finishes 2026-03-18: its tasks must "
        "start on or after 2026-03-19, but 'proto' starts 2026-03-18",
        dated(unclaimed(), "proto", "2026-03-18", "2026-03-19"),
    )


def test_project_dependency_selection() -> None:
    """A project is selected only with the projects it depends on."""

    def optional_web(data: dict[str, Any]) -> None:
        data["projects"][1]["mandatory"] = False

    base = unclaimed()
    plan = base.model_copy(
        update={
            "tasks": [t for t in base.tasks if t.project != "web"],
            "projects": [
                ProjectPlan(project="web", selected=False) if p.project == "web" else p
                for p in base.projects
            ],
        }
    )
    only(
        "project_dependency",
        "project 'app_a' depends on project 'web', which is not selected",
        plan,
        make_portfolio(optional_web),
    )


# ----------------------------------------------------------------------------- plan shape
def test_unknown_task() -> None:
    """Every planned task exists in the portfolio."""
    plan = PLAN.model_copy(
        update={"tasks": [*PLAN.tasks, planned("ghost", "crm", "2026-03-02", "2026-03-02", 1, 0)]}
    )
    only("unknown_task", "the plan has task 'ghost', which is not in the portfolio", plan)


def test_duplicate_task() -> None:
    """A task appears once in the plan."""
    docs = next(t for t in PLAN.tasks if t.task == "docs")
    plan = PLAN.model_copy(update={"tasks": [*PLAN.tasks, docs]})
    only("duplicate_task", "task 'docs' appears 2 times in the plan", plan)


def test_task_in_wrong_project() -> None:
    """A planned task names the project it belongs to."""
    only(
        "task_project",
        "task 'docs' belongs to project 'crm', but the plan puts it in 'web'",
        with_task(PLAN, "docs", project="web"),
    )


def test_unknown_project() -> None:
    """Every project of the plan exists in the portfolio."""
    plan = PLAN.model_copy(
        update={"projects": [*PLAN.projects, ProjectPlan(project="erp", selected=False)]}
    )
    only("unknown_project", "the plan has project 'erp', which is not in the portfolio", plan)


# ----------------------------------------------------------------------------- figures
def test_kpi_project_finish() -> None:
    """A project's reported finish is the latest finish of its tasks."""
    projects = [
        p.model_copy(update={"finish": d("2026-03-17")}) if p.project == "crm" else p
        for p in PLAN.projects
    ]
    only(
        "kpi",
        "the plan says project 'crm' finishes 2026-03-17, but its last task finishes 2026-03-18",
        PLAN.model_copy(update={"projects": projects}),
    )


def test_kpi_days_late() -> None:
    """A project's reported lateness is recomputed from its end and due date."""
    projects = [
        p.model_copy(update={"days_late": 3}) if p.project == "crm" else p for p in PLAN.projects
    ]
    only(
        "kpi",
        "the plan says project 'crm' is 3 working day(s) late, but it is 2",
        PLAN.model_copy(update={"projects": projects}),
    )


def test_kpi_project_cost() -> None:
    """A project's reported cost is the sum of its tasks' costs (to the cent)."""
    projects = [
        p.model_copy(update={"cost": 4050.02}) if p.project == "web" else p for p in PLAN.projects
    ]
    only(
        "kpi",
        "the plan says project 'web' costs 4,050.02 EUR, but its tasks cost 4,050.00 EUR",
        PLAN.model_copy(update={"projects": projects}),
    )
    within = [
        p.model_copy(update={"cost": 4050.01}) if p.project == "web" else p for p in PLAN.projects
    ]
    assert violations(PLAN.model_copy(update={"projects": within})) == []


def test_kpi_task_cost() -> None:
    """A task's reported cost is its daily cost times its duration plus one-off costs."""
    only(
        "kpi",
        "the plan says 'build' costs 2,400.00 EUR, but it costs 2,800.00 EUR",
        with_task(PLAN, "build", cost=2400.0),
    )


def test_kpi_objective() -> None:
    """Reported objective values are recomputed from the plan."""
    only(
        "kpi",
        "the plan reports makespan 15, but its tasks give 16",
        PLAN.model_copy(update={"objective": {**PLAN.objective, "makespan": 15}}),
    )
    only(
        "kpi",
        "the plan reports total_cost 12,000.00 EUR, but its tasks give 12,450.00 EUR",
        PLAN.model_copy(update={"objective": {**PLAN.objective, "total_cost": 12000}}),
    )


def test_kpi_period_spend() -> None:
    """Reported spend per period is recomputed from the plan."""
    spend = [
        s.model_copy(update={"spend": 10000}) if s.period == "2026-03" else s for s in PLAN.spend
    ]
    only(
        "kpi",
        "the plan says it spends 10,000.00 EUR in period '2026-03', but its tasks spend "
        "10,450.00 EUR",
        PLAN.model_copy(update={"spend": spend}),
    )


# ----------------------------------------------------------------------------- violation data
def test_violation_fields() -> None:
    """Violations carry the task, project, resource and day they are about."""
    plan = dated(unclaimed(), "spec", "2026-03-12", "2026-03-13")
    (violation,) = check_plan(PORTFOLIO, plan).report.violations
    assert violation.model_dump() == {
        "rule": "person_capacity",
        "message": "'alice' is booked 150% on 2026-03-13 but works 100%: 'spec' 50%, 'code' 100%",
        "task": None,
        "project": None,
        "resource": "alice",
        "day": d("2026-03-13"),
    }
    (violation,) = check_plan(
        PORTFOLIO, dated(PLAN, "docs", "2026-03-10", "2026-03-10")
    ).report.violations
    assert (violation.task, violation.project, violation.day) == ("docs", "crm", d("2026-03-10"))


# ----------------------------------------------------------------------------- size
def test_large_plan_is_fast() -> None:
    """5,000 tasks, 80 people and two years are checked in well under the time limit."""
    people = [
        {"id": f"p{k}", "skills": {"dev": 1 + k % 5}, "cost_per_day": 400 + k} for k in range(80)
    ]
    projects = [
        {
            "id": f"P{j}",
            "tasks": [
                {
                    "id": f"t{j}_{k}",
                    "duration_days": 1 + (j + k) % 3,
                    "requirements": [person_req(f"p{(j + k) % 80}", 10), pool_req("env")],
                    "dependencies": [dep(f"t{j}_{k - 1}")] if k else [],
                }
                for k in range(50)
            ],
        }
        for j in range(100)
    ]
    portfolio = load_portfolio(
        {
            "id": "big",
            "start_date": "2026-01-05",
            "skills": [{"id": "dev"}],
            "people": people,
            "pools": [{"id": "env", "units": 100, "cost_per_unit_day": 10}],
            "projects": projects,
            "budgets": {
                "periods": [{"period": f"2026-{m:02d}", "limit": 1e9} for m in range(1, 13)]
            },
        }
    )
    calendar = WorkCalendar(d("2026-01-05"))
    tasks = []
    for j, project in enumerate(portfolio.projects):
        day = 4 * j  # projects start a working week apart, so the plan spans about two years
        for task in project.tasks:
            days = task.duration_days or 0
            tasks.append(
                TaskPlan(
                    task=task.id,
                    project=project.id,
                    start=calendar.date_of(day),
                    finish=calendar.date_of(day + days - 1),
                    duration_days=days,
                    people=[who(f"p{(j + int(task.id.split('_')[1])) % 80}", 10)],
                )
            )
            day += days
    plan = Plan(portfolio="big", status=PlanStatus.FEASIBLE, tasks=tasks)
    began = time.perf_counter()
    result = check_plan(portfolio, plan)
    elapsed = time.perf_counter() - began
    assert result.report.violations == []
    assert result.kpis.makespan_days == 4 * 99 + sum(1 + (99 + k) % 3 for k in range(50))
    assert elapsed < 5.0
