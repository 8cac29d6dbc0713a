"""The job ledger's tables (SQLAlchemy 2), its engine, and its migrations.

The ledger is the source of truth for jobs: the broker only carries job ids. Tables are
created and changed only by the Alembic revisions in ``workers/migrations``
(:func:`upgrade_database`), one linear history for the ledger's tables and the API's
(whose revision, ``0003_api_keys_portfolios``, sits between the ledger's); its head is
:data:`HEAD_REVISION`.
"""

from __future__ import annotations

import contextlib
import enum
import fcntl
import math
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pydantic_core
from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    bindparam,
    create_engine,
    event,
    exc,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool

#: The head revision of the migrations (a new revision chains after it).
HEAD_REVISION = "0006_jobs_tenant_state_index"
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Documents written and read whole (inputs, portfolios, events): ``json`` on PostgreSQL,
#: not ``jsonb`` (see migration 0005); text on SQLite.
JsonType = JSON()
#: Plans: ``jsonb`` on PostgreSQL, as status reads take one key (``->>``) of them.
KeyedJsonType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class JobState(enum.StrEnum):
    """Where a job is in its life."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


#: States a job never leaves.
FINAL_STATES = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})

#: The transaction-scoped advisory lock a tenant's submissions take turns on
#: (PostgreSQL). The two-key form never meets the single-key migration lock below; the
#: second key is the tenant's hash, so tenants whose names hash alike merely take turns.
LOCK_TENANT_SUBMISSIONS = text("SELECT pg_advisory_xact_lock(7312002, hashtext(:tenant))")


class Base(DeclarativeBase):
    """Declarative base of the ledger's tables."""

    type_annotation_map = {dict[str, Any]: JsonType}  # noqa: RUF012


class JobRow(Base):
    """One job: its input snapshot, state, attempts, result or error."""

    __tablename__ = "jobs"
    # The jobs-in-flight count and the job list filter by tenant and state.
    __table_args__ = (Index("ix_jobs_tenant_state", "tenant", "state"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[str | None] = mapped_column(
        String(36), ForeignKey("jobs.id", name="fk_jobs_parent_id"), nullable=True, index=True
    )
    # The stored portfolio (and its version) the job solved; null for an inline one. No
    # foreign key: a job outlives a deleted portfolio with its own input snapshot.
    portfolio_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    portfolio_version: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    queue: Mapped[str] = mapped_column(String(128))
    input: Mapped[dict[str, Any]] = mapped_column(JsonType)
    options: Mapped[dict[str, Any]] = mapped_column(JsonType)
    result: Mapped[dict[str, Any] | None] = mapped_column(KeyedJsonType, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    worker: Mapped[str | None] = mapped_column(String(255), nullable=True)
    run_token: Mapped[str | None] = mapped_column(String(36), nullable=True)
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    event_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    enqueued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


#: The states of a job that count against its tenant's jobs-in-flight limit.
IN_FLIGHT_STATES = (JobState.QUEUED.value, JobState.RUNNING.value)


def count_in_flight(tenant_parameter: str) -> Any:
    """``SELECT count(*)`` of a tenant's jobs queued or running; the tenant is the bound
    parameter of that name."""
    return (
        select(func.count())
        .select_from(JobRow)
        .where(
            JobRow.tenant == bindparam(tenant_parameter, None),
            JobRow.state.in_(IN_FLIGHT_STATES),
        )
    )


class JobEventRow(Base):
    """One event of a job (state change or solver progress), numbered per job from 1."""

    __tablename__ = "job_events"

    job_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JsonType)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL and a busy timeout: the CLI, the API and workers share one SQLite file."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 30000")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _throwaway_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """No journal on disk and no fsync: for a ledger nobody reads after the process."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode = MEMORY")
    cursor.execute("PRAGMA synchronous = OFF")
    cursor.close()


def _to_json(value: object) -> str:
    # pydantic-core's serialiser: a job's input snapshot (a whole portfolio) is written
    # on every submission, and the standard library's encoder takes about 2.5 x longer.
    return pydantic_core.to_json(value).decode()


def make_engine(url: str, *, durable: bool = True) -> Engine:
    """An engine for the ledger at ``url`` (SQLite files get WAL and a busy timeout).

    ``durable=False`` (SQLite only) skips the journal file and fsync: for the local
    runner's throw-away ledger, where a commit costing a disk flush would dominate a
    small solve.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            engine = create_engine(
                url,
                poolclass=StaticPool,
                connect_args={"check_same_thread": False},
                json_serializer=_to_json,
            )
        else:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 30}, json_serializer=_to_json)
        # Listen before the first connection: it stays in the pool, and without the
        # pragmas it would commit with synchronous = FULL (an fsync per commit) and no
        # foreign keys.
        event.listen(engine, "connect", _sqlite_pragmas)
        if not durable:
            event.listen(engine, "connect", _throwaway_pragmas)
        elif database not in ("", ":memory:"):
            with engine.connect() as connection:
                connection.exec_driver_sql("PRAGMA journal_mode = WAL")
        return engine
    engine = create_engine(url, pool_size=5, max_overflow=5, json_serializer=_to_json)
    _ping_idle_connections(engine)
    return engine


