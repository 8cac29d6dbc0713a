"""The OpenAPI document: every route, stable operation ids, problems, true examples."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from models import validate_portfolio


def _operations(document: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        operation["operationId"]: (f"{method.upper()} {path}", operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    }


def test_every_route_has_a_stable_operation_id(client: TestClient) -> None:
    """The document lists exactly the API's 16 operations under their operation ids."""
    operations = _operations(client.get("/openapi.json").json())
    assert {op_id: label for op_id, (label, _) in operations.items()} == {
        "get_health": "GET /v1/health",
        "get_ready": "GET /v1/ready",
        "validate_portfolio": "POST /v1/portfolios/validate",
        "create_portfolio": "POST /v1/portfolios",
        "list_portfolios": "GET /v1/portfolios",
        "get_portfolio": "GET /v1/portfolios/{portfolio_id}",
        "get_portfolio_version": "GET /v1/portfolios/{portfolio_id}/versions/{version}",
        "replace_portfolio": "PUT /v1/portfolios/{portfolio_id}",
        "delete_portfolio": "DELETE /v1/portfolios/{portfolio_id}",
        "submit_job": "POST /v1/jobs",
        "list_jobs": "GET /v1/jobs",
        "get_job": "GET /v1/jobs/{job_id}",
        "cancel_job": "DELETE /v1/jobs/{job_id}",
        "get_job_result": "GET /v1/jobs/{job_id}/result",
        "stream_job_events": "GET /v1/jobs/{job_id}/events",
        "solve": "POST /v1/solve",
    }


def test_errors_are_documented_as_problems(client: TestClient) -> None:
    """Every 4xx/5xx response is application/problem+json; all but health list 401."""
    operations = _operations(client.get("/openapi.json").json())
    for op_id, (label, operation) in operations.items():
        codes = operation["responses"]
        assert ("401" in codes) == (op_id != "get_health"), label
        assert "500" in codes, label
        for code, response in codes.items():
            if int(code) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (label, code)
    submit = operations["submit_job"][1]["responses"]
    assert sorted(submit) == [
        "202", "400", "401", "404", "413", "415", "422", "429", "500", "503"
    ]  # fmt: skip
    assert "Location" in submit["202"]["headers"]


def test_request_examples_come_from_the_example_portfolios(client: TestClient) -> None:
    """The demo example of the body is examples/demo.json, and it is a valid portfolio."""
    document = client.get("/openapi.json").json()
    body = document["paths"]["/v1/portfolios"]["post"]["requestBody"]["content"]
    demo = body["application/json"]["examples"]["demo"]["value"]
    assert demo["id"] == "demo"
    assert validate_portfolio(demo).ok
    assert body["application/json"]["schema"] == {"$ref": "#/components/schemas/Portfolio"}
    assert "multipart/form-data" in body
    job_schema = document["components"]["schemas"]["JobCreate"]["properties"]["portfolio"]
    assert job_schema["anyOf"] == [{"$ref": "#/components/schemas/Portfolio"}, {"type": "null"}]
    assert document["components"]["securitySchemes"] == {
        "ApiKey": {
            "type": "http",
            "scheme": "bearer",
            "description": "A tenant's API key (`optiplan keys create TENANT`), sent as "
            "`Authorization: Bearer <key>`.",
        }
    }
