"""What the API keeps in the ledger's database: API keys and stored portfolios.

The tables live next to the job ledger (same database, same Alembic history: revision
``0003_api_keys_portfolios`` chains after the ledger's head). Every read and write is
scoped to a tenant; another tenant's portfolio is indistinguishable from a missing one.

API keys are ``op_<prefix>_<secret>``: the prefix (public, unique) finds the row, the
SHA-256 of the whole key is compared in constant time. Only the hash is stored, so a
key is shown once, when it is created.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    String,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from workers.db import Base, JobRow, JobState, JsonType, make_sessionmaker, utcnow
from workers.ledger import aware

KEY_PREFIX = "op_"
_TENANT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-"


class ApiKeyRow(Base):
    """One API key of a tenant (only the hash of the key is kept)."""

    __tablename__ = "api_keys"

    prefix: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class PortfolioRow(Base):
    """A stored portfolio: its latest version; every version is in ``portfolio_versions``."""

    __tablename__ = "portfolios"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    version: Mapped[int] = mapped_column(Integer)
    tasks: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class PortfolioVersionRow(Base):
    """One version of a stored portfolio, numbered from 1."""

    __tablename__ = "portfolio_versions"

    portfolio_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("portfolios.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JsonType)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


# ----------------------------------------------------------------------------- keys
def hash_key(key: str) -> str:
    """SHA-256 hex digest of an API key (keys are 190 random bits: no salt needed)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def split_key(key: str) -> str | None:
    """The lookup prefix of a well-formed key, else None."""
    parts = key.split("_")
    if len(parts) != 3 or f"{parts[0]}_" != KEY_PREFIX or len(parts[1]) != 12:
        return None
    return parts[1]


def check_key_prefix(prefix: str) -> str:
    """Return ``prefix`` if it has the form of a key's prefix (12 hex digits); else raise."""
    if len(prefix) != 12 or any(char not in "0123456789abcdef" for char in prefix):
        raise ValueError(
            f"{prefix!r} is not a key prefix: a prefix is the 12 hex digits after 'op_' in "
            "a key, as `optiplan keys list` shows them"
        )
    return prefix


def check_tenant_name(tenant: str) -> str:
    """Return ``tenant`` if it is 1-64 letters, digits, '.', '_' or '-'; else raise."""
    if not 1 <= len(tenant) <= 64 or any(char not in _TENANT_CHARS for char in tenant):
        raise ValueError(f"tenant name {tenant!r} must be 1-64 letters, digits, '.', '_' or '-'")
    return tenant


@dataclass(frozen=True)
class KeyInfo:
    """An API key as an administrator sees it: never the secret, nor its hash."""

    prefix: str
    tenant: str
    created_at: datetime
    revoked_at: datetime | None


def _key_info(row: ApiKeyRow) -> KeyInfo:
    created = aware(row.created_at)
    assert created is not None
    return KeyInfo(
        prefix=row.prefix, tenant=row.tenant, created_at=created, revoked_at=aware(row.revoked_at)
    )