#: A pooled connection back in the pool for less than this is taken to be alive; one
#: idle for longer is pinged before use (HikariCP's "alive bypass window", 500 ms;
#: PgBouncer's server_check_delay is the same idea at 30 s).
PING_AFTER_IDLE_S = 0.5
_LAST_USED = "optiplan_last_used"


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a pooled connection before use only if it sat idle beyond the window.

    A ping before every use (SQLAlchemy's ``pool_pre_ping``) is a round trip on every
    request: on this machine 1.1 of the 6.5 ms a submission spends in the ledger. A
    connection used moments ago is alive unless the server went away in between, and
    then the statement fails, the pool's connections are dropped (SQLAlchemy does so on
    a disconnect, the pipelined submission too) and the request ends in a 503. A failed
    ping drops them as well and the pool retries on a new connection before anything is
    sent.
    """

    def stamp(_dbapi_connection: Any, record: Any, *_: Any) -> None:
        record.info[_LAST_USED] = time.monotonic()

    def check(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if getattr(dbapi_connection, "closed", False):  # the driver already knows
            raise exc.DisconnectionError("the connection is closed")
        if time.monotonic() - record.info.get(_LAST_USED, -math.inf) < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # as pool_pre_ping does: the server likely went away, and with it every
            # connection made before now
            raise exc.InvalidatePoolError(str(error)) from error

    event.listen(engine, "connect", stamp)
    event.listen(engine, "checkin", stamp)
    event.listen(engine, "checkout", check)


def single_reads(engine: Engine) -> Engine:
    """``engine`` for reads of one statement: on PostgreSQL in autocommit, so that a read
    costs one round trip instead of three (BEGIN, the query, ROLLBACK on check-in).

    One statement sees one snapshot either way. SQLite keeps its default (its
    connections may be shared between threads, and a read there costs no round trip).
    """
    if engine.dialect.name == "postgresql":
        return engine.execution_options(isolation_level="AUTOCOMMIT")
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """Serialise concurrent upgrades (several workers starting at once)."""
    backend = engine.url.get_backend_name()
    if backend == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(7312001)"))
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(7312001)"))
                connection.commit()
    elif backend == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        lock_path = Path(f"{engine.url.database}.migrate.lock")
        with lock_path.open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    else:
        yield


def upgrade_database(url: str | Engine, revision: str = "head") -> None:
    """Run ``alembic upgrade <revision>`` on the ledger at ``url`` (idempotent)."""
    engine = url if isinstance(url, Engine) else make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with _migration_lock(engine), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    if not isinstance(url, Engine):
        engine.dispose()
