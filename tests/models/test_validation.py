"""Portfolio validation: each rule reports the exact path and message, and all at once.

Every test starts from the small valid portfolio of ``tests/conftest.py`` (projects P1
with tasks T1, T2 and P2 with T3 (effort-driven), T4 (two modes) and T5 (milestone)),
breaks one thing and compares the ``(path, message)`` pairs that validation reports.
"""

from __future__ import annotations

import graphlib
import json
import time
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models import Portfolio, PortfolioError, load_portfolio, validate_portfolio
from models.validation import _acyclic, _cycles

Data = dict[str, Any]


def issues(data: str | Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (path, message) pairs validation reports, in order."""
    return [(issue.path, issue.message) for issue in validate_portfolio(data).issues]


def task(data: Data, task_id: str) -> Data:
    """The task dict with this id."""
    for project in data["projects"]:
        for item in project["tasks"]:
            if item["id"] == task_id:
                result: Data = item
                return result
    raise KeyError(task_id)


# ----------------------------------------------------------------------------- valid
def test_small_portfolio_is_valid(portfolio_data: Data) -> None:
    """The fixture portfolio has no issue and loads as a Portfolio."""
    result = validate_portfolio(portfolio_data)
    assert result.issues == []
    assert result.ok
    assert isinstance(result.portfolio, Portfolio)
    assert isinstance(load_portfolio(portfolio_data), Portfolio)


def test_valid_json_text_and_model_are_accepted(portfolio_data: Data) -> None:
    """JSON text and an already built Portfolio validate like the dict."""
    assert issues(json.dumps(portfolio_data)) == []
    model = load_portfolio(portfolio_data)
    assert validate_portfolio(model).portfolio is model


# ----------------------------------------------------------------------------- duplicate ids
def test_duplicate_task_id(portfolio_data: Data) -> None:
    """A task id used twice (across projects) is reported at the second use."""
    task(portfolio_data, "T5")["id"] = "T1"
    task(portfolio_data, "T1")["dependencies"] = []
    assert issues(portfolio_data) == [
        ("projects[1].tasks[2].id", "duplicate task id 'T1' (first used at projects[0].tasks[0])")
    ]


def test_duplicate_person_id(portfolio_data: Data) -> None:
    """A person id used twice is reported; references resolve to the first person."""
    portfolio_data["people"][1]["id"] = "ana"
    assert issues(portfolio_data) == [
        ("people[1].id", "duplicate person id 'ana' (first used at people[0])")
    ]


def test_duplicate_project_id(portfolio_data: Data) -> None:
    """A project id used twice is reported at the second project."""
    portfolio_data["projects"][1]["id"] = "P1"
    portfolio_data["projects"][1]["depends_on"] = []
    assert issues(portfolio_data) == [
        ("projects[1].id", "duplicate project id 'P1' (first used at projects[0])")
    ]


def test_duplicate_pool_id(portfolio_data: Data) -> None:
    """A pool id used twice is reported at the second pool."""
    portfolio_data["pools"].append({"id": "testers", "units": 1})
    assert issues(portfolio_data) == [
        ("pools[1].id", "duplicate pool id 'testers' (first used at pools[0])")
    ]


def test_duplicate_skill_id(portfolio_data: Data) -> None:
    """A skill id listed twice in the catalogue is reported."""
    portfolio_data["skills"].append({"id": "sap", "name": "SAP again"})
    assert issues(portfolio_data) == [
        ("skills[2].id", "duplicate skill id 'sap' (first used at skills[1])")
    ]


def test_duplicate_mode_id(portfolio_data: Data) -> None:
    """Two modes of one task with the same id are reported."""
    task(portfolio_data, "T4")["modes"][1]["id"] = "in-house"
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[1].modes[1].id",
            "duplicate mode id 'in-house' (first used at projects[1].tasks[1].modes[0])",
        )
    ]


def test_same_mode_id_in_two_tasks_is_fine(portfolio_data: Data) -> None:
    """Mode ids are unique within their task only."""
    task(portfolio_data, "T1").pop("duration_days")
    task(portfolio_data, "T1")["modes"] = [{"id": "in-house", "duration_days": 5}]
    assert issues(portfolio_data) == []


# ----------------------------------------------------------------------------- references
def test_unknown_task_in_dependency(portfolio_data: Data) -> None:
    """A dependency on a task that does not exist names the id, without a far-off hint."""
    task(portfolio_data, "T2")["dependencies"][0]["task"] = "deploy"
    assert issues(portfolio_data) == [
        ("projects[0].tasks[1].dependencies[0].task", "unknown task 'deploy'")
    ]


def test_unknown_task_hint_ignores_letter_case(portfolio_data: Data) -> None:
    """'t1' for 'T1' gets a 'did you mean'."""
    task(portfolio_data, "T2")["dependencies"][0]["task"] = "t1"
    assert issues(portfolio_data) == [
        ("projects[0].tasks[1].dependencies[0].task", "unknown task 't1'; did you mean 'T1'?")
    ]


def test_unknown_person_with_hint(portfolio_data: Data) -> None:
    """A misspelt person in a requirement gets a 'did you mean'."""
    task(portfolio_data, "T1")["requirements"][0]["person"] = "anna"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].requirements[0].person",
            "unknown person 'anna'; did you mean 'ana'?",
        )
    ]


def test_unknown_pool_with_hint(portfolio_data: Data) -> None:
    """A misspelt pool in a requirement gets a 'did you mean'."""
    task(portfolio_data, "T2")["requirements"][0]["pool"] = "tester"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].requirements[0].pool",
            "unknown pool 'tester'; did you mean 'testers'?",
        )
    ]


def test_unknown_skill_with_hint(portfolio_data: Data) -> None:
    """A misspelt skill in a requirement gets a 'did you mean'."""
    task(portfolio_data, "T2")["requirements"][1]["skill"] = "pyhton"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].requirements[1].skill",
            "unknown skill 'pyhton'; did you mean 'python'?",
        )
    ]


def test_unknown_skill_of_a_person(portfolio_data: Data) -> None:
    """A person's skill must be in the skills catalogue."""
    portfolio_data["people"][0]["skills"]["java"] = 3
    assert issues(portfolio_data) == [("people[0].skills.java", "unknown skill 'java'")]


def test_unknown_consumable_with_hint(portfolio_data: Data) -> None:
    """A misspelt consumable in a requirement gets a 'did you mean'."""
    task(portfolio_data, "T2")["requirements"][2]["consumable"] = "licence"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].requirements[2].consumable",
            "unknown consumable 'licence'; did you mean 'licences'?",
        )
    ]


