"""PostgreSQL engines ping a pooled connection only when it sat idle beyond the window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text

import workers.db
from benchmarks.jobs import private_pg_database
from tests.workers.harness import PG_ADMIN, require
from workers.db import make_engine

pytestmark = pytest.mark.services


@pytest.fixture
def engine_and_pings(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, list[Any]]]:
    """An engine on a fresh database whose pings are recorded."""
    require("postgresql")
    with private_pg_database() as url:
        engine = make_engine(url)
        pinged: list[Any] = []
        ping = engine.dialect.do_ping

        def recorded(dbapi_connection: Any) -> bool:
            pinged.append(dbapi_connection)
            return ping(dbapi_connection)

        monkeypatch.setattr(engine.dialect, "do_ping", recorded)
        try:
            yield engine, pinged
        finally:
            engine.dispose()


def _backend_pid(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT pg_backend_pid()")))


def test_a_connection_back_within_the_window_is_used_without_a_ping(
    engine_and_pings: tuple[Engine, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, pinged = engine_and_pings
    monkeypatch.setattr(workers.db, "PING_AFTER_IDLE_S", 60.0)
    first = _backend_pid(engine)
    assert [_backend_pid(engine) for _ in range(3)] == [first] * 3
    assert pinged == []


def test_a_dead_connection_idle_beyond_the_window_is_replaced_before_use(
    engine_and_pings: tuple[Engine, list[Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, pinged = engine_and_pings
    first = _backend_pid(engine)
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (first,))
    monkeypatch.setattr(workers.db, "PING_AFTER_IDLE_S", 0.0)
    second = _backend_pid(engine)
    assert second != first
    # With no window every checkout pings: the dead connection, then its replacement.
    assert len(pinged) == 2
    assert pinged[0] is not pinged[1]
