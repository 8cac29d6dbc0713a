"""The shared job body run in-process: results, infeasible input, faults, re-delivery."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy.exc

from models import Plan, PlanStatus, Portfolio, PortfolioError
from solver.options import SolveOptions
from solver.progress import ProgressEvent
from tests.workers.harness import checked, example, infeasible_portfolio, tiny_portfolio
from workers import kinds
from workers.db import make_engine, upgrade_database
from workers.kinds import UnsupportedKindError, input_snapshot
from workers.ledger import Ledger
from workers.local import solve_locally
from workers.runner import InfrastructureError, Outcome, execute_job, is_infrastructure_fault
from workers.service import JobService
from workers.settings import Settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded settings under a temporary home."""
    return Settings(home=tmp_path, progress_interval_s=0.0)


@pytest.fixture
def ledger(settings: Settings) -> Ledger:
    """A migrated ledger for ``settings``."""
    upgrade_database(settings.effective_database_url)
    return Ledger(make_engine(settings.effective_database_url))


def _job(ledger: Ledger, portfolio: Portfolio, time_limit_s: float = 5.0) -> str:
    options = SolveOptions(time_limit_s=time_limit_s, workers=1)
    return ledger.create_job(
        tenant="acme",
        kind="schedule",
        queue="q",
        input_data=input_snapshot(portfolio),
        options=options.model_dump(mode="json"),
    ).id


def test_a_job_runs_once_and_its_result_passes_the_checker(
    ledger: Ledger, settings: Settings
) -> None:
    """The body writes one optimal plan (makespan 6); a re-delivery is skipped."""
    portfolio = tiny_portfolio()
    job_id = _job(ledger, portfolio)
    assert execute_job(ledger, job_id, settings, worker="w1") == Outcome.FINISHED
    assert execute_job(ledger, job_id, settings, worker="w2") == Outcome.SKIPPED
    job = ledger.get(job_id)
    assert job is not None and job.result is not None
    plan = checked(portfolio, Plan.model_validate(job.result))
    assert (job.state, job.attempts, job.worker, job.error) == ("succeeded", 1, "w1", None)
    assert (plan.status, plan.objective["makespan"]) == (PlanStatus.OPTIMAL, 6.0)
    kinds_seen = [e.kind for e in ledger.events_after(job_id)]
    assert kinds_seen[:2] == ["state", "state"]
    assert kinds_seen[-1] == "state"
    assert "progress" in kinds_seen


def test_infeasible_input_succeeds_with_status_infeasible(
    ledger: Ledger, settings: Settings
) -> None:
    """Infeasible is an answer, not a failure: succeeded, one attempt, no error."""
    job_id = _job(ledger, infeasible_portfolio())
    assert execute_job(ledger, job_id, settings, worker="w1") == Outcome.FINISHED
    job = ledger.get(job_id)
    assert job is not None and job.result is not None
    assert (job.state, job.attempts, job.error) == ("succeeded", 1, None)
    assert job.result["status"] == "infeasible"
    assert job.result["tasks"] == []


def test_an_internal_error_fails_the_job_without_retry(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in the engine ends the job failed with a one-line error; nothing is raised."""

    def broken(*_: Any) -> Plan:
        raise RuntimeError("boom in the engine")

    monkeypatch.setitem(kinds.HANDLERS, "schedule", broken)
    job_id = _job(ledger, tiny_portfolio())
    assert execute_job(ledger, job_id, settings, worker="w1") == Outcome.FINISHED
    job = ledger.get(job_id)
    assert job is not None
    assert (job.state, job.attempts, job.result) == ("failed", 1, None)
    assert job.error == "internal error: RuntimeError: boom in the engine"


def test_an_infrastructure_fault_gives_the_job_back_for_a_retry(
    ledger: Ledger, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A database outage raises InfrastructureError and the job is queued again."""

    def outage(*_: Any) -> Plan:
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("down"))

    monkeypatch.setitem(kinds.HANDLERS, "schedule", outage)
    job_id = _job(ledger, tiny_portfolio())
    with pytest.raises(InfrastructureError):
        execute_job(ledger, job_id, settings, worker="w1")
    job = ledger.get(job_id)
    assert job is not None
    assert (job.state, job.attempts, job.result, job.run_token) == ("queued", 1, None, None)