def test_unknown_project_in_depends_on(portfolio_data: Data) -> None:
    """A project dependency on an unknown project is reported, with a hint when close."""
    portfolio_data["projects"][1]["depends_on"] = ["p1", "CRM"]
    assert issues(portfolio_data) == [
        ("projects[1].depends_on[0]", "unknown project 'p1'; did you mean 'P1'?"),
        ("projects[1].depends_on[1]", "unknown project 'CRM'"),
    ]


def test_unknown_team_pool_and_baseline_task(portfolio_data: Data) -> None:
    """A team's pool and a baseline task are references too."""
    task(portfolio_data, "T3")["team"] = {"min_size": 1, "max_size": 2, "pool": "tester"}
    portfolio_data["baseline"] = [{"task": "T6", "start": "2026-01-05"}]
    assert issues(portfolio_data) == [
        ("projects[1].tasks[0].team.pool", "unknown pool 'tester'; did you mean 'testers'?"),
        ("baseline[0].task", "unknown task 'T6'"),
    ]


# ----------------------------------------------------------------------------- cycles
def test_task_dependency_cycle_names_every_task(portfolio_data: Data) -> None:
    """A cycle through four tasks in two projects lists them in dependency order."""
    task(portfolio_data, "T1")["dependencies"] = [{"task": "T4"}]
    task(portfolio_data, "T3")["dependencies"] = [{"task": "T2"}]
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].dependencies[0]",
            "dependency cycle: 'T1' -> 'T2' -> 'T3' -> 'T4' -> 'T1' (each task waits for the "
            "one before it); remove one of these dependencies",
        )
    ]


def test_project_dependency_cycle(portfolio_data: Data) -> None:
    """P1 waiting for P2 while P2 waits for P1 is a project cycle."""
    portfolio_data["projects"][0]["depends_on"] = ["P2"]
    assert issues(portfolio_data) == [
        (
            "projects[0].depends_on[0]",
            "project dependency cycle: 'P1' -> 'P2' -> 'P1' (each project waits for the one "
            "before it); remove one of these depends_on entries",
        )
    ]


def test_self_dependency(portfolio_data: Data) -> None:
    """A task depending on itself is reported once, not also as a cycle."""
    task(portfolio_data, "T2")["dependencies"].append({"task": "T2", "type": "SS"})
    assert issues(portfolio_data) == [
        ("projects[0].tasks[1].dependencies[1].task", "task 'T2' depends on itself")
    ]


def test_project_depending_on_itself(portfolio_data: Data) -> None:
    """A project listing itself in depends_on is reported once."""
    portfolio_data["projects"][1]["depends_on"].append("P2")
    assert issues(portfolio_data) == [
        ("projects[1].depends_on[1]", "project 'P2' depends on itself")
    ]


# ----------------------------------------------------------------------------- sizes
def test_negative_duration(portfolio_data: Data) -> None:
    """duration_days below 0 is a field error."""
    task(portfolio_data, "T1")["duration_days"] = -2
    assert issues(portfolio_data) == [
        ("projects[0].tasks[0].duration_days", "duration_days must not be negative, got -2")
    ]


def test_non_integer_duration(portfolio_data: Data) -> None:
    """Durations are whole working days: 2.5 is rejected."""
    task(portfolio_data, "T1")["duration_days"] = 2.5
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].duration_days",
            "duration_days must be a whole number of working days, got 2.5",
        )
    ]


def test_effort_without_team(portfolio_data: Data) -> None:
    """effort_days needs a team to turn effort into a duration."""
    del task(portfolio_data, "T3")["team"]
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[0].team",
            "task 'T3' has effort_days but no team: give team with min_size, max_size and a "
            "skill or pool",
        )
    ]


def test_team_without_effort(portfolio_data: Data) -> None:
    """A team without effort_days says which field is missing."""
    del task(portfolio_data, "T3")["effort_days"]
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[0]",
            "task 'T3' has a team but no effort_days: give effort_days (person-days of work)",
        )
    ]


def test_team_with_duration_instead_of_effort(portfolio_data: Data) -> None:
    """A team on a task sized by duration_days is reported at the team."""
    t3 = task(portfolio_data, "T3")
    del t3["effort_days"]
    t3["duration_days"] = 3
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[0].team",
            "task 'T3' has a team but no effort_days: size it by effort_days or remove the team",
        )
    ]


