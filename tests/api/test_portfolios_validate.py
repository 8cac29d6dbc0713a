"""POST /v1/portfolios/validate: every problem with its path, and bad input refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.openapi import example_portfolio, invalid_example_portfolio
from benchmarks.generator import generate_portfolio
from tests.api.conftest import ClientFactory

URL = "/v1/portfolios/validate"


def _problem(response: Any, status: int, kind: str, detail: str) -> None:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == f"urn:optiplan:problem:{kind}"
    assert body["status"] == status
    assert body["detail"] == detail
    assert body["instance"] == URL
    assert body["request_id"] == response.headers["x-request-id"]


def test_valid_demo(client: TestClient) -> None:
    """The demo portfolio is valid: 200, valid true, 20 tasks, no issues."""
    response = client.post(URL, json=example_portfolio())
    assert response.status_code == 200
    assert response.json() == {"valid": True, "tasks": 20, "issues": []}


def test_every_issue_with_its_path(client: TestClient) -> None:
    """Field errors and cross-object errors come back together, each with its path."""
    response = client.post(URL, json=invalid_example_portfolio())
    assert response.status_code == 200
    assert response.json() == {
        "valid": False,
        "tasks": 20,
        "issues": [
            {
                "path": "projects[0].tasks[0].duration_days",
                "message": "duration_days must not be negative, got -3",
            },
            {"path": "people[0].skills.pmm", "message": "unknown skill 'pmm'; did you mean 'pm'?"},
        ],
    }


def test_wrong_types_and_unknown_fields(client: TestClient, portfolio_data: dict[str, Any]) -> None:
    """A string for a number and an unknown field are issues at their exact paths."""
    portfolio_data["projects"][0]["tasks"][0]["duration_days"] = "five"
    portfolio_data["projects"][1]["colour"] = "red"
    response = client.post(URL, json=portfolio_data)
    assert response.status_code == 200
    body = response.json()
    assert body["valid"] is False
    assert [issue["path"] for issue in body["issues"]] == [
        "projects[0].tasks[0].duration_days",
        "projects[1].colour",
    ]


def test_not_an_object(client: TestClient) -> None:
    """A JSON array instead of an object is a 422 problem with the error at the root."""
    response = client.post(URL, json=[1, 2])
    _problem(response, 422, "invalid-portfolio", "The request body is not a portfolio.")
    assert response.json()["errors"] == [
        {"in": "body", "path": "", "message": "a portfolio must be a JSON object, got an array"}
    ]


def test_malformed_json(client: TestClient) -> None:
    """Malformed JSON is a 400 problem naming line and column."""
    response = client.post(URL, content=b'{"id": "x",\n "projects": [}', headers=_JSON)
    _problem(
        response,
        400,
        "invalid-json",
        "The request body is not valid JSON: Expecting value at line 2, column 15.",
    )


def test_not_utf8(client: TestClient) -> None:
    """A body that is not UTF-8 text is a 400 problem."""
    response = client.post(URL, content=b'{"id": "\xff\xfe"}', headers=_JSON)
    _problem(response, 400, "invalid-json", "The request body is not UTF-8 text.")


def test_empty_body(client: TestClient) -> None:
    """An empty body is malformed JSON."""
    response = client.post(URL, content=b"", headers=_JSON)
    _problem(
        response,
        400,
        "invalid-json",
        "The request body is not valid JSON: Expecting value at line 1, column 1.",
    )


def test_non_standard_numbers(client: TestClient) -> None:
    """NaN, Infinity and a 5,000-digit integer are malformed JSON (400), not a crash."""
    cases = {
        b'{"id": NaN}': "The request body is not valid JSON: NaN is not a JSON number.",
        b'{"id": -Infinity}': "The request body is not valid JSON: -Infinity is not a JSON number.",
        b'{"id": ' + b"7" * 5_000 + b"}": "The request body is not valid JSON: an integer "
        "has more than 4300 digits.",
    }
    for body, detail in cases.items():
        _problem(client.post(URL, content=body, headers=_JSON), 400, "invalid-json", detail)


def test_nul_characters(client: TestClient) -> None:
    """A NUL in a string is refused where it would be stored, but may be validated."""
    body = b'{"id": "a\\u0000b"}'
    for url in ("/v1/portfolios", "/v1/jobs"):
        response = client.post(url, content=body, headers=_JSON)
        assert response.status_code == 400
        assert response.json()["detail"] == (
            "The request body has a NUL character (\\u0000) in a string."
        )
    assert client.post(URL, content=body, headers=_JSON).status_code == 200
    literal = b'{"portfolio": {"id": "a\\\\u0000b"}}'  # a backslash, then u0000: no NUL
    assert client.post("/v1/jobs", content=literal, headers=_JSON).status_code == 422


def test_lone_surrogates(client: TestClient) -> None:
    """Half a surrogate pair (escaped, or raw in UTF-16) is refused where it would be
    stored; a whole pair is an ordinary character."""
    detail = "The request body has a lone surrogate (\\ud800) in a string: it is not Unicode text."
    portfolio = b'{"id": "p", "name": "a\\ud800", "start_date": "2027-01-04"}'
    for url, body in (
        ("/v1/portfolios", portfolio),
        ("/v1/jobs", b'{"portfolio": ' + portfolio + b"}"),
        ("/v1/portfolios", '{"id": "p", "name": "a\ud800"}'.encode("utf-16", "surrogatepass")),
    ):
        response = client.post(url, content=body, headers=_JSON)
        assert response.status_code == 400, (url, response.text)
        assert response.json()["detail"] == detail
    pair = (
        b'{"id": "p", "name": "\\ud83d\\ude80", "start_date": "2027-01-04", "projects": '
        b'[{"id": "a", "tasks": [{"id": "t", "duration_days": 3}]}]}'
    )
    created = client.post("/v1/portfolios", content=pair, headers=_JSON)
    assert created.status_code == 201
    assert created.json()["portfolio"]["name"] == "\U0001f680"


def test_not_json_media_type(client: TestClient) -> None:
    """A body declared as form data is refused with 415."""
    response = client.post(URL, content=b"a=1", headers={"content-type": "text/plain"})
    _problem(
        response,
        415,
        "unsupported-media-type",
        "The request body must be JSON (Content-Type: application/json), not 'text/plain'.",
    )


def test_deep_nesting_within_parser_limit(client: TestClient) -> None:
    """Objects nested 100 deep are refused by the depth limit (default 32)."""
    body = '{"a":' * 100 + "1" + "}" * 100
    response = client.post(URL, content=body.encode(), headers=_JSON)
    _problem(
        response,
        400,
        "nesting-too-deep",
        "The request body nests arrays and objects deeper than 32 levels.",
    )


def test_deep_nesting_beyond_parser_recursion(client: TestClient) -> None:
    """Arrays nested 200,000 deep (beyond Python's recursion limit) are a 400, not a crash."""
    body = "[" * 200_000 + "]" * 200_000
    response = client.post(URL, content=body.encode(), headers=_JSON)
    _problem(
        response,
        400,
        "nesting-too-deep",
        "The request body nests arrays and objects deeper than 32 levels.",
    )


def test_huge_body_by_content_length(make_client: ClientFactory) -> None:
    """A body above the size limit is refused with 413 before it is parsed."""
    client = make_client(max_body_bytes=10_000)
    response = client.post(URL, content=b"[" + b"0," * 10_000 + b"0]", headers=_JSON)
    _problem(
        response, 413, "body-too-large", "The request body is larger than the limit of 10000 bytes."
    )


def test_huge_chunked_body(make_client: ClientFactory) -> None:
    """A chunked body (no Content-Length) is counted as it arrives and refused with 413."""
    client = make_client(max_body_bytes=10_000)

    def chunks() -> Any:
        for _ in range(100):
            yield b" " * 1_000

    response = client.post(URL, content=chunks(), headers=_JSON)
    _problem(
        response, 413, "body-too-large", "The request body is larger than the limit of 10000 bytes."
    )


def test_task_limit_refuses(make_client: ClientFactory, big_portfolio: bytes) -> None:
    """A 20,000-task portfolio above the configured task limit is a 422 problem."""
    client = make_client()
    response = client.post(URL, content=big_portfolio, headers=_JSON)
    _problem(
        response,
        422,
        "too-many-tasks",
        "The portfolio has 20000 tasks; this server accepts at most 10000 per portfolio.",
    )


def test_task_limit_raised_accepts(make_client: ClientFactory, big_portfolio: bytes) -> None:
    """With the limit raised, the same 20,000-task portfolio validates (200, valid)."""
    client = make_client(max_tasks_per_portfolio=20_000)
    response = client.post(URL, content=big_portfolio, headers=_JSON)
    assert response.status_code == 200
    assert response.json() == {"valid": True, "tasks": 20_000, "issues": []}


_JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def big_portfolio() -> bytes:
    """A generated, valid 20,000-task portfolio as JSON bytes (about 6.7 MB)."""
    portfolio = generate_portfolio(500, 20_000, 2_000, seed=3)
    return json.dumps(portfolio.model_dump(mode="json", exclude_none=True)).encode()