def test_fault_classification_separates_infrastructure_from_bugs() -> None:
    """Connection errors are infrastructure faults; ValueError and RuntimeError are not."""
    assert is_infrastructure_fault(ConnectionRefusedError("x"))
    assert is_infrastructure_fault(
        sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("gone"))
    )
    assert not is_infrastructure_fault(ValueError("bad"))
    assert not is_infrastructure_fault(RuntimeError("bug"))


def test_a_stop_request_ends_the_body_cancelled_with_the_best_plan(
    ledger: Ledger, settings: Settings
) -> None:
    """Stopping at CP-SAT's first report ends the job cancelled with a checked plan."""
    portfolio = example("medium")
    job_id = _job(ledger, portfolio, time_limit_s=60)
    in_cpsat = threading.Event()

    def observe(event: ProgressEvent) -> None:
        if event.phase == "cpsat":
            in_cpsat.set()

    outcome = execute_job(
        ledger, job_id, settings, worker="w1", on_progress=observe, should_stop=in_cpsat.is_set
    )
    assert outcome == Outcome.FINISHED
    job = ledger.get(job_id)
    assert job is not None and job.result is not None
    plan = checked(portfolio, Plan.model_validate(job.result))
    assert (job.state, plan.status, len(plan.tasks)) == ("cancelled", PlanStatus.CANCELLED, 162)


def test_solve_locally_runs_the_same_body(tmp_path: Path) -> None:
    """The CLI's local runner returns the checked optimal plan and reports progress."""
    portfolio = tiny_portfolio()
    phases: list[str] = []
    plan = solve_locally(
        portfolio,
        SolveOptions(time_limit_s=5, workers=1),
        on_progress=lambda event: phases.append(event.phase),
    )
    checked(portfolio, plan)
    assert (plan.status, plan.objective["makespan"]) == (PlanStatus.OPTIMAL, 6.0)
    assert phases[0] == "heuristic"


def test_submit_refuses_bad_kinds_limits_and_portfolios(settings: Settings) -> None:
    """Unimplemented kinds, too long limits and invalid portfolios never enter the ledger."""
    service = JobService(settings)
    portfolio = tiny_portfolio()
    with pytest.raises(UnsupportedKindError, match="job kind 'risk' is not implemented yet"):
        service.submit_job("acme", "risk", portfolio)
    with pytest.raises(UnsupportedKindError, match="unknown job kind 'dance'"):
        service.submit_job("acme", "dance", portfolio)
    with pytest.raises(ValueError, match="time_limit_s 7200 is above the maximum of 3600 s"):
        service.submit_job("acme", "schedule", portfolio, SolveOptions(time_limit_s=7200))
    broken = portfolio.model_copy(update={"projects": []})
    with pytest.raises(PortfolioError):
        service.submit_job("acme", "schedule", broken)
    assert service.list_jobs("acme").total == 0
    service.close()


def test_submit_records_the_stored_portfolio_it_came_from(settings: Settings) -> None:
    """submit_job keeps portfolio_id and portfolio_version on the job (view, read, list);
    one without the other is refused before anything is written."""
    service = JobService(settings)
    job = service.submit_job(
        "acme", "schedule", tiny_portfolio(), portfolio_id="p-1", portfolio_version=2
    )
    read = service.get_job("acme", job.id)
    assert read is not None
    listed = service.list_jobs("acme").items
    assert [(view.portfolio_id, view.portfolio_version) for view in (job, read, *listed)] == [
        ("p-1", 2)
    ] * 3
    with pytest.raises(TypeError, match="give both portfolio_id and portfolio_version, or neither"):
        service.submit_job("acme", "schedule", tiny_portfolio(), portfolio_version=2)
    assert service.list_jobs("acme").total == 1
    service.close()


def test_the_ledger_stores_the_input_snapshot_as_the_portfolio_json(ledger: Ledger) -> None:
    """The snapshot keeps the model; the ledger writes the JSON of ``model_dump``."""
    portfolio = tiny_portfolio()
    job = ledger.get(_job(ledger, portfolio))
    assert job is not None
    assert job.input == {"portfolio": portfolio.model_dump(mode="json")}
