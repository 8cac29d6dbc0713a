"""Each business rule of the CP-SAT model: a feasible case and one that binds, exact dates.

Portfolios start Monday 2027-01-04 on a Monday-Friday calendar; unless a test says
otherwise every task is its own project and the objective is weighted completion, so
each task ends as early as the rules allow and the expected dates are unique.
"""

from __future__ import annotations

from models import PlanStatus
from tests.solver.factory import d, dep, finishes, portfolio, run, starts, task

PERSON = {"id": "ana", "skills": {"python": 3}, "cost_per_day": 500}


def test_finish_to_start_chain() -> None:
    """FS: B starts the working day after A finishes; a 5-day task from Thu ends Wed."""
    plan = run(portfolio(tasks=[task("A", 3), task("B", 5, dependencies=[dep("A")])]))
    assert plan.status == PlanStatus.OPTIMAL
    assert starts(plan) == {"A": d("2027-01-04"), "B": d("2027-01-07")}
    assert finishes(plan)["B"] == d("2027-01-13")
    assert plan.objective["makespan"] == 8


def test_finish_to_start_with_positive_and_negative_lag() -> None:
    """FS lag 2 waits two working days (over a weekend); lag -1 overlaps by one day."""
    plan = run(
        portfolio(
            tasks=[
                task("A", 5),
                task("B", 1, dependencies=[dep("A", lag=2)]),
                task("C", 1, dependencies=[dep("A", lag=-1)]),
            ]
        )
    )
    assert starts(plan)["B"] == d("2027-01-13")
    assert starts(plan)["C"] == d("2027-01-08")


def test_start_to_start_lag() -> None:
    """SS lag 1: B starts one working day after A starts."""
    plan = run(portfolio(tasks=[task("A", 4), task("B", 2, dependencies=[dep("A", "SS", 1)])]))
    assert starts(plan)["B"] == d("2027-01-05")


def test_finish_to_finish() -> None:
    """FF: B cannot finish before A finishes, so a 1-day B runs on A's last day."""
    plan = run(portfolio(tasks=[task("A", 3), task("B", 1, dependencies=[dep("A", "FF")])]))
    assert finishes(plan)["B"] == d("2027-01-06")


def test_start_to_finish() -> None:
    """SF lag 3: B finishes no earlier than 3 days after A starts."""
    plan = run(portfolio(tasks=[task("A", 1), task("B", 1, dependencies=[dep("A", "SF", 3)])]))
    assert finishes(plan)["B"] == d("2027-01-06")


def test_public_holiday_stretches_a_task() -> None:
    """A 5-day task pinned on Thursday skips the weekend and a Monday holiday."""
    plan = run(
        portfolio(
            tasks=[task("A", 5, pinned_start="2027-01-07")],
            calendar={"holidays": [{"date": "2027-01-11", "name": "test holiday"}]},
        )
    )
    assert starts(plan)["A"] == d("2027-01-07")
    assert finishes(plan)["A"] == d("2027-01-14")


def test_release_date_and_earliest_start() -> None:
    """A project's release date and a task's earliest start hold their tasks back."""
    plan = run(
        portfolio(
            [
                {"id": "P1", "release_date": "2027-01-06", "tasks": [task("A", 1)]},
                {"id": "P2", "tasks": [task("B", 1, earliest_start="2027-01-09")]},
            ]
        )
    )
    assert starts(plan) == {"A": d("2027-01-06"), "B": d("2027-01-11")}


def test_one_person_does_one_thing_at_a_time() -> None:
    """Two tasks of the same full-time person are sequenced."""
    need = [{"kind": "person", "person": "ana"}]
    plan = run(
        portfolio(
            [
                {
                    "id": "P",
                    "tasks": [task("A", 2, requirements=need), task("B", 2, requirements=need)],
                }
            ],
            people=[PERSON],
            objective="makespan",
        )
    )
    assert plan.objective["makespan"] == 4
    assert sorted(starts(plan).values()) == [d("2027-01-04"), d("2027-01-06")]


def test_part_timer_runs_two_half_allocations_in_parallel() -> None:
    """A half-time person can do two tasks at 25% each in parallel, not two at 50%."""
    half = {"id": "bo", "capacity": 0.5}
    quarter = [{"kind": "person", "person": "bo", "allocation_percent": 25}]
    plan = run(
        portfolio(
            tasks=[task("A", 2, requirements=quarter), task("B", 2, requirements=quarter)],
            people=[half],
        )
    )
    assert starts(plan) == {"A": d("2027-01-04"), "B": d("2027-01-04")}
    full = [{"kind": "person", "person": "bo", "allocation_percent": 50}]
    plan = run(
        portfolio(
            tasks=[task("A", 2, requirements=full), task("B", 2, requirements=full)],
            people=[half],
            objective="makespan",
        )
    )
    assert plan.objective["makespan"] == 4


