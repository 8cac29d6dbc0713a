"""The Celery application, configured from :class:`workers.settings.Settings`.

JSON only (no pickle), late acknowledgement with prefetch 1 (a message is acknowledged
after its job is written, so a killed worker's job is delivered again), a queue for
long solves and one for short work, broker visibility timeout above the longest
allowed solve, and no result backend: results live in the job ledger.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu.entity import Exchange, Queue

from workers.settings import Settings

#: Name of the task that runs a job (the broker carries only its id).
RUN_JOB_TASK = "optiplan.run_job"


def _direct_queue(name: str) -> Queue:
    """A queue bound to its own direct exchange under its own name."""
    exchange = Exchange(name, type="direct")  # type: ignore[no-untyped-call]
    return Queue(name, exchange, routing_key=name)  # type: ignore[no-untyped-call]


def celery_config(settings: Settings) -> dict[str, Any]:
    """The Celery configuration for ``settings``."""
    transport_options: dict[str, Any] = {"visibility_timeout": settings.visibility_timeout_s}
    config: dict[str, Any] = {
        "broker_url": settings.effective_broker_url,
        "task_serializer": "json",
        "result_serializer": "json",
        "event_serializer": "json",
        "accept_content": ["json"],
        "result_accept_content": ["json"],
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "worker_concurrency": settings.concurrency,
        "task_queues": (
            _direct_queue(settings.long_queue),
            _direct_queue(settings.short_queue),
        ),
        "task_default_queue": settings.short_queue,
        "task_default_exchange": settings.short_queue,
        "task_default_routing_key": settings.short_queue,
        "task_routes": {RUN_JOB_TASK: {"queue": settings.long_queue}},
        "task_create_missing_queues": False,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        "broker_transport_options": transport_options,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
    }
    if settings.embedded:
        folder = settings.broker_dir
        for sub in ("queue", "processed", "control"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        transport_options.update(
            data_folder_in=str(folder / "queue"),
            data_folder_out=str(folder / "queue"),
            processed_folder=str(folder / "processed"),
            control_folder=str(folder / "control"),
            store_processed=False,
            polling_interval=0.05,
        )
        # The filesystem transport has no broadcast: no remote control, gossip, mingle.
        config["worker_enable_remote_control"] = False
    return config


def make_celery(settings: Settings) -> Celery:
    """A Celery app for ``settings`` (the producer side needs no task registration)."""
    app = Celery("optiplan", set_as_current=False)
    app.conf.update(celery_config(settings))
    return app


def send_run_job(
    app: Celery, job_id: str, queue: str, time_limit_s: float, margin_s: float
) -> None:
    """Send a job's id to ``queue`` with soft and hard limits above its solve limit."""
    app.send_task(
        RUN_JOB_TASK,
        args=[job_id],
        queue=queue,
        soft_time_limit=time_limit_s + margin_s,
        time_limit=time_limit_s + 2 * margin_s,
    )


def queue_size(app: Celery, queue: str) -> int:
    """Messages waiting in ``queue`` (0 if the broker does not know the queue)."""
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        try:
            declared = channel.queue_declare(queue=queue, passive=True)
        except Exception as error:  # the queue vanished, e.g. with a broker restart
            if "NOT_FOUND" in str(error) or "404" in str(error) or "no queue" in str(error):
                return 0
            raise
        return int(declared.message_count)
