"""End to end over HTTP: a real ``optiplan serve`` process (uvicorn) and a real worker.

Embedded default (SQLite, filesystem broker, worker started by ``serve``), and with
PostgreSQL and Redis (``services`` marker): submit, stream progress over SSE, fetch
the checked result, cancel, list.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from benchmarks.jobs import free_port, optiplan_command, private_pg_database
from models import Plan, load_portfolio
from models.checker import check_plan
from tests.workers.harness import (
    EXAMPLES,
    REDIS_URL,
    require,
)

_KEY = re.compile(r"^op_[0-9a-f]{12}_\S+$")


def _env(home: Path, **variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTIPLAN_")}
    env.update(OPTIPLAN_HOME=str(home), **variables)
    return env


@contextlib.contextmanager
def _serve(env: dict[str, str], log: Path, *extra: str) -> Iterator[tuple[str, list[str]]]:
    """Run ``optiplan serve``; yield its base URL and the lines it printed before serving."""
    port = free_port()
    with log.open("w") as out:
        process = subprocess.Popen(
            [*optiplan_command(), "serve", "--port", str(port), *extra],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{base}/v1/health", timeout=1).status_code == 200:
                        break
                assert process.poll() is None, log.read_text()[-3000:]
                time.sleep(0.2)
            else:
                pytest.fail(f"optiplan serve did not answer:\n{log.read_text()[-3000:]}")
            yield base, log.read_text().splitlines()
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _events(client: httpx.Client, job_id: str) -> list[dict[str, Any]]:
    """Read the job's SSE stream to its end; return the events' data."""
    events = []
    with client.stream("GET", f"/v1/jobs/{job_id}/events", timeout=120) as stream:
        assert stream.status_code == 200
        assert stream.headers["content-type"] == "text/event-stream; charset=utf-8"
        for line in stream.iter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line.removeprefix("data: ")))
    return events


def _scenario(base: str, key: str) -> None:
    """Submit, stream, fetch and check the plan; cancel a long solve; list."""
    demo = json.loads((EXAMPLES / "demo.json").read_text())
    medium = json.loads((EXAMPLES / "medium.json").read_text())
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        assert client.get("/v1/ready").json() == {
            "status": "ready",
            "database": "ok",
            "broker": "ok",
        }
        submitted = client.post(
            "/v1/jobs", json={"portfolio": demo, "options": {"time_limit_s": 10}}
        )
        assert submitted.status_code == 202
        job_id = submitted.json()["id"]
        assert submitted.headers["location"] == f"/v1/jobs/{job_id}"

        events = _events(client, job_id)
        states = [e["data"]["state"] for e in events if e["kind"] == "state"]
        assert states == ["queued", "running", "succeeded"]
        assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
        assert any(e["kind"] == "progress" for e in events)

        job = client.get(f"/v1/jobs/{job_id}").json()
        assert job["state"] == "succeeded"
        assert job["progress"] is not None
        result = client.get(f"/v1/jobs/{job_id}/result")
        assert result.status_code == 200
        plan = Plan.model_validate(result.json())
        assert check_plan(load_portfolio(demo), plan).report.ok

        solved = client.post(
            "/v1/solve",
            params={"wait": 60},
            json={"portfolio": demo, "options": {"time_limit_s": 10}},
        )
        assert solved.status_code == 200
        assert check_plan(load_portfolio(demo), Plan.model_validate(solved.json())).report.ok

        long = client.post("/v1/jobs", json={"portfolio": medium, "options": {"time_limit_s": 60}})
        long_id = long.json()["id"]
        deadline = time.monotonic() + 60
        while client.get(f"/v1/jobs/{long_id}").json()["state"] != "running":
            assert time.monotonic() < deadline, "the long job never started"
            time.sleep(0.1)
        cancel_asked = time.monotonic()
        assert client.delete(f"/v1/jobs/{long_id}").status_code == 200
        while client.get(f"/v1/jobs/{long_id}").json()["state"] != "cancelled":
            assert time.monotonic() - cancel_asked < 10, "the cancel took more than 10 s"
            time.sleep(0.1)

        listed = client.get("/v1/jobs").json()
        assert listed["total"] == 3
        assert [job["id"] for job in listed["items"]][::2] == [long_id, job_id]
        assert client.get("/v1/jobs", params={"state": "cancelled"}).json()["total"] == 1


def _huge_bodies(base: str, key: str) -> None:
    """Bodies above the limit get 413 over a real socket, declared or chunked."""
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    url = f"{base}/v1/portfolios/validate"

    def chunks() -> Iterator[bytes]:
        for _ in range(3_000):
            yield b" " * 1_000

    for content in (b" " * 3_000_000, chunks()):
        response = httpx.post(url, content=content, headers=headers, timeout=30)
        assert response.status_code == 413
        assert response.json()["detail"] == (
            "The request body is larger than the limit of 2000000 bytes."
        )


def test_embedded_default(tmp_path: Path) -> None:
    """`optiplan serve` on a fresh home: prints a key once, then runs jobs end to end."""
    env = _env(tmp_path / "home", OPTIPLAN_MAX_BODY_BYTES="2000000")
    with _serve(env, tmp_path / "serve.log") as (base, lines):
        keys = [line for line in lines if _KEY.match(line)]
        assert len(keys) == 1
        _scenario(base, keys[0])
        _huge_bodies(base, keys[0])
    with _serve(env, tmp_path / "serve2.log") as (_, lines):
        assert not [line for line in lines if _KEY.match(line)]  # only on first start


@pytest.mark.services
def test_postgresql_and_redis(tmp_path: Path) -> None:
    """With PostgreSQL as ledger, Redis as broker and pub/sub: the same scenario."""
    require("postgresql", "redis")
    with private_pg_database() as database_url:
        env = _env(
            tmp_path / "home",
            OPTIPLAN_DATABASE_URL=database_url,
            OPTIPLAN_BROKER_URL=REDIS_URL,
            OPTIPLAN_REDIS_URL=REDIS_URL,
            OPTIPLAN_QUEUE_PREFIX=f"optiplan-e2e-{tmp_path.name}",
        )
        created = subprocess.run(
            [*optiplan_command(), "keys", "create", "acme"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        key = created.stdout.strip().splitlines()[-1]
        assert _KEY.match(key)
        with _serve(env, tmp_path / "serve.log", "--worker") as (base, lines):
            assert not [line for line in lines if _KEY.match(line)]
            _scenario(base, key)