def test_two_ways_to_size_a_task(portfolio_data: Data) -> None:
    """duration_days together with modes names the task and both fields."""
    task(portfolio_data, "T4")["duration_days"] = 3
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[1]",
            "task 'T4': give only one of duration_days, effort_days or modes "
            "(got duration_days, modes)",
        )
    ]


def test_team_max_below_min(portfolio_data: Data) -> None:
    """team.max_size below team.min_size is reported at max_size."""
    task(portfolio_data, "T3")["team"].update(min_size=2, max_size=1, skill="python")
    portfolio_data["people"][1]["capacity"] = 1.0  # two full-time python people
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[0].team.max_size",
            "team of task 'T3' has max_size 1 below min_size 2",
        )
    ]


def test_team_needs_a_skill_or_a_pool(portfolio_data: Data) -> None:
    """A team with neither (or both) a skill and a pool has no source of members."""
    task(portfolio_data, "T3")["team"] = {"min_size": 1, "max_size": 2}
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[0].team",
            "team of task 'T3' needs exactly one of skill or pool (where members come from)",
        )
    ]


def test_team_members_must_work_full_time(portfolio_data: Data) -> None:
    """Team members work at 100%: a half-time person does not count toward min_size."""
    task(portfolio_data, "T3")["team"]["min_size"] = 2
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[0].team.skill",
            "team of task 'T3' needs at least 2 people with skill 'python' at level >= 1 and "
            "100% time, but only 1 qualifies: ana; others with 'python': ben (level 2, 50% time)",
        )
    ]


# ----------------------------------------------------------------------------- resources
def test_skill_nobody_has_at_that_level(portfolio_data: Data) -> None:
    """A skill requirement above everyone's level says who has the skill, and at what."""
    task(portfolio_data, "T2")["requirements"][1].update(min_level=5, allocation_percent=50)
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].requirements[1].skill",
            "task 'T2' needs 1 person with skill 'python' at level >= 5 and 50% time, but "
            "nobody qualifies; others with 'python': ana (level 4), ben (level 2)",
        )
    ]


def test_skill_requirement_lists_who_qualifies(portfolio_data: Data) -> None:
    """Asking for more people than qualify lists the ones who do and the near misses."""
    task(portfolio_data, "T2")["requirements"][1]["count"] = 2
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].requirements[1].skill",
            "task 'T2' needs 2 people with skill 'python' at level >= 2 and 100% time, but only "
            "1 qualifies: ana; others with 'python': ben (level 2, 50% time)",
        )
    ]


def test_skill_in_catalogue_that_nobody_has(portfolio_data: Data) -> None:
    """A catalogued skill that no person has is reported as such."""
    portfolio_data["skills"].append({"id": "cobol"})
    task(portfolio_data, "T2")["requirements"][1]["skill"] = "cobol"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].requirements[1].skill",
            "task 'T2' needs 1 person with skill 'cobol' at level >= 2 and 100% time, but "
            "nobody has it",
        )
    ]


def test_more_units_than_pool_ever_has(portfolio_data: Data) -> None:
    """Pool units beyond the largest capacity (changes included) can never be met."""
    portfolio_data["pools"][0]["capacity_changes"] = [
        {"from_date": "2026-03-01", "units": 3},
        {"from_date": "2026-06-01", "units": 1},
    ]
    task(portfolio_data, "T2")["requirements"][0]["units"] = 3
    assert issues(portfolio_data) == []
    task(portfolio_data, "T2")["requirements"][0]["units"] = 4
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].requirements[0].units",
            "task 'T2' needs 4 units of pool 'testers', which never has more than 3",
        )
    ]


def test_part_timer_required_at_full_time(portfolio_data: Data) -> None:
    """A half-time person required at 100% is above their capacity."""
    task(portfolio_data, "T1")["requirements"][0]["person"] = "ben"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].requirements[0].allocation_percent",
            "task 'T1' needs 100% of 'ben', who works 50% (capacity 0.5): set "
            "allocation_percent to 50 or less",
        )
    ]
    task(portfolio_data, "T1")["requirements"][0]["allocation_percent"] = 50
    assert issues(portfolio_data) == []


def test_consumable_amount_above_total(portfolio_data: Data) -> None:
    """One task using more of a consumable than exists is reported."""
    task(portfolio_data, "T2")["requirements"][2]["amount"] = 6
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].requirements[2].amount",
            "task 'T2' uses 6 of 'licences', which has only 5 in total",
        )
    ]


def test_person_required_twice(portfolio_data: Data) -> None:
    """The same person twice in one task (task and mode requirements) is reported."""
    task(portfolio_data, "T4")["requirements"] = [{"kind": "person", "person": "ana"}]
    task(portfolio_data, "T4")["modes"][0]["requirements"] = [
        {"kind": "person", "person": "ana", "allocation_percent": 20}
    ]
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[1].modes[0].requirements[0].person",
            "person 'ana' is required twice by task 'T4'",
        )
    ]


# ----------------------------------------------------------------------------- dates
def test_due_date_before_release(portfolio_data: Data) -> None:
    """A project due before its release can never be on time."""
    portfolio_data["projects"][0]["due_date"] = "2026-01-02"
    assert issues(portfolio_data) == [
        (
            "projects[0].due_date",
            "due_date 2026-01-02 of project 'P1' is before its release_date 2026-01-05",
        )
    ]


