"""The job ledger: migrations, exactly-once claims and results, cancel, tenant scoping."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, text

from benchmarks.jobs import private_pg_database
from tests.workers.harness import require
from workers.db import (
    HEAD_REVISION,
    MIGRATIONS_DIR,
    Base,
    JobState,
    make_engine,
    upgrade_database,
    utcnow,
)
from workers.ledger import Ledger, TooManyJobsError
from workers.pg_submit import pipelines


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    """A migrated SQLite ledger in a temporary directory."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade_database(url)
    return Ledger(make_engine(url))


def _new_job(ledger: Ledger, tenant: str = "acme", max_in_flight: int | None = None) -> str:
    job = ledger.create_job(
        tenant=tenant,
        kind="schedule",
        queue="q",
        input_data={"portfolio": {}},
        options={},
        max_in_flight=max_in_flight,
    )
    return job.id


def test_upgrade_creates_the_tables_at_the_named_head(tmp_path: Path) -> None:
    """upgrade_database twice leaves the ledger's tables (and the API's, revision 0003)
    with alembic_version at the head, revision 0004."""
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    upgrade_database(url)
    upgrade_database(url)
    engine = make_engine(url)
    assert sorted(inspect(engine).get_table_names()) == [
        "alembic_version",
        "api_keys",
        "job_events",
        "jobs",
        "portfolio_versions",
        "portfolios",
    ]
    with engine.connect() as connection:
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert version == HEAD_REVISION == "0006_jobs_tenant_state_index"