def test_absence_pushes_the_task() -> None:
    """Nobody works during their absence: the task waits until the person is back."""
    person = {**PERSON, "absences": [{"start": "2027-01-04", "end": "2027-01-08"}]}
    plan = run(
        portfolio(
            tasks=[task("A", 2, requirements=[{"kind": "person", "person": "ana"}])],
            people=[person],
        )
    )
    assert starts(plan)["A"] == d("2027-01-11")


def test_skill_requirement_picks_qualified_people() -> None:
    """'2 people with python >= 3': only the qualified pair is chosen, at the allocation."""
    people = [
        {"id": "ana", "skills": {"python": 3}},
        {"id": "bo", "skills": {"python": 5}},
        {"id": "cy", "skills": {"python": 2}},
    ]
    need = [{"kind": "skill", "skill": "python", "min_level": 3, "count": 2}]
    plan = run(portfolio(tasks=[task("A", 2, requirements=need)], people=people))
    assigned = sorted(a.person for a in plan.tasks[0].people)
    assert assigned == ["ana", "bo"]
    plan = run(
        portfolio(
            tasks=[task("A", 2, requirements=need), task("B", 3, requirements=need)],
            people=people,
            objective="makespan",
        )
    )
    assert plan.objective["makespan"] == 5


def test_pool_capacity_grows_from_a_date() -> None:
    """Two 2-unit tasks on a pool of 1 unit growing to 2 on 2027-01-11 run one after the other."""
    pool = {"id": "env", "units": 1, "capacity_changes": [{"from_date": "2027-01-11", "units": 2}]}
    need = [{"kind": "pool", "pool": "env", "units": 2}]
    plan = run(
        portfolio(
            tasks=[task("A", 5, requirements=need), task("B", 5, requirements=need)],
            pools=[pool],
            objective="makespan",
        )
    )
    assert sorted(starts(plan).values()) == [d("2027-01-11"), d("2027-01-18")]
    assert plan.objective["makespan"] == 15


def test_pinned_start_is_kept() -> None:
    """A pinned task starts exactly on its date even if earlier were possible."""
    plan = run(portfolio(tasks=[task("A", 2, pinned_start="2027-01-13")]))
    assert starts(plan)["A"] == d("2027-01-13")


def test_deadline_that_cannot_be_met_is_infeasible() -> None:
    """A 10-day chain with a project deadline after 8 days has no plan."""
    p = portfolio(
        [
            {
                "id": "P",
                "deadline": "2027-01-13",
                "tasks": [task("A", 5), task("B", 5, dependencies=[dep("A")])],
            }
        ]
    )
    plan = run(p)
    assert plan.status == PlanStatus.INFEASIBLE
    assert plan.tasks == []


def test_deadline_moves_work_of_another_project() -> None:
    """A task deadline on one project forces it before a competing task of the same person."""
    need = [{"kind": "person", "person": "ana"}]
    plan = run(
        portfolio(
            [
                {"id": "P1", "priority": 10, "tasks": [task("A", 3, requirements=need)]},
                {
                    "id": "P2",
                    "priority": 1,
                    "tasks": [task("B", 2, requirements=need, deadline="2027-01-05")],
                },
            ],
            people=[PERSON],
        )
    )
    assert starts(plan) == {"B": d("2027-01-04"), "A": d("2027-01-06")}


def test_done_and_in_progress_tasks() -> None:
    """Done work keeps its actual dates; in-progress work resumes on the status date."""
    plan = run(
        portfolio(
            [
                {
                    "id": "P",
                    "tasks": [
                        task(
                            "A",
                            3,
                            progress={
                                "state": "done",
                                "actual_start": "2026-12-28",
                                "actual_finish": "2026-12-30",
                            },
                        ),
                        task(
                            "B",
                            4,
                            dependencies=[dep("A")],
                            progress={
                                "state": "in_progress",
                                "actual_start": "2026-12-31",
                                "remaining_days": 2,
                            },
                        ),
                        task("C", 1, dependencies=[dep("B")]),
                    ],
                }
            ],
            status_date="2027-01-06",
        )
    )
    assert starts(plan) == {"A": d("2026-12-28"), "B": d("2026-12-31"), "C": d("2027-01-08")}
    assert finishes(plan)["B"] == d("2027-01-07")


def test_modes_trade_time_for_money() -> None:
    """Minimising makespan takes the fast contractor; minimising cost the in-house mode."""
    modes = [
        {
            "id": "in-house",
            "duration_days": 10,
            "requirements": [{"kind": "person", "person": "ana"}],
        },
        {"id": "contractor", "duration_days": 4, "cost": 9000},
    ]
    fast = run(
        portfolio(tasks=[task("A", None, modes=modes)], people=[PERSON], objective="makespan")
    )
    assert fast.tasks[0].mode == "contractor" and fast.objective["makespan"] == 4
    cheap = run(
        portfolio(tasks=[task("A", None, modes=modes)], people=[PERSON], objective="total_cost")
    )
    assert cheap.tasks[0].mode == "in-house"
    assert cheap.objective["total_cost"] == 5000