def test_deadline_before_release(portfolio_data: Data) -> None:
    """A project deadline before its release is impossible."""
    portfolio_data["projects"][0]["release_date"] = "2026-02-02"
    portfolio_data["projects"][0]["deadline"] = "2026-02-01"
    assert issues(portfolio_data) == [
        (
            "projects[0].deadline",
            "deadline 2026-02-01 of project 'P1' is before its release_date 2026-02-02",
        )
    ]


def test_deadline_before_portfolio_start(portfolio_data: Data) -> None:
    """Without a release date, a deadline is compared with the portfolio start."""
    portfolio_data["projects"][1]["deadline"] = "2025-12-31"
    assert issues(portfolio_data) == [
        (
            "projects[1].deadline",
            "deadline 2025-12-31 of project 'P2' is before the portfolio start_date 2026-01-05",
        )
    ]


def test_task_deadline_before_earliest_start(portfolio_data: Data) -> None:
    """A task that must finish before it may start is reported at its deadline."""
    task(portfolio_data, "T3").update(earliest_start="2026-03-02", deadline="2026-02-27")
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[0].deadline",
            "deadline 2026-02-27 of task 'T3' is before its earliest_start 2026-03-02",
        )
    ]


def test_task_deadline_before_project_release(portfolio_data: Data) -> None:
    """A task deadline before its project's release is impossible."""
    portfolio_data["projects"][0]["release_date"] = "2026-02-02"
    task(portfolio_data, "T1")["deadline"] = "2026-01-30"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].deadline",
            "deadline 2026-01-30 of task 'T1' is before the release_date 2026-02-02 of "
            "project 'P1'",
        )
    ]


def test_absence_ending_before_it_starts(portfolio_data: Data) -> None:
    """An absence whose end is before its start is reported at the end."""
    portfolio_data["people"][1]["absences"] = [
        {"start": "2026-02-02", "end": "2026-02-06"},
        {"start": "2026-03-10", "end": "2026-03-09", "reason": "training"},
    ]
    assert issues(portfolio_data) == [
        (
            "people[1].absences[1].end",
            "absence of 'ben' ends (2026-03-09) before it starts (2026-03-10)",
        )
    ]


def test_calendar_exception_ending_before_it_starts(portfolio_data: Data) -> None:
    """A calendar exception whose end is before its start is reported at the end."""
    portfolio_data["calendar"]["exceptions"] = [
        {"start": "2026-12-31", "end": "2026-12-24", "name": "shutdown"}
    ]
    assert issues(portfolio_data) == [
        (
            "calendar.exceptions[0].end",
            "calendar exception ends (2026-12-24) before it starts (2026-12-31)",
        )
    ]


def test_calendar_without_working_weekdays(portfolio_data: Data) -> None:
    """An empty week with no extra working days has no working day at all."""
    portfolio_data["calendar"]["working_weekdays"] = []
    assert issues(portfolio_data) == [
        (
            "calendar.working_weekdays",
            "the calendar has no working weekdays: list at least one (1 = Monday)",
        )
    ]


def test_dates_outside_the_sane_range(portfolio_data: Data) -> None:
    """1899 and 2206 are typos: both are reported with the field's name."""
    task(portfolio_data, "T1")["earliest_start"] = "1899-01-01"
    portfolio_data["projects"][0]["due_date"] = "2206-01-01"
    assert issues(portfolio_data) == [
        (
            "projects[0].due_date",
            "due_date 2206-01-01 is outside the supported range 2000-01-01 to 2099-12-31",
        ),
        (
            "projects[0].tasks[0].earliest_start",
            "earliest_start 1899-01-01 is outside the supported range 2000-01-01 to 2099-12-31",
        ),
    ]


def test_malformed_date_strings(portfolio_data: Data) -> None:
    """A date that is not ISO or does not exist is a field error naming the field."""
    portfolio_data["start_date"] = "05/01/2026"
    task(portfolio_data, "T1")["deadline"] = "2026-02-30"
    assert issues(portfolio_data) == [
        ("start_date", "start_date must be an ISO date (YYYY-MM-DD), got '05/01/2026'"),
        (
            "projects[0].tasks[0].deadline",
            "deadline must be an ISO date (YYYY-MM-DD), got '2026-02-30'",
        ),
    ]


# ----------------------------------------------------------------------------- pinned starts
def test_pinned_start_on_a_saturday(portfolio_data: Data) -> None:
    """A pin on a weekend day names the weekday."""
    task(portfolio_data, "T2")["pinned_start"] = "2026-01-10"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].pinned_start",
            "pinned_start 2026-01-10 of task 'T2' is a Saturday, not a working day; pin it to "
            "a working day",
        )
    ]


def test_pinned_start_on_a_public_holiday(portfolio_data: Data) -> None:
    """A pin on a holiday names the holiday."""
    task(portfolio_data, "T2")["pinned_start"] = "2026-04-06"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].pinned_start",
            "pinned_start 2026-04-06 of task 'T2' is the holiday 'Easter Monday', not a working "
            "day; pin it to a working day",
        )
    ]


def test_pinned_start_in_a_shutdown_and_on_a_working_saturday(portfolio_data: Data) -> None:
    """A shutdown makes a weekday non-working; a working exception makes a Saturday fine."""
    portfolio_data["calendar"]["exceptions"] = [
        {"start": "2026-12-24", "end": "2026-12-31", "name": "year-end shutdown"},
        {"start": "2026-01-10", "end": "2026-01-10", "working": True},
    ]
    task(portfolio_data, "T1")["pinned_start"] = "2026-01-10"
    task(portfolio_data, "T2")["pinned_start"] = "2026-12-28"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].pinned_start",
            "pinned_start 2026-12-28 of task 'T2' is in the non-working calendar exception "
            "'year-end shutdown', not a working day; pin it to a working day",
        )
    ]


