"""/v1/portfolios: create (JSON or upload), read, replace with versions, list, delete."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from api.openapi import example_portfolio, invalid_example_portfolio


def _create(client: TestClient, data: dict[str, Any]) -> dict[str, Any]:
    response = client.post("/v1/portfolios", json=data)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_create_read_replace_delete(client: TestClient, portfolio_data: dict[str, Any]) -> None:
    """A portfolio is stored as version 1, replaced as version 2, then deleted (404 after)."""
    response = client.post("/v1/portfolios", json=example_portfolio())
    assert response.status_code == 201
    created = response.json()
    assert response.headers["location"] == f"/v1/portfolios/{created['id']}"
    assert created["version"] == 1
    assert created["tasks"] == 20
    assert created["name"] == "Demo portfolio: CRM roll-out, laptop refresh and MFA"
    assert created["portfolio"]["id"] == "demo"

    read = client.get(f"/v1/portfolios/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created

    replaced = client.put(f"/v1/portfolios/{created['id']}", json=portfolio_data)
    assert replaced.status_code == 200
    assert replaced.json()["version"] == 2
    assert replaced.json()["tasks"] == 5
    assert replaced.json()["name"] == "small"
    assert replaced.json()["created_at"] == created["created_at"]

    first = client.get(f"/v1/portfolios/{created['id']}/versions/1")
    assert first.status_code == 200
    assert (first.json()["version"], first.json()["portfolio"]["id"]) == (1, "demo")
    second = client.get(f"/v1/portfolios/{created['id']}/versions/2").json()
    assert (second["version"], second["portfolio"]["id"]) == (2, "small")
    missing = client.get(f"/v1/portfolios/{created['id']}/versions/3")
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"Portfolio {created['id']} has no version 3."

    assert client.delete(f"/v1/portfolios/{created['id']}").status_code == 204
    gone = client.get(f"/v1/portfolios/{created['id']}")
    assert gone.status_code == 404
    assert gone.json()["detail"] == f"There is no portfolio {created['id']}."


def test_create_by_file_upload(client: TestClient) -> None:
    """A portfolio JSON file uploaded as form field 'file' is stored like a JSON body."""
    content = json.dumps(example_portfolio()).encode()
    response = client.post(
        "/v1/portfolios", files={"file": ("demo.json", content, "application/json")}
    )
    assert response.status_code == 201
    assert response.json()["tasks"] == 20


def test_upload_without_file_field(client: TestClient) -> None:
    """A form without the 'file' field is a 422 problem naming the field."""
    response = client.post("/v1/portfolios", files={"other": ("x.json", b"{}", "text/plain")})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"in": "body", "path": "file", "message": "field required"}
    ]


def test_invalid_portfolio_is_refused_with_every_path(client: TestClient) -> None:
    """An invalid portfolio is not stored: 422 with each issue's path, and nothing listed."""
    response = client.post("/v1/portfolios", json=invalid_example_portfolio())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:optiplan:problem:invalid-portfolio"
    assert body["detail"] == "The portfolio has 2 problems."
    assert body["errors"] == [
        {
            "in": "body",
            "path": "projects[0].tasks[0].duration_days",
            "message": "duration_days must not be negative, got -3",
        },
        {
            "in": "body",
            "path": "people[0].skills.pmm",
            "message": "unknown skill 'pmm'; did you mean 'pm'?",
        },
    ]
    assert client.get("/v1/portfolios").json()["total"] == 0


def test_replace_with_invalid_keeps_the_old_version(
    client: TestClient, portfolio_data: dict[str, Any]
) -> None:
    """A refused replacement leaves version 1 in place."""
    created = _create(client, portfolio_data)
    refused = client.put(f"/v1/portfolios/{created['id']}", json=invalid_example_portfolio())
    assert refused.status_code == 422
    assert client.get(f"/v1/portfolios/{created['id']}").json()["version"] == 1


def test_list_pages(client: TestClient, portfolio_data: dict[str, Any]) -> None:
    """Listing pages through the tenant's portfolios, most recently changed first."""
    ids = []
    for number in range(3):
        portfolio_data["id"] = f"p{number}"
        ids.append(_create(client, portfolio_data)["id"])
    page = client.get("/v1/portfolios", params={"limit": 2, "offset": 1})
    assert page.status_code == 200
    body = page.json()
    assert body["total"] == 3
    assert body["limit"] == 2
    assert body["offset"] == 1
    assert [item["id"] for item in body["items"]] == [ids[1], ids[0]]
    assert "portfolio" not in body["items"][0]


def test_paging_out_of_range(client: TestClient) -> None:
    """A limit above 200 is a 422 problem at query.limit."""
    response = client.get("/v1/portfolios", params={"limit": 500})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"in": "query", "path": "limit", "message": "Input should be less than or equal to 200"}
    ]


def test_unknown_query_parameter(client: TestClient) -> None:
    """A misspelt query parameter is a 422 problem rather than silently ignored."""
    response = client.get("/v1/portfolios", params={"limt": 5})
    assert response.status_code == 422
    assert response.json()["detail"] == "Unknown query parameter(s): 'limt'."


def test_invalid_ids_in_paths(client: TestClient) -> None:
    """An id that is not a UUID finds nothing: 404 problem, like an unknown id."""
    for path in ("/v1/portfolios/123", "/v1/portfolios/not-a-uuid", "/v1/jobs/%00", "/v1/jobs/1"):
        response = client.get(path)
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"] == f"There is nothing at {response.url.path}."
