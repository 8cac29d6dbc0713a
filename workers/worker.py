"""Start a Celery worker process for the configured broker and ledger."""

from __future__ import annotations

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
