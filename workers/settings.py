"""Settings of the jobs layer, read from ``OPTIPLAN_*`` environment variables.

With nothing set, optiplan runs the *embedded default*: a Celery worker on kombu's
filesystem transport and a SQLite ledger, both under :attr:`Settings.home`, so a fresh
machine needs nothing but Python. A real deployment sets ``OPTIPLAN_BROKER_URL``
(Redis or RabbitMQ), ``OPTIPLAN_DATABASE_URL`` (PostgreSQL) and, for live progress
without polling, ``OPTIPLAN_REDIS_URL``.
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "optiplan"


class Settings(BaseSettings):
    """Where jobs are queued and stored, and the limits that apply to them."""

    model_config = SettingsConfigDict(env_prefix="OPTIPLAN_", extra="ignore", frozen=True)

    home: Path = Field(
        default_factory=_default_home,
        description="Data directory of the embedded default (filesystem broker, SQLite).",
    )
    broker_url: str | None = Field(
        None,
        description="Celery broker, e.g. redis://host:6379/0 or amqp://user:pw@host:5672//; "
        "default: kombu's filesystem transport under `home`.",
    )
    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL of the job ledger, e.g. "
        "postgresql+psycopg://user@host/optiplan; default: SQLite under `home`.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis for publishing progress events (pub/sub); without it, "
        "listeners poll the ledger.",
    )
    queue_prefix: str = Field(
        "optiplan", description="Prefix of the queue names: `<prefix>.long`, `<prefix>.short`."
    )
    max_solve_time_s: float = Field(
        3600.0, gt=0, description="Longest solve time limit a job may ask for."
    )
    time_limit_margin_s: float = Field(
        60.0, gt=0, description="Soft task time limit = the job's solve limit + this margin."
    )
    concurrency: int = Field(1, ge=1, le=256, description="Worker processes per worker.")
    heartbeat_timeout_s: float = Field(
        30.0, gt=0, description="A running job silent this long is taken to be orphaned."
    )
    recovery_interval_s: float = Field(
        10.0, gt=0, description="How often each worker looks for orphaned or lost jobs."
    )
    requeue_after_s: float = Field(
        10.0,
        ge=0,
        description="A queued job this old is sent again if its queue is empty (lost message).",
    )
    cancel_poll_s: float = Field(
        0.5,
        gt=0,
        description="How often a running job reports it is alive and looks for a cancel request.",
    )
    event_poll_s: float = Field(
        0.05, gt=0, description="Polling period of listeners when no Redis pub/sub is set."
    )
    progress_interval_s: float = Field(
        0.5, ge=0, description="Least time between two persisted progress events of a job."
    )
    max_lost_attempts: int = Field(
        3,
        ge=1,
        description="A job whose worker is lost in this many attempts fails (a job that "
        "crashes its worker is not run forever).",
    )
    max_retries: int = Field(
        5, ge=0, description="Retries of a job after infrastructure faults (with backoff)."
    )

    @property
    def embedded(self) -> bool:
        """True when no broker is configured (the filesystem transport is used)."""
        return self.broker_url is None or self.broker_url.startswith("filesystem")

    @property
    def broker_dir(self) -> Path:
        """Folder of the filesystem transport's messages."""
        return self.home / "broker"

    @property
    def effective_broker_url(self) -> str:
        """The broker URL Celery gets."""
        return self.broker_url or "filesystem://"

    @property
    def effective_database_url(self) -> str:
        """The SQLAlchemy URL of the ledger."""
        return self.database_url or f"sqlite:///{self.home / 'optiplan.db'}"

    @property
    def long_queue(self) -> str:
        """Queue of solves."""
        return f"{self.queue_prefix}.long"

    @property
    def short_queue(self) -> str:
        """Queue of short work (gathering fan-out results)."""
        return f"{self.queue_prefix}.short"

    @property
    def visibility_timeout_s(self) -> int:
        """Broker visibility timeout: above the hard time limit of the longest solve."""
        return int(self.max_solve_time_s + 3 * self.time_limit_margin_s)


@functools.cache
def get_settings() -> Settings:
    """The settings of this process, read once from the environment."""
    return Settings()
