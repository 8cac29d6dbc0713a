"""The medium example with planted errors: validation reports every one, with its path."""

from __future__ import annotations

import json
from pathlib import Path

from models import validate_portfolio

MEDIUM = Path(__file__).resolve().parents[1] / "examples" / "medium.json"


def test_every_planted_error_in_the_medium_example_is_reported() -> None:
    """Six different errors planted in medium.json come back as exactly six issues."""
    data = json.loads(MEDIUM.read_text(encoding="utf-8"))
    tasks = data["projects"][0]["tasks"]
    tasks[1]["durration"] = 3
    tasks[2]["dependencies"].append({"task": "nope"})
    tasks[3]["duration_days"] = -2
    data["people"][0]["absences"] = [{"start": "2027-05-10", "end": "2027-05-01"}]
    data["budgets"]["periods"].append({"period": "2027-Q9", "limit": 1})
    data["projects"][1]["due_date"] = "2026-01-01"
    issues = {(i.path, i.message) for i in validate_portfolio(data).issues}
    assert issues == {
        (
            "projects[0].tasks[1].durration",
            "unknown field 'durration'; did you mean 'duration_days'?",
        ),
        ("projects[0].tasks[3].duration_days", "duration_days must not be negative, got -2"),
        (
            "people[0].absences[0].end",
            "absence of 'kweber' ends (2027-05-01) before it starts (2027-05-10)",
        ),
        (
            "projects[1].due_date",
            "due_date 2026-01-01 of project 'net' is before the portfolio start_date 2027-01-04",
        ),
        (
            f"projects[0].tasks[2].dependencies[{len(tasks[2]['dependencies']) - 1}].task",
            "unknown task 'nope'",
        ),
        ("budgets.periods[4].period", "period '2027-Q9' has no quarter 9; quarters are Q1 to Q4"),
    }
