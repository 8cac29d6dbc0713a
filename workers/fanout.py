"""Fan-out: a parent job whose child jobs run in parallel and are gathered at the end.

A ``batch`` job has one child per item (a portfolio and solve options, e.g. a scenario
variant or a point of a trade-off sweep); each child is an ordinary ``schedule`` job on
the long queue, so the workers share them. When a child ends, its task checks whether
it was the last one pending and, if so, sends the parent's id to the short queue; the
parent's task then gathers the children's outcomes into the parent's result. Gathering
is a guarded write, so a second gather (two children ending together, a re-delivered
message, the recovery sweep) changes nothing.
"""

from __future__ import annotations

from typing import Any

from celery import Celery
from pydantic import BaseModel, Field

from workers.celery_app import send_run_job
from workers.db import JobState
from workers.ledger import Ledger
from workers.settings import Settings

#: Kind of a parent job whose children are solves.
BATCH_KIND = "batch"


class BatchChildResult(BaseModel):
    """The outcome of one child of a batch."""

    label: str = Field(description="The item's label as submitted.")
    job_id: str = Field(description="The child job's id (its plan: GET the child's result).")
    state: JobState = Field(description="Final state of the child.")
    plan_status: str | None = Field(description="Status of the child's plan, if any.")
    objective: dict[str, float] = Field(description="The child's objective values.")
    error: str | None = Field(description="Why the child failed, if it did.")


class BatchResult(BaseModel):
    """The gathered result of a batch: one entry per child, in submission order."""

    children: list[BatchChildResult] = Field(description="Outcome of each child.")
    succeeded: int = Field(description="Children that succeeded.")
    failed: int = Field(description="Children that failed.")
    cancelled: int = Field(description="Children that were cancelled.")


def gather(ledger: Ledger, parent_id: str) -> bool:
    """Write the parent's result if all its children are final; True if this call did."""
    parent = ledger.get(parent_id)
    if parent is None or parent.kind != BATCH_KIND:
        return False
    children = ledger.children(parent_id)
    if any(JobState(child.state) not in _FINAL for child in children):
        return False
    items = {item["job_id"]: item["label"] for item in parent.input["children"]}
    entries = []
    for child in children:
        plan: dict[str, Any] = child.result or {}
        entries.append(
            BatchChildResult(
                label=items[child.id],
                job_id=child.id,
                state=JobState(child.state),
                plan_status=plan.get("status"),
                objective=plan.get("objective", {}),
                error=child.error,
            )
        )
    result = BatchResult(
        children=entries,
        succeeded=sum(entry.state == JobState.SUCCEEDED for entry in entries),
        failed=sum(entry.state == JobState.FAILED for entry in entries),
        cancelled=sum(entry.state == JobState.CANCELLED for entry in entries),
    )
    error = None
    if parent.cancel_requested:
        state = JobState.CANCELLED
    elif result.failed:
        state = JobState.FAILED
        error = f"{result.failed} of {len(entries)} child job(s) failed"
    else:
        state = JobState.SUCCEEDED
    return ledger.finish_gathered(parent_id, state, result.model_dump(mode="json"), error)


def notify_parent(ledger: Ledger, app: Celery, settings: Settings, job_id: str) -> bool:
    """After a child ends: send its parent to be gathered if no sibling is pending."""
    job = ledger.get(job_id)
    if job is None or job.parent_id is None or ledger.pending_children(job.parent_id):
        return False
    send_run_job(app, job.parent_id, settings.short_queue, 60.0, settings.time_limit_margin_s)
    return True


_FINAL = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
