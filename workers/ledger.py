"""Operations on the job ledger: every state change of a job is one guarded UPDATE.

A job is *claimed* by one attempt at a time (a fresh ``run_token``); only the holder of
the token may write progress as the runner or the result. That is what makes a
re-delivered message harmless: a second delivery of a finished job finds it final, a
second delivery of a running job finds its heartbeat fresh, and either way it does
nothing. A job whose worker died (heartbeat stale) is claimed again by the next delivery
or re-queued by the recovery sweep (:mod:`workers.recovery`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from workers.db import (
    FINAL_STATES,
    LOCK_TENANT_SUBMISSIONS,
    JobEventRow,
    JobRow,
    JobState,
    count_in_flight,
    make_sessionmaker,
    single_reads,
    utcnow,
)
from workers.pg_submit import PipelinedSubmission, pipelines


def aware(moment: datetime | None) -> datetime | None:
    """``moment`` with UTC attached if the database returned it naive (SQLite)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class TooManyJobsError(Exception):
    """The tenant already has as many jobs queued or running as it may have.

    Attributes
    ----------
    tenant
        The tenant whose job was refused.
    in_flight
        Its jobs queued or running when the job was refused.
    limit
        The most it may have.
    """

    def __init__(self, tenant: str, in_flight: int, limit: int) -> None:
        super().__init__(
            f"tenant {tenant!r} has {in_flight} jobs queued or running; the limit is {limit}"
        )
        self.tenant = tenant
        self.in_flight = in_flight
        self.limit = limit


@dataclass(frozen=True)
class Heartbeat:
    """What a running attempt learns when it reports it is alive."""

    owned: bool  # False: the job is no longer this attempt's (finished or reclaimed)
    cancel_requested: bool


def _update_jobs() -> Any:
    """``UPDATE jobs``; loaded objects are refreshed explicitly, not evaluated in Python
    (SQLite returns naive datetimes, which cannot be compared with aware ones)."""
    return update(JobRow).execution_options(synchronize_session=False)


def _rowcount(result: Any) -> int:
    """Rows matched by an UPDATE (``CursorResult.rowcount``)."""
    return int(result.rowcount)


def _not_final() -> Any:
    """The condition "the job is not in a final state"."""
    return JobRow.state.not_in([s.value for s in FINAL_STATES])


def _held(job_id: str, token: str) -> tuple[Any, ...]:
    """The conditions "the job is running and this attempt (``token``) holds it"."""
    return (
        JobRow.id == job_id,
        JobRow.run_token == token,
        JobRow.state == JobState.RUNNING.value,
    )


def _set_columns(row: JobRow | JobEventRow) -> dict[str, Any]:
    """The columns set on a new (transient) row: what an ORM flush would insert."""
    return {key: value for key, value in vars(row).items() if not key.startswith("_sa_")}


# Built once: a statement object caches its compiled form, and with the values given
# as parameters (not ``.values(...)``) every submission reuses it.
_INSERT_JOB = insert(JobRow)
_INSERT_EVENT = insert(JobEventRow)
_COUNT_IN_FLIGHT = count_in_flight("tenant")


def _take_turns(connection: Connection, tenant: str) -> None:
    """Make the tenant's submissions take turns until this transaction ends, so that a
    count of its jobs stays true until the new job is inserted.

    Must be the transaction's first statement: SQLite cannot turn a transaction that has
    begun into ``BEGIN IMMEDIATE``.
    """
    dialect = connection.dialect.name
    if dialect == "postgresql":
        # Under READ COMMITTED (the engine's default) each statement reads a fresh
        # snapshot, so the count after the lock sees the jobs of the previous holder.
        connection.execute(LOCK_TENANT_SUBMISSIONS, {"tenant": tenant})
    elif dialect == "sqlite":
        # pysqlite (legacy transaction control) opens a deferred transaction only before
        # the INSERT, so the count would run outside it; take the write lock up front.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        raise NotImplementedError(
            f"the jobs-in-flight limit needs SQLite or PostgreSQL, not {dialect}"
        )


def _queued_job(
    *,
    tenant: str,
    kind: str,
    queue: str,
    input_data: dict[str, Any],
    options: dict[str, Any],
    now: datetime,
    job_id: str | None = None,
    parent_id: str | None = None,
    portfolio_id: str | None = None,
    portfolio_version: int | None = None,
) -> tuple[JobRow, JobEventRow]:
    """A new job row in state ``queued`` and its first event (neither added to a session)."""
    job = JobRow(
        id=job_id or str(uuid.uuid4()),
        tenant=tenant,
        parent_id=parent_id,
        portfolio_id=portfolio_id,
        portfolio_version=portfolio_version,
        kind=kind,
        state=JobState.QUEUED.value,
        queue=queue,
        input=input_data,
        options=options,
        attempts=0,
        cancel_requested=False,
        event_count=1,
        created_at=now,
        enqueued_at=now,
    )
    event = JobEventRow(job_id=job.id, seq=1, at=now, kind="state", data={"state": "queued"})
    return job, event


