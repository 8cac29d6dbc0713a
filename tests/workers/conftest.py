"""Fixtures of the jobs tests: a private PostgreSQL database per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from benchmarks.jobs import private_pg_database
from tests.workers.harness import require


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this session (skips if PostgreSQL is absent)."""
    require("postgresql")
    with private_pg_database() as url:
        yield url
