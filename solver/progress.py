"""Progress events and the callbacks through which the solver reports and is stopped.

The solver knows nothing of Celery or HTTP: whoever runs it passes an ``on_progress``
observer and a ``should_stop`` predicate.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class ProgressEvent:
    """A snapshot of a running solve."""

    elapsed_s: float
    phase: str  # 'heuristic', 'cpsat' or 'cpsat:<objective>' in lexicographic mode
    incumbent: float | None  # combined objective of the best plan so far
    bound: float | None  # best proven bound on it
    gap: float | None  # relative gap, 0 when proven optimal
    solutions: int  # plans found so far in this phase

    @classmethod
    def since(
        cls,
        started: float,
        phase: str,
        incumbent: float | None,
        solutions: int,
        *,
        bound: float | None = None,
        gap: float | None = None,
    ) -> ProgressEvent:
        """The event of ``phase`` now, its time counted from ``started`` (monotonic)."""
        return cls(
            elapsed_s=round(time.monotonic() - started, 3),
            phase=phase,
            incumbent=incumbent,
            bound=bound,
            gap=gap,
            solutions=solutions,
        )

    def to_dict(self) -> dict[str, Any]:
        """The event as a JSON-ready dict."""
        return asdict(self)


#: Called with each event; must return quickly.
ProgressCallback = Callable[[ProgressEvent], None]
#: Polled about ten times a second; True stops the solve and keeps the best plan.
StopCallback = Callable[[], bool]


def relative_gap(incumbent: float | None, bound: float | None) -> float | None:
    """``|incumbent - bound| / max(1, |incumbent|)``, or None if either is missing."""
    if incumbent is None or bound is None:
        return None
    return abs(incumbent - bound) / max(1.0, abs(incumbent))
