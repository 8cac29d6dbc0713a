"""``python -m benchmarks.jobs``: the cost of going through the queue, and throughput.

1. Overhead: a tiny solve (3 tasks, one person) in-process through the local runner,
   then end to end through a real worker process (submit, queue, worker, ledger, wait),
   each the median of ``--repeat`` runs. Target: queue median <= 1.5 x in-process
   median + 100 ms.
2. Throughput: ``--jobs`` tiny jobs submitted at once, drained by one worker process,
   then by two, in the same run (jobs per second and the ratio).

Brokers: ``redis`` (Redis broker and pub/sub, PostgreSQL ledger in a fresh database
that is dropped afterwards) or ``embedded`` (filesystem transport, SQLite). Workers are
``optiplan worker --pool solo`` processes started and stopped by the benchmark. Every
plan is checked by the independent checker.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg

from models import Plan, Portfolio, load_portfolio
from models.checker import check_plan
from solver.options import SolveOptions
from workers.local import solve_locally
from workers.service import JobService
from workers.settings import Settings
from workers.worker import settings_environment

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"

TINY = {
    "id": "tiny",
    "start_date": "2027-01-04",
    "skills": [{"id": "dev"}],
    "people": [{"id": "ann", "skills": {"dev": 3}}],
    "projects": [
        {
            "id": "P",
            "tasks": [
                {
                    "id": "A",
                    "duration_days": 2,
                    "requirements": [{"kind": "person", "person": "ann"}],
                },
                {
                    "id": "B",
                    "duration_days": 3,
                    "requirements": [{"kind": "person", "person": "ann"}],
                },
                {"id": "C", "duration_days": 1, "dependencies": [{"task": "A"}, {"task": "B"}]},
            ],
        }
    ],
    "objectives": {"terms": [{"name": "makespan"}]},
}
OPTIONS = SolveOptions(time_limit_s=10, workers=1)


def optiplan_command() -> list[str]:
    """How to run the ``optiplan`` console script of this environment."""
    script = Path(sys.executable).parent / "optiplan"
    if script.exists():
        return [str(script)]
    found = shutil.which("optiplan")
    if found is None:
        raise RuntimeError("the optiplan console script is not installed")
    return [found]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require_checked(portfolio: Portfolio, plan: Plan | None) -> None:
    """Exit unless there is a plan and the independent checker accepts it."""
    if plan is None or not check_plan(portfolio, plan).report.ok:
        raise SystemExit("a plan failed the independent checker")


@contextlib.contextmanager
def private_pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database on the local server, dropped afterwards; yields its URL.

    The tests' harness uses it too.
    """
    name = f"optiplan_tmp_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _workers(settings: Settings, count: int, log_dir: Path) -> Iterator[None]:
    command = optiplan_command()
    processes = []
    try:
        for number in range(count):
            name = f"bench{number}-{uuid.uuid4().hex[:6]}@localhost"
            log = (log_dir / f"{name}.log").open("w")
            process = subprocess.Popen(
                [*command, "worker", "--pool", "solo", "--hostname", name],
                env=settings_environment(settings),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append((process, name, log))
        deadline = time.monotonic() + 60
        for _, name, _ in processes:
            while f"{name} ready." not in (log_dir / f"{name}.log").read_text():
                if time.monotonic() > deadline:
                    raise SystemExit(f"worker {name} did not start")
                time.sleep(0.1)
        yield
    finally:
        for process, _, log in processes:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _in_process_median(portfolio: Portfolio, repeat: int) -> float:
    solve_locally(portfolio, OPTIONS)  # warm-up
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        plan = solve_locally(portfolio, OPTIONS)
        times.append(time.perf_counter() - started)
        require_checked(portfolio, plan)
    return statistics.median(times)


def _queue_median(service: JobService, portfolio: Portfolio, repeat: int) -> float:
    job = service.submit_job("bench", "schedule", portfolio, OPTIONS)  # warm-up
    service.wait_for_job("bench", job.id, timeout_s=60)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        job = service.submit_job("bench", "schedule", portfolio, OPTIONS)
        final = service.wait_for_job("bench", job.id, timeout_s=60)
        times.append(time.perf_counter() - started)
        if final is None or final.state.value != "succeeded":
            raise SystemExit(f"job {job.id} did not succeed: {final}")
        require_checked(portfolio, service.get_result("bench", job.id))
    return statistics.median(times)


def _throughput(service: JobService, portfolio: Portfolio, jobs: int) -> float:
    started = time.perf_counter()
    submitted = [service.submit_job("bench", "schedule", portfolio, OPTIONS) for _ in range(jobs)]
    for job in submitted:
        final = service.wait_for_job("bench", job.id, timeout_s=600)
        if final is None or final.state.value != "succeeded":
            raise SystemExit(f"job {job.id} did not succeed: {final}")
    elapsed = time.perf_counter() - started
    for job in submitted:
        require_checked(portfolio, service.get_result("bench", job.id))
    return jobs / elapsed


def run(broker: str, repeat: int, jobs: int) -> dict[str, float]:
    """Measure; return the figures."""
    portfolio = load_portfolio(TINY)
    with (
        tempfile.TemporaryDirectory(prefix="optiplan-bench-") as home,
        contextlib.ExitStack() as stack,
    ):
        fields: dict[str, object] = {"home": home, "queue_prefix": f"bench{uuid.uuid4().hex[:8]}"}
        if broker == "redis":
            database = stack.enter_context(private_pg_database())
            fields.update(broker_url=REDIS_URL, redis_url=REDIS_URL, database_url=database)
        settings = Settings.model_validate(fields)
        service = JobService(settings)
        stack.callback(service.close)
        figures = {"in_process_median_s": _in_process_median(portfolio, repeat)}
        with _workers(settings, 1, Path(home)):
            figures["queue_median_s"] = _queue_median(service, portfolio, repeat)
            figures["jobs_per_s_1_worker"] = _throughput(service, portfolio, jobs)
        with _workers(settings, 2, Path(home)):
            figures["jobs_per_s_2_workers"] = _throughput(service, portfolio, jobs)
    figures["overhead_ratio"] = figures["queue_median_s"] / figures["in_process_median_s"]
    figures["target_s"] = 1.5 * figures["in_process_median_s"] + 0.1
    figures["throughput_ratio"] = figures["jobs_per_s_2_workers"] / figures["jobs_per_s_1_worker"]
    return figures


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jobs", description=__doc__)
    parser.add_argument("--broker", choices=["redis", "embedded"], default="redis")
    parser.add_argument("--repeat", type=int, default=50, help="runs per median")
    parser.add_argument("--jobs", type=int, default=100, help="jobs per throughput run")
    args = parser.parse_args(argv)
    figures = run(args.broker, args.repeat, args.jobs)
    met = figures["queue_median_s"] <= figures["target_s"]
    print(
        f"broker: {args.broker}; {args.repeat} runs per median; {args.jobs} jobs per throughput run"
    )
    print(f"in-process median        {figures['in_process_median_s'] * 1000:8.1f} ms")
    print(f"through the queue median {figures['queue_median_s'] * 1000:8.1f} ms")
    print(
        f"ratio {figures['overhead_ratio']:.2f}; target <= 1.5 x in-process + 100 ms = "
        f"{figures['target_s'] * 1000:.1f} ms: {'met' if met else 'NOT met'}"
    )
    print(f"throughput, 1 worker     {figures['jobs_per_s_1_worker']:8.2f} jobs/s")
    print(f"throughput, 2 workers    {figures['jobs_per_s_2_workers']:8.2f} jobs/s")
    print(f"2 workers / 1 worker     {figures['throughput_ratio']:8.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