#: The job's columns a status read needs (not the input snapshot, not the result).
STATUS_COLUMNS = (
    JobRow.id,
    JobRow.tenant,
    JobRow.kind,
    JobRow.parent_id,
    JobRow.portfolio_id,
    JobRow.portfolio_version,
    JobRow.state,
    JobRow.attempts,
    JobRow.worker,
    JobRow.cancel_requested,
    JobRow.created_at,
    JobRow.started_at,
    JobRow.finished_at,
    JobRow.options,
    JobRow.error,
)


class Ledger:
    """The job ledger on one database engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = make_sessionmaker(engine)
        self.reads = single_reads(engine)
        # PostgreSQL (psycopg with a libpq that has pipeline mode, 14 or later):
        # submissions within a limit go out in one round trip.
        self._pipelined = PipelinedSubmission(engine) if pipelines(engine) else None

    # ------------------------------------------------------------------ creation, reads
    def create_job(
        self,
        *,
        tenant: str,
        kind: str,
        queue: str,
        input_data: dict[str, Any],
        options: dict[str, Any],
        portfolio_id: str | None = None,
        portfolio_version: int | None = None,
        max_in_flight: int | None = None,
    ) -> JobRow:
        """Write a new job in state ``queued`` (with its first event) and return it.

        ``portfolio_id`` and ``portfolio_version`` record the stored portfolio the input
        snapshot was taken from (None for an inline portfolio).

        With ``max_in_flight``, the tenant's queued and running jobs are counted in the
        same transaction as the insert, with the tenant's submissions taking turns
        (PostgreSQL: a transaction-scoped advisory lock on the tenant; SQLite: the write
        lock, ``BEGIN IMMEDIATE``), so that simultaneous submissions cannot overshoot.

        Raises
        ------
        TooManyJobsError
            The tenant already has ``max_in_flight`` jobs queued or running.
        """
        job, event = _queued_job(
            tenant=tenant,
            kind=kind,
            queue=queue,
            input_data=input_data,
            options=options,
            now=utcnow(),
            portfolio_id=portfolio_id,
            portfolio_version=portfolio_version,
        )
        if max_in_flight is not None and self._pipelined is not None:
            refused_at = self._pipelined.write(job, event, max_in_flight)
            if refused_at is not None:
                raise TooManyJobsError(tenant, refused_at, max_in_flight)
            return job
        # Core inserts on a connection: the ORM's unit of work (two flushes, the job
        # before its event) cost more than the statements for this one-row write.
        with self.engine.begin() as connection:
            if max_in_flight is not None:
                _take_turns(connection, tenant)
                in_flight = connection.scalar(_COUNT_IN_FLIGHT, {"tenant": tenant}) or 0
                if in_flight >= max_in_flight:
                    raise TooManyJobsError(tenant, in_flight, max_in_flight)
            connection.execute(_INSERT_JOB, _set_columns(job))
            connection.execute(_INSERT_EVENT, _set_columns(event))
        return job

    def create_batch(
        self,
        *,
        tenant: str,
        kind: str,
        queue: str,
        child_queue: str,
        children: list[tuple[str, str, dict[str, Any], dict[str, Any]]],
        options: dict[str, Any],
    ) -> tuple[JobRow, list[JobRow]]:
        """Write a parent job and its children (label, kind, input, options), all queued."""
        now = utcnow()
        parent_id = str(uuid.uuid4())
        queued = [
            _queued_job(
                tenant=tenant,
                parent_id=parent_id,
                kind=child_kind,
                queue=child_queue,
                input_data=child_input,
                options=child_options,
                now=now,
            )
            for _, child_kind, child_input, child_options in children
        ]
        rows = [row for row, _ in queued]
        parent, parent_event = _queued_job(
            job_id=parent_id,
            tenant=tenant,
            kind=kind,
            queue=queue,
            input_data={
                "children": [
                    {"label": label, "job_id": row.id}
                    for (label, _, _, _), row in zip(children, rows, strict=True)
                ]
            },
            options=options,
            now=now,
        )
        with self.sessions.begin() as session:
            session.add(parent)
            session.flush()
            session.add_all(rows)
            session.flush()
            session.add_all([parent_event, *(event for _, event in queued)])
        return parent, rows

    def children(self, parent_id: str) -> list[JobRow]:
        """The parent's children in the order they were submitted."""
        with self.sessions() as session:
            parent = session.get(JobRow, parent_id)
            if parent is None:
                return []
            order = [item["job_id"] for item in parent.input.get("children", [])]
            rows = {
                row.id: row
                for row in session.scalars(select(JobRow).where(JobRow.parent_id == parent_id))
            }
            return [rows[job_id] for job_id in order if job_id in rows]

    def pending_children(self, parent_id: str) -> int:
        """How many of the parent's children are not final yet."""
        with self.sessions() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(JobRow)
                    .where(
                        JobRow.parent_id == parent_id,
                        _not_final(),
                    )
                )
                or 0
            )

    def finish_gathered(
        self, parent_id: str, state: JobState, result: dict[str, Any], error: str | None
    ) -> bool:
        """Write a parent's gathered result once (False if it is already final)."""
        with self.sessions.begin() as session:
            return self._transition(
                session,
                parent_id,
                (JobRow.id == parent_id, _not_final()),
                {"state": state.value, "result": result, "error": error, "finished_at": utcnow()},
                {"state": state.value},
            )

    def gatherable(self, kind: str) -> list[str]:
        """Parents of ``kind`` that are not final although all their children are."""
        child = aliased(JobRow)
        with self.sessions() as session:
            pending_child = (
                select(child.id)
                .where(
                    child.parent_id == JobRow.id,
                    child.state.not_in([s.value for s in FINAL_STATES]),
                )
                .exists()
            )
            return list(
                session.scalars(
                    select(JobRow.id).where(
                        JobRow.kind == kind,
                        _not_final(),
                        ~pending_child,
                    )
                ).all()
            )

    def get(self, job_id: str, tenant: str | None = None) -> JobRow | None:
        """The job, if it exists (and belongs to ``tenant`` when given)."""
        with self.sessions() as session:
            job = session.get(JobRow, job_id)
            if job is None or (tenant is not None and job.tenant != tenant):
                return None
            return job

    def status(self, job_id: str, tenant: str | None = None) -> Any | None:
        """What a status read shows of the job, in one query, or None (unknown job, or
        not ``tenant``'s when given).

        A row with the columns of :data:`STATUS_COLUMNS`, ``plan_status`` (the result's
        ``status``, not the whole result) and ``progress`` (the data of the latest
        ``progress`` event, or None): neither the input snapshot nor the result is read.
        """
        progress = (
            select(JobEventRow.data)
            .where(JobEventRow.job_id == JobRow.id, JobEventRow.kind == "progress")
            .order_by(JobEventRow.seq.desc())
            .limit(1)
            .correlate(JobRow)
            .scalar_subquery()
        )
        query = select(
            *STATUS_COLUMNS,
            JobRow.result["status"].as_string().label("plan_status"),
            progress.label("progress"),
        ).where(JobRow.id == job_id)
        if tenant is not None:
            query = query.where(JobRow.tenant == tenant)
        with self.reads.connect() as connection:
            return connection.execute(query).first()

    def list_jobs(
        self,
        tenant: str,
        *,
        state: str | None = None,
        kind: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[JobRow], int]:
        """A page of the tenant's jobs, newest first, and the total count."""
        query = select(JobRow).where(JobRow.tenant == tenant)
        if state is not None:
            query = query.where(JobRow.state == state)
        if kind is not None:
            query = query.where(JobRow.kind == kind)
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows = session.scalars(
                query.order_by(JobRow.created_at.desc(), JobRow.id).limit(limit).offset(offset)
            ).all()
            return list(rows), total

    def events_after(self, job_id: str, after_seq: int = 0) -> list[JobEventRow]:
        """The job's events with ``seq > after_seq``, in order."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(JobEventRow)
                    .where(JobEventRow.job_id == job_id, JobEventRow.seq > after_seq)
                    .order_by(JobEventRow.seq)
                ).all()
            )

    def latest_event(self, job_id: str, kind: str) -> JobEventRow | None:
        """The job's last event of ``kind``."""
        with self.sessions() as session:
            return session.scalars(
                select(JobEventRow)
                .where(JobEventRow.job_id == job_id, JobEventRow.kind == kind)
                .order_by(JobEventRow.seq.desc())
                .limit(1)
            ).first()

    # ------------------------------------------------------------------ events
    def add_event(self, job_id: str, kind: str, data: dict[str, Any]) -> JobEventRow:
        """Append an event; its ``seq`` comes from the job row (locked), so it is dense."""
        with self.sessions.begin() as session:
            return self._add_event(session, job_id, kind, data)

    @staticmethod
    def _add_event(session: Any, job_id: str, kind: str, data: dict[str, Any]) -> JobEventRow:
        seq = session.execute(
            _update_jobs()
            .where(JobRow.id == job_id)
            .values(event_count=JobRow.event_count + 1)
            .returning(JobRow.event_count)
        ).scalar_one()
        row = JobEventRow(job_id=job_id, seq=seq, at=utcnow(), kind=kind, data=data)
        session.add(row)
        session.flush()
        return row

    def _transition(
        self,
        session: Any,
        job_id: str,
        guard: tuple[Any, ...],
        values: dict[str, Any],
        event: dict[str, Any],
    ) -> bool:
        """One guarded ``UPDATE`` of the job; if it matched, its ``state`` event ``event``.

        Returns whether the update matched the job.
        """
        done = session.execute(_update_jobs().where(*guard).values(**values))
        if _rowcount(done) != 1:
            return False
        self._add_event(session, job_id, "state", event)
        return True

    # ------------------------------------------------------------------ life cycle
    def claim(
        self, job_id: str, worker: str, stale_before: datetime, max_attempts: int = 3
    ) -> tuple[JobRow, str] | None:
        """Start an attempt: queued (or running with a stale heartbeat) -> running.

        A stale running job that used up ``max_attempts`` is left to the recovery sweep,
        which fails it. Returns the job and the attempt's token, or None when the job is
        final, running elsewhere, or unknown.
        """
        token = str(uuid.uuid4())
        now = utcnow()
        with self.sessions.begin() as session:
            claimed = session.execute(
                _update_jobs()
                .where(
                    JobRow.id == job_id,
                    or_(
                        JobRow.state == JobState.QUEUED.value,
                        (JobRow.state == JobState.RUNNING.value)
                        & (JobRow.heartbeat_at < stale_before)
                        & (JobRow.attempts < max_attempts),
                    ),
                )
                .values(
                    state=JobState.RUNNING.value,
                    run_token=token,
                    worker=worker,
                    attempts=JobRow.attempts + 1,
                    started_at=now,
                    heartbeat_at=now,
                )
            )
            if _rowcount(claimed) != 1:
                return None
            job = session.get(JobRow, job_id)
            assert job is not None
            session.refresh(job)
            self._add_event(
                session,
                job_id,
                "state",
                {"state": "running", "worker": worker, "attempt": job.attempts},
            )
            if job.parent_id is not None:
                self._transition(
                    session,
                    job.parent_id,
                    (JobRow.id == job.parent_id, JobRow.state == JobState.QUEUED.value),
                    {"state": JobState.RUNNING.value, "started_at": now},
                    {"state": "running"},
                )
            return job, token

    def heartbeat(self, job_id: str, token: str) -> Heartbeat:
        """Record that the attempt is alive; tell it whether to stop."""
        with self.sessions.begin() as session:
            updated = session.execute(
                _update_jobs()
                .where(*_held(job_id, token))
                .values(heartbeat_at=utcnow())
                .returning(JobRow.cancel_requested)
            ).first()
        if updated is None:
            return Heartbeat(owned=False, cancel_requested=False)
        return Heartbeat(owned=True, cancel_requested=bool(updated[0]))

    def cancel_requested(self, job_id: str) -> bool:
        """Whether a cancel was requested (cheap read)."""
        with self.sessions() as session:
            return bool(session.scalar(select(JobRow.cancel_requested).where(JobRow.id == job_id)))

    def finish(
        self,
        job_id: str,
        token: str,
        state: JobState,
        *,
        result: dict[str, Any] | None,
        error: str | None,
        event: dict[str, Any] | None = None,
    ) -> bool:
        """Write the one result of the job; False if this attempt no longer owns it."""
        with self.sessions.begin() as session:
            return self._transition(
                session,
                job_id,
                _held(job_id, token),
                {"state": state.value, "result": result, "error": error, "finished_at": utcnow()},
                {"state": state.value, **(event or {})},
            )

    def release(self, job_id: str, token: str, reason: str) -> bool:
        """Give the job back to the queue (before a retry); False if not owned."""
        with self.sessions.begin() as session:
            return self._transition(
                session,
                job_id,
                _held(job_id, token),
                {"state": JobState.QUEUED.value, "run_token": None, "enqueued_at": utcnow()},
                {"state": "queued", "reason": reason},
            )

    def fail_final(self, job_id: str, error: str) -> bool:
        """Mark a job failed whoever holds it (retries exhausted); False if already final."""
        with self.sessions.begin() as session:
            return self._transition(
                session,
                job_id,
                (JobRow.id == job_id, _not_final()),
                {"state": JobState.FAILED.value, "error": error, "finished_at": utcnow()},
                {"state": "failed", "error": error},
            )

    def request_cancel(self, job_id: str, tenant: str | None = None) -> JobRow | None:
        """Cancel: a queued job ends at once; a running one is flagged and stops itself."""
        with self.sessions.begin() as session:
            job = session.get(JobRow, job_id)
            if job is None or (tenant is not None and job.tenant != tenant):
                return None
            now = utcnow()
            if not self._transition(
                session,
                job_id,
                (JobRow.id == job_id, JobRow.state == JobState.QUEUED.value),
                {
                    "state": JobState.CANCELLED.value,
                    "cancel_requested": True,
                    "finished_at": now,
                },
                {"state": "cancelled", "reason": "before start"},
            ):
                flagged = session.execute(
                    _update_jobs()
                    .where(
                        JobRow.id == job_id,
                        JobRow.state == JobState.RUNNING.value,
                        JobRow.cancel_requested.is_(False),
                    )
                    .values(cancel_requested=True)
                )
                if _rowcount(flagged) == 1:
                    self._add_event(session, job_id, "cancel_requested", {})
            session.refresh(job)
            children = [
                child.id
                for child in session.scalars(select(JobRow).where(JobRow.parent_id == job_id))
            ]
        for child_id in children:
            self.request_cancel(child_id)
        return job

    # ------------------------------------------------------------------ recovery
    def orphaned(self, stale_before: datetime) -> list[str]:
        """Ids of running jobs whose heartbeat is older than ``stale_before``."""
        with self.sessions() as session:
            return list(
                session.scalars(
                    select(JobRow.id).where(
                        JobRow.state == JobState.RUNNING.value,
                        JobRow.heartbeat_at < stale_before,
                    )
                ).all()
            )

    def requeue_orphan(
        self, job_id: str, stale_before: datetime, max_attempts: int = 3
    ) -> JobRow | None:
        """Take an orphaned job back to ``queued`` (or ``cancelled`` if that was asked).

        A job that already lost its worker in ``max_attempts`` attempts ends ``failed``
        instead: a job that crashes its worker (say, out of memory) must not run forever.
        Returns the job when it was re-queued and must be sent again, else None.
        """
        with self.sessions.begin() as session:
            job = session.get(JobRow, job_id)
            if job is None:
                return None
            guard = (
                JobRow.id == job_id,
                JobRow.state == JobState.RUNNING.value,
                JobRow.heartbeat_at < stale_before,
            )
            if job.cancel_requested:
                self._transition(
                    session,
                    job_id,
                    guard,
                    {
                        "state": JobState.CANCELLED.value,
                        "run_token": None,
                        "finished_at": utcnow(),
                        "error": "the worker was lost while the job was being cancelled",
                    },
                    {"state": "cancelled", "reason": "worker lost"},
                )
                return None
            if job.attempts >= max_attempts:
                error = (
                    f"the worker was lost in each of {job.attempts} attempts (killed, or out "
                    "of memory?); not trying again"
                )
                self._transition(
                    session,
                    job_id,
                    guard,
                    {
                        "state": JobState.FAILED.value,
                        "run_token": None,
                        "finished_at": utcnow(),
                        "error": error,
                    },
                    {"state": "failed", "error": error},
                )
                return None
            if not self._transition(
                session,
                job_id,
                guard,
                {"state": JobState.QUEUED.value, "run_token": None, "enqueued_at": utcnow()},
                {"state": "queued", "reason": f"worker {job.worker} lost; re-queued"},
            ):
                return None
            session.refresh(job)
            return job

    def queued_before(self, moment: datetime) -> list[tuple[str, str]]:
        """(id, queue) of queued jobs last sent before ``moment``, oldest first."""
        with self.sessions() as session:
            rows = session.execute(
                select(JobRow.id, JobRow.queue)
                .where(JobRow.state == JobState.QUEUED.value, JobRow.enqueued_at < moment)
                .order_by(JobRow.enqueued_at)
            ).all()
            return [(row[0], row[1]) for row in rows]

    def mark_enqueued(self, job_id: str) -> None:
        """Record that the job's id was (re)sent to the broker now."""
        with self.sessions.begin() as session:
            session.execute(
                _update_jobs()
                .where(JobRow.id == job_id, JobRow.state == JobState.QUEUED.value)
                .values(enqueued_at=utcnow())
            )
