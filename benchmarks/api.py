"""``python -m benchmarks.api``: latency of the HTTP API against a bare FastAPI endpoint.

In one run, over real uvicorn processes on 127.0.0.1 and one keep-alive HTTP client:

1. ``GET /v1/jobs/{id}`` (API key check, ledger read with latest progress) against
   ``GET /bare`` of a minimal FastAPI app served the same way (a sync route returning a
   small JSON object); requests alternate between the two, medians compared.
   Target: at most 3 x the bare median. Timed for a queued job and for a finished one
   (the demo portfolio, run in this process as a worker would; its plan checked).
2. ``POST /v1/jobs`` with a generated 150-task portfolio (parse, validate, ledger insert,
   send to the broker) against the same bare endpoint. Target: at most 5 x. Reported
   beside it: the same submissions against ``POST /bare``, which reads the same body
   and answers the same small object (what receiving 60 KB costs any endpoint).
3. Parse and validate a generated 5,000-task portfolio: in-process
   (``models.validate_portfolio`` on the JSON bytes) and through
   ``POST /v1/portfolios/validate``. Target: under 1 s.

The optiplan server is ``optiplan serve --no-worker`` on a fresh embedded home (SQLite
ledger, filesystem broker) unless ``--database-url`` / ``--broker-url`` are given; no
worker runs, so submitted jobs stay queued (the jobs-in-flight limit is lifted).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI, Request

from api.openapi import EXAMPLES_DIR
from benchmarks.generator import generate_portfolio
from benchmarks.jobs import free_port, optiplan_command, require_checked
from models import Plan, load_portfolio, validate_portfolio
from workers.db import make_engine
from workers.ledger import Ledger
from workers.runner import execute_job
from workers.settings import Settings

bare_app = FastAPI()


@bare_app.get("/bare")
def bare() -> dict[str, str]:
    """The reference: a sync route returning a small JSON object."""
    return {"status": "ok"}


@bare_app.post("/bare")
async def bare_post(request: Request) -> dict[str, str]:
    """A second reference for submissions: reads the request body, answers the same."""
    await request.body()
    return {"status": "ok"}


@contextlib.contextmanager
def _server(argv: list[str], env: dict[str, str], port: int) -> Iterator[str]:
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{base}/v1/health" if "serve" in argv else f"{base}/bare", timeout=1)
                break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"server did not start: {argv}")
            time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def _timed(call: Callable[[], httpx.Response], expected: int) -> float:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    if response.status_code != expected:
        raise RuntimeError(f"expected {expected}, got {response.status_code}: {response.text}")
    return elapsed


def _alternate(
    reference: Callable[[], float], measured: Callable[[], float], count: int
) -> tuple[float, float]:
    """Medians (s) of ``count`` alternating calls of each.

    A pause follows each call: what a server does after its response (the submission's
    send to the broker) ends before the next call is timed, so neither server's
    after-work lands in the other's figure.
    """
    refs, values = [], []
    for _ in range(count):
        refs.append(reference())
        time.sleep(_PAUSE_S)
        values.append(measured())
        time.sleep(_PAUSE_S)
    return statistics.median(refs), statistics.median(values)


_PAUSE_S = 0.005
_JSON = {"Content-Type": "application/json"}


def main(argv: list[str] | None = None) -> int:
    """Run the three measurements and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500, help="GET pairs to time.")
    parser.add_argument("--submissions", type=int, default=100, help="POST pairs to time.")
    parser.add_argument("--validations", type=int, default=5, help="5,000-task validations.")
    parser.add_argument("--database-url", help="Ledger URL (default: SQLite in a temp dir).")
    parser.add_argument("--broker-url", help="Broker URL (default: filesystem transport).")
    args = parser.parse_args(argv)

    home = Path(tempfile.mkdtemp(prefix="optiplan-bench-api-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPTIPLAN_")}
    env.update(OPTIPLAN_HOME=str(home), OPTIPLAN_MAX_JOBS_IN_FLIGHT="1000000")
    if args.database_url:
        env["OPTIPLAN_DATABASE_URL"] = args.database_url
    if args.broker_url:
        env["OPTIPLAN_BROKER_URL"] = args.broker_url
    small = generate_portfolio(8, 150, 25, seed=1).model_dump(mode="json", exclude_none=True)
    # Encoded once: the client's JSON encoding (about 0.5 ms for 60 KB) is not the
    # server's latency, and the bare request has none.
    submission = json.dumps({"portfolio": small}).encode()
    large = json.dumps(
        generate_portfolio(100, 5_000, 400, seed=1).model_dump(mode="json", exclude_none=True)
    ).encode()
    try:
        created = subprocess.run(
            [*optiplan_command(), "keys", "create", "bench"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        key = created.stdout.strip().splitlines()[-1]
        bare_port, api_port = free_port(), free_port()
        bare_argv = [
            sys.executable, "-m", "uvicorn", "benchmarks.api:bare_app",
            "--port", str(bare_port), "--log-level", "warning",
        ]  # fmt: skip
        api_argv = [
            *optiplan_command(), "serve", "--no-worker", "--port", str(api_port),
            "--log-level", "warning",
        ]  # fmt: skip
        with (
            _server(bare_argv, env, bare_port) as bare_base,
            _server(api_argv, env, api_port) as api_base,
            httpx.Client(base_url=bare_base) as bare_client,
            httpx.Client(
                base_url=api_base, headers={"Authorization": f"Bearer {key}"}, timeout=60
            ) as client,
        ):
            job_id = client.post("/v1/jobs", content=submission, headers=_JSON).json()["id"]
            finished_id = _finished_job(client, home, args)

            def reference() -> float:
                return _timed(lambda: bare_client.get("/bare"), 200)

            def reference_post() -> float:
                return _timed(
                    lambda: bare_client.post("/bare", content=submission, headers=_JSON), 200
                )

            def get_job() -> float:
                return _timed(lambda: client.get(f"/v1/jobs/{job_id}"), 200)

            def get_finished_job() -> float:
                return _timed(lambda: client.get(f"/v1/jobs/{finished_id}"), 200)

            def submit() -> float:
                return _timed(
                    lambda: client.post("/v1/jobs", content=submission, headers=_JSON), 202
                )

            def validate_http() -> float:
                return _timed(
                    lambda: client.post(
                        "/v1/portfolios/validate",
                        content=large,
                        headers=_JSON,
                    ),
                    200,
                )

            _alternate(reference, get_job, 50)  # warm-up
            bare_get, api_get = _alternate(reference, get_job, args.requests)
            bare_get_2, api_get_finished = _alternate(reference, get_finished_job, args.requests)
            bare_post, api_post = _alternate(reference, submit, args.submissions)
            bare_body, api_post_2 = _alternate(reference_post, submit, args.submissions)
            in_process = []
            for _ in range(args.validations):
                started = time.perf_counter()
                result = validate_portfolio(large)
                in_process.append(time.perf_counter() - started)
                assert result.ok
            over_http = [validate_http() for _ in range(args.validations)]
    finally:
        shutil.rmtree(home, ignore_errors=True)

    ledger = "PostgreSQL" if args.database_url else "SQLite"
    broker = args.broker_url.split(":")[0] if args.broker_url else "filesystem"
    print(f"# API latency, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} CPUs, ledger {ledger}, broker {broker}")  # fmt: skip
    print()
    print("| measurement | optiplan median | bare median | ratio | target |")
    print("|---|---|---|---|---|")
    get_ratio, post_ratio = api_get / bare_get, api_post / bare_post
    print(
        f"| GET /v1/jobs/{{id}} ({args.requests} pairs) | {api_get * 1000:.2f} ms | "
        f"{bare_get * 1000:.2f} ms | {get_ratio:.2f} | <= 3: {_met(get_ratio <= 3)} |"
    )
    finished_ratio = api_get_finished / bare_get_2
    print(
        f"| GET /v1/jobs/{{id}} of a finished job ({args.requests} pairs) | "
        f"{api_get_finished * 1000:.2f} ms | {bare_get_2 * 1000:.2f} ms | {finished_ratio:.2f} "
        f"| <= 3: {_met(finished_ratio <= 3)} |"
    )
    print(
        f"| POST /v1/jobs, 150 tasks ({args.submissions} pairs) | {api_post * 1000:.2f} ms | "
        f"{bare_post * 1000:.2f} ms | {post_ratio:.2f} | <= 5: {_met(post_ratio <= 5)} |"
    )
    body_ratio = api_post_2 / bare_body
    print(
        f"| POST /v1/jobs, 150 tasks, against a bare POST of the same body "
        f"({args.submissions} pairs) | {api_post_2 * 1000:.2f} ms | {bare_body * 1000:.2f} ms "
        f"| {body_ratio:.2f} | (for reference) |"
    )
    local, http = statistics.median(in_process), statistics.median(over_http)
    print(
        f"| parse + validate 5,000 tasks ({len(large) / 1e6:.1f} MB), in-process "
        f"| {local:.3f} s | - | - | < 1 s: {_met(local < 1)} |"
    )
    print(
        f"| POST /v1/portfolios/validate, 5,000 tasks | {http:.3f} s | - | - "
        f"| < 1 s: {_met(http < 1)} |"
    )
    return 0


def _finished_job(client: httpx.Client, home: Path, args: argparse.Namespace) -> str:
    """Submit the demo portfolio and run its job here, as a worker would (the server has
    none); return its id once it succeeded with a plan that passes the checker."""
    portfolio = load_portfolio((EXAMPLES_DIR / "demo.json").read_bytes())
    body = {"portfolio": portfolio.model_dump(mode="json"), "options": {"time_limit_s": 5}}
    job_id = str(client.post("/v1/jobs", json=body).json()["id"])
    settings = Settings(home=home, database_url=args.database_url, broker_url=args.broker_url)
    engine = make_engine(settings.effective_database_url)
    try:
        execute_job(Ledger(engine), job_id, settings)
    finally:
        engine.dispose()
    job = client.get(f"/v1/jobs/{job_id}").json()
    if job["state"] != "succeeded":
        raise RuntimeError(f"the demo job ended {job['state']}: {job.get('error')}")
    require_checked(portfolio, Plan.model_validate(client.get(f"/v1/jobs/{job_id}/result").json()))
    return job_id


def _met(ok: bool) -> str:
    return "**met**" if ok else "**not met**"


if __name__ == "__main__":
    raise SystemExit(main())
