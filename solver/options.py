"""Solve options, validated on construction."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models import Objectives


class SolveOptions(BaseModel):
    """How to solve: limits, parallelism, determinism and the objective to use."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    time_limit_s: float = Field(30.0, gt=0, le=86_400, description="Wall-clock limit.")
    workers: int = Field(2, ge=1, le=64, description="CP-SAT search workers.")
    seed: int = Field(0, ge=0, description="Random seed of the search.")
    deterministic: bool = Field(
        False, description="Reproducible search (interleaved workers); slower on hard cases."
    )
    relative_gap: float = Field(
        0.0, ge=0, le=1, description="Stop once the relative gap is at most this."
    )
    objectives: Objectives | None = Field(
        None, description="Override the portfolio's objectives for this solve."
    )
    warm_start: bool = Field(True, description="Hint CP-SAT with the best heuristic plan.")
    heuristic_only: bool = Field(False, description="Return the best priority-rule plan.")
    log_search: bool = Field(False, description="Print CP-SAT's search log.")
