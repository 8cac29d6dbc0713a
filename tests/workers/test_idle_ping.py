"""PostgreSQL engines ping a pooled connection only when it sat idle beyond the window."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

import workers.db
from benchmarks.jobs import private_pg_database
from tests.workers.harness import PG_ADMIN, require
from workers.db import make_engine, upgrade_database
from workers.ledger import Ledger

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


def test_the_window_is_half_a_second_of_idleness(
    engine_and_pings: tuple[Engine, list[Any]],
) -> None:
    """Back in the pool moments ago: used as it is; idle for more than 0.5 s: pinged."""
    engine, pinged = engine_and_pings
    with engine.connect() as connection:
        info = connection.connection.info  # the pooled connection's, kept while it lives
    _backend_pid(engine)
    assert pinged == []
    info[workers.db._LAST_USED] -= 0.6  # as if checked in 0.6 s ago
    _backend_pid(engine)
    assert len(pinged) == 1


def test_a_connection_the_driver_knows_is_closed_is_replaced_without_a_ping(
    engine_and_pings: tuple[Engine, list[Any]],
) -> None:
    engine, pinged = engine_and_pings
    with engine.connect() as connection:
        first = int(connection.scalar(text("SELECT pg_backend_pid()")))
        raw = connection.connection.driver_connection
    assert isinstance(raw, psycopg.Connection)
    raw.close()
    assert _backend_pid(engine) != first
    assert pinged == []


def test_a_submission_on_a_dead_connection_fails_once_and_the_next_gets_a_new_one(
    engine_and_pings: tuple[Engine, list[Any]],
) -> None:
    """The server dropped every connection moments after they were used: the pipelined
    submission on one of them fails; it drops the pool's others too, so the next
    submission does not take another dead one."""
    engine, _ = engine_and_pings
    upgrade_database(engine)
    ledger = Ledger(engine)
    assert ledger._pipelined is not None
    submit = functools.partial(
        ledger.create_job,
        tenant="acme",
        kind="schedule",
        queue="long",
        input_data={},
        options={},
        max_in_flight=10,
    )
    with engine.connect() as one, engine.connect() as two:  # two connections in the pool
        pids = [int(c.scalar(text("SELECT pg_backend_pid()"))) for c in (one, two)]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(DBAPIError):
        submit()
    submit()
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM jobs")) == 1