def test_effort_driven_task_picks_team_size() -> None:
    """10 person-days with a team of 1-3 python people: makespan picks 3 (4 days)."""
    people = [{"id": f"dev{k}", "skills": {"python": 2}, "cost_per_day": 100} for k in range(3)]
    t = task(
        "A",
        None,
        effort_days=10,
        team={"min_size": 1, "max_size": 3, "skill": "python", "min_level": 2},
    )
    plan = run(portfolio(tasks=[t], people=people, objective="makespan"))
    assert plan.tasks[0].team_size == 3
    assert plan.tasks[0].duration_days == 4
    assert finishes(plan)["A"] == d("2027-01-07")
    assert plan.tasks[0].cost == 1200


def test_total_budget_drops_an_optional_project() -> None:
    """With a total budget for one project only, the more valuable optional one is kept."""
    contractor = {"id": "ext", "units": 5, "cost_per_unit_day": 1000}
    need = [{"kind": "pool", "pool": "ext", "units": 1}]
    plan = run(
        portfolio(
            [
                {
                    "id": "crm",
                    "mandatory": False,
                    "value": 50000,
                    "tasks": [task("A", 10, requirements=need)],
                },
                {
                    "id": "bi",
                    "mandatory": False,
                    "value": 80000,
                    "tasks": [task("B", 10, requirements=need)],
                },
            ],
            pools=[contractor],
            budgets={"total": 15000},
            objective="selected_value",
        )
    )
    selected = {p.project: p.selected for p in plan.projects}
    assert selected == {"crm": False, "bi": True}
    assert plan.objective["selected_value"] == 80000


def test_period_budget_moves_work_to_next_quarter() -> None:
    """A Q1 cap too small for a task pushes it to the first working day of Q2."""
    contractor = {"id": "ext", "units": 1, "cost_per_unit_day": 1000}
    need = [{"kind": "pool", "pool": "ext", "units": 1}]
    plan = run(
        portfolio(
            tasks=[task("A", 5, requirements=need)],
            pools=[contractor],
            budgets={"periods": [{"period": "2027-Q1", "limit": 500}]},
        )
    )
    assert starts(plan)["A"] == d("2027-04-01")
    assert plan.spend[0].spend == 0


def test_period_budget_allows_the_days_it_can_pay_for() -> None:
    """A Q1 cap of 2 days' cost lets the task start on the last two working days of Q1."""
    contractor = {"id": "ext", "units": 1, "cost_per_unit_day": 1000}
    need = [{"kind": "pool", "pool": "ext", "units": 1}]
    plan = run(
        portfolio(
            tasks=[task("A", 5, requirements=need)],
            pools=[contractor],
            budgets={"periods": [{"period": "2027-Q1", "limit": 2000}]},
        )
    )
    assert starts(plan)["A"] == d("2027-03-30")
    assert plan.spend[0].spend == 2000


def test_period_budget_counts_days_inside_the_period() -> None:
    """A task straddling the end of Q1 spends only its Q1 days there (3 of 5)."""
    contractor = {"id": "ext", "units": 1, "cost_per_unit_day": 1000}
    need = [{"kind": "pool", "pool": "ext", "units": 1}]
    plan = run(
        portfolio(
            tasks=[task("A", 5, requirements=need, earliest_start="2027-03-29")],
            pools=[contractor],
            budgets={
                "periods": [
                    {"period": "2027-Q1", "limit": 3000},
                    {"period": "2027-Q2", "limit": 2000},
                ]
            },
        )
    )
    assert starts(plan)["A"] == d("2027-03-29")
    assert [s.spend for s in plan.spend] == [3000, 2000]


def test_consumable_total_forces_the_other_mode() -> None:
    """Only one licence: the second task must use the mode that needs none."""
    modes = [
        {
            "id": "licensed",
            "duration_days": 1,
            "requirements": [{"kind": "consumable", "consumable": "lic", "amount": 1}],
        },
        {"id": "manual", "duration_days": 3},
    ]
    plan = run(
        portfolio(
            tasks=[task("A", None, modes=modes), task("B", None, modes=modes)],
            consumables=[{"id": "lic", "total": 1}],
            objective="makespan",
        )
    )
    assert sorted(t.mode or "" for t in plan.tasks) == ["licensed", "manual"]
    assert plan.objective["makespan"] == 3