def test_pinned_start_before_earliest_start(portfolio_data: Data) -> None:
    """A pin before the task's earliest_start contradicts it."""
    task(portfolio_data, "T3").update(earliest_start="2026-02-02", pinned_start="2026-01-26")
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[0].pinned_start",
            "pinned_start 2026-01-26 of task 'T3' is before its earliest_start 2026-02-02",
        )
    ]


# ----------------------------------------------------------------------------- progress
def test_done_without_actual_dates(portfolio_data: Data) -> None:
    """A done task must record when it started and finished."""
    task(portfolio_data, "T1")["progress"] = {"state": "done"}
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].progress",
            "task 'T1' is done but has no actual_start and no actual_finish: record when it "
            "started and finished",
        )
    ]


def test_in_progress_without_status_date(portfolio_data: Data) -> None:
    """In-progress work needs the status date; two such tasks give one issue."""
    del portfolio_data["status_date"]
    in_progress = {"state": "in_progress", "actual_start": "2026-01-05", "remaining_days": 2}
    task(portfolio_data, "T1")["progress"] = in_progress
    task(portfolio_data, "T3")["progress"] = in_progress
    assert issues(portfolio_data) == [
        (
            "status_date",
            "task 'T1' (and 1 more) is in progress: set the portfolio's status_date (the date "
            "its progress was recorded)",
        )
    ]


def test_in_progress_without_start_or_remaining_days(portfolio_data: Data) -> None:
    """In-progress work needs its actual_start and remaining_days."""
    task(portfolio_data, "T1")["progress"] = {"state": "in_progress"}
    assert issues(portfolio_data) == [
        ("projects[0].tasks[0].progress", "task 'T1' is in progress but has no actual_start"),
        ("projects[0].tasks[0].progress", "task 'T1' is in progress but has no remaining_days"),
    ]


def test_actual_finish_before_actual_start(portfolio_data: Data) -> None:
    """Finishing before starting is reported at actual_finish."""
    portfolio_data["status_date"] = "2026-02-02"
    task(portfolio_data, "T1")["progress"] = {
        "state": "done",
        "actual_start": "2026-01-09",
        "actual_finish": "2026-01-06",
    }
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].progress.actual_finish",
            "actual_finish 2026-01-06 of task 'T1' is before its actual_start 2026-01-09",
        )
    ]


def test_a_done_milestone_happens_on_one_day(portfolio_data: Data) -> None:
    """A milestone is an event: recorded done over several days is reported."""
    portfolio_data["status_date"] = "2026-02-02"
    task(portfolio_data, "T5")["progress"] = {
        "state": "done",
        "actual_start": "2026-01-09",
        "actual_finish": "2026-01-12",
    }
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[2].progress.actual_finish",
            "task 'T5' is a milestone, an event of one day: its actual_finish 2026-01-12 "
            "must equal its actual_start 2026-01-09",
        )
    ]


def test_a_milestone_is_never_in_progress(portfolio_data: Data) -> None:
    """An event cannot be half done."""
    portfolio_data["status_date"] = "2026-02-02"
    task(portfolio_data, "T5")["progress"] = {
        "state": "in_progress",
        "actual_start": "2026-01-09",
        "remaining_days": 1,
    }
    assert issues(portfolio_data) == [
        (
            "projects[1].tasks[2].progress.state",
            "task 'T5' is a milestone, an event of one day: it is done or not started, "
            "never in progress",
        )
    ]


def test_actual_dates_after_status_date(portfolio_data: Data) -> None:
    """Recorded progress cannot lie after the status date."""
    task(portfolio_data, "T1")["progress"] = {
        "state": "in_progress",
        "actual_start": "2026-01-07",
        "remaining_days": 3,
    }
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].progress.actual_start",
            "actual_start 2026-01-07 of task 'T1' is after the status_date 2026-01-05",
        )
    ]


def test_three_point_estimate_out_of_order(portfolio_data: Data) -> None:
    """optimistic <= likely <= pessimistic, all values shown."""
    task(portfolio_data, "T1")["estimate"] = {
        "optimistic_days": 5,
        "likely_days": 3,
        "pessimistic_days": 8.5,
    }
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].estimate",
            "three-point estimate of task 'T1' is out of order: optimistic 5, likely 3, "
            "pessimistic 8.5 (need optimistic <= likely <= pessimistic)",
        )
    ]


# ----------------------------------------------------------------------------- budgets
def test_budget_period_that_does_not_parse(portfolio_data: Data) -> None:
    """An unknown period form lists the accepted forms; a bad month says why."""
    portfolio_data["budgets"]["periods"] = [
        {"period": "Q3 2026", "limit": 1000},
        {"period": "2026-13", "limit": 1000},
    ]
    assert issues(portfolio_data) == [
        (
            "budgets.periods[0].period",
            "period 'Q3 2026' does not parse; use '2026', 'FY2026', '2026-Q3', '2026-03' or "
            "'2026-01-15/2026-02-14'",
        ),
        ("budgets.periods[1].period", "period '2026-13' has no month 13"),
    ]


