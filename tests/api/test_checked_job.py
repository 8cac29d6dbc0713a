"""The one-pass read of ``POST /v1/jobs`` bodies (``api.deps.checked_job``): it accepts
exactly what the full path accepts, and leaves every other body to the full path."""

from __future__ import annotations

import json
from typing import Any

import pytest

from api.deps import checked_job, nesting_depth
from api.problems import ApiError
from api.settings import ApiSettings
from benchmarks.generator import generate_portfolio
from models import Portfolio

SETTINGS = ApiSettings()


def _body(document: dict[str, Any]) -> bytes:
    return json.dumps(document).encode()


@pytest.fixture(scope="module")
def portfolio() -> dict[str, Any]:
    """A generated 150-task portfolio as JSON-ready data."""
    return generate_portfolio(8, 150, 25, seed=1).model_dump(mode="json", exclude_none=True)


def test_a_valid_body_is_read_in_one_pass(portfolio: dict[str, Any]) -> None:
    """Same portfolio as validating the parsed document; kind and options kept."""
    job = checked_job(_body({"portfolio": portfolio, "options": {"time_limit_s": 7}}), SETTINGS)
    assert job is not None
    assert job.portfolio == Portfolio.model_validate(portfolio)
    assert (job.kind, job.portfolio_id) == ("schedule", None)
    assert job.options is not None and job.options.time_limit_s == 7


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b'{"portfolio": {"id": "p", "start_date": "2027-01-04"}, "kind": 3}', "bad field"),
        (b'{"portfolio": {"id": "p", "start_date": "2027-01-04"}, "extra": 1}', "unknown field"),
        (b'{"portfolio": {"id": "p", "start_date": "2027-01-04"', "malformed"),
        (b'{"options": {"time_limit_s": NaN}, "portfolio_id": null}', "NaN"),
        (b'{"kind": "sched\\u0000ule"}', "NUL"),
        (b'{"options": {"seed": ' + b"9" * 400 + b"}}", "a 400-digit integer"),
        (b'{"options": {"seed": ' + b"1234567890" * 30 + b"}}", "a 300-digit integer"),
        (b'{"options": {"time_limit_s": -Infinity}, "portfolio_id": null}', "Infinity"),
        ('{"kind": "s"}'.encode("utf-16"), "UTF-16"),
    ],
)
def test_other_bodies_take_the_full_path(body: bytes, why: str) -> None:
    """Anything the one-pass read refuses or might read differently: None."""
    assert checked_job(body, SETTINGS) is None, why


def test_the_nesting_limit_holds_on_the_one_pass_read(portfolio: dict[str, Any]) -> None:
    """A deep value under a key that a later duplicate overrides: the full path decides
    (400 there). The 150-task request itself nests 8 deep, the lowest limit allowed."""
    deep = "[" * 40 + "]" * 40
    valid = json.dumps(portfolio)
    body = f'{{"portfolio": {deep}, "portfolio": {valid}}}'.encode()
    assert checked_job(body, SETTINGS) is None
    plain = _body({"portfolio": portfolio})
    assert nesting_depth(plain) == 8
    assert checked_job(plain, ApiSettings(max_json_depth=8)) is not None


def test_the_task_limit_holds_on_the_one_pass_read(portfolio: dict[str, Any]) -> None:
    """Above the limit: the same 422 problem as the full path."""
    with pytest.raises(ApiError) as refused:
        checked_job(_body({"portfolio": portfolio}), ApiSettings(max_tasks_per_portfolio=149))
    assert refused.value.status == 422
    assert refused.value.detail == (
        "The portfolio has 150 tasks; this server accepts at most 149 per portfolio."
    )
