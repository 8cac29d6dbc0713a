"""Run a solve in this process: the same body a worker runs, without a broker.

The CLI's ``optiplan solve`` goes through here, so that ``api/`` never imports
``solver/`` directly (the layer rule of the architecture).
"""

from __future__ import annotations

from models import Plan, Portfolio
from solver.options import SolveOptions
from solver.progress import ProgressCallback, ProgressEvent, StopCallback
from solver.solve import solve

__all__ = ["ProgressEvent", "SolveOptions", "solve_locally"]


def solve_locally(
    portfolio: Portfolio,
    options: SolveOptions | None = None,
    *,
    on_progress: ProgressCallback | None = None,
    should_stop: StopCallback | None = None,
) -> Plan:
    """Solve ``portfolio`` in-process and return the checked plan."""
    return solve(portfolio, options, on_progress=on_progress, should_stop=should_stop)