def test_overlapping_budget_periods(portfolio_data: Data) -> None:
    """A month inside a budgeted quarter overlaps it."""
    portfolio_data["budgets"]["periods"].append({"period": "2026-02", "limit": 1000})
    portfolio_data["budgets"]["periods"].append({"period": "2026-04", "limit": 1000})
    assert issues(portfolio_data) == [
        (
            "budgets.periods[1].period",
            "period '2026-02' (2026-02-01 to 2026-02-28) overlaps period '2026-Q1' at "
            "budgets.periods[0]",
        )
    ]


def test_fiscal_year_budget_period(portfolio_data: Data) -> None:
    """With fiscal years from April, FY2026 ends in March 2026 and overlaps 2026-Q1."""
    budgets = portfolio_data["budgets"]
    budgets["fiscal_year_start_month"] = 4
    budgets["periods"].append({"period": "FY2027", "limit": 1000})
    assert issues(portfolio_data) == []
    budgets["periods"].append({"period": "FY2026", "limit": 1000})
    assert issues(portfolio_data) == [
        (
            "budgets.periods[2].period",
            "period 'FY2026' (2025-04-01 to 2026-03-31) overlaps period '2026-Q1' at "
            "budgets.periods[0]",
        )
    ]


# ----------------------------------------------------------------------------- emptiness
def test_empty_portfolio(portfolio_data: Data) -> None:
    """A portfolio without projects has nothing to plan."""
    portfolio_data["projects"] = []
    portfolio_data["baseline"] = []
    assert issues(portfolio_data) == [
        ("projects", "the portfolio has no projects: add at least one project")
    ]


def test_project_without_tasks(portfolio_data: Data) -> None:
    """A project without tasks is reported at its task list."""
    portfolio_data["projects"][1]["tasks"] = []
    assert issues(portfolio_data) == [
        ("projects[1].tasks", "project 'P2' has no tasks: add at least one task")
    ]


# ----------------------------------------------------------------------------- field errors
def test_unknown_field_with_hint(portfolio_data: Data) -> None:
    """A typo'd field name is reported with the field it probably meant."""
    task(portfolio_data, "T1")["deadlne"] = "2026-03-01"
    assert issues(portfolio_data) == [
        ("projects[0].tasks[0].deadlne", "unknown field 'deadlne'; did you mean 'deadline'?")
    ]


def test_unknown_field_inside_a_requirement(portfolio_data: Data) -> None:
    """In a tagged union the path has no tag and the hint uses the chosen member's fields."""
    task(portfolio_data, "T1")["requirements"][0]["allocation"] = 50
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].requirements[0].allocation",
            "unknown field 'allocation'; did you mean 'allocation_percent'?",
        )
    ]


def test_unknown_field_far_from_any_lists_the_fields(portfolio_data: Data) -> None:
    """Without a close match the allowed fields are listed."""
    portfolio_data["pools"][0]["zzz"] = 1
    assert issues(portfolio_data) == [
        (
            "pools[0].zzz",
            "unknown field 'zzz'; allowed fields: id, name, units, capacity_changes, skills, "
            "cost_per_unit_day",
        )
    ]


def test_bad_requirement_kind(portfolio_data: Data) -> None:
    """An unknown kind is reported at .kind with the accepted kinds and a hint."""
    task(portfolio_data, "T1")["requirements"].append({"kind": "people", "person": "ben"})
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].requirements[1].kind",
            "unknown requirement kind 'people'; did you mean 'person'? (use 'person', 'pool', "
            "'skill', 'consumable')",
        )
    ]


def test_requirement_without_kind(portfolio_data: Data) -> None:
    """A requirement with no kind suggests the kind its fields point to."""
    task(portfolio_data, "T1")["requirements"].append({"pool": "testers"})
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[0].requirements[1]",
            "requirement has no 'kind' (use 'person', 'pool', 'skill', 'consumable'); did you "
            'mean "kind": "pool"?',
        )
    ]


def test_bad_choice_with_hint(portfolio_data: Data) -> None:
    """Enum values list the choices and suggest the closest (letter case ignored)."""
    task(portfolio_data, "T2")["dependencies"][0]["type"] = "fs"
    portfolio_data["objectives"] = {"terms": [{"name": "makespn"}]}
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].dependencies[0].type",
            "type must be one of 'FS', 'SS', 'FF' or 'SF', got 'fs'; did you mean 'FS'?",
        ),
        (
            "objectives.terms[0].name",
            "name must be one of 'weighted_tardiness', 'makespan', 'weighted_completion', "
            "'total_cost', 'selected_value', 'peak_load' or 'stability', got 'makespn'; did you "
            "mean 'makespan'?",
        ),
    ]


def test_bad_skill_level_names_the_skill(portfolio_data: Data) -> None:
    """A value in a mapping is named by its key."""
    portfolio_data["people"][0]["skills"]["python"] = 7
    assert issues(portfolio_data) == [
        ("people[0].skills.python", "skills['python'] must be at most 5, got 7")
    ]


def test_rejected_id_is_not_reported_again_as_unknown(portfolio_data: Data) -> None:
    """A person dropped for a bad id does not make the references to them 'unknown'."""
    portfolio_data["people"][0]["id"] = " ana"
    portfolio_data["pools"][0]["id"] = 7
    assert issues(portfolio_data) == [
        (
            "people[0].id",
            "id must be a non-empty id without leading or trailing spaces, got ' ana'",
        ),
        ("pools[0].id", "id: input should be a valid string, got 7"),
    ]


