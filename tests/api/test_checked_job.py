"""The one-pass read of ``POST /v1/jobs`` bodies (``api.deps.checked_job``): it accepts
exactly what the full path accepts, and leaves every other body to the full path."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

from api.deps import CHECKED_JOB_DEPTH, checked_job, nesting_depth, schema_depth
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
        ('{"kind": "s"}'.encode("utf-16"), "UTF-16"),
    ],
)
def test_other_bodies_take_the_full_path(body: bytes, why: str) -> None:
    """Anything the one-pass read refuses or might read differently: None."""
    assert checked_job(body, SETTINGS) is None, why


def test_a_nesting_limit_below_the_schema_depth_turns_the_one_pass_read_off(
    portfolio: dict[str, Any],
) -> None:
    """With max_json_depth under the deepest valid request, the full path checks it."""
    assert CHECKED_JOB_DEPTH == 10
    body = _body({"portfolio": portfolio})
    assert nesting_depth(body) <= CHECKED_JOB_DEPTH
    assert checked_job(body, ApiSettings(max_json_depth=9)) is None
    assert checked_job(body, ApiSettings(max_json_depth=10)) is not None


def test_the_task_limit_holds_on_the_one_pass_read(portfolio: dict[str, Any]) -> None:
    """Above the limit: the same 422 problem as the full path."""
    with pytest.raises(ApiError) as refused:
        checked_job(_body({"portfolio": portfolio}), ApiSettings(max_tasks_per_portfolio=149))
    assert refused.value.status == 422
    assert refused.value.detail == (
        "The portfolio has 150 tasks; this server accepts at most 149 per portfolio."
    )


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Leaf(_Strict):
    values: list[int]


class _Root(_Strict):
    leaves: list[_Leaf]
    maybe: _Leaf | None = None


class _Tree(_Strict):
    children: list[_Tree]


class _Loose(_Strict):
    anything: dict[str, Any]


class _Ignoring(BaseModel):  # unknown fields ignored, so parsed however deep they are
    values: list[int]


def test_schema_depth() -> None:
    """Objects and arrays counted through references and unions; unbounded is None."""
    assert schema_depth(_Leaf.model_json_schema()) == 2  # {values: [..]}
    assert schema_depth(_Root.model_json_schema()) == 4  # {leaves: [{values: [..]}]}
    assert schema_depth(_Tree.model_json_schema()) is None  # recursive
    assert schema_depth(_Loose.model_json_schema()) is None  # free-form values
    assert schema_depth(_Ignoring.model_json_schema()) is None
