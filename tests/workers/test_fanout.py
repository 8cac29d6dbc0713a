"""Fan-out in-process: a batch's children run through the job body and are gathered once."""

from __future__ import annotations

from pathlib import Path

import pytest

from models import ObjectiveName, Objectives, ObjectiveTerm, PlanStatus
from solver.options import SolveOptions
from tests.workers.harness import checked, infeasible_portfolio, tiny_portfolio
from workers.db import JobState
from workers.fanout import gather
from workers.runner import Outcome, execute_job
from workers.service import BatchItem, JobService
from workers.settings import Settings


@pytest.fixture
def service(tmp_path: Path) -> JobService:
    """A service on embedded settings; no worker runs, the test runs the bodies itself."""
    return JobService(Settings(home=tmp_path, progress_interval_s=0.0))


def _items() -> list[BatchItem]:
    cost = Objectives(terms=[ObjectiveTerm(name=ObjectiveName.TOTAL_COST)])
    return [
        BatchItem(label="makespan", portfolio=tiny_portfolio(0), options=SolveOptions(workers=1)),
        BatchItem(
            label="cost",
            portfolio=tiny_portfolio(1),
            options=SolveOptions(workers=1, objectives=cost),
        ),
        BatchItem(label="impossible", portfolio=infeasible_portfolio()),
    ]


def test_a_batch_is_gathered_once_when_its_last_child_ends(service: JobService) -> None:
    """The parent stays open until every child ends, then holds one entry per child."""
    parent = service.submit_batch("acme", _items())
    assert (parent.kind, parent.state) == ("batch", JobState.QUEUED)
    children = service.ledger.children(parent.id)
    assert [child.parent_id for child in children] == [parent.id] * 3
    for number, child in enumerate(children):
        outcome = execute_job(service.ledger, child.id, service.settings, worker="w")
        assert outcome == Outcome.FINISHED
        opened = service.get_job("acme", parent.id)
        assert opened is not None
        if number < 2:
            assert opened.state == JobState.RUNNING
            assert not gather(service.ledger, parent.id)
    assert execute_job(service.ledger, parent.id, service.settings) == Outcome.FINISHED
    assert execute_job(service.ledger, parent.id, service.settings) == Outcome.SKIPPED
    final = service.get_job("acme", parent.id)
    assert final is not None
    assert (final.state, final.error) == (JobState.SUCCEEDED, None)
    result = service.get_batch_result("acme", parent.id)
    assert result is not None
    assert [(c.label, c.state, c.plan_status) for c in result.children] == [
        ("makespan", JobState.SUCCEEDED, "optimal"),
        ("cost", JobState.SUCCEEDED, "optimal"),
        ("impossible", JobState.SUCCEEDED, "infeasible"),
    ]
    assert (result.succeeded, result.failed, result.cancelled) == (3, 0, 0)
    assert result.children[0].objective["makespan"] == 6.0
    for index, entry in enumerate(result.children[:2]):
        plan = checked(tiny_portfolio(index), service.get_result("acme", entry.job_id))
        assert plan.status == PlanStatus.OPTIMAL
    assert service.get_result("acme", parent.id) is None


def test_cancelling_a_queued_batch_cancels_every_child(service: JobService) -> None:
    """A batch cancelled before any child started ends cancelled, children too."""
    parent = service.submit_batch("acme", _items())
    cancelled = service.cancel_job("acme", parent.id)
    assert cancelled is not None
    assert cancelled.state == JobState.CANCELLED
    states = [child.state for child in service.ledger.children(parent.id)]
    assert states == ["cancelled", "cancelled", "cancelled"]
    for child in service.ledger.children(parent.id):
        assert execute_job(service.ledger, child.id, service.settings) == Outcome.SKIPPED


def test_a_batch_kind_cannot_be_submitted_as_a_single_job(service: JobService) -> None:
    """submit_job refuses kind 'batch' and points to submit_batch."""
    with pytest.raises(ValueError, match="batch jobs are submitted with submit_batch"):
        service.submit_job("acme", "batch", tiny_portfolio())


def test_the_recovery_query_finds_a_batch_whose_gather_was_lost(service: JobService) -> None:
    """A batch with all children final but no gather is listed for the sweep, then not."""
    parent = service.submit_batch("acme", _items()[:2])
    assert service.ledger.gatherable("batch") == []
    for child in service.ledger.children(parent.id):
        execute_job(service.ledger, child.id, service.settings, worker="w")
    assert service.ledger.gatherable("batch") == [parent.id]
    assert gather(service.ledger, parent.id)
    assert service.ledger.gatherable("batch") == []
