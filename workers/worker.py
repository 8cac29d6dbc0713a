"""Start a Celery worker process for the configured broker and ledger."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from workers.db import upgrade_database
from workers.settings import Settings, get_settings


def worker_argv(
    settings: Settings,
    *,
    queues: list[str] | None = None,
    concurrency: int | None = None,
    pool: str | None = None,
    hostname: str | None = None,
    loglevel: str = "info",
) -> list[str]:
    """The ``celery worker`` arguments for ``settings``."""
    argv = [
        "worker",
        f"--loglevel={loglevel}",
        "--queues",
        ",".join(queues or [settings.long_queue, settings.short_queue]),
        f"--concurrency={concurrency or settings.concurrency}",
    ]
    if pool:
        argv += ["--pool", pool]
    if hostname:
        argv += ["--hostname", hostname]
    if settings.embedded:  # no broadcast on the filesystem transport
        argv += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
    return argv


def run_worker(
    *,
    queues: list[str] | None = None,
    concurrency: int | None = None,
    pool: str | None = None,
    hostname: str | None = None,
    loglevel: str = "info",
) -> None:
    """Migrate the ledger, then run a worker in this process until it is stopped."""
    from workers.tasks import app  # noqa: PLC0415 - builds the app from the environment

    settings = get_settings()
    upgrade_database(settings.effective_database_url)
    app.worker_main(
        worker_argv(
            settings,
            queues=queues,
            concurrency=concurrency,
            pool=pool,
            hostname=hostname,
            loglevel=loglevel,
        )
    )


def settings_environment(settings: Settings) -> dict[str, str]:
    """This process's environment with ``settings`` as ``OPTIPLAN_*`` variables."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("OPTIPLAN_")}
    for name, value in settings.model_dump().items():
        if value is not None:
            env[f"OPTIPLAN_{name.upper()}"] = str(value)
    return env


def start_worker_process(
    settings: Settings | None = None,
    *,
    concurrency: int | None = None,
    pool: str | None = None,
    hostname: str | None = None,
    log_file: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start a real Celery worker as a child process (e.g. for ``optiplan serve``).

    The caller owns the process: stop it with SIGTERM (it finishes its running job) and
    wait for it. Its output goes to ``log_file`` (or is discarded).
    """
    settings = settings or get_settings()
    upgrade_database(settings.effective_database_url)
    output = log_file.open("ab") if log_file is not None else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "--app",
                "workers.tasks",
                *worker_argv(settings, concurrency=concurrency, pool=pool, hostname=hostname),
            ],
            env=settings_environment(settings),
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    finally:
        if log_file is not None and not isinstance(output, int):
            output.close()
