"""Run a job in this process: the same body a worker runs, without a broker.

The CLI's ``optiplan solve`` goes through here, so that ``api/`` never imports
``solver/`` directly (the layer rule of the architecture). The job is written to a
private throw-away SQLite ledger and run by :func:`workers.runner.execute_job`, exactly as a
Celery worker would run it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from models import Plan, Portfolio
from solver.options import SolveOptions
from solver.progress import ProgressCallback, ProgressEvent, StopCallback
from workers.db import Base, make_engine
from workers.kinds import check_kind, input_snapshot
from workers.ledger import Ledger
from workers.runner import execute_job
from workers.settings import Settings

__all__ = ["LocalJobError", "ProgressEvent", "SolveOptions", "run_locally", "solve_locally"]


class LocalJobError(RuntimeError):
    """The job failed in-process (the message is the ledger's error)."""


def run_locally(
    kind: str,
    portfolio: Portfolio,
    options: SolveOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> Plan:
    """Run a job of ``kind`` in-process through the worker's job body; return its plan."""
    check_kind(kind)
    options = options or SolveOptions()
    # A private SQLite file, not ":memory:": the job body writes from several threads
    # (solver callbacks, the heartbeat watcher), and each needs its own connection.
    folder = tempfile.TemporaryDirectory(prefix="optiplan-local-")
    engine = make_engine(f"sqlite:///{Path(folder.name) / 'ledger.db'}", durable=False)
    try:
        Base.metadata.create_all(engine)
        ledger = Ledger(engine)
        job = ledger.create_job(
            tenant="local",
            kind=kind,
            queue="local",
            input_data=input_snapshot(portfolio),
            options=options.model_dump(mode="json"),
        )
        settings = Settings(progress_interval_s=0.0)
        execute_job(
            ledger,
            job.id,
            settings,
            worker="local",
            on_progress=on_progress,
            should_stop=should_stop,
        )
        finished = ledger.get(job.id)
        assert finished is not None
        if finished.result is None:
            raise LocalJobError(finished.error or f"job ended {finished.state} without a plan")
        return Plan.model_validate(finished.result)
    finally:
        engine.dispose()
        folder.cleanup()


def solve_locally(
    portfolio: Portfolio,
    options: SolveOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> Plan:
    """Solve ``portfolio`` in-process (a ``schedule`` job) and return the checked plan."""
    return run_locally(
        "schedule", portfolio, options, on_progress=on_progress, should_stop=should_stop
    )
