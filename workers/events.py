"""Publishing job events: Redis pub/sub when configured; otherwise listeners poll.

Every event is first persisted in the ledger (the source of truth); publishing only
wakes listeners early, so a lost publication costs latency, never an event.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

import redis

log = logging.getLogger(__name__)


def channel_name(job_id: str) -> str:
    """The pub/sub channel of a job's events."""
    return f"optiplan:job:{job_id}"


class Publisher(Protocol):
    """Tells listeners that a job has a new event."""

    def publish(self, job_id: str, event: dict[str, Any]) -> None:
        """Announce ``event`` (already in the ledger); must not raise."""


class NullPublisher:
    """No pub/sub: listeners poll the ledger."""

    def publish(self, job_id: str, event: dict[str, Any]) -> None:
        """Do nothing."""


class RedisPublisher:
    """Publishes each event as JSON on the job's channel."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)

    def publish(self, job_id: str, event: dict[str, Any]) -> None:
        """Publish; a Redis outage is logged and ignored (the ledger has the event)."""
        try:
            self.client.publish(channel_name(job_id), json.dumps(event, default=str))
        except redis.RedisError as error:
            log.warning("could not publish event of job %s: %s", job_id, error)


def make_publisher(redis_url: str | None) -> Publisher:
    """The publisher for the configured Redis, or a null one."""
    return RedisPublisher(redis_url) if redis_url else NullPublisher()