def test_missing_required_field(portfolio_data: Data) -> None:
    """A missing required field is named."""
    del portfolio_data["pools"][0]["units"]
    assert issues(portfolio_data) == [("pools[0].units", "'units' is required")]


def test_invalid_json_text() -> None:
    """Text that is not JSON gives one issue with line and column."""
    assert issues('{"id": "x",\n "start_date": }') == [
        ("", "not valid JSON: Expecting value at line 2, column 16")
    ]


def test_json_that_is_not_an_object() -> None:
    """A JSON list is not a portfolio."""
    assert issues("[1, 2]") == [("", "a portfolio must be a JSON object, got list")]


# ----------------------------------------------------------------------------- all at once
def test_every_planted_error_is_reported(portfolio_data: Data) -> None:
    """Ten unrelated errors (field errors among them) are all reported in one validation."""
    data = portfolio_data
    task(data, "T1")["duraton_days"] = 3  # 1 typo'd field
    task(data, "T3")["team"]["max_size"] = 0  # 2 field error in a nested object
    data["people"][1]["id"] = "ana"  # 3 duplicate id
    task(data, "T2")["dependencies"][0]["task"] = "T9"  # 4 unknown task
    task(data, "T2")["requirements"][0]["pool"] = "tester"  # 5 unknown pool
    task(data, "T2")["requirements"][1]["min_level"] = 5  # 6 nobody qualifies
    data["projects"][1]["depends_on"] = ["P3"]  # 7 unknown project
    data["projects"][0]["due_date"] = "2025-12-01"  # 8 due before release
    data["budgets"]["periods"].append({"period": "2026-02", "limit": 1})  # 9 overlap
    data["calendar"]["exceptions"] = [{"start": "2026-02-10", "end": "2026-02-09"}]  # 10
    task(data, "T5")["pinned_start"] = "2026-01-10"  # 11 pinned on a Saturday
    task(data, "T4")["estimate"] = {  # 12 estimate out of order
        "optimistic_days": 5,
        "likely_days": 3,
        "pessimistic_days": 8,
    }
    assert issues(data) == [
        (
            "projects[0].tasks[0].duraton_days",
            "unknown field 'duraton_days'; did you mean 'duration_days'?",
        ),
        ("projects[1].tasks[0].team.max_size", "max_size must be at least 1, got 0"),
        (
            "calendar.exceptions[0].end",
            "calendar exception ends (2026-02-09) before it starts (2026-02-10)",
        ),
        ("people[1].id", "duplicate person id 'ana' (first used at people[0])"),
        (
            "projects[0].due_date",
            "due_date 2025-12-01 of project 'P1' is before its release_date 2026-01-05",
        ),
        ("projects[1].depends_on[0]", "unknown project 'P3'"),
        (
            "projects[0].tasks[1].requirements[0].pool",
            "unknown pool 'tester'; did you mean 'testers'?",
        ),
        (
            "projects[0].tasks[1].requirements[1].skill",
            "task 'T2' needs 1 person with skill 'python' at level >= 5 and 100% time, but "
            "nobody qualifies; others with 'python': ana (level 4)",
        ),
        ("projects[0].tasks[1].dependencies[0].task", "unknown task 'T9'"),
        (
            "projects[1].tasks[1].estimate",
            "three-point estimate of task 'T4' is out of order: optimistic 5, likely 3, "
            "pessimistic 8 (need optimistic <= likely <= pessimistic)",
        ),
        (
            "projects[1].tasks[2].pinned_start",
            "pinned_start 2026-01-10 of task 'T5' is a Saturday, not a working day; pin it to "
            "a working day",
        ),
        (
            "budgets.periods[1].period",
            "period '2026-02' (2026-02-01 to 2026-02-28) overlaps period '2026-Q1' at "
            "budgets.periods[0]",
        ),
    ]


def test_rejected_task_still_lets_other_rules_run(portfolio_data: Data) -> None:
    """A task dropped for a bad duration is not 'unknown' to its successor; others still run."""
    task(portfolio_data, "T1")["duration_days"] = -1  # T2 depends on T1
    task(portfolio_data, "T2")["requirements"][2]["consumable"] = "licence"
    task(portfolio_data, "T5")["dependencies"].append({"task": "T7"})
    assert issues(portfolio_data) == [
        ("projects[0].tasks[0].duration_days", "duration_days must not be negative, got -1"),
        (
            "projects[0].tasks[1].requirements[2].consumable",
            "unknown consumable 'licence'; did you mean 'licences'?",
        ),
        ("projects[1].tasks[2].dependencies[1].task", "unknown task 'T7'"),
    ]


def test_rejected_items_keep_the_paths_of_later_items(portfolio_data: Data) -> None:
    """After a bad requirement and a bad team are set aside, later paths are unchanged."""
    task(portfolio_data, "T2")["requirements"][0]["kind"] = "room"
    task(portfolio_data, "T3")["team"]["min_size"] = "two"
    task(portfolio_data, "T2")["requirements"][2]["consumable"] = "licence"
    task(portfolio_data, "T5")["dependencies"][0]["task"] = "T8"
    assert issues(portfolio_data) == [
        (
            "projects[0].tasks[1].requirements[0].kind",
            "unknown requirement kind 'room'; did you mean 'pool'? (use 'person', 'pool', "
            "'skill', 'consumable')",
        ),
        (
            "projects[1].tasks[0].team.min_size",
            "min_size must be a whole number, got 'two'",
        ),
        (
            "projects[0].tasks[1].requirements[2].consumable",
            "unknown consumable 'licence'; did you mean 'licences'?",
        ),
        ("projects[1].tasks[2].dependencies[0].task", "unknown task 'T8'"),
    ]


