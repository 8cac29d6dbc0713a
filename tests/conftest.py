"""Shared fixtures: a small portfolio that is valid and uses every kind of object."""

from __future__ import annotations

import copy
from typing import Any

import pytest

#: Starts Monday 2026-01-05 on a Monday-Friday calendar with Easter Monday 2026-04-06 off.
_SMALL_PORTFOLIO: dict[str, Any] = {
    "id": "small",
    "start_date": "2026-01-05",
    "status_date": "2026-01-05",
    "calendar": {"holidays": [{"date": "2026-04-06", "name": "Easter Monday"}]},
    "skills": [{"id": "python"}, {"id": "sap"}],
    "people": [
        {"id": "ana", "skills": {"python": 4}, "cost_per_day": 500},
        {"id": "ben", "skills": {"python": 2, "sap": 3}, "capacity": 0.5},
    ],
    "pools": [{"id": "testers", "units": 2}],
    "consumables": [{"id": "licences", "total": 5}],
    "projects": [
        {
            "id": "P1",
            "release_date": "2026-01-05",
            "due_date": "2026-03-31",
            "tasks": [
                {
                    "id": "T1",
                    "duration_days": 5,
                    "requirements": [{"kind": "person", "person": "ana"}],
                },
                {
                    "id": "T2",
                    "duration_days": 3,
                    "dependencies": [{"task": "T1"}],
                    "requirements": [
                        {"kind": "pool", "pool": "testers", "units": 1},
                        {"kind": "skill", "skill": "python", "min_level": 2},
                        {"kind": "consumable", "consumable": "licences", "amount": 1},
                    ],
                },
            ],
        },
        {
            "id": "P2",
            "depends_on": ["P1"],
            "tasks": [
                {
                    "id": "T3",
                    "effort_days": 6,
                    "team": {"min_size": 1, "max_size": 2, "skill": "python"},
                },
                {
                    "id": "T4",
                    "modes": [
                        {"id": "in-house", "duration_days": 4},
                        {"id": "contractor", "duration_days": 2, "cost": 3000},
                    ],
                    "dependencies": [{"task": "T3"}],
                },
                {"id": "T5", "milestone": True, "dependencies": [{"task": "T4"}]},
            ],
        },
    ],
    "budgets": {"total": 100000, "periods": [{"period": "2026-Q1", "limit": 50000}]},
}


@pytest.fixture
def portfolio_data() -> dict[str, Any]:
    """A fresh copy of a small valid portfolio (projects P1: T1, T2 and P2: T3, T4, T5)."""
    return copy.deepcopy(_SMALL_PORTFOLIO)