def _migrate(url: str, step: Callable[[Config, str], None], revision: str) -> None:
    """``alembic upgrade`` or ``downgrade`` (``step``) to ``revision`` on ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = make_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        step(config, revision)
    engine.dispose()


def _downgrade(url: str, revision: str) -> None:
    _migrate(url, command.downgrade, revision)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of an empty database: a SQLite file, or a private PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    require("postgresql")
    with private_pg_database() as url:
        yield url


def test_revision_0004_adds_the_provenance_columns_and_goes_back(fresh_url: str) -> None:
    """Up to 0004 a job keeps its portfolio id and version; down to 0003 the columns go
    and the job stays; up again, they are back, null for that older job."""
    upgrade_database(fresh_url)
    ledger = Ledger(make_engine(fresh_url))
    job_id = ledger.create_job(
        tenant="acme",
        kind="schedule",
        queue="q",
        input_data={"portfolio": {}},
        options={},
        portfolio_id="0b8f6c1e-4f57-4a43-9d43-1f0e2a9c7b11",
        portfolio_version=3,
    ).id
    status = ledger.status(job_id, "acme")
    assert status is not None
    assert (status.portfolio_id, status.portfolio_version) == (
        "0b8f6c1e-4f57-4a43-9d43-1f0e2a9c7b11",
        3,
    )
    ledger.engine.dispose()

    def job_columns() -> list[str]:
        engine = make_engine(fresh_url)
        names = [column["name"] for column in inspect(engine).get_columns("jobs")]
        engine.dispose()
        return [name for name in names if name.startswith("portfolio")]

    assert job_columns() == ["portfolio_id", "portfolio_version"]
    _downgrade(fresh_url, "0003_api_keys_portfolios")
    assert job_columns() == []
    upgrade_database(fresh_url)
    assert job_columns() == ["portfolio_id", "portfolio_version"]
    ledger = Ledger(make_engine(fresh_url))
    job = ledger.get(job_id, "acme")
    assert job is not None
    assert (job.tenant, job.portfolio_id, job.portfolio_version) == ("acme", None, None)
    ledger.engine.dispose()


@pytest.mark.services
def test_revision_0005_stores_documents_as_json_and_goes_back() -> None:
    """On PostgreSQL the documents written whole are ``json``, plans stay ``jsonb``; the
    large ones are LZ4-compressed where the server has it, a job written before the
    revision included; the job survives the way down to ``jsonb`` and back."""
    require("postgresql")
    documents = [
        ("job_events", "data"),
        ("jobs", "input"),
        ("jobs", "options"),
        ("portfolio_versions", "document"),
        ("portfolios", "document"),
    ]
    snapshot = {"portfolio": {"id": "p", "notes": "word " * 2_000, "nested": [1, {"a": None}]}}
    with private_pg_database() as url:
        _migrate(url, command.upgrade, "0004_job_provenance")
        engine = make_engine(url)
        job_id = (
            Ledger(engine)
            .create_job(
                tenant="acme", kind="schedule", queue="q", input_data=snapshot, options={"x": 1.5}
            )
            .id
        )
        upgrade_database(url)

        def types() -> list[tuple[str, str, str]]:
            with engine.connect() as connection:
                rows = connection.execute(
                    text(
                        "SELECT table_name, column_name, data_type FROM information_schema.columns"
                        " WHERE data_type IN ('json', 'jsonb') ORDER BY table_name, column_name"
                    )
                )
                return [(row[0], row[1], row[2]) for row in rows]

        def with_jsonb(kind: str) -> list[tuple[str, str, str]]:
            listed = [(table, column, kind) for table, column in documents]
            return sorted([*listed, ("jobs", "result", "jsonb")])

        assert types() == with_jsonb("json")
        with engine.connect() as connection:
            lz4 = connection.execute(
                text(
                    "SELECT 'lz4' = ANY(enumvals) FROM pg_settings"
                    " WHERE name = 'default_toast_compression'"
                )
            ).scalar()
            stored = connection.execute(
                text("SELECT pg_column_compression(input) FROM jobs WHERE id = :id"),
                {"id": job_id},
            ).scalar()
        assert stored == ("lz4" if lz4 else "pglz")
        _downgrade(url, "0004_job_provenance")
        assert types() == with_jsonb("jsonb")
        upgrade_database(url)
        assert types() == with_jsonb("json")
        job = Ledger(engine).get(job_id, "acme")
        assert job is not None
        assert (job.input, job.options) == (snapshot, {"x": 1.5})
        engine.dispose()


def test_a_running_job_cannot_be_claimed_twice(ledger: Ledger) -> None:
    """The second claim of a job with a fresh heartbeat gets nothing."""
    job_id = _new_job(ledger)
    stale_before = utcnow() - timedelta(seconds=30)
    first = ledger.claim(job_id, "w1", stale_before)
    assert first is not None
    assert first[0].attempts == 1
    assert ledger.claim(job_id, "w2", stale_before) is None


def test_a_finished_job_is_never_claimed_again(ledger: Ledger) -> None:
    """After the result is written, a re-delivery finds the job final."""
    job_id = _new_job(ledger)
    claimed = ledger.claim(job_id, "w1", utcnow())
    assert claimed is not None
    assert ledger.finish(job_id, claimed[1], JobState.SUCCEEDED, result={"x": 1}, error=None)
    assert ledger.claim(job_id, "w2", utcnow() + timedelta(days=1)) is None
    job = ledger.get(job_id)
    assert job is not None
    assert (job.state, job.result, job.attempts, job.worker) == ("succeeded", {"x": 1}, 1, "w1")


def test_an_orphaned_job_is_reclaimed_and_the_old_attempt_cannot_write(ledger: Ledger) -> None:
    """A stale running job is claimed again (attempt 2); the lost attempt's result is refused."""
    job_id = _new_job(ledger)
    old = ledger.claim(job_id, "w1", utcnow())
    assert old is not None
    new = ledger.claim(job_id, "w2", utcnow() + timedelta(seconds=1))
    assert new is not None
    assert new[0].attempts == 2
    assert not ledger.finish(job_id, old[1], JobState.SUCCEEDED, result={}, error=None)
    assert ledger.finish(job_id, new[1], JobState.SUCCEEDED, result={"n": 2}, error=None)
    states = [e.data["state"] for e in ledger.events_after(job_id) if e.kind == "state"]
    assert states == ["queued", "running", "running", "succeeded"]