class KeyStore:
    """Creates, lists and revokes API keys, and resolves a presented key to its tenant.

    Verified keys are remembered for ``cache_s`` seconds, so that a busy client does not
    cost a database read per request. The price: a key revoked by another process (say
    ``optiplan keys revoke``) still works here until its entry expires, within
    ``cache_s``.
    """

    def __init__(self, engine: Engine, cache_s: float = 30.0) -> None:
        self.sessions = make_sessionmaker(engine)
        self.cache_s = cache_s
        self._cache: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def create_key(self, tenant: str) -> str:
        """Create a key for ``tenant`` and return it (the only time it is visible)."""
        check_tenant_name(tenant)
        prefix = secrets.token_hex(6)
        key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(24).replace('_', 'x')}"
        with self.sessions.begin() as session:
            session.add(
                ApiKeyRow(prefix=prefix, tenant=tenant, key_hash=hash_key(key), created_at=utcnow())
            )
        return key

    def cached_tenant(self, key: str) -> str | None:
        """The tenant of ``key`` if it was verified within ``cache_s`` (no database read)."""
        with self._lock:
            cached = self._cache.get(hash_key(key))
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        return None

    def tenant_of(self, key: str) -> str | None:
        """The tenant of a valid, unrevoked key, else None."""
        cached = self.cached_tenant(key)
        if cached is not None:
            return cached
        digest = hash_key(key)
        now = time.monotonic()
        prefix = split_key(key)
        if prefix is None:
            return None
        with self.sessions() as session:
            row = session.get(ApiKeyRow, prefix)
            if row is None or row.revoked_at is not None:
                return None
            if not hmac.compare_digest(row.key_hash, digest):
                return None
            tenant = row.tenant
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[digest] = (tenant, now + self.cache_s)
        return tenant

    def list_keys(self, tenant: str | None = None, *, revoked: bool = False) -> list[KeyInfo]:
        """The keys (only ``tenant``'s when given) by tenant, oldest first; revoked keys
        too with ``revoked``."""
        query = select(ApiKeyRow).order_by(ApiKeyRow.tenant, ApiKeyRow.created_at)
        if tenant is not None:
            query = query.where(ApiKeyRow.tenant == tenant)
        if not revoked:
            query = query.where(ApiKeyRow.revoked_at.is_(None))
        with self.sessions() as session:
            return [_key_info(row) for row in session.scalars(query)]

    def get_key(self, prefix: str) -> KeyInfo | None:
        """The key with ``prefix`` (revoked or not), or None."""
        with self.sessions() as session:
            row = session.get(ApiKeyRow, prefix)
            return None if row is None else _key_info(row)

    def revoke_key(self, prefix: str) -> bool:
        """Revoke the key with ``prefix``; False if there is no such key not yet revoked.

        The row stays, with ``revoked_at`` set, as a record of the key. This store
        refuses the key at once; other processes once their cache entry expires.
        """
        with self.sessions.begin() as session:
            key_hash = session.execute(
                update(ApiKeyRow)
                .where(ApiKeyRow.prefix == prefix, ApiKeyRow.revoked_at.is_(None))
                .values(revoked_at=utcnow())
                .returning(ApiKeyRow.key_hash)
                .execution_options(synchronize_session=False)
            ).scalar_one_or_none()
        if key_hash is None:
            return False
        with self._lock:  # the cache is keyed by the key's hash
            self._cache.pop(key_hash, None)
        return True

    def has_keys(self) -> bool:
        """True when at least one unrevoked key exists."""
        with self.sessions() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(ApiKeyRow)
                    .where(ApiKeyRow.revoked_at.is_(None))
                )
                or 0
            ) > 0


# ----------------------------------------------------------------------------- portfolios
@dataclass(frozen=True)
class StoredPortfolio:
    """A stored portfolio as read from the database."""

    id: str
    name: str | None
    version: int
    tasks: int
    created_at: datetime
    updated_at: datetime
    document: dict[str, Any] | None  # None in listings


def _stored(row: PortfolioRow, *, with_document: bool) -> StoredPortfolio:
    created, updated = aware(row.created_at), aware(row.updated_at)
    assert created is not None and updated is not None
    return StoredPortfolio(
        id=row.id,
        name=row.name,
        version=row.version,
        tasks=row.tasks,
        created_at=created,
        updated_at=updated,
        document=row.document if with_document else None,
    )


def _name_and_tasks(document: dict[str, Any]) -> tuple[str | None, int]:
    name = document.get("name") or document.get("id")
    tasks = sum(len(project.get("tasks", [])) for project in document.get("projects", []))
    return (None if name is None else str(name)[:500]), tasks