def test_bad_start_date_still_lets_other_rules_run(portfolio_data: Data) -> None:
    """A rejected start_date does not stop the reference checks."""
    portfolio_data["start_date"] = "2206-01-05"
    task(portfolio_data, "T5")["dependencies"][0]["task"] = "T8"
    assert issues(portfolio_data) == [
        (
            "start_date",
            "start_date 2206-01-05 is outside the supported range 2000-01-01 to 2099-12-31",
        ),
        ("projects[1].tasks[2].dependencies[0].task", "unknown task 'T8'"),
    ]


# ----------------------------------------------------------------------------- load_portfolio
def test_load_portfolio_raises_with_every_issue(portfolio_data: Data) -> None:
    """load_portfolio raises PortfolioError carrying the issues and listing them."""
    task(portfolio_data, "T1")["duration_days"] = -1
    portfolio_data["projects"][1]["depends_on"] = ["P3"]
    with pytest.raises(PortfolioError) as caught:
        load_portfolio(portfolio_data)
    assert [(i.path, i.message) for i in caught.value.issues] == [
        ("projects[0].tasks[0].duration_days", "duration_days must not be negative, got -1"),
        ("projects[1].depends_on[0]", "unknown project 'P3'"),
    ]
    assert str(caught.value) == (
        "the portfolio has 2 problem(s):\n"
        "  projects[0].tasks[0].duration_days: duration_days must not be negative, got -1\n"
        "  projects[1].depends_on[0]: unknown project 'P3'"
    )
    assert isinstance(caught.value, ValueError)


def test_load_portfolio_rejects_invalid_json() -> None:
    """Invalid JSON raises PortfolioError with the root path."""
    with pytest.raises(PortfolioError) as caught:
        load_portfolio("{")
    assert [i.path for i in caught.value.issues] == [""]
    assert str(caught.value.issues[0]).startswith("(portfolio): not valid JSON")


# ----------------------------------------------------------------------------- speed
def _large_portfolio(tasks: int, broken: bool) -> Data:
    """Projects of 50 chained tasks with skill, person and pool requirements."""
    skills = [f"s{k}" for k in range(20)]
    people = [
        {"id": f"u{k}", "skills": {skills[k % 20]: 3, skills[(k + 1) % 20]: 2}} for k in range(200)
    ]
    projects = []
    for p in range(tasks // 50):
        items: list[Data] = []
        for t in range(50):
            item: Data = {
                "id": f"P{p}-T{t}",
                "duration_days": 1 + t % 7,
                "requirements": [
                    {"kind": "skill", "skill": skills[t % 20], "min_level": 2},
                    {"kind": "person", "person": f"u{(p * 7 + t) % 200}", "allocation_percent": 50},
                    {"kind": "pool", "pool": "env"},
                ],
            }
            if t:
                item["dependencies"] = [
                    {"task": f"P{p}-T{t - 1}"},
                    {"task": f"P{p}-T{max(0, t - 3)}", "type": "SS"},
                ]
            if broken:
                item["dependencies"] = [{"task": f"P{p}-T{t}x"}]
            items.append(item)
        projects.append({"id": f"P{p}", "tasks": items, "depends_on": [f"P{p - 1}"] if p else []})
    return {
        "id": "large",
        "start_date": "2026-01-05",
        "skills": [{"id": s} for s in skills],
        "people": people,
        "pools": [{"id": "env", "units": 3}],
        "projects": projects,
    }


@pytest.mark.parametrize("broken", [False, True], ids=["valid", "5000-unknown-references"])
def test_validating_5000_tasks_is_fast(broken: bool) -> None:
    """5,000 tasks validate in well under a second, even when every dependency is unknown."""
    text = json.dumps(_large_portfolio(5000, broken))
    began = time.perf_counter()
    result = validate_portfolio(text)
    elapsed = time.perf_counter() - began
    assert len(result.issues) == (5000 if broken else 0)
    assert elapsed < 2.0  # about 0.4 s on a laptop; the margin is for slow CI machines


def test_amounts_finer_than_a_cent_are_refused(portfolio_data: Data) -> None:
    """A day rate of 500.125 and a budget of 0.001: each named, nothing rounded."""
    portfolio_data["people"][0]["cost_per_day"] = 500.125
    portfolio_data["budgets"]["total"] = 0.001
    portfolio_data["pools"][0]["cost_per_unit_day"] = 12.5
    assert issues(portfolio_data) == [
        (
            "people[0].cost_per_day",
            "cost_per_day must be in whole cents (at most 2 decimals), got 500.125",
        ),
        ("budgets.total", "total must be in whole cents (at most 2 decimals), got 0.001"),
    ]


@settings(max_examples=300, derandomize=True)
@given(
    st.dictionaries(
        st.sampled_from("abcdefg"), st.lists(st.sampled_from("abcdefgh"), max_size=3), max_size=7
    )
)
def test_the_acyclic_check_agrees_with_graphlib(graph: dict[str, list[str]]) -> None:
    """The quick check says "no cycle" exactly when graphlib finds none."""
    try:
        graphlib.TopologicalSorter(graph).prepare()
        expected = True
    except graphlib.CycleError:
        expected = False
    assert _acyclic(graph) is expected
    assert (_cycles(graph) == []) is expected