def test_cancel_of_a_queued_job_ends_it_at_once(ledger: Ledger) -> None:
    """A queued job is cancelled immediately and can no longer be claimed."""
    job_id = _new_job(ledger)
    job = ledger.request_cancel(job_id, "acme")
    assert job is not None
    assert (job.state, job.cancel_requested) == ("cancelled", True)
    assert ledger.claim(job_id, "w1", utcnow()) is None


def test_cancel_of_a_running_job_sets_the_flag_the_heartbeat_reports(ledger: Ledger) -> None:
    """A running job stays running with the flag set; its heartbeat says stop."""
    job_id = _new_job(ledger)
    claimed = ledger.claim(job_id, "w1", utcnow())
    assert claimed is not None
    job = ledger.request_cancel(job_id, "acme")
    assert job is not None
    assert (job.state, job.cancel_requested) == ("running", True)
    beat = ledger.heartbeat(job_id, claimed[1])
    assert (beat.owned, beat.cancel_requested) == (True, True)


def test_events_are_numbered_densely_per_job(ledger: Ledger) -> None:
    """Events of a job have seq 1, 2, 3, ... and events_after skips the seen ones."""
    job_id = _new_job(ledger)
    for number in range(3):
        ledger.add_event(job_id, "progress", {"n": number})
    assert [e.seq for e in ledger.events_after(job_id)] == [1, 2, 3, 4]
    assert [e.data for e in ledger.events_after(job_id, 2)] == [{"n": 1}, {"n": 2}]


def test_another_tenant_sees_nothing(ledger: Ledger) -> None:
    """get, list and cancel are scoped to the tenant."""
    job_id = _new_job(ledger, "acme")
    assert ledger.get(job_id, "globex") is None
    assert ledger.request_cancel(job_id, "globex") is None
    assert ledger.list_jobs("globex") == ([], 0)
    rows, total = ledger.list_jobs("acme")
    assert ([row.id for row in rows], total) == ([job_id], 1)


def test_a_job_that_loses_its_worker_three_times_fails(ledger: Ledger) -> None:
    """After three lost attempts the job is not claimed again; the sweep fails it."""
    job_id = _new_job(ledger)
    later = utcnow() + timedelta(days=1)
    for attempt in (1, 2, 3):
        claimed = ledger.claim(job_id, f"w{attempt}", later, max_attempts=3)
        assert claimed is not None
        assert claimed[0].attempts == attempt
    assert ledger.claim(job_id, "w4", later, max_attempts=3) is None
    assert ledger.requeue_orphan(job_id, later, max_attempts=3) is None
    job = ledger.get(job_id)
    assert job is not None
    assert (job.state, job.attempts, job.result) == ("failed", 3, None)
    assert job.error == (
        "the worker was lost in each of 3 attempts (killed, or out of memory?); not trying again"
    )


def test_an_orphan_with_attempts_left_is_requeued(ledger: Ledger) -> None:
    """A stale running job goes back to queued with its attempts kept."""
    job_id = _new_job(ledger)
    assert ledger.claim(job_id, "w1", utcnow()) is not None
    job = ledger.requeue_orphan(job_id, utcnow() + timedelta(seconds=1), max_attempts=3)
    assert job is not None
    assert (job.state, job.attempts, job.run_token) == ("queued", 1, None)