class PortfolioStore:
    """Tenant-scoped, versioned storage of valid portfolios."""

    def __init__(self, engine: Engine) -> None:
        self.sessions = make_sessionmaker(engine)

    def create(self, tenant: str, document: dict[str, Any]) -> StoredPortfolio:
        """Store a new portfolio as version 1."""
        now = utcnow()
        name, tasks = _name_and_tasks(document)
        row = PortfolioRow(
            id=str(uuid.uuid4()),
            tenant=tenant,
            name=name,
            version=1,
            tasks=tasks,
            document=document,
            created_at=now,
            updated_at=now,
        )
        with self.sessions.begin() as session:
            session.add(row)
            session.flush()
            session.add(
                PortfolioVersionRow(
                    portfolio_id=row.id, version=1, document=document, created_at=now
                )
            )
        return _stored(row, with_document=True)

    def get(self, tenant: str, portfolio_id: str) -> StoredPortfolio | None:
        """The latest version, or None (unknown, or another tenant's)."""
        with self.sessions() as session:
            row = session.get(PortfolioRow, portfolio_id)
            if row is None or row.tenant != tenant:
                return None
            return _stored(row, with_document=True)

    def get_version(self, tenant: str, portfolio_id: str, version: int) -> StoredPortfolio | None:
        """One version of the tenant's portfolio, or None."""
        with self.sessions() as session:
            row = session.get(PortfolioRow, portfolio_id)
            if row is None or row.tenant != tenant:
                return None
            old = session.get(PortfolioVersionRow, (portfolio_id, version))
            if old is None:
                return None
            name, tasks = _name_and_tasks(old.document)
            created, at = aware(row.created_at), aware(old.created_at)
            assert created is not None and at is not None
            return StoredPortfolio(
                id=row.id,
                name=name,
                version=old.version,
                tasks=tasks,
                created_at=created,
                updated_at=at,
                document=old.document,
            )

    def replace(
        self, tenant: str, portfolio_id: str, document: dict[str, Any]
    ) -> StoredPortfolio | None:
        """Store ``document`` as the next version; None if there is no such portfolio."""
        now = utcnow()
        name, tasks = _name_and_tasks(document)
        with self.sessions.begin() as session:
            version = session.execute(
                update(PortfolioRow)
                .where(PortfolioRow.id == portfolio_id, PortfolioRow.tenant == tenant)
                .values(
                    version=PortfolioRow.version + 1,
                    name=name,
                    tasks=tasks,
                    document=document,
                    updated_at=now,
                )
                .returning(PortfolioRow.version)
            ).scalar_one_or_none()
            if version is None:
                return None
            session.add(
                PortfolioVersionRow(
                    portfolio_id=portfolio_id, version=version, document=document, created_at=now
                )
            )
            row = session.get(PortfolioRow, portfolio_id)
            assert row is not None
            session.refresh(row)
            return _stored(row, with_document=True)

    def delete(self, tenant: str, portfolio_id: str) -> bool:
        """Delete the portfolio and all its versions; False if there is no such portfolio."""
        with self.sessions.begin() as session:
            owned = session.scalar(
                select(PortfolioRow.id).where(
                    PortfolioRow.id == portfolio_id, PortfolioRow.tenant == tenant
                )
            )
            if owned is None:
                return False
            session.execute(
                delete(PortfolioVersionRow).where(PortfolioVersionRow.portfolio_id == portfolio_id)
            )
            session.execute(delete(PortfolioRow).where(PortfolioRow.id == portfolio_id))
            return True

    def list(
        self, tenant: str, *, limit: int = 50, offset: int = 0
    ) -> tuple[list[StoredPortfolio], int]:
        """A page of the tenant's portfolios (newest change first) and their total count."""
        query = select(PortfolioRow).where(PortfolioRow.tenant == tenant)
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(PortfolioRow.updated_at.desc(), PortfolioRow.id)
                .limit(limit)
                .offset(offset)
            ).all()
            return [_stored(row, with_document=False) for row in rows], total


# ----------------------------------------------------------------------------- limits
def seconds_until_a_slot(engine: Engine, tenant: str) -> float | None:
    """Seconds until the tenant's first running job reaches its solve time limit (None if
    none is running): a fair Retry-After for a tenant at its jobs-in-flight limit."""
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        rows = session.execute(
            select(JobRow.started_at, JobRow.options).where(
                JobRow.tenant == tenant, JobRow.state == JobState.RUNNING.value
            )
        ).all()
    now = utcnow()
    ends = []
    for started_at, options in rows:
        started = aware(started_at)
        if started is not None:
            limit = float(options.get("time_limit_s", 0))
            ends.append(max(0.0, limit - (now - started).total_seconds()))
    return min(ends) if ends else None