def test_exclusive_group_selects_at_most_one() -> None:
    """Two optional alternatives in one group: only the more valuable is selected."""
    plan = run(
        portfolio(
            [
                {
                    "id": "saas",
                    "mandatory": False,
                    "value": 10,
                    "exclusive_group": "crm",
                    "tasks": [task("A", 1)],
                },
                {
                    "id": "build",
                    "mandatory": False,
                    "value": 20,
                    "exclusive_group": "crm",
                    "tasks": [task("B", 1)],
                },
            ],
            objective="selected_value",
        )
    )
    assert [p.project for p in plan.projects if p.selected] == ["build"]


def test_project_dependency() -> None:
    """A project that depends on another starts after its last task."""
    plan = run(
        portfolio(
            [
                {"id": "infra", "tasks": [task("A", 3)]},
                {"id": "app", "depends_on": ["infra"], "tasks": [task("B", 1)]},
            ]
        )
    )
    assert starts(plan)["B"] == d("2027-01-07")


def test_weighted_tardiness_serves_the_higher_priority_first() -> None:
    """Both due on day 2, one person: the priority-5 project is on time, the other late."""
    need = [{"kind": "person", "person": "ana"}]
    plan = run(
        portfolio(
            [
                {
                    "id": "low",
                    "priority": 1,
                    "due_date": "2027-01-05",
                    "tasks": [task("A", 2, requirements=need)],
                },
                {
                    "id": "high",
                    "priority": 5,
                    "due_date": "2027-01-05",
                    "tasks": [task("B", 2, requirements=need)],
                },
            ],
            people=[PERSON],
            objective="weighted_tardiness",
        )
    )
    late = {p.project: p.days_late for p in plan.projects}
    assert late == {"low": 2, "high": 0}
    assert plan.objective["weighted_tardiness"] == 2


def test_lexicographic_makespan_then_cost() -> None:
    """Lexicographic: the shortest makespan first, then the cheapest plan at that makespan."""
    people = [
        {"id": "ana", "skills": {"python": 3}, "cost_per_day": 500},
        {"id": "bo", "skills": {"python": 3}, "cost_per_day": 300},
    ]
    need = [{"kind": "skill", "skill": "python", "min_level": 3}]
    plan = run(
        portfolio(
            [{"id": "P", "tasks": [task("A", 2, requirements=need)]}],
            people=people,
            objective=["makespan", "total_cost"],
            mode="lexicographic",
        )
    )
    assert plan.status == PlanStatus.OPTIMAL
    assert plan.objective["makespan"] == 2
    assert [a.person for a in plan.tasks[0].people] == ["bo"]
    assert plan.objective["total_cost"] == 600


def test_stability_keeps_baseline_starts() -> None:
    """Minimising stability keeps a task at its baseline start although it could go earlier."""
    plan = run(
        portfolio(
            tasks=[task("A", 2)],
            baseline=[{"task": "A", "start": "2027-01-06"}],
            objective="stability",
        )
    )
    assert starts(plan)["A"] == d("2027-01-06")
    assert plan.objective["stability"] == 0


def test_peak_load_levels_two_tasks() -> None:
    """Levelling on a pool of 2: two 1-unit tasks run one after the other under a deadline."""
    pool = {"id": "ops", "units": 2}
    need = [{"kind": "pool", "pool": "ops", "units": 1}]
    plan = run(
        portfolio(
            [
                {
                    "id": "P",
                    "deadline": "2027-01-07",
                    "tasks": [task("A", 2, requirements=need), task("B", 2, requirements=need)],
                }
            ],
            pools=[pool],
            objective="peak_load",
        )
    )
    assert plan.objective["peak_load"] == 1


def test_milestone_meets_its_deadline_day() -> None:
    """A go-live milestone after a 3-day task, due on day 3, falls on day 3, not day 4."""
    plan = run(
        portfolio(
            [
                {
                    "id": "P",
                    "deadline": "2027-01-07",
                    "tasks": [
                        task("A", 3),
                        task("go", None, milestone=True, dependencies=[dep("A", lag=-1)]),
                    ],
                }
            ],
            objective="peak_load",
        )
    )
    assert plan.status == PlanStatus.OPTIMAL
    assert starts(plan)["go"] <= d("2027-01-07")


def test_done_task_names_who_did_it() -> None:
    """A done task with a skill requirement lists a qualified person, at no capacity cost."""
    need = [{"kind": "skill", "skill": "python", "min_level": 3}]
    plan = run(
        portfolio(
            tasks=[
                task(
                    "A",
                    2,
                    requirements=need,
                    progress={
                        "state": "done",
                        "actual_start": "2026-12-28",
                        "actual_finish": "2026-12-29",
                    },
                ),
                task("B", 2, requirements=need),
            ],
            people=[PERSON],
        )
    )
    assert [a.person for a in plan.tasks[0].people] == ["ana"]
    assert starts(plan)["B"] == d("2027-01-04")
