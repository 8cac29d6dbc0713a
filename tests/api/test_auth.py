"""API keys: every route but health needs one, and a tenant sees only its own data."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient

from api.openapi import example_portfolio
from tests.api.conftest import ClientFactory


def test_no_key_is_401(client: TestClient) -> None:
    """Without a key a route answers 401 with a Bearer challenge and a problem."""
    response = client.get("/v1/jobs", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["detail"] == (
        "This route needs an API key: send 'Authorization: Bearer <key>'."
    )


def test_wrong_key_is_401(client: TestClient) -> None:
    """A made-up or altered key is refused with 401."""
    for key in ("op_000000000000_nope", "junk", "op_abc"):
        response = client.get("/v1/jobs", headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 401
        assert response.json()["detail"] == "The API key is not valid."


def test_every_route_but_health_needs_a_key(client: TestClient) -> None:
    """Each operation in the OpenAPI document, except health, answers 401 without a key."""
    paths = client.get("/openapi.json").json()["paths"]
    some_id = str(uuid.uuid4())
    checked = []
    for path, operations in paths.items():
        for method in operations:
            url = path.replace("{portfolio_id}", some_id).replace("{job_id}", some_id)
            url = url.replace("{version}", "1")
            response = client.request(method, url, headers={"Authorization": ""}, json={})
            expected = 200 if path == "/v1/health" else 401
            assert response.status_code == expected, (method, path)
            checked.append(f"{method.upper()} {path}")
    assert len(checked) == 16


def test_keys_are_stored_hashed(client: TestClient) -> None:
    """The database holds the key's SHA-256, never the key itself."""
    from sqlalchemy import select

    from api.store import ApiKeyRow, hash_key

    app: Any = client.app
    key = app.state.keys.create_key("beta")
    with app.state.keys.sessions() as session:
        rows = session.scalars(select(ApiKeyRow).where(ApiKeyRow.tenant == "beta")).all()
    assert [row.key_hash for row in rows] == [hash_key(key)]
    assert key not in {row.key_hash for row in rows}


def test_tenant_isolation_over_every_route(make_client: ClientFactory) -> None:
    """Tenant B gets the same 404 for A's portfolio and job as for ids that do not exist."""
    alice = make_client()
    app: Any = alice.app
    bob = TestClient(
        app,
        raise_server_exceptions=False,
        headers={"Authorization": f"Bearer {app.state.keys.create_key('bob')}"},
    )
    portfolio = alice.post("/v1/portfolios", json=example_portfolio()).json()["id"]
    job = alice.post("/v1/jobs", json={"portfolio_id": portfolio}).json()["id"]
    unknown = str(uuid.uuid4())

    def answers(client: TestClient, pid: str, jid: str) -> list[tuple[int, str]]:
        calls = [
            client.get(f"/v1/portfolios/{pid}"),
            client.get(f"/v1/portfolios/{pid}/versions/1"),
            client.put(f"/v1/portfolios/{pid}", json=example_portfolio()),
            client.delete(f"/v1/portfolios/{pid}"),
            client.post("/v1/jobs", json={"portfolio_id": pid}),
            client.post("/v1/solve", params={"wait": 0}, json={"portfolio_id": pid}),
            client.get(f"/v1/jobs/{jid}"),
            client.get(f"/v1/jobs/{jid}/result"),
            client.get(f"/v1/jobs/{jid}/events"),
            client.delete(f"/v1/jobs/{jid}"),
        ]
        return [
            (r.status_code, r.json()["detail"].replace(pid, "<id>").replace(jid, "<id>"))
            for r in calls
        ]

    assert answers(bob, portfolio, job) == answers(bob, unknown, unknown)
    assert {status for status, _ in answers(bob, portfolio, job)} == {404}
    assert bob.get("/v1/jobs").json() == {"items": [], "total": 0}
    assert bob.get("/v1/portfolios").json()["total"] == 0
    # Alice's data is untouched by Bob's attempts.
    assert alice.get(f"/v1/portfolios/{portfolio}").json()["version"] == 1
    assert alice.get(f"/v1/jobs/{job}").json()["state"] == "queued"