def test_the_in_flight_limit_counts_the_tenants_queued_and_running_jobs(ledger: Ledger) -> None:
    """With max_in_flight=2, a queued and a running job refuse a third job of the tenant,
    not another tenant's; once one is cancelled the tenant may submit again."""
    queued = _new_job(ledger, max_in_flight=2)
    running = _new_job(ledger, max_in_flight=2)
    assert ledger.claim(running, "w1", utcnow()) is not None
    with pytest.raises(TooManyJobsError) as refused:
        _new_job(ledger, max_in_flight=2)
    assert str(refused.value) == "tenant 'acme' has 2 jobs queued or running; the limit is 2"
    assert (refused.value.tenant, refused.value.in_flight, refused.value.limit) == ("acme", 2, 2)
    _new_job(ledger, "globex", max_in_flight=2)
    assert ledger.request_cancel(queued, "acme") is not None
    _new_job(ledger, max_in_flight=2)
    assert ledger.list_jobs("acme")[1] == 3


def test_revision_0006_indexes_jobs_by_tenant_and_state(fresh_url: str) -> None:
    """The migrated ``jobs`` table has the indexes the ORM declares; down to 0005 the
    tenant index is back alone."""
    upgrade_database(fresh_url)

    def indexes() -> dict[str, list[str]]:
        engine = make_engine(fresh_url)
        found = {
            str(index["name"]): [str(column) for column in index["column_names"]]
            for index in inspect(engine).get_indexes("jobs")
        }
        engine.dispose()
        return found

    declared = {
        str(index.name): [column.name for column in index.columns]
        for index in Base.metadata.tables["jobs"].indexes
    }
    expected = {
        "ix_jobs_parent_id": ["parent_id"],
        "ix_jobs_state": ["state"],
        "ix_jobs_tenant_state": ["tenant", "state"],
    }
    assert indexes() == declared == expected
    _downgrade(fresh_url, "0005_json_documents")
    assert indexes() == {
        "ix_jobs_parent_id": ["parent_id"],
        "ix_jobs_state": ["state"],
        "ix_jobs_tenant": ["tenant"],
    }


@pytest.mark.services
def test_a_pipelined_submission_writes_what_the_statements_write() -> None:
    """On PostgreSQL a submission within a limit goes out in one pipeline: the job and
    its event are the rows the statement-by-statement path writes; at the limit nothing
    is written and the refusal counts the jobs in flight."""
    require("postgresql")
    snapshot = {"portfolio": {"id": "p", "nested": [1, {"a": None}]}}
    with private_pg_database() as url:
        upgrade_database(url)
        ledger = Ledger(make_engine(url))
        if not pipelines(ledger.engine):
            pytest.skip("libpq older than 14: no pipeline mode, the statement path runs")
        assert ledger._pipelined is not None

        def create(max_in_flight: int | None) -> str:
            return ledger.create_job(
                tenant="acme",
                kind="schedule",
                queue="q",
                input_data=snapshot,
                options={"x": 1.5},
                portfolio_id="0b8f6c1e-4f57-4a43-9d43-1f0e2a9c7b11",
                portfolio_version=2,
                max_in_flight=max_in_flight,
            ).id

        plain, piped = create(None), create(3)

        def stored(job_id: str) -> tuple[dict[str, object], list[tuple[object, ...]]]:
            with ledger.engine.connect() as connection:
                row = connection.execute(
                    text("SELECT * FROM jobs WHERE id = :id"), {"id": job_id}
                ).one()
                events = connection.execute(
                    text("SELECT seq, kind, data FROM job_events WHERE job_id = :id"),
                    {"id": job_id},
                ).all()
            values = dict(row._mapping)
            for key in ("id", "created_at", "enqueued_at"):
                values.pop(key)
            return values, [tuple(event) for event in events]

        assert stored(piped) == stored(plain)
        assert stored(piped)[1] == [(1, "state", {"state": "queued"})]
        assert stored(piped)[0]["input"] == snapshot
        create(3)
        with pytest.raises(TooManyJobsError) as refused:
            create(3)
        assert str(refused.value) == "tenant 'acme' has 3 jobs queued or running; the limit is 3"
        assert ledger.list_jobs("acme")[1] == 3
        with ledger.engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM job_events")) == 3
        ledger.engine.dispose()
