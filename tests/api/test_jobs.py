"""/v1/jobs and /v1/solve without a worker: submission, reads, cancel, limits, bad input."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.openapi import example_portfolio
from api.settings import ApiSettings
from benchmarks.jobs import private_pg_database
from tests.api.conftest import ClientFactory
from tests.workers.harness import require
from workers.service import JobService
from workers.settings import Settings


def _submit(client: TestClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/v1/jobs", json={"portfolio": example_portfolio(), **fields})
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def _submit_stored(client: TestClient, portfolio_id: str) -> dict[str, Any]:
    response = client.post("/v1/jobs", json={"portfolio_id": portfolio_id})
    assert response.status_code == 202, response.text
    body: dict[str, Any] = response.json()
    return body


def test_submit_answers_202_with_location(client: TestClient) -> None:
    """A job is queued at once: 202, Location of the job, state queued."""
    response = client.post(
        "/v1/jobs", json={"portfolio": example_portfolio(), "options": {"time_limit_s": 5}}
    )
    assert response.status_code == 202
    job = response.json()
    assert response.headers["location"] == f"/v1/jobs/{job['id']}"
    assert (job["tenant"], job["kind"], job["state"]) == ("acme", "schedule", "queued")
    assert (job["portfolio_id"], job["portfolio_version"]) == (None, None)  # inline
    assert job["options"]["time_limit_s"] == 5.0
    assert client.get(response.headers["location"]).json()["state"] == "queued"


def test_submit_a_stored_portfolio(client: TestClient) -> None:
    """A job names a stored portfolio by id and records the id and the version it solved,
    in the 202, the job and the list; the record outlives the portfolio."""
    stored = client.post("/v1/portfolios", json=example_portfolio()).json()
    first = _submit_stored(client, stored["id"])
    assert (first["portfolio_id"], first["portfolio_version"]) == (stored["id"], 1)
    changed = {**example_portfolio(), "name": "Demo, second version"}
    assert client.put(f"/v1/portfolios/{stored['id']}", json=changed).json()["version"] == 2
    second = _submit_stored(client, stored["id"])
    inline = _submit(client)
    assert client.delete(f"/v1/portfolios/{stored['id']}").status_code == 204
    read = client.get(f"/v1/jobs/{second['id']}").json()
    assert (read["portfolio_id"], read["portfolio_version"]) == (stored["id"], 2)
    listed = client.get("/v1/jobs").json()["items"]
    assert [(job["id"], job["portfolio_id"], job["portfolio_version"]) for job in listed] == [
        (inline["id"], None, None),
        (second["id"], stored["id"], 2),
        (first["id"], stored["id"], 1),
    ]


def test_result_is_404_until_there_is_one(client: TestClient) -> None:
    """The result of a queued job is a 404 problem that says why."""
    job = _submit(client)
    response = client.get(f"/v1/jobs/{job['id']}/result")
    assert response.status_code == 404
    assert response.json()["type"] == "urn:optiplan:problem:no-result"
    assert response.json()["detail"] == f"Job {job['id']} has no plan yet (state queued)."


def test_cancel_a_queued_job_and_stream_its_events(client: TestClient) -> None:
    """Cancelling a queued job ends it; its event stream replays queued and cancelled."""
    job = _submit(client)
    cancelled = client.delete(f"/v1/jobs/{job['id']}")
    assert cancelled.status_code == 200
    assert cancelled.json()["state"] == "cancelled"
    with client.stream("GET", f"/v1/jobs/{job['id']}/events") as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"] == "text/event-stream; charset=utf-8"
        text = stream.read().decode()
    blocks = [block for block in text.split("\n\n") if block]
    assert [block.splitlines()[:2] for block in blocks] == [
        ["id: 1", "event: state"],
        ["id: 2", "event: state"],
    ]
    assert '"state":"cancelled"' in blocks[1]
    resumed = client.get(f"/v1/jobs/{job['id']}/events", headers={"Last-Event-ID": "1"})
    assert resumed.text.startswith("id: 2\nevent: state\n")


def test_list_filters_and_pages(client: TestClient) -> None:
    """Jobs list newest first, filtered by state and kind, with the total."""
    first, second = _submit(client), _submit(client)
    client.delete(f"/v1/jobs/{first['id']}")
    everything = client.get("/v1/jobs").json()
    assert [job["id"] for job in everything["items"]] == [second["id"], first["id"]]
    assert everything["total"] == 2
    cancelled = client.get("/v1/jobs", params={"state": "cancelled"}).json()
    assert [job["id"] for job in cancelled["items"]] == [first["id"]]
    assert client.get("/v1/jobs", params={"kind": "risk"}).json() == {"items": [], "total": 0}
    page = client.get("/v1/jobs", params={"limit": 1, "offset": 1}).json()
    assert ([job["id"] for job in page["items"]], page["total"]) == ([first["id"]], 2)
    bad = client.get("/v1/jobs", params={"state": "done"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["path"] == "state"


def test_jobs_in_flight_limit_is_429_with_retry_after(make_client: ClientFactory) -> None:
    """Beyond the configured jobs in flight a tenant gets 429 and Retry-After."""
    client = make_client(max_jobs_in_flight=2)
    first = _submit(client)
    _submit(client)
    refused = client.post("/v1/jobs", json={"portfolio": example_portfolio()})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "5"
    assert refused.json()["detail"] == (
        "This tenant has 2 jobs queued or running; the limit is 2. Retry after 5 s or cancel a job."
    )
    client.delete(f"/v1/jobs/{first['id']}")
    assert client.post("/v1/jobs", json={"portfolio": example_portfolio()}).status_code == 202


def test_solve_time_above_the_maximum(client: TestClient) -> None:
    """A time limit above the configured maximum solve time is a 422 at its path."""
    response = client.post(
        "/v1/jobs", json={"portfolio": example_portfolio(), "options": {"time_limit_s": 7200}}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "in": "body",
            "path": "options.time_limit_s",
            "message": "time_limit_s 7200 is above the maximum of 3600 s",
        }
    ]


def test_bad_job_requests(client: TestClient) -> None:
    """Malformed JSON, unknown fields, wrong types, both or no portfolio, unknown kinds."""
    malformed = client.post(
        "/v1/jobs", content=b'{"portfolio": ', headers={"content-type": "application/json"}
    )
    assert (malformed.status_code, malformed.json()["type"]) == (
        400,
        "urn:optiplan:problem:invalid-json",
    )
    wrong = client.post(
        "/v1/jobs", json={"portfolio": example_portfolio(), "options": {"seed": "x"}, "x": 1}
    )
    assert wrong.status_code == 422
    assert [(e["path"], e["message"]) for e in wrong.json()["errors"]] == [
        ("options.seed", "Input should be a valid integer, unable to parse string as an integer"),
        ("x", "Extra inputs are not permitted"),
    ]
    neither = client.post("/v1/jobs", json={"kind": "schedule"})
    assert neither.status_code == 422
    assert neither.json()["detail"] == "Give exactly one of 'portfolio' and 'portfolio_id'."
    unknown = client.post("/v1/jobs", json={"portfolio": example_portfolio(), "kind": "magic"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {"in": "body", "path": "kind", "message": "unknown job kind 'magic'; implemented: schedule"}
    ]
    bad_portfolio = client.post("/v1/jobs", json={"portfolio": {"projects": "none"}})
    assert bad_portfolio.status_code == 422
    assert bad_portfolio.json()["errors"] == [
        {"in": "body", "path": "portfolio.id", "message": "'id' is required"},
        {"in": "body", "path": "portfolio.start_date", "message": "'start_date' is required"},
        {
            "in": "body",
            "path": "portfolio.projects",
            "message": "projects: input should be a valid list, got 'none'",
        },
    ]


def test_solve_without_a_worker_answers_202(client: TestClient) -> None:
    """With no worker, solve?wait=0.2 gives up waiting: 202 with the queued job."""
    response = client.post(
        "/v1/solve", params={"wait": 0.2}, json={"portfolio": example_portfolio()}
    )
    assert response.status_code == 202
    assert response.headers["location"] == f"/v1/jobs/{response.json()['id']}"
    assert response.json()["state"] == "queued"


def test_last_event_id_out_of_range(client: TestClient) -> None:
    """A Last-Event-ID beyond 32 bits is a 422 at header.last-event-id, not a crash."""
    job = _submit(client)
    response = client.get(f"/v1/jobs/{job['id']}/events", headers={"Last-Event-ID": "9" * 30})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {
            "in": "header",
            "path": "last-event-id",
            "message": "Input should be less than or equal to 2147483647",
        }
    ]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def jobs_on_each_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobService]:
    """A jobs service on a fresh SQLite ledger, then on a private PostgreSQL database."""
    home = tmp_path / "optiplan"
    with contextlib.ExitStack() as stack:
        database_url = None
        if request.param == "postgresql":
            require("postgresql")
            database_url = stack.enter_context(private_pg_database())
        service = JobService(Settings(home=home, database_url=database_url))
        stack.callback(service.close)
        yield service


def test_simultaneous_submissions_never_overshoot_the_limit(
    jobs_on_each_database: JobService,
) -> None:
    """12 submissions at the same moment with a limit of 5: exactly 5 get 202 and 7 get
    the usual 429, and the ledger holds 5 jobs."""
    app = create_app(ApiSettings(max_jobs_in_flight=5), jobs=jobs_on_each_database)
    headers = {"Authorization": f"Bearer {app.state.keys.create_key('acme')}"}
    body = {"portfolio": example_portfolio()}
    start = threading.Barrier(12)

    def submit(_: int) -> tuple[int, str, str | None]:
        client = TestClient(app, raise_server_exceptions=False, headers=headers)
        start.wait()
        response = client.post("/v1/jobs", json=body)
        client.close()
        detail = response.json().get("detail", "")
        return response.status_code, detail, response.headers.get("retry-after")

    with ThreadPoolExecutor(max_workers=12) as pool:
        answers = list(pool.map(submit, range(12)))
    assert sorted(status for status, _, _ in answers) == [202] * 5 + [429] * 7
    assert {(detail, retry) for status, detail, retry in answers if status == 429} == {
        (
            "This tenant has 5 jobs queued or running; the limit is 5. Retry after 5 s or "
            "cancel a job.",
            "5",
        )
    }
    assert jobs_on_each_database.list_jobs("acme").total == 5
