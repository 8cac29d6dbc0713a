"""Every error is an RFC 9457 problem document carrying the request id."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy.exc
from fastapi import FastAPI
from fastapi.testclient import TestClient


def test_unknown_path_is_a_404_problem(client: TestClient) -> None:
    """An unknown path answers 404 application/problem+json with the request id."""
    response = client.get("/v1/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "There is nothing at /v1/nowhere.",
        "instance": "/v1/nowhere",
        "request_id": response.headers["x-request-id"],
    }


def test_wrong_method_is_a_405_problem_with_allow(client: TestClient) -> None:
    """A wrong method answers 405 with an Allow header and a problem document."""
    response = client.delete("/v1/health")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json()["detail"] == "DELETE is not allowed on /v1/health."


def test_client_request_id_is_kept(client: TestClient) -> None:
    """A well-formed X-Request-ID from the client is echoed and used in problems."""
    response = client.get("/v1/nowhere", headers={"X-Request-ID": "abc-123.x_y"})
    assert response.headers["x-request-id"] == "abc-123.x_y"
    assert response.json()["request_id"] == "abc-123.x_y"


def test_bad_client_request_id_is_replaced(client: TestClient) -> None:
    """An X-Request-ID with unsafe characters is replaced by a fresh 32-hex id."""
    response = client.get("/v1/health", headers={"X-Request-ID": "x\ty<script>"})
    assert len(response.headers["x-request-id"]) == 32
    assert response.headers["x-request-id"] != "x\ty<script>"


def test_unexpected_error_is_a_logged_500_without_trace(
    make_app: Callable[..., FastAPI], caplog: pytest.LogCaptureFixture
) -> None:
    """An exception in a route gives a 500 problem; the log has the trace and request id."""
    app = make_app()

    def explode() -> None:
        raise RuntimeError("secret internal detail")

    app.add_api_route("/v1/explode", explode)
    client = TestClient(app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="optiplan.api"):
        response = client.get("/v1/explode", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "req-500"
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An unexpected error occurred; it has been logged with request id req-500.",
        "instance": "/v1/explode",
        "request_id": "req-500",
    }
    assert "secret internal detail" not in response.text
    assert "Traceback" not in response.text
    [record] = [r for r in caplog.records if r.name == "optiplan.api"]
    assert record.getMessage() == "unhandled error in GET /v1/explode (request id req-500)"
    assert record.exc_info is not None


def test_bad_query_parameter_is_a_422_problem_with_path(
    make_app: Callable[..., FastAPI],
) -> None:
    """A query parameter of the wrong type gives 422 with {in, path, message} per field."""
    app = make_app()

    def paged(limit: int = 10) -> dict[str, int]:
        return {"limit": limit}

    app.add_api_route("/v1/paged", paged)
    client = TestClient(app, raise_server_exceptions=False)
    response = client.get("/v1/paged", params={"limit": "ten"})
    assert response.status_code == 422
    body = response.json()
    assert body["type"] == "urn:optiplan:problem:invalid-request"
    assert body["detail"] == "1 field of the request is invalid."
    assert body["errors"] == [
        {
            "in": "query",
            "path": "limit",
            "message": "Input should be a valid integer, unable to parse string as an integer",
        }
    ]


def test_health_needs_nothing(client: TestClient) -> None:
    """GET /v1/health answers 200 with status ok and the version."""
    response = client.get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "version": "0.1.0"}


def test_unknown_query_parameter_on_health(client: TestClient) -> None:
    """Even the health route refuses a query parameter it does not know (422)."""
    response = client.get("/v1/health", params={"verbose": 1})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"in": "query", "path": "verbose", "message": "unknown query parameter"}
    ]


def test_database_outage_is_a_503_with_retry_after(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A database that does not answer gives 503 + Retry-After, logged, with no trace."""
    app: Any = client.app

    def refuse(*_: object, **__: object) -> None:
        raise sqlalchemy.exc.OperationalError(
            "SELECT jobs", {}, ConnectionRefusedError("connection refused")
        )

    monkeypatch.setattr(app.state.jobs, "get_job", refuse)
    job_id = "0b8f6c1e-4f57-4a43-9d43-1f0e2a9c7b11"
    with caplog.at_level(logging.ERROR, logger="optiplan.api"):
        response = client.get(f"/v1/jobs/{job_id}", headers={"X-Request-ID": "db-down"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json() == {
        "type": "urn:optiplan:problem:unavailable",
        "title": "Service unavailable",
        "status": 503,
        "detail": "The database does not answer; retry later (request id db-down).",
        "instance": f"/v1/jobs/{job_id}",
        "request_id": "db-down",
    }
    assert "connection refused" not in response.text
    assert [r.getMessage() for r in caplog.records if r.name == "optiplan.api"] == [
        f"database unreachable in GET /v1/jobs/{job_id} (request id db-down)"
    ]
